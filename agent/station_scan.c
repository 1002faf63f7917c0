/* SPDX-License-Identifier: Apache-2.0 */
/* agent/station_scan.c - scanner readers (station_scan.h). */
#include "agent/station_scan.h"

#include "base/err.h"
#include "core/barcode.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/input.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

enum scan_kind { SCAN_BYTES, SCAN_TTY, SCAN_EVDEV };

struct station_scan {
	enum scan_kind kind;
	int fd;
	bool own_fd;
	bool restore;
	struct termios saved;
	bool pl;                    /* evdev: Polish AltGr letters */
	int shift, altgr, ctrl;     /* evdev modifiers held */
	char line[BARCODE_MAX + 2]; /* one more than the cap: "too long" is seen */
	size_t len;
};

/* ---- US (and Polish programmer's) layout -------------------------------- */

static const char *const us_plain[KEY_MAX + 1] = {
    [KEY_1] = "1",          [KEY_2] = "2",          [KEY_3] = "3",          [KEY_4] = "4",
    [KEY_5] = "5",          [KEY_6] = "6",          [KEY_7] = "7",          [KEY_8] = "8",
    [KEY_9] = "9",          [KEY_0] = "0",          [KEY_MINUS] = "-",      [KEY_EQUAL] = "=",
    [KEY_Q] = "q",          [KEY_W] = "w",          [KEY_E] = "e",          [KEY_R] = "r",
    [KEY_T] = "t",          [KEY_Y] = "y",          [KEY_U] = "u",          [KEY_I] = "i",
    [KEY_O] = "o",          [KEY_P] = "p",          [KEY_LEFTBRACE] = "[",  [KEY_RIGHTBRACE] = "]",
    [KEY_A] = "a",          [KEY_S] = "s",          [KEY_D] = "d",          [KEY_F] = "f",
    [KEY_G] = "g",          [KEY_H] = "h",          [KEY_J] = "j",          [KEY_K] = "k",
    [KEY_L] = "l",          [KEY_SEMICOLON] = ";",  [KEY_APOSTROPHE] = "'", [KEY_GRAVE] = "`",
    [KEY_BACKSLASH] = "\\", [KEY_Z] = "z",          [KEY_X] = "x",          [KEY_C] = "c",
    [KEY_V] = "v",          [KEY_B] = "b",          [KEY_N] = "n",          [KEY_M] = "m",
    [KEY_COMMA] = ",",      [KEY_DOT] = ".",        [KEY_SLASH] = "/",      [KEY_SPACE] = " ",
    [KEY_KP0] = "0",        [KEY_KP1] = "1",        [KEY_KP2] = "2",        [KEY_KP3] = "3",
    [KEY_KP4] = "4",        [KEY_KP5] = "5",        [KEY_KP6] = "6",        [KEY_KP7] = "7",
    [KEY_KP8] = "8",        [KEY_KP9] = "9",        [KEY_KPMINUS] = "-",    [KEY_KPPLUS] = "+",
    [KEY_KPDOT] = ".",      [KEY_KPASTERISK] = "*", [KEY_KPSLASH] = "/",
};

static const char *const us_shift[KEY_MAX + 1] = {
    [KEY_1] = "!",         [KEY_2] = "@",         [KEY_3] = "#",           [KEY_4] = "$",
    [KEY_5] = "%",         [KEY_6] = "^",         [KEY_7] = "&",           [KEY_8] = "*",
    [KEY_9] = "(",         [KEY_0] = ")",         [KEY_MINUS] = "_",       [KEY_EQUAL] = "+",
    [KEY_Q] = "Q",         [KEY_W] = "W",         [KEY_E] = "E",           [KEY_R] = "R",
    [KEY_T] = "T",         [KEY_Y] = "Y",         [KEY_U] = "U",           [KEY_I] = "I",
    [KEY_O] = "O",         [KEY_P] = "P",         [KEY_LEFTBRACE] = "{",   [KEY_RIGHTBRACE] = "}",
    [KEY_A] = "A",         [KEY_S] = "S",         [KEY_D] = "D",           [KEY_F] = "F",
    [KEY_G] = "G",         [KEY_H] = "H",         [KEY_J] = "J",           [KEY_K] = "K",
    [KEY_L] = "L",         [KEY_SEMICOLON] = ":", [KEY_APOSTROPHE] = "\"", [KEY_GRAVE] = "~",
    [KEY_BACKSLASH] = "|", [KEY_Z] = "Z",         [KEY_X] = "X",           [KEY_C] = "C",
    [KEY_V] = "V",         [KEY_B] = "B",         [KEY_N] = "N",           [KEY_M] = "M",
    [KEY_COMMA] = "<",     [KEY_DOT] = ">",       [KEY_SLASH] = "?",       [KEY_SPACE] = " ",
};

