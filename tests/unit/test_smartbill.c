/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/test_smartbill.c - the SmartBill client against the local fake that keeps
 * SmartBill's contract (tests/fakes/smartbill_fake.py): the request body (exact decimals, taxes,
 * client), series numbering, business errors as 200 + errorText, the outcome classes of a create
 * that the server committed and then timed out / dropped / answered 500, storno once, and the
 * rate limiter - across processes, and the lockout written to the shared file.
 */
#include "base/buf.h"
#include "base/err.h"
#include "connectors/http.h"
#include "connectors/smartbill.h"
#include "core/document.h"
#include "core/order.h"
#include "tests/unit/check.h"

#include <cjson/cJSON.h>

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define USER  "office@test.ro"
#define TOKEN "sb-token-1"
#define CIF   "RO12345678"

static pid_t fake_pid;
static char fake_url[64];
static char tmpdir[] = "/tmp/test_smartbill.XXXXXX";

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int fake_start(void)
{
	char portfile[256], script[1024], buf[32];
	const char *src = getenv("PL_SRC") ? getenv("PL_SRC") : ".";
	FILE *f;

	snprintf(portfile, sizeof(portfile), "%s/port", tmpdir);
	snprintf(script, sizeof(script), "%s/tests/fakes/smartbill_fake.py", src);
	fake_pid = fork();
	if (fake_pid == 0) {
		if (!freopen("/dev/null", "w", stdout))
			_exit(127);
		execl("/usr/bin/python3", "python3", script, "--user", USER, "--token", TOKEN,
		      "--cif", CIF, "--series", "FCT:25", "--port-file", portfile, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 500; i++) {
		f = fopen(portfile, "r");
		if (f) {
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

static void fake_stop(void)
{
	if (fake_pid > 0) {
		kill(fake_pid, SIGTERM);
		waitpid(fake_pid, NULL, 0);
	}
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

static void fake_config(const char *json)
{
	cJSON *j = fake_call("POST", "/__fake/config", json);
	CHECK(j != NULL);
	cJSON_Delete(j);
}

/* Invoices on the fake (not deleted), and the stats field `key`. */
static int fake_stat(const char *key)
{
	cJSON *j = fake_call("GET", "/__fake/stats", NULL), *it;
	int n = 0;

	if (!j)
		return -1;
	if (strcmp(key, "invoices") == 0) {
		cJSON_ArrayForEach(it, cJSON_GetObjectItem(j, "invoices"))
		{
			if (!cJSON_IsTrue(cJSON_GetObjectItem(it, "deleted")))
				n++;
		}
	} else {
		n = cJSON_GetObjectItem(j, key)->valueint;
	}
	cJSON_Delete(j);
	return n;
}

static bool has(const struct buf *b, const char *needle)
{
	size_t n = strlen(needle);

	for (size_t i = 0; i + n <= b->len; i++)
		if (memcmp(b->data + i, needle, n) == 0)
			return true;
	return false;
}

static void cfg_fixture(struct sb_cfg *c, const char *rate_name)
{
	sb_cfg_init(c);
	snprintf(c->url, sizeof(c->url), "%s/SBORO/api", fake_url);
	snprintf(c->user, sizeof(c->user), USER);
	snprintf(c->token, sizeof(c->token), TOKEN);
	snprintf(c->cif, sizeof(c->cif), CIF);
	snprintf(c->series, sizeof(c->series), "FCT");
	snprintf(c->rate_file, sizeof(c->rate_file), "%s/%s", tmpdir, rate_name);
	c->timeout_ms = 1500;
}

static void doc_fixture(struct order *o, struct document *d)
{
	struct order_line l = {0};

	order_init(o);
	doc_init(d);
	snprintf(o->number, sizeof(o->number), "ZK/1");
	snprintf(o->source, sizeof(o->source), "shop");
	snprintf(o->ext_id, sizeof(o->ext_id), "1");
	snprintf(o->currency, sizeof(o->currency), "RON");
	snprintf(o->buyer.company, sizeof(o->buyer.company), "Intelligent IT SRL");
	snprintf(o->buyer.nip, sizeof(o->buyer.nip), "RO12345678");
	snprintf(o->buyer.billing.city, sizeof(o->buyer.billing.city), "Sibiu");
	snprintf(o->buyer.billing.country, sizeof(o->buyer.billing.country), "RO");
	snprintf(l.sku, sizeof(l.sku), "SKU1");
	snprintf(l.name, sizeof(l.name), "Cana \"mare\"");
	snprintf(l.unit, sizeof(l.unit), "buc");
	l.qty = 2500;
	l.unit_price = 1234;
	l.vat = VAT_23;
	order_add_line(o, &l);
	snprintf(l.sku, sizeof(l.sku), "SKU2");
	l.qty = 1000;
	l.unit_price = 5;
	l.vat = VAT_8;
	order_add_line(o, &l);
	o->total = order_computed_total(o);
	doc_from_order(d, o, DOC_INVOICE, 1780000000);
}

static void test_body(struct sb *s)
{
	struct order o;
	struct document d;
	char *js;
	cJSON *j, *p0, *p1;

	doc_fixture(&o, &d);
	js = sb_invoice_json(s, &d, &o, "2026-05-20", "packline:invoice:shop:1");
	CHECK(js != NULL);
	/* exact decimals written from minor units and thousandths */
	CHECK(strstr(js, "\"quantity\":2.5,") != NULL);
	CHECK(strstr(js, "\"price\":12.34,") != NULL);
	CHECK(strstr(js, "\"price\":0.05,") != NULL);
	j = cJSON_Parse(js);
	CHECK_STR(cJSON_GetObjectItem(j, "companyVatCode")->valuestring, CIF);
	CHECK_STR(cJSON_GetObjectItem(j, "seriesName")->valuestring, "FCT");
	CHECK_STR(cJSON_GetObjectItem(j, "currency")->valuestring, "RON");
	CHECK(strstr(cJSON_GetObjectItem(j, "mentions")->valuestring, "packline:invoice:shop:1"));
	CHECK_STR(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "client"), "vatCode")->valuestring,
		  "RO12345678");
	CHECK(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "client"), "isTaxPayer")));
	p0 = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "products"), 0);
	p1 = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "products"), 1);
	CHECK_STR(cJSON_GetObjectItem(p0, "name")->valuestring, "Cana \"mare\"");
	CHECK_STR(cJSON_GetObjectItem(p0, "taxName")->valuestring, "Normala");
	CHECK_INT(cJSON_GetObjectItem(p0, "taxPercentage")->valueint, 21);
	CHECK_STR(cJSON_GetObjectItem(p1, "taxName")->valuestring, "Redusa");
	CHECK(cJSON_IsTrue(cJSON_GetObjectItem(p0, "isTaxIncluded")));
	cJSON_Delete(j);
	free(js);
	order_release(&o);
	doc_release(&d);
}

