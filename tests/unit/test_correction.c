/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/test_correction.c - corrections by line and quantity
 * (core/correction.h): figures checked by hand from the example order
 * ZK/2026/10042 (examples/orders/01-company-nip-invoice.json), repeated
 * partial returns, over-returns refused naming the line, shipping, several
 * VAT rates, rounding over a series, and no correction of a correction. */
#include "base/err.h"
#include "core/correction.h"
#include "tests/unit/check.h"

#include <stdlib.h>
#include <string.h>

static void add(struct order *o, const char *sku, const char *name, int64_t qty, int64_t price,
		enum vat_rate r)
{
	struct order_line l;

	memset(&l, 0, sizeof(l));
	snprintf(l.name, sizeof(l.name), "%s", name);
	snprintf(l.sku, sizeof(l.sku), "%s", sku);
	snprintf(l.unit, sizeof(l.unit), "%s", "szt");
	l.qty = qty;
	l.unit_price = price;
	l.vat = r;
	if (order_add_line(o, &l) != 0)
		abort();
}

/* ZK/2026/10042 as in examples/orders/01-company-nip-invoice.json:
 *   GL-5KG  Glina kamionkowa biała 5 kg   4 x 42.99 @23% = 171.96
 *   SZKL-TR Szkliwo transparentne 500 ml  2 x 36.50 @23% =  73.00
 *   Dostawa (dpd)                          1 x 19.90 @23% =  19.90
 *   gross 264.86; VAT 26486*23/123 = 4952.67 -> 49.53; net 215.33 */
static void make_10042(struct order *o)
{
	order_init(o);
	o->id = 7;
	strcpy(o->number, "ZK/2026/10042");
	strcpy(o->currency, "PLN");
	strcpy(o->buyer.company, "Pracownia Ceramiki Żuraw sp. z o.o.");
	strcpy(o->buyer.nip, "5261048273");
	add(o, "GL-5KG", "Glina kamionkowa biała 5 kg", 4000, 4299, VAT_23);
	add(o, "SZKL-TR", "Szkliwo transparentne 500 ml", 2000, 3650, VAT_23);
	o->delivery.cost = 1990;
	o->delivery.cost_vat = VAT_23;
	o->total = order_computed_total(o);
}

static void make_invoice(struct document *d, const struct order *o, int64_t id)
{
	doc_init(d);
	if (doc_from_order(d, o, DOC_INVOICE, 1795428900) != 0)
		abort();
	d->id = id;
	d->state = DOC_ISSUED;
	strcpy(d->number, "FV/2026/0001");
}

/* Keep a built correction as an issued prior document. */
static void keep(struct correction *c, struct document *prior, const char *number, int64_t id)
{
	*prior = c->doc;
	prior->id = id;
	prior->state = DOC_ISSUED;
	snprintf(prior->number, sizeof(prior->number), "%s", number);
	c->doc.lines = NULL; /* ownership moves to prior */
	c->doc.nlines = 0;
	correction_release(c);
}

