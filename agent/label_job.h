/* SPDX-License-Identifier: Apache-2.0 */
/* agent/label_job.h - the label of a packed parcel: shipment, ZPL, print, reprint.
 *
 * One journal job per order (kind "label", key "label:<source>:<ext_id>"),
 * following the intent-before-effect rule (research/c-style.md §2.4):
 *
 *   1. shipment (when [label] courier = shipx): the job goes SENDING with
 *      {"phase":"shipment","since":T} BEFORE the create request; the shipment
 *      id is journalled as soon as it is known. After an unclear create
 *      (timeout, lost answer, 5xx) the job is UNKNOWN and the next attempt
 *      LOOKS for the shipment by reference before it creates anything
 *      (connectors/shipx.h): a parcel never gets two shipments.
 *   2. label: the courier's ZPL (source = courier) or our template rendered
 *      with the shipment's tracking number (source = template); the exact
 *      bytes are journalled (base64) before the first byte goes to a printer.
 *   3. print: the printer's job id (CUPS job id) is journalled on acceptance;
 *      then the job is followed to completed (DONE) or failure (FAILED: the
 *      label stays in the journal; a new `label print` or `label reprint`
 *      prints the SAME bytes, nothing is asked of the courier again). A
 *      printer that is still busy at the wait limit leaves the job UNKNOWN
 *      with its CUPS job id; the next attempt asks CUPS how it ended.
 *      A tcp/usb/file printer cannot be asked: a print cut off after its
 *      intent follows [label] on_unclear (labels/label_config.h says why the
 *      default is reprint): print the same bytes again, or hold the job
 *      UNKNOWN (-PL_EUNKNOWN) until the operator runs `label reprint`; both
 *      write "unclear" into the result and an audit row (label.unclear.*).
 *
 * Result JSON of the job (kept across attempts):
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
 * CLI (agent/cli.c, owned by the lead) - suggested wiring:
 *   packline label print ORDER    -> label_setup_load(); label_print(); exit
 *                                    CLI_OK / CLI_EDEVICE (-PL_EDEVICE,
 *                                    -PL_ETIMEDOUT, -PL_EUNKNOWN, -PL_EIO) /
 *                                    CLI_EINPUT (-PL_EINVAL) / CLI_ESTORE
 *   packline label reprint ORDER  -> label_reprint(); same mapping
 * and call label_setup_load() from `config check` so template errors are
 * reported when the configuration loads.
 */
#ifndef PL_AGENT_LABEL_JOB_H
#define PL_AGENT_LABEL_JOB_H

#include "agent/config.h"
#include "store/store.h"
#include "base/diag.h"
#include "connectors/shipx.h"
#include "core/order.h"
#include "labels/label.h"
#include "labels/label_config.h"
#include "labels/print.h"

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
