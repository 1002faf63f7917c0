/* SPDX-License-Identifier: Apache-2.0 */
/* core/ident.c - NIP / EU VAT id and GTIN check digits (see ident.h). */
#include "core/ident.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* VIES member-state prefixes other than PL (ident.h says why no checksum). */
static const char *const eu_prefixes[] = {"AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "EL",
					  "ES", "FI", "FR", "HR", "HU", "IE", "IT", "LT", "LU",
					  "LV", "MT", "NL", "PT", "RO", "SE", "SI", "SK", "XI"};

static void say(char *why, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void say(char *why, size_t size, const char *fmt, ...)
{
	va_list ap;

	if (!why || size == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(why, size, fmt, ap);
	va_end(ap);
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static char upper(char c)
{
	return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

static bool is_alnum_up(char c)
{
	return is_digit(c) || (c >= 'A' && c <= 'Z');
}

/* A byte for a message: printable ASCII as is, anything else as \xNN, so a
 * message never carries half a UTF-8 sequence or a control byte. */
static void show_byte(char c, char out[8])
{
	unsigned char u = (unsigned char)c;

	if (u >= 0x20 && u < 0x7f)
		snprintf(out, 8, "'%c'", c);
	else
		snprintf(out, 8, "\\x%02X", u);
}

static bool nip_digits(const char *s, size_t len, char out[16], char *why, size_t why_size)
{
	static const int w[9] = {6, 5, 7, 2, 3, 4, 5, 6, 7};
	char digits[11];
	size_t n = 0;
	int sum = 0, check;

	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c == ' ' || c == '-')
			continue;
		if (!is_digit(c)) {
			char b[8];
			show_byte(c, b);
			say(why, why_size,
			    "NIP has %s at position %zu; only digits, spaces and dashes are "
			    "allowed",
			    b, i + 1);
			return false;
		}
		if (n < 10)
			digits[n] = c;
		n++;
	}
	if (n != 10) {
		say(why, why_size, "NIP must have 10 digits, got %zu", n);
		return false;
	}
	digits[10] = '\0';
	for (int i = 0; i < 9; i++)
		sum += (digits[i] - '0') * w[i];
	check = sum % 11;
	if (check == 10) {
		say(why, why_size,
		    "NIP checksum of the first nine digits is 10, so no valid NIP starts with %.9s",
		    digits);
		return false;
	}
	if (check != digits[9] - '0') {
		say(why, why_size, "NIP check digit is %c, expected %d", digits[9], check);
		return false;
	}
	if (strcmp(digits, "0000000000") == 0) {
		say(why, why_size, "NIP 0000000000 is a placeholder, not a tax id");
		return false;
	}
	memcpy(out, digits, 11);
	return true;
}

static bool foreign_vat(const char *s, size_t len, char out[16], char *why, size_t why_size)
{
	char norm[IDENT_RAW_MAX + 1];
	size_t n = 0;
	bool known = false;

	for (size_t i = 0; i < len; i++) {
		char c = upper(s[i]);
		if (c == ' ' || c == '-')
			continue;
		if (!is_alnum_up(c)) {
			char b[8];
			show_byte(s[i], b);
			say(why, why_size,
			    "VAT id has %s at position %zu; only letters, digits, spaces and "
			    "dashes are "
			    "allowed",
			    b, i + 1);
			return false;
		}
		norm[n++] = c; /* n <= len <= IDENT_RAW_MAX */
	}
	norm[n] = '\0';
	for (size_t i = 0; i < sizeof(eu_prefixes) / sizeof(eu_prefixes[0]); i++)
		if (memcmp(norm, eu_prefixes[i], 2) == 0)
			known = true;
	if (!known) {
		say(why, why_size,
		    "unknown VAT id country prefix '%.2s' (expected PL or another EU prefix such "
		    "as "
		    "DE, CZ, EL)",
		    norm);
		return false;
	}
	if (n - 2 < 2 || n - 2 > 12) {
		say(why, why_size,
		    "%.2s VAT id must have 2 to 12 characters after the prefix, got %zu", norm,
		    n - 2);
		return false;
	}
	memcpy(out, norm, n + 1); /* n <= 14 */
	return true;
}

bool ident_nip_check(const char *raw, char out[16], char *why, size_t why_size)
{
	size_t len, skip = 0;
	const char *s;

	out[0] = '\0';
	if (!raw || !*raw) {
		say(why, why_size, "NIP is empty");
		return false;
	}
	len = strlen(raw);
	if (len > IDENT_RAW_MAX) {
		say(why, why_size, "NIP is %zu characters long, at most %d are accepted", len,
		    IDENT_RAW_MAX);
		return false;
	}
	/* leading spaces are noise from copy-paste, not part of the id */
	while (skip < len && raw[skip] == ' ')
		skip++;
	s = raw + skip;
	len -= skip;
	if (len >= 2 && upper(s[0]) == 'P' && upper(s[1]) == 'L')
		return nip_digits(s + 2, len - 2, out, why, why_size);
	if (len >= 2 && upper(s[0]) >= 'A' && upper(s[0]) <= 'Z' && upper(s[1]) >= 'A' &&
	    upper(s[1]) <= 'Z')
		return foreign_vat(s, len, out, why, why_size);
	return nip_digits(s, len, out, why, why_size);
}

bool ident_nip_valid(const char *raw, char out[16])
{
	return ident_nip_check(raw, out, NULL, 0);
}

bool ident_nip_is_polish(const char *id)
{
	if (!id || strlen(id) != 10)
		return false;
	for (int i = 0; i < 10; i++)
		if (!is_digit(id[i]))
			return false;
	return true;
}

int ident_gtin_check_digit(const char *digits, size_t len)
{
	int sum = 0;

	if (!digits || len < 7 || len > 13)
		return -1;
	for (size_t i = 0; i < len; i++) {
		char c = digits[len - 1 - i];
		if (!is_digit(c))
			return -1;
		/* rightmost payload digit has weight 3 */
		sum += (c - '0') * ((i % 2 == 0) ? 3 : 1);
	}
	return (10 - sum % 10) % 10;
}

bool ident_gtin_check(const char *code, char *why, size_t why_size)
{
	size_t len;
	int want;
	const char *kind;

	if (!code || !*code) {
		say(why, why_size, "EAN is empty");
		return false;
	}
	len = strnlen(code, 64);
	for (size_t i = 0; i < len; i++) {
		if (!is_digit(code[i])) {
			char b[8];
			show_byte(code[i], b);
			say(why, why_size, "EAN has %s at position %zu; only digits are allowed", b,
			    i + 1);
			return false;
		}
	}
	switch (len) {
	case 8:
		kind = "EAN-8";
		break;
	case 12:
		kind = "UPC-A";
		break;
	case 13:
		kind = "EAN-13";
		break;
	case 14:
		kind = "GTIN-14";
		break;
	default:
		say(why, why_size, "EAN must be 8, 12, 13 or 14 digits, got %zu", len);
		return false;
	}
	want = ident_gtin_check_digit(code, len - 1);
	if (want != code[len - 1] - '0') {
		say(why, why_size, "%s check digit is %c, expected %d", kind, code[len - 1], want);
		return false;
	}
	return true;
}

bool ident_gtin_valid(const char *code)
{
	return ident_gtin_check(code, NULL, 0);
}
