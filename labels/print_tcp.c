/* SPDX-License-Identifier: Apache-2.0 */
/* labels/print_tcp.c - raw TCP to port 9100 (AppSocket / JetDirect).
 *
 * The way CUPS's backend/socket.c does it: connect with a timeout, write the
 * whole job, half-close (shutdown SHUT_WR) and wait a moment for the printer
 * to close its side, which it does once it has read everything. A printer
 * that keeps the connection open is not an error after the bytes went out:
 * we stop waiting after PRINT_TCP_EOF_MS.
 */
#include "labels/print.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define PRINT_TCP_EOF_MS 2000

struct tcp_printer {
	struct printer base;
};

static int tcp_open(struct printer **out, const struct print_cfg *cfg, char *msg, size_t msg_len)
{
	struct tcp_printer *t;

	if (!cfg->tcp_host[0] || cfg->tcp_port <= 0 || cfg->tcp_port > 65535) {
		print_msgf(msg, msg_len, "tcp printer: host and port 1..65535 are needed");
		return -PL_ECONFIG;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return -PL_ENOMEM;
	t->base.ops = &print_tcp_ops;
	t->base.cfg = *cfg;
	*out = &t->base;
	return 0;
}

static void tcp_close(struct printer *p)
{
	free(p);
}

/* Wait for `events` on fd until the monotonic `deadline`; 0, -PL_ETIMEDOUT, -PL_EIO. */
static int wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd pfd = {.fd = fd, .events = events};
	int64_t left;
	int n;

	for (;;) {
		left = deadline - pl_monotonic_ms();
		if (left <= 0)
			return -PL_ETIMEDOUT;
		n = poll(&pfd, 1, left > 60000 ? 60000 : (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -PL_EIO;
		if (n > 0)
			return 0;
	}
}

static int tcp_connect(const struct print_cfg *cfg, int64_t deadline, char *msg, size_t msg_len)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res, *ai;
	char port[8];
	int fd = -1, err = 0, rc, gai;
	socklen_t elen = sizeof(err);

	print_msgf(port, sizeof(port), "%d", cfg->tcp_port);
	gai = getaddrinfo(cfg->tcp_host, port, &hints, &res);
	if (gai != 0) {
		print_msgf(msg, msg_len, "cannot resolve '%s': %s", cfg->tcp_host,
			   gai_strerror(gai));
		return -PL_ENOTFOUND;
	}
	rc = -PL_EIO;
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
			    ai->ai_protocol);
		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		if (errno == EINPROGRESS) {
			rc = wait_fd(fd, POLLOUT, deadline);
			if (rc == 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) == 0 &&
			    err == 0)
				break;
			if (rc == 0)
				errno = err;
		}
		err = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd >= 0)
		return fd;
	if (rc == -PL_ETIMEDOUT) {
		print_msgf(msg, msg_len, "printer %s:%d does not answer", cfg->tcp_host,
			   cfg->tcp_port);
		return -PL_ETIMEDOUT;
	}
	print_msgf(msg, msg_len, "cannot connect to printer %s:%d: %s", cfg->tcp_host,
		   cfg->tcp_port, strerror(err));
	return -PL_EDEVICE;
}

static int tcp_submit(struct printer *p, const void *data, size_t len, struct print_job *job)
{
	const struct print_cfg *cfg = &p->cfg;
	int64_t deadline = pl_monotonic_ms() + cfg->timeout_ms;
	const char *d = data;
	char sink[512];
	size_t done = 0;
	ssize_t n;
	int fd, rc = 0;

	memset(job, 0, sizeof(*job));
	print_msgf(job->id, sizeof(job->id), "tcp:%s:%d", cfg->tcp_host, cfg->tcp_port);
	fd = tcp_connect(cfg, deadline, job->msg, sizeof(job->msg));
	if (fd < 0)
		return fd;
	while (done < len) {
		n = send(fd, d + done, len - done, MSG_NOSIGNAL);
		if (n > 0) {
			done += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			rc = wait_fd(fd, POLLOUT, deadline);
			if (rc == 0)
				continue;
			print_msgf(job->msg, sizeof(job->msg),
				   "printer %s:%d stopped reading after %zu of %zu bytes",
				   cfg->tcp_host, cfg->tcp_port, done, len);
			rc = rc == -PL_ETIMEDOUT ? -PL_ETIMEDOUT : -PL_EDEVICE;
			goto out_close;
		}
		print_msgf(job->msg, sizeof(job->msg), "printer %s:%d: %s after %zu of %zu bytes",
			   cfg->tcp_host, cfg->tcp_port, strerror(errno), done, len);
		rc = -PL_EDEVICE;
		goto out_close;
	}
	/* Half-close and drain until the printer closes (it has read it all) or
	 * a short while passes; both mean the bytes left us. */
	shutdown(fd, SHUT_WR);
	deadline = pl_monotonic_ms() + PRINT_TCP_EOF_MS;
	while (wait_fd(fd, POLLIN, deadline) == 0) {
		n = recv(fd, sink, sizeof(sink), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		pl_debug("printer %s:%d says %zd bytes", cfg->tcp_host, cfg->tcp_port, n);
	}
	job->state = PRINT_COMPLETED;
out_close:
	close(fd);
	return rc;
}

const struct print_ops print_tcp_ops = {
    .name = "tcp",
    .open = tcp_open,
    .close = tcp_close,
    .submit = tcp_submit,
    .wait = NULL,
};
