/* SPDX-License-Identifier: Apache-2.0 */
/* store/store.h - the durable store, behind a vtable.
 *
 * Callers see only struct store and the store_*() wrappers; a backend
 * (store_sqlite.c today, PostgreSQL later) fills struct store_ops. Every
 * write is one transaction: an order import, a document with its number, a
 * journal step. A crash at any point leaves the store as it was before the
 * transaction or after it, never between.
 *
 * Ownership: store_open() returns a store the caller frees with store_close().
 * Structs handed to callbacks are owned by the store and valid only during the
 * call; copy what you keep.
 */
#ifndef PL_STORE_STORE_H
#define PL_STORE_STORE_H

#include "core/document.h"
#include "core/numbering.h"
#include "core/order.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct store;

/* Outcome of an order upsert. */
enum store_upsert { STORE_INSERTED, STORE_UPDATED, STORE_UNCHANGED };

struct store_status_event {
	int64_t order_id;
	char from[32]; /* empty for the first status */
	char to[32];
	int64_t at; /* unix seconds */
};

/* Filter for listings; zero fields do not filter. */
struct store_order_filter {
	const char *source;
	const char *status;
	int64_t since; /* created >= since */
	size_t limit;  /* 0 = no limit */
};

struct store_doc_filter {
	int has_kind; /* filter on kind when set */
	enum doc_kind kind;
	int has_state;
	enum doc_state state;
	int64_t order_id;
	size_t limit;
};

/* The documents list (`docs list`, the web panel): every filter is optional
 * and they combine with AND; newest first (id descending) with keyset paging:
 * pass the previous page's *next as `after`. Strings are borrowed. */
enum store_pay_filter { STORE_PAY_ANY, STORE_PAY_PAID, STORE_PAY_UNPAID, STORE_PAY_PARTLY };
#define STORE_DOC_QUERY_MAX  1000 /* most rows one page returns */
#define STORE_DOC_SEARCH_MAX 128  /* longest search text, bytes */
struct store_doc_query {
	bool has_kind;
	enum doc_kind kind;
	bool has_state;
	enum doc_state state;
	enum store_pay_filter pay;
	const char *from, *to; /* issue date "YYYY-MM-DD", inclusive; NULL = open */
	const char *station;   /* NULL = any */
	/* Words (whitespace-separated, all must match) found anywhere in the
	 * number, buyer name, NIP or order number, case-insensitively; a NIP
	 * typed with dashes or spaces also matches its digits. NULL = none. */
	const char *search;
	int64_t order_id; /* 0 = any */
	int64_t after;    /* only ids below this (the cursor); 0 = from the newest */
	size_t limit;     /* 1..STORE_DOC_QUERY_MAX; 0 = 50 */
};

/* A journalled side effect (receipt, invoice, label, e-mail, upload). */
enum job_state {
	JOB_PENDING, /* intent recorded, nothing sent */
	JOB_SENDING, /* committed right before the first byte leaves */
	JOB_UNKNOWN, /* was SENDING when the agent stopped: reconcile, never resend blindly */
	JOB_DONE,
	JOB_FAILED, /* definitely not done; may be retried as a new attempt */
	JOB_CANCELLED,
	JOB_STATE_COUNT
};
const char *job_state_name(enum job_state s);
int job_state_parse(const char *s, enum job_state *out);

/* Whether a held unsettled job on `resource` blocks the later ones (above). */
static inline bool job_resource_ordered(const char *resource)
{
	return strncmp(resource, "printer:", 8) == 0;
}

