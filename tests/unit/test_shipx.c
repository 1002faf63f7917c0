/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/test_shipx.c - the ShipX client against a local fake that keeps ShipX's contract
 * (tests/fakes/shipx_fake.py): asynchronous confirmation, label only when confirmed, error
 * bodies, listing; and the case that matters most: the create call times out AFTER the server
 * made the shipment, and the client must find it instead of making a second one.
 */
#include "base/buf.h"
#include "base/err.h"
#include "connectors/http.h"
#include "connectors/shipx.h"
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

#define TOKEN "test-token-123"
#define ORG   "4242"

static pid_t fake_pid;
static char fake_url[64];
static char tmpdir[] = "/tmp/test_shipx.XXXXXX";

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static int fake_start(void)
{
	char portfile[256], script[1024], buf[32];
	const char *src = getenv("PL_SRC") ? getenv("PL_SRC") : ".";
	FILE *f;

	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(portfile, sizeof(portfile), "%s/port", tmpdir);
	snprintf(script, sizeof(script), "%s/tests/fakes/shipx_fake.py", src);
	fake_pid = fork();
	if (fake_pid == 0) {
		/* the fake must not hold the test's stdout open if the test dies */
		if (!freopen("/dev/null", "w", stdout))
			_exit(127);
		execl("/usr/bin/python3", "python3", script, "--token", TOKEN, "--org", ORG,
		      "--port-file", portfile, "--confirm-after", "3", (char *)NULL);
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
	char path[300];

	if (fake_pid > 0) {
		kill(fake_pid, SIGTERM);
		waitpid(fake_pid, NULL, 0);
	}
	snprintf(path, sizeof(path), "%s/port", tmpdir);
	unlink(path);
	rmdir(tmpdir);
}

/* POST /__fake/config or GET /__fake/stats through our own HTTP wrapper. */
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

/* How many shipments the fake holds with `reference`. */
static int fake_count(const char *reference, int *creates)
{
	cJSON *j = fake_call("GET", "/__fake/stats", NULL), *it;
	int n = 0;

	if (!j)
		return -1;
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(j, "shipments"))
	{
		cJSON *ref = cJSON_GetObjectItem(it, "reference");
		if (cJSON_IsString(ref) && strcmp(ref->valuestring, reference) == 0)
			n++;
	}
	if (creates)
		*creates = cJSON_GetObjectItem(j, "creates")->valueint;
	cJSON_Delete(j);
	return n;
}

static void order_fixture(struct order *o, const char *number, const char *email)
{
	order_init(o);
	snprintf(o->number, sizeof(o->number), "%s", number);
	snprintf(o->ext_id, sizeof(o->ext_id), "x-%s", number);
	snprintf(o->buyer.name, sizeof(o->buyer.name), "Jan Kowalski");
	snprintf(o->buyer.email, sizeof(o->buyer.email), "%s", email);
	snprintf(o->buyer.phone, sizeof(o->buyer.phone), "+48 500-100-200");
	snprintf(o->delivery.method, sizeof(o->delivery.method), "inpost_locker");
	snprintf(o->delivery.pickup_point, sizeof(o->delivery.pickup_point), "KRA010M");
	snprintf(o->delivery.recipient, sizeof(o->delivery.recipient), "Jan Maria Kowalski");
	snprintf(o->delivery.address.street, sizeof(o->delivery.address.street),
		 "ul. Cybernetyki 10/4");
	snprintf(o->delivery.address.postcode, sizeof(o->delivery.address.postcode), "02-677");
	snprintf(o->delivery.address.city, sizeof(o->delivery.address.city), "Warszawa");
	snprintf(o->delivery.address.country, sizeof(o->delivery.address.country), "PL");
}

static void client(struct shipx *s, const char *token, long timeout_ms)
{
	struct shipx_cfg cfg;

	shipx_cfg_init(&cfg);
	snprintf(cfg.url, sizeof(cfg.url), "%s", fake_url);
	snprintf(cfg.token, sizeof(cfg.token), "%s", token);
	snprintf(cfg.org_id, sizeof(cfg.org_id), ORG);
	cfg.timeout_ms = timeout_ms;
	cfg.poll_ms = 20;
	cfg.confirm_timeout_ms = 5000;
	CHECK_OK(shipx_init(s, &cfg));
}

