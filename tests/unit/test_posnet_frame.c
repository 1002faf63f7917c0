/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/test_posnet_frame.c - POSNET frame codec: CRC goldens, building, parsing. */
#include "check.h"

#include "base/err.h"
#include "fiscal/posnet_errors.h"
#include "fiscal/posnet_frame.h"

#define S(lit) (const uint8_t *)(lit), sizeof(lit) - 1

/* CRC examples of research fiscal-printers.md §1.3 (all recomputed there). */
static void test_crc_goldens(void)
{
	CHECK_INT(posnet_crc16("123456789", 9), 0x31C3);
	CHECK_INT(posnet_crc16(S("trinit\tbm0\t")), 0x4825);
	CHECK_INT(posnet_crc16(S("trline\tnaChleb\tvt1\tpr200\t")), 0xB23A);
	CHECK_INT(posnet_crc16(S("rtcset\tda2016-09-22,12:05\t")), 0x8534);
	CHECK_INT(posnet_crc16(S("ERR\t?5\t")), 0x7F84);
	CHECK_INT(posnet_crc16(S("trinit\t")), 0x911D);
	CHECK_INT(posnet_crc16(S("scnt\t")), 0xE484);
	CHECK_INT(posnet_crc16(S("sdev\t")), 0x233A);
	CHECK_INT(posnet_crc16(S("strns\t")), 0xFCA8);
	CHECK_INT(posnet_crc16(S("prncancel\t")), 0x6B3B);
	/* §6: "Koszulka bawełniana męska XL czarna" in CP1250 (ł = B3, ę = EA) */
	CHECK_INT(posnet_crc16(S("trline\tnaKoszulka bawe\xb3niana m\xeaska XL czarna\tvt0\tpr4999"
				 "\til1\twa4999\tjmszt\t")),
		  0x7D0D);
}

static int encode(struct posnet_cmd *c, char *out, size_t cap)
{
	size_t n = 0;
	int rc = posnet_cmd_encode(c, false, (uint8_t *)out, cap - 1, &n);
	out[rc ? 0 : n] = '\0';
	return rc;
}

static void test_build_goldens(void)
{
	struct posnet_cmd c;
	char out[POSNET_FRAME_MAX + 1];

	posnet_cmd_init(&c, "trinit");
	posnet_cmd_add_int(&c, "bm", 0);
	CHECK_OK(encode(&c, out, sizeof(out)));
	CHECK_STR(out, "\x02trinit\tbm0\t#4825\x03");

	posnet_cmd_init(&c, "trline");
	posnet_cmd_add_text(&c, "na", "Chleb");
	posnet_cmd_add_int(&c, "vt", 1);
	posnet_cmd_add_int(&c, "pr", 200);
	CHECK_OK(encode(&c, out, sizeof(out)));
	CHECK_STR(out, "\x02trline\tnaChleb\tvt1\tpr200\t#B23A\x03");

	posnet_cmd_init(&c, "rtcset");
	posnet_cmd_add_text(&c, "da", "2016-09-22,12:05");
	CHECK_OK(encode(&c, out, sizeof(out)));
	CHECK_STR(out, "\x02rtcset\tda2016-09-22,12:05\t#8534\x03");

	posnet_cmd_init(&c, "scnt");
	CHECK_OK(encode(&c, out, sizeof(out)));
	CHECK_STR(out, "\x02scnt\t#E484\x03");

	/* the §6 model line, UTF-8 in, CP1250 on the wire, 80 bytes */
	posnet_cmd_init(&c, "trline");
	posnet_cmd_add_text(&c, "na", "Koszulka bawełniana męska XL czarna");
	posnet_cmd_add_int(&c, "vt", 0);
	posnet_cmd_add_int(&c, "pr", 4999);
	posnet_cmd_add_text(&c, "il", "1");
	posnet_cmd_add_int(&c, "wa", 4999);
	posnet_cmd_add_text(&c, "jm", "szt");
	CHECK_OK(encode(&c, out, sizeof(out)));
	CHECK_INT(strlen(out), 80);
	CHECK_STR(out, "\x02trline\tnaKoszulka bawe\xb3niana m\xeaska XL czarna\tvt0\tpr4999\til1"
		       "\twa4999\tjmszt\t#7D0D\x03");

	/* a reply frame: ERR ?5 (litex test_framing.py) */
	posnet_cmd_init(&c, "ERR");
	posnet_cmd_add_error(&c, 5);
	CHECK_OK(encode(&c, out, sizeof(out)));
	CHECK_STR(out, "\x02"
		       "ERR\t?5\t#7F84\x03");

	/* token after the fields, covered by the CRC */
	posnet_cmd_init(&c, "trend");
	posnet_cmd_add_int(&c, "to", 999);
	posnet_cmd_set_token(&c, 42);
	CHECK_OK(encode(&c, out, sizeof(out)));
	{
		char expect[64];
		snprintf(expect, sizeof(expect), "\x02trend\tto999\t@0042\t#%04X\x03",
			 posnet_crc16(S("trend\tto999\t@0042\t")));
		CHECK_STR(out, expect);
	}

	/* async prefix is inside the CRC */
	posnet_cmd_init(&c, "!sdev");
	CHECK_OK(encode(&c, out, sizeof(out)));
	{
		char expect[64];
		snprintf(expect, sizeof(expect), "\x02!sdev\t#%04X\x03",
			 posnet_crc16(S("!sdev\t")));
		CHECK_STR(out, expect);
	}

	/* lower-case CRC on request (simulator fault mode) */
	{
		size_t n;
		uint8_t raw[64];
		posnet_cmd_init(&c, "trline");
		posnet_cmd_add_text(&c, "na", "Chleb");
		posnet_cmd_add_int(&c, "vt", 1);
		posnet_cmd_add_int(&c, "pr", 200);
		CHECK_OK(posnet_cmd_encode(&c, true, raw, sizeof(raw), &n));
		CHECK(n > 6 && memcmp(raw + n - 6, "#b23a\x03", 6) == 0);
	}
}

