/* SPDX-License-Identifier: Apache-2.0 */
/* journal/journal.c - claim, look up, prepare, perform, settle (journal.h).
 *
 * Layout: the engine and its owner identity; the lease keeper thread; the
 * helpers effects call; one job's run (journal_work_one); the loops.
 * Over ~800 lines on purpose: claim, lookup, prepare, perform and settle
 * share the private struct journal_job and its CAS bookkeeping, and split
 * across files they would need that struct in a private header; the worker
 * pool, which needs none of it, is already apart (journal_worker.c).
 */
#include "journal/journal.h"
#include "base/err.h"
#include "base/log.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define JOURNAL_MAX_EFFECTS 16
/* A request or evidence longer than this was not written by us. */
#define JOURNAL_JSON_CAP (1u << 20)
/* How long journal_work_ids sleeps between looks at jobs other owners hold. */
#define JOURNAL_WAIT_MS 40
/* An unanswered lookup is asked again after this long. */
#define JOURNAL_RETRY_MS 3000
/* New attempts after "definitely not done" before the job is failed. */
#define JOURNAL_MAX_ATTEMPTS 8

struct effect {
	const struct journal_effect_ops *ops;
	void *arg;
};

/* The lease keeper: its own store connection (a SQLite connection belongs
 * to one thread), renewing the claim the worker holds while an effect runs,
 * so a slow device never lets a live owner's lease lapse. */
struct keeper {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct store *st;
	int64_t job_id; /* 0 = nothing held */
	bool stop, running;
};

struct journal {
	struct store *st;
	char station[32];
	char owner[80];
	int64_t lease_ms;
	struct effect fx[JOURNAL_MAX_EFFECTS];
	size_t nfx;
	const char *kinds[JOURNAL_MAX_EFFECTS];
	struct keeper keeper;
};

struct journal_job {
	struct journal *j;
	const struct effect *fx;
	struct job job;
	cJSON *req, *ev;
	void *state;
	bool settled, recovered;
	char message[256];
};

/* --- identity -------------------------------------------------------------- */

