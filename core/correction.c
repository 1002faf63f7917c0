/* SPDX-License-Identifier: Apache-2.0 */
/* core/correction.c - corrections by line and quantity (core/correction.h). */
#include "core/correction.h"

#include "base/clock.h"
#include "base/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void correction_init(struct correction *c)
{
	memset(c, 0, sizeof(*c));
	doc_init(&c->doc);
}

void correction_release(struct correction *c)
{
	doc_release(&c->doc);
	free(c->lines);
	correction_init(c);
}

static int fail(char *err, size_t errsize, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errsize, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err && errsize) {
		va_start(ap, fmt);
		vsnprintf(err, errsize, fmt, ap);
		va_end(ap);
	}
	return rc;
}

/* Quantity as text for messages: 3000 -> "3", 1250 -> "1.25". */
static const char *qty_text(int64_t q, char *buf, size_t size)
{
	int64_t a = q < 0 ? -q : q;
	int64_t frac = a % 1000;

	if (frac == 0) {
		snprintf(buf, size, "%s%lld", q < 0 ? "-" : "", (long long)(a / 1000));
	} else {
		char f[8];
		snprintf(f, sizeof(f), "%03lld", (long long)frac);
		for (int i = 2; i > 0 && f[i] == '0'; i--)
			f[i] = '\0';
		snprintf(buf, size, "%s%lld.%s", q < 0 ? "-" : "", (long long)(a / 1000), f);
	}
	return buf;
}

static bool same_line(const struct doc_line *a, const struct doc_line *b)
{
	return strcmp(a->name, b->name) == 0 && strcmp(a->sku, b->sku) == 0 &&
	       a->unit_gross == b->unit_gross && a->vat == b->vat;
}

static bool counts(const struct document *d)
{
	return d->state == DOC_PENDING || d->state == DOC_ISSUED;
}

static bool is_correction(enum doc_kind k)
{
	return k == DOC_CORRECTION || k == DOC_REFUND;
}

int correction_left(const struct document *orig, const struct document *prior, size_t nprior,
		    int64_t *left, char *err, size_t errsize)
{
	char q1[32], q2[32];

	for (size_t i = 0; i < orig->nlines; i++)
		left[i] = orig->lines[i].qty;
	for (size_t k = 0; k < nprior; k++) {
		const struct document *p = &prior[k];
		if (!counts(p))
			continue;
		if (p->corrects_id != orig->id)
			return fail(err, errsize, -PL_EINVAL,
				    "%s does not correct %s (it corrects document id %lld)",
				    p->number[0] ? p->number : "a prior correction", orig->number,
				    (long long)p->corrects_id);
		for (size_t j = 0; j < p->nlines; j++) {
			const struct doc_line *pl = &p->lines[j];
			/* a correction line is negative: it takes back -qty */
			int64_t back = -pl->qty;
			bool matched = false;

			if (back < 0)
				return fail(err, errsize, -PL_EINVAL,
					    "%s line %zu '%.64s' adds goods (%s): not a return",
					    p->number, j + 1, pl->name,
					    qty_text(pl->qty, q1, sizeof(q1)));
			/* identical lines are used up in document order */
			for (size_t i = 0; i < orig->nlines && back > 0; i++) {
				int64_t t;
				if (!same_line(&orig->lines[i], pl))
					continue;
				matched = true;
				t = back < left[i] ? back : left[i];
				left[i] -= t;
				back -= t;
			}
			if (!matched)
				return fail(err, errsize, -PL_EINVAL,
					    "%s line %zu '%.64s' is not a line of %s", p->number,
					    j + 1, pl->name, orig->number);
			if (back > 0)
				return fail(err, errsize, -PL_EINVAL,
					    "%s takes back %s more of '%.64s' than %s left (%s "
					    "issued)",
					    p->number, qty_text(back, q1, sizeof(q1)), pl->name,
					    orig->number, qty_text(-pl->qty, q2, sizeof(q2)));
		}
	}
	return 0;
}

/* Per-rate gross sums of a state, then VAT on each sum (core/money.h). */
static void rate_sums(const int64_t *gross, const bool *used, struct doc_vat_sum *out, size_t *n,
		      int64_t *total)
{
	*n = 0;
	*total = 0;
	for (int r = 0; r < VAT_RATE_COUNT; r++) {
		struct doc_vat_sum *s;
		if (!used[r])
			continue;
		s = &out[(*n)++];
		s->vat = (enum vat_rate)r;
		s->gross = gross[r];
		s->tax = money_vat_from_gross(gross[r], (enum vat_rate)r);
		s->net = s->gross - s->tax;
		*total += s->gross;
	}
}