static void test_partial_3_of_4(void)
{
	struct order o;
	struct document inv, prior[2];
	struct correction c;
	char err[CORRECTION_ERR_MAX] = "";
	int64_t take[3] = {3000, 0, 0};

	make_10042(&o);
	make_invoice(&inv, &o, 11);
	CHECK_INT(inv.total_gross, 26486);
	CHECK_INT(inv.total_tax, 4953);
	correction_init(&c);
	CHECK_OK(correction_build(&inv, NULL, 0, take, 3, 1795515300, &c, err, sizeof(err)));
	/* 3 x 42.99 = 128.97 back, not the whole 264.86.
	 * after: 42.99 + 73.00 + 19.90 = 135.89; VAT 13589*23/123 = 2541.03 -> 25.41
	 * VAT difference 25.41 - 49.53 = -24.12; net 110.48 - 215.33 = -104.85 */
	CHECK_INT(c.doc.total_gross, -12897);
	CHECK_INT(c.doc.total_tax, -2412);
	CHECK_INT(c.doc.total_net, -10485);
	CHECK_INT(c.doc.kind, DOC_CORRECTION);
	CHECK_INT(c.doc.corrects_id, 11);
	CHECK_INT(c.doc.nlines, 1);
	CHECK_STR(c.doc.lines[0].sku, "GL-5KG");
	CHECK_INT(c.doc.lines[0].qty, -3000);
	CHECK_INT(c.doc.lines[0].gross, -12897);
	CHECK_INT(c.lines[0].pos, 0);
	CHECK_INT(c.lines[0].qty_before, 4000);
	CHECK_INT(c.lines[0].qty_after, 1000);
	CHECK_INT(c.lines[0].gross_before, 17196);
	CHECK_INT(c.lines[0].gross_after, 4299);
	CHECK_INT(c.before_gross, 26486);
	CHECK_INT(c.after_gross, 13589);
	CHECK_INT(c.doc.nsums, 1);
	CHECK_INT(c.doc.sums[0].vat, VAT_23);
	CHECK_INT(c.doc.sums[0].tax, -2412);
	CHECK(!c.to_zero);
	CHECK_STR(c.doc.currency, "PLN");
	CHECK_STR(c.doc.order_number, "ZK/2026/10042");
	CHECK_STR(c.doc.buyer_nip, "5261048273");
	CHECK_STR(c.doc.issue_date, "2026-11-24");
	CHECK_STR(c.doc.sale_date, inv.sale_date);
	keep(&c, &prior[0], "KOR/2026/0001", 12);

	/* more than is left: 1 is left of GL-5KG, the error names the line */
	take[0] = 2000;
	CHECK_INT(correction_build(&inv, prior, 1, take, 3, 1795515300, &c, err, sizeof(err)),
		  -PL_EINVAL);
	CHECK_STR(err, "line 1 'Glina kamionkowa biała 5 kg': return of 2 is more than the 1 "
		       "left (4 on FV/2026/0001, 3 returned before)");
	CHECK(c.doc.lines == NULL && c.lines == NULL);

	/* the second partial return takes everything left, shipping included:
	 * the two corrections add up to the invoice exactly */
	take[0] = 1000;
	take[1] = 2000;
	take[2] = 1000;
	CHECK_OK(correction_build(&inv, prior, 1, take, 3, 1795515300, &c, err, sizeof(err)));
	CHECK_INT(c.doc.total_gross, -13589);
	CHECK_INT(c.doc.total_tax, -2541);
	CHECK_INT(c.doc.nlines, 3);
	CHECK_STR(c.doc.lines[2].name, "Dostawa");
	CHECK_INT(c.doc.lines[2].gross, -1990);
	CHECK_INT(c.lines[0].qty_before, 1000);
	CHECK(c.to_zero);
	CHECK_INT(c.doc.total_gross + prior[0].total_gross, -inv.total_gross);
	CHECK_INT(c.doc.total_tax + prior[0].total_tax, -inv.total_tax);
	CHECK_INT(c.doc.total_net + prior[0].total_net, -inv.total_net);
	keep(&c, &prior[1], "KOR/2026/0002", 13);

	/* nothing left: nothing to take back */
	take[0] = take[1] = take[2] = 0;
	CHECK_INT(correction_build(&inv, prior, 2, take, 3, 1795515300, &c, err, sizeof(err)),
		  -PL_ENOTFOUND);
	take[2] = 1000;
	CHECK_INT(correction_build(&inv, prior, 2, take, 3, 1795515300, &c, err, sizeof(err)),
		  -PL_EINVAL);
	CHECK(strstr(err, "line 3 'Dostawa'") != NULL);

	/* a cancelled prior correction does not count */
	prior[1].state = DOC_CANCELLED;
	CHECK_OK(correction_build(&inv, prior, 2, take, 3, 1795515300, &c, err, sizeof(err)));
	CHECK_INT(c.doc.total_gross, -1990);
	correction_release(&c);

	doc_release(&prior[0]);
	doc_release(&prior[1]);
	doc_release(&inv);
	order_release(&o);
}

static void test_correction_of_correction(void)
{
	struct order o;
	struct document inv;
	struct correction c;
	char err[CORRECTION_ERR_MAX] = "";
	int64_t take[3] = {1000, 0, 0};
	struct document kor;

	make_10042(&o);
	make_invoice(&inv, &o, 11);
	correction_init(&c);
	CHECK_OK(correction_build(&inv, NULL, 0, take, 3, 1795515300, &c, err, sizeof(err)));
	keep(&c, &kor, "KOR/2026/0001", 12);
	CHECK_INT(correction_build(&kor, NULL, 0, take, 1, 1795515300, &c, err, sizeof(err)),
		  -PL_EINVAL);
	CHECK_STR(err, "KOR/2026/0001 is itself a correction: correct the original document, "
		       "not the correction");
	kor.kind = DOC_REFUND;
	CHECK_INT(correction_build(&kor, NULL, 0, take, 1, 1795515300, &c, err, sizeof(err)),
		  -PL_EINVAL);
	/* a prior "correction" of another document is refused */
	kor.kind = DOC_CORRECTION;
	kor.corrects_id = 99;
	CHECK_INT(correction_build(&inv, &kor, 1, take, 3, 1795515300, &c, err, sizeof(err)),
		  -PL_EINVAL);
	CHECK(strstr(err, "does not correct FV/2026/0001") != NULL);
	/* wrong number of quantities, negative quantities */
	CHECK_INT(correction_build(&inv, NULL, 0, take, 2, 1795515300, &c, err, sizeof(err)),
		  -PL_EINVAL);
	take[0] = -1000;
	CHECK_INT(correction_build(&inv, NULL, 0, take, 3, 1795515300, &c, err, sizeof(err)),
		  -PL_EINVAL);
	CHECK(strstr(err, "negative") != NULL);
	doc_release(&kor);
	doc_release(&inv);
	order_release(&o);
}

