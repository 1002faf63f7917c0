/* SPDX-License-Identifier: Apache-2.0 */
/* journal/journal_worker.c - a pool of worker threads (journal.h).
 *
 * Each worker owns its store connection and engine (a SQLite connection
 * belongs to one thread), so the workers share nothing but the pool's
 * mutex, its condition variable and the stop flag. base/sidecar.c is not
 * thread-safe: no effect run here may use it (labels, which print through
 * the CUPS helper, stay on the main thread).
 */
#include "journal/journal.h"
#include "base/err.h"
#include "base/log.h"
#include "base/sidecar.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* How long an idle worker sleeps before it looks for claimable jobs again
 * (jobs recorded by other processes, deferred ones coming due). */
#define POOL_TICK_MS 250

struct worker {
	struct journal_pool *pool;
	size_t index;
	pthread_t thread;
	bool started;
};

struct journal_pool {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	volatile sig_atomic_t stop;
	unsigned kicks;
	int error;
	struct journal_cfg cfg;
	char station[64], dsn[1024];
	journal_setup_fn *setup;
	void *arg;
	size_t n;
	struct worker w[];
};

static void pool_wait(struct journal_pool *p, unsigned seen)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += POOL_TICK_MS * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&p->mu);
	if (!p->stop && p->kicks == seen)
		pthread_cond_timedwait(&p->cv, &p->mu, &ts);
	pthread_mutex_unlock(&p->mu);
}

static void pool_fail(struct journal_pool *p, int rc)
{
	pthread_mutex_lock(&p->mu);
	if (!p->error)
		p->error = rc;
	pthread_mutex_unlock(&p->mu);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct journal_pool *p = w->pool;
	struct store *st = NULL;
	struct journal *j = NULL;
	int rc;

	/* this worker's own helper children (HTTP, CUPS): its slow call never
	 * waits for another worker's, and frames never interleave */
	sidecar_use_lane((unsigned)w->index + 1);
	rc = store_open(&st, p->cfg.dsn);
	if (!rc)
		rc = journal_open(&j, st, &p->cfg);
	if (!rc)
		rc = p->setup(j, p->arg, w->index);
	while (!rc && !p->stop) {
		unsigned seen;
		size_t ran = 0;

		pthread_mutex_lock(&p->mu);
		seen = p->kicks;
		pthread_mutex_unlock(&p->mu);
		rc = journal_work_all(j, &p->stop, &ran);
		if (!rc && !ran)
			pool_wait(p, seen);
	}
	if (rc) {
		pl_err("journal worker %zu stops: %s", w->index, pl_strerror(rc));
		pool_fail(p, rc);
	}
	journal_close(j);
	store_close(st);
	return NULL;
}

int journal_pool_start(struct journal_pool **out, const struct journal_cfg *cfg, size_t n,
		       journal_setup_fn *setup, void *arg)
{
	struct journal_pool *p;

	*out = NULL;
	if (!cfg || !cfg->dsn || !setup || n == 0 || n > 64)
		return -PL_EINVAL;
	p = calloc(1, sizeof(*p) + n * sizeof(p->w[0]));
	if (!p)
		return -PL_ENOMEM;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	snprintf(p->station, sizeof(p->station), "%s", cfg->station ? cfg->station : "");
	snprintf(p->dsn, sizeof(p->dsn), "%s", cfg->dsn);
	p->cfg = *cfg;
	p->cfg.station = p->station;
	p->cfg.dsn = p->dsn;
	p->setup = setup;
	p->arg = arg;
	p->n = n;
	for (size_t i = 0; i < n; i++) {
		p->w[i].pool = p;
		p->w[i].index = i;
		if (pthread_create(&p->w[i].thread, NULL, worker_main, &p->w[i]) != 0) {
			journal_pool_stop(p);
			return -PL_ENOMEM;
		}
		p->w[i].started = true;
	}
	*out = p;
	return 0;
}

void journal_pool_kick(struct journal_pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->kicks++;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

int journal_pool_stop(struct journal_pool *p)
{
	int rc;

	if (!p)
		return 0;
	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	for (size_t i = 0; i < p->n; i++)
		if (p->w[i].started)
			pthread_join(p->w[i].thread, NULL);
	rc = p->error;
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	free(p);
	return rc;
}
