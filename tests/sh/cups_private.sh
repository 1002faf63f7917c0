#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# tests/sh/cups_private.sh - a private cupsd for tests and benchmarks (research/hands-on.md §1).
#
#   cups_private.sh start DIR PORT     start cupsd on 127.0.0.1:PORT with ServerRoot etc. under DIR
#   cups_private.sh queue DIR PORT NAME URI [ERROR-POLICY]   add a raw queue (no PPD) with device URI
#   cups_private.sh stop DIR           stop it and wait for the process to go
# CUPS_OWNER_PID=PID in the environment of `start`: cupsd is stopped when PID is gone.
#
# The queues' devices are small backends of the tests, because a raw queue with a file: URI
# silently writes nothing on Debian 12:
#   capture:/PATH        writes the job's bytes to PATH (atomically: PATH.tmp then rename)
#   fail:/x              reads the job, says "ERROR: simulated printer offline", exits 1
#   slow:/PATH?SECONDS   says "INFO: printing slowly", sleeps, then captures like capture:
# Nothing here touches a system cupsd: no /run/cups socket, only the loopback port.
set -euo pipefail

cmd=${1:?usage: cups_private.sh start|queue|stop DIR ...}
R=${2:?DIR}

start() {
	local port=${1:?PORT}
	mkdir -p "$R"/{etc,spool/tmp,log,cache,state,out} "$R"/serverbin/{backend,filter}
	ln -sfn /usr/lib/cups/daemon "$R/serverbin/daemon"
	ln -sfn /usr/lib/cups/notifier "$R/serverbin/notifier"
	chmod 1777 "$R/out" # backends run as lp when cupsd is root
	# the spool must be reachable by lp too (mktemp -d makes 0700 dirs)
	chmod 755 "$R"
	cat >"$R/etc/cups-files.conf" <<CONF
ServerRoot $R/etc
RequestRoot $R/spool
TempDir $R/spool/tmp
CacheDir $R/cache
StateDir $R/state
ErrorLog $R/log/error_log
AccessLog $R/log/access_log
PageLog $R/log/page_log
ServerBin $R/serverbin
DataDir /usr/share/cups
CONF
	cat >"$R/etc/cupsd.conf" <<CONF
LogLevel info
MaxLogSize 0
Listen 127.0.0.1:$port
Browsing No
BrowseLocalProtocols none
DefaultAuthType None
WebInterface No
JobRetryInterval 1
PreserveJobHistory Yes
<Location />
  Order allow,deny
  Allow from 127.0.0.1
</Location>
<Policy default>
  <Limit All>
    Order allow,deny
    Allow from 127.0.0.1
  </Limit>
</Policy>
CONF
	cat >"$R/serverbin/backend/capture" <<'SH'
#!/bin/sh
set -e
if [ $# -eq 0 ]; then echo 'direct capture "Unknown" "packline test capture"'; exit 0; fi
out="${DEVICE_URI#capture:}"; out="${out#//}"
if [ -n "$6" ]; then cat "$6" > "$out.tmp"; else cat > "$out.tmp"; fi
mv "$out.tmp" "$out"
exit 0
SH
	cat >"$R/serverbin/backend/fail" <<'SH'
#!/bin/sh
if [ $# -eq 0 ]; then echo 'direct fail "Unknown" "packline test: printer offline"'; exit 0; fi
if [ -n "$6" ]; then cat "$6" > /dev/null; else cat > /dev/null; fi
echo "ERROR: simulated printer offline" >&2
exit 1
SH
	cat >"$R/serverbin/backend/slow" <<'SH'
#!/bin/sh
set -e
if [ $# -eq 0 ]; then echo 'direct slow "Unknown" "packline test: slow printer"'; exit 0; fi
u="${DEVICE_URI#slow:}"; u="${u#//}"; out="${u%%\?*}"; secs="${u#*\?}"
[ "$secs" = "$u" ] && secs=3
echo "STATE: +media-empty-warning" >&2
echo "INFO: printing slowly" >&2
sleep "$secs"
if [ -n "$6" ]; then cat "$6" > "$out.tmp"; else cat > "$out.tmp"; fi
mv "$out.tmp" "$out"
exit 0
SH
	chmod 755 "$R"/serverbin/backend/*
	cupsd -f -c "$R/etc/cupsd.conf" -s "$R/etc/cups-files.conf" >"$R/log/stdout" 2>&1 &
	echo $! >"$R/cupsd.pid"
	echo "$port" >"$R/port"
	# With CUPS_OWNER_PID set, cupsd goes when that process does, even if it died without
	# calling stop (a crashed test must not leave a scheduler behind).
	if [ -n "${CUPS_OWNER_PID:-}" ]; then
		(
			trap '' HUP
			while kill -0 "$CUPS_OWNER_PID" 2>/dev/null && [ -f "$R/cupsd.pid" ]; do sleep 1; done
			[ -f "$R/cupsd.pid" ] && kill "$(cat "$R/cupsd.pid")" 2>/dev/null
		) </dev/null >/dev/null 2>&1 &
	fi
	for _ in $(seq 1 500); do
		if lpstat -h "127.0.0.1:$port" -r 2>/dev/null | grep -qx 'scheduler is running'; then
			return 0
		fi
		if ! kill -0 "$(cat "$R/cupsd.pid")" 2>/dev/null; then
			echo "cupsd exited:" >&2
			cat "$R/log/stdout" "$R/log/error_log" >&2 2>/dev/null || true
			return 1
		fi
		sleep 0.02
	done
	echo "cupsd did not come up on 127.0.0.1:$port" >&2
	return 1
}

queue() {
	local port=${1:?PORT} name=${2:?NAME} uri=${3:?URI} policy=${4:-abort-job}
	lpadmin -h "127.0.0.1:$port" -p "$name" -E -v "$uri" -o "printer-error-policy=$policy"
}

stop() {
	local pid
	[ -f "$R/cupsd.pid" ] || return 0
	pid=$(cat "$R/cupsd.pid")
	kill "$pid" 2>/dev/null || true
	# cupsd takes ~1.5-2 s to go after SIGTERM; wait on the pid, not a fixed sleep
	for _ in $(seq 1 250); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.02
	done
	kill -9 "$pid" 2>/dev/null || true
	rm -f "$R/cupsd.pid"
}

shift 2
case "$cmd" in
start) start "$@" ;;
queue) queue "$@" ;;
stop) stop ;;
*) echo "unknown command $cmd" >&2; exit 2 ;;
esac
