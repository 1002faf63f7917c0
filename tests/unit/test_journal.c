/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/test_journal.c - claims, CAS and leases of the store, and the
 * journal engine, on real SQLite files with several connections and
 * processes.
 */
#include "journal/journal.h"
#include "base/err.h"
#include "base/log.h"
#include "core/document.h"
#include "core/numbering.h"
#include "store/store.h"
#include "tests/unit/check.h"

#include <sqlite3.h>

#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char tmpdir[] = "/tmp/pl-journal-XXXXXX";

static void db_path(char *out, size_t size, const char *name)
{
	snprintf(out, size, "%s/%s", tmpdir, name);
}

static int64_t sql_int(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int64_t v = -1;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static struct store *open_store(const char *path)
{
	struct store *s = NULL;
	int rc = store_open(&s, path);

	CHECK_OK(rc);
	if (rc)
		exit(1);
	return s;
}

static int64_t add_job(struct store *s, const char *kind, const char *key, const char *resource)
{
	struct job j;

	memset(&j, 0, sizeof(j));
	snprintf(j.kind, sizeof(j.kind), "%s", kind);
	snprintf(j.idem_key, sizeof(j.idem_key), "%s", key);
	snprintf(j.resource, sizeof(j.resource), "%s", resource ? resource : "");
	j.request = strdup("{\"v\":1}");
	CHECK_OK(store_job_begin(s, &j));
	job_release(&j);
	return j.id;
}

static int claim(struct store *s, const char *owner, int64_t id, int64_t lease_ms, struct job *out)
{
	struct job_claim c = {.owner = owner, .lease_ms = lease_ms, .id = id};
	struct job tmp;
	int rc;

	memset(&tmp, 0, sizeof(tmp));
	rc = store_job_claim(s, &c, out ? out : &tmp);
	if (!out && rc == 0)
		job_release(&tmp);
	return rc;
}

static int stepj(struct store *s, int64_t id, const char *owner, enum job_state from,
		 enum job_state to)
{
	struct job_step js = {.id = id, .owner = owner, .from = from, .to = to};
	return store_job_step(s, &js);
}

/* Two connections race for one job: one wins, the other is told busy; the
 * loser's CAS steps fail with -PL_ELOST and change nothing. */
static void test_lost_race(void)
{
	char path[PATH_MAX];
	struct store *a, *b;
	struct job got;
	int64_t id;

	db_path(path, sizeof(path), "race.db");
	a = open_store(path);
	b = open_store(path);
	id = add_job(a, "invoice", "invoice:shop:1", NULL);
	memset(&got, 0, sizeof(got));
	CHECK_OK(claim(a, "st:1:aaaa", id, 60000, &got));
	CHECK_STR(got.owner, "st:1:aaaa");
	CHECK(!got.reclaimed);
	job_release(&got);
	CHECK_INT(claim(b, "st:2:bbbb", id, 60000, NULL), -PL_EBUSY);
	/* the loser's steps are refused: expected owner does not match */
	CHECK_INT(stepj(b, id, "st:2:bbbb", JOB_PENDING, JOB_SENDING), -PL_ELOST);
	/* a wrong expected state is refused too, even for the owner */
	CHECK_INT(stepj(a, id, "st:1:aaaa", JOB_SENDING, JOB_DONE), -PL_ELOST);
	/* unowned-style updates cannot touch a claimed job */
	CHECK_INT(store_job_update(b, id, JOB_CANCELLED, false, NULL), -PL_ELOST);
	CHECK_OK(stepj(a, id, "st:1:aaaa", JOB_PENDING, JOB_SENDING));
	/* SENDING -> SENDING only by the owner */
	CHECK_INT(stepj(b, id, "st:2:bbbb", JOB_SENDING, JOB_SENDING), -PL_ELOST);
	CHECK_OK(stepj(a, id, "st:1:aaaa", JOB_SENDING, JOB_DONE));
	/* done released the claim and is final */
	CHECK_INT(claim(b, "st:2:bbbb", id, 60000, NULL), -PL_ESTATE);
	CHECK_INT(sql_int(path, "SELECT count(*) FROM jobs WHERE owner <> ''"), 0);
	/* history: intent, claim, sending, done */
	CHECK_INT(sql_int(path, "SELECT count(*) FROM job_attempts"), 4);
	store_close(a);
	store_close(b);
}

/* A live owner's claim is never taken; a lapsed lease is reclaimed and the
 * new owner is told to look the outcome up (reclaimed). */
static void test_lease(void)
{
	char path[PATH_MAX];
	struct store *a, *b;
	struct job got;
	int64_t id;

	db_path(path, sizeof(path), "lease.db");
	a = open_store(path);
	b = open_store(path);
	id = add_job(a, "receipt", "receipt:shop:1", "printer:fiscal");
	CHECK_OK(claim(a, "st:1:aaaa", id, 300, NULL));
	CHECK_OK(stepj(a, id, "st:1:aaaa", JOB_PENDING, JOB_SENDING));
	CHECK_INT(claim(b, "st:2:bbbb", id, 60000, NULL), -PL_EBUSY);
	/* renewing keeps it live past the first lease */
	poll(NULL, 0, 200);
	CHECK_OK(store_job_renew(a, id, "st:1:aaaa", 300));
	poll(NULL, 0, 200);
	CHECK_INT(claim(b, "st:2:bbbb", id, 60000, NULL), -PL_EBUSY);
	CHECK_INT(store_job_renew(b, id, "st:2:bbbb", 300), -PL_ELOST);
	/* owner stops renewing: the lease lapses, b reclaims it */
	poll(NULL, 0, 400);
	memset(&got, 0, sizeof(got));
	CHECK_OK(claim(b, "st:2:bbbb", 0, 60000, &got));
	CHECK_INT(got.id, id);
	CHECK(got.reclaimed);
	CHECK_INT(got.state, JOB_SENDING);
	job_release(&got);
	/* the old owner wakes up: every step of it is refused */
	CHECK_INT(stepj(a, id, "st:1:aaaa", JOB_SENDING, JOB_DONE), -PL_ELOST);
	CHECK_INT(store_job_renew(a, id, "st:1:aaaa", 300), -PL_ELOST);
	CHECK_OK(stepj(b, id, "st:2:bbbb", JOB_SENDING, JOB_UNKNOWN));
	CHECK_OK(stepj(b, id, "st:2:bbbb", JOB_UNKNOWN, JOB_DONE));
	store_close(a);
	store_close(b);
}

static bool all_gone(const char *owner, void *arg)
{
	(void)arg;
	return strncmp(owner, "dead:", 5) == 0;
}

/* Jobs on one resource are never claimed together; an unsettled job on it
 * is reconciled before a pending one starts, and a held one blocks. */
static void test_resource(void)
{
	char path[PATH_MAX];
	struct store *a, *b;
	struct job got;
	struct job_claim c = {.owner = "st:2:bbbb", .lease_ms = 60000};
	int64_t r1, r2, inv, other;

	db_path(path, sizeof(path), "resource.db");
	a = open_store(path);
	b = open_store(path);
	r1 = add_job(a, "receipt", "receipt:shop:1", "printer:fiscal");
	r2 = add_job(a, "receipt", "receipt:shop:2", "printer:fiscal");
	inv = add_job(a, "invoice", "invoice:shop:3", NULL);
	other = add_job(a, "receipt", "receipt:shop:4", "printer:other");
	CHECK_OK(claim(a, "st:1:aaaa", r1, 60000, NULL));
	/* the same printer's second receipt waits; other work goes on */
	CHECK_INT(claim(b, "st:2:bbbb", r2, 60000, NULL), -PL_EBUSY);
	memset(&got, 0, sizeof(got));
	CHECK_OK(store_job_claim(b, &c, &got));
	CHECK_INT(got.id, inv);
	job_release(&got);
	CHECK_OK(store_job_claim(b, &c, &got));
	CHECK_INT(got.id, other);
	job_release(&got);
	CHECK_INT(store_job_claim(b, &c, &got), -PL_ENOTFOUND);
	/* r1 is left unknown and held for the operator: r2 is blocked */
	CHECK_OK(stepj(a, r1, "st:1:aaaa", JOB_PENDING, JOB_SENDING));
	{
		struct job_step js = {.id = r1,
				      .owner = "st:1:aaaa",
				      .from = JOB_SENDING,
				      .to = JOB_UNKNOWN,
				      .release = true,
				      .not_before = JOB_HELD};
		CHECK_OK(store_job_step(a, &js));
	}
	CHECK_INT(claim(b, "st:2:bbbb", r2, 60000, NULL), -PL_ESTATE);
	CHECK_INT(claim(b, "st:2:bbbb", r1, 60000, NULL), -PL_ESTATE);
	CHECK_INT(store_job_claim(b, &c, &got), -PL_ENOTFOUND);
	/* the operator settles r1: r2 may go */
	CHECK_OK(store_job_update(a, r1, JOB_DONE, false, NULL));
	CHECK_OK(claim(b, "st:2:bbbb", r2, 60000, NULL));
	CHECK_OK(stepj(b, r2, "st:2:bbbb", JOB_PENDING, JOB_SENDING));
	store_close(a);
	store_close(b);

	/* a label printer's resource is exclusive but not ordered: a held
	 * label waits alone, later labels print; a claimed one still excludes */
	db_path(path, sizeof(path), "label-resource.db");
	a = open_store(path);
	b = open_store(path);
	r1 = add_job(a, "label", "label:shop:1", "label:default");
	r2 = add_job(a, "label", "label:shop:2", "label:default");
	inv = add_job(a, "label", "label:shop:3", "label:default");
	CHECK_OK(claim(a, "st:1:aaaa", r1, 60000, NULL));
	CHECK_INT(claim(b, "st:2:bbbb", r2, 60000, NULL), -PL_EBUSY);
	CHECK_OK(stepj(a, r1, "st:1:aaaa", JOB_PENDING, JOB_SENDING));
	{
		struct job_step js = {.id = r1,
				      .owner = "st:1:aaaa",
				      .from = JOB_SENDING,
				      .to = JOB_UNKNOWN,
				      .release = true,
				      .not_before = JOB_HELD};
		CHECK_OK(store_job_step(a, &js));
	}
	CHECK_OK(claim(b, "st:2:bbbb", r2, 60000, NULL));
	CHECK_INT(claim(a, "st:1:aaaa", inv, 60000, NULL), -PL_EBUSY);
	CHECK(!job_resource_ordered("label:default"));
	CHECK(job_resource_ordered("printer:fiscal"));
	store_close(a);
	store_close(b);

	/* an owner known to be gone (same station, dead pid) is taken over at
	 * once, and its unsettled job comes before a pending one */
	db_path(path, sizeof(path), "gone.db");
	a = open_store(path);
	r1 = add_job(a, "receipt", "receipt:shop:1", "printer:fiscal");
	r2 = add_job(a, "receipt", "receipt:shop:2", "printer:fiscal");
	CHECK_OK(claim(a, "dead:1:aaaa", r1, 60000, NULL));
	CHECK_OK(stepj(a, r1, "dead:1:aaaa", JOB_PENDING, JOB_SENDING));
	c.gone = all_gone;
	c.id = r2;
	CHECK_INT(store_job_claim(a, &c, &got), -PL_EBUSY);
	c.id = 0;
	memset(&got, 0, sizeof(got));
	CHECK_OK(store_job_claim(a, &c, &got));
	CHECK_INT(got.id, r1);
	CHECK(got.reclaimed);
	job_release(&got);
	store_close(a);
}

/* The document and its number are made by the owner only, in the CAS
 * transaction; a done step issues it in the same commit (#8). */
static void test_doc(void)
{
	char path[PATH_MAX];
	struct store *a, *b;
	struct document d;
	struct numbering num;
	int64_t id;
	size_t fixed = 9;

	db_path(path, sizeof(path), "doc.db");
	a = open_store(path);
	b = open_store(path);
	CHECK_OK(numbering_init(&num, "FV/{N}/{YYYY}", NUM_RESET_YEAR, NULL, "test"));
	id = add_job(a, "invoice", "invoice:shop:1", NULL);
	CHECK_OK(claim(a, "st:1:aaaa", id, 60000, NULL));
	doc_init(&d);
	d.kind = DOC_INVOICE;
	snprintf(d.issue_date, sizeof(d.issue_date), "2026-12-07");
	snprintf(d.sale_date, sizeof(d.sale_date), "2026-12-07");
	snprintf(d.currency, sizeof(d.currency), "PLN");
	snprintf(d.backend, sizeof(d.backend), "local");
	d.state = DOC_PENDING;
	/* the loser creates nothing and takes no number */
	CHECK_INT(store_job_doc_insert(b, id, "st:2:bbbb", &d, &num), -PL_ELOST);
	CHECK_INT(sql_int(path, "SELECT count(*) FROM documents"), 0);
	CHECK_INT(sql_int(path, "SELECT count(*) FROM number_counters"), 0);
	CHECK_OK(store_job_doc_insert(a, id, "st:1:aaaa", &d, &num));
	CHECK(d.id > 0);
	CHECK(d.number[0] != '\0');
	CHECK_INT(store_job_doc_insert(a, id, "st:1:aaaa", &d, &num), -PL_EEXIST);
	CHECK_INT(sql_int(path, "SELECT count(*) FROM documents"), 1);
	CHECK_OK(stepj(a, id, "st:1:aaaa", JOB_PENDING, JOB_SENDING));
	{
		struct job_step js = {.id = id,
				      .owner = "st:1:aaaa",
				      .from = JOB_SENDING,
				      .to = JOB_DONE,
				      .result = "{\"key\":\"K1\"}",
				      .doc_id = d.id,
				      .doc_state = DOC_ISSUED,
				      .remote_id = "K1"};
		CHECK_OK(store_job_step(a, &js));
	}
	CHECK_INT(sql_int(path, "SELECT count(*) FROM documents WHERE state = 'issued'"), 1);
	/* old data: a done job whose document stayed pending is repaired */
	CHECK_OK(store_doc_set_state(a, d.id, DOC_CANCELLED, NULL));
	{
		char sql[128];
		sqlite3 *db;
		snprintf(sql, sizeof(sql), "UPDATE documents SET state = 'pending' WHERE id = %lld",
			 (long long)d.id);
		CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
		CHECK_INT(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
		sqlite3_close(db);
	}
	CHECK_OK(store_job_repair(b, &fixed));
	CHECK_INT(fixed, 1);
	CHECK_INT(sql_int(path, "SELECT count(*) FROM documents WHERE state = 'issued' AND "
				"remote_id = 'K1'"),
		  1);
	doc_release(&d);
	store_close(a);
	store_close(b);
}

/* Four processes claim from 200 jobs at once: each job is claimed and done
 * exactly once, and two jobs of one resource are never held together. */
#define RACE_PROCS 4
#define RACE_JOBS  200
static void race_child(const char *path, int n)
{
	struct store *s = NULL;
	char owner[64];
	struct job_claim c = {.lease_ms = 60000};
	int rc;

	snprintf(owner, sizeof(owner), "st:%d:c%d", (int)getpid(), n);
	c.owner = owner;
	if (store_open(&s, path))
		_exit(2);
	for (;;) {
		struct job got;
		memset(&got, 0, sizeof(got));
		rc = store_job_claim(s, &c, &got);
		if (rc == -PL_ENOTFOUND)
			break;
		if (rc)
			_exit(3);
		if (got.resource[0]) {
			/* nobody else may hold this resource now */
			char sql[160];
			sqlite3 *db;
			sqlite3_stmt *st;
			int others = -1;
			snprintf(sql, sizeof(sql),
				 "SELECT count(*) FROM jobs WHERE resource = '%s' AND owner <> '' "
				 "AND id <> %lld",
				 got.resource, (long long)got.id);
			if (sqlite3_open(path, &db) == SQLITE_OK &&
			    sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
			    sqlite3_step(st) == SQLITE_ROW) {
				others = sqlite3_column_int(st, 0);
				sqlite3_finalize(st);
			}
			sqlite3_close(db);
			if (others != 0)
				_exit(4);
		}
		if (stepj(s, got.id, owner, JOB_PENDING, JOB_SENDING) ||
		    stepj(s, got.id, owner, JOB_SENDING, JOB_DONE))
			_exit(5);
		job_release(&got);
	}
	store_close(s);
	_exit(0);
}

static void test_processes(void)
{
	char path[PATH_MAX];
	struct store *s;
	pid_t pids[RACE_PROCS];

	db_path(path, sizeof(path), "procs.db");
	s = open_store(path);
	for (int i = 0; i < RACE_JOBS; i++) {
		char key[32];
		snprintf(key, sizeof(key), "receipt:shop:%d", i);
		add_job(s, i % 2 ? "receipt" : "invoice", key, i % 2 ? "printer:fiscal" : NULL);
	}
	store_close(s);
	for (int i = 0; i < RACE_PROCS; i++) {
		pids[i] = fork();
		if (pids[i] == 0)
			race_child(path, i);
	}
	for (int i = 0; i < RACE_PROCS; i++) {
		int st = 0;
		waitpid(pids[i], &st, 0);
		CHECK(WIFEXITED(st));
		CHECK_INT(WEXITSTATUS(st), 0);
	}
	CHECK_INT(sql_int(path, "SELECT count(*) FROM jobs WHERE state = 'done'"), RACE_JOBS);
	/* exactly one claim per job */
	CHECK_INT(sql_int(path, "SELECT count(*) FROM job_attempts WHERE note LIKE 'claimed%'"),
		  RACE_JOBS);
	CHECK_INT(sql_int(path, "SELECT count(*) FROM (SELECT job_id FROM job_attempts WHERE "
				"to_state = 'done' GROUP BY job_id HAVING count(*) > 1)"),
		  0);
}

int main(void)
{
	pl_log_set_level(PL_LOG_ERROR);
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_lost_race();
	test_lease();
	test_resource();
	test_doc();
	test_processes();
	if (check_fail == 0) {
		char cmd[PATH_MAX + 16];
		snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", tmpdir);
	}
	return check_done("test_journal");
}
