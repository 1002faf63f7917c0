/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/test_label_job.c - the journalled label job with real parts: a SQLite journal in a
 * temp dir, the ShipX fake (tests/fakes/shipx_fake.py), the file printer, a closed TCP port as a
 * dead printer, and a private cupsd (tests/sh/cups_private.sh) when cupsd is installed.
 *
 * Proves: intent and bytes are journalled; a printed label is not printed twice by `print`;
 * reprint prints the same bytes, is journalled and audited, and never touches the courier; a
 * failed print keeps the label for a reprint and a new attempt reuses the shipment; after an
 * unclear create (client timeout after the server made the shipment, or a process that stopped
 * mid-create) no second shipment is made; the configuration is checked when it loads.
 */
#include "agent/config.h"
#include "effects/label.h"
#include "store/store.h"
#include "base/clock.h"
#include "base/diag.h"
#include "base/err.h"
#include "connectors/http.h"
#include "labels/print.h"
#include "tests/unit/check.h"

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TOKEN "tok-label-job"
#define ORG   "77"

static char dir[] = "/tmp/test_label_job.XXXXXX";
static char fake_url[64], db_path[300];
static pid_t fake_pid;
static const char *src;

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static int fake_start(void)
{
	char portfile[300], script[1024], buf[32];
	FILE *f;

	snprintf(portfile, sizeof(portfile), "%s/shipx.port", dir);
	snprintf(script, sizeof(script), "%s/tests/fakes/shipx_fake.py", src);
	fake_pid = fork();
	if (fake_pid == 0) {
		/* the fake must not hold the test's stdout open if the test dies */
		if (!freopen("/dev/null", "w", stdout))
			_exit(127);
		execl("/usr/bin/python3", "python3", script, "--token", TOKEN, "--org", ORG,
		      "--port-file", portfile, "--confirm-after", "2", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 500; i++) {
		if ((f = fopen(portfile, "r"))) {
			bool ok = fgets(buf, sizeof(buf), f) != NULL;
			fclose(f);
			if (ok) {
				snprintf(fake_url, sizeof(fake_url), "http://127.0.0.1:%d",
					 atoi(buf));
				return 0;
			}
		}
		sleep_ms(20);
	}
	return -1;
}

static cJSON *fake_call(const char *method, const char *path, const char *body)
{
	struct http h;
	struct http_resp r;
	cJSON *j = NULL;

	if (http_init(&h, fake_url))
		return NULL;
	http_resp_init(&r);
	if (http_request(&h, method, path, body ? "application/json" : NULL, body,
			 body ? strlen(body) : 0, &r) == 0 &&
	    r.status == 200)
		j = cJSON_ParseWithLength(r.body.data, r.body.len);
	http_resp_release(&r);
	http_release(&h);
	return j;
}

static int fake_creates(void)
{
	cJSON *j = fake_call("GET", "/__fake/stats", NULL);
	int n = j ? cJSON_GetObjectItem(j, "creates")->valueint : -1;
	cJSON_Delete(j);
	return n;
}

static void fake_config(const char *json)
{
	cJSON_Delete(fake_call("POST", "/__fake/config", json));
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p = calloc(1, 1 << 20);
	size_t n = 0;

	if (f && p)
		n = fread(p, 1, (1 << 20) - 1, f);
	if (f)
		fclose(f);
	*len = n;
	return p;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void order_fixture(struct store *st, struct order *o, const char *ext)
{
	enum store_upsert up;

	order_init(o);
	snprintf(o->source, sizeof(o->source), "shop");
	snprintf(o->ext_id, sizeof(o->ext_id), "%s", ext);
	snprintf(o->number, sizeof(o->number), "ZK/2026/%s", ext);
	snprintf(o->status, sizeof(o->status), "packed");
	snprintf(o->currency, sizeof(o->currency), "PLN");
	o->created = 1773482400;
	snprintf(o->buyer.name, sizeof(o->buyer.name), "Jan Kowalski");
	snprintf(o->buyer.email, sizeof(o->buyer.email), "jan.%s@example.com", ext);
	snprintf(o->buyer.phone, sizeof(o->buyer.phone), "500100200");
	snprintf(o->delivery.method, sizeof(o->delivery.method), "inpost_locker");
	snprintf(o->delivery.pickup_point, sizeof(o->delivery.pickup_point), "KRA010M");
	snprintf(o->delivery.recipient, sizeof(o->delivery.recipient), "Jan Kowalski");
	snprintf(o->delivery.address.street, sizeof(o->delivery.address.street), "ul. Długa 5");
	snprintf(o->delivery.address.postcode, sizeof(o->delivery.address.postcode), "31-147");
	snprintf(o->delivery.address.city, sizeof(o->delivery.address.city), "Kraków");
	snprintf(o->delivery.address.country, sizeof(o->delivery.address.country), "PL");
	CHECK_OK(store_order_upsert(st, o, pl_now(), &up));
}

/* A setup by hand (the configuration path is tested on its own below). */
static void setup(struct label_setup *ls, enum label_source source, bool shipx, int dpi,
		  const char *file)
{
	struct diag d;
	char path[1024];

	memset(ls, 0, sizeof(*ls));
	ls->source = source;
	ls->use_shipx = shipx;
	ls->dpi = dpi;
	snprintf(ls->station, sizeof(ls->station), "st-1");
	if (shipx)
		snprintf(ls->carrier, sizeof(ls->carrier), "InPost");
	print_cfg_init(&ls->print);
	ls->print.type = PRINT_FILE;
	snprintf(ls->print.file_path, sizeof(ls->print.file_path), "%s/%s", dir, file);
	shipx_cfg_init(&ls->shipx);
	if (source == LABEL_SRC_TEMPLATE) {
		diag_init(&d);
		/* the shipping label needs a tracking number; without a courier, the packing one */
		snprintf(path, sizeof(path), "%s/examples/labels/%s.zpl.tmpl", src,
			 shipx ? "shipping" : "packing");
		CHECK_OK(label_tmpl_load(path, dpi, &ls->tmpl, &d));
		diag_release(&d);
	}
}

static void client(struct shipx *s, long timeout_ms)
{
	struct shipx_cfg cfg;

	shipx_cfg_init(&cfg);
	snprintf(cfg.url, sizeof(cfg.url), "%s", fake_url);
	snprintf(cfg.token, sizeof(cfg.token), TOKEN);
	snprintf(cfg.org_id, sizeof(cfg.org_id), ORG);
	cfg.timeout_ms = timeout_ms;
	cfg.poll_ms = 20;
	CHECK_OK(shipx_init(s, &cfg));
}

/* The journal's result JSON of the label job of o. */
static cJSON *job_result(struct store *st, const struct order *o, enum job_state *state)
{
	struct job j = {0};
	cJSON *r;

	CHECK_OK(label_job_key(o, j.idem_key, sizeof(j.idem_key)));
	snprintf(j.kind, sizeof(j.kind), "label");
	j.request = strdup("{}");
	/* job_begin on an existing key hands the job back without creating anything */
	CHECK_INT(store_job_begin(st, &j), -PL_EEXIST);
	*state = j.state;
	r = j.result ? cJSON_Parse(j.result) : NULL;
	job_release(&j);
	return r;
}

/* The label bytes the journal holds for o. */
static char *journal_bytes(struct store *st, const struct order *o, size_t *len)
{
	enum job_state s;
	cJSON *r = job_result(st, o, &s);
	const cJSON *b = cJSON_GetObjectItem(r, "zpl_b64");
	char *out = NULL;

	*len = 0;
	if (cJSON_IsString(b)) {
		out = malloc(strlen(b->valuestring));
		if (label_b64_decode(b->valuestring, out, strlen(b->valuestring), len)) {
			free(out);
			out = NULL;
		}
	}
	cJSON_Delete(r);
	return out;
}

static int audit_count(const char *action)
{
	sqlite3 *db;
	sqlite3_stmt *q;
	int n = -1;

	if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, "SELECT count(*) FROM audit_log WHERE action = ?1", -1, &q,
			       NULL) == SQLITE_OK) {
		sqlite3_bind_text(q, 1, action, -1, SQLITE_STATIC);
		if (sqlite3_step(q) == SQLITE_ROW)
			n = sqlite3_column_int(q, 0);
		sqlite3_finalize(q);
	}
	sqlite3_close(db);
	return n;
}

