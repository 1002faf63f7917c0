/* SPDX-License-Identifier: Apache-2.0 */
/* agent/station_tui.c - the packing station's loop and screen (station_tui.h). */
#include "agent/station_tui.h"

#include "agent/station_scan.h"
#include "base/diag.h"
#include "base/err.h"
#include "base/log.h"
#include "base/loop.h"
#include "effects/label.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define TICK_MS        250  /* job states read back this often */
#define FULL_REDRAW_MS 2000 /* a stray stderr line is painted over */
#define FRAME_MAX      (64 * 1024)

/* ---- configuration ------------------------------------------------------ */

static const char *const station_keys[] = {"order_prefix", "order_pattern", "strip_prefix",
					   "command_prefix", "scanner"};

int station_config_check(const struct config_view *c, const char *name, struct diag *d)
{
	char where[1100];
	size_t before = diag_count(d);

	for (size_t i = 0; i < c->nkv; i++) {
		const struct config_kv *kv = &c->kv[i];
		bool known = false;

		if (strcmp(kv->section, "station") != 0 || strcmp(kv->name, name) != 0)
			continue;
		snprintf(where, sizeof(where), "%s:%d", c->path, kv->line);
		if (name[0]) {
			diag_add(d, where,
				 "[station \"%s\"]: write [station] (one section, no name)", name);
			continue;
		}
		for (size_t k = 0; k < sizeof(station_keys) / sizeof(station_keys[0]); k++)
			known = known || strcmp(kv->key, station_keys[k]) == 0;
		if (!known)
			diag_add(d, where,
				 "unknown key '%s' in [station] (order_prefix, order_pattern, "
				 "strip_prefix, command_prefix, scanner)",
				 kv->key);
		else if (!strcmp(kv->key, "strip_prefix") && strcmp(kv->value, "yes") != 0 &&
			 strcmp(kv->value, "no") != 0)
			diag_add(d, where, "[station] strip_prefix = '%s': yes or no", kv->value);
		else if (!strcmp(kv->key, "scanner") && station_scan_check(kv->value) != 0)
			diag_add(d, where,
				 "[station] scanner = '%s': tty, evdev:/dev/input/eventN[:pl] or "
				 "serial:PATH[@BAUD]",
				 kv->value);
		else if ((!strcmp(kv->key, "order_prefix") && strlen(kv->value) >= 32) ||
			 (!strcmp(kv->key, "order_pattern") && strlen(kv->value) >= 64) ||
			 (!strcmp(kv->key, "command_prefix") &&
			  (strlen(kv->value) >= 16 || !kv->value[0])))
			diag_add(d, where, "[station] %s = '%s' is too long (or empty)", kv->key,
				 kv->value);
	}
	return diag_count(d) > before ? -PL_ECONFIG : 0;
}

static void opt_copy(const struct config_view *v, const char *key, char *out, size_t cap)
{
	const char *val = v ? cfgview_get(v, "station", NULL, key) : NULL;

	if (val)
		snprintf(out, cap, "%s", val);
}

void station_opts_load(const struct config_view *v, struct station_opts *o)
{
	const char *strip = v ? cfgview_get(v, "station", NULL, "strip_prefix") : NULL;

	memset(o, 0, sizeof(*o));
	snprintf(o->scanner, sizeof(o->scanner), "tty");
	snprintf(o->cmd_prefix, sizeof(o->cmd_prefix), "PL:");
	opt_copy(v, "scanner", o->scanner, sizeof(o->scanner));
	opt_copy(v, "order_prefix", o->order_prefix, sizeof(o->order_prefix));
	opt_copy(v, "order_pattern", o->order_pattern, sizeof(o->order_pattern));
	opt_copy(v, "command_prefix", o->cmd_prefix, sizeof(o->cmd_prefix));
	o->strip_prefix = strip && !strcmp(strip, "yes");
	/* no prefix and no pattern: an order number has a slash ("ZK/2026/7"),
	 * which neither an EAN nor our SKUs do */
	if (!o->order_prefix[0] && !o->order_pattern[0])
		snprintf(o->order_pattern, sizeof(o->order_pattern), "*/*");
}

void station_opts_bcfg(const struct station_opts *o, struct barcode_cfg *b)
{
	*b = (struct barcode_cfg){
	    .order_prefix = o->order_prefix,
	    .strip_prefix = o->strip_prefix,
	    .order_pattern = o->order_pattern,
	    .cmd_prefix = o->cmd_prefix,
	};
}

