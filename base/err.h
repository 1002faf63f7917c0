/* SPDX-License-Identifier: Apache-2.0 */
/* base/err.h - the project's error codes.
 *
 * Actions return int: 0 on success or a negative PL_E* code (house style §5,
 * after libuv's UV_ERRNO_MAP). One X-macro table yields the enum, pl_strerror()
 * and pl_errname(). Codes are never renumbered or removed; add new ones last.
 */
#ifndef PL_BASE_ERR_H
#define PL_BASE_ERR_H

#define PL_ERR_MAP(XX)                                                                             \
	XX(INVAL, "invalid input")                                                                 \
	XX(NOMEM, "out of memory")                                                                 \
	XX(IO, "input/output error")                                                               \
	XX(NOTFOUND, "not found")                                                                  \
	XX(EXIST, "already exists")                                                                \
	XX(TOOBIG, "input too large")                                                              \
	XX(TIMEDOUT, "timed out")                                                                  \
	XX(PROTO, "protocol error")                                                                \
	XX(NOTSUP, "not supported")                                                                \
	XX(CONFIG, "configuration error")                                                          \
	XX(STORE, "store error")                                                                   \
	XX(BUSY, "busy")                                                                           \
	XX(DEVICE, "device error")                                                                 \
	XX(STATE, "wrong state")                                                                   \
	XX(UNKNOWN, "outcome unknown")                                                             \
	XX(LOST, "claim lost to another owner")

enum pl_err {
	PL_OK = 0,
#define PL_ERR_GEN(name, msg) PL_E##name,
	PL_E_FIRST_ = 999, /* codes start at 1000 so they never collide with errno */
	PL_ERR_MAP(PL_ERR_GEN)
#undef PL_ERR_GEN
	    PL_E_LAST_
};

/* Message for a code (positive or negative); never NULL, static storage. */
const char *pl_strerror(int code);
/* Symbolic name ("PL_EINVAL") for a code; never NULL, static storage. */
const char *pl_errname(int code);

#endif
