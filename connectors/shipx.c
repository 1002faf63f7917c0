/* SPDX-License-Identifier: Apache-2.0 */
/* connectors/shipx.c - InPost ShipX: shipments, confirmation, ZPL labels. */
#include "connectors/shipx.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"

#include <cjson/cJSON.h>

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SHIPX_LIST_PER_PAGE  100
#define SHIPX_LIST_MAX_PAGES 20
#define SHIPX_JSON_MAX       (1024u * 1024) /* a JSON answer; a page of 100 shipments fits */

static void set_err(struct shipx *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_err(struct shipx *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->err, sizeof(s->err), fmt, ap);
	va_end(ap);
}

void shipx_cfg_init(struct shipx_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->url, sizeof(cfg->url), "https://api-shipx-pl.easypack24.net");
	snprintf(cfg->parcel_template, sizeof(cfg->parcel_template), "small");
	cfg->timeout_ms = 15000;
	cfg->confirm_timeout_ms = 60000;
	cfg->poll_ms = 500;
	cfg->lookup_slack_s = 600;
}

int shipx_init(struct shipx *s, const struct shipx_cfg *cfg)
{
	char auth[1100];
	int rc;

	memset(s, 0, sizeof(*s));
	s->cfg = *cfg;
	if (!cfg->token[0] || !cfg->org_id[0]) {
		set_err(s, "shipx: token and organization are needed");
		return -PL_ECONFIG;
	}
	for (const char *p = cfg->org_id; *p; p++) {
		if (!isdigit((unsigned char)*p)) {
			set_err(s, "shipx: organization must be a number, not '%s'", cfg->org_id);
			return -PL_ECONFIG;
		}
	}
	rc = http_init(&s->http, cfg->url);
	if (rc == -PL_EINVAL) {
		set_err(s, "shipx: url must be https:// (http only to a loopback test server)");
		return -PL_ECONFIG;
	}
	if (rc)
		return rc;
	snprintf(s->http.cainfo, sizeof(s->http.cainfo), "%s", cfg->cainfo);
	s->http.timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : 15000;
	s->http.connect_timeout_ms = s->http.timeout_ms < 5000 ? s->http.timeout_ms : 5000;
	s->http.resp_max = SHIPX_JSON_MAX;
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", cfg->token);
	if ((rc = http_add_header(&s->http, auth)) ||
	    (rc = http_add_header(&s->http, "Accept: application/json")) ||
	    (rc = http_add_header(&s->http, "Accept-Language: en_GB"))) {
		http_release(&s->http);
		return rc;
	}
	return 0;
}

void shipx_release(struct shipx *s)
{
	http_release(&s->http);
	/* the token is a secret: do not leave it in freed memory's neighbour */
	memset(s->cfg.token, 0, sizeof(s->cfg.token));
}

const char *shipx_error(const struct shipx *s)
{
	return s->err;
}

/* --- responses --- */

/* Turn a non-2xx answer into a code, with ShipX's error JSON in s->err:
 * {"status":400,"error":"validation_failed","message":"...","details":{...}}. */
static int answer_error(struct shipx *s, const char *what, const struct http_resp *r)
{
	cJSON *j = r->body.len ? cJSON_ParseWithLength(r->body.data, r->body.len) : NULL;
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "error");
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "message");
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(j, "details");
	char *dtxt = d && (cJSON_IsObject(d) || cJSON_IsArray(d)) && cJSON_GetArraySize(d) > 0
			 ? cJSON_PrintUnformatted(d)
			 : NULL;
	const char *key = cJSON_IsString(e) ? e->valuestring : "";
	int rc;

	set_err(s, "shipx %s: HTTP %ld%s%s%s%s%s%.200s", what, r->status, key[0] ? " " : "", key,
		cJSON_IsString(m) ? ": " : "", cJSON_IsString(m) ? m->valuestring : "",
		dtxt ? " " : "", dtxt ? dtxt : "");
	if (r->status == 401 || r->status == 403)
		rc = -PL_ECONFIG;
	else if (r->status == 404)
		rc = -PL_ENOTFOUND;
	else if (strcmp(key, "invalid_action") == 0)
		rc = -PL_ESTATE; /* e.g. a label before the shipment is confirmed */
	else if (r->status == 429 || r->status == 502 || r->status == 503 || r->status == 504)
		rc = -PL_EBUSY;
	else if (r->status >= 400 && r->status < 500)
		rc = -PL_EINVAL;
	else
		rc = -PL_EPROTO;
	free(dtxt);
	cJSON_Delete(j);
	return rc;
}

