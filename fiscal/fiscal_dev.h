/* SPDX-License-Identifier: Apache-2.0 */
/* fiscal/fiscal_dev.h - one interface for every fiscal device (POSNET today; Novitus, Elzab beside it).
 *
 * Callers that need only the generic operations (status, counters, print a
 * receipt, cancel, goods return, daily report, last document) use this
 * vtable and never see a protocol. Each implementation embeds struct
 * fiscal_dev first (ops pointer first, research/c-style.md §2.1) and maps the
 * device-neutral receipt below onto its own commands. POSNET is the first
 * implementation (fiscal/fiscal_posnet.h); its protocol-specific calls stay
 * in fiscal/posnet_dev.h.
 *
 * Return codes are those of fiscal/posnet_dev.h for every implementation:
 * 0 confirmed; -PL_EDEVICE / -PL_EPROTO confirmed refusal; -PL_EINVAL
 * refused before any byte left; -PL_ESTATE the device is in the wrong state;
 * -PL_EUNKNOWN ambiguous (the command may have run; never resent here).
 * After any failure fiscal_dev_last_message() has a sentence.
 *
 * Ownership: an open function returns a device the caller frees with
 * fiscal_dev_close(). The receipt model only borrows its strings and lines.
 */
#ifndef PL_FISCAL_FISCAL_DEV_H
#define PL_FISCAL_FISCAL_DEV_H

#include "core/money.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fiscal_dev;

/* A receipt line, device-neutral: gross unit price in grosze, quantity in
 * thousandths, value = money_line_gross(price, qty). */
struct fiscal_line {
	const char *name; /* UTF-8; the device refuses what it cannot print */
	enum vat_rate vat;
	int64_t price;
	int64_t qty;
	int64_t value;
	const char *unit; /* "szt"; NULL or "" = none */
};

struct fiscal_receipt {
	const struct fiscal_line *lines;
	size_t nlines;
	const char *buyer_nip;    /* 10 digits for a receipt with NIP; NULL or "" = none */
	const char *payment_type; /* order payment type: "cash", "card", ... (core/order.h) */
	int64_t total;            /* sum of the line values, grosze */
	const char *order_number; /* footer; NULL or "" = none */
};

/* How far a receipt got (same meaning as enum posnet_stage). */
enum fiscal_stage {
	FISCAL_STAGE_NOTHING, /* no transaction was opened */
	FISCAL_STAGE_OPEN,    /* a transaction may be open: cancel it */
	FISCAL_STAGE_FISCAL,  /* fiscally complete, footer not confirmed */
	FISCAL_STAGE_DONE,
};

struct fiscal_status {
	bool ready;         /* can print a receipt now */
	bool document_open; /* a receipt or other document is open */
	char serial[32];    /* the device's unique number */
};

struct fiscal_counters {
	char serial[32];
	long long receipts;      /* receipts completed (per day on daily-counter devices) */
	long long last_receipt;  /* number of the last receipt */
	long long cancelled;     /* receipts cancelled */
	long long daily_reports; /* daily reports done */
	long long last_document; /* protected-memory number of the last receipt; -1 unknown */
};

struct fiscal_dev_ops {
	const char *name; /* "posnet" */
	/* Mandatory, cannot fail: close the link and free the device. */
	void (*close)(struct fiscal_dev *d);
	/* Mandatory. Read the state; ready is false with the reason in the
	 * last message when the device cannot print now. Read-only. */
	int (*status)(struct fiscal_dev *d, struct fiscal_status *st);
	/* Mandatory. Read the counters. Read-only. */
	int (*counters)(struct fiscal_dev *d, struct fiscal_counters *c);
	/* Mandatory. Check every field before any byte leaves (-PL_EINVAL,
	 * *stage NOTHING), then print. *stage says how far it got on any
	 * return. The caller journalled the intent first. */
	int (*print_receipt)(struct fiscal_dev *d, const struct fiscal_receipt *r,
			     enum fiscal_stage *stage);
	/* Mandatory. Cancel an open transaction; 0 also when none was open. */
	int (*cancel)(struct fiscal_dev *d);
	/* Mandatory. Goods return of these lines for their summed value;
	 * *amount gets the sum (may be NULL). Not idempotent. */
	int (*goods_return)(struct fiscal_dev *d, const struct fiscal_line *lines, size_t n,
			    int64_t *amount);
	/* Mandatory. Daily report for date "YYYY-MM-DD" (NULL = today). */
	int (*daily_report)(struct fiscal_dev *d, const char *date);
	/* Mandatory. Protected-memory number of the last receipt. Read-only. */
	int (*last_document)(struct fiscal_dev *d, long long *docno);
	/* Mandatory. A sentence about the last failure; never NULL. */
	const char *(*last_message)(const struct fiscal_dev *d);
};

/* Every implementation starts with this header. */
struct fiscal_dev {
	const struct fiscal_dev_ops *ops;
};

/* Wrappers: the slot of d->ops; close accepts NULL. */
void fiscal_dev_close(struct fiscal_dev *d);
int fiscal_dev_status(struct fiscal_dev *d, struct fiscal_status *st);
int fiscal_dev_counters(struct fiscal_dev *d, struct fiscal_counters *c);
int fiscal_dev_print_receipt(struct fiscal_dev *d, const struct fiscal_receipt *r,
			     enum fiscal_stage *stage);
int fiscal_dev_cancel(struct fiscal_dev *d);
int fiscal_dev_goods_return(struct fiscal_dev *d, const struct fiscal_line *lines, size_t n,
			    int64_t *amount);
int fiscal_dev_daily_report(struct fiscal_dev *d, const char *date);
int fiscal_dev_last_document(struct fiscal_dev *d, long long *docno);
const char *fiscal_dev_last_message(const struct fiscal_dev *d);

#endif
