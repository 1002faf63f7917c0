/* SPDX-License-Identifier: Apache-2.0 */
/* fiscal/posnet_config.c - the [printer "NAME"] section (see posnet_config.h). */
#include "fiscal/posnet_config.h"
#include "base/err.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int rj_cfg_int(const struct config_view *c, const char *name, const char *key, int min,
		      int max, int *out, struct diag *d)
{
	const char *v = cfgview_get(c, "printer", name, key);
	char *end;
	long n;

	if (!v)
		return 0;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || *end || end == v || n < min || n > max) {
		diag_add(d, key, "printer '%s': %s must be a number %d..%d, not '%s'", name, key,
			 min, max, v);
		return -PL_ECONFIG;
	}
	*out = (int)n;
	return 0;
}

static int rj_cfg_bool(const struct config_view *c, const char *name, const char *key, bool *out,
		       struct diag *d)
{
	const char *v = cfgview_get(c, "printer", name, key);

	if (!v)
		return 0;
	if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "on"))
		*out = true;
	else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0") || !strcmp(v, "off"))
		*out = false;
	else {
		diag_add(d, key, "printer '%s': %s must be yes or no, not '%s'", name, key, v);
		return -PL_ECONFIG;
	}
	return 0;
}

int posnet_cfg_load(const struct config_view *c, const char *name, struct posnet_cfg *out,
		    struct diag *d)
{
	const char *t;
	bool tokens = true, footer = true;
	int paper = 57, rc = 0;

	posnet_cfg_init(out);
	snprintf(out->name, sizeof(out->name), "%s", name);
	t = cfgview_get(c, "printer", name, "transport");
	if (!t || !*t) {
		diag_add(d, "transport",
			 "printer '%s': no transport (e.g. serial:/dev/ttyUSB0:9600)", name);
		return -PL_ECONFIG;
	}
	if (strlen(t) >= sizeof(out->target)) {
		diag_add(d, "transport", "printer '%s': transport too long", name);
		return -PL_ECONFIG;
	}
	snprintf(out->target, sizeof(out->target), "%s", t);
	rc |= rj_cfg_int(c, name, "timeout_status_ms", 100, 600000,
			 &out->timeout_ms[POSNET_CLASS_STATUS], d);
	rc |= rj_cfg_int(c, name, "timeout_trans_ms", 100, 600000,
			 &out->timeout_ms[POSNET_CLASS_TRANS], d);
	rc |= rj_cfg_int(c, name, "timeout_end_ms", 100, 600000, &out->timeout_ms[POSNET_CLASS_END],
			 d);
	rc |= rj_cfg_int(c, name, "timeout_report_ms", 1000, 3600000,
			 &out->timeout_ms[POSNET_CLASS_REPORT], d);
	rc |= rj_cfg_int(c, name, "paper", 57, 80, &paper, d);
	rc |= rj_cfg_bool(c, name, "tokens", &tokens, d);
	rc |= rj_cfg_bool(c, name, "footer_order_number", &footer, d);
	rc |= rj_cfg_bool(c, name, "block_mode", &out->block_mode, d);
	if (paper != 57 && paper != 80) {
		diag_add(d, "paper", "printer '%s': paper must be 57 or 80", name);
		rc = -PL_ECONFIG;
	}
	out->paper = paper == 80 ? POSNET_PAPER_80MM : POSNET_PAPER_57MM;
	out->no_tokens = !tokens;
	out->no_footer = !footer;
	return rc ? -PL_ECONFIG : 0;
}

/* The numbers inside a transport: tcp:HOST:PORT (1-65535) and
 * serial:DEV[:BAUD[:FRAMING[:FLOW]]] (a baud rate the port can be set to,
 * framing 5-8 data bits, N/E/O parity, 1/2 stop bits). NULL when fine, else
 * the reason, in `why`. */
