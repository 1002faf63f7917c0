/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/test_mime.c - core/mime: base64, quoted-printable, RFC 2047,
 * the deterministic Message-ID, the message's structure and its caps; the
 * SMTP reply parser (connectors/smtp.h); HTML escaping of template values. */
#include "base/buf.h"
#include "base/err.h"
#include "check.h"
#include "connectors/smtp.h"
#include "core/mime.h"
#include "core/template.h"

#include <stdbool.h>
#include <string.h>

static const char *str_of(const struct buf *b)
{
	return b->data ? b->data : "";
}

/* Every line of s is at most max characters before its CRLF. */
static bool lines_within(const char *s, size_t max)
{
	size_t col = 0;

	for (; *s; s++) {
		if (*s == '\r' && s[1] == '\n') {
			col = 0;
			s++;
			continue;
		}
		if (++col > max)
			return false;
	}
	return true;
}

static void test_base64(void)
{
	struct buf b;
	unsigned char big[200];

	buf_init(&b, 1 << 16);
	CHECK_INT(mime_base64("", 0, 1, &b), 0);
	CHECK_STR(str_of(&b), "");
	CHECK_INT(mime_base64("Fa", 2, 0, &b), 0);
	CHECK_STR(str_of(&b), "RmE=");
	buf_reset(&b);
	CHECK_INT(mime_base64("Faktura", 7, 1, &b), 0);
	CHECK_STR(str_of(&b), "RmFrdHVyYQ==\r\n");
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (unsigned char)(i * 7);
	buf_reset(&b);
	CHECK_INT(mime_base64(big, sizeof(big), 1, &b), 0);
	CHECK(lines_within(str_of(&b), 76));
	/* 200 bytes: 268 characters, 3 full lines of 76 and one of 40 */
	CHECK_INT(b.len, 268 + 4 * 2);
	CHECK(strncmp(b.data + 76, "\r\n", 2) == 0);
	buf_release(&b);
}

