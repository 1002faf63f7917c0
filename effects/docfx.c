/* SPDX-License-Identifier: Apache-2.0 */
/* effects/docfx.c - documents made by the job's claimer (docfx.h). */
#include "effects/docfx.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"

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
	job->request = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	return job->request ? 0 : -PL_ENOMEM;
}

/* A full correction ("do zera") takes back every line of the corrected
 * document as it was issued - not as the order reads now, since the order
 * may have changed since - with negative quantities. */
static int correct_to_zero(struct store *st, struct document *d, int64_t corrected_id)
{
	struct document orig;
	struct doc_line *lines;
	int rc;

	doc_init(&orig);
	rc = store_doc_get(st, corrected_id, &orig);
	if (rc)
		goto out;
	lines = calloc(orig.nlines ? orig.nlines : 1, sizeof(*lines));
	if (!lines) {
		rc = -PL_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < orig.nlines; i++) {
		lines[i] = orig.lines[i];
		lines[i].qty = -orig.lines[i].qty;
	}
	free(d->lines);
	d->lines = lines;
	d->nlines = orig.nlines;
	d->corrects_id = corrected_id;
	doc_compute_totals(d);
out:
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
	rc = doc_from_order(d, o, kind, pl_now());
	if (rc) {
		journal_msg(jj, "cannot build the %s of order '%s': %s", kind_s, o->number,
			    pl_strerror(rc));
		return rc;
	}
	if (corrects > 0) {
		rc = correct_to_zero(st, d, corrects);
		if (rc)
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
	return journal_doc_create(jj, d, env && env->numbering ? &env->numbering[d->kind] : NULL);
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
