/* SPDX-License-Identifier: Apache-2.0 */
/* core/order.c - lifecycle of struct order (see order.h for ownership). */
#include "core/order.h"

#include "base/diag.h"
#include "base/err.h"
#include "core/ident.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void order_init(struct order *o)
{
	memset(o, 0, sizeof(*o));
}

void order_release(struct order *o)
{
	free(o->lines);
	order_init(o);
}

int order_copy(struct order *dst, const struct order *src)
{
	struct order_line *lines = NULL;

	if (dst == src)
		return 0;
	if (src->nlines) {
		lines = malloc(src->nlines * sizeof(*lines));
		if (!lines)
			return -PL_ENOMEM;
		memcpy(lines, src->lines, src->nlines * sizeof(*lines));
	}
	order_release(dst);
	memcpy(dst, src, sizeof(*dst));
	dst->lines = lines;
	return 0;
}

int order_add_line(struct order *o, const struct order_line *l)
{
	struct order_line *v;

	if (o->nlines >= ORDER_MAX_LINES)
		return -PL_ETOOBIG;
	/* grow one at a time: orders are small and this keeps no capacity field
	 * in the struct (order_copy copies exactly nlines) */
	v = realloc(o->lines, (o->nlines + 1) * sizeof(*v));
	if (!v)
		return -PL_ENOMEM;
	o->lines = v;
	/* memcpy, not assignment: padding bytes are copied too, so two equal
	 * orders compare equal with memcmp (tests, change detection) */
	memcpy(&o->lines[o->nlines++], l, sizeof(*l));
	return 0;
}

/* Saturating add: a garbage order must not be UB; validation rejects it. */
static int64_t add_sat(int64_t a, int64_t b)
{
	int64_t r;

	if (__builtin_add_overflow(a, b, &r))
		return a > 0 ? INT64_MAX : INT64_MIN;
	return r;
}

int64_t order_computed_total(const struct order *o)
{
	int64_t sum = o->delivery.cost;

	for (size_t i = 0; i < o->nlines; i++)
		sum = add_sat(sum, money_line_gross(o->lines[i].unit_price, o->lines[i].qty));
	return sum;
}

/* ---- validation (docs/orders.md is the prose version of this code) ---- */

static const char *const statuses[] = {"new",      "accepted", "processing", "paid",
				       "packed",   "shipped",  "delivered",  "cancelled",
				       "returned", "on_hold",  NULL};
static const char *const pay_types[] = {"cash", "card",    "transfer", "online", "cod",
					"blik", "voucher", "other",    NULL};
static const char *const pay_statuses[] = {"unpaid", "partial", "paid", "refunded", NULL};
/* where orders come from (docs/orders.md); a site may add its own */
static const char *const sources[] = {"shop", "allegro", "woocommerce", "file", "manual", NULL};

