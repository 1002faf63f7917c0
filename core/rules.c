/* SPDX-License-Identifier: Apache-2.0 */
/* core/rules.c - ordered document rules (see rules.h, docs/rules.md). */
#include "core/rules.h"

#include "base/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The built-in set; examples/packline.ini holds the same text (a test checks
 * that they decide alike). The order matters, see docs/rules.md. */
const char rules_default_ini[] =
    "; Document rules: the first rule whose `when` holds decides (docs/rules.md).\n"
    "\n"
    "; A cancelled or returned order gets a correction of its document.\n"
    "[rule \"cancelled\"]\n"
    "when  = status in (\"cancelled\", \"returned\")\n"
    "issue = correction\n"
    "then  = email\n"
    "\n"
    "; \"na WZ\" in the notes: a goods issue note now, the invoice comes later.\n"
    "; word() and not ~: \"wz\" is inside \"wziac\", \"wzor\", \"wzgledem\".\n"
    "[rule \"wz-requested\"]\n"
    "when  = word(notes, \"WZ\")\n"
    "issue = wz\n"
    "then  = label\n"
    "\n"
    "; The buyer asked for a receipt (\"Wystarczy paragon z NIP, bez faktury\");\n"
    "; before the invoice rule because such notes often name both words.\n"
    "; \"fakture zamiast paragonu\" (invoice instead of a receipt) is not a request.\n"
    "[rule \"receipt-requested\"]\n"
    "when  = notes ~ \"paragon\" and notes !~ \"zamiast paragon\"\n"
    "issue = receipt\n"
    "then  = label\n"
    "\n"
    "; \"faktur\" is the stem of faktura, fakture, faktury, fakturka, fakturowac.\n"
    "[rule \"invoice-requested\"]\n"
    "when  = notes ~ \"faktur\" or word(notes, \"FV\")\n"
    "issue = invoice\n"
    "then  = label,email\n"
    "\n"
    "; Accepted, paid by transfer, not paid in full yet: an advance invoice.\n"
    "[rule \"advance\"]\n"
    "when  = status == \"accepted\" and payment.type == \"transfer\"\n"
    "        and payment.status != \"paid\"\n"
    "issue = advance\n"
    "then  = email\n"
    "\n"
    "; Accepted and paid by card: the final invoice settles the advances.\n"
    "[rule \"final\"]\n"
    "when  = status == \"accepted\" and payment.type == \"card\"\n"
    "issue = final\n"
    "then  = label,email\n"
    "\n"
    "; A buyer with a NIP (or an EU VAT id) gets an invoice.\n"
    "[rule \"company\"]\n"
    "when  = not empty(buyer.nip)\n"
    "issue = invoice\n"
    "then  = label,email\n"
    "\n"
    "; A Polish fiscal printer records sales in PLN only: a consumer paying in\n"
    "; another currency gets an invoice (a consumer may always be invoiced).\n"
    "[rule \"foreign-currency\"]\n"
    "when  = currency != \"PLN\"\n"
    "issue = invoice\n"
    "then  = label,email\n"
    "\n"
    "; Everybody else gets a fiscal receipt.\n"
    "[rule \"default\"]\n"
    "when  = true\n"
    "issue = receipt\n"
    "then  = label\n";

/* CONTRACT-GUESS: the workflow module (agent/) runs these follow-up steps by
 * these names; a step added there must be added here so that a rule naming
 * it loads. */
static const char *const rules_steps[] = {
    "label",   /* print the shipping label */
    "email",   /* send the document to the buyer */
    "allegro", /* attach the invoice to the Allegro order */
    NULL,
};

const char *const *rules_step_names(void)
{
	return rules_steps;
}

void rules_init(struct ruleset *rs)
{
	memset(rs, 0, sizeof(*rs));
}

void rules_release(struct ruleset *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		expr_free(rs->v[i].when);
	free(rs->v);
	rules_init(rs);
}

int rules_new(struct ruleset **out)
{
	*out = malloc(sizeof(**out));
	if (!*out)
		return -PL_ENOMEM;
	rules_init(*out);
	return 0;
}

void rules_free(struct ruleset *rs)
{
	if (!rs)
		return;
	rules_release(rs);
	free(rs);
}

