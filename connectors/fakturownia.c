/* SPDX-License-Identifier: Apache-2.0 */
/* connectors/fakturownia.c - fakturownia.pl invoices and KSeF state (fakturownia.h). */
#include "connectors/fakturownia.h"
#include "base/err.h"

#include <cjson/cJSON.h>

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void set_err(struct fkt *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_err(struct fkt *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(f->err, sizeof(f->err), fmt, ap);
	va_end(ap);
}

void fkt_cfg_init(struct fkt_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->timeout_ms = 20000;
	cfg->ksef = true;
	snprintf(cfg->payment_type, sizeof(cfg->payment_type), "transfer");
	cfg->payment_days = 7;
}

static int setup_http(struct fkt *f, struct http *h, const char *accept, size_t resp_max)
{
	int rc = http_init(h, f->cfg.url);

	if (rc == -PL_EINVAL) {
		set_err(f,
			"fakturownia: url must be https:// (http only to a loopback test server)");
		return -PL_ECONFIG;
	}
	if (rc)
		return rc;
	snprintf(h->cainfo, sizeof(h->cainfo), "%s", f->cfg.cainfo);
	h->timeout_ms = f->cfg.timeout_ms > 0 ? f->cfg.timeout_ms : 20000;
	h->connect_timeout_ms = h->timeout_ms < 5000 ? h->timeout_ms : 5000;
	h->resp_max = resp_max;
	return http_add_header(h, accept);
}

int fkt_init(struct fkt *f, const struct fkt_cfg *cfg)
{
	int rc;

	memset(f, 0, sizeof(*f));
	f->cfg = *cfg;
	if (!cfg->token[0] || !cfg->url[0]) {
		set_err(f, "fakturownia: url (or domain) and the API token are needed");
		return -PL_ECONFIG;
	}
	rc = setup_http(f, &f->http, "Accept: application/json", FKT_JSON_MAX);
	if (!rc)
		rc = setup_http(f, &f->pdf, "Accept: application/pdf", FKT_PDF_MAX);
	if (rc) {
		fkt_release(f);
		return rc;
	}
	return 0;
}

void fkt_release(struct fkt *f)
{
	http_release(&f->http);
	http_release(&f->pdf);
	memset(f->cfg.token, 0, sizeof(f->cfg.token));
}

const char *fkt_error(const struct fkt *f)
{
	return f->err;
}

const char *fkt_kind(enum doc_kind k)
{
	switch (k) {
	case DOC_INVOICE:
		return "vat";
	case DOC_PROFORMA:
		return "proforma";
	case DOC_ADVANCE:
		return "advance";
	case DOC_FINAL:
		return "final";
	case DOC_CORRECTION:
		return "correction";
	default:
		return NULL;
	}
}

bool fkt_kind_ksef(const char *kind)
{
	/* KSeF.md: only these go to KSeF */
	static const char *const k[] = {"vat", "correction",      "vat_mp",  "vat_margin",
					"wdt", "export_products", "advance", "final"};

	for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++)
		if (strcmp(kind, k[i]) == 0)
			return true;
	return false;
}

bool fkt_gov_ok(const char *s)
{
	return strcmp(s, "ok") == 0 || strcmp(s, "demo_ok") == 0;
}

bool fkt_gov_pending(const char *s)
{
	return !s[0] || strcmp(s, "null") == 0 || strcmp(s, "processing") == 0 ||
	       strcmp(s, "demo_processing") == 0;
}

/* --- parsers ------------------------------------------------------------------ */

static void copy_str(char *dst, size_t cap, const cJSON *v)
{
	dst[0] = '\0';
	if (cJSON_IsString(v) && v->valuestring)
		snprintf(dst, cap, "%s", v->valuestring);
	else if (cJSON_IsNumber(v) && v->valuedouble > -1e15 && v->valuedouble < 1e15)
		snprintf(dst, cap, "%.0f", v->valuedouble);
}

static void append(char *dst, size_t cap, const char *s)
{
	size_t n = strlen(dst);

	if (n + 1 < cap)
		snprintf(dst + n, cap - n, "%s", s);
}

