#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Returns, cancellations and orders changed after issue, end to end on a real
# SQLite file (issue #18, defects 2-4): partial returns by line and quantity
# (twice, adding up, never past what was invoiced), a receipt order cancelled
# gets a refund note or a printer return request (never "nothing to correct"),
# an order changed after its invoice is held until a person accepts or
# corrects it, with the audit log saying who, when and why.
set -u
P=${PACKLINE:?}
SRC=${PL_SRC:?}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
CFG=$SRC/examples/packline.ini
DB=$T/p.db
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
expect_rc() { # expected-rc description command...
	local want=$1 what=$2; shift 2
	"$@" >"$T/out" 2>"$T/err"; local rc=$?
	if [ "$rc" = "$want" ]; then ok; else bad "$what: exit $rc, want $want"; cat "$T/out" "$T/err" >&2; fi
}
has() { # file pattern description
	if grep -q -- "$2" "$1"; then ok; else bad "$3: '$2' not in output"; cat "$1" >&2; fi
}
hasnt() {
	if grep -q -- "$2" "$1"; then bad "$3: '$2' in output"; cat "$1" >&2; else ok; fi
}
same() { # got want description
	if [ "$1" = "$2" ]; then ok; else bad "$3: got '$1', want '$2'"; fi
}
pl() { "$P" --config "$CFG" --store "sqlite:$DB" "$@"; }
q() { sqlite3 "$DB" "$1"; }
INV=$SRC/examples/orders/01-company-nip-invoice.json
REC=$SRC/examples/orders/02-consumer-receipt.json
# a changed copy of an example order: jq filter, output file
edit() { jq "$1" "$2" >"$3"; }

# ---- partial returns: 4 + 2 invoiced, 3 returned -> -128.97, not -264.86 ----
expect_rc 0 "import the invoice order" pl orders import "$INV"
expect_rc 0 "process" pl process
has "$T/out" "FV/2026/0001" "invoice issued"
same "$(q "select total_gross from documents where number='FV/2026/0001'")" 26486 "invoice total"

edit '.status="returned" | .lines[0].returned=3' "$INV" "$T/ret3.json"
expect_rc 0 "import the first return" pl orders import "$T/ret3.json"
has "$T/out" "1 updated" "a return is an update"
expect_rc 0 "orders list --held after a return" pl orders list --held
has "$T/out" "no held orders" "a return does not hold the order"
expect_rc 0 "process the first return" pl process ZK/2026/10042
has "$T/out" "KOR/2026/0001" "correction numbered"
has "$T/out" "-128.97" "3 x 42.99 taken back"
has "$T/out" "corrects FV/2026/0001 (partial)" "partial correction said"
hasnt "$T/out" "-264.86" "not a full correction"
expect_rc 0 "docs show the correction" pl docs show KOR/2026/0001
has "$T/out" "Glina kamionkowa" "the returned line"
has "$T/out" "-3.000" "returned quantity"
has "$T/out" "TOTAL .*-104.85 .*-24.12 .*-128.97 PLN" "totals: net, VAT, gross"
same "$(q "select count(*) from document_lines l join documents d on d.id=l.document_id where d.number='KOR/2026/0001'")" 1 "only the changed line"

# the same order again: nothing new to take back
expect_rc 0 "process again" pl process ZK/2026/10042
has "$T/out" "already corrected" "no second correction"
same "$(q "select count(*) from documents where kind='correction'")" 1 "still one correction"

# the second return: the 4th piece, one glaze and the shipping
edit '.status="returned" | .lines[0].returned=4 | .lines[1].returned=1 | .delivery.refunded=true' "$INV" "$T/ret4.json"
expect_rc 0 "import the second return" pl orders import "$T/ret4.json"
expect_rc 0 "process the second return" pl process ZK/2026/10042
has "$T/out" "KOR/2026/0002" "second correction"
# 42.99 + 36.50 + 19.90 = 99.39
has "$T/out" "-99.39" "the second return adds to the first"
same "$(q "select sum(total_gross) from documents where kind='correction'")" -22836 "two corrections: -128.97 - 99.39"

