/* SPDX-License-Identifier: Apache-2.0 */
/* fiscal/cp1250.c - UTF-8 <-> Windows-1250 (see cp1250.h). */
#include "fiscal/cp1250.h"

#include <stdio.h>

#include "base/err.h"

/* Upper half of Windows-1250 (generated from Python's cp1250 codec); 0 = unassigned. */
static const uint16_t cp1250_high[128] = {
    0x20AC, 0x0000, 0x201A, 0x0000, 0x201E, 0x2026, 0x2020, 0x2021, 0x0000, 0x2030, 0x0160, 0x2039,
    0x015A, 0x0164, 0x017D, 0x0179, 0x0000, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x0000, 0x2122, 0x0161, 0x203A, 0x015B, 0x0165, 0x017E, 0x017A, 0x00A0, 0x02C7, 0x02D8, 0x0141,
    0x00A4, 0x0104, 0x00A6, 0x00A7, 0x00A8, 0x00A9, 0x015E, 0x00AB, 0x00AC, 0x00AD, 0x00AE, 0x017B,
    0x00B0, 0x00B1, 0x02DB, 0x0142, 0x00B4, 0x00B5, 0x00B6, 0x00B7, 0x00B8, 0x0105, 0x015F, 0x00BB,
    0x013D, 0x02DD, 0x013E, 0x017C, 0x0154, 0x00C1, 0x00C2, 0x0102, 0x00C4, 0x0139, 0x0106, 0x00C7,
    0x010C, 0x00C9, 0x0118, 0x00CB, 0x011A, 0x00CD, 0x00CE, 0x010E, 0x0110, 0x0143, 0x0147, 0x00D3,
    0x00D4, 0x0150, 0x00D6, 0x00D7, 0x0158, 0x016E, 0x00DA, 0x0170, 0x00DC, 0x00DD, 0x0162, 0x00DF,
    0x0155, 0x00E1, 0x00E2, 0x0103, 0x00E4, 0x013A, 0x0107, 0x00E7, 0x010D, 0x00E9, 0x0119, 0x00EB,
    0x011B, 0x00ED, 0x00EE, 0x010F, 0x0111, 0x0144, 0x0148, 0x00F3, 0x00F4, 0x0151, 0x00F6, 0x00F7,
    0x0159, 0x016F, 0x00FA, 0x0171, 0x00FC, 0x00FD, 0x0163, 0x02D9,
};

int cp1250_from_ucs(uint32_t cp)
{
	if (cp < 0x80)
		return (int)cp;
	/* 128 entries: a linear scan is cheaper than keeping a second table in sync */
	for (int i = 0; i < 128; i++)
		if (cp1250_high[i] && cp1250_high[i] == cp)
			return 0x80 + i;
	return -1;
}

uint32_t cp1250_to_ucs(uint8_t b)
{
	return b < 0x80 ? b : cp1250_high[b - 0x80];
}

/* Decode one UTF-8 sequence at in[i]; returns its length or 0 when malformed. */
static size_t utf8_decode(const unsigned char *in, size_t len, size_t i, uint32_t *cp)
{
	unsigned char c = in[i];
	size_t n;
	uint32_t v, min;

	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if ((c & 0xE0) == 0xC0) {
		n = 2, v = c & 0x1F, min = 0x80;
	} else if ((c & 0xF0) == 0xE0) {
		n = 3, v = c & 0x0F, min = 0x800;
	} else if ((c & 0xF8) == 0xF0) {
		n = 4, v = c & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (len - i < n)
		return 0;
	for (size_t k = 1; k < n; k++) {
		if ((in[i + k] & 0xC0) != 0x80)
			return 0;
		v = (v << 6) | (in[i + k] & 0x3F);
	}
	if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	*cp = v;
	return n;
}

int cp1250_from_utf8(const char *in, size_t inlen, char *out, size_t cap, size_t *outlen, char *err,
		     size_t errcap)
{
	const unsigned char *u = (const unsigned char *)in;
	size_t o = 0;

	if (cap == 0)
		return -PL_ETOOBIG;
	for (size_t i = 0; i < inlen;) {
		uint32_t cp;
		size_t n = utf8_decode(u, inlen, i, &cp);
		int b;

		if (n == 0) {
			if (err && errcap)
				snprintf(err, errcap, "invalid UTF-8 (byte 0x%02X at offset %zu)",
					 u[i], i);
			out[0] = '\0';
			return -PL_EINVAL;
		}
		b = cp1250_from_ucs(cp);
		if (b < 0) {
			if (err && errcap)
				snprintf(err, errcap,
					 "character U+%04lX at byte %zu cannot be printed "
					 "(no Windows-1250 form)",
					 (unsigned long)cp, i);
			out[0] = '\0';
			return -PL_EINVAL;
		}
		if (o + 1 >= cap) {
			if (err && errcap)
				snprintf(err, errcap,
					 "text too long (%zu bytes, stopped at byte %zu)", inlen,
					 i);
			out[0] = '\0';
			return -PL_ETOOBIG;
		}
		out[o++] = (char)b;
		i += n;
	}
	out[o] = '\0';
	if (outlen)
		*outlen = o;
	return 0;
}

int cp1250_to_utf8(const char *in, size_t inlen, char *out, size_t cap, size_t *outlen, bool lossy)
{
	size_t o = 0;

	if (cap == 0)
		return -PL_ETOOBIG;
	for (size_t i = 0; i < inlen; i++) {
		uint32_t cp = cp1250_to_ucs((uint8_t)in[i]);
		unsigned char enc[3];
		size_t n;

		if (cp == 0 && in[i] != 0) {
			if (!lossy) {
				out[0] = '\0';
				return -PL_EINVAL;
			}
			cp = 0xFFFD;
		}
		if (cp < 0x80) {
			enc[0] = (unsigned char)cp;
			n = 1;
		} else if (cp < 0x800) {
			enc[0] = (unsigned char)(0xC0 | (cp >> 6));
			enc[1] = (unsigned char)(0x80 | (cp & 0x3F));
			n = 2;
		} else {
			enc[0] = (unsigned char)(0xE0 | (cp >> 12));
			enc[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
			enc[2] = (unsigned char)(0x80 | (cp & 0x3F));
			n = 3;
		}
		if (o + n >= cap) {
			out[0] = '\0';
			return -PL_ETOOBIG;
		}
		for (size_t k = 0; k < n; k++)
			out[o++] = (char)enc[k];
	}
	out[o] = '\0';
	if (outlen)
		*outlen = o;
	return 0;
}
