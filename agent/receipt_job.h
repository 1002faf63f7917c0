/* SPDX-License-Identifier: Apache-2.0 */
/* agent/receipt_job.h - the fiscal printer's agent side: its configuration
 * section and the status page. Receipts themselves are the journal effect
 * of effects/receipt.h (included here for the callers of receipt_issue). */
#ifndef PL_AGENT_RECEIPT_JOB_H
#define PL_AGENT_RECEIPT_JOB_H

#include "agent/config.h"
#include "effects/receipt.h"
#include "store/store.h"
#include "fiscal/posnet_dev.h"
#include "core/document.h"
#include "core/order.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* `packline printer status`: device state, counters, VAT table and driver
 * statistics, one "key: value" line each, to `out`. 0 or the first error of
 * the queries (the lines printed so far stay). */
int receipt_printer_status(struct posnet_dev *dev, FILE *out);

#endif