/* {"message":"text"} or {"message":{"field":["msg",...],...}} flattened. */
static void flatten_message(const cJSON *m, char *err, size_t cap)
{
	const cJSON *f, *e;

	err[0] = '\0';
	if (cJSON_IsString(m) && m->valuestring) {
		snprintf(err, cap, "%s", m->valuestring);
		return;
	}
	if (!cJSON_IsObject(m))
		return;
	cJSON_ArrayForEach(f, m)
	{
		if (err[0])
			append(err, cap, "; ");
		append(err, cap, f->string ? f->string : "?");
		append(err, cap, ":");
		if (cJSON_IsArray(f)) {
			cJSON_ArrayForEach(e, f)
			{
				if (cJSON_IsString(e) && e->valuestring) {
					append(err, cap, " ");
					append(err, cap, e->valuestring);
				}
			}
		} else if (cJSON_IsString(f) && f->valuestring) {
			append(err, cap, " ");
			append(err, cap, f->valuestring);
		}
	}
}

static int error_of(const cJSON *root, char *err, size_t cap)
{
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(root, "code");
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(root, "status");

	if (!cJSON_IsObject(root))
		return -PL_ENOTFOUND;
	if ((cJSON_IsString(code) && strcmp(code->valuestring, "error") == 0) ||
	    (cJSON_IsString(st) && strcmp(st->valuestring, "error") == 0)) {
		flatten_message(cJSON_GetObjectItemCaseSensitive(root, "message"), err, cap);
		if (!err[0])
			snprintf(err, cap, "error (no message)");
		return 0;
	}
	return -PL_ENOTFOUND;
}

int fkt_parse_error(const char *body, size_t len, char *err, size_t errcap)
{
	cJSON *root;
	int rc;

	if (errcap)
		err[0] = '\0';
	if (!body || len > FKT_JSON_MAX || errcap == 0)
		return -PL_ENOTFOUND;
	root = cJSON_ParseWithLength(body, len);
	rc = error_of(root, err, errcap);
	cJSON_Delete(root);
	return rc;
}

static int64_t amount(const cJSON *v)
{
	int64_t m = 0;
	char txt[48];

	if (cJSON_IsNumber(v)) {
		snprintf(txt, sizeof(txt), "%.2f", v->valuedouble);
		if (v->valuedouble > -1e12 && v->valuedouble < 1e12 && money_parse(txt, &m) == 0)
			return m;
		return 0;
	}
	if (cJSON_IsString(v) && v->valuestring && strlen(v->valuestring) < 40 &&
	    money_parse(v->valuestring, &m) == 0)
		return m;
	return 0;
}

static int invoice_of(const cJSON *o, struct fkt_invoice *out)
{
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(o, "id"), *e, *ge;

	memset(out, 0, sizeof(*out));
	if (!cJSON_IsObject(o) || !cJSON_IsNumber(id) || id->valuedouble < 1 ||
	    id->valuedouble > 9e15)
		return -PL_EPROTO;
	out->id = (int64_t)id->valuedouble;
	copy_str(out->number, sizeof(out->number), cJSON_GetObjectItemCaseSensitive(o, "number"));
	copy_str(out->kind, sizeof(out->kind), cJSON_GetObjectItemCaseSensitive(o, "kind"));
	copy_str(out->status, sizeof(out->status), cJSON_GetObjectItemCaseSensitive(o, "status"));
	copy_str(out->oid, sizeof(out->oid), cJSON_GetObjectItemCaseSensitive(o, "oid"));
	copy_str(out->token, sizeof(out->token), cJSON_GetObjectItemCaseSensitive(o, "token"));
	copy_str(out->gov_status, sizeof(out->gov_status),
		 cJSON_GetObjectItemCaseSensitive(o, "gov_status"));
	copy_str(out->gov_id, sizeof(out->gov_id), cJSON_GetObjectItemCaseSensitive(o, "gov_id"));
	out->price_gross = amount(cJSON_GetObjectItemCaseSensitive(o, "price_gross"));
	ge = cJSON_GetObjectItemCaseSensitive(o, "gov_error_messages");
	if (cJSON_IsArray(ge)) {
		cJSON_ArrayForEach(e, ge)
		{
			if (!cJSON_IsString(e) || !e->valuestring)
				continue;
			if (out->gov_errors[0])
				append(out->gov_errors, sizeof(out->gov_errors), "; ");
			append(out->gov_errors, sizeof(out->gov_errors), e->valuestring);
		}
	} else if (cJSON_IsString(ge) && ge->valuestring) {
		snprintf(out->gov_errors, sizeof(out->gov_errors), "%s", ge->valuestring);
	}
	return 0;
}

