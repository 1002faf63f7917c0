/* SPDX-License-Identifier: Apache-2.0 */
/* fiscal/posnet_dev.c - POSNET printer driver: exchanges, status, receipts, reports.
 *
 * See posnet_dev.h for the contract. Layout: configuration; the exchange
 * (flush, send, read until the matching reply); rpt replay; status and
 * counter queries; the VAT table; receipt building and checks; sending a
 * receipt; cancel, goods return, footer, daily report.
 *
 * Why ~1,100 lines (over the ~800-line guide): the exchange discipline (flush,
 * match by mnemonic and token, one rpt) and every command that relies on it
 * share the device's private state; the document mapping is already out
 * (fiscal/receipt_map.c). A further cut would put receipts in their own file
 * behind a private header.
 */
#include "fiscal/posnet_dev.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "fiscal/cp1250.h"
#include "fiscal/posnet_errors.h"
#include "fiscal/xport_sim.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define POSNET_RX_CHUNK 512

/* Frame errors that mean "the frame was damaged or could not be queued":
 * the command certainly did not run, so sending the same frame again is not
 * a blind retry (5 bad CRC, 11 input buffer overrun, 14 input queue full,
 * 15 checksum missing). */
static bool posnet_frame_error_transient(int e)
{
	return e == 5 || e == 11 || e == 14 || e == 15;
}

static const int posnet_default_timeout[POSNET_CLASS_COUNT] = {
    [POSNET_CLASS_STATUS] = 5000,
    [POSNET_CLASS_TRANS] = 15000,
    [POSNET_CLASS_END] = 15000,
    [POSNET_CLASS_REPORT] = 120000,
};

struct posnet_dev {
	struct posnet_cfg cfg;
	struct xport *x;
	struct posnet_parser parser;
	uint8_t rx[POSNET_RX_CHUNK];
	size_t rx_len, rx_off; /* unparsed bytes rx[rx_off..rx_len) */
	int next_token;
	int last_error;
	char last_msg[256];
	struct posnet_vat_table vat; /* cached by posnet_read_vat */
	struct posnet_dev_stats stats;
	struct posnet_msg scratch; /* big (frame-sized): kept off the stack */
};

void posnet_cfg_init(struct posnet_cfg *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "fiscal");
	c->paper = POSNET_PAPER_57MM;
}

int posnet_cfg_timeout(const struct posnet_cfg *c, enum posnet_class cls)
{
	if ((unsigned)cls >= POSNET_CLASS_COUNT)
		cls = POSNET_CLASS_TRANS;
	return c->timeout_ms[cls] > 0 ? c->timeout_ms[cls] : posnet_default_timeout[cls];
}

static void posnet_set_msg(struct posnet_dev *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void posnet_set_msg(struct posnet_dev *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->last_msg, sizeof(d->last_msg), fmt, ap);
	va_end(ap);
}

int posnet_dev_open_xport(struct posnet_dev **out, const struct posnet_cfg *cfg, struct xport *x)
{
	struct posnet_dev *d;

	if (!out || !cfg || !x) {
		xport_close(x);
		return -PL_EINVAL;
	}
	d = calloc(1, sizeof(*d));
	if (!d) {
		xport_close(x);
		return -PL_ENOMEM;
	}
	d->cfg = *cfg;
	if (!d->cfg.paper)
		d->cfg.paper = POSNET_PAPER_57MM;
	d->x = x;
	posnet_parser_init(&d->parser);
	/* Tokens start at a per-process offset so that a restarted agent does
	 * not ask `rpt` for a reply stored under the same token by its
	 * predecessor. */
	d->next_token =
	    (int)((unsigned)getpid() * 37u + (unsigned)(pl_monotonic_ms() % 10000)) % 10000;
	*out = d;
	return 0;
}

int posnet_dev_open(struct posnet_dev **out, const struct posnet_cfg *cfg)
{
	struct xport *x = NULL;
	int rc;

	if (!cfg || !cfg->target[0]) {
		pl_err("printer '%s': no transport configured", cfg ? cfg->name : "?");
		return -PL_ECONFIG;
	}
	/* "sim:" is the POSNET simulator: a POSNET device accepts it wherever
	 * a real target is accepted (config, demo, tests). */
	rc = xport_sim_register();
	if (rc < 0)
		return rc;
	rc = xport_open(&x, cfg->target);
	if (rc < 0)
		return rc;
	return posnet_dev_open_xport(out, cfg, x);
}

void posnet_dev_close(struct posnet_dev *d)
{
	if (!d)
		return;
	xport_close(d->x);
	free(d);
}

const struct posnet_cfg *posnet_dev_cfg(const struct posnet_dev *d)
{
	return &d->cfg;
}

struct xport *posnet_dev_xport(struct posnet_dev *d)
{
	return d->x;
}

int posnet_dev_last_error(const struct posnet_dev *d)
{
	return d->last_error;
}

const char *posnet_dev_last_message(const struct posnet_dev *d)
{
	return d->last_msg;
}

void posnet_dev_stats(const struct posnet_dev *d, struct posnet_dev_stats *out)
{
	*out = d->stats;
}

/* --- the exchange ---------------------------------------------------------- */

