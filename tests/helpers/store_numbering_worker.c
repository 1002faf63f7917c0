/* SPDX-License-Identifier: Apache-2.0 */
/* tests/helpers/store_numbering_worker.c - one of several processes taking
 * invoice numbers from one store at the same time (tests/unit/test_store.c).
 *
 * usage: store_numbering_worker DB COUNT [GO_FD]
 * Opens DB, waits until GO_FD reaches end of file (the parent closes the
 * write end once every worker is ready, so all start together), then stores
 * COUNT invoices dated 2026-05-14, each numbered "FV/{YYYY}/{NNNN}" (yearly)
 * in its own transaction. Exit 0 when all COUNT were stored.
 *
 * Between two documents it pauses 0..2 ms at random. SQLite's lock is not
 * fair: waiters poll from their busy handler every few ms, so a writer in a
 * tight loop takes the lock again before any of them wakes and the workers
 * end up running one after the other. The pause makes them really take
 * turns, which is what the test is about.
 */
#include "store/store.h"
#include "base/diag.h"
#include "base/err.h"

#include <errno.h>
#include <limits.h>
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

static int wait_go(int fd)
{
	char c;
	ssize_t n;

	do {
		n = read(fd, &c, 1);
	} while (n > 0 || (n < 0 && errno == EINTR));
	close(fd);
	return n == 0 ? 0 : -PL_EIO;
}

int main(int argc, char **argv)
{
	struct store *s = NULL;
	struct numbering num;
	struct diag dg;
	long count, go_fd = -1;
	unsigned seed = (unsigned)getpid();
	int rc;

	if (argc < 3 || argc > 4 || parse_long(argv[2], 1, 1000000, &count) ||
	    (argc == 4 && parse_long(argv[3], 0, INT_MAX, &go_fd))) {
		fprintf(stderr, "usage: store_numbering_worker DB COUNT [GO_FD]\n");
		return 2;
	}
	diag_init(&dg);
	rc = numbering_init(&num, "FV/{YYYY}/{NNNN}", NUM_RESET_YEAR, &dg, "worker");
	diag_release(&dg);
	if (rc) {
		fprintf(stderr, "worker: bad pattern: %s\n", pl_strerror(rc));
		return 1;
	}
	rc = store_open(&s, argv[1]);
	if (rc) {
		fprintf(stderr, "worker: cannot open '%s': %s\n", argv[1], pl_strerror(rc));
		return 1;
	}
	if (go_fd >= 0 && wait_go((int)go_fd)) {
		fprintf(stderr, "worker: cannot read the start signal\n");
		store_close(s);
		return 1;
	}
	for (long i = 0; i < count; i++) {
		struct document d;
		struct doc_line line = {.qty = 1000, .unit_gross = 12300, .vat = VAT_23};

		doc_init(&d);
		d.kind = DOC_INVOICE;
		d.state = DOC_PENDING;
		snprintf(d.issue_date, sizeof(d.issue_date), "2026-05-14");
		snprintf(d.sale_date, sizeof(d.sale_date), "2026-05-14");
		snprintf(d.currency, sizeof(d.currency), "PLN");
		snprintf(d.backend, sizeof(d.backend), "local");
		snprintf(line.name, sizeof(line.name), "worker %d item %ld", (int)getpid(), i);
		snprintf(line.unit, sizeof(line.unit), "szt");
		line.gross = 12300;
		line.tax = money_vat_from_gross(12300, VAT_23);
		line.net = line.gross - line.tax;
		d.lines = &line; /* borrowed: detached again before doc_release */
		d.nlines = 1;
		d.sums[0] = (struct doc_vat_sum){VAT_23, line.net, line.tax, line.gross};
		d.nsums = 1;
		d.total_net = line.net;
		d.total_tax = line.tax;
		d.total_gross = line.gross;
		rc = store_doc_insert(s, &d, &num);
		d.lines = NULL;
		d.nlines = 0;
		doc_release(&d);
		if (rc) {
			fprintf(stderr, "worker: document %ld: %s\n", i, pl_strerror(rc));
			store_close(s);
			return 1;
		}
		struct timespec ts = {0, (long)(rand_r(&seed) % 2000) * 1000L};
		nanosleep(&ts, NULL);
	}
	store_close(s);
	return 0;
}
