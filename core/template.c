/* SPDX-License-Identifier: Apache-2.0 */
/* core/template.c - compile and render macro templates (see template.h).
 *
 * A compiled template is a list of parts: literal text (braces already
 * unescaped) and macros (a pointer into the built-in table or an extra name,
 * plus the checked filter). Dates are formatted here, not with strftime():
 * the whitelist is small, the output must not depend on the locale, and a
 * format string from the configuration never reaches a libc format function.
 */
#include "core/template.h"

#include "base/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum tm_src { SRC_ORDER, SRC_DOC, SRC_NOW, SRC_EXTRA };
enum tm_get {
	G_STR,     /* char array at off */
	G_MONEY,   /* int64 minor units at off */
	G_TIME,    /* int64 unix seconds at off, shown in local time */
	G_DATESTR, /* "YYYY-MM-DD" char array at off */
	G_KIND,    /* enum doc_kind at off */
};

struct tm_macro {
	const char *name;
	enum tm_src src;
	enum tm_get get;
	size_t off;
};

/* One row per built-in macro; X(name, source, how to read, offset). */
#define TM_LIST(X)                                                                                 \
	X("order.number", SRC_ORDER, G_STR, offsetof(struct order, number))                        \
	X("order.ext_id", SRC_ORDER, G_STR, offsetof(struct order, ext_id))                        \
	X("order.source", SRC_ORDER, G_STR, offsetof(struct order, source))                        \
	X("order.status", SRC_ORDER, G_STR, offsetof(struct order, status))                        \
	X("order.currency", SRC_ORDER, G_STR, offsetof(struct order, currency))                    \
	X("order.notes", SRC_ORDER, G_STR, offsetof(struct order, notes))                          \
	X("order.date", SRC_ORDER, G_TIME, offsetof(struct order, created))                        \
	X("order.total", SRC_ORDER, G_MONEY, offsetof(struct order, total))                        \
	X("order.client.name", SRC_ORDER, G_STR, offsetof(struct order, buyer.name))               \
	X("buyer.name", SRC_ORDER, G_STR, offsetof(struct order, buyer.name))                      \
	X("buyer.company", SRC_ORDER, G_STR, offsetof(struct order, buyer.company))                \
	X("buyer.nip", SRC_ORDER, G_STR, offsetof(struct order, buyer.nip))                        \
	X("buyer.email", SRC_ORDER, G_STR, offsetof(struct order, buyer.email))                    \
	X("buyer.phone", SRC_ORDER, G_STR, offsetof(struct order, buyer.phone))                    \
	X("buyer.address.street", SRC_ORDER, G_STR, offsetof(struct order, buyer.billing.street))  \
	X("buyer.address.postcode", SRC_ORDER, G_STR,                                              \
	  offsetof(struct order, buyer.billing.postcode))                                          \
	X("buyer.address.city", SRC_ORDER, G_STR, offsetof(struct order, buyer.billing.city))      \
	X("buyer.address.country", SRC_ORDER, G_STR,                                               \
	  offsetof(struct order, buyer.billing.country))                                           \
	X("delivery.method", SRC_ORDER, G_STR, offsetof(struct order, delivery.method))            \
	X("delivery.pickup_point", SRC_ORDER, G_STR,                                               \
	  offsetof(struct order, delivery.pickup_point))                                           \
	X("delivery.recipient", SRC_ORDER, G_STR, offsetof(struct order, delivery.recipient))      \
	X("delivery.address.street", SRC_ORDER, G_STR,                                             \
	  offsetof(struct order, delivery.address.street))                                         \
	X("delivery.address.postcode", SRC_ORDER, G_STR,                                           \
	  offsetof(struct order, delivery.address.postcode))                                       \
	X("delivery.address.city", SRC_ORDER, G_STR,                                               \
	  offsetof(struct order, delivery.address.city))                                           \
	X("delivery.address.country", SRC_ORDER, G_STR,                                            \
	  offsetof(struct order, delivery.address.country))                                        \
	X("delivery.cost", SRC_ORDER, G_MONEY, offsetof(struct order, delivery.cost))              \
	X("payment.type", SRC_ORDER, G_STR, offsetof(struct order, payment.type))                  \
	X("payment.status", SRC_ORDER, G_STR, offsetof(struct order, payment.status))              \
	X("payment.paid", SRC_ORDER, G_MONEY, offsetof(struct order, payment.paid))                \
	X("document.number", SRC_DOC, G_STR, offsetof(struct document, number))                    \
	X("document.kind", SRC_DOC, G_KIND, offsetof(struct document, kind))                       \
	X("document.total", SRC_DOC, G_MONEY, offsetof(struct document, total_gross))              \
	X("document.net", SRC_DOC, G_MONEY, offsetof(struct document, total_net))                  \
	X("document.tax", SRC_DOC, G_MONEY, offsetof(struct document, total_tax))                  \
	X("document.currency", SRC_DOC, G_STR, offsetof(struct document, currency))                \
	X("document.issue_date", SRC_DOC, G_DATESTR, offsetof(struct document, issue_date))        \
	X("document.sale_date", SRC_DOC, G_DATESTR, offsetof(struct document, sale_date))          \
	X("document.buyer.name", SRC_DOC, G_STR, offsetof(struct document, buyer_name))            \
	X("document.buyer.nip", SRC_DOC, G_STR, offsetof(struct document, buyer_nip))              \
	X("document.order.number", SRC_DOC, G_STR, offsetof(struct document, order_number))        \
	X("now", SRC_NOW, G_TIME, 0)

