/* SPDX-License-Identifier: Apache-2.0 */
/* bench/bench_pipeline.c - import, decide and number 100,000 generated orders.
 *
 * Prints three figures:
 *   1. decide + number in memory (rules, document with VAT sums, number text),
 *      orders per second: the CPU cost of the workflow, no I/O;
 *   2. durable import into SQLite (WAL, synchronous=FULL), batches of 100
 *      orders per transaction as a file drop would deliver them, orders/s;
 *   3. durable documents: each document numbered and stored in its own
 *      transaction (one fsync each, as in production), documents/s;
 * and the peak RSS. References: a packer closes one parcel in 30-120 s, so a
 * station needs at most ~0.03 documents/s and a 20-station warehouse ~1/s;
 * the durable figures are bounded by the disk's fsync latency, printed too.
 *
 * usage: bench_pipeline [N_ORDERS] [N_DURABLE_DOCS] [DIR]
 */
#include "store/store.h"
#include "base/clock.h"
#include "base/diag.h"
#include "core/document.h"
#include "core/numbering.h"
#include "core/rules.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t rng_state = 88172645463325252ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static const char *const statuses[] = {"new", "accepted", "paid", "cancelled"};
static const char *const payments[] = {"transfer", "card", "cod", "online", "blik"};
static const char *const notes[] = {
    "", "", "", "Proszę o fakturę", "Wystarczy paragon", "Na WZ proszę", "Dzwonić przed dostawą"};
static const char *const nips[] = {"5260250995", "7740001454", "1132853869"};

static void gen_order(struct order *o, size_t i)
{
	struct order_line l;
	size_t nlines = 1 + rng() % 5;

	order_init(o);
	snprintf(o->source, sizeof(o->source), "shop");
	snprintf(o->ext_id, sizeof(o->ext_id), "%zu", i + 1);
	snprintf(o->number, sizeof(o->number), "ZK/2026/%06zu", i + 1);
	o->created = o->updated = 1795000000 + (int64_t)i;
	snprintf(o->status, sizeof(o->status), "%s", statuses[rng() % 4]);
	snprintf(o->currency, sizeof(o->currency), "PLN");
	snprintf(o->buyer.name, sizeof(o->buyer.name), "Klient %zu", i);
	snprintf(o->buyer.country, sizeof(o->buyer.country), "PL");
	if (rng() % 3 == 0) {
		snprintf(o->buyer.company, sizeof(o->buyer.company), "Firma %zu sp. z o.o.", i);
		snprintf(o->buyer.nip, sizeof(o->buyer.nip), "%s", nips[rng() % 3]);
	}
	snprintf(o->payment.type, sizeof(o->payment.type), "%s", payments[rng() % 5]);
	snprintf(o->payment.status, sizeof(o->payment.status), "%s", rng() % 2 ? "paid" : "unpaid");
	snprintf(o->notes, sizeof(o->notes), "%s", notes[rng() % 7]);
	snprintf(o->delivery.method, sizeof(o->delivery.method), "inpost_locker");
	o->delivery.cost = 1299;
	o->delivery.cost_vat = VAT_23;
	for (size_t k = 0; k < nlines; k++) {
		memset(&l, 0, sizeof(l));
		snprintf(l.sku, sizeof(l.sku), "SKU-%05u", (unsigned)(rng() % 20000));
		snprintf(l.name, sizeof(l.name), "Produkt %s", l.sku);
		l.qty = 1000 * (int64_t)(1 + rng() % 3);
		snprintf(l.unit, sizeof(l.unit), "szt");
		l.unit_price = 199 + (int64_t)(rng() % 50000);
		l.vat = rng() % 5 ? VAT_23 : VAT_8;
		order_add_line(o, &l);
	}
	o->total = order_computed_total(o);
	o->payment.paid = strcmp(o->payment.status, "paid") == 0 ? o->total : 0;
}

