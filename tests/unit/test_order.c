/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/test_order.c - order lifecycle, NIP/GTIN checks, the JSON format
 * and every validation rule with the exact path it reports (docs/orders.md). */
#include "base/diag.h"
#include "base/err.h"
#include "core/ident.h"
#include "core/order.h"
#include "core/order_json.h"
#include "tests/unit/check.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *src_root(void)
{
	const char *s = getenv("PL_SRC");
	return s && *s ? s : ".";
}

static char *slurp(const char *rel, size_t *len)
{
	char path[1024];
	FILE *f;
	char *buf;
	long sz;

	snprintf(path, sizeof(path), "%s/%s", src_root(), rel);
	f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "cannot open %s\n", path);
		return NULL;
	}
	fseek(f, 0, SEEK_END);
	sz = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)sz + 1);
	if (buf && fread(buf, 1, (size_t)sz, f) != (size_t)sz) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (buf) {
		buf[sz] = '\0';
		*len = (size_t)sz;
	}
	return buf;
}

/* Index of the diag entry at `where` whose message contains `sub`; -1 if none. */
static int find_diag(const struct diag *d, const char *where, const char *sub)
{
	for (size_t i = 0; i < d->n; i++) {
		const char *w = d->v[i].where ? d->v[i].where : "";
		if (strcmp(w, where) == 0 && strstr(d->v[i].msg, sub))
			return (int)i;
	}
	return -1;
}

static void dump_diag(const struct diag *d)
{
	diag_print(d, stderr, "  diag");
}

static bool order_eq(const struct order *a, const struct order *b)
{
	if (memcmp(a, b, offsetof(struct order, lines)) != 0 || a->nlines != b->nlines)
		return false;
	return a->nlines == 0 || memcmp(a->lines, b->lines, a->nlines * sizeof(*a->lines)) == 0;
}

/* ---- ident ---- */

static void test_nip(void)
{
	char out[16], why[160];

	/* 123-456-32-18: 6+10+21+8+15+24+15+12+7 = 118, 118 mod 11 = 8 */
	CHECK(ident_nip_valid("1234563218", out));
	CHECK_STR(out, "1234563218");
	CHECK(ident_nip_valid("PL 123-456-32-18", out));
	CHECK_STR(out, "1234563218");
	CHECK(ident_nip_valid("pl1234563218", out));
	CHECK_STR(out, "1234563218");
	CHECK(ident_nip_valid("123 456 32 18", out));
	CHECK(ident_nip_is_polish(out));
	CHECK(!ident_nip_check("1234563219", out, why, sizeof(why)));
	CHECK_STR(why, "NIP check digit is 9, expected 8");
	CHECK_STR(out, "");
	CHECK(!ident_nip_check("123456321", out, why, sizeof(why)));
	CHECK_STR(why, "NIP must have 10 digits, got 9");
	CHECK(!ident_nip_check("12345632180", out, why, sizeof(why)));
	CHECK_STR(why, "NIP must have 10 digits, got 11");
	CHECK(!ident_nip_check("123O563218", out, why, sizeof(why)));
	CHECK_STR(why, "NIP has 'O' at position 4; only digits, spaces and dashes are allowed");
	/* first nine digits whose weighted sum mod 11 is 10: 0000000020 -> 2*6=12?
	 * 100000000x: 1*6 = 6; 000000002x: 2*6=12 mod 11 = 1; 200000000x: 12 -> 1;
	 * 000000003x: 3*7 = 21 mod 11 = 10 */
	CHECK(!ident_nip_check("0000000030", out, why, sizeof(why)));
	CHECK(strstr(why, "checksum of the first nine digits is 10") != NULL);
	CHECK(!ident_nip_check("0000000000", out, why, sizeof(why)));
	CHECK(strstr(why, "placeholder") != NULL);
	CHECK(!ident_nip_check("", out, why, sizeof(why)));
	CHECK_STR(why, "NIP is empty");
	CHECK(!ident_nip_check("123456789012345678901234567890123", out, why, sizeof(why)));
	CHECK(strstr(why, "at most 32") != NULL);
	/* foreign EU VAT ids: accepted as-is, normalised */
	CHECK(ident_nip_valid("DE123456789", out));
	CHECK_STR(out, "DE123456789");
	CHECK(!ident_nip_is_polish(out));
	CHECK(ident_nip_valid("de 123-456-789", out));
	CHECK_STR(out, "DE123456789");
	CHECK(ident_nip_valid("CZ12345678", out));
	CHECK(ident_nip_valid("EL123456789", out));
	CHECK(ident_nip_valid("XI123456789", out));
	CHECK(ident_nip_valid("SK2020123456", out));
	CHECK(!ident_nip_check("GR123456789", out, why, sizeof(why)));
	CHECK(strstr(why, "unknown VAT id country prefix 'GR'") != NULL);
	CHECK(!ident_nip_check("US123456789", out, why, sizeof(why)));
	CHECK(!ident_nip_check("DE1", out, why, sizeof(why)));
	CHECK_STR(why, "DE VAT id must have 2 to 12 characters after the prefix, got 1");
	CHECK(!ident_nip_check("DE1234567890123", out, why, sizeof(why)));
	CHECK(!ident_nip_check("DE12345_789", out, why, sizeof(why)));
	CHECK(strstr(why, "'_' at position 8") != NULL);
	CHECK(!ident_nip_valid(NULL, out));
}

