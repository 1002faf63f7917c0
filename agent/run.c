/* SPDX-License-Identifier: Apache-2.0 */
/* agent/run.c - `packline run`: reconcile, then inbox -> process on a schedule. */
#include "agent/run.h"
#include "agent/import.h"
#include "agent/receipt_job.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "base/loop.h"
#include "base/sidecar.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Set by the signal handler itself (base/loop.h), so that a batch of
 * effects in progress sees a stop between two effects without waiting for
 * the loop to come round. */
static volatile sig_atomic_t stop_requested;
static int ensure_dir(const char *path)
{
	if (mkdir(path, 0750) == 0 || errno == EEXIST)
		return 0;
	pl_err("cannot create '%s': %s", path, strerror(errno));
	return -PL_EIO;
}

static void write_errors(const char *path, const struct diag *d)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		pl_err("cannot write '%s': %s", path, strerror(errno));
		return;
	}
	diag_print(d, f, NULL);
	fclose(f);
}

/* Import one inbox file and move it to done/ or failed/. */
static int take_file(const struct process_env *env, const char *inbox, const char *name,
		     struct process_report *rep, struct run_stats *stats)
{
	char src[2048], dst[2048], errs[2100];
	struct import_result r;
	struct diag d;
	int rc;

	snprintf(src, sizeof(src), "%s/%s", inbox, name);
	diag_init(&d);
	rc = import_file(env->st, src, pl_now(), &r, &d);
	if (rc == -PL_ESTORE || rc == -PL_ENOMEM) {
		/* leave the file where it is: it was not imported */
		diag_release(&d);
		return rc;
	}
	snprintf(dst, sizeof(dst), "%s/%s/%s", inbox, rc ? "failed" : "done", name);
	if (rc) {
		snprintf(errs, sizeof(errs), "%s.errors.txt", dst);
		write_errors(errs, &d);
		pl_warn("inbox '%s': %zu error(s); moved to failed/ (see %s)", name, diag_count(&d),
			errs);
		stats->files_failed++;
	} else {
		pl_info("inbox '%s': %zu order(s): %zu new, %zu updated", name, r.n, r.inserted,
			r.updated);
		stats->files_done++;
	}
	if (rename(src, dst) != 0) {
		pl_err("cannot move '%s' to '%s': %s", src, dst, strerror(errno));
		rc = -PL_EIO;
	} else {
		rc = 0;
	}
	for (size_t i = 0; i < r.nchanged && !rc && !stop_requested; i++) {
		struct order o;
		order_init(&o);
		rc = store_order_get(env->st, r.changed[i], &o);
		if (!rc)
			rc = process_order(env, &o, rep);
		order_release(&o);
		stats->orders++;
	}
	import_result_release(&r);
	diag_release(&d);
	return rc;
}

static int cycle(const struct process_env *env, const char *inbox, bool once, FILE *out,
		 struct run_stats *stats)
{
	struct process_report rep;
	char **names = NULL;
	size_t n = 0;
	int rc = 0;

	process_report_init(&rep);
	if (inbox && inbox[0]) {
		rc = import_list_dir(inbox, &names, &n);
		for (size_t i = 0; i < n && !rc && !stop_requested; i++)
			rc = take_file(env, inbox, names[i], &rep, stats);
		import_names_free(names, n);
	}
	/* the intents just recorded, then whatever else is claimable (jobs
	 * recorded by other front ends, or left by a stopped run) */
	if (!rc || rc == -PL_EIO) {
		size_t ran = 0;
		int wrc = process_finish(env, &rep);
		if (wrc == -PL_ESTORE)
			rc = wrc;
		/* with a pool its workers take them; a single cycle (--once)
		 * does them here so that it ends with nothing claimable left */
		if (rc != -PL_ESTORE && !stop_requested && (!env->pool || once)) {
			wrc = journal_work_all(env->journal, &stop_requested, &ran);
			if (wrc == -PL_ESTORE)
				rc = wrc;
			else if (ran)
				pl_info("worker: %zu other job(s) settled", ran);
		}
	}
	if (rep.n)
		process_report_print(&rep, out);
	fflush(out);
	process_report_release(&rep);
	stats->cycles++;
	return rc;
}

struct run_ctx {
	struct loop *loop;
	struct process_env *env;
	struct run_settings set;
	char inbox[1024];
	run_reload_fn *reload;
	void *reload_arg;
	FILE *out;
	struct run_stats *stats;
	int cycle_timer;
	int rc;
};

static void on_cycle(struct loop *l, void *arg);

static void arm_cycle(struct run_ctx *c, int64_t delay_ms)
{
	loop_timer_cancel(c->loop, c->cycle_timer);
	c->cycle_timer = loop_timer_add(c->loop, delay_ms, on_cycle, c);
	if (c->cycle_timer < 0) { /* cannot happen with our two timers: stop, do not spin */
		c->rc = c->cycle_timer;
		loop_stop(c->loop);
	}
}

static void on_cycle(struct loop *l, void *arg)
{
	struct run_ctx *c = arg;
	int rc;

	c->cycle_timer = 0;
	rc = cycle(c->env, c->inbox, false, c->out, c->stats);
	if (rc) {
		c->rc = rc;
		loop_stop(l);
		return;
	}
	arm_cycle(c, (int64_t)c->set.poll_seconds * 1000);
}