#define TM_ROW(n, src, get, off)  {n, src, get, off},
#define TM_NAME(n, src, get, off) n,
static const struct tm_macro tm_macros[] = {TM_LIST(TM_ROW)};
static const char *const tm_names[] = {TM_LIST(TM_NAME) NULL};
#define TM_NMACROS (sizeof(tm_macros) / sizeof(tm_macros[0]))

const char *const *tmpl_macro_names(void)
{
	return tm_names;
}

const char *tmpl_kind_pl(enum doc_kind k)
{
	switch (k) {
	case DOC_NONE:
		return "";
	case DOC_RECEIPT:
		return "Paragon fiskalny";
	case DOC_RECEIPT_NIP:
		return "Paragon fiskalny z NIP";
	case DOC_INVOICE:
		return "Faktura VAT";
	case DOC_PROFORMA:
		return "Faktura pro forma";
	case DOC_ADVANCE:
		return "Faktura zaliczkowa";
	case DOC_FINAL:
		return "Faktura końcowa";
	case DOC_CORRECTION:
		return "Faktura korygująca";
	case DOC_WZ:
		return "Wydanie zewnętrzne";
	case DOC_REFUND:
		return "Dokument zwrotu";
	case DOC_KIND_COUNT:
		break;
	}
	return "";
}

/* ---- compiled form --------------------------------------------------------- */

enum tp_kind { TP_TEXT, TP_MACRO };

struct tp_part {
	enum tp_kind kind;
	char *text; /* TP_TEXT: literal; TP_MACRO with m == NULL: the extra name */
	size_t len;
	const struct tm_macro *m;
	bool pl;
	char *datefmt; /* NULL: %Y-%m-%d */
};

struct tmpl {
	struct tp_part *v;
	size_t n;
};

void tmpl_free(struct tmpl *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].text);
		free(t->v[i].datefmt);
	}
	free(t->v);
	free(t);
}

struct tp_parser {
	const char *s;
	struct tmpl *t;
	struct tmpl_error *err;
	int rc;
};

static void tp_fail(struct tp_parser *p, size_t off, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void tp_fail(struct tp_parser *p, size_t off, int rc, const char *fmt, ...)
{
	va_list ap;
	int line = 1, col = 1;

	if (p->rc)
		return;
	p->rc = rc;
	if (!p->err)
		return;
	for (size_t i = 0; i < off && p->s[i]; i++) {
		if (p->s[i] == '\n') {
			line++;
			col = 1;
		} else if (((unsigned char)p->s[i] & 0xC0) != 0x80) {
			col++;
		}
	}
	p->err->offset = off;
	p->err->line = line;
	p->err->col = col;
	va_start(ap, fmt);
	vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
	va_end(ap);
}

static struct tp_part *tp_add(struct tp_parser *p, size_t off)
{
	struct tp_part *v = realloc(p->t->v, (p->t->n + 1) * sizeof(*v));

	if (!v) {
		tp_fail(p, off, -PL_ENOMEM, "out of memory");
		return NULL;
	}
	p->t->v = v;
	memset(&v[p->t->n], 0, sizeof(v[0]));
	return &v[p->t->n++];
}

static char *tp_dup(struct tp_parser *p, const char *s, size_t len, size_t off)
{
	char *d = malloc(len + 1);

	if (!d) {
		tp_fail(p, off, -PL_ENOMEM, "out of memory");
		return NULL;
	}
	memcpy(d, s, len);
	d[len] = '\0';
	return d;
}

static bool tp_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
}

