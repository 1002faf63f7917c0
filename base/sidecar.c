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
#include <pthread.h>
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

static pthread_mutex_t list_mu = PTHREAD_MUTEX_INITIALIZER;
static struct sidecar *sidecar_list; /* every sidecar ever started; never shrinks */
static _Thread_local unsigned my_lane;

void sidecar_use_lane(unsigned lane)
{
	my_lane = lane % SIDECAR_LANES;
}

static void list_add(struct sidecar *sc)
{
	pthread_mutex_lock(&list_mu);
	if (!sc->listed) {
		sc->listed = 1;
		sc->next = sidecar_list;
		sidecar_list = sc;
	}
	pthread_mutex_unlock(&list_mu);
}

/* Reap the child: it exits on its own once the socket is closed; a child
 * that does not within a second is killed. */
static void reap(pid_t pid, int kill_first)
{
	int status;

	if (kill_first)
		kill(pid, SIGKILL);
	for (int i = 0; i < 100; i++) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid || (r < 0 && errno != EINTR))
			return;
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
}

/* Close the lane's socket and reap its child. The caller owns the lane:
 * it is in a call on it (busy), or it took it under sc->mu with busy 0. */
static void shut(struct sidecar_lane *ln, int kill_first)
{
	if (!ln->pid)
		return;
	close(ln->fd);
	ln->fd = -1;
	reap(ln->pid, kill_first);
	ln->pid = 0;
}

static int start(struct sidecar *sc, struct sidecar_lane *ln)
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
	ln->pid = pid;
	ln->fd = sv[0];
	ln->gen++;
	list_add(sc);
	pl_debug("%s helper started (pid %ld, lane %u)", sc->name, (long)pid, my_lane);
	return 0;
}

/* One exchange on a lane the caller owns (busy). */
static int lane_call(struct sidecar *sc, struct sidecar_lane *ln, uint32_t op, const void *req,
		     size_t len, struct buf *reply, int timeout_ms)
{
	struct sidecar_hdr h = {.magic = SIDECAR_MAGIC_REQ, .op = op, .len = (uint32_t)len};
	int64_t deadline;
	int rc, status;

	/* a child that died while idle (killed, out of memory) is replaced before
	 * anything is sent, so that its death is not mistaken for this request's */
	if (ln->pid && waitpid(ln->pid, &status, WNOHANG) == ln->pid) {
		pl_warn("%s helper (pid %ld) had ended; starting a new one", sc->name,
			(long)ln->pid);
		close(ln->fd); /* reaped already */
		ln->fd = -1;
		ln->pid = 0;
	}
	if (!ln->pid && (rc = start(sc, ln)))
		return rc;
	rc = write_all(ln->fd, &h, sizeof(h));
	if (rc == 0 && len)
		rc = write_all(ln->fd, req, len);
	if (rc) {
		/* The child reads a whole request before acting on it, and it was
		 * waiting for one: a failed write means it never got this one. */
		pl_warn("%s helper: request not delivered: %s", sc->name, strerror(-rc));
		shut(ln, 1);
		return -PL_EIO;
	}
	deadline = pl_monotonic_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	rc = read_all(ln->fd, &h, sizeof(h), deadline);
	if (rc == 0 && (h.magic != SIDECAR_MAGIC_REPLY || h.len > sc->reply_max))
		rc = -PL_EPROTO;
	if (rc == 0) {
		buf_reset(reply);
		reply->max = sc->reply_max;
		if (h.len) {
			char *tmp = malloc(h.len);
			rc = tmp ? read_all(ln->fd, tmp, h.len, deadline) : -PL_ENOMEM;
			if (rc == 0)
				rc = buf_append(reply, tmp, h.len);
			free(tmp);
		}
	}
	if (rc) {
		pl_warn("%s helper: no answer (%s); outcome unknown", sc->name,
			rc == -PL_ETIMEDOUT ? "timed out"
			: rc == -PL_EIO     ? "it ended"
					    : pl_strerror(rc));
		shut(ln, 1);
		return -PL_EUNKNOWN;
	}
	return (int)(int32_t)h.op;
}

