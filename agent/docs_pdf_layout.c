/* SPDX-License-Identifier: Apache-2.0 */
/* agent/docs_pdf_layout.c - where each field of a document goes on the page
 * (docs_pdf_layout(), see docs_pdf.h). A4 portrait, 40 pt margins, one
 * font at three sizes; tables break over pages with their header repeated.
 *
 * The fields are those art. 106e of the VAT act asks of an invoice: dates
 * of issue and sale, number, seller and buyer with NIP, per line name,
 * unit, quantity, unit price, value and rate, per rate net / VAT / gross,
 * the total (also in words), plus payment method, term and account. */
#include "agent/docs_pdf.h"
#include "agent/docs_pdf_labels.h"

#include "base/err.h"
#include "core/words.h"
#include "pdf/pdf.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ML      40.0
#define MR      (PDF_A4_W - 40.0)
#define TOP     (PDF_A4_H - 42.0)
#define BOTTOM  48.0
#define FS      8.0 /* body text */
#define LH      10.5
#define MAXWRAP 24 /* lines one cell may take (a 256-byte name fits) */

struct lay {
	struct pdf *p;
	const struct docs_pdf_input *in;
	const struct docs_pdf_labels *L;
	bool en;
	double y;
};

/* ---- primitives ------------------------------------------------------------ */

static struct pdf_font *fnt(const struct lay *l, int bold)
{
	return bold && l->in->bold ? l->in->bold : l->in->font;
}

static double tw(const struct lay *l, double size, int bold, const char *s)
{
	return pdf_font_width(fnt(l, bold), s, size);
}

static void text(struct lay *l, double x, double y, double size, int bold, const char *s)
{
	pdf_text(l->p, x, y, size, bold, s);
}

static void text_r(struct lay *l, double xr, double y, double size, int bold, const char *s)
{
	pdf_text(l->p, xr - tw(l, size, bold, s), y, size, bold, s);
}

static void new_page(struct lay *l)
{
	pdf_page(l->p);
	l->y = TOP;
}

/* Room for h points below the cursor, else a new page. True on a new page. */
static bool need(struct lay *l, double h)
{
	if (l->y - h >= BOTTOM)
		return false;
	new_page(l);
	return true;
}

/* Break `s` into lines of at most `w` points: at spaces, or inside a word
 * longer than a line. At most `max` lines; the rest of a longer text goes
 * onto the last one (never dropped: it runs past the cell instead). */
static size_t wrap(const struct lay *l, const char *s, double w, double size, int bold,
		   char lines[][256], size_t max)
{
	size_t n = 0;

	while (s && *s == ' ')
		s++;
	while (s && *s && n < max) {
		const char *p = s, *sp = NULL, *end;
		double acc = 0;
		size_t len;
		while (*p) {
			const char *q = p;
			char ch[8];
			unsigned cp = pdf_utf8_next(&q);
			memcpy(ch, p, (size_t)(q - p));
			ch[q - p] = '\0';
			double cw = tw(l, size, bold, ch);
			if (n + 1 < max && acc + cw > w && p > s)
				break;
			if ((size_t)(q - s) >= 255)
				break;
			if (cp == ' ')
				sp = p;
			acc += cw;
			p = q;
		}
		end = *p && sp && sp > s ? sp : p;
		len = (size_t)(end - s);
		memcpy(lines[n], s, len);
		lines[n][len] = '\0';
		n++;
		s = end;
		while (*s == ' ')
			s++;
	}
	return n;
}

/* Wrapped paragraph at x, width w; moves the cursor. */
static void para(struct lay *l, double x, double w, double size, int bold, const char *s)
{
	char lines[MAXWRAP][256];
	size_t n = wrap(l, s, w, size, bold, lines, MAXWRAP);

	for (size_t i = 0; i < n; i++) {
		need(l, size * 1.3);
		text(l, x, l->y - size, size, bold, lines[i]);
		l->y -= size * 1.3;
	}
}

