/* SPDX-License-Identifier: Apache-2.0 */
/* effects/invoice_fkt.c - fakturownia invoices, KSeF status, cancel (invoice_fkt.h). */
#include "effects/invoice_fkt.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"

#include <cjson/cJSON.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define FKT_RETRY_MS     30000  /* the service did not answer: ask again */
#define FKT_KSEF_MAX_MS  600000 /* the longest wait between two KSeF polls */
#define FKT_KSEF_RESENDS 3      /* server_error: sent again this often (KSeF.md) */

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
	char where[1200], msg[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cfgview_where(x->c, "fakturownia", "", key, where, sizeof(where));
	diag_add(x->d, where, "[fakturownia] %s", msg);
	x->errors++;
}

static const char *cfg_get(struct cfg_ctx *x, const char *key)
{
	return cfgview_get(x->c, "fakturownia", "", key);
}

static void cfg_long(struct cfg_ctx *x, const char *key, long lo, long hi, long *out)
{
	const char *v = cfg_get(x, key);
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

/* The token file: the token alone (one line), readable by its owner only. */
static void read_token(struct cfg_ctx *x, const char *path, char *out, size_t cap)
{
	struct stat st;
	char buf[512];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		cfg_err(x, "token_file", "cannot read token_file '%s': %s", path, strerror(errno));
		return;
	}
	if (fstat(fd, &st) != 0 || (st.st_mode & 077)) {
		cfg_err(x, "token_file",
			"token_file '%s' holds the API token but is readable by group or others "
			"(mode %03o): chmod 600 '%s'",
			path, (unsigned)(st.st_mode & 0777), path);
		close(fd);
		return;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0 || (size_t)n >= cap) {
		cfg_err(x, "token_file",
			"token_file '%s': cannot read a token of at most %zu bytes", path, cap - 1);
		return;
	}
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	if (!buf[0] || strpbrk(buf, " \t\r\n")) {
		cfg_err(x, "token_file", "token_file '%s' must hold the token alone on one line",
			path);
		memset(buf, 0, sizeof(buf));
		return;
	}
	memcpy(out, buf, (size_t)n + 1);
	memset(buf, 0, sizeof(buf));
}

int fkt_setup_load(const struct config_view *v, struct fkt_fx *out, struct diag *d)
{
	static const char known[] = " domain url token_file department_id ksef ksef_poll_ms "
				    "payment_type payment_days cainfo timeout_ms ";
	struct cfg_ctx x = {.c = v, .d = d};
	const char *s;
	char pat[80];
	long n;

	memset(out, 0, sizeof(*out));
	fkt_cfg_init(&out->cfg);
	out->ksef_poll_ms = 30000;
	for (size_t i = 0; i < v->nkv; i++) {
		const struct config_kv *kv = &v->kv[i];
		if (strcmp(kv->section, "fakturownia") != 0)
			continue;
		snprintf(pat, sizeof(pat), " %s ", kv->key);
		if (kv->name[0])
			cfg_err(&x, kv->key, "takes no name (one fakturownia account per station)");
		else if (!strstr(known, pat))
			cfg_err(&x, kv->key, "unknown key '%s' (known:%s)", kv->key, known);
	}
	s = cfg_get(&x, "url");
	if (s && cfg_get(&x, "domain"))
		cfg_err(&x, "url", "give domain or url, not both");
	if (s) {
		if (strlen(s) >= sizeof(out->cfg.url))
			cfg_err(&x, "url", "url is too long");
		else
			snprintf(out->cfg.url, sizeof(out->cfg.url), "%s", s);
	} else if ((s = cfg_get(&x, "domain"))) {
		bool ok = s[0] && strlen(s) < 64;
		for (const char *p = s; ok && *p; p++)
			ok = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' ||
			     (*p >= 'A' && *p <= 'Z');
		if (!ok)
			cfg_err(&x, "domain",
				"domain is the account prefix (letters, digits, '-'), e.g. acme "
				"for https://acme.fakturownia.pl");
		else
			snprintf(out->cfg.url, sizeof(out->cfg.url), "https://%s.fakturownia.pl",
				 s);
	} else {
		cfg_err(&x, NULL, "domain (the account prefix) or url is missing");
	}
	if (out->cfg.url[0] && strncmp(out->cfg.url, "https://", 8) != 0 &&
	    strncmp(out->cfg.url, "http://127.0.0.1", 16) &&
	    strncmp(out->cfg.url, "http://localhost", 16) &&
	    strncmp(out->cfg.url, "http://[::1]", 12))
		cfg_err(&x, "url", "url must be https:// (http only to a loopback test server)");
	s = cfg_get(&x, "token_file");
	if (s)
		read_token(&x, s, out->cfg.token, sizeof(out->cfg.token));
	else
		cfg_err(&x, NULL, "token_file (a file with the API token, mode 0600) is missing");
	n = 0;
	cfg_long(&x, "department_id", 1, 2147483647L, &n);
	out->cfg.department_id = n;
	s = cfg_get(&x, "ksef");
	if (s) {
		if (strcmp(s, "yes") == 0 || strcmp(s, "true") == 0)
			out->cfg.ksef = true;
		else if (strcmp(s, "no") == 0 || strcmp(s, "false") == 0)
			out->cfg.ksef = false;
		else
			cfg_err(&x, "ksef", "ksef is yes or no");
	}
	n = (long)out->ksef_poll_ms;
	cfg_long(&x, "ksef_poll_ms", 50, 3600000, &n);
	out->ksef_poll_ms = n;
	s = cfg_get(&x, "payment_type");
	if (s) {
		if (strlen(s) >= sizeof(out->cfg.payment_type))
			cfg_err(&x, "payment_type", "payment_type is too long");
		else
			snprintf(out->cfg.payment_type, sizeof(out->cfg.payment_type), "%s", s);
	}
	n = out->cfg.payment_days;
	cfg_long(&x, "payment_days", 0, 365, &n);
	out->cfg.payment_days = (int)n;
	s = cfg_get(&x, "cainfo");
	if (s)
		snprintf(out->cfg.cainfo, sizeof(out->cfg.cainfo), "%s", s);
	n = out->cfg.timeout_ms;
	cfg_long(&x, "timeout_ms", 100, 600000, &n);
	out->cfg.timeout_ms = n;
	if (x.errors)
		memset(out->cfg.token, 0, sizeof(out->cfg.token));
	return x.errors ? -PL_ECONFIG : 0;
}

