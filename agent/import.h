/* SPDX-License-Identifier: Apache-2.0 */
/* agent/import.h - orders from JSON files into the store, all or nothing per file.
 *
 * The text is parsed and validated whole (core/order_json.h) before the
 * store is touched; then every order of the file goes in one transaction.
 * Used by `packline orders import` and by the file-drop inbox of `packline run`.
 *
 * Ownership: struct import_result is embedded by the caller and released
 * with import_result_release().
 */
#ifndef PL_AGENT_IMPORT_H
#define PL_AGENT_IMPORT_H

#include "store/store.h"
#include "base/diag.h"

#include <stddef.h>
#include <stdint.h>

#define IMPORT_FILE_MAX (16u * 1024 * 1024)

struct import_result {
	size_t n, inserted, updated, unchanged;
	int64_t *changed; /* store ids of the inserted or updated orders */
	size_t nchanged;
};

void import_result_release(struct import_result *r);
/* The *.json file names (not paths) in `dir`, sorted so that runs report the
 * same way; names starting with '.' are skipped (a file being written is
 * dropped as .name.tmp and renamed in). Free with import_names_free().
 * 0, -PL_EIO (logged) or -PL_ENOMEM. */
int import_list_dir(const char *dir, char ***names, size_t *n);
void import_names_free(char **names, size_t n);
/* Import one file ("-" = stdin). 0; -PL_EINVAL bad content (every error in d,
 * nothing stored); -PL_EIO cannot read; -PL_ETOOBIG over IMPORT_FILE_MAX;
 * -PL_ESTORE the store failed (nothing stored; stop). */
int import_file(struct store *st, const char *path, int64_t now, struct import_result *r,
		struct diag *d);

#endif
