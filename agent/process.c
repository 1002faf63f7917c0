/* SPDX-License-Identifier: Apache-2.0 */
/* agent/process.c - decide an order's document and issue it. */
#include "agent/process.h"
#include "effects/invoice_sb.h"
#include "effects/label.h"
#include "agent/receipt_job.h"
#include "agent/returns.h"
#include "effects/docfx.h"
#include "effects/email.h"
#include "effects/receipt.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "core/rules.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void process_report_init(struct process_report *r)
{
	memset(r, 0, sizeof(*r));
}

void process_report_release(struct process_report *r)
{
	free(r->rows);
	process_report_init(r);
}

static struct process_row *add_row(struct process_report *r, const struct order *o)
{
	struct process_row *row;

	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		struct process_row *v = realloc(r->rows, cap * sizeof(*v));
		if (!v)
			return NULL;
		r->rows = v;
		r->cap = cap;
	}
	row = &r->rows[r->n++];
	memset(row, 0, sizeof(*row));
	snprintf(row->order, sizeof(row->order), "%s", o->number);
	snprintf(row->status, sizeof(row->status), "%s", o->status);
	snprintf(row->currency, sizeof(row->currency), "%s", o->currency);
	row->kind = DOC_NONE;
	return row;
}

const char *process_default_backend(enum doc_kind k)
{
	switch (k) {
	case DOC_RECEIPT:
	case DOC_RECEIPT_NIP:
		return "posnet";
	default:
		return "local";
	}
}

struct existing {
	struct document *v;
	size_t n;
	int oom;
};

static int collect_doc(const struct document *d, void *arg)
{
	struct existing *ex = arg;
	struct document *v = realloc(ex->v, (ex->n + 1) * sizeof(*v));

	if (!v) {
		ex->oom = 1;
		return 1;
	}
	ex->v = v;
	/* keep the header only: lines are not needed to decide */
	v[ex->n] = *d;
	v[ex->n].lines = NULL;
	v[ex->n].nlines = 0;
	ex->n++;
	return 0;
}

static bool live(const struct document *d)
{
	return d->state == DOC_PENDING || d->state == DOC_ISSUED;
}

