/* SPDX-License-Identifier: Apache-2.0 */
/* tests/fuzz/fuzz_posnet_reply.c - the POSNET reply parser on hostile bytes.
 *
 * The first byte chooses how the input is cut into reads (1..16 bytes, or
 * all at once), so frames split at every position are covered; every frame
 * that parses is read back through posnet_msg_get/_get_int, and a success
 * reply is re-encoded and must parse again to the same fields.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fiscal/posnet_frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_roundtrip(const struct posnet_msg *m)
{
	static struct posnet_msg again;
	struct posnet_cmd c;
	uint8_t fr[POSNET_FRAME_MAX + 8];
	size_t n, used;
	struct posnet_parser p;

	if (m->kind != POSNET_MSG_OK || m->async)
		return;
	posnet_cmd_init(&c, m->mnemonic);
	posnet_cmd_set_paper(&c, POSNET_PAPER_80MM);
	for (size_t i = 0; i < m->nfields; i++) {
		/* names may be any two bytes on input; the builder wants letters */
		posnet_cmd_add_raw(&c, m->fields[i].name, m->fields[i].value, m->fields[i].len);
	}
	posnet_cmd_set_token(&c, m->token);
	if (c.rc || posnet_cmd_encode(&c, false, fr, sizeof(fr), &n))
		return;
	posnet_parser_init(&p);
	if (posnet_parser_feed(&p, fr, n, &used, &again) != POSNET_FEED_FRAME)
		__builtin_trap();
	if (again.nfields != m->nfields || strcmp(again.mnemonic, m->mnemonic) != 0)
		__builtin_trap();
	for (size_t i = 0; i < m->nfields; i++)
		if (again.fields[i].len != m->fields[i].len ||
		    memcmp(again.fields[i].value, m->fields[i].value, m->fields[i].len) != 0)
			__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct posnet_msg m;
	struct posnet_parser p;
	size_t off = 1, step;

	if (size == 0)
		return 0;
	step = data[0] & 0x0F; /* 0 = everything at once */
	posnet_parser_init(&p);
	p.strict_upper = data[0] & 0x80;
	while (off < size) {
		size_t len = step ? step : size - off, used = 0;
		int rc;
		if (len > size - off)
			len = size - off;
		rc = posnet_parser_feed(&p, data + off, len, &used, &m);
		if (used == 0 || used > len)
			__builtin_trap(); /* must always make progress */
		off += used;
		if (rc == POSNET_FEED_FRAME) {
			long long v;
			(void)posnet_msg_get(&m, "bn");
			(void)posnet_msg_get_int(&m, "bn", &v);
			if (m.nfields > POSNET_FIELDS_MAX)
				__builtin_trap();
			check_roundtrip(&m);
		} else if (rc < 0 && p.err[0] == '\0') {
			__builtin_trap(); /* every error says why */
		}
	}
	return 0;
}