static bool in_list(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

bool order_status_known(const char *s)
{
	return s && in_list(statuses, s);
}

bool order_payment_type_known(const char *s)
{
	return s && in_list(pay_types, s);
}

bool order_payment_status_known(const char *s)
{
	return s && in_list(pay_statuses, s);
}

bool order_source_known(const char *s)
{
	return s && in_list(sources, s);
}

const char *const *order_source_names(void)
{
	return sources;
}

const char *const *order_status_names(void)
{
	return statuses;
}

const char *const *order_payment_type_names(void)
{
	return pay_types;
}

const char *const *order_payment_status_names(void)
{
	return pay_statuses;
}

static void list_join(const char *const *list, char *out, size_t size)
{
	size_t used = 0;

	out[0] = '\0';
	for (; *list && used < size; list++) {
		int k = snprintf(out + used, size - used, "%s%s", used ? ", " : "", *list);
		if (k < 0)
			break;
		used += (size_t)k;
	}
}

/* Validation state: the diagnostics, the order's root path, errors found. */
struct vctx {
	struct diag *d;
	const char *root;
	int errors;
};

static bool has_error_at(const struct vctx *v, const char *where, bool prefix)
{
	size_t len = strlen(where);

	for (size_t i = 0; i < v->d->n; i++) {
		const char *w = v->d->v[i].where;
		if (!w)
			continue;
		if (prefix ? strncmp(w, where, len) == 0 : strcmp(w, where) == 0)
			return true;
	}
	return false;
}

/* An error at `where` or at a place containing it: "$.lines[2]" (not an
 * object) covers "$.lines[2].qty" (left at its default). */
static bool has_error_here_or_above(const struct vctx *v, const char *where)
{
	char p[256];
	size_t len = strlen(where), root = strlen(v->root);

	if (len >= sizeof(p))
		return false;
	memcpy(p, where, len + 1);
	for (;;) {
		if (has_error_at(v, p, false))
			return true;
		/* cut the last ".name" or "[i]" */
		while (len > root && p[len - 1] != '.' && p[len - 1] != '[')
			len--;
		if (len <= root)
			return has_error_at(v, v->root, false);
		p[--len] = '\0';
	}
}

static void verr(struct vctx *v, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* One error per place: a field that failed its JSON type check is not also
 * reported for the default value it was left with. */
static void verr(struct vctx *v, const char *field, const char *fmt, ...)
{
	char where[256], msg[512];
	va_list ap;

	v->errors++;
	snprintf(where, sizeof(where), "%s.%s", v->root, field);
	if (has_error_here_or_above(v, where))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag_add(v->d, where, "%s", msg);
}

/* Well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF) without
 * control characters (C0, DEL, C1); tab and newline only where `multiline`.
 * Printers, the store and templates all take such text safely. */
static bool text_ok(const char *s, bool multiline, char *why, size_t size)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t pos = 0;

	while (p[pos]) {
		unsigned c = p[pos], cp;
		int extra;
		if (c < 0x80) {
			if ((c < 0x20 || c == 0x7f) && !(multiline && (c == '\n' || c == '\t'))) {
				snprintf(why, size, "contains control character 0x%02X at byte %zu",
					 c, pos + 1);
				return false;
			}
			pos++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			extra = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			extra = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			extra = 3;
			cp = c & 0x07;
		} else {
			snprintf(why, size, "is not valid UTF-8 (byte 0x%02X at %zu)", c, pos + 1);
			return false;
		}
		for (int k = 1; k <= extra; k++) {
			unsigned cc = p[pos + (size_t)k];
			if ((cc & 0xc0) != 0x80) {
				snprintf(why, size,
					 "is not valid UTF-8 (truncated sequence at byte %zu)",
					 pos + 1);
				return false;
			}
			cp = (cp << 6) | (cc & 0x3f);
		}
		if ((extra == 2 && cp < 0x800) || (extra == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff)) {
			snprintf(why, size, "is not valid UTF-8 (bad sequence at byte %zu)",
				 pos + 1);
			return false;
		}
		if (cp >= 0x80 && cp <= 0x9f) {
			snprintf(why, size, "contains control character U+%04X at byte %zu", cp,
				 pos + 1);
			return false;
		}
		pos += (size_t)extra + 1;
	}
	return true;
}

static void check_text(struct vctx *v, const char *field, const char *s, bool multiline)
{
	char why[128];

	if (!text_ok(s, multiline, why, sizeof(why)))
		verr(v, field, "%s", why);
}

static void check_required(struct vctx *v, const char *field, const char *s)
{
	if (!s[0])
		verr(v, field, "is required and must not be empty");
	else
		check_text(v, field, s, false);
}

static bool is_upper2(const char *s)
{
	return s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z' && s[2] == '\0';
}

static void check_country(struct vctx *v, const char *field, const char *s)
{
	if (s[0] && !is_upper2(s))
		verr(v, field,
		     "must be an ISO 3166-1 alpha-2 code in upper case such as PL, got '%s'", s);
}

static void check_address(struct vctx *v, const char *field, const struct order_address *a)
{
	char f[96];

	snprintf(f, sizeof(f), "%s.street", field);
	check_text(v, f, a->street, false);
	snprintf(f, sizeof(f), "%s.city", field);
	check_text(v, f, a->city, false);
	snprintf(f, sizeof(f), "%s.country", field);
	check_country(v, f, a->country);
	snprintf(f, sizeof(f), "%s.postcode", field);
	check_text(v, f, a->postcode, false);
	/* the Polish format is fixed (NN-NNN); the carriers' APIs refuse others */
	if (strcmp(a->country, "PL") == 0 && a->postcode[0]) {
		const char *p = a->postcode;
		bool ok = strlen(p) == 6 && p[2] == '-';
		for (int i = 0; ok && i < 6; i++)
			if (i != 2 && (p[i] < '0' || p[i] > '9'))
				ok = false;
		if (!ok)
			verr(v, f, "Polish postcode must look like 30-001, got '%s'", p);
	}
}

static void check_email(struct vctx *v, const char *field, const char *s)
{
	const char *at = strchr(s, '@');
	const char *dot;
	bool ok;

	if (!s[0])
		return;
	ok = at && at != s && !strchr(at + 1, '@');
	if (ok) {
		const char *dom = at + 1;
		size_t dl = strlen(dom);
		dot = strrchr(dom, '.');
		ok = dl >= 3 && dot && dot != dom && dot[1] && dom[0] != '.' &&
		     dom[dl - 1] != '.' && !strstr(dom, "..");
	}
	for (const char *p = s; ok && *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f || *p == ',' || *p == ';' ||
		    *p == '<' || *p == '>')
			ok = false;
	if (!ok)
		verr(v, field, "is not an e-mail address (expected name@domain.tld), got '%s'", s);
}

static void check_phone(struct vctx *v, const char *field, const char *s)
{
	int digits = 0;

	for (const char *p = s; *p; p++) {
		if (*p >= '0' && *p <= '9') {
			digits++;
		} else if (!strchr(" +-()/.", *p)) {
			verr(v, field,
			     "may hold only digits, spaces and + - ( ) / . characters, got '%s'",
			     s);
			return;
		}
	}
	if (s[0] && digits < 5)
		verr(v, field, "has %d digits, a phone number has at least 5", digits);
}

static void check_money(struct vctx *v, const char *field, int64_t m)
{
	char b[32];

	if (m < 0)
		verr(v, field, "must not be negative, got %s", money_format(m, b, sizeof(b)));
	else if (m > ORDER_MONEY_MAX)
		verr(v, field, "is %s, the limit is %s", money_format(m, b, sizeof(b)),
		     money_format(ORDER_MONEY_MAX, (char[32]){0}, 32));
}

static void check_vat(struct vctx *v, const char *field, enum vat_rate r)
{
	if ((unsigned)r >= VAT_RATE_COUNT)
		verr(v, field, "is not a known VAT rate (23, 8, 5, 0, zw, np, oo)");
}

/* CONTRACT-GUESS: Allegro checkout-form ids are UUIDs in the canonical
 * 8-4-4-4-12 hex form (as in the REST API's /order/checkout-forms/{id}). */
static bool is_uuid(const char *s)
{
	if (strlen(s) != 36)
		return false;
	for (int i = 0; i < 36; i++) {
		char c = s[i];
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (c != '-')
				return false;
		} else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
			     (c >= 'A' && c <= 'F'))) {
			return false;
		}
	}
	return true;
}

