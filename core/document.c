/* SPDX-License-Identifier: Apache-2.0 */
/* core/document.c - documents built from orders, with the VAT method of
 * core/money.h: per rate, VAT is taken from the sum of gross values. */
#include "core/document.h"

#include "base/clock.h"
#include "base/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[DOC_KIND_COUNT] = {
    [DOC_NONE] = "none",       [DOC_RECEIPT] = "receipt",       [DOC_RECEIPT_NIP] = "receipt_nip",
    [DOC_INVOICE] = "invoice", [DOC_PROFORMA] = "proforma",     [DOC_ADVANCE] = "advance",
    [DOC_FINAL] = "final",     [DOC_CORRECTION] = "correction", [DOC_WZ] = "wz",
    [DOC_REFUND] = "refund",
};

static const char *const state_names[DOC_STATE_COUNT] = {
    [DOC_PENDING] = "pending",
    [DOC_ISSUED] = "issued",
    [DOC_CANCELLED] = "cancelled",
    [DOC_FAILED] = "failed",
};

const char *doc_kind_name(enum doc_kind k)
{
	return (unsigned)k < DOC_KIND_COUNT ? kind_names[k] : "?";
}

int doc_kind_parse(const char *s, enum doc_kind *out)
{
	for (int k = 0; s && k < DOC_KIND_COUNT; k++) {
		if (strcmp(s, kind_names[k]) == 0) {
			*out = (enum doc_kind)k;
			return 0;
		}
	}
	return -PL_EINVAL;
}

const char *doc_state_name(enum doc_state s)
{
	return (unsigned)s < DOC_STATE_COUNT ? state_names[s] : "?";
}

int doc_state_parse(const char *s, enum doc_state *out)
{
	for (int k = 0; s && k < DOC_STATE_COUNT; k++) {
		if (strcmp(s, state_names[k]) == 0) {
			*out = (enum doc_state)k;
			return 0;
		}
	}
	return -PL_EINVAL;
}

void doc_init(struct document *d)
{
	memset(d, 0, sizeof(*d));
}

void doc_release(struct document *d)
{
	free(d->lines);
	doc_init(d);
}

void doc_compute_totals(struct document *d)
{
	int64_t gross[VAT_RATE_COUNT] = {0};
	bool used[VAT_RATE_COUNT] = {false};

	d->nsums = 0;
	d->total_net = d->total_tax = d->total_gross = 0;
	for (size_t i = 0; i < d->nlines; i++) {
		struct doc_line *l = &d->lines[i];
		/* shown per line, computed the same way; the per-rate sums below are
		 * the authoritative figures (money.h) */
		l->gross = money_line_gross(l->unit_gross, l->qty);
		l->tax = money_vat_from_gross(l->gross, l->vat);
		l->net = l->gross - l->tax;
		if ((unsigned)l->vat < VAT_RATE_COUNT) {
			gross[l->vat] += l->gross;
			used[l->vat] = true;
		}
	}
	/* rates in enum order (23, 8, 5, 0, zw, np, oo): the order of the PTU
	 * table on a receipt and of the VAT summary on an invoice */
	for (int r = 0; r < VAT_RATE_COUNT; r++) {
		struct doc_vat_sum *s;
		if (!used[r])
			continue;
		s = &d->sums[d->nsums++];
		s->vat = (enum vat_rate)r;
		s->gross = gross[r];
		s->tax = money_vat_from_gross(gross[r], (enum vat_rate)r);
		s->net = s->gross - s->tax;
		d->total_net += s->net;
		d->total_tax += s->tax;
		d->total_gross += s->gross;
	}
}

static void copy_str(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src);
}

int doc_from_order(struct document *d, const struct order *o, enum doc_kind kind, int64_t now)
{
	size_t n = o->nlines + (o->delivery.cost > 0 ? 1 : 0);
	struct doc_line *lines;
	int y, m, day;
	/* a correction built from an order reverses all of it (the order was
	 * cancelled or returned whole); partial corrections edit the lines */
	int sign = kind == DOC_CORRECTION ? -1 : 1;

	if ((unsigned)kind >= DOC_KIND_COUNT)
		return -PL_EINVAL;
	lines = n ? calloc(n, sizeof(*lines)) : NULL;
	if (n && !lines)
		return -PL_ENOMEM;
	doc_release(d);
	d->kind = kind;
	d->state = DOC_PENDING;
	copy_str(d->currency, sizeof(d->currency), o->currency);
	d->order_id = o->id;
	copy_str(d->order_number, sizeof(d->order_number), o->number);
	/* the document names the party that pays: the company when there is one */
	copy_str(d->buyer_name, sizeof(d->buyer_name),
		 o->buyer.company[0] ? o->buyer.company : o->buyer.name);
	/* a plain receipt must not carry a NIP (that is what receipt_nip is for) */
	if (kind != DOC_RECEIPT && kind != DOC_NONE)
		copy_str(d->buyer_nip, sizeof(d->buyer_nip), o->buyer.nip);
	for (size_t i = 0; i < o->nlines; i++) {
		const struct order_line *ol = &o->lines[i];
		struct doc_line *l = &lines[i];
		copy_str(l->name, sizeof(l->name), ol->name);
		copy_str(l->sku, sizeof(l->sku), ol->sku);
		l->qty = sign * ol->qty;
		copy_str(l->unit, sizeof(l->unit), ol->unit[0] ? ol->unit : "szt");
		l->unit_gross = ol->unit_price;
		l->vat = ol->vat;
	}
	if (o->delivery.cost > 0) {
		struct doc_line *l = &lines[o->nlines];
		/* one fixed name: a POSNET printer ties a name to its PTU rate, and
		 * the same name at two rates would be refused */
		copy_str(l->name, sizeof(l->name), "Dostawa");
		l->qty = sign * 1000;
		copy_str(l->unit, sizeof(l->unit), "szt");
		l->unit_gross = o->delivery.cost;
		l->vat = o->delivery.cost_vat;
	}
	d->lines = lines;
	d->nlines = n;
	pl_local_date(now, &y, &m, &day);
	/* unsigned operands bound every field, so the date always fits 10 chars */
	snprintf(d->issue_date, sizeof(d->issue_date), "%04u-%02u-%02u", (unsigned)y % 10000u,
		 (unsigned)m % 100u, (unsigned)day % 100u);
	memcpy(d->sale_date, d->issue_date, sizeof(d->sale_date));
	d->created = now;
	doc_compute_totals(d);
	/* what the buyer already paid for the order counts for its sale
	 * document; a correction's refund is paid out separately (docs pay) */
	if (kind != DOC_CORRECTION && kind != DOC_REFUND && o->payment.paid > 0 &&
	    d->total_gross > 0)
		d->amount_paid =
		    o->payment.paid < d->total_gross ? o->payment.paid : d->total_gross;
	return 0;
}
