/* SPDX-License-Identifier: Apache-2.0 */
/* core/fold.c - UTF-8 case and diacritics folding (see fold.h).
 *
 * A fold iterator yields the folded bytes of a string one at a time, so that
 * equality and substring search need no buffer at all; fold_text() is the
 * same iterator drained into the caller's buffer.
 */
#include "core/fold.h"

#include <stdint.h>
#include <string.h>

/* U+00C0..U+017F: the lower-case code point, and the lower-case base letters
 * without diacritics ("" = not a letter, keep the lower-case code point).
 * Generated from Unicode NFD decompositions (Python unicodedata) plus the
 * letters that do not decompose (ł, ß, æ, ø, đ, ħ, ŋ, ŧ, þ, ð, ı, ĸ, ſ). */
static const struct {
	uint16_t lower;
	char base[3];
} fold_latin[0x180 - 0xC0] = {
    {0x00E0, "a"},  /* À */
    {0x00E1, "a"},  /* Á */
    {0x00E2, "a"},  /* Â */
    {0x00E3, "a"},  /* Ã */
    {0x00E4, "a"},  /* Ä */
    {0x00E5, "a"},  /* Å */
    {0x00E6, "ae"}, /* Æ */
    {0x00E7, "c"},  /* Ç */
    {0x00E8, "e"},  /* È */
    {0x00E9, "e"},  /* É */
    {0x00EA, "e"},  /* Ê */
    {0x00EB, "e"},  /* Ë */
    {0x00EC, "i"},  /* Ì */
    {0x00ED, "i"},  /* Í */
    {0x00EE, "i"},  /* Î */
    {0x00EF, "i"},  /* Ï */
    {0x00F0, "d"},  /* Ð */
    {0x00F1, "n"},  /* Ñ */
    {0x00F2, "o"},  /* Ò */
    {0x00F3, "o"},  /* Ó */
    {0x00F4, "o"},  /* Ô */
    {0x00F5, "o"},  /* Õ */
    {0x00F6, "o"},  /* Ö */
    {0x00D7, ""},   /* × */
    {0x00F8, "o"},  /* Ø */
    {0x00F9, "u"},  /* Ù */
    {0x00FA, "u"},  /* Ú */
    {0x00FB, "u"},  /* Û */
    {0x00FC, "u"},  /* Ü */
    {0x00FD, "y"},  /* Ý */
    {0x00FE, "th"}, /* Þ */
    {0x00DF, "ss"}, /* ß */
    {0x00E0, "a"},  /* à */
    {0x00E1, "a"},  /* á */
    {0x00E2, "a"},  /* â */
    {0x00E3, "a"},  /* ã */
    {0x00E4, "a"},  /* ä */
    {0x00E5, "a"},  /* å */
    {0x00E6, "ae"}, /* æ */
    {0x00E7, "c"},  /* ç */
    {0x00E8, "e"},  /* è */
    {0x00E9, "e"},  /* é */
    {0x00EA, "e"},  /* ê */
    {0x00EB, "e"},  /* ë */
    {0x00EC, "i"},  /* ì */
    {0x00ED, "i"},  /* í */
    {0x00EE, "i"},  /* î */
    {0x00EF, "i"},  /* ï */
    {0x00F0, "d"},  /* ð */
    {0x00F1, "n"},  /* ñ */
    {0x00F2, "o"},  /* ò */
    {0x00F3, "o"},  /* ó */
    {0x00F4, "o"},  /* ô */
    {0x00F5, "o"},  /* õ */
    {0x00F6, "o"},  /* ö */
    {0x00F7, ""},   /* ÷ */
    {0x00F8, "o"},  /* ø */
    {0x00F9, "u"},  /* ù */
    {0x00FA, "u"},  /* ú */
    {0x00FB, "u"},  /* û */
    {0x00FC, "u"},  /* ü */
    {0x00FD, "y"},  /* ý */
    {0x00FE, "th"}, /* þ */
    {0x00FF, "y"},  /* ÿ */
    {0x0101, "a"},  /* Ā */
    {0x0101, "a"},  /* ā */
    {0x0103, "a"},  /* Ă */
    {0x0103, "a"},  /* ă */
    {0x0105, "a"},  /* Ą */
    {0x0105, "a"},  /* ą */
    {0x0107, "c"},  /* Ć */
    {0x0107, "c"},  /* ć */
    {0x0109, "c"},  /* Ĉ */
    {0x0109, "c"},  /* ĉ */
    {0x010B, "c"},  /* Ċ */
    {0x010B, "c"},  /* ċ */
    {0x010D, "c"},  /* Č */
    {0x010D, "c"},  /* č */
    {0x010F, "d"},  /* Ď */
    {0x010F, "d"},  /* ď */
    {0x0111, "d"},  /* Đ */
    {0x0111, "d"},  /* đ */
    {0x0113, "e"},  /* Ē */
    {0x0113, "e"},  /* ē */
    {0x0115, "e"},  /* Ĕ */
    {0x0115, "e"},  /* ĕ */
    {0x0117, "e"},  /* Ė */
    {0x0117, "e"},  /* ė */
    {0x0119, "e"},  /* Ę */
    {0x0119, "e"},  /* ę */
    {0x011B, "e"},  /* Ě */
    {0x011B, "e"},  /* ě */
    {0x011D, "g"},  /* Ĝ */
    {0x011D, "g"},  /* ĝ */
    {0x011F, "g"},  /* Ğ */
    {0x011F, "g"},  /* ğ */
    {0x0121, "g"},  /* Ġ */
    {0x0121, "g"},  /* ġ */
    {0x0123, "g"},  /* Ģ */
    {0x0123, "g"},  /* ģ */
    {0x0125, "h"},  /* Ĥ */
    {0x0125, "h"},  /* ĥ */
    {0x0127, "h"},  /* Ħ */
    {0x0127, "h"},  /* ħ */
    {0x0129, "i"},  /* Ĩ */
    {0x0129, "i"},  /* ĩ */
    {0x012B, "i"},  /* Ī */
    {0x012B, "i"},  /* ī */
    {0x012D, "i"},  /* Ĭ */
    {0x012D, "i"},  /* ĭ */
    {0x012F, "i"},  /* Į */
    {0x012F, "i"},  /* į */
    {0x0069, "i"},  /* İ */
    {0x0131, "i"},  /* ı */
    {0x0133, "ij"}, /* Ĳ */
    {0x0133, "ij"}, /* ĳ */
    {0x0135, "j"},  /* Ĵ */
    {0x0135, "j"},  /* ĵ */
    {0x0137, "k"},  /* Ķ */
    {0x0137, "k"},  /* ķ */
    {0x0138, "k"},  /* ĸ */
    {0x013A, "l"},  /* Ĺ */
    {0x013A, "l"},  /* ĺ */
    {0x013C, "l"},  /* Ļ */
    {0x013C, "l"},  /* ļ */
    {0x013E, "l"},  /* Ľ */
    {0x013E, "l"},  /* ľ */
    {0x0140, "l"},  /* Ŀ */
    {0x0140, "l"},  /* ŀ */
    {0x0142, "l"},  /* Ł */
    {0x0142, "l"},  /* ł */
    {0x0144, "n"},  /* Ń */
    {0x0144, "n"},  /* ń */
    {0x0146, "n"},  /* Ņ */
    {0x0146, "n"},  /* ņ */
    {0x0148, "n"},  /* Ň */
    {0x0148, "n"},  /* ň */
    {0x0149, "n"},  /* ŉ */
    {0x014B, "n"},  /* Ŋ */
    {0x014B, "n"},  /* ŋ */
    {0x014D, "o"},  /* Ō */
    {0x014D, "o"},  /* ō */
    {0x014F, "o"},  /* Ŏ */
    {0x014F, "o"},  /* ŏ */
    {0x0151, "o"},  /* Ő */
    {0x0151, "o"},  /* ő */
    {0x0153, "oe"}, /* Œ */
    {0x0153, "oe"}, /* œ */
    {0x0155, "r"},  /* Ŕ */
    {0x0155, "r"},  /* ŕ */
    {0x0157, "r"},  /* Ŗ */
    {0x0157, "r"},  /* ŗ */
    {0x0159, "r"},  /* Ř */
    {0x0159, "r"},  /* ř */
    {0x015B, "s"},  /* Ś */
    {0x015B, "s"},  /* ś */
    {0x015D, "s"},  /* Ŝ */
    {0x015D, "s"},  /* ŝ */
    {0x015F, "s"},  /* Ş */
    {0x015F, "s"},  /* ş */
    {0x0161, "s"},  /* Š */
    {0x0161, "s"},  /* š */
    {0x0163, "t"},  /* Ţ */
    {0x0163, "t"},  /* ţ */
    {0x0165, "t"},  /* Ť */
    {0x0165, "t"},  /* ť */
    {0x0167, "t"},  /* Ŧ */
    {0x0167, "t"},  /* ŧ */
    {0x0169, "u"},  /* Ũ */
    {0x0169, "u"},  /* ũ */
    {0x016B, "u"},  /* Ū */
    {0x016B, "u"},  /* ū */
    {0x016D, "u"},  /* Ŭ */
    {0x016D, "u"},  /* ŭ */
    {0x016F, "u"},  /* Ů */
    {0x016F, "u"},  /* ů */
    {0x0171, "u"},  /* Ű */
    {0x0171, "u"},  /* ű */
    {0x0173, "u"},  /* Ų */
    {0x0173, "u"},  /* ų */
    {0x0175, "w"},  /* Ŵ */
    {0x0175, "w"},  /* ŵ */
    {0x0177, "y"},  /* Ŷ */
    {0x0177, "y"},  /* ŷ */
    {0x00FF, "y"},  /* Ÿ */
    {0x017A, "z"},  /* Ź */
    {0x017A, "z"},  /* ź */
    {0x017C, "z"},  /* Ż */
    {0x017C, "z"},  /* ż */
    {0x017E, "z"},  /* Ž */
    {0x017E, "z"},  /* ž */
    {0x017F, "s"},  /* ſ */
};

