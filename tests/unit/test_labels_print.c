/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/test_labels_print.c - printers other than CUPS (that one has its own test with a
 * private cupsd: tests/sh/test_cups_labels.sh): the file printer, raw TCP 9100 against a local
 * listener, and the USB printer through a fake bulk-transfer layer (no USB bus here), plus the
 * pure choice of the printer interface and endpoint from USB descriptors.
 */
#include "base/buf.h"
#include "base/err.h"
#include "labels/print.h"
#include "labels/print_usb.h"
#include "tests/unit/check.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char label1[] = "^XA\r\n^CI28^FO10,10^A0N,30,30^FDZażółć ~ _5E^FS\r\n^XZ\r\n";
static const char label2[] = "^XA^FDsecond^FS^XZ";

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p = calloc(1, 1 << 20);
	size_t n = 0;

	if (f && p)
		n = fread(p, 1, (1 << 20) - 1, f);
	if (f)
		fclose(f);
	*len = n;
	return p;
}

static void test_file(void)
{
	char dir[] = "/tmp/test_labels_print.XXXXXX", path[300], msg[256];
	struct print_cfg cfg;
	struct printer *p = NULL;
	struct print_job job;
	size_t len;
	char *got;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/labels.zpl", dir);
	print_cfg_init(&cfg);
	cfg.type = PRINT_FILE;
	snprintf(cfg.file_path, sizeof(cfg.file_path), "%s", path);
	CHECK_OK(print_open(&p, &cfg, msg, sizeof(msg)));
	CHECK_OK(print_job_run(p, label1, strlen(label1), &job));
	CHECK_STR(job.id, "file:0");
	CHECK_INT(job.state, PRINT_COMPLETED);
	CHECK_OK(print_job_run(p, label2, strlen(label2), &job));
	snprintf(msg, sizeof(msg), "file:%zu", strlen(label1));
	CHECK_STR(job.id, msg);
	got = slurp(path, &len);
	CHECK_INT(len, strlen(label1) + strlen(label2));
	CHECK(memcmp(got, label1, strlen(label1)) == 0);
	CHECK(memcmp(got + strlen(label1), label2, strlen(label2)) == 0);
	free(got);
	print_close(p);
	/* a directory that is not there */
	snprintf(cfg.file_path, sizeof(cfg.file_path), "%s/no/such/dir/x.zpl", dir);
	CHECK_OK(print_open(&p, &cfg, msg, sizeof(msg)));
	CHECK_INT(print_submit(p, label1, strlen(label1), &job), -PL_ENOTFOUND);
	CHECK(strstr(job.msg, "cannot open") != NULL);
	print_close(p);
	/* no path configured */
	cfg.file_path[0] = '\0';
	CHECK_INT(print_open(&p, &cfg, msg, sizeof(msg)), -PL_ECONFIG);
	unlink(path);
	rmdir(dir);
}

/* --- a local 9100 listener --- */

struct listener {
	int fd;
	int port;
	bool read_nothing; /* accept and sit: the printer "stopped reading" */
	struct buf got;
	pthread_t th;
};

static void *listener_run(void *arg)
{
	struct listener *l = arg;
	char chunk[4096];
	ssize_t n;
	int c = accept(l->fd, NULL, NULL);

	if (c < 0)
		return NULL;
	if (l->read_nothing) {
		sleep(2);
		close(c);
		return NULL;
	}
	while ((n = read(c, chunk, sizeof(chunk))) > 0)
		buf_append(&l->got, chunk, (size_t)n);
	close(c); /* after the client's half-close: "printer read everything" */
	return NULL;
}

static int listener_start(struct listener *l, bool read_nothing)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);
	int small = 4096;

	memset(l, 0, sizeof(*l));
	buf_init(&l->got, 1 << 24);
	l->read_nothing = read_nothing;
	l->fd = socket(AF_INET, SOCK_STREAM, 0);
	if (read_nothing)
		setsockopt(l->fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	if (l->fd < 0 || bind(l->fd, (struct sockaddr *)&a, sizeof(a)) ||
	    getsockname(l->fd, (struct sockaddr *)&a, &al) || listen(l->fd, 1))
		return -1;
	l->port = ntohs(a.sin_port);
	return pthread_create(&l->th, NULL, listener_run, l);
}

