/* SPDX-License-Identifier: Apache-2.0 */
/* journal/journal.h - the ONE engine every side effect goes through.
 *
 * intent -> claim -> (lookup) -> prepare -> perform -> settle, written once
 * here, so an effect module (a receipt on a fiscal printer, a numbered
 * document of our own, an invoice at a service, an e-mail, an Allegro
 * upload, a label) is its few hundred lines of device or protocol code and
 * no plumbing: no key builders, no JSON envelope, no state switches.
 *
 *  1. Intent. The caller (process, a scanner screen, a web panel) records
 *     a job with journal_intent(): kind, an idempotency key that names the
 *     effect ("receipt:shop:1001"), the request JSON, the resource (device)
 *     it needs. A second intent with the same key finds the first job.
 *     Nothing else happens on the caller's path.
 *  2. Claim. A worker (journal_work_*) claims the job in the store by CAS
 *     (store/store.h job_claim): one owner "station:pid:nonce" with a lease
 *     that is renewed while the effect runs. Only the owner acts; every
 *     later step names the state it expects and the owner, and a step that
 *     lost the claim fails with -PL_ELOST and the effect stops there.
 *     Jobs on one resource are never claimed at the same time, by any
 *     process: one receipt at a time per printer.
 *  3. Lookup. A job claimed from an owner that vanished while it was
 *     SENDING (or left UNKNOWN) is first looked up at the device or service
 *     by its own evidence (printer counters, an HTTP GET by our key after a
 *     504): done -> settled done, never resent; not done -> a new attempt;
 *     undecidable -> held for the operator, never guessed.
 *  4. Prepare. The effect builds what it sends from the request, and
 *     creates the job's DOCUMENT (and its number) with journal_doc_create()
 *     in a CAS transaction: a worker that lost the race creates nothing.
 *  5. Perform. journal_sending() commits SENDING with the evidence read
 *     before the first byte leaves; then the effect talks to the device and
 *     ends with journal_done() (job done AND document issued in one
 *     transaction), journal_failed(), journal_unknown() or journal_defer().
 *
 * Threads: a struct journal belongs to one thread (it holds one store
 * connection). Several workers in one process each open their own journal
 * (own store connection, own owner nonce); effects that share a device rely
 * on the resource exclusion, so a device is used by one worker at a time.
 *
 * Ownership: journal_open() returns an engine freed by journal_close(); it
 * borrows the store (the caller closes it afterwards) and the ops/arg of
 * every registered effect (static or outliving the engine).
 */
#ifndef PL_JOURNAL_JOURNAL_H
#define PL_JOURNAL_JOURNAL_H

#include "core/order.h"
#include "store/store.h"

#include <cjson/cJSON.h>

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct journal;
struct journal_job;

/* What a lookup found out about an interrupted attempt. */
enum journal_verdict {
	JOURNAL_V_DONE,        /* it happened: settle done, never resend */
	JOURNAL_V_NOT_DONE,    /* it definitely did not: perform again (new attempt) */
	JOURNAL_V_UNDECIDABLE, /* cannot be told: held for the operator */
	JOURNAL_V_RETRY,       /* the device/service does not answer now: ask later */
};

/* An effect. `kind` names the jobs it performs. Every slot receives the
 * claimed job (jj); journal_arg(jj) is the pointer given at registration
 * (the open printer, the HTTP client). Slots return 0 or -PL_E*. */
struct journal_effect_ops {
	const char *kind; /* "receipt", "invoice", "label", "email", "upload" */
	/* Optional. Runs on every claim before perform (also after a lookup
	 * said "not done"): parse the request into journal_state(jj), create
	 * the document with journal_doc_create(). Sends nothing. On error the
	 * engine fails the job (-PL_EINVAL: with the message set by
	 * journal_msg) or, for a device error, defers it. */
	int (*prepare)(struct journal_job *jj);
	/* Mandatory. The side effect: read what is needed to reconcile later,
	 * journal_sending(jj, evidence), then act and settle with exactly one
	 * of journal_done / journal_failed / journal_unknown / journal_defer.
	 * Returning without settling is a bug: the engine marks the job
	 * UNKNOWN (held) so nothing is resent. Returns what the settle call
	 * returned, or the effect's own error code (-PL_EDEVICE...). */
	int (*perform)(struct journal_job *jj);
	/* Mandatory when perform can leave an outcome in doubt; NULL means
	 * every interrupted attempt is undecidable. Ask the device or service
	 * what became of the attempt whose evidence is journal_evidence(jj):
	 * the counters, our own key at the service. `why` gets one sentence
	 * for the operator. Never sends the effect itself. On JOURNAL_V_DONE
	 * the lookup may settle the job itself with journal_done() (to keep
	 * its evidence and the remote id); otherwise the engine does, bare. */
	enum journal_verdict (*lookup)(struct journal_job *jj, char *why, size_t cap);
	/* Optional. After the job settled (or the claim was lost): free what
	 * prepare put in journal_state(jj). Cannot fail. */
	void (*release)(struct journal_job *jj);
};