static bool tp_valid_name(const char *s, size_t len)
{
	if (len == 0 || len >= TMPL_MAX_NAME)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!tp_name_char(s[i]))
			return false;
	return true;
}

static const struct tm_macro *tp_builtin(const char *s, size_t len)
{
	for (size_t i = 0; i < TM_NMACROS; i++)
		if (strlen(tm_macros[i].name) == len && memcmp(tm_macros[i].name, s, len) == 0)
			return &tm_macros[i];
	return NULL;
}

/* Shared-prefix-and-suffix score, for "did you mean": the built-in or extra
 * name that shares the most of its ends with the unknown one. */
static const char *tp_suggest(const char *s, size_t len, const struct tmpl_vars *vars)
{
	const char *best = NULL;
	size_t best_score = 0;

	for (size_t i = 0; i < TM_NMACROS + (vars ? vars->n : 0); i++) {
		const char *name = i < TM_NMACROS ? tm_macros[i].name : vars->names[i - TM_NMACROS];
		size_t nl = strlen(name), pre = 0, suf = 0, score;
		while (pre < len && pre < nl && s[pre] == name[pre])
			pre++;
		while (suf < len - pre && suf < nl - pre && s[len - 1 - suf] == name[nl - 1 - suf])
			suf++;
		score = pre + suf;
		/* a known name ending in ".<unknown>": {client.name} -> {order.client.name} */
		if (nl > len && name[nl - len - 1] == '.' && memcmp(name + nl - len, s, len) == 0)
			score = 2 * nl;
		/* most of the name must match */
		if (score * 3 >= (len > nl ? len : nl) * 2 && score > best_score) {
			best_score = score;
			best = name;
		}
	}
	return best;
}

static const char *const tp_date_convs = "YymdeHMSj%";

/* Check a date format; off is the format's offset in the text. */
static int tp_check_datefmt(struct tp_parser *p, const char *f, size_t len, size_t off)
{
	for (size_t i = 0; i < len; i++) {
		if (f[i] != '%')
			continue;
		if (i + 1 >= len) {
			tp_fail(p, off + i, -PL_EINVAL,
				"'%%' at the end of a date format (write %%%% for a percent sign)");
			return -1;
		}
		if (!strchr(tp_date_convs, f[i + 1]) || f[i + 1] == '\0') {
			tp_fail(
			    p, off + i, -PL_EINVAL,
			    "'%%%c' is not allowed in a date format (use %%Y %%y %%m %%d %%e %%H "
			    "%%M %%S %%j %%%%)",
			    f[i + 1]);
			return -1;
		}
		i++;
	}
	return 0;
}

