/* SPDX-License-Identifier: Apache-2.0 */
/* core/words.c - amounts in words (see words.h). */
#include "core/words.h"

#include "base/err.h"

#include <stdio.h>
#include <string.h>

struct wout {
	char *p;
	size_t size, len;
	int rc;
};

static void put(struct wout *w, const char *s)
{
	size_t n = strlen(s);

	if (w->rc || n == 0)
		return;
	if (w->len && w->p[w->len - 1] != '-' && w->len + 1 < w->size)
		w->p[w->len++] = ' ';
	if (w->len + n >= w->size) {
		w->rc = -PL_ETOOBIG;
		return;
	}
	memcpy(w->p + w->len, s, n + 1);
	w->len += n;
}

/* ---- Polish ----------------------------------------------------------- */

static const char *const pl_units[] = {"",     "jeden", "dwa",    "trzy",  "cztery",
				       "pięć", "sześć", "siedem", "osiem", "dziewięć"};
static const char *const pl_teens[] = {"dziesięć",    "jedenaście",    "dwanaście",  "trzynaście",
				       "czternaście", "piętnaście",    "szesnaście", "siedemnaście",
				       "osiemnaście", "dziewiętnaście"};
static const char *const pl_tens[] = {"",
				      "",
				      "dwadzieścia",
				      "trzydzieści",
				      "czterdzieści",
				      "pięćdziesiąt",
				      "sześćdziesiąt",
				      "siedemdziesiąt",
				      "osiemdziesiąt",
				      "dziewięćdziesiąt"};
static const char *const pl_hundreds[] = {"",          "sto",        "dwieście", "trzysta",
					  "czterysta", "pięćset",    "sześćset", "siedemset",
					  "osiemset",  "dziewięćset"};
/* scale forms: 1, 2-4 (not 12-14), other */
static const char *const pl_scales[][3] = {{"", "", ""},
					   {"tysiąc", "tysiące", "tysięcy"},
					   {"milion", "miliony", "milionów"},
					   {"miliard", "miliardy", "miliardów"},
					   {"bilion", "biliony", "bilionów"}};

static int pl_form(unsigned long long n)
{
	unsigned d = (unsigned)(n % 10), t = (unsigned)(n % 100);

	if (n == 1)
		return 0;
	if (d >= 2 && d <= 4 && (t < 12 || t > 14))
		return 1;
	return 2;
}

static void pl_group(struct wout *w, unsigned n)
{
	put(w, pl_hundreds[n / 100]);
	n %= 100;
	if (n >= 10 && n < 20) {
		put(w, pl_teens[n - 10]);
		return;
	}
	if (n >= 20)
		put(w, pl_tens[n / 10]);
	if (n % 10)
		put(w, pl_units[n % 10]);
}

static void pl_number(struct wout *w, unsigned long long n)
{
	unsigned g[5];
	int top = 0;

	if (n == 0) {
		put(w, "zero");
		return;
	}
	for (int i = 0; i < 5; i++, n /= 1000)
		g[i] = (unsigned)(n % 1000);
	for (int i = 4; i >= 0; i--)
		if (g[i] && !top)
			top = i + 1;
	for (int i = top - 1; i >= 0; i--) {
		if (!g[i])
			continue;
		if (i > 0 && g[i] == 1) { /* "tysiąc", not "jeden tysiąc" */
			put(w, pl_scales[i][0]);
			continue;
		}
		pl_group(w, g[i]);
		if (i > 0)
			put(w, pl_scales[i][pl_form(g[i])]);
	}
}

/* ---- English ---------------------------------------------------------- */

static const char *const en_small[] = {"",        "one",     "two",       "three",    "four",
				       "five",    "six",     "seven",     "eight",    "nine",
				       "ten",     "eleven",  "twelve",    "thirteen", "fourteen",
				       "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"};
static const char *const en_tens[] = {"",      "",      "twenty",  "thirty", "forty",
				      "fifty", "sixty", "seventy", "eighty", "ninety"};
static const char *const en_scales[] = {"", "thousand", "million", "billion", "trillion"};

static void en_group(struct wout *w, unsigned n)
{
	if (n / 100) {
		put(w, en_small[n / 100]);
		put(w, "hundred");
	}
	n %= 100;
	if (n < 20) {
		if (n)
			put(w, en_small[n]);
		return;
	}
	if (n % 10) {
		char t[32];
		snprintf(t, sizeof(t), "%s-%s", en_tens[n / 10], en_small[n % 10]);
		put(w, t);
	} else {
		put(w, en_tens[n / 10]);
	}
}

static void en_number(struct wout *w, unsigned long long n)
{
	unsigned g[5];

	if (n == 0) {
		put(w, "zero");
		return;
	}
	for (int i = 0; i < 5; i++, n /= 1000)
		g[i] = (unsigned)(n % 1000);
	for (int i = 4; i >= 0; i--) {
		if (!g[i])
			continue;
		en_group(w, g[i]);
		if (i > 0)
			put(w, en_scales[i]);
	}
}

int words_amount(char *out, size_t size, int64_t minor, const char *currency, const char *lang)
{
	struct wout w = {.p = out, .size = size};
	unsigned long long a, major;
	int pl, pln;
	char frac[16];

	if (!out || size == 0 || !currency || strlen(currency) != 3 || !lang)
		return -PL_EINVAL;
	if (strcmp(lang, "pl") == 0)
		pl = 1;
	else if (strcmp(lang, "en") == 0)
		pl = 0;
	else
		return -PL_EINVAL;
	a = minor < 0 ? (unsigned long long)0 - (unsigned long long)minor
		      : (unsigned long long)minor;
	major = a / 100;
	if (major > (unsigned long long)WORDS_MAX_MAJOR)
		return -PL_EINVAL;
	out[0] = '\0';
	pln = strcmp(currency, "PLN") == 0;
	if (minor < 0)
		put(&w, "minus");
	if (pl) {
		static const char *const zl[] = {"złoty", "złote", "złotych"};
		pl_number(&w, major);
		put(&w, pln ? zl[major == 0 ? 2 : pl_form(major)] : currency);
	} else {
		en_number(&w, major);
		put(&w, pln ? (major == 1 ? "zloty" : "zlotys") : currency);
	}
	snprintf(frac, sizeof(frac), "%02llu/100", a % 100);
	put(&w, frac);
	if (w.rc)
		out[0] = '\0';
	return w.rc;
}
