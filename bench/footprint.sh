#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/footprint.sh - packline's footprint against the handheld budget:
#   stripped aarch64 binary <= 1.5 MB, idle RSS <= 8 MB, start-up <= 50 ms.
#
# Builds (or reuses, with --no-build) Release builds of the packline target
# only: aarch64 at -O2 and -Os, aarch64 with PL_STATIC=ON, and a host -O2
# build; then prints, each against its budget where there is one:
#   * stripped size of each aarch64 variant;
#   * its NEEDED libraries, the Debian package of each, and whether that
#     package is on a stock system (Debian 12: Priority required/important/
#     standard, read from apt; Raspberry Pi OS Lite bookworm: a fixed list,
#     see rpios_lite below) - and the size of the bundle a vendor image
#     without a package manager would need (every non-glibc .so in the
#     closure, from the sysroot);
#   * peak RSS (GNU time %M) of start-up (`version`, `config check`) and of
#     the packing job (import examples/orders, then `process` = decide,
#     number, issue): natively on the host, and under qemu-aarch64 (there the
#     figure includes qemu itself; a trivial static aarch64 program gives the
#     emulator's own share, which is subtracted);
#   * start-up time on the host (hyperfine when installed, else a timed loop).
# "idle" is measured twice: the peak RSS of a start-up that loads the
# configuration and exits, and the VmRSS of a running `packline run` before
# and after it packed the sample orders (section 3b). Timings vary with the machine; nothing here is asserted in tests.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
jobs=${PL_JOBS:-2}
build=1
[ "${1:-}" = --no-build ] && build=0
fp=$root/build-aarch64/footprint
host=$root/build-host-cross/footprint
sysroot=${PL_SYSROOT_BASE:-$root/.sysroot}/arm64
budget_bin=$((1536 * 1024)) budget_rss=$((8 * 1024)) budget_start_ms=50

say() { printf '%s\n' "$*"; }
verdict() { if [ "$1" -le "$2" ]; then echo "OK"; else echo "OVER"; fi; }
kb() { echo $((($1 + 1023) / 1024)); }

cfg() { # cfg DIR ARGS... : configure + build the packline target quietly
	local d=$1
	shift
	mkdir -p "$d"
	cmake -S "$root" -B "$d" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF -DPL_WERROR=OFF \
		-DPL_SANITIZE= "$@" >"$d/configure.log" 2>&1 || { tail "$d/configure.log"; exit 1; }
	cmake --build "$d" -j"$jobs" --target packline >"$d/build.log" 2>&1 || { tail -30 "$d/build.log"; exit 1; }
}
if [ $build = 1 ]; then
	scripts/cross-build.sh --help >/dev/null 2>&1 || true
	PL_QUIET=1 cross/make-sysroot.sh arm64
	tc=-DCMAKE_TOOLCHAIN_FILE=$root/cross/aarch64-linux-gnu.cmake
	cfg "$fp/O2" "$tc"
	cfg "$fp/Os" "$tc" "-DCMAKE_C_FLAGS_RELEASE=-Os -DNDEBUG"
	cfg "$fp/static" "$tc" -DPL_STATIC=ON
	cfg "$host/O2"
fi

# --- 1. binary size -------------------------------------------------------
say "== stripped aarch64 packline (budget $(kb $budget_bin) KiB)"
for v in O2 Os static; do
	aarch64-linux-gnu-strip -o "$fp/$v/packline.stripped" "$fp/$v/agent/packline"
	s=$(stat -c %s "$fp/$v/packline.stripped")
	printf '  %-7s %8d bytes = %5d KiB  %s\n' "$v" "$s" "$(kb "$s")" "$(verdict "$s" $budget_bin)"
done

