/* SPDX-License-Identifier: Apache-2.0 */
/* agent/config.c - load and check the station's INI configuration.
 *
 * inih (Debian's libinih) is built without INI_HANDLER_LINENO and with
 * 200-byte lines, so we feed it through ini_parse_stream() with our own line
 * reader: the reader knows the number and the raw text of the line inih is
 * handling, which gives every message its FILE:LINE:COL, and it refuses
 * over-long lines instead of letting inih split them silently.
 */
#include "agent/config.h"
#include "base/err.h"
#include "base/log.h"
#include "core/rules.h"
#include "core/template.h"

#include <ini.h>

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define CONFIG_MAX_FILE  (1024 * 1024)
#define CONFIG_MAX_RULES 256
#define CONFIG_MAX_KV    1024
#define INI_LINE_MAX     200 /* Debian libinih INI_MAX_LINE */

static const struct {
	enum doc_kind kind;
	const char *pattern;
	enum numbering_reset reset;
} default_patterns[] = {
    {DOC_RECEIPT, "PAR/{YYYY}/{NNNNNN}", NUM_RESET_YEAR},
    {DOC_RECEIPT_NIP, "PARN/{YYYY}/{NNNNN}", NUM_RESET_YEAR},
    {DOC_INVOICE, "FV/{YYYY}/{NNNN}", NUM_RESET_YEAR},
    {DOC_PROFORMA, "PRO/{YYYY}/{NNNN}", NUM_RESET_YEAR},
    {DOC_ADVANCE, "FZAL/{YYYY}/{NNNN}", NUM_RESET_YEAR},
    {DOC_FINAL, "FKON/{YYYY}/{NNNN}", NUM_RESET_YEAR},
    {DOC_CORRECTION, "KOR/{YYYY}/{NNNN}", NUM_RESET_YEAR},
    {DOC_WZ, "WZ/{YYYY}/{MM}/{NNNN}", NUM_RESET_MONTH},
    {DOC_REFUND, "ZW/{YYYY}/{NNNN}", NUM_RESET_YEAR},
};

static const char *const tmpl_keys[CONFIG_TMPL_COUNT] = {
    [CONFIG_TMPL_DOC_TITLE] = "document.title",
    [CONFIG_TMPL_DOC_FOOTER] = "document.footer",
    [CONFIG_TMPL_DOC_NOTES] = "document.notes",
    [CONFIG_TMPL_EMAIL_SUBJECT] = "email.subject",
};

const char *config_default_pattern(enum doc_kind k, enum numbering_reset *reset)
{
	for (size_t i = 0; i < sizeof(default_patterns) / sizeof(default_patterns[0]); i++) {
		if (default_patterns[i].kind == k) {
			if (reset)
				*reset = default_patterns[i].reset;
			return default_patterns[i].pattern;
		}
	}
	return NULL;
}

/* A rule section as read, compiled when the whole file is in. */
struct cfg_rule {
	char name[64];
	char *when;
	char issue[32];
	char backend[32];
	char then[256];
	int line, when_line, when_col, issue_line, backend_line, backend_col, then_line;
	int *cont_cols; /* file column of each continuation line of `when` */
	size_t ncont;
	bool has_issue;
};

struct num_src {
	char pattern[NUMBERING_PATTERN_MAX + 1];
	char reset[16];
	int line;
	bool seen;
};

struct loader {
	struct config *c;
	struct diag *d;
	const char *file;
	/* the line reader */
	FILE *fp;
	int lineno;
	char raw[INI_LINE_MAX + 2];
	/* handler state */
	char last_section[128];
	int section_line;
	bool in_new_section;
	bool section_refused;
	char last_key[64];
	struct cfg_rule *rules;
	size_t nrules;
	long cur_rule; /* index of the rule whose section we are in, -1 if refused */
	struct num_src nums[DOC_KIND_COUNT];
	int tmpl_line[CONFIG_TMPL_COUNT];
	int tmpl_col[CONFIG_TMPL_COUNT];
};

static void where_at(const struct loader *L, int line, int col, char *out, size_t size)
{
	if (col > 0)
		snprintf(out, size, "%s:%d:%d", L->file, line, col);
	else
		snprintf(out, size, "%s:%d", L->file, line);
}

/* An error or a warning at FILE:LINE[:COL] of the file being loaded. */
static void vdiag_at(struct loader *L, bool warning, int line, int col, const char *fmt, va_list ap)
{
	char where[1100], msg[512];

	where_at(L, line, col, where, sizeof(where));
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (warning)
		diag_warn(L->d, where, "%s", msg);
	else
		diag_add(L->d, where, "%s", msg);
}

