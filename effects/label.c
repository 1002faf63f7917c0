/* SPDX-License-Identifier: Apache-2.0 */
/* effects/label.c - the label effect on the journal engine (see label.h).
 *
 * Layout: base64 for the journalled bytes; the effect's slots (prepare,
 * perform with its phases, lookup: CUPS by id/name, on_unclear); then the
 * direct calls label_print/label_reprint (~290 lines) that the CLI and
 * `process` use while labels are worked in place rather than by the worker
 * pool. That is why this file is over ~800 lines: the direct calls move out
 * (or go) when the pool performs labels. */
#include "effects/label.h"
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
			   struct buf *zpl_out, int *shortened, struct journal_job *jj)
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
	rc = label_render(ls->tmpl, &ctx, &z, shortened, why, sizeof(why));
	if (rc) {
		journal_msg(jj, "order %s: label cannot be made: %s", o->number, why);
		zpl_release(&z);
		return rc == -PL_ENOMEM ? rc : -PL_EINVAL;
	}
	s = zpl_detach(&z, &len);
	rc = s ? buf_append(zpl_out, s, len) : -PL_ENOMEM;
	free(s);
	zpl_release(&z);
	return rc;
}

/* --- the effect ------------------------------------------------------------------- */

struct label_state {
	struct order own;      /* the order when loaded here */
	const struct order *o; /* fx->o or &own */
	int64_t reprint_of;    /* a reprint: the job whose bytes it prints */
	int shortened;
	struct buf zpl;
};

/* The job's order: the caller's when it is the one (direct calls), else
 * loaded by the job's order id into *own (order_init'ed by the caller). */
static int job_order(struct journal_job *jj, struct order *own, const struct order **out)
{
	const struct label_fx *fx = journal_arg(jj);
	int64_t id = journal_jobof(jj)->order_id;
	int rc;

	if (fx->o && (fx->o->id == id || id <= 0)) {
		*out = fx->o;
		return 0;
	}
	rc = store_order_get(journal_job_store(jj), id, own);
	if (rc) {
		journal_msg(jj, "the order of label job %lld (id %lld) cannot be read: %s",
			    (long long)journal_jobof(jj)->id, (long long)id, pl_strerror(rc));
		return rc == -PL_ENOTFOUND ? -PL_EINVAL : rc;
	}
	*out = own;
	return 0;
}

static int label_prepare(struct journal_job *jj)
{
	const struct label_fx *fx = journal_arg(jj);
	struct label_state *s = calloc(1, sizeof(*s));

	if (!s)
		return -PL_ENOMEM;
	order_init(&s->own);
	buf_init(&s->zpl, LABEL_ZPL_MAX);
	journal_set_state(jj, s);
	s->reprint_of = journal_json_int(journal_request(jj), "reprint_of", 0);
	if (!s->reprint_of && fx->ls->use_shipx && !fx->shipx) {
		journal_msg(jj, "courier = shipx but no ShipX client");
		return -PL_EINVAL;
	}
	return job_order(jj, &s->own, &s->o);
}

static void label_release(struct journal_job *jj)
{
	struct label_state *s = journal_state(jj);

	if (!s)
		return;
	order_release(&s->own);
	buf_release(&s->zpl);
	free(s);
	journal_set_state(jj, NULL);
}

/* The evidence so far with this attempt's standard fields: what an earlier
 * attempt learnt (shipment, bytes, print try) is kept. */
static cJSON *ev_start(struct journal_job *jj)
{
	cJSON *r = journal_ev(jj);
	const cJSON *old = journal_evidence(jj), *it;

	if (!r)
		return NULL;
	cJSON_ArrayForEach(it, old)
	{
		if (!it->string || cJSON_GetObjectItemCaseSensitive(r, it->string))
			continue;
		cJSON_AddItemToObject(r, it->string, cJSON_Duplicate(it, 1));
	}
	return r;
}

/* Journal the evidence as it stands (a copy): intent before the next byte. */
static int commit(struct journal_job *jj, const cJSON *r)
{
	cJSON *c = cJSON_Duplicate(r, 1);

	if (!c)
		return -PL_ENOMEM;
	return journal_sending(jj, c); /* pending -> sending, then sending -> sending */
}