/* One macro: the text between '{' (at open) and '}' (at close). */
static int tp_macro(struct tp_parser *p, const struct tmpl_vars *vars, size_t open, size_t close)
{
	const char *s = p->s;
	size_t a = open + 1, b = close, bar, name_end, fa, fb;
	const struct tm_macro *m = NULL;
	const char *extra = NULL;
	struct tp_part *part;

	while (a < b && (s[a] == ' ' || s[a] == '\t'))
		a++;
	while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t'))
		b--;
	for (bar = a; bar < b && s[bar] != '|'; bar++)
		;
	name_end = bar;
	while (name_end > a && (s[name_end - 1] == ' ' || s[name_end - 1] == '\t'))
		name_end--;
	if (name_end == a) {
		tp_fail(p, open, -PL_EINVAL, "empty macro (write {{ and }} for literal braces)");
		return -1;
	}
	if (tp_valid_name(s + a, name_end - a))
		m = tp_builtin(s + a, name_end - a);
	if (!m && vars) {
		for (size_t i = 0; i < vars->n; i++) {
			if (strlen(vars->names[i]) == name_end - a &&
			    memcmp(vars->names[i], s + a, name_end - a) == 0) {
				extra = vars->names[i];
				break;
			}
		}
	}
	if (!m && !extra) {
		const char *hint = tp_suggest(s + a, name_end - a, vars);
		int n = name_end - a > 40 ? 40 : (int)(name_end - a);
		if (hint)
			tp_fail(p, a, -PL_EINVAL, "unknown macro {%.*s} (did you mean {%s}?)", n,
				s + a, hint);
		else
			tp_fail(p, a, -PL_EINVAL,
				"unknown macro {%.*s} (macros are listed in docs/templates.md; "
				"write {{ for a literal brace)",
				n, s + a);
		return -1;
	}
	part = tp_add(p, open);
	if (!part)
		return -1;
	part->kind = TP_MACRO;
	part->m = m;
	if (extra) {
		part->text = tp_dup(p, extra, strlen(extra), open);
		if (!part->text)
			return -1;
	}
	if (bar == b)
		return 0;
	fa = bar + 1;
	fb = b;
	while (fa < fb && (s[fa] == ' ' || s[fa] == '\t'))
		fa++;
	if (!m || m->get == G_STR) {
		tp_fail(p, bar, -PL_EINVAL, "{%.*s} is text and takes no filter",
			(int)(name_end - a), s + a);
		return -1;
	}
	if (m->get == G_MONEY || m->get == G_KIND) {
		if (fb - fa == 2 && memcmp(s + fa, "pl", 2) == 0) {
			part->pl = true;
			return 0;
		}
		tp_fail(p, fa, -PL_EINVAL, "unknown filter '%.*s' for {%s} (the only one is |pl)",
			(int)(fb - fa > 40 ? 40 : fb - fa), s + fa, m->name);
		return -1;
	}
	/* a date: the filter is its format (white space in it is kept) */
	fa = bar + 1;
	if (fa == fb) {
		tp_fail(p, bar, -PL_EINVAL, "empty date format after '|' in {%s}", m->name);
		return -1;
	}
	if (tp_check_datefmt(p, s + fa, fb - fa, fa))
		return -1;
	part->datefmt = tp_dup(p, s + fa, fb - fa, fa);
	return part->datefmt ? 0 : -1;
}

static int tp_flush_text(struct tp_parser *p, struct buf *lit, size_t off)
{
	struct tp_part *part;

	if (lit->len == 0)
		return 0;
	part = tp_add(p, off);
	if (!part)
		return -1;
	part->kind = TP_TEXT;
	part->text = tp_dup(p, lit->data, lit->len, off);
	part->len = lit->len;
	buf_reset(lit);
	return part->text ? 0 : -1;
}

static int tp_check_vars(struct tp_parser *p, const struct tmpl_vars *vars)
{
	if (!vars)
		return 0;
	if (vars->n > TMPL_MAX_EXTRA) {
		tp_fail(p, 0, -PL_EINVAL, "too many extra macro names (%zu, at most %d)", vars->n,
			TMPL_MAX_EXTRA);
		return -1;
	}
	for (size_t i = 0; i < vars->n; i++) {
		const char *n = vars->names[i];
		if (!n || !tp_valid_name(n, strlen(n))) {
			tp_fail(p, 0, -PL_EINVAL, "extra macro name '%s' is not a name",
				n ? n : "(null)");
			return -1;
		}
		if (tp_builtin(n, strlen(n))) {
			tp_fail(p, 0, -PL_EINVAL, "extra macro name '%s' is a built-in name", n);
			return -1;
		}
	}
	return 0;
}

int tmpl_compile(const char *text, const struct tmpl_vars *vars, struct tmpl **out,
		 struct tmpl_error *err)
{
	struct tp_parser p;
	struct buf lit;
	size_t len, i, lit_off = 0;

