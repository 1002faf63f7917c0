/* SPDX-License-Identifier: Apache-2.0 */
/* core/mime.c - one e-mail message as bytes (mime.h). */
#include "core/mime.h"
#include "base/err.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char b64tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int mime_base64(const void *data, size_t len, int wrap, struct buf *out)
{
	const unsigned char *p = data;
	size_t col = 0;
	char q[4];
	int rc = 0;

	for (size_t i = 0; i < len && !rc; i += 3) {
		unsigned v = (unsigned)p[i] << 16;
		size_t n = len - i < 3 ? len - i : 3;
		if (n > 1)
			v |= (unsigned)p[i + 1] << 8;
		if (n > 2)
			v |= p[i + 2];
		q[0] = b64tab[(v >> 18) & 63];
		q[1] = b64tab[(v >> 12) & 63];
		q[2] = n > 1 ? b64tab[(v >> 6) & 63] : '=';
		q[3] = n > 2 ? b64tab[v & 63] : '=';
		rc = buf_append(out, q, 4);
		col += 4;
		if (!rc && wrap && col == 76 && i + 3 < len) {
			rc = buf_append(out, "\r\n", 2);
			col = 0;
		}
	}
	if (!rc && wrap && len)
		rc = buf_append(out, "\r\n", 2);
	return rc;
}

/* Quoted-printable: a line ends CRLF; a space or tab before a line end is
 * encoded; lines are cut with a soft break ("=") before 76 columns. */
int mime_qp(const char *text, struct buf *out)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t col = 0;
	int rc = 0;

	for (const unsigned char *s = (const unsigned char *)text; *s && !rc; s++) {
		char enc[4];
		size_t n;
		if (*s == '\r' && s[1] == '\n')
			continue;
		if (*s == '\n' || *s == '\r') {
			rc = buf_append(out, "\r\n", 2);
			col = 0;
			continue;
		}
		bool eol = s[1] == '\0' || s[1] == '\n' || s[1] == '\r';
		if ((*s >= 33 && *s <= 126 && *s != '=') || ((*s == ' ' || *s == '\t') && !eol)) {
			enc[0] = (char)*s;
			n = 1;
		} else {
			enc[0] = '=';
			enc[1] = hex[*s >> 4];
			enc[2] = hex[*s & 15];
			n = 3;
		}
		/* a leading dot is SMTP's end marker when alone: keep it encoded */
		if (col == 0 && *s == '.') {
			enc[0] = '=';
			enc[1] = '2';
			enc[2] = 'E';
			n = 3;
		}
		if (col + n > 75) {
			rc = buf_append(out, "=\r\n", 3);
			col = 0;
		}
		if (!rc)
			rc = buf_append(out, enc, n);
		col += n;
	}
	if (!rc && col)
		rc = buf_append(out, "\r\n", 2);
	return rc;
}

static bool has_crlf(const char *s)
{
	return s && strpbrk(s, "\r\n") != NULL;
}

static bool plain_ascii(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 32 || *p > 126)
			return false;
	return strstr(s, "=?") == NULL;
}

/* Bytes of the UTF-8 sequence that starts at p (1 for a stray byte). */
static size_t u8len(const unsigned char *p)
{
	size_t n = *p < 0x80         ? 1
		   : (*p >> 5) == 6  ? 2
		   : (*p >> 4) == 14 ? 3
		   : (*p >> 3) == 30 ? 4
				     : 1;

	for (size_t i = 1; i < n; i++)
		if ((p[i] & 0xC0) != 0x80)
			return 1;
	return n;
}

int mime_header_value(const char *s, size_t col, struct buf *out)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s);
	int rc = 0;

	if (len > MIME_MAX_HEADER)
		return -PL_ETOOBIG;
	if (plain_ascii(s))
		return buf_puts(out, s);
	/* encoded words of at most 45 bytes (60 base64 characters: a word of
	 * 72 with "=?UTF-8?B?" and "?="), fewer when the line has less room,
	 * cut between characters */
	while (*p && !rc) {
		size_t room = col + 12 + 4 <= 78 ? (78 - col - 12) / 4 * 3 : 0, take = 0;
		if (room > 45)
			room = 45;
		while (p[take]) {
			size_t n = u8len(p + take);
			if (take + n > room)
				break;
			take += n;
		}
		if (take == 0) {
			/* no room for one character here: the next line */
			rc = buf_append(out, "\r\n ", 3);
			col = 1;
			continue;
		}
		rc = buf_puts(out, "=?UTF-8?B?");
		if (!rc)
			rc = mime_base64(p, take, 0, out);
		if (!rc)
			rc = buf_puts(out, "?=");
		col += 12 + (take + 2) / 3 * 4;
		p += take;
		if (*p && !rc) {
			rc = buf_append(out, "\r\n ", 3);
			col = 1;
		}
	}
	return rc;
}