struct job {
	int64_t id;
	int64_t order_id;
	char kind[16]; /* "receipt", "invoice", "label", "email", "upload" */
	enum job_state state;
	int attempt;
	char idem_key[96];        /* unique: one side effect per key */
	char *request;            /* JSON text, owned (free()) */
	char *result;             /* JSON text, owned, may be NULL */
	int64_t created, updated; /* unix milliseconds */
	/* Claims (docs/journal.md). Only the owner performs a job; every
	 * change it makes names the state it expects and itself (CAS). */
	/* The device the effect drives; "" = none. One job per resource is
	 * claimed at a time. A resource named "printer:*" (a fiscal printer)
	 * is also ORDERED: a job held unsettled on it (UNKNOWN, for the
	 * operator) blocks the later ones, whose outcomes are read from the
	 * device's counters that printing more would move. Any other resource
	 * ("label:NAME") is only exclusive: a held job waits alone. */
	char resource[48];
	char owner[80];      /* "station:pid:nonce" of the claimer; "" = unclaimed */
	int64_t lease_until; /* unix ms the claim lapses at; 0 when unclaimed */
	int64_t not_before;  /* unix ms before which nobody claims it; JOB_HELD = operator */
	int64_t doc_id;      /* document the job created or settles; 0 = none */
	bool reclaimed;      /* job_claim: taken from an owner whose claim lapsed (or a
			      * SENDING/UNKNOWN job): look the outcome up before acting */
};
void job_release(struct job *j);

/* not_before of a job left for the operator: never claimed by a worker. */
#define JOB_HELD INT64_MAX

/* Owner test for job_claim: true when `owner` (another process's
 * "station:pid:nonce") is known to be gone, so its lease need not lapse. */
typedef bool store_owner_gone_fn(const char *owner, void *arg);

struct job_claim {
	const char *owner;        /* required, shorter than job.owner */
	int64_t lease_ms;         /* > 0 */
	int64_t id;               /* this job only; 0 = the next claimable job */
	const char *const *kinds; /* with id 0: only these kinds (nkinds of them) */
	size_t nkinds;
	store_owner_gone_fn *gone; /* optional */
	void *gone_arg;
	bool unsettled_only;  /* only sending/unknown jobs (reconciliation) */
	bool include_held;    /* also jobs held for the operator (the operator's command) */
	const char *resource; /* with id 0: only jobs of this resource; NULL = any */
};

/* One CAS step of a claimed job. */
struct job_step {
	int64_t id;
	const char *owner;       /* must still hold the claim */
	enum job_state from, to; /* the state expected now, and the next */
	bool new_attempt;        /* only failed -> pending */
	const char *result;      /* evidence JSON; NULL keeps the stored one */
	const char *note;        /* one line for the attempts history; NULL = none */
	bool release;            /* drop the claim (always for done/cancelled) */
	int64_t not_before;      /* with release: next claim not before (JOB_HELD) */
	int64_t lease_ms;        /* > 0: renew the lease as well */
	/* The document settled in the SAME transaction (0 = none): a job never
	 * ends done with its document still pending. */
	int64_t doc_id;
	enum doc_state doc_state;
	const char *remote_id; /* NULL keeps the stored one */
};

/* One row of a job's history (every claim and step). */
struct job_attempt {
	int64_t at; /* unix ms */
	char owner[80];
	char from[16], to[16];
	char note[160];
	char *evidence; /* owned by the store, valid during the callback */
};
typedef int store_attempt_fn(const struct job_attempt *a, void *arg); /* non-zero stops */

/* An order held because it changed after its document was issued
 * (docs/store.md, "Held orders"). order_upsert opens the hold; a person
 * releases it (accept or correct), which is kept with who, when and why. */
struct store_hold {
	int64_t id;
	int64_t order_id;
	char order_number[64];
	int64_t doc_id; /* the live document issued before the change */
	char doc_number[64];
	char reason[512];      /* what changed: "line 2 qty 1->3; total ..." */
	char old_content[512]; /* the content the document was issued for */
	char new_content[512]; /* the content now stored */
	int64_t created;       /* unix seconds */
	int64_t released;      /* unix seconds; 0 while held */
	char released_by[64];
	char action[16]; /* "accept", "correct"; "" while held */
	char release_reason[256];
};