/* Is `m` the reply to a command `expect` sent with `token`? */
static bool posnet_reply_matches(const struct posnet_msg *m, const char *expect, int token)
{
	if (m->kind == POSNET_MSG_FRAME_ERROR) {
		/* A frame error for a damaged frame cannot name our token; since
		 * the input was flushed before we wrote, take it as ours unless
		 * it names another token or another command.
		 * CONTRACT-GUESS: printers echo the token in ERR when they could
		 * parse it. */
		if (m->token != POSNET_NO_TOKEN && m->token != token)
			return false;
		if (m->err_cmd && strcmp(m->err_cmd, expect) != 0 && strcmp(m->err_cmd, "rpt") != 0)
			return false;
		return true;
	}
	if (strcmp(m->mnemonic, expect) != 0)
		return false;
	/* CONTRACT-GUESS: a printer echoes the token of every command it was
	 * sent with (spec §1.6); a reply without it is a stray one. */
	return token == POSNET_NO_TOKEN || m->token == token;
}

/* Send `cmd` (already tokenised) and wait for the reply to `expect`. */
static int posnet_exchange(struct posnet_dev *d, const struct posnet_cmd *cmd, const char *expect,
			   int timeout_ms, struct posnet_msg *reply)
{
	uint8_t frame[POSNET_FRAME_MAX];
	size_t flen = 0;
	int64_t deadline;
	int send_timeout = d->cfg.send_timeout_ms > 0 ? d->cfg.send_timeout_ms : 5000;
	int rc;

	rc = posnet_cmd_encode(cmd, false, frame, sizeof(frame), &flen);
	if (rc < 0) {
		posnet_set_msg(d, "%s", cmd->err[0] ? cmd->err : pl_strerror(rc));
		pl_err("printer '%s': %s", d->cfg.name, d->last_msg);
		return -PL_EINVAL;
	}
	d->stats.exchanges++;
	/* Whatever is waiting now is a late reply to an earlier command. */
	rc = xport_flush_input(d->x);
	if (rc < 0) {
		posnet_set_msg(d, "%s: cannot flush the input: %s", cmd->mnemonic, pl_strerror(rc));
		return -PL_EUNKNOWN; /* the line is gone: nothing was sent, but say so cautiously */
	}
	posnet_parser_reset(&d->parser);
	d->rx_len = d->rx_off = 0;
	pl_debug("printer '%s' > %s (%zu bytes)", d->cfg.name, cmd->mnemonic, flen);
	rc = xport_send(d->x, frame, flen, send_timeout);
	if (rc < 0) {
		posnet_set_msg(d, "%s: write failed: %s", cmd->mnemonic, pl_strerror(rc));
		pl_warn("printer '%s': %s", d->cfg.name, d->last_msg);
		return -PL_EUNKNOWN;
	}
	deadline = pl_monotonic_ms() + timeout_ms;
	for (;;) {
		while (d->rx_off < d->rx_len) {
			size_t used = 0;
			uint64_t skipped_before = d->parser.skipped;
			int f = posnet_parser_feed(&d->parser, d->rx + d->rx_off,
						   d->rx_len - d->rx_off, &used, reply);

			d->rx_off += used;
			d->stats.garbage_bytes += d->parser.skipped - skipped_before;
			if (f < 0) {
				d->stats.bad_frames++;
				pl_debug("printer '%s': skipped a bad frame: %s", d->cfg.name,
					 d->parser.err);
				continue;
			}
			if (f != POSNET_FEED_FRAME)
				continue;
			if (!posnet_reply_matches(reply, expect, cmd->token)) {
				d->stats.stray_frames++;
				pl_debug("printer '%s': skipped a stray '%s' reply while waiting "
					 "for '%s'",
					 d->cfg.name, reply->mnemonic, expect);
				continue;
			}
			if (reply->kind == POSNET_MSG_CMD_ERROR) {
				d->last_error = reply->error;
				posnet_set_msg(d, "%s: printer error %d: %s", cmd->mnemonic,
					       reply->error, posnet_error_message(reply->error));
				pl_warn("printer '%s': %s", d->cfg.name, d->last_msg);
				return -PL_EDEVICE;
			}
			if (reply->kind == POSNET_MSG_FRAME_ERROR) {
				d->last_error = reply->error;
				posnet_set_msg(
				    d, "%s: printer refused the frame: %s (frame error %d%s%s)",
				    cmd->mnemonic, posnet_frame_error_message(reply->error),
				    reply->error, reply->err_field ? ", field " : "",
				    reply->err_field ? reply->err_field : "");
				pl_warn("printer '%s': %s", d->cfg.name, d->last_msg);
				return -PL_EPROTO;
			}
			d->last_error = 0;
			return 0;
		}
		{
			int64_t left = deadline - pl_monotonic_ms();
			ssize_t n;

			if (left <= 0) {
				d->stats.timeouts++;
				posnet_set_msg(d, "%s: no reply within %d ms", cmd->mnemonic,
					       timeout_ms);
				pl_warn("printer '%s': %s", d->cfg.name, d->last_msg);
				return -PL_EUNKNOWN;
			}
			n = xport_recv(d->x, d->rx, sizeof(d->rx), (int)left);
			if (n == -PL_ETIMEDOUT)
				continue; /* the deadline check above reports it */
			if (n < 0) {
				posnet_set_msg(d, "%s: read failed: %s", cmd->mnemonic,
					       pl_strerror((int)n));
				pl_warn("printer '%s': %s", d->cfg.name, d->last_msg);
				return -PL_EUNKNOWN;
			}
			d->rx_len = (size_t)n;
			d->rx_off = 0;
		}
	}
}

static void posnet_assign_token(struct posnet_dev *d, struct posnet_cmd *cmd)
{
	if (d->cfg.no_tokens || cmd->token != POSNET_NO_TOKEN)
		return;
	posnet_cmd_set_token(cmd, d->next_token);
	d->next_token = (d->next_token + 1) % 10000;
}