struct journal_cfg {
	const char *station; /* [packline] station; "" or NULL = "station" */
	int64_t lease_ms;    /* claim lease; 0 = JOURNAL_LEASE_MS */
	const char *dsn;     /* store DSN for the lease keeper's own connection;
			      * NULL = no keeper (leases are renewed between steps only) */
};
#define JOURNAL_LEASE_MS 15000

int journal_open(struct journal **out, struct store *st, const struct journal_cfg *cfg);
void journal_close(struct journal *j);
/* "station:pid:nonce", unique to this engine instance. */
const char *journal_owner(const struct journal *j);
struct store *journal_store(const struct journal *j);
/* Register an effect for ops->kind. -PL_EEXIST when the kind has one. */
int journal_register(struct journal *j, const struct journal_effect_ops *ops, void *arg);
bool journal_has_kind(const struct journal *j, const char *kind);

/* --- intents (the caller's side) ------------------------------------------ */

/* The idempotency key "<kind>:<source>:<ext_id>[:<suffix>]". */
int journal_key(char *out, size_t cap, const char *kind, const struct order *o, const char *suffix);
/* Record an intent: job->kind, idem_key, order_id, request, resource (and
 * doc_id when the document already exists) filled by the caller. 0 when
 * recorded now; 1 when the key already had a job (then *job is that job,
 * loaded by the store); -PL_E* on error. */
int journal_intent(struct journal *j, struct job *job);

/* --- the worker ------------------------------------------------------------ */

struct journal_outcome {
	int64_t job_id;
	int rc;               /* what the effect returned; 0 when settled done */
	enum job_state state; /* as the journal has it afterwards */
	bool performed;       /* this engine ran the effect (or its lookup) */
	bool recovered;       /* settled done by a lookup, nothing resent */
	char message[256];    /* for the operator */
};

/* Claim one job and run it to a settled state. id 0: the next claimable
 * job of a registered kind. 0 when one was run (*out says how), or
 * -PL_ENOTFOUND (nothing claimable), -PL_EBUSY (that job or its resource is
 * held by a live owner), -PL_ESTATE (that job is final, held or blocked),
 * -PL_ESTORE (stop: the journal is not writable). */
int journal_work_one(struct journal *j, int64_t id, struct journal_outcome *out);
/* journal_work_one with the claim's filters taken from `filter`
 * (unsettled_only, include_held, resource; id). The engine fills owner,
 * lease, kinds and the owner test. */
int journal_work_claim(struct journal *j, const struct job_claim *filter,
		       struct journal_outcome *out);
/* Run the given jobs until each is settled here or elsewhere (done,
 * failed, cancelled, held, deferred or blocked), waiting for jobs other
 * owners hold. Checks *stop (may be NULL) between two effects and then
 * returns -PL_EBUSY with the rest unsettled. outs[i] (may be NULL) gets
 * each job's outcome. 0, -PL_EBUSY (stopped), -PL_ESTORE. */
int journal_work_ids(struct journal *j, const int64_t *ids, size_t n, volatile sig_atomic_t *stop,
		     struct journal_outcome *outs);
/* Run every claimable job of a registered kind until none is left or
 * *stop. *ran counts them. 0 or -PL_ESTORE. */
int journal_work_all(struct journal *j, volatile sig_atomic_t *stop, size_t *ran);
/* Like journal_work_ids, but never claims: only waits until each job is
 * settled by other workers (a worker pool, other processes). */
int journal_watch_ids(struct journal *j, const int64_t *ids, size_t n, volatile sig_atomic_t *stop,
		      struct journal_outcome *outs);

/* --- a pool of workers (journal_worker.c) -----------------------------------
 * N threads, each with its own store connection and engine (own owner
 * nonce), each claiming and performing any claimable job of the kinds its
 * setup registered, so one slow printer never holds up other effects (a
 * receipt on one thread, invoices on another; the resource exclusion keeps
 * one job per device). The caller's thread only records intents and
 * watches (journal_watch_ids). */
struct journal_pool;
/* Called on each worker thread to register its effects on `j`; `index` is
 * the worker's number (0..n-1): effect args that hold a device must be one
 * per worker. 0 or -PL_E*. */
typedef int journal_setup_fn(struct journal *j, void *arg, size_t index);
int journal_pool_start(struct journal_pool **out, const struct journal_cfg *cfg, size_t n,
		       journal_setup_fn *setup, void *arg);
