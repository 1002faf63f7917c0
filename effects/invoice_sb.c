/* SPDX-License-Identifier: Apache-2.0 */
/* effects/invoice_sb.c - SmartBill invoices, exactly once (invoice_sb.h). */
#include "effects/invoice_sb.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"

#include <cjson/cJSON.h>

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* How far the lookup reads PDFs past our evidence before it gives up and
 * holds the job: each read is a rate-limited call. */
#define SB_LOOKUP_SCAN 8
/* Retry intervals: the service did not answer / the token is locked. */
#define SB_RETRY_MS   30000
#define SB_LOCKOUT_MS 600000

/* --- configuration ----------------------------------------------------------- */

struct cfg_ctx {
	const struct config_view *c;
	struct diag *d;
	int errors;
};

static void cfg_err(struct cfg_ctx *x, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void cfg_err(struct cfg_ctx *x, const char *key, const char *fmt, ...)
{
	char where[1200], msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cfgview_where(x->c, "smartbill", "", key, where, sizeof(where));
	diag_add(x->d, where, "[smartbill] %s", msg);
	x->errors++;
}

static void cfg_str(struct cfg_ctx *x, const char *key, char *out, size_t cap)
{
	const char *v = cfgview_get(x->c, "smartbill", "", key);

	if (!v)
		return;
	if (strlen(v) >= cap) {
		cfg_err(x, key, "%s is longer than %zu characters", key, cap - 1);
		return;
	}
	memcpy(out, v, strlen(v) + 1);
}

static void cfg_long(struct cfg_ctx *x, const char *key, long lo, long hi, long *out)
{
	const char *v = cfgview_get(x->c, "smartbill", "", key);
	char *end;
	long n;

	if (!v)
		return;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || end == v || *end || n < lo || n > hi) {
		cfg_err(x, key, "%s must be a number from %ld to %ld", key, lo, hi);
		return;
	}
	*out = n;
}

/* tax_<rate> = NAME:PERCENT */
static void cfg_tax(struct cfg_ctx *x, enum vat_rate r, struct sb_tax *t)
{
	char key[16], name[sizeof(t->name)];
	const char *v, *colon;
	char *end;
	long pct;

	snprintf(key, sizeof(key), "tax_%s", vat_rate_name(r));
	v = cfgview_get(x->c, "smartbill", "", key);
	if (!v)
		return;
	colon = strrchr(v, ':');
	if (!colon || colon == v || (size_t)(colon - v) >= sizeof(name)) {
		cfg_err(x, key, "%s must be NAME:PERCENT (SmartBill's tax, e.g. Normala:21)", key);
		return;
	}
	errno = 0;
	pct = strtol(colon + 1, &end, 10);
	if (errno || end == colon + 1 || *end || pct < 0 || pct > 100) {
		cfg_err(x, key, "%s: the percent must be a number from 0 to 100", key);
		return;
	}
	memcpy(name, v, (size_t)(colon - v));
	name[colon - v] = '\0';
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->percent = (int)pct;
}

int sb_setup_load(const struct config_view *v, const char *store_path, struct sb_cfg *out,
		  struct diag *d)
{
	static const char known[] = " url user token cif series language unit cainfo rate_file "
				    "timeout_ms tax_23 tax_8 tax_5 tax_0 tax_zw tax_np tax_oo ";
	struct cfg_ctx x = {.c = v, .d = d};
	long n;
	char pat[80];