int fkt_parse_invoice(const char *body, size_t len, struct fkt_invoice *out, char *err,
		      size_t errcap)
{
	cJSON *root;
	int rc;

	memset(out, 0, sizeof(*out));
	if (errcap)
		err[0] = '\0';
	if (!body || len > FKT_JSON_MAX)
		return -PL_EPROTO;
	root = cJSON_ParseWithLength(body, len);
	if (!root)
		return -PL_EPROTO;
	if (errcap && error_of(root, err, errcap) == 0)
		rc = -PL_EINVAL;
	else
		rc = invoice_of(root, out);
	cJSON_Delete(root);
	return rc;
}

int fkt_parse_list(const char *body, size_t len, const char *oid, struct fkt_invoice *out,
		   size_t *count)
{
	const cJSON *e;
	cJSON *root;
	int rc = -PL_ENOTFOUND;

	*count = 0;
	memset(out, 0, sizeof(*out));
	if (!body || len > FKT_JSON_MAX)
		return -PL_EPROTO;
	root = cJSON_ParseWithLength(body, len);
	if (!cJSON_IsArray(root)) {
		cJSON_Delete(root);
		return -PL_EPROTO;
	}
	cJSON_ArrayForEach(e, root)
	{
		const cJSON *o = cJSON_GetObjectItemCaseSensitive(e, "oid");
		(*count)++;
		/* exact match ourselves: the filter's semantics are not documented */
		if (rc != 0 && cJSON_IsString(o) && oid && strcmp(o->valuestring, oid) == 0 &&
		    invoice_of(e, out) == 0)
			rc = 0;
	}
	cJSON_Delete(root);
	return rc;
}

/* --- the request body ---------------------------------------------------------- */

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

/* An exact decimal as a JSON string ("-12.3"): the service parses strings
 * (its own answers carry amounts as strings), and no double rounds it. */
static bool add_dec(cJSON *o, const char *k, int64_t v, int digits)
{
	char num[40];

	decimal(v, digits, num, sizeof(num));
	return cJSON_AddStringToObject(o, k, num) != NULL;
}

static bool add_tax(cJSON *o, enum vat_rate r)
{
	/* a number for a rate, a word for zw / np / oo */
	if (r == VAT_ZW || r == VAT_NP || r == VAT_OO)
		return cJSON_AddStringToObject(o, "tax", vat_rate_name(r)) != NULL;
	return cJSON_AddNumberToObject(o, "tax", vat_rate_percent(r)) != NULL;
}

static const char *payment_type(const struct fkt *f, const struct order *o)
{
	static const struct {
		const char *ours, *theirs;
	} map[] = {{"cash", "cash"},         {"card", "card"},
		   {"transfer", "transfer"}, {"cod", "cash_on_delivery"},
		   {"blik", "BLIK"},         {"online", "transfer"}};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(o->payment.type, map[i].ours) == 0)
			return map[i].theirs;
	return f->cfg.payment_type[0] ? f->cfg.payment_type : "transfer";
}

