/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/test_money.c - rounding, the VAT method, format/parse, rates. */
#include "base/err.h"
#include "core/money.h"
#include "tests/unit/check.h"

#include <limits.h>

static void test_round(void)
{
	/* half away from zero, both signs */
	CHECK_INT(money_muldiv_round(5, 1, 10), 1);   /* 0.5 -> 1 */
	CHECK_INT(money_muldiv_round(-5, 1, 10), -1); /* -0.5 -> -1 */
	CHECK_INT(money_muldiv_round(4, 1, 10), 0);
	CHECK_INT(money_muldiv_round(-4, 1, 10), 0);
	CHECK_INT(money_muldiv_round(15, 1, 10), 2);
	CHECK_INT(money_muldiv_round(-15, 1, 10), -2);
	CHECK_INT(money_muldiv_round(14999, 1, 10000), 1);
	CHECK_INT(money_muldiv_round(1, -25, 10), -3); /* -2.5 -> -3 */
	CHECK_INT(money_muldiv_round(7, 3, 2), 11);    /* 10.5 -> 11 */
	CHECK_INT(money_muldiv_round(0, 123, 7), 0);
	CHECK_INT(money_muldiv_round(1, 1, 0), 0); /* d <= 0 is a contract breach, not a crash */
	/* the product exceeds int64 but the quotient does not: exact via 128 bits */
	CHECK_INT(money_muldiv_round(INT64_MAX, 1000, 1000), INT64_MAX);
	CHECK_INT(money_muldiv_round(INT64_MAX / 2, 4, 4), INT64_MAX / 2);
	CHECK_INT(money_muldiv_round(3000000000000000000LL, 3, 9), 1000000000000000000LL);
	/* a quotient that does not fit saturates instead of wrapping */
	CHECK_INT(money_muldiv_round(INT64_MAX, 2, 1), INT64_MAX);
	CHECK_INT(money_muldiv_round(INT64_MIN, 2, 1), INT64_MIN);
}

static void test_line_gross(void)
{
	CHECK_INT(money_line_gross(7349, 1000), 7349);  /* 1 szt */
	CHECK_INT(money_line_gross(7349, 2000), 14698); /* 2 szt */
	CHECK_INT(money_line_gross(1999, 1250), 2499);  /* 1.25 kg x 19.99 = 24.9875 -> 24.99 */
	CHECK_INT(money_line_gross(1000, 333), 333);    /* 0.333 x 10.00 */
	CHECK_INT(money_line_gross(1, 500), 1);         /* 0.005 -> 0.01, half up */
	CHECK_INT(money_line_gross(1, 499), 0);
	CHECK_INT(money_line_gross(-1999, 1250), -2499); /* correction line, symmetric */
	CHECK_INT(money_line_gross(12345, 1), 12);       /* 0.001 x 123.45 = 0.12345 */
}

static void test_vat(void)
{
	/* 123.00 gross at 23%: 23.00 VAT exactly */
	CHECK_INT(money_vat_from_gross(12300, VAT_23), 2300);
	/* 100.00 gross at 23%: 18.699... -> 18.70 */
	CHECK_INT(money_vat_from_gross(10000, VAT_23), 1870);
	/* 100.00 at 8%: 7.407 -> 7.41; at 5%: 4.7619 -> 4.76 */
	CHECK_INT(money_vat_from_gross(10000, VAT_8), 741);
	CHECK_INT(money_vat_from_gross(10000, VAT_5), 476);
	CHECK_INT(money_vat_from_gross(10000, VAT_0), 0);
	CHECK_INT(money_vat_from_gross(10000, VAT_ZW), 0);
	CHECK_INT(money_vat_from_gross(10000, VAT_NP), 0);
	CHECK_INT(money_vat_from_gross(10000, VAT_OO), 0);
	/* 2.46 at 23%: 246*23/123 = 46 exactly; 1.07 at 8%: 7.925.. -> 8 */
	CHECK_INT(money_vat_from_gross(246, VAT_23), 46);
	CHECK_INT(money_vat_from_gross(107, VAT_8), 8);
	CHECK_INT(money_vat_from_gross(105, VAT_5), 5);
	/* a true half through the same division: 123*23/246 = 11.5 -> 12, and 2.73 at 5%:
	 * 273*5/105 = 13.0; 0.21 at 5% = 1.0; 0.63 at 8%: 4.666 -> 5 */
	CHECK_INT(money_muldiv_round(123, 23, 246), 12);
	CHECK_INT(money_vat_from_gross(273, VAT_5), 13);
	CHECK_INT(money_vat_from_gross(21, VAT_5), 1);
	CHECK_INT(money_vat_from_gross(63, VAT_8), 5);
	/* negative gross (correction): symmetric */
	CHECK_INT(money_vat_from_gross(-10000, VAT_23), -1870);
	CHECK_INT(money_vat_from_gross(-10000, VAT_8), -741);
	/* 159.98 gross at 23%: 29.914... -> 29.91 */
	CHECK_INT(money_vat_from_gross(15998, VAT_23), 2991);
}