int fkt_config_check(const struct config_view *v, const char *name, struct diag *d)
{
	struct fkt_fx fx;
	int rc;

	(void)name;
	rc = fkt_setup_load(v, &fx, d);
	memset(fx.cfg.token, 0, sizeof(fx.cfg.token));
	return rc;
}

/* --- what the service holds of our documents (doc_remote) --------------------------- */

/* The doc_remote row of doc_id at fakturownia, its detail parsed (caller
 * frees both). -PL_ENOTFOUND when the document is not there. */
static int remote_get(struct store *st, int64_t doc_id, struct doc_remote *r, cJSON **det)
{
	int rc = store_doc_remote_get(st, doc_id, r);

	*det = NULL;
	if (rc)
		return rc;
	if (strcmp(r->service, FKT_SERVICE) != 0) {
		doc_remote_release(r);
		return -PL_ENOTFOUND;
	}
	*det = cJSON_Parse(r->detail ? r->detail : "{}");
	if (!*det)
		*det = cJSON_CreateObject();
	return *det ? 0 : -PL_ENOMEM;
}

static void set_str(cJSON *o, const char *k, const char *v)
{
	cJSON_DeleteItemFromObjectCaseSensitive(o, k);
	cJSON_AddStringToObject(o, k, v ? v : "");
}

static void set_num(cJSON *o, const char *k, double v)
{
	cJSON_DeleteItemFromObjectCaseSensitive(o, k);
	cJSON_AddNumberToObject(o, k, v);
}

static int remote_put(struct store *st, struct doc_remote *r, cJSON *det)
{
	char *txt = cJSON_PrintUnformatted(det);
	char *old = r->detail;
	int rc;

	if (!txt)
		return -PL_ENOMEM;
	r->detail = txt;
	r->updated_at = pl_now();
	rc = store_doc_remote_put(st, r);
	r->detail = old;
	free(txt);
	return rc;
}

int fkt_ksef_state(struct store *st, int64_t doc_id, char *number, size_t cap)
{
	struct doc_remote r = {0};
	cJSON *det = NULL;
	char gs[32], buf[512];
	int rc = remote_get(st, doc_id, &r, &det);

	if (number && cap)
		number[0] = '\0';
	if (rc == -PL_ENOTFOUND)
		return FKT_KSEF_NONE;
	if (rc)
		return rc;
	journal_json_str(det, "gov_status", gs, sizeof(gs));
	if (fkt_gov_ok(gs)) {
		journal_json_str(det, "gov_id", buf, sizeof(buf));
		rc = FKT_KSEF_OK;
	} else if (!journal_json_int(det, "ksef", 0) || strstr(gs, "not_applicable") ||
		   strstr(gs, "not_connected") || strcmp(r.status, "cancelled") == 0) {
		buf[0] = '\0';
		rc = FKT_KSEF_NONE;
	} else if (fkt_gov_pending(gs)) {
		buf[0] = '\0';
		rc = FKT_KSEF_WAIT;
	} else {
		journal_json_str(det, "gov_errors", buf, sizeof(buf));
		if (!buf[0])
			snprintf(buf, sizeof(buf), "%s", gs);
		rc = FKT_KSEF_ERROR;
	}
	if (number && cap)
		snprintf(number, cap, "%s", buf);
	cJSON_Delete(det);
	doc_remote_release(&r);
	return rc;
}