struct fold_iter {
	const unsigned char *p;
	enum fold_mode mode;
	unsigned char pend[4]; /* folded bytes of the current character */
	unsigned char npend, ipend;
};

static void fold_iter_init(struct fold_iter *it, const char *s, enum fold_mode mode)
{
	it->p = (const unsigned char *)s;
	it->mode = mode;
	it->npend = it->ipend = 0;
}

/* Decode one UTF-8 sequence of at most 3 bytes (all we map is below U+FFFF;
 * 4-byte sequences are copied byte by byte, which is the same bytes). Returns
 * the length (0 if p does not start a valid sequence). */
static size_t fold_decode(const unsigned char *p, uint32_t *cp)
{
	if (p[0] >= 0xC2 && p[0] <= 0xDF && (p[1] & 0xC0) == 0x80) {
		*cp = ((uint32_t)(p[0] & 0x1F) << 6) | (p[1] & 0x3F);
		return 2;
	}
	if ((p[0] & 0xF0) == 0xE0 && (p[1] & 0xC0) == 0x80 && (p[2] & 0xC0) == 0x80) {
		*cp = ((uint32_t)(p[0] & 0x0F) << 12) | ((uint32_t)(p[1] & 0x3F) << 6) |
		      (p[2] & 0x3F);
		if (*cp < 0x800)
			return 0; /* overlong */
		return 3;
	}
	return 0;
}

