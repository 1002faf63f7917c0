/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/test_fa3.c - FA(3) XML of our documents, validated by xmllint
 * against the official schema (tests/data/ksef), exact amounts, escaping,
 * caps, the SHA-256 base64url vector of an official sample and KOD I. */
#define _GNU_SOURCE
#include "base/err.h"
#include "core/fa3.h"
#include "tests/unit/check.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *src;

static void line(struct document *d, const char *name, int64_t qty, int64_t unit_gross,
		 enum vat_rate r)
{
	struct doc_line *l;

	d->lines = realloc(d->lines, (d->nlines + 1) * sizeof(*d->lines));
	if (!d->lines)
		abort();
	l = &d->lines[d->nlines++];
	memset(l, 0, sizeof(*l));
	snprintf(l->name, sizeof(l->name), "%s", name);
	snprintf(l->unit, sizeof(l->unit), "szt.");
	l->qty = qty;
	l->unit_gross = unit_gross;
	l->vat = r;
}

static void base_doc(struct document *d, enum doc_kind k, const char *cur)
{
	doc_init(d);
	d->kind = k;
	snprintf(d->number, sizeof(d->number), "FV/2026/12/7");
	snprintf(d->issue_date, sizeof(d->issue_date), "2026-12-07");
	snprintf(d->sale_date, sizeof(d->sale_date), "2026-12-05");
	snprintf(d->currency, sizeof(d->currency), "%s", cur);
	snprintf(d->buyer_name, sizeof(d->buyer_name), "Kowalski & Syn <sp. j.>");
	snprintf(d->buyer_nip, sizeof(d->buyer_nip), "1111111111");
}

static const struct fa3_seller seller = {"9999999999",
					 "ABC \"AGD\" sp. z o.o.",
					 "PL",
					 "ul. Kwiatowa 1",
					 "00-001 Warszawa",
					 "Warszawa",
					 "art. 43 ust. 1 pkt 32 ustawy o VAT"};

/* Write the XML to a file and validate it with xmllint; 1 when valid. */
static int valid(const struct buf *b, const char *tag)
{
	char path[256], cmd[1024];
	FILE *f;
	int rc;

	snprintf(path, sizeof(path), "/tmp/test_fa3_%ld_%s.xml", (long)getpid(), tag);
	f = fopen(path, "wb");
	if (!f)
		return 0;
	fwrite(b->data, 1, b->len, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd),
		 "XML_CATALOG_FILES=%s/tests/data/ksef/catalog.xml xmllint --noout --nonet "
		 "--catalogs --schema %s/tests/data/ksef/schemat.xsd %s",
		 src, src, path);
	rc = system(cmd);
	if (rc == 0)
		unlink(path);
	else
		fprintf(stderr, "kept %s\n", path);
	return rc == 0;
}

static int has(const struct buf *b, const char *s)
{
	return memmem(b->data, b->len, s, strlen(s)) != NULL;
}

