/* SPDX-License-Identifier: Apache-2.0 */
/* agent/receipt_job.h - a fiscal receipt for an order, issued exactly once.
 *
 * A fiscal printer is not transactional, so "exactly once" is built from
 * two parts (research/c-style.md §2.4, fiscal-printers.md §1.12):
 *
 *  1. Intent before effect. The job journal (store/store.h) holds one job
 *     per order ("receipt:<source>:<ext_id>"): the receipt content as the
 *     request, and - committed as JOB_SENDING before the first byte of
 *     trinit leaves - the printer's counters read just before (scnt rd/bn/
 *     bt/bc, eclastdocnoget di, unique number nu). Between trinit and trend
 *     nothing is ever resent; a lost reply gets one `rpt` by token.
 *
 *  2. Reconciliation from the printer's own counters. After a timeout, a
 *     crash or a power loss the job is JOB_UNKNOWN and is decided from
 *     strns (open transaction? footer pending?), scnt and eclastdocnoget:
 *       same daily report, bn = before+1        -> done: mark it, never resend
 *       same daily report, bn = before          -> not printed: (cancel the
 *                                                  open transaction,) print again
 *       anything else (bn jumped, a daily report ran and di moved, another
 *       printer answers)                         -> undecidable: left UNKNOWN
 *                                                  for the operator, never guessed
 *     Receipt numbers repeat after a daily report on some printers, so the
 *     receipt's identity is (printer nu, daily report number, bt, di).
 *
 * One agent process drives one printer: a job in JOB_SENDING found by
 * receipt_reconcile_all() is taken to be a leftover of a stopped process.
 *
 * The job's result JSON (evidence), for a done job:
 *   {"phase":"done","how":"printed"|"reconciled","attempt":N,
 *    "before":{"nu":..,"rd":..,"bn":..,"bt":..,"bc":..,"hn":..,"di":..},
 *    "after":{...same...}, "key":"ZBF 2101002392/5/12/61"}
 * key = nu / daily report number the receipt belongs to (rd+1) / bt / di.
 */
#ifndef PL_AGENT_RECEIPT_JOB_H
#define PL_AGENT_RECEIPT_JOB_H

#include "agent/config.h"
#include "store/store.h"
#include "drivers/posnet_dev.h"
#include "core/document.h"
#include "core/order.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

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
 * order `o` on the open printer `dev`. First reconciles any receipt job
 * left SENDING/UNKNOWN on this printer. Returns:
 *   0             printed now, recovered, or already done (res->outcome says which);
 *                 the document (if d->id) is marked DOC_ISSUED with remote_id = key
 *   -PL_EINVAL    the content cannot be printed (bad NIP, price x qty, no VAT slot):
 *                 job FAILED (or no job when the document itself is wrong)
 *   -PL_EDEVICE   the printer refused (not ready, no paper, error ?nnnn); a refused
 *                 transaction was cancelled; the job is FAILED or still PENDING
 *   -PL_ESTATE    the printer has an open transaction this agent did not start
 *   -PL_EUNKNOWN  the outcome could not be decided: the job is JOB_UNKNOWN and
 *                 receipt_reconcile_all() or the operator must settle it
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

/* Settle every receipt job of this printer left in JOB_SENDING or
 * JOB_UNKNOWN (start-up, after a crash). 0 when all were settled,
 * -PL_EUNKNOWN when some stay undecided (rep says how many), -PL_ESTORE. */
int receipt_reconcile_all(struct store *st, struct posnet_dev *dev,
			  struct receipt_reconcile_report *rep);

enum receipt_verdict {
	RECEIPT_V_DONE,
	RECEIPT_V_NOT_PRINTED,
	RECEIPT_V_UNDECIDABLE,
};
/* The decision table above, on counters read before trinit and now. Pure. */
enum receipt_verdict receipt_decide(const struct posnet_counters *before,
				    const struct posnet_counters *now, char *why, size_t cap);

/* `packline printer status`: device state, counters, VAT table and driver
 * statistics, one "key: value" line each, to `out`. 0 or the first error of
 * the queries (the lines printed so far stay). */
int receipt_printer_status(struct posnet_dev *dev, FILE *out);

#endif