/* "1 234,56" (PL) or "1,234.56" (EN) */
static const char *money(const struct lay *l, int64_t minor, char *out, size_t cap)
{
	uint64_t a = minor < 0 ? (uint64_t)0 - (uint64_t)minor : (uint64_t)minor;
	uint64_t major = a / 100;
	char digits[32], grouped[48];
	size_t n, k = 0;

	n = (size_t)snprintf(digits, sizeof(digits), "%llu", (unsigned long long)major);
	for (size_t i = 0; i < n; i++) {
		if (i && (n - i) % 3 == 0)
			grouped[k++] = l->en ? ',' : ' ';
		grouped[k++] = digits[i];
	}
	grouped[k] = '\0';
	snprintf(out, cap, "%s%s%c%02llu", minor < 0 ? "-" : "", grouped, l->en ? '.' : ',',
		 (unsigned long long)(a % 100));
	return out;
}

/* thousandths, trailing zeros dropped: "2", "1,5", "-0,25" */
static const char *qty(const struct lay *l, int64_t q, char *out, size_t cap)
{
	uint64_t a = q < 0 ? (uint64_t)0 - (uint64_t)q : (uint64_t)q;
	unsigned frac = (unsigned)(a % 1000);
	int digits = 3;

	if (!frac) {
		snprintf(out, cap, "%s%llu", q < 0 ? "-" : "", (unsigned long long)(a / 1000));
		return out;
	}
	while (frac % 10 == 0)
		frac /= 10, digits--;
	snprintf(out, cap, "%s%llu%c%0*u", q < 0 ? "-" : "", (unsigned long long)(a / 1000),
		 l->en ? '.' : ',', digits, frac);
	return out;
}

static const char *rate(enum vat_rate r, char *out, size_t cap)
{
	int pct = vat_rate_percent(r);
	if (r == VAT_23 || r == VAT_8 || r == VAT_5 || r == VAT_0)
		snprintf(out, cap, "%d%%", pct);
	else
		snprintf(out, cap, "%s", vat_rate_name(r));
	return out;
}

/* ---- tables ------------------------------------------------------------------ */

enum { AL_L, AL_R, AL_C };
struct col {
	double w;
	int align;
};
struct table {
	const struct col *cols;
	size_t n;
	const char *const *head;
	double x;
};

static double table_w(const struct table *t)
{
	double w = 0;
	for (size_t i = 0; i < t->n; i++)
		w += t->cols[i].w;
	return w;
}

/* One row: every cell wrapped in its column; a new page (with the header
 * again) when it does not fit. */
static void row(struct lay *l, const struct table *t, const char *const *cells, int bold,
		double shade, bool is_head)
{
	char lines[12][MAXWRAP][256];
	size_t nl[12], most = 1;
	double size = is_head ? 7.0 : FS, lh = is_head ? 8.5 : LH, h, x;

	for (size_t i = 0; i < t->n && i < 12; i++) {
		nl[i] = wrap(l, cells[i] ? cells[i] : "", t->cols[i].w - 4, size, bold, lines[i],
			     MAXWRAP);
		if (nl[i] > most)
			most = nl[i];
	}
	h = (double)most * lh + 4;
	if (need(l, h) && !is_head && t->head) {
		row(l, t, t->head, 1, 0.88, true);
	}
	if (shade >= 0)
		pdf_rect(l->p, t->x, l->y - h, table_w(t), h, shade);
	x = t->x;
	for (size_t i = 0; i < t->n && i < 12; i++) {
		for (size_t k = 0; k < nl[i]; k++) {
			double yy = l->y - 2 - lh * (double)(k + 1) + 2.2;
			if (t->cols[i].align == AL_R)
				text_r(l, x + t->cols[i].w - 2, yy, size, bold, lines[i][k]);
			else if (t->cols[i].align == AL_C)
				text(l, x + (t->cols[i].w - tw(l, size, bold, lines[i][k])) / 2, yy,
				     size, bold, lines[i][k]);
			else
				text(l, x + 2, yy, size, bold, lines[i][k]);
		}
		x += t->cols[i].w;
	}
	l->y -= h;
	pdf_line(l->p, t->x, l->y, t->x + table_w(t), l->y, 0.3);
}

static void heading(struct lay *l, const char *s)
{
	need(l, 30);
	l->y -= 8;
	text(l, ML, l->y - 9, 9.5, 1, s);
	l->y -= 14;
}

static const struct col line_cols[] = {{20, AL_R}, {161, AL_L}, {40, AL_R},
				       {28, AL_C}, {55, AL_R},  {55, AL_R},
				       {34, AL_C}, {55, AL_R},  {67.28, AL_R}};

