/* SPDX-License-Identifier: Apache-2.0 */
/* connectors/smtp.c - one message over SMTP in the sidecar (smtp.h).
 *
 * The agent's side packs the settings, the envelope and the message into a
 * frame (length-prefixed fields) for the sidecar child, which runs one
 * libcurl SMTP upload and answers with an smtp_result.
 */
#include "connectors/smtp.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/log.h"
#include "base/sidecar.h"
#include "connectors/curl_lazy.h"
#include "core/mime.h"

#include <curl/curl.h>

#include <ctype.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define SMTP_FRAME_SLACK   (16u * 1024)
#define SMTP_SIDECAR_SLACK 10000
#define SMTP_REPLY_BUF     2048 /* the server lines kept: the last reply only */

enum { SMTP_OP_SEND = 1 };

static int smtp_serve(uint32_t op, const void *req, size_t len, struct buf *reply);
static struct sidecar smtp_sidecar =
    SIDECAR_INIT("smtp", smtp_serve, MIME_MAX_MESSAGE + SMTP_FRAME_SLACK, 4096);

/* --- reply parsing (server bytes: fuzzed) ------------------------------------ */

int smtp_reply_parse(const char *p, size_t len, struct smtp_reply *out)
{
	size_t i = 0, start = 0, o = 0;
	int code = 0;
	bool final = false;

	memset(out, 0, sizeof(*out));
	/* find the start of the last reply: after the last final line before the end */
	while (i < len) {
		size_t e = i;
		while (e < len && p[e] != '\n')
			e++;
		if (e == len)
			break; /* an unfinished line is not part of a reply */
		size_t n = e - i;
		if (n && p[e - 1] == '\r')
			n--;
		if (n < 3 || !isdigit((unsigned char)p[i]) || !isdigit((unsigned char)p[i + 1]) ||
		    !isdigit((unsigned char)p[i + 2]) ||
		    (n > 3 && p[i + 3] != ' ' && p[i + 3] != '-'))
			return -PL_EPROTO;
		int c = (p[i] - '0') * 100 + (p[i + 1] - '0') * 10 + (p[i + 2] - '0');
		if (final || code == 0) {
			/* a new reply starts */
			start = i;
			code = c;
			final = false;
		} else if (c != code) {
			return -PL_EPROTO;
		}
		if (n == 3 || p[i + 3] == ' ')
			final = true;
		i = e + 1;
	}
	if (!final || code < 200 || code > 599)
		return -PL_EPROTO;
	out->code = code;
	/* the text of each line of that reply, joined by spaces */
	for (i = start; i < len && o + 1 < sizeof(out->text);) {
		size_t e = i;
		while (e < len && p[e] != '\n')
			e++;
		if (e == len)
			break;
		size_t n = e - i;
		if (n && p[e - 1] == '\r')
			n--;
		if (o && o + 1 < sizeof(out->text))
			out->text[o++] = ' ';
		for (size_t k = i + (n > 3 ? 4 : 3); k < i + n && o + 1 < sizeof(out->text); k++)
			out->text[o++] = p[k] >= 32 && p[k] < 127 ? p[k] : '?';
		i = e + 1;
	}
	out->text[o] = '\0';
	/* an enhanced status code (RFC 3463) at the start: "4.7.1 ..." */
	{
		const char *t = out->text;
		size_t k = 0;
		if ((t[0] == '2' || t[0] == '4' || t[0] == '5') && t[1] == '.') {
			k = 2;
			while (isdigit((unsigned char)t[k]) && k < 6)
				k++;
			if (t[k] == '.' && k > 2) {
				size_t d = ++k;
				while (isdigit((unsigned char)t[k]) && k < d + 3)
					k++;
				if (k > d && (t[k] == ' ' || t[k] == '\0') &&
				    k < sizeof(out->enhanced))
					snprintf(out->enhanced, sizeof(out->enhanced), "%.*s",
						 (int)k, t);
			}
		}
	}
	return 0;
}

/* --- the agent's side ---------------------------------------------------------- */