	sb_cfg_init(out);
	for (size_t i = 0; i < v->nkv; i++) {
		const struct config_kv *kv = &v->kv[i];
		if (strcmp(kv->section, "smartbill") != 0)
			continue;
		snprintf(pat, sizeof(pat), " %s ", kv->key);
		if (kv->name[0])
			cfg_err(&x, kv->key, "takes no name (one SmartBill account per station)");
		else if (!strstr(known, pat))
			cfg_err(&x, kv->key, "unknown key '%s' (known:%s)", kv->key, known);
	}
	cfg_str(&x, "url", out->url, sizeof(out->url));
	cfg_str(&x, "user", out->user, sizeof(out->user));
	cfg_str(&x, "token", out->token, sizeof(out->token));
	cfg_str(&x, "cif", out->cif, sizeof(out->cif));
	cfg_str(&x, "series", out->series, sizeof(out->series));
	cfg_str(&x, "language", out->language, sizeof(out->language));
	cfg_str(&x, "unit", out->unit, sizeof(out->unit));
	cfg_str(&x, "cainfo", out->cainfo, sizeof(out->cainfo));
	cfg_str(&x, "rate_file", out->rate_file, sizeof(out->rate_file));
	n = out->timeout_ms;
	cfg_long(&x, "timeout_ms", 100, 600000, &n);
	out->timeout_ms = n;
	for (int r = 0; r < VAT_RATE_COUNT; r++)
		cfg_tax(&x, (enum vat_rate)r, &out->tax[r]);
	if (!out->user[0])
		cfg_err(&x, NULL, "user (the SmartBill login e-mail) is missing");
	if (!out->token[0])
		cfg_err(&x, NULL, "token (the API token) is missing");
	if (!out->cif[0])
		cfg_err(&x, NULL, "cif (the company's CIF) is missing");
	if (!out->series[0])
		cfg_err(&x, NULL, "series (the invoice series) is missing");
	if (strncmp(out->url, "https://", 8) != 0 && strncmp(out->url, "http://127.0.0.1", 16) &&
	    strncmp(out->url, "http://localhost", 16) && strncmp(out->url, "http://[::1]", 12))
		cfg_err(&x, "url", "url must be https:// (http only to a loopback test server)");
	if (out->token[0] && v->path && v->path[0]) {
		struct stat st;
		/* the token is a secret: only the station's own user reads it */
		if (stat(v->path, &st) == 0 && (st.st_mode & 077))
			cfg_err(&x, "token",
				"the file holds the SmartBill token but is readable by group or "
				"others (mode %03o): chmod 600 '%s'",
				(unsigned)(st.st_mode & 0777), v->path);
	}
	if (!out->rate_file[0]) {
		const char *p = store_path && store_path[0] ? store_path : "packline.db";
		if (strncmp(p, "sqlite:", 7) == 0)
			p += 7;
		if (snprintf(out->rate_file, sizeof(out->rate_file), "%s.smartbill-rate", p) >=
		    (int)sizeof(out->rate_file))
			cfg_err(&x, NULL, "the store path is too long for the rate file's name");
	}
	return x.errors ? -PL_ECONFIG : 0;
}

int sb_config_check(const struct config_view *v, const char *name, struct diag *d)
{
	struct sb_cfg c;
	int rc;

	(void)name;
	rc = sb_setup_load(v, NULL, &c, d);
	memset(c.token, 0, sizeof(c.token));
	return rc;
}

/* --- the effect ----------------------------------------------------------------- */

struct sb_state {
	struct order o;
	struct document d;
	struct sb client;
	bool client_ready;
};

static int open_client(struct journal_job *jj, struct sb *s)
{
	const struct sb_fx *fx = journal_arg(jj);
	int rc = sb_init(s, &fx->cfg);

	if (rc)
		journal_msg(jj, "%s", sb_error(s));
	return rc;
}

static int sb_prepare(struct journal_job *jj)
{
	const struct sb_fx *fx = journal_arg(jj);
	struct sb_state *s = calloc(1, sizeof(*s));
	bool made = false;
	int rc;

	if (!s)
		return -PL_ENOMEM;
	order_init(&s->o);
	doc_init(&s->d);
	journal_set_state(jj, s);
	rc = docfx_build(jj, &fx->docs, &s->o, &s->d, &made);
	if (rc)
		return rc;
	if (s->d.kind != DOC_INVOICE && s->d.kind != DOC_CORRECTION) {
		journal_msg(jj, "SmartBill issues invoices and stornos here, not a %s",
			    doc_kind_name(s->d.kind));
		return -PL_EINVAL;
	}
	/* unnumbered here: the number is SmartBill's (kept in doc_remote) */
	if (made && (rc = journal_doc_create(jj, &s->d, NULL)))
		return rc;
	rc = open_client(jj, &s->client);
	if (rc)
		return rc == -PL_ENOMEM ? rc : -PL_EINVAL;
	s->client_ready = true;
	return 0;
}

static void sb_release_state(struct journal_job *jj)
{
	struct sb_state *s = journal_state(jj);

	if (!s)
		return;
	if (s->client_ready)
		sb_release(&s->client);
	order_release(&s->o);
	doc_release(&s->d);
	free(s);
	journal_set_state(jj, NULL);
}

