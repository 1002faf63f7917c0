/* SPDX-License-Identifier: Apache-2.0 */
/* labels/label.c - label template files: parse, check at load, render to ZPL. */
#include "labels/label.h"
#include "base/err.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const label_var_names[] = {
    "shipment.tracking", "shipment.carrier",   "shipment.id",
    "shipment.service",  "shipment.reference", "station",
};

const struct tmpl_vars label_vars = {
    .names = label_var_names,
    .n = sizeof(label_var_names) / sizeof(label_var_names[0]),
};

enum el_kind { EL_BOX, EL_TEXT, EL_CODE128, EL_QR, EL_DATAMATRIX };
enum el_fit { FIT_CUT, FIT_SHRINK, FIT_ERROR };

struct label_el {
	enum el_kind kind;
	int line;
	int x, y, w, h, t; /* dots */
	int cw;            /* text char width, dots */
	int lines;
	int min_h;
	enum el_fit fit;
	enum zpl_align align;
	int module; /* dots: bar module, QR magnification, Data Matrix module */
	bool hr;
	bool required;
	int max; /* declared max data length (bytes) of a code */
	char ecc;
	struct tmpl *content;
};

struct label_tmpl {
	int width, height, dpi;
	struct label_el el[LABEL_MAX_ELEMENTS];
	size_t nel;
};

/* --- parsing helpers --- */

struct lp {
	const char *name;
	struct diag *d;
	int line;
	const char *lstart; /* start of the current line, for columns */
	int errors;
};

