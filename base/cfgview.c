/* SPDX-License-Identifier: Apache-2.0 */
/* base/cfgview.c - look-ups in the configuration's module sections (see cfgview.h). */
#include "base/cfgview.h"

#include <stdio.h>
#include <string.h>

static bool kv_in(const struct config_kv *kv, const char *section, const char *name)
{
	return strcmp(kv->section, section) == 0 && strcmp(kv->name, name ? name : "") == 0;
}

const struct config_kv *cfgview_find(const struct config_view *v, const char *section,
				     const char *name, const char *key)
{
	const struct config_kv *found = NULL;

	for (size_t i = 0; i < v->nkv; i++)
		if (kv_in(&v->kv[i], section, name) && (!key || strcmp(v->kv[i].key, key) == 0)) {
			found = &v->kv[i];
			if (!key)
				break; /* the section's first key */
		}
	return found;
}

const char *cfgview_get(const struct config_view *v, const char *section, const char *name,
			const char *key)
{
	const struct config_kv *kv = cfgview_find(v, section, name, key);

	return kv ? kv->value : NULL;
}

bool cfgview_has_section(const struct config_view *v, const char *section, const char *name)
{
	return cfgview_find(v, section, name, NULL) != NULL;
}

void cfgview_where(const struct config_view *v, const char *section, const char *name,
		   const char *key, char *out, size_t cap)
{
	const struct config_kv *kv = cfgview_find(v, section, name, key);
	const char *path = v->path && v->path[0] ? v->path : "config";

	if (!kv && key)
		kv = cfgview_find(v, section, name, NULL);
	if (!kv)
		snprintf(out, cap, "%s", path);
	else if (key && kv->col > 0 && strcmp(kv->key, key) == 0)
		snprintf(out, cap, "%s:%d:%d", path, kv->line, kv->col);
	else
		snprintf(out, cap, "%s:%d", path, kv->line);
}
