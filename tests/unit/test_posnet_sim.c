/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/test_posnet_sim.c - the POSNET simulator against the recorded
 * cassettes, its fiscal rules, tokens, faults and persistence. */
#include "check.h"

#include <dirent.h>
#include <stdbool.h>
#include <time.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/err.h"
#include "fiscal/cp1250.h"
#include "fiscal/posnet_frame.h"
#include "fiscal/posnet_sim.h"

/* --- a simulator with a host-side parser and a fake clock --------------- */

struct rig {
	struct posnet_sim *sim;
	int64_t now_ms; /* monotonic */
	int64_t wall;   /* unix seconds for the simulator's dates */
	struct posnet_parser parser;
	struct posnet_msg reply;
	int token;
	uint8_t pend[4096]; /* bytes read after a frame, for the next rig_recv */
	size_t npend;
};

static int64_t rig_clock(void *arg)
{
	return ((struct rig *)arg)->wall;
}

static void rig_init(struct rig *r, const struct posnet_sim_config *base)
{
	struct posnet_sim_config cfg;

	memset(r, 0, sizeof(*r));
	if (base)
		cfg = *base;
	else
		posnet_sim_config_default(&cfg);
	cfg.clock = rig_clock;
	cfg.clock_arg = r;
	r->wall = 1791539295; /* 2026-10-09T09:48:15Z */
	r->now_ms = 1000;
	r->sim = posnet_sim_new(&cfg);
	r->token = POSNET_NO_TOKEN;
	posnet_parser_init(&r->parser);
}

static void rig_free(struct rig *r)
{
	posnet_sim_free(r->sim);
}

/* Build a command from a UTF-8 payload "trline\tnaKawa\tvt1\t". */
static int build(const char *payload, int token, uint8_t *out, size_t cap, size_t *len)
{
	struct posnet_cmd c;
	char tmp[POSNET_FRAME_MAX];
	char *save = NULL, *tok;

	snprintf(tmp, sizeof(tmp), "%s", payload);
	tok = strtok_r(tmp, "\t", &save);
	if (!tok)
		return -PL_EINVAL;
	posnet_cmd_init(&c, tok);
	posnet_cmd_set_paper(&c, POSNET_PAPER_80MM);
	while ((tok = strtok_r(NULL, "\t", &save))) {
		char name[3] = {tok[0], tok[1], '\0'};
		posnet_cmd_add_text(&c, name, tok + 2);
	}
	if (token != POSNET_NO_TOKEN)
		posnet_cmd_set_token(&c, token);
	return posnet_cmd_encode(&c, false, out, cap, len);
}

static void rig_send_raw(struct rig *r, const void *data, size_t len)
{
	posnet_sim_input(r->sim, data, len, r->now_ms);
}

/* Read whatever is due within `wait_ms` (stepping the clock); 1 when a
 * reply frame was parsed into r->reply, 0 when nothing came, <0 bad frame. */
static int rig_recv(struct rig *r, int wait_ms)
{
	int64_t end = r->now_ms + wait_ms;

	for (;;) {
		uint8_t out[4096];
		size_t n, off = 0;

		if (r->npend) {
			n = r->npend;
			memcpy(out, r->pend, n);
			r->npend = 0;
		} else {
			n = posnet_sim_output(r->sim, out, 256, r->now_ms);
		}
		while (off < n) {
			size_t used;
			int rc =
			    posnet_parser_feed(&r->parser, out + off, n - off, &used, &r->reply);
			off += used;
			if (rc != POSNET_FEED_MORE) {
				memcpy(r->pend, out + off, n - off);
				r->npend = n - off;
				return rc == POSNET_FEED_FRAME ? 1 : rc;
			}
		}
		if (n == 0) {
			int64_t due = posnet_sim_next_due(r->sim, r->now_ms);
			if (due < 0 || r->now_ms + (due ? due : 1) > end) {
				r->now_ms = end; /* the wait elapsed */
				return 0;
			}
			r->now_ms += due ? due : 1;
		}
	}
}

/* Send a payload and return the parsed reply (1) or 0 when none came in 100 ms. */
static int rig_cmd(struct rig *r, const char *payload)
{
	uint8_t fr[POSNET_FRAME_MAX];
	size_t n;

	if (build(payload, r->token, fr, sizeof(fr), &n))
		return -1;
	rig_send_raw(r, fr, n);
	return rig_recv(r, 100);
}

/* Command that must succeed with a plain OK reply. */
static bool ok(struct rig *r, const char *payload)
{
	int rc = rig_cmd(r, payload);
	if (rc != 1 || r->reply.kind != POSNET_MSG_OK) {
		fprintf(stderr, "command '%s' failed: rc %d kind %d error %d\n", payload, rc,
			rc == 1 ? (int)r->reply.kind : -1, rc == 1 ? r->reply.error : 0);
		return false;
	}
	return true;
}

/* Command error code of a refused command (0 when it succeeded). */
static int cmd_err(struct rig *r, const char *payload)
{
	int rc = rig_cmd(r, payload);
	if (rc != 1)
		return -1;
	return r->reply.kind == POSNET_MSG_CMD_ERROR ? r->reply.error : 0;
}

static long long field_int(struct rig *r, const char *name)
{
	long long v = -1;
	posnet_msg_get_int(&r->reply, name, &v);
	return v;
}

static void counters(struct rig *r, struct posnet_sim_counters *c)
{
	posnet_sim_get_counters(r->sim, c);
}

/* --- cassettes ---------------------------------------------------------- */

struct exchange {
	char cmd[1024];
	char rep[2048];
};

struct cassette {
	char name[256];
	int64_t at;
	size_t n;
	struct exchange ex[32];
};

static void untab(const char *in, char *out, size_t cap)
{
	size_t o = 0;
	while (*in && o + 1 < cap) {
		if (strncmp(in, "<TAB>", 5) == 0) {
			out[o++] = '\t';
			in += 5;
		} else {
			out[o++] = *in++;
		}
	}
	out[o] = '\0';
}