/* rpt @token: ask for the stored reply of a command without running it again. */
static int posnet_replay(struct posnet_dev *d, const struct posnet_cmd *orig,
			 struct posnet_msg *reply)
{
	struct posnet_cmd r;
	int rc;

	if (orig->token == POSNET_NO_TOKEN)
		return -PL_EUNKNOWN;
	posnet_cmd_init(&r, "rpt");
	posnet_cmd_set_token(&r, orig->token);
	d->stats.replays++;
	rc = posnet_exchange(d, &r, orig->mnemonic,
			     posnet_cfg_timeout(&d->cfg, POSNET_CLASS_STATUS), reply);
	if (rc == -PL_EPROTO && d->last_error == 13) {
		/* token not found: the printer has no reply stored for it (never
		 * received, or lost with the power); only the counters can tell */
		posnet_set_msg(d, "%s: the printer has no stored reply for token %04d",
			       orig->mnemonic, orig->token);
		return -PL_EUNKNOWN;
	}
	if (rc == -PL_EPROTO)
		return -PL_EUNKNOWN; /* rpt itself refused: still nothing known */
	return rc;
}

int posnet_exec(struct posnet_dev *d, struct posnet_cmd *cmd, enum posnet_class cls,
		struct posnet_msg *reply)
{
	const char *expect = cmd->mnemonic[0] == '!' ? cmd->mnemonic + 1 : cmd->mnemonic;
	struct posnet_msg *m = reply ? reply : &d->scratch;
	int timeout = posnet_cfg_timeout(&d->cfg, cls);
	int rc;

	posnet_assign_token(d, cmd);
	rc = posnet_exchange(d, cmd, expect, timeout, m);
	if (rc == -PL_EPROTO && posnet_frame_error_transient(d->last_error)) {
		/* The frame was damaged on the way or not queued: it did not
		 * run, so one resend is not blind. */
		pl_info("printer '%s': resending '%s' after frame error %d", d->cfg.name, expect,
			d->last_error);
		rc = posnet_exchange(d, cmd, expect, timeout, m);
	}
	if (rc == -PL_EUNKNOWN && cmd->token != POSNET_NO_TOKEN) {
		int rr = posnet_replay(d, cmd, m);

		if (rr == 0 || rr == -PL_EDEVICE) {
			pl_info("printer '%s': recovered the reply to '%s' with rpt", d->cfg.name,
				expect);
			rc = rr;
		}
	}
	return rc;
}

int posnet_query(struct posnet_dev *d, const char *mnemonic, struct posnet_msg *reply)
{
	struct posnet_cmd c;
	int rc;

	for (int attempt = 0; attempt < 2; attempt++) {
		posnet_cmd_init(&c, mnemonic);
		rc = posnet_exec(d, &c, POSNET_CLASS_STATUS, reply);
		if (rc != -PL_EUNKNOWN)
			return rc;
	}
	return rc;
}

/* --- status and counters ------------------------------------------------ */

static long long posnet_get_ll(const struct posnet_msg *m, const char *name, long long dflt)
{
	long long v;

	return posnet_msg_get_int(m, name, &v) == 0 ? v : dflt;
}

static bool posnet_get_bool(const struct posnet_msg *m, const char *name, bool dflt)
{
	const char *v = posnet_msg_get(m, name);

	if (!v || !*v)
		return dflt;
	/* replies use T/N (fsT, tzN); requests 1/0 */
	return v[0] == 'T' || v[0] == 't' || v[0] == '1' || v[0] == 'Y' || v[0] == 'y';
}

static void posnet_get_str(const struct posnet_msg *m, const char *name, char *out, size_t cap)
{
	const char *v = posnet_msg_get(m, name);

	/* the unique number is ASCII ("ZBF 2101002392"); CP1250 text elsewhere
	 * is copied as bytes */
	snprintf(out, cap, "%s", v ? v : "");
}

int posnet_read_status(struct posnet_dev *d, struct posnet_status *st)
{
	struct posnet_msg *m = &d->scratch;
	int rc;

	memset(st, 0, sizeof(*st));
	rc = posnet_query(d, "sdev", m);
	if (rc < 0)
		return rc;
	st->ds = (int)posnet_get_ll(m, "ds", 0);
	st->tl = (int)posnet_get_ll(m, "tl", -1);
	rc = posnet_query(d, "sprn", m);
	if (rc < 0)
		return rc;
	st->pr = (int)posnet_get_ll(m, "pr", 0);
	rc = posnet_query(d, "scomm", m);
	if (rc < 0)
		return rc;
	st->fiscal = posnet_get_bool(m, "fs", false);
	st->header_set = posnet_get_bool(m, "hr", true);
	st->read_only = posnet_get_bool(m, "td", false);
	st->ts = (int)posnet_get_ll(m, "ts", 0);
	posnet_get_str(m, "nu", st->nu, sizeof(st->nu));
	return 0;
}

