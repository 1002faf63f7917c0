/* SPDX-License-Identifier: Apache-2.0 */
/* labels/cups_lazy.h - libcups loaded on first use (base/lazylib.h). */
#ifndef PL_LABELS_CUPS_LAZY_H
#define PL_LABELS_CUPS_LAZY_H

/* Load libcups: 0, or -PL_ENOTSUP with *why (static storage, may be NULL)
 * naming the library, its Debian package and the loader's reason. */
int cups_lazy_load(const char **why);

#endif
