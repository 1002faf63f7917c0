/* SPDX-License-Identifier: Apache-2.0 */
/* effects/receipt.c - fiscal receipts as a journal effect (receipt.h).
 *
 * Layout: the receipt content as JSON (journalled with the SENDING
 * evidence, and carried in the request by direct calls); the counters as
 * JSON; the decision table; the effect's slots (prepare, perform, lookup,
 * release); the direct calls.
 */
#include "effects/receipt.h"
#include "base/err.h"
#include "base/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Print attempts one claim may make (a reprint after "not printed" is one). */
#define RX_MAX_TRIES 3

struct rx {
	struct posnet_receipt r;
	struct posnet_counters before;
	bool have_before;
	struct order o;
	struct document d;
};

int receipt_resource(const char *printer, char *out, size_t cap)
{
	int n = snprintf(out, cap, "printer:%s", printer);
	return n < 0 || (size_t)n >= cap ? -PL_ETOOBIG : 0;
}

int receipt_job_key(const struct order *o, char *out, size_t cap)
{
	return journal_key(out, cap, "receipt", o, NULL);
}

/* --- JSON ------------------------------------------------------------------- */

static const char *adj_name(enum posnet_adj a)
{
	return a == POSNET_ADJ_DISCOUNT ? "discount" : a == POSNET_ADJ_MARKUP ? "markup" : "none";
}

static enum posnet_adj adj_parse(const char *s)
{
	if (strcmp(s, "discount") == 0)
		return POSNET_ADJ_DISCOUNT;
	if (strcmp(s, "markup") == 0)
		return POSNET_ADJ_MARKUP;
	return POSNET_ADJ_NONE;
}

static cJSON *content_json(const struct posnet_receipt *r)
{
	cJSON *rc = cJSON_CreateObject(), *lines;

	if (!rc)
		return NULL;
	cJSON_AddStringToObject(rc, "nip", r->nip);
	cJSON_AddNumberToObject(rc, "total", (double)r->total);
	cJSON_AddNumberToObject(rc, "pay_type", r->pay_type);
	cJSON_AddStringToObject(rc, "pay_name", r->pay_name);
	cJSON_AddStringToObject(rc, "order_number", r->order_number);
	cJSON_AddStringToObject(rc, "sub_adj", adj_name(r->sub_adj));
	cJSON_AddNumberToObject(rc, "sub_adj_amount", (double)r->sub_adj_amount);
	cJSON_AddStringToObject(rc, "sub_adj_name", r->sub_adj_name);
	lines = cJSON_AddArrayToObject(rc, "lines");
	for (size_t i = 0; lines && i < r->nlines; i++) {
		const struct posnet_line *l = &r->lines[i];
		cJSON *jl = cJSON_CreateObject();

		if (!jl)
			break;
		cJSON_AddItemToArray(lines, jl);
		cJSON_AddStringToObject(jl, "name", l->name);
		cJSON_AddStringToObject(jl, "vat", vat_rate_name(l->vat));
		cJSON_AddNumberToObject(jl, "price", (double)l->price);
		cJSON_AddNumberToObject(jl, "qty", (double)l->qty);
		cJSON_AddNumberToObject(jl, "value", (double)l->value);
		cJSON_AddStringToObject(jl, "unit", l->unit);
		if (l->storno)
			cJSON_AddBoolToObject(jl, "storno", 1);
		if (l->adj != POSNET_ADJ_NONE) {
			cJSON_AddStringToObject(jl, "adj", adj_name(l->adj));
			cJSON_AddNumberToObject(jl, "adj_amount", (double)l->adj_amount);
			cJSON_AddStringToObject(jl, "adj_name", l->adj_name);
		}
	}
	return rc;
}

