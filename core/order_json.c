/* SPDX-License-Identifier: Apache-2.0 */
/* core/order_json.c - orders from and to JSON (docs/orders.md).
 *
 * Two passes per order: this file checks the JSON side (types, caps, number
 * forms, dates, unknown fields) while copying into struct order, then
 * order_validate() (core/order.c) checks the meaning (check digits, known
 * values, sums). order_validate() skips a place that already has an error, so
 * a price written as a string is reported once, not also as "must be >= 0".
 */
#include "core/order_json.h"

#include "base/clock.h"
#include "base/err.h"
#include "core/ident.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An order is at most 4 levels deep ($.orders[i].buyer.billing); anything far
 * deeper is not an order, and the cap keeps cJSON's recursion shallow. */
#define JSON_MAX_DEPTH 32
/* An object with more fields than this is refused before the per-field checks. */
#define JSON_MAX_FIELDS 64

struct jp {
	struct diag *d;
	int errors;
};

static void jerr(struct jp *p, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void jerr(struct jp *p, const char *where, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	p->errors++;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag_add(p->d, where, "%s", msg);
}

static void path_key(char *out, size_t size, const char *base, const char *key)
{
	snprintf(out, size, "%s.%s", base, key);
}

static void path_index(char *out, size_t size, const char *base, size_t i)
{
	snprintf(out, size, "%s[%zu]", base, i);
}

static const char *type_name(const cJSON *it)
{
	if (cJSON_IsString(it))
		return "a string";
	if (cJSON_IsNumber(it))
		return "a number";
	if (cJSON_IsObject(it))
		return "an object";
	if (cJSON_IsArray(it))
		return "an array";
	if (cJSON_IsBool(it))
		return "true/false";
	if (cJSON_IsNull(it))
		return "null";
	return "an unknown value";
}

/* ---- field names: unknown ones are errors, with a hint ---- */

static const char *const k_top[] = {"orders", NULL};
static const char *const k_order[] = {
    "source", "id",       "number",  "created", "updated", "status",  "currency", "total",
    "buyer",  "delivery", "payment", "notes",   "tags",    "allegro", "lines",    NULL};
static const char *const k_buyer[] = {"name",  "company", "nip",     "email",
				      "phone", "country", "billing", NULL};
static const char *const k_address[] = {"street", "postcode", "city", "country", NULL};
static const char *const k_delivery[] = {"method", "pickup_point", "recipient", "address",
					 "cost",   "vat",          "refunded",  NULL};
static const char *const k_payment[] = {"type", "status", "paid", NULL};
static const char *const k_allegro[] = {"checkout_form_id", NULL};
static const char *const k_line[] = {"sku",        "ean", "name",     "qty", "unit",
				     "unit_price", "vat", "returned", NULL};

/* Edit distance of two short names; larger than `limit` stops early. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t row[33], prev;

	if (la > 32 || lb > 32)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t cur = row[j];
			size_t sub = prev + (a[i - 1] != b[j - 1]);
			size_t del = row[j] + 1, ins = row[j - 1] + 1;
			row[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
			prev = cur;
		}
	}
	return row[lb];
}

static void check_keys(struct jp *p, const cJSON *obj, const char *path, const char *const *keys)
{
	char where[256];
	size_t nfields = 0;
	const cJSON *c;

	cJSON_ArrayForEach(c, obj)
	{
		nfields++;
	}
	if (nfields > JSON_MAX_FIELDS) {
		jerr(p, path, "has %zu fields, an order object has at most %d", nfields,
		     JSON_MAX_FIELDS);
		return;
	}
	cJSON_ArrayForEach(c, obj)
	{
		const char *name = c->string ? c->string : "";
		bool known = false;
		if (strncmp(name, "x_", 2) == 0)
			continue; /* integrator extension, ignored by design */
		for (const char *const *k = keys; *k; k++)
			if (strcmp(*k, name) == 0)
				known = true;
		path_key(where, sizeof(where), path, name);
		if (!known) {
			const char *best = NULL;
			size_t bd = 3;
			for (const char *const *k = keys; *k; k++) {
				size_t dist = edit_distance(name, *k);
				if (dist < bd) {
					bd = dist;
					best = *k;
				}
			}
			if (best)
				jerr(p, where, "unknown field; did you mean '%s'?", best);
			else
				jerr(p, where,
				     "unknown field (names starting with x_ are ignored as "
				     "extensions)");
			continue;
		}
		for (const cJSON *e = obj->child; e != c; e = e->next) {
			if (e->string && strcmp(e->string, name) == 0) {
				jerr(p, where, "field is given twice");
				break;
			}
		}
	}
}

