/* SPDX-License-Identifier: Apache-2.0 */
/* connectors/smartbill.c - SmartBill Cloud: invoices, series, limiter. */
#include "connectors/smartbill.h"
#include "base/err.h"
#include "base/log.h"

#include <cjson/cJSON.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void set_err(struct sb *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_err(struct sb *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->err, sizeof(s->err), fmt, ap);
	va_end(ap);
}

void sb_cfg_init(struct sb_cfg *cfg)
{
	static const struct {
		enum vat_rate r;
		const char *name;
		int pct;
	} taxes[] = {
	    {VAT_23, "Normala", 21}, {VAT_8, "Redusa", 11}, {VAT_5, "Redusa", 11},
	    {VAT_0, "SDD", 0},       {VAT_ZW, "SDD", 0},    {VAT_NP, "SDD", 0},
	    {VAT_OO, "SDD", 0},
	};

	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->url, sizeof(cfg->url), "%s", SB_DEFAULT_URL);
	snprintf(cfg->language, sizeof(cfg->language), "RO");
	snprintf(cfg->unit, sizeof(cfg->unit), "buc");
	for (size_t i = 0; i < sizeof(taxes) / sizeof(taxes[0]); i++) {
		snprintf(cfg->tax[taxes[i].r].name, sizeof(cfg->tax[0].name), "%s", taxes[i].name);
		cfg->tax[taxes[i].r].percent = taxes[i].pct;
	}
	cfg->timeout_ms = 20000;
	cfg->rate_calls = 30;
	cfg->rate_window_ms = 10250;
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void base64(const char *in, char *out, size_t cap)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t len = strlen(in), o = 0;

	for (size_t i = 0; i < len && o + 5 < cap; i += 3) {
		unsigned v = (unsigned)p[i] << 16;
		if (i + 1 < len)
			v |= (unsigned)p[i + 1] << 8;
		if (i + 2 < len)
			v |= p[i + 2];
		out[o++] = b64[(v >> 18) & 63];
		out[o++] = b64[(v >> 12) & 63];
		out[o++] = i + 1 < len ? b64[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < len ? b64[v & 63] : '=';
	}
	out[o] = '\0';
}

static int setup_http(struct sb *s, struct http *h, const char *accept, size_t resp_max)
{
	char userpass[400], enc[560], hdr[600];
	int rc = http_init(h, s->cfg.url);

	if (rc == -PL_EINVAL) {
		set_err(s, "smartbill: url must be https:// (http only to a loopback test server)");
		return -PL_ECONFIG;
	}
	if (rc)
		return rc;
	snprintf(h->cainfo, sizeof(h->cainfo), "%s", s->cfg.cainfo);
	h->timeout_ms = s->cfg.timeout_ms > 0 ? s->cfg.timeout_ms : 20000;
	h->connect_timeout_ms = h->timeout_ms < 5000 ? h->timeout_ms : 5000;
	h->resp_max = resp_max;
	snprintf(userpass, sizeof(userpass), "%s:%s", s->cfg.user, s->cfg.token);
	base64(userpass, enc, sizeof(enc));
	snprintf(hdr, sizeof(hdr), "Authorization: Basic %s", enc);
	memset(userpass, 0, sizeof(userpass));
	rc = http_add_header(h, hdr);
	memset(hdr, 0, sizeof(hdr));
	if (!rc)
		rc = http_add_header(h, accept);
	return rc;
}

