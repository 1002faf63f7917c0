/* SPDX-License-Identifier: Apache-2.0 */
/* core/station.c - the packing state machine (see station.h). */
#include "core/station.h"

#include "base/err.h"

#include <cjson/cJSON.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct msg_def {
	const char *id;
	const char *text;
	enum station_sound sound;
};

static const struct msg_def msgs[SMSG_COUNT] = {
    [SMSG_SCAN_ORDER] = {"scan_order", "Zeskanuj zamówienie", SSND_NONE},
    [SMSG_ORDER_OPEN] = {"order_open", "Skanuj towary", SSND_OK},
    [SMSG_RESUMED] = {"resumed", "Wznowiono pakowanie", SSND_OK},
    [SMSG_ITEM_OK] = {"item_ok", "OK", SSND_OK},
    [SMSG_WRONG_ITEM] = {"wrong_item", "ZŁY TOWAR", SSND_ERROR},
    [SMSG_UNKNOWN_CODE] = {"unknown_code", "NIEZNANY KOD", SSND_ERROR},
    [SMSG_TOO_MANY] = {"too_many", "ZA DUŻO", SSND_ERROR},
    [SMSG_ALREADY_PACKED] = {"already_packed", "JUŻ SPAKOWANE", SSND_WARN},
    [SMSG_NOT_FOUND] = {"not_found", "BRAK ZAMÓWIENIA", SSND_ERROR},
    [SMSG_FINISH_FIRST] = {"finish_first", "Najpierw zakończ/wstrzymaj", SSND_WARN},
    [SMSG_COMPLETE] = {"complete", "Komplet", SSND_DONE},
    [SMSG_RECORDED] = {"recorded", "Spakowane, dokumenty zlecone", SSND_DONE},
    [SMSG_RECORD_FAILED] = {"record_failed", "BŁĄD zapisu, PL:NEXT ponawia", SSND_ERROR},
    [SMSG_HELD] = {"held", "Wstrzymane", SSND_WARN},
    [SMSG_CANCELLED] = {"cancelled", "Anulowano", SSND_WARN},
    [SMSG_NEED_REASON] = {"need_reason", "Wpisz powód", SSND_WARN},
    [SMSG_SCAN_SUBST] = {"scan_subst", "Skanuj zamiennik", SSND_WARN},
    [SMSG_OVERRIDE] = {"override", "Zatwierdzono z powodem", SSND_OK},
    [SMSG_QTY] = {"qty", "Ilość następnego", SSND_OK},
    [SMSG_REPRINT] = {"reprint", "Dodruk etykiety", SSND_OK},
    [SMSG_NOT_NOW] = {"not_now", "Nie teraz", SSND_WARN},
    [SMSG_NO_ORDER_YET] = {"no_order_yet", "Najpierw zamówienie", SSND_ERROR},
};

const char *station_msg_text(enum station_msg m)
{
	return m < SMSG_COUNT ? msgs[m].text : "?";
}

const char *station_msg_id(enum station_msg m)
{
	return m < SMSG_COUNT ? msgs[m].id : "?";
}

enum station_sound station_msg_sound(enum station_msg m)
{
	return m < SMSG_COUNT ? msgs[m].sound : SSND_NONE;
}

const char *station_state_name(enum station_state st)
{
	switch (st) {
	case STATION_WAITING:
		return "waiting";
	case STATION_SCANNING:
		return "scanning";
	case STATION_REASON:
		return "reason";
	case STATION_SUBST:
		return "subst";
	case STATION_COMPLETE:
		return "complete";
	case STATION_DONE:
		return "done";
	}
	return "?";
}

/* THE setter: every change of state, message or count goes through here and
 * is logged. line >= 0 with delta adds delta pieces to that line. */
