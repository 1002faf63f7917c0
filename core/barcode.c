/* SPDX-License-Identifier: Apache-2.0 */
/* core/barcode.c - scan classification (see barcode.h). */
#include "core/barcode.h"

#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

#define GS 0x1d /* FNC1 as a scanner sends it inside an element string */

static bool all_digits(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

bool barcode_check_digit_ok(const char *s, size_t n)
{
	int sum = 0;

	if (n < 8 || n > 18 || !all_digits(s, n))
		return false;
	/* weights 3,1,3,... from the digit left of the check digit */
	for (size_t i = 0; i + 1 < n; i++) {
		int d = s[n - 2 - i] - '0';
		sum += (i % 2 == 0) ? 3 * d : d;
	}
	return (10 - sum % 10) % 10 == s[n - 1] - '0';
}

bool barcode_gtin14(const char *s, size_t n, char out[15])
{
	if (!(n == 8 || n == 12 || n == 13 || n == 14) || !barcode_check_digit_ok(s, n))
		return false;
	memset(out, '0', 14 - n);
	memcpy(out + 14 - n, s, n);
	out[14] = '\0';
	return true;
}

const char *barcode_cmd_name(enum barcode_cmd c)
{
	switch (c) {
	case BCMD_CANCEL:
		return "cancel";
	case BCMD_HOLD:
		return "hold";
	case BCMD_REPRINT:
		return "reprint";
	case BCMD_NEXT:
		return "next";
	case BCMD_QTY:
		return "qty";
	case BCMD_MISSING:
		return "missing";
	case BCMD_SUBST:
		return "subst";
	case BCMD_NONE:
		break;
	}
	return "none";
}

static enum barcode_type invalid(struct barcode *b, const char *why)
{
	b->type = BC_INVALID;
	snprintf(b->why, sizeof(b->why), "%s", why);
	return BC_INVALID;
}

/* GS1 application identifiers we read. len > 0: fixed length; < 0: variable
 * up to -len, ended by GS or the end. */
struct gs1_ai {
	const char *ai;
	int len;
	bool numeric;
};
static const struct gs1_ai gs1_ais[] = {
    {"00", 18, true},   /* SSCC */
    {"01", 14, true},   /* GTIN */
    {"02", 14, true},   /* GTIN of contained items */
    {"10", -20, false}, /* batch/lot */
    {"11", 6, true},    /* production date */
    {"13", 6, true},    /* packaging date */
    {"15", 6, true},    /* best before */
    {"17", 6, true},    /* expiry */
    {"21", -20, false}, /* serial */
};

static const struct gs1_ai *gs1_find(const char *p, size_t n)
{
	if (n < 2)
		return NULL;
	for (size_t i = 0; i < sizeof(gs1_ais) / sizeof(gs1_ais[0]); i++)
		if (p[0] == gs1_ais[i].ai[0] && p[1] == gs1_ais[i].ai[1])
			return &gs1_ais[i];
	return NULL;
}

static bool date_ok(const char *d)
{
	int mm = (d[2] - '0') * 10 + (d[3] - '0');
	int dd = (d[4] - '0') * 10 + (d[5] - '0');

	/* GS1: day 00 means the last day of the month */
	return mm >= 1 && mm <= 12 && dd >= 0 && dd <= 31;
}

/* GS1 "character set 82" subset check: printable ASCII, no GS. */
static bool cset82(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
			return false;
	return true;
}

static bool store_ai(struct barcode *b, const struct gs1_ai *ai, const char *v, size_t n)
{
	char *dst = NULL;
	size_t cap = 0;

	if (ai->numeric && !all_digits(v, n))
		return invalid(b, "GS1: a numeric field holds other characters"), false;
	if (!ai->numeric && !cset82(v, n))
		return invalid(b, "GS1: a field holds characters GS1 does not allow"), false;
	switch (ai->ai[0] * 256 + ai->ai[1]) {
	case '0' * 256 + '1':
		if (!barcode_check_digit_ok(v, n))
			return invalid(b, "GS1 (01): wrong check digit"), false;
		dst = b->gtin, cap = sizeof(b->gtin);
		break;
	case '1' * 256 + '0':
		dst = b->batch, cap = sizeof(b->batch);
		break;
	case '1' * 256 + '7':
		if (!date_ok(v))
			return invalid(b, "GS1 (17): not a date YYMMDD"), false;
		dst = b->expiry, cap = sizeof(b->expiry);
		break;
	case '2' * 256 + '1':
		dst = b->serial, cap = sizeof(b->serial);
		break;
	default:
		if (ai->len == 6 && !date_ok(v))
			return invalid(b, "GS1: a date field is not YYMMDD"), false;
		if (ai->len == 18 && !barcode_check_digit_ok(v, n))
			return invalid(b, "GS1 (00): wrong check digit"), false;
		return true;
	}
	if (dst[0])
		return invalid(b, "GS1: an application identifier appears twice"), false;
	memcpy(dst, v, n < cap ? n : cap - 1);
	dst[n < cap ? n : cap - 1] = '\0';
	return true;
}

/* Raw element string (after the symbology identifier): AI value [GS] ... */
static enum barcode_type parse_gs1(struct barcode *b, const char *p, size_t n)
{
	size_t i = 0;

	if (n && p[0] == GS) /* a leading FNC1 some scanners send */
		i = 1;
	if (i >= n)
		return invalid(b, "GS1: empty element string");
	while (i < n) {
		const struct gs1_ai *ai = gs1_find(p + i, n - i);
		size_t vlen;

		if (!ai)
			return invalid(b, "GS1: unknown application identifier");
		i += 2;
		if (ai->len > 0) {
			vlen = (size_t)ai->len;
			if (n - i < vlen)
				return invalid(b, "GS1: a fixed-length field is cut short");
		} else {
			vlen = 0;
			while (i + vlen < n && p[i + vlen] != GS)
				vlen++;
			if (vlen == 0 || vlen > (size_t)-ai->len)
				return invalid(b, "GS1: a variable field is empty or too long");
		}
		if (!store_ai(b, ai, p + i, vlen))
			return BC_INVALID;
		i += vlen;
		if (i < n && p[i] == GS)
			i++;
		else if (i < n && ai->len < 0)
			return invalid(b, "GS1: field not ended by FNC1");
	}
	if (!b->gtin[0])
		return invalid(b, "GS1: no GTIN (01) in the element string");
	b->type = BC_PRODUCT;
	return BC_PRODUCT;
}

/* "(01)05907511000015(10)LOT": brackets delimit the AIs. */
static enum barcode_type parse_hri(struct barcode *b, const char *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		const struct gs1_ai *ai;
		size_t v, vlen = 0;

		if (p[i] != '(' || i + 3 >= n || p[i + 3] != ')')
			return invalid(b, "GS1: expected (AI) in the bracketed form");
		ai = gs1_find(p + i + 1, 2);
		if (!ai)
			return invalid(b, "GS1: unknown application identifier");
		v = i + 4;
		while (v + vlen < n && p[v + vlen] != '(')
			vlen++;
		if (ai->len > 0 ? vlen != (size_t)ai->len : (vlen == 0 || vlen > (size_t)-ai->len))
			return invalid(b, "GS1: a field has the wrong length");
		if (!store_ai(b, ai, p + v, vlen))
			return BC_INVALID;
		i = v + vlen;
	}
	if (!b->gtin[0])
		return invalid(b, "GS1: no GTIN (01) in the element string");
	b->type = BC_PRODUCT;
	return BC_PRODUCT;
}