static void test_print_and_reprint(struct store *st)
{
	struct label_setup ls;
	struct label_result res;
	struct order o;
	char path[400];
	size_t flen, jlen;
	char *file, *bytes;

	setup(&ls, LABEL_SRC_TEMPLATE, false, 203, "a.zpl");
	snprintf(path, sizeof(path), "%s/a.zpl", dir);
	order_fixture(st, &o, "0001");

	CHECK_OK(label_print(st, &ls, NULL, &o, &res));
	CHECK_INT(res.outcome, LABEL_PRINTED);
	CHECK_STR(res.print_job, "file:0");
	file = slurp(path, &flen);
	bytes = journal_bytes(st, &o, &jlen);
	CHECK(bytes && jlen == flen && memcmp(file, bytes, flen) == 0);
	CHECK(strstr(file, "^FDZK/2026/0001^FS") != NULL);
	free(file);

	/* printing again does nothing: the journal says done */
	CHECK_OK(label_print(st, &ls, NULL, &o, &res));
	CHECK_INT(res.outcome, LABEL_ALREADY_DONE);
	CHECK(strstr(res.message, "label reprint") != NULL);
	free(slurp(path, &flen));
	CHECK_INT(flen, jlen);

	/* reprint: the same bytes again, journalled and audited */
	CHECK_INT(audit_count("label.reprint"), 0);
	CHECK_OK(label_reprint(st, &ls, &o, "anna", &res));
	CHECK_INT(res.outcome, LABEL_REPRINTED);
	file = slurp(path, &flen);
	CHECK_INT(flen, 2 * jlen);
	CHECK(bytes && flen == 2 * jlen && memcmp(file + jlen, bytes, jlen) == 0);
	CHECK_INT(audit_count("label.reprint"), 1);
	{
		struct job j = {0};
		CHECK_OK(store_job_get(st, res.job_id, &j));
		CHECK_STR(j.kind, "label");
		CHECK_INT(j.state, JOB_DONE);
		CHECK(strncmp(j.idem_key, "label-reprint:shop:0001:", 24) == 0);
		job_release(&j);
	}
	free(file);
	free(bytes);

	/* reprint of an order that has no label: nothing is created */
	order_fixture(st, &o, "0002");
	CHECK_INT(label_reprint(st, &ls, &o, "anna", &res), -PL_ENOTFOUND);
	CHECK(strstr(res.message, "no label yet") != NULL);
	{
		enum job_state s;
		struct job j = {0};
		CHECK_OK(label_job_key(&o, j.idem_key, sizeof(j.idem_key)));
		snprintf(j.kind, sizeof(j.kind), "label");
		j.request = strdup("{}");
		(void)s;
		CHECK_OK(store_job_begin(st, &j)); /* the key was free: reprint made no job */
		job_release(&j);
	}
	order_release(&o);
	label_setup_release(&ls);
}

