/* SPDX-License-Identifier: Apache-2.0 */
/* bench/bench_journal.c - what the journal engine costs per side effect.
 *
 * Prints:
 *   0. the reference: one 4 KiB write + fdatasync() in the benchmark's
 *      directory (the same disk as the SQLite file), median of 200; every
 *      durable journal commit costs at least one such sync (WAL with
 *      synchronous=FULL syncs the WAL on each commit);
 *   1. journal overhead per effect: a no-op effect (perform = SENDING then
 *      DONE, nothing else) through intent -> claim -> sending -> done, one
 *      worker; the time of each step (intent, claim+sending+done) and the
 *      whole, per effect, and their ratio to the fdatasync reference;
 *   2. effects per second with 1 and 4 worker processes on one store, with an
 *      effect that spends DEVICE_MS (default 20 ms, PL_BENCH_DEVICE_MS) on its
 *      "device" between SENDING and DONE, on 4 distinct resources (printers):
 *      the journal's commits serialise in SQLite, the device time overlaps.
 *      The ideal with W workers is W x 1000 / DEVICE_MS effects/s;
 *   3. fiscal receipts through the engine (effects/receipt.h: intent, claim,
 *      counters, SENDING, trinit..trend, counters, DONE) on the in-process
 *      POSNET simulator, one worker, against the same receipts sent straight
 *      through the driver with no journal: receipts/s both ways and the
 *      journal's share per receipt.
 *
 * usage: bench_journal [N_EFFECTS]   (default 400; PL_BENCH_DIR = directory,
 * default a fresh one under /tmp)
 */
#include "base/err.h"
#include "core/document.h"
#include "effects/receipt.h"
#include "fiscal/posnet_dev.h"
#include "base/log.h"
#include "journal/journal.h"
#include "store/store.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int device_ms = 20;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_d);
	return v[n / 2];
}

static double p99(double *v, int n)
{
	/* v sorted by median() */
	return v[(n * 99 + 99) / 100 - 1];
}

/* The reference: 4 KiB + fdatasync, median of n. */
static double fdatasync_ms(const char *dir, int n)
{
	char path[1100], block[4096];
	double *v = calloc((size_t)n, sizeof(*v)), m = -1;
	int fd;

	snprintf(path, sizeof(path), "%s/fdatasync.probe", dir);
	fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0600);
	if (fd < 0 || !v)
		goto out;
	memset(block, 'x', sizeof(block));
	for (int i = 0; i < n; i++) {
		double t0 = now_ms();
		if (write(fd, block, sizeof(block)) != (ssize_t)sizeof(block) || fdatasync(fd) != 0)
			goto out;
		v[i] = now_ms() - t0;
	}
	m = median(v, n);
out:
	if (fd >= 0)
		close(fd);
	unlink(path);
	free(v);
	return m;
}

/* The no-op effect: commits SENDING, then DONE. */
static int null_perform(struct journal_job *jj)
{
	int rc = journal_sending(jj, NULL);

	if (rc)
		return rc;
	return journal_done(jj, NULL, NULL);
}

static const struct journal_effect_ops null_ops = {
    .kind = "bench",
    .perform = null_perform,
};

/* The device effect: DEVICE_MS on the device between SENDING and DONE. */
static int device_perform(struct journal_job *jj)
{
	struct timespec ts = {device_ms / 1000, (long)(device_ms % 1000) * 1000000L};
	int rc = journal_sending(jj, NULL);

	if (rc)
		return rc;
	nanosleep(&ts, NULL);
	return journal_done(jj, NULL, NULL);
}

static const struct journal_effect_ops device_ops = {
    .kind = "benchdev",
    .perform = device_perform,
};

static int add_intent(struct journal *j, const char *kind, const char *tag, int i,
		      const char *resource)
{
	struct job job;
	int rc;

	memset(&job, 0, sizeof(job));
	snprintf(job.kind, sizeof(job.kind), "%s", kind);
	snprintf(job.idem_key, sizeof(job.idem_key), "%s:%s:%d", kind, tag, i);
	snprintf(job.resource, sizeof(job.resource), "%s", resource ? resource : "");
	job.request = strdup("{}");
	if (!job.request)
		return -PL_ENOMEM;
	rc = journal_intent(j, &job);
	job_release(&job);
	return rc < 0 ? rc : 0;
}

static int open_engine(const char *dsn, struct store **st, struct journal **j)
{
	struct journal_cfg cfg = {.station = "bench", .lease_ms = 30000, .dsn = NULL};
	int rc = store_open(st, dsn);

	if (rc)
		return rc;
	rc = journal_open(j, *st, &cfg);
	if (rc) {
		store_close(*st);
		*st = NULL;
	}
	return rc;
}

