/* SPDX-License-Identifier: Apache-2.0 */
/* core/numbering.c - document number patterns (see numbering.h).
 *
 * One scanner (num_next) walks a pattern and yields literal bytes or tokens;
 * numbering_init() uses it to validate and numbering_format() to print, so the
 * two can never disagree about what a pattern means.
 */
#include "core/numbering.h"

#include "base/err.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

enum num_tok {
	NT_END,
	NT_LITERAL, /* one byte, in tok->ch */
	NT_YEAR4,
	NT_YEAR2,
	NT_MONTH,
	NT_DAY,
	NT_COUNTER, /* width in tok->width */
	NT_ERR_UNCLOSED,
	NT_ERR_UNKNOWN,
	NT_ERR_LONE_CLOSE,
};

struct num_tok_val {
	enum num_tok kind;
	char ch;
	size_t width;
	size_t start; /* byte offset of the token in the pattern */
	size_t len;   /* bytes it spans */
};

/* Scan one item at p[*pos]; advances *pos past it (not past an error). */
static void num_next(const char *p, size_t *pos, struct num_tok_val *t)
{
	size_t i = *pos, j;

	t->start = i;
	t->width = 0;
	t->len = 1;
	if (p[i] == '\0') {
		t->kind = NT_END;
		t->len = 0;
		return;
	}
	if (p[i] == '{' && p[i + 1] == '{') {
		t->kind = NT_LITERAL;
		t->ch = '{';
		t->len = 2;
		*pos = i + 2;
		return;
	}
	if (p[i] == '}') {
		if (p[i + 1] == '}') {
			t->kind = NT_LITERAL;
			t->ch = '}';
			t->len = 2;
			*pos = i + 2;
			return;
		}
		t->kind = NT_ERR_LONE_CLOSE;
		return;
	}
	if (p[i] != '{') {
		t->kind = NT_LITERAL;
		t->ch = p[i];
		*pos = i + 1;
		return;
	}
	for (j = i + 1; p[j] && p[j] != '}' && p[j] != '{'; j++)
		;
	if (p[j] != '}') {
		t->kind = NT_ERR_UNCLOSED;
		t->len = j - i;
		return;
	}
	t->len = j + 1 - i;
	{
		const char *body = p + i + 1;
		size_t blen = j - i - 1;
		size_t k;

		if (blen == 4 && memcmp(body, "YYYY", 4) == 0)
			t->kind = NT_YEAR4;
		else if (blen == 2 && memcmp(body, "YY", 2) == 0)
			t->kind = NT_YEAR2;
		else if (blen == 2 && memcmp(body, "MM", 2) == 0)
			t->kind = NT_MONTH;
		else if (blen == 2 && memcmp(body, "DD", 2) == 0)
			t->kind = NT_DAY;
		else {
			for (k = 0; k < blen && body[k] == 'N'; k++)
				;
			if (blen > 0 && k == blen) {
				t->kind = NT_COUNTER;
				t->width = blen;
			} else {
				t->kind = NT_ERR_UNKNOWN;
				return;
			}
		}
	}
	*pos = j + 1;
}

int numbering_reset_parse(const char *s, enum numbering_reset *out)
{
	if (!s)
		return -PL_EINVAL;
	if (strcmp(s, "year") == 0)
		*out = NUM_RESET_YEAR;
	else if (strcmp(s, "month") == 0)
		*out = NUM_RESET_MONTH;
	else if (strcmp(s, "never") == 0)
		*out = NUM_RESET_NEVER;
	else
		return -PL_EINVAL;
	return 0;
}

const char *numbering_reset_name(enum numbering_reset r)
{
	switch (r) {
	case NUM_RESET_YEAR:
		return "year";
	case NUM_RESET_MONTH:
		return "month";
	case NUM_RESET_NEVER:
		return "never";
	}
	return "?";
}

int numbering_init(struct numbering *n, const char *pattern, enum numbering_reset reset,
		   struct diag *d, const char *where)
{
	struct num_tok_val t;
	size_t pos = 0, len;
	int counters = 0, errors = 0;
	bool year = false, month = false;

