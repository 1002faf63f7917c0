/* SPDX-License-Identifier: Apache-2.0 */
/* tests/fuzz/fuzz_doc_search.c - the documents list's search text (the FTS5
 * phrase builder, the NIP digits, the LIKE escaping) and filters, on
 * arbitrary bytes, against a small real store.
 *
 * Properties besides "no crash, no leak, no UB": a query either succeeds or
 * is -PL_EINVAL (never a store error: the text is data, not SQL or FTS
 * syntax); it returns no more rows than the store holds and never more than
 * the page; a text over the cap is -PL_EINVAL.
 */
#include "store/store.h"

#include "base/err.h"
#include "base/log.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct store *st;
static char dir[] = "/tmp/fuzz-docsearch-XXXXXX";

static void cleanup(void)
{
	char cmd[64];

	store_close(st);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

static void setup(void)
{
	static const char *const buyers[] = {"Jaźń Sp. z o.o.", "50% _x \\ \"q\"", "Kowalski"};
	char path[96];

	pl_log_set_level(PL_LOG_ERROR);
	if (!mkdtemp(dir) || (snprintf(path, sizeof(path), "%s/f.db", dir), store_open(&st, path)))
		abort();
	atexit(cleanup);
	for (int i = 0; i < 3; i++) {
		struct document d;
		doc_init(&d);
		d.kind = i ? DOC_INVOICE : DOC_RECEIPT;
		d.state = DOC_ISSUED;
		snprintf(d.number, sizeof(d.number), "FV/2026/%04d", i + 1);
		snprintf(d.issue_date, sizeof(d.issue_date), "2026-12-0%d", i + 1);
		memcpy(d.sale_date, d.issue_date, sizeof(d.sale_date));
		snprintf(d.currency, sizeof(d.currency), "PLN");
		snprintf(d.backend, sizeof(d.backend), "local");
		snprintf(d.buyer_name, sizeof(d.buyer_name), "%s", buyers[i]);
		snprintf(d.buyer_nip, sizeof(d.buyer_nip), "526025027%d", i);
		snprintf(d.order_number, sizeof(d.order_number), "ALG-%d", i);
		d.total_gross = 1000 * (i + 1);
		d.amount_paid = 500 * i;
		if (store_doc_insert(st, &d, NULL))
			abort();
		doc_release(&d);
	}
}

static int count(const struct document *d, void *arg)
{
	(void)d;
	(*(size_t *)arg)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct store_doc_query q = {0};
	size_t n = 0, cap = STORE_DOC_SEARCH_MAX + 8;
	char *text;
	int64_t next = 0;
	int rc;

	if (!st)
		setup();
	if (size > cap)
		size = cap;
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	/* the first byte picks filters to combine with the search */
	if (size) {
		q.has_kind = data[0] & 1;
		q.kind = DOC_INVOICE;
		q.pay = (enum store_pay_filter)((data[0] >> 1) & 3);
		q.limit = (data[0] >> 3) & 3;
		q.from = data[0] & 32 ? "2026-12-02" : NULL;
		q.after = data[0] & 64 ? 3 : 0;
	}
	q.search = text;
	rc = store_doc_query(st, &q, count, &n, &next);
	if (strlen(text) > STORE_DOC_SEARCH_MAX) {
		if (rc != -PL_EINVAL)
			abort();
	} else if (rc != 0 && rc != -PL_EINVAL) {
		fprintf(stderr, "doc_query: %s on '%s'\n", pl_strerror(rc), text);
		abort();
	}
	if (n > 3 || (q.limit && n > q.limit))
		abort();
	free(text);
	return 0;
}