static void test_gtin(void)
{
	char why[160];

	CHECK(ident_gtin_valid("5901234123457"));  /* EAN-13 */
	CHECK(ident_gtin_valid("4006381333931"));  /* EAN-13 (GS1 example) */
	CHECK(ident_gtin_valid("59070115"));       /* EAN-8 */
	CHECK(ident_gtin_valid("96385074"));       /* EAN-8 (GS1 example) */
	CHECK(ident_gtin_valid("036000291452"));   /* UPC-A */
	CHECK(ident_gtin_valid("15901234123454")); /* GTIN-14, indicator 1 */
	CHECK(ident_gtin_valid("00000000000000")); /* all zero: arithmetic holds */
	CHECK_INT(ident_gtin_check_digit("590123412345", 12), 7);
	CHECK_INT(ident_gtin_check_digit("590123x12345", 12), -1);
	CHECK_INT(ident_gtin_check_digit("123456", 6), -1);
	CHECK(!ident_gtin_check("5901234123458", why, sizeof(why)));
	CHECK_STR(why, "EAN-13 check digit is 8, expected 7");
	CHECK(!ident_gtin_check("59070116", why, sizeof(why)));
	CHECK_STR(why, "EAN-8 check digit is 6, expected 5");
	CHECK(!ident_gtin_check("036000291453", why, sizeof(why)));
	CHECK_STR(why, "UPC-A check digit is 3, expected 2");
	CHECK(!ident_gtin_check("15901234123455", why, sizeof(why)));
	CHECK_STR(why, "GTIN-14 check digit is 5, expected 4");
	CHECK(!ident_gtin_check("12345", why, sizeof(why)));
	CHECK_STR(why, "EAN must be 8, 12, 13 or 14 digits, got 5");
	CHECK(!ident_gtin_check("590123412345 7", why, sizeof(why)));
	CHECK_STR(why, "EAN has ' ' at position 13; only digits are allowed");
	CHECK(!ident_gtin_check("", why, sizeof(why)));
	CHECK(!ident_gtin_valid(NULL));
}

/* ---- lifecycle ---- */

static void test_lifecycle(void)
{
	struct order a, b;
	struct order_line l;

	order_init(&a);
	order_init(&b);
	memset(&l, 0, sizeof(l));
	strcpy(l.name, "Kubek");
	l.qty = 1250;
	l.unit_price = 1999;
	CHECK_OK(order_add_line(&a, &l));
	l.qty = 2000;
	l.unit_price = 100;
	CHECK_OK(order_add_line(&a, &l));
	a.delivery.cost = 1299;
	/* 24.9875 -> 24.99, + 2.00 + 12.99 */
	CHECK_INT(order_computed_total(&a), 2499 + 200 + 1299);
	CHECK_OK(order_copy(&b, &a));
	CHECK(b.lines != a.lines);
	CHECK(order_eq(&a, &b));
	b.lines[0].qty = 1; /* deep: a is untouched */
	CHECK_INT(a.lines[0].qty, 1250);
	CHECK_OK(order_copy(&b, &b));
	for (int i = 2; i < ORDER_MAX_LINES; i++)
		CHECK_OK(order_add_line(&a, &l));
	CHECK_INT(order_add_line(&a, &l), -PL_ETOOBIG);
	CHECK_INT(a.nlines, ORDER_MAX_LINES);
	order_release(&a);
	order_release(&b);
	CHECK(a.lines == NULL && a.nlines == 0);
	order_release(&a); /* twice is fine */
}

/* ---- examples ---- */

static const char *const good_files[] = {
    "examples/orders/01-company-nip-invoice.json",
    "examples/orders/02-consumer-receipt.json",
    "examples/orders/03-notes-invoice-request.json",
    "examples/orders/04-notes-receipt-with-nip.json",
    "examples/orders/05-notes-wz.json",
    "examples/orders/06-advance-transfer.json",
    "examples/orders/07-accepted-card-final.json",
    "examples/orders/08-cancelled.json",
    "examples/orders/09-allegro-multi-rate.json",
    "examples/orders/10-decimal-quantity.json",
    "examples/orders/11-eur-slovakia-vat-id.json",
    "examples/orders/12-czk-batch.json",
    NULL,
};

static void roundtrip(const struct order *o)
{
	cJSON *j = order_to_json(o);
	char *text = j ? cJSON_Print(j) : NULL;
	struct order *v = NULL;
	size_t n = 0;
	struct diag d;

	diag_init(&d);
	CHECK(text != NULL);
	if (text) {
		CHECK_OK(order_json_parse(text, strlen(text), &v, &n, &d));
		CHECK_INT(n, 1);
		if (n == 1) {
			CHECK(order_eq(&v[0], o));
			if (!order_eq(&v[0], o))
				fprintf(stderr, "round trip differs for %s\n", o->number);
		}
	}
	dump_diag(&d);
	order_array_free(v, n);
	diag_release(&d);
	free(text);
	cJSON_Delete(j);
}