static int content_parse(const cJSON *rc, struct posnet_receipt *r)
{
	const cJSON *lines = cJSON_GetObjectItemCaseSensitive(rc, "lines"), *jl;
	char buf[16];

	posnet_receipt_init(r);
	if (!cJSON_IsArray(lines))
		return -PL_EINVAL;
	journal_json_str(rc, "nip", r->nip, sizeof(r->nip));
	r->total = journal_json_int(rc, "total", 0);
	r->pay_type = (int)journal_json_int(rc, "pay_type", 6);
	journal_json_str(rc, "pay_name", r->pay_name, sizeof(r->pay_name));
	journal_json_str(rc, "order_number", r->order_number, sizeof(r->order_number));
	journal_json_str(rc, "sub_adj", buf, sizeof(buf));
	r->sub_adj = adj_parse(buf);
	r->sub_adj_amount = journal_json_int(rc, "sub_adj_amount", 0);
	journal_json_str(rc, "sub_adj_name", r->sub_adj_name, sizeof(r->sub_adj_name));
	cJSON_ArrayForEach(jl, lines)
	{
		struct posnet_line l;

		memset(&l, 0, sizeof(l));
		journal_json_str(jl, "name", l.name, sizeof(l.name));
		journal_json_str(jl, "vat", buf, sizeof(buf));
		if (vat_rate_parse(buf, &l.vat) < 0)
			goto bad;
		l.price = journal_json_int(jl, "price", 0);
		l.qty = journal_json_int(jl, "qty", 0);
		l.value = journal_json_int(jl, "value", 0);
		journal_json_str(jl, "unit", l.unit, sizeof(l.unit));
		l.storno = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(jl, "storno"));
		journal_json_str(jl, "adj", buf, sizeof(buf));
		l.adj = adj_parse(buf);
		l.adj_amount = journal_json_int(jl, "adj_amount", 0);
		journal_json_str(jl, "adj_name", l.adj_name, sizeof(l.adj_name));
		if (posnet_receipt_add_line(r, &l) < 0)
			goto bad;
	}
	return 0;
bad:
	posnet_receipt_release(r);
	return -PL_EINVAL;
}

void receipt_counters_add(cJSON *parent, const char *name, const struct posnet_counters *c)
{
	cJSON *o = cJSON_AddObjectToObject(parent, name);

	if (!o)
		return;
	cJSON_AddStringToObject(o, "nu", c->nu);
	cJSON_AddNumberToObject(o, "rd", (double)c->rd);
	cJSON_AddNumberToObject(o, "bn", (double)c->bn);
	cJSON_AddNumberToObject(o, "bt", (double)c->bt);
	cJSON_AddNumberToObject(o, "bc", (double)c->bc);
	cJSON_AddNumberToObject(o, "hn", (double)c->hn);
	cJSON_AddNumberToObject(o, "di", (double)c->di);
}

bool receipt_counters_parse(const cJSON *o, struct posnet_counters *c)
{
	if (!cJSON_IsObject(o))
		return false;
	memset(c, 0, sizeof(*c));
	journal_json_str(o, "nu", c->nu, sizeof(c->nu));
	c->rd = journal_json_int(o, "rd", -1);
	c->bn = journal_json_int(o, "bn", -1);
	c->bt = journal_json_int(o, "bt", -1);
	c->bc = journal_json_int(o, "bc", -1);
	c->hn = journal_json_int(o, "hn", -1);
	c->di = journal_json_int(o, "di", -1);
	return c->rd >= 0 && c->bn >= 0;
}

static void receipt_key(const struct posnet_counters *c, char *out, size_t cap)
{
	/* the receipt belongs to the day that daily report number rd+1 will close */
	snprintf(out, cap, "%s/%lld/%lld/%lld", c->nu, c->rd + 1, c->bt, c->di);
}

/* Evidence with the counters read before sending (every step keeps them). */
static cJSON *rx_ev(struct journal_job *jj, const struct rx *x)
{
	cJSON *ev = journal_ev(jj);

	if (ev && x->have_before)
		receipt_counters_add(ev, "before", &x->before);
	return ev;
}

