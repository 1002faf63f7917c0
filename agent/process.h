/* SPDX-License-Identifier: Apache-2.0 */
/* agent/process.h - decide an order's document and issue it.
 *
 * The workflow step between "order stored" and "document out": the rules
 * choose the kind (core/rules.h), core/document.h builds the lines and
 * VAT sums, and the store numbers and keeps the document in one transaction.
 * A document whose backend is "local" is issued there and then; any other
 * backend (a fiscal printer, an invoicing service) leaves it pending for that
 * backend's journalled job. Running it twice never issues twice: an order
 * that already has a live document of the chosen kind is reported, not
 * re-issued.
 */
#ifndef PL_AGENT_PROCESS_H
#define PL_AGENT_PROCESS_H

#include "agent/config.h"
#include "journal/journal.h"
#include "store/store.h"

#include <signal.h>
#include <stdbool.h>

struct posnet_dev;
struct label_setup;
struct email_fx;
struct shipx;

#include <stddef.h>
#include <stdio.h>

struct process_row {
	char order[64];
	char status[32];
	char rule[64];
	enum doc_kind kind;
	char number[64];
	int64_t gross;
	char currency[4];
	char outcome[320]; /* "issued", "pending (posnet)", "already issued", reasons */
	int failed;
	/* the document's job, settled by process_finish() */
	int64_t order_id;
	int64_t job_id;
	int64_t doc_id; /* an issued document found (not made) by this run: its e-mail step */
	char job_kind[16];
	bool awaiting; /* recorded, not settled yet */
	bool was_done; /* the job was done before this run recorded it */
	bool want_label, want_email, want_allegro;
};

struct process_report {
	struct process_row *rows;
	size_t n, cap;
	size_t issued, pending, skipped, failed;
	/* effects that failed at their device or service (the printer did not
	 * open or answer): the command's exit code says so (5), and the first
	 * such message is kept for stderr */
	size_t device_errors;
	char device_message[256];
};

void process_report_init(struct process_report *r);
void process_report_release(struct process_report *r);
void process_report_print(const struct process_report *r, FILE *out);

/* Where the side effects go. Every pointer may be NULL: a receipt then stays
 * pending (no fiscal printer configured), a rule's `label` step is reported
 * as not configured. Borrowed, not owned. */
struct process_env {
	struct store *st;
	const struct config *cfg;
	struct posnet_dev *fiscal;       /* [printer "fiscal"] */
	const struct label_setup *label; /* [label] */
	const struct email_fx *email;    /* [email]: the rules' `email` step */
	struct shipx *shipx;             /* when the label setup uses a courier */
	/* The engine the documents' jobs go to (effects registered by kind:
	 * "document" always, "receipt" with a fiscal printer). Required. */
	struct journal *journal;
	volatile sig_atomic_t *stop; /* may be NULL: checked between two effects */
	/* With a pool, this thread only records intents and watches: the
	 * pool's workers perform (journal_pool_start). NULL: perform here. */
	struct journal_pool *pool;
	/* `docs issue --kind K`: this kind instead of the rules' (DOC_NONE =
	 * as the rules say); the rules' follow-up steps are not taken then.
	 * Its backend: the rule's when the rule chose the same kind, else the
	 * kind's default. */
	enum doc_kind force_kind;
};

/* Decide one stored order and record the intent of its document ("issue
 * KIND for order X", journal/journal.h): nothing is numbered or sent here.
 * One row is added to the report; process_finish() settles it. A pending
 * receipt of an earlier run is taken up by the intent. Returns 0, or
 * -PL_ESTORE when the store failed (stop: the caller must not go on). */
int process_order(const struct process_env *env, const struct order *o, struct process_report *rep);
/* Run the engine's worker until every job the report recorded is settled
 * (here or by another process), fill the rows as before (issued, printed,
 * failed, pending), then run the rules' follow-up steps (label). Returns 0,
 * -PL_EBUSY when *env->stop ended it early (the rest stay recorded), or
 * -PL_ESTORE. */
int process_finish(const struct process_env *env, struct process_report *rep);
struct docfx_intent;
/* Record a document intent (effects/docfx.h) in the journal: a key whose job
 * is done but whose document was cancelled since gets a re-issue suffix
 * ("-r2", ...); a failed job is armed again as a new attempt. Fills *job_id,
 * *was_done (the key had a done job already) and, when job_kind is not NULL,
 * the job's kind. 0, -PL_EEXIST (too many re-issues), -PL_ESTORE or -PL_E*.
 * Used by process_order and the returns (agent/returns.c). */
int process_record_intent(const struct process_env *env, struct docfx_intent *in, int64_t *job_id,
			  bool *was_done, char *job_kind, size_t kind_cap);
/* Every stored order, oldest first, then process_finish(). */
int process_all(const struct process_env *env, struct process_report *rep);

/* The backend a document kind goes to when the rule names none. */
const char *process_default_backend(enum doc_kind k);

#endif
