/* SPDX-License-Identifier: Apache-2.0 */
/* base/diag.c - a capped list of input errors with their places. */
#include "base/diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void diag_init(struct diag *d)
{
	memset(d, 0, sizeof(*d));
}

void diag_release(struct diag *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].where);
		free(d->v[i].msg);
	}
	free(d->v);
	diag_init(d);
}

static void diag_vadd(struct diag *d, int warning, const char *where, const char *fmt, va_list ap)
{
	char msg[512];
	struct diag_entry *e;
	size_t *dropped = warning ? &d->wdropped : &d->dropped;

	if (d->n >= DIAG_MAX_ENTRIES) {
		(*dropped)++;
		return;
	}
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 8;
		struct diag_entry *v = realloc(d->v, cap * sizeof(*v));
		if (!v) {
			(*dropped)++;
			return;
		}
		d->v = v;
		d->cap = cap;
	}
	vsnprintf(msg, sizeof(msg), fmt, ap);
	e = &d->v[d->n];
	e->where = where ? strdup(where) : NULL;
	e->msg = strdup(msg);
	e->warning = warning;
	if (!e->msg || (where && !e->where)) {
		free(e->where);
		free(e->msg);
		(*dropped)++;
		return;
	}
	d->n++;
	if (warning)
		d->nwarn++;
}

void diag_add(struct diag *d, const char *where, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(d, 0, where, fmt, ap);
	va_end(ap);
}

void diag_warn(struct diag *d, const char *where, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(d, 1, where, fmt, ap);
	va_end(ap);
}

size_t diag_count(const struct diag *d)
{
	return d->n - d->nwarn + d->dropped;
}

size_t diag_warn_count(const struct diag *d)
{
	return d->nwarn + d->wdropped;
}

void diag_print(const struct diag *d, FILE *out, const char *prefix)
{
	for (size_t i = 0; i < d->n; i++) {
		if (prefix)
			fprintf(out, "%s: ", prefix);
		if (d->v[i].where)
			fprintf(out, "%s: ", d->v[i].where);
		if (d->v[i].warning)
			fputs("warning: ", out);
		fprintf(out, "%s\n", d->v[i].msg);
	}
	if (d->dropped)
		fprintf(out, "%s%s... and %zu more errors\n", prefix ? prefix : "",
			prefix ? ": " : "", d->dropped);
	if (d->wdropped)
		fprintf(out, "%s%s... and %zu more warnings\n", prefix ? prefix : "",
			prefix ? ": " : "", d->wdropped);
}