static void test_rates(void)
{
	enum vat_rate r;
	static const char *names[] = {"23", "8", "5", "0", "zw", "np", "oo"};

	for (int i = 0; i < VAT_RATE_COUNT; i++) {
		CHECK_STR(vat_rate_name((enum vat_rate)i), names[i]);
		CHECK_OK(vat_rate_parse(names[i], &r));
		CHECK_INT(r, i);
	}
	CHECK_INT(vat_rate_percent(VAT_23), 23);
	CHECK_INT(vat_rate_percent(VAT_8), 8);
	CHECK_INT(vat_rate_percent(VAT_5), 5);
	CHECK_INT(vat_rate_percent(VAT_ZW), 0);
	CHECK_OK(vat_rate_parse("23%", &r));
	CHECK_INT(r, VAT_23);
	CHECK_OK(vat_rate_parse("ZW", &r));
	CHECK_INT(r, VAT_ZW);
	CHECK_OK(vat_rate_parse("Np", &r));
	CHECK_INT(r, VAT_NP);
	CHECK_INT(vat_rate_parse("22", &r), -PL_EINVAL); /* the old Polish rate */
	CHECK_INT(vat_rate_parse("7", &r), -PL_EINVAL);
	CHECK_INT(vat_rate_parse("", &r), -PL_EINVAL);
	CHECK_INT(vat_rate_parse("%", &r), -PL_EINVAL);
	CHECK_INT(vat_rate_parse("zw%", &r), -PL_EINVAL);
	CHECK_INT(vat_rate_parse("23 ", &r), -PL_EINVAL);
	CHECK_INT(vat_rate_parse(NULL, &r), -PL_EINVAL);
	CHECK_INT(vat_rate_parse("23%%", &r), -PL_EINVAL);
	CHECK_STR(vat_rate_name((enum vat_rate)99), "?");
}

