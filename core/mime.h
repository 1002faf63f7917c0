/* SPDX-License-Identifier: Apache-2.0 */
/* core/mime.h - one e-mail message as bytes (RFC 5322, MIME, RFC 2047).
 *
 * Pure: no I/O, no clock (the Date is given), no randomness - the same input
 * gives the same bytes, so a message rebuilt after a crash is the message
 * that may already have gone, with the same Message-ID (mime_message_id():
 * from the document and the recipient, never from the attempt).
 *
 * Shape: multipart/mixed [ multipart/alternative [ text/plain, text/html ],
 * attachment (base64, 76 columns) ]. Texts go quoted-printable in UTF-8;
 * headers with anything but printable ASCII are RFC 2047 encoded words
 * (=?UTF-8?B?...?=, never splitting a character), folded at 78 columns.
 * Boundaries start with "=_", which neither quoted-printable nor base64 can
 * produce, so no body can contain one. Lines end CRLF.
 *
 * Caps: header inputs (names, subject) MIME_MAX_HEADER bytes, addresses
 * MIME_MAX_ADDR; CR or LF in any header input is refused (no header
 * injection from a buyer's name); the whole message MIME_MAX_MESSAGE.
 *
 * Ownership: the caller owns every input and the output buffer.
 * Threads: reentrant.
 */
#ifndef PL_CORE_MIME_H
#define PL_CORE_MIME_H

#include "base/buf.h"

#include <stddef.h>
#include <stdint.h>

#define MIME_MAX_HEADER  900
#define MIME_MAX_ADDR    254
#define MIME_ADDR_CAP    (MIME_MAX_ADDR + 1)
#define MIME_MAX_MESSAGE (32u * 1024 * 1024)
#define MIME_MAX_ATTACH  (20u * 1024 * 1024)

struct mime_attachment {
	const char *filename;     /* ASCII-folded: anything but [A-Za-z0-9._-] becomes '_' */
	const char *content_type; /* "application/pdf" */
	const void *data;
	size_t len;
};

struct mime_msg {
	const char *from_name; /* may be NULL or "" */
	const char *from_addr; /* "faktury@sklep.pl" */
	const char *to_name;   /* may be NULL or "" */
	const char *to_addr;
	const char *reply_to;   /* an address; may be NULL */
	const char *subject;    /* UTF-8, one line */
	const char *message_id; /* "doc-17.abcd@sklep.pl", without <> */
	int64_t date;           /* unix seconds, written as UTC */
	const char *text;       /* UTF-8; may be NULL */
	const char *html;       /* UTF-8; may be NULL */
	const struct mime_attachment *att;
	size_t natt;
};

/* Build the message into out (appended). 0, -PL_EINVAL (a bad address, CR/LF
 * in a header input, no body at all) or -PL_ETOOBIG (over a cap; out keeps
 * what it had). */
int mime_build(const struct mime_msg *m, struct buf *out);

/* RFC 2047: `s` as it goes into a header field that already has `col`
 * characters on its line: unchanged when printable ASCII without "=?",
 * else encoded words, folded (CRLF SP) so no line passes 78 columns. */
int mime_header_value(const char *s, size_t col, struct buf *out);

/* "doc-<doc_id>.<16 hex of the recipient, lower-cased>@<host>" into out. The
 * host is the domain of `from_addr` (or "packline.invalid"). 0 or -PL_ETOOBIG. */
int mime_message_id(char *out, size_t cap, int64_t doc_id, const char *rcpt, const char *from_addr);

/* An address we accept: local@domain, printable ASCII, no spaces, <, >, quotes. */
int mime_addr_ok(const char *addr);

/* Base64 with CRLF every 76 characters (wrap != 0) or none. */
int mime_base64(const void *data, size_t len, int wrap, struct buf *out);
/* Quoted-printable (RFC 2045 6.7) of UTF-8 text; its line ends become CRLF. */
int mime_qp(const char *text, struct buf *out);

#endif
