/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/test_loop.c - base/loop: timers, fd watchers, signals, caps. */
#include "base/clock.h"
#include "base/err.h"
#include "base/loop.h"
#include "check.h"

#include <poll.h>
#include <signal.h>
#include <unistd.h>

static char order[16];
static size_t norder;

static void tick(struct loop *l, void *arg)
{
	(void)l;
	if (norder < sizeof(order) - 1)
		order[norder++] = *(const char *)arg;
}

static void tick_stop(struct loop *l, void *arg)
{
	tick(l, arg);
	loop_stop(l);
}

static int rearms;
static void periodic(struct loop *l, void *arg)
{
	(void)arg;
	if (++rearms < 3)
		CHECK(loop_timer_add(l, 0, periodic, NULL) > 0);
	else
		loop_stop(l);
}

static void test_timers(void)
{
	struct loop *l;
	static const char a = 'a', b = 'b', c = 'c', x = 'x';
	int64_t t0;

	CHECK_OK(loop_new(&l));
	norder = 0;
	CHECK(loop_timer_add(l, 60, tick_stop, (void *)&c) > 0);
	CHECK(loop_timer_add(l, 10, tick, (void *)&a) > 0);
	CHECK(loop_timer_add(l, 30, tick, (void *)&b) > 0);
	int id = loop_timer_add(l, 20, tick, (void *)&x);
	CHECK(id > 0);
	loop_timer_cancel(l, id);
	t0 = pl_monotonic_ms();
	CHECK_OK(loop_run(l));
	order[norder] = 0;
	CHECK_STR(order, "abc"); /* in due order, the cancelled one never */
	CHECK(pl_monotonic_ms() - t0 >= 55);
	CHECK(pl_monotonic_ms() - t0 < 2000);

	/* re-arming from the callback, one firing per round */
	rearms = 0;
	CHECK(loop_timer_add(l, 0, periodic, NULL) > 0);
	CHECK_OK(loop_run(l));
	CHECK_INT(rearms, 3);

	/* hard cap */
	int last = 0;
	for (int i = 0; i < LOOP_MAX_TIMERS; i++)
		last = loop_timer_add(l, 100000, tick, (void *)&a);
	CHECK(last > 0);
	CHECK_INT(loop_timer_add(l, 1, tick, (void *)&a), -PL_ENOMEM);
	CHECK_INT(loop_timer_add(l, -1, tick, (void *)&a), -PL_EINVAL);
	loop_free(l);
}

static int got_fd;
static void on_readable(struct loop *l, int fd, short revents, void *arg)
{
	char buf[8];
	(void)arg;
	CHECK(revents & POLLIN);
	CHECK_INT(read(fd, buf, sizeof(buf)), 2);
	got_fd++;
	loop_unwatch_fd(l, fd);
	loop_stop(l);
}

static void test_fds(void)
{
	struct loop *l;
	int p[2];

	CHECK_OK(loop_new(&l));
	CHECK_OK(pipe(p));
	CHECK_OK(loop_watch_fd(l, p[0], POLLIN, on_readable, NULL));
	/* nothing readable: a round with a timeout dispatches nothing */
	CHECK_OK(loop_run_once(l, 20));
	CHECK_INT(got_fd, 0);
	CHECK_INT(write(p[1], "hi", 2), 2);
	CHECK_OK(loop_run(l));
	CHECK_INT(got_fd, 1);
	/* unwatched: more data does not call it again */
	CHECK_INT(write(p[1], "hi", 2), 2);
	CHECK_OK(loop_run_once(l, 20));
	CHECK_INT(got_fd, 1);
	CHECK_INT(loop_watch_fd(l, -1, POLLIN, on_readable, NULL), -PL_EINVAL);
	for (int i = 0; i < LOOP_MAX_FDS; i++)
		CHECK_OK(loop_watch_fd(l, 100 + i, POLLIN, on_readable, NULL));
	CHECK_INT(loop_watch_fd(l, p[0], POLLIN, on_readable, NULL), -PL_ENOMEM);
	loop_free(l);
	close(p[0]);
	close(p[1]);
}

static volatile sig_atomic_t usr1_flag;
static int usr1_calls;
static void on_usr1(struct loop *l, int sig, void *arg)
{
	(void)arg;
	CHECK_INT(sig, SIGUSR1);
	usr1_calls++;
	loop_stop(l);
}

static void test_signals(void)
{
	struct loop *l, *other;
	struct sigaction now;

	CHECK_OK(loop_new(&l));
	CHECK_OK(loop_signal(l, SIGUSR1, &usr1_flag, on_usr1, NULL));
	raise(SIGUSR1);
	/* the flag is set in the handler, before the loop runs */
	CHECK_INT(usr1_flag, 1);
	CHECK_INT(usr1_calls, 0);
	CHECK(loop_timer_add(l, 5000, tick, (void *)"z") > 0);
	int64_t t0 = pl_monotonic_ms();
	CHECK_OK(loop_run(l));
	CHECK_INT(usr1_calls, 1);
	CHECK(pl_monotonic_ms() - t0 < 2000); /* woke up for the signal, not the timer */
	/* one owner of the process-wide signals */
	CHECK_OK(loop_new(&other));
	CHECK_INT(loop_signal(other, SIGUSR2, NULL, NULL, NULL), -PL_EBUSY);
	loop_free(other);
	CHECK_INT(loop_signal(l, 0, NULL, NULL, NULL), -PL_EINVAL);
	loop_free(l);
	/* the old disposition is back */
	CHECK_OK(sigaction(SIGUSR1, NULL, &now));
	CHECK(now.sa_handler == SIG_DFL);
}

int main(void)
{
	test_timers();
	test_fds();
	test_signals();
	return check_done("test_loop");
}
