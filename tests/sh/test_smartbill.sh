#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/sh/test_smartbill.sh - SmartBill invoices through the real binary, exactly once.
#
# The SmartBill fake (tests/fakes/smartbill_fake.py) is started here. A rule
# `backend = smartbill` issues company invoices there. Checked:
#   - a plain invoice: one on the fake, its series+number kept with our
#     document (doc_remote) and the document issued;
#   - each fault after the fake committed the invoice (timeout, dropped
#     connection, 500): still exactly one invoice for the order, settled
#     done with the fake's number (the lookup read the series);
#   - `packline process` SIGKILLed after the request left (the fake holds the
#     answer), then run again: one invoice, not lost, not doubled;
#   - SIGKILLed after SENDING was journalled but before the request left: the
#     rerun sees the series unchanged and sends it (one invoice);
#   - died sending while the series moved: by another packline job's invoice
#     (its PDF names that job) -> ours is sent once; by someone else -> held
#     for the operator, nothing sent on a guess;
#   - storno of a cancelled order's invoice, its answer dropped: one reversal;
#   - two processes at once on one store: every order exactly one invoice;
#   - a burst of 60 invoices (two processes) never trips the 30 calls / 10 s
#     lockout: the fake counts every call and the test asserts the most it
#     saw in one window is <= 30 and no lockout happened;
#   - config check: backend smartbill needs [smartbill]; a token in a file
#     readable by others is refused.
set -u

P=${PACKLINE:?PACKLINE not set}
SRC=${PL_SRC:?PL_SRC not set}
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() {
	fail=$((fail + 1))
	echo "FAIL: $1"
}
check() { if eval "$1"; then ok; else bad "$2"; fi; }

