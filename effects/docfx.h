/* SPDX-License-Identifier: Apache-2.0 */
/* effects/docfx.h - "issue document KIND for order X" on the journal engine.
 *
 * The intent (docfx_intent) is recorded by whoever decides the document
 * (agent/process.c); the document and its number are made later by the job's
 * claimer only (docfx_build, inside journal_doc_create's CAS transaction), so
 * two runs that decide the same order at once record ONE intent and make ONE
 * document: the loser creates nothing and takes no number.
 *
 * Request JSON of such a job (the receipt effect shares it):
 *   {"v":2,"order_id":N,"doc_kind":"invoice","backend":"local",
 *    "corrects_id":N,"advance_id":N}
 * A correction or refund (corrects_id set) also carries what to take back,
 * per line of the corrected document, in thousandths:
 *   "qty":[3000,0,1000],"cumulative":true,"shipping":true
 * cumulative: qty[i] is all that is taken back of line i once this one is
 * issued (the order's `returned`), so the claimer takes qty[i] minus what the
 * corrections issued by then took; else qty[i] is taken now (`orders
 * return`). The claimer builds it with core/correction.h from the corrected
 * document as issued and the corrections already issued, read under the
 * claim; such jobs have the resource "doc:<corrected id>", so corrections of
 * one document are made one at a time and never take the same quantity twice.
 * Idempotency key: "<doc kind>:<source>:<ext_id>[:<suffix>]", the suffix
 * naming the corrected document (and for a correction what it takes back)
 * or a re-issue after a cancellation.
 *
 * A refund with backend "posnet" (a goods return on the fiscal printer) is
 * made unnumbered (the printer numbers it) and left pending: its job is
 * deferred for good (JOB_HELD, claimed only by id) until the printer's
 * return effect takes it.
 *
 * The "document" effect (docfx_ops) is the backend "local": its perform is
 * the numbered document itself, issued in the job's done transaction. A
 * lookup after a crash finds the document by the job (never a second one).
 */
#ifndef PL_EFFECTS_DOCFX_H
#define PL_EFFECTS_DOCFX_H

#include "core/document.h"
#include "core/numbering.h"
#include "core/order.h"
#include "journal/journal.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What the document effects borrow (registration arg). */
struct docfx_env {
	const struct numbering *numbering; /* [DOC_KIND_COUNT], the configured patterns */
};

extern const struct journal_effect_ops docfx_ops; /* kind "document" */

struct docfx_intent {
	const struct order *o;
	enum doc_kind kind;
	const char *backend;  /* "local", "posnet", a service's name */
	const char *job_kind; /* the effect that performs it: "document", "receipt", ... */
	const char *resource; /* "" or "printer:NAME" */
	const char *printer;  /* receipts: the printer's name, else NULL */
	int64_t corrects_id, advance_id;
	int64_t doc_id; /* an existing document the job adopts (old data), or 0 */
	const char *suffix;
	/* corrections only: nqty = the corrected document's lines (see above) */
	const int64_t *qty;
	size_t nqty;
	bool cumulative;
	bool shipping_line; /* the corrected document's last line is the delivery */
};

/* Fill *job (kind, key, order, request, resource, doc_id) for an intent;
 * job->request is malloc'd (job_release frees it). 0 or -PL_E*. */
int docfx_job(const struct docfx_intent *in, struct job *job);

/* In a claimed job's prepare: load the order and build the document of the
 * request into *d (doc_init'ed by the caller) - or load the job's existing
 * document when it has one (then *made = false). The document is NOT stored:
 * docfx_create stores it. o is order_init'ed by the caller. */
int docfx_build(struct journal_job *jj, const struct docfx_env *env, struct order *o,
		struct document *d, bool *made);
/* The resource of the corrections of document `corrected_id`. */
void docfx_correction_resource(int64_t corrected_id, char *out, size_t cap);

/* Store a built document numbered, as the job's document (CAS). */
int docfx_create(struct journal_job *jj, const struct docfx_env *env, struct document *d);

#endif
