#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/sh/test_fiscal_return_kill.sh - a goods return on the fiscal printer,
# SIGKILLed after each of its frames in turn, is paid out exactly once
# (issue #18, defect 2; effects/fiscal_return.h).
#
# For every K, on a fresh store and one simulated printer (`packline sim
# posnet --tcp`, its paper in a file): a receipt order is printed, then
# returned with [returns] receipt = printer, the run SIGKILLed right after its
# K-th frame (PL_TEST_DIE_AFTER_FRAMES); a second run settles it from the
# printer's counters. Afterwards exactly one more CASH-OUT is on paper, the
# refund document is issued and its job done - never two, never none.
set -u
P=${PACKLINE:?PACKLINE not set}
SRC=${PL_SRC:?PL_SRC not set}
pass=0
fail=0
check() { if eval "$1"; then pass=$((pass + 1)); else
	fail=$((fail + 1))
	echo "FAIL: $2"
fi; }
T=$(mktemp -d /tmp/test_fiscal_return_kill.XXXXXX)
SIM=
cleanup() {
	[ -n "$SIM" ] && kill "$SIM" 2>/dev/null && wait "$SIM" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
cd "$T" || exit 1
REC=$SRC/examples/orders/02-consumer-receipt.json
jq '.status="returned" | .lines[0].returned=1' "$REC" >ret.json

"$P" sim posnet --tcp 0 --port-file port --paper paper --status status >sim.log 2>&1 &
SIM=$!
for _ in $(seq 1 300); do [ -s port ] && break; sleep 0.01; done
cashouts() { grep -c '^--- END CASH-OUT' paper; }

killed_any=0
for K in $(seq 1 40); do
	D=$T/k$K
	mkdir -p "$D"
	{
		cat "$SRC/examples/packline.ini"
		printf '\n[packline]\nstore = sqlite:%s/p.db\nstation = k%s\n' "$D" "$K"
		printf '\n[printer "fiscal"]\ntransport = tcp:127.0.0.1:%s\n' "$(cat port)"
		printf 'timeout_status_ms = 2000\n\n[returns]\nreceipt = printer\n'
	} >"$D/p.ini"
	pl() { "$P" --config "$D/p.ini" "$@"; }
	pl orders import "$REC" >/dev/null 2>&1 && pl process >"$D/r.out" 2>&1 ||
		{ check false "K=$K: the receipt is printed first: $(cat "$D/r.out")"; break; }
	pl orders import ret.json >/dev/null 2>&1
	before=$(cashouts)
	PL_TEST_DIE_AFTER_FRAMES=$K "$P" --config "$D/p.ini" process ZK/2026/10043 >"$D/k.out" 2>&1
	rc=$?
	PL_JOURNAL_LEASE_MS=1000 "$P" --config "$D/p.ini" process ZK/2026/10043 >"$D/a.out" 2>&1
	rc2=$?
	got=$(($(cashouts) - before))
	check '[ "$got" = 1 ]' "K=$K (rc $rc): $got goods returns on paper, want 1: $(cat "$D/a.out")"
	check '[ $rc2 = 0 ]' "K=$K: the run after exits 0 (rc $rc2)"
	st=$(sqlite3 "$D/p.db" "select d.state || ' ' || j.state from documents d join jobs j on j.doc_id = d.id where d.kind = 'refund'")
	check '[ "$st" = "issued done" ]' "K=$K: refund issued, job done (got '$st')"
	if [ $rc = 137 ]; then
		killed_any=$((killed_any + 1))
	else
		break # K is past the last frame of the return: every point was covered
	fi
done
check '[ "$killed_any" -ge 2 ]' "the return was killed at $killed_any points (want every frame)"
echo "fiscal return killed at $killed_any points; $pass passed, $fail failed"
[ "$fail" = 0 ]
