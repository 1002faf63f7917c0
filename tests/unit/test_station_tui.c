/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/test_station_tui.c - the station's screen and scanner readers
 * (agent/station_tui.h, agent/station_scan.h). */
#include "agent/station_scan.h"
#include "agent/station_tui.h"
#include "base/diag.h"
#include "base/err.h"

#include "check.h"

#include <linux/input.h>
#include <unistd.h>

/* The frame as rows of visible text: escapes dropped, a row starts at
 * ESC [ R ; 1 H. */
static int frame_rows(const char *f, char rows[][256], int max)
{
	int r = -1, last = 0;
	size_t len = 0;

	for (const char *p = f; *p;) {
		if (p[0] == '\x1b' && p[1] == '[') {
			int n = 0;
			p += 2;
			if (*p == '?')
				p++;
			while (*p >= '0' && *p <= '9')
				n = n * 10 + (*p++ - '0');
			while (*p == ';' || (*p >= '0' && *p <= '9'))
				p++;
			if (*p == 'H' && n >= 1 && n <= max) {
				r = n - 1;
				len = 0;
				rows[r][0] = '\0';
				last = n > last ? n : last;
			}
			if (*p)
				p++;
			continue;
		}
		if (r >= 0 && len < 255) {
			rows[r][len++] = *p;
			rows[r][len] = '\0';
		}
		p++;
	}
	return last;
}

static size_t chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static void test_render(void)
{
	struct station s;
	struct station_status ss = {.docs = "paragon: czeka", .printer = "Drukarka: OK"};
	struct station_action act;
	struct order o;
	struct buf out;
	char rows[30][256];
	struct barcode_cfg cfg = {.order_prefix = "ZK/"};

	order_init(&o);
	snprintf(o.number, sizeof(o.number), "ZK/2026/10043");
	for (int i = 0; i < 5; i++) {
		struct order_line l = {.qty = 1000};
		snprintf(l.sku, sizeof(l.sku), "SKU%d", i);
		snprintf(l.name, sizeof(l.name), "Żółć gęślą jaźń %d", i);
		order_add_line(&o, &l);
	}
	buf_init(&out, 65536);
	station_init(&s, &cfg, NULL, NULL);
	station_feed(&s, "ZK/2026/10043", 13, &act);
	station_load(&s, &o, "", NULL);
	station_feed(&s, "SKU3", 4, &act);
	CHECK_OK(station_render(&s, &ss, 20, 8, &out));
	memset(rows, 0, sizeof(rows));
	CHECK_INT(frame_rows(out.data, rows, 30), 8);
	for (int r = 0; r < 8; r++)
		CHECK(chars(rows[r]) <= 20);
	CHECK_STR(rows[0], "ZK/2026/10043");
	CHECK_STR(rows[1], "OK: SKU3 1/1");
	CHECK_STR(rows[2], "Brak 4: SKU0");
	CHECK_STR(rows[3], " 0/1 SKU0 Żółć gęślą"); /* cut at 20 characters, not bytes */
	CHECK_STR(rows[5], "+3...");                /* 3 rows for lines: the rest counted */
	CHECK_STR(rows[6], "paragon: czeka");
	CHECK_STR(rows[7], "Drukarka: OK");
	/* 80x24: every line shown, the complete one last */
	CHECK_OK(station_render(&s, &ss, 80, 24, &out));
	memset(rows, 0, sizeof(rows));
	CHECK_INT(frame_rows(out.data, rows, 30), 24);
	CHECK_STR(rows[3], " 0/1 SKU0 Żółć gęślą jaźń 0");
	CHECK_STR(rows[7], "+1/1 SKU3 Żółć gęślą jaźń 3");
	CHECK_STR(rows[23], "Drukarka: OK");
	/* an error is drawn in inverse video; a control byte never reaches the terminal */
	station_feed(&s, "96385074", 8, &act);
	station_report(&s, SMSG_WRONG_ITEM, "a\x1b]0;x");
	CHECK_OK(station_render(&s, &ss, 80, 24, &out));
	CHECK(strstr(out.data, "\x1b[7mZŁY TOWAR: a?]0;x") != NULL);
	buf_release(&out);
	order_release(&o);
}

static char got[8][300];
static size_t got_len[8];
static int ngot;

static void on_line(void *arg, const char *line, size_t len)
{
	(void)arg;
	if (ngot < 8) {
		memcpy(got[ngot], line, len < 299 ? len : 299);
		got[ngot][len < 299 ? len : 299] = '\0';
		got_len[ngot++] = len;
	}
}

static bool put(int fd, const char *s)
{
	return write(fd, s, strlen(s)) == (ssize_t)strlen(s);
}

