/* SPDX-License-Identifier: Apache-2.0 */
/* agent/returns.c - corrections, refunds and held orders (agent/returns.h). */
#include "agent/returns.h"
#include "effects/invoice_fkt.h"
#include "effects/invoice_sb.h"

#include "base/clock.h"
#include "base/diag.h"
#include "base/err.h"
#include "base/log.h"
#include "core/correction.h"
#include "effects/docfx.h"
#include "effects/receipt.h"
#include "journal/journal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int returns_receipt_mode(const struct config *cfg, enum returns_receipt *out)
{
	const char *v = config_get(cfg, "returns", "", "receipt");

	*out = RETURNS_RECEIPT_DOCUMENT;
	if (!v || strcmp(v, "document") == 0)
		return 0;
	if (strcmp(v, "printer") == 0) {
		*out = RETURNS_RECEIPT_PRINTER;
		return 0;
	}
	pl_err("[returns] receipt = '%s': use 'document' (a refund note) or 'printer' (a goods "
	       "return on the fiscal printer)",
	       v);
	return -PL_ECONFIG;
}

int returns_config_check(const struct config_view *c, const char *name, struct diag *d)
{
	char where[1100];
	size_t before = diag_count(d);

	for (size_t i = 0; i < c->nkv; i++) {
		const struct config_kv *kv = &c->kv[i];
		if (strcmp(kv->section, "returns") != 0 || strcmp(kv->name, name) != 0)
			continue;
		snprintf(where, sizeof(where), "%s:%d", c->path, kv->line);
		if (name[0])
			diag_add(d, where,
				 "[returns \"%s\"]: write [returns] (one section, no name)", name);
		else if (strcmp(kv->key, "receipt") != 0)
			diag_add(d, where, "unknown key '%s' in [returns] (receipt)", kv->key);
		else if (strcmp(kv->value, "document") != 0 && strcmp(kv->value, "printer") != 0)
			diag_add(d, where,
				 "[returns] receipt = '%s': use 'document' (a refund note of ours) "
				 "or 'printer' (a goods return on the fiscal printer)",
				 kv->value);
	}
	return diag_count(d) > before ? -PL_ECONFIG : 0;
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

/* The documents of an order, each with its own copy of the lines. */
struct docvec {
	struct document *v;
	size_t n;
	int rc;
};

static int collect_full(const struct document *d, void *arg)
{
	struct docvec *dv = arg;
	struct document *v = realloc(dv->v, (dv->n + 1) * sizeof(*v));
	struct doc_line *lines = NULL;

	if (!v) {
		dv->rc = -PL_ENOMEM;
		return 1;
	}
	dv->v = v;
	if (d->nlines) {
		lines = malloc(d->nlines * sizeof(*lines));
		if (!lines) {
			dv->rc = -PL_ENOMEM;
			return 1;
		}
		memcpy(lines, d->lines, d->nlines * sizeof(*lines));
	}
	v[dv->n] = *d;
	v[dv->n].lines = lines;
	dv->n++;
	return 0;
}

static void docvec_release(struct docvec *dv)
{
	for (size_t i = 0; i < dv->n; i++)
		doc_release(&dv->v[i]);
	free(dv->v);
	memset(dv, 0, sizeof(*dv));
}

static int docs_load(struct store *st, int64_t order_id, struct docvec *dv)
{
	struct store_doc_filter f = {.order_id = order_id};
	int rc = store_doc_list(st, &f, collect_full, dv);

	return rc ? rc : dv->rc;
}

static bool live(const struct document *d)
{
	return d->state == DOC_PENDING || d->state == DOC_ISSUED;
}

/* Kinds that sold the goods and are corrected by quantity. */
static bool sells(enum doc_kind k)
{
	return k == DOC_INVOICE || k == DOC_ADVANCE || k == DOC_FINAL || k == DOC_RECEIPT_NIP ||
	       k == DOC_RECEIPT;
}

/* The newest live document that sold the goods, or NULL. */
static const struct document *find_sale(const struct docvec *dv)
{
	for (size_t i = dv->n; i-- > 0;)
		if (live(&dv->v[i]) && sells(dv->v[i].kind))
			return &dv->v[i];
	return NULL;
}

/* A receipt the printer never printed: nothing was sold on it, so nothing
 * can be refunded (a refund of it would pay out money never taken). */
static bool unprinted(const struct document *d, char *msg, size_t size)
{
	if ((d->kind != DOC_RECEIPT && d->kind != DOC_RECEIPT_NIP) || d->state != DOC_PENDING)
		return false;
	snprintf(msg, size,
		 "receipt %s was never printed (pending): nothing was sold on the printer, so "
		 "nothing is refunded",
		 d->number);
	return true;
}

/* A receipt intent of the order that no printer took yet: the engine makes
 * the receipt (and its number) only when its job is claimed, so there is
 * no document - but there is a sale in waiting, and it is said. */
struct waiting {
	int64_t order_id;
	bool found;
};

static int find_waiting(const struct job *j, void *arg)
{
	struct waiting *w = arg;

	if (j->order_id == w->order_id && strcmp(j->kind, "receipt") == 0 && j->doc_id <= 0)
		w->found = true;
	return w->found;
}

static int receipt_waiting(const struct process_env *env, const struct order *o, char *msg,
			   size_t size, bool *found)
{
	struct waiting w = {.order_id = o->id};
	int rc = store_job_list(env->st, JOB_PENDING, find_waiting, &w);

	*found = !rc && w.found;
	if (*found)
		snprintf(msg, size,
			 "the receipt of order %s was never printed (pending): nothing was "
			 "sold on the printer, so nothing is refunded",
			 o->number);
	return rc;
}

/* The live documents correcting `orig`, copied headers + borrowed lines. */
static int priors_of(const struct docvec *dv, const struct document *orig, struct document **out,
		     size_t *n)
{
	*out = calloc(dv->n ? dv->n : 1, sizeof(**out));
	*n = 0;
	if (!*out)
		return -PL_ENOMEM;
	for (size_t i = 0; i < dv->n; i++)
		if (dv->v[i].corrects_id == orig->id && live(&dv->v[i]))
			(*out)[(*n)++] = dv->v[i]; /* lines stay owned by dv */
	return 0;
}

static bool has_pending_printer_return(const struct document *pr, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (pr[i].kind == DOC_REFUND && pr[i].state == DOC_PENDING &&
		    strcmp(pr[i].backend, "posnet") == 0)
			return true;
	return false;
}

/* A goods return already asked of the printer and not printed yet (a run
 * stopped before, or while, it was sent): work its job now - the effect's
 * lookup asks the printer first, so it is never paid out twice. */
static int work_printer_return(const struct process_env *env, const struct document *orig,
			       const struct document *pr, size_t npr, struct process_row *row,
			       struct process_report *rep)
{
	struct journal_outcome oc;
	struct {
		int64_t doc_id, job_id;
	} f = {0, 0};
	struct job jb;
	struct document d;
	char gross[32];
	int rc;

	for (size_t i = 0; i < npr && !f.job_id; i++) {
		if (pr[i].kind != DOC_REFUND || pr[i].state != DOC_PENDING ||
		    strcmp(pr[i].backend, "posnet") != 0)
			continue;
		memset(&jb, 0, sizeof(jb));
		rc = store_job_by_doc(env->st, pr[i].id, "fiscal_return", &jb);
		if (rc && rc != -PL_ENOTFOUND)
			return -PL_ESTORE;
		if (!rc && (jb.state == JOB_PENDING || jb.state == JOB_SENDING ||
			    jb.state == JOB_UNKNOWN)) {
			f.doc_id = pr[i].id;
			f.job_id = jb.id;
		}
		job_release(&jb);
	}
	if (!f.job_id) {
		outcome(row, "fiscal return pending on printer (receipt %s)", orig->number);
		rep->pending++;
		return 0;
	}
	row->job_id = f.job_id;
	snprintf(row->job_kind, sizeof(row->job_kind), "fiscal_return");
	memset(&oc, 0, sizeof(oc));
	rc = journal_work_ids(env->journal, &f.job_id, 1, env->stop, &oc);
	if (rc == -PL_EBUSY) {
		outcome(row, "fiscal return pending on printer (stopped; the intent is kept)");
		rep->pending++;
		return 0;
	}
	if (rc)
		return rc;
	memset(&jb, 0, sizeof(jb));
	doc_init(&d);
	rc = store_job_get(env->st, f.job_id, &jb);
	if (!rc)
		rc = store_doc_get(env->st, f.doc_id, &d);
	if (!rc) {
		money_format(d.total_gross < 0 ? -d.total_gross : d.total_gross, gross,
			     sizeof(gross));
		row->kind = d.kind;
		row->gross = d.total_gross;
		if (d.state == DOC_ISSUED) {
			outcome(row, "%s: goods return of %s on the fiscal printer for receipt %s",
				oc.performed ? "printed" : "found printed", gross, orig->number);
			rep->issued++;
		} else {
			outcome(row, "fiscal return pending on printer (receipt %s): %s",
				orig->number,
				oc.message[0] ? oc.message : job_state_name(jb.state));
			rep->pending++;
		}
	}
	job_release(&jb);
	doc_release(&d);
	return rc ? -PL_ESTORE : 0;
}

/* FNV-1a over the cumulative quantities: a key suffix that names them. */
static uint64_t qty_hash(const int64_t *q, size_t n)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < n; i++)
		for (int b = 0; b < 8; b++) {
			h ^= (uint64_t)(((uint64_t)q[i] >> (8 * b)) & 0xff);
			h *= 1099511628211ull;
		}
	return h;
}

