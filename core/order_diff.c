/* SPDX-License-Identifier: Apache-2.0 */
/* core/order_diff.c - changes of an order's saleable content (core/order_diff.h). */
#include "core/order_diff.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* A bounded text that ends in "..." when it did not fit. */
struct out {
	char *p;
	size_t size, n;
	bool cut;
};

static void put(struct out *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct out *w, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (w->cut || w->size == 0)
		return;
	va_start(ap, fmt);
	k = vsnprintf(w->p + w->n, w->size - w->n, fmt, ap);
	va_end(ap);
	if (k < 0 || (size_t)k >= w->size - w->n) {
		w->cut = true;
		if (w->size >= 4)
			memcpy(w->p + w->size - 4, "...", 4);
		return;
	}
	w->n += (size_t)k;
}

static void sep(struct out *w)
{
	if (w->n)
		put(w, "; ");
}

static const char *qty(int64_t q, char *buf, size_t size)
{
	if (q % 1000 == 0)
		snprintf(buf, size, "%lld", (long long)(q / 1000));
	else
		snprintf(buf, size, "%lld.%03lld", (long long)(q / 1000),
			 (long long)((q < 0 ? -q : q) % 1000));
	return buf;
}

static bool line_same(const struct order_line *a, const struct order_line *b)
{
	return strcmp(a->sku, b->sku) == 0 && strcmp(a->name, b->name) == 0 && a->qty == b->qty &&
	       strcmp(a->unit, b->unit) == 0 && a->unit_price == b->unit_price && a->vat == b->vat;
}

bool order_content_changed(const struct order *a, const struct order *b)
{
	if (strcmp(a->currency, b->currency) != 0 || a->total != b->total ||
	    a->nlines != b->nlines || a->delivery.cost != b->delivery.cost ||
	    (a->delivery.cost > 0 && a->delivery.cost_vat != b->delivery.cost_vat))
		return true;
	for (size_t i = 0; i < a->nlines; i++)
		if (!line_same(&a->lines[i], &b->lines[i]))
			return true;
	return false;
}

char *order_content_diff(const struct order *a, const struct order *b, char *out, size_t size)
{
	struct out w = {.p = out, .size = size};
	size_t n = a->nlines > b->nlines ? a->nlines : b->nlines;
	char x[32], y[32];

	if (size)
		out[0] = '\0';
	if (strcmp(a->currency, b->currency) != 0) {
		sep(&w);
		put(&w, "currency %s->%s", a->currency, b->currency);
	}
	for (size_t i = 0; i < n; i++) {
		const struct order_line *la = i < a->nlines ? &a->lines[i] : NULL;
		const struct order_line *lb = i < b->nlines ? &b->lines[i] : NULL;
		if (!lb) {
			sep(&w);
			put(&w, "line %zu removed (%.32s %.48s x%s)", i + 1, la->sku, la->name,
			    qty(la->qty, x, sizeof(x)));
			continue;
		}
		if (!la) {
			sep(&w);
			put(&w, "line %zu added (%.32s %.48s x%s)", i + 1, lb->sku, lb->name,
			    qty(lb->qty, x, sizeof(x)));
			continue;
		}
		if (strcmp(la->sku, lb->sku) != 0 || strcmp(la->name, lb->name) != 0) {
			sep(&w);
			put(&w, "line %zu is now %.32s %.48s (was %.32s %.48s)", i + 1, lb->sku,
			    lb->name, la->sku, la->name);
		}
		if (la->qty != lb->qty) {
			sep(&w);
			put(&w, "line %zu qty %s->%s", i + 1, qty(la->qty, x, sizeof(x)),
			    qty(lb->qty, y, sizeof(y)));
		}
		if (strcmp(la->unit, lb->unit) != 0) {
			sep(&w);
			put(&w, "line %zu unit %s->%s", i + 1, la->unit, lb->unit);
		}
		if (la->unit_price != lb->unit_price) {
			sep(&w);
			put(&w, "line %zu price %s->%s", i + 1,
			    money_format(la->unit_price, x, sizeof(x)),
			    money_format(lb->unit_price, y, sizeof(y)));
		}
		if (la->vat != lb->vat) {
			sep(&w);
			put(&w, "line %zu VAT %s->%s", i + 1, vat_rate_name(la->vat),
			    vat_rate_name(lb->vat));
		}
	}
	if (a->delivery.cost != b->delivery.cost) {
		sep(&w);
		put(&w, "delivery %s->%s", money_format(a->delivery.cost, x, sizeof(x)),
		    money_format(b->delivery.cost, y, sizeof(y)));
	} else if (a->delivery.cost > 0 && a->delivery.cost_vat != b->delivery.cost_vat) {
		sep(&w);
		put(&w, "delivery VAT %s->%s", vat_rate_name(a->delivery.cost_vat),
		    vat_rate_name(b->delivery.cost_vat));
	}
	if (a->total != b->total) {
		sep(&w);
		put(&w, "total %s->%s", money_format(a->total, x, sizeof(x)),
		    money_format(b->total, y, sizeof(y)));
	}
	return out;
}

char *order_content_summary(const struct order *o, char *out, size_t size)
{
	struct out w = {.p = out, .size = size};
	char x[32], y[32];

	if (size)
		out[0] = '\0';
	for (size_t i = 0; i < o->nlines; i++) {
		const struct order_line *l = &o->lines[i];
		sep(&w);
		put(&w, "%.32s x%s @%s %s", l->sku[0] ? l->sku : l->name, qty(l->qty, x, sizeof(x)),
		    money_format(l->unit_price, y, sizeof(y)), vat_rate_name(l->vat));
	}
	if (o->delivery.cost > 0) {
		sep(&w);
		put(&w, "delivery %s %s", money_format(o->delivery.cost, x, sizeof(x)),
		    vat_rate_name(o->delivery.cost_vat));
	}
	sep(&w);
	put(&w, "total %s %s", money_format(o->total, x, sizeof(x)), o->currency);
	return out;
}
