/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/test_label.c - label templates: load-time checks, fit rules, golden ZPL.
 *
 * The sample templates in examples/labels/ rendered for fixed orders must equal the files in
 * tests/golden/labels/ byte for byte (PL_UPDATE_GOLDEN=1 rewrites them; review the diff).
 * The visual test (tests/sh/test_label_visual.sh) renders those same golden files to PNG and
 * decodes their barcodes.
 */
#include "base/diag.h"
#include "base/err.h"
#include "core/order.h"
#include "labels/label.h"
#include "labels/zpl.h"
#include "tests/unit/check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *src_dir(void)
{
	const char *s = getenv("PL_SRC");
	return s ? s : ".";
}

/* The order every golden label is made from. */
static void fixture_order(struct order *o)
{
	order_init(o);
	snprintf(o->source, sizeof(o->source), "shop");
	snprintf(o->ext_id, sizeof(o->ext_id), "8812");
	snprintf(o->number, sizeof(o->number), "ZK/2026/0042");
	o->created = 1773482400; /* 2026-03-14 10:00:00 UTC */
	snprintf(o->buyer.name, sizeof(o->buyer.name), "Jan Kowalski");
	snprintf(o->buyer.phone, sizeof(o->buyer.phone), "500100200");
	snprintf(o->buyer.email, sizeof(o->buyer.email), "jan@example.com");
	snprintf(o->delivery.method, sizeof(o->delivery.method), "inpost_locker");
	snprintf(o->delivery.pickup_point, sizeof(o->delivery.pickup_point), "KRA010M");
	snprintf(o->delivery.recipient, sizeof(o->delivery.recipient), "Jan Kowalski");
	snprintf(o->delivery.address.street, sizeof(o->delivery.address.street),
		 "ul. Cybernetyki 10/4");
	snprintf(o->delivery.address.postcode, sizeof(o->delivery.address.postcode), "02-677");
	snprintf(o->delivery.address.city, sizeof(o->delivery.address.city), "Warszawa");
	snprintf(o->delivery.address.country, sizeof(o->delivery.address.country), "PL");
}

/* The same with every text field too long for its box. */
static void fixture_long(struct order *o)
{
	fixture_order(o);
	snprintf(o->number, sizeof(o->number), "ZK/2026/0043");
	snprintf(o->ext_id, sizeof(o->ext_id), "8813");
	snprintf(o->delivery.recipient, sizeof(o->delivery.recipient),
		 "Przedsiębiorstwo Handlowo-Usługowe „Wielkopolska Spółdzielnia Mleczarska” "
		 "Grzegorz Brzęczyszczykiewicz i S-ka");
	snprintf(o->delivery.address.street, sizeof(o->delivery.address.street),
		 "ul. Generała Władysława Andersa Bohatera spod Monte Cassino 123 lok. 456 "
		 "klatka C piętro 7");
	snprintf(o->delivery.address.city, sizeof(o->delivery.address.city),
		 "Szczebrzeszyn Wielki nad Wieprzem Górnym");
	snprintf(o->buyer.name, sizeof(o->buyer.name),
		 "Grzegorz Brzęczyszczykiewicz-Chrząszczyżewoszycki");
}

static const struct tmpl_kv shipment_vars[] = {
    {"shipment.tracking", "602677154265080116782131"},
    {"shipment.carrier", "InPost"},
    {"shipment.service", "Paczkomat 24/7"},
    {"shipment.id", "1000123"},
    {"shipment.reference", "ZK/2026/0042"},
    {"station", "Stanowisko 3"},
};

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		p = malloc((size_t)n + 1);
		if (p && fread(p, 1, (size_t)n, f) != (size_t)n) {
			free(p);
			p = NULL;
		}
		if (p) {
			p[n] = '\0';
			if (len)
				*len = (size_t)n;
		}
	}
	fclose(f);
	return p;
}

static void check_golden(const char *name, const char *zpl, size_t len)
{
	char path[1024];
	char *want;
	size_t wlen = 0;

	snprintf(path, sizeof(path), "%s/tests/golden/labels/%s", src_dir(), name);
	if (getenv("PL_UPDATE_GOLDEN")) {
		FILE *f = fopen(path, "wb");
		CHECK(f != NULL);
		if (f) {
			CHECK(fwrite(zpl, 1, len, f) == len);
			fclose(f);
		}
		return;
	}
	want = read_all(path, &wlen);
	CHECK(want != NULL);
	if (!want) {
		fprintf(stderr, "missing golden %s (run with PL_UPDATE_GOLDEN=1)\n", path);
		return;
	}
	if (wlen != len || memcmp(want, zpl, len) != 0) {
		check_fail++;
		fprintf(stderr, "golden %s differs; got:\n%.*s\n", name, (int)len, zpl);
	} else {
		check_pass++;
	}
	free(want);
}

