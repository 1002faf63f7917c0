/* SPDX-License-Identifier: Apache-2.0 */
/* effects/docfx.c - documents made by the job's claimer (docfx.h). */
#include "effects/docfx.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "core/correction.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int docfx_job(const struct docfx_intent *in, struct job *job)
{
	cJSON *root;
	int rc;

	memset(job, 0, sizeof(*job));
	rc = journal_key(job->idem_key, sizeof(job->idem_key), doc_kind_name(in->kind), in->o,
			 in->suffix);
	if (rc)
		return rc;
	snprintf(job->kind, sizeof(job->kind), "%s", in->job_kind);
	snprintf(job->resource, sizeof(job->resource), "%s", in->resource ? in->resource : "");
	job->order_id = in->o->id;
	job->doc_id = in->doc_id;
	root = cJSON_CreateObject();
	if (!root)
		return -PL_ENOMEM;
	cJSON_AddNumberToObject(root, "v", 2);
	cJSON_AddNumberToObject(root, "order_id", (double)in->o->id);
	cJSON_AddStringToObject(root, "order", in->o->number);
	cJSON_AddStringToObject(root, "doc_kind", doc_kind_name(in->kind));
	cJSON_AddStringToObject(root, "backend", in->backend);
	if (in->printer)
		cJSON_AddStringToObject(root, "printer", in->printer);
	if (in->corrects_id)
		cJSON_AddNumberToObject(root, "corrects_id", (double)in->corrects_id);
	if (in->advance_id)
		cJSON_AddNumberToObject(root, "advance_id", (double)in->advance_id);
	if (in->doc_id)
		cJSON_AddNumberToObject(root, "doc_id", (double)in->doc_id);
	if (in->corrects_id && in->qty) {
		cJSON *q = cJSON_AddArrayToObject(root, "qty");
		bool shipping = false;
		for (size_t i = 0; q && i < in->nqty; i++)
			if (!cJSON_AddItemToArray(q, cJSON_CreateNumber((double)in->qty[i])))
				q = NULL;
		if (!q) {
			cJSON_Delete(root);
			return -PL_ENOMEM;
		}
		/* the delivery line is the corrected document's last line */
		shipping = in->shipping_line && in->nqty && in->qty[in->nqty - 1] > 0;
		cJSON_AddBoolToObject(root, "cumulative", in->cumulative);
		cJSON_AddBoolToObject(root, "shipping", shipping);
	}
	job->request = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	return job->request ? 0 : -PL_ENOMEM;
}

void docfx_correction_resource(int64_t corrected_id, char *out, size_t cap)
{
	snprintf(out, cap, "doc:%lld", (long long)corrected_id);
}

/* The live documents correcting `orig`, each with its own lines. */
struct priors {
	struct document *v;
	size_t n;
	int64_t orig;
	int rc;
};

static int collect_prior(const struct document *d, void *arg)
{
	struct priors *p = arg;
	struct document *v;

	if (d->corrects_id != p->orig || (d->state != DOC_PENDING && d->state != DOC_ISSUED))
		return 0;
	v = realloc(p->v, (p->n + 1) * sizeof(*v));
	if (!v) {
		p->rc = -PL_ENOMEM;
		return 1;
	}
	p->v = v;
	v[p->n] = *d;
	v[p->n].lines = NULL;
	if (d->nlines) {
		v[p->n].lines = malloc(d->nlines * sizeof(*d->lines));
		if (!v[p->n].lines) {
			p->rc = -PL_ENOMEM;
			return 1;
		}
		memcpy(v[p->n].lines, d->lines, d->nlines * sizeof(*d->lines));
	}
	p->n++;
	return 0;
}

/* Build the correction the request asks for into *d, from the corrected
 * document as issued and the corrections issued by now. Runs under the
 * job's claim, and no other job of resource "doc:<corrected id>" runs
 * meanwhile, so what is left cannot change until this one is stored. */
