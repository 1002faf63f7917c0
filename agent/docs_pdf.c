/* SPDX-License-Identifier: Apache-2.0 */
/* agent/docs_pdf.c - a stored document as PDF: [seller] and [pdf], the
 * store reads, the KSeF KOD I, the font cache (see docs_pdf.h). The layout
 * itself is agent/docs_pdf_layout.c. */
#include "agent/docs_pdf.h"

#include "agent/config.h"
#include "base/err.h"
#include "base/log.h"
#include "core/fa3.h"
#include "core/ident.h"
#include "pdf/pdf.h"
#include "store/store.h"

#include <ctype.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static _Thread_local char pdf_err[512];

const char *docs_pdf_error(void)
{
	return pdf_err;
}

static int fail(int rc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(pdf_err, sizeof(pdf_err), fmt, ap);
	va_end(ap);
	return rc;
}

/* ---- [seller] and [pdf] ------------------------------------------------- */

struct cx {
	const struct config_view *v;
	const char *sec;
	struct diag *d;
	int errors;
};

static void cerr(struct cx *x, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void cerr(struct cx *x, const char *key, const char *fmt, ...)
{
	char where[1200], msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cfgview_where(x->v, x->sec, "", key, where, sizeof(where));
	diag_add(x->d, where, "[%s] %s", x->sec, msg);
	x->errors++;
}

static void known_keys(struct cx *x, const char *known)
{
	char pat[80];

	for (size_t i = 0; i < x->v->nkv; i++) {
		const struct config_kv *kv = &x->v->kv[i];
		if (strcmp(kv->section, x->sec) != 0)
			continue;
		snprintf(pat, sizeof(pat), " %s ", kv->key);
		if (kv->name[0])
			cerr(x, kv->key, "takes no name");
		else if (!strstr(known, pat))
			cerr(x, kv->key, "unknown key '%s' (known:%s)", kv->key, known);
	}
}

static void str_key(struct cx *x, const char *key, char *out, size_t cap)
{
	const char *v = cfgview_get(x->v, x->sec, "", key);

	if (!v)
		return;
	if (strlen(v) >= cap) {
		cerr(x, key, "%s is longer than %zu bytes", key, cap - 1);
		return;
	}
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if (*p < 0x20) {
			cerr(x, key, "%s holds a control character", key);
			return;
		}
	snprintf(out, cap, "%s", v);
}

/* IBAN mod-97 (ISO 13616); 26 digits alone are a Polish NRB (PL prefix). */
static int iban_ok(const char *raw, char *why, size_t whysz)
{
	char s[64], r[140];
	size_t n = 0, k = 0;
	unsigned rem = 0;

	for (const char *p = raw; *p; p++) {
		if (*p == ' ' || *p == '-')
			continue;
		if (n + 1 >= sizeof(s) || !isalnum((unsigned char)*p)) {
			snprintf(why, whysz, "only letters, digits, spaces and dashes are allowed");
			return 0;
		}
		s[n++] = (char)toupper((unsigned char)*p);
	}
	s[n] = '\0';
	if (n == 26 && isdigit((unsigned char)s[0])) {
		memmove(s + 2, s, 27);
		s[0] = 'P', s[1] = 'L';
		n += 2;
	}
	if (n < 15 || n > 34 || !isalpha((unsigned char)s[0]) || !isalpha((unsigned char)s[1])) {
		snprintf(why, whysz, "not an account number (26 digits, or an IBAN)");
		return 0;
	}
	if (strncmp(s, "PL", 2) == 0 && n != 28) {
		snprintf(why, whysz, "a Polish account number has 26 digits");
		return 0;
	}
	for (size_t i = 4; i < n + 4; i++) {
		char c = s[i % n];
		if (isdigit((unsigned char)c))
			r[k++] = c;
		else
			k += (size_t)snprintf(r + k, 3, "%d", c - 'A' + 10);
	}
	for (size_t i = 0; i < k; i++)
		rem = (rem * 10 + (unsigned)(r[i] - '0')) % 97;
	if (rem != 1) {
		snprintf(why, whysz, "the check digits do not match (a typo?)");
		return 0;
	}
	return 1;
}

static int load_seller(const struct config_view *v, struct docs_pdf_seller *seller, struct diag *d)
{
	struct cx x = {.v = v, .sec = "seller", .d = d};
	struct docs_pdf_seller s;

	memset(&s, 0, sizeof(s));
	snprintf(s.country, sizeof(s.country), "PL");
	known_keys(&x, " name nip address city country bank_account bank_name place zw_basis "
		       "email phone ");
	str_key(&x, "name", s.name, sizeof(s.name));
	str_key(&x, "address", s.address, sizeof(s.address));
	str_key(&x, "city", s.city, sizeof(s.city));
	str_key(&x, "country", s.country, sizeof(s.country));
	str_key(&x, "bank_account", s.bank_account, sizeof(s.bank_account));
	str_key(&x, "bank_name", s.bank_name, sizeof(s.bank_name));
	str_key(&x, "place", s.place, sizeof(s.place));
	str_key(&x, "zw_basis", s.zw_basis, sizeof(s.zw_basis));
	str_key(&x, "email", s.email, sizeof(s.email));
	str_key(&x, "phone", s.phone, sizeof(s.phone));
	if (cfgview_has_section(v, "seller", "")) {
		const char *nip = cfgview_get(v, "seller", "", "nip");
		char norm[16], why[160];
		if (!s.name[0])
			cerr(&x, NULL, "name (the seller's full name) is missing");
		if (!nip)
			cerr(&x, NULL, "nip (the seller's NIP) is missing");
		else if (!ident_nip_check(nip, norm, why, sizeof(why)) ||
			 !ident_nip_is_polish(norm))
			cerr(&x, "nip", "nip '%s' is not a valid Polish NIP: %s", nip,
			     ident_nip_is_polish(norm) || !norm[0] ? why : "a foreign VAT id");
		else
			snprintf(s.nip, sizeof(s.nip), "%s", norm);
		if (!s.address[0] || !s.city[0])
			cerr(&x, NULL, "address and city (street; postcode and city) are needed");
		if (s.bank_account[0] && !iban_ok(s.bank_account, why, sizeof(why)))
			cerr(&x, "bank_account", "bank_account '%s': %s", s.bank_account, why);
		if (strlen(s.country) != 2 || !isupper((unsigned char)s.country[0]) ||
		    !isupper((unsigned char)s.country[1]))
			cerr(&x, "country", "country must be two capitals (ISO 3166), like PL");
	}
	if (seller)
		*seller = s;
	return x.errors ? -PL_ECONFIG : 0;
}

static int load_cfg(const struct config_view *v, struct docs_pdf_cfg *pc, struct diag *d)
{
	struct cx x = {.v = v, .sec = "pdf", .d = d};
	struct docs_pdf_cfg c;

	memset(&c, 0, sizeof(c));
	snprintf(c.font, sizeof(c.font), "%s", DOCS_PDF_DEFAULT_FONT);
	snprintf(c.font_bold, sizeof(c.font_bold), "%s", DOCS_PDF_DEFAULT_FONT_BOLD);
	snprintf(c.lang, sizeof(c.lang), "pl");
	snprintf(c.ksef_qr_host, sizeof(c.ksef_qr_host), "https://qr-test.ksef.mf.gov.pl");
	c.payment_days = 14;
	known_keys(&x, " font font_bold lang payment_days ksef_env ");
	str_key(&x, "font", c.font, sizeof(c.font));
	str_key(&x, "font_bold", c.font_bold, sizeof(c.font_bold));
	{
		const char *lang = cfgview_get(v, "pdf", "", "lang");
		const char *env = cfgview_get(v, "pdf", "", "ksef_env");
		const char *days = cfgview_get(v, "pdf", "", "payment_days");
		if (lang && strcmp(lang, "pl") != 0 && strcmp(lang, "en") != 0)
			cerr(&x, "lang", "lang must be pl or en, not '%s'", lang);
		else if (lang)
			snprintf(c.lang, sizeof(c.lang), "%s", lang);
		/* QR hosts of the KSeF environments (reference/ksef/NOTES.md) */
		if (env && strcmp(env, "test") == 0)
			snprintf(c.ksef_qr_host, sizeof(c.ksef_qr_host),
				 "https://qr-test.ksef.mf.gov.pl");
		else if (env && strcmp(env, "demo") == 0)
			snprintf(c.ksef_qr_host, sizeof(c.ksef_qr_host),
				 "https://qr-demo.ksef.mf.gov.pl");
		else if (env && strcmp(env, "prod") == 0)
			snprintf(c.ksef_qr_host, sizeof(c.ksef_qr_host),
				 "https://qr.ksef.mf.gov.pl");
		else if (env)
			cerr(&x, "ksef_env", "ksef_env must be test, demo or prod, not '%s'", env);
		if (days) {
			char *end;
			long n = strtol(days, &end, 10);
			if (*end || end == days || n < 0 || n > 365)
				cerr(&x, "payment_days", "payment_days must be 0..365, not '%s'",
				     days);
			else
				c.payment_days = (int)n;
		}
	}
	if (cfgview_has_section(v, "pdf", "")) {
		/* found at load, not at the first print */
		if (access(c.font, R_OK) != 0)
			cerr(&x, "font",
			     "font '%s' cannot be read (Debian package "
			     "fonts-dejavu-core?)",
			     c.font);
		if (c.font_bold[0] && access(c.font_bold, R_OK) != 0)
			cerr(&x, "font_bold", "font_bold '%s' cannot be read (empty: no bold font)",
			     c.font_bold);
	}
	if (pc)
		*pc = c;
	return x.errors ? -PL_ECONFIG : 0;
}

int docs_pdf_config_load(const struct config_view *v, struct docs_pdf_seller *seller,
			 struct docs_pdf_cfg *pc, struct diag *d)
{
	int a = load_seller(v, seller, d), b = load_cfg(v, pc, d);

	return a ? a : b;
}

int docs_pdf_seller_check(const struct config_view *v, const char *name, struct diag *d)
{
	(void)name;
	return load_seller(v, NULL, d);
}

int docs_pdf_cfg_check(const struct config_view *v, const char *name, struct diag *d)
{
	(void)name;
	return load_cfg(v, NULL, d);
}

/* ---- fonts: opened once per path ------------------------------------------ */

#define FONT_CACHE 4
static pthread_mutex_t font_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	char path[1024];
	struct pdf_font *f;
} font_cache[FONT_CACHE];

