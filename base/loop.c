/* SPDX-License-Identifier: Apache-2.0 */
/* base/loop.c - poll(2) loop with a self-pipe for signals. */
#include "base/loop.h"
#include "base/clock.h"
#include "base/err.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct loop_fdw {
	int fd;
	short events;
	loop_fd_fn *fn;
	void *arg;
};

struct loop_timer {
	int id; /* 0: free slot */
	int64_t due_ms;
	loop_timer_fn *fn;
	void *arg;
};

struct loop_sig {
	int sig; /* 0: free slot */
	loop_signal_fn *fn;
	void *arg;
	struct sigaction old;
};

struct loop {
	struct loop_fdw fds[LOOP_MAX_FDS];
	size_t nfds;
	struct loop_timer timers[LOOP_MAX_TIMERS];
	int next_timer_id;
	struct loop_sig sigs[LOOP_MAX_SIGNALS];
	int pipe_rd, pipe_wr;
	bool stop;
};

/* Signal state is process-wide, so the handler finds it here, not in the
 * loop: the write end of the owner's pipe and each signal's flag. */
static struct loop *sig_owner;
static volatile sig_atomic_t sig_pipe_wr = -1;
static volatile sig_atomic_t *sig_flags[NSIG];

static void on_signal(int sig)
{
	int saved = errno; /* the interrupted code may be about to read errno */
	unsigned char b = (unsigned char)sig;

	if (sig > 0 && sig < NSIG && sig_flags[sig])
		*sig_flags[sig] = 1;
	if (sig_pipe_wr >= 0) {
		/* a full pipe drops the byte: the flag and an earlier byte for
		 * the same signal are already pending, nothing is lost */
		ssize_t w = write(sig_pipe_wr, &b, 1);
		(void)w;
	}
	errno = saved;
}

static int set_flags(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		return -PL_EIO;
	return 0;
}

int loop_new(struct loop **out)
{
	struct loop *l = calloc(1, sizeof(*l));
	int p[2];

	*out = NULL;
	if (!l)
		return -PL_ENOMEM;
	if (pipe(p) != 0) {
		free(l);
		return -PL_EIO;
	}
	l->pipe_rd = p[0];
	l->pipe_wr = p[1];
	if (set_flags(p[0]) || set_flags(p[1])) {
		loop_free(l);
		return -PL_EIO;
	}
	l->next_timer_id = 1;
	*out = l;
	return 0;
}

void loop_free(struct loop *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < LOOP_MAX_SIGNALS; i++) {
		if (!l->sigs[i].sig)
			continue;
		sigaction(l->sigs[i].sig, &l->sigs[i].old, NULL);
		sig_flags[l->sigs[i].sig] = NULL;
	}
	if (sig_owner == l) {
		sig_owner = NULL;
		sig_pipe_wr = -1;
	}
	close(l->pipe_rd);
	close(l->pipe_wr);
	free(l);
}

int loop_watch_fd(struct loop *l, int fd, short events, loop_fd_fn *fn, void *arg)
{
	if (fd < 0 || !fn)
		return -PL_EINVAL;
	for (size_t i = 0; i < l->nfds; i++) {
		if (l->fds[i].fd == fd) {
			l->fds[i] = (struct loop_fdw){fd, events, fn, arg};
			return 0;
		}
	}
	if (l->nfds == LOOP_MAX_FDS)
		return -PL_ENOMEM;
	l->fds[l->nfds++] = (struct loop_fdw){fd, events, fn, arg};
	return 0;
}

void loop_unwatch_fd(struct loop *l, int fd)
{
	for (size_t i = 0; i < l->nfds; i++) {
		if (l->fds[i].fd == fd) {
			l->fds[i] = l->fds[--l->nfds];
			return;
		}
	}
}

int loop_timer_add(struct loop *l, int64_t delay_ms, loop_timer_fn *fn, void *arg)
{
	if (!fn || delay_ms < 0)
		return -PL_EINVAL;
	for (size_t i = 0; i < LOOP_MAX_TIMERS; i++) {
		struct loop_timer *t = &l->timers[i];
		if (t->id)
			continue;
		t->id = l->next_timer_id++;
		if (l->next_timer_id <= 0) /* wrapped: ids stay > 0 */
			l->next_timer_id = 1;
		t->due_ms = pl_monotonic_ms() + delay_ms;
		t->fn = fn;
		t->arg = arg;
		return t->id;
	}
	return -PL_ENOMEM;
}

void loop_timer_cancel(struct loop *l, int id)
{
	for (size_t i = 0; i < LOOP_MAX_TIMERS && id > 0; i++)
		if (l->timers[i].id == id)
			l->timers[i].id = 0;
}