/* Settle failed (definitely not printed; the label stays journalled) with
 * the operator's sentence; returns the effect's error `why`. */
static int settle_failed(struct journal_job *jj, cJSON *r, int why)
{
	int rc;

	set_str(r, "message", journal_message(jj));
	rc = journal_failed(jj, cJSON_Duplicate(r, 1));
	return rc ? rc : why;
}

/* In doubt: asked again (the lookup) on the next attempt; returns `why`. */
static int settle_unknown(struct journal_job *jj, cJSON *r, int why)
{
	int rc;

	set_str(r, "message", journal_message(jj));
	rc = journal_unknown(jj, cJSON_Duplicate(r, 1), false, 0);
	return rc == -PL_EUNKNOWN ? why : rc;
}

/* Print `zpl` and journal each step. */
static int do_print(struct journal_job *jj, cJSON *r, const char *zpl, size_t len)
{
	const struct label_fx *fx = journal_arg(jj);
	const struct label_setup *ls = fx->ls;
	struct printer *p = NULL;
	struct print_job pj;
	char msg[PRINT_MSG_LEN];
	int rc, try;

	memset(&pj, 0, sizeof(pj));
	set_str(r, "phase", "print");
	set_str(r, "printer", print_type_name(ls->print.type));
	cJSON_DeleteItemFromObjectCaseSensitive(r, "print_job");
	cJSON_DeleteItemFromObjectCaseSensitive(r, "cups_id");
	cJSON_DeleteItemFromObjectCaseSensitive(r, "print_state");
	/* a name unique to this attempt: if we stop before CUPS's job id is
	 * journalled, the lookup finds the job by it */
	try = (int)get_num(r, "print_try") + 1;
	snprintf(pj.name, sizeof(pj.name), "packline label %" PRId64 "/%d", journal_jobof(jj)->id,
		 try);
	set_num(r, "print_try", try);
	set_str(r, "print_name", pj.name);
	if ((rc = commit(jj, r)))
		return rc; /* intent before the first byte goes to the printer */
	rc = print_open(&p, &ls->print, msg, sizeof(msg));
	if (rc) {
		journal_msg(jj, "label printer: %s", msg);
		return settle_failed(jj, r, rc);
	}
	rc = print_submit(p, zpl, len, &pj);
	/* test hook: die holding a handed-over label, before it is journalled */
	if (getenv("PL_TEST_DIE_AFTER_LABEL_SUBMIT"))
		raise(SIGKILL);
	if (rc) {
		journal_msg(jj, "%s", pj.msg[0] ? pj.msg : pl_strerror(rc));
		/* the print helper died holding the job: it may exist */
		rc = rc == -PL_EUNKNOWN ? settle_unknown(jj, r, rc) : settle_failed(jj, r, rc);
		goto out;
	}
	set_str(r, "print_job", pj.id);
	if (pj.cups_id)
		set_num(r, "cups_id", pj.cups_id);
	set_str(r, "print_state", print_state_name(pj.state));
	if ((rc = commit(jj, r)))
		goto out;
	rc = print_wait(p, &pj, ls->print.cups_wait_ms);
	set_str(r, "print_state", print_state_name(pj.state));
	if (rc) {
		journal_msg(jj, "%s", pj.msg[0] ? pj.msg : pl_strerror(rc));
		/* still in the printer's hands (or the print helper died following
		 * it): never print again blindly - the lookup asks CUPS */
		rc = rc == -PL_ETIMEDOUT || rc == -PL_EUNKNOWN ? settle_unknown(jj, r, rc)
							       : settle_failed(jj, r, rc);
		goto out;
	}
	set_str(r, "phase", "done");
	cJSON_DeleteItemFromObjectCaseSensitive(r, "message");
	journal_msg(jj, "label printed (%s)", pj.id);
	rc = journal_done(jj, cJSON_Duplicate(r, 1), NULL);
out:
	print_close(p);
	return rc;
}