/* Listing callbacks run with no statement open: they may call the store,
 * writes included (the start-up sweep updates jobs from job_list). */
typedef int store_order_fn(const struct order *o, void *arg);  /* non-zero stops */
typedef int store_doc_fn(const struct document *d, void *arg); /* non-zero stops */
typedef int store_event_fn(const struct store_status_event *e, void *arg);
typedef int store_job_fn(const struct job *j, void *arg);
typedef int store_hold_fn(const struct store_hold *h, void *arg);

/* An operator's settlement of a job the engine cannot settle by itself
 * (`packline jobs resolve|retry`). */
struct job_resolve {
	int64_t id;
	enum job_state from; /* the state the operator saw (CAS) */
	/* JOB_DONE or JOB_FAILED (resolve) or JOB_PENDING (retry) */
	enum job_state to;
	const char *result; /* evidence JSON with the resolution; NULL keeps */
	const char *actor;  /* who: required */
	const char *reason; /* why, in the operator's words: required */
	int64_t now;        /* unix seconds, for the audit row */
};

/* One line of `packline audit`: an operator action (audit_log) or one step
 * of a job's history (job_attempts), newest first. */
struct store_audit_entry {
	int64_t at; /* unix ms */
	char actor[80];
	char action[48];
	char object[96]; /* the order's number (or "job:ID"), or what was acted on */
	char detail[600];
};
struct store_audit_filter {
	const char *object; /* NULL: everything */
	size_t limit;       /* 0 = no limit */
};
typedef int store_audit_fn(const struct store_audit_entry *e, void *arg); /* non-zero stops */

/* Backend contract. All slots are mandatory. Each returns 0 or -PL_E*. */
/* What an invoicing service holds of one of our documents (table doc_remote,
 * schema v4): SmartBill's series + number, fakturownia's id and KSeF state. */
struct doc_remote {
	int64_t doc_id;
	char service[32];       /* "smartbill", "fakturownia" */
	char remote_id[64];     /* the service's id ("FCT0120" at SmartBill) */
	char remote_number[64]; /* the number the service gave ("0120") */
	char status[32];        /* "issued", "cancelled", "reversed", ... */
	char *detail;           /* malloc'd JSON, doc_remote_release frees */
	int64_t updated_at;     /* unix seconds */
};
void doc_remote_release(struct doc_remote *r);

/* A packing session at a scan-to-verify station (table pack_sessions,
 * h-station migration): which order, at which station, what was scanned,
 * and whether it is packing, held (resumable on any station sharing the
 * store) or packed. One row per order. */
struct pack_session {
	int64_t order_id;
	char station[48];
	char state[16];     /* "packing", "held", "packed" */
	char scanned[4096]; /* JSON {"SKU": pieces, ...} (core/station.h) */
	int64_t updated;    /* unix seconds */
};

struct store_ops {
	const char *name; /* "sqlite", "postgres" */
	/* Open (creating and migrating the schema) the store at `dsn`. */
	int (*open)(struct store **out, const char *dsn);
	/* Close and free; accepts a half-open store. */
	void (*close)(struct store *s);
	/* Schema version now in force. */
	int (*schema_version)(struct store *s, int *out);

