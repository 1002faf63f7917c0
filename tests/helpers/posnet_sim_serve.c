/* SPDX-License-Identifier: Apache-2.0 */
/* tests/helpers/posnet_sim_serve.c - serve the POSNET simulator in its own process.
 *
 * TEST HELPER. The kill test, the pty/TCP driver tests and the benchmark
 * need the simulated printer in a separate process, so that its counters
 * and paper survive when the printing process is killed.
 *
 *   posnet_sim_serve (--tcp PORTFILE | --pty LINK) [--paper FILE] [--status FILE]
 *                    [--baud N] [--fault SPEC]... [--paper-back-ms MS]
 *
 *   --tcp PORTFILE  listen on 127.0.0.1 (ephemeral port), write the port to
 *                   PORTFILE; one client at a time, the next one is
 *                   accepted when the previous one goes away
 *   --pty LINK      openpty(), symlink LINK -> the slave; a client closing
 *                   the slave (or being killed) is waited out
 *   --paper FILE    append what the printer prints (posnet_sim_paper format)
 *   --status FILE   rewrite "rd hn bn bt bc di open footer" after each change
 *   --baud N        pace like an 8N1 line: a frame reaches the simulator
 *                   len x 10 / N s after its bytes arrive, replies leave at
 *                   the same rate
 *   --fault SPEC    posnet_sim_fault_parse() syntax, repeatable
 *   --paper-back-ms when a paper-out fault fired, put paper back after MS
 *                   (default 400): the operator changing the roll
 * Runs until SIGTERM/SIGINT; the paper and status files are written as it
 * goes, so a SIGKILL of the helper loses nothing either.
 */
#include "base/buf.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "fiscal/posnet_sim.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t serve_stop;

static void serve_on_signal(int sig)
{
	(void)sig;
	serve_stop = 1;
}

struct serve {
	struct posnet_sim *sim;
	const char *paper_path, *status_path;
	int baud;
	int paper_back_ms;
	int64_t paper_out_since;
	int64_t line_free_at_us; /* pacing: when the host->device line is free */
	int64_t out_free_at_us;  /* pacing: when the device->host line is free */
	uint64_t gen;
};

static int64_t serve_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void serve_sleep_until_us(int64_t t)
{
	for (;;) {
		int64_t left = t - serve_now_us();
		struct timespec ts;

		if (left <= 0)
			return;
		ts.tv_sec = (time_t)(left / 1000000);
		ts.tv_nsec = (long)(left % 1000000) * 1000;
		nanosleep(&ts, NULL);
	}
}

static int64_t serve_wire_us(const struct serve *s, size_t n)
{
	return s->baud > 0 ? (int64_t)n * 10 * 1000000 / s->baud : 0;
}

static void serve_persist(struct serve *s)
{
	size_t len = 0;
	const char *p = posnet_sim_paper(s->sim, &len);

	if (len > 0 && s->paper_path) {
		FILE *f = fopen(s->paper_path, "a");
		if (f) {
			fwrite(p, 1, len, f);
			fclose(f);
		}
	}
	posnet_sim_paper_consume(s->sim);
	if (s->status_path && posnet_sim_generation(s->sim) != s->gen) {
		struct posnet_sim_counters c;
		char tmp[1100];
		FILE *f;

		s->gen = posnet_sim_generation(s->sim);
		posnet_sim_get_counters(s->sim, &c);
		snprintf(tmp, sizeof(tmp), "%s.tmp", s->status_path);
		f = fopen(tmp, "w");
		if (f) {
			fprintf(f,
				"rd %lld\nhn %lld\nbn %lld\nbt %lld\nbc %lld\ndi %lld\nopen %d\n"
				"footer %d\n",
				c.rd, c.hn, c.bn, c.bt, c.bc, c.receipt_di, (int)c.trn_open,
				(int)c.footer_pending);
			fclose(f);
			rename(tmp, s->status_path);
		}
	}
}

/* Write what is due to fd. Returns false when the peer is gone. */
static bool serve_flush_out(struct serve *s, int fd)
{
	uint8_t out[512];
	size_t n;

	while ((n = posnet_sim_output(s->sim, out, sizeof(out), pl_monotonic_ms())) > 0) {
		size_t off = 0;

		/* The reply reaches the host only after its last byte has
		 * crossed the (device->host) line. With zero processing time it
		 * starts when the request ended (line_free_at_us), not when we
		 * woke up after it: our own wake-up latency is not the line's. */
		int64_t now = serve_now_us(), start = now;

		if (s->baud > 0 && s->line_free_at_us <= now && now - s->line_free_at_us < 2000)
			start = s->line_free_at_us;
		if (start < s->out_free_at_us)
			start = s->out_free_at_us;
		s->out_free_at_us = start + serve_wire_us(s, n);
		serve_sleep_until_us(s->out_free_at_us);

		while (off < n) {
			ssize_t w = write(fd, out + off, n - off);
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0 && errno == EAGAIN) {
				usleep(1000);
				continue;
			}
			if (w <= 0)
				return false; /* the reply is lost with the client */
			off += (size_t)w;
		}
	}
	return true;
}

static void serve_feed(struct serve *s, const uint8_t *buf, size_t n)
{
	if (s->baud > 0) {
		/* the bytes cross the line one after another */
		int64_t now = serve_now_us();
		int64_t start = s->line_free_at_us > now ? s->line_free_at_us : now;

		s->line_free_at_us = start + serve_wire_us(s, n);
		serve_sleep_until_us(s->line_free_at_us);
	}
	posnet_sim_input(s->sim, buf, n, pl_monotonic_ms());
}

