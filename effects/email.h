/* SPDX-License-Identifier: Apache-2.0 */
/* effects/email.h - the document to the buyer by e-mail, on the engine.
 *
 * One job of kind "email" per document AND recipient, key
 * "email:doc:<doc id>:<recipient, lower-cased>" (a recipient too long for
 * the key is "#<16 hex>" of it), recorded after the document is issued
 * (agent/process.c, the rules' `email` step). The message (core/mime.h) is
 * rebuilt on every attempt from the store and the templates, with the same
 * Message-ID "<doc-ID.HASH@from-domain>", so a resend is recognisable.
 *
 * Where it goes: [email] server (connectors/smtp.h) or, with no server, an
 * .eml file in [email] outbox (written to a temporary name, fsync'ed and
 * renamed: the file is there whole or not at all, named by the Message-ID).
 *
 * Outcomes: 2xx after the final dot -> done; 4xx (at any step) or no
 * connection -> deferred, retry_ms doubling per attempt up to an hour; 5xx ->
 * failed with the server's text. A crash or a lost answer: SMTP has no
 * lookup, so the only evidence is the marker connectors/smtp.h writes right
 * before the final dot - no marker: the server cannot have accepted it, so it
 * is sent again; a marker: it may have been delivered, so the job is HELD
 * for the operator (`packline jobs list`), never resent blindly; the
 * operator looks for the Message-ID in the mailbox (or asks the buyer) and
 * `jobs resolve`s it.
 *
 * The PDF comes from a provider (function + arg): doc -> bytes. A document
 * may also wait before it goes (`ready` hook): a company invoice issued at
 * fakturownia must carry its KSeF number before it is mailed; the KSeF
 * check plugs in there (NULL = always ready).
 *
 * Ownership: struct email_fx is made by email_setup_load() and freed by
 * email_fx_release(); the engine borrows it (journal_register). Threads:
 * read-only after load; every worker may share one.
 */
#ifndef PL_EFFECTS_EMAIL_H
#define PL_EFFECTS_EMAIL_H

#include "base/buf.h"
#include "base/cfgview.h"
#include "base/diag.h"
#include "connectors/smtp.h"
#include "core/document.h"
#include "core/mime.h"
#include "core/order.h"
#include "journal/journal.h"
#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>

#define EMAIL_JOB_KIND "email"
#define EMAIL_PDF_MAX  (16u * 1024 * 1024)
#define EMAIL_LANGS    2 /* pl, en */

/* The document's PDF into out (capped at EMAIL_PDF_MAX). 0; -PL_ENOTFOUND,
 * -PL_ECONFIG or -PL_ENOTSUP (not there yet, [seller] to be fixed, no PDF
 * support: the job waits, nothing is lost); other -PL_E* (the job fails).
 * why[cap] gets the reason. */
typedef int email_pdf_fn(void *arg, struct store *st, const struct document *d, const char *lang,
			 struct buf *out, char *why, size_t cap);
/* May document d be mailed now? false with why[] (it is asked again later). */
typedef bool email_ready_fn(void *arg, struct store *st, const struct document *d, char *why,
			    size_t cap);

struct email_cfg {
	struct smtp_cfg smtp; /* smtp.url "" = no server: write .eml files */
	char from[MIME_ADDR_CAP];
	char from_name[160];
	char reply_to[MIME_ADDR_CAP];
	char copy_to[MIME_ADDR_CAP]; /* a second recipient of every document (archive) */
	char outbox[1024];
	char spool[1024]; /* the before-the-dot markers */
	char templates[1024];
	char language[8]; /* "auto" (pl for PL buyers, else en), "pl", "en" */
	long retry_ms;    /* first backoff after a 4xx; doubles per attempt */
};

struct tmpl;
struct email_fx {
	struct email_cfg cfg;
	/* [kind][lang][subject, text, html], compiled at load */
	struct tmpl *t[DOC_KIND_COUNT][EMAIL_LANGS][3];
	/* [template] email.subject when set: the subject of every e-mail (borrowed) */
	const struct tmpl *subject;
	email_pdf_fn *pdf;
	void *pdf_arg;
	email_ready_fn *ready;
	void *ready_arg;
};

/* Read [email] (store_path names the default spool "<store>.email-spool").
 * Compiles every template. 0 or -PL_ECONFIG with d filled. */
int email_setup_load(const struct config_view *v, const char *store_path, struct email_fx *out,
		     struct diag *d);
void email_fx_release(struct email_fx *fx);
/* The [email] checker for agent/config_sections.c. */
int email_config_check(const struct config_view *v, const char *name, struct diag *d);

/* Record the e-mail jobs of issued document d of order o: one per
 * recipient (the buyer, then copy_to). ids[cap] gets the job ids, *n their
 * number; *skipped counts those done before. 0, -PL_EINVAL (no address to
 * send to: msg says so), -PL_ESTORE. */
int email_intent(struct journal *j, const struct email_fx *fx, const struct order *o,
		 const struct document *d, int64_t *ids, size_t cap, size_t *n, size_t *skipped,
		 char *msg, size_t msgcap);

/* The PDF left as <dir>/doc-<id>.pdf (by another renderer, or a service's
 * copy); -PL_ENOTFOUND when there is none. */
int email_pdf_from_dir(const char *dir, const struct document *d, struct buf *out);

extern const struct journal_effect_ops email_ops;

#endif
