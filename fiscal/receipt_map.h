/* SPDX-License-Identifier: Apache-2.0 */
/* fiscal/receipt_map.h - a core document mapped onto a POSNET receipt (see receipt_map.c).
 *
 * Ownership: on success *r owns its lines (posnet_receipt_release()); on
 * failure nothing is left to free.
 */
#ifndef PL_FISCAL_RECEIPT_MAP_H
#define PL_FISCAL_RECEIPT_MAP_H

#include "core/document.h"
#include "core/order.h"
#include "fiscal/posnet_dev.h"

/* Build the receipt for a DOC_RECEIPT / DOC_RECEIPT_NIP document and the
 * order's payment. Checks before anything is sent: kind, currency PLN, NIP
 * of exactly 10 digits for DOC_RECEIPT_NIP, then posnet_receipt_check()
 * (values, totals, every text printable in CP1250). Errors go to err (a
 * sentence). Pure. */
int posnet_receipt_from_document(struct posnet_receipt *r, const struct document *doc,
				 const struct order *o, char *err, size_t errcap);

#endif