static bool rules_blank(const char *s)
{
	for (; s && *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			return false;
	return true;
}

/* The entry of `list` (each under 32 bytes) a typo is closest to (at most
 * 2 edits), or NULL. */
static const char *rules_close(const char *s, const char *const *list)
{
	const char *best = NULL;
	size_t bestd = 3, ls = strlen(s);

	if (ls >= 31)
		return NULL;
	for (size_t k = 0; list[k]; k++) {
		const char *t = list[k];
		size_t lt = strlen(t), row[32], prev, tmp;
		for (size_t j = 0; j <= lt; j++)
			row[j] = j;
		for (size_t i = 1; i <= ls; i++) {
			prev = row[0];
			row[0] = i;
			for (size_t j = 1; j <= lt; j++) {
				size_t v = prev + (s[i - 1] != t[j - 1]);
				tmp = row[j];
				if (row[j] + 1 < v)
					v = row[j] + 1;
				if (row[j - 1] + 1 < v)
					v = row[j - 1] + 1;
				row[j] = v;
				prev = tmp;
			}
		}
		if (row[lt] < bestd && row[lt] < lt) {
			bestd = row[lt];
			best = t;
		}
	}
	return best;
}

/* Normalise "label, email" into out ("label,email"); problems go to d. */
static int rules_parse_then(const char *then, char *out, size_t size, struct diag *d,
			    const char *where, const char *name)
{
	const char *p = then;
	size_t n = 0;
	int errors = 0;

	out[0] = '\0';
	if (rules_blank(then))
		return 0;
	while (*p) {
		const char *start, *end;
		char step[64];
		size_t len;
		bool known = false;

		while (*p == ' ' || *p == '\t')
			p++;
		start = p;
		while (*p && *p != ',')
			p++;
		end = p;
		while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		len = (size_t)(end - start);
		if (*p == ',')
			p++;
		if (len == 0) {
			diag_add(d, where, "rule \"%s\": then: empty step in '%s'", name, then);
			errors++;
			continue;
		}
		if (len >= sizeof(step)) {
			diag_add(d, where, "rule \"%s\": then: step '%.*s...' is unknown", name, 20,
				 start);
			errors++;
			continue;
		}
		memcpy(step, start, len);
		step[len] = '\0';
		for (size_t i = 0; rules_steps[i]; i++)
			known = known || strcmp(step, rules_steps[i]) == 0;
		if (!known) {
			const char *hint = rules_close(step, rules_steps);
			diag_add(d, where,
				 "rule \"%s\": then: unknown step '%s'%s%s%s (known: label, email, "
				 "allegro)",
				 name, step, hint ? " (did you mean '" : "", hint ? hint : "",
				 hint ? "'?)" : "");
			errors++;
			continue;
		}
		/* a step listed twice would run twice (two labels, two e-mails) */
		{
			char pat[68];
			snprintf(pat, sizeof(pat), ",%s,", step);
			char have[260];
			snprintf(have, sizeof(have), ",%s,", out);
			if (strstr(have, pat)) {
				diag_add(d, where, "rule \"%s\": then: step '%s' is listed twice",
					 name, step);
				errors++;
				continue;
			}
		}
		if (n + len + 2 > size) {
			diag_add(d, where, "rule \"%s\": then: too many steps", name);
			errors++;
			break;
		}
		if (n)
			out[n++] = ',';
		memcpy(out + n, step, len + 1);
		n += len;
	}
	return errors ? -PL_ECONFIG : 0;
}

static void rules_where(char *out, size_t size, const char *file, int line, int col)
{
	if (col > 0)
		snprintf(out, size, "%s:%d:%d", file ? file : "rules", line, col);
	else
		snprintf(out, size, "%s:%d", file ? file : "rules", line);
}

int rules_add_src(struct ruleset *rs, const struct rule_src *src, struct diag *d)
{
	struct rule r;
	char where[320];
	const char *name = src->name ? src->name : "";
	int errors = 0, rc;
	struct expr_error err;

	memset(&r, 0, sizeof(r));
	rules_where(where, sizeof(where), src->file, src->when_line, 0);
	if (rs->n >= RULES_MAX) {
		diag_add(d, where, "too many rules (at most %d)", RULES_MAX);
		return -PL_ETOOBIG;
	}
	if (rules_blank(name)) {
		diag_add(d, where, "a rule needs a name: [rule \"NAME\"]");
		errors++;
	} else if (strlen(name) >= sizeof(r.name)) {
		diag_add(d, where, "rule name '%.20s...' is too long (at most %zu bytes)", name,
			 sizeof(r.name) - 1);
		errors++;
	} else {
		for (size_t i = 0; name[i]; i++) {
			if ((unsigned char)name[i] < 0x20 || name[i] == '"') {
				diag_add(d, where, "rule name '%s' has a control character or '\"'",
					 name);
				errors++;
				break;
			}
		}
		for (size_t i = 0; i < rs->n; i++) {
			if (strcmp(rs->v[i].name, name) == 0) {
				diag_add(d, where, "rule \"%s\" is defined twice (first at %s:%d)",
					 name, rs->v[i].file, rs->v[i].line);
				errors++;
				break;
			}
		}
		snprintf(r.name, sizeof(r.name), "%s", name);
	}
	snprintf(r.file, sizeof(r.file), "%s", src->file ? src->file : "rules");
	r.line = src->when_line;

	/* when */
	if (!src->when || rules_blank(src->when)) {
		diag_add(d, where,
			 "rule \"%s\" has no 'when' (write when = true to match every order)",
			 name);
		errors++;
	} else {
		rc = expr_compile(src->when, &r.when, &err);
		if (rc == -PL_ENOMEM) {
			diag_add(d, where, "out of memory");
			return rc;
		}
		if (rc) {
			int line = src->when_line + err.line - 1, col;
			if (err.line == 1)
				col = src->when_col + err.col - 1;
			else if (src->cont_cols && (size_t)(err.line - 1) <= src->ncont_cols)
				col = src->cont_cols[err.line - 2] + err.col - 1;
			else
				col = err.col + 1;
			rules_where(where, sizeof(where), src->file, line, col);
			diag_add(d, where, "rule \"%s\": %s", name, err.msg);
			errors++;
		} else {
			rules_where(where, sizeof(where), src->file, src->when_line, 0);
			expr_lint(r.when, d, where, name);
		}
	}

	/* issue */
	rules_where(where, sizeof(where), src->file, src->issue_line ? src->issue_line : r.line, 0);
	if (!src->issue || rules_blank(src->issue)) {
		diag_add(d, where,
			 "rule \"%s\" has no 'issue' (receipt, invoice, proforma, advance, final, "
			 "correction, wz or none)",
			 name);
		errors++;
	} else if (strcmp(src->issue, "receipt_nip") == 0) {
		diag_add(d, where,
			 "rule \"%s\": write issue = receipt: a receipt carries the buyer's NIP "
			 "by itself when the order has one",
			 name);
		errors++;
	} else if (strcmp(src->issue, "refund") == 0) {
		diag_add(d, where,
			 "rule \"%s\": write issue = correction: a return of goods sold on a "
			 "receipt becomes a refund note or a printer return by [returns] receipt",
			 name);
		errors++;
	} else if (doc_kind_parse(src->issue, &r.issue)) {
		static const char *const kinds[] = {"receipt", "invoice", "proforma",
						    "advance", "final",   "correction",
						    "wz",      "none",    NULL};
		const char *hint = rules_close(src->issue, kinds);
		diag_add(d, where,
			 "rule \"%s\": issue '%s' is unknown%s%s%s (receipt, invoice, proforma, "
			 "advance, final, correction, wz or none)",
			 name, src->issue, hint ? " (did you mean '" : "", hint ? hint : "",
			 hint ? "'?)" : "");
		errors++;
	}

	/* backend: a name; whether it is configured is for the config loader */
	rules_where(where, sizeof(where), src->file, src->backend_line ? src->backend_line : r.line,
		    0);
	if (src->backend && !rules_blank(src->backend)) {
		const char *b = src->backend;
		bool ok = strlen(b) < sizeof(r.backend);
		for (size_t i = 0; ok && b[i]; i++)
			ok = (b[i] >= 'a' && b[i] <= 'z') || (b[i] >= '0' && b[i] <= '9') ||
			     b[i] == '_' || b[i] == '-';
		if (!ok) {
			diag_add(d, where,
				 "rule \"%s\": backend '%s' is not a name (lower-case letters, "
				 "digits, '-', '_'; at most %zu)",
				 name, b, sizeof(r.backend) - 1);
			errors++;
		} else {
			snprintf(r.backend, sizeof(r.backend), "%s", b);
		}
	}

	/* then */
	rules_where(where, sizeof(where), src->file, src->then_line ? src->then_line : r.line, 0);
	if (src->then && rules_parse_then(src->then, r.then, sizeof(r.then), d, where, name))
		errors++;

	if (errors) {
		expr_free(r.when);
		return -PL_ECONFIG;
	}
	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? rs->cap * 2 : 8;
		struct rule *v = realloc(rs->v, cap * sizeof(*v));
		if (!v) {
			expr_free(r.when);
			diag_add(d, where, "out of memory");
			return -PL_ENOMEM;
		}
		rs->v = v;
		rs->cap = cap;
	}
	rs->v[rs->n++] = r;
	return 0;
}