static const char *transport_problem(const char *t, char *why, size_t cap)
{
	static const long bauds[] = {1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200};
	char *end;
	long n;

	if (strncmp(t, "tcp:", 4) == 0) {
		const char *colon = strrchr(t + 4, ':');
		if (!colon || colon == t + 4) {
			snprintf(why, cap, "tcp needs HOST:PORT");
			return why;
		}
		errno = 0;
		n = strtol(colon + 1, &end, 10);
		if (errno || end == colon + 1 || *end || n < 1 || n > 65535) {
			snprintf(why, cap, "port '%s' is not in 1-65535", colon + 1);
			return why;
		}
		return NULL;
	}
	if (strncmp(t, "serial:", 7) == 0) {
		const char *p = strchr(t + 7, ':');
		bool known = false;
		if (!p)
			return NULL;
		errno = 0;
		n = strtol(p + 1, &end, 10);
		for (size_t i = 0; i < sizeof(bauds) / sizeof(bauds[0]); i++)
			known = known || n == bauds[i];
		if (errno || end == p + 1 || (*end && *end != ':') || !known) {
			snprintf(why, cap,
				 "baud rate '%.*s' is not one of 1200, 2400, 4800, 9600, 19200, "
				 "38400, 57600, 115200",
				 (int)strcspn(p + 1, ":"), p + 1);
			return why;
		}
		if (*end == ':') {
			const char *f = end + 1;
			size_t fl = strcspn(f, ":");
			if (fl != 3 || f[0] < '5' || f[0] > '8' || !strchr("NEO", f[1]) ||
			    (f[2] != '1' && f[2] != '2')) {
				snprintf(why, cap,
					 "framing '%.*s' is not DATA(5-8) PARITY(N|E|O) STOP(1|2), "
					 "e.g. 8N1",
					 (int)fl, f);
				return why;
			}
		}
	}
	return NULL;
}

/* [printer "NAME"]: keys and the transport's form, with their places; then
 * the values' ranges through posnet_cfg_load(). */
int posnet_config_check(const struct config_view *v, const char *name, struct diag *d)
{
	static const char *const keys[] = {
	    "transport",      "timeout_status_ms",   "timeout_trans_ms",
	    "timeout_end_ms", "timeout_report_ms",   "paper",
	    "tokens",         "footer_order_number", "block_mode"};
	struct posnet_cfg pc;
	char where[1100], why[160];
	int rc = 0;

	for (size_t i = 0; i < v->nkv; i++) {
		const struct config_kv *kv = &v->kv[i];
		bool known = false;
		if (strcmp(kv->section, "printer") != 0 || strcmp(kv->name, name) != 0)
			continue;
		snprintf(where, sizeof(where), "%s:%d", v->path, kv->line);
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			known = known || strcmp(kv->key, keys[k]) == 0;
		if (!known) {
			diag_add(d, where, "unknown key '%s' in [printer \"%s\"]", kv->key, name);
			rc = -PL_ECONFIG;
		} else if (strcmp(kv->key, "transport") == 0 && strncmp(kv->value, "serial:", 7) &&
			   strncmp(kv->value, "/dev/", 5) && strncmp(kv->value, "tcp:", 4) &&
			   strncmp(kv->value, "sim:", 4)) {
			diag_add(d, where,
				 "transport '%s': use serial:/dev/ttyUSB0[:BAUD[:8N1[:FLOW]]], "
				 "/dev/serial/by-id/..., tcp:HOST:PORT or sim:",
				 kv->value);
			rc = -PL_ECONFIG;
		} else if (strcmp(kv->key, "transport") == 0 &&
			   transport_problem(kv->value, why, sizeof(why))) {
			snprintf(where, sizeof(where), "%s:%d:%d", v->path, kv->line,
				 kv->col > 0 ? kv->col : 1);
			diag_add(d, where, "transport '%s': %s", kv->value, why);
			rc = -PL_ECONFIG;
		}
	}
	if (posnet_cfg_load(v, name, &pc, d) != 0)
		rc = -PL_ECONFIG;
	return rc;
}
