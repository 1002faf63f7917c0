/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/test_station.c - the packing state machine (core/station.h). */
#include "core/station.h"

#include "base/err.h"
#include "store/store.h"

#include "check.h"

#include <stdlib.h>
#include <unistd.h>

static char logbuf[8192];

static void logfn(void *arg, const char *line)
{
	(void)arg;
	strncat(logbuf, line, sizeof(logbuf) - strlen(logbuf) - 2);
	strcat(logbuf, "\n");
}

static const struct barcode_cfg cfg = {.order_prefix = "ZK/"};

static void make_order(struct order *o)
{
	struct order_line a = {
	    .sku = "KUB-350", .ean = "5907511000015", .name = "Kubek „Żubr”", .qty = 2000};
	struct order_line b = {.sku = "TALERZ", .ean = "", .name = "Talerz", .qty = 1500};

	order_init(o);
	o->id = 7;
	snprintf(o->number, sizeof(o->number), "ZK/2026/7");
	order_add_line(o, &a);
	order_add_line(o, &b);
}

static enum station_msg feed(struct station *s, const char *scan, struct station_action *act)
{
	station_feed(s, scan, strlen(scan), act);
	return s->msg;
}

static void test_happy_path(void)
{
	struct station s;
	struct station_action act;
	struct order o;
	char json[256];

	make_order(&o);
	logbuf[0] = '\0';
	station_init(&s, &cfg, logfn, NULL);
	CHECK_INT(s.state, STATION_WAITING);
	CHECK_INT(feed(&s, "5907511000015", &act), SMSG_NO_ORDER_YET);
	CHECK_INT(feed(&s, "ZK/2026/7", &act), SMSG_NO_ORDER_YET); /* unchanged until loaded */
	CHECK(act.flags & SACT_LOAD);
	CHECK_STR(act.order_number, "ZK/2026/7");
	CHECK_OK(station_load(&s, &o, "", NULL));
	CHECK_INT(s.state, STATION_SCANNING);
	CHECK_INT(s.msg, SMSG_ORDER_OPEN);
	CHECK_INT(s.lines[1].need, 2); /* 1.5 rounded up to pieces */
	CHECK_INT(station_missing(&s), 4);
	CHECK_INT(feed(&s, "5907511000015", &act), SMSG_ITEM_OK);
	CHECK(act.flags & SACT_SAVE);
	CHECK_INT(s.lines[0].got, 1);
	/* GS1 DataMatrix of the same GTIN counts the same line */
	CHECK_INT(feed(&s,
		       "]d20105907511000015\x1d"
		       "10L1",
		       &act),
		  SMSG_ITEM_OK);
	CHECK_INT(s.lines[0].got, 2);
	CHECK_INT(feed(&s, "5907511000015", &act), SMSG_TOO_MANY);
	CHECK_INT(s.sound, SSND_ERROR);
	CHECK_INT(s.lines[0].got, 2);
	CHECK_INT(feed(&s, "96385074", &act), SMSG_WRONG_ITEM);
	CHECK_INT(feed(&s, "5907511000016", &act), SMSG_UNKNOWN_CODE);
	CHECK_INT(feed(&s, "NIEMA-TAKIEGO", &act), SMSG_UNKNOWN_CODE);
	CHECK_INT(feed(&s, "ZK/2026/8", &act), SMSG_FINISH_FIRST);
	CHECK_INT(act.flags, 0);
	/* manual quantity: the SKU (a Code 128 of it) counts 2 at once */
	CHECK_INT(feed(&s, "PL:QTY:2", &act), SMSG_QTY);
	CHECK_OK(station_saved_json(&s, json, sizeof(json)));
	CHECK_STR(json, "{\"KUB-350\":2,\"TALERZ\":0}");
	CHECK_INT(feed(&s, "TALERZ", &act), SMSG_COMPLETE);
	CHECK(act.flags & SACT_RECORD);
	CHECK_INT(s.state, STATION_COMPLETE);
	CHECK_INT(feed(&s, "TALERZ", &act),
		  SMSG_FINISH_FIRST); /* nothing counted while recording */
	CHECK_INT(act.flags, 0);
	station_recorded(&s, true, "paragon");
	CHECK_INT(s.state, STATION_DONE);
	CHECK_INT(feed(&s, "5907511000015", &act), SMSG_ALREADY_PACKED);
	CHECK_INT(feed(&s, "PL:REPRINT", &act), SMSG_REPRINT);
	CHECK(act.flags & SACT_REPRINT);
	CHECK(!(act.flags & SACT_RECORD)); /* a reprint never records a document */
	CHECK_INT(feed(&s, "PL:NEXT", &act), SMSG_SCAN_ORDER);
	CHECK_INT(s.state, STATION_WAITING);
	/* each message has its own id and text */
	for (int i = 0; i < SMSG_COUNT; i++)
		for (int j = i + 1; j < SMSG_COUNT; j++) {
			CHECK(strcmp(station_msg_id(i), station_msg_id(j)) != 0);
			CHECK(strcmp(station_msg_text(i), station_msg_text(j)) != 0);
		}
	/* the one setter logged every change */
	CHECK(strstr(logbuf, "scanning -> scanning: item_ok KUB-350 1/2 [KUB-350 +1 = 1/2]") !=
	      NULL);
	CHECK(strstr(logbuf, "scanning -> complete: complete ZK/2026/7 [TALERZ +2 = 2/2]") != NULL);
	CHECK(strstr(logbuf, "complete -> done: recorded paragon") != NULL);
	CHECK(strstr(logbuf, "too_many KUB-350 2/2") != NULL);
	order_release(&o);
}