	memset(n, 0, sizeof(*n));
	if (!pattern) {
		diag_add(d, where, "numbering pattern is missing");
		return -PL_ECONFIG;
	}
	len = strlen(pattern);
	if (len == 0) {
		diag_add(d, where, "numbering pattern is empty");
		return -PL_ECONFIG;
	}
	if (len >= NUMBERING_PATTERN_MAX) {
		diag_add(d, where, "numbering pattern is too long (%zu bytes, at most %d)", len,
			 NUMBERING_PATTERN_MAX - 1);
		return -PL_ECONFIG;
	}
	for (;;) {
		num_next(pattern, &pos, &t);
		if (t.kind == NT_END)
			break;
		switch (t.kind) {
		case NT_ERR_UNCLOSED:
			diag_add(d, where,
				 "numbering pattern '%s': '{' at column %zu is not closed "
				 "(write '{{' for a literal brace)",
				 pattern, t.start + 1);
			errors++;
			/* skip the brace and keep looking for more problems */
			pos = t.start + 1;
			continue;
		case NT_ERR_UNKNOWN:
			diag_add(d, where,
				 "numbering pattern '%s': unknown token '%.*s' at column %zu "
				 "(known: {YYYY} {YY} {MM} {DD} and a counter {N}, {NN}, {NNN}...)",
				 pattern, (int)t.len, pattern + t.start, t.start + 1);
			errors++;
			pos = t.start + t.len;
			continue;
		case NT_ERR_LONE_CLOSE:
			diag_add(d, where,
				 "numbering pattern '%s': '}' at column %zu has no '{' "
				 "(write '}}' for a literal brace)",
				 pattern, t.start + 1);
			errors++;
			pos = t.start + 1;
			continue;
		case NT_YEAR4:
		case NT_YEAR2:
			year = true;
			break;
		case NT_MONTH:
			month = true;
			break;
		case NT_COUNTER:
			counters++;
			if (counters == 2) {
				diag_add(d, where,
					 "numbering pattern '%s': second counter at column %zu "
					 "(a pattern has exactly one {N...})",
					 pattern, t.start + 1);
				errors++;
			}
			break;
		default:
			break;
		}
	}
	if (counters == 0) {
		diag_add(d, where, "numbering pattern '%s' has no counter (add {N}, {NNN}, ...)",
			 pattern);
		errors++;
	}
	/* A reset period the pattern cannot show makes numbers repeat: with a
	 * yearly reset and no year, FV/0001 would be issued again every January. */
	if (reset == NUM_RESET_YEAR && !year) {
		diag_add(d, where,
			 "numbering pattern '%s' resets every year but has no {YYYY} or {YY}: "
			 "numbers would repeat across years",
			 pattern);
		errors++;
	}
	if (reset == NUM_RESET_MONTH && (!year || !month)) {
		diag_add(d, where,
			 "numbering pattern '%s' resets every month but lacks %s: "
			 "numbers would repeat across months",
			 pattern,
			 !year && !month ? "{MM} and {YYYY}/{YY}"
			 : !year         ? "{YYYY} or {YY}"
					 : "{MM}");
		errors++;
	}
	if ((unsigned)reset > NUM_RESET_NEVER) {
		diag_add(d, where, "numbering reset period is invalid");
		errors++;
	}
	if (errors)
		return -PL_ECONFIG;
	memcpy(n->pattern, pattern, len + 1);
	n->reset = reset;
	return 0;
}

void numbering_period(const struct numbering *n, int year, int month,
		      char out[NUMBERING_PERIOD_MAX])
{
	switch (n->reset) {
	case NUM_RESET_YEAR:
		snprintf(out, NUMBERING_PERIOD_MAX, "%04d", year);
		return;
	case NUM_RESET_MONTH:
		snprintf(out, NUMBERING_PERIOD_MAX, "%04d-%02d", year, month);
		return;
	case NUM_RESET_NEVER:
		break;
	}
	snprintf(out, NUMBERING_PERIOD_MAX, "all");
}

/* Append text to out[*len]; false when it does not fit (with the NUL). */
static bool num_put(char *out, size_t size, size_t *len, const char *s, size_t n)
{
	if (n >= size - *len)
		return false;
	memcpy(out + *len, s, n);
	*len += n;
	out[*len] = '\0';
	return true;
}

int numbering_format(const struct numbering *n, int year, int month, int day, int64_t counter,
		     char *out, size_t size)
{
	struct num_tok_val t;
	size_t pos = 0, len = 0;
	char tmp[NUMBERING_PATTERN_MAX + 32]; /* the widest counter plus 20 digits */
	int w;

	if (!out || size == 0)
		return -PL_ETOOBIG;
	out[0] = '\0';
	if (counter < 1)
		return -PL_EINVAL;
	for (;;) {
		num_next(n->pattern, &pos, &t);
		switch (t.kind) {
		case NT_END:
			return 0;
		case NT_LITERAL:
			tmp[0] = t.ch;
			w = 1;
			break;
		case NT_YEAR4:
			w = snprintf(tmp, sizeof(tmp), "%04d", year);
			break;
		case NT_YEAR2:
			w = snprintf(tmp, sizeof(tmp), "%02d", ((year % 100) + 100) % 100);
			break;
		case NT_MONTH:
			w = snprintf(tmp, sizeof(tmp), "%02d", month);
			break;
		case NT_DAY:
			w = snprintf(tmp, sizeof(tmp), "%02d", day);
			break;
		case NT_COUNTER:
			/* width is the zero pad; a larger counter is printed whole */
			w = snprintf(tmp, sizeof(tmp), "%0*" PRId64, (int)t.width, counter);
			break;
		default:
			/* not initialised by numbering_init() */
			out[0] = '\0';
			return -PL_EINVAL;
		}
		if (w < 0 || (size_t)w >= sizeof(tmp) ||
		    !num_put(out, size, &len, tmp, (size_t)w)) {
			out[0] = '\0';
			return -PL_ETOOBIG;
		}
	}
}
