/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/test_rules.c - folding, the rule expression language, rule sets.
 *
 * The product examples are decided twice: with orders built here field by
 * field, and with the example order files (examples/orders/NN-*.json) read by the
 * real JSON reader, against both the built-in rule set and
 * examples/packline.ini.
 */
#include "core/expr.h"
#include "core/fold.h"
#include "core/order_json.h"
#include "core/rules.h"

#include "base/err.h"
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers --------------------------------------------------------------- */

static void set(char *dst, size_t size, const char *v)
{
	snprintf(dst, size, "%s", v);
}
#define SET(field, v) set((field), sizeof(field), (v))

static void mk_order(struct order *o, const char *status, const char *nip, const char *notes,
		     const char *ptype, const char *pstatus)
{
	order_init(o);
	SET(o->number, "ZK/2026/0042");
	SET(o->status, status);
	SET(o->buyer.nip, nip);
	SET(o->buyer.name, "Jan Kowalski");
	SET(o->notes, notes);
	SET(o->payment.type, ptype);
	SET(o->payment.status, pstatus);
	SET(o->currency, "PLN");
	SET(o->source, "shop");
	o->total = 45999;
}

/* Compile `text` (must succeed) and evaluate it against o. */
static int eval_on(const char *text, const struct order *o)
{
	struct expr *e = NULL;
	struct expr_error err;
	int rc = expr_compile(text, &e, &err);
	bool r;

	if (rc) {
		fprintf(stderr, "unexpected compile error in '%s': %d:%d: %s\n", text, err.line,
			err.col, err.msg);
		CHECK_OK(rc);
		return -1;
	}
	r = expr_eval(e, o);
	expr_free(e);
	return r ? 1 : 0;
}

/* Compile must fail with rc at line:col and a message containing want. */
static void expect_compile_error(const char *text, int rc_want, int line, int col, const char *want)
{
	struct expr *e = (struct expr *)1;
	struct expr_error err;
	int rc = expr_compile(text, &e, &err);

	CHECK_INT(rc, rc_want);
	CHECK(e == NULL);
	if (rc == 0) {
		expr_free(e);
		return;
	}
	if (line)
		CHECK_INT(err.line, line);
	if (col)
		CHECK_INT(err.col, col);
	if (!strstr(err.msg, want))
		fprintf(stderr, "'%s': message '%s' lacks '%s'\n", text, err.msg, want);
	CHECK(strstr(err.msg, want) != NULL);
}

/* ---- fold ------------------------------------------------------------------ */

static void test_fold(void)
{
	char out[128];
	const char *pl = "ĄĆĘŁŃÓŚŹŻ ąćęłńóśźż";
	const char *cz = "Čeština ŘÍZEK šůžě ý Ďábel Ťuk Ňadra";
	const char *de = "Größe STRASSE Straße ÄÖÜ";
	const char *hu = "Őrség Űr";
	const char *lt = "Ąžuolas Įėjimas Ūkis Ųosis";

	CHECK_INT(fold_text(pl, strlen(pl), out, FOLD_BASE), 19);
	CHECK_STR(out, "acelnoszz acelnoszz");
	fold_text(pl, strlen(pl), out, FOLD_CASE);
	CHECK_STR(out, "ąćęłńóśźż ąćęłńóśźż");
	fold_text(cz, strlen(cz), out, FOLD_BASE);
	CHECK_STR(out, "cestina rizek suze y dabel tuk nadra");
	fold_text(de, strlen(de), out, FOLD_BASE);
	CHECK_STR(out, "grosse strasse strasse aou");
	fold_text(hu, strlen(hu), out, FOLD_BASE);
	CHECK_STR(out, "orseg ur");
	fold_text(lt, strlen(lt), out, FOLD_BASE);
	CHECK_STR(out, "azuolas iejimas ukis uosis");
	/* capital sharp s (3 bytes) -> ss */
	fold_text("\xE1\xBA\x9E", 3, out, FOLD_BASE);
	CHECK_STR(out, "ss");
	/* folding never lengthens: every byte of the table fits its source */
	for (unsigned cp = 0xC0; cp < 0x180; cp++) {
		char in[3] = {(char)(0xC0 | (cp >> 6)), (char)(0x80 | (cp & 0x3F)), 0};
		CHECK(fold_text(in, 2, out, FOLD_BASE) <= 2);
		CHECK(fold_text(in, 2, out, FOLD_CASE) <= 2);
	}

	CHECK(fold_equal("Accepted", "accepted", FOLD_CASE));
	CHECK(fold_equal("ŁÓDŹ", "łódź", FOLD_CASE));
	CHECK(!fold_equal("łódź", "lodz", FOLD_CASE));
	CHECK(fold_equal("łódź", "LODZ", FOLD_BASE));
	CHECK(!fold_equal("abc", "abcd", FOLD_CASE));
	CHECK(fold_equal("", "", FOLD_CASE));

	CHECK(fold_contains("Proszę o FAKTURĘ VAT", "faktur", FOLD_BASE));
	CHECK(fold_contains("fakturka", "FAKTUR", FOLD_BASE));
	CHECK(fold_contains("abc", "", FOLD_BASE));
	CHECK(!fold_contains("", "a", FOLD_BASE));
	CHECK(!fold_contains("fak", "faktur", FOLD_BASE));
	CHECK(fold_contains("aaab", "aab", FOLD_BASE)); /* restart after a partial match */
	/* a match may start inside a folded character: ß -> "ss" */
	CHECK(fold_contains("Straße", "sse", FOLD_BASE));

	CHECK(fold_contains_word("Towar wydać na WZ, faktura", "wz", FOLD_BASE));
	CHECK(fold_contains_word("WZ", "wz", FOLD_BASE));
	CHECK(fold_contains_word("(wz)", "WZ", FOLD_BASE));
	CHECK(!fold_contains_word("Proszę wziąć pod uwagę", "wz", FOLD_BASE));
	CHECK(!fold_contains_word("wzór", "wz", FOLD_BASE));
	CHECK(!fold_contains_word("AWZ", "wz", FOLD_BASE));
	CHECK(fold_contains_word("AWZ WZ", "wz", FOLD_BASE)); /* a later whole word */
	CHECK(fold_contains_word("x", "", FOLD_BASE));

	/* malformed UTF-8: bytes pass through, nothing crashes */
	{
		const char bad[] = "a\xC3\xC3\xFF\x80z\xE2\x82";
		size_t n = fold_text(bad, sizeof(bad) - 1, out, FOLD_BASE);
		CHECK_INT(n, sizeof(bad) - 1);
		CHECK(memcmp(out, "a\xC3\xC3\xFF\x80z\xE2\x82", n) == 0);
		CHECK(fold_contains(bad, "z", FOLD_BASE));
		CHECK(fold_equal(bad, "A\xC3\xC3\xFF\x80Z\xE2\x82", FOLD_CASE));
		/* a sequence cut by len */
		CHECK_INT(fold_text("\xC5\x81", 1, out, FOLD_BASE), 1);
		CHECK_INT((unsigned char)out[0], 0xC5);
	}
}

