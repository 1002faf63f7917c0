/* SPDX-License-Identifier: Apache-2.0 */
/* agent/sim_cli.c - `packline sim posnet` (see sim_cli.h).
 *
 * One process, one poll() loop: the pty master or the TCP connection feeds
 * posnet_sim_input(); what posnet_sim_output() makes due is written back.
 * With --baud the bytes cross a modelled 8N1 line: each byte takes 10 bit
 * times in each direction, so the simulator sees a frame only when its last
 * byte would have arrived and replies trickle out at the line rate.
 */
#define _XOPEN_SOURCE 700 /* posix_openpt, grantpt, unlockpt, ptsname */

#include "agent/sim_cli.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "agent/cli.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "fiscal/posnet_sim.h"

#define WIRE_MAX 16384 /* bytes in flight on the modelled line */

static volatile sig_atomic_t sim_stop;
static volatile sig_atomic_t sim_toggle_paper;

static void on_stop(int sig)
{
	(void)sig;
	sim_stop = 1;
}

static void on_usr1(int sig)
{
	(void)sig;
	sim_toggle_paper = 1;
}

struct wire_in {
	size_t head, len;
	uint8_t byte[WIRE_MAX];
	int64_t at_us[WIRE_MAX]; /* when the byte has fully arrived */
};

struct simsrv {
	struct posnet_sim *sim;
	const char *state_path, *paper_path, *status_path, *link_path, *port_file;
	int baud;
	int64_t byte_us; /* 0: no pacing */
	int paper_back_ms;
	int64_t paper_out_at_ms; /* when the roll ran out (for --paper-back-ms) */
	bool paper_was_out;
	int listen_fd, conn_fd, pty_master, pty_slave;
	struct wire_in in;
	int64_t in_free_us; /* the host->device line is busy until then */
	uint8_t out[POSNET_FRAME_MAX * 4];
	size_t out_len, out_off;
	int64_t out_next_us; /* the next byte may leave at this time */
	uint64_t gen_saved;
	bool saved_once;
};

static int64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Write a whole file atomically: tmp, then rename over the old one. */
static int write_atomic(const char *path, const char *data, size_t len)
{
	char tmp[4096];
	int fd, saved;
	size_t off = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -PL_EINVAL;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		pl_err("cannot create '%s': %s", tmp, strerror(errno));
		return -PL_EIO;
	}
	while (off < len) {
		ssize_t n = write(fd, data + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto err_close;
		off += (size_t)n;
	}
	/* no fsync: the simulator's "power loss" is simulated, and a killed
	 * process loses nothing that reached the page cache */
	if (close(fd) < 0)
		goto err_unlink;
	if (rename(tmp, path) < 0)
		goto err_unlink;
	return 0;
err_close:
	saved = errno;
	close(fd);
	errno = saved;
err_unlink:
	saved = errno;
	pl_err("cannot write '%s': %s", path, strerror(saved));
	unlink(tmp);
	return -PL_EIO;
}

static int append_file(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	size_t off = 0;

	if (fd < 0) {
		pl_err("cannot open '%s': %s", path, strerror(errno));
		return -PL_EIO;
	}
	while (off < len) {
		ssize_t n = write(fd, data + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			pl_err("cannot append to '%s': %s", path, strerror(errno));
			close(fd);
			return -PL_EIO;
		}
		off += (size_t)n;
	}
	close(fd);
	return 0;
}

/* State, status and paper, written before any reply to the change leaves. */
static void persist(struct simsrv *v, bool force)
{
	size_t plen;
	const char *paper = posnet_sim_paper(v->sim, &plen);
	uint64_t gen = posnet_sim_generation(v->sim);

	if (plen && v->paper_path) {
		if (append_file(v->paper_path, paper, plen) == 0)
			posnet_sim_paper_consume(v->sim);
	} else if (plen) {
		posnet_sim_paper_consume(v->sim);
	}
	if (!force && v->saved_once && gen == v->gen_saved)
		return;
	if (v->state_path) {
		struct buf b;
		buf_init(&b, 16 * 1024 * 1024);
		if (posnet_sim_save(v->sim, &b) == 0)
			write_atomic(v->state_path, b.data, b.len);
		buf_release(&b);
	}
	if (v->status_path) {
		struct posnet_sim_counters c;
		char line[256];
		int n;
		posnet_sim_get_counters(v->sim, &c);
		n = snprintf(line, sizeof(line), "%lld %lld %lld %lld %lld %lld %d %d\n", c.rd,
			     c.hn, c.bn, c.bt, c.bc, c.di, c.trn_open, c.footer_pending);
		write_atomic(v->status_path, line, (size_t)n);
	}
	v->gen_saved = gen;
	v->saved_once = true;
}