static struct label_tmpl *load_example(const char *file, int dpi)
{
	char path[1024];
	struct label_tmpl *t = NULL;
	struct diag d;

	diag_init(&d);
	snprintf(path, sizeof(path), "%s/examples/labels/%s", src_dir(), file);
	CHECK_OK(label_tmpl_load(path, dpi, &t, &d));
	if (diag_count(&d))
		diag_print(&d, stderr, "template");
	diag_release(&d);
	return t;
}

static void render_golden(const char *tmpl_file, int dpi, const struct order *o, const char *golden,
			  int expect_shortened)
{
	struct label_tmpl *t = load_example(tmpl_file, dpi);
	struct tmpl_ctx ctx = {.order = o,
			       .extra = shipment_vars,
			       .nextra = sizeof(shipment_vars) / sizeof(shipment_vars[0])};
	struct zpl z;
	char why[256];
	int shortened = -1;
	size_t len = 0;
	char *s;

	if (!t)
		return;
	zpl_init(&z, 0);
	CHECK_OK(label_render(t, &ctx, &z, &shortened, why, sizeof(why)));
	if (why[0])
		fprintf(stderr, "%s: %s\n", golden, why);
	if (expect_shortened >= 0)
		CHECK_INT(shortened, expect_shortened);
	else
		CHECK(shortened > 0);
	s = zpl_detach(&z, &len);
	CHECK(s != NULL);
	if (s)
		check_golden(golden, s, len);
	free(s);
	zpl_release(&z);
	label_tmpl_free(t);
}

static void test_goldens(void)
{
	struct order o, l;

	fixture_order(&o);
	fixture_long(&l);
	render_golden("shipping.zpl.tmpl", 0, &o, "shipping-203.zpl", 0);
	render_golden("shipping.zpl.tmpl", 300, &o, "shipping-300.zpl", 0);
	render_golden("shipping.zpl.tmpl", 0, &l, "shipping-long-203.zpl", -1);
	render_golden("packing.zpl.tmpl", 0, &o, "packing-203.zpl", 0);
	render_golden("packing.zpl.tmpl", 0, &l, "packing-long-203.zpl", -1);
	order_release(&o);
	order_release(&l);
}

/* Parse `text`; expect failure with a message at `where` containing `what`. */
static void expect_error(const char *text, const char *where, const char *what)
{
	struct label_tmpl *t = NULL;
	struct diag d;
	bool found = false;

	diag_init(&d);
	CHECK_INT(label_tmpl_parse(text, strlen(text), "t.tmpl", 0, &t, &d), -PL_ECONFIG);
	CHECK(t == NULL);
	for (size_t i = 0; i < d.n; i++)
		if (d.v[i].where && strcmp(d.v[i].where, where) == 0 && strstr(d.v[i].msg, what))
			found = true;
	if (!found) {
		check_fail++;
		fprintf(stderr, "expected '%s: ...%s...' for:\n%s\ngot:\n", where, what, text);
		diag_print(&d, stderr, NULL);
	} else {
		check_pass++;
	}
	diag_release(&d);
}

