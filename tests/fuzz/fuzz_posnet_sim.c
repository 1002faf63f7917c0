/* SPDX-License-Identifier: Apache-2.0 */
/* tests/fuzz/fuzz_posnet_sim.c - the POSNET simulator on arbitrary host bytes.
 *
 * The input is split at 0xFF bytes into chunks fed at advancing times; a
 * chunk starting with 0xFE instead toggles the paper roll, 0xFD reboots. The
 * simulator must never crash, its output must always parse as frames, and
 * its counters must stay consistent (bn + bc <= bt without daily reports).
 * A fixed set of faults is armed so the fault paths run too.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fiscal/posnet_frame.h"
#include "fiscal/posnet_sim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int64_t fixed_clock(void *arg)
{
	(void)arg;
	return 1791539295;
}

static void drain(struct posnet_sim *s, struct posnet_parser *p, int64_t now)
{
	static struct posnet_msg m;
	uint8_t out[512];
	size_t n;

	while ((n = posnet_sim_output(s, out, sizeof(out), now)) > 0) {
		size_t off = 0;
		while (off < n) {
			size_t used;
			posnet_parser_feed(p, out + off, n - off, &used, &m);
			off += used;
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *faults[] = {"delay=5:scnt",  "late:trline:1:1",
				       "split=2:trend", "power=10:trpayment:2:1",
				       "badcrc:strns",  "garbage=3:sdev"};
	struct posnet_sim_config cfg;
	struct posnet_sim *s;
	struct posnet_parser p;
	struct posnet_sim_counters c;
	int64_t now = 0;
	size_t start = 0;

	posnet_sim_config_default(&cfg);
	cfg.clock = fixed_clock;
	s = posnet_sim_new(&cfg);
	if (!s)
		return 0;
	for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
		struct posnet_sim_fault f;
		char err[160];
		if (posnet_sim_fault_parse(faults[i], &f, err, sizeof(err)) == 0)
			posnet_sim_add_fault(s, &f);
	}
	posnet_parser_init(&p);
	for (size_t i = 0; i <= size; i++) {
		if (i < size && data[i] != 0xFF)
			continue;
		if (i > start) {
			if (data[start] == 0xFE)
				posnet_sim_set_paper_out(s, !posnet_sim_paper_out(s), now);
			else if (data[start] == 0xFD)
				posnet_sim_reboot(s);
			else
				posnet_sim_input(s, data + start, i - start, now);
		}
		start = i + 1;
		now += 7;
		drain(s, &p, now);
		(void)posnet_sim_next_due(s, now);
	}
	now += 100000;
	posnet_sim_set_paper_out(s, false, now);
	drain(s, &p, now);
	posnet_sim_get_counters(s, &c);
	if (c.rd == 0 && c.bn + c.bc > c.bt)
		__builtin_trap();
	{
		struct buf b;
		char err[160];
		buf_init(&b, 1 << 24);
		if (posnet_sim_save(s, &b) == 0 &&
		    posnet_sim_load(s, b.data, b.len, err, sizeof(err)))
			__builtin_trap(); /* what we save we can load */
		buf_release(&b);
	}
	posnet_sim_free(s);
	return 0;
}
