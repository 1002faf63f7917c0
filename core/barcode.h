/* SPDX-License-Identifier: Apache-2.0 */
/* core/barcode.h - classify and validate one scan from a packing station.
 *
 * A scanner (keyboard wedge, evdev, serial) delivers one line of bytes per
 * scan. barcode_classify() tells what it is:
 *   - a product code: EAN-8, EAN-13, UPC-A (12 digits, taken as the GTIN
 *     0+UPC) or GTIN-14, check digit verified;
 *   - a GS1 element string (GS1-128, GS1 DataMatrix): the symbology
 *     identifier "]C1" (GS1-128) or "]d2" (GS1 DataMatrix) or "]Q3" (GS1 QR),
 *     then application identifiers separated by FNC1 (sent as GS, 0x1D);
 *     also the human-readable form "(01)05907511000015(10)LOT". Known AIs
 *     are (01) GTIN, (10) batch, (17) expiry YYMMDD, (21) serial, plus the
 *     fixed-length (00) (02) (11) (13) (15) so that strings carrying them
 *     are still read; any other AI is refused (never guessed);
 *   - an order barcode: starts with the configured prefix or matches the
 *     configured fnmatch(3) pattern;
 *   - a command barcode: "PL:CANCEL", "PL:HOLD", "PL:REPRINT", "PL:NEXT",
 *     "PL:QTY:N", "PL:MISSING" (accept what is missing), "PL:SUBST"
 *     (substitute) - the cards `packline station cards` prints;
 *   - anything else that is printable: free text (a SKU on a Code 128, or
 *     the reason the operator types), with the reason it is no product code
 *     when it looked like one (digits with a wrong check digit).
 *
 * Pure: no I/O, no allocation. Input is capped at BARCODE_MAX bytes.
 * Thread-safe (no state).
 */
#ifndef PL_CORE_BARCODE_H
#define PL_CORE_BARCODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BARCODE_MAX 256 /* longer scans are refused */

enum barcode_type {
	BC_INVALID, /* unusable: empty, control bytes, bad check digit, bad GS1 */
	BC_PRODUCT, /* gtin filled (EAN/UPC/GTIN-14 or GS1 with (01)) */
	BC_ORDER,   /* order filled */
	BC_COMMAND, /* cmd (and qty) filled */
	BC_TEXT,    /* printable text: text filled */
};

enum barcode_cmd {
	BCMD_NONE,
	BCMD_CANCEL,
	BCMD_HOLD,
	BCMD_REPRINT,
	BCMD_NEXT,
	BCMD_QTY,     /* qty = N (1..9999) */
	BCMD_MISSING, /* accept the missing items (a reason follows) */
	BCMD_SUBST,   /* the next item stands for a missing one (a reason follows) */
};

enum barcode_sym {
	BSYM_NONE, /* no symbology identifier */
	BSYM_GS1_128,
	BSYM_GS1_DM,
	BSYM_GS1_QR,
	BSYM_HRI, /* "(01)...(10)..." typed or printed text */
	BSYM_OTHER,
};

struct barcode {
	enum barcode_type type;
	enum barcode_sym sym;
	char gtin[15];   /* 14 digits, GTIN-14 normalised (leading zeros) */
	char batch[21];  /* (10) */
	char serial[21]; /* (21) */
	char expiry[7];  /* (17) YYMMDD */
	char order[64];  /* the order number (prefix stripped) */
	enum barcode_cmd cmd;
	int qty;
	char text[BARCODE_MAX + 1];
	char why[96]; /* BC_INVALID, or why digits were not a product code */
};

struct barcode_cfg {
	const char *order_prefix;  /* "" or NULL: none ("ZK/" keeps the prefix) */
	bool strip_prefix;         /* order number = scan without the prefix */
	const char *order_pattern; /* fnmatch(3) pattern of whole order numbers; NULL = none */
	const char *cmd_prefix;    /* NULL = "PL:" */
};

/* Classify `len` bytes (a trailing CR/LF is ignored). Always fills *out;
 * returns out->type. */
enum barcode_type barcode_classify(const struct barcode_cfg *cfg, const char *data, size_t len,
				   struct barcode *out);

/* The GS1 mod-10 check digit over all digits of s but the last: true when
 * the last digit matches. s must be all digits, 8..18 of them. */
bool barcode_check_digit_ok(const char *s, size_t n);
/* Normalise an 8/12/13/14-digit code to GTIN-14 in out[15]; false when
 * it is no valid product code (length, digits, check digit). */
bool barcode_gtin14(const char *s, size_t n, char out[15]);

const char *barcode_cmd_name(enum barcode_cmd c);

#endif