/* --- decision table ------------------------------------------------------- */

enum receipt_verdict receipt_decide(const struct posnet_counters *before,
				    const struct posnet_counters *now, char *why, size_t cap)
{
	if (before->nu[0] && now->nu[0] && strcmp(before->nu, now->nu) != 0) {
		snprintf(why, cap, "another printer answers (%s, the receipt was begun on %s)",
			 now->nu, before->nu);
		return RECEIPT_V_UNDECIDABLE;
	}
	if (now->rd == before->rd) {
		if (now->bn == before->bn + 1) {
			snprintf(why, cap, "receipt counter moved %lld -> %lld in the same day",
				 before->bn, now->bn);
			if (before->di >= 0 && now->di >= 0 && now->di == before->di)
				pl_warn("receipt counter moved but the protected-memory number "
					"did not (di%lld): trusting bn",
					now->di);
			return RECEIPT_V_DONE;
		}
		if (now->bn == before->bn) {
			snprintf(why, cap, "receipt counter still %lld: not printed", now->bn);
			return RECEIPT_V_NOT_PRINTED;
		}
		snprintf(why, cap,
			 "receipt counter moved %lld -> %lld: other receipts were printed in "
			 "between; check the paper copy",
			 before->bn, now->bn);
		return RECEIPT_V_UNDECIDABLE;
	}
	/* A daily report ran in between: bn/bt may have been reset. Only an
	 * unchanged protected-memory number proves "nothing printed". */
	if (before->di >= 0 && now->di >= 0 && now->di == before->di) {
		snprintf(why, cap,
			 "a daily report ran (rd %lld -> %lld) and no receipt was stored since "
			 "(di%lld): not printed",
			 before->rd, now->rd, now->di);
		return RECEIPT_V_NOT_PRINTED;
	}
	snprintf(why, cap,
		 "a daily report ran (rd %lld -> %lld) and the last document moved (di %lld -> "
		 "%lld): check the paper copy",
		 before->rd, now->rd, before->di, now->di);
	return RECEIPT_V_UNDECIDABLE;
}

/* --- the effect ------------------------------------------------------------ */

static struct posnet_dev *rx_dev(struct journal_job *jj)
{
	return ((struct receipt_fx *)journal_arg(jj))->dev;
}

/* Open the printer of a lazy effect for the claimed job. */
int receipt_fx_open(struct journal_job *jj)
{
	struct receipt_fx *fx = journal_arg(jj);
	int rc;

	if (fx->dev)
		return 0;
	if (!fx->lazy)
		return -PL_EDEVICE;
	rc = posnet_dev_open(&fx->dev, &fx->cfg);
	if (rc) {
		journal_msg(jj, "cannot open fiscal printer '%s' (%s): %s", fx->cfg.name,
			    fx->cfg.target, pl_strerror(rc));
		fx->dev = NULL;
		return -PL_EDEVICE;
	}
	return 0;
}

/* The receipt is on paper: read the counters after it and settle done
 * (the document becomes issued in the same transaction). */
static int rx_done(struct journal_job *jj, struct rx *x, const char *how,
		   const struct posnet_counters *known_after, const char *note)
{
	struct posnet_counters after;
	bool have_after = true;
	char key[128] = "";
	cJSON *ev;

	if (known_after) {
		after = *known_after;
	} else if (posnet_read_counters(rx_dev(jj), &after) < 0) {
		have_after = false; /* trend was confirmed; the key stays incomplete */
		pl_warn("receipt job %lld printed but the counters could not be read afterwards",
			(long long)journal_jobof(jj)->id);
	}
	if (have_after) {
		receipt_key(&after, key, sizeof(key));
		if (x->have_before && after.rd == x->before.rd && after.bn != x->before.bn + 1)
			pl_warn("receipt job %lld: receipt counter moved %lld -> %lld, expected +1",
				(long long)journal_jobof(jj)->id, x->before.bn, after.bn);
	}
	journal_msg(jj, "receipt %s (%s)%s%s",
		    strcmp(how, "printed") == 0 ? "printed" : "found printed",
		    key[0] ? key : "counters unread", note ? ": " : "", note ? note : "");
	ev = rx_ev(jj, x);
	if (ev) {
		cJSON_AddStringToObject(ev, "how", how);
		if (have_after)
			receipt_counters_add(ev, "after", &after);
	}
	return journal_done(jj, ev, key[0] ? key : "posnet");
}