static void copy_str(char *dst, size_t cap, const cJSON *v)
{
	if (cJSON_IsString(v) && v->valuestring)
		snprintf(dst, cap, "%s", v->valuestring);
	else
		dst[0] = '\0';
}

/* A shipment object into *out; -PL_EPROTO when it has no id. */
static int parse_shipment(const cJSON *j, struct shipx_shipment *out)
{
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(j, "id");

	memset(out, 0, sizeof(*out));
	if (!cJSON_IsNumber(id) || id->valuedouble < 1 || id->valuedouble > 9.0e15)
		return -PL_EPROTO;
	out->id = (int64_t)id->valuedouble;
	copy_str(out->status, sizeof(out->status), cJSON_GetObjectItemCaseSensitive(j, "status"));
	copy_str(out->tracking, sizeof(out->tracking),
		 cJSON_GetObjectItemCaseSensitive(j, "tracking_number"));
	copy_str(out->reference, sizeof(out->reference),
		 cJSON_GetObjectItemCaseSensitive(j, "reference"));
	copy_str(out->service, sizeof(out->service),
		 cJSON_GetObjectItemCaseSensitive(j, "service"));
	return 0;
}

static int request_json(struct shipx *s, const char *what, const char *method, const char *path,
			const char *body, cJSON **out, long *status)
{
	struct http_resp r;
	int rc;

	*out = NULL;
	if (status)
		*status = 0;
	http_resp_init(&r);
	s->requests++;
	rc = http_request(&s->http, method, path, body ? "application/json" : NULL, body,
			  body ? strlen(body) : 0, &r);
	if (rc == -PL_EIO) {
		set_err(s, "shipx %s: not sent: %s", what, r.err);
	} else if (rc == -PL_EUNKNOWN) {
		set_err(s, "shipx %s: no answer: %s", what, r.err);
	} else if (rc == -PL_ETOOBIG) {
		set_err(s, "shipx %s: answer larger than %zu bytes", what, s->http.resp_max);
	} else if (rc) {
		set_err(s, "shipx %s: %s", what, pl_strerror(rc));
	} else if (r.status < 200 || r.status > 299) {
		rc = answer_error(s, what, &r);
	} else {
		*out = cJSON_ParseWithLength(r.body.data ? r.body.data : "", r.body.len);
		if (!*out) {
			set_err(s, "shipx %s: answer is not JSON", what);
			rc = -PL_EPROTO;
		}
	}
	if (status)
		*status = r.status;
	http_resp_release(&r);
	return rc;
}

/* --- the request body --- */

/* "ul. Cybernetyki 10/4" -> street "ul. Cybernetyki", building "10/4".
 * CONTRACT-GUESS: ShipX wants street and building_number apart; our orders
 * carry one street line, so the last word holding a digit is the number. */
static void split_street(const char *line, char *street, size_t scap, char *bno, size_t bcap)
{
	const char *end = line + strlen(line), *w;

	while (end > line && end[-1] == ' ')
		end--;
	w = end;
	while (w > line && w[-1] != ' ')
		w--;
	bool digit = false;
	for (const char *p = w; p < end; p++)
		if (isdigit((unsigned char)*p))
			digit = true;
	if (!digit || w == line) {
		snprintf(street, scap, "%.*s", (int)(end - line), line);
		bno[0] = '\0';
		return;
	}
	snprintf(bno, bcap, "%.*s", (int)(end - w), w);
	while (w > line && w[-1] == ' ')
		w--;
	snprintf(street, scap, "%.*s", (int)(w - line), line);
}

static bool is_locker(const struct order *o)
{
	return o->delivery.pickup_point[0] || strstr(o->delivery.method, "locker") ||
	       strstr(o->delivery.method, "paczkomat");
}

