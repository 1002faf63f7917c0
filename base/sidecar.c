/* SPDX-License-Identifier: Apache-2.0 */
/* base/sidecar.c - forked helper processes (see sidecar.h for why). */
#define _GNU_SOURCE /* prctl, pipe2 flags, SOCK_CLOEXEC */
#include "base/sidecar.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SIDECAR_MAGIC_REQ   0x50534351u /* "QCSP": a request */
#define SIDECAR_MAGIC_REPLY 0x50534352u /* "RCSP": a reply */

/* Frame header, host byte order: both ends are the same binary on the same
 * machine (a fork), so there is nothing to convert. */
struct sidecar_hdr {
	uint32_t magic;
	uint32_t op;  /* request: the op; reply: the handler's rc as int32 */
	uint32_t len; /* payload bytes that follow */
};

static struct sidecar *sidecar_running_list;

/* --- plumbing shared by both ends ------------------------------------- */

/* Write all of it; 0 or -errno. MSG_NOSIGNAL: a dead peer is EPIPE, not a
 * SIGPIPE that would kill the agent. */
static int write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Read exactly n bytes before deadline (monotonic ms; <0 = none).
 * 0, -PL_EIO at end of file, -PL_ETIMEDOUT, or -errno. */
static int read_all(int fd, void *p, size_t n, int64_t deadline)
{
	char *c = p;

	while (n > 0) {
		if (deadline >= 0) {
			struct pollfd pfd = {.fd = fd, .events = POLLIN};
			int64_t left = deadline - pl_monotonic_ms();
			int r;

			if (left <= 0)
				return -PL_ETIMEDOUT;
			r = poll(&pfd, 1, left > 60000 ? 60000 : (int)left);
			if (r < 0 && errno != EINTR)
				return -errno;
			if (r <= 0)
				continue;
		}
		ssize_t got = read(fd, c, n);
		if (got < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		if (got == 0)
			return -PL_EIO;
		c += got;
		n -= (size_t)got;
	}
	return 0;
}

/* --- the child ------------------------------------------------------------ */

/* Close what the agent had open (serial ports, the database, printers) so
 * that only the agent decides when they close. */
static void child_close_inherited(int keep)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int dfd;

	if (!d)
		return; /* no /proc: the descriptors stay, which is only untidy */
	dfd = dirfd(d);
	while ((e = readdir(d))) {
		char *end;
		long fd = strtol(e->d_name, &end, 10);
		if (*end || e->d_name[0] == '.' || fd <= 2 || fd == keep || fd == dfd)
			continue;
		close((int)fd);
	}
	closedir(d);
}

static void __attribute__((noreturn)) child_main(struct sidecar *sc, int fd, pid_t parent)
{
	struct sidecar_hdr h;
	struct buf reply;

	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent) /* the agent died before prctl took effect */
		_exit(0);
	child_close_inherited(fd);
	buf_init(&reply, sc->reply_max);
	for (;;) {
		char *req;
		int rc;

		if (read_all(fd, &h, sizeof(h), -1))
			break; /* the agent closed its end: we are done */
		if (h.magic != SIDECAR_MAGIC_REQ || h.len > sc->req_max)
			break; /* cannot happen between a process and its fork: stop, do not guess */
		req = malloc((size_t)h.len + 1);
		if (!req || read_all(fd, req, h.len, -1)) {
			free(req);
			break;
		}
		req[h.len] = '\0';
		buf_reset(&reply);
		rc = sc->serve(h.op, req, h.len, &reply);
		free(req);
		h.magic = SIDECAR_MAGIC_REPLY;
		h.op = (uint32_t)(int32_t)rc;
		h.len = (uint32_t)reply.len;
		if (write_all(fd, &h, sizeof(h)) ||
		    (reply.len && write_all(fd, reply.data, reply.len)))
			break;
	}
	buf_release(&reply);
	_exit(0); /* not exit(): the agent's atexit handlers and stdio are not ours */
}

/* --- the agent's side -------------------------------------------------------- */

static void list_remove(struct sidecar *sc)
{
	for (struct sidecar **p = &sidecar_running_list; *p; p = &(*p)->next) {
		if (*p == sc) {
			*p = sc->next;
			break;
		}
	}
	sc->next = NULL;
}

/* Reap the child: it exits on its own once the socket is closed; a child
 * that does not within a second is killed. */
