/* SPDX-License-Identifier: Apache-2.0 */
/* core/expr.c - compile and evaluate rule expressions (see expr.h).
 *
 * A hand-written recursive-descent parser builds an AST; and/or nodes are
 * n-ary so that a long chain of `or` does not make a deep tree, and the only
 * recursion that grows is through '(' and `not`, which are counted against
 * EXPR_MAX_DEPTH. Every node is also put on one allocation list owned by the
 * expression, so freeing (after success or a half-built error) is a loop,
 * never a recursion.
 *
 * Types are checked while parsing: text, number (with a fixed number of
 * decimals: money has 2, counts 0, quantities 3), boolean, and list of text.
 * Numbers are exact integers with a scale; they are compared in 128 bits
 * after bringing both sides to the same scale, so `total >= 450.00` is
 * 45000 grosze against the order's grosze with no floating point anywhere.
 */
#include "core/expr.h"

#include "base/diag.h"
#include "base/err.h"
#include "core/fold.h"
#include "core/money.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- fields ---------------------------------------------------------------- */

enum ex_type { EXT_STR, EXT_NUM, EXT_BOOL, EXT_LIST };

enum ex_get {
	GET_STR,     /* char array at off */
	GET_MONEY,   /* int64 minor units at off */
	GET_TAGS,    /* list: tags[0..ntags) */
	GET_SKUS,    /* list: lines[].sku */
	GET_EANS,    /* list: lines[].ean */
	GET_NLINES,  /* number of lines */
	GET_QTY,     /* sum of line quantities, thousandths */
	GET_COMPANY, /* bool: company name or NIP given */
};

struct ex_field {
	const char *name;
	enum ex_type type;
	int scale; /* EXT_NUM: decimals of the value */
	enum ex_get get;
	size_t off;
};

/* One row per field; X(name, type, decimals, how to read, offset). */
#define EX_FIELDS(X)                                                                               \
	X("buyer.nip", EXT_STR, 0, GET_STR, offsetof(struct order, buyer.nip))                     \
	X("buyer.name", EXT_STR, 0, GET_STR, offsetof(struct order, buyer.name))                   \
	X("buyer.company", EXT_STR, 0, GET_STR, offsetof(struct order, buyer.company))             \
	X("buyer.email", EXT_STR, 0, GET_STR, offsetof(struct order, buyer.email))                 \
	X("buyer.phone", EXT_STR, 0, GET_STR, offsetof(struct order, buyer.phone))                 \
	X("buyer.country", EXT_STR, 0, GET_STR, offsetof(struct order, buyer.country))             \
	X("buyer.city", EXT_STR, 0, GET_STR, offsetof(struct order, buyer.billing.city))           \
	X("buyer.is_company", EXT_BOOL, 0, GET_COMPANY, 0)                                         \
	X("notes", EXT_STR, 0, GET_STR, offsetof(struct order, notes))                             \
	X("status", EXT_STR, 0, GET_STR, offsetof(struct order, status))                           \
	X("number", EXT_STR, 0, GET_STR, offsetof(struct order, number))                           \
	X("ext_id", EXT_STR, 0, GET_STR, offsetof(struct order, ext_id))                           \
	X("source", EXT_STR, 0, GET_STR, offsetof(struct order, source))                           \
	X("currency", EXT_STR, 0, GET_STR, offsetof(struct order, currency))                       \
	X("total", EXT_NUM, 2, GET_MONEY, offsetof(struct order, total))                           \
	X("payment.type", EXT_STR, 0, GET_STR, offsetof(struct order, payment.type))               \
	X("payment.status", EXT_STR, 0, GET_STR, offsetof(struct order, payment.status))           \
	X("payment.paid", EXT_NUM, 2, GET_MONEY, offsetof(struct order, payment.paid))             \
	X("delivery.method", EXT_STR, 0, GET_STR, offsetof(struct order, delivery.method))         \
	X("delivery.country", EXT_STR, 0, GET_STR,                                                 \
	  offsetof(struct order, delivery.address.country))                                        \
	X("delivery.city", EXT_STR, 0, GET_STR, offsetof(struct order, delivery.address.city))     \
	X("delivery.postcode", EXT_STR, 0, GET_STR,                                                \
	  offsetof(struct order, delivery.address.postcode))                                       \
	X("delivery.pickup_point", EXT_STR, 0, GET_STR,                                            \
	  offsetof(struct order, delivery.pickup_point))                                           \
	X("delivery.cost", EXT_NUM, 2, GET_MONEY, offsetof(struct order, delivery.cost))           \
	X("buyer.address.street", EXT_STR, 0, GET_STR,                                             \
	  offsetof(struct order, buyer.billing.street))                                            \
	X("buyer.address.postcode", EXT_STR, 0, GET_STR,                                           \
	  offsetof(struct order, buyer.billing.postcode))                                          \
	X("buyer.address.city", EXT_STR, 0, GET_STR, offsetof(struct order, buyer.billing.city))   \
	X("buyer.address.country", EXT_STR, 0, GET_STR,                                            \
	  offsetof(struct order, buyer.billing.country))                                           \
	X("delivery.address.street", EXT_STR, 0, GET_STR,                                          \
	  offsetof(struct order, delivery.address.street))                                         \
	X("delivery.address.postcode", EXT_STR, 0, GET_STR,                                        \
	  offsetof(struct order, delivery.address.postcode))                                       \
	X("delivery.address.city", EXT_STR, 0, GET_STR,                                            \
	  offsetof(struct order, delivery.address.city))                                           \
	X("delivery.address.country", EXT_STR, 0, GET_STR,                                         \
	  offsetof(struct order, delivery.address.country))                                        \
	X("tags", EXT_LIST, 0, GET_TAGS, 0)                                                        \
	X("lines.count", EXT_NUM, 0, GET_NLINES, 0)                                                \
	X("lines.qty", EXT_NUM, 3, GET_QTY, 0)                                                     \
	X("lines.sku", EXT_LIST, 0, GET_SKUS, 0)                                                   \
	X("lines.ean", EXT_LIST, 0, GET_EANS, 0)

#define EX_FIELD_ROW(n, t, sc, g, off)  {n, t, sc, g, off},
#define EX_FIELD_NAME(n, t, sc, g, off) n,
static const struct ex_field ex_fields[] = {EX_FIELDS(EX_FIELD_ROW)};
static const char *const ex_field_name_list[] = {EX_FIELDS(EX_FIELD_NAME) NULL};
#define EX_NFIELDS (sizeof(ex_fields) / sizeof(ex_fields[0]))

const char *const *expr_field_names(void)
{
	return ex_field_name_list;
}

/* ---- the tree -------------------------------------------------------------- */

enum ex_kind { EN_OR, EN_AND, EN_NOT, EN_CMP, EN_IN, EN_EMPTY, EN_TRUTH };
enum ex_cmp { EC_EQ, EC_NE, EC_LT, EC_LE, EC_GT, EC_GE, EC_HAS, EC_NHAS, EC_WORD };

