/* SPDX-License-Identifier: Apache-2.0 */
/* agent/station_scan.h - scanner readers of `packline station`, each an fd
 * for base/loop.h that yields one line per scan.
 *
 *   tty                     a keyboard-wedge scanner typing into the terminal
 *                           (stdin; echo and line editing off, our own
 *                           backspace, so FNC1 = GS 0x1d passes through)
 *   evdev:/dev/input/eventN[:pl]
 *                           a USB HID scanner grabbed (EVIOCGRAB) so its
 *                           keys never reach the console; key codes mapped
 *                           with the US layout, ":pl" adds Polish
 *                           programmer's AltGr letters (ą ć ę ł ń ó ś ź ż)
 *   serial:PATH[@BAUD]      a serial (or USB CDC) scanner, raw 8N1,
 *                           default 9600 baud
 *
 * A line ends at CR or LF (empty lines are skipped) and is capped at
 * BARCODE_MAX + 1 bytes: a longer one is passed on cut, so the classifier
 * refuses it as too long; nothing overflows.
 *
 * Ownership: station_scan_open returns a reader freed by station_scan_close
 * (which restores the terminal and releases the grab). One thread.
 */
#ifndef PL_AGENT_STATION_SCAN_H
#define PL_AGENT_STATION_SCAN_H

#include <stddef.h>

struct station_scan;

typedef void station_scan_fn(void *arg, const char *line, size_t len);

/* 0 when spec names a reader kind we have (nothing is opened). */
int station_scan_check(const char *spec);
int station_scan_open(struct station_scan **out, const char *spec);
/* Open an already open fd as a byte-stream reader (tests, bench). */
int station_scan_open_fd(struct station_scan **out, int fd);
int station_scan_fd(const struct station_scan *s);
/* Read what is there; fn once per complete line. 0, 1 at the end of the
 * input, or -PL_EIO. */
int station_scan_read(struct station_scan *s, station_scan_fn *fn, void *arg);
/* The line typed so far (UTF-8, for the screen). */
void station_scan_input(const struct station_scan *s, char *out, size_t cap);
void station_scan_close(struct station_scan *s);

/* evdev key code -> UTF-8 text for the layout (exposed for tests):
 * "" when the key types nothing. */
const char *station_scan_keymap(int code, int shift, int altgr, int pl);

#endif