	/* Insert or update an order by (source, ext_id); records a status event
	 * when the status changed. Fills o->id. One transaction. STORE_UNCHANGED
	 * when every field, tag and line equals the stored copy (nothing is
	 * written). `out` may be NULL. When the saleable content changed
	 * (core/order_diff.h) and the order has a live document other than a
	 * proforma, correction or refund, the new copy is stored and the order
	 * is HELD in the same transaction: a hold row (reason, old and new
	 * content) and an audit row "order.held" by actor "import". A held
	 * order changed again keeps its first old content. */
	int (*order_upsert)(struct store *s, struct order *o, int64_t now, enum store_upsert *out);
	/* Several orders in ONE transaction: all stored, or none. The ids and
	 * `outs` (may be NULL) are filled only after the commit. */
	int (*order_upsert_many)(struct store *s, struct order *v, size_t n, int64_t now,
				 enum store_upsert *outs);
	/* Getters: `out` must be initialised (order_init/doc_init); it is
	 * released first, then filled. -PL_ENOTFOUND when there is none. */
	int (*order_get)(struct store *s, int64_t id, struct order *out);
	int (*order_find)(struct store *s, const char *source, const char *ext_id,
			  struct order *out);
	/* Find by human number (or by ext_id when no number matches).
	 * -PL_EEXIST when more than one order matches (never a guess). */
	int (*order_find_number)(struct store *s, const char *number, struct order *out);
	int (*order_list)(struct store *s, const struct store_order_filter *f, store_order_fn *fn,
			  void *arg);
	int (*order_events)(struct store *s, int64_t order_id, store_event_fn *fn, void *arg);

	/* Store a document; when `num` is not NULL take the next number of
	 * (kind, period of d->issue_date) and write it into d->number in the
	 * same transaction. Fills d->id. On failure the number is given back
	 * (gapless) and d->number/d->id are left as they were. */
	int (*doc_insert)(struct store *s, struct document *d, const struct numbering *num);
	int (*doc_get)(struct store *s, int64_t id, struct document *out);
	int (*doc_list)(struct store *s, const struct store_doc_filter *f, store_doc_fn *fn,
			void *arg);
	/* pending -> issued | failed, issued -> cancelled, failed -> pending;
	 * others -PL_ESTATE. remote_id NULL keeps the stored one. */
	int (*doc_set_state)(struct store *s, int64_t id, enum doc_state state,
			     const char *remote_id);

	/* Journal. job_begin inserts the intent (PENDING) unless the idem_key
	 * exists, in which case it loads the existing job into *j and returns
	 * -PL_EEXIST (j's own request/result are freed first: they are owned).
	 * j->resource and j->doc_id are stored with it. On success fills id, state (PENDING), attempt (1), created, updated. */
	int (*job_begin)(struct store *s, struct job *j);
	/* Move a job to `state`, bump attempt when `new_attempt`, set result
	 * (may be NULL: keep). One durable commit. Allowed (else -PL_ESTATE):
	 * pending -> sending|failed|cancelled; sending -> sending|done|failed|
	 * unknown; unknown -> unknown|done|failed; failed -> cancelled, or
	 * failed -> pending with new_attempt (only there). docs/store.md.
	 * Only for unclaimed jobs (-PL_ELOST when a live owner holds it): a
	 * claimed job moves by job_step. */
	int (*job_update)(struct store *s, int64_t id, enum job_state state, bool new_attempt,
			  const char *result);
	/* *out is overwritten, not released: job_release() a previous one. */
	int (*job_get)(struct store *s, int64_t id, struct job *out);
	/* The newest job of `kind` that made or settles document doc_id, like
	 * job_get; -PL_ENOTFOUND when none. */
	int (*job_by_doc)(struct store *s, int64_t doc_id, const char *kind, struct job *out);
	/* Jobs in a state (e.g. JOB_SENDING at start-up), oldest first. */
	int (*job_list)(struct store *s, enum job_state state, store_job_fn *fn, void *arg);