# more than was sold is refused at import, naming the line
edit '.status="returned" | .lines[0].returned=5' "$INV" "$T/ret5.json"
expect_rc 1 "returned more than sold" pl orders import "$T/ret5.json"
has "$T/err" 'lines\[0\].returned' "the error names the line"
# fewer returned than already corrected: the order cannot say so quietly
edit '.status="returned" | .lines[0].returned=1 | .lines[1].returned=1 | .delivery.refunded=true' "$INV" "$T/ret1.json"
expect_rc 0 "import a lower returned quantity" pl orders import "$T/ret1.json"
expect_rc 1 "process a lower returned quantity" pl process ZK/2026/10042
has "$T/out" "the order says 1 returned but 4 were already corrected" "clear error naming the line"

# cancelled: what is left goes (one glaze), the three corrections add up to the invoice
edit '.status="cancelled" | .lines[0].returned=4 | .lines[1].returned=1 | .delivery.refunded=true' "$INV" "$T/cancel.json"
expect_rc 0 "import the cancellation" pl orders import "$T/cancel.json"
expect_rc 0 "process the cancellation" pl process ZK/2026/10042
has "$T/out" "KOR/2026/0003" "third correction"
has "$T/out" "(to zero)" "the rest is taken back"
same "$(q "select sum(total_gross) from documents where kind='correction'")" -26486 "corrections add up to the invoice"
same "$(q "select sum(total_tax) from documents where kind='correction'")" \
	"-$(q "select total_tax from documents where number='FV/2026/0001'")" "VAT adds up exactly"

# ---- a receipt order cancelled: a refund note, never "nothing to correct" ----
# receipts are printed on the in-process POSNET simulator
cat "$CFG" >"$T/sim.ini"
printf '\n[printer "fiscal"]\ntransport = sim:\n' >>"$T/sim.ini"
pls() { "$P" --config "$T/sim.ini" --store "sqlite:$DB" "$@"; }
expect_rc 0 "import the receipt order" pl orders import "$REC"
expect_rc 0 "process the receipt order" pls process ZK/2026/10043
has "$T/out" "PAR/2026/000001 .*printed, receipt" "receipt printed"
edit '.status="cancelled"' "$REC" "$T/rec-cancel.json"
expect_rc 0 "import the receipt cancellation" pl orders import "$T/rec-cancel.json"
expect_rc 0 "process the receipt cancellation" pls process ZK/2026/10043
hasnt "$T/out" "nothing to correct" "never silence for a receipt"
has "$T/out" "refund .*ZW/2026/0001" "refund note numbered by [numbering \"refund\"]"
has "$T/out" "refund note for PAR/2026/000001" "linked to the receipt"
has "$T/out" "-92.97" "the whole receipt back"
same "$(q "select d.kind || ' ' || d.state || ' ' || r.number from documents d join documents r on r.id=d.corrects_id where d.number='ZW/2026/0001'")" \
	"refund issued PAR/2026/000001" "refund stored, issued, corrects the receipt"

# the printer path: a goods return on the fiscal printer (effects/fiscal_return.h),
# printed once, the refund document issued with it
cat "$T/sim.ini" >"$T/printer.ini"
printf '\n[returns]\nreceipt = printer\n' >>"$T/printer.ini"
DB2=$T/p2.db
pl2() { "$P" --config "$T/printer.ini" --store "sqlite:$DB2" "$@"; }
expect_rc 0 "config with [returns] receipt = printer" pl2 config check
expect_rc 0 "import (printer path)" pl2 orders import "$REC"
expect_rc 0 "process (printer path)" pl2 process
edit '.status="returned" | .lines[0].returned=1' "$REC" "$T/rec-ret.json"
expect_rc 0 "import a receipt return" pl2 orders import "$T/rec-ret.json"
expect_rc 0 "process a receipt return (printer path)" pl2 process ZK/2026/10043
has "$T/out" "printed: goods return of 39.99 on the fiscal printer for receipt PAR/2026/000001" "goods return printed"
hasnt "$T/out" "nothing to correct" "never silence (printer path)"
same "$(sqlite3 "$DB2" "select kind || ' ' || state || ' ' || backend || ' ' || total_gross from documents where kind='refund'")" \
	"refund issued posnet -3999" "refund document issued with the printer's return"