/* Decode the journalled label into zpl. -PL_ENOTFOUND when there is none. */
static int evidence_zpl(const cJSON *r, struct buf *zpl)
{
	const char *b = get_str(r, "zpl_b64");
	size_t len = 0, cap;
	char *tmp;
	int rc;

	if (!b)
		return -PL_ENOTFOUND;
	buf_reset(zpl);
	cap = strlen(b) / 4 * 3 + 1;
	if (cap > LABEL_ZPL_MAX + 4)
		return -PL_ETOOBIG;
	tmp = malloc(cap);
	if (!tmp)
		return -PL_ENOMEM;
	rc = label_b64_decode(b, tmp, cap, &len);
	if (!rc)
		rc = buf_append(zpl, tmp, len);
	free(tmp);
	return rc;
}

/* A reprint: the bytes of the original job, never the courier. */
static int perform_reprint(struct journal_job *jj, struct label_state *s, cJSON *r)
{
	struct job orig = {0};
	cJSON * or = NULL;
	int rc;

	rc = store_job_get(journal_job_store(jj), s->reprint_of, &orig);
	if (!rc) {
		or = orig.result ? cJSON_Parse(orig.result) : NULL;
		rc = or ? evidence_zpl(or, &s->zpl) : -PL_ENOTFOUND;
	}
	cJSON_Delete(or);
	job_release(&orig);
	if (rc) {
		journal_msg(jj, "label job %lld has no label to reprint: %s",
			    (long long)s->reprint_of, pl_strerror(rc));
		return settle_failed(jj, r, rc == -PL_ENOMEM ? rc : -PL_ENOTFOUND);
	}
	set_num(r, "reprint_of", (double)s->reprint_of);
	return do_print(jj, r, s->zpl.data, s->zpl.len);
}

static int label_perform(struct journal_job *jj)
{
	const struct label_fx *fx = journal_arg(jj);
	const struct label_setup *ls = fx->ls;
	struct label_state *s = journal_state(jj);
	const struct order *o = s->o;
	cJSON *r = ev_start(jj);
	char ref[100], *b64txt = NULL;
	int64_t shipment_id;
	int rc;

	if (!r)
		return -PL_ENOMEM;
	if (s->reprint_of) {
		rc = perform_reprint(jj, s, r);
		goto out;
	}
	shipment_id = get_num(r, "shipment_id");

	/* 1. the shipment: look before creating when an earlier attempt began
	 * one ("since" journalled, no shipment id) */
	shipment_reference(o, ref, sizeof(ref));
	if (ls->use_shipx && !shipment_id) {
		struct shipx_shipment sh;
		bool maybe = get_num(r, "since") != 0;
		int64_t since = maybe ? get_num(r, "since") : pl_now();
		set_str(r, "phase", "shipment");
		set_str(r, "reference", ref);
		set_num(r, "since", (double)since);
		if ((rc = commit(jj, r)))
			goto out;
		rc = shipx_ensure(fx->shipx, o, ref, maybe, since, &sh);
		if (rc) {
			journal_msg(jj, "%s", shipx_error(fx->shipx));
			rc = rc == -PL_EUNKNOWN ? settle_unknown(jj, r, rc)
						: settle_failed(jj, r, rc);
			goto out;
		}
		shipment_id = sh.id;
		set_num(r, "shipment_id", (double)sh.id);
		if ((rc = commit(jj, r)))
			goto out;
	}
	if (ls->use_shipx && !get_str(r, "tracking")) {
		struct shipx_shipment sh;
		rc = shipx_wait_confirmed(fx->shipx, shipment_id, &sh);
		if (rc) {
			/* the shipment id stays: the next attempt waits again */
			journal_msg(jj, "%s", shipx_error(fx->shipx));
			rc = settle_failed(jj, r, rc);
			goto out;
		}
		set_str(r, "tracking", sh.tracking);
		set_str(r, "carrier", ls->carrier);
		if ((rc = commit(jj, r)))
			goto out;
	}

	/* 2. the label bytes, journalled before anything is printed */
	rc = evidence_zpl(r, &s->zpl);
	if (rc == -PL_ENOTFOUND) {
		size_t cap;
		if (ls->source == LABEL_SRC_COURIER)
			rc = shipx_label(fx->shipx, shipment_id, "Zpl",
					 ls->dpi == 300 ? "dpi300" : NULL, &s->zpl);
		else
			rc = render_template(ls, o, r, &s->zpl, &s->shortened, jj);
		if (rc) {
			if (ls->source == LABEL_SRC_COURIER)
				journal_msg(jj, "%s", shipx_error(fx->shipx));
			else if (!journal_message(jj)[0])
				journal_msg(jj, "label: %s", pl_strerror(rc));
			rc = settle_failed(jj, r, rc);
			goto out;
		}
		cap = (s->zpl.len + 2) / 3 * 4 + 1;
		b64txt = malloc(cap);
		if (!b64txt || label_b64_encode(s->zpl.data, s->zpl.len, b64txt, cap)) {
			rc = -PL_ENOMEM;
			goto out;
		}
		set_str(r, "phase", "label");
		if (s->shortened)
			set_num(r, "shortened", s->shortened);
		set_str(r, "zpl_b64", b64txt);
		set_num(r, "zpl_len", (double)s->zpl.len);
		if ((rc = commit(jj, r)))
			goto out;
	} else if (rc) {
		journal_msg(jj, "journal: the stored label is damaged");
		rc = settle_failed(jj, r, -PL_EINVAL);
		goto out;
	}

	/* 3. print */
	rc = do_print(jj, r, s->zpl.data, s->zpl.len);
out:
	free(b64txt);
	cJSON_Delete(r);
	return rc;
}

