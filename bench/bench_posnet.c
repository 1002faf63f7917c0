/* SPDX-License-Identifier: Apache-2.0 */
/* bench/bench_posnet.c - a 10-line receipt with NIP against the paced simulator.
 *
 * The simulator runs in its own process (tests/helpers/posnet_sim_serve)
 * behind a pseudo-terminal, pacing both directions like an 8N1 line at the
 * given baud rate with zero printer processing time; the driver talks to it
 * through libserialport (with the pty shim preloaded: research/hands-on.md
 * §2). The session is the one of research/fiscal-printers.md §6: pre-flight
 * (sdev, sprn, scomm), counters (scnt, eclastdocnoget), trinit, trnipset,
 * 10 x trline, trpayment, trend, counters again.
 *
 * Printed: bytes both ways, measured time, the wire-time floor
 * (bytes x 10 / baud) and their ratio; goal <= 1.10. Reference floor from
 * the research note: the whole session ~1 233 B -> 1.28 s at 9600,
 * 0.107 s at 115200 (our session has scomm and eclastdocnoget on top).
 *
 *   bench_posnet [RECEIPTS_AT_9600 [RECEIPTS_AT_115200]]   (defaults 3 and 20)
 */
#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "fiscal/posnet_dev.h"
#include "drivers/xport.h"

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef PTYSHIM_PATH
#define PTYSHIM_PATH ""
#endif
#ifndef POSNET_SIM_SERVE
#define POSNET_SIM_SERVE ""
#endif

static const char *const bench_names[10] = {
    "Koszulka bawełniana męska XL czarna",
    "Spodnie dresowe szare rozmiar M",
    "Bluza z kapturem granatowa L",
    "Skarpetki sportowe 3-pak białe",
    "Czapka zimowa z pomponem",
    "Szalik wełniany w kratę czerwony",
    "Rękawiczki skórzane damskie S",
    "Pasek skórzany brązowy 95 cm",
    "Torba płócienna ekologiczna",
    "Portfel męski skórzany czarny",
};
static const int64_t bench_prices[10] = {4999, 8999, 12999, 2499, 3999,
					 5999, 6999, 4499,  1999, 9999};

static void bench_receipt(struct posnet_receipt *r)
{
	posnet_receipt_init(r);
	for (int i = 0; i < 10; i++) {
		struct posnet_line l;

		memset(&l, 0, sizeof(l));
		snprintf(l.name, sizeof(l.name), "%s", bench_names[i]);
		l.vat = VAT_23;
		l.price = bench_prices[i];
		l.qty = 1000;
		l.value = l.price;
		snprintf(l.unit, sizeof(l.unit), "szt");
		posnet_receipt_add_line(r, &l);
		r->total += l.value;
	}
	snprintf(r->nip, sizeof(r->nip), "5260250274");
	posnet_payment_map("transfer", &r->pay_type, r->pay_name, sizeof(r->pay_name));
}

static int64_t bench_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* One baud rate (pace = false: the simulator does not pace, which measures
 * the fixed cost of pty + simulator + driver per session): returns 0 and
 * prints a line, or -1. */
