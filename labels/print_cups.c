/* SPDX-License-Identifier: Apache-2.0 */
/* labels/print_cups.c - a raw job to a CUPS queue through libcups.
 *
 * What works on Debian 12 (research/hands-on.md §1): httpConnect2 to the
 * configured server, cupsCreateJob + cupsStartDocument(CUPS_FORMAT_RAW) +
 * cupsWriteRequestData + cupsFinishDocument, then Get-Job-Attributes until the
 * job-state is final. job-state is the truth; job-state-reasons is not (a
 * completed job keeps "processing-to-stop-point").
 *
 * libcups calls block. Every connection gets a short timeout (the configured
 * timeout_ms) through httpSetTimeout() whose callback gives up at the first
 * expiry, so a dead server costs at most that long per call; the connect
 * itself is bounded by httpConnect2's msec. The agent's loop therefore calls
 * this from its print step with a bounded wait, never open-ended.
 *
 * Before a job is created the queue is checked (Get-Printer-Attributes): a
 * missing queue is -PL_ENOTFOUND, a stopped or rejecting one -PL_EDEVICE, so
 * the label stays in the journal rather than waiting unseen in a queue that
 * would print it at some later time. A job that ends up held on a failing
 * printer is cancelled for the same reason (print.h, wait slot).
 */
#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "labels/cups_lazy.h"
#include "labels/print.h"

#include <cups/cups.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct cups_printer {
	struct printer base;
	http_t *http;
	char host[256];
	int port;
	char uri[512]; /* ipp://localhost/printers/QUEUE */
};

/* Give up at the first timeout: the caller decides about retries. */
static int cups_timeout_cb(http_t *http, void *arg)
{
	(void)http;
	(void)arg;
	return 0;
}

/* Never prompt for a password on the terminal of a packing station. */
static const char *cups_no_password(const char *prompt, http_t *http, const char *method,
				    const char *resource, void *arg)
{
	(void)prompt;
	(void)http;
	(void)method;
	(void)resource;
	(void)arg;
	return NULL;
}

/* "host:port", "[::1]:631", "/run/cups/cups.sock" or "" (libcups default). */
static int cups_parse_server(const char *server, char *host, size_t cap, int *port)
{
	const char *colon;
	char *end;
	long v;

	if (!server[0])
		server = cupsServer();
	*port = ippPort();
	if (server[0] == '/') {
		if (strlen(server) >= cap)
			return -PL_EINVAL;
		strcpy(host, server);
		return 0;
	}
	colon = strrchr(server, ':');
	if (colon && server[0] == '[' && colon < strchr(server, ']'))
		colon = NULL; /* a colon inside an IPv6 literal */
	if (!colon) {
		if (strlen(server) >= cap)
			return -PL_EINVAL;
		strcpy(host, server);
		return 0;
	}
	if ((size_t)(colon - server) >= cap)
		return -PL_EINVAL;
	errno = 0;
	v = strtol(colon + 1, &end, 10);
	if (errno || *end || v <= 0 || v > 65535)
		return -PL_EINVAL;
	memcpy(host, server, (size_t)(colon - server));
	host[colon - server] = '\0';
	*port = (int)v;
	return 0;
}

static void cups_disconnect(struct cups_printer *c)
{
	if (c->http) {
		httpClose(c->http);
		c->http = NULL;
	}
}

static int cups_connect(struct cups_printer *c, char *msg, size_t msg_len)
{
	const struct print_cfg *cfg = &c->base.cfg;

	if (c->http)
		return 0;
	c->http = httpConnect2(c->host, c->port, NULL, AF_UNSPEC, HTTP_ENCRYPTION_IF_REQUESTED, 1,
			       cfg->timeout_ms, NULL);
	if (!c->http) {
		print_msgf(msg, msg_len, "cannot reach CUPS server %s:%d: %s", c->host, c->port,
			   cupsLastErrorString());
		return -PL_EIO;
	}
	httpSetTimeout(c->http, cfg->timeout_ms / 1000.0, cups_timeout_cb, NULL);
	return 0;
}