static void outcome(struct process_row *row, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void outcome(struct process_row *row, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(row->outcome, sizeof(row->outcome), fmt, ap);
	va_end(ap);
}

static void outcome_append(struct process_row *row, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void outcome_append(struct process_row *row, const char *fmt, ...)
{
	size_t n = strlen(row->outcome);
	va_list ap;

	if (n >= sizeof(row->outcome) - 1)
		return;
	va_start(ap, fmt);
	vsnprintf(row->outcome + n, sizeof(row->outcome) - n, fmt, ap);
	va_end(ap);
}

/* The jobs one step of the report waits for: job ids, the row of each,
 * and their outcomes; an order named twice is one job, run once. */
struct job_batch {
	int64_t *ids;
	size_t *rows;
	struct journal_outcome *outs;
	size_t n;
};

static int batch_init(struct job_batch *b, size_t cap)
{
	b->n = 0;
	b->ids = calloc(cap ? cap : 1, sizeof(*b->ids));
	b->rows = calloc(cap ? cap : 1, sizeof(*b->rows));
	b->outs = calloc(cap ? cap : 1, sizeof(*b->outs));
	return b->ids && b->rows && b->outs ? 0 : -PL_ENOMEM;
}

static void batch_add(struct job_batch *b, int64_t job_id, size_t row)
{
	for (size_t k = 0; k < b->n; k++)
		if (b->ids[k] == job_id)
			return;
	b->ids[b->n] = job_id;
	b->rows[b->n++] = row;
}

static void batch_release(struct job_batch *b)
{
	free(b->ids);
	free(b->rows);
	free(b->outs);
}

/* The outcome of the rule's `label` step in the row. */
static void label_outcome(struct process_row *row, int rc, const struct label_result *res)
{
	if (rc == 0 || rc == 1) {
		outcome_append(row, "; label %s%s%s",
			       res->outcome == LABEL_ALREADY_DONE ? "already printed" : "printed",
			       res->tracking[0] ? " " : "", res->tracking);
		return;
	}
	outcome_append(row, "; label failed: %s", res->message[0] ? res->message : pl_strerror(rc));
	row->failed = 1;
}

/* The rules' `label` steps of the report: every intent first, then the
 * engine performs them - the pool's workers in `run` (this thread does not
 * wait for them), this thread in `process` (the command's caller waits). 0, -PL_EBUSY (stopped), -PL_ESTORE. */
static int label_steps(const struct process_env *env, struct process_report *rep)
{
	struct job_batch b;
	size_t n = 0;
	int rc = 0;

	for (size_t i = 0; i < rep->n; i++) {
		struct process_row *row = &rep->rows[i];
		if (row->want_label && row->order_id && !row->failed && !env->label) {
			outcome_append(row, "; label: no [label] configured");
			row->want_label = false;
		}
		n += row->want_label && row->order_id && !row->failed;
	}
	if (!n)
		return 0;
	rc = batch_init(&b, n);
	for (size_t i = 0; i < rep->n && !rc; i++) {
		struct process_row *row = &rep->rows[i];
		struct label_result res;
		struct order o;
		int lrc;

		if (!row->want_label || !row->order_id || row->failed)
			continue;
		order_init(&o);
		lrc = store_order_get(env->st, row->order_id, &o);
		if (!lrc)
			lrc = label_intent(env->journal, env->label, &o, &res);
		else
			snprintf(res.message, sizeof(res.message), "cannot read the order");
		order_release(&o);
		if (lrc == -PL_ESTORE) {
			rc = lrc;
			break;
		}
		if (lrc) /* printed already, or refused before anything ran */
			label_outcome(row, lrc, &res);
		else
			batch_add(&b, res.job_id, i);
	}
	if (!rc && b.n && env->pool) {
		/* `run`: a worker prints it; this thread goes on importing and
		 * recording - a label printer that waits for paper or a slow
		 * courier holds up nothing else (`packline jobs` follows it) */
		journal_pool_kick(env->pool);
		for (size_t k = 0; k < b.n; k++)
			outcome_append(&rep->rows[b.rows[k]], "; label queued (job %" PRId64 ")",
				       b.ids[k]);
		goto out;
	}
	if (!rc && b.n)
		rc = journal_work_ids(env->journal, b.ids, b.n, env->stop, b.outs);
	for (size_t k = 0; k < b.n && rc != -PL_ESTORE; k++) {
		struct process_row *row = &rep->rows[b.rows[k]];
		struct label_result res;

		if (b.outs[k].job_id == 0) { /* stopped before it was settled */
			outcome_append(row, "; label pending (stopped; the intent is kept)");
			continue;
		}
		memset(&res, 0, sizeof(res));
		label_outcome(row, label_settled(env->st, &b.outs[k], &res), &res);
	}
out:
	batch_release(&b);
	return rc;
}

/* The outcome of one e-mail job in the row. */
static void email_outcome(struct process_report *rep, struct process_row *row,
			  const struct store *stc, int64_t job_id, const struct journal_outcome *oc)
{
	struct store *st = (struct store *)stc;
	char msg[256] = "", rcpt[256] = "", how[16] = "";
	struct job jb;
	cJSON *req = NULL, *ev = NULL;

	memset(&jb, 0, sizeof(jb));
	if (store_job_get(st, job_id, &jb) == 0) {
		req = cJSON_Parse(jb.request ? jb.request : "{}");
		ev = jb.result ? cJSON_Parse(jb.result) : NULL;
	}
	journal_json_str(req, "rcpt", rcpt, sizeof(rcpt));
	journal_json_str(ev, "message", msg, sizeof(msg));
	journal_json_str(ev, "how", how, sizeof(how));
	if (oc && oc->message[0] && jb.state != JOB_DONE)
		snprintf(msg, sizeof(msg), "%s", oc->message);
	if (jb.state == JOB_DONE) {
		outcome_append(row, "; email %s %s",
			       strcmp(how, "outbox") == 0 ? "written for" : "sent to", rcpt);
	} else if (jb.state == JOB_PENDING) {
		outcome_append(row, "; email to %s pending (job %" PRId64 ": %s)", rcpt, job_id,
			       msg[0] ? msg : "not sent yet");
	} else {
		outcome_append(row, "; email to %s %s (job %" PRId64 "): %s", rcpt,
			       job_state_name(jb.state), job_id, msg[0] ? msg : "-");
		/* the document is out, its e-mail is not: the exit code says so */
		if (!row->failed)
			rep->failed++;
		row->failed = 1;
	}
	cJSON_Delete(req);
	cJSON_Delete(ev);
	job_release(&jb);
}

/* The rules' `email` steps: for each row whose document is issued, one job
 * per recipient (effects/email.h); performed like the labels. */
static int email_steps(const struct process_env *env, struct process_report *rep)
{
	struct job_batch b;
	size_t n = 0;
	int rc = 0;

	for (size_t i = 0; i < rep->n; i++) {
		struct process_row *row = &rep->rows[i];
		if (row->want_email && !row->failed && !env->email) {
			outcome_append(row, "; email: no [email] configured");
			row->want_email = false;
		}
		n += row->want_email && (row->job_id || row->doc_id) && !row->failed;
	}
	if (!n)
		return 0;
	rc = batch_init(&b, n * 2);
	for (size_t i = 0; i < rep->n && !rc; i++) {
		struct process_row *row = &rep->rows[i];
		struct document d;
		struct order o;
		struct job jb;
		int64_t ids[2];
		size_t got = 0, skipped = 0;
		char msg[200] = "";
		int erc;

		if (!row->want_email || (!row->job_id && !row->doc_id) || row->failed)
			continue;
		memset(&jb, 0, sizeof(jb));
		doc_init(&d);
		order_init(&o);
		erc = row->job_id ? store_job_get(env->st, row->job_id, &jb) : 0;
		if (!row->job_id)
			jb.doc_id = row->doc_id;
		if (!erc && jb.doc_id > 0)
			erc = store_doc_get(env->st, jb.doc_id, &d);
		if (!erc && jb.doc_id > 0 && d.state == DOC_ISSUED)
			erc = store_order_get(env->st, d.order_id, &o);
		if (erc || jb.doc_id <= 0 || d.state != DOC_ISSUED) {
			outcome_append(row, "; email: waits until the document is issued");
		} else {
			erc = email_intent(env->journal, env->email, &o, &d, ids, 2, &got, &skipped,
					   msg, sizeof(msg));
			if (erc == -PL_ESTORE)
				rc = erc;
			else if (erc)
				outcome_append(row, "; email: not sent (%s)", msg);
			else if (skipped && !got)
				outcome_append(row, "; email sent before");
			for (size_t k = 0; k < got; k++)
				batch_add(&b, ids[k], i);
		}
		job_release(&jb);
		doc_release(&d);
		order_release(&o);
	}
	if (!rc && b.n && env->pool) {
		journal_pool_kick(env->pool);
		for (size_t k = 0; k < b.n; k++)
			outcome_append(&rep->rows[b.rows[k]], "; email queued (job %" PRId64 ")",
				       b.ids[k]);
		goto out;
	}
	if (!rc && b.n)
		rc = journal_work_ids(env->journal, b.ids, b.n, env->stop, b.outs);
	for (size_t k = 0; k < b.n && rc != -PL_ESTORE; k++)
		email_outcome(rep, &rep->rows[b.rows[k]], env->st, b.ids[k],
			      b.outs[k].job_id ? &b.outs[k] : NULL);
out:
	batch_release(&b);
	return rc;
}

/* The effect that performs a document of `backend`: our own numbering
 * ("document"), the fiscal printer ("receipt"), or a service's effect of
 * that name (a later issue's). */
static const char *job_kind_for(const char *backend)
{
	if (strcmp(backend, "local") == 0)
		return "document";
	if (strcmp(backend, "posnet") == 0)
		return "receipt";
	return backend;
}

int process_record_intent(const struct process_env *env, struct docfx_intent *in, int64_t *job_id,
			  bool *was_done, char *job_kind, size_t kind_cap)
{
	const char *base = in->suffix;
	char suffix[64];
	int rc = 0;

	for (int n = 1; n < 10; n++) {
		struct job job;
		struct document d;
		bool dead = false;

		if (n > 1) {
			snprintf(suffix, sizeof(suffix), "%s%sr%d", base ? base : "",
				 base ? "-" : "", n);
			in->suffix = suffix;
		}
		rc = docfx_job(in, &job);
		if (rc)
			return rc;
		rc = journal_intent(env->journal, &job);
		if (rc < 0) {
			job_release(&job);
			return rc;
		}
		if (rc == 1 && job.state == JOB_DONE && job.doc_id > 0) {
			doc_init(&d);
			if (store_doc_get(env->st, job.doc_id, &d) == 0)
				dead = !live(&d);
			doc_release(&d);
		}
		if (dead) {
			job_release(&job);
			continue;
		}
		*job_id = job.id;
		if (job_kind)
			snprintf(job_kind, kind_cap, "%s", job.kind);
		*was_done = rc == 1 && job.state == JOB_DONE;
		if (rc == 1 && job.state == JOB_FAILED) {
			/* definitely not done before: a new attempt of the same intent */
			int urc = store_job_update(env->st, job.id, JOB_PENDING, true, NULL);
			if (urc && urc != -PL_ELOST && urc != -PL_ESTATE) {
				job_release(&job);
				return -PL_ESTORE;
			}
		}
		job_release(&job);
		return 0;
	}
	return -PL_EEXIST;
}

int process_order(const struct process_env *env, const struct order *o, struct process_report *rep)
{
	struct store *st = env->st;
	const struct config *cfg = env->cfg;
	struct process_row *row = add_row(rep, o);
	struct rules_decision dec;
	struct store_doc_filter f = {0};
	struct existing ex = {0};
	struct docfx_intent in = {0};
	char backend[32], resource[48] = "";
	const char *printer = NULL;
	int rc;

	if (!row)
		return -PL_ENOMEM;
	row->order_id = o->id;
	/* changed after its document was issued: a person decides first */
	rc = returns_held(env, o, row, rep);
	if (rc) {
		rc = rc > 0 ? 0 : rc;
		goto out;
	}
	rc = rules_decide(cfg->rules, o, &dec);
	if (env->force_kind != DOC_NONE && (rc == 0 || rc == -PL_ENOTFOUND)) {
		/* the operator's kind; a receipt with the buyer's NIP when it has one */
		enum doc_kind k = env->force_kind;
		if (k == DOC_RECEIPT && o->buyer.nip[0])
			k = DOC_RECEIPT_NIP;
		if (!dec.matched || dec.kind != k)
			dec.backend[0] = '\0';
		if (!dec.matched)
			snprintf(dec.rule, sizeof(dec.rule), "(none)");
		dec.matched = true;
		dec.kind = k;
		dec.then[0] = '\0';
		rc = 0;
	}
	if (rc == -PL_ENOTFOUND || (rc == 0 && !dec.matched)) {
		outcome(row, "no rule matched: add a catch-all rule");
		row->failed = 1;
		rep->failed++;
		rc = 0;
		goto out;
	}
	if (rc)
		goto out;
	snprintf(row->rule, sizeof(row->rule), "%s", dec.rule);
	row->kind = dec.kind;
	row->want_label = rules_decision_has_step(&dec, "label");
	row->want_email = rules_decision_has_step(&dec, "email");
	row->want_allegro = rules_decision_has_step(&dec, "allegro");
	if (dec.kind == DOC_NONE) {
		outcome(row, "no document by rule");
		rep->skipped++;
		row->want_label = row->want_email = row->want_allegro = false;
		goto out;
	}
	f.order_id = o->id;
	rc = store_doc_list(st, &f, collect_doc, &ex);
	if (rc)
		goto out;
	if (ex.oom) {
		rc = -PL_ENOMEM;
		goto out;
	}
	snprintf(backend, sizeof(backend), "%s",
		 dec.backend[0] ? dec.backend : process_default_backend(dec.kind));
	in.o = o;
	in.kind = dec.kind;
	for (size_t i = 0; i < ex.n; i++) {
		if (ex.v[i].kind == dec.kind && live(&ex.v[i]) && dec.kind != DOC_CORRECTION) {
			snprintf(row->number, sizeof(row->number), "%s",
				 ex.v[i].number[0] ? ex.v[i].number : ex.v[i].remote_id);
			row->gross = ex.v[i].total_gross;
			if (ex.v[i].state == DOC_PENDING) {
				/* made by a claimer that died before it was issued
				 * (killed, power): its job takes it up, on the
				 * document's own backend - never a second document */
				snprintf(backend, sizeof(backend), "%s", ex.v[i].backend);
				in.doc_id = ex.v[i].id;
				break;
			}
			outcome(row, "already %s", doc_state_name(ex.v[i].state));
			rep->skipped++;
			/* its e-mail may not have gone yet (a crash after issuing):
			 * the step records it again, once per key */
			row->doc_id = ex.v[i].id;
			row->want_allegro = false;
			goto out;
		}
	}
	if (dec.kind == DOC_CORRECTION) {
		/* by line and quantity, a refund for a receipt (agent/returns.h);
		 * its job is run there, the rule's steps follow in process_finish */
		bool made = false;
		rc = returns_process(env, o, dec.backend, row, rep, &made);
		if (!rc && (!made || row->failed))
			row->want_label = row->want_email = row->want_allegro = false;
		goto out;
	}
	if (dec.kind == DOC_FINAL) {
		for (size_t i = 0; i < ex.n; i++)
			if (ex.v[i].kind == DOC_ADVANCE && live(&ex.v[i]))
				in.advance_id = ex.v[i].id;
	}
	if (strcmp(backend, "posnet") == 0) {
		printer = "fiscal";
		receipt_resource(printer, resource, sizeof(resource));
	} else if (strcmp(backend, SB_JOB_KIND) == 0) {
		/* one SmartBill invoice in flight at a time: its lookup reads the
		 * series' next number (effects/invoice_sb.h) */
		snprintf(resource, sizeof(resource), "%s", SB_RESOURCE);
	}
	in.backend = backend;
	in.job_kind = job_kind_for(backend);
	in.resource = resource;
	in.printer = printer;
	rc = process_record_intent(env, &in, &row->job_id, &row->was_done, row->job_kind,
				   sizeof(row->job_kind));
	if (rc == -PL_EEXIST) {
		outcome(row, "too many re-issues of this document: see `packline jobs`");
		row->failed = 1;
		rep->failed++;
		rc = 0;
		goto out;
	}
	if (rc)
		goto out;
	if (!journal_has_kind(env->journal, row->job_kind)) {
		outcome(row, "pending (%s%s)", backend,
			strcmp(backend, "posnet") == 0 ? ": no fiscal printer configured" : "");
		rep->pending++;
		goto out;
	}
	row->awaiting = true;
out:
	if (rc && row->outcome[0] == '\0') {
		outcome(row, "error: %s", pl_strerror(rc));
		row->failed = 1;
		rep->failed++;
		row->awaiting = false;
	}
	for (size_t i = 0; i < ex.n; i++)
		ex.v[i].lines = NULL;
	free(ex.v);
	return rc == -PL_ESTORE || rc == -PL_ENOMEM ? rc : 0;
}

/* Did this process settle the job (here or on one of its worker threads)?
 * The evidence's "by" is the owner "station:pid:nonce". */
static bool settled_here(const cJSON *ev)
{
	char by[96];
	const char *nonce, *p;

	journal_json_str(ev, "by", by, sizeof(by));
	nonce = strrchr(by, ':');
	if (!nonce)
		return false;
	for (p = nonce - 1; p > by && *p != ':'; p--)
		;
	return *p == ':' && strtol(p + 1, NULL, 10) == (long)getpid();
}

/* A settled job's row, as the caller reads it. */
static void settle_row(const struct process_env *env, struct process_row *row,
		       const struct journal_outcome *oc, struct process_report *rep)
{
	struct job jb;
	struct document d;
	cJSON *ev = NULL;
	char key[128] = "", msg[256] = "";
	bool receipt = strcmp(row->job_kind, "receipt") == 0;
	struct journal_outcome here;

	memset(&jb, 0, sizeof(jb));
	doc_init(&d);
	if (store_job_get(env->st, row->job_id, &jb) == 0) {
		ev = jb.result ? cJSON_Parse(jb.result) : NULL;
		journal_json_str(ev, "key", key, sizeof(key));
		journal_json_str(ev, "message", msg, sizeof(msg));
		if (jb.doc_id > 0 && store_doc_get(env->st, jb.doc_id, &d) == 0) {
			/* a service's number (SmartBill) is its remote id */
			snprintf(row->number, sizeof(row->number), "%s",
				 d.number[0] ? d.number : d.remote_id);
			row->gross = d.total_gross;
		}
	}
	if (oc && oc->performed && oc->message[0])
		snprintf(msg, sizeof(msg), "%s", oc->message);
	if (jb.state == JOB_DONE && (!oc || !oc->performed) && settled_here(ev)) {
		/* a worker thread of this process did it */
		char how[32];
		memset(&here, 0, sizeof(here));
		here.performed = true;
		journal_json_str(ev, "how", how, sizeof(how));
		here.recovered = strcmp(how, "reconciled") == 0;
		oc = &here;
	}
	if (jb.state == JOB_DONE) {
		if (receipt)
			outcome(row, "%s, receipt %s",
				row->was_done           ? "already printed"
				: !oc || !oc->performed ? "printed by another run"
				: oc->recovered         ? "printed (recovered)"
							: "printed",
				key[0] ? key : "?");
		else
			outcome(row, "%s",
				row->was_done           ? "already issued"
				: !oc || !oc->performed ? "issued by another run"
							: "issued");
		if (row->was_done)
			rep->skipped++;
		else
			rep->issued++;
	} else if (jb.state == JOB_PENDING && !(oc && oc->rc == -PL_ESTATE)) {
		outcome(row, "pending (%s)", msg[0] ? msg : "not done yet");
		rep->pending++;
	} else {
		if (oc && oc->rc == -PL_ESTATE && !oc->performed && oc->message[0])
			snprintf(msg, sizeof(msg), "%s", oc->message);
		outcome(row, "%s not %s: %s", receipt ? "receipt" : "document",
			receipt ? "printed" : "issued", msg[0] ? msg : job_state_name(jb.state));
		row->failed = 1;
		rep->failed++;
	}
	if (jb.state != JOB_DONE && oc &&
	    (oc->rc == -PL_EDEVICE || oc->rc == -PL_EIO || oc->rc == -PL_ETIMEDOUT)) {
		if (!rep->device_errors++)
			snprintf(rep->device_message, sizeof(rep->device_message), "%s",
				 msg[0] ? msg : pl_strerror(oc->rc));
	}
	pl_info("order '%s': %s %s (%s)", row->order, doc_kind_name(row->kind), row->number,
		row->outcome);
	cJSON_Delete(ev);
	doc_release(&d);
	job_release(&jb);
}

int process_finish(const struct process_env *env, struct process_report *rep)
{
	struct job_batch b;
	size_t n = 0;
	int rc;

	for (size_t i = 0; i < rep->n; i++)
		n += rep->rows[i].awaiting;
	rc = batch_init(&b, n);
	if (rc)
		goto out;
	for (size_t i = 0; i < rep->n; i++)
		if (rep->rows[i].awaiting)
			batch_add(&b, rep->rows[i].job_id, i);
	if (b.n && env->pool) {
		journal_pool_kick(env->pool);
		rc = journal_watch_ids(env->journal, b.ids, b.n, env->stop, b.outs);
	} else if (b.n) {
		rc = journal_work_ids(env->journal, b.ids, b.n, env->stop, b.outs);
	}
	if (rc == -PL_ESTORE)
		goto out;
	for (size_t i = 0; i < rep->n; i++) {
		struct process_row *row = &rep->rows[i];
		const struct journal_outcome *oc = NULL;

		if (!row->awaiting)
			continue;
		for (size_t k = 0; k < b.n; k++)
			if (b.rows[k] == i)
				oc = &b.outs[k];
		if (rc == -PL_EBUSY && oc && oc->job_id == 0) {
			outcome(row, "pending (stopped before it was done; the intent is kept)");
			rep->pending++;
			row->awaiting = false;
			continue;
		}
		settle_row(env, row, oc, rep);
		row->awaiting = false;
	}
	if (rc != -PL_ESTORE) {
		int lrc = label_steps(env, rep);
		if (lrc)
			rc = lrc;
	}
	if (rc != -PL_ESTORE) {
		int erc = email_steps(env, rep);
		if (erc)
			rc = erc;
	}
	for (size_t i = 0; i < rep->n && rc != -PL_ESTORE; i++) {
		struct process_row *row = &rep->rows[i];

		if (row->failed)
			continue;
		/* steps whose modules come with later issues: said, not silently dropped */
		if (!row->failed && row->want_allegro)
			outcome_append(row, "; allegro: not uploaded (no Allegro module yet)");
		row->want_label = row->want_email = row->want_allegro = false;
	}
out:
	batch_release(&b);
	return rc;
}

struct all_ctx {
	int64_t *ids;
	size_t n;
	int oom;
};

static int collect_id(const struct order *o, void *arg)
{
	struct all_ctx *a = arg;
	int64_t *v = realloc(a->ids, (a->n + 1) * sizeof(*v));

	if (!v) {
		a->oom = 1;
		return 1;
	}
	a->ids = v;
	a->ids[a->n++] = o->id;
	return 0;
}

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

int process_all(const struct process_env *env, struct process_report *rep)
{
	struct store *st = env->st;
	struct store_order_filter f = {0};
	struct all_ctx a = {0};
	int rc;

	/* ids first, then one order at a time: a listing callback must not
	 * write to the store it is reading */
	rc = store_order_list(st, &f, collect_id, &a);
	if (!rc && a.oom)
		rc = -PL_ENOMEM;
	if (a.ids)
		qsort(a.ids, a.n, sizeof(*a.ids), cmp_id);
	for (size_t i = 0; i < a.n && !rc; i++) {
		struct order o;
		order_init(&o);
		rc = store_order_get(st, a.ids[i], &o);
		if (!rc)
			rc = process_order(env, &o, rep);
		order_release(&o);
	}
	free(a.ids);
	if (!rc || rc == -PL_ENOMEM) {
		int frc = process_finish(env, rep);
		rc = rc ? rc : frc;
	}
	return rc;
}

void process_report_print(const struct process_report *r, FILE *out)
{
	fprintf(out, "%-20s %-10s %-18s %-12s %-22s %12s %-3s %s\n", "ORDER", "STATUS", "RULE",
		"DOCUMENT", "NUMBER", "GROSS", "CUR", "OUTCOME");
	for (size_t i = 0; i < r->n; i++) {
		const struct process_row *row = &r->rows[i];
		char gross[32] = "";
		if (row->number[0])
			money_format(row->gross, gross, sizeof(gross));
		fprintf(out, "%-20s %-10s %-18s %-12s %-22s %12s %-3s %s\n", row->order,
			row->status, row->rule[0] ? row->rule : "-", doc_kind_name(row->kind),
			row->number[0] ? row->number : "-", gross[0] ? gross : "-", row->currency,
			row->outcome);
	}
	fprintf(out,
		"%zu order(s): %zu issued, %zu pending at their backend, %zu skipped, %zu failed\n",
		r->n, r->issued, r->pending, r->skipped, r->failed);
}
