/* SPDX-License-Identifier: Apache-2.0 */
/* labels/print.h - one interface for every way a label reaches a printer.
 *
 * A backend is chosen by name from the configuration ([label] printer = ...):
 *   "cups"  libcups: a raw job to a named queue on a configured server; the
 *           job id is kept and its state followed until completed or aborted;
 *   "tcp"   raw TCP to the printer's port 9100 (AppSocket/JetDirect);
 *   "usb"   USB printer class through libusb (device by VID:PID, bulk OUT);
 *   "file"  appends every job to a file (demo and tests).
 *
 * A print is two steps so that the caller can journal the job id between
 * them: print_submit() hands the bytes over and returns when the printer side
 * has ACCEPTED them (CUPS: the job exists and holds the document; tcp/usb/file:
 * every byte written); print_wait() follows the job to its end. Backends that
 * cannot follow a job (tcp, usb, file) finish in submit and report
 * PRINT_COMPLETED there; their wait slot is NULL.
 *
 * Errors: -PL_ENOTFOUND a missing queue/device; -PL_EDEVICE the printer
 * refused or failed (stopped queue, aborted job, I/O error, no paper...);
 * -PL_ETIMEDOUT no answer in time; -PL_EIO a transport error before anything
 * was accepted. The message for the operator is in job->msg.
 *
 * Ownership: print_open() returns a printer freed with print_close().
 */
#ifndef PL_LABELS_PRINT_H
#define PL_LABELS_PRINT_H

#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PRINT_MSG_LEN 256

enum print_type { PRINT_CUPS, PRINT_TCP, PRINT_USB, PRINT_FILE, PRINT_TYPE_COUNT };

struct print_usb_ops;

/* Settings of every backend; only the chosen backend's fields are read. */
struct print_cfg {
	enum print_type type;
	int timeout_ms; /* per call to the printer side; default 10000 */
	/* cups */
	char cups_server[256]; /* "127.0.0.1:631", "/run/cups/cups.sock"; "" = libcups default */
	char cups_queue[128];
	int cups_wait_ms; /* how long print_wait() follows a job; default 30000 */
	/* tcp */
	char tcp_host[256];
	int tcp_port; /* default 9100 */
	/* usb */
	uint16_t usb_vid, usb_pid;
	char usb_device[256]; /* optional "/dev/bus/usb/001/002": open without enumeration */
	const struct print_usb_ops *usb_ops; /* NULL = libusb; tests substitute a fake */
	/* file */
	char file_path[1024];
};

enum print_state {
	PRINT_NONE,       /* nothing handed over */
	PRINT_ACCEPTED,   /* handed over, not yet known to be printed */
	PRINT_PENDING,    /* waiting in the queue */
	PRINT_PROCESSING, /* being sent to the device */
	PRINT_COMPLETED,
	PRINT_ABORTED, /* the printer side gave up (backend failure) */
	PRINT_CANCELLED,
	PRINT_STATE_COUNT
};

struct print_job {
	/* In: a name unique to this attempt, given to the job where the printer side
	 * keeps names (CUPS job-name), so that print_find() can tell whether an
	 * interrupted submit was accepted; "" = "packline label". Kept by submit. */
	char name[64];
	char id[320]; /* "cups:zebra-17", "tcp:10.0.0.7:9100", "file:/x@1234" */
	int cups_id;  /* CUPS job id, 0 for other backends */
	enum print_state state;
	char msg[PRINT_MSG_LEN]; /* the printer side's words about a failure */
};

struct printer;

/* Backend contract. name, open, close, submit are mandatory; wait is optional. */
struct print_ops {
	const char *name; /* "cups", "tcp", "usb", "file": matches the configuration */
	/* Check the settings and prepare; may contact the printer side (CUPS
	 * checks that the queue exists). 0 or -PL_E*. */
	int (*open)(struct printer **out, const struct print_cfg *cfg, char *msg, size_t msg_len);
	/* Free everything; accepts a half-open printer. */
	void (*close)(struct printer *p);
	/* Hand `len` bytes over as one job; fill job (id, state). */
	int (*submit)(struct printer *p, const void *data, size_t len, struct print_job *job);
	/* Optional. Follow the job until it completes (0) or fails (-PL_EDEVICE
	 * with job->msg) or `timeout_ms` passes (-PL_ETIMEDOUT; the job may still
	 * print). On failure, a job the printer side would keep and print later
	 * (held on a stopped queue) is cancelled, so that the journal's reprint is
	 * the only way the label gets printed. */
	int (*wait)(struct printer *p, struct print_job *job, int timeout_ms);
	/* Optional. The newest job named job->name on the printer side: 0 with
	 * job (id, cups_id, state) filled, -PL_ENOTFOUND when there is none, or an
	 * error when the printer side cannot be asked. */
	int (*find)(struct printer *p, struct print_job *job);
};

