/* SPDX-License-Identifier: Apache-2.0 */
/* base/buf.h - a growable byte buffer with a hard cap (curl dynbuf).
 *
 * Every buffer that holds bytes from outside has a cap (house style §10):
 * an append past `max` frees nothing, leaves the buffer as it was and returns
 * -PL_ETOOBIG. The data is always NUL-terminated (the NUL is not counted).
 *
 * Ownership: struct buf is embedded by the caller; buf_release() frees the
 * storage; buf_detach() hands the storage to the caller (free() it).
 */
#ifndef PL_BASE_BUF_H
#define PL_BASE_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;
	size_t max; /* hard cap on len */
};

void buf_init(struct buf *b, size_t max);
void buf_release(struct buf *b);
/* Empty the buffer, keep the storage. */
void buf_reset(struct buf *b);
int buf_append(struct buf *b, const void *data, size_t len);
int buf_puts(struct buf *b, const char *s);
int buf_putc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap);
/* Drop the first n bytes (a consumed frame). */
void buf_consume(struct buf *b, size_t n);
/* Take the storage (NUL-terminated, possibly NULL when empty); the buffer is re-initialised. */
char *buf_detach(struct buf *b, size_t *len);

#endif
