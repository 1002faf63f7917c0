/* SPDX-License-Identifier: Apache-2.0 */
/* agent/config.h - the station's configuration (an INI file, read with inih).
 *
 * Sections:
 *   [packline]            store, station, log_level, documents_dir, inbox, poll_seconds,
 *                         helper_idle_seconds
 *   [numbering "KIND"]    pattern, reset                (core/numbering.h)
 *   [rule "NAME"]         when, issue, backend, then    (core/rules.h), in file order
 *   [template]            document.title, document.footer, email.subject ... (core/template.h)
 *   [printer "NAME"], [label "NAME"], [shipx], [cups]  raw key/values read and checked by
 *                         their modules (config_sections[], base/cfgview.h)
 *
 * Everything is checked when the file is loaded: an unknown section or key, a
 * bad number pattern, a rule that does not compile, a template naming an
 * unknown macro are all reported with FILE:LINE[:COL] and the load fails, so
 * nothing is found wrong at print time. Secrets (API tokens, SMTP passwords)
 * live only here; config_dump() masks them.
 *
 * Ownership: config_load() returns a config the caller frees with config_free().
 */
#ifndef PL_AGENT_CONFIG_H
#define PL_AGENT_CONFIG_H

#include "base/cfgview.h"
#include "base/diag.h"
#include "base/log.h"
#include "core/document.h"
#include "core/numbering.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct ruleset;
struct tmpl;

enum config_tmpl {
	CONFIG_TMPL_DOC_TITLE,
	CONFIG_TMPL_DOC_FOOTER,
	CONFIG_TMPL_DOC_NOTES,
	CONFIG_TMPL_EMAIL_SUBJECT,
	CONFIG_TMPL_COUNT
};

struct config {
	char path[1024];
	char store[1024]; /* DSN: "sqlite:PATH" or PATH */
	char station[64];
	char documents_dir[1024];
	char inbox[1024]; /* file-drop directory watched by `packline run`; "" = none */
	int poll_seconds; /* `packline run` cycle */
	/* `packline run` stops its HTTP/CUPS helper processes (base/sidecar.h)
	 * after this long without use: their memory goes back to the terminal */
	int helper_idle_seconds;
	enum pl_log_level log_level;
	bool log_level_set;
	struct numbering numbering[DOC_KIND_COUNT];
	struct ruleset *rules;
	size_t nrules;
	struct tmpl *tmpl[CONFIG_TMPL_COUNT]; /* NULL when not configured */
	char *tmpl_text[CONFIG_TMPL_COUNT];
	struct config_kv *kv;
	size_t nkv;
	/* what the modules see of their sections (base/cfgview.h); set by
	 * config_defaults() and config_load() */
	struct config_view view;
};

/* The module sections checked at load, one entry per section the agent
 * knows; the table is assembled in agent/config_sections.c (the composition
 * root), so this file includes no module that owns a section. */
extern const struct config_section config_sections[];
extern const size_t config_nsections;

/* Defaults only (no file): store "packline.db", built-in number patterns, no rules. */
int config_defaults(struct config **out);
/* Load a file over the defaults. Every error goes to `d` as "FILE:LINE[:COL]";
 * returns 0, or -PL_ECONFIG (then *out is NULL; also when the file cannot be
 * opened), -PL_ENOMEM. */
int config_load(struct config **out, const char *path, struct diag *d);
void config_free(struct config *c);
/* Value of `key` in [section "name"] (name may be "" for an unnamed section), or NULL. */
const char *config_get(const struct config *c, const char *section, const char *name,
		       const char *key);
/* There is a [section "name"] with at least one key. */
bool config_has_section(const struct config *c, const char *section, const char *name);
/* The view of `c` the modules read their sections through. */
const struct config_view *config_view(const struct config *c);
/* Print the effective configuration as INI (secrets masked). */
void config_dump(const struct config *c, FILE *out);
/* Built-in default number pattern for a kind. */
const char *config_default_pattern(enum doc_kind k, enum numbering_reset *reset);

#endif