static void test_load_errors(void)
{
	/* unknown macro: column inside the quoted text, counted in characters */
	expect_error("size = 100x50\ntext x=1 y=1 w=50 \"Zażółć {order.numer}\"\n", "t.tmpl:2:28",
		     "order.numer");
	expect_error("size = 100x50\nsize = 0x50\n", "t.tmpl:2:8", "size must be");
	expect_error("size = 100x50\ndpi = 600\ntext x=1 y=1 w=5 \"a\"\n", "t.tmpl:2:7",
		     "dpi must be 203 or 300");
	expect_error("size = 100x50\ncolour = red\ntext x=1 y=1 w=5 \"a\"\n", "t.tmpl:2:1",
		     "unknown setting");
	expect_error("text x=1 y=1 w=5 \"a\"\n", "t.tmpl:1:1", "size = WIDTHxHEIGHT");
	expect_error("size = 100x50\ncircle x=1 y=1\n", "t.tmpl:2:1", "unknown element");
	expect_error("size = 100x50\ntext x=1 y=1 w=5 module=2 \"a\"\n", "t.tmpl:2:18",
		     "not an attribute of text");
	expect_error("size = 100x50\ntext x=1,5 y=1 w=5 \"a\"\n", "t.tmpl:2:8", "millimetres");
	expect_error("size = 100x50\ntext x=1 y=1 w=5 \"a\n", "t.tmpl:2:18", "no closing quote");
	/* off the label, found at load: a text box and barcodes at their declared max */
	expect_error("size = 100x50\ntext x=60 y=1 w=41 \"a\"\n", "t.tmpl:2:6",
		     "reaches past the label");
	expect_error("size = 100x50\ntext x=1 y=40 w=20 h=5 lines=2 \"a\"\n", "t.tmpl:2:6",
		     "reaches past the label");
	expect_error("size = 100x50\ncode128 x=5 y=5 h=10 module=0.25 max=40 \"{order.number}\"\n",
		     "t.tmpl:2:9", "40 characters reaches past");
	expect_error("size = 100x50\nqr x=85 y=5 module=0.5 max=60 \"{order.number}\"\n",
		     "t.tmpl:2:4", "reaches past");
	expect_error("size = 100x50\ncode128 x=5 y=5 h=10 \"{shipment.tracking}\"\n", "t.tmpl:2:1",
		     "needs max=");
	expect_error("size = 100x50\nqr x=5 y=5 max=5000 \"{order.number}\"\n", "t.tmpl:2:16",
		     "max must be");
	/* every error of a file is reported, not just the first */
	{
		const char *text = "size = 100x50\ntext x=1 y=1 w=5 \"{a}\"\ntext x=1 y=1 \"b\"\n"
				   "box x=1 y=1 w=5 h=5 t=9\n";
		struct label_tmpl *t = NULL;
		struct diag d;
		diag_init(&d);
		CHECK_INT(label_tmpl_parse(text, strlen(text), "t.tmpl", 0, &t, &d), -PL_ECONFIG);
		CHECK_INT(diag_count(&d), 3);
		diag_release(&d);
	}
	/* a file that cannot be read */
	{
		struct label_tmpl *t = NULL;
		struct diag d;
		diag_init(&d);
		CHECK_INT(label_tmpl_load("/nonexistent/x.tmpl", 0, &t, &d), -PL_EIO);
		CHECK_INT(diag_count(&d), 1);
		diag_release(&d);
	}
}

static int render_text(const char *tmpl, const struct order *o, char *out, size_t cap, char *why,
		       size_t why_len, int *shortened)
{
	struct label_tmpl *t = NULL;
	struct tmpl_ctx ctx = {.order = o,
			       .extra = shipment_vars,
			       .nextra = sizeof(shipment_vars) / sizeof(shipment_vars[0])};
	struct diag d;
	struct zpl z;
	int rc;

	diag_init(&d);
	rc = label_tmpl_parse(tmpl, strlen(tmpl), "t.tmpl", 0, &t, &d);
	if (rc) {
		diag_print(&d, stderr, "parse");
		diag_release(&d);
		return rc;
	}
	diag_release(&d);
	zpl_init(&z, 0);
	rc = label_render(t, &ctx, &z, shortened, why, why_len);
	snprintf(out, cap, "%s", z.out.data ? z.out.data : "");
	zpl_release(&z);
	label_tmpl_free(t);
	return rc;
}