static void phone_digits(const char *in, char *out, size_t cap)
{
	size_t n = 0;

	for (; *in && n + 1 < cap; in++)
		if (isdigit((unsigned char)*in) || (*in == '+' && n == 0))
			out[n++] = *in;
	out[n] = '\0';
	/* CONTRACT-GUESS: ShipX wants the 9-digit Polish number, no +48 prefix */
	if (strncmp(out, "+48", 3) == 0 && strlen(out) == 12)
		memmove(out, out + 3, strlen(out + 3) + 1);
	else if (strncmp(out, "48", 2) == 0 && strlen(out) == 11)
		memmove(out, out + 2, strlen(out + 2) + 1);
}

char *shipx_request_json(struct shipx *s, const struct order *o, const char *reference)
{
	const struct order_address *a = &o->delivery.address;
	const char *name = o->delivery.recipient[0] ? o->delivery.recipient : o->buyer.name;
	char first[128], street[128], bno[32], phone[32];
	const char *last;
	cJSON *root, *recv, *addr, *parcels, *parcel, *attrs;
	const char *service = s->cfg.service;
	bool locker = is_locker(o);
	char *out = NULL;

	if (!service[0])
		service = locker ? "inpost_locker_standard" : "inpost_courier_standard";
	locker = strstr(service, "locker") != NULL;
	if (!name[0] && !o->buyer.company[0]) {
		set_err(s, "order %s: no recipient name", o->number);
		return NULL;
	}
	if (locker && !o->delivery.pickup_point[0]) {
		set_err(s, "order %s: a locker shipment needs the locker (delivery.pickup_point)",
			o->number);
		return NULL;
	}
	root = cJSON_CreateObject();
	recv = cJSON_AddObjectToObject(root, "receiver");
	/* "Jan Maria Kowalski" -> first "Jan Maria", last "Kowalski" */
	last = strrchr(name, ' ');
	snprintf(first, sizeof(first), "%.*s", last ? (int)(last - name) : (int)strlen(name), name);
	cJSON_AddStringToObject(recv, "first_name", first);
	cJSON_AddStringToObject(recv, "last_name", last ? last + 1 : "");
	if (o->buyer.company[0])
		cJSON_AddStringToObject(recv, "company_name", o->buyer.company);
	if (o->buyer.email[0])
		cJSON_AddStringToObject(recv, "email", o->buyer.email);
	phone_digits(o->buyer.phone, phone, sizeof(phone));
	if (phone[0])
		cJSON_AddStringToObject(recv, "phone", phone);
	if (a->street[0] || !locker) {
		split_street(a->street, street, sizeof(street), bno, sizeof(bno));
		addr = cJSON_AddObjectToObject(recv, "address");
		cJSON_AddStringToObject(addr, "street", street);
		cJSON_AddStringToObject(addr, "building_number", bno);
		cJSON_AddStringToObject(addr, "city", a->city);
		cJSON_AddStringToObject(addr, "post_code", a->postcode);
		cJSON_AddStringToObject(addr, "country_code", a->country[0] ? a->country : "PL");
	}
	parcels = cJSON_AddArrayToObject(root, "parcels");
	parcel = cJSON_CreateObject();
	cJSON_AddStringToObject(parcel, "template",
				s->cfg.parcel_template[0] ? s->cfg.parcel_template : "small");
	cJSON_AddItemToArray(parcels, parcel);
	attrs = cJSON_AddObjectToObject(root, "custom_attributes");
	if (locker)
		cJSON_AddStringToObject(attrs, "target_point", o->delivery.pickup_point);
	if (s->cfg.sending_method[0])
		cJSON_AddStringToObject(attrs, "sending_method", s->cfg.sending_method);
	cJSON_AddStringToObject(root, "service", service);
	cJSON_AddStringToObject(root, "reference", reference);
	if (strcmp(o->payment.type, "cod") == 0 && o->total > o->payment.paid) {
		cJSON *cod = cJSON_AddObjectToObject(root, "cod");
		cJSON_AddNumberToObject(cod, "amount",
					(double)(o->total - o->payment.paid) / 100.0);
		cJSON_AddStringToObject(cod, "currency", o->currency[0] ? o->currency : "PLN");
	}
	out = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	if (!out)
		set_err(s, "out of memory");
	return out;
}

/* --- calls --- */

