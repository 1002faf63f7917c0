/* SPDX-License-Identifier: Apache-2.0 */
/* tests/fuzz/fuzz_barcode.c - scan classification and the packing state
 * machine on arbitrary bytes (one scan per line).
 *
 * Properties besides "no crash, no UB": a product always has 14 digits with
 * a valid check digit; an invalid scan always says why; the machine's
 * counts never exceed a line's need and its state stays in range.
 */
#include "core/barcode.h"
#include "core/station.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct barcode_cfg cfg = {.order_prefix = "ZK/", .order_pattern = "#*"};
	struct barcode b;
	struct station *s = malloc(sizeof(*s));
	struct order o;
	struct order_line l = {.sku = "A1", .ean = "5907511000015", .qty = 2000};
	struct station_action act;
	size_t start = 0;

	if (!s)
		return 0;
	barcode_classify(&cfg, (const char *)data, size, &b);
	if (b.type == BC_PRODUCT && (strlen(b.gtin) != 14 || !barcode_check_digit_ok(b.gtin, 14)))
		abort();
	if (b.type == BC_INVALID && !b.why[0])
		abort();
	order_init(&o);
	snprintf(o.number, sizeof(o.number), "ZK/1");
	o.id = 1;
	order_add_line(&o, &l);
	snprintf(l.sku, sizeof(l.sku), "B2");
	l.ean[0] = '\0';
	l.qty = 1000;
	order_add_line(&o, &l);
	station_init(s, &cfg, NULL, NULL);
	for (size_t i = 0; i <= size; i++) {
		if (i < size && data[i] != '\n')
			continue;
		station_feed(s, (const char *)data + start, i - start, &act);
		if (act.flags & SACT_LOAD)
			station_load(s, &o, (i & 1) ? "held" : "", "{\"A1\":1,\"B2\":7}");
		if (act.flags & SACT_RECORD)
			station_recorded(s, (i & 2) != 0, "x");
		for (size_t k = 0; k < s->nlines; k++)
			if (s->lines[k].got > s->lines[k].need || s->lines[k].got < 0)
				abort();
		if (s->state > STATION_DONE || s->msg >= SMSG_COUNT)
			abort();
		start = i + 1;
	}
	order_release(&o);
	free(s);
	return 0;
}
