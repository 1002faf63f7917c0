/* SPDX-License-Identifier: Apache-2.0 */
/* labels/zpl.h - a ZPL II builder for Zebra-compatible thermal printers.
 *
 * The builder writes one label (^XA ... ^XZ) into a capped buffer. Every
 * element is checked against the label's size: an element that would reach
 * past the edge is refused (-PL_ERANGE is not a code we have, so -PL_EINVAL)
 * instead of being printed off the label. Text is UTF-8 (^CI28); field data is
 * cleaned (control characters become spaces, invalid UTF-8 becomes '?') and
 * ZPL's own command characters '^' and '~' are sent hex-escaped with ^FH, so
 * data from an order can never inject ZPL commands.
 *
 * Measurement: barcodes and 2-D codes have exact sizes (Code 128 subset B or
 * C, QR byte mode, Data Matrix ECC 200 ASCII encodation). Text in the scalable
 * font 0 is estimated with three width classes (zpl_text_width); see
 * docs/labels.md for the table and how it was measured.
 *
 * Errors are sticky: after the first failure every later call returns the
 * same code and zpl_finish() reports it, so a caller may add many elements and
 * check once.
 *
 * Ownership: struct zpl is embedded by the caller; zpl_init() / zpl_release().
 * zpl_detach() hands the finished bytes to the caller (free()).
 */
#ifndef PL_LABELS_ZPL_H
#define PL_LABELS_ZPL_H

#include "base/buf.h"

#include <stdbool.h>
#include <stddef.h>

#define ZPL_MAX_LABEL (256u * 1024) /* bytes of one generated label */

enum zpl_align { ZPL_LEFT, ZPL_CENTER, ZPL_RIGHT };

struct zpl {
	struct buf out;
	int width, height; /* label size in dots, set by zpl_begin() */
	int err;           /* first error (negative), sticky */
	bool open;         /* between zpl_begin() and zpl_end() */
};

void zpl_init(struct zpl *z, size_t max);
void zpl_release(struct zpl *z);
/* Drop the contents and the sticky error; keep the storage. */
void zpl_reset(struct zpl *z);

/* ^XA, UTF-8 (^CI28), print width ^PW, label length ^LL, home ^LH0,0. */
int zpl_begin(struct zpl *z, int width_dots, int height_dots);
/* ^XZ. */
int zpl_end(struct zpl *z);
/* The sticky error, or -PL_ESTATE when the label was not ended; 0 when complete. */
int zpl_finish(const struct zpl *z);
/* Take the finished label; *len gets its length. NULL on error or when empty. */
char *zpl_detach(struct zpl *z, size_t *len);

/* One line of text in font 0 at (x, y), char height h and width w dots. The
 * text must fit: the caller shortens it first (zpl_fit_text); a line that the
 * width estimate puts past the label edge is refused. `align` places the text
 * inside [x, x + box_w) (box_w 0 = no box, left only). */
int zpl_text(struct zpl *z, int x, int y, int h, int w, int box_w, enum zpl_align align,
	     const char *utf8);
/* A box (^GB) with border thickness t; h or w equal to t draws a line. */
int zpl_box(struct zpl *z, int x, int y, int w, int h, int t);
/* Code 128 (^BC) with module width `module` dots (^BY) and bar height h; `hr`
 * prints the human-readable line under it. Data must be printable ASCII;
 * digit-only data of even length uses subset C (half the width). */
int zpl_code128(struct zpl *z, int x, int y, int module, int h, bool hr, const char *data);
/* QR code (^BQ, model 2) with magnification `mag` (1..10) and error
 * correction 'L', 'M', 'Q' or 'H'. */
int zpl_qr(struct zpl *z, int x, int y, int mag, char ecc, const char *data);
/* Data Matrix ECC 200 (^BX), module size `module` dots. */
int zpl_datamatrix(struct zpl *z, int x, int y, int module, const char *data);
/* Raw ZPL from a trusted source (a courier's label is printed as it came, not
 * through this function). Appended as is; for tests and comments (^FX). */
int zpl_raw(struct zpl *z, const char *zpl);

/* --- measurement, pure functions --- */

/* Millimetres given in hundredths (1250 = 12.5 mm) to dots at `dpi`, rounded. */
int zpl_mm100_to_dots(int mm100, int dpi);
/* Number of code points of a UTF-8 string (an invalid byte counts as one). */
size_t zpl_utf8_len(const char *s);
/* Estimated width in dots of `utf8` in font 0 with char width w (see docs). */
int zpl_text_width(const char *utf8, int w);
/* Shorten `in` so that zpl_text_width(out, w) <= box_w: keep the longest
 * prefix (whole code points, trailing spaces dropped) followed by "...".
 * Returns 1 when shortened, 0 when it fitted as is, -PL_ETOOBIG when out is
 * too small, -PL_EINVAL when not even "..." fits. */
int zpl_fit_text(const char *in, int w, int box_w, char *out, size_t cap);
/* Code 128 symbol width in dots (without quiet zones); -PL_EINVAL for data
 * that is not printable ASCII or is empty. */
int zpl_code128_width(const char *data, int module);
/* Height in dots of a Code 128 symbol of bar height h, with its
 * human-readable line when `hr`. */
int zpl_code128_height(int module, int h, bool hr);
/* Side in dots of the square a QR code takes for `nbytes` (byte mode) at `ecc`
 * and `mag`, including ZPL's 10-dot offset below ^FO; -PL_ETOOBIG past
 * version 10 (213 bytes at 'M'). */
int zpl_qr_size(size_t nbytes, char ecc, int mag);
/* Data Matrix (square, ECC 200) side in dots; -PL_ETOOBIG past 144x144. */
int zpl_datamatrix_size(const char *data, int module);

#endif
