/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/test_store_jobs.c - the operator's store calls on a real SQLite
 * file: store_job_resolve refuses a live owner's job and a stale expected
 * state (CAS, nothing written), settles a lapsed/unknown job with a history
 * row and an audit row, re-arms a failed job; store_audit_list shows both. */
#include "store/store.h"
#include "base/err.h"
#include "base/log.h"
#include "tests/unit/check.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct seen {
	int resolve, retry, steps;
	char actor[80];
};

static int count_audit(const struct store_audit_entry *e, void *arg)
{
	struct seen *s = arg;

	if (strcmp(e->action, "job.resolve") == 0) {
		s->resolve++;
		snprintf(s->actor, sizeof(s->actor), "%s", e->actor);
	} else if (strcmp(e->action, "job.retry") == 0) {
		s->retry++;
	} else if (strncmp(e->action, "receipt.", 8) == 0) {
		s->steps++;
	}
	return 0;
}

int main(void)
{
	char dir[] = "/tmp/pl-store-jobs-XXXXXX", path[PATH_MAX];
	struct store *s = NULL;
	struct job j, got;
	struct seen seen = {0};
	struct job_claim c = {.owner = "st:1:live", .lease_ms = 60000};
	struct job_resolve r;

	pl_log_set_level(PL_LOG_ERROR);
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/jobs.db", dir);
	CHECK_OK(store_open(&s, path));
	if (!s)
		return check_done("test_store_jobs");

	memset(&j, 0, sizeof(j));
	snprintf(j.kind, sizeof(j.kind), "receipt");
	snprintf(j.idem_key, sizeof(j.idem_key), "receipt:t:1");
	snprintf(j.resource, sizeof(j.resource), "printer:fiscal");
	j.request = strdup("{}");
	CHECK_OK(store_job_begin(s, &j));
	CHECK_OK(store_job_update(s, j.id, JOB_SENDING, false, NULL));
	CHECK_OK(store_job_update(s, j.id, JOB_UNKNOWN, false, NULL));

	/* a live owner's job: refused, nothing written */
	c.id = j.id;
	memset(&got, 0, sizeof(got));
	CHECK_OK(store_job_claim(s, &c, &got));
	job_release(&got);
	r = (struct job_resolve){.id = j.id,
				 .from = JOB_UNKNOWN,
				 .to = JOB_DONE,
				 .actor = "ala",
				 .reason = "paper copy seen",
				 .now = 1};
	CHECK_INT(store_job_resolve(s, &r), -PL_ESTATE);
	CHECK_OK(store_audit_list(s, NULL, count_audit, &seen));
	CHECK_INT(seen.resolve, 0);

	/* the lease lapses: a stale expected state is still refused (CAS) */
	CHECK_OK(store_job_renew(s, j.id, "st:1:live", 1));
	usleep(20000);
	r.from = JOB_SENDING;
	CHECK_INT(store_job_resolve(s, &r), -PL_ESTATE);
	r.from = JOB_UNKNOWN;
	r.reason = NULL;
	CHECK_INT(store_job_resolve(s, &r), -PL_EINVAL);
	r.reason = "paper copy seen";
	CHECK_OK(store_job_resolve(s, &r));
	memset(&got, 0, sizeof(got));
	CHECK_OK(store_job_get(s, j.id, &got));
	CHECK_INT(got.state, JOB_DONE);
	CHECK_STR(got.owner, "");
	job_release(&got);
	/* done is final: a second resolve or a retry is refused */
	CHECK_INT(store_job_resolve(s, &r), -PL_ESTATE);
	r = (struct job_resolve){.id = j.id,
				 .from = JOB_DONE,
				 .to = JOB_PENDING,
				 .actor = "ala",
				 .reason = "again",
				 .now = 2};
	CHECK_INT(store_job_resolve(s, &r), -PL_ESTATE);

	memset(&seen, 0, sizeof(seen));
	CHECK_OK(store_audit_list(s, NULL, count_audit, &seen));
	CHECK_INT(seen.resolve, 1);
	CHECK_STR(seen.actor, "ala");
	CHECK(seen.steps >= 3); /* sending, unknown, claim, resolve in the history */

	/* a failed job is re-armed to pending with a new attempt and an audit row */
	job_release(&j);
	memset(&j, 0, sizeof(j));
	snprintf(j.kind, sizeof(j.kind), "receipt");
	snprintf(j.idem_key, sizeof(j.idem_key), "receipt:t:2");
	CHECK_OK(store_job_begin(s, &j));
	CHECK_OK(store_job_update(s, j.id, JOB_FAILED, false, NULL));
	r = (struct job_resolve){.id = j.id,
				 .from = JOB_FAILED,
				 .to = JOB_PENDING,
				 .actor = "bob",
				 .reason = "paper refilled",
				 .now = 3};
	CHECK_OK(store_job_resolve(s, &r));
	memset(&got, 0, sizeof(got));
	CHECK_OK(store_job_get(s, j.id, &got));
	CHECK_INT(got.state, JOB_PENDING);
	CHECK_INT(got.attempt, 2);
	job_release(&got);
	memset(&seen, 0, sizeof(seen));
	struct store_audit_filter f = {.object = "job:2", .limit = 0};
	CHECK_OK(store_audit_list(s, &f, count_audit, &seen));
	CHECK_INT(seen.retry, 1);
	CHECK_INT(seen.resolve, 0);

	job_release(&j);
	store_close(s);
	unlink(path);
	rmdir(dir);
	return check_done("test_store_jobs");
}
