/* SPDX-License-Identifier: Apache-2.0 */
/* tests/helpers/label_print.c - print one file through labels/print.h (for shell tests, bench).
 *
 * usage: label_print [--timeout MS] [--wait MS] cups SERVER QUEUE FILE
 *        label_print [--timeout MS] tcp HOST PORT FILE
 *        label_print file PATH FILE
 *        label_print [--timeout MS] usb VID PID DEVNODE|- FILE   (VID, PID in hex; the real libusb path)
 * Prints one line "rc=NAME id=JOB state=STATE msg=TEXT here_libcups=yes|no" and exits 0 when
 * the job completed (here_libcups: whether this process mapped libcups - it must not, the
 * print sidecar does that),
 * 1 when it failed (the line says how), 2 on usage errors.
 */
#include "base/buf.h"
#include "base/err.h"
#include "labels/print.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Does this process map a library whose path contains `name`? */
static int maps_lib(const char *name)
{
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");
	int found = 0;

	if (!f)
		return -1;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, name) != NULL;
	fclose(f);
	return found;
}

static int read_file(const char *path, struct buf *b)
{
	char chunk[4096];
	size_t n;
	FILE *f = fopen(path, "rb");
	int rc = 0;

	if (!f)
		return -PL_EIO;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if ((rc = buf_append(b, chunk, n)))
			break;
	if (ferror(f))
		rc = -PL_EIO;
	fclose(f);
	return rc;
}

static int num(const char *s, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 0 || v > 1000000)
		return -1;
	*out = (int)v;
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: label_print [--timeout MS] [--wait MS] cups SERVER QUEUE FILE\n"
			"       label_print [--timeout MS] tcp HOST PORT FILE\n"
			"       label_print file PATH FILE\n"
			"       label_print [--timeout MS] usb VID PID DEVNODE|- FILE\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct print_cfg cfg;
	struct printer *p = NULL;
	struct print_job job;
	struct buf data;
	char msg[PRINT_MSG_LEN] = "";
	const char *file;
	int i = 1, rc, wait_ms = -1;

	print_cfg_init(&cfg);
	for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
		if (strcmp(argv[i], "--timeout") == 0 && num(argv[i + 1], &cfg.timeout_ms) == 0)
			continue;
		if (strcmp(argv[i], "--wait") == 0 && num(argv[i + 1], &wait_ms) == 0)
			continue;
		return usage();
	}
	if (i >= argc)
		return usage();
	if (strcmp(argv[i], "cups") == 0 && argc - i == 4) {
		cfg.type = PRINT_CUPS;
		snprintf(cfg.cups_server, sizeof(cfg.cups_server), "%s", argv[i + 1]);
		snprintf(cfg.cups_queue, sizeof(cfg.cups_queue), "%s", argv[i + 2]);
		file = argv[i + 3];
	} else if (strcmp(argv[i], "tcp") == 0 && argc - i == 4) {
		cfg.type = PRINT_TCP;
		snprintf(cfg.tcp_host, sizeof(cfg.tcp_host), "%s", argv[i + 1]);
		if (num(argv[i + 2], &cfg.tcp_port))
			return usage();
		file = argv[i + 3];
	} else if (strcmp(argv[i], "usb") == 0 && argc - i == 5) {
		char *end1, *end2;
		unsigned long vid = strtoul(argv[i + 1], &end1, 16);
		unsigned long pid = strtoul(argv[i + 2], &end2, 16);

		if (*end1 || *end2 || vid > 0xffff || pid > 0xffff)
			return usage();
		cfg.type = PRINT_USB;
		cfg.usb_vid = (uint16_t)vid;
		cfg.usb_pid = (uint16_t)pid;
		if (strcmp(argv[i + 3], "-") != 0)
			snprintf(cfg.usb_device, sizeof(cfg.usb_device), "%s", argv[i + 3]);
		file = argv[i + 4];
	} else if (strcmp(argv[i], "file") == 0 && argc - i == 3) {
		cfg.type = PRINT_FILE;
		snprintf(cfg.file_path, sizeof(cfg.file_path), "%s", argv[i + 1]);
		file = argv[i + 2];
	} else {
		return usage();
	}
	if (wait_ms >= 0)
		cfg.cups_wait_ms = wait_ms;

	buf_init(&data, 16u * 1024 * 1024);
	if (read_file(file, &data)) {
		fprintf(stderr, "cannot read '%s'\n", file);
		buf_release(&data);
		return 2;
	}
	memset(&job, 0, sizeof(job));
	rc = print_open(&p, &cfg, msg, sizeof(msg));
	if (rc == 0)
		rc = print_job_run(p, data.data, data.len, &job);
	else
		snprintf(job.msg, sizeof(job.msg), "%s", msg);
	printf("rc=%s id=%s cups_id=%d state=%s msg=%s here_libcups=%s\n",
	       rc ? pl_errname(rc) : "OK", job.id[0] ? job.id : "-", job.cups_id,
	       print_state_name(job.state), job.msg, maps_lib("libcups") ? "yes" : "no");
	print_close(p);
	buf_release(&data);
	return rc ? 1 : 0;
}