/* issue date + days, "YYYY-MM-DD" */
static void date_plus(const char *date, int days, char *out, size_t cap)
{
	struct tm tm = {0};

	if (sscanf(date, "%4d-%2d-%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday) != 3) {
		snprintf(out, cap, "%s", date);
		return;
	}
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	tm.tm_mday += days;
	tm.tm_hour = 12;
	timegm(&tm);
	strftime(out, cap, "%Y-%m-%d", &tm);
}

static bool add_buyer(cJSON *inv, const struct document *d, const struct order *o)
{
	const struct order_buyer *b = &o->buyer;
	const struct order_address *a = b->billing.street[0] ? &b->billing : &o->delivery.address;
	const char *nip = d->buyer_nip[0] ? d->buyer_nip : b->nip;
	const char *country = a->country[0] ? a->country : b->country[0] ? b->country : "PL";
	bool company = nip[0] != '\0';
	bool ok;

	ok = cJSON_AddBoolToObject(inv, "buyer_company", company) != NULL;
	if (company) {
		/* a Polish NIP is 10 digits; anything with a country prefix is an
		 * EU VAT id (KSeF.md buyer_tax_no_kind) */
		bool eu = nip[0] >= 'A' && nip[0] <= 'Z' && strncmp(nip, "PL", 2) != 0;
		ok = ok &&
		     cJSON_AddStringToObject(inv, "buyer_name",
					     d->buyer_name[0] ? d->buyer_name
					     : b->company[0]  ? b->company
							      : b->name) &&
		     cJSON_AddStringToObject(inv, "buyer_tax_no", nip) &&
		     cJSON_AddStringToObject(inv, "buyer_tax_no_kind", eu ? "nip_ue" : "");
	} else {
		/* a consumer: KSeF wants first and last name */
		char first[128], last[128];
		const char *name = b->name[0] ? b->name : d->buyer_name;
		const char *sp = strrchr(name, ' ');
		if (sp) {
			snprintf(first, sizeof(first), "%.*s", (int)(sp - name), name);
			snprintf(last, sizeof(last), "%s", sp + 1);
		} else {
			snprintf(first, sizeof(first), "%s", name);
			last[0] = '\0';
		}
		ok = ok && cJSON_AddStringToObject(inv, "buyer_name", name) &&
		     cJSON_AddStringToObject(inv, "buyer_first_name", first) &&
		     cJSON_AddStringToObject(inv, "buyer_last_name", last);
	}
	ok = ok && cJSON_AddStringToObject(inv, "buyer_email", b->email) &&
	     cJSON_AddStringToObject(inv, "buyer_street", a->street) &&
	     cJSON_AddStringToObject(inv, "buyer_post_code", a->postcode) &&
	     cJSON_AddStringToObject(inv, "buyer_city", a->city) &&
	     cJSON_AddStringToObject(inv, "buyer_country", country);
	return ok;
}

static bool add_state(cJSON *p, const char *key, const struct doc_line *l, int64_t qty,
		      int64_t gross, const char *kind)
{
	cJSON *s = cJSON_AddObjectToObject(p, key);

	return s && cJSON_AddStringToObject(s, "name", l->name) && add_dec(s, "quantity", qty, 3) &&
	       add_dec(s, "total_price_gross", gross, 2) && add_tax(s, l->vat) &&
	       cJSON_AddStringToObject(s, "kind", kind);
}

char *fkt_invoice_json(struct fkt *f, const struct document *d, const struct order *o,
		       const char *oid, const char *issue_date, int64_t advance_id,
		       const struct fkt_corr *corr)
{
	cJSON *root = cJSON_CreateObject(), *inv, *pos;
	const char *kind = fkt_kind(d->kind);
	char due[16];
	char *out = NULL;
	bool ok;

	if (!root)
		goto oom;
	if (!kind) {
		set_err(f, "fakturownia: a %s is not issued there", doc_kind_name(d->kind));
		goto out;
	}
	if (!d->nlines) {
		set_err(f, "fakturownia: the document has no lines");
		goto out;
	}
	if (!d->buyer_name[0] && !o->buyer.name[0] && !o->buyer.company[0]) {
		set_err(f, "fakturownia: the buyer has no name");
		goto out;
	}
	if (d->kind == DOC_CORRECTION &&
	    (!corr || corr->invoice_id <= 0 || !corr->reason || !corr->reason[0])) {
		set_err(f, "fakturownia: a correction needs the corrected invoice and a reason");
		goto out;
	}
	if (corr && strlen(corr->reason) > FKT_REASON_MAX) {
		set_err(f, "fakturownia: the correction reason is over %d bytes", FKT_REASON_MAX);
		goto out;
	}
	ok = cJSON_AddStringToObject(root, "api_token", f->cfg.token) != NULL;
	/* KSeF data is complete at create, so its 422 comes now, not later */
	if (f->cfg.ksef && fkt_kind_ksef(kind))
		ok = ok && cJSON_AddBoolToObject(root, "gov_save_and_send", true);
	inv = ok ? cJSON_AddObjectToObject(root, "invoice") : NULL;
	if (!inv)
		goto oom;
	date_plus(issue_date, f->cfg.payment_days, due, sizeof(due));
	ok = cJSON_AddStringToObject(inv, "kind", kind) && cJSON_AddNullToObject(inv, "number") &&
	     cJSON_AddStringToObject(inv, "issue_date", issue_date) &&
	     cJSON_AddStringToObject(inv, "sell_date",
				     d->sale_date[0] ? d->sale_date : issue_date) &&
	     cJSON_AddStringToObject(inv, "payment_to", due) &&
	     cJSON_AddStringToObject(inv, "payment_type", payment_type(f, o)) &&
	     cJSON_AddStringToObject(inv, "currency", d->currency[0] ? d->currency : o->currency) &&
	     cJSON_AddStringToObject(inv, "lang", "pl") &&
	     cJSON_AddStringToObject(inv, "oid", oid) &&
	     cJSON_AddStringToObject(inv, "oid_unique", "yes") &&
	     cJSON_AddStringToObject(inv, "description", o->number);
	if (ok && f->cfg.department_id > 0)
		ok = cJSON_AddNumberToObject(inv, "department_id", (double)f->cfg.department_id);
	ok = ok && add_buyer(inv, d, o);
	if (ok && d->kind == DOC_FINAL && advance_id > 0) {
		/* GUESS: a final invoice names the advances it settles by their
		 * ids in `invoice_ids` (README shows the field, not its exact
		 * semantics for `final`) */
		cJSON *ids = cJSON_AddArrayToObject(inv, "invoice_ids");
		ok = ids && cJSON_AddItemToArray(ids, cJSON_CreateNumber((double)advance_id));
	}
	if (ok && corr) {
		ok = cJSON_AddNumberToObject(inv, "invoice_id", (double)corr->invoice_id) &&
		     cJSON_AddNumberToObject(inv, "from_invoice_id", (double)corr->invoice_id) &&
		     cJSON_AddStringToObject(inv, "correction_reason", corr->reason);
	}
	pos = ok ? cJSON_AddArrayToObject(inv, "positions") : NULL;
	ok = ok && pos;
	for (size_t i = 0; ok && i < d->nlines; i++) {
		const struct doc_line *l = &d->lines[i];
		cJSON *p = cJSON_CreateObject();

		if (strlen(l->name) > FKT_POS_NAME_MAX) {
			cJSON_Delete(p);
			set_err(f, "fakturownia: line %zu's name is over %d characters", i + 1,
				FKT_POS_NAME_MAX);
			goto out;
		}
		ok = p && cJSON_AddItemToArray(pos, p);
		ok = ok && cJSON_AddStringToObject(p, "name", l->name) &&
		     cJSON_AddStringToObject(p, "code", l->sku) &&
		     add_dec(p, "quantity", l->qty, 3) &&
		     cJSON_AddStringToObject(p, "quantity_unit", l->unit[0] ? l->unit : "szt") &&
		     add_tax(p, l->vat) && add_dec(p, "total_price_gross", l->gross, 2);
		if (ok && corr) {
			/* one position per corrected line: the difference, and the
			 * line before and after it */
			int64_t bq = corr->before_qty[i], bg = corr->before_gross[i];
			ok = cJSON_AddStringToObject(p, "kind", "correction") &&
			     add_state(p, "correction_before_attributes", l, bq, bg,
				       "correction_before") &&
			     add_state(p, "correction_after_attributes", l, bq + l->qty,
				       bg + l->gross, "correction_after");
		}
	}
	if (!ok)
		goto oom;
	out = cJSON_PrintUnformatted(root);
	if (!out)
		goto oom;
	goto out;
oom:
	set_err(f, "fakturownia: out of memory");
out:
	cJSON_Delete(root);
	return out;
}

/* --- calls --------------------------------------------------------------------- */

enum call_kind { CALL_READ, CALL_WRITE };

static int call(struct fkt *f, struct http *h, const char *what, enum call_kind kind,
		const char *method, const char *path, const char *body, struct http_resp *r)
{
	char msg[400];
	int rc;

	rc = http_request(h, method, path, body ? "application/json" : NULL, body,
			  body ? strlen(body) : 0, r);
	if (rc == -PL_EIO) {
		set_err(f, "fakturownia %s: not sent: %s", what, r->err);
		return rc;
	}
	if (rc == -PL_EUNKNOWN) {
		set_err(f, "fakturownia %s: no answer: %s", what, r->err);
		return kind == CALL_WRITE ? rc : -PL_EBUSY;
	}
	if (rc == -PL_ETOOBIG) {
		set_err(f, "fakturownia %s: answer larger than %zu bytes", what, h->resp_max);
		return kind == CALL_WRITE ? -PL_EUNKNOWN : rc;
	}
	if (rc) {
		set_err(f, "fakturownia %s: %s", what, pl_strerror(rc));
		return rc;
	}
	if (r->status >= 500) {
		set_err(f, "fakturownia %s: HTTP %ld", what, r->status);
		/* a create may have been committed before the server failed */
		return kind == CALL_WRITE ? -PL_EUNKNOWN : -PL_EBUSY;
	}
	if (r->status == 429) {
		/* GUESS: a throttled request is refused before it is processed */
		set_err(f, "fakturownia %s: HTTP 429 (too many requests)", what);
		return -PL_EBUSY;
	}
	if (fkt_parse_error(r->body.data, r->body.len, msg, sizeof(msg)) != 0)
		msg[0] = '\0';
	if (r->status == 401 || r->status == 403) {
		set_err(f, "fakturownia %s: HTTP %ld: the API token is refused%s%s", what,
			r->status, msg[0] ? ": " : "", msg);
		return -PL_ECONFIG;
	}
	if (r->status == 404) {
		set_err(f, "fakturownia %s: not found", what);
		return -PL_ENOTFOUND;
	}
	if (r->status >= 400 || msg[0]) {
		/* 422 validation, or HTTP 200 with "status":"error" */
		set_err(f, "fakturownia %s: %s (HTTP %ld)", what, msg[0] ? msg : "refused",
			r->status);
		/* GUESS: the oid_unique clash is a 422 naming the field `oid` */
		if (r->status == 422 && strstr(msg, "oid"))
			return -PL_EEXIST;
		return -PL_EINVAL;
	}
	return 0;
}

static int token_query(struct fkt *f, char *out, size_t cap)
{
	if (http_query_escape(f->cfg.token, out, cap)) {
		set_err(f, "fakturownia: the token is too long");
		return -PL_ECONFIG;
	}
	return 0;
}

static int invoice_call(struct fkt *f, const char *what, enum call_kind kind, const char *method,
			const char *path, const char *body, struct fkt_invoice *out)
{
	struct http_resp r;
	char err[256];
	int rc;

	http_resp_init(&r);
	rc = call(f, &f->http, what, kind, method, path, body, &r);
	if (!rc) {
		rc = fkt_parse_invoice(r.body.data, r.body.len, out, err, sizeof(err));
		if (rc == -PL_EPROTO) {
			set_err(f, "fakturownia %s: HTTP %ld with an answer that is not an invoice",
				what, r.status);
			/* a create that answered 2xx made it: find it by its oid */
			if (kind == CALL_WRITE)
				rc = -PL_EUNKNOWN;
		} else if (rc) {
			set_err(f, "fakturownia %s: %s", what, err);
		}
	}
	http_resp_release(&r);
	return rc;
}

int fkt_create(struct fkt *f, const char *json, struct fkt_invoice *out)
{
	return invoice_call(f, "create", CALL_WRITE, "POST", "/invoices.json", json, out);
}

int fkt_get(struct fkt *f, int64_t id, struct fkt_invoice *out)
{
	char tok[800], path[1000];
	int rc = token_query(f, tok, sizeof(tok));

	if (rc)
		return rc;
	snprintf(path, sizeof(path), "/invoices/%" PRId64 ".json?api_token=%s", id, tok);
	return invoice_call(f, "get", CALL_READ, "GET", path, NULL, out);
}

int fkt_ksef_send(struct fkt *f, int64_t id, struct fkt_invoice *out)
{
	char tok[800], path[1000];
	int rc = token_query(f, tok, sizeof(tok));

	if (rc)
		return rc;
	snprintf(path, sizeof(path), "/invoices/%" PRId64 ".json?send_to_ksef=yes&api_token=%s", id,
		 tok);
	/* a resend is harmless twice: the service keeps one KSeF number */
	return invoice_call(f, "send to KSeF", CALL_READ, "GET", path, NULL, out);
}

int fkt_find_oid(struct fkt *f, const char *oid, struct fkt_invoice *out)
{
	char tok[800], q[400], path[1400];
	struct http_resp r;
	size_t count = 0;
	int rc = token_query(f, tok, sizeof(tok));

	if (rc)
		return rc;
	if (http_query_escape(oid, q, sizeof(q))) {
		set_err(f, "fakturownia: oid too long");
		return -PL_EINVAL;
	}
	http_resp_init(&r);
	for (int page = 1; page <= FKT_LIST_MAX_PAGES; page++) {
		snprintf(path, sizeof(path),
			 "/invoices.json?oid=%s&period=all&page=%d&per_page=%d&api_token=%s", q,
			 page, FKT_LIST_PER_PAGE, tok);
		rc = call(f, &f->http, "look-up by oid", CALL_READ, "GET", path, NULL, &r);
		if (rc)
			break;
		rc = fkt_parse_list(r.body.data, r.body.len, oid, out, &count);
		if (rc == -PL_EPROTO)
			set_err(f, "fakturownia look-up by oid: the answer is not a list");
		/* a next page exists while a full page comes back */
		if (rc != -PL_ENOTFOUND || count < FKT_LIST_PER_PAGE)
			break;
	}
	if (rc == -PL_ENOTFOUND)
		set_err(f, "fakturownia: no invoice with oid %s", oid);
	http_resp_release(&r);
	return rc;
}

int fkt_cancel(struct fkt *f, int64_t id, const char *reason)
{
	cJSON *b = cJSON_CreateObject();
	struct http_resp r;
	char *body = NULL;
	int rc = -PL_ENOMEM;

	if (b && cJSON_AddStringToObject(b, "api_token", f->cfg.token) &&
	    cJSON_AddNumberToObject(b, "cancel_invoice_id", (double)id) &&
	    cJSON_AddStringToObject(b, "cancel_reason", reason ? reason : ""))
		body = cJSON_PrintUnformatted(b);
	cJSON_Delete(b);
	if (!body)
		return rc;
	http_resp_init(&r);
	rc = call(f, &f->http, "cancel", CALL_WRITE, "POST", "/invoices/cancel.json", body, &r);
	free(body);
	http_resp_release(&r);
	return rc;
}

int fkt_pdf(struct fkt *f, int64_t id, struct buf *out)
{
	char tok[800], path[1000];
	struct http_resp r;
	int rc = token_query(f, tok, sizeof(tok));

	if (rc)
		return rc;
	snprintf(path, sizeof(path), "/invoices/%" PRId64 ".pdf?api_token=%s", id, tok);
	http_resp_init(&r);
	rc = call(f, &f->pdf, "pdf", CALL_READ, "GET", path, NULL, &r);
	if (!rc && strstr(r.content_type, "pdf") == NULL) {
		set_err(f, "fakturownia pdf: the answer is %s, not a PDF", r.content_type);
		rc = -PL_EPROTO;
	}
	if (!rc && buf_append(out, r.body.data, r.body.len))
		rc = -PL_ETOOBIG;
	http_resp_release(&r);
	return rc;
}

static int post_query(struct fkt *f, const char *what, const char *path)
{
	struct http_resp r;
	int rc;

	http_resp_init(&r);
	rc = call(f, &f->http, what, CALL_WRITE, "POST", path, "{}", &r);
	http_resp_release(&r);
	return rc;
}

int fkt_send_email(struct fkt *f, int64_t id, const char *email_to)
{
	char tok[800], to[400] = "", path[1400];
	int rc = token_query(f, tok, sizeof(tok));

	if (rc)
		return rc;
	if (email_to && email_to[0] && http_query_escape(email_to, to, sizeof(to)))
		return -PL_EINVAL;
	snprintf(path, sizeof(path),
		 "/invoices/%" PRId64 "/send_by_email.json?api_token=%s&email_pdf=true%s%s", id,
		 tok, to[0] ? "&email_to=" : "", to);
	return post_query(f, "send by e-mail", path);
}

int fkt_mark_paid(struct fkt *f, int64_t id)
{
	char tok[800], path[1000];
	int rc = token_query(f, tok, sizeof(tok));

	if (rc)
		return rc;
	snprintf(path, sizeof(path),
		 "/invoices/%" PRId64 "/change_status.json?api_token=%s&status=paid", id, tok);
	return post_query(f, "mark paid", path);
}