static void err_at(struct loader *L, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void err_at(struct loader *L, int line, int col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag_at(L, false, line, col, fmt, ap);
	va_end(ap);
}

static void warn_at(struct loader *L, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void warn_at(struct loader *L, int line, int col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag_at(L, true, line, col, fmt, ap);
	va_end(ap);
}

/* fgets-like reader for ini_parse_stream that counts lines and keeps the raw text. */
static char *reader(char *str, int num, void *stream)
{
	struct loader *L = stream;
	int c;
	size_t n = 0;
	bool too_long = false;

	(void)num;
	c = fgetc(L->fp);
	if (c == EOF)
		return NULL;
	L->lineno++;
	while (c != EOF) {
		if (n < INI_LINE_MAX - 2)
			L->raw[n++] = (char)c;
		else if (c != '\n' && c != '\r')
			too_long = true;
		if (c == '\n')
			break;
		c = fgetc(L->fp);
	}
	L->raw[n] = '\0';
	{
		/* inih tells us of sections only through keys: note each header
		 * line, so that a section's errors name its own line and a
		 * repeated header is seen as a new section */
		const char *p = L->raw;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '[') {
			L->section_line = L->lineno;
			L->last_section[0] = '\0';
			L->in_new_section = true;
		}
	}
	if (too_long) {
		char where[1100];
		where_at(L, L->lineno, INI_LINE_MAX - 2, where, sizeof(where));
		diag_add(L->d, where,
			 "line longer than %d characters; continue a long value on indented lines",
			 INI_LINE_MAX - 3);
		/* hand inih a comment so it does not parse the cut text */
		snprintf(str, (size_t)num, ";\n");
		return str;
	}
	memcpy(str, L->raw, n + 1);
	return str;
}

/* Column (1-based) where the value starts on the raw line, or of the first
 * non-blank character on a continuation line. */
static int value_col(const char *raw, bool continuation)
{
	const char *p = raw;

	if (!continuation) {
		const char *eq = strpbrk(raw, "=:");
		if (!eq)
			return 1;
		p = eq + 1;
	}
	while (*p == ' ' || *p == '\t')
		p++;
	return (int)(p - raw) + 1;
}

/* Split `rule "name"` into kind and quoted name. */
static int split_section(const char *section, char *kind, size_t ksize, char *name, size_t nsize)
{
	const char *q = strchr(section, '"');
	size_t klen;

	if (!q) {
		if (strlen(section) >= ksize)
			return -PL_EINVAL;
		snprintf(kind, ksize, "%s", section);
		name[0] = '\0';
		return 0;
	}
	klen = (size_t)(q - section);
	while (klen && isspace((unsigned char)section[klen - 1]))
		klen--;
	if (klen >= ksize)
		return -PL_EINVAL;
	memcpy(kind, section, klen);
	kind[klen] = '\0';
	const char *e = strchr(q + 1, '"');
	if (!e || e[1] != '\0' || (size_t)(e - q - 1) >= nsize || e == q + 1)
		return -PL_EINVAL;
	memcpy(name, q + 1, (size_t)(e - q - 1));
	name[e - q - 1] = '\0';
	return 0;
}

static int append_value(char **dst, const char *val, const char *sep)
{
	size_t a = *dst ? strlen(*dst) : 0, b = strlen(val), s = strlen(sep);
	char *p = realloc(*dst, a + s + b + 1);

	if (!p)
		return -PL_ENOMEM;
	if (a)
		memcpy(p + a, sep, s);
	else
		s = 0;
	memcpy(p + a + s, val, b + 1);
	*dst = p;
	return 0;
}

static int set_string(struct loader *L, char *dst, size_t size, const char *val, const char *key)
{
	if (strlen(val) >= size) {
		char n[32];
		snprintf(n, sizeof(n), "%zu", size - 1);
		err_at(L, L->lineno, value_col(L->raw, false), "'%s' is longer than %s characters",
		       key, n);
		return 0;
	}
	snprintf(dst, size, "%s", val);
	return 0;
}

/* A whole number of seconds in [lo, hi]. */
static int set_seconds(struct loader *L, int *dst, const char *val, const char *key, long lo,
		       long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(val, &end, 10);
	if (errno || *end || end == val || v < lo || v > hi)
		err_at(L, L->lineno, value_col(L->raw, false),
		       "%s '%s' is not a number of seconds from %ld to %ld", key, val, lo, hi);
	else
		*dst = (int)v;
	return 0;
}

static int on_packline(struct loader *L, const char *key, const char *val)
{
	struct config *c = L->c;

	if (strcmp(key, "store") == 0) {
		/* a DSN with a scheme we do not know would otherwise be opened
		 * as a file called "mysql:..." */
		const char *colon = val;
		while (isalpha((unsigned char)*colon))
			colon++;
		if (*colon == ':' && colon > val && strncmp(val, "sqlite:", 7) != 0 &&
		    strncmp(val, "postgres:", 9) != 0 && strncmp(val, "postgresql:", 11) != 0) {
			err_at(L, L->lineno, value_col(L->raw, false),
			       "store '%s': unknown scheme '%.*s:' (sqlite:PATH, postgres:...)",
			       val, (int)(colon - val), val);
			return 0;
		}
		if (strncmp(val, "postgres", 8) == 0) {
			err_at(L, L->lineno, value_col(L->raw, false),
			       "store '%s': postgres is not built in yet (use sqlite:PATH)", val);
			return 0;
		}
		return set_string(L, c->store, sizeof(c->store), val, key);
	}
	if (strcmp(key, "station") == 0)
		return set_string(L, c->station, sizeof(c->station), val, key);
	if (strcmp(key, "documents_dir") == 0)
		return set_string(L, c->documents_dir, sizeof(c->documents_dir), val, key);
	if (strcmp(key, "inbox") == 0)
		return set_string(L, c->inbox, sizeof(c->inbox), val, key);
	if (strcmp(key, "poll_seconds") == 0)
		return set_seconds(L, &c->poll_seconds, val, key, 1, 3600);
	if (strcmp(key, "helper_idle_seconds") == 0)
		return set_seconds(L, &c->helper_idle_seconds, val, key, 0, 3600);
	if (strcmp(key, "log_level") == 0) {
		if (pl_log_parse_level(val, &c->log_level) != 0)
			err_at(L, L->lineno, value_col(L->raw, false),
			       "log_level '%s' is not one of error, warn, info, debug", val);
		else
			c->log_level_set = true;
		return 0;
	}
	err_at(L, L->lineno, 1, "unknown key '%s' in [packline]", key);
	return 0;
}

static struct cfg_rule *rule_for(struct loader *L)
{
	return L->cur_rule >= 0 ? &L->rules[L->cur_rule] : NULL;
}

static int on_rule(struct loader *L, const char *name, const char *key, const char *val,
		   bool continuation)
{
	struct cfg_rule *r = rule_for(L);

	if (!r)
		return 0; /* section start was refused; its error is already reported */
	if (strcmp(key, "when") == 0) {
		if (continuation) {
			int *v = realloc(r->cont_cols, (r->ncont + 1) * sizeof(*v));
			if (!v)
				return -PL_ENOMEM;
			r->cont_cols = v;
			r->cont_cols[r->ncont++] = value_col(L->raw, true);
			return append_value(&r->when, val, "\n");
		}
		if (r->when) {
			err_at(L, L->lineno, 1, "rule '%s' has two 'when' keys", name);
			return 0;
		}
		r->when_line = L->lineno;
		r->when_col = value_col(L->raw, false);
		return append_value(&r->when, val, "");
	}
	if (continuation) {
		err_at(L, L->lineno, 1, "'%s' of rule '%s' cannot continue on a second line", key,
		       name);
		return 0;
	}
	if (strcmp(key, "issue") == 0) {
		r->has_issue = true;
		r->issue_line = L->lineno;
		return set_string(L, r->issue, sizeof(r->issue), val, key);
	}
	if (strcmp(key, "backend") == 0) {
		r->backend_line = L->lineno;
		r->backend_col = value_col(L->raw, false);
		return set_string(L, r->backend, sizeof(r->backend), val, key);
	}
	if (strcmp(key, "then") == 0) {
		r->then_line = L->lineno;
		return set_string(L, r->then, sizeof(r->then), val, key);
	}
	err_at(L, L->lineno, 1, "unknown key '%s' in rule '%s' (when, issue, backend, then)", key,
	       name);
	return 0;
}

static int on_numbering(struct loader *L, const char *name, const char *key, const char *val)
{
	enum doc_kind k;
	struct num_src *n;

	if (doc_kind_parse(name, &k) != 0 || k == DOC_NONE)
		return 0; /* reported at the section start */
	n = &L->nums[k];
	if (strcmp(key, "pattern") == 0) {
		n->line = L->lineno;
		n->seen = true;
		return set_string(L, n->pattern, sizeof(n->pattern), val, key);
	}
	if (strcmp(key, "reset") == 0) {
		if (!n->line)
			n->line = L->lineno;
		return set_string(L, n->reset, sizeof(n->reset), val, key);
	}
	err_at(L, L->lineno, 1, "unknown key '%s' in [numbering \"%s\"] (pattern, reset)", key,
	       name);
	return 0;
}

static int on_template(struct loader *L, const char *key, const char *val, bool continuation)
{
	for (int i = 0; i < CONFIG_TMPL_COUNT; i++) {
		if (strcmp(key, tmpl_keys[i]) != 0)
			continue;
		if (continuation)
			return append_value(&L->c->tmpl_text[i], val, "\n");
		if (L->c->tmpl_text[i]) {
			free(L->c->tmpl_text[i]);
			L->c->tmpl_text[i] = NULL;
		}
		L->tmpl_line[i] = L->lineno;
		L->tmpl_col[i] = value_col(L->raw, false);
		return append_value(&L->c->tmpl_text[i], val, "");
	}
	err_at(L, L->lineno, 1,
	       "unknown key '%s' in [template] (document.title, document.footer, document.notes, "
	       "email.subject)",
	       key);
	return 0;
}

static int on_raw(struct loader *L, const char *kind, const char *name, const char *key,
		  const char *val, bool continuation)
{
	struct config *c = L->c;
	struct config_kv *kv;

	if (continuation && c->nkv) {
		kv = &c->kv[c->nkv - 1];
		return append_value(&kv->value, val, "\n");
	}
	if (c->nkv >= CONFIG_MAX_KV) {
		err_at(L, L->lineno, 1, "too many keys (over %d)", CONFIG_MAX_KV);
		return 0;
	}
	kv = realloc(c->kv, (c->nkv + 1) * sizeof(*kv));
	if (!kv)
		return -PL_ENOMEM;
	c->kv = kv;
	kv = &c->kv[c->nkv];
	memset(kv, 0, sizeof(*kv));
	snprintf(kv->section, sizeof(kv->section), "%s", kind);
	snprintf(kv->name, sizeof(kv->name), "%s", name);
	if (strlen(key) >= sizeof(kv->key)) {
		err_at(L, L->lineno, 1, "key '%s' is too long", key);
		return 0;
	}
	snprintf(kv->key, sizeof(kv->key), "%s", key);
	kv->line = L->lineno;
	kv->col = value_col(L->raw, false);
	kv->value = strdup(val);
	if (!kv->value)
		return -PL_ENOMEM;
	c->nkv++;
	return 0;
}

/* Called once per new section name (inih calls the handler only for keys, so
 * we notice section changes here). */
static void section_start(struct loader *L, const char *section)
{
	char kind[32], name[96];

	snprintf(L->last_section, sizeof(L->last_section), "%s", section);
	if (split_section(section, kind, sizeof(kind), name, sizeof(name)) != 0) {
		err_at(L, L->section_line, 1, "bad section name [%s]; use [kind \"name\"]",
		       section);
		return;
	}
	if (strcmp(kind, "rule") == 0) {
		struct cfg_rule *v;

		L->cur_rule = -1;
		if (!name[0] || strlen(name) >= 64) {
			err_at(L, L->section_line, 1,
			       "a rule needs a name of 1-63 characters: [rule \"%s\"]", name);
			return;
		}
		for (size_t i = 0; i < L->nrules; i++) {
			if (strcmp(L->rules[i].name, name) == 0) {
				err_at(L, L->section_line, 1,
				       "rule '%s' is defined twice (first at line %d)", name,
				       L->rules[i].line);
				L->cur_rule = -1;
				return;
			}
		}
		if (L->nrules >= CONFIG_MAX_RULES) {
			err_at(L, L->section_line, 1, "too many rules (over %d)", CONFIG_MAX_RULES);
			L->cur_rule = -1;
			return;
		}
		v = realloc(L->rules, (L->nrules + 1) * sizeof(*v));
		if (!v)
			return;
		L->rules = v;
		memset(&v[L->nrules], 0, sizeof(v[0]));
		snprintf(v[L->nrules].name, sizeof(v[0].name), "%s", name);
		v[L->nrules].line = L->section_line;
		L->cur_rule = (long)L->nrules;
		L->nrules++;
	} else if (strcmp(kind, "numbering") == 0) {
		enum doc_kind k;
		if (doc_kind_parse(name, &k) != 0 || k == DOC_NONE)
			err_at(L, L->section_line, 1,
			       "[numbering \"%s\"]: unknown document kind (receipt, receipt_nip, "
			       "invoice, proforma, advance, final, correction, wz, refund)",
			       name);
	}
}

static void unknown_section(struct loader *L, const char *section)
{
	char known[256] = "packline, numbering, rule, template";
	size_t n = strlen(known);

	for (size_t i = 0; i < config_nsections && n < sizeof(known); i++)
		n +=
		    (size_t)snprintf(known + n, sizeof(known) - n, ", %s", config_sections[i].name);
	err_at(L, L->section_line, 1, "unknown section [%s] (%s)", section, known);
}

static int handler(void *user, const char *section, const char *key, const char *val)
{
	struct loader *L = user;
	char kind[32], name[96];
	bool continuation;
	int rc = 0;

	if (L->in_new_section || strcmp(section, L->last_section) != 0) {
		L->in_new_section = false;
		L->section_refused = false;
		section_start(L, section);
		L->last_key[0] = '\0';
	}
	continuation = (L->raw[0] == ' ' || L->raw[0] == '\t') && strcmp(key, L->last_key) == 0;
	snprintf(L->last_key, sizeof(L->last_key), "%s", key);
	if (split_section(section, kind, sizeof(kind), name, sizeof(name)) != 0)
		return 1;
	if (!section[0]) {
		err_at(L, L->lineno, 1, "key '%s' outside any section", key);
	} else if (strcmp(kind, "packline") == 0 && !name[0]) {
		rc = continuation ? 0 : on_packline(L, key, val);
	} else if (strcmp(kind, "rule") == 0) {
		rc = on_rule(L, name, key, val, continuation);
	} else if (strcmp(kind, "numbering") == 0) {
		rc = on_numbering(L, name, key, val);
	} else if (strcmp(kind, "template") == 0 && !name[0]) {
		rc = on_template(L, key, val, continuation);
	} else {
		bool raw = false;
		for (size_t i = 0; i < config_nsections; i++)
			raw = raw || strcmp(kind, config_sections[i].name) == 0;
		if (raw)
			rc = on_raw(L, kind, name, key, val, continuation);
		else if (!L->section_refused) /* once per section, not per key */
			unknown_section(L, section);
		L->section_refused = !raw;
	}
	/* Return non-zero to inih even on our own errors is wrong: it would stop
	 * counting. Errors are in the diag; only OOM stops the parse. */
	return rc == -PL_ENOMEM ? 0 : 1;
}

static void config_set_view(struct config *c)
{
	c->view.path = c->path;
	c->view.station = c->station;
	c->view.kv = c->kv;
	c->view.nkv = c->nkv;
}

const struct config_view *config_view(const struct config *c)
{
	return &c->view;
}

int config_defaults(struct config **out)
{
	struct config *c = calloc(1, sizeof(*c));
	int rc;

	if (!c)
		return -PL_ENOMEM;
	snprintf(c->store, sizeof(c->store), "packline.db");
	snprintf(c->station, sizeof(c->station), "station-1");
	snprintf(c->documents_dir, sizeof(c->documents_dir), "documents");
	c->log_level = PL_LOG_WARN;
	c->poll_seconds = 5;
	c->helper_idle_seconds = 30;
	for (int k = DOC_NONE + 1; k < DOC_KIND_COUNT; k++) {
		enum numbering_reset reset = NUM_RESET_YEAR;
		const char *p = config_default_pattern((enum doc_kind)k, &reset);
		struct diag d;
		diag_init(&d);
		rc = numbering_init(&c->numbering[k], p, reset, &d, "built-in");
		diag_release(&d);
		if (rc) {
			config_free(c);
			return -PL_EINVAL; /* a built-in pattern is wrong: a bug */
		}
	}
	rc = rules_new(&c->rules);
	if (rc) {
		config_free(c);
		return rc;
	}
	config_set_view(c);
	*out = c;
	return 0;
}

static void finish_numbering(struct loader *L)
{
	char where[1100];

	for (int k = DOC_NONE + 1; k < DOC_KIND_COUNT; k++) {
		struct num_src *n = &L->nums[k];
		enum numbering_reset reset = NUM_RESET_YEAR;
		if (!n->seen && !n->reset[0])
			continue;
		if (!n->seen) {
			err_at(L, n->line, 0, "[numbering \"%s\"] has no pattern",
			       doc_kind_name((enum doc_kind)k));
			continue;
		}
		if (n->reset[0] && numbering_reset_parse(n->reset, &reset) != 0) {
			err_at(L, n->line, 0, "reset '%s' is not one of year, month, never",
			       n->reset);
			continue;
		}
		where_at(L, n->line, 0, where, sizeof(where));
		numbering_init(&L->c->numbering[k], n->pattern, reset, L->d, where);
	}
}

static void finish_rules(struct loader *L)
{
	for (size_t i = 0; i < L->nrules; i++) {
		struct cfg_rule *r = &L->rules[i];
		if (!r->when) {
			err_at(L, r->line, 0, "rule '%s' has no 'when'", r->name);
			continue;
		}
		if (!r->has_issue) {
			err_at(L, r->line, 0, "rule '%s' has no 'issue'", r->name);
			continue;
		}
		struct rule_src src = {
		    .name = r->name,
		    .when = r->when,
		    .issue = r->issue,
		    .backend = r->backend,
		    .then = r->then,
		    .file = L->file,
		    .when_line = r->when_line,
		    .when_col = r->when_col,
		    .issue_line = r->issue_line,
		    .backend_line = r->backend_line,
		    .then_line = r->then_line,
		    .cont_cols = r->cont_cols,
		    .ncont_cols = r->ncont,
		};
		if (rules_add_src(L->c->rules, &src, L->d) == 0)
			L->c->nrules++;
	}
}

/* Which backend may issue which kind. A receipt is fiscal: only a fiscal
 * printer may issue it, never "local". Service backends (KSeF, Fakturownia)
 * add rows here with the issue that brings them. */
static const struct {
	const char *backend;
	bool receipt;        /* issues the receipt kinds (else the invoice kinds) */
	const char *section; /* the section it needs configured, or NULL */
} issue_backends[] = {
    {"posnet", true, "printer"},
    {"local", false, NULL},
    {"smartbill", false, "smartbill"},
    {"fakturownia", false, "fakturownia"}, /* invoice proforma advance final correction */
};

/* Edit distance of two short names, for "did you mean". */
static size_t name_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[40], prev, tmp;

	if (la >= 39 || lb >= 39)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t best = prev + (a[i - 1] != b[j - 1]);
			tmp = row[j];
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

/* A [name] or [name "x"] section is in the file. */
static bool section_present(const struct config *c, const char *name)
{
	for (size_t j = 0; j < c->nkv; j++)
		if (strcmp(c->kv[j].section, name) == 0)
			return true;
	return config_has_section(c, name, NULL);
}

/* The comma-separated step list `then` has `step`. */
static bool then_has(const char *then, const char *step)
{
	size_t n = strlen(step);

	for (const char *p = then; *p;) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		const char *e = p;
		while (*e && *e != ',')
			e++;
		const char *t = e;
		while (t > p && (t[-1] == ' ' || t[-1] == '\t'))
			t--;
		if ((size_t)(t - p) == n && strncmp(p, step, n) == 0)
			return true;
		p = e;
	}
	return false;
}