int posnet_preflight(struct posnet_dev *d, struct posnet_status *st)
{
	int rc = posnet_read_status(d, st);

	if (rc < 0)
		return rc;
	if (st->ds != 0) {
		posnet_set_msg(d, "printer not ready: %s (sdev ds%d)", posnet_sdev_message(st->ds),
			       st->ds);
		goto refuse;
	}
	if (st->pr != 0) {
		posnet_set_msg(d, "printer mechanism: %s (sprn pr%d)", posnet_sprn_message(st->pr),
			       st->pr);
		goto refuse;
	}
	if (st->read_only) {
		posnet_set_msg(d, "printer is in read-only state (scomm tdT): call the service");
		goto refuse;
	}
	if (!st->header_set) {
		posnet_set_msg(d, "printer has no receipt header (scomm hrN)");
		goto refuse;
	}
	if (!st->fiscal)
		pl_warn("printer '%s' (%s) is not fiscalised: receipts are not fiscal documents",
			d->cfg.name, st->nu);
	if (st->ts != 0) {
		posnet_set_msg(d, "printer has an open transaction (scomm ts%d)", st->ts);
		pl_warn("printer '%s': %s", d->cfg.name, d->last_msg);
		return -PL_ESTATE;
	}
	return 0;
refuse:
	d->last_error = 0;
	pl_err("printer '%s': %s", d->cfg.name, d->last_msg);
	return -PL_EDEVICE;
}

int posnet_read_counters(struct posnet_dev *d, struct posnet_counters *c)
{
	struct posnet_msg *m = &d->scratch;
	struct posnet_cmd cmd;
	int rc;

	memset(c, 0, sizeof(*c));
	rc = posnet_query(d, "scnt", m);
	if (rc < 0)
		return rc;
	posnet_get_str(m, "nu", c->nu, sizeof(c->nu));
	c->rd = posnet_get_ll(m, "rd", -1);
	c->bn = posnet_get_ll(m, "bn", -1);
	c->bt = posnet_get_ll(m, "bt", -1);
	c->bc = posnet_get_ll(m, "bc", -1);
	c->hn = posnet_get_ll(m, "hn", -1);
	if (c->rd < 0 || c->bn < 0) {
		posnet_set_msg(d, "scnt reply lacks rd/bn");
		return -PL_EPROTO;
	}
	c->di = -1;
	for (int attempt = 0; attempt < 2; attempt++) {
		posnet_cmd_init(&cmd, "eclastdocnoget");
		posnet_cmd_add_int(&cmd, "ty", 0);
		rc = posnet_exec(d, &cmd, POSNET_CLASS_STATUS, m);
		if (rc != -PL_EUNKNOWN)
			break;
	}
	if (rc == 0)
		c->di = posnet_get_ll(m, "di", -1);
	else if (rc == -PL_EDEVICE || rc == -PL_EPROTO)
		pl_debug("printer '%s': eclastdocnoget unsupported (%d); no di", d->cfg.name,
			 d->last_error); /* older models have no electronic copy */
	else
		return rc;
	return 0;
}

int posnet_read_trans(struct posnet_dev *d, struct posnet_trans *t)
{
	struct posnet_msg *m = &d->scratch;
	int rc;

	memset(t, 0, sizeof(*t));
	rc = posnet_query(d, "strns", m);
	if (rc < 0)
		return rc;
	t->open = posnet_get_ll(m, "to", 0) != 0;
	t->footer_pending = posnet_get_bool(m, "fe", false);
	t->ts = (int)posnet_get_ll(m, "ts", 0);
	t->fp = posnet_get_ll(m, "fp", 0);
	return 0;
}

/* --- VAT table ------------------------------------------------------------ */

int posnet_parse_rate(const char *s, int *hundredths)
{
	long whole = 0, frac = 0;
	int fd = 0;
	const char *p = s;

	if (!s || !isdigit((unsigned char)*p))
		return -PL_EINVAL;
	while (isdigit((unsigned char)*p) && whole < 1000)
		whole = whole * 10 + (*p++ - '0');
	if (*p == ',' || *p == '.') {
		p++;
		while (isdigit((unsigned char)*p) && fd < 2) {
			frac = frac * 10 + (*p++ - '0');
			fd++;
		}
		if (fd == 1)
			frac *= 10;
	}
	if (*p || whole > 101)
		return -PL_EINVAL;
	*hundredths = (int)(whole * 100 + frac);
	return 0;
}

static int posnet_vat_from_msg(const struct posnet_msg *m, struct posnet_vat_table *t)
{
	static const char names[POSNET_VAT_SLOTS][3] = {"va", "vb", "vc", "vd", "ve", "vf", "vg"};

	for (int i = 0; i < POSNET_VAT_SLOTS; i++) {
		const char *v = posnet_msg_get(m, names[i]);

		if (!v || posnet_parse_rate(v, &t->rate[i]) < 0)
			return -PL_EPROTO;
	}
	t->valid = true;
	return 0;
}

int posnet_read_vat(struct posnet_dev *d, struct posnet_vat_table *t, bool refresh)
{
	struct posnet_msg *m = &d->scratch;
	int rc;

	if (d->vat.valid && !refresh) {
		*t = d->vat;
		return 0;
	}
	memset(t, 0, sizeof(*t));
	rc = posnet_query(d, "sfsk", m);
	if (rc == 0)
		rc = posnet_vat_from_msg(m, t);
	if (rc < 0 && rc != -PL_EUNKNOWN) {
		rc = posnet_query(d, "vatget", m);
		if (rc == 0)
			rc = posnet_vat_from_msg(m, t);
	}
	if (rc < 0) {
		posnet_set_msg(d, "cannot read the VAT table (sfsk/vatget)");
		return rc;
	}
	d->vat = *t;
	return 0;
}

int posnet_vat_slot(const struct posnet_vat_table *t, enum vat_rate r)
{
	int want;

	switch (r) {
	case VAT_23:
	case VAT_8:
	case VAT_5:
	case VAT_0:
		want = vat_rate_percent(r) * 100;
		break;
	case VAT_ZW:
		want = POSNET_VAT_EXEMPT;
		break;
	default:
		return -PL_ENOTFOUND; /* np, oo: not sold through a register */
	}
	if (!t->valid)
		return -PL_ENOTFOUND;
	for (int i = 0; i < POSNET_VAT_SLOTS; i++)
		if (t->rate[i] == want)
			return i;
	return -PL_ENOTFOUND;
}