int sidecar_call(struct sidecar *sc, uint32_t op, const void *req, size_t len, struct buf *reply,
		 int timeout_ms)
{
	struct sidecar_lane *ln = &sc->lane[my_lane];
	struct buf scratch;
	int rc;

	if (len > sc->req_max || len > UINT32_MAX)
		return -PL_ETOOBIG;
	if (!reply) /* the caller wants the rc only */
		buf_init(&scratch, sc->reply_max);
	pthread_mutex_lock(&sc->mu);
	/* only this thread calls on its lane; busy keeps sidecar_idle() and
	 * sidecar_stop() on other threads off the socket meanwhile */
	ln->busy = 1;
	ln->last_use_ms = pl_monotonic_ms();
	pthread_mutex_unlock(&sc->mu);
	rc = lane_call(sc, ln, op, req, len, reply ? reply : &scratch, timeout_ms);
	pthread_mutex_lock(&sc->mu);
	ln->busy = 0;
	ln->last_use_ms = pl_monotonic_ms();
	pthread_mutex_unlock(&sc->mu);
	if (!reply)
		buf_release(&scratch);
	return rc;
}

void sidecar_hold(struct sidecar *sc)
{
	pthread_mutex_lock(&sc->mu);
	sc->lane[my_lane].holds++;
	pthread_mutex_unlock(&sc->mu);
}

void sidecar_release(struct sidecar *sc)
{
	struct sidecar_lane *ln = &sc->lane[my_lane];

	pthread_mutex_lock(&sc->mu);
	if (ln->holds > 0)
		ln->holds--;
	ln->last_use_ms = pl_monotonic_ms();
	pthread_mutex_unlock(&sc->mu);
}

/* Stop the lanes of sc that are not in a call and (idle_ms >= 0) have no
 * holds and have been idle that long. The socket is closed under the mutex;
 * the reap (up to a second) too, which only delays another lane's next
 * call by that much - rare, and simpler than a two-step hand-over. */
static void stop_lanes(struct sidecar *sc, int idle_ms)
{
	int64_t now = pl_monotonic_ms();

	pthread_mutex_lock(&sc->mu);
	for (unsigned i = 0; i < SIDECAR_LANES; i++) {
		struct sidecar_lane *ln = &sc->lane[i];

		if (!ln->pid || ln->busy)
			continue;
		if (idle_ms >= 0) {
			if (ln->holds || now - ln->last_use_ms < idle_ms)
				continue;
			pl_debug("%s helper idle for %lld ms: stopping it", sc->name,
				 (long long)(now - ln->last_use_ms));
		}
		shut(ln, 0);
	}
	pthread_mutex_unlock(&sc->mu);
}

void sidecar_stop(struct sidecar *sc)
{
	stop_lanes(sc, -1);
}

void sidecar_idle(int idle_ms)
{
	struct sidecar *sc;

	pthread_mutex_lock(&list_mu);
	sc = sidecar_list;
	pthread_mutex_unlock(&list_mu);
	/* the list only grows at its head: what we walk from here stays valid */
	for (; sc; sc = sc->next)
		stop_lanes(sc, idle_ms < 0 ? 0 : idle_ms);
}

int sidecar_running(struct sidecar *sc)
{
	return sidecar_pid(sc) != 0;
}

/* The calling thread's lane as it is now. */
static struct sidecar_lane lane_now(struct sidecar *sc)
{
	struct sidecar_lane ln;

	pthread_mutex_lock(&sc->mu);
	ln = sc->lane[my_lane];
	pthread_mutex_unlock(&sc->mu);
	return ln;
}

pid_t sidecar_pid(struct sidecar *sc)
{
	return lane_now(sc).pid;
}

unsigned sidecar_gen(struct sidecar *sc)
{
	return lane_now(sc).gen;
}