int docs_pdf_font(const char *path, struct pdf_font **out)
{
	char err[400] = "";
	int rc = 0;
	size_t i;

	*out = NULL;
	pthread_mutex_lock(&font_lock);
	for (i = 0; i < FONT_CACHE && font_cache[i].f; i++)
		if (strcmp(font_cache[i].path, path) == 0) {
			*out = font_cache[i].f;
			goto out;
		}
	if (i == FONT_CACHE) {
		rc = fail(-PL_ENOTSUP, "more than %d fonts configured", FONT_CACHE);
		goto out;
	}
	rc = pdf_font_open(&font_cache[i].f, path, err, sizeof(err));
	if (rc) {
		fail(rc, "%s", err[0] ? err : pl_strerror(rc));
		goto out;
	}
	snprintf(font_cache[i].path, sizeof(font_cache[i].path), "%s", path);
	*out = font_cache[i].f;
out:
	pthread_mutex_unlock(&font_lock);
	return rc;
}

/* ---- the reason of a correction: the audit row that made it ---------------- */

struct reason_find {
	const char *needle; /* "(correction NUMBER of " */
	char *out;
	size_t cap;
	bool found;
};

static int reason_cb(const struct store_audit_entry *e, void *arg)
{
	struct reason_find *r = arg;
	const char *p;

	/* agent/returns.c writes "REASON (correction NUMBER of ORIG, outcome)" */
	if ((p = strstr(e->detail, r->needle)) != NULL && p > e->detail) {
		size_t n = (size_t)(p - e->detail) - 1;
		snprintf(r->out, r->cap, "%.*s", (int)n, e->detail);
		r->found = true;
		return 1;
	}
	/* a held order released by `orders correct`: the reason alone */
	if (!r->found && strcmp(e->action, "order.correct") == 0) {
		snprintf(r->out, r->cap, "%s", e->detail);
		r->found = true;
	}
	return 0;
}

