/* SPDX-License-Identifier: Apache-2.0 */
/* core/money.h - money in integer minor units, VAT rates and VAT arithmetic.
 *
 * Money is int64_t minor units (grosze for PLN) with an ISO 4217 code beside
 * it; never a double. Quantities are int64_t thousandths ("milli-units"):
 * 1.5 kg is 1500, so that price x quantity stays exact.
 *
 * VAT method (stated once, used everywhere): amounts are gross (the shop sells
 * gross prices). A line's gross value is round_half_up(unit_gross x qty / 1000).
 * Per VAT rate the gross values are summed, and the VAT of that rate is
 * round_half_up(gross_sum x r / (100 + r)); net = gross - VAT. This is the
 * "od brutto" method of art. 106e ust. 7-8 of the Polish VAT act, with the tax
 * computed on the sum of values per rate (art. 106e ust. 11), and it is what a
 * fiscal printer does per PTU rate, so a receipt and an invoice for the same
 * order carry the same totals. Line-level net/VAT are shown computed the same
 * way, but the per-rate sums are authoritative.
 */
#ifndef PL_CORE_MONEY_H
#define PL_CORE_MONEY_H

#include <stdbool.h>
#include <stdint.h>

/* VAT rates known to the agent. Percent rates plus the Polish non-percent
 * markers: zw (exempt), np (not subject to tax in PL), oo (reverse charge). */
enum vat_rate { VAT_23, VAT_8, VAT_5, VAT_0, VAT_ZW, VAT_NP, VAT_OO, VAT_RATE_COUNT };

/* "23", "8", "5", "0", "zw", "np", "oo"; never NULL for a valid rate. */
const char *vat_rate_name(enum vat_rate r);
/* Parse the names above (also "23%", "ZW"); 0 or -PL_EINVAL. */
int vat_rate_parse(const char *s, enum vat_rate *out);
/* Percent of a rate (23, 8, 5, 0; 0 for zw/np/oo). */
int vat_rate_percent(enum vat_rate r);

/* round(a * b / d) half away from zero, exact for |a*b| < 2^63; d > 0. */
int64_t money_muldiv_round(int64_t a, int64_t b, int64_t d);
/* The same without 128-bit integers (used on 32-bit targets; exported so the
 * host tests compare both paths). */
int64_t money_muldiv_round_portable(int64_t a, int64_t b, int64_t d);
/* Gross value of a line: round_half_up(unit_gross * qty_milli / 1000). */
int64_t money_line_gross(int64_t unit_gross, int64_t qty_milli);
/* VAT contained in a gross amount at rate r (see the method above). */
int64_t money_vat_from_gross(int64_t gross, enum vat_rate r);

/* Format minor units as "1234.56" (2 decimals) into buf; returns buf. */
char *money_format(int64_t minor, char *buf, unsigned long size);
/* Parse "1234.56" / "1234,56" / "12" into minor units; 0 or -PL_EINVAL. */
int money_parse(const char *s, int64_t *out);

/* ISO 4217 code: three upper-case letters. */
bool currency_valid(const char *code);
/* An active ISO 4217 currency a shop can sell in (list in money.c; precious
 * metals, fund and test codes excluded), e.g. "PLN", "EUR", "CZK". */
bool currency_known(const char *code);

#endif
