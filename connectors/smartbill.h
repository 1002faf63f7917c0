/* SPDX-License-Identifier: Apache-2.0 */
/* connectors/smartbill.h - SmartBill Cloud (Romania) client: invoices,
 * series, PDF, storno, cancel (research/http-apis.md §2).
 *
 * Contract: base https://ws.smartbill.ro/SBORO/api, preemptive HTTP Basic
 * (login e-mail : API token), our company's CIF on every call (`cif` in the
 * query, `companyVatCode` in bodies). Business errors come as HTTP 200 with a
 * non-empty `errorText`. Documents are addressed only by series + number;
 * there is NO search and no idempotency key, which is why the invoice effect
 * (effects/invoice_sb.c) reads the series' next number before a create and
 * again after an unclear outcome.
 *
 * Rate limit: 30 calls per 10 s per token; one call over it locks the token
 * for 10 minutes (observed as 403 + "limita maxima de requesturi"). Every
 * call of this client goes through a limiter that can never let the 31st call
 * of a window leave - also when several processes (and threads) use one
 * token: the call times live in a small file shared by all of them
 * (cfg.rate_file) and every reservation is made under flock(2). Why a file
 * and not a store row: the limit belongs to the token, not to one store (two
 * stores may use one account), a row would put a write transaction - and the
 * store's busy waits - before every HTTP call, and a lock held across a sleep
 * must not block the journal. The file holds one slot per call allowed in a
 * window; a call reserves the oldest slot only when that slot's call ended a
 * full window ago, and first writes "now + the longest the call can take" so
 * that a process that dies mid-call still counts; when the call ends the
 * slot gets the end time. The server receives a call between our start and
 * our end, so any two calls `calls` apart reach it at least a window apart.
 * A lockout answer is also written to the file (locked_until): nobody calls
 * during the lock.
 *
 * Errors: -PL_EINVAL SmartBill refused the data (sb_error() has errorText);
 * -PL_ECONFIG auth refused or bad configuration; -PL_EBUSY rate limited,
 * locked out, or a 5xx on a read (retry later); -PL_EIO not sent (safe to
 * retry); -PL_EUNKNOWN a create/storno may have happened (timeout, dropped
 * connection, 5xx after it left); -PL_ENOTFOUND no such document;
 * -PL_EPROTO an answer we do not understand; -PL_ETOOBIG an answer past its
 * cap.
 *
 * Ownership: sb_init()/sb_release() for the embedded struct sb; one struct sb
 * per thread (struct http is not thread-safe).
 */
#ifndef PL_CONNECTORS_SMARTBILL_H
#define PL_CONNECTORS_SMARTBILL_H

#include "base/buf.h"
#include "connectors/http.h"
#include "core/document.h"
#include "core/order.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SB_JSON_MAX    (256u * 1024)      /* one JSON answer */
#define SB_PDF_MAX     (8u * 1024 * 1024) /* one invoice PDF */
#define SB_RATE_SLOTS  64                 /* most calls per window the file can hold */
#define SB_DEFAULT_URL "https://ws.smartbill.ro/SBORO/api"

/* A SmartBill tax ("Normala", 21) that one of our VAT rates maps to. */
struct sb_tax {
	char name[32];
	int percent;
};

struct sb_cfg {
	char url[256];        /* SB_DEFAULT_URL */
	char user[128];       /* login e-mail */
	char token[256];      /* API token (secret) */
	char cif[32];         /* our company's CIF, "RO12345678" */
	char series[32];      /* the invoice series, "FCT" */
	char language[4];     /* "RO" */
	char unit[16];        /* measuringUnitName when the line has none; "buc" */
	char cainfo[512];     /* CA bundle for tests; "" = system */
	char rate_file[1024]; /* the shared limiter file (see above); mandatory */
	struct sb_tax tax[VAT_RATE_COUNT];
	long timeout_ms;     /* per request; default 20000 */
	int rate_calls;      /* calls per window; default 30, at most SB_RATE_SLOTS */
	long rate_window_ms; /* default 10000 + 250 ms for the server's clock granularity */
};

