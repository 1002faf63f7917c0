/* SPDX-License-Identifier: Apache-2.0 */
/* agent/label_job.c - journalled label printing (see label_job.h). */
#include "agent/label_job.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "labels/zpl.h"

#include <cjson/cJSON.h>

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- base64 ---------------------------------------------------------------- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int label_b64_encode(const void *data, size_t len, char *out, size_t cap)
{
	const unsigned char *p = data;
	size_t o = 0;

	if (cap < (len + 2) / 3 * 4 + 1)
		return -PL_ETOOBIG;
	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned)p[i] << 16;
		if (i + 1 < len)
			v |= (unsigned)p[i + 1] << 8;
		if (i + 2 < len)
			v |= p[i + 2];
		out[o++] = b64[(v >> 18) & 63];
		out[o++] = b64[(v >> 12) & 63];
		out[o++] = i + 1 < len ? b64[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < len ? b64[v & 63] : '=';
	}
	out[o] = '\0';
	return 0;
}

static int b64_val(char c)
{
	const char *p = c ? strchr(b64, c) : NULL;
	return p ? (int)(p - b64) : -1;
}

int label_b64_decode(const char *in, void *out, size_t cap, size_t *len)
{
	unsigned char *o = out;
	size_t n = strlen(in), k = 0;

	if (n % 4)
		return -PL_EINVAL;
	for (size_t i = 0; i < n; i += 4) {
		int a = b64_val(in[i]), b = b64_val(in[i + 1]);
		int c = in[i + 2] == '=' ? -2 : b64_val(in[i + 2]);
		int d = in[i + 3] == '=' ? -2 : b64_val(in[i + 3]);
		if (a < 0 || b < 0 || c == -1 || d == -1 || (c == -2 && d != -2) ||
		    ((c == -2 || d == -2) && i + 4 != n))
			return -PL_EINVAL;
		unsigned v = (unsigned)a << 18 | (unsigned)b << 12 |
			     (unsigned)(c < 0 ? 0 : c) << 6 | (unsigned)(d < 0 ? 0 : d);
		size_t m = c < 0 ? 1 : d < 0 ? 2 : 3;
		if (k + m > cap)
			return -PL_ETOOBIG;
		o[k++] = (unsigned char)(v >> 16);
		if (m > 1)
			o[k++] = (unsigned char)(v >> 8);
		if (m > 2)
			o[k++] = (unsigned char)v;
	}
	*len = k;
	return 0;
}

/* --- the journal ----------------------------------------------------------------- */

int label_job_key(const struct order *o, char *out, size_t cap)
{
	int n;

	if (!o->source[0] || !o->ext_id[0])
		return -PL_EINVAL;
	n = snprintf(out, cap, "label:%s:%s", o->source, o->ext_id);
	return n < 0 || (size_t)n >= cap ? -PL_ETOOBIG : 0;
}

static void res_msg(struct label_result *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void res_msg(struct label_result *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->message, sizeof(r->message), fmt, ap);
	va_end(ap);
}

struct find_arg {
	const char *key;
	struct job *out;
	bool found;
};

static int find_cb(const struct job *j, void *arg)
{
	struct find_arg *f = arg;

	if (strcmp(j->idem_key, f->key) != 0)
		return 0;
	*f->out = *j;
	f->out->request = j->request ? strdup(j->request) : NULL;
	f->out->result = j->result ? strdup(j->result) : NULL;
	f->found = true;
	return 1;
}

/* The job with `key` in any state, without creating one. 0, -PL_ENOTFOUND. */
static int find_job(struct store *st, const char *key, struct job *out)
{
	struct find_arg f = {.key = key, .out = out};
	int rc;

	for (int s = 0; s < JOB_STATE_COUNT && !f.found; s++) {
		rc = store_job_list(st, (enum job_state)s, find_cb, &f);
		if (rc < 0)
			return rc;
	}
	return f.found ? 0 : -PL_ENOTFOUND;
}

/* Write the result JSON with the job's new state: one durable commit. */
static int commit(struct store *st, int64_t id, enum job_state state, cJSON *r)
{
	char *txt = cJSON_PrintUnformatted(r);
	int rc;

	if (!txt)
		return -PL_ENOMEM;
	rc = store_job_update(st, id, state, false, txt);
	free(txt);
	if (rc) {
		pl_err("journal: cannot record label job %" PRId64 " as %s: %s", id,
		       job_state_name(state), pl_strerror(rc));
		return -PL_ESTORE;
	}
	return 0;
}

