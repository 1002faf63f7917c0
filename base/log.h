/* SPDX-License-Identifier: Apache-2.0 */
/* base/log.h - leveled log lines on stderr.
 *
 * The macros test the level before formatting (redis serverLog) and add the
 * function name in debug lines. Messages: lowercase, no final period, failure
 * first, subject quoted: "cannot open '%s': %s" (house style §17).
 */
#ifndef PL_BASE_LOG_H
#define PL_BASE_LOG_H

#include <stdbool.h>

enum pl_log_level { PL_LOG_ERROR, PL_LOG_WARN, PL_LOG_INFO, PL_LOG_DEBUG };

extern enum pl_log_level pl_log_threshold;

/* Parse "error|warn|info|debug"; returns 0 or -PL_EINVAL. */
int pl_log_parse_level(const char *name, enum pl_log_level *out);
void pl_log_set_level(enum pl_log_level level);
/* Prefix for every line (e.g. program name); the string must outlive logging. */
void pl_log_set_ident(const char *ident);
void pl_log_write(enum pl_log_level level, const char *func, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define pl_log(level, ...)                                                                         \
	do {                                                                                       \
		if ((level) <= pl_log_threshold)                                                   \
			pl_log_write((level), __func__, __VA_ARGS__);                              \
	} while (0)
#define pl_err(...)   pl_log(PL_LOG_ERROR, __VA_ARGS__)
#define pl_warn(...)  pl_log(PL_LOG_WARN, __VA_ARGS__)
#define pl_info(...)  pl_log(PL_LOG_INFO, __VA_ARGS__)
#define pl_debug(...) pl_log(PL_LOG_DEBUG, __VA_ARGS__)

#endif