/* 1. one worker, the no-op effect: the time of each step per effect. */
static int bench_overhead(const char *dsn, int n, double sync_ms)
{
	struct store *st = NULL;
	struct journal *j = NULL;
	double *vi = calloc((size_t)n, sizeof(double)), *vw = calloc((size_t)n, sizeof(double));
	double t_all;
	int rc;

	if (!vi || !vw) {
		rc = -PL_ENOMEM;
		goto out;
	}
	rc = open_engine(dsn, &st, &j);
	if (!rc)
		rc = journal_register(j, &null_ops, NULL);
	t_all = now_ms();
	for (int i = 0; i < n && !rc; i++) {
		struct journal_outcome o;
		double t0 = now_ms(), t1;
		rc = add_intent(j, "bench", "overhead", i, NULL);
		t1 = now_ms();
		if (!rc)
			rc = journal_work_one(j, 0, &o);
		if (!rc && o.state != JOB_DONE) {
			fprintf(stderr, "bench_journal: job %lld ended %s: %s\n",
				(long long)o.job_id, job_state_name(o.state), o.message);
			rc = -PL_ESTATE;
		}
		vi[i] = t1 - t0;
		vw[i] = now_ms() - t1;
	}
	t_all = now_ms() - t_all;
	if (!rc) {
		double mi = median(vi, n), pi = p99(vi, n), mw = median(vw, n), pw = p99(vw, n);
		printf("journal overhead, no-op effect, 1 worker, %d effects:\n", n);
		printf("  intent (1 commit):                        median %.3f ms, p99 %.3f ms\n",
		       mi, pi);
		printf("  claim + sending + done (3 commits):       median %.3f ms, p99 %.3f "
		       "ms\n",
		       mw, pw);
		printf("  whole effect: %.3f ms mean (%.0f effects/s) = %.1f x the fdatasync "
		       "reference (4 commits: floor %.3f ms)\n",
		       t_all / n, n * 1000.0 / t_all, (t_all / n) / sync_ms, 4 * sync_ms);
	}
out:
	journal_close(j);
	store_close(st);
	free(vi);
	free(vw);
	return rc;
}

struct left_ctx {
	const char *tag;
	size_t n;
};

static int count_left(const struct job *j, void *arg)
{
	struct left_ctx *lc = arg;

	if (strstr(j->idem_key, lc->tag))
		lc->n++;
	return 0;
}

/* 2. W worker processes drain n device effects on 4 resources. */
static int bench_workers(const char *dsn, int n, int workers, double *per_s)
{
	struct store *st = NULL;
	struct journal *j = NULL;
	char tag[32];
	double t0;
	int rc, fails = 0;
	static int round;

	snprintf(tag, sizeof(tag), "w%d-%d", workers, round++);
	rc = open_engine(dsn, &st, &j);
	for (int i = 0; i < n && !rc; i++) {
		char res[32];
		snprintf(res, sizeof(res), "printer:%d", i % 4);
		rc = add_intent(j, "benchdev", tag, i, res);
	}
	journal_close(j);
	store_close(st);
	if (rc)
		return rc;
	t0 = now_ms();
	for (int w = 0; w < workers; w++) {
		pid_t pid = fork();
		if (pid < 0)
			return -PL_EIO;
		if (pid == 0) {
			size_t ran = 0;
			int crc = open_engine(dsn, &st, &j);
			if (!crc)
				crc = journal_register(j, &device_ops, NULL);
			if (!crc)
				crc = journal_work_all(j, NULL, &ran);
			journal_close(j);
			store_close(st);
			_exit(crc ? 1 : 0);
		}
	}
	for (int w = 0; w < workers; w++) {
		int status = 0;
		if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			fails++;
	}
	*per_s = n * 1000.0 / (now_ms() - t0);
	/* every job must be done: count those of this round that are not */
	rc = store_open(&st, dsn);
	for (int s = 0; s < JOB_STATE_COUNT && !rc; s++) {
		struct left_ctx lc = {.tag = tag};
		if (s == JOB_DONE)
			continue;
		rc = store_job_list(st, (enum job_state)s, count_left, &lc);
		if (!rc && lc.n) {
			fprintf(stderr, "bench_journal: %zu job(s) of round %s left %s\n", lc.n,
				tag, job_state_name((enum job_state)s));
			fails++;
		}
	}
	store_close(st);
	return fails ? -PL_ESTATE : rc;
}

static void receipt_order(struct order *o, struct document *d, int i)
{
	struct order_line l;

	snprintf(o->source, sizeof(o->source), "shop");
	snprintf(o->ext_id, sizeof(o->ext_id), "B%d", i);
	snprintf(o->number, sizeof(o->number), "ZK/2026/B%05d", i);
	snprintf(o->status, sizeof(o->status), "paid");
	snprintf(o->currency, sizeof(o->currency), "PLN");
	snprintf(o->payment.type, sizeof(o->payment.type), "card");
	memset(&l, 0, sizeof(l));
	snprintf(l.name, sizeof(l.name), "Kubek ceramiczny");
	l.qty = 2000;
	l.unit_price = 2999;
	l.vat = VAT_23;
	snprintf(l.unit, sizeof(l.unit), "szt");
	order_add_line(o, &l);
	snprintf(l.name, sizeof(l.name), "Herbata zielona luz");
	l.qty = 250;
	l.unit_price = 8990;
	l.vat = VAT_5;
	snprintf(l.unit, sizeof(l.unit), "kg");
	order_add_line(o, &l);
	o->total = order_computed_total(o);
	doc_from_order(d, o, DOC_RECEIPT, 1790000000);
}