same "$(sqlite3 "$DB2" "select state || ' ' || json_extract(result, '$.sum') from jobs where kind='fiscal_return'")" \
	"done 3999" "the return's job done, its sum journalled"
expect_rc 0 "process again (printer path)" pl2 process ZK/2026/10043
hasnt "$T/out" "printed: goods return" "not printed again"
same "$(sqlite3 "$DB2" "select count(*) from documents where kind='refund'")" 1 "one refund"
same "$(sqlite3 "$DB2" "select count(*) from jobs where kind='fiscal_return'")" 1 "one return job"
# a receipt never printed (no printer): nothing was sold, nothing is refunded - and it is said
DB6=$T/p6.db
expect_rc 0 "import (unprinted)" "$P" --config "$CFG" --store "sqlite:$DB6" orders import "$REC"
expect_rc 0 "process without a printer" "$P" --config "$CFG" --store "sqlite:$DB6" process
has "$T/out" "pending (posnet: no fiscal printer configured)" "receipt left pending"
expect_rc 0 "import (unprinted, cancelled)" "$P" --config "$CFG" --store "sqlite:$DB6" orders import "$T/rec-cancel.json"
expect_rc 0 "process the cancellation of an unprinted receipt" "$P" --config "$CFG" --store "sqlite:$DB6" process
# (the engine numbers a receipt when a printer takes its job: there is no PAR number yet)
has "$T/out" "the receipt of order ZK/2026/10043 was never printed (pending): nothing was sold on the printer" "said, not silent"
same "$(sqlite3 "$DB6" "select count(*) from documents where kind='refund'")" 0 "no refund of an unprinted receipt"
printf '\n[returns]\nreceipt = drawer\n' >"$T/badret.ini"
cat "$CFG" >>"$T/badret.ini"
expect_rc 3 "an unknown [returns] receipt is refused at load" "$P" --config "$T/badret.ini" --store "sqlite:$DB2" process ZK/2026/10043
has "$T/err" "badret.ini:3: \[returns\] receipt = 'drawer': use 'document'" "says where and what is wrong"
printf '[returns]\nrefund = yes\n' >"$T/badkey.ini"
expect_rc 3 "an unknown [returns] key" "$P" --config "$T/badkey.ini" config check
has "$T/err" "unknown key 'refund' in \[returns\]" "unknown key named"

# ---- an order changed after its invoice: held until a person decides ----
DB3=$T/p3.db
pl3() { "$P" --config "$CFG" --store "sqlite:$DB3" "$@"; }
expect_rc 0 "import (held)" pl3 orders import "$INV"
expect_rc 0 "process (held)" pl3 process
# the shop changed line 2 from 2 to 3 glazes after the invoice
edit '.lines[1].qty=3 | .total=30136 | .payment.paid=30136' "$INV" "$T/grown.json"
expect_rc 0 "re-import the changed order" pl3 orders import "$T/grown.json"
has "$T/err" "changed after FV/2026/0001 was issued" "the import says it"
expect_rc 0 "orders list --held" pl3 orders list --held
has "$T/out" "ZK/2026/10042 .*FV/2026/0001" "held order listed with its document"
has "$T/out" "line 2 qty 2->3; total 264.86->301.36" "the change"
same "$(sqlite3 "$DB3" "select actor || ' ' || action || ' ' || object from audit_log")" \
	"import order.held ZK/2026/10042" "audit row for the hold"