/* ---- expressions ----------------------------------------------------------- */

static void test_expr_basics(void)
{
	struct order o;

	mk_order(&o, "Accepted", "5260250995", "Proszę o FAKTURĘ VAT", "transfer", "unpaid");
	SET(o.tags[0], "VIP");
	SET(o.tags[1], "b2b");
	o.ntags = 2;

	/* == and != ignore case (shops send "Accepted" and "accepted") */
	CHECK_INT(eval_on("status == \"accepted\"", &o), 1);
	CHECK_INT(eval_on("status == \"ACCEPTED\"", &o), 1);
	CHECK_INT(eval_on("status != \"accepted\"", &o), 0);
	/* but keep diacritics: ==/!= is not ~ */
	SET(o.delivery.address.city, "Łódź");
	CHECK_INT(eval_on("delivery.city == \"ŁÓDŹ\"", &o), 1);
	CHECK_INT(eval_on("delivery.city == \"Lodz\"", &o), 0);
	CHECK_INT(eval_on("delivery.city ~ \"lodz\"", &o), 1);
	/* contains ignores case and diacritics */
	CHECK_INT(eval_on("notes ~ \"faktur\"", &o), 1);
	CHECK_INT(eval_on("notes ~ \"fakture\"", &o), 1);
	CHECK_INT(eval_on("notes ~ \"PROSZE\"", &o), 1);
	CHECK_INT(eval_on("notes !~ \"paragon\"", &o), 1);
	CHECK_INT(eval_on("notes !~ \"vat\"", &o), 0);
	/* literals and escapes */
	SET(o.notes, "say \"hi\" \\ bye");
	CHECK_INT(eval_on("notes ~ \"\\\"hi\\\" \\\\\"", &o), 1);
	CHECK_INT(eval_on("true", &o), 1);
	CHECK_INT(eval_on("false", &o), 0);
	CHECK_INT(eval_on("TRUE AND NOT FALSE", &o), 1);
	/* in / not in */
	CHECK_INT(eval_on("status in (\"new\", \"accepted\")", &o), 1);
	CHECK_INT(eval_on("status in (\"new\")", &o), 0);
	CHECK_INT(eval_on("status not in (\"new\", \"cancelled\")", &o), 1);
	CHECK_INT(eval_on("status not in (\"ACCEPTED\")", &o), 0);
	CHECK_INT(eval_on("total in (459.99, 10)", &o), 1);
	/* empty() treats white space as empty */
	CHECK_INT(eval_on("empty(buyer.company)", &o), 1);
	SET(o.buyer.company, "   ");
	CHECK_INT(eval_on("empty(buyer.company)", &o), 1);
	CHECK_INT(eval_on("not empty(buyer.nip)", &o), 1);
	CHECK_INT(eval_on("buyer.is_company", &o), 1);
	/* lists: any tag */
	CHECK_INT(eval_on("tags == \"vip\"", &o), 1);
	CHECK_INT(eval_on("tags == \"gold\"", &o), 0);
	CHECK_INT(eval_on("tags != \"vip\"", &o), 0); /* no tag is vip: false */
	CHECK_INT(eval_on("tags != \"gold\"", &o), 1);
	CHECK_INT(eval_on("tags ~ \"B2\"", &o), 1);
	CHECK_INT(eval_on("tags !~ \"b2\"", &o), 0);
	CHECK_INT(eval_on("tags in (\"gold\", \"B2B\")", &o), 1);
	CHECK_INT(eval_on("empty(tags)", &o), 0);
	CHECK_INT(eval_on("word(tags, \"vip\")", &o), 1);
	o.ntags = 0;
	CHECK_INT(eval_on("empty(tags)", &o), 1);
	CHECK_INT(eval_on("tags == \"vip\"", &o), 0);
	CHECK_INT(eval_on("tags != \"vip\"", &o), 1);
	/* word() */
	SET(o.notes, "Towar wydać na WZ, faktura zbiorcza");
	CHECK_INT(eval_on("word(notes, \"wz\")", &o), 1);
	SET(o.notes, "Proszę wziąć pod uwagę wzór");
	CHECK_INT(eval_on("word(notes, \"wz\")", &o), 0);
	CHECK_INT(eval_on("notes ~ \"wz\"", &o), 1); /* why the defaults use word() */
	order_release(&o);
}