static void find_reason(struct store *st, const struct document *d, char *out, size_t cap)
{
	char needle[128];
	struct reason_find r = {needle, out, cap, false};
	struct store_audit_filter f = {.object = d->order_number, .limit = 0};

	out[0] = '\0';
	snprintf(needle, sizeof(needle), "(%s %s of ", doc_kind_name(d->kind), d->number);
	if (store_audit_list(st, &f, reason_cb, &r) < 0)
		out[0] = '\0';
}

/* ---- KSeF KOD I -------------------------------------------------------------- */

/* The link over the FA(3) XML of `d`, as core/fa3.h writes it with
 * DataWytworzeniaFa = the document's creation time (UTC), so the same
 * document always gives the same bytes and the same hash. */
int docs_pdf_kod1(const struct docs_pdf_seller *s, const char *qr_host, const struct document *d,
		  const struct order *o, const struct document *orig, const char *reason,
		  struct buf *xml_out, char *url, size_t urlsz)
{
	struct fa3_seller fs = {s->nip,
				s->name,
				s->country,
				s->address,
				s->city[0] ? s->city : NULL,
				s->place[0] ? s->place : NULL,
				s->zw_basis[0] ? s->zw_basis : NULL};
	struct fa3_buyer fb = {"PL", NULL, NULL, NULL};
	struct fa3_opts fo = {0};
	char created[32], addr2[96], cc[3] = "PL";
	struct buf own, *xml = xml_out ? xml_out : &own;
	time_t t = (time_t)d->created;
	struct tm tm;
	int rc;