static void test_hold_resume_packed(void)
{
	struct station s, t;
	struct station_action act;
	struct order o;
	char json[256];

	make_order(&o);
	station_init(&s, &cfg, NULL, NULL);
	feed(&s, "ZK/2026/7", &act);
	station_load(&s, &o, "", NULL);
	feed(&s, "5907511000015", &act);
	CHECK_INT(feed(&s, "PL:HOLD", &act), SMSG_HELD);
	CHECK(act.flags & SACT_HOLD);
	CHECK_STR(act.order_number, "ZK/2026/7");
	CHECK_INT(s.state, STATION_WAITING);
	CHECK_OK(station_saved_json(&s, json, sizeof(json)));
	/* another station resumes from the saved counts */
	station_init(&t, &cfg, NULL, NULL);
	CHECK_OK(station_load(&t, &o, "held", json));
	CHECK_INT(t.msg, SMSG_RESUMED);
	CHECK_INT(t.lines[0].got, 1);
	CHECK_INT(station_missing(&t), 3);
	/* a saved count above the need is capped, garbage ignored */
	CHECK_OK(station_load(&t, &o, "held", "{\"KUB-350\":99,\"TALERZ\":\"x\"}"));
	CHECK_INT(t.lines[0].got, 2);
	CHECK_INT(t.lines[1].got, 0);
	CHECK_OK(station_load(&t, &o, "held", "not json"));
	CHECK_INT(t.lines[0].got, 0);
	/* packed before */
	CHECK_OK(station_load(&t, &o, "packed", NULL));
	CHECK_INT(t.msg, SMSG_ALREADY_PACKED);
	CHECK_INT(t.state, STATION_DONE);
	CHECK_INT(t.sound, SSND_WARN);
	/* cancel drops the counts */
	station_load(&t, &o, "", NULL);
	feed(&t, "5907511000015", &act);
	CHECK_INT(feed(&t, "PL:CANCEL", &act), SMSG_CANCELLED);
	CHECK(act.flags & SACT_CANCEL);
	CHECK_INT(t.state, STATION_WAITING);
	station_not_found(&t, "ZK/404");
	CHECK_INT(t.msg, SMSG_NOT_FOUND);
	order_release(&o);
}

