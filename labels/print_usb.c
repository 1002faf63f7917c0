/* SPDX-License-Identifier: Apache-2.0 */
/* labels/print_usb.c - USB printer class over libusb, behind a bulk-transfer seam.
 *
 * The printer code (chunking, progress, timeouts, messages) talks to a
 * struct print_usb_ops; the real one below uses libusb, the tests give a fake
 * (no USB bus in CI; research/hands-on.md §6).
 *
 * libusb is initialised only when a USB printer is opened, so the rest of the
 * agent never touches the bus. With `usb_device` set (a /dev/bus/usb node) the
 * device is opened from its file descriptor with libusb_wrap_sys_device() and
 * LIBUSB_OPTION_NO_DEVICE_DISCOVERY: no bus scan at all, which is also what
 * makes libusb_init() return under qemu-user (it spins scanning otherwise).
 * CONTRACT-GUESS: libusb 1.0.26 applies an option set on the NULL context to
 * every context created later, so a process that opened a printer by device
 * node does not enumerate afterwards either; one label printer per station.
 */
#include "labels/print_usb.h"
#include "base/err.h"
#include "base/log.h"
#include "labels/print.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int print_usb_pick_endpoint(const struct libusb_config_descriptor *cfg, int *iface, int *alt,
			    uint8_t *ep_out)
{
	int best = -1;

	for (int i = 0; i < cfg->bNumInterfaces; i++) {
		const struct libusb_interface *in = &cfg->interface[i];
		for (int a = 0; a < in->num_altsetting; a++) {
			const struct libusb_interface_descriptor *d = &in->altsetting[a];
			if (d->bInterfaceClass != LIBUSB_CLASS_PRINTER ||
			    d->bInterfaceSubClass != 1)
				continue;
			if (d->bInterfaceProtocol < 1 || d->bInterfaceProtocol > 2)
				continue; /* 3 = IEEE 1284.4, not raw */
			for (int e = 0; e < d->bNumEndpoints; e++) {
				const struct libusb_endpoint_descriptor *ep = &d->endpoint[e];
				if ((ep->bmAttributes & LIBUSB_TRANSFER_TYPE_MASK) !=
					LIBUSB_TRANSFER_TYPE_BULK ||
				    (ep->bEndpointAddress & LIBUSB_ENDPOINT_DIR_MASK) !=
					LIBUSB_ENDPOINT_OUT)
					continue;
				if (d->bInterfaceProtocol > best) {
					best = d->bInterfaceProtocol;
					*iface = d->bInterfaceNumber;
					*alt = d->bAlternateSetting;
					*ep_out = ep->bEndpointAddress;
				}
				break;
			}
		}
	}
	return best < 0 ? -PL_ENOTFOUND : 0;
}

/* --- the libusb transport --- */

struct lu_handle {
	libusb_context *ctx;
	libusb_device_handle *h;
	int iface;
	int fd; /* the device node when opened by path, else -1 */
	bool claimed;
};

static int lu_err(int e)
{
	switch (e) {
	case LIBUSB_ERROR_TIMEOUT:
		return -PL_ETIMEDOUT;
	case LIBUSB_ERROR_NO_DEVICE:
	case LIBUSB_ERROR_NOT_FOUND:
		return -PL_ENOTFOUND;
	case LIBUSB_ERROR_NO_MEM:
		return -PL_ENOMEM;
	case LIBUSB_ERROR_IO:
		return -PL_EIO;
	default:
		return -PL_EDEVICE;
	}
}

/* usblp may own the interface; take it for the job, give it back on release.
 * Auto-detach is not supported everywhere (non-Linux, umockdev's emulated
 * usbdevfs) and there a claim with it on fails with LIBUSB_ERROR_OTHER or
 * NOT_SUPPORTED; so fall back to a plain claim, detaching by hand only when
 * the kernel says a driver is bound. */
static int lu_claim(libusb_device_handle *h, int iface)
{
	int r, active;

	r = libusb_set_auto_detach_kernel_driver(h, 1);
	if (r == LIBUSB_SUCCESS) {
		r = libusb_claim_interface(h, iface);
		if (r == LIBUSB_SUCCESS)
			return r;
		if (r != LIBUSB_ERROR_OTHER && r != LIBUSB_ERROR_NOT_SUPPORTED)
			return r;
		libusb_set_auto_detach_kernel_driver(h, 0);
	}
	active = libusb_kernel_driver_active(h, iface);
	if (active == 1) {
		r = libusb_detach_kernel_driver(h, iface);
		if (r != LIBUSB_SUCCESS && r != LIBUSB_ERROR_NOT_FOUND)
			return r;
	}
	return libusb_claim_interface(h, iface);
}

