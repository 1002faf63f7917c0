/* SPDX-License-Identifier: Apache-2.0 */
/* agent/docs_pdf_labels.h - the words on our PDF documents, per language
 * (private to agent/docs_pdf*.c). Static tables: read-only, any thread. */
#ifndef PL_AGENT_DOCS_PDF_LABELS_H
#define PL_AGENT_DOCS_PDF_LABELS_H

#include "core/document.h"

struct docs_pdf_labels {
	const char *title[DOC_KIND_COUNT];
	const char *no, *issue_date, *sale_date, *place, *seller, *buyer, *nip, *order;
	const char *lp, *name, *qty, *unit, *price, *net, *rate, *vat, *gross, *sku;
	const char *vat_summary, *total, *to_pay, *to_refund, *in_words, *pay_method, *pay_term,
	    *account, *bank, *paid, *before, *after, *diff, *reason, *corrects, *of, *advances,
	    *remaining, *issued_by, *received_by, *receipt_note, *proforma_note, *advance_note, *qr,
	    *delivery_to, *ptu, *sum, *refund_note, *ksef_offline, *cancelled;
	const char *pay[9][2];
};

/* "pl" or "en"; NULL for another language. */
const struct docs_pdf_labels *docs_pdf_labels(const char *lang);

#endif
