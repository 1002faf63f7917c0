/* SPDX-License-Identifier: Apache-2.0 */
/* base/lazylib.c - dlopen on first use (see lazylib.h for why). */
#include "base/lazylib.h"
#include "base/err.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

/* One lock for every library: loads are rare and short. */
static pthread_mutex_t lazylib_lock = PTHREAD_MUTEX_INITIALIZER;

static int lazylib_load_locked(struct lazylib *lib)
{
	void *h;
	size_t i;

	h = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		snprintf(lib->err, sizeof(lib->err), "%s (Debian package %s) cannot be loaded: %s",
			 lib->soname, lib->package, dlerror());
		return -PL_ENOTSUP;
	}
	for (i = 0; i < lib->n; i++) {
		void *f = dlsym(h, lib->names[i]);
		if (!f) {
			snprintf(lib->err, sizeof(lib->err),
				 "%s (Debian package %s) has no %s: too old a version?",
				 lib->soname, lib->package, lib->names[i]);
			dlclose(h);
			return -PL_ENOTSUP;
		}
		lib->fns[i] = f;
	}
	lib->handle = h;
	lib->err[0] = '\0';
	/* release: a reader that sees loaded == 1 also sees every slot */
	atomic_store_explicit(&lib->loaded, 1, memory_order_release);
	return 0;
}

int lazylib_load(struct lazylib *lib)
{
	int rc = 0;

	if (atomic_load_explicit(&lib->loaded, memory_order_acquire))
		return 0;
	pthread_mutex_lock(&lazylib_lock);
	if (!atomic_load_explicit(&lib->loaded, memory_order_relaxed))
		rc = lazylib_load_locked(lib);
	pthread_mutex_unlock(&lazylib_lock);
	return rc;
}

const char *lazylib_error(const struct lazylib *lib)
{
	return lib->err;
}

void *lazylib_fn(struct lazylib *lib, size_t i)
{
	if (lazylib_load(lib) || i >= lib->n) {
		fprintf(stderr,
			"packline: internal error: %s called before its library loaded: %s\n",
			i < lib->n ? lib->names[i] : "?", lib->err);
		abort();
	}
	return lib->fns[i];
}
