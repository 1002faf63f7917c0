/* SPDX-License-Identifier: Apache-2.0 */
/* core/money.c - integer money, VAT rates and the VAT method of money.h.
 *
 * All arithmetic goes through money_muldiv_round(), which does the product in
 * 128 bits, so a line of 999 999.99 PLN x 1 000 000 units cannot overflow
 * silently; a result that does not fit int64 saturates (callers validate
 * ranges long before that, see core/order_json.c).
 */
#include "core/money.h"

#include "base/err.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const struct {
	const char *name;
	int percent;
} vat_table[VAT_RATE_COUNT] = {
    [VAT_23] = {"23", 23}, [VAT_8] = {"8", 8},   [VAT_5] = {"5", 5},   [VAT_0] = {"0", 0},
    [VAT_ZW] = {"zw", 0},  [VAT_NP] = {"np", 0}, [VAT_OO] = {"oo", 0},
};

const char *vat_rate_name(enum vat_rate r)
{
	if ((unsigned)r >= VAT_RATE_COUNT)
		return "?";
	return vat_table[r].name;
}

int vat_rate_parse(const char *s, enum vat_rate *out)
{
	char tmp[8];
	size_t len;

	if (!s)
		return -PL_EINVAL;
	len = strlen(s);
	/* "23%" is how people write it; accept one trailing percent sign */
	if (len > 0 && s[len - 1] == '%')
		len--;
	if (len == 0 || len >= sizeof(tmp))
		return -PL_EINVAL;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	for (int r = 0; r < VAT_RATE_COUNT; r++) {
		if (strcasecmp(tmp, vat_table[r].name) == 0) {
			/* "zw%" is nonsense: a percent sign only after a number */
			if (len != strlen(s) && vat_table[r].name[0] > '9')
				return -PL_EINVAL;
			*out = (enum vat_rate)r;
			return 0;
		}
	}
	return -PL_EINVAL;
}

int vat_rate_percent(enum vat_rate r)
{
	if ((unsigned)r >= VAT_RATE_COUNT)
		return 0;
	return vat_table[r].percent;
}

/* 64x64 -> 128-bit product, shift-subtract division and rounding, for
 * targets without __int128 (32-bit ARM). The host build checks it against
 * the __int128 path (tests/unit/test_money.c). */
int64_t money_muldiv_round_portable(int64_t a, int64_t b, int64_t d)
{
	uint64_t ua, ub, ud, a0, a1, b0, b1, p00, p01, p10, p11, mid, hi, lo;
	uint64_t r = 0, qhi = 0, qlo = 0;
	bool neg;

	if (d <= 0)
		return 0; /* contract: d > 0; never divide by zero */
	neg = (a < 0) != (b < 0);
	ua = a < 0 ? 0 - (uint64_t)a : (uint64_t)a;
	ub = b < 0 ? 0 - (uint64_t)b : (uint64_t)b;
	ud = (uint64_t)d;
	a0 = ua & 0xffffffffu;
	a1 = ua >> 32;
	b0 = ub & 0xffffffffu;
	b1 = ub >> 32;
	p00 = a0 * b0;
	p01 = a0 * b1;
	p10 = a1 * b0;
	p11 = a1 * b1;
	mid = (p00 >> 32) + (p01 & 0xffffffffu) + (p10 & 0xffffffffu);
	lo = (p00 & 0xffffffffu) | (mid << 32);
	hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
	for (int i = 127; i >= 0; i--) { /* restoring division; r < d < 2^63 */
		uint64_t bit = i >= 64 ? (hi >> (i - 64)) & 1 : (lo >> i) & 1;
		r = (r << 1) | bit;
		if (r >= ud) {
			r -= ud;
			if (i >= 64)
				qhi |= (uint64_t)1 << (i - 64);
			else
				qlo |= (uint64_t)1 << i;
		}
	}
	if (2 * r >= ud && ++qlo == 0) /* half away from zero */
		qhi++;
	if (neg)
		return (qhi || qlo >= (uint64_t)INT64_MAX + 1) ? INT64_MIN : -(int64_t)qlo;
	return (qhi || qlo > (uint64_t)INT64_MAX) ? INT64_MAX : (int64_t)qlo;
}