static void make_nonce(char *out, size_t cap)
{
	unsigned char b[6] = {0};
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	struct timespec ts;

	if (fd >= 0) {
		if (read(fd, b, sizeof(b)) != (ssize_t)sizeof(b))
			memset(b, 0, sizeof(b));
		close(fd);
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	b[0] ^= (unsigned char)ts.tv_nsec;
	b[1] ^= (unsigned char)(ts.tv_nsec >> 8);
	b[2] ^= (unsigned char)(uintptr_t)out;
	snprintf(out, cap, "%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5]);
}

/* "station:pid:nonce" of another engine: gone when it is on this station
 * and its process no longer exists. A reused pid looks alive: then the
 * lease has to lapse, which is slower but never wrong. */
static bool owner_gone(const char *owner, void *arg)
{
	const struct journal *j = arg;
	const char *nonce = strrchr(owner, ':');
	const char *p;
	char station[sizeof(j->station)];
	long pid;
	char *end;
	size_t n;

	if (!nonce || nonce == owner)
		return false;
	for (p = nonce - 1; p > owner && *p != ':'; p--)
		;
	if (*p != ':')
		return false;
	n = (size_t)(p - owner);
	if (n >= sizeof(station))
		return false;
	memcpy(station, owner, n);
	station[n] = '\0';
	if (strcmp(station, j->station) != 0)
		return false;
	errno = 0;
	pid = strtol(p + 1, &end, 10);
	if (end != nonce || pid <= 0 || errno)
		return false;
	if (pid == (long)getpid())
		return false; /* another engine of this process: alive */
	return kill((pid_t)pid, 0) == -1 && errno == ESRCH;
}

/* --- the lease keeper ------------------------------------------------------ */

static void *keeper_main(void *arg)
{
	struct journal *j = arg;
	struct keeper *k = &j->keeper;

	pthread_mutex_lock(&k->mu);
	while (!k->stop) {
		struct timespec ts;
		int64_t id = k->job_id;

		if (id) {
			pthread_mutex_unlock(&k->mu);
			if (store_job_renew(k->st, id, j->owner, j->lease_ms) < 0)
				pl_warn("job %lld: lease not renewed", (long long)id);
			pthread_mutex_lock(&k->mu);
		}
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += j->lease_ms / 3000;
		ts.tv_nsec += (long)(j->lease_ms / 3 % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		if (!k->stop)
			pthread_cond_timedwait(&k->cv, &k->mu, &ts);
	}
	pthread_mutex_unlock(&k->mu);
	return NULL;
}

static void keeper_hold(struct journal *j, int64_t id)
{
	if (!j->keeper.running)
		return;
	pthread_mutex_lock(&j->keeper.mu);
	j->keeper.job_id = id;
	pthread_mutex_unlock(&j->keeper.mu);
}

/* --- the engine ------------------------------------------------------------ */

int journal_open(struct journal **out, struct store *st, const struct journal_cfg *cfg)
{
	struct journal *j;
	char nonce[16];
	int rc = 0;

	*out = NULL;
	if (!st)
		return -PL_EINVAL;
	j = calloc(1, sizeof(*j));
	if (!j)
		return -PL_ENOMEM;
	j->st = st;
	snprintf(j->station, sizeof(j->station), "%s",
		 cfg && cfg->station && cfg->station[0] ? cfg->station : "station");
	/* ':' separates the owner's fields */
	for (char *p = j->station; *p; p++)
		if (*p == ':')
			*p = '_';
	j->lease_ms = cfg && cfg->lease_ms > 0 ? cfg->lease_ms : JOURNAL_LEASE_MS;
	make_nonce(nonce, sizeof(nonce));
	snprintf(j->owner, sizeof(j->owner), "%s:%ld:%s", j->station, (long)getpid(), nonce);
	if (cfg && cfg->dsn) {
		struct keeper *k = &j->keeper;

		rc = store_open(&k->st, cfg->dsn);
		if (rc)
			goto out;
		pthread_mutex_init(&k->mu, NULL);
		pthread_cond_init(&k->cv, NULL);
		if (pthread_create(&k->thread, NULL, keeper_main, j) != 0) {
			pthread_mutex_destroy(&k->mu);
			pthread_cond_destroy(&k->cv);
			store_close(k->st);
			k->st = NULL;
			rc = -PL_ENOMEM;
			goto out;
		}
		k->running = true;
	}
out:
	if (rc) {
		free(j);
		return rc;
	}
	*out = j;
	return 0;
}

void journal_close(struct journal *j)
{
	if (!j)
		return;
	if (j->keeper.running) {
		pthread_mutex_lock(&j->keeper.mu);
		j->keeper.stop = true;
		pthread_cond_signal(&j->keeper.cv);
		pthread_mutex_unlock(&j->keeper.mu);
		pthread_join(j->keeper.thread, NULL);
		pthread_mutex_destroy(&j->keeper.mu);
		pthread_cond_destroy(&j->keeper.cv);
		store_close(j->keeper.st);
	}
	free(j);
}

const char *journal_owner(const struct journal *j)
{
	return j->owner;
}

struct store *journal_store(const struct journal *j)
{
	return j->st;
}

static const struct effect *find_effect(const struct journal *j, const char *kind)
{
	for (size_t i = 0; i < j->nfx; i++)
		if (strcmp(j->fx[i].ops->kind, kind) == 0)
			return &j->fx[i];
	return NULL;
}

int journal_register(struct journal *j, const struct journal_effect_ops *ops, void *arg)
{
	if (!ops || !ops->kind || !ops->kind[0] || !ops->perform)
		return -PL_EINVAL;
	if (find_effect(j, ops->kind))
		return -PL_EEXIST;
	if (j->nfx == JOURNAL_MAX_EFFECTS)
		return -PL_ETOOBIG;
	j->fx[j->nfx].ops = ops;
	j->fx[j->nfx].arg = arg;
	j->kinds[j->nfx] = ops->kind;
	j->nfx++;
	return 0;
}

bool journal_has_kind(const struct journal *j, const char *kind)
{
	return find_effect(j, kind) != NULL;
}

/* --- intents --------------------------------------------------------------- */

int journal_key(char *out, size_t cap, const char *kind, const struct order *o, const char *suffix)
{
	int n;

	if (!kind || !kind[0] || !o->source[0] || !o->ext_id[0])
		return -PL_EINVAL;
	n = snprintf(out, cap, "%s:%s:%s%s%s", kind, o->source, o->ext_id,
		     suffix && suffix[0] ? ":" : "", suffix ? suffix : "");
	return n < 0 || (size_t)n >= cap ? -PL_ETOOBIG : 0;
}

int journal_intent(struct journal *j, struct job *job)
{
	int rc = store_job_begin(j->st, job);

	if (rc == -PL_EEXIST)
		return 1;
	return rc;
}

/* --- helpers for effects --------------------------------------------------- */

const struct job *journal_jobof(const struct journal_job *jj)
{
	return &jj->job;
}

struct store *journal_job_store(const struct journal_job *jj)
{
	return jj->j->st;
}

void *journal_arg(const struct journal_job *jj)
{
	return jj->fx->arg;
}

void *journal_state(const struct journal_job *jj)
{
	return jj->state;
}

void journal_set_state(struct journal_job *jj, void *state)
{
	jj->state = state;
}

const cJSON *journal_request(const struct journal_job *jj)
{
	return jj->req;
}

const cJSON *journal_evidence(const struct journal_job *jj)
{
	return jj->ev;
}

int journal_attempt(const struct journal_job *jj)
{
	return jj->job.attempt;
}

void journal_msg(struct journal_job *jj, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(jj->message, sizeof(jj->message), fmt, ap);
	va_end(ap);
}

const char *journal_message(const struct journal_job *jj)
{
	return jj->message;
}

int journal_heartbeat(struct journal_job *jj)
{
	return store_job_renew(jj->j->st, jj->job.id, jj->j->owner, jj->j->lease_ms);
}

int64_t journal_json_int(const cJSON *o, const char *key, int64_t dflt)
{
	const cJSON *v = o ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;

	return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : dflt;
}

void journal_json_str(const cJSON *o, const char *key, char *out, size_t cap)
{
	const cJSON *v = o ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;

	snprintf(out, cap, "%s", cJSON_IsString(v) && v->valuestring ? v->valuestring : "");
}

cJSON *journal_ev(struct journal_job *jj)
{
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return NULL;
	cJSON_AddNumberToObject(o, "attempt", jj->job.attempt);
	cJSON_AddStringToObject(o, "by", jj->j->owner);
	return o;
}

int journal_doc_create(struct journal_job *jj, struct document *d, const struct numbering *num)
{
	int rc;

	if (jj->job.doc_id > 0) {
		rc = store_doc_get(jj->j->st, jj->job.doc_id, d);
		return rc == -PL_ENOTFOUND ? -PL_ESTORE : rc;
	}
	rc = store_job_doc_insert(jj->j->st, jj->job.id, jj->j->owner, d, num);
	if (rc == -PL_EEXIST) {
		jj->job.doc_id = d->id;
		return store_doc_get(jj->j->st, jj->job.doc_id, d);
	}
	if (rc == 0)
		jj->job.doc_id = d->id;
	return rc;
}

int64_t journal_doc_id(const struct journal_job *jj)
{
	return jj->job.doc_id;
}

/* One CAS step with the standard evidence fields completed. Takes ev. */
static int step(struct journal_job *jj, enum job_state to, bool new_attempt, cJSON *ev,
		const char *phase, bool release, int64_t not_before, bool with_doc,
		enum doc_state doc_state, const char *remote_id)
{
	struct job_step js = {0};
	char *txt = NULL;
	int rc;

	if (!ev)
		ev = journal_ev(jj);
	if (!ev)
		return -PL_ENOMEM;
	if (new_attempt) {
		/* delete + add: a carried evidence may lack the field (replace
		 * would then leak the new item) */
		cJSON_DeleteItemFromObjectCaseSensitive(ev, "attempt");
		cJSON_AddNumberToObject(ev, "attempt", jj->job.attempt + 1);
	}
	if (!cJSON_GetObjectItemCaseSensitive(ev, "phase"))
		cJSON_AddStringToObject(ev, "phase", phase);
	if (jj->message[0] && !cJSON_GetObjectItemCaseSensitive(ev, "message"))
		cJSON_AddStringToObject(ev, "message", jj->message);
	if (remote_id && remote_id[0] && !cJSON_GetObjectItemCaseSensitive(ev, "key"))
		cJSON_AddStringToObject(ev, "key", remote_id);
	txt = cJSON_PrintUnformatted(ev);
	if (!txt) {
		cJSON_Delete(ev);
		return -PL_ENOMEM;
	}
	js.id = jj->job.id;
	js.owner = jj->j->owner;
	js.from = jj->job.state;
	js.to = to;
	js.new_attempt = new_attempt;
	js.result = txt;
	js.note = jj->message[0] ? jj->message : phase;
	js.release = release;
	js.not_before = not_before;
	js.lease_ms = release ? 0 : jj->j->lease_ms;
	if (with_doc && jj->job.doc_id > 0) {
		js.doc_id = jj->job.doc_id;
		js.doc_state = doc_state;
		js.remote_id = remote_id;
	}
	rc = store_job_step(jj->j->st, &js);
	if (rc == 0) {
		jj->job.state = to;
		if (new_attempt)
			jj->job.attempt++;
		free(jj->job.result);
		jj->job.result = txt;
		txt = NULL;
		/* the evidence so far is what the next step (or lookup) reads */
		cJSON_Delete(jj->ev);
		jj->ev = ev;
		ev = NULL;
		if (release)
			jj->settled = true;
	} else if (rc != -PL_ELOST && rc != -PL_ESTATE) {
		/* Fail-stop: without the journal nothing more may be sent. */
		pl_err("job %lld ('%s'): cannot journal %s: %s", (long long)jj->job.id,
		       jj->job.idem_key, job_state_name(to), pl_strerror(rc));
		rc = -PL_ESTORE;
	} else if (rc == -PL_ELOST) {
		pl_warn("job %lld ('%s'): claim lost; this worker stops here",
			(long long)jj->job.id, jj->job.idem_key);
		jj->settled = true; /* not ours any more: nothing to settle */
	}
	free(txt);
	cJSON_Delete(ev);
	return rc;
}

int journal_sending(struct journal_job *jj, cJSON *ev)
{
	return step(jj, JOB_SENDING, false, ev, "sending", false, 0, false, DOC_PENDING, NULL);
}

int journal_evidence_commit(struct journal_job *jj, cJSON *ev)
{
	if (jj->job.state != JOB_SENDING && jj->job.state != JOB_UNKNOWN) {
		cJSON_Delete(ev);
		return -PL_ESTATE;
	}
	return step(jj, jj->job.state, false, ev,
		    jj->job.state == JOB_SENDING ? "sending" : "unknown", false, 0, false,
		    DOC_PENDING, NULL);
}

int journal_done(struct journal_job *jj, cJSON *ev, const char *remote_id)
{
	return journal_done_as(jj, ev, remote_id, DOC_ISSUED);
}

int journal_done_as(struct journal_job *jj, cJSON *ev, const char *remote_id,
		    enum doc_state doc_state)
{
	int rc;

	/* A job is only done after it was sent: pending -> sending first (the
	 * local effects, whose "send" is one transaction, pass through it). */
	if (jj->job.state == JOB_PENDING) {
		rc = step(jj, JOB_SENDING, false, NULL, "sending", false, 0, false, DOC_PENDING,
			  NULL);
		if (rc) {
			cJSON_Delete(ev);
			return rc;
		}
	}
	return step(jj, JOB_DONE, false, ev, "done", true, 0, true, doc_state, remote_id);
}

int journal_failed(struct journal_job *jj, cJSON *ev)
{
	/* the document stays pending: the job may be tried again */
	return step(jj, JOB_FAILED, false, ev, "failed", true, 0, false, DOC_PENDING, NULL);
}

int journal_unknown(struct journal_job *jj, cJSON *ev, bool hold, int64_t retry_ms)
{
	int64_t nb = JOB_HELD;
	int rc;

	if (!hold) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		nb = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 +
		     (retry_ms > 0 ? retry_ms : JOURNAL_RETRY_MS);
	}
	if (jj->job.state == JOB_PENDING) {
		/* nothing was journalled as sent: in doubt all the same */
		rc = step(jj, JOB_SENDING, false, NULL, "sending", false, 0, false, DOC_PENDING,
			  NULL);
		if (rc) {
			cJSON_Delete(ev);
			return rc;
		}
	}
	rc = step(jj, JOB_UNKNOWN, false, ev, "unknown", true, nb, false, DOC_PENDING, NULL);
	return rc ? rc : -PL_EUNKNOWN;
}

int journal_defer(struct journal_job *jj, int64_t retry_ms)
{
	int64_t nb = JOB_HELD;

	if (jj->job.state != JOB_PENDING)
		return -PL_ESTATE;
	if (retry_ms != JOB_HELD) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		nb = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + retry_ms;
	}
	return step(jj, JOB_PENDING, false, cJSON_Duplicate(jj->ev, 1), "deferred", true, nb, false,
		    DOC_PENDING, NULL);
}

/* --- one job --------------------------------------------------------------- */

static cJSON *parse_capped(const char *txt)
{
	if (!txt || strnlen(txt, JOURNAL_JSON_CAP) == JOURNAL_JSON_CAP)
		return NULL;
	return cJSON_Parse(txt);
}

/* A reclaimed job that was (maybe) sent: ask before anything is resent.
 * 0 to go on and perform (not done), 1 when settled, or an error. */
static int reconcile(struct journal_job *jj)
{
	enum journal_verdict v = JOURNAL_V_UNDECIDABLE;
	char why[256] = "this effect cannot look up an interrupted attempt";
	int rc;

	if (jj->job.state == JOB_SENDING) {
		/* the owner vanished mid-send: make that visible first */
		rc = step(jj, JOB_UNKNOWN, false, cJSON_Duplicate(jj->ev, 1), "unknown", false, 0,
			  false, DOC_PENDING, NULL);
		if (rc)
			return rc;
	}
	if (jj->fx->ops->lookup)
		v = jj->fx->ops->lookup(jj, why, sizeof(why));
	if (jj->settled)
		return 1; /* the lookup settled it (done with its evidence) */
	switch (v) {
	case JOURNAL_V_DONE:
		jj->recovered = true;
		journal_msg(jj, "found done: %s", why);
		rc = journal_done(jj, cJSON_Duplicate(jj->ev, 1), NULL);
		return rc ? rc : 1;
	case JOURNAL_V_NOT_DONE:
		journal_msg(jj, "%s", why);
		if (jj->job.attempt >= JOURNAL_MAX_ATTEMPTS) {
			/* a device that keeps losing it: stop, definitely not done */
			journal_msg(jj, "%s; gave up after %d attempts", why, jj->job.attempt);
			rc = journal_failed(jj, cJSON_Duplicate(jj->ev, 1));
			return rc ? rc : 1;
		}
		rc = step(jj, JOB_FAILED, false, cJSON_Duplicate(jj->ev, 1), "failed", false, 0,
			  false, DOC_PENDING, NULL);
		if (!rc) {
			/* the new attempt starts from what the last one learnt (a
			 * shipment id, the label bytes): only effects that read
			 * journal_evidence() in perform see it */
			cJSON *ev = cJSON_Duplicate(jj->ev, 1);
			if (ev) {
				cJSON_DeleteItemFromObjectCaseSensitive(ev, "phase");
				cJSON_DeleteItemFromObjectCaseSensitive(ev, "message");
				cJSON_DeleteItemFromObjectCaseSensitive(ev, "by");
				cJSON_AddStringToObject(ev, "by", jj->j->owner);
			}
			rc = step(jj, JOB_PENDING, true, ev, "pending", false, 0, false,
				  DOC_PENDING, NULL);
		}
		jj->message[0] = '\0';
		return rc;
	case JOURNAL_V_RETRY:
		journal_msg(jj, "outcome unknown: %s", why);
		rc = journal_unknown(jj, cJSON_Duplicate(jj->ev, 1), false, JOURNAL_RETRY_MS);
		return rc == -PL_EUNKNOWN ? 1 : rc;
	case JOURNAL_V_UNDECIDABLE:
	default:
		journal_msg(jj, "outcome unknown: %s", why);
		rc = journal_unknown(jj, cJSON_Duplicate(jj->ev, 1), true, 0);
		return rc == -PL_EUNKNOWN ? 1 : rc;
	}
}

int journal_recheck(struct journal_job *jj)
{
	int rc;

	if (jj->job.state == JOB_PENDING)
		return 1; /* nothing was journalled as sent */
	rc = reconcile(jj);
	if (rc == 1)
		return jj->job.state == JOB_DONE ? 0 : -PL_EUNKNOWN;
	return rc ? rc : 1;
}

static void outcome_fill(struct journal_outcome *out, const struct journal_job *jj, int rc)
{
	memset(out, 0, sizeof(*out));
	out->job_id = jj->job.id;
	out->rc = rc;
	out->state = jj->job.state;
	out->performed = true;
	out->recovered = jj->recovered;
	snprintf(out->message, sizeof(out->message), "%s", jj->message);
}

static int run_claimed(struct journal *j, const struct effect *fx, struct job *claimed,
		       struct journal_outcome *out)
{
	struct journal_job jj;
	int rc = 0;

	memset(&jj, 0, sizeof(jj));
	jj.j = j;
	jj.fx = fx;
	jj.job = *claimed;
	memset(claimed, 0, sizeof(*claimed)); /* request/result now owned by jj */
	keeper_hold(j, jj.job.id);
	jj.req = parse_capped(jj.job.request);
	jj.ev = parse_capped(jj.job.result);
	if (!jj.req) {
		journal_msg(&jj, "the request in the journal is unreadable");
		rc = jj.job.state == JOB_PENDING ? journal_failed(&jj, NULL)
						 : journal_unknown(&jj, NULL, true, 0);
		if (rc == 0 || rc == -PL_EUNKNOWN)
			rc = -PL_EINVAL;
		goto out;
	}
	if (jj.job.state == JOB_SENDING || jj.job.state == JOB_UNKNOWN) {
		rc = reconcile(&jj);
		if (rc == 1) {
			rc = jj.job.state == JOB_DONE     ? 0
			     : jj.job.state == JOB_FAILED ? -PL_EDEVICE
							  : -PL_EUNKNOWN;
			goto out;
		}
		if (rc)
			goto out;
	}
	if (fx->ops->prepare) {
		rc = fx->ops->prepare(&jj);
		if (rc) {
			if (!jj.settled && rc != -PL_ELOST && rc != -PL_ESTORE) {
				int src = journal_failed(&jj, NULL);
				if (src == -PL_ESTORE || src == -PL_ELOST)
					rc = src;
			}
			goto out;
		}
	}
	rc = fx->ops->perform(&jj);
	if (!jj.settled && rc != -PL_ESTORE) {
		int src;
		if (!jj.message[0])
			journal_msg(&jj, "%s", pl_strerror(rc ? rc : -PL_EUNKNOWN));
		if (jj.job.state == JOB_PENDING) {
			src = journal_failed(&jj, NULL);
		} else {
			pl_err("job %lld: effect '%s' returned without settling",
			       (long long)jj.job.id, fx->ops->kind);
			src = journal_unknown(&jj, NULL, true, 0);
		}
		if (src == -PL_ESTORE || src == -PL_ELOST)
			rc = src;
		else if (!rc)
			rc = -PL_EUNKNOWN;
	}
out:
	keeper_hold(j, 0);
	if (!jj.settled && rc != -PL_ESTORE) {
		/* The claim is still ours but nothing settled it (an error on the
		 * prepare path that could not be journalled): let it lapse. */
		pl_warn("job %lld left claimed by '%s' until its lease lapses",
			(long long)jj.job.id, j->owner);
	}
	if (fx->ops->release)
		fx->ops->release(&jj);
	if (out)
		outcome_fill(out, &jj, rc);
	cJSON_Delete(jj.req);
	cJSON_Delete(jj.ev);
	job_release(&jj.job);
	return rc == -PL_ESTORE ? rc : 0;
}

int journal_work_one(struct journal *j, int64_t id, struct journal_outcome *out)
{
	struct job_claim c = {.id = id};

	return journal_work_claim(j, &c, out);
}

int journal_work_claim(struct journal *j, const struct job_claim *filter,
		       struct journal_outcome *out)
{
	struct job_claim c = *filter;
	int64_t id = filter->id;
	const struct effect *fx;
	struct job claimed;
	int rc;

	if (out)
		memset(out, 0, sizeof(*out));
	memset(&claimed, 0, sizeof(claimed));
	if (j->nfx == 0)
		return -PL_ENOTFOUND;
	if (id) {
		rc = store_job_get(j->st, id, &claimed);
		if (rc)
			return rc == -PL_ENOTFOUND ? rc : -PL_ESTORE;
		fx = find_effect(j, claimed.kind);
		job_release(&claimed);
		if (!fx)
			return -PL_ENOTSUP;
	}
	c.owner = j->owner;
	c.lease_ms = j->lease_ms;
	c.kinds = j->kinds;
	c.nkinds = j->nfx;
	c.gone = owner_gone;
	c.gone_arg = j;
	rc = store_job_claim(j->st, &c, &claimed);
	if (rc == -PL_EBUSY && !id)
		rc = -PL_ENOTFOUND;
	if (rc)
		return rc == -PL_ENOTFOUND || rc == -PL_EBUSY || rc == -PL_ESTATE ? rc : -PL_ESTORE;
	fx = find_effect(j, claimed.kind);
	if (!fx) { /* cannot happen: the claim filtered on our kinds */
		job_release(&claimed);
		return -PL_ENOTSUP;
	}
	if (out)
		out->job_id = claimed.id;
	return run_claimed(j, fx, &claimed, out);
}

/* Settled as far as a caller waiting for it is concerned. */
static bool settled_state(const struct job *jb, int64_t now)
{
	switch (jb->state) {
	case JOB_DONE:
	case JOB_FAILED:
	case JOB_CANCELLED:
		return true;
	case JOB_UNKNOWN:
		return !jb->owner[0] && jb->not_before == JOB_HELD;
	case JOB_PENDING:
		return !jb->owner[0] && jb->not_before > now;
	default:
		return false;
	}
}

static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct held_find {
	const char *resource;
	bool found;
};

static int held_cb(const struct job *jb, void *arg)
{
	struct held_find *h = arg;

	if (!jb->owner[0] && jb->not_before == JOB_HELD && strcmp(jb->resource, h->resource) == 0)
		h->found = true;
	return h->found;
}

/* Is a pending job stopped by a held (operator) job on its resource? */
static bool blocked(struct journal *j, const struct job *jb)
{
	struct held_find h = {.resource = jb->resource};

	if (store_job_list(j->st, JOB_UNKNOWN, held_cb, &h) < 0)
		return false;
	return h.found;
}

/* The outcome of a job seen from outside (another owner ran it). */
static void outcome_from_job(struct journal_outcome *o, const struct job *jb, int rc)
{
	cJSON *ev = parse_capped(jb->result);

	memset(o, 0, sizeof(*o));
	o->job_id = jb->id;
	o->state = jb->state;
	o->rc = rc;
	journal_json_str(ev, "message", o->message, sizeof(o->message));
	cJSON_Delete(ev);
}

static int work_ids(struct journal *j, const int64_t *ids, size_t n, volatile sig_atomic_t *stop,
		    struct journal_outcome *outs, bool claim);

int journal_work_ids(struct journal *j, const int64_t *ids, size_t n, volatile sig_atomic_t *stop,
		     struct journal_outcome *outs)
{
	return work_ids(j, ids, n, stop, outs, true);
}

int journal_watch_ids(struct journal *j, const int64_t *ids, size_t n, volatile sig_atomic_t *stop,
		      struct journal_outcome *outs)
{
	return work_ids(j, ids, n, stop, outs, false);
}

static int work_ids(struct journal *j, const int64_t *ids, size_t n, volatile sig_atomic_t *stop,
		    struct journal_outcome *outs, bool claim)
{
	bool *done = calloc(n ? n : 1, sizeof(*done));
	size_t left = n;
	int ret = 0;

	if (!done)
		return -PL_ENOMEM;
	while (left && !ret) {
		bool progress = false;

		for (size_t i = 0; i < n && !ret; i++) {
			struct journal_outcome o;
			struct job jb;
			int rc;

			if (done[i])
				continue;
			if (stop && *stop) {
				ret = -PL_EBUSY;
				break;
			}
			memset(&jb, 0, sizeof(jb));
			rc = store_job_get(j->st, ids[i], &jb);
			if (rc) {
				ret = rc == -PL_ENOTFOUND ? -PL_EINVAL : -PL_ESTORE;
				break;
			}
			if (settled_state(&jb, wall_ms())) {
				if (outs)
					outcome_from_job(&outs[i], &jb, 0);
				job_release(&jb);
				done[i] = true;
				left--;
				progress = true;
				continue;
			}
			if (!claim) {
				/* blocked behind a held job on its resource: settled for now */
				if (jb.state == JOB_PENDING && !jb.owner[0] && jb.resource[0] &&
				    job_resource_ordered(jb.resource) && blocked(j, &jb)) {
					if (outs) {
						outcome_from_job(&outs[i], &jb, -PL_ESTATE);
						snprintf(outs[i].message, sizeof(outs[i].message),
							 "an earlier job on '%s' is unsettled: "
							 "see `packline jobs list`, then "
							 "`packline jobs resolve ID`",
							 jb.resource);
					}
					done[i] = true;
					left--;
					progress = true;
				}
				job_release(&jb);
				continue;
			}
			job_release(&jb);
			rc = journal_work_one(j, ids[i], &o);
			if (rc == -PL_ESTORE) {
				ret = rc;
				break;
			}
			if (rc == 0) {
				if (outs)
					outs[i] = o;
				done[i] = true;
				left--;
				progress = true;
			} else if (rc == -PL_ESTATE || rc == -PL_ENOTSUP) {
				/* final/held/deferred (seen next round), or blocked by a
				 * held job on its resource: settled for now */
				rc = store_job_get(j->st, ids[i], &jb);
				if (rc) {
					ret = -PL_ESTORE;
					break;
				}
				if (!settled_state(&jb, wall_ms())) {
					if (outs) {
						outcome_from_job(&outs[i], &jb, -PL_ESTATE);
						snprintf(
						    outs[i].message, sizeof(outs[i].message),
						    rc == -PL_ENOTSUP
							? "no effect for '%s' here"
							: "an earlier job on '%s' is unsettled: "
							  "see `packline jobs list`, then "
							  "`packline jobs resolve ID`",
						    rc == -PL_ENOTSUP ? jb.kind : jb.resource);
					}
					done[i] = true;
					left--;
					progress = true;
				}
				job_release(&jb);
			}
			/* -PL_EBUSY: another live owner holds it or its resource */
		}
		if (left && !progress && !ret)
			poll(NULL, 0, JOURNAL_WAIT_MS);
	}
	free(done);
	return ret;
}

int journal_work_all(struct journal *j, volatile sig_atomic_t *stop, size_t *ran)
{
	size_t n = 0;
	int rc = 0;

	while (!(stop && *stop)) {
		rc = journal_work_one(j, 0, NULL);
		if (rc == -PL_ENOTFOUND) {
			rc = 0;
			break;
		}
		if (rc)
			break;
		n++;
	}
	if (ran)
		*ran = n;
	return rc;
}

int journal_repair(struct journal *j, size_t *fixed)
{
	int rc = store_job_repair(j->st, fixed);

	if (rc == 0 && fixed && *fixed)
		pl_warn("repaired %zu document(s) left pending by a done job", *fixed);
	return rc;
}