static int rx_prepare(struct journal_job *jj)
{
	const struct receipt_fx *fx = journal_arg(jj);
	const cJSON *req = journal_request(jj);
	const cJSON *content = cJSON_GetObjectItemCaseSensitive(req, "receipt");
	struct rx *x = calloc(1, sizeof(*x));
	char err[256];
	bool made = false;
	int rc;

	if (!x)
		return -PL_ENOMEM;
	order_init(&x->o);
	doc_init(&x->d);
	posnet_receipt_init(&x->r);
	journal_set_state(jj, x);
	x->have_before = receipt_counters_parse(
	    cJSON_GetObjectItemCaseSensitive(journal_evidence(jj), "before"), &x->before);
	if (content) {
		/* a direct call journalled the content itself */
		rc = content_parse(content, &x->r);
		if (rc)
			journal_msg(jj, "the receipt in the journal is unreadable");
		return rc;
	}
	rc = docfx_build(jj, &fx->docs, &x->o, &x->d, &made);
	if (rc)
		return rc;
	/* check the content before the document takes a number */
	rc = posnet_receipt_from_document(&x->r, &x->d, &x->o, err, sizeof(err));
	if (rc) {
		journal_msg(jj, "cannot print order '%s': %s", x->o.number, err);
		return -PL_EINVAL;
	}
	if (made)
		rc = docfx_create(jj, &fx->docs, &x->d);
	return rc;
}

/* One print attempt: pre-flight, counters, SENDING, the receipt. Returns
 * 1 when a reprint is due (found not printed), else the settle result. */
static int rx_attempt(struct journal_job *jj, struct rx *x)
{
	struct posnet_dev *dev = rx_dev(jj);
	struct posnet_status ps;
	struct posnet_vat_table vat;
	enum posnet_stage stage;
	cJSON *ev;
	int rc;

	rc = posnet_preflight(dev, &ps);
	if (rc == -PL_ESTATE) {
		journal_msg(jj, "the printer has an open transaction this agent did not start: "
				"finish or cancel it at the printer");
		return rc; /* nothing sent: the engine fails the pending job */
	}
	if (rc < 0) {
		journal_msg(jj, "printer not ready: %s",
			    rc == -PL_EUNKNOWN ? "it does not answer"
					       : posnet_dev_last_message(dev));
		return -PL_EDEVICE;
	}
	if (posnet_read_vat(dev, &vat, false) < 0) {
		journal_msg(jj, "cannot read the printer's VAT table");
		return -PL_EDEVICE;
	}
	for (size_t i = 0; i < x->r.nlines; i++) {
		if (posnet_vat_slot(&vat, x->r.lines[i].vat) < 0) {
			journal_msg(jj,
				    "line %zu ('%s'): the printer has no active VAT slot for "
				    "rate %s",
				    i + 1, x->r.lines[i].name, vat_rate_name(x->r.lines[i].vat));
			return -PL_EINVAL;
		}
	}
	if (posnet_read_counters(dev, &x->before) < 0) {
		journal_msg(jj, "cannot read the printer's counters: %s",
			    posnet_dev_last_message(dev));
		return -PL_EDEVICE;
	}
	x->have_before = true;
	/* Intent with its anchor, durable before trinit leaves. */
	ev = rx_ev(jj, x);
	if (ev)
		cJSON_AddItemToObject(ev, "receipt", content_json(&x->r));
	rc = journal_sending(jj, ev);
	if (rc) {
		journal_msg(jj, "cannot write the journal: nothing was sent");
		return rc;
	}
	rc = posnet_receipt_send(dev, &x->r, &stage);
	if (rc == 0)
		return rx_done(jj, x, "printed", NULL, NULL);
	if (stage == POSNET_STAGE_FISCAL) {
		/* trend was confirmed; only the footer is in doubt. Finishing it
		 * again prints at most a second order-number line. */
		if (posnet_finish_footer(dev, x->r.order_number) < 0)
			pl_warn("receipt job %lld: footer not finished: %s",
				(long long)journal_jobof(jj)->id, posnet_dev_last_message(dev));
		return rx_done(jj, x, "printed", NULL, "footer needed a second try");
	}
	if (rc == -PL_EUNKNOWN) {
		journal_msg(jj, "outcome unknown: %s", posnet_dev_last_message(dev));
		return journal_recheck(jj);
	}
	if (stage == POSNET_STAGE_NOTHING) {
		/* a confirmed refusal before anything fiscal */
		journal_msg(jj, "receipt refused%s%s", posnet_dev_last_message(dev)[0] ? ": " : "",
			    posnet_dev_last_message(dev));
		rc = journal_failed(jj, rx_ev(jj, x));
		return rc ? rc : -PL_EDEVICE;
	}
	{
		char why[300];

		snprintf(why, sizeof(why), "%s", posnet_dev_last_message(dev));
		if (posnet_cancel(dev) == 0) {
			journal_msg(jj, "receipt refused and cancelled: %s", why);
			rc = journal_failed(jj, rx_ev(jj, x));
			return rc ? rc : -PL_EDEVICE;
		}
		journal_msg(jj, "receipt refused and the cancel got no answer");
		return journal_recheck(jj);
	}
}

