/* SPDX-License-Identifier: Apache-2.0 */
/* drivers/xport_serial.c - serial and USB CDC ports through libserialport.
 *
 * USB CDC printers (/dev/ttyACM*, /dev/serial/by-id/usb-Posnet_...) use this
 * same path: for CDC the baud rate is ignored by the link but harmless.
 *
 * libserialport 0.1.1 (Debian 12) finds a port through /sys/class/tty/<name>,
 * so a udev symlink such as /dev/serial/by-id/... is not recognised by name;
 * we retry with the resolved path (/dev/ttyACM0). Reads use poll() on the
 * port's fd plus sp_nonblocking_read(), so that a reply is handed up as soon
 * as its bytes arrive (sp_blocking_read waits for a full count).
 */
#include "drivers/xport.h"
#include "base/err.h"
#include "base/log.h"

#include <libserialport.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"

struct xport_serial {
	struct xport base; /* first: the generic header */
	struct sp_port *port;
	int fd;
	struct xport_serial_cfg cfg;
};

static const int serial_bauds[] = {1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400};

static bool serial_is_flow(const char *s, enum xport_flow *out)
{
	if (strcmp(s, "none") == 0)
		*out = XPORT_FLOW_NONE;
	else if (strcmp(s, "rtscts") == 0 || strcmp(s, "rts-cts") == 0)
		*out = XPORT_FLOW_RTSCTS;
	else if (strcmp(s, "xonxoff") == 0 || strcmp(s, "xon-xoff") == 0)
		*out = XPORT_FLOW_XONXOFF;
	else
		return false;
	return true;
}

/* "8N1", "8E1", "7O2": bits 5..8, parity N/E/O, stop 1..2. */
static bool serial_is_framing(const char *s, struct xport_serial_cfg *cfg)
{
	if (strlen(s) != 3 || s[0] < '5' || s[0] > '8' || (s[2] != '1' && s[2] != '2'))
		return false;
	switch (toupper((unsigned char)s[1])) {
	case 'N':
		cfg->parity = XPORT_PARITY_NONE;
		break;
	case 'E':
		cfg->parity = XPORT_PARITY_EVEN;
		break;
	case 'O':
		cfg->parity = XPORT_PARITY_ODD;
		break;
	default:
		return false;
	}
	cfg->bits = s[0] - '0';
	cfg->stop_bits = s[2] - '0';
	return true;
}

static bool serial_all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

int xport_serial_parse(const char *target, struct xport_serial_cfg *cfg)
{
	char tmp[sizeof(cfg->path)];
	char *colon;
	bool flow_set = false;
	int stage = 0; /* fields are peeled from the right: 0 flow, 1 framing, 2 baud */

	memset(cfg, 0, sizeof(*cfg));
	cfg->baud = 115200;
	cfg->bits = 8;
	cfg->parity = XPORT_PARITY_NONE;
	cfg->stop_bits = 1;
	if (!target || !*target || strlen(target) >= sizeof(tmp)) {
		pl_err("bad serial target '%s': empty or too long", target ? target : "");
		return -PL_EINVAL;
	}
	memcpy(tmp, target, strlen(target) + 1);
	while ((colon = strrchr(tmp, ':')) != NULL && stage < 3) {
		const char *field = colon + 1;
		enum xport_flow fl;
		struct xport_serial_cfg fr = *cfg;

		if (stage <= 0 && serial_is_flow(field, &fl)) {
			cfg->flow = fl;
			flow_set = true;
			stage = 1;
		} else if (stage <= 1 && serial_is_framing(field, &fr)) {
			*cfg = fr;
			stage = 2;
		} else if (stage <= 2 && serial_all_digits(field)) {
			char *end;
			long v;
			bool known = false;

			errno = 0;
			v = strtol(field, &end, 10);
			for (size_t i = 0; i < sizeof(serial_bauds) / sizeof(serial_bauds[0]); i++)
				known = known || (errno == 0 && v == serial_bauds[i]);
			if (!known) {
				pl_err("bad serial target '%s': baud rate '%s' is not one of "
				       "1200..230400",
				       target, field);
				return -PL_EINVAL;
			}
			cfg->baud = (int)v;
			stage = 3;
		} else {
			break; /* part of the path (by-path names hold colons) */
		}
		*colon = '\0';
	}
	if (strncmp(tmp, "/dev/", 5) != 0) {
		pl_err("bad serial target '%s': the port must be a /dev/ path", target);
		return -PL_EINVAL;
	}
	memcpy(cfg->path, tmp, strlen(tmp) + 1);
	if (!flow_set) {
		/* CDC ports need no handshake; a COM port's factory default is
		 * XON/XOFF (research §1.11). */
		bool usb = strstr(cfg->path, "ttyACM") || strstr(cfg->path, "/by-id/usb");
		cfg->flow = usb ? XPORT_FLOW_NONE : XPORT_FLOW_XONXOFF;
	}
	return 0;
}