static int build_correction(struct journal_job *jj, struct store *st, const cJSON *req,
			    int64_t corrected_id, enum doc_kind kind, struct document *d)
{
	const cJSON *q = cJSON_GetObjectItemCaseSensitive(req, "qty");
	bool cumulative = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(req, "cumulative"));
	struct store_doc_filter f = {0};
	struct priors pr = {.orig = corrected_id};
	struct document orig;
	struct correction c;
	int64_t *take = NULL, *left = NULL;
	char err[CORRECTION_ERR_MAX] = "";
	size_t n;
	int rc;

	doc_init(&orig);
	correction_init(&c);
	rc = store_doc_get(st, corrected_id, &orig);
	if (rc) {
		journal_msg(jj, "the corrected document (id %lld) cannot be read: %s",
			    (long long)corrected_id, pl_strerror(rc));
		rc = rc == -PL_ENOTFOUND ? -PL_EINVAL : rc;
		goto out;
	}
	n = orig.nlines;
	if (!cJSON_IsArray(q) || (size_t)cJSON_GetArraySize(q) != n) {
		journal_msg(jj,
			    "the request does not say what to take back of each of the %zu "
			    "line(s) of %s",
			    n, orig.number);
		rc = -PL_EINVAL;
		goto out;
	}
	f.order_id = orig.order_id;
	rc = store_doc_list(st, &f, collect_prior, &pr);
	if (!rc)
		rc = pr.rc;
	if (rc)
		goto out;
	take = calloc(n ? n : 1, sizeof(*take));
	left = calloc(n ? n : 1, sizeof(*left));
	if (!take || !left) {
		rc = -PL_ENOMEM;
		goto out;
	}
	rc = correction_left(&orig, pr.v, pr.n, left, err, sizeof(err));
	if (rc) {
		journal_msg(jj, "cannot correct %s: %s", orig.number, err);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const cJSON *it = cJSON_GetArrayItem(q, (int)i);
		int64_t want = cJSON_IsNumber(it) ? (int64_t)it->valuedouble : -1;
		int64_t taken = orig.lines[i].qty - left[i];

		if (want < 0) {
			journal_msg(jj, "bad quantity for line %zu in the request", i + 1);
			rc = -PL_EINVAL;
			goto out;
		}
		/* cumulative: what is still to go back now that the others are in */
		take[i] = !cumulative ? want : want > taken ? want - taken : 0;
	}
	rc = correction_build(&orig, pr.v, pr.n, take, n, pl_now(), &c, err, sizeof(err));
	if (rc == -PL_ENOTFOUND) {
		journal_msg(jj, "already corrected (%s: nothing more to take back)", orig.number);
		rc = -PL_EINVAL;
		goto out;
	}
	if (rc) {
		if (rc == -PL_EINVAL)
			journal_msg(jj, "cannot correct %s: %s", orig.number, err);
		goto out;
	}
	doc_release(d);
	*d = c.doc;
	doc_init(&c.doc);
	d->kind = kind;
	d->corrects_id = corrected_id;
out:
	free(take);
	free(left);
	for (size_t i = 0; i < pr.n; i++)
		doc_release(&pr.v[i]);
	free(pr.v);
	correction_release(&c);
	doc_release(&orig);
	return rc;
}

int docfx_build(struct journal_job *jj, const struct docfx_env *env, struct order *o,
		struct document *d, bool *made)
{
	struct store *st = journal_job_store(jj);
	const cJSON *req = journal_request(jj);
	char kind_s[32], backend[sizeof(d->backend)];
	enum doc_kind kind;
	int64_t order_id = journal_json_int(req, "order_id", 0);
	int64_t corrects = journal_json_int(req, "corrects_id", 0);
	int rc;