struct ex_operand {
	const struct ex_field *field; /* NULL: a literal */
	enum ex_type type;
	char *s; /* EXT_STR literal, owned */
	int64_t num;
	int scale; /* EXT_NUM literal: decimals written */
	bool b;
	size_t off, len; /* source span */
};

struct ex_node {
	enum ex_kind kind;
	size_t off, len; /* source span, for explain */
	struct ex_node **kids;
	size_t nkids;
	enum ex_cmp cmp;
	bool negate; /* `not in` */
	struct ex_operand a, b;
	struct ex_operand *set; /* EN_IN */
	size_t nset;
	struct ex_node *next_alloc;
};

struct expr {
	struct ex_node *root;
	struct ex_node *nodes; /* every node, for freeing */
	char *src;             /* the text as given */
	char *text;            /* whitespace collapsed */
};

/* ---- lexer ----------------------------------------------------------------- */

enum ex_tok { T_END, T_LPAREN, T_RPAREN, T_COMMA, T_STR, T_NUM, T_IDENT, T_OP, T_ERR };

struct ex_token {
	enum ex_tok kind;
	size_t off, len;
	enum ex_cmp cmp; /* T_OP */
};

struct ex_parser {
	const char *s;
	size_t len;
	size_t pos;
	struct ex_token cur;
	int depth;
	struct expr *e;
	struct expr_error *err;
	int rc; /* first error */
};

static void ex_where(const char *s, size_t off, int *line, int *col)
{
	int l = 1, c = 1;

	for (size_t i = 0; i < off && s[i]; i++) {
		if (s[i] == '\n') {
			l++;
			c = 1;
		} else if (((unsigned char)s[i] & 0xC0) != 0x80) {
			c++;
		}
	}
	*line = l;
	*col = c;
}

static void ex_fail(struct ex_parser *p, size_t off, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void ex_fail(struct ex_parser *p, size_t off, int rc, const char *fmt, ...)
{
	va_list ap;

	if (p->rc)
		return; /* keep the first error: later ones are usually its echo */
	p->rc = rc;
	if (!p->err)
		return;
	p->err->offset = off;
	ex_where(p->s, off, &p->err->line, &p->err->col);
	va_start(ap, fmt);
	vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
	va_end(ap);
}

/* Column (characters, 1-based) of an offset, for messages naming a second place. */
static int ex_col(const struct ex_parser *p, size_t off)
{
	int line, col;

	ex_where(p->s, off, &line, &col);
	return col;
}

static bool ex_isident0(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool ex_isident(char c)
{
	return ex_isident0(c) || (c >= '0' && c <= '9') || c == '.';
}

static bool ex_isdigit(char c)
{
	return c >= '0' && c <= '9';
}

/* Printable description of a token for "found ..." in messages. */
static void ex_tokdesc(const struct ex_parser *p, const struct ex_token *t, char *out, size_t size)
{
	if (t->kind == T_END) {
		snprintf(out, size, "the end of the expression");
		return;
	}
	if (t->len > 40)
		snprintf(out, size, "'%.37s...'", p->s + t->off);
	else
		snprintf(out, size, "'%.*s'", (int)t->len, p->s + t->off);
}

static void ex_lex(struct ex_parser *p)
{
	const char *s = p->s;
	size_t i = p->pos;
	struct ex_token *t = &p->cur;

	while (i < p->len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
		i++;
	t->off = i;
	t->len = 1;
	if (i >= p->len) {
		t->kind = T_END;
		t->len = 0;
		p->pos = i;
		return;
	}
	switch (s[i]) {
	case '(':
		t->kind = T_LPAREN;
		break;
	case ')':
		t->kind = T_RPAREN;
		break;
	case ',':
		t->kind = T_COMMA;
		break;
	case '~':
		t->kind = T_OP;
		t->cmp = EC_HAS;
		break;
	case '=':
		if (s[i + 1] != '=') {
			ex_fail(p, i, -PL_EINVAL, "'=' is not an operator: write '==' to compare");
			t->kind = T_ERR;
			return;
		}
		t->kind = T_OP;
		t->cmp = EC_EQ;
		t->len = 2;
		break;
	case '!':
		if (s[i + 1] == '=') {
			t->cmp = EC_NE;
		} else if (s[i + 1] == '~') {
			t->cmp = EC_NHAS;
		} else {
			ex_fail(p, i, -PL_EINVAL, "unexpected '!': write 'not' to negate");
			t->kind = T_ERR;
			return;
		}
		t->kind = T_OP;
		t->len = 2;
		break;
	case '<':
	case '>':
		t->kind = T_OP;
		if (s[i + 1] == '=') {
			t->cmp = s[i] == '<' ? EC_LE : EC_GE;
			t->len = 2;
		} else if (s[i] == '<' && s[i + 1] == '>') {
			ex_fail(p, i, -PL_EINVAL, "'<>' is not an operator: write '!='");
			t->kind = T_ERR;
			return;
		} else {
			t->cmp = s[i] == '<' ? EC_LT : EC_GT;
		}
		break;
	case '&':
		ex_fail(p, i, -PL_EINVAL, "unexpected '&': write 'and'");
		t->kind = T_ERR;
		return;
	case '|':
		ex_fail(p, i, -PL_EINVAL, "unexpected '|': write 'or'");
		t->kind = T_ERR;
		return;
	case '\'':
		ex_fail(p, i, -PL_EINVAL, "text goes in double quotes: \"...\"");
		t->kind = T_ERR;
		return;
	case '"': {
		size_t j = i + 1;
		while (j < p->len && s[j] != '"' && s[j] != '\n') {
			if (s[j] == '\\') {
				if (j + 1 < p->len && (s[j + 1] == '"' || s[j + 1] == '\\')) {
					j += 2;
					continue;
				}
				ex_fail(p, j, -PL_EINVAL,
					"unknown escape in text: only \\\" and \\\\ are allowed");
				t->kind = T_ERR;
				return;
			}
			j++;
		}
		if (j >= p->len || s[j] != '"') {
			ex_fail(p, i, -PL_EINVAL,
				"text is not closed: '\"' missing before the end of %s",
				j < p->len ? "the line" : "the expression");
			t->kind = T_ERR;
			return;
		}
		t->kind = T_STR;
		t->len = j + 1 - i;
		break;
	}
	default:
		if (ex_isdigit(s[i]) || (s[i] == '-' && ex_isdigit(s[i + 1])) || s[i] == '.') {
			size_t j = i + (s[i] == '-');
			while (j < p->len && ex_isdigit(s[j]))
				j++;
			if (j < p->len && s[j] == '.') {
				size_t k = j + 1;
				while (k < p->len && ex_isdigit(s[k]))
					k++;
				if (k == j + 1 || j == i + (s[i] == '-')) {
					ex_fail(
					    p, i, -PL_EINVAL,
					    "bad number: write digits on both sides of '.' (0.50)");
					t->kind = T_ERR;
					return;
				}
				j = k;
			}
			if (j < p->len && ex_isident(s[j])) {
				size_t k = j;
				while (k < p->len && ex_isident(s[k]))
					k++;
				ex_fail(p, i, -PL_EINVAL, "bad number '%.*s'", (int)(k - i), s + i);
				t->kind = T_ERR;
				return;
			}
			t->kind = T_NUM;
			t->len = j - i;
			break;
		}
		if (ex_isident0(s[i])) {
			size_t j = i;
			while (j < p->len && ex_isident(s[j]))
				j++;
			t->kind = T_IDENT;
			t->len = j - i;
			break;
		}
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7F)
			ex_fail(p, i, -PL_EINVAL, "unexpected character (byte 0x%02X)",
				(unsigned char)s[i]);
		else
			ex_fail(p, i, -PL_EINVAL, "unexpected '%c'", s[i]);
		t->kind = T_ERR;
		return;
	}
	p->pos = i + t->len;
}

static bool ex_is_kw(const struct ex_parser *p, const struct ex_token *t, const char *kw)
{
	size_t n = strlen(kw);
	return t->kind == T_IDENT && t->len == n && strncasecmp(p->s + t->off, kw, n) == 0;
}

static bool ex_peek_is(const struct ex_parser *p, char c)
{
	size_t i = p->pos;
	while (i < p->len &&
	       (p->s[i] == ' ' || p->s[i] == '\t' || p->s[i] == '\n' || p->s[i] == '\r'))
		i++;
	return i < p->len && p->s[i] == c;
}

/* Next token after the current one is the keyword kw (for `not in`). */
static bool ex_peek_kw(const struct ex_parser *p, const char *kw)
{
	struct ex_parser q = *p;
	q.err = NULL;
	q.rc = 0;
	ex_lex(&q);
	return q.rc == 0 && ex_is_kw(&q, &q.cur, kw);
}

/* ---- nodes ----------------------------------------------------------------- */

static struct ex_node *ex_node_new(struct ex_parser *p, enum ex_kind kind, size_t off)
{
	struct ex_node *n = calloc(1, sizeof(*n));

	if (!n) {
		ex_fail(p, off, -PL_ENOMEM, "out of memory");
		return NULL;
	}
	n->kind = kind;
	n->off = off;
	n->next_alloc = p->e->nodes;
	p->e->nodes = n;
	return n;
}

static int ex_add_kid(struct ex_parser *p, struct ex_node *n, struct ex_node *kid)
{
	struct ex_node **v = realloc(n->kids, (n->nkids + 1) * sizeof(*v));

	if (!v) {
		ex_fail(p, kid->off, -PL_ENOMEM, "out of memory");
		return -PL_ENOMEM;
	}
	n->kids = v;
	n->kids[n->nkids++] = kid;
	return 0;
}

static void ex_span_to(struct ex_node *n, size_t end)
{
	if (end > n->off)
		n->len = end - n->off;
}

static const struct ex_field *ex_field_find(const char *name, size_t len)
{
	for (size_t i = 0; i < EX_NFIELDS; i++)
		if (strlen(ex_fields[i].name) == len &&
		    strncasecmp(ex_fields[i].name, name, len) == 0)
			return &ex_fields[i];
	return NULL;
}

/* Edit distance, capped: for "did you mean". */
static size_t ex_distance(const char *a, size_t la, const char *b)
{
	size_t lb = strlen(b), row[64], prev, tmp;

	if (la >= 63 || lb >= 63)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			char ca = a[i - 1], cb = b[j - 1];
			size_t best;
			if (ca >= 'A' && ca <= 'Z')
				ca = (char)(ca + 32);
			tmp = row[j];
			best = prev + (ca != cb);
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = tmp;
		}
	}
	return row[lb];
}

