/* SPDX-License-Identifier: Apache-2.0 */
/* drivers/xport.h - a byte transport to a device: serial, USB CDC, TCP, in-process simulator.
 *
 * A transport moves bytes and nothing else; the POSNET framing
 * (fiscal/posnet_frame.h) and the request/reply discipline
 * (fiscal/posnet_dev.h) sit on top (research/c-style.md §2.2). All calls are
 * blocking with an explicit timeout: the fiscal driver is strictly
 * half-duplex (one command, one reply), so an event loop would buy nothing
 * and would make "the intent is on disk before the first byte leaves" harder
 * to see.
 *
 * Target strings (xport_open):
 *   serial:PATH[:BAUD[:FRAMING[:FLOW]]]   PATH is /dev/ttyUSB0, /dev/ttyS0, a USB
 *                                          CDC port /dev/ttyACM0 or a stable
 *                                          /dev/serial/by-id/... name;
 *                                          BAUD 1200..115200 (230400 too);
 *                                          FRAMING <bits><N|E|O><stop>, e.g. 8N1, 8E1, 8N2;
 *                                          FLOW none | rtscts | xonxoff.
 *   /dev/...                               same as serial:/dev/...
 *   tcp:HOST:PORT                          HOST a name, IPv4 or [IPv6].
 *   sim:                                   an in-process POSNET simulator
 *                                          (fiscal/xport_sim.c; tests, demo),
 *                                          registered by the fiscal module with
 *                                          xport_register(): drivers/ knows no
 *                                          protocol.
 * Serial defaults: 115200 8N1, XON/XOFF on /dev/tty* except ttyACM* and
 * by-id names with "usb", which get no handshake (research §1.11: the
 * factory COM default is 115200 8N1 XON/XOFF; CDC needs none). DTR is always
 * asserted (a CDC device may hold replies until DTR is up).
 *
 * Test knob: when the environment variable PL_TEST_DIE_AFTER_FRAMES=K is set,
 * xport_send() raises SIGKILL right after the K-th frame (a send whose last
 * byte is ETX 0x03) of this process has been handed to the kernel and
 * drained. The kill tests (tests/sh/test_posnet_kill.sh) sweep K over every
 * frame of a run.
 *
 * Ownership: xport_open() returns a transport the caller frees with
 * xport_close().
 */
#ifndef PL_DRIVERS_XPORT_H
#define PL_DRIVERS_XPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct xport;

/* Transport contract. Return values are 0 / byte counts or -PL_E*. */
struct xport_ops {
	const char *scheme; /* "serial", "tcp", "sim": the prefix of the target string */
	/* Mandatory. Parse `target` (the text after "scheme:") and open the
	 * transport. On failure nothing is left open and *out is untouched. */
	int (*open)(struct xport **out, const char *target);
	/* Mandatory, cannot fail. Frees the transport. */
	void (*close)(struct xport *x);
	/* Mandatory. Write all `len` bytes, waiting at most timeout_ms.
	 * -PL_ETIMEDOUT or -PL_EIO when not everything left: part of the
	 * buffer may have reached the device (the caller treats this as
	 * ambiguous). */
	int (*send)(struct xport *x, const void *buf, size_t len, int timeout_ms);
	/* Mandatory. Wait up to timeout_ms for input; return the number of
	 * bytes read (1..cap), -PL_ETIMEDOUT when nothing came, -PL_EIO when
	 * the line or the connection failed (peer closed the TCP connection). */
	ssize_t (*recv)(struct xport *x, void *buf, size_t cap, int timeout_ms);
	/* Mandatory. Discard every byte received so far and not yet read: a
	 * late reply to an earlier command must never be taken for the reply
	 * to the next one (research §1.12). */
	int (*flush_input)(struct xport *x);
	/* Optional. Wait until written bytes have left the host (tcdrain). */
	int (*drain)(struct xport *x, int timeout_ms);
};

/* Counters kept by the wrappers for every transport. */
struct xport_stats {
	uint64_t frames_sent; /* sends ending with ETX */
	uint64_t bytes_sent;
	uint64_t bytes_received;
};

/* Every transport starts with this header (SQLite's pMethod-first layout). */
struct xport {
	const struct xport_ops *ops;
	char target[256]; /* as opened, for log lines */
	struct xport_stats stats;
};

extern const struct xport_ops xport_serial_ops;
extern const struct xport_ops xport_tcp_ops;

/* Add a transport scheme (the composition registers protocol-aware ones
 * such as the POSNET simulator, fiscal/xport_sim.h). Idempotent for the same
 * ops; -PL_EEXIST when another transport has the scheme, -PL_ETOOBIG when the
 * table (8 extra schemes) is full. Not thread-safe: call at start-up, before
 * threads. `ops` must outlive every xport_open() (a static const table). */
int xport_register(const struct xport_ops *ops);

/* Open by target string (see the top of this file). 0, -PL_EINVAL on a bad
 * target, -PL_EIO/-PL_ETIMEDOUT/-PL_ENOTFOUND when the device cannot be reached. */
int xport_open(struct xport **out, const char *target);
/* Free; accepts NULL. */
void xport_close(struct xport *x);
/* Write a whole buffer (see the send slot); counts frames for the test knob. */
int xport_send(struct xport *x, const void *buf, size_t len, int timeout_ms);
/* Read what is there (see the recv slot). */
ssize_t xport_recv(struct xport *x, void *buf, size_t cap, int timeout_ms);
int xport_flush_input(struct xport *x);
/* Drain output; 0 when the transport has no drain slot. */
int xport_drain(struct xport *x, int timeout_ms);

/* Parsed serial settings (exposed for tests and docs). */
enum xport_parity { XPORT_PARITY_NONE, XPORT_PARITY_ODD, XPORT_PARITY_EVEN };
enum xport_flow { XPORT_FLOW_NONE, XPORT_FLOW_RTSCTS, XPORT_FLOW_XONXOFF };

struct xport_serial_cfg {
	char path[200];
	int baud;
	int bits; /* 5..8; POSNET uses 8 */
	enum xport_parity parity;
	int stop_bits; /* 1 or 2 */
	enum xport_flow flow;
};

/* Parse "PATH[:BAUD[:FRAMING[:FLOW]]]" into cfg, applying the defaults
 * above. Trailing fields are recognised by shape, so a path with colons
 * (/dev/serial/by-path/pci-0000:00:14.0-usb-0:1:1.0-port0) works. */
int xport_serial_parse(const char *target, struct xport_serial_cfg *cfg);
/* Parse "HOST:PORT" / "[V6]:PORT"; host must fit host_cap. */
int xport_tcp_parse(const char *target, char *host, size_t host_cap, int *port);

/* Bit times one byte costs on the line with this framing: start bit + data
 * bits + parity bit + stop bits (8N1 = 10, 8E1 = 11). */
int xport_serial_bits_per_byte(const struct xport_serial_cfg *cfg);

#endif