static enum barcode_type parse_cmd(struct barcode *b, const char *c, size_t n)
{
	static const struct {
		const char *name;
		enum barcode_cmd cmd;
	} names[] = {{"CANCEL", BCMD_CANCEL}, {"HOLD", BCMD_HOLD},       {"REPRINT", BCMD_REPRINT},
		     {"NEXT", BCMD_NEXT},     {"MISSING", BCMD_MISSING}, {"SUBST", BCMD_SUBST}};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strlen(names[i].name) == n && memcmp(names[i].name, c, n) == 0) {
			b->type = BC_COMMAND;
			b->cmd = names[i].cmd;
			return BC_COMMAND;
		}
	}
	if (n > 4 && memcmp(c, "QTY:", 4) == 0 && n - 4 <= 4 && all_digits(c + 4, n - 4)) {
		int q = 0;
		for (size_t i = 4; i < n; i++)
			q = q * 10 + (c[i] - '0');
		if (q < 1)
			return invalid(b, "command QTY: the quantity is 1 to 9999");
		b->type = BC_COMMAND;
		b->cmd = BCMD_QTY;
		b->qty = q;
		return BC_COMMAND;
	}
	return invalid(b, "unknown command code");
}

enum barcode_type barcode_classify(const struct barcode_cfg *cfg, const char *data, size_t len,
				   struct barcode *out)
{
	const char *cmdp = cfg && cfg->cmd_prefix ? cfg->cmd_prefix : "PL:";
	size_t cl = strlen(cmdp);
	const char *p = data;
	size_t n = len;
	char code[18];

