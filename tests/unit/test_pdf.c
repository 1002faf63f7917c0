/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/test_pdf.c - #19: the PDF writer and the document layout.
 *
 * - object structure: every xref entry points at its "N 0 obj", startxref at
 *   the xref, /Size = objects + 1, the catalog and page tree are there;
 * - the font is a SUBSET: its FontFile2 is a small fraction of the TTF, and
 *   a 10-line invoice stays <= 60 KB (goal) - measured, not assumed;
 * - text comes back (pdftotext) with Polish letters, in both fonts;
 * - the amount in words, PL and EN (plurals, teens, thousands, minus);
 * - KOD I: the link's hash is the SHA-256 (base64url) of the exact FA(3) XML,
 *   recomputed here by Python's hashlib, not by our code;
 * - a buyer name with control bytes, invalid UTF-8 and 250 characters
 *   without a space wraps inside its cell, nothing lost or crashed.
 */
#define _GNU_SOURCE
#include "agent/docs_pdf.h"
#include "base/err.h"
#include "core/fa3.h"
#include "core/words.h"
#include "pdf/pdf.h"
#include "tests/unit/check.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *font_path = DOCS_PDF_DEFAULT_FONT;

static void test_words(void)
{
	static const struct {
		int64_t minor;
		const char *cur, *lang, *want;
	} v[] = {
	    {12345, "PLN", "pl", "sto dwadzieścia trzy złote 45/100"},
	    {100, "PLN", "pl", "jeden złoty 00/100"},
	    {0, "PLN", "pl", "zero złotych 00/100"},
	    {1201, "PLN", "pl", "dwanaście złotych 01/100"},
	    {2200, "PLN", "pl", "dwadzieścia dwa złote 00/100"},
	    {11200, "PLN", "pl", "sto dwanaście złotych 00/100"},
	    {100000, "PLN", "pl", "tysiąc złotych 00/100"},
	    {200000, "PLN", "pl", "dwa tysiące złotych 00/100"},
	    {500000, "PLN", "pl", "pięć tysięcy złotych 00/100"},
	    {1200000, "PLN", "pl", "dwanaście tysięcy złotych 00/100"},
	    {2200000, "PLN", "pl", "dwadzieścia dwa tysiące złotych 00/100"},
	    {100100, "PLN", "pl", "tysiąc jeden złotych 00/100"},
	    {123456789, "PLN", "pl",
	     "milion dwieście trzydzieści cztery tysiące pięćset sześćdziesiąt siedem "
	     "złotych 89/100"},
	    {-4299, "PLN", "pl", "minus czterdzieści dwa złote 99/100"},
	    {1999, "EUR", "pl", "dziewiętnaście EUR 99/100"},
	    {12345, "PLN", "en", "one hundred twenty-three zlotys 45/100"},
	    {100, "PLN", "en", "one zloty 00/100"},
	    {100100, "EUR", "en", "one thousand one EUR 00/100"},
	    {500000000000LL, "PLN", "en", "five billion zlotys 00/100"},
	};
	char out[400];

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		CHECK_OK(words_amount(out, sizeof(out), v[i].minor, v[i].cur, v[i].lang));
		CHECK_STR(out, v[i].want);
	}
	CHECK_INT(words_amount(out, sizeof(out), 100, "PLN", "de"), -PL_EINVAL);
	CHECK_INT(words_amount(out, sizeof(out), 100, "PL", "pl"), -PL_EINVAL);
	CHECK_INT(words_amount(out, 10, 12345, "PLN", "pl"), -PL_ETOOBIG);
	CHECK_INT(words_amount(out, sizeof(out), INT64_MIN, "PLN", "pl"), -PL_EINVAL);
}

static const char *find(const struct buf *b, const char *s)
{
	return memmem(b->data, b->len, s, strlen(s));
}

