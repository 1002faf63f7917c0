/* SPDX-License-Identifier: Apache-2.0 */
/* bench/bench_docs_query.c - the documents list (store_doc_query) at 100,000
 * documents: a page of 50 under each filter the CLI and the web panel offer,
 * full-text search and deep keyset pages included. Prints the median and p99
 * of each and of all together, with the goal (p99 <= 50 ms) as reference.
 *
 *   bench_docs_query [N_DOCS] [DIR]
 *
 * The documents (3 lines each, 8 buyers x 1000 names, 4 stations, 12 months)
 * are written in one SQLite transaction straight into a store-created file
 * (through its triggers, so the FTS index is built as in use), then the file
 * is opened with store_open() and queried through the vtable. */
#include "store/store.h"
#include "base/log.h"

#include <sqlite3.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double pct(double *v, int n, double p)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_d);
	int i = (int)(p * (n - 1) + 0.5);
	return v[i];
}

static int count_fn(const struct document *d, void *arg)
{
	(void)d;
	(*(size_t *)arg)++;
	return 0;
}

/* ~1,100 surnames of ~90 documents each from syllables, plus the common
 * ones at about their share in Poland (Nowak 1 %, Kowalski 0.5 %). */
static const char *const syl1[] = {
    "Bar", "Dąb", "Gaw", "Jas", "Kra", "Lis", "Maj", "Now", "Pie", "Rud", "Sob", "Taw", "Wil",
    "Zaj", "Żak", "Chm", "Gór", "Kur", "Mił", "Paw", "Sik", "Woj", "Zim", "Bro", "Cie", "Dud",
    "Fil", "Gło", "Han", "Kos", "Łuk", "Mro", "Ole", "Ras", "Szc", "Tom", "Urb"};
static const char *const syl2[] = {
    "ecki", "owski", "iński", "alczyk", "uszek", "orek", "ała",   "ecka",  "owska", "ińska",
    "usz",  "ik",    "ak",    "yńska",  "arz",   "ota",  "ewicz", "ański", "ycki",  "ul",
    "oń",   "ąb",    "icz",   "ęga",    "osz",   "ura",  "ela",   "ysz",   "uk"};
static const char *const kinds[] = {"receipt", "invoice",    "receipt", "receipt_nip",
				    "invoice", "correction", "receipt", "proforma"};
static const char *const states[] = {"issued", "issued", "issued", "cancelled", "pending"};

