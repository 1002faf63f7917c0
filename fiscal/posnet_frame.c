/* SPDX-License-Identifier: Apache-2.0 */
/* fiscal/posnet_frame.c - POSNET frame codec (see posnet_frame.h). */
#include "fiscal/posnet_frame.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/err.h"
#include "fiscal/cp1250.h"

uint16_t posnet_crc16(const void *p, size_t n)
{
	const uint8_t *s = p;
	uint16_t crc = 0x0000;

	while (n--) {
		crc ^= (uint16_t)(*s++) << 8;
		for (int i = 0; i < 8; i++)
			crc =
			    (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
	}
	return crc;
}

struct field_limit {
	const char *mnemonic;
	const char *name;
	size_t max57, max80;
};

/* research fiscal-printers.md §1.7 */
static const struct field_limit field_limits[] = {
    {"trline", "na", 80, 80},
    {"trline", "op", 50, 50},
    {"trline", "jm", 4, 4},
    {"trline", "rn", 25, 25},
    {"trline", "np", 49, 49},
    {"trline", "nc", 51, 51},
    {"trnipset", "ni", 30, 30},
    {"trnipset", "ds", 56, 56},
    {"trpayment", "na", 25, 25},
    {"trftrln", "na", 40, 56},
    /* CONTRACT-GUESS: the note gives no limit for the subtotal/bill
	 * discount name; we apply the line discount name's 25. */
    {"trdiscntsubtot", "na", 25, 25},
    {"trdiscntbill", "na", 25, 25},
};

size_t posnet_field_limit(const char *mnemonic, const char *name, enum posnet_paper paper)
{
	if (mnemonic[0] == '!')
		mnemonic++;
	for (size_t i = 0; i < sizeof(field_limits) / sizeof(field_limits[0]); i++) {
		const struct field_limit *l = &field_limits[i];
		if (strcmp(l->mnemonic, mnemonic) == 0 && strcmp(l->name, name) == 0)
			return paper == POSNET_PAPER_80MM ? l->max80 : l->max57;
	}
	return 0;
}

/* --- building ----------------------------------------------------------- */

static int cmd_fail(struct posnet_cmd *c, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int cmd_fail(struct posnet_cmd *c, int rc, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (c->rc)
		return c->rc;
	c->rc = rc;
	n = snprintf(c->err, sizeof(c->err), "%s: ", c->mnemonic[0] ? c->mnemonic : "(frame)");
	if (n < 0 || (size_t)n >= sizeof(c->err))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(c->err + n, sizeof(c->err) - (size_t)n, fmt, ap);
	va_end(ap);
	return rc;
}

static bool is_alnum_ascii(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}

void posnet_cmd_init(struct posnet_cmd *c, const char *mnemonic)
{
	size_t n = strlen(mnemonic);
	size_t start = mnemonic[0] == '!' ? 1 : 0;

	memset(c, 0, offsetof(struct posnet_cmd, payload));
	c->paper = POSNET_PAPER_57MM;
	c->token = POSNET_NO_TOKEN;
	if (n <= start || n > POSNET_MNEMONIC_MAX) {
		cmd_fail(c, -PL_EINVAL, "bad command mnemonic (%zu characters)", n);
		return;
	}
	for (size_t i = start; i < n; i++) {
		if (!is_alnum_ascii(mnemonic[i])) {
			cmd_fail(c, -PL_EINVAL, "bad character 0x%02X in command mnemonic",
				 (unsigned char)mnemonic[i]);
			return;
		}
	}
	memcpy(c->mnemonic, mnemonic, n + 1);
}

void posnet_cmd_set_paper(struct posnet_cmd *c, enum posnet_paper paper)
{
	c->paper = paper;
}

int posnet_cmd_set_token(struct posnet_cmd *c, int token)
{
	if (token != POSNET_NO_TOKEN && (token < 0 || token > 9999))
		return cmd_fail(c, -PL_EINVAL, "token %d out of range 0..9999", token);
	c->token = token;
	return c->rc;
}

static int check_name(struct posnet_cmd *c, const char *name)
{
	if (strlen(name) != 2 || !is_alnum_ascii(name[0]) || !is_alnum_ascii(name[1]))
		return cmd_fail(c, -PL_EINVAL, "bad field name '%s' (two letters expected)", name);
	return 0;
}

/* Append "name value TAB" (value already CP1250 and checked). */
static int append_field(struct posnet_cmd *c, const char *name, const char *v, size_t len)
{
	if (c->nfields >= POSNET_FIELDS_MAX)
		return cmd_fail(c, -PL_ETOOBIG, "more than %d fields", POSNET_FIELDS_MAX);
	/* room: name + value + TAB, and the frame envelope later (checked at encode) */
	if (c->len + 2 + len + 1 > sizeof(c->payload))
		return cmd_fail(c, -PL_ETOOBIG, "field '%s' makes the frame longer than %d bytes",
				name, POSNET_FRAME_MAX);
	memcpy(c->payload + c->len, name, 2);
	memcpy(c->payload + c->len + 2, v, len);
	c->payload[c->len + 2 + len] = POSNET_TAB;
	c->len += 2 + len + 1;
	c->nfields++;
	return 0;
}

int posnet_cmd_add_raw(struct posnet_cmd *c, const char *name, const char *v, size_t len)
{
	size_t limit;

	if (c->rc || check_name(c, name))
		return c->rc;
	for (size_t i = 0; i < len; i++) {
		unsigned char b = (unsigned char)v[i];
		if (b < 0x20)
			return cmd_fail(c, -PL_EINVAL,
					"field '%s' contains control byte 0x%02X at position %zu "
					"(the printer accepts only printable characters)",
					name, b, i + 1);
	}
	limit = posnet_field_limit(c->mnemonic, name, c->paper);
	if (limit && len > limit)
		return cmd_fail(
		    c, -PL_ETOOBIG, "field '%s' is %zu characters long, at most %zu are allowed%s",
		    name, len, limit,
		    strcmp(c->mnemonic, "trftrln") == 0
			? (c->paper == POSNET_PAPER_80MM ? " on 80 mm paper" : " on 57 mm paper")
			: "");
	return append_field(c, name, v, len);
}

int posnet_cmd_add_text(struct posnet_cmd *c, const char *name, const char *utf8)
{
	char conv[POSNET_FRAME_MAX];
	char why[POSNET_ERRMSG_MAX];
	size_t len;
	int rc;

	if (c->rc || check_name(c, name))
		return c->rc;
	rc = cp1250_from_utf8(utf8, strlen(utf8), conv, sizeof(conv), &len, why, sizeof(why));
	if (rc)
		return cmd_fail(c, rc, "field '%s': %s", name, why);
	return posnet_cmd_add_raw(c, name, conv, len);
}

int posnet_cmd_add_int(struct posnet_cmd *c, const char *name, long long v)
{
	char num[24];
	int n;

	if (c->rc || check_name(c, name))
		return c->rc;
	if (v < 0)
		return cmd_fail(c, -PL_EINVAL, "field '%s': negative value %lld", name, v);
	n = snprintf(num, sizeof(num), "%lld", v);
	return append_field(c, name, num, (size_t)n);
}

int posnet_cmd_add_error(struct posnet_cmd *c, int code)
{
	char num[24];
	int n;

	if (c->rc)
		return c->rc;
	if (code < 0 || code > 99999)
		return cmd_fail(c, -PL_EINVAL, "error code %d out of range", code);
	n = snprintf(num, sizeof(num), "?%d", code);
	if (c->len + (size_t)n + 1 > sizeof(c->payload))
		return cmd_fail(c, -PL_ETOOBIG, "frame longer than %d bytes", POSNET_FRAME_MAX);
	memcpy(c->payload + c->len, num, (size_t)n);
	c->payload[c->len + (size_t)n] = POSNET_TAB;
	c->len += (size_t)n + 1;
	return 0;
}

int posnet_cmd_encode(const struct posnet_cmd *c, bool lower_hex, uint8_t *out, size_t cap,
		      size_t *outlen)
{
	size_t mlen, n = 0, body;
	char tok[8];
	char crc[8];
	bool token_first;

	if (c->rc)
		return c->rc;
	mlen = strlen(c->mnemonic);
	/* STX mnemonic TAB payload [@tttt TAB] # CRC4 ETX */
	body = mlen + 1 + c->len + (c->token != POSNET_NO_TOKEN ? 6 : 0);
	if (1 + body + 1 + 4 + 1 > cap || 1 + body + 6 > POSNET_FRAME_MAX)
		return -PL_ETOOBIG;
	out[n++] = POSNET_STX;
	memcpy(out + n, c->mnemonic, mlen);
	n += mlen;
	out[n++] = POSNET_TAB;
	/* the ERR template puts the token right after "ERR" (§1.4); commands
	 * and replies carry it after the fields (it may sit anywhere) */
	token_first = strcmp(c->mnemonic, "ERR") == 0;
	if (!token_first) {
		memcpy(out + n, c->payload, c->len);
		n += c->len;
	}
	if (c->token != POSNET_NO_TOKEN) {
		snprintf(tok, sizeof(tok), "@%04d", c->token);
		memcpy(out + n, tok, 5);
		n += 5;
		out[n++] = POSNET_TAB;
	}
	if (token_first) {
		memcpy(out + n, c->payload, c->len);
		n += c->len;
	}
	snprintf(crc, sizeof(crc), lower_hex ? "%04x" : "%04X", posnet_crc16(out + 1, n - 1));
	out[n++] = '#';
	memcpy(out + n, crc, 4);
	n += 4;
	out[n++] = POSNET_ETX;
	*outlen = n;
	return 0;
}

/* --- decoding ----------------------------------------------------------- */

const char *posnet_msg_get(const struct posnet_msg *m, const char *name)
{
	for (size_t i = 0; i < m->nfields; i++)
		if (m->fields[i].name[0] == name[0] && m->fields[i].name[1] == name[1] &&
		    name[2] == '\0')
			return m->fields[i].value;
	return NULL;
}

static int parse_ll(const char *s, long long *out)
{
	char *end;
	long long v;

	if (!s || !*s || !((*s >= '0' && *s <= '9') || *s == '-'))
		return -PL_EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end != '\0')
		return -PL_EINVAL;
	*out = v;
	return 0;
}

int posnet_msg_get_int(const struct posnet_msg *m, const char *name, long long *out)
{
	const char *v = posnet_msg_get(m, name);

	if (!v)
		return -PL_ENOTFOUND;
	return parse_ll(v, out);
}

static int hexval(uint8_t ch, bool strict_upper)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	if (!strict_upper && ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

static int decode_fail(int *frame_error, int fe, char *err, size_t errcap, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int decode_fail(int *frame_error, int fe, char *err, size_t errcap, const char *fmt, ...)
{
	va_list ap;

	if (frame_error)
		*frame_error = fe;
	if (err && errcap) {
		va_start(ap, fmt);
		vsnprintf(err, errcap, fmt, ap);
		va_end(ap);
	}
	return fe == 11 ? -PL_ETOOBIG : -PL_EPROTO;
}

/* Error code "?nnnn" or "ernnnn" value: 1..5 digits. */
static int parse_code(const char *s, int *out)
{
	long long v;

	if (strlen(s) < 1 || strlen(s) > 5 || parse_ll(s, &v) || v < 0)
		return -1;
	*out = (int)v;
	return 0;
}

int posnet_frame_decode(const uint8_t *body, size_t len, bool strict_upper, struct posnet_msg *m,
			int *frame_error, char *err, size_t errcap)
{
	size_t hash = len, plen, pos, seg;
	unsigned crc = 0;
	bool have_error = false;
	const char *mn;

	if (frame_error)
		*frame_error = 0;
	if (err && errcap)
		err[0] = '\0';
	m->kind = POSNET_MSG_OK;
	m->mnemonic[0] = '\0';
	m->async = false;
	m->token = POSNET_NO_TOKEN;
	m->error = 0;
	m->err_cmd = NULL;
	m->err_field = NULL;
	m->crc = 0;
	m->nfields = 0;
	m->payload_len = 0;
	m->payload[0] = '\0';

	if (len >= POSNET_FRAME_MAX - 1)
		return decode_fail(frame_error, 11, err, errcap, "frame of %zu bytes is too long",
				   len + 2);
	/* the LAST '#' marks the checksum: '#' may occur inside values */
	for (size_t i = len; i-- > 0;) {
		if (body[i] == '#') {
			hash = i;
			break;
		}
	}
	if (hash == len)
		return decode_fail(frame_error, 15, err, errcap, "frame has no checksum ('#')");
	if (len - hash - 1 != 4)
		return decode_fail(frame_error, 5, err, errcap,
				   "checksum has %zu characters, 4 expected", len - hash - 1);
	for (size_t i = hash + 1; i < len; i++) {
		int v = hexval(body[i], strict_upper);
		if (v < 0)
			return decode_fail(frame_error, 5, err, errcap,
					   "checksum character 0x%02X is not a hex digit%s",
					   body[i], strict_upper ? " (upper case required)" : "");
		crc = (crc << 4) | (unsigned)v;
	}
	m->crc = (uint16_t)crc;
	if (posnet_crc16(body, hash) != crc)
		return decode_fail(frame_error, 5, err, errcap, "bad checksum %04X, computed %04X",
				   crc, posnet_crc16(body, hash));

	/* split the payload on TAB; segments become NUL-terminated strings */
	plen = hash;
	memcpy(m->payload, body, plen);
	m->payload[plen] = '\0';
	m->payload_len = plen;
	for (size_t i = 0; i < plen; i++) {
		if (m->payload[i] == POSNET_TAB)
			m->payload[i] = '\0';
		else if ((uint8_t)m->payload[i] < 0x20)
			return decode_fail(frame_error, 3, err, errcap,
					   "control byte 0x%02X inside the frame at %zu",
					   (uint8_t)m->payload[i], i + 1);
	}

	mn = m->payload;
	seg = strlen(mn);
	if (mn[0] == '!') {
		m->async = true;
		mn++;
	}
	if (*mn == '\0' || strlen(mn) > POSNET_MNEMONIC_MAX)
		return decode_fail(frame_error, 1, err, errcap, "missing or over-long mnemonic");
	for (const char *s = mn; *s; s++)
		if (!is_alnum_ascii(*s))
			return decode_fail(frame_error, 1, err, errcap,
					   "bad character 0x%02X in mnemonic", (uint8_t)*s);
	strcpy(m->mnemonic, mn);
	if (strcmp(m->mnemonic, "ERR") == 0)
		m->kind = POSNET_MSG_FRAME_ERROR;

	for (pos = seg + 1; pos < plen; pos += seg + 1) {
		char *f = m->payload + pos;
		seg = strlen(f);
		if (seg == 0)
			continue; /* tolerate an empty segment ("a\t\tb") */
		if (f[0] == '@') {
			long long t;
			if (seg != 5 || parse_ll(f + 1, &t) || t < 0)
				return decode_fail(frame_error, 4, err, errcap, "bad token '%.16s'",
						   f);
			m->token = (int)t;
			continue;
		}
		if (f[0] == '?' && !have_error) {
			if (parse_code(f + 1, &m->error))
				return decode_fail(frame_error, 3, err, errcap,
						   "bad error code '%.16s'", f);
			have_error = true;
			if (m->kind != POSNET_MSG_FRAME_ERROR)
				m->kind = POSNET_MSG_CMD_ERROR;
			continue;
		}
		if (seg < 2)
			return decode_fail(frame_error, 6, err, errcap,
					   "field '%s' has no two-letter name", f);
		if (m->kind == POSNET_MSG_FRAME_ERROR) {
			/* the rpt example carries the code as "er13" (§1.4) */
			if (f[0] == 'e' && f[1] == 'r' && !have_error) {
				if (parse_code(f + 2, &m->error))
					return decode_fail(frame_error, 3, err, errcap,
							   "bad error code '%.16s'", f);
				have_error = true;
				continue;
			}
			if (f[0] == 'c' && f[1] == 'm' && !m->err_cmd) {
				m->err_cmd = f + 2;
				continue;
			}
			if (f[0] == 'f' && f[1] == 'd' && !m->err_field) {
				m->err_field = f + 2;
				continue;
			}
		}
		if (m->nfields >= POSNET_FIELDS_MAX)
			return decode_fail(frame_error, 11, err, errcap, "more than %d fields",
					   POSNET_FIELDS_MAX);
		m->fields[m->nfields].name[0] = f[0];
		m->fields[m->nfields].name[1] = f[1];
		m->fields[m->nfields].name[2] = '\0';
		m->fields[m->nfields].value = f + 2;
		m->fields[m->nfields].len = seg - 2;
		m->nfields++;
	}
	if (m->kind == POSNET_MSG_FRAME_ERROR && !have_error)
		return decode_fail(frame_error, 3, err, errcap, "ERR frame without an error code");
	return 0;
}

/* --- incremental reader ------------------------------------------------- */

void posnet_parser_init(struct posnet_parser *p)
{
	memset(p, 0, offsetof(struct posnet_parser, buf));
}

void posnet_parser_reset(struct posnet_parser *p)
{
	p->in_frame = false;
	p->overflow = false;
	p->len = 0;
}

static int parser_fail(struct posnet_parser *p, int rc, int fe, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int parser_fail(struct posnet_parser *p, int rc, int fe, const char *fmt, ...)
{
	va_list ap;

	p->frame_error = fe;
	va_start(ap, fmt);
	vsnprintf(p->err, sizeof(p->err), fmt, ap);
	va_end(ap);
	return rc;
}

int posnet_parser_feed(struct posnet_parser *p, const uint8_t *data, size_t len, size_t *used,
		       struct posnet_msg *m)
{
	size_t i;

	for (i = 0; i < len; i++) {
		uint8_t b = data[i];

		if (!p->in_frame && !p->overflow) {
			if (b == POSNET_STX) {
				p->in_frame = true;
				p->len = 0;
			} else {
				p->skipped++;
			}
			continue;
		}
		if (p->overflow) {
			/* skip the rest of an over-long frame; a new STX starts afresh */
			if (b == POSNET_ETX) {
				p->overflow = false;
			} else if (b == POSNET_STX) {
				p->overflow = false;
				p->in_frame = true;
				p->len = 0;
			}
			continue;
		}
		if (b == POSNET_STX) {
			/* a new frame before ETX: the previous one was truncated;
			 * this STX starts the next frame */
			size_t lost = p->len;
			p->len = 0;
			*used = i + 1;
			return parser_fail(
			    p, -PL_EPROTO, 15,
			    "truncated frame (%zu bytes, no ETX before the next STX)", lost);
		}
		if (b == POSNET_ETX) {
			int fe = 0;
			int rc;
			p->in_frame = false;
			*used = i + 1;
			rc = posnet_frame_decode(p->buf, p->len, p->strict_upper, m, &fe, p->err,
						 sizeof(p->err));
			p->len = 0;
			if (rc) {
				p->frame_error = fe;
				return rc;
			}
			p->frame_error = 0;
			return POSNET_FEED_FRAME;
		}
		if (p->len + 2 >= POSNET_FRAME_MAX) {
			size_t n = p->len;
			p->in_frame = false;
			p->overflow = true;
			p->len = 0;
			*used = i + 1;
			return parser_fail(p, -PL_ETOOBIG, 11,
					   "frame longer than %d bytes (%zu bytes without ETX)",
					   POSNET_FRAME_MAX, n + 1);
		}
		p->buf[p->len++] = b;
	}
	*used = len;
	return POSNET_FEED_MORE;
}
