/* SPDX-License-Identifier: Apache-2.0 */
/* tests/helpers/posnet_print_orders.c - print the receipts of N fixed orders, as the agent would.
 *
 * TEST HELPER for tests/sh/test_posnet_kill.sh (and a handy manual check):
 *
 *   posnet_print_orders STORE_DSN TRANSPORT [N]
 *
 * Opens the store (the job journal) and the printer, settles receipt jobs
 * left by a killed predecessor (receipt_reconcile_all), then issues the
 * receipt of each of N deterministic orders (receipt_issue), retrying an
 * order a few times when the printer is busy or the outcome is still open.
 * With PL_TEST_DIE_AFTER_FRAMES=K the transport kills this process with
 * SIGKILL right after its K-th frame has left (drivers/xport.h).
 * PL_POSNET_TIMEOUT_MS sets every reply timeout (default 400).
 *
 * Prints "order NUMBER done|FAILED ..." lines and "frames=F done=D of N".
 * Exit 0 when every order has its receipt, 3 when some do not, 2 on usage.
 */
#include "agent/receipt_job.h"
#include "store/store.h"
#include "base/err.h"
#include "base/log.h"
#include "fiscal/posnet_dev.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Order i of the fixed set: receipts with and without NIP, three payment
 * types, a weighed line; goods names keep one VAT rate each. */
static int make_order(int i, struct order *o, struct document *d)
{
	static const char *const pay[] = {"cash", "card", "transfer"};
	struct order_line l;
	int rc;

	order_init(o);
	doc_init(d);
	snprintf(o->source, sizeof(o->source), "shop");
	snprintf(o->ext_id, sizeof(o->ext_id), "K%d", 1000 + i);
	snprintf(o->number, sizeof(o->number), "ZK/2026/%05d", 1000 + i);
	snprintf(o->currency, sizeof(o->currency), "PLN");
	snprintf(o->payment.type, sizeof(o->payment.type), "%s", pay[i % 3]);
	if (i % 2 == 0)
		snprintf(o->buyer.nip, sizeof(o->buyer.nip), "5260250274");
	memset(&l, 0, sizeof(l));
	snprintf(l.name, sizeof(l.name), "Kubek ceramiczny nr %d", i % 7);
	l.qty = 1000 * (1 + i % 3);
	l.unit_price = 2999;
	l.vat = VAT_23;
	snprintf(l.unit, sizeof(l.unit), "szt");
	rc = order_add_line(o, &l);
	snprintf(l.name, sizeof(l.name), "Herbata zielona luz");
	l.qty = 250;
	l.unit_price = 8990;
	l.vat = VAT_5;
	snprintf(l.unit, sizeof(l.unit), "kg");
	rc = rc ? rc : order_add_line(o, &l);
	if (rc < 0)
		return rc;
	o->total = order_computed_total(o);
	return doc_from_order(d, o, i % 2 == 0 ? DOC_RECEIPT_NIP : DOC_RECEIPT, 1790000000);
}

int main(int argc, char **argv)
{
	struct store *st = NULL;
	struct posnet_dev *dev = NULL;
	struct posnet_cfg cfg;
	struct receipt_reconcile_report rep;
	const char *tmo = getenv("PL_POSNET_TIMEOUT_MS");
	long n = 3;
	int done = 0, rc;

	pl_log_set_ident("posnet_print_orders");
	pl_log_set_level(getenv("PL_DEBUG") ? PL_LOG_DEBUG : PL_LOG_WARN);
	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: posnet_print_orders STORE_DSN TRANSPORT [N]\n");
		return 2;
	}
	if (argc == 4) {
		char *end;
		errno = 0;
		n = strtol(argv[3], &end, 10);
		if (errno || *end || n < 1 || n > 1000) {
			fprintf(stderr, "posnet_print_orders: bad N '%s'\n", argv[3]);
			return 2;
		}
	}
	posnet_cfg_init(&cfg);
	snprintf(cfg.target, sizeof(cfg.target), "%s", argv[2]);
	for (int i = 0; i < POSNET_CLASS_COUNT; i++)
		cfg.timeout_ms[i] = tmo ? (int)strtol(tmo, NULL, 10) : 400;
	rc = store_open(&st, argv[1]);
	if (rc < 0) {
		fprintf(stderr, "posnet_print_orders: cannot open store '%s': %s\n", argv[1],
			pl_strerror(rc));
		return 3;
	}
	rc = posnet_dev_open(&dev, &cfg);
	if (rc < 0) {
		fprintf(stderr, "posnet_print_orders: cannot open printer '%s': %s\n", argv[2],
			pl_strerror(rc));
		store_close(st);
		return 3;
	}
	rc = receipt_reconcile_all(st, dev, &rep);
	printf("reconcile examined=%zu done=%zu reprinted=%zu undecided=%zu rc=%s\n", rep.examined,
	       rep.done, rep.reprinted, rep.undecided, rc ? pl_errname(rc) : "ok");
	for (long i = 0; i < n; i++) {
		struct order o;
		struct document d;
		struct receipt_result res;

		if (make_order((int)i, &o, &d) < 0) {
			fprintf(stderr, "posnet_print_orders: cannot build order %ld\n", i);
			break;
		}
		rc = -PL_EUNKNOWN;
		for (int attempt = 0; attempt < 8 && rc != 0; attempt++) {
			rc = receipt_issue(st, dev, &d, &o, &res);
			if (rc != 0)
				usleep(100000);
		}
		printf("order %s %s %s\n", o.number, rc == 0 ? "done" : "FAILED",
		       rc == 0 ? res.key : res.message);
		done += rc == 0;
		order_release(&o);
		doc_release(&d);
	}
	printf("frames=%llu done=%d of %ld\n",
	       (unsigned long long)posnet_dev_xport(dev)->stats.frames_sent, done, n);
	posnet_dev_close(dev);
	store_close(st);
	return done == n ? 0 : 3;
}
