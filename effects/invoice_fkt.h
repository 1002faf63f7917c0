/* SPDX-License-Identifier: Apache-2.0 */
/* effects/invoice_fkt.h - invoices at fakturownia.pl, with KSeF, on the
 * journal engine.
 *
 * Three effects:
 *  - "fakturownia" (FKT_JOB_KIND): a rule with `backend = fakturownia`
 *    records a docfx intent of that kind (invoice, proforma, advance, final;
 *    a correction when the corrected invoice is at fakturownia). The claimer
 *    builds our document (unnumbered: the service numbers it) and POSTs it
 *    with `oid` = the job's idempotency key and `oid_unique:"yes"`, with
 *    complete KSeF data and `gov_save_and_send` (so a KSeF validation error
 *    is a 422 now, and the job fails with the service's message, nothing
 *    made). The answer: the service's id, number, token and KSeF state go to
 *    doc_remote (service "fakturownia", remote_id = its id, remote_number =
 *    its number) and the document is issued with the service's number (its
 *    remote_id, shown where our own number would be), in the same step as
 *    the job is done. After a timeout, a dropped connection or a 5xx - and
 *    for a job reclaimed from a process that died SENDING - the lookup asks
 *    the service for the invoice with our oid (GET /invoices.json?oid=...,
 *    exact match): found -> done with it ("recovered"), never created twice;
 *    not there -> created again; a 422 "oid taken" on a create is looked up
 *    the same way. A final invoice names its advance's id at the service.
 *    A correction carries the corrected invoice's id, the reason (<= 256
 *    bytes) and one position per corrected line with its state before and
 *    after (a refunded delivery is such a line too).
 *  - "fkt_ksef" (FKT_KSEF_KIND): recorded by the invoice effect when the
 *    invoice went to KSeF; follows `gov_status` (GET /invoices/ID.json)
 *    until "ok" (KSeF number `gov_id` kept in doc_remote) or an error
 *    (`gov_error_messages` kept, the job fails with them; "server_error" is
 *    sent again up to 3 times, as KSeF.md says fakturownia does not retry
 *    it). While "processing" the job is deferred with a backoff
 *    (ksef_poll_ms doubling, at most 10 minutes): nothing waits on the
 *    caller's path; `packline run` (or `run --once`) takes it when due.
 *  - "fkt_cancel" (FKT_CANCEL_KIND): `docs cancel` on a fakturownia document
 *    (key "cancel:doc:<id>" as effects/doccancel.h). Refused once KSeF
 *    accepted the invoice (correct it instead: `packline docs correct`) and
 *    while KSeF is still processing it; else POST /invoices/cancel.json with
 *    the reason, and our document becomes cancelled in the job's done step.
 *    An unclear answer is settled by reading the invoice back (kind
 *    "canceled").
 *
 * Other effects that must wait for KSeF (an e-mail or an Allegro upload of a
 * company invoice: its PDF carries the KSeF number and QR code only then)
 * call fkt_ksef_state() on the document and defer while it says WAIT.
 *
 * Configuration [fakturownia]: domain (the account prefix: https://
 * DOMAIN.fakturownia.pl) or url, token_file (a file holding only the API
 * token, mode 0600, else the load fails), department_id, ksef (yes|no,
 * default yes: gov_save_and_send), ksef_poll_ms (default 30000),
 * payment_type, payment_days, cainfo, timeout_ms.
 *
 * Ownership: the ops are static; their registration arg is a struct fkt_fx
 * that outlives the engine (read only: shared by worker threads; each job
 * opens its own client).
 */
#ifndef PL_EFFECTS_INVOICE_FKT_H
#define PL_EFFECTS_INVOICE_FKT_H

#include "base/cfgview.h"
#include "base/diag.h"
#include "connectors/fakturownia.h"
#include "effects/docfx.h"
#include "journal/journal.h"
#include "store/store.h"

#define FKT_JOB_KIND    "fakturownia"
#define FKT_KSEF_KIND   "fkt_ksef"
#define FKT_CANCEL_KIND "fkt_cancel"
#define FKT_SERVICE     "fakturownia"

struct fkt_fx {
	struct fkt_cfg cfg;
	struct docfx_env docs;
	int64_t ksef_poll_ms; /* first KSeF status poll after this; doubled each time */
};

extern const struct journal_effect_ops fkt_invoice_ops; /* kind "fakturownia" */
extern const struct journal_effect_ops fkt_ksef_ops;    /* kind "fkt_ksef" */
extern const struct journal_effect_ops fkt_cancel_ops;  /* kind "fkt_cancel" */

/* Register the three effects on `j` with arg fx. 0 or -PL_E*. */
int fkt_register(struct journal *j, struct fkt_fx *fx);

/* Read and check [fakturownia] into *out (token read from token_file). Every
 * problem goes to `d` with FILE:LINE. 0, -PL_ECONFIG. */
int fkt_setup_load(const struct config_view *v, struct fkt_fx *out, struct diag *d);
/* The [fakturownia] checker for the agent's table (base/cfgview.h). */
int fkt_config_check(const struct config_view *v, const char *name, struct diag *d);

/* KSeF state of one of our documents, as the KSeF job last saw it. */
enum fkt_ksef {
	FKT_KSEF_NONE,  /* not at fakturownia, or not sent to KSeF: nothing to wait for */
	FKT_KSEF_WAIT,  /* sent, no KSeF number yet: wait (defer) */
	FKT_KSEF_OK,    /* accepted: number (gov_id) in `number` */
	FKT_KSEF_ERROR, /* refused / failed: the errors in `number`; needs the operator */
};
/* "KSeF number present?" for document doc_id: reads doc_remote (no network).
 * number/cap may be NULL/0. Returns the state, or -PL_E* (store error). */
int fkt_ksef_state(struct store *st, int64_t doc_id, char *number, size_t cap);

#endif