/* --- receipts ------------------------------------------------------------- */

void posnet_receipt_init(struct posnet_receipt *r)
{
	memset(r, 0, sizeof(*r));
}

void posnet_receipt_release(struct posnet_receipt *r)
{
	free(r->lines);
	posnet_receipt_init(r);
}

int posnet_receipt_add_line(struct posnet_receipt *r, const struct posnet_line *l)
{
	struct posnet_line *v;

	if (r->nlines >= 500) /* trinit: at most 500 positions */
		return -PL_ETOOBIG;
	v = realloc(r->lines, (r->nlines + 1) * sizeof(*v));
	if (!v)
		return -PL_ENOMEM;
	r->lines = v;
	r->lines[r->nlines++] = *l;
	return 0;
}

static const struct {
	const char *type;
	int ty;
	const char *name;
} posnet_payments[] = {
    {"cash", 0, "Gotówka"},
    {"card", 2, "Karta"},
    {"transfer", 8, "Przelew"},
    /* CONTRACT-GUESS: a payment through an online gateway settles to the
	 * bank account, so it is reported as przelew (8). */
    {"online", 8, "Przelew"},
    /* CONTRACT-GUESS: BLIK and cash on delivery have no POSNET form of
	 * their own; they go as "inna" (6) with their name printed. Confirm
	 * with the shop's accountant. */
    {"blik", 6, "BLIK"},
    {"cod", 6, "Pobranie"},
    {"voucher", 7, "Bon"},
    {"other", 6, "Inna"},
};

int posnet_payment_map(const char *type, int *ty, char *name, size_t cap)
{
	for (size_t i = 0; i < sizeof(posnet_payments) / sizeof(posnet_payments[0]); i++) {
		if (type && strcmp(type, posnet_payments[i].type) == 0) {
			*ty = posnet_payments[i].ty;
			snprintf(name, cap, "%s", posnet_payments[i].name);
			return 0;
		}
	}
	return -PL_EINVAL;
}

static bool posnet_nip_ok(const char *nip)
{
	size_t n = 0;

	for (const char *p = nip; *p; p++, n++)
		if (!isdigit((unsigned char)*p))
			return false;
	return n == 10;
}

/* Copy at most `max` UTF-8 characters of s into out. */
static void posnet_utf8_cut(const char *s, size_t max, char *out, size_t cap);

/* Check that the part of `s` that will be sent (its first `max` characters)
 * has a CP1250 form, so that a receipt is refused whole before any byte
 * leaves instead of failing at its first unprintable line with a
 * transaction already open. `what` names the field for the message:
 *   line 3 'Kubek 😀': U+1F600 cannot be printed in CP1250 */
static int posnet_text_check(const char *what, const char *s, size_t max, char *err, size_t errcap)
{
	char cut[512], enc[512], cerr[160];
	const unsigned char *p;

	posnet_utf8_cut(s, max, cut, sizeof(cut));
	for (p = (const unsigned char *)cut; *p;) {
		uint32_t cp;
		size_t n;

		if (*p < 0x80) {
			cp = *p;
			n = 1;
		} else if ((*p & 0xE0) == 0xC0 && (p[1] & 0xC0) == 0x80) {
			cp = (uint32_t)(*p & 0x1F) << 6 | (p[1] & 0x3F);
			n = 2;
		} else if ((*p & 0xF0) == 0xE0 && (p[1] & 0xC0) == 0x80 && (p[2] & 0xC0) == 0x80) {
			cp = (uint32_t)(*p & 0x0F) << 12 | (uint32_t)(p[1] & 0x3F) << 6 |
			     (p[2] & 0x3F);
			n = 3;
		} else if ((*p & 0xF8) == 0xF0 && (p[1] & 0xC0) == 0x80 && (p[2] & 0xC0) == 0x80 &&
			   (p[3] & 0xC0) == 0x80) {
			cp = (uint32_t)(*p & 0x07) << 18 | (uint32_t)(p[1] & 0x3F) << 12 |
			     (uint32_t)(p[2] & 0x3F) << 6 | (p[3] & 0x3F);
			n = 4;
		} else {
			break; /* malformed: cp1250_from_utf8 below words it */
		}
		if (cp1250_from_ucs(cp) < 0) {
			snprintf(err, errcap, "%s: U+%04X cannot be printed in CP1250", what,
				 (unsigned)cp);
			return -PL_EINVAL;
		}
		p += n;
	}
	if (cp1250_from_utf8(cut, strlen(cut), enc, sizeof(enc), NULL, cerr, sizeof(cerr)) < 0) {
		snprintf(err, errcap, "%s: %s", what, cerr);
		return -PL_EINVAL;
	}
	return 0;
}