static void set(struct station *s, enum station_state st, enum station_msg m, int line, int delta,
		const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static void set(struct station *s, enum station_state st, enum station_msg m, int line, int delta,
		const char *fmt, ...)
{
	char logline[400];
	enum station_state from = s->state;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->detail, sizeof(s->detail), fmt, ap);
	va_end(ap);
	if (line >= 0 && (size_t)line < s->nlines)
		s->lines[line].got += delta;
	s->state = st;
	s->msg = m;
	s->sound = msgs[m].sound;
	s->seq++;
	if (s->log) {
		if (line >= 0 && (size_t)line < s->nlines)
			snprintf(logline, sizeof(logline), "%s -> %s: %s %s [%s %+d = %d/%d]",
				 station_state_name(from), station_state_name(st), msgs[m].id,
				 s->detail, s->lines[line].sku, delta, s->lines[line].got,
				 s->lines[line].need);
		else
			snprintf(logline, sizeof(logline), "%s -> %s: %s %s",
				 station_state_name(from), station_state_name(st), msgs[m].id,
				 s->detail);
		s->log(s->log_arg, logline);
	}
}

void station_init(struct station *s, const struct barcode_cfg *bcfg, station_log_fn *log, void *arg)
{
	memset(s, 0, sizeof(*s));
	if (bcfg)
		s->bcfg = *bcfg;
	s->log = log;
	s->log_arg = arg;
	s->qty_next = 1;
	s->state = STATION_WAITING;
	s->msg = SMSG_SCAN_ORDER;
}

int station_missing(const struct station *s)
{
	int n = 0;

	for (size_t i = 0; i < s->nlines; i++)
		if (s->lines[i].got < s->lines[i].need)
			n += s->lines[i].need - s->lines[i].got;
	return n;
}

static void forget_order(struct station *s)
{
	s->nlines = 0;
	s->order_id = 0;
	s->order_number[0] = '\0';
	s->qty_next = 1;
	s->override = BCMD_NONE;
}

int station_load(struct station *s, const struct order *o, const char *saved_state,
		 const char *saved_json)
{
	bool resume =
	    saved_state && (!strcmp(saved_state, "held") || !strcmp(saved_state, "packing"));
	cJSON *saved = NULL;

	if (o->nlines > STATION_MAX_LINES) {
		set(s, STATION_WAITING, SMSG_UNKNOWN_CODE, -1, 0, "%s: more than %d lines",
		    o->number, STATION_MAX_LINES);
		return -PL_ETOOBIG;
	}
	forget_order(s);
	snprintf(s->order_number, sizeof(s->order_number), "%s", o->number);
	s->order_id = o->id;
	s->nlines = o->nlines;
	for (size_t i = 0; i < o->nlines; i++) {
		struct station_line *l = &s->lines[i];
		const struct order_line *ol = &o->lines[i];
		memset(l, 0, sizeof(*l));
		snprintf(l->sku, sizeof(l->sku), "%s", ol->sku);
		snprintf(l->name, sizeof(l->name), "%s", ol->name);
		if (!barcode_gtin14(ol->ean, strlen(ol->ean), l->gtin))
			l->gtin[0] = '\0';
		/* pieces: 1.5 kg is picked as 2 scans of its package */
		l->need = (int)((ol->qty + 999) / 1000);
	}
	if (saved_state && !strcmp(saved_state, "packed")) {
		for (size_t i = 0; i < s->nlines; i++)
			s->lines[i].got = s->lines[i].need;
		set(s, STATION_DONE, SMSG_ALREADY_PACKED, -1, 0, "%s", o->number);
		return 0;
	}
	if (resume && saved_json)
		saved = cJSON_Parse(saved_json);
	for (size_t i = 0; saved && i < s->nlines; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(saved, s->lines[i].sku);
		if (cJSON_IsNumber(v) && v->valueint >= 0)
			s->lines[i].got =
			    v->valueint > s->lines[i].need ? s->lines[i].need : v->valueint;
	}
	cJSON_Delete(saved);
	if (resume)
		set(s, STATION_SCANNING, SMSG_RESUMED, -1, 0, "%s, brak %d", o->number,
		    station_missing(s));
	else
		set(s, STATION_SCANNING, SMSG_ORDER_OPEN, -1, 0, "%s", o->number);
	return 0;
}

void station_not_found(struct station *s, const char *number)
{
	set(s, s->state == STATION_DONE ? STATION_WAITING : s->state, SMSG_NOT_FOUND, -1, 0, "%s",
	    number);
}

void station_recorded(struct station *s, bool ok, const char *what)
{
	if (ok)
		set(s, STATION_DONE, SMSG_RECORDED, -1, 0, "%s", what ? what : "");
	else
		set(s, STATION_COMPLETE, SMSG_RECORD_FAILED, -1, 0, "%s", what ? what : "");
}