static void listener_stop(struct listener *l)
{
	pthread_join(l->th, NULL);
	close(l->fd);
	buf_release(&l->got);
}

static void test_tcp(void)
{
	struct listener l;
	struct print_cfg cfg;
	struct printer *p = NULL;
	struct print_job job;
	char msg[256];
	int closed_port;

	print_cfg_init(&cfg);
	cfg.type = PRINT_TCP;
	snprintf(cfg.tcp_host, sizeof(cfg.tcp_host), "127.0.0.1");
	cfg.timeout_ms = 3000;

	/* the bytes arrive unchanged */
	CHECK_OK(listener_start(&l, false));
	cfg.tcp_port = l.port;
	CHECK_OK(print_open(&p, &cfg, msg, sizeof(msg)));
	CHECK_OK(print_job_run(p, label1, strlen(label1), &job));
	CHECK_INT(job.state, PRINT_COMPLETED);
	pthread_join(l.th, NULL);
	CHECK_INT(l.got.len, strlen(label1));
	CHECK(l.got.data && memcmp(l.got.data, label1, strlen(label1)) == 0);
	close(l.fd);
	buf_release(&l.got);
	print_close(p);

	CHECK_OK(listener_start(&l, false));
	cfg.tcp_port = l.port;
	CHECK_OK(print_open(&p, &cfg, msg, sizeof(msg)));
	{
		/* a big label (graphics): 1 MiB of every byte value */
		size_t big = 1 << 20;
		char *data = malloc(big);
		for (size_t i = 0; i < big; i++)
			data[i] = (char)(i * 131 + 7);
		CHECK_OK(print_submit(p, data, big, &job));
		CHECK_INT(job.state, PRINT_COMPLETED);
		pthread_join(l.th, NULL);
		CHECK_INT(l.got.len, big);
		CHECK(l.got.data && memcmp(l.got.data, data, big) == 0);
		close(l.fd);
		buf_release(&l.got);
		free(data);
	}
	snprintf(msg, sizeof(msg), "tcp:127.0.0.1:%d", l.port);
	CHECK_STR(job.id, msg);
	closed_port = l.port; /* nobody listens there any more */
	print_close(p);

	/* printer off: connection refused, a clear device error */
	cfg.tcp_port = closed_port;
	CHECK_OK(print_open(&p, &cfg, msg, sizeof(msg)));
	CHECK_INT(print_submit(p, label1, strlen(label1), &job), -PL_EDEVICE);
	CHECK(strstr(job.msg, "cannot connect to printer 127.0.0.1") != NULL);
	print_close(p);

	/* a printer that accepts and stops reading (paper out): bounded by the timeout */
	CHECK_OK(listener_start(&l, true));
	cfg.tcp_port = l.port;
	cfg.timeout_ms = 500;
	CHECK_OK(print_open(&p, &cfg, msg, sizeof(msg)));
	{
		size_t big = 64u << 20;
		char *data = calloc(1, big);
		CHECK_INT(print_submit(p, data, big, &job), -PL_ETIMEDOUT);
		CHECK(strstr(job.msg, "stopped reading after") != NULL);
		free(data);
	}
	print_close(p);
	listener_stop(&l);

	/* configuration */
	cfg.tcp_host[0] = '\0';
	CHECK_INT(print_open(&p, &cfg, msg, sizeof(msg)), -PL_ECONFIG);
}

/* --- USB through a fake bulk-transfer layer --- */

static struct {
	uint16_t vid, pid;
	char devnode[64];
	int opens, closes;
	bool absent;
	size_t max_per_call;  /* short transfers */
	size_t timeout_after; /* bytes after which the "printer" stops taking data */
	int stall_once;
	size_t biggest_call;
	uint8_t ep;
	struct buf got;
} fk;

static int fake_open(void **h, uint16_t vid, uint16_t pid, const char *devnode, uint8_t *ep,
		     char *msg, size_t len)
{
	fk.vid = vid;
	fk.pid = pid;
	snprintf(fk.devnode, sizeof(fk.devnode), "%s", devnode ? devnode : "");
	if (fk.absent) {
		snprintf(msg, len, "USB printer %04x:%04x not found", vid, pid);
		return -PL_ENOTFOUND;
	}
	fk.opens++;
	*ep = 0x02;
	*h = &fk;
	return 0;
}

