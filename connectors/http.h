/* SPDX-License-Identifier: Apache-2.0 */
/* connectors/http.h - a small libcurl wrapper for the service connectors.
 *
 * One struct http per service: the base URL, fixed headers and the limits.
 * The requests themselves run in the HTTP sidecar (base/sidecar.h): a child
 * process that holds libcurl and reuses connections between calls, so that
 * the agent never maps libcurl and OpenSSL itself. Every
 * response body has a hard cap (house style §10): a bigger body fails the call
 * with -PL_ETOOBIG instead of growing without bound.
 *
 * TLS verification is always on (CURLOPT_SSL_VERIFYPEER=1, VERIFYHOST=2);
 * there is no switch to turn it off. Tests point `cainfo` at their own CA.
 * Plain http:// is accepted only for a loopback host (127.0.0.1, ::1,
 * localhost), which is what the local fake servers use; anything else must be
 * https:// (a token must never cross a network in clear).
 *
 * Outcome classes matter to callers that create things remotely (a shipment,
 * an invoice): http_request() returns
 *   0              a response arrived (any status; look at resp->status);
 *   -PL_EIO        the request was NOT sent (no connection: refused, DNS,
 *                  TLS handshake failure) - safe to try again;
 *   -PL_EUNKNOWN   the request may have reached the server but no full
 *                  response came back (timeout or connection lost after the
 *                  request was sent) - look before you create again;
 *   -PL_ETOOBIG    the response body passed resp_max (at most 64 MiB), or
 *                  the request body is over 64 MiB;
 *   -PL_EINVAL / -PL_ENOMEM as usual.
 *
 * Ownership: http_init()/http_release() for the embedded struct http;
 * http_resp_init()/http_resp_release() for a response. Not thread-safe: one
 * struct http per thread.
 */
#ifndef PL_CONNECTORS_HTTP_H
#define PL_CONNECTORS_HTTP_H

#include "base/buf.h"

#include <stddef.h>

#define HTTP_MAX_HEADERS 8
#define HTTP_ERR_LEN     256

struct http {
	char base[512];   /* "https://api-shipx-pl.easypack24.net" (no trailing '/') */
	char cainfo[512]; /* CA bundle for tests; "" = system store */
	char *headers[HTTP_MAX_HEADERS]; /* "Authorization: Bearer ..." (owned copies) */
	size_t nheaders;
	long connect_timeout_ms; /* default 5000 */
	long timeout_ms;         /* whole request; default 20000 */
	size_t resp_max;         /* body cap; default 4 MiB */
};

struct http_resp {
	long status;            /* HTTP status, 0 when no response */
	struct buf body;        /* capped at http.resp_max */
	char content_type[128]; /* "" when none */
	char err[HTTP_ERR_LEN]; /* curl's message when the call failed */
};

/* Set up for `base_url`; 0, -PL_EINVAL (not https and not loopback http,
 * or too long) or -PL_ENOMEM. */
int http_init(struct http *h, const char *base_url);
void http_release(struct http *h);
/* Add a fixed header sent with every request ("Name: value"). 0, -PL_ETOOBIG
 * past HTTP_MAX_HEADERS, -PL_ENOMEM. */
int http_add_header(struct http *h, const char *header);

void http_resp_init(struct http_resp *r);
void http_resp_release(struct http_resp *r);

/* `method` "GET", "POST", "DELETE"...; `path` is appended to the base
 * ("/v1/shipments/5?x=1"); `body` may be NULL. `content_type` is sent when
 * body is not NULL. `resp` is reset first. See the outcome classes above. */
int http_request(struct http *h, const char *method, const char *path, const char *content_type,
		 const void *body, size_t body_len, struct http_resp *resp);

/* The HTTP sidecar: stop it now / whether it runs (tests, status). */
void http_stop_helper(void);
int http_helper_running(void);

/* Percent-encode `s` for a query value into out[cap]; 0 or -PL_ETOOBIG. */
int http_query_escape(const char *s, char *out, size_t cap);

#endif
