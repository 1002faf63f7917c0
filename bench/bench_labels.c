/* SPDX-License-Identifier: Apache-2.0 */
/* bench/bench_labels.c - label generation rate and "packed -> job accepted" latency.
 *
 * Prints:
 *   1. labels generated per second: the sample shipping template (examples/labels/
 *      shipping.zpl.tmpl, 29 elements: text with fit rules, 2 Code 128, QR, Data Matrix)
 *      rendered to ZPL for generated orders, in memory;
 *   2. packed -> job accepted by a private cupsd (started here with tests/sh/cups_private.sh,
 *      raw queue with a capture backend): render the label + libcups Create-Job / Send-Document
 *      until the scheduler accepted it; median and p99 over N jobs (default 200);
 *   3. packed -> printed through the agent's own path (label_print: 4-5 journal commits in
 *      SQLite with synchronous=FULL, render, submit, follow the CUPS job to "completed");
 *      median and p99 over the same N.
 * References: hands-on.md §1 measured libcups submit 2.5-5 ms and submit -> completed 8-12 ms
 * on this class of machine; a thermal printer (e.g. Zebra ZD421 at 152 mm/s) needs ~1 s to
 * print a 150 mm label, and a packer closes a parcel every 30-120 s.
 *
 * usage: bench_labels [N_JOBS] [N_RENDER]   (PL_SRC = source root, default ".")
 */
#include "effects/label.h"
#include "store/store.h"
#include "base/clock.h"
#include "base/diag.h"
#include "base/err.h"
#include "labels/label.h"
#include "labels/print.h"
#include "labels/zpl.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

static void stats(const char *what, double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_d);
	printf("%s: median %.2f ms, p99 %.2f ms, min %.2f ms, max %.2f ms (n=%d)\n", what, v[n / 2],
	       v[(n * 99 + 99) / 100 - 1], v[0], v[n - 1], n);
}

static void make_order(struct order *o, int i)
{
	static const char *const names[] = {"Jan Kowalski", "Anna Nowak-Wiśniewska",
					    "Przedsiębiorstwo Handlowe „Żuraw” sp. z o.o.",
					    "Zofia Brzęczyszczykiewicz"};
	order_init(o);
	snprintf(o->source, sizeof(o->source), "shop");
	snprintf(o->ext_id, sizeof(o->ext_id), "b%d-%d", (int)getpid(), i);
	snprintf(o->number, sizeof(o->number), "ZK/2026/%06d", i);
	snprintf(o->status, sizeof(o->status), "packed");
	snprintf(o->currency, sizeof(o->currency), "PLN");
	o->created = 1773482400 + i;
	snprintf(o->buyer.name, sizeof(o->buyer.name), "%s", names[i % 4]);
	snprintf(o->buyer.phone, sizeof(o->buyer.phone), "5001%05d", i % 100000);
	snprintf(o->delivery.method, sizeof(o->delivery.method), "inpost_locker");
	snprintf(o->delivery.pickup_point, sizeof(o->delivery.pickup_point), "KRA%03dM", i % 1000);
	snprintf(o->delivery.recipient, sizeof(o->delivery.recipient), "%s", names[i % 4]);
	snprintf(o->delivery.address.street, sizeof(o->delivery.address.street),
		 "ul. Generała Władysława Andersa %d m. %d", i % 300, i % 70);
	snprintf(o->delivery.address.postcode, sizeof(o->delivery.address.postcode), "%02d-%03d",
		 i % 100, i % 1000);
	snprintf(o->delivery.address.city, sizeof(o->delivery.address.city), "Kraków");
	snprintf(o->delivery.address.country, sizeof(o->delivery.address.country), "PL");
}

static int render(const struct label_tmpl *t, const struct order *o, int i, struct zpl *z)
{
	char trk[32], why[256];
	struct tmpl_kv kv[] = {
	    {"shipment.tracking", trk},
	    {"shipment.carrier", "InPost"},
	    {"shipment.service", "Paczkomat 24/7"},
	    {"station", "bench"},
	};
	struct tmpl_ctx ctx = {.order = o, .extra = kv, .nextra = 4};
	int sh;

	snprintf(trk, sizeof(trk), "6%023d", i);
	return label_render(t, &ctx, z, &sh, why, sizeof(why));
}

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

