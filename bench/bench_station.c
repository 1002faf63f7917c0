/* SPDX-License-Identifier: Apache-2.0 */
/* bench/bench_station.c - packing station: scan -> screen updated.
 *
 * One measured step is what `packline station` does per scan on its
 * thread: the scan's bytes written into a pipe (the keyboard wedge), read
 * by the scanner reader (agent/station_scan.h), classified and fed to the
 * state machine (core/station.h), the frame drawn (station_render) and
 * written to a terminal stand-in (/dev/null). Orders of 20 lines, every
 * scan counting an item (a GS1 DataMatrix every 4th scan), at 80x24 and at
 * 20x8. Journal state reads happen on the 250 ms timer, not per scan, and
 * are not in this figure.
 *
 * Goal (issue #21): p99 <= 5 ms.
 * usage: bench_station [N_SCANS]   (default 20000)
 */
#include "agent/station_scan.h"
#include "agent/station_tui.h"
#include "base/err.h"
#include "store/store.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

struct ctx {
	struct station st;
	struct order o;
	struct station_status ss;
	struct buf frame;
	int cols, rows, devnull;
};

static void on_line(void *arg, const char *line, size_t len)
{
	struct ctx *c = arg;
	struct station_action act;

	station_feed(&c->st, line, len, &act);
	if (act.flags & SACT_LOAD)
		station_load(&c->st, &c->o, "", NULL);
	if (act.flags & SACT_RECORD) { /* the next order: the same lines again */
		station_recorded(&c->st, true, "paragon");
		station_load(&c->st, &c->o, "", NULL);
	}
	station_render(&c->st, &c->ss, c->cols, c->rows, &c->frame);
	(void)!write(c->devnull, c->frame.data, c->frame.len);
}

static void gtin(int i, char out[15])
{
	int sum = 0;

	snprintf(out, 15, "590751100%03d", i); /* 12 digits + check */
	for (int k = 0; k < 12; k++)
		sum += (out[11 - k] - '0') * (k % 2 == 0 ? 3 : 1);
	out[12] = (char)('0' + (10 - sum % 10) % 10);
	out[13] = '\0';
}

static int run(int cols, int rows, int n, double *lat)
{
	struct ctx c;
	struct station_scan *scan = NULL;
	struct barcode_cfg bcfg = {.order_prefix = "ZK/"};
	int p[2];
	int rc = 0;
	char codes[20][15];

	memset(&c, 0, sizeof(c));
	c.cols = cols;
	c.rows = rows;
	c.devnull = open("/dev/null", O_WRONLY);
	order_init(&c.o);
	snprintf(c.o.number, sizeof(c.o.number), "ZK/2026/1");
	c.o.id = 1;
	for (int i = 0; i < 20; i++) {
		struct order_line l = {.qty = 1000000}; /* 1000 pieces */
		snprintf(l.sku, sizeof(l.sku), "SKU-%02d", i);
		snprintf(l.name, sizeof(l.name), "Towar żółty nr %d ąćęłńóśźż", i);
		gtin(i, codes[i]);
		snprintf(l.ean, sizeof(l.ean), "%s", codes[i]);
		order_add_line(&c.o, &l);
	}
	snprintf(c.ss.docs, sizeof(c.ss.docs), "paragon: czeka");
	snprintf(c.ss.printer, sizeof(c.ss.printer), "Drukarka: OK");
	buf_init(&c.frame, 64 * 1024);
	station_init(&c.st, &bcfg, NULL, NULL);
	if (pipe(p) || station_scan_open_fd(&scan, p[0]))
		return -PL_EIO;
	{
		const char *o = "ZK/2026/1\n";
		(void)!write(p[1], o, strlen(o));
		station_scan_read(scan, on_line, &c);
	}
	for (int i = 0; i < n; i++) {
		char line[64];
		int len;
		double t0;
		if (i % 4 == 3)
			len = snprintf(line, sizeof(line),
				       "]d2\x1d"
				       "01%014lld\x1d"
				       "10LOT%d\n",
				       atoll(codes[i % 20]), i);
		else
			len = snprintf(line, sizeof(line), "%s\n", codes[i % 20]);
		t0 = now_us();
		if (write(p[1], line, (size_t)len) != len) {
			rc = -PL_EIO;
			break;
		}
		station_scan_read(scan, on_line, &c);
		lat[i] = now_us() - t0;
		if (c.st.msg != SMSG_ITEM_OK && c.st.msg != SMSG_ORDER_OPEN) {
			fprintf(stderr, "scan %d: unexpected %s %s\n", i, station_msg_id(c.st.msg),
				c.st.detail);
			rc = -PL_EINVAL;
			break;
		}
	}
	station_scan_close(scan);
	close(p[0]);
	close(p[1]);
	close(c.devnull);
	buf_release(&c.frame);
	order_release(&c.o);
	return rc;
}

static void report(const char *what, double *lat, int n)
{
	double med, p99;

	qsort(lat, (size_t)n, sizeof(double), cmp_d);
	med = lat[n / 2];
	p99 = lat[(size_t)n * 99 / 100];
	printf("%-34s median %7.1f us, p99 %7.1f us, max %8.1f us  (goal p99 <= 5000 us: %s)\n",
	       what, med, p99, lat[n - 1], p99 <= 5000 ? "met" : "NOT MET");
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 20000;
	double *lat;

	if (n < 100)
		n = 100;
	lat = calloc((size_t)n, sizeof(double));
	if (!lat)
		return 70;
	if (run(80, 24, n, lat))
		return 70;
	report("scan -> screen updated, 80x24:", lat, n);
	if (run(20, 8, n, lat))
		return 70;
	report("scan -> screen updated, 20x8:", lat, n);
	free(lat);
	return 0;
}
