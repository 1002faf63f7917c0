/* SPDX-License-Identifier: Apache-2.0 */
/* agent/returns.h - returns, cancellations and orders changed after issue.
 *
 * The correction step of `process` (a rule chose issue = correction): the
 * newest live document that sold the order's goods is corrected by line and
 * quantity (core/correction.h), taking back what the order says came back
 * (its cumulative `returned` quantities and `delivery.refunded`) or, for a
 * cancelled order or a return without quantities, everything still left.
 * - an invoice (also advance, final, receipt with NIP) gets a correction
 *   invoice (kind correction, backend "local": issued and numbered at once);
 * - a fiscal receipt gets, by `[returns] receipt` (docs/config.md):
 *   "document" (default): a refund note of ours (kind refund, numbered by
 *     [numbering "refund"], issued at once), linked to the receipt;
 *   "printer": the goods-return request for the fiscal printer (kind
 *     refund, backend "posnet", unnumbered, pending) whose lines and
 *     amounts are what the printer's return command prints; it stays
 *     pending ("fiscal return pending on printer") until the printer's
 *     return effect takes it.
 * Never "nothing to correct" for an order that has a receipt.
 *
 * Held orders (store/store.h, struct store_hold): `process` skips them with
 * the reason and the two commands that release them.
 */
#ifndef PL_AGENT_RETURNS_H
#define PL_AGENT_RETURNS_H

#include "agent/process.h"

#include <stddef.h>

enum returns_receipt {
	RETURNS_RECEIPT_DOCUMENT, /* a refund note of ours */
	RETURNS_RECEIPT_PRINTER,  /* a goods return on the fiscal printer */
};

/* `[returns] receipt`: "document" (also when unset) or "printer".
 * 0, or -PL_ECONFIG with the message logged. */
int returns_receipt_mode(const struct config *cfg, enum returns_receipt *out);

struct diag;
/* Check a [returns] section at load: known keys (receipt), known values;
 * errors as FILE:LINE into d. */
struct config_view;
int returns_config_check(const struct config_view *c, const char *name, struct diag *d);

/* The correction step for order `o` (a rule decided DOC_CORRECTION):
 * fills `row` (kind, number, gross, outcome) and counts it in `rep`.
 * *made is set when a document was stored (so the rule's steps follow).
 * 0, or -PL_ESTORE / -PL_ENOMEM (stop); an order that cannot be corrected
 * is a failed row, not an error. */
int returns_process(const struct process_env *env, const struct order *o, const char *backend,
		    struct process_row *row, struct process_report *rep, bool *made);

/* Is `o` held? 1: yes (row filled: "held: ...", counted as skipped), 0: no,
 * or -PL_E*. */
int returns_held(const struct process_env *env, const struct order *o, struct process_row *row,
		 struct process_report *rep);

/* `packline orders correct`: correct the held order `o` to its new content
 * (lines removed or quantities lowered are taken back, a shipping cost
 * dropped to 0 is refunded) with a correction (or refund, for a receipt),
 * then release the hold recording actor and reason. Growth or a price
 * change cannot be corrected by quantity: -PL_EINVAL with the reason in
 * msg (then `orders accept`). 0 with the new document's number in `number`
 * (may be empty for a pending printer return) and a line for the operator in
 * msg. */
int returns_correct_held(const struct process_env *env, const struct order *o, const char *actor,
			 const char *reason, char *number, size_t number_size, char *msg,
			 size_t msg_size);

/* `packline orders return`: take back now qty[i] (thousandths) of order line
 * i (nqty = o->nlines) and, when `delivery`, the shipping, from the newest
 * live document that sold the goods: a correction, or for a receipt a
 * refund / printer return as configured. What earlier corrections took back
 * counts, so this and the order's own `returned` quantities add up. An audit
 * row "order.return" records actor and reason. 0 with the document's number
 * and an operator line in msg; -PL_EINVAL with the reason in msg (nothing
 * issued, a return of more than is left names the line). */
int returns_take_now(const struct process_env *env, const struct order *o, const int64_t *qty,
		     size_t nqty, bool delivery, const char *actor, const char *reason,
		     char *number, size_t number_size, char *msg, size_t msg_size);

/* `packline docs correct`: returns_take_now with more choices. */
struct returns_take {
	int64_t doc_id;     /* the document to correct (must be the one that sold the
			     * goods now: the newest live sale), 0 = that one */
	bool full;          /* everything still left, delivery included; qty ignored */
	const int64_t *qty; /* else: thousandths per order line, nqty = o->nlines */
	size_t nqty;
	bool delivery; /* with qty: the shipping too */
};
int returns_take(const struct process_env *env, const struct order *o, const struct returns_take *t,
		 const char *actor, const char *reason, char *number, size_t number_size, char *msg,
		 size_t msg_size);

#endif
