/* SPDX-License-Identifier: Apache-2.0 */
/* agent/jobs_cli.c - `packline jobs list|show|resolve|retry` and `packline audit`. */
#include "agent/jobs_cli.h"
#include "agent/cli.h"
#include "base/clock.h"
#include "base/err.h"

#include <cjson/cJSON.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define JOBS_REASON_MAX 400 /* bytes of an operator's reason kept */

/* ---- small helpers --------------------------------------------------------- */

static void fmt_ms(int64_t ms, char *out, size_t cap)
{
	char t[21];

	pl_format_iso8601(ms / 1000, t);
	snprintf(out, cap, "%s", t);
}

static const struct jobs_cli_ctx *ctx; /* the command being run (one per process) */

static struct store *use(const struct jobs_cli_ctx *cx)
{
	ctx = cx;
	return cx->store;
}

static int parse_id(const char *s, int64_t *out)
{
	long long v;

	if (s[0] == '#')
		s++;
	if (ctx->parse_count(s, 1, INT64_MAX, &v))
		return -PL_EINVAL;
	*out = v;
	return 0;
}

/* The order a user names: its number, SOURCE:EXT_ID or #ROWID. */
static int find_order(struct store *st, const char *ref, struct order *o)
{
	const char *colon = strchr(ref, ':');
	int64_t id;
	int rc;

	if (ref[0] == '#' && parse_id(ref, &id) == 0)
		return store_order_get(st, id, o);
	rc = store_order_find_number(st, ref, o);
	if (rc != -PL_ENOTFOUND)
		return rc;
	if (colon && colon - ref < 16) {
		char source[16];
		memcpy(source, ref, (size_t)(colon - ref));
		source[colon - ref] = '\0';
		return store_order_find(st, source, colon + 1, o);
	}
	return -PL_ENOTFOUND;
}

static void order_label(struct store *st, int64_t order_id, char *out, size_t cap)
{
	struct order o;

	snprintf(out, cap, "-");
	if (order_id <= 0)
		return;
	order_init(&o);
	if (store_order_get(st, order_id, &o) == 0)
		snprintf(out, cap, "%s", o.number[0] ? o.number : o.ext_id);
	order_release(&o);
}

/* Load job `arg`; unknown or malformed ids are the caller's input error. */
static int load_job(struct store *st, const char *arg, struct job *j)
{
	int64_t id;
	int rc;

	memset(j, 0, sizeof(*j));
	if (parse_id(arg, &id)) {
		fprintf(stderr,
			"packline: '%s' is not a job id (a number, see `packline jobs list`)\n",
			arg);
		return CLI_EINPUT;
	}
	rc = store_job_get(st, id, j);
	if (rc == -PL_ENOTFOUND) {
		fprintf(stderr, "packline: no job %" PRId64 " in the journal\n", id);
		return CLI_EINPUT;
	}
	if (rc) {
		fprintf(stderr, "packline: cannot read job %" PRId64 ": %s\n", id, pl_strerror(rc));
		return CLI_ESTORE;
	}
	return CLI_OK;
}

/* Live claim: some worker is acting on the job right now. */
static bool claimed_live(const struct job *j)
{
	return j->owner[0] && j->lease_until >= pl_now_ms();
}

/* A job nothing in the agent will settle by itself: the operator's. */
static bool needs_operator(const struct job *j)
{
	if (j->state == JOB_UNKNOWN)
		return true;
	return j->state == JOB_SENDING && !claimed_live(j);
}

/* One phrase for the job's situation beyond its state. */
static void job_note(const struct job *j, char *out, size_t cap)
{
	cJSON *r = j->result ? cJSON_Parse(j->result) : NULL;
	const cJSON *m = r ? cJSON_GetObjectItemCaseSensitive(r, "message") : NULL;
	const char *msg = cJSON_IsString(m) ? m->valuestring : "";
	const char *flag = "";

	if (claimed_live(j))
		flag = "in progress; ";
	else if (j->not_before == JOB_HELD && j->state != JOB_DONE && j->state != JOB_FAILED &&
		 j->state != JOB_CANCELLED)
		flag = "HELD for the operator; ";
	else if (needs_operator(j))
		flag = "outcome not known; ";
	snprintf(out, cap, "%s%s", flag, msg);
	cJSON_Delete(r);
}