static void test_reader(void)
{
	struct station_scan *sc = NULL;
	int p[2];
	char big[400];

	CHECK_OK(pipe(p));
	CHECK_OK(station_scan_open_fd(&sc, p[0]));
	ngot = 0;
	CHECK(put(p[1], "ZK/1\r\n\r\n59075"));
	CHECK_OK(station_scan_read(sc, on_line, NULL));
	CHECK_INT(ngot, 1); /* empty lines skipped, the partial one kept */
	CHECK_STR(got[0], "ZK/1");
	{
		char in[32];
		station_scan_input(sc, in, sizeof(in));
		CHECK_STR(in, "59075");
	}
	CHECK(put(p[1], "11000015\n]d2\x1d"
			"0105907511000015\n"));
	CHECK_OK(station_scan_read(sc, on_line, NULL));
	CHECK_INT(ngot, 3);
	CHECK_STR(got[1], "5907511000015");
	CHECK_STR(got[2], "]d2\x1d"
			  "0105907511000015");
	/* an overlong line is cut one byte over the cap: refused as too long */
	memset(big, 'A', sizeof(big));
	big[sizeof(big) - 1] = '\n';
	CHECK(write(p[1], big, sizeof(big)) == (ssize_t)sizeof(big));
	CHECK_OK(station_scan_read(sc, on_line, NULL));
	CHECK_INT(ngot, 4);
	CHECK_INT(got_len[3], BARCODE_MAX + 1);
	{
		struct barcode b;
		CHECK_INT(barcode_classify(NULL, got[3], got_len[3], &b), BC_INVALID);
	}
	/* the end of the input: a last line without its end is passed on */
	CHECK(put(p[1], "PL:NEXT"));
	close(p[1]);
	CHECK_OK(station_scan_read(sc, on_line, NULL));
	CHECK_INT(station_scan_read(sc, on_line, NULL), 1);
	CHECK_INT(ngot, 5);
	CHECK_STR(got[4], "PL:NEXT");
	station_scan_close(sc);
	close(p[0]);
}

static void test_keymap_specs(void)
{
	CHECK_STR(station_scan_keymap(KEY_5, 0, 0, 0), "5");
	CHECK_STR(station_scan_keymap(KEY_Z, 1, 0, 0), "Z");
	CHECK_STR(station_scan_keymap(KEY_SLASH, 0, 0, 0), "/");
	CHECK_STR(station_scan_keymap(KEY_SEMICOLON, 1, 0, 0), ":");
	CHECK_STR(station_scan_keymap(KEY_L, 0, 1, 1), "ł");
	CHECK_STR(station_scan_keymap(KEY_Z, 1, 1, 1), "Ż");
	CHECK_STR(station_scan_keymap(KEY_X, 0, 1, 1), "ź");
	CHECK_STR(station_scan_keymap(KEY_LEFTSHIFT, 0, 0, 0), "");
	CHECK_STR(station_scan_keymap(-1, 0, 0, 0), "");
	CHECK_OK(station_scan_check("tty"));
	CHECK_OK(station_scan_check("evdev:/dev/input/event3:pl"));
	CHECK_OK(station_scan_check("serial:/dev/ttyACM0@115200"));
	CHECK(station_scan_check("serial:/dev/ttyACM0@1234") != 0);
	CHECK(station_scan_check("serial:") != 0);
	CHECK(station_scan_check("hid:0") != 0);
}

static void test_config(void)
{
	char v1[] = "*O*", v2[] = "yes", v3[] = "serial:/dev/x", b1[] = "red", b2[] = "maybe",
	     b3[] = "usb";
	struct config_kv kv[] = {
	    {.section = "station", .key = "order_prefix", .value = v1, .line = 2},
	    {.section = "station", .key = "strip_prefix", .value = v2, .line = 3},
	    {.section = "station", .key = "scanner", .value = v3, .line = 4},
	};
	struct config_kv badkv[] = {
	    {.section = "station", .key = "colour", .value = b1, .line = 5},
	    {.section = "station", .key = "strip_prefix", .value = b2, .line = 6},
	    {.section = "station", .key = "scanner", .value = b3, .line = 7},
	};
	struct config_view v = {.path = "p.ini", .kv = kv, .nkv = 3};
	struct config_view bad = {.path = "p.ini", .kv = badkv, .nkv = 3};
	struct station_opts o;
	struct diag d;

	diag_init(&d);
	CHECK_OK(station_config_check(&v, "", &d));
	CHECK_INT(station_config_check(&bad, "", &d), -PL_ECONFIG);
	CHECK_INT(diag_count(&d), 3);
	diag_release(&d);
	station_opts_load(&v, &o);
	CHECK_STR(o.order_prefix, "*O*");
	CHECK(o.strip_prefix);
	CHECK_STR(o.scanner, "serial:/dev/x");
	CHECK_STR(o.cmd_prefix, "PL:");
	station_opts_load(NULL, &o);
	CHECK_STR(o.order_pattern, "*/*");
	CHECK_STR(o.scanner, "tty");
}

int main(void)
{
	test_render();
	test_reader();
	test_keymap_specs();
	test_config();
	return check_done("test_station_tui");
}
