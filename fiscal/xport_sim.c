/* SPDX-License-Identifier: Apache-2.0 */
/* fiscal/xport_sim.c - the POSNET simulator (fiscal/posnet_sim.h) as an in-process transport.
 *
 * Target: "sim:[OPTION[;OPTION...]]" with
 *   baud=N        pace both directions like a serial line at N baud, 8N1
 *                 (10 bit times per byte): a send takes len x 10 / N seconds
 *                 before the simulator sees the frame, a reply is handed up
 *                 no faster than the line would carry it
 *   fault=SPEC    a simulator fault, posnet_sim_fault_parse() syntax, e.g.
 *                 fault=drop:trend, fault=delay=800:trline (repeatable)
 * The simulator lives only as long as the transport: a kill test needs the
 * far end in another process (`packline sim posnet` over a pty or TCP).
 * xport_sim_attach() wraps a simulator the caller keeps (tests inspect its
 * counters and paper across reopened transports).
 */
#include "fiscal/xport_sim.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "fiscal/posnet_sim.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct xport_sim {
	struct xport base;
	struct posnet_sim *sim;
	bool owned;
	int baud; /* 0 = no pacing */
};

static void xsim_sleep_us(int64_t us)
{
	struct timespec ts;

	if (us <= 0)
		return;
	ts.tv_sec = (time_t)(us / 1000000);
	ts.tv_nsec = (long)(us % 1000000) * 1000;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Wire time of n bytes at 8N1, microseconds. */
static int64_t xsim_wire_us(const struct xport_sim *s, size_t n)
{
	return s->baud > 0 ? (int64_t)n * 10 * 1000000 / s->baud : 0;
}

int xport_sim_attach(struct xport **out, struct posnet_sim *sim, int baud)
{
	struct xport_sim *s;

	if (!out || !sim || baud < 0)
		return -PL_EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -PL_ENOMEM;
	s->base.ops = &xport_sim_ops;
	snprintf(s->base.target, sizeof(s->base.target), "sim:(attached)");
	s->sim = sim;
	s->baud = baud;
	*out = &s->base;
	return 0;
}

static int xsim_open(struct xport **out, const char *target)
{
	struct xport_sim *s;
	char opts[256], *save = NULL, *opt;
	int rc = -PL_EINVAL;

	if (strlen(target) >= sizeof(opts)) {
		pl_err("sim target too long");
		return -PL_EINVAL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -PL_ENOMEM;
	s->base.ops = &xport_sim_ops;
	s->owned = true;
	s->sim = posnet_sim_new(NULL);
	if (!s->sim) {
		rc = -PL_ENOMEM;
		goto err_free;
	}
	memcpy(opts, target, strlen(target) + 1);
	for (opt = strtok_r(opts, ";", &save); opt; opt = strtok_r(NULL, ";", &save)) {
		if (strncmp(opt, "baud=", 5) == 0) {
			char *end;
			long v;

			errno = 0;
			v = strtol(opt + 5, &end, 10);
			if (errno || *end || v < 50 || v > 4000000) {
				pl_err("sim: bad baud '%s'", opt + 5);
				goto err_sim;
			}
			s->baud = (int)v;
		} else if (strncmp(opt, "fault=", 6) == 0) {
			struct posnet_sim_fault f;
			char err[160];

			if (posnet_sim_fault_parse(opt + 6, &f, err, sizeof(err)) < 0) {
				pl_err("sim: bad fault '%s': %s", opt + 6, err);
				goto err_sim;
			}
			if (posnet_sim_add_fault(s->sim, &f) < 0) {
				pl_err("sim: too many faults");
				goto err_sim;
			}
		} else {
			pl_err("sim: unknown option '%s' (baud=N, fault=SPEC)", opt);
			goto err_sim;
		}
	}
	*out = &s->base;
	return 0;
err_sim:
	posnet_sim_free(s->sim);
err_free:
	free(s);
	return rc;
}

static void xsim_close(struct xport *x)
{
	struct xport_sim *s = (struct xport_sim *)x;

	if (s->owned)
		posnet_sim_free(s->sim);
	free(s);
}

static int xsim_send(struct xport *x, const void *buf, size_t len, int timeout_ms)
{
	struct xport_sim *s = (struct xport_sim *)x;

	(void)timeout_ms;
	/* the device has the frame only when its last byte has crossed the line */
	xsim_sleep_us(xsim_wire_us(s, len));
	posnet_sim_input(s->sim, buf, len, pl_monotonic_ms());
	return 0;
}

static ssize_t xsim_recv(struct xport *x, void *buf, size_t cap, int timeout_ms)
{
	struct xport_sim *s = (struct xport_sim *)x;
	int64_t deadline = pl_monotonic_ms() + timeout_ms;

	for (;;) {
		int64_t now = pl_monotonic_ms();
		size_t n = posnet_sim_output(s->sim, buf, cap, now);
		int64_t due, left;

		if (n > 0) {
			xsim_sleep_us(xsim_wire_us(s, n));
			return (ssize_t)n;
		}
		left = deadline - now;
		if (left <= 0)
			return -PL_ETIMEDOUT;
		due = posnet_sim_next_due(s->sim, now);
		/* nothing scheduled: nothing can come before the deadline */
		xsim_sleep_us(1000 * (due < 0 || due > left ? left : (due > 0 ? due : 0)));
		if (due == 0)
			continue;
	}
}

static int xsim_flush_input(struct xport *x)
{
	struct xport_sim *s = (struct xport_sim *)x;
	uint8_t junk[256];

	/* what is due now has "arrived" and is discarded; what is due later
	 * (a delayed reply) will still come, as on a real line */
	while (posnet_sim_output(s->sim, junk, sizeof(junk), pl_monotonic_ms()) > 0)
		;
	return 0;
}

const struct xport_ops xport_sim_ops = {
    .scheme = "sim",
    .open = xsim_open,
    .close = xsim_close,
    .send = xsim_send,
    .recv = xsim_recv,
    .flush_input = xsim_flush_input,
    .drain = NULL,
};

int xport_sim_register(void)
{
	return xport_register(&xport_sim_ops);
}
