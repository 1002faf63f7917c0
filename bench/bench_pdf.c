/* SPDX-License-Identifier: Apache-2.0 */
/* bench/bench_pdf.c - PDFs per second on one core and bytes per PDF (#19).
 *
 * A 10-line VAT invoice (two VAT rates, delivery, Polish names, the KSeF
 * KOD I QR code, regular + bold DejaVu Sans subsets) laid out and written
 * by docs_pdf_layout() in memory, N times on this one thread: the whole
 * cost of a PDF (layout, text, QR, font subsetting, Flate) except the store
 * read. The KOD I link (SHA-256 of the FA(3) XML) is made once per PDF too.
 * Reference: a headless-browser renderer (HTML -> PDF through Chromium) does
 * ~10 PDFs/s per core and ~80-150 KB per invoice (issue #19); goal >= 500/s.
 *
 * usage: bench_pdf [N]   (default 2000)
 */
#include "agent/docs_pdf.h"
#include "base/err.h"
#include "core/fa3.h"
#include "pdf/pdf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static const struct docs_pdf_seller seller = {
	    .name = "Hurtownia Łódzka „Żółw” sp. z o.o.",
	    .nip = "5261040828",
	    .address = "ul. Piotrkowska 12",
	    .city = "90-001 Łódź",
	    .country = "PL",
	    .bank_account = "61 1090 1014 0000 0712 1981 2874",
	    .place = "Łódź",
	};
	int n = argc > 1 ? atoi(argv[1]) : 2000;
	struct docs_pdf_input in = {0};
	struct order o;
	struct document d;
	struct buf b;
	char url[512];
	double t0, t;
	size_t bytes = 0;

	if (n < 1)
		n = 1;
	if (docs_pdf_font(DOCS_PDF_DEFAULT_FONT, &in.font) ||
	    docs_pdf_font(DOCS_PDF_DEFAULT_FONT_BOLD, &in.bold)) {
		fprintf(stderr, "bench_pdf: %s\n", docs_pdf_error());
		return 1;
	}
	order_init(&o);
	snprintf(o.number, sizeof(o.number), "ZK/2026/0007");
	snprintf(o.currency, sizeof(o.currency), "PLN");
	snprintf(o.buyer.company, sizeof(o.buyer.company), "Pracownia Ceramiki Żuraw sp. z o.o.");
	snprintf(o.buyer.nip, sizeof(o.buyer.nip), "5261048273");
	snprintf(o.buyer.billing.street, sizeof(o.buyer.billing.street),
		 "ul. Świętego Filipa 17/4");
	snprintf(o.buyer.billing.postcode, sizeof(o.buyer.billing.postcode), "31-150");
	snprintf(o.buyer.billing.city, sizeof(o.buyer.billing.city), "Kraków");
	snprintf(o.payment.type, sizeof(o.payment.type), "transfer");
	snprintf(o.payment.status, sizeof(o.payment.status), "unpaid");
	for (int i = 0; i < 9; i++) {
		struct order_line l = {0};
		snprintf(l.sku, sizeof(l.sku), "SKU-%d", i);
		snprintf(l.name, sizeof(l.name), "Glina kamionkowa biała %d kg, szkliwo", i + 1);
		l.qty = 1000 * (i + 1);
		snprintf(l.unit, sizeof(l.unit), "szt");
		l.unit_price = 1999 + 100 * i;
		l.vat = i % 3 == 0 ? VAT_8 : VAT_23;
		order_add_line(&o, &l);
	}
	o.delivery.cost = 1990; /* the 10th line */
	o.delivery.cost_vat = VAT_23;
	doc_init(&d);
	doc_from_order(&d, &o, DOC_INVOICE, 1796601600);
	snprintf(d.number, sizeof(d.number), "FV/2026/0042");
	in.d = &d;
	in.o = &o;
	in.seller = &seller;
	in.lang = "pl";
	in.kod1 = url;
	in.payment_days = 14;
	buf_init(&b, PDF_MAX_BYTES);

	t0 = now_s();
	for (int i = 0; i < n; i++) {
		if (docs_pdf_kod1(&seller, "https://qr-test.ksef.mf.gov.pl", &d, &o, NULL, NULL,
				  NULL, url, sizeof(url)) ||
		    docs_pdf_layout(&in, &b)) {
			fprintf(stderr, "bench_pdf: render failed\n");
			return 1;
		}
		bytes += b.len;
	}
	t = now_s() - t0;
	printf("bench_pdf: %d invoices (10 lines, KOD I QR, 2 subset fonts) in %.2f s on one "
	       "core\n",
	       n, t);
	printf("  %.0f PDFs/s (goal >= 500/s; headless-browser reference ~10/s: %.0fx)\n", n / t,
	       n / t / 10.0);
	printf("  %zu bytes per PDF (goal <= 61440; browser reference ~80-150 KB)\n", bytes / n);
	buf_release(&b);
	doc_release(&d);
	order_release(&o);
	return 0;
}