static void on_idle(struct loop *l, void *arg)
{
	struct run_ctx *c = arg;

	/* once a second: an idle helper gives its memory back */
	sidecar_idle(c->set.helper_idle_seconds * 1000);
	if (loop_timer_add(l, 1000, on_idle, c) < 0)
		pl_warn("run: no timer left for the helper idle check");
}

static void on_stop_signal(struct loop *l, int sig, void *arg)
{
	(void)arg;
	pl_info("%s: stopping after the effect in hand", sig == SIGINT ? "SIGINT" : "SIGTERM");
	loop_stop(l);
}

static int prepare_inbox(const char *inbox)
{
	char sub[2048];
	int rc;

	if (!inbox || !inbox[0])
		return 0;
	rc = ensure_dir(inbox);
	snprintf(sub, sizeof(sub), "%s/done", inbox);
	if (!rc)
		rc = ensure_dir(sub);
	snprintf(sub, sizeof(sub), "%s/failed", inbox);
	if (!rc)
		rc = ensure_dir(sub);
	return rc;
}

/* Runs from the loop, so always between two cycles: nothing is in hand on
 * this thread (the pool's workers are the reload function's business). */
static void on_hup(struct loop *l, int sig, void *arg)
{
	struct run_ctx *c = arg;
	struct run_settings next = c->set;
	int rc;

	(void)sig;
	(void)l;
	if (!c->reload) {
		pl_warn("SIGHUP: this run cannot reload its configuration (ignored)");
		return;
	}
	rc = c->reload(c->reload_arg, c->env, &next);
	if (rc) {
		/* the reload function logged why; the old settings stay */
		pl_err("SIGHUP: new configuration refused (%s); the old one stays in force",
		       pl_strerror(rc));
		return;
	}
	if (next.poll_seconds < 1)
		next.poll_seconds = 1;
	if (prepare_inbox(next.inbox)) {
		pl_err("SIGHUP: inbox '%s' unusable; the old inbox stays", next.inbox);
		next.inbox = c->inbox;
	}
	if (next.inbox != c->inbox)
		snprintf(c->inbox, sizeof(c->inbox), "%s", next.inbox ? next.inbox : "");
	next.inbox = c->inbox;
	c->set = next;
	pl_warn("SIGHUP: configuration reloaded: inbox '%s', every %d s",
		c->inbox[0] ? c->inbox : "(none)", c->set.poll_seconds);
	/* a new inbox or interval applies now, not after the old interval */
	arm_cycle(c, 0);
}

int run_loop(struct process_env *env, const struct run_settings *set, bool once, FILE *out,
	     struct run_stats *stats, run_reload_fn *reload, void *reload_arg)
{
	struct run_ctx c = {.env = env,
			    .set = *set,
			    .reload = reload,
			    .reload_arg = reload_arg,
			    .out = out,
			    .stats = stats};
	int rc;

	/* SIGTERM ends the batch after the effect in hand (journal_work_ids
	 * checks the flag between two effects); the rest stay recorded */
	env->stop = &stop_requested;
	stop_requested = 0;
	memset(stats, 0, sizeof(*stats));
	snprintf(c.inbox, sizeof(c.inbox), "%s", set->inbox ? set->inbox : "");
	c.set.inbox = c.inbox;
	if (c.set.poll_seconds < 1)
		c.set.poll_seconds = 1;
	rc = loop_new(&c.loop);
	if (!rc)
		rc = loop_signal(c.loop, SIGTERM, &stop_requested, on_stop_signal, &c);
	if (!rc)
		rc = loop_signal(c.loop, SIGINT, &stop_requested, on_stop_signal, &c);
	/* SIGHUP used to end the agent (the default action): it now re-reads
	 * the configuration, so a `systemctl reload` never stops a station */
	if (!rc)
		rc = loop_signal(c.loop, SIGHUP, NULL, on_hup, &c);
	if (!rc)
		rc = prepare_inbox(c.inbox);
	if (rc)
		goto out;
	if (!env->pool || once) {
		/* start-up: jobs a stopped run left (unsettled ones are looked up
		 * at their device first, then pending ones are performed) */
		size_t ran = 0;
		rc = journal_work_all(env->journal, &stop_requested, &ran);
		if (ran)
			fprintf(out, "start-up: %zu unfinished job(s) settled\n", ran);
		if (rc != -PL_ESTORE)
			rc = 0;
		if (rc)
			goto out;
	}
	if (once) {
		rc = cycle(env, c.inbox, true, out, stats);
		goto out;
	}
	pl_info("running: inbox '%s', every %d s", c.inbox[0] ? c.inbox : "(none)",
		c.set.poll_seconds);
	arm_cycle(&c, 0);
	if (loop_timer_add(c.loop, 1000, on_idle, &c) < 0)
		c.rc = -PL_ENOMEM;
	/* a stop that came before the loop was watching still counts */
	while (!c.rc && !stop_requested) {
		rc = loop_run_once(c.loop, -1);
		if (rc) {
			c.rc = rc;
			break;
		}
	}
	rc = c.rc;
	if (!rc)
		pl_info("stopping after %zu cycle(s): %zu file(s) imported, %zu refused",
			stats->cycles, stats->files_done, stats->files_failed);
out:
	loop_free(c.loop);
	return rc;
}