	/* Claim a job (struct job_claim; docs/journal.md). Claimable: state
	 * pending, sending or unknown; not_before passed; unclaimed, or its
	 * owner's lease lapsed (or c->gone says the owner is gone); and no
	 * other job on the same resource is claimed by a live owner. A pending
	 * job is not started while its resource has a sending/unknown job
	 * (that one is reconciled first, or blocks when held). With c->id 0
	 * the oldest reclaimable job comes first, then the oldest pending one.
	 * Fills *out (overwritten: job_release() a previous one), with
	 * out->reclaimed. 0; -PL_ENOTFOUND (no such job, or with id 0 nothing
	 * claimable); with an id: -PL_EBUSY (a live owner holds it or its
	 * resource: wait), -PL_ESTATE (final, held, deferred or blocked; read
	 * it with job_get). One transaction, recorded in the history. */
	int (*job_claim)(struct store *s, const struct job_claim *c, struct job *out);
	/* Apply a step (struct job_step) if the job is in st->from and owned
	 * by st->owner, else -PL_ELOST (nothing written). Transitions as
	 * job_update, plus pending -> pending (new evidence). -PL_ESTATE when
	 * the document transition is not allowed. One transaction. */
	int (*job_step)(struct store *s, const struct job_step *st);
	/* Extend the owner's lease to now + lease_ms. -PL_ELOST. */
	int (*job_renew)(struct store *s, int64_t id, const char *owner, int64_t lease_ms);
	/* Create the job's document, numbered (num may be NULL) in the same
	 * transaction, by the owner of a pending job with no document yet:
	 * fills d->id and d->number and the job's doc_id. -PL_ELOST when not
	 * the owner or not pending; -PL_EEXIST (d->id = the job's document)
	 * when the job already has one. On failure the number is given back. */
	int (*job_doc_insert)(struct store *s, int64_t job_id, const char *owner,
			      struct document *d, const struct numbering *num);
	/* The job's history, oldest first. */
	int (*job_attempts)(struct store *s, int64_t id, store_attempt_fn *fn, void *arg);
	/* Start-up repair: documents still pending whose job is done become
	 * issued (remote_id from the job's evidence "key"). *fixed = count. */
	int (*job_repair)(struct store *s, size_t *fixed);
	/* Held orders. hold_get: the open hold of an order, -PL_ENOTFOUND if it
	 * is not held. hold_list: open holds only (`open_only`) or all, oldest
	 * first. hold_release: close the open hold with `action` ("accept" or
	 * "correct"), and add the audit row (actor, "order.<action>", the order
	 * number, the reason) in the same transaction; -PL_ENOTFOUND if the
	 * order is not held. */
	int (*hold_get)(struct store *s, int64_t order_id, struct store_hold *out);
	int (*hold_list)(struct store *s, bool open_only, store_hold_fn *fn, void *arg);
	int (*hold_release)(struct store *s, int64_t order_id, const char *actor,
			    const char *action, const char *reason, int64_t now);

	/* Audit log of manual actions. */
	int (*audit_add)(struct store *s, const char *actor, const char *action, const char *object,
			 const char *detail, int64_t now);
	/* The audit log and every job's history merged, newest first; a job's
	 * object is its order's number. */
	int (*audit_list)(struct store *s, const struct store_audit_filter *f, store_audit_fn *fn,
			  void *arg);
	/* In ONE transaction (CAS on r->from; -PL_ESTATE and nothing written
	 * when the job is not in r->from or a live owner holds it; -PL_EINVAL
	 * for a transition not listed):
	 *   to done:    unknown, held, or sending with no live claim; its
	 *               pending document becomes issued;
	 *   to failed:  the same; its pending document becomes failed;
	 *   to pending: failed (new attempt; a failed document back to
	 *               pending) or held pending/unknown/sending with no live
	 *               claim (the hold is lifted).
	 * The claim and hold are dropped, a history row (owner = actor) and an
	 * audit row "job.resolve" / "job.retry" (object: the order's number)
	 * are written. */
	int (*job_resolve)(struct store *s, const struct job_resolve *r);

	/* What an invoicing service holds of our document (schema v4,
	 * table doc_remote): put inserts or replaces the row of r->doc_id
	 * (-PL_EINVAL without doc_id/service/remote_id, -PL_ENOTFOUND when
	 * there is no such document); get fills *out (out->detail malloc'd,
	 * doc_remote_release frees it) or -PL_ENOTFOUND. */
	int (*doc_remote_put)(struct store *s, const struct doc_remote *r);
	int (*doc_remote_get)(struct store *s, int64_t doc_id, struct doc_remote *out);

