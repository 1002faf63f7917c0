#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/sh/test_docs_cancel.sh - #19: `docs cancel DOC --reason R` goes through
# the journal (kind doc_cancel, once per document): an issued invoice of our
# own numbering is cancelled with its number kept used, audited with who and
# why; asked again it says so and changes nothing; a fiscal receipt, a
# document a correction refers to and a pending one are refused with the
# reason and nothing changes; `process` may issue the order anew afterwards.
set -u
P=${PACKLINE:?PACKLINE not set}
SRC=${PL_SRC:?}
pass=0
fail=0
check() { if eval "$1"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $2"; fi; }
T=$(mktemp -d /tmp/test_docs_cancel.XXXXXX)
SIM_PID=
cleanup() {
	[ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
q() { sqlite3 "$T/p.db" "$1"; }

"$P" sim posnet --tcp 0 --port-file "$T/port" --paper "$T/paper" >"$T/sim.log" 2>&1 &
SIM_PID=$!
for _ in $(seq 1 300); do [ -s "$T/port" ] && break; sleep 0.01; done
{
	cat "$SRC/examples/packline.ini"
	printf '\n[packline]\nstore = sqlite:%s/p.db\n' "$T"
	printf '\n[printer "fiscal"]\ntransport = tcp:127.0.0.1:%s\n' "$(cat "$T/port")"
} >"$T/p.ini"
"$P" --config "$T/p.ini" orders import "$SRC/examples/orders/01-company-nip-invoice.json" \
	"$SRC/examples/orders/02-consumer-receipt.json" >/dev/null
"$P" --config "$T/p.ini" process >"$T/out1" 2>&1
inv=$(q "select number from documents where kind = 'invoice'")
rcp=$(q "select number from documents where kind = 'receipt'")
check '[ "$inv" = FV/2026/0001 ] && [ -n "$rcp" ]' "an invoice and a receipt issued ($inv, $rcp)"

"$P" --config "$T/p.ini" docs cancel "$inv" >"$T/o" 2>"$T/e"
rc=$?
check '[ $rc = 2 ]' "a reason is required (usage)"
long=$(head -c 300 /dev/zero | tr '\0' x)
"$P" --config "$T/p.ini" docs cancel "$inv" --reason "$long" >"$T/o" 2>"$T/e"
rc=$?
check '[ $rc = 2 ] && grep -q "at most 256" "$T/e"' "a reason over 256 bytes is refused"

"$P" --config "$T/p.ini" docs cancel "$inv" --reason "wrong buyer data" --as anna >"$T/o" 2>"$T/e"
rc=$?
check '[ $rc = 0 ]' "the invoice is cancelled (exit 0; $(cat "$T/e"))"
check 'grep -q "invoice FV/2026/0001 cancelled by anna: wrong buyer data" "$T/o"' "the output says what was done"
check '[ "$(q "select state from documents where number = '"'$inv'"'")" = cancelled ]' "the document is cancelled"
check '[ "$(q "select state from jobs where kind = '"'doc_cancel'"'")" = done ]' "through its journal job, done"
check '[ "$(q "select value from number_counters where kind = '"'invoice'"'")" = 1 ]' "its number stays used"
"$P" --config "$T/p.ini" audit >"$T/audit"
check 'grep -q "anna .*doc.cancel" "$T/audit"' "audited with the operator's name"
check 'grep -q "wrong buyer data" "$T/audit"' "and the reason"

"$P" --config "$T/p.ini" docs cancel "$inv" --reason "again" >"$T/o" 2>"$T/e"
rc=$?
check '[ $rc = 0 ] && grep -q "cancelled already" "$T/o"' "asked again: cancelled already"
check '[ "$(q "select count(*) from jobs where kind = '"'doc_cancel'"'")" = 1 ]' "one job per document, ever"

"$P" --config "$T/p.ini" docs cancel "$rcp" --reason "customer changed mind" >"$T/o" 2>"$T/e"
rc=$?
check '[ $rc = 1 ] && grep -q "fiscal receipt cannot be undone" "$T/e"' \
	"a fiscal receipt is refused with the way out (rc $?; $(cat "$T/e"))"
check '[ "$(q "select state from documents where number = '"'$rcp'"'")" = issued ]' "the receipt stays issued"

# the order gets a new invoice on the next run (a re-issue), with the next number
"$P" --config "$T/p.ini" process >"$T/out2" 2>&1
check '[ "$(q "select count(*) from documents where kind = '"'invoice'"' and state = '"'issued'"'")" = 1 ]' \
	"process issues the order anew"
check '[ "$(q "select number from documents where kind = '"'invoice'"' and state = '"'issued'"'")" = FV/2026/0002 ]' \
	"with the next number"

# a document a correction refers to: refused until the correction is cancelled
new=FV/2026/0002
"$P" --config "$T/p.ini" orders return ZK/2026/10042 --line 1=1 --reason "damaged" >"$T/o" 2>&1
kor=$(q "select number from documents where kind = 'correction'")
check '[ -n "$kor" ]' "a correction is issued ($kor)"
"$P" --config "$T/p.ini" docs cancel "$new" --reason "x" >"$T/o" 2>"$T/e"
rc=$?
check '[ $rc = 1 ] && grep -q "correction $kor refers to it" "$T/e"' "a corrected invoice is refused ($(cat "$T/e"))"
"$P" --config "$T/p.ini" docs cancel "$kor" --reason "typed wrong" >"$T/o" 2>"$T/e"
rc=$?
check '[ $rc = 0 ]' "the correction itself may be cancelled"
"$P" --config "$T/p.ini" docs cancel "$new" --reason "now it may go" >"$T/o" 2>"$T/e"
rc=$?
check '[ $rc = 0 ]' "then the invoice ($(cat "$T/e"))"

"$P" --config "$T/p.ini" docs cancel "FV/2099/9999" --reason "x" >"$T/o" 2>"$T/e"
rc=$?
check '[ $rc = 1 ] && grep -q "no document" "$T/e"' "an unknown document is named"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
