/* SPDX-License-Identifier: Apache-2.0 */
/* connectors/fakturownia.h - fakturownia.pl (InvoiceOcean) client: invoices
 * of every kind, correction, cancel, look-up by oid, PDF, e-mail, paid, and
 * the KSeF state the service keeps (research/http-apis.md §1).
 *
 * Contract: base https://{prefix}.fakturownia.pl, every path ends in .json
 * (or .pdf). The API token goes in the JSON body ("api_token") of a POST and
 * in the query of a GET, as the vendor documents. A create answers 201 with
 * the invoice; errors are {"code":"error","message":...} with 422 / 404;
 * some failures come as HTTP 200 with "status":"error" (send_by_email): they
 * are errors here too. No idempotency key: every create carries our
 * document key as `oid` with `oid_unique:"yes"`, and after an unclear answer
 * the caller looks the key up (fkt_find_oid) before it creates again.
 *
 * KSeF: fakturownia talks to KSeF (the agent never does). A create with
 * `gov_save_and_send:true` is validated for KSeF at once (422 when the data
 * is incomplete) and then sent; `gov_status` moves from "processing" to "ok"
 * (KSeF number in `gov_id`) or an error ("send_error", "server_error" with
 * `gov_error_messages`). fkt_get() reads it; fkt_ksef_send() asks again.
 *
 * Errors: -PL_EINVAL the service refused the data (fkt_error() has its
 * message); -PL_ECONFIG token refused / bad configuration; -PL_EBUSY a read
 * that got no answer or a 5xx / 429 (retry later); -PL_EIO not sent (safe to
 * retry); -PL_EUNKNOWN a write may have happened (timeout, dropped
 * connection, 5xx after it left); -PL_ENOTFOUND no such invoice (404, or no
 * invoice with that oid); -PL_EEXIST a create refused because the oid is
 * taken; -PL_EPROTO an answer we do not understand; -PL_ETOOBIG past a cap.
 *
 * Ownership: fkt_init()/fkt_release() for the embedded struct fkt; one per
 * thread (struct http is not thread-safe). fkt_invoice_json returns malloc'd
 * text the caller frees.
 */
#ifndef PL_CONNECTORS_FAKTUROWNIA_H
#define PL_CONNECTORS_FAKTUROWNIA_H

#include "base/buf.h"
#include "connectors/http.h"
#include "core/document.h"
#include "core/order.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FKT_JSON_MAX       (512u * 1024)      /* one JSON answer (a list page of 100) */
#define FKT_PDF_MAX        (8u * 1024 * 1024) /* one invoice PDF */
#define FKT_REASON_MAX     256                /* correction_reason, cancel_reason (KSeF.md) */
#define FKT_POS_NAME_MAX   256                /* a position's name with KSeF on */
#define FKT_LIST_PER_PAGE  100                /* the most per_page allows */
#define FKT_LIST_MAX_PAGES 20                 /* a look-up by oid reads at most this many */

struct fkt_cfg {
	char url[256];         /* "https://acme.fakturownia.pl" (from `domain` or `url`) */
	char token[256];       /* API token (secret), read from token_file */
	int64_t department_id; /* seller department; 0 = the account's default */
	char cainfo[512];      /* CA bundle for tests; "" = system */
	long timeout_ms;       /* per request; default 20000 */
	bool ksef;             /* gov_save_and_send on create (else the account's auto-send) */
	char payment_type[24]; /* "transfer" when the order says nothing better */
	int payment_days;      /* payment_to = issue date + days; default 7 */
};

struct fkt {
	struct http http; /* Accept: application/json */
	struct http pdf;  /* Accept: application/pdf */
	struct fkt_cfg cfg;
	char err[512];
};

/* What the service holds of one invoice. */
struct fkt_invoice {
	int64_t id;
	char number[64];
	char kind[24]; /* "vat", ..., "canceled" once cancelled */
	char status[24];
	char oid[128];
	char token[64];
	int64_t price_gross; /* minor units */
	char gov_status[32]; /* "" when the answer had none */
	char gov_id[96];     /* KSeF number, "" until accepted */
	char gov_errors[512];
};

/* What to correct: for each line of the correction document, the state of
 * the corrected line before it (qty thousandths, gross minor units). */