/* Is nothing of `orig` left once its live corrections are counted? */
static int nothing_left(const struct process_env *env, const struct document *orig, bool *zero)
{
	struct docvec dv = {0};
	struct document *pr = NULL;
	size_t npr = 0;
	int64_t *left = NULL;
	int rc = docs_load(env->st, orig->order_id, &dv);

	*zero = false;
	if (!rc)
		rc = priors_of(&dv, orig, &pr, &npr);
	if (!rc) {
		left = calloc(orig->nlines ? orig->nlines : 1, sizeof(*left));
		rc = left ? correction_left(orig, pr, npr, left, NULL, 0) : -PL_ENOMEM;
	}
	if (!rc) {
		*zero = true;
		for (size_t i = 0; i < orig->nlines; i++)
			*zero = *zero && left[i] == 0;
	}
	free(left);
	free(pr);
	docvec_release(&dv);
	return rc;
}

/* The correction of `orig` taking back `take`: checked here against what
 * is left now (to say why nothing is done), then recorded as the intent of
 * a document job (effects/docfx.h) and run by the engine. The claimer
 * builds the document again from what is issued by then and numbers it;
 * this process creates nothing itself. `cumulative`: the request names all
 * that is taken back after it (the order's returned quantities: a repeated
 * run is the same job), else this is a return of its own (`orders return`).
 * The kind and backend follow from what is corrected (see returns.h). */