/* An IPP failure on the transport (not a refusal by the scheduler). */
static bool cups_transport_error(ipp_status_t s)
{
	return s == IPP_STATUS_ERROR_SERVICE_UNAVAILABLE || s == IPP_STATUS_ERROR_INTERNAL ||
	       s == IPP_STATUS_ERROR_TIMEOUT;
}

/* Send a request on the connection, reconnecting once when it went stale
 * (cupsd closes idle keep-alive connections). Takes `req`. */
static ipp_t *cups_do(struct cups_printer *c, ipp_t *req, const char *resource, char *msg,
		      size_t msg_len)
{
	ipp_t *resp;

	if (cups_connect(c, msg, msg_len)) {
		ippDelete(req);
		return NULL;
	}
	ipp_t *copy = ippNew();
	if (copy)
		ippCopyAttributes(copy, req, 0, NULL, NULL);
	if (copy) {
		ippSetOperation(copy, ippGetOperation(req));
		ippSetRequestId(copy, ippGetRequestId(req));
	}
	resp = cupsDoRequest(c->http, req, resource);
	if (!resp && cups_transport_error(cupsLastError()) && copy) {
		cups_disconnect(c);
		if (cups_connect(c, msg, msg_len) == 0) {
			resp = cupsDoRequest(c->http, copy, resource);
			copy = NULL;
		}
	}
	if (copy)
		ippDelete(copy);
	if (!resp)
		print_msgf(msg, msg_len, "CUPS %s:%d: %s", c->host, c->port, cupsLastErrorString());
	return resp;
}

struct cups_queue_info {
	int state; /* ipp_pstate_t */
	int accepting;
	char msg[PRINT_MSG_LEN]; /* printer-state-message */
};

/* Get-Printer-Attributes of our queue. 0, -PL_ENOTFOUND (no such queue),
 * -PL_EIO (server unreachable), -PL_EDEVICE (refused); msg says which. */
static int cups_queue_get(struct cups_printer *c, struct cups_queue_info *qi, char *msg,
			  size_t msg_len)
{
	static const char *const want[] = {"printer-state", "printer-state-message",
					   "printer-is-accepting-jobs"};
	const char *queue = c->base.cfg.cups_queue;
	ipp_attribute_t *a;
	ipp_status_t st;
	ipp_t *req, *resp;
	int rc = 0;

	memset(qi, 0, sizeof(*qi));
	qi->accepting = 1;
	req = ippNewRequest(IPP_OP_GET_PRINTER_ATTRIBUTES);
	if (!req)
		return -PL_ENOMEM;
	ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", NULL, c->uri);
	ippAddStrings(req, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes",
		      (int)(sizeof(want) / sizeof(want[0])), NULL, want);
	resp = cups_do(c, req, "/", msg, msg_len);
	st = cupsLastError();
	if (!resp)
		return -PL_EIO;
	if (st > IPP_STATUS_OK_CONFLICTING) {
		if (st == IPP_STATUS_ERROR_NOT_FOUND) {
			print_msgf(msg, msg_len, "CUPS queue '%s' does not exist on %s:%d", queue,
				   c->host, c->port);
			rc = -PL_ENOTFOUND;
		} else {
			print_msgf(msg, msg_len, "CUPS queue '%s': %s", queue,
				   cupsLastErrorString());
			rc = cups_transport_error(st) ? -PL_EIO : -PL_EDEVICE;
		}
		goto out_free;
	}
	if ((a = ippFindAttribute(resp, "printer-state", IPP_TAG_ENUM)))
		qi->state = ippGetInteger(a, 0);
	if ((a = ippFindAttribute(resp, "printer-is-accepting-jobs", IPP_TAG_BOOLEAN)))
		qi->accepting = ippGetBoolean(a, 0);
	if ((a = ippFindAttribute(resp, "printer-state-message", IPP_TAG_TEXT)))
		print_msgf(qi->msg, sizeof(qi->msg), "%s", ippGetString(a, 0, NULL));
out_free:
	ippDelete(resp);
	return rc;
}