static void test_examples(void)
{
	size_t total = 0;

	for (int i = 0; good_files[i]; i++) {
		struct order *v = NULL;
		size_t n = 0;
		struct diag d;
		char path[1024];

		diag_init(&d);
		snprintf(path, sizeof(path), "%s/%s", src_root(), good_files[i]);
		CHECK_OK(order_json_load_file(path, &v, &n, &d));
		CHECK_INT(diag_count(&d), 0);
		dump_diag(&d);
		for (size_t k = 0; k < n; k++)
			roundtrip(&v[k]);
		total += n;
		if (i == 0 && n == 1) {
			/* "PL 526-104-82-73" in the file, normalised */
			CHECK_STR(v[0].buyer.nip, "5261048273");
			CHECK_INT(v[0].total, 26486);
			CHECK_INT(v[0].delivery.cost, 1990);
			CHECK_INT(v[0].ntags, 1);
			CHECK_STR(v[0].tags[0], "b2b");
			CHECK_INT(v[0].created, 1795428900); /* 2026-11-23T10:15:00Z */
			CHECK_STR(v[0].buyer.billing.city, "Kraków");
		}
		if (i == 1 && n == 1) {
			CHECK_INT(v[0].created, 1795428900 + 2830 - 3600); /* +01:00 */
			CHECK_STR(v[0].lines[0].unit, "szt");              /* default */
		}
		if (i == 8 && n == 1) {
			CHECK_STR(v[0].source, "allegro");
			CHECK_STR(v[0].allegro_checkout_id, "29738e61-7f6a-11e8-ac45-09db60ede9d6");
			CHECK_INT(v[0].nlines, 4);
			CHECK_INT(v[0].lines[0].vat, VAT_5);
		}
		if (i == 9 && n == 1) {
			CHECK_INT(v[0].lines[0].qty, 1250);
			CHECK_INT(v[0].lines[1].qty, 750);
			CHECK_STR(v[0].lines[0].unit, "kg");
			/* 1.25 x 59.99 = 74.9875 -> 74.99; 0.75 x 33.80 = 25.35; 2 x 7.90 */
			CHECK_INT(order_computed_total(&v[0]), 7499 + 2535 + 1580 + 1590);
		}
		if (i == 10 && n == 1)
			CHECK_STR(v[0].buyer.nip, "SK2020123456");
		if (i == 11) {
			CHECK_INT(n, 2);
			CHECK_STR(v[1].buyer.nip, "CZ12345678");
			CHECK_STR(v[1].currency, "CZK");
		}
		order_array_free(v, n);
		diag_release(&d);
	}
	CHECK_INT(total, 13);
}

struct bad_case {
	const char *file;
	const char *where;
	const char *msg;
};

static void test_bad_examples(void)
{
	static const struct bad_case cases[] = {
	    {"examples/bad/bad-nip.json", "$.buyer.nip",
	     "NIP check digit is 4, expected 3 (got '5261048274')"},
	    {"examples/bad/bad-ean.json", "$.lines[0].ean",
	     "EAN-13 check digit is 6, expected 5 (got '5907511000016')"},
	    {"examples/bad/sum-mismatch.json", "$.total",
	     "is 315.84 PLN but the lines sum to 307.85 and delivery costs 8.99, together "
	     "316.84 PLN"},
	    {"examples/bad/missing-fields.json", "$.number", "is required"},
	    {"examples/bad/missing-fields.json", "$.currency", "is required"},
	    {"examples/bad/missing-fields.json", "$.lines[0].name", "is required"},
	    {"examples/bad/missing-fields.json", "$.lines[1].vat", "is required"},
	    {"examples/bad/one-bad-among-good.json", "$[2].lines[0].qty",
	     "has more than 3 decimal places (1.0005)"},
	};
	static const size_t expect_count[] = {1, 1, 1, 4, 4, 4, 4, 1};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct order *v = (struct order *)1;
		size_t n = 99, len = 0;
		struct diag d;
		char *text = slurp(cases[i].file, &len);

		CHECK(text != NULL);
		if (!text)
			continue;
		diag_init(&d);
		CHECK_INT(order_json_parse(text, len, &v, &n, &d), -PL_EINVAL);
		/* nothing is half-returned */
		CHECK(v == NULL);
		CHECK_INT(n, 0);
		CHECK(find_diag(&d, cases[i].where, cases[i].msg) >= 0);
		CHECK_INT(diag_count(&d), expect_count[i]);
		if (find_diag(&d, cases[i].where, cases[i].msg) < 0 ||
		    diag_count(&d) != expect_count[i])
			dump_diag(&d);
		diag_release(&d);
		free(text);
	}
}

/* ---- rules, one mutation of a valid order at a time ---- */

static const char base_order[] =
    "{\"source\":\"shop\",\"id\":\"10042\",\"number\":\"ZK/2026/10042\","
    "\"created\":\"2026-11-23T10:15:00Z\",\"status\":\"accepted\",\"currency\":\"PLN\","
    "\"total\":15998,"
    "\"buyer\":{\"name\":\"Jan Kowalski\",\"company\":\"\",\"nip\":\"1234563218\","
    "\"email\":\"jan@example.pl\",\"phone\":\"+48 600 100 200\",\"country\":\"PL\","
    "\"billing\":{\"street\":\"ul. Długa 1\",\"postcode\":\"30-001\",\"city\":\"Kraków\","
    "\"country\":\"PL\"}},"
    "\"delivery\":{\"method\":\"inpost_locker\",\"pickup_point\":\"KRA010M\",\"cost\":1300,"
    "\"vat\":\"23\"},"
    "\"payment\":{\"type\":\"transfer\",\"status\":\"paid\",\"paid\":15998},"
    "\"notes\":\"Proszę o fakturę\",\"tags\":[\"vip\"],"
    "\"allegro\":{\"checkout_form_id\":\"29738e61-7f6a-11e8-ac45-09db60ede9d6\"},"
    "\"lines\":[{\"sku\":\"KUB-1\",\"ean\":\"5901234123457\",\"name\":\"Kubek\",\"qty\":2,"
    "\"unit\":\"szt\",\"unit_price\":7349,\"vat\":\"23\"}]}";

