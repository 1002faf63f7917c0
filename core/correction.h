/* SPDX-License-Identifier: Apache-2.0 */
/* core/correction.h - a correction (or refund) document by line and quantity.
 *
 * Input: the corrected document as it was issued (an invoice, a receipt, ...),
 * the corrections already issued against it, and the quantity of each of its
 * lines to take back now (the delivery line "Dostawa" is a line like any
 * other: taking it back refunds the shipping). Output: a correction document
 * whose lines are the differences (negative quantities), with for each line
 * the quantity and value before and after it.
 *
 * Totals follow core/money.h: per VAT rate the gross values of the state
 * BEFORE and AFTER the correction are summed and the VAT of each sum is taken
 * half-up; the correction's net/VAT/gross per rate is after - before. So a
 * series of partial corrections adds up exactly to the VAT of what is left,
 * and a correction to zero takes back exactly the VAT of the document.
 *
 * Rules: a correction or refund is never corrected itself (correct the
 * original); the already corrected quantity of a line plus the quantity
 * taken now never exceeds what was issued (the error names the line); a
 * correction that takes nothing back is refused. Prior corrections that were
 * cancelled or failed do not count.
 *
 * Prior corrections are matched to the corrected document's lines by line
 * identity (name, SKU, unit gross price, VAT rate), in document order, so a
 * correction stores only the lines it changes.
 *
 * Ownership: struct correction is embedded by the caller; correction_init()
 * zeroes it, correction_release() frees its document lines and line table.
 */
#ifndef PL_CORE_CORRECTION_H
#define PL_CORE_CORRECTION_H

#include "core/document.h"
#include "core/order.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Room for a message naming the line ("line 2 'Szkliwo ...': ..."). */
#define CORRECTION_ERR_MAX 400

struct correction_line {
	size_t pos;                        /* line of the corrected document (0-based) */
	int64_t qty_before, qty_after;     /* thousandths; difference = after - before */
	int64_t gross_before, gross_after; /* minor units */
};

struct correction {
	/* DOC_CORRECTION, pending, unnumbered, corrects_id = the corrected
	 * document; lines = the differences, in corrected-document order */
	struct document doc;
	struct correction_line *lines; /* doc.nlines entries, doc.lines[i] <-> lines[i] */
	struct doc_vat_sum before[VAT_RATE_COUNT], after[VAT_RATE_COUNT];
	size_t nbefore, nafter;
	int64_t before_gross, after_gross;
	bool to_zero; /* nothing of the corrected document is left after it */
};

void correction_init(struct correction *c);
void correction_release(struct correction *c);

/* Quantity of each line of `orig` still left (issued minus already taken back
 * by the live documents in `prior`) into left[0 .. orig->nlines-1].
 * 0, or -PL_EINVAL with a message in err (a prior document that corrects
 * another document, names a line `orig` does not have, or takes back more
 * than was issued). err may be NULL. */
int correction_left(const struct document *orig, const struct document *prior, size_t nprior,
		    int64_t *left, char *err, size_t errsize);

/* Build the correction taking back take[i] of line i of `orig` (thousandths,
 * >= 0; ntake must be orig->nlines). issue/sale date from `now`.
 * `out` must be initialised; it is released first.
 * 0; -PL_EINVAL (bad input, a correction of a correction, a return of more
 * than is left: err names the line); -PL_ENOTFOUND (nothing to take back);
 * -PL_ENOMEM. err may be NULL. */
int correction_build(const struct document *orig, const struct document *prior, size_t nprior,
		     const int64_t *take, size_t ntake, int64_t now, struct correction *out,
		     char *err, size_t errsize);

/* How an order asks for a correction of `orig` (built from it by
 * doc_from_order(): order line i is document line i, then the delivery
 * line). Fills take[0 .. orig->nlines-1] with what to take back now:
 * - `whole` (the order is cancelled): everything still left;
 * - otherwise the order's returned quantities are cumulative: line i takes
 *   back lines[i].returned minus what earlier corrections took back, and the
 *   delivery line is taken back when delivery.refunded is set; an order
 *   with no returned quantity and no refunded delivery is a whole return.
 * 0, or -PL_EINVAL with a message (the order's lines do not match the
 * document, or a returned quantity is below what was already corrected). */
int correction_take_from_order(const struct document *orig, const struct document *prior,
			       size_t nprior, const struct order *o, bool whole, int64_t *take,
			       char *err, size_t errsize);

/* Does the order carry any returned quantity or a refunded delivery? */
bool order_has_returns(const struct order *o);

#endif