/* The lines of `d` with net, rate, VAT and gross. */
static void lines_table(struct lay *l, const struct document *d)
{
	const struct docs_pdf_labels *L = l->L;
	const char *head[] = {L->lp,  L->name, L->qty, L->unit, L->price,
			      L->net, "VAT",   L->vat, L->gross};
	struct table t = {line_cols, 9, head, ML};

	row(l, &t, head, 1, 0.88, true);
	for (size_t i = 0; i < d->nlines; i++) {
		const struct doc_line *dl = &d->lines[i];
		char no[16], q[32], p[32], n[32], r[16], v[32], g[32];
		snprintf(no, sizeof(no), "%zu", i + 1);
		const char *cells[] = {no,
				       dl->name,
				       qty(l, dl->qty, q, sizeof(q)),
				       dl->unit,
				       money(l, dl->unit_gross, p, sizeof(p)),
				       money(l, dl->net, n, sizeof(n)),
				       rate(dl->vat, r, sizeof(r)),
				       money(l, dl->tax, v, sizeof(v)),
				       money(l, dl->gross, g, sizeof(g))};
		row(l, &t, cells, 0, -1, false);
	}
}

static const struct col sum_cols[] = {{70, AL_L}, {75, AL_R}, {75, AL_R}, {80, AL_R}};

/* Per-rate net / VAT / gross and the total, right half of the page. */
static void vat_table(struct lay *l, const struct doc_vat_sum *s, size_t n, int64_t net,
		      int64_t tax, int64_t gross, const char *title)
{
	const struct docs_pdf_labels *L = l->L;
	const char *head[] = {L->rate, L->net, L->vat, L->gross};
	struct table t = {sum_cols, 4, head, MR - 300};
	char a[32], b[32], c[32], r[16];

	need(l, 30 + (double)n * LH);
	l->y -= 6;
	if (title) {
		text(l, t.x, l->y - 8, 8, 1, title);
		l->y -= 11;
	}
	row(l, &t, head, 1, 0.88, true);
	for (size_t i = 0; i < n; i++) {
		const char *cells[] = {
		    rate(s[i].vat, r, sizeof(r)), money(l, s[i].net, a, sizeof(a)),
		    money(l, s[i].tax, b, sizeof(b)), money(l, s[i].gross, c, sizeof(c))};
		row(l, &t, cells, 0, -1, false);
	}
	const char *tot[] = {L->total, money(l, net, a, sizeof(a)), money(l, tax, b, sizeof(b)),
			     money(l, gross, c, sizeof(c))};
	row(l, &t, tot, 1, 0.95, false);
}

static void vat_table_doc(struct lay *l, const struct document *d, const char *title)
{
	vat_table(l, d->sums, d->nsums, d->total_net, d->total_tax, d->total_gross, title);
}

/* ---- blocks ------------------------------------------------------------------- */

static void kv(struct lay *l, double x, double y, const char *k, const char *v, double size)
{
	char s[400];
	snprintf(s, sizeof(s), "%s: %s", k, v);
	text(l, x, y, size, 0, s);
}

