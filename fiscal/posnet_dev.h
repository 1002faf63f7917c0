/* SPDX-License-Identifier: Apache-2.0 */
/* fiscal/posnet_dev.h - a POSNET fiscal printer: commands, status, receipts, reports.
 *
 * One struct posnet_dev per printer, on top of one transport
 * (drivers/xport.h) and the frame codec (fiscal/posnet_frame.h). The
 * exchange is strictly half-duplex: the input is flushed before every write,
 * one frame goes out, and the reply is matched to it by mnemonic and token
 * (research fiscal-printers.md §1.12); anything else that arrives (a late
 * reply to an earlier command, garbage, a frame with a bad CRC, an over-long
 * frame) is counted and skipped, never taken for the reply.
 *
 * Every exchange ends in one of three ways (the return codes used below):
 *   0             confirmed success, the reply is in *reply
 *   -PL_EDEVICE   confirmed command error "?nnnn" (posnet_dev_last_error())
 *   -PL_EPROTO    confirmed frame error "ERR ?n": the printer did not run it
 *   -PL_EINVAL    a field could not be encoded; nothing was sent
 *   -PL_EUNKNOWN  AMBIGUOUS: the frame (or part of it) left and no matching
 *                 reply came in time; the command may or may not have run
 * Ambiguity is never resolved by sending the command again: a transaction
 * command gets one `rpt` (replay by token, which never re-executes); after
 * that the caller decides from the printer's counters (agent/receipt_job.h).
 *
 * Nothing here touches the journal; agent/receipt_job.c owns exactly-once.
 *
 * Ownership: posnet_dev_open*() return a device the caller frees with
 * posnet_dev_close(), which also closes the transport.
 */
#ifndef PL_FISCAL_POSNET_DEV_H
#define PL_FISCAL_POSNET_DEV_H

#include "drivers/xport.h"
#include "core/document.h"
#include "core/money.h"
#include "core/order.h"
#include "fiscal/posnet_frame.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Reply timeout classes. Defaults follow fiskaltrust's measured-in-production
 * values (research §1.12/§4: connect 5 s, send 5 s, receive 15 s; Epson
 * printers "can take 8 seconds"); the daily report prints for long. */
enum posnet_class {
	POSNET_CLASS_STATUS, /* sdev sprn scomm scnt strns sfsk vatget eclastdocnoget rtcget rpt: 5 s */
	POSNET_CLASS_TRANS, /* trinit trnipset trline trdiscnt* trpayment trftrln prncancel: 15 s */
	POSNET_CLASS_END,   /* trend trftrend (print, cut): 15 s */
	POSNET_CLASS_REPORT, /* dailyrep: 120 s */
	POSNET_CLASS_COUNT
};

struct posnet_cfg {
	char name[32];    /* printer name from the config ("fiscal"); journal key part */
	char target[256]; /* transport target, drivers/xport.h */
	int timeout_ms[POSNET_CLASS_COUNT]; /* 0 = default */
	int send_timeout_ms;                /* 0 = 5000 */
	bool no_tokens;          /* do not send @tttt tokens (then no rpt replay either) */
	bool no_footer;          /* do not print the order number in the footer (trftrln id13) */
	bool block_mode;         /* trinit bm1: print the whole receipt at trend */
	enum posnet_paper paper; /* 0 = 57 mm */
};

/* Fill defaults (name "fiscal", empty target, default timeouts). */
void posnet_cfg_init(struct posnet_cfg *c);
/* Effective timeout of a class. */
int posnet_cfg_timeout(const struct posnet_cfg *c, enum posnet_class cls);

struct posnet_dev;

/* Open the transport named by cfg->target. 0 or the transport's error. */
int posnet_dev_open(struct posnet_dev **out, const struct posnet_cfg *cfg);
/* Use an already open transport; the device takes ownership of `x` (also on failure). */
int posnet_dev_open_xport(struct posnet_dev **out, const struct posnet_cfg *cfg, struct xport *x);
void posnet_dev_close(struct posnet_dev *d);
const struct posnet_cfg *posnet_dev_cfg(const struct posnet_dev *d);
struct xport *posnet_dev_xport(struct posnet_dev *d);
/* Command error code of the last -PL_EDEVICE (or frame error of -PL_EPROTO). */
int posnet_dev_last_error(const struct posnet_dev *d);
/* A sentence about the last failure ("trline: printer error 2000 ..."). */
const char *posnet_dev_last_message(const struct posnet_dev *d);

/* Statistics (tests, bench, `printer status`). */
struct posnet_dev_stats {
	uint64_t exchanges;
	uint64_t bad_frames;    /* CRC errors, truncated, over-long */
	uint64_t stray_frames;  /* valid frames that did not match the command (late replies) */
	uint64_t garbage_bytes; /* bytes outside frames */
	uint64_t timeouts;
	uint64_t replays; /* rpt sent */
};
void posnet_dev_stats(const struct posnet_dev *d, struct posnet_dev_stats *out);

