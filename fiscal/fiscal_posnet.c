/* SPDX-License-Identifier: Apache-2.0 */
/* fiscal/fiscal_posnet.c - the POSNET implementation of fiscal_dev.h: maps the neutral model onto posnet_dev. */
#include "fiscal/fiscal_posnet.h"
#include "base/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fiscal_posnet {
	struct fiscal_dev base;
	struct posnet_dev *pd;
	/* a failure found here (mapping the neutral model), not by the driver */
	char msg[320];
	bool own_msg;
};

static struct fiscal_posnet *fp_of(struct fiscal_dev *d)
{
	return (struct fiscal_posnet *)d;
}

static int fp_fail(struct fiscal_posnet *f, int rc, const char *what)
{
	snprintf(f->msg, sizeof(f->msg), "%s", what);
	f->own_msg = true;
	return rc;
}

static void fp_close(struct fiscal_dev *d)
{
	struct fiscal_posnet *f = fp_of(d);

	posnet_dev_close(f->pd);
	free(f);
}

static int fp_status(struct fiscal_dev *d, struct fiscal_status *st)
{
	struct fiscal_posnet *f = fp_of(d);
	struct posnet_status ps;
	int rc;

	f->own_msg = false;
	memset(st, 0, sizeof(*st));
	rc = posnet_preflight(f->pd, &ps);
	/* a refusal of the pre-flight is a state that was read, not a failure */
	if (rc < 0 && rc != -PL_EDEVICE && rc != -PL_ESTATE)
		return rc;
	st->ready = rc == 0;
	st->document_open = ps.ts != 0 || ps.tl > 0;
	snprintf(st->serial, sizeof(st->serial), "%s", ps.nu);
	return 0;
}

static int fp_counters(struct fiscal_dev *d, struct fiscal_counters *c)
{
	struct fiscal_posnet *f = fp_of(d);
	struct posnet_counters pc;
	int rc;

	f->own_msg = false;
	memset(c, 0, sizeof(*c));
	rc = posnet_read_counters(f->pd, &pc);
	if (rc < 0)
		return rc;
	snprintf(c->serial, sizeof(c->serial), "%s", pc.nu);
	c->receipts = pc.bn;
	c->last_receipt = pc.bt;
	c->cancelled = pc.bc;
	c->daily_reports = pc.rd;
	c->last_document = pc.di;
	return 0;
}

/* Neutral line -> POSNET line; -PL_EINVAL when a text does not fit. */
static int fp_line(struct fiscal_posnet *f, size_t i, const struct fiscal_line *in,
		   struct posnet_line *out)
{
	char what[96];

	memset(out, 0, sizeof(*out));
	if (!in->name || strlen(in->name) >= sizeof(out->name) ||
	    (in->unit && strlen(in->unit) >= sizeof(out->unit))) {
		snprintf(what, sizeof(what), "line %zu: no name, or a name or unit too long",
			 i + 1);
		return fp_fail(f, -PL_EINVAL, what);
	}
	snprintf(out->name, sizeof(out->name), "%s", in->name);
	snprintf(out->unit, sizeof(out->unit), "%s", in->unit ? in->unit : "");
	out->vat = in->vat;
	out->price = in->price;
	out->qty = in->qty;
	out->value = in->value;
	return 0;
}

static int fp_print_receipt(struct fiscal_dev *d, const struct fiscal_receipt *r,
			    enum fiscal_stage *stage)
{
	struct fiscal_posnet *f = fp_of(d);
	struct posnet_receipt pr;
	enum posnet_stage ps = POSNET_STAGE_NOTHING;
	int rc = 0;