/* Queue state before a job: exists, accepting, not stopped. */
static int cups_check_queue(struct cups_printer *c, char *msg, size_t msg_len)
{
	const char *queue = c->base.cfg.cups_queue;
	struct cups_queue_info qi;
	int rc = cups_queue_get(c, &qi, msg, msg_len);

	if (rc)
		return rc;
	if (qi.state == IPP_PSTATE_STOPPED) {
		print_msgf(msg, msg_len, "printer '%s' is stopped%s%s", queue,
			   qi.msg[0] ? ": " : "", qi.msg);
		return -PL_EDEVICE;
	}
	if (!qi.accepting) {
		print_msgf(msg, msg_len, "printer '%s' is not accepting jobs%s%s", queue,
			   qi.msg[0] ? ": " : "", qi.msg);
		return -PL_EDEVICE;
	}
	return 0;
}

static int cups_open(struct printer **out, const struct print_cfg *cfg, char *msg, size_t msg_len)
{
	struct cups_printer *c;
	const char *why;
	int rc;

	if (cups_lazy_load(&why)) {
		print_msgf(msg, msg_len, "cups printer: %s", why);
		return -PL_ENOTSUP;
	}
	if (!cfg->cups_queue[0] || strpbrk(cfg->cups_queue, "/#? \t")) {
		print_msgf(msg, msg_len, "cups printer: a queue name is needed ([cups] queue)");
		return -PL_ECONFIG;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return -PL_ENOMEM;
	c->base.ops = &print_cups_ops;
	c->base.cfg = *cfg;
	if (c->base.cfg.timeout_ms <= 0)
		c->base.cfg.timeout_ms = 10000;
	rc = cups_parse_server(cfg->cups_server, c->host, sizeof(c->host), &c->port);
	if (rc) {
		print_msgf(msg, msg_len, "cups printer: bad server '%s' (host:port or socket path)",
			   cfg->cups_server);
		free(c);
		return -PL_ECONFIG;
	}
	print_msgf(c->uri, sizeof(c->uri), "ipp://localhost/printers/%s", cfg->cups_queue);
	cupsSetPasswordCB2(cups_no_password, NULL);
	*out = &c->base;
	return 0;
}

static void cups_close(struct printer *p)
{
	struct cups_printer *c = (struct cups_printer *)p;

	if (!c)
		return;
	cups_disconnect(c);
	free(c);
}

/* Create-Job on our queue; the job id, or 0 with *st and msg set. */
static int cups_create_job(struct cups_printer *c, const char *name, char *msg, size_t msg_len,
			   ipp_status_t *st)
{
	ipp_attribute_t *a;
	ipp_t *req, *resp;
	int id = 0;

	*st = IPP_STATUS_ERROR_INTERNAL;
	req = ippNewRequest(IPP_OP_CREATE_JOB);
	if (!req)
		return 0;
	ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", NULL, c->uri);
	ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_NAME, "requesting-user-name", NULL,
		     cupsUser());
	ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_NAME, "job-name", NULL,
		     name[0] ? name : "packline label");
	resp = cups_do(c, req, "/", msg, msg_len);
	*st = cupsLastError();
	if (resp && *st <= IPP_STATUS_OK_CONFLICTING &&
	    (a = ippFindAttribute(resp, "job-id", IPP_TAG_INTEGER)))
		id = ippGetInteger(a, 0);
	if (id <= 0 && resp)
		print_msgf(msg, msg_len, "CUPS queue '%s' refused the job: %s",
			   c->base.cfg.cups_queue, cupsLastErrorString());
	ippDelete(resp);
	return id;
}

