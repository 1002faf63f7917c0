#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/sh/test_run_reload.sh - #18: SIGHUP re-reads the configuration.
# A broken file is refused (logged with the reason, run goes on with the old
# one); a good one with another inbox takes effect at once.
set -u
P=${PACKLINE:?PACKLINE not set}
pass=0
fail=0
check() { if eval "$1"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $2"; fi; }
T=$(mktemp -d /tmp/test_run_reload.XXXXXX)
RUN_PID=
cleanup() {
	[ -n "$RUN_PID" ] && kill -9 "$RUN_PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
ini() { { cat "$PL_SRC/examples/packline.ini"; printf '\n[packline]\nstore = sqlite:%s/p.db\ninbox = %s\npoll_seconds = 1\n' "$T" "$1"; } >"$T/p.ini.tmp" && mv "$T/p.ini.tmp" "$T/p.ini"; }
order='{"orders":[{"source":"shop","id":"S1","number":"S/001","created":"2026-11-24T08:00:00Z","status":"new","currency":"PLN","total":2298,"buyer":{"name":"Jan","country":"PL"},"delivery":{"method":"pickup","cost":0},"payment":{"type":"cash","status":"unpaid","paid":0},"lines":[{"sku":"K","name":"Kubek","qty":2,"unit_price":1149,"vat":"23"}]}]}'
ini "$T/in1"
"$P" --config "$T/p.ini" run >"$T/out" 2>"$T/err" &
RUN_PID=$!
for _ in $(seq 1 100); do [ -d "$T/in1/done" ] && break; sleep 0.05; done
printf '[packline\nbroken =\n' >"$T/p.ini"
kill -HUP "$RUN_PID"
sleep 0.5
check 'kill -0 "$RUN_PID" 2>/dev/null' "a broken configuration does not stop run"
check 'grep -q "refused" "$T/err"' "the refusal is logged"
check 'grep -q "p.ini:1" "$T/err"' "the reason names the line"
ini "$T/in2"
kill -HUP "$RUN_PID"
for _ in $(seq 1 100); do [ -d "$T/in2/done" ] && break; sleep 0.05; done
check '[ -d "$T/in2/done" ]' "the new inbox is watched"
echo "$order" >"$T/in2/.a" && mv "$T/in2/.a" "$T/in2/a.json"
for _ in $(seq 1 100); do { [ -f "$T/in2/done/a.json" ] || [ -f "$T/in2/failed/a.json" ]; } && break; sleep 0.05; done
check '[ -f "$T/in2/done/a.json" ]' "a file in the new inbox is imported (done/)"
check '[ "$(sqlite3 "$T/p.db" "select count(*) from orders where ext_id = '"'S1'"'")" = 1 ]' "its order stored once"
sleep 1.2 # one more cycle after the reload: nothing is done twice
check '[ "$(sqlite3 "$T/p.db" "select count(*) from jobs j join orders o on o.id = j.order_id where o.ext_id = '"'S1'"'")" -le 1 ]' \
	"at most one job for the order across the reload"
check 'grep -q "accepted" "$T/err"' "the reload is logged"
kill -TERM "$RUN_PID"
wait "$RUN_PID"
rc=$?
RUN_PID=
check '[ "$rc" = 0 ]' "run exits 0 (got $rc)"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