/* The backend of every rule against its kind and what is configured, so a
 * typo does not leave documents pending forever and a receipt never goes to
 * a backend that is not a fiscal printer. */
static void finish_rule_backends(struct loader *L)
{
	for (size_t i = 0; i < L->nrules; i++) {
		const struct cfg_rule *r = &L->rules[i];
		const char *hint = NULL;
		size_t best = 3;
		enum doc_kind k;
		bool receipt;
		int found = -1;

		if (!r->backend[0] || doc_kind_parse(r->issue, &k) != 0 || k == DOC_NONE)
			continue;
		receipt = k == DOC_RECEIPT || k == DOC_RECEIPT_NIP;
		for (size_t b = 0; b < sizeof(issue_backends) / sizeof(issue_backends[0]); b++) {
			size_t dist = name_distance(r->backend, issue_backends[b].backend);
			if (dist == 0)
				found = (int)b;
			else if (dist < best && issue_backends[b].receipt == receipt) {
				best = dist;
				hint = issue_backends[b].backend;
			}
		}
		if (found < 0) {
			if (hint)
				err_at(L, r->backend_line, r->backend_col,
				       "rule '%s': unknown backend '%s' (did you mean '%s'?)",
				       r->name, r->backend, hint);
			else
				err_at(L, r->backend_line, r->backend_col,
				       "rule '%s': unknown backend '%s' (%s)", r->name, r->backend,
				       receipt ? "a receipt is issued by: posnet"
					       : "this kind is issued by: local");
			continue;
		}
		if (issue_backends[found].receipt != receipt) {
			err_at(L, r->backend_line, r->backend_col,
			       receipt ? "rule '%s': backend '%s' cannot issue a %s: a receipt is "
					 "only ever issued by a fiscal printer (backend posnet)"
				       : "rule '%s': backend '%s' cannot issue a %s (use local)",
			       r->name, r->backend, r->issue);
			continue;
		}
		if (issue_backends[found].section &&
		    !section_present(L->c, issue_backends[found].section))
			err_at(L, r->backend_line, r->backend_col,
			       "rule '%s': backend '%s' needs a [%s] section, and there is "
			       "none",
			       r->name, r->backend, issue_backends[found].section);
	}
}