static void reap(struct sidecar *sc, int kill_first)
{
	int status;

	if (kill_first)
		kill(sc->pid, SIGKILL);
	for (int i = 0; i < 100; i++) {
		pid_t r = waitpid(sc->pid, &status, WNOHANG);
		if (r == sc->pid || (r < 0 && errno != EINTR))
			goto out;
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	kill(sc->pid, SIGKILL);
	while (waitpid(sc->pid, &status, 0) < 0 && errno == EINTR)
		;
out:
	sc->pid = 0;
}

static void shut(struct sidecar *sc, int kill_first)
{
	if (!sc->pid)
		return;
	close(sc->fd);
	sc->fd = -1;
	reap(sc, kill_first);
	list_remove(sc);
}

static int start(struct sidecar *sc)
{
	int sv[2];
	pid_t parent = getpid(), pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		pl_err("cannot start the %s helper: socketpair: %s", sc->name, strerror(errno));
		return -PL_EIO;
	}
	fflush(NULL); /* or the child's exit would not, but a buffered line could be doubled */
	pid = fork();
	if (pid < 0) {
		pl_err("cannot start the %s helper: fork: %s", sc->name, strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return -PL_EIO;
	}
	if (pid == 0) {
		close(sv[0]);
		child_main(sc, sv[1], parent);
	}
	close(sv[1]);
	sc->pid = pid;
	sc->fd = sv[0];
	sc->gen++;
	sc->next = sidecar_running_list;
	sidecar_running_list = sc;
	pl_debug("%s helper started (pid %ld)", sc->name, (long)pid);
	return 0;
}

int sidecar_call(struct sidecar *sc, uint32_t op, const void *req, size_t len, struct buf *reply,
		 int timeout_ms)
{
	struct sidecar_hdr h = {.magic = SIDECAR_MAGIC_REQ, .op = op, .len = (uint32_t)len};
	struct buf scratch;
	int64_t deadline;
	int rc, status;

	if (!reply) { /* the caller wants the rc only */
		buf_init(&scratch, sc->reply_max);
		rc = sidecar_call(sc, op, req, len, &scratch, timeout_ms);
		buf_release(&scratch);
		return rc;
	}
	if (len > sc->req_max || len > UINT32_MAX)
		return -PL_ETOOBIG;
	/* a child that died while idle (killed, out of memory) is replaced before
	 * anything is sent, so that its death is not mistaken for this request's */
	if (sc->pid && waitpid(sc->pid, &status, WNOHANG) == sc->pid) {
		pl_warn("%s helper (pid %ld) had ended; starting a new one", sc->name,
			(long)sc->pid);
		shut(sc, 0); /* reaped already: shut's own waitpid finds no child */
	}
	if (!sc->pid && (rc = start(sc)))
		return rc;
	sc->last_use_ms = pl_monotonic_ms();
	rc = write_all(sc->fd, &h, sizeof(h));
	if (rc == 0 && len)
		rc = write_all(sc->fd, req, len);
	if (rc) {
		/* The child reads a whole request before acting on it, and it was
		 * waiting for one: a failed write means it never got this one. */
		pl_warn("%s helper: request not delivered: %s", sc->name, strerror(-rc));
		shut(sc, 1);
		return -PL_EIO;
	}
	deadline = pl_monotonic_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	rc = read_all(sc->fd, &h, sizeof(h), deadline);
	if (rc == 0 && (h.magic != SIDECAR_MAGIC_REPLY || h.len > sc->reply_max))
		rc = -PL_EPROTO;
	if (rc == 0) {
		buf_reset(reply);
		reply->max = sc->reply_max;
		if (h.len) {
			char *tmp = malloc(h.len);
			rc = tmp ? read_all(sc->fd, tmp, h.len, deadline) : -PL_ENOMEM;
			if (rc == 0)
				rc = buf_append(reply, tmp, h.len);
			free(tmp);
		}
	}
	sc->last_use_ms = pl_monotonic_ms();
	if (rc) {
		pl_warn("%s helper: no answer (%s); outcome unknown", sc->name,
			rc == -PL_ETIMEDOUT ? "timed out"
			: rc == -PL_EIO     ? "it ended"
					    : pl_strerror(rc));
		shut(sc, 1);
		return -PL_EUNKNOWN;
	}
	return (int)(int32_t)h.op;
}

void sidecar_hold(struct sidecar *sc)
{
	sc->holds++;
}

void sidecar_release(struct sidecar *sc)
{
	if (sc->holds > 0)
		sc->holds--;
	sc->last_use_ms = pl_monotonic_ms();
}

void sidecar_stop(struct sidecar *sc)
{
	shut(sc, 0);
}

void sidecar_idle(int idle_ms)
{
	int64_t now = pl_monotonic_ms();
	struct sidecar *sc = sidecar_running_list, *next;

	for (; sc; sc = next) {
		next = sc->next;
		if (sc->holds == 0 && now - sc->last_use_ms >= idle_ms) {
			pl_debug("%s helper idle for %lld ms: stopping it", sc->name,
				 (long long)(now - sc->last_use_ms));
			shut(sc, 0);
		}
	}
}

int sidecar_running(const struct sidecar *sc)
{
	return sc->pid != 0;
}