int sb_init(struct sb *s, const struct sb_cfg *cfg)
{
	int rc;

	memset(s, 0, sizeof(*s));
	s->rate_fd = -1;
	s->cfg = *cfg;
	if (!cfg->user[0] || !cfg->token[0] || !cfg->cif[0] || !cfg->series[0]) {
		set_err(s, "smartbill: user, token, cif and series are needed");
		return -PL_ECONFIG;
	}
	if (!cfg->rate_file[0] || cfg->rate_calls < 1 || cfg->rate_calls > SB_RATE_SLOTS ||
	    cfg->rate_window_ms < 1) {
		set_err(s, "smartbill: the rate limiter needs a file, 1..%d calls and a window",
			SB_RATE_SLOTS);
		return -PL_ECONFIG;
	}
	s->rate_fd = open(cfg->rate_file, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (s->rate_fd < 0) {
		set_err(s, "smartbill: cannot open the rate file '%s': %s", cfg->rate_file,
			strerror(errno));
		return -PL_ECONFIG;
	}
	rc = setup_http(s, &s->http, "Accept: application/json", SB_JSON_MAX);
	if (!rc)
		rc = setup_http(s, &s->pdf, "Accept: application/octet-stream", SB_PDF_MAX);
	if (rc) {
		sb_release(s);
		return rc;
	}
	return 0;
}

void sb_release(struct sb *s)
{
	http_release(&s->http);
	http_release(&s->pdf);
	if (s->rate_fd >= 0)
		close(s->rate_fd);
	s->rate_fd = -1;
	memset(s->cfg.token, 0, sizeof(s->cfg.token));
}

const char *sb_error(const struct sb *s)
{
	return s->err;
}

void sb_number_format(int64_t n, char *out, size_t cap)
{
	snprintf(out, cap, "%04" PRId64, n);
}

/* --- the limiter ----------------------------------------------------------
 * The file: "PLSBRT1\n", locked_until (ms), then SB_RATE_SLOTS slots (ms),
 * all int64 in host order (the file never leaves the machine). A slot is the
 * time its call ended, or, while the call runs, the latest it can end. */

#define RATE_MAGIC "PLSBRT1\n"

struct rate_file {
	char magic[8];
	int64_t locked_until;
	int64_t slot[SB_RATE_SLOTS];
};

/* Wall-clock ms: shared by processes, unlike CLOCK_MONOTONIC's origin
 * (which is per boot, fine too, but pl_now_ms may be pinned by tests). */
static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int64_t ms)
{
	struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static int rate_lock(struct sb *s)
{
	while (flock(s->rate_fd, LOCK_EX) != 0) {
		if (errno != EINTR) {
			set_err(s, "smartbill: cannot lock the rate file: %s", strerror(errno));
			return -PL_EIO;
		}
	}
	return 0;
}

static void rate_unlock(struct sb *s)
{
	flock(s->rate_fd, LOCK_UN);
}

/* Read the file under the lock. An empty file is fresh (no calls); a
 * damaged one counts as `calls` calls just made (wait a window): never
 * fewer calls than were made. */
static int rate_read(struct sb *s, struct rate_file *f, int64_t now)
{
	ssize_t n = pread(s->rate_fd, f, sizeof(*f), 0);

	if (n < 0) {
		set_err(s, "smartbill: cannot read the rate file: %s", strerror(errno));
		return -PL_EIO;
	}
	if (n == 0) {
		memset(f, 0, sizeof(*f));
		memcpy(f->magic, RATE_MAGIC, 8);
		return 0;
	}
	if ((size_t)n != sizeof(*f) || memcmp(f->magic, RATE_MAGIC, 8) != 0) {
		pl_warn("smartbill: rate file '%s' damaged: waiting a full window",
			s->cfg.rate_file);
		memset(f, 0, sizeof(*f));
		memcpy(f->magic, RATE_MAGIC, 8);
		for (int i = 0; i < SB_RATE_SLOTS; i++)
			f->slot[i] = now;
	}
	return 0;
}

static int rate_write(struct sb *s, const struct rate_file *f)
{
	ssize_t n = pwrite(s->rate_fd, f, sizeof(*f), 0);

	if (n != (ssize_t)sizeof(*f)) {
		set_err(s, "smartbill: cannot write the rate file: %s",
			n < 0 ? strerror(errno) : "short write");
		return -PL_EIO;
	}
	return 0;
}

int sb_rate_begin(struct sb *s, long max_ms, int *slot, int64_t *reserved)
{
	struct rate_file f;
	int64_t now, wait, window = s->cfg.rate_window_ms;
	int rc, best;

	if ((rc = rate_lock(s)))
		return rc;
	for (;;) {
		now = wall_ms();
		if ((rc = rate_read(s, &f, now)))
			goto out;
		if (f.locked_until > now) {
			set_err(s,
				"smartbill: the token is locked out by the rate limit for %" PRId64
				" s more",
				(f.locked_until - now + 999) / 1000);
			rc = -PL_EBUSY;
			goto out;
		}
		best = 0;
		for (int i = 1; i < s->cfg.rate_calls; i++)
			if (f.slot[i] < f.slot[best])
				best = i;
		/* a slot far in the future: the clock went back (or a call
		 * reserved a long time); never wait more than one call + window */
		if (f.slot[best] > now + max_ms + window)
			f.slot[best] = now;
		wait = f.slot[best] + window - now;
		if (wait <= 0)
			break;
		/* sleep holding the lock: the others would wait for the same slot */
		sleep_ms(wait);
	}
	*slot = best;
	*reserved = now + max_ms;
	f.slot[best] = *reserved;
	rc = rate_write(s, &f);
	if (!rc)
		s->calls++;
out:
	rate_unlock(s);
	return rc;
}

void sb_rate_end(struct sb *s, int slot, int64_t reserved)
{
	struct rate_file f;
	int64_t now;

	if (rate_lock(s))
		return; /* the reservation stays: later than the truth, never earlier */
	now = wall_ms();
	if (rate_read(s, &f, now) == 0 && f.slot[slot] == reserved && now < reserved) {
		f.slot[slot] = now;
		rate_write(s, &f);
	}
	rate_unlock(s);
}

void sb_rate_lock(struct sb *s, int64_t ms)
{
	struct rate_file f;
	int64_t now;

	if (rate_lock(s))
		return;
	now = wall_ms();
	if (rate_read(s, &f, now) == 0 && f.locked_until < now + ms) {
		f.locked_until = now + ms;
		rate_write(s, &f);
	}
	rate_unlock(s);
}

/* --- answers ---------------------------------------------------------------- */

/* errorText may carry HTML: keep the text before the first '<'. */
static void copy_text(char *dst, size_t cap, const cJSON *v)
{
	size_t n;

	dst[0] = '\0';
	if (!cJSON_IsString(v) || !v->valuestring)
		return;
	n = strcspn(v->valuestring, "<");
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, v->valuestring, n);
	dst[n] = '\0';
	while (n && (dst[n - 1] == ' ' || dst[n - 1] == '\n'))
		dst[--n] = '\0';
}