static int rx_perform(struct journal_job *jj)
{
	struct rx *x = journal_state(jj);
	int rc = receipt_fx_open(jj);

	if (rc)
		return rc; /* nothing sent: the engine fails the pending job */
	rc = 1;
	for (int tries = 0; rc == 1 && tries < RX_MAX_TRIES; tries++)
		rc = rx_attempt(jj, x);
	if (rc == 1) {
		journal_msg(jj, "gave up after %d print attempts in one call", RX_MAX_TRIES);
		rc = journal_failed(jj, rx_ev(jj, x));
		return rc ? rc : -PL_EDEVICE;
	}
	return rc;
}

/* Decide an interrupted attempt from the printer (never prints it). */
static enum journal_verdict rx_lookup(struct journal_job *jj, char *why, size_t cap)
{
	struct posnet_dev *dev;
	struct posnet_counters before, now;
	struct posnet_receipt r;
	struct posnet_trans t;
	const cJSON *ev = journal_evidence(jj);
	char order_number[64] = "";
	int rc;

	if (receipt_fx_open(jj)) {
		snprintf(why, cap, "%s", journal_message(jj));
		return JOURNAL_V_RETRY;
	}
	dev = rx_dev(jj);
	if (!receipt_counters_parse(cJSON_GetObjectItemCaseSensitive(ev, "before"), &before)) {
		snprintf(why, cap, "no counters were journalled before sending");
		return JOURNAL_V_UNDECIDABLE;
	}
	if (content_parse(cJSON_GetObjectItemCaseSensitive(ev, "receipt"), &r) == 0) {
		snprintf(order_number, sizeof(order_number), "%s", r.order_number);
		posnet_receipt_release(&r);
	}
	rc = posnet_read_trans(dev, &t);
	if (rc < 0) {
		snprintf(why, cap, "the printer does not answer strns");
		return JOURNAL_V_RETRY;
	}
	if (t.footer_pending) {
		/* The fiscal part is finished; only the footer is left. */
		pl_info("receipt job %lld: finishing a pending footer",
			(long long)journal_jobof(jj)->id);
		if (posnet_finish_footer(dev, order_number) < 0) {
			snprintf(why, cap, "the pending footer could not be finished");
			return JOURNAL_V_RETRY;
		}
		if (posnet_read_trans(dev, &t) < 0) {
			snprintf(why, cap, "the printer does not answer strns");
			return JOURNAL_V_RETRY;
		}
	}
	if (posnet_read_counters(dev, &now) < 0) {
		snprintf(why, cap, "the printer does not answer scnt");
		return JOURNAL_V_RETRY;
	}
	switch (receipt_decide(&before, &now, why, cap)) {
	case RECEIPT_V_DONE: {
		struct rx x = {.before = before, .have_before = true};
		pl_info("receipt job %lld: %s", (long long)journal_jobof(jj)->id, why);
		rc = rx_done(jj, &x, "reconciled", &now, NULL);
		return rc ? JOURNAL_V_RETRY : JOURNAL_V_DONE;
	}
	case RECEIPT_V_NOT_PRINTED:
		pl_info("receipt job %lld: %s%s", (long long)journal_jobof(jj)->id, why,
			t.open ? "; cancelling the open transaction" : "");
		if (t.open) {
			if (posnet_cancel(dev) < 0) {
				snprintf(why, cap, "the open transaction could not be cancelled");
				return JOURNAL_V_RETRY;
			}
			if (posnet_read_trans(dev, &t) < 0 || t.open) {
				snprintf(why, cap, "the transaction is still open after prncancel");
				return JOURNAL_V_UNDECIDABLE;
			}
		}
		return JOURNAL_V_NOT_DONE;
	case RECEIPT_V_UNDECIDABLE:
	default:
		return JOURNAL_V_UNDECIDABLE;
	}
}