static void check_line(struct vctx *v, size_t i, const struct order_line *l)
{
	char f[64], why[160];

#define LF(name) (snprintf(f, sizeof(f), "lines[%zu].%s", i, name), f)
	check_required(v, LF("name"), l->name);
	check_text(v, LF("sku"), l->sku, false);
	if (l->ean[0] && !ident_gtin_check(l->ean, why, sizeof(why)))
		verr(v, LF("ean"), "%s", why);
	if (l->qty <= 0)
		verr(v, LF("qty"), "must be greater than 0");
	else if (l->qty > ORDER_QTY_MAX)
		verr(v, LF("qty"), "is %lld.%03lld, the limit is 1000000",
		     (long long)(l->qty / 1000), (long long)(l->qty % 1000));
	/* what came back can never be more than what was sold */
	if (l->returned < 0)
		verr(v, LF("returned"), "must not be negative");
	else if (l->qty > 0 && l->returned > l->qty)
		verr(v, LF("returned"), "is %lld.%03lld, more than the %lld.%03lld sold",
		     (long long)(l->returned / 1000), (long long)(l->returned % 1000),
		     (long long)(l->qty / 1000), (long long)(l->qty % 1000));
	if (!l->unit[0])
		verr(v, LF("unit"), "is required and must not be empty");
	else
		check_text(v, LF("unit"), l->unit, false);
	check_money(v, LF("unit_price"), l->unit_price);
	check_vat(v, LF("vat"), l->vat);
#undef LF
}