/* Every xref entry points at "N 0 obj"; startxref at "xref"; /Size right. */
static void check_structure(const struct buf *b)
{
	const char *sx, *x, *p;
	size_t off, n = 0, first = 9;

	CHECK(b->len > 100 && memcmp(b->data, "%PDF-1.7\n", 9) == 0);
	CHECK(memcmp(b->data + b->len - 6, "%%EOF\n", 6) == 0);
	sx = find(b, "startxref\n");
	CHECK(sx != NULL);
	if (!sx)
		return;
	off = strtoul(sx + 10, NULL, 10);
	CHECK(off < b->len && memcmp(b->data + off, "xref\n0 ", 7) == 0);
	x = b->data + off;
	n = strtoul(x + 7, NULL, 10);
	CHECK(n > 5);
	p = strchr(x + 7, '\n') + 1;
	CHECK(memcmp(p, "0000000000 65535 f \n", 20) == 0);
	for (size_t i = 1; i < n; i++) {
		char want[32];
		size_t o = strtoul(p + 20 * i, NULL, 10);
		int k = snprintf(want, sizeof(want), "%zu 0 obj\n", i);
		CHECK(o >= first && o + (size_t)k < b->len &&
		      memcmp(b->data + o, want, (size_t)k) == 0);
	}
	{
		char size[32];
		snprintf(size, sizeof(size), "/Size %zu ", n);
		CHECK(find(b, size) != NULL);
	}
	CHECK(find(b, "/Type /Catalog /Pages 2 0 R") != NULL);
	CHECK(find(b, "/Type /Pages /Count ") != NULL);
	CHECK(find(b, "/Subtype /CIDFontType2") != NULL);
	CHECK(find(b, "/ToUnicode ") != NULL);
}

static char *write_tmp(const struct buf *b, const char *tag)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/test_pdf_%ld_%s.pdf", (long)getpid(), tag);
	f = fopen(path, "wb");
	if (!f)
		return NULL;
	fwrite(b->data, 1, b->len, f);
	fclose(f);
	return path;
}

/* pdftotext of the PDF in `b`, malloc'd */
static char *text_of(const struct buf *b, const char *tag)
{
	char cmd[600], *out = calloc(1, 1 << 16);
	const char *path = write_tmp(b, tag);
	FILE *p;
	size_t n;

	snprintf(cmd, sizeof(cmd), "pdftotext -layout '%s' - 2>/dev/null", path);
	p = popen(cmd, "r");
	n = p ? fread(out, 1, (1 << 16) - 1, p) : 0;
	out[n] = '\0';
	if (p)
		pclose(p);
	if (!getenv("PL_KEEP"))
		unlink(path);
	return out;
}

static void test_writer(void)
{
	struct pdf_font *f = NULL;
	struct pdf *p = NULL;
	struct buf b;
	char err[400] = "";
	struct stat st;
	const char *l1;
	char *txt;

	CHECK_OK(pdf_font_open(&f, font_path, err, sizeof(err)));
	if (!f) {
		fprintf(stderr, "font: %s\n", err);
		return;
	}
	CHECK_INT(pdf_font_open(&(struct pdf_font *){NULL}, "/no/such.ttf", err, sizeof(err)),
		  -PL_EINVAL);
	CHECK(strstr(err, "/no/such.ttf") != NULL);
	/* widths: "ii" is narrower than "WW", and scales with the size */
	CHECK(pdf_font_width(f, "ii", 10) < pdf_font_width(f, "WW", 10));
	CHECK(pdf_font_width(f, "Żółw", 20) > 1.99 * pdf_font_width(f, "Żółw", 10));
	CHECK_OK(pdf_new(&p, f, NULL));
	pdf_set_title(p, "Zażółć gęślą jaźń");
	pdf_text(p, 50, 700, 12, 0, "Zażółć gęślą jaźń ZAŻÓŁĆ GĘŚLĄ JAŹŃ 123,45 zł");
	pdf_text(p, 50, 680, 12, 1, "Pogrubiony: łódź");
	pdf_line(p, 50, 670, 300, 670, 0.5);
	pdf_rect(p, 50, 600, 100, 50, 0.9);
	pdf_qr(p, 50, 400, 100, "https://example.test/qr");
	pdf_page(p);
	pdf_text(p, 50, 700, 12, 0, "Strona druga");
	CHECK_INT(pdf_page_count(p), 2);
	buf_init(&b, PDF_MAX_BYTES);
	CHECK_OK(pdf_finish(p, &b));
	check_structure(&b);
	CHECK(find(&b, "/Count 2 ") != NULL);
	/* the subset: a few dozen glyphs of DejaVu Sans (~750 KB) */
	l1 = find(&b, "/Length1 ");
	CHECK(l1 != NULL);
	CHECK(stat(font_path, &st) == 0);
	if (l1) {
		long n = strtol(l1 + 9, NULL, 10);
		printf("subset: %ld bytes of a %lld-byte font; whole PDF %zu bytes\n", n,
		       (long long)st.st_size, b.len);
		CHECK(n > 1000 && n < st.st_size / 20);
	}
	CHECK(b.len < 30000);
	txt = text_of(&b, "writer");
	CHECK(strstr(txt, "Zażółć gęślą jaźń ZAŻÓŁĆ GĘŚLĄ JAŹŃ 123,45 zł") != NULL);
	CHECK(strstr(txt, "Pogrubiony: łódź") != NULL);
	CHECK(strstr(txt, "Strona druga") != NULL);
	free(txt);
	pdf_free(p);

	/* caps: past PDF_MAX_PAGES the error sticks and finish returns it */
	CHECK_OK(pdf_new(&p, f, NULL));
	for (int i = 0; i < PDF_MAX_PAGES + 1; i++)
		pdf_page(p);
	pdf_text(p, 1, 1, 1, 0, "x");
	CHECK_INT(pdf_finish(p, &b), -PL_ETOOBIG);
	pdf_free(p);
	/* a tiny output cap */
	struct buf small;
	buf_init(&small, 100);
	CHECK_OK(pdf_new(&p, f, NULL));
	pdf_text(p, 1, 1, 10, 0, "x");
	CHECK_INT(pdf_finish(p, &small), -PL_ETOOBIG);
	pdf_free(p);
	buf_release(&small);
	buf_release(&b);
	pdf_font_close(f);
}