static int issue(const struct process_env *env, const struct order *o, const struct document *orig,
		 const struct document *pr, size_t npr, const int64_t *take, bool cumulative,
		 const char *backend, struct process_row *row, struct process_report *rep,
		 bool *made)
{
	enum returns_receipt mode = RETURNS_RECEIPT_DOCUMENT;
	char err[CORRECTION_ERR_MAX] = "", gross[32], sfx[48], resource[48], msg[256] = "";
	struct docfx_intent in = {0};
	struct journal_outcome oc;
	struct correction c;
	struct document d;
	struct job jb;
	enum doc_kind kind = DOC_CORRECTION;
	const char *be;
	int64_t *qty = NULL, job_id = 0;
	bool was_done = false, zero = false, printer_return = false;
	cJSON *ev = NULL;
	int rc;

	correction_init(&c);
	doc_init(&d);
	memset(&jb, 0, sizeof(jb));
	if (orig->kind == DOC_RECEIPT) {
		rc = returns_receipt_mode(env->cfg, &mode);
		if (rc) {
			outcome(row, "[returns] receipt is not 'document' or 'printer'");
			goto fail_row;
		}
	}
	rc = correction_build(orig, pr, npr, take, orig->nlines, pl_now(), &c, err, sizeof(err));
	if (rc == -PL_ENOTFOUND) {
		if (has_pending_printer_return(pr, npr)) {
			rc = work_printer_return(env, orig, pr, npr, row, rep);
			goto out;
		} else if (npr)
			outcome(row, "already corrected (%s: nothing more to take back)",
				orig->number);
		else
			outcome(row, "nothing to take back from %s", orig->number);
		rep->skipped++;
		rc = 0;
		goto out;
	}
	if (rc == -PL_ENOMEM)
		goto out;
	if (rc) {
		outcome(row, "cannot correct %s: %s", orig->number, err);
		goto fail_row;
	}
	if (orig->kind == DOC_RECEIPT) {
		kind = DOC_REFUND;
		be = mode == RETURNS_RECEIPT_PRINTER ? "posnet" : "local";
	} else {
		be = backend[0] ? backend : "local";
		/* an invoice made at SmartBill is reversed there (storno) */
		if (strcmp(orig->backend, SB_JOB_KIND) == 0)
			be = SB_JOB_KIND;
		/* an invoice made at fakturownia is corrected there */
		if (strcmp(orig->backend, FKT_JOB_KIND) == 0)
			be = FKT_JOB_KIND;
	}
	if (strcmp(be, "local") != 0 && strcmp(be, SB_JOB_KIND) != 0 &&
	    strcmp(be, FKT_JOB_KIND) != 0 && !(kind == DOC_REFUND && strcmp(be, "posnet") == 0)) {
		outcome(row, "cannot correct %s: backend '%s' does not issue corrections",
			orig->number, be);
		goto fail_row;
	}
	qty = calloc(orig->nlines ? orig->nlines : 1, sizeof(*qty));
	if (!qty) {
		rc = -PL_ENOMEM;
		goto out;
	}
	if (cumulative) {
		/* all taken back of each line once this one is in */
		rc = correction_left(orig, pr, npr, qty, err, sizeof(err));
		if (rc)
			goto out;
		for (size_t i = 0; i < orig->nlines; i++)
			qty[i] = orig->lines[i].qty - qty[i] + take[i];
		snprintf(sfx, sizeof(sfx), "of%lld-u%016llx", (long long)orig->id,
			 (unsigned long long)qty_hash(qty, orig->nlines));
	} else {
		struct timespec ts;
		memcpy(qty, take, orig->nlines * sizeof(*qty));
		clock_gettime(CLOCK_REALTIME, &ts);
		/* a return of its own: two at once are two jobs */
		snprintf(sfx, sizeof(sfx), "of%lld-t%llx.%lx.%lx", (long long)orig->id,
			 (unsigned long long)ts.tv_sec, (unsigned long)ts.tv_nsec,
			 (unsigned long)getpid());
	}
	printer_return = kind == DOC_REFUND && strcmp(be, "posnet") == 0;
	if (printer_return) {
		/* a goods return on the fiscal printer (effects/fiscal_return.h):
		 * one thing at a time on the printer, refunds of one receipt too */
		if (receipt_resource("fiscal", resource, sizeof(resource))) {
			rc = -PL_ETOOBIG;
			goto out;
		}
	} else if (strcmp(be, SB_JOB_KIND) == 0) {
		snprintf(resource, sizeof(resource), "%s", SB_RESOURCE);
	} else {
		docfx_correction_resource(orig->id, resource, sizeof(resource));
	}
	in.o = o;
	in.kind = kind;
	in.backend = be;
	in.job_kind = printer_return                  ? "fiscal_return"
		      : strcmp(be, SB_JOB_KIND) == 0  ? SB_JOB_KIND
		      : strcmp(be, FKT_JOB_KIND) == 0 ? FKT_JOB_KIND
						      : "document";
	in.printer = printer_return ? "fiscal" : NULL;
	in.resource = resource;
	in.corrects_id = orig->id;
	in.suffix = sfx;
	in.qty = qty;
	in.nqty = orig->nlines;
	in.cumulative = cumulative;
	in.shipping_line = orig->nlines > 0 &&
			   strcmp(orig->lines[orig->nlines - 1].name, "Dostawa") == 0 &&
			   orig->lines[orig->nlines - 1].sku[0] == '\0';
	rc = process_record_intent(env, &in, &job_id, &was_done, NULL, 0);
	if (rc == -PL_EEXIST) {
		outcome(row, "too many re-issues of this correction: see `packline jobs`");
		goto fail_row;
	}
	if (rc)
		goto out;
	row->job_id = job_id;
	snprintf(row->job_kind, sizeof(row->job_kind), "%s", in.job_kind);
	memset(&oc, 0, sizeof(oc));
	rc = journal_work_ids(env->journal, &job_id, 1, env->stop, &oc);
	if (rc == -PL_EBUSY) {
		outcome(row, "pending (stopped before it was done; the intent is kept)");
		rep->pending++;
		rc = 0;
		goto out;
	}
	if (rc)
		goto out;
	rc = store_job_get(env->st, job_id, &jb);
	if (rc)
		goto out;
	ev = jb.result ? cJSON_Parse(jb.result) : NULL;
	journal_json_str(ev, "message", msg, sizeof(msg));
	if (jb.doc_id > 0) {
		rc = store_doc_get(env->st, jb.doc_id, &d);
		if (rc)
			goto out;
	}
	if (jb.doc_id <= 0 || (jb.state != JOB_DONE && jb.state != JOB_PENDING)) {
		outcome(row, "cannot correct %s: %s", orig->number,
			msg[0] ? msg : job_state_name(jb.state));
		goto fail_row;
	}
	*made = true;
	row->kind = d.kind;
	snprintf(row->number, sizeof(row->number), "%s", d.number);
	row->gross = d.total_gross;
	money_format(d.total_gross, gross, sizeof(gross));
	if (d.kind == DOC_REFUND && d.state == DOC_PENDING) {
		outcome(row, "fiscal return pending on printer: receipt %s, %zu line(s), %s",
			orig->number, d.nlines, gross);
		rep->pending++;
	} else if (d.state == DOC_ISSUED && printer_return) {
		money_format(d.total_gross < 0 ? -d.total_gross : d.total_gross, gross,
			     sizeof(gross));
		outcome(row, "%s: goods return of %s on the fiscal printer for receipt %s",
			was_done                     ? "already printed"
			: oc.performed || !oc.job_id ? "printed"
						     : "printed by another run",
			gross, orig->number);
		if (was_done)
			rep->skipped++;
		else
			rep->issued++;
	} else if (d.state == DOC_ISSUED) {
		rc = nothing_left(env, orig, &zero);
		if (rc)
			goto out;
		outcome(row, "%s: %s %s %s",
			was_done                     ? "already issued"
			: oc.performed || !oc.job_id ? "issued"
						     : "issued by another run",
			d.kind == DOC_REFUND ? "refund note for" : "corrects", orig->number,
			zero ? "(to zero)" : "(partial)");
		if (was_done)
			rep->skipped++;
		else
			rep->issued++;
	} else {
		outcome(row, "pending (%s): corrects %s", d.backend, orig->number);
		rep->pending++;
	}
	pl_info("order '%s': %s %s of %s (%s)", d.order_number, doc_kind_name(d.kind), d.number,
		orig->number, row->outcome);
	goto out;
fail_row:
	row->failed = 1;
	rep->failed++;
	rc = 0;
out:
	cJSON_Delete(ev);
	job_release(&jb);
	doc_release(&d);
	free(qty);
	correction_release(&c);
	return rc;
}