/* The order's number for the operator's sentences of a lookup (which runs
 * before prepare). */
static void lookup_order_number(struct journal_job *jj, char *out, size_t cap)
{
	struct order own;
	const struct order *o = NULL;

	journal_json_str(journal_request(jj), "order", out, cap);
	if (out[0])
		return;
	order_init(&own);
	if (job_order(jj, &own, &o) == 0)
		snprintf(out, cap, "%s", o->number);
	order_release(&own);
}

/* A print found unsettled on CUPS: ask CUPS how it ended. */
static enum journal_verdict settle_cups(struct journal_job *jj, cJSON *r, char *why, size_t cap)
{
	const struct label_fx *fx = journal_arg(jj);
	struct printer *p = NULL;
	struct print_job pj;
	char msg[PRINT_MSG_LEN];
	int rc;

	memset(&pj, 0, sizeof(pj));
	pj.cups_id = (int)get_num(r, "cups_id");
	if (pj.cups_id <= 0 && !get_str(r, "print_name")) {
		snprintf(why, cap, "the label never reached the printer");
		return JOURNAL_V_NOT_DONE;
	}
	if (print_open(&p, &fx->ls->print, msg, sizeof(msg))) {
		snprintf(why, cap, "cannot ask CUPS about the interrupted label: %s", msg);
		return JOURNAL_V_RETRY;
	}
	if (pj.cups_id <= 0) {
		/* stopped between Create-Job and journalling its id: look the job up
		 * by the attempt's name; print again only when CUPS has none */
		snprintf(pj.name, sizeof(pj.name), "%s", get_str(r, "print_name"));
		rc = print_find(p, &pj);
		if (rc == 0) {
			set_num(r, "cups_id", pj.cups_id);
			set_str(r, "print_job", pj.id);
			rc = journal_evidence_commit(jj, cJSON_Duplicate(r, 1));
			if (rc) {
				print_close(p);
				snprintf(why, cap, "cannot journal CUPS job %d: %s", pj.cups_id,
					 pl_strerror(rc));
				return JOURNAL_V_RETRY;
			}
		} else {
			print_close(p);
			if (rc == -PL_ENOTFOUND) {
				snprintf(why, cap,
					 "CUPS has no job '%s': the label was not printed",
					 pj.name);
				return JOURNAL_V_NOT_DONE;
			}
			snprintf(why, cap, "cannot ask CUPS about the interrupted label: %s",
				 pj.msg[0] ? pj.msg : pl_strerror(rc));
			return JOURNAL_V_RETRY;
		}
	}
	rc = print_wait(p, &pj, 1000);
	print_close(p);
	if (rc == 0) {
		set_str(r, "phase", "done");
		set_str(r, "print_state", "completed");
		cJSON_DeleteItemFromObjectCaseSensitive(r, "message");
		snprintf(why, cap, "label printed earlier (CUPS job %d completed)", pj.cups_id);
		journal_msg(jj, "%s", why);
		/* settled here to keep the evidence (the CUPS job) */
		journal_done(jj, cJSON_Duplicate(r, 1), NULL);
		return JOURNAL_V_DONE;
	}
	if (rc == -PL_ETIMEDOUT) {
		snprintf(why, cap, "%s", pj.msg[0] ? pj.msg : "CUPS is still printing the label");
		return JOURNAL_V_RETRY;
	}
	snprintf(why, cap, "CUPS job %d did not complete (%s): printed again", pj.cups_id,
		 pj.msg[0] ? pj.msg : pl_strerror(rc));
	return JOURNAL_V_NOT_DONE; /* aborted, cancelled or forgotten by CUPS */
}