	/* The documents list (struct store_doc_query), one read snapshot.
	 * *next (may be NULL) is the cursor of the next page, 0 when this was
	 * the last. -PL_EINVAL for a bad date, limit or search text. */
	int (*doc_query)(struct store *s, const struct store_doc_query *q, store_doc_fn *fn,
			 void *arg, int64_t *next);
	/* Record a payment of `amount` (> 0 minor units, taken with the sign of
	 * the document's total) on a pending or issued document, with the audit
	 * row "doc.pay" (actor, the number, detail) in the same transaction.
	 * -PL_ENOTFOUND, -PL_ESTATE (cancelled or failed), -PL_ETOOBIG (more than
	 * the rest owed; nothing written). *paid_out (may be NULL) = the new total paid. */
	int (*doc_pay)(struct store *s, int64_t id, int64_t amount, const char *actor, int64_t now,
		       int64_t *paid_out);
	/* Packing sessions (h-station): put inserts or replaces the order's
	 * row (-PL_EINVAL without order_id/state, -PL_ENOTFOUND when there is
	 * no such order); get fills *out or -PL_ENOTFOUND. */
	int (*pack_session_put)(struct store *s, const struct pack_session *ps);
	int (*pack_session_get)(struct store *s, int64_t order_id, struct pack_session *out);
};

/* Backends, chosen by the DSN: "sqlite:PATH" or a plain path. */
extern const struct store_ops store_sqlite_ops;

/* Every store starts with its ops pointer (SQLite's pMethod-first layout). */
struct store {
	const struct store_ops *ops;
};

/* Open by DSN, choosing the backend. */
int store_open(struct store **out, const char *dsn);