int returns_process(const struct process_env *env, const struct order *o, const char *backend,
		    struct process_row *row, struct process_report *rep, bool *made)
{
	struct docvec dv = {0};
	const struct document *orig;
	struct document *pr = NULL;
	size_t npr = 0;
	int64_t *take = NULL;
	char err[CORRECTION_ERR_MAX] = "";
	int rc;

	*made = false;
	rc = docs_load(env->st, o->id, &dv);
	if (rc)
		goto out;
	orig = find_sale(&dv);
	if (!orig) {
		bool waiting = false;
		rc = receipt_waiting(env, o, row->outcome, sizeof(row->outcome), &waiting);
		if (rc)
			goto out;
		if (!waiting)
			outcome(row, "nothing to correct: no document was issued for this order");
		rep->skipped++;
		goto out;
	}
	if (unprinted(orig, row->outcome, sizeof(row->outcome))) {
		rep->skipped++;
		goto out;
	}
	rc = priors_of(&dv, orig, &pr, &npr);
	if (rc)
		goto out;
	take = calloc(orig->nlines ? orig->nlines : 1, sizeof(*take));
	if (!take) {
		rc = -PL_ENOMEM;
		goto out;
	}
	/* cancelled = the sale is void whole; "returned" goes by the quantities
	 * the order carries (none = everything came back) */
	rc = correction_take_from_order(orig, pr, npr, o, strcmp(o->status, "cancelled") == 0, take,
					err, sizeof(err));
	if (rc) {
		outcome(row, "cannot correct %s: %s", orig->number, err);
		row->failed = 1;
		rep->failed++;
		rc = 0;
		goto out;
	}
	rc = issue(env, o, orig, pr, npr, take, true, backend, row, rep, made);
out:
	free(take);
	free(pr);
	docvec_release(&dv);
	return rc;
}