	*out = NULL;
	if (err)
		memset(err, 0, sizeof(*err));
	memset(&p, 0, sizeof(p));
	p.s = text ? text : "";
	p.err = err;
	len = strlen(p.s);
	if (len > TMPL_MAX_LEN) {
		tp_fail(&p, 0, -PL_ETOOBIG, "template too long (%zu bytes, at most %d)", len,
			TMPL_MAX_LEN);
		return p.rc;
	}
	if (tp_check_vars(&p, vars))
		return p.rc;
	p.t = calloc(1, sizeof(*p.t));
	if (!p.t)
		return -PL_ENOMEM;
	buf_init(&lit, TMPL_MAX_LEN);
	for (i = 0; i < len && !p.rc; i++) {
		char c = p.s[i];
		if ((c == '{' || c == '}') && p.s[i + 1] == c) {
			if (buf_putc(&lit, c))
				tp_fail(&p, i, -PL_ENOMEM, "out of memory");
			i++;
			continue;
		}
		if (c == '}') {
			tp_fail(&p, i, -PL_EINVAL,
				"'}' without '{' (write }} for a literal brace)");
			break;
		}
		if (c == '{') {
			size_t close = i + 1;
			while (close < len && p.s[close] != '}' && p.s[close] != '{' &&
			       p.s[close] != '\n')
				close++;
			if (close >= len || p.s[close] != '}') {
				tp_fail(&p, i, -PL_EINVAL,
					"'{' is not closed (write {{ for a literal brace)");
				break;
			}
			if (tp_flush_text(&p, &lit, lit_off) || tp_macro(&p, vars, i, close))
				break;
			i = close;
			lit_off = close + 1;
			continue;
		}
		if (buf_putc(&lit, c))
			tp_fail(&p, i, -PL_ENOMEM, "out of memory");
	}
	if (!p.rc)
		tp_flush_text(&p, &lit, lit_off);
	buf_release(&lit);
	if (p.rc) {
		tmpl_free(p.t);
		return p.rc;
	}
	*out = p.t;
	return 0;
}

bool tmpl_uses(const struct tmpl *t, const char *name)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct tp_part *part = &t->v[i];
		if (part->kind != TP_MACRO)
			continue;
		if (strcmp(part->m ? part->m->name : part->text, name) == 0)
			return true;
	}
	return false;
}

/* ---- rendering ------------------------------------------------------------- */

/* A text value: control characters made spaces for one-line output; &<>"'
 * as entities when the template is HTML (a buyer named "<b>" stays text). */
static int tp_put_value(struct buf *out, const char *s, const struct tmpl_ctx *ctx)
{
	size_t start = out->len;
	int rc = 0;

	if (ctx->html) {
		for (const char *p = s; *p && !rc; p++) {
			switch (*p) {
			case '&':
				rc = buf_puts(out, "&amp;");
				break;
			case '<':
				rc = buf_puts(out, "&lt;");
				break;
			case '>':
				rc = buf_puts(out, "&gt;");
				break;
			case '"':
				rc = buf_puts(out, "&quot;");
				break;
			case '\'':
				rc = buf_puts(out, "&#39;");
				break;
			default:
				rc = buf_putc(out, *p);
			}
		}
	} else {
		rc = buf_puts(out, s);
	}
	if (rc || !ctx->one_line)
		return rc;
	for (size_t i = start; i < out->len; i++)
		if ((unsigned char)out->data[i] < 0x20 || out->data[i] == 0x7F)
			out->data[i] = ' ';
	return 0;
}

static int tp_put_money(struct buf *out, int64_t minor, bool pl)
{
	uint64_t mag = minor < 0 ? (uint64_t)0 - (uint64_t)minor : (uint64_t)minor;

	return buf_printf(out, "%s%llu%c%02llu", minor < 0 ? "-" : "",
			  (unsigned long long)(mag / 100), pl ? ',' : '.',
			  (unsigned long long)(mag % 100));
}

