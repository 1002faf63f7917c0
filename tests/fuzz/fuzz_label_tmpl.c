/* SPDX-License-Identifier: Apache-2.0 */
/* tests/fuzz/fuzz_label_tmpl.c - label template parser and renderer on arbitrary input.
 *
 * The input is split at the first NUL-free line "---": the part before is the template
 * text, the part after the recipient name (so the fit rules see arbitrary long / odd UTF-8
 * text). Properties: parsing never crashes; a template that loads renders or refuses with a
 * reason, and a rendered label is one ^XA..^XZ whose every ^FO lies inside ^PW x ^LL.
 */
#include "base/diag.h"
#include "labels/label.h"
#include "labels/zpl.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* an exact-size copy so a read past the end is caught by ASan */
	char *text = malloc(size + 1);
	const char *sep;
	struct label_tmpl *t = NULL;
	struct order o;
	struct diag d;
	struct zpl z;
	char why[256];
	size_t tlen = size;
	int sh, rc;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	order_init(&o);
	sep = memchr(text, '\0', size) ? NULL : strstr(text, "\n---\n");
	if (sep) {
		tlen = (size_t)(sep - text);
		strncpy(o.delivery.recipient, sep + 5, sizeof(o.delivery.recipient) - 1);
		strncpy(o.buyer.name, sep + 5, sizeof(o.buyer.name) - 1);
	}
	snprintf(o.number, sizeof(o.number), "ZK/2026/0001");
	diag_init(&d);
	if (label_tmpl_parse(text, tlen, "fuzz", 0, &t, &d) == 0) {
		struct tmpl_kv kv[] = {{"shipment.tracking", "602677154265080116782131"}};
		struct tmpl_ctx ctx = {.order = &o, .extra = kv, .nextra = 1};
		zpl_init(&z, 0);
		rc = label_render(t, &ctx, &z, &sh, why, sizeof(why));
		if (rc == 0) {
			int pw = label_tmpl_width(t), ll = label_tmpl_height(t);
			const char *p = z.out.data;
			if (strncmp(p, "^XA", 3) != 0 || strcmp(p + z.out.len - 4, "^XZ\n") != 0)
				abort();
			while ((p = strstr(p, "^FO"))) {
				char *end;
				long x = strtol(p + 3, &end, 10), y = strtol(end + 1, NULL, 10);
				if (x < 0 || y < 0 || x >= pw || y >= ll)
					abort();
				p += 3;
			}
		} else if (!why[0]) {
			abort(); /* a refusal always says why */
		}
		zpl_release(&z);
		label_tmpl_free(t);
	}
	diag_release(&d);
	order_release(&o);
	free(text);
	return 0;
}
