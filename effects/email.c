/* SPDX-License-Identifier: Apache-2.0 */
/* effects/email.c - the document to the buyer by e-mail (email.h). */
#include "effects/email.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "core/template.h"

#include <cjson/cJSON.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define EMAIL_RETRY_MS     60000
#define EMAIL_RETRY_MAX_MS 3600000
#define EMAIL_NOTREADY_MS  300000
#define EMAIL_TEXT_MAX     (256u * 1024)

static const char *const langs[EMAIL_LANGS] = {"pl", "en"};
static const char *const parts[3] = {"subject", "txt", "html"};

/* Shipped with the binary: what a station without [email] templates sends.
 * examples/email/ has the same texts as files to copy and edit. */
static const char *const builtin[EMAIL_LANGS][3] = {
    {"{document.kind|pl} {email.number} - zamówienie {order.number}",
     "Dzień dobry,\n\nw załączniku przesyłamy dokument {document.kind|pl} nr {email.number}\n"
     "do zamówienia {order.number} na kwotę {document.total|pl} {document.currency}.\n\n"
     "Dziękujemy za zakupy!\n{shop.name}\n",
     "<!DOCTYPE html>\n<html lang=\"pl\"><body>\n<p>Dzień dobry,</p>\n"
     "<p>w załączniku przesyłamy dokument <b>{document.kind|pl} nr {email.number}</b>\n"
     "do zamówienia {order.number} na kwotę {document.total|pl} {document.currency}.</p>\n"
     "<p>Dziękujemy za zakupy!<br>{shop.name}</p>\n</body></html>\n"},
    {"Your document {email.number} - order {order.number}",
     "Hello,\n\nplease find attached document {email.number} for order {order.number},\n"
     "amount {document.total} {document.currency}.\n\nThank you for your order!\n{shop.name}\n",
     "<!DOCTYPE html>\n<html lang=\"en\"><body>\n<p>Hello,</p>\n"
     "<p>please find attached document <b>{email.number}</b> for order {order.number},\n"
     "amount {document.total} {document.currency}.</p>\n"
     "<p>Thank you for your order!<br>{shop.name}</p>\n</body></html>\n"},
};

static const char *const extra_names[] = {"email.number", "shop.name"};
static const struct tmpl_vars extra_vars = {extra_names, 2};

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
	cfgview_where(x->c, "email", "", key, where, sizeof(where));
	diag_add(x->d, where, "[email] %s", msg);
	x->errors++;
}

