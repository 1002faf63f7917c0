/* SPDX-License-Identifier: Apache-2.0 */
/* fiscal/xport_sim.h - the POSNET simulator (fiscal/posnet_sim.h) seen as a byte transport.
 *
 * It lives in fiscal/, not drivers/, because it speaks POSNET: drivers/ holds
 * transports that know no protocol. The "sim:" scheme is added to
 * xport_open() by xport_sim_register(); posnet_dev_open() calls it, so a
 * `sim:` target in the config works without the caller doing anything.
 * Target syntax: fiscal/xport_sim.c.
 *
 * Ownership: xport_sim_attach() wraps a simulator the caller keeps and frees
 * after xport_close(); a "sim:" transport opened by target owns its simulator.
 */
#ifndef PL_FISCAL_XPORT_SIM_H
#define PL_FISCAL_XPORT_SIM_H

#include "drivers/xport.h"

struct posnet_sim;

extern const struct xport_ops xport_sim_ops;

/* Register "sim:" with xport_open(). Idempotent; 0 or xport_register()'s error. */
int xport_sim_register(void);

/* An in-process simulator transport around `sim`, which the caller keeps
 * (and frees after xport_close()). baud > 0 paces the bytes like an 8N1
 * line; 0 = no pacing. */
int xport_sim_attach(struct xport **out, struct posnet_sim *sim, int baud);

#endif