static int fake_bulk(void *h, uint8_t ep, const uint8_t *data, size_t len, size_t *sent,
		     int timeout_ms)
{
	(void)h;
	(void)timeout_ms;
	fk.ep = ep;
	if (len > fk.biggest_call)
		fk.biggest_call = len;
	*sent = 0;
	if (fk.stall_once) {
		fk.stall_once = 0;
		return -PL_EDEVICE;
	}
	if (fk.max_per_call && len > fk.max_per_call)
		len = fk.max_per_call;
	if (fk.timeout_after && fk.got.len + len > fk.timeout_after) {
		len = fk.timeout_after - fk.got.len;
		buf_append(&fk.got, data, len);
		*sent = len;
		return -PL_ETIMEDOUT;
	}
	buf_append(&fk.got, data, len);
	*sent = len;
	return 0;
}

static void fake_close(void *h)
{
	(void)h;
	fk.closes++;
}

static const struct print_usb_ops fake_usb = {
    .open = fake_open,
    .bulk_out = fake_bulk,
    .close = fake_close,
};

static void fk_reset(void)
{
	buf_release(&fk.got);
	memset(&fk, 0, sizeof(fk));
	buf_init(&fk.got, 1 << 24);
}

static void test_usb(void)
{
	struct print_cfg cfg;
	struct printer *p = NULL;
	struct print_job job;
	char msg[256];
	size_t big = 100000;
	char *data = malloc(big);

	for (size_t i = 0; i < big; i++)
		data[i] = (char)(i % 251);
	print_cfg_init(&cfg);
	cfg.type = PRINT_USB;
	cfg.usb_vid = 0x0a5f;
	cfg.usb_pid = 0x00d3;
	cfg.usb_ops = &fake_usb;

	/* the bytes arrive unchanged, in chunks no bigger than PRINT_USB_CHUNK, on the bulk OUT
	 * endpoint the transport found; the device is released after the job */
	fk_reset();
	CHECK_OK(print_open(&p, &cfg, msg, sizeof(msg)));
	CHECK_OK(print_job_run(p, data, big, &job));
	CHECK_INT(job.state, PRINT_COMPLETED);
	CHECK_STR(job.id, "usb:0a5f:00d3");
	CHECK_INT(fk.vid, 0x0a5f);
	CHECK_INT(fk.pid, 0x00d3);
	CHECK_INT(fk.ep, 0x02);
	CHECK_INT(fk.got.len, big);
	CHECK(memcmp(fk.got.data, data, big) == 0);
	CHECK(fk.biggest_call <= PRINT_USB_CHUNK);
	CHECK_INT(fk.opens, 1);
	CHECK_INT(fk.closes, 1);

	/* short transfers: the rest is sent on */
	fk_reset();
	fk.max_per_call = 777;
	CHECK_OK(print_submit(p, data, big, &job));
	CHECK_INT(fk.got.len, big);
	CHECK(memcmp(fk.got.data, data, big) == 0);

	/* a stalled endpoint once (cleared by the transport): one retry, then on */
	fk_reset();
	fk.stall_once = 1;
	CHECK_OK(print_submit(p, label1, strlen(label1), &job));
	CHECK_INT(fk.got.len, strlen(label1));

	/* the printer stops taking data (paper out): timeout, how far it got */
	fk_reset();
	fk.timeout_after = 40000;
	CHECK_INT(print_submit(p, data, big, &job), -PL_ETIMEDOUT);
	CHECK(strstr(job.msg, "not taking data") && strstr(job.msg, "after 40000 of 100000"));
	CHECK_INT(fk.closes, 1);

	/* unplugged */
	fk_reset();
	fk.absent = true;
	CHECK_INT(print_submit(p, label1, strlen(label1), &job), -PL_ENOTFOUND);
	CHECK(strstr(job.msg, "0a5f:00d3 not found") != NULL);
	print_close(p);

	/* a device node is handed to the transport (opened without bus enumeration) */
	fk_reset();
	snprintf(cfg.usb_device, sizeof(cfg.usb_device), "/dev/bus/usb/001/002");
	CHECK_OK(print_open(&p, &cfg, msg, sizeof(msg)));
	CHECK_OK(print_submit(p, label2, strlen(label2), &job));
	CHECK_STR(fk.devnode, "/dev/bus/usb/001/002");
	print_close(p);

	cfg.usb_vid = cfg.usb_pid = 0;
	CHECK_INT(print_open(&p, &cfg, msg, sizeof(msg)), -PL_ECONFIG);
	fk_reset();
	buf_release(&fk.got);
	free(data);
}