static bool rate_text(const char *t)
{
	return strstr(t, "limita maxima de requesturi") != NULL;
}

int sb_parse_answer(const char *body, size_t len, struct sb_answer *out)
{
	cJSON *j;
	const cJSON *errs;

	memset(out, 0, sizeof(*out));
	if (len > SB_JSON_MAX)
		return -PL_ETOOBIG;
	j = cJSON_ParseWithLength(body ? body : "", len);
	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		return -PL_EPROTO;
	}
	copy_text(out->error_text, sizeof(out->error_text),
		  cJSON_GetObjectItemCaseSensitive(j, "errorText"));
	copy_text(out->message, sizeof(out->message),
		  cJSON_GetObjectItemCaseSensitive(j, "message"));
	copy_text(out->number, sizeof(out->number), cJSON_GetObjectItemCaseSensitive(j, "number"));
	copy_text(out->series, sizeof(out->series), cJSON_GetObjectItemCaseSensitive(j, "series"));
	/* a malformed request: {"type":"invalid_request_error","errors":[...]} */
	errs = cJSON_GetObjectItemCaseSensitive(j, "errors");
	if (!out->error_text[0] && cJSON_IsArray(errs) && cJSON_GetArraySize(errs) > 0) {
		const cJSON *e = cJSON_GetArrayItem(errs, 0);
		char code[64], param[64], msg[128];
		copy_text(code, sizeof(code), cJSON_GetObjectItemCaseSensitive(e, "code"));
		copy_text(param, sizeof(param), cJSON_GetObjectItemCaseSensitive(e, "param"));
		copy_text(msg, sizeof(msg), cJSON_GetObjectItemCaseSensitive(e, "message"));
		snprintf(out->error_text, sizeof(out->error_text), "%s%s%s%s%s",
			 code[0] ? code : "invalid request", param[0] ? " " : "", param,
			 msg[0] ? ": " : "", msg);
	}
	out->rate_limited = rate_text(out->error_text);
	cJSON_Delete(j);
	return 0;
}

