/* SPDX-License-Identifier: Apache-2.0 */
/* agent/import.c - orders from JSON files into the store, all or nothing per file. */
#include "agent/import.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/log.h"
#include "core/order_json.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void import_result_release(struct import_result *r)
{
	free(r->changed);
	memset(r, 0, sizeof(*r));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int import_list_dir(const char *dir, char ***names, size_t *n)
{
	DIR *dp = opendir(dir);
	struct dirent *de;
	char **v = NULL;
	size_t k = 0;

	*names = NULL;
	*n = 0;
	if (!dp) {
		pl_err("cannot open directory '%s': %s", dir, strerror(errno));
		return -PL_EIO;
	}
	while ((de = readdir(dp))) {
		size_t l = strlen(de->d_name);
		char **nv;
		if (de->d_name[0] == '.' || l < 6 || strcmp(de->d_name + l - 5, ".json") != 0)
			continue;
		nv = realloc(v, (k + 1) * sizeof(*v));
		if (!nv || !(nv[k] = strdup(de->d_name))) {
			import_names_free(nv ? nv : v, k);
			closedir(dp);
			return -PL_ENOMEM;
		}
		v = nv;
		k++;
	}
	closedir(dp);
	if (v)
		qsort(v, k, sizeof(*v), cmp_str);
	*names = v;
	*n = k;
	return 0;
}

void import_names_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static int read_all(const char *path, struct buf *b, struct diag *d)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	char chunk[65536];
	size_t n;
	int rc = 0;

	if (!f) {
		diag_add(d, path, "cannot open: %s", strerror(errno));
		return -PL_EIO;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		rc = buf_append(b, chunk, n);
		if (rc) {
			diag_add(d, path, "larger than the %u MiB cap on an order file (%u bytes)",
				 IMPORT_FILE_MAX / (1024 * 1024), IMPORT_FILE_MAX);
			break;
		}
	}
	if (!rc && ferror(f)) {
		diag_add(d, path, "cannot read: %s", strerror(errno));
		rc = -PL_EIO;
	}
	if (f != stdin)
		fclose(f);
	return rc;
}

int import_file(struct store *st, const char *path, int64_t now, struct import_result *r,
		struct diag *d)
{
	struct buf b;
	struct order *v = NULL;
	enum store_upsert *outs = NULL;
	size_t n = 0;
	int rc;

	memset(r, 0, sizeof(*r));
	buf_init(&b, IMPORT_FILE_MAX);
	rc = read_all(path, &b, d);
	if (rc)
		goto out;
	rc = order_json_parse(b.data ? b.data : "", b.len, &v, &n, d);
	if (rc)
		goto out;
	outs = calloc(n, sizeof(*outs));
	r->changed = calloc(n, sizeof(*r->changed));
	if (!outs || !r->changed) {
		rc = -PL_ENOMEM;
		goto out;
	}
	rc = store_order_upsert_many(st, v, n, now, outs);
	if (rc) {
		diag_add(d, path, "cannot store: %s", pl_strerror(rc));
		goto out;
	}
	r->n = n;
	for (size_t i = 0; i < n; i++) {
		r->inserted += outs[i] == STORE_INSERTED;
		r->updated += outs[i] == STORE_UPDATED;
		r->unchanged += outs[i] == STORE_UNCHANGED;
		if (outs[i] != STORE_UNCHANGED)
			r->changed[r->nchanged++] = v[i].id;
	}
out:
	if (rc) {
		free(r->changed);
		memset(r, 0, sizeof(*r));
	}
	free(outs);
	order_array_free(v, n);
	buf_release(&b);
	return rc;
}