struct sb {
	struct http http; /* Accept: application/json */
	struct http pdf;  /* Accept: application/octet-stream */
	struct sb_cfg cfg;
	int rate_fd;
	char err[512];  /* the last error, for the operator */
	unsigned calls; /* calls that went through the limiter, for tests */
};

/* What SmartBill answered to a write or a plain call. */
struct sb_answer {
	char error_text[256]; /* "" on success; text before any HTML */
	char message[256];
	char number[32]; /* "0120" */
	char series[32];
	bool rate_limited; /* errorText says the limit was hit */
};

struct sb_series {
	char name[32];
	int64_t next; /* nextNumber */
	char type[4];
};

/* Defaults for every field (taxes: 23 -> Normala 21, 8 and 5 -> Redusa 11,
 * 0/zw/np/oo -> SDD 0; configure the account's own). */
void sb_cfg_init(struct sb_cfg *cfg);
/* 0, -PL_ECONFIG (missing user/token/cif/series/rate_file, not https, a rate
 * file that cannot be opened), -PL_ENOMEM. */
int sb_init(struct sb *s, const struct sb_cfg *cfg);
void sb_release(struct sb *s);
const char *sb_error(const struct sb *s);

/* "0025" for 25 (SmartBill's zero-padded numbers, at least 4 digits). */
void sb_number_format(int64_t n, char *out, size_t cap);

/* The POST /invoice body for document d of order o (JSON text, malloc'ed,
 * the caller frees) or NULL with s->err set. Prices are exact decimals
 * written from minor units, quantities from thousandths; `marker` goes to
 * `mentions` so that the invoice's PDF names the job that made it. */
char *sb_invoice_json(struct sb *s, const struct document *d, const struct order *o,
		      const char *issue_date, const char *marker);

/* Parsers of SmartBill's JSON (fuzzed: tests/fuzz/fuzz_smartbill.c). Both
 * take at most SB_JSON_MAX bytes. sb_parse_answer: 0 with *out filled (also
 * when errorText is set), -PL_EPROTO when it is not a JSON object,
 * -PL_ETOOBIG. sb_parse_series: the series `name` of a GET /series answer;
 * -PL_ENOTFOUND when it is not listed, -PL_EINVAL when errorText is set
 * (copied to err), -PL_EPROTO. */
int sb_parse_answer(const char *body, size_t len, struct sb_answer *out);
int sb_parse_series(const char *body, size_t len, const char *name, struct sb_series *out,
		    char *err, size_t errcap);

/* GET /series: the next number of `series`. */
int sb_series_next(struct sb *s, const char *series, int64_t *next);
/* POST /invoice with `json` (from sb_invoice_json). 0 with out->number. */
int sb_invoice_create(struct sb *s, const char *json, struct sb_answer *out);
/* GET /invoice/pdf: the PDF appended to out (capped at SB_PDF_MAX). */
int sb_invoice_pdf(struct sb *s, const char *series, const char *number, struct buf *out);
/* PUT /invoice/cancel or /invoice/restore. */
int sb_invoice_cancel(struct sb *s, const char *series, const char *number, bool restore);
/* POST /invoice/reverse (storno of the whole invoice): 0 with the new
 * number in out. -PL_EUNKNOWN: it may exist (look at the series). */
int sb_invoice_reverse(struct sb *s, const char *series, const char *number, const char *issue_date,
		       struct sb_answer *out);

/* The limiter alone (tests): wait for a slot and reserve it for a call of at
 * most `max_ms`; sb_rate_end() marks it ended now. -PL_EBUSY when the token
 * is locked out (nothing reserved), -PL_EIO when the file cannot be used. */
int sb_rate_begin(struct sb *s, long max_ms, int *slot, int64_t *reserved);
void sb_rate_end(struct sb *s, int slot, int64_t reserved);
/* Record a lockout answer: no call leaves before now + ms. */
void sb_rate_lock(struct sb *s, int64_t ms);

#endif