void receipt_fx_close(struct receipt_fx *fx)
{
	if (fx->lazy && fx->dev) {
		/* the printer's line is free for the next claimer */
		posnet_dev_close(fx->dev);
		fx->dev = NULL;
	}
}

static void rx_release(struct journal_job *jj)
{
	struct receipt_fx *fx = journal_arg(jj);
	struct rx *x = journal_state(jj);

	receipt_fx_close(fx);
	if (!x)
		return;
	posnet_receipt_release(&x->r);
	order_release(&x->o);
	doc_release(&x->d);
	free(x);
	journal_set_state(jj, NULL);
}

const struct journal_effect_ops receipt_ops = {
    .kind = "receipt",
    .prepare = rx_prepare,
    .perform = rx_perform,
    .lookup = rx_lookup,
    .release = rx_release,
};

/* --- direct calls ----------------------------------------------------------- */

static int direct_open(struct store *st, struct posnet_dev *dev, struct receipt_fx *fx,
		       struct journal **out)
{
	int rc = journal_open(out, st, NULL);

	if (rc)
		return rc;
	memset(fx, 0, sizeof(*fx));
	fx->dev = dev;
	rc = journal_register(*out, &receipt_ops, fx);
	if (rc) {
		journal_close(*out);
		*out = NULL;
	}
	return rc;
}

/* The result of a settled job as the direct calls report it. */
static void fill_result(struct store *st, int64_t id, struct receipt_result *res)
{
	struct job jb;
	cJSON *ev;

	memset(&jb, 0, sizeof(jb));
	if (store_job_get(st, id, &jb) < 0)
		return;
	res->job_id = id;
	res->attempt = jb.attempt;
	ev = jb.result ? cJSON_Parse(jb.result) : NULL;
	receipt_counters_parse(cJSON_GetObjectItemCaseSensitive(ev, "before"), &res->before);
	receipt_counters_parse(cJSON_GetObjectItemCaseSensitive(ev, "after"), &res->after);
	if (jb.state == JOB_DONE)
		journal_json_str(ev, "key", res->key, sizeof(res->key));
	if (!res->message[0])
		journal_json_str(ev, "message", res->message, sizeof(res->message));
	cJSON_Delete(ev);
	job_release(&jb);
}