T=$(mktemp -d /tmp/test_smartbill.XXXXXX)
FAKE_PID=
cleanup() {
	[ -n "$FAKE_PID" ] && kill "$FAKE_PID" 2>/dev/null && wait "$FAKE_PID" 2>/dev/null
	jobs -p | xargs -r kill -9 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
[ -n "${PL_SB_KEEP:-}" ] && trap - EXIT
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

python3 "$SRC/tests/fakes/smartbill_fake.py" --user office@test.ro --token sbtok --cif RO12345678 \
	--series FCT:100 --port-file "$T/port" >"$T/fake.log" 2>&1 &
FAKE_PID=$!
for _ in $(seq 1 300); do [ -s "$T/port" ] && break; sleep 0.02; done
PORT=$(cat "$T/port")
URL=http://127.0.0.1:$PORT

fake() { python3 -c 'import json,sys,urllib.request as u
m,p=sys.argv[1],sys.argv[2]
d=sys.argv[3].encode() if len(sys.argv)>3 else None
print(u.urlopen(u.Request(sys.argv[4] if len(sys.argv)>4 else "'"$URL"'"+p,data=d,method=m)).read().decode())' "$@"; }
stats() { fake GET /__fake/stats; }
# invoices on the fake whose mentions name order NUMBER (not deleted)
count_for() {
	stats | python3 -c 'import json,sys
n=sys.argv[1]
s=json.load(sys.stdin)
print(sum(1 for i in s["invoices"] if not i["deleted"] and ("Comanda %s;" % n) in i["mentions"]))' "$1"
}
stat() { stats | python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

# config DIR: a station whose company orders are invoiced at SmartBill
config() {
	local dir=$1
	mkdir -p "$dir"
	{
		printf '[packline]\nstore = sqlite:%s/p.db\nstation = sb\n\n' "$dir"
		printf '[rule "cancelled"]\nwhen = status == "cancelled"\nissue = correction\n\n'
		printf '[rule "company"]\nwhen = buyer.nip != ""\nissue = invoice\nbackend = smartbill\n\n'
		printf '[rule "rest"]\nwhen = true\nissue = none\n\n'
		printf '[smartbill]\nurl = %s/SBORO/api\nuser = office@test.ro\ntoken = sbtok\n' "$URL"
		printf 'cif = RO12345678\nseries = FCT\ntimeout_ms = 1500\ntax_23 = Normala:21\n'
		# every station here uses the one token of the one fake: they share
		# its limiter, as stations sharing a token must (docs/smartbill.md)
		printf 'rate_file = %s/sb.rate\n' "$T"
	} >"$dir/p.ini"
	chmod 600 "$dir/p.ini"
}
q() { sqlite3 "$1/p.db" "$2"; }

# orders FILE PREFIX FIRST COUNT [STATUS]: company orders PREFIX-FIRST..
orders() {
	local file=$1 pre=$2 first=$3 count=$4 status=${5:-paid} i
	{
		printf '{"orders":['
		for ((i = first; i < first + count; i++)); do
			[ "$i" -gt "$first" ] && printf ','
			printf '{"source":"shop","id":"%s%d","number":"%s/%d","created":"2026-11-24T08:00:00Z","status":"%s","currency":"RON","total":2298,"buyer":{"name":"Ion","company":"Intelligent IT SRL","nip":"5260250274","country":"PL"},"delivery":{"method":"pickup","cost":0},"payment":{"type":"card","status":"paid","paid":2298},"lines":[{"sku":"K-1","name":"Cana","qty":2,"unit_price":1149,"vat":"23"}]}' \
				"$pre" "$i" "$pre" "$i" "$status"
		done
		printf ']}\n'
	} >"$file"
}

# ---- config check -----------------------------------------------------------
D=$T/cfg
config "$D"
check '"$P" --config "$D/p.ini" config check >/dev/null 2>"$D/err"' "config: backend smartbill with [smartbill] passes ($(cat "$D/err" 2>/dev/null))"
chmod 644 "$D/p.ini"
check '! "$P" --config "$D/p.ini" config check >/dev/null 2>"$D/err"' "config: a token readable by others is refused"
check 'grep -q "chmod 600" "$D/err"' "config: the refusal says chmod 600"
chmod 600 "$D/p.ini"
sed -i '/^\[smartbill\]/,$d' "$D/p.ini"
check '! "$P" --config "$D/p.ini" config check >/dev/null 2>"$D/err"' "config: backend smartbill without [smartbill] is refused"
check 'grep -q "needs a \[smartbill\]" "$D/err"' "config: says [smartbill] is needed ($(cat "$D/err"))"

# ---- one plain invoice --------------------------------------------------------
D=$T/one
config "$D"
orders "$D/o.json" A 1 1
"$P" --config "$D/p.ini" orders import "$D/o.json" >/dev/null 2>&1
"$P" --config "$D/p.ini" process >"$D/out" 2>&1
check '[ "$(count_for A/1)" = 1 ]' "plain: one invoice at the fake ($(cat "$D/out"))"
check '[ "$(q "$D" "select remote_id || \" \" || remote_number || \" \" || status from doc_remote")" = "FCT0100 0100 issued" ]' \
	"plain: series+number kept in doc_remote"
check '[ "$(q "$D" "select state || \" \" || remote_id from documents")" = "issued FCT0100" ]' "plain: the document is issued"
check '[ "$(q "$D" "select state from jobs")" = "done" ]' "plain: the job is done"
check 'grep -q "FCT0100 .* issued" "$D/out"' "plain: process shows SmartBill's number ($(cat "$D/out"))"
"$P" --config "$D/p.ini" process >"$D/out2" 2>&1
check '[ "$(count_for A/1)" = 1 ]' "plain: a second run makes nothing"

# ---- storno: the order is cancelled, its invoice reversed once -----------------
# reversals of invoice NUMBER on the fake
reversals() {
	stats | python3 -c 'import json,sys
print(sum(1 for i in json.load(sys.stdin)["invoices"] if i["reverses"] == sys.argv[1] and not i["deleted"]))' "$1"
}
orders "$D/c.json" A 1 1 cancelled
"$P" --config "$D/p.ini" orders import "$D/c.json" >/dev/null 2>&1
fake POST /__fake/config '{"fault":"drop","fault_count":1}' >/dev/null
"$P" --config "$D/p.ini" process >"$D/out3" 2>&1
check '[ "$(reversals 0100)" = 1 ]' "storno: one reversal of FCT0100 at the fake, though its answer was dropped ($(cat "$D/out3"))"
check '[ "$(q "$D" "select d.kind || \" \" || d.state || \" \" || r.remote_id from documents d join doc_remote r on r.doc_id = d.id where d.kind = \"correction\"")" = "correction issued FCT0101" ]' \
	"storno: our correction is issued with the storno's number"
check '[ "$(q "$D" "select status from doc_remote where remote_id = \"FCT0100\"")" = reversed ]' "storno: the invoice is marked reversed"
"$P" --config "$D/p.ini" process >"$D/out4" 2>&1
check '[ "$(reversals 0100)" = 1 ]' "storno: a rerun reverses nothing more"

# ---- faults after the commit ------------------------------------------------
n=0
for fault in timeout drop 500; do
	n=$((n + 1))
	D=$T/f-$fault
	config "$D"
	orders "$D/o.json" "F$n-" 1 1
	"$P" --config "$D/p.ini" orders import "$D/o.json" >/dev/null 2>&1
	fake POST /__fake/config "{\"fault\":\"$fault\",\"fault_count\":1,\"hang_s\":3}" >/dev/null
	"$P" --config "$D/p.ini" process >"$D/out" 2>&1
	check '[ "$(count_for "F$n-/1")" = 1 ]' "$fault: exactly one invoice at the fake"
	check '[ "$(q "$D" "select state from jobs")" = "done" ]' "$fault: the job is done ($(q "$D" "select state, result from jobs"))"
	check '[ "$(q "$D" "select count(*) from doc_remote where remote_id like \"FCT%\" and status = \"issued\"")" = 1 ]' \
		"$fault: the fake's number is kept with the document"
	check '[ "$(q "$D" "select json_extract(result, \"$.how\") from jobs")" = recovered ]' "$fault: settled by the lookup (recovered)"
	"$P" --config "$D/p.ini" process >/dev/null 2>&1
	check '[ "$(count_for "F$n-/1")" = 1 ]' "$fault: a rerun makes nothing"
done

# ---- SIGKILL after the request left ------------------------------------------
D=$T/kill
config "$D"
# the client waits long for the answer the fake holds, so the kill below
# lands while the request is in flight however slow this machine is
sed -i 's/^timeout_ms = .*/timeout_ms = 60000/' "$D/p.ini"
orders "$D/o.json" K 1 1
"$P" --config "$D/p.ini" orders import "$D/o.json" >/dev/null 2>&1
fake POST /__fake/config '{"fault":"hang","fault_count":1}' >/dev/null
PL_JOURNAL_LEASE_MS=1000 "$P" --config "$D/p.ini" process >"$D/out1" 2>&1 &
pid=$!
for _ in $(seq 1 500); do [ "$(count_for K/1)" = 1 ] && break; sleep 0.02; done
check '[ "$(count_for K/1)" = 1 ]' "kill: the fake committed the invoice"
kill -9 $pid
wait $pid 2>/dev/null
check '[ "$(q "$D" "select state from jobs")" = "sending" ]' "kill: the job was left sending"
sleep 1.2 # the dead owner's lease ends
PL_JOURNAL_LEASE_MS=1000 "$P" --config "$D/p.ini" process >"$D/out2" 2>&1
check '[ "$(count_for K/1)" = 1 ]' "kill: still exactly one invoice after the rerun"
check '[ "$(q "$D" "select state from jobs")" = "done" ]' "kill: the rerun settled the job done ($(cat "$D/out2"))"
check '[ -n "$(q "$D" "select remote_number from doc_remote")" ]' "kill: the invoice's number is kept, not lost"
check '[ "$(q "$D" "select json_extract(result, \"$.how\") from jobs")" = recovered ]' "kill: found by the lookup, not sent again"

# SIGKILL after SENDING was journalled, before the request left: sent on rerun
D=$T/kill0
config "$D"
orders "$D/o.json" K0- 1 1
"$P" --config "$D/p.ini" orders import "$D/o.json" >/dev/null 2>&1
(PL_TEST_SB_DIE_BEFORE_CREATE=1 PL_JOURNAL_LEASE_MS=1000 "$P" --config "$D/p.ini" process >/dev/null 2>&1) 2>/dev/null
check '[ "$(count_for K0-/1)" = 0 ] && [ "$(q "$D" "select state from jobs")" = sending ]' "kill0: died sending, nothing at the fake"
sleep 1.2
PL_JOURNAL_LEASE_MS=1000 "$P" --config "$D/p.ini" process >"$D/out2" 2>&1
check '[ "$(count_for K0-/1)" = 1 ]' "kill0: the rerun made the invoice (series unchanged: not made)"
check '[ "$(q "$D" "select state from jobs")" = "done" ]' "kill0: done"

# Died sending, and the series moved meanwhile by another invoice: made by
# another packline job (its PDF names that job) -> ours was not made, sent;
# made by someone else (no marker) -> held for the operator, nothing sent.
# outsider MENTIONS: an invoice made at the fake behind packline's back
outsider() {
	python3 -c 'import base64,json,sys,urllib.request as u
b=json.dumps({"companyVatCode":"RO12345678","client":{"name":"Alt client"},"seriesName":"FCT",
 "mentions":sys.argv[2],"products":[{"name":"x","quantity":1,"price":1,"measuringUnitName":"buc",
 "taxName":"Normala","taxPercentage":21}]}).encode()
r=u.Request(sys.argv[1]+"/SBORO/api/invoice",data=b,method="POST",headers={"Content-Type":"application/json",
 "Authorization":"Basic "+base64.b64encode(b"office@test.ro:sbtok").decode()})
print(json.load(u.urlopen(r))["number"])' "$URL" "$1"
}
for who in packline other; do
	D=$T/moved-$who
	config "$D"
	orders "$D/o.json" "M$who-" 1 1
	"$P" --config "$D/p.ini" orders import "$D/o.json" >/dev/null 2>&1
	(PL_TEST_SB_DIE_BEFORE_CREATE=1 PL_JOURNAL_LEASE_MS=1000 "$P" --config "$D/p.ini" process >/dev/null 2>&1) 2>/dev/null
	if [ $who = packline ]; then m="Comanda X/9; packline:invoice:shop:X9"; else m="by hand"; fi
	outsider "$m" >/dev/null
	sleep 1.2
	PL_JOURNAL_LEASE_MS=1000 "$P" --config "$D/p.ini" process >"$D/out" 2>&1
	if [ $who = packline ]; then
		check '[ "$(count_for "M$who-/1")" = 1 ] && [ "$(q "$D" "select state from jobs")" = done ]' \
			"moved by another job: ours was not made, sent once ($(q "$D" "select state, result from jobs"))"
	else
		check '[ "$(count_for "M$who-/1")" = 0 ]' "moved by someone else: nothing sent on a guess"
		check '[ "$(q "$D" "select state || \" \" || json_extract(result, \"$.message\") from jobs")" != "" ] && [ "$(q "$D" "select state from jobs")" = unknown ]' \
			"moved by someone else: held for the operator ($(q "$D" "select state, result from jobs"))"
		check 'q "$D" "select result from jobs" | grep -q "check at SmartBill"' \
			"moved by someone else: the job says to check at SmartBill"
	fi
done

# ---- two processes at once, and the burst of 60 --------------------------------
# let the window of the calls above pass, so the count below is this part's
sleep 11
D=$T/burst
config "$D"
orders "$D/o.json" B 1 60
"$P" --config "$D/p.ini" orders import "$D/o.json" >/dev/null 2>&1
before=$(stat calls)
start=$(date +%s)
"$P" --config "$D/p.ini" process >"$D/p1.out" 2>&1 &
p1=$!
"$P" --config "$D/p.ini" process >"$D/p2.out" 2>&1 &
p2=$!
wait $p1
r1=$?
wait $p2
r2=$?
"$P" --config "$D/p.ini" process >"$D/p3.out" 2>&1
secs=$(($(date +%s) - start))
check '[ "$r1 $r2" = "0 0" ]' "burst: both processes exit 0 ($r1 $r2)"
dups=$(stats | python3 -c 'import json,sys,collections
s=json.load(sys.stdin)
c=collections.Counter(i["mentions"].split(";")[0] for i in s["invoices"] if not i["deleted"] and i["mentions"].startswith("Comanda B/"))
print(len(c), sum(1 for v in c.values() if v != 1))')
check '[ "$dups" = "60 0" ]' "burst: 60 orders, each exactly one invoice (orders, duplicates: $dups)"
check '[ "$(q "$D" "select count(*) from jobs where state = \"done\"")" = 60 ]' "burst: 60 jobs done"
check '[ "$(q "$D" "select count(distinct remote_number) from doc_remote")" = 60 ]' "burst: 60 distinct numbers kept"
check '[ "$(stat lockouts)" = 0 ]' "burst: the lockout was never triggered"
check '[ "$(stat refused_rate)" = 0 ]' "burst: no call was refused by the rate limit"
check '[ "$(stat max_window)" -le 30 ]' "burst: at most 30 calls in any 10 s window (saw $(stat max_window))"
calls=$(($(stat calls) - before))
check '[ "$calls" -ge 120 ]' "burst: every invoice cost a series read and a create ($calls calls)"
echo "burst: $calls calls in ${secs}s, max $(stat max_window) in one window"

echo "test_smartbill: $pass passed, $fail failed"
[ "$fail" = 0 ]
