/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/test_sidecar.c - base/lazylib and base/sidecar: a library opened
 * on first use says clearly when it is missing; the sidecar answers, is
 * restarted when it died while idle, reports -PL_EUNKNOWN (never a retry)
 * when it dies or stalls holding a request, closes what it inherited, dies
 * with the agent, and is stopped when idle unless something is held in it. */
#include "base/err.h"
#include "base/lazylib.h"
#include "base/sidecar.h"
#include "tests/unit/check.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* --- lazylib --- */

static void test_lazylib(void)
{
	static const char *const m_names[] = {"cos", "sqrt"};
	static void *m_fns[2];
	static struct lazylib m = LAZYLIB_INIT("libm.so.6", "libc6", m_names, m_fns);
	static const char *const x_names[] = {"x"};
	static void *x_fns[1];
	static struct lazylib missing =
	    LAZYLIB_INIT("libpackline-nosuch.so.9", "packline-nosuch9", x_names, x_fns);
	static const char *const bad_names[] = {"cos", "packline_no_such_symbol"};
	static void *bad_fns[2];
	static struct lazylib badsym = LAZYLIB_INIT("libm.so.6", "libc6", bad_names, bad_fns);
	double (*sq)(double);

	CHECK_OK(lazylib_load(&m));
	CHECK_OK(lazylib_load(&m)); /* loaded once, then a no-op */
	sq = (double (*)(double))lazylib_fn(&m, 1);
	CHECK(sq(49.0) == 7.0);

	CHECK_INT(lazylib_load(&missing), -PL_ENOTSUP);
	CHECK(strstr(lazylib_error(&missing), "libpackline-nosuch.so.9") != NULL);
	CHECK(strstr(lazylib_error(&missing), "Debian package packline-nosuch9") != NULL);
	CHECK_INT(lazylib_load(&missing), -PL_ENOTSUP); /* tried again, still missing */

	CHECK_INT(lazylib_load(&badsym), -PL_ENOTSUP);
	CHECK(strstr(lazylib_error(&badsym), "has no packline_no_such_symbol") != NULL);
}

/* --- sidecar --- */

enum { OP_ECHO = 1, OP_DIE, OP_SLEEP, OP_FD_OPEN, OP_PID };

static int serve(uint32_t op, const void *req, size_t len, struct buf *reply)
{
	switch (op) {
	case OP_ECHO:
		return buf_append(reply, req, len) ? -PL_ENOMEM : (int)len == 3 ? -PL_ESTATE : 0;
	case OP_DIE:
		raise(SIGKILL); /* holding the request */
		return 0;
	case OP_SLEEP: {
		struct timespec ts = {3, 0};
		nanosleep(&ts, NULL);
		return 0;
	}
	case OP_FD_OPEN: { /* is descriptor *req open here? */
		int fd;
		memcpy(&fd, req, sizeof(fd));
		return fcntl(fd, F_GETFD) >= 0 ? 1 : 0;
	}
	case OP_PID: {
		pid_t p = getpid();
		return buf_append(reply, &p, sizeof(p)) ? -PL_ENOMEM : 0;
	}
	}
	return -PL_EPROTO;
}

static struct sidecar sc = SIDECAR_INIT("test", serve, 1024, 1024);

static pid_t child_pid(void)
{
	struct buf r;
	pid_t p = 0;

	buf_init(&r, 64);
	if (sidecar_call(&sc, OP_PID, "", 0, &r, 5000) == 0 && r.len == sizeof(p))
		memcpy(&p, r.data, sizeof(p));
	buf_release(&r);
	return p;
}

/* Gone: no such process, or a zombie waiting for a reaper (a container's
 * pid 1 may not reap the orphans it inherits). */
