/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/test_template.c - macros, filters, escapes, compile errors, caps. */
#include "core/template.h"

#include "base/err.h"
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void set(char *dst, size_t size, const char *v)
{
	snprintf(dst, size, "%s", v);
}
#define SET(field, v) set((field), sizeof(field), (v))

static struct order g_order;
static struct document g_doc;

static void fill(void)
{
	struct order *o = &g_order;
	struct document *d = &g_doc;

	order_init(o);
	SET(o->number, "ZK/2026/0042");
	SET(o->ext_id, "A-991");
	SET(o->source, "shop");
	SET(o->status, "accepted");
	SET(o->currency, "PLN");
	SET(o->notes, "Proszę o fakturę\nna firmę");
	o->created = 1793700000; /* 2026-11-03 10:00:00 UTC, 11:00 in Warsaw (CET) */
	o->total = 15998;
	SET(o->buyer.name, "Jan Kowalski");
	SET(o->buyer.company, "Kowalski Sp. z o.o.");
	SET(o->buyer.nip, "5260250995");
	SET(o->buyer.email, "jan@example.pl");
	SET(o->buyer.phone, "+48 600 100 200");
	SET(o->buyer.billing.street, "ul. Długa 5");
	SET(o->buyer.billing.postcode, "00-950");
	SET(o->buyer.billing.city, "Warszawa");
	SET(o->buyer.billing.country, "PL");
	SET(o->delivery.method, "inpost_locker");
	SET(o->delivery.pickup_point, "KRA010M");
	SET(o->delivery.recipient, "Anna Nowak");
	SET(o->delivery.address.street, "ul. Krótka 1/2");
	SET(o->delivery.address.postcode, "30-001");
	SET(o->delivery.address.city, "Kraków");
	SET(o->delivery.address.country, "PL");
	o->delivery.cost = 1299;
	SET(o->payment.type, "card");
	SET(o->payment.status, "paid");
	o->payment.paid = 15998;

	doc_init(d);
	d->kind = DOC_INVOICE;
	SET(d->number, "FV/2026/0007");
	SET(d->issue_date, "2026-11-03");
	SET(d->sale_date, "2026-02-28");
	SET(d->currency, "PLN");
	SET(d->order_number, "ZK/2026/0042");
	SET(d->buyer_name, "Kowalski Sp. z o.o.");
	SET(d->buyer_nip, "5260250995");
	d->total_gross = 15998;
	d->total_net = 13006;
	d->total_tax = 2992;
}

/* Compile (must succeed) and render with the full context. */
static void expect_render_ctx(const char *text, const struct tmpl_vars *vars,
			      const struct tmpl_ctx *ctx, const char *want)
{
	struct tmpl *t = NULL;
	struct tmpl_error err;
	struct buf out;
	int rc = tmpl_compile(text, vars, &t, &err);

	if (rc) {
		fprintf(stderr, "'%s': compile error %d:%d: %s\n", text, err.line, err.col,
			err.msg);
		CHECK_OK(rc);
		return;
	}
	buf_init(&out, 64 * 1024);
	CHECK_OK(tmpl_render(t, ctx, &out));
	CHECK_STR(out.data ? out.data : "", want);
	buf_release(&out);
	tmpl_free(t);
}

static void expect_render(const char *text, const char *want)
{
	struct tmpl_ctx ctx = {.order = &g_order, .doc = &g_doc};

	expect_render_ctx(text, NULL, &ctx, want);
}

static void expect_error(const char *text, const struct tmpl_vars *vars, int line, int col,
			 const char *want)
{
	struct tmpl *t = (struct tmpl *)1;
	struct tmpl_error err;
	int rc = tmpl_compile(text, vars, &t, &err);

	CHECK_INT(rc, -PL_EINVAL);
	CHECK(t == NULL);
	if (rc == 0) {
		tmpl_free(t);
		return;
	}
	CHECK_INT(err.line, line);
	CHECK_INT(err.col, col);
	if (!strstr(err.msg, want))
		fprintf(stderr, "'%s': message '%s' lacks '%s'\n", text, err.msg, want);
	CHECK(strstr(err.msg, want) != NULL);
}

