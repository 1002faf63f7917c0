#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# tests/sh/test_cups_labels.sh - labels through a real, private cupsd (labels/print_cups.c).
#
# Starts cupsd on a loopback port with a temporary ServerRoot (tests/sh/cups_private.sh), adds raw
# queues whose devices are the tests' own backends, and prints through libcups with the
# label_print helper (labels/print.h). Proves: the job's bytes arrive unchanged; the job id is
# kept and its state followed to "completed"; a failing backend (printer offline) is reported
# as aborted, a stopped printer as stopped (and the held job cancelled so it cannot print
# later), a slow one as still processing; a missing queue is a clear "does not exist".
set -u
PL_SRC=${PL_SRC:?} PL_BIN=${PL_BIN:?}
TOOL=${LABEL_PRINT:-$PL_BIN/tests/label_print}
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
check() { if eval "$1"; then ok; else bad "$2"; fi; }

if ! command -v cupsd >/dev/null || ! command -v lpadmin >/dev/null; then
	echo "cupsd/lpadmin missing: install cups-daemon cups-client (scripts/bootstrap-packages.txt)" >&2
	echo "0 passed, 1 failed"
	exit 1
fi
[ -x "$TOOL" ] || { echo "no $TOOL (build the label_print target)" >&2; echo "0 passed, 1 failed"; exit 1; }

D=$(mktemp -d)
chmod 755 "$D" # the backends run as user lp when cupsd runs as root
CUPS="bash $PL_SRC/tests/sh/cups_private.sh"
cleanup() { $CUPS stop "$D/cups"; rm -rf "$D"; }
trap cleanup EXIT

# a free loopback port: let the kernel pick one, then use it for cupsd
PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
CUPS_OWNER_PID=$$ $CUPS start "$D/cups" "$PORT" || { echo "0 passed, 1 failed"; exit 1; }
SRV="127.0.0.1:$PORT"
OUT="$D/cups/out"
$CUPS queue "$D/cups" "$PORT" zebra "capture:$OUT/zebra.zpl"
$CUPS queue "$D/cups" "$PORT" offline fail:/x abort-job
$CUPS queue "$D/cups" "$PORT" stopper fail:/x stop-printer
$CUPS queue "$D/cups" "$PORT" slow "slow:$OUT/slow.zpl?4"

# a label with CR LF, UTF-8 and every byte value a ZPL label may carry (^FH hex, ~ commands)
printf '^XA\r\n^CI28\r\n^FO10,10^A0N,30,30^FDZażółć gęślą jaźń ~ _5E^FS\r\n' >"$D/label.zpl"
head -c 3000 /dev/urandom | od -An -tx1 | tr -d ' \n' | sed 's/^/^FO0,0^GFA,1500,1500,10,/' >>"$D/label.zpl"
printf '\r\n^XZ\r\n' >>"$D/label.zpl"

# 1. bytes arrive unchanged, job followed to completed
line=$("$TOOL" --wait 10000 cups "$SRV" zebra "$D/label.zpl")
rc=$?
check '[ $rc -eq 0 ]' "print to zebra: rc $rc: $line"
# libcups ran in the print sidecar, never in the printing process itself
check '[[ "$line" == *"here_libcups=no"* ]]' "libcups was loaded by the agent's own process: $line"
check '[[ "$line" == *"state=completed"* ]]' "zebra job not completed: $line"
check 'cmp -s "$D/label.zpl" "$OUT/zebra.zpl"' "captured bytes differ from the label"
id=$(sed -n 's/.*cups_id=\([0-9]*\).*/\1/p' <<<"$line")
check '[ -n "$id" ] && [ "$id" -gt 0 ]' "no CUPS job id: $line"
# the scheduler agrees: job zebra-ID is in its completed list
check 'lpstat -h "$SRV" -W completed -o zebra | grep -q "^zebra-$id "' "cupsd does not list zebra-$id as completed"

# 2. three jobs in a row: each kept its own id, all bytes intact
prev=$id
for i in 1 2 3; do
	printf '^XA^FDjob %s^FS^XZ' "$i" >"$D/j$i.zpl"
	line=$("$TOOL" cups "$SRV" zebra "$D/j$i.zpl")
	n=$(sed -n 's/.*cups_id=\([0-9]*\).*/\1/p' <<<"$line")
	check '[ -n "$n" ] && [ "$n" -gt "$prev" ]' "job ids not increasing: $prev then '$n'"
	check 'cmp -s "$D/j$i.zpl" "$OUT/zebra.zpl"' "job $i bytes differ"
	prev=${n:-$prev}
done

# 3. printer offline (backend fails, policy abort-job): reported aborted with its message
line=$("$TOOL" --wait 10000 cups "$SRV" offline "$D/label.zpl")
rc=$?
check '[ $rc -ne 0 ]' "offline printer reported success: $line"
check '[[ "$line" == *"rc=PL_EDEVICE"* && "$line" == *"state=aborted"* ]]' "offline not aborted: $line"
check '[[ "$line" == *"simulated printer offline"* ]]' "offline message lost: $line"

# 4. stop-printer policy: the first job stops the queue; it is cancelled, not left to print later
line=$("$TOOL" --wait 10000 cups "$SRV" stopper "$D/label.zpl")
check '[[ "$line" == *"rc=PL_EDEVICE"* && "$line" == *"stopped"* ]]' "stopped printer not reported: $line"
check '[[ "$line" == *"state=cancelled"* ]]' "held job not cancelled: $line"
check '[ -z "$(lpstat -h "$SRV" -o stopper)" ]' "a job is still queued on the stopped printer"
# and the next label to a stopped queue is refused before a job is made
line=$("$TOOL" cups "$SRV" stopper "$D/label.zpl")
check '[[ "$line" == *"rc=PL_EDEVICE"* && "$line" == *"id=- "* && "$line" == *"is stopped"* ]]' \
	"stopped queue accepted a job: $line"

# 5. a slow printer: still processing after the wait, said so with the printer's words
line=$("$TOOL" --wait 800 cups "$SRV" slow "$D/label.zpl")
check '[[ "$line" == *"rc=PL_ETIMEDOUT"* && "$line" == *"state=processing"* ]]' "slow printer: $line"
check '[[ "$line" == *"printing slowly"* ]]' "slow printer message lost: $line"
# ... and it does finish: the same job completes later with the same bytes
for _ in $(seq 1 400); do [ -f "$OUT/slow.zpl" ] && break; sleep 0.02; done
check 'cmp -s "$D/label.zpl" "$OUT/slow.zpl"' "slow job bytes differ"

# 6. a queue that does not exist
line=$("$TOOL" cups "$SRV" nosuch "$D/label.zpl")
check '[[ "$line" == *"rc=PL_ENOTFOUND"* && "$line" == *"does not exist"* ]]' "missing queue: $line"

# 7. a server that is not there: a bounded, clear failure
port2=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
line=$("$TOOL" --timeout 2000 cups "127.0.0.1:$port2" zebra "$D/label.zpl")
check '[[ "$line" == *"rc=PL_EIO"* && "$line" == *"cannot reach CUPS server"* ]]' "dead server: $line"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