int posnet_receipt_check(const struct posnet_receipt *r, char *err, size_t errcap)
{
	int64_t sum = 0;

	if (r->nlines == 0) {
		snprintf(err, errcap, "the receipt has no lines");
		return -PL_EINVAL;
	}
	for (size_t i = 0; i < r->nlines; i++) {
		const struct posnet_line *l = &r->lines[i];

		if (!l->name[0]) {
			snprintf(err, errcap, "line %zu has no name", i + 1);
			return -PL_EINVAL;
		}
		if (l->price <= 0 || l->qty <= 0) {
			snprintf(err, errcap,
				 "line %zu ('%s'): price and quantity must be positive", i + 1,
				 l->name);
			return -PL_EINVAL;
		}
		if (money_line_gross(l->price, l->qty) != l->value) {
			snprintf(
			    err, errcap,
			    "line %zu ('%s'): price %lld x quantity %lld/1000 is %lld, not the "
			    "line value %lld",
			    i + 1, l->name, (long long)l->price, (long long)l->qty,
			    (long long)money_line_gross(l->price, l->qty), (long long)l->value);
			return -PL_EINVAL;
		}
		{
			char what[300];

			snprintf(what, sizeof(what), "line %zu '%s'", i + 1, l->name);
			if (posnet_text_check(what, l->name, 80, err, errcap) < 0)
				return -PL_EINVAL;
			snprintf(what, sizeof(what), "line %zu '%s' unit", i + 1, l->name);
			if (posnet_text_check(what, l->unit, 8, err, errcap) < 0)
				return -PL_EINVAL;
			snprintf(what, sizeof(what), "line %zu '%s' discount name", i + 1, l->name);
			if (l->adj != POSNET_ADJ_NONE &&
			    posnet_text_check(what, l->adj_name, 25, err, errcap) < 0)
				return -PL_EINVAL;
		}
		if (l->adj != POSNET_ADJ_NONE &&
		    (l->adj_amount <= 0 || l->adj_amount >= l->value)) {
			snprintf(err, errcap, "line %zu ('%s'): bad discount/markup amount %lld",
				 i + 1, l->name, (long long)l->adj_amount);
			return -PL_EINVAL;
		}
		{
			int64_t v = l->value + (l->adj == POSNET_ADJ_MARKUP     ? l->adj_amount
						: l->adj == POSNET_ADJ_DISCOUNT ? -l->adj_amount
										: 0);
			sum += l->storno ? -v : v;
		}
	}
	if (r->sub_adj == POSNET_ADJ_DISCOUNT)
		sum -= r->sub_adj_amount;
	else if (r->sub_adj == POSNET_ADJ_MARKUP)
		sum += r->sub_adj_amount;
	if (sum != r->total) {
		snprintf(err, errcap, "the lines add up to %lld, the receipt total is %lld",
			 (long long)sum, (long long)r->total);
		return -PL_EINVAL;
	}
	if (r->total <= 0) {
		snprintf(err, errcap, "a receipt of value %lld cannot be printed",
			 (long long)r->total);
		return -PL_EINVAL;
	}
	if (r->sub_adj != POSNET_ADJ_NONE &&
	    posnet_text_check("subtotal discount name", r->sub_adj_name, 25, err, errcap) < 0)
		return -PL_EINVAL;
	if (posnet_text_check("payment name", r->pay_name, 25, err, errcap) < 0)
		return -PL_EINVAL;
	/* 56 characters fit the 80 mm footer, the most that is ever sent */
	if (posnet_text_check("order number", r->order_number, 56, err, errcap) < 0)
		return -PL_EINVAL;
	if (r->nip[0] && !posnet_nip_ok(r->nip)) {
		snprintf(err, errcap, "buyer NIP '%s' is not 10 digits", r->nip);
		return -PL_EINVAL;
	}
	return 0;
}

/* Copy at most `max` UTF-8 characters of s into out. */
static void posnet_utf8_cut(const char *s, size_t max, char *out, size_t cap)
{
	size_t i = 0, chars = 0;

	while (s[i] && chars < max) {
		size_t n = 1;
		unsigned char c = (unsigned char)s[i];

		if (c >= 0xF0)
			n = 4;
		else if (c >= 0xE0)
			n = 3;
		else if (c >= 0xC0)
			n = 2;
		for (size_t k = 1; k < n; k++)
			if (!s[i + k])
				n = k;
		if (i + n >= cap)
			break;
		i += n;
		chars++;
	}
	memcpy(out, s, i);
	out[i] = '\0';
}

/* "1", "2", "1.5", "0.125": quantity in thousandths as a POSNET Num. */
static void posnet_format_qty(int64_t qty, char *out, size_t cap)
{
	int64_t whole = qty / 1000, frac = qty % 1000;

	if (frac == 0) {
		snprintf(out, cap, "%lld", (long long)whole);
		return;
	}
	snprintf(out, cap, "%lld.%03lld", (long long)whole, (long long)frac);
	for (size_t n = strlen(out); n > 0 && out[n - 1] == '0'; n--)
		out[n - 1] = '\0';
}

static int posnet_emit(posnet_cmd_fn *fn, void *arg, struct posnet_cmd *c, enum posnet_class cls)
{
	if (c->rc < 0)
		return c->rc;
	return fn(c, cls, arg);
}

