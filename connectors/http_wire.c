/* SPDX-License-Identifier: Apache-2.0 */
/* connectors/http_wire.c - request/response frames for the HTTP sidecar. */
#include "connectors/http_wire.h"
#include "base/err.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct rd {
	const char *p;
	size_t left;
};

static int put_u32(struct buf *b, uint32_t v)
{
	return buf_append(b, &v, sizeof(v));
}

static int put_i64(struct buf *b, int64_t v)
{
	return buf_append(b, &v, sizeof(v));
}

static int put_field(struct buf *b, const void *p, size_t n)
{
	int rc;

	if (n > UINT32_MAX)
		return -PL_ETOOBIG;
	if ((rc = put_u32(b, (uint32_t)n)))
		return rc;
	return n ? buf_append(b, p, n) : 0;
}

static int put_text(struct buf *b, const char *s)
{
	return put_field(b, s ? s : "", strlen(s ? s : "") + 1);
}

static int get_raw(struct rd *r, void *out, size_t n)
{
	if (r->left < n)
		return -PL_EPROTO;
	memcpy(out, r->p, n);
	r->p += n;
	r->left -= n;
	return 0;
}

static int get_field(struct rd *r, const char **p, size_t *n)
{
	uint32_t len;

	if (get_raw(r, &len, sizeof(len)) || r->left < len)
		return -PL_EPROTO;
	*p = r->p;
	*n = len;
	r->p += len;
	r->left -= len;
	return 0;
}

/* A text field: its NUL is its last byte and the only one. */
static int get_text(struct rd *r, const char **s)
{
	size_t n;

	if (get_field(r, s, &n) || n == 0 || (*s)[n - 1] != '\0' || strlen(*s) != n - 1)
		return -PL_EPROTO;
	return 0;
}

int http_wire_put_req(struct buf *b, const struct http_wire_req *r)
{
	int rc = 0;

	if (r->nheaders > HTTP_MAX_HEADERS)
		return -PL_EINVAL;
	rc = rc ? rc : put_i64(b, r->connect_timeout_ms);
	rc = rc ? rc : put_i64(b, r->timeout_ms);
	rc = rc ? rc : put_i64(b, (int64_t)r->resp_max);
	rc = rc ? rc : put_text(b, r->method);
	rc = rc ? rc : put_text(b, r->url);
	rc = rc ? rc : put_text(b, r->cainfo);
	rc = rc ? rc : put_text(b, r->content_type);
	rc = rc ? rc : put_u32(b, (uint32_t)r->nheaders);
	for (size_t i = 0; !rc && i < r->nheaders; i++)
		rc = put_text(b, r->headers[i]);
	rc = rc ? rc : put_u32(b, r->has_body ? 1 : 0);
	if (!rc && r->has_body)
		rc = put_field(b, r->body, r->body_len);
	return rc;
}

int http_wire_get_req(const void *p, size_t n, struct http_wire_req *r)
{
	struct rd rd = {p, n};
	int64_t ct, t, max;
	uint32_t nh, has;
	const char *body;

	memset(r, 0, sizeof(*r));
	if (get_raw(&rd, &ct, sizeof(ct)) || get_raw(&rd, &t, sizeof(t)) ||
	    get_raw(&rd, &max, sizeof(max)) || ct < 0 || t < 0 || max < 0 || ct > LONG_MAX ||
	    t > LONG_MAX || (uint64_t)max > SIZE_MAX)
		return -PL_EPROTO; /* the limits of a 32-bit long/size_t (armhf) too */
	r->connect_timeout_ms = (long)ct;
	r->timeout_ms = (long)t;
	r->resp_max = (size_t)max;
	if (get_text(&rd, &r->method) || get_text(&rd, &r->url) || get_text(&rd, &r->cainfo) ||
	    get_text(&rd, &r->content_type) || get_raw(&rd, &nh, sizeof(nh)) ||
	    nh > HTTP_MAX_HEADERS)
		return -PL_EPROTO;
	for (uint32_t i = 0; i < nh; i++)
		if (get_text(&rd, &r->headers[i]))
			return -PL_EPROTO;
	r->nheaders = nh;
	if (get_raw(&rd, &has, sizeof(has)) || has > 1)
		return -PL_EPROTO;
	if (has) {
		if (get_field(&rd, &body, &r->body_len))
			return -PL_EPROTO;
		r->body = body;
		r->has_body = true;
	}
	return rd.left == 0 ? 0 : -PL_EPROTO;
}

int http_wire_put_resp(struct buf *b, const struct http_resp *r)
{
	int rc = put_i64(b, r->status);

	rc = rc ? rc : put_text(b, r->content_type);
	rc = rc ? rc : put_text(b, r->err);
	rc = rc ? rc : put_field(b, r->body.data, r->body.len);
	return rc;
}

int http_wire_get_resp(const void *p, size_t n, struct http_resp *r)
{
	struct rd rd = {p, n};
	const char *ct, *err, *body;
	size_t body_len;
	int64_t status;

	if (get_raw(&rd, &status, sizeof(status)) || status < 0 || status > 999 ||
	    get_text(&rd, &ct) || get_text(&rd, &err) || get_field(&rd, &body, &body_len) ||
	    rd.left != 0)
		return -PL_EPROTO;
	r->status = (long)status;
	snprintf(r->content_type, sizeof(r->content_type), "%s", ct);
	snprintf(r->err, sizeof(r->err), "%s", err);
	buf_reset(&r->body);
	return buf_append(&r->body, body, body_len);
}
