/* SPDX-License-Identifier: Apache-2.0 */
/* bench/bench_invoice.c - what the journal engine costs per invoice issued at
 * an invoicing service that answers in 0 ms.
 *
 * A service's own time (fakturownia, SmartBill: tens to hundreds of ms) is
 * not ours; what we add is the engine: the intent, the claim, the document
 * and its number made in the claimer's CAS transaction, SENDING with its
 * evidence, DONE with the service's id - each a durable SQLite commit - and
 * the HTTP call through the HTTP helper process. So the service here is an
 * HTTP server in this process that answers every POST at once with a
 * fakturownia-shaped body ({"id":N,"number":"FV/..."}), and two passes run:
 *   raw:    N POSTs through connectors/http.c, nothing else;
 *   engine: N invoices, each an order stored, an intent, then one worker
 *           claims it, builds and numbers the invoice (effects/docfx.h),
 *           commits SENDING, POSTs, and settles DONE with the remote id.
 * The difference per invoice is the journal's overhead; it is printed with
 * the disk's fdatasync as the reference (each commit costs at least one) and
 * with the headless-browser-era figure of ~10 documents/s.
 *
 * usage: bench_invoice [N]   (default 300; PL_BENCH_DIR = directory)
 */
#include "base/err.h"
#include "base/log.h"
#include "connectors/http.h"
#include "core/document.h"
#include "core/numbering.h"
#include "effects/docfx.h"
#include "journal/journal.h"
#include "store/store.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* ---- the 0 ms service ------------------------------------------------------ */

static int srv_fd = -1;
static long srv_served;

/* Read one request (headers + Content-Length body) from c; 0 when whole. */
static int read_request(int c)
{
	char buf[16384];
	size_t len = 0;
	long want = -1;

	for (;;) {
		ssize_t n = read(c, buf + len, sizeof(buf) - 1 - len);
		char *end, *cl;
		if (n <= 0)
			return -1;
		len += (size_t)n;
		buf[len] = '\0';
		end = strstr(buf, "\r\n\r\n");
		if (!end) {
			if (len >= sizeof(buf) - 1)
				return -1;
			continue;
		}
		if (want < 0) {
			cl = strstr(buf, "\r\nContent-Length:"); /* as curl spells it */
			want = cl ? atol(cl + 17) : 0;
		}
		if ((long)(len - (size_t)(end + 4 - buf)) >= want)
			return 0;
		if (len >= sizeof(buf) - 1)
			return -1;
	}
}

static void *serve(void *arg)
{
	(void)arg;
	for (;;) {
		int c = accept(srv_fd, NULL, NULL);
		if (c < 0)
			return NULL;
		/* one answer per connection: packline sends every POST on a fresh
		 * connection (connectors/http.c), so keep-alive would not be used */
		if (read_request(c) == 0) {
			char body[128], head[256];
			int bl =
			    snprintf(body, sizeof(body), "{\"id\":%ld,\"number\":\"FV/%ld/2026\"}",
				     1000 + srv_served, srv_served + 1);
			int hl =
			    snprintf(head, sizeof(head),
				     "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
				     "Connection: close\r\nContent-Length: %d\r\n\r\n",
				     bl);
			srv_served++;
			if (write(c, head, (size_t)hl) != hl || write(c, body, (size_t)bl) != bl)
				fprintf(stderr, "bench_invoice: the service could not answer\n");
		}
		close(c);
	}
}

static int serve_start(int *port)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t al = sizeof(a);
	pthread_t t;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	srv_fd = socket(AF_INET, SOCK_STREAM, 0);
	if (srv_fd < 0 || bind(srv_fd, (struct sockaddr *)&a, sizeof(a)) || listen(srv_fd, 64) ||
	    getsockname(srv_fd, (struct sockaddr *)&a, &al))
		return -PL_EIO;
	*port = ntohs(a.sin_port);
	if (pthread_create(&t, NULL, serve, NULL))
		return -PL_EIO;
	pthread_detach(t);
	return 0;
}

/* ---- the invoice effect ---------------------------------------------------- */