static long peak_rss_kb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000;
	size_t ndocs = argc > 2 ? strtoul(argv[2], NULL, 10) : 2000;
	char dir[] = "/tmp/bench_pipeline.XXXXXX";
	char dsn[128], probe[160];
	struct ruleset rules;
	struct numbering num[DOC_KIND_COUNT];
	int64_t counter[DOC_KIND_COUNT] = {0};
	struct order *orders;
	struct store *st = NULL;
	struct diag d;
	double t0, t1;
	size_t kinds[DOC_KIND_COUNT] = {0};
	int rc;

	if (argc > 3)
		snprintf(dir, sizeof(dir), "%s", argv[3]);
	else if (!mkdtemp(dir))
		return 1;
	diag_init(&d);
	rules_init(&rules);
	if (rules_load_ini(&rules, rules_default_ini, "built-in", &d)) {
		diag_print(&d, stderr, "rules");
		return 1;
	}
	for (int k = 1; k < DOC_KIND_COUNT; k++)
		numbering_init(&num[k], "X/{YYYY}/{NNNNNN}", NUM_RESET_YEAR, &d, "bench");
	/* orders are generated as they are consumed (the same seed per phase),
	 * so the peak RSS is the agent's, not the benchmark's array */
	orders = calloc(100, sizeof(*orders));
	if (!orders)
		return 1;

	/* 1. decide + build + number, in memory */
	t0 = now_s();
	for (size_t i = 0; i < n; i++) {
		struct rules_decision dec;
		struct document doc;
		struct order o;
		gen_order(&o, i);
		if (rules_decide(&rules, &o, &dec) != 0 || dec.kind == DOC_NONE) {
			order_release(&o);
			continue;
		}
		doc_init(&doc);
		if (doc_from_order(&doc, &o, dec.kind, 1795000000) == 0)
			numbering_format(&num[dec.kind], 2026, 11, 23, ++counter[dec.kind],
					 doc.number, sizeof(doc.number));
		kinds[dec.kind]++;
		doc_release(&doc);
		order_release(&o);
	}
	t1 = now_s();
	printf("decide+number in memory (generation included): %zu orders in %.3f s = %.0f "
	       "orders/s\n",
	       n, t1 - t0, (double)n / (t1 - t0));
	printf("  kinds:");
	for (int k = 0; k < DOC_KIND_COUNT; k++)
		if (kinds[k])
			printf(" %s=%zu", doc_kind_name((enum doc_kind)k), kinds[k]);
	printf("\n");

	/* 2. durable import, 100 orders per transaction */
	snprintf(dsn, sizeof(dsn), "sqlite:%s/bench.db", dir);
	rc = store_open(&st, dsn);
	if (rc) {
		fprintf(stderr, "cannot open store: %d\n", rc);
		return 1;
	}
	enum store_upsert outs[100];
	rng_state = 88172645463325252ull;
	t0 = now_s();
	for (size_t i = 0; i < n; i += 100) {
		size_t k = n - i < 100 ? n - i : 100;
		for (size_t j = 0; j < k; j++)
			gen_order(&orders[j], i + j);
		if (store_order_upsert_many(st, orders, k, 1795000000, outs)) {
			fprintf(stderr, "import failed at %zu\n", i);
			return 1;
		}
		for (size_t j = 0; j < k; j++)
			order_release(&orders[j]);
	}
	t1 = now_s();
	printf("durable import (SQLite WAL, synchronous=FULL, 100 orders/transaction): %zu orders "
	       "in %.2f s = %.0f orders/s\n",
	       n, t1 - t0, (double)n / (t1 - t0));

	/* 3. durable documents: one transaction (and fsync) each */
	rng_state = 88172645463325252ull;
	t0 = now_s();
	for (size_t i = 0; i < ndocs && i < n; i++) {
		struct rules_decision dec;
		struct document doc;
		struct order o, stored;
		gen_order(&o, i);
		order_init(&stored);
		if (store_order_find(st, "shop", o.ext_id, &stored) != 0 ||
		    rules_decide(&rules, &o, &dec) != 0 || dec.kind == DOC_NONE) {
			order_release(&o);
			order_release(&stored);
			continue;
		}
		doc_init(&doc);
		doc_from_order(&doc, &o, dec.kind, 1795000000);
		doc.order_id = stored.id;
		order_release(&o);
		order_release(&stored);
		if (store_doc_insert(st, &doc, &num[dec.kind])) {
			fprintf(stderr, "doc insert failed\n");
			return 1;
		}
		doc_release(&doc);
	}
	t1 = now_s();
	printf("durable decide+number+store, one transaction per document: %zu docs in %.2f s = "
	       "%.0f docs/s\n",
	       ndocs, t1 - t0, (double)ndocs / (t1 - t0));

	/* the physical floor of 2 and 3: one write+fdatasync on this disk */
	snprintf(probe, sizeof(probe), "%s/fsync.probe", dir);
	int fd = open(probe, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	if (fd >= 0) {
		char b[4096] = {0};
		t0 = now_s();
		for (int i = 0; i < 200; i++) {
			if (pwrite(fd, b, sizeof(b), 0) < 0 || fdatasync(fd) < 0)
				break;
		}
		t1 = now_s();
		close(fd);
		unlink(probe);
		printf("reference: this disk's write+fdatasync takes %.3f ms (%.0f/s); a packing "
		       "station needs ~0.03 documents/s, a 20-station warehouse ~1/s\n",
		       (t1 - t0) / 200 * 1e3, 200 / (t1 - t0));
	}
	printf("peak RSS: %ld KiB (at most 100 orders in memory at once; the 8 MB idle budget of "
	       "a terminal is the reference)\n",
	       peak_rss_kb());

	store_close(st);
	free(orders);
	rules_release(&rules);
	diag_release(&d);
	if (argc <= 3) {
		char cmd[300];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			return 1;
	}
	return 0;
}
