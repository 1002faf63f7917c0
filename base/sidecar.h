/* SPDX-License-Identifier: Apache-2.0 */
/* base/sidecar.h - a forked helper process for the heavy libraries.
 *
 * Why: libcurl (with OpenSSL) and libcups cost 5-8 MB of resident memory
 * once loaded and initialised, and neither can be unloaded again (OpenSSL
 * pins itself; dlclose of libcups leaks). The idle agent must stay under
 * 8 MB on a handheld, so the code that needs them runs in a sidecar: a child
 * fork()ed from the agent on first use, which loads the library (lazylib.h),
 * serves requests over a socketpair, and is stopped when it has been idle for
 * a while (sidecar_idle(), called by the agent's loop) - its memory goes
 * back with it. While packing, the sidecar stays up, so connections and the
 * library are reused. The child is a fork, not an exec: it runs the same
 * code, so requests carry plain structs, and it works in unit tests too.
 *
 * Exactly-once: a call's outcome is one of
 *   the handler's own rc  the child ran the request and answered;
 *   -PL_EIO               the request never reached the child (it could not
 *                         start, or was found dead before the request was
 *                         written) - nothing happened, safe to do again;
 *   -PL_EUNKNOWN          the request was handed over but no answer came (the
 *                         child died or passed `timeout_ms`; it is then
 *                         killed) - the side effect may have happened: ask
 *                         the device or service, never just repeat it.
 * There is no automatic retry of a delivered request.
 *
 * The child: ignores SIGINT/SIGTERM (a stopping agent finishes the request
 * in hand), dies with the agent (PR_SET_PDEATHSIG), closes every descriptor
 * it inherited except its socket and stdio (a serial port or database held
 * open by a child would outlive the agent's own close), and exits when its
 * socket closes. Every frame is capped: req_max/reply_max bytes.
 *
 * Threads: each thread calls through its own LANE of a sidecar - its own
 * child and socket (sidecar_use_lane(); the journal's pool workers take
 * lanes 1..N, every other thread lane 0). So two workers never interleave
 * frames on one socket, and a slow call (a label printing, a service timing
 * out) holds up only its own thread, not the other workers' calls. Objects
 * a child holds (an open printer) belong to the lane that opened them. The
 * lanes' bookkeeping is under the sidecar's mutex, so sidecar_idle() and
 * sidecar_stop() may run on any thread: a lane in a call is never stopped.
 * A child forked from a threaded agent has only the forking thread: its
 * serve function must not need state or locks of the others (the store,
 * a printer); glibc makes malloc safe in such a child.
 */
#ifndef PL_BASE_SIDECAR_H
#define PL_BASE_SIDECAR_H

#include "base/buf.h"

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Runs in the child: answer request `op` (req, len) into `reply`; the int
 * is returned to the caller of sidecar_call() (0 or -PL_E*). */
typedef int (*sidecar_serve_fn)(uint32_t op, const void *req, size_t len, struct buf *reply);

/* Lane 0 and one per journal pool worker (at most 8, agent/cli.c). */
#define SIDECAR_LANES 9

struct sidecar_lane {        /* private; zero-initialised */
	unsigned gen;        /* +1 at each start: objects of an older child are gone */
	pid_t pid;           /* 0 = not running */
	int fd;              /* our end of the socketpair */
	int holds;           /* objects living in the child (open printers) */
	int busy;            /* a call is under way: its thread owns fd */
	int64_t last_use_ms; /* monotonic */
};

struct sidecar {
	const char *name;       /* "http", "cups": in log lines */
	sidecar_serve_fn serve; /* runs in the child */
	size_t req_max;         /* cap on a request's payload */
	size_t reply_max;       /* cap on a reply's payload */
	/* private; zero-initialised but the mutex */
	pthread_mutex_t mu; /* the lanes' pid, holds, busy, last_use_ms */
	struct sidecar_lane lane[SIDECAR_LANES];
	int listed;           /* on the list sidecar_idle() walks */
	struct sidecar *next; /* that list */
};

#define SIDECAR_INIT(name_, serve_, req_max_, reply_max_)                                          \
	{                                                                                          \
		.name = (name_), .serve = (serve_), .req_max = (req_max_),                         \
		.reply_max = (reply_max_), .mu = PTHREAD_MUTEX_INITIALIZER                         \
	}

/* Default idle time before sidecar_idle() stops a sidecar. */
#define SIDECAR_IDLE_MS 30000

/* The calling thread uses lane `lane` (taken modulo SIDECAR_LANES) of every
 * sidecar from now on; a thread that never calls this uses lane 0. */
void sidecar_use_lane(unsigned lane);

/* Send request `op` on the calling thread's lane and wait up to timeout_ms
 * for the reply, which replaces reply's content (reply->max is raised to
 * reply_max; NULL = rc only). Starts the lane's child when it is not
 * running. Returns as described above; -PL_ETOOBIG for a request over
 * req_max (not sent). */
int sidecar_call(struct sidecar *sc, uint32_t op, const void *req, size_t len, struct buf *reply,
		 int timeout_ms);

/* The caller keeps an object in its lane's child (hold) or has let it go
 * (release): a held lane is never stopped for being idle. If the child
 * dies, its objects die with it; the caller's next call on them fails. */
void sidecar_hold(struct sidecar *sc);
void sidecar_release(struct sidecar *sc);

/* Stop the children of every lane not in a call (close the socket, reap
 * it). Safe when not running. */
void sidecar_stop(struct sidecar *sc);
/* Stop every lane of every sidecar idle for idle_ms or longer, with no
 * holds and no call under way. Any thread. */
void sidecar_idle(int idle_ms);
/* The calling thread's lane: whether its child runs (tests, `status`), its
 * pid (0 = none), its generation (an object opened in the child records
 * it; another value later means that child is gone). */
int sidecar_running(struct sidecar *sc);
pid_t sidecar_pid(struct sidecar *sc);
unsigned sidecar_gen(struct sidecar *sc);

#endif
