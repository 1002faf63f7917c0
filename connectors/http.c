/* SPDX-License-Identifier: Apache-2.0 */
/* connectors/http.c - HTTP for the connectors: capped bodies, verified TLS.
 *
 * The agent's side (http_init ... http_request) builds a request and hands it
 * to the HTTP sidecar (base/sidecar.h), a child process that holds libcurl and
 * one easy handle (connections are reused between calls and services). So the
 * agent never maps libcurl/OpenSSL; the sidecar is stopped when idle. The
 * child's side is http_serve() and http_perform() below.
 */
#include "connectors/http.h"
#include "base/err.h"
#include "base/log.h"
#include "base/sidecar.h"
#include "connectors/curl_lazy.h"
#include "connectors/http_wire.h"

#include <curl/curl.h>

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define HTTP_DEFAULT_RESP_MAX (4u * 1024 * 1024)
/* Hard caps on what crosses to and from the sidecar: request bodies (a PDF
 * upload) and response bodies (h->resp_max is clamped to it). */
#define HTTP_BODY_LIMIT  (64u * 1024 * 1024)
#define HTTP_FRAME_SLACK (16u * 1024)
/* The sidecar's own timeout on top of curl's: loading libcurl, then curl's
 * timeouts themselves are enforced in the child. */
#define HTTP_SIDECAR_SLACK_MS 10000

enum { HTTP_OP_REQUEST = 1 };

static int http_serve(uint32_t op, const void *req, size_t len, struct buf *reply);
static struct sidecar http_sidecar = SIDECAR_INIT(
    "http", http_serve, HTTP_BODY_LIMIT + HTTP_FRAME_SLACK, HTTP_BODY_LIMIT + HTTP_FRAME_SLACK);

static bool host_is_loopback(const char *url)
{
	const char *h = url + strlen("http://");
	static const char *const loop[] = {"127.0.0.1", "localhost", "[::1]"};

	for (size_t i = 0; i < sizeof(loop) / sizeof(loop[0]); i++) {
		size_t n = strlen(loop[i]);
		if (strncasecmp(h, loop[i], n) == 0 && (h[n] == ':' || h[n] == '/' || h[n] == '\0'))
			return true;
	}
	return false;
}

int http_init(struct http *h, const char *base_url)
{
	size_t n;

	memset(h, 0, sizeof(*h));
	if (!base_url)
		return -PL_EINVAL;
	n = strlen(base_url);
	while (n > 0 && base_url[n - 1] == '/')
		n--;
	if (n == 0 || n >= sizeof(h->base))
		return -PL_EINVAL;
	if (strncasecmp(base_url, "https://", 8) != 0) {
		if (strncasecmp(base_url, "http://", 7) != 0 || !host_is_loopback(base_url)) {
			pl_err("refusing '%.*s': only https, or http to a loopback host", (int)n,
			       base_url);
			return -PL_EINVAL;
		}
	}
	memcpy(h->base, base_url, n);
	h->base[n] = '\0';
	h->connect_timeout_ms = 5000;
	h->timeout_ms = 20000;
	h->resp_max = HTTP_DEFAULT_RESP_MAX;
	return 0;
}

void http_release(struct http *h)
{
	for (size_t i = 0; i < h->nheaders; i++)
		free(h->headers[i]);
	memset(h, 0, sizeof(*h));
}

int http_add_header(struct http *h, const char *header)
{
	if (h->nheaders >= HTTP_MAX_HEADERS)
		return -PL_ETOOBIG;
	h->headers[h->nheaders] = strdup(header);
	if (!h->headers[h->nheaders])
		return -PL_ENOMEM;
	h->nheaders++;
	return 0;
}

void http_resp_init(struct http_resp *r)
{
	memset(r, 0, sizeof(*r));
	buf_init(&r->body, HTTP_DEFAULT_RESP_MAX);
}

void http_resp_release(struct http_resp *r)
{
	buf_release(&r->body);
	r->status = 0;
}