static const struct doc_vat_sum *find_sum(const struct doc_vat_sum *v, size_t n, enum vat_rate r)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].vat == r)
			return &v[i];
	return NULL;
}

int correction_build(const struct document *orig, const struct document *prior, size_t nprior,
		     const int64_t *take, size_t ntake, int64_t now, struct correction *out,
		     char *err, size_t errsize)
{
	int64_t *left = NULL;
	int64_t gb[VAT_RATE_COUNT] = {0}, ga[VAT_RATE_COUNT] = {0};
	bool used[VAT_RATE_COUNT] = {false};
	size_t nchanged = 0, k = 0;
	struct document *d;
	char q1[32], q2[32], q3[32], q4[32];
	int rc, y, m, day;

	correction_release(out);
	if (is_correction(orig->kind))
		return fail(err, errsize, -PL_EINVAL,
			    "%s is itself a %s: correct the original document, not the correction",
			    orig->number, doc_kind_name(orig->kind));
	if (orig->kind == DOC_NONE || orig->kind == DOC_PROFORMA)
		return fail(err, errsize, -PL_EINVAL, "a %s is not corrected",
			    doc_kind_name(orig->kind));
	if (ntake != orig->nlines || (orig->nlines && !orig->lines))
		return fail(err, errsize, -PL_EINVAL,
			    "%zu quantities given for the %zu lines of %s", ntake, orig->nlines,
			    orig->number);
	left = calloc(orig->nlines ? orig->nlines : 1, sizeof(*left));
	if (!left)
		return -PL_ENOMEM;
	rc = correction_left(orig, prior, nprior, left, err, errsize);
	if (rc)
		goto out;
	for (size_t i = 0; i < orig->nlines; i++) {
		const struct doc_line *l = &orig->lines[i];
		if (take[i] < 0) {
			rc = fail(err, errsize, -PL_EINVAL, "line %zu '%.64s': negative return %s",
				  i + 1, l->name, qty_text(take[i], q1, sizeof(q1)));
			goto out;
		}
		if (take[i] > left[i]) {
			rc = fail(err, errsize, -PL_EINVAL,
				  "line %zu '%.64s': return of %s is more than the %s left (%s on "
				  "%s, %s returned before)",
				  i + 1, l->name, qty_text(take[i], q1, sizeof(q1)),
				  qty_text(left[i], q2, sizeof(q2)),
				  qty_text(l->qty, q3, sizeof(q3)), orig->number,
				  qty_text(l->qty - left[i], q4, sizeof(q4)));
			goto out;
		}
		if (take[i] > 0)
			nchanged++;
	}
	if (nchanged == 0) {
		rc =
		    fail(err, errsize, -PL_ENOTFOUND, "nothing to take back from %s", orig->number);
		goto out;
	}

	d = &out->doc;
	out->lines = calloc(nchanged, sizeof(*out->lines));
	d->lines = calloc(nchanged, sizeof(*d->lines));
	if (!out->lines || !d->lines) {
		rc = -PL_ENOMEM;
		goto out;
	}
	d->kind = DOC_CORRECTION;
	d->state = DOC_PENDING;
	d->corrects_id = orig->id;
	d->order_id = orig->order_id;
	memcpy(d->currency, orig->currency, sizeof(d->currency));
	memcpy(d->order_number, orig->order_number, sizeof(d->order_number));
	memcpy(d->buyer_name, orig->buyer_name, sizeof(d->buyer_name));
	memcpy(d->buyer_nip, orig->buyer_nip, sizeof(d->buyer_nip));
	out->to_zero = true;
	for (size_t i = 0; i < orig->nlines; i++) {
		const struct doc_line *l = &orig->lines[i];
		int64_t before = left[i], after = left[i] - take[i];
		int64_t gbl = money_line_gross(l->unit_gross, before);
		int64_t gal = money_line_gross(l->unit_gross, after);

		if ((unsigned)l->vat >= VAT_RATE_COUNT) {
			rc = fail(err, errsize, -PL_EINVAL, "line %zu '%.64s' has no VAT rate",
				  i + 1, l->name);
			goto out;
		}
		gb[l->vat] += gbl;
		ga[l->vat] += gal;
		used[l->vat] = true;
		out->to_zero = out->to_zero && after == 0;
		if (take[i] == 0)
			continue;
		out->lines[k] = (struct correction_line){.pos = i,
							 .qty_before = before,
							 .qty_after = after,
							 .gross_before = gbl,
							 .gross_after = gal};
		d->lines[k] = *l;
		d->lines[k].qty = -take[i];
		/* the line's value is the change of its value, so the lines add
		 * up to the totals even where thousandths round */
		d->lines[k].gross = gal - gbl;
		d->lines[k].tax =
		    money_vat_from_gross(gal, l->vat) - money_vat_from_gross(gbl, l->vat);
		d->lines[k].net = d->lines[k].gross - d->lines[k].tax;
		k++;
	}
	d->nlines = nchanged;
	rate_sums(gb, used, out->before, &out->nbefore, &out->before_gross);
	rate_sums(ga, used, out->after, &out->nafter, &out->after_gross);
	d->nsums = 0;
	for (size_t i = 0; i < out->nbefore; i++) {
		const struct doc_vat_sum *b = &out->before[i];
		const struct doc_vat_sum *a = find_sum(out->after, out->nafter, b->vat);
		struct doc_vat_sum *s = &d->sums[d->nsums];

		s->vat = b->vat;
		s->gross = a->gross - b->gross;
		s->tax = a->tax - b->tax;
		s->net = a->net - b->net;
		if (s->gross == 0 && s->tax == 0)
			continue; /* a rate the correction does not touch */
		d->nsums++;
		d->total_net += s->net;
		d->total_tax += s->tax;
		d->total_gross += s->gross;
	}
	pl_local_date(now, &y, &m, &day);
	snprintf(d->issue_date, sizeof(d->issue_date), "%04u-%02u-%02u", (unsigned)y % 10000u,
		 (unsigned)m % 100u, (unsigned)day % 100u);
	memcpy(d->sale_date, orig->sale_date[0] ? orig->sale_date : d->issue_date,
	       sizeof(d->sale_date));
	d->created = now;
	rc = 0;
out:
	if (rc)
		correction_release(out);
	free(left);
	return rc;
}