static void test_courier(struct store *st, struct shipx *sx)
{
	struct label_setup ls;
	struct label_result res;
	struct order o;
	enum job_state state;
	char path[400];
	size_t flen;
	char *file;
	cJSON *r;
	int creates0 = fake_creates();

	/* our template with the courier's tracking number */
	setup(&ls, LABEL_SRC_TEMPLATE, true, 203, "c.zpl");
	snprintf(path, sizeof(path), "%s/c.zpl", dir);
	order_fixture(st, &o, "0100");
	CHECK_OK(label_print(st, &ls, sx, &o, &res));
	CHECK_INT(res.outcome, LABEL_PRINTED);
	CHECK(res.shipment_id > 0);
	CHECK_INT(strlen(res.tracking), 24);
	file = slurp(path, &flen);
	CHECK(strstr(file, res.tracking) != NULL);
	CHECK(strstr(file, "^FDInPost^FS") != NULL);
	free(file);
	CHECK_INT(fake_creates(), creates0 + 1);
	r = job_result(st, &o, &state);
	CHECK_INT(state, JOB_DONE);
	CHECK_STR(cJSON_GetObjectItem(r, "reference")->valuestring, "ZK/2026/0100");
	CHECK_INT((int64_t)cJSON_GetObjectItem(r, "shipment_id")->valuedouble, res.shipment_id);
	cJSON_Delete(r);
	/* a reprint never asks the courier */
	CHECK_OK(label_reprint(st, &ls, &o, "anna", &res));
	CHECK_INT(fake_creates(), creates0 + 1);
	label_setup_release(&ls);

	/* the courier's own ZPL label, 300 dpi */
	setup(&ls, LABEL_SRC_COURIER, true, 300, "d.zpl");
	snprintf(path, sizeof(path), "%s/d.zpl", dir);
	order_fixture(st, &o, "0101");
	CHECK_OK(label_print(st, &ls, sx, &o, &res));
	file = slurp(path, &flen);
	CHECK(strncmp(file, "^XA", 3) == 0 && strstr(file, "^PW1200") != NULL);
	CHECK(strstr(file, "Ref: ZK/2026/0101") != NULL);
	free(file);
	CHECK_INT(fake_creates(), creates0 + 2);
	order_release(&o);
	label_setup_release(&ls);
}

static void test_unclear_create(struct store *st)
{
	struct label_setup ls;
	struct label_result res;
	struct shipx sx, slow;
	struct shipx_shipment made;
	struct order o;
	int creates0 = fake_creates();

	setup(&ls, LABEL_SRC_TEMPLATE, true, 203, "u.zpl");
	/* 1. the create times out after the server made the shipment */
	client(&slow, 700);
	fake_config("{\"create_delay\": 2.0}");
	order_fixture(st, &o, "0200");
	CHECK_OK(label_print(st, &ls, &slow, &o, &res));
	CHECK_INT(res.outcome, LABEL_PRINTED);
	fake_config("{\"create_delay\": 0}");
	CHECK_INT(fake_creates(), creates0 + 1);
	shipx_release(&slow);

	/* 2. a process stopped between "creating" and the answer: the journal says SENDING,
	 *    phase shipment, no id; the shipment exists at InPost */
	client(&sx, 5000);
	order_fixture(st, &o, "0201");
	CHECK_OK(shipx_create(&sx, &o, "ZK/2026/0201", &made));
	{
		struct job j = {0};
		char res_json[128];
		CHECK_OK(label_job_key(&o, j.idem_key, sizeof(j.idem_key)));
		snprintf(j.kind, sizeof(j.kind), "label");
		j.order_id = o.id;
		j.request = strdup("{}");
		CHECK_OK(store_job_begin(st, &j));
		snprintf(res_json, sizeof(res_json), "{\"phase\":\"shipment\",\"since\":%lld}",
			 (long long)pl_now());
		CHECK_OK(store_job_update(st, j.id, JOB_SENDING, false, res_json));
		job_release(&j);
	}
	CHECK_OK(label_print(st, &ls, &sx, &o, &res));
	CHECK_INT(res.outcome, LABEL_PRINTED);
	CHECK_INT(res.shipment_id, made.id); /* found, not made again */
	CHECK_INT(fake_creates(), creates0 + 2);
	shipx_release(&sx);
	order_release(&o);
	label_setup_release(&ls);
}

/* A dead printer: the label stays journalled; the next attempt prints the same bytes and
 * reuses the shipment. */