static void test_expr_money(void)
{
	struct order o;
	struct order_line l;

	mk_order(&o, "paid", "", "", "card", "paid");
	o.total = 45000; /* 450.00 PLN */
	o.payment.paid = 44999;
	CHECK_INT(eval_on("total >= 450.00", &o), 1);
	CHECK_INT(eval_on("total >= 450", &o), 1);
	CHECK_INT(eval_on("total >= 450.0", &o), 1);
	CHECK_INT(eval_on("total > 450", &o), 0);
	CHECK_INT(eval_on("total >= 450.01", &o), 0);
	CHECK_INT(eval_on("total == 450", &o), 1);
	CHECK_INT(eval_on("total != 450.00", &o), 0);
	CHECK_INT(eval_on("total < 450.01", &o), 1);
	CHECK_INT(eval_on("total <= 449.99", &o), 0);
	CHECK_INT(eval_on("payment.paid < total", &o), 1); /* field with field */
	CHECK_INT(eval_on("payment.paid >= total", &o), 0);
	CHECK_INT(eval_on("total > -1", &o), 1);
	o.total = -150; /* a refund: -1.50 */
	CHECK_INT(eval_on("total == -1.50", &o), 1);
	CHECK_INT(eval_on("total < 0", &o), 1);
	/* the biggest money: no overflow in the comparison */
	o.total = INT64_MAX;
	CHECK_INT(eval_on("total > 92233720368547758", &o), 1);
	CHECK_INT(eval_on("total > 99999999999999999", &o), 0);
	CHECK_INT(eval_on("total > 9999999999999999.99", &o), 1);

	/* counts and quantities */
	memset(&l, 0, sizeof(l));
	SET(l.sku, "MUG-1");
	SET(l.ean, "5901234123457");
	l.qty = 1500; /* 1.5 */
	l.unit_price = 1000;
	CHECK_OK(order_add_line(&o, &l));
	SET(l.sku, "GIFT-CARD");
	l.qty = 2000;
	CHECK_OK(order_add_line(&o, &l));
	CHECK_INT(eval_on("lines.count == 2", &o), 1);
	CHECK_INT(eval_on("lines.count > 2", &o), 0);
	CHECK_INT(eval_on("lines.qty == 3.5", &o), 1);
	CHECK_INT(eval_on("lines.qty > 3.499", &o), 1);
	CHECK_INT(eval_on("lines.sku == \"gift-card\"", &o), 1);
	CHECK_INT(eval_on("lines.ean == \"5901234123457\"", &o), 1);
	order_release(&o);
}

static void test_expr_precedence(void)
{
	struct order o;

	mk_order(&o, "a", "", "", "card", "paid");
	/* and binds tighter than or: a or (x and false) */
	CHECK_INT(eval_on("status == \"a\" or status == \"x\" and false", &o), 1);
	CHECK_INT(eval_on("(status == \"a\" or status == \"x\") and false", &o), 0);
	/* not binds tighter than and: (not a) and false */
	CHECK_INT(eval_on("not status == \"a\" and false", &o), 0);
	CHECK_INT(eval_on("not (status == \"a\" and false)", &o), 1);
	/* not binds tighter than or: (not x) or false */
	CHECK_INT(eval_on("not status == \"x\" or false", &o), 1);
	CHECK_INT(eval_on("not not true", &o), 1);
	CHECK_INT(eval_on("false or false or false or true", &o), 1);
	CHECK_INT(eval_on("true and true and true and false", &o), 0);
	/* keywords in any case, white space and new lines anywhere */
	CHECK_INT(eval_on("\n  status == \"A\"\n\tAND\n  NOT false  ", &o), 1);
	order_release(&o);
}