int xport_serial_bits_per_byte(const struct xport_serial_cfg *cfg)
{
	return 1 + cfg->bits + (cfg->parity != XPORT_PARITY_NONE) + cfg->stop_bits;
}

/* Log a libserialport failure with the OS detail, return -PL_EIO. */
static int serial_fail(const struct xport_serial *s, const char *what, enum sp_return r)
{
	char *msg = r == SP_ERR_FAIL ? sp_last_error_message() : NULL;

	pl_err("serial '%s': %s failed: %s", s->cfg.path, what,
	       msg ? msg : (r == SP_ERR_ARG ? "invalid argument" : "not supported"));
	if (msg)
		sp_free_error_message(msg);
	return -PL_EIO;
}

static void serial_close(struct xport *x)
{
	struct xport_serial *s = (struct xport_serial *)x;

	if (s->port) {
		sp_close(s->port);
		sp_free_port(s->port);
	}
	free(s);
}

static int serial_configure(struct xport_serial *s)
{
	const struct xport_serial_cfg *c = &s->cfg;
	enum sp_parity par = c->parity == XPORT_PARITY_EVEN  ? SP_PARITY_EVEN
			     : c->parity == XPORT_PARITY_ODD ? SP_PARITY_ODD
							     : SP_PARITY_NONE;
	enum sp_flowcontrol fl = c->flow == XPORT_FLOW_RTSCTS    ? SP_FLOWCONTROL_RTSCTS
				 : c->flow == XPORT_FLOW_XONXOFF ? SP_FLOWCONTROL_XONXOFF
								 : SP_FLOWCONTROL_NONE;
	enum sp_return r;

	if ((r = sp_set_baudrate(s->port, c->baud)) != SP_OK)
		return serial_fail(s, "set baud rate", r);
	if ((r = sp_set_bits(s->port, c->bits)) != SP_OK)
		return serial_fail(s, "set data bits", r);
	if ((r = sp_set_parity(s->port, par)) != SP_OK)
		return serial_fail(s, "set parity", r);
	if ((r = sp_set_stopbits(s->port, c->stop_bits)) != SP_OK)
		return serial_fail(s, "set stop bits", r);
	if ((r = sp_set_flowcontrol(s->port, fl)) != SP_OK)
		return serial_fail(s, "set flow control", r);
	/* A CDC device may hold its answers back until the host asserts DTR
	 * (fiskaltrust SerialPosNetTransport); a COM printer ignores it. */
	if ((r = sp_set_dtr(s->port, SP_DTR_ON)) != SP_OK)
		return serial_fail(s, "assert DTR", r);
	if ((r = sp_flush(s->port, SP_BUF_BOTH)) != SP_OK)
		return serial_fail(s, "flush", r);
	return 0;
}

