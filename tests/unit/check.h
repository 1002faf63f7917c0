/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/check.h - a tiny assert header (libuv task.h, CUPS testBegin).
 *
 * Each CHECK prints both values and the line on failure and counts; the test
 * binary ends with check_done(), which prints "N passed, N failed" (the plain
 * closing line CI reads) and returns the exit code.
 */
#ifndef PL_TESTS_CHECK_H
#define PL_TESTS_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_pass, check_fail;

#define CHECK(expr)                                                                                \
	do {                                                                                       \
		if (expr) {                                                                        \
			check_pass++;                                                              \
		} else {                                                                           \
			check_fail++;                                                              \
			fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #expr);   \
		}                                                                                  \
	} while (0)

#define CHECK_INT(a, b)                                                                            \
	do {                                                                                       \
		long long check_a_ = (long long)(a), check_b_ = (long long)(b);                    \
		if (check_a_ == check_b_) {                                                        \
			check_pass++;                                                              \
		} else {                                                                           \
			check_fail++;                                                              \
			fprintf(stderr, "%s:%d: %s == %s failed: %lld != %lld\n", __FILE__,        \
				__LINE__, #a, #b, check_a_, check_b_);                             \
		}                                                                                  \
	} while (0)

#define CHECK_STR(a, b)                                                                            \
	do {                                                                                       \
		const char *check_a_ = (a), *check_b_ = (b);                                       \
		if (check_a_ && check_b_ && strcmp(check_a_, check_b_) == 0) {                     \
			check_pass++;                                                              \
		} else {                                                                           \
			check_fail++;                                                              \
			fprintf(stderr, "%s:%d: %s == %s failed: \"%s\" != \"%s\"\n", __FILE__,    \
				__LINE__, #a, #b, check_a_ ? check_a_ : "(null)",                  \
				check_b_ ? check_b_ : "(null)");                                   \
		}                                                                                  \
	} while (0)

/* rc must be 0 (PL_OK) */
#define CHECK_OK(rc) CHECK_INT((rc), 0)

static inline int check_done(const char *name)
{
	printf("%s: %d passed, %d failed\n", name, check_pass, check_fail);
	return check_fail ? 1 : 0;
}

#endif
