/* SPDX-License-Identifier: Apache-2.0 */
/* connectors/smtp.h - one message to one recipient over SMTP (libcurl).
 *
 * Why libcurl: it does STARTTLS, implicit TLS (smtps://), AUTH (PLAIN,
 * LOGIN, CRAM-MD5) and verified TLS already, and the agent has it in the
 * sidecar (base/sidecar.h) for HTTP; a client of our own over OpenSSL would
 * repeat all that. What libcurl does not give is the server's reply text
 * and where in the dialogue a failure came: the sidecar child watches the
 * dialogue (CURLOPT_DEBUGFUNCTION, the server's lines only - never what we
 * send, which carries the password) and the message's read callback, and
 * answers with the last reply (parsed by smtp_reply_parse(), which is
 * fuzzed) and the phase reached.
 *
 * The one point that matters for exactly-once: the final "CRLF.CRLF" goes
 * out right after the read callback reports the end of the message. Just
 * before it does, the child creates `marker` (a file, fsync'ed): a marker
 * that does not exist proves the server cannot have accepted the message
 * (a message is accepted only after its final dot); a marker that exists
 * means it may have been. SMTP has no lookup, so that is all anyone can
 * know after a crash (effects/email.c decides with it).
 *
 * TLS: smtps:// is implicit TLS; smtp:// must upgrade with STARTTLS
 * (CURLUSESSL_ALL: no STARTTLS, no mail) unless `plain` is set, which
 * smtp_check_url() allows for a loopback host only. Verification is always
 * on; `cainfo` names a test CA. Every connection is fresh and never reused
 * (a reused connection that dies could make libcurl send again).
 *
 * Threads: one call at a time per thread (the sidecar's lanes).
 */
#ifndef PL_CONNECTORS_SMTP_H
#define PL_CONNECTORS_SMTP_H

#include <stdbool.h>
#include <stddef.h>

#define SMTP_TEXT_MAX 256

/* A server reply, multi-line replies joined ("250-a" "250 b" -> "a b"). */
struct smtp_reply {
	int code;                 /* 250, 451, 550...; 0 none */
	char enhanced[16];        /* "4.7.1" when the server gave one, else "" */
	char text[SMTP_TEXT_MAX]; /* the text, printable ASCII, capped */
};

/* Parse the last reply in `p` (a server's lines, CRLF or LF). 0, or
 * -PL_EPROTO when there is no complete reply (no "NNN " line, mixed codes,
 * a line that is not NNN[- ]...). Reads at most `len` bytes. */
int smtp_reply_parse(const char *p, size_t len, struct smtp_reply *out);

enum smtp_phase {
	SMTP_PH_NONE = 0,  /* no connection */
	SMTP_PH_CONNECTED, /* talking, no message byte sent */
	SMTP_PH_DATA,      /* message bytes going, no final dot */
	SMTP_PH_DOT,       /* the final dot was (about to be) sent */
};

struct smtp_cfg {
	char url[512];    /* smtp://host:587 or smtps://host:465 */
	bool plain;       /* no TLS at all (loopback only) */
	char cainfo[512]; /* "" = system store */
	char user[256];   /* "" = no AUTH */
	char pass[256];
	long connect_timeout_ms; /* default 10000 */
	long timeout_ms;         /* the whole dialogue; default 60000 */
};

struct smtp_result {
	enum smtp_phase phase;
	struct smtp_reply reply; /* the last reply the server gave */
	char err[256];           /* libcurl's words when it failed */
};

/* 0 for a usable url/plain pair, else -PL_EINVAL with why[cap] filled. */
int smtp_check_url(const char *url, bool plain, char *why, size_t cap);

/* Send `msg` (RFC 5322 bytes, CRLF) from `from` to `rcpt` (bare addresses).
 * `marker` (may be NULL) is created right before the final dot. Returns
 *   0             accepted (a 2xx after the dot);
 *   -PL_EIO       not sent: no connection, TLS failed, refused before DATA
 *                 with a 4xx (res->reply says which) - try again later;
 *   -PL_EINVAL    refused for good: a 5xx (res->reply has the text);
 *   -PL_EUNKNOWN  the dialogue broke off; res->phase says how far it got
 *                 (DOT: maybe accepted) - or the sidecar died (phase NONE,
 *                 and only the marker can tell);
 *   -PL_ETOOBIG, -PL_ENOMEM.
 * A 4xx after the dot (the server refused the message) is -PL_EIO too:
 * refused means not accepted. */
int smtp_send(const struct smtp_cfg *c, const char *from, const char *rcpt, const void *msg,
	      size_t len, const char *marker, struct smtp_result *res);

/* The SMTP sidecar: stop it (tests, idle). */
void smtp_stop_helper(void);

#endif