int receipt_reconcile_all(struct store *st, struct posnet_dev *dev,
			  struct receipt_reconcile_report *rep)
{
	struct receipt_reconcile_report local;
	struct receipt_fx fx;
	struct journal *j = NULL;
	struct job_claim c = {.unsettled_only = true, .include_held = true};
	char resource[48];
	int64_t *seen = NULL;
	size_t nseen = 0;
	int rc;

	if (!rep)
		rep = &local;
	memset(rep, 0, sizeof(*rep));
	rc = receipt_resource(posnet_dev_cfg(dev)->name, resource, sizeof(resource));
	if (rc)
		return rc;
	c.resource = resource;
	rc = direct_open(st, dev, &fx, &j);
	if (rc)
		return rc == -PL_ENOMEM ? rc : -PL_ESTORE;
	for (;;) {
		struct journal_outcome o;
		bool again = false;
		int64_t *v;

		rc = journal_work_claim(j, &c, &o);
		if (rc == -PL_ENOTFOUND || rc == -PL_EBUSY) {
			rc = 0;
			break;
		}
		if (rc)
			break;
		/* a job held again is not claimed twice in one sweep */
		for (size_t i = 0; i < nseen; i++)
			again = again || seen[i] == o.job_id;
		if (again)
			break;
		v = realloc(seen, (nseen + 1) * sizeof(*v));
		if (!v) {
			rc = -PL_ENOMEM;
			break;
		}
		seen = v;
		seen[nseen++] = o.job_id;
		rep->examined++;
		if (o.state == JOB_DONE && o.recovered)
			rep->done++;
		else if (o.state == JOB_DONE)
			rep->reprinted++;
		else if (o.state == JOB_UNKNOWN)
			rep->undecided++;
		else
			rep->failed++;
		pl_info("receipt job %lld: %s", (long long)o.job_id, o.message);
		if (o.state == JOB_UNKNOWN)
			break; /* held: the next claim would take it again */
	}
	free(seen);
	journal_close(j);
	if (rc < 0)
		return rc;
	return rep->undecided ? -PL_EUNKNOWN : 0;
}