static int serial_open(struct xport **out, const char *target)
{
	struct xport_serial *s;
	enum sp_return r;
	int rc;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -PL_ENOMEM;
	s->base.ops = &xport_serial_ops;
	s->fd = -1;
	rc = xport_serial_parse(target, &s->cfg);
	if (rc < 0)
		goto err_free;
	r = sp_get_port_by_name(s->cfg.path, &s->port);
	if (r != SP_OK) {
		/* A udev symlink (/dev/serial/by-id/...) has no sysfs entry of
		 * its own: retry with the device it points to. */
		char real[PATH_MAX];

		s->port = NULL;
		if (realpath(s->cfg.path, real) && strcmp(real, s->cfg.path) != 0)
			r = sp_get_port_by_name(real, &s->port);
		if (r != SP_OK) {
			s->port = NULL;
			pl_err("serial '%s': no such serial port", s->cfg.path);
			rc = -PL_ENOTFOUND;
			goto err_free;
		}
	}
	r = sp_open(s->port, SP_MODE_READ_WRITE);
	if (r != SP_OK) {
		rc = serial_fail(s, "open", r);
		sp_free_port(s->port);
		s->port = NULL;
		goto err_free;
	}
	rc = serial_configure(s);
	if (rc < 0)
		goto err_close;
	if (sp_get_port_handle(s->port, &s->fd) != SP_OK || s->fd < 0) {
		rc = serial_fail(s, "get handle", SP_ERR_FAIL);
		goto err_close;
	}
	pl_debug("serial '%s' open at %d %d%c%d flow %d", s->cfg.path, s->cfg.baud, s->cfg.bits,
		 "NOE"[s->cfg.parity], s -> cfg.stop_bits, (int)s->cfg.flow);
	*out = &s->base;
	return 0;

err_close:
	sp_close(s->port);
	sp_free_port(s->port);
	s->port = NULL;
err_free:
	free(s);
	return rc;
}

static int serial_send(struct xport *x, const void *buf, size_t len, int timeout_ms)
{
	struct xport_serial *s = (struct xport_serial *)x;
	enum sp_return r;

	if (len == 0)
		return 0;
	/* timeout 0 means "forever" to libserialport: never pass it. */
	r = sp_blocking_write(s->port, buf, len, timeout_ms > 0 ? (unsigned)timeout_ms : 1);
	if (r < 0)
		return serial_fail(s, "write", r);
	if ((size_t)r < len) {
		pl_warn("serial '%s': write timed out after %d of %zu bytes", s->cfg.path, (int)r,
			len);
		return -PL_ETIMEDOUT;
	}
	return 0;
}

static ssize_t serial_recv(struct xport *x, void *buf, size_t cap, int timeout_ms)
{
	struct xport_serial *s = (struct xport_serial *)x;
	int64_t deadline = pl_monotonic_ms() + (timeout_ms > 0 ? timeout_ms : 0);

	for (;;) {
		struct pollfd p = {.fd = s->fd, .events = POLLIN};
		int64_t left = deadline - pl_monotonic_ms();
		enum sp_return r;
		int n;

		if (left < 0)
			left = 0;
		n = poll(&p, 1, (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			pl_err("serial '%s': poll failed: %s", s->cfg.path, strerror(errno));
			return -PL_EIO;
		}
		if (n == 0)
			return -PL_ETIMEDOUT;
		r = sp_nonblocking_read(s->port, buf, cap);
		if (r > 0)
			return r;
		if (r < 0)
			return serial_fail(s, "read", r);
		if (p.revents & (POLLHUP | POLLERR | POLLNVAL)) {
			pl_err("serial '%s': line hung up", s->cfg.path);
			return -PL_EIO;
		}
		if (left == 0)
			return -PL_ETIMEDOUT;
	}
}

static int serial_flush_input(struct xport *x)
{
	struct xport_serial *s = (struct xport_serial *)x;
	enum sp_return r = sp_flush(s->port, SP_BUF_INPUT);

	return r == SP_OK ? 0 : serial_fail(s, "flush input", r);
}

static int serial_drain(struct xport *x, int timeout_ms)
{
	struct xport_serial *s = (struct xport_serial *)x;
	enum sp_return r;

	(void)timeout_ms; /* tcdrain has no timeout; with flow control held it can block */
	r = sp_drain(s->port);
	return r == SP_OK ? 0 : serial_fail(s, "drain", r);
}

const struct xport_ops xport_serial_ops = {
    .scheme = "serial",
    .open = serial_open,
    .close = serial_close,
    .send = serial_send,
    .recv = serial_recv,
    .flush_input = serial_flush_input,
    .drain = serial_drain,
};
