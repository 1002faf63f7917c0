/* SPDX-License-Identifier: Apache-2.0 */
/* cross/qemu-exec-shim.c - binfmt_misc for one process tree, in user space.
 *
 * Under qemu-user without binfmt_misc (containers, CI), a guest process that
 * executes another guest binary - a test re-executing itself with a shim
 * preloaded, a crash test spawning a writer it then SIGKILLs - gets ENOEXEC
 * from the host kernel. cross/qemu-run.sh preloads this library into the
 * guest; it wraps the exec family and posix_spawn: when the file to run is an
 * ELF for this guest's machine, it runs `qemu -0 ARGV0 PATH ARGS...` instead
 * (the same pid, so waitpid/kill/WTERMSIG behave as natively: qemu-user
 * re-raises a guest's fatal signal on itself). A host program (/bin/sh, a
 * host tool) runs unchanged, minus this library in LD_PRELOAD so the host's
 * ld.so does not complain about a foreign ELF class.
 *
 * Environment (set by cross/qemu-run.sh): PL_QEMU (the qemu-user program),
 * PL_EXEC_SHIM (this library's path); QEMU_LD_PREFIX is inherited.
 * Guest LD_PRELOAD is carried across the host qemu via QEMU_SET_ENV.
 *
 * Built for the target by cross/qemu-run.sh; not part of packline.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__aarch64__)
#define SHIM_MACHINE EM_AARCH64
#elif defined(__arm__)
#define SHIM_MACHINE EM_ARM
#else
#error "qemu-exec-shim is for ARM guests"
#endif

#define SHIM_MAX_ARGS 4096
#define SHIM_MAX_ENV  4096
#define SHIM_VAR_MAX  8192

extern char **environ;

typedef int (*execve_fn)(const char *, char *const[], char *const[]);
typedef int (*spawn_fn)(pid_t *, const char *, const posix_spawn_file_actions_t *,
			const posix_spawnattr_t *, char *const[], char *const[]);

/* 1 if `path` is an ELF executable for this guest's machine. */
static int is_guest_elf(const char *path)
{
	unsigned char h[EI_NIDENT + 4];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;
	unsigned machine;

	if (fd < 0)
		return 0;
	n = read(fd, h, sizeof(h));
	close(fd);
	if (n < (ssize_t)sizeof(h) || memcmp(h, ELFMAG, SELFMAG) != 0)
		return 0;
	/* e_machine follows e_type (2 bytes) after e_ident; ARM is little-endian */
	machine = (unsigned)h[EI_NIDENT + 2] | ((unsigned)h[EI_NIDENT + 3] << 8);
	return machine == SHIM_MACHINE;
}

/* LD_PRELOAD value without our own library ("" if nothing is left). */
static void preload_without_shim(const char *value, const char *shim, char *out, size_t size)
{
	char buf[SHIM_VAR_MAX];
	char *save = NULL, *tok;
	size_t len = 0;

	out[0] = '\0';
	if (!value)
		return;
	snprintf(buf, sizeof(buf), "%s", value);
	for (tok = strtok_r(buf, ": ", &save); tok; tok = strtok_r(NULL, ": ", &save)) {
		if (shim && strcmp(tok, shim) == 0)
			continue;
		len += (size_t)snprintf(out + len, len < size ? size - len : 0, "%s%s",
					len ? ":" : "", tok);
		if (len >= size) {
			out[0] = '\0';
			return;
		}
	}
}

/* Build the environment for the new process. For a guest program the guest's
 * LD_PRELOAD (plus this shim) travels in QEMU_SET_ENV; the host qemu itself
 * gets no LD_PRELOAD. For a host program only the shim is dropped. */
static char **make_env(char *const envp[], int guest, char *vars, size_t vars_size)
{
	static char *env[SHIM_MAX_ENV];
	const char *shim = getenv("PL_EXEC_SHIM");
	const char *preload = NULL;
	char rest[SHIM_VAR_MAX / 2]; /* room for the prefix and the shim in vars */
	size_t n = 0, i;

	for (i = 0; envp && envp[i]; i++)
		if (strncmp(envp[i], "LD_PRELOAD=", 11) == 0)
			preload = envp[i] + 11;
	preload_without_shim(preload, shim, rest, sizeof(rest));
	for (i = 0; envp && envp[i] && n < SHIM_MAX_ENV - 2; i++) {
		if (strncmp(envp[i], "LD_PRELOAD=", 11) == 0)
			continue;
		if (guest && strncmp(envp[i], "QEMU_SET_ENV=", 13) == 0)
			continue;
		env[n++] = envp[i];
	}
	if (guest) {
		snprintf(vars, vars_size, "QEMU_SET_ENV=LD_PRELOAD=%s%s%s", rest,
			 rest[0] ? ":" : "", shim ? shim : "");
		env[n++] = vars;
	} else if (rest[0]) {
		snprintf(vars, vars_size, "LD_PRELOAD=%s", rest);
		env[n++] = vars;
	}
	env[n] = NULL;
	return env;
}

/* argv for `qemu -0 argv0 path args...`; NULL if too long or no PL_QEMU. */
static char **make_argv(const char *path, char *const argv[], char *real, size_t real_size)
{
	static char *av[SHIM_MAX_ARGS];
	const char *qemu = getenv("PL_QEMU");
	size_t n = 0, i;

	if (!qemu)
		return NULL;
	/* realpath: "/proc/self/exe" read under qemu is the guest program, but a
	 * new host process would see qemu itself there. */
	if (!realpath(path, real))
		snprintf(real, real_size, "%s", path);
	av[n++] = (char *)qemu;
	av[n++] = (char *)"-0";
	av[n++] = (char *)(argv && argv[0] ? argv[0] : path);
	av[n++] = real;
	for (i = 1; argv && argv[0] && argv[i]; i++) {
		if (n >= SHIM_MAX_ARGS - 1)
			return NULL;
		av[n++] = argv[i];
	}
	av[n] = NULL;
	return av;
}