void station_report(struct station *s, enum station_msg m, const char *detail)
{
	set(s, s->state, m < SMSG_COUNT ? m : SMSG_NOT_NOW, -1, 0, "%s", detail ? detail : "");
}

int station_saved_json(const struct station *s, char *out, size_t cap)
{
	cJSON *o = cJSON_CreateObject();
	char *text;
	int rc = 0;

	if (!o)
		return -PL_ENOMEM;
	for (size_t i = 0; i < s->nlines; i++) {
		/* two lines of one SKU: the counts add up under one key */
		cJSON *v = cJSON_GetObjectItemCaseSensitive(o, s->lines[i].sku);
		if (v)
			cJSON_SetNumberValue(v, v->valuedouble + s->lines[i].got);
		else if (!cJSON_AddNumberToObject(o, s->lines[i].sku, s->lines[i].got))
			rc = -PL_ENOMEM;
	}
	text = rc ? NULL : cJSON_PrintUnformatted(o);
	if (!rc && !text)
		rc = -PL_ENOMEM;
	if (!rc && strlen(text) >= cap)
		rc = -PL_ETOOBIG;
	if (!rc)
		memcpy(out, text, strlen(text) + 1);
	cJSON_free(text);
	cJSON_Delete(o);
	return rc;
}

/* The line a product or SKU scan names: first an incomplete one (two lines
 * of one product fill in turn), else a complete one (too many); -1 none. */
static int find_line(const struct station *s, const struct barcode *b)
{
	int complete = -1;

	for (size_t i = 0; i < s->nlines; i++) {
		const struct station_line *l = &s->lines[i];
		bool hit = (b->type == BC_PRODUCT && l->gtin[0] && !strcmp(l->gtin, b->gtin)) ||
			   (b->type == BC_TEXT && l->sku[0] && !strcmp(l->sku, b->text));
		if (!hit)
			continue;
		if (l->got < l->need)
			return (int)i;
		complete = (int)i;
	}
	return complete;
}

static const char *code_of(const struct barcode *b)
{
	return b->type == BC_PRODUCT ? b->gtin : b->text[0] ? b->text : b->why;
}

static void count_item(struct station *s, const struct barcode *b, struct station_action *act)
{
	int li = find_line(s, b);
	struct station_line *l;
	int q = s->qty_next;

	if (b->type == BC_INVALID) {
		set(s, s->state, SMSG_UNKNOWN_CODE, -1, 0, "%s", b->why);
		return;
	}
	if (li < 0) {
		set(s, s->state, b->type == BC_PRODUCT ? SMSG_WRONG_ITEM : SMSG_UNKNOWN_CODE, -1, 0,
		    "%s", code_of(b));
		return;
	}
	l = &s->lines[li];
	if (l->got + q > l->need) {
		set(s, s->state, SMSG_TOO_MANY, -1, 0, "%s %d/%d", l->sku, l->got, l->need);
		return;
	}
	s->qty_next = 1;
	act->flags |= SACT_SAVE;
	if (station_missing(s) == q) {
		set(s, STATION_COMPLETE, SMSG_COMPLETE, li, q, "%s", s->order_number);
		act->flags |= SACT_RECORD;
		snprintf(act->order_number, sizeof(act->order_number), "%s", s->order_number);
	} else {
		set(s, s->state, SMSG_ITEM_OK, li, q, "%s %d/%d", l->sku, l->got + q, l->need);
	}
}