	f->own_msg = false;
	*stage = FISCAL_STAGE_NOTHING;
	posnet_receipt_init(&pr);
	for (size_t i = 0; i < r->nlines; i++) {
		struct posnet_line l;

		rc = fp_line(f, i, &r->lines[i], &l);
		if (rc < 0)
			goto out;
		rc = posnet_receipt_add_line(&pr, &l);
		if (rc < 0) {
			rc = fp_fail(f, -PL_EINVAL, "too many lines for one receipt");
			goto out;
		}
	}
	if (r->buyer_nip && strlen(r->buyer_nip) >= sizeof(pr.nip)) {
		rc = fp_fail(f, -PL_EINVAL, "buyer NIP too long");
		goto out;
	}
	snprintf(pr.nip, sizeof(pr.nip), "%s", r->buyer_nip ? r->buyer_nip : "");
	if (r->order_number && strlen(r->order_number) >= sizeof(pr.order_number)) {
		rc = fp_fail(f, -PL_EINVAL, "order number too long");
		goto out;
	}
	snprintf(pr.order_number, sizeof(pr.order_number), "%s",
		 r->order_number ? r->order_number : "");
	if (posnet_payment_map(r->payment_type ? r->payment_type : "other", &pr.pay_type,
			       pr.pay_name, sizeof(pr.pay_name)) < 0) {
		rc = fp_fail(f, -PL_EINVAL, "unknown payment type");
		goto out;
	}
	pr.total = r->total;
	rc = posnet_receipt_send(f->pd, &pr, &ps);
	*stage = ps == POSNET_STAGE_DONE     ? FISCAL_STAGE_DONE
		 : ps == POSNET_STAGE_FISCAL ? FISCAL_STAGE_FISCAL
		 : ps == POSNET_STAGE_OPEN   ? FISCAL_STAGE_OPEN
					     : FISCAL_STAGE_NOTHING;
out:
	posnet_receipt_release(&pr);
	return rc;
}

static int fp_cancel(struct fiscal_dev *d)
{
	fp_of(d)->own_msg = false;
	return posnet_cancel(fp_of(d)->pd);
}

static int fp_goods_return(struct fiscal_dev *d, const struct fiscal_line *lines, size_t n,
			   int64_t *amount)
{
	struct fiscal_posnet *f = fp_of(d);
	struct posnet_line *pl;
	int rc = 0;

	f->own_msg = false;
	if (n == 0 || n > 500)
		return fp_fail(f, -PL_EINVAL, "goods return: 1 to 500 lines");
	pl = calloc(n, sizeof(*pl));
	if (!pl)
		return -PL_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		rc = fp_line(f, i, &lines[i], &pl[i]);
		if (rc < 0)
			goto out;
	}
	rc = posnet_goods_return(f->pd, pl, n, amount);
out:
	free(pl);
	return rc;
}

static int fp_daily_report(struct fiscal_dev *d, const char *date)
{
	fp_of(d)->own_msg = false;
	return posnet_daily_report(fp_of(d)->pd, date, NULL);
}

static int fp_last_document(struct fiscal_dev *d, long long *docno)
{
	struct fiscal_counters c;
	int rc = fp_counters(d, &c);

	if (rc == 0)
		*docno = c.last_document;
	return rc;
}

static const char *fp_last_message(const struct fiscal_dev *d)
{
	const struct fiscal_posnet *f = (const struct fiscal_posnet *)d;

	return f->own_msg ? f->msg : posnet_dev_last_message(f->pd);
}

const struct fiscal_dev_ops fiscal_posnet_ops = {
    .name = "posnet",
    .close = fp_close,
    .status = fp_status,
    .counters = fp_counters,
    .print_receipt = fp_print_receipt,
    .cancel = fp_cancel,
    .goods_return = fp_goods_return,
    .daily_report = fp_daily_report,
    .last_document = fp_last_document,
    .last_message = fp_last_message,
};

int fiscal_posnet_wrap(struct fiscal_dev **out, struct posnet_dev *pd)
{
	struct fiscal_posnet *f;

	if (!out || !pd) {
		posnet_dev_close(pd);
		return -PL_EINVAL;
	}
	f = calloc(1, sizeof(*f));
	if (!f) {
		posnet_dev_close(pd);
		return -PL_ENOMEM;
	}
	f->base.ops = &fiscal_posnet_ops;
	f->pd = pd;
	*out = &f->base;
	return 0;
}

int fiscal_posnet_open(struct fiscal_dev **out, const struct posnet_cfg *cfg)
{
	struct posnet_dev *pd = NULL;
	int rc = posnet_dev_open(&pd, cfg);

	if (rc < 0)
		return rc;
	return fiscal_posnet_wrap(out, pd);
}

struct posnet_dev *fiscal_posnet_dev(struct fiscal_dev *d)
{
	return d && d->ops == &fiscal_posnet_ops ? fp_of(d)->pd : NULL;
}