struct fkt_corr {
	int64_t invoice_id;                       /* the corrected invoice at the service */
	const char *reason;                       /* <= FKT_REASON_MAX bytes */
	const int64_t *before_qty, *before_gross; /* [d->nlines] */
};

void fkt_cfg_init(struct fkt_cfg *cfg);
/* 0, -PL_ECONFIG (no token, not https), -PL_ENOMEM. */
int fkt_init(struct fkt *f, const struct fkt_cfg *cfg);
void fkt_release(struct fkt *f);
const char *fkt_error(const struct fkt *f);

/* fakturownia's kind for our document kind ("vat", "proforma", "advance",
 * "final", "correction"), or NULL when the service does not issue it here. */
const char *fkt_kind(enum doc_kind k);
/* Whether KSeF takes that kind at all (others are "not_applicable"). */
bool fkt_kind_ksef(const char *kind);
/* gov_status values: accepted ("ok", "demo_ok"), still on its way
 * ("processing", "demo_processing", "" / "null" right after a send),
 * refused or failed (everything else but "not_applicable"). */
bool fkt_gov_ok(const char *gov_status);
bool fkt_gov_pending(const char *gov_status);

/* The POST /invoices.json body for document d of order o: {"api_token",
 * "gov_save_and_send"?, "invoice":{...}} with `oid` = oid and oid_unique,
 * the buyer (company with NIP / EU VAT id, or a consumer's first and last
 * name), one position per line (exact decimals from minor units and
 * thousandths). advance_id: a final invoice's settled advance at the
 * service (0 none). corr: a correction (else NULL). NULL with f->err set on
 * bad input (no lines, a reason over 256 bytes, no buyer name). */
char *fkt_invoice_json(struct fkt *f, const struct document *d, const struct order *o,
		       const char *oid, const char *issue_date, int64_t advance_id,
		       const struct fkt_corr *corr);

/* Parsers of the service's JSON (fuzzed: tests/fuzz/fuzz_fakturownia.c),
 * at most FKT_JSON_MAX bytes. fkt_parse_invoice: 0 with *out; -PL_EINVAL
 * when the body is an error ({"code":"error"} or "status":"error"; its
 * message flattened into err); -PL_EPROTO not an invoice object.
 * fkt_parse_list: the invoice of a bare array whose oid equals `oid`
 * exactly (the filter is not documented as exact); *count = entries read;
 * -PL_ENOTFOUND none matches, -PL_EPROTO not an array. fkt_parse_error: the
 * message of an error body into err (0), or -PL_ENOTFOUND when the body is
 * not an error. */
int fkt_parse_invoice(const char *body, size_t len, struct fkt_invoice *out, char *err,
		      size_t errcap);
int fkt_parse_list(const char *body, size_t len, const char *oid, struct fkt_invoice *out,
		   size_t *count);
int fkt_parse_error(const char *body, size_t len, char *err, size_t errcap);

/* POST /invoices.json with `json` (from fkt_invoice_json): 0 with *out. */
int fkt_create(struct fkt *f, const char *json, struct fkt_invoice *out);
/* GET /invoices/{id}.json. */
int fkt_get(struct fkt *f, int64_t id, struct fkt_invoice *out);
/* The invoice whose oid is `oid`: GET /invoices.json?oid=&period=all,
 * pages of 100, exact match. -PL_ENOTFOUND when there is none. */
int fkt_find_oid(struct fkt *f, const char *oid, struct fkt_invoice *out);
/* POST /invoices/cancel.json. */
int fkt_cancel(struct fkt *f, int64_t id, const char *reason);
/* GET /invoices/{id}.pdf appended to out (capped at FKT_PDF_MAX). */
int fkt_pdf(struct fkt *f, int64_t id, struct buf *out);
/* POST /invoices/{id}/send_by_email.json (email_to may be NULL: the
 * buyer's). A KSeF invoice without its number is refused (HTTP 200 +
 * "status":"error" -> -PL_EINVAL). */
int fkt_send_email(struct fkt *f, int64_t id, const char *email_to);
/* POST /invoices/{id}/change_status.json status=paid. */
int fkt_mark_paid(struct fkt *f, int64_t id);
/* GET /invoices/{id}.json?send_to_ksef=yes: send (again) to KSeF. */
int fkt_ksef_send(struct fkt *f, int64_t id, struct fkt_invoice *out);

#endif
