/* SPDX-License-Identifier: Apache-2.0 */
/* base/log.c - leveled log lines on stderr. */
#include "base/log.h"
#include "base/err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

enum pl_log_level pl_log_threshold = PL_LOG_WARN;
static const char *log_ident = "packline";

static const char *const level_names[] = {
    [PL_LOG_ERROR] = "error",
    [PL_LOG_WARN] = "warn",
    [PL_LOG_INFO] = "info",
    [PL_LOG_DEBUG] = "debug",
};

int pl_log_parse_level(const char *name, enum pl_log_level *out)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcmp(name, level_names[i]) == 0) {
			*out = (enum pl_log_level)i;
			return 0;
		}
	}
	return -PL_EINVAL;
}

void pl_log_set_level(enum pl_log_level level)
{
	pl_log_threshold = level;
}

void pl_log_set_ident(const char *ident)
{
	log_ident = ident;
}

void pl_log_write(enum pl_log_level level, const char *func, const char *fmt, ...)
{
	int saved_errno = errno; /* logging must not clobber the caller's errno */
	char line[1024];
	va_list ap;
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (level == PL_LOG_DEBUG)
		fprintf(stderr, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s %s: %s: %s\n",
			tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			tm.tm_sec, ts.tv_nsec / 1000000, log_ident, level_names[level], func, line);
	else
		fprintf(stderr, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s %s: %s\n",
			tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			tm.tm_sec, ts.tv_nsec / 1000000, log_ident, level_names[level], line);
	errno = saved_errno;
}
