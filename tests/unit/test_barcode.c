/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/test_barcode.c - scan classification (core/barcode.h). */
#include "core/barcode.h"

#include "check.h"

static const struct barcode_cfg cfg = {.order_prefix = "ZK/", .order_pattern = "#[0-9]*"};

static enum barcode_type cls(const char *s, struct barcode *b)
{
	return barcode_classify(&cfg, s, strlen(s), b);
}

static void test_check_digits(void)
{
	struct barcode b;

	CHECK(barcode_check_digit_ok("5907511000015", 13));
	CHECK(!barcode_check_digit_ok("5907511000016", 13));
	CHECK(barcode_check_digit_ok("96385074", 8));      /* EAN-8 */
	CHECK(barcode_check_digit_ok("036000291452", 12)); /* UPC-A */
	CHECK_INT(cls("5907511000015", &b), BC_PRODUCT);
	CHECK_STR(b.gtin, "05907511000015");
	CHECK_INT(cls("96385074", &b), BC_PRODUCT);
	CHECK_STR(b.gtin, "00000096385074");
	CHECK_INT(cls("036000291452\r\n", &b), BC_PRODUCT);
	CHECK_STR(b.gtin, "00036000291452");
	CHECK_INT(cls("05907511000015", &b), BC_PRODUCT);
	/* a wrong check digit is no product and says why */
	CHECK_INT(cls("5907511000016", &b), BC_INVALID);
	CHECK(strstr(b.why, "check digit") != NULL);
	CHECK_INT(cls("96385075", &b), BC_INVALID);
	CHECK_INT(cls("036000291453", &b), BC_INVALID);
	/* other digit counts are text (a SKU) */
	CHECK_INT(cls("12345", &b), BC_TEXT);
}

static void test_gs1(void)
{
	struct barcode b;
	char s[128];

	/* GS1-128 with ]C1, FNC1 as GS after the variable batch */
	snprintf(s, sizeof(s),
		 "]C10105907511000015"
		 "10LOT42\x1d"
		 "17261231"
		 "21SN1");
	CHECK_INT(cls(s, &b), BC_PRODUCT);
	CHECK_INT(b.sym, BSYM_GS1_128);
	CHECK_STR(b.gtin, "05907511000015");
	CHECK_STR(b.batch, "LOT42");
	CHECK_STR(b.expiry, "261231");
	CHECK_STR(b.serial, "SN1");
	/* GS1 DataMatrix ]d2, a leading FNC1 */
	snprintf(s, sizeof(s),
		 "]d2\x1d"
		 "0105907511000015"
		 "21ABC\x1d"
		 "10X");
	CHECK_INT(cls(s, &b), BC_PRODUCT);
	CHECK_INT(b.sym, BSYM_GS1_DM);
	CHECK_STR(b.serial, "ABC");
	CHECK_STR(b.batch, "X");
	/* no symbology id, starts with GS */
	CHECK_INT(cls("\x1d"
		      "0105907511000015",
		      &b),
		  BC_PRODUCT);
	/* bracketed human-readable form */
	CHECK_INT(cls("(01)05907511000015(17)270100(10)A-1", &b), BC_PRODUCT);
	CHECK_INT(b.sym, BSYM_HRI);
	CHECK_STR(b.expiry, "270100"); /* day 00 = end of month */
	CHECK_STR(b.batch, "A-1");
	/* refusals */
	CHECK_INT(cls("]C10105907511000016", &b), BC_INVALID); /* check digit */
	CHECK_INT(cls("]C1010590751100001", &b), BC_INVALID);  /* short */
	CHECK_INT(cls("]C10105907511000015"
		      "17261331",
		      &b),
		  BC_INVALID); /* month 13 */
	CHECK(strstr(b.why, "(17)") != NULL);
	CHECK_INT(cls("]C199X0105907511000015", &b), BC_INVALID); /* unknown AI */
	CHECK(strstr(b.why, "unknown application identifier") != NULL);
	CHECK_INT(cls("]C110LOT", &b), BC_INVALID); /* no GTIN */
	CHECK_INT(cls("]C10105907511000015"
		      "10ABCDEFGHIJKLMNOPQRSTU",
		      &b),
		  BC_INVALID); /* 21 > 20 */
	CHECK_INT(cls("]C10105907511000015"
		      "0105907511000015",
		      &b),
		  BC_INVALID); /* twice */
	CHECK_INT(cls("]d2", &b), BC_INVALID);
	CHECK_INT(cls("(01)05907511000015(10)", &b), BC_INVALID);
}

static void test_orders_commands(void)
{
	struct barcode b;
	struct barcode_cfg strip = {.order_prefix = "*O*", .strip_prefix = true};

	CHECK_INT(cls("ZK/2026/10043", &b), BC_ORDER);
	CHECK_STR(b.order, "ZK/2026/10043");
	CHECK_INT(barcode_classify(&strip, "*O*ZK/1", 7, &b), BC_ORDER);
	CHECK_STR(b.order, "ZK/1");
	CHECK_INT(cls("#1001", &b), BC_ORDER);
	CHECK_STR(b.order, "#1001");
	CHECK_INT(cls("PL:HOLD", &b), BC_COMMAND);
	CHECK_INT(b.cmd, BCMD_HOLD);
	CHECK_INT(cls("PL:CANCEL", &b), BC_COMMAND);
	CHECK_INT(b.cmd, BCMD_CANCEL);
	CHECK_INT(cls("PL:REPRINT", &b), BC_COMMAND);
	CHECK_INT(cls("PL:NEXT", &b), BC_COMMAND);
	CHECK_INT(cls("PL:MISSING", &b), BC_COMMAND);
	CHECK_INT(cls("PL:SUBST", &b), BC_COMMAND);
	CHECK_INT(cls("PL:QTY:12", &b), BC_COMMAND);
	CHECK_INT(b.cmd, BCMD_QTY);
	CHECK_INT(b.qty, 12);
	CHECK_INT(cls("PL:QTY:0", &b), BC_INVALID);
	CHECK_INT(cls("PL:QTY:12345", &b), BC_INVALID);
	CHECK_INT(cls("PL:NOPE", &b), BC_INVALID);
	CHECK_INT(cls("KUB-350", &b), BC_TEXT);
	CHECK_STR(b.text, "KUB-350");
	CHECK_INT(cls("", &b), BC_INVALID);
	CHECK_INT(cls("\r\n", &b), BC_INVALID);
	CHECK_INT(cls("a\tb", &b), BC_INVALID);
	CHECK_INT(barcode_classify(&cfg, "a\0b", 3, &b), BC_INVALID);
	{
		char big[300];
		memset(big, 'A', sizeof(big));
		CHECK_INT(barcode_classify(&cfg, big, sizeof(big), &b), BC_INVALID);
	}
	/* UTF-8 text is text */
	CHECK_INT(cls("Żubr", &b), BC_TEXT);
}

int main(void)
{
	test_check_digits();
	test_gs1();
	test_orders_commands();
	return check_done("test_barcode");
}