int main(int argc, char **argv)
{
	const char *src = getenv("PL_SRC") ? getenv("PL_SRC") : ".";
	int njobs = argc > 1 ? atoi(argv[1]) : 200;
	int nrender = argc > 2 ? atoi(argv[2]) : 20000;
	char path[1024], dir[] = "/tmp/bench_labels.XXXXXX", cups[1100];
	struct label_tmpl *t = NULL, *packing = NULL;
	struct diag d;
	struct zpl z;
	struct order o;
	size_t bytes = 0;
	double t0, t1, *lat;
	int port, rc;

	if (njobs < 1 || nrender < 1)
		return 2;
	diag_init(&d);
	snprintf(path, sizeof(path), "%s/examples/labels/shipping.zpl.tmpl", src);
	if (label_tmpl_load(path, 203, &t, &d)) {
		diag_print(&d, stderr, "bench_labels");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/examples/labels/packing.zpl.tmpl", src);
	if (label_tmpl_load(path, 203, &packing, &d)) {
		diag_print(&d, stderr, "bench_labels");
		return 1;
	}
	diag_release(&d);

	/* 1. generation rate */
	zpl_init(&z, 0);
	make_order(&o, 0);
	t0 = now_ms();
	for (int i = 0; i < nrender; i++) {
		snprintf(o.number, sizeof(o.number), "ZK/2026/%06d", i);
		if ((rc = render(t, &o, i, &z))) {
			fprintf(stderr, "render failed: %s\n", pl_strerror(rc));
			return 1;
		}
		bytes += z.out.len;
	}
	t1 = now_ms();
	printf("labels generated: %d in %.1f ms = %.0f labels/s (%.0f bytes of ZPL each; "
	       "shipping template, 100x150 mm, 203 dpi)\n",
	       nrender, t1 - t0, nrender / ((t1 - t0) / 1e3), (double)bytes / nrender);
	order_release(&o);

	/* 2. and 3. need a private cupsd */
	if (system("command -v cupsd >/dev/null && command -v lpadmin >/dev/null") != 0) {
		printf("packed -> accepted: not measured (cupsd/lpadmin not installed)\n");
		return 0;
	}
	if (!mkdtemp(dir))
		return 1;
	port = 30000 + (int)(getpid() % 20000);
	snprintf(cups, sizeof(cups), "%s/cups", dir);
	if (sh("chmod 755 %s && CUPS_OWNER_PID=%d bash %s/tests/sh/cups_private.sh start %s %d",
	       dir, (int)getpid(), src, cups, port) ||
	    sh("bash %s/tests/sh/cups_private.sh queue %s %d zebra capture:%s/out/l.zpl", src, cups,
	       port, cups)) {
		fprintf(stderr, "private cupsd did not start\n");
		return 1;
	}
	lat = calloc((size_t)njobs, sizeof(*lat));
	{
		struct print_cfg cfg;
		struct printer *p = NULL;
		struct print_job pj;
		char msg[PRINT_MSG_LEN];

		print_cfg_init(&cfg);
		cfg.type = PRINT_CUPS;
		snprintf(cfg.cups_server, sizeof(cfg.cups_server), "127.0.0.1:%d", port);
		snprintf(cfg.cups_queue, sizeof(cfg.cups_queue), "zebra");
		if (print_open(&p, &cfg, msg, sizeof(msg))) {
			fprintf(stderr, "%s\n", msg);
			return 1;
		}
		for (int i = 0; i < njobs; i++) {
			make_order(&o, i);
			t0 = now_ms(); /* "packed": the order is ready for its label */
			rc = render(t, &o, i, &z);
			if (!rc)
				rc = print_submit(p, z.out.data, z.out.len, &pj);
			lat[i] = now_ms() - t0;
			order_release(&o);
			if (rc) {
				fprintf(stderr, "job %d: %s\n", i, pj.msg);
				return 1;
			}
			/* let the scheduler finish this one, so each sample starts from an idle
			 * printer, as at a station (a label every 30+ s) */
			print_wait(p, &pj, 10000);
		}
		print_close(p);
		stats("packed -> job accepted by cupsd (render + libcups submit)", lat, njobs);
	}

	/* 3. the agent's path with its journal */
	{
		struct label_setup ls;
		struct label_result res;
		struct store *st = NULL;

		snprintf(path, sizeof(path), "%s/bench.db", dir);
		if (store_open(&st, path))
			return 1;
		memset(&ls, 0, sizeof(ls));
		ls.source = LABEL_SRC_TEMPLATE;
		ls.dpi = 203;
		ls.tmpl = packing; /* no courier here: the packing label (no tracking number) */
		snprintf(ls.station, sizeof(ls.station), "bench");
		print_cfg_init(&ls.print);
		ls.print.type = PRINT_CUPS;
		snprintf(ls.print.cups_server, sizeof(ls.print.cups_server), "127.0.0.1:%d", port);
		snprintf(ls.print.cups_queue, sizeof(ls.print.cups_queue), "zebra");
		for (int i = 0; i < njobs; i++) {
			enum store_upsert up;
			make_order(&o, 100000 + i);
			if (store_order_upsert(st, &o, pl_now(), &up))
				return 1;
			t0 = now_ms();
			rc = label_print(st, &ls, NULL, &o, &res);
			lat[i] = now_ms() - t0;
			order_release(&o);
			if (rc) {
				fprintf(stderr, "label_print %d: %s\n", i, res.message);
				return 1;
			}
		}
		stats("packed -> printed via label_print (journal FULL sync + render + submit + "
		      "CUPS job completed)",
		      lat, njobs);
		store_close(st);
	}
	printf("reference: hands-on.md §1 libcups submit 2.5-5 ms, submit -> completed 8-12 ms; a "
	       "Zebra ZD421 prints a 150 mm label in ~1 s (152 mm/s)\n");
	sh("bash %s/tests/sh/cups_private.sh stop %s; rm -rf %s", src, cups, dir);
	free(lat);
	zpl_release(&z);
	label_tmpl_free(t);
	label_tmpl_free(packing);
	return 0;
}