static void header(struct lay *l)
{
	const struct docs_pdf_input *in = l->in;
	const struct document *d = in->d;
	char t[256];
	double y = TOP;

	if (d->number[0])
		snprintf(t, sizeof(t), "%s %s %s", l->L->title[d->kind], l->L->no, d->number);
	else
		snprintf(t, sizeof(t), "%s", l->L->title[d->kind]);
	pdf_set_title(l->p, t);
	text(l, ML, y - 15, 15, 1, t);
	y -= 20;
	if (d->state == DOC_CANCELLED)
		text(l, ML, y - 10, 10, 1, l->L->cancelled), y -= 13;
	if (d->kind == DOC_RECEIPT || d->kind == DOC_RECEIPT_NIP)
		text(l, ML, y - 8, 8, 1, l->L->receipt_note), y -= 11;
	else if (d->kind == DOC_PROFORMA)
		text(l, ML, y - 8, 8, 1, l->L->proforma_note), y -= 11;
	else if (d->kind == DOC_REFUND)
		text(l, ML, y - 8, 8, 1, l->L->refund_note), y -= 11;
	{
		double ry = TOP - 30 - (y < TOP - 20 ? TOP - 20 - y : 0);
		char s[160];
		snprintf(s, sizeof(s), "%s: %s", l->L->issue_date, d->issue_date);
		text_r(l, MR, ry, FS, 0, s);
		ry -= LH;
		if (d->kind != DOC_WZ && d->sale_date[0]) {
			snprintf(s, sizeof(s), "%s: %s", l->L->sale_date, d->sale_date);
			text_r(l, MR, ry, FS, 0, s);
			ry -= LH;
		}
		if (in->seller->place[0]) {
			snprintf(s, sizeof(s), "%s: %s", l->L->place, in->seller->place);
			text_r(l, MR, ry, FS, 0, s);
			ry -= LH;
		}
		if (d->order_number[0]) {
			snprintf(s, sizeof(s), "%s: %s", l->L->order, d->order_number);
			text_r(l, MR, ry, FS, 0, s);
			ry -= LH;
		}
		if (ry < y)
			y = ry;
	}
	l->y = y - 8;
}

/* Seller left, buyer right (a receipt copy names the buyer only with a NIP). */
static void parties(struct lay *l)
{
	const struct docs_pdf_input *in = l->in;
	const struct docs_pdf_seller *s = in->seller;
	const struct document *d = in->d;
	const struct order *o = in->o;
	double top = l->y, yl, yr;
	char t[300];

	pdf_line(l->p, ML, top, MR, top, 0.5);
	l->y = top - 4;
	text(l, ML, l->y - 9, 9, 1, l->L->seller);
	l->y -= 12;
	para(l, ML, 240, 9, 1, s->name);
	para(l, ML, 240, FS, 0, s->address);
	para(l, ML, 240, FS, 0, s->city);
	snprintf(t, sizeof(t), "%s: %s", l->L->nip, s->nip);
	para(l, ML, 240, FS, 0, t);
	if (s->email[0] || s->phone[0]) {
		snprintf(t, sizeof(t), "%s%s%s", s->email, s->email[0] && s->phone[0] ? ", " : "",
			 s->phone);
		para(l, ML, 240, FS, 0, t);
	}
	yl = l->y;

	l->y = top - 4;
	if (d->kind != DOC_RECEIPT) {
		text(l, 310, l->y - 9, 9, 1, l->L->buyer);
		l->y -= 12;
		para(l, 310, MR - 310, 9, 1, d->buyer_name);
		if (o && o->buyer.billing.street[0]) {
			para(l, 310, MR - 310, FS, 0, o->buyer.billing.street);
			snprintf(
			    t, sizeof(t), "%s %s%s%s", o->buyer.billing.postcode,
			    o->buyer.billing.city,
			    strcmp(o->buyer.billing.country, "PL") && o->buyer.billing.country[0]
				? ", "
				: "",
			    strcmp(o->buyer.billing.country, "PL") ? o->buyer.billing.country : "");
			para(l, 310, MR - 310, FS, 0, t);
		}
		if (d->buyer_nip[0]) {
			snprintf(t, sizeof(t), "%s: %s", l->L->nip, d->buyer_nip);
			para(l, 310, MR - 310, FS, 0, t);
		}
		if (d->kind == DOC_WZ && o && o->delivery.address.street[0]) {
			l->y -= 3;
			snprintf(t, sizeof(t), "%s: %s%s%s, %s %s", l->L->delivery_to,
				 o->delivery.recipient, o->delivery.recipient[0] ? ", " : "",
				 o->delivery.address.street, o->delivery.address.postcode,
				 o->delivery.address.city);
			para(l, 310, MR - 310, FS, 0, t);
		}
	}
	yr = l->y;
	l->y = (yl < yr ? yl : yr) - 8;
}

static const char *pay_name(const struct lay *l, const char *type)
{
	for (size_t i = 0; l->L->pay[i][0]; i++)
		if (strcmp(l->L->pay[i][0], type) == 0)
			return l->L->pay[i][1];
	return type;
}