int http_request(struct http *h, const char *method, const char *path, const char *content_type,
		 const void *body, size_t body_len, struct http_resp *resp)
{
	struct http_wire_req w;
	struct buf frame, reply;
	char url[2048];
	int rc;

	if (!h->base[0] || !method || !path)
		return -PL_EINVAL;
	buf_reset(&resp->body);
	resp->body.max = h->resp_max < HTTP_BODY_LIMIT ? h->resp_max : HTTP_BODY_LIMIT;
	resp->status = 0;
	resp->content_type[0] = '\0';
	resp->err[0] = '\0';
	if ((size_t)snprintf(url, sizeof(url), "%s%s", h->base, path) >= sizeof(url))
		return -PL_ETOOBIG;
	if (body && body_len > HTTP_BODY_LIMIT)
		return -PL_ETOOBIG;

	memset(&w, 0, sizeof(w));
	w.method = method;
	w.url = url;
	w.cainfo = h->cainfo;
	w.content_type = body && content_type ? content_type : "";
	for (size_t i = 0; i < h->nheaders; i++)
		w.headers[i] = h->headers[i];
	w.nheaders = h->nheaders;
	w.has_body = body != NULL;
	w.body = body;
	w.body_len = body ? body_len : 0;
	w.connect_timeout_ms = h->connect_timeout_ms;
	w.timeout_ms = h->timeout_ms;
	w.resp_max = resp->body.max;

	buf_init(&frame, HTTP_BODY_LIMIT + HTTP_FRAME_SLACK);
	buf_init(&reply, HTTP_BODY_LIMIT + HTTP_FRAME_SLACK);
	rc = http_wire_put_req(&frame, &w);
	if (rc)
		goto out;
	rc = sidecar_call(&http_sidecar, HTTP_OP_REQUEST, frame.data, frame.len, &reply,
			  (int)(h->connect_timeout_ms + h->timeout_ms + HTTP_SIDECAR_SLACK_MS));
	if (rc && reply.len == 0) {
		/* the sidecar itself failed (or the request was too big to send) */
		snprintf(resp->err, sizeof(resp->err), "%s",
			 rc == -PL_EUNKNOWN
			     ? "HTTP helper ended during the request (outcome unknown)"
			 : rc == -PL_EIO ? "HTTP helper could not take the request (not sent)"
					 : pl_strerror(rc));
		goto out;
	}
	if (http_wire_get_resp(reply.data, reply.len, resp) && rc == 0) {
		/* the server answered but the answer did not survive the trip:
		 * treat it as no answer (cannot happen between a process and its fork) */
		snprintf(resp->err, sizeof(resp->err), "garbled answer from the HTTP helper");
		rc = -PL_EUNKNOWN;
	}
	if (rc && resp->err[0])
		pl_debug("%s %s: %s", method, url, resp->err);
out:
	buf_release(&frame);
	buf_release(&reply);
	return rc;
}

/* Stop the HTTP sidecar (tests; the agent's loop uses sidecar_idle()). */
void http_stop_helper(void)
{
	sidecar_stop(&http_sidecar);
}

int http_helper_running(void)
{
	return sidecar_running(&http_sidecar);
}

/* --- the sidecar's side: libcurl ------------------------------------------------ */

static CURL *http_curl; /* one easy handle: its connection cache serves every service */

struct sink {
	struct buf *b;
	int rc;
};

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct sink *s = arg;
	size_t n = size * nmemb;
	int rc = buf_append(s->b, ptr, n);

	if (rc) {
		s->rc = rc;
		return 0; /* makes curl fail with CURLE_WRITE_ERROR */
	}
	return n;
}

