/* SPDX-License-Identifier: Apache-2.0 */
/* agent/process.c - decide an order's document and issue it. */
#include "agent/process.h"
#include "agent/label_job.h"
#include "agent/receipt_job.h"
#include "agent/returns.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "core/rules.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Print the receipt of a pending receipt document on the fiscal printer. */
static int issue_receipt(const struct process_env *env, struct document *d, const struct order *o,
			 struct process_row *row, struct process_report *rep)
{
	struct receipt_result res;
	int rc;

	memset(&res, 0, sizeof(res));
	rc = receipt_issue(env->st, env->fiscal, d, o, &res);
	if (rc == 0) {
		outcome(row, "%s, receipt %s",
			res.outcome == RECEIPT_PRINTED     ? "printed"
			: res.outcome == RECEIPT_RECOVERED ? "printed (recovered)"
							   : "already printed",
			res.key);
		rep->issued++;
		return 0;
	}
	outcome(row, "receipt not printed: %s", res.message[0] ? res.message : pl_strerror(rc));
	row->failed = 1;
	rep->failed++;
	return rc == -PL_ESTORE ? rc : 0;
}

/* The rule's `label` step. */
static int print_label(const struct process_env *env, const struct order *o,
		       struct process_row *row)
{
	struct label_result res;
	int rc;

	if (!env->label) {
		outcome_append(row, "; label: no [label] configured");
		return 0;
	}
	memset(&res, 0, sizeof(res));
	rc = label_print(env->st, env->label, env->shipx, o, &res);
	if (rc == 0) {
		outcome_append(row, "; label %s%s%s",
			       res.outcome == LABEL_ALREADY_DONE ? "already printed" : "printed",
			       res.tracking[0] ? " " : "", res.tracking);
		return 0;
	}
	outcome_append(row, "; label failed: %s", res.message[0] ? res.message : pl_strerror(rc));
	row->failed = 1;
	return rc == -PL_ESTORE ? rc : 0;
}

int process_order(const struct process_env *env, const struct order *o, struct process_report *rep)
{
	struct store *st = env->st;
	const struct config *cfg = env->cfg;
	struct process_row *row = add_row(rep, o);
	struct rules_decision dec;
	struct store_doc_filter f = {0};
	struct existing ex = {0};
	struct document d;
	bool made = false;
	int rc;

	if (!row)
		return -PL_ENOMEM;
	doc_init(&d);
	/* changed after its document was issued: a person decides first */
	rc = returns_held(env, o, row, rep);
	if (rc) {
		rc = rc > 0 ? 0 : rc;
		goto out;
	}
	rc = rules_decide(cfg->rules, o, &dec);
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
	if (dec.kind == DOC_NONE) {
		outcome(row, "no document by rule");
		rep->skipped++;
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
	for (size_t i = 0; i < ex.n; i++) {
		if (ex.v[i].kind == dec.kind && live(&ex.v[i]) && dec.kind != DOC_CORRECTION) {
			snprintf(row->number, sizeof(row->number), "%s", ex.v[i].number);
			row->gross = ex.v[i].total_gross;
			if (ex.v[i].state == DOC_PENDING && env->fiscal &&
			    strcmp(ex.v[i].backend, "posnet") == 0) {
				/* left pending by a run without a printer: print it now */
				rc = store_doc_get(st, ex.v[i].id, &d);
				if (!rc)
					rc = issue_receipt(env, &d, o, row, rep);
			} else {
				outcome(row, "already %s", doc_state_name(ex.v[i].state));
				rep->skipped++;
			}
			if (!rc && !row->failed && rules_decision_has_step(&dec, "label"))
				rc = print_label(env, o, row);
			goto out;
		}
	}
	if (dec.kind == DOC_CORRECTION) {
		/* by line and quantity, a refund for a receipt (agent/returns.h) */
		rc = returns_process(env, o, dec.backend, row, rep, &made);
		if (rc || !made || row->failed)
			goto out;
		goto steps;
	}
	rc = doc_from_order(&d, o, dec.kind, pl_now());
	if (rc)
		goto out;
	if (dec.kind == DOC_FINAL) {
		for (size_t i = 0; i < ex.n; i++)
			if (ex.v[i].kind == DOC_ADVANCE && live(&ex.v[i]))
				d.advance_id = ex.v[i].id;
	}
	snprintf(d.backend, sizeof(d.backend), "%s",
		 dec.backend[0] ? dec.backend : process_default_backend(dec.kind));
	d.state = strcmp(d.backend, "local") == 0 ? DOC_ISSUED : DOC_PENDING;
	rc = store_doc_insert(st, &d, &cfg->numbering[dec.kind]);
	if (rc)
		goto out;
	snprintf(row->number, sizeof(row->number), "%s", d.number);
	row->gross = d.total_gross;
	if (d.state == DOC_ISSUED) {
		outcome(row, "issued");
		rep->issued++;
	} else if (strcmp(d.backend, "posnet") == 0 && env->fiscal) {
		rc = issue_receipt(env, &d, o, row, rep);
		if (rc)
			goto out;
	} else {
		outcome(row, "pending (%s%s)", d.backend,
			strcmp(d.backend, "posnet") == 0 ? ": no fiscal printer configured" : "");
		rep->pending++;
	}
	pl_info("order '%s': %s %s (%s)", o->number, doc_kind_name(d.kind), d.number, row->outcome);
steps:
	if (!row->failed && rules_decision_has_step(&dec, "label"))
		rc = print_label(env, o, row);
	/* steps whose modules come with later issues: said, not silently dropped */
	if (!row->failed && rules_decision_has_step(&dec, "email"))
		outcome_append(row, "; email: not sent (no mail module yet)");
	if (!row->failed && rules_decision_has_step(&dec, "allegro"))
		outcome_append(row, "; allegro: not uploaded (no Allegro module yet)");
out:
	if (rc && row->outcome[0] == '\0') {
		outcome(row, "error: %s", pl_strerror(rc));
		row->failed = 1;
		rep->failed++;
	}
	for (size_t i = 0; i < ex.n; i++)
		ex.v[i].lines = NULL;
	free(ex.v);
	doc_release(&d);
	return rc == -PL_ESTORE || rc == -PL_ENOMEM ? rc : 0;
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