static void add_days(const char *date, int days, char out[11])
{
	struct tm tm = {0};
	time_t t;

	snprintf(out, 11, "%s", date);
	if (sscanf(date, "%4d-%2d-%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday) != 3)
		return;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	tm.tm_mday += days;
	tm.tm_hour = 12;
	t = timegm(&tm);
	if (gmtime_r(&t, &tm))
		strftime(out, 11, "%Y-%m-%d", &tm);
}

/* "Do zapłaty: 123,45 PLN" and the amount in words. */
static void amount_due(struct lay *l, const char *label, int64_t amount)
{
	char a[32], s[160], w[512], line[640];

	need(l, 40);
	l->y -= 10;
	snprintf(s, sizeof(s), "%s: %s %s", label, money(l, amount, a, sizeof(a)),
		 l->in->d->currency);
	text(l, ML, l->y - 11, 11, 1, s);
	l->y -= 15;
	if (words_amount(w, sizeof(w), amount, l->in->d->currency, l->en ? "en" : "pl") == 0) {
		snprintf(line, sizeof(line), "%s: %s", l->L->in_words, w);
		para(l, ML, MR - ML, FS, 0, line);
	}
}

/* method, paid or term (when `status`), account */
static void payment(struct lay *l, int64_t due, bool status)
{
	const struct docs_pdf_input *in = l->in;
	const struct order *o = in->o;
	double x = ML;
	char s[256], a[32], term[11];

	need(l, 50);
	l->y -= 4;
	if (status && o && o->payment.type[0]) {
		kv(l, x, l->y - FS, l->L->pay_method, pay_name(l, o->payment.type), FS);
		l->y -= LH;
		if (strcmp(o->payment.status, "paid") == 0 || (due > 0 && o->payment.paid >= due)) {
			snprintf(s, sizeof(s), "%s %s", money(l, o->payment.paid, a, sizeof(a)),
				 in->d->currency);
			kv(l, x, l->y - FS, l->L->paid, s, FS);
			l->y -= LH;
		} else if (due > 0) {
			add_days(in->d->issue_date,
				 strcmp(o->payment.type, "cash") == 0 ? 0 : in->payment_days, term);
			kv(l, x, l->y - FS, l->L->pay_term, term, FS);
			l->y -= LH;
		}
	}
	if (in->seller->bank_account[0]) {
		kv(l, x, l->y - FS, l->L->account, in->seller->bank_account, FS);
		l->y -= LH;
		if (in->seller->bank_name[0]) {
			kv(l, x, l->y - FS, l->L->bank, in->seller->bank_name, FS);
			l->y -= LH;
		}
	}
}

static void qr_block(struct lay *l)
{
	const char *link = l->in->kod1;
	const double side = 96;

	if (!link)
		return;
	need(l, side + 40);
	l->y -= 10;
	text(l, ML, l->y - 8, 8, 1, l->L->qr);
	l->y -= 10;
	pdf_qr(l->p, ML, l->y - side, side, link);
	/* no KSeF number yet: the label under KOD I of an invoice not (yet)
	 * accepted by KSeF is OFFLINE */
	text(l, ML + side + 8, l->y - 40, FS, 1, l->L->ksef_offline);
	l->y -= side + 2;
	para(l, ML, MR - ML, 6.5, 0, link);
}

/* ---- kinds -------------------------------------------------------------------- */

/* invoice, proforma, advance, receipt_nip-like sales with prices */
static void sale(struct lay *l)
{
	const struct document *d = l->in->d;
	char s[300];

	lines_table(l, d);
	vat_table_doc(l, d, l->L->vat_summary);
	if (d->kind == DOC_ADVANCE) {
		l->y -= 6;
		snprintf(s, sizeof(s), "%s %s", l->L->advance_note, d->order_number);
		para(l, ML, MR - ML, FS, 0, s);
	}
	amount_due(l, l->L->to_pay, d->total_gross);
	payment(l, d->total_gross, true);
	qr_block(l);
}

/* final: the whole sale, the advance taken off per rate */
static void final(struct lay *l)
{
	const struct document *d = l->in->d, *a = l->in->advance;
	struct doc_vat_sum rem[VAT_RATE_COUNT];
	size_t n = 0;
	char s[300];

	lines_table(l, d);
	vat_table_doc(l, d, l->L->vat_summary);
	if (!a) {
		amount_due(l, l->L->to_pay, d->total_gross);
		payment(l, d->total_gross, true);
		return;
	}
	snprintf(s, sizeof(s), "%s: %s %s %s %s", l->L->advances, l->L->title[DOC_ADVANCE],
		 a->number, l->L->of, a->issue_date);
	vat_table_doc(l, a, s);
	for (size_t i = 0; i < d->nsums; i++) {
		rem[n] = d->sums[i];
		for (size_t k = 0; k < a->nsums; k++)
			if (a->sums[k].vat == d->sums[i].vat) {
				rem[n].net -= a->sums[k].net;
				rem[n].tax -= a->sums[k].tax;
				rem[n].gross -= a->sums[k].gross;
			}
		n++;
	}
	/* a rate only the advance had: all of it taken back */
	for (size_t k = 0; k < a->nsums && n < VAT_RATE_COUNT; k++) {
		bool seen = false;
		for (size_t i = 0; i < d->nsums; i++)
			seen |= d->sums[i].vat == a->sums[k].vat;
		if (!seen) {
			rem[n] = a->sums[k];
			rem[n].net = -rem[n].net, rem[n].tax = -rem[n].tax,
			rem[n].gross = -rem[n].gross;
			n++;
		}
	}
	vat_table(l, rem, n, d->total_net - a->total_net, d->total_tax - a->total_tax,
		  d->total_gross - a->total_gross, l->L->remaining);
	amount_due(l, l->L->to_pay, d->total_gross - a->total_gross);
	payment(l, d->total_gross - a->total_gross, true);
}

/* after = before + the correction's lines matched by SKU and name */
static int corrected(const struct document *orig, const struct document *diff,
		     struct document *after)
{
	doc_init(after);
	after->lines = calloc(orig->nlines + diff->nlines + 1, sizeof(*after->lines));
	if (!after->lines)
		return -PL_ENOMEM;
	for (size_t i = 0; i < orig->nlines; i++)
		after->lines[after->nlines++] = orig->lines[i];
	for (size_t k = 0; k < diff->nlines; k++) {
		const struct doc_line *dl = &diff->lines[k];
		bool hit = false;
		for (size_t i = 0; i < after->nlines && !hit; i++) {
			struct doc_line *al = &after->lines[i];
			if (strcmp(al->sku, dl->sku) == 0 && strcmp(al->name, dl->name) == 0 &&
			    al->vat == dl->vat) {
				al->qty += dl->qty;
				hit = true;
			}
		}
		if (!hit)
			after->lines[after->nlines++] = *dl;
	}
	snprintf(after->currency, sizeof(after->currency), "%s", diff->currency);
	doc_compute_totals(after);
	return 0;
}

static void correction(struct lay *l)
{
	const struct docs_pdf_input *in = l->in;
	const struct document *d = in->d;
	struct document after;
	char s[400];

	if (in->orig) {
		snprintf(s, sizeof(s), "%s: %s %s %s %s", l->L->corrects,
			 in->orig->kind < DOC_KIND_COUNT && l->L->title[in->orig->kind]
			     ? l->L->title[in->orig->kind]
			     : "",
			 in->orig->number, l->L->of, in->orig->issue_date);
		para(l, ML, MR - ML, 9, 1, s);
	}
	snprintf(s, sizeof(s), "%s: %s", l->L->reason,
		 in->reason && in->reason[0] ? in->reason : "-");
	para(l, ML, MR - ML, FS, 0, s);
	if (in->orig) {
		heading(l, l->L->before);
		lines_table(l, in->orig);
		if (corrected(in->orig, d, &after) == 0) {
			heading(l, l->L->after);
			lines_table(l, &after);
		}
		doc_release(&after);
	}
	heading(l, l->L->diff);
	lines_table(l, d);
	vat_table_doc(l, d, l->L->vat_summary);
	if (d->total_gross < 0)
		amount_due(l, l->L->to_refund, -d->total_gross);
	else
		amount_due(l, l->L->to_pay, d->total_gross);
	payment(l, 0, false);
	qr_block(l);
}

static const struct col wz_cols[] = {
    {24, AL_R}, {271.28, AL_L}, {110, AL_L}, {60, AL_R}, {50, AL_C}};

static void wz(struct lay *l)
{
	const struct document *d = l->in->d;
	const char *head[] = {l->L->lp, l->L->name, l->L->sku, l->L->qty, l->L->unit};
	struct table t = {wz_cols, 5, head, ML};

	row(l, &t, head, 1, 0.88, true);
	for (size_t i = 0; i < d->nlines; i++) {
		char no[16], q[32];
		snprintf(no, sizeof(no), "%zu", i + 1);
		const char *cells[] = {no, d->lines[i].name, d->lines[i].sku,
				       qty(l, d->lines[i].qty, q, sizeof(q)), d->lines[i].unit};
		row(l, &t, cells, 0, -1, false);
	}
	need(l, 70);
	l->y -= 50;
	pdf_line(l->p, ML, l->y, ML + 180, l->y, 0.5);
	pdf_line(l->p, MR - 180, l->y, MR, l->y, 0.5);
	text(l, ML, l->y - 10, FS, 0, l->L->issued_by);
	text(l, MR - 180, l->y - 10, FS, 0, l->L->received_by);
	l->y -= 14;
}

static const struct col rc_cols[] = {{24, AL_R}, {226.28, AL_L}, {50, AL_R},
				     {70, AL_R}, {40, AL_C},     {105, AL_R}};

/* receipt copy and refund note: gross prices, PTU per rate */
static void receipt(struct lay *l)
{
	const struct document *d = l->in->d;
	const char *head[] = {l->L->lp, l->L->name, l->L->qty, l->L->price, l->L->ptu, l->L->gross};
	struct table t = {rc_cols, 6, head, ML};
	char s[400];

	if (d->kind == DOC_REFUND && l->in->orig) {
		snprintf(s, sizeof(s), "%s: %s %s %s %s", l->L->corrects,
			 l->L->title[l->in->orig->kind] ? l->L->title[l->in->orig->kind] : "",
			 l->in->orig->number[0] ? l->in->orig->number : l->in->orig->remote_id,
			 l->L->of, l->in->orig->issue_date);
		para(l, ML, MR - ML, FS, 1, s);
		l->y -= 4;
	}
	row(l, &t, head, 1, 0.88, true);
	for (size_t i = 0; i < d->nlines; i++) {
		const struct doc_line *dl = &d->lines[i];
		char no[16], q[32], p[32], r[16], g[32];
		snprintf(no, sizeof(no), "%zu", i + 1);
		const char *cells[] = {no,
				       dl->name,
				       qty(l, dl->qty, q, sizeof(q)),
				       money(l, dl->unit_gross, p, sizeof(p)),
				       rate(dl->vat, r, sizeof(r)),
				       money(l, dl->gross, g, sizeof(g))};
		row(l, &t, cells, 0, -1, false);
	}
	vat_table_doc(l, d, l->L->vat_summary);
	if (d->kind == DOC_REFUND)
		amount_due(l, l->L->to_refund,
			   d->total_gross < 0 ? -d->total_gross : d->total_gross);
	else
		amount_due(l, l->L->sum, d->total_gross);
	if (d->kind != DOC_REFUND)
		payment(l, 0, true);
}

int docs_pdf_layout(const struct docs_pdf_input *in, struct buf *out)
{
	struct lay l = {0};
	int rc;

	if (!in || !in->d || !in->seller || !in->font || !in->lang || !out)
		return -PL_EINVAL;
	l.L = docs_pdf_labels(in->lang);
	l.en = strcmp(in->lang, "en") == 0;
	if (!l.L)
		return -PL_EINVAL;
	if ((unsigned)in->d->kind >= DOC_KIND_COUNT || !l.L->title[in->d->kind])
		return -PL_EINVAL;
	rc = pdf_new(&l.p, in->font, in->bold);
	if (rc)
		return rc;
	l.in = in;
	new_page(&l);
	header(&l);
	parties(&l);
	switch (in->d->kind) {
	case DOC_FINAL:
		final(&l);
		break;
	case DOC_CORRECTION:
		correction(&l);
		break;
	case DOC_WZ:
		wz(&l);
		break;
	case DOC_RECEIPT:
	case DOC_RECEIPT_NIP:
	case DOC_REFUND:
		receipt(&l);
		break;
	default:
		sale(&l);
	}
	rc = pdf_finish(l.p, out);
	pdf_free(l.p);
	return rc;
}
