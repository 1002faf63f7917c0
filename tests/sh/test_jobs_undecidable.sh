#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/sh/test_jobs_undecidable.sh - a real undecidable receipt, shown and
# resolved by the operator (issue #18, defect 7).
#
# Station A is SIGKILLed right after the receipt's last frame left for the
# printer (PL_TEST_DIE_AFTER_FRAMES): the receipt is on paper, the job is
# SENDING. Station B, on its own store, prints two receipts on the SAME
# printer, so when A reconciles, the printer's receipt counter has moved by 3
# and A cannot tell whether its receipt was one of them: the job is held
# for the operator (never guessed, never resent). Then:
#   - a later receipt on that printer is blocked, with a message naming
#     the commands that unblock it;
#   - `jobs list` / `jobs show` show the held job and everything known;
#   - `jobs resolve --done --reason` settles it (document issued) and the
#     audit log says who, when and why;
#   - the blocked receipt then prints, and nothing is printed twice.
# Before #18's jobs commands, only the sqlite3 shell could unblock it.
set -u
P=${PACKLINE:?PACKLINE not set}
SRC=${PL_SRC:?PL_SRC not set}
pass=0
fail=0
check() { if eval "$1"; then pass=$((pass + 1)); else
	fail=$((fail + 1))
	echo "FAIL: $2"
fi; }
T=$(mktemp -d /tmp/test_jobs_undecidable.XXXXXX)
SIM=
cleanup() {
	[ -n "$SIM" ] && kill "$SIM" 2>/dev/null && wait "$SIM" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
cd "$T" || exit 1

"$P" sim posnet --tcp 0 --port-file port --paper paper --status status >sim.log 2>&1 &
SIM=$!
for _ in $(seq 1 300); do [ -s port ] && break; sleep 0.01; done
for s in A B; do
	{
		cat "$SRC/examples/packline.ini"
		printf '\n[packline]\nstore = sqlite:%s/%s.db\nstation = %s\n' "$T" $s $s
		printf '\n[printer "fiscal"]\ntransport = tcp:127.0.0.1:%s\n' "$(cat port)"
		printf 'timeout_status_ms = 2000\n'
	} >$s.ini
done
order() {
	printf '{"source":"shop","id":"%s","number":"ZK/%s","status":"paid","currency":"PLN",' "$1" "$1"
	printf '"total":1999,"buyer":{"name":"Jan","country":"PL"},'
	printf '"payment":{"type":"cash","status":"paid","paid":1999},'
	printf '"lines":[{"sku":"A1","name":"Kubek","qty":1,"unit_price":1999,"vat":"23"}]}'
}
receipts() { grep -c '^--- BEGIN RECEIPT' paper; }
q() { sqlite3 "$T/A.db" "$1"; }
for i in 1 2 3 4; do order $i >o$i.json; done

# 1. A dies after the receipt's frames left: on paper, job SENDING
"$P" --config A.ini orders import o1.json >/dev/null
PL_TEST_DIE_AFTER_FRAMES=14 "$P" --config A.ini process >a1.out 2>a1.err
rc=$?
check '[ $rc = 137 ]' "A killed by the test hook (rc $rc)"
check '[ "$(receipts)" = 1 ]' "the receipt of ZK/1 is on paper ($(receipts))"
check '[ "$(q "select state from jobs where id = 1")" = sending ]' "job 1 left sending"

# 2. B prints two receipts on the same printer: the counter jumps
"$P" --config B.ini orders import o2.json >/dev/null
"$P" --config B.ini orders import o3.json >/dev/null
"$P" --config B.ini process >b.out 2>&1
check '[ $? = 0 ] && [ "$(receipts)" = 3 ]' "B printed its two receipts ($(receipts) on paper)"

# 3. A reconciles: undecidable -> held; ZK/4 blocked behind it
"$P" --config A.ini orders import o4.json >/dev/null
"$P" --config A.ini process >a2.out 2>a2.err
rc=$?
check '[ $rc = 1 ]' "A's process reports the failures (rc $rc)"
check 'grep -q "ZK/1.*outcome unknown: receipt counter moved 0 -> 3" a2.out' \
	"ZK/1 outcome unknown, with the counters: $(grep ZK/1 a2.out)"
check 'grep -q "ZK/4.*unsettled: see .packline jobs list., then .packline jobs resolve ID." a2.out' \
	"ZK/4 blocked with the way out named: $(grep ZK/4 a2.out)"
check '[ "$(receipts)" = 3 ]' "nothing resent or printed while held ($(receipts))"
"$P" --config A.ini process >a3.out 2>&1
check '[ "$(receipts)" = 3 ]' "a second process still prints nothing ($(receipts))"

"$P" --config A.ini jobs list --state unknown >list.out 2>&1
check '[ $? = 0 ] && grep -q "^1 .*receipt:shop:1 .*unknown .*yes" list.out' \
	"jobs list shows job 1 held: $(cat list.out)"
"$P" --config A.ini jobs show 1 >show.out 2>&1
check '[ $? = 0 ]' "jobs show 1 exits 0"
check 'grep -q "held: .*for the operator" show.out' "jobs show says held"
check 'grep -q "jobs resolve 1 --done|--failed --reason" show.out' "jobs show says how to resolve"
check 'grep -q "\"before\"" show.out && grep -q "\"order_number\":.*\"ZK/1\"" show.out' \
	"jobs show has the evidence (counters before, the receipt sent)"
check 'grep -q "reclaimed from A:" show.out' "jobs show has the history (the reclaim)"
check 'grep -q "document: *receipt PAR/2026/000001 (pending)" show.out' "jobs show names the document"

# 4. the operator checked the paper copy and resolves it
"$P" --config A.ini jobs resolve 1 --done --as kierownik >res0.out 2>&1
check '[ $? = 2 ]' "resolve without --reason is refused (exit 2)"
"$P" --config A.ini jobs resolve 1 --done --reason "paper copy checked: ZK/1 printed" \
	--as kierownik >res.out 2>&1
check '[ $? = 0 ]' "jobs resolve --done exits 0: $(cat res.out)"
check '[ "$(q "select state from jobs where id = 1")" = done ]' "job 1 done"
check '[ "$(q "select state from documents where number = '"'PAR/2026/000001'"'")" = issued ]' \
	"its document issued"
"$P" --config A.ini audit --order ZK/1 >audit.out 2>&1
check 'grep -q "kierownik .*job.resolve .*ZK/1 .*unknown -> done: paper copy checked: ZK/1 printed" audit.out' \
	"audit: who and why: $(grep resolve audit.out)"
check 'grep -q "^2026\|^20[0-9][0-9]-" audit.out' "audit rows carry the time"

# 5. the blocked receipt prints now, once
"$P" --config A.ini process >a4.out 2>&1
check '[ $? = 0 ]' "process exits 0 after the resolve"
check 'grep -q "ZK/4.*printed" a4.out' "ZK/4 printed: $(grep ZK/4 a4.out)"
check '[ "$(receipts)" = 4 ]' "four receipts on paper ($(receipts)): ZK/1 not reprinted"
check '[ "$(grep -c "Nr zamówienia: ZK/1$" paper)" = 1 ]' "ZK/1 on paper once"
"$P" --config A.ini jobs resolve 1 --failed --reason "again" >res2.out 2>&1
rc=$?
check '[ $rc = 1 ] && grep -q "job 1 is done.*nothing changed" res2.out' \
	"a done job cannot be resolved again (rc $rc): $(cat res2.out)"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