/* Set (or with json == NULL delete) the member at a dotted path of `root`:
 * "buyer.nip", "lines.0.ean". */
static void mutate(cJSON *root, const char *path, const char *json)
{
	char buf[128], *last, *tok, *save = NULL;
	cJSON *cur = root;

	snprintf(buf, sizeof(buf), "%s", path);
	last = strrchr(buf, '.');
	if (last) {
		*last++ = '\0';
		for (tok = strtok_r(buf, ".", &save); tok; tok = strtok_r(NULL, ".", &save))
			cur = cJSON_IsArray(cur) ? cJSON_GetArrayItem(cur, atoi(tok))
						 : cJSON_GetObjectItemCaseSensitive(cur, tok);
	} else {
		last = buf;
	}
	if (!cur) {
		fprintf(stderr, "bad test path %s\n", path);
		abort();
	}
	if (cJSON_IsArray(cur)) {
		int idx = atoi(last);
		if (json)
			cJSON_ReplaceItemInArray(cur, idx, cJSON_Parse(json));
		else
			cJSON_DeleteItemFromArray(cur, idx);
		return;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(cur, last);
	if (json) {
		cJSON *v = cJSON_Parse(json);
		if (!v) {
			fprintf(stderr, "bad test json %s\n", json);
			abort();
		}
		cJSON_AddItemToObject(cur, last, v);
	}
}

/* Parse base_order with one change; return the rc, leave diag in *d and the
 * orders in *v (caller frees). */
static int parse_mut(const char *path, const char *json, struct diag *d, struct order **v,
		     size_t *n)
{
	cJSON *root = cJSON_Parse(base_order);
	char *text;
	int rc;

	if (path)
		mutate(root, path, json);
	text = cJSON_PrintUnformatted(root);
	rc = order_json_parse(text, strlen(text), v, n, d);
	free(text);
	cJSON_Delete(root);
	return rc;
}

/* The mutation must fail with exactly one error, at `where`, containing `msg`. */
static void expect_err(const char *path, const char *json, const char *where, const char *msg)
{
	struct diag d;
	struct order *v = NULL;
	size_t n = 0;
	int rc;

	diag_init(&d);
	rc = parse_mut(path, json, &d, &v, &n);
	CHECK_INT(rc, -PL_EINVAL);
	CHECK(v == NULL);
	CHECK(find_diag(&d, where, msg) >= 0);
	CHECK_INT(diag_count(&d), 1);
	if (rc != -PL_EINVAL || find_diag(&d, where, msg) < 0 || diag_count(&d) != 1) {
		fprintf(stderr, "mutation %s=%s: expected '%s: %s', got:\n", path,
			json ? json : "(deleted)", where, msg);
		dump_diag(&d);
	}
	order_array_free(v, n);
	diag_release(&d);
}

/* The mutation must parse; the order is returned for checks. */
static struct order *expect_ok(const char *path, const char *json, size_t *n)
{
	struct diag d;
	struct order *v = NULL;
	int rc;

	diag_init(&d);
	rc = parse_mut(path, json, &d, &v, n);
	CHECK_OK(rc);
	if (rc) {
		fprintf(stderr, "mutation %s=%s should parse:\n", path ? path : "-",
			json ? json : "(deleted)");
		dump_diag(&d);
	}
	diag_release(&d);
	return v;
}

static void test_rules(void)
{
	struct order *v;
	size_t n = 0;

	v = expect_ok(NULL, NULL, &n);
	CHECK(v && n == 1);
	if (v) {
		CHECK_STR(v[0].ext_id, "10042");
		CHECK_INT(v[0].lines[0].qty, 2000);
		CHECK_INT(v[0].payment.paid, 15998);
		CHECK_STR(v[0].notes, "Proszę o fakturę");
	}
	order_array_free(v, n);

	/* required fields */
	expect_err("source", NULL, "$.source", "is required");
	expect_err("id", NULL, "$.id", "is required");
	expect_err("number", NULL, "$.number", "is required");
	expect_err("number", "\"\"", "$.number", "is required and must not be empty");
	expect_err("status", NULL, "$.status", "is required");
	expect_err("currency", NULL, "$.currency", "is required");
	expect_err("total", NULL, "$.total", "is required");
	expect_err("lines", NULL, "$.lines", "is required");
	expect_err("lines", "[]", "$.lines", "must hold at least one line");
	expect_err("lines.0.name", NULL, "$.lines[0].name", "is required");
	expect_err("lines.0.qty", NULL, "$.lines[0].qty", "is required");
	expect_err("lines.0.unit_price", NULL, "$.lines[0].unit_price", "is required");
	expect_err("lines.0.vat", NULL, "$.lines[0].vat", "is required");
	expect_err("lines.0.unit", "\"\"", "$.lines[0].unit", "is required");

	/* types */
	expect_err("source", "7", "$.source", "must be a string, got a number");
	expect_err("number", "{}", "$.number", "must be a string, got an object");
	expect_err("buyer", "\"Jan\"", "$.buyer", "must be an object, got a string");
	expect_err("lines", "\"x\"", "$.lines", "must be an array of lines, got a string");
	expect_err("lines.0", "5", "$.lines[0]", "must be an object, got a number");
	expect_err("tags", "\"vip\"", "$.tags", "must be an array of strings");
	expect_err("tags.0", "1", "$.tags[0]", "must be a string, got a number");
	expect_err("id", "-1", "$.id", "must be a string or a whole non-negative number");
	v = expect_ok("id", "10042", &n); /* numeric ids are kept as text */
	if (v)
		CHECK_STR(v[0].ext_id, "10042");
	order_array_free(v, n);

	/* caps: too long is an error, never a silent cut */
	expect_err("number",
		   "\"ZK/2026/0000000000000000000000000000000000000000000000000000000001\"",
		   "$.number", "is 66 bytes long, the limit is 63 bytes");
	expect_err("buyer.billing.country", "\"POL\"", "$.buyer.billing.country",
		   "is 3 bytes long, the limit is 2 bytes");
	expect_err("lines.0.unit", "\"opakowanie\"", "$.lines[0].unit",
		   "is 10 bytes long, the limit is 7 bytes");
	/* 65 x "ż" = 130 bytes of UTF-8 > 127 */
	expect_err("buyer.name",
		   "\"żżżżżżżżżżżżżżżżżżżżżżżżżżżżżżżżżżżżżżżżżżżżżżżżżżżżżżżżżżżżżżżżż\"",
		   "$.buyer.name", "is 130 bytes long, the limit is 127 bytes (UTF-8)");
	expect_err("tags.0", "\"abcdefghijklmnopqrstuvwxyz012345\"", "$.tags[0]",
		   "is 32 bytes long, the limit is 31 bytes");
	expect_err("tags",
		   "[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\",\"j\",\"k\",\"l\",\"m\","
		   "\"n\",\"o\",\"p\",\"q\"]",
		   "$.tags", "has 17 tags, the limit is 16");
	expect_err("tags.0", "\"\"", "$.tags[0]", "must not be empty");

	/* text */
	expect_err("buyer.name", "\"Jan\\u0001\"", "$.buyer.name", "control character 0x01");
	expect_err("lines.0.name", "\"Kubek\\nduży\"", "$.lines[0].name", "control character 0x0A");
	v = expect_ok("notes", "\"Linia 1\\nLinia 2\\tkoniec\"", &n); /* notes may be multi-line */
	order_array_free(v, n);
	expect_err("lines.0.name", "\"Kubek\\u0085\"", "$.lines[0].name", "U+0085");

	/* known values */
	expect_err("status", "\"wyslane\"", "$.status", "must be one of new, accepted");
	expect_err("source", "\"Shop!\"", "$.source", "may hold only a-z, 0-9");
	expect_err("currency", "\"PLZ\"", "$.currency", "not an ISO 4217 currency code");
	expect_err("currency", "\"pln\"", "$.currency", "not an ISO 4217 currency code");
	expect_err("currency", "\"PLNN\"", "$.currency", "is 4 bytes long, the limit is 3");
	expect_err("payment.type", "\"przelew\"", "$.payment.type",
		   "must be one of cash, card, transfer, online, cod, blik, voucher, other; got "
		   "'przelew'");
	expect_err("payment.status", "\"done\"", "$.payment.status",
		   "must be one of unpaid, partial, paid, refunded; got 'done'");
	expect_err("lines.0.vat", "\"22\"", "$.lines[0].vat",
		   "must be one of 23, 8, 5, 0, zw, np, oo; got '22'");
	expect_err("lines.0.vat", "7", "$.lines[0].vat", "got '7'");
	expect_err("lines.0.vat", "true", "$.lines[0].vat", "must be a VAT rate");
	expect_err("delivery.vat", "\"22%\"", "$.delivery.vat", "got '22%'");
	v = expect_ok("lines.0.vat", "23", &n); /* a number is accepted */
	order_array_free(v, n);
	v = expect_ok("lines.0.vat", "\"ZW\"", &n);
	if (v)
		CHECK_INT(v[0].lines[0].vat, VAT_ZW);
	order_array_free(v, n);
	expect_err("delivery.vat", NULL, "$.delivery.vat",
		   "is required when delivery costs something");

	/* identifiers */
	expect_err("buyer.nip", "\"1234563219\"", "$.buyer.nip",
		   "NIP check digit is 9, expected 8 (got '1234563219')");
	expect_err("buyer.nip", "\"12345\"", "$.buyer.nip", "NIP must have 10 digits, got 5");
	expect_err("buyer.nip", "\"XX123456\"", "$.buyer.nip", "unknown VAT id country prefix");
	expect_err("buyer.nip", "1234563218", "$.buyer.nip", "must be a string, got a number");
	v = expect_ok("buyer.nip", "\"PL 123-456-32-18\"", &n);
	if (v)
		CHECK_STR(v[0].buyer.nip, "1234563218");
	order_array_free(v, n);
	v = expect_ok("buyer.nip", "\"de 123456789\"", &n);
	if (v)
		CHECK_STR(v[0].buyer.nip, "DE123456789");
	order_array_free(v, n);
	expect_err("lines.0.ean", "\"5901234123458\"", "$.lines[0].ean",
		   "EAN-13 check digit is 8, expected 7");
	expect_err("lines.0.ean", "\"590123412345\"", "$.lines[0].ean",
		   "UPC-A check digit is 5, expected");
	expect_err("lines.0.ean", "\"590123\"", "$.lines[0].ean",
		   "EAN must be 8, 12, 13 or 14 digits, got 6");
	expect_err("lines.0.ean", "5901234123457", "$.lines[0].ean",
		   "must be a string of digits (a JSON number loses leading zeros)");
	v = expect_ok("lines.0.ean", "\"15901234123454\"", &n);
	order_array_free(v, n);
	expect_err("allegro.checkout_form_id", "\"abc\"", "$.allegro.checkout_form_id",
		   "must be a UUID");

	/* contact data */
	expect_err("buyer.email", "\"jan@\"", "$.buyer.email", "is not an e-mail address");
	expect_err("buyer.email", "\"jan kowalski@example.pl\"", "$.buyer.email",
		   "is not an e-mail address");
	expect_err("buyer.email", "\"jan@example\"", "$.buyer.email", "is not an e-mail address");
	expect_err("buyer.phone", "\"tel. 600\"", "$.buyer.phone", "may hold only digits");
	expect_err("buyer.phone", "\"+48 1\"", "$.buyer.phone", "has 3 digits");
	expect_err("buyer.country", "\"pl\"", "$.buyer.country", "ISO 3166-1 alpha-2");
	expect_err("buyer.billing.postcode", "\"30001\"", "$.buyer.billing.postcode",
		   "Polish postcode must look like 30-001, got '30001'");
	v = expect_ok("buyer.billing", "{\"postcode\":\"040 01\",\"country\":\"SK\"}", &n);
	order_array_free(v, n);

	/* numbers: money as integer minor units, qty with <= 3 decimals */
	expect_err("total", "159.98", "$.total",
		   "must be a whole number of minor units (grosze), got 159.98; write 15998 for "
		   "159.98");
	expect_err("total", "\"159.98\"", "$.total", "must be a whole number of minor units");
	expect_err("lines.0.unit_price", "-1", "$.lines[0].unit_price",
		   "must not be negative, got -0.01");
	expect_err("payment.paid", "100000000001", "$.payment.paid",
		   "is 1000000000.01, the limit is 1000000000.00");
	expect_err("lines.0.unit_price", "1e300", "$.lines[0].unit_price", "is out of range");
	expect_err("lines.0.qty", "0", "$.lines[0].qty", "must be greater than 0");
	expect_err("lines.0.qty", "-1", "$.lines[0].qty", "must be greater than 0");
	expect_err("lines.0.qty", "\"2\"", "$.lines[0].qty", "must be a number such as 1 or 1.25");
	expect_err("lines.0.qty", "2.0005", "$.lines[0].qty", "has more than 3 decimal places");
	expect_err("lines.0.qty", "1000001", "$.lines[0].qty", "the limit is 1000000");
	{
		/* 1.001 x 73.49 = 73.56349 -> 73.56; + 13.00 delivery */
		cJSON *root = cJSON_Parse(base_order);
		struct diag d;
		struct order *w = NULL;
		size_t m = 0;
		char *text;
		mutate(root, "lines.0.qty", "1.001");
		mutate(root, "total", "8656");
		mutate(root, "payment.paid", "8656");
		text = cJSON_PrintUnformatted(root);
		diag_init(&d);
		CHECK_OK(order_json_parse(text, strlen(text), &w, &m, &d));
		dump_diag(&d);
		if (w)
			CHECK_INT(w[0].lines[0].qty, 1001);
		order_array_free(w, m);
		diag_release(&d);
		free(text);
		cJSON_Delete(root);
	}

	/* dates */
	expect_err("created", "\"2026-11-23\"", "$.created", "must be an ISO-8601 date and time");
	expect_err("created", "\"2026-11-23T10:15:00\"", "$.created", "with a zone");
	expect_err("created", "\"2026-02-30T10:15:00Z\"", "$.created", "ISO-8601");
	expect_err("updated", "\"23.11.2026 10:15\"", "$.updated", "ISO-8601");
	expect_err("created", "1795428900", "$.created", "must be a date string");
	v = expect_ok("created", "\"2026-11-23T11:15:00.250+01:00\"", &n);
	if (v)
		CHECK_INT(v[0].created, 1795428900);
	order_array_free(v, n);

	/* the sum check */
	expect_err("total", "15999", "$.total",
		   "is 159.99 PLN but the lines sum to 146.98 and delivery costs 13.00, together "
		   "159.98 PLN");
	expect_err("delivery.cost", "1299", "$.total", "delivery costs 12.99, together 159.97");

	/* unknown fields, duplicates, extensions, null */
	expect_err("totl", "1", "$.totl", "unknown field; did you mean 'total'?");
	expect_err("lines.0.unit_prise", "1", "$.lines[0].unit_prise",
		   "unknown field; did you mean 'unit_price'?");
	expect_err("buyer.shoe_size", "42", "$.buyer.shoe_size",
		   "unknown field (names starting with x_ are ignored");
	v = expect_ok("x_shop_internal", "{\"anything\":[1,2,3]}", &n);
	order_array_free(v, n);
	v = expect_ok("notes", "null", &n);
	if (v)
		CHECK_STR(v[0].notes, "");
	order_array_free(v, n);
	expect_err("number", "null", "$.number", "is required");
}

static void expect_text_err(const char *text, size_t len, const char *where, const char *msg)
{
	struct diag d;
	struct order *v = NULL;
	size_t n = 0;

	diag_init(&d);
	CHECK_INT(order_json_parse(text, len, &v, &n, &d), -PL_EINVAL);
	CHECK(v == NULL && n == 0);
	CHECK(find_diag(&d, where, msg) >= 0);
	if (find_diag(&d, where, msg) < 0) {
		fprintf(stderr, "text %.40s: expected '%s: %s', got:\n", text, where, msg);
		dump_diag(&d);
	}
	diag_release(&d);
}

static void test_text(void)
{
	static const char deep[] =
	    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"
	    "]]]]]]]]]";
	char *big;
	struct diag d;
	struct order *v = NULL;
	size_t n = 0;
	char buf[sizeof(base_order) + 8];

	expect_text_err("", 0, "$", "input is empty");
	expect_text_err("{\"source\":", 10, "line 1, column 10", "not valid JSON");
	expect_text_err("{\n  \"source\": shop\n}", 20, "line 2, column 13", "not valid JSON near");
	expect_text_err("42", 2, "$", "must be an order object, an array of orders or");
	expect_text_err("{\"orders\": 5}", 13, "$.orders", "must be an array of orders");
	expect_text_err("{\"orders\": []}", 14, "$.orders", "holds no orders");
	expect_text_err("[]", 2, "$", "holds no orders");
	expect_text_err("{\"orders\": [], \"count\": 0}", 26, "$.count", "unknown field");
	expect_text_err(deep, strlen(deep), "line 1, column 33", "nests deeper than 32 levels");
	expect_text_err("{\"source\":\"a\\u0000b\"}", 21, "line 1, column 14", "\\u0000");
	expect_text_err("{\"a\":1}\0", 8, "line 1, column 8", "NUL byte");
	/* trailing text after the value */
	snprintf(buf, sizeof(buf), "%s x", base_order);
	{
		char where[64];
		snprintf(where, sizeof(where), "line 1, column %zu", strlen(base_order) + 2);
		expect_text_err(buf, strlen(buf), where, "unexpected text after the JSON value");
	}
	/* a UTF-8 BOM and trailing whitespace are fine; the text need not end in NUL */
	snprintf(buf, sizeof(buf), "\xEF\xBB\xBF%s \n", base_order);
	diag_init(&d);
	CHECK_OK(order_json_parse(buf, strlen(buf), &v, &n, &d));
	order_array_free(v, n);
	diag_release(&d);
	diag_init(&d);
	memcpy(buf, base_order, sizeof(base_order) - 1);
	buf[sizeof(base_order) - 1] = '}'; /* garbage right past len */
	CHECK_OK(order_json_parse(buf, sizeof(base_order) - 1, &v, &n, &d));
	order_array_free(v, n);
	diag_release(&d);
	/* duplicate keys */
	expect_text_err("{\"source\":\"shop\",\"source\":\"allegro\"}", 36, "$.source",
			"field is given twice");
	/* over the size cap: refused before parsing */
	big = malloc(ORDER_JSON_MAX_TEXT + 1);
	CHECK(big != NULL);
	if (big) {
		memset(big, ' ', ORDER_JSON_MAX_TEXT + 1);
		expect_text_err(big, ORDER_JSON_MAX_TEXT + 1, "$",
				"input is 16777217 bytes, the limit is 16777216 bytes (16 MiB)");
		free(big);
	}
	/* missing file */
	diag_init(&d);
	CHECK_INT(order_json_load_file("/nonexistent/orders.json", &v, &n, &d), -PL_EIO);
	CHECK(find_diag(&d, "/nonexistent/orders.json", "cannot open") >= 0);
	diag_release(&d);
}

static char *batch(const char *fmt_prefix, int count, const char *const *ids, const char *suffix)
{
	size_t cap = 64 + (size_t)count * (sizeof(base_order) + 32);
	char *out = malloc(cap);
	size_t used = (size_t)snprintf(out, cap, "%s", fmt_prefix);

	for (int i = 0; i < count; i++) {
		cJSON *root = cJSON_Parse(base_order);
		char idj[64], *t;
		snprintf(idj, sizeof(idj), "\"%s\"", ids[i]);
		mutate(root, "id", idj);
		t = cJSON_PrintUnformatted(root);
		used += (size_t)snprintf(out + used, cap - used, "%s%s", i ? "," : "", t);
		free(t);
		cJSON_Delete(root);
	}
	snprintf(out + used, cap - used, "%s", suffix);
	return out;
}

static void test_batches(void)
{
	static const char *const ids[] = {"1", "2", "1", "3", "2"};
	static const char *const uniq[] = {"1", "2", "3"};
	struct diag d;
	struct order *v = NULL;
	size_t n = 0;
	char *t;

	/* duplicates of (source, id) inside one text */
	t = batch("[", 5, ids, "]");
	diag_init(&d);
	CHECK_INT(order_json_parse(t, strlen(t), &v, &n, &d), -PL_EINVAL);
	CHECK(find_diag(&d, "$[2].id",
			"order (shop, 1) appears twice in this file; first at $[0]") >= 0);
	CHECK(find_diag(&d, "$[4].id",
			"order (shop, 2) appears twice in this file; first at $[1]") >= 0);
	CHECK_INT(diag_count(&d), 2);
	diag_release(&d);
	free(t);

	/* the three forms and their paths */
	t = batch("{\"orders\":[", 3, uniq, "]}");
	diag_init(&d);
	CHECK_OK(order_json_parse(t, strlen(t), &v, &n, &d));
	CHECK_INT(n, 3);
	if (n == 3)
		CHECK_STR(v[2].ext_id, "3");
	order_array_free(v, n);
	diag_release(&d);
	free(t);

	/* one bad order among good ones: nothing is returned, the path names it */
	{
		cJSON *root = cJSON_Parse("{\"orders\":[]}");
		cJSON *arr = cJSON_GetObjectItem(root, "orders");
		for (int i = 0; i < 4; i++) {
			cJSON *o = cJSON_Parse(base_order);
			char idj[16];
			snprintf(idj, sizeof(idj), "\"%d\"", i);
			mutate(o, "id", idj);
			if (i == 3)
				mutate(o, "lines.0.ean", "\"5901234123450\"");
			cJSON_AddItemToArray(arr, o);
		}
		t = cJSON_PrintUnformatted(root);
		cJSON_Delete(root);
		v = (struct order *)1;
		n = 7;
		diag_init(&d);
		CHECK_INT(order_json_parse(t, strlen(t), &v, &n, &d), -PL_EINVAL);
		CHECK(v == NULL && n == 0);
		CHECK(find_diag(&d, "$.orders[3].lines[0].ean",
				"EAN-13 check digit is 0, expected 7") >= 0);
		CHECK_INT(diag_count(&d), 1);
		diag_release(&d);
		free(t);
	}

	/* every error of a text is reported, not just the first */
	{
		cJSON *root = cJSON_Parse(base_order);
		mutate(root, "buyer.nip", "\"1234563219\"");
		mutate(root, "buyer.email", "\"x\"");
		mutate(root, "lines.0.ean", "\"1\"");
		mutate(root, "lines.0.vat", "\"99\"");
		mutate(root, "status", "\"??\"");
		t = cJSON_PrintUnformatted(root);
		cJSON_Delete(root);
		diag_init(&d);
		CHECK_INT(order_json_parse(t, strlen(t), &v, &n, &d), -PL_EINVAL);
		CHECK_INT(diag_count(&d), 5);
		diag_release(&d);
		free(t);
	}

	/* 501 lines */
	{
		cJSON *root = cJSON_Parse(base_order);
		cJSON *lines = cJSON_GetObjectItem(root, "lines");
		for (int i = 0; i < ORDER_MAX_LINES; i++)
			cJSON_AddItemToArray(lines,
					     cJSON_Duplicate(cJSON_GetArrayItem(lines, 0), 1));
		t = cJSON_PrintUnformatted(root);
		cJSON_Delete(root);
		diag_init(&d);
		CHECK_INT(order_json_parse(t, strlen(t), &v, &n, &d), -PL_EINVAL);
		CHECK(find_diag(&d, "$.lines", "has 501 lines, the limit is 500") >= 0);
		CHECK_INT(diag_count(&d), 1); /* the sum is not also reported */
		diag_release(&d);
		free(t);
	}
}

/* order_validate on orders built in C (connectors) */
static void test_validate_struct(void)
{
	struct order o;
	struct order_line l;
	struct diag d;

	order_init(&o);
	memset(&l, 0, sizeof(l));
	strcpy(o.source, "allegro");
	strcpy(o.ext_id, "29738e61-7f6a-11e8-ac45-09db60ede9d6");
	strcpy(o.number, "ALG/1");
	strcpy(o.status, "paid");
	strcpy(o.currency, "PLN");
	strcpy(l.name, "Kubek");
	strcpy(l.unit, "szt");
	l.qty = 1000;
	l.unit_price = 3999;
	l.vat = VAT_23;
	CHECK_OK(order_add_line(&o, &l));
	o.total = 3999;
	diag_init(&d);
	CHECK_OK(order_validate(&o, "$", &d));
	CHECK_INT(diag_count(&d), 0);
	strcpy(o.buyer.nip, "PL1234563218"); /* valid but not normalised */
	o.lines[0].vat = (enum vat_rate)42;
	CHECK_INT(order_validate(&o, "allegro:order", &d), -PL_EINVAL);
	CHECK(find_diag(&d, "allegro:order.buyer.nip", "is not normalised") >= 0);
	CHECK(find_diag(&d, "allegro:order.lines[0].vat", "is not a known VAT rate") >= 0);
	CHECK_INT(diag_count(&d), 2);
	diag_release(&d);
	order_release(&o);
	CHECK(order_status_known("cancelled"));
	CHECK(!order_status_known("Cancelled"));
	CHECK(order_payment_type_known("cod"));
	CHECK(order_payment_status_known("refunded"));
	CHECK(!order_payment_status_known(NULL));
}

int main(void)
{
	test_nip();
	test_gtin();
	test_lifecycle();
	test_examples();
	test_bad_examples();
	test_rules();
	test_text();
	test_batches();
	test_validate_struct();
	return check_done("test_order");
}
