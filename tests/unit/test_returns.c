/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/test_returns.c - what returns and held orders rest on:
 * - the order JSON's `returned` quantities and `delivery.refunded` (parse,
 *   validation, round trip);
 * - the content diff of core/order_diff.h (what holds an order, and what
 *   does not: status, payment, returns);
 * - the store's holds on a real SQLite file: a change after issue holds the
 *   order in the upsert's transaction with its audit row, a change before
 *   issue does not, release records who and why; migration 2 -> 3 keeps the
 *   data. */
#include "base/diag.h"
#include "base/err.h"
#include "base/log.h"
#include "core/order_diff.h"
#include "core/order_json.h"
#include "store/store.h"
#include "tests/unit/check.h"

#include <sqlite3.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Undo schema 5 (the documents list) to fake an older file. */
#define UNDO_V5                                                                                    \
	"DROP TRIGGER documents_fts_ai; DROP TRIGGER documents_fts_ad; DROP TRIGGER "              \
	"documents_fts_au; DROP TABLE documents_fts; DROP INDEX documents_kind; DROP INDEX "       \
	"documents_state; DROP INDEX documents_issue_date; DROP INDEX documents_station; "         \
	"ALTER TABLE documents DROP COLUMN station; ALTER TABLE documents DROP COLUMN "            \
	"amount_paid;"

static char tmpdir[] = "/tmp/pl-returns-XXXXXX";

static const char *const order_text =
    "{\"source\":\"shop\",\"id\":\"10042\",\"number\":\"ZK/2026/10042\","
    "\"created\":\"2026-11-23T10:15:00Z\",\"status\":\"returned\",\"currency\":\"PLN\","
    "\"total\":26486,\"buyer\":{\"name\":\"Katarzyna Wójcik\"},"
    "\"delivery\":{\"method\":\"dpd\",\"cost\":1990,\"vat\":\"23\",\"refunded\":true},"
    "\"lines\":[{\"sku\":\"GL-5KG\",\"name\":\"Glina\",\"qty\":4,\"unit_price\":4299,"
    "\"vat\":\"23\",\"returned\":3},"
    "{\"sku\":\"SZKL-TR\",\"name\":\"Szkliwo\",\"qty\":2,\"unit_price\":3650,\"vat\":\"23\"}]}";

static int parse(const char *text, struct order **v, size_t *n, struct diag *d)
{
	diag_init(d);
	return order_json_parse(text, strlen(text), v, n, d);
}

static void free_orders(struct order *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		order_release(&v[i]);
	free(v);
}

/* Replace the first `from` in order_text by `to`. */
static char *variant(const char *from, const char *to)
{
	const char *at = strstr(order_text, from);
	size_t n = strlen(order_text) - strlen(from) + strlen(to) + 1;
	char *s = malloc(n);

	if (!at || !s)
		abort();
	snprintf(s, n, "%.*s%s%s", (int)(at - order_text), order_text, to, at + strlen(from));
	return s;
}

static void expect_error(const char *from, const char *to, const char *where)
{
	char *text = variant(from, to);
	struct order *v = NULL;
	size_t n = 0;
	struct diag d;
	char out[4096] = "";
	FILE *f = fmemopen(out, sizeof(out) - 1, "w");

	CHECK_INT(parse(text, &v, &n, &d), -PL_EINVAL);
	if (f) {
		diag_print(&d, f, "t");
		fclose(f);
	}
	if (!strstr(out, where))
		fprintf(stderr, "expected an error at %s, got:\n%s\n", where, out);
	CHECK(strstr(out, where) != NULL);
	diag_release(&d);
	free_orders(v, n);
	free(text);
}