int posnet_receipt_commands(const struct posnet_receipt *r, const struct posnet_vat_table *vat,
			    const struct posnet_cfg *cfg, posnet_cmd_fn *fn, void *arg)
{
	struct posnet_cmd c;
	char name[256], qty[32];
	int rc;

	posnet_cmd_init(&c, "trinit");
	posnet_cmd_add_int(&c, "bm", cfg->block_mode ? 1 : 0);
	if ((rc = posnet_emit(fn, arg, &c, POSNET_CLASS_TRANS)) < 0)
		return rc;
	if (r->nip[0]) {
		/* Right after trinit, as recorded (NipReceipt cassette); the law
		 * needs it before trend (art. 106b ust. 5). */
		posnet_cmd_init(&c, "trnipset");
		posnet_cmd_add_text(&c, "ni", r->nip);
		if ((rc = posnet_emit(fn, arg, &c, POSNET_CLASS_TRANS)) < 0)
			return rc;
	}
	for (size_t i = 0; i < r->nlines; i++) {
		const struct posnet_line *l = &r->lines[i];
		int slot = posnet_vat_slot(vat, l->vat);
		/* Field order as recorded from a real printer's driver:
		 * na vt pr [il] [st] [wa] [jm] [rd rn rw]; wa only when it is not
		 * simply pr (a quantity, a discount or a storno). */
		bool send_qty = l->qty != 1000;
		bool send_value = send_qty || l->storno || l->adj != POSNET_ADJ_NONE;

		if (slot < 0)
			return -PL_ENOTFOUND;
		posnet_cmd_init(&c, "trline");
		posnet_cmd_set_paper(&c, cfg->paper);
		posnet_utf8_cut(l->name, 80, name, sizeof(name));
		posnet_cmd_add_text(&c, "na", name);
		posnet_cmd_add_int(&c, "vt", slot);
		posnet_cmd_add_int(&c, "pr", l->price);
		if (send_qty) {
			posnet_format_qty(l->qty, qty, sizeof(qty));
			posnet_cmd_add_text(&c, "il", qty);
		}
		if (l->storno)
			posnet_cmd_add_int(&c, "st", 1);
		if (send_value)
			posnet_cmd_add_int(&c, "wa", l->value);
		if (l->unit[0])
			posnet_cmd_add_text(&c, "jm", l->unit);
		if (l->adj != POSNET_ADJ_NONE) {
			posnet_cmd_add_int(&c, "rd", l->adj == POSNET_ADJ_DISCOUNT ? 1 : 0);
			if (l->adj_name[0]) {
				posnet_utf8_cut(l->adj_name, 25, name, sizeof(name));
				posnet_cmd_add_text(&c, "rn", name);
			}
			posnet_cmd_add_int(&c, "rw", l->adj_amount);
		}
		if ((rc = posnet_emit(fn, arg, &c, POSNET_CLASS_TRANS)) < 0)
			return rc;
	}
	if (r->sub_adj != POSNET_ADJ_NONE) {
		posnet_cmd_init(&c, "trdiscntsubtot");
		if (r->sub_adj_name[0]) {
			posnet_utf8_cut(r->sub_adj_name, 25, name, sizeof(name));
			posnet_cmd_add_text(&c, "na", name);
		}
		posnet_cmd_add_int(&c, "rd", r->sub_adj == POSNET_ADJ_DISCOUNT ? 1 : 0);
		posnet_cmd_add_int(&c, "rw", r->sub_adj_amount);
		if ((rc = posnet_emit(fn, arg, &c, POSNET_CLASS_TRANS)) < 0)
			return rc;
	}
	posnet_cmd_init(&c, "trpayment");
	posnet_cmd_add_int(&c, "ty", r->pay_type);
	posnet_cmd_add_int(&c, "wa", r->total);
	posnet_utf8_cut(r->pay_name, 25, name, sizeof(name));
	posnet_cmd_add_text(&c, "na", name);
	posnet_cmd_add_int(&c, "re", 0);
	if ((rc = posnet_emit(fn, arg, &c, POSNET_CLASS_TRANS)) < 0)
		return rc;

	bool footer = !cfg->no_footer && r->order_number[0];
	posnet_cmd_init(&c, "trend");
	posnet_cmd_add_int(&c, "to", r->total);
	posnet_cmd_add_int(&c, "fp", r->total);
	if (footer)
		posnet_cmd_add_int(&c, "fe", 0); /* we finish the footer ourselves */
	if ((rc = posnet_emit(fn, arg, &c, POSNET_CLASS_END)) < 0)
		return rc;
	if (footer) {
		posnet_cmd_init(&c, "trftrln");
		posnet_cmd_set_paper(&c, cfg->paper);
		posnet_cmd_add_int(&c, "id", 13); /* "Nr zamówienia" */
		posnet_utf8_cut(r->order_number, cfg->paper == POSNET_PAPER_80MM ? 56 : 40, name,
				sizeof(name));
		posnet_cmd_add_text(&c, "na", name);
		if ((rc = posnet_emit(fn, arg, &c, POSNET_CLASS_TRANS)) < 0)
			return rc;
		posnet_cmd_init(&c, "trftrend");
		if ((rc = posnet_emit(fn, arg, &c, POSNET_CLASS_END)) < 0)
			return rc;
	}
	return 0;
}

struct posnet_send_ctx {
	struct posnet_dev *d;
	enum posnet_stage stage;
};

static int posnet_send_one(struct posnet_cmd *c, enum posnet_class cls, void *arg)
{
	struct posnet_send_ctx *ctx = arg;
	bool is_init = strcmp(c->mnemonic, "trinit") == 0;
	bool is_end = strcmp(c->mnemonic, "trend") == 0;
	bool is_ftrend = strcmp(c->mnemonic, "trftrend") == 0;
	int rc = posnet_exec(ctx->d, c, cls, NULL);

	if (rc == 0) {
		if (is_init)
			ctx->stage = POSNET_STAGE_OPEN;
		else if (is_end)
			ctx->stage = POSNET_STAGE_FISCAL;
		else if (is_ftrend)
			ctx->stage = POSNET_STAGE_DONE;
		return 0;
	}
	/* An ambiguous trinit may have opened the transaction. */
	if (is_init && rc == -PL_EUNKNOWN)
		ctx->stage = POSNET_STAGE_OPEN;
	return rc;
}

int posnet_receipt_send(struct posnet_dev *d, const struct posnet_receipt *r,
			enum posnet_stage *stage)
{
	struct posnet_send_ctx ctx = {.d = d, .stage = POSNET_STAGE_NOTHING};
	struct posnet_vat_table vat;
	char err[256];
	int rc;