static const char *ex_suggest(const char *name, size_t len)
{
	const char *best = NULL;
	size_t bestd;

	/* a hint only when close: a third of the name may differ ("buyer.vat") */
	bestd = len / 3 + 1;
	if (bestd < 2)
		bestd = 2;
	for (size_t i = 0; i < EX_NFIELDS; i++) {
		size_t d = ex_distance(name, len, ex_fields[i].name);
		if (d < bestd) {
			bestd = d;
			best = ex_fields[i].name;
		}
	}
	/* the tail alone: "nip" -> buyer.nip */
	if (!best) {
		for (size_t i = 0; i < EX_NFIELDS; i++) {
			const char *dot = strrchr(ex_fields[i].name, '.');
			if (dot && strlen(dot + 1) == len && strncasecmp(dot + 1, name, len) == 0)
				return ex_fields[i].name;
		}
	}
	return best;
}

static const char *ex_type_name(enum ex_type t)
{
	switch (t) {
	case EXT_STR:
		return "text";
	case EXT_NUM:
		return "a number";
	case EXT_BOOL:
		return "true/false";
	case EXT_LIST:
		return "a list of text";
	}
	return "?";
}

/* Decode a T_STR token into a new string. */
static char *ex_decode_str(struct ex_parser *p, const struct ex_token *t)
{
	char *out = malloc(t->len);
	size_t n = 0;

	if (!out) {
		ex_fail(p, t->off, -PL_ENOMEM, "out of memory");
		return NULL;
	}
	for (size_t i = t->off + 1; i < t->off + t->len - 1; i++) {
		if (p->s[i] == '\\')
			i++;
		out[n++] = p->s[i];
	}
	out[n] = '\0';
	return out;
}

/* Parse a T_NUM token exactly: value and number of decimals. */
static int ex_decode_num(struct ex_parser *p, const struct ex_token *t, int64_t *val, int *scale)
{
	const char *s = p->s + t->off;
	size_t i = 0, digits = 0;
	bool neg = false, frac = false;
	int64_t v = 0;
	int sc = 0;

	if (s[0] == '-') {
		neg = true;
		i++;
	}
	for (; i < t->len; i++) {
		if (s[i] == '.') {
			frac = true;
			continue;
		}
		if (v != 0 || s[i] != '0')
			digits++;
		if (digits > 18) {
			ex_fail(p, t->off, -PL_EINVAL, "number too long (at most 18 digits)");
			return -PL_EINVAL;
		}
		v = v * 10 + (s[i] - '0');
		if (frac)
			sc++;
	}
	if (sc > 6) {
		ex_fail(p, t->off, -PL_EINVAL, "number has too many decimals (at most 6)");
		return -PL_EINVAL;
	}
	*val = neg ? -v : v;
	*scale = sc;
	return 0;
}

/* ---- parser ---------------------------------------------------------------- */

static struct ex_node *ex_parse_or(struct ex_parser *p);

static void ex_expected_value(struct ex_parser *p)
{
	char found[64];

	if (p->cur.kind == T_ERR)
		return;
	ex_tokdesc(p, &p->cur, found, sizeof(found));
	ex_fail(p, p->cur.off, -PL_EINVAL,
		"expected a value (a field, \"text\", a number, true or false), found %s", found);
}

static void ex_operand_release(struct ex_operand *o)
{
	free(o->s);
	o->s = NULL;
}