struct inv_env {
	struct docfx_env docs;
	struct http *http;
};

static const char inv_body[] =
    "{\"api_token\":\"x\",\"invoice\":{\"kind\":\"vat\",\"buyer_name\":\"Firma Sp. z o.o.\","
    "\"buyer_tax_no\":\"5260250274\",\"positions\":[{\"name\":\"Kubek\",\"quantity\":2,"
    "\"total_price_gross\":59.98,\"tax\":23}]}}";

static int inv_prepare(struct journal_job *jj)
{
	const struct inv_env *env = journal_arg(jj);
	struct order o;
	struct document d;
	bool made = false;
	int rc;

	order_init(&o);
	doc_init(&d);
	rc = docfx_build(jj, &env->docs, &o, &d, &made);
	if (!rc && made)
		rc = docfx_create(jj, &env->docs, &d);
	order_release(&o);
	doc_release(&d);
	return rc;
}

static int inv_perform(struct journal_job *jj)
{
	const struct inv_env *env = journal_arg(jj);
	struct http_resp r;
	int rc = journal_sending(jj, NULL);

	if (rc)
		return rc;
	http_resp_init(&r);
	rc = http_request(env->http, "POST", "/invoices.json", "application/json", inv_body,
			  sizeof(inv_body) - 1, &r);
	if (!rc && r.status != 201)
		rc = -PL_EPROTO;
	http_resp_release(&r);
	if (rc)
		return rc;
	return journal_done(jj, NULL, NULL);
}

static const struct journal_effect_ops inv_ops = {
    .kind = "bench_invoice",
    .prepare = inv_prepare,
    .perform = inv_perform,
};

static void make_order(struct order *o, int i)
{
	struct order_line l;

	snprintf(o->source, sizeof(o->source), "shop");
	snprintf(o->ext_id, sizeof(o->ext_id), "I%d", i);
	snprintf(o->number, sizeof(o->number), "ZK/2026/I%05d", i);
	snprintf(o->status, sizeof(o->status), "paid");
	snprintf(o->currency, sizeof(o->currency), "PLN");
	snprintf(o->payment.type, sizeof(o->payment.type), "transfer");
	snprintf(o->buyer.company, sizeof(o->buyer.company), "Firma Sp. z o.o.");
	snprintf(o->buyer.nip, sizeof(o->buyer.nip), "5260250274");
	memset(&l, 0, sizeof(l));
	snprintf(l.name, sizeof(l.name), "Kubek ceramiczny");
	l.qty = 2000;
	l.unit_price = 2999;
	l.vat = VAT_23;
	snprintf(l.unit, sizeof(l.unit), "szt");
	order_add_line(o, &l);
	o->total = order_computed_total(o);
}

static double fdatasync_ms(const char *dir, int n)
{
	char path[1100], block[4096];
	double *v = calloc((size_t)n, sizeof(double)), m;
	int fd;

	snprintf(path, sizeof(path), "%s/sync.probe", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || !v) {
		free(v);
		return 0;
	}
	memset(block, 'x', sizeof(block));
	for (int i = 0; i < n; i++) {
		double t0 = now_ms();
		if (pwrite(fd, block, sizeof(block), 0) != (ssize_t)sizeof(block) || fdatasync(fd))
			break;
		v[i] = now_ms() - t0;
	}
	close(fd);
	unlink(path);
	for (int i = 1; i < n; i++) /* insertion sort: n is small */
		for (int k = i; k > 0 && v[k] < v[k - 1]; k--) {
			double t = v[k];
			v[k] = v[k - 1];
			v[k - 1] = t;
		}
	m = v[n / 2];
	free(v);
	return m;
}