int rules_add(struct ruleset *rs, const char *name, const char *when, const char *issue,
	      const char *backend, const char *then, const char *file, int line, int col,
	      struct diag *d)
{
	struct rule_src src = {
	    .name = name,
	    .when = when,
	    .issue = issue,
	    .backend = backend,
	    .then = then,
	    .file = file,
	    .when_line = line,
	    .when_col = col,
	    .issue_line = line,
	    .backend_line = line,
	    .then_line = line,
	};
	return rules_add_src(rs, &src, d);
}

/* ---- a small INI reader for [rule] sections ------------------------------- */

#define RULES_INI_LINE 4096
#define RULES_INI_CONT 32

struct rules_ini {
	bool in_rule;
	char name[128];
	int section_line;
	struct buf when;
	int when_line, when_col;
	int cont_cols[RULES_INI_CONT];
	size_t ncont;
	char issue[64], backend[64], then[256];
	int issue_line, backend_line, then_line;
	bool has_when, has_issue, has_backend, has_then;
	const char *last_key; /* for continuation lines: "when", ... or NULL */
};

static int rules_ini_flush(struct ruleset *rs, struct rules_ini *st, const char *file,
			   struct diag *d)
{
	struct rule_src src;
	int rc;

	if (!st->in_rule)
		return 0;
	memset(&src, 0, sizeof(src));
	src.name = st->name;
	src.when = st->has_when ? (st->when.data ? st->when.data : "") : NULL;
	src.issue = st->has_issue ? st->issue : NULL;
	src.backend = st->has_backend ? st->backend : NULL;
	src.then = st->has_then ? st->then : NULL;
	src.file = file;
	src.when_line = st->has_when ? st->when_line : st->section_line;
	src.when_col = st->when_col;
	src.issue_line = st->has_issue ? st->issue_line : st->section_line;
	src.backend_line = st->backend_line;
	src.then_line = st->then_line;
	src.cont_cols = st->cont_cols;
	src.ncont_cols = st->ncont;
	rc = rules_add_src(rs, &src, d);
	buf_reset(&st->when);
	st->in_rule = false;
	st->has_when = st->has_issue = st->has_backend = st->has_then = false;
	st->ncont = 0;
	st->last_key = NULL;
	return rc;
}