static void test_printer_failure(struct store *st, struct shipx *sx)
{
	struct label_setup ls;
	struct label_result res;
	struct order o;
	enum job_state state;
	char path[400];
	size_t flen, jlen;
	char *file, *bytes;
	cJSON *r;
	int creates0 = fake_creates();
	int64_t shipment;

	setup(&ls, LABEL_SRC_TEMPLATE, true, 203, "f.zpl");
	ls.print.type = PRINT_TCP;
	snprintf(ls.print.tcp_host, sizeof(ls.print.tcp_host), "127.0.0.1");
	ls.print.tcp_port = 1; /* nobody listens */
	ls.print.timeout_ms = 1000;
	order_fixture(st, &o, "0300");
	CHECK_INT(label_print(st, &ls, sx, &o, &res), -PL_EDEVICE);
	CHECK(strstr(res.message, "cannot connect to printer") != NULL);
	shipment = res.shipment_id;
	CHECK(shipment > 0);
	r = job_result(st, &o, &state);
	CHECK_INT(state, JOB_FAILED);
	CHECK(cJSON_IsString(cJSON_GetObjectItem(r, "zpl_b64")));
	CHECK(strstr(cJSON_GetObjectItem(r, "message")->valuestring, "cannot connect") != NULL);
	cJSON_Delete(r);
	bytes = journal_bytes(st, &o, &jlen);
	CHECK(bytes != NULL);

	/* printer back (here: the file printer); a new attempt prints the SAME bytes */
	ls.print.type = PRINT_FILE;
	snprintf(path, sizeof(path), "%s/f.zpl", dir);
	CHECK_OK(label_print(st, &ls, sx, &o, &res));
	CHECK_INT(res.outcome, LABEL_PRINTED);
	CHECK_INT(res.shipment_id, shipment);
	file = slurp(path, &flen);
	CHECK(flen == jlen && memcmp(file, bytes, jlen) == 0);
	free(file);
	CHECK_INT(fake_creates(), creates0 + 1);
	{
		struct job j = {0};
		CHECK_OK(label_job_key(&o, j.idem_key, sizeof(j.idem_key)));
		j.request = strdup("{}");
		snprintf(j.kind, sizeof(j.kind), "label");
		CHECK_INT(store_job_begin(st, &j), -PL_EEXIST);
		CHECK_INT(j.attempt, 2);
		CHECK_INT(j.state, JOB_DONE);
		job_release(&j);
	}
	free(bytes);
	order_release(&o);
	label_setup_release(&ls);
}

/* ---- defect 12: a print interrupted on a printer that cannot be asked -------- */

/* A raw 9100 listener on 127.0.0.1 that never accepts by itself: the kernel
 * queues each connection and its bytes, tcp_take() reads one afterwards. */
static int tcp_listener(int *port)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t al = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 8) ||
	    getsockname(fd, (struct sockaddr *)&a, &al))
		return -1;
	fcntl(fd, F_SETFL, O_NONBLOCK);
	*port = ntohs(a.sin_port);
	return fd;
}

/* The bytes of the next queued connection (malloc'd, at most 64 KiB), or
 * NULL with *len = 0 when nobody connected. */
static char *tcp_take(int lfd, size_t *len)
{
	char *out = malloc(65536);
	int c = accept(lfd, NULL, NULL);
	ssize_t n;

	*len = 0;
	if (c < 0) {
		free(out);
		return NULL;
	}
	fcntl(c, F_SETFL, 0);
	while (*len < 65536 && (n = read(c, out + *len, 65536 - *len)) > 0)
		*len += (size_t)n;
	close(c);
	return out;
}

/* What the printer got since `*off` (file: appended bytes; tcp: one connection). */
static char *printed(const struct label_setup *ls, int lfd, size_t *off, size_t *len)
{
	char *all, *out;
	size_t n;

	if (ls->print.type == PRINT_TCP)
		return tcp_take(lfd, len);
	all = slurp(ls->print.file_path, &n);
	*len = 0;
	if (!all || n <= *off) {
		free(all);
		return NULL;
	}
	*len = n - *off;
	out = malloc(*len);
	memcpy(out, all + *off, *len);
	*off = n;
	free(all);
	return out;
}

/* The agent is SIGKILLed after the label went to a tcp or file printer but
 * before that was journalled. The next `label print` cannot ask the printer:
 * with reprint it says so and prints the SAME bytes again; with hold it says
 * so, prints nothing until the operator reprints. Both leave an audit row. */