int returns_held(const struct process_env *env, const struct order *o, struct process_row *row,
		 struct process_report *rep)
{
	struct store_hold h;
	char tail[200];
	size_t room;
	int rc = store_hold_get(env->st, o->id, &h);

	if (rc == -PL_ENOTFOUND)
		return 0;
	if (rc)
		return rc;
	snprintf(tail, sizeof(tail),
		 "; run `packline orders accept %.40s --reason ...` or `packline orders correct "
		 "%.40s --reason ...`",
		 o->number, o->number);
	/* the reason is cut, never the way out */
	room = sizeof(row->outcome) - strlen(tail) - 1;
	snprintf(row->outcome, room, "held: order changed after %s was issued: %s", h.doc_number,
		 h.reason);
	if (strlen(row->outcome) == room - 1 && room > 4)
		memcpy(row->outcome + room - 4, "...", 3);
	strncat(row->outcome, tail, sizeof(row->outcome) - strlen(row->outcome) - 1);
	rep->skipped++;
	return 1;
}

/* What to take back so that `orig` (as already corrected) says what the
 * changed order `o` says now. Only decreases: growth is refused. */
static int take_to_new_content(const struct document *orig, const struct document *pr, size_t npr,
			       const struct order *o, int64_t *take, char *msg, size_t msg_size)
{
	size_t nsale = orig->nlines;
	bool has_delivery = nsale > 0 && strcmp(orig->lines[nsale - 1].name, "Dostawa") == 0 &&
			    orig->lines[nsale - 1].sku[0] == '\0';
	int rc;

	if (has_delivery)
		nsale--;
	rc = correction_left(orig, pr, npr, take, msg, msg_size); /* take = left */
	if (rc)
		return rc;
	if (o->nlines > nsale) {
		snprintf(msg, msg_size,
			 "line %zu was added (%.64s): a correction only takes back; accept the "
			 "change and issue a document for the new goods",
			 nsale + 1, o->lines[nsale].name);
		return -PL_EINVAL;
	}
	for (size_t i = 0; i < nsale; i++) {
		const struct doc_line *l = &orig->lines[i];
		int64_t now_qty;

		if (i >= o->nlines) {
			continue; /* removed: everything left goes back */
		}
		if (strcmp(o->lines[i].sku, l->sku) != 0 ||
		    strcmp(o->lines[i].name, l->name) != 0 ||
		    o->lines[i].unit_price != l->unit_gross || o->lines[i].vat != l->vat) {
			snprintf(msg, msg_size,
				 "line %zu '%.64s' changed its article, price or VAT rate: not a "
				 "correction by quantity; use `orders accept`",
				 i + 1, l->name);
			return -PL_EINVAL;
		}
		now_qty = o->lines[i].qty;
		if (now_qty > take[i]) {
			snprintf(msg, msg_size,
				 "line %zu '%.64s' grows (%lld.%03lld now, %lld.%03lld on %s): a "
				 "correction only takes back; use `orders accept`",
				 i + 1, l->name, (long long)(now_qty / 1000),
				 (long long)(now_qty % 1000), (long long)(take[i] / 1000),
				 (long long)(take[i] % 1000), orig->number);
			return -PL_EINVAL;
		}
		take[i] -= now_qty;
	}
	if (has_delivery) {
		const struct doc_line *l = &orig->lines[nsale];
		if (o->delivery.cost == l->unit_gross) {
			take[nsale] = 0;
		} else if (o->delivery.cost != 0) {
			snprintf(msg, msg_size,
				 "the delivery cost changed but is not 0: not a correction by "
				 "quantity; use `orders accept`");
			return -PL_EINVAL;
		} /* else refunded: everything left goes back */
	} else if (o->delivery.cost > 0) {
		snprintf(msg, msg_size,
			 "a delivery cost was added: a correction only takes back; use `orders "
			 "accept`");
		return -PL_EINVAL;
	}
	return 0;
}

