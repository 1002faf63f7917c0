/* SPDX-License-Identifier: Apache-2.0 */
/* core/words.h - an amount in words, as a Polish invoice prints it:
 * "sto dwadzieścia trzy złote 45/100" (PL) or
 * "one hundred twenty-three zlotys 45/100" (EN).
 *
 * Pure. Polish plurals follow the numeral (1 złoty, 2-4 złote except
 * 12-14, else złotych; the same for tysiąc/tysiące/tysięcy ...). A currency
 * other than PLN is named by its code ("dwa EUR 00/100"). Negative amounts
 * (a correction) start with "minus".
 */
#ifndef PL_CORE_WORDS_H
#define PL_CORE_WORDS_H

#include <stddef.h>
#include <stdint.h>

/* Largest amount in major units we spell (below 10^15). */
#define WORDS_MAX_MAJOR 999999999999999LL

/* `minor` minor units (1/100) of `currency` in `lang` ("pl" or "en") into
 * out. 0, -PL_EINVAL (unknown language, amount out of range, currency not 3
 * letters), -PL_ETOOBIG (out too small; 400 bytes always do). */
int words_amount(char *out, size_t size, int64_t minor, const char *currency, const char *lang);

#endif
