/* SPDX-License-Identifier: Apache-2.0 */
/* labels/label_config.c - the label's configuration sections (see label_config.h). */
#include "labels/label_config.h"
#include "base/err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cfg_ctx {
	const struct config_view *c;
	struct diag *d;
	int errors;
};

static void cfg_err(struct cfg_ctx *x, const char *section, const char *name, const char *key,
		    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void cfg_err(struct cfg_ctx *x, const char *section, const char *name, const char *key,
		    const char *fmt, ...)
{
	char where[1200], msg[512];
	int line = 0;
	va_list ap;

	for (size_t i = 0; i < x->c->nkv; i++) {
		const struct config_kv *kv = &x->c->kv[i];
		if (strcmp(kv->section, section) == 0 && strcmp(kv->name, name) == 0 &&
		    (!key || strcmp(kv->key, key) == 0)) {
			line = kv->line;
			break;
		}
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line)
		snprintf(where, sizeof(where), "%s:%d", x->c->path[0] ? x->c->path : "config",
			 line);
	else
		snprintf(where, sizeof(where), "%s", x->c->path[0] ? x->c->path : "config");
	diag_add(x->d, where, "[%s%s%s%s] %s", section, name[0] ? " \"" : "", name,
		 name[0] ? "\"" : "", msg);
	x->errors++;
}

/* Every key of [section "name"] must be in `known` (space-separated). */
static void cfg_known(struct cfg_ctx *x, const char *section, const char *name, const char *known)
{
	char pat[80];

	for (size_t i = 0; i < x->c->nkv; i++) {
		const struct config_kv *kv = &x->c->kv[i];
		if (strcmp(kv->section, section) != 0 || strcmp(kv->name, name) != 0)
			continue;
		snprintf(pat, sizeof(pat), " %s ", kv->key);
		if (!strstr(known, pat))
			cfg_err(x, section, name, kv->key, "unknown key '%s' (known:%s)", kv->key,
				known);
	}
}

static void cfg_str(struct cfg_ctx *x, const char *section, const char *name, const char *key,
		    char *out, size_t cap)
{
	const char *v = cfgview_get(x->c, section, name, key);

	if (!v)
		return;
	if (strlen(v) >= cap) {
		cfg_err(x, section, name, key, "%s is longer than %zu characters", key, cap - 1);
		return;
	}
	memcpy(out, v, strlen(v) + 1);
}

static void cfg_long(struct cfg_ctx *x, const char *section, const char *name, const char *key,
		     long lo, long hi, long *out)
{
	const char *v = cfgview_get(x->c, section, name, key);
	char *end;
	long n;

	if (!v)
		return;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || end == v || *end || n < lo || n > hi) {
		cfg_err(x, section, name, key, "%s must be a number from %ld to %ld", key, lo, hi);
		return;
	}
	*out = n;
}

static void cfg_int(struct cfg_ctx *x, const char *section, const char *name, const char *key,
		    int lo, int hi, int *out)
{
	long v = *out;

	cfg_long(x, section, name, key, lo, hi, &v);
	*out = (int)v;
}