int returns_take_now(const struct process_env *env, const struct order *o, const int64_t *qty,
		     size_t nqty, bool delivery, const char *actor, const char *reason,
		     char *number, size_t number_size, char *msg, size_t msg_size)
{
	struct returns_take t = {.qty = qty, .nqty = nqty, .delivery = delivery};

	return returns_take(env, o, &t, actor, reason, number, number_size, msg, msg_size);
}

int returns_take(const struct process_env *env, const struct order *o, const struct returns_take *t,
		 const char *actor, const char *reason, char *number, size_t number_size, char *msg,
		 size_t msg_size)
{
	const int64_t *qty = t->qty;
	size_t nqty = t->nqty;
	bool delivery = t->delivery;
	struct docvec dv = {0};
	const struct document *orig;
	struct document *pr = NULL;
	size_t npr = 0, nexp = o->nlines + (o->delivery.cost > 0 ? 1 : 0);
	int64_t *take = NULL;
	struct process_row row;
	struct process_report rep;
	char detail[512];
	bool made = false;
	int rc;

	number[0] = msg[0] = '\0';
	memset(&row, 0, sizeof(row));
	process_report_init(&rep);
	rc = docs_load(env->st, o->id, &dv);
	if (rc)
		goto out;
	orig = find_sale(&dv);
	if (!orig) {
		bool waiting = false;
		rc = receipt_waiting(env, o, msg, msg_size, &waiting);
		if (rc)
			goto out;
		if (!waiting)
			snprintf(msg, msg_size,
				 "no document was issued for order %s: nothing to take back",
				 o->number);
		rc = -PL_EINVAL;
		goto out;
	}
	if (t->doc_id && orig->id != t->doc_id) {
		const struct document *named = NULL;
		for (size_t i = 0; i < dv.n; i++)
			if (dv.v[i].id == t->doc_id)
				named = &dv.v[i];
		snprintf(msg, msg_size,
			 "%s is not the document that sold the goods of order %s now: correct "
			 "%s",
			 named && named->number[0] ? named->number : "that document", o->number,
			 orig->number);
		rc = -PL_EINVAL;
		goto out;
	}
	if (unprinted(orig, msg, msg_size)) {
		rc = -PL_EINVAL;
		goto out;
	}
	if (t->full)
		nqty = o->nlines;
	if (nqty != o->nlines || nexp != orig->nlines) {
		snprintf(msg, msg_size,
			 "order %s has %zu line(s) but %s has %zu: a return by line needs the "
			 "lines as issued",
			 o->number, nexp, orig->number, orig->nlines);
		rc = -PL_EINVAL;
		goto out;
	}
	if (delivery && o->delivery.cost <= 0) {
		snprintf(msg, msg_size, "order %s has no paid delivery to refund", o->number);
		rc = -PL_EINVAL;
		goto out;
	}
	rc = priors_of(&dv, orig, &pr, &npr);
	if (rc)
		goto out;
	take = calloc(orig->nlines ? orig->nlines : 1, sizeof(*take));
	if (!take) {
		rc = -PL_ENOMEM;
		goto out;
	}
	if (delivery) {
		/* everything of the delivery line still left (take[] as scratch) */
		rc = correction_left(orig, pr, npr, take, msg, msg_size);
		if (rc)
			goto out;
		take[nqty] = take[orig->nlines - 1];
		if (take[nqty] == 0) {
			snprintf(msg, msg_size, "the shipping of %s was already refunded",
				 orig->number);
			rc = -PL_EINVAL;
			goto out;
		}
	}
	if (t->full) {
		/* everything still left, the delivery included when it was paid */
		rc = correction_left(orig, pr, npr, take, msg, msg_size);
		if (rc)
			goto out;
		bool any = false;
		for (size_t i = 0; i < orig->nlines; i++)
			any = any || take[i] > 0;
		if (!any) {
			snprintf(msg, msg_size, "everything of %s was taken back already",
				 orig->number);
			rc = -PL_EINVAL;
			goto out;
		}
	} else {
		memcpy(take, qty, nqty * sizeof(*take)); /* the delivery slot, if any, stays */
	}
	rc = issue(env, o, orig, pr, npr, take, false, "", &row, &rep, &made);
	if (rc)
		goto out;
	if (!made) {
		snprintf(msg, msg_size, "%s", row.outcome);
		rc = -PL_EINVAL;
		goto out;
	}
	snprintf(number, number_size, "%s", row.number);
	snprintf(detail, sizeof(detail), "%.255s (%s %s of %s, %s)", reason,
		 doc_kind_name(row.kind), row.number[0] ? row.number : "(unnumbered)", orig->number,
		 row.outcome);
	rc = store_audit_add(env->st, actor, "order.return", o->number, detail, pl_now());
	if (rc)
		goto out;
	snprintf(msg, msg_size, "%s %s: %s; by %s", doc_kind_name(row.kind),
		 row.number[0] ? row.number : "(unnumbered)", row.outcome, actor);
out:
	process_report_release(&rep);
	free(take);
	free(pr);
	docvec_release(&dv);
	return rc;
}

