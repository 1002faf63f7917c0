/* SPDX-License-Identifier: Apache-2.0 */
/* effects/label.h - the label of a packed parcel: shipment, ZPL, print, reprint,
 * as the effect "label" of the journal engine (journal/journal.h).
 *
 * One journal job per order (kind "label", key "label:<source>:<ext_id>"),
 * following the intent-before-effect rule (research/c-style.md §2.4). The
 * engine claims it; label_ops does the phases below, each fact journalled
 * (journal_sending / journal_evidence_commit) as soon as it is known:
 *
 *   1. shipment (when [label] courier = shipx): the evidence gets
 *      {"phase":"shipment","since":T} BEFORE the create request; the shipment
 *      id is journalled as soon as it is known. After an unclear create
 *      (timeout, lost answer, 5xx) the job is UNKNOWN; its lookup says "not
 *      done" (nothing was printed) and the next attempt, seeing "since"
 *      without a shipment id, LOOKS for the shipment by reference before it
 *      creates anything (connectors/shipx.h): a parcel never gets two
 *      shipments.
 *   2. label: the courier's ZPL (source = courier) or our template rendered
 *      with the shipment's tracking number (source = template); the exact
 *      bytes are journalled (base64) before the first byte goes to a printer.
 *   3. print: under a CUPS job name unique to the attempt ("packline label
 *      ID/TRY", journalled before the submit); the printer's job id (CUPS job
 *      id) is journalled on acceptance; then the job is followed to completed
 *      (DONE) or failure (FAILED: the label stays in the journal; a new
 *      `label print` or `label reprint` prints the SAME bytes, nothing is
 *      asked of the courier again). A printer that is still busy at the wait
 *      limit leaves the job UNKNOWN with its CUPS job id.
 *
 * The lookup (an attempt interrupted, a job left UNKNOWN) never prints:
 *   - phase print on CUPS: asks CUPS by the journalled job id, or by the
 *     attempt's job name when the id was not journalled yet: completed ->
 *     DONE (settled here, nothing printed again); unknown to CUPS, aborted or
 *     cancelled -> NOT_DONE (printed again); still printing or CUPS not
 *     answering -> RETRY.
 *   - phase print on a tcp/usb/file printer, which cannot be asked: [label]
 *     on_unclear (labels/label_config.h says why the default is reprint):
 *     reprint -> NOT_DONE (the same bytes printed again), hold -> UNDECIDABLE
 *     (held UNKNOWN until the operator runs `label reprint`); both write
 *     "unclear" into the evidence and an audit row (label.unclear.*), once
 *     per attempt.
 *   - any earlier phase (shipment, label): NOT_DONE, nothing was printed.
 *
 * Evidence of the job (kept across attempts: the engine carries it into a
 * new attempt):
 *   {"phase":"shipment|label|print|done","since":T,"shipment_id":N,
 *    "tracking":"...","carrier":"InPost","zpl_b64":"...","zpl_len":N,
 *    "printer":"cups","print_job":"cups:zebra-17","cups_id":17,
 *    "print_state":"completed","message":"..."}
 *
 * A reprint is its own journal job (kind "label", key
 * "label-reprint:<source>:<ext_id>:<ms>", request {"reprint_of":ID}) plus an
 * audit entry; it prints the bytes of the original job and never talks to
 * the courier.
 *
 * The request of a job records what was asked:
 *   {"order":"ZK/1","source":"template","courier":"shipx","printer":"cups"}
 * or, for a reprint, {"reprint_of":ID,"actor":"anna"}; the setup (template,
 * printer, ShipX client) is the registration arg (struct label_fx), the
 * order is loaded by the job's order id.
 */
#ifndef PL_EFFECTS_LABEL_H
#define PL_EFFECTS_LABEL_H

#include "store/store.h"
#include "base/diag.h"
#include "connectors/shipx.h"
#include "core/order.h"
#include "labels/label.h"
#include "labels/label_config.h"
#include "labels/print.h"
#include "journal/journal.h"

#include <stdbool.h>
#include <stdint.h>

#define LABEL_ZPL_MAX (1024u * 1024) /* bytes of one label kept in the journal */

enum label_outcome {
	LABEL_PRINTED,      /* printed by this call */
	LABEL_ALREADY_DONE, /* the journal had it printed: nothing was done (use reprint) */
	LABEL_REPRINTED,    /* label_reprint() */
};

struct label_result {
	enum label_outcome outcome;
	int64_t job_id;
	int64_t shipment_id;
	char tracking[64];
	char print_job[320]; /* "cups:zebra-17" */
	int cups_id;
	int shortened;     /* text fields shortened by the template's fit rules */
	char message[512]; /* for the operator: what was done or why it failed */
};

/* What the label effect borrows (registration arg, outlives the engine). */
struct label_fx {
	const struct label_setup *ls;
	struct shipx *shipx;   /* NULL when the setup uses no courier */
	const struct order *o; /* the order in hand (direct calls), or NULL: loaded */
};

extern const struct journal_effect_ops label_ops; /* kind "label" */

/* --- direct calls (agent/cli.c, agent/process.c, tests) ---------------------
 * An intent, then the engine working it by id on a journal opened on the
 * caller's store (held jobs included: these are the operator's commands). */

/* Journal key "label:<source>:<ext_id>". */
int label_job_key(const struct order *o, char *out, size_t cap);

/* Print the label of order `o` (see the phases above). `shipx` may be NULL
 * when the setup does not use a courier, else an initialised client. 0 with
 * res->outcome; -PL_EINVAL bad order data (job FAILED); -PL_EDEVICE /
 * -PL_ENOTFOUND / -PL_EIO printer failed (job FAILED, label kept);
 * -PL_ETIMEDOUT not confirmed or still printing; -PL_EUNKNOWN an outcome to
 * settle (the next call does); -PL_ESTATE the job was cancelled; -PL_ESTORE. */
int label_print(struct store *st, const struct label_setup *ls, struct shipx *shipx,
		const struct order *o, struct label_result *res);

/* The workflow's `label` step (agent/process.c): record (or find) the label
 * job of `o` on j, to be performed by the engine later - a worker of the
 * pool in `packline run`, journal_work_ids in `process`; its label_fx
 * (registration arg) has o = NULL, the order is loaded by the job's id.
 * 0: res->job_id is to be worked; 1: printed already (res filled, nothing
 * to do); a FAILED job is armed again as a new attempt (shipment and label
 * bytes kept). -PL_EINVAL (no key), -PL_ESTATE (cancelled), -PL_EBUSY
 * (another process re-armed it), -PL_ESTORE. */
int label_intent(struct journal *j, const struct label_setup *ls, const struct order *o,
		 struct label_result *res);
/* Fill res from a label job the engine settled as `out` (tracking, print
 * job, message). 0 printed, else the error label_print would return. */
int label_settled(struct store *st, const struct journal_outcome *out, struct label_result *res);

/* Print again the bytes journalled for order `o`; logged as a journal job
 * and an audit entry by `actor`. -PL_ENOTFOUND when the order has no label
 * yet (nothing is created). */
int label_reprint(struct store *st, const struct label_setup *ls, const struct order *o,
		  const char *actor, struct label_result *res);

/* Base64 (RFC 4648) for the journal; exposed for tests. out gets NUL. */
int label_b64_encode(const void *data, size_t len, char *out, size_t cap);
/* Decode into out[cap]; *len gets the size. -PL_EINVAL on bad input. */
int label_b64_decode(const char *in, void *out, size_t cap, size_t *len);

#endif