static void test_request_body(void)
{
	struct shipx s;
	struct order o;
	char *j;

	client(&s, TOKEN, 2000);
	order_fixture(&o, "ZK/1", "jan@example.com");
	j = shipx_request_json(&s, &o, "ZK/1");
	CHECK(j != NULL);
	if (j) {
		CHECK(strstr(j, "\"first_name\":\"Jan Maria\",\"last_name\":\"Kowalski\"") != NULL);
		CHECK(strstr(j, "\"phone\":\"500100200\"") != NULL);
		CHECK(strstr(j, "\"street\":\"ul. Cybernetyki\",\"building_number\":\"10/4\"") !=
		      NULL);
		CHECK(strstr(j, "\"target_point\":\"KRA010M\"") != NULL);
		CHECK(strstr(j, "\"service\":\"inpost_locker_standard\"") != NULL);
		CHECK(strstr(j, "\"reference\":\"ZK/1\"") != NULL);
		CHECK(strstr(j, "\"template\":\"small\"") != NULL);
	}
	free(j);
	/* a locker shipment without a locker is refused before any request */
	o.delivery.pickup_point[0] = '\0';
	snprintf(o.delivery.method, sizeof(o.delivery.method), "inpost_locker");
	j = shipx_request_json(&s, &o, "ZK/1");
	CHECK(j == NULL && strstr(shipx_error(&s), "pickup_point"));
	/* https only, except a loopback test server */
	{
		struct shipx t;
		struct shipx_cfg cfg;
		shipx_cfg_init(&cfg);
		snprintf(cfg.url, sizeof(cfg.url), "http://api-shipx-pl.easypack24.net");
		snprintf(cfg.token, sizeof(cfg.token), "t");
		snprintf(cfg.org_id, sizeof(cfg.org_id), "1");
		CHECK_INT(shipx_init(&t, &cfg), -PL_ECONFIG);
		cfg.url[0] = '\0';
		snprintf(cfg.url, sizeof(cfg.url), "https://api-shipx-pl.easypack24.net");
		cfg.org_id[0] = '\0';
		CHECK_INT(shipx_init(&t, &cfg), -PL_ECONFIG);
	}
	order_release(&o);
	shipx_release(&s);
}

static void test_happy_path(void)
{
	struct shipx s;
	struct shipx_shipment sh, got;
	struct order o;
	struct buf label;
	int creates = 0;

	client(&s, TOKEN, 5000);
	order_fixture(&o, "ZK/2026/0100", "a@example.com");
	CHECK_OK(shipx_create(&s, &o, "ZK/2026/0100", &sh));
	CHECK(sh.id > 0);
	CHECK_STR(sh.status, "created");
	CHECK_STR(sh.tracking, "");
	/* the label is not there before confirmation: invalid_action */
	buf_init(&label, 1 << 20);
	CHECK_INT(shipx_label(&s, sh.id, "Zpl", NULL, &label), -PL_ESTATE);
	CHECK(strstr(shipx_error(&s), "invalid_action") != NULL);
	CHECK_INT(label.len, 0);
	/* confirmed after some polls; the tracking number comes with it */
	CHECK_OK(shipx_wait_confirmed(&s, sh.id, &got));
	CHECK_STR(got.status, "confirmed");
	CHECK_INT(strlen(got.tracking), 24);
	CHECK_STR(got.reference, "ZK/2026/0100");
	/* the ZPL label, 203 and 300 dpi */
	CHECK_OK(shipx_label(&s, sh.id, "Zpl", NULL, &label));
	CHECK(label.len > 0 && strncmp(label.data, "^XA", 3) == 0);
	CHECK(strstr(label.data, got.tracking) != NULL);
	CHECK(strstr(label.data, "^PW800") != NULL);
	buf_reset(&label);
	CHECK_OK(shipx_label(&s, sh.id, "Zpl", "dpi300", &label));
	CHECK(strstr(label.data, "^PW1200") != NULL);
	/* dpi300 is for ZPL only: the service says so */
	buf_reset(&label);
	CHECK_INT(shipx_label(&s, sh.id, "Pdf", "dpi300", &label), -PL_EINVAL);
	CHECK(strstr(shipx_error(&s), "validation_failed") != NULL);
	/* a label larger than the caller's cap */
	{
		struct buf small;
		buf_init(&small, 100);
		CHECK_INT(shipx_label(&s, sh.id, "Zpl", NULL, &small), -PL_ETOOBIG);
		buf_release(&small);
	}
	CHECK_INT(fake_count("ZK/2026/0100", &creates), 1);
	buf_release(&label);
	order_release(&o);
	shipx_release(&s);
}