static const char *actor_default(void)
{
	const char *u = getenv("USER");
	struct passwd *pw;

	if (u && *u)
		return u;
	pw = getpwuid(geteuid());
	return pw && pw->pw_name ? pw->pw_name : "operator";
}

/* ---- jobs list ------------------------------------------------------------- */

struct job_vec {
	struct job *v;
	size_t n, cap;
	const char *kind;
	int64_t order_id;
	int err;
};

static int collect_job(const struct job *j, void *arg)
{
	struct job_vec *jv = arg;
	struct job *c;

	if (jv->kind && strcmp(j->kind, jv->kind) != 0)
		return 0;
	if (jv->order_id && j->order_id != jv->order_id)
		return 0;
	if (jv->n == jv->cap) {
		size_t ncap = jv->cap ? jv->cap * 2 : 32;
		struct job *nv = realloc(jv->v, ncap * sizeof(*nv));
		if (!nv) {
			jv->err = -PL_ENOMEM;
			return 1;
		}
		jv->v = nv;
		jv->cap = ncap;
	}
	c = &jv->v[jv->n];
	*c = *j;
	c->request = j->request ? strdup(j->request) : NULL;
	c->result = j->result ? strdup(j->result) : NULL;
	if ((j->request && !c->request) || (j->result && !c->result)) {
		job_release(c);
		jv->err = -PL_ENOMEM;
		return 1;
	}
	jv->n++;
	return 0;
}