static int load_cassette(const char *path, struct cassette *c)
{
	FILE *f = fopen(path, "r");
	char line[4096];

	if (!f)
		return -1;
	c->n = 0;
	c->at = 0;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "# recorded against:", 19) == 0) {
			char *at = strstr(line, "at: ");
			if (at)
				pl_parse_iso8601(at + 4, &c->at);
		} else if (line[0] == '>' && c->n < 32) {
			untab(line + 2, c->ex[c->n].cmd, sizeof(c->ex[0].cmd));
			c->ex[c->n].rep[0] = '\0';
		} else if (line[0] == '<' && c->n < 32) {
			untab(line + 2, c->ex[c->n].rep, sizeof(c->ex[0].rep));
			c->n++;
		}
	}
	fclose(f);
	return 0;
}

/* Value of field `name` in a recorded payload, into out; false if absent. */
static bool rec_field(const char *payload, const char *name, char *out, size_t cap)
{
	const char *p = strchr(payload, '\t');
	while (p && p[1]) {
		const char *f = p + 1, *end = strchr(f, '\t');
		size_t len = end ? (size_t)(end - f) : strlen(f);
		if (len >= 2 && f[0] == name[0] && f[1] == name[1]) {
			snprintf(out, cap, "%.*s", (int)(len - 2), f + 2);
			return true;
		}
		p = end;
	}
	return false;
}

static long long rec_int(const char *payload, const char *name)
{
	char v[64];
	if (!rec_field(payload, name, v, sizeof(v)))
		return 0;
	return strtoll(v, NULL, 10);
}

static bool starts(const char *payload, const char *mn)
{
	size_t n = strlen(mn);
	return strncmp(payload, mn, n) == 0 && payload[n] == '\t';
}

/* The register's state before the recording, from what the recording shows:
 * the first counters seen, minus the receipts completed before them. */
static void seed_text(const struct cassette *c, struct buf *out)
{
	long long rd = 0, hn = 0, bn = 0, bt = 0, bc = 0, fn = 0, fc = 0, di = 0;
	bool have_scnt = false, have_di = false, have_stot = false, fiscal = true, tz = true;
	bool have_scomm = false;
	int trends = 0;
	long long tot[7] = {0}, pn = 0, ct = 0, cn = 0;

	for (size_t i = 0; i < c->n; i++) {
		const char *rep = c->ex[i].rep;
		char v[64];
		if (starts(c->ex[i].cmd, "trend"))
			trends++;
		if (starts(rep, "scnt") && !have_scnt) {
			have_scnt = true;
			rd = rec_int(rep, "rd");
			hn = rec_int(rep, "hn") - trends;
			bn = rec_int(rep, "bn") - trends;
			bt = rec_int(rep, "bt") - trends;
			bc = rec_int(rep, "bc");
			fn = rec_int(rep, "fn");
			fc = rec_int(rep, "fc");
		}
		if (starts(rep, "eclastdocnoget") && !have_di) {
			have_di = true;
			di = rec_int(rep, "di") - trends;
		}
		if (starts(rep, "stot") && !have_stot && trends == 0) {
			static const char *pnames[7] = {"pa", "pb", "pc", "pd", "pe", "pf", "pg"};
			have_stot = true;
			for (int k = 0; k < 7; k++)
				tot[k] = rec_int(rep, pnames[k]);
			pn = rec_int(rep, "pn");
			ct = rec_int(rep, "ct");
			cn = rec_int(rep, "cn");
		}
		if (starts(rep, "scomm") && !have_scomm) {
			have_scomm = true;
			if (rec_field(rep, "fs", v, sizeof(v)))
				fiscal = v[0] == 'T';
			if (rec_field(rep, "tz", v, sizeof(v)))
				tz = v[0] == 'T';
		}
		if (starts(rep, "sfsk") && !have_scnt)
			rd = rec_int(rep, "rd");
	}
	/* tzN before any sale means the register sold earlier the same day */
	if (!tz && !have_stot) {
		tot[1] = 100;
		pn = 1;
	}
	buf_printf(out, "posnet-sim 1\nnu 5a42462032313031303032333932\n");
	buf_printf(out, "fiscal %d\ndaily_reset 1\nvat 2300 800 500 0 10100 10100 10100\n", fiscal);
	buf_printf(out, "counters %lld %lld %lld %lld %lld %lld %lld %lld %lld %lld\n", rd, hn, bn,
		   bt, bc, fn, fc, di, di, bn);
	buf_printf(out, "totals %lld %lld %lld %lld %lld %lld %lld\n", tot[0], tot[1], tot[2],
		   tot[3], tot[4], tot[5], tot[6]);
	buf_printf(out, "period %lld %lld %lld %lld %lld\n", pn, ct, cn,
		   (long long)(pn ? c->at - 600 : 0), (long long)(pn ? c->at - 600 : 0));
	buf_printf(out, "report %lld 0\nlast 0 0 0 0 0 0 0 0 0 0\ntrn 0 0 0 0 0 0 0 0 0\n",
		   (long long)(c->at - 3600));
	buf_printf(out, "footer 0 0 -\nend\n");
}

static bool is_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* "2026-10-09;11:48" */
static bool is_da(const char *v)
{
	return strlen(v) == 16 && is_digits(v, 4) && v[4] == '-' && is_digits(v + 5, 2) &&
	       v[7] == '-' && is_digits(v + 8, 2) && v[10] == ';' && is_digits(v + 11, 2) &&
	       v[13] == ':' && is_digits(v + 14, 2);
}

/* "2026-10-09T11:48:15+02:00" */
static bool is_iso(const char *v)
{
	return strlen(v) == 25 && is_digits(v, 4) && v[4] == '-' && v[10] == 'T' && v[13] == ':' &&
	       v[16] == ':' && (v[19] == '+' || v[19] == '-') && v[22] == ':' &&
	       is_digits(v + 20, 2) && is_digits(v + 23, 2);
}

static bool time_field(const char *name)
{
	static const char *names[] = {"da", "tm", "rw", "ds", "is", "de", "ie"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(names[i], name) == 0)
			return true;
	return false;
}

/* Compare a simulator reply with the recorded one: same mnemonic, same
 * field names in the same order, same values except clock readings, which
 * must have the recorded form. */