int main(int argc, char **argv)
{
	char dir[] = "/tmp/pl-bench-invoice-XXXXXX", dsn[1200], url[64];
	const char *base = getenv("PL_BENCH_DIR");
	struct numbering num[DOC_KIND_COUNT];
	struct journal_cfg jcfg = {.station = "bench", .lease_ms = 30000};
	struct inv_env env;
	struct http http;
	struct store *st = NULL;
	struct journal *j = NULL;
	int n = argc > 1 ? atoi(argv[1]) : 300, port = 0, rc;
	double t_raw = 0, t_eng = 0, sync_ms;

	if (n < 10) {
		fprintf(stderr, "usage: bench_invoice [N >= 10]\n");
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
	memset(num, 0, sizeof(num));
	for (int k = 0; k < DOC_KIND_COUNT; k++)
		numbering_init(&num[k], "FV/{YYYY}/{NNNN}", NUM_RESET_YEAR, NULL, "bench");
	rc = serve_start(&port);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/api", port);
	if (!rc)
		rc = http_init(&http, url);
	if (rc) {
		fprintf(stderr, "bench_invoice: cannot start the 0 ms service: %s\n",
			pl_strerror(rc));
		return 1;
	}
	env.docs.numbering = num;
	env.http = &http;
	sync_ms = fdatasync_ms(base, 100);

	/* warm the HTTP helper (its start is once per process, not per call) */
	{
		struct http_resp r;
		http_resp_init(&r);
		rc = http_request(&http, "POST", "/invoices.json", "application/json", inv_body,
				  sizeof(inv_body) - 1, &r);
		if (rc)
			fprintf(stderr, "bench_invoice: the first call: %s\n", r.err);
		http_resp_release(&r);
	}
	if (!rc) {
		double t0 = now_ms();
		for (int i = 0; i < n && !rc; i++) {
			struct http_resp r;
			http_resp_init(&r);
			rc = http_request(&http, "POST", "/invoices.json", "application/json",
					  inv_body, sizeof(inv_body) - 1, &r);
			if (!rc && r.status != 201)
				rc = -PL_EPROTO;
			http_resp_release(&r);
		}
		t_raw = now_ms() - t0;
	}
	if (!rc)
		rc = store_open(&st, dsn);
	if (!rc)
		rc = journal_open(&j, st, &jcfg);
	if (!rc)
		rc = journal_register(j, &inv_ops, &env);
	if (!rc) {
		double t0 = now_ms();
		for (int i = 0; i < n && !rc; i++) {
			struct order o;
			struct job job;
			struct journal_outcome out;
			struct docfx_intent in = {.kind = DOC_INVOICE,
						  .backend = "bench",
						  .job_kind = "bench_invoice",
						  .resource = ""};
			order_init(&o);
			memset(&job, 0, sizeof(job));
			make_order(&o, i);
			rc = store_order_upsert(st, &o, 1790000000, NULL); /* sets o.id */
			in.o = &o;
			if (!rc)
				rc = docfx_job(&in, &job);
			if (!rc)
				rc = journal_intent(j, &job);
			rc = rc < 0 ? rc : 0;
			if (!rc)
				rc = journal_work_one(j, 0, &out);
			if (!rc && out.state != JOB_DONE) {
				fprintf(stderr, "bench_invoice: job %lld ended %s: %s\n",
					(long long)out.job_id, job_state_name(out.state),
					out.message);
				rc = -PL_ESTATE;
			}
			job_release(&job);
			order_release(&o);
		}
		t_eng = now_ms() - t0;
	}
	if (!rc) {
		double raw = t_raw / n, eng = t_eng / n;
		printf("reference: 4 KiB write + fdatasync in %s: median %.3f ms\n", base, sync_ms);
		printf("reference: a headless-browser renderer issues ~10 documents/s (100 ms "
		       "each)\n");
		printf("service answering in 0 ms, %d each: HTTP POST alone %.3f ms (%.0f/s); "
		       "invoice through the engine %.3f ms (%.0f/s)\n",
		       n, raw, 1000.0 / raw, eng, 1000.0 / eng);
		printf("journal overhead per invoice (store order + intent + claim + number + "
		       "sending + done): %.3f ms = %.1f x fdatasync\n",
		       eng - raw, (eng - raw) / (sync_ms > 0 ? sync_ms : 1));
	} else {
		fprintf(stderr, "bench_invoice: %s\n", pl_strerror(rc));
	}
	journal_close(j);
	store_close(st);
	http_release(&http);
	http_stop_helper();
	return rc ? 1 : 0;
}