static void test_expr_errors(void)
{
	char big[EXPR_MAX_LEN + 2];
	char deep[4 * EXPR_MAX_DEPTH + 64];
	size_t n = 0;

	/* the example of the brief: the column of the missing ')' */
	expect_compile_error("(status == \"a\" or", -PL_EINVAL, 1, 18, "expected a value");
	expect_compile_error("(status == \"new\" true", -PL_EINVAL, 1, 18,
			     "expected ')' to close the '(' at column 1, found 'true'");
	expect_compile_error("status in (\"a\", \"b\"", -PL_EINVAL, 1, 20,
			     "expected ',' or ')' to close the '(' at column 11");
	expect_compile_error("empty(buyer.nip", -PL_EINVAL, 1, 16, "expected ')'");
	expect_compile_error("status == \"a\")", -PL_EINVAL, 1, 14, "')' without a matching '('");
	expect_compile_error("", -PL_EINVAL, 1, 1, "empty expression");
	expect_compile_error("   ", -PL_EINVAL, 1, 1, "empty expression");
	expect_compile_error("status = \"a\"", -PL_EINVAL, 1, 8, "write '=='");
	expect_compile_error("status == \"a\" && true", -PL_EINVAL, 1, 15, "write 'and'");
	expect_compile_error("status == \"a\" || true", -PL_EINVAL, 1, 15, "write 'or'");
	expect_compile_error("!true", -PL_EINVAL, 1, 1, "write 'not'");
	expect_compile_error("status <> \"a\"", -PL_EINVAL, 1, 8, "write '!='");
	expect_compile_error("status == 'a'", -PL_EINVAL, 1, 11, "double quotes");
	expect_compile_error("status == \"abc", -PL_EINVAL, 1, 11, "not closed");
	expect_compile_error("notes ~ \"a\\nb\"", -PL_EINVAL, 1, 11, "unknown escape");
	expect_compile_error("status == \"a\" and", -PL_EINVAL, 1, 18,
			     "found the end of the expression");
	expect_compile_error("status \"a\"", -PL_EINVAL, 1, 8, "expected an operator");
	expect_compile_error("status == \"a\" status", -PL_EINVAL, 1, 15,
			     "expected 'and', 'or' or the end");
	expect_compile_error("total > 450,00", -PL_EINVAL, 1, 12, "decimals are written with '.'");
	expect_compile_error("total > 450.", -PL_EINVAL, 1, 9, "bad number");
	expect_compile_error("total > 12abc", -PL_EINVAL, 1, 9, "bad number '12abc'");
	expect_compile_error("total > 1234567890123456789", -PL_EINVAL, 1, 9, "too long");
	/* unknown fields, with a hint */
	expect_compile_error("buyer.vat == \"1\"", -PL_EINVAL, 1, 1,
			     "unknown field 'buyer.vat' (did you mean buyer.nip?)");
	expect_compile_error("nip == \"1\"", -PL_EINVAL, 1, 1, "did you mean buyer.nip?");
	expect_compile_error("status == accepted", -PL_EINVAL, 1, 11, "unknown field 'accepted'");
	/* type errors are compile-time errors */
	expect_compile_error("status < 3", -PL_EINVAL, 1, 10, "status is text and 3 is a number");
	expect_compile_error("status < \"b\"", -PL_EINVAL, 1, 8, "'<' compares numbers");
	expect_compile_error("buyer.nip == 5260250995", -PL_EINVAL, 1, 14,
			     "write \"5260250995\" in double quotes");
	expect_compile_error("total > \"450\"", -PL_EINVAL, 1, 9, "total is a number");
	expect_compile_error("total ~ 4", -PL_EINVAL, 1, 7, "looks for text");
	expect_compile_error("total ~ \"4\"", -PL_EINVAL, 1, 9, "total is a number");
	expect_compile_error("total >= 450.001", -PL_EINVAL, 1, 10, "at most 2 decimals");
	expect_compile_error("lines.count > 1.5", -PL_EINVAL, 1, 15, "whole number");
	expect_compile_error("tags < \"a\"", -PL_EINVAL, 1, 6, "list of text");
	expect_compile_error("tags == 1", -PL_EINVAL, 1, 9, "list of text");
	expect_compile_error("\"vip\" == tags", -PL_EINVAL, 1, 10, "put the list tags on the left");
	expect_compile_error("buyer.nip", -PL_EINVAL, 1, 1, "is text, not a condition");
	expect_compile_error("total", -PL_EINVAL, 1, 1, "not a condition");
	expect_compile_error("buyer.is_company > true", -PL_EINVAL, 1, 18,
			     "does not apply to true/false");
	expect_compile_error("status in (\"a\", 1)", -PL_EINVAL, 1, 17, "this value is a number");
	expect_compile_error("total in (1.001)", -PL_EINVAL, 1, 11, "at most 2 decimals");
	expect_compile_error("status in (notes)", -PL_EINVAL, 1, 12, "values, not fields");
	expect_compile_error("empty(total)", -PL_EINVAL, 1, 7, "empty() takes a text or list");
	expect_compile_error("empty(\"x\")", -PL_EINVAL, 1, 7, "empty() takes a text or list");
	expect_compile_error("word(notes)", -PL_EINVAL, 1, 11, "expected ','");
	expect_compile_error("not", -PL_EINVAL, 1, 4, "expected a value");
	expect_compile_error("status == and", -PL_EINVAL, 1, 11, "found 'and'");
	expect_compile_error("status == \"a\" \x01", -PL_EINVAL, 1, 15, "byte 0x01");
	/* columns count characters, and lines restart them */
	expect_compile_error("notes ~ \"żółć\" and bad", -PL_EINVAL, 1, 20, "unknown field 'bad'");
	expect_compile_error("status == \"a\"\n  and bad == \"b\"", -PL_EINVAL, 2, 7,
			     "unknown field 'bad'");

	/* caps: length and nesting */
	memset(big, ' ', sizeof(big) - 1);
	memcpy(big, "true", 4);
	big[EXPR_MAX_LEN + 1] = '\0'; /* EXPR_MAX_LEN + 1 bytes */
	expect_compile_error(big, -PL_ETOOBIG, 0, 0, "too long");
	big[EXPR_MAX_LEN] = '\0'; /* exactly the cap: fine */
	{
		struct expr *e;
		CHECK_OK(expr_compile(big, &e, NULL));
		expr_free(e);
	}
	for (int i = 0; i < EXPR_MAX_DEPTH; i++)
		deep[n++] = '(';
	memcpy(deep + n, "true", 4);
	n += 4;
	for (int i = 0; i < EXPR_MAX_DEPTH; i++)
		deep[n++] = ')';
	deep[n] = '\0';
	{
		struct expr *e;
		CHECK_OK(expr_compile(deep, &e, NULL)); /* 64 levels: fine */
		expr_free(e);
	}
	memmove(deep + 1, deep, n + 1);
	deep[0] = '(';
	memcpy(deep + n + 1, ")", 2);
	expect_compile_error(deep, -PL_ETOOBIG, 1, 65, "nested deeper than 64");
	n = 0;
	for (int i = 0; i <= EXPR_MAX_DEPTH; i++) {
		memcpy(deep + n, "not ", 4);
		n += 4;
	}
	memcpy(deep + n, "true", 5);
	expect_compile_error(deep, -PL_ETOOBIG, 1, 0, "nested deeper");

	/* a NULL error pointer is fine */
	{
		struct expr *e;
		CHECK_INT(expr_compile("status ==", &e, NULL), -PL_EINVAL);
	}
}

static void test_expr_fields(void)
{
	const char *const *names = expr_field_names();
	struct order o;
	size_t n = 0;

	mk_order(&o, "new", "", "", "card", "paid");
	/* every listed field compiles and evaluates (proves the list and the table agree) */
	for (; names[n]; n++) {
		char text[128];
		struct expr *e;
		struct expr_error err;
		int rc;
		snprintf(text, sizeof(text), "%s == %s or true", names[n],
			 strcmp(names[n], "buyer.is_company") == 0 ? "true"
			 : strstr(names[n], "total") || strstr(names[n], "paid") ||
				 strstr(names[n], "cost") || strstr(names[n], "lines.count") ||
				 strstr(names[n], "lines.qty")
			     ? "1"
			     : "\"x\"");
		rc = expr_compile(text, &e, &err);
		if (rc)
			fprintf(stderr, "field '%s': %s\n", names[n], err.msg);
		CHECK_OK(rc);
		if (!rc) {
			CHECK(expr_eval(e, &o));
			expr_free(e);
		}
	}
	CHECK(n >= 17);
	/* field names are case-insensitive, like keywords */
	CHECK_INT(eval_on("Buyer.NIP == \"\"", &o), 1);
	order_release(&o);
}