static void test_parsers(void)
{
	struct sb_answer a;
	struct sb_series ser;
	char err[128];
	const char *html = "{\"errorText\":\"Seria nu exista<br/><b>x</b>\",\"message\":\"\"}";
	const char *bad = "{\"type\":\"invalid_request_error\",\"errors\":[{\"code\":"
			  "\"json_mapping_error\",\"param\":\"products[0].quantity\",\"message\":"
			  "\"bad\"}]}";
	const char *series = "{\"errorText\":\"\",\"list\":[{\"name\":\"PF\",\"nextNumber\":3,"
			     "\"type\":\"p\"},{\"name\":\"FCT\",\"nextNumber\":120,\"type\":"
			     "\"f\"}]}";

	CHECK_INT(sb_parse_answer(html, strlen(html), &a), 0);
	CHECK_STR(a.error_text, "Seria nu exista");
	CHECK_INT(sb_parse_answer(bad, strlen(bad), &a), 0);
	CHECK_STR(a.error_text, "json_mapping_error products[0].quantity: bad");
	CHECK_INT(sb_parse_answer("[1]", 3, &a), -PL_EPROTO);
	CHECK_INT(sb_parse_answer("{", 1, &a), -PL_EPROTO);
	CHECK_INT(sb_parse_series(series, strlen(series), "FCT", &ser, err, sizeof(err)), 0);
	CHECK_INT(ser.next, 120);
	CHECK_INT(sb_parse_series(series, strlen(series), "X", &ser, err, sizeof(err)),
		  -PL_ENOTFOUND);
	CHECK_INT(sb_parse_series("{\"list\":[{\"name\":\"FCT\",\"nextNumber\":1.5}]}", 40, "FCT",
				  &ser, err, sizeof(err)),
		  -PL_EPROTO);
	CHECK_INT(sb_parse_series(html, strlen(html), "FCT", &ser, err, sizeof(err)), -PL_EINVAL);
	CHECK_STR(err, "Seria nu exista");
	CHECK_INT(sb_parse_answer("{}", SB_JSON_MAX + 1, &a), -PL_ETOOBIG);
}

