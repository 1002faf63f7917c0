/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/test_fiscal_dev.c - the fiscal-device interface with POSNET as its implementation.
 *
 * Everything goes through fiscal_dev.h only, on a `sim:` target opened from a
 * configuration-style string (so the sim: scheme registration is covered
 * too): status, counters, a receipt, a refused unprintable receipt (nothing
 * sent), a goods return, the last document, cancel, the daily report.
 */
#include "fiscal/fiscal_dev.h"
#include "fiscal/fiscal_posnet.h"
#include "base/err.h"
#include "base/log.h"
#include "core/money.h"
#include "tests/unit/check.h"

#include <stdio.h>
#include <string.h>

static struct fiscal_line line(const char *name, int64_t price, int64_t qty)
{
	struct fiscal_line l = {.name = name, .vat = VAT_23, .price = price, .qty = qty};

	l.value = money_line_gross(price, qty);
	return l;
}

static void test_posnet_behind_the_interface(void)
{
	struct fiscal_dev *d = NULL;
	struct posnet_cfg cfg;
	struct fiscal_status st;
	struct fiscal_counters c0, c1;
	struct fiscal_line lines[3];
	struct fiscal_receipt r = {0};
	enum fiscal_stage stage = FISCAL_STAGE_DONE;
	long long doc = -2;
	int64_t amount = 0;

	posnet_cfg_init(&cfg);
	snprintf(cfg.target, sizeof(cfg.target), "sim:");
	CHECK_OK(fiscal_posnet_open(&d, &cfg));
	if (!d)
		return;
	CHECK_STR(d->ops->name, "posnet");
	CHECK(fiscal_posnet_dev(d) != NULL);
	CHECK_OK(fiscal_dev_status(d, &st));
	CHECK(st.ready);
	CHECK(!st.document_open);
	CHECK_STR(st.serial, "ZBF 2101002392");
	CHECK_OK(fiscal_dev_counters(d, &c0));

	lines[0] = line("Kawa", 1000, 1000);
	lines[1] = line("Łyżka", 250, 2000);
	lines[2] = line("Kubek \xF0\x9F\x98\x80", 1500, 1000);
	r.lines = lines;
	r.nlines = 3;
	r.payment_type = "card";
	r.total = 3000;
	r.order_number = "ZK/2026/1";
	/* an unprintable line: refused whole, nothing sent */
	{
		uint64_t frames = posnet_dev_xport(fiscal_posnet_dev(d))->stats.frames_sent;
		CHECK_INT(fiscal_dev_print_receipt(d, &r, &stage), -PL_EINVAL);
		CHECK_INT(stage, FISCAL_STAGE_NOTHING);
		CHECK_STR(fiscal_dev_last_message(d),
			  "line 3 'Kubek \xF0\x9F\x98\x80': U+1F600 cannot be printed in CP1250");
		CHECK_INT(posnet_dev_xport(fiscal_posnet_dev(d))->stats.frames_sent, frames);
	}
	lines[2] = line("Kubek", 1500, 1000);
	CHECK_OK(fiscal_dev_print_receipt(d, &r, &stage));
	CHECK_INT(stage, FISCAL_STAGE_DONE);
	CHECK_OK(fiscal_dev_counters(d, &c1));
	CHECK_INT(c1.receipts, c0.receipts + 1);
	CHECK_INT(c1.last_receipt, c0.last_receipt + 1);
	CHECK_OK(fiscal_dev_last_document(d, &doc));
	CHECK_INT(doc, c1.last_document);
	CHECK(doc > 0);
	/* a mapping failure of the neutral model has its own message */
	r.payment_type = "barter";
	CHECK_INT(fiscal_dev_print_receipt(d, &r, &stage), -PL_EINVAL);
	CHECK_STR(fiscal_dev_last_message(d), "unknown payment type");
	/* goods return of two lines: one cash-out of their sum, not a receipt */
	CHECK_OK(fiscal_dev_goods_return(d, lines, 2, &amount));
	CHECK_INT(amount, 1500);
	CHECK_OK(fiscal_dev_counters(d, &c0));
	CHECK_INT(c0.receipts, c1.receipts);
	/* cancel with nothing open is success */
	CHECK_OK(fiscal_dev_cancel(d));
	CHECK_OK(fiscal_dev_daily_report(d, NULL));
	CHECK_OK(fiscal_dev_counters(d, &c1));
	CHECK_INT(c1.daily_reports, c0.daily_reports + 1);
	fiscal_dev_close(d);
	fiscal_dev_close(NULL);
}

int main(void)
{
	pl_log_set_level(PL_LOG_ERROR);
	test_posnet_behind_the_interface();
	return check_done("test_fiscal_dev");
}
