/* SPDX-License-Identifier: Apache-2.0 */
/* pdf/pdf_lazy.h - HarfBuzz (subset), libqrencode and zlib, opened on first
 * use (base/lazylib.h says why). Private to pdf/.
 *
 * pdf_lazy_load() opens all three; 0, or -PL_ENOTSUP with *why naming the
 * missing Debian package. Thread-safe.
 */
#ifndef PL_PDF_PDF_LAZY_H
#define PL_PDF_PDF_LAZY_H

int pdf_lazy_load(const char **why);

#endif