static void test_overrides(void)
{
	struct station s;
	struct station_action act;
	struct order o;

	make_order(&o);
	station_init(&s, &cfg, NULL, NULL);
	feed(&s, "ZK/2026/7", &act);
	station_load(&s, &o, "", NULL);
	CHECK_INT(feed(&s, "5907511000015", &act), SMSG_ITEM_OK);
	/* substitute: another product for the missing mug, with a reason */
	CHECK_INT(feed(&s, "PL:SUBST", &act), SMSG_SCAN_SUBST);
	CHECK_INT(feed(&s, "96385074", &act), SMSG_NEED_REASON);
	CHECK_INT(feed(&s, "ab", &act), SMSG_NEED_REASON); /* too short */
	CHECK_INT(act.flags, 0);
	CHECK_INT(feed(&s, "klient zgodził się", &act), SMSG_OVERRIDE);
	CHECK(act.flags & SACT_AUDIT);
	CHECK_STR(act.audit_action, "station.substitute");
	CHECK(strstr(act.audit_detail, "line KUB-350 by 00000096385074: klient zgodził się") !=
	      NULL);
	CHECK_INT(s.lines[0].got, 2);
	/* accept missing: the plates are out of stock */
	CHECK_INT(feed(&s, "PL:MISSING", &act), SMSG_NEED_REASON);
	CHECK_INT(s.state, STATION_REASON);
	CHECK_INT(feed(&s, "PL:CANCEL", &act), SMSG_CANCELLED); /* back to scanning */
	CHECK_INT(s.state, STATION_SCANNING);
	feed(&s, "PL:MISSING", &act);
	CHECK_INT(feed(&s, "brak na magazynie", &act), SMSG_COMPLETE);
	CHECK(act.flags & SACT_AUDIT);
	CHECK(act.flags & SACT_RECORD);
	CHECK_STR(act.audit_action, "station.accept_missing");
	CHECK(strstr(act.audit_detail, "missing TALERZ x2: brak na magazynie") != NULL);
	/* a failed recording keeps the order complete; PL:NEXT retries */
	station_recorded(&s, false, "store");
	CHECK_INT(s.msg, SMSG_RECORD_FAILED);
	CHECK_INT(feed(&s, "PL:NEXT", &act), SMSG_COMPLETE);
	CHECK(act.flags & SACT_RECORD);
	/* commands out of place */
	station_recorded(&s, true, "");
	CHECK_INT(feed(&s, "PL:HOLD", &act), SMSG_NOT_NOW);
	CHECK_INT(feed(&s, "PL:QTY:3", &act), SMSG_NOT_NOW);
	CHECK_INT(feed(&s, "PL:MISSING", &act), SMSG_NOT_NOW);
	order_release(&o);
}

/* The session row a hold leaves, read back by another station (store). */
static void test_session_store(void)
{
	char dir[] = "/tmp/test_station.XXXXXX", dsn[64], path[64];
	struct store *st = NULL;
	struct pack_session ps = {0}, got;
	struct station s, t;
	struct station_action act;
	struct order o;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/s.db", dir);
	snprintf(dsn, sizeof(dsn), "sqlite:%s", path);
	CHECK_OK(store_open(&st, dsn));
	if (!st)
		return;
	make_order(&o);
	o.id = 0;
	snprintf(o.source, sizeof(o.source), "shop");
	snprintf(o.ext_id, sizeof(o.ext_id), "7");
	snprintf(o.currency, sizeof(o.currency), "PLN");
	CHECK_OK(store_order_upsert(st, &o, 1, NULL));
	CHECK_INT(store_pack_session_get(st, o.id, &got), -PL_ENOTFOUND);
	station_init(&s, &cfg, NULL, NULL);
	station_load(&s, &o, "", NULL);
	feed(&s, "5907511000015", &act);
	feed(&s, "PL:HOLD", &act);
	ps.order_id = o.id;
	snprintf(ps.station, sizeof(ps.station), "A");
	snprintf(ps.state, sizeof(ps.state), "held");
	CHECK_OK(station_saved_json(&s, ps.scanned, sizeof(ps.scanned)));
	ps.updated = 100;
	CHECK_OK(store_pack_session_put(st, &ps));
	CHECK_OK(store_pack_session_get(st, o.id, &got));
	CHECK_STR(got.state, "held");
	CHECK_STR(got.station, "A");
	CHECK_INT(got.updated, 100);
	station_init(&t, &cfg, NULL, NULL);
	CHECK_OK(station_load(&t, &o, got.state, got.scanned));
	CHECK_INT(t.lines[0].got, 1);
	/* replaced in place; a state outside the three and an unknown order refused */
	snprintf(ps.state, sizeof(ps.state), "packed");
	CHECK_OK(store_pack_session_put(st, &ps));
	CHECK_OK(store_pack_session_get(st, o.id, &got));
	CHECK_STR(got.state, "packed");
	snprintf(ps.state, sizeof(ps.state), "bogus");
	CHECK(store_pack_session_put(st, &ps) != 0);
	ps.order_id = 999;
	snprintf(ps.state, sizeof(ps.state), "held");
	CHECK_INT(store_pack_session_put(st, &ps), -PL_ENOTFOUND);
	store_close(st);
	order_release(&o);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	test_session_store();
	test_happy_path();
	test_hold_resume_packed();
	test_overrides();
	return check_done("test_station");
}