/* ---- the screen --------------------------------------------------------- */

/* Append at most `cols` characters of UTF-8 s (a character = one cell: the
 * Polish letters are; we print no wide characters). Returns cells used. */
static int put_cut(struct buf *out, const char *s, int cols)
{
	int cells = 0;
	size_t i = 0;

	while (s[i] && cells < cols) {
		size_t n = 1;
		unsigned char c = (unsigned char)s[i];
		if (c >= 0xf0)
			n = 4;
		else if (c >= 0xe0)
			n = 3;
		else if (c >= 0xc0)
			n = 2;
		for (size_t k = 1; k < n; k++)
			if ((s[i + k] & 0xc0) != 0x80) {
				n = k;
				break;
			}
		if (c < 0x20 || c == 0x7f) /* never a control byte from data onto the terminal */
			buf_putc(out, '?');
		else
			buf_append(out, s + i, n);
		i += n;
		cells++;
	}
	return cells;
}

static void row(struct buf *out, int r, int cols, bool inverse, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void row(struct buf *out, int r, int cols, bool inverse, const char *fmt, ...)
{
	char text[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	buf_printf(out, "\x1b[%d;1H%s", r, inverse ? "\x1b[7m" : "");
	put_cut(out, text, cols);
	buf_puts(out, inverse ? "\x1b[0m\x1b[K" : "\x1b[K");
}

static void next_text(const struct station *s, const struct station_status *ss, char *out,
		      size_t cap)
{
	switch (s->state) {
	case STATION_WAITING:
		snprintf(out, cap, "(czeka na skan)");
		return;
	case STATION_SCANNING:
		for (size_t i = 0; i < s->nlines; i++)
			if (s->lines[i].got < s->lines[i].need) {
				snprintf(out, cap, "Brak %d: %s", station_missing(s),
					 s->lines[i].sku);
				return;
			}
		snprintf(out, cap, "Komplet");
		return;
	case STATION_REASON:
		snprintf(out, cap, "Powód> %s", ss->input);
		return;
	case STATION_SUBST:
		snprintf(out, cap, "Zamiennik za?");
		return;
	case STATION_COMPLETE:
		snprintf(out, cap, "Zapis dokumentów...");
		return;
	case STATION_DONE:
		snprintf(out, cap, "Następne zamówienie");
		return;
	}
}

int station_render(const struct station *s, const struct station_status *ss, int cols, int rows,
		   struct buf *out)
{
	char next[160];
	int r = 1, body, shown = 0;
	bool bad = s->sound == SSND_ERROR || s->sound == SSND_WARN;

	if (cols < 10)
		cols = 10;
	if (rows < 5)
		rows = 5;
	buf_reset(out);
	buf_puts(out, "\x1b[?25l\x1b[H");
	if (s->order_number[0] && s->state != STATION_WAITING)
		row(out, r++, cols, false, "%s", s->order_number);
	else
		row(out, r++, cols, false, "packline: %s", "stanowisko");
	row(out, r++, cols, bad, "%s%s%s", station_msg_text(s->msg), s->detail[0] ? ": " : "",
	    s->detail);
	next_text(s, ss, next, sizeof(next));
	row(out, r++, cols, false, "%s", next);
	/* the lines: what is missing first, then what is complete */
	body = rows - r + 1 - 2;
	if (s->state != STATION_WAITING) {
		for (int pass = 0; pass < 2; pass++)
			for (size_t i = 0; i < s->nlines && shown < body; i++) {
				const struct station_line *l = &s->lines[i];
				bool done = l->got >= l->need;
				if (done != (pass == 1))
					continue;
				if (shown == body - 1 && s->nlines - (size_t)shown > 1 &&
				    body > 1) {
					row(out, r++, cols, false, "+%zu...",
					    s->nlines - (size_t)shown);
					shown = body;
					break;
				}
				row(out, r++, cols, false, "%c%d/%d %s %s", done ? '+' : ' ',
				    l->got, l->need, l->sku, l->name);
				shown++;
			}
	}
	for (; shown < body; shown++)
		row(out, r++, cols, false, "%s", "");
	row(out, r++, cols, false, "%s", ss->docs[0] ? ss->docs : "Dok: -");
	row(out, r++, cols, false, "%s", ss->printer[0] ? ss->printer : "Drukarka: ?");
	return buf_puts(out, "\x1b[J");
}

/* ---- the running station ------------------------------------------------ */

struct tracked {
	int64_t id;
	char what[16]; /* "paragon", "faktura", "etykieta" */
};

struct tui {
	const struct process_env *env;
	const struct station_opts *opts;
	struct loop *loop;
	struct station st;
	struct station_status ss;
	struct order order; /* the open (or last) order */
	struct station_scan *scan;
	struct tracked jobs[STATION_MAX_JOBS];
	size_t njobs;
	struct buf frame, last;
	int64_t last_full;
	FILE *log;
	int out_fd;
	int rc;
	char actor[96];
	volatile sig_atomic_t stop;
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void log_line(void *arg, const char *line)
{
	struct tui *t = arg;

	if (t->log) {
		fprintf(t->log, "station: %s\n", line);
		fflush(t->log);
	}
	pl_debug("%s", line);
}

static void term_size(int fd, int *cols, int *rows)
{
	struct winsize ws;

	*cols = 80;
	*rows = 24;
	if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0) {
		*cols = ws.ws_col;
		*rows = ws.ws_row;
	}
}

static void paint(struct tui *t, bool force)
{
	int cols, rows;
	size_t off = 0;

	term_size(t->out_fd, &cols, &rows);
	station_scan_input(t->scan, t->ss.input, sizeof(t->ss.input));
	if (station_render(&t->st, &t->ss, cols, rows, &t->frame))
		return;
	if (!force && t->frame.len == t->last.len &&
	    !memcmp(t->frame.data, t->last.data, t->frame.len))
		return;
	if (force)
		(void)!write(t->out_fd, "\x1b[2J", 4);
	while (off < t->frame.len) {
		ssize_t n = write(t->out_fd, t->frame.data + off, t->frame.len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	buf_reset(&t->last);
	buf_append(&t->last, t->frame.data, t->frame.len);
}

static const char *job_word(enum job_state s)
{
	switch (s) {
	case JOB_PENDING:
		return "czeka";
	case JOB_SENDING:
		return "wysyła";
	case JOB_UNKNOWN:
		return "NIEPEWNE";
	case JOB_DONE:
		return "OK";
	case JOB_FAILED:
		return "BŁĄD";
	case JOB_CANCELLED:
		return "anul.";
	default:
		return "?";
	}
}

struct printer_count {
	size_t queued, held;
};

static int count_printer(const struct job *j, void *arg)
{
	struct printer_count *c = arg;

	if (strncmp(j->resource, "printer:", 8) != 0)
		return 0;
	if (j->state == JOB_UNKNOWN || j->not_before == JOB_HELD)
		c->held++;
	else
		c->queued++;
	return 0;
}

/* The journal's view of this order's jobs and of the printer. */
static void read_status(struct tui *t)
{
	struct store *st = t->env->st;
	struct printer_count pc = {0};
	size_t off = 0;

	t->ss.docs[0] = '\0';
	for (size_t i = 0; i < t->njobs; i++) {
		struct job j = {0};
		int n;
		if (store_job_get(st, t->jobs[i].id, &j))
			continue;
		n = snprintf(t->ss.docs + off, sizeof(t->ss.docs) - off, "%s%s: %s",
			     off ? ", " : "", t->jobs[i].what, job_word(j.state));
		if (n > 0 && (size_t)n < sizeof(t->ss.docs) - off)
			off += (size_t)n;
		job_release(&j);
	}
	for (enum job_state s = JOB_PENDING; s <= JOB_UNKNOWN; s++)
		(void)store_job_list(st, s, count_printer, &pc);
	if (!t->env->cfg || !t->env->journal || !journal_has_kind(t->env->journal, "receipt"))
		snprintf(t->ss.printer, sizeof(t->ss.printer), "Drukarka: brak");
	else if (pc.held)
		snprintf(t->ss.printer, sizeof(t->ss.printer), "Drukarka: WSTRZYMANA (%zu)",
			 pc.held);
	else if (pc.queued)
		snprintf(t->ss.printer, sizeof(t->ss.printer), "Drukarka: kolejka %zu", pc.queued);
	else
		snprintf(t->ss.printer, sizeof(t->ss.printer), "Drukarka: OK");
}

static void track(struct tui *t, int64_t id, const char *what)
{
	if (id <= 0 || t->njobs == STATION_MAX_JOBS)
		return;
	for (size_t i = 0; i < t->njobs; i++)
		if (t->jobs[i].id == id)
			return;
	t->jobs[t->njobs].id = id;
	snprintf(t->jobs[t->njobs].what, sizeof(t->jobs[t->njobs].what), "%s", what);
	t->njobs++;
}

static const char *doc_word(enum doc_kind k)
{
	switch (k) {
	case DOC_RECEIPT:
	case DOC_RECEIPT_NIP:
		return "paragon";
	case DOC_INVOICE:
		return "faktura";
	default:
		return doc_kind_name(k);
	}
}

static int save_session(struct tui *t, const char *state)
{
	struct pack_session ps = {.order_id = t->order.id};
	int rc;

	snprintf(ps.station, sizeof(ps.station), "%s", t->opts->station);
	snprintf(ps.state, sizeof(ps.state), "%s", state);
	rc = station_saved_json(&t->st, ps.scanned, sizeof(ps.scanned));
	ps.updated = (int64_t)time(NULL);
	if (!rc)
		rc = store_pack_session_put(t->env->st, &ps);
	if (rc)
		pl_err("station: cannot save the session of %s: %s", t->order.number,
		       pl_strerror(rc));
	return rc;
}

static void do_load(struct tui *t, const char *number)
{
	struct pack_session ps;
	int rc;

	rc = store_order_find_number(t->env->st, number, &t->order);
	if (rc) {
		station_not_found(&t->st, number);
		if (rc != -PL_ENOTFOUND && rc != -PL_EEXIST)
			pl_err("station: order %s: %s", number, pl_strerror(rc));
		return;
	}
	rc = store_pack_session_get(t->env->st, t->order.id, &ps);
	if (rc && rc != -PL_ENOTFOUND) {
		station_not_found(&t->st, number);
		return;
	}
	t->njobs = 0;
	if (station_load(&t->st, &t->order, rc ? "" : ps.state, rc ? NULL : ps.scanned))
		return;
	if (!rc && !strcmp(ps.state, "held"))
		(void)store_audit_add(t->env->st, t->actor, "station.resume", t->order.number,
				      ps.station, (int64_t)time(NULL));
	if (t->st.state == STATION_SCANNING)
		(void)save_session(t, "packing");
}

/* Completion: the intents of `packline process`, recorded, not performed. */
static void do_record(struct tui *t)
{
	struct process_report rep;
	char what[160] = "";
	int rc;

	process_report_init(&rep);
	rc = process_order(t->env, &t->order, &rep);
	if (!rc && rep.n) {
		struct process_row *row = &rep.rows[0];
		if (row->job_id)
			track(t, row->job_id, doc_word(row->kind));
		snprintf(what, sizeof(what), "%s %s", doc_word(row->kind), row->outcome);
		if (row->failed)
			rc = -PL_EINVAL;
		if (!rc && row->want_label && t->env->label) {
			struct label_result res;
			memset(&res, 0, sizeof(res));
			if (label_intent(t->env->journal, t->env->label, &t->order, &res) >= 0)
				track(t, res.job_id, "etykieta");
		}
	}
	if (!rc && t->env->pool)
		journal_pool_kick(t->env->pool);
	if (!rc)
		rc = save_session(t, "packed");
	if (!rc)
		(void)store_audit_add(t->env->st, t->actor, "station.packed", t->order.number, what,
				      (int64_t)time(NULL));
	station_recorded(&t->st, rc == 0, rc ? pl_strerror(rc) : what);
	process_report_release(&rep);
}

static void do_reprint(struct tui *t)
{
	struct label_result res;
	int rc;

	memset(&res, 0, sizeof(res));
	if (!t->env->label) {
		station_report(&t->st, SMSG_REPRINT, "brak [label]");
		return;
	}
	/* the same label bytes again: a journal job and an audit row, never a
	 * new shipment or document (effects/label.h) */
	rc = label_reprint(t->env->st, t->env->label, &t->order, t->actor, &res);
	station_report(&t->st, SMSG_REPRINT,
		       rc ? res.message[0] ? res.message : pl_strerror(rc) : "OK");
}

static void on_scan(void *arg, const char *line, size_t len)
{
	struct tui *t = arg;
	struct station_action act;

	station_feed(&t->st, line, len, &act);
	if (act.flags & SACT_AUDIT)
		if (store_audit_add(t->env->st, t->actor, act.audit_action, t->order.number,
				    act.audit_detail, (int64_t)time(NULL)))
			pl_err("station: cannot write the audit row %s", act.audit_action);
	if (act.flags & SACT_LOAD)
		do_load(t, act.order_number);
	if (act.flags & SACT_HOLD) {
		(void)save_session(t, "held");
		(void)store_audit_add(t->env->st, t->actor, "station.hold", t->order.number,
				      t->st.detail, (int64_t)time(NULL));
	}
	if (act.flags & SACT_CANCEL)
		(void)save_session(t, "packing"); /* zero counts */
	if (act.flags & SACT_RECORD)
		do_record(t);
	if (act.flags & SACT_REPRINT)
		do_reprint(t);
	read_status(t);
	paint(t, false);
}

static void on_input(struct loop *l, int fd, short revents, void *arg)
{
	struct tui *t = arg;
	int rc = station_scan_read(t->scan, on_scan, t);

	(void)fd;
	(void)revents;
	if (rc == 1) { /* the end of the input */
		loop_stop(l);
		return;
	}
	if (rc < 0) {
		pl_err("station: scanner: %s", pl_strerror(rc));
		t->rc = rc;
		loop_stop(l);
		return;
	}
	paint(t, false); /* a typed character */
}

static void on_tick(struct loop *l, void *arg)
{
	struct tui *t = arg;
	int64_t now = now_ms();
	bool full = now - t->last_full >= FULL_REDRAW_MS;

	read_status(t);
	if (full)
		t->last_full = now;
	paint(t, full);
	if (loop_timer_add(l, TICK_MS, on_tick, t) < 0)
		loop_stop(l);
}

static void on_signal(struct loop *l, int sig, void *arg)
{
	(void)arg;
	if (sig == SIGWINCH)
		return; /* the next tick repaints at the new size */
	loop_stop(l);
}

int station_tui_run(const struct process_env *env, const struct station_opts *o)
{
	struct tui *t = calloc(1, sizeof(*t));
	struct barcode_cfg bcfg;
	int rc;

	if (!t)
		return -PL_ENOMEM;
	t->env = env;
	t->opts = o;
	t->out_fd = STDOUT_FILENO;
	order_init(&t->order);
	buf_init(&t->frame, FRAME_MAX);
	buf_init(&t->last, FRAME_MAX);
	snprintf(t->actor, sizeof(t->actor), "station:%s", o->station ? o->station : "station");
	if (o->log_path) {
		t->log = fopen(o->log_path, "a");
		if (!t->log) {
			fprintf(stderr, "packline: station: cannot open the log '%s': %s\n",
				o->log_path, strerror(errno));
			rc = -PL_ECONFIG;
			goto out;
		}
		/* workers' warnings go to the log, not over the screen */
		fflush(stderr);
		dup2(fileno(t->log), STDERR_FILENO);
	}
	station_opts_bcfg(o, &bcfg);
	station_init(&t->st, &bcfg, log_line, t);
	rc = station_scan_open(&t->scan, o->scanner);
	if (rc) {
		fprintf(stderr, "packline: station: cannot open the scanner '%s': %s\n", o->scanner,
			pl_strerror(rc));
		goto out;
	}
	rc = loop_new(&t->loop);
	if (!rc)
		rc = loop_watch_fd(t->loop, station_scan_fd(t->scan), POLLIN, on_input, t);
	if (!rc)
		rc = loop_signal(t->loop, SIGINT, &t->stop, on_signal, t);
	if (!rc)
		rc = loop_signal(t->loop, SIGTERM, &t->stop, on_signal, t);
	if (!rc)
		rc = loop_signal(t->loop, SIGWINCH, NULL, on_signal, t);
	if (rc >= 0) {
		rc = loop_timer_add(t->loop, TICK_MS, on_tick, t);
		rc = rc > 0 ? 0 : rc;
	}
	if (rc)
		goto out;
	read_status(t);
	t->last_full = now_ms();
	paint(t, true);
	rc = loop_run(t->loop);
	if (!rc)
		rc = t->rc;
	(void)!write(t->out_fd, "\x1b[?25h\r\n", 8);
out:
	loop_free(t->loop);
	station_scan_close(t->scan);
	if (t->log)
		fclose(t->log);
	buf_release(&t->frame);
	buf_release(&t->last);
	order_release(&t->order);
	free(t);
	return rc;
}