static void test_qp(void)
{
	struct buf b;
	char longline[300];

	buf_init(&b, 1 << 16);
	CHECK_INT(mime_qp("a=b \nżółw\n.\nend ", &b), 0);
	/* '=' encoded, a space before a line end encoded, LF -> CRLF, a
	 * leading dot encoded (SMTP's end marker), UTF-8 bytes encoded */
	CHECK_STR(str_of(&b), "a=3Db=20\r\n=C5=BC=C3=B3=C5=82w\r\n=2E\r\nend=20\r\n");
	memset(longline, 'x', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	buf_reset(&b);
	CHECK_INT(mime_qp(longline, &b), 0);
	CHECK(lines_within(str_of(&b), 76));
	CHECK(strstr(str_of(&b), "=\r\n") != NULL); /* soft breaks */
	buf_release(&b);
}

static void test_rfc2047(void)
{
	struct buf b;
	const char *pl = "Zażółć gęślą jaźń";
	char lng[1000];

	buf_init(&b, 1 << 16);
	CHECK_INT(mime_header_value("Plain ASCII subject", 9, &b), 0);
	CHECK_STR(str_of(&b), "Plain ASCII subject");
	buf_reset(&b);
	CHECK_INT(mime_header_value(pl, 9, &b), 0);
	CHECK_STR(str_of(&b), "=?UTF-8?B?WmHFvMOzxYLEhyBnxJnFm2zEhSBqYcW6xYQ=?=");
	/* something that looks like an encoded word is encoded itself */
	buf_reset(&b);
	CHECK_INT(mime_header_value("=?x?=", 9, &b), 0);
	CHECK(strncmp(str_of(&b), "=?UTF-8?B?", 10) == 0);
	/* a long Polish subject: folded, no line over 78 with the field name,
	 * every word whole UTF-8 (45 bytes of "ż" pairs never split) */
	lng[0] = '\0';
	for (int i = 0; i < 60; i++)
		strcat(lng, "ż");
	buf_reset(&b);
	buf_puts(&b, "Subject: ");
	CHECK_INT(mime_header_value(lng, 9, &b), 0);
	CHECK(lines_within(str_of(&b), 78));
	CHECK(strstr(str_of(&b), "\r\n =?UTF-8?B?") != NULL);
	/* each word's decoded bytes are an even number (2-byte characters):
	 * base64 of 44 bytes is 60 characters ending "=" - never 45 bytes */
	CHECK(strstr(str_of(&b), "?=\r\n") != NULL);
	buf_reset(&b);
	memset(lng, 'a', 950);
	lng[950] = '\0';
	CHECK_INT(mime_header_value(lng, 9, &b), -PL_ETOOBIG);
	buf_release(&b);
}

static void test_message_id(void)
{
	char a[300], b[300], c[300];

	CHECK_INT(mime_message_id(a, sizeof(a), 17, "Jan@Example.PL", "faktury@sklep.pl"), 0);
	CHECK_INT(mime_message_id(b, sizeof(b), 17, "jan@example.pl", "faktury@sklep.pl"), 0);
	CHECK_INT(mime_message_id(c, sizeof(c), 17, "ola@example.pl", "faktury@sklep.pl"), 0);
	CHECK_STR(a, b); /* the same recipient: the same id, whatever the attempt */
	CHECK(strcmp(a, c) != 0);
	CHECK(strncmp(a, "doc-17.", 7) == 0);
	CHECK(strstr(a, "@sklep.pl") != NULL);
	CHECK_INT(mime_message_id(a, 10, 17, "x@y.pl", "f@s.pl"), -PL_ETOOBIG);
}

static void test_build(void)
{
	static const unsigned char pdf[] = "%PDF-1.4\n\x00\x01\xff binary\n%%EOF\n";
	struct mime_attachment att = {"FV/1/2026.pdf", "application/pdf", pdf, sizeof(pdf)};
	struct mime_msg m = {.from_name = "Sklep Żuraw",
			     .from_addr = "faktury@sklep.pl",
			     .to_name = "Katarzyna \"Kasia\" Wójcik",
			     .to_addr = "kasia@example.pl",
			     .subject = "Faktura VAT FV/1/2026 – zamówienie",
			     .message_id = "doc-1.abc@sklep.pl",
			     .date = 1796601600, /* 2026-12-07 00:00:00 UTC, a Monday */
			     .text = "Dzień dobry\n",
			     .html = "<p>Dzień dobry</p>\n",
			     .att = &att,
			     .natt = 1};
	struct buf a, b;
	const char *s;

	buf_init(&a, MIME_MAX_MESSAGE);
	buf_init(&b, MIME_MAX_MESSAGE);
	CHECK_INT(mime_build(&m, &a), 0);
	CHECK_INT(mime_build(&m, &b), 0);
	CHECK_INT(a.len, b.len);
	CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0); /* deterministic */
	s = str_of(&a);
	CHECK(strncmp(s, "Date: Mon, 07 Dec 2026 00:00:00 +0000\r\n", 39) == 0);
	CHECK(strstr(s, "\r\nMessage-ID: <doc-1.abc@sklep.pl>\r\n") != NULL);
	CHECK(strstr(s, "\r\nFrom: =?UTF-8?B?") != NULL);
	CHECK(strstr(s, "Content-Type: multipart/mixed; boundary=\"=_pl_mix_") != NULL);
	CHECK(strstr(s, "Content-Type: multipart/alternative; boundary=\"=_pl_alt_") != NULL);
	/* plain first, HTML last (RFC 2046: the preferred one last) */
	CHECK(strstr(s, "text/plain") && strstr(s, "text/html") &&
	      strstr(s, "text/plain") < strstr(s, "text/html"));
	CHECK(strstr(s, "filename=\"FV_1_2026.pdf\"") != NULL);
	CHECK(strstr(s, "Content-Transfer-Encoding: base64") != NULL);
	CHECK(lines_within(s, 998));
	CHECK(!strstr(s, "\n\n")); /* CRLF everywhere */

	/* header injection from outside: refused, nothing appended */
	buf_reset(&b);
	m.to_name = "Evil\r\nBcc: all@example.pl";
	CHECK_INT(mime_build(&m, &b), -PL_EINVAL);
	CHECK_INT(b.len, 0);
	m.to_name = "ok";
	m.subject = "a\nb";
	CHECK_INT(mime_build(&m, &b), -PL_EINVAL);
	m.subject = "ok";
	m.to_addr = "not an address";
	CHECK_INT(mime_build(&m, &b), -PL_EINVAL);
	m.to_addr = "a@b.pl>, <c@d.pl";
	CHECK_INT(mime_build(&m, &b), -PL_EINVAL);
	m.to_addr = "kasia@example.pl";
	att.len = MIME_MAX_ATTACH + 1;
	CHECK_INT(mime_build(&m, &b), -PL_ETOOBIG);
	att.len = sizeof(pdf);
	/* the cap of the output buffer */
	buf_release(&b);
	buf_init(&b, 100);
	CHECK_INT(mime_build(&m, &b), -PL_ETOOBIG);
	CHECK_INT(b.len, 0);
	buf_release(&a);
	buf_release(&b);
}