	if (!gmtime_r(&t, &tm))
		return -PL_EINVAL;
	strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fo.created = created;
	if (d->buyer_nip[0] && !ident_nip_is_polish(d->buyer_nip)) {
		cc[0] = d->buyer_nip[0];
		cc[1] = d->buyer_nip[1];
		fb.country = cc;
		fb.vat_id = d->buyer_nip + 2;
	}
	if (o && o->buyer.billing.street[0]) {
		fb.addr1 = o->buyer.billing.street;
		snprintf(addr2, sizeof(addr2), "%s %s", o->buyer.billing.postcode,
			 o->buyer.billing.city);
		fb.addr2 = addr2;
	}
	if (d->kind == DOC_CORRECTION) {
		if (!orig)
			return -PL_EINVAL;
		fo.corr_number = orig->number;
		fo.corr_date = orig->issue_date;
		fo.corr_reason = reason && reason[0] ? reason : NULL;
	}
	if (!xml_out)
		buf_init(&own, FA3_MAX_XML);
	rc = fa3_write(xml, d, &fs, &fb, &fo);
	if (rc == 0)
		rc = fa3_kod1_url(url, urlsz, qr_host, s->nip, d->issue_date, xml->data, xml->len);
	if (!xml_out)
		buf_release(&own);
	return rc;
}

int docs_pdf_render(const struct config *cfg, struct store *st, int64_t doc_id, const char *lang,
		    struct buf *out)
{
	struct docs_pdf_seller seller;
	struct docs_pdf_cfg pc;
	struct docs_pdf_input in = {0};
	struct document d, orig, adv;
	struct order o;
	struct diag dg;
	char reason[512] = "", url[512];
	bool have_order = false;
	int rc;