/* The attempt `print_try` stopped after its intent on a tcp/usb/file printer:
 * the printer cannot be asked whether the label came out. Say in the job's
 * evidence ("unclear") and in an audit row what is assumed, once per attempt:
 * NOT_DONE (on_unclear = reprint) or UNDECIDABLE (hold, for the operator). */
static enum journal_verdict judge_unclear(struct journal_job *jj, cJSON *r, char *why, size_t cap)
{
	const struct label_setup *ls = ((const struct label_fx *)journal_arg(jj))->ls;
	bool hold = ls->on_unclear == LABEL_UNCLEAR_HOLD;
	int try = (int)get_num(r, "print_try");
	char what[400], number[64];
	int rc;

	if (hold && (int)get_num(r, "unclear_try") == try) {
		/* judged already: still waiting for the operator */
		snprintf(why, cap, "%s", get_str(r, "unclear") ? get_str(r, "unclear") : "held");
		return JOURNAL_V_UNDECIDABLE;
	}
	snprintf(what, sizeof(what),
		 "label print attempt %d to the %s printer was interrupted; printer cannot be "
		 "asked; %s",
		 try, print_type_name(ls->print.type),
		 hold ? "held for the operator: check the printer, `label reprint` if no label "
			"came out"
		      : "assumed not printed, printed again");
	snprintf(why, cap, "%s", what);
	set_str(r, "unclear", what);
	set_num(r, "unclear_try", try);
	set_str(r, "message", what);
	rc = journal_evidence_commit(jj, cJSON_Duplicate(r, 1));
	if (rc) {
		snprintf(why, cap, "cannot journal the unclear label: %s", pl_strerror(rc));
		return JOURNAL_V_RETRY;
	}
	lookup_order_number(jj, number, sizeof(number));
	if (store_audit_add(journal_job_store(jj), "packline",
			    hold ? "label.unclear.hold" : "label.unclear.reprint", number, what,
			    pl_now())) {
		pl_err("audit: cannot record the unclear label of order %s", number);
		snprintf(why, cap, "cannot write the audit row of the unclear label");
		return JOURNAL_V_RETRY;
	}
	pl_warn("order %s: %s", number, what);
	return hold ? JOURNAL_V_UNDECIDABLE : JOURNAL_V_NOT_DONE;
}

static enum journal_verdict label_lookup(struct journal_job *jj, char *why, size_t cap)
{
	const struct label_setup *ls = ((const struct label_fx *)journal_arg(jj))->ls;
	cJSON *r = ev_start(jj);
	enum journal_verdict v;

