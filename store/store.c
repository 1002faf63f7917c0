/* SPDX-License-Identifier: Apache-2.0 */
/* store/store.c - backend choice by DSN, job state names, job ownership.
 *
 * The backends live in store_<backend>.c; this file only routes a DSN to one
 * of them so that callers never name a backend.
 */
#include "store/store.h"
#include "base/err.h"
#include "base/log.h"

#include <stdlib.h>
#include <string.h>

static const char *const job_state_names[JOB_STATE_COUNT] = {
    [JOB_PENDING] = "pending", [JOB_SENDING] = "sending", [JOB_UNKNOWN] = "unknown",
    [JOB_DONE] = "done",       [JOB_FAILED] = "failed",   [JOB_CANCELLED] = "cancelled",
};

const char *job_state_name(enum job_state s)
{
	if ((unsigned)s >= JOB_STATE_COUNT)
		return "invalid";
	return job_state_names[s];
}

int job_state_parse(const char *s, enum job_state *out)
{
	if (!s)
		return -PL_EINVAL;
	for (int i = 0; i < JOB_STATE_COUNT; i++) {
		if (strcmp(s, job_state_names[i]) == 0) {
			*out = (enum job_state)i;
			return 0;
		}
	}
	return -PL_EINVAL;
}

void job_release(struct job *j)
{
	if (!j)
		return;
	free(j->request);
	free(j->result);
	j->request = NULL;
	j->result = NULL;
}

void doc_remote_release(struct doc_remote *r)
{
	if (!r)
		return;
	free(r->detail);
	r->detail = NULL;
}

/* "scheme:rest" -> true when s starts with `scheme` followed by ':'. */
static bool dsn_has_scheme(const char *dsn, const char *scheme)
{
	size_t n = strlen(scheme);

	return strncmp(dsn, scheme, n) == 0 && dsn[n] == ':';
}

int store_open(struct store **out, const char *dsn)
{
	*out = NULL;
	if (!dsn || !*dsn) {
		pl_err("cannot open store: empty DSN");
		return -PL_ECONFIG;
	}
	if (dsn_has_scheme(dsn, "postgres") || dsn_has_scheme(dsn, "postgresql")) {
		/* The PostgreSQL backend is its own issue; say so instead of
		 * falling back to a local file the operator did not ask for. */
		pl_err("cannot open store '%s': the PostgreSQL backend is not built yet; "
		       "use 'sqlite:PATH'",
		       dsn);
		return -PL_ENOTSUP;
	}
	/* "sqlite:PATH" or a plain path. A path that merely contains ':' (after
	 * the first '/') stays a path. */
	if (dsn_has_scheme(dsn, "sqlite"))
		return store_sqlite_ops.open(out, dsn + strlen("sqlite:"));
	const char *colon = strchr(dsn, ':');
	const char *slash = strchr(dsn, '/');
	if (colon && (!slash || colon < slash)) {
		pl_err("cannot open store '%s': unknown backend (known: sqlite, postgres)", dsn);
		return -PL_ECONFIG;
	}
	return store_sqlite_ops.open(out, dsn);
}