/* One exchange: send `cmd` (its token is assigned here unless tokens are
 * off), wait for the matching reply within the class timeout. See the
 * return codes at the top. `reply` may be NULL. */
int posnet_exec(struct posnet_dev *d, struct posnet_cmd *cmd, enum posnet_class cls,
		struct posnet_msg *reply);
/* A read-only query by mnemonic with no fields (sdev, scnt, ...). Queries
 * change nothing on the printer, so an ambiguous one is asked once more. */
int posnet_query(struct posnet_dev *d, const char *mnemonic, struct posnet_msg *reply);

/* --- status and counters ------------------------------------------------ */

struct posnet_status {
	int ds;          /* sdev.ds: 0 ready, 1 menu, 2 waiting for key, 3 error */
	int tl;          /* sdev.tl: transaction owner, 0 free, -1 not reported */
	int pr;          /* sprn.pr: 0 ok, 5 no paper, ... */
	bool fiscal;     /* scomm.fs */
	bool header_set; /* scomm.hr */
	bool read_only;  /* scomm.td */
	int ts;          /* scomm.ts: 0 none, 16 receipt, 17 block receipt, 33 invoice */
	char nu[32];     /* unique number */
};

struct posnet_counters {
	char nu[32];
	long long rd; /* daily reports */
	long long bn; /* receipts completed (since the daily report on daily-counter devices) */
	long long bt; /* last receipt number */
	long long bc; /* receipts cancelled */
	long long hn; /* last header number */
	long long
	    di; /* eclastdocnoget ty0: protected-memory number of the last receipt; -1 unknown */
};

struct posnet_trans {
	bool open;           /* strns.to */
	bool footer_pending; /* strns.fe: fiscal part done, footer not finished */
	int ts;              /* type of the current/last document */
	long long fp;        /* payments of the current/last document */
};

/* VAT slots A..G as read from the printer, in hundredths of a percent:
 * 2300 = 23 %, 10000 = exempt (zw), 10100 = inactive. */
#define POSNET_VAT_SLOTS    7
#define POSNET_VAT_EXEMPT   10000
#define POSNET_VAT_INACTIVE 10100
struct posnet_vat_table {
	int rate[POSNET_VAT_SLOTS];
	bool valid;
};

/* sdev + sprn + scomm. */
int posnet_read_status(struct posnet_dev *d, struct posnet_status *st);
/* Pre-flight: read the status and refuse with -PL_EDEVICE and a message
 * unless the printer is ready (ds 0), has paper (pr 0), is fiscal or not
 * read-only, has its header set, and has no open transaction (-PL_ESTATE). */
int posnet_preflight(struct posnet_dev *d, struct posnet_status *st);
/* scnt + eclastdocnoget ty0. */
int posnet_read_counters(struct posnet_dev *d, struct posnet_counters *c);
/* strns. */
int posnet_read_trans(struct posnet_dev *d, struct posnet_trans *t);
/* sfsk (falls back to vatget); cached in the device after the first read. */
int posnet_read_vat(struct posnet_dev *d, struct posnet_vat_table *t, bool refresh);
/* Slot 0..6 holding rate r, by value; -PL_ENOTFOUND when the printer has
 * no active slot for it (np, oo, or a rate the printer does not carry). The
 * lowest slot wins when two hold the same value. Pure. */
int posnet_vat_slot(const struct posnet_vat_table *t, enum vat_rate r);
/* Parse "23,00" / "8.00" / "101,00" into hundredths. Pure. */
int posnet_parse_rate(const char *s, int *hundredths);

/* --- receipts -------------------------------------------------------------- */

enum posnet_adj { POSNET_ADJ_NONE, POSNET_ADJ_DISCOUNT, POSNET_ADJ_MARKUP };

struct posnet_line {
	char name[256]; /* UTF-8; cut to 80 characters when sent */
	enum vat_rate vat;
	int64_t price; /* unit gross, grosze, > 0 */
	int64_t qty;   /* thousandths, > 0 */
	int64_t value; /* price x qty, must equal money_line_gross(price, qty) */
	char unit[8];  /* "szt"; empty = not sent */
	bool storno;
	enum posnet_adj adj; /* line discount (rabat) or markup (narzut) */
	int64_t adj_amount;  /* grosze */
	char adj_name[32];
};

