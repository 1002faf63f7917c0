/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/test_document.c - documents from orders: lines, the delivery
 * line, per-rate VAT sums by the method of core/money.h (checked against
 * figures computed by hand), buyer data per kind, dates in local time. */
#include "base/err.h"
#include "core/document.h"
#include "tests/unit/check.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static void add(struct order *o, const char *name, int64_t qty, int64_t price, enum vat_rate r)
{
	struct order_line l;

	memset(&l, 0, sizeof(l));
	snprintf(l.name, sizeof(l.name), "%s", name);
	snprintf(l.sku, sizeof(l.sku), "SKU-%zu", o->nlines + 1);
	snprintf(l.unit, sizeof(l.unit), "%s", "szt");
	l.qty = qty;
	l.unit_price = price;
	l.vat = r;
	if (order_add_line(o, &l) != 0)
		abort();
}

/* A multi-rate order:
 *   Kubek          2 x 39.99 @23%  = 79.98
 *   Album          1 x 89.90 @5%   = 89.90
 *   Herbata        3 x 24.99 @5%   = 74.97
 *   Orzechy     1.25 x 19.99 @8%   = 24.9875 -> 24.99
 *   Książka zw     1 x 30.00 @zw   = 30.00
 *   delivery          8.99 @23%
 * By hand, VAT per rate from the gross sum, half up:
 *   23%: 79.98 + 8.99 = 88.97; 8897*23/123 = 1663.68.. -> 16.64; net 72.33
 *    8%: 24.99;                2499*8/108  =  185.11.. ->  1.85; net 23.14
 *    5%: 89.90 + 74.97 = 164.87; 16487*5/105 = 785.09.. -> 7.85; net 157.02
 *    zw: 30.00; VAT 0; net 30.00
 *   totals: gross 308.83, VAT 26.34, net 282.49 */
static void make_order(struct order *o)
{
	order_init(o);
	o->id = 77;
	strcpy(o->source, "shop");
	strcpy(o->ext_id, "10042");
	strcpy(o->number, "ZK/2026/10042");
	strcpy(o->status, "paid");
	strcpy(o->currency, "PLN");
	strcpy(o->buyer.name, "Katarzyna Wójcik");
	strcpy(o->buyer.company, "Pracownia Ceramiki Żuraw sp. z o.o.");
	strcpy(o->buyer.nip, "5261048273");
	add(o, "Kubek", 2000, 3999, VAT_23);
	add(o, "Album", 1000, 8990, VAT_5);
	add(o, "Herbata", 3000, 2499, VAT_5);
	add(o, "Orzechy", 1250, 1999, VAT_8);
	add(o, "Książka", 1000, 3000, VAT_ZW);
	o->delivery.cost = 899;
	o->delivery.cost_vat = VAT_23;
	o->total = order_computed_total(o);
}

static const struct doc_vat_sum *sum_of(const struct document *d, enum vat_rate r)
{
	for (size_t i = 0; i < d->nsums; i++)
		if (d->sums[i].vat == r)
			return &d->sums[i];
	return NULL;
}

static void test_multi_rate(void)
{
	struct order o;
	struct document d;
	const struct doc_vat_sum *s;

	make_order(&o);
	CHECK_INT(o.total, 30883);
	doc_init(&d);
	CHECK_OK(doc_from_order(&d, &o, DOC_INVOICE, 1795428900));
	CHECK_INT(d.kind, DOC_INVOICE);
	CHECK_INT(d.state, DOC_PENDING);
	CHECK_STR(d.number, "");
	CHECK_INT(d.order_id, 77);
	CHECK_STR(d.order_number, "ZK/2026/10042");
	CHECK_STR(d.currency, "PLN");
	CHECK_STR(d.buyer_name, "Pracownia Ceramiki Żuraw sp. z o.o.");
	CHECK_STR(d.buyer_nip, "5261048273");
	CHECK_INT(d.nlines, 6);
	CHECK_STR(d.lines[3].name, "Orzechy");
	CHECK_INT(d.lines[3].qty, 1250);
	CHECK_INT(d.lines[3].gross, 2499);
	CHECK_STR(d.lines[5].name, "Dostawa");
	CHECK_INT(d.lines[5].qty, 1000);
	CHECK_INT(d.lines[5].unit_gross, 899);
	CHECK_INT(d.lines[5].vat, VAT_23);

	/* rates in enum order: 23, 8, 5, zw */
	CHECK_INT(d.nsums, 4);
	CHECK_INT(d.sums[0].vat, VAT_23);
	CHECK_INT(d.sums[1].vat, VAT_8);
	CHECK_INT(d.sums[2].vat, VAT_5);
	CHECK_INT(d.sums[3].vat, VAT_ZW);
	s = sum_of(&d, VAT_23);
	CHECK(s && s->gross == 8897 && s->tax == 1664 && s->net == 7233);
	s = sum_of(&d, VAT_8);
	CHECK(s && s->gross == 2499 && s->tax == 185 && s->net == 2314);
	s = sum_of(&d, VAT_5);
	CHECK(s && s->gross == 16487 && s->tax == 785 && s->net == 15702);
	s = sum_of(&d, VAT_ZW);
	CHECK(s && s->gross == 3000 && s->tax == 0 && s->net == 3000);
	CHECK(sum_of(&d, VAT_0) == NULL);
	CHECK_INT(d.total_gross, 30883);
	CHECK_INT(d.total_tax, 1664 + 185 + 785);
	CHECK_INT(d.total_net, 30883 - 2634);
	CHECK_INT(d.total_gross, o.total); /* the document matches the order */

	/* a receipt carries no NIP; receipt_nip does */
	CHECK_OK(doc_from_order(&d, &o, DOC_RECEIPT, 1795428900));
	CHECK_STR(d.buyer_nip, "");
	CHECK_INT(d.total_gross, 30883);
	CHECK_OK(doc_from_order(&d, &o, DOC_RECEIPT_NIP, 1795428900));
	CHECK_STR(d.buyer_nip, "5261048273");
	/* consumer: name, not company */
	o.buyer.company[0] = '\0';
	o.buyer.nip[0] = '\0';
	CHECK_OK(doc_from_order(&d, &o, DOC_RECEIPT, 1795428900));
	CHECK_STR(d.buyer_name, "Katarzyna Wójcik");

	/* a correction reverses the whole order */
	CHECK_OK(doc_from_order(&d, &o, DOC_CORRECTION, 1795428900));
	CHECK_INT(d.lines[0].qty, -2000);
	CHECK_INT(d.lines[5].qty, -1000);
	CHECK_INT(d.total_gross, -30883);
	CHECK_INT(d.total_tax, -2634);
	s = sum_of(&d, VAT_23);
	CHECK(s && s->gross == -8897 && s->tax == -1664);

	CHECK_INT(doc_from_order(&d, &o, (enum doc_kind)99, 0), -PL_EINVAL);
	doc_release(&d);
	order_release(&o);
}

