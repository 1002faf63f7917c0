/* SPDX-License-Identifier: Apache-2.0 */
/* agent/receipt_job.c - exactly-once fiscal receipts: journal, print, reconcile.
 *
 * See receipt_job.h for the algorithm. Layout: JSON of the request (the
 * receipt content) and of the evidence; the decision table; one print
 * attempt; reconciliation of one job; the public entry points; the printer
 * section of the configuration.
 */
#include "agent/receipt_job.h"
#include "base/err.h"
#include "base/log.h"

#include <cjson/cJSON.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Print attempts one call may make (a reprint after "not printed" is one). */
#define RJ_MAX_TRIES 3

struct rj {
	struct store *st;
	struct posnet_dev *dev;
	struct receipt_result *res;
	int64_t job_id;
	int attempt;          /* the job's attempt counter */
	enum job_state state; /* as journalled */
	int tries;            /* print attempts made by this call */
	int64_t doc_id;
	char printer[32];
	struct posnet_receipt r;
	struct posnet_counters before;
	bool have_before;
};

static void rj_msg(struct rj *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void rj_msg(struct rj *j, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(j->res->message, sizeof(j->res->message), fmt, ap);
	va_end(ap);
}

int receipt_job_key(const struct order *o, char *out, size_t cap)
{
	int n;

	if (!o->source[0] || !o->ext_id[0])
		return -PL_EINVAL;
	n = snprintf(out, cap, "receipt:%s:%s", o->source, o->ext_id);
	return n < 0 || (size_t)n >= cap ? -PL_ETOOBIG : 0;
}

/* --- JSON ------------------------------------------------------------------- */

static const char *rj_adj_name(enum posnet_adj a)
{
	return a == POSNET_ADJ_DISCOUNT ? "discount" : a == POSNET_ADJ_MARKUP ? "markup" : "none";
}

static enum posnet_adj rj_adj_parse(const char *s)
{
	if (s && strcmp(s, "discount") == 0)
		return POSNET_ADJ_DISCOUNT;
	if (s && strcmp(s, "markup") == 0)
		return POSNET_ADJ_MARKUP;
	return POSNET_ADJ_NONE;
}

static char *rj_request_json(const struct posnet_receipt *r, const char *printer,
			     const struct order *o, int64_t doc_id)
{
	cJSON *root = cJSON_CreateObject(), *rc, *lines, *ord;
	char *out = NULL;

	if (!root)
		return NULL;
	cJSON_AddNumberToObject(root, "v", 1);
	cJSON_AddStringToObject(root, "printer", printer);
	cJSON_AddNumberToObject(root, "doc_id", (double)doc_id);
	ord = cJSON_AddObjectToObject(root, "order");
	if (ord && o) {
		cJSON_AddNumberToObject(ord, "id", (double)o->id);
		cJSON_AddStringToObject(ord, "source", o->source);
		cJSON_AddStringToObject(ord, "ext_id", o->ext_id);
		cJSON_AddStringToObject(ord, "number", o->number);
	}
	rc = cJSON_AddObjectToObject(root, "receipt");
	if (!rc)
		goto out;
	cJSON_AddStringToObject(rc, "nip", r->nip);
	cJSON_AddNumberToObject(rc, "total", (double)r->total);
	cJSON_AddNumberToObject(rc, "pay_type", r->pay_type);
	cJSON_AddStringToObject(rc, "pay_name", r->pay_name);
	cJSON_AddStringToObject(rc, "order_number", r->order_number);
	cJSON_AddStringToObject(rc, "sub_adj", rj_adj_name(r->sub_adj));
	cJSON_AddNumberToObject(rc, "sub_adj_amount", (double)r->sub_adj_amount);
	cJSON_AddStringToObject(rc, "sub_adj_name", r->sub_adj_name);
	lines = cJSON_AddArrayToObject(rc, "lines");
	if (!lines)
		goto out;
	for (size_t i = 0; i < r->nlines; i++) {
		const struct posnet_line *l = &r->lines[i];
		cJSON *jl = cJSON_CreateObject();

		if (!jl)
			goto out;
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
			cJSON_AddStringToObject(jl, "adj", rj_adj_name(l->adj));
			cJSON_AddNumberToObject(jl, "adj_amount", (double)l->adj_amount);
			cJSON_AddStringToObject(jl, "adj_name", l->adj_name);
		}
	}
	out = cJSON_PrintUnformatted(root);
out:
	cJSON_Delete(root);
	return out;
}

