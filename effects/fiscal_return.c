/* SPDX-License-Identifier: Apache-2.0 */
/* effects/fiscal_return.c - a goods return on the fiscal printer (fiscal_return.h). */
#include "effects/fiscal_return.h"

#include "base/err.h"
#include "base/log.h"
#include "core/money.h"
#include "effects/docfx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct frx {
	struct order o;
	struct document d;
	struct posnet_line *lines; /* owned */
	size_t n;
	int64_t sum;
	struct posnet_counters before;
};

static int fr_prepare(struct journal_job *jj)
{
	struct receipt_fx *fx = journal_arg(jj);
	struct frx *s = calloc(1, sizeof(*s));
	bool made = false;
	int rc;

	if (!s)
		return -PL_ENOMEM;
	order_init(&s->o);
	doc_init(&s->d);
	journal_set_state(jj, s);
	rc = docfx_build(jj, &fx->docs, &s->o, &s->d, &made);
	if (!rc && made)
		rc = docfx_create(jj, &fx->docs, &s->d);
	if (rc)
		return rc;
	/* the refund document takes goods back: negative lines; the printer is
	 * told the positive quantities and values */
	s->lines = calloc(s->d.nlines ? s->d.nlines : 1, sizeof(*s->lines));
	if (!s->lines)
		return -PL_ENOMEM;
	for (size_t i = 0; i < s->d.nlines; i++) {
		const struct doc_line *dl = &s->d.lines[i];
		struct posnet_line *l = &s->lines[s->n];

		if (dl->qty == 0)
			continue;
		snprintf(l->name, sizeof(l->name), "%s", dl->name);
		snprintf(l->unit, sizeof(l->unit), "%s", dl->unit);
		l->vat = dl->vat;
		l->price = dl->unit_gross;
		l->qty = dl->qty < 0 ? -dl->qty : dl->qty;
		l->value = money_line_gross(l->price, l->qty);
		if (l->value != (dl->gross < 0 ? -dl->gross : dl->gross)) {
			journal_msg(
			    jj, "refund %s line %zu '%s': %lld x %lld/1000 is not its value %lld",
			    s->d.number, i + 1, dl->name, (long long)l->price, (long long)l->qty,
			    (long long)dl->gross);
			return -PL_EINVAL;
		}
		s->sum += l->value;
		s->n++;
	}
	if (s->n == 0) {
		journal_msg(jj, "refund of %s: no line to return", s->o.number);
		return -PL_EINVAL;
	}
	return 0;
}

static cJSON *fr_ev(const struct frx *s)
{
	cJSON *ev = cJSON_CreateObject(), *lines;

	if (!ev)
		return NULL;
	cJSON_AddNumberToObject(ev, "sum", (double)s->sum);
	cJSON_AddNumberToObject(ev, "doc_id", (double)s->d.id);
	receipt_counters_add(ev, "before", &s->before);
	lines = cJSON_AddArrayToObject(ev, "lines");
	for (size_t i = 0; lines && i < s->n; i++) {
		cJSON *l = cJSON_CreateObject();
		if (!l)
			break;
		cJSON_AddItemToArray(lines, l);
		cJSON_AddStringToObject(l, "name", s->lines[i].name);
		cJSON_AddNumberToObject(l, "price", (double)s->lines[i].price);
		cJSON_AddNumberToObject(l, "qty", (double)s->lines[i].qty);
		cJSON_AddNumberToObject(l, "value", (double)s->lines[i].value);
	}
	return ev;
}

