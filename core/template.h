/* SPDX-License-Identifier: Apache-2.0 */
/* core/template.h - texts with macros: "Zamówienie {order.number} z {order.date|%d.%m.%Y}".
 *
 * A template is compiled once, when the configuration loads, against the set
 * of macro names it may use: the built-in names (tmpl_macro_names()) plus the
 * extra names a module declares (struct tmpl_vars), so that an unknown macro,
 * filter or date conversion is a configuration error with its column, never a
 * surprise at print time. Rendering cannot fail except when the output buffer
 * is full.
 *
 * Syntax (docs/templates.md): `{name}` or `{name|filter}`; `{{` and `}}` are
 * literal braces. Filters: money macros take `|pl` ("159,98" instead of
 * "159.98"); date macros take a format of %Y %y %m %d %e %H %M %S %j %%
 * ("{order.date|%d.%m.%Y}"; default %Y-%m-%d); document.kind takes `|pl`
 * ("Faktura VAT"). Text macros take no filter.
 *
 * Ownership: tmpl_compile() returns a template freed with tmpl_free(); it
 * keeps no pointer to the text, the vars or any context. A compiled template
 * is immutable and may be rendered from any thread.
 */
#ifndef PL_CORE_TEMPLATE_H
#define PL_CORE_TEMPLATE_H

#include "base/buf.h"
#include "core/document.h"
#include "core/order.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TMPL_MAX_LEN   8192 /* bytes of template text */
#define TMPL_MAX_NAME  64   /* bytes of a macro name */
#define TMPL_MAX_EXTRA 64   /* extra names in a tmpl_vars */

struct tmpl;

/* Extra macro names a module allows, e.g. labels: {"shipment.tracking",
 * "shipment.carrier"}. The array is read during tmpl_compile() only. Names
 * are lower-case letters, digits, '_' and '.', and may not repeat a built-in
 * name. Their values are text. */
struct tmpl_vars {
	const char *const *names;
	size_t n;
};

/* A value for an extra name at render time. */
struct tmpl_kv {
	const char *name;
	const char *value;
};

/* What a template is rendered from. Every pointer may be NULL: the macros
 * that read it render empty (a footer naming {document.number} rendered
 * before the number exists prints nothing there). */
struct tmpl_ctx {
	const struct order *order;
	const struct document *doc;
	const struct tmpl_kv *extra; /* values of extra names; a name not here renders empty */
	size_t nextra;
	int64_t now;   /* unix seconds for {now}; 0 renders empty */
	bool one_line; /* control characters in values (CR, LF, TAB...) become spaces:
			  for e-mail subjects and printer lines */
	bool html;     /* text values HTML-escaped (& < > " '): e-mail HTML bodies */
};

/* Where and why compilation failed; the message carries no position (the
 * caller prefixes "FILE:LINE:COL"). */
struct tmpl_error {
	size_t offset; /* byte offset in the text */
	int line;      /* 1-based */
	int col;       /* 1-based, characters (UTF-8) */
	char msg[200];
};

/* Compile `text` against the built-in names plus `vars` (may be NULL).
 * 0 with *out; -PL_EINVAL (unknown macro, bad filter, unbalanced brace) or
 * -PL_ETOOBIG (longer than TMPL_MAX_LEN) with `err` filled (may be NULL);
 * -PL_ENOMEM. */
int tmpl_compile(const char *text, const struct tmpl_vars *vars, struct tmpl **out,
		 struct tmpl_error *err);
void tmpl_free(struct tmpl *t);

/* Append the rendered text to `out`. 0, or -PL_ETOOBIG when `out` reached its
 * cap (out keeps what fitted up to the last whole piece). */
int tmpl_render(const struct tmpl *t, const struct tmpl_ctx *ctx, struct buf *out);

/* The template uses macro `name` (e.g. to know it needs a document number). */
bool tmpl_uses(const struct tmpl *t, const char *name);

/* Built-in macro names, NULL-terminated (for docs and messages). */
const char *const *tmpl_macro_names(void);

/* Polish name of a document kind ("Faktura VAT", "Paragon fiskalny", ...). */
const char *tmpl_kind_pl(enum doc_kind k);

#endif
