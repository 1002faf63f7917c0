/* SPDX-License-Identifier: Apache-2.0 */
/* tests/shim/ptyshim.c - LD_PRELOAD shim: let libserialport open pseudo-terminals.
 *
 * TEST ONLY. libserialport 0.1.1 reads the modem lines with TIOCMGET in
 * sp_open() and fails with ENOTTY on a Linux pty, which has no modem lines
 * (research/hands-on.md §2). This shim wraps ioctl(): when the real call
 * fails with ENOTTY on a pty slave (char major 136..143) it fakes
 * TIOCMGET/TIOCMSET/TIOCMBIS/TIOCMBIC with a stored bit mask, so DTR/RTS
 * calls "succeed" and can be read back. Every other call, and every call on
 * a real serial port, goes to the real ioctl untouched.
 *
 * Built by tests/CMakeLists.txt as the shared library `ptyshim` without the
 * sanitizers (it is preloaded ahead of them; run ASan programs with
 * ASAN_OPTIONS=verify_asan_link_order=0).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

/* Modem bits per process, not per fd: tests open one port at a time per side. */
static int ptyshim_bits = TIOCM_DSR | TIOCM_CTS | TIOCM_CD;

typedef int ioctl_fn(int, unsigned long, ...);

static int ptyshim_is_pty(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode))
		return 0;
	return major(st.st_rdev) >= 136 && major(st.st_rdev) <= 143;
}

/* The shared body: call the real entry point `name`, and fake the modem
 * bits when a pty answers ENOTTY. */
static int ptyshim_call(const char *name, ioctl_fn **real, int fd, unsigned long req, void *arg)
{
	int r, saved;

	if (!*real)
		*real = (ioctl_fn *)dlsym(RTLD_NEXT, name);
	r = (*real)(fd, req, arg);
	if (r == 0 || errno != ENOTTY)
		return r;
	saved = errno;
	if (!ptyshim_is_pty(fd)) {
		errno = saved;
		return r;
	}
	switch (req) {
	case TIOCMGET:
		*(int *)arg = ptyshim_bits;
		return 0;
	case TIOCMSET:
		ptyshim_bits = *(const int *)arg;
		return 0;
	case TIOCMBIS:
		ptyshim_bits |= *(const int *)arg;
		return 0;
	case TIOCMBIC:
		ptyshim_bits &= ~*(const int *)arg;
		return 0;
	default:
		errno = saved;
		return r;
	}
}

/* Exported under explicit symbol names: with _TIME_BITS=64 on 32-bit ARM,
 * <sys/ioctl.h> renames ioctl to __ioctl_time64, so a program built that way
 * (our tests) calls one name and Debian 12's libserialport (32-bit time_t)
 * the other. Both are caught. */
int ptyshim_ioctl(int fd, unsigned long req, ...) __asm__("ioctl");
int ptyshim_ioctl(int fd, unsigned long req, ...)
{
	static ioctl_fn *real;
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	return ptyshim_call("ioctl", &real, fd, req, arg);
}

#if defined(__arm__) && !defined(__aarch64__)
int ptyshim_ioctl_time64(int fd, unsigned long req, ...) __asm__("__ioctl_time64");
int ptyshim_ioctl_time64(int fd, unsigned long req, ...)
{
	static ioctl_fn *real;
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	return ptyshim_call("__ioctl_time64", &real, fd, req, arg);
}
#endif
