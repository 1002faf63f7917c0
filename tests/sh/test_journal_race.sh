#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/sh/test_journal_race.sh - four processes, one database, one printer.
#
# Issue #18: two `packline process` runs started together on one database
# issued two VAT invoices for one order, left orphan receipt documents and
# gaps in the number series. Here `process` and `run` processes (mixed) work
# one store and one simulated fiscal printer (`packline sim posnet --tcp`)
# at the same time, on orders of mixed kinds (receipt, receipt with NIP,
# invoice with our own numbering). Then the same with one of them SIGKILLed
# at random points and restarted. Afterwards:
#   - every order has exactly its one document, issued;
#   - no number series has a gap or a duplicate (count = last number);
#   - the printer's paper holds exactly one fiscal receipt per receipt order,
#     and its receipt counter equals the number of receipt orders;
#   - no job is left unsettled.
#
# Env: PACKLINE (the binary), PL_RACE_ORDERS (orders in the first part;
# default 1000, as issue #18 asks - about a minute on a loaded 2-core
# machine), PL_RACE_KILLS (SIGKILLs in the
# second part, default 50), PL_RACE_KILL_ORDERS (orders there, default 1000),
# PL_RACE_BAUD (the printer's speed while killing, default 115200; the
# orders left after the kills are settled at full speed).
set -u

P=${PACKLINE:?PACKLINE not set}
N=${PL_RACE_ORDERS:-1000}
KILLS=${PL_RACE_KILLS:-50}
KN=${PL_RACE_KILL_ORDERS:-1000}
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() {
	fail=$((fail + 1))
	echo "FAIL: $1"
}
check() { if eval "$1"; then ok; else bad "$2"; fi; }

T=$(mktemp -d /tmp/test_journal_race.XXXXXX)
SIM_PID=
cleanup() {
	[ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null
	jobs -p | xargs -r kill -9 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
[ -n "${PL_RACE_KEEP:-}" ] && trap - EXIT
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

# orders DIR FIRST COUNT PREFIX: files of 100 orders each, kinds by i % 3:
# 0 consumer receipt, 1 company invoice (local numbering), 2 receipt with NIP
orders() {
	local dir=$1 first=$2 count=$3 pre=$4 i f n=0
	mkdir -p "$dir"
	for ((f = 0; f * 100 < count; f++)); do
		{
			printf '{"orders":['
			for ((i = first + f * 100; i < first + count && i < first + (f + 1) * 100; i++)); do
				[ "$i" -gt $((first + f * 100)) ] && printf ','
				case $((i % 3)) in
				0) buyer='"buyer":{"name":"Jan Nowak","country":"PL"}' notes= ;;
				1) buyer='"buyer":{"name":"Anna","company":"Firma sp. z o.o.","nip":"5260250274","country":"PL"}' notes= ;;
				2) buyer='"buyer":{"name":"Jan","company":"Usługi Jan","nip":"6772314552","country":"PL"}' notes=',"notes":"Wystarczy paragon z NIP"' ;;
				esac
				printf '{"source":"shop","id":"%s%d","number":"%s/%05d","created":"2026-11-24T08:00:00Z","status":"paid","currency":"PLN","total":%d,%s,"delivery":{"method":"pickup","cost":0},"payment":{"type":"cash","status":"paid","paid":%d}%s,"lines":[{"sku":"K-1","name":"Kubek ceramiczny","qty":%d,"unit_price":1149,"vat":"23"}]}' \
					"$pre" "$i" "$pre" "$i" $((1149 * (1 + i % 4))) "$buyer" $((1149 * (1 + i % 4))) "$notes" $((1 + i % 4))
			done
			printf ']}\n'
		} >"$dir/o$f.json"
		n=$((n + 1))
	done
}

# start_sim DIR: the printer in its own process (its paper survives kills)
start_sim() {
	local dir=$1 baud=${2:-}
	rm -f "$dir/port"
	"$P" sim posnet --tcp 0 --port-file "$dir/port" --paper "$dir/paper" \
		--state "$dir/state" --status "$dir/status" ${baud:+--baud "$baud"} >>"$dir/sim.log" 2>&1 &
	SIM_PID=$!
	for _ in $(seq 1 300); do [ -s "$dir/port" ] && break; sleep 0.01; done
	{
		cat "$PL_SRC/examples/packline.ini"
		printf '\n[packline]\nstore = sqlite:%s/p.db\nstation = race\ninbox = %s/inbox\npoll_seconds = 1\n' "$dir" "$dir"
		printf '\n[printer "fiscal"]\ntransport = tcp:127.0.0.1:%s\n' "$(cat "$dir/port")"
		printf 'timeout_status_ms = 2000\ntimeout_trans_ms = 2000\ntimeout_end_ms = 4000\n'
	} >"$dir/p.ini"
}

# alive PID: running, not a zombie waiting to be reaped
alive() {
	local st
	st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)
	[ -n "$st" ] && [ "$st" != Z ]
}