static int by_id(const void *a, const void *b)
{
	const struct job *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

/* Kinds of job the engine and the agent record (journal_effect_ops.kind). */
static const char *const job_kinds[] = {"receipt",     "fiscal_return", "document",  "label",
					"invoice",     "email",         "upload",    "smartbill",
					"fakturownia", "fkt_ksef",      "fkt_cancel"};

static void fmt_age(int64_t ms, char *out, size_t cap)
{
	int64_t s = ms > 0 ? ms / 1000 : 0;

	if (s < 120)
		snprintf(out, cap, "%" PRId64 "s", s);
	else if (s < 7200)
		snprintf(out, cap, "%" PRId64 "m", s / 60);
	else if (s < 172800)
		snprintf(out, cap, "%" PRId64 "h", s / 3600);
	else
		snprintf(out, cap, "%" PRId64 "d", s / 86400);
}

static const char list_usage[] =
    "usage: packline jobs list [--state S] [--kind K] [--order ORDER] [--limit N]\n";

int jobs_cli_list(const struct jobs_cli_ctx *cx, int argc, char **argv)
{
	struct store *st = use(cx);
	static const struct option opts[] = {{"state", required_argument, NULL, 's'},
					     {"kind", required_argument, NULL, 'k'},
					     {"order", required_argument, NULL, 'o'},
					     {"limit", required_argument, NULL, 'l'},
					     {NULL, 0, NULL, 0}};
	struct job_vec jv = {0};
	enum job_state only = JOB_STATE_COUNT;
	const char *order_ref = NULL, *why;
	long long limit = 0;
	int64_t now = pl_now_ms();
	int c, rc = 0, ret = CLI_OK;
	size_t shown;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (job_state_parse(optarg, &only)) {
				fprintf(
				    stderr,
				    "packline: unknown job state '%s' (valid: pending, sending, "
				    "unknown, done, failed, cancelled)\n",
				    optarg);
				return CLI_EUSAGE;
			}
			break;
		case 'k': {
			bool ok = false;
			for (size_t i = 0; i < sizeof(job_kinds) / sizeof(job_kinds[0]); i++)
				ok = ok || strcmp(optarg, job_kinds[i]) == 0;
			if (!ok) {
				fprintf(stderr, "packline: unknown job kind '%s' (valid:", optarg);
				for (size_t i = 0; i < sizeof(job_kinds) / sizeof(job_kinds[0]);
				     i++)
					fprintf(stderr, "%s %s", i ? "," : "", job_kinds[i]);
				fprintf(stderr, ")\n");
				return CLI_EUSAGE;
			}
			jv.kind = optarg;
			break;
		}
		case 'o':
			order_ref = optarg;
			break;
		case 'l':
			why = cx->parse_count(optarg, 1, 1000000, &limit);
			if (why) {
				fprintf(stderr, "packline: bad --limit '%s': %s (1 to 1000000)\n",
					optarg, why);
				return CLI_EUSAGE;
			}
			break;
		default:
			fputs(list_usage, stderr);
			return CLI_EUSAGE;
		}
	}
	if (optind != argc) {
		fputs(list_usage, stderr);
		return CLI_EUSAGE;
	}
	if (order_ref) {
		struct order o;
		order_init(&o);
		rc = find_order(st, order_ref, &o);
		jv.order_id = o.id;
		order_release(&o);
		if (rc) {
			fprintf(stderr, "packline: no order '%s' in the store\n", order_ref);
			return rc == -PL_ENOTFOUND ? CLI_EINPUT : CLI_ESTORE;
		}
	}
	for (int s = 0; s < JOB_STATE_COUNT && !rc && !jv.err; s++)
		if (only == JOB_STATE_COUNT || (int)only == s)
			rc = store_job_list(st, (enum job_state)s, collect_job, &jv);
	if (rc || jv.err) {
		fprintf(stderr, "packline: cannot list the journal: %s\n",
			pl_strerror(rc ? rc : jv.err));
		ret = CLI_ESTORE;
		goto out;
	}
	if (jv.n) /* qsort(NULL, 0) is undefined */
		qsort(jv.v, jv.n, sizeof(*jv.v), by_id);
	shown = limit > 0 && (size_t)limit < jv.n ? (size_t)limit : jv.n;
	printf("%-5s %-8s %-34s %-9s %-4s %-3s %-16s %-28s %-5s %s\n", "ID", "KIND", "KEY", "STATE",
	       "HELD", "TRY", "RESOURCE", "OWNER/LEASE", "AGE", "MESSAGE");
	/* newest last; with --limit the newest N */
	for (size_t i = jv.n - shown; i < jv.n; i++) {
		const struct job *j = &jv.v[i];
		char note[300], lease[96], age[16];
		bool held = j->not_before == JOB_HELD && j->state != JOB_DONE &&
			    j->state != JOB_FAILED && j->state != JOB_CANCELLED;

		if (!j->owner[0])
			snprintf(lease, sizeof(lease), "-");
		else
			snprintf(lease, sizeof(lease), "%s (%s)", j->owner,
				 claimed_live(j) ? "live" : "lapsed");
		fmt_age(now - j->created, age, sizeof(age));
		job_note(j, note, sizeof(note));
		printf("%-5" PRId64 " %-8s %-34s %-9s %-4s %-3d %-16s %-28s %-5s %s\n", j->id,
		       j->kind, j->idem_key, job_state_name(j->state), held ? "yes" : "no",
		       j->attempt, j->resource[0] ? j->resource : "-", lease, age, note);
	}
	printf("%zu job(s)%s\n", shown, shown < jv.n ? " (more: raise --limit)" : "");
out:
	for (size_t i = 0; i < jv.n; i++)
		job_release(&jv.v[i]);
	free(jv.v);
	return ret;
}

/* ---- jobs show ------------------------------------------------------------- */

static void print_json(const char *title, const char *text)
{
	cJSON *j = text ? cJSON_Parse(text) : NULL;
	char *pretty = j ? cJSON_Print(j) : NULL;

	printf("%s:\n%s\n", title, pretty ? pretty : text ? text : "(none)");
	free(pretty);
	cJSON_Delete(j);
}

static int print_attempt(const struct job_attempt *a, void *arg)
{
	char at[32];

	(void)arg;
	fmt_ms(a->at, at, sizeof(at));
	printf("  %s  %-9s -> %-9s by %s%s%s\n", at, a->from, a->to,
	       a->owner[0] ? a->owner : "(unclaimed)", a->note[0] ? "  " : "", a->note);
	return 0;
}

