/* SPDX-License-Identifier: Apache-2.0 */
/* connectors/shipx.h - InPost ShipX client: create a shipment, wait until
 * confirmed, fetch its label as ZPL (research/http-apis.md §4).
 *
 * The order is the shipment's `reference`. ShipX has no idempotency key, so
 * after any unclear outcome of a create (timeout or lost connection after the
 * request left, a 5xx answer) the client LOOKS before it creates again: it
 * lists the organisation's shipments filtered by receiver e-mail (or phone)
 * and creation time and matches `reference` itself (the API has no reference
 * filter). shipx_ensure() does exactly that, so a parcel never gets two
 * shipments; the label job also journals the shipment id as soon as it is
 * known (effects/label.c).
 *
 * Shipments are confirmed asynchronously (offers are bought in the
 * background): shipx_wait_confirmed() polls GET /v1/shipments/{id} with a
 * growing interval until `confirmed` (or a later status), and only then is a
 * label available.
 *
 * Errors: -PL_EINVAL the service refused the data (validation_failed; the
 * details are in shipx_error()); -PL_ECONFIG token or organisation refused;
 * -PL_ENOTFOUND no such shipment; -PL_ESTATE not confirmed yet (label) or
 * cancelled; -PL_ETIMEDOUT not confirmed in time; -PL_EIO request not sent
 * (safe to retry); -PL_EUNKNOWN outcome unknown (look before retrying);
 * -PL_EBUSY rate limited / service unavailable; -PL_EPROTO an answer we do not
 * understand.
 *
 * Ownership: shipx_init()/shipx_release() for the embedded struct shipx.
 */
#ifndef PL_CONNECTORS_SHIPX_H
#define PL_CONNECTORS_SHIPX_H

#include "base/buf.h"
#include "connectors/http.h"
#include "core/order.h"

#include <stdbool.h>
#include <stdint.h>

#define SHIPX_LABEL_MAX (2u * 1024 * 1024) /* bytes of one label */

struct shipx_cfg {
	char url[256];            /* "https://api-shipx-pl.easypack24.net" */
	char token[1024];         /* Bearer token (secret) */
	char org_id[32];          /* organisation id */
	char service[64];         /* "" = by delivery method: locker or courier standard */
	char parcel_template[16]; /* small|medium|large; default small */
	char sending_method[32];  /* custom_attributes.sending_method; "" = none */
	char cainfo[512];         /* CA bundle for tests; "" = system */
	long timeout_ms;          /* per request; default 15000 */
	long confirm_timeout_ms;  /* shipx_wait_confirmed(); default 60000 */
	long poll_ms;             /* first poll interval; default 500, grows to 5000 */
	long lookup_slack_s;      /* look-up window before the first attempt; default 600 */
};

struct shipx_shipment {
	int64_t id;
	char status[48];
	char tracking[64]; /* "" until confirmed */
	char reference[100];
	char service[64];
};

struct shipx {
	struct http http;
	struct shipx_cfg cfg;
	char err[512];     /* the last error, for the operator */
	unsigned requests; /* requests sent, for tests and logs */
};

/* Defaults for every field. */
void shipx_cfg_init(struct shipx_cfg *cfg);
/* 0, -PL_ECONFIG (missing url/token/org, or not https), -PL_ENOMEM. */
int shipx_init(struct shipx *s, const struct shipx_cfg *cfg);
void shipx_release(struct shipx *s);
const char *shipx_error(const struct shipx *s);

/* The shipment request body for `o` (JSON text, malloc'ed, caller frees) or
 * NULL with s->err set (-PL_EINVAL cases: no recipient, locker without point). */
char *shipx_request_json(struct shipx *s, const struct order *o, const char *reference);

/* POST a new shipment. See the outcome classes above; on -PL_EUNKNOWN the
 * shipment may exist: use shipx_find() or shipx_ensure(). */
int shipx_create(struct shipx *s, const struct order *o, const char *reference,
		 struct shipx_shipment *out);
int shipx_get(struct shipx *s, int64_t id, struct shipx_shipment *out);
/* Look for a shipment with `reference` for the receiver of `o`, created at
 * or after `since` (unix seconds; the slack is subtracted here). 0 and *out,
 * or -PL_ENOTFOUND. When several match, the newest not cancelled one. */
int shipx_find(struct shipx *s, const struct order *o, const char *reference, int64_t since,
	       struct shipx_shipment *out);
/* The shipment for `reference`: when `maybe_exists` (an earlier attempt's
 * outcome is unknown) look first; create only when none is found; after an
 * unclear create, look again (a few times, the service may be slow to list
 * it) and never create twice in one call. `since` as for shipx_find. */
int shipx_ensure(struct shipx *s, const struct order *o, const char *reference, bool maybe_exists,
		 int64_t since, struct shipx_shipment *out);
/* Poll until confirmed (tracking number known). */
int shipx_wait_confirmed(struct shipx *s, int64_t id, struct shipx_shipment *out);
/* The label file: format "Zpl" (or "Pdf", "Epl"), type "normal", "A6",
 * "dpi300" or NULL (service default). Bytes appended to `out` (capped at
 * SHIPX_LABEL_MAX or out->max, whichever is smaller). */
int shipx_label(struct shipx *s, int64_t id, const char *format, const char *type, struct buf *out);

#endif
