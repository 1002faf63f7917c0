/* SPDX-License-Identifier: Apache-2.0 */
/* labels/cups_lazy.c - libcups, loaded on first use (base/lazylib.h).
 *
 * packline does not link libcups: each function print_cups.c calls is
 * defined here under its real name and forwards to the real one. The
 * prototypes are libcups' own (a mismatch does not compile). Add a function
 * here when print_cups.c starts calling it - the link fails until you do.
 */
#include "labels/cups_lazy.h"
#include "base/lazylib.h"

#include <cups/cups.h>

/* X(return type, name, parameters, arguments); XV for void functions. */
#define CUPS_LAZY_FNS(X, XV)                                                                       \
	X(ipp_status_t, cupsCancelJob2, (http_t * h, const char *name, int id, int purge),         \
	  (h, name, id, purge))                                                                    \
	X(ipp_t *, cupsDoRequest, (http_t * h, ipp_t * req, const char *res), (h, req, res))       \
	X(ipp_status_t, cupsFinishDocument, (http_t * h, const char *name), (h, name))             \
	X(ipp_status_t, cupsLastError, (void), ())                                                 \
	X(const char *, cupsLastErrorString, (void), ())                                           \
	X(const char *, cupsServer, (void), ())                                                    \
	XV(cupsSetPasswordCB2, (cups_password_cb2_t cb, void *ud), (cb, ud))                       \
	X(http_status_t, cupsStartDocument,                                                        \
	  (http_t * h, const char *name, int id, const char *doc, const char *fmt, int last),      \
	  (h, name, id, doc, fmt, last))                                                           \
	X(const char *, cupsUser, (void), ())                                                      \
	X(http_status_t, cupsWriteRequestData, (http_t * h, const char *b, size_t n), (h, b, n))   \
	XV(httpClose, (http_t * h), (h))                                                           \
	X(http_t *, httpConnect2,                                                                  \
	  (const char *host, int port, http_addrlist_t *al, int fam, http_encryption_t enc,        \
	   int blocking, int msec, int *cancel),                                                   \
	  (host, port, al, fam, enc, blocking, msec, cancel))                                      \
	XV(httpSetTimeout, (http_t * h, double t, http_timeout_cb_t cb, void *ud), (h, t, cb, ud)) \
	X(ipp_attribute_t *, ippAddInteger,                                                        \
	  (ipp_t * ipp, ipp_tag_t g, ipp_tag_t vt, const char *name, int v),                       \
	  (ipp, g, vt, name, v))                                                                   \
	X(ipp_attribute_t *, ippAddString,                                                         \
	  (ipp_t * ipp, ipp_tag_t g, ipp_tag_t vt, const char *name, const char *lang,             \
	   const char *v),                                                                         \
	  (ipp, g, vt, name, lang, v))                                                             \
	X(ipp_attribute_t *, ippAddStrings,                                                        \
	  (ipp_t * ipp, ipp_tag_t g, ipp_tag_t vt, const char *name, int n, const char *lang,      \
	   const char *const *v),                                                                  \
	  (ipp, g, vt, name, n, lang, v))                                                          \
	X(int, ippCopyAttributes, (ipp_t * dst, ipp_t * src, int quick, ipp_copycb_t cb, void *c), \
	  (dst, src, quick, cb, c))                                                                \
	XV(ippDelete, (ipp_t * ipp), (ipp))                                                        \
	X(ipp_attribute_t *, ippFindAttribute, (ipp_t * ipp, const char *name, ipp_tag_t vt),      \
	  (ipp, name, vt))                                                                         \
	X(int, ippGetBoolean, (ipp_attribute_t * a, int e), (a, e))                                \
	X(ipp_attribute_t *, ippFirstAttribute, (ipp_t * ipp), (ipp))                              \
	X(ipp_attribute_t *, ippNextAttribute, (ipp_t * ipp), (ipp))                               \
	X(const char *, ippGetName, (ipp_attribute_t * a), (a))                                    \
	X(ipp_tag_t, ippGetGroupTag, (ipp_attribute_t * a), (a))                                   \
	X(int, ippGetCount, (ipp_attribute_t * a), (a))                                            \
	X(int, ippGetInteger, (ipp_attribute_t * a, int e), (a, e))                                \
	X(ipp_op_t, ippGetOperation, (ipp_t * ipp), (ipp))                                         \
	X(int, ippGetRequestId, (ipp_t * ipp), (ipp))                                              \
	X(const char *, ippGetString, (ipp_attribute_t * a, int e, const char **lang),             \
	  (a, e, lang))                                                                            \
	X(ipp_t *, ippNew, (void), ())                                                             \
	X(ipp_t *, ippNewRequest, (ipp_op_t op), (op))                                             \
	X(int, ippPort, (void), ())                                                                \
	X(int, ippSetOperation, (ipp_t * ipp, ipp_op_t op), (ipp, op))                             \
	X(int, ippSetRequestId, (ipp_t * ipp, int id), (ipp, id))

enum { CUPS_LAZY_FNS(LAZYLIB_ENUM, LAZYLIB_ENUMV) LAZY_COUNT };
static const char *const cups_names[] = {CUPS_LAZY_FNS(LAZYLIB_NAME, LAZYLIB_NAMEV)};
static void *cups_fns[LAZY_COUNT];
static struct lazylib lazy_lib = LAZYLIB_INIT("libcups.so.2", "libcups2", cups_names, cups_fns);

int cups_lazy_load(const char **why)
{
	int rc = lazylib_load(&lazy_lib);

	if (why)
		*why = lazylib_error(&lazy_lib);
	return rc;
}

CUPS_LAZY_FNS(LAZYLIB_FWD, LAZYLIB_FWDV)