/* The VAT of a rate is taken from the SUM of its gross values, not summed per
 * line: three lines of 0.03 at 23% have 0.01 VAT each when rounded per line
 * (0.0056 -> 0.01), but 0.09 x 23/123 = 0.0168 -> 0.02 for the rate. */
static void test_sum_not_lines(void)
{
	struct order o;
	struct document d;

	order_init(&o);
	strcpy(o.currency, "PLN");
	for (int i = 0; i < 3; i++)
		add(&o, "Naklejka", 1000, 3, VAT_23);
	doc_init(&d);
	CHECK_OK(doc_from_order(&d, &o, DOC_RECEIPT, 0));
	CHECK_INT(d.nlines, 3); /* no delivery line: delivery costs nothing */
	CHECK_INT(d.lines[0].tax, 1);
	CHECK_INT(d.nsums, 1);
	CHECK_INT(d.sums[0].gross, 9);
	CHECK_INT(d.sums[0].tax, 2);
	CHECK_INT(d.sums[0].net, 7);
	CHECK_INT(d.total_tax, 2);

	/* editing lines then recomputing */
	d.lines[0].qty = 10000;
	doc_compute_totals(&d);
	CHECK_INT(d.total_gross, 36);
	CHECK_INT(d.sums[0].tax, 7); /* 36*23/123 = 6.73 -> 7 */
	doc_release(&d);
	CHECK(d.lines == NULL && d.nlines == 0);
	order_release(&o);
}

static void test_dates(void)
{
	struct order o;
	struct document d;

	/* 2026-11-23T23:45:00Z is already the 24th in Warsaw (UTC+1 in November) */
	setenv("TZ", "Europe/Warsaw", 1);
	tzset();
	order_init(&o);
	add(&o, "Kubek", 1000, 100, VAT_23);
	doc_init(&d);
	CHECK_OK(doc_from_order(&d, &o, DOC_INVOICE, 1795429800 + 13 * 3600 + 15 * 60));
	CHECK_STR(d.issue_date, "2026-11-24");
	CHECK_STR(d.sale_date, "2026-11-24");
	CHECK_INT(d.created, 1795429800 + 13 * 3600 + 15 * 60);
	setenv("TZ", "UTC", 1);
	tzset();
	CHECK_OK(doc_from_order(&d, &o, DOC_INVOICE, 1795429800 + 13 * 3600 + 15 * 60));
	CHECK_STR(d.issue_date, "2026-11-23");
	doc_release(&d);
	order_release(&o);
}

static void test_names(void)
{
	static const char *const kinds[] = {"none",     "receipt", "receipt_nip", "invoice",
					    "proforma", "advance", "final",       "correction",
					    "wz",       "refund"};
	static const char *const states[] = {"pending", "issued", "cancelled", "failed"};
	enum doc_kind k;
	enum doc_state s;

	for (int i = 0; i < DOC_KIND_COUNT; i++) {
		CHECK_STR(doc_kind_name((enum doc_kind)i), kinds[i]);
		CHECK_OK(doc_kind_parse(kinds[i], &k));
		CHECK_INT(k, i);
	}
	for (int i = 0; i < DOC_STATE_COUNT; i++) {
		CHECK_STR(doc_state_name((enum doc_state)i), states[i]);
		CHECK_OK(doc_state_parse(states[i], &s));
		CHECK_INT(s, i);
	}
	CHECK_INT(doc_kind_parse("faktura", &k), -PL_EINVAL);
	CHECK_INT(doc_kind_parse(NULL, &k), -PL_EINVAL);
	CHECK_INT(doc_state_parse("Issued", &s), -PL_EINVAL);
	CHECK_STR(doc_kind_name((enum doc_kind)42), "?");
	CHECK_STR(doc_state_name((enum doc_state)42), "?");
}

int main(void)
{
	test_multi_rate();
	test_sum_not_lines();
	test_dates();
	test_names();
	return check_done("test_document");
}