int smtp_check_url(const char *url, bool plain, char *why, size_t cap)
{
	const char *h;

	if (strncasecmp(url, "smtps://", 8) == 0) {
		if (plain) {
			snprintf(why, cap, "smtps:// is TLS; `tls = none` contradicts it");
			return -PL_EINVAL;
		}
		return 0;
	}
	if (strncasecmp(url, "smtp://", 7) != 0) {
		snprintf(why, cap, "the server must be smtp://HOST:PORT or smtps://HOST:PORT");
		return -PL_EINVAL;
	}
	h = url + 7;
	if (plain && strncmp(h, "127.0.0.1", 9) != 0 && strncasecmp(h, "localhost", 9) != 0 &&
	    strncmp(h, "[::1]", 5) != 0) {
		snprintf(why, cap,
			 "`tls = none` only to a loopback host: a password and the buyer's "
			 "documents never cross a network in clear");
		return -PL_EINVAL;
	}
	return 0;
}

static int put_str(struct buf *b, const char *s)
{
	uint32_t n = (uint32_t)strlen(s);
	int rc = buf_append(b, &n, sizeof(n));
	return rc ? rc : buf_append(b, s, n + 1);
}

static int put_bytes(struct buf *b, const void *p, size_t len)
{
	uint32_t n = (uint32_t)len;
	int rc = buf_append(b, &n, sizeof(n));
	return rc || !len ? rc : buf_append(b, p, len);
}

struct rd {
	const char *p;
	size_t left;
	int bad;
};

static const char *get_bytes(struct rd *r, size_t *len, bool str)
{
	uint32_t n;
	const char *s;

	if (r->bad || r->left < sizeof(n)) {
		r->bad = 1;
		return NULL;
	}
	memcpy(&n, r->p, sizeof(n));
	r->p += sizeof(n);
	r->left -= sizeof(n);
	if (n > r->left - (str ? 1 : 0) || r->left < (size_t)n + (str ? 1 : 0) ||
	    (str && r->p[n] != '\0')) {
		r->bad = 1;
		return NULL;
	}
	s = r->p;
	r->p += n + (str ? 1 : 0);
	r->left -= n + (str ? 1 : 0);
	if (len)
		*len = n;
	return s;
}

int smtp_send(const struct smtp_cfg *c, const char *from, const char *rcpt, const void *msg,
	      size_t len, const char *marker, struct smtp_result *res)
{
	struct buf frame, reply;
	long to[2] = {c->connect_timeout_ms > 0 ? c->connect_timeout_ms : 10000,
		      c->timeout_ms > 0 ? c->timeout_ms : 60000};
	char flags = c->plain ? 1 : 0;
	int rc;

	memset(res, 0, sizeof(*res));
	if (len > MIME_MAX_MESSAGE)
		return -PL_ETOOBIG;
	buf_init(&frame, MIME_MAX_MESSAGE + SMTP_FRAME_SLACK);
	buf_init(&reply, 4096);
	rc = put_str(&frame, c->url);
	if (!rc)
		rc = put_str(&frame, c->cainfo);
	if (!rc)
		rc = put_str(&frame, c->user);
	if (!rc)
		rc = put_str(&frame, c->pass);
	if (!rc)
		rc = put_str(&frame, from);
	if (!rc)
		rc = put_str(&frame, rcpt);
	if (!rc)
		rc = put_str(&frame, marker ? marker : "");
	if (!rc)
		rc = put_bytes(&frame, to, sizeof(to));
	if (!rc)
		rc = put_bytes(&frame, &flags, 1);
	if (!rc)
		rc = put_bytes(&frame, msg, len);
	if (rc)
		goto out;
	rc = sidecar_call(&smtp_sidecar, SMTP_OP_SEND, frame.data, frame.len, &reply,
			  (int)(to[0] + to[1] + SMTP_SIDECAR_SLACK));
	if (reply.len == sizeof(*res)) {
		memcpy(res, reply.data, sizeof(*res));
		res->err[sizeof(res->err) - 1] = '\0';
		res->reply.text[sizeof(res->reply.text) - 1] = '\0';
		res->reply.enhanced[sizeof(res->reply.enhanced) - 1] = '\0';
	} else if (rc == -PL_EUNKNOWN) {
		snprintf(res->err, sizeof(res->err), "the SMTP helper ended during the dialogue");
	} else if (rc == -PL_EIO) {
		snprintf(res->err, sizeof(res->err), "the SMTP helper could not take the message");
	}
out:
	/* the frame held the password */
	if (frame.data)
		memset(frame.data, 0, frame.len);
	buf_release(&frame);
	buf_release(&reply);
	return rc;
}