/* --- the invoice effect ------------------------------------------------------------ */

struct fkt_state {
	struct order o;
	struct document d;
	struct fkt client;
	bool client_ready;
};

static int open_client(struct journal_job *jj, struct fkt *f)
{
	const struct fkt_fx *fx = journal_arg(jj);
	int rc = fkt_init(f, &fx->cfg);

	if (rc)
		journal_msg(jj, "%s", fkt_error(f));
	return rc;
}

static int inv_prepare(struct journal_job *jj)
{
	const struct fkt_fx *fx = journal_arg(jj);
	struct fkt_state *s = calloc(1, sizeof(*s));
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
	if (!fkt_kind(s->d.kind)) {
		journal_msg(jj,
			    "fakturownia issues invoices, proformas, advance and final invoices "
			    "and corrections here, not a %s",
			    doc_kind_name(s->d.kind));
		return -PL_EINVAL;
	}
	/* unnumbered here: the number is the service's */
	if (made && (rc = journal_doc_create(jj, &s->d, NULL)))
		return rc;
	rc = open_client(jj, &s->client);
	if (rc)
		return rc == -PL_ENOMEM ? rc : -PL_EINVAL;
	s->client_ready = true;
	return 0;
}

static void inv_release(struct journal_job *jj)
{
	struct fkt_state *s = journal_state(jj);

	if (!s)
		return;
	if (s->client_ready)
		fkt_release(&s->client);
	order_release(&s->o);
	doc_release(&s->d);
	free(s);
	journal_set_state(jj, NULL);
}

static void job_oid(struct journal_job *jj, char *out, size_t cap)
{
	journal_json_str(journal_evidence(jj), "oid", out, cap);
	if (!out[0])
		snprintf(out, cap, "%s", journal_jobof(jj)->idem_key);
}

/* Follow-up: the KSeF status job of document doc_id (one per document). */
static int record_ksef_job(struct journal_job *jj, int64_t doc_id, int64_t invoice_id)
{
	struct job k = {0};
	cJSON *req = cJSON_CreateObject();
	int rc;

	if (!req)
		return -PL_ENOMEM;
	snprintf(k.kind, sizeof(k.kind), "%s", FKT_KSEF_KIND);
	snprintf(k.idem_key, sizeof(k.idem_key), "ksef:doc:%" PRId64, doc_id);
	k.order_id = journal_jobof(jj)->order_id;
	cJSON_AddNumberToObject(req, "v", 1);
	cJSON_AddNumberToObject(req, "doc_id", (double)doc_id);
	cJSON_AddNumberToObject(req, "invoice_id", (double)invoice_id);
	k.request = cJSON_PrintUnformatted(req);
	cJSON_Delete(req);
	if (!k.request)
		return -PL_ENOMEM;
	rc = store_job_begin(journal_job_store(jj), &k);
	job_release(&k);
	return rc == -PL_EEXIST ? 0 : rc;
}

/* The invoice is at the service: keep it with our document (doc_remote),
 * record the KSeF follow-up, then settle done (document issued with the
 * service's number in the same step). Takes ev. */
static int settle_made(struct journal_job *jj, cJSON *ev, const struct fkt_invoice *inv,
		       const char *how)
{
	const struct fkt_fx *fx = journal_arg(jj);
	struct store *st = journal_job_store(jj);
	struct doc_remote r = {0};
	cJSON *det = cJSON_CreateObject();
	int64_t doc_id = journal_doc_id(jj);
	bool ksef = fx->cfg.ksef && fkt_kind_ksef(inv->kind) && !strstr(inv->gov_status, "not_");
	int rc = 0;

	if (!det) {
		cJSON_Delete(ev);
		return -PL_ENOMEM;
	}
	r.doc_id = doc_id;
	snprintf(r.service, sizeof(r.service), "%s", FKT_SERVICE);
	snprintf(r.remote_id, sizeof(r.remote_id), "%" PRId64, inv->id);
	snprintf(r.remote_number, sizeof(r.remote_number), "%s", inv->number);
	snprintf(r.status, sizeof(r.status), "issued");
	set_num(det, "id", (double)inv->id);
	set_str(det, "number", inv->number);
	set_str(det, "kind", inv->kind);
	set_str(det, "oid", inv->oid);
	set_str(det, "token", inv->token);
	set_str(det, "how", how);
	set_num(det, "ksef", ksef ? 1 : 0);
	set_str(det, "gov_status", inv->gov_status);
	set_str(det, "gov_id", inv->gov_id);
	set_str(det, "gov_errors", inv->gov_errors);
	/* before done: a crash in between leaves the job sending, and its
	 * lookup finds the same invoice and writes the same rows again */
	if (doc_id > 0)
		rc = remote_put(st, &r, det);
	if (!rc && doc_id > 0 && ksef)
		rc = record_ksef_job(jj, doc_id, inv->id);
	cJSON_Delete(det);
	if (rc) {
		cJSON_Delete(ev);
		journal_msg(jj, "cannot keep fakturownia invoice %s with the document: %s",
			    inv->number, pl_strerror(rc));
		return -PL_ESTORE;
	}
	set_num(ev, "invoice_id", (double)inv->id);
	set_str(ev, "number", inv->number);
	set_str(ev, "how", how);
	journal_msg(jj, "fakturownia %s %s (id %" PRId64 ", %s)%s", inv->kind, inv->number, inv->id,
		    how, ksef ? ": KSeF processing" : "");
	set_str(ev, "message", journal_message(jj));
	return journal_done(jj, ev, inv->number);
}

