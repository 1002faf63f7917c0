/* SPDX-License-Identifier: Apache-2.0 */
/* effects/doccancel.h - "cancel document D" on the journal engine.
 *
 * The operator's `docs cancel DOC --reason R` (and later the back-office
 * panel) records the intent only: kind "doc_cancel", key "cancel:doc:<id>"
 * (a document is cancelled once, ever: a second request finds the first
 * job), resource "doc:<id>" - the corrections of that document share it,
 * so a cancellation and a correction of one document never run at once.
 * The job's doc_id is the document to cancel; request JSON:
 *   {"v":1,"doc_id":N,"reason":"...","actor":"anna"}
 *
 * What may be cancelled, checked again under the claim (the document may
 * have changed since the intent): an ISSUED document of our own numbering
 * (backend "local") that no live correction refers to. A fiscal receipt
 * never (the printer's record cannot be undone: goods come back by `orders
 * return`); a document at a service goes through that service's own
 * cancel (its effect, not this one). Refusals fail the job with the reason
 * as its message; nothing changes.
 *
 * The perform is one transaction: job done AND document cancelled
 * (journal_done_as). The number stays used - a cancelled invoice keeps its
 * number in the series (an accountant must see the gap explained, not
 * filled). `packline process` may issue a new document for the order
 * afterwards (a re-issue key, agent/process.c).
 */
#ifndef PL_EFFECTS_DOCCANCEL_H
#define PL_EFFECTS_DOCCANCEL_H

#include "journal/journal.h"

#include <stddef.h>
#include <stdint.h>

#define DOCCANCEL_REASON_MAX 256 /* bytes, as fakturownia's correction reason */

extern const struct journal_effect_ops doccancel_ops; /* kind "doc_cancel" */

/* Fill *job for cancelling document doc_id (order_id: its order).
 * job->request is malloc'd (job_release frees it). 0, -PL_EINVAL (reason
 * empty or too long), -PL_ENOMEM. */
int doccancel_job(int64_t doc_id, int64_t order_id, const char *reason, const char *actor,
		  struct job *job);

#endif