int returns_correct_held(const struct process_env *env, const struct order *o, const char *actor,
			 const char *reason, char *number, size_t number_size, char *msg,
			 size_t msg_size)
{
	struct store_hold h;
	struct docvec dv = {0};
	const struct document *orig = NULL;
	struct document *pr = NULL;
	size_t npr = 0;
	int64_t *take = NULL;
	struct process_row row;
	struct process_report rep;
	bool made = false;
	int rc;

	number[0] = msg[0] = '\0';
	memset(&row, 0, sizeof(row));
	process_report_init(&rep);
	rc = store_hold_get(env->st, o->id, &h);
	if (rc == -PL_ENOTFOUND) {
		snprintf(msg, msg_size, "order %s is not held", o->number);
		rc = -PL_EINVAL;
	}
	if (rc)
		goto out;
	rc = docs_load(env->st, o->id, &dv);
	if (rc)
		goto out;
	for (size_t i = 0; i < dv.n; i++)
		if (dv.v[i].id == h.doc_id)
			orig = &dv.v[i];
	if (!orig || !live(orig)) {
		snprintf(msg, msg_size,
			 "%s is no longer live: nothing to correct; use `orders accept`",
			 h.doc_number);
		rc = -PL_EINVAL;
		goto out;
	}
	if (unprinted(orig, msg, msg_size)) {
		rc = -PL_EINVAL;
		goto out;
	}
	rc = priors_of(&dv, orig, &pr, &npr);
	if (rc)
		goto out;
	take = calloc(orig->nlines ? orig->nlines : 1, sizeof(*take));
	if (!take) {
		rc = -PL_ENOMEM;
		goto out;
	}
	rc = take_to_new_content(orig, pr, npr, o, take, msg, msg_size);
	if (rc)
		goto out;
	rc = issue(env, o, orig, pr, npr, take, true, "", &row, &rep, &made);
	if (rc)
		goto out;
	if (!made) {
		snprintf(msg, msg_size, "%s", row.outcome);
		rc = -PL_EINVAL;
		goto out;
	}
	snprintf(number, number_size, "%s", row.number);
	rc = store_hold_release(env->st, o->id, actor, "correct", reason, pl_now());
	if (rc)
		goto out;
	snprintf(msg, msg_size, "%s %s: %s; hold released by %s", doc_kind_name(row.kind),
		 row.number[0] ? row.number : "(unnumbered)", row.outcome, actor);
out:
	process_report_release(&rep);
	free(take);
	free(pr);
	docvec_release(&dv);
	return rc;
}
