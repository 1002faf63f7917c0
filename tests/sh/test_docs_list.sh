#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/sh/test_docs_list.sh - #19: `docs list` filters (kind, state, paid /
# unpaid / partly paid, issue dates, station, full-text search, order) and
# keyset paging over the real binary; `docs pay` moves a document between
# the payment filters, audited; bad values are refused with exit 2 and a
# did-you-mean, and change nothing.
set -u
P=${PACKLINE:?PACKLINE not set}
SRC=${PL_SRC:?}
pass=0
fail=0
check() { if eval "$1"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $2"; fi; }
T=$(mktemp -d /tmp/test_docs_list.XXXXXX)
SIM_PID=
cleanup() {
	[ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
q() { sqlite3 "$T/p.db" "$1"; }
L() { "$P" --config "$T/p.ini" docs list "$@" >"$T/o" 2>"$T/e"; }
ids() { awk 'NR > 1 && $1 ~ /^[0-9]+$/ { printf "%s ", $1 }' "$T/o"; }

"$P" sim posnet --tcp 0 --port-file "$T/port" --paper "$T/paper" >"$T/sim.log" 2>&1 &
SIM_PID=$!
for _ in $(seq 1 1000); do [ -s "$T/port" ] && break; sleep 0.01; done
{
	cat "$SRC/examples/packline.ini"
	printf '\n[packline]\nstore = sqlite:%s/p.db\nstation = lane-7\n' "$T"
	printf '\n[printer "fiscal"]\ntransport = tcp:127.0.0.1:%s\n' "$(cat "$T/port")"
} >"$T/p.ini"
"$P" --config "$T/p.ini" orders import "$SRC"/examples/orders/*.json >/dev/null 2>&1
"$P" --config "$T/p.ini" process >"$T/proc" 2>&1
n=$(q "select count(*) from documents")
check '[ "$n" -ge 10 ]' "the example orders made documents ($n)"

L
check '[ $? = 0 ] && [ "$(ids | wc -w)" = "$n" ]' "no filter: every document"
check '[ "$(ids | cut -d" " -f1)" = "$(q "select max(id) from documents")" ]' "newest first"
L --kind invoice
check '[ "$(ids)" = "$(q "select group_concat(id, '"' '"') || '"' '"' from (select id from documents where kind = '"'invoice'"' order by id desc)")" ]' "--kind invoice: the invoices ($(ids))"
L --state cancelled
check 'grep -q "no documents" "$T/o"' "--state cancelled: none yet"
L --station lane-7
check '[ "$(ids | wc -w)" = "$n" ]' "documents remember the station that made them"
L --station lane-8
check 'grep -q "no documents" "$T/o"' "another station: none"
L --search żuraw
check '[ "$(ids)" = "$(q "select id from documents where buyer_name like '"'%Ceramiki%'"'") " ]' "--search finds the buyer by a part of the name, any case"
L --search 526-104-82-73
check '[ "$(ids | wc -w)" = 1 ]' "--search finds a NIP typed with dashes"
L --search ALG/2026/18830
check '[ "$(ids | wc -w)" = 1 ]' "--search finds the order number"
L --search "FV/2026/0002"
check '[ "$(ids | wc -w)" = 1 ] && grep -q "FV/2026/0002" "$T/o"' "--search finds the document number"
L --order ALG/2026/18830
check '[ "$(ids | wc -w)" = 1 ]' "--order"
today=$(q "select max(issue_date) from documents")
L --from "$today" --to "$today"
check '[ "$(ids | wc -w)" = "$n" ]' "--from/--to include the day"
L --to 2000-01-01
check 'grep -q "no documents" "$T/o"' "--to before everything: none"

unpaid=$(q "select count(*) from documents where amount_paid = 0 and total_gross <> 0")
partly=$(q "select count(*) from documents where amount_paid > 0 and amount_paid < total_gross")
L --unpaid
check '[ "$(ids | wc -w)" = "$unpaid" ] && [ "$unpaid" -ge 1 ]' "--unpaid ($unpaid)"
L --partly-paid
check '[ "$(ids | wc -w)" = "$partly" ]' "--partly-paid ($partly)"
L --paid
paid=$(ids | wc -w)
check '[ $((paid + unpaid + partly)) = "$n" ]' "paid + unpaid + partly = all"

# docs pay: an unpaid document becomes partly paid, then paid
doc=$(q "select number from documents where amount_paid = 0 and total_gross > 100 order by id limit 1")
tot=$(q "select total_gross from documents where number = '$doc'")
"$P" --config "$T/p.ini" docs pay "$doc" 1.00 --as anna >"$T/o" 2>"$T/e"
check '[ $? = 0 ] && grep -q "paid 1.00" "$T/o"' "docs pay records 1.00 ($(cat "$T/e"))"
L --partly-paid
check '[ "$(ids | wc -w)" = $((partly + 1)) ]' "and the document is partly paid now"
"$P" --config "$T/p.ini" docs pay "$doc" 99999999 >"$T/o" 2>"$T/e"
check '[ $? = 1 ] && grep -q "still owed; nothing recorded" "$T/e"' "paying more than owed is refused (exit 1)"
check '[ "$(q "select amount_paid from documents where number = '"'$doc'"'")" = 100 ]' "and nothing changed"
rest=$(( tot - 100 ))
"$P" --config "$T/p.ini" docs pay "$doc" "$((rest / 100)).$(printf %02d $((rest % 100)))" >"$T/o" 2>"$T/e"
check '[ $? = 0 ]' "the rest is paid ($(cat "$T/e"))"
L --paid
check '[ "$(ids | wc -w)" = $((paid + 1)) ]' "and the document is paid"
"$P" --config "$T/p.ini" audit >"$T/audit"
check 'grep -q "anna .*doc.pay" "$T/audit"' "payments are audited with the operator"
"$P" --config "$T/p.ini" docs pay "$doc" abc >"$T/o" 2>"$T/e"
check '[ $? = 2 ]' "a bad amount is a usage error"
"$P" --config "$T/p.ini" docs pay NOPE/1 1 >"$T/o" 2>"$T/e"
check '[ $? = 1 ] && grep -q "no document" "$T/e"' "an unknown document is bad input"

# keyset paging: pages of 4 cover every document once
seen=""
after=""
for _ in $(seq 1 10); do
	L --limit 4 $after
	seen="$seen$(ids)"
	cur=$(sed -n 's/^more: --after //p' "$T/o")
	[ -z "$cur" ] && break
	after="--after $cur"
done
check '[ "$(echo $seen | wc -w)" = "$n" ] && [ "$(echo $seen | tr " " "\n" | sort -u | wc -l)" = "$n" ]' "pages of 4 list each document exactly once"

# bad values: exit 2, a clear message, a suggestion where one is close
before=$(q "select count(*) || sum(amount_paid) from documents")
L --kind invoce
check '[ $? = 2 ] && grep -q "did you mean '"'invoice'"'" "$T/e"' "--kind typo: did you mean"
L --state isued
check '[ $? = 2 ] && grep -q "did you mean '"'issued'"'" "$T/e"' "--state typo: did you mean"
L --from 2026-02-30
check '[ $? = 2 ] && grep -q "YYYY-MM-DD" "$T/e"' "an impossible date is refused"
L --from 2026-12-07 --to 2026-12-01
check '[ $? = 2 ] && grep -q "is after" "$T/e"' "--from after --to is refused"
L --paid --unpaid
check '[ $? = 2 ]' "two payment filters are refused"
L --limit 0
check '[ $? = 2 ]' "--limit 0 is refused"
L --after x1
check '[ $? = 2 ] && grep -q "cursor" "$T/e"' "a bad cursor is refused"
L --search "$(head -c 200 /dev/zero | tr '\0' x)"
check '[ $? = 2 ] && grep -q "longer than" "$T/e"' "an oversized search is refused"
L --search '" OR NEAR('
check '[ $? = 0 ] && grep -q "no documents" "$T/o"' "search syntax is taken literally"
check '[ "$(q "select count(*) || sum(amount_paid) from documents")" = "$before" ]' "nothing changed"

echo "test_docs_list: $pass passed, $fail failed"
[ "$fail" = 0 ]
