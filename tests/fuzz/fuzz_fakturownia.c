/* SPDX-License-Identifier: Apache-2.0 */
/* tests/fuzz/fuzz_fakturownia.c - fakturownia's answers on hostile bytes.
 *
 * The first byte picks the parser (an invoice, a list looked up by oid, an
 * error body). Every parsed text field must be NUL-terminated inside its
 * array, an invoice parsed has a positive id, a list hit has exactly the
 * oid asked for, and an answer over FKT_JSON_MAX is refused.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/err.h"
#include "connectors/fakturownia.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int terminated(const struct fkt_invoice *v)
{
	return memchr(v->number, 0, sizeof(v->number)) && memchr(v->kind, 0, sizeof(v->kind)) &&
	       memchr(v->status, 0, sizeof(v->status)) && memchr(v->oid, 0, sizeof(v->oid)) &&
	       memchr(v->token, 0, sizeof(v->token)) &&
	       memchr(v->gov_status, 0, sizeof(v->gov_status)) &&
	       memchr(v->gov_id, 0, sizeof(v->gov_id)) &&
	       memchr(v->gov_errors, 0, sizeof(v->gov_errors));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fkt_invoice v;
	char err[128];
	size_t n;
	int rc;

	if (size < 1)
		return 0;
	switch (data[0] % 3) {
	case 0:
		rc = fkt_parse_invoice((const char *)data + 1, size - 1, &v, err, sizeof(err));
		if (rc == 0 && (v.id < 1 || !terminated(&v)))
			__builtin_trap();
		if (!memchr(err, 0, sizeof(err)))
			__builtin_trap();
		break;
	case 1:
		rc = fkt_parse_list((const char *)data + 1, size - 1, "invoice:shop:A1", &v, &n);
		if (rc == 0 && (v.id < 1 || !terminated(&v) || strcmp(v.oid, "invoice:shop:A1")))
			__builtin_trap();
		break;
	default:
		rc = fkt_parse_error((const char *)data + 1, size - 1, err, sizeof(err));
		if (!memchr(err, 0, sizeof(err)) || (rc == 0 && !err[0]))
			__builtin_trap();
		break;
	}
	return 0;
}
