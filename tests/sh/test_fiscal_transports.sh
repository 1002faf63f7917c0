#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/sh/test_fiscal_transports.sh - reaching a fiscal printer: an I/O
# failure at open exits 5 (device), not 70; a pty is refused as a serial
# port; a socat bridge (pty or serial port behind TCP) is reached by tcp:.
set -u
P=${PACKLINE:?}
BIN=${PL_BIN:?}/tests
T=$(mktemp -d)
SIMPID= SOCATPID=
cleanup() {
	[ -n "$SOCATPID" ] && kill "$SOCATPID" 2>/dev/null
	[ -n "$SIMPID" ] && kill "$SIMPID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
status() { # status TARGET -> $RC, $T/out, $T/err
	printf '[printer "fiscal"]\ntransport = %s\n' "$1" >"$T/c.ini"
	timeout 60 "$P" --config "$T/c.ini" --store "sqlite:$T/p.db" printer status >"$T/out" 2>"$T/err"
	RC=$?
}

# 1. a refused connection is an I/O error of the device: exit 5
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
status "tcp:127.0.0.1:$port"
[ "$RC" = 5 ] && ok || bad "refused connection: exit $RC, want 5"
grep -Eq "input/output error|the device does not answer" "$T/err" && ok || bad "refused connection is worded as an I/O error (the device does not answer)"

# 2. the simulator on a pty
"$BIN/sim_cli_run" posnet >"$T/endpoint" 2>"$T/sim.log" &
SIMPID=$!
for _ in $(seq 100); do [ -s "$T/endpoint" ] && break; sleep 0.05; done
pty=$(cat "$T/endpoint")
case "$pty" in /dev/pts/*) ok ;; *) bad "simulator pty: '$pty'" ;; esac
# a pty is not a serial port to libserialport: refused, and said so
status "serial:$pty"
[ "$RC" != 0 ] && ok || bad "a pty was accepted as a serial port"
grep -q "no such serial port" "$T/err" && ok || bad "pty refusal names the port"

# 3. the documented way: socat bridges the pty to TCP, tcp: reaches it
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# one connection, no fork: a probe connection would open the pty too and
# could read the reply; readiness is socat's own "listening on" line
socat -d -d "TCP-LISTEN:$port,bind=127.0.0.1,reuseaddr" "FILE:$pty,raw,echo=0" 2>"$T/socat.log" &
SOCATPID=$!
for _ in $(seq 200); do grep -q "listening on" "$T/socat.log" && break; sleep 0.05; done
status "tcp:127.0.0.1:$port"
[ "$RC" = 0 ] && ok || { bad "printer status over a socat bridge: exit $RC"; cat "$T/out" "$T/err" >&2; }
grep -q "ZBF 2101002392" "$T/out" && ok || { bad "status over the bridge shows the simulator's unique number"; cat "$T/out" >&2; }

echo "test_fiscal_transports: $pass passed, $fail failed"
[ "$fail" = 0 ]
