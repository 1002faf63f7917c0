/* SPDX-License-Identifier: Apache-2.0 */
/* labels/print_file.c - the file printer: every job appended to one file.
 *
 * For the demo and the tests: the bytes land exactly as a printer would get
 * them, one label after another. Each job is written with one write() on an
 * O_APPEND descriptor and fsync'ed before submit returns, so a job reported
 * accepted is on disk whole.
 */
#include "labels/print.h"
#include "base/err.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct file_printer {
	struct printer base;
};

static int file_open(struct printer **out, const struct print_cfg *cfg, char *msg, size_t msg_len)
{
	struct file_printer *f;

	if (!cfg->file_path[0]) {
		print_msgf(msg, msg_len, "file printer: no path configured");
		return -PL_ECONFIG;
	}
	f = calloc(1, sizeof(*f));
	if (!f)
		return -PL_ENOMEM;
	f->base.ops = &print_file_ops;
	f->base.cfg = *cfg;
	*out = &f->base;
	return 0;
}

static void file_close(struct printer *p)
{
	free(p);
}

static int file_submit(struct printer *p, const void *data, size_t len, struct print_job *job)
{
	const char *path = p->cfg.file_path;
	const char *d = data;
	struct stat st;
	size_t done = 0;
	ssize_t n;
	int fd, rc = 0;

	memset(job, 0, sizeof(*job));
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0) {
		print_msgf(job->msg, sizeof(job->msg), "cannot open '%s': %s", path,
			   strerror(errno));
		return errno == ENOENT ? -PL_ENOTFOUND : -PL_EIO;
	}
	if (fstat(fd, &st) != 0) {
		rc = -PL_EIO;
		print_msgf(job->msg, sizeof(job->msg), "cannot stat '%s': %s", path,
			   strerror(errno));
		goto out_close;
	}
	while (done < len) {
		n = write(fd, d + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = -PL_EIO;
			print_msgf(job->msg, sizeof(job->msg), "cannot write '%s': %s", path,
				   n < 0 ? strerror(errno) : "short write");
			goto out_close;
		}
		done += (size_t)n;
	}
	/* a device node or a pipe (file = /dev/usb/lp0) has nothing to sync:
	 * fsync says EINVAL there, and the bytes are with the driver */
	if (S_ISREG(st.st_mode) && fsync(fd) != 0) {
		rc = -PL_EIO;
		print_msgf(job->msg, sizeof(job->msg), "cannot sync '%s': %s", path,
			   strerror(errno));
		goto out_close;
	}
	print_msgf(job->id, sizeof(job->id), "file:%lld", (long long)st.st_size);
	job->state = PRINT_COMPLETED;
out_close:
	close(fd);
	return rc;
}

const struct print_ops print_file_ops = {
    .name = "file",
    .open = file_open,
    .close = file_close,
    .submit = file_submit,
    .wait = NULL,
};
