/* SPDX-License-Identifier: Apache-2.0 */
/* agent/config_sections.c - the table of module sections (agent/config.h).
 *
 * The composition root: the one place that knows which module owns which
 * section. config.c walks this table and includes none of them.
 */
#include "agent/config.h"
#include "agent/docs_pdf.h"
#include "agent/returns.h"
#include "agent/station_tui.h"
#include "effects/invoice_fkt.h"
#include "effects/email.h"
#include "effects/invoice_sb.h"
#include "fiscal/posnet_config.h"
#include "labels/label_config.h"

/* [cups] and [shipx] are read (and checked) by the label that uses them. */
const struct config_section config_sections[] = {
    {"printer", posnet_config_check, NULL},
    {"label", label_config_check, NULL},
    {"cups", NULL, NULL},
    {"shipx", NULL, NULL},
    {"returns", returns_config_check, NULL},
    {"smartbill", sb_config_check, NULL},
    {"seller", docs_pdf_seller_check, NULL},
    {"pdf", docs_pdf_cfg_check, NULL},
    {"station", station_config_check, NULL},
    {"fakturownia", fkt_config_check, NULL},
    {"email", email_config_check, NULL},
};
const size_t config_nsections = sizeof(config_sections) / sizeof(config_sections[0]);
