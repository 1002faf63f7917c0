#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/sh/test_posnet_kill.sh - exactly one receipt per order through SIGKILLs and printer faults.
#
# The printing process (tests/helpers/posnet_print_orders) is killed with
# SIGKILL right after its K-th frame has left (PL_TEST_DIE_AFTER_FRAMES=K,
# implemented in the transport's send path), for every K of a run, and
# restarted. The simulated printer runs in its own process
# (`packline sim posnet`, or tests/helpers/posnet_sim_serve) so its
# counters and paper survive the
# kill. Each sweep is repeated under every simulator fault: delayed reply,
# dropped reply, late reply, split frames, power loss, paper out.
# After each kill + restart the paper must hold exactly one completed receipt
# per order (none lost, none twice) and the printer's receipt counter must
# equal the number of orders.
#
# Env: PL_BIN (build dir), optional PL_KILL_ORDERS (orders per run; default 2
# without a fault, 1 with one), PL_KILL_FAULTS (space-separated fault specs,
# or "all" for the long list),
# PL_KILL_TRANSPORT=tcp|pty (default tcp; pty uses libserialport + the shim).
set -u

BIN=${PL_BIN:?PL_BIN not set}/tests
SERVE=$BIN/posnet_sim_serve
PRINT=$BIN/posnet_print_orders
SHIM=$BIN/libptyshim.so
ORDERS=2
TRANSPORT=${PL_KILL_TRANSPORT:-tcp}
# The simulator process: the test helper posnet_sim_serve runs the full fault
# list; `packline sim posnet` (D1's server, $PACKLINE) then runs a shorter
# list. PL_KILL_SIM=helper|packline runs only that one.
SIMS=(helper)
if [ -n "${PL_KILL_SIM:-}" ]; then
	SIMS=("$PL_KILL_SIM")
elif [ -n "${PACKLINE:-}" ] && [ -x "$PACKLINE" ]; then
	SIMS=(helper packline)
fi
SIM=helper
pass=0
fail=0

for f in "$SERVE" "$PRINT"; do
	if [ ! -x "$f" ]; then
		echo "missing $f (build the test helpers)"
		echo "0 passed, 1 failed"
		exit 1
	fi
done

