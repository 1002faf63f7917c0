/* SPDX-License-Identifier: Apache-2.0 */
/* drivers/xport_tcp.c - POSNET over TCP (printer's Ethernet port, or the simulator).
 *
 * Non-blocking connect with a timeout (redis anet.c), TCP_NODELAY because
 * every frame is a complete request waiting for its reply, and poll() for
 * every wait so no call can block past its timeout.
 */
#include "drivers/xport.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Connect timeout (fiskaltrust PosNetConfiguration: 5 s). */
#define TCP_CONNECT_TIMEOUT_MS 5000

struct xport_tcp {
	struct xport base;
	int fd;
	char host[128];
	int port;
};

int xport_tcp_parse(const char *target, char *host, size_t host_cap, int *port)
{
	const char *colon, *hs, *he;
	char *end;
	long v;

	if (!target || !*target)
		return -PL_EINVAL;
	if (target[0] == '[') {
		he = strchr(target, ']');
		if (!he || he[1] != ':')
			goto bad;
		hs = target + 1;
		colon = he + 1;
	} else {
		colon = strrchr(target, ':');
		if (!colon || strchr(target, ':') != colon)
			goto bad;
		hs = target;
		he = colon;
	}
	if (he == hs || (size_t)(he - hs) >= host_cap)
		goto bad;
	errno = 0;
	v = strtol(colon + 1, &end, 10);
	if (errno || *end || end == colon + 1 || v < 1 || v > 65535)
		goto bad;
	memcpy(host, hs, (size_t)(he - hs));
	host[he - hs] = '\0';
	*port = (int)v;
	return 0;
bad:
	pl_err("bad tcp target '%s': expected HOST:PORT or [IPV6]:PORT", target ? target : "");
	return -PL_EINVAL;
}

/* Wait for `events` on fd until the absolute monotonic deadline. 0, -PL_ETIMEDOUT, -PL_EIO. */
static int tcp_wait(int fd, short events, int64_t deadline, short *revents)
{
	for (;;) {
		struct pollfd p = {.fd = fd, .events = events};
		int64_t left = deadline - pl_monotonic_ms();
		int n;

		if (left < 0)
			left = 0;
		n = poll(&p, 1, (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -PL_EIO;
		if (n == 0)
			return -PL_ETIMEDOUT;
		*revents = p.revents;
		return 0;
	}
}

static int tcp_connect_one(const struct addrinfo *ai, int64_t deadline, int *out)
{
	int fd, err = 0, one = 1;
	socklen_t len = sizeof(err);
	short rev = 0;
	int rc;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
	if (fd < 0)
		return -PL_EIO;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		if (errno != EINPROGRESS) {
			err = errno;
			goto err_close;
		}
		rc = tcp_wait(fd, POLLOUT, deadline, &rev);
		if (rc < 0) {
			close(fd);
			return rc;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err)
			goto err_close;
	}
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	*out = fd;
	return 0;
err_close:
	close(fd);
	errno = err;
	return -PL_EIO;
}

static int tcp_open(struct xport **out, const char *target)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_family = AF_UNSPEC};
	struct addrinfo *res = NULL, *ai;
	struct xport_tcp *t;
	char portstr[16];
	int64_t deadline;
	int rc, gai;

	t = calloc(1, sizeof(*t));
	if (!t)
		return -PL_ENOMEM;
	t->base.ops = &xport_tcp_ops;
	t->fd = -1;
	rc = xport_tcp_parse(target, t->host, sizeof(t->host), &t->port);
	if (rc < 0)
		goto err_free;
	snprintf(portstr, sizeof(portstr), "%d", t->port);
	gai = getaddrinfo(t->host, portstr, &hints, &res);
	if (gai != 0) {
		pl_err("cannot resolve '%s': %s", t->host, gai_strerror(gai));
		rc = -PL_ENOTFOUND;
		goto err_free;
	}
	deadline = pl_monotonic_ms() + TCP_CONNECT_TIMEOUT_MS;
	rc = -PL_EIO;
	for (ai = res; ai; ai = ai->ai_next) {
		rc = tcp_connect_one(ai, deadline, &t->fd);
		if (rc == 0)
			break;
		if (rc == -PL_ETIMEDOUT) {
			pl_err("cannot connect to '%s': timed out after %d ms", target,
			       TCP_CONNECT_TIMEOUT_MS);
			break;
		}
		pl_debug("connect to '%s' failed: %s", target, strerror(errno));
	}
	if (rc == -PL_EIO)
		pl_err("cannot connect to '%s': %s", target, strerror(errno));
	freeaddrinfo(res);
	if (rc < 0)
		goto err_free;
	*out = &t->base;
	return 0;
err_free:
	free(t);
	return rc;
}

static void tcp_close(struct xport *x)
{
	struct xport_tcp *t = (struct xport_tcp *)x;

	if (t->fd >= 0)
		close(t->fd);
	free(t);
}

static int tcp_send(struct xport *x, const void *buf, size_t len, int timeout_ms)
{
	struct xport_tcp *t = (struct xport_tcp *)x;
	const unsigned char *p = buf;
	int64_t deadline = pl_monotonic_ms() + timeout_ms;

	while (len > 0) {
		ssize_t n = send(t->fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		short rev = 0;
		int rc;

		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
			pl_err("tcp '%s:%d': send failed: %s", t->host, t->port, strerror(errno));
			return -PL_EIO;
		}
		rc = tcp_wait(t->fd, POLLOUT, deadline, &rev);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static ssize_t tcp_recv(struct xport *x, void *buf, size_t cap, int timeout_ms)
{
	struct xport_tcp *t = (struct xport_tcp *)x;
	int64_t deadline = pl_monotonic_ms() + timeout_ms;

	for (;;) {
		ssize_t n = recv(t->fd, buf, cap, MSG_DONTWAIT);
		short rev = 0;
		int rc;

		if (n > 0)
			return n;
		if (n == 0) {
			pl_warn("tcp '%s:%d': connection closed by the device", t->host, t->port);
			return -PL_EIO;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			pl_err("tcp '%s:%d': recv failed: %s", t->host, t->port, strerror(errno));
			return -PL_EIO;
		}
		rc = tcp_wait(t->fd, POLLIN, deadline, &rev);
		if (rc < 0)
			return rc;
	}
}

static int tcp_flush_input(struct xport *x)
{
	struct xport_tcp *t = (struct xport_tcp *)x;
	char junk[512];

	for (;;) {
		ssize_t n = recv(t->fd, junk, sizeof(junk), MSG_DONTWAIT);

		if (n > 0) {
			pl_debug("tcp '%s:%d': discarded %zd stale bytes", t->host, t->port, n);
			continue;
		}
		if (n == 0)
			return -PL_EIO; /* peer closed: the next send would fail anyway */
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		return -PL_EIO;
	}
}

const struct xport_ops xport_tcp_ops = {
    .scheme = "tcp",
    .open = tcp_open,
    .close = tcp_close,
    .send = tcp_send,
    .recv = tcp_recv,
    .flush_input = tcp_flush_input,
    .drain = NULL,
};