/* The field, or NULL when absent or null (null counts as absent). */
static const cJSON *field(const cJSON *obj, const char *key)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);

	return (it && !cJSON_IsNull(it)) ? it : NULL;
}

/* ---- typed getters: each reports at base.key and leaves *dst as it was on error ---- */

static void get_str(struct jp *p, const cJSON *obj, const char *base, const char *key, char *dst,
		    size_t cap, bool required)
{
	const cJSON *it = field(obj, key);
	char where[256];
	size_t len;

	path_key(where, sizeof(where), base, key);
	if (!it) {
		if (required)
			jerr(p, where, "is required");
		return;
	}
	if (!cJSON_IsString(it)) {
		jerr(p, where, "must be a string, got %s", type_name(it));
		return;
	}
	len = strlen(it->valuestring);
	if (len >= cap) {
		jerr(p, where, "is %zu bytes long, the limit is %zu bytes (UTF-8)", len, cap - 1);
		return;
	}
	memcpy(dst, it->valuestring, len + 1);
}

static void get_money(struct jp *p, const cJSON *obj, const char *base, const char *key,
		      int64_t *dst, bool required)
{
	const cJSON *it = field(obj, key);
	char where[256];
	double v;

	path_key(where, sizeof(where), base, key);
	if (!it) {
		if (required)
			jerr(p, where, "is required");
		return;
	}
	if (!cJSON_IsNumber(it)) {
		jerr(p, where,
		     "must be a whole number of minor units (grosze: 1299 for 12.99), got %s",
		     type_name(it));
		return;
	}
	v = it->valuedouble;
	if (!isfinite(v) || fabs(v) > 1e15) {
		jerr(p, where, "is out of range");
		return;
	}
	if (v != floor(v)) {
		jerr(p, where,
		     "must be a whole number of minor units (grosze), got %.15g; write %.0f for "
		     "%.2f",
		     v, round(v * 100), v);
		return;
	}
	*dst = (int64_t)v;
}

/* A quantity in thousandths. `required` quantities are sold ones (> 0); an
 * optional one ("returned") may be 0. */
static void get_qty(struct jp *p, const cJSON *obj, const char *base, const char *key, int64_t *dst,
		    bool required)
{
	const cJSON *it = field(obj, key);
	char where[256];
	double v;
	long long q;

	path_key(where, sizeof(where), base, key);
	if (!it) {
		if (required)
			jerr(p, where, "is required");
		return;
	}
	if (!cJSON_IsNumber(it)) {
		jerr(p, where, "must be a number such as 1 or 1.25, got %s", type_name(it));
		return;
	}
	v = it->valuedouble;
	if (!isfinite(v) || v > (double)ORDER_QTY_MAX / 1000) {
		jerr(p, where, "is %.15g, the limit is %lld", v, ORDER_QTY_MAX / 1000);
		return;
	}
	if (v < 0 || (required && v == 0)) {
		jerr(p, where, "must be %s 0, got %.15g", required ? "greater than" : "at least",
		     v);
		return;
	}
	/* Exact thousandths: q/1000.0 is the double nearest to the decimal text
	 * "q/1000", so it equals v exactly when the text had <= 3 decimals. */
	q = llround(v * 1000.0);
	if ((double)q / 1000.0 != v) {
		jerr(p, where,
		     "has more than 3 decimal places (%.15g); quantities are kept in thousandths",
		     v);
		return;
	}
	*dst = q;
}

static void get_bool(struct jp *p, const cJSON *obj, const char *base, const char *key, bool *dst)
{
	const cJSON *it = field(obj, key);
	char where[256];

	path_key(where, sizeof(where), base, key);
	if (!it)
		return;
	if (!cJSON_IsBool(it)) {
		jerr(p, where, "must be true or false, got %s", type_name(it));
		return;
	}
	*dst = cJSON_IsTrue(it);
}

static void get_vat(struct jp *p, const cJSON *obj, const char *base, const char *key,
		    enum vat_rate *dst, bool required)
{
	const cJSON *it = field(obj, key);
	char where[256], num[32];
	const char *s;

	path_key(where, sizeof(where), base, key);
	if (!it) {
		if (required)
			jerr(p, where, "is required");
		return;
	}
	if (cJSON_IsNumber(it)) {
		/* 23 as a number is accepted too: it is what people type */
		double v = it->valuedouble;
		if (v >= 0 && v <= 100 && v == floor(v))
			snprintf(num, sizeof(num), "%d", (int)v);
		else
			snprintf(num, sizeof(num), "%.15g", v);
		s = num;
	} else if (cJSON_IsString(it)) {
		s = it->valuestring;
	} else {
		jerr(p, where, "must be a VAT rate such as \"23\", got %s", type_name(it));
		return;
	}
	if (vat_rate_parse(s, dst) != 0)
		jerr(p, where, "must be one of 23, 8, 5, 0, zw, np, oo; got '%.32s'", s);
}

