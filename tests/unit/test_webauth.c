/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/test_webauth.c - the web panel's scrypt password hashes: the
 * RFC 7914 vectors, hash/verify, wrong passwords, tampered and malformed
 * hashes, and the parameter caps. */
#include "agent/webauth.h"
#include "base/err.h"
#include "base/log.h"
#include "tests/unit/check.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static void tohex(const uint8_t *v, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", v[i]);
}

int main(void)
{
	uint8_t key[64];
	char hx[129], h1[WEBAUTH_HASH_MAX], h2[WEBAUTH_HASH_MAX], bad[WEBAUTH_HASH_MAX];

	pl_log_set_level(PL_LOG_ERROR);
	/* RFC 7914 section 12, vectors 1 and 2 */
	CHECK_OK(webauth_scrypt("", 0, (const uint8_t *)"", 0, 4, 1, 1, key, 64));
	tohex(key, 64, hx);
	CHECK_STR(hx, "77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442"
		      "fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906");
	CHECK_OK(webauth_scrypt("password", 8, (const uint8_t *)"NaCl", 4, 10, 8, 16, key, 64));
	tohex(key, 64, hx);
	CHECK_STR(hx, "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162"
		      "2eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640");

	/* a hash verifies its password only; two hashes differ (salt) */
	CHECK_OK(webauth_hash("zażółć gęślą", h1));
	CHECK_OK(webauth_hash("zażółć gęślą", h2));
	CHECK(strncmp(h1, "$scrypt$ln=15,r=8,p=1$", 22) == 0);
	CHECK(strcmp(h1, h2) != 0);
	CHECK_OK(webauth_verify(h1, "zażółć gęślą"));
	CHECK_OK(webauth_verify(h2, "zażółć gęślą"));
	CHECK_INT(webauth_verify(h1, "zażółć gęśla"), -PL_ENOTFOUND);
	CHECK_INT(webauth_verify(h1, ""), -PL_ENOTFOUND);

	/* a flipped key digit is a wrong password, not a crash */
	snprintf(bad, sizeof(bad), "%s", h1);
	bad[strlen(bad) - 1] = bad[strlen(bad) - 1] == '0' ? '1' : '0';
	CHECK_INT(webauth_verify(bad, "zażółć gęślą"), -PL_ENOTFOUND);

	/* not ours, cut short, upper-case hex, parameters past the caps */
	CHECK_INT(webauth_verify("", "x"), -PL_EINVAL);
	CHECK_INT(webauth_verify("$2y$10$abcdefghijklmnopqrstuv", "x"), -PL_EINVAL);
	snprintf(bad, sizeof(bad), "%.*s", (int)strlen(h1) - 2, h1);
	CHECK_INT(webauth_verify(bad, "zażółć gęślą"), -PL_EINVAL);
	snprintf(bad, sizeof(bad), "$scrypt$ln=21,r=8,p=1$%s", h1 + 22);
	CHECK_INT(webauth_verify(bad, "zażółć gęślą"), -PL_EINVAL);
	snprintf(bad, sizeof(bad), "$scrypt$ln=15,r=8,p=5$%s", h1 + 22);
	CHECK_INT(webauth_verify(bad, "zażółć gęślą"), -PL_EINVAL);
	snprintf(bad, sizeof(bad), "$scrypt$ln=9,r=8,p=1$%s", h1 + 22);
	CHECK_INT(webauth_verify(bad, "zażółć gęślą"), -PL_EINVAL);
	snprintf(bad, sizeof(bad), "%s", h1);
	for (char *c = bad + 22; *c; c++)
		if (*c >= 'a' && *c <= 'f')
			*c = (char)(*c - 'a' + 'A');
	CHECK_INT(webauth_verify(bad, "zażółć gęślą"), -PL_EINVAL);
	CHECK_INT(webauth_hash("", h2), -PL_EINVAL);
	return check_done("test_webauth");
}
