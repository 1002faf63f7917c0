/* SPDX-License-Identifier: Apache-2.0 */
/* core/document.h - the fiscal or accounting document issued for an order.
 *
 * A document is built from an order by doc_from_order(): lines with net, VAT
 * and gross, per-rate sums computed by the method in core/money.h. It gets
 * its number when it is stored (store/store.h takes the number in the same
 * transaction). Its state moves pending -> issued | failed, issued ->
 * cancelled; a correction links the document it corrects.
 *
 * Ownership: struct document is embedded by the caller; doc_init() zeroes it,
 * doc_release() frees the lines.
 */
#ifndef PL_CORE_DOCUMENT_H
#define PL_CORE_DOCUMENT_H

#include "core/money.h"
#include "core/order.h"

#include <stddef.h>
#include <stdint.h>

enum doc_kind {
	DOC_NONE,        /* the rules chose no document */
	DOC_RECEIPT,     /* fiscal receipt (paragon) */
	DOC_RECEIPT_NIP, /* fiscal receipt with the buyer's NIP (paragon z NIP) */
	DOC_INVOICE,     /* VAT invoice (faktura VAT) */
	DOC_PROFORMA,    /* proforma: not an accounting document, numbered on its own */
	DOC_ADVANCE,     /* advance invoice (faktura zaliczkowa) */
	DOC_FINAL,       /* final invoice (faktura końcowa) after advances */
	DOC_CORRECTION,  /* correction invoice (faktura korygująca) */
	DOC_WZ,          /* goods issue note (wydanie zewnętrzne) */
	/* refund note (dokument zwrotu) for goods sold on a fiscal receipt: the
	 * lines and quantities taken back, corrects_id -> the receipt; with
	 * backend "posnet" it is the request for a goods return on the printer */
	DOC_REFUND,
	DOC_KIND_COUNT
};

enum doc_state { DOC_PENDING, DOC_ISSUED, DOC_CANCELLED, DOC_FAILED, DOC_STATE_COUNT };

/* "none", "receipt", "receipt_nip", "invoice", "proforma", "advance", "final", "correction", "wz",
 * "refund" */
const char *doc_kind_name(enum doc_kind k);
int doc_kind_parse(const char *s, enum doc_kind *out);
/* "pending", "issued", "cancelled", "failed" */
const char *doc_state_name(enum doc_state s);
int doc_state_parse(const char *s, enum doc_state *out);

struct doc_line {
	char name[256];
	char sku[64];
	int64_t qty; /* thousandths; negative on a correction that takes goods back */
	char unit[8];
	int64_t unit_gross;
	enum vat_rate vat;
	int64_t net, tax, gross;
};

struct doc_vat_sum {
	enum vat_rate vat;
	int64_t net, tax, gross;
};

struct document {
	int64_t id; /* store row id */
	enum doc_kind kind;
	char number[64];     /* empty until numbered */
	char issue_date[11]; /* YYYY-MM-DD */
	char sale_date[11];
	char currency[4];
	enum doc_state state;
	int64_t order_id; /* store id of the order */
	char order_number[64];
	int64_t corrects_id; /* correction -> corrected document, 0 if none */
	int64_t advance_id;  /* final -> its advance, 0 if none */
	char backend[32];    /* "local", "posnet", "fakturownia", ... */
	char remote_id[64];  /* id at the backend once issued */
	char buyer_name[160];
	char buyer_nip[16];
	struct doc_line *lines;
	size_t nlines;
	struct doc_vat_sum sums[VAT_RATE_COUNT];
	size_t nsums;
	int64_t total_net, total_tax, total_gross;
	int64_t created; /* unix seconds */
	/* Paid so far, minor units, the same sign as total_gross (schema v5):
	 * doc_from_order copies what the order says was paid (capped at the
	 * total), `docs pay` adds to it. paid = |amount_paid| >= |total_gross|. */
	int64_t amount_paid;
	char station[64]; /* the station that made it ("" = unknown); set by the store */
};

void doc_init(struct document *d);
void doc_release(struct document *d);
/* Build an unnumbered, pending document of `kind` from an order: one line per
 * order line plus a delivery line when it costs something, per-rate sums and
 * totals. issue_date/sale_date from `now` (unix seconds, local date).
 * `d` must be initialised; it is released first. The delivery line is named
 * "Dostawa" (qty 1, at delivery.cost_vat). buyer_name is the company when
 * set, else the person; buyer_nip is copied for every kind except receipt
 * and none. DOC_CORRECTION reverses the whole order (negative quantities and
 * totals). 0, -PL_EINVAL (unknown kind) or -PL_ENOMEM. */
int doc_from_order(struct document *d, const struct order *o, enum doc_kind kind, int64_t now);
/* Recompute line amounts, per-rate sums and totals from the lines. */
void doc_compute_totals(struct document *d);

#endif