static void test_unclear_print(struct store *st, enum print_type type, enum label_unclear mode,
			       const char *ext)
{
	bool hold = mode == LABEL_UNCLEAR_HOLD;
	const char *action = hold ? "label.unclear.hold" : "label.unclear.reprint";
	struct label_setup ls;
	struct label_result res;
	struct order o;
	enum job_state state;
	char fname[64], *bytes, *got;
	size_t jlen, glen, off = 0;
	int lfd = -1, port = 0, status = 0, audits0 = audit_count(action);
	pid_t pid;
	cJSON *r;
	const cJSON *u;

	snprintf(fname, sizeof(fname), "unclear-%s.zpl", ext);
	setup(&ls, LABEL_SRC_TEMPLATE, false, 203, fname);
	ls.on_unclear = mode;
	if (type == PRINT_TCP) {
		lfd = tcp_listener(&port);
		CHECK(lfd >= 0);
		ls.print.type = PRINT_TCP;
		snprintf(ls.print.tcp_host, sizeof(ls.print.tcp_host), "127.0.0.1");
		ls.print.tcp_port = port;
		ls.print.timeout_ms = 2000;
	}
	order_fixture(st, &o, ext);

	pid = fork();
	if (pid == 0) {
		struct store *cst = NULL;
		setenv("PL_TEST_DIE_AFTER_LABEL_SUBMIT", "1", 1);
		if (store_open(&cst, db_path))
			_exit(3);
		label_print(cst, &ls, NULL, &o, &res);
		_exit(4); /* the hook did not fire */
	}
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	r = job_result(st, &o, &state);
	CHECK_INT(state, JOB_SENDING);
	cJSON_Delete(r);
	bytes = journal_bytes(st, &o, &jlen);
	CHECK(bytes != NULL && jlen > 0);
	got = printed(&ls, lfd, &off, &glen); /* the dead agent's label did come out */
	CHECK(got && glen == jlen && memcmp(got, bytes, jlen) == 0);
	free(got);

	if (!hold) {
		CHECK_OK(label_print(st, &ls, NULL, &o, &res));
		CHECK_INT(res.outcome, LABEL_PRINTED);
		got = printed(&ls, lfd, &off, &glen);
		CHECK(got && glen == jlen && memcmp(got, bytes, jlen) == 0); /* the SAME bytes */
		free(got);
		r = job_result(st, &o, &state);
		CHECK_INT(state, JOB_DONE);
		/* the new attempt went on from the evidence of the interrupted one */
		CHECK_INT((int)cJSON_GetObjectItem(r, "print_try")->valuedouble, 2);
	} else {
		CHECK_INT(label_print(st, &ls, NULL, &o, &res), -PL_EUNKNOWN);
		CHECK(strstr(res.message, "held for the operator") != NULL);
		got = printed(&ls, lfd, &off, &glen);
		CHECK(got == NULL); /* nothing printed again */
		/* asked again: still held, not judged (nor audited) twice */
		CHECK_INT(label_print(st, &ls, NULL, &o, &res), -PL_EUNKNOWN);
		got = printed(&ls, lfd, &off, &glen);
		CHECK(got == NULL);
		r = job_result(st, &o, &state);
		CHECK_INT(state, JOB_UNKNOWN);
	}
	u = cJSON_GetObjectItem(r, "unclear");
	CHECK(cJSON_IsString(u));
	if (cJSON_IsString(u)) {
		CHECK(strstr(u->valuestring, "printer cannot be asked") != NULL);
		CHECK(strstr(u->valuestring, hold ? "held for the operator"
						  : "assumed not printed, printed again") != NULL);
		CHECK(strstr(u->valuestring, print_type_name(type)) != NULL);
	}
	cJSON_Delete(r);
	CHECK_INT(audit_count(action), audits0 + 1);

	if (hold) {
		/* the operator saw no label: the reprint prints the journalled bytes */
		CHECK_OK(label_reprint(st, &ls, &o, "anna", &res));
		got = printed(&ls, lfd, &off, &glen);
		CHECK(got && glen == jlen && memcmp(got, bytes, jlen) == 0);
		free(got);
	}
	free(bytes);
	if (lfd >= 0)
		close(lfd);
	order_release(&o);
	label_setup_release(&ls);
}

static int count_attempt(const struct job_attempt *a, void *arg)
{
	(void)a;
	(*(int *)arg)++;
	return 0;
}

/* The label is an effect of the ONE engine: an intent recorded by anyone is
 * claimed and printed by a journal worker that knows only label_ops and the
 * setup (the order loaded by the job's order id), its steps in the job's
 * history; a job left SENDING by a dead owner is looked up, not resent. */
static void test_engine_worker(struct store *st)
{
	struct label_setup ls;
	struct label_fx fx = {0};
	struct journal *j = NULL;
	struct job job = {0};
	struct order o;
	char path[400], *file, *bytes;
	size_t flen, jlen, ran = 0;
	int steps = 0;
	enum job_state state;
	cJSON *r;

	setup(&ls, LABEL_SRC_TEMPLATE, false, 203, "w.zpl");
	snprintf(path, sizeof(path), "%s/w.zpl", dir);
	order_fixture(st, &o, "0500");
	fx.ls = &ls;
	CHECK_OK(journal_open(&j, st, NULL));
	CHECK_OK(journal_register(j, &label_ops, &fx));
	CHECK_OK(label_job_key(&o, job.idem_key, sizeof(job.idem_key)));
	snprintf(job.kind, sizeof(job.kind), "label");
	job.order_id = o.id;
	job.request = strdup("{\"order\":\"ZK/2026/0500\"}");
	CHECK_INT(journal_intent(j, &job), 0);
	CHECK(access(path, F_OK) != 0); /* an intent prints nothing */
	CHECK_OK(journal_work_all(j, NULL, &ran));
	CHECK(ran >= 1); /* also the bare job test_print_and_reprint left pending */
	file = slurp(path, &flen);
	bytes = journal_bytes(st, &o, &jlen);
	CHECK(file && bytes && flen == jlen && memcmp(file, bytes, jlen) == 0);
	CHECK(file && strstr(file, "^FDZK/2026/0500^FS") != NULL);
	free(file);
	free(bytes);
	r = job_result(st, &o, &state);
	CHECK_INT(state, JOB_DONE);
	CHECK_STR(cJSON_GetObjectItem(r, "phase")->valuestring, "done");
	CHECK_STR(cJSON_GetObjectItem(r, "by")->valuestring, journal_owner(j));
	cJSON_Delete(r);
	/* pending -> sending (label bytes) -> sending (print intent) -> sending (printer
	 * job) -> done, each step in the history */
	CHECK_OK(store_job_attempts(st, job.id, count_attempt, &steps));
	CHECK(steps >= 4);
	job_release(&job);
	journal_close(j);
	order_release(&o);
	label_setup_release(&ls);
}

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