int64_t money_muldiv_round(int64_t a, int64_t b, int64_t d)
{
#ifdef __SIZEOF_INT128__
	__int128 p = (__int128)a * b;
	__int128 q, r;
	bool neg;

	if (d <= 0)
		return 0; /* contract: d > 0; never divide by zero */
	neg = p < 0;
	if (neg)
		p = -p;
	q = p / d;
	r = p % d;
	/* half away from zero: round up when the remainder is at least half */
	if (2 * r >= d)
		q++;
	if (neg)
		q = -q;
	if (q > INT64_MAX)
		return INT64_MAX;
	if (q < INT64_MIN)
		return INT64_MIN;
	return (int64_t)q;
#else
	return money_muldiv_round_portable(a, b, d);
#endif
}

int64_t money_line_gross(int64_t unit_gross, int64_t qty_milli)
{
	return money_muldiv_round(unit_gross, qty_milli, 1000);
}

int64_t money_vat_from_gross(int64_t gross, enum vat_rate r)
{
	int p = vat_rate_percent(r);

	if (p == 0)
		return 0;
	return money_muldiv_round(gross, p, 100 + p);
}

char *money_format(int64_t minor, char *buf, unsigned long size)
{
	/* magnitude in unsigned so INT64_MIN formats too */
	uint64_t m = minor < 0 ? (uint64_t)0 - (uint64_t)minor : (uint64_t)minor;

	if (!buf || size == 0)
		return buf;
	snprintf(buf, size, "%s%llu.%02llu", minor < 0 ? "-" : "", (unsigned long long)(m / 100),
		 (unsigned long long)(m % 100));
	return buf;
}

int money_parse(const char *s, int64_t *out)
{
	bool neg = false;
	uint64_t units = 0;
	int ndigits = 0, decimals = 0;
	uint64_t frac = 0;
	const uint64_t limit = (uint64_t)INT64_MAX / 100;

	if (!s)
		return -PL_EINVAL;
	if (*s == '-') {
		neg = true;
		s++;
	} else if (*s == '+') {
		s++;
	}
	for (; *s >= '0' && *s <= '9'; s++) {
		units = units * 10 + (uint64_t)(*s - '0');
		if (units > limit)
			return -PL_EINVAL;
		ndigits++;
	}
	if (ndigits == 0)
		return -PL_EINVAL;
	if (*s == '.' || *s == ',') {
		s++;
		for (; *s >= '0' && *s <= '9'; s++) {
			if (++decimals > 2)
				return -PL_EINVAL; /* 1.005 is not money; never round silently */
			frac = frac * 10 + (uint64_t)(*s - '0');
		}
		if (decimals == 0)
			return -PL_EINVAL; /* "12." */
	}
	if (*s != '\0')
		return -PL_EINVAL;
	if (decimals == 1)
		frac *= 10;
	units = units * 100 + frac;
	if (units > (uint64_t)INT64_MAX)
		return -PL_EINVAL;
	*out = neg ? -(int64_t)units : (int64_t)units;
	return 0;
}

bool currency_valid(const char *code)
{
	if (!code)
		return false;
	for (int i = 0; i < 3; i++)
		if (code[i] < 'A' || code[i] > 'Z')
			return false;
	return code[3] == '\0';
}

/* Active ISO 4217 codes (list of 2024), sorted, minus metals (XAU XAG XPD
 * XPT), bond units (XBA..XBD), XDR, XSU, XUA, and the test / no-currency codes
 * XTS XXX: none of them is a price on a shop order. */
static const char iso4217[] = "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF "
			      "BMD BND BOB BOV BRL BSD BTN BWP BYN BZD CAD CDF CHE CHF CHW CLF "
			      "CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB "
			      "EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR "
			      "ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD "
			      "KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR "
			      "MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK "
			      "PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP "
			      "SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD "
			      "TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES VND VUV WST XAF "
			      "XCD XCG XOF XPF YER ZAR ZMW ZWG ZWL";

bool currency_known(const char *code)
{
	if (!currency_valid(code))
		return false;
	for (const char *p = iso4217; *p; p += 4) {
		if (memcmp(p, code, 3) == 0)
			return true;
		if (p[3] == '\0')
			break;
	}
	return false;
}