static void test_expr_explain(void)
{
	struct order o;
	struct expr *e;
	struct buf why;

	mk_order(&o, "Accepted", "5260250995", "", "card", "paid");
	buf_init(&why, 4096);

	/* the example of the brief */
	CHECK_OK(expr_compile("buyer.nip == \"\"", &e, NULL));
	CHECK(!expr_explain(e, &o, &why));
	CHECK_STR(why.data, "buyer.nip == \"\" (buyer.nip is \"5260250995\")");
	expr_free(e);

	/* a false and: its first false operand */
	buf_reset(&why);
	CHECK_OK(expr_compile("status == \"accepted\" and payment.type == \"transfer\"\n"
			      "    and payment.status != \"paid\"",
			      &e, NULL));
	CHECK(!expr_explain(e, &o, &why));
	CHECK_STR(why.data, "payment.type == \"transfer\" (payment.type is \"card\")");
	expr_free(e);

	/* a true and: all of it, every value */
	buf_reset(&why);
	CHECK_OK(expr_compile("status == \"accepted\" and   payment.type == \"card\"", &e, NULL));
	CHECK(expr_explain(e, &o, &why));
	CHECK_STR(why.data, "status == \"accepted\" and payment.type == \"card\" (status is "
			    "\"Accepted\", payment.type is \"card\")");
	expr_free(e);

	/* a true or: its first true operand; not with a leaf keeps the not */
	buf_reset(&why);
	CHECK_OK(expr_compile("notes ~ \"faktur\" or not empty(buyer.nip)", &e, NULL));
	CHECK(expr_explain(e, &o, &why));
	CHECK_STR(why.data, "not empty(buyer.nip) (buyer.nip is \"5260250995\")");
	expr_free(e);

	/* a false or: the whole or */
	buf_reset(&why);
	CHECK_OK(expr_compile("(tags == \"vip\" or total > 1000)", &e, NULL));
	CHECK(!expr_explain(e, &o, &why));
	CHECK_STR(why.data, "(tags == \"vip\" or total > 1000) (tags is [], total is 459.99 PLN)");
	expr_free(e);

	/* not over a compound: the clause inside that decided */
	buf_reset(&why);
	CHECK_OK(expr_compile("not (status == \"new\" or total < 500)", &e, NULL));
	CHECK(!expr_explain(e, &o, &why));
	CHECK_STR(why.data, "total < 500 (total is 459.99 PLN)");
	expr_free(e);

	/* constants explain themselves; text is shown escaped */
	buf_reset(&why);
	CHECK_OK(expr_compile("true", &e, NULL));
	CHECK(expr_explain(e, &o, &why));
	CHECK_STR(why.data, "true");
	CHECK_STR(expr_text(e), "true");
	expr_free(e);
	buf_reset(&why);
	SET(o.notes, "say \"hi\"");
	CHECK_OK(expr_compile("notes ~ \"x\"", &e, NULL));
	CHECK(!expr_explain(e, &o, &why));
	CHECK_STR(why.data, "notes ~ \"x\" (notes is \"say \\\"hi\\\"\")");
	expr_free(e);

	/* expr_text collapses white space but not inside text */
	CHECK_OK(expr_compile("  status ==\n \"a  b\"   and  true ", &e, NULL));
	CHECK_STR(expr_text(e), "status == \"a  b\" and true");
	expr_free(e);

	buf_release(&why);
	order_release(&o);
}

/* ---- rules ----------------------------------------------------------------- */

struct example {
	const char *what;
	const char *status, *nip, *notes, *ptype, *pstatus;
	enum doc_kind want;
	const char *rule;
};

/* The product examples, as orders built field by field. */
static const struct example examples[] = {
    {"company with NIP", "paid", "5261048273", "", "online", "paid", DOC_INVOICE, "company"},
    {"consumer", "paid", "", "", "blik", "paid", DOC_RECEIPT, "default"},
    {"notes ask for an invoice", "paid", "", "Proszę o fakturę imienną.", "card", "paid",
     DOC_INVOICE, "invoice-requested"},
    {"notes FAKTURA", "paid", "", "FAKTURA!!!", "card", "paid", DOC_INVOICE, "invoice-requested"},
    {"notes fakturka", "paid", "", "a fakturka będzie?", "card", "paid", DOC_INVOICE,
     "invoice-requested"},
    {"notes faktury", "paid", "", "Do faktury proszę dopisać numer zamówienia", "card", "paid",
     DOC_INVOICE, "invoice-requested"},
    {"notes FV", "paid", "", "prosze o FV", "card", "paid", DOC_INVOICE, "invoice-requested"},
    {"invoice instead of a receipt", "paid", "", "Proszę o fakturę zamiast paragonu", "card",
     "paid", DOC_INVOICE, "invoice-requested"},
    {"notes ask for a receipt, with NIP", "paid", "6772314552",
     "Wystarczy paragon z NIP, bez faktury.", "cash", "paid", DOC_RECEIPT_NIP, "receipt-requested"},
    {"notes ask for a receipt, no NIP", "paid", "", "PARAGON proszę", "cash", "paid", DOC_RECEIPT,
     "receipt-requested"},
    {"notes WZ", "accepted", "9512003414",
     "Towar wydać na WZ, faktura zbiorcza na koniec miesiąca.", "transfer", "unpaid", DOC_WZ,
     "wz-requested"},
    {"wz inside a word is not WZ", "paid", "", "Proszę wziąć pod uwagę", "card", "paid",
     DOC_RECEIPT, "default"},
    {"Accepted + transfer", "Accepted", "7792345680", "Zaliczka 500 zł przelewem.", "transfer",
     "partial", DOC_ADVANCE, "advance"},
    {"accepted + transfer, unpaid, no NIP", "accepted", "", "", "transfer", "unpaid", DOC_ADVANCE,
     "advance"},
    {"accepted + transfer already paid", "accepted", "", "", "transfer", "paid", DOC_RECEIPT,
     "default"},
    {"Accepted + card", "Accepted", "7792345680", "Dopłata kartą do zamówienia ZK/2026/10046.",
     "card", "paid", DOC_FINAL, "final"},
    {"Cancelled", "Cancelled", "", "Klientka zrezygnowała", "online", "refunded", DOC_CORRECTION,
     "cancelled"},
    {"returned with invoice notes", "returned", "5261048273", "faktura", "online", "refunded",
     DOC_CORRECTION, "cancelled"},
    {"EU VAT id", "paid", "SK2020123456", "", "transfer", "paid", DOC_INVOICE, "company"},
};

static void decide_examples(const struct ruleset *rs, const char *which)
{
	for (size_t i = 0; i < sizeof(examples) / sizeof(examples[0]); i++) {
		const struct example *x = &examples[i];
		struct order o;
		struct rules_decision dec;
		int rc;

		mk_order(&o, x->status, x->nip, x->notes, x->ptype, x->pstatus);
		rc = rules_decide(rs, &o, &dec);
		CHECK_OK(rc);
		CHECK(dec.matched);
		if (dec.kind != x->want || strcmp(dec.rule, x->rule) != 0)
			fprintf(stderr, "%s: example '%s': got %s by '%s', want %s by '%s'\n",
				which, x->what, doc_kind_name(dec.kind), dec.rule,
				doc_kind_name(x->want), x->rule);
		CHECK_INT(dec.kind, x->want);
		CHECK_STR(dec.rule, x->rule);
		order_release(&o);
	}
}