/* Create with a fault: the server commits the invoice, then the answer is
 * lost; the client must say "unknown", and the series must show it. */
static void test_fault(struct sb *s, const char *fault, const char *body)
{
	struct sb_answer a;
	int64_t before = 0, after = 0;
	int n0 = fake_stat("invoices"), rc;
	char cfg[128];

	snprintf(cfg, sizeof(cfg), "{\"fault\":\"%s\",\"fault_count\":1,\"hang_s\":3}", fault);
	fake_config(cfg);
	CHECK_INT(sb_series_next(s, "FCT", &before), 0);
	rc = sb_invoice_create(s, body, &a);
	CHECK_INT(rc, -PL_EUNKNOWN);
	if (rc != -PL_EUNKNOWN)
		fprintf(stderr, "fault %s: %s\n", fault, sb_error(s));
	CHECK_INT(fake_stat("invoices"), n0 + 1);
	CHECK_INT(sb_series_next(s, "FCT", &after), 0);
	CHECK_INT(after, before + 1);
}

static void test_calls(struct sb *s)
{
	struct order o;
	struct document d;
	struct sb_answer a;
	struct buf pdf;
	int64_t next = 0;
	char *js, num[16];

	doc_fixture(&o, &d);
	js = sb_invoice_json(s, &d, &o, "2026-05-20", "packline:invoice:shop:1");
	CHECK_INT(sb_series_next(s, "FCT", &next), 0);
	CHECK_INT(next, 25);
	CHECK_INT(sb_invoice_create(s, js, &a), 0);
	CHECK_STR(a.number, "0025");
	CHECK_STR(a.series, "FCT");
	CHECK_INT(sb_series_next(s, "FCT", &next), 0);
	CHECK_INT(next, 26);
	sb_number_format(25, num, sizeof(num));
	CHECK_STR(num, "0025");
	buf_init(&pdf, SB_PDF_MAX);
	CHECK_INT(sb_invoice_pdf(s, "FCT", "0025", &pdf), 0);
	CHECK(pdf.len > 5 && has(&pdf, "packline:invoice:shop:1"));
	buf_reset(&pdf);
	CHECK_INT(sb_invoice_pdf(s, "FCT", "0999", &pdf), -PL_ENOTFOUND);
	buf_release(&pdf);
	/* a business error is HTTP 200 + errorText: refused, nothing made */
	CHECK_INT(sb_series_next(s, "NOPE", &next), -PL_ENOTFOUND);
	{
		struct sb s2 = *s;
		snprintf(s2.cfg.series, sizeof(s2.cfg.series), "NOPE");
		char *bad = sb_invoice_json(&s2, &d, &o, "2026-05-20", "m");
		CHECK_INT(sb_invoice_create(s, bad, &a), -PL_EINVAL);
		CHECK(strstr(sb_error(s), "Seria NOPE nu exista") != NULL);
		free(bad);
	}
	/* the three faults: committed, answer lost */
	test_fault(s, "timeout", js);
	test_fault(s, "drop", js);
	test_fault(s, "500", js);
	/* cancel / restore; storno once */
	CHECK_INT(sb_invoice_cancel(s, "FCT", "0025", false), 0);
	CHECK_INT(sb_invoice_cancel(s, "FCT", "0025", false), -PL_EINVAL);
	CHECK_INT(sb_invoice_cancel(s, "FCT", "0025", true), 0);
	CHECK_INT(sb_invoice_reverse(s, "FCT", "0025", "2026-05-21", &a), 0);
	CHECK_STR(a.number, "0029");
	CHECK_INT(sb_invoice_reverse(s, "FCT", "0025", "2026-05-21", &a), -PL_EINVAL);
	free(js);
	order_release(&o);
	doc_release(&d);
}