# --- 2. dynamic dependencies ---------------------------------------------
# soname -> Debian package, from the table the .deb uses
pkg_of() {
	sed -n "s/^ *\"$1=\([^ \"]*\).*/\1/p" cmake/Packaging.cmake | head -1
}
# Raspberry Pi OS Lite (bookworm) ships these library packages out of the box
# (python3, curl, usbutils, openssh pull them in). CONTRACT-GUESS: from the
# distribution's published package list, not checked on a device here.
rpios_lite=" libc6 libsqlite3-0 libcurl4 libssl3 zlib1g libudev1 libusb-1.0-0 libgcc-s1 libatomic1 "
needed() { readelf -dW "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }
# Stock Debian 12: the packages of Priority required/important/standard (a
# "standard system utilities" install) and everything they depend on.
# Libraries themselves are Priority optional, so the closure is what counts.
stock=$(
	apt-cache dumpavail 2>/dev/null | awk '/^Package:/ {p = $2} /^Priority: (required|important|standard)$/ {print p}' |
		sort -u | xargs -r apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
			--no-breaks --no-replaces --no-enhances 2>/dev/null | grep -v '^ ' | sed 's/:.*//' | sort -u | tr '\n' ' '
)
stock=" $stock "
for v in O2 static; do
	say "== NEEDED of the aarch64 $v build"
	for so in $(needed "$fp/$v/agent/packline"); do
		case "$so" in ld-linux*) p=libc6 ;; *) p=$(pkg_of "$so") ;; esac
		case "$stock" in *" $p "*) deb=yes ;; *) deb=no ;; esac
		case "$rpios_lite" in *" $p "*) rpi=yes ;; *) rpi=no ;; esac
		printf '  %-22s %-16s Debian 12: %-18s RPi OS Lite: %s\n' "$so" "${p:-?}" "$deb" "$rpi"
	done
done
# opened with dlopen on first use, in a helper process (base/lazylib.h): not NEEDED
say "== opened on first use (HTTP connectors, CUPS labels), in the helper processes"
for so in libcurl.so.4 libcups.so.2; do
	p=$(pkg_of "$so")
	case "$stock" in *" $p "*) deb=yes ;; *) deb=no ;; esac
	case "$rpios_lite" in *" $p "*) rpi=yes ;; *) rpi=no ;; esac
	printf '  %-22s %-16s Debian 12: %-18s RPi OS Lite: %s\n' "$so" "${p:-?}" "$deb" "$rpi"