static void test_macros(void)
{
	expect_render("{order.number}", "ZK/2026/0042");
	expect_render("{order.ext_id}|{order.source}|{order.status}|{order.currency}",
		      "A-991|shop|accepted|PLN");
	expect_render("{order.notes}", "Proszę o fakturę\nna firmę");
	expect_render("{order.client.name}", "Jan Kowalski");
	expect_render("{buyer.name} / {buyer.company} / {buyer.nip}",
		      "Jan Kowalski / Kowalski Sp. z o.o. / 5260250995");
	expect_render("{buyer.email} {buyer.phone}", "jan@example.pl +48 600 100 200");
	expect_render("{buyer.address.street}, {buyer.address.postcode} {buyer.address.city} "
		      "{buyer.address.country}",
		      "ul. Długa 5, 00-950 Warszawa PL");
	expect_render("{delivery.method} {delivery.pickup_point} {delivery.recipient}",
		      "inpost_locker KRA010M Anna Nowak");
	expect_render("{delivery.address.street}, {delivery.address.postcode} "
		      "{delivery.address.city} {delivery.address.country}",
		      "ul. Krótka 1/2, 30-001 Kraków PL");
	expect_render("{payment.type} {payment.status} {payment.paid}", "card paid 159.98");
	/* money: dot by default, comma with |pl */
	expect_render("{order.total}", "159.98");
	expect_render("{order.total|pl} zł", "159,98 zł");
	expect_render("{delivery.cost}", "12.99");
	expect_render("{document.total} = {document.net} + {document.tax}",
		      "159.98 = 130.06 + 29.92");
	expect_render("{document.total|pl}", "159,98");
	/* the document */
	expect_render("{document.number}", "FV/2026/0007");
	expect_render("{document.kind}", "invoice");
	expect_render("{document.kind|pl} nr {document.number}", "Faktura VAT nr FV/2026/0007");
	expect_render("{document.currency} {document.buyer.name} {document.buyer.nip} "
		      "{document.order.number}",
		      "PLN Kowalski Sp. z o.o. 5260250995 ZK/2026/0042");
	/* dates */
	expect_render("{order.date}", "2026-11-03");
	expect_render("{order.date|%d.%m.%Y}", "03.11.2026");
	expect_render("{order.date|%d.%m.%Y %H:%M:%S}", "03.11.2026 11:00:00");
	expect_render("{order.date|%y/%j/%e|%%}", "26/307/ 3|%");
	expect_render("{document.issue_date|%d.%m.%Y}", "03.11.2026");
	expect_render("{document.sale_date|%j %e}", "059 28");
	expect_render("{document.sale_date}", "2026-02-28");
	/* white space inside the braces is allowed */
	expect_render("{ order.number }", "ZK/2026/0042");
	expect_render("{order.total | pl}", "159,98");
	/* escapes */
	expect_render("{{order.number}}", "{order.number}");
	expect_render("{{{order.number}}}", "{ZK/2026/0042}");
	expect_render("a}}b{{c", "a}b{c");
	expect_render("", "");
	expect_render("no macros at all, żółć", "no macros at all, żółć");

	/* negative money (a correction) */
	{
		struct order o = g_order;
		struct tmpl_ctx ctx = {.order = &o};
		o.total = -5;
		expect_render_ctx("{order.total} {order.total|pl}", NULL, &ctx, "-0.05 -0,05");
	}
	/* each kind has a Polish name */
	for (int k = DOC_RECEIPT; k < DOC_KIND_COUNT; k++)
		CHECK(tmpl_kind_pl((enum doc_kind)k)[0] != '\0');
	CHECK_STR(tmpl_kind_pl(DOC_RECEIPT_NIP), "Paragon fiskalny z NIP");
	CHECK_STR(tmpl_kind_pl(DOC_CORRECTION), "Faktura korygująca");
}

