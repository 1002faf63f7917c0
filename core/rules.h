/* SPDX-License-Identifier: Apache-2.0 */
/* core/rules.h - the ordered rule set that decides which document an order gets.
 *
 *   [rule "cancelled"]
 *   when  = status in ("cancelled", "returned")
 *   issue = correction
 *   then  = email
 *
 * Rules are tried in file order; the first whose `when` holds decides (see
 * docs/rules.md). A decision for `issue = receipt` on an order whose buyer
 * gave a NIP becomes DOC_RECEIPT_NIP (paragon z NIP): the printer must put
 * the NIP on the receipt, otherwise the buyer cannot get an invoice for it
 * later (art. 106b ust. 5 of the Polish VAT act), so a rule author never has
 * to remember it.
 *
 * Everything is checked by rules_add(): the expression compiles, the kind
 * and follow-up steps are known, names are unique. Errors go to a diag as
 * "FILE:LINE:COL" pointing into the file.
 *
 * Ownership: struct ruleset is embedded (rules_init/rules_release) or
 * allocated (rules_new/rules_free); it owns its rules and their expressions.
 * A filled rule set is immutable while decisions are taken from it.
 */
#ifndef PL_CORE_RULES_H
#define PL_CORE_RULES_H

#include "base/buf.h"
#include "base/diag.h"
#include "core/document.h"
#include "core/expr.h"
#include "core/order.h"

#include <stdbool.h>
#include <stddef.h>

#define RULES_MAX 256 /* rules in one set */

struct rule {
	char name[64];
	struct expr *when; /* owned */
	enum doc_kind issue;
	char backend[32]; /* "" = the configured default backend for the kind */
	char then[256];   /* follow-up steps, normalised: "label,email" ("" = none) */
	char file[256];   /* where it was written, for messages */
	int line;         /* line of `when` */
};

struct ruleset {
	struct rule *v;
	size_t n;
	size_t cap;
};

void rules_init(struct ruleset *rs);
void rules_release(struct ruleset *rs);
/* Heap variants (config.h keeps a pointer). rules_new: 0 or -PL_ENOMEM. */
int rules_new(struct ruleset **out);
void rules_free(struct ruleset *rs);

/* One rule as read from a file, with the place of each key. Lines are
 * 1-based; a line of 0 means "same as when_line". `when` may contain '\n'
 * where the caller joined continuation lines. An error on continuation line
 * k (1-based, after the first) is reported at file line when_line + k, at
 * column cont_cols[k - 1] + (column in that line of the text) - 1 when the
 * caller knows where each continuation line starts (rules_load_ini does);
 * otherwise (inih strips the indentation and does not say how much) at the
 * column in the text + 1, which is exact for a one-character indent. */
struct rule_src {
	const char *name;
	const char *when;
	const char *issue;
	const char *backend; /* may be NULL or "" */
	const char *then;    /* may be NULL or "" */
	const char *file;    /* for messages: "packline.ini" */
	int when_line;
	int when_col; /* 1-based column where the `when` text starts on when_line */
	int issue_line, backend_line, then_line;
	const int *cont_cols; /* may be NULL: file column of each continuation line */
	size_t ncont_cols;
};

/* Check and append a rule. Every problem goes to `d` (where = "FILE:LINE:COL"
 * or "FILE:LINE"); returns 0, -PL_ECONFIG (nothing appended), -PL_ETOOBIG
 * (past RULES_MAX) or -PL_ENOMEM. */
int rules_add_src(struct ruleset *rs, const struct rule_src *src, struct diag *d);

/* The same with every key on `line` (when starts at `col`). */
int rules_add(struct ruleset *rs, const char *name, const char *when, const char *issue,
	      const char *backend, const char *then, const char *file, int line, int col,
	      struct diag *d);

/* Read INI text that holds only [rule "NAME"] sections (keys when, issue,
 * backend, then; `;`/`#` comment lines; indented continuation lines; a `;`
 * after white space starts a comment, as in inih) and add each rule. Used for
 * the built-in default set and for tests; the agent's config loader reads the
 * same syntax with inih. 0 or -PL_ECONFIG with every error in `d`. */
int rules_load_ini(struct ruleset *rs, const char *text, const char *file, struct diag *d);

/* The built-in default rule set (the same text as examples/packline.ini). */
extern const char rules_default_ini[];

struct rules_decision {
	bool matched;
	size_t index;        /* matched rule (0-based) */
	char rule[64];       /* its name, "" when none matched */
	enum doc_kind issue; /* as the rule says */
	enum doc_kind kind;  /* to issue: receipt -> receipt_nip when the buyer has a NIP */
	char backend[32];
	char then[256];
};

/* First matching rule. Returns 0 with out->matched, or -PL_ENOTFOUND when no
 * rule matched (out->matched false, kind DOC_NONE): that is a configuration
 * gap the caller reports ("no rule matched order ZK/..."), never a crash. */
int rules_decide(const struct ruleset *rs, const struct order *o, struct rules_decision *out);

/* Append a report: every rule, whether it matched, the clause that decided
 * it with the order's values, and the winner. Returns what rules_decide()
 * returns (and fills `out` when it is not NULL). */
int rules_explain(const struct ruleset *rs, const struct order *o, struct buf *report,
		  struct rules_decision *out);

/* Follow-up steps `then` may name, NULL-terminated. */
const char *const *rules_step_names(void);
/* The decision lists step `step` in its `then`. */
bool rules_decision_has_step(const struct rules_decision *d, const char *step);

#endif