static int64_t rj_num(const cJSON *o, const char *k, int64_t dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : dflt;
}

static void rj_str(const cJSON *o, const char *k, char *out, size_t cap)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	snprintf(out, cap, "%s", cJSON_IsString(v) && v->valuestring ? v->valuestring : "");
}

static int rj_request_parse(const char *json, struct posnet_receipt *r, char *printer, size_t pcap,
			    int64_t *doc_id)
{
	cJSON *root = json ? cJSON_Parse(json) : NULL;
	const cJSON *rc, *lines, *jl;
	char buf[16];
	int ret = -PL_EINVAL;

	posnet_receipt_init(r);
	if (!root)
		return -PL_EINVAL;
	rj_str(root, "printer", printer, pcap);
	*doc_id = rj_num(root, "doc_id", 0);
	rc = cJSON_GetObjectItemCaseSensitive(root, "receipt");
	lines = rc ? cJSON_GetObjectItemCaseSensitive(rc, "lines") : NULL;
	if (!cJSON_IsArray(lines))
		goto out;
	rj_str(rc, "nip", r->nip, sizeof(r->nip));
	r->total = rj_num(rc, "total", 0);
	r->pay_type = (int)rj_num(rc, "pay_type", 6);
	rj_str(rc, "pay_name", r->pay_name, sizeof(r->pay_name));
	rj_str(rc, "order_number", r->order_number, sizeof(r->order_number));
	rj_str(rc, "sub_adj", buf, sizeof(buf));
	r->sub_adj = rj_adj_parse(buf);
	r->sub_adj_amount = rj_num(rc, "sub_adj_amount", 0);
	rj_str(rc, "sub_adj_name", r->sub_adj_name, sizeof(r->sub_adj_name));
	cJSON_ArrayForEach(jl, lines)
	{
		struct posnet_line l;

		memset(&l, 0, sizeof(l));
		rj_str(jl, "name", l.name, sizeof(l.name));
		rj_str(jl, "vat", buf, sizeof(buf));
		if (vat_rate_parse(buf, &l.vat) < 0)
			goto out;
		l.price = rj_num(jl, "price", 0);
		l.qty = rj_num(jl, "qty", 0);
		l.value = rj_num(jl, "value", 0);
		rj_str(jl, "unit", l.unit, sizeof(l.unit));
		l.storno = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(jl, "storno"));
		rj_str(jl, "adj", buf, sizeof(buf));
		l.adj = rj_adj_parse(buf);
		l.adj_amount = rj_num(jl, "adj_amount", 0);
		rj_str(jl, "adj_name", l.adj_name, sizeof(l.adj_name));
		if (posnet_receipt_add_line(r, &l) < 0)
			goto out;
	}
	ret = 0;
out:
	cJSON_Delete(root);
	if (ret < 0)
		posnet_receipt_release(r);
	return ret;
}

static void rj_counters_json(cJSON *parent, const char *name, const struct posnet_counters *c)
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

static bool rj_counters_parse(const cJSON *o, struct posnet_counters *c)
{
	if (!cJSON_IsObject(o))
		return false;
	memset(c, 0, sizeof(*c));
	rj_str(o, "nu", c->nu, sizeof(c->nu));
	c->rd = rj_num(o, "rd", -1);
	c->bn = rj_num(o, "bn", -1);
	c->bt = rj_num(o, "bt", -1);
	c->bc = rj_num(o, "bc", -1);
	c->hn = rj_num(o, "hn", -1);
	c->di = rj_num(o, "di", -1);
	return c->rd >= 0 && c->bn >= 0;
}

