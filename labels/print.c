/* SPDX-License-Identifier: Apache-2.0 */
/* labels/print.c - backend choice, names, defaults. */
#include "labels/print.h"
#include "base/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const type_names[PRINT_TYPE_COUNT] = {
    [PRINT_CUPS] = "cups",
    [PRINT_TCP] = "tcp",
    [PRINT_USB] = "usb",
    [PRINT_FILE] = "file",
};

static const char *const state_names[PRINT_STATE_COUNT] = {
    [PRINT_NONE] = "none",           [PRINT_ACCEPTED] = "accepted",
    [PRINT_PENDING] = "pending",     [PRINT_PROCESSING] = "processing",
    [PRINT_COMPLETED] = "completed", [PRINT_ABORTED] = "aborted",
    [PRINT_CANCELLED] = "cancelled",
};

static const struct print_ops *const backends[PRINT_TYPE_COUNT] = {
    [PRINT_CUPS] = &print_sidecar_ops,
    [PRINT_TCP] = &print_tcp_ops,
    [PRINT_USB] = &print_usb_ops_libusb,
    [PRINT_FILE] = &print_file_ops,
};

const char *print_type_name(enum print_type t)
{
	return (unsigned)t < PRINT_TYPE_COUNT ? type_names[t] : "?";
}

int print_type_parse(const char *s, enum print_type *out)
{
	for (int i = 0; i < PRINT_TYPE_COUNT; i++) {
		if (strcmp(s, type_names[i]) == 0) {
			*out = (enum print_type)i;
			return 0;
		}
	}
	return -PL_EINVAL;
}

const char *print_state_name(enum print_state s)
{
	return (unsigned)s < PRINT_STATE_COUNT ? state_names[s] : "?";
}

void print_cfg_init(struct print_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->type = PRINT_FILE;
	cfg->timeout_ms = 10000;
	cfg->cups_wait_ms = 30000;
	cfg->tcp_port = 9100;
}

int print_open(struct printer **out, const struct print_cfg *cfg, char *msg, size_t msg_len)
{
	*out = NULL;
	if (msg_len)
		msg[0] = '\0';
	if ((unsigned)cfg->type >= PRINT_TYPE_COUNT) {
		print_msgf(msg, msg_len, "unknown printer type");
		return -PL_EINVAL;
	}
	return backends[cfg->type]->open(out, cfg, msg, msg_len);
}

int print_job_run(struct printer *p, const void *data, size_t len, struct print_job *job)
{
	int rc = print_submit(p, data, len, job);

	if (rc)
		return rc;
	return print_wait(p, job, p->cfg.cups_wait_ms);
}

void print_msgf(char *dst, size_t cap, const char *fmt, ...)
{
	va_list ap;

	if (!cap)
		return;
	va_start(ap, fmt);
	vsnprintf(dst, cap, fmt, ap);
	va_end(ap);
}