expect_rc 0 "process a held order" pl3 process
has "$T/out" "held: order changed after FV/2026/0001 was issued: line 2 qty 2->3" "held outcome"
has "$T/out" "packline orders accept ZK/2026/10042 --reason" "how to accept"
has "$T/out" "packline orders correct ZK/2026/10042 --reason" "how to correct"
same "$(sqlite3 "$DB3" "select count(*) from documents")" 1 "nothing issued while held"
expect_rc 2 "accept needs a reason" pl3 orders accept ZK/2026/10042
expect_rc 1 "correct cannot add goods" pl3 orders correct ZK/2026/10042 --reason "x"
has "$T/err" "grows" "growth is not a correction"
same "$(sqlite3 "$DB3" "select count(*) from order_holds where released = 0")" 1 "still held"
expect_rc 0 "accept" pl3 orders accept ZK/2026/10042 --reason "customer added a glaze by phone" --actor anna
has "$T/out" "accepted as it is now by anna" "accept says who"
same "$(sqlite3 "$DB3" "select actor || ' ' || action || ' ' || object || ' ' || detail from audit_log order by id desc limit 1" | cut -c1-72)" \
	"anna order.accept ZK/2026/10042 customer added a glaze by phone (held: c" "audit: who, what, why"
same "$(sqlite3 "$DB3" "select at > 0 from audit_log order by id desc limit 1")" 1 "audit: when"
expect_rc 1 "accept twice" pl3 orders accept ZK/2026/10042 --reason "again"
has "$T/err" "is not held" "not held any more"
expect_rc 0 "process after accept" pl3 process ZK/2026/10042
hasnt "$T/out" "held" "released"
has "$T/out" "already issued" "the invoice stands"
# no --actor: the unix user
edit '.lines[1].qty=1 | .total=22836 | .payment.paid=22836' "$INV" "$T/fewer.json"
expect_rc 0 "re-import with fewer goods" pl3 orders import "$T/fewer.json"
expect_rc 0 "process held again" pl3 process ZK/2026/10042
has "$T/out" "held: order changed after FV/2026/0001 was issued: line 2 qty 3->1" "held again, from the accepted content"
expect_rc 0 "correct" pl3 orders correct ZK/2026/10042 --reason "one glaze out of stock"
has "$T/out" "correction KOR/2026/0001" "a correction of the difference"
has "$T/out" "hold released by $(id -un)" "the unix user by default"
same "$(sqlite3 "$DB3" "select total_gross from documents where number='KOR/2026/0001'")" -3650 "one glaze taken back"
same "$(sqlite3 "$DB3" "select actor || ' ' || action from audit_log order by id desc limit 1")" \
	"$(id -un) order.correct" "audit for the correction"
expect_rc 0 "no held orders left" pl3 orders list --held
has "$T/out" "no held orders" "hold released"
# a change before any document is issued is normal: no hold
DB4=$T/p4.db
expect_rc 0 "import before issue" "$P" --config "$CFG" --store "sqlite:$DB4" orders import "$INV"
expect_rc 0 "change before issue" "$P" --config "$CFG" --store "sqlite:$DB4" orders import "$T/grown.json"
same "$(sqlite3 "$DB4" "select count(*) from order_holds")" 0 "not held before issue"

# ---- returned quantities from a command: the same arithmetic, audited ----
DB5=$T/p5.db
pl5() { "$P" --config "$CFG" --store "sqlite:$DB5" "$@"; }
expect_rc 0 "import (command returns)" pl5 orders import "$INV"
expect_rc 1 "return before any document" pl5 orders return ZK/2026/10042 --line 1=1 --reason "x"
has "$T/err" "no document was issued" "nothing to take back from yet"
expect_rc 0 "process (command returns)" pl5 process
expect_rc 2 "return needs a reason" pl5 orders return ZK/2026/10042 --line 1=3
expect_rc 1 "return of an unknown line" pl5 orders return ZK/2026/10042 --line 3=1 --reason "x"
has "$T/err" "N a line of ZK/2026/10042 (1-2)" "bad line named"
expect_rc 0 "return 3 by command" pl5 orders return ZK/2026/10042 --line 1=3 --reason "parcel came back" --actor ola
has "$T/out" "correction KOR/2026/0001" "a correction"
same "$(sqlite3 "$DB5" "select total_gross from documents where number='KOR/2026/0001'")" -12897 "3 x 42.99"
same "$(sqlite3 "$DB5" "select actor || ' ' || action || ' ' || object from audit_log order by id desc limit 1")" \
	"ola order.return ZK/2026/10042" "audited"