int jobs_cli_show(const struct jobs_cli_ctx *cx, int argc, char **argv)
{
	struct store *st = use(cx);
	struct job j;
	char ord[64], at[32], note[300];
	int ret, rc;

	if (argc != 2) {
		fprintf(stderr, "usage: packline jobs show ID\n");
		return CLI_EUSAGE;
	}
	if ((ret = load_job(st, argv[1], &j)))
		return ret;
	order_label(st, j.order_id, ord, sizeof(ord));
	printf("job %" PRId64 "  %s  %s\n", j.id, j.kind, j.idem_key);
	printf("state:     %s (attempt %d)\n", job_state_name(j.state), j.attempt);
	printf("order:     %s\n", ord);
	printf("resource:  %s\n", j.resource[0] ? j.resource : "-");
	fmt_ms(j.created, at, sizeof(at));
	printf("created:   %s\n", at);
	fmt_ms(j.updated, at, sizeof(at));
	printf("updated:   %s\n", at);
	if (j.owner[0]) {
		fmt_ms(j.lease_until, at, sizeof(at));
		printf("owner:     %s (lease until %s%s)\n", j.owner, at,
		       claimed_live(&j) ? "" : ", lapsed");
	}
	if (j.not_before == JOB_HELD)
		printf("held:      for the operator (no worker takes it)\n");
	if (j.doc_id > 0) {
		struct document d;
		doc_init(&d);
		if (store_doc_get(st, j.doc_id, &d) == 0)
			printf("document:  %s %s (%s)\n", doc_kind_name(d.kind),
			       d.number[0] ? d.number : "(not numbered)", doc_state_name(d.state));
		doc_release(&d);
	}
	job_note(&j, note, sizeof(note));
	if (note[0])
		printf("note:      %s\n", note);
	if (needs_operator(&j))
		printf(
		    "to do:     the agent cannot learn this job's outcome. Check the device (the "
		    "paper copy, the\n           printer's queue), then `packline jobs resolve "
		    "%" PRId64 " --done|--failed --reason TEXT`\n",
		    j.id);
	print_json("request", j.request);
	print_json("evidence", j.result);
	printf("history:\n");
	rc = store_job_attempts(st, j.id, print_attempt, NULL);
	job_release(&j);
	return rc ? CLI_ESTORE : CLI_OK;
}

/* ---- jobs resolve ---------------------------------------------------------- */

