#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `packline run`: the inbox is imported whole or not at all, refused files go
# to failed/ with their errors, imported orders are processed once, SIGTERM
# stops the loop cleanly.
set -u
P=${PACKLINE:?}
SRC=${PL_SRC:?}
T=$(mktemp -d)
trap 'kill $pid 2>/dev/null; rm -rf "$T"' EXIT
pid=
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
check() { if eval "$1"; then ok; else bad "$2"; fi; }

mkdir -p "$T/inbox"
{ cat "$SRC/examples/packline.ini"; printf '\n[packline]\nstore = sqlite:%s/p.db\ninbox = %s/inbox\npoll_seconds = 1\n' "$T" "$T"; } >"$T/p.ini"
cp "$SRC/examples/orders/01-company-nip-invoice.json" "$SRC/examples/orders/02-consumer-receipt.json" "$T/inbox/"
cp "$SRC/examples/bad/bad-nip.json" "$T/inbox/"
echo "partial" >"$T/inbox/.incoming.json.tmp"

"$P" --config "$T/p.ini" run --once >"$T/out" 2>"$T/err"
check '[ $? = 0 ]' "run --once exits 0"
check '[ -f "$T/inbox/done/01-company-nip-invoice.json" ]' "imported file moved to done/"
check '[ -f "$T/inbox/failed/bad-nip.json" ]' "refused file moved to failed/"
check 'grep -q "buyer.nip" "$T/inbox/failed/bad-nip.json.errors.txt"' "errors written beside the refused file"
check '[ -f "$T/inbox/.incoming.json.tmp" ]' "a file being written is left alone"
check 'grep -q "FV/2026/0001" "$T/out"' "the imported company order got its invoice"
check 'grep -q "pending (posnet: no fiscal printer configured)" "$T/out"' "a receipt waits for a printer"
check '[ "$(sqlite3 "$T/p.db" "select count(*) from orders")" = 2 ]' "only the good files' orders are stored"

# the daemon: a file dropped while it runs is picked up; the same file again changes nothing
"$P" --config "$T/p.ini" run >"$T/out2" 2>"$T/err2" &
pid=$!
cp "$SRC/examples/orders/03-notes-invoice-request.json" "$T/inbox/.x.tmp"
mv "$T/inbox/.x.tmp" "$T/inbox/03.json"
for _ in $(seq 100); do [ -f "$T/inbox/done/03.json" ] && break; sleep 0.1; done
check '[ -f "$T/inbox/done/03.json" ]' "the running loop imported the dropped file"
cp "$SRC/examples/orders/03-notes-invoice-request.json" "$T/inbox/03-again.json"
for _ in $(seq 100); do [ -f "$T/inbox/done/03-again.json" ] && break; sleep 0.1; done
check '[ -f "$T/inbox/done/03-again.json" ]' "the same order dropped again is consumed"
# two invoices numbered; the receipt is an intent (no printer: no document
# or number until a printer's worker claims it)
n=$(sqlite3 "$T/p.db" "select count(*) from documents")
check '[ "$n" = 2 ]' "no document twice (got $n)"
n=$(sqlite3 "$T/p.db" "select count(*) from jobs")
check '[ "$n" = 3 ]' "one intent per document (got $n)"
kill -TERM $pid
for _ in $(seq 50); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
check '! kill -0 $pid 2>/dev/null' "SIGTERM stops the loop"
wait $pid
check '[ $? = 0 ]' "exit status 0 after SIGTERM"
pid=
check 'grep -q "FV/2026/0002" "$T/out2"' "the dropped order was processed"

printf '[packline]\npoll_seconds = 0\n' >"$T/bad.ini"
"$P" --config "$T/bad.ini" run --once >/dev/null 2>"$T/err3"
check '[ $? = 3 ]' "a bad poll_seconds is a configuration error"
check 'grep -q "bad.ini:2:16" "$T/err3"' "with its place"

echo "test_run: $pass passed, $fail failed"
[ "$fail" = 0 ]