int mime_addr_ok(const char *a)
{
	const char *at;
	size_t n;

	if (!a)
		return 0;
	n = strlen(a);
	at = strchr(a, '@');
	if (n < 3 || n > MIME_MAX_ADDR || !at || at == a || !at[1] || strchr(at + 1, '@'))
		return 0;
	for (const unsigned char *p = (const unsigned char *)a; *p; p++)
		if (*p <= 32 || *p >= 127 || strchr("<>\"(),;:\\[]", *p))
			return 0;
	return at[1] != '.' && a[n - 1] != '.';
}

/* `Name <addr>`: a name of plain words as it is, with specials quoted,
 * anything else RFC 2047 encoded. */
static int put_mailbox(struct buf *out, const char *field, const char *name, const char *addr)
{
	int rc = buf_printf(out, "%s: ", field);
	size_t col = strlen(field) + 2;

	if (!rc && name && name[0]) {
		if (plain_ascii(name)) {
			rc = buf_putc(out, '"');
			for (const char *p = name; *p && !rc; p++) {
				if (*p == '"' || *p == '\\')
					rc = buf_putc(out, '\\');
				if (!rc)
					rc = buf_putc(out, *p);
			}
			if (!rc)
				rc = buf_putc(out, '"');
		} else {
			rc = mime_header_value(name, col, out);
		}
		if (!rc)
			rc = buf_puts(out, " ");
	}
	if (!rc)
		rc = buf_printf(out, "<%s>\r\n", addr);
	return rc;
}