/* What a rule asks for without naming a backend, against what is
 * configured (defect 6 of issue #18). Warnings, not errors: one rules file
 * is shared by stations with and without a label printer, and the outcome
 * is stated: a receipt rule with no fiscal printer fails its orders (says
 * so on each), a label step with no [label] is skipped (says so on each). */
static void finish_rule_needs(struct loader *L)
{
	bool printer = section_present(L->c, "printer"), label = section_present(L->c, "label");
	char rx[400] = "", lb[400] = "";
	int rx_line = 0, lb_line = 0;

	for (size_t i = 0; i < L->nrules; i++) {
		const struct cfg_rule *r = &L->rules[i];
		enum doc_kind k;
		size_t n;

		if (!r->backend[0] && !printer && doc_kind_parse(r->issue, &k) == 0 &&
		    (k == DOC_RECEIPT || k == DOC_RECEIPT_NIP)) {
			n = strlen(rx);
			snprintf(rx + n, sizeof(rx) - n, "%s'%s'", n ? ", " : "", r->name);
			rx_line = rx_line ? rx_line : r->issue_line;
		}
		if (!label && then_has(r->then, "label")) {
			n = strlen(lb);
			snprintf(lb + n, sizeof(lb) - n, "%s'%s'", n ? ", " : "", r->name);
			lb_line = lb_line ? lb_line : r->then_line;
		}
	}
	if (rx[0])
		warn_at(L, rx_line, 1,
			"no [printer] section, but rules %s issue receipts (a receipt needs a "
			"fiscal printer): their orders fail until one is configured",
			rx);
	if (lb[0])
		warn_at(L, lb_line, 1,
			"no [label] section, but rules %s say then = label: labels are skipped",
			lb);
}

