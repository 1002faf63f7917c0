/* SPDX-License-Identifier: Apache-2.0 */
/* agent/jobs_cli.h - the operator's view of the journal: `packline jobs ...`
 * and `packline audit`.
 *
 * A job the engine cannot settle by itself (UNKNOWN, held for the operator,
 * or SENDING whose owner's lease lapsed) is shown with everything the
 * journal knows and settled by `jobs resolve`, which records who, when and
 * why (history row + audit row, one transaction with the job and its
 * document: store_job_resolve). `jobs retry` re-arms a FAILED (or held) job
 * to pending; it does not perform it: the next `packline run` or `process`
 * does. A live owner's job is never touched (the refusal names the owner).
 *
 * Each function parses its own options (argv[0] is the subcommand), writes
 * results to stdout and refusals to stderr, changes nothing on a refusal, and
 * returns an exit code of agent/cli.h.
 */
#ifndef PL_AGENT_JOBS_CLI_H
#define PL_AGENT_JOBS_CLI_H

#include "store/store.h"

/* What cli.c lends a command: the open store (borrowed) and its strict
 * number parser (NULL on success, else the reason). */
struct jobs_cli_ctx {
	struct store *store;
	const char *(*parse_count)(const char *s, long long lo, long long hi, long long *out);
};

int jobs_cli_list(const struct jobs_cli_ctx *cx, int argc, char **argv);
int jobs_cli_show(const struct jobs_cli_ctx *cx, int argc, char **argv);
int jobs_cli_resolve(const struct jobs_cli_ctx *cx, int argc, char **argv);
int jobs_cli_retry(const struct jobs_cli_ctx *cx, int argc, char **argv);
int jobs_cli_audit(const struct jobs_cli_ctx *cx, int argc, char **argv);

#endif