static void test_json(void)
{
	struct order *v = NULL, *w = NULL;
	size_t n = 0, m = 0;
	struct diag d;
	cJSON *j;
	char *printed;

	CHECK_OK(parse(order_text, &v, &n, &d));
	diag_release(&d);
	if (n != 1)
		return;
	CHECK_INT(v[0].lines[0].returned, 3000);
	CHECK_INT(v[0].lines[1].returned, 0);
	CHECK(v[0].delivery.refunded);
	/* round trip */
	j = order_to_json(&v[0]);
	printed = j ? cJSON_PrintUnformatted(j) : NULL;
	CHECK(printed != NULL);
	if (printed) {
		CHECK(strstr(printed, "\"returned\":3") != NULL);
		CHECK(strstr(printed, "\"refunded\":true") != NULL);
		CHECK_OK(parse(printed, &w, &m, &d));
		diag_release(&d);
		CHECK_INT(m, 1);
		if (m == 1) {
			CHECK_INT(w[0].lines[0].returned, 3000);
			CHECK(w[0].delivery.refunded);
		}
	}
	free(printed);
	cJSON_Delete(j);
	free_orders(w, m);
	free_orders(v, n);

	expect_error("\"returned\":3", "\"returned\":5", "$.lines[0].returned");
	expect_error("\"returned\":3", "\"returned\":-1", "$.lines[0].returned");
	expect_error("\"returned\":3", "\"returned\":\"3\"", "$.lines[0].returned");
	expect_error("\"returned\":3", "\"returned\":1.0005", "$.lines[0].returned");
	expect_error("\"refunded\":true", "\"refunded\":1", "$.delivery.refunded");
	expect_error("\"cost\":1990,\"vat\":\"23\",", "", "delivery.refunded");
	expect_error("\"returned\":3", "\"returnd\":3", "$.lines[0].returnd");
}

static void line(struct order *o, const char *sku, int64_t qty, int64_t price)
{
	struct order_line l;

	memset(&l, 0, sizeof(l));
	snprintf(l.sku, sizeof(l.sku), "%s", sku);
	snprintf(l.name, sizeof(l.name), "Towar %s", sku);
	snprintf(l.unit, sizeof(l.unit), "szt");
	l.qty = qty;
	l.unit_price = price;
	l.vat = VAT_23;
	if (order_add_line(o, &l))
		abort();
}

static void make(struct order *o)
{
	order_init(o);
	snprintf(o->source, sizeof(o->source), "shop");
	snprintf(o->ext_id, sizeof(o->ext_id), "10042");
	snprintf(o->number, sizeof(o->number), "ZK/2026/10042");
	snprintf(o->status, sizeof(o->status), "paid");
	snprintf(o->currency, sizeof(o->currency), "PLN");
	snprintf(o->buyer.name, sizeof(o->buyer.name), "Jan");
	line(o, "A", 4000, 4299);
	line(o, "B", 2000, 3650);
	o->delivery.cost = 1990;
	o->total = order_computed_total(o);
}

static void test_diff(void)
{
	struct order a, b;
	char out[ORDER_DIFF_MAX], small[24];

	make(&a);
	make(&b);
	CHECK(!order_content_changed(&a, &b));
	CHECK_STR(order_content_diff(&a, &b, out, sizeof(out)), "");
	/* not content: status, payment, notes, returns */
	snprintf(b.status, sizeof(b.status), "returned");
	snprintf(b.notes, sizeof(b.notes), "zwrot");
	b.lines[0].returned = 3000;
	b.delivery.refunded = true;
	b.payment.paid = 5;
	CHECK(!order_content_changed(&a, &b));
	/* content (4 x 39.99 + 3 x 36.50 + 1.5 x 1.00 = 270.96 below) */
	b.lines[1].qty = 3000;
	b.total = order_computed_total(&b);
	CHECK(order_content_changed(&a, &b));
	CHECK_STR(order_content_diff(&a, &b, out, sizeof(out)),
		  "line 2 qty 2->3; total 264.86->301.36");
	b.lines[0].unit_price = 3999;
	b.lines[0].vat = VAT_8;
	line(&b, "C", 1500, 100);
	b.delivery.cost = 0;
	b.total = order_computed_total(&b);
	CHECK_STR(order_content_diff(&a, &b, out, sizeof(out)),
		  "line 1 price 42.99->39.99; line 1 VAT 23->8; line 2 qty 2->3; line 3 added (C "
		  "Towar C x1.500); delivery 19.90->0.00; total 264.86->270.96");
	CHECK(order_content_diff(&b, &a, out, sizeof(out)) == out);
	CHECK(strstr(out, "line 3 removed (C Towar C x1.500)") != NULL);
	/* cut, never overrun */
	order_content_diff(&a, &b, small, sizeof(small));
	CHECK_INT(strlen(small), sizeof(small) - 1);
	CHECK_STR(small + sizeof(small) - 4, "...");
	CHECK_STR(order_content_summary(&a, out, sizeof(out)),
		  "A x4 @42.99 23; B x2 @36.50 23; delivery 19.90 23; total 264.86 PLN");
	order_release(&a);
	order_release(&b);
}