stop_sim() {
	kill "$SIM_PID" 2>/dev/null
	wait "$SIM_PID" 2>/dev/null
	SIM_PID=
}

# verify DIR ORDERS LABEL
verify() {
	local dir=$1 n=$2 label=$3 db want_r want_i
	db=$dir/p.db
	want_i=$(((n + 1) / 3))
	want_r=$((n - want_i))
	q() { sqlite3 "$db" "$1"; }
	check '[ "$(q "select count(*) from orders")" = "$n" ]' "$label: all $n orders stored"
	check '[ "$(q "select count(*) from (select order_id from documents group by order_id having count(*) = 1)")" = "$n" ]' \
		"$label: every order has exactly one document ($(q "select count(*) from documents") documents for $n orders)"
	check '[ "$(q "select count(*) from documents where state <> '"'issued'"'")" = 0 ]' \
		"$label: every document issued ($(q "select state || ' ' || count(*) from documents group by state" | tr '\n' ' '))"
	check '[ "$(q "select count(*) from documents where kind = '"'invoice'"'")" = "$want_i" ]' \
		"$label: $want_i invoices"
	check '[ "$(q "select count(*) from documents where kind like '"'receipt%'"'")" = "$want_r" ]' \
		"$label: $want_r receipts"
	# gapless and unique: per kind and period the count equals the last number taken
	check '[ -z "$(q "select c.kind from number_counters c where c.value <> (select count(*) from documents d where d.kind = c.kind)")" ]' \
		"$label: no number gap ($(q "select kind || '=' || value from number_counters" | tr '\n' ' '))"
	check '[ "$(q "select count(*) from (select kind, number from documents group by kind, number having count(*) > 1)")" = 0 ]' \
		"$label: no duplicate number"
	check '[ "$(q "select count(*) from jobs where state <> '"'done'"'")" = 0 ]' \
		"$label: every job done ($(q "select state || ' ' || count(*) from jobs group by state" | tr '\n' ' '))"
	# the paper: one receipt block per receipt order, with its order number
	local receipts dup bn
	receipts=$(grep -c '^--- BEGIN RECEIPT' "$dir/paper")
	# one line per receipt block (a footer finished twice prints its line twice)
	dup=$(awk '/^--- BEGIN RECEIPT/ {inr=1; cur="NOFOOTER"; next}
		inr && /^FOOTER: Nr zamówienia: / {sub(/^FOOTER: Nr zamówienia: /, ""); cur=$0}
		/^--- END/ { if (inr) print cur; inr=0 }' "$dir/paper" | sort | uniq -d | head -3)
	bn=$(awk 'NF == 8 {print $3}' "$dir/status")
	check '[ "$receipts" = "$want_r" ]' "$label: $receipts receipts on paper, want $want_r"
	check '[ -z "$dup" ]' "$label: an order printed twice: $dup"
	check '[ "$bn" = "$want_r" ]' "$label: printer receipt counter $bn, want $want_r"
}

# ---- part 0: invoices only, no printer: four `process` at once -------------
# (main before #18: 47 invoices for 40 orders in 10 rounds of 4)
D=$T/inv
mkdir -p "$D"
{
	cat "$PL_SRC/examples/packline.ini"
	printf '\n[packline]\nstore = sqlite:%s/p.db\nstation = race\n' "$D"
} >"$D/p.ini"
for r in 1 2 3 4 5; do
	orders "$D/r$r" $((r * 1000)) 30 "I$r-"
	for f in "$D/r$r"/*.json; do "$P" --config "$D/p.ini" orders import "$f" >/dev/null 2>&1; done
	for i in 1 2 3 4; do "$P" --config "$D/p.ini" process >"$D/r$r.$i.out" 2>&1 & done
	wait
done
q0() { sqlite3 "$D/p.db" "$1"; }
check '[ "$(q0 "select count(*) from documents where kind = '"'invoice'"'")" = 50 ]' \
	"part 0: one invoice per company order ($(q0 "select count(*) from documents where kind = 'invoice'") for 50)"
check '[ -z "$(q0 "select kind from number_counters c where c.value <> (select count(*) from documents d where d.kind = c.kind)")" ]' \
	"part 0: no number gap"
check '[ "$(q0 "select count(*) from (select order_id from documents group by order_id, kind having count(*) > 1)")" = 0 ]' \
	"part 0: no order has two documents of a kind"

# ---- part 1: four processes at once --------------------------------------
D=$T/race
mkdir -p "$D/inbox"
start_sim "$D"
orders "$D/a" 0 $((N / 2)) R
orders "$D/b" $((N / 2)) $((N - N / 2)) R
for f in "$D"/a/*.json; do "$P" --config "$D/p.ini" orders import "$f" >/dev/null 2>&1; done
cp "$D"/b/*.json "$D/inbox/"
t0=$(date +%s)
"$P" --config "$D/p.ini" process >"$D/p1.out" 2>"$D/p1.err" &
p1=$!
"$P" --config "$D/p.ini" process >"$D/p2.out" 2>"$D/p2.err" &
p2=$!
"$P" --config "$D/p.ini" run --once >"$D/p3.out" 2>"$D/p3.err" &
p3=$!
"$P" --config "$D/p.ini" process >"$D/p4.out" 2>"$D/p4.err" &
p4=$!
rcs=""
for p in $p1 $p2 $p3 $p4; do
	wait $p
	rcs+="$? "
done
check '[ "$rcs" = "0 0 0 0 " ]' "part 1: every process exits 0 (got $rcs)"
# the orders run imported after the others had listed theirs: one more run
"$P" --config "$D/p.ini" process >"$D/p5.out" 2>"$D/p5.err"
check '[ $? = 0 ]' "part 1: a last process exits 0"
echo "part 1: $N orders in $(($(date +%s) - t0)) s"
check '! grep -q "issued by another run\|printed by another run" "$D/p5.out"' \
	"part 1: the last run found everything settled before it"
check 'grep -q "by another run" "$D"/p[1-4].out' "part 1: the runs met (a job settled by another run is reported so)"
check '! grep -qi "nothing was sent" "$D"/p*.out' "part 1: no run says nothing was sent"
verify "$D" "$N" "part 1"
stop_sim

# ---- part 2: the same with SIGKILLs at random points ----------------------
D=$T/kill
mkdir -p "$D/inbox"
# a printer at 115200 baud: a receipt takes long enough to be killed in
start_sim "$D" "${PL_RACE_BAUD:-115200}"
orders "$D/a" 0 "$KN" K
for f in "$D"/a/*.json; do "$P" --config "$D/p.ini" orders import "$f" >/dev/null 2>&1; done
t0=$(date +%s)
RANDOM=18
declare -a pids
for i in 0 1 2 3; do
	"$P" --config "$D/p.ini" process >>"$D/w$i.out" 2>>"$D/w$i.err" &
	pids[$i]=$!
done
killed=0
while [ "$killed" -lt "$KILLS" ]; do
	sleep "0.$((RANDOM % 3))$((RANDOM % 10))"
	v=$((RANDOM % 4))
	for _ in 0 1 2 3; do
		alive "${pids[$v]}" && break
		v=$(((v + 1) % 4))
	done
	if alive "${pids[$v]}"; then
		kill -9 "${pids[$v]}" 2>/dev/null && killed=$((killed + 1))
		wait "${pids[$v]}" 2>/dev/null
	fi
	# every worker slot is filled again: process and run alternate
	for i in 0 1 2 3; do
		if ! alive "${pids[$i]}"; then
			wait "${pids[$i]}" 2>/dev/null
			if [ $((i % 2)) = 0 ]; then
				"$P" --config "$D/p.ini" process >>"$D/w$i.out" 2>>"$D/w$i.err" &
			else
				"$P" --config "$D/p.ini" run --once >>"$D/w$i.out" 2>>"$D/w$i.err" &
			fi
			pids[$i]=$!
		fi
	done
	# all settled: nothing more to kill in
	[ -z "$(sqlite3 "$D/p.db" "select 1 from jobs where state <> 'done' limit 1" 2>/dev/null)" ] &&
		[ "$(sqlite3 "$D/p.db" "select count(*) from jobs" 2>/dev/null)" = "$KN" ] && break
	# bounded: 50 kills take ~20 s on an idle machine; a loaded one gets more time
	[ $(($(date +%s) - t0)) -gt 300 ] && break
done
# The kills are done: the rest at full speed. The workers still running
# are killed too, the printer is switched off (its counters and paper kept,
# as a real one keeps them; a receipt left open is cancelled at power-on)
# and comes back without the wire-time limit; then one process settles what
# the kills left - receipts reconciled from the printer's counters first.
for i in 0 1 2 3; do
	if alive "${pids[$i]}"; then
		kill -9 "${pids[$i]}" 2>/dev/null && killed=$((killed + 1))
	fi
	wait "${pids[$i]}" 2>/dev/null
done
echo "part 2: $killed SIGKILLs after $(($(date +%s) - t0)) s; $(sqlite3 "$D/p.db" "select count(*) from jobs where state = 'done'") of $KN done"
stop_sim
start_sim "$D"
"$P" --config "$D/p.ini" process >"$D/final.out" 2>"$D/final.err"
check '[ $? = 0 ]' "part 2: the last process exits 0"
echo "part 2: $killed SIGKILLs on $KN orders in $(($(date +%s) - t0)) s"
check '[ "$killed" -ge "$KILLS" ]' "part 2: $KILLS kills happened while work was left ($killed)"
verify "$D" "$KN" "part 2"
if [ "$fail" != 0 ]; then
	tail -n 20 "$D/final.out" "$D/final.err" >&2
fi
stop_sim

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