static void lu_close(void *handle)
{
	struct lu_handle *u = handle;

	if (!u)
		return;
	if (u->claimed)
		libusb_release_interface(u->h, u->iface);
	if (u->h)
		libusb_close(u->h);
	if (u->ctx)
		libusb_exit(u->ctx);
	if (u->fd >= 0)
		close(u->fd);
	free(u);
}

static int lu_open(void **handle, uint16_t vid, uint16_t pid, const char *devnode, uint8_t *ep_out,
		   char *msg, size_t msg_len)
{
	struct libusb_config_descriptor *cfg = NULL;
	struct libusb_device_descriptor dd;
	struct lu_handle *u;
	int r, alt = 0, rc;

	u = calloc(1, sizeof(*u));
	if (!u)
		return -PL_ENOMEM;
	u->fd = -1;
	if (devnode && devnode[0]) {
		r = libusb_set_option(NULL, LIBUSB_OPTION_NO_DEVICE_DISCOVERY);
		if (r != LIBUSB_SUCCESS)
			pl_warn("libusb: cannot turn off device discovery: %s",
				libusb_error_name(r));
	}
	r = libusb_init(&u->ctx);
	if (r != LIBUSB_SUCCESS) {
		u->ctx = NULL;
		print_msgf(msg, msg_len, "libusb: %s", libusb_error_name(r));
		rc = -PL_EDEVICE;
		goto out_close;
	}
	if (devnode && devnode[0]) {
		u->fd = open(devnode, O_RDWR | O_CLOEXEC);
		if (u->fd < 0) {
			print_msgf(msg, msg_len, "cannot open '%s': %s", devnode, strerror(errno));
			rc = errno == ENOENT ? -PL_ENOTFOUND : -PL_EDEVICE;
			goto out_close;
		}
		r = libusb_wrap_sys_device(u->ctx, (intptr_t)u->fd, &u->h);
	} else {
		u->h = libusb_open_device_with_vid_pid(u->ctx, vid, pid);
		r = u->h ? LIBUSB_SUCCESS : LIBUSB_ERROR_NOT_FOUND;
	}
	if (r != LIBUSB_SUCCESS || !u->h) {
		u->h = NULL;
		rc = r == LIBUSB_SUCCESS ? -PL_ENOTFOUND : lu_err(r);
		if (rc == -PL_ENOTFOUND)
			print_msgf(msg, msg_len, "USB printer %04x:%04x not found (%s)", vid, pid,
				   libusb_error_name(r));
		else
			print_msgf(msg, msg_len, "USB printer %04x:%04x: cannot open: %s", vid, pid,
				   libusb_error_name(r));
		goto out_close;
	}
	r = libusb_get_device_descriptor(libusb_get_device(u->h), &dd);
	if (r == LIBUSB_SUCCESS && (dd.idVendor != vid || dd.idProduct != pid)) {
		print_msgf(msg, msg_len, "'%s' is %04x:%04x, not the configured %04x:%04x",
			   devnode ? devnode : "device", dd.idVendor, dd.idProduct, vid, pid);
		rc = -PL_ENOTFOUND;
		goto out_close;
	}
	r = libusb_get_active_config_descriptor(libusb_get_device(u->h), &cfg);
	if (r != LIBUSB_SUCCESS) {
		print_msgf(msg, msg_len, "USB printer %04x:%04x: no configuration (%s)", vid, pid,
			   libusb_error_name(r));
		rc = lu_err(r);
		goto out_close;
	}
	rc = print_usb_pick_endpoint(cfg, &u->iface, &alt, ep_out);
	libusb_free_config_descriptor(cfg);
	if (rc) {
		print_msgf(msg, msg_len, "USB device %04x:%04x has no printer interface", vid, pid);
		goto out_close;
	}
	r = lu_claim(u->h, u->iface);
	if (r != LIBUSB_SUCCESS) {
		print_msgf(msg, msg_len, "USB printer %04x:%04x: cannot claim interface %d: %s",
			   vid, pid, u->iface, libusb_error_name(r));
		rc = lu_err(r);
		goto out_close;
	}
	u->claimed = true;
	if (alt > 0) {
		r = libusb_set_interface_alt_setting(u->h, u->iface, alt);
		if (r != LIBUSB_SUCCESS) {
			print_msgf(msg, msg_len, "USB printer %04x:%04x: alt setting %d: %s", vid,
				   pid, alt, libusb_error_name(r));
			rc = lu_err(r);
			goto out_close;
		}
	}
	*handle = u;
	return 0;
out_close:
	lu_close(u);
	return rc;
}