void smtp_stop_helper(void)
{
	sidecar_stop(&smtp_sidecar);
}

/* --- the sidecar's side ------------------------------------------------------- */

struct upload {
	const char *msg;
	size_t len, off;
	const char *marker;
	enum smtp_phase *phase;
	int marker_rc;
	int marker_done;
	char lines[SMTP_REPLY_BUF]; /* the server's lines since the last final reply */
	size_t nlines;
	char last[SMTP_REPLY_BUF]; /* the last complete reply, or the first refusal */
	size_t nlast;
	int refused; /* a 4xx/5xx or the dot's answer came: kept, not overwritten by QUIT's */
};

static int write_marker(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int rc = 0;

	if (fd < 0)
		return -PL_EIO;
	if (write(fd, "dot\n", 4) != 4 || fsync(fd) != 0)
		rc = -PL_EIO;
	close(fd);
	return rc;
}

static size_t on_read(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct upload *u = arg;
	size_t n = size * nmemb, left = u->len - u->off;

	*u->phase = SMTP_PH_DATA;
	if (n >= left && u->marker && u->marker[0] && !u->marker_done) {
		/* the last bytes go now, and the final dot right after them: the
		 * marker first - without it nobody could tell a crash from here on
		 * from one before (written once, before the bytes are handed out,
		 * so it exists whenever the server may have the whole message) */
		u->marker_rc = write_marker(u->marker);
		if (u->marker_rc)
			return CURL_READFUNC_ABORT; /* no end without its marker */
		u->marker_done = 1;
	}
	if (left == 0) {
		*u->phase = SMTP_PH_DOT; /* libcurl sends the dot next */
		return 0;
	}
	if (n > left)
		n = left;
	memcpy(ptr, u->msg + u->off, n);
	u->off += n;
	return n;
}

/* The server's lines: kept until a final reply line ends them. */
static int on_debug(CURL *h, curl_infotype type, char *data, size_t size, void *arg)
{
	struct upload *u = arg;

	(void)h;
	if (type != CURLINFO_HEADER_IN)
		return 0;
	for (size_t i = 0; i < size; i++) {
		if (u->nlines + 1 < sizeof(u->lines))
			u->lines[u->nlines++] = data[i];
		if (data[i] != '\n')
			continue;
		/* the line just ended: final when "NNN " or "NNN\r\n" */
		size_t b = u->nlines - 1;
		while (b > 0 && u->lines[b - 1] != '\n')
			b--;
		if (u->nlines - b >= 4 && (u->lines[b + 3] == ' ' || u->lines[b + 3] == '\r' ||
					   u->lines[b + 3] == '\n')) {
			if (!u->refused) {
				memcpy(u->last, u->lines, u->nlines);
				u->nlast = u->nlines;
				/* a refusal, or the answer to the dot ("250 queued
				 * as ..."), is what the caller needs: not QUIT's */
				u->refused = u->lines[0] == '4' || u->lines[0] == '5' ||
					     *u->phase == SMTP_PH_DOT;
			}
			u->nlines = 0;
		}
	}
	return 0;
}

