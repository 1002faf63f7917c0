/* SPDX-License-Identifier: Apache-2.0 */
/* drivers/xport.c - transport choice by target string, wrappers, the kill-test knob. */
#include "drivers/xport.h"
#include "base/err.h"
#include "base/log.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Built-in byte transports, then the schemes the composition registered
 * (xport_register). */
#define XPORT_MAX 8
static const struct xport_ops *xport_all[2 + XPORT_MAX] = {
    &xport_serial_ops,
    &xport_tcp_ops,
};
static size_t xport_count = 2;

int xport_register(const struct xport_ops *ops)
{
	if (!ops || !ops->scheme || !ops->open)
		return -PL_EINVAL;
	for (size_t i = 0; i < xport_count; i++) {
		if (xport_all[i] == ops)
			return 0;
		if (strcmp(xport_all[i]->scheme, ops->scheme) == 0)
			return -PL_EEXIST;
	}
	if (xport_count >= sizeof(xport_all) / sizeof(xport_all[0]))
		return -PL_ETOOBIG;
	xport_all[xport_count++] = ops;
	return 0;
}

/* Frames this process has sent over any transport, and the frame after
 * which the test knob kills it (0 = never). Process-wide on purpose: the kill
 * test counts frames across reconnects within one run. */
static uint64_t xport_frames_total;
static long xport_die_after = -1; /* -1 = env not read yet */

static void xport_read_knob(void)
{
	const char *s;
	char *end;
	long v;

	if (xport_die_after >= 0)
		return;
	xport_die_after = 0;
	s = getenv("PL_TEST_DIE_AFTER_FRAMES");
	if (!s || !*s)
		return;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 0) {
		pl_warn("ignoring PL_TEST_DIE_AFTER_FRAMES='%s': not a count", s);
		return;
	}
	xport_die_after = v;
}

int xport_open(struct xport **out, const char *target)
{
	const char *colon;
	size_t n;
	int rc;

	if (!out || !target)
		return -PL_EINVAL;
	xport_read_knob();
	/* A bare device path is a serial port: the most common configuration. */
	if (strncmp(target, "/dev/", 5) == 0) {
		rc = xport_serial_ops.open(out, target);
		goto opened;
	}
	colon = strchr(target, ':');
	if (!colon) {
		pl_err("bad transport '%s': expected serial:PATH, tcp:HOST:PORT or sim:", target);
		return -PL_EINVAL;
	}
	n = (size_t)(colon - target);
	for (size_t i = 0; i < xport_count; i++) {
		const struct xport_ops *ops = xport_all[i];
		if (strlen(ops->scheme) == n && memcmp(ops->scheme, target, n) == 0) {
			rc = ops->open(out, colon + 1);
			goto opened;
		}
	}
	pl_err("unknown transport '%.*s' in '%s'", (int)n, target, target);
	return -PL_EINVAL;
opened:
	if (rc == 0) {
		snprintf((*out)->target, sizeof((*out)->target), "%s", target);
		memset(&(*out)->stats, 0, sizeof((*out)->stats));
	}
	return rc;
}

void xport_close(struct xport *x)
{
	if (x)
		x->ops->close(x);
}

int xport_send(struct xport *x, const void *buf, size_t len, int timeout_ms)
{
	int rc = x->ops->send(x, buf, len, timeout_ms);

	if (rc < 0)
		return rc;
	x->stats.bytes_sent += len;
	if (len > 0 && ((const unsigned char *)buf)[len - 1] == 0x03) {
		x->stats.frames_sent++;
		xport_frames_total++;
		if (xport_die_after > 0 && xport_frames_total == (uint64_t)xport_die_after) {
			/* The frame must have left, not sit in our buffers: the
			 * test is about what the device saw. */
			xport_drain(x, timeout_ms);
			raise(SIGKILL);
		}
	}
	return 0;
}

ssize_t xport_recv(struct xport *x, void *buf, size_t cap, int timeout_ms)
{
	ssize_t n;

	if (cap == 0)
		return -PL_EINVAL;
	n = x->ops->recv(x, buf, cap, timeout_ms);
	if (n > 0)
		x->stats.bytes_received += (uint64_t)n;
	return n;
}

int xport_flush_input(struct xport *x)
{
	return x->ops->flush_input(x);
}

int xport_drain(struct xport *x, int timeout_ms)
{
	if (!x->ops->drain)
		return 0;
	return x->ops->drain(x, timeout_ms);
}