static int tp_yday(int y, int m, int d)
{
	static const int cum[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	if (m < 1 || m > 12)
		return 0;
	return cum[m - 1] + d + (leap && m > 2 ? 1 : 0);
}

static int tp_put_date(struct buf *out, const struct tm *tm, const char *fmt)
{
	const char *f = fmt ? fmt : "%Y-%m-%d";
	int rc = 0;

	for (; *f && !rc; f++) {
		if (*f != '%' || !f[1]) {
			rc = buf_putc(out, *f);
			continue;
		}
		switch (*++f) {
		case 'Y':
			rc = buf_printf(out, "%04d", tm->tm_year + 1900);
			break;
		case 'y':
			rc = buf_printf(out, "%02d", ((tm->tm_year + 1900) % 100 + 100) % 100);
			break;
		case 'm':
			rc = buf_printf(out, "%02d", tm->tm_mon + 1);
			break;
		case 'd':
			rc = buf_printf(out, "%02d", tm->tm_mday);
			break;
		case 'e':
			rc = buf_printf(out, "%2d", tm->tm_mday);
			break;
		case 'H':
			rc = buf_printf(out, "%02d", tm->tm_hour);
			break;
		case 'M':
			rc = buf_printf(out, "%02d", tm->tm_min);
			break;
		case 'S':
			rc = buf_printf(out, "%02d", tm->tm_sec);
			break;
		case 'j':
			rc = buf_printf(out, "%03d", tm->tm_yday + 1);
			break;
		default: /* '%'; others were refused at compile time */
			rc = buf_putc(out, *f);
			break;
		}
	}
	return rc;
}

static int tp_put_time(struct buf *out, int64_t t, const char *fmt)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t == 0)
		return 0; /* not known: render empty */
	if (!localtime_r(&tt, &tm))
		return 0;
	return tp_put_date(out, &tm, fmt);
}

/* "YYYY-MM-DD" -> date; anything else is shown as it is. */
static int tp_put_datestr(struct buf *out, const char *s, const char *fmt,
			  const struct tmpl_ctx *ctx)
{
	struct tm tm;
	int y, m, d;

	if (!s[0])
		return 0;
	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
	    sscanf(s, "%4d-%2d-%2d", &y, &m, &d) != 3 || m < 1 || m > 12 || d < 1 || d > 31)
		return tp_put_value(out, s, ctx);
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_yday = tp_yday(y, m, d) - 1;
	return tp_put_date(out, &tm, fmt);
}

static int tp_render_macro(const struct tp_part *part, const struct tmpl_ctx *ctx, struct buf *out)
{
	const struct tm_macro *m = part->m;
	const char *base;

	if (!m) {
		for (size_t i = 0; i < ctx->nextra; i++)
			if (ctx->extra[i].name && strcmp(ctx->extra[i].name, part->text) == 0)
				return ctx->extra[i].value
					   ? tp_put_value(out, ctx->extra[i].value, ctx)
					   : 0;
		return 0;
	}
	switch (m->src) {
	case SRC_ORDER:
		base = (const char *)ctx->order;
		break;
	case SRC_DOC:
		base = (const char *)ctx->doc;
		break;
	case SRC_NOW:
		return tp_put_time(out, ctx->now, part->datefmt);
	default:
		return 0;
	}
	if (!base)
		return 0;
	switch (m->get) {
	case G_STR:
		return tp_put_value(out, base + m->off, ctx);
	case G_MONEY: {
		int64_t v;
		memcpy(&v, base + m->off, sizeof(v));
		return tp_put_money(out, v, part->pl);
	}
	case G_TIME: {
		int64_t v;
		memcpy(&v, base + m->off, sizeof(v));
		return tp_put_time(out, v, part->datefmt);
	}
	case G_DATESTR:
		return tp_put_datestr(out, base + m->off, part->datefmt, ctx);
	case G_KIND: {
		enum doc_kind k;
		memcpy(&k, base + m->off, sizeof(k));
		return buf_puts(out, part->pl ? tmpl_kind_pl(k) : doc_kind_name(k));
	}
	}
	return 0;
}

int tmpl_render(const struct tmpl *t, const struct tmpl_ctx *ctx, struct buf *out)
{
	static const struct tmpl_ctx empty;
	const struct tmpl_ctx *c = ctx ? ctx : &empty;

	for (size_t i = 0; i < t->n; i++) {
		const struct tp_part *part = &t->v[i];
		size_t mark = out->len;
		int rc;

		if (part->kind == TP_TEXT)
			rc = buf_append(out, part->text, part->len);
		else
			rc = tp_render_macro(part, c, out);
		if (rc) {
			/* keep whole pieces only: never half a value */
			out->len = mark;
			if (out->data)
				out->data[mark] = '\0';
			return rc;
		}
	}
	return 0;
}