	if (!r) {
		snprintf(why, cap, "out of memory");
		return JOURNAL_V_RETRY;
	}
	if (!is(get_str(r, "phase"), "print")) {
		/* nothing went to a printer; a begun shipment is looked up by its
		 * reference by the next attempt before anything is created */
		snprintf(why, cap, "interrupted before printing (phase %s)",
			 get_str(r, "phase") ? get_str(r, "phase") : "none");
		v = JOURNAL_V_NOT_DONE;
	} else if (ls->print.type == PRINT_CUPS) {
		v = settle_cups(jj, r, why, cap);
	} else if (get_str(r, "print_name")) {
		v = judge_unclear(jj, r, why, cap);
	} else {
		snprintf(why, cap, "the label never reached the printer");
		v = JOURNAL_V_NOT_DONE;
	}
	cJSON_Delete(r);
	return v;
}

const struct journal_effect_ops label_ops = {
    .kind = "label",
    .prepare = label_prepare,
    .perform = label_perform,
    .lookup = label_lookup,
    .release = label_release,
};

/* --- direct calls ------------------------------------------------------------------ */

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

/* What the journal has of job `id` into res (shipment, tracking, print job). */
static void fill_result(struct store *st, int64_t id, struct label_result *res)
{
	struct job jb = {0};
	cJSON *r;

	if (store_job_get(st, id, &jb) < 0)
		return;
	r = jb.result ? cJSON_Parse(jb.result) : NULL;
	if (r) {
		res->shipment_id = get_num(r, "shipment_id");
		snprintf(res->tracking, sizeof(res->tracking), "%s",
			 get_str(r, "tracking") ? get_str(r, "tracking") : "");
		snprintf(res->print_job, sizeof(res->print_job), "%s",
			 get_str(r, "print_job") ? get_str(r, "print_job") : "");
		res->cups_id = (int)get_num(r, "cups_id");
		res->shortened = (int)get_num(r, "shortened");
	}
	cJSON_Delete(r);
	job_release(&jb);
}

/* Record (or find) the intent `job` on j. 0: to be worked; 1: printed
 * already (res says so); -PL_ESTATE cancelled; -PL_EBUSY another process
 * re-armed it first; -PL_ESTORE. A FAILED job (definitely not printed) is
 * armed again as a new attempt, its evidence (shipment, label bytes) kept. */
static int record(struct journal *j, struct job *job, const struct order *o,
		  struct label_result *res)
{
	struct store *st = journal_store(j);
	int rc = journal_intent(j, job);

	if (rc < 0) {
		res_msg(res, "journal: cannot record the label job: %s", pl_strerror(rc));
		return -PL_ESTORE;
	}
	res->job_id = job->id;
	if (rc == 1 && job->state == JOB_DONE) {
		res->outcome = LABEL_ALREADY_DONE;
		fill_result(st, job->id, res);
		res_msg(res,
			"the label of order %s is printed already (job %" PRId64
			"); use `label reprint`",
			o->number, job->id);
		return 1;
	}
	if (rc == 1 && job->state == JOB_CANCELLED) {
		res_msg(res, "the label job of order %s was cancelled", o->number);
		return -PL_ESTATE;
	}
	if (rc == 1 && job->state == JOB_FAILED) {
		rc = store_job_update(st, job->id, JOB_PENDING, true, NULL);
		if (rc == -PL_ELOST || rc == -PL_ESTATE) {
			res_msg(res, "another process is printing this label");
			return -PL_EBUSY;
		}
		if (rc)
			return -PL_ESTORE;
	}
	return 0;
}

/* The rc a caller gets for a job the engine settled as `out` says. */
static int outcome_rc(const struct journal_outcome *out)
{
	switch (out->state) {
	case JOB_DONE:
		return 0;
	case JOB_UNKNOWN:
		return out->rc && out->rc != -PL_EDEVICE ? out->rc : -PL_EUNKNOWN;
	default:
		return out->rc ? out->rc : -PL_EDEVICE;
	}
}

/* Record (or find) the intent `job` and work it here, on st. 0 with *out
 * filled when the engine ran it; 1 printed before; else the caller's error. */
static int direct_run(struct store *st, struct label_fx *fx, struct job *job,
		      struct label_result *res, struct journal_outcome *out)
{
	struct job_claim c = {0};
	struct journal *j = NULL;
	int rc;