	memset(out, 0, sizeof(*out));
	while (n && (p[n - 1] == '\n' || p[n - 1] == '\r'))
		n--;
	if (n == 0)
		return invalid(out, "empty scan");
	if (n > BARCODE_MAX)
		return invalid(out, "scan longer than 256 bytes");
	if (memchr(p, '\0', n))
		return invalid(out, "scan holds a NUL byte");
	/* symbology identifiers (ISO/IEC 15424): ]C1 GS1-128, ]d2 GS1 DataMatrix,
	 * ]Q3 GS1 QR; ]E0 EAN-13, ]E4 EAN-8, ]A0/]C0/]d1 plain */
	if (n >= 3 && p[0] == ']') {
		char s[3] = {p[1], p[2], '\0'};
		p += 3, n -= 3;
		if (!strcmp(s, "C1") || !strcmp(s, "d2") || !strcmp(s, "Q3")) {
			out->sym = s[0] == 'C'   ? BSYM_GS1_128
				   : s[0] == 'd' ? BSYM_GS1_DM
						 : BSYM_GS1_QR;
			return parse_gs1(out, p, n);
		}
		out->sym = BSYM_OTHER;
		if (n == 0)
			return invalid(out, "empty scan after the symbology identifier");
	}
	if (p[0] == GS) {
		out->sym = BSYM_GS1_128;
		return parse_gs1(out, p, n);
	}
	if (p[0] == '(' && n >= 4 && p[3] == ')' && all_digits(p + 1, 2)) {
		out->sym = BSYM_HRI;
		return parse_hri(out, p, n);
	}
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
			return invalid(out, "scan holds control characters");
	if (n > cl && memcmp(p, cmdp, cl) == 0)
		return parse_cmd(out, p + cl, n - cl);
	memcpy(out->text, p, n);
	out->text[n] = '\0';
	if (cfg && cfg->order_prefix && cfg->order_prefix[0]) {
		size_t pl = strlen(cfg->order_prefix);
		if (n > pl && memcmp(p, cfg->order_prefix, pl) == 0) {
			size_t skip = cfg->strip_prefix ? pl : 0;
			if (n - skip >= sizeof(out->order))
				return invalid(out, "order number longer than 63 bytes");
			memcpy(out->order, p + skip, n - skip);
			out->order[n - skip] = '\0';
			out->type = BC_ORDER;
			return BC_ORDER;
		}
	}
	if (cfg && cfg->order_pattern && cfg->order_pattern[0] && n < sizeof(out->order) &&
	    fnmatch(cfg->order_pattern, out->text, 0) == 0) {
		/* the scan is not NUL-terminated: the text copy is */
		memcpy(out->order, out->text, n + 1);
		out->type = BC_ORDER;
		return BC_ORDER;
	}
	if (all_digits(p, n) && (n == 8 || n == 12 || n == 13 || n == 14)) {
		memcpy(code, p, n);
		if (barcode_gtin14(code, n, out->gtin)) {
			out->type = BC_PRODUCT;
			return BC_PRODUCT;
		}
		out->type = BC_INVALID;
		snprintf(out->why, sizeof(out->why), "%zu digits with a wrong check digit", n);
		return BC_INVALID;
	}
	out->type = BC_TEXT;
	return BC_TEXT;
}