int order_validate(const struct order *o, const char *path, struct diag *d)
{
	struct vctx v = {.d = d, .root = path ? path : "$", .errors = 0};
	char why[160], list[128], where[256];

	check_required(&v, "source", o->source);
	for (const char *p = o->source; *p; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' ||
		      *p == '-')) {
			verr(&v, "source", "may hold only a-z, 0-9, '_' and '-', got '%s'",
			     o->source);
			break;
		}
	}
	check_required(&v, "id", o->ext_id);
	check_required(&v, "number", o->number);
	if (!o->status[0]) {
		verr(&v, "status", "is required and must not be empty");
	} else if (!order_status_known(o->status)) {
		list_join(statuses, list, sizeof(list));
		verr(&v, "status", "must be one of %s; got '%s'", list, o->status);
	}
	if (!o->currency[0])
		verr(&v, "currency", "is required and must not be empty");
	else if (!currency_known(o->currency))
		verr(&v, "currency", "is not an ISO 4217 currency code such as PLN or EUR: '%s'",
		     o->currency);
	if (o->created < 0)
		verr(&v, "created", "is before 1970");
	if (o->updated < 0)
		verr(&v, "updated", "is before 1970");
	check_money(&v, "total", o->total);

	check_text(&v, "buyer.name", o->buyer.name, false);
	check_text(&v, "buyer.company", o->buyer.company, false);
	if (o->buyer.nip[0]) {
		char norm[16];
		if (!ident_nip_check(o->buyer.nip, norm, why, sizeof(why)))
			verr(&v, "buyer.nip", "%s", why);
		else if (strcmp(norm, o->buyer.nip) != 0)
			verr(&v, "buyer.nip", "is not normalised: '%s' should be stored as '%s'",
			     o->buyer.nip, norm);
	}
	check_email(&v, "buyer.email", o->buyer.email);
	check_phone(&v, "buyer.phone", o->buyer.phone);
	check_country(&v, "buyer.country", o->buyer.country);
	check_address(&v, "buyer.billing", &o->buyer.billing);

	check_text(&v, "delivery.method", o->delivery.method, false);
	check_text(&v, "delivery.pickup_point", o->delivery.pickup_point, false);
	check_text(&v, "delivery.recipient", o->delivery.recipient, false);
	check_address(&v, "delivery.address", &o->delivery.address);
	check_money(&v, "delivery.cost", o->delivery.cost);
	check_vat(&v, "delivery.vat", o->delivery.cost_vat);
	if (o->delivery.refunded && o->delivery.cost <= 0)
		verr(&v, "delivery.refunded", "is set but the delivery costs nothing");

	if (o->payment.type[0] && !order_payment_type_known(o->payment.type)) {
		list_join(pay_types, list, sizeof(list));
		verr(&v, "payment.type", "must be one of %s; got '%s'", list, o->payment.type);
	}
	if (o->payment.status[0] && !order_payment_status_known(o->payment.status)) {
		list_join(pay_statuses, list, sizeof(list));
		verr(&v, "payment.status", "must be one of %s; got '%s'", list, o->payment.status);
	}
	check_money(&v, "payment.paid", o->payment.paid);

	check_text(&v, "notes", o->notes, true);
	if (o->ntags > ORDER_MAX_TAGS)
		verr(&v, "tags", "has %zu tags, the limit is %d", o->ntags, ORDER_MAX_TAGS);
	for (size_t i = 0; i < o->ntags && i < ORDER_MAX_TAGS; i++) {
		char f[32];
		snprintf(f, sizeof(f), "tags[%zu]", i);
		check_required(&v, f, o->tags[i]);
	}
	if (o->allegro_checkout_id[0] && !is_uuid(o->allegro_checkout_id))
		verr(&v, "allegro.checkout_form_id",
		     "must be a UUID such as 29738e61-7f6a-11e8-ac45-09db60ede9d6, got '%s'",
		     o->allegro_checkout_id);

	if (o->nlines == 0)
		verr(&v, "lines", "must hold at least one line");
	else if (o->nlines > ORDER_MAX_LINES)
		verr(&v, "lines", "has %zu lines, the limit is %d", o->nlines, ORDER_MAX_LINES);
	for (size_t i = 0; i < o->nlines && i < ORDER_MAX_LINES; i++)
		check_line(&v, i, &o->lines[i]);

	/* The sum check only means something when its inputs are sound: a line
	 * with a bad qty or price already has its own error. */
	snprintf(where, sizeof(where), "%s.lines", v.root);
	if (o->nlines && !has_error_at(&v, where, true)) {
		char tw[256], cw[256];
		snprintf(tw, sizeof(tw), "%s.total", v.root);
		snprintf(cw, sizeof(cw), "%s.delivery.cost", v.root);
		if (!has_error_at(&v, tw, false) && !has_error_at(&v, cw, false)) {
			int64_t sum = order_computed_total(o);
			if (sum != o->total) {
				char a[32], b[32], c[32], e[32];
				verr(&v, "total",
				     "is %s %s but the lines sum to %s and delivery costs %s, "
				     "together "
				     "%s %s",
				     money_format(o->total, a, sizeof(a)), o->currency,
				     money_format(sum - o->delivery.cost, b, sizeof(b)),
				     money_format(o->delivery.cost, c, sizeof(c)),
				     money_format(sum, e, sizeof(e)), o->currency);
			}
		}
	}
	return v.errors ? -PL_EINVAL : 0;
}