/* ISO-8601 with a time and a zone: YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM). */
static bool iso_shape(const char *s)
{
	static const char pat[] = "dddd-dd-ddTdd:dd:dd";
	size_t i;

	for (i = 0; pat[i]; i++) {
		if (pat[i] == 'd' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != pat[i])
			return false;
	}
	s += i;
	if (*s == '.') {
		int nd = 0;
		for (s++; *s >= '0' && *s <= '9'; s++)
			nd++;
		if (nd == 0 || nd > 9)
			return false;
	}
	if (*s == 'Z')
		return s[1] == '\0';
	if (*s != '+' && *s != '-')
		return false;
	return s[1] >= '0' && s[1] <= '9' && s[2] >= '0' && s[2] <= '9' && s[3] == ':' &&
	       s[4] >= '0' && s[4] <= '9' && s[5] >= '0' && s[5] <= '9' && s[6] == '\0';
}

static void get_date(struct jp *p, const cJSON *obj, const char *base, const char *key,
		     int64_t *dst)
{
	const cJSON *it = field(obj, key);
	char where[256];

	path_key(where, sizeof(where), base, key);
	if (!it)
		return;
	if (!cJSON_IsString(it)) {
		jerr(p, where, "must be a date string such as \"2026-11-23T10:15:00Z\", got %s",
		     type_name(it));
		return;
	}
	if (strlen(it->valuestring) > 40 || !iso_shape(it->valuestring) ||
	    pl_parse_iso8601(it->valuestring, dst) != 0)
		jerr(p, where,
		     "must be an ISO-8601 date and time with a zone, such as 2026-11-23T10:15:00Z "
		     "or "
		     "2026-11-23T11:15:00+01:00, got '%.40s'",
		     it->valuestring);
}

static void get_id(struct jp *p, const cJSON *obj, const char *base, char *dst, size_t cap)
{
	const cJSON *it = field(obj, "id");
	char where[256];

	path_key(where, sizeof(where), base, "id");
	if (it && cJSON_IsNumber(it)) {
		/* shops often send numeric ids; kept as their decimal text */
		double v = it->valuedouble;
		if (v < 0 || v > 9007199254740992.0 || v != floor(v)) {
			jerr(p, where, "must be a string or a whole non-negative number, got %.15g",
			     v);
			return;
		}
		snprintf(dst, cap, "%lld", (long long)v);
		return;
	}
	get_str(p, obj, base, "id", dst, cap, true);
}

static const cJSON *get_object(struct jp *p, const cJSON *obj, const char *base, const char *key,
			       const char *const *keys, char *where, size_t wsize)
{
	const cJSON *it = field(obj, key);

	path_key(where, wsize, base, key);
	if (!it)
		return NULL;
	if (!cJSON_IsObject(it)) {
		jerr(p, where, "must be an object, got %s", type_name(it));
		return NULL;
	}
	check_keys(p, it, where, keys);
	return it;
}

static void parse_address(struct jp *p, const cJSON *obj, const char *base, const char *key,
			  struct order_address *a)
{
	char where[256];
	const cJSON *it = get_object(p, obj, base, key, k_address, where, sizeof(where));

	if (!it)
		return;
	get_str(p, it, where, "street", a->street, sizeof(a->street), false);
	get_str(p, it, where, "postcode", a->postcode, sizeof(a->postcode), false);
	get_str(p, it, where, "city", a->city, sizeof(a->city), false);
	get_str(p, it, where, "country", a->country, sizeof(a->country), false);
}

static void parse_buyer(struct jp *p, const cJSON *obj, const char *base, struct order_buyer *b)
{
	char where[256], raw[IDENT_RAW_MAX + 1] = "", why[160], nip_where[300];
	const cJSON *it = get_object(p, obj, base, "buyer", k_buyer, where, sizeof(where));

	if (!it)
		return;
	get_str(p, it, where, "name", b->name, sizeof(b->name), false);
	get_str(p, it, where, "company", b->company, sizeof(b->company), false);
	get_str(p, it, where, "nip", raw, sizeof(raw), false);
	if (raw[0] && !ident_nip_check(raw, b->nip, why, sizeof(why))) {
		path_key(nip_where, sizeof(nip_where), where, "nip");
		jerr(p, nip_where, "%s (got '%s')", why, raw);
	}
	get_str(p, it, where, "email", b->email, sizeof(b->email), false);
	get_str(p, it, where, "phone", b->phone, sizeof(b->phone), false);
	get_str(p, it, where, "country", b->country, sizeof(b->country), false);
	parse_address(p, it, where, "billing", &b->billing);
}

