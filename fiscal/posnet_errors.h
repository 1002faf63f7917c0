/* SPDX-License-Identifier: Apache-2.0 */
/* fiscal/posnet_errors.h - POSNET error codes as messages a packer understands.
 *
 * A POSNET printer answers a refused command with `?nnnn` (a command error)
 * or an ERR frame `?n` (a frame error, i.e. our bytes were bad); the
 * printer's own status commands report the mechanism (`sprn.pr`) and the
 * device (`sdev.ds`). This module turns each into one sentence for the
 * packing-station screen plus a class that tells the driver what kind of
 * problem it is (research fiscal-printers.md §1.4, §1.8; codes and names from
 * the POSNET specification's error list).
 *
 * Everything returns static storage; nothing to free.
 */
#ifndef PL_FISCAL_POSNET_ERRORS_H
#define PL_FISCAL_POSNET_ERRORS_H

#include <stdbool.h>

/* What the packer (or the agent) can do about an error. */
enum posnet_err_class {
	POSNET_ERRC_UNKNOWN,  /* not in our table: show the code, call support */
	POSNET_ERRC_OPERATOR, /* fix at the printer (paper, cover, keyboard) and retry */
	POSNET_ERRC_REPORT,   /* a daily report is needed (or was just done) */
	POSNET_ERRC_DATA,     /* the receipt content is wrong: fix the order/rules, no retry */
	POSNET_ERRC_STATE,    /* wrong transaction state: recover (cancel/readback) */
	POSNET_ERRC_BUSY,     /* the printer is held by another interface: retry later */
	POSNET_ERRC_FATAL,    /* fiscal memory / hardware: service technician */
	POSNET_ERRC_PROTOCOL, /* our frame was bad (frame errors): a bug on our side */
};

struct posnet_error_info {
	int code;
	const char *name;    /* the spec's mnemonic, "ERR_DF_DB_LOCKED" */
	const char *message; /* for the packer, English, no final period */
	enum posnet_err_class cls;
};

/* The table entry for a command error code, or NULL when we do not know it. */
const struct posnet_error_info *posnet_error_lookup(int code);
/* Message for a command error code; never NULL: unknown codes give a
 * generic sentence (the caller shows the number next to it). */
const char *posnet_error_message(int code);
enum posnet_err_class posnet_error_class(int code);

/* Message for a frame error number (ERR ?n, 1..15); never NULL. */
const char *posnet_frame_error_message(int code);

/* Message for the mechanism state `sprn.pr` (0 = ok); never NULL. */
const char *posnet_sprn_message(int pr);
/* Message for the device state `sdev.ds` (0 = ready); never NULL. */
const char *posnet_sdev_message(int ds);

/* Short name of a class ("operator", "data"...). */
const char *posnet_err_class_name(enum posnet_err_class cls);

#endif