static int lu_bulk_out(void *handle, uint8_t ep_out, const uint8_t *data, size_t len, size_t *sent,
		       int timeout_ms)
{
	struct lu_handle *u = handle;
	int done = 0, r;

	*sent = 0;
	if (len > INT32_MAX)
		return -PL_EINVAL;
	r = libusb_bulk_transfer(u->h, ep_out, (unsigned char *)data, (int)len, &done,
				 (unsigned)timeout_ms);
	*sent = done > 0 ? (size_t)done : 0;
	if (r != LIBUSB_SUCCESS)
		pl_warn("libusb: bulk OUT to 0x%02x: %s after %d of %zu bytes", ep_out,
			libusb_error_name(r), done, len);
	if (r == LIBUSB_ERROR_PIPE) {
		/* A stalled endpoint: clear the halt once; the caller retries the rest. */
		libusb_clear_halt(u->h, ep_out);
	}
	return r == LIBUSB_SUCCESS ? 0 : lu_err(r);
}

const struct print_usb_ops print_usb_libusb = {
    .open = lu_open,
    .bulk_out = lu_bulk_out,
    .close = lu_close,
};

/* --- the printer --- */

struct usb_printer {
	struct printer base;
	const struct print_usb_ops *xo;
};

static int usb_open(struct printer **out, const struct print_cfg *cfg, char *msg, size_t msg_len)
{
	struct usb_printer *u;

	if (!cfg->usb_vid && !cfg->usb_pid) {
		print_msgf(msg, msg_len, "usb printer: VID:PID is needed (usb = 0a5f:00d3)");
		return -PL_ECONFIG;
	}
	u = calloc(1, sizeof(*u));
	if (!u)
		return -PL_ENOMEM;
	u->base.ops = &print_usb_ops_libusb;
	u->base.cfg = *cfg;
	u->xo = cfg->usb_ops ? cfg->usb_ops : &print_usb_libusb;
	*out = &u->base;
	return 0;
}

static void usb_close(struct printer *p)
{
	free(p);
}

/* The device is opened per job and released after it: a USB printer may be
 * unplugged and plugged again between parcels, and usblp gets it back. */
static int usb_submit(struct printer *p, const void *data, size_t len, struct print_job *job)
{
	struct usb_printer *u = (struct usb_printer *)p;
	const struct print_cfg *cfg = &p->cfg;
	const uint8_t *d = data;
	void *h = NULL;
	uint8_t ep = 0;
	size_t done = 0, sent, n;
	int rc, stalls = 0;

	memset(job, 0, sizeof(*job));
	print_msgf(job->id, sizeof(job->id), "usb:%04x:%04x", cfg->usb_vid, cfg->usb_pid);
	rc = u->xo->open(&h, cfg->usb_vid, cfg->usb_pid, cfg->usb_device, &ep, job->msg,
			 sizeof(job->msg));
	if (rc)
		return rc;
	while (done < len) {
		n = len - done < PRINT_USB_CHUNK ? len - done : PRINT_USB_CHUNK;
		sent = 0;
		rc = u->xo->bulk_out(h, ep, d + done, n, &sent, cfg->timeout_ms);
		if (sent > n)
			sent = n; /* a transport that over-reports must not move us past the end */
		done += sent;
		if (rc == 0 && sent == 0)
			rc = -PL_EDEVICE; /* no progress without an error: do not spin */
		if ((rc == -PL_EDEVICE || rc == -PL_EIO) && sent == 0 && ++stalls <= 1)
			continue; /* one retry after a stall cleared by the transport */
		if (rc)
			break;
	}
	if (rc) {
		print_msgf(job->msg, sizeof(job->msg),
			   "USB printer %04x:%04x: %s after %zu of %zu bytes", cfg->usb_vid,
			   cfg->usb_pid,
			   rc == -PL_ETIMEDOUT ? "not taking data (paper out, head open?)"
			   : rc == -PL_EIO     ? "transfer failed (I/O error)"
					       : "transfer failed",
			   done, len);
	} else {
		job->state = PRINT_COMPLETED;
	}
	u->xo->close(h);
	return rc;
}

const struct print_ops print_usb_ops_libusb = {
    .name = "usb",
    .open = usb_open,
    .close = usb_close,
    .submit = usb_submit,
    .wait = NULL,
};