/* "packline:<idem key>": goes to `mentions`, so the invoice's PDF names the job. */
static void job_marker(struct journal_job *jj, char *out, size_t cap)
{
	snprintf(out, cap, "packline:%s", journal_jobof(jj)->idem_key);
}

/* The storno `series`+`number` reversed our invoice document `doc_id`. */
static int mark_reversed(struct journal_job *jj, int64_t doc_id, const char *series,
			 const char *number)
{
	struct store *st = journal_job_store(jj);
	struct doc_remote r;
	cJSON *det = NULL;
	char *txt = NULL, by[96];
	int rc = store_doc_remote_get(st, doc_id, &r);

	if (rc)
		return rc;
	det = cJSON_Parse(r.detail ? r.detail : "{}");
	if (!det)
		det = cJSON_CreateObject();
	snprintf(by, sizeof(by), "%s%s", series, number);
	cJSON_DeleteItemFromObjectCaseSensitive(det, "reversed_by");
	if (det && cJSON_AddStringToObject(det, "reversed_by", by))
		txt = cJSON_PrintUnformatted(det);
	cJSON_Delete(det);
	doc_remote_release(&r);
	if (!txt)
		return -PL_ENOMEM;
	r.detail = txt;
	snprintf(r.status, sizeof(r.status), "reversed");
	r.updated_at = pl_now();
	rc = store_doc_remote_put(st, &r);
	free(txt);
	return rc;
}

/* The invoice is at SmartBill as series+number: keep it with our document,
 * then settle done (the document issued in the same step). */
