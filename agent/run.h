/* SPDX-License-Identifier: Apache-2.0 */
/* agent/run.h - `packline run`: the station's unattended cycle.
 *
 * At start-up, receipt jobs a crash left unfinished are settled from the
 * printer's counters (agent/receipt_job.h) before anything new is printed.
 * Then, every poll_seconds until SIGTERM/SIGINT:
 *   1. each *.json in [packline] inbox is imported whole or not at all
 *      (agent/import.h); an imported file moves to inbox/done/, a refused
 *      one to inbox/failed/ with a FILE.errors.txt beside it that names every
 *      problem - nothing is lost, nothing is imported twice;
 *   2. the orders that file added or changed are processed
 *      (agent/process.h): decided, numbered, issued, labelled.
 * A store failure stops the loop (fail-stop: the journal must be writable).
 * The scan-to-verify station agent and status-driven automation of later
 * issues plug into this cycle.
 */
#ifndef PL_AGENT_RUN_H
#define PL_AGENT_RUN_H

#include "agent/process.h"

#include <stdbool.h>
#include <stdio.h>

struct run_stats {
	size_t cycles, files_done, files_failed, orders;
};

struct run_settings {
	const char *inbox; /* "" or NULL: no file drop */
	int poll_seconds;  /* between two cycles; at least 1 */
	int helper_idle_seconds;
};

/* SIGHUP: re-read the configuration. Called from the loop between two
 * cycles. On success fill *next (strings must live until the next call or
 * the end of the run) and update *env (cfg, pool) as needed; the run goes on
 * with them at once. On failure log why and return -PL_E*: nothing changes. */
typedef int run_reload_fn(void *arg, struct process_env *env, struct run_settings *next);

/* Run cycles until a stop signal (or one cycle when `once`) on a poll(2)
 * loop (base/loop.h): a cycle timer, a one-second helper idle timer
 * (helper processes unused for helper_idle_seconds are stopped,
 * base/sidecar.h), SIGTERM/SIGINT (stop after the effect in hand: env->stop
 * is set to a flag the signal handler raises) and SIGHUP (reload, may be
 * NULL: then logged and ignored). Prints the result table of each cycle that
 * did something to `out`. Returns 0, or -PL_ESTORE / -PL_EIO (inbox
 * unusable) / -PL_ENOMEM. */
int run_loop(struct process_env *env, const struct run_settings *set, bool once, FILE *out,
	     struct run_stats *stats, run_reload_fn *reload, void *reload_arg);

#endif