static int http_perform(const struct http_wire_req *w, struct http_resp *resp)
{
	CURL *c;
	struct curl_slist *hdrs = NULL, *tmp;
	struct sink sink = {.b = &resp->body, .rc = 0};
	char ctype[160], errbuf[CURL_ERROR_SIZE] = "";
	const char *why;
	CURLcode cc;
	long req_size = 0;
	char *ct = NULL;
	int rc = 0;

	if (!http_curl) {
		if (curl_lazy_load(&why)) {
			snprintf(resp->err, sizeof(resp->err), "HTTP unavailable: %s", why);
			pl_err("%s", resp->err);
			return -PL_EIO; /* not sent */
		}
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
		    !(http_curl = curl_easy_init())) {
			snprintf(resp->err, sizeof(resp->err), "libcurl failed to start");
			return -PL_EIO;
		}
	}
	c = http_curl;
	resp->body.max = w->resp_max;

	for (size_t i = 0; i < w->nheaders; i++) {
		tmp = curl_slist_append(hdrs, w->headers[i]);
		if (!tmp) {
			rc = -PL_ENOMEM;
			goto out_free_headers;
		}
		hdrs = tmp;
	}
	/* curl adds "Expect: 100-continue" for bigger POSTs; servers (and our fakes) need not
	 * support it, and it costs a round trip. */
	tmp = curl_slist_append(hdrs, "Expect:");
	if (!tmp) {
		rc = -PL_ENOMEM;
		goto out_free_headers;
	}
	hdrs = tmp;
	if (w->has_body && w->content_type[0]) {
		snprintf(ctype, sizeof(ctype), "Content-Type: %s", w->content_type);
		tmp = curl_slist_append(hdrs, ctype);
		if (!tmp) {
			rc = -PL_ENOMEM;
			goto out_free_headers;
		}
		hdrs = tmp;
	}

	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, w->url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, w->method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, w->connect_timeout_ms);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, w->timeout_ms);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "packline/" PL_VERSION);
	if (w->cainfo[0])
		curl_easy_setopt(c, CURLOPT_CAINFO, w->cainfo);
	if (w->has_body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, w->body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)w->body_len);
	} else if (strcmp(w->method, "GET") == 0) {
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	}
	/* A request that is not idempotent never rides on a reused connection:
	 * libcurl silently sends a request again when its reused connection
	 * dies before the first answer byte ("Connection died, retrying a
	 * fresh connect"), and a POST the server had committed then creates a
	 * second invoice or shipment behind the caller's back. */
	if (strcmp(w->method, "GET") != 0 && strcmp(w->method, "HEAD") != 0)
		curl_easy_setopt(c, CURLOPT_FRESH_CONNECT, 1L);

	cc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
	if (curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct)
		snprintf(resp->content_type, sizeof(resp->content_type), "%s", ct);
	if (cc == CURLE_OK)
		goto out_free_headers;

	snprintf(resp->err, sizeof(resp->err), "%s", errbuf[0] ? errbuf : curl_easy_strerror(cc));
	if (sink.rc) {
		rc = sink.rc;
		goto out_free_headers;
	}
	/* Was the request on the wire? CURLINFO_REQUEST_SIZE counts the bytes of issued
	 * requests; zero means we never got past connecting, so nothing was created. */
	curl_easy_getinfo(c, CURLINFO_REQUEST_SIZE, &req_size);
	if (req_size > 0)
		rc = -PL_EUNKNOWN;
	else
		rc = -PL_EIO;

out_free_headers:
	curl_slist_free_all(hdrs);
	/* The easy handle keeps pointers to errbuf/sink/headers; clear them before they go. */
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, NULL);
	return rc;
}

/* One request in, one response out; the int is http_request()'s result. */
static int http_serve(uint32_t op, const void *req, size_t len, struct buf *reply)
{
	struct http_wire_req w;
	struct http_resp resp;
	int rc, wrc;

	if (op != HTTP_OP_REQUEST || http_wire_get_req(req, len, &w))
		return -PL_EPROTO;
	http_resp_init(&resp);
	rc = http_perform(&w, &resp);
	/* a body over the cap is not sent back: the caller gets -PL_ETOOBIG alone */
	if (rc == -PL_ETOOBIG)
		buf_reset(&resp.body);
	wrc = http_wire_put_resp(reply, &resp);
	http_resp_release(&resp);
	return wrc ? wrc : rc;
}

int http_query_escape(const char *s, char *out, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
			if (o + 1 >= cap)
				return -PL_ETOOBIG;
			out[o++] = (char)ch;
		} else {
			if (o + 3 >= cap)
				return -PL_ETOOBIG;
			out[o++] = '%';
			out[o++] = hex[ch >> 4];
			out[o++] = hex[ch & 15];
		}
	}
	if (o >= cap)
		return -PL_ETOOBIG;
	out[o] = '\0';
	return 0;
}