static void finish_templates(struct loader *L)
{
	for (int i = 0; i < CONFIG_TMPL_COUNT; i++) {
		struct tmpl_error e;
		int line, col;

		if (!L->c->tmpl_text[i])
			continue;
		if (tmpl_compile(L->c->tmpl_text[i], NULL, &L->c->tmpl[i], &e) == 0)
			continue;
		/* the template may span continuation lines: point into the file */
		line = L->tmpl_line[i] + (e.line > 0 ? e.line - 1 : 0);
		col = e.line <= 1 ? L->tmpl_col[i] + e.col - 1 : e.col + 1;
		err_at(L, line, col, "%s: %s", tmpl_keys[i], e.msg);
	}
}

/* The module sections are read by their modules, but checked here, at load:
 * a wrong printer transport or label template must not wait for the first
 * parcel to be found. Each distinct [section "name"] is checked once. */
static void finish_modules(const struct config *c, struct diag *d)
{
	const struct config_view *v = config_view(c);

	for (size_t i = 0; i < c->nkv; i++) {
		const struct config_kv *kv = &c->kv[i];
		bool first = true;
		for (size_t j = 0; j < i && first; j++)
			first = strcmp(c->kv[j].section, kv->section) != 0 ||
				strcmp(c->kv[j].name, kv->name) != 0;
		if (!first)
			continue;
		for (size_t s = 0; s < config_nsections; s++)
			if (strcmp(config_sections[s].name, kv->section) == 0 &&
			    config_sections[s].check)
				config_sections[s].check(v, kv->name, d);
	}
}

