/* SPDX-License-Identifier: Apache-2.0 */
/* effects/doccancel.c - cancelling one of our own documents (doccancel.h). */
#include "effects/doccancel.h"
#include "base/err.h"
#include "core/document.h"
#include "effects/docfx.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

int doccancel_job(int64_t doc_id, int64_t order_id, const char *reason, const char *actor,
		  struct job *job)
{
	cJSON *req;

	if (!reason || !reason[0] || strlen(reason) > DOCCANCEL_REASON_MAX || doc_id <= 0)
		return -PL_EINVAL;
	memset(job, 0, sizeof(*job));
	snprintf(job->kind, sizeof(job->kind), "doc_cancel");
	snprintf(job->idem_key, sizeof(job->idem_key), "cancel:doc:%" PRId64, doc_id);
	docfx_correction_resource(doc_id, job->resource, sizeof(job->resource));
	job->order_id = order_id;
	job->doc_id = doc_id;
	req = cJSON_CreateObject();
	if (!req)
		return -PL_ENOMEM;
	cJSON_AddNumberToObject(req, "v", 1);
	cJSON_AddNumberToObject(req, "doc_id", (double)doc_id);
	cJSON_AddStringToObject(req, "reason", reason);
	cJSON_AddStringToObject(req, "actor", actor && actor[0] ? actor : "operator");
	job->request = cJSON_PrintUnformatted(req);
	cJSON_Delete(req);
	return job->request ? 0 : -PL_ENOMEM;
}

struct live_corr {
	int64_t corrected;
	char number[64];
};

static int find_live_correction(const struct document *d, void *arg)
{
	struct live_corr *c = arg;

	if (d->corrects_id != c->corrected || (d->state != DOC_ISSUED && d->state != DOC_PENDING))
		return 0;
	snprintf(c->number, sizeof(c->number), "%s", d->number[0] ? d->number : "(pending)");
	return 1;
}

/* Why document d may not be cancelled, or NULL. */
static const char *refusal(struct store *st, const struct document *d, char *buf, size_t cap)
{
	struct store_doc_filter f = {0};
	struct live_corr c = {.corrected = d->id};

	if (d->state == DOC_PENDING)
		return "it is not issued yet";
	if (d->state != DOC_ISSUED)
		return d->state == DOC_CANCELLED ? "it is cancelled already" : "it failed";
	if (d->kind == DOC_RECEIPT || d->kind == DOC_RECEIPT_NIP ||
	    strcmp(d->backend, "posnet") == 0)
		return "a fiscal receipt cannot be undone on the printer; take the goods back "
		       "with `packline orders return`";
	if (strcmp(d->backend, "local") != 0) {
		snprintf(buf, cap, "it was issued at %s: cancel it there (its own effect)",
			 d->backend);
		return buf;
	}
	f.order_id = d->order_id;
	if (store_doc_list(st, &f, find_live_correction, &c) < 0)
		return "the documents cannot be read";
	if (c.number[0]) {
		snprintf(buf, cap, "correction %s refers to it: cancel that first", c.number);
		return buf;
	}
	return NULL;
}

static int cancel_perform(struct journal_job *jj)
{
	const struct job *jb = journal_jobof(jj);
	struct store *st = journal_job_store(jj);
	const cJSON *req = journal_request(jj);
	char reason[DOCCANCEL_REASON_MAX + 1], actor[64], buf[160];
	struct document d;
	const char *why;
	cJSON *ev;
	int rc;

	journal_json_str(req, "reason", reason, sizeof(reason));
	journal_json_str(req, "actor", actor, sizeof(actor));
	doc_init(&d);
	rc = jb->doc_id > 0 ? store_doc_get(st, jb->doc_id, &d) : -PL_ENOTFOUND;
	if (rc) {
		doc_release(&d);
		journal_msg(jj, "document #%" PRId64 " cannot be read: %s", jb->doc_id,
			    pl_strerror(rc));
		return journal_failed(jj, NULL) ? -PL_ESTORE : -PL_ENOTFOUND;
	}
	why = refusal(st, &d, buf, sizeof(buf));
	if (why) {
		journal_msg(jj, "%s %s not cancelled: %s", doc_kind_name(d.kind),
			    d.number[0] ? d.number : "(not numbered)", why);
		doc_release(&d);
		rc = journal_failed(jj, NULL);
		return rc ? rc : -PL_ESTATE;
	}
	journal_msg(jj, "%s %s cancelled by %s: %s", doc_kind_name(d.kind), d.number, actor,
		    reason);
	ev = journal_ev(jj);
	if (ev) {
		cJSON_AddStringToObject(ev, "reason", reason);
		cJSON_AddStringToObject(ev, "actor", actor);
		cJSON_AddStringToObject(ev, "number", d.number);
	}
	doc_release(&d);
	return journal_done_as(jj, ev, NULL, DOC_CANCELLED);
}

/* One transaction: an interrupted attempt either committed (the job is
 * done then, never seen here) or changed nothing. */
static enum journal_verdict cancel_lookup(struct journal_job *jj, char *why, size_t cap)
{
	(void)jj;
	snprintf(why, cap, "a cancellation is one transaction: nothing was changed");
	return JOURNAL_V_NOT_DONE;
}

const struct journal_effect_ops doccancel_ops = {
    .kind = "doc_cancel",
    .perform = cancel_perform,
    .lookup = cancel_lookup,
};
