/* SPDX-License-Identifier: Apache-2.0 */
/* core/numbering.h - document number patterns ("FV/{YYYY}/{NNNN}").
 *
 * Tokens: {YYYY} {YY} {MM} {DD} and one counter {N}, {NN}, {NNN}... whose
 * width is the zero padding (a counter wider than the pad is printed whole).
 * `{{` and `}}` are literal braces. Each pattern has a reset period; the
 * counter lives in the store under (kind, period key) and the number is taken
 * in the same transaction that stores the document (store/store.h), which is
 * what makes numbers gapless and unique across processes.
 *
 * Pure: no I/O, no allocation.
 */
#ifndef PL_CORE_NUMBERING_H
#define PL_CORE_NUMBERING_H

#include "base/diag.h"

#include <stddef.h>
#include <stdint.h>

enum numbering_reset { NUM_RESET_YEAR, NUM_RESET_MONTH, NUM_RESET_NEVER };

#define NUMBERING_PATTERN_MAX 64
#define NUMBERING_PERIOD_MAX  16

struct numbering {
	char pattern[NUMBERING_PATTERN_MAX];
	enum numbering_reset reset;
};

/* "year", "month", "never" */
int numbering_reset_parse(const char *s, enum numbering_reset *out);
const char *numbering_reset_name(enum numbering_reset r);

/* Check and store a pattern. Errors (unknown token, no counter, two counters,
 * a yearly reset without a year token, ...) go to `d` at `where`
 * ("packline.ini:14"); returns 0 or -PL_ECONFIG. */
int numbering_init(struct numbering *n, const char *pattern, enum numbering_reset reset,
		   struct diag *d, const char *where);

/* Period key of a date for this pattern's reset: "2026", "2026-11" or "all". */
void numbering_period(const struct numbering *n, int year, int month,
		      char out[NUMBERING_PERIOD_MAX]);

/* Format the number for a date and counter value (>= 1). 0, or -PL_ETOOBIG if
 * it does not fit `size`. */
int numbering_format(const struct numbering *n, int year, int month, int day, int64_t counter,
		     char *out, size_t size);

#endif