static int settle_made(struct journal_job *jj, cJSON *ev, const char *series, const char *number,
		       const char *how)
{
	struct doc_remote r = {0};
	char marker[200];
	cJSON *det = cJSON_CreateObject();
	char *detail = NULL;
	int rc;

	r.doc_id = journal_doc_id(jj);
	snprintf(r.service, sizeof(r.service), "smartbill");
	snprintf(r.remote_id, sizeof(r.remote_id), "%s%s", series, number);
	snprintf(r.remote_number, sizeof(r.remote_number), "%s", number);
	snprintf(r.status, sizeof(r.status), "issued");
	/* the marker its PDF carries: a storno of it is found by it */
	journal_json_str(ev, "marker", marker, sizeof(marker));
	if (det && cJSON_AddStringToObject(det, "series", series) &&
	    cJSON_AddStringToObject(det, "number", number) &&
	    cJSON_AddStringToObject(det, "how", how) &&
	    cJSON_AddStringToObject(det, "marker", marker))
		detail = cJSON_PrintUnformatted(det);
	cJSON_Delete(det);
	if (!detail) {
		cJSON_Delete(ev);
		return -PL_ENOMEM;
	}
	r.detail = detail;
	r.updated_at = pl_now();
	/* before done: a crash in between leaves the job sending, and its
	 * lookup finds the same number and writes the same row again */
	rc = r.doc_id > 0 ? store_doc_remote_put(journal_job_store(jj), &r) : 0;
	free(detail);
	if (!rc && journal_json_int(ev, "reverses_doc", 0) > 0)
		rc = mark_reversed(jj, journal_json_int(ev, "reverses_doc", 0), series, number);
	if (rc) {
		cJSON_Delete(ev);
		journal_msg(jj, "cannot keep SmartBill invoice %s%s with the document: %s", series,
			    number, pl_strerror(rc));
		return -PL_ESTORE;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(ev, "number");
	cJSON_AddStringToObject(ev, "number", number);
	cJSON_DeleteItemFromObjectCaseSensitive(ev, "how");
	cJSON_AddStringToObject(ev, "how", how);
	journal_msg(jj, "SmartBill invoice %s%s (%s)", series, number, how);
	cJSON_DeleteItemFromObjectCaseSensitive(ev, "message");
	cJSON_AddStringToObject(ev, "message", journal_message(jj));
	return journal_done(jj, ev, r.remote_id);
}

static bool pdf_has(const struct buf *b, const char *needle)
{
	size_t n = strlen(needle);

	for (size_t i = 0; n && i + n <= b->len; i++)
		if (memcmp(b->data + i, needle, n) == 0)
			return true;
	return false;
}

static enum journal_verdict sb_lookup(struct journal_job *jj, char *why, size_t cap)
{
	const cJSON *old = journal_evidence(jj);
	const struct sb_fx *fx = journal_arg(jj);
	char series[32], marker[200], number[32];
	int64_t n = journal_json_int(old, "next", 0), m = 0;
	enum journal_verdict v = JOURNAL_V_UNDECIDABLE;
	struct sb client;
	struct buf pdf;
	bool others = true;
	int rc;

	journal_json_str(old, "series", series, sizeof(series));
	if (n <= 0 || !series[0]) {
		snprintf(why, cap, "the invoice never left (no series number journalled)");
		return JOURNAL_V_NOT_DONE;
	}
	/* an invoice names this job; a storno carries its invoice's marker */
	journal_json_str(old, "marker", marker, sizeof(marker));
	if (!marker[0])
		job_marker(jj, marker, sizeof(marker));
	if (sb_init(&client, &fx->cfg)) {
		snprintf(why, cap, "%s", sb_error(&client));
		return JOURNAL_V_RETRY;
	}
	buf_init(&pdf, SB_PDF_MAX);
	rc = sb_series_next(&client, series, &m);
	if (rc) {
		snprintf(why, cap, "cannot read series %s to look the invoice up: %s", series,
			 sb_error(&client));
		v = JOURNAL_V_RETRY;
		goto out;
	}
	if (m == n) {
		snprintf(why, cap,
			 "series %s is still at %" PRId64 ": the invoice was not made, sent again",
			 series, n);
		v = JOURNAL_V_NOT_DONE;
		goto out;
	}
	if (m < n) {
		snprintf(why, cap,
			 "series %s went back from %" PRId64 " to %" PRId64
			 " (an invoice deleted?): check at SmartBill, then resolve the job",
			 series, n, m);
		goto out;
	}
	/* made since our evidence: find ours by its marker */
	for (int64_t k = n; k < m; k++) {
		if (k - n >= SB_LOOKUP_SCAN) {
			snprintf(why, cap,
				 "series %s moved from %" PRId64 " to %" PRId64
				 ": too many invoices to look through; check at SmartBill",
				 series, n, m);
			goto out;
		}
		sb_number_format(k, number, sizeof(number));
		buf_reset(&pdf);
		rc = sb_invoice_pdf(&client, series, number, &pdf);
		if (rc == -PL_ENOTFOUND) {
			others = false; /* deleted since: cannot say whose it was */
			continue;
		}
		if (rc) {
			snprintf(why, cap, "cannot read invoice %s%s at SmartBill: %s", series,
				 number, sb_error(&client));
			v = JOURNAL_V_RETRY;
			goto out;
		}
		if (pdf_has(&pdf, marker)) {
			cJSON *ev = journal_ev(jj);
			snprintf(why, cap, "invoice %s%s is ours (its PDF names %s)", series,
				 number, marker);
			if (!ev) {
				v = JOURNAL_V_RETRY;
				goto out;
			}
			cJSON_AddStringToObject(ev, "series", series);
			cJSON_AddNumberToObject(ev, "next", (double)n);
			cJSON_AddStringToObject(ev, "marker", marker);
			if (journal_json_int(old, "reverses_doc", 0) > 0)
				cJSON_AddNumberToObject(
				    ev, "reverses_doc",
				    (double)journal_json_int(old, "reverses_doc", 0));
			rc = settle_made(jj, ev, series, number, "recovered");
			v = rc == 0 ? JOURNAL_V_DONE : JOURNAL_V_RETRY;
			goto out;
		}
		if (!pdf_has(&pdf, "packline:"))
			others = false; /* not one of ours, or unreadable text */
	}
	if (others) {
		snprintf(why, cap,
			 "series %s moved from %" PRId64 " to %" PRId64
			 " by other jobs' invoices: ours was not made, sent again",
			 series, n, m);
		v = JOURNAL_V_NOT_DONE;
	} else {
		snprintf(why, cap,
			 "series %s moved from %" PRId64 " to %" PRId64
			 " and no invoice there names this job: check at SmartBill, then resolve "
			 "the job",
			 series, n, m);
	}
out:
	buf_release(&pdf);
	sb_release(&client);
	return v;
}

/* A correction of an invoice made at SmartBill: SmartBill reverses a whole
 * invoice (storno, POST /invoice/reverse) into the same series, so only a
 * correction that takes everything back is sent; a partial one is refused
 * (SmartBill has no correction invoice; research/http-apis.md §2.5). */
static int check_full(struct journal_job *jj, const struct document *c, const struct document *orig)
{
	if (c->nlines != orig->nlines || c->total_gross != -orig->total_gross) {
		journal_msg(jj,
			    "SmartBill reverses whole invoices only (storno): this correction of "
			    "%s takes back part of it; issue it by hand at SmartBill",
			    orig->remote_id);
		return -PL_EINVAL;
	}
	for (size_t i = 0; i < c->nlines; i++) {
		if (c->lines[i].qty != -orig->lines[i].qty) {
			journal_msg(jj,
				    "SmartBill reverses whole invoices only (storno): line %zu of "
				    "%s is taken back in part",
				    i + 1, orig->remote_id);
			return -PL_EINVAL;
		}
	}
	return 0;
}

static int perform_storno(struct journal_job *jj, struct sb_state *s, const char *date)
{
	struct store *st = journal_job_store(jj);
	struct doc_remote orr = {0};
	struct document orig;
	struct sb_answer a;
	char series[32], marker[200];
	cJSON *det = NULL, *ev = NULL;
	int64_t next = 0;
	int rc;

	doc_init(&orig);
	rc = store_doc_get(st, s->d.corrects_id, &orig);
	if (!rc)
		rc = store_doc_remote_get(st, s->d.corrects_id, &orr);
	if (rc) {
		journal_msg(jj, "the corrected invoice (document %lld) has no SmartBill number: %s",
			    (long long)s->d.corrects_id, pl_strerror(rc));
		rc = journal_failed(jj, NULL);
		goto out;
	}
	det = cJSON_Parse(orr.detail ? orr.detail : "{}");
	journal_json_str(det, "series", series, sizeof(series));
	journal_json_str(det, "marker", marker, sizeof(marker));
	if (strcmp(orr.service, "smartbill") != 0 || !series[0] || !orr.remote_number[0]) {
		journal_msg(jj, "document %lld was not invoiced at SmartBill",
			    (long long)s->d.corrects_id);
		rc = journal_failed(jj, NULL);
		goto out;
	}
	if (check_full(jj, &s->d, &orig)) {
		rc = journal_failed(jj, NULL);
		goto out;
	}
	rc = sb_series_next(&s->client, series, &next);
	if (rc == -PL_EBUSY || rc == -PL_EIO) {
		journal_msg(jj, "%s", sb_error(&s->client));
		rc = journal_defer(jj, strstr(sb_error(&s->client), "locked") ? SB_LOCKOUT_MS
									      : SB_RETRY_MS);
		goto out;
	}
	if (rc) {
		journal_msg(jj, "%s", sb_error(&s->client));
		rc = journal_failed(jj, NULL);
		goto out;
	}
	ev = journal_ev(jj);
	if (!ev) {
		rc = -PL_ENOMEM;
		goto out;
	}
	cJSON_AddStringToObject(ev, "phase", "storno");
	cJSON_AddStringToObject(ev, "series", series);
	cJSON_AddNumberToObject(ev, "next", (double)next);
	cJSON_AddStringToObject(ev, "reverses", orr.remote_id);
	cJSON_AddNumberToObject(ev, "reverses_doc", (double)s->d.corrects_id);
	/* GUESS: the storno carries its invoice's mentions, so its PDF names
	 * the invoice's marker (a lookup finds it by that) */
	cJSON_AddStringToObject(ev, "marker", marker);
	rc = journal_sending(jj, cJSON_Duplicate(ev, 1));
	if (rc)
		goto out;
	rc = sb_invoice_reverse(&s->client, series, orr.remote_number, date, &a);
	if (rc == 0) {
		rc = settle_made(jj, ev, a.series[0] ? a.series : series, a.number, "performed");
		ev = NULL;
		goto out;
	}
	journal_msg(jj, "storno of %s: %s", orr.remote_id, sb_error(&s->client));
	cJSON_AddStringToObject(ev, "message", journal_message(jj));
	if (rc == -PL_EINVAL || rc == -PL_ECONFIG) {
		rc = journal_failed(jj, ev);
	} else if (rc == -PL_EBUSY || rc == -PL_EIO) {
		rc = journal_unknown(jj, ev, false, SB_RETRY_MS);
	} else {
		rc = journal_evidence_commit(jj, ev);
		if (!rc)
			rc = journal_recheck(jj);
		if (rc == 1) /* not made: pending, sent again later */
			rc = journal_defer(jj, SB_RETRY_MS);
	}
	ev = NULL;
out:
	cJSON_Delete(ev);
	cJSON_Delete(det);
	doc_remote_release(&orr);
	doc_release(&orig);
	return rc;
}

static int sb_perform(struct journal_job *jj)
{
	struct sb_state *s = journal_state(jj);
	const struct sb_fx *fx = journal_arg(jj);
	char marker[200], date[11];
	struct sb_answer a;
	char *body = NULL;
	cJSON *ev = NULL;
	int64_t next = 0;
	time_t now = (time_t)pl_now();
	struct tm tm;
	int rc;

	job_marker(jj, marker, sizeof(marker));
	localtime_r(&now, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d", &tm);
	if (s->d.kind == DOC_CORRECTION)
		return perform_storno(jj, s, date);
	for (int tries = 0; tries < 2; tries++) {
		rc = sb_series_next(&s->client, fx->cfg.series, &next);
		if (rc == -PL_EBUSY || rc == -PL_EIO) {
			/* nothing sent: the service is away or the token locked */
			journal_msg(jj, "%s", sb_error(&s->client));
			return journal_defer(jj, strstr(sb_error(&s->client), "locked")
						     ? SB_LOCKOUT_MS
						     : SB_RETRY_MS);
		}
		if (rc) {
			journal_msg(jj, "%s", sb_error(&s->client));
			return journal_failed(jj, NULL);
		}
		free(body);
		body = sb_invoice_json(&s->client, &s->d, &s->o, date, marker);
		if (!body) {
			journal_msg(jj, "%s", sb_error(&s->client));
			return journal_failed(jj, NULL);
		}
		ev = journal_ev(jj);
		if (!ev) {
			rc = -PL_ENOMEM;
			goto out;
		}
		cJSON_AddStringToObject(ev, "phase", "create");
		cJSON_AddStringToObject(ev, "series", fx->cfg.series);
		cJSON_AddNumberToObject(ev, "next", (double)next);
		cJSON_AddStringToObject(ev, "marker", marker);
		/* intent before the POST: the evidence a lookup compares against */
		rc = journal_sending(jj, cJSON_Duplicate(ev, 1));
		if (rc)
			goto out;
		if (getenv("PL_TEST_SB_DIE_BEFORE_CREATE"))
			raise(SIGKILL);
		rc = sb_invoice_create(&s->client, body, &a);
		if (rc == 0) {
			rc = settle_made(jj, ev, a.series[0] ? a.series : fx->cfg.series, a.number,
					 "performed");
			ev = NULL;
			goto out;
		}
		journal_msg(jj, "%s", sb_error(&s->client));
		if (rc == -PL_EINVAL || rc == -PL_ECONFIG) {
			/* refused: nothing made */
			cJSON_AddStringToObject(ev, "message", journal_message(jj));
			rc = journal_failed(jj, ev);
			ev = NULL;
			goto out;
		}
		if (rc == -PL_EBUSY || rc == -PL_EIO) {
			/* not sent (limiter lock) or refused by the rate limit: asked
			 * again later - the lookup sees the series unchanged */
			cJSON_AddStringToObject(ev, "message", journal_message(jj));
			rc = journal_unknown(jj, ev, false, SB_RETRY_MS);
			ev = NULL;
			goto out;
		}
		/* in doubt: ask the series before anything is sent again */
		cJSON_AddStringToObject(ev, "message", journal_message(jj));
		rc = journal_evidence_commit(jj, ev);
		ev = NULL;
		if (rc)
			goto out;
		rc = journal_recheck(jj);
		if (rc != 1)
			goto out; /* 0 settled done by the lookup; else unknown / lost */
				  /* definitely not made: one more attempt in this claim */
	}
	/* twice not made after an unclear answer: pending, tried again later */
	journal_msg(jj, "SmartBill did not answer twice; tried again later");
	rc = journal_defer(jj, SB_RETRY_MS);
out:
	cJSON_Delete(ev);
	free(body);
	return rc;
}

const struct journal_effect_ops sb_invoice_ops = {
    .kind = SB_JOB_KIND,
    .prepare = sb_prepare,
    .perform = sb_perform,
    .lookup = sb_lookup,
    .release = sb_release_state,
};