int jobs_cli_resolve(const struct jobs_cli_ctx *cx, int argc, char **argv)
{
	struct store *st = use(cx);
	static const struct option opts[] = {
	    {"done", no_argument, NULL, 'd'},         {"failed", no_argument, NULL, 'f'},
	    {"reason", required_argument, NULL, 'r'}, {"as", required_argument, NULL, 'a'},
	    {"actor", required_argument, NULL, 'a'},  {NULL, 0, NULL, 0}};
	const char *usage =
	    "usage: packline jobs resolve ID --done|--failed --reason TEXT [--as NAME]\n";
	const char *reason = NULL, *actor = NULL;
	enum job_state to = JOB_STATE_COUNT;
	struct job_resolve r = {0};
	struct job j = {0};
	cJSON *ev = NULL, *res;
	char *text = NULL, msg[600];
	int c, rc, ret;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
		case 'f':
			if (to != JOB_STATE_COUNT) {
				fprintf(stderr, "packline: give one of --done and --failed\n");
				return CLI_EUSAGE;
			}
			to = c == 'd' ? JOB_DONE : JOB_FAILED;
			break;
		case 'r':
			reason = optarg;
			break;
		case 'a':
			actor = optarg;
			break;
		default:
			fputs(usage, stderr);
			return CLI_EUSAGE;
		}
	}
	if (optind != argc - 1 || to == JOB_STATE_COUNT || !reason || !*reason ||
	    strlen(reason) > JOBS_REASON_MAX || (actor && (!*actor || strlen(actor) >= 64))) {
		fputs(usage, stderr);
		if (reason && strlen(reason) > JOBS_REASON_MAX)
			fprintf(stderr, "packline: the reason is longer than %d bytes\n",
				JOBS_REASON_MAX);
		return CLI_EUSAGE;
	}
	if ((ret = load_job(st, argv[optind], &j)))
		return ret;
	if (claimed_live(&j)) {
		fprintf(stderr,
			"packline: job %" PRId64
			" is %s and claimed by %s (a live worker is on it); "
			"nothing changed\n",
			j.id, job_state_name(j.state), j.owner);
		ret = CLI_EINPUT;
		goto out;
	}
	if (!needs_operator(&j) && !(j.state == JOB_PENDING && j.not_before == JOB_HELD)) {
		fprintf(
		    stderr,
		    "packline: job %" PRId64 " is %s: only a job whose outcome is not known "
		    "(unknown, held, or sending whose lease lapsed) is resolved by hand; nothing "
		    "changed\n",
		    j.id, job_state_name(j.state));
		ret = CLI_EINPUT;
		goto out;
	}
	if (!actor)
		actor = actor_default();
	ev = j.result ? cJSON_Parse(j.result) : NULL;
	if (!ev)
		ev = cJSON_CreateObject();
	res = cJSON_CreateObject();
	snprintf(msg, sizeof(msg), "resolved %s by %s: %s", job_state_name(to), actor, reason);
	if (!ev || !res || !cJSON_AddStringToObject(res, "as", job_state_name(to)) ||
	    !cJSON_AddStringToObject(res, "by", actor) ||
	    !cJSON_AddNumberToObject(res, "at", (double)pl_now()) ||
	    !cJSON_AddStringToObject(res, "reason", reason) ||
	    !cJSON_AddStringToObject(res, "was", job_state_name(j.state))) {
		cJSON_Delete(res);
		ret = CLI_EINTERNAL;
		goto out;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(ev, "resolved");
	cJSON_AddItemToObject(ev, "resolved", res);
	cJSON_DeleteItemFromObjectCaseSensitive(ev, "message");
	cJSON_AddStringToObject(ev, "message", msg);
	text = cJSON_PrintUnformatted(ev);
	if (!text) {
		ret = CLI_EINTERNAL;
		goto out;
	}
	r = (struct job_resolve){.id = j.id,
				 .from = j.state,
				 .to = to,
				 .result = text,
				 .actor = actor,
				 .reason = reason,
				 .now = pl_now()};
	rc = store_job_resolve(st, &r);
	if (rc == -PL_ESTATE) {
		fprintf(stderr,
			"packline: job %" PRId64 " changed while you looked (a worker took it?); "
			"nothing changed: see `packline jobs show %" PRId64 "`\n",
			j.id, j.id);
		ret = CLI_EINPUT;
		goto out;
	}
	if (rc) {
		fprintf(stderr, "packline: cannot resolve job %" PRId64 ": %s\n", j.id,
			pl_strerror(rc));
		ret = CLI_ESTORE;
		goto out;
	}
	printf("job %" PRId64 " (%s) %s -> %s by %s: %s\n", j.id, j.idem_key,
	       job_state_name(j.state), job_state_name(to), actor, reason);
	if (to == JOB_FAILED)
		printf("`packline jobs retry %" PRId64 "` gives it a new attempt\n", j.id);
	ret = CLI_OK;
out:
	free(text);
	cJSON_Delete(ev);
	job_release(&j);
	return ret;
}

/* ---- jobs retry ------------------------------------------------------------ */

