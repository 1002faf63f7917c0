/* SPDX-License-Identifier: Apache-2.0 */
/* core/order_diff.h - what changed in an order's saleable content.
 *
 * An order whose document was issued must not change what was sold without
 * somebody deciding how (docs/orders.md, "Orders changed after their
 * document"). The saleable content is what a document is built from: the
 * currency, the declared total, the lines (SKU, name, quantity, unit, unit
 * price, VAT rate) and the delivery cost and its rate. Status, payment,
 * notes, addresses and returned quantities are not content: a cancellation
 * or a return is not a change of the sale.
 *
 * Texts are bounded by the caller's buffer and cut with "..." when longer.
 */
#ifndef PL_CORE_ORDER_DIFF_H
#define PL_CORE_ORDER_DIFF_H

#include "core/order.h"

#include <stdbool.h>
#include <stddef.h>

/* Room for a diff or a summary kept with a held order. */
#define ORDER_DIFF_MAX 480

/* Does the saleable content of `b` differ from `a`? */
bool order_content_changed(const struct order *a, const struct order *b);
/* The changes from a to b as text, in line order: "line 2 qty 1->3; line 3
 * added (KUB-1 Kubek x2); delivery 19.90->0.00; total 264.86->300.00".
 * "" when nothing changed. Returns out. */
char *order_content_diff(const struct order *a, const struct order *b, char *out, size_t size);
/* One order's content: "GL-5KG x4 @42.99 23%; ...; delivery 19.90 23%;
 * total 264.86 PLN". Returns out. */
char *order_content_summary(const struct order *o, char *out, size_t size);

#endif