static void test_format_parse(void)
{
	char b[32];
	int64_t v;

	CHECK_STR(money_format(0, b, sizeof(b)), "0.00");
	CHECK_STR(money_format(5, b, sizeof(b)), "0.05");
	CHECK_STR(money_format(-5, b, sizeof(b)), "-0.05");
	CHECK_STR(money_format(15998, b, sizeof(b)), "159.98");
	CHECK_STR(money_format(-123456, b, sizeof(b)), "-1234.56");
	CHECK_STR(money_format(INT64_MIN, b, sizeof(b)), "-92233720368547758.08");
	CHECK_STR(money_format(INT64_MAX, b, sizeof(b)), "92233720368547758.07");

	CHECK_OK(money_parse("1234.56", &v));
	CHECK_INT(v, 123456);
	CHECK_OK(money_parse("1234,56", &v));
	CHECK_INT(v, 123456);
	CHECK_OK(money_parse("12", &v));
	CHECK_INT(v, 1200);
	CHECK_OK(money_parse("12.5", &v));
	CHECK_INT(v, 1250);
	CHECK_OK(money_parse("0.05", &v));
	CHECK_INT(v, 5);
	CHECK_OK(money_parse("-0.05", &v));
	CHECK_INT(v, -5);
	CHECK_OK(money_parse("92233720368547758.07", &v));
	CHECK_INT(v, INT64_MAX);
	CHECK_INT(money_parse("92233720368547758.08", &v), -PL_EINVAL);
	CHECK_INT(money_parse("99999999999999999999", &v), -PL_EINVAL);
	CHECK_INT(money_parse("1.005", &v), -PL_EINVAL);
	CHECK_INT(money_parse("12.", &v), -PL_EINVAL);
	CHECK_INT(money_parse(".5", &v), -PL_EINVAL);
	CHECK_INT(money_parse("", &v), -PL_EINVAL);
	CHECK_INT(money_parse("-", &v), -PL_EINVAL);
	CHECK_INT(money_parse("1 234", &v), -PL_EINVAL);
	CHECK_INT(money_parse("12zł", &v), -PL_EINVAL);
	CHECK_INT(money_parse("1e3", &v), -PL_EINVAL);
	CHECK_INT(money_parse(NULL, &v), -PL_EINVAL);
	/* round trip over a range of values including negatives */
	for (int64_t x = -100050; x <= 100050; x += 37) {
		int64_t y = 0;
		CHECK_OK(money_parse(money_format(x, b, sizeof(b)), &y));
		if (y != x)
			CHECK_INT(y, x);
	}
}

static void test_currency(void)
{
	CHECK(currency_valid("PLN"));
	CHECK(currency_valid("EUR"));
	CHECK(currency_valid("CZK"));
	CHECK(!currency_valid("pln"));
	CHECK(!currency_valid("PL"));
	CHECK(!currency_valid("PLNN"));
	CHECK(!currency_valid("P1N"));
	CHECK(!currency_valid(""));
	CHECK(!currency_valid(NULL));
}

/* The path for targets without __int128 agrees with the __int128 path. */
static void test_portable_muldiv(void)
{
	static const int64_t edge[] = {0,
				       1,
				       -1,
				       2,
				       5,
				       -5,
				       99,
				       100,
				       123456789,
				       -987654321,
				       INT64_MAX,
				       INT64_MIN,
				       INT64_MAX - 1,
				       INT64_MIN + 1,
				       1LL << 32,
				       -(1LL << 32)};
	static const int64_t div[] = {1,    2,     3,     10,        100,      123,
				      1000, 10000, 12300, 1LL << 33, INT64_MAX};
	uint64_t x = 0x243f6a8885a308d3ull;
	size_t ne = sizeof(edge) / sizeof(edge[0]), nd = sizeof(div) / sizeof(div[0]);
	int mismatches = 0;

	for (size_t i = 0; i < ne; i++)
		for (size_t j = 0; j < ne; j++)
			for (size_t k = 0; k < nd; k++)
				mismatches += money_muldiv_round(edge[i], edge[j], div[k]) !=
					      money_muldiv_round_portable(edge[i], edge[j], div[k]);
	for (int n = 0; n < 200000; n++) {
		int64_t a, b, d;
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		a = (int64_t)x >> (x % 40);
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		b = (int64_t)x >> (x % 40);
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		d = (int64_t)(x >> 1) >> (x % 60);
		if (d <= 0)
			d = 1;
		mismatches += money_muldiv_round(a, b, d) != money_muldiv_round_portable(a, b, d);
	}
	CHECK_INT(mismatches, 0);
	CHECK_INT(money_muldiv_round_portable(5, 1, 10), 1);
	CHECK_INT(money_muldiv_round_portable(-5, 1, 10), -1);
	CHECK_INT(money_muldiv_round_portable(INT64_MAX, INT64_MAX, 1), INT64_MAX);
	CHECK_INT(money_muldiv_round_portable(INT64_MIN, INT64_MAX, 1), INT64_MIN);
}

int main(void)
{
	test_portable_muldiv();
	test_round();
	test_line_gross();
	test_vat();
	test_rates();
	test_format_parse();
	test_currency();
	return check_done("test_money");
}