	pdf_err[0] = '\0';
	doc_init(&d);
	doc_init(&orig);
	doc_init(&adv);
	order_init(&o);
	diag_init(&dg);
	rc = docs_pdf_config_load(config_view(cfg), &seller, &pc, &dg);
	diag_release(&dg);
	if (rc) {
		rc = fail(-PL_ECONFIG, "[seller] or [pdf] has errors (packline config check)");
		goto out;
	}
	if (!seller.name[0] || !seller.nip[0]) {
		rc = fail(-PL_ECONFIG, "[seller] name, nip, address and city are needed for a PDF");
		goto out;
	}
	if (!lang)
		lang = pc.lang;
	if (strcmp(lang, "pl") != 0 && strcmp(lang, "en") != 0) {
		rc = fail(-PL_EINVAL, "language '%s': pl or en", lang);
		goto out;
	}
	rc = store_doc_get(st, doc_id, &d);
	if (rc) {
		fail(rc, "document #%lld: %s", (long long)doc_id,
		     rc == -PL_ENOTFOUND ? "no such document" : pl_strerror(rc));
		goto out;
	}
	if (d.kind == DOC_NONE || (!d.number[0] && d.kind != DOC_RECEIPT &&
				   d.kind != DOC_RECEIPT_NIP && d.kind != DOC_REFUND)) {
		rc = fail(-PL_EINVAL, "document #%lld (%s) has no number yet: nothing to print",
			  (long long)doc_id, doc_kind_name(d.kind));
		goto out;
	}
	if (d.state == DOC_FAILED) {
		rc = fail(-PL_EINVAL, "%s %s failed to issue: it is no document to print",
			  doc_kind_name(d.kind), d.number);
		goto out;
	}
	if (d.order_id) {
		rc = store_order_get(st, d.order_id, &o);
		if (rc && rc != -PL_ENOTFOUND) {
			fail(rc, "order of document #%lld: %s", (long long)doc_id, pl_strerror(rc));
			goto out;
		}
		have_order = rc == 0;
	}
	if (d.corrects_id) {
		rc = store_doc_get(st, d.corrects_id, &orig);
		if (rc) {
			fail(rc, "the document #%lld corrects: %s", (long long)d.corrects_id,
			     pl_strerror(rc));
			goto out;
		}
		in.orig = &orig;
		find_reason(st, &d, reason, sizeof(reason));
		in.reason = reason;
	}
	if (d.advance_id) {
		rc = store_doc_get(st, d.advance_id, &adv);
		if (rc) {
			fail(rc, "the advance #%lld: %s", (long long)d.advance_id, pl_strerror(rc));
			goto out;
		}
		in.advance = &adv;
	}
	if (d.kind == DOC_INVOICE || d.kind == DOC_CORRECTION) {
		rc = docs_pdf_kod1(&seller, pc.ksef_qr_host, &d, have_order ? &o : NULL, in.orig,
				   reason, NULL, url, sizeof(url));
		if (rc == 0)
			in.kod1 = url;
		else if (rc == -PL_ENOTSUP)
			goto out_crypto;
		else
			/* GUESS-free limit: core/fa3 writes no FA(3) for a buyer
			 * without a NIP (a consumer) yet, so such an invoice has no
			 * KOD I; everything else of it is printed */
			pl_info("%s %s: no KSeF QR code (FA(3) XML cannot be written: %s)",
				doc_kind_name(d.kind), d.number, pl_strerror(rc));
	}
	rc = docs_pdf_font(pc.font, &in.font);
	if (rc == 0 && pc.font_bold[0])
		rc = docs_pdf_font(pc.font_bold, &in.bold);
	if (rc)
		goto out;
	in.d = &d;
	in.o = have_order ? &o : NULL;
	in.seller = &seller;
	in.lang = lang;
	in.payment_days = pc.payment_days;
	rc = docs_pdf_layout(&in, out);
	if (rc && !pdf_err[0])
		fail(rc, "%s %s: the PDF cannot be made: %s", doc_kind_name(d.kind), d.number,
		     pl_strerror(rc));
	goto out;
out_crypto:
	fail(rc, "the KSeF QR code needs libcrypto (Debian package libssl3)");
out:
	doc_release(&d);
	doc_release(&orig);
	doc_release(&adv);
	order_release(&o);
	return rc;
}