struct posnet_receipt {
	struct posnet_line *lines; /* owned */
	size_t nlines;
	char nip[16];            /* buyer NIP (10 digits) for a receipt with NIP, else "" */
	enum posnet_adj sub_adj; /* discount/markup on the subtotal */
	int64_t sub_adj_amount;
	char sub_adj_name[32];
	int pay_type;          /* trpayment ty */
	char pay_name[32];     /* trpayment na (UTF-8) */
	int64_t total;         /* to: lines +- adjustments */
	char order_number[64]; /* footer line id13; "" = none */
};

void posnet_receipt_init(struct posnet_receipt *r);
void posnet_receipt_release(struct posnet_receipt *r);
int posnet_receipt_add_line(struct posnet_receipt *r, const struct posnet_line *l);
/* Payment type of an order payment ("cash", "card", "transfer", "online",
 * "blik", "cod", "voucher", "other") -> trpayment ty and name. Pure. */
int posnet_payment_map(const char *order_payment_type, int *ty, char *name, size_t cap);
/* (Implemented in fiscal/receipt_map.c, declared there in receipt_map.h.)
 * Build the receipt for a DOC_RECEIPT / DOC_RECEIPT_NIP document and the
 * order's payment. Checks before anything is sent: kind, NIP of exactly 10
 * digits for DOC_RECEIPT_NIP, price x qty = value on every line, lines sum
 * to the document total. Errors go to err (a sentence). Pure. */
int posnet_receipt_from_document(struct posnet_receipt *r, const struct document *doc,
				 const struct order *o, char *err, size_t errcap);
/* Check a receipt (values, totals, names); 0 or -PL_EINVAL with err. Pure. */
int posnet_receipt_check(const struct posnet_receipt *r, char *err, size_t errcap);

/* How far a receipt got when posnet_receipt_send() returned. */
enum posnet_stage {
	POSNET_STAGE_NOTHING, /* no transaction was opened (trinit refused or never sent) */
	POSNET_STAGE_OPEN,    /* a transaction may be open (trinit was sent) */
	POSNET_STAGE_FISCAL,  /* trend confirmed: the receipt is fiscally complete */
	POSNET_STAGE_DONE,    /* trend and footer confirmed */
};

/* Build the command frames of a receipt (trinit ... trend, footer) without
 * sending them: `fn` is called with each command in order. Used by
 * posnet_receipt_send() and by the cassette tests. The VAT slots come from
 * `vat`. Returns the first error of fn or of encoding. */
typedef int posnet_cmd_fn(struct posnet_cmd *cmd, enum posnet_class cls, void *arg);
int posnet_receipt_commands(const struct posnet_receipt *r, const struct posnet_vat_table *vat,
			    const struct posnet_cfg *cfg, posnet_cmd_fn *fn, void *arg);

/* Send trinit, trnipset, trline..., trdiscntsubtot, trpayment, trend and the
 * footer. The caller has journalled the intent. Nothing is sent twice: a lost
 * reply gets one `rpt`; if that does not settle it the call returns
 * -PL_EUNKNOWN with *stage = POSNET_STAGE_OPEN (or FISCAL for a footer
 * command). A confirmed error returns -PL_EDEVICE/-PL_EPROTO with *stage
 * saying whether a transaction may be open (the caller cancels it). */
int posnet_receipt_send(struct posnet_dev *d, const struct posnet_receipt *r,
			enum posnet_stage *stage);
/* prncancel: cancel an open transaction ("TRANSAKCJA ANULOWANA"). 0 also
 * when no transaction was open (error 2005 is success here). */
int posnet_cancel(struct posnet_dev *d);
/* Finish a footer left pending (strns.fe): the order-number line again, then trftrend. */
int posnet_finish_footer(struct posnet_dev *d, const char *order_number);

/* Goods return (zwrot towaru) of `lines` (each checked as a receipt line:
 * name printable in CP1250, price x qty = value) for their summed value. The
 * printer records a goods return as a cash-out printout: `scomm` (refused
 * with -PL_ESTATE while a document is open, ts != 0), then one `stocash
 * kw<sum>`, exactly as recorded from a real printer
 * (tests/cassettes/posnet/Return_*). It is not a fiscal document: there is
 * no transaction and no document number to read back. Non-idempotent: an
 * ambiguous `stocash` gets one `rpt`, then -PL_EUNKNOWN (the caller's
 * journal decides; never resent). *amount (may be NULL) gets the sum sent.
 * -PL_EINVAL with the message before any byte leaves on a bad line. */
int posnet_goods_return(struct posnet_dev *d, const struct posnet_line *lines, size_t nlines,
			int64_t *amount);

/* dailyrep da<date> (date "YYYY-MM-DD"; NULL = today in the station's time
 * zone). An explicit operator command, never automatic. *rd_after gets the
 * daily report counter afterwards (may be NULL). */
int posnet_daily_report(struct posnet_dev *d, const char *date, long long *rd_after);

#endif