static void test_every_name(void)
{
	const char *const *names = tmpl_macro_names();
	size_t n = 0;

	for (; names[n]; n++) {
		char text[128];
		struct tmpl *t;
		struct tmpl_ctx none = {0};
		struct buf out;

		snprintf(text, sizeof(text), "[{%s}]", names[n]);
		CHECK_OK(tmpl_compile(text, NULL, &t, NULL));
		CHECK(tmpl_uses(t, names[n]));
		/* no order, no document, no clock: every macro renders empty */
		buf_init(&out, 1024);
		CHECK_OK(tmpl_render(t, &none, &out));
		CHECK_STR(out.data, "[]");
		CHECK_OK(tmpl_render(t, NULL, &out));
		buf_release(&out);
		tmpl_free(t);
	}
	CHECK(n >= 40);
}

static void test_null_parts(void)
{
	struct tmpl_ctx only_order = {.order = &g_order};
	struct tmpl_ctx only_doc = {.doc = &g_doc};

	expect_render_ctx("{order.number}/{document.number}", NULL, &only_order, "ZK/2026/0042/");
	expect_render_ctx("{order.number}/{document.number}", NULL, &only_doc, "/FV/2026/0007");
	/* {now} */
	{
		struct tmpl_ctx c = {.now = 1793700000};
		expect_render_ctx("{now|%H:%M}", NULL, &c, "11:00");
		c.now = 0;
		expect_render_ctx("[{now}]", NULL, &c, "[]");
	}
	/* an order without a date */
	{
		struct order o = g_order;
		struct tmpl_ctx c = {.order = &o};
		o.created = 0;
		expect_render_ctx("[{order.date|%d.%m.%Y}]", NULL, &c, "[]");
	}
	/* a document date that is not YYYY-MM-DD is shown as it is */
	{
		struct document d = g_doc;
		struct tmpl_ctx c = {.doc = &d};
		SET(d.issue_date, "2026-13-01");
		expect_render_ctx("{document.issue_date|%d.%m.%Y}", NULL, &c, "2026-13-01");
		SET(d.issue_date, "");
		expect_render_ctx("[{document.issue_date}]", NULL, &c, "[]");
	}
}

static void test_extra(void)
{
	static const char *const names[] = {"shipment.tracking", "shipment.carrier"};
	static const struct tmpl_vars vars = {names, 2};
	const struct tmpl_kv kv[] = {
	    {"shipment.tracking", "620000000000001"},
	    {"shipment.carrier", "InPost"},
	};
	struct tmpl_ctx ctx = {.order = &g_order, .extra = kv, .nextra = 2};
	struct tmpl *t;
	struct tmpl_error err;

	expect_render_ctx("{shipment.carrier} {shipment.tracking} ({order.number})", &vars, &ctx,
			  "InPost 620000000000001 (ZK/2026/0042)");
	/* a declared name without a value renders empty */
	ctx.nextra = 1;
	expect_render_ctx("[{shipment.carrier}]", &vars, &ctx, "[]");
	/* not declared: compile error, with a hint from the declared ones */
	expect_error("x {shipment.tracking}", NULL, 1, 4, "unknown macro {shipment.tracking}");
	expect_error("{shipment.trackin}", &vars, 1, 2, "did you mean {shipment.tracking}?");
	/* extras are text: no filter */
	expect_error("{shipment.carrier|pl}", &vars, 1, 18, "is text and takes no filter");
	/* bad declarations are refused */
	{
		static const char *const bad1[] = {"Shipment"};
		static const char *const bad2[] = {"order.number"};
		static const struct tmpl_vars v1 = {bad1, 1}, v2 = {bad2, 1};
		CHECK_INT(tmpl_compile("x", &v1, &t, &err), -PL_EINVAL);
		CHECK(strstr(err.msg, "is not a name") != NULL);
		CHECK_INT(tmpl_compile("x", &v2, &t, &err), -PL_EINVAL);
		CHECK(strstr(err.msg, "is a built-in name") != NULL);
	}
}