static int io_fd(const struct simsrv *v)
{
	return v->pty_master >= 0 ? v->pty_master : v->conn_fd;
}

/* The host went away: what was in flight is lost, the printer stays. */
static void drop_connection(struct simsrv *v)
{
	if (v->conn_fd >= 0) {
		close(v->conn_fd);
		v->conn_fd = -1;
		pl_info("client disconnected");
	}
	v->in.len = 0;
	v->out_len = v->out_off = 0;
	posnet_sim_discard_output(v->sim);
	posnet_sim_discard_input(v->sim);
}

static void deliver_input(struct simsrv *v, int64_t t_us)
{
	uint8_t chunk[WIRE_MAX];
	size_t n = 0;

	while (v->in.len && v->in.at_us[v->in.head] <= t_us) {
		chunk[n++] = v->in.byte[v->in.head];
		v->in.head = (v->in.head + 1) % WIRE_MAX;
		v->in.len--;
	}
	if (n) {
		posnet_sim_input(v->sim, chunk, n, t_us / 1000);
		persist(v, false);
	}
}

static void read_input(struct simsrv *v)
{
	uint8_t buf[4096];
	int fd = io_fd(v);
	ssize_t n;
	int64_t t = now_us();

	if (fd < 0)
		return;
	n = read(fd, buf, v->byte_us ? sizeof(buf) - 0 : sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		if (v->conn_fd >= 0)
			drop_connection(v);
		return;
	}
	if (!v->byte_us) {
		posnet_sim_input(v->sim, buf, (size_t)n, t / 1000);
		persist(v, false);
		return;
	}
	/* each byte arrives 10 bit times after the previous one */
	if (v->in_free_us < t)
		v->in_free_us = t;
	for (ssize_t i = 0; i < n; i++) {
		size_t at;
		if (v->in.len == WIRE_MAX)
			break; /* a real UART overruns too */
		at = (v->in.head + v->in.len) % WIRE_MAX;
		v->in_free_us += v->byte_us;
		v->in.byte[at] = buf[i];
		v->in.at_us[at] = v->in_free_us;
		v->in.len++;
	}
}

static void write_output(struct simsrv *v, int64_t t_us)
{
	int fd = io_fd(v);

	if (v->out_off == v->out_len) {
		v->out_len = posnet_sim_output(v->sim, v->out, sizeof(v->out), t_us / 1000);
		v->out_off = 0;
		if (v->out_len && v->byte_us && v->out_next_us < t_us)
			v->out_next_us = t_us;
	}
	if (v->out_off == v->out_len)
		return;
	if (fd < 0) {
		v->out_off = v->out_len; /* nobody listens */
		return;
	}
	while (v->out_off < v->out_len) {
		size_t want = v->out_len - v->out_off;
		ssize_t n;
		if (v->byte_us) {
			int64_t due = (t_us - v->out_next_us) / v->byte_us + 1;
			if (t_us < v->out_next_us)
				return;
			if ((int64_t)want > due)
				want = (size_t)due;
		}
		n = write(fd, v->out + v->out_off, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			if (errno != EAGAIN && v->conn_fd >= 0)
				drop_connection(v);
			return;
		}
		v->out_off += (size_t)n;
		if (v->byte_us)
			v->out_next_us += (int64_t)n * v->byte_us;
	}
}

