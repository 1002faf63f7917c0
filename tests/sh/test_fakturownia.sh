#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/sh/test_fakturownia.sh - fakturownia invoices with KSeF through the real binary,
# exactly once.
#
# The fakturownia fake (tests/fakes/fakturownia_fake.py) is started here. Rules with
# `backend = fakturownia` issue the documents there. Checked:
#   - config: backend fakturownia needs [fakturownia]; a token file readable by others is
#     refused (chmod 600);
#   - each kind: vat invoice, proforma, advance then final (naming the advance), correction of
#     a cancelled order (to zero, with the delivery), a partial correction by `docs correct`
#     (amounts before/after checked by the fake, and on our side);
#   - the service's number becomes our document's number; id/number/KSeF in doc_remote;
#   - KSeF ok: the follow-up job polls (deferred, `run --once`) until gov_status ok; the KSeF
#     number is kept and shown by `docs show`; KSeF send_error: the job fails with KSeF's
#     message, `docs show` says refused; KSeF 422 at create (bad NIP): the job fails with
#     the service's message, nothing made;
#   - cancel: before KSeF (ksef = no) cancelled at the service and here; after KSeF ok
#     refused with "correct it instead", nothing changed at the service;
#   - each fault after the fake committed the create (timeout, dropped connection, 500): one
#     invoice, found by oid (recovered); SIGKILL after the request left, then rerun: one;
#     SIGKILL before the request left: the rerun sends it (one);
#   - two processes at once on one store: one invoice per order.
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