/* Jobs CUPS knows on `queue` (completed ones too), or -1. */
static int count_jobs(int port, const char *queue)
{
	char cmd[256], line[64];
	FILE *f;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "lpstat -h 127.0.0.1:%d -W all -o %s | wc -l", port, queue);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	if (fgets(line, sizeof(line), f))
		n = atoi(line);
	pclose(f);
	return n;
}

/* A real cupsd: the CUPS job id is journalled; a stopped queue keeps the label. */
static void test_cups(struct store *st)
{
	struct label_setup ls;
	struct label_result res;
	struct order o;
	enum job_state state;
	char cupsdir[400], cap[400];
	size_t flen, jlen;
	char *file, *bytes;
	cJSON *r;
	int port = 20000 + (int)(getpid() % 20000);

	if (system("command -v cupsd >/dev/null && command -v lpadmin >/dev/null") != 0) {
		printf("note: cupsd not installed; CUPS label job not tested here "
		       "(tests/sh/test_cups_labels.sh needs it too)\n");
		return;
	}
	snprintf(cupsdir, sizeof(cupsdir), "%s/cups", dir);
	snprintf(cap, sizeof(cap), "%s/out/zebra.zpl", cupsdir);
	if (sh("chmod 755 %s && CUPS_OWNER_PID=%d bash %s/tests/sh/cups_private.sh start %s %d "
	       ">/dev/null",
	       dir, (int)getpid(), src, cupsdir, port) != 0 ||
	    sh("bash %s/tests/sh/cups_private.sh queue %s %d zebra capture:%s", src, cupsdir, port,
	       cap) != 0 ||
	    sh("bash %s/tests/sh/cups_private.sh queue %s %d stopper fail:/x stop-printer", src,
	       cupsdir, port) != 0 ||
	    sh("bash %s/tests/sh/cups_private.sh queue %s %d slow 'slow:%s/out/slow.zpl?3'", src,
	       cupsdir, port, cupsdir) != 0) {
		CHECK(!"private cupsd did not start");
		sh("bash %s/tests/sh/cups_private.sh stop %s", src, cupsdir);
		return;
	}
	setup(&ls, LABEL_SRC_TEMPLATE, false, 203, "unused");
	ls.print.type = PRINT_CUPS;
	snprintf(ls.print.cups_server, sizeof(ls.print.cups_server), "127.0.0.1:%d", port);
	snprintf(ls.print.cups_queue, sizeof(ls.print.cups_queue), "zebra");
	ls.print.cups_wait_ms = 10000;

	order_fixture(st, &o, "0400");
	CHECK_OK(label_print(st, &ls, NULL, &o, &res));
	CHECK(res.cups_id > 0);
	r = job_result(st, &o, &state);
	CHECK_INT(state, JOB_DONE);
	CHECK_INT((int)cJSON_GetObjectItem(r, "cups_id")->valuedouble, res.cups_id);
	CHECK_STR(cJSON_GetObjectItem(r, "print_state")->valuestring, "completed");
	cJSON_Delete(r);
	file = slurp(cap, &flen);
	bytes = journal_bytes(st, &o, &jlen);
	CHECK(bytes && flen == jlen && memcmp(file, bytes, jlen) == 0);
	free(file);
	free(bytes);

	/* The print helper dies while it follows an accepted job: the job is journalled
	 * as unknown with its CUPS id - not failed, which would let a reprint double it -
	 * and the next attempt asks CUPS, finds it completed and prints nothing. */
	{
		long helper = print_sidecar_pid();
		char slow[400];
		pid_t killer;

		CHECK(helper > 0); /* the print above ran in it, and it is kept while busy */
		snprintf(slow, sizeof(slow), "%s/out/slow.zpl", cupsdir);
		snprintf(ls.print.cups_queue, sizeof(ls.print.cups_queue), "slow");
		order_fixture(st, &o, "0402");
		killer = fork();
		if (killer == 0) {
			struct timespec ts = {1, 0};
			nanosleep(&ts, NULL);
			kill((pid_t)helper, SIGKILL);
			_exit(0);
		}
		CHECK_INT(label_print(st, &ls, NULL, &o, &res), -PL_EUNKNOWN);
		waitpid(killer, NULL, 0);
		CHECK(strstr(res.message, "may or may not print") != NULL);
		r = job_result(st, &o, &state);
		CHECK_INT(state, JOB_UNKNOWN);
		CHECK(cJSON_GetObjectItem(r, "cups_id") &&
		      cJSON_GetObjectItem(r, "cups_id")->valuedouble > 0);
		cJSON_Delete(r);
		CHECK(print_sidecar_pid() != helper);
		for (int i = 0; i < 400 && access(slow, F_OK) != 0; i++) {
			struct timespec ts = {0, 20 * 1000 * 1000};
			nanosleep(&ts, NULL);
		}
		CHECK_OK(label_print(st, &ls, NULL, &o, &res));
		CHECK(strstr(res.message, "printed earlier") != NULL);
		r = job_result(st, &o, &state);
		CHECK_INT(state, JOB_DONE);
		cJSON_Delete(r);
		CHECK_OK(sh("test \"$(lpstat -h 127.0.0.1:%d -W all -o slow | wc -l)\" = 1", port));
		order_release(&o);
		snprintf(ls.print.cups_queue, sizeof(ls.print.cups_queue), "zebra");
	}

	/* The agent stopped after CUPS accepted a job but before the journal got its id
	 * (SIGKILL, power): the journal says SENDING, phase print, and the attempt's job
	 * name. The next attempt finds the job by that name and prints nothing; an
	 * attempt CUPS never saw is printed. */
	for (int seen = 1; seen >= 0; seen--) {
		struct printer *pr = NULL;
		struct print_job pj;
		char msg[PRINT_MSG_LEN], res_json[256], name[64];
		struct job j = {0};
		int before;

		order_fixture(st, &o, seen ? "0403" : "0404");
		CHECK_OK(label_job_key(&o, j.idem_key, sizeof(j.idem_key)));
		snprintf(j.kind, sizeof(j.kind), "label");
		j.order_id = o.id;
		j.request = strdup("{}");
		CHECK_OK(store_job_begin(st, &j));
		snprintf(name, sizeof(name), "packline label %lld/1", (long long)j.id);
		snprintf(res_json, sizeof(res_json),
			 "{\"phase\":\"print\",\"print_try\":1,\"print_name\":\"%s\"}", name);
		CHECK_OK(store_job_update(st, j.id, JOB_SENDING, false, res_json));
		memset(&pj, 0, sizeof(pj));
		if (seen) { /* what the stopped attempt got CUPS to accept */
			CHECK_OK(print_open(&pr, &ls.print, msg, sizeof(msg)));
			snprintf(pj.name, sizeof(pj.name), "%s", name);
			CHECK_OK(print_job_run(pr, "^XA^XZ\n", 7, &pj));
			print_close(pr);
		}
		before = count_jobs(port, "zebra");
		CHECK_OK(label_print(st, &ls, NULL, &o, &res));
		r = job_result(st, &o, &state);
		CHECK_INT(state, JOB_DONE);
		cJSON_Delete(r);
		if (seen) {
			CHECK(strstr(res.message, "printed earlier") != NULL);
			CHECK_INT(res.cups_id, pj.cups_id);
			CHECK_INT(count_jobs(port, "zebra"), before);
		} else {
			CHECK(res.cups_id > 0);
			CHECK_INT(count_jobs(port, "zebra"), before + 1);
		}
		job_release(&j);
		order_release(&o);
	}

	/* a stopped printer: a clear error; the label stays for a reprint */
	snprintf(ls.print.cups_queue, sizeof(ls.print.cups_queue), "stopper");
	order_fixture(st, &o, "0401");
	CHECK_INT(label_print(st, &ls, NULL, &o, &res), -PL_EDEVICE);
	CHECK(strstr(res.message, "stopped") != NULL);
	r = job_result(st, &o, &state);
	CHECK_INT(state, JOB_FAILED);
	CHECK(cJSON_IsString(cJSON_GetObjectItem(r, "zpl_b64")));
	cJSON_Delete(r);
	/* ... a missing queue likewise */
	snprintf(ls.print.cups_queue, sizeof(ls.print.cups_queue), "nosuch");
	CHECK_INT(label_reprint(st, &ls, &o, "anna", &res), -PL_ENOTFOUND);
	CHECK(strstr(res.message, "does not exist") != NULL);
	/* reprint on the working queue: the journalled bytes */
	snprintf(ls.print.cups_queue, sizeof(ls.print.cups_queue), "zebra");
	CHECK_OK(label_reprint(st, &ls, &o, "anna", &res));
	file = slurp(cap, &flen);
	bytes = journal_bytes(st, &o, &jlen);
	CHECK(bytes && flen == jlen && memcmp(file, bytes, jlen) == 0);
	CHECK(strstr(file, "ZK/2026/0401") != NULL);
	free(file);
	free(bytes);
	order_release(&o);
	label_setup_release(&ls);
	sh("bash %s/tests/sh/cups_private.sh stop %s", src, cupsdir);
}

