/* SPDX-License-Identifier: Apache-2.0 */
/* fiscal/cp1250.h - UTF-8 <-> Windows-1250, the POSNET printers' code page.
 *
 * POSNET printers read text as Windows-1250 by default (research
 * fiscal-printers.md §1.10); UTF-8 must never reach the wire. Every
 * character the agent sends goes through cp1250_from_utf8(), which refuses a
 * character with no CP1250 form (an emoji, a Cyrillic letter...) with a
 * message naming it, instead of sending a '?' the printer would print on a
 * fiscal document.
 *
 * Both functions are pure; the caller owns every buffer.
 */
#ifndef PL_FISCAL_CP1250_H
#define PL_FISCAL_CP1250_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Convert `inlen` bytes of UTF-8 to CP1250 into out[cap]; out is always
 * NUL-terminated when cap > 0 and *outlen (may be NULL) gets the byte count
 * without the NUL. Returns 0; -PL_EINVAL on malformed UTF-8 (overlong forms,
 * surrogates, truncated sequences) or a character with no CP1250 form;
 * -PL_ETOOBIG when out is too small. On error `err` (may be NULL) gets a
 * sentence for the operator, e.g.
 *   character U+1F600 at byte 7 cannot be printed (no Windows-1250 form)
 * The output of an error return is unspecified. */
int cp1250_from_utf8(const char *in, size_t inlen, char *out, size_t cap, size_t *outlen, char *err,
		     size_t errcap);

/* Convert CP1250 bytes to UTF-8 into out[cap] (NUL-terminated). Bytes with no
 * character in CP1250 (0x81 0x83 0x88 0x90 0x98) give -PL_EINVAL, or U+FFFD
 * when `lossy`. -PL_ETOOBIG when out is too small (a CP1250 byte needs up to
 * 3 UTF-8 bytes). */
int cp1250_to_utf8(const char *in, size_t inlen, char *out, size_t cap, size_t *outlen, bool lossy);

/* The CP1250 byte of a Unicode code point, or -1 when it has none. */
int cp1250_from_ucs(uint32_t cp);
/* The code point of a CP1250 byte, or 0 for the five unassigned bytes. */
uint32_t cp1250_to_ucs(uint8_t b);

#endif
