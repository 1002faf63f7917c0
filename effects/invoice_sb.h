/* SPDX-License-Identifier: Apache-2.0 */
/* effects/invoice_sb.h - invoices at SmartBill (Romania) on the journal engine.
 *
 * A rule with `backend = smartbill` records a docfx intent whose job kind is
 * "smartbill" and whose resource is SB_RESOURCE, so one SmartBill invoice is
 * in flight at a time across every process on the store. The claimer builds
 * the document (unnumbered: SmartBill numbers it) and:
 *   1. reads the series' nextNumber N (GET /series);
 *   2. journals SENDING with {series, next: N, marker} before the POST;
 *   3. POST /invoice. An answer: the number is stored with our document
 *      (store doc_remote: service "smartbill", remote_id SERIES+NUMBER) and
 *      the job is done in the same step as the document is issued.
 * After a timeout, a dropped connection or a 5xx (and for a job reclaimed
 * from a process that died after journalling SENDING) the lookup reads the
 * series again - SmartBill has no search:
 *   nextNumber == N  -> not made: safe to send again (a new attempt);
 *   nextNumber  > N  -> something was made since: the PDFs of N..next-1 are
 *                       read and the one whose text carries our marker
 *                       (`mentions`: "packline:<idem key>") is ours -> done
 *                       with that number; when each of them carries another
 *                       job's marker, ours was not made -> a new attempt;
 *                       a PDF whose text cannot be read (real SmartBill PDFs
 *                       may be compressed) -> held for the operator, never
 *                       sent twice on a guess;
 *   nextNumber  < N  -> the series went back (a delete): held.
 * A correction of an invoice made at SmartBill (a cancelled order; the
 * returns code picks backend smartbill when the corrected invoice's backend
 * is smartbill) is a storno: POST /invoice/reverse of the whole invoice,
 * with the same evidence (the series' next number; the storno takes a
 * number of the same series) and lookup (its PDF carries the invoice's
 * marker - GUESS: SmartBill copies the invoice's mentions). A correction
 * that takes back only part of the invoice is refused (failed, with the
 * reason): SmartBill has no correction invoice. The invoice's doc_remote
 * row becomes status "reversed".
 * A rate-limit lockout or an unreachable service defers the job; the
 * limiter (connectors/smartbill.h) keeps every process under 30 calls / 10 s.
 *
 * Configuration [smartbill]: url, user, token, cif, series, language, unit,
 * cainfo, rate_file, timeout_ms, tax_23 tax_8 tax_5 tax_0 tax_zw tax_np
 * tax_oo = NAME:PERCENT (SmartBill's tax for each of our VAT rates). The
 * token is a secret: the configuration file holding it must not be readable
 * by group or others (mode 0600), else the load fails.
 *
 * Ownership: sb_invoice_ops is static; its registration arg is a struct
 * sb_fx that outlives the engine (read only: shared by worker threads; each
 * job opens its own SmartBill client).
 */
#ifndef PL_EFFECTS_INVOICE_SB_H
#define PL_EFFECTS_INVOICE_SB_H

#include "base/cfgview.h"
#include "base/diag.h"
#include "connectors/smartbill.h"
#include "effects/docfx.h"
#include "journal/journal.h"

#define SB_JOB_KIND "smartbill"
#define SB_RESOURCE "smartbill"

struct sb_fx {
	struct sb_cfg cfg;
	struct docfx_env docs;
};

extern const struct journal_effect_ops sb_invoice_ops; /* kind "smartbill" */

/* Read and check [smartbill] into *out (sb_cfg_init defaults first). Every
 * problem goes to `d` with FILE:LINE. `store_path` gives the default
 * rate_file ("<store path>.smartbill-rate"): processes that share a store
 * share the limiter. 0, -PL_ECONFIG. */
int sb_setup_load(const struct config_view *v, const char *store_path, struct sb_cfg *out,
		  struct diag *d);
/* The [smartbill] checker for the agent's table (base/cfgview.h). */
int sb_config_check(const struct config_view *v, const char *name, struct diag *d);

#endif