static const struct docs_pdf_seller seller = {
    .name = "Hurtownia Łódzka „Żółw” sp. z o.o.",
    .nip = "5261040828",
    .address = "ul. Piotrkowska 12",
    .city = "90-001 Łódź",
    .country = "PL",
    .bank_account = "61 1090 1014 0000 0712 1981 2874",
    .place = "Łódź",
};

static void ten_lines(struct order *o)
{
	order_init(o);
	o->id = 7;
	snprintf(o->number, sizeof(o->number), "ZK/2026/0007");
	snprintf(o->currency, sizeof(o->currency), "PLN");
	snprintf(o->buyer.company, sizeof(o->buyer.company), "Pracownia Ceramiki Żuraw sp. z o.o.");
	snprintf(o->buyer.nip, sizeof(o->buyer.nip), "5261048273");
	snprintf(o->buyer.billing.street, sizeof(o->buyer.billing.street),
		 "ul. Świętego Filipa 17/4");
	snprintf(o->buyer.billing.postcode, sizeof(o->buyer.billing.postcode), "31-150");
	snprintf(o->buyer.billing.city, sizeof(o->buyer.billing.city), "Kraków");
	snprintf(o->buyer.billing.country, sizeof(o->buyer.billing.country), "PL");
	snprintf(o->payment.type, sizeof(o->payment.type), "transfer");
	snprintf(o->payment.status, sizeof(o->payment.status), "unpaid");
	for (int i = 0; i < 10; i++) {
		struct order_line l = {0};
		snprintf(l.sku, sizeof(l.sku), "SKU-%d", i);
		snprintf(l.name, sizeof(l.name), "Towar nr %d: glina, szkliwo, pędzel (%s)", i + 1,
			 i % 2 ? "żółty" : "ćma");
		l.qty = 1000 * (i + 1);
		snprintf(l.unit, sizeof(l.unit), "szt");
		l.unit_price = 1999 + 100 * i;
		l.vat = i % 3 == 0 ? VAT_8 : VAT_23;
		order_add_line(o, &l);
	}
	o->delivery.cost = 1990;
	o->delivery.cost_vat = VAT_23;
}

static int sha256_py(const struct buf *xml, char out[64])
{
	char cmd[600];
	const char *path = "/tmp/test_pdf_xml";
	char tmp[256];
	FILE *f, *p;
	size_t n;

	snprintf(tmp, sizeof(tmp), "%s_%ld.xml", path, (long)getpid());
	f = fopen(tmp, "wb");
	if (!f)
		return -1;
	fwrite(xml->data, 1, xml->len, f);
	fclose(f);
	snprintf(
	    cmd, sizeof(cmd),
	    "python3 -c 'import hashlib,base64,sys; print(base64.urlsafe_b64encode("
	    "hashlib.sha256(open(sys.argv[1],\"rb\").read()).digest()).decode().rstrip(\"=\"))' "
	    "%s",
	    tmp);
	p = popen(cmd, "r");
	n = p ? fread(out, 1, 63, p) : 0;
	if (p)
		pclose(p);
	unlink(tmp);
	while (n && (out[n - 1] == '\n'))
		n--;
	out[n] = '\0';
	return n == 43 ? 0 : -1;
}