static int compare_reply(const char *cas, size_t idx, const struct posnet_msg *m, const char *rec)
{
	char tmp[2048];
	char *save = NULL, *tok;
	size_t fi = 0;
	int bad = 0;

	snprintf(tmp, sizeof(tmp), "%s", rec);
	tok = strtok_r(tmp, "\t", &save);
	if (m->kind != POSNET_MSG_OK || strcmp(m->mnemonic, tok) != 0) {
		fprintf(stderr, "%s #%zu: reply %s kind %d error %d, recorded %s\n", cas, idx,
			m->mnemonic, (int)m->kind, m->error, tok);
		return 1;
	}
	while ((tok = strtok_r(NULL, "\t", &save))) {
		char name[3] = {tok[0], tok[1], '\0'};
		char got[512];
		if (fi >= m->nfields) {
			fprintf(stderr, "%s #%zu: field %s missing\n", cas, idx, name);
			return 1;
		}
		if (strcmp(m->fields[fi].name, name) != 0) {
			fprintf(stderr, "%s #%zu: field %zu is %s, recorded %s\n", cas, idx, fi,
				m->fields[fi].name, name);
			return 1;
		}
		cp1250_to_utf8(m->fields[fi].value, m->fields[fi].len, got, sizeof(got), NULL,
			       true);
		if (time_field(name)) {
			bool want_da = is_da(tok + 2), want_iso = is_iso(tok + 2);
			if ((want_da && !is_da(got)) || (want_iso && !is_iso(got)) ||
			    (!want_da && !want_iso)) {
				fprintf(stderr, "%s #%zu: %s form '%s' vs recorded '%s'\n", cas,
					idx, name, got, tok + 2);
				bad = 1;
			}
		} else if (strcmp(got, tok + 2) != 0) {
			fprintf(stderr, "%s #%zu: %s = '%s', recorded '%s'\n", cas, idx, name, got,
				tok + 2);
			bad = 1;
		}
		fi++;
	}
	if (fi != m->nfields) {
		fprintf(stderr, "%s #%zu: %zu extra fields\n", cas, idx, m->nfields - fi);
		bad = 1;
	}
	return bad;
}

static const char *cassette_dir(char *out, size_t cap)
{
	const char *src = getenv("PL_SRC");
	if (src) {
		snprintf(out, cap, "%s/tests/cassettes/posnet", src);
	} else {
		/* __FILE__ is tests/unit/test_posnet_sim.c under the source root */
		snprintf(out, cap, "%s", __FILE__);
		char *p = strstr(out, "tests/unit/");
		if (p)
			snprintf(p, cap - (size_t)(p - out), "tests/cassettes/posnet");
	}
	return out;
}

