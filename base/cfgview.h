/* SPDX-License-Identifier: Apache-2.0 */
/* base/cfgview.h - a read-only view of the configuration's module sections.
 *
 * The INI file is read by agent/config.c, but a section such as
 * [printer "NAME"] or [label] belongs to the module that uses it
 * (fiscal/posnet_config.h, labels/label_config.h): that module parses and
 * checks it. This view is what those modules see, so they need nothing of
 * agent/ (which sits above them). The agent assembles its table of
 * struct config_section (agent/config_sections.c) and calls every checker
 * at load, so a wrong section is reported when the file loads.
 *
 * Ownership: the view borrows the key/values of its configuration; it is
 * valid while that configuration lives.
 */
#ifndef PL_BASE_CFGVIEW_H
#define PL_BASE_CFGVIEW_H

#include "base/diag.h"

#include <stdbool.h>
#include <stddef.h>

/* A key/value of a section that a module reads (printer, label, ...). */
struct config_kv {
	char section[32]; /* "printer" */
	char name[64];    /* the quoted name: [printer "fiscal"] -> "fiscal"; "" if none */
	char key[64];
	char *value; /* owned by the configuration */
	int line;
	int col; /* column of the value (1-based); 0 when unknown */
};

struct config_view {
	const char *path;    /* the file, for FILE:LINE; "" when none */
	const char *station; /* [packline] station */
	const struct config_kv *kv;
	size_t nkv;
};

/* A module's section: `check` reads and checks [name "X"] for one X (called
 * once per distinct X present in the file), adding every problem to `d` with
 * FILE:LINE. 0 or -PL_ECONFIG / -PL_ENOMEM. */
struct config_section {
	const char *name; /* "printer" */
	int (*check)(const struct config_view *v, const char *name, struct diag *d);
	const char *keys; /* the known keys, space-separated with spaces around: " a b " */
};

/* Value of `key` in [section "name"] (name NULL or "" = unnamed), or NULL;
 * the last occurrence wins. */
const char *cfgview_get(const struct config_view *v, const char *section, const char *name,
			const char *key);
/* The key/value itself (for its line), or NULL. */
const struct config_kv *cfgview_find(const struct config_view *v, const char *section,
				     const char *name, const char *key);
/* There is a [section "name"] with at least one key. */
bool cfgview_has_section(const struct config_view *v, const char *section, const char *name);
/* "FILE:LINE[:COL]" of `key` in [section "name"] (key NULL = the section's
 * first key), or "FILE" when there is no such key. */
void cfgview_where(const struct config_view *v, const char *section, const char *name,
		   const char *key, char *out, size_t cap);

#endif
