/* SPDX-License-Identifier: Apache-2.0 */
/* agent/webauth.c - scrypt password hashes for the web panel (webauth.h). */
#include "agent/webauth.h"
#include "base/err.h"
#include "base/lazylib.h"
#include "base/log.h"

#include <openssl/evp.h>

#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#define SALT_LEN   16
#define KEY_LEN    32
#define DEFAULT_LN 15
#define DEFAULT_R  8
#define DEFAULT_P  1

static const char *const names[] = {"EVP_PBE_scrypt"};
static void *fns[1];
static struct lazylib crypto = LAZYLIB_INIT("libcrypto.so.3", "libssl3", names, fns);

int webauth_scrypt(const char *pass, size_t passlen, const uint8_t *salt, size_t saltlen, int ln,
		   int r, int p, uint8_t *out, size_t outlen)
{
	uint64_t n;

	if (!pass || !salt || !out || ln < 1 || ln > 30 || r < 1 || p < 1)
		return -PL_EINVAL;
	if (lazylib_load(&crypto)) {
		pl_err("web: %s", lazylib_error(&crypto));
		return -PL_ENOTSUP;
	}
	int (*scrypt)(const char *, size_t, const unsigned char *, size_t, uint64_t, uint64_t,
		      uint64_t, uint64_t, unsigned char *, size_t) =
	    (int (*)(const char *, size_t, const unsigned char *, size_t, uint64_t, uint64_t,
		     uint64_t, uint64_t, unsigned char *, size_t))lazylib_fn(&crypto, 0);
	n = (uint64_t)1 << ln;
	/* maxmem: 128 * N * r * p plus slack; OpenSSL refuses above it */
	uint64_t mem = 128u * n * (uint64_t)r * (uint64_t)(p + 1) + (1u << 20);
	if (!scrypt(pass, passlen, salt, saltlen, n, (uint64_t)r, (uint64_t)p, mem, out, outlen))
		return -PL_EIO;
	return 0;
}

static void hex(const uint8_t *v, size_t n, char *out)
{
	static const char d[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = d[v[i] >> 4];
		out[2 * i + 1] = d[v[i] & 15];
	}
	out[2 * n] = '\0';
}

static int unhex(const char *s, size_t n, uint8_t *out)
{
	for (size_t i = 0; i < n; i++) {
		int v = 0;
		for (int k = 0; k < 2; k++) {
			char c = s[2 * i + k];
			int x = c >= '0' && c <= '9'   ? c - '0'
				: c >= 'a' && c <= 'f' ? c - 'a' + 10
						       : -1;
			if (x < 0)
				return -1;
			v = v * 16 + x;
		}
		out[i] = (uint8_t)v;
	}
	return 0;
}

int webauth_hash(const char *pass, char out[WEBAUTH_HASH_MAX])
{
	uint8_t salt[SALT_LEN], key[KEY_LEN];
	char hs[2 * SALT_LEN + 1], hk[2 * KEY_LEN + 1];
	size_t len = pass ? strlen(pass) : 0;
	int rc;

	if (!len || len > WEBAUTH_PASSWORD_MAX)
		return -PL_EINVAL;
	if (getrandom(salt, sizeof(salt), 0) != (ssize_t)sizeof(salt))
		return -PL_EIO;
	rc = webauth_scrypt(pass, len, salt, sizeof(salt), DEFAULT_LN, DEFAULT_R, DEFAULT_P, key,
			    sizeof(key));
	if (rc)
		return rc;
	hex(salt, sizeof(salt), hs);
	hex(key, sizeof(key), hk);
	snprintf(out, WEBAUTH_HASH_MAX, "$scrypt$ln=%d,r=%d,p=%d$%s$%s", DEFAULT_LN, DEFAULT_R,
		 DEFAULT_P, hs, hk);
	return 0;
}

int webauth_verify(const char *hash, const char *pass)
{
	uint8_t salt[SALT_LEN], want[KEY_LEN], got[KEY_LEN];
	int ln, r, p, n = -1, rc;
	unsigned diff = 0;
	size_t len = pass ? strlen(pass) : 0;

	if (!hash || strlen(hash) >= WEBAUTH_HASH_MAX)
		return -PL_EINVAL;
	if (sscanf(hash, "$scrypt$ln=%2d,r=%2d,p=%1d$%n", &ln, &r, &p, &n) != 3 || n < 0 ||
	    ln < 10 || ln > 20 || r < 1 || r > 16 || p < 1 || p > 4)
		return -PL_EINVAL;
	hash += n;
	if (strlen(hash) != 2 * SALT_LEN + 1 + 2 * KEY_LEN || hash[2 * SALT_LEN] != '$' ||
	    unhex(hash, SALT_LEN, salt) || unhex(hash + 2 * SALT_LEN + 1, KEY_LEN, want))
		return -PL_EINVAL;
	if (!len || len > WEBAUTH_PASSWORD_MAX)
		return -PL_ENOTFOUND;
	rc = webauth_scrypt(pass, len, salt, sizeof(salt), ln, r, p, got, sizeof(got));
	if (rc)
		return rc;
	/* constant time: every byte compared whatever the first difference */
	for (size_t i = 0; i < KEY_LEN; i++)
		diff |= (unsigned)(want[i] ^ got[i]);
	return diff ? -PL_ENOTFOUND : 0;
}
