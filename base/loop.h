/* SPDX-License-Identifier: Apache-2.0 */
/* base/loop.h - a small poll(2) event loop: fd watchers, timers, signals.
 *
 * `packline run` is built on it so that a scanner, a TUI and an HTTP server
 * can later join the same thread as fd watchers instead of each bringing its
 * own sleep. Everything is single-threaded: callbacks run on the thread that
 * calls loop_run(), one at a time, and may add/remove watchers and timers
 * (including their own).
 *
 * Signals go through a self-pipe: the handler writes the signal number to a
 * pipe the loop polls, so a callback never runs in signal context. Because a
 * callback can be busy for a long time (a batch of effects), loop_signal()
 * also takes a flag that the handler sets at once - long work checks it (the
 * journal's *stop) without waiting for the loop to come round. Signal
 * dispositions are process-wide: only one loop may watch signals at a time;
 * loop_free() restores the previous dispositions.
 *
 * Capacities are fixed (LOOP_MAX_*): adding beyond them is -PL_ENOMEM, never
 * a silent growth.
 *
 * Ownership: the loop owns only its pipe and its tables. It never closes a
 * watched fd and never frees a callback's arg.
 */
#ifndef PL_BASE_LOOP_H
#define PL_BASE_LOOP_H

#include <signal.h>
#include <stdint.h>

#define LOOP_MAX_FDS     32
#define LOOP_MAX_TIMERS  32
#define LOOP_MAX_SIGNALS 8

struct loop;

/* revents are poll(2) bits (POLLIN, POLLOUT, POLLERR, POLLHUP). */
typedef void loop_fd_fn(struct loop *l, int fd, short revents, void *arg);
/* A timer fires once; re-arm it from its callback for a period. */
typedef void loop_timer_fn(struct loop *l, void *arg);
typedef void loop_signal_fn(struct loop *l, int sig, void *arg);

/* 0, -PL_ENOMEM or -PL_EIO (no pipe). */
int loop_new(struct loop **out);
/* Restores signal dispositions, closes the self-pipe. NULL is fine. */
void loop_free(struct loop *l);

/* Watch fd for `events` (POLLIN/POLLOUT). One watcher per fd: watching an
 * fd again replaces its events/callback. 0, -PL_EINVAL, -PL_ENOMEM. */
int loop_watch_fd(struct loop *l, int fd, short events, loop_fd_fn *fn, void *arg);
/* Stop watching fd (no-op when not watched). */
void loop_unwatch_fd(struct loop *l, int fd);

/* Fire fn once after delay_ms (monotonic clock). Returns a timer id > 0,
 * or -PL_ENOMEM / -PL_EINVAL. */
int loop_timer_add(struct loop *l, int64_t delay_ms, loop_timer_fn *fn, void *arg);
/* Cancel a pending timer (no-op when it already fired). */
void loop_timer_cancel(struct loop *l, int id);

/* Catch `sig`: the handler sets *flag (may be NULL) to 1 immediately and
 * fn (may be NULL) runs from the loop afterwards. No SA_RESTART, so a
 * blocking call in a callback returns EINTR. 0, -PL_EINVAL, -PL_ENOMEM,
 * -PL_EBUSY (another loop owns the signals). */
int loop_signal(struct loop *l, int sig, volatile sig_atomic_t *flag, loop_signal_fn *fn,
		void *arg);

/* Dispatch until loop_stop(). 0 or -PL_EIO (poll failed). */
int loop_run(struct loop *l);
/* One round: wait up to max_wait_ms (-1: until something happens, capped
 * by the next timer), dispatch what is ready. 0 or -PL_EIO. */
int loop_run_once(struct loop *l, int max_wait_ms);
/* Make loop_run() return after the current callback. */
void loop_stop(struct loop *l);

#endif