static int ex_parse_operand(struct ex_parser *p, struct ex_operand *o)
{
	struct ex_token t = p->cur;

	memset(o, 0, sizeof(*o));
	o->off = t.off;
	o->len = t.len;
	switch (t.kind) {
	case T_STR:
		o->type = EXT_STR;
		o->s = ex_decode_str(p, &t);
		if (!o->s)
			return -1;
		break;
	case T_NUM:
		o->type = EXT_NUM;
		if (ex_decode_num(p, &t, &o->num, &o->scale))
			return -1;
		break;
	case T_IDENT:
		if (ex_is_kw(p, &t, "true") || ex_is_kw(p, &t, "false")) {
			o->type = EXT_BOOL;
			o->b = ex_is_kw(p, &t, "true");
			break;
		}
		if (ex_is_kw(p, &t, "and") || ex_is_kw(p, &t, "or") || ex_is_kw(p, &t, "not") ||
		    ex_is_kw(p, &t, "in")) {
			ex_expected_value(p);
			return -1;
		}
		o->field = ex_field_find(p->s + t.off, t.len);
		if (!o->field) {
			const char *hint = ex_suggest(p->s + t.off, t.len);
			if (hint)
				ex_fail(p, t.off, -PL_EINVAL,
					"unknown field '%.*s' (did you mean %s?)", (int)t.len,
					p->s + t.off, hint);
			else
				ex_fail(p, t.off, -PL_EINVAL,
					"unknown field '%.*s' (fields are listed in docs/rules.md; "
					"text values go in double quotes)",
					(int)t.len, p->s + t.off);
			return -1;
		}
		o->type = o->field->type;
		break;
	default:
		ex_expected_value(p);
		return -1;
	}
	ex_lex(p);
	if (p->cur.kind == T_ERR) {
		/* the caller may hold o on its stack: leave nothing owned */
		ex_operand_release(o);
		return -1;
	}
	return 0;
}

/* Name of an operand for messages: the field name or the literal text. */
static void ex_operand_desc(const struct ex_parser *p, const struct ex_operand *o, char *out,
			    size_t size)
{
	if (o->field)
		snprintf(out, size, "%s", o->field->name);
	else if (o->len > 40)
		snprintf(out, size, "%.37s...", p->s + o->off);
	else
		snprintf(out, size, "%.*s", (int)o->len, p->s + o->off);
}

static const char *ex_cmp_name(enum ex_cmp c)
{
	static const char *const names[] = {"==", "!=", "<", "<=", ">", ">=", "~", "!~", "word"};
	return names[c];
}

/* A number literal compared with a number field must not have more decimals
 * than the field: money has 2, a count none. */
static int ex_check_scale(struct ex_parser *p, const struct ex_operand *field,
			  const struct ex_operand *lit)
{
	if (!field->field || lit->field || field->type != EXT_NUM || lit->type != EXT_NUM)
		return 0;
	if (lit->scale <= field->field->scale)
		return 0;
	if (field->field->scale == 0)
		ex_fail(p, lit->off, -PL_EINVAL, "%s is a whole number: write it without decimals",
			field->field->name);
	else if (field->field->get == GET_MONEY)
		ex_fail(p, lit->off, -PL_EINVAL,
			"%s is money in major units with at most 2 decimals (450.00)",
			field->field->name);
	else
		ex_fail(p, lit->off, -PL_EINVAL, "%s has at most %d decimals", field->field->name,
			field->field->scale);
	return -PL_EINVAL;
}

static int ex_type_check_cmp(struct ex_parser *p, struct ex_node *n, size_t op_off)
{
	struct ex_operand *a = &n->a, *b = &n->b;
	char da[64], db[64];
	enum ex_cmp c = n->cmp;

	ex_operand_desc(p, a, da, sizeof(da));
	ex_operand_desc(p, b, db, sizeof(db));
	if (b->type == EXT_LIST) {
		ex_fail(p, b->off, -PL_EINVAL, "put the list %s on the left: %s %s %s", db, db,
			ex_cmp_name(c), da);
		return -1;
	}
	if (a->type == EXT_LIST) {
		if (b->type != EXT_STR) {
			ex_fail(p, b->off, -PL_EINVAL,
				"%s is a list of text: compare it with \"text\"", da);
			return -1;
		}
		if (c != EC_EQ && c != EC_NE && c != EC_HAS && c != EC_NHAS) {
			ex_fail(
			    p, op_off, -PL_EINVAL,
			    "'%s' compares numbers; %s is a list of text (use ==, !=, ~, !~, in)",
			    ex_cmp_name(c), da);
			return -1;
		}
		return 0;
	}
	if (a->type != b->type) {
		if (a->field && a->type == EXT_STR && b->type == EXT_NUM && !b->field)
			ex_fail(p, b->off, -PL_EINVAL,
				"%s is text and %s is a number: write \"%s\" in double quotes", da,
				db, db);
		else if (a->field && a->type == EXT_NUM && b->type == EXT_STR && !b->field)
			ex_fail(p, b->off, -PL_EINVAL,
				"%s is a number: write the value without quotes", da);
		else
			ex_fail(p, b->off, -PL_EINVAL, "cannot compare %s (%s) with %s (%s)", da,
				ex_type_name(a->type), db, ex_type_name(b->type));
		return -1;
	}
	switch (a->type) {
	case EXT_STR:
		if (c == EC_LT || c == EC_LE || c == EC_GT || c == EC_GE) {
			ex_fail(p, op_off, -PL_EINVAL,
				"'%s' compares numbers; %s is text (use ==, !=, ~, !~, in)",
				ex_cmp_name(c), a->field ? da : db);
			return -1;
		}
		return 0;
	case EXT_NUM:
		if (c == EC_HAS || c == EC_NHAS) {
			ex_fail(p, op_off, -PL_EINVAL,
				"'%s' looks for text; %s is a number (use ==, !=, <, <=, >, >=)",
				ex_cmp_name(c), a->field ? da : db);
			return -1;
		}
		if (ex_check_scale(p, a, b) || ex_check_scale(p, b, a))
			return -1;
		return 0;
	case EXT_BOOL:
		if (c != EC_EQ && c != EC_NE) {
			ex_fail(p, op_off, -PL_EINVAL,
				"'%s' does not apply to true/false (use == or !=)", ex_cmp_name(c));
			return -1;
		}
		return 0;
	case EXT_LIST:
		break;
	}
	return 0;
}

/* `x in ("a", "b")` / `x not in (...)`; cur is at `in`. */
static struct ex_node *ex_parse_in(struct ex_parser *p, struct ex_node *n)
{
	size_t lparen;