static int cups_submit(struct printer *p, const void *data, size_t len, struct print_job *job)
{
	struct cups_printer *c = (struct cups_printer *)p;
	const char *queue = p->cfg.cups_queue;
	http_status_t hs;
	ipp_status_t st;
	int id, rc;

	char name[sizeof(job->name)];

	memcpy(name, job->name, sizeof(name));
	memset(job, 0, sizeof(*job));
	memcpy(job->name, name, sizeof(name));
	rc = cups_check_queue(c, job->msg, sizeof(job->msg));
	if (rc)
		return rc;
	/* Create-Job by hand rather than cupsCreateJob(): that one first looks the
	 * queue up with cupsGetNamedDest() on the process-wide default server
	 * (cupsServer()), not on our connection, and says "does not exist". */
	id = cups_create_job(c, job->name, job->msg, sizeof(job->msg), &st);
	if (id <= 0) {
		if (cups_transport_error(st))
			cups_disconnect(c);
		return st == IPP_STATUS_ERROR_NOT_FOUND                  ? -PL_ENOTFOUND
		       : cups_transport_error(st) || st == IPP_STATUS_OK ? -PL_EIO
									 : -PL_EDEVICE;
	}
	job->cups_id = id;
	print_msgf(job->id, sizeof(job->id), "cups:%s-%d", queue, id);
	hs = cupsStartDocument(c->http, queue, id, "label.zpl", CUPS_FORMAT_RAW, 1);
	if (hs == HTTP_STATUS_CONTINUE)
		hs = cupsWriteRequestData(c->http, data, len);
	if (hs != HTTP_STATUS_CONTINUE) {
		print_msgf(job->msg, sizeof(job->msg), "CUPS job %d: sending the label failed: %s",
			   id, cupsLastErrorString());
		cupsFinishDocument(c->http, queue);
		cups_disconnect(c);
		return -PL_EIO;
	}
	st = cupsFinishDocument(c->http, queue);
	if (st > IPP_STATUS_OK_CONFLICTING) {
		print_msgf(job->msg, sizeof(job->msg), "CUPS job %d not accepted: %s", id,
			   cupsLastErrorString());
		if (cups_transport_error(st))
			cups_disconnect(c);
		return -PL_EDEVICE;
	}
	job->state = PRINT_ACCEPTED;
	return 0;
}

struct cups_job_info {
	int state; /* ipp_jstate_t, 0 unknown */
	char reasons[256];
	char pmsg[PRINT_MSG_LEN]; /* job-printer-state-message */
};

static int cups_job_get(struct cups_printer *c, int id, struct cups_job_info *ji, char *msg,
			size_t msg_len)
{
	static const char *const want[] = {"job-state", "job-state-reasons",
					   "job-printer-state-message"};
	ipp_attribute_t *a;
	ipp_t *req, *resp;

	memset(ji, 0, sizeof(*ji));
	req = ippNewRequest(IPP_OP_GET_JOB_ATTRIBUTES);
	if (!req)
		return -PL_ENOMEM;
	ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", NULL, c->uri);
	ippAddInteger(req, IPP_TAG_OPERATION, IPP_TAG_INTEGER, "job-id", id);
	ippAddStrings(req, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes",
		      (int)(sizeof(want) / sizeof(want[0])), NULL, want);
	resp = cups_do(c, req, "/", msg, msg_len);
	if (!resp)
		return -PL_EIO;
	if (cupsLastError() > IPP_STATUS_OK_CONFLICTING) {
		print_msgf(msg, msg_len, "CUPS job %d: %s", id, cupsLastErrorString());
		ippDelete(resp);
		return cupsLastError() == IPP_STATUS_ERROR_NOT_FOUND ? -PL_ENOTFOUND : -PL_EDEVICE;
	}
	if ((a = ippFindAttribute(resp, "job-state", IPP_TAG_ENUM)))
		ji->state = ippGetInteger(a, 0);
	if ((a = ippFindAttribute(resp, "job-state-reasons", IPP_TAG_KEYWORD))) {
		for (int i = 0; i < ippGetCount(a); i++) {
			size_t o = strlen(ji->reasons);
			print_msgf(ji->reasons + o, sizeof(ji->reasons) - o, "%s%s", i ? "," : "",
				   ippGetString(a, i, NULL));
		}
	}
	if ((a = ippFindAttribute(resp, "job-printer-state-message", IPP_TAG_TEXT)))
		print_msgf(ji->pmsg, sizeof(ji->pmsg), "%s", ippGetString(a, 0, NULL));
	ippDelete(resp);
	return 0;
}

