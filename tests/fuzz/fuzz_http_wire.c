/* SPDX-License-Identifier: Apache-2.0 */
/* tests/fuzz/fuzz_http_wire.c - the HTTP sidecar's frame decoders on hostile bytes.
 *
 * The first byte picks the decoder (request or response). A response that
 * decodes is encoded again and must decode to the same fields (its body came
 * from a server); a request that decodes is re-encoded and must be
 * byte-identical to the input it came from.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/buf.h"
#include "connectors/http_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_resp(const uint8_t *data, size_t size)
{
	struct http_resp r, again;
	struct buf b;

	http_resp_init(&r);
	http_resp_init(&again);
	buf_init(&b, 1u << 20);
	if (http_wire_get_resp(data, size, &r) == 0) {
		if (http_wire_put_resp(&b, &r) || http_wire_get_resp(b.data, b.len, &again))
			__builtin_trap();
		if (again.status != r.status || strcmp(again.content_type, r.content_type) != 0 ||
		    strcmp(again.err, r.err) != 0 || again.body.len != r.body.len ||
		    (r.body.len && memcmp(again.body.data, r.body.data, r.body.len) != 0))
			__builtin_trap();
	}
	buf_release(&b);
	http_resp_release(&r);
	http_resp_release(&again);
}

static void fuzz_req(const uint8_t *data, size_t size)
{
	struct http_wire_req w;
	struct buf b;

	buf_init(&b, 1u << 20);
	if (http_wire_get_req(data, size, &w) == 0) {
		if (http_wire_put_req(&b, &w) || b.len != size || memcmp(b.data, data, size) != 0)
			__builtin_trap();
	}
	buf_release(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] & 1)
		fuzz_req(data + 1, size - 1);
	else
		fuzz_resp(data + 1, size - 1);
	return 0;
}
