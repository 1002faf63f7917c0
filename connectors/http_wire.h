/* SPDX-License-Identifier: Apache-2.0 */
/* connectors/http_wire.h - an HTTP request and its response as sidecar frames.
 *
 * connectors/http.c runs libcurl in a sidecar process (base/sidecar.h); these
 * are the payloads that cross the socketpair. Fields are length-prefixed
 * (u32, host order: both ends are one binary); text fields carry their NUL.
 * The decoders check every length against what is left, so a short or
 * garbled frame is -PL_EPROTO, never a read past the end; the response
 * decoder is fuzzed (tests/fuzz/fuzz_http_wire.c) because its bytes come
 * from a server.
 */
#ifndef PL_CONNECTORS_HTTP_WIRE_H
#define PL_CONNECTORS_HTTP_WIRE_H

#include "base/buf.h"
#include "connectors/http.h"

#include <stdbool.h>
#include <stddef.h>

/* A request as the sidecar gets it. After http_wire_get_req() the pointers
 * point into the decoded frame (which must outlive them). */
struct http_wire_req {
	const char *method;
	const char *url;
	const char *cainfo;       /* "" = system store */
	const char *content_type; /* "" = none */
	const char *headers[HTTP_MAX_HEADERS];
	size_t nheaders;
	bool has_body;
	const void *body;
	size_t body_len;
	long connect_timeout_ms;
	long timeout_ms;
	size_t resp_max;
};

int http_wire_put_req(struct buf *b, const struct http_wire_req *r);
/* 0 or -PL_EPROTO. */
int http_wire_get_req(const void *p, size_t n, struct http_wire_req *r);

/* status, content_type, err and body of r. */
int http_wire_put_resp(struct buf *b, const struct http_resp *r);
/* Fill r (initialised by http_resp_init; its body cap applies): 0,
 * -PL_EPROTO for a garbled frame, -PL_ETOOBIG for a body over r->body.max. */
int http_wire_get_resp(const void *p, size_t n, struct http_resp *r);

#endif