expect_rc 1 "return more than is left" pl5 orders return ZK/2026/10042 --line 1=2 --reason "x"
has "$T/err" "line 1 'Glina kamionkowa biała 5 kg': return of 2 is more than the 1 left (4 on FV/2026/0001, 3 returned before)" "over-return names the line"
same "$(sqlite3 "$DB5" "select count(*) from documents where kind='correction'")" 1 "nothing issued for it"
# the shop reports the same 3 later: already taken back
expect_rc 0 "import the shop's return" pl5 orders import "$T/ret3.json"
expect_rc 0 "process the shop's return" pl5 process ZK/2026/10042
has "$T/out" "already corrected" "command and order returns add up"
expect_rc 0 "one glaze and the shipping" pl5 orders return ZK/2026/10042 --line 2=1 --delivery --reason "damaged"
same "$(sqlite3 "$DB5" "select total_gross from documents where number='KOR/2026/0002'")" -5640 "36.50 + 19.90"
expect_rc 1 "shipping twice" pl5 orders return ZK/2026/10042 --delivery --reason "x"
has "$T/err" "already refunded" "shipping refunded once"

# ---- two (four) returns of one document at the same moment ----------------
# Each return reads what was taken back before and records its correction
# intent in one store transaction: together they never take back more than
# was invoiced, and the correction numbers stay gapless and unique.
DB6=$T/p6.db
pl6() { "$P" --config "$CFG" --store "sqlite:$DB6" "$@"; }
expect_rc 0 "import (concurrent returns)" pl6 orders import "$INV"
expect_rc 0 "process (concurrent returns)" pl6 process
pids=()
for i in 1 2 3 4; do
	pl6 orders return ZK/2026/10042 --line 1=3 --reason "race $i" >"$T/r$i.out" 2>"$T/r$i.err" &
	pids+=($!)
done
rcs=
for p in "${pids[@]}"; do
	wait "$p"
	rcs+="$? "
done
rcs=$(printf '%s\n' $rcs | sort | tr '\n' ' ')
same "$rcs" "0 1 1 1 " "4 returns of 3 of 4 at once: one taken, three refused"
same "$(cat "$T"/r*.err | grep -c "more than the 1 left")" 3 "the refused ones say what is left"
same "$(sqlite3 "$DB6" "select count(*) from documents where kind='correction'")" 1 "one correction"
same "$(sqlite3 "$DB6" "select total_gross from documents where kind='correction'")" -12897 "for 3 x 42.99"
rm -f "$T"/r*.out "$T"/r*.err
DB7=$T/p7.db
pl7() { "$P" --config "$CFG" --store "sqlite:$DB7" "$@"; }
expect_rc 0 "import (concurrent returns 2)" pl7 orders import "$INV"
expect_rc 0 "process (concurrent returns 2)" pl7 process
pids=()
for i in 1 2 3 4 5; do
	pl7 orders return ZK/2026/10042 --line 1=1 --reason "one of five $i" >"$T/r$i.out" 2>"$T/r$i.err" &
	pids+=($!)
done
rcs=
for p in "${pids[@]}"; do
	wait "$p"
	rcs+="$? "
done
rcs=$(printf '%s\n' $rcs | sort | tr '\n' ' ')
same "$rcs" "0 0 0 0 1 " "5 returns of 1 of 4 at once: four taken, one refused"
same "$(sqlite3 "$DB7" "select count(*) || ' ' || sum(total_gross) from documents where kind='correction'")" \
	"4 -17196" "four corrections of 42.99"
same "$(sqlite3 "$DB7" "select group_concat(number, ' ') from (select number from documents where kind='correction' order by number)")" \
	"KOR/2026/0001 KOR/2026/0002 KOR/2026/0003 KOR/2026/0004" "numbers gapless and unique"
same "$(sqlite3 "$DB7" "select count(*) from documents where kind='correction' and state <> 'issued'")" 0 "all issued"

# a rule cannot issue a refund: the kind follows from what is corrected
printf '[rule "r"]\nwhen = true\nissue = refund\n' >"$T/refund-rule.ini"
expect_rc 1 "issue = refund in a rule" "$P" rules check "$T/refund-rule.ini"
has "$T/out" "write issue = correction" "says what to write"

echo "test_returns: $pass passed, $fail failed"
[ "$fail" = 0 ]
