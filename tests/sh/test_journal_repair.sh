#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/sh/test_journal_repair.sh - #8: a job done with its document left pending.
#
# Before #18 a receipt job was marked done in one transaction and its
# document issued in a second one; when the second failed the document
# stayed pending for good, and a later run only said "already printed".
# Now both happen in ONE transaction, and a run repairs old data of that
# kind at start-up. The old state is made by hand here: a printed receipt,
# then its document set back to pending.
set -u
P=${PACKLINE:?PACKLINE not set}
pass=0
fail=0
check() { if eval "$1"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $2"; fi; }
T=$(mktemp -d /tmp/test_journal_repair.XXXXXX)
SIM_PID=
cleanup() {
	[ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

"$P" sim posnet --tcp 0 --port-file "$T/port" --paper "$T/paper" --status "$T/status" \
	>"$T/sim.log" 2>&1 &
SIM_PID=$!
for _ in $(seq 1 300); do [ -s "$T/port" ] && break; sleep 0.01; done
{
	cat "$PL_SRC/examples/packline.ini"
	printf '\n[packline]\nstore = sqlite:%s/p.db\n' "$T"
	printf '\n[printer "fiscal"]\ntransport = tcp:127.0.0.1:%s\n' "$(cat "$T/port")"
} >"$T/p.ini"
"$P" --config "$T/p.ini" orders import "$PL_SRC/examples/orders/02-consumer-receipt.json" >/dev/null
"$P" --config "$T/p.ini" process >"$T/out1" 2>"$T/err1"
check '[ $? = 0 ]' "the receipt is printed"
q() { sqlite3 "$T/p.db" "$1"; }
check '[ "$(q "select state from documents")" = issued ]' "done and issued together"
check '[ "$(q "select state from jobs")" = done ]' "the job is done"
# the old failure: job done, document still pending
q "update documents set state = 'pending'"
"$P" --config "$T/p.ini" process >"$T/out2" 2>"$T/err2"
check '[ $? = 0 ]' "a later run exits 0"
check '[ "$(q "select state from documents")" = issued ]' "the later run repaired the document ($(q "select state from documents"))"
check '[ "$(q "select remote_id from documents")" = "$(q "select json_extract(result, '"'\$.key'"') from jobs")" ]' \
	"with the receipt's key as remote id"
check '[ "$(grep -c "^--- BEGIN RECEIPT" "$T/paper")" = 1 ]' "nothing printed again"
check 'grep -q "already issued" "$T/out2"' "reported as already issued"

# A claimer killed after it made an invoice (document and number, pending)
# and before it was issued: the job is pending with a dead owner. `process`
# takes the document up through its job - it used to say "already pending"
# and leave both for good (found by the race test's kills).
"$P" --config "$T/p.ini" orders import "$PL_SRC/examples/orders/01-company-nip-invoice.json" >/dev/null
"$P" --config "$T/p.ini" process >"$T/out3" 2>"$T/err3"
inv="select state from documents where kind = 'invoice'"
check '[ "$(q "$inv")" = issued ]' "the invoice is issued"
q "update documents set state = 'pending' where kind = 'invoice'"
q "update jobs set state = 'pending', owner = 'gone:1:dead', lease_until = 1 where kind = 'document'"
"$P" --config "$T/p.ini" process >"$T/out4" 2>"$T/err4"
check '[ $? = 0 ]' "process exits 0"
check '[ "$(q "$inv")" = issued ]' "the pending invoice is issued by its job ($(q "$inv"))"
check '[ "$(q "select count(*) from documents where kind = '"'invoice'"'")" = 1 ]' "no second invoice"
check '[ "$(q "select value from number_counters where kind = '"'invoice'"'")" = 1 ]' "no second number"
check '[ "$(q "select state from jobs where kind = '"'document'"'")" = done ]' "its job is done"
check '! grep -q "already pending" "$T/out4"' "not left as 'already pending'"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