int sb_parse_series(const char *body, size_t len, const char *name, struct sb_series *out,
		    char *err, size_t errcap)
{
	struct sb_answer a;
	const cJSON *list, *it;
	cJSON *j;
	int rc;

	memset(out, 0, sizeof(*out));
	if (errcap)
		err[0] = '\0';
	rc = sb_parse_answer(body, len, &a);
	if (rc)
		return rc;
	if (a.error_text[0]) {
		snprintf(err, errcap, "%s", a.error_text);
		return -PL_EINVAL;
	}
	j = cJSON_ParseWithLength(body, len);
	list = cJSON_GetObjectItemCaseSensitive(j, "list");
	rc = cJSON_IsArray(list) ? -PL_ENOTFOUND : -PL_EPROTO;
	cJSON_ArrayForEach(it, list)
	{
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(it, "name");
		const cJSON *next = cJSON_GetObjectItemCaseSensitive(it, "nextNumber");
		if (!cJSON_IsString(n) || strcmp(n->valuestring, name) != 0)
			continue;
		/* a whole positive number that a double holds exactly */
		if (!cJSON_IsNumber(next) || next->valuedouble < 1 || next->valuedouble > 9.0e15 ||
		    next->valuedouble != (double)(int64_t)next->valuedouble) {
			rc = -PL_EPROTO;
			break;
		}
		snprintf(out->name, sizeof(out->name), "%s", n->valuestring);
		out->next = (int64_t)next->valuedouble;
		copy_text(out->type, sizeof(out->type),
			  cJSON_GetObjectItemCaseSensitive(it, "type"));
		rc = 0;
		break;
	}
	cJSON_Delete(j);
	return rc;
}

/* --- calls ------------------------------------------------------------------ */

enum call_kind { CALL_READ, CALL_WRITE };

/* One call through the limiter. `h` is the JSON or the PDF client. For a
 * JSON answer (resp JSON) a = the parsed answer. The outcome classes of
 * smartbill.h; `kind` says whether a 5xx leaves the outcome in doubt. */
static int call(struct sb *s, struct http *h, const char *what, enum call_kind kind,
		const char *method, const char *path, const char *body, struct http_resp *r,
		struct sb_answer *a)
{
	int64_t reserved;
	int slot, rc;
	long max_ms = h->timeout_ms + h->connect_timeout_ms + 1000;