bool order_has_returns(const struct order *o)
{
	if (o->delivery.refunded)
		return true;
	for (size_t i = 0; i < o->nlines; i++)
		if (o->lines[i].returned > 0)
			return true;
	return false;
}

int correction_take_from_order(const struct document *orig, const struct document *prior,
			       size_t nprior, const struct order *o, bool whole, int64_t *take,
			       char *err, size_t errsize)
{
	size_t nexp = o->nlines + (o->delivery.cost > 0 ? 1 : 0);
	char q1[32], q2[32];
	int rc;

	rc = correction_left(orig, prior, nprior, take, err, errsize);
	if (rc)
		return rc;
	/* take[] now holds what is left */
	if (whole || !order_has_returns(o))
		return 0;
	if (nexp != orig->nlines)
		return fail(err, errsize, -PL_EINVAL,
			    "order %s has %zu lines but %s has %zu: returns by line need the "
			    "lines as issued",
			    o->number, nexp, orig->number, orig->nlines);
	for (size_t i = 0; i < orig->nlines; i++) {
		const struct doc_line *l = &orig->lines[i];
		int64_t taken = l->qty - take[i];
		int64_t want;

		if (i < o->nlines) {
			if (strcmp(o->lines[i].name, l->name) != 0 ||
			    strcmp(o->lines[i].sku, l->sku) != 0)
				return fail(err, errsize, -PL_EINVAL,
					    "order %s line %zu '%.64s' is not line %zu '%.64s' of "
					    "%s",
					    o->number, i + 1, o->lines[i].name, i + 1, l->name,
					    orig->number);
			want = o->lines[i].returned;
		} else {
			want = o->delivery.refunded ? l->qty : 0; /* the delivery line */
		}
		if (want < taken)
			return fail(err, errsize, -PL_EINVAL,
				    "line %zu '%.64s': the order says %s returned but %s were "
				    "already corrected",
				    i + 1, l->name, qty_text(want, q1, sizeof(q1)),
				    qty_text(taken, q2, sizeof(q2)));
		take[i] = want - taken;
	}
	return 0;
}
