/* SPDX-License-Identifier: Apache-2.0 */
/* labels/print_sidecar.c - the CUPS backend, run in a sidecar process.
 *
 * libcups brings Kerberos, GnuTLS and Avahi with it (~5 MB resident once
 * loaded) and cannot be unloaded cleanly, so the agent does not load it: it
 * opens a "cups" printer through these ops, which run print_cups_ops in the
 * print sidecar (base/sidecar.h) and forward open/submit/wait/find/close. The
 * printer object lives in the child; here we keep its handle and the
 * sidecar generation it belongs to. The sidecar stays up while a printer is
 * open (a hold) and is stopped by sidecar_idle() once the agent is idle.
 *
 * Outcomes: a submit whose answer never came back (the sidecar died) is
 * -PL_EUNKNOWN - the job may exist in CUPS; the caller journals it as
 * unknown rather than printing again at once. A printer whose sidecar has
 * since been replaced answers -PL_EIO (nothing was sent).
 */
#include "base/err.h"
#include "base/log.h"
#include "base/sidecar.h"
#include "labels/print.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { PS_OPEN = 1, PS_SUBMIT, PS_WAIT, PS_CLOSE, PS_FIND };

#define PS_MAX_PRINTERS 8
#define PS_DATA_MAX     (8u * 1024 * 1024) /* a label job: LABEL_ZPL_MAX is far below */
#define PS_SLACK_MS     10000              /* loading libcups, on top of the printer's timeouts */

/* Frames: plain structs (the child is a fork of this very binary). */
struct ps_open_req {
	struct print_cfg cfg;
};
struct ps_open_reply {
	uint32_t handle;
	char msg[PRINT_MSG_LEN];
};
struct ps_job_req { /* submit: followed by the data; wait: timeout_ms and job */
	uint32_t handle;
	int timeout_ms;
	struct print_job job;
};

struct sidecar_printer {
	struct printer base; /* must be first */
	unsigned gen;        /* the sidecar generation that holds `handle` */
	uint32_t handle;
};

/* --- the child's side --------------------------------------------------------- */

static struct printer *ps_table[PS_MAX_PRINTERS]; /* handle = index + 1 */

static struct printer *ps_lookup(uint32_t handle)
{
	return handle >= 1 && handle <= PS_MAX_PRINTERS ? ps_table[handle - 1] : NULL;
}

static int ps_serve(uint32_t op, const void *req, size_t len, struct buf *reply)
{
	const struct ps_job_req *jr = req;
	struct ps_job_req out;
	struct printer *p;
	int rc;

	if (op == PS_OPEN) {
		struct ps_open_reply r = {0};
		struct ps_open_req o;
		size_t i;

		if (len != sizeof(o))
			return -PL_EPROTO;
		memcpy(&o, req, sizeof(o));
		for (i = 0; i < PS_MAX_PRINTERS && ps_table[i]; i++)
			;
		if (i == PS_MAX_PRINTERS) {
			print_msgf(r.msg, sizeof(r.msg), "too many label printers open");
			rc = -PL_EBUSY;
		} else {
			o.cfg.type = PRINT_CUPS;
			rc = print_cups_ops.open(&ps_table[i], &o.cfg, r.msg, sizeof(r.msg));
			if (rc == 0)
				r.handle = (uint32_t)i + 1;
		}
		return buf_append(reply, &r, sizeof(r)) ? -PL_ENOMEM : rc;
	}
	if (len < sizeof(*jr) || !(p = ps_lookup(jr->handle)))
		return -PL_EPROTO;
	out = *jr;
	switch (op) {
	case PS_SUBMIT:
		rc = print_cups_ops.submit(p, (const char *)req + sizeof(*jr), len - sizeof(*jr),
					   &out.job);
		break;
	case PS_WAIT:
		rc = print_cups_ops.wait(p, &out.job, jr->timeout_ms);
		break;
	case PS_FIND:
		rc = print_cups_ops.find(p, &out.job);
		break;
	case PS_CLOSE:
		print_cups_ops.close(p);
		ps_table[jr->handle - 1] = NULL;
		return 0;
	default:
		return -PL_EPROTO;
	}
	return buf_append(reply, &out, sizeof(out)) ? -PL_ENOMEM : rc;
}

static struct sidecar ps_sidecar =
    SIDECAR_INIT("cups", ps_serve, sizeof(struct ps_job_req) + PS_DATA_MAX,
		 sizeof(struct ps_job_req) + sizeof(struct ps_open_reply));

/* --- the agent's side ----------------------------------------------------------- */