int jobs_cli_retry(const struct jobs_cli_ctx *cx, int argc, char **argv)
{
	struct store *st = use(cx);
	static const struct option opts[] = {{"reason", required_argument, NULL, 'r'},
					     {"as", required_argument, NULL, 'a'},
					     {NULL, 0, NULL, 0}};
	const char *usage = "usage: packline jobs retry ID [--reason TEXT] [--as NAME]\n";
	const char *actor = NULL, *reason = "re-armed by the operator", *why = NULL;
	struct job_resolve r;
	struct job j;
	bool held;
	int c, ret, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			reason = optarg;
			break;
		case 'a':
			actor = optarg;
			break;
		default:
			fputs(usage, stderr);
			return CLI_EUSAGE;
		}
	}
	if (optind != argc - 1 || !*reason || strlen(reason) > JOBS_REASON_MAX ||
	    (actor && (!*actor || strlen(actor) >= 64))) {
		fputs(usage, stderr);
		return CLI_EUSAGE;
	}
	if (!actor)
		actor = actor_default();
	if ((ret = load_job(st, argv[optind], &j)))
		return ret;
	held = j.not_before == JOB_HELD;
	if (claimed_live(&j))
		why = "a live worker holds it";
	else if (j.state == JOB_DONE)
		why = "it happened: another attempt would do it twice";
	else if (j.state == JOB_CANCELLED)
		why = "it was cancelled";
	else if (j.state != JOB_FAILED && !held)
		why = j.state == JOB_PENDING ? "it waits for its next attempt already"
					     : "its last attempt may have happened: find out and "
					       "`packline jobs resolve` it";
	if (why) {
		fprintf(stderr, "packline: job %" PRId64 " is %s%s%s: %s; nothing changed\n", j.id,
			job_state_name(j.state), claimed_live(&j) ? " and claimed by " : "",
			claimed_live(&j) ? j.owner : "", why);
		job_release(&j);
		return CLI_EINPUT;
	}
	r = (struct job_resolve){.id = j.id,
				 .from = j.state,
				 .to = JOB_PENDING,
				 .actor = actor,
				 .reason = reason,
				 .now = pl_now()};
	rc = store_job_resolve(st, &r);
	if (rc) {
		fprintf(stderr, "packline: cannot retry job %" PRId64 ": %s; nothing changed\n",
			j.id, pl_strerror(rc));
		job_release(&j);
		return rc == -PL_ESTATE ? CLI_EINPUT : CLI_ESTORE;
	}
	printf("job %" PRId64 " (%s) is pending again: the next `packline run` or "
	       "`packline process` performs it\n",
	       j.id, j.idem_key);
	job_release(&j);
	return CLI_OK;
}

/* ---- audit ----------------------------------------------------------------- */

static int print_audit(const struct store_audit_entry *e, void *arg)
{
	char at[32];

	(void)arg;
	fmt_ms(e->at, at, sizeof(at));
	printf("%s  %-14s %-16s %-12s %s\n", at, e->actor[0] ? e->actor : "(agent)", e->action,
	       e->object, e->detail);
	return 0;
}

int jobs_cli_audit(const struct jobs_cli_ctx *cx, int argc, char **argv)
{
	struct store *st = use(cx);
	static const struct option opts[] = {{"order", required_argument, NULL, 'o'},
					     {"limit", required_argument, NULL, 'l'},
					     {NULL, 0, NULL, 0}};
	struct store_audit_filter f = {.limit = 50};
	char number[96];
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'o': {
			struct order o;
			order_init(&o);
			rc = find_order(st, optarg, &o);
			if (rc == 0)
				snprintf(number, sizeof(number), "%s%s%s",
					 o.number[0] ? o.number : o.source, o.number[0] ? "" : ":",
					 o.number[0] ? "" : o.ext_id);
			order_release(&o);
			if (rc) {
				fprintf(stderr, "packline: no order '%s' in the store\n", optarg);
				return rc == -PL_ENOTFOUND ? CLI_EINPUT : CLI_ESTORE;
			}
			f.object = number;
			break;
		}
		case 'l': {
			long long v;
			const char *why = cx->parse_count(optarg, 0, 1000000, &v);
			if (why) {
				fprintf(stderr,
					"packline: bad --limit '%s': %s (0 = all, to 1000000)\n",
					optarg, why);
				return CLI_EUSAGE;
			}
			f.limit = (size_t)v;
			break;
		}
		default:
			fprintf(stderr, "usage: packline audit [--order ORDER] [--limit N]\n");
			return CLI_EUSAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "usage: packline audit [--order ORDER] [--limit N]\n");
		return CLI_EUSAGE;
	}
	rc = store_audit_list(st, &f, print_audit, NULL);
	if (rc) {
		fprintf(stderr, "packline: cannot read the audit log: %s\n", pl_strerror(rc));
		return CLI_ESTORE;
	}
	return CLI_OK;
}
