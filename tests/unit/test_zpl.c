/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/test_zpl.c - the ZPL II builder: exact bytes, escaping, sizes, refusals. */
#include "base/err.h"
#include "labels/zpl.h"
#include "tests/unit/check.h"

#include <stdlib.h>
#include <string.h>

static void test_units(void)
{
	CHECK_INT(zpl_mm100_to_dots(10000, 203), 799); /* 100 mm at 8 dots/mm */
	CHECK_INT(zpl_mm100_to_dots(2540, 203), 203);  /* one inch */
	CHECK_INT(zpl_mm100_to_dots(2540, 300), 300);
	CHECK_INT(zpl_mm100_to_dots(15000, 300), 1772);
	CHECK_INT(zpl_mm100_to_dots(0, 203), 0);
	CHECK_INT(zpl_mm100_to_dots(125, 203), 10); /* 1.25 mm -> 9.99 -> 10 */
	CHECK_INT(zpl_utf8_len("Zażółć"), 6);
	CHECK_INT(zpl_utf8_len("a\xff"
			       "b"),
		  3);
	CHECK_INT(zpl_utf8_len(""), 0);
}

static void test_label_bytes(void)
{
	struct zpl z;
	size_t len = 0;
	char *s;

	zpl_init(&z, 0);
	CHECK_OK(zpl_begin(&z, 812, 1218));
	CHECK_OK(zpl_box(&z, 10, 10, 792, 1198, 4));
	CHECK_OK(zpl_text(&z, 30, 40, 40, 40, 0, ZPL_LEFT, "Zamówienie ZK/2026/0042"));
	CHECK_OK(zpl_code128(&z, 30, 120, 2, 100, true, "ZK/2026/0042"));
	CHECK_OK(zpl_code128(&z, 30, 300, 2, 100, false, "123456789012"));
	CHECK_OK(zpl_qr(&z, 500, 300, 4, 'M', "https://example.com/o/42"));
	CHECK_OK(zpl_datamatrix(&z, 500, 600, 4, "ZK/2026/0042"));
	CHECK_OK(zpl_end(&z));
	CHECK_OK(zpl_finish(&z));
	s = zpl_detach(&z, &len);
	CHECK(s != NULL);
	CHECK_STR(s, "^XA\n^CI28\n^PW812\n^LL1218\n^LH0,0\n"
		     "^FO10,10^GB792,1198,4^FS\n"
		     "^FO30,40^A0N,40,40^FDZamówienie ZK/2026/0042^FS\n"
		     "^FO30,120^BY2^BCN,100,Y,N,N^FDZK/2026/0042^FS\n"
		     "^FO30,300^BY2^BCN,100,N,N,N^FD>;123456789012^FS\n"
		     "^FO500,300^BQN,2,4^FDMA,https://example.com/o/42^FS\n"
		     "^FO500,600^BXN,4,200^FDZK/2026/0042^FS\n"
		     "^XZ\n");
	CHECK_INT(len, strlen(s ? s : ""));
	free(s);
	zpl_release(&z);
}

/* Order data must never turn into ZPL commands. */
static void test_injection(void)
{
	struct zpl z;

	zpl_init(&z, 0);
	CHECK_OK(zpl_begin(&z, 800, 800));
	CHECK_OK(zpl_text(&z, 0, 0, 20, 20, 0, ZPL_LEFT, "a^XZ~JR_b"));
	CHECK_OK(zpl_text(&z, 0, 30, 20, 20, 0, ZPL_LEFT, "tab\there\r\nend"));
	CHECK_OK(zpl_text(&z, 0, 60, 20, 20, 0, ZPL_LEFT, "bad\xc3(utf"));
	CHECK_OK(zpl_code128(&z, 0, 100, 2, 50, false, "A>B"));
	CHECK_OK(zpl_end(&z));
	CHECK(strstr(z.out.data, "^FH_^FDa_5EXZ_7EJR_5Fb^FS") != NULL);
	CHECK(strstr(z.out.data, "^FDtab here  end^FS") != NULL);
	CHECK(strstr(z.out.data, "^FDbad?(utf^FS") != NULL);
	CHECK(strstr(z.out.data, "^FDA><B^FS") != NULL);
	/* only the builder's own ^XZ ends the label */
	CHECK(strstr(z.out.data, "^XZ") == z.out.data + z.out.len - 4);
	zpl_release(&z);
}

