/* SPDX-License-Identifier: Apache-2.0 */
/* agent/run.c - `packline run`: reconcile, then inbox -> process on a schedule. */
#include "agent/run.h"
#include "agent/import.h"
#include "agent/receipt_job.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "base/sidecar.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop_requested, hup_seen;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* SIGHUP used to end the agent (the default action). The configuration is
 * not re-read in place yet: the signal is logged and ignored, so a
 * `systemctl reload` or a closed terminal never stops a station mid-batch. */
static void on_hup(int sig)
{
	(void)sig;
	hup_seen = 1;
}

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

int run_loop(const struct process_env *env_in, const char *inbox, int poll_seconds,
	     int helper_idle_seconds, bool once, FILE *out, struct run_stats *stats)
{
	struct process_env envs = *env_in;
	const struct process_env *env = &envs;
	struct sigaction sa;
	int rc;

	/* SIGTERM ends the batch after the effect in hand (journal_work_ids
	 * checks the flag between two effects); the rest stay recorded */
	envs.stop = &stop_requested;
	memset(stats, 0, sizeof(*stats));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop; /* no SA_RESTART: the sleep below wakes up */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
	stop_requested = 0;
	hup_seen = 0;

	if (inbox && inbox[0]) {
		char sub[2048];
		rc = ensure_dir(inbox);
		snprintf(sub, sizeof(sub), "%s/done", inbox);
		if (!rc)
			rc = ensure_dir(sub);
		snprintf(sub, sizeof(sub), "%s/failed", inbox);
		if (!rc)
			rc = ensure_dir(sub);
		if (rc)
			return rc;
	}
	if (!env->pool || once) {
		/* start-up: jobs a stopped run left (unsettled ones are looked up
		 * at their device first, then pending ones are performed) */
		size_t ran = 0;
		rc = journal_work_all(env->journal, &stop_requested, &ran);
		if (ran)
			fprintf(out, "start-up: %zu unfinished job(s) settled\n", ran);
		if (rc == -PL_ESTORE)
			return rc;
	}
	pl_info("running: inbox '%s', every %d s", inbox && inbox[0] ? inbox : "(none)",
		poll_seconds);
	do {
		rc = cycle(env, inbox, once, out, stats);
		if (rc)
			return rc;
		if (once)
			break;
		for (int i = 0; i < poll_seconds * 10 && !stop_requested; i++) {
			struct timespec ts = {0, 100 * 1000 * 1000};
			if (hup_seen) {
				hup_seen = 0;
				pl_warn("SIGHUP: configuration reload is not supported yet; "
					"restart packline to apply a new configuration (ignored)");
			}
			if (i % 10 == 0) /* once a second: an idle helper gives its memory back */
				sidecar_idle(helper_idle_seconds * 1000);
			nanosleep(&ts, NULL);
		}
	} while (!stop_requested);
	pl_info("stopping after %zu cycle(s): %zu file(s) imported, %zu refused", stats->cycles,
		stats->files_done, stats->files_failed);
	return 0;
}
