#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The two README commands.
#   scripts/dev.sh run   install what is needed, build, run the main job
#   scripts/dev.sh test  install what is needed, build with ASan+UBSan, run every test
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
jobs=$(nproc 2>/dev/null || echo 2)

case "${1:-}" in
run)
	scripts/bootstrap.sh
	cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
	cmake --build build -j"$jobs" >/dev/null
	exec scripts/demo.sh build/agent/packline
	;;
test)
	scripts/bootstrap.sh
	cmake -S . -B build-test -DCMAKE_BUILD_TYPE=Debug -DPL_SANITIZE=address,undefined >/dev/null
	cmake --build build-test -j"$jobs"
	# detect_leaks: LeakSanitizer is on; abort_on_error gives a core-like stop
	export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}
	export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
	ctest --test-dir build-test -j"$jobs" --output-on-failure --timeout 900
	;;
*)
	echo "usage: scripts/dev.sh run|test" >&2
	exit 2
	;;
esac
