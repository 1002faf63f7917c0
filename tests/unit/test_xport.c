/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/test_xport.c - transports against real pseudo-terminals and TCP sockets.
 *
 * Serial: an openpty() pair, the slave opened through libserialport with the
 * "/dev/../../..<tmp>/link" name trick and the ptyshim LD_PRELOAD shim
 * (research/hands-on.md §2); the test re-executes itself with the shim
 * preloaded. Line settings are read back from the pty's termios, so they
 * prove the libserialport calls (not the wire: a pty has no baud rate).
 * TCP: a listening socket on 127.0.0.1 in this process.
 * The kill knob: a child with PL_TEST_DIE_AFTER_FRAMES=2 must die by SIGKILL
 * with exactly two frames delivered.
 */
#include "base/err.h"
#include "base/log.h"
#include "drivers/xport.h"
#include "tests/unit/check.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#ifndef PTYSHIM_PATH
#define PTYSHIM_PATH ""
#endif

static char tmpdir[256];

/* Read exactly n bytes from fd within ~2 s; returns bytes read. */
static size_t read_n(int fd, void *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		ssize_t r;

		if (poll(&p, 1, 2000) <= 0)
			break;
		r = read(fd, (char *)buf + got, n - got);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	return got;
}

static void test_parse(void)
{
	struct xport_serial_cfg c;
	char host[64];
	int port = 0;

	CHECK_OK(xport_serial_parse("/dev/ttyUSB0:9600:8N1:none", &c));
	CHECK_STR(c.path, "/dev/ttyUSB0");
	CHECK_INT(c.baud, 9600);
	CHECK_INT(c.bits, 8);
	CHECK_INT(c.parity, XPORT_PARITY_NONE);
	CHECK_INT(c.stop_bits, 1);
	CHECK_INT(c.flow, XPORT_FLOW_NONE);
	CHECK_INT(xport_serial_bits_per_byte(&c), 10);

	CHECK_OK(xport_serial_parse("/dev/ttyS0:1200:8E2:rtscts", &c));
	CHECK_INT(c.baud, 1200);
	CHECK_INT(c.parity, XPORT_PARITY_EVEN);
	CHECK_INT(c.stop_bits, 2);
	CHECK_INT(c.flow, XPORT_FLOW_RTSCTS);
	CHECK_INT(xport_serial_bits_per_byte(&c), 12);

	/* defaults: COM port 115200 8N1 XON/XOFF, CDC no handshake */
	CHECK_OK(xport_serial_parse("/dev/ttyS1", &c));
	CHECK_INT(c.baud, 115200);
	CHECK_INT(c.flow, XPORT_FLOW_XONXOFF);
	CHECK_OK(xport_serial_parse("/dev/ttyACM0", &c));
	CHECK_INT(c.flow, XPORT_FLOW_NONE);
	CHECK_OK(xport_serial_parse("/dev/serial/by-id/usb-Posnet_Thermal_HD-if00:115200", &c));
	CHECK_STR(c.path, "/dev/serial/by-id/usb-Posnet_Thermal_HD-if00");
	CHECK_INT(c.flow, XPORT_FLOW_NONE);
	/* by-path names hold colons: only well-formed trailing fields are peeled */
	CHECK_OK(xport_serial_parse("/dev/serial/by-path/pci-0000:00:14.0-usb-0:1:1.0-port0:"
				    "19200:8O1:xonxoff",
				    &c));
	CHECK_STR(c.path, "/dev/serial/by-path/pci-0000:00:14.0-usb-0:1:1.0-port0");
	CHECK_INT(c.baud, 19200);
	CHECK_INT(c.parity, XPORT_PARITY_ODD);
	CHECK_INT(c.flow, XPORT_FLOW_XONXOFF);
	/* only the flow given */
	CHECK_OK(xport_serial_parse("/dev/ttyUSB1:xonxoff", &c));
	CHECK_INT(c.baud, 115200);
	CHECK_INT(c.flow, XPORT_FLOW_XONXOFF);

	CHECK_INT(xport_serial_parse("/dev/ttyUSB0:9601", &c), -PL_EINVAL);
	CHECK_INT(xport_serial_parse("ttyUSB0:9600", &c), -PL_EINVAL);
	CHECK_INT(xport_serial_parse("", &c), -PL_EINVAL);

	CHECK_OK(xport_tcp_parse("192.168.1.50:6666", host, sizeof(host), &port));
	CHECK_STR(host, "192.168.1.50");
	CHECK_INT(port, 6666);
	CHECK_OK(xport_tcp_parse("[::1]:6666", host, sizeof(host), &port));
	CHECK_STR(host, "::1");
	CHECK_INT(xport_tcp_parse("host", host, sizeof(host), &port), -PL_EINVAL);
	CHECK_INT(xport_tcp_parse("host:0", host, sizeof(host), &port), -PL_EINVAL);
	CHECK_INT(xport_tcp_parse("host:99999", host, sizeof(host), &port), -PL_EINVAL);
	CHECK_INT(xport_tcp_parse("::1:80", host, sizeof(host), &port), -PL_EINVAL);

	struct xport *x = NULL;
	CHECK_INT(xport_open(&x, "carrier-pigeon:1"), -PL_EINVAL);
	CHECK_INT(xport_open(&x, "nonsense"), -PL_EINVAL);
	CHECK(x == NULL);
}