/* Endpoint choice from descriptors as libusb returns them. */
static void test_pick_endpoint(void)
{
	struct libusb_endpoint_descriptor hid_ep[] = {
	    {.bEndpointAddress = 0x81, .bmAttributes = LIBUSB_TRANSFER_TYPE_INTERRUPT}};
	struct libusb_endpoint_descriptor uni_ep[] = {
	    {.bEndpointAddress = 0x01, .bmAttributes = LIBUSB_TRANSFER_TYPE_BULK}};
	struct libusb_endpoint_descriptor bi_ep[] = {
	    {.bEndpointAddress = 0x83, .bmAttributes = LIBUSB_TRANSFER_TYPE_BULK},
	    {.bEndpointAddress = 0x03, .bmAttributes = LIBUSB_TRANSFER_TYPE_BULK}};
	struct libusb_interface_descriptor hid = {.bInterfaceNumber = 0,
						  .bInterfaceClass = LIBUSB_CLASS_HID,
						  .bNumEndpoints = 1,
						  .endpoint = hid_ep};
	struct libusb_interface_descriptor prn[2] = {
	    {.bInterfaceNumber = 1,
	     .bAlternateSetting = 0,
	     .bInterfaceClass = LIBUSB_CLASS_PRINTER,
	     .bInterfaceSubClass = 1,
	     .bInterfaceProtocol = 1,
	     .bNumEndpoints = 1,
	     .endpoint = uni_ep},
	    {.bInterfaceNumber = 1,
	     .bAlternateSetting = 1,
	     .bInterfaceClass = LIBUSB_CLASS_PRINTER,
	     .bInterfaceSubClass = 1,
	     .bInterfaceProtocol = 2,
	     .bNumEndpoints = 2,
	     .endpoint = bi_ep},
	};
	struct libusb_interface ifs[2] = {{.altsetting = &hid, .num_altsetting = 1},
					  {.altsetting = prn, .num_altsetting = 2}};
	struct libusb_config_descriptor cfgd = {.bNumInterfaces = 2, .interface = ifs};
	int iface = -1, alt = -1;
	uint8_t ep = 0;

	/* bidirectional (protocol 2) preferred; its OUT endpoint, not the IN one */
	CHECK_OK(print_usb_pick_endpoint(&cfgd, &iface, &alt, &ep));
	CHECK_INT(iface, 1);
	CHECK_INT(alt, 1);
	CHECK_INT(ep, 0x03);
	/* only the unidirectional one */
	ifs[1].num_altsetting = 1;
	CHECK_OK(print_usb_pick_endpoint(&cfgd, &iface, &alt, &ep));
	CHECK_INT(alt, 0);
	CHECK_INT(ep, 0x01);
	/* no printer interface at all */
	cfgd.bNumInterfaces = 1;
	CHECK_INT(print_usb_pick_endpoint(&cfgd, &iface, &alt, &ep), -PL_ENOTFOUND);
}

static void test_names(void)
{
	enum print_type t;

	CHECK_OK(print_type_parse("cups", &t));
	CHECK_INT(t, PRINT_CUPS);
	CHECK_OK(print_type_parse("usb", &t));
	CHECK_INT(t, PRINT_USB);
	CHECK_INT(print_type_parse("lpt", &t), -PL_EINVAL);
	CHECK_STR(print_type_name(PRINT_TCP), "tcp");
	CHECK_STR(print_state_name(PRINT_ABORTED), "aborted");
}

int main(void)
{
	test_names();
	test_file();
	test_tcp();
	test_usb();
	test_pick_endpoint();
	return check_done("test_labels_print");
}