/* Several rates: 1 Kubek (23%), 1 Herbata (5%) and the shipping back.
 *   before 23%: 2x39.99 + 8.99 = 88.97 -> VAT 8897*23/123 = 1663.68 -> 16.64
 *          5%: 89.90 + 3x24.99 = 164.87 -> 16487*5/105 = 785.09 -> 7.85
 *   after  23%: 39.99 -> 3999*23/123 = 747.78 -> 7.48; net 32.51
 *          5%: 89.90 + 2x24.99 = 139.88 -> 13988*5/105 = 666.10 -> 6.66
 *   difference 23%: gross -48.98, VAT -9.16, net -39.82
 *              5%: gross -24.99, VAT -1.19, net -23.80
 *   8% and zw untouched: no sum */
static void test_multi_rate(void)
{
	struct order o;
	struct document inv;
	struct correction c;
	char err[CORRECTION_ERR_MAX] = "";
	int64_t take[6] = {1000, 0, 1000, 0, 0, 1000};

	order_init(&o);
	strcpy(o.number, "ZK/2026/2");
	strcpy(o.currency, "PLN");
	add(&o, "K", "Kubek", 2000, 3999, VAT_23);
	add(&o, "A", "Album", 1000, 8990, VAT_5);
	add(&o, "H", "Herbata", 3000, 2499, VAT_5);
	add(&o, "O", "Orzechy", 1250, 1999, VAT_8);
	add(&o, "B", "Książka", 1000, 3000, VAT_ZW);
	o.delivery.cost = 899;
	o.delivery.cost_vat = VAT_23;
	make_invoice(&inv, &o, 5);
	correction_init(&c);
	CHECK_OK(correction_build(&inv, NULL, 0, take, 6, 1795515300, &c, err, sizeof(err)));
	CHECK_INT(c.doc.nsums, 2);
	CHECK_INT(c.doc.sums[0].vat, VAT_23);
	CHECK_INT(c.doc.sums[0].gross, -4898);
	CHECK_INT(c.doc.sums[0].tax, -916);
	CHECK_INT(c.doc.sums[0].net, -3982);
	CHECK_INT(c.doc.sums[1].vat, VAT_5);
	CHECK_INT(c.doc.sums[1].gross, -2499);
	CHECK_INT(c.doc.sums[1].tax, -119);
	CHECK_INT(c.doc.sums[1].net, -2380);
	CHECK_INT(c.doc.total_gross, -7397);
	CHECK_INT(c.doc.total_tax, -1035);
	CHECK_INT(c.doc.total_net, -6362);
	CHECK_INT(c.nbefore, 4);
	CHECK_INT(c.doc.nlines, 3);
	correction_release(&c);

	/* a fraction of a weighed line: 0.5 of 1.25 kg at 19.99 @8%
	 * before 1.25 x 19.99 = 24.9875 -> 24.99, after 0.75 x 19.99 = 14.9925 -> 14.99 */
	memset(take, 0, sizeof(take));
	take[3] = 500;
	CHECK_OK(correction_build(&inv, NULL, 0, take, 6, 1795515300, &c, err, sizeof(err)));
	CHECK_INT(c.doc.total_gross, -1000);
	CHECK_INT(c.lines[0].gross_before, 2499);
	CHECK_INT(c.lines[0].gross_after, 1499);
	correction_release(&c);
	take[3] = 1251;
	CHECK_INT(correction_build(&inv, NULL, 0, take, 6, 1795515300, &c, err, sizeof(err)),
		  -PL_EINVAL);
	CHECK(strstr(err, "line 4 'Orzechy': return of 1.251 is more than the 1.25 left") != NULL);
	doc_release(&inv);
	order_release(&o);
}

/* 3 x 1.06 @23%: VAT of 3.18 is 318*23/123 = 59.46 -> 0.59, while VAT of
 * each 1.06 is 19.82 -> 0.20. Three single returns taken as after - before
 * (40 - 59, 20 - 40, 0 - 20) give back exactly 0.59, not 0.60. */