/* Polish programmer's layout: AltGr + letter (Shift for the capital). */
static const struct {
	int code;
	const char *lower, *upper;
} pl_altgr[] = {
    {KEY_A, "ą", "Ą"}, {KEY_C, "ć", "Ć"}, {KEY_E, "ę", "Ę"}, {KEY_L, "ł", "Ł"}, {KEY_N, "ń", "Ń"},
    {KEY_O, "ó", "Ó"}, {KEY_S, "ś", "Ś"}, {KEY_X, "ź", "Ź"}, {KEY_Z, "ż", "Ż"},
};

const char *station_scan_keymap(int code, int shift, int altgr, int pl)
{
	if (code < 0 || code > KEY_MAX)
		return "";
	if (altgr && pl) {
		for (size_t i = 0; i < sizeof(pl_altgr) / sizeof(pl_altgr[0]); i++)
			if (pl_altgr[i].code == code)
				return shift ? pl_altgr[i].upper : pl_altgr[i].lower;
		return "";
	}
	if (shift && us_shift[code])
		return us_shift[code];
	return us_plain[code] ? us_plain[code] : "";
}

/* ---- opening ------------------------------------------------------------ */

static int parse_serial(const char *spec, char *path, size_t cap, speed_t *speed)
{
	const char *at = strrchr(spec, '@');
	size_t n = at ? (size_t)(at - spec) : strlen(spec);
	long baud = 9600;

	if (at) {
		char *end;
		baud = strtol(at + 1, &end, 10);
		if (*end || end == at + 1)
			return -PL_EINVAL;
	}
	switch (baud) {
	case 9600:
		*speed = B9600;
		break;
	case 19200:
		*speed = B19200;
		break;
	case 38400:
		*speed = B38400;
		break;
	case 57600:
		*speed = B57600;
		break;
	case 115200:
		*speed = B115200;
		break;
	default:
		return -PL_EINVAL;
	}
	if (n == 0 || n >= cap)
		return -PL_EINVAL;
	memcpy(path, spec, n);
	path[n] = '\0';
	return 0;
}

static int parse_evdev(const char *spec, char *path, size_t cap, bool *pl)
{
	size_t n = strlen(spec);

	*pl = false;
	if (n > 3 && !strcmp(spec + n - 3, ":pl")) {
		*pl = true;
		n -= 3;
	} else if (n > 3 && !strcmp(spec + n - 3, ":us")) {
		n -= 3;
	}
	if (n == 0 || n >= cap)
		return -PL_EINVAL;
	memcpy(path, spec, n);
	path[n] = '\0';
	return 0;
}

int station_scan_check(const char *spec)
{
	char path[256];
	speed_t sp;
	bool pl;

	if (!strcmp(spec, "tty"))
		return 0;
	if (!strncmp(spec, "serial:", 7))
		return parse_serial(spec + 7, path, sizeof(path), &sp);
	if (!strncmp(spec, "evdev:", 6))
		return parse_evdev(spec + 6, path, sizeof(path), &pl);
	return -PL_EINVAL;
}

static struct station_scan *scan_new(enum scan_kind kind, int fd, bool own)
{
	struct station_scan *s = calloc(1, sizeof(*s));

	if (s) {
		s->kind = kind;
		s->fd = fd;
		s->own_fd = own;
	}
	return s;
}

int station_scan_open_fd(struct station_scan **out, int fd)
{
	*out = scan_new(SCAN_BYTES, fd, false);
	return *out ? 0 : -PL_ENOMEM;
}

int station_scan_open(struct station_scan **out, const char *spec)
{
	char path[256];
	struct station_scan *s = NULL;
	int fd = -1, rc = station_scan_check(spec);

	*out = NULL;
	if (rc)
		return rc;
	if (!strcmp(spec, "tty")) {
		s = scan_new(SCAN_TTY, STDIN_FILENO, false);
		if (!s)
			return -PL_ENOMEM;
		if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &s->saved) == 0) {
			struct termios t = s->saved;
			/* bytes as they come, no echo over the screen; ^C still stops */
			t.c_lflag &= (tcflag_t) ~(ICANON | ECHO);
			t.c_iflag &= (tcflag_t) ~(IXON);
			t.c_cc[VMIN] = 1;
			t.c_cc[VTIME] = 0;
			if (tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0)
				s->restore = true;
		}
		*out = s;
		return 0;
	}
	if (!strncmp(spec, "serial:", 7)) {
		speed_t sp;
		struct termios t;
		parse_serial(spec + 7, path, sizeof(path), &sp);
		fd = open(path, O_RDONLY | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
		if (fd < 0)
			return errno == ENOENT ? -PL_ENOTFOUND : -PL_EIO;
		if (tcgetattr(fd, &t) == 0) {
			cfmakeraw(&t);
			cfsetispeed(&t, sp);
			cfsetospeed(&t, sp);
			t.c_cflag |= CLOCAL | CREAD;
			(void)tcsetattr(fd, TCSANOW, &t);
		}
		s = scan_new(SCAN_BYTES, fd, true);
	} else {
		bool pl;
		parse_evdev(spec + 6, path, sizeof(path), &pl);
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		if (fd < 0)
			return errno == ENOENT ? -PL_ENOTFOUND : -PL_EIO;
		/* the scanner's keys reach us only, not the console or X */
		if (ioctl(fd, EVIOCGRAB, 1) != 0) {
			close(fd);
			return -PL_EBUSY;
		}
		s = scan_new(SCAN_EVDEV, fd, true);
		if (s)
			s->pl = pl;
	}
	if (!s) {
		close(fd);
		return -PL_ENOMEM;
	}
	*out = s;
	return 0;
}