T=$(mktemp -d /tmp/test_posnet_kill.XXXXXX)
SERVE_PID=
cleanup() {
	[ -n "$SERVE_PID" ] && kill "$SERVE_PID" 2>/dev/null && wait "$SERVE_PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

# ASan builds: the pty shim is preloaded ahead of the sanitizer runtime.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0:detect_leaks=0"
export PL_POSNET_TIMEOUT_MS=${PL_POSNET_TIMEOUT_MS:-300}

# start_serve DIR FAULT -> sets SERVE_PID and TARGET
start_serve() {
	local dir=$1 fault=$2 args=()
	mkdir -p "$dir"
	[ -n "$fault" ] && args=(--fault "$fault")
	if [ "$TRANSPORT" = pty ]; then
		if [ "$SIM" = packline ]; then
			"$PACKLINE" sim posnet --pty --link "$dir/pty" --paper "$dir/paper" \
				--status "$dir/status" --paper-back-ms 400 "${args[@]}" \
				>"$dir/serve.log" 2>&1 &
		else
			"$SERVE" --pty "$dir/pty" --paper "$dir/paper" --status "$dir/status" \
				"${args[@]}" >"$dir/serve.log" 2>&1 &
		fi
		SERVE_PID=$!
		for _ in $(seq 1 300); do [ -e "$dir/pty" ] && break; sleep 0.01; done
		TARGET="serial:/dev/../../..$dir/pty:115200:8N1:none"
	else
		if [ "$SIM" = packline ]; then
			"$PACKLINE" sim posnet --tcp 0 --port-file "$dir/port" --paper "$dir/paper" \
				--status "$dir/status" --paper-back-ms 400 "${args[@]}" \
				>"$dir/serve.log" 2>&1 &
		else
			"$SERVE" --tcp "$dir/port" --paper "$dir/paper" --status "$dir/status" \
				"${args[@]}" >"$dir/serve.log" 2>&1 &
		fi
		SERVE_PID=$!
		for _ in $(seq 1 300); do [ -s "$dir/port" ] && break; sleep 0.01; done
		TARGET="tcp:127.0.0.1:$(cat "$dir/port")"
	fi
}

stop_serve() {
	kill "$SERVE_PID" 2>/dev/null
	wait "$SERVE_PID" 2>/dev/null
	SERVE_PID=
}

run_print() { # run_print DIR [K]
	local dir=$1 k=${2:-}
	# the subshell keeps bash from reporting each planned SIGKILL
	(run_print_inner "$dir" "$k") 2>/dev/null
}

run_print_inner() {
	local dir=$1 k=$2
	if [ "$TRANSPORT" = pty ]; then
		env ${k:+PL_TEST_DIE_AFTER_FRAMES=$k} LD_PRELOAD="$SHIM" \
			"$PRINT" "sqlite:$dir/journal.db" "$TARGET" "$ORDERS" >>"$dir/print.log" 2>&1
	else
		env ${k:+PL_TEST_DIE_AFTER_FRAMES=$k} \
			"$PRINT" "sqlite:$dir/journal.db" "$TARGET" "$ORDERS" >>"$dir/print.log" 2>&1
	fi
}

# check_paper DIR LABEL: one completed receipt per order, bn == ORDERS
check_paper() {
	local dir=$1 label=$2 blocks want bn
	# one line per RECEIPT block: its order number (NOFOOTER if none)
	blocks=$(awk '/^--- BEGIN RECEIPT/ {inr=1; cur="NOFOOTER"; next}
		inr && /^FOOTER: Nr zamówienia: / {sub(/^FOOTER: Nr zamówienia: /, ""); cur=$0}
		/^--- END/ { if (inr) print cur; inr=0 }' "$dir/paper" 2>/dev/null | sort | uniq -c |
		awk '{print $2"="$1}' | tr '\n' ' ')
	want=""
	for i in $(seq 0 $((ORDERS - 1))); do
		want+="ZK/2026/$(printf %05d $((1000 + i)))=1 "
	done
	# status: "rd hn bn bt bc di open footer" (packline sim) or "bn N" lines (helper)
	bn=$(awk 'NF == 8 {print $3} $1 == "bn" {print $2}' "$dir/status" 2>/dev/null)
	if [ "$blocks" = "$want" ] && [ "$bn" = "$ORDERS" ]; then
		pass=$((pass + 1))
		return 0
	fi
	fail=$((fail + 1))
	echo "FAIL $label: receipts [$blocks] want [$want] bn=$bn"
	sed 's/^/    print: /' "$dir/print.log" | tail -n 12
	return 1
}

# One fault of each kind by default (a few minutes); PL_KILL_FAULTS=all runs
# the long list, or give your own specs.
FAULTS_DEFAULT=("" "delay=500:trend" "drop:trline:1" "late:trline" "split=3" "power:trend"
	"paperout:trline:1")
FAULTS_ALL=("" "delay=150:trline" "delay=500:trend" "drop:trend" "drop:trline:1"
	"late:trline" "late:trend" "split=3" "power:trend" "power:trline:1" "power:trftrln"
	"paperout:trline:1" "paperout:trend")
# `packline sim posnet`: a client killed mid-reply (split) must not leave the
# server deaf (posnet_sim_discard_output on disconnect).
FAULTS_PACKLINE=("" "drop:trline:1" "split=3" "power:trend" "paperout:trline:1")

sweep() { # sweep FAULT...
for fault in "$@"; do
	label="$SIM/${fault:-none}"
	# the clean sweep prints PL_KILL_ORDERS orders; a faulted one, one order
	# (its frames are where the fault hits) unless PL_KILL_ORDERS is set
	if [ -z "$fault" ] || [ -n "${PL_KILL_ORDERS:-}" ]; then ORDERS=${PL_KILL_ORDERS:-2}; else ORDERS=1; fi
	n=$((n + 1))
	# 1. an uninterrupted run tells how many frames a run writes
	dir=$T/f$n-full
	start_serve "$dir" "$fault"
	run_print "$dir"
	rc=$?
	stop_serve
	frames=$(sed -n 's/^frames=\([0-9]*\).*/\1/p' "$dir/print.log" | tail -n 1)
	if [ $rc -ne 0 ] || [ -z "$frames" ]; then
		fail=$((fail + 1))
		echo "FAIL $label: uninterrupted run rc=$rc"
		tail -n 12 "$dir/print.log"
		continue
	fi
	check_paper "$dir" "$label uninterrupted" || continue
	# 2. kill after frame K, restart, check - for every K
	killed=0
	for k in $(seq 1 "$frames"); do
		dir=$T/f$n-k$k
		start_serve "$dir" "$fault"
		run_print "$dir" "$k"
		rc=$?
		[ $rc -eq 137 ] && killed=$((killed + 1))
		if [ $rc -ne 137 ] && [ $rc -ne 0 ]; then
			echo "note $label K=$k: first run rc=$rc"
		fi
		ok=1
		for _ in 1 2 3; do # restart until the run completes
			run_print "$dir" && { ok=0; break; }
			sleep 0.2
		done
		stop_serve
		if [ $ok -ne 0 ]; then
			fail=$((fail + 1))
			echo "FAIL $label K=$k: restart did not complete"
			tail -n 12 "$dir/print.log"
			continue
		fi
		check_paper "$dir" "$label K=$k" || true
		rm -rf "$dir"
	done
	echo "fault '$label': $frames frames, killed $killed times"
	if [ "$killed" -lt 1 ]; then
		fail=$((fail + 1))
		echo "FAIL $label: the kill knob never fired"
	fi
done
}

n=0
for SIM in "${SIMS[@]}"; do
	if [ -n "${PL_KILL_FAULTS:-}" ] && [ "$PL_KILL_FAULTS" != all ]; then
		read -r -a FAULTS <<<"$PL_KILL_FAULTS"
	elif [ "${PL_KILL_FAULTS:-}" = all ]; then
		FAULTS=("${FAULTS_ALL[@]}")
	elif [ "$SIM" = packline ]; then
		FAULTS=("${FAULTS_PACKLINE[@]}")
	else
		FAULTS=("${FAULTS_DEFAULT[@]}")
	fi
	sweep "${FAULTS[@]}"
done

echo "transport: $TRANSPORT, simulators: ${SIMS[*]}"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