static void test_reply(void)
{
	struct smtp_reply r;
	const char *multi = "250-mx.example.pl\r\n250-PIPELINING\r\n250 SIZE 1000\r\n";
	const char *two = "354 go ahead\r\n451 4.3.0 Try again later\r\n";

	CHECK_INT(smtp_reply_parse(multi, strlen(multi), &r), 0);
	CHECK_INT(r.code, 250);
	CHECK_STR(r.text, "mx.example.pl PIPELINING SIZE 1000");
	CHECK_INT(smtp_reply_parse(two, strlen(two), &r), 0);
	CHECK_INT(r.code, 451);
	CHECK_STR(r.enhanced, "4.3.0");
	CHECK_STR(r.text, "4.3.0 Try again later");
	CHECK_INT(smtp_reply_parse("550 5.1.1 <x@y>: unknown\n", 25, &r), 0);
	CHECK_INT(r.code, 550);
	CHECK_STR(r.enhanced, "5.1.1");
	CHECK_INT(smtp_reply_parse("250-a\r\n", 7, &r), -PL_EPROTO);           /* unfinished */
	CHECK_INT(smtp_reply_parse("250-a\r\n451 b\r\n", 14, &r), -PL_EPROTO); /* mixed */
	CHECK_INT(smtp_reply_parse("hello\r\n", 7, &r), -PL_EPROTO);
	CHECK_INT(smtp_reply_parse("999 x\r\n", 7, &r), -PL_EPROTO);
	CHECK_INT(smtp_reply_parse("250 ok", 6, &r), -PL_EPROTO); /* no line end */
}

static void test_html_escape(void)
{
	struct order o;
	struct tmpl *t = NULL;
	struct buf b;
	struct tmpl_ctx ctx = {.order = &o, .html = true};

	order_init(&o);
	snprintf(o.buyer.name, sizeof(o.buyer.name), "<b>Jan & \"Syn\"</b>");
	CHECK_INT(tmpl_compile("<p>{order.client.name}</p>", NULL, &t, NULL), 0);
	buf_init(&b, 4096);
	CHECK_INT(tmpl_render(t, &ctx, &b), 0);
	CHECK_STR(str_of(&b), "<p>&lt;b&gt;Jan &amp; &quot;Syn&quot;&lt;/b&gt;</p>");
	buf_reset(&b);
	ctx.html = false;
	CHECK_INT(tmpl_render(t, &ctx, &b), 0);
	CHECK_STR(str_of(&b), "<p><b>Jan & \"Syn\"</b></p>");
	buf_release(&b);
	tmpl_free(t);
	order_release(&o);
}

int main(void)
{
	test_base64();
	test_qp();
	test_rfc2047();
	test_message_id();
	test_build();
	test_reply();
	test_html_escape();
	return check_done("test_mime");
}