static int open_pty(struct simsrv *v)
{
	struct termios tio;
	const char *name;

	v->pty_master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (v->pty_master < 0 || grantpt(v->pty_master) < 0 || unlockpt(v->pty_master) < 0 ||
	    !(name = ptsname(v->pty_master))) {
		pl_err("cannot open a pseudo-terminal: %s", strerror(errno));
		return -PL_EIO;
	}
	/* keep the slave open ourselves: a client closing it must not hang up
	 * the master (reads would fail with EIO until the next open) */
	v->pty_slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (v->pty_slave < 0 || tcgetattr(v->pty_slave, &tio) < 0) {
		pl_err("cannot open '%s': %s", name, strerror(errno));
		return -PL_EIO;
	}
	cfmakeraw(&tio);
	tcsetattr(v->pty_slave, TCSANOW, &tio);
	fcntl(v->pty_master, F_SETFL, fcntl(v->pty_master, F_GETFL) | O_NONBLOCK);
	if (v->link_path) {
		struct stat st;
		if (lstat(v->link_path, &st) == 0 && S_ISLNK(st.st_mode))
			unlink(v->link_path);
		if (symlink(name, v->link_path) < 0) {
			pl_err("cannot link '%s' to '%s': %s", v->link_path, name, strerror(errno));
			return -PL_EIO;
		}
	}
	printf("%s\n", name);
	fflush(stdout);
	pl_info("posnet simulator on %s", name);
	return 0;
}

static int open_tcp(struct simsrv *v, const char *spec)
{
	char host[64] = "127.0.0.1";
	const char *colon = strrchr(spec, ':');
	const char *port_s = colon ? colon + 1 : spec;
	struct sockaddr_in sa;
	socklen_t salen = sizeof(sa);
	char *end;
	long port;
	int one = 1;

	if (colon) {
		if ((size_t)(colon - spec) >= sizeof(host))
			return -PL_EINVAL;
		memcpy(host, spec, (size_t)(colon - spec));
		host[colon - spec] = '\0';
	}
	errno = 0;
	port = strtol(port_s, &end, 10);
	if (errno || *end || end == port_s || port < 0 || port > 65535) {
		fprintf(stderr, "sim posnet: bad --tcp '%s' (HOST:PORT or PORT)\n", spec);
		return -PL_EINVAL;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		fprintf(stderr, "sim posnet: bad --tcp host '%s' (an IPv4 address)\n", host);
		return -PL_EINVAL;
	}
	v->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (v->listen_fd < 0)
		return -PL_EIO;
	setsockopt(v->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(v->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(v->listen_fd, 4) < 0 ||
	    getsockname(v->listen_fd, (struct sockaddr *)&sa, &salen) < 0) {
		pl_err("cannot listen on %s: %s", spec, strerror(errno));
		return -PL_EIO;
	}
	/* the port file first: whoever waits for the endpoint line may read
	 * the file at once (a test flaked on an empty one) */
	if (v->port_file) {
		char line[16];
		int n = snprintf(line, sizeof(line), "%u\n", ntohs(sa.sin_port));
		if (write_atomic(v->port_file, line, (size_t)n))
			return -PL_EIO;
	}
	printf("%s:%u\n", host, ntohs(sa.sin_port));
	fflush(stdout);
	pl_info("posnet simulator on %s:%u", host, ntohs(sa.sin_port));
	return 0;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: packline sim posnet [--pty] [--link PATH] | --tcp [HOST:]PORT [--port-file "
		"FILE]\n"
		"         [--state FILE] [--paper FILE] [--status FILE] [--baud N]\n"
		"         [--fault KIND[=ARG][:MNEMONIC[:SKIP[:COUNT]]]]... [--paper-out]\n"
		"         [--paper-back-ms MS] [--strict-crc] [--no-daily-reset] [--paper-width "
		"57|80]\n"
		"faults: delay=MS drop late split=BYTES power=MS lowercrc badcrc garbage=BYTES "
		"paperout\n"
		"SIGUSR1 toggles the paper roll; SIGTERM/SIGINT save and exit\n");
}

static bool parse_num(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < min || v > max)
		return false;
	*out = v;
	return true;
}

