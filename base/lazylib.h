/* SPDX-License-Identifier: Apache-2.0 */
/* base/lazylib.h - open a shared library on first use, not at start-up.
 *
 * Why: libcurl and libcups each pull in some forty libraries (TLS, Kerberos,
 * LDAP, Avahi...). Linked normally, the dynamic loader maps and relocates all
 * of them before main(), which alone costs ~7 MB of resident memory on a
 * handheld whose budget is 8 MB for the whole idle agent. packline therefore
 * does not link them: a stub file per library (connectors/curl_lazy.c,
 * labels/cups_lazy.c) defines each function we call under its real name, and
 * the stub resolves the real one through this module on first call. The
 * prototypes come from the library's own header, so a stub that does not
 * match is a compile error. Only the sidecar processes (base/sidecar.h) ever
 * call them, so the agent's own process never maps the libraries at all.
 *
 * A library that cannot be loaded is not fatal: lazylib_load() says why
 * ("libcurl.so.4 (Debian package libcurl4) cannot be loaded: ...") and the
 * feature that needs it fails with that message. Every entry point of a
 * feature calls lazylib_load() first; a stub reached without a loaded library
 * is a programming error and aborts with the same message.
 *
 * Thread-safe; a failed load is retried by the next lazylib_load() (the
 * package may have been installed since). Libraries are never unloaded:
 * several (OpenSSL) cannot be, and repeated dlopen/dlclose of libcups leaks
 * ~22 KB per cycle - the sidecar process exiting is what gives memory back.
 */
#ifndef PL_BASE_LAZYLIB_H
#define PL_BASE_LAZYLIB_H

#include <stdatomic.h>
#include <stddef.h>

struct lazylib {
	const char *soname;       /* "libcurl.so.4" */
	const char *package;      /* Debian package named in errors: "libcurl4" */
	const char *const *names; /* n symbol names */
	void **fns;               /* n slots, filled on load */
	size_t n;
	/* private */
	atomic_int loaded;
	void *handle;
	char err[384];
};

#define LAZYLIB_INIT(so, pkg, names_, fns_)                                                        \
	{                                                                                          \
		.soname = (so), .package = (pkg), .names = (names_), .fns = (fns_),                \
		.n = sizeof(names_) / sizeof((names_)[0])                                          \
	}

/* For stub files. The functions are an X-macro list of X(ret, name, params,
 * args) and XV(name, params, args) (void); the file has an enum of LAZY_name
 * slots and a `static struct lazylib lazy_lib`. The parenthesised name keeps
 * a library's function-like macros (curl's type checks) from expanding. */
#define LAZYLIB_ENUM(ret, name, params, args) LAZY_##name,
#define LAZYLIB_ENUMV(name, params, args)     LAZY_##name,
#define LAZYLIB_NAME(ret, name, params, args) #name,
#define LAZYLIB_NAMEV(name, params, args)     #name,
#define LAZYLIB_FWD(ret, name, params, args)                                                       \
	ret(name) params                                                                           \
	{                                                                                          \
		return ((ret(*) params)lazylib_fn(&lazy_lib, LAZY_##name))args;                    \
	}
#define LAZYLIB_FWDV(name, params, args)                                                           \
	void(name) params                                                                          \
	{                                                                                          \
		((void(*) params)lazylib_fn(&lazy_lib, LAZY_##name)) args;                         \
	}

/* Load the library and resolve every name: 0, or -PL_ENOTSUP with the reason
 * in lazylib_error() (a missing library or symbol). */
int lazylib_load(struct lazylib *lib);
/* The last failure's message ("" when none); valid until the next load. */
const char *lazylib_error(const struct lazylib *lib);
/* Slot i of a loaded library; aborts (see above) when it cannot be loaded. */
void *lazylib_fn(struct lazylib *lib, size_t i);

#endif