static void test_build_refusals(void)
{
	struct posnet_cmd c;
	char out[POSNET_FRAME_MAX + 1];
	char name81[82];

	/* control bytes in text */
	posnet_cmd_init(&c, "trline");
	CHECK_INT(posnet_cmd_add_text(&c, "na", "Mleko\t2%"), -PL_EINVAL);
	CHECK(strstr(c.err, "control byte 0x09") != NULL);
	CHECK(strstr(c.err, "'na'") != NULL);
	/* sticky: encode refuses, nothing to send */
	posnet_cmd_add_int(&c, "vt", 0);
	CHECK_INT(encode(&c, out, sizeof(out)), -PL_EINVAL);

	posnet_cmd_init(&c, "trftrln");
	CHECK_INT(posnet_cmd_add_text(&c, "na", "line\nbreak"), -PL_EINVAL);

	/* name <= 80 characters, counted in CP1250 characters not UTF-8 bytes */
	memset(name81, 'x', 81);
	name81[81] = '\0';
	posnet_cmd_init(&c, "trline");
	CHECK_INT(posnet_cmd_add_text(&c, "na", name81), -PL_ETOOBIG);
	CHECK(strstr(c.err, "81 characters") != NULL && strstr(c.err, "at most 80") != NULL);
	name81[80] = '\0';
	posnet_cmd_init(&c, "trline");
	CHECK_OK(posnet_cmd_add_text(&c, "na", name81));
	{
		/* 40 x 'ł' = 80 UTF-8 bytes but 40 characters: fits a 57 mm footer */
		char l40[81] = "";
		for (int i = 0; i < 40; i++)
			strcat(l40, "ł");
		posnet_cmd_init(&c, "trftrln");
		CHECK_OK(posnet_cmd_add_text(&c, "na", l40));
		posnet_cmd_init(&c, "trftrln");
		CHECK_OK(posnet_cmd_add_text(&c, "na", "Nr zamówienia: 2024/000123/PL-WAW-01234"));
	}
	/* footer line: 40 on 57 mm, 56 on 80 mm */
	posnet_cmd_init(&c, "trftrln");
	CHECK_INT(posnet_cmd_add_text(&c, "na", "12345678901234567890123456789012345678901"),
		  -PL_ETOOBIG);
	CHECK(strstr(c.err, "57 mm") != NULL);
	posnet_cmd_init(&c, "trftrln");
	posnet_cmd_set_paper(&c, POSNET_PAPER_80MM);
	CHECK_OK(posnet_cmd_add_text(&c, "na", "12345678901234567890123456789012345678901"));
	CHECK_INT(posnet_field_limit("trpayment", "na", POSNET_PAPER_57MM), 25);
	CHECK_INT(posnet_field_limit("trline", "jm", POSNET_PAPER_57MM), 4);
	CHECK_INT(posnet_field_limit("scnt", "na", POSNET_PAPER_57MM), 0);

	/* unmappable characters: clear error, nothing encoded */
	posnet_cmd_init(&c, "trline");
	CHECK_INT(posnet_cmd_add_text(&c, "na", "Kubek \xF0\x9F\x98\x80"), -PL_EINVAL);
	CHECK(strstr(c.err, "U+1F600") != NULL);
	CHECK_INT(encode(&c, out, sizeof(out)), -PL_EINVAL);
	posnet_cmd_init(&c, "trline");
	CHECK_INT(posnet_cmd_add_text(&c, "na", "bad \xC3"), -PL_EINVAL);
	CHECK(strstr(c.err, "invalid UTF-8") != NULL);

	/* bad names, mnemonic, token, negative */
	posnet_cmd_init(&c, "trline");
	CHECK_INT(posnet_cmd_add_int(&c, "n", 1), -PL_EINVAL);
	posnet_cmd_init(&c, "tr line");
	CHECK_INT(encode(&c, out, sizeof(out)), -PL_EINVAL);
	posnet_cmd_init(&c, "trend");
	CHECK_INT(posnet_cmd_set_token(&c, 10000), -PL_EINVAL);
	posnet_cmd_init(&c, "trend");
	CHECK_INT(posnet_cmd_add_int(&c, "to", -1), -PL_EINVAL);
	/* frame cap */
	{
		char big[300];
		memset(big, 'y', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		posnet_cmd_init(&c, "xx");
		for (int i = 0; i < 10; i++)
			posnet_cmd_add_text(&c, "zz", big);
		CHECK_INT(c.rc, -PL_ETOOBIG);
	}
	/* '#' and '@' are legal in values */
	posnet_cmd_init(&c, "trline");
	CHECK_OK(posnet_cmd_add_text(&c, "na", "Kubek #1 @home"));
	CHECK_OK(encode(&c, out, sizeof(out)));
}

/* Feed a whole string, expecting exactly one frame. */
static int parse_one(const void *wire, size_t len, struct posnet_msg *m)
{
	struct posnet_parser p;
	size_t used = 0;
	int rc;

	posnet_parser_init(&p);
	rc = posnet_parser_feed(&p, (const uint8_t *)wire, len, &used, m);
	return rc;
}

static void test_parse_replies(void)
{
	static struct posnet_msg m;
	long long v;

	CHECK_INT(parse_one(S("\x02trinit\t#911D\x03"), &m), POSNET_FEED_FRAME);
	CHECK_INT(m.kind, POSNET_MSG_OK);
	CHECK_STR(m.mnemonic, "trinit");
	CHECK_INT(m.nfields, 0);
	CHECK_INT(m.token, POSNET_NO_TOKEN);

	{
		char wire[256];
		const char *pl = "scnt\trd4\thn56\tbn1\tfn0\tnuZBF 2101002392\tbc0\tbt1\tfc0\t";
		int n = snprintf(wire, sizeof(wire), "\x02%s#%04X\x03", pl,
				 posnet_crc16(pl, strlen(pl)));
		CHECK_INT(parse_one(wire, (size_t)n, &m), POSNET_FEED_FRAME);
		CHECK_STR(m.mnemonic, "scnt");
		CHECK_INT(m.nfields, 8);
		CHECK_STR(posnet_msg_get(&m, "nu"), "ZBF 2101002392");
		CHECK_OK(posnet_msg_get_int(&m, "bn", &v));
		CHECK_INT(v, 1);
		CHECK_INT(posnet_msg_get_int(&m, "xx", &v), -PL_ENOTFOUND);
		CHECK_INT(posnet_msg_get_int(&m, "nu", &v), -PL_EINVAL);
		/* same frame, lower-case CRC accepted */
		n = snprintf(wire, sizeof(wire), "\x02%s#%04x\x03", pl,
			     posnet_crc16(pl, strlen(pl)));
		CHECK_INT(parse_one(wire, (size_t)n, &m), POSNET_FEED_FRAME);
	}

	/* command error, both forms (with and without TAB before '#') */
	{
		char wire[64];
		int n = snprintf(wire, sizeof(wire), "\x02trline\t?2000\t#%04X\x03",
				 posnet_crc16(S("trline\t?2000\t")));
		CHECK_INT(parse_one(wire, (size_t)n, &m), POSNET_FEED_FRAME);
		CHECK_INT(m.kind, POSNET_MSG_CMD_ERROR);
		CHECK_STR(m.mnemonic, "trline");
		CHECK_INT(m.error, 2000);
		n = snprintf(wire, sizeof(wire), "\x02trend\t?2805#%04X\x03",
			     posnet_crc16(S("trend\t?2805")));
		CHECK_INT(parse_one(wire, (size_t)n, &m), POSNET_FEED_FRAME);
		CHECK_INT(m.kind, POSNET_MSG_CMD_ERROR);
		CHECK_INT(m.error, 2805);
	}
	/* frame error: litex's real frame, and the full template */
	CHECK_INT(parse_one(S("\x02"
			      "ERR\t?5\t#7F84\x03"),
			    &m),
		  POSNET_FEED_FRAME);
	CHECK_INT(m.kind, POSNET_MSG_FRAME_ERROR);
	CHECK_INT(m.error, 5);
	CHECK(m.err_cmd == NULL);
	{
		char wire[96];
		int n = snprintf(wire, sizeof(wire),
				 "\x02"
				 "ERR\t@0017\t?2\tcmtrline\tfdna\t#%04X\x03",
				 posnet_crc16(S("ERR\t@0017\t?2\tcmtrline\tfdna\t")));
		CHECK_INT(parse_one(wire, (size_t)n, &m), POSNET_FEED_FRAME);
		CHECK_INT(m.kind, POSNET_MSG_FRAME_ERROR);
		CHECK_INT(m.error, 2);
		CHECK_INT(m.token, 17);
		CHECK_STR(m.err_cmd, "trline");
		CHECK_STR(m.err_field, "na");
		/* the spec's rpt example form: er13 */
		n = snprintf(wire, sizeof(wire),
			     "\x02"
			     "ERR\t@8765\ter13\tcmrpt\t#%04X\x03",
			     posnet_crc16(S("ERR\t@8765\ter13\tcmrpt\t")));
		CHECK_INT(parse_one(wire, (size_t)n, &m), POSNET_FEED_FRAME);
		CHECK_INT(m.kind, POSNET_MSG_FRAME_ERROR);
		CHECK_INT(m.error, 13);
		CHECK_INT(m.token, 8765);
		CHECK_STR(m.err_cmd, "rpt");
	}
	/* '#' inside a value: the LAST '#' is the checksum marker */
	{
		char wire[96];
		int n = snprintf(wire, sizeof(wire), "\x02trline\tnaKubek #1\tvt0\t#%04X\x03",
				 posnet_crc16(S("trline\tnaKubek #1\tvt0\t")));
		CHECK_INT(parse_one(wire, (size_t)n, &m), POSNET_FEED_FRAME);
		CHECK_STR(posnet_msg_get(&m, "na"), "Kubek #1");
		CHECK_STR(posnet_msg_get(&m, "vt"), "0");
	}
}

static void test_parse_bad(void)
{
	static struct posnet_msg m;
	struct posnet_parser p;
	size_t used;

	/* wrong CRC */
	posnet_parser_init(&p);
	CHECK_INT(posnet_parser_feed(&p, S("\x02trinit\t#911E\x03"), &used, &m), -PL_EPROTO);
	CHECK_INT(p.frame_error, 5);
	CHECK(strstr(p.err, "checksum") != NULL);
	/* no checksum */
	CHECK_INT(posnet_parser_feed(&p, S("\x02trinit\t\x03"), &used, &m), -PL_EPROTO);
	CHECK_INT(p.frame_error, 15);
	/* 3-digit CRC (jkobus bug) */
	CHECK_INT(posnet_parser_feed(&p, S("\x02trinit\t#91D\x03"), &used, &m), -PL_EPROTO);
	/* strict upper */
	p.strict_upper = true;
	CHECK_INT(
	    posnet_parser_feed(&p, S("\x02trline\tnaChleb\tvt1\tpr200\t#b23a\x03"), &used, &m),
	    -PL_EPROTO);
	CHECK_INT(p.frame_error, 5);
	p.strict_upper = false;
	CHECK_INT(
	    posnet_parser_feed(&p, S("\x02trline\tnaChleb\tvt1\tpr200\t#b23a\x03"), &used, &m),
	    POSNET_FEED_FRAME);
	/* bad token */
	{
		char wire[64];
		int n = snprintf(wire, sizeof(wire), "\x02trend\t@12\t#%04X\x03",
				 posnet_crc16(S("trend\t@12\t")));
		CHECK_INT(posnet_parser_feed(&p, (const uint8_t *)wire, (size_t)n, &used, &m),
			  -PL_EPROTO);
		CHECK_INT(p.frame_error, 4);
	}
}

static void test_parse_stream(void)
{
	static struct posnet_msg m;
	struct posnet_parser p;
	const char *stream = "garbage\x03\x01junk\x02trinit\t#911D\x03noise\x02scnt\t#E484\x03";
	size_t total = strlen(stream), off = 0, used;
	int frames = 0;

	/* one byte at a time: frames split across every possible read */
	posnet_parser_init(&p);
	while (off < total) {
		int rc = posnet_parser_feed(&p, (const uint8_t *)stream + off, 1, &used, &m);
		CHECK_INT(used, 1);
		off += used;
		if (rc == POSNET_FEED_FRAME) {
			frames++;
			CHECK_STR(m.mnemonic, frames == 1 ? "trinit" : "scnt");
		} else {
			CHECK_INT(rc, POSNET_FEED_MORE);
		}
	}
	CHECK_INT(frames, 2);
	CHECK_INT(p.skipped, strlen("garbage\x03\x01junk") + strlen("noise"));

	/* whole stream at once: feed the rest after each frame */
	posnet_parser_init(&p);
	off = 0;
	frames = 0;
	while (off < total) {
		int rc =
		    posnet_parser_feed(&p, (const uint8_t *)stream + off, total - off, &used, &m);
		CHECK(used > 0);
		off += used;
		if (rc == POSNET_FEED_FRAME)
			frames++;
	}
	CHECK_INT(frames, 2);

	/* truncated frame followed by a good one */
	{
		const char *s = "\x02trli\x02trinit\t#911D\x03";
		size_t n = strlen(s);
		posnet_parser_init(&p);
		CHECK_INT(posnet_parser_feed(&p, (const uint8_t *)s, n, &used, &m), -PL_EPROTO);
		CHECK_INT(used, 6); /* the new STX is consumed and starts the next frame */
		CHECK(strstr(p.err, "truncated") != NULL);
		CHECK_INT(posnet_parser_feed(&p, (const uint8_t *)s + used, n - used, &used, &m),
			  POSNET_FEED_FRAME);
		CHECK_STR(m.mnemonic, "trinit");
	}

	/* over-long frame: reported once, then skipped to its ETX */
	{
		static uint8_t big[POSNET_FRAME_MAX * 2 + 32];
		size_t n = 0, o = 0;
		int errs = 0, ok = 0;
		big[n++] = POSNET_STX;
		memset(big + n, 'a', POSNET_FRAME_MAX + 100);
		n += POSNET_FRAME_MAX + 100;
		big[n++] = POSNET_ETX;
		memcpy(big + n, "\x02trinit\t#911D\x03", 14);
		n += 14;
		posnet_parser_init(&p);
		while (o < n) {
			int rc = posnet_parser_feed(&p, big + o, n - o, &used, &m);
			o += used;
			if (rc == -PL_ETOOBIG)
				errs++;
			else if (rc == POSNET_FEED_FRAME)
				ok++;
		}
		CHECK_INT(errs, 1);
		CHECK_INT(ok, 1);
		CHECK_INT(p.frame_error, 0);
	}
}

/* the error table answers every code it lists (binary search over a sorted table) */
static void test_error_messages(void)
{
	static const int codes[] = {41, 382, 383, 2005, 2008, 2038, 2054, 2106, 2805, 2851};
	int last = 0;

	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		const struct posnet_error_info *e = posnet_error_lookup(codes[i]);
		CHECK(e != NULL);
		if (e)
			CHECK_INT(e->code, codes[i]);
	}
	for (int c = 0; c < 5000; c++) {
		const struct posnet_error_info *e = posnet_error_lookup(c);
		if (e) {
			CHECK(e->code > last);
			last = e->code;
			CHECK(e->message[0] != '\0');
		}
	}
	CHECK(strstr(posnet_error_message(2106), "rate lock") != NULL);
	CHECK(strstr(posnet_error_message(2054), "totals mismatch") != NULL);
	CHECK(strstr(posnet_error_message(2805), "totals mismatch") != NULL);
	CHECK(strstr(posnet_error_message(383), "daily report") != NULL);
	CHECK_INT(posnet_error_class(383), POSNET_ERRC_REPORT);
	CHECK_INT(posnet_error_class(2106), POSNET_ERRC_DATA);
	CHECK_INT(posnet_error_class(41), POSNET_ERRC_BUSY);
	CHECK_INT(posnet_error_class(1077), POSNET_ERRC_FATAL);
	CHECK_INT(posnet_error_class(9999), POSNET_ERRC_UNKNOWN);
	CHECK(strstr(posnet_error_message(9999), "unknown") != NULL);
	CHECK(strstr(posnet_sprn_message(5), "out of paper") != NULL);
	CHECK(strstr(posnet_sprn_message(1), "cover is open") != NULL);
	CHECK(strstr(posnet_frame_error_message(5), "checksum") != NULL);
	CHECK_STR(posnet_err_class_name(POSNET_ERRC_OPERATOR), "operator");
}

int main(void)
{
	test_error_messages();
	test_crc_goldens();
	test_build_goldens();
	test_build_refusals();
	test_parse_replies();
	test_parse_bad();
	test_parse_stream();
	return check_done("test_posnet_frame");
}