/* One pty pair; the slave is reachable as the returned /dev/../../.. name. */
static int make_pty(int *master, char *name, size_t cap)
{
	char slave[128], link[300];
	int s;

	if (openpty(master, &s, slave, NULL, NULL) < 0)
		return -1;
	close(s); /* libserialport opens its own fd */
	snprintf(link, sizeof(link), "%s/ptyslave", tmpdir);
	unlink(link);
	if (symlink(slave, link) < 0)
		return -1;
	snprintf(name, cap, "/dev/../../..%s", link);
	return 0;
}

static void test_serial_settings(int baud, const char *framing, const char *flow)
{
	char name[400], target[512];
	struct termios tio;
	struct xport *x = NULL;
	int m, rc;

	CHECK_INT(make_pty(&m, name, sizeof(name)), 0);
	snprintf(target, sizeof(target), "serial:%s:%d:%s:%s", name, baud, framing, flow);
	rc = xport_open(&x, target);
	CHECK_OK(rc);
	if (rc == 0) {
		CHECK_INT(tcgetattr(m, &tio), 0); /* a master reports its slave's termios */
		CHECK_INT(cfgetospeed(&tio), baud == 9600     ? B9600
					     : baud == 115200 ? B115200
							      : B1200);
		CHECK_INT((tio.c_cflag & CSIZE), CS8);
		/* The pty keeps the speed, CSIZE, CSTOPB and the input flags but
		 * clears PARENB/PARODD/CRTSCTS (no hardware behind it), so parity
		 * and RTS/CTS are only proven to be accepted, not read back. */
		CHECK_INT(!!(tio.c_cflag & CSTOPB), framing[2] == '2');
		if (framing[1] == 'N')
			CHECK_INT(!!(tio.c_cflag & PARENB), 0);
		CHECK_INT(!!(tio.c_iflag & IXON), strcmp(flow, "xonxoff") == 0);
		xport_close(x);
	}
	close(m);
}

static void test_serial_io(int baud)
{
	char name[400], target[512], buf[256];
	const char frame[] = "\x02trinit\tbm0\t#4825\x03";
	struct xport *x = NULL;
	int m, bits = 0, fd;
	ssize_t n;

	CHECK_INT(make_pty(&m, name, sizeof(name)), 0);
	snprintf(target, sizeof(target), "%s:%d:8N1:none", name, baud); /* bare /dev path */
	CHECK_OK(xport_open(&x, target));
	if (!x) {
		close(m);
		return;
	}
	/* DTR is asserted: the shim keeps the modem bits libserialport set */
	fd = open(name, O_RDWR | O_NOCTTY);
	CHECK(fd >= 0);
	if (fd >= 0) {
		CHECK_INT(ioctl(fd, TIOCMGET, &bits), 0);
		CHECK(bits & TIOCM_DTR);
		close(fd);
	}

	/* host -> device */
	CHECK_OK(xport_send(x, frame, sizeof(frame) - 1, 1000));
	CHECK_INT(read_n(m, buf, sizeof(frame) - 1), sizeof(frame) - 1);
	CHECK(memcmp(buf, frame, sizeof(frame) - 1) == 0);
	CHECK_INT(x->stats.frames_sent, 1);

	/* device -> host, in two pieces: recv hands up what is there */
	CHECK_INT(write(m, "\x02trinit\t", 8), 8);
	n = xport_recv(x, buf, sizeof(buf), 1000);
	CHECK(n > 0 && n <= 8);
	CHECK_INT(write(m, "#911D\x03", 6), 6);
	usleep(20000);
	n = xport_recv(x, buf, sizeof(buf), 1000);
	CHECK(n > 0);

	/* a late reply is discarded by flush_input */
	CHECK_INT(write(m, "\x02late\t#0000\x03", 12), 12);
	usleep(20000);
	CHECK_OK(xport_flush_input(x));
	CHECK_INT(xport_recv(x, buf, sizeof(buf), 50), -PL_ETIMEDOUT);

	/* 0xFF and CP1250 bytes pass unchanged (raw mode, no XON/XOFF here) */
	{
		unsigned char all[256];
		for (int i = 0; i < 256; i++)
			all[i] = (unsigned char)i;
		CHECK_OK(xport_send(x, all, sizeof(all), 1000));
		CHECK_INT(read_n(m, buf, sizeof(all)), sizeof(all));
		CHECK(memcmp(buf, all, sizeof(all)) == 0);
	}

	/* the far end goes away: EIO, not a hang */
	close(m);
	n = xport_recv(x, buf, sizeof(buf), 1000);
	CHECK(n == -PL_EIO || n == -PL_ETIMEDOUT);
	xport_close(x);
}