	memset(a, 0, sizeof(*a));
	rc = sb_rate_begin(s, max_ms, &slot, &reserved);
	if (rc)
		return rc;
	rc = http_request(h, method, path, body ? "application/json; charset=utf-8" : NULL, body,
			  body ? strlen(body) : 0, r);
	sb_rate_end(s, slot, reserved);
	if (rc == -PL_EIO) {
		set_err(s, "smartbill %s: not sent: %s", what, r->err);
		return rc;
	}
	if (rc == -PL_EUNKNOWN) {
		set_err(s, "smartbill %s: no answer: %s", what, r->err);
		return kind == CALL_WRITE ? rc : -PL_EBUSY;
	}
	if (rc == -PL_ETOOBIG) {
		set_err(s, "smartbill %s: answer larger than %zu bytes", what, h->resp_max);
		return kind == CALL_WRITE ? -PL_EUNKNOWN : rc;
	}
	if (rc) {
		set_err(s, "smartbill %s: %s", what, pl_strerror(rc));
		return rc;
	}
	if (r->status >= 500) {
		set_err(s, "smartbill %s: HTTP %ld", what, r->status);
		/* a create may have been committed before the server failed */
		return kind == CALL_WRITE ? -PL_EUNKNOWN : -PL_EBUSY;
	}
	if (r->status == 200 && strstr(r->content_type, "json") == NULL && h == &s->pdf)
		return 0; /* the PDF bytes */
	if (sb_parse_answer(r->body.data, r->body.len, a) != 0) {
		set_err(s, "smartbill %s: HTTP %ld with an answer that is not JSON", what,
			r->status);
		return r->status == 200 && kind == CALL_WRITE ? -PL_EUNKNOWN : -PL_EPROTO;
	}
	if (a->rate_limited || r->status == 429) {
		/* the docs say 429, observed is 403 + errorText: locked 10 minutes */
		sb_rate_lock(s, 600000);
		set_err(s, "smartbill %s: rate limit: %s", what, a->error_text);
		return -PL_EBUSY;
	}
	if (r->status == 401) {
		set_err(s, "smartbill %s: HTTP 401: user e-mail or token refused", what);
		return -PL_ECONFIG;
	}
	if (a->error_text[0] || r->status != 200) {
		set_err(s, "smartbill %s: %s%s(HTTP %ld)", what, a->error_text,
			a->error_text[0] ? " " : "", r->status);
		if (strstr(a->error_text, "nu exista") && strstr(a->error_text, "Documentul"))
			return -PL_ENOTFOUND;
		return -PL_EINVAL;
	}
	return 0;
}

/* "<endpoint>?cif=..&seriesname=..&number=.." (series NULL: "?cif=..&type=f"). */
static int query(struct sb *s, char *out, size_t cap, const char *endpoint, const char *series,
		 const char *number)
{
	char cif[96], ser[96], num[96];
	int n;

	if (http_query_escape(s->cfg.cif, cif, sizeof(cif)) ||
	    http_query_escape(series ? series : "", ser, sizeof(ser)) ||
	    http_query_escape(number ? number : "", num, sizeof(num)))
		return -PL_ETOOBIG;
	if (series)
		n = snprintf(out, cap, "%s?cif=%s&seriesname=%s&number=%s", endpoint, cif, ser,
			     num);
	else
		n = snprintf(out, cap, "%s?cif=%s&type=f", endpoint, cif);
	return n < 0 || (size_t)n >= cap ? -PL_ETOOBIG : 0;
}

int sb_series_next(struct sb *s, const char *series, int64_t *next)
{
	struct http_resp r;
	struct sb_answer a;
	struct sb_series ser;
	char path[300], err[256];
	int rc;

	http_resp_init(&r);
	rc = query(s, path, sizeof(path), "/series", NULL, NULL);
	if (!rc)
		rc = call(s, &s->http, "series", CALL_READ, "GET", path, NULL, &r, &a);
	if (!rc) {
		rc = sb_parse_series(r.body.data, r.body.len, series, &ser, err, sizeof(err));
		if (rc == -PL_ENOTFOUND)
			set_err(s, "smartbill: series '%s' is not an invoice series of %s", series,
				s->cfg.cif);
		else if (rc == -PL_EINVAL)
			set_err(s, "smartbill series: %s", err);
		else if (rc)
			set_err(s, "smartbill series: an answer we do not understand");
		else
			*next = ser.next;
	}
	http_resp_release(&r);
	return rc;
}

int sb_invoice_create(struct sb *s, const char *json, struct sb_answer *out)
{
	struct http_resp r;
	int rc;

	http_resp_init(&r);
	rc = call(s, &s->http, "invoice", CALL_WRITE, "POST", "/invoice", json, &r, out);
	if (!rc && !out->number[0]) {
		set_err(s, "smartbill invoice: created without a number (a draft?)");
		rc = -PL_EPROTO;
	}
	http_resp_release(&r);
	return rc;
}