int config_load(struct config **out, const char *path, struct diag *d)
{
	struct loader L;
	struct config *c = NULL;
	size_t before = diag_count(d);
	int rc;

	*out = NULL;
	memset(&L, 0, sizeof(L));
	rc = config_defaults(&c);
	if (rc)
		return rc;
	snprintf(c->path, sizeof(c->path), "%s", path);
	L.c = c;
	L.d = d;
	L.file = path;
	L.fp = fopen(path, "r");
	if (!L.fp) {
		/* a configuration that cannot be read is a configuration error
		 * (exit 3) for every command, with the path named */
		diag_add(d, path, "cannot open: %s", strerror(errno));
		rc = -PL_ECONFIG;
		goto err_free_config;
	}
	if (fseek(L.fp, 0, SEEK_END) == 0 && ftell(L.fp) > CONFIG_MAX_FILE) {
		diag_add(d, path, "file is larger than %d bytes", CONFIG_MAX_FILE);
		rc = -PL_ECONFIG;
		goto err_close;
	}
	rewind(L.fp);
	rc = ini_parse_stream(reader, &L, handler, &L);
	if (rc > 0) {
		char where[1100];
		where_at(&L, rc, 0, where, sizeof(where));
		diag_add(d, where, "syntax error (expected [section], key = value, or ; comment)");
	} else if (rc < 0) {
		diag_add(d, path, "cannot parse (out of memory)");
	}
	finish_numbering(&L);
	finish_rules(&L);
	finish_rule_backends(&L);
	finish_rule_needs(&L);
	finish_templates(&L);
	config_set_view(c);
	finish_modules(c, d);
	rc = diag_count(d) > before ? -PL_ECONFIG : 0;
err_close:
	fclose(L.fp);
	for (size_t i = 0; i < L.nrules; i++) {
		free(L.rules[i].when);
		free(L.rules[i].cont_cols);
	}
	free(L.rules);
	if (rc == 0) {
		*out = c;
		return 0;
	}
err_free_config:
	config_free(c);
	return rc;
}