static enum journal_verdict inv_lookup(struct journal_job *jj, char *why, size_t cap)
{
	const struct fkt_fx *fx = journal_arg(jj);
	struct fkt_invoice inv;
	char oid[128];
	struct fkt f;
	int rc;

	job_oid(jj, oid, sizeof(oid));
	if (fkt_init(&f, &fx->cfg)) {
		snprintf(why, cap, "%s", fkt_error(&f));
		return JOURNAL_V_RETRY;
	}
	rc = fkt_find_oid(&f, oid, &inv);
	if (rc == -PL_ENOTFOUND) {
		snprintf(why, cap, "no invoice with oid %s at fakturownia: not made, sent again",
			 oid);
		fkt_release(&f);
		return JOURNAL_V_NOT_DONE;
	}
	if (rc) {
		snprintf(why, cap, "cannot look oid %s up at fakturownia: %s", oid, fkt_error(&f));
		fkt_release(&f);
		return JOURNAL_V_RETRY;
	}
	fkt_release(&f);
	snprintf(why, cap, "invoice %s (id %" PRId64 ") has our oid %s", inv.number, inv.id, oid);
	{
		cJSON *ev = journal_ev(jj);
		if (!ev)
			return JOURNAL_V_RETRY;
		set_str(ev, "oid", oid);
		return settle_made(jj, ev, &inv, "recovered") == 0 ? JOURNAL_V_DONE
								   : JOURNAL_V_RETRY;
	}
}

struct prior {
	int64_t corrected, self;
	const struct document *orig;
	int64_t *qty, *gross; /* [orig->nlines]: what prior corrections changed */
};

static bool same_line(const struct doc_line *a, const struct doc_line *b)
{
	return strcmp(a->name, b->name) == 0 && strcmp(a->sku, b->sku) == 0 &&
	       a->unit_gross == b->unit_gross && a->vat == b->vat;
}

static int add_prior(const struct document *d, void *arg)
{
	struct prior *p = arg;

	if (d->corrects_id != p->corrected || d->id == p->self || d->state != DOC_ISSUED)
		return 0;
	for (size_t i = 0; i < d->nlines; i++)
		for (size_t k = 0; k < p->orig->nlines; k++)
			if (same_line(&d->lines[i], &p->orig->lines[k])) {
				p->qty[k] += d->lines[i].qty;
				p->gross[k] += d->lines[i].gross;
				break;
			}
	return 0;
}

/* A correction's reference: the corrected invoice's id at the service and
 * the state of each corrected line before this correction. */
static int correction_ref(struct journal_job *jj, struct fkt_state *s, struct fkt_corr *c,
			  int64_t **bq, int64_t **bg)
{
	struct store *st = journal_job_store(jj);
	struct store_doc_filter flt = {0};
	struct document orig;
	struct doc_remote r = {0};
	struct prior p = {0};
	cJSON *det = NULL;
	int rc;

	*bq = *bg = NULL;
	doc_init(&orig);
	rc = store_doc_get(st, s->d.corrects_id, &orig);
	if (!rc)
		rc = remote_get(st, s->d.corrects_id, &r, &det);
	if (rc) {
		journal_msg(jj, "document %" PRId64 " was not invoiced at fakturownia: %s",
			    s->d.corrects_id, pl_strerror(rc));
		rc = -PL_EINVAL;
		goto out;
	}
	c->invoice_id = journal_json_int(det, "id", 0);
	p.corrected = orig.id;
	p.self = s->d.id;
	p.orig = &orig;
	p.qty = calloc(orig.nlines + 1, sizeof(int64_t));
	p.gross = calloc(orig.nlines + 1, sizeof(int64_t));
	*bq = calloc(s->d.nlines + 1, sizeof(int64_t));
	*bg = calloc(s->d.nlines + 1, sizeof(int64_t));
	if (!p.qty || !p.gross || !*bq || !*bg) {
		rc = -PL_ENOMEM;
		goto out;
	}
	flt.order_id = orig.order_id;
	if (store_doc_list(st, &flt, add_prior, &p) < 0) {
		rc = -PL_ESTORE;
		goto out;
	}
	for (size_t i = 0; i < s->d.nlines; i++) {
		size_t k;
		for (k = 0; k < orig.nlines; k++)
			if (same_line(&s->d.lines[i], &orig.lines[k]))
				break;
		if (k == orig.nlines) {
			journal_msg(jj, "correction line %zu matches no line of the invoice",
				    i + 1);
			rc = -PL_EINVAL;
			goto out;
		}
		(*bq)[i] = orig.lines[k].qty + p.qty[k];
		(*bg)[i] = orig.lines[k].gross + p.gross[k];
	}
	c->before_qty = *bq;
	c->before_gross = *bg;
out:
	free(p.qty);
	free(p.gross);
	cJSON_Delete(det);
	doc_remote_release(&r);
	doc_release(&orig);
	return rc;
}

