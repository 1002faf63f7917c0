/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/test_cp1250.c - UTF-8 <-> Windows-1250. */
#include "check.h"

#include "base/err.h"
#include "fiscal/cp1250.h"

/* research fiscal-printers.md §1.10: the CP1250 row of the Polish-letters table */
static const struct {
	const char *utf8;
	unsigned char cp;
} polish[] = {
    {"ą", 0xB9}, {"ć", 0xE6}, {"ę", 0xEA}, {"ł", 0xB3}, {"ń", 0xF1}, {"ó", 0xF3},
    {"ś", 0x9C}, {"ź", 0x9F}, {"ż", 0xBF}, {"Ą", 0xA5}, {"Ć", 0xC6}, {"Ę", 0xCA},
    {"Ł", 0xA3}, {"Ń", 0xD1}, {"Ó", 0xD3}, {"Ś", 0x8C}, {"Ź", 0x8F}, {"Ż", 0xAF},
};

static void test_polish_letters(void)
{
	char out[16], back[16];
	size_t n;

	for (size_t i = 0; i < sizeof(polish) / sizeof(polish[0]); i++) {
		CHECK_OK(cp1250_from_utf8(polish[i].utf8, strlen(polish[i].utf8), out, sizeof(out),
					  &n, NULL, 0));
		CHECK_INT(n, 1);
		CHECK_INT((unsigned char)out[0], polish[i].cp);
		CHECK_OK(cp1250_to_utf8(out, n, back, sizeof(back), &n, false));
		CHECK_STR(back, polish[i].utf8);
	}
}

static void test_sentence_roundtrip(void)
{
	const char *s = "Zażółć gęślą jaźń — „cytat” 5 €";
	char cp[64], back[128];
	size_t n, m;

	CHECK_OK(cp1250_from_utf8(s, strlen(s), cp, sizeof(cp), &n, NULL, 0));
	CHECK_INT(n, 31);
	CHECK_STR(cp, "Za\xbf\xf3\xb3\xe6 g\xea\x9cl\xb9 ja\x9f\xf1 \x97 \x84"
		      "cytat\x94 5 \x80");
	CHECK_OK(cp1250_to_utf8(cp, n, back, sizeof(back), &m, false));
	CHECK_STR(back, s);
	/* every assigned byte round-trips */
	for (int b = 0x20; b < 0x100; b++) {
		char one = (char)b, u[8], again[4];
		size_t un, an;
		if (b >= 0x80 && cp1250_to_ucs((uint8_t)b) == 0)
			continue;
		CHECK_OK(cp1250_to_utf8(&one, 1, u, sizeof(u), &un, false));
		CHECK_OK(cp1250_from_utf8(u, un, again, sizeof(again), &an, NULL, 0));
		CHECK(an == 1 && (unsigned char)again[0] == b);
	}
}

static void test_refusals(void)
{
	char out[64], err[160];
	size_t n;

	/* emoji, Cyrillic, CJK: refused, the message names the character */
	CHECK_INT(
	    cp1250_from_utf8("Kubek \xF0\x9F\x98\x80", 10, out, sizeof(out), &n, err, sizeof(err)),
	    -PL_EINVAL);
	CHECK(strstr(err, "U+1F600") && strstr(err, "byte 6") && strstr(err, "Windows-1250"));
	CHECK_INT(cp1250_from_utf8("Мир", strlen("Мир"), out, sizeof(out), &n, err, sizeof(err)),
		  -PL_EINVAL);
	CHECK(strstr(err, "U+041C") != NULL);
	CHECK_INT(cp1250_from_utf8("日本", strlen("日本"), out, sizeof(out), &n, err, sizeof(err)),
		  -PL_EINVAL);
	/* Latin-1 letters outside CP1250 (Ã, ñ) are refused too */
	CHECK_INT(
	    cp1250_from_utf8("Señor", strlen("Señor"), out, sizeof(out), &n, err, sizeof(err)),
	    -PL_EINVAL);
	CHECK(strstr(err, "U+00F1") != NULL);
	/* malformed UTF-8: truncated, stray continuation, overlong, surrogate */
	CHECK_INT(cp1250_from_utf8("a\xC5", 2, out, sizeof(out), &n, err, sizeof(err)), -PL_EINVAL);
	CHECK(strstr(err, "invalid UTF-8") != NULL);
	CHECK_INT(cp1250_from_utf8("\x80", 1, out, sizeof(out), &n, NULL, 0), -PL_EINVAL);
	CHECK_INT(cp1250_from_utf8("\xC0\xAF", 2, out, sizeof(out), &n, NULL, 0), -PL_EINVAL);
	CHECK_INT(cp1250_from_utf8("\xED\xA0\x80", 3, out, sizeof(out), &n, NULL, 0), -PL_EINVAL);
	/* output too small */
	CHECK_INT(cp1250_from_utf8("abcdef", 6, out, 4, &n, err, sizeof(err)), -PL_ETOOBIG);
	CHECK_INT(cp1250_from_utf8("abc", 3, out, 4, &n, NULL, 0), 0);
	/* unassigned CP1250 bytes */
	CHECK_INT(cp1250_to_utf8("\x81", 1, out, sizeof(out), &n, false), -PL_EINVAL);
	CHECK_OK(cp1250_to_utf8("a\x98z", 3, out, sizeof(out), &n, true));
	CHECK_STR(out, "a\xEF\xBF\xBDz");
	CHECK_INT(cp1250_to_utf8("\xb3\xb3", 2, out, 4, &n, false), -PL_ETOOBIG);
}

int main(void)
{
	test_polish_letters();
	test_sentence_roundtrip();
	test_refusals();
	return check_done("test_cp1250");
}