/* Get-Jobs (all, completed too) on our queue: the newest job named job->name.
 * The jobs come as groups of job attributes; we ask for three of them. */
static int cups_find(struct printer *p, struct print_job *job)
{
	static const char *const want[] = {"job-id", "job-name", "job-state"};
	struct cups_printer *c = (struct cups_printer *)p;
	int best_id = 0, best_state = 0, id = 0, state = 0;
	const char *name = NULL;
	ipp_attribute_t *a;
	ipp_t *req, *resp;

	if (!job->name[0])
		return -PL_EINVAL;
	req = ippNewRequest(IPP_OP_GET_JOBS);
	if (!req)
		return -PL_ENOMEM;
	ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", NULL, c->uri);
	ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_NAME, "requesting-user-name", NULL,
		     cupsUser());
	ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "which-jobs", NULL, "all");
	ippAddStrings(req, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes",
		      (int)(sizeof(want) / sizeof(want[0])), NULL, want);
	resp = cups_do(c, req, "/", job->msg, sizeof(job->msg));
	if (!resp)
		return -PL_EIO;
	if (cupsLastError() > IPP_STATUS_OK_CONFLICTING) {
		print_msgf(job->msg, sizeof(job->msg), "CUPS queue '%s': listing jobs: %s",
			   p->cfg.cups_queue, cupsLastErrorString());
		ippDelete(resp);
		return cupsLastError() == IPP_STATUS_ERROR_NOT_FOUND ? -PL_ENOTFOUND : -PL_EDEVICE;
	}
	/* one pass; a job ends at a separator (no name) or a group change, and at the end */
	for (a = ippFirstAttribute(resp);; a = ippNextAttribute(resp)) {
		const char *an = a ? ippGetName(a) : NULL;
		if (!a || !an || ippGetGroupTag(a) != IPP_TAG_JOB) {
			if (id > best_id && name && strcmp(name, job->name) == 0) {
				best_id = id;
				best_state = state;
			}
			id = state = 0;
			name = NULL;
			if (!a)
				break;
			continue;
		}
		if (strcmp(an, "job-id") == 0)
			id = ippGetInteger(a, 0);
		else if (strcmp(an, "job-state") == 0)
			state = ippGetInteger(a, 0);
		else if (strcmp(an, "job-name") == 0)
			name = ippGetString(a, 0, NULL);
	}
	ippDelete(resp);
	if (!best_id)
		return -PL_ENOTFOUND;
	job->cups_id = best_id;
	print_msgf(job->id, sizeof(job->id), "cups:%s-%d", p->cfg.cups_queue, best_id);
	job->state = best_state == IPP_JSTATE_COMPLETED    ? PRINT_COMPLETED
		     : best_state == IPP_JSTATE_ABORTED    ? PRINT_ABORTED
		     : best_state == IPP_JSTATE_CANCELED   ? PRINT_CANCELLED
		     : best_state == IPP_JSTATE_PROCESSING ? PRINT_PROCESSING
							   : PRINT_PENDING;
	job->msg[0] = '\0';
	return 0;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static int cups_wait(struct printer *p, struct print_job *job, int timeout_ms)
{
	struct cups_printer *c = (struct cups_printer *)p;
	const char *queue = p->cfg.cups_queue;
	int64_t deadline = pl_monotonic_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	struct cups_job_info ji;
	char qmsg[PRINT_MSG_LEN];
	int delay = 2, rc;

	if (job->cups_id <= 0)
		return -PL_EINVAL;
	for (;;) {
		rc = cups_job_get(c, job->cups_id, &ji, job->msg, sizeof(job->msg));
		if (rc)
			return rc;
		switch (ji.state) {
		case IPP_JSTATE_COMPLETED:
			job->state = PRINT_COMPLETED;
			job->msg[0] = '\0';
			return 0;
		case IPP_JSTATE_ABORTED:
			job->state = PRINT_ABORTED;
			if (!ji.pmsg[0]) {
				/* the backend's ERROR: line may sit on the printer only */
				struct cups_queue_info qi;
				if (cups_queue_get(c, &qi, qmsg, sizeof(qmsg)) == 0)
					print_msgf(ji.pmsg, sizeof(ji.pmsg), "%s", qi.msg);
			}
			print_msgf(job->msg, sizeof(job->msg), "CUPS job %d aborted on '%s'%s%s",
				   job->cups_id, queue, ji.pmsg[0] ? ": " : "", ji.pmsg);
			return -PL_EDEVICE;
		case IPP_JSTATE_CANCELED:
			job->state = PRINT_CANCELLED;
			print_msgf(job->msg, sizeof(job->msg), "CUPS job %d was cancelled on '%s'",
				   job->cups_id, queue);
			return -PL_EDEVICE;
		case IPP_JSTATE_PROCESSING:
			job->state = PRINT_PROCESSING;
			break;
		default: /* pending, held, stopped */
			job->state = PRINT_PENDING;
			break;
		}
		/* A job that waits on a stopped queue, or that the scheduler holds
		 * after a failed attempt (error policy retry-job), would print at
		 * some unknown later time: cancel it, the journal keeps the label. */
		if (ji.state == IPP_JSTATE_HELD || ji.state == IPP_JSTATE_STOPPED ||
		    (ji.state == IPP_JSTATE_PENDING &&
		     cups_check_queue(c, qmsg, sizeof(qmsg)) == -PL_EDEVICE)) {
			if (ji.state != IPP_JSTATE_PENDING)
				print_msgf(qmsg, sizeof(qmsg), "printer '%s' failed%s%s", queue,
					   ji.pmsg[0] ? ": " : "", ji.pmsg);
			else if (ji.pmsg[0] && !strstr(qmsg, ji.pmsg))
				print_msgf(qmsg + strlen(qmsg), sizeof(qmsg) - strlen(qmsg),
					   " (%s)", ji.pmsg);
			if (cupsCancelJob2(c->http, queue, job->cups_id, 0) <=
			    IPP_STATUS_OK_CONFLICTING)
				job->state = PRINT_CANCELLED;
			print_msgf(job->msg, sizeof(job->msg), "%s; CUPS job %d %s", qmsg,
				   job->cups_id,
				   job->state == PRINT_CANCELLED ? "cancelled" : "left queued");
			return -PL_EDEVICE;
		}
		if (pl_monotonic_ms() >= deadline) {
			print_msgf(job->msg, sizeof(job->msg), "CUPS job %d still %s on '%s'%s%s",
				   job->cups_id, print_state_name(job->state), queue,
				   ji.pmsg[0] ? ": " : "", ji.pmsg);
			return -PL_ETIMEDOUT;
		}
		sleep_ms(delay);
		if (delay < 100)
			delay *= 2;
	}
}

const struct print_ops print_cups_ops = {
    .name = "cups",
    .open = cups_open,
    .close = cups_close,
    .submit = cups_submit,
    .wait = cups_wait,
    .find = cups_find,
};
