/* SPDX-License-Identifier: Apache-2.0 */
/* tests/fuzz/fuzz_docs_pdf.c - outside text through the PDF layout (#19).
 *
 * Buyer name and address, line names and units come from shops and
 * marketplaces: arbitrary bytes go into them (split at NUL bytes) and the
 * document is laid out as an invoice or, by the first byte, another kind,
 * in PL or EN. Besides "no crash, no leak, no UB": the result is 0 or a
 * cap error, and a PDF made ends with %%EOF and has its xref where
 * startxref says.
 */
#define _GNU_SOURCE
#include "agent/docs_pdf.h"
#include "base/err.h"
#include "pdf/pdf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t take(const uint8_t **p, size_t *left, char *out, size_t cap)
{
	size_t n = 0;

	while (*left && **p && n + 1 < cap) {
		out[n++] = (char)**p;
		(*p)++, (*left)--;
	}
	if (*left) /* the NUL (or the byte that did not fit) */
		(*p)++, (*left)--;
	out[n] = '\0';
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum doc_kind kinds[] = {DOC_INVOICE, DOC_CORRECTION, DOC_FINAL,  DOC_WZ,
					      DOC_RECEIPT, DOC_PROFORMA,   DOC_REFUND, DOC_ADVANCE};
	static const struct docs_pdf_seller seller = {.name = "Sprzedawca sp. z o.o.",
						      .nip = "5261040828",
						      .address = "ul. Długa 1",
						      .city = "00-001 Warszawa",
						      .country = "PL"};
	struct docs_pdf_input in = {0};
	struct document d, orig;
	struct order o;
	struct buf b;
	uint8_t sel = size ? data[0] : 0;
	const uint8_t *p = size ? data + 1 : data;
	size_t left = size ? size - 1 : 0;
	int rc;

	if (docs_pdf_font(DOCS_PDF_DEFAULT_FONT, &in.font))
		abort(); /* the fuzz run needs fonts-dejavu-core */
	if (sel & 0x10)
		docs_pdf_font(DOCS_PDF_DEFAULT_FONT_BOLD, &in.bold);
	order_init(&o);
	doc_init(&d);
	doc_init(&orig);
	snprintf(o.number, sizeof(o.number), "ZK/1");
	snprintf(o.currency, sizeof(o.currency), "PLN");
	take(&p, &left, o.buyer.company, sizeof(o.buyer.company));
	take(&p, &left, o.buyer.billing.street, sizeof(o.buyer.billing.street));
	take(&p, &left, o.buyer.billing.city, sizeof(o.buyer.billing.city));
	take(&p, &left, o.payment.type, sizeof(o.payment.type));
	for (int i = 0; i < 16 && left; i++) {
		struct order_line l = {0};
		char q[4];
		take(&p, &left, l.name, sizeof(l.name));
		take(&p, &left, l.unit, sizeof(l.unit));
		take(&p, &left, q, sizeof(q));
		l.qty = 1 + (int64_t)(q[0] & 0x7f) * 997;
		l.unit_price = (int64_t)(unsigned char)q[1] * 12345;
		l.vat = (enum vat_rate)((unsigned char)q[2] % VAT_RATE_COUNT);
		order_add_line(&o, &l);
	}
	doc_from_order(&d, &o, kinds[sel & 7], 1796601600);
	doc_from_order(&orig, &o, DOC_INVOICE, 1796601600);
	snprintf(d.number, sizeof(d.number), "FV/1");
	snprintf(orig.number, sizeof(orig.number), "FV/0");
	in.d = &d;
	in.o = &o;
	in.seller = &seller;
	in.lang = sel & 0x08 ? "en" : "pl";
	in.orig = &orig;
	in.advance = &orig;
	in.reason = o.buyer.billing.street;
	in.kod1 = sel & 0x20 ? o.buyer.billing.city : NULL;
	buf_init(&b, PDF_MAX_BYTES);
	rc = docs_pdf_layout(&in, &b);
	if (rc != 0 && rc != -PL_ETOOBIG && !(rc == -PL_EINVAL && in.kod1))
		abort();
	if (rc == 0) {
		const char *sx = memmem(b.data, b.len, "startxref\n", 10);
		if (b.len < 6 || memcmp(b.data + b.len - 6, "%%EOF\n", 6) != 0 || !sx)
			abort();
		size_t off = strtoul(sx + 10, NULL, 10);
		if (off >= b.len || memcmp(b.data + off, "xref\n", 5) != 0)
			abort();
	}
	buf_release(&b);
	doc_release(&d);
	doc_release(&orig);
	order_release(&o);
	return 0;
}
