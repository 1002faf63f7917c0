/* SPDX-License-Identifier: Apache-2.0 */
/* fiscal/posnet_config.h - the fiscal printer's configuration section, read
 * and checked by the module that uses it (base/cfgview.h says why). */
#ifndef PL_FISCAL_POSNET_CONFIG_H
#define PL_FISCAL_POSNET_CONFIG_H

#include "base/cfgview.h"
#include "base/diag.h"
#include "fiscal/posnet_dev.h"

/* The printer section [printer "NAME"] of the configuration:
 *   transport = serial:/dev/ttyUSB0:9600:8N1:xonxoff | tcp:HOST:PORT | sim:
 *   timeout_status_ms, timeout_trans_ms, timeout_end_ms, timeout_report_ms
 *   tokens = yes|no, footer_order_number = yes|no, paper = 57|80, block_mode = yes|no
 * 0, or -PL_ECONFIG with the reason in d. */
int posnet_cfg_load(const struct config_view *c, const char *name, struct posnet_cfg *out,
		    struct diag *d);

/* The section's checker for the agent's table (base/cfgview.h): unknown keys,
 * the transport's form, and everything posnet_cfg_load() checks. */
int posnet_config_check(const struct config_view *v, const char *name, struct diag *d);

#endif
