#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# cross/qemu-run.sh ARCH SYSROOT PROGRAM [ARGS...] - run a target program
# under qemu-user; the CMAKE_CROSSCOMPILING_EMULATOR of the toolchain files,
# so ctest runs every test through it.
#
#  * the sysroot is the guest's library prefix (QEMU_LD_PREFIX, inherited by
#    child processes);
#  * the guest preloads qemu-exec-shim.so (built here for the target on first
#    use, cached in the sysroot), so a test that executes another target
#    program - itself, a helper it kills - works without binfmt_misc;
#  * PL_EMULATED=ARCH tells the guest it is emulated (a test may skip what
#    qemu-user cannot do, e.g. libusb device discovery - see docs/cross.md);
#  * timeout(1) caps the run at PL_QEMU_TIMEOUT seconds (default 300): a
#    guest spinning at 100 % CPU (libusb_init under qemu 7.2) is killed even
#    when ctest's TIMEOUT is larger.
set -euo pipefail
arch=${1:?usage: qemu-run.sh ARCH SYSROOT PROGRAM [ARGS...]}
sysroot=${2:?usage: qemu-run.sh ARCH SYSROOT PROGRAM [ARGS...]}
shift 2
case "$arch" in
arm64) qemu=qemu-aarch64 cc=aarch64-linux-gnu-gcc ;;
armhf) qemu=qemu-arm cc=arm-linux-gnueabihf-gcc ;;
*) echo "qemu-run: unknown arch '$arch'" >&2; exit 2 ;;
esac
here=$(cd "$(dirname "$0")" && pwd)
src=$here/qemu-exec-shim.c
shim=$sysroot/.packline/qemu-exec-shim.so

if [ ! -f "$shim" ] || [ "$src" -nt "$shim" ]; then
	mkdir -p "$(dirname "$shim")"
	# ctest -j runs several of us at once: one builds, the others wait
	exec 9>"$shim.lock"
	flock 9
	if [ ! -f "$shim" ] || [ "$src" -nt "$shim" ]; then
		"$cc" --sysroot="$sysroot" -O2 -fPIC -shared -Wall -Wextra -Werror \
			"$src" -o "$shim.tmp.$$" -ldl
		mv "$shim.tmp.$$" "$shim"
	fi
	exec 9>&-
fi

export QEMU_LD_PREFIX=$sysroot
export PL_QEMU
PL_QEMU=$(command -v "$qemu")
export PL_EXEC_SHIM=$shim
export PL_EMULATED=$arch
# the guest's LD_PRELOAD, set by qemu for the guest only (the host qemu
# binary must not try to preload an ARM library)
guest_preload=$shim
if [ -n "${LD_PRELOAD:-}" ]; then
	guest_preload="$LD_PRELOAD:$shim"
	unset LD_PRELOAD
fi
exec timeout -k 10 "${PL_QEMU_TIMEOUT:-300}" "$PL_QEMU" -E "LD_PRELOAD=$guest_preload" "$@"