struct printer {
	const struct print_ops *ops; /* must be first */
	struct print_cfg cfg;
};

/* CUPS in this process (loads libcups here: tests and the print sidecar). */
extern const struct print_ops print_cups_ops;
/* CUPS run in the print sidecar (labels/print_sidecar.c): what print_open()
 * uses for "cups", so that the agent never loads libcups itself. */
extern const struct print_ops print_sidecar_ops;
/* The print sidecar's process id, 0 when it is not running (tests, status). */
long print_sidecar_pid(void);
extern const struct print_ops print_tcp_ops;
extern const struct print_ops print_usb_ops_libusb;
extern const struct print_ops print_file_ops;

const char *print_type_name(enum print_type t);
int print_type_parse(const char *s, enum print_type *out);
const char *print_state_name(enum print_state s);

/* Defaults for every field (timeouts, port 9100). */
void print_cfg_init(struct print_cfg *cfg);

/* Open the backend named by cfg->type. msg gets the reason on failure. */
int print_open(struct printer **out, const struct print_cfg *cfg, char *msg, size_t msg_len);

static inline void print_close(struct printer *p)
{
	if (p)
		p->ops->close(p);
}

static inline int print_submit(struct printer *p, const void *data, size_t len,
			       struct print_job *job)
{
	return p->ops->submit(p, data, len, job);
}

/* Follow a submitted job; backends without the slot are complete already. */
static inline int print_wait(struct printer *p, struct print_job *job, int timeout_ms)
{
	if (!p->ops->wait)
		return job->state == PRINT_COMPLETED ? 0 : -PL_ESTATE;
	return p->ops->wait(p, job, timeout_ms);
}

/* Look for the job named job->name (see print_ops.find); -PL_ENOTSUP for
 * backends that keep no names (tcp, usb, file: their submit is complete). */
static inline int print_find(struct printer *p, struct print_job *job)
{
	return p->ops->find ? p->ops->find(p, job) : -PL_ENOTSUP;
}
/* snprintf for messages and ids: truncation is accepted (a long host name
 * shortens the message, nothing more). A function, not a macro, so the
 * compiler's truncation warnings stay on for real buffers elsewhere. */
void print_msgf(char *dst, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Submit then wait (cfg cups_wait_ms). */
int print_job_run(struct printer *p, const void *data, size_t len, struct print_job *job);

/* --- USB transport seam --- */

/* The bulk-transfer layer under the USB printer. The real one is libusb; the
 * tests put a fake here (there is no USB bus in CI). */
struct print_usb_ops {
	/* Open the printer-class interface of device vid:pid (or `devnode` when
	 * not empty, without enumerating the bus) and find its bulk OUT
	 * endpoint. *handle is the transport's own; 0, -PL_ENOTFOUND, -PL_EDEVICE. */
	int (*open)(void **handle, uint16_t vid, uint16_t pid, const char *devnode, uint8_t *ep_out,
		    char *msg, size_t msg_len);
	/* Write up to len bytes to ep_out; *sent gets what went out (also on
	 * a timeout). 0, -PL_ETIMEDOUT, -PL_EDEVICE. */
	int (*bulk_out)(void *handle, uint8_t ep_out, const uint8_t *data, size_t len, size_t *sent,
			int timeout_ms);
	void (*close)(void *handle);
};

extern const struct print_usb_ops print_usb_libusb;

/* Bytes per bulk OUT transfer: a Zebra takes 64-byte packets; libusb splits,
 * we keep each transfer short so a timeout loses little progress. */
#define PRINT_USB_CHUNK 16384

#endif