/* Evidence JSON; `after` and `key` may be NULL. Caller frees. */
static char *rj_result_json(const char *phase, const char *how, int attempt,
			    const struct posnet_counters *before,
			    const struct posnet_counters *after, const char *key,
			    const char *message)
{
	cJSON *root = cJSON_CreateObject();
	char *out;

	if (!root)
		return NULL;
	cJSON_AddStringToObject(root, "phase", phase);
	if (how)
		cJSON_AddStringToObject(root, "how", how);
	cJSON_AddNumberToObject(root, "attempt", attempt);
	if (before)
		rj_counters_json(root, "before", before);
	if (after)
		rj_counters_json(root, "after", after);
	if (key)
		cJSON_AddStringToObject(root, "key", key);
	if (message && *message)
		cJSON_AddStringToObject(root, "message", message);
	out = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	return out;
}

/* Move the job; the evidence is built here. -PL_ESTORE when it cannot be written. */
static int rj_journal(struct rj *j, enum job_state state, bool new_attempt, const char *phase,
		      const char *how, const struct posnet_counters *after, const char *key,
		      const char *message)
{
	char *json;
	int rc;

	if (state == JOB_FAILED && j->state == JOB_FAILED)
		return 0; /* refused again before anything was sent: nothing new to journal */
	if (new_attempt)
		j->attempt++;
	json = rj_result_json(phase, how, j->attempt, j->have_before ? &j->before : NULL, after,
			      key, message);
	if (!json)
		return -PL_ENOMEM;
	rc = store_job_update(j->st, j->job_id, state, new_attempt, json);
	free(json);
	if (rc < 0) {
		/* Fail-stop: without the journal nothing more may be sent. */
		pl_err("cannot journal receipt job %lld as %s: %s", (long long)j->job_id,
		       job_state_name(state), pl_strerror(rc));
		return -PL_ESTORE;
	}
	j->state = state;
	return 0;
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

/* --- one attempt and reconciliation --------------------------------------- */

static int rj_reconcile(struct rj *j);

static void rj_key(const struct posnet_counters *c, char *out, size_t cap)
{
	/* the receipt belongs to the day that daily report number rd+1 will close */
	snprintf(out, cap, "%s/%lld/%lld/%lld", c->nu, c->rd + 1, c->bt, c->di);
}

/* The receipt is on paper: read the counters after it and journal DONE. */
static int rj_done(struct rj *j, const char *how, const struct posnet_counters *known_after,
		   const char *note)
{
	struct posnet_counters after;
	bool have_after = true;
	char msg[256];
	int rc;

	if (known_after) {
		after = *known_after;
	} else if (posnet_read_counters(j->dev, &after) < 0) {
		have_after = false; /* trend was confirmed; the key stays incomplete */
		pl_warn("receipt job %lld printed but the counters could not be read afterwards",
			(long long)j->job_id);
	}
	if (have_after) {
		rj_key(&after, j->res->key, sizeof(j->res->key));
		if (j->have_before && after.rd == j->before.rd && after.bn != j->before.bn + 1)
			pl_warn("receipt job %lld: receipt counter moved %lld -> %lld, expected +1",
				(long long)j->job_id, j->before.bn, after.bn);
		j->res->after = after;
	}
	snprintf(msg, sizeof(msg), "%s", note ? note : "");
	rc = rj_journal(j, JOB_DONE, false, "done", how, have_after ? &after : NULL,
			have_after ? j->res->key : NULL, msg);
	if (rc < 0)
		return rc;
	if (j->doc_id > 0) {
		rc = store_doc_set_state(j->st, j->doc_id, DOC_ISSUED,
					 j->res->key[0] ? j->res->key : "posnet");
		if (rc < 0)
			pl_warn("receipt job %lld done, but document %lld could not be marked "
				"issued: %s",
				(long long)j->job_id, (long long)j->doc_id, pl_strerror(rc));
	}
	j->res->before = j->before;
	j->res->attempt = j->attempt;
	rj_msg(j, "receipt %s (%s)%s%s", strcmp(how, "printed") == 0 ? "printed" : "found printed",
	       j->res->key[0] ? j->res->key : "counters unread", note ? ": " : "",
	       note ? note : "");
	return 0;
}

/* Mark FAILED with the device's message; return `rc`. */
static int rj_failed(struct rj *j, int rc, const char *what)
{
	rj_msg(j, "%s%s%s", what, posnet_dev_last_message(j->dev)[0] ? ": " : "",
	       posnet_dev_last_message(j->dev));
	if (rj_journal(j, JOB_FAILED, false, "failed", NULL, NULL, NULL, j->res->message) < 0)
		return -PL_ESTORE;
	return rc;
}

/* Park the job as UNKNOWN with the reason. */
static int rj_unknown(struct rj *j, const char *why)
{
	rj_msg(j, "outcome unknown: %s", why);
	pl_warn("receipt job %lld: %s", (long long)j->job_id, j->res->message);
	if (rj_journal(j, JOB_UNKNOWN, false, "unknown", NULL, NULL, NULL, why) < 0)
		return -PL_ESTORE;
	return -PL_EUNKNOWN;
}

/* One print attempt: pre-flight, counters, SENDING, the receipt. */
static int rj_attempt(struct rj *j)
{
	struct posnet_status ps;
	struct posnet_vat_table vat;
	enum posnet_stage stage;
	int rc;

	if (++j->tries > RJ_MAX_TRIES) {
		rj_msg(j, "gave up after %d print attempts in one call", RJ_MAX_TRIES);
		return -PL_EDEVICE;
	}
	rc = posnet_preflight(j->dev, &ps);
	if (rc == -PL_ESTATE) {
		rj_msg(j, "the printer has an open transaction this agent did not start: finish "
			  "or cancel it at the printer");
		return rc;
	}
	if (rc < 0) {
		rj_msg(j, "printer not ready: %s",
		       rc == -PL_EUNKNOWN ? "it does not answer" : posnet_dev_last_message(j->dev));
		return -PL_EDEVICE; /* nothing of the receipt was sent: the job is unchanged */
	}
	rc = posnet_read_vat(j->dev, &vat, false);
	if (rc < 0) {
		rj_msg(j, "cannot read the printer's VAT table");
		return -PL_EDEVICE;
	}
	for (size_t i = 0; i < j->r.nlines; i++) {
		if (posnet_vat_slot(&vat, j->r.lines[i].vat) < 0) {
			rj_msg(j, "line %zu ('%s'): the printer has no active VAT slot for rate %s",
			       i + 1, j->r.lines[i].name, vat_rate_name(j->r.lines[i].vat));
			if (rj_journal(j, JOB_FAILED, false, "failed", NULL, NULL, NULL,
				       j->res->message) < 0)
				return -PL_ESTORE;
			return -PL_EINVAL;
		}
	}
	rc = posnet_read_counters(j->dev, &j->before);
	if (rc < 0) {
		rj_msg(j, "cannot read the printer's counters: %s",
		       posnet_dev_last_message(j->dev));
		return -PL_EDEVICE;
	}
	j->have_before = true;
	/* A failed job starts a new attempt (failed -> pending in the store's
	 * state machine); a fresh job is attempt 1 from its creation. */
	if (j->state == JOB_FAILED) {
		rc = rj_journal(j, JOB_PENDING, true, "pending", NULL, NULL, NULL, NULL);
		if (rc < 0) {
			rj_msg(j, "cannot write the journal: nothing was sent");
			return rc;
		}
	}
	/* Intent with its anchor, durable before trinit leaves. */
	rc = rj_journal(j, JOB_SENDING, false, "sending", NULL, NULL, NULL, NULL);
	if (rc < 0) {
		rj_msg(j, "cannot write the journal: nothing was sent");
		return rc;
	}
	rc = posnet_receipt_send(j->dev, &j->r, &stage);
	if (rc == 0)
		return rj_done(j, "printed", NULL, NULL);
	if (stage == POSNET_STAGE_FISCAL) {
		/* trend was confirmed; only the footer is in doubt. Finishing it
		 * again prints at most a second order-number line. */
		if (posnet_finish_footer(j->dev, j->r.order_number) < 0)
			pl_warn("receipt job %lld: footer not finished: %s", (long long)j->job_id,
				posnet_dev_last_message(j->dev));
		return rj_done(j, "printed", NULL, "footer needed a second try");
	}
	if (rc == -PL_EUNKNOWN) {
		rc = rj_unknown(j, posnet_dev_last_message(j->dev));
		if (rc == -PL_ESTORE)
			return rc;
		return rj_reconcile(j);
	}
	/* A confirmed refusal. */
	if (stage == POSNET_STAGE_NOTHING)
		return rj_failed(j, rc == -PL_EINVAL ? -PL_EINVAL : -PL_EDEVICE, "receipt refused");
	{
		char why[300];

		snprintf(why, sizeof(why), "%s", posnet_dev_last_message(j->dev));
		if (posnet_cancel(j->dev) == 0) {
			rj_msg(j, "receipt refused and cancelled: %s", why);
			if (rj_journal(j, JOB_FAILED, false, "failed", NULL, NULL, NULL,
				       j->res->message) < 0)
				return -PL_ESTORE;
			return rc == -PL_EINVAL ? -PL_EINVAL : -PL_EDEVICE;
		}
		rc = rj_unknown(j, "receipt refused and the cancel got no answer");
		if (rc == -PL_ESTORE)
			return rc;
		return rj_reconcile(j);
	}
}

/* Decide an UNKNOWN/SENDING job from the printer and act on it. */
static int rj_reconcile(struct rj *j)
{
	struct posnet_trans t;
	struct posnet_counters now;
	char why[256];
	int rc;

	if (!j->have_before) {
		rj_msg(j, "the journal has no counters for this job");
		return rj_unknown(j, "no counters were journalled before sending");
	}
	rc = posnet_read_trans(j->dev, &t);
	if (rc < 0)
		return rj_unknown(j, "the printer does not answer strns");
	if (t.footer_pending) {
		/* The fiscal part is finished; only the footer is left. */
		pl_info("receipt job %lld: finishing a pending footer", (long long)j->job_id);
		if (posnet_finish_footer(j->dev, j->r.order_number) < 0)
			return rj_unknown(j, "the pending footer could not be finished");
		rc = posnet_read_trans(j->dev, &t);
		if (rc < 0)
			return rj_unknown(j, "the printer does not answer strns");
	}
	rc = posnet_read_counters(j->dev, &now);
	if (rc < 0)
		return rj_unknown(j, "the printer does not answer scnt");
	switch (receipt_decide(&j->before, &now, why, sizeof(why))) {
	case RECEIPT_V_DONE:
		pl_info("receipt job %lld: %s", (long long)j->job_id, why);
		j->res->outcome = RECEIPT_RECOVERED;
		rc = rj_done(j, "reconciled", &now, NULL);
		return rc;
	case RECEIPT_V_NOT_PRINTED:
		pl_info("receipt job %lld: %s%s", (long long)j->job_id, why,
			t.open ? "; cancelling the open transaction" : "");
		if (t.open) {
			if (posnet_cancel(j->dev) < 0)
				return rj_unknown(j, "the open transaction could not be cancelled");
			if (posnet_read_trans(j->dev, &t) < 0 || t.open)
				return rj_unknown(j,
						  "the transaction is still open after prncancel");
		}
		/* Definitely not printed: journal that, then print again. */
		rj_msg(j, "%s", why);
		if (rj_journal(j, JOB_FAILED, false, "failed", NULL, NULL, NULL, why) < 0)
			return -PL_ESTORE;
		j->res->outcome = RECEIPT_PRINTED;
		return rj_attempt(j);
	case RECEIPT_V_UNDECIDABLE:
	default:
		return rj_unknown(j, why);
	}
}

static int rj_load(struct rj *j, const struct job *job)
{
	const cJSON *b;
	cJSON *res;
	int rc;

	j->job_id = job->id;
	j->attempt = job->attempt;
	j->state = job->state;
	rc = rj_request_parse(job->request, &j->r, j->printer, sizeof(j->printer), &j->doc_id);
	if (rc < 0) {
		pl_err("receipt job %lld: unreadable request in the journal", (long long)job->id);
		return rc;
	}
	res = job->result ? cJSON_Parse(job->result) : NULL;
	b = res ? cJSON_GetObjectItemCaseSensitive(res, "before") : NULL;
	j->have_before = rj_counters_parse(b, &j->before);
	if (res && job->state == JOB_DONE) {
		rj_str(res, "key", j->res->key, sizeof(j->res->key));
		rj_counters_parse(cJSON_GetObjectItemCaseSensitive(res, "after"), &j->res->after);
		j->res->before = j->before;
	}
	cJSON_Delete(res);
	return 0;
}

/* --- entry points --------------------------------------------------------- */

struct rj_ids {
	int64_t *v;
	size_t n, cap;
};

static int rj_collect(const struct job *job, void *arg)
{
	struct rj_ids *ids = arg;

	if (strcmp(job->kind, "receipt") != 0)
		return 0;
	if (ids->n == ids->cap) {
		size_t cap = ids->cap ? ids->cap * 2 : 16;
		int64_t *v = realloc(ids->v, cap * sizeof(*v));

		if (!v)
			return -PL_ENOMEM;
		ids->v = v;
		ids->cap = cap;
	}
	ids->v[ids->n++] = job->id;
	return 0;
}

int receipt_reconcile_all(struct store *st, struct posnet_dev *dev,
			  struct receipt_reconcile_report *rep)
{
	static const enum job_state states[] = {JOB_SENDING, JOB_UNKNOWN};
	struct receipt_reconcile_report local;
	struct rj_ids ids = {0};
	int rc = 0, ret = 0;

	if (!rep)
		rep = &local;
	memset(rep, 0, sizeof(*rep));
	for (size_t s = 0; s < 2; s++) {
		rc = store_job_list(st, states[s], rj_collect, &ids);
		if (rc < 0) {
			free(ids.v);
			return -PL_ESTORE;
		}
	}
	for (size_t i = 0; i < ids.n; i++) {
		struct receipt_result res;
		struct job job;
		struct rj j;

		memset(&job, 0, sizeof(job));
		memset(&res, 0, sizeof(res));
		memset(&j, 0, sizeof(j));
		j.st = st;
		j.dev = dev;
		j.res = &res;
		rc = store_job_get(st, ids.v[i], &job);
		if (rc < 0) {
			ret = -PL_ESTORE;
			break;
		}
		if ((job.state != JOB_SENDING && job.state != JOB_UNKNOWN) ||
		    rj_load(&j, &job) < 0) {
			job_release(&job);
			continue;
		}
		if (strcmp(j.printer, posnet_dev_cfg(dev)->name) != 0) {
			posnet_receipt_release(&j.r);
			job_release(&job);
			continue; /* another printer's job */
		}
		rep->examined++;
		if (job.state == JOB_SENDING) {
			/* The process that sent it is gone (one agent per printer). */
			rc = rj_journal(&j, JOB_UNKNOWN, false, "unknown", NULL, NULL, NULL,
					"found sending at start-up");
			if (rc < 0) {
				ret = rc;
				posnet_receipt_release(&j.r);
				job_release(&job);
				break;
			}
		}
		res.outcome = RECEIPT_RECOVERED;
		rc = rj_reconcile(&j);
		if (rc == 0 && res.outcome == RECEIPT_RECOVERED)
			rep->done++;
		else if (rc == 0)
			rep->reprinted++;
		else if (rc == -PL_EUNKNOWN)
			rep->undecided++;
		else if (rc == -PL_ESTORE)
			ret = rc;
		else
			rep->failed++;
		pl_info("receipt job %lld: %s", (long long)job.id, res.message);
		posnet_receipt_release(&j.r);
		job_release(&job);
		if (ret == -PL_ESTORE)
			break;
	}
	free(ids.v);
	if (ret < 0)
		return ret;
	return rep->undecided ? -PL_EUNKNOWN : 0;
}

int receipt_issue(struct store *st, struct posnet_dev *dev, const struct document *d,
		  const struct order *o, struct receipt_result *res)
{
	struct receipt_reconcile_report rep;
	struct posnet_receipt fresh;
	struct job job;
	struct rj j;
	char err[256];
	int rc;

	memset(res, 0, sizeof(*res));
	memset(&j, 0, sizeof(j));
	memset(&job, 0, sizeof(job));
	j.st = st;
	j.dev = dev;
	j.res = res;
	snprintf(j.printer, sizeof(j.printer), "%s", posnet_dev_cfg(dev)->name);
	rc = posnet_receipt_from_document(&fresh, d, o, err, sizeof(err));
	if (rc < 0) {
		rj_msg(&j, "cannot print order '%s': %s", o->number, err);
		return -PL_EINVAL;
	}
	rc = receipt_job_key(o, job.idem_key, sizeof(job.idem_key));
	if (rc < 0) {
		posnet_receipt_release(&fresh);
		rj_msg(&j, "order has no source/ext_id to key its receipt");
		return -PL_EINVAL;
	}
	/* Settle leftovers first: printing more receipts would make an
	 * unsettled job undecidable (its counters would move). */
	rc = receipt_reconcile_all(st, dev, &rep);
	if (rc < 0) {
		posnet_receipt_release(&fresh);
		if (rc == -PL_ESTORE)
			rj_msg(&j, "cannot read or write the journal");
		else
			rj_msg(&j,
			       "%zu earlier receipt(s) on printer '%s' are unsettled: resolve "
			       "them first (`packline receipt reconcile`)",
			       rep.undecided, j.printer);
		return rc;
	}
	snprintf(job.kind, sizeof(job.kind), "receipt");
	job.order_id = o->id;
	job.request = rj_request_json(&fresh, j.printer, o, d->id);
	if (!job.request) {
		posnet_receipt_release(&fresh);
		return -PL_ENOMEM;
	}
	rc = store_job_begin(st, &job);
	if (rc == -PL_EEXIST) {
		/* job now holds the existing job, loaded by the store */
		posnet_receipt_release(&fresh);
		if (rj_load(&j, &job) < 0) {
			job_release(&job);
			rj_msg(&j, "the journal entry of this receipt is unreadable");
			return -PL_ESTORE;
		}
		switch (job.state) {
		case JOB_DONE:
			res->outcome = RECEIPT_ALREADY_DONE;
			res->job_id = job.id;
			res->attempt = job.attempt;
			rj_msg(&j, "receipt already printed (%s)", res->key[0] ? res->key : "?");
			rc = 0;
			goto out;
		case JOB_CANCELLED:
			rj_msg(&j, "the receipt job was cancelled by an operator");
			rc = -PL_ESTATE;
			goto out;
		case JOB_SENDING:
		case JOB_UNKNOWN:
			/* another printer's unsettled job (this printer's were settled above) */
			rj_msg(&j, "the receipt is unsettled on printer '%s'", j.printer);
			rc = -PL_EUNKNOWN;
			goto out;
		default:
			/* PENDING or FAILED: print what the journal holds (the intent
			 * stays the one first recorded) */
			if (strcmp(j.printer, posnet_dev_cfg(dev)->name) != 0)
				pl_info("receipt job %lld moves from printer '%s' to '%s'",
					(long long)job.id, j.printer, posnet_dev_cfg(dev)->name);
			snprintf(j.printer, sizeof(j.printer), "%s", posnet_dev_cfg(dev)->name);
			break;
		}
	} else if (rc < 0) {
		posnet_receipt_release(&fresh);
		rj_msg(&j, "cannot write the journal: %s", pl_strerror(rc));
		rc = -PL_ESTORE;
		goto out;
	} else {
		j.job_id = job.id;
		j.attempt = 1; /* the store records a new job as attempt 1 */
		j.state = JOB_PENDING;
		j.doc_id = d->id;
		j.r = fresh;
	}
	res->job_id = j.job_id;
	res->outcome = RECEIPT_PRINTED;
	rc = rj_attempt(&j);
	res->attempt = j.attempt;
	res->before = j.before;
out:
	posnet_receipt_release(&j.r);
	job_release(&job);
	return rc;
}

int receipt_printer_status(struct posnet_dev *dev, FILE *out)
{
	static const char letters[] = "ABCDEFG";
	struct posnet_status ps;
	struct posnet_counters c;
	struct posnet_trans t;
	struct posnet_vat_table vat;
	struct posnet_dev_stats stats;
	int rc;

	fprintf(out, "printer: %s (%s)\n", posnet_dev_cfg(dev)->name, posnet_dev_cfg(dev)->target);
	rc = posnet_read_status(dev, &ps);
	if (rc < 0)
		goto out;
	fprintf(out, "unique number: %s\nfiscal: %s\nready: %s (sdev ds%d)\n", ps.nu,
		ps.fiscal ? "yes" : "NO", ps.ds == 0 ? "yes" : "NO", ps.ds);
	fprintf(out, "mechanism: %s (sprn pr%d)\n", ps.pr == 0 ? "ok" : "NOT READY", ps.pr);
	fprintf(out, "header set: %s\nread-only: %s\nopen transaction: %s (ts%d)\n",
		ps.header_set ? "yes" : "NO", ps.read_only ? "YES" : "no", ps.ts ? "YES" : "no",
		ps.ts);
	rc = posnet_read_trans(dev, &t);
	if (rc < 0)
		goto out;
	fprintf(out, "footer pending: %s\n", t.footer_pending ? "YES" : "no");
	rc = posnet_read_counters(dev, &c);
	if (rc < 0)
		goto out;
	fprintf(out,
		"daily reports (rd): %lld\nreceipts today (bn): %lld\nlast receipt (bt): %lld\n"
		"cancelled (bc): %lld\nlast document in protected memory (di): %lld\n",
		c.rd, c.bn, c.bt, c.bc, c.di);
	rc = posnet_read_vat(dev, &vat, true);
	if (rc < 0)
		goto out;
	fprintf(out, "VAT:");
	for (int i = 0; i < POSNET_VAT_SLOTS; i++) {
		if (vat.rate[i] == POSNET_VAT_INACTIVE)
			fprintf(out, " %c=-", letters[i]);
		else if (vat.rate[i] == POSNET_VAT_EXEMPT)
			fprintf(out, " %c=zw", letters[i]);
		else
			fprintf(out, " %c=%d,%02d%%", letters[i], vat.rate[i] / 100,
				vat.rate[i] % 100);
	}
	fprintf(out, "\n");
out:
	posnet_dev_stats(dev, &stats);
	fprintf(out,
		"exchanges: %llu, timeouts: %llu, replays: %llu, bad frames: %llu, stray "
		"replies: %llu\n",
		(unsigned long long)stats.exchanges, (unsigned long long)stats.timeouts,
		(unsigned long long)stats.replays, (unsigned long long)stats.bad_frames,
		(unsigned long long)stats.stray_frames);
	if (rc < 0)
		fprintf(out, "error: %s\n", posnet_dev_last_message(dev));
	return rc;
}
