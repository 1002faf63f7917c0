/* SPDX-License-Identifier: Apache-2.0 */
/* pdf/pdf.h - a small PDF 1.7 writer: A4 pages of text, rules, boxes and a
 * QR code, with TrueType fonts embedded as SUBSETS.
 *
 * Why our own: a document of ours is a few hundred text runs and lines; the
 * writer only needs objects, an xref table and Flate streams. Text is drawn
 * in a Type0/Identity-H font whose CIDs are the font's own glyph ids, with a
 * ToUnicode map, so Polish letters are real text (pdftotext gives them
 * back). At pdf_finish() the glyphs used are cut out of the TTF by HarfBuzz's
 * subsetter (glyph ids kept, hinting dropped): a 10-line invoice is ~15 KB
 * where embedding DejaVu Sans whole would be ~300 KB. No shaping: Latin
 * script with precomposed letters needs none (no kerning either).
 *
 * Errors are sticky: a drawing call that fails (out of memory, over the
 * cap) records its code, later calls do nothing, pdf_finish() returns it.
 *
 * Ownership and threads: a struct pdf_font is opened once and is then
 * read-only: many threads may use it at once (HarfBuzz fonts are immutable
 * once made). A struct pdf is one document on one thread; pdf_free() frees
 * it. Coordinates are PDF points (1/72 in), origin at the page's BOTTOM left.
 */
#ifndef PL_PDF_PDF_H
#define PL_PDF_PDF_H

#include "base/buf.h"

#include <stddef.h>

#define PDF_A4_W 595.28
#define PDF_A4_H 841.89
/* Hard caps: a document is at most this many pages and bytes. */
#define PDF_MAX_PAGES 200
#define PDF_MAX_BYTES (8u << 20)

struct pdf_font;
struct pdf;

/* Open a TrueType font file. 0, -PL_ENOTSUP (built without PDF support, or
 * a library cannot be loaded: `err` says which package), -PL_EINVAL (not a
 * font we can use: `err` says why), -PL_ENOMEM. */
int pdf_font_open(struct pdf_font **out, const char *path, char *err, size_t errsz);
void pdf_font_close(struct pdf_font *f);
/* Advance width of UTF-8 `s` at `size` points (no kerning). */
double pdf_font_width(const struct pdf_font *f, const char *s, double size);

/* A new empty document; `bold` may be NULL (bold text then uses regular).
 * 0, -PL_ENOMEM. */
int pdf_new(struct pdf **out, struct pdf_font *regular, struct pdf_font *bold);
void pdf_free(struct pdf *p);
/* Document information (Title); copied. */
void pdf_set_title(struct pdf *p, const char *title);
/* Start a new A4 page; drawing goes there. The first drawing call without
 * one starts one. */
void pdf_page(struct pdf *p);
size_t pdf_page_count(const struct pdf *p);
/* Text with its baseline at (x, y). Invalid UTF-8 and characters the font
 * lacks are drawn as '?'; control characters as spaces. */
void pdf_text(struct pdf *p, double x, double y, double size, int bold, const char *s);
/* A line of `width` points; a rectangle filled with `gray` (0 black .. 1 white)
 * or, gray < 0, stroked 0.5 pt. */
void pdf_line(struct pdf *p, double x1, double y1, double x2, double y2, double width);
void pdf_rect(struct pdf *p, double x, double y, double w, double h, double gray);
/* A QR code of `text` (byte mode, level M) as a `side`-point square whose
 * bottom left corner is (x, y), quiet zone included. */
void pdf_qr(struct pdf *p, double x, double y, double side, const char *text);
/* Write the document into `out` (reset first). The first error of any call
 * before, or 0. The fonts' subsets are made here. */
int pdf_finish(struct pdf *p, struct buf *out);

/* Decode one UTF-8 character at *s (advancing it); invalid bytes give
 * U+FFFD and advance one byte. For text layout outside pdf.c too. */
unsigned pdf_utf8_next(const char **s);

#endif
