/* SPDX-License-Identifier: Apache-2.0 */
/* agent/webauth.h - the web panel's password hashes (scrypt, RFC 7914).
 *
 * The back-office panel (issue #22) logs a person in against a hash kept in
 * the configuration ([web] password_hash), never a password. The hash is
 * scrypt - memory-hard, so a stolen config file does not give the password
 * away to a GPU - from OpenSSL's libcrypto, opened on first use
 * (base/lazylib.h) like core/fa3.c, so the idle agent never maps it.
 *
 * Format (one line, as `packline web passwd` prints it):
 *   $scrypt$ln=15,r=8,p=1$<salt: 32 hex>$<key: 64 hex>
 * ln is log2(N). N = 2^15, r = 8, p = 1 take 32 MiB and ~0.1 s: a login
 * costs that much, which is the point; verify refuses parameters outside
 * ln 10..20, r 1..16, p 1..4 so a hash cannot make the agent allocate
 * gigabytes.
 *
 * Threads: all functions are reentrant. No state.
 */
#ifndef PL_AGENT_WEBAUTH_H
#define PL_AGENT_WEBAUTH_H

#include <stddef.h>
#include <stdint.h>

#define WEBAUTH_HASH_MAX     160  /* longest hash text, NUL included */
#define WEBAUTH_PASSWORD_MAX 1024 /* longest password, bytes */

/* Raw scrypt (for the RFC 7914 vectors): N = 2^ln. 0, -PL_EINVAL,
 * -PL_ENOTSUP (libcrypto missing: lazylib_error() says why), -PL_EIO. */
int webauth_scrypt(const char *pass, size_t passlen, const uint8_t *salt, size_t saltlen, int ln,
		   int r, int p, uint8_t *out, size_t outlen);

/* A new hash of `pass` (NUL-terminated, 1..WEBAUTH_PASSWORD_MAX bytes) with
 * a random salt into out[WEBAUTH_HASH_MAX]. 0 or -PL_E*. */
int webauth_hash(const char *pass, char out[WEBAUTH_HASH_MAX]);

/* 0 when `pass` matches `hash` (compared in constant time); -PL_EINVAL for
 * a hash that is not one of ours (or outside the parameter caps);
 * -PL_ENOTFOUND for a wrong password; -PL_ENOTSUP/-PL_EIO as above. */
int webauth_verify(const char *hash, const char *pass);

#endif