static int parse_hex16(const char *s, size_t n, uint16_t *out)
{
	char tmp[8], *end;
	unsigned long v;

	if (n == 0 || n > 4)
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	errno = 0;
	v = strtoul(tmp, &end, 16);
	if (errno || *end)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

/* Relative template paths are relative to the configuration file. */
static void resolve_path(const struct config_view *c, const char *p, char *out, size_t cap)
{
	const char *slash = strrchr(c->path, '/');

	if (p[0] == '/' || !slash)
		snprintf(out, cap, "%s", p);
	else
		snprintf(out, cap, "%.*s/%s", (int)(slash - c->path), c->path, p);
}

int label_setup_load(const struct config_view *c, const char *name, struct label_setup *out,
		     struct diag *d)
{
	struct cfg_ctx x = {.c = c, .d = d};
	const char *v;
	char path[2048];
	long n;

	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "%s", name);
	snprintf(out->station, sizeof(out->station), "%s", c->station);
	print_cfg_init(&out->print);
	shipx_cfg_init(&out->shipx);
	out->dpi = 203;
	cfg_known(&x, "label", name,
		  " template source courier dpi printer tcp usb usb_device file timeout_ms "
		  "wait_ms on_unclear ");
	cfg_known(&x, "cups", "", " server queue timeout_ms wait_ms ");
	cfg_known(&x, "shipx", "",
		  " url token organization service parcel sending_method cainfo timeout_ms "
		  "confirm_timeout_ms poll_ms ");

	cfg_int(&x, "label", name, "dpi", 100, 1000, &out->dpi);
	if (out->dpi != 203 && out->dpi != 300)
		cfg_err(&x, "label", name, "dpi", "dpi must be 203 or 300");
	v = cfgview_get(c, "label", name, "source");
	if (!v || strcmp(v, "template") == 0)
		out->source = LABEL_SRC_TEMPLATE;
	else if (strcmp(v, "courier") == 0)
		out->source = LABEL_SRC_COURIER;
	else
		cfg_err(&x, "label", name, "source", "source must be template or courier");
	v = cfgview_get(c, "label", name, "courier");
	if (v && strcmp(v, "shipx") == 0)
		out->use_shipx = true;
	else if (v && strcmp(v, "none") != 0)
		cfg_err(&x, "label", name, "courier", "courier must be shipx or none");
	if (out->source == LABEL_SRC_COURIER && !out->use_shipx)
		cfg_err(&x, "label", name, "source", "source = courier needs courier = shipx");

	v = cfgview_get(c, "label", name, "on_unclear");
	if (!v || strcmp(v, "reprint") == 0)
		out->on_unclear = LABEL_UNCLEAR_REPRINT;
	else if (strcmp(v, "hold") == 0)
		out->on_unclear = LABEL_UNCLEAR_HOLD;
	else
		cfg_err(&x, "label", name, "on_unclear", "on_unclear must be reprint or hold");

	/* printer */
	v = cfgview_get(c, "label", name, "printer");
	if (!v) {
		cfg_err(&x, "label", name, NULL, "no printer (cups, tcp, usb or file)");
	} else if (print_type_parse(v, &out->print.type)) {
		cfg_err(&x, "label", name, "printer", "printer must be cups, tcp, usb or file");
		v = NULL; /* no type-specific checks for a type we do not know */
	}
	cfg_int(&x, "label", name, "timeout_ms", 100, 600000, &out->print.timeout_ms);
	cfg_int(&x, "label", name, "wait_ms", 0, 3600000, &out->print.cups_wait_ms);
	if (v && out->print.type == PRINT_CUPS) {
		cfg_str(&x, "cups", "", "server", out->print.cups_server,
			sizeof(out->print.cups_server));
		cfg_str(&x, "cups", "", "queue", out->print.cups_queue,
			sizeof(out->print.cups_queue));
		cfg_int(&x, "cups", "", "timeout_ms", 100, 600000, &out->print.timeout_ms);
		cfg_int(&x, "cups", "", "wait_ms", 0, 3600000, &out->print.cups_wait_ms);
		if (!out->print.cups_queue[0])
			cfg_err(&x, "cups", "", NULL, "no queue (the CUPS printer name)");
	} else if (v && out->print.type == PRINT_TCP) {
		const char *t = cfgview_get(c, "label", name, "tcp"), *colon;
		long port = 9100;
		colon = t ? strrchr(t, ':') : NULL;
		if (!t || !t[0]) {
			cfg_err(&x, "label", name, NULL, "printer = tcp needs tcp = HOST[:PORT]");
		} else {
			size_t hl = colon ? (size_t)(colon - t) : strlen(t);
			if (colon) {
				char *end;
				errno = 0;
				port = strtol(colon + 1, &end, 10);
				if (errno || *end || port < 1 || port > 65535)
					cfg_err(&x, "label", name, "tcp", "bad port in '%s'", t);
			}
			if (hl == 0 || hl >= sizeof(out->print.tcp_host))
				cfg_err(&x, "label", name, "tcp", "bad host in '%s'", t);
			else
				snprintf(out->print.tcp_host, sizeof(out->print.tcp_host), "%.*s",
					 (int)hl, t);
			out->print.tcp_port = (int)port;
		}
	} else if (v && out->print.type == PRINT_USB) {
		const char *u = cfgview_get(c, "label", name, "usb"), *colon;
		colon = u ? strchr(u, ':') : NULL;
		if (!u || !colon || parse_hex16(u, (size_t)(colon - u), &out->print.usb_vid) ||
		    parse_hex16(colon + 1, strlen(colon + 1), &out->print.usb_pid))
			cfg_err(&x, "label", name, "usb",
				"printer = usb needs usb = VID:PID (hex)");
		cfg_str(&x, "label", name, "usb_device", out->print.usb_device,
			sizeof(out->print.usb_device));
	} else if (v && out->print.type == PRINT_FILE) {
		cfg_str(&x, "label", name, "file", out->print.file_path,
			sizeof(out->print.file_path));
		if (!out->print.file_path[0])
			cfg_err(&x, "label", name, NULL, "printer = file needs file = PATH");
	}

	/* courier */
	if (out->use_shipx) {
		cfg_str(&x, "shipx", "", "url", out->shipx.url, sizeof(out->shipx.url));
		cfg_str(&x, "shipx", "", "token", out->shipx.token, sizeof(out->shipx.token));
		cfg_str(&x, "shipx", "", "organization", out->shipx.org_id,
			sizeof(out->shipx.org_id));
		cfg_str(&x, "shipx", "", "service", out->shipx.service, sizeof(out->shipx.service));
		cfg_str(&x, "shipx", "", "parcel", out->shipx.parcel_template,
			sizeof(out->shipx.parcel_template));
		cfg_str(&x, "shipx", "", "sending_method", out->shipx.sending_method,
			sizeof(out->shipx.sending_method));
		cfg_str(&x, "shipx", "", "cainfo", out->shipx.cainfo, sizeof(out->shipx.cainfo));
		n = out->shipx.timeout_ms;
		cfg_long(&x, "shipx", "", "timeout_ms", 100, 600000, &n);
		out->shipx.timeout_ms = n;
		n = out->shipx.confirm_timeout_ms;
		cfg_long(&x, "shipx", "", "confirm_timeout_ms", 0, 3600000, &n);
		out->shipx.confirm_timeout_ms = n;
		n = out->shipx.poll_ms;
		cfg_long(&x, "shipx", "", "poll_ms", 10, 60000, &n);
		out->shipx.poll_ms = n;
		if (!out->shipx.token[0] || !out->shipx.org_id[0])
			cfg_err(&x, "shipx", "", NULL,
				"courier = shipx needs token and organization");
		snprintf(out->carrier, sizeof(out->carrier), "InPost");
	}

	/* template: loaded and checked now, so its errors show at load */
	v = cfgview_get(c, "label", name, "template");
	if (out->source == LABEL_SRC_TEMPLATE) {
		if (!v || !v[0]) {
			cfg_err(&x, "label", name, NULL, "no template (a .zpl.tmpl file)");
		} else {
			resolve_path(c, v, path, sizeof(path));
			if (label_tmpl_load(path, out->dpi, &out->tmpl, d))
				x.errors++;
		}
	}
	if (x.errors) {
		label_setup_release(out);
		return -PL_ECONFIG;
	}
	return 0;
}

void label_setup_release(struct label_setup *s)
{
	label_tmpl_free(s->tmpl);
	s->tmpl = NULL;
	memset(s->shipx.token, 0, sizeof(s->shipx.token));
}

int label_config_check(const struct config_view *v, const char *name, struct diag *d)
{
	struct label_setup ls;
	int rc = label_setup_load(v, name, &ls, d);

	if (rc == 0)
		label_setup_release(&ls);
	return rc;
}