int receipt_issue(struct store *st, struct posnet_dev *dev, const struct document *d,
		  const struct order *o, struct receipt_result *res)
{
	struct receipt_reconcile_report rep;
	struct posnet_receipt fresh;
	struct journal_outcome out;
	struct receipt_fx fx;
	struct journal *j = NULL;
	struct job job;
	cJSON *req = NULL;
	char err[256];
	enum job_state was;
	int rc;

	memset(res, 0, sizeof(*res));
	memset(&job, 0, sizeof(job));
	rc = posnet_receipt_from_document(&fresh, d, o, err, sizeof(err));
	if (rc < 0) {
		snprintf(res->message, sizeof(res->message), "cannot print order '%s': %s",
			 o->number, err);
		return -PL_EINVAL;
	}
	rc = receipt_job_key(o, job.idem_key, sizeof(job.idem_key));
	if (rc < 0) {
		posnet_receipt_release(&fresh);
		snprintf(res->message, sizeof(res->message),
			 "order has no source/ext_id to key its receipt");
		return -PL_EINVAL;
	}
	/* Settle leftovers first: printing more receipts would make an
	 * unsettled job undecidable (its counters would move). */
	rc = receipt_reconcile_all(st, dev, &rep);
	if (rc < 0) {
		posnet_receipt_release(&fresh);
		if (rc == -PL_EUNKNOWN)
			snprintf(res->message, sizeof(res->message),
				 "%zu earlier receipt(s) on printer '%s' are unsettled: resolve "
				 "them first (`packline receipt reconcile`)",
				 rep.undecided, posnet_dev_cfg(dev)->name);
		else
			snprintf(res->message, sizeof(res->message),
				 "cannot read or write the journal");
		return rc;
	}
	snprintf(job.kind, sizeof(job.kind), "receipt");
	job.order_id = o->id;
	job.doc_id = d->id;
	receipt_resource(posnet_dev_cfg(dev)->name, job.resource, sizeof(job.resource));
	req = cJSON_CreateObject();
	if (req) {
		cJSON_AddNumberToObject(req, "v", 2);
		cJSON_AddStringToObject(req, "printer", posnet_dev_cfg(dev)->name);
		cJSON_AddNumberToObject(req, "doc_id", (double)d->id);
		cJSON_AddStringToObject(req, "order", o->number);
		cJSON_AddItemToObject(req, "receipt", content_json(&fresh));
		job.request = cJSON_PrintUnformatted(req);
		cJSON_Delete(req);
	}
	posnet_receipt_release(&fresh);
	if (!job.request)
		return -PL_ENOMEM;
	rc = direct_open(st, dev, &fx, &j);
	if (rc) {
		job_release(&job);
		return rc == -PL_ENOMEM ? rc : -PL_ESTORE;
	}
	rc = journal_intent(j, &job);
	if (rc < 0) {
		snprintf(res->message, sizeof(res->message), "cannot write the journal: %s",
			 pl_strerror(rc));
		rc = -PL_ESTORE;
		goto out;
	}
	was = job.state;
	res->job_id = job.id;
	if (rc == 1 && was == JOB_DONE) {
		res->outcome = RECEIPT_ALREADY_DONE;
		fill_result(st, job.id, res);
		snprintf(res->message, sizeof(res->message), "receipt already printed (%s)",
			 res->key[0] ? res->key : "?");
		rc = 0;
		goto out;
	}
	if (rc == 1 && was == JOB_CANCELLED) {
		snprintf(res->message, sizeof(res->message),
			 "the receipt job was cancelled by an operator");
		rc = -PL_ESTATE;
		goto out;
	}
	if (rc == 1 && was == JOB_FAILED) {
		/* definitely not printed before: a new attempt of the same intent */
		rc = store_job_update(st, job.id, JOB_PENDING, true, NULL);
		if (rc == -PL_ELOST) {
			snprintf(res->message, sizeof(res->message),
				 "another process is printing this receipt");
			rc = -PL_EBUSY;
			goto out;
		}
		if (rc) {
			rc = -PL_ESTORE;
			goto out;
		}
	}
	rc = journal_work_one(j, job.id, &out);
	if (rc == -PL_EBUSY || rc == -PL_ESTATE) {
		struct job now;
		memset(&now, 0, sizeof(now));
		if (store_job_get(st, job.id, &now) == 0 && now.state == JOB_DONE) {
			/* another process printed it meanwhile */
			res->outcome = RECEIPT_ALREADY_DONE;
			fill_result(st, job.id, res);
			job_release(&now);
			rc = 0;
			goto out;
		}
		snprintf(res->message, sizeof(res->message), "%s",
			 now.state == JOB_UNKNOWN
			     ? "the receipt is unsettled: reconcile it first"
			     : "another process holds this receipt or printer");
		rc = now.state == JOB_UNKNOWN ? -PL_EUNKNOWN : -PL_EBUSY;
		job_release(&now);
		goto out;
	}
	if (rc) {
		snprintf(res->message, sizeof(res->message), "cannot read or write the journal");
		goto out;
	}
	snprintf(res->message, sizeof(res->message), "%s", out.message);
	res->outcome = out.recovered ? RECEIPT_RECOVERED : RECEIPT_PRINTED;
	fill_result(st, job.id, res);
	switch (out.state) {
	case JOB_DONE:
		rc = 0;
		break;
	case JOB_UNKNOWN:
		rc = -PL_EUNKNOWN;
		break;
	default:
		rc = out.rc == -PL_EINVAL || out.rc == -PL_ESTATE ? out.rc : -PL_EDEVICE;
		break;
	}
out:
	job_release(&job);
	journal_close(j);
	return rc;
}
