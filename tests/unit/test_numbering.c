/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/test_numbering.c - number patterns: tokens, padding, periods, errors. */
#include "core/numbering.h"

#include "base/err.h"
#include "check.h"

#include <string.h>

/* init must fail with -PL_ECONFIG and the first message must contain `want` */
static void expect_error(const char *pattern, enum numbering_reset reset, const char *want)
{
	struct numbering n;
	struct diag d;
	int rc;

	diag_init(&d);
	rc = numbering_init(&n, pattern, reset, &d, "packline.ini:14");
	CHECK_INT(rc, -PL_ECONFIG);
	CHECK(diag_count(&d) >= 1);
	if (d.n >= 1) {
		CHECK_STR(d.v[0].where, "packline.ini:14");
		if (!strstr(d.v[0].msg, want))
			fprintf(stderr, "pattern '%s': message '%s' lacks '%s'\n", pattern,
				d.v[0].msg, want);
		CHECK(strstr(d.v[0].msg, want) != NULL);
	}
	diag_release(&d);
}

static void expect_format(const char *pattern, enum numbering_reset reset, int y, int m, int dd,
			  int64_t counter, const char *want)
{
	struct numbering n;
	struct diag d;
	char out[128];

	diag_init(&d);
	CHECK_OK(numbering_init(&n, pattern, reset, &d, "t"));
	CHECK_INT(diag_count(&d), 0);
	CHECK_OK(numbering_format(&n, y, m, dd, counter, out, sizeof(out)));
	CHECK_STR(out, want);
	diag_release(&d);
}

static void test_format(void)
{
	expect_format("FV/{YYYY}/{NNNN}", NUM_RESET_YEAR, 2026, 11, 3, 42, "FV/2026/0042");
	expect_format("FA{YYYY}{NNN}", NUM_RESET_YEAR, 2026, 1, 1, 7, "FA2026007");
	/* a counter wider than its pad is printed whole, never cut */
	expect_format("FA{YYYY}{NNN}", NUM_RESET_YEAR, 2026, 1, 1, 12345, "FA202612345");
	expect_format("{NNN}", NUM_RESET_NEVER, 2026, 1, 1, 12345, "12345");
	expect_format("FV/{N}/{MM}/{YY}", NUM_RESET_MONTH, 2026, 3, 9, 5, "FV/5/03/26");
	expect_format("PAR {DD}.{MM}.{YYYY} #{NN}", NUM_RESET_MONTH, 2026, 12, 31, 3,
		      "PAR 31.12.2026 #03");
	/* escaped braces */
	expect_format("{{{YYYY}}}-{NN}", NUM_RESET_YEAR, 2026, 1, 1, 1, "{2026}-01");
	expect_format("A}}B{{C{N}", NUM_RESET_NEVER, 2026, 1, 1, 9, "A}B{C9");
	/* year 2000 -> YY 00, and the biggest counter */
	expect_format("{YY}/{N}", NUM_RESET_YEAR, 2000, 1, 1, INT64_MAX, "00/9223372036854775807");
	/* UTF-8 literal bytes pass through */
	expect_format("KOREKTA-Ż/{N}", NUM_RESET_NEVER, 2026, 1, 1, 1, "KOREKTA-Ż/1");
}

static void test_format_limits(void)
{
	struct numbering n;
	struct diag d;
	char out[16];

	diag_init(&d);
	CHECK_OK(numbering_init(&n, "FV/{YYYY}/{NNNN}", NUM_RESET_YEAR, &d, "t"));
	/* "FV/2026/0042" is 12 bytes + NUL */
	CHECK_OK(numbering_format(&n, 2026, 1, 1, 42, out, 13));
	CHECK_STR(out, "FV/2026/0042");
	CHECK_INT(numbering_format(&n, 2026, 1, 1, 42, out, 12), -PL_ETOOBIG);
	CHECK_STR(out, "");
	CHECK_INT(numbering_format(&n, 2026, 1, 1, 0, out, sizeof(out)), -PL_EINVAL);
	CHECK_INT(numbering_format(&n, 2026, 1, 1, -5, out, sizeof(out)), -PL_EINVAL);
	CHECK_INT(numbering_format(&n, 2026, 1, 1, 1, out, 0), -PL_ETOOBIG);
	diag_release(&d);
}

