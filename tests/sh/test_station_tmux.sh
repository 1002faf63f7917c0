#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/sh/test_station_tmux.sh - `packline station` driven like a packer
# would (issue #21): a keyboard-wedge scanner is tmux send-keys, the screen
# is tmux capture-pane, the fiscal printer is `packline sim posnet`.
#   1. 20x8: a complete order yields its receipt exactly once; scanning it
#      again says "already packed" and prints nothing.
#   2. wrong item, unknown code, too many: each its own message, nothing
#      counted.
#   3. 80x24: a hold on station A, resumed on station B (same store) with
#      the count kept; audited.
#   4. accept missing with a reason: audited, the receipt recorded.
# Waits poll for the screen with generous limits (a loaded 2-core machine).
set -u
P=${PACKLINE:?PACKLINE not set}
SRC=${PL_SRC:?PL_SRC not set}
pass=0
fail=0
check() { if eval "$1"; then pass=$((pass + 1)); else
	fail=$((fail + 1))
	echo "FAIL: $2"
fi; }
command -v tmux >/dev/null || {
	echo "FAIL: tmux is not installed (scripts/bootstrap-packages.txt)"
	exit 1
}
T=$(mktemp -d /tmp/test_station_tmux.XXXXXX)
SOCK=plst$$
SIM=
tm() { tmux -L "$SOCK" "$@"; }
cleanup() {
	tm kill-server 2>/dev/null
	[ -n "$SIM" ] && kill "$SIM" 2>/dev/null && wait "$SIM" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1"
cd "$T" || exit 1

"$P" sim posnet --tcp 0 --port-file port --paper paper --status status >sim.log 2>&1 &
SIM=$!
for _ in $(seq 1 500); do [ -s port ] && break; sleep 0.02; done
for s in A B; do
	{
		cat "$SRC/examples/packline.ini"
		printf '\n[packline]\nstore = sqlite:%s/p.db\nstation = %s\n' "$T" $s
		printf '\n[printer "fiscal"]\ntransport = tcp:127.0.0.1:%s\n' "$(cat port)"
		printf 'timeout_status_ms = 5000\n'
		printf '\n[station]\norder_prefix = ZK/\n'
	} >$s.ini
done
# ZK/1: 1 mug; ZK/2: 2 mugs + 1 plate; ZK/3: 2 mugs; ZK/4: 1 mug + 1 plate
order() { # id, lines JSON, total
	printf '{"source":"shop","id":"%s","number":"ZK/%s","status":"paid","currency":"PLN",' "$1" "$1"
	printf '"total":%s,"buyer":{"name":"Jan Łęcki","country":"PL"},' "$3"
	printf '"payment":{"type":"cash","status":"paid","paid":%s},"lines":[%s]}' "$3" "$2"
}
MUG='"sku":"KUB","ean":"5907511000015","name":"Kubek „Żubr”","unit_price":1000,"vat":"23"'
PLATE='"sku":"TAL","ean":"96385074","name":"Talerz żółty","unit_price":500,"vat":"23"'
order 1 "{$MUG,\"qty\":1}" 1000 >o1.json
order 2 "{$MUG,\"qty\":2},{$PLATE,\"qty\":1}" 2500 >o2.json
order 3 "{$MUG,\"qty\":2}" 2000 >o3.json
order 4 "{$MUG,\"qty\":1},{$PLATE,\"qty\":1}" 1500 >o4.json
"$P" --config A.ini orders import o1.json o2.json o3.json o4.json >/dev/null
check '[ $? = 0 ]' "orders imported"

receipts() { grep -c '^--- BEGIN RECEIPT' paper 2>/dev/null || echo 0; }
q() { sqlite3 "$T/p.db" "$1"; }
screen() { tm capture-pane -p -t st; }
# wait until the screen shows $1 (fixed string), up to 30 s
wait_screen() {
	for _ in $(seq 1 300); do
		screen | grep -qF -- "$1" && return 0
		sleep 0.1
	done
	echo "--- screen (waiting for '$1'):"
	screen
	return 1
}
scan() {
	tm send-keys -t st -l -- "$1"
	tm send-keys -t st Enter
}
start() { # station ini, width, height
	rm -f rc
	tm new-session -d -s st -x "$2" -y "$3" \
		"'$P' --config '$T/$1.ini' station --log '$T/$1.log'; echo \$? >'$T/rc'; sleep 600"
	wait_screen "(czeka na skan)"
}
stop() {
	tm send-keys -t st C-c
	for _ in $(seq 1 300); do [ -s rc ] && break; sleep 0.1; done
	check '[ "$(cat rc 2>/dev/null)" = 0 ]' "station ends with 0 on Ctrl-C (rc $(cat rc 2>/dev/null))"
	tm kill-session -t st 2>/dev/null
}

# 1. 20x8: complete order, receipt exactly once
start A 20 8
check 'wait_screen "Drukarka: OK"' "20x8: the printer state is shown"
scan ZK/1
check 'wait_screen "Brak 1: KUB"' "20x8: the order opens with what is left"
scan 5907511000015
check 'wait_screen "Spakowane"' "20x8: one mug completes ZK/1"
check 'wait_screen "paragon: OK"' "20x8: the receipt job is done (journal state on screen)"
check '[ "$(receipts)" = 1 ]' "one receipt on paper ($(receipts))"
widest() { screen | python3 -c 'import sys; print(max(len(l.rstrip("\n")) for l in sys.stdin))'; }
check '[ "$(widest)" -le 20 ]' "20x8: no row wider than 20 characters ($(widest))"
check '[ "$(screen | wc -l)" -le 8 ]' "20x8: no more than 8 rows"
scan ZK/1
check 'wait_screen "JUŻ SPAKOWANE"' "scanning a packed order again: already packed"
scan 5907511000015
check 'wait_screen "JUŻ SPAKOWANE"' "an item of a packed order: already packed"
sleep 1
check '[ "$(receipts)" = 1 ]' "still one receipt ($(receipts))"
check '[ "$(q "select count(*) from jobs where kind = \"receipt\"")" = 1 ]' "one receipt job"
check '[ "$(q "select state from pack_sessions s join orders o on o.id = s.order_id where o.number = \"ZK/1\"")" = packed ]' \
	"the session of ZK/1 is packed"

# 2. wrong item / unknown code / too many, in ZK/4 (1 mug + 1 plate)
scan ZK/4
check 'wait_screen "Brak 2"' "ZK/4 opens, 2 missing"
scan 4006381333931
check 'wait_screen "ZŁY TOWAR"' "a valid EAN not on the order: wrong item"
scan 5907511000016
check 'wait_screen "NIEZNANY KOD"' "a bad check digit: unknown code"
scan 5907511000015
check 'wait_screen "OK: KUB 1/1"' "the mug counted"
scan 5907511000015
check 'wait_screen "ZA DUŻO"' "a second mug: too many"
check 'wait_screen "Brak 1: TAL"' "the plate is still missing"
check '[ "$(receipts)" = 1 ]' "nothing printed for an incomplete order"
# 4. accept missing with a reason
scan PL:MISSING
check 'wait_screen "Wpisz powód"' "accept missing asks for a reason"
scan "brak na półce"
check 'wait_screen "paragon: OK"' "accepted with a reason: the receipt is recorded and printed"
check '[ "$(receipts)" = 2 ]' "ZK/4's receipt printed ($(receipts))"
check '[ "$(q "select count(*) from audit_log where action = \"station.accept_missing\" and object = \"ZK/4\" and detail like \"%TAL x1: brak na półce%\" and actor = \"station:A\"")" = 1 ]' \
	"the override is in the audit log with its reason"
stop

# 3. 80x24: hold on A, resume on B
start A 80 24
scan ZK/3
check 'wait_screen " 0/2 KUB Kubek „Żubr”"' "80x24: the line with its Polish name"
scan ']d2'$'\x1d''0105907511000015'
check 'wait_screen "OK: KUB 1/2"' "a GS1 DataMatrix of the mug counts"
scan PL:HOLD
check 'wait_screen "Wstrzymane"' "held"
stop
check '[ "$(q "select state || \" \" || scanned from pack_sessions s join orders o on o.id = s.order_id where o.number = \"ZK/3\"")" = "held {\"KUB\":1}" ]' \
	"the hold is persisted with its count"
start B 80 24
scan ZK/3
check 'wait_screen "Wznowiono"' "station B resumes ZK/3"
check 'wait_screen " 1/2 KUB"' "with the count A left"
scan 5907511000015
check 'wait_screen "paragon: OK"' "B completes ZK/3 and its receipt prints"
check '[ "$(receipts)" = 3 ]' "three receipts in all ($(receipts))"
stop
check '[ "$(q "select count(*) from audit_log where action in (\"station.hold\", \"station.resume\") and object = \"ZK/3\"")" = 2 ]' \
	"hold and resume are audited"
check 'grep -q "station: scanning -> waiting: held ZK/3" A.log' "the state machine's log names every change"
check '[ "$(q "select count(*) from jobs where kind = \"receipt\"")" = 3 ]' "one receipt job per packed order"
check '! grep -q "ERROR: AddressSanitizer\|runtime error" A.log B.log' "no sanitizer report"

echo "test_station_tmux: $pass passed, $fail failed"
[ "$fail" = 0 ]
