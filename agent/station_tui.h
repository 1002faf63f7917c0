/* SPDX-License-Identifier: Apache-2.0 */
/* agent/station_tui.h - `packline station`: the scan-to-verify screen.
 *
 * One thread runs a base/loop.h loop: the scanner is an fd watcher (a
 * keyboard wedge on the terminal, an evdev device grabbed with EVIOCGRAB,
 * or a serial port), each line goes to the packing state machine
 * (core/station.h), and what the machine asks for is done here: the order
 * looked up, the session persisted (pack_sessions), overrides audited, and
 * at completion the document/label intents recorded with the calls
 * `packline process` makes (process_order, label_intent) - never performed
 * here: the journal pool's workers perform them, and a timer reads the
 * jobs' states back for the screen (documents, printer).
 *
 * The screen is plain ANSI (no curses): cursor positioning and erase, UTF-8
 * text cut to the terminal's width in characters, so it works from 20x8 to
 * any size.
 *
 * Ownership: station_tui_run borrows env; everything it opens it closes.
 * Threads: the caller's thread only (the pool runs beside it).
 */
#ifndef PL_AGENT_STATION_TUI_H
#define PL_AGENT_STATION_TUI_H

#include "agent/process.h"
#include "base/buf.h"
#include "base/cfgview.h"
#include "core/station.h"

#include <stdio.h>

struct diag;

#define STATION_MAX_JOBS 8

struct station_opts {
	char scanner[256];      /* "tty", "evdev:/dev/input/eventN[:pl]", "serial:PATH[@BAUD]" */
	char order_prefix[32];  /* [station] order_prefix */
	char order_pattern[64]; /* [station] order_pattern (fnmatch) */
	bool strip_prefix;      /* [station] strip_prefix = yes */
	char cmd_prefix[16];    /* [station] command_prefix, default "PL:" */
	const char *station;    /* [packline] station: sessions and audit actor */
	const char *log_path;   /* --log FILE: the machine's log and stderr; NULL = none */
};

/* What the screen shows beside the machine: the jobs of the open order
 * and the printer, as the journal has them. */
struct station_status {
	char docs[160];   /* "paragon: OK, etykieta: czeka" */
	char printer[64]; /* "Drukarka: OK" */
	char input[80];   /* what is being typed (a reason) */
};

/* [station] keys, for agent/config_sections.c. */
int station_config_check(const struct config_view *v, const char *name, struct diag *d);
/* Defaults, then [station] from v (may be NULL). */
void station_opts_load(const struct config_view *v, struct station_opts *o);
void station_opts_bcfg(const struct station_opts *o, struct barcode_cfg *b);

/* Draw one frame for a cols x rows terminal into out (reset first). */
int station_render(const struct station *s, const struct station_status *ss, int cols, int rows,
		   struct buf *out);

/* Run the station until SIGINT/SIGTERM or the end of the scanner's input.
 * 0, or -PL_E* when the scanner cannot be opened or the store failed. */
int station_tui_run(const struct process_env *env, const struct station_opts *o);

#endif