static inline void store_close(struct store *s)
{
	if (s)
		s->ops->close(s);
}
static inline int store_order_upsert(struct store *s, struct order *o, int64_t now,
				     enum store_upsert *out)
{
	return s->ops->order_upsert(s, o, now, out);
}
static inline int store_order_upsert_many(struct store *s, struct order *v, size_t n, int64_t now,
					  enum store_upsert *outs)
{
	return s->ops->order_upsert_many(s, v, n, now, outs);
}
static inline int store_order_get(struct store *s, int64_t id, struct order *out)
{
	return s->ops->order_get(s, id, out);
}
static inline int store_order_find(struct store *s, const char *source, const char *ext_id,
				   struct order *out)
{
	return s->ops->order_find(s, source, ext_id, out);
}
static inline int store_order_find_number(struct store *s, const char *number, struct order *out)
{
	return s->ops->order_find_number(s, number, out);
}
static inline int store_order_list(struct store *s, const struct store_order_filter *f,
				   store_order_fn *fn, void *arg)
{
	return s->ops->order_list(s, f, fn, arg);
}
static inline int store_order_events(struct store *s, int64_t order_id, store_event_fn *fn,
				     void *arg)
{
	return s->ops->order_events(s, order_id, fn, arg);
}
static inline int store_doc_insert(struct store *s, struct document *d, const struct numbering *num)
{
	return s->ops->doc_insert(s, d, num);
}
static inline int store_doc_get(struct store *s, int64_t id, struct document *out)
{
	return s->ops->doc_get(s, id, out);
}
static inline int store_doc_list(struct store *s, const struct store_doc_filter *f,
				 store_doc_fn *fn, void *arg)
{
	return s->ops->doc_list(s, f, fn, arg);
}
static inline int store_doc_set_state(struct store *s, int64_t id, enum doc_state state,
				      const char *remote_id)
{
	return s->ops->doc_set_state(s, id, state, remote_id);
}
static inline int store_job_begin(struct store *s, struct job *j)
{
	return s->ops->job_begin(s, j);
}
static inline int store_job_update(struct store *s, int64_t id, enum job_state state,
				   bool new_attempt, const char *result)
{
	return s->ops->job_update(s, id, state, new_attempt, result);
}
static inline int store_job_get(struct store *s, int64_t id, struct job *out)
{
	return s->ops->job_get(s, id, out);
}
static inline int store_job_by_doc(struct store *s, int64_t doc_id, const char *kind,
				   struct job *out)
{
	return s->ops->job_by_doc(s, doc_id, kind, out);
}
static inline int store_job_list(struct store *s, enum job_state state, store_job_fn *fn, void *arg)
{
	return s->ops->job_list(s, state, fn, arg);
}
static inline int store_job_claim(struct store *s, const struct job_claim *c, struct job *out)
{
	return s->ops->job_claim(s, c, out);
}
static inline int store_job_step(struct store *s, const struct job_step *st)
{
	return s->ops->job_step(s, st);
}
static inline int store_job_renew(struct store *s, int64_t id, const char *owner, int64_t lease_ms)
{
	return s->ops->job_renew(s, id, owner, lease_ms);
}
static inline int store_job_doc_insert(struct store *s, int64_t job_id, const char *owner,
				       struct document *d, const struct numbering *num)
{
	return s->ops->job_doc_insert(s, job_id, owner, d, num);
}
static inline int store_job_attempts(struct store *s, int64_t id, store_attempt_fn *fn, void *arg)
{
	return s->ops->job_attempts(s, id, fn, arg);
}
static inline int store_job_repair(struct store *s, size_t *fixed)
{
	return s->ops->job_repair(s, fixed);
}
static inline int store_audit_add(struct store *s, const char *actor, const char *action,
				  const char *object, const char *detail, int64_t now)
{
	return s->ops->audit_add(s, actor, action, object, detail, now);
}
static inline int store_hold_get(struct store *s, int64_t order_id, struct store_hold *out)
{
	return s->ops->hold_get(s, order_id, out);
}
static inline int store_hold_list(struct store *s, bool open_only, store_hold_fn *fn, void *arg)
{
	return s->ops->hold_list(s, open_only, fn, arg);
}
static inline int store_hold_release(struct store *s, int64_t order_id, const char *actor,
				     const char *action, const char *reason, int64_t now)
{
	return s->ops->hold_release(s, order_id, actor, action, reason, now);
}
static inline int store_audit_list(struct store *s, const struct store_audit_filter *f,
				   store_audit_fn *fn, void *arg)
{
	return s->ops->audit_list(s, f, fn, arg);
}
static inline int store_job_resolve(struct store *s, const struct job_resolve *r)
{
	return s->ops->job_resolve(s, r);
}
static inline int store_doc_remote_put(struct store *s, const struct doc_remote *r)
{
	return s->ops->doc_remote_put(s, r);
}
static inline int store_doc_remote_get(struct store *s, int64_t doc_id, struct doc_remote *out)
{
	return s->ops->doc_remote_get(s, doc_id, out);
}
static inline int store_doc_query(struct store *s, const struct store_doc_query *q,
				  store_doc_fn *fn, void *arg, int64_t *next)
{
	return s->ops->doc_query(s, q, fn, arg, next);
}
static inline int store_doc_pay(struct store *s, int64_t id, int64_t amount, const char *actor,
				int64_t now, int64_t *paid_out)
{
	return s->ops->doc_pay(s, id, amount, actor, now, paid_out);
}
static inline int store_pack_session_put(struct store *s, const struct pack_session *ps)
{
	return s->ops->pack_session_put(s, ps);
}
static inline int store_pack_session_get(struct store *s, int64_t order_id,
					 struct pack_session *out)
{
	return s->ops->pack_session_get(s, order_id, out);
}
static inline int store_schema_version(struct store *s, int *out)
{
	return s->ops->schema_version(s, out);
}

#endif
