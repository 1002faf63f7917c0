/* SPDX-License-Identifier: Apache-2.0 */
/* fiscal/receipt_map.c - a core document (core/document.h) as the content of a POSNET receipt.
 *
 * The one place where the document model meets the device's receipt model,
 * kept out of the protocol driver (fiscal/posnet_dev.c) so that the driver
 * only speaks POSNET and another device can map the same document its own
 * way. posnet_receipt_from_document() is declared in fiscal/receipt_map.h and,
 * for the callers written against it, still in fiscal/posnet_dev.h.
 */
#include "fiscal/receipt_map.h"
#include "base/err.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static bool receipt_map_nip_ok(const char *nip)
{
	size_t n = 0;

	for (const char *p = nip; *p; p++, n++)
		if (!isdigit((unsigned char)*p))
			return false;
	return n == 10;
}

int posnet_receipt_from_document(struct posnet_receipt *r, const struct document *doc,
				 const struct order *o, char *err, size_t errcap)
{
	int rc;

	posnet_receipt_init(r);
	if (doc->kind != DOC_RECEIPT && doc->kind != DOC_RECEIPT_NIP) {
		snprintf(err, errcap, "document kind '%s' is not a receipt",
			 doc_kind_name(doc->kind));
		return -PL_EINVAL;
	}
	if (strcmp(doc->currency[0] ? doc->currency : "PLN", "PLN") != 0) {
		snprintf(err, errcap, "a fiscal receipt is in PLN, the document is in %s",
			 doc->currency);
		return -PL_EINVAL;
	}
	if (doc->kind == DOC_RECEIPT_NIP) {
		if (!receipt_map_nip_ok(doc->buyer_nip)) {
			snprintf(err, errcap, "receipt with NIP: buyer NIP '%s' is not 10 digits",
				 doc->buyer_nip);
			return -PL_EINVAL;
		}
		snprintf(r->nip, sizeof(r->nip), "%s", doc->buyer_nip);
	}
	for (size_t i = 0; i < doc->nlines; i++) {
		const struct doc_line *dl = &doc->lines[i];
		struct posnet_line l;

		memset(&l, 0, sizeof(l));
		snprintf(l.name, sizeof(l.name), "%s", dl->name);
		l.vat = dl->vat;
		l.price = dl->unit_gross;
		l.qty = dl->qty;
		l.value = dl->gross;
		snprintf(l.unit, sizeof(l.unit), "%s", dl->unit);
		rc = posnet_receipt_add_line(r, &l);
		if (rc < 0) {
			snprintf(err, errcap, "too many lines for one receipt (500 at most)");
			goto err_release;
		}
	}
	r->total = doc->total_gross;
	rc = posnet_payment_map(o ? o->payment.type : "other", &r->pay_type, r->pay_name,
				sizeof(r->pay_name));
	if (rc < 0) {
		snprintf(err, errcap, "unknown payment type '%s'", o ? o->payment.type : "");
		goto err_release;
	}
	snprintf(r->order_number, sizeof(r->order_number), "%s",
		 doc->order_number[0] ? doc->order_number : (o ? o->number : ""));
	rc = posnet_receipt_check(r, err, errcap);
	if (rc < 0)
		goto err_release;
	return 0;
err_release:
	posnet_receipt_release(r);
	return rc;
}