/* Two processes share one limiter file: never more than `calls` call
 * starts inside one window, by the times each child recorded. */
static void test_limiter_processes(void)
{
	struct sb_cfg c;
	int fds[2];
	int64_t t[40];
	int n = 0;
	const int calls = 5, per_child = 10;
	const long window = 400;

	cfg_fixture(&c, "shared.rate");
	c.rate_calls = calls;
	c.rate_window_ms = window;
	CHECK_INT(pipe(fds), 0);
	for (int k = 0; k < 2; k++) {
		if (fork() == 0) {
			struct sb s;
			close(fds[0]);
			if (sb_init(&s, &c))
				_exit(2);
			for (int i = 0; i < per_child; i++) {
				int slot;
				int64_t res, start;
				if (sb_rate_begin(&s, 1000, &slot, &res))
					_exit(3);
				start = wall_ms();
				sleep_ms(10); /* the "call" */
				sb_rate_end(&s, slot, res);
				if (write(fds[1], &start, sizeof(start)) != sizeof(start))
					_exit(4);
			}
			sb_release(&s);
			_exit(0);
		}
	}
	close(fds[1]);
	while (n < 40 && read(fds[0], &t[n], sizeof(t[0])) == sizeof(t[0]))
		n++;
	close(fds[0]);
	for (int k = 0; k < 2; k++) {
		int st = 0;
		wait(&st);
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	CHECK_INT(n, 2 * per_child);
	/* sort, then calls i and i + calls must be a window apart (minus the
	 * "call" itself, which ended before the slot was freed) */
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && t[j] < t[j - 1]; j--) {
			int64_t x = t[j];
			t[j] = t[j - 1];
			t[j - 1] = x;
		}
	for (int i = 0; i + calls < n; i++)
		CHECK(t[i + calls] - t[i] >= window);
	/* and it did not serialise more than needed: 20 calls in 5s slots of
	 * 400 ms take about 3 windows, not 20 */
	CHECK(t[n - 1] - t[0] < 8 * window);
}

/* A client configured above the real limit hits the lockout once: the
 * answer is recorded in the file and no further call leaves. Last test: it
 * locks the fake's token for 10 minutes. */
static void test_lockout(void)
{
	struct sb_cfg c;
	struct sb s, other;
	int64_t next;
	int rc = 0, i, sent;

	cfg_fixture(&c, "lock.rate");
	c.rate_calls = 60; /* wrong on purpose */
	CHECK_INT(sb_init(&s, &c), 0);
	for (i = 0; i < 40 && rc == 0; i++)
		rc = sb_series_next(&s, "FCT", &next);
	CHECK_INT(rc, -PL_EBUSY);
	CHECK(fake_stat("lockouts") >= 1);
	sent = fake_stat("calls");
	/* another client on the same file does not call either */
	CHECK_INT(sb_init(&other, &c), 0);
	CHECK_INT(sb_series_next(&other, "FCT", &next), -PL_EBUSY);
	CHECK(strstr(sb_error(&other), "locked out") != NULL);
	CHECK_INT(fake_stat("calls"), sent);
	sb_release(&other);
	sb_release(&s);
}

int main(void)
{
	struct sb_cfg c;
	struct sb s;

	signal(SIGPIPE, SIG_IGN);
	if (!mkdtemp(tmpdir) || fake_start()) {
		fprintf(stderr, "cannot start the SmartBill fake\n");
		return 1;
	}
	test_parsers();
	test_limiter_processes();
	cfg_fixture(&c, "main.rate");
	CHECK_INT(sb_init(&s, &c), 0);
	test_body(&s);
	test_calls(&s);
	/* a wrong token: 401 -> a configuration error */
	{
		struct sb bad;
		int64_t next;
		snprintf(c.token, sizeof(c.token), "wrong");
		CHECK_INT(sb_init(&bad, &c), 0);
		CHECK_INT(sb_series_next(&bad, "FCT", &next), -PL_ECONFIG);
		sb_release(&bad);
	}
	CHECK(fake_stat("lockouts") == 0);
	sb_release(&s);
	test_lockout();
	http_stop_helper();
	fake_stop();
	{
		char cmd[300];
		snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", tmpdir);
	}
	return check_done("test_smartbill");
}