static void audit(struct station_action *act, const char *action, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void audit(struct station_action *act, const char *action, const char *fmt, ...)
{
	va_list ap;

	act->flags |= SACT_AUDIT;
	snprintf(act->audit_action, sizeof(act->audit_action), "%s", action);
	va_start(ap, fmt);
	vsnprintf(act->audit_detail, sizeof(act->audit_detail), fmt, ap);
	va_end(ap);
}

static void take_reason(struct station *s, const char *text, struct station_action *act)
{
	char missing[240] = "";
	size_t off = 0;

	if (strlen(text) < 3) {
		set(s, STATION_REASON, SMSG_NEED_REASON, -1, 0, "min. 3 znaki");
		return;
	}
	if (s->override == BCMD_MISSING) {
		for (size_t i = 0; i < s->nlines && off < sizeof(missing); i++) {
			const struct station_line *l = &s->lines[i];
			if (l->got < l->need) {
				int n = snprintf(missing + off, sizeof(missing) - off, "%s%s x%d",
						 off ? ", " : "", l->sku, l->need - l->got);
				off += n > 0 ? (size_t)n : 0;
			}
		}
		audit(act, "station.accept_missing", "missing %s: %.120s", missing, text);
		s->override = BCMD_NONE;
		set(s, STATION_COMPLETE, SMSG_COMPLETE, -1, 0, "%s (brak zatwierdzony)",
		    s->order_number);
		act->flags |= SACT_RECORD;
		snprintf(act->order_number, sizeof(act->order_number), "%s", s->order_number);
		return;
	}
	/* substitute: the scanned code counts one piece of the line */
	{
		int li = (int)s->subst_line;
		bool last = station_missing(s) == 1;

		audit(act, "station.substitute", "line %s by %s: %.120s", s->lines[li].sku,
		      s->subst_code, text);
		s->override = BCMD_NONE;
		act->flags |= SACT_SAVE;
		if (last) {
			set(s, STATION_COMPLETE, SMSG_COMPLETE, li, 1, "%s (zamiennik)",
			    s->order_number);
			act->flags |= SACT_RECORD;
			snprintf(act->order_number, sizeof(act->order_number), "%s",
				 s->order_number);
		} else {
			set(s, STATION_SCANNING, SMSG_OVERRIDE, li, 1, "%s <- %s", s->lines[li].sku,
			    s->subst_code);
		}
	}
}

static void command(struct station *s, const struct barcode *b, struct station_action *act)
{
	bool open =
	    s->state == STATION_SCANNING || s->state == STATION_REASON || s->state == STATION_SUBST;

	switch (b->cmd) {
	case BCMD_CANCEL:
		if (s->state == STATION_REASON || s->state == STATION_SUBST) {
			s->override = BCMD_NONE;
			set(s, STATION_SCANNING, SMSG_CANCELLED, -1, 0, "override");
		} else if (s->state == STATION_SCANNING) {
			act->flags |= SACT_CANCEL;
			snprintf(act->order_number, sizeof(act->order_number), "%s",
				 s->order_number);
			for (size_t i = 0; i < s->nlines; i++)
				s->lines[i].got = 0;
			set(s, STATION_WAITING, SMSG_CANCELLED, -1, 0, "%s", s->order_number);
			forget_order(s);
		} else {
			set(s, s->state, SMSG_NOT_NOW, -1, 0, "cancel");
		}
		return;
	case BCMD_HOLD:
		if (!open) {
			set(s, s->state, SMSG_NOT_NOW, -1, 0, "hold");
			return;
		}
		act->flags |= SACT_HOLD;
		snprintf(act->order_number, sizeof(act->order_number), "%s", s->order_number);
		s->override = BCMD_NONE;
		set(s, STATION_WAITING, SMSG_HELD, -1, 0, "%s, brak %d", s->order_number,
		    station_missing(s));
		/* the counts stay in the struct until the caller saved them; the
		 * next load replaces them */
		return;
	case BCMD_REPRINT:
		if (s->state != STATION_DONE) {
			set(s, s->state, SMSG_NOT_NOW, -1, 0, "reprint: order not packed");
			return;
		}
		act->flags |= SACT_REPRINT;
		snprintf(act->order_number, sizeof(act->order_number), "%s", s->order_number);
		set(s, s->state, SMSG_REPRINT, -1, 0, "%s", s->order_number);
		return;
	case BCMD_NEXT:
		if (s->state == STATION_COMPLETE) { /* recording failed: try again */
			act->flags |= SACT_RECORD;
			snprintf(act->order_number, sizeof(act->order_number), "%s",
				 s->order_number);
			set(s, STATION_COMPLETE, SMSG_COMPLETE, -1, 0, "%s", s->order_number);
		} else if (s->state == STATION_DONE || s->state == STATION_WAITING) {
			forget_order(s);
			set(s, STATION_WAITING, SMSG_SCAN_ORDER, -1, 0, "%s", "");
		} else {
			set(s, s->state, SMSG_FINISH_FIRST, -1, 0, "%s", s->order_number);
		}
		return;
	case BCMD_QTY:
		if (s->state != STATION_SCANNING) {
			set(s, s->state, SMSG_NOT_NOW, -1, 0, "qty");
			return;
		}
		s->qty_next = b->qty;
		set(s, s->state, SMSG_QTY, -1, 0, "x%d", b->qty);
		return;
	case BCMD_MISSING:
	case BCMD_SUBST:
		if (s->state != STATION_SCANNING) {
			set(s, s->state, SMSG_NOT_NOW, -1, 0, "%s", barcode_cmd_name(b->cmd));
			return;
		}
		s->override = b->cmd;
		if (b->cmd == BCMD_MISSING)
			set(s, STATION_REASON, SMSG_NEED_REASON, -1, 0, "brak %d",
			    station_missing(s));
		else
			set(s, STATION_SUBST, SMSG_SCAN_SUBST, -1, 0, "%s", "");
		return;
	case BCMD_NONE:
		break;
	}
}

void station_feed(struct station *s, const char *data, size_t len, struct station_action *act)
{
	struct barcode b;

	memset(act, 0, sizeof(*act));
	barcode_classify(&s->bcfg, data, len, &b);
	if (b.type == BC_COMMAND) {
		command(s, &b, act);
		return;
	}
	switch (s->state) {
	case STATION_REASON:
		/* the operator's words, as typed (a digit string is a reason too) */
		if (b.type == BC_INVALID && !b.text[0]) {
			size_t n = len;
			while (n && (data[n - 1] == '\n' || data[n - 1] == '\r'))
				n--;
			if (n && n <= BARCODE_MAX && !memchr(data, '\0', n)) {
				memcpy(b.text, data, n);
				b.text[n] = '\0';
			}
		}
		take_reason(s, b.text[0] ? b.text : b.order, act);
		return;
	case STATION_SUBST: {
		int li = -1;
		if (b.type != BC_PRODUCT && b.type != BC_TEXT) {
			set(s, s->state, SMSG_UNKNOWN_CODE, -1, 0, "%s", b.why);
			return;
		}
		for (size_t i = 0; i < s->nlines && li < 0; i++)
			if (s->lines[i].got < s->lines[i].need)
				li = (int)i;
		if (li < 0) { /* nothing is missing */
			s->override = BCMD_NONE;
			set(s, STATION_SCANNING, SMSG_TOO_MANY, -1, 0, "%s", code_of(&b));
			return;
		}
		s->subst_line = (size_t)li;
		snprintf(s->subst_code, sizeof(s->subst_code), "%s", code_of(&b));
		set(s, STATION_REASON, SMSG_NEED_REASON, -1, 0, "%s <- %s", s->lines[li].sku,
		    s->subst_code);
		return;
	}
	case STATION_WAITING:
	case STATION_DONE:
		if (b.type == BC_ORDER) {
			act->flags |= SACT_LOAD;
			snprintf(act->order_number, sizeof(act->order_number), "%s", b.order);
			return;
		}
		if (s->state == STATION_DONE && (b.type == BC_PRODUCT || b.type == BC_TEXT))
			set(s, s->state, SMSG_ALREADY_PACKED, -1, 0, "%s", s->order_number);
		else if (b.type == BC_INVALID)
			set(s, s->state, SMSG_UNKNOWN_CODE, -1, 0, "%s", b.why);
		else
			set(s, s->state, SMSG_NO_ORDER_YET, -1, 0, "%s", code_of(&b));
		return;
	case STATION_SCANNING:
		if (b.type == BC_ORDER) {
			if (!strcmp(b.order, s->order_number))
				set(s, s->state, SMSG_ORDER_OPEN, -1, 0, "%s, brak %d",
				    s->order_number, station_missing(s));
			else
				set(s, s->state, SMSG_FINISH_FIRST, -1, 0, "%s", s->order_number);
			return;
		}
		count_item(s, &b, act);
		return;
	case STATION_COMPLETE:
		set(s, s->state, SMSG_FINISH_FIRST, -1, 0, "%s", s->order_number);
		return;
	}
}