static int put_date(struct buf *out, int64_t when)
{
	static const char *const wd[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char *const mo[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	time_t t = (time_t)when;
	struct tm tm;

	if (!gmtime_r(&t, &tm))
		return -PL_EINVAL;
	return buf_printf(out, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n", wd[tm.tm_wday],
			  tm.tm_mday, mo[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
			  tm.tm_sec);
}

static uint64_t fnv1a(const char *s, bool fold)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++) {
		h ^= (unsigned char)(fold ? tolower((unsigned char)*s) : *s);
		h *= 1099511628211ull;
	}
	return h;
}

int mime_message_id(char *out, size_t cap, int64_t doc_id, const char *rcpt, const char *from_addr)
{
	const char *host = from_addr ? strchr(from_addr, '@') : NULL;
	int n;

	host = host && host[1] ? host + 1 : "packline.invalid";
	n = snprintf(out, cap, "doc-%lld.%016llx@%s", (long long)doc_id,
		     (unsigned long long)fnv1a(rcpt ? rcpt : "", true), host);
	return n < 0 || (size_t)n >= cap ? -PL_ETOOBIG : 0;
}

static void safe_filename(const char *in, char *out, size_t cap)
{
	size_t o = 0;

	for (const char *p = in && in[0] ? in : "attachment"; *p && o + 1 < cap; p++)
		out[o++] =
		    isalnum((unsigned char)*p) || *p == '.' || *p == '-' || *p == '_' ? *p : '_';
	out[o] = '\0';
}

static int put_part_text(struct buf *out, const char *bnd, const char *type, const char *text)
{
	int rc = buf_printf(out,
			    "--%s\r\nContent-Type: %s; charset=utf-8\r\n"
			    "Content-Transfer-Encoding: quoted-printable\r\n\r\n",
			    bnd, type);
	return rc ? rc : mime_qp(text, out);
}

static int build(const struct mime_msg *m, struct buf *out)
{
	char mix[48], alt[48];
	uint64_t h = fnv1a(m->message_id, false);
	int rc;

	/* boundaries from the Message-ID: the same message gives the same bytes */
	snprintf(mix, sizeof(mix), "=_pl_mix_%016llx", (unsigned long long)h);
	snprintf(alt, sizeof(alt), "=_pl_alt_%016llx", (unsigned long long)h);
	rc = put_date(out, m->date);
	if (!rc)
		rc = put_mailbox(out, "From", m->from_name, m->from_addr);
	if (!rc)
		rc = put_mailbox(out, "To", m->to_name, m->to_addr);
	if (!rc && m->reply_to && m->reply_to[0])
		rc = buf_printf(out, "Reply-To: <%s>\r\n", m->reply_to);
	if (!rc)
		rc = buf_puts(out, "Subject: ");
	if (!rc)
		rc = mime_header_value(m->subject ? m->subject : "", 9, out);
	if (!rc)
		rc = buf_printf(
		    out,
		    "\r\nMessage-ID: <%s>\r\nMIME-Version: 1.0\r\n"
		    "Auto-Submitted: auto-generated\r\n"
		    "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n"
		    "This is a multi-part message in MIME format.\r\n"
		    "--%s\r\nContent-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n",
		    m->message_id, mix, mix, alt);
	/* RFC 2046: the preferred part (HTML) last */
	if (!rc && m->text)
		rc = put_part_text(out, alt, "text/plain", m->text);
	if (!rc && m->html)
		rc = put_part_text(out, alt, "text/html", m->html);
	if (!rc)
		rc = buf_printf(out, "--%s--\r\n", alt);
	for (size_t i = 0; i < m->natt && !rc; i++) {
		const struct mime_attachment *a = &m->att[i];
		char fn[128];
		safe_filename(a->filename, fn, sizeof(fn));
		rc = buf_printf(out,
				"--%s\r\nContent-Type: %s; name=\"%s\"\r\n"
				"Content-Disposition: attachment; filename=\"%s\"\r\n"
				"Content-Transfer-Encoding: base64\r\n\r\n",
				mix, a->content_type ? a->content_type : "application/octet-stream",
				fn, fn);
		if (!rc)
			rc = mime_base64(a->data, a->len, 1, out);
	}
	if (!rc)
		rc = buf_printf(out, "--%s--\r\n", mix);
	return rc;
}

int mime_build(const struct mime_msg *m, struct buf *out)
{
	size_t mark = out->len, total = 0;
	size_t max = out->max;
	int rc;

	if (!mime_addr_ok(m->from_addr) || !mime_addr_ok(m->to_addr) ||
	    (m->reply_to && m->reply_to[0] && !mime_addr_ok(m->reply_to)))
		return -PL_EINVAL;
	if (!m->message_id || !m->message_id[0] || strlen(m->message_id) > MIME_MAX_ADDR ||
	    strpbrk(m->message_id, "<> \t\r\n"))
		return -PL_EINVAL;
	if (has_crlf(m->from_name) || has_crlf(m->to_name) || has_crlf(m->subject))
		return -PL_EINVAL;
	if ((m->from_name && strlen(m->from_name) > MIME_MAX_HEADER) ||
	    (m->to_name && strlen(m->to_name) > MIME_MAX_HEADER) ||
	    (m->subject && strlen(m->subject) > MIME_MAX_HEADER))
		return -PL_ETOOBIG;
	if (!m->text && !m->html)
		return -PL_EINVAL;
	for (size_t i = 0; i < m->natt; i++) {
		if (m->att[i].len > MIME_MAX_ATTACH || (m->att[i].len && !m->att[i].data))
			return m->att[i].len > MIME_MAX_ATTACH ? -PL_ETOOBIG : -PL_EINVAL;
		if (has_crlf(m->att[i].content_type) ||
		    (m->att[i].content_type && strlen(m->att[i].content_type) > 100))
			return -PL_EINVAL;
		total += m->att[i].len;
	}
	if (total > MIME_MAX_ATTACH)
		return -PL_ETOOBIG;
	if (max - out->len > MIME_MAX_MESSAGE)
		out->max = out->len + MIME_MAX_MESSAGE;
	rc = build(m, out);
	out->max = max;
	if (rc) {
		out->len = mark;
		if (out->data)
			out->data[mark] = '\0';
	}
	return rc;
}