static int shim_execve(const char *path, char *const argv[], char *const envp[])
{
	static execve_fn real_execve;
	char vars[SHIM_VAR_MAX], real[PATH_MAX];
	int guest = is_guest_elf(path);
	char **av = NULL;

	if (!real_execve)
		real_execve = (execve_fn)dlsym(RTLD_NEXT, "execve");
	if (guest)
		av = make_argv(path, argv, real, sizeof(real));
	if (guest && av)
		return real_execve(av[0], av, make_env(envp, 1, vars, sizeof(vars)));
	return real_execve(path, argv, make_env(envp, 0, vars, sizeof(vars)));
}

/* PATH search as execvp does it (no slash in `file`). */
static int shim_execvpe(const char *file, char *const argv[], char *const envp[])
{
	const char *p = getenv("PATH");
	char full[PATH_MAX];
	int saved = ENOENT;

	if (strchr(file, '/'))
		return shim_execve(file, argv, envp);
	if (!p)
		p = "/usr/local/bin:/usr/bin:/bin";
	while (*p) {
		size_t len = strcspn(p, ":");
		int n = snprintf(full, sizeof(full), "%.*s/%s", len ? (int)len : 1, len ? p : ".",
				 file);
		if (n > 0 && (size_t)n < sizeof(full) && access(full, X_OK) == 0) {
			shim_execve(full, argv, envp);
			saved = errno;
		}
		p += len + (p[len] == ':');
	}
	errno = saved;
	return -1;
}

/* At load: take this library out of the guest's own LD_PRELOAD, so that
 * programs started behind our back (system() and popen() use glibc's internal
 * spawn, which no interposer sees) do not inherit an ARM library the host
 * ld.so cannot load. Guest children started through the wrappers get it back
 * via QEMU_SET_ENV (make_env). */
__attribute__((constructor)) static void shim_init(void)
{
	char rest[SHIM_VAR_MAX];

	preload_without_shim(getenv("LD_PRELOAD"), getenv("PL_EXEC_SHIM"), rest, sizeof(rest));
	if (rest[0])
		setenv("LD_PRELOAD", rest, 1);
	else
		unsetenv("LD_PRELOAD");
	unsetenv("QEMU_SET_ENV");
}

int execve(const char *path, char *const argv[], char *const envp[])
{
	return shim_execve(path, argv, envp);
}

int execv(const char *path, char *const argv[])
{
	return shim_execve(path, argv, environ);
}

int execvp(const char *file, char *const argv[])
{
	return shim_execvpe(file, argv, environ);
}

int execvpe(const char *file, char *const argv[], char *const envp[])
{
	return shim_execvpe(file, argv, envp);
}

/* execl/execlp/execle: collect the variadic list into an argv. */
#define SHIM_COLLECT(ap, first, av, n)                                                             \
	do {                                                                                       \
		(av)[(n)++] = (char *)(first);                                                     \
		while ((n) < SHIM_MAX_ARGS - 1 && ((av)[(n)] = va_arg((ap), char *)) != NULL)      \
			(n)++;                                                                     \
		(av)[(n)] = NULL;                                                                  \
	} while (0)

int execl(const char *path, const char *arg, ...)
{
	char *av[SHIM_MAX_ARGS];
	size_t n = 0;
	va_list ap;

	va_start(ap, arg);
	SHIM_COLLECT(ap, arg, av, n);
	va_end(ap);
	return shim_execve(path, av, environ);
}

int execlp(const char *file, const char *arg, ...)
{
	char *av[SHIM_MAX_ARGS];
	size_t n = 0;
	va_list ap;

	va_start(ap, arg);
	SHIM_COLLECT(ap, arg, av, n);
	va_end(ap);
	return shim_execvpe(file, av, environ);
}

int execle(const char *path, const char *arg, ...)
{
	char *av[SHIM_MAX_ARGS];
	char *const *envp;
	size_t n = 0;
	va_list ap;

	va_start(ap, arg);
	SHIM_COLLECT(ap, arg, av, n);
	envp = va_arg(ap, char *const *);
	va_end(ap);
	return shim_execve(path, av, envp);
}

static int shim_spawn(const char *sym, pid_t *pid, const char *path,
		      const posix_spawn_file_actions_t *fa, const posix_spawnattr_t *attr,
		      char *const argv[], char *const envp[])
{
	spawn_fn real = (spawn_fn)dlsym(RTLD_NEXT, sym);
	char vars[SHIM_VAR_MAX], real_path[PATH_MAX];
	char **av = NULL;
	int guest = strchr(path, '/') && is_guest_elf(path);

	/* posix_spawnp of a bare name: resolved by the real call; only guest
	 * programs named by path are redirected (what tests do). */
	if (guest)
		av = make_argv(path, argv, real_path, sizeof(real_path));
	if (guest && av)
		return real(pid, av[0], fa, attr, av, make_env(envp, 1, vars, sizeof(vars)));
	return real(pid, path, fa, attr, argv, make_env(envp, 0, vars, sizeof(vars)));
}

int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
		const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	return shim_spawn("posix_spawn", pid, path, fa, attr, argv, envp);
}

int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
		 const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	return shim_spawn("posix_spawnp", pid, file, fa, attr, argv, envp);
}