int loop_signal(struct loop *l, int sig, volatile sig_atomic_t *flag, loop_signal_fn *fn, void *arg)
{
	struct loop_sig *slot = NULL;
	struct sigaction sa;

	if (sig <= 0 || sig >= NSIG)
		return -PL_EINVAL;
	if (sig_owner && sig_owner != l)
		return -PL_EBUSY;
	for (size_t i = 0; i < LOOP_MAX_SIGNALS; i++) {
		if (l->sigs[i].sig == sig) {
			slot = &l->sigs[i];
			break;
		}
		if (!slot && !l->sigs[i].sig)
			slot = &l->sigs[i];
	}
	if (!slot)
		return -PL_ENOMEM;
	sig_owner = l;
	sig_pipe_wr = l->pipe_wr;
	sig_flags[sig] = flag;
	slot->fn = fn;
	slot->arg = arg;
	if (slot->sig == sig)
		return 0; /* handler already installed: keep the first saved disposition */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: blocking calls wake up */
	sigemptyset(&sa.sa_mask);
	if (sigaction(sig, &sa, &slot->old) != 0) {
		sig_flags[sig] = NULL;
		return -PL_EINVAL;
	}
	slot->sig = sig;
	return 0;
}

static void drain_signals(struct loop *l)
{
	unsigned char buf[64];
	ssize_t n;

	while ((n = read(l->pipe_rd, buf, sizeof(buf))) > 0) {
		for (ssize_t k = 0; k < n; k++) {
			for (size_t i = 0; i < LOOP_MAX_SIGNALS; i++) {
				struct loop_sig *s = &l->sigs[i];
				if (s->sig == buf[k] && s->fn)
					s->fn(l, s->sig, s->arg);
			}
		}
	}
}

static int next_wait(const struct loop *l, int max_wait_ms)
{
	int64_t now = pl_monotonic_ms();
	int64_t wait = max_wait_ms < 0 ? INT32_MAX : max_wait_ms;

	for (size_t i = 0; i < LOOP_MAX_TIMERS; i++) {
		if (!l->timers[i].id)
			continue;
		int64_t d = l->timers[i].due_ms - now;
		if (d < wait)
			wait = d < 0 ? 0 : d;
	}
	return (int)wait;
}

static void fire_timers(struct loop *l)
{
	int64_t now = pl_monotonic_ms();

	/* a timer added by a callback here waits for the next round, so a
	 * zero-delay re-arm cannot spin this loop forever */
	int limit = l->next_timer_id;
	for (size_t i = 0; i < LOOP_MAX_TIMERS && !l->stop; i++) {
		struct loop_timer *t = &l->timers[i];
		if (!t->id || t->due_ms > now || t->id >= limit)
			continue;
		loop_timer_fn *fn = t->fn;
		void *arg = t->arg;
		t->id = 0; /* one-shot: free before the call so it can re-arm */
		fn(l, arg);
	}
}

int loop_run_once(struct loop *l, int max_wait_ms)
{
	struct pollfd pfd[LOOP_MAX_FDS + 1];
	struct loop_fdw snap[LOOP_MAX_FDS];
	size_t n = l->nfds;
	int rc;

	pfd[0] = (struct pollfd){.fd = l->pipe_rd, .events = POLLIN};
	for (size_t i = 0; i < n; i++) {
		snap[i] = l->fds[i];
		pfd[i + 1] = (struct pollfd){.fd = snap[i].fd, .events = snap[i].events};
	}
	rc = poll(pfd, n + 1, next_wait(l, max_wait_ms));
	if (rc < 0 && errno != EINTR)
		return -PL_EIO;
	/* signals first: a stop request wins over the work that is ready */
	drain_signals(l);
	for (size_t i = 0; rc > 0 && i < n && !l->stop; i++) {
		if (!pfd[i + 1].revents)
			continue;
		/* a callback may have unwatched this fd meanwhile */
		bool still = false;
		for (size_t k = 0; k < l->nfds; k++)
			if (l->fds[k].fd == snap[i].fd && l->fds[k].fn == snap[i].fn)
				still = true;
		if (still)
			snap[i].fn(l, snap[i].fd, pfd[i + 1].revents, snap[i].arg);
	}
	if (!l->stop)
		fire_timers(l);
	return 0;
}

int loop_run(struct loop *l)
{
	int rc = 0;

	l->stop = false;
	while (!l->stop && !rc)
		rc = loop_run_once(l, -1);
	return rc;
}

void loop_stop(struct loop *l)
{
	l->stop = true;
}