/* Column (1-based, characters) of p within line. */
static int rules_col(const char *line, const char *p)
{
	int col = 1;
	for (const char *q = line; q < p; q++)
		if (((unsigned char)*q & 0xC0) != 0x80)
			col++;
	return col;
}

static bool rules_set(char *dst, size_t size, const char *v, struct diag *d, const char *where,
		      const char *key)
{
	if (strlen(v) >= size) {
		diag_add(d, where, "'%s' is too long (at most %zu bytes)", key, size - 1);
		return false;
	}
	memcpy(dst, v, strlen(v) + 1);
	return true;
}

static int rules_ini_line(struct ruleset *rs, struct rules_ini *st, char *line, int lineno,
			  const char *file, struct diag *d)
{
	char where[320];
	char *p = line, *end, *eq, *key, *val;
	bool indented;

	/* a ';' after white space starts a comment, as in inih */
	for (char *q = line + 1; *q; q++) {
		if (*q == ';' && (q[-1] == ' ' || q[-1] == '\t')) {
			*q = '\0';
			break;
		}
	}
	end = line + strlen(line);
	while (end > line && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		*--end = '\0';
	while (*p == ' ' || *p == '\t')
		p++;
	indented = p > line;
	if (*p == '\0' || *p == ';' || *p == '#')
		return 0;
	rules_where(where, sizeof(where), file, lineno, 0);
	if (indented && st->in_rule && st->last_key) {
		if (strcmp(st->last_key, "when") != 0) {
			diag_add(d, where, "only 'when' may continue on the next line");
			return -PL_ECONFIG;
		}
		if (st->ncont < RULES_INI_CONT)
			st->cont_cols[st->ncont++] = rules_col(line, p);
		if (buf_putc(&st->when, '\n') || buf_puts(&st->when, p)) {
			diag_add(d, where, "'when' is too long (at most %d bytes)", EXPR_MAX_LEN);
			return -PL_ECONFIG;
		}
		return 0;
	}
	if (*p == '[') {
		char *close = strchr(p, ']');
		char *q1, *q2;
		int rc = rules_ini_flush(rs, st, file, d);
		if (!close || close[1] != '\0') {
			diag_add(d, where, "a section header is [rule \"NAME\"]");
			return -PL_ECONFIG;
		}
		*close = '\0';
		p++;
		while (*p == ' ')
			p++;
		if (strncmp(p, "rule", 4) != 0 || (p[4] != ' ' && p[4] != '\t')) {
			diag_add(d, where, "only [rule \"NAME\"] sections belong here, not [%s]",
				 p);
			return -PL_ECONFIG;
		}
		q1 = strchr(p, '"');
		q2 = q1 ? strchr(q1 + 1, '"') : NULL;
		if (!q1 || !q2 || !rules_blank(q2 + 1)) {
			diag_add(d, where,
				 "a rule section is [rule \"NAME\"], with the name in quotes");
			return -PL_ECONFIG;
		}
		*q2 = '\0';
		if (strlen(q1 + 1) >= sizeof(st->name)) {
			diag_add(d, where, "rule name is too long");
			return -PL_ECONFIG;
		}
		memcpy(st->name, q1 + 1, strlen(q1 + 1) + 1);
		st->in_rule = true;
		st->section_line = lineno;
		return rc;
	}
	if (!st->in_rule) {
		diag_add(d, where, "a key outside a [rule \"NAME\"] section");
		return -PL_ECONFIG;
	}
	eq = p + strcspn(p, "=:");
	if (!*eq) {
		diag_add(d, where, "expected KEY = VALUE");
		return -PL_ECONFIG;
	}
	key = p;
	end = eq;
	while (end > key && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	*end = '\0';
	val = eq + 1;
	while (*val == ' ' || *val == '\t')
		val++;
	st->last_key = NULL;
	if (strcmp(key, "when") == 0) {
		if (st->has_when)
			goto err_twice;
		st->has_when = true;
		st->last_key = "when";
		st->when_line = lineno;
		st->when_col = rules_col(line, val);
		if (buf_puts(&st->when, val)) {
			diag_add(d, where, "'when' is too long (at most %d bytes)", EXPR_MAX_LEN);
			return -PL_ECONFIG;
		}
	} else if (strcmp(key, "issue") == 0) {
		if (st->has_issue)
			goto err_twice;
		st->last_key = "issue";
		st->has_issue = rules_set(st->issue, sizeof(st->issue), val, d, where, key);
		st->issue_line = lineno;
		if (!st->has_issue)
			return -PL_ECONFIG;
	} else if (strcmp(key, "backend") == 0) {
		if (st->has_backend)
			goto err_twice;
		st->last_key = "backend";
		st->has_backend = rules_set(st->backend, sizeof(st->backend), val, d, where, key);
		st->backend_line = lineno;
		if (!st->has_backend)
			return -PL_ECONFIG;
	} else if (strcmp(key, "then") == 0) {
		if (st->has_then)
			goto err_twice;
		st->last_key = "then";
		st->has_then = rules_set(st->then, sizeof(st->then), val, d, where, key);
		st->then_line = lineno;
		if (!st->has_then)
			return -PL_ECONFIG;
	} else {
		diag_add(d, where, "rule \"%s\": unknown key '%s' (when, issue, backend, then)",
			 st->name, key);
		return -PL_ECONFIG;
	}
	return 0;

err_twice:
	diag_add(d, where, "rule \"%s\": '%s' is given twice", st->name, key);
	return -PL_ECONFIG;
}

int rules_load_ini(struct ruleset *rs, const char *text, const char *file, struct diag *d)
{
	struct rules_ini st;
	char line[RULES_INI_LINE];
	const char *p = text;
	int lineno = 0, errors = 0;

	memset(&st, 0, sizeof(st));
	buf_init(&st.when, EXPR_MAX_LEN);
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		lineno++;
		if (len >= sizeof(line)) {
			char where[320];
			rules_where(where, sizeof(where), file, lineno, 0);
			diag_add(d, where, "line too long (at most %zu bytes)", sizeof(line) - 1);
			errors++;
		} else {
			memcpy(line, p, len);
			line[len] = '\0';
			if (rules_ini_line(rs, &st, line, lineno, file, d))
				errors++;
		}
		p += len + (nl ? 1 : 0);
	}
	if (rules_ini_flush(rs, &st, file, d))
		errors++;
	buf_release(&st.when);
	return errors ? -PL_ECONFIG : 0;
}

/* ---- decisions ------------------------------------------------------------- */

static void rules_fill(const struct ruleset *rs, size_t i, const struct order *o,
		       struct rules_decision *out)
{
	const struct rule *r = &rs->v[i];

	out->matched = true;
	out->index = i;
	snprintf(out->rule, sizeof(out->rule), "%s", r->name);
	out->issue = r->issue;
	out->kind = r->issue;
	/* paragon z NIP: see rules.h */
	if (r->issue == DOC_RECEIPT && !rules_blank(o->buyer.nip))
		out->kind = DOC_RECEIPT_NIP;
	snprintf(out->backend, sizeof(out->backend), "%s", r->backend);
	snprintf(out->then, sizeof(out->then), "%s", r->then);
}

static void rules_nomatch(struct rules_decision *out)
{
	memset(out, 0, sizeof(*out));
	out->issue = DOC_NONE;
	out->kind = DOC_NONE;
}

int rules_decide(const struct ruleset *rs, const struct order *o, struct rules_decision *out)
{
	rules_nomatch(out);
	for (size_t i = 0; i < rs->n; i++) {
		if (expr_eval(rs->v[i].when, o)) {
			rules_fill(rs, i, o, out);
			return 0;
		}
	}
	return -PL_ENOTFOUND;
}

int rules_explain(const struct ruleset *rs, const struct order *o, struct buf *report,
		  struct rules_decision *out)
{
	struct rules_decision local;
	struct rules_decision *dec = out ? out : &local;
	bool found = false;

	rules_nomatch(dec);
	buf_printf(report, "order %s: %zu rule%s\n", o->number[0] ? o->number : "(no number)",
		   rs->n, rs->n == 1 ? "" : "s");
	for (size_t i = 0; i < rs->n; i++) {
		const struct rule *r = &rs->v[i];
		struct buf why;
		bool m;

		buf_init(&why, 2048);
		m = expr_explain(r->when, o, &why);
		buf_printf(report, "  %zu. \"%s\" (%s:%d) -> %s: ", i + 1, r->name, r->file,
			   r->line, doc_kind_name(r->issue));
		if (m && !found)
			buf_puts(report, "MATCH, wins");
		else if (m)
			buf_printf(report, "matches, but rule %zu came first", dec->index + 1);
		else
			buf_puts(report, "no");
		buf_printf(report, "\n       %s is %s\n", why.data ? why.data : "",
			   m ? "true" : "false");
		buf_release(&why);
		if (m && !found) {
			rules_fill(rs, i, o, dec);
			found = true;
		}
	}
	if (!found) {
		buf_puts(report, "decision: no rule matched, no document "
				 "(add a last rule with when = true)\n");
		return -PL_ENOTFOUND;
	}
	buf_printf(report, "decision: %s by rule %zu \"%s\"", doc_kind_name(dec->kind),
		   dec->index + 1, dec->rule);
	if (dec->kind != dec->issue)
		buf_printf(report,
			   " (the rule says %s; the buyer has NIP %s, so it goes on the receipt)",
			   doc_kind_name(dec->issue), o->buyer.nip);
	buf_printf(report, ", backend %s, then %s\n", dec->backend[0] ? dec->backend : "(default)",
		   dec->then[0] ? dec->then : "(nothing)");
	return 0;
}

bool rules_decision_has_step(const struct rules_decision *d, const char *step)
{
	size_t n = strlen(step);
	const char *p = d->then;

	while (*p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (len == n && strncmp(p, step, n) == 0)
			return true;
		if (!comma)
			break;
		p = comma + 1;
	}
	return false;
}
