/* SPDX-License-Identifier: Apache-2.0 */
/* effects/receipt.h - a fiscal receipt for an order, on the journal engine.
 *
 * A fiscal printer is not transactional, so "exactly once" is built from
 * two parts (research/c-style.md §2.4, fiscal-printers.md §1.12):
 *
 *  1. Intent before effect. One job per order ("receipt:<source>:<ext_id>",
 *     resource "printer:<name>": one receipt at a time per printer, across
 *     processes). Its claimer makes the receipt document and its number
 *     (effects/docfx.h), reads the printer's counters (scnt rd/bn/bt/bc,
 *     eclastdocnoget di, unique number nu) and commits them as the SENDING
 *     evidence before the first byte of trinit leaves. Between trinit and
 *     trend nothing is ever resent; a lost reply gets one `rpt` by token.
 *
 *  2. Reconciliation from the printer's own counters (the effect's lookup).
 *     After a timeout, a crash or a power loss the job is decided from
 *     strns (open transaction? footer pending?), scnt and eclastdocnoget:
 *       same daily report, bn = before+1        -> done: mark it, never resend
 *       same daily report, bn = before          -> not printed: (cancel the
 *                                                  open transaction,) print again
 *       anything else (bn jumped, a daily report ran and di moved, another
 *       printer answers)                         -> undecidable: held UNKNOWN
 *                                                  for the operator, never guessed
 *     Receipt numbers repeat after a daily report on some printers, so the
 *     receipt's identity is (printer nu, daily report number, bt, di).
 *
 * The job's evidence JSON, for a done job:
 *   {"phase":"done","attempt":N,"by":OWNER,
 *    "before":{"nu":..,"rd":..,"bn":..,"bt":..,"bc":..,"hn":..,"di":..},
 *    "after":{...same...}, "key":"ZBF 2101002392/5/12/61", "how":"printed"}
 * key = nu / daily report number the receipt belongs to (rd+1) / bt / di.
 */
#ifndef PL_EFFECTS_RECEIPT_H
#define PL_EFFECTS_RECEIPT_H

#include "core/document.h"
#include "core/order.h"
#include "fiscal/posnet_dev.h"
#include "effects/docfx.h"
#include "journal/journal.h"
#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Registration arg of the receipt effect: the printer (used by one worker
 * at a time: the resource exclusion) and the numbering patterns. With
 * `lazy` the printer is opened from `cfg` when a claimed job needs it and
 * closed when the job is settled, so several processes share one printer
 * connection (a serial line, a printer's single TCP client) in turn. */
struct receipt_fx {
	struct posnet_dev *dev; /* open printer; with lazy: NULL between jobs */
	struct docfx_env docs;
	bool lazy;
	struct posnet_cfg cfg; /* with lazy */
};

extern const struct journal_effect_ops receipt_ops; /* kind "receipt" */

/* For the effects that share the printer (effects/fiscal_return.h): open a
 * lazy effect's printer for the claimed job (journal_msg says why not;
 * -PL_EDEVICE), and close it again when the job is settled. */
int receipt_fx_open(struct journal_job *jj);
void receipt_fx_close(struct receipt_fx *fx);
/* The counters as the evidence JSON object `name` of parent, and back
 * (false when absent or without rd/bn). */
void receipt_counters_add(cJSON *parent, const char *name, const struct posnet_counters *c);
bool receipt_counters_parse(const cJSON *o, struct posnet_counters *c);

/* "printer:<name>" */
int receipt_resource(const char *printer, char *out, size_t cap);

/* --- the decision table ----------------------------------------------------- */

enum receipt_verdict {
	RECEIPT_V_DONE,
	RECEIPT_V_NOT_PRINTED,
	RECEIPT_V_UNDECIDABLE,
};
/* The decision table above, on counters read before trinit and now. Pure. */
enum receipt_verdict receipt_decide(const struct posnet_counters *before,
				    const struct posnet_counters *now, char *why, size_t cap);

/* --- direct calls (tests, helpers, `receipt reconcile`) ----------------------
 * The same engine run in place on one store connection: an intent, then a
 * worker claiming it by id. */

enum receipt_outcome {
	RECEIPT_PRINTED,      /* printed by this call */
	RECEIPT_ALREADY_DONE, /* the journal already had it done: nothing was sent */
	RECEIPT_RECOVERED,    /* an earlier attempt turned out to be printed */
};

struct receipt_result {
	enum receipt_outcome outcome;
	int64_t job_id;
	int attempt;
	struct posnet_counters before, after;
	char key[128];     /* nu/day/bt/di */
	char message[256]; /* why it failed, or what was done */
};

/* Journal key of an order's receipt: "receipt:<source>:<ext_id>". */
int receipt_job_key(const struct order *o, char *out, size_t cap);

/* Issue the fiscal receipt of a DOC_RECEIPT/DOC_RECEIPT_NIP document for
 * order `o` on the open printer `dev` (its content is journalled in the
 * request; d->id, when set, is the document marked issued). First settles
 * any receipt job left SENDING/UNKNOWN on this printer. Returns:
 *   0             printed now, recovered, or already done (res->outcome says which)
 *   -PL_EINVAL    the content cannot be printed (bad NIP, price x qty, no VAT slot)
 *   -PL_EDEVICE   the printer refused (not ready, no paper, error ?nnnn); the job
 *                 is FAILED (the next call tries again as a new attempt)
 *   -PL_ESTATE    the printer has an open transaction this agent did not start,
 *                 or the job was cancelled
 *   -PL_EUNKNOWN  the outcome could not be decided: the job is UNKNOWN
 *   -PL_EBUSY     another process holds this receipt or this printer now
 *   -PL_ESTORE    the journal could not be written: nothing more was sent
 * res->message always holds a sentence for the operator. */
int receipt_issue(struct store *st, struct posnet_dev *dev, const struct document *d,
		  const struct order *o, struct receipt_result *res);

struct receipt_reconcile_report {
	size_t examined;
	size_t done;      /* found printed, marked done */
	size_t reprinted; /* found not printed, printed again */
	size_t undecided; /* left UNKNOWN for the operator */
	size_t failed;    /* printed again and refused (FAILED) */
};

/* Settle every receipt job of this printer left SENDING or UNKNOWN (also
 * those held for the operator: this is the operator's command). 0 when all
 * were settled, -PL_EUNKNOWN when some stay undecided, -PL_ESTORE. */
int receipt_reconcile_all(struct store *st, struct posnet_dev *dev,
			  struct receipt_reconcile_report *rep);

#endif