static bool gone(pid_t p)
{
	for (int i = 0; i < 200; i++) {
		char path[64], st[256];
		FILE *f;

		if (kill(p, 0) < 0 && errno == ESRCH)
			return true;
		snprintf(path, sizeof(path), "/proc/%ld/stat", (long)p);
		f = fopen(path, "r");
		if (f) {
			char *rp;
			size_t n = fread(st, 1, sizeof(st) - 1, f);
			fclose(f);
			st[n] = '\0';
			rp = strrchr(st, ')');
			if (rp && rp[1] == ' ' && rp[2] == 'Z')
				return true;
		}
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	return false;
}

static void test_calls(void)
{
	struct buf r;
	unsigned gen;
	pid_t p1, p2;
	char big[2048];

	buf_init(&r, 16);
	CHECK(!sidecar_running(&sc));
	/* a request and its answer; the handler's rc comes back with the reply */
	CHECK_OK(sidecar_call(&sc, OP_ECHO, "hello", 5, &r, 5000));
	CHECK_INT(r.len, 5);
	CHECK(memcmp(r.data, "hello", 5) == 0);
	CHECK_INT(sidecar_call(&sc, OP_ECHO, "abc", 3, &r, 5000), -PL_ESTATE);
	CHECK_INT(r.len, 3);
	CHECK(sidecar_running(&sc));
	p1 = child_pid();
	CHECK(p1 > 0 && p1 != getpid());
	CHECK_INT(child_pid(), p1); /* one child serves every call */

	/* too big: refused before anything is sent */
	memset(big, 'x', sizeof(big));
	CHECK_INT(sidecar_call(&sc, OP_ECHO, big, sizeof(big), &r, 5000), -PL_ETOOBIG);
	CHECK_INT(child_pid(), p1);

	/* killed while idle: replaced before the next request, which is served */
	gen = sidecar_gen(&sc);
	kill(p1, SIGKILL);
	{
		struct timespec ts = {0, 50 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	CHECK_OK(sidecar_call(&sc, OP_ECHO, "again", 5, &r, 5000));
	CHECK_INT(sidecar_gen(&sc), gen + 1);
	p2 = child_pid();
	CHECK(p2 > 0 && p2 != p1);

	/* dies holding a request: unknown outcome, no retry, not running after */
	CHECK_INT(sidecar_call(&sc, OP_DIE, "", 0, &r, 5000), -PL_EUNKNOWN);
	CHECK(!sidecar_running(&sc));
	CHECK(gone(p2));

	/* stalls past the timeout: unknown outcome, and the child is killed */
	p1 = child_pid();
	CHECK_INT(sidecar_call(&sc, OP_SLEEP, "", 0, &r, 200), -PL_EUNKNOWN);
	CHECK(!sidecar_running(&sc));
	CHECK(gone(p1));
	buf_release(&r);
}

static void test_fds(void)
{
	int pfd[2], fd;

	/* a descriptor the agent holds (a serial port, the database) is closed
	 * in the child, so the agent alone decides when it closes */
	CHECK_OK(pipe(pfd));
	sidecar_stop(&sc);
	fd = pfd[1];
	CHECK_INT(sidecar_call(&sc, OP_FD_OPEN, &fd, sizeof(fd), NULL, 5000), 0);
	fd = 2; /* stderr stays: the child logs there */
	CHECK_INT(sidecar_call(&sc, OP_FD_OPEN, &fd, sizeof(fd), NULL, 5000), 1);
	close(pfd[0]);
	close(pfd[1]);
}

static void test_idle(void)
{
	pid_t p;

	p = child_pid();
	CHECK(p > 0);
	sidecar_hold(&sc);
	sidecar_idle(0);
	CHECK(sidecar_running(&sc)); /* held: an open printer lives in it */
	sidecar_release(&sc);
	sidecar_idle(60000);
	CHECK(sidecar_running(&sc)); /* not idle long enough */
	sidecar_idle(0);
	CHECK(!sidecar_running(&sc));
	CHECK(gone(p));
	sidecar_stop(&sc); /* harmless when stopped */
}

/* The agent dies (kill -9, power button): its sidecar goes with it. */
static void test_dies_with_agent(void)
{
	int pfd[2];
	pid_t agent, side = 0;
	int status;

	CHECK_OK(pipe(pfd));
	agent = fork();
	if (agent == 0) {
		pid_t p;
		close(pfd[0]);
		p = child_pid();
		if (write(pfd[1], &p, sizeof(p)) != sizeof(p))
			_exit(1);
		raise(SIGKILL);
	}
	close(pfd[1]);
	CHECK_INT(read(pfd[0], &side, sizeof(side)), sizeof(side));
	close(pfd[0]);
	waitpid(agent, &status, 0);
	CHECK(WIFSIGNALED(status));
	CHECK(side > 0);
	CHECK(side > 0 && gone(side));
}

/* --- lanes: several threads on one sidecar --- */

struct lane_arg {
	unsigned lane;
	int calls, bad;
	pid_t pid;
	volatile int *slow_done; /* set by the slow caller when its call returns */
	int saw_slow_done;       /* a quick caller: whether the slow one had finished */
};

/* Each thread echoes its own frames many times: frames of two threads on
 * one socket would cross, and a reply would come back to the wrong one. */
static void *lane_echo(void *arg)
{
	struct lane_arg *a = arg;
	struct buf r;

	sidecar_use_lane(a->lane);
	buf_init(&r, 1024);
	a->pid = child_pid();
	for (int i = 0; i < a->calls; i++) {
		char msg[64];
		int n = snprintf(msg, sizeof(msg), "lane %u call %d ........", a->lane, i);
		if (sidecar_call(&sc, OP_ECHO, msg, (size_t)n, &r, 5000) != 0 ||
		    r.len != (size_t)n || memcmp(r.data, msg, (size_t)n) != 0)
			a->bad++;
	}
	a->saw_slow_done = a->slow_done ? *a->slow_done : 0;
	buf_release(&r);
	sidecar_stop(&sc);
	return NULL;
}

static void *lane_slow(void *arg)
{
	struct lane_arg *a = arg;

	sidecar_use_lane(a->lane);
	a->bad = sidecar_call(&sc, OP_SLEEP, "", 0, NULL, 10000) != 0;
	*a->slow_done = 1;
	return NULL;
}

static void test_lanes(void)
{
	pthread_t t[4], slow;
	struct lane_arg a[4];
	volatile int slow_done = 0;
	struct lane_arg s = {.lane = 5, .slow_done = &slow_done};

	sidecar_stop(&sc);
	CHECK_OK(pthread_create(&slow, NULL, lane_slow, &s));
	for (unsigned i = 0; i < 4; i++) {
		a[i] = (struct lane_arg){.lane = i + 1, .calls = 300, .slow_done = &slow_done};
		CHECK_OK(pthread_create(&t[i], NULL, lane_echo, &a[i]));
	}
	/* the idle sweep on this thread never stops a lane in a call */
	for (int i = 0; i < 50; i++) {
		struct timespec ts = {0, 2 * 1000 * 1000};
		sidecar_idle(0);
		nanosleep(&ts, NULL);
	}
	for (unsigned i = 0; i < 4; i++) {
		CHECK_OK(pthread_join(t[i], NULL));
		CHECK_INT(a[i].bad, 0);
		CHECK(a[i].pid > 0);
		for (unsigned k = 0; k < i; k++)
			CHECK(a[i].pid != a[k].pid); /* each lane its own child */
		/* 300 calls done while the 3-second call of lane 5 was still out:
		 * one slow call does not hold up the other lanes */
		CHECK_INT(a[i].saw_slow_done, 0);
	}
	CHECK_OK(pthread_join(slow, NULL));
	CHECK_INT(s.bad, 0);
	sidecar_idle(0);
	CHECK(!sidecar_running(&sc));
}

int main(void)
{
	test_lazylib();
	test_calls();
	test_fds();
	test_idle();
	test_dies_with_agent();
	test_lanes();
	return check_done("test_sidecar");
}