static void test_invoice(void)
{
	struct pdf_font *f = NULL, *fb = NULL;
	struct order o;
	struct document d;
	struct buf b, xml;
	char url[512], h[64], *txt;
	struct docs_pdf_input in = {0};

	CHECK_OK(docs_pdf_font(font_path, &f));
	CHECK_OK(docs_pdf_font(DOCS_PDF_DEFAULT_FONT_BOLD, &fb));
	if (!f || !fb)
		return;
	ten_lines(&o);
	doc_init(&d);
	CHECK_OK(doc_from_order(&d, &o, DOC_INVOICE, 1796601600)); /* 2026-12-07 */
	snprintf(d.number, sizeof(d.number), "FV/2026/0042");

	/* KOD I over the exact XML bytes */
	buf_init(&xml, FA3_MAX_XML);
	CHECK_OK(docs_pdf_kod1(&seller, "https://qr-test.ksef.mf.gov.pl", &d, &o, NULL, NULL, &xml,
			       url, sizeof(url)));
	CHECK_OK(sha256_py(&xml, h));
	{
		char want[600];
		snprintf(want, sizeof(want),
			 "https://qr-test.ksef.mf.gov.pl/invoice/5261040828/%.2s-%.2s-%.4s/%s",
			 d.issue_date + 8, d.issue_date + 5, d.issue_date, h);
		CHECK_STR(url, want);
	}
	/* the same document, the same bytes, the same link */
	{
		char url2[512];
		CHECK_OK(docs_pdf_kod1(&seller, "https://qr-test.ksef.mf.gov.pl", &d, &o, NULL,
				       NULL, NULL, url2, sizeof(url2)));
		CHECK_STR(url2, url);
	}
	buf_release(&xml);

	in.d = &d;
	in.o = &o;
	in.seller = &seller;
	in.lang = "pl";
	in.kod1 = url;
	in.payment_days = 14;
	in.font = f;
	in.bold = fb;
	buf_init(&b, PDF_MAX_BYTES);
	CHECK_OK(docs_pdf_layout(&in, &b));
	check_structure(&b);
	printf("10-line invoice: %zu bytes (goal <= 61440)\n", b.len);
	CHECK(b.len <= 60 * 1024);
	txt = text_of(&b, "inv");
	CHECK(strstr(txt, "Faktura VAT nr FV/2026/0042") != NULL);
	CHECK(strstr(txt, "Towar nr 10: glina, szkliwo, pędzel") != NULL);
	CHECK(strstr(txt, "(żółty)") != NULL);
	CHECK(strstr(txt, "Termin płatności: 2026-12-21") != NULL);
	CHECK(strstr(txt, "Sposób płatności: przelew") != NULL);
	CHECK(strstr(txt, "8%") != NULL && strstr(txt, "23%") != NULL);
	free(txt);

	/* unknown language, a kind without a layout */
	in.lang = "de";
	CHECK_INT(docs_pdf_layout(&in, &b), -PL_EINVAL);
	in.lang = "pl";
	d.kind = DOC_NONE;
	CHECK_INT(docs_pdf_layout(&in, &b), -PL_EINVAL);
	d.kind = DOC_INVOICE;

	/* hostile buyer name: control bytes, invalid UTF-8, no spaces */
	{
		char name[160];
		memset(name, 'W', sizeof(name) - 1);
		name[sizeof(name) - 1] = '\0';
		memcpy(name, "A\x01\x7f\xff\xc3(B", 7);
		snprintf(d.buyer_name, sizeof(d.buyer_name), "%s", name);
		CHECK_OK(docs_pdf_layout(&in, &b));
		txt = text_of(&b, "hostile");
		/* U+FFFD for each bad byte (DejaVu has it), spaces for controls */
		CHECK(strstr(txt, "A \xEF\xBF\xBD\xEF\xBF\xBD(BWWW") != NULL);
		/* the long word is wrapped, not cut: every W is there */
		size_t ws = 0;
		for (const char *q = txt; *q; q++)
			ws += *q == 'W';
		CHECK(ws >= sizeof(name) - 1 - 7);
		free(txt);
	}
	/* 500 lines: several pages, the table header again on each */
	{
		struct doc_line *lines = calloc(500, sizeof(*lines));
		for (int i = 0; i < 500; i++) {
			lines[i] = d.lines[i % d.nlines];
		}
		free(d.lines);
		d.lines = lines;
		d.nlines = 500;
		doc_compute_totals(&d);
		CHECK_OK(docs_pdf_layout(&in, &b));
		txt = text_of(&b, "long");
		size_t heads = 0;
		for (const char *q = txt; (q = strstr(q, "Nazwa towaru lub usługi")); q++)
			heads++;
		CHECK(heads >= 10);
		printf("500-line invoice: %zu bytes, %zu table headers\n", b.len, heads);
		free(txt);
	}
	buf_release(&b);
	doc_release(&d);
	order_release(&o);
}

int main(void)
{
	test_words();
	test_writer();
	test_invoice();
	return check_done("test_pdf");
}