static int populate(const char *path, int n)
{
	sqlite3 *db;
	sqlite3_stmt *d = NULL, *l = NULL;
	int rc;

	if (sqlite3_open(path, &db) != SQLITE_OK)
		return -1;
	rc = sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	rc |= sqlite3_prepare_v2(
	    db,
	    "INSERT INTO documents(id, kind, number, issue_date, sale_date, currency, state, "
	    "order_number, backend, remote_id, buyer_name, buyer_nip, total_net, total_tax, "
	    "total_gross, created, state_changed, amount_paid, station) VALUES(?1, ?2, ?3, ?4, ?4, "
	    "'PLN', ?5, ?6, 'local', '', ?7, ?8, ?9 * 100 / 123, ?9 - ?9 * 100 / 123, ?9, "
	    "1767300000, 1767300000, ?10, ?11)",
	    -1, &d, NULL);
	rc |=
	    sqlite3_prepare_v2(db,
			       "INSERT INTO document_lines(document_id, pos, name, sku, qty, unit, "
			       "unit_gross, vat, net, tax, gross) VALUES(?1, ?2, 'Kubek ceramiczny "
			       "0,3 l', 'SKU-' || ?2, 1000, 'szt', 1230, '23', 1000, 230, 1230)",
			       -1, &l, NULL);
	if (rc != SQLITE_OK) {
		fprintf(stderr, "populate: %s\n", sqlite3_errmsg(db));
		sqlite3_close(db);
		return -1;
	}
	for (int i = 1; i <= n && rc == SQLITE_OK; i++) {
		char number[32], date[11], order[32], buyer[64], nip[16], station[16];
		const char *kind = kinds[i % 8];
		int64_t gross = 1000 + (i * 7919) % 500000;
		int64_t paid = i % 3 == 0 ? 0 : i % 3 == 1 ? gross : gross / 2;

		snprintf(number, sizeof(number), "%s/2026/%06d",
			 strcmp(kind, "invoice") == 0 ? "FV" : "PAR", i);
		snprintf(date, sizeof(date), "2026-%02d-%02d", 1 + (i * 12 / (n + 1)), 1 + i % 28);
		snprintf(order, sizeof(order), "ZK/2026/%06d", i);
		if (i % 100 == 0)
			snprintf(buyer, sizeof(buyer), "Nowak Anna");
		else if (i % 200 == 1)
			snprintf(buyer, sizeof(buyer), "Kowalski Jan");
		else if (i % 8 == 4) /* a company buys on invoice */
			snprintf(buyer, sizeof(buyer), "%s%s Sp. z o.o.", syl1[i % 37],
				 syl2[(i / 37) % 29]);
		else
			snprintf(buyer, sizeof(buyer), "%s%s", syl1[i % 37], syl2[(i / 37) % 29]);
		snprintf(nip, sizeof(nip), "%010d", i % 7 ? 0 : 526000000 + i);
		snprintf(station, sizeof(station), "lane-%d", i % 4);
		if (strcmp(kind, "correction") == 0)
			gross = -gross;
		sqlite3_bind_int(d, 1, i);
		sqlite3_bind_text(d, 2, kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(d, 3, number, -1, SQLITE_STATIC);
		sqlite3_bind_text(d, 4, date, -1, SQLITE_STATIC);
		sqlite3_bind_text(d, 5, states[i % 5], -1, SQLITE_STATIC);
		sqlite3_bind_text(d, 6, order, -1, SQLITE_STATIC);
		sqlite3_bind_text(d, 7, buyer, -1, SQLITE_STATIC);
		sqlite3_bind_text(d, 8, i % 7 ? "" : nip, -1, SQLITE_STATIC);
		sqlite3_bind_int64(d, 9, gross);
		sqlite3_bind_int64(d, 10, gross < 0 ? 0 : paid);
		sqlite3_bind_text(d, 11, station, -1, SQLITE_STATIC);
		rc = sqlite3_step(d) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
		sqlite3_reset(d);
		for (int k = 0; k < 3 && rc == SQLITE_OK; k++) {
			sqlite3_bind_int(l, 1, i);
			sqlite3_bind_int(l, 2, k);
			rc = sqlite3_step(l) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
			sqlite3_reset(l);
		}
	}
	if (rc != SQLITE_OK)
		fprintf(stderr, "populate: %s\n", sqlite3_errmsg(db));
	sqlite3_finalize(d);
	sqlite3_finalize(l);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, "COMMIT; ANALYZE", NULL, NULL, NULL);
	sqlite3_close(db);
	return rc == SQLITE_OK ? 0 : -1;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 100000;
	const char *dir = argc > 2 ? argv[2] : "/tmp";
	enum { RUNS = 40 };
	char tmpl[512], path[600];
	struct store *s = NULL;
	double all[64 * RUNS], one[RUNS], t0;
	int nall = 0, ret = 1;
	struct {
		const char *name;
		struct store_doc_query q;
	} cases[] = {
	    {"newest 50, no filter", {.limit = 50}},
	    {"kind invoice", {.has_kind = true, .kind = DOC_INVOICE, .limit = 50}},
	    {"state cancelled", {.has_state = true, .state = DOC_CANCELLED, .limit = 50}},
	    {"unpaid", {.pay = STORE_PAY_UNPAID, .limit = 50}},
	    {"partly paid + invoice",
	     {.pay = STORE_PAY_PARTLY, .has_kind = true, .kind = DOC_INVOICE, .limit = 50}},
	    {"March (date range)", {.from = "2026-03-01", .to = "2026-03-31", .limit = 50}},
	    {"station lane-2", {.station = "lane-2", .limit = 50}},
	    {"search buyer 'dąbow'", {.search = "dąbow", .limit = 50}},
	    {"search 'nowak' (1 %)", {.search = "nowak", .limit = 50}},
	    {"search 'kowalski j' (short word)", {.search = "kowalski j", .limit = 50}},
	    {"search number 'FV/2026/04'", {.search = "FV/2026/04", .limit = 50}},
	    {"search NIP '526-001-23'", {.search = "526-001-23", .limit = 50}},
	    {"search order (1 hit)", {.search = "ZK/2026/054321", .limit = 50}},
	    {"search + kind + unpaid",
	     {.search = "nowak",
	      .has_kind = true,
	      .kind = DOC_RECEIPT,
	      .pay = STORE_PAY_UNPAID,
	      .limit = 50}},
	    {"search 'nowak' + kind, 0 rows",
	     {.search = "nowak", .has_kind = true, .kind = DOC_CORRECTION, .limit = 50}},
	    {"search + station + March",
	     {.search = "owski",
	      .station = "lane-1",
	      .from = "2026-03-01",
	      .to = "2026-03-31",
	      .limit = 50}},
	    {"deep page (after id n/2)", {.after = 0, .limit = 50}},
	    {"kind + partly paid, 0 rows",
	     {.has_kind = true, .kind = DOC_CORRECTION, .pay = STORE_PAY_PARTLY, .limit = 50}},
	    {"no row of the kind", {.has_kind = true, .kind = DOC_WZ, .limit = 50}},
	    {"search no hit", {.search = "qqqzzz", .limit = 50}},
	};
	size_t ncases = sizeof(cases) / sizeof(cases[0]);

	pl_log_set_level(PL_LOG_ERROR);
	for (size_t c = 0; c < ncases; c++)
		if (strncmp(cases[c].name, "deep page", 9) == 0)
			cases[c].q.after = n / 2;
	snprintf(tmpl, sizeof(tmpl), "%s/bench-docq-XXXXXX", dir);
	if (!mkdtemp(tmpl)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/docs.db", tmpl);
	if (store_open(&s, path)) /* creates the schema */
		goto out;
	store_close(s);
	s = NULL;
	t0 = now_ms();
	if (populate(path, n))
		goto out;
	printf("bench_docs_query: %d documents (3 lines each) written in %.1f s\n", n,
	       (now_ms() - t0) / 1e3);
	if (store_open(&s, path))
		goto out;
	printf("%-32s %8s %10s %10s\n", "query (page of 50)", "rows", "median ms", "p99 ms");
	for (size_t c = 0; c < ncases; c++) {
		size_t rows = 0, warm = 0;
		/* one run first, not counted: the pages it reads are then cached,
		 * as they are for a panel that lists again and again */
		if (store_doc_query(s, &cases[c].q, count_fn, &warm, NULL))
			goto out;
		for (int r = 0; r < RUNS; r++) {
			size_t k = 0;
			double t = now_ms();
			if (store_doc_query(s, &cases[c].q, count_fn, &k, NULL)) {
				fprintf(stderr, "query '%s' failed\n", cases[c].name);
				goto out;
			}
			one[r] = now_ms() - t;
			all[nall++] = one[r];
			rows = k;
		}
		double med = pct(one, RUNS, 0.5), p = pct(one, RUNS, 0.99);
		printf("%-32s %8zu %10.2f %10.2f\n", cases[c].name, rows, med, p);
	}
	double med = pct(all, nall, 0.5), p = pct(all, nall, 0.99);
	printf("all %d queries: median %.2f ms, p99 %.2f ms (goal: p99 <= 50 ms) %s\n", nall, med,
	       p, p <= 50 ? "ok" : "OVER");
	{
		/* wall-clock figures on a shared machine: say how shared it was */
		char la[64] = "?";
		FILE *f = fopen("/proc/loadavg", "r");
		if (f) {
			if (!fgets(la, sizeof(la), f))
				snprintf(la, sizeof(la), "?");
			fclose(f);
		}
		printf("load average during the run: %s", la);
	}
	ret = 0;
out:
	store_close(s);
	snprintf(path, sizeof(path), "rm -rf '%s'", tmpl);
	if (getenv("BENCH_KEEP")) /* to look at the plans: sqlite3 DIR/docs.db */
		printf("kept %s\n", tmpl);
	else if (system(path) != 0)
		fprintf(stderr, "cannot remove %s\n", tmpl);
	return ret;
}
