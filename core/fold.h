/* SPDX-License-Identifier: Apache-2.0 */
/* core/fold.h - case- and diacritics-insensitive text folding (UTF-8).
 *
 * Warehouse people type "faktura", shops send "FAKTURĘ" and "Fakturka"; a rule
 * `notes ~ "faktur"` must match all of them. Folding maps every letter to a
 * comparable form:
 *
 *   FOLD_CASE  lower case only, diacritics kept: "ŁÓDŹ" -> "łódź".
 *              Used by == and != (statuses arrive as "Accepted"/"accepted").
 *   FOLD_BASE  lower case and the base letter without diacritics:
 *              "ŁÓDŹ" -> "lodz", "Straße" -> "strasse", "Čeština" -> "cestina".
 *              Used by ~ and !~ (contains).
 *
 * Covered: ASCII, Latin-1 Supplement and Latin Extended-A (U+00C0..U+017F:
 * Polish, Czech, Slovak, German, Hungarian, Lithuanian, Baltic, Nordic,
 * French, Spanish, Turkish letters) plus U+1E9E (capital sharp s). ł -> l,
 * ß -> ss, æ -> ae, ø -> o, đ -> d, þ -> th, ı -> i. Other characters are kept
 * as they are (× and ÷ stay, Cyrillic is not case-folded).
 *
 * Folding never makes text longer in bytes (every mapped character is at
 * least as long in UTF-8 as its folded form), so a buffer of len + 1 bytes is
 * always enough. Malformed UTF-8 never fails: a byte that does not start a
 * valid sequence is copied as it is.
 *
 * Pure: no I/O, no allocation.
 */
#ifndef PL_CORE_FOLD_H
#define PL_CORE_FOLD_H

#include <stdbool.h>
#include <stddef.h>

enum fold_mode { FOLD_CASE, FOLD_BASE };

/* Fold `len` bytes of `s` into `out`, which must hold len + 1 bytes. Returns
 * the folded length; out is NUL-terminated. s and out may not overlap. */
size_t fold_text(const char *s, size_t len, char *out, enum fold_mode mode);

/* a and b (NUL-terminated) are equal after folding. */
bool fold_equal(const char *a, const char *b, enum fold_mode mode);

/* hay contains needle after folding both (an empty needle is contained in
 * everything). O(len(hay) x len(needle)), no allocation. */
bool fold_contains(const char *hay, const char *needle, enum fold_mode mode);

/* Like fold_contains(), but the match must be a whole word: the folded bytes
 * just before and after it are not letters or digits ("wz" is in "na WZ," but
 * not in "wziąć"). Letters outside the folded set count as letters. */
bool fold_contains_word(const char *hay, const char *needle, enum fold_mode mode);

#endif
