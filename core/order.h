/* SPDX-License-Identifier: Apache-2.0 */
/* core/order.h - the customer order (ZK) as the agent keeps it.
 *
 * Strings are fixed-size, NUL-terminated arrays: the caps are part of the
 * validation contract (docs/orders.md), so an order that fits the struct fits
 * the store, the printer and every template. Money is int64 minor units,
 * quantities are thousandths (see core/money.h).
 *
 * Ownership: struct order is embedded or allocated by the caller;
 * order_init() zeroes it, order_release() frees the lines array. Copy with
 * order_copy(), never with memcpy (the lines are owned).
 */
#ifndef PL_CORE_ORDER_H
#define PL_CORE_ORDER_H

#include "core/money.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ORDER_MAX_LINES 500
#define ORDER_MAX_TAGS  16
/* Largest money amount in an order (total, unit price, delivery, paid): one
 * billion in major units. Far above any parcel, and small enough that 500
 * lines of it cannot overflow int64 anywhere. */
#define ORDER_MONEY_MAX 100000000000LL
/* Largest quantity of a line: one million units (in thousandths). */
#define ORDER_QTY_MAX 1000000000LL

struct order_address {
	char street[128];
	char postcode[16];
	char city[64];
	char country[3]; /* ISO 3166-1 alpha-2, "PL" */
};

struct order_buyer {
	char name[128];    /* person */
	char company[160]; /* company name; empty for a consumer */
	char nip[16];      /* normalised: 10 digits for PL, "DE123..." for a foreign EU VAT id */
	char email[128];
	char phone[32];
	char country[3];
	struct order_address billing;
};

struct order_delivery {
	char method[64];       /* "inpost_locker", "dpd", "pickup", ... */
	char pickup_point[32]; /* locker / point id, e.g. "KRA010M" */
	struct order_address address;
	char recipient[128];
	int64_t cost; /* gross, minor units */
	enum vat_rate cost_vat;
	bool refunded; /* the shipping was paid back (a return): corrections take it back */
};

struct order_payment {
	char type[16];   /* cash|card|transfer|online|cod|blik|voucher|other */
	char status[16]; /* unpaid|partial|paid|refunded */
	int64_t paid;    /* minor units */
};

struct order_line {
	char sku[64];
	char ean[15]; /* EAN-8, EAN-13 or GTIN-14 digits; empty if none */
	char name[256];
	int64_t qty;        /* thousandths */
	char unit[8];       /* "szt", "kg", ... */
	int64_t unit_price; /* gross, minor units */
	enum vat_rate vat;
	/* thousandths the buyer sent back so far (cumulative, 0..qty): what a
	 * correction takes back (core/correction.h); not part of the sale */
	int64_t returned;
};

struct order {
	int64_t id;      /* store row id; 0 before it is stored */
	char source[16]; /* shop|allegro|file|manual */
	char ext_id[64]; /* id at the source; (source, ext_id) is unique */
	char number[64]; /* human order number, "ZK/2026/0042" */
	int64_t created; /* unix seconds, UTC */
	int64_t updated;
	char status[32];  /* new|accepted|paid|packed|shipped|cancelled|returned|... */
	char currency[4]; /* ISO 4217 */
	int64_t total;    /* declared gross total, minor units: lines + delivery */
	struct order_buyer buyer;
	struct order_delivery delivery;
	struct order_payment payment;
	char notes[1024];
	char tags[ORDER_MAX_TAGS][32];
	size_t ntags;
	char allegro_checkout_id[64]; /* Allegro checkout-form id (UUID) */
	struct order_line *lines;
	size_t nlines;
};

void order_init(struct order *o);
void order_release(struct order *o);
/* Deep copy; dst must be initialised (it is released first). 0 or -PL_ENOMEM. */
int order_copy(struct order *dst, const struct order *src);
/* Append a line (copied). 0, -PL_ENOMEM or -PL_ETOOBIG past ORDER_MAX_LINES. */
int order_add_line(struct order *o, const struct order_line *l);
/* Sum of line gross values plus delivery cost, minor units (saturating). */
int64_t order_computed_total(const struct order *o);

struct diag;
/* Check every rule of docs/orders.md that a filled struct can break (NIP and
 * EAN check digits, known status / currency / VAT / payment values, caps,
 * UTF-8 text without control bytes, e-mail shape, line sum == total, ...).
 * Errors go to `d` under JSON paths rooted at `path` ("$.orders[3]" gives
 * "$.orders[3].lines[1].ean"); a place that already has an error in `d` gets
 * no second one. Returns 0 or -PL_EINVAL. Used by core/order_json.c and by
 * connectors that build orders in C. */
int order_validate(const struct order *o, const char *path, struct diag *d);
/* Known values (docs/orders.md): order status, payment type, payment status. */
bool order_status_known(const char *s);
bool order_payment_type_known(const char *s);
bool order_payment_status_known(const char *s);
bool order_source_known(const char *s); /* shop, allegro, woocommerce, file, manual */
/* The same lists, NULL-terminated, for "did you mean" hints (static). */
const char *const *order_status_names(void);
const char *const *order_payment_type_names(void);
const char *const *order_payment_status_names(void);
const char *const *order_source_names(void);

#endif