int sb_invoice_pdf(struct sb *s, const char *series, const char *number, struct buf *out)
{
	struct http_resp r;
	struct sb_answer a;
	char path[300];
	int rc;

	http_resp_init(&r);
	rc = query(s, path, sizeof(path), "/invoice/pdf", series, number);
	if (!rc)
		rc = call(s, &s->pdf, "pdf", CALL_READ, "GET", path, NULL, &r, &a);
	if (!rc && (r.body.len < 5 || memcmp(r.body.data, "%PDF-", 5) != 0)) {
		set_err(s, "smartbill pdf %s%s: the answer is not a PDF", series, number);
		rc = -PL_EPROTO;
	}
	if (!rc)
		rc = buf_append(out, r.body.data, r.body.len);
	http_resp_release(&r);
	return rc;
}

int sb_invoice_cancel(struct sb *s, const char *series, const char *number, bool restore)
{
	struct http_resp r;
	struct sb_answer a;
	char path[300];
	int rc;

	http_resp_init(&r);
	rc = query(s, path, sizeof(path), restore ? "/invoice/restore" : "/invoice/cancel", series,
		   number);
	if (!rc)
		rc = call(s, &s->http, restore ? "restore" : "cancel", CALL_WRITE, "PUT", path,
			  NULL, &r, &a);
	http_resp_release(&r);
	return rc;
}

int sb_invoice_reverse(struct sb *s, const char *series, const char *number, const char *issue_date,
		       struct sb_answer *out)
{
	struct http_resp r;
	cJSON *b = cJSON_CreateObject();
	char *body = NULL;
	int rc = -PL_ENOMEM;

	http_resp_init(&r);
	if (!b)
		goto out;
	cJSON_AddStringToObject(b, "companyVatCode", s->cfg.cif);
	cJSON_AddStringToObject(b, "seriesName", series);
	cJSON_AddStringToObject(b, "number", number);
	cJSON_AddStringToObject(b, "issueDate", issue_date);
	body = cJSON_PrintUnformatted(b);
	if (!body)
		goto out;
	rc = call(s, &s->http, "storno", CALL_WRITE, "POST", "/invoice/reverse", body, &r, out);
	if (!rc && !out->number[0]) {
		set_err(s, "smartbill storno: no number in the answer");
		rc = -PL_EPROTO;
	}
out:
	free(body);
	cJSON_Delete(b);
	http_resp_release(&r);
	return rc;
}

/* --- the request body ---------------------------------------------------- */

/* An exact decimal from an integer scaled by 10^digits: 1234,2 -> "12.34",
 * 2500,3 -> "2.5" (trailing zeros dropped), -5,2 -> "-0.05". */
static void decimal(int64_t v, int digits, char *out, size_t cap)
{
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	uint64_t scale = 1;
	char frac[24];
	int n;

	for (int i = 0; i < digits; i++)
		scale *= 10;
	snprintf(frac, sizeof(frac), "%0*" PRIu64, digits, u % scale);
	n = (int)strlen(frac);
	while (n > 0 && frac[n - 1] == '0')
		frac[--n] = '\0';
	snprintf(out, cap, "%s%" PRIu64 "%s%s", v < 0 ? "-" : "", u / scale, n ? "." : "", frac);
}

static bool add_raw(cJSON *o, const char *k, const char *raw)
{
	return cJSON_AddRawToObject(o, k, raw) != NULL;
}

/* The country as SmartBill's examples write it ("Romania"); others by code.
 * GUESS: SmartBill takes country names; only Romania is seen in the docs. */
static const char *country_name(const char *iso)
{
	if (!iso[0] || strcmp(iso, "RO") == 0)
		return "Romania";
	return iso;
}