int shipx_create(struct shipx *s, const struct order *o, const char *reference,
		 struct shipx_shipment *out)
{
	char path[128], *body;
	cJSON *j = NULL;
	long status = 0;
	int rc;

	body = shipx_request_json(s, o, reference);
	if (!body)
		return -PL_EINVAL;
	snprintf(path, sizeof(path), "/v1/organizations/%s/shipments", s->cfg.org_id);
	rc = request_json(s, "create", "POST", path, body, &j, &status);
	free(body);
	/* A 5xx to a create may come after the shipment was made: as unclear as a
	 * timeout. (429 means refused before anything was done.) */
	if (rc && status >= 500) {
		pl_warn("%s (treated as unknown outcome)", s->err);
		rc = -PL_EUNKNOWN;
	}
	if (!rc) {
		rc = parse_shipment(j, out);
		if (rc)
			set_err(s, "shipx create: answer has no shipment id");
	}
	cJSON_Delete(j);
	return rc;
}

int shipx_get(struct shipx *s, int64_t id, struct shipx_shipment *out)
{
	char path[64];
	cJSON *j = NULL;
	int rc;

	snprintf(path, sizeof(path), "/v1/shipments/%" PRId64, id);
	rc = request_json(s, "get", "GET", path, NULL, &j, NULL);
	if (!rc && (rc = parse_shipment(j, out)))
		set_err(s, "shipx get: answer has no shipment id");
	cJSON_Delete(j);
	return rc;
}

int shipx_find(struct shipx *s, const struct order *o, const char *reference, int64_t since,
	       struct shipx_shipment *out)
{
	char path[600], q[200], filter[220], ts[21], phone[32];
	struct shipx_shipment cand, best = {0};
	int rc = 0;

