/* SPDX-License-Identifier: Apache-2.0 */
/* core/expr.h - the rule expression language over an order.
 *
 *   status == "accepted" and payment.type == "transfer" and payment.status != "paid"
 *   notes ~ "faktur" or not empty(buyer.nip)
 *   total >= 450.00 and delivery.country in ("DE", "CZ")
 *
 * The full grammar, the field list and the error messages are in
 * docs/rules.md. In short: literals ("text" with \" and \\ escapes, numbers
 * such as 12 or 450.00 or -5, true, false); fields (buyer.nip, status, total,
 * tags, ...); comparisons == != < <= > >=; ~ and !~ (contains, ignoring case
 * and diacritics); x in (...), x not in (...); empty(x); not, and, or (in that
 * order of precedence) and parentheses.
 *
 * Everything that can be checked without an order is checked by
 * expr_compile(): syntax, unknown fields, type errors (`total ~ "x"`,
 * `buyer.nip == 5260250995`, `status < 3`), money literals with more than two
 * decimals. An expression that compiled always evaluates; evaluation cannot
 * fail and does not allocate.
 *
 * Ownership: expr_compile() returns an expression the caller frees with
 * expr_free(). A compiled expression is immutable and may be evaluated any
 * number of times, from any thread.
 */
#ifndef PL_CORE_EXPR_H
#define PL_CORE_EXPR_H

#include "base/buf.h"
#include "core/order.h"

#include <stdbool.h>
#include <stddef.h>

#define EXPR_MAX_LEN   4096 /* bytes of expression text */
#define EXPR_MAX_DEPTH 64   /* nested parentheses / not */

struct expr;

/* Where and why compilation failed. The message carries no position: the
 * caller prefixes it ("rules.ini:12:17: expected ')'"); other positions a
 * message refers to are inside it ("... to close the '(' at column 5"). */
struct expr_error {
	size_t offset; /* byte offset in the text */
	int line;      /* 1-based line in the text (the text may contain '\n') */
	int col;       /* 1-based column on that line, in characters (UTF-8) */
	char msg[200];
};

/* Compile `text` (NUL-terminated). On success returns 0 and *out. On error
 * returns -PL_EINVAL (syntax, unknown field, type error) or -PL_ETOOBIG
 * (longer than EXPR_MAX_LEN, nested deeper than EXPR_MAX_DEPTH) with `err`
 * filled (err may be NULL), or -PL_ENOMEM; *out is then NULL. */
int expr_compile(const char *text, struct expr **out, struct expr_error *err);
void expr_free(struct expr *e);

/* Evaluate against an order. */
bool expr_eval(const struct expr *e, const struct order *o);

/* Evaluate and append to `why` the clause that decided the result, as the
 * user wrote it (whitespace collapsed) with the values of the fields it
 * reads:
 *     buyer.nip == "" (buyer.nip is "5260250995")
 * For `a and b` that is false: the first false operand; true: the whole and.
 * For `a or b` that is true: the first true operand; false: the whole or.
 * `not x` is explained by x's deciding clause (or by `not x` itself when x is
 * a single comparison). Returns the result; a full `why` only loses text. */
bool expr_explain(const struct expr *e, const struct order *o, struct buf *why);

struct diag;
/* Warn (diag_warn, never an error) about every literal compared with ==, !=
 * or in (...) to a field whose values are a known set (status, payment.type,
 * payment.status, currency) when the literal is not in it: `status ==
 * "payed"` compiles and is legal, since a shop may use its own statuses, but
 * it is usually a typo, so the warning says "did you mean 'paid'?". `where`
 * ("packline.ini:12") and `rule` (the rule name) prefix each warning. */
void expr_lint(const struct expr *e, struct diag *d, const char *where, const char *rule);

/* The expression text as compiled (whitespace collapsed), for messages. */
const char *expr_text(const struct expr *e);

/* Field names the language knows, NULL-terminated (for docs and completion). */
const char *const *expr_field_names(void);

#endif