static void parse_delivery(struct jp *p, const cJSON *obj, const char *base,
			   struct order_delivery *dl)
{
	char where[256], vw[300];
	const cJSON *it = get_object(p, obj, base, "delivery", k_delivery, where, sizeof(where));

	if (!it)
		return;
	get_str(p, it, where, "method", dl->method, sizeof(dl->method), false);
	get_str(p, it, where, "pickup_point", dl->pickup_point, sizeof(dl->pickup_point), false);
	get_str(p, it, where, "recipient", dl->recipient, sizeof(dl->recipient), false);
	parse_address(p, it, where, "address", &dl->address);
	get_money(p, it, where, "cost", &dl->cost, false);
	/* A paid delivery is sold at a rate the shop must state; a free one needs none. */
	if (dl->cost > 0 && !field(it, "vat")) {
		path_key(vw, sizeof(vw), where, "vat");
		jerr(p, vw, "is required when delivery costs something");
	}
	get_vat(p, it, where, "vat", &dl->cost_vat, false);
	get_bool(p, it, where, "refunded", &dl->refunded);
}

static void parse_payment(struct jp *p, const cJSON *obj, const char *base,
			  struct order_payment *pay)
{
	char where[256];
	const cJSON *it = get_object(p, obj, base, "payment", k_payment, where, sizeof(where));

	if (!it)
		return;
	get_str(p, it, where, "type", pay->type, sizeof(pay->type), false);
	get_str(p, it, where, "status", pay->status, sizeof(pay->status), false);
	get_money(p, it, where, "paid", &pay->paid, false);
}

static void parse_tags(struct jp *p, const cJSON *obj, const char *base, struct order *o)
{
	const cJSON *it = field(obj, "tags"), *t;
	char where[256], tw[300];
	size_t i = 0;

	path_key(where, sizeof(where), base, "tags");
	if (!it)
		return;
	if (!cJSON_IsArray(it)) {
		jerr(p, where, "must be an array of strings, got %s", type_name(it));
		return;
	}
	if ((size_t)cJSON_GetArraySize(it) > ORDER_MAX_TAGS)
		jerr(p, where, "has %d tags, the limit is %d", cJSON_GetArraySize(it),
		     ORDER_MAX_TAGS);
	cJSON_ArrayForEach(t, it)
	{
		if (i >= ORDER_MAX_TAGS)
			break;
		path_index(tw, sizeof(tw), where, i);
		if (!cJSON_IsString(t))
			jerr(p, tw, "must be a string, got %s", type_name(t));
		else if (strlen(t->valuestring) >= sizeof(o->tags[0]))
			jerr(p, tw, "is %zu bytes long, the limit is %zu bytes (UTF-8)",
			     strlen(t->valuestring), sizeof(o->tags[0]) - 1);
		else
			memcpy(o->tags[i], t->valuestring, strlen(t->valuestring) + 1);
		i++;
	}
	o->ntags = i;
}

static void parse_line(struct jp *p, const cJSON *it, const char *where, struct order_line *l)
{
	char raw[64] = "", why[160], ew[300];
	const cJSON *e;

	check_keys(p, it, where, k_line);
	get_str(p, it, where, "sku", l->sku, sizeof(l->sku), false);
	e = field(it, "ean");
	path_key(ew, sizeof(ew), where, "ean");
	if (e && cJSON_IsNumber(e)) {
		jerr(p, ew, "must be a string of digits (a JSON number loses leading zeros)");
	} else {
		get_str(p, it, where, "ean", raw, sizeof(raw), false);
		if (raw[0] && !ident_gtin_check(raw, why, sizeof(why)))
			jerr(p, ew, "%s (got '%s')", why, raw);
		else if (raw[0])
			memcpy(l->ean, raw, strlen(raw) + 1); /* valid GTIN: <= 14 digits */
	}
	get_str(p, it, where, "name", l->name, sizeof(l->name), true);
	get_qty(p, it, where, "qty", &l->qty, true);
	get_qty(p, it, where, "returned", &l->returned, false);
	/* "szt" (piece) is what nearly every Polish line is in */
	if (!field(it, "unit"))
		memcpy(l->unit, "szt", 4);
	get_str(p, it, where, "unit", l->unit, sizeof(l->unit), false);
	get_money(p, it, where, "unit_price", &l->unit_price, true);
	get_vat(p, it, where, "vat", &l->vat, true);
}