	if (n->a.type == EXT_BOOL) {
		ex_fail(p, p->cur.off, -PL_EINVAL, "'in' needs text or a number on its left");
		return NULL;
	}
	n->kind = EN_IN;
	ex_lex(p);
	if (p->cur.kind != T_LPAREN) {
		char found[64];
		if (p->cur.kind == T_ERR)
			return NULL;
		ex_tokdesc(p, &p->cur, found, sizeof(found));
		ex_fail(p, p->cur.off, -PL_EINVAL, "expected '(' after 'in', found %s", found);
		return NULL;
	}
	lparen = p->cur.off;
	ex_lex(p);
	for (;;) {
		struct ex_operand v, *set;
		enum ex_type want = n->a.type == EXT_LIST ? EXT_STR : n->a.type;

		if (p->cur.kind == T_ERR)
			return NULL;
		if (ex_parse_operand(p, &v))
			return NULL;
		set = realloc(n->set, (n->nset + 1) * sizeof(*set));
		if (!set) {
			ex_operand_release(&v);
			ex_fail(p, v.off, -PL_ENOMEM, "out of memory");
			return NULL;
		}
		n->set = set;
		n->set[n->nset++] = v;
		if (v.field) {
			ex_fail(p, v.off, -PL_EINVAL,
				"the list after 'in' holds values, not fields (%s)", v.field->name);
			return NULL;
		}
		if (v.type != want) {
			char da[64];
			ex_operand_desc(p, &n->a, da, sizeof(da));
			ex_fail(p, v.off, -PL_EINVAL, "%s is %s but this value is %s", da,
				ex_type_name(want), ex_type_name(v.type));
			return NULL;
		}
		if (ex_check_scale(p, &n->a, &v))
			return NULL;
		if (p->cur.kind == T_COMMA) {
			ex_lex(p);
			continue;
		}
		if (p->cur.kind == T_RPAREN)
			break;
		if (p->cur.kind != T_ERR) {
			char found[64];
			ex_tokdesc(p, &p->cur, found, sizeof(found));
			ex_fail(p, p->cur.off, -PL_EINVAL,
				"expected ',' or ')' to close the '(' at column %d, found %s",
				ex_col(p, lparen), found);
		}
		return NULL;
	}
	ex_span_to(n, p->cur.off + 1);
	ex_lex(p);
	return p->cur.kind == T_ERR ? NULL : n;
}

/* Expect ')' closing the '(' at lparen; advance past it. */
static int ex_expect_rparen(struct ex_parser *p, size_t lparen)
{
	char found[64];

	if (p->cur.kind == T_RPAREN)
		return 0;
	if (p->cur.kind != T_ERR) {
		ex_tokdesc(p, &p->cur, found, sizeof(found));
		ex_fail(p, p->cur.off, -PL_EINVAL,
			"expected ')' to close the '(' at column %d, found %s", ex_col(p, lparen),
			found);
	}
	return -1;
}

/* word(FIELD, "text"): FIELD holds "text" as a whole word; cur is at `word`. */
static struct ex_node *ex_parse_word(struct ex_parser *p)
{
	struct ex_node *n = ex_node_new(p, EN_CMP, p->cur.off);
	size_t lparen;

	if (!n)
		return NULL;
	n->cmp = EC_WORD;
	ex_lex(p);
	lparen = p->cur.off;
	ex_lex(p);
	if (p->cur.kind == T_ERR || ex_parse_operand(p, &n->a))
		return NULL;
	if (!n->a.field || (n->a.type != EXT_STR && n->a.type != EXT_LIST)) {
		ex_fail(p, n->a.off, -PL_EINVAL, "word() takes a text or list field first");
		return NULL;
	}
	if (p->cur.kind != T_COMMA) {
		char found[64];
		if (p->cur.kind == T_ERR)
			return NULL;
		ex_tokdesc(p, &p->cur, found, sizeof(found));
		ex_fail(p, p->cur.off, -PL_EINVAL,
			"expected ',' in word(field, \"text\"), found %s", found);
		return NULL;
	}
	ex_lex(p);
	if (p->cur.kind == T_ERR || ex_parse_operand(p, &n->b))
		return NULL;
	if (n->b.field || n->b.type != EXT_STR) {
		ex_fail(p, n->b.off, -PL_EINVAL, "word() takes \"text\" second");
		return NULL;
	}
	if (ex_expect_rparen(p, lparen))
		return NULL;
	ex_span_to(n, p->cur.off + 1);
	ex_lex(p);
	return p->cur.kind == T_ERR ? NULL : n;
}

static struct ex_node *ex_parse_primary(struct ex_parser *p)
{
	struct ex_node *n;
	size_t start = p->cur.off;

	if (p->cur.kind == T_ERR)
		return NULL;
	if (p->cur.kind == T_LPAREN) {
		if (++p->depth > EXPR_MAX_DEPTH) {
			ex_fail(p, start, -PL_ETOOBIG, "nested deeper than %d levels",
				EXPR_MAX_DEPTH);
			return NULL;
		}
		ex_lex(p);
		n = ex_parse_or(p);
		if (!n)
			return NULL;
		if (p->cur.kind != T_RPAREN) {
			char found[64];
			if (p->cur.kind == T_ERR)
				return NULL;
			ex_tokdesc(p, &p->cur, found, sizeof(found));
			ex_fail(p, p->cur.off, -PL_EINVAL,
				"expected ')' to close the '(' at column %d, found %s",
				ex_col(p, start), found);
			return NULL;
		}
		p->depth--;
		/* the span includes the parentheses, as the user wrote it */
		n->off = start;
		ex_span_to(n, p->cur.off + 1);
		ex_lex(p);
		return p->cur.kind == T_ERR ? NULL : n;
	}
	if (ex_is_kw(p, &p->cur, "empty") && ex_peek_is(p, '(')) {
		size_t lparen;
		n = ex_node_new(p, EN_EMPTY, start);
		if (!n)
			return NULL;
		ex_lex(p);
		lparen = p->cur.off;
		ex_lex(p);
		if (ex_parse_operand(p, &n->a))
			return NULL;
		if (!n->a.field || (n->a.type != EXT_STR && n->a.type != EXT_LIST)) {
			ex_fail(p, n->a.off, -PL_EINVAL, "empty() takes a text or list field");
			return NULL;
		}
		if (p->cur.kind != T_RPAREN) {
			char found[64];
			if (p->cur.kind == T_ERR)
				return NULL;
			ex_tokdesc(p, &p->cur, found, sizeof(found));
			ex_fail(p, p->cur.off, -PL_EINVAL,
				"expected ')' to close the '(' at column %d, found %s",
				ex_col(p, lparen), found);
			return NULL;
		}
		ex_span_to(n, p->cur.off + 1);
		ex_lex(p);
		return p->cur.kind == T_ERR ? NULL : n;
	}
	if (ex_is_kw(p, &p->cur, "word") && ex_peek_is(p, '('))
		return ex_parse_word(p);
	n = ex_node_new(p, EN_CMP, start);
	if (!n)
		return NULL;
	if (ex_parse_operand(p, &n->a))
		return NULL;
	if (p->cur.kind == T_OP) {
		size_t op_off = p->cur.off;
		n->cmp = p->cur.cmp;
		ex_lex(p);
		if (p->cur.kind == T_ERR || ex_parse_operand(p, &n->b))
			return NULL;
		ex_span_to(n, n->b.off + n->b.len);
		if (ex_type_check_cmp(p, n, op_off))
			return NULL;
		return n;
	}
	if (ex_is_kw(p, &p->cur, "in"))
		return ex_parse_in(p, n);
	if (ex_is_kw(p, &p->cur, "not") && ex_peek_kw(p, "in")) {
		n->negate = true;
		ex_lex(p);
		return ex_parse_in(p, n);
	}
	ex_span_to(n, n->a.off + n->a.len);
	if (n->a.type == EXT_BOOL) {
		n->kind = EN_TRUTH;
		return n;
	}
	{
		char da[64];
		ex_operand_desc(p, &n->a, da, sizeof(da));
		if (p->cur.kind == T_IDENT && !ex_is_kw(p, &p->cur, "and") &&
		    !ex_is_kw(p, &p->cur, "or")) {
			char found[64];
			ex_tokdesc(p, &p->cur, found, sizeof(found));
			ex_fail(p, p->cur.off, -PL_EINVAL,
				"expected an operator (==, !=, <, >, ~, in ...) after %s, found %s",
				da, found);
		} else if (p->cur.kind == T_STR || p->cur.kind == T_NUM) {
			char found[64];
			ex_tokdesc(p, &p->cur, found, sizeof(found));
			ex_fail(p, p->cur.off, -PL_EINVAL,
				"expected an operator (==, !=, <, >, ~, in ...) after %s, found %s",
				da, found);
		} else if (n->a.type == EXT_STR && n->a.field) {
			ex_fail(p, n->a.off, -PL_EINVAL,
				"%s is text, not a condition: compare it (%s == \"...\") "
				"or test not empty(%s)",
				da, da, da);
		} else {
			ex_fail(p, n->a.off, -PL_EINVAL,
				"%s is %s, not a condition: compare it with something", da,
				ex_type_name(n->a.type));
		}
	}
	return NULL;
}

