#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/sh/test_posnet_sim_cli.sh - `packline sim posnet` as a process: pty
# and TCP serving, state kept across restarts and kills, paper file, faults,
# paper out (SIGUSR1), baud pacing.
# Uses the helpers sim_cli_run (= sim_cli_main) and posnet_sim_client.
set -u
BIN=${PL_BIN:?}/tests
SIM=$BIN/sim_cli_run
CLI=$BIN/posnet_sim_client
T=$(mktemp -d)
pass=0 fail=0
SIMPID=
cleanup() {
	[ -n "$SIMPID" ] && kill "$SIMPID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

ok() { pass=$((pass + 1)); }
ko() { fail=$((fail + 1)); echo "FAIL: $*"; }
check() { # check "description" command...
	local d=$1; shift
	if "$@"; then ok; else ko "$d"; fi
}

start_sim() { # start_sim ARGS... ; sets SIMPID, waits for the endpoint line
	"$SIM" posnet "$@" >"$T/endpoint" 2>>"$T/sim.log" &
	SIMPID=$!
	for _ in $(seq 100); do
		[ -s "$T/endpoint" ] && return 0
		sleep 0.05
	done
	ko "simulator did not start: $*"
	return 1
}
stop_sim() { # stop_sim SIGNAL -> exit status in $STOPRC
	kill -"$1" "$SIMPID"
	wait "$SIMPID" 2>/dev/null
	STOPRC=$?
	SIMPID=
}

# 1. pty, symlink, state, paper, status
start_sim --link "$T/printer" --state "$T/state" --paper "$T/paper.txt" --status "$T/status"
check "endpoint is a pty" grep -q '^/dev/pts/' "$T/endpoint"
check "link points at the pty" test "$(readlink "$T/printer")" = "$(cat "$T/endpoint")"
out=$("$CLI" "$T/printer" 'scnt\t' 'trinit\tbm0\t' 'trnipset\tni1234563218\t' \
	'trline\tnaŻółta kawa 250g\tvt1\tpr999\t' 'trpayment\tty0\twa999\tnaGotówka\tre0\t' \
	'trend\tto999\tfp999\tfe0\t' 'trftrln\tid13\tnaZK/2026/10042\t' 'trftrend\t' 'scnt\t')
check "receipt commands all OK" test "$(grep -c '^OK' <<<"$out")" = 9
check "bn advanced" grep -q 'OK scnt rd=0 hn=1 bn=1' <<<"$out"
check "paper has the receipt" grep -q -- '--- BEGIN RECEIPT bt=1 bn=1' "$T/paper.txt"
check "paper has the Polish name" grep -q 'LINE: Żółta kawa 250g; vat=B' "$T/paper.txt"
check "paper has the NIP" grep -q 'NIP NABYWCY: 1234563218' "$T/paper.txt"
check "paper has the order number" grep -q 'FOOTER: Nr zamówienia: ZK/2026/10042' "$T/paper.txt"
check "status file" test "$(cat "$T/status")" = "0 1 1 1 0 1 0 0"
out=$("$CLI" "$T/printer" 'trline\tnaX\tvt1\tpr1\t' 'frob\t')
check "command error" grep -q '^CMDERR trline 2005' <<<"$out"
check "frame error" grep -q '^FRAMEERR 1 cm=frob' <<<"$out"
stop_sim TERM
check "SIGTERM exits 0" test "$STOPRC" = 0
check "link removed at exit" test ! -e "$T/printer"

# 2. restart keeps the counters; a kill with an open receipt cancels it at boot
start_sim --link "$T/printer" --state "$T/state" --paper "$T/paper.txt"
out=$("$CLI" "$T/printer" 'scnt\t' 'stot\t')
check "counters survive a restart" grep -q 'OK scnt rd=0 hn=1 bn=1 fn=0 nu=ZBF 2101002392 bc=0 bt=1' <<<"$out"
check "totals survive a restart" grep -q ' pb=999 ' <<<"$out"
out=$("$CLI" "$T/printer" 'trinit\tbm0\t' 'trline\tnaKawa\tvt1\tpr1000\t')
stop_sim KILL
start_sim --link "$T/printer" --state "$T/state" --paper "$T/paper.txt"
out=$("$CLI" "$T/printer" 'strns\t' 'scnt\t')
check "open receipt gone after kill" grep -q '^OK strns to=0' <<<"$out"
check "cancel counted (bc, bt), bn unchanged" grep -q 'bn=1 fn=0 nu=ZBF 2101002392 bc=1 bt=2' <<<"$out"
check "paper shows the cancel" grep -q 'TRANSAKCJA ANULOWANA' "$T/paper.txt"

# 3. paper out by SIGUSR1: printing waits, !sprn says pr=5
kill -USR1 "$SIMPID"
sleep 0.2
out=$("$CLI" "$T/printer" '!sprn\t')
check "!sprn reports no paper" grep -q '^OK sprn pr=5' <<<"$out"
out=$("$CLI" "$T/printer" --timeout 300 'trinit\tbm0\t')
check "trinit held while the paper is out" grep -q '^TIMEOUT' <<<"$out"
kill -USR1 "$SIMPID"
sleep 0.2
out=$("$CLI" "$T/printer" 'prncancel\t')
check "the held reply arrives late, first" grep -q '^OK trinit' <<<"$out"
stop_sim TERM

# 4. TCP, faults: a dropped trend reply recovered with rpt
start_sim --tcp 127.0.0.1:0 --port-file "$T/port" --fault drop:trend --fault lowercrc
port=$(cat "$T/port")
check "endpoint is host:port" test "$(cat "$T/endpoint")" = "127.0.0.1:$port"
out=$("$CLI" "127.0.0.1:$port" 'trinit\tbm0\t' 'trline\tnaCandies\tvt1\tpr999\t')
check "tcp receipt start" test "$(grep -c '^OK' <<<"$out")" = 2
out=$("$CLI" "127.0.0.1:$port" --timeout 300 --token 4711 'trend\tto999\t')
check "trend reply dropped" grep -q '^TIMEOUT' <<<"$out"
out=$("$CLI" "127.0.0.1:$port" --token 4711 'rpt\t' 'scnt\t')
check "rpt replays the trend reply" grep -q '^OK trend @4711' <<<"$out"
check "the receipt was printed once" grep -q 'OK scnt .* bn=1 ' <<<"$out"
out=$("$CLI" "127.0.0.1:$port" --token 1234 'rpt\t')
check "unknown token" grep -q '^FRAMEERR 13 cm=rpt' <<<"$out"
stop_sim TERM

# 4b. a client that leaves mid-frame: the next client starts clean (defect 11)
start_sim --tcp 127.0.0.1:0 --port-file "$T/port"
port=$(cat "$T/port")
exec 7<>"/dev/tcp/127.0.0.1/$port"
printf '\002scnt\t@00' >&7
exec 7>&-
sleep 0.3
out=$("$CLI" "127.0.0.1:$port" 'scnt\t')
check "after a half frame the next client's first reply is its answer" \
	test "$(head -n1 <<<"$out")" = "OK scnt rd=0 hn=0 bn=0 fn=0 nu=ZBF 2101002392 bc=0 bt=0 fc=0"
check "no error for the stranger's half frame" test "$(grep -c ERR <<<"$out")" = 0
stop_sim TERM

# 5. delay fault
start_sim --tcp 127.0.0.1:0 --port-file "$T/port" --fault delay=700:scnt
port=$(cat "$T/port")
out=$("$CLI" "127.0.0.1:$port" --timeout 200 'scnt\t')
check "delayed reply not there after 200 ms" grep -q '^TIMEOUT' <<<"$out"
out=$("$CLI" "127.0.0.1:$port" --timeout 3000 'sprn\t')
check "undelayed command answers" grep -q '^OK sprn pr=0' <<<"$out"
stop_sim TERM

# 6. pacing: a scnt exchange at 1200 baud moves 70 bytes = 583 ms of line
# time; it can never be faster than that (a lower bound, not a speed test)
start_sim --link "$T/printer" --baud 1200
t0=$(date +%s%N)
out=$("$CLI" "$T/printer" 'scnt\t')
t1=$(date +%s%N)
ms=$(((t1 - t0) / 1000000))
check "paced scnt answers" grep -q '^OK scnt' <<<"$out"
check "paced exchange takes at least the line time ($ms ms >= 550)" test "$ms" -ge 550
stop_sim TERM

# 7. usage errors
"$SIM" posnet --baud x >/dev/null 2>&1
check "bad --baud is a usage error" test $? = 2
"$SIM" posnet --fault explode >/dev/null 2>&1
check "bad --fault is a usage error" test $? = 2
"$SIM" thermal >/dev/null 2>&1
check "unknown simulator is a usage error" test $? = 2

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