	*stage = POSNET_STAGE_NOTHING;
	rc = posnet_receipt_check(r, err, sizeof(err));
	if (rc < 0) {
		posnet_set_msg(d, "%s", err);
		return rc;
	}
	rc = posnet_read_vat(d, &vat, false);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < r->nlines; i++) {
		if (posnet_vat_slot(&vat, r->lines[i].vat) < 0) {
			posnet_set_msg(d,
				       "line %zu ('%s'): the printer has no active slot for VAT "
				       "rate %s",
				       i + 1, r->lines[i].name, vat_rate_name(r->lines[i].vat));
			return -PL_EINVAL;
		}
	}
	rc = posnet_receipt_commands(r, &vat, &d->cfg, posnet_send_one, &ctx);
	*stage = rc == 0 ? POSNET_STAGE_DONE : ctx.stage;
	return rc;
}

int posnet_cancel(struct posnet_dev *d)
{
	struct posnet_cmd c;
	int rc;

	posnet_cmd_init(&c, "prncancel");
	rc = posnet_exec(d, &c, POSNET_CLASS_TRANS, NULL);
	if (rc == -PL_EDEVICE && (d->last_error == 2005 || d->last_error == 2060)) {
		/* 2005 ERR_NO_TRNS_MODE: nothing was open */
		return 0;
	}
	return rc;
}

int posnet_finish_footer(struct posnet_dev *d, const char *order_number)
{
	struct posnet_cmd c;
	char name[128];
	int rc;

	if (order_number && order_number[0]) {
		posnet_cmd_init(&c, "trftrln");
		posnet_cmd_set_paper(&c, d->cfg.paper);
		posnet_cmd_add_int(&c, "id", 13);
		posnet_utf8_cut(order_number, d->cfg.paper == POSNET_PAPER_80MM ? 56 : 40, name,
				sizeof(name));
		posnet_cmd_add_text(&c, "na", name);
		rc = posnet_exec(d, &c, POSNET_CLASS_TRANS, NULL);
		if (rc < 0 && rc != -PL_EDEVICE)
			return rc; /* a refused footer line is cosmetic; trftrend matters */
	}
	posnet_cmd_init(&c, "trftrend");
	return posnet_exec(d, &c, POSNET_CLASS_END, NULL);
}

int posnet_goods_return(struct posnet_dev *d, const struct posnet_line *lines, size_t nlines,
			int64_t *amount)
{
	struct posnet_msg *m = &d->scratch;
	struct posnet_cmd c;
	char err[320];
	int64_t sum = 0;
	int rc, ts;

	if (amount)
		*amount = 0;
	if (nlines == 0 || !lines) {
		posnet_set_msg(d, "goods return: no lines");
		return -PL_EINVAL;
	}
	for (size_t i = 0; i < nlines; i++) {
		const struct posnet_line *l = &lines[i];
		char what[300];

		snprintf(what, sizeof(what), "line %zu '%s'", i + 1, l->name);
		if (!l->name[0] || l->price <= 0 || l->qty <= 0 ||
		    money_line_gross(l->price, l->qty) != l->value || l->storno ||
		    l->adj != POSNET_ADJ_NONE) {
			posnet_set_msg(d,
				       "goods return %s: needs a name, a positive price and "
				       "quantity, value = price x quantity, no storno or discount",
				       what);
			return -PL_EINVAL;
		}
		if (posnet_text_check(what, l->name, 80, err, sizeof(err)) < 0) {
			posnet_set_msg(d, "goods return %s", err);
			return -PL_EINVAL;
		}
		if (l->value > INT64_MAX / 2 - sum) {
			posnet_set_msg(d, "goods return: the lines add up to too much");
			return -PL_EINVAL;
		}
		sum += l->value;
	}
	/* scomm, as the recording does: a cash-out inside an open document is
	 * refused by the printer (2038); say so before sending it */
	rc = posnet_query(d, "scomm", m);
	if (rc < 0)
		return rc;
	ts = (int)posnet_get_ll(m, "ts", 0);
	if (ts != 0) {
		posnet_set_msg(d, "goods return: a document is open on the printer (scomm ts%d)",
			       ts);
		return -PL_ESTATE;
	}
	posnet_cmd_init(&c, "stocash");
	posnet_cmd_add_int(&c, "kw", sum);
	rc = posnet_exec(d, &c, POSNET_CLASS_TRANS, NULL);
	if (rc == 0 && amount)
		*amount = sum;
	return rc;
}

int posnet_daily_report(struct posnet_dev *d, const char *date, long long *rd_after)
{
	struct posnet_counters cnt;
	struct posnet_cmd c;
	char today[16];
	int rc, y, mo, da;

	if (!date) {
		pl_local_date(pl_now(), &y, &mo, &da);
		snprintf(today, sizeof(today), "%04d-%02d-%02d", y, mo, da);
		date = today;
	}
	posnet_cmd_init(&c, "dailyrep");
	posnet_cmd_add_text(&c, "da", date);
	rc = posnet_exec(d, &c, POSNET_CLASS_REPORT, NULL);
	if (rc == -PL_EDEVICE && d->last_error == 382)
		posnet_set_msg(d, "daily report refused: the previous one was already a zero "
				  "report (error 382)");
	if (rc < 0)
		return rc;
	if (rd_after) {
		rc = posnet_read_counters(d, &cnt);
		if (rc < 0)
			return rc;
		*rd_after = cnt.rd;
	}
	return 0;
}