static void cfg_str(struct cfg_ctx *x, const char *key, char *out, size_t cap)
{
	const char *v = cfgview_get(x->c, "email", "", key);

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
	const char *v = cfgview_get(x->c, "email", "", key);
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

static int read_file(const char *path, char **out)
{
	FILE *f = fopen(path, "rb");
	struct buf b;
	char chunk[4096];
	size_t n;
	int rc = 0;

	*out = NULL;
	if (!f)
		return errno == ENOENT ? -PL_ENOTFOUND : -PL_EIO;
	buf_init(&b, TMPL_MAX_LEN);
	while (!rc && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		rc = buf_append(&b, chunk, n);
	if (!rc && ferror(f))
		rc = -PL_EIO;
	fclose(f);
	if (!rc && !b.data)
		rc = buf_puts(&b, "");
	if (rc) {
		buf_release(&b);
		return rc;
	}
	*out = buf_detach(&b, NULL);
	return 0;
}

/* <dir>/<kind>.<lang>.<part>, then <dir>/default.<lang>.<part>, then the
 * built-in text of that language. */
static void load_tmpl(struct cfg_ctx *x, const char *dir, int kind, int lang, int part,
		      struct tmpl **out)
{
	const char *names[2] = {doc_kind_name((enum doc_kind)kind), "default"};
	char path[1200], *text = NULL;
	struct tmpl_error te;
	const char *src = builtin[lang][part];
	int rc = -PL_ENOTFOUND;

	for (int i = 0; i < 2 && dir[0] && rc == -PL_ENOTFOUND; i++) {
		snprintf(path, sizeof(path), "%s/%s.%s.%s", dir, names[i], langs[lang],
			 parts[part]);
		rc = read_file(path, &text);
		if (rc && rc != -PL_ENOTFOUND) {
			cfg_err(x, "templates", "cannot read '%s': %s", path,
				rc == -PL_ETOOBIG ? "longer than 8 KiB" : pl_strerror(rc));
			return;
		}
	}
	if (!rc)
		src = text;
	else
		snprintf(path, sizeof(path), "(built-in %s.%s)", langs[lang], parts[part]);
	rc = tmpl_compile(src, &extra_vars, out, &te);
	if (rc)
		cfg_err(x, "templates", "%s:%d:%d: %s", path, te.line, te.col, te.msg);
	free(text);
}

int email_setup_load(const struct config_view *v, const char *store_path, struct email_fx *out,
		     struct diag *d)
{
	static const char known[] = " server tls cainfo user password from from_name reply_to "
				    "copy_to outbox spool templates language retry_ms "
				    "timeout_ms ";
	struct cfg_ctx x = {.c = v, .d = d};
	struct email_cfg *c = &out->cfg;
	char pat[80], tls[16] = "", why[200];
	long n;

	memset(out, 0, sizeof(*out));
	snprintf(c->language, sizeof(c->language), "auto");
	c->retry_ms = EMAIL_RETRY_MS;
	c->smtp.connect_timeout_ms = 10000;
	c->smtp.timeout_ms = 60000;
	for (size_t i = 0; i < v->nkv; i++) {
		const struct config_kv *kv = &v->kv[i];
		if (strcmp(kv->section, "email") != 0)
			continue;
		snprintf(pat, sizeof(pat), " %s ", kv->key);
		if (kv->name[0])
			cfg_err(&x, kv->key, "takes no name (one mail setup per station)");
		else if (!strstr(known, pat))
			cfg_err(&x, kv->key, "unknown key '%s' (known:%s)", kv->key, known);
	}
	cfg_str(&x, "server", c->smtp.url, sizeof(c->smtp.url));
	cfg_str(&x, "tls", tls, sizeof(tls));
	cfg_str(&x, "cainfo", c->smtp.cainfo, sizeof(c->smtp.cainfo));
	cfg_str(&x, "user", c->smtp.user, sizeof(c->smtp.user));
	cfg_str(&x, "password", c->smtp.pass, sizeof(c->smtp.pass));
	cfg_str(&x, "from", c->from, sizeof(c->from));
	cfg_str(&x, "from_name", c->from_name, sizeof(c->from_name));
	cfg_str(&x, "reply_to", c->reply_to, sizeof(c->reply_to));
	cfg_str(&x, "copy_to", c->copy_to, sizeof(c->copy_to));
	cfg_str(&x, "outbox", c->outbox, sizeof(c->outbox));
	cfg_str(&x, "spool", c->spool, sizeof(c->spool));
	cfg_str(&x, "templates", c->templates, sizeof(c->templates));
	cfg_str(&x, "language", c->language, sizeof(c->language));
	cfg_long(&x, "retry_ms", 100, EMAIL_RETRY_MAX_MS, &c->retry_ms);
	n = c->smtp.timeout_ms;
	cfg_long(&x, "timeout_ms", 1000, 600000, &n);
	c->smtp.timeout_ms = n;
	if (strcmp(c->language, "auto") && strcmp(c->language, "pl") && strcmp(c->language, "en"))
		cfg_err(&x, "language", "language must be auto, pl or en");
	if (tls[0] && strcmp(tls, "none") && strcmp(tls, "starttls") && strcmp(tls, "implicit"))
		cfg_err(&x, "tls", "tls must be starttls, implicit (smtps://) or none");
	c->smtp.plain = strcmp(tls, "none") == 0;
	if (!mime_addr_ok(c->from))
		cfg_err(&x, "from", "from (the sender's address, e.g. faktury@sklep.pl) is %s",
			c->from[0] ? "not an address" : "missing");
	if (c->reply_to[0] && !mime_addr_ok(c->reply_to))
		cfg_err(&x, "reply_to", "reply_to is not an address");
	if (c->copy_to[0] && !mime_addr_ok(c->copy_to))
		cfg_err(&x, "copy_to", "copy_to is not an address");
	if (strpbrk(c->from_name, "\r\n"))
		cfg_err(&x, "from_name", "from_name must be one line");
	if (c->smtp.url[0]) {
		if (smtp_check_url(c->smtp.url, c->smtp.plain, why, sizeof(why)))
			cfg_err(&x, "server", "%s", why);
		if (strcmp(tls, "implicit") == 0 && strncmp(c->smtp.url, "smtps://", 8))
			cfg_err(&x, "tls", "tls = implicit needs an smtps:// server");
	} else if (!c->outbox[0]) {
		cfg_err(&x, NULL, "neither server (SMTP) nor outbox (a folder for .eml files)");
	}
	if (c->smtp.pass[0] && v->path && v->path[0]) {
		struct stat st;
		/* the password is a secret: only the station's own user reads it */
		if (stat(v->path, &st) == 0 && (st.st_mode & 077))
			cfg_err(&x, "password",
				"the file holds the SMTP password but is readable by group or "
				"others (mode %03o): chmod 600 '%s'",
				(unsigned)(st.st_mode & 0777), v->path);
	}
	if (c->smtp.user[0] && !c->smtp.pass[0])
		cfg_err(&x, "user", "user without password");
	if (!c->spool[0]) {
		const char *p = store_path && store_path[0] ? store_path : "packline.db";
		if (strncmp(p, "sqlite:", 7) == 0)
			p += 7;
		if (snprintf(c->spool, sizeof(c->spool), "%s.email-spool", p) >=
		    (int)sizeof(c->spool))
			cfg_err(&x, NULL, "the store path is too long for the spool's name");
	}
	for (int k = 1; k < DOC_KIND_COUNT && !x.errors; k++)
		for (int l = 0; l < EMAIL_LANGS; l++)
			for (int p = 0; p < 3; p++)
				load_tmpl(&x, c->templates, k, l, p, &out->t[k][l][p]);
	if (x.errors) {
		email_fx_release(out);
		return -PL_ECONFIG;
	}
	return 0;
}

void email_fx_release(struct email_fx *fx)
{
	for (int k = 0; k < DOC_KIND_COUNT; k++)
		for (int l = 0; l < EMAIL_LANGS; l++)
			for (int p = 0; p < 3; p++) {
				tmpl_free(fx->t[k][l][p]);
				fx->t[k][l][p] = NULL;
			}
	memset(fx->cfg.smtp.pass, 0, sizeof(fx->cfg.smtp.pass));
}

int email_config_check(const struct config_view *v, const char *name, struct diag *d)
{
	struct email_fx fx;
	int rc;

	(void)name;
	rc = email_setup_load(v, NULL, &fx, d);
	if (!rc)
		email_fx_release(&fx);
	return rc;
}

/* --- intents --------------------------------------------------------------------- */

static void lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

static int one_intent(struct journal *j, const struct order *o, const struct document *d,
		      const char *rcpt, const char *name, const char *lang, struct job *jb)
{
	char addr[MIME_ADDR_CAP];
	cJSON *req;
	int n;

	memset(jb, 0, sizeof(*jb));
	snprintf(addr, sizeof(addr), "%s", rcpt);
	lower(addr);
	n = snprintf(jb->idem_key, sizeof(jb->idem_key), "email:doc:%" PRId64 ":%s", d->id, addr);
	if (n < 0 || (size_t)n >= sizeof(jb->idem_key)) {
		/* too long for the key: the recipient's hash names it */
		uint64_t h = 1469598103934665603ull;
		for (const char *p = addr; *p; p++)
			h = (h ^ (unsigned char)*p) * 1099511628211ull;
		snprintf(jb->idem_key, sizeof(jb->idem_key), "email:doc:%" PRId64 ":#%016llx",
			 d->id, (unsigned long long)h);
	}
	snprintf(jb->kind, sizeof(jb->kind), EMAIL_JOB_KIND);
	jb->order_id = o->id;
	req = cJSON_CreateObject();
	if (!req || !cJSON_AddNumberToObject(req, "doc", (double)d->id) ||
	    !cJSON_AddStringToObject(req, "rcpt", rcpt) ||
	    !cJSON_AddStringToObject(req, "name", name ? name : "") ||
	    !cJSON_AddStringToObject(req, "lang", lang)) {
		cJSON_Delete(req);
		return -PL_ENOMEM;
	}
	jb->request = cJSON_PrintUnformatted(req);
	cJSON_Delete(req);
	if (!jb->request)
		return -PL_ENOMEM;
	return journal_intent(j, jb);
}

int email_intent(struct journal *j, const struct email_fx *fx, const struct order *o,
		 const struct document *d, int64_t *ids, size_t cap, size_t *n, size_t *skipped,
		 char *msg, size_t msgcap)
{
	const char *rcpts[2] = {o->buyer.email, fx->cfg.copy_to};
	const char *lang = fx->cfg.language;
	int rc = 0;

	*n = *skipped = 0;
	msg[0] = '\0';
	if (strcmp(lang, "auto") == 0)
		lang =
		    !o->buyer.country[0] || strcasecmp(o->buyer.country, "PL") == 0 ? "pl" : "en";
	if (!mime_addr_ok(o->buyer.email)) {
		snprintf(msg, msgcap, "the buyer has %s",
			 o->buyer.email[0] ? "no valid e-mail address" : "no e-mail address");
		if (!fx->cfg.copy_to[0])
			return -PL_EINVAL;
		rcpts[0] = "";
	}
	for (int i = 0; i < 2 && !rc; i++) {
		struct job jb;
		if (!rcpts[i][0] || (i == 1 && strcasecmp(rcpts[0], rcpts[1]) == 0))
			continue;
		rc = one_intent(j, o, d, rcpts[i], i == 0 ? o->buyer.name : "", lang, &jb);
		if (rc == 1 && jb.state == JOB_DONE) {
			(*skipped)++;
			rc = 0;
		} else if (rc == 1 && jb.state == JOB_FAILED) {
			/* a new intent arms a failed e-mail again (a fixed address) */
			rc = store_job_update(journal_store(j), jb.id, JOB_PENDING, true, NULL);
			if (!rc && *n < cap)
				ids[(*n)++] = jb.id;
		} else if (rc >= 0) {
			rc = 0;
			if (*n < cap)
				ids[(*n)++] = jb.id;
		}
		job_release(&jb);
	}
	return rc == -PL_ELOST || rc == -PL_ESTATE ? 0 : rc < 0 ? -PL_ESTORE : 0;
}

/* --- the PDF until the renderer lands ------------------------------------------- */

int email_pdf_from_dir(const char *dir, const struct document *d, struct buf *out)
{
	char path[1200], chunk[8192];
	FILE *f;
	size_t n;
	int rc = 0;

	snprintf(path, sizeof(path), "%s/doc-%" PRId64 ".pdf", dir && dir[0] ? dir : ".", d->id);
	f = fopen(path, "rb");
	if (!f)
		return errno == ENOENT ? -PL_ENOTFOUND : -PL_EIO;
	while (!rc && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		rc = buf_append(out, chunk, n);
	if (!rc && ferror(f))
		rc = -PL_EIO;
	fclose(f);
	return rc;
}

/* --- the effect ------------------------------------------------------------------- */

struct email_state {
	struct order o;
	struct document d;
	char rcpt[MIME_ADDR_CAP];
	char name[160];
	int lang;
	char message_id[MIME_ADDR_CAP + 32];
};

static int email_prepare(struct journal_job *jj)
{
	const cJSON *req = journal_request(jj);
	struct store *st = journal_job_store(jj);
	struct email_state *s = calloc(1, sizeof(*s));
	const struct email_fx *fx = journal_arg(jj);
	char lang[8];
	int64_t doc;
	int rc;

	if (!s)
		return -PL_ENOMEM;
	order_init(&s->o);
	doc_init(&s->d);
	journal_set_state(jj, s);
	doc = journal_json_int(req, "doc", 0);
	journal_json_str(req, "rcpt", s->rcpt, sizeof(s->rcpt));
	journal_json_str(req, "name", s->name, sizeof(s->name));
	journal_json_str(req, "lang", lang, sizeof(lang));
	s->lang = strcmp(lang, "en") == 0 ? 1 : 0;
	if (doc <= 0 || !mime_addr_ok(s->rcpt)) {
		journal_msg(jj, "the e-mail job names no document or no valid recipient");
		return -PL_EINVAL;
	}
	rc = store_doc_get(st, doc, &s->d);
	if (!rc)
		rc = store_order_get(st, s->d.order_id, &s->o);
	if (rc) {
		journal_msg(jj, "cannot read document %" PRId64 ": %s", doc, pl_strerror(rc));
		return rc == -PL_ENOTFOUND ? -PL_EINVAL : rc;
	}
	if (s->d.kind <= DOC_NONE || s->d.kind >= DOC_KIND_COUNT) {
		journal_msg(jj, "document %" PRId64 " has no kind to mail", doc);
		return -PL_EINVAL;
	}
	rc = mime_message_id(s->message_id, sizeof(s->message_id), s->d.id, s->rcpt, fx->cfg.from);
	if (rc)
		journal_msg(jj, "the Message-ID does not fit");
	return rc ? -PL_EINVAL : 0;
}

static void email_release_state(struct journal_job *jj)
{
	struct email_state *s = journal_state(jj);

	if (!s)
		return;
	order_release(&s->o);
	doc_release(&s->d);
	free(s);
	journal_set_state(jj, NULL);
}

static int render(const struct tmpl *t, const struct email_state *s, const struct email_fx *fx,
		  bool one_line, bool html, struct buf *out)
{
	const char *num = s->d.number[0] ? s->d.number : s->d.remote_id;
	struct tmpl_kv kv[2] = {{"email.number", num}, {"shop.name", fx->cfg.from_name}};
	struct tmpl_ctx ctx = {.order = &s->o,
			       .doc = &s->d,
			       .extra = kv,
			       .nextra = 2,
			       .now = pl_now(),
			       .one_line = one_line,
			       .html = html};
	return tmpl_render(t, &ctx, out);
}

/* The whole message into out. -PL_ENOTFOUND: no PDF yet. */
static int build_message(struct journal_job *jj, struct email_state *s, struct buf *out)
{
	const struct email_fx *fx = journal_arg(jj);
	struct tmpl *const *t = fx->t[s->d.kind][s->lang];
	struct buf subj, text, html, pdf;
	struct mime_attachment att;
	struct mime_msg m;
	char fname[96], why[256];
	int rc;

	buf_init(&subj, MIME_MAX_HEADER);
	buf_init(&text, EMAIL_TEXT_MAX);
	buf_init(&html, EMAIL_TEXT_MAX);
	buf_init(&pdf, EMAIL_PDF_MAX);
	rc = render(fx->subject ? fx->subject : t[0], s, fx, true, false, &subj);
	if (!rc && subj.data) {
		/* a subject file ends with its newline; any other line break of
		 * the template's own text becomes a space (one header line) */
		while (subj.len && strchr("\r\n \t", subj.data[subj.len - 1]))
			subj.data[--subj.len] = '\0';
		for (size_t i = 0; i < subj.len; i++)
			if (subj.data[i] == '\r' || subj.data[i] == '\n')
				subj.data[i] = ' ';
	}
	if (!rc)
		rc = render(t[1], s, fx, false, false, &text);
	if (!rc)
		rc = render(t[2], s, fx, false, true, &html);
	if (rc) {
		journal_msg(jj, "the e-mail's templates rendered too long: %s", pl_strerror(rc));
		rc = -PL_EINVAL;
		goto out;
	}
	why[0] = '\0';
	rc = fx->pdf ? fx->pdf(fx->pdf_arg, journal_job_store(jj), &s->d, langs[s->lang], &pdf, why,
			       sizeof(why))
		     : -PL_ENOTFOUND;
	if (rc) {
		journal_msg(jj, "no PDF of document %" PRId64 " (%s) to attach: %s", s->d.id,
			    s->d.number[0] ? s->d.number : s->d.remote_id,
			    why[0] ? why : pl_strerror(rc));
		if (rc == -PL_ECONFIG || rc == -PL_ENOTSUP)
			rc = -PL_ENOTFOUND; /* waits for the operator's fix, nothing lost */
		goto out;
	}
	snprintf(fname, sizeof(fname), "%s.pdf",
		 s->d.number[0]      ? s->d.number
		 : s->d.remote_id[0] ? s->d.remote_id
				     : "document");
	att = (struct mime_attachment){
	    .filename = fname, .content_type = "application/pdf", .data = pdf.data, .len = pdf.len};
	m = (struct mime_msg){.from_name = fx->cfg.from_name,
			      .from_addr = fx->cfg.from,
			      .to_name = s->name,
			      .to_addr = s->rcpt,
			      .reply_to = fx->cfg.reply_to,
			      .subject = subj.data ? subj.data : "",
			      .message_id = s->message_id,
			      .date = pl_now(),
			      .text = text.data ? text.data : "",
			      .html = html.data ? html.data : "",
			      .att = &att,
			      .natt = 1};
	rc = mime_build(&m, out);
	if (rc) {
		journal_msg(jj, "cannot build the message to %s: %s", s->rcpt, pl_strerror(rc));
		rc = -PL_EINVAL;
	}
out:
	buf_release(&subj);
	buf_release(&text);
	buf_release(&html);
	buf_release(&pdf);
	return rc;
}

static int64_t backoff(struct journal_job *jj)
{
	const struct email_fx *fx = journal_arg(jj);
	int64_t ms = fx->cfg.retry_ms;

	for (int a = 1; a < journal_attempt(jj) && ms < EMAIL_RETRY_MAX_MS; a++)
		ms *= 2;
	return ms < EMAIL_RETRY_MAX_MS ? ms : EMAIL_RETRY_MAX_MS;
}

static void outbox_path(const struct email_fx *fx, const char *mid, char *out, size_t cap)
{
	size_t o = (size_t)snprintf(out, cap, "%s/", fx->cfg.outbox);

	for (const char *p = mid; *p && o + 5 < cap; p++)
		out[o++] = isalnum((unsigned char)*p) || *p == '.' || *p == '-' ? *p : '_';
	snprintf(out + o, cap - o, ".eml");
}

/* tmp + fsync + rename: the .eml is whole or absent */
static int write_eml(const char *path, const struct buf *msg)
{
	char tmp[1300];
	int fd, rc = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -PL_EIO;
	for (size_t off = 0; off < msg->len && !rc;) {
		ssize_t w = write(fd, msg->data + off, msg->len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			rc = -PL_EIO;
		else
			off += (size_t)w;
	}
	if (!rc && fsync(fd))
		rc = -PL_EIO;
	close(fd);
	if (!rc && rename(tmp, path))
		rc = -PL_EIO;
	if (rc)
		unlink(tmp);
	return rc;
}

static int settle_done(struct journal_job *jj, struct email_state *s, cJSON *ev, const char *how)
{
	journal_msg(jj, "e-mailed %s %s to %s (%s)", doc_kind_name(s->d.kind),
		    s->d.number[0] ? s->d.number : s->d.remote_id, s->rcpt, how);
	cJSON_DeleteItemFromObjectCaseSensitive(ev, "message");
	cJSON_AddStringToObject(ev, "message", journal_message(jj));
	cJSON_AddStringToObject(ev, "how", how);
	return journal_done(jj, ev, NULL);
}

static int perform_outbox(struct journal_job *jj, struct email_state *s, const struct buf *msg)
{
	const struct email_fx *fx = journal_arg(jj);
	char path[1200];
	cJSON *ev = journal_ev(jj);
	int rc;

	if (!ev)
		return -PL_ENOMEM;
	outbox_path(fx, s->message_id, path, sizeof(path));
	cJSON_AddStringToObject(ev, "message_id", s->message_id);
	cJSON_AddStringToObject(ev, "outbox", path);
	rc = journal_sending(jj, cJSON_Duplicate(ev, 1));
	if (rc) {
		cJSON_Delete(ev);
		return rc;
	}
	rc = write_eml(path, msg);
	if (rc) {
		journal_msg(jj, "cannot write '%s': %s", path, strerror(errno));
		cJSON_AddStringToObject(ev, "message", journal_message(jj));
		return journal_failed(jj, ev);
	}
	return settle_done(jj, s, ev, "outbox");
}

static int email_perform(struct journal_job *jj)
{
	struct email_state *s = journal_state(jj);
	const struct email_fx *fx = journal_arg(jj);
	struct smtp_result res;
	char marker[1200], why[256];
	struct buf msg;
	cJSON *ev = NULL;
	int rc;

	if (fx->ready &&
	    !fx->ready(fx->ready_arg, journal_job_store(jj), &s->d, why, sizeof(why))) {
		journal_msg(jj, "waits: %s", why);
		return journal_defer(jj, EMAIL_NOTREADY_MS);
	}
	buf_init(&msg, MIME_MAX_MESSAGE);
	rc = build_message(jj, s, &msg);
	if (rc == -PL_ENOTFOUND) {
		rc = journal_defer(jj, backoff(jj));
		goto out;
	}
	if (rc) {
		rc = journal_failed(jj, NULL);
		goto out;
	}
	if (!fx->cfg.smtp.url[0]) {
		rc = perform_outbox(jj, s, &msg);
		goto out;
	}
	snprintf(marker, sizeof(marker), "%s/job-%" PRId64 ".%d.dot", fx->cfg.spool,
		 journal_jobof(jj)->id, journal_attempt(jj));
	if (mkdir(fx->cfg.spool, 0700) && errno != EEXIST) {
		journal_msg(jj, "cannot make the spool '%s': %s", fx->cfg.spool, strerror(errno));
		rc = journal_defer(jj, backoff(jj));
		goto out;
	}
	unlink(marker); /* an old attempt's, of a job id reused by a new store */
	ev = journal_ev(jj);
	if (!ev) {
		rc = -PL_ENOMEM;
		goto out;
	}
	cJSON_AddStringToObject(ev, "message_id", s->message_id);
	cJSON_AddStringToObject(ev, "rcpt", s->rcpt);
	cJSON_AddStringToObject(ev, "marker", marker);
	/* the intent before the first byte: a crash from here on is looked up */
	rc = journal_sending(jj, cJSON_Duplicate(ev, 1));
	if (rc)
		goto out;
	if (getenv("PL_TEST_EMAIL_DIE_SENDING"))
		raise(SIGKILL);
	rc = smtp_send(&fx->cfg.smtp, fx->cfg.from, s->rcpt, msg.data, msg.len, marker, &res);
	if (res.reply.code)
		cJSON_AddNumberToObject(ev, "smtp_code", res.reply.code);
	if (res.reply.text[0])
		cJSON_AddStringToObject(ev, "smtp_text", res.reply.text);
	if (rc == 0) {
		rc = settle_done(jj, s, ev, "performed");
		ev = NULL;
		/* only once done is journalled: a crash before that finds the
		 * marker and holds the job instead of sending it twice */
		if (rc == 0)
			unlink(marker);
		goto out;
	}
	if (rc == -PL_EINVAL) {
		journal_msg(jj, "the server refused the e-mail to %s: %d %s", s->rcpt,
			    res.reply.code, res.reply.text);
		cJSON_AddStringToObject(ev, "message", journal_message(jj));
		rc = journal_failed(jj, ev);
		ev = NULL;
		if (rc == 0)
			unlink(marker);
		goto out;
	}
	if (rc == -PL_EIO) {
		/* refused for now (4xx) or never connected: not accepted; the
		 * lookup reads that from the evidence and it goes again later */
		if (res.reply.code >= 400)
			journal_msg(jj, "the server deferred the e-mail to %s: %d %s", s->rcpt,
				    res.reply.code, res.reply.text);
		else
			journal_msg(jj, "the e-mail to %s was not sent: %s", s->rcpt, res.err);
		cJSON_AddStringToObject(ev, "message", journal_message(jj));
		cJSON_AddBoolToObject(ev, "not_accepted", 1);
		snprintf(why, sizeof(why), "%s", journal_message(jj));
		rc = journal_evidence_commit(jj, ev);
		ev = NULL;
		if (rc == 0)
			unlink(marker); /* the evidence says it now */
		if (!rc)
			rc = journal_recheck(jj);
		if (rc == 1) {
			/* the operator reads why, not the lookup's "sent again" */
			journal_msg(jj, "%s", why);
			rc = journal_defer(jj, backoff(jj));
		}
		goto out;
	}
	if (rc == -PL_EUNKNOWN && res.phase == SMTP_PH_DOT) {
		journal_msg(jj,
			    "the message's end went to the server but its answer was lost: "
			    "it may be delivered. Look for Message-ID <%s> at %s, then "
			    "`packline jobs resolve`",
			    s->message_id, s->rcpt);
		cJSON_AddStringToObject(ev, "message", journal_message(jj));
		rc = journal_unknown(jj, ev, true, 0);
		ev = NULL;
		goto out;
	}
	/* the helper died or another error: the marker decides (lookup) */
	journal_msg(jj, "the e-mail to %s: %s", s->rcpt, res.err[0] ? res.err : pl_strerror(rc));
	cJSON_AddStringToObject(ev, "message", journal_message(jj));
	rc = journal_evidence_commit(jj, ev);
	ev = NULL;
	if (!rc)
		rc = journal_recheck(jj);
	if (rc == 1)
		rc = journal_defer(jj, backoff(jj));
out:
	cJSON_Delete(ev);
	buf_release(&msg);
	return rc;
}

static enum journal_verdict email_lookup(struct journal_job *jj, char *why, size_t cap)
{
	const cJSON *ev = journal_evidence(jj);
	char marker[1200], outbox[1200], mid[300];
	struct stat st;

	journal_json_str(ev, "outbox", outbox, sizeof(outbox));
	journal_json_str(ev, "marker", marker, sizeof(marker));
	journal_json_str(ev, "message_id", mid, sizeof(mid));
	if (outbox[0]) {
		/* written by rename: there whole, or not at all */
		if (stat(outbox, &st) == 0) {
			snprintf(why, cap, "the message is in the outbox (%s)", outbox);
			return JOURNAL_V_DONE;
		}
		snprintf(why, cap, "the message is not in the outbox: written again");
		return JOURNAL_V_NOT_DONE;
	}
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ev, "not_accepted"))) {
		snprintf(why, cap, "the server did not accept it (%" PRId64 "): sent again",
			 journal_json_int(ev, "smtp_code", 0));
		return JOURNAL_V_NOT_DONE;
	}
	if (!marker[0]) {
		snprintf(why, cap, "nothing of the message left (no evidence): sent again");
		return JOURNAL_V_NOT_DONE;
	}
	if (stat(marker, &st) != 0 && errno == ENOENT) {
		snprintf(why, cap,
			 "its end never left (no marker %s): the server cannot have accepted "
			 "it, sent again",
			 marker);
		return JOURNAL_V_NOT_DONE;
	}
	/* SMTP cannot be asked: held */
	snprintf(why, cap,
		 "the message's end went to the server before the crash: it may be delivered. "
		 "Look for Message-ID <%s>, then `packline jobs resolve`",
		 mid);
	return JOURNAL_V_UNDECIDABLE;
}

const struct journal_effect_ops email_ops = {
    .kind = EMAIL_JOB_KIND,
    .prepare = email_prepare,
    .perform = email_perform,
    .lookup = email_lookup,
    .release = email_release_state,
};