static void test_errors(void)
{
	struct shipx s;
	struct shipx_shipment sh;
	struct order o;

	/* wrong token: the service's 401 body, a configuration error */
	client(&s, "wrong", 2000);
	order_fixture(&o, "ZK/E1", "e@example.com");
	CHECK_INT(shipx_create(&s, &o, "ZK/E1", &sh), -PL_ECONFIG);
	CHECK(strstr(shipx_error(&s), "HTTP 401 token_invalid") != NULL);
	shipx_release(&s);

	/* validation: a phone ShipX does not take; the details are kept for the operator */
	client(&s, TOKEN, 2000);
	snprintf(o.buyer.phone, sizeof(o.buyer.phone), "12");
	CHECK_INT(shipx_create(&s, &o, "ZK/E1", &sh), -PL_EINVAL);
	CHECK(strstr(shipx_error(&s), "validation_failed") != NULL);
	CHECK(strstr(shipx_error(&s), "\"phone\":[\"invalid\"]") != NULL);
	CHECK_INT(fake_count("ZK/E1", NULL), 0);

	/* no such shipment */
	CHECK_INT(shipx_get(&s, 99, &sh), -PL_ENOTFOUND);
	CHECK(strstr(shipx_error(&s), "HTTP 404") != NULL);

	/* a 5xx on create is an unknown outcome, not a failure to retry blindly; 429 is refused */
	snprintf(o.buyer.phone, sizeof(o.buyer.phone), "500100200");
	fake_config("{\"fail_creates\":[500, 429]}");
	CHECK_INT(shipx_create(&s, &o, "ZK/E1", &sh), -PL_EUNKNOWN);
	CHECK_INT(shipx_create(&s, &o, "ZK/E1", &sh), -PL_EBUSY);
	shipx_release(&s);

	/* nobody listening: not sent, safe to retry */
	{
		struct shipx d;
		struct shipx_cfg cfg;
		shipx_cfg_init(&cfg);
		snprintf(cfg.url, sizeof(cfg.url), "http://127.0.0.1:1");
		snprintf(cfg.token, sizeof(cfg.token), "t");
		snprintf(cfg.org_id, sizeof(cfg.org_id), "1");
		CHECK_OK(shipx_init(&d, &cfg));
		CHECK_INT(shipx_create(&d, &o, "ZK/E2", &sh), -PL_EIO);
		CHECK(strstr(shipx_error(&d), "not sent") != NULL);
		shipx_release(&d);
	}
	order_release(&o);
}