void config_free(struct config *c)
{
	if (!c)
		return;
	rules_free(c->rules);
	for (int i = 0; i < CONFIG_TMPL_COUNT; i++) {
		tmpl_free(c->tmpl[i]);
		free(c->tmpl_text[i]);
	}
	for (size_t i = 0; i < c->nkv; i++)
		free(c->kv[i].value);
	free(c->kv);
	free(c);
}

const char *config_get(const struct config *c, const char *section, const char *name,
		       const char *key)
{
	const char *v = NULL;

	/* the last occurrence wins, as in the rest of the file */
	for (size_t i = 0; i < c->nkv; i++) {
		const struct config_kv *kv = &c->kv[i];
		if (strcmp(kv->section, section) == 0 && strcmp(kv->name, name ? name : "") == 0 &&
		    strcmp(kv->key, key) == 0)
			v = kv->value;
	}
	return v;
}

bool config_has_section(const struct config *c, const char *section, const char *name)
{
	for (size_t i = 0; i < c->nkv; i++)
		if (strcmp(c->kv[i].section, section) == 0 &&
		    strcmp(c->kv[i].name, name ? name : "") == 0)
			return true;
	return false;
}

static bool is_secret(const char *key)
{
	return strstr(key, "token") || strstr(key, "password") || strstr(key, "secret") ||
	       strstr(key, "api_key");
}