static void test_domestic(void)
{
	struct document d;
	struct buf b;
	struct fa3_buyer by = {"PL", NULL, "ul. Polna 1", "00-002 Warszawa"};
	struct fa3_opts o = {.created = "2026-12-07T10:00:00Z"};

	base_doc(&d, DOC_INVOICE, "PLN");
	line(&d, "Kubek", 2000, 3999, VAT_23);
	line(&d, "Orzechy", 1250, 1999, VAT_8);
	line(&d, "Album", 1000, 8990, VAT_5);
	line(&d, "Eksport usługi", 1000, 10000, VAT_0);
	line(&d, "Książka zw", 1000, 3000, VAT_ZW);
	line(&d, "Usługa poza krajem", 1000, 5000, VAT_NP);
	doc_compute_totals(&d);
	buf_init(&b, FA3_MAX_XML);
	CHECK_OK(fa3_write(&b, &d, &seller, &by, &o));
	CHECK(valid(&b, "domestic"));
	{
		/* the check itself can fail: P_15 before the sums breaks the sequence */
		struct buf bad;
		char *p15 = memmem(b.data, b.len, "<P_13_1>", 8);
		buf_init(&bad, FA3_MAX_XML);
		buf_append(&bad, b.data, (size_t)(p15 - b.data));
		buf_puts(&bad, "<P_15>1.00</P_15>");
		buf_append(&bad, p15, b.len - (size_t)(p15 - b.data));
		CHECK(!valid(&bad, "bad"));
		buf_release(&bad);
	}
	/* 79.98 gross at 23 %: VAT 14.96, net 65.02 (core/money.h method) */
	CHECK(has(&b, "<P_13_1>65.02</P_13_1><P_14_1>14.96</P_14_1>"));
	CHECK(has(&b, "<P_13_6_1>100.00</P_13_6_1>"));
	CHECK(has(&b, "<P_13_7>30.00</P_13_7>"));
	CHECK(has(&b, "<P_13_8>50.00</P_13_8>"));
	CHECK(has(&b, "<P_19>1</P_19><P_19A>art. 43"));
	CHECK(has(&b, "<P_8B>1.250</P_8B>"));
	CHECK(has(&b, "<P_12>np I</P_12>"));
	CHECK(has(&b, "Kowalski &amp; Syn &lt;sp. j.&gt;"));
	CHECK(has(&b, "ABC &quot;AGD&quot;"));
	CHECK(!has(&b, "KursWalutyZ"));

	/* caps: a name over 512 characters is refused, never cut */
	memset(d.lines[0].name, 'x', 255);
	d.lines[0].name[255] = '\0';
	CHECK_OK(fa3_write(&b, &d, &seller, &by, &o));
	{
		char longname[600];
		struct fa3_seller s2 = seller;
		memset(longname, 'y', 513);
		longname[513] = '\0';
		s2.name = longname;
		CHECK_INT(fa3_write(&b, &d, &s2, &by, &o), -PL_EINVAL);
		longname[512] = '\0';
		CHECK_OK(fa3_write(&b, &d, &s2, &by, &o));
		CHECK(valid(&b, "cap512"));
		/* zw lines need the exemption basis */
		s2.zw_basis = NULL;
		CHECK_INT(fa3_write(&b, &d, &s2, &by, &o), -PL_EINVAL);
	}
	/* a control character cannot be carried by XML 1.0 */
	snprintf(d.lines[1].name, sizeof(d.lines[1].name), "bad\x01name");
	CHECK_INT(fa3_write(&b, &d, &seller, &by, &o), -PL_EINVAL);
	/* an output cap below the document size stops the writer */
	{
		struct buf small;
		buf_init(&small, 512);
		snprintf(d.lines[1].name, sizeof(d.lines[1].name), "ok");
		CHECK(fa3_write(&small, &d, &seller, &by, &o) < 0);
		buf_release(&small);
	}
	/* proforma and receipts are not FA(3) documents */
	d.kind = DOC_PROFORMA;
	CHECK_INT(fa3_write(&b, &d, &seller, &by, &o), -PL_EINVAL);
	buf_release(&b);
	doc_release(&d);
}

static void test_eu_eur(void)
{
	struct document d;
	struct buf b;
	struct fa3_buyer by = {"DE", "123456789", "Hauptstr. 1", "10115 Berlin"};
	struct fa3_opts o = {.created = "2026-12-07T10:00:00Z", .rate_micro = 4253100};

	base_doc(&d, DOC_INVOICE, "EUR");
	d.buyer_nip[0] = '\0';
	line(&d, "Mug", 3000, 1230, VAT_23);
	line(&d, "Goods WDT", 1000, 20000, VAT_0);
	doc_compute_totals(&d);
	buf_init(&b, FA3_MAX_XML);
	CHECK_OK(fa3_write(&b, &d, &seller, &by, &o));
	CHECK(valid(&b, "eu"));
	/* 36.90 EUR gross: VAT 6.90 EUR x 4.2531 = 29.35 PLN (29.34639 rounded) */
	CHECK(has(&b, "<P_13_1>30.00</P_13_1><P_14_1>6.90</P_14_1><P_14_1W>29.35</P_14_1W>"));
	CHECK(has(&b, "<P_13_6_2>200.00</P_13_6_2>"));
	CHECK(has(&b, "<KursWalutyZ>4.253100</KursWalutyZ>"));
	CHECK(has(&b, "<KodUE>DE</KodUE><NrVatUE>123456789</NrVatUE>"));
	CHECK(has(&b, "<P_12>0 WDT</P_12>"));
	/* a foreign currency without a rate is refused */
	o.rate_micro = 0;
	CHECK_INT(fa3_write(&b, &d, &seller, &by, &o), -PL_EINVAL);
	buf_release(&b);
	doc_release(&d);
}