static int bench_baud(int baud, bool pace, int receipts, const char *dir)
{
	char link[300], bstr[16];
	struct posnet_cfg cfg;
	struct posnet_dev *dev = NULL;
	struct posnet_receipt r;
	double best = 1e9, sum = 0, tsum = 0;
	uint64_t exch_one = 0;
	uint64_t bytes_one = 0;
	pid_t pid;
	int status, ok = 0;

	snprintf(link, sizeof(link), "%s/pty%d", dir, baud);
	snprintf(bstr, sizeof(bstr), "%d", baud);
	pid = fork();
	if (pid == 0) {
		execl(POSNET_SIM_SERVE, POSNET_SIM_SERVE, "--pty", link, "--baud",
		      pace ? bstr : "0", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 500 && access(link, F_OK) != 0; i++)
		usleep(10000);
	posnet_cfg_init(&cfg);
	cfg.no_footer = true; /* the §6 model session has no footer lines */
	snprintf(cfg.target, sizeof(cfg.target), "serial:/dev/../../..%s:%d:8N1:none", link, baud);
	if (posnet_dev_open(&dev, &cfg) < 0) {
		fprintf(stderr, "bench_posnet: cannot open %s\n", cfg.target);
		goto out;
	}
	bench_receipt(&r);
	/* warm-up: the VAT table is read once per device and cached */
	{
		struct posnet_vat_table vat;
		posnet_read_vat(dev, &vat, false);
	}
	for (int i = 0; i < receipts; i++) {
		struct xport *x = posnet_dev_xport(dev);
		struct posnet_status st;
		struct posnet_counters c;
		enum posnet_stage stage;
		uint64_t b0 = x->stats.bytes_sent + x->stats.bytes_received, bytes;
		uint64_t f0 = x->stats.frames_sent;
		int64_t t0 = bench_now_us(), t1;
		double secs, floor;

		if (posnet_preflight(dev, &st) < 0 || posnet_read_counters(dev, &c) < 0 ||
		    posnet_receipt_send(dev, &r, &stage) < 0 || posnet_read_counters(dev, &c) < 0) {
			fprintf(stderr, "bench_posnet: receipt failed: %s\n",
				posnet_dev_last_message(dev));
			goto out_close;
		}
		t1 = bench_now_us();
		bytes = x->stats.bytes_sent + x->stats.bytes_received - b0;
		secs = (double)(t1 - t0) / 1e6;
		floor = (double)bytes * 10.0 / baud;
		sum += secs / floor;
		tsum += secs;
		if (secs / floor < best)
			best = secs / floor;
		bytes_one = bytes;
		exch_one = x->stats.frames_sent - f0;
		ok++;
	}
	if (!pace) {
		printf("posnet unpaced    : %d receipts, %llu bytes/receipt, mean %.1f ms per "
		       "session (%llu exchanges): the fixed cost of pty + simulator + driver\n",
		       ok, (unsigned long long)bytes_one, tsum / ok * 1000.0,
		       (unsigned long long)exch_one);
		goto out_close;
	}
	printf("posnet %6d baud: %d receipts, %llu bytes/receipt, floor %.3f s, mean %.3f s, "
	       "ratio mean %.3f best %.3f (goal <= 1.10)\n",
	       baud, ok, (unsigned long long)bytes_one, (double)bytes_one * 10.0 / baud,
	       sum / ok * (double)bytes_one * 10.0 / baud, sum / ok, best);
out_close:
	posnet_receipt_release(&r);
	posnet_dev_close(dev);
out:
	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	return ok == receipts ? 0 : -1;
}

int main(int argc, char **argv)
{
	char dir[] = "/tmp/bench_posnet.XXXXXX";
	int n9600 = argc > 1 ? atoi(argv[1]) : 3;
	int n115200 = argc > 2 ? atoi(argv[2]) : 20;
	int rc = 0;

	if (!getenv("PL_PTYSHIM_ACTIVE") && PTYSHIM_PATH[0]) {
		const char *asan = getenv("ASAN_OPTIONS");
		char opts[512];

		snprintf(opts, sizeof(opts), "%s%sverify_asan_link_order=0", asan ? asan : "",
			 asan ? ":" : "");
		setenv("ASAN_OPTIONS", opts, 1);
		setenv("LD_PRELOAD", PTYSHIM_PATH, 1);
		setenv("PL_PTYSHIM_ACTIVE", "1", 1);
		execv("/proc/self/exe", argv);
		perror("execv");
		return 1;
	}
	if (!POSNET_SIM_SERVE[0] || n9600 < 1 || n115200 < 1) {
		fprintf(stderr,
			"bench_posnet: needs the posnet_sim_serve helper and counts >= 1\n");
		return 2;
	}
	pl_log_set_level(PL_LOG_ERROR);
	if (!mkdtemp(dir))
		return 1;
	printf("POSNET receipt session (10 lines + NIP) vs the paced simulator over a pty; "
	       "reference floor (research §6): 1.28 s @9600, 0.107 s @115200\n");
	rc |= bench_baud(9600, true, n9600, dir);
	rc |= bench_baud(115200, true, n115200, dir);
	rc |= bench_baud(115200, false, n115200, dir);
	rmdir(dir);
	return rc ? 1 : 0;
}