static void test_rounding_series(void)
{
	struct order o;
	struct document inv, prior[3];
	struct correction c;
	char err[CORRECTION_ERR_MAX] = "";
	int64_t take[1] = {1000};
	int64_t tax = 0;

	order_init(&o);
	strcpy(o.number, "ZK/2026/3");
	strcpy(o.currency, "PLN");
	add(&o, "X", "Drobiazg", 3000, 106, VAT_23);
	make_invoice(&inv, &o, 9);
	CHECK_INT(inv.total_tax, 59);
	correction_init(&c);
	for (int i = 0; i < 3; i++) {
		char num[32];
		CHECK_OK(correction_build(&inv, prior, (size_t)i, take, 1, 1795515300, &c, err,
					  sizeof(err)));
		tax += c.doc.total_tax;
		snprintf(num, sizeof(num), "KOR/2026/%04d", i + 1);
		CHECK(c.to_zero == (i == 2));
		keep(&c, &prior[i], num, 20 + i);
	}
	CHECK_INT(prior[0].total_tax, -19);
	CHECK_INT(prior[1].total_tax, -20);
	CHECK_INT(tax, -59);
	for (int i = 0; i < 3; i++)
		doc_release(&prior[i]);
	doc_release(&inv);
	order_release(&o);
}

static void test_take_from_order(void)
{
	struct order o;
	struct document inv, prior;
	struct correction c;
	char err[CORRECTION_ERR_MAX] = "";
	int64_t take[3];

	make_10042(&o);
	make_invoice(&inv, &o, 11);
	/* no returned quantities: a whole return takes everything */
	CHECK(!order_has_returns(&o));
	CHECK_OK(correction_take_from_order(&inv, NULL, 0, &o, false, take, err, sizeof(err)));
	CHECK_INT(take[0], 4000);
	CHECK_INT(take[1], 2000);
	CHECK_INT(take[2], 1000);
	/* 3 returned */
	o.lines[0].returned = 3000;
	CHECK(order_has_returns(&o));
	CHECK_OK(correction_take_from_order(&inv, NULL, 0, &o, false, take, err, sizeof(err)));
	CHECK_INT(take[0], 3000);
	CHECK_INT(take[1], 0);
	CHECK_INT(take[2], 0);
	correction_init(&c);
	CHECK_OK(correction_build(&inv, NULL, 0, take, 3, 1795515300, &c, err, sizeof(err)));
	CHECK_INT(c.doc.total_gross, -12897);
	keep(&c, &prior, "KOR/2026/0001", 12);
	/* the same order again: nothing new */
	CHECK_OK(correction_take_from_order(&inv, &prior, 1, &o, false, take, err, sizeof(err)));
	CHECK_INT(take[0], 0);
	CHECK_INT(take[1], 0);
	CHECK_INT(take[2], 0);
	/* cumulative: 4 and 1 returned and the shipping refunded -> 1, 1, 1 more */
	o.lines[0].returned = 4000;
	o.lines[1].returned = 1000;
	o.delivery.refunded = true;
	CHECK_OK(correction_take_from_order(&inv, &prior, 1, &o, false, take, err, sizeof(err)));
	CHECK_INT(take[0], 1000);
	CHECK_INT(take[1], 1000);
	CHECK_INT(take[2], 1000);
	/* cancelled (whole): what is left */
	CHECK_OK(correction_take_from_order(&inv, &prior, 1, &o, true, take, err, sizeof(err)));
	CHECK_INT(take[0], 1000);
	CHECK_INT(take[1], 2000);
	CHECK_INT(take[2], 1000);
	/* fewer returned than already corrected */
	o.lines[0].returned = 2000;
	CHECK_INT(correction_take_from_order(&inv, &prior, 1, &o, false, take, err, sizeof(err)),
		  -PL_EINVAL);
	CHECK_STR(err, "line 1 'Glina kamionkowa biała 5 kg': the order says 2 returned but 3 "
		       "were already corrected");
	/* the order's lines no longer those of the invoice */
	o.lines[0].returned = 4000;
	strcpy(o.lines[1].sku, "OTHER");
	CHECK_INT(correction_take_from_order(&inv, &prior, 1, &o, false, take, err, sizeof(err)),
		  -PL_EINVAL);
	CHECK(strstr(err, "line 2") != NULL);
	doc_release(&prior);
	doc_release(&inv);
	order_release(&o);
}

int main(void)
{
	test_partial_3_of_4();
	test_correction_of_correction();
	test_multi_rate();
	test_rounding_series();
	test_take_from_order();
	return check_done("test_correction");
}
