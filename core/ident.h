/* SPDX-License-Identifier: Apache-2.0 */
/* core/ident.h - buyer tax ids (NIP, EU VAT ids) and product codes (GTIN).
 *
 * NIP (Polish tax id): 10 digits d1..d10; sum(d_i * w_i) for i = 1..9 with
 * weights 6 5 7 2 3 4 5 6 7, taken mod 11, must equal d10. A sum mod 11 of 10
 * means no valid NIP starts with those nine digits. Input may carry a "PL"
 * prefix (any case), spaces and dashes ("PL 123-456-32-18"); the normalised
 * form is the 10 digits ("1234563218"). "0000000000" passes the arithmetic but
 * is refused: it is a placeholder, never a tax id.
 *
 * Foreign EU VAT ids: a prefix of another EU member state as used by VIES
 * (AT BE BG CY CZ DE DK EE EL ES FI FR HR HU IE IT LT LU LV MT NL PT RO SE SI
 * SK, and XI for Northern Ireland) followed by 2..12 letters or digits is
 * accepted AS-IS, without a checksum: every state has its own algorithm, and
 * the authority on a foreign id is VIES, which this offline check cannot
 * replace. Normalised form: upper case, spaces and dashes removed
 * ("de 123 456 789" -> "DE123456789"). Greece is "EL" in VAT ids, not "GR".
 *
 * GTIN (EAN-8, UPC-A (12), EAN-13, GTIN-14): digits only; the last digit is
 * the check digit: weights 3,1,3,1... from the right starting at the digit
 * left of the check digit; check = (10 - sum mod 10) mod 10.
 *
 * Pure functions: no allocation, no I/O. `why` buffers get a sentence a
 * person can act on ("check digit is 9, expected 8"); they may be NULL.
 */
#ifndef PL_CORE_IDENT_H
#define PL_CORE_IDENT_H

#include <stdbool.h>
#include <stddef.h>

/* Longest raw tax id accepted (with prefix, spaces, dashes). */
#define IDENT_RAW_MAX 32

/* Valid NIP or EU VAT id? On true, `out` holds the normalised form (fits 16
 * bytes with its NUL); on false `out` is an empty string. */
bool ident_nip_valid(const char *raw, char out[16]);
/* Same, and on false writes the reason into why[why_size]: "NIP must have 10
 * digits, got 9", "NIP has 'O' at position 4; only digits, spaces and dashes
 * are allowed", "NIP check digit is 9, expected 8", "unknown VAT id country
 * prefix 'XX'", ... */
bool ident_nip_check(const char *raw, char out[16], char *why, size_t why_size);
/* True when `id` (normalised) is a Polish NIP rather than a foreign VAT id. */
bool ident_nip_is_polish(const char *id);

/* Valid GTIN-8/12/13/14 with a correct check digit? */
bool ident_gtin_valid(const char *code);
/* Same with the reason: "EAN-13 check digit is 7, expected 3", "EAN must be
 * 8, 12, 13 or 14 digits, got 11", "EAN has 'x' at position 3 ...". */
bool ident_gtin_check(const char *code, char *why, size_t why_size);
/* Check digit (0..9) that completes `digits` (the GTIN without its check
 * digit, 7..13 digits); -1 if `digits` is not that. */
int ident_gtin_check_digit(const char *digits, size_t len);

#endif