static void test_cassettes(void)
{
	char dir[1024];
	DIR *d = opendir(cassette_dir(dir, sizeof(dir)));
	struct dirent *de;
	int files = 0, exchanges = 0;
	static struct cassette c;

	CHECK(d != NULL);
	if (!d)
		return;
	while ((de = readdir(d))) {
		char path[2048], err[160];
		struct rig r;
		struct buf seed;
		size_t len = strlen(de->d_name);
		int bad = 0;

		if (len < 5 || strcmp(de->d_name + len - 4, ".txt") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		CHECK_OK(load_cassette(path, &c));
		CHECK(c.n > 0);
		snprintf(c.name, sizeof(c.name), "%s", de->d_name);
		rig_init(&r, NULL);
		r.wall = c.at;
		buf_init(&seed, 1 << 20);
		seed_text(&c, &seed);
		CHECK_OK(posnet_sim_load(r.sim, seed.data, seed.len, err, sizeof(err)));
		for (size_t i = 0; i < c.n; i++) {
			int rc = rig_cmd(&r, c.ex[i].cmd);
			CHECK_INT(rc, 1);
			if (rc == 1)
				bad |= compare_reply(c.name, i, &r.reply, c.ex[i].rep);
			exchanges++;
		}
		CHECK_INT(bad, 0);
		buf_release(&seed);
		rig_free(&r);
		files++;
	}
	closedir(d);
	CHECK_INT(files, 11);
	printf("cassettes: %d files, %d exchanges replayed\n", files, exchanges);
}

/* --- fiscal rules ------------------------------------------------------- */

static void test_receipt_and_counters(void)
{
	struct rig r;
	struct posnet_sim_counters c;
	const char *paper;

	rig_init(&r, NULL);
	CHECK(ok(&r, "trinit\tbm0\t"));
	CHECK(ok(&r, "trnipset\tni1234563218\t"));
	CHECK(ok(&r, "trline\tnaKoszulka bawełniana\tvt0\tpr4999\til2\twa9998\t"));
	CHECK(ok(&r, "trline\tnaKubek #1\tvt0\tpr1500\t"));
	CHECK(ok(&r, "trpayment\tty8\twa11498\tnaPrzelew\t"));
	CHECK(ok(&r, "trend\tto11498\tfp11498\tfe0\t"));
	counters(&r, &c);
	CHECK_INT(c.bn, 1);
	CHECK_INT(c.bt, 1);
	CHECK_INT(c.hn, 1);
	CHECK_INT(c.di, 1);
	CHECK(c.footer_pending);
	/* fiscal part done, footer open: strns shows fe, the paper waits */
	CHECK(ok(&r, "strns\t"));
	CHECK_STR(posnet_msg_get(&r.reply, "fe"), "T");
	CHECK_INT(field_int(&r, "to"), 0);
	CHECK_INT(field_int(&r, "va"), 11498);
	paper = posnet_sim_paper(r.sim, NULL);
	CHECK(strstr(paper, "RECEIPT") == NULL);
	CHECK(ok(&r, "trftrln\tid13\tnaZK/2026/10042\t"));
	CHECK(ok(&r, "trftrend\t"));
	paper = posnet_sim_paper(r.sim, NULL);
	CHECK(strstr(paper, "--- BEGIN RECEIPT bt=1 bn=1") != NULL);
	CHECK(strstr(paper, "LINE: Koszulka bawełniana; vat=A; qty=2; price=49,99; value=99,98") !=
	      NULL);
	CHECK(strstr(paper, "LINE: Kubek #1; vat=A") != NULL);
	CHECK(strstr(paper, "TOTAL: 114,98") != NULL);
	CHECK(strstr(paper, "NIP NABYWCY: 1234563218") != NULL);
	CHECK(strstr(paper, "FOOTER: Nr zamówienia: ZK/2026/10042") != NULL);
	CHECK(strstr(paper, "--- END RECEIPT bt=1") != NULL);
	posnet_sim_paper_consume(r.sim);
	CHECK_INT(strlen(posnet_sim_paper(r.sim, NULL)), 0);

	/* a cancelled receipt uses a number (bt, bc) but is not a receipt (bn) */
	CHECK(ok(&r, "trinit\tbm0\t"));
	CHECK(ok(&r, "trline\tnaCandies\tvt1\tpr999\t"));
	CHECK(ok(&r, "prncancel\t"));
	CHECK(ok(&r, "scnt\t"));
	CHECK_INT(field_int(&r, "bn"), 1);
	CHECK_INT(field_int(&r, "bt"), 2);
	CHECK_INT(field_int(&r, "bc"), 1);
	CHECK(strstr(posnet_sim_paper(r.sim, NULL), "TRANSAKCJA ANULOWANA") != NULL);
	/* prncancel with nothing open is harmless */
	CHECK(ok(&r, "prncancel\t"));
	CHECK(ok(&r, "scnt\t"));
	CHECK_INT(field_int(&r, "bt"), 2);

	/* stot and the daily report with the counter reset */
	CHECK(ok(&r, "stot\t"));
	CHECK_INT(field_int(&r, "pa"), 11498);
	CHECK_INT(field_int(&r, "pn"), 1);
	CHECK_INT(field_int(&r, "cn"), 1);
	CHECK_INT(field_int(&r, "ct"), 999);
	CHECK_INT(field_int(&r, "no"), 1);
	CHECK(ok(&r, "dailyrep\t"));
	CHECK(ok(&r, "scnt\t"));
	CHECK_INT(field_int(&r, "rd"), 1);
	CHECK_INT(field_int(&r, "bn"), 0);
	CHECK_INT(field_int(&r, "bt"), 0);
	CHECK(ok(&r, "scomm\t"));
	CHECK_STR(posnet_msg_get(&r.reply, "tz"), "T");
	/* one zero report is allowed, two in a row are not (382) */
	CHECK(ok(&r, "dailyrep\t"));
	CHECK_INT(cmd_err(&r, "dailyrep\t"), 382);
	CHECK(strstr(posnet_sim_paper(r.sim, NULL), "--- BEGIN DAILY-REPORT no=1") != NULL);
	/* eclastdocnoget: the last receipt's di, not the report's */
	CHECK(ok(&r, "eclastdocnoget\tty0\t"));
	CHECK_INT(field_int(&r, "di"), 1);
	rig_free(&r);

	/* without the reset option the numbers run on */
	{
		struct posnet_sim_config cfg;
		posnet_sim_config_default(&cfg);
		cfg.daily_reset = false;
		rig_init(&r, &cfg);
		CHECK(ok(&r, "trinit\tbm0\t"));
		CHECK(ok(&r, "trline\tnaCandies\tvt1\tpr999\t"));
		CHECK(ok(&r, "trend\tto999\t"));
		CHECK(ok(&r, "dailyrep\t"));
		CHECK(ok(&r, "scnt\t"));
		CHECK_INT(field_int(&r, "bn"), 1);
		CHECK(ok(&r, "billcountercfgget\t"));
		CHECK_STR(posnet_msg_get(&r.reply, "dl"), "N");
		rig_free(&r);
	}
}

static void test_settlement(void)
{
	struct rig r;

	rig_init(&r, NULL);
	/* state errors */
	CHECK_INT(cmd_err(&r, "trline\tnaKawa\tvt1\tpr1000\t"), 2005);
	CHECK_INT(cmd_err(&r, "trend\tto0\t"), 2005);
	CHECK(ok(&r, "trinit\tbm0\t"));
	CHECK_INT(cmd_err(&r, "trinit\tbm0\t"), 2038);
	CHECK_INT(cmd_err(&r, "trend\tto0\t"), 1992);
	/* line checks */
	CHECK_INT(cmd_err(&r, "trline\tnaKawa\tvt1\tpr1000\twa999\t"), 2008);
	CHECK_INT(cmd_err(&r, "trline\tnaKawa\tvt1\tpr1000\til1,5\twa1499\t"), 2008);
	CHECK(ok(&r, "trline\tnaKawa\tvt1\tpr1000\til1,5\twa1500\t"));
	CHECK_INT(cmd_err(&r, "trline\tnaKawa\tvt4\tpr1000\t"), 2000); /* E inactive */
	CHECK_INT(cmd_err(&r, "trline\tnaKawa\tvt9\tpr1000\t"), 2000);
	CHECK_INT(cmd_err(&r, "trline\tnaKawa\tvt1\tpr0\t"), 2006);
	CHECK_INT(cmd_err(&r, "trline\tnaKawa\tvt1\tpr100\til0\t"), 2007);
	CHECK_INT(cmd_err(&r, "trline\tna---\tvt1\tpr100\t"), 2104);
	/* totals: 2805 when `to` differs, 2054 when payments fall short */
	CHECK_INT(cmd_err(&r, "trend\tto1000\t"), 2805);
	CHECK(ok(&r, "trpayment\tty0\twa1000\t"));
	CHECK_INT(cmd_err(&r, "trend\tto1500\tfp1000\t"), 2054);
	CHECK(ok(&r, "trpayment\tty2\twa1000\tnaKarta\t"));
	CHECK_INT(cmd_err(&r, "trend\tto1500\tfp1900\t"), 2808);
	/* 2000 paid, 500 change computed */
	CHECK(ok(&r, "trend\tto1500\tfp2000\t"));
	CHECK(ok(&r, "strns\t"));
	CHECK_INT(field_int(&r, "re"), 500);
	CHECK_INT(field_int(&r, "fp"), 2000);
	/* explicit change must balance: 2000 - 400 != 1500 */
	CHECK(ok(&r, "trinit\tbm0\t"));
	CHECK(ok(&r, "trline\tnaKawa\tvt1\tpr1500\t"));
	CHECK(ok(&r, "trpayment\tty0\twa2000\t"));
	CHECK(ok(&r, "trpayment\tty0\twa400\tre1\t"));
	CHECK_INT(cmd_err(&r, "trend\tto1500\t"), 2054);
	CHECK(ok(&r, "prncancel\t"));
	/* NIP checks */
	CHECK(ok(&r, "trinit\tbm0\t"));
	CHECK_INT(cmd_err(&r, "trnipset\tni12345\t"), 2096);
	CHECK_INT(cmd_err(&r, "trnipset\tni1234563219\t"), 2031);
	CHECK(ok(&r, "trnipset\tni123-456-32-18\t"));
	CHECK(ok(&r, "prncancel\t"));
	rig_free(&r);
}

static void test_discounts_and_storno(void)
{
	struct rig r;

	rig_init(&r, NULL);
	/* percent discount: 15 % of 20.00 = 3.00 */
	CHECK(ok(&r, "trinit\tbm0\t"));
	CHECK(ok(&r, "trline\tnaHerbata\tvt1\tpr1000\til2\trp1500\trnPromocja\t"));
	CHECK_INT(cmd_err(&r, "trend\tto2000\t"), 2805);
	CHECK(ok(&r, "trend\tto1700\t"));
	/* a discount larger than the line */
	CHECK(ok(&r, "trinit\tbm0\t"));
	CHECK_INT(cmd_err(&r, "trline\tnaHerbata\tvt1\tpr1000\trw1000\t"), 1985);
	/* subtotal rabat spread over two rates keeps the total exact */
	CHECK(ok(&r, "trline\tnaChleb\tvt2\tpr333\t"));
	CHECK(ok(&r, "trline\tnaWino\tvt0\tpr667\t"));
	CHECK(ok(&r, "trdiscntsubtot\tnaStały klient\trd1\trw100\t"));
	CHECK(ok(&r, "strns\t"));
	CHECK_INT(field_int(&r, "va") + field_int(&r, "vc"), 900);
	CHECK_INT(field_int(&r, "vc"), 300);
	CHECK(ok(&r, "trend\tto900\t"));
	CHECK(strstr(posnet_sim_paper(r.sim, NULL), "RABAT: Stały klient -1,00") != NULL);

	/* storno that does not repeat the discount: accepted, then 2805 (§1.7) */
	CHECK(ok(&r, "trinit\tbm0\t"));
	CHECK(ok(&r, "trline\tnaKawa\tvt1\tpr1000\twa1000\trd1\trnRabat\trw200\t"));
	CHECK(ok(&r, "trline\tnaPiwo\tvt1\tpr800\t"));
	CHECK(ok(&r, "trline\tnaKawa\tvt1\tpr1000\tst1\twa1000\t"));
	CHECK_INT(cmd_err(&r, "trend\tto800\tfp800\t"), 2805);
	CHECK(ok(&r, "prncancel\t"));
	/* storno of something never sold, or more than was sold */
	CHECK(ok(&r, "trinit\tbm0\t"));
	CHECK(ok(&r, "trline\tnaKawa\tvt1\tpr1000\t"));
	CHECK_INT(cmd_err(&r, "trline\tnaHerbata\tvt1\tpr1000\tst1\t"), 2851);
	CHECK_INT(cmd_err(&r, "trline\tnaKawa\tvt1\tpr1000\til2\tst1\t"), 2851);
	CHECK(ok(&r, "trline\tnaKAWA\tvt1\tpr1000\tst1\t"));
	/* nothing left on the receipt */
	CHECK_INT(cmd_err(&r, "trend\tto0\t"), 2041);
	CHECK(ok(&r, "prncancel\t"));
	rig_free(&r);
}

static void test_rate_lock(void)
{
	struct rig r;
	struct buf saved;
	char err[160];

	rig_init(&r, NULL);
	CHECK(ok(&r, "trinit\tbm0\t"));
	/* sold at 8 % ... */
	CHECK(ok(&r, "trline\tnaCoca-Cola 0,5l\tvt1\tpr500\t"));
	/* ... the same goods (case, spaces and dashes do not count) cannot go to 23 % */
	CHECK_INT(cmd_err(&r, "trline\tna<coca cola 0,5L>\tvt0\tpr500\t"), 2106);
	/* Polish letters fold too */
	CHECK(ok(&r, "trline\tnaŻÓŁTY SER\tvt2\tpr500\t"));
	CHECK_INT(cmd_err(&r, "trline\tnażółty ser\tvt1\tpr500\t"), 2106);
	/* lowering is allowed and moves the lock down */
	CHECK(ok(&r, "trline\tnaCOCA COLA 0,5l\tvt3\tpr500\t"));
	CHECK_INT(cmd_err(&r, "trline\tnaCoca-Cola 0,5l\tvt1\tpr500\t"), 2106);
	CHECK(ok(&r, "prncancel\t"));
	/* the lock survives a restart from the saved state */
	buf_init(&saved, 1 << 20);
	CHECK_OK(posnet_sim_save(r.sim, &saved));
	rig_free(&r);
	rig_init(&r, NULL);
	CHECK_OK(posnet_sim_load(r.sim, saved.data, saved.len, err, sizeof(err)));
	CHECK(ok(&r, "trinit\tbm0\t"));
	CHECK_INT(cmd_err(&r, "trline\tnaCoca Cola 0.5l\tvt3\tpr500\t"), 0); /* '.' != ',' */
	CHECK_INT(cmd_err(&r, "trline\tnacoca-cola 0,5l\tvt2\tpr500\t"), 2106);
	CHECK(ok(&r, "prncancel\t"));
	buf_release(&saved);
	rig_free(&r);
}

static void test_daily_report_missing(void)
{
	struct rig r;

	rig_init(&r, NULL);
	CHECK(ok(&r, "trinit\tbm0\t"));
	CHECK(ok(&r, "trline\tnaCandies\tvt1\tpr999\t"));
	CHECK(ok(&r, "trend\tto999\t"));
	r.wall += 24 * 3600; /* the next day, no daily report */
	CHECK_INT(cmd_err(&r, "trinit\tbm0\t"), 383);
	CHECK(ok(&r, "dailyrep\t"));
	CHECK(ok(&r, "trinit\tbm0\t"));
	CHECK_INT(cmd_err(&r, "dailyrep\t"), 2038);
	rig_free(&r);
}

/* --- frames, tokens, rpt ------------------------------------------------ */

static void test_frame_errors(void)
{
	struct rig r;

	rig_init(&r, NULL);
	rig_send_raw(&r, "\x02trinit\t#911E\x03", 14);
	CHECK_INT(rig_recv(&r, 10), 1);
	CHECK_INT(r.reply.kind, POSNET_MSG_FRAME_ERROR);
	CHECK_INT(r.reply.error, 5);
	rig_send_raw(&r, "\x02trinit\t\x03", 9);
	CHECK_INT(rig_recv(&r, 10), 1);
	CHECK_INT(r.reply.error, 15);
	CHECK_INT(rig_cmd(&r, "frobnicate\t"), 1);
	CHECK_INT(r.reply.kind, POSNET_MSG_FRAME_ERROR);
	CHECK_INT(r.reply.error, 1);
	CHECK_STR(r.reply.err_cmd, "frobnicate");
	CHECK(ok(&r, "trinit\tbm0\t"));
	CHECK_INT(rig_cmd(&r, "trline\tvt1\tpr100\t"), 1);
	CHECK_INT(r.reply.error, 2);
	CHECK_STR(r.reply.err_cmd, "trline");
	CHECK_STR(r.reply.err_field, "na");
	CHECK_INT(rig_cmd(&r, "trline\tnaX\tvt1\tpr12,34\t"), 1);
	CHECK_INT(r.reply.kind, POSNET_MSG_FRAME_ERROR);
	CHECK_INT(r.reply.error, 3);
	CHECK_STR(r.reply.err_field, "pr");
	/* '!' only for the immediate commands */
	CHECK_INT(rig_cmd(&r, "!trinit\t"), 1);
	CHECK_INT(r.reply.error, 12);
	CHECK(ok(&r, "!sdev\t"));
	CHECK(r.reply.async);
	CHECK_INT(field_int(&r, "tl"), 1);
	/* lower-case CRC from the host: accepted unless strict */
	{
		uint8_t fr[64];
		size_t n;
		CHECK_OK(build("scnt\t", POSNET_NO_TOKEN, fr, sizeof(fr), &n));
		for (size_t i = n - 5; i < n - 1; i++)
			if (fr[i] >= 'A' && fr[i] <= 'F')
				fr[i] += 32;
		rig_send_raw(&r, fr, n);
		CHECK_INT(rig_recv(&r, 10), 1);
		CHECK_INT(r.reply.kind, POSNET_MSG_OK);
		rig_free(&r);
		struct posnet_sim_config cfg;
		posnet_sim_config_default(&cfg);
		cfg.strict_upper_crc = true;
		rig_init(&r, &cfg);
		/* E484 has no letters to lower; use one that has */
		CHECK_OK(build("strns\t", POSNET_NO_TOKEN, fr, sizeof(fr), &n));
		for (size_t i = n - 5; i < n - 1; i++)
			if (fr[i] >= 'A' && fr[i] <= 'F')
				fr[i] += 32;
		rig_send_raw(&r, fr, n);
		CHECK_INT(rig_recv(&r, 10), 1);
		CHECK_INT(r.reply.kind, POSNET_MSG_FRAME_ERROR);
		CHECK_INT(r.reply.error, 5);
	}
	/* garbage and a frame split byte by byte */
	{
		uint8_t fr[64];
		size_t n;
		CHECK_OK(build("scnt\t", POSNET_NO_TOKEN, fr, sizeof(fr), &n));
		rig_send_raw(&r, "noise\x03", 6);
		for (size_t i = 0; i < n; i++)
			rig_send_raw(&r, fr + i, 1);
		CHECK_INT(rig_recv(&r, 10), 1);
		CHECK_STR(r.reply.mnemonic, "scnt");
	}
	rig_free(&r);
}

static void test_tokens(void)
{
	struct rig r;
	struct posnet_sim_counters c;

	rig_init(&r, NULL);
	r.token = 42;
	CHECK(ok(&r, "trinit\tbm0\t"));
	CHECK_INT(r.reply.token, 42);
	r.token = 43;
	CHECK(ok(&r, "trline\tnaCandies\tvt1\tpr999\t"));
	r.token = 44;
	CHECK(ok(&r, "trend\tto999\t"));
	counters(&r, &c);
	CHECK_INT(c.bn, 1);
	/* rpt replays the stored reply and does not execute again */
	CHECK(ok(&r, "rpt\t"));
	CHECK_STR(r.reply.mnemonic, "trend");
	CHECK_INT(r.reply.token, 44);
	counters(&r, &c);
	CHECK_INT(c.bn, 1);
	/* an error reply is stored too */
	r.token = 45;
	CHECK_INT(cmd_err(&r, "trend\tto1\t"), 2005);
	CHECK_INT(cmd_err(&r, "rpt\t"), 2005);
	CHECK_INT(r.reply.token, 45);
	/* unknown token: ERR ?13 with the token */
	r.token = 9999;
	CHECK_INT(rig_cmd(&r, "rpt\t"), 1);
	CHECK_INT(r.reply.kind, POSNET_MSG_FRAME_ERROR);
	CHECK_INT(r.reply.error, 13);
	CHECK_INT(r.reply.token, 9999);
	CHECK_STR(r.reply.err_cmd, "rpt");
	/* the store keeps at most 32 replies */
	for (int t = 100; t < 140; t++) {
		r.token = t;
		CHECK(ok(&r, "sprn\t"));
	}
	r.token = 100;
	CHECK_INT(rig_cmd(&r, "rpt\t"), 1);
	CHECK_INT(r.reply.error, 13);
	r.token = 139;
	CHECK(ok(&r, "rpt\t"));
	CHECK_STR(r.reply.mnemonic, "sprn");
	/* ... and at most 1 KiB: a few stot replies push the rest out */
	for (int t = 200; t < 204; t++) {
		r.token = t;
		CHECK(ok(&r, "stot\t"));
	}
	r.token = 139;
	CHECK_INT(rig_cmd(&r, "rpt\t"), 1);
	CHECK_INT(r.reply.error, 13);
	r.token = 203;
	CHECK(ok(&r, "rpt\t"));
	CHECK_STR(r.reply.mnemonic, "stot");
	rig_free(&r);
}

/* --- faults ------------------------------------------------------------- */

static void add_fault(struct rig *r, const char *spec)
{
	struct posnet_sim_fault f;
	char err[160];
	CHECK_OK(posnet_sim_fault_parse(spec, &f, err, sizeof(err)));
	CHECK_OK(posnet_sim_add_fault(r->sim, &f));
}

static void test_faults(void)
{
	struct rig r;
	struct posnet_sim_counters c;
	uint8_t fr[POSNET_FRAME_MAX];
	size_t n;
	struct posnet_sim_fault f;
	char err[160];

	/* parse */
	CHECK_OK(posnet_sim_fault_parse("delay=800:trend:1:2", &f, err, sizeof(err)));
	CHECK_INT(f.kind, POSNET_SIM_FAULT_DELAY);
	CHECK_INT(f.arg, 800);
	CHECK_STR(f.mnemonic, "trend");
	CHECK_INT(f.skip, 1);
	CHECK_INT(f.count, 2);
	CHECK_OK(posnet_sim_fault_parse("drop", &f, err, sizeof(err)));
	CHECK_INT(f.count, 1);
	CHECK_INT(posnet_sim_fault_parse("explode", &f, err, sizeof(err)), -PL_EINVAL);
	CHECK(strstr(err, "unknown fault") != NULL);
	CHECK_INT(posnet_sim_fault_parse("delay", &f, err, sizeof(err)), -PL_EINVAL);
	CHECK_INT(posnet_sim_fault_parse("delay=x", &f, err, sizeof(err)), -PL_EINVAL);

	/* delay: nothing before N ms, the reply after */
	rig_init(&r, NULL);
	add_fault(&r, "delay=500:scnt");
	CHECK_OK(build("scnt\t", POSNET_NO_TOKEN, fr, sizeof(fr), &n));
	rig_send_raw(&r, fr, n);
	CHECK_INT(rig_recv(&r, 499), 0);
	CHECK_INT(rig_recv(&r, 10), 1);
	CHECK_STR(r.reply.mnemonic, "scnt");
	rig_free(&r);

	/* drop after execution: the receipt is printed, no reply; rpt recovers it */
	rig_init(&r, NULL);
	add_fault(&r, "drop:trend");
	CHECK(ok(&r, "trinit\tbm0\t"));
	CHECK(ok(&r, "trline\tnaCandies\tvt1\tpr999\t"));
	r.token = 7;
	CHECK_INT(rig_cmd(&r, "trend\tto999\t"), 0);
	counters(&r, &c);
	CHECK_INT(c.bn, 1);
	CHECK(strstr(posnet_sim_paper(r.sim, NULL), "--- END RECEIPT bt=1") != NULL);
	CHECK(ok(&r, "rpt\t"));
	CHECK_STR(r.reply.mnemonic, "trend");
	rig_free(&r);

	/* late: the reply to trend arrives after the next command was sent,
	 * ahead of that command's own reply */
	rig_init(&r, NULL);
	add_fault(&r, "late:trend");
	CHECK(ok(&r, "trinit\tbm0\t"));
	CHECK(ok(&r, "trline\tnaCandies\tvt1\tpr999\t"));
	CHECK_INT(rig_cmd(&r, "trend\tto999\t"), 0);
	CHECK_INT(rig_cmd(&r, "scnt\t"), 1);
	CHECK_STR(r.reply.mnemonic, "trend");
	CHECK_INT(rig_recv(&r, 10), 1);
	CHECK_STR(r.reply.mnemonic, "scnt");
	rig_free(&r);

	/* split: the reply comes in chunks of 2 bytes over several reads */
	rig_init(&r, NULL);
	add_fault(&r, "split=2:scnt");
	CHECK_OK(build("scnt\t", POSNET_NO_TOKEN, fr, sizeof(fr), &n));
	rig_send_raw(&r, fr, n);
	{
		uint8_t out[256];
		size_t total = 0, reads = 0, got;
		for (int i = 0; i < 200; i++) {
			got = posnet_sim_output(r.sim, out, sizeof(out), r.now_ms);
			if (got) {
				CHECK(got <= 2);
				total += got;
				reads++;
			}
			r.now_ms += 2;
		}
		CHECK(reads > 10);
		CHECK_INT(total,
			  12 + strlen("rd0\thn0\tbn0\tfn0\tnuZBF 2101002392\tbc0\tbt0\tfc0\t"));
	}
	rig_free(&r);

	/* power loss between execution and reply */
	rig_init(&r, NULL);
	add_fault(&r, "power=300:trline:1");
	r.token = 1;
	CHECK(ok(&r, "trinit\tbm0\t"));
	r.token = 2;
	CHECK(ok(&r, "trline\tnaCandies\tvt1\tpr999\t"));
	r.token = 3;
	CHECK_INT(rig_cmd(&r, "trline\tnaKawa\tvt1\tpr999\t"), 0);
	/* dark: input is ignored */
	r.token = POSNET_NO_TOKEN;
	CHECK_INT(rig_cmd(&r, "scnt\t"), 0);
	r.now_ms += 300;
	/* rebooted: the open receipt was cancelled, the token store is gone */
	counters(&r, &c);
	CHECK(!c.trn_open);
	CHECK_INT(c.bc, 1);
	CHECK_INT(c.bn, 0);
	r.token = 3;
	CHECK_INT(rig_cmd(&r, "rpt\t"), 1);
	CHECK_INT(r.reply.error, 13);
	r.token = POSNET_NO_TOKEN;
	CHECK(ok(&r, "strns\t"));
	CHECK_INT(field_int(&r, "to"), 0);
	rig_free(&r);

	/* paper out: printing waits, the immediate status answers pr5 */
	rig_init(&r, NULL);
	add_fault(&r, "paperout:trline");
	CHECK(ok(&r, "trinit\tbm0\t"));
	CHECK_INT(rig_cmd(&r, "trline\tnaCandies\tvt1\tpr999\t"), 0);
	CHECK(posnet_sim_paper_out(r.sim));
	CHECK(ok(&r, "!sprn\t"));
	CHECK_INT(field_int(&r, "pr"), 5);
	CHECK(ok(&r, "!sdev\t"));
	CHECK_INT(field_int(&r, "ds"), 3);
	CHECK_STR(posnet_msg_get(&r.reply, "qe"), "N");
	/* a synchronous status command queues behind the held line */
	CHECK_INT(rig_cmd(&r, "scnt\t"), 0);
	posnet_sim_set_paper_out(r.sim, false, r.now_ms);
	CHECK_INT(rig_recv(&r, 10), 1);
	CHECK_STR(r.reply.mnemonic, "trline");
	CHECK_INT(rig_recv(&r, 10), 1);
	CHECK_STR(r.reply.mnemonic, "scnt");
	CHECK(ok(&r, "sprn\t"));
	CHECK_INT(field_int(&r, "pr"), 0);
	rig_free(&r);

	/* lower-case and bad CRC, garbage before the reply */
	rig_init(&r, NULL);
	add_fault(&r, "lowercrc:strns");
	add_fault(&r, "badcrc:scnt");
	add_fault(&r, "garbage=5:sprn");
	CHECK_OK(build("strns\t", POSNET_NO_TOKEN, fr, sizeof(fr), &n));
	rig_send_raw(&r, fr, n);
	{
		uint8_t out[256];
		size_t got = posnet_sim_output(r.sim, out, sizeof(out), r.now_ms);
		char want[8];
		CHECK(got > 6);
		/* the CRC of the reply body, in lower case */
		snprintf(want, sizeof(want), "%04x", posnet_crc16(out + 1, got - 7));
		CHECK(memcmp(out + got - 5, want, 4) == 0);
		/* the driver's parser accepts it */
		size_t used;
		posnet_parser_init(&r.parser);
		CHECK_INT(posnet_parser_feed(&r.parser, out, got, &used, &r.reply),
			  POSNET_FEED_FRAME);
	}
	CHECK_INT(rig_cmd(&r, "scnt\t"), -PL_EPROTO);
	CHECK_INT(r.parser.frame_error, 5);
	CHECK(ok(&r, "sprn\t"));
	CHECK(r.parser.skipped >= 5);
	rig_free(&r);
}

/* --- persistence -------------------------------------------------------- */

static void test_persistence(void)
{
	struct rig r;
	struct buf saved;
	struct posnet_sim_counters a, b;
	char err[160];
	uint64_t gen;

	rig_init(&r, NULL);
	gen = posnet_sim_generation(r.sim);
	CHECK(ok(&r, "trinit\tbm0\t"));
	CHECK(posnet_sim_generation(r.sim) != gen);
	CHECK(ok(&r, "trline\tnaCandies\tvt1\tpr999\t"));
	CHECK(ok(&r, "trend\tto999\tfe0\t"));
	CHECK(ok(&r, "trftrln\tid13\tnaZK/1\t"));
	counters(&r, &a);
	buf_init(&saved, 1 << 20);
	CHECK_OK(posnet_sim_save(r.sim, &saved));
	rig_free(&r);

	rig_init(&r, NULL);
	CHECK_OK(posnet_sim_load(r.sim, saved.data, saved.len, err, sizeof(err)));
	counters(&r, &b);
	CHECK_INT(b.bn, a.bn);
	CHECK_INT(b.bt, a.bt);
	CHECK_INT(b.hn, a.hn);
	CHECK_INT(b.di, a.di);
	CHECK(b.footer_pending);
	/* the pending footer continues after the restart */
	CHECK(ok(&r, "trftrln\tid0\tnaT-77\t"));
	CHECK(ok(&r, "trftrend\t"));
	{
		const char *p = posnet_sim_paper(r.sim, NULL);
		CHECK(strstr(p, "FOOTER: Nr zamówienia: ZK/1") != NULL);
		CHECK(strstr(p, "FOOTER: Nr transakcji: T-77") != NULL);
		CHECK(strstr(p, "--- END RECEIPT bt=1") != NULL);
	}
	/* an open receipt is cancelled when the state is loaded (a reboot) */
	CHECK(ok(&r, "trinit\tbm0\t"));
	CHECK(ok(&r, "trline\tnaCandies\tvt1\tpr999\t"));
	buf_reset(&saved);
	CHECK_OK(posnet_sim_save(r.sim, &saved));
	rig_free(&r);
	rig_init(&r, NULL);
	CHECK_OK(posnet_sim_load(r.sim, saved.data, saved.len, err, sizeof(err)));
	counters(&r, &b);
	CHECK(!b.trn_open);
	CHECK_INT(b.bc, 1);
	CHECK_INT(b.bt, 2);
	CHECK(strstr(posnet_sim_paper(r.sim, NULL), "TRANSAKCJA ANULOWANA") != NULL);
	/* malformed state */
	CHECK_INT(posnet_sim_load(r.sim, "posnet-sim 1\ncounters x\nend\n", 28, err, sizeof(err)),
		  -PL_EINVAL);
	CHECK(strstr(err, "line 2") != NULL);
	CHECK_INT(posnet_sim_load(r.sim, "posnet-sim 1\n", 13, err, sizeof(err)), -PL_EINVAL);
	buf_release(&saved);
	rig_free(&r);
}

int main(void)
{
	/* the recorded printer ran on Polish time; dates are formatted locally */
	setenv("TZ", "Europe/Warsaw", 1);
	tzset();
	test_cassettes();
	test_receipt_and_counters();
	test_settlement();
	test_discounts_and_storno();
	test_rate_lock();
	test_daily_report_missing();
	test_frame_errors();
	test_tokens();
	test_faults();
	test_persistence();
	return check_done("test_posnet_sim");
}