/* issue #18 defect 9: a literal outside a known set is a warning with a
 * hint, never an error (a shop may use its own statuses) */
static void test_rules_value_warnings(void)
{
	static const char ini[] =
	    "[rule \"r\"]\n"
	    "when = status == \"payed\" and payment.type in (\"cash\", \"blick\") and\n"
	    "  currency != \"PLZ\" and payment.status != \"paid\" and not (status == \"shipped\")\n"
	    "issue = receipt\n"
	    "[rule \"custom\"]\n"
	    "when = \"on_hold\" != status or status ~ \"payed\"\n"
	    "issue = invoice\n";
	struct ruleset rs;
	struct diag d;

	rules_init(&rs);
	diag_init(&d);
	CHECK_OK(rules_load_ini(&rs, ini, "w.ini", &d));
	CHECK_INT(diag_count(&d), 0);
	CHECK_INT(diag_warn_count(&d), 3);
	CHECK_INT(rs.n, 2);
	if (d.n == 3) {
		CHECK(d.v[0].warning && d.v[1].warning && d.v[2].warning);
		CHECK_STR(d.v[0].where, "w.ini:2");
		CHECK(strstr(d.v[0].msg, "status \"payed\" is not a known order status (did you "
					 "mean 'paid'?)") != NULL);
		CHECK(strstr(d.v[1].msg, "payment.type \"blick\"") &&
		      strstr(d.v[1].msg, "did you mean 'blik'?"));
		CHECK(strstr(d.v[2].msg, "currency \"PLZ\" is not a known ISO 4217") != NULL);
	}
	diag_release(&d);
	rules_release(&rs);

	/* an error next to a warning: only the error is counted */
	rules_init(&rs);
	diag_init(&d);
	CHECK(rules_load_ini(&rs,
			     "[rule \"a\"]\nwhen = status == \"nwe\"\nissue = receipt\n"
			     "[rule \"b\"]\nwhen = total >\nissue = receipt\n",
			     "e.ini", &d) != 0);
	CHECK_INT(diag_count(&d), 1);
	CHECK_INT(diag_warn_count(&d), 1);
	diag_release(&d);
	rules_release(&rs);

	/* where the order came from: a known set too; a site's own source
	 * ("b2b-portal") is only warned about, without a bogus hint */
	rules_init(&rs);
	diag_init(&d);
	CHECK_OK(rules_load_ini(&rs,
				"[rule \"m\"]\nwhen = source == \"allegor\" or source in "
				"(\"shop\", \"b2b-portal\")\nissue = invoice\n",
				"s.ini", &d));
	CHECK_INT(diag_count(&d), 0);
	CHECK_INT(diag_warn_count(&d), 2);
	if (d.n == 2) {
		CHECK(strstr(d.v[0].msg, "source \"allegor\" is not a known order source (did "
					 "you mean 'allegro'?)") != NULL);
		CHECK(strstr(d.v[1].msg, "source \"b2b-portal\" is not a known order source") &&
		      !strstr(d.v[1].msg, "did you mean"));
	}
	diag_release(&d);
	rules_release(&rs);

	/* a document kind misspelt is an error, with the kind it is closest to */
	rules_init(&rs);
	diag_init(&d);
	CHECK(rules_load_ini(&rs, "[rule \"k\"]\nwhen = true\nissue = invoce\n", "k.ini", &d) != 0);
	CHECK_INT(diag_count(&d), 1);
	if (d.n == 1)
		CHECK(strstr(d.v[0].msg, "issue 'invoce' is unknown (did you mean 'invoice'?)") !=
		      NULL);
	diag_release(&d);
	rules_release(&rs);
}

static void test_rules_default(void)
{
	struct ruleset rs;
	struct diag d;

	rules_init(&rs);
	diag_init(&d);
	CHECK_OK(rules_load_ini(&rs, rules_default_ini, "built-in", &d));
	diag_print(&d, stderr, "default rules");
	CHECK_INT(diag_count(&d), 0);
	CHECK_INT(rs.n, 9);
	CHECK_STR(rs.v[0].name, "cancelled");
	CHECK_STR(rs.v[7].name, "foreign-currency");
	CHECK_STR(rs.v[8].name, "default");
	CHECK_STR(rs.v[2].then, "label");
	CHECK_STR(rs.v[3].then, "label,email");
	CHECK_INT(rs.v[4].issue, DOC_ADVANCE);
	CHECK_INT(rs.v[4].line, 32); /* line of `when` in the text */
	decide_examples(&rs, "built-in");
	rules_release(&rs);
	diag_release(&d);
}

/* Read a file under PL_SRC (NULL when not run from CTest). */
static char *read_src_file(const char *rel)
{
	const char *src = getenv("PL_SRC");
	char path[4096];
	FILE *f;
	char *text;
	long len;

	if (!src)
		return NULL;
	snprintf(path, sizeof(path), "%s/%s", src, rel);
	f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	text = malloc((size_t)len + 1);
	if (text && fread(text, 1, (size_t)len, f) != (size_t)len) {
		free(text);
		text = NULL;
	}
	if (text)
		text[len] = '\0';
	fclose(f);
	return text;
}

/* examples/packline.ini is the built-in text, and the example order files get
 * the documents the product brief names for them. */
