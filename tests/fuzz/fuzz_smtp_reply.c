/* SPDX-License-Identifier: Apache-2.0 */
/* tests/fuzz/fuzz_smtp_reply.c - what an SMTP server says, and header text from outside.
 *
 * smtp_reply_parse() reads a server's lines (connectors/smtp.h): it must stay
 * inside `len`, and a reply it accepts has a code 200..599 and printable text.
 * The same bytes as a header value (a buyer's name, a subject from a
 * template) through mime_header_value(): no line over 78 columns after an
 * encoded word, no CR or LF except the CRLF SP of a fold.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "connectors/smtp.h"
#include "core/mime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smtp_reply r;
	struct buf b;
	char *s;

	if (smtp_reply_parse((const char *)data, size, &r) == 0) {
		if (r.code < 200 || r.code > 599 || strlen(r.text) >= sizeof(r.text))
			__builtin_trap();
		for (const char *p = r.text; *p; p++)
			if ((unsigned char)*p < 32 || (unsigned char)*p > 126)
				__builtin_trap();
	}
	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	buf_init(&b, 1u << 16);
	if (!strpbrk(s, "\r\n") && mime_header_value(s, 9, &b) == 0 && b.data) {
		for (size_t i = 0; i < b.len; i++) {
			if (b.data[i] == '\r' &&
			    (i + 2 >= b.len || b.data[i + 1] != '\n' || b.data[i + 2] != ' '))
				__builtin_trap();
			if (b.data[i] == '\n' && (i == 0 || b.data[i - 1] != '\r'))
				__builtin_trap();
		}
	}
	buf_release(&b);
	free(s);
	return 0;
}
