/* SPDX-License-Identifier: Apache-2.0 */
/* labels/label_config.h - the label's configuration, read and checked by the
 * labels module itself (base/cfgview.h says why). */
#ifndef PL_LABELS_LABEL_CONFIG_H
#define PL_LABELS_LABEL_CONFIG_H

#include "base/cfgview.h"
#include "base/diag.h"
#include "connectors/shipx.h"
#include "labels/label.h"
#include "labels/print.h"

#include <stdbool.h>

enum label_source { LABEL_SRC_TEMPLATE, LABEL_SRC_COURIER };

/* What to do with a print interrupted on a printer that cannot be asked what
 * it printed (tcp, usb, file; defect 12). CUPS is always asked instead.
 * Default REPRINT: at a packing station a missing label stops the parcel,
 * while a second copy of the SAME bytes (same tracking number) is a wasted
 * sticker the packer sees and throws away; HOLD is for sites where a stray
 * duplicate label is worse than a parcel waiting for the operator. Either
 * way the job's evidence and an audit row say what was assumed. */
enum label_unclear { LABEL_UNCLEAR_REPRINT, LABEL_UNCLEAR_HOLD };

/* Everything a label needs, read and checked from the configuration:
 *   [label "NAME"]  template, source = template|courier, courier = shipx|none,
 *                   dpi = 203|300, printer = cups|tcp|usb|file, tcp = HOST:PORT,
 *                   usb = VID:PID, usb_device = /dev/bus/usb/B/D, file = PATH,
 *                   timeout_ms, wait_ms, on_unclear = reprint|hold
 *   [cups]          server, queue, timeout_ms, wait_ms
 *   [shipx]         url, token, organization, service, parcel, sending_method,
 *                   cainfo, timeout_ms, confirm_timeout_ms, poll_ms
 * (docs/labels.md). Ownership: label_setup_load() / label_setup_release(). */
struct label_setup {
	char name[64];
	enum label_source source;
	bool use_shipx;
	int dpi;
	struct label_tmpl *tmpl; /* NULL when source = courier */
	struct print_cfg print;
	struct shipx_cfg shipx;
	char station[64];
	char carrier[32]; /* "InPost" with shipx, else "" */
	enum label_unclear on_unclear;
};

/* Read [label "name"] ("" = the unnamed [label]) and the [cups]/[shipx]
 * sections it uses; load and check the template. Every problem goes to `d`
 * with FILE:LINE (the template's own errors with FILE:LINE:COL).
 * 0, -PL_ECONFIG, -PL_ENOMEM. */
int label_setup_load(const struct config_view *c, const char *name, struct label_setup *out,
		     struct diag *d);
void label_setup_release(struct label_setup *s);

/* The [label "NAME"] checker for the agent's table (base/cfgview.h): loads
 * the setup (template included) and releases it. */
int label_config_check(const struct config_view *v, const char *name, struct diag *d);

#endif