static void test_rules_example_files(void)
{
	static const struct {
		const char *file;
		enum doc_kind want;
	} files[] = {
	    {"01-company-nip-invoice.json", DOC_INVOICE},
	    {"02-consumer-receipt.json", DOC_RECEIPT},
	    {"03-notes-invoice-request.json", DOC_INVOICE},
	    {"04-notes-receipt-with-nip.json", DOC_RECEIPT_NIP},
	    {"05-notes-wz.json", DOC_WZ},
	    {"06-advance-transfer.json", DOC_ADVANCE},
	    {"07-accepted-card-final.json", DOC_FINAL},
	    {"08-cancelled.json", DOC_CORRECTION},
	    {"11-eur-slovakia-vat-id.json", DOC_INVOICE},
	};
	const char *src = getenv("PL_SRC");
	char *ini = read_src_file("examples/packline.ini");
	struct ruleset rs;
	struct diag d;

	if (!src) {
		printf("PL_SRC not set: example files skipped\n");
		return;
	}
	CHECK(ini != NULL);
	if (!ini)
		return;
	CHECK_STR(ini, rules_default_ini);
	rules_init(&rs);
	diag_init(&d);
	CHECK_OK(rules_load_ini(&rs, ini, "examples/packline.ini", &d));
	decide_examples(&rs, "examples/packline.ini");
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char path[4096];
		struct order *v = NULL;
		size_t n = 0;
		struct rules_decision dec;

		snprintf(path, sizeof(path), "%s/examples/orders/%s", src, files[i].file);
		CHECK_OK(order_json_load_file(path, &v, &n, &d));
		if (!v)
			continue;
		for (size_t k = 0; k < n; k++) {
			CHECK_OK(rules_decide(&rs, &v[k], &dec));
			if (dec.kind != files[i].want)
				fprintf(stderr, "%s: got %s by '%s', want %s\n", files[i].file,
					doc_kind_name(dec.kind), dec.rule,
					doc_kind_name(files[i].want));
			CHECK_INT(dec.kind, files[i].want);
		}
		order_array_free(v, n);
	}
	diag_print(&d, stderr, "example files");
	CHECK_INT(diag_count(&d), 0);
	rules_release(&rs);
	diag_release(&d);
	free(ini);
}

static void test_rules_explain(void)
{
	struct ruleset rs;
	struct diag d;
	struct order o;
	struct rules_decision dec;
	struct buf out;

	rules_init(&rs);
	diag_init(&d);
	buf_init(&out, 64 * 1024);
	CHECK_OK(rules_load_ini(&rs, rules_default_ini, "packline.ini", &d));

	mk_order(&o, "paid", "5260250995", "", "online", "paid");
	CHECK_OK(rules_explain(&rs, &o, &out, &dec));
	CHECK_INT(dec.kind, DOC_INVOICE);
	CHECK_STR(dec.rule, "company");
	/* every rule is listed, with the clause that decided it and the values */
	CHECK(strstr(out.data,
		     "1. \"cancelled\" (packline.ini:5) -> correction: no\n"
		     "       status in (\"cancelled\", \"returned\") (status is \"paid\") "
		     "is false") != NULL);
	CHECK(strstr(out.data,
		     "5. \"advance\" (packline.ini:32) -> advance: no\n"
		     "       status == \"accepted\" (status is \"paid\") is false") != NULL);
	CHECK(strstr(out.data,
		     "7. \"company\" (packline.ini:45) -> invoice: MATCH, wins\n"
		     "       not empty(buyer.nip) (buyer.nip is \"5260250995\") is true") != NULL);
	CHECK(strstr(out.data,
		     "8. \"foreign-currency\" (packline.ini:52) -> invoice: no\n"
		     "       currency != \"PLN\" (currency is \"PLN\") is false") != NULL);
	CHECK(strstr(out.data, "9. \"default\" (packline.ini:58) -> receipt: matches, but rule 7 "
			       "came first\n       true is true") != NULL);
	CHECK(strstr(out.data, "decision: invoice by rule 7 \"company\", backend (default), then "
			       "label,email\n") != NULL);
	order_release(&o);

	/* receipt with NIP is said in words */
	buf_reset(&out);
	mk_order(&o, "paid", "6772314552", "paragon", "cash", "paid");
	CHECK_OK(rules_explain(&rs, &o, &out, NULL));
	CHECK(strstr(out.data, "decision: receipt_nip by rule 3 \"receipt-requested\" (the rule "
			       "says receipt; the buyer has NIP 6772314552, so it goes on the "
			       "receipt)") != NULL);
	order_release(&o);
	rules_release(&rs);

	/* no rule matched: a clear result, not a crash */
	buf_reset(&out);
	CHECK_OK(
	    rules_add(&rs, "only-vip", "tags == \"vip\"", "invoice", "", "", "x.ini", 3, 9, &d));
	mk_order(&o, "paid", "", "", "card", "paid");
	CHECK_INT(rules_decide(&rs, &o, &dec), -PL_ENOTFOUND);
	CHECK(!dec.matched);
	CHECK_INT(dec.kind, DOC_NONE);
	CHECK_STR(dec.rule, "");
	CHECK_INT(rules_explain(&rs, &o, &out, &dec), -PL_ENOTFOUND);
	CHECK(strstr(out.data, "decision: no rule matched") != NULL);
	/* an empty rule set: no match either */
	rules_release(&rs);
	CHECK_INT(rules_decide(&rs, &o, &dec), -PL_ENOTFOUND);
	order_release(&o);

	buf_release(&out);
	rules_release(&rs);
	diag_release(&d);
}

/* rules_add must fail, and some diag entry must be at `where` containing `want`. */
static void expect_rule_error(const struct rule_src *src, const char *where, const char *want)
{
	struct ruleset rs;
	struct diag d;
	bool found = false;

	rules_init(&rs);
	diag_init(&d);
	CHECK_INT(rules_add_src(&rs, src, &d), -PL_ECONFIG);
	CHECK_INT(rs.n, 0);
	for (size_t i = 0; i < d.n; i++)
		found = found || (strcmp(d.v[i].where, where) == 0 && strstr(d.v[i].msg, want));
	if (!found) {
		fprintf(stderr, "want '%s: ...%s...', got:\n", where, want);
		diag_print(&d, stderr, "  ");
	}
	CHECK(found);
	rules_release(&rs);
	diag_release(&d);
}