done
# the bundle: every .so in the closure except glibc's, found in the sysroot
libdirs=("$sysroot/usr/lib/aarch64-linux-gnu" "$sysroot/lib/aarch64-linux-gnu")
declare -A seen=()
closure() {
	local so f
	for so in $(needed "$1"); do
		case "$so" in libc.so.* | libm.so.* | ld-linux* | libpthread.so.* | libdl.so.* | librt.so.* | libresolv.so.*) continue ;; esac
		if [ -n "${seen[$so]:-}" ]; then continue; fi
		f=
		for d in "${libdirs[@]}"; do
			if [ -e "$d/$so" ]; then
				f=$(readlink -f "$d/$so")
				break
			fi
		done
		seen[$so]=${f:-missing}
		if [ -n "$f" ]; then closure "$f"; fi
	done
	return 0
}
for v in O2 static; do
	seen=()
	closure "$fp/$v/agent/packline"
	total=0
	for so in "${!seen[@]}"; do
		if [ "${seen[$so]}" != missing ]; then total=$((total + $(stat -c %s "${seen[$so]}"))); fi
	done
	say "== $v: a vendor image without a package manager needs ${#seen[@]} more libraries, $(kb $total) KiB (unstripped .so from the sysroot)"
	# ... and for HTTP and CUPS, what libcurl and libcups bring on top
	n0=${#seen[@]}
	for so in libcurl.so.4 libcups.so.2; do
		for d in "${libdirs[@]}"; do
			if [ -e "$d/$so" ] && [ -z "${seen[$so]:-}" ]; then
				seen[$so]=$(readlink -f "$d/$so")
				closure "${seen[$so]}"
				break
			fi
		done
	done
	extra=0
	for so in "${!seen[@]}"; do
		if [ "${seen[$so]}" != missing ]; then extra=$((extra + $(stat -c %s "${seen[$so]}"))); fi
	done
	say "   plus $((${#seen[@]} - n0)) libraries, $(kb $((extra - total))) KiB, for HTTP connectors and CUPS labels (libcurl, libcups and their closure)"
done

# --- 3. memory ------------------------------------------------------------
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cfgfile=$root/examples/packline.ini
peak() { # peak CMD... -> prints max RSS KiB
	/usr/bin/time -f '%M' -o "$work/t" "$@" >"$work/out" 2>&1 || { tail -3 "$work/out" >&2; echo "  (failed: $*)" >&2; }
	tail -1 "$work/t"
}
measure() { # measure NAME RUNNER...
	local name=$1 p1 p2 p3 p4
	shift
	rm -f "$work/$name.db"
	p1=$(peak "$@" version)
	p2=$(peak "$@" --config "$cfgfile" config check "$cfgfile")
	p3=$(peak "$@" --config "$cfgfile" --store "sqlite:$work/$name.db" orders import "$root/examples/orders")
	p4=$(peak "$@" --config "$cfgfile" --store "sqlite:$work/$name.db" process)
	echo "$p1 $p2 $p3 $p4"
}
say "== peak RSS (KiB; idle budget $budget_rss KiB)"
read -r h1 h2 h3 h4 < <(measure host "$host/O2/agent/packline")
printf '  host amd64 -O2:   version %5d   config check %5d %s   orders import %5d   process %5d\n' \
	"$h1" "$h2" "$(verdict "$h2" $budget_rss)" "$h3" "$h4"
# qemu's own share: a static do-nothing aarch64 program
printf 'int main(void){return 0;}\n' >"$work/nop.c"
aarch64-linux-gnu-gcc -static -O2 "$work/nop.c" -o "$work/nop"
base=$(peak qemu-aarch64 "$work/nop")
read -r q1 q2 q3 q4 < <(measure qemu qemu-aarch64 -L "$sysroot" "$fp/O2/agent/packline")
printf '  qemu-aarch64 -O2: version %5d   config check %5d   orders import %5d   process %5d  (raw, incl. qemu)\n' \
	"$q1" "$q2" "$q3" "$q4"
printf '  minus qemu alone (%d): version %5d   config check %5d %s   orders import %5d   process %5d\n' \
	"$base" $((q1 - base)) $((q2 - base)) "$(verdict $((q2 - base)) $budget_rss)" $((q3 - base)) $((q4 - base))

# --- 3b. the agent running (host): idle, packing, helpers --------------------
# `packline run` with the demo set-up (simulated POSNET printer over TCP) and
# labels through a private cupsd when it is installed (else to a file):
# VmRSS once started and idle; after the sample orders went through the inbox
# (VmHWM = the peak while packing) with the CUPS helper still up; and again
# once helper_idle_seconds passed and the helper was stopped.
rss_of() { sed -n "s/^$2:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$1/status" 2>/dev/null || echo 0; }
agent_run() {
	local b=$host/O2/agent/packline d=$work/run port sim cpid="" printer=file rpid n kids k
	mkdir -p "$d/inbox"
	"$b" sim posnet --tcp 127.0.0.1:0 --port-file "$d/printer.port" --state "$d/printer.state" \
		--paper "$d/paper.txt" >"$d/sim.log" 2>&1 &
	sim=$!
	for _ in $(seq 100); do [ -s "$d/printer.port" ] && break; sleep 0.05; done
	if command -v cupsd >/dev/null && command -v lpadmin >/dev/null; then
		cport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
		chmod 755 "$work" "$d"
		if CUPS_OWNER_PID=$$ bash "$root/tests/sh/cups_private.sh" start "$d/cups" "$cport" >/dev/null 2>&1 &&
			bash "$root/tests/sh/cups_private.sh" queue "$d/cups" "$cport" zebra "capture:$d/cups/out/z.zpl" >/dev/null 2>&1; then
			printer=cups cpid=1
		fi
	fi
	{
		cat "$cfgfile"
		printf '\n[packline]\nstore = sqlite:%s/packline.db\ndocuments_dir = %s/docs\ninbox = %s/inbox\n' "$d" "$d" "$d"
		printf 'poll_seconds = 1\nhelper_idle_seconds = 3\n'
		printf '\n[printer "fiscal"]\ntransport = tcp:127.0.0.1:%s\n' "$(cat "$d/printer.port")"
		printf '\n[label]\ntemplate = %s/examples/labels/packing.zpl.tmpl\nprinter = %s\nfile = %s/labels.zpl\n' "$root" "$printer" "$d"
		[ $printer = cups ] && printf '\n[cups]\nserver = 127.0.0.1:%s\nqueue = zebra\n' "$cport"
	} >"$d/packline.ini"
	"$b" --config "$d/packline.ini" run >"$d/run.log" 2>&1 &
	rpid=$!
	sleep 2
	printf '  packline run, idle at start:          VmRSS %5d KiB  %s\n' "$(rss_of $rpid VmRSS)" \
		"$(verdict "$(rss_of $rpid VmRSS)" $budget_rss)"
	n=$(ls "$root"/examples/orders/*.json | wc -l)
	for f in "$root"/examples/orders/*.json; do cp "$f" "$d/inbox/.$(basename "$f").tmp" && mv "$d/inbox/.$(basename "$f").tmp" "$d/inbox/$(basename "$f")"; done
	for _ in $(seq 300); do [ "$(ls "$d/inbox/done" 2>/dev/null | wc -l)" -ge "$n" ] && break; sleep 0.1; done
	sleep 0.5
	kids=0
	for k in $(pgrep -P $rpid); do kids=$((kids + $(rss_of "$k" VmRSS))); done
	printf '  after %d order files (labels: %s):  VmRSS %5d KiB, peak while packing (VmHWM) %d KiB; helper processes %d KiB\n' \
		"$n" "$printer" "$(rss_of $rpid VmRSS)" "$(rss_of $rpid VmHWM)" "$kids"
	sleep 4.5
	printf '  idle again (helpers stopped: %s):    VmRSS %5d KiB  %s\n' \
		"$([ -z "$(pgrep -P $rpid)" ] && echo yes || echo NO)" "$(rss_of $rpid VmRSS)" \
		"$(verdict "$(rss_of $rpid VmRSS)" $budget_rss)"
	kill $rpid $sim 2>/dev/null
	wait $rpid $sim 2>/dev/null || true
	if [ -n "$cpid" ]; then
		printf '  labels printed through cupsd: %s\n' "$(lpstat -h "127.0.0.1:$cport" -W completed -o zebra 2>/dev/null | wc -l)"
		bash "$root/tests/sh/cups_private.sh" stop "$d/cups" >/dev/null 2>&1
	else
		printf '  labels printed to a file: %s\n' "$(grep -c '^\^XA' "$d/labels.zpl" 2>/dev/null || echo 0)"
	fi
}
say "== the agent running on the host (idle budget $budget_rss KiB)"
agent_run

# --- 4. start-up time on the host --------------------------------------
say "== start-up to ready on the host (budget $budget_start_ms ms)"
b=$host/O2/agent/packline
if command -v hyperfine >/dev/null; then
	hyperfine -N --warmup 5 --runs 200 --export-json "$work/h.json" \
		"$b version" "$b --config $cfgfile config check $cfgfile" >/dev/null 2>&1
	python3 - "$work/h.json" "$budget_start_ms" <<'PY'
import json, sys
budget = float(sys.argv[2])
for r in json.load(open(sys.argv[1]))["results"]:
    ms = r["mean"] * 1000
    cmd = r["command"].split("/agent/")[-1].replace("/work/", "")
    print("  %-50s mean %6.2f ms  max %6.2f ms  %s" % (cmd[:50], ms,
          r["max"] * 1000, "OK" if ms <= budget else "OVER"))
PY
else
	t0=$(date +%s%N)
	for _ in $(seq 100); do "$b" --config "$cfgfile" config check "$cfgfile" >/dev/null; done
	ms=$((($(date +%s%N) - t0) / 100000000))
	printf '  config check: mean %d ms (100 runs)  %s\n' "$ms" "$(verdict "$ms" $budget_start_ms)"
fi
