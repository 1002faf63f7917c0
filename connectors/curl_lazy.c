/* SPDX-License-Identifier: Apache-2.0 */
/* connectors/curl_lazy.c - libcurl, loaded on first use (base/lazylib.h).
 *
 * packline does not link libcurl: each function http_sidecar.c calls is
 * defined here under its real name and forwards to the real one. The
 * prototypes are libcurl's own (a mismatch does not compile). Add a function
 * here when the HTTP code starts calling it - the link fails until you do.
 */
#include "connectors/curl_lazy.h"
#include "base/lazylib.h"

#include <curl/curl.h>

#include <stdarg.h>

/* X(return type, name, parameters, arguments); XV for void functions. */
#define CURL_LAZY_FNS(X, XV)                                                                       \
	X(CURLcode, curl_global_init, (long flags), (flags))                                       \
	X(CURL *, curl_easy_init, (void), ())                                                      \
	XV(curl_easy_cleanup, (CURL * c), (c))                                                     \
	XV(curl_easy_reset, (CURL * c), (c))                                                       \
	X(CURLcode, curl_easy_perform, (CURL * c), (c))                                            \
	X(const char *, curl_easy_strerror, (CURLcode cc), (cc))                                   \
	X(struct curl_slist *, curl_slist_append, (struct curl_slist * l, const char *s), (l, s))  \
	XV(curl_slist_free_all, (struct curl_slist * l), (l))
/* Variadic: written out below. */
#define CURL_LAZY_VARIADIC(N) N(curl_easy_setopt) N(curl_easy_getinfo)

#define CL_ENUMN(name) LAZY_##name,
#define CL_NAMEN(name) #name,
enum { CURL_LAZY_FNS(LAZYLIB_ENUM, LAZYLIB_ENUMV) CURL_LAZY_VARIADIC(CL_ENUMN) LAZY_COUNT };
static const char *const curl_names[] = {CURL_LAZY_FNS(LAZYLIB_NAME, LAZYLIB_NAMEV)
					     CURL_LAZY_VARIADIC(CL_NAMEN)};
static void *curl_fns[LAZY_COUNT];
static struct lazylib lazy_lib = LAZYLIB_INIT("libcurl.so.4", "libcurl4", curl_names, curl_fns);

int curl_lazy_load(const char **why)
{
	int rc = lazylib_load(&lazy_lib);

	if (why)
		*why = lazylib_error(&lazy_lib);
	return rc;
}

CURL_LAZY_FNS(LAZYLIB_FWD, LAZYLIB_FWDV)

/* A variadic function cannot pass its `...` on, so take the one argument by
 * the option's type, as libcurl's own setopt does: the type is encoded in
 * the option number (CURLOPTTYPE_* bases, curl.h). */
CURLcode(curl_easy_setopt)(CURL *c, CURLoption o, ...)
{
	CURLcode (*fn)(CURL *, CURLoption, ...) =
	    (CURLcode(*)(CURL *, CURLoption, ...))lazylib_fn(&lazy_lib, LAZY_curl_easy_setopt);
	CURLcode rc;
	va_list ap;

	va_start(ap, o);
	if (o < CURLOPTTYPE_OBJECTPOINT) {
		long v = va_arg(ap, long);
		rc = fn(c, o, v);
	} else if (o < CURLOPTTYPE_FUNCTIONPOINT) {
		void *v = va_arg(ap, void *);
		rc = fn(c, o, v);
	} else if (o < CURLOPTTYPE_OFF_T) {
		void (*v)(void) = va_arg(ap, void (*)(void));
		rc = fn(c, o, v);
	} else if (o < CURLOPTTYPE_BLOB) {
		curl_off_t v = va_arg(ap, curl_off_t);
		rc = fn(c, o, v);
	} else {
		void *v = va_arg(ap, void *);
		rc = fn(c, o, v);
	}
	va_end(ap);
	return rc;
}

/* Every CURLINFO takes one pointer to where the answer goes. */
CURLcode(curl_easy_getinfo)(CURL *c, CURLINFO i, ...)
{
	CURLcode (*fn)(CURL *, CURLINFO, ...) =
	    (CURLcode(*)(CURL *, CURLINFO, ...))lazylib_fn(&lazy_lib, LAZY_curl_easy_getinfo);
	void *p;
	va_list ap;

	va_start(ap, i);
	p = va_arg(ap, void *);
	va_end(ap);
	return fn(c, i, p);
}