/* Refill it->pend from the next source character; false at the end. */
static bool fold_iter_fill(struct fold_iter *it)
{
	const unsigned char *p = it->p;
	uint32_t cp;
	size_t n;

	it->ipend = 0;
	if (*p == '\0')
		return false;
	if (*p < 0x80) {
		it->pend[0] = (*p >= 'A' && *p <= 'Z') ? (unsigned char)(*p + 32) : *p;
		it->npend = 1;
		it->p = p + 1;
		return true;
	}
	n = fold_decode(p, &cp);
	if (n == 0) {
		/* malformed or 4-byte: the byte as it is */
		it->pend[0] = *p;
		it->npend = 1;
		it->p = p + 1;
		return true;
	}
	it->p = p + n;
	if (cp == 0x1E9E) { /* ẞ capital sharp s */
		if (it->mode == FOLD_BASE) {
			memcpy(it->pend, "ss", 2);
			it->npend = 2;
		} else {
			memcpy(it->pend, "\xC3\x9F", 2); /* ß */
			it->npend = 2;
		}
		return true;
	}
	if (cp >= 0xC0 && cp < 0x180) {
		const char *base = fold_latin[cp - 0xC0].base;
		if (it->mode == FOLD_BASE && base[0]) {
			it->npend = (unsigned char)strlen(base);
			memcpy(it->pend, base, it->npend);
			return true;
		}
		cp = fold_latin[cp - 0xC0].lower;
		if (cp < 0x80) { /* İ -> i */
			it->pend[0] = (unsigned char)cp;
			it->npend = 1;
		} else {
			it->pend[0] = (unsigned char)(0xC0 | (cp >> 6));
			it->pend[1] = (unsigned char)(0x80 | (cp & 0x3F));
			it->npend = 2;
		}
		return true;
	}
	/* not mapped: copy the sequence */
	memcpy(it->pend, p, n);
	it->npend = (unsigned char)n;
	return true;
}