static void test_off_label_refused(void)
{
	struct zpl z;

	zpl_init(&z, 0);
	CHECK_OK(zpl_begin(&z, 400, 300));
	/* a box reaching one dot past the right edge */
	CHECK_INT(zpl_box(&z, 10, 10, 391, 20, 2), -PL_EINVAL);
	/* sticky: a good call after the failure still fails, finish reports it */
	CHECK_INT(zpl_box(&z, 10, 10, 20, 20, 2), -PL_EINVAL);
	CHECK_INT(zpl_finish(&z), -PL_EINVAL);
	CHECK(zpl_detach(&z, NULL) == NULL);
	zpl_reset(&z);

	CHECK_OK(zpl_begin(&z, 400, 300));
	/* text too wide for its box, and text running past the edge */
	CHECK_INT(zpl_text(&z, 0, 0, 30, 30, 100, ZPL_LEFT, "far too long for a box"), -PL_EINVAL);
	zpl_reset(&z);
	CHECK_OK(zpl_begin(&z, 400, 300));
	CHECK_INT(zpl_text(&z, 300, 0, 30, 30, 0, ZPL_LEFT, "MMMMMM"), -PL_EINVAL);
	zpl_reset(&z);
	/* a barcode whose bars would cross the edge */
	CHECK_OK(zpl_begin(&z, 400, 300));
	CHECK_INT(zpl_code128(&z, 10, 10, 3, 50, true, "ABCDEFGHIJ"), -PL_EINVAL);
	zpl_reset(&z);
	/* below the bottom: QR with its 10-dot offset */
	CHECK_OK(zpl_begin(&z, 400, 300));
	CHECK_INT(zpl_qr(&z, 0, 300 - 21 * 5, 5, 'M', "HELLO"), -PL_EINVAL);
	zpl_reset(&z);
	CHECK_OK(zpl_begin(&z, 400, 300));
	CHECK_OK(zpl_qr(&z, 0, 300 - 21 * 5 - 10, 5, 'M', "HELLO"));
	/* non-ASCII data cannot be a Code 128 */
	CHECK_INT(zpl_code128(&z, 0, 0, 2, 50, false, "Łódź"), -PL_EINVAL);
	zpl_reset(&z);
	/* elements outside ^XA..^XZ */
	CHECK_INT(zpl_box(&z, 0, 0, 10, 10, 1), -PL_ESTATE);
	zpl_release(&z);
}

static void test_sizes(void)
{
	CHECK_INT(zpl_code128_width("12345678", 2), 123 * 2 - 44 * 2); /* subset C: 4 symbols */
	CHECK_INT(zpl_code128_width("1234567", 2), (11 * 7 + 35) * 2); /* odd: subset B */
	CHECK_INT(zpl_code128_width("ZK/2026/0042", 3), (11 * 12 + 35) * 3);
	CHECK_INT(zpl_code128_width("", 2), -PL_EINVAL);
	CHECK_INT(zpl_code128_width("a\tb", 2), -PL_EINVAL);
	CHECK_INT(zpl_qr_size(5, 'M', 5), 21 * 5 + 10);
	CHECK_INT(zpl_qr_size(14, 'M', 1), 21 + 10);
	CHECK_INT(zpl_qr_size(15, 'M', 1), 25 + 10);
	CHECK_INT(zpl_qr_size(213, 'M', 2), 57 * 2 + 10);
	CHECK_INT(zpl_qr_size(214, 'M', 2), -PL_ETOOBIG);
	CHECK_INT(zpl_qr_size(10, 'X', 2), -PL_EINVAL);
	CHECK_INT(zpl_datamatrix_size("ZK/2026/0042", 5), 70); /* 8 codewords: 14x14 */
	CHECK_INT(zpl_datamatrix_size("ABC", 2), 20);
	CHECK_INT(zpl_datamatrix_size("ABCD", 2), 24);
	CHECK_INT(zpl_datamatrix_size("", 2), -PL_EINVAL);
}

static void test_fit(void)
{
	char out[128];
	int w = 40, box;

	/* classes: 'i' narrow 33, 'a' normal 61, 'W' wide 84; +10 % */
	CHECK_INT(zpl_text_width("iii", 100), 109); /* 99 * 1.1 = 108.9 -> 109 */
	CHECK_INT(zpl_text_width("aaa", 100), 202);
	CHECK_INT(zpl_text_width("WWW", 100), 278);
	CHECK_INT(zpl_text_width("żółw", 100), 263); /* 61 + 61 + 33 (ł) + 84 */
	CHECK_INT(zpl_text_width("ł", 100), 37);

	box = zpl_text_width("Kowalski", w);
	CHECK_INT(zpl_fit_text("Kowalski", w, box, out, sizeof(out)), 0);
	CHECK_STR(out, "Kowalski");
	CHECK_INT(zpl_fit_text("Kowalski Jan Maria", w, box, out, sizeof(out)), 1);
	CHECK(zpl_text_width(out, w) <= box);
	CHECK(strncmp(out, "Kowal", 5) == 0);
	CHECK(strcmp(out + strlen(out) - 3, "...") == 0);
	/* never cuts inside a code point; drops the trailing space */
	CHECK_INT(zpl_fit_text("ul. Żółkiewskiego 12/34", w, zpl_text_width("ul. Żó...", w), out,
			       sizeof(out)),
		  1);
	CHECK_STR(out, "ul. Żó...");
	CHECK_INT(zpl_fit_text("ab cdefgh", w, zpl_text_width("ab c..", w), out, sizeof(out)), 1);
	CHECK_STR(out, "ab...");
	/* not even the ellipsis fits */
	CHECK_INT(zpl_fit_text("abcdef", w, 10, out, sizeof(out)), -PL_EINVAL);
	CHECK_INT(zpl_fit_text("abcdef", w, 1000, out, 3), -PL_ETOOBIG);
	/* every prefix length: the result always fits */
	for (box = 60; box < 900; box += 7) {
		int rc = zpl_fit_text("Wąchock, ul. Długa 5 m. 7 — WWW @ 100%", w, box, out,
				      sizeof(out));
		CHECK(rc == 1 && zpl_text_width(out, w) <= box);
	}
}

int main(void)
{
	test_units();
	test_label_bytes();
	test_injection();
	test_off_label_refused();
	test_sizes();
	test_fit();
	return check_done("test_zpl");
}