	rc = journal_open(&j, st, NULL);
	if (!rc)
		rc = journal_register(j, &label_ops, fx);
	if (rc) {
		res_msg(res, "journal: cannot open the engine: %s", pl_strerror(rc));
		rc = rc == -PL_ENOMEM ? rc : -PL_ESTORE;
		goto out;
	}
	rc = record(j, job, fx->o, res);
	if (rc)
		goto out;
	/* the operator's command: also a job held or asked again later */
	c.id = job->id;
	c.include_held = true;
	rc = journal_work_claim(j, &c, out);
	if (rc == -PL_EBUSY || rc == -PL_ESTATE || rc == -PL_ENOTFOUND) {
		struct job now = {0};
		if (store_job_get(st, job->id, &now) == 0 && now.state == JOB_DONE) {
			res->outcome = LABEL_ALREADY_DONE;
			fill_result(st, job->id, res);
			res_msg(res,
				"the label of order %s was printed meanwhile (job %" PRId64 ")",
				fx->o->number, job->id);
			job_release(&now);
			rc = 1;
			goto out;
		}
		res_msg(res, "another process holds the label job %" PRId64 " of order %s", job->id,
			fx->o->number);
		job_release(&now);
		rc = -PL_EBUSY;
		goto out;
	}
	if (rc) {
		res_msg(res, "journal: cannot read or write the journal");
		goto out;
	}
	snprintf(res->message, sizeof(res->message), "%s", out->message);
	fill_result(st, job->id, res);
	rc = outcome_rc(out);
out:
	journal_close(j);
	return rc;
}

/* The resource of a label job: one label at a time per label printer,
 * across workers and processes (two jobs' bytes must never interleave on
 * one device). A job held UNKNOWN ([label] on_unclear = hold) blocks the
 * later labels on its printer until the operator decides - the same rule
 * as receipts; the report and `packline jobs` say which job to resolve. */
static void label_resource(const struct label_setup *ls, char *out, size_t cap)
{
	snprintf(out, cap, "label:%.40s", ls->name[0] ? ls->name : "default");
}

/* The job of "print the label of o" (key, kind, order, request). */
static int build_job(const struct label_setup *ls, const struct order *o, struct job *j,
		     struct label_result *res)
{
	cJSON *req;

	if (label_job_key(o, j->idem_key, sizeof(j->idem_key))) {
		res_msg(res, "order has no source/ext_id to key its label");
		return -PL_EINVAL;
	}
	snprintf(j->kind, sizeof(j->kind), "label");
	/* one label at a time per label printer, across workers and
	 * processes: two jobs' bytes must never interleave on one device */
	label_resource(ls, j->resource, sizeof(j->resource));
	j->order_id = o->id;
	req = cJSON_CreateObject();
	if (!req)
		return -PL_ENOMEM;
	cJSON_AddStringToObject(req, "order", o->number);
	cJSON_AddStringToObject(req, "source",
				ls->source == LABEL_SRC_COURIER ? "courier" : "template");
	cJSON_AddStringToObject(req, "courier", ls->use_shipx ? "shipx" : "none");
	cJSON_AddStringToObject(req, "printer", print_type_name(ls->print.type));
	j->request = cJSON_PrintUnformatted(req);
	cJSON_Delete(req);
	return j->request ? 0 : -PL_ENOMEM;
}

int label_intent(struct journal *j, const struct label_setup *ls, const struct order *o,
		 struct label_result *res)
{
	struct job jb = {0};
	int rc;

	memset(res, 0, sizeof(*res));
	rc = build_job(ls, o, &jb, res);
	if (!rc)
		rc = record(j, &jb, o, res);
	job_release(&jb);
	return rc;
}

int label_settled(struct store *st, const struct journal_outcome *out, struct label_result *res)
{
	int rc = outcome_rc(out);

	res->job_id = out->job_id;
	snprintf(res->message, sizeof(res->message), "%s", out->message);
	fill_result(st, out->job_id, res);
	if (!rc && res->outcome != LABEL_ALREADY_DONE) {
		res->outcome = LABEL_PRINTED;
		if (!res->message[0])
			res_msg(res, "label printed (%s)", res->print_job);
	}
	return rc;
}

