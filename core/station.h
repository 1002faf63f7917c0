/* SPDX-License-Identifier: Apache-2.0 */
/* core/station.h - the scan-to-verify packing state machine (issue #21).
 *
 *   WAITING --order scan--> (caller loads it) --station_load--> SCANNING
 *   SCANNING --item scans--> COMPLETE (every line counted)
 *   COMPLETE: the caller records the document/label/e-mail intents (the
 *             calls `packline process` makes) and says station_recorded()
 *             --> DONE; the next order scan (or PL:NEXT) starts again.
 *   SCANNING --PL:HOLD--> WAITING (the caller persists the session as held;
 *             scanning the order again on any station resumes it)
 *   SCANNING --PL:MISSING--> REASON --typed reason--> COMPLETE (audited)
 *   SCANNING --PL:SUBST--> SUBST --substitute scan--> REASON --> SCANNING
 *             or COMPLETE (audited)
 *
 * The machine is pure: it never touches a store, a device or the clock.
 * station_feed() classifies a scan (core/barcode.h), moves the machine and
 * returns what the caller must do (struct station_action: load an order,
 * record the intents, persist a hold, write an audit row, reprint a
 * label). Every change of state, message or count goes through ONE setter,
 * which calls the log callback, so the log tells the whole story.
 *
 * Each outcome has its own message id and sound id (wrong item, unknown
 * code, too many, order already packed, ...): the screen shows the text,
 * the speaker plays the sound.
 *
 * Ownership: struct station is caller-allocated (station_init); it holds
 * no heap memory. Threads: one station per thread.
 */
#ifndef PL_CORE_STATION_H
#define PL_CORE_STATION_H

#include "core/barcode.h"
#include "core/order.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STATION_MAX_LINES 64

enum station_state {
	STATION_WAITING,  /* scan an order */
	STATION_SCANNING, /* an order is open: scan its items */
	STATION_REASON,   /* an override waits for the operator's reason */
	STATION_SUBST,    /* the substitute item is to be scanned */
	STATION_COMPLETE, /* all counted: the caller records the intents */
	STATION_DONE,     /* intents recorded; next order */
};

enum station_msg {
	SMSG_SCAN_ORDER,     /* waiting */
	SMSG_ORDER_OPEN,     /* order loaded, scan items */
	SMSG_RESUMED,        /* a held session resumed */
	SMSG_ITEM_OK,        /* one item counted */
	SMSG_WRONG_ITEM,     /* a valid product code not on this order */
	SMSG_UNKNOWN_CODE,   /* not a code we can read */
	SMSG_TOO_MANY,       /* the line is complete already */
	SMSG_ALREADY_PACKED, /* the order was packed before */
	SMSG_NOT_FOUND,      /* no such order */
	SMSG_FINISH_FIRST,   /* another order is open: hold or cancel it first */
	SMSG_COMPLETE,       /* all counted, recording */
	SMSG_RECORDED,       /* documents/label recorded */
	SMSG_RECORD_FAILED,  /* recording failed (store): nothing lost, scan again */
	SMSG_HELD,           /* put on hold */
	SMSG_CANCELLED,      /* counts discarded */
	SMSG_NEED_REASON,    /* type the reason */
	SMSG_SCAN_SUBST,     /* scan the substitute */
	SMSG_OVERRIDE,       /* override accepted (audited) */
	SMSG_QTY,            /* the next item counts N */
	SMSG_REPRINT,        /* label reprint asked */
	SMSG_NOT_NOW,        /* a command that does nothing in this state */
	SMSG_NO_ORDER_YET,   /* an item scanned while waiting */
	SMSG_COUNT
};

enum station_sound {
	SSND_NONE,
	SSND_OK,    /* short beep */
	SSND_DONE,  /* order complete */
	SSND_ERROR, /* wrong item, unknown code, too many */
	SSND_WARN,  /* already packed, finish first, held */
};

struct station_line {
	char sku[64];
	char gtin[15]; /* GTIN-14 of the order line's EAN; "" when none */
	char name[96];
	int need; /* pieces: the line's quantity rounded up */
	int got;
};

enum station_act {
	SACT_NONE = 0,
	SACT_LOAD = 1 << 0,    /* look order_number up; then station_load / station_not_found */
	SACT_RECORD = 1 << 1,  /* record the intents, then station_recorded */
	SACT_HOLD = 1 << 2,    /* persist the session as held (station_saved_json) */
	SACT_AUDIT = 1 << 3,   /* write audit_action / audit_detail for the open order */
	SACT_REPRINT = 1 << 4, /* reprint the order's label (never a new document) */
	SACT_CANCEL = 1 << 5,  /* the session was dropped: forget its saved counts */
	SACT_SAVE = 1 << 6,    /* counts changed: the caller may persist them */
};

struct station_action {
	unsigned flags;
	char order_number[64];
	char audit_action[48];
	char audit_detail[400];
};

typedef void station_log_fn(void *arg, const char *line);

struct station {
	enum station_state state;
	enum station_msg msg;
	enum station_sound sound;
	char detail[160]; /* what the message is about (a code, a SKU) */
	struct barcode_cfg bcfg;
	char order_number[64];
	int64_t order_id;
	struct station_line lines[STATION_MAX_LINES];
	size_t nlines;
	int qty_next;              /* pieces the next item counts (PL:QTY:N) */
	enum barcode_cmd override; /* BCMD_MISSING or BCMD_SUBST awaiting a reason */
	size_t subst_line;         /* the line a substitute stands for */
	char subst_code[64];       /* what was scanned for it */
	uint64_t seq;              /* bumps on every change (the screen redraws) */
	station_log_fn *log;
	void *log_arg;
};

void station_init(struct station *s, const struct barcode_cfg *bcfg, station_log_fn *log,
		  void *arg);
/* One scan (or typed line). Fills *act (flags 0 when nothing is to do). */
void station_feed(struct station *s, const char *data, size_t len, struct station_action *act);
/* The order SACT_LOAD asked for. saved_state: "" (new), "packing"/"held"
 * (resume with saved_json counts) or "packed" (already packed: message,
 * nothing counted). -PL_ETOOBIG when it has more than STATION_MAX_LINES
 * lines (message set). */
int station_load(struct station *s, const struct order *o, const char *saved_state,
		 const char *saved_json);
void station_not_found(struct station *s, const char *number);
/* The intents of SACT_RECORD were recorded (ok) or not (the store failed:
 * the counts are kept, the order stays COMPLETE and PL:NEXT retries). */
void station_recorded(struct station *s, bool ok, const char *what);
/* The caller's outcome of an action (a reprint): message m with detail,
 * the state kept; logged like every change. */
void station_report(struct station *s, enum station_msg m, const char *detail);
/* The counts as JSON {"SKU": got, ...} for the session row. 0 or -PL_ETOOBIG. */
int station_saved_json(const struct station *s, char *out, size_t cap);
/* Pieces still missing over all lines. */
int station_missing(const struct station *s);

const char *station_state_name(enum station_state st);
/* Polish operator text of a message (UTF-8). */
const char *station_msg_text(enum station_msg m);
/* Stable id ("wrong_item") for logs and tests. */
const char *station_msg_id(enum station_msg m);
enum station_sound station_msg_sound(enum station_msg m);

#endif
