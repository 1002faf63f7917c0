#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/bench_email.sh - e-mails per second from `packline process` to a local SMTP sink.
#
#   bench/bench_email.sh [PACKLINE] [N]      (default build-dev/agent/packline, N = 100)
#
# N invoices are issued first (timed alone), then each is e-mailed with its
# rendered PDF by the journal engine, three ways: .eml files to an outbox,
# SMTP to aiosmtpd on loopback in clear, and SMTP with STARTTLS + AUTH
# (a test CA made here). Each e-mail is one job: rendered, built,
# journalled (SENDING then DONE, two durable commits), a fresh connection
# per message (never reused: effects/email.h), the before-the-dot marker
# fsync'ed. Reference: a Google Workspace mailbox may send 2000 messages a
# day (secondary sources, e.g. smith.edu "Google Apps mail limits"; not in
# research/http-apis.md), i.e. 0.023 per second - the agent is never the
# bottleneck; the provider's quota is.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
P=${1:-$root/build-dev/agent/packline}
N=${2:-100}
PY=/usr/bin/python3
T=$(mktemp -d /tmp/bench_email.XXXXXX)
SINKS=()
trap 'for s in "${SINKS[@]}"; do kill $s 2>/dev/null; done; rm -rf "$T"' EXIT

(
	cd "$T"
	openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 1 -subj /CN=bench-CA
	openssl req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr -subj /CN=localhost
	printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >ext
	openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out srv.pem -days 1 -extfile ext
) >/dev/null 2>&1

sink() { # DIR ARGS...: sets PORT
	local dir=$1
	shift
	$PY "$root/tests/fakes/smtp_sink.py" "$dir" "$@" >"$dir.log" 2>&1 &
	SINKS+=($!)
	for _ in $(seq 1 500); do [ -s "$dir/port" ] && break; sleep 0.02; done
	PORT=$(cat "$dir/port")
}

orders() {
	local i
	printf '{"orders":['
	for ((i = 1; i <= N; i++)); do
		[ "$i" -gt 1 ] && printf ','
		printf '{"source":"shop","id":"B%d","number":"ZK/B/%d","created":"2026-11-24T08:00:00Z","status":"paid","currency":"PLN","total":2298,"buyer":{"name":"Zażółć Gęślą","email":"kupujacy%d@example.pl","country":"PL"},"delivery":{"method":"pickup","cost":0},"payment":{"type":"card","status":"paid","paid":2298},"lines":[{"sku":"K-1","name":"Kubek","qty":2,"unit_price":1149,"vat":"23"}]}' "$i" "$i" "$i"
	done
	printf ']}\n'
}
orders >"$T/o.json"

now() { date +%s.%N; }
run() { # NAME EMAIL-LINES
	local name=$1 d=$T/$1 t0 t1 t2
	shift
	mkdir -p "$d"
	{
		printf '[packline]\nstore = sqlite:%s/p.db\nstation = bench\n\n' "$d"
		printf '[rule "all"]\nwhen = true\nissue = invoice\nthen = email\n\n'
		printf '[seller]\nname = Sklep sp. z o.o.\nnip = 526-104-08-28\naddress = ul. Piotrkowska 12\ncity = 90-001 Łódź\n\n'
	} >"$d/docs.ini"
	{
		cat "$d/docs.ini"
		printf '[email]\nfrom = faktury@sklep.test\nfrom_name = Sklep\n'
		printf '%s\n' "$@"
	} >"$d/p.ini"
	chmod 600 "$d/p.ini" "$d/docs.ini"
	"$P" --config "$d/docs.ini" orders import "$T/o.json" >/dev/null
	t0=$(now)
	"$P" --config "$d/docs.ini" process >/dev/null # the invoices alone (no [email]: step said, not run)
	t1=$(now)
	"$P" --config "$d/p.ini" process >"$d/out" # already issued: the e-mails alone
	t2=$(now)
	local sent
	sent=$(sqlite3 "$d/p.db" "select count(*) from jobs where kind = 'email' and state = 'done'")
	awk -v n="$sent" -v a="$t0" -v b="$t1" -v c="$t2" -v name="$name" 'BEGIN {
		printf "%-22s %4d e-mails in %6.2f s = %7.1f e-mails/s  (issuing the %d invoices: %.2f s)\n",
			name, n, c - b, n / (c - b), n, b - a }'
}

mkdir -p "$T/outbox"
run outbox "outbox = $T/outbox"
sink "$T/plain"
run smtp-loopback-clear "server = smtp://127.0.0.1:$PORT" "tls = none"
sink "$T/tls" --tls "$T/srv.pem" "$T/srv.key" --user shop --password s3kret
run smtp-starttls-auth "server = smtp://localhost:$PORT" "cainfo = $T/ca.pem" "user = shop" "password = s3kret"
echo "reference: a Google Workspace mailbox may send 2000 messages/day = 0.023 messages/s"