static void test_correction(void)
{
	struct document d;
	struct buf b;
	struct fa3_buyer by = {"PL", NULL, NULL, NULL};
	struct fa3_opts o = {.created = "2026-12-07T10:00:00Z",
			     .corr_number = "FV/2026/12/1",
			     .corr_date = "2026-12-01",
			     .corr_reason = "Zwrot towaru"};

	base_doc(&d, DOC_CORRECTION, "PLN");
	snprintf(d.number, sizeof(d.number), "KOR/2026/12/1");
	line(&d, "Kubek (zwrot)", -1000, 3999, VAT_23);
	doc_compute_totals(&d);
	buf_init(&b, FA3_MAX_XML);
	CHECK_OK(fa3_write(&b, &d, &seller, &by, &o));
	CHECK(valid(&b, "kor"));
	CHECK(has(&b, "<RodzajFaktury>KOR</RodzajFaktury>"));
	CHECK(has(&b, "<NrFaKorygowanej>FV/2026/12/1</NrFaKorygowanej><NrKSeFN>1</NrKSeFN>"));
	CHECK(has(&b, "<P_15>-39.99</P_15>"));
	CHECK(has(&b, "<P_8B>-1.000</P_8B>"));
	o.corr_ksef = "9999999999-20261201-0100A0B0C0D0-01";
	CHECK_OK(fa3_write(&b, &d, &seller, &by, &o));
	CHECK(valid(&b, "kor2"));
	o.corr_number = NULL;
	CHECK_INT(fa3_write(&b, &d, &seller, &by, &o), -PL_EINVAL);
	buf_release(&b);
	doc_release(&d);
}

static void test_hash(void)
{
	char path[512], h[44], url[256];
	FILE *f;
	static char data[65536];
	size_t n;

	snprintf(path, sizeof(path), "%s/tests/data/ksef/FA_3_Przyklad_1_VAT.xml", src);
	f = fopen(path, "rb");
	CHECK(f != NULL);
	if (!f)
		return;
	n = fread(data, 1, sizeof(data), f);
	fclose(f);
	/* openssl dgst -sha256 -binary FILE | basenc --base64url, '=' dropped */
	CHECK_OK(fa3_hash_b64url(data, n, h));
	CHECK_STR(h, "X-wQflQVyRs1fImlI-xDPnWk1V37hys4O1lkx9iJbSA");
	CHECK_OK(fa3_kod1_url(url, sizeof(url), "https://qr-test.ksef.mf.gov.pl", "9999999999",
			      "2026-02-15", data, n));
	CHECK_STR(url, "https://qr-test.ksef.mf.gov.pl/invoice/9999999999/15-02-2026/"
		       "X-wQflQVyRs1fImlI-xDPnWk1V37hys4O1lkx9iJbSA");
	CHECK_INT(fa3_kod1_url(url, 40, "https://qr-test.ksef.mf.gov.pl", "9999999999",
			       "2026-02-15", data, n),
		  -PL_EINVAL);
	/* empty input: SHA-256("") */
	CHECK_OK(fa3_hash_b64url("", 0, h));
	CHECK_STR(h, "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU");
}

int main(void)
{
	src = getenv("PL_SRC");
	if (!src)
		src = ".";
	test_domestic();
	test_eu_eur();
	test_correction();
	test_hash();
	return check_done("test_fa3");
}
