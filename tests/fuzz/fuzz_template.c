/* SPDX-License-Identifier: Apache-2.0 */
/* tests/fuzz/fuzz_template.c - the template compiler and renderer on arbitrary bytes.
 *
 * Besides "no crash, no leak, no UB": a failed compile says where and why; a
 * render into a small buffer either fits or stops with -PL_ETOOBIG; one-line
 * rendering never leaves a control character from a value.
 */
#include "core/template.h"

#include "base/err.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {"shipment.tracking", "shipment.carrier"};
	static const struct tmpl_vars vars = {names, 2};
	const struct tmpl_kv kv[] = {{"shipment.tracking", "6200\n001"},
				     {"shipment.carrier", NULL}};
	char *text = malloc(size + 1);
	struct tmpl *t = NULL;
	struct tmpl_error err;
	struct order o;
	struct document d;
	int rc;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	order_init(&o);
	doc_init(&d);
	snprintf(o.number, sizeof(o.number), "ZK/1");
	snprintf(o.notes, sizeof(o.notes), "line\r\nbreak\t\x7F end");
	o.created = -86400 * 365; /* before 1970 */
	o.total = INT64_MIN;
	d.kind = (enum doc_kind)DOC_KIND_COUNT; /* out of range: must still render */
	snprintf(d.issue_date, sizeof(d.issue_date), "9999-12-31");
	snprintf(d.sale_date, sizeof(d.sale_date), "0000-00-00");
	d.total_gross = INT64_MAX;

	rc = tmpl_compile(text, &vars, &t, &err);
	if (rc == 0) {
		struct tmpl_ctx full = {.order = &o,
					.doc = &d,
					.extra = kv,
					.nextra = 2,
					.now = 4102444800,
					.one_line = true};
		struct buf out;

		buf_init(&out, 64 * 1024);
		rc = tmpl_render(t, &full, &out);
		if (rc == 0)
			for (size_t i = 0; i < out.len; i++)
				if (((unsigned char)out.data[i] < 0x20 || out.data[i] == 0x7F) &&
				    !strchr(text, out.data[i]))
					abort();
		buf_release(&out);
		buf_init(&out, 16);
		rc = tmpl_render(t, &full, &out);
		if (rc != 0 && rc != -PL_ETOOBIG)
			abort();
		if (out.len > 16)
			abort();
		buf_release(&out);
		buf_init(&out, 1024);
		(void)tmpl_render(t, NULL, &out);
		buf_release(&out);
		(void)tmpl_uses(t, "order.number");
		tmpl_free(t);
	} else if (rc != -PL_ENOMEM) {
		if (err.line < 1 || err.col < 1 || err.msg[0] == '\0' || err.offset > size)
			abort();
	}
	order_release(&o);
	doc_release(&d);
	free(text);
	return 0;
}