/* 3. receipts: through the engine, and straight through the driver. */
static int bench_receipts(const char *dsn, int n)
{
	struct posnet_cfg cfg;
	struct posnet_dev *dev = NULL;
	struct store *st = NULL;
	double t_engine = 0, t_raw = 0;
	int rc;

	posnet_cfg_init(&cfg);
	snprintf(cfg.target, sizeof(cfg.target), "sim:");
	rc = posnet_dev_open(&dev, &cfg);
	if (!rc)
		rc = store_open(&st, dsn);
	for (int pass = 0; pass < 2 && !rc; pass++) {
		double t0 = now_ms();
		for (int i = 0; i < n && !rc; i++) {
			struct order o;
			struct document d;
			order_init(&o);
			doc_init(&d);
			receipt_order(&o, &d, pass * n + i);
			if (pass == 0) {
				struct receipt_result res;
				rc = store_order_upsert(st, &o, 1790000000, NULL);
				if (!rc)
					rc = receipt_issue(st, dev, &d, &o, &res);
				if (rc)
					fprintf(stderr, "bench_journal: receipt %d: %s\n", i,
						res.message);
			} else {
				struct posnet_receipt r;
				struct posnet_counters c;
				enum posnet_stage stage;
				/* what the effect does at the device, with no journal */
				char err[256];
				posnet_receipt_init(&r);
				rc = posnet_receipt_from_document(&r, &d, &o, err, sizeof(err));
				if (!rc)
					rc = posnet_read_counters(dev, &c);
				if (!rc)
					rc = posnet_receipt_send(dev, &r, &stage);
				if (!rc)
					rc = posnet_read_counters(dev, &c);
				posnet_receipt_release(&r);
			}
			order_release(&o);
			doc_release(&d);
		}
		if (pass == 0)
			t_engine = now_ms() - t0;
		else
			t_raw = now_ms() - t0;
	}
	if (!rc)
		printf(
		    "receipts on the in-process simulator, 1 worker, %d each: through the engine "
		    "%.1f/s (%.2f ms each), driver alone %.1f/s (%.2f ms): the journal adds "
		    "%.2f ms per receipt\n",
		    n, n * 1000.0 / t_engine, t_engine / n, n * 1000.0 / t_raw, t_raw / n,
		    (t_engine - t_raw) / n);
	posnet_dev_close(dev);
	store_close(st);
	return rc;
}

int main(int argc, char **argv)
{
	char dir[] = "/tmp/pl-bench-journal-XXXXXX", dsn[1200];
	const char *base = getenv("PL_BENCH_DIR");
	int n = argc > 1 ? atoi(argv[1]) : 400;
	double sync_ms, w1 = 0, w4 = 0;
	int rc;

	if (getenv("PL_BENCH_DEVICE_MS"))
		device_ms = atoi(getenv("PL_BENCH_DEVICE_MS"));
	if (n < 10 || device_ms < 0 || device_ms > 10000) {
		fprintf(stderr, "usage: bench_journal [N_EFFECTS >= 10]\n");
		return 2;
	}
	pl_log_set_level(PL_LOG_WARN);
	if (!base) {
		if (!mkdtemp(dir)) {
			perror("mkdtemp");
			return 1;
		}
		base = dir;
	}
	snprintf(dsn, sizeof(dsn), "sqlite:%s/bench.db", base);
	sync_ms = fdatasync_ms(base, 200);
	printf("reference: 4 KiB write + fdatasync in %s: median %.3f ms\n", base, sync_ms);
	rc = bench_overhead(dsn, n, sync_ms);
	if (!rc)
		rc = bench_workers(dsn, n / 2, 1, &w1);
	if (!rc)
		rc = bench_workers(dsn, n / 2, 4, &w4);
	if (!rc)
		rc = bench_receipts(dsn, n / 4);
	if (!rc) {
		printf("effects/s, %d ms of device time each, 4 printers: 1 worker %.1f/s (ideal "
		       "%.1f), 4 worker processes %.1f/s (ideal %.1f): x%.2f\n",
		       device_ms, w1, 1000.0 / device_ms, w4, 4000.0 / device_ms, w4 / w1);
	}
	if (rc)
		fprintf(stderr, "bench_journal: %s\n", pl_strerror(rc));
	return rc ? 1 : 0;
}