static int fr_perform(struct journal_job *jj)
{
	struct receipt_fx *fx = journal_arg(jj);
	struct frx *s = journal_state(jj);
	char sum[32];
	int64_t paid = 0;
	int rc = receipt_fx_open(jj);

	if (rc)
		return rc; /* nothing sent: the engine settles the pending job */
	money_format(s->sum, sum, sizeof(sum));
	rc = posnet_read_counters(fx->dev, &s->before);
	if (rc < 0) {
		journal_msg(jj, "goods return of %s: cannot read the printer's counters: %s", sum,
			    posnet_dev_last_message(fx->dev));
		return -PL_EDEVICE; /* nothing sent */
	}
	/* the counters, lines and sum are journalled before the command leaves */
	rc = journal_sending(jj, fr_ev(s));
	if (rc)
		return rc;
	rc = posnet_goods_return(fx->dev, s->lines, s->n, &paid);
	if (rc == 0) {
		journal_msg(jj, "goods return of %s printed for order %s (%s)", sum, s->o.number,
			    s->d.currency);
		return journal_done(jj, fr_ev(s), "posnet-return");
	}
	journal_msg(jj, "goods return of %s: %s", sum, posnet_dev_last_message(fx->dev));
	if (rc == -PL_EINVAL || rc == -PL_ESTATE || rc == -PL_EDEVICE) {
		/* checked before sending, or refused by the printer: nothing paid out */
		int frc = journal_failed(jj, fr_ev(s));
		return frc ? frc : rc;
	}
	/* no answer: the printer may have printed it; it cannot be asked */
	return journal_unknown(jj, fr_ev(s), true, 0);
}

/* An interrupted attempt, from the printer's counters read before it and
 * now. A goods return prints a non-fiscal document with a header: the last
 * header number hn moves by one and no receipt counter moves.
 * GUESS (simulator and research/fiscal-printers.md "scnt": hn is the last
 * header number; not yet seen on a real printer's goods return): exactly
 * +1 is taken as our return. Every agent action on this printer runs under
 * its resource claim, so another +1 could only come from a person at the
 * printer in the same minutes; anything else is held, never guessed. */
static enum journal_verdict fr_lookup(struct journal_job *jj, char *why, size_t cap)
{
	struct receipt_fx *fx = journal_arg(jj);
	const cJSON *ev = journal_evidence(jj);
	struct posnet_counters before, now;
	char sum[32];

	money_format(journal_json_int(ev, "sum", 0), sum, sizeof(sum));
	if (!receipt_counters_parse(cJSON_GetObjectItemCaseSensitive(ev, "before"), &before)) {
		snprintf(why, cap, "goods return of %s: no counters journalled before it", sum);
		return JOURNAL_V_UNDECIDABLE;
	}
	if (receipt_fx_open(jj) || posnet_read_counters(fx->dev, &now) < 0) {
		snprintf(why, cap, "goods return of %s: the printer does not answer", sum);
		return JOURNAL_V_RETRY;
	}
	if (strcmp(now.nu, before.nu) != 0 || now.rd != before.rd || now.bn != before.bn ||
	    now.bc != before.bc) {
		snprintf(
		    why, cap,
		    "goods return of %s: the printer's counters moved otherwise (%s rd %lld bn "
		    "%lld -> %s rd %lld bn %lld): check the paper copy, then `packline jobs "
		    "resolve`",
		    sum, before.nu, before.rd, before.bn, now.nu, now.rd, now.bn);
		return JOURNAL_V_UNDECIDABLE;
	}
	if (now.hn == before.hn) {
		snprintf(why, cap, "goods return of %s: nothing printed since (header %lld)", sum,
			 now.hn);
		return JOURNAL_V_NOT_DONE;
	}
	if (now.hn == before.hn + 1) {
		snprintf(why, cap, "goods return of %s: printed (header %lld -> %lld)", sum,
			 before.hn, now.hn);
		return JOURNAL_V_DONE;
	}
	snprintf(why, cap,
		 "goods return of %s: %lld printouts since (header %lld -> %lld): check the "
		 "paper copy, then `packline jobs resolve`",
		 sum, now.hn - before.hn, before.hn, now.hn);
	return JOURNAL_V_UNDECIDABLE;
}

static void fr_release(struct journal_job *jj)
{
	struct frx *s = journal_state(jj);

	receipt_fx_close(journal_arg(jj));
	if (!s)
		return;
	order_release(&s->o);
	doc_release(&s->d);
	free(s->lines);
	free(s);
	journal_set_state(jj, NULL);
}

const struct journal_effect_ops fiscal_return_ops = {
    .kind = "fiscal_return",
    .prepare = fr_prepare,
    .perform = fr_perform,
    .lookup = fr_lookup,
    .release = fr_release,
};
