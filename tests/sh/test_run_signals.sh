#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/sh/test_run_signals.sh - #10: `packline run` and its signals.
#
# SIGHUP used to kill the agent (default action); it is now logged and
# ignored. SIGTERM used to wait for the whole batch (20 receipts at 9600
# baud: about 19 s, against systemd's 90 s and a packer waiting); it now
# stops after the receipt in hand, leaving the rest recorded as intents that
# the next run performs, with nothing left half-sent.
set -u
P=${PACKLINE:?PACKLINE not set}
pass=0
fail=0
check() { if eval "$1"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $2"; fi; }
T=$(mktemp -d /tmp/test_run_signals.XXXXXX)
SIM_PID=
RUN_PID=
cleanup() {
	[ -n "$RUN_PID" ] && kill -9 "$RUN_PID" 2>/dev/null
	[ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

"$P" sim posnet --tcp 0 --port-file "$T/port" --paper "$T/paper" --status "$T/status" \
	--baud 9600 >"$T/sim.log" 2>&1 &
SIM_PID=$!
for _ in $(seq 1 300); do [ -s "$T/port" ] && break; sleep 0.01; done
mkdir -p "$T/inbox"
{
	cat "$PL_SRC/examples/packline.ini"
	printf '\n[packline]\nstore = sqlite:%s/p.db\ninbox = %s/inbox\npoll_seconds = 1\n' "$T" "$T"
	printf '\n[printer "fiscal"]\ntransport = tcp:127.0.0.1:%s\n' "$(cat "$T/port")"
} >"$T/p.ini"
{
	printf '{"orders":['
	for i in $(seq 1 20); do
		[ "$i" -gt 1 ] && printf ','
		printf '{"source":"shop","id":"S%d","number":"S/%03d","created":"2026-11-24T08:00:00Z","status":"paid","currency":"PLN","total":2298,"buyer":{"name":"Jan","country":"PL"},"delivery":{"method":"pickup","cost":0},"payment":{"type":"cash","status":"paid","paid":2298},"lines":[{"sku":"K","name":"Kubek ceramiczny","qty":2,"unit_price":1149,"vat":"23"}]}' "$i" "$i"
	done
	printf ']}\n'
} >"$T/batch.json"

receipts() { grep -c '^--- BEGIN RECEIPT' "$T/paper" 2>/dev/null || echo 0; }
"$P" --config "$T/p.ini" run >"$T/out" 2>"$T/err" &
RUN_PID=$!
sleep 0.5
kill -HUP "$RUN_PID"
sleep 0.3
check 'kill -0 "$RUN_PID" 2>/dev/null' "SIGHUP does not stop run"
cp "$T/batch.json" "$T/inbox/.b.tmp" && mv "$T/inbox/.b.tmp" "$T/inbox/batch.json"
for _ in $(seq 1 200); do [ "$(receipts)" -ge 1 ] && break; sleep 0.05; done
check '[ "$(receipts)" -ge 1 ]' "the batch started printing"
t0=$(date +%s%N)
kill -TERM "$RUN_PID"
wait "$RUN_PID"
rc=$?
RUN_PID=
ms=$((($(date +%s%N) - t0) / 1000000))
n=$(receipts)
echo "SIGTERM after the first receipt: stopped in $ms ms with $n of 20 printed"
check '[ "$rc" = 0 ]' "run exits 0 on SIGTERM (got $rc)"
check '[ "$ms" -lt 5000 ]' "SIGTERM stops within the receipt in hand ($ms ms)"
check '[ "$n" -lt 10 ]' "the batch was not finished first ($n printed)"
check 'grep -q "SIGHUP" "$T/err"' "SIGHUP was logged"
q() { sqlite3 "$T/p.db" "$1"; }
check '[ "$(q "select count(*) from jobs where state in ('"'sending','unknown'"') or owner <> '"''"'")" = 0 ]' \
	"nothing left half-sent or claimed"
check '[ "$(q "select count(*) from jobs where state = '"'done'"'")" = "$n" ]' "the journal matches the paper"
# the next run performs the rest
"$P" --config "$T/p.ini" run --once >"$T/out2" 2>"$T/err2"
check '[ $? = 0 ]' "the next run exits 0"
check '[ "$(receipts)" = 20 ]' "the next run printed the rest ($(receipts) of 20)"
check '[ "$(q "select count(*) from documents where state = '"'issued'"'")" = 20 ]' "20 receipts issued"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