static void test_rules_errors(void)
{
	static const int cont[] = {9};
	struct rule_src s = {
	    .name = "r",
	    .when = "status == \"new\" and bad == 1",
	    .issue = "invoice",
	    .file = "packline.ini",
	    .when_line = 12,
	    .when_col = 9,
	    .issue_line = 13,
	    .backend_line = 14,
	    .then_line = 15,
	};
	struct ruleset rs;
	struct diag d;

	/* FILE:LINE:COL points into the file: col 9 + offset of 'bad' (21) - 1 */
	expect_rule_error(&s, "packline.ini:12:29", "rule \"r\": unknown field 'bad'");
	/* continuation lines: the line of the file, and the column there */
	s.when = "status == \"new\"\nand bad == 1";
	expect_rule_error(&s, "packline.ini:13:6", "unknown field 'bad'"); /* 1 + 4 + 1 */
	s.cont_cols = cont;
	s.ncont_cols = 1;
	expect_rule_error(&s, "packline.ini:13:13", "unknown field 'bad'"); /* 9 + 5 - 1 */
	s.cont_cols = NULL;
	s.ncont_cols = 0;
	s.when = "(status == \"new\"";
	expect_rule_error(&s, "packline.ini:12:25", "expected ')' to close the '(' at column 1");
	s.when = "true";

	s.issue = "paragon";
	expect_rule_error(&s, "packline.ini:13", "issue 'paragon' is unknown");
	s.issue = "receipt_nip";
	expect_rule_error(&s, "packline.ini:13", "write issue = receipt");
	s.issue = "";
	expect_rule_error(&s, "packline.ini:13", "has no 'issue'");
	s.issue = "receipt";
	s.backend = "Posnet 1";
	expect_rule_error(&s, "packline.ini:14", "backend 'Posnet 1' is not a name");
	s.backend = "posnet";
	s.then = "label,,email";
	expect_rule_error(&s, "packline.ini:15", "empty step");
	s.then = "label, sms";
	expect_rule_error(&s, "packline.ini:15", "unknown step 'sms'");
	s.then = "label,email,label";
	expect_rule_error(&s, "packline.ini:15", "'label' is listed twice");
	s.then = " label , email ";
	s.when = NULL;
	expect_rule_error(&s, "packline.ini:12", "has no 'when' (write when = true");
	s.when = "true";
	s.name = "";
	expect_rule_error(&s, "packline.ini:12", "a rule needs a name");
	s.name = "r";

	/* a good one, normalised; then a second with the same name */
	rules_init(&rs);
	diag_init(&d);
	CHECK_OK(rules_add_src(&rs, &s, &d));
	CHECK_STR(rs.v[0].then, "label,email");
	CHECK_STR(rs.v[0].backend, "posnet");
	CHECK_INT(rs.v[0].issue, DOC_RECEIPT);
	CHECK_INT(rules_add_src(&rs, &s, &d), -PL_ECONFIG);
	CHECK_INT(d.n, 1);
	CHECK(d.n == 1 && strstr(d.v[0].msg, "defined twice (first at packline.ini:12)"));
	{
		struct rules_decision dec;
		struct order o;
		mk_order(&o, "new", "", "", "card", "paid");
		CHECK_OK(rules_decide(&rs, &o, &dec));
		CHECK(rules_decision_has_step(&dec, "label"));
		CHECK(rules_decision_has_step(&dec, "email"));
		CHECK(!rules_decision_has_step(&dec, "lab"));
		CHECK(!rules_decision_has_step(&dec, "allegro"));
		CHECK_STR(dec.backend, "posnet");
		order_release(&o);
	}
	/* every error of one rule is reported at once */
	diag_release(&d);
	CHECK_INT(rules_add(&rs, "x", "bad", "nope", "B", "sms", "f.ini", 3, 7, &d), -PL_ECONFIG);
	CHECK_INT(diag_count(&d), 4);
	CHECK_INT(rs.n, 1);
	/* the cap */
	diag_release(&d);
	for (int i = 1; i < RULES_MAX; i++) {
		char name[16];
		snprintf(name, sizeof(name), "r%d", i);
		CHECK_OK(rules_add(&rs, name, "true", "none", NULL, NULL, "f", i, 1, &d));
	}
	CHECK_INT(rules_add(&rs, "one-too-many", "true", "none", NULL, NULL, "f", 1, 1, &d),
		  -PL_ETOOBIG);
	rules_release(&rs);
	diag_release(&d);
}

static void test_rules_ini(void)
{
	struct ruleset rs;
	struct diag d;
	const char *text = "; comment\n"
			   "# also a comment\n"
			   "[rule \"a\"]\n"
			   "when = status == \"new\" ; an inline comment\n"
			   "issue = none\n"
			   "\n"
			   "[rule \"b\"]\n"
			   "when = status == \"x\"\n"
			   "       and bad\n"
			   "issue = receipt\n"
			   "[rule \"c\"]\n"
			   "issue = invoice\n"
			   "colour = red\n"
			   "[printer \"p\"]\n";

	rules_init(&rs);
	diag_init(&d);
	CHECK_INT(rules_load_ini(&rs, text, "t.ini", &d), -PL_ECONFIG);
	CHECK_INT(rs.n, 1); /* only "a" is good */
	CHECK_INT(d.n, 4);
	if (d.n == 4) {
		/* the continuation line's real column (8 = after 7 spaces) */
		CHECK_STR(d.v[0].where, "t.ini:9:12");
		CHECK(strstr(d.v[0].msg, "bad is") || strstr(d.v[0].msg, "unknown field 'bad'"));
		CHECK_STR(d.v[1].where, "t.ini:13");
		CHECK(strstr(d.v[1].msg, "unknown key 'colour'") != NULL);
		CHECK_STR(d.v[2].where, "t.ini:11"); /* the section of the rule */
		CHECK(strstr(d.v[2].msg, "no 'when'") != NULL);
		CHECK_STR(d.v[3].where, "t.ini:14");
		CHECK(strstr(d.v[3].msg, "only [rule \"NAME\"] sections") != NULL);
	}
	diag_print(&d, stderr, NULL);
	CHECK_INT(rs.v[0].issue, DOC_NONE);
	CHECK_STR(expr_text(rs.v[0].when), "status == \"new\"");
	{
		struct rules_decision dec;
		struct order o;
		mk_order(&o, "NEW", "5260250995", "", "card", "paid");
		/* issue = none matched: a decision for no document, not "no match" */
		CHECK_OK(rules_decide(&rs, &o, &dec));
		CHECK(dec.matched);
		CHECK_INT(dec.kind, DOC_NONE);
		order_release(&o);
	}
	rules_release(&rs);
	diag_release(&d);
}

int main(void)
{
	test_fold();
	test_expr_basics();
	test_expr_money();
	test_expr_precedence();
	test_expr_errors();
	test_expr_fields();
	test_expr_explain();
	test_rules_default();
	test_rules_value_warnings();
	test_rules_example_files();
	test_rules_explain();
	test_rules_errors();
	test_rules_ini();
	return check_done("test_rules");
}