static bool diag_has(const struct diag *d, const char *where, const char *what)
{
	for (size_t i = 0; i < d->n; i++)
		if ((!where || (d->v[i].where && strstr(d->v[i].where, where))) &&
		    strstr(d->v[i].msg, what))
			return true;
	diag_print(d, stderr, "diag");
	return false;
}

static void test_config(void)
{
	char ini[400], tmpl[400], text[2048];
	struct config *c = NULL;
	struct label_setup ls;
	struct diag d;

	snprintf(tmpl, sizeof(tmpl), "%s/bad.zpl.tmpl", dir);
	write_file(tmpl, "size = 100x50\ntext x=1 y=1 w=50 \"{order.numbr}\"\n");
	snprintf(ini, sizeof(ini), "%s/packline.ini", dir);
	snprintf(text, sizeof(text),
		 "[label]\ntemplate = %s/examples/labels/shipping.zpl.tmpl\nprinter = cups\n"
		 "courier = shipx\ndpi = 300\n[cups]\nserver = 127.0.0.1:631\nqueue = zebra\n"
		 "[shipx]\nurl = https://sandbox-api-shipx-pl.easypack24.net\ntoken = t\n"
		 "organization = 12\n",
		 src);
	write_file(ini, text);
	diag_init(&d);
	CHECK_OK(config_load(&c, ini, &d)); /* which checks [label] too */
	diag_print(&d, stderr, "config");
	if (!c)
		return;
	CHECK_OK(label_setup_load(config_view(c), "", &ls, &d));
	CHECK_INT(ls.print.type, PRINT_CUPS);
	CHECK_STR(ls.print.cups_queue, "zebra");
	CHECK_INT(ls.dpi, 300);
	CHECK_INT(label_tmpl_dpi(ls.tmpl), 300);
	CHECK(ls.use_shipx && strcmp(ls.shipx.org_id, "12") == 0);
	CHECK_INT(ls.on_unclear, LABEL_UNCLEAR_REPRINT); /* the default (label_config.h) */
	label_setup_release(&ls);
	config_free(c);
	diag_release(&d);

	/* on_unclear = hold is read; only reprint|hold are known */
	snprintf(text, sizeof(text),
		 "[label]\ntemplate = %s/examples/labels/packing.zpl.tmpl\nprinter = file\n"
		 "file = %s/x.zpl\non_unclear = hold\n",
		 src, dir);
	write_file(ini, text);
	diag_init(&d);
	CHECK_OK(config_load(&c, ini, &d));
	if (!c)
		return;
	CHECK_OK(label_setup_load(config_view(c), "", &ls, &d));
	CHECK_INT(ls.on_unclear, LABEL_UNCLEAR_HOLD);
	label_setup_release(&ls);
	config_free(c);
	diag_release(&d);

	/* errors, all of them, with their places; the template's own with its column */
	snprintf(text, sizeof(text),
		 "[label]\ntemplate = bad.zpl.tmpl\nprinter = lpt\ndpi = 600\ncolour = red\n"
		 "[label \"usb\"]\ntemplate = bad.zpl.tmpl\nprinter = usb\nusb = zebra\n"
		 "on_unclear = maybe\n");
	write_file(ini, text);
	/* the configuration loader runs the label checks: the file is refused at load */
	diag_init(&d);
	CHECK_INT(config_load(&c, ini, &d), -PL_ECONFIG);
	CHECK(c == NULL);
	CHECK(diag_has(&d, "packline.ini:3", "printer must be cups, tcp, usb or file"));
	CHECK(diag_has(&d, "packline.ini:4", "dpi must be 203 or 300"));
	CHECK(diag_has(&d, "packline.ini:5", "unknown key 'colour'"));
	CHECK(diag_has(&d, "bad.zpl.tmpl:2:21", "order.numbr"));
	CHECK(diag_has(&d, "packline.ini:9", "usb = VID:PID"));
	CHECK(diag_has(&d, "packline.ini:10", "on_unclear must be reprint or hold"));
	/* and nothing invented: a refused printer type does not bring "file = PATH" */
	for (size_t i = 0; i < d.n; i++)
		CHECK(strstr(d.v[i].msg, "needs file = PATH") == NULL);
	diag_release(&d);
	unlink(tmpl);
	unlink(ini);
}

