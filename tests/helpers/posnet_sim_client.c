/* SPDX-License-Identifier: Apache-2.0 */
/* tests/helpers/posnet_sim_client.c - send POSNET commands, print the replies.
 *
 * TEST HELPER for the simulator's shell tests and the demo:
 *
 *   posnet_sim_client TARGET [--timeout MS] [--token N] PAYLOAD...
 *
 * TARGET is a tty path (the simulator's pty) or HOST:PORT. Each PAYLOAD is
 * "mnemonic\tnnvalue\t..." in UTF-8 (the two characters backslash-t also
 * count as a TAB); it is framed (CP1250, CRC) and sent, and the reply is
 * printed as one line:
 *   OK <mnemonic> nn=value nn=value ...     a success reply
 *   CMDERR <mnemonic> <code>                "?nnnn"
 *   FRAMEERR <code> [cm=...] [fd=...]       an ERR frame
 *   TIMEOUT                                 nothing complete in time
 * With --token N every command carries @N (N+1, ...). Exit 0 when every
 * command got a reply, 3 after a timeout, 2 on bad usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include "base/clock.h"
#include "fiscal/cp1250.h"
#include "fiscal/posnet_frame.h"

static int open_target(const char *t)
{
	const char *colon = strrchr(t, ':');
	if (t[0] != '/' && colon) {
		struct sockaddr_in sa;
		char host[64];
		int fd;
		memset(&sa, 0, sizeof(sa));
		sa.sin_family = AF_INET;
		sa.sin_port = htons((uint16_t)atoi(colon + 1));
		snprintf(host, sizeof(host), "%.*s", (int)(colon - t), t);
		if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
			return -1;
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			return -1;
		return fd;
	} else {
		struct termios tio;
		int fd = open(t, O_RDWR | O_NOCTTY);
		if (fd < 0)
			return -1;
		if (tcgetattr(fd, &tio) == 0) {
			cfmakeraw(&tio);
			tcsetattr(fd, TCSANOW, &tio);
		}
		return fd;
	}
}

static void print_reply(const struct posnet_msg *m)
{
	char v[1024];

	if (m->kind == POSNET_MSG_FRAME_ERROR) {
		printf("FRAMEERR %d", m->error);
		if (m->err_cmd)
			printf(" cm=%s", m->err_cmd);
		if (m->err_field)
			printf(" fd=%s", m->err_field);
		printf("\n");
		return;
	}
	if (m->kind == POSNET_MSG_CMD_ERROR) {
		printf("CMDERR %s %d\n", m->mnemonic, m->error);
		return;
	}
	printf("OK %s", m->mnemonic);
	if (m->token != POSNET_NO_TOKEN)
		printf(" @%04d", m->token);
	for (size_t i = 0; i < m->nfields; i++) {
		cp1250_to_utf8(m->fields[i].value, m->fields[i].len, v, sizeof(v), NULL, true);
		printf(" %s=%s", m->fields[i].name, v);
	}
	printf("\n");
}

int main(int argc, char **argv)
{
	static struct posnet_msg msg;
	struct posnet_parser p;
	int timeout = 2000, token = -1, fd, i = 2;

	if (argc < 3) {
		fprintf(stderr, "usage: posnet_sim_client TARGET [--timeout MS] [--token N] "
				"PAYLOAD...\n");
		return 2;
	}
	for (; i + 1 < argc && argv[i][0] == '-' && argv[i][1] == '-'; i += 2) {
		if (strcmp(argv[i], "--timeout") == 0)
			timeout = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--token") == 0)
			token = atoi(argv[i + 1]);
		else
			return 2;
	}
	fd = open_target(argv[1]);
	if (fd < 0) {
		fprintf(stderr, "cannot open '%s': %s\n", argv[1], strerror(errno));
		return 2;
	}
	posnet_parser_init(&p);
	for (; i < argc; i++) {
		struct posnet_cmd c;
		char payload[POSNET_FRAME_MAX], *save = NULL, *tok;
		uint8_t fr[POSNET_FRAME_MAX];
		size_t n = 0, o = 0;
		int64_t end;
		int got = 0;

		/* "\t" written as two characters is a TAB too */
		for (const char *s = argv[i]; *s && o + 1 < sizeof(payload); s++) {
			if (s[0] == '\\' && s[1] == 't') {
				payload[o++] = '\t';
				s++;
			} else {
				payload[o++] = *s;
			}
		}
		payload[o] = '\0';
		tok = strtok_r(payload, "\t", &save);
		if (!tok)
			return 2;
		posnet_cmd_init(&c, tok);
		posnet_cmd_set_paper(&c, POSNET_PAPER_80MM);
		while ((tok = strtok_r(NULL, "\t", &save))) {
			char name[3] = {tok[0], tok[1] ? tok[1] : ' ', '\0'};
			posnet_cmd_add_text(&c, name, tok[1] ? tok + 2 : "");
		}
		if (token >= 0)
			posnet_cmd_set_token(&c, token++ % 10000);
		if (posnet_cmd_encode(&c, false, fr, sizeof(fr), &n)) {
			fprintf(stderr, "cannot frame '%s': %s\n", argv[i], c.err);
			return 2;
		}
		if (write(fd, fr, n) != (ssize_t)n)
			return 2;
		end = pl_monotonic_ms() + timeout;
		while (!got) {
			uint8_t in[512];
			struct pollfd pfd = {.fd = fd, .events = POLLIN};
			int64_t left = end - pl_monotonic_ms();
			ssize_t r;
			size_t off = 0;
			if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
				break;
			r = read(fd, in, sizeof(in));
			if (r <= 0)
				break;
			while (off < (size_t)r) {
				size_t used;
				int rc =
				    posnet_parser_feed(&p, in + off, (size_t)r - off, &used, &msg);
				off += used;
				if (rc == POSNET_FEED_FRAME) {
					print_reply(&msg);
					got = 1;
				} else if (rc < 0) {
					printf("BADFRAME %s\n", p.err);
				}
			}
		}
		if (!got) {
			printf("TIMEOUT\n");
			fflush(stdout);
			return 3;
		}
		fflush(stdout);
	}
	close(fd);
	return 0;
}