static int load_state(struct simsrv *v)
{
	FILE *f = fopen(v->state_path, "rb");
	struct buf b;
	char chunk[4096], err[160];
	size_t n;
	int rc = 0;

	if (!f) {
		if (errno == ENOENT)
			return 0; /* a new printer */
		pl_err("cannot open '%s': %s", v->state_path, strerror(errno));
		return -PL_EIO;
	}
	buf_init(&b, 16 * 1024 * 1024);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (buf_append(&b, chunk, n)) {
			rc = -PL_ETOOBIG;
			break;
		}
	}
	fclose(f);
	if (rc == 0 &&
	    (rc = posnet_sim_load(v->sim, b.data ? b.data : "", b.len, err, sizeof(err))))
		pl_err("cannot load '%s': %s", v->state_path, err);
	buf_release(&b);
	return rc;
}

int sim_cli_main(int argc, char **argv)
{
	struct simsrv *v;
	struct posnet_sim_config cfg;
	struct posnet_sim_fault faults[POSNET_SIM_FAULTS_MAX];
	size_t nfaults = 0;
	const char *tcp = NULL;
	bool paper_out = false;
	struct sigaction sa;
	int rc = CLI_OK;
	long num;

	if (argc < 1 || strcmp(argv[0], "posnet") != 0) {
		if (argc >= 1 && (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0)) {
			usage(stdout);
			return CLI_OK;
		}
		fprintf(stderr, "sim: unknown simulator '%s' (only 'posnet')\n",
			argc >= 1 ? argv[0] : "");
		usage(stderr);
		return CLI_EUSAGE;
	}
	v = calloc(1, sizeof(*v));
	if (!v)
		return CLI_EINTERNAL;
	v->listen_fd = v->conn_fd = v->pty_master = v->pty_slave = -1;
	v->paper_back_ms = -1;
	posnet_sim_config_default(&cfg);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		bool takes = true;

		if (strcmp(a, "--pty") == 0) {
			takes = false;
		} else if (strcmp(a, "--strict-crc") == 0) {
			cfg.strict_upper_crc = true;
			takes = false;
		} else if (strcmp(a, "--no-daily-reset") == 0) {
			cfg.daily_reset = false;
			takes = false;
		} else if (strcmp(a, "--paper-out") == 0) {
			paper_out = true;
			takes = false;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			goto out_free;
		} else if (!val) {
			fprintf(stderr, "sim posnet: '%s' needs a value (or is unknown)\n", a);
			rc = CLI_EUSAGE;
			goto out_free;
		} else if (strcmp(a, "--link") == 0) {
			v->link_path = val;
		} else if (strcmp(a, "--tcp") == 0) {
			tcp = val;
		} else if (strcmp(a, "--port-file") == 0) {
			v->port_file = val;
		} else if (strcmp(a, "--state") == 0) {
			v->state_path = val;
		} else if (strcmp(a, "--paper") == 0) {
			v->paper_path = val;
		} else if (strcmp(a, "--status") == 0) {
			v->status_path = val;
		} else if (strcmp(a, "--baud") == 0) {
			if (!parse_num(val, 50, 4000000, &num)) {
				fprintf(stderr, "sim posnet: bad --baud '%s'\n", val);
				rc = CLI_EUSAGE;
				goto out_free;
			}
			v->baud = (int)num;
			v->byte_us = 10 * 1000000LL / num; /* 8N1: 10 bit times per byte */
		} else if (strcmp(a, "--paper-back-ms") == 0) {
			if (!parse_num(val, 0, 3600000, &num)) {
				fprintf(stderr, "sim posnet: bad --paper-back-ms '%s'\n", val);
				rc = CLI_EUSAGE;
				goto out_free;
			}
			v->paper_back_ms = (int)num;
		} else if (strcmp(a, "--paper-width") == 0) {
			if (strcmp(val, "57") && strcmp(val, "80")) {
				fprintf(stderr, "sim posnet: --paper-width is 57 or 80\n");
				rc = CLI_EUSAGE;
				goto out_free;
			}
			cfg.paper = val[0] == '8' ? POSNET_PAPER_80MM : POSNET_PAPER_57MM;
		} else if (strcmp(a, "--fault") == 0) {
			char err[160];
			if (nfaults == POSNET_SIM_FAULTS_MAX) {
				fprintf(stderr, "sim posnet: at most %d faults\n",
					POSNET_SIM_FAULTS_MAX);
				rc = CLI_EUSAGE;
				goto out_free;
			}
			if (posnet_sim_fault_parse(val, &faults[nfaults], err, sizeof(err))) {
				fprintf(stderr, "sim posnet: %s\n", err);
				rc = CLI_EUSAGE;
				goto out_free;
			}
			nfaults++;
		} else {
			fprintf(stderr, "sim posnet: unknown option '%s'\n", a);
			usage(stderr);
			rc = CLI_EUSAGE;
			goto out_free;
		}
		if (takes)
			i++;
	}

	v->sim = posnet_sim_new(&cfg);
	if (!v->sim) {
		rc = CLI_EINTERNAL;
		goto out_free;
	}
	for (size_t i = 0; i < nfaults; i++)
		posnet_sim_add_fault(v->sim, &faults[i]);
	if (v->state_path && load_state(v)) {
		rc = CLI_ECONFIG;
		goto out_free;
	}
	if (paper_out)
		posnet_sim_set_paper_out(v->sim, true, pl_monotonic_ms());

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop; /* no SA_RESTART: poll() returns EINTR */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);

	if ((tcp ? open_tcp(v, tcp) : open_pty(v)) != 0) {
		rc = CLI_EDEVICE;
		goto out_close;
	}
	persist(v, true);

	while (!sim_stop) {
		struct pollfd pfd[1];
		int64_t t = now_us(), ms = pl_monotonic_ms(), due, timeout = 200;
		int nfds = 0, fd;

		if (sim_toggle_paper) {
			sim_toggle_paper = 0;
			posnet_sim_set_paper_out(v->sim, !posnet_sim_paper_out(v->sim), ms);
			pl_info("paper %s", posnet_sim_paper_out(v->sim) ? "out" : "loaded");
			persist(v, false);
		}
		/* the operator changes the roll some time after it ran out */
		if (posnet_sim_paper_out(v->sim) && !v->paper_was_out)
			v->paper_out_at_ms = ms;
		v->paper_was_out = posnet_sim_paper_out(v->sim);
		if (v->paper_was_out && v->paper_back_ms >= 0 &&
		    ms - v->paper_out_at_ms >= v->paper_back_ms) {
			posnet_sim_set_paper_out(v->sim, false, ms);
			v->paper_was_out = false;
			persist(v, false);
		}
		deliver_input(v, t);
		write_output(v, t);

		due = posnet_sim_next_due(v->sim, ms);
		if (due >= 0 && due < timeout)
			timeout = due;
		if (v->in.len) {
			int64_t d = (v->in.at_us[v->in.head] - t + 999) / 1000;
			if (d < timeout)
				timeout = d < 0 ? 0 : d;
		}
		if (v->out_off < v->out_len)
			timeout = v->byte_us ? 1 : 0;
		if (v->paper_was_out && v->paper_back_ms >= 0 && timeout > 10)
			timeout = 10;

		fd = io_fd(v);
		if (fd < 0 && v->listen_fd >= 0) {
			pfd[0].fd = v->listen_fd;
			pfd[0].events = POLLIN;
			nfds = 1;
		} else if (fd >= 0) {
			pfd[0].fd = fd;
			pfd[0].events = POLLIN;
			nfds = 1;
		}
		if (poll(pfd, (nfds_t)nfds, (int)timeout) <= 0)
			continue;
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			if (fd < 0) {
				v->conn_fd = accept(v->listen_fd, NULL, NULL);
				if (v->conn_fd >= 0) {
					fcntl(v->conn_fd, F_SETFD, FD_CLOEXEC);
					fcntl(v->conn_fd, F_SETFL,
					      fcntl(v->conn_fd, F_GETFL) | O_NONBLOCK);
					pl_info("client connected");
				}
			} else {
				read_input(v);
			}
		}
	}
	persist(v, true);
	pl_info("posnet simulator stopped");

out_close:
	if (v->conn_fd >= 0)
		close(v->conn_fd);
	if (v->listen_fd >= 0)
		close(v->listen_fd);
	if (v->pty_slave >= 0)
		close(v->pty_slave);
	if (v->pty_master >= 0)
		close(v->pty_master);
	if (v->link_path && v->pty_master >= 0)
		unlink(v->link_path);
out_free:
	posnet_sim_free(v->sim);
	free(v);
	return rc;
}