static int col_of(const struct lp *p, const char *at)
{
	int col = 1;

	for (const char *s = p->lstart; s < at; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			col++;
	return col;
}

static void lp_err(struct lp *p, const char *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void lp_err(struct lp *p, const char *at, const char *fmt, ...)
{
	char where[300], msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (at)
		snprintf(where, sizeof(where), "%s:%d:%d", p->name, p->line, col_of(p, at));
	else
		snprintf(where, sizeof(where), "%s:%d", p->name, p->line);
	diag_add(p->d, where, "%s", msg);
	p->errors++;
}

/* Millimetres with up to three decimals into micrometres; 0 or -1. */
static int parse_mm(const char *s, size_t n, long *um)
{
	long whole = 0, frac = 0;
	size_t i = 0;
	int fd = 0;

	if (n == 0 || !isdigit((unsigned char)s[0]))
		return -1;
	for (; i < n && isdigit((unsigned char)s[i]); i++) {
		whole = whole * 10 + (s[i] - '0');
		if (whole > 100000)
			return -1;
	}
	if (i < n && s[i] == '.') {
		for (i++; i < n && isdigit((unsigned char)s[i]); i++) {
			if (++fd > 3)
				return -1;
			frac = frac * 10 + (s[i] - '0');
		}
		if (fd == 0)
			return -1;
	}
	if (i != n)
		return -1;
	while (fd++ < 3)
		frac *= 10;
	*um = whole * 1000 + frac;
	return 0;
}

static int um_to_dots(long um, int dpi)
{
	return (int)((um * dpi + 12700) / 25400);
}

static int parse_int(const char *s, size_t n, long lo, long hi, long *out)
{
	char tmp[24];
	char *end;
	long v;

	if (n == 0 || n >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	errno = 0;
	v = strtol(tmp, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static bool tok_is(const char *s, size_t n, const char *word)
{
	return strlen(word) == n && memcmp(s, word, n) == 0;
}

/* --- the header --- */

struct hdr {
	long w_um, h_um;
	long dpi;
	long font_um;
	bool has_size;
};

static void parse_header(struct lp *p, const char *key, size_t klen, const char *val, size_t vlen,
			 struct hdr *h)
{
	long v;

	if (tok_is(key, klen, "size")) {
		const char *x = memchr(val, 'x', vlen);
		if (!x || parse_mm(val, (size_t)(x - val), &h->w_um) ||
		    parse_mm(x + 1, vlen - (size_t)(x - val) - 1, &h->h_um) || h->w_um == 0 ||
		    h->h_um == 0 || h->w_um > 300000 || h->h_um > 2000000)
			lp_err(p, val, "size must be WIDTHxHEIGHT in millimetres, e.g. 100x150");
		else
			h->has_size = true;
	} else if (tok_is(key, klen, "dpi")) {
		if (parse_int(val, vlen, 1, 100000, &v) || (v != 203 && v != 300))
			lp_err(p, val, "dpi must be 203 or 300");
		else
			h->dpi = v;
	} else if (tok_is(key, klen, "font")) {
		if (parse_mm(val, vlen, &v) || v < 500 || v > 100000)
			lp_err(p, val, "font must be a text height in millimetres (0.5 to 100)");
		else
			h->font_um = v;
	} else {
		lp_err(p, key, "unknown setting '%.*s' (size, dpi, font)", (int)klen, key);
	}
}

/* --- elements --- */

static const struct {
	const char *name;
	enum el_kind kind;
} el_names[] = {
    {"box", EL_BOX},
    {"text", EL_TEXT},
    {"code128", EL_CODE128},
    {"qr", EL_QR},
    {"datamatrix", EL_DATAMATRIX},
};

/* Attributes each element takes (space-separated). */
static const char *const el_attrs[] = {
    [EL_BOX] = " x y w h t ",
    [EL_TEXT] = " x y w h cw lines fit min_h align ",
    [EL_CODE128] = " x y h module hr max required ",
    [EL_QR] = " x y module ecc max required ",
    [EL_DATAMATRIX] = " x y module max required ",
};

static bool attr_allowed(enum el_kind k, const char *key, size_t klen)
{
	char pat[24];

	if (klen + 3 > sizeof(pat))
		return false;
	pat[0] = ' ';
	memcpy(pat + 1, key, klen);
	pat[klen + 1] = ' ';
	pat[klen + 2] = '\0';
	return strstr(el_attrs[k], pat) != NULL;
}

/* Raw attribute values as read, converted once the line is complete. */
struct el_src {
	long x, y, w, h, t, cw, min_h, module; /* micrometres; -1 = not given */
	long lines, max;
	const char *at_x; /* for messages */
};

static void parse_bool(struct lp *p, const char *v, size_t n, bool *out)
{
	if (tok_is(v, n, "yes") || tok_is(v, n, "true"))
		*out = true;
	else if (tok_is(v, n, "no") || tok_is(v, n, "false"))
		*out = false;
	else
		lp_err(p, v, "expected yes or no");
}

static void parse_attr(struct lp *p, struct label_el *e, struct el_src *s, const char *key,
		       size_t klen, const char *v, size_t vlen)
{
	long *mm = NULL;

	if (!attr_allowed(e->kind, key, klen)) {
		lp_err(p, key, "'%.*s' is not an attribute of %s (takes:%s)", (int)klen, key,
		       el_names[e->kind].name, el_attrs[e->kind]);
		return;
	}
	if (tok_is(key, klen, "x"))
		mm = &s->x;
	else if (tok_is(key, klen, "y"))
		mm = &s->y;
	else if (tok_is(key, klen, "w"))
		mm = &s->w;
	else if (tok_is(key, klen, "h"))
		mm = &s->h;
	else if (tok_is(key, klen, "t"))
		mm = &s->t;
	else if (tok_is(key, klen, "cw"))
		mm = &s->cw;
	else if (tok_is(key, klen, "min_h"))
		mm = &s->min_h;
	else if (tok_is(key, klen, "module"))
		mm = &s->module;
	if (mm) {
		if (parse_mm(v, vlen, mm))
			lp_err(p, v, "'%.*s' must be millimetres, e.g. 12 or 12.5", (int)klen, key);
		return;
	}
	if (tok_is(key, klen, "lines")) {
		if (parse_int(v, vlen, 1, 20, &s->lines))
			lp_err(p, v, "lines must be 1 to 20");
	} else if (tok_is(key, klen, "max")) {
		if (parse_int(v, vlen, 1, LABEL_MAX_FIELD, &s->max))
			lp_err(p, v, "max must be 1 to %d characters", LABEL_MAX_FIELD);
	} else if (tok_is(key, klen, "fit")) {
		if (tok_is(v, vlen, "cut"))
			e->fit = FIT_CUT;
		else if (tok_is(v, vlen, "shrink"))
			e->fit = FIT_SHRINK;
		else if (tok_is(v, vlen, "error"))
			e->fit = FIT_ERROR;
		else
			lp_err(p, v, "fit must be cut, shrink or error");
	} else if (tok_is(key, klen, "align")) {
		if (tok_is(v, vlen, "left"))
			e->align = ZPL_LEFT;
		else if (tok_is(v, vlen, "center"))
			e->align = ZPL_CENTER;
		else if (tok_is(v, vlen, "right"))
			e->align = ZPL_RIGHT;
		else
			lp_err(p, v, "align must be left, center or right");
	} else if (tok_is(key, klen, "hr")) {
		parse_bool(p, v, vlen, &e->hr);
	} else if (tok_is(key, klen, "required")) {
		parse_bool(p, v, vlen, &e->required);
	} else if (tok_is(key, klen, "ecc")) {
		if (vlen != 1 || !strchr("LMQH", v[0]))
			lp_err(p, v, "ecc must be L, M, Q or H");
		else
			e->ecc = v[0];
	}
}

/* Read the quoted content starting at *s (at the opening quote) into out;
 * \" and \\ are the only escapes. Returns the position after the closing
 * quote or NULL (error reported). */
static const char *parse_quoted(struct lp *p, const char *s, const char *end, struct buf *out)
{
	const char *q = s + 1;

	buf_reset(out);
	for (; q < end && *q != '"'; q++) {
		if (*q == '\\' && q + 1 < end && (q[1] == '"' || q[1] == '\\'))
			q++;
		else if (*q == '\\') {
			lp_err(p, q, "only \\\" and \\\\ are escapes in a label text");
			return NULL;
		}
		if (buf_putc(out, *q)) {
			lp_err(p, s, "text too long");
			return NULL;
		}
	}
	if (q >= end) {
		lp_err(p, s, "text has no closing quote");
		return NULL;
	}
	return q + 1;
}

/* Column in the line of the content's byte `off` (escapes counted once). */
static const char *content_pos(const char *open_quote, size_t off)
{
	const char *q = open_quote + 1;

	for (size_t i = 0; i < off && *q; i++, q++)
		if (*q == '\\')
			q++;
	return q;
}

static bool has_macro(const char *s)
{
	for (; *s; s++) {
		if (*s == '{' && s[1] == '{')
			s++;
		else if (*s == '{')
			return true;
	}
	return false;
}

/* Literal text of a macro-free content ({{ and }} unescaped). */
static size_t literal_len(const char *s)
{
	size_t n = 0;

	for (; *s; s++, n++)
		if ((*s == '{' && s[1] == '{') || (*s == '}' && s[1] == '}'))
			s++;
	return n;
}

/* Convert, then check that the element lies on the label. */
static void finish_el(struct lp *p, const char *lstart, struct label_el *e, const struct el_src *s,
		      const struct hdr *h, int W, int H, const char *content, bool literal)
{
	int dpi = (int)h->dpi;
	const char *at = s->at_x ? s->at_x : lstart;
	long need_x = -1;

	if (s->x < 0 || s->y < 0) {
		lp_err(p, lstart, "%s needs x= and y=", el_names[e->kind].name);
		return;
	}
	e->x = um_to_dots(s->x, dpi);
	e->y = um_to_dots(s->y, dpi);
	switch (e->kind) {
	case EL_BOX:
		if (s->w < 0 || s->h < 0) {
			lp_err(p, lstart, "box needs w= and h=");
			return;
		}
		e->w = um_to_dots(s->w, dpi);
		e->h = um_to_dots(s->h, dpi);
		e->t = um_to_dots(s->t >= 0 ? s->t : 300, dpi);
		if (e->t < 1)
			e->t = 1;
		if (e->w < e->t || e->h < e->t) {
			lp_err(p, lstart, "box is smaller than its border");
			return;
		}
		break;
	case EL_TEXT:
		if (s->w < 0) {
			lp_err(p, lstart, "text needs w= (the width it may use)");
			return;
		}
		e->w = um_to_dots(s->w, dpi);
		e->h = um_to_dots(s->h >= 0 ? s->h : h->font_um, dpi);
		e->cw = s->cw >= 0 ? um_to_dots(s->cw, dpi) : e->h;
		e->lines = s->lines > 0 ? (int)s->lines : 1;
		e->min_h = s->min_h >= 0 ? um_to_dots(s->min_h, dpi) : e->h;
		if (e->h < 8 || e->cw < 4) {
			lp_err(p, lstart, "text smaller than 8 dots high is unreadable");
			return;
		}
		if (e->min_h > e->h || e->min_h < 8) {
			lp_err(p, lstart, "min_h must be between 8 dots and h");
			return;
		}
		/* the box: `lines` lines at a pitch of 1.2 h */
		if (e->x + e->w > W || e->y + (e->lines - 1) * (e->h * 6 / 5) + e->h > H) {
			lp_err(p, at, "text box reaches past the label (%dx%d dots at %d dpi)", W,
			       H, dpi);
			return;
		}
		return;
	case EL_CODE128:
	case EL_QR:
	case EL_DATAMATRIX: {
		char probe[LABEL_MAX_FIELD + 1];
		int size;
		if (literal)
			e->max = (int)literal_len(content);
		else if (s->max <= 0) {
			lp_err(p, lstart,
			       "%s with macros needs max= (the longest data it must hold)",
			       el_names[e->kind].name);
			return;
		} else
			e->max = (int)s->max;
		if (literal && e->max == 0) {
			lp_err(p, lstart, "%s has no data", el_names[e->kind].name);
			return;
		}
		/* the widest data of that length: subset B for Code 128, no
		 * digit pairs for Data Matrix */
		memset(probe, 'A', (size_t)e->max);
		probe[e->max] = '\0';
		if (e->kind == EL_CODE128) {
			e->module = um_to_dots(s->module >= 0 ? s->module : 250, dpi);
			if (s->h < 0) {
				lp_err(p, lstart, "code128 needs h= (bar height)");
				return;
			}
			e->h = um_to_dots(s->h, dpi);
			if (e->module < 1 || e->module > 10 || e->h < 1) {
				lp_err(p, lstart, "code128 module must be 1 to 10 dots at %d dpi",
				       dpi);
				return;
			}
			size = zpl_code128_width(probe, e->module);
			e->w = size;
			need_x = size;
			if (e->y + zpl_code128_height(e->module, e->h, e->hr) > H)
				need_x = -2;
		} else if (e->kind == EL_QR) {
			e->module = um_to_dots(s->module >= 0 ? s->module : 500, dpi);
			if (e->module < 1 || e->module > 10) {
				lp_err(p, lstart, "qr module must be 1 to 10 dots at %d dpi", dpi);
				return;
			}
			size = zpl_qr_size((size_t)e->max, e->ecc, e->module);
			if (size == -PL_ETOOBIG) {
				lp_err(p, lstart, "qr: %d bytes need more than version 10", e->max);
				return;
			}
			need_x = size;
			if (e->y + size > H)
				need_x = -2;
		} else {
			e->module = um_to_dots(s->module >= 0 ? s->module : 500, dpi);
			if (e->module < 1 || e->module > 20) {
				lp_err(p, lstart,
				       "datamatrix module must be 1 to 20 dots at %d dpi", dpi);
				return;
			}
			size = zpl_datamatrix_size(probe, e->module);
			if (size == -PL_ETOOBIG) {
				lp_err(p, lstart, "datamatrix: %d characters do not fit 144x144",
				       e->max);
				return;
			}
			need_x = size;
			if (e->y + size > H)
				need_x = -2;
		}
		if (need_x == -2 || e->x + need_x > W) {
			lp_err(
			    p, at,
			    "%s with %d characters reaches past the label (%dx%d dots at %d dpi)",
			    el_names[e->kind].name, e->max, W, H, dpi);
			return;
		}
		return;
	}
	}
	if (e->x + e->w > W || e->y + e->h > H)
		lp_err(p, at, "box reaches past the label (%dx%d dots at %d dpi)", W, H, dpi);
}

static void parse_element(struct lp *p, struct label_tmpl *t, const struct hdr *h, const char *s,
			  const char *end, struct buf *content)
{
	struct label_el *e;
	struct el_src src = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, NULL};
	const char *w = s, *quote = NULL;
	struct tmpl_error terr;
	int rc, errors_before = p->errors;
	size_t i, n;

	while (s < end && !isspace((unsigned char)*s))
		s++;
	for (i = 0; i < sizeof(el_names) / sizeof(el_names[0]); i++)
		if (tok_is(w, (size_t)(s - w), el_names[i].name))
			break;
	if (i == sizeof(el_names) / sizeof(el_names[0])) {
		lp_err(p, w,
		       "unknown element '%.*s' (box, text, code128, qr, datamatrix) or a "
		       "setting after the first element",
		       (int)(s - w), w);
		return;
	}
	if (t->nel >= LABEL_MAX_ELEMENTS) {
		lp_err(p, w, "more than %d elements", LABEL_MAX_ELEMENTS);
		return;
	}
	e = &t->el[t->nel];
	memset(e, 0, sizeof(*e));
	e->kind = el_names[i].kind;
	e->line = p->line;
	e->ecc = 'M';
	e->required = true;
	e->hr = true;
	for (;;) {
		while (s < end && isspace((unsigned char)*s))
			s++;
		if (s >= end || *s == '#')
			break;
		if (*s == '"') {
			quote = s;
			s = parse_quoted(p, s, end, content);
			if (!s)
				return;
			while (s < end && isspace((unsigned char)*s))
				s++;
			if (s < end && *s != '#')
				lp_err(p, s, "nothing may follow the text but a # comment");
			break;
		}
		const char *k = s, *eq;
		while (s < end && !isspace((unsigned char)*s))
			s++;
		eq = memchr(k, '=', (size_t)(s - k));
		if (!eq || eq == k || eq + 1 == s) {
			lp_err(p, k, "expected name=value or a quoted text");
			continue;
		}
		if (*k == 'x' && eq == k + 1)
			src.at_x = k;
		parse_attr(p, e, &src, k, (size_t)(eq - k), eq + 1, (size_t)(s - eq - 1));
	}
	if (e->kind != EL_BOX && !quote) {
		lp_err(p, w, "%s needs its content as a quoted text", el_names[e->kind].name);
		return;
	}
	if (e->kind == EL_BOX && quote) {
		lp_err(p, quote, "a box has no text");
		return;
	}
	if (quote) {
		rc = tmpl_compile(content->data ? content->data : "", &label_vars, &e->content,
				  &terr);
		if (rc == -PL_ENOMEM) {
			lp_err(p, quote, "out of memory");
			return;
		}
		if (rc) {
			/* the template's column is inside the quotes: point at it in the line */
			const char *at = content_pos(quote, terr.offset);
			lp_err(p, at, "%s", terr.msg);
			return;
		}
	}
	if (p->errors != errors_before)
		goto out_free;
	n = t->nel;
	finish_el(p, w, e, &src, h, t->width, t->height, content->data ? content->data : "",
		  quote && !has_macro(content->data ? content->data : ""));
	if (p->errors != errors_before)
		goto out_free;
	t->nel = n + 1;
	return;
out_free:
	tmpl_free(e->content);
	e->content = NULL;
}

int label_tmpl_parse(const char *text, size_t len, const char *name, int dpi,
		     struct label_tmpl **out, struct diag *d)
{
	struct lp p = {.name = name ? name : "label", .d = d, .line = 0};
	struct hdr h = {.dpi = 203, .font_um = 4000};
	struct label_tmpl *t;
	struct buf content;
	const char *s = text, *end = text + len, *eol;
	bool in_body = false;

	*out = NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -PL_ENOMEM;
	buf_init(&content, LABEL_MAX_FIELD * 4);
	if (len > LABEL_MAX_FILE) {
		lp_err(&p, NULL, "template larger than %u bytes", LABEL_MAX_FILE);
		goto out_done;
	}
	if (memchr(text, '\0', len)) {
		lp_err(&p, NULL, "template holds a NUL byte");
		goto out_done;
	}
	for (; s < end; s = eol + (eol < end)) {
		const char *a, *b, *eq;
		eol = memchr(s, '\n', (size_t)(end - s));
		if (!eol)
			eol = end;
		p.line++;
		p.lstart = s;
		b = eol;
		if (b > s && b[-1] == '\r')
			b--;
		for (a = s; a < b && isspace((unsigned char)*a); a++)
			;
		if (a == b || *a == '#')
			continue;
		eq = memchr(a, '=', (size_t)(b - a));
		/* a header line is "key = value"; an element starts with its name and
		 * only then has name=value attributes */
		if (!in_body && eq) {
			const char *k_end = eq, *v = eq + 1, *v_end = b;
			while (k_end > a && isspace((unsigned char)k_end[-1]))
				k_end--;
			bool simple_key = true;
			for (const char *q = a; q < k_end; q++)
				if (!isalnum((unsigned char)*q) && *q != '_')
					simple_key = false;
			if (simple_key) {
				while (v < v_end && isspace((unsigned char)*v))
					v++;
				for (const char *q = v; q < v_end; q++) {
					if (*q == '#') {
						v_end = q;
						break;
					}
				}
				while (v_end > v && isspace((unsigned char)v_end[-1]))
					v_end--;
				parse_header(&p, a, (size_t)(k_end - a), v, (size_t)(v_end - v),
					     &h);
				continue;
			}
		}
		if (!in_body) {
			in_body = true;
			if (!h.has_size) {
				lp_err(&p, a, "size = WIDTHxHEIGHT must come before the elements");
				goto out_done;
			}
			if (dpi)
				h.dpi = dpi;
			t->dpi = (int)h.dpi;
			t->width = um_to_dots(h.w_um, t->dpi);
			t->height = um_to_dots(h.h_um, t->dpi);
		}
		parse_element(&p, t, &h, a, b, &content);
	}
	if (!in_body && !p.errors)
		lp_err(&p, NULL, "template has no elements");
out_done:
	buf_release(&content);
	if (p.errors) {
		label_tmpl_free(t);
		return -PL_ECONFIG;
	}
	*out = t;
	return 0;
}

int label_tmpl_load(const char *path, int dpi, struct label_tmpl **out, struct diag *d)
{
	struct buf b;
	char chunk[4096];
	const char *base;
	size_t n;
	FILE *f;
	int rc = 0;

	*out = NULL;
	f = fopen(path, "rb");
	if (!f) {
		diag_add(d, path, "cannot open label template: %s", strerror(errno));
		return -PL_EIO;
	}
	buf_init(&b, LABEL_MAX_FILE);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		rc = buf_append(&b, chunk, n);
		if (rc) {
			diag_add(d, path, "label template larger than %u bytes", LABEL_MAX_FILE);
			rc = -PL_ECONFIG;
			break;
		}
	}
	if (!rc && ferror(f)) {
		diag_add(d, path, "cannot read label template: %s", strerror(errno));
		rc = -PL_EIO;
	}
	fclose(f);
	if (!rc) {
		base = path; /* messages name the file as configured */
		rc = label_tmpl_parse(b.data ? b.data : "", b.len, base, dpi, out, d);
	}
	buf_release(&b);
	return rc;
}

void label_tmpl_free(struct label_tmpl *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nel; i++)
		tmpl_free(t->el[i].content);
	free(t);
}

int label_tmpl_width(const struct label_tmpl *t)
{
	return t->width;
}

int label_tmpl_height(const struct label_tmpl *t)
{
	return t->height;
}

int label_tmpl_dpi(const struct label_tmpl *t)
{
	return t->dpi;
}

/* --- rendering --- */

static size_t utf8_next(const char *s, size_t i)
{
	i++;
	while (((unsigned char)s[i] & 0xc0) == 0x80)
		i++;
	return i;
}

/* Lay `text` out in at most e->lines lines at char size (h, cw) inside width
 * w: greedy word wrap, a word wider than a line broken between code points,
 * the last line cut with "..." when text is left over. Returns 1 when cut,
 * 0 when everything fitted, negative on error. */
static int layout(const char *text, int h, int cw, int w, int maxlines,
		  char lines[][LABEL_MAX_FIELD + 4], int *nlines)
{
	char tmp[LABEL_MAX_FIELD + 4];
	const char *rest = text;
	int rc;

	(void)h;
	*nlines = 0;
	while (*rest == ' ')
		rest++;
	for (int i = 0; i < maxlines && *rest; i++) {
		size_t len = strlen(rest), best = 0, pos = 0;
		if (i == maxlines - 1 || zpl_text_width(rest, cw) <= w) {
			rc = zpl_fit_text(rest, cw, w, lines[i], sizeof(lines[i]));
			if (rc < 0)
				return rc;
			*nlines = i + 1;
			return rc;
		}
		/* longest prefix ending before a space that fits */
		for (pos = 0; pos <= len; pos = pos < len ? utf8_next(rest, pos) : len + 1) {
			if (pos == len || rest[pos] == ' ') {
				memcpy(tmp, rest, pos);
				tmp[pos] = '\0';
				if (zpl_text_width(tmp, cw) > w)
					break;
				best = pos;
			}
			if (pos == len)
				break;
		}
		if (best == 0) {
			/* one word wider than the line: break it */
			for (pos = utf8_next(rest, 0); pos <= len; pos = utf8_next(rest, pos)) {
				memcpy(tmp, rest, pos);
				tmp[pos] = '\0';
				if (zpl_text_width(tmp, cw) > w)
					break;
				best = pos;
				if (pos == len)
					break;
			}
			if (best == 0)
				return -PL_EINVAL; /* not one character fits */
		}
		memcpy(lines[i], rest, best);
		lines[i][best] = '\0';
		while (best > 0 && lines[i][best - 1] == ' ')
			lines[i][--best] = '\0';
		rest += strlen(lines[i]);
		while (*rest == ' ')
			rest++;
		*nlines = i + 1;
	}
	return 0;
}

static int render_text(const struct label_el *e, const char *text, struct zpl *z, int *shortened,
		       char *why, size_t why_len)
{
	char(*lines)[LABEL_MAX_FIELD + 4];
	int h = e->h, cw = e->cw, n = 0, rc;

	lines = malloc(sizeof(*lines) * (size_t)e->lines);
	if (!lines)
		return -PL_ENOMEM;

	/* shrink: 10 % steps from h down to min_h, the first size that needs no cut */
	for (;;) {
		rc = layout(text, h, cw, e->w, e->lines, lines, &n);
		if (rc < 0)
			break;
		if (rc == 0 || e->fit != FIT_SHRINK || h <= e->min_h)
			break;
		int nh = h * 9 / 10;
		if (nh < e->min_h)
			nh = e->min_h;
		cw = cw * nh / h;
		h = nh;
	}
	if (rc < 0) {
		snprintf(why, why_len, "line %d: text does not fit even shortened", e->line);
		rc = -PL_EINVAL;
		goto out_free;
	}
	if (rc == 1 && e->fit == FIT_ERROR) {
		snprintf(why, why_len, "line %d: text too long for its box (fit=error): '%s'",
			 e->line, text);
		rc = -PL_EINVAL;
		goto out_free;
	}
	if (rc == 1 && shortened)
		(*shortened)++;
	rc = 0;
	for (int i = 0; i < n && !rc; i++) {
		rc = zpl_text(z, e->x, e->y + i * (h * 6 / 5), h, cw, e->w, e->align, lines[i]);
		if (rc)
			snprintf(why, why_len, "line %d: text refused by the ZPL builder: %s",
				 e->line, pl_strerror(rc));
	}
out_free:
	free(lines);
	return rc;
}

int label_render(const struct label_tmpl *t, const struct tmpl_ctx *ctx, struct zpl *z,
		 int *shortened, char *why, size_t why_len)
{
	struct tmpl_ctx c = *ctx;
	struct buf val;
	int rc = 0;

	if (shortened)
		*shortened = 0;
	if (why_len)
		why[0] = '\0';
	c.one_line = true; /* a CR or LF from order data must not break a ZPL line */
	zpl_reset(z);
	buf_init(&val, LABEL_MAX_FIELD);
	rc = zpl_begin(z, t->width, t->height);
	for (size_t i = 0; !rc && i < t->nel; i++) {
		const struct label_el *e = &t->el[i];
		buf_reset(&val);
		if (e->content) {
			rc = tmpl_render(e->content, &c, &val);
			if (rc == -PL_ETOOBIG && e->kind == EL_TEXT)
				rc = 0; /* what fitted is shortened below like any long text */
			if (rc) {
				snprintf(why, why_len, "line %d: data longer than %d bytes",
					 e->line, LABEL_MAX_FIELD);
				break;
			}
		}
		const char *v = val.data ? val.data : "";
		switch (e->kind) {
		case EL_BOX:
			rc = zpl_box(z, e->x, e->y, e->w, e->h, e->t);
			break;
		case EL_TEXT:
			rc = v[0] ? render_text(e, v, z, shortened, why, why_len) : 0;
			break;
		case EL_CODE128:
		case EL_QR:
		case EL_DATAMATRIX:
			if (!v[0]) {
				if (e->required) {
					snprintf(why, why_len, "line %d: %s has no data", e->line,
						 el_names[e->kind].name);
					rc = -PL_EINVAL;
				}
				break;
			}
			if (strlen(v) > (size_t)e->max) {
				snprintf(why, why_len,
					 "line %d: %s data '%s' is longer than max=%d; a code is "
					 "never shortened",
					 e->line, el_names[e->kind].name, v, e->max);
				rc = -PL_EINVAL;
				break;
			}
			if (e->kind == EL_CODE128)
				rc = zpl_code128(z, e->x, e->y, e->module, e->h, e->hr, v);
			else if (e->kind == EL_QR)
				rc = zpl_qr(z, e->x, e->y, e->module, e->ecc, v);
			else
				rc = zpl_datamatrix(z, e->x, e->y, e->module, v);
			if (rc && !why[0])
				snprintf(why, why_len, "line %d: %s refused: %s", e->line,
					 el_names[e->kind].name,
					 e->kind == EL_CODE128
					     ? "Code 128 takes printable ASCII only"
					     : pl_strerror(rc));
			break;
		}
		if (rc && !why[0])
			snprintf(why, why_len, "line %d: %s", e->line, pl_strerror(rc));
	}
	if (!rc)
		rc = zpl_end(z);
	buf_release(&val);
	return rc;
}