static struct ex_node *ex_parse_not(struct ex_parser *p)
{
	struct ex_node *n, *kid;
	size_t start = p->cur.off;

	if (!ex_is_kw(p, &p->cur, "not"))
		return ex_parse_primary(p);
	if (++p->depth > EXPR_MAX_DEPTH) {
		ex_fail(p, start, -PL_ETOOBIG, "nested deeper than %d levels", EXPR_MAX_DEPTH);
		return NULL;
	}
	ex_lex(p);
	kid = ex_parse_not(p);
	if (!kid)
		return NULL;
	p->depth--;
	n = ex_node_new(p, EN_NOT, start);
	if (!n || ex_add_kid(p, n, kid))
		return NULL;
	ex_span_to(n, kid->off + kid->len);
	return n;
}

/* One level of the n-ary and/or: sub parses the operands. */
static struct ex_node *ex_parse_chain(struct ex_parser *p, const char *kw, enum ex_kind kind,
				      struct ex_node *(*sub)(struct ex_parser *))
{
	struct ex_node *first, *n, *kid;

	first = sub(p);
	if (!first || !ex_is_kw(p, &p->cur, kw))
		return first;
	n = ex_node_new(p, kind, first->off);
	if (!n || ex_add_kid(p, n, first))
		return NULL;
	while (ex_is_kw(p, &p->cur, kw)) {
		ex_lex(p);
		kid = sub(p);
		if (!kid || ex_add_kid(p, n, kid))
			return NULL;
		ex_span_to(n, kid->off + kid->len);
	}
	return n;
}

static struct ex_node *ex_parse_and(struct ex_parser *p)
{
	return ex_parse_chain(p, "and", EN_AND, ex_parse_not);
}

static struct ex_node *ex_parse_or(struct ex_parser *p)
{
	return ex_parse_chain(p, "or", EN_OR, ex_parse_and);
}

/* ---- compile / free -------------------------------------------------------- */

void expr_free(struct expr *e)
{
	struct ex_node *n, *next;

	if (!e)
		return;
	for (n = e->nodes; n; n = next) {
		next = n->next_alloc;
		ex_operand_release(&n->a);
		ex_operand_release(&n->b);
		for (size_t i = 0; i < n->nset; i++)
			ex_operand_release(&n->set[i]);
		free(n->set);
		free(n->kids);
		free(n);
	}
	free(e->src);
	free(e->text);
	free(e);
}

/* Copy `len` bytes of s with every run of white space made one space. */
static void ex_collapse(const char *s, size_t len, char *out)
{
	size_t n = 0;
	bool space = false, quoted = false;

	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (quoted) {
			out[n++] = c;
			if (c == '\\' && i + 1 < len)
				out[n++] = s[++i];
			else if (c == '"')
				quoted = false;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			space = n > 0;
			continue;
		}
		if (space)
			out[n++] = ' ';
		space = false;
		if (c == '"')
			quoted = true;
		out[n++] = c;
	}
	out[n] = '\0';
}