	since -= s->cfg.lookup_slack_s;
	if (since < 0)
		since = 0;
	pl_format_iso8601(since, ts);
	/* narrow by receiver: e-mail, else phone; the reference we match ourselves */
	filter[0] = '\0';
	phone_digits(o->buyer.phone, phone, sizeof(phone));
	if (o->buyer.email[0]) {
		if (http_query_escape(o->buyer.email, q, sizeof(q)))
			return -PL_EINVAL;
		snprintf(filter, sizeof(filter), "receiver_email=%s&", q);
	} else if (phone[0]) {
		if (http_query_escape(phone, q, sizeof(q)))
			return -PL_EINVAL;
		snprintf(filter, sizeof(filter), "receiver_phone=%s&", q);
	}
	for (int page = 1; page <= SHIPX_LIST_MAX_PAGES; page++) {
		const cJSON *items, *it;
		cJSON *j = NULL;
		int n = 0;

		snprintf(path, sizeof(path),
			 "/v1/organizations/%s/shipments?%screated_at_gteq=%s&per_page=%d&page=%d",
			 s->cfg.org_id, filter, ts, SHIPX_LIST_PER_PAGE, page);
		rc = request_json(s, "look-up", "GET", path, NULL, &j, NULL);
		if (rc)
			return rc;
		items = cJSON_GetObjectItemCaseSensitive(j, "items");
		if (!cJSON_IsArray(items)) {
			cJSON_Delete(j);
			set_err(s, "shipx look-up: answer has no items");
			return -PL_EPROTO;
		}
		cJSON_ArrayForEach(it, items)
		{
			n++;
			if (parse_shipment(it, &cand) || strcmp(cand.reference, reference) != 0)
				continue;
			/* the newest live one wins; a cancelled one only when nothing else */
			bool live = strcmp(cand.status, "canceled") != 0;
			bool best_live = best.id && strcmp(best.status, "canceled") != 0;
			if (!best.id || (live && !best_live) ||
			    (live == best_live && cand.id > best.id))
				best = cand;
		}
		cJSON_Delete(j);
		if (n < SHIPX_LIST_PER_PAGE)
			break;
	}
	if (!best.id) {
		set_err(s, "shipx: no shipment with reference '%s'", reference);
		return -PL_ENOTFOUND;
	}
	*out = best;
	return 0;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

int shipx_ensure(struct shipx *s, const struct order *o, const char *reference, bool maybe_exists,
		 int64_t since, struct shipx_shipment *out)
{
	int rc;

	if (maybe_exists) {
		rc = shipx_find(s, o, reference, since, out);
		if (rc != -PL_ENOTFOUND) {
			if (!rc)
				pl_info("shipx: reusing shipment %" PRId64 " for '%s'", out->id,
					reference);
			return rc; /* found, or the look-up itself failed: do not create blind */
		}
	}
	rc = shipx_create(s, o, reference, out);
	if (rc != -PL_EUNKNOWN)
		return rc;
	/* The create may have gone through. Look (the list may lag a little behind); if
	 * it is still not there, report unknown: the caller journals that and the next
	 * attempt looks again before creating. */
	pl_warn("%s; looking for the shipment before anything else", s->err);
	for (int i = 0; i < 3; i++) {
		if (i)
			sleep_ms(s->cfg.poll_ms > 0 ? s->cfg.poll_ms : 500);
		rc = shipx_find(s, o, reference, since, out);
		if (rc == 0) {
			pl_info("shipx: the unclear create made shipment %" PRId64, out->id);
			return 0;
		}
		if (rc != -PL_ENOTFOUND && rc != -PL_EIO && rc != -PL_EUNKNOWN)
			break;
	}
	set_err(s,
		"shipx: outcome of creating the shipment for '%s' unknown, and it is not "
		"listed yet",
		reference);
	return -PL_EUNKNOWN;
}

static bool status_labelled(const char *st)
{
	static const char *const before[] = {"created", "offers_prepared", "offer_selected"};

	for (size_t i = 0; i < sizeof(before) / sizeof(before[0]); i++)
		if (strcmp(st, before[i]) == 0)
			return false;
	return true;
}

int shipx_wait_confirmed(struct shipx *s, int64_t id, struct shipx_shipment *out)
{
	int64_t deadline = pl_monotonic_ms() + s->cfg.confirm_timeout_ms;
	long delay = s->cfg.poll_ms > 0 ? s->cfg.poll_ms : 500;
	int rc;

	for (;;) {
		rc = shipx_get(s, id, out);
		if (rc && rc != -PL_EIO && rc != -PL_EUNKNOWN && rc != -PL_EBUSY)
			return rc; /* a GET is safe to repeat; other errors are final */
		if (!rc && strcmp(out->status, "canceled") == 0) {
			set_err(s, "shipx: shipment %" PRId64 " was cancelled", id);
			return -PL_ESTATE;
		}
		if (!rc && status_labelled(out->status) && out->tracking[0])
			return 0;
		if (pl_monotonic_ms() + delay > deadline) {
			set_err(s,
				"shipx: shipment %" PRId64 " not confirmed in %ld ms (status %s)",
				id, s->cfg.confirm_timeout_ms, rc ? "unknown" : out->status);
			return -PL_ETIMEDOUT;
		}
		sleep_ms(delay);
		delay = delay * 3 / 2;
		if (delay > 5000)
			delay = 5000;
	}
}

int shipx_label(struct shipx *s, int64_t id, const char *format, const char *type, struct buf *out)
{
	struct http_resp r;
	char path[160];
	size_t saved = s->http.resp_max;
	int rc;

	snprintf(path, sizeof(path), "/v1/shipments/%" PRId64 "/label?format=%s%s%s", id,
		 format ? format : "Zpl", type ? "&type=" : "", type ? type : "");
	http_resp_init(&r);
	s->http.resp_max = SHIPX_LABEL_MAX < out->max ? SHIPX_LABEL_MAX : out->max;
	s->requests++;
	rc = http_request(&s->http, "GET", path, NULL, NULL, 0, &r);
	s->http.resp_max = saved;
	if (rc == -PL_ETOOBIG)
		set_err(s, "shipx label: larger than %zu bytes", out->max);
	else if (rc)
		set_err(s, "shipx label: %s", r.err[0] ? r.err : pl_strerror(rc));
	else if (r.status < 200 || r.status > 299)
		rc = answer_error(s, "label", &r);
	else if (strstr(r.content_type, "json"))
		rc = (set_err(s, "shipx label: got JSON, not a label"), -PL_EPROTO);
	else if (r.body.len == 0)
		rc = (set_err(s, "shipx label: empty"), -PL_EPROTO);
	else
		rc = buf_append(out, r.body.data, r.body.len);
	http_resp_release(&r);
	return rc;
}