static void test_render_rules(void)
{
	struct order o;
	char out[8192], why[256];
	int sh = 0;

	fixture_order(&o);
	/* mm -> dots at 203 and 300 dpi */
	CHECK_OK(render_text("size = 100x50\nbox x=10 y=5 w=50 h=20 t=1\n", &o, out, sizeof(out),
			     why, sizeof(why), &sh));
	CHECK(strstr(out, "^PW799\n^LL400\n") && strstr(out, "^FO80,40^GB400,160,8^FS"));
	CHECK_OK(render_text("size = 100x50\ndpi = 300\nbox x=10 y=5 w=50 h=20 t=1\n", &o, out,
			     sizeof(out), why, sizeof(why), &sh));
	CHECK(strstr(out, "^PW1181\n^LL591\n") && strstr(out, "^FO118,59^GB591,236,12^FS"));

	/* cut: "..." at the end, inside the box */
	CHECK_OK(render_text("size = 100x50\ntext x=1 y=1 w=20 h=4 \"{delivery.address.street} "
			     "and a lot more words\"\n",
			     &o, out, sizeof(out), why, sizeof(why), &sh));
	CHECK_INT(sh, 1);
	CHECK(strstr(out, "...^FS") != NULL);
	/* wrap onto two lines without cutting */
	CHECK_OK(render_text("size = 100x50\ntext x=1 y=1 w=40 h=4 lines=2 \"Jan Maria Kowalski "
			     "Nowak\"\n",
			     &o, out, sizeof(out), why, sizeof(why), &sh));
	CHECK_INT(sh, 0);
	CHECK(strstr(out, "^FO8,8^A0N,32,32^FDJan Maria^FS") != NULL);
	CHECK(strstr(out, "^FO8,46^A0N,32,32^FDKowalski Nowak^FS") != NULL);
	/* shrink: smaller font instead of a cut */
	CHECK_OK(render_text("size = 100x50\ntext x=1 y=1 w=30 h=4 fit=shrink min_h=2 "
			     "\"Kowalski-Nowakowska\"\n",
			     &o, out, sizeof(out), why, sizeof(why), &sh));
	CHECK_INT(sh, 0);
	CHECK(strstr(out, "^A0N,32,32") == NULL && strstr(out, "Kowalski-Nowakowska^FS") != NULL);
	/* fit=error refuses */
	CHECK_INT(render_text("size = 100x50\ntext x=1 y=1 w=10 h=4 fit=error \"{buyer.email}\"\n",
			      &o, out, sizeof(out), why, sizeof(why), &sh),
		  -PL_EINVAL);
	CHECK(strstr(why, "line 2") && strstr(why, "fit=error"));
	/* a barcode is never shortened */
	CHECK_INT(
	    render_text("size = 100x50\ncode128 x=1 y=1 h=10 max=10 \"{shipment.tracking}\"\n", &o,
			out, sizeof(out), why, sizeof(why), &sh),
	    -PL_EINVAL);
	CHECK(strstr(why, "longer than max=10") != NULL);
	/* empty required code is an error; required=no skips it */
	CHECK_INT(render_text("size = 100x50\nqr x=1 y=1 max=10 \"{order.notes}\"\n", &o, out,
			      sizeof(out), why, sizeof(why), &sh),
		  -PL_EINVAL);
	CHECK(strstr(why, "has no data") != NULL);
	CHECK_OK(render_text("size = 100x50\nqr x=1 y=1 max=10 required=no \"{order.notes}\"\n", &o,
			     out, sizeof(out), why, sizeof(why), &sh));
	CHECK(strstr(out, "^BQ") == NULL);
	/* non-ASCII data cannot be Code 128: refused with a reason */
	CHECK_INT(
	    render_text("size = 100x50\ncode128 x=1 y=1 h=10 max=20 \"{delivery.address.city}x\"\n",
			&(struct order){.delivery.address.city = "Łódź"}, out, sizeof(out), why,
			sizeof(why), &sh),
	    -PL_EINVAL);
	CHECK(strstr(why, "printable ASCII") != NULL);
	/* order data cannot inject ZPL, nor break a line */
	snprintf(o.delivery.recipient, sizeof(o.delivery.recipient), "Jan^XZ^XA~JR\r\nKowalski");
	CHECK_OK(render_text("size = 100x50\ntext x=1 y=1 w=90 \"{delivery.recipient}\"\n", &o, out,
			     sizeof(out), why, sizeof(why), &sh));
	CHECK(strstr(out, "^FH_^FDJan_5EXZ_5EXA_7EJR  Kowalski^FS") != NULL);
	CHECK(strstr(out, "^XZ") == out + strlen(out) - 4);
	/* literal braces and escaped quotes */
	CHECK_OK(render_text("size = 100x50\ntext x=1 y=1 w=90 \"{{x}} \\\"q\\\" \\\\\"\n", &o, out,
			     sizeof(out), why, sizeof(why), &sh));
	CHECK(strstr(out, "^FD{x} \"q\" \\^FS") != NULL);
	order_release(&o);
}

int main(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
	test_goldens();
	test_load_errors();
	test_render_rules();
	return check_done("test_label");
}