/* Next folded byte, or -1 at the end. */
static int fold_iter_next(struct fold_iter *it)
{
	if (it->ipend >= it->npend && !fold_iter_fill(it))
		return -1;
	return it->pend[it->ipend++];
}

size_t fold_text(const char *s, size_t len, char *out, enum fold_mode mode)
{
	struct fold_iter it;
	size_t n = 0;

	/* s may not be NUL-terminated at len: fold a bounded copy character by
	 * character; a sequence cut by len is folded only as far as it goes */
	const char *end = s + len;
	fold_iter_init(&it, s, mode);
	while ((const char *)it.p < end) {
		unsigned char tmp[4] = {0, 0, 0, 0};
		size_t left = (size_t)(end - (const char *)it.p);
		struct fold_iter one;
		size_t used;

		memcpy(tmp, it.p, left < 3 ? left : 3);
		fold_iter_init(&one, (const char *)tmp, mode);
		if (!fold_iter_fill(&one)) {
			/* an embedded NUL: copy it and go on */
			out[n++] = '\0';
			it.p++;
			continue;
		}
		used = (size_t)(one.p - tmp);
		memcpy(out + n, one.pend, one.npend);
		n += one.npend;
		it.p += used;
	}
	out[n] = '\0';
	return n;
}

bool fold_equal(const char *a, const char *b, enum fold_mode mode)
{
	struct fold_iter ia, ib;
	int ca, cb;

	fold_iter_init(&ia, a, mode);
	fold_iter_init(&ib, b, mode);
	do {
		ca = fold_iter_next(&ia);
		cb = fold_iter_next(&ib);
		if (ca != cb)
			return false;
	} while (ca >= 0);
	return true;
}

bool fold_contains(const char *hay, const char *needle, enum fold_mode mode)
{
	struct fold_iter ih, probe, in;
	int ch = 0, cn;

	fold_iter_init(&ih, hay, mode);
	for (;;) {
		/* try a match starting at the current folded byte of hay */
		probe = ih;
		fold_iter_init(&in, needle, mode);
		for (;;) {
			cn = fold_iter_next(&in);
			if (cn < 0)
				return true;
			ch = fold_iter_next(&probe);
			if (ch != cn)
				break;
		}
		if (ch < 0)
			return false; /* hay ran out: no later start can match */
		if (fold_iter_next(&ih) < 0)
			return false;
	}
}

static bool fold_is_word_byte(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       c >= 0x80;
}

bool fold_contains_word(const char *hay, const char *needle, enum fold_mode mode)
{
	struct fold_iter ih, probe, in;
	int ch = 0, cn, prev = -1, first, last = -1;

	fold_iter_init(&in, needle, mode);
	first = fold_iter_next(&in);
	if (first < 0)
		return true;
	fold_iter_init(&ih, hay, mode);
	for (;;) {
		probe = ih;
		fold_iter_init(&in, needle, mode);
		for (;;) {
			cn = fold_iter_next(&in);
			if (cn < 0)
				break;
			ch = fold_iter_next(&probe);
			if (ch != cn)
				break;
			last = cn;
		}
		if (cn < 0) {
			/* matched; a word boundary is needed only where the needle
			 * itself starts or ends with a letter or digit */
			int after = fold_iter_next(&probe);
			bool start_ok =
			    prev < 0 || !fold_is_word_byte(prev) || !fold_is_word_byte(first);
			bool end_ok =
			    after < 0 || !fold_is_word_byte(after) || !fold_is_word_byte(last);
			if (start_ok && end_ok)
				return true;
		} else if (ch < 0) {
			return false; /* hay ran out */
		}
		prev = fold_iter_next(&ih);
		if (prev < 0)
			return false;
	}
}
