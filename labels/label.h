/* SPDX-License-Identifier: Apache-2.0 */
/* labels/label.h - label templates: a declarative element list rendered to ZPL.
 *
 * A template file (docs/labels.md, examples/labels/) has a header of
 * `key = value` lines (size in millimetres, dpi, defaults) and then one
 * element per line, each with its place and size in millimetres and its
 * content as a quoted text with the project's macros (core/template.h):
 *
 *   size = 100x150
 *   dpi = 203
 *   box     x=2 y=2 w=96 h=146 t=0.5
 *   text    x=5 y=6 w=90 h=6 "Zamówienie {order.number}"
 *   text    x=5 y=16 w=90 h=5 lines=2 fit=shrink min_h=3.5 "{delivery.recipient}"
 *   code128 x=5 y=40 h=20 module=0.375 max=30 "{shipment.tracking}"
 *   qr      x=62 y=100 mag=4 ecc=M max=80 "https://example.com/o/{order.number}"
 *
 * Everything that can be checked without an order is checked when the file
 * loads: syntax, units, every macro name (column exact), that every element
 * lies on the label (text boxes; barcodes at their declared max length). At
 * render time text that does not fit its box is shortened by the element's
 * rule (wrap onto `lines`, shrink down to `min_h`, then cut with "..."), a
 * barcode longer than its `max` or empty is an error, and the ZPL builder
 * refuses anything that would still reach past the edge: nothing is ever
 * printed off the label.
 *
 * Ownership: label_tmpl_load()/label_tmpl_parse() return a template freed
 * with label_tmpl_free(); it is immutable after loading.
 */
#ifndef PL_LABELS_LABEL_H
#define PL_LABELS_LABEL_H

#include "base/buf.h"
#include "base/diag.h"
#include "core/template.h"
#include "labels/zpl.h"

#include <stddef.h>

#define LABEL_MAX_FILE     (64u * 1024)
#define LABEL_MAX_ELEMENTS 64
#define LABEL_MAX_FIELD    1024 /* bytes of one rendered element's content */

/* Macro names a label may use besides the built-in ones (their values come
 * from the shipment): shipment.tracking, shipment.carrier, shipment.id,
 * shipment.service, shipment.reference, station. */
extern const struct tmpl_vars label_vars;

struct label_tmpl;

/* Parse template text; `name` is used in messages ("inpost.zpl.tmpl"), `dpi`
 * overrides the file's dpi when non-zero (the printer's resolution wins).
 * Every error goes to `d` as "NAME:LINE:COL: message". 0, -PL_ECONFIG (errors
 * in d), -PL_ENOMEM. */
int label_tmpl_parse(const char *text, size_t len, const char *name, int dpi,
		     struct label_tmpl **out, struct diag *d);
/* Read and parse a file (at most LABEL_MAX_FILE bytes). -PL_EIO when it cannot
 * be read (message in d). */
int label_tmpl_load(const char *path, int dpi, struct label_tmpl **out, struct diag *d);
void label_tmpl_free(struct label_tmpl *t);

/* Size in dots and resolution in force. */
int label_tmpl_width(const struct label_tmpl *t);
int label_tmpl_height(const struct label_tmpl *t);
int label_tmpl_dpi(const struct label_tmpl *t);

/* Render one label for `ctx` into `z` (reset first). 0, or -PL_EINVAL with
 * `why` saying which element failed and how (a barcode longer than its max,
 * empty required data, text that cannot fit even shortened), -PL_ENOMEM,
 * -PL_ETOOBIG. Text shortening is not an error; it is counted in *shortened
 * when not NULL. */
int label_render(const struct label_tmpl *t, const struct tmpl_ctx *ctx, struct zpl *z,
		 int *shortened, char *why, size_t why_len);

#endif
