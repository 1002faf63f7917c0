/* SPDX-License-Identifier: Apache-2.0 */
/* tests/helpers/store_import_writer.c - imports batches of orders in a loop
 * until it is killed (the crash test in tests/unit/test_store.c).
 *
 * usage: store_import_writer DB RUN
 * Batch k of run RUN holds S = 2 + (RUN + k) % 4 orders, stored with one
 * store_order_upsert_many() call (all or nothing). Every order says in its
 * number what a complete copy looks like: "R<run>B<batch>O<i>S<size>L<lines>"
 * plus the line count in its own tag. Every third batch re-imports the
 * previous one as "paid" with one line more (an update of lines, tags,
 * number and status in one transaction). After each commit it writes one
 * line to stdout, "B <k>" for a new batch and "P <k>" for a re-import, so
 * the test knows what was acknowledged before it kills the writer. The
 * checker then proves that each stored order is whole, each batch is all
 * there or all absent, and nothing acknowledged was lost.
 */
#include "store/store.h"
#include "base/err.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -PL_EINVAL;
	*out = v;
	return 0;
}

/* Fill order i of batch k; `extra` lines more and status "paid" on re-import. */
static int make_order(struct order *o, long run, long k, long i, long size, int extra)
{
	long nlines = 1 + (k * 7 + i * 3) % 30 + extra;

	order_init(o);
	snprintf(o->source, sizeof(o->source), "file");
	snprintf(o->ext_id, sizeof(o->ext_id), "r%ld-b%ld-o%ld", run, k, i);
	snprintf(o->number, sizeof(o->number), "R%ldB%ldO%ldS%ldL%ld", run, k, i, size, nlines);
	o->created = 1767225600 + k;
	o->updated = o->created + extra;
	snprintf(o->status, sizeof(o->status), "%s", extra ? "paid" : "new");
	snprintf(o->currency, sizeof(o->currency), "PLN");
	snprintf(o->buyer.name, sizeof(o->buyer.name), "Buyer %ld/%ld", k, i);
	snprintf(o->notes, sizeof(o->notes), "crash test run %ld", run);
	snprintf(o->tags[0], sizeof(o->tags[0]), "batch");
	snprintf(o->tags[1], sizeof(o->tags[1]), "lines=%ld", nlines);
	o->ntags = 2;
	for (long j = 0; j < nlines; j++) {
		struct order_line l = {.qty = 1000 * (j + 1), .unit_price = 100 + j, .vat = VAT_23};

		snprintf(l.sku, sizeof(l.sku), "L%ld", j);
		snprintf(l.name, sizeof(l.name), "line %ld of order %s", j, o->ext_id);
		snprintf(l.unit, sizeof(l.unit), "szt");
		if (order_add_line(o, &l))
			return -PL_ENOMEM;
		o->total += l.unit_price * (j + 1);
	}
	return 0;
}

/* One unbuffered line per commit (stdio would hold it in its buffer). */
static void report(char what, long k)
{
	char line[32];
	int n = snprintf(line, sizeof(line), "%c %ld\n", what, k);

	if (n > 0 && write(STDOUT_FILENO, line, (size_t)n) < 0)
		return; /* the test stopped listening: keep writing anyway */
}

static int import_batch(struct store *s, long run, long k, int extra, int64_t now)
{
	long size = 2 + (run + k) % 4;
	struct order v[8];
	int rc = 0;

	for (long i = 0; i < size; i++) {
		rc = make_order(&v[i], run, k, i, size, extra);
		if (rc) {
			size = i + 1;
			goto out_release;
		}
	}
	rc = store_order_upsert_many(s, v, (size_t)size, now, NULL);
out_release:
	for (long i = 0; i < size; i++)
		order_release(&v[i]);
	return rc;
}

int main(int argc, char **argv)
{
	struct store *s = NULL;
	long run;
	int rc;

	if (argc != 3 || parse_long(argv[2], 0, 1000000, &run)) {
		fprintf(stderr, "usage: store_import_writer DB RUN\n");
		return 2;
	}
	rc = store_open(&s, argv[1]);
	if (rc) {
		fprintf(stderr, "writer: cannot open '%s': %s\n", argv[1], pl_strerror(rc));
		return 1;
	}
	for (long k = 0;; k++) {
		int64_t now = (int64_t)time(NULL);

		rc = import_batch(s, run, k, 0, now);
		if (!rc)
			report('B', k);
		if (!rc && k > 0 && k % 3 == 0) {
			rc = import_batch(s, run, k - 1, 1, now + 1);
			if (!rc)
				report('P', k - 1);
		}
		if (rc) {
			fprintf(stderr, "writer: batch %ld: %s\n", k, pl_strerror(rc));
			store_close(s);
			return 1;
		}
	}
}