T=$(mktemp -d /tmp/test_fakturownia.XXXXXX)
FAKE_PID=
cleanup() {
	[ -n "$FAKE_PID" ] && kill "$FAKE_PID" 2>/dev/null && wait "$FAKE_PID" 2>/dev/null
	jobs -p | xargs -r kill -9 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
[ -n "${PL_FKT_KEEP:-}" ] && trap - EXIT
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

python3 "$SRC/tests/fakes/fakturownia_fake.py" --token fkttok --port-file "$T/port" >"$T/fake.log" 2>&1 &
FAKE_PID=$!
for _ in $(seq 1 300); do [ -s "$T/port" ] && break; sleep 0.02; done
PORT=$(cat "$T/port")
URL=http://127.0.0.1:$PORT

fake() { python3 -c 'import sys,urllib.request as u
m,p=sys.argv[1],sys.argv[2]
d=sys.argv[3].encode() if len(sys.argv)>3 else None
print(u.urlopen(u.Request("'"$URL"'"+p,data=d,method=m)).read().decode())' "$@"; }
stats() { fake GET /__fake/stats; }
fcfg() { fake POST /__fake/config "$1" >/dev/null; }
# invoices at the fake (not cancelled) whose description is order NUMBER [of KIND]
count_for() {
	stats | python3 -c 'import json,sys
n,k=sys.argv[1],sys.argv[2] if len(sys.argv)>2 else ""
s=json.load(sys.stdin)
print(sum(1 for i in s["invoices"] if i["description"]==n and (not k or i["kind"]==k)))' "$@"
}
# field F of the invoice of order NUMBER and kind KIND at the fake
inv_field() {
	stats | python3 -c 'import json,sys
n,k,f=sys.argv[1:4]
for i in json.load(sys.stdin)["invoices"]:
    if i["description"]==n and i["kind"]==k: print(json.dumps(i[f]) if not isinstance(i[f],str) else i[f])' "$@"
}
q() { sqlite3 "$1/p.db" "$2"; }

printf 'fkttok\n' >"$T/token"
chmod 600 "$T/token"

# config DIR [KSEF]: a station whose documents are issued at fakturownia
config() {
	local dir=$1 ksef=${2:-yes}
	mkdir -p "$dir"
	{
		printf '[packline]\nstore = sqlite:%s/p.db\nstation = fk\n\n' "$dir"
		printf '[rule "cancelled"]\nwhen = status == "cancelled"\nissue = correction\n\n'
		printf '[rule "proforma"]\nwhen = tags == "proforma"\nissue = proforma\nbackend = fakturownia\n\n'
		printf '[rule "advance"]\nwhen = tags == "advance"\nissue = advance\nbackend = fakturownia\n\n'
		printf '[rule "final"]\nwhen = tags == "final"\nissue = final\nbackend = fakturownia\n\n'
		printf '[rule "consumer"]\nwhen = tags == "consumer"\nissue = invoice\nbackend = fakturownia\n\n'
		printf '[rule "company"]\nwhen = buyer.nip != ""\nissue = invoice\nbackend = fakturownia\n\n'
		printf '[rule "rest"]\nwhen = true\nissue = none\n\n'
		printf '[fakturownia]\nurl = %s\ntoken_file = %s\ndepartment_id = 7\n' "$URL" "$T/token"
		printf 'timeout_ms = 1500\nksef = %s\nksef_poll_ms = 100\n' "$ksef"
	} >"$dir/p.ini"
}

# orders FILE PREFIX FIRST COUNT [STATUS] [TAG] [NIP]: company orders PREFIX-FIRST..
orders() {
	local file=$1 pre=$2 first=$3 count=$4 status=${5:-paid} tag=${6:-} nip=${7-5260250274} i
	{
		printf '{"orders":['
		for ((i = first; i < first + count; i++)); do
			[ "$i" -gt "$first" ] && printf ','
			printf '{"source":"shop","id":"%s%d","number":"%s/%d","created":"2026-11-24T08:00:00Z","status":"%s","currency":"PLN","total":4897,"tags":[%s],"buyer":{"name":"Jan Nowak","company":"Intelligent IT Sp. z o.o.","nip":"%s","email":"jan@example.pl","country":"PL","billing":{"street":"Nowa 44","postcode":"30-314","city":"Kraków","country":"PL"}},"delivery":{"method":"inpost_courier","cost":1299,"vat":"23","address":{"street":"Nowa 44","postcode":"30-314","city":"Kraków","country":"PL"}},"payment":{"type":"transfer","status":"paid","paid":4897},"lines":[{"sku":"K-1","name":"Kubek","qty":2,"unit_price":1230,"vat":"23"},{"sku":"T-1","name":"Talerz","qty":1,"unit_price":1138,"vat":"23"}]}' \
				"$pre" "$i" "$pre" "$i" "$status" "${tag:+\"$tag\"}" "$nip"
		done
		printf ']}\n'
	} >"$file"
}
imp() { "$P" --config "$1/p.ini" orders import "$2" >/dev/null 2>&1; }
# run --once until job kind K has no pending job left (KSeF polls are deferred), at most ~60 s
settle() {
	local d=$1 i
	for i in $(seq 1 120); do
		[ "$(q "$d" "select count(*) from jobs where kind = 'fkt_ksef' and state in ('pending','sending','unknown')")" = 0 ] && return 0
		"$P" --config "$d/p.ini" run --once >>"$d/run.out" 2>&1
		sleep 0.5
	done
	return 1
}

# ---- config check -----------------------------------------------------------
D=$T/cfg
config "$D"
check '"$P" --config "$D/p.ini" config check >/dev/null 2>"$D/err"' "config: backend fakturownia with [fakturownia] passes ($(cat "$D/err" 2>/dev/null))"
chmod 644 "$T/token"
check '! "$P" --config "$D/p.ini" config check >/dev/null 2>"$D/err"' "config: a token file readable by others is refused"
check 'grep -q "chmod 600" "$D/err"' "config: the refusal says chmod 600 ($(cat "$D/err"))"
chmod 600 "$T/token"
sed -i '/^\[fakturownia\]/,$d' "$D/p.ini"
check '! "$P" --config "$D/p.ini" config check >/dev/null 2>"$D/err"' "config: backend fakturownia without [fakturownia] is refused"
check 'grep -q "needs a \[fakturownia\]" "$D/err"' "config: says [fakturownia] is needed ($(cat "$D/err"))"

# ---- a VAT invoice, KSeF ok ---------------------------------------------------
D=$T/one
config "$D"
orders "$D/o.json" A 1 1
imp "$D" "$D/o.json"
"$P" --config "$D/p.ini" process >"$D/out" 2>&1
check '[ "$(count_for A/1 vat)" = 1 ]' "vat: one invoice at the fake ($(cat "$D/out"))"
num=$(inv_field A/1 vat number)
fid=$(inv_field A/1 vat id)
check '[ "$(inv_field A/1 vat oid)" = "invoice:shop:A1" ]' "vat: oid is our document key ($(inv_field A/1 vat oid))"
check '[ "$(inv_field A/1 vat department_id)" = 7 ]' "vat: department_id sent"
check '[ "$(inv_field A/1 vat price_gross)" = "48.97" ]' "vat: the amounts are exact ($(inv_field A/1 vat price_gross))"
check '[ "$(q "$D" "select state || \" \" || remote_id from documents")" = "issued $num" ]' "vat: our document is issued with the service's number $num"
check '[ "$(q "$D" "select service || \" \" || remote_id || \" \" || remote_number from doc_remote")" = "fakturownia $fid $num" ]' "vat: id and number in doc_remote"
check 'grep -q "$num" "$D/out"' "vat: process shows the number ($(cat "$D/out"))"
check '[ "$(q "$D" "select state from jobs where kind = \"fkt_ksef\"")" = pending ]' "vat: a KSeF follow-up job is recorded, not waited for"
settle "$D"
check '[ "$(q "$D" "select state from jobs where kind = \"fkt_ksef\"")" = done ]' "ksef ok: the KSeF job is done ($(q "$D" "select state, result from jobs where kind='fkt_ksef'"))"
gid=$(inv_field A/1 vat gov_id)
check '[ -n "$gid" ] && [ "$(q "$D" "select json_extract(detail, \"$.gov_id\") from doc_remote")" = "$gid" ]' "ksef ok: the KSeF number $gid is kept"
"$P" --config "$D/p.ini" docs show "#1" >"$D/show" 2>&1
check 'grep -q "ksef:       accepted (ok)" "$D/show" && grep -q "$gid" "$D/show" && grep -q "fakturownia id $fid" "$D/show"' "ksef ok: docs show prints the ids and KSeF ($(cat "$D/show"))"
"$P" --config "$D/p.ini" process >/dev/null 2>&1
check '[ "$(count_for A/1)" = 1 ]' "vat: a second run makes nothing"

# cancel after KSeF accepted: refused, correct instead
"$P" --config "$D/p.ini" docs cancel "#1" --reason "pomyłka" >"$D/c.out" 2>"$D/c.err"
rc=$?
check '[ $rc = 1 ] && grep -q "correct it instead" "$D/c.err"' "cancel after KSeF: refused, says correct instead (rc $rc: $(cat "$D/c.err"))"
check '[ "$(inv_field A/1 vat kind)" = vat ] && [ "$(q "$D" "select state from documents where id = 1")" = issued ]' "cancel after KSeF: nothing changed"

# the order is cancelled: a correction to zero, with the delivery
orders "$D/c.json" A 1 1 cancelled
imp "$D" "$D/c.json"
"$P" --config "$D/p.ini" process >"$D/out3" 2>&1
check '[ "$(count_for A/1 correction)" = 1 ]' "correction: one at the fake ($(cat "$D/out3"))"
check '[ "$(inv_field A/1 correction invoice_id)" = "$fid" ]' "correction: names the corrected invoice"
check '[ "$(inv_field A/1 correction price_gross)" = "-48.97" ]' "correction: to zero, delivery included ($(inv_field A/1 correction price_gross))"
check '[ "$(inv_field A/1 correction gov_corrected_invoice_number)" = "$gid" ]' "correction: refers to the KSeF number of the original"
check '[ "$(q "$D" "select d.state from documents d where d.kind = \"correction\"")" = issued ]' "correction: issued here"
"$P" --config "$D/p.ini" process >/dev/null 2>&1
check '[ "$(count_for A/1 correction)" = 1 ]' "correction: a rerun makes no second one"

# ---- proforma (no KSeF), advance then final --------------------------------------
D=$T/kinds
config "$D"
orders "$D/p.json" PF 1 1 paid proforma
imp "$D" "$D/p.json"
"$P" --config "$D/p.ini" process >"$D/out" 2>&1
check '[ "$(count_for PF/1 proforma)" = 1 ] && [ "$(inv_field PF/1 proforma gov_status)" = not_applicable ]' "proforma: at the fake, not for KSeF ($(cat "$D/out"))"
check '[ "$(q "$D" "select count(*) from jobs where kind = \"fkt_ksef\"")" = 0 ]' "proforma: no KSeF job"
check '[[ "$(inv_field PF/1 proforma number)" == "PRO 1/"* ]]' "proforma: numbered in its own series ($(inv_field PF/1 proforma number))"
orders "$D/a.json" AD 1 1 paid advance
imp "$D" "$D/a.json"
"$P" --config "$D/p.ini" process >"$D/out2" 2>&1
check '[ "$(count_for AD/1 advance)" = 1 ]' "advance: at the fake ($(cat "$D/out2"))"
aid=$(inv_field AD/1 advance id)
orders "$D/f.json" AD 1 1 paid final
imp "$D" "$D/f.json"
"$P" --config "$D/p.ini" process >"$D/out3" 2>&1
check '[ "$(count_for AD/1 final)" = 1 ]' "final: at the fake ($(cat "$D/out3"))"
check '[ "$(inv_field AD/1 final invoice_ids)" = "[$aid]" ]' "final: settles the advance $aid ($(inv_field AD/1 final invoice_ids))"

# ---- partial correction by docs correct --------------------------------------------
D=$T/part
config "$D" no
orders "$D/o.json" PC 1 1
imp "$D" "$D/o.json"
"$P" --config "$D/p.ini" process >/dev/null 2>&1
"$P" --config "$D/p.ini" docs correct "#1" --line K-1:1 --reason "zwrot 1 szt." >"$D/c1" 2>&1
check '[ "$(count_for PC/1 correction)" = 1 ]' "partial: one correction at the fake ($(cat "$D/c1"))"
check '[ "$(inv_field PC/1 correction price_gross)" = "-12.30" ]' "partial: takes back 12.30 ($(inv_field PC/1 correction price_gross))"
"$P" --config "$D/p.ini" docs correct "#1" --line K-1:1 --shipping --reason "zwrot reszty" >"$D/c2" 2>&1
check '[ "$(count_for PC/1 correction)" = 2 ]' "partial: a second correction ($(cat "$D/c2"))"
g2=$(stats | python3 -c 'import json,sys
c=[i for i in json.load(sys.stdin)["invoices"] if i["description"]=="PC/1" and i["kind"]=="correction"]
print(c[-1]["price_gross"], c[-1]["positions"][0]["correction_before_attributes"]["quantity"], c[-1]["positions"][0]["correction_after_attributes"]["quantity"])')
check '[ "$g2" = "-25.29 1 0" ]' "partial: the second one starts where the first ended, delivery refunded ($g2)"
check '[ "$(q "$D" "select count(*) from documents where kind = \"correction\" and state = \"issued\"")" = 2 ]' "partial: both issued here"

# ---- cancel before KSeF ----------------------------------------------------------
"$P" --config "$D/p.ini" docs cancel "#1" --reason "x" >"$D/x.out" 2>"$D/x.err"
check 'grep -q "refers to it" "$D/x.err"' "cancel: refused while corrections refer to it ($(cat "$D/x.err"))"
D=$T/cancel
config "$D" no
orders "$D/o.json" CN 1 1
imp "$D" "$D/o.json"
"$P" --config "$D/p.ini" process >/dev/null 2>&1
fcfg '{"fault":"drop","fault_count":1,"fault_on":"cancel"}'
"$P" --config "$D/p.ini" docs cancel "#1" --reason "klient zrezygnował" >"$D/c.out" 2>&1
rc=$?
check '[ $rc = 0 ] && [ "$(inv_field CN/1 canceled cancel_reason)" = "klient zrezygnował" ]' "cancel before KSeF: cancelled at the service with the reason, its answer dropped (rc $rc: $(cat "$D/c.out"))"
check '[ "$(q "$D" "select d.state || \" \" || r.status from documents d join doc_remote r on r.doc_id = d.id")" = "cancelled cancelled" ]' "cancel before KSeF: cancelled here"

# ---- KSeF refused at create (422) and after (send_error) -----------------------------
D=$T/ksef-err
config "$D"
# a consumer known by one name only: KSeF needs a first and a last name
orders "$D/o.json" KE 1 1 paid consumer ""
sed -i 's/"name":"Jan Nowak","company":"Intelligent IT Sp. z o.o."/"name":"Jan","company":""/' "$D/o.json"
imp "$D" "$D/o.json"
"$P" --config "$D/p.ini" process >"$D/out" 2>&1
check '[ "$(count_for KE/1)" = 0 ]' "ksef 422: nothing made ($(cat "$D/out"))"
check '[ "$(q "$D" "select state from jobs")" = failed ] && q "$D" "select result from jobs" | grep -q "buyer_last_name"' "ksef 422: the job failed with the service's message ($(q "$D" "select result from jobs"))"
fcfg '{"ksef_mode":"send_error"}'
orders "$D/o2.json" KS 1 1
imp "$D" "$D/o2.json"
"$P" --config "$D/p.ini" process >/dev/null 2>&1
settle "$D"
fcfg '{"ksef_mode":"ok"}'
check '[ "$(q "$D" "select state from jobs where kind = \"fkt_ksef\"")" = failed ] && q "$D" "select result from jobs where kind = \"fkt_ksef\"" | grep -q "NIP nabywcy"' "ksef error: the KSeF job failed with KSeF's message"
did=$(q "$D" "select doc_id from doc_remote")
"$P" --config "$D/p.ini" docs show "#$did" >"$D/show" 2>&1
check 'grep -q "ksef:       refused (send_error)" "$D/show" && grep -q "NIP nabywcy" "$D/show"' "ksef error: docs show says refused ($(cat "$D/show"))"
"$P" --config "$D/p.ini" docs cancel "#$did" --reason "błąd KSeF" >/dev/null 2>&1
check '[ "$(inv_field KS/1 canceled kind)" = canceled ]' "ksef error: an invoice KSeF refused may be cancelled"

# ---- faults after the commit ------------------------------------------------
n=0
for fault in timeout drop 500; do
	n=$((n + 1))
	D=$T/f-$fault
	config "$D" no
	orders "$D/o.json" "F$n-" 1 1
	imp "$D" "$D/o.json"
	fcfg "{\"fault\":\"$fault\",\"fault_count\":1,\"hang_s\":3,\"fault_on\":\"create\"}"
	"$P" --config "$D/p.ini" process >"$D/out" 2>&1
	check '[ "$(count_for "F$n-/1")" = 1 ]' "$fault: exactly one invoice at the fake"
	check '[ "$(q "$D" "select state from jobs")" = "done" ]' "$fault: the job is done ($(q "$D" "select state, result from jobs"))"
	check '[ "$(q "$D" "select remote_number from doc_remote")" = "$(inv_field "F$n-/1" vat number)" ]' "$fault: the fake's number is kept"
	check '[ "$(q "$D" "select json_extract(result, \"$.how\") from jobs")" = recovered ]' "$fault: found by oid (recovered)"
	"$P" --config "$D/p.ini" process >/dev/null 2>&1
	check '[ "$(count_for "F$n-/1")" = 1 ]' "$fault: a rerun makes nothing"
done

# ---- SIGKILL after the request left ------------------------------------------
D=$T/kill
config "$D" no
sed -i 's/^timeout_ms = .*/timeout_ms = 120000/' "$D/p.ini" # still waiting when killed
orders "$D/o.json" K 1 1
imp "$D" "$D/o.json"
fcfg '{"fault":"hang","fault_count":1,"fault_on":"create"}'
PL_JOURNAL_LEASE_MS=1000 "$P" --config "$D/p.ini" process >"$D/out1" 2>&1 &
pid=$!
for _ in $(seq 1 200); do [ "$(count_for K/1)" = 1 ] && break; sleep 0.1; done
check '[ "$(count_for K/1)" = 1 ]' "kill: the fake committed the invoice"
kill -9 $pid
wait $pid 2>/dev/null
check '[ "$(q "$D" "select state from jobs")" = "sending" ]' "kill: the job was left sending"
sleep 1.2 # the dead owner's lease ends
PL_JOURNAL_LEASE_MS=1000 "$P" --config "$D/p.ini" process >"$D/out2" 2>&1
check '[ "$(count_for K/1)" = 1 ]' "kill: still exactly one invoice after the rerun"
check '[ "$(q "$D" "select state || \" \" || json_extract(result, \"$.how\") from jobs")" = "done recovered" ]' "kill: the rerun found it by oid ($(cat "$D/out2"))"
check '[ -n "$(q "$D" "select remote_number from doc_remote")" ]' "kill: the number is kept, not lost"

D=$T/kill0
config "$D" no
orders "$D/o.json" K0- 1 1
imp "$D" "$D/o.json"
(PL_TEST_FKT_DIE_BEFORE_CREATE=1 PL_JOURNAL_LEASE_MS=1000 "$P" --config "$D/p.ini" process >/dev/null 2>&1) 2>/dev/null
check '[ "$(count_for K0-/1)" = 0 ] && [ "$(q "$D" "select state from jobs")" = sending ]' "kill0: died sending, nothing at the fake"
sleep 1.2
PL_JOURNAL_LEASE_MS=1000 "$P" --config "$D/p.ini" process >"$D/out2" 2>&1
check '[ "$(count_for K0-/1)" = 1 ] && [ "$(q "$D" "select state from jobs")" = done ]' "kill0: the rerun made it once (no oid at the service: not made)"

# ---- two processes at once ---------------------------------------------------------
D=$T/two
config "$D" no
orders "$D/o.json" B 1 20
imp "$D" "$D/o.json"
"$P" --config "$D/p.ini" process >"$D/p1.out" 2>&1 &
p1=$!
"$P" --config "$D/p.ini" process >"$D/p2.out" 2>&1 &
p2=$!
wait $p1
r1=$?
wait $p2
r2=$?
check '[ "$r1 $r2" = "0 0" ]' "two: both processes exit 0 ($r1 $r2)"
dups=$(stats | python3 -c 'import json,sys,collections
c=collections.Counter(i["description"] for i in json.load(sys.stdin)["invoices"] if i["description"].startswith("B/"))
print(len(c), sum(1 for v in c.values() if v != 1))')
check '[ "$dups" = "20 0" ]' "two: 20 orders, each exactly one invoice (orders, duplicates: $dups)"
check '[ "$(q "$D" "select count(*) from jobs where state = \"done\"")" = 20 ]' "two: 20 jobs done"

echo "test_fakturownia: $pass passed, $fail failed"
[ "$fail" = 0 ]
