/* SPDX-License-Identifier: Apache-2.0 */
/* tests/fuzz/fuzz_smartbill.c - SmartBill's answers on hostile bytes.
 *
 * The first byte picks the parser (a plain answer or a series list). Every
 * parsed text field must be NUL-terminated inside its array and an answer
 * over SB_JSON_MAX is refused; a series found has a positive next number.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/err.h"
#include "connectors/smartbill.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sb_answer a;
	struct sb_series s;
	char err[128];
	int rc;

	if (size < 1)
		return 0;
	if (data[0] & 1) {
		rc = sb_parse_answer((const char *)data + 1, size - 1, &a);
		if (rc == 0 && (memchr(a.error_text, 0, sizeof(a.error_text)) == NULL ||
				memchr(a.number, 0, sizeof(a.number)) == NULL ||
				memchr(a.series, 0, sizeof(a.series)) == NULL ||
				memchr(a.message, 0, sizeof(a.message)) == NULL))
			__builtin_trap();
		if (rc == 0 && a.error_text[0] && strchr(a.error_text, '<'))
			__builtin_trap(); /* HTML is cut off */
	} else {
		rc = sb_parse_series((const char *)data + 1, size - 1, "FCT", &s, err, sizeof(err));
		if (rc == 0 && (s.next < 1 || strcmp(s.name, "FCT") != 0))
			__builtin_trap();
		if (memchr(err, 0, sizeof(err)) == NULL)
			__builtin_trap();
	}
	return 0;
}
