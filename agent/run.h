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

/* Run cycles until a stop signal (or one cycle when `once`). Prints the
 * result table of each cycle that did something to `out`. Between cycles,
 * helper processes unused for helper_idle_seconds are stopped
 * (base/sidecar.h). Returns 0, or -PL_ESTORE / -PL_EIO (inbox unusable) /
 * -PL_ENOMEM. */
int run_loop(const struct process_env *env, const char *inbox, int poll_seconds,
	     int helper_idle_seconds, bool once, FILE *out, struct run_stats *stats);

#endif
