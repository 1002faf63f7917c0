/* SPDX-License-Identifier: Apache-2.0 */
/* tests/fuzz/fuzz_order_json.c - order_json_parse() on arbitrary bytes.
 *
 * Properties checked on every input, beyond "no crash, no leak, no UB":
 * success returns n >= 1 orders and an empty diag; failure returns NULL, 0
 * and at least one diag entry; every accepted order survives a round trip
 * through order_to_json() unchanged.
 */
#include "core/order_json.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void roundtrip(const struct order *o)
{
	cJSON *j = order_to_json(o);
	char *text = j ? cJSON_PrintUnformatted(j) : NULL;
	struct order *v = NULL;
	size_t n = 0;
	struct diag d;

	if (!text)
		abort(); /* OOM is not expected at fuzz sizes */
	diag_init(&d);
	if (order_json_parse(text, strlen(text), &v, &n, &d) != 0 || n != 1 ||
	    memcmp(&v[0], o, offsetof(struct order, lines)) != 0 || v[0].nlines != o->nlines ||
	    memcmp(v[0].lines, o->lines, o->nlines * sizeof(*o->lines)) != 0)
		abort();
	order_array_free(v, n);
	diag_release(&d);
	free(text);
	cJSON_Delete(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct order *v = (struct order *)1;
	size_t n = 99;
	struct diag d;
	int rc;

	diag_init(&d);
	rc = order_json_parse((const char *)data, size, &v, &n, &d);
	if (rc == 0) {
		if (!v || n == 0 || diag_count(&d) != 0)
			abort();
		for (size_t i = 0; i < n; i++)
			roundtrip(&v[i]);
	} else if (v != NULL || n != 0 || diag_count(&d) == 0) {
		abort();
	}
	order_array_free(v, n);
	diag_release(&d);
	return 0;
}
