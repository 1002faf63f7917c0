/* SPDX-License-Identifier: Apache-2.0 */
/* effects/fiscal_return.h - a goods return on the fiscal printer, on the
 * journal engine (issue #18, defect 2: a returned or cancelled order paid
 * with a fiscal receipt, with [returns] receipt = printer).
 *
 * The intent is recorded by agent/returns.c (effects/docfx.h, job kind
 * "fiscal_return", resource "printer:<name>": one thing at a time on a
 * printer). The claimer builds the refund document of the lines taken back
 * (docfx_build: never more than what is left of the receipt), stores it
 * pending and unnumbered (the printer numbers its own return), commits the
 * lines and their sum as the SENDING evidence, then sends the POSNET goods
 * return (`stocash kw<sum>`, reference/posnet-cassettes/Return_*). Printed:
 * the job is done and the refund document issued in one transaction.
 * Refused by the printer or stopped before the command left: failed
 * (nothing paid out). No answer: UNKNOWN, held.
 *
 * Lookup: from the printer's counters read before the command (journalled
 * with the SENDING evidence) and now: header number +1 and no receipt
 * counter moved -> done (never paid out twice); unchanged -> not done (sent
 * again); anything else -> UNDECIDABLE, held for the operator with the sum
 * (`packline jobs show` / `jobs resolve`). See the GUESS in fiscal_return.c.
 *
 * The registration arg is the receipt effect's struct receipt_fx (the same
 * printer, opened per job when lazy).
 */
#ifndef PL_EFFECTS_FISCAL_RETURN_H
#define PL_EFFECTS_FISCAL_RETURN_H

#include "effects/receipt.h"
#include "journal/journal.h"

extern const struct journal_effect_ops fiscal_return_ops; /* kind "fiscal_return" */

#endif