static int parse_lines(struct jp *p, const cJSON *obj, const char *base, struct order *o)
{
	const cJSON *it = field(obj, "lines"), *e;
	char where[256], lw[300];
	size_t i = 0, n;
	int count;

	path_key(where, sizeof(where), base, "lines");
	if (!it) {
		jerr(p, where, "is required: an order has at least one line");
		return 0;
	}
	if (!cJSON_IsArray(it)) {
		jerr(p, where, "must be an array of lines, got %s", type_name(it));
		return 0;
	}
	count = cJSON_GetArraySize(it);
	if (count > ORDER_MAX_LINES)
		jerr(p, where, "has %d lines, the limit is %d", count, ORDER_MAX_LINES);
	n = count > ORDER_MAX_LINES ? ORDER_MAX_LINES : (size_t)count;
	if (n == 0)
		return 0; /* order_validate() says "at least one line" */
	/* one allocation (order_add_line() would realloc per line); calloc also
	 * zeroes the padding, so equal orders compare equal with memcmp */
	o->lines = calloc(n, sizeof(*o->lines));
	if (!o->lines)
		return -PL_ENOMEM;
	o->nlines = n;
	cJSON_ArrayForEach(e, it)
	{
		if (i >= n)
			break;
		path_index(lw, sizeof(lw), where, i);
		/* a broken line is kept (empty) so that indices stay as in the file */
		if (!cJSON_IsObject(e))
			jerr(p, lw, "must be an object, got %s", type_name(e));
		else
			parse_line(p, e, lw, &o->lines[i]);
		i++;
	}
	return 0;
}

static int parse_order(struct jp *p, const cJSON *it, const char *path, struct order *o)
{
	char where[256];
	const cJSON *a;

	if (!cJSON_IsObject(it)) {
		jerr(p, path, "must be an order object, got %s", type_name(it));
		return 0;
	}
	check_keys(p, it, path, k_order);
	get_str(p, it, path, "source", o->source, sizeof(o->source), true);
	get_id(p, it, path, o->ext_id, sizeof(o->ext_id));
	get_str(p, it, path, "number", o->number, sizeof(o->number), true);
	get_date(p, it, path, "created", &o->created);
	get_date(p, it, path, "updated", &o->updated);
	get_str(p, it, path, "status", o->status, sizeof(o->status), true);
	get_str(p, it, path, "currency", o->currency, sizeof(o->currency), true);
	get_money(p, it, path, "total", &o->total, true);
	parse_buyer(p, it, path, &o->buyer);
	parse_delivery(p, it, path, &o->delivery);
	parse_payment(p, it, path, &o->payment);
	get_str(p, it, path, "notes", o->notes, sizeof(o->notes), false);
	parse_tags(p, it, path, o);
	a = get_object(p, it, path, "allegro", k_allegro, where, sizeof(where));
	if (a)
		get_str(p, a, where, "checkout_form_id", o->allegro_checkout_id,
			sizeof(o->allegro_checkout_id), false);
	return parse_lines(p, it, path, o);
}

/* ---- the text: size, bytes, nesting, syntax ---- */