static int listen_local(int *port)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 4) < 0)
		return -1;
	getsockname(fd, (struct sockaddr *)&a, &len);
	*port = ntohs(a.sin_port);
	return fd;
}

static void test_tcp(void)
{
	char target[64], buf[128];
	struct xport *x = NULL;
	int lfd, port, c;
	ssize_t n;

	lfd = listen_local(&port);
	CHECK(lfd >= 0);
	snprintf(target, sizeof(target), "tcp:127.0.0.1:%d", port);
	CHECK_OK(xport_open(&x, target));
	c = accept(lfd, NULL, NULL);
	CHECK(c >= 0);
	if (!x || c < 0)
		return;
	CHECK_OK(xport_send(x, "\x02scnt\t#E484\x03", 12, 1000));
	CHECK_INT(read_n(c, buf, 12), 12);
	CHECK(memcmp(buf, "\x02scnt\t#E484\x03", 12) == 0);
	CHECK_INT(write(c, "\x02scnt\trd4\t", 10), 10);
	n = xport_recv(x, buf, sizeof(buf), 1000);
	CHECK(n > 0);
	CHECK_INT(xport_recv(x, buf, sizeof(buf), 30), -PL_ETIMEDOUT);
	CHECK_INT(write(c, "stale", 5), 5);
	usleep(20000);
	CHECK_OK(xport_flush_input(x));
	CHECK_INT(xport_recv(x, buf, sizeof(buf), 30), -PL_ETIMEDOUT);
	close(c);
	CHECK_INT(xport_recv(x, buf, sizeof(buf), 1000), -PL_EIO);
	xport_close(x);

	/* nobody listening: a prompt error, not a hang */
	close(lfd);
	x = NULL;
	CHECK(xport_open(&x, target) < 0);
	CHECK(x == NULL);
}

/* Child of test_die_knob(): send three frames to the port in argv. */
static int die_child(const char *port)
{
	char target[64];
	struct xport *x = NULL;

	snprintf(target, sizeof(target), "tcp:127.0.0.1:%s", port);
	if (xport_open(&x, target) < 0)
		return 3;
	for (int i = 0; i < 3; i++) {
		char f[16];
		int len = snprintf(f, sizeof(f),
				   "\x02"
				   "f%d\t#0000\x03",
				   i);
		if (xport_send(x, f, (size_t)len, 1000) < 0)
			return 4;
	}
	xport_close(x);
	return 0; /* the knob failed: the parent sees three frames */
}

static void test_die_knob(const char *self)
{
	char portstr[16], buf[256];
	int lfd, port, c, status = 0;
	size_t got = 0;
	pid_t pid;

	lfd = listen_local(&port);
	CHECK(lfd >= 0);
	snprintf(portstr, sizeof(portstr), "%d", port);
	pid = fork();
	if (pid == 0) {
		setenv("PL_TEST_DIE_AFTER_FRAMES", "2", 1);
		execl(self, self, "die-child", portstr, (char *)NULL);
		_exit(127);
	}
	c = accept(lfd, NULL, NULL);
	for (;;) {
		ssize_t r = read(c, buf + got, sizeof(buf) - got);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	waitpid(pid, &status, 0);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	CHECK_INT(got, 2 * 10);
	CHECK(memcmp(buf,
		     "\x02"
		     "f0\t#0000\x03\x02"
		     "f1\t#0000\x03",
		     20) == 0);
	close(c);
	close(lfd);
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "die-child") == 0)
		return die_child(argv[2]);
	/* Re-execute with the pty shim preloaded (ASan must tolerate not being first). */
	if (!getenv("PL_PTYSHIM_ACTIVE") && PTYSHIM_PATH[0]) {
		const char *asan = getenv("ASAN_OPTIONS");
		char opts[512];

		snprintf(opts, sizeof(opts), "%s%sverify_asan_link_order=0", asan ? asan : "",
			 asan ? ":" : "");
		setenv("ASAN_OPTIONS", opts, 1);
		setenv("LD_PRELOAD", PTYSHIM_PATH, 1);
		setenv("PL_PTYSHIM_ACTIVE", "1", 1);
		execv("/proc/self/exe", argv);
		perror("execv");
		return 1;
	}
	pl_log_set_level(getenv("PL_DEBUG") ? PL_LOG_DEBUG : PL_LOG_ERROR);
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_xport.XXXXXX");
	if (!mkdtemp(tmpdir))
		return 1;

	test_parse();
	test_serial_settings(9600, "8N1", "none");
	test_serial_settings(115200, "8N1", "xonxoff");
	/* 8E1 cannot be opened on a pty: the kernel clears PARENB, and
	 * libserialport's read-back of the even-parity setting then fails. */
	test_serial_settings(1200, "8N2", "rtscts");
	test_serial_settings(9600, "8O1", "none");
	test_serial_io(9600);
	test_serial_io(115200);
	test_tcp();
	test_die_knob("/proc/self/exe");

	{
		char link[300];
		snprintf(link, sizeof(link), "%s/ptyslave", tmpdir);
		unlink(link);
		rmdir(tmpdir);
	}
	return check_done("test_xport");
}
