#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `packline run`: the rules' label step is an intent the worker pool
# performs (issue #18: effects run off the caller's path). A label printer
# that does not take the label (a FIFO nobody reads: open(2) blocks, as a
# stuck device would) holds up one worker only: the loop goes on importing,
# and the invoices of orders dropped meanwhile are issued by another worker.
# When the printer takes it, the label is printed once and its job is done.
set -u
P=${PACKLINE:?}
SRC=${PL_SRC:?}
T=$(mktemp -d); echo "T=$T"
pid= rpid=
trap 'kill $pid $rpid 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
check() { if eval "$1"; then ok; else bad "$2"; fi; }
q() { sqlite3 -cmd '.timeout 5000' "$T/p.db" "$1"; }
wait_for() { # CONDITION TENTHS
	for _ in $(seq "$2"); do eval "$1" && return 0; sleep 0.1; done
	return 1
}

mkdir -p "$T/inbox"
mkfifo "$T/label.fifo"
cat >"$T/p.ini" <<INI
[packline]
store = sqlite:$T/p.db
inbox = $T/inbox
poll_seconds = 1

[rule "company"]
when  = not empty(buyer.nip)
issue = invoice
then  = label

[label]
template = $SRC/examples/labels/packing.zpl.tmpl
printer = file
file = $T/label.fifo
INI

# order 1 (with NIP): its invoice, then its label into the FIFO: blocked
cp "$SRC/examples/orders/01-company-nip-invoice.json" "$T/inbox/01.json"
PL_JOURNAL_WORKERS=2 "$P" --config "$T/p.ini" run >"$T/out" 2>"$T/err" &
pid=$!
wait_for '[ "$(q "select state from jobs where kind = '"'label'"'" 2>/dev/null)" = sending ]' 150
check '[ "$(q "select state from jobs where kind = '"'label'"'")" = sending ]' \
	"the label job is claimed and sending (the printer does not take it)"

# orders dropped while the label waits: imported and invoiced meanwhile
for i in 2 3 4; do
	sed "s/\"id\": *\"10042\"/\"id\": \"later-$i\"/; s/\"number\": *\"[^\"]*\"/\"number\": \"ZK\/9\/$i\"/" \
		"$SRC/examples/orders/01-company-nip-invoice.json" >"$T/inbox/.t"
	mv "$T/inbox/.t" "$T/inbox/0$i.json"
done
wait_for '[ "$(q "select count(*) from documents where state = '"'issued'"'")" = 4 ]' 150
check '[ "$(q "select count(*) from orders")" = 4 ]' "the loop imported the orders dropped while a label was stuck"
check '[ "$(q "select count(*) from documents where state = '"'issued'"'")" = 4 ]' \
	"their invoices were issued meanwhile ($(q "select count(*) from documents where state = 'issued'") of 4)"
check '[ "$(q "select count(*) from jobs where kind = '"'label'"' and state = '"'sending'"'")" -ge 1 ]' \
	"while the first label still waits for its printer"
check 'grep -q "label queued (job" "$T/out"' "the report says the label is queued"

# the printer takes labels now: every label printed once, its job done
# read-write: the reader holds a writer too, so it never sees end of file
# between two labels (each label opens and closes the FIFO)
cat 0<>"$T/label.fifo" >"$T/labels.zpl" &
rpid=$!
wait_for '[ "$(q "select count(*) from jobs where kind = '"'label'"' and state = '"'done'"'")" = 4 ]' 200
check '[ "$(q "select count(*) from jobs where kind = '"'label'"' and state = '"'done'"'")" = 4 ]' \
	"every label job done ($(q "select state || ' ' || count(*) from jobs where kind = 'label' group by state" | tr '\n' ' '))"
kill -TERM $pid
wait_for '! kill -0 $pid 2>/dev/null' 100
wait $pid
rc=$?
pid=
check '[ $rc = 0 ]' "run stops on SIGTERM with 0 (got $rc)"
kill $rpid 2>/dev/null
wait $rpid 2>/dev/null
rpid=
n=$(grep -c '^\^XA' "$T/labels.zpl")
check '[ "$n" = 4 ]' "four labels on the printer, each once (got $n)"
echo "test_run_labels: $pass passed, $fail failed"
[ "$fail" = 0 ]