int station_scan_fd(const struct station_scan *s)
{
	return s->fd;
}

void station_scan_input(const struct station_scan *s, char *out, size_t cap)
{
	size_t n;

	if (!s || cap == 0) {
		if (cap)
			out[0] = '\0';
		return;
	}
	n = s->len < cap - 1 ? s->len : cap - 1;
	memcpy(out, s->line, n);
	out[n] = '\0';
}

void station_scan_close(struct station_scan *s)
{
	if (!s)
		return;
	if (s->restore)
		(void)tcsetattr(s->fd, TCSANOW, &s->saved);
	if (s->kind == SCAN_EVDEV)
		(void)ioctl(s->fd, EVIOCGRAB, 0);
	if (s->own_fd)
		close(s->fd);
	free(s);
}

/* ---- reading ------------------------------------------------------------ */

static void put_bytes(struct station_scan *s, const char *p, size_t n, station_scan_fn *fn,
		      void *arg)
{
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		if (c == '\r' || c == '\n') {
			if (s->len)
				fn(arg, s->line, s->len);
			s->len = 0;
		} else if ((c == 0x7f || c == 0x08) && s->kind == SCAN_TTY) {
			/* backspace: one UTF-8 character off what is being typed */
			while (s->len && ((unsigned char)s->line[s->len - 1] & 0xc0) == 0x80)
				s->len--;
			if (s->len)
				s->len--;
		} else if (s->len < sizeof(s->line) - 1) {
			s->line[s->len++] = c;
		}
		/* past the cap the rest of the line is dropped: the line passed
		 * on is one byte over BARCODE_MAX and refused as too long */
	}
}

static int read_evdev(struct station_scan *s, station_scan_fn *fn, void *arg)
{
	struct input_event ev[32];
	ssize_t n = read(s->fd, ev, sizeof(ev));

	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -PL_EIO;
	if (n == 0)
		return 1;
	for (size_t i = 0; i < (size_t)n / sizeof(ev[0]); i++) {
		int code = ev[i].code, down = ev[i].value != 0;
		const char *txt;

		if (ev[i].type != EV_KEY)
			continue;
		if (code == KEY_LEFTSHIFT || code == KEY_RIGHTSHIFT) {
			s->shift = down;
			continue;
		}
		if (code == KEY_RIGHTALT) {
			s->altgr = down;
			continue;
		}
		if (code == KEY_LEFTCTRL || code == KEY_RIGHTCTRL) {
			s->ctrl = down;
			continue;
		}
		if (ev[i].value != 1) /* presses only: no releases, no auto-repeat */
			continue;
		if (code == KEY_ENTER || code == KEY_KPENTER) {
			put_bytes(s, "\n", 1, fn, arg);
			continue;
		}
		if (s->ctrl && code == KEY_RIGHTBRACE) { /* ^] = GS = FNC1 */
			put_bytes(s, "\x1d", 1, fn, arg);
			continue;
		}
		txt = station_scan_keymap(code, s->shift, s->altgr, s->pl);
		put_bytes(s, txt, strlen(txt), fn, arg);
	}
	return 0;
}

int station_scan_read(struct station_scan *s, station_scan_fn *fn, void *arg)
{
	char buf[512];
	ssize_t n;

	if (s->kind == SCAN_EVDEV)
		return read_evdev(s, fn, arg);
	n = read(s->fd, buf, sizeof(buf));
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -PL_EIO;
	if (n == 0) {
		if (s->len) /* a last line without its end */
			put_bytes(s, "\n", 1, fn, arg);
		return 1;
	}
	put_bytes(s, buf, (size_t)n, fn, arg);
	return 0;
}
