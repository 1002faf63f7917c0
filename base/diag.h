/* SPDX-License-Identifier: Apache-2.0 */
/* base/diag.h - a list of input errors, each with the place it names.
 *
 * Validators do not stop at the first problem: they add every error they find
 * ("file.json: $.lines[2].ean: check digit is 7, expected 3") so that one run
 * tells the operator everything. The list has a cap; past it one line says how
 * many more there were.
 *
 * A warning is an entry that does not make the input wrong (a rule comparing
 * status with "payed" is legal: a shop may use its own statuses), so
 * diag_count() does not count it and loaders still succeed; diag_print()
 * marks it "warning:" and `config check` shows it.
 *
 * Ownership: struct diag is embedded by the caller; diag_release() frees it.
 */
#ifndef PL_BASE_DIAG_H
#define PL_BASE_DIAG_H

#include <stddef.h>
#include <stdio.h>

#define DIAG_MAX_ENTRIES 200

struct diag_entry {
	char *where; /* "$.buyer.nip", "rules.ini:12:7" */
	char *msg;
	int warning; /* 1: diag_warn(), not counted by diag_count() */
};

struct diag {
	struct diag_entry *v;
	size_t n;
	size_t cap;
	size_t dropped;  /* errors past DIAG_MAX_ENTRIES */
	size_t nwarn;    /* entries of v[] that are warnings */
	size_t wdropped; /* warnings past DIAG_MAX_ENTRIES */
};

void diag_init(struct diag *d);
void diag_release(struct diag *d);
/* Add an error at `where` (may be NULL). Never fails: on OOM the entry is counted as dropped. */
void diag_add(struct diag *d, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Add a warning: shown, but the input stays valid. */
void diag_warn(struct diag *d, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Errors only (warnings are not counted). */
size_t diag_count(const struct diag *d);
size_t diag_warn_count(const struct diag *d);
/* Print "prefix: where: msg" lines (prefix may be NULL). */
void diag_print(const struct diag *d, FILE *out, const char *prefix);

#endif