/* New intents were recorded: workers look now instead of at their next tick. */
void journal_pool_kick(struct journal_pool *p);
/* Stop: each worker finishes the effect in hand, then the threads are
 * joined and everything freed. The first worker error (-PL_ESTORE), or 0. */
int journal_pool_stop(struct journal_pool *p);

/* Start-up repair of old data: documents left pending by a done job. */
int journal_repair(struct journal *j, size_t *fixed);

/* --- helpers for effects (inside the slots) -------------------------------- */

const struct job *journal_jobof(const struct journal_job *jj);
/* The engine's store connection (for reads; writes go through the calls
 * below, which check the claim). */
struct store *journal_job_store(const struct journal_job *jj);
void *journal_arg(const struct journal_job *jj);
/* Effect-private state, set by prepare, freed by release. */
void *journal_state(const struct journal_job *jj);
void journal_set_state(struct journal_job *jj, void *state);
/* The request parsed (owned by the engine, valid during the slots). */
const cJSON *journal_request(const struct journal_job *jj);
/* The evidence journalled so far (parsed job result), or NULL. */
const cJSON *journal_evidence(const struct journal_job *jj);
/* The attempt counter as journalled. */
int journal_attempt(const struct journal_job *jj);
/* The operator's sentence for this job (kept in the evidence "message"). */
void journal_msg(struct journal_job *jj, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
const char *journal_message(const struct journal_job *jj);
/* Renew the claim now (long device waits call it between exchanges). */
int journal_heartbeat(struct journal_job *jj);

/* Evidence: a fresh JSON object with the standard fields (phase, attempt,
 * by = owner, message when set). The effect adds its own fields and hands
 * it to one of the calls below, which take ownership (NULL is allowed and
 * stands for the bare standard object). */
cJSON *journal_ev(struct journal_job *jj);
/* Read a number or string field of an object with a default. */
int64_t journal_json_int(const cJSON *o, const char *key, int64_t dflt);
void journal_json_str(const cJSON *o, const char *key, char *out, size_t cap);

/* Create the job's document, numbered with `num` (may be NULL), in a CAS
 * transaction (store job_doc_insert). When the job already has one (a
 * reclaimed job), *d is loaded from the store instead and 0 returned.
 * -PL_ELOST: another worker holds the job now; stop. */
int journal_doc_create(struct journal_job *jj, struct document *d, const struct numbering *num);
int64_t journal_doc_id(const struct journal_job *jj);

/* The terminal calls. Each is one durable CAS commit; -PL_ELOST when the
 * claim was lost (nothing written: stop without touching the device),
 * -PL_ESTORE when the journal cannot be written (fail-stop). */
/* Committed right before the first byte leaves. */
int journal_sending(struct journal_job *jj, cJSON *ev);
/* New evidence for the attempt in hand, the state kept (sending or unknown)
 * and the claim with it: a long effect journals each fact as it learns it
 * (a shipment id, the printer's job id), a lookup what it found before it
 * answers. -PL_ESTATE in any other state. */
int journal_evidence_commit(struct journal_job *jj, cJSON *ev);
/* Done: the job's document (if any) becomes issued with `remote_id` in
 * the same transaction. `how` is "performed" or "recovered". */
int journal_done(struct journal_job *jj, cJSON *ev, const char *remote_id);
/* Done, the job's document moved to doc_state instead (a cancellation:
 * issued -> cancelled), in the same transaction. */
int journal_done_as(struct journal_job *jj, cJSON *ev, const char *remote_id,
		    enum doc_state doc_state);
/* Definitely not done; kept failed (a later intent may retry it). */
int journal_failed(struct journal_job *jj, cJSON *ev);
/* In doubt. hold: for the operator (never claimed again by a worker);
 * else asked again (lookup) after retry_ms. Returns -PL_EUNKNOWN on
 * success so effects can `return journal_unknown(...)`. */
int journal_unknown(struct journal_job *jj, cJSON *ev, bool hold, int64_t retry_ms);
/* The effect's own attempt ended in doubt (a lost reply): look it up now,
 * as a reclaim would (ops->lookup). 0 when it is settled done; 1 when it
 * definitely did not happen - the job is pending again as a new attempt
 * and perform may try once more; -PL_EUNKNOWN when it is left unknown
 * (held, or asked again later); -PL_ELOST, -PL_ESTORE. */
int journal_recheck(struct journal_job *jj);
/* Nothing was sent and the device is not ready: stays pending, claimed
 * again after retry_ms (JOB_HELD: only when asked for by id). */
int journal_defer(struct journal_job *jj, int64_t retry_ms);

#endif