static int64_t sql_int(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int64_t v = -1;

	if (sqlite3_open(path, &db) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static int sql_exec(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	int rc = sqlite3_open(path, &db);

	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	return rc;
}

static int count_hold(const struct store_hold *h, void *arg)
{
	(void)h;
	(*(int *)arg)++;
	return 0;
}

static void test_store_holds(void)
{
	char path[PATH_MAX];
	struct store *s = NULL;
	struct order o, got;
	struct document d;
	struct store_hold h;
	enum store_upsert res;
	int n = 0;

	snprintf(path, sizeof(path), "%s/holds.db", tmpdir);
	CHECK_OK(store_open(&s, path));
	if (!s)
		return;
	make(&o);
	CHECK_OK(store_order_upsert(s, &o, 1000, &res));
	/* changed before any document: stored, not held */
	o.lines[1].qty = 3000;
	o.total = order_computed_total(&o);
	CHECK_OK(store_order_upsert(s, &o, 1001, &res));
	CHECK_INT(res, STORE_UPDATED);
	CHECK_INT(store_hold_get(s, o.id, &h), -PL_ENOTFOUND);
	/* a proforma does not hold it either */
	doc_init(&d);
	CHECK_OK(doc_from_order(&d, &o, DOC_PROFORMA, 1002));
	d.state = DOC_ISSUED;
	snprintf(d.backend, sizeof(d.backend), "local");
	CHECK_OK(store_doc_insert(s, &d, NULL));
	o.lines[1].qty = 2000;
	o.total = order_computed_total(&o);
	CHECK_OK(store_order_upsert(s, &o, 1003, &res));
	CHECK_INT(store_hold_get(s, o.id, &h), -PL_ENOTFOUND);
	/* an invoice: a return is not a change, a new quantity is */
	CHECK_OK(doc_from_order(&d, &o, DOC_INVOICE, 1004));
	d.state = DOC_ISSUED;
	snprintf(d.backend, sizeof(d.backend), "local");
	snprintf(d.number, sizeof(d.number), "FV/2026/0001");
	CHECK_OK(store_doc_insert(s, &d, NULL));
	o.lines[0].returned = 1000;
	snprintf(o.status, sizeof(o.status), "returned");
	CHECK_OK(store_order_upsert(s, &o, 1005, &res));
	CHECK_INT(res, STORE_UPDATED);
	CHECK_INT(store_hold_get(s, o.id, &h), -PL_ENOTFOUND);
	order_init(&got);
	CHECK_OK(store_order_get(s, o.id, &got));
	CHECK_INT(got.lines[0].returned, 1000);
	o.delivery.refunded = true;
	CHECK_OK(store_order_upsert(s, &o, 1006, &res));
	CHECK_INT(res, STORE_UPDATED);
	CHECK_OK(store_order_get(s, o.id, &got));
	CHECK(got.delivery.refunded);
	CHECK_OK(store_order_upsert(s, &o, 1006, &res));
	CHECK_INT(res, STORE_UNCHANGED);

	o.lines[1].qty = 1000;
	o.total = order_computed_total(&o);
	CHECK_OK(store_order_upsert(s, &o, 1007, &res));
	CHECK_OK(store_hold_get(s, o.id, &h));
	CHECK_STR(h.doc_number, "FV/2026/0001");
	CHECK_STR(h.order_number, "ZK/2026/10042");
	CHECK_STR(h.reason, "line 2 qty 2->1; total 264.86->228.36");
	CHECK_STR(h.old_content,
		  "A x4 @42.99 23; B x2 @36.50 23; delivery 19.90 23; total 264.86 PLN");
	CHECK_INT(h.created, 1007);
	CHECK_INT(h.released, 0);
	/* the new copy is stored */
	CHECK_OK(store_order_get(s, o.id, &got));
	CHECK_INT(got.lines[1].qty, 1000);
	/* changed again while held: one hold, the old content kept */
	o.lines[1].qty = 500;
	o.total = order_computed_total(&o);
	CHECK_OK(store_order_upsert(s, &o, 1008, &res));
	CHECK_OK(store_hold_get(s, o.id, &h));
	CHECK_STR(h.reason, "line 2 qty 1->0.500; total 228.36->210.11");
	CHECK(strstr(h.old_content, "B x2 @36.50") != NULL);
	CHECK(strstr(h.new_content, "B x0.500 @36.50") != NULL);
	CHECK_OK(store_hold_list(s, true, count_hold, &n));
	CHECK_INT(n, 1);
	CHECK_INT(sql_int(path, "SELECT count(*) FROM audit_log WHERE action = 'order.held' AND "
				"actor = 'import' AND object = 'ZK/2026/10042'"),
		  2);
	/* release: reason and actor required, the action named */
	CHECK_INT(store_hold_release(s, o.id, "anna", "accept", "", 1009), -PL_EINVAL);
	CHECK_INT(store_hold_release(s, o.id, "", "accept", "ok", 1009), -PL_EINVAL);
	CHECK_INT(store_hold_release(s, o.id, "anna", "forget", "ok", 1009), -PL_EINVAL);
	{
		char longer[300];
		memset(longer, 'x', sizeof(longer) - 1);
		longer[sizeof(longer) - 1] = '\0';
		CHECK_INT(store_hold_release(s, o.id, "anna", "accept", longer, 1009), -PL_EINVAL);
		CHECK_INT(store_hold_release(s, o.id, longer, "accept", "ok", 1009), -PL_EINVAL);
	}
	CHECK_OK(store_hold_release(s, o.id, "anna", "accept", "phoned the buyer", 1009));
	CHECK_INT(store_hold_get(s, o.id, &h), -PL_ENOTFOUND);
	CHECK_INT(store_hold_release(s, o.id, "anna", "accept", "again", 1010), -PL_ENOTFOUND);
	CHECK_INT(sql_int(path, "SELECT count(*) FROM audit_log WHERE action = 'order.accept' AND "
				"actor = 'anna' AND at = 1009 AND detail LIKE 'phoned the buyer%'"),
		  1);
	n = 0;
	CHECK_OK(store_hold_list(s, true, count_hold, &n));
	CHECK_INT(n, 0);
	CHECK_OK(store_hold_list(s, false, count_hold, &n));
	CHECK_INT(n, 1);
	order_release(&got);
	doc_release(&d);
	order_release(&o);
	store_close(s);
}

/* A file of schema 2 (made by taking version 3's additions away) migrates
 * to 3 with its orders intact and nothing returned. */
static void test_migration(void)
{
	char path[PATH_MAX];
	struct store *s = NULL;
	struct order o, got;
	enum store_upsert res;
	int version = 0;

	snprintf(path, sizeof(path), "%s/v2.db", tmpdir);
	CHECK_OK(store_open(&s, path));
	if (!s)
		return;
	make(&o);
	CHECK_OK(store_order_upsert(s, &o, 1000, &res));
	store_close(s);
	CHECK_INT(sql_exec(path,
			   "DROP TABLE IF EXISTS pack_sessions; " UNDO_V5 "DROP TABLE doc_remote;"
			   "DROP INDEX order_holds_open; DROP TABLE order_holds;"
			   "ALTER TABLE order_lines DROP COLUMN returned;"
			   "ALTER TABLE orders DROP COLUMN delivery_refunded;"
			   "PRAGMA user_version = 2;"),
		  SQLITE_OK);
	CHECK_INT(sql_int(path, "PRAGMA user_version"), 2);
	s = NULL;
	CHECK_OK(store_open(&s, path));
	if (!s)
		goto out;
	CHECK_OK(store_schema_version(s, &version));
	CHECK(version >= 4);
	order_init(&got);
	CHECK_OK(store_order_find(s, "shop", "10042", &got));
	CHECK_INT(got.nlines, 2);
	CHECK_INT(got.lines[1].qty, 2000);
	CHECK_INT(got.lines[0].returned, 0);
	CHECK(!got.delivery.refunded);
	order_release(&got);
	store_close(s);
out:
	order_release(&o);
}

int main(void)
{
	char cmd[PATH_MAX + 16];

	pl_log_threshold = PL_LOG_ERROR;
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_json();
	test_diff();
	test_store_holds();
	test_migration();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	return check_done("test_returns");
}
