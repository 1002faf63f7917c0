/* SPDX-License-Identifier: Apache-2.0 */
/* fiscal/fiscal_posnet.h - a POSNET printer (fiscal/posnet_dev.h) behind the fiscal-device interface.
 *
 * Ownership: the fiscal device owns the POSNET device (and so its transport);
 * fiscal_dev_close() frees both. fiscal_posnet_dev() lends the POSNET device
 * for protocol-specific calls; it stays valid until fiscal_dev_close().
 */
#ifndef PL_FISCAL_FISCAL_POSNET_H
#define PL_FISCAL_FISCAL_POSNET_H

#include "fiscal/fiscal_dev.h"
#include "fiscal/posnet_dev.h"

extern const struct fiscal_dev_ops fiscal_posnet_ops;

/* Open cfg->target (posnet_dev_open) as a fiscal device. */
int fiscal_posnet_open(struct fiscal_dev **out, const struct posnet_cfg *cfg);
/* Wrap an open POSNET device; takes ownership of `pd` (also on failure). */
int fiscal_posnet_wrap(struct fiscal_dev **out, struct posnet_dev *pd);
/* The POSNET device inside a fiscal device opened above; NULL for another kind. */
struct posnet_dev *fiscal_posnet_dev(struct fiscal_dev *d);

#endif