static void test_errors(void)
{
	char big[TMPL_MAX_LEN + 2];
	struct tmpl *t;
	struct tmpl_error err;

	expect_error("Zamówienie {order.numer}", NULL, 1, 13,
		     "unknown macro {order.numer} (did you mean {order.number}?)");
	expect_error("{client.name}", NULL, 1, 2, "did you mean {order.client.name}?");
	expect_error("{xyz}", NULL, 1, 2, "unknown macro {xyz} (macros are listed");
	expect_error("{Order.Number}", NULL, 1, 2, "unknown macro {Order.Number}");
	expect_error("ok\nline two {bad}", NULL, 2, 11, "unknown macro {bad}");
	expect_error("a {} b", NULL, 1, 3, "empty macro");
	expect_error("a { } b", NULL, 1, 3, "empty macro");
	expect_error("a } b", NULL, 1, 3, "'}' without '{'");
	expect_error("a {order.number b", NULL, 1, 3, "'{' is not closed");
	expect_error("a {order.number\n}", NULL, 1, 3, "'{' is not closed");
	expect_error("{order.{number}", NULL, 1, 1, "'{' is not closed");
	expect_error("{buyer.name|upper}", NULL, 1, 12, "{buyer.name} is text and takes no filter");
	expect_error("{order.total|eur}", NULL, 1, 14, "unknown filter 'eur' for {order.total}");
	expect_error("{document.kind|en}", NULL, 1, 16, "unknown filter 'en'");
	expect_error("{order.date|%B %Y}", NULL, 1, 13, "'%B' is not allowed in a date format");
	expect_error("{order.date|%d.%m.%}", NULL, 1, 19, "'%' at the end of a date format");
	expect_error("{order.date|}", NULL, 1, 12, "empty date format");
	expect_error("żółć {bad}", NULL, 1, 7, "unknown macro {bad}"); /* columns in characters */

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK_INT(tmpl_compile(big, NULL, &t, &err), -PL_ETOOBIG);
	CHECK(strstr(err.msg, "too long") != NULL);
	big[TMPL_MAX_LEN] = '\0';
	CHECK_OK(tmpl_compile(big, NULL, &t, NULL));
	tmpl_free(t);
	CHECK_INT(tmpl_compile("{bad}", NULL, &t, NULL), -PL_EINVAL); /* NULL err is fine */
	CHECK(t == NULL);
}

static void test_one_line_and_cap(void)
{
	struct tmpl_ctx ctx = {.order = &g_order, .one_line = true};
	struct tmpl *t;
	struct buf out;

	/* an e-mail subject never carries the notes' line break */
	expect_render_ctx("Re: {order.notes}", NULL, &ctx, "Re: Proszę o fakturę na firmę");

	/* the output cap: whole pieces only */
	CHECK_OK(
	    tmpl_compile("Zamówienie {order.number} z dnia {order.date|%d.%m.%Y}", NULL, &t, NULL));
	buf_init(&out, 20);
	CHECK_INT(tmpl_render(t, &ctx, &out), -PL_ETOOBIG);
	CHECK_STR(out.data, "Zamówienie "); /* "ZK/2026/0042" did not fit after it */
	buf_release(&out);
	buf_init(&out, 128);
	CHECK_OK(tmpl_render(t, &ctx, &out));
	CHECK_STR(out.data, "Zamówienie ZK/2026/0042 z dnia 03.11.2026");
	/* render appends */
	CHECK_OK(tmpl_render(t, &ctx, &out));
	CHECK_INT(out.len, 2 * strlen("Zamówienie ZK/2026/0042 z dnia 03.11.2026"));
	buf_release(&out);
	CHECK(tmpl_uses(t, "order.number"));
	CHECK(tmpl_uses(t, "order.date"));
	CHECK(!tmpl_uses(t, "document.number"));
	tmpl_free(t);
}

int main(void)
{
	/* the station's zone, as a POSIX rule so that no tzdata is needed */
	setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3", 1);
	tzset();
	fill();
	test_macros();
	test_every_name();
	test_null_parts();
	test_extra();
	test_errors();
	test_one_line_and_cap();
	order_release(&g_order);
	doc_release(&g_doc);
	return check_done("test_template");
}
