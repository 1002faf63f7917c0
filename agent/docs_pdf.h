/* SPDX-License-Identifier: Apache-2.0 */
/* agent/docs_pdf.h - our own documents as PDF (issue #19).
 *
 * docs_pdf_render() reads a stored document, its order (buyer address,
 * payment), the document it corrects or the advance a final invoice
 * deducts, the [seller] and [pdf] sections, and lays it out with pdf/pdf.h:
 * VAT invoice, proforma, advance, final (advances deducted), correction
 * (before / after / difference and reason), WZ, receipt copy and refund
 * note, in Polish or English. A VAT invoice or correction carries the KSeF
 * verification QR code (KOD I) over the exact FA(3) XML bytes core/fa3.h
 * writes for it.
 *
 * docs_pdf_layout() is the pure part (no store, no config): the same layout
 * from filled structs, for the fuzz target and the benchmark.
 *
 * Ownership: `out` is the caller's, initialised (its max caps the PDF);
 * it is reset and filled. Fonts are opened once per path and kept for the
 * life of the process (read-only, shared by threads).
 * Threads: any thread; the last error message is per thread.
 */
#ifndef PL_AGENT_DOCS_PDF_H
#define PL_AGENT_DOCS_PDF_H

#include "base/buf.h"
#include "base/cfgview.h"
#include "core/document.h"
#include "core/order.h"

#include <stdint.h>

struct config;
struct store;
struct pdf_font;

#define DOCS_PDF_DEFAULT_FONT      "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
#define DOCS_PDF_DEFAULT_FONT_BOLD "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"

/* [seller]: who issues the documents. */
struct docs_pdf_seller {
	char name[512];
	char nip[16];
	char address[256]; /* street line */
	char city[128];    /* "00-001 Warszawa" */
	char country[3];
	char bank_account[64];
	char bank_name[128];
	char place[128];    /* place of issue, may be empty */
	char zw_basis[256]; /* legal basis of a VAT exemption (FA(3) P_19A) */
	char email[128];
	char phone[32];
};

/* [pdf]: how they look. */
struct docs_pdf_cfg {
	char font[1024];
	char font_bold[1024]; /* "" = no bold font (bold drawn by stroking) */
	char lang[3];         /* "pl" | "en" */
	int payment_days;     /* term for unpaid transfer/cod orders */
	char ksef_qr_host[128];
};

/* Read [seller] and [pdf] (defaults for what is missing). Errors to `d`
 * with FILE:LINE; 0 or -PL_ECONFIG. `seller` or `pc` may be NULL. */
int docs_pdf_config_load(const struct config_view *v, struct docs_pdf_seller *seller,
			 struct docs_pdf_cfg *pc, struct diag *d);
/* The checkers for agent/config_sections.c. */
int docs_pdf_seller_check(const struct config_view *v, const char *name, struct diag *d);
int docs_pdf_cfg_check(const struct config_view *v, const char *name, struct diag *d);

/* Everything a layout needs, borrowed. */
struct docs_pdf_input {
	const struct document *d;
	const struct order *o; /* may be NULL: no address, no payment */
	const struct docs_pdf_seller *seller;
	const char *lang;               /* "pl" | "en" */
	const struct document *orig;    /* correction: the corrected document, may be NULL */
	const struct document *advance; /* final: the advance it deducts, may be NULL */
	const char *reason;             /* correction: why, may be NULL */
	const char *kod1;               /* KSeF KOD I link, NULL = no QR */
	int payment_days;
	struct pdf_font *font, *bold; /* bold may be NULL */
};

/* Lay `in` out as PDF into `out`. 0, -PL_EINVAL (unknown language, a kind
 * with no layout), -PL_ETOOBIG (over the page or byte cap), -PL_ENOMEM,
 * -PL_ENOTSUP (built without PDF support). */
int docs_pdf_layout(const struct docs_pdf_input *in, struct buf *out);

/* The font at `path`, opened once per process and kept. 0 or as
 * pdf_font_open() (message in docs_pdf_error()). */
int docs_pdf_font(const char *path, struct pdf_font **out);

/* Render stored document `doc_id` in `lang` ("pl", "en"; NULL = [pdf] lang).
 * 0; -PL_ENOTFOUND (no such document), -PL_EINVAL (not numbered yet, a
 * kind without a PDF such as none, bad language), -PL_ECONFIG ([seller]
 * missing or incomplete), -PL_ENOTSUP (no PDF support or font libraries),
 * -PL_ESTORE, -PL_ENOMEM, -PL_ETOOBIG. docs_pdf_error() says why. */
int docs_pdf_render(const struct config *cfg, struct store *st, int64_t doc_id, const char *lang,
		    struct buf *out);
/* Why the last docs_pdf_* call on this thread failed ("" when it did not). */
const char *docs_pdf_error(void);

#endif
