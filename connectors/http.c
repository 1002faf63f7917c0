/* connectors/http.c - libcurl easy handle with capped bodies and verified TLS. */
#include "connectors/http.h"
#include "base/err.h"
#include "base/log.h"

#include <curl/curl.h>

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define HTTP_DEFAULT_RESP_MAX (4u * 1024 * 1024)

/* curl_global_init is not thread-safe before 7.84; we are single-threaded and
 * call it once, lazily, so modules that never speak HTTP pay nothing. */
static bool http_global_done;

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
	if (!http_global_done) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return -PL_ENOMEM;
		http_global_done = true;
	}
	h->curl = curl_easy_init();
	if (!h->curl)
		return -PL_ENOMEM;
	h->connect_timeout_ms = 5000;
	h->timeout_ms = 20000;
	h->resp_max = HTTP_DEFAULT_RESP_MAX;
	return 0;
}

void http_release(struct http *h)
{
	if (h->curl)
		curl_easy_cleanup(h->curl);
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

int http_request(struct http *h, const char *method, const char *path, const char *content_type,
		 const void *body, size_t body_len, struct http_resp *resp)
{
	CURL *c = h->curl;
	struct curl_slist *hdrs = NULL, *tmp;
	struct sink sink = {.b = &resp->body, .rc = 0};
	char url[2048], ctype[160], errbuf[CURL_ERROR_SIZE] = "";
	CURLcode cc;
	long req_size = 0;
	char *ct = NULL;
	int rc = 0;

	if (!c || !method || !path)
		return -PL_EINVAL;
	buf_reset(&resp->body);
	resp->body.max = h->resp_max;
	resp->status = 0;
	resp->content_type[0] = '\0';
	resp->err[0] = '\0';
	if ((size_t)snprintf(url, sizeof(url), "%s%s", h->base, path) >= sizeof(url))
		return -PL_ETOOBIG;

	for (size_t i = 0; i < h->nheaders; i++) {
		tmp = curl_slist_append(hdrs, h->headers[i]);
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
	if (body && content_type) {
		snprintf(ctype, sizeof(ctype), "Content-Type: %s", content_type);
		tmp = curl_slist_append(hdrs, ctype);
		if (!tmp) {
			rc = -PL_ENOMEM;
			goto out_free_headers;
		}
		hdrs = tmp;
	}

	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, h->connect_timeout_ms);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, h->timeout_ms);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "packline/" PL_VERSION);
	if (h->cainfo[0])
		curl_easy_setopt(c, CURLOPT_CAINFO, h->cainfo);
	if (body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
	} else if (strcmp(method, "GET") == 0) {
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	}

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
	pl_debug("%s %s: %s (request %s)", method, url, resp->err,
		 req_size > 0 ? "sent" : "not sent");

out_free_headers:
	curl_slist_free_all(hdrs);
	/* The easy handle keeps pointers to url/errbuf/sink; clear them before they go. */
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
	return rc;
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