void config_dump(const struct config *c, FILE *out)
{
	const char *prev_section = NULL, *prev_name = NULL;

	fprintf(out, "; effective configuration%s%s\n", c->path[0] ? " of " : "", c->path);
	fprintf(out,
		"[packline]\nstore = %s\nstation = %s\ndocuments_dir = %s\ninbox = %s\n"
		"poll_seconds = %d\nhelper_idle_seconds = %d\nlog_level = %s\n",
		c->store, c->station, c->documents_dir, c->inbox, c->poll_seconds,
		c->helper_idle_seconds,
		c->log_level == PL_LOG_ERROR  ? "error"
		: c->log_level == PL_LOG_WARN ? "warn"
		: c->log_level == PL_LOG_INFO ? "info"
					      : "debug");
	for (int k = DOC_NONE + 1; k < DOC_KIND_COUNT; k++)
		fprintf(out, "\n[numbering \"%s\"]\npattern = %s\nreset = %s\n",
			doc_kind_name((enum doc_kind)k), c->numbering[k].pattern,
			numbering_reset_name(c->numbering[k].reset));
	fprintf(out, "\n; %zu rules (see `packline rules explain`)\n", c->nrules);
	for (int i = 0; i < CONFIG_TMPL_COUNT; i++) {
		if (c->tmpl_text[i])
			fprintf(out, "%s%s = %s\n", i == 0 || !prev_section ? "\n[template]\n" : "",
				tmpl_keys[i], c->tmpl_text[i]);
		if (c->tmpl_text[i])
			prev_section = "template";
	}
	prev_section = NULL;
	for (size_t i = 0; i < c->nkv; i++) {
		const struct config_kv *kv = &c->kv[i];
		if (!prev_section || strcmp(prev_section, kv->section) ||
		    strcmp(prev_name, kv->name)) {
			if (kv->name[0])
				fprintf(out, "\n[%s \"%s\"]\n", kv->section, kv->name);
			else
				fprintf(out, "\n[%s]\n", kv->section);
			prev_section = kv->section;
			prev_name = kv->name;
		}
		fprintf(out, "%s = %s\n", kv->key, is_secret(kv->key) ? "********" : kv->value);
	}
}
