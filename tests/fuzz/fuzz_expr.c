/* SPDX-License-Identifier: Apache-2.0 */
/* tests/fuzz/fuzz_expr.c - the rule expression compiler, evaluator, explain,
 * the [rule] INI reader and text folding, on arbitrary bytes.
 *
 * Properties checked besides "no crash, no leak, no UB": a compiled
 * expression evaluates to the same result through expr_eval() and
 * expr_explain(); a failed compile always says where (line/col >= 1) and why.
 */
#include "core/expr.h"
#include "core/fold.h"
#include "core/rules.h"

#include "base/err.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_order(struct order *o, int variant)
{
	order_init(o);
	snprintf(o->status, sizeof(o->status), "%s", variant ? "Accepted" : "cancelled");
	snprintf(o->notes, sizeof(o->notes), "%s",
		 variant ? "Proszę o FAKTURĘ na WZ" : "paragon \xC5\x81\xC3\x93\xC3");
	snprintf(o->buyer.nip, sizeof(o->buyer.nip), "%s", variant ? "5260250995" : "");
	snprintf(o->payment.type, sizeof(o->payment.type), "transfer");
	snprintf(o->currency, sizeof(o->currency), "PLN");
	snprintf(o->tags[0], sizeof(o->tags[0]), "vip");
	o->ntags = (size_t)variant;
	o->total = variant ? INT64_MAX : INT64_MIN;
	o->payment.paid = -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct expr *e = NULL;
	struct expr_error err;
	struct order o[2];
	int rc;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	fuzz_order(&o[0], 0);
	fuzz_order(&o[1], 1);

	rc = expr_compile(text, &e, &err);
	if (rc == 0) {
		for (int i = 0; i < 2; i++) {
			struct buf why;
			bool r1, r2;
			buf_init(&why, 512); /* small: exercises the cap too */
			r1 = expr_eval(e, &o[i]);
			r2 = expr_explain(e, &o[i], &why);
			if (r1 != r2)
				abort();
			buf_release(&why);
		}
		(void)expr_text(e);
		expr_free(e);
	} else if (rc != -PL_ENOMEM) {
		if (err.line < 1 || err.col < 1 || err.msg[0] == '\0' || err.offset > size)
			abort();
	}

	/* the same bytes as a rules file */
	{
		struct ruleset rs;
		struct diag d;
		struct rules_decision dec;
		struct buf rep;
		rules_init(&rs);
		diag_init(&d);
		buf_init(&rep, 4096);
		(void)rules_load_ini(&rs, text, "fuzz.ini", &d);
		for (int i = 0; i < 2; i++) {
			int r1 = rules_decide(&rs, &o[i], &dec);
			int r2 = rules_explain(&rs, &o[i], &rep, NULL);
			if (r1 != r2)
				abort();
			buf_reset(&rep);
		}
		buf_release(&rep);
		rules_release(&rs);
		diag_release(&d);
	}

	/* folding: never longer, and contains() agrees with itself */
	{
		char *out = malloc(size + 1);
		size_t half = size / 2;
		if (out) {
			if (fold_text(text, size, out, FOLD_BASE) > size)
				abort();
			if (fold_text(text, size, out, FOLD_CASE) > size)
				abort();
			free(out);
		}
		if (!fold_contains(text, "", FOLD_BASE) || !fold_equal(text, text, FOLD_CASE))
			abort();
		text[half] = '\0';
		(void)fold_contains(text + half + (half < size ? 1 : 0), text, FOLD_BASE);
		(void)fold_contains_word(text + half + (half < size ? 1 : 0), text, FOLD_BASE);
	}
	order_release(&o[0]);
	order_release(&o[1]);
	free(text);
	return 0;
}