/* The advance a final invoice settles: its id at the service (0 none). */
static int64_t advance_ref(struct journal_job *jj, const struct document *d)
{
	struct doc_remote r = {0};
	cJSON *det = NULL;
	int64_t id = 0;

	if (d->advance_id <= 0 || remote_get(journal_job_store(jj), d->advance_id, &r, &det))
		return 0;
	id = journal_json_int(det, "id", 0);
	cJSON_Delete(det);
	doc_remote_release(&r);
	return id;
}

static int inv_perform(struct journal_job *jj)
{
	struct fkt_state *s = journal_state(jj);
	struct fkt_corr corr = {0}, *cp = NULL;
	int64_t *bq = NULL, *bg = NULL;
	char oid[128], date[11], reason[FKT_REASON_MAX + 1];
	struct fkt_invoice inv;
	char *body = NULL;
	cJSON *ev = NULL;
	time_t now = (time_t)pl_now();
	struct tm tm;
	int rc;

	job_oid(jj, oid, sizeof(oid));
	localtime_r(&now, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d", &tm);
	if (s->d.kind == DOC_CORRECTION) {
		rc = correction_ref(jj, s, &corr, &bq, &bg);
		if (rc == -PL_EINVAL) {
			rc = journal_failed(jj, NULL);
			goto out;
		}
		if (rc)
			goto out;
		journal_json_str(journal_request(jj), "reason", reason, sizeof(reason));
		if (!reason[0])
			snprintf(reason, sizeof(reason), "%s - zamówienie %s",
				 strcmp(s->o.status, "cancelled") == 0 ? "Anulowanie zamówienia"
								       : "Zwrot towaru",
				 s->o.number);
		corr.reason = reason;
		cp = &corr;
	}
	body = fkt_invoice_json(&s->client, &s->d, &s->o, oid, date, advance_ref(jj, &s->d), cp);
	if (!body) {
		journal_msg(jj, "%s", fkt_error(&s->client));
		rc = journal_failed(jj, NULL);
		goto out;
	}
	for (int tries = 0; tries < 2; tries++) {
		ev = journal_ev(jj);
		if (!ev) {
			rc = -PL_ENOMEM;
			goto out;
		}
		cJSON_AddStringToObject(ev, "phase", "create");
		cJSON_AddStringToObject(ev, "oid", oid);
		cJSON_AddStringToObject(ev, "kind", fkt_kind(s->d.kind));
		/* intent before the POST: the oid a lookup asks for */
		rc = journal_sending(jj, cJSON_Duplicate(ev, 1));
		if (rc)
			goto out;
		if (getenv("PL_TEST_FKT_DIE_BEFORE_CREATE"))
			raise(SIGKILL);
		rc = fkt_create(&s->client, body, &inv);
		if (rc == 0) {
			rc = settle_made(jj, ev, &inv, "performed");
			ev = NULL;
			goto out;
		}
		journal_msg(jj, "%s", fkt_error(&s->client));
		cJSON_AddStringToObject(ev, "message", journal_message(jj));
		if (rc == -PL_EINVAL || rc == -PL_ECONFIG) {
			/* refused (a 422: KSeF data, a field): nothing made */
			rc = journal_failed(jj, ev);
			ev = NULL;
			goto out;
		}
		if (rc == -PL_EIO || rc == -PL_EBUSY) {
			/* not taken: asked again later (the lookup sees no oid) */
			rc = journal_unknown(jj, ev, false, FKT_RETRY_MS);
			ev = NULL;
			goto out;
		}
		/* in doubt, or "oid taken": ask by oid before anything is sent again */
		rc = journal_evidence_commit(jj, ev);
		ev = NULL;
		if (rc)
			goto out;
		rc = journal_recheck(jj);
		if (rc != 1)
			goto out; /* 0 settled by the lookup; else unknown / lost */
	}
	journal_msg(jj, "fakturownia did not answer twice; tried again later");
	rc = journal_defer(jj, FKT_RETRY_MS);
out:
	cJSON_Delete(ev);
	free(body);
	free(bq);
	free(bg);
	return rc;
}

const struct journal_effect_ops fkt_invoice_ops = {
    .kind = FKT_JOB_KIND,
    .prepare = inv_prepare,
    .perform = inv_perform,
    .lookup = inv_lookup,
    .release = inv_release,
};

/* --- the KSeF status effect --------------------------------------------------------- */

/* Keep what the service says of KSeF with the document; polls counted. */
static int keep_ksef(struct store *st, int64_t doc_id, const struct fkt_invoice *inv,
		     int64_t *polls, int64_t *resends, bool resent)
{
	struct doc_remote r = {0};
	cJSON *det = NULL;
	int rc = remote_get(st, doc_id, &r, &det);

	if (rc)
		return rc;
	*polls = journal_json_int(det, "ksef_polls", 0) + 1;
	*resends = journal_json_int(det, "ksef_resends", 0) + (resent ? 1 : 0);
	set_num(det, "ksef_polls", (double)*polls);
	set_num(det, "ksef_resends", (double)*resends);
	if (inv) {
		set_str(det, "gov_status", inv->gov_status);
		set_str(det, "gov_id", inv->gov_id);
		set_str(det, "gov_errors", inv->gov_errors);
	}
	rc = remote_put(st, &r, det);
	cJSON_Delete(det);
	doc_remote_release(&r);
	return rc;
}

static int64_t backoff(const struct fkt_fx *fx, int64_t polls)
{
	int64_t ms = fx->ksef_poll_ms > 0 ? fx->ksef_poll_ms : 30000;

	for (int64_t i = 1; i < polls && ms < FKT_KSEF_MAX_MS; i++)
		ms *= 2;
	return ms < FKT_KSEF_MAX_MS ? ms : FKT_KSEF_MAX_MS;
}

static int ksef_perform(struct journal_job *jj)
{
	const struct fkt_fx *fx = journal_arg(jj);
	struct store *st = journal_job_store(jj);
	const cJSON *req = journal_request(jj);
	int64_t doc_id = journal_json_int(req, "doc_id", 0);
	int64_t id = journal_json_int(req, "invoice_id", 0), polls = 0, resends = 0;
	struct fkt_invoice inv;
	struct fkt f;
	cJSON *ev;
	int rc;

	if (doc_id <= 0 || id <= 0) {
		journal_msg(jj, "the KSeF job names no document / invoice");
		return journal_failed(jj, NULL);
	}
	rc = fkt_init(&f, &fx->cfg);
	if (rc) {
		journal_msg(jj, "%s", fkt_error(&f));
		return journal_failed(jj, NULL);
	}
	/* reading the state sends nothing: no SENDING before it */
	rc = fkt_get(&f, id, &inv);
	if (rc == -PL_EBUSY || rc == -PL_EIO) {
		journal_msg(jj, "%s", fkt_error(&f));
		fkt_release(&f);
		return journal_defer(jj, FKT_RETRY_MS);
	}
	if (rc) {
		journal_msg(jj, "KSeF state of invoice %" PRId64 ": %s", id, fkt_error(&f));
		fkt_release(&f);
		return journal_failed(jj, NULL);
	}
	if (strcmp(inv.gov_status, "server_error") == 0 ||
	    strcmp(inv.gov_status, "demo_server_error") == 0) {
		/* KSeF.md: fakturownia does not retry a server error itself */
		if (keep_ksef(st, doc_id, &inv, &polls, &resends, false) == 0 &&
		    resends < FKT_KSEF_RESENDS) {
			struct fkt_invoice again;
			if (fkt_ksef_send(&f, id, &again) == 0)
				keep_ksef(st, doc_id, &again, &polls, &resends, true);
			fkt_release(&f);
			journal_msg(jj, "KSeF server error for %s: sent again (%" PRId64 " of %d)",
				    inv.number, resends + 1, FKT_KSEF_RESENDS);
			return journal_defer(jj, backoff(fx, polls));
		}
	} else if (keep_ksef(st, doc_id, &inv, &polls, &resends, false)) {
		fkt_release(&f);
		journal_msg(jj, "cannot keep the KSeF state of %s", inv.number);
		return -PL_ESTORE;
	}
	fkt_release(&f);
	if (fkt_gov_pending(inv.gov_status)) {
		journal_msg(jj, "KSeF: %s is %s (poll %" PRId64 ")", inv.number,
			    inv.gov_status[0] ? inv.gov_status : "waiting", polls);
		return journal_defer(jj, backoff(fx, polls));
	}
	ev = journal_ev(jj);
	if (ev) {
		cJSON_AddStringToObject(ev, "gov_status", inv.gov_status);
		cJSON_AddStringToObject(ev, "gov_id", inv.gov_id);
		cJSON_AddStringToObject(ev, "number", inv.number);
	}
	if (fkt_gov_ok(inv.gov_status)) {
		journal_msg(jj, "KSeF accepted %s: %s", inv.number, inv.gov_id);
		return journal_done(jj, ev, inv.gov_id);
	}
	if (strstr(inv.gov_status, "not_applicable") || strstr(inv.gov_status, "not_connected")) {
		journal_msg(jj, "KSeF: %s is %s", inv.number, inv.gov_status);
		return journal_done(jj, ev, NULL);
	}
	journal_msg(jj,
		    "KSeF refused %s (%s): %s; correct the data at fakturownia and send it "
		    "again",
		    inv.number, inv.gov_status, inv.gov_errors[0] ? inv.gov_errors : "no message");
	if (ev)
		cJSON_AddStringToObject(ev, "gov_errors", inv.gov_errors);
	return journal_failed(jj, ev);
}

/* Reading sends nothing: an interrupted poll is simply polled again. */
static enum journal_verdict ksef_lookup(struct journal_job *jj, char *why, size_t cap)
{
	(void)jj;
	snprintf(why, cap, "a KSeF status poll changes nothing: polled again");
	return JOURNAL_V_NOT_DONE;
}

const struct journal_effect_ops fkt_ksef_ops = {
    .kind = FKT_KSEF_KIND,
    .perform = ksef_perform,
    .lookup = ksef_lookup,
};

/* --- cancel ------------------------------------------------------------------------ */

struct live_corr {
	int64_t corrected;
	char number[64];
};

static int find_live_correction(const struct document *d, void *arg)
{
	struct live_corr *c = arg;

	if (d->corrects_id != c->corrected || (d->state != DOC_ISSUED && d->state != DOC_PENDING))
		return 0;
	snprintf(c->number, sizeof(c->number), "%s",
		 d->remote_id[0] ? d->remote_id
		 : d->number[0]  ? d->number
				 : "(pending)");
	return 1;
}

/* Settle the cancellation: doc_remote "cancelled", our document cancelled. */
static int settle_cancel(struct journal_job *jj, struct doc_remote *r, cJSON *det, cJSON *ev,
			 const char *how)
{
	int rc;

	snprintf(r->status, sizeof(r->status), "cancelled");
	set_str(det, "cancel_how", how);
	rc = remote_put(journal_job_store(jj), r, det);
	if (rc) {
		cJSON_Delete(ev);
		return -PL_ESTORE;
	}
	set_str(ev, "how", how);
	return journal_done_as(jj, ev, NULL, DOC_CANCELLED);
}

static int cancel_perform(struct journal_job *jj)
{
	const struct fkt_fx *fx = journal_arg(jj);
	const struct job *jb = journal_jobof(jj);
	struct store *st = journal_job_store(jj);
	struct store_doc_filter flt = {0};
	struct live_corr lc = {.corrected = jb->doc_id};
	char reason[FKT_REASON_MAX + 1], actor[64];
	struct doc_remote r = {0};
	struct fkt_invoice inv;
	struct document d;
	struct fkt f;
	bool f_ready = false;
	cJSON *det = NULL, *ev = NULL;
	int64_t id;
	int rc;

	journal_json_str(journal_request(jj), "reason", reason, sizeof(reason));
	journal_json_str(journal_request(jj), "actor", actor, sizeof(actor));
	doc_init(&d);
	rc = jb->doc_id > 0 ? store_doc_get(st, jb->doc_id, &d) : -PL_ENOTFOUND;
	if (!rc)
		rc = remote_get(st, jb->doc_id, &r, &det);
	if (rc) {
		journal_msg(jj, "document #%" PRId64 " is not at fakturownia: %s", jb->doc_id,
			    pl_strerror(rc));
		rc = journal_failed(jj, NULL);
		goto out;
	}
	id = journal_json_int(det, "id", 0);
	if (d.state != DOC_ISSUED) {
		journal_msg(jj, "%s %s not cancelled: it is %s", doc_kind_name(d.kind), d.remote_id,
			    doc_state_name(d.state));
		rc = journal_failed(jj, NULL);
		goto out;
	}
	flt.order_id = d.order_id;
	if (store_doc_list(st, &flt, find_live_correction, &lc) < 0) {
		rc = -PL_ESTORE;
		goto out;
	}
	if (lc.number[0]) {
		journal_msg(jj,
			    "%s %s not cancelled: correction %s refers to it: cancel that first",
			    doc_kind_name(d.kind), d.remote_id, lc.number);
		rc = journal_failed(jj, NULL);
		goto out;
	}
	rc = fkt_init(&f, &fx->cfg);
	if (rc) {
		journal_msg(jj, "%s", fkt_error(&f));
		rc = journal_failed(jj, NULL);
		goto out;
	}
	f_ready = true;
	/* the KSeF state now, not as last polled */
	rc = fkt_get(&f, id, &inv);
	if (rc == -PL_EBUSY || rc == -PL_EIO) {
		journal_msg(jj, "%s", fkt_error(&f));
		rc = journal_defer(jj, FKT_RETRY_MS);
		goto out;
	}
	if (rc) {
		journal_msg(jj, "%s", fkt_error(&f));
		rc = journal_failed(jj, NULL);
		goto out;
	}
	if (strcmp(inv.kind, "canceled") == 0) {
		rc = settle_cancel(jj, &r, det, journal_ev(jj), "recovered");
		goto out;
	}
	if (fkt_gov_ok(inv.gov_status)) {
		journal_msg(jj,
			    "%s %s not cancelled: KSeF accepted it (%s); an invoice in KSeF "
			    "cannot be cancelled: correct it instead (packline docs correct)",
			    doc_kind_name(d.kind), inv.number, inv.gov_id);
		rc = journal_failed(jj, NULL);
		goto out;
	}
	if (journal_json_int(det, "ksef", 0) && fkt_gov_pending(inv.gov_status)) {
		journal_msg(jj,
			    "%s %s not cancelled: it is on its way to KSeF (%s); wait for KSeF's "
			    "answer (then correct it, or cancel it if KSeF refused it)",
			    doc_kind_name(d.kind), inv.number,
			    inv.gov_status[0] ? inv.gov_status : "sent");
		rc = journal_failed(jj, NULL);
		goto out;
	}
	for (int tries = 0; tries < 2; tries++) {
		ev = journal_ev(jj);
		if (!ev) {
			rc = -PL_ENOMEM;
			goto out;
		}
		cJSON_AddStringToObject(ev, "phase", "cancel");
		cJSON_AddNumberToObject(ev, "invoice_id", (double)id);
		cJSON_AddStringToObject(ev, "reason", reason);
		cJSON_AddStringToObject(ev, "actor", actor);
		rc = journal_sending(jj, cJSON_Duplicate(ev, 1));
		if (rc)
			goto out;
		rc = fkt_cancel(&f, id, reason);
		if (rc == 0) {
			journal_msg(jj, "%s %s cancelled at fakturownia by %s: %s",
				    doc_kind_name(d.kind), inv.number, actor, reason);
			rc = settle_cancel(jj, &r, det, ev, "performed");
			ev = NULL;
			goto out;
		}
		journal_msg(jj, "cancel of %s: %s", inv.number, fkt_error(&f));
		cJSON_AddStringToObject(ev, "message", journal_message(jj));
		if (rc == -PL_EINVAL || rc == -PL_ECONFIG || rc == -PL_ENOTFOUND) {
			rc = journal_failed(jj, ev);
			ev = NULL;
			goto out;
		}
		rc = journal_evidence_commit(jj, ev);
		ev = NULL;
		if (!rc)
			rc = journal_recheck(jj);
		if (rc != 1)
			goto out;
	}
	rc = journal_defer(jj, FKT_RETRY_MS);
out:
	if (f_ready)
		fkt_release(&f);
	cJSON_Delete(ev);
	cJSON_Delete(det);
	doc_remote_release(&r);
	doc_release(&d);
	return rc;
}

/* Read the invoice back: kind "canceled" -> done, else not done. */
static enum journal_verdict cancel_lookup(struct journal_job *jj, char *why, size_t cap)
{
	const struct fkt_fx *fx = journal_arg(jj);
	int64_t id = journal_json_int(journal_evidence(jj), "invoice_id", 0);
	struct doc_remote r = {0};
	struct fkt_invoice inv;
	cJSON *det = NULL;
	struct fkt f;
	enum journal_verdict v = JOURNAL_V_RETRY;
	int rc;

	if (id <= 0) {
		snprintf(why, cap, "the cancellation never left");
		return JOURNAL_V_NOT_DONE;
	}
	if (fkt_init(&f, &fx->cfg)) {
		snprintf(why, cap, "%s", fkt_error(&f));
		return JOURNAL_V_RETRY;
	}
	rc = fkt_get(&f, id, &inv);
	if (rc) {
		snprintf(why, cap, "cannot read invoice %" PRId64 ": %s", id, fkt_error(&f));
	} else if (strcmp(inv.kind, "canceled") != 0) {
		snprintf(why, cap, "invoice %s is not cancelled at fakturownia: asked again",
			 inv.number);
		v = JOURNAL_V_NOT_DONE;
	} else if (remote_get(journal_job_store(jj), journal_jobof(jj)->doc_id, &r, &det) == 0) {
		snprintf(why, cap, "invoice %s is cancelled at fakturownia", inv.number);
		v = settle_cancel(jj, &r, det, journal_ev(jj), "recovered") == 0 ? JOURNAL_V_DONE
										 : JOURNAL_V_RETRY;
	}
	cJSON_Delete(det);
	doc_remote_release(&r);
	fkt_release(&f);
	return v;
}

const struct journal_effect_ops fkt_cancel_ops = {
    .kind = FKT_CANCEL_KIND,
    .perform = cancel_perform,
    .lookup = cancel_lookup,
};

int fkt_register(struct journal *j, struct fkt_fx *fx)
{
	int rc = journal_register(j, &fkt_invoice_ops, fx);

	if (!rc)
		rc = journal_register(j, &fkt_ksef_ops, fx);
	if (!rc)
		rc = journal_register(j, &fkt_cancel_ops, fx);
	return rc;
}
