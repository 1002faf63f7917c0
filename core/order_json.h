/* SPDX-License-Identifier: Apache-2.0 */
/* core/order_json.h - orders from and to JSON (format: docs/orders.md).
 *
 * A text holds one order object, an array of orders, or {"orders": [...]}.
 * Parsing validates EVERYTHING before it returns anything: types, caps (the
 * struct field sizes; too long is an error, never a silent cut), required
 * fields, known values, NIP and EAN check digits, and that the lines plus
 * delivery add up to "total". Every error goes to a struct diag with its JSON
 * path ("$.orders[3].lines[1].ean") and a reason a person can act on. One bad
 * order fails the whole text: an import is all or nothing, so a file is never
 * half-imported and imported again.
 *
 * Unknown fields are errors (a typo such as "unit_prise" would otherwise drop
 * a price silently), with a "did you mean" hint; fields whose name starts with
 * "x_" are integrator extensions and are ignored. JSON null counts as absent.
 *
 * Ownership: *out is a malloc'd array of n initialised orders; free it with
 * order_array_free(). order_to_json() returns a new cJSON tree the caller
 * deletes with cJSON_Delete().
 */
#ifndef PL_CORE_ORDER_JSON_H
#define PL_CORE_ORDER_JSON_H

#include "base/diag.h"
#include "core/order.h"

#include <cjson/cJSON.h>
#include <stddef.h>

/* Largest JSON text accepted (bytes). */
#define ORDER_JSON_MAX_TEXT (16u * 1024 * 1024)
/* Most orders in one text. */
#define ORDER_JSON_MAX_ORDERS 10000

/* Parse and validate `len` bytes (need not be NUL-terminated). Returns 0 with
 * *out and *n set (n >= 1), or -PL_EINVAL with every problem in `d` and *out NULL,
 * *n 0; -PL_ENOMEM when memory ran out (also noted in `d`). */
int order_json_parse(const char *text, size_t len, struct order **out, size_t *n, struct diag *d);
/* Read a file (at most ORDER_JSON_MAX_TEXT bytes) and parse it as above.
 * -PL_EIO if it cannot be read (reason in `d`, where = the path). */
int order_json_load_file(const char *path, struct order **out, size_t *n, struct diag *d);
/* Release each order and free the array; NULL is fine. */
void order_array_free(struct order *v, size_t n);

/* The JSON form of an order; order_json_parse() of its printed text yields an
 * equal order (round trip). NULL on OOM. Fields left empty are omitted. */
cJSON *order_to_json(const struct order *o);

#endif
