/* SPDX-License-Identifier: Apache-2.0 */
/* labels/print_usb.h - the USB printer's libusb-facing pieces, for tests.
 *
 * print_usb_pick_endpoint() is the pure part of opening a USB printer: given
 * the active configuration descriptor it chooses the printer-class interface
 * (class 7, subclass 1) and its bulk OUT endpoint. Protocol 2 (bidirectional)
 * is preferred over 1 (unidirectional), like CUPS's usb-libusb backend.
 */
#ifndef PL_LABELS_PRINT_USB_H
#define PL_LABELS_PRINT_USB_H

#include <libusb.h>
#include <stdint.h>

/* 0 and the choice, or -PL_ENOTFOUND when no printer interface has a bulk OUT. */
int print_usb_pick_endpoint(const struct libusb_config_descriptor *cfg, int *iface, int *alt,
			    uint8_t *ep_out);

#endif