static void test_period(void)
{
	struct numbering n;
	struct diag d;
	char p[NUMBERING_PERIOD_MAX];

	diag_init(&d);
	CHECK_OK(numbering_init(&n, "FV/{YYYY}/{NNNN}", NUM_RESET_YEAR, &d, "t"));
	numbering_period(&n, 2026, 11, p);
	CHECK_STR(p, "2026");
	CHECK_OK(numbering_init(&n, "FV/{MM}/{YYYY}/{NNNN}", NUM_RESET_MONTH, &d, "t"));
	numbering_period(&n, 2026, 11, p);
	CHECK_STR(p, "2026-11");
	numbering_period(&n, 2026, 2, p);
	CHECK_STR(p, "2026-02");
	CHECK_OK(numbering_init(&n, "WZ/{NNNNNN}", NUM_RESET_NEVER, &d, "t"));
	numbering_period(&n, 2026, 11, p);
	CHECK_STR(p, "all");
	CHECK_INT(diag_count(&d), 0);
	diag_release(&d);
}

static void test_errors(void)
{
	expect_error("FV/{YYYY}/{XX}", NUM_RESET_YEAR, "unknown token '{XX}' at column 11");
	expect_error("FV/{YYYY}/{nnn}", NUM_RESET_YEAR, "unknown token '{nnn}'");
	expect_error("FV/{}/{N}", NUM_RESET_NEVER, "unknown token '{}'");
	expect_error("FV/{YYYY/{NNN}", NUM_RESET_YEAR, "'{' at column 4 is not closed");
	expect_error("FV/{YYYY}/{NNN", NUM_RESET_YEAR, "'{' at column 11 is not closed");
	expect_error("FV}/{YYYY}/{NNN}", NUM_RESET_YEAR, "'}' at column 3 has no '{'");
	expect_error("FV/{YYYY}", NUM_RESET_YEAR, "has no counter");
	expect_error("FV/{NN}/{YYYY}/{NNN}", NUM_RESET_YEAR, "second counter at column 16");
	expect_error("FV/{NNNN}", NUM_RESET_YEAR, "numbers would repeat across years");
	expect_error("FV/{MM}/{NNNN}", NUM_RESET_YEAR, "numbers would repeat across years");
	expect_error("FV/{YYYY}/{NNNN}", NUM_RESET_MONTH, "lacks {MM}");
	expect_error("FV/{MM}/{NNNN}", NUM_RESET_MONTH, "lacks {YYYY} or {YY}");
	expect_error("FV/{NNNN}", NUM_RESET_MONTH, "lacks {MM} and {YYYY}/{YY}");
	expect_error("", NUM_RESET_NEVER, "empty");
	expect_error("FV/{YYYY}/{NNNN}/0123456789012345678901234567890123456789012345678",
		     NUM_RESET_YEAR, "too long");

	/* every problem is reported, not just the first */
	{
		struct numbering n;
		struct diag d;
		diag_init(&d);
		CHECK_INT(numbering_init(&n, "{Q}/{R}", NUM_RESET_YEAR, &d, "x"), -PL_ECONFIG);
		/* two unknown tokens, no counter, no year */
		CHECK_INT(diag_count(&d), 4);
		diag_release(&d);
	}
	/* the never-reset pattern needs no date at all */
	{
		struct numbering n;
		struct diag d;
		diag_init(&d);
		CHECK_OK(numbering_init(&n, "{N}", NUM_RESET_NEVER, &d, "x"));
		CHECK_INT(diag_count(&d), 0);
		diag_release(&d);
	}
}

static void test_reset_names(void)
{
	enum numbering_reset r;

	CHECK_OK(numbering_reset_parse("year", &r));
	CHECK_INT(r, NUM_RESET_YEAR);
	CHECK_OK(numbering_reset_parse("month", &r));
	CHECK_INT(r, NUM_RESET_MONTH);
	CHECK_OK(numbering_reset_parse("never", &r));
	CHECK_INT(r, NUM_RESET_NEVER);
	CHECK_INT(numbering_reset_parse("weekly", &r), -PL_EINVAL);
	CHECK_INT(numbering_reset_parse(NULL, &r), -PL_EINVAL);
	CHECK_STR(numbering_reset_name(NUM_RESET_YEAR), "year");
	CHECK_STR(numbering_reset_name(NUM_RESET_MONTH), "month");
	CHECK_STR(numbering_reset_name(NUM_RESET_NEVER), "never");
}

int main(void)
{
	test_format();
	test_format_limits();
	test_period();
	test_errors();
	test_reset_names();
	return check_done("test_numbering");
}