static int smtp_perform(struct rd *r, struct smtp_result *res)
{
	const char *url, *cainfo, *user, *pass, *from, *rcpt, *marker, *msg;
	const char *tp, *fp;
	size_t tl = 0, fl = 0, len = 0;
	long to[2];
	char errbuf[CURL_ERROR_SIZE] = "", env_from[300];
	struct curl_slist *rcpts = NULL;
	struct upload u;
	const char *why;
	CURLcode cc;
	CURL *c;
	int rc;

	url = get_bytes(r, NULL, true);
	cainfo = get_bytes(r, NULL, true);
	user = get_bytes(r, NULL, true);
	pass = get_bytes(r, NULL, true);
	from = get_bytes(r, NULL, true);
	rcpt = get_bytes(r, NULL, true);
	marker = get_bytes(r, NULL, true);
	tp = get_bytes(r, &tl, false);
	fp = get_bytes(r, &fl, false);
	msg = get_bytes(r, &len, false);
	if (r->bad || tl != sizeof(to) || fl != 1)
		return -PL_EPROTO;
	memcpy(to, tp, sizeof(to));

	if (curl_lazy_load(&why)) {
		snprintf(res->err, sizeof(res->err), "SMTP unavailable: %s", why);
		return -PL_EIO;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || !(c = curl_easy_init())) {
		snprintf(res->err, sizeof(res->err), "libcurl failed to start");
		return -PL_EIO;
	}
	memset(&u, 0, sizeof(u));
	u.msg = msg;
	u.len = len;
	u.marker = marker;
	u.phase = &res->phase;
	snprintf(env_from, sizeof(env_from), "<%s>", from);
	{
		char to_addr[300];
		snprintf(to_addr, sizeof(to_addr), "<%s>", rcpt);
		rcpts = curl_slist_append(NULL, to_addr);
	}
	if (!rcpts) {
		curl_easy_cleanup(c);
		return -PL_ENOMEM;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, env_from);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpts);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
	curl_easy_setopt(c, CURLOPT_READDATA, &u);
	/* no INFILESIZE: libcurl then reads until the callback says the end,
	 * which is where the phase becomes DOT */
	curl_easy_setopt(c, CURLOPT_VERBOSE, 1L);
	curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, on_debug);
	curl_easy_setopt(c, CURLOPT_DEBUGDATA, &u);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, to[0]);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, to[1]);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(c, CURLOPT_FRESH_CONNECT, 1L);
	curl_easy_setopt(c, CURLOPT_FORBID_REUSE, 1L);
	if (!*fp)
		curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	if (cainfo[0])
		curl_easy_setopt(c, CURLOPT_CAINFO, cainfo);
	if (user[0]) {
		curl_easy_setopt(c, CURLOPT_USERNAME, user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, pass);
	}
	res->phase = SMTP_PH_NONE;
	cc = curl_easy_perform(c);
	if (u.nlast)
		smtp_reply_parse(u.last, u.nlast, &res->reply);
	if (res->phase == SMTP_PH_NONE && u.nlast)
		res->phase = SMTP_PH_CONNECTED;
	if (cc == CURLE_OK) {
		rc = res->reply.code >= 200 && res->reply.code < 300 ? 0 : -PL_EUNKNOWN;
		goto out;
	}
	snprintf(res->err, sizeof(res->err), "%s", errbuf[0] ? errbuf : curl_easy_strerror(cc));
	if (u.marker_rc) {
		/* the dot was held back: the server never saw the end */
		snprintf(res->err, sizeof(res->err), "cannot write the marker '%s'", marker);
		res->phase = SMTP_PH_DATA;
		rc = -PL_EIO;
		goto out;
	}
	if (res->phase == SMTP_PH_DOT && res->reply.code >= 200 && res->reply.code < 300)
		rc = 0; /* accepted after the dot; what broke was the goodbye */
	else if (res->reply.code >= 500 && res->reply.code < 600)
		rc = -PL_EINVAL; /* refused for good (at any step) */
	else if (res->reply.code >= 400 && res->reply.code < 500)
		rc = -PL_EIO; /* refused for now: not accepted */
	else if (res->phase == SMTP_PH_DOT)
		rc = -PL_EUNKNOWN; /* the dot went, its answer did not come */
	else if (res->phase == SMTP_PH_NONE || res->phase == SMTP_PH_CONNECTED)
		rc = -PL_EIO; /* no message byte sent: nothing can be delivered */
	else
		rc = -PL_EIO; /* broke off in the middle: a message without its dot is dropped */
out:
	curl_slist_free_all(rcpts);
	curl_easy_cleanup(c);
	return rc;
}

static int smtp_serve(uint32_t op, const void *req, size_t len, struct buf *reply)
{
	struct rd r = {.p = req, .left = len};
	struct smtp_result res;
	int rc, wrc;

	if (op != SMTP_OP_SEND)
		return -PL_EPROTO;
	memset(&res, 0, sizeof(res));
	rc = smtp_perform(&r, &res);
	wrc = buf_append(reply, &res, sizeof(res));
	return wrc ? wrc : rc;
}