int main(void)
{
	struct store *st = NULL;
	struct shipx sx;

	setvbuf(stdout, NULL, _IONBF, 0);
	src = getenv("PL_SRC") ? getenv("PL_SRC") : ".";
	if (!mkdtemp(dir) || fake_start()) {
		fprintf(stderr, "cannot set up (temp dir, shipx fake)\n");
		return 1;
	}
	snprintf(db_path, sizeof(db_path), "%s/packline.db", dir);
	CHECK_OK(store_open(&st, db_path));
	if (!st)
		return 1;
	client(&sx, 5000);
	test_print_and_reprint(st);
	test_courier(st, &sx);
	test_unclear_create(st);
	test_printer_failure(st, &sx);
	test_cups(st);
	test_engine_worker(st);
	test_unclear_print(st, PRINT_FILE, LABEL_UNCLEAR_REPRINT, "1201");
	test_unclear_print(st, PRINT_FILE, LABEL_UNCLEAR_HOLD, "1202");
	test_unclear_print(st, PRINT_TCP, LABEL_UNCLEAR_REPRINT, "1203");
	test_unclear_print(st, PRINT_TCP, LABEL_UNCLEAR_HOLD, "1204");
	test_config();
	shipx_release(&sx);
	store_close(st);
	kill(fake_pid, SIGTERM);
	waitpid(fake_pid, NULL, 0);
	sh("rm -rf %s", dir);
	return check_done("test_label_job");
}