int expr_compile(const char *text, struct expr **out, struct expr_error *err)
{
	struct ex_parser p;
	struct expr *e;
	size_t len;

	*out = NULL;
	if (err)
		memset(err, 0, sizeof(*err));
	memset(&p, 0, sizeof(p));
	p.s = text ? text : "";
	p.err = err;
	len = strlen(p.s);
	p.len = len;
	if (len > EXPR_MAX_LEN) {
		ex_fail(&p, 0, -PL_ETOOBIG, "expression too long (%zu bytes, at most %d)", len,
			EXPR_MAX_LEN);
		return p.rc;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return -PL_ENOMEM;
	p.e = e;
	e->src = malloc(len + 1);
	e->text = malloc(len + 1);
	if (!e->src || !e->text) {
		expr_free(e);
		return -PL_ENOMEM;
	}
	memcpy(e->src, p.s, len + 1);
	ex_collapse(p.s, len, e->text);
	/* parse the private copy: node spans point into e->src */
	p.s = e->src;
	ex_lex(&p);
	if (p.cur.kind == T_END) {
		ex_fail(&p, 0, -PL_EINVAL, "empty expression (write true to match every order)");
		goto err_free;
	}
	e->root = ex_parse_or(&p);
	if (!e->root)
		goto err_free;
	if (p.cur.kind != T_END) {
		char found[64];
		if (p.cur.kind == T_RPAREN) {
			ex_fail(&p, p.cur.off, -PL_EINVAL, "')' without a matching '('");
		} else if (p.cur.kind == T_COMMA) {
			ex_fail(&p, p.cur.off, -PL_EINVAL,
				"unexpected ',' (decimals are written with '.': 450.00)");
		} else if (p.cur.kind != T_ERR) {
			ex_tokdesc(&p, &p.cur, found, sizeof(found));
			ex_fail(&p, p.cur.off, -PL_EINVAL,
				"expected 'and', 'or' or the end, found %s", found);
		}
		goto err_free;
	}
	*out = e;
	return 0;

err_free:
	expr_free(e);
	return p.rc ? p.rc : -PL_EINVAL;
}

/* The closest of `list` to `s`, or NULL when none is close. A little looser
 * than ex_suggest: values are short words, and "payed" is two edits from
 * "paid". */
static const char *ex_closest(const char *s, const char *const *list)
{
	size_t len = strlen(s), bestd = len / 3 + 2;
	const char *best = NULL;

	if (bestd < 2)
		bestd = 2;
	for (; *list; list++) {
		size_t d = ex_distance(s, len, *list);
		if (d < bestd) {
			bestd = d;
			best = *list;
		}
	}
	return best;
}

static void ex_lint_value(const struct ex_field *f, const struct ex_operand *lit, struct diag *d,
			  const char *where, const char *rule)
{
	const char *const *names = NULL;
	const char *what, *hint;
	bool known;

	if (!f || lit->field || lit->type != EXT_STR || !lit->s || !lit->s[0])
		return;
	if (strcmp(f->name, "status") == 0) {
		known = order_status_known(lit->s);
		names = order_status_names();
		what = "order status";
	} else if (strcmp(f->name, "payment.type") == 0) {
		known = order_payment_type_known(lit->s);
		names = order_payment_type_names();
		what = "payment type";
	} else if (strcmp(f->name, "payment.status") == 0) {
		known = order_payment_status_known(lit->s);
		names = order_payment_status_names();
		what = "payment status";
	} else if (strcmp(f->name, "source") == 0) {
		known = order_source_known(lit->s);
		names = order_source_names();
		what = "order source";
	} else if (strcmp(f->name, "currency") == 0) {
		known = currency_known(lit->s);
		what = "ISO 4217 currency code";
	} else {
		return;
	}
	if (known)
		return;
	hint = names ? ex_closest(lit->s, names) : NULL;
	/* a warning, not an error: a shop may use its own statuses */
	diag_warn(d, where, "rule \"%s\": %s \"%s\" is not a known %s%s%s%s", rule, f->name, lit->s,
		  what, hint ? " (did you mean '" : "", hint ? hint : "", hint ? "'?)" : "");
}

/* In source order (the tree, not the allocation list); depth is capped by
 * EXPR_MAX_DEPTH at compile time. */
static void ex_lint_node(const struct ex_node *n, struct diag *d, const char *where,
			 const char *rule)
{
	if (n->kind == EN_CMP && (n->cmp == EC_EQ || n->cmp == EC_NE)) {
		ex_lint_value(n->a.field, &n->b, d, where, rule);
		ex_lint_value(n->b.field, &n->a, d, where, rule);
	} else if (n->kind == EN_IN) {
		for (size_t i = 0; i < n->nset; i++)
			ex_lint_value(n->a.field, &n->set[i], d, where, rule);
	}
	for (size_t i = 0; i < n->nkids; i++)
		ex_lint_node(n->kids[i], d, where, rule);
}

void expr_lint(const struct expr *e, struct diag *d, const char *where, const char *rule)
{
	if (e && e->root)
		ex_lint_node(e->root, d, where, rule);
}

const char *expr_text(const struct expr *e)
{
	return e->text;
}

/* ---- evaluation ------------------------------------------------------------ */

struct ex_val {
	enum ex_type type;
	const char *s;
	int64_t num;
	int scale;
	bool b;
};

static size_t ex_list_count(const struct ex_field *f, const struct order *o)
{
	if (f->get == GET_TAGS)
		return o->ntags < ORDER_MAX_TAGS ? o->ntags : ORDER_MAX_TAGS;
	return o->lines ? o->nlines : 0;
}

static const char *ex_list_item(const struct ex_field *f, const struct order *o, size_t i)
{
	switch (f->get) {
	case GET_TAGS:
		return o->tags[i];
	case GET_SKUS:
		return o->lines[i].sku;
	case GET_EANS:
		return o->lines[i].ean;
	default:
		return "";
	}
}

static bool ex_blank(const char *s)
{
	for (; *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			return false;
	return true;
}

static void ex_value(const struct ex_operand *op, const struct order *o, struct ex_val *v)
{
	const struct ex_field *f = op->field;

	v->type = op->type;
	v->s = "";
	v->num = 0;
	v->scale = 0;
	v->b = false;
	if (!f) {
		v->s = op->s ? op->s : "";
		v->num = op->num;
		v->scale = op->scale;
		v->b = op->b;
		return;
	}
	v->scale = f->scale;
	switch (f->get) {
	case GET_STR:
		v->s = (const char *)o + f->off;
		break;
	case GET_MONEY:
		memcpy(&v->num, (const char *)o + f->off, sizeof(v->num));
		break;
	case GET_NLINES:
		v->num = o->lines ? (int64_t)o->nlines : 0;
		break;
	case GET_QTY:
		for (size_t i = 0; o->lines && i < o->nlines; i++)
			v->num += o->lines[i].qty;
		break;
	case GET_COMPANY:
		v->b = !ex_blank(o->buyer.company) || !ex_blank(o->buyer.nip);
		break;
	case GET_TAGS:
	case GET_SKUS:
	case GET_EANS:
		break; /* lists are walked by the caller */
	}
}

/* Compare a->num / 10^a->scale with b->num / 10^b->scale exactly, without
 * 128-bit integers (32-bit ARM has none): only the operand with the smaller
 * scale is multiplied up, and if that overflows int64 its magnitude exceeds
 * any int64, so its sign decides. */
static int ex_num_cmp(const struct ex_val *a, const struct ex_val *b)
{
	int64_t x = a->num, y = b->num;
	int ka = a->scale < b->scale ? b->scale - a->scale : 0;
	int kb = b->scale < a->scale ? a->scale - b->scale : 0;

	for (; ka > 0; ka--)
		if (__builtin_mul_overflow(x, 10, &x))
			return a->num < 0 ? -1 : 1;
	for (; kb > 0; kb--)
		if (__builtin_mul_overflow(y, 10, &y))
			return b->num < 0 ? 1 : -1;
	return x < y ? -1 : x > y;
}

static bool ex_cmp_scalar(enum ex_cmp c, const struct ex_val *a, const struct ex_val *b)
{
	int r;

	switch (a->type) {
	case EXT_STR:
	case EXT_LIST:
		switch (c) {
		case EC_EQ:
			return fold_equal(a->s, b->s, FOLD_CASE);
		case EC_NE:
			return !fold_equal(a->s, b->s, FOLD_CASE);
		case EC_HAS:
			return fold_contains(a->s, b->s, FOLD_BASE);
		case EC_NHAS:
			return !fold_contains(a->s, b->s, FOLD_BASE);
		case EC_WORD:
			return fold_contains_word(a->s, b->s, FOLD_BASE);
		default:
			return false; /* refused at compile time */
		}
	case EXT_BOOL:
		return c == EC_EQ ? a->b == b->b : a->b != b->b;
	case EXT_NUM:
		r = ex_num_cmp(a, b);
		switch (c) {
		case EC_EQ:
			return r == 0;
		case EC_NE:
			return r != 0;
		case EC_LT:
			return r < 0;
		case EC_LE:
			return r <= 0;
		case EC_GT:
			return r > 0;
		case EC_GE:
			return r >= 0;
		default:
			return false;
		}
	}
	return false;
}

static bool ex_eval_cmp(const struct ex_node *n, const struct order *o)
{
	struct ex_val a, b;

	ex_value(&n->a, o, &a);
	ex_value(&n->b, o, &b);
	if (n->a.type == EXT_LIST) {
		/* any item: tags == "vip" is "some tag is vip"; the negative
		 * operators mean "no tag": tags != "vip" is not (tags == "vip") */
		enum ex_cmp pos = n->cmp == EC_NE ? EC_EQ : n->cmp == EC_NHAS ? EC_HAS : n->cmp;
		size_t cnt = ex_list_count(n->a.field, o);
		bool any = false;
		for (size_t i = 0; i < cnt && !any; i++) {
			a.s = ex_list_item(n->a.field, o, i);
			any = ex_cmp_scalar(pos, &a, &b);
		}
		return pos == n->cmp ? any : !any;
	}
	return ex_cmp_scalar(n->cmp, &a, &b);
}

static bool ex_eval_in(const struct ex_node *n, const struct order *o)
{
	struct ex_val a, b;
	size_t cnt = 1;
	bool any = false;

	ex_value(&n->a, o, &a);
	if (n->a.type == EXT_LIST)
		cnt = ex_list_count(n->a.field, o);
	for (size_t i = 0; i < cnt && !any; i++) {
		if (n->a.type == EXT_LIST)
			a.s = ex_list_item(n->a.field, o, i);
		for (size_t k = 0; k < n->nset && !any; k++) {
			ex_value(&n->set[k], o, &b);
			any = ex_cmp_scalar(EC_EQ, &a, &b);
		}
	}
	return n->negate ? !any : any;
}

static bool ex_eval_empty(const struct ex_node *n, const struct order *o)
{
	struct ex_val a;

	if (n->a.type == EXT_LIST) {
		size_t cnt = ex_list_count(n->a.field, o);
		for (size_t i = 0; i < cnt; i++)
			if (!ex_blank(ex_list_item(n->a.field, o, i)))
				return false;
		return true;
	}
	ex_value(&n->a, o, &a);
	return ex_blank(a.s);
}

static bool ex_is_leaf(const struct ex_node *n)
{
	return n->kind != EN_AND && n->kind != EN_OR && n->kind != EN_NOT;
}

/* Evaluate; *decider gets the node that decided the result. Recursion depth
 * is bounded by EXPR_MAX_DEPTH (only '(' and not nest). */
static bool ex_eval_node(const struct ex_node *n, const struct order *o,
			 const struct ex_node **decider)
{
	const struct ex_node *d = n;
	bool r;

	switch (n->kind) {
	case EN_AND:
		for (size_t i = 0; i < n->nkids; i++) {
			if (!ex_eval_node(n->kids[i], o, &d)) {
				*decider = d;
				return false;
			}
		}
		*decider = n;
		return true;
	case EN_OR:
		for (size_t i = 0; i < n->nkids; i++) {
			if (ex_eval_node(n->kids[i], o, &d)) {
				*decider = d;
				return true;
			}
		}
		*decider = n;
		return false;
	case EN_NOT:
		r = !ex_eval_node(n->kids[0], o, &d);
		*decider = ex_is_leaf(n->kids[0]) ? n : d;
		return r;
	case EN_CMP:
		*decider = n;
		return ex_eval_cmp(n, o);
	case EN_IN:
		*decider = n;
		return ex_eval_in(n, o);
	case EN_EMPTY:
		*decider = n;
		return ex_eval_empty(n, o);
	case EN_TRUTH: {
		struct ex_val a;
		*decider = n;
		ex_value(&n->a, o, &a);
		return a.b;
	}
	}
	*decider = n;
	return false;
}

bool expr_eval(const struct expr *e, const struct order *o)
{
	const struct ex_node *d;

	return ex_eval_node(e->root, o, &d);
}

/* ---- explain --------------------------------------------------------------- */

#define EX_MAX_SHOWN 16

static void ex_collect_fields(const struct ex_node *n, const struct ex_field **v, size_t *nv)
{
	const struct ex_field *f[2] = {n->a.field, n->b.field};

	for (size_t k = 0; k < 2; k++) {
		bool seen = false;
		if (!f[k])
			continue;
		for (size_t i = 0; i < *nv; i++)
			seen = seen || v[i] == f[k];
		if (!seen && *nv < EX_MAX_SHOWN)
			v[(*nv)++] = f[k];
	}
	for (size_t i = 0; i < n->nkids; i++)
		ex_collect_fields(n->kids[i], v, nv);
}

static void ex_put_quoted(struct buf *out, const char *s)
{
	buf_putc(out, '"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			buf_putc(out, '\\');
		if (*s == '\n')
			buf_puts(out, " ");
		else
			buf_putc(out, *s);
	}
	buf_putc(out, '"');
}

static void ex_put_value(struct buf *out, const struct ex_field *f, const struct order *o)
{
	struct ex_operand op;
	struct ex_val v;

	memset(&op, 0, sizeof(op));
	op.field = f;
	op.type = f->type;
	ex_value(&op, o, &v);
	switch (f->type) {
	case EXT_STR:
		ex_put_quoted(out, v.s);
		return;
	case EXT_BOOL:
		buf_puts(out, v.b ? "true" : "false");
		return;
	case EXT_NUM: {
		int64_t p = 1;
		uint64_t mag = v.num < 0 ? (uint64_t)0 - (uint64_t)v.num : (uint64_t)v.num;
		for (int i = 0; i < v.scale; i++)
			p *= 10;
		if (v.scale == 0)
			buf_printf(out, "%s%llu", v.num < 0 ? "-" : "", (unsigned long long)mag);
		else
			buf_printf(out, "%s%llu.%0*llu", v.num < 0 ? "-" : "",
				   (unsigned long long)(mag / (uint64_t)p), v.scale,
				   (unsigned long long)(mag % (uint64_t)p));
		if (f->get == GET_MONEY && o->currency[0])
			buf_printf(out, " %s", o->currency);
		return;
	}
	case EXT_LIST: {
		size_t cnt = ex_list_count(f, o);
		buf_putc(out, '[');
		for (size_t i = 0; i < cnt; i++) {
			if (i)
				buf_puts(out, ", ");
			ex_put_quoted(out, ex_list_item(f, o, i));
		}
		buf_putc(out, ']');
		return;
	}
	}
}

bool expr_explain(const struct expr *e, const struct order *o, struct buf *why)
{
	const struct ex_node *d = e->root;
	const struct ex_field *fields[EX_MAX_SHOWN];
	size_t nf = 0;
	char *clause;
	bool r;

	r = ex_eval_node(e->root, o, &d);
	clause = malloc(d->len + 1);
	if (clause) {
		ex_collapse(e->src + d->off, d->len, clause);
		buf_puts(why, clause);
		free(clause);
	}
	ex_collect_fields(d, fields, &nf);
	for (size_t i = 0; i < nf; i++) {
		buf_puts(why, i ? ", " : " (");
		buf_printf(why, "%s is ", fields[i]->name);
		ex_put_value(why, fields[i], o);
	}
	if (nf)
		buf_putc(why, ')');
	return r;
}