static int ps_open(struct printer **out, const struct print_cfg *cfg, char *msg, size_t msg_len)
{
	struct ps_open_req o;
	struct ps_open_reply r;
	struct sidecar_printer *sp;
	struct buf reply;
	int rc;

	memset(&o, 0, sizeof(o));
	o.cfg = *cfg;
	o.cfg.usb_ops = NULL;
	buf_init(&reply, ps_sidecar.reply_max);
	rc = sidecar_call(&ps_sidecar, PS_OPEN, &o, sizeof(o), &reply,
			  (cfg->timeout_ms > 0 ? cfg->timeout_ms : 10000) + PS_SLACK_MS);
	if (reply.len != sizeof(r)) {
		print_msgf(msg, msg_len, "cups printer: the printing helper %s",
			   rc == -PL_EIO ? "could not start" : "failed");
		buf_release(&reply);
		return rc ? rc : -PL_EPROTO;
	}
	memcpy(&r, reply.data, sizeof(r));
	buf_release(&reply);
	if (rc) {
		print_msgf(msg, msg_len, "%s", r.msg);
		return rc;
	}
	sp = calloc(1, sizeof(*sp));
	if (!sp) {
		struct ps_job_req c = {.handle = r.handle};
		sidecar_call(&ps_sidecar, PS_CLOSE, &c, sizeof(c), NULL, PS_SLACK_MS);
		return -PL_ENOMEM;
	}
	sp->base.ops = &print_sidecar_ops;
	sp->base.cfg = *cfg;
	if (sp->base.cfg.timeout_ms <= 0)
		sp->base.cfg.timeout_ms = 10000;
	sp->gen = sidecar_gen(&ps_sidecar);
	sp->handle = r.handle;
	sidecar_hold(&ps_sidecar);
	*out = &sp->base;
	return 0;
}

/* Is the child that holds this printer still the running one? */
static bool ps_alive(const struct sidecar_printer *sp)
{
	return sidecar_running(&ps_sidecar) && sidecar_gen(&ps_sidecar) == sp->gen;
}

static void ps_close(struct printer *p)
{
	struct sidecar_printer *sp = (struct sidecar_printer *)p;

	if (!sp)
		return;
	if (ps_alive(sp)) {
		struct ps_job_req c = {.handle = sp->handle};
		sidecar_call(&ps_sidecar, PS_CLOSE, &c, sizeof(c), NULL, PS_SLACK_MS);
	}
	sidecar_release(&ps_sidecar);
	free(sp);
}

/* Send a job request (+ data) and take the job back from the reply. timeout_ms
 * goes to the child's wait; call_ms bounds the whole exchange. */
static int ps_job_call(struct sidecar_printer *sp, uint32_t op, const void *data, size_t len,
		       struct print_job *job, int timeout_ms, int call_ms)
{
	struct ps_job_req jr = {.handle = sp->handle, .timeout_ms = timeout_ms, .job = *job};
	struct buf req, reply;
	int rc;

	if (!ps_alive(sp)) {
		print_msgf(job->msg, sizeof(job->msg),
			   "the printing helper was restarted: the printer must be opened again");
		return -PL_EIO;
	}
	if (len > PS_DATA_MAX) {
		print_msgf(job->msg, sizeof(job->msg), "label job too large (%zu bytes)", len);
		return -PL_ETOOBIG;
	}
	buf_init(&req, ps_sidecar.req_max);
	buf_init(&reply, ps_sidecar.reply_max);
	rc = buf_append(&req, &jr, sizeof(jr));
	if (!rc && len)
		rc = buf_append(&req, data, len);
	if (!rc)
		rc =
		    sidecar_call(&ps_sidecar, op, req.data, req.len, &reply, call_ms + PS_SLACK_MS);
	if (reply.len == sizeof(jr)) {
		memcpy(&jr, reply.data, sizeof(jr));
		*job = jr.job;
	} else if (rc == -PL_EUNKNOWN) {
		print_msgf(job->msg, sizeof(job->msg),
			   "the printing helper ended during the job: it may or may not print");
	} else if (rc) {
		print_msgf(job->msg, sizeof(job->msg), "the printing helper failed: %s",
			   pl_strerror(rc));
	}
	buf_release(&req);
	buf_release(&reply);
	return rc;
}

static int ps_submit(struct printer *p, const void *data, size_t len, struct print_job *job)
{
	struct sidecar_printer *sp = (struct sidecar_printer *)p;

	/* create + send + close the document: three of the printer's timeouts */
	return ps_job_call(sp, PS_SUBMIT, data, len, job, 0, 3 * p->cfg.timeout_ms);
}

static int ps_wait(struct printer *p, struct print_job *job, int timeout_ms)
{
	struct sidecar_printer *sp = (struct sidecar_printer *)p;

	/* the wait itself, then one more status request that may be in flight */
	return ps_job_call(sp, PS_WAIT, NULL, 0, job, timeout_ms, timeout_ms + p->cfg.timeout_ms);
}

static int ps_find(struct printer *p, struct print_job *job)
{
	struct sidecar_printer *sp = (struct sidecar_printer *)p;

	return ps_job_call(sp, PS_FIND, NULL, 0, job, 0, p->cfg.timeout_ms);
}

const struct print_ops print_sidecar_ops = {
    .name = "cups",
    .open = ps_open,
    .close = ps_close,
    .submit = ps_submit,
    .wait = ps_wait,
    .find = ps_find,
};

long print_sidecar_pid(void)
{
	return (long)sidecar_pid(&ps_sidecar);
}