	(void)env;
	*made = false;
	if (order_id <= 0)
		return -PL_EINVAL;
	rc = store_order_get(st, order_id, o);
	if (rc)
		return rc == -PL_ENOTFOUND ? -PL_EINVAL : rc;
	if (journal_doc_id(jj) > 0) {
		rc = store_doc_get(st, journal_doc_id(jj), d);
		return rc == -PL_ENOTFOUND ? -PL_ESTORE : rc;
	}
	journal_json_str(req, "doc_kind", kind_s, sizeof(kind_s));
	journal_json_str(req, "backend", backend, sizeof(backend));
	if (doc_kind_parse(kind_s, &kind) < 0 || kind == DOC_NONE) {
		journal_msg(jj, "unknown document kind '%s' in the journal", kind_s);
		return -PL_EINVAL;
	}
	if (corrects > 0) {
		if (kind != DOC_CORRECTION && kind != DOC_REFUND) {
			journal_msg(jj, "a %s does not correct a document", kind_s);
			return -PL_EINVAL;
		}
		rc = build_correction(jj, st, req, corrects, kind, d);
		if (rc)
			return rc;
	} else {
		rc = doc_from_order(d, o, kind, pl_now());
	}
	if (rc) {
		journal_msg(jj, "cannot build the %s of order '%s': %s", kind_s, o->number,
			    pl_strerror(rc));
		return rc;
	}
	d->advance_id = journal_json_int(req, "advance_id", 0);
	snprintf(d->backend, sizeof(d->backend), "%s", backend[0] ? backend : "local");
	d->state = DOC_PENDING;
	*made = true;
	return 0;
}

int docfx_create(struct journal_job *jj, const struct docfx_env *env, struct document *d)
{
	/* the printer numbers its own goods return */
	bool printer_return = d->kind == DOC_REFUND && strcmp(d->backend, "posnet") == 0;

	return journal_doc_create(
	    jj, d, env && env->numbering && !printer_return ? &env->numbering[d->kind] : NULL);
}

/* --- the "document" effect: backend local -------------------------------- */

struct docfx_state {
	struct order o;
	struct document d;
};

static int docfx_prepare(struct journal_job *jj)
{
	const struct docfx_env *env = journal_arg(jj);
	struct docfx_state *s = calloc(1, sizeof(*s));
	bool made;
	int rc;

	if (!s)
		return -PL_ENOMEM;
	order_init(&s->o);
	doc_init(&s->d);
	journal_set_state(jj, s);
	rc = docfx_build(jj, env, &s->o, &s->d, &made);
	if (!rc && made)
		rc = docfx_create(jj, env, &s->d);
	return rc;
}

static int docfx_perform(struct journal_job *jj)
{
	struct docfx_state *s = journal_state(jj);
	cJSON *ev = journal_ev(jj);

	if (s->d.kind == DOC_REFUND && strcmp(s->d.backend, "posnet") == 0) {
		/* a goods return on the fiscal printer: the request stays pending
		 * for the printer's return effect, never issued here */
		cJSON_Delete(ev);
		journal_msg(jj, "fiscal return pending on printer");
		return journal_defer(jj, JOB_HELD);
	}
	if (ev) {
		cJSON_AddStringToObject(ev, "number", s->d.number);
		cJSON_AddNumberToObject(ev, "doc_id", (double)s->d.id);
	}
	journal_msg(jj, "issued %s %s", doc_kind_name(s->d.kind), s->d.number);
	return journal_done(jj, ev, NULL);
}

/* A local document exists or it does not: the job knows it by doc_id. */
static enum journal_verdict docfx_lookup(struct journal_job *jj, char *why, size_t cap)
{
	if (journal_doc_id(jj) > 0) {
		snprintf(why, cap, "the document was stored (id %lld)",
			 (long long)journal_doc_id(jj));
		return JOURNAL_V_DONE;
	}
	snprintf(why, cap, "no document was stored");
	return JOURNAL_V_NOT_DONE;
}

static void docfx_release(struct journal_job *jj)
{
	struct docfx_state *s = journal_state(jj);

	if (!s)
		return;
	order_release(&s->o);
	doc_release(&s->d);
	free(s);
	journal_set_state(jj, NULL);
}

const struct journal_effect_ops docfx_ops = {
    .kind = "document",
    .prepare = docfx_prepare,
    .perform = docfx_perform,
    .lookup = docfx_lookup,
    .release = docfx_release,
};