static void line_col(const char *text, size_t off, size_t *line, size_t *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

/* Up to 20 bytes of the text at an error, printable and never ending in
 * half a UTF-8 sequence: the text is not NUL-terminated and may hold any byte. */
static const char *snippet(const char *s, size_t avail, char out[24])
{
	size_t i, k;

	for (i = 0; i < avail && i < 20; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\n' || c == '\r')
			break;
		out[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	/* drop a trailing incomplete sequence: find its lead byte */
	for (k = i; k > 0 && ((unsigned char)out[k - 1] & 0xc0) == 0x80 && i - k < 3; k--)
		;
	if (k > 0 && (unsigned char)out[k - 1] >= 0xc0) {
		unsigned char lead = (unsigned char)out[k - 1];
		size_t need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
		if (i - (k - 1) < need)
			i = k - 1;
	}
	out[i] = '\0';
	return out;
}

/* Before cJSON sees the text: no raw NUL, no \u0000 escape (cJSON would cut
 * the string there, a silent truncation), nesting within JSON_MAX_DEPTH. */
static bool prescan(struct jp *p, const char *text, size_t len)
{
	bool in_str = false;
	int depth = 0;
	char where[64];
	size_t line, col;

	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		const char *problem = NULL;
		if (c == '\0') {
			problem = "contains a NUL byte";
		} else if (in_str) {
			if (c == '\\' && i + 1 < len) {
				if (text[i + 1] == 'u' && i + 5 < len &&
				    memcmp(text + i + 2, "0000", 4) == 0)
					problem = "contains \\u0000 (NUL) in a string";
				i++;
			} else if (c == '"') {
				in_str = false;
			}
		} else if (c == '"') {
			in_str = true;
		} else if (c == '{' || c == '[') {
			if (++depth > JSON_MAX_DEPTH)
				problem = "nests deeper than 32 levels";
		} else if (c == '}' || c == ']') {
			depth--;
		}
		if (problem) {
			line_col(text, i, &line, &col);
			snprintf(where, sizeof(where), "line %zu, column %zu", line, col);
			jerr(p, where, "%s", problem);
			return false;
		}
	}
	return true;
}

static int cmp_key(const struct order *a, const struct order *b)
{
	int c = strcmp(a->source, b->source);
	return c ? c : strcmp(a->ext_id, b->ext_id);
}

/* qsort over pointers: the index of an order is its pointer minus the
 * array base, so the comparison needs no context (C11 qsort has none). */
static int cmp_ptr(const void *x, const void *y)
{
	const struct order *a = *(const struct order *const *)x;
	const struct order *b = *(const struct order *const *)y;
	int c = cmp_key(a, b);

	if (c)
		return c;
	return a < b ? -1 : (a > b); /* stable: the first in the file comes first */
}

enum form { FORM_OBJECT, FORM_ARRAY, FORM_WRAPPED };

static void order_path(enum form f, size_t i, char *out, size_t size)
{
	if (f == FORM_OBJECT)
		snprintf(out, size, "$");
	else if (f == FORM_ARRAY)
		snprintf(out, size, "$[%zu]", i);
	else
		snprintf(out, size, "$.orders[%zu]", i);
}

/* (source, id) is unique in the store; two in one file is a mistake to show now. */
static int check_duplicates(struct jp *p, const struct order *v, size_t n, enum form f)
{
	const struct order **pv;
	char where[64], first[64];

	if (n < 2)
		return 0;
	pv = malloc(n * sizeof(*pv));
	if (!pv)
		return -PL_ENOMEM;
	for (size_t i = 0; i < n; i++)
		pv[i] = &v[i];
	qsort(pv, n, sizeof(*pv), cmp_ptr);
	for (size_t k = 1, head = 0; k < n; k++) {
		const struct order *a = pv[head], *b = pv[k];
		if (cmp_key(a, b) != 0) {
			head = k;
			continue;
		}
		if (!b->source[0] || !b->ext_id[0])
			continue;
		order_path(f, (size_t)(b - v), where, sizeof(where));
		order_path(f, (size_t)(a - v), first, sizeof(first));
		strncat(where, ".id", sizeof(where) - strlen(where) - 1);
		jerr(p, where, "order (%s, %s) appears twice in this file; first at %s", b->source,
		     b->ext_id, first);
	}
	free(pv);
	return 0;
}

void order_array_free(struct order *v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		order_release(&v[i]);
	free(v);
}

int order_json_parse(const char *text, size_t len, struct order **out, size_t *n, struct diag *d)
{
	struct jp p = {.d = d, .errors = 0};
	const char *end = NULL;
	cJSON *root = NULL;
	const cJSON *list = NULL, *it;
	struct order *v = NULL;
	size_t count = 0, i = 0;
	enum form form;
	char path[64];
	int rc = -PL_EINVAL;

	*out = NULL;
	*n = 0;
	if (!text)
		len = 0;
	if (len > ORDER_JSON_MAX_TEXT) {
		jerr(&p, "$", "input is %zu bytes, the limit is %u bytes (16 MiB)", len,
		     ORDER_JSON_MAX_TEXT);
		return -PL_EINVAL;
	}
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) { /* UTF-8 BOM from editors */
		text += 3;
		len -= 3;
	}
	if (!prescan(&p, text, len))
		return -PL_EINVAL;
	root = len ? cJSON_ParseWithLengthOpts(text, len, &end, false) : NULL;
	if (!root) {
		size_t off = end && end >= text ? (size_t)(end - text) : len, line, col;
		char where[64], near[24];
		if (off > len)
			off = len;
		line_col(text, off, &line, &col);
		snprintf(where, sizeof(where), "line %zu, column %zu", line, col);
		if (len == 0)
			jerr(&p, "$", "input is empty");
		else if (off >= len)
			jerr(&p, where, "not valid JSON: the text ends too early");
		else
			jerr(&p, where, "not valid JSON near '%s'",
			     snippet(text + off, len - off, near));
		return -PL_EINVAL;
	}
	for (; end && (size_t)(end - text) < len; end++) {
		if (*end != ' ' && *end != '\t' && *end != '\n' && *end != '\r') {
			size_t line, col;
			char where[64];
			line_col(text, (size_t)(end - text), &line, &col);
			snprintf(where, sizeof(where), "line %zu, column %zu", line, col);
			jerr(&p, where, "unexpected text after the JSON value");
			goto out_delete;
		}
	}

	if (cJSON_IsArray(root)) {
		form = FORM_ARRAY;
		list = root;
	} else if (cJSON_IsObject(root) && cJSON_GetObjectItemCaseSensitive(root, "orders")) {
		form = FORM_WRAPPED;
		check_keys(&p, root, "$", k_top);
		list = cJSON_GetObjectItemCaseSensitive(root, "orders");
		if (!cJSON_IsArray(list)) {
			jerr(&p, "$.orders", "must be an array of orders, got %s", type_name(list));
			goto out_delete;
		}
	} else if (cJSON_IsObject(root)) {
		form = FORM_OBJECT;
	} else {
		jerr(&p, "$",
		     "must be an order object, an array of orders or {\"orders\": [...]}, "
		     "got %s",
		     type_name(root));
		goto out_delete;
	}

	count = form == FORM_OBJECT ? 1 : (size_t)cJSON_GetArraySize(list);
	if (count == 0) {
		jerr(&p, form == FORM_ARRAY ? "$" : "$.orders", "holds no orders");
		goto out_delete;
	}
	if (count > ORDER_JSON_MAX_ORDERS) {
		jerr(&p, form == FORM_ARRAY ? "$" : "$.orders",
		     "holds %zu orders, the limit is %d per file", count, ORDER_JSON_MAX_ORDERS);
		goto out_delete;
	}
	v = calloc(count, sizeof(*v));
	if (!v) {
		rc = -PL_ENOMEM;
		diag_add(d, NULL, "out of memory for %zu orders", count);
		goto out_delete;
	}
	it = form == FORM_OBJECT ? root : list->child;
	for (i = 0; i < count && it; i++, it = it->next) {
		order_init(&v[i]);
		order_path(form, i, path, sizeof(path));
		if (parse_order(&p, it, path, &v[i]) != 0) {
			rc = -PL_ENOMEM;
			diag_add(d, path, "out of memory");
			i++;
			goto out_free;
		}
		if (order_validate(&v[i], path, d) != 0)
			p.errors++;
	}
	if (check_duplicates(&p, v, count, form) != 0) {
		rc = -PL_ENOMEM;
		goto out_free;
	}
	if (p.errors)
		goto out_free;
	cJSON_Delete(root);
	*out = v;
	*n = count;
	return 0;

out_free:
	order_array_free(v, i);
out_delete:
	cJSON_Delete(root);
	return rc;
}

int order_json_load_file(const char *path, struct order **out, size_t *n, struct diag *d)
{
	FILE *f;
	char *text;
	size_t len;
	int rc;

	*out = NULL;
	*n = 0;
	f = fopen(path, "rb");
	if (!f) {
		diag_add(d, path, "cannot open: %s", strerror(errno));
		return -PL_EIO;
	}
	/* one byte past the cap tells "too big" from "exactly at the cap" */
	text = malloc((size_t)ORDER_JSON_MAX_TEXT + 1);
	if (!text) {
		fclose(f);
		diag_add(d, path, "out of memory");
		return -PL_ENOMEM;
	}
	len = fread(text, 1, (size_t)ORDER_JSON_MAX_TEXT + 1, f);
	if (ferror(f)) {
		diag_add(d, path, "cannot read: %s", strerror(errno));
		rc = -PL_EIO;
	} else {
		rc = order_json_parse(text, len, out, n, d);
	}
	fclose(f);
	free(text);
	return rc;
}

/* ---- to JSON ---- */

struct jw {
	bool failed;
};

static void put_str(struct jw *w, cJSON *obj, const char *key, const char *s)
{
	if (s[0] && !cJSON_AddStringToObject(obj, key, s))
		w->failed = true;
}

static void put_num(struct jw *w, cJSON *obj, const char *key, double v)
{
	if (!cJSON_AddNumberToObject(obj, key, v))
		w->failed = true;
}

static cJSON *put_obj(struct jw *w, cJSON *parent, const char *key)
{
	cJSON *o = cJSON_AddObjectToObject(parent, key);

	if (!o)
		w->failed = true;
	return o;
}

static bool address_empty(const struct order_address *a)
{
	return !a->street[0] && !a->postcode[0] && !a->city[0] && !a->country[0];
}

static void put_address(struct jw *w, cJSON *parent, const char *key, const struct order_address *a)
{
	cJSON *o;

	if (address_empty(a))
		return;
	o = put_obj(w, parent, key);
	if (!o)
		return;
	put_str(w, o, "street", a->street);
	put_str(w, o, "postcode", a->postcode);
	put_str(w, o, "city", a->city);
	put_str(w, o, "country", a->country);
}

static void put_date(struct jw *w, cJSON *obj, const char *key, int64_t t)
{
	char s[21];

	if (!t)
		return;
	pl_format_iso8601(t, s);
	put_str(w, obj, key, s);
}

cJSON *order_to_json(const struct order *o)
{
	struct jw w = {.failed = false};
	cJSON *j = cJSON_CreateObject(), *x, *arr;
	const struct order_buyer *b = &o->buyer;
	const struct order_delivery *dl = &o->delivery;

	if (!j)
		return NULL;
	put_str(&w, j, "source", o->source);
	put_str(&w, j, "id", o->ext_id);
	put_str(&w, j, "number", o->number);
	put_date(&w, j, "created", o->created);
	put_date(&w, j, "updated", o->updated);
	put_str(&w, j, "status", o->status);
	put_str(&w, j, "currency", o->currency);
	put_num(&w, j, "total", (double)o->total);
	if (b->name[0] || b->company[0] || b->nip[0] || b->email[0] || b->phone[0] ||
	    b->country[0] || !address_empty(&b->billing)) {
		x = put_obj(&w, j, "buyer");
		if (x) {
			put_str(&w, x, "name", b->name);
			put_str(&w, x, "company", b->company);
			put_str(&w, x, "nip", b->nip);
			put_str(&w, x, "email", b->email);
			put_str(&w, x, "phone", b->phone);
			put_str(&w, x, "country", b->country);
			put_address(&w, x, "billing", &b->billing);
		}
	}
	if (dl->method[0] || dl->pickup_point[0] || dl->recipient[0] ||
	    !address_empty(&dl->address) || dl->cost || dl->cost_vat != VAT_23 || dl->refunded) {
		x = put_obj(&w, j, "delivery");
		if (x) {
			put_str(&w, x, "method", dl->method);
			put_str(&w, x, "pickup_point", dl->pickup_point);
			put_str(&w, x, "recipient", dl->recipient);
			put_address(&w, x, "address", &dl->address);
			put_num(&w, x, "cost", (double)dl->cost);
			put_str(&w, x, "vat", vat_rate_name(dl->cost_vat));
			if (dl->refunded && !cJSON_AddBoolToObject(x, "refunded", 1))
				w.failed = true;
		}
	}
	if (o->payment.type[0] || o->payment.status[0] || o->payment.paid) {
		x = put_obj(&w, j, "payment");
		if (x) {
			put_str(&w, x, "type", o->payment.type);
			put_str(&w, x, "status", o->payment.status);
			put_num(&w, x, "paid", (double)o->payment.paid);
		}
	}
	put_str(&w, j, "notes", o->notes);
	if (o->ntags) {
		arr = cJSON_AddArrayToObject(j, "tags");
		for (size_t i = 0; arr && i < o->ntags && i < ORDER_MAX_TAGS; i++) {
			cJSON *s = cJSON_CreateString(o->tags[i]);
			if (!s || !cJSON_AddItemToArray(arr, s)) {
				cJSON_Delete(s);
				w.failed = true;
			}
		}
		if (!arr)
			w.failed = true;
	}
	if (o->allegro_checkout_id[0]) {
		x = put_obj(&w, j, "allegro");
		if (x)
			put_str(&w, x, "checkout_form_id", o->allegro_checkout_id);
	}
	arr = cJSON_AddArrayToObject(j, "lines");
	if (!arr)
		w.failed = true;
	for (size_t i = 0; arr && i < o->nlines; i++) {
		const struct order_line *l = &o->lines[i];
		cJSON *lj = cJSON_CreateObject();
		if (!lj || !cJSON_AddItemToArray(arr, lj)) {
			cJSON_Delete(lj);
			w.failed = true;
			break;
		}
		put_str(&w, lj, "sku", l->sku);
		put_str(&w, lj, "ean", l->ean);
		put_str(&w, lj, "name", l->name);
		/* thousandths as a decimal number: 1250 -> 1.25 (exact, see get_qty) */
		put_num(&w, lj, "qty", (double)l->qty / 1000.0);
		put_str(&w, lj, "unit", l->unit);
		put_num(&w, lj, "unit_price", (double)l->unit_price);
		put_str(&w, lj, "vat", vat_rate_name(l->vat));
		if (l->returned)
			put_num(&w, lj, "returned", (double)l->returned / 1000.0);
	}
	if (w.failed) {
		cJSON_Delete(j);
		return NULL;
	}
	return j;
}
