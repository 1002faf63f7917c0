#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# scripts/cross-build.sh [arm64] [armhf] - build packline for ARM from a clean
# tree and run its tests under qemu-user. One command, idempotent; with no
# argument it does both targets. Quiet on success: one line per step with its
# time; a failing step prints the tail of its log (kept in the build dir).
#
#   1. installs the host packages it needs (cross gcc, qemu-user, mmdebstrap)
#   2. makes or reuses the target sysroot (cross/make-sysroot.sh, cached in
#      .sysroot/ - git-ignored - and rebuilt only when its package list changes)
#   3. configures build-aarch64 / build-armhf with cross/<triplet>.cmake
#   4. builds, then runs ctest: every unit, protocol and fuzz-corpus test under
#      qemu-user (cross/qemu-run.sh caps each at PL_QEMU_TIMEOUT s), minus the
#      host-only tests named in cross/host-only-tests.txt
#   5. on armhf: tests/sh/test_time64.sh on the ARM programs themselves
#
# Env: PL_CROSS_BUILD_TYPE (RelWithDebInfo), PL_WERROR (ON), PL_JOBS (2),
#      PL_QEMU_TIMEOUT (300), PL_SYSROOT_BASE (.sysroot).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
jobs=${PL_JOBS:-2}
build_type=${PL_CROSS_BUILD_TYPE:-RelWithDebInfo}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(arm64 armhf)
t_all=$(date +%s)

step_log=
fail() {
	echo "cross-build: FAILED: $1" >&2
	if [ -n "$step_log" ] && [ -f "$step_log" ]; then
		echo "---- last 60 lines of $step_log" >&2
		tail -n 60 "$step_log" >&2
	fi
	exit 1
}
# run a step quietly: step NAME LOG CMD... ; prints "NAME: Ns"
step() {
	local name=$1 log=$2 t0
	shift 2
	step_log=$log
	t0=$(date +%s)
	"$@" >"$log" 2>&1 || fail "$name"
	printf 'cross-build: %-28s %4ds\n' "$name" $(($(date +%s) - t0))
}

# 1. host packages
need=(cmake pkg-config make qemu-user mmdebstrap)
for t in "${targets[@]}"; do
	case "$t" in
	arm64) need+=(gcc-aarch64-linux-gnu) ;;
	armhf) need+=(gcc-arm-linux-gnueabihf) ;;
	*) echo "cross-build: unknown target '$t' (arm64, armhf)" >&2; exit 2 ;;
	esac
done
missing=()
for p in "${need[@]}"; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	SUDO=
	[ "$(id -u)" = 0 ] || SUDO=sudo
	mkdir -p "$root/build-cross-logs"
	export DEBIAN_FRONTEND=noninteractive
	step "apt-get install (${#missing[@]})" "$root/build-cross-logs/apt.log" \
		bash -c "$SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends ${missing[*]}"
fi

for t in "${targets[@]}"; do
	case "$t" in
	arm64) triplet=aarch64-linux-gnu dir=build-aarch64 ;;
	armhf) triplet=arm-linux-gnueabihf dir=build-armhf ;;
	esac
	b=$root/$dir
	mkdir -p "$b"
	# 2. sysroot
	step "$t sysroot" "$b/sysroot.log" env PL_QUIET=1 cross/make-sysroot.sh "$t"
	# 3. configure (a reused build dir keeps its cache; the toolchain is fixed)
	step "$t configure" "$b/configure.log" cmake -S "$root" -B "$b" \
		-DCMAKE_TOOLCHAIN_FILE="$root/cross/$triplet.cmake" \
		-DCMAKE_BUILD_TYPE="$build_type" -DPL_WERROR="${PL_WERROR:-ON}" -DPL_SANITIZE=
	# 4. build and test
	step "$t build" "$b/build.log" cmake --build "$b" -j"$jobs"
	exclude=$(grep -vE '^[[:space:]]*(#|$)' cross/host-only-tests.txt | paste -sd'|')
	step "$t ctest under qemu" "$b/ctest.log" \
		ctest --test-dir "$b" -j"$jobs" --output-on-failure --timeout "${PL_QEMU_TIMEOUT:-300}" \
		${exclude:+-E "$exclude"}
	grep -E '^[0-9]+% tests passed' "$b/ctest.log" | sed "s/^/cross-build: $t: /"
	# 5. the time64 ABI check on the ARM programs
	if [ "$t" = armhf ]; then
		step "$t time64 ABI check" "$b/time64.log" \
			env PL_SRC="$root" PL_BIN="$b" PACKLINE="$b/agent/packline" bash tests/sh/test_time64.sh
	fi
done
echo "cross-build: done in $(($(date +%s) - t_all)) s (${targets[*]})"