char *sb_invoice_json(struct sb *s, const struct document *d, const struct order *o,
		      const char *issue_date, const char *marker)
{
	cJSON *root = cJSON_CreateObject(), *client, *prods;
	const struct order_buyer *b = &o->buyer;
	const char *cur = d->currency[0] ? d->currency : o->currency;
	char *out = NULL, num[40], mentions[256];
	bool ok;

	if (!root)
		return NULL;
	if (!d->nlines) {
		set_err(s, "smartbill: the document has no lines");
		goto out;
	}
	if (!d->buyer_name[0] && !b->name[0] && !b->company[0]) {
		set_err(s, "smartbill: the buyer has no name (SmartBill needs the client's name)");
		goto out;
	}
	ok = cJSON_AddStringToObject(root, "companyVatCode", s->cfg.cif) != NULL;
	client = cJSON_AddObjectToObject(root, "client");
	ok = ok && client;
	if (ok) {
		const struct order_address *a = &b->billing;
		cJSON_AddStringToObject(client, "name",
					d->buyer_name[0] ? d->buyer_name
					: b->company[0]  ? b->company
							 : b->name);
		cJSON_AddStringToObject(client, "vatCode", d->buyer_nip[0] ? d->buyer_nip : b->nip);
		/* GUESS: a VAT payer is one with an "RO" VAT code (a CIF without
		 * it is a company not registered for VAT) */
		cJSON_AddBoolToObject(client, "isTaxPayer", strncmp(b->nip, "RO", 2) == 0);
		cJSON_AddStringToObject(client, "address", a->street);
		cJSON_AddStringToObject(client, "city", a->city);
		cJSON_AddStringToObject(client, "country",
					country_name(a->country[0] ? a->country : b->country));
		cJSON_AddStringToObject(client, "email", b->email);
		cJSON_AddBoolToObject(client, "saveToDb", false);
	}
	snprintf(mentions, sizeof(mentions), "Comanda %s; %s", o->number, marker ? marker : "");
	ok = ok && cJSON_AddStringToObject(root, "issueDate", issue_date) &&
	     cJSON_AddStringToObject(root, "seriesName", s->cfg.series) &&
	     cJSON_AddBoolToObject(root, "isDraft", false) &&
	     cJSON_AddStringToObject(root, "currency", cur) &&
	     cJSON_AddStringToObject(root, "language", s->cfg.language) &&
	     cJSON_AddNumberToObject(root, "precision", 2) &&
	     cJSON_AddStringToObject(root, "mentions", mentions) &&
	     cJSON_AddStringToObject(root, "observations", o->number) &&
	     cJSON_AddBoolToObject(root, "useStock", false) &&
	     cJSON_AddBoolToObject(root, "sendEmail", false);
	prods = ok ? cJSON_AddArrayToObject(root, "products") : NULL;
	ok = ok && prods;
	for (size_t i = 0; ok && i < d->nlines; i++) {
		const struct doc_line *l = &d->lines[i];
		const struct sb_tax *t = &s->cfg.tax[l->vat < VAT_RATE_COUNT ? l->vat : VAT_23];
		cJSON *p = cJSON_CreateObject();

		ok = p && cJSON_AddItemToArray(prods, p);
		if (!ok)
			break;
		if (!t->name[0]) {
			set_err(s, "smartbill: no SmartBill tax for VAT rate %s (tax_%s)",
				vat_rate_name(l->vat), vat_rate_name(l->vat));
			goto out;
		}
		ok = cJSON_AddStringToObject(p, "name", l->name) &&
		     cJSON_AddStringToObject(p, "code", l->sku) &&
		     cJSON_AddBoolToObject(p, "isDiscount", false) &&
		     cJSON_AddStringToObject(p, "measuringUnitName",
					     l->unit[0] ? l->unit : s->cfg.unit) &&
		     cJSON_AddStringToObject(p, "currency", cur);
		decimal(l->qty, 3, num, sizeof(num));
		ok = ok && add_raw(p, "quantity", num);
		decimal(l->unit_gross, 2, num, sizeof(num));
		ok = ok && add_raw(p, "price", num) &&
		     cJSON_AddBoolToObject(p, "isTaxIncluded", true) &&
		     cJSON_AddStringToObject(p, "taxName", t->name) &&
		     cJSON_AddNumberToObject(p, "taxPercentage", t->percent) &&
		     cJSON_AddBoolToObject(p, "isService", false) &&
		     cJSON_AddBoolToObject(p, "saveToDb", false);
	}
	if (!ok) {
		set_err(s, "smartbill: out of memory");
		goto out;
	}
	out = cJSON_PrintUnformatted(root);
	if (!out)
		set_err(s, "smartbill: out of memory");
out:
	cJSON_Delete(root);
	return out;
}