/* The create call times out after the server made the shipment. */
static void test_timeout_no_second_shipment(void)
{
	struct shipx s;
	struct shipx_shipment sh, again;
	struct order o;
	int creates0 = 0, creates1 = 0;
	int64_t since = (int64_t)time(NULL);

	order_fixture(&o, "ZK/2026/0200", "t@example.com");
	fake_count("x", &creates0);
	client(&s, TOKEN, 700); /* the fake answers after 2 s */
	fake_config("{\"create_delay\": 2.0}");
	/* the bare create: unknown outcome */
	CHECK_INT(shipx_create(&s, &o, "ZK/2026/0200", &sh), -PL_EUNKNOWN);
	CHECK(strstr(shipx_error(&s), "no answer") != NULL);
	CHECK_INT(fake_count("ZK/2026/0200", NULL), 1); /* ... but the shipment was made */
	/* what the agent does next (journal says "unclear"): look first, no second create */
	CHECK_OK(shipx_ensure(&s, &o, "ZK/2026/0200", true, since, &again));
	CHECK(again.id > 0);
	fake_count("x", &creates1);
	CHECK_INT(creates1 - creates0, 1);
	CHECK_INT(fake_count("ZK/2026/0200", NULL), 1);

	/* and within one call: ensure() itself times out on the create, then finds it */
	order_fixture(&o, "ZK/2026/0201", "t@example.com");
	CHECK_OK(shipx_ensure(&s, &o, "ZK/2026/0201", false, since, &sh));
	CHECK(sh.id > 0);
	CHECK_INT(fake_count("ZK/2026/0201", NULL), 1);
	fake_config("{\"create_delay\": 0}");
	/* the found shipment goes on like a fresh one: confirmed, label */
	CHECK_OK(shipx_wait_confirmed(&s, sh.id, &again));
	CHECK_STR(again.reference, "ZK/2026/0201");
	/* a later call for the same order with maybe_exists makes nothing new */
	CHECK_OK(shipx_ensure(&s, &o, "ZK/2026/0201", true, since, &again));
	CHECK_INT(again.id, sh.id);
	fake_count("x", &creates1);
	CHECK_INT(creates1 - creates0, 2);
	order_release(&o);
	shipx_release(&s);
}

/* The look-up pages through a receiver with many shipments and ignores other references,
 * and old shipments outside the window. */
static void test_lookup_paging(void)
{
	struct shipx s;
	struct shipx_shipment sh, found;
	struct order o;
	char ref[32];
	int64_t since = (int64_t)time(NULL);
	int64_t target = 0;

	client(&s, TOKEN, 5000);
	order_fixture(&o, "P", "many@example.com");
	for (int i = 0; i < 130; i++) {
		snprintf(ref, sizeof(ref), "ZK/P/%03d", i);
		CHECK_OK(shipx_create(&s, &o, ref, &sh));
		if (i == 3)
			target = sh.id; /* listed newest first: this one is on page 2 */
	}
	CHECK_OK(shipx_find(&s, &o, "ZK/P/003", since, &found));
	CHECK_INT(found.id, target);
	CHECK_INT(shipx_find(&s, &o, "ZK/P/999", since, &found), -PL_ENOTFOUND);
	/* a shipment made long before the window is not taken for this attempt */
	fake_config("{\"created_at_offset\": -86400}");
	CHECK_OK(shipx_create(&s, &o, "ZK/P/OLD", &sh));
	fake_config("{\"created_at_offset\": 0}");
	CHECK_INT(shipx_find(&s, &o, "ZK/P/OLD", since, &found), -PL_ENOTFOUND);
	CHECK_OK(shipx_find(&s, &o, "ZK/P/OLD", since - 2 * 86400, &found));
	order_release(&o);
	shipx_release(&s);
}

/* Does this process map a library whose path contains `name`? */
static bool maps_lib(const char *name)
{
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, name) != NULL;
	fclose(f);
	return found;
}

/* The requests above ran in the HTTP sidecar: this process never mapped
 * libcurl or OpenSSL (the idle-memory budget, base/sidecar.h). A stopped
 * sidecar is started again by the next request. */
static void test_sidecar(void)
{
	cJSON *j;

	CHECK(http_helper_running());
	CHECK(!maps_lib("libcurl"));
	CHECK(!maps_lib("libssl"));
	CHECK(!maps_lib("libcrypto"));
	http_stop_helper();
	CHECK(!http_helper_running());
	j = fake_call("GET", "/__fake/stats", NULL);
	CHECK(j != NULL);
	cJSON_Delete(j);
	CHECK(http_helper_running());
	CHECK(!maps_lib("libcurl"));
}

int main(void)
{
	if (fake_start()) {
		fprintf(stderr, "cannot start tests/fakes/shipx_fake.py\n");
		fake_stop();
		return 1;
	}
	test_request_body();
	test_happy_path();
	test_errors();
	test_timeout_no_second_shipment();
	test_lookup_paging();
	test_sidecar();
	fake_stop();
	return check_done("test_shipx");
}