static void serve_paper_operator(struct serve *s)
{
	if (!posnet_sim_paper_out(s->sim)) {
		s->paper_out_since = 0;
		return;
	}
	if (!s->paper_out_since)
		s->paper_out_since = pl_monotonic_ms();
	else if (pl_monotonic_ms() - s->paper_out_since >= s->paper_back_ms)
		posnet_sim_set_paper_out(s->sim, false, pl_monotonic_ms());
}

static int serve_wait_ms(struct serve *s)
{
	int64_t due = posnet_sim_next_due(s->sim, pl_monotonic_ms());

	if (posnet_sim_paper_out(s->sim))
		return 20;
	return due < 0 || due > 200 ? 200 : (int)due;
}

/* One client connection (or the pty master) until it goes away. */
static void serve_conn(struct serve *s, int fd, bool is_pty)
{
	uint8_t buf[1024];

	while (!serve_stop) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int r;

		serve_paper_operator(s);
		if (!serve_flush_out(s, fd) && !is_pty)
			return;
		serve_persist(s);
		r = poll(&p, 1, serve_wait_ms(s));
		if (r < 0 && errno != EINTR)
			return;
		if (r <= 0)
			continue;
		if (p.revents & POLLIN) {
			ssize_t n = read(fd, buf, sizeof(buf));

			if (n > 0) {
				serve_feed(s, buf, (size_t)n);
				continue;
			}
			if (n < 0 && errno == EINTR)
				continue;
			if (!is_pty)
				return; /* TCP client closed */
		}
		if (p.revents & (POLLHUP | POLLERR)) {
			if (!is_pty)
				return;
			/* pty: nobody holds the slave; wait for the next client */
			usleep(5000);
		}
	}
}

static int serve_tcp(struct serve *s, const char *portfile)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof(a);
	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
	FILE *f;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(lfd, 4) < 0) {
		perror("posnet_sim_serve: listen");
		return 1;
	}
	getsockname(lfd, (struct sockaddr *)&a, &len);
	f = fopen(portfile, "w");
	if (!f)
		return 1;
	fprintf(f, "%d\n", ntohs(a.sin_port));
	fclose(f);
	while (!serve_stop) {
		struct pollfd p = {.fd = lfd, .events = POLLIN};
		int c;

		serve_paper_operator(s);
		posnet_sim_next_due(s->sim, pl_monotonic_ms()); /* completes a due reboot */
		serve_persist(s);
		if (poll(&p, 1, 100) <= 0)
			continue;
		c = accept(lfd, NULL, NULL);
		if (c < 0)
			continue;
		setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		/* Bytes queued for the previous client are gone with it. */
		{
			uint8_t junk[512];
			while (posnet_sim_output(s->sim, junk, sizeof(junk), pl_monotonic_ms()) > 0)
				;
		}
		serve_conn(s, c, false);
		close(c);
	}
	close(lfd);
	return 0;
}

static int serve_pty(struct serve *s, const char *link)
{
	char slave[128];
	int m, sl;
	struct termios t;

	if (openpty(&m, &sl, slave, NULL, NULL) < 0) {
		perror("posnet_sim_serve: openpty");
		return 1;
	}
	/* raw both ways: a POSNET frame holds TAB and bytes >= 0x80 */
	tcgetattr(sl, &t);
	cfmakeraw(&t);
	tcsetattr(sl, TCSANOW, &t);
	unlink(link);
	if (symlink(slave, link) < 0) {
		perror("posnet_sim_serve: symlink");
		return 1;
	}
	/* Keep our own slave fd open: then a client closing its fd does not
	 * hang up the master (no EIO storms between clients). */
	serve_conn(s, m, true);
	close(sl);
	close(m);
	unlink(link);
	return 0;
}

int main(int argc, char **argv)
{
	struct serve s = {.paper_back_ms = 400};
	const char *tcp = NULL, *pty = NULL;
	int rc;

	pl_log_set_ident("posnet_sim_serve");
	s.sim = posnet_sim_new(NULL);
	if (!s.sim)
		return 1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!v) {
			fprintf(stderr, "posnet_sim_serve: %s needs a value\n", a);
			return 2;
		}
		i++;
		if (strcmp(a, "--tcp") == 0)
			tcp = v;
		else if (strcmp(a, "--pty") == 0)
			pty = v;
		else if (strcmp(a, "--paper") == 0)
			s.paper_path = v;
		else if (strcmp(a, "--status") == 0)
			s.status_path = v;
		else if (strcmp(a, "--baud") == 0)
			s.baud = (int)strtol(v, NULL, 10);
		else if (strcmp(a, "--paper-back-ms") == 0)
			s.paper_back_ms = (int)strtol(v, NULL, 10);
		else if (strcmp(a, "--fault") == 0) {
			struct posnet_sim_fault f;
			char err[160];

			if (posnet_sim_fault_parse(v, &f, err, sizeof(err)) < 0 ||
			    posnet_sim_add_fault(s.sim, &f) < 0) {
				fprintf(stderr, "posnet_sim_serve: bad fault '%s': %s\n", v, err);
				return 2;
			}
		} else {
			fprintf(stderr, "posnet_sim_serve: unknown option %s\n", a);
			return 2;
		}
	}
	if (!tcp == !pty) {
		fprintf(stderr, "usage: posnet_sim_serve (--tcp PORTFILE | --pty LINK) ...\n");
		return 2;
	}
	signal(SIGTERM, serve_on_signal);
	signal(SIGINT, serve_on_signal);
	signal(SIGPIPE, SIG_IGN);
	s.gen = (uint64_t)-1;
	serve_persist(&s);
	rc = tcp ? serve_tcp(&s, tcp) : serve_pty(&s, pty);
	serve_persist(&s);
	posnet_sim_free(s.sim);
	return rc;
}