int label_print(struct store *st, const struct label_setup *ls, struct shipx *shipx,
		const struct order *o, struct label_result *res)
{
	struct label_fx fx = {.ls = ls, .shipx = shipx, .o = o};
	struct journal_outcome out;
	struct job j = {0};
	int rc;

	memset(res, 0, sizeof(*res));
	if (ls->use_shipx && !shipx) {
		res_msg(res, "courier = shipx but no ShipX client");
		return -PL_EINVAL;
	}
	rc = build_job(ls, o, &j, res);
	if (!rc)
		rc = direct_run(st, &fx, &j, res, &out);
	if (rc == 1) {
		rc = 0; /* done before this call */
	} else if (rc == 0) {
		res->outcome = LABEL_PRINTED;
		if (!out.recovered && !strstr(res->message, "printed earlier"))
			res_msg(res, "label of order %s printed (%s)", o->number, res->print_job);
	}
	job_release(&j);
	return rc;
}

int label_reprint(struct store *st, const struct label_setup *ls, const struct order *o,
		  const char *actor, struct label_result *res)
{
	struct label_fx fx = {.ls = ls, .o = o};
	struct journal_outcome out;
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
		goto out;
	}
	if (rc) {
		rc = -PL_ESTORE;
		goto out;
	}
	r = orig.result ? cJSON_Parse(orig.result) : NULL;
	rc = r ? evidence_zpl(r, &zpl) : -PL_ENOTFOUND;
	if (rc) {
		res_msg(res,
			"order %s: no label was made yet (job %" PRId64 " is %s): use "
			"`label print`",
			o->number, orig.id, job_state_name(orig.state));
		rc = -PL_ENOTFOUND;
		goto out;
	}

	/* the reprint is a side effect of its own: journalled, never a shipment */
	snprintf(j.kind, sizeof(j.kind), "label");
	label_resource(ls, j.resource, sizeof(j.resource));
	j.order_id = o->id;
	snprintf(j.idem_key, sizeof(j.idem_key), "label-reprint:%s:%s:%" PRId64, o->source,
		 o->ext_id, pl_now_ms());
	req = cJSON_CreateObject();
	if (!req) {
		rc = -PL_ENOMEM;
		goto out;
	}
	cJSON_AddNumberToObject(req, "reprint_of", (double)orig.id);
	cJSON_AddStringToObject(req, "actor", actor ? actor : "");
	j.request = cJSON_PrintUnformatted(req);
	cJSON_Delete(req);
	if (!j.request) {
		rc = -PL_ENOMEM;
		goto out;
	}
	rc = direct_run(st, &fx, &j, res, &out);
	if (rc == 1)
		rc = -PL_EEXIST; /* a reprint key is new each time: never here */
	/* what a reprint prints is the original's; report that job's shipment */
	res->shipment_id = get_num(r, "shipment_id");
	snprintf(res->tracking, sizeof(res->tracking), "%s",
		 get_str(r, "tracking") ? get_str(r, "tracking") : "");
	snprintf(detail, sizeof(detail),
		 "label job %" PRId64 " reprinted as job %" PRId64 ": %s%s%s", orig.id, j.id,
		 rc ? "failed" : "printed", res->print_job[0] ? " " : "", res->print_job);
	if (j.id > 0 &&
	    store_audit_add(st, actor ? actor : "", "label.reprint", o->number, detail, pl_now())) {
		pl_err("audit: cannot record the reprint of order %s", o->number);
		if (!rc)
			rc = -PL_ESTORE;
	}
	pl_info("order %s: %s", o->number, detail);
	if (!rc) {
		res->outcome = LABEL_REPRINTED;
		res_msg(res, "label of order %s reprinted (%s)", o->number, res->print_job);
	}
out:
	cJSON_Delete(r);
	job_release(&orig);
	job_release(&j);
	buf_release(&zpl);
	return rc;
}