static void set_str(cJSON *r, const char *k, const char *v)
{
	cJSON_DeleteItemFromObjectCaseSensitive(r, k);
	cJSON_AddStringToObject(r, k, v);
}

static void set_num(cJSON *r, const char *k, double v)
{
	cJSON_DeleteItemFromObjectCaseSensitive(r, k);
	cJSON_AddNumberToObject(r, k, v);
}

static const char *get_str(const cJSON *r, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(r, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int64_t get_num(const cJSON *r, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(r, k);
	return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : 0;
}

static bool is(const char *a, const char *b)
{
	return a && strcmp(a, b) == 0;
}

static void shipment_reference(const struct order *o, char *out, size_t cap)
{
	if (o->number[0])
		snprintf(out, cap, "%s", o->number);
	else
		snprintf(out, cap, "%s:%s", o->source, o->ext_id);
}

/* Render our template for o with the shipment's values. */
static int render_template(const struct label_setup *ls, const struct order *o, const cJSON *r,
			   struct buf *zpl_out, struct label_result *res)
{
	char sid[32], ref[100];
	const char *trk = get_str(r, "tracking");
	struct tmpl_kv kv[] = {
	    {"shipment.tracking", trk ? trk : ""},
	    {"shipment.carrier", ls->carrier},
	    {"shipment.id", sid},
	    {"shipment.service", ls->shipx.service[0] ? ls->shipx.service : ""},
	    {"shipment.reference", ref},
	    {"station", ls->station},
	};
	struct tmpl_ctx ctx = {
	    .order = o, .extra = kv, .nextra = sizeof(kv) / sizeof(kv[0]), .now = pl_now()};
	struct zpl z;
	char why[256];
	size_t len = 0;
	char *s;
	int rc;

	if (get_num(r, "shipment_id"))
		snprintf(sid, sizeof(sid), "%" PRId64, get_num(r, "shipment_id"));
	else
		sid[0] = '\0';
	shipment_reference(o, ref, sizeof(ref));
	zpl_init(&z, LABEL_ZPL_MAX);
	rc = label_render(ls->tmpl, &ctx, &z, &res->shortened, why, sizeof(why));
	if (rc) {
		res_msg(res, "order %s: label cannot be made: %s", o->number, why);
		zpl_release(&z);
		return rc == -PL_ENOMEM ? rc : -PL_EINVAL;
	}
	s = zpl_detach(&z, &len);
	rc = s ? buf_append(zpl_out, s, len) : -PL_ENOMEM;
	free(s);
	zpl_release(&z);
	return rc;
}

/* Print `zpl` and journal each step under job `id` (state `cur` while going). */
static int do_print(struct store *st, const struct label_setup *ls, int64_t id, enum job_state cur,
		    cJSON *r, const char *zpl, size_t len, struct label_result *res)
{
	struct printer *p = NULL;
	struct print_job pj;
	char msg[PRINT_MSG_LEN];
	int rc, src;

	memset(&pj, 0, sizeof(pj));
	set_str(r, "phase", "print");
	set_str(r, "printer", print_type_name(ls->print.type));
	cJSON_DeleteItemFromObjectCaseSensitive(r, "print_job");
	cJSON_DeleteItemFromObjectCaseSensitive(r, "cups_id");
	cJSON_DeleteItemFromObjectCaseSensitive(r, "print_state");
	/* a name unique to this attempt: if we stop before CUPS's job id is
	 * journalled, the next attempt finds the job by it (settle_cups) */
	{
		int try = (int)get_num(r, "print_try") + 1;
		snprintf(pj.name, sizeof(pj.name), "packline label %" PRId64 "/%d", id, try);
		set_num(r, "print_try", try);
		set_str(r, "print_name", pj.name);
	}
	if ((rc = commit(st, id, cur, r)))
		return rc; /* intent before the first byte goes to the printer */
	rc = print_open(&p, &ls->print, msg, sizeof(msg));
	if (rc) {
		res_msg(res, "label printer: %s", msg);
		goto out_failed;
	}
	rc = print_submit(p, zpl, len, &pj);
	/* test hook: die holding a handed-over label, before it is journalled */
	if (getenv("PL_TEST_DIE_AFTER_LABEL_SUBMIT"))
		raise(SIGKILL);
	if (rc) {
		res_msg(res, "%s", pj.msg[0] ? pj.msg : pl_strerror(rc));
		/* the print helper died holding the job: it may exist */
		if (rc == -PL_EUNKNOWN)
			goto out_unknown;
		goto out_failed;
	}
	snprintf(res->print_job, sizeof(res->print_job), "%s", pj.id);
	res->cups_id = pj.cups_id;
	set_str(r, "print_job", pj.id);
	if (pj.cups_id)
		set_num(r, "cups_id", pj.cups_id);
	set_str(r, "print_state", print_state_name(pj.state));
	if ((rc = commit(st, id, cur, r)))
		goto out_close;
	rc = print_wait(p, &pj, ls->print.cups_wait_ms);
	set_str(r, "print_state", print_state_name(pj.state));
	if (rc) {
		res_msg(res, "%s", pj.msg[0] ? pj.msg : pl_strerror(rc));
		/* still in the printer's hands (or the print helper died following it) */
		if (rc == -PL_ETIMEDOUT || rc == -PL_EUNKNOWN)
			goto out_unknown;
		goto out_failed;
	}
	set_str(r, "phase", "done");
	cJSON_DeleteItemFromObjectCaseSensitive(r, "message");
	rc = commit(st, id, JOB_DONE, r);
	goto out_close;
out_unknown:
	/* may yet print: never print again blindly - the next attempt asks CUPS
	 * (by the journalled job id, or by the attempt's job name) */
	set_str(r, "message", res->message);
	src = commit(st, id, JOB_UNKNOWN, r);
	if (src)
		rc = src;
	goto out_close;
out_failed:
	/* definitely not printed: the label stays journalled for a reprint */
	set_str(r, "message", res->message);
	src = commit(st, id, JOB_FAILED, r);
	if (src)
		rc = src;
out_close:
	print_close(p);
	return rc;
}

/* Decode the journalled label into zpl. */
static int journal_zpl(const cJSON *r, struct buf *zpl)
{
	const char *b = get_str(r, "zpl_b64");
	size_t len = 0;
	int rc;

	if (!b)
		return -PL_ENOTFOUND;
	buf_reset(zpl);
	char *tmp = malloc(strlen(b) / 4 * 3 + 1);
	if (!tmp)
		return -PL_ENOMEM;
	rc = label_b64_decode(b, tmp, strlen(b) / 4 * 3 + 1, &len);
	if (!rc)
		rc = buf_append(zpl, tmp, len);
	free(tmp);
	return rc;
}

/* A print found unsettled (SENDING/UNKNOWN with a CUPS job): ask CUPS how it ended.
 * 1 = it completed (job marked DONE), 0 = print again, <0 error/still busy. */
static int settle_cups(struct store *st, const struct label_setup *ls, int64_t id, cJSON *r,
		       struct label_result *res)
{
	struct printer *p = NULL;
	struct print_job pj;
	char msg[PRINT_MSG_LEN];
	int rc;

	memset(&pj, 0, sizeof(pj));
	pj.cups_id = (int)get_num(r, "cups_id");
	if (ls->print.type != PRINT_CUPS)
		return 0;
	if (pj.cups_id <= 0 && !get_str(r, "print_name"))
		return 0; /* the attempt never reached the printer */
	if (print_open(&p, &ls->print, msg, sizeof(msg)))
		return 0;
	if (pj.cups_id <= 0) {
		/* stopped between Create-Job and journalling its id: look the job up
		 * by the attempt's name; print again only when CUPS has none */
		snprintf(pj.name, sizeof(pj.name), "%s", get_str(r, "print_name"));
		rc = print_find(p, &pj);
		if (rc == 0) {
			set_num(r, "cups_id", pj.cups_id);
			set_str(r, "print_job", pj.id);
			rc = commit(st, id, JOB_UNKNOWN, r);
		} else if (rc != -PL_ENOTFOUND) {
			res_msg(res, "cannot ask CUPS about the interrupted label: %s",
				pj.msg[0] ? pj.msg : pl_strerror(rc));
		}
		if (rc) {
			print_close(p);
			return rc == -PL_ENOTFOUND ? 0 : rc;
		}
	}
	rc = print_wait(p, &pj, 1000);
	print_close(p);
	if (rc == 0) {
		set_str(r, "phase", "done");
		set_str(r, "print_state", "completed");
		rc = commit(st, id, JOB_DONE, r);
		if (rc)
			return rc;
		snprintf(res->print_job, sizeof(res->print_job), "%s", get_str(r, "print_job"));
		res->cups_id = pj.cups_id;
		res_msg(res, "label printed earlier (CUPS job %d completed)", pj.cups_id);
		return 1;
	}
	if (rc == -PL_ETIMEDOUT) {
		res_msg(res, "%s", pj.msg);
		return rc;
	}
	return 0; /* aborted, cancelled or forgotten by CUPS: print again */
}

/* The attempt `print_try` stopped after its intent on a tcp/usb/file printer:
 * the printer cannot be asked whether the label came out. Say in the job's
 * evidence ("unclear") and in an audit row what is assumed, once per attempt.
 * 0 = print again (on_unclear = reprint), -PL_EUNKNOWN = held for the
 * operator (the job stays UNKNOWN), other <0 = journal error. */
static int judge_unclear(struct store *st, const struct label_setup *ls, const struct order *o,
			 int64_t id, cJSON *r, struct label_result *res)
{
	bool hold = ls->on_unclear == LABEL_UNCLEAR_HOLD;
	int try = (int)get_num(r, "print_try");
	char what[400];
	int rc;

	if (hold && (int)get_num(r, "unclear_try") == try) {
		res_msg(res, "%s", get_str(r, "unclear") ? get_str(r, "unclear") : "held");
		return -PL_EUNKNOWN; /* judged already: still waiting for the operator */
	}
	snprintf(what, sizeof(what),
		 "label print attempt %d to the %s printer was interrupted; printer cannot be "
		 "asked; %s",
		 try, print_type_name(ls->print.type),
		 hold ? "held for the operator: check the printer, `label reprint` if no label "
			"came out"
		      : "assumed not printed, printed again");
	set_str(r, "unclear", what);
	set_num(r, "unclear_try", try);
	set_str(r, "message", what);
	if ((rc = commit(st, id, JOB_UNKNOWN, r)))
		return rc;
	if (store_audit_add(st, "packline", hold ? "label.unclear.hold" : "label.unclear.reprint",
			    o->number, what, pl_now())) {
		pl_err("audit: cannot record the unclear label of order %s", o->number);
		return -PL_ESTORE;
	}
	pl_warn("order %s: %s", o->number, what);
	if (hold) {
		res_msg(res, "%s", what);
		return -PL_EUNKNOWN;
	}
	return 0;
}

int label_print(struct store *st, const struct label_setup *ls, struct shipx *shipx,
		const struct order *o, struct label_result *res)
{
	struct job j = {0};
	struct buf zpl;
	cJSON *r = NULL, *req;
	enum job_state cur;
	char ref[100], *b64txt = NULL;
	int rc;

	memset(res, 0, sizeof(*res));
	buf_init(&zpl, LABEL_ZPL_MAX);
	if ((rc = label_job_key(o, j.idem_key, sizeof(j.idem_key)))) {
		res_msg(res, "order has no source/ext_id to key its label");
		return -PL_EINVAL;
	}
	if (ls->use_shipx && !shipx) {
		res_msg(res, "courier = shipx but no ShipX client");
		return -PL_EINVAL;
	}
	snprintf(j.kind, sizeof(j.kind), "label");
	j.order_id = o->id;
	req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "order", o->number);
	cJSON_AddStringToObject(req, "source",
				ls->source == LABEL_SRC_COURIER ? "courier" : "template");
	cJSON_AddStringToObject(req, "courier", ls->use_shipx ? "shipx" : "none");
	cJSON_AddStringToObject(req, "printer", print_type_name(ls->print.type));
	j.request = cJSON_PrintUnformatted(req);
	cJSON_Delete(req);
	if (!j.request)
		return -PL_ENOMEM;

	rc = store_job_begin(st, &j);
	if (rc == -PL_EEXIST) {
		switch (j.state) {
		case JOB_DONE:
			res->outcome = LABEL_ALREADY_DONE;
			res->job_id = j.id;
			res_msg(res,
				"the label of order %s is printed already (job %" PRId64
				"); use `label reprint`",
				o->number, j.id);
			rc = 0;
			goto out_release;
		case JOB_CANCELLED:
			res_msg(res, "the label job of order %s was cancelled", o->number);
			rc = -PL_ESTATE;
			goto out_release;
		case JOB_FAILED:
			rc = store_job_update(st, j.id, JOB_PENDING, true, NULL);
			j.state = JOB_PENDING;
			break;
		case JOB_SENDING: /* a stopped process left it: settle, never repeat blindly */
			rc = store_job_update(st, j.id, JOB_UNKNOWN, false, NULL);
			j.state = JOB_UNKNOWN;
			break;
		default:
			rc = 0;
			break;
		}
		if (rc) {
			rc = -PL_ESTORE;
			goto out_release;
		}
	} else if (rc) {
		res_msg(res, "journal: cannot record the label job: %s", pl_strerror(rc));
		rc = -PL_ESTORE;
		goto out_release;
	}
	res->job_id = j.id;
	cur = j.state == JOB_UNKNOWN ? JOB_UNKNOWN : JOB_SENDING;
	r = j.result ? cJSON_Parse(j.result) : NULL;
	if (!r)
		r = cJSON_CreateObject();
	if (!r) {
		rc = -PL_ENOMEM;
		goto out_release;
	}
	res->shipment_id = get_num(r, "shipment_id");

	/* 0. an interrupted print: did CUPS finish it? */
	if (j.state == JOB_UNKNOWN && is(get_str(r, "phase"), "print")) {
		rc = settle_cups(st, ls, j.id, r, res);
		if (rc == 1) {
			res->outcome = LABEL_PRINTED;
			rc = 0;
			goto out_fill;
		}
		if (rc < 0)
			goto out_release;
	}

	/* 0b. an interrupted print on a printer that cannot be asked (defect 12) */
	if (j.state == JOB_UNKNOWN && is(get_str(r, "phase"), "print") &&
	    ls->print.type != PRINT_CUPS && get_str(r, "print_name")) {
		rc = judge_unclear(st, ls, o, j.id, r, res);
		if (rc)
			goto out_release;
	}

	/* 1. the shipment: look before creating when an earlier attempt began one */
	shipment_reference(o, ref, sizeof(ref));
	if (ls->use_shipx && !res->shipment_id) {
		struct shipx_shipment sh;
		bool maybe = is(get_str(r, "phase"), "shipment");
		int64_t since = get_num(r, "since") ? get_num(r, "since") : pl_now();
		set_str(r, "phase", "shipment");
		set_str(r, "reference", ref);
		set_num(r, "since", (double)since);
		if ((rc = commit(st, j.id, cur, r)))
			goto out_release;
		rc = shipx_ensure(shipx, o, ref, maybe, since, &sh);
		if (rc == -PL_EUNKNOWN) {
			res_msg(res, "%s", shipx_error(shipx));
			set_str(r, "message", res->message);
			int src = commit(st, j.id, JOB_UNKNOWN, r);
			rc = src ? src : rc;
			goto out_release;
		}
		if (rc) {
			res_msg(res, "%s", shipx_error(shipx));
			goto out_failed;
		}
		res->shipment_id = sh.id;
		set_num(r, "shipment_id", (double)sh.id);
		if ((rc = commit(st, j.id, cur, r)))
			goto out_release;
	}
	if (ls->use_shipx && !get_str(r, "tracking")) {
		struct shipx_shipment sh;
		rc = shipx_wait_confirmed(shipx, res->shipment_id, &sh);
		if (rc) {
			res_msg(res, "%s", shipx_error(shipx));
			goto out_failed; /* the shipment id stays: the next attempt waits again */
		}
		set_str(r, "tracking", sh.tracking);
		set_str(r, "carrier", ls->carrier);
		if ((rc = commit(st, j.id, cur, r)))
			goto out_release;
	}

	/* 2. the label bytes, journalled before anything is printed */
	rc = journal_zpl(r, &zpl);
	if (rc == -PL_ENOTFOUND) {
		if (ls->source == LABEL_SRC_COURIER)
			rc = shipx_label(shipx, res->shipment_id, "Zpl",
					 ls->dpi == 300 ? "dpi300" : NULL, &zpl);
		else
			rc = render_template(ls, o, r, &zpl, res);
		if (rc) {
			if (ls->source == LABEL_SRC_COURIER)
				res_msg(res, "%s", shipx_error(shipx));
			else if (!res->message[0])
				res_msg(res, "label: %s", pl_strerror(rc));
			goto out_failed;
		}
		size_t cap = (zpl.len + 2) / 3 * 4 + 1;
		b64txt = malloc(cap);
		if (!b64txt || label_b64_encode(zpl.data, zpl.len, b64txt, cap)) {
			rc = -PL_ENOMEM;
			goto out_release;
		}
		set_str(r, "phase", "label");
		set_str(r, "zpl_b64", b64txt);
		set_num(r, "zpl_len", (double)zpl.len);
		if ((rc = commit(st, j.id, cur, r)))
			goto out_release;
	} else if (rc) {
		res_msg(res, "journal: the stored label is damaged");
		goto out_failed;
	}

	/* 3. print */
	rc = do_print(st, ls, j.id, cur, r, zpl.data, zpl.len, res);
	if (rc == 0) {
		res->outcome = LABEL_PRINTED;
		res_msg(res, "label of order %s printed (%s)", o->number, res->print_job);
	}
	goto out_fill;

out_failed:
	set_str(r, "message", res->message);
	{
		int src = commit(st, j.id, JOB_FAILED, r);
		if (src)
			rc = src;
	}
out_fill:
	if (r) {
		const char *t = get_str(r, "tracking");
		snprintf(res->tracking, sizeof(res->tracking), "%s", t ? t : "");
	}
out_release:
	free(b64txt);
	cJSON_Delete(r);
	job_release(&j);
	buf_release(&zpl);
	return rc;
}

int label_reprint(struct store *st, const struct label_setup *ls, const struct order *o,
		  const char *actor, struct label_result *res)
{
	struct job orig = {0}, j = {0};
	struct buf zpl;
	cJSON *r = NULL, *req;
	char key[96], detail[512];
	int rc;

	memset(res, 0, sizeof(*res));
	buf_init(&zpl, LABEL_ZPL_MAX);
	if (label_job_key(o, key, sizeof(key))) {
		res_msg(res, "order has no source/ext_id to key its label");
		return -PL_EINVAL;
	}
	rc = find_job(st, key, &orig);
	if (rc == -PL_ENOTFOUND) {
		res_msg(res, "order %s has no label yet: use `label print`", o->number);
		goto out_release;
	}
	if (rc) {
		rc = -PL_ESTORE;
		goto out_release;
	}
	r = orig.result ? cJSON_Parse(orig.result) : NULL;
	rc = r ? journal_zpl(r, &zpl) : -PL_ENOTFOUND;
	if (rc) {
		res_msg(res,
			"order %s: no label was made yet (job %" PRId64 " is %s): use "
			"`label print`",
			o->number, orig.id, job_state_name(orig.state));
		goto out_release;
	}
	res->shipment_id = get_num(r, "shipment_id");
	snprintf(res->tracking, sizeof(res->tracking), "%s",
		 get_str(r, "tracking") ? get_str(r, "tracking") : "");
	cJSON_Delete(r);
	r = NULL;

	/* the reprint is a side effect of its own: journalled, never a shipment */
	snprintf(j.kind, sizeof(j.kind), "label");
	j.order_id = o->id;
	snprintf(j.idem_key, sizeof(j.idem_key), "label-reprint:%s:%s:%" PRId64, o->source,
		 o->ext_id, pl_now_ms());
	req = cJSON_CreateObject();
	cJSON_AddNumberToObject(req, "reprint_of", (double)orig.id);
	cJSON_AddStringToObject(req, "actor", actor ? actor : "");
	j.request = cJSON_PrintUnformatted(req);
	cJSON_Delete(req);
	rc = j.request ? store_job_begin(st, &j) : -PL_ENOMEM;
	if (rc) {
		res_msg(res, "journal: cannot record the reprint: %s", pl_strerror(rc));
		rc = rc == -PL_ENOMEM ? rc : -PL_ESTORE;
		goto out_release;
	}
	res->job_id = j.id;
	r = cJSON_CreateObject();
	set_num(r, "reprint_of", (double)orig.id);
	rc = do_print(st, ls, j.id, JOB_SENDING, r, zpl.data, zpl.len, res);
	snprintf(detail, sizeof(detail),
		 "label job %" PRId64 " reprinted as job %" PRId64 ": %s%s%s", orig.id, j.id,
		 rc ? "failed" : "printed", res->print_job[0] ? " " : "", res->print_job);
	if (store_audit_add(st, actor ? actor : "", "label.reprint", o->number, detail, pl_now())) {
		pl_err("audit: cannot record the reprint of order %s", o->number);
		if (!rc)
			rc = -PL_ESTORE;
	}
	pl_info("order %s: %s", o->number, detail);
	if (!rc) {
		res->outcome = LABEL_REPRINTED;
		res_msg(res, "label of order %s reprinted (%s)", o->number, res->print_job);
	}
out_release:
	cJSON_Delete(r);
	job_release(&orig);
	job_release(&j);
	buf_release(&zpl);
	return rc;
}
