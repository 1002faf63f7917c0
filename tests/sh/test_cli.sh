#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The CLI end to end on a real SQLite file: import (all or nothing, re-import
# updates), bad input leaves the store unchanged, process is idempotent,
# rules check/explain, docs, exit codes.
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
pl() { "$P" --config "$CFG" --store "sqlite:$DB" "$@"; }
dump() { sqlite3 "$DB" .dump | sha256sum; }

expect_rc 0 "import examples" pl orders import "$SRC/examples/orders"
has "$T/out" "13 new, 0 updated, 0 unchanged" "import totals"
expect_rc 0 "re-import" pl orders import "$SRC/examples/orders"
has "$T/out" "0 new, 0 updated, 13 unchanged" "re-import never duplicates"
[ "$(sqlite3 "$DB" 'select count(*) from orders')" = 13 ] && ok || bad "13 orders stored"

# every malformed file: exit 1, messages name the place, store unchanged
before=$(dump)
for f in "$SRC"/examples/bad/*.json; do
	expect_rc 1 "bad file $(basename "$f")" pl orders import "$f"
	has "$T/err" '\$[.[]' "error names a JSON path ($(basename "$f"))"
	has "$T/err" "nothing imported" "says nothing was imported"
done
[ "$(dump)" = "$before" ] && ok || bad "store changed by bad files"
printf '{"source":"shop","id":"x"' >"$T/trunc.json"
expect_rc 1 "truncated JSON" pl orders import "$T/trunc.json"
printf 'garbage\0\1\2' | pl orders import - >/dev/null 2>&1 && bad "garbage on stdin accepted" || ok
expect_rc 1 "missing file" pl orders import "$T/nope.json"
[ "$(dump)" = "$before" ] && ok || bad "store changed by garbage"

# stdin and a status change: updated, history recorded
sed 's/^  "status": "paid"/  "status": "cancelled"/' "$SRC/examples/orders/02-consumer-receipt.json" >"$T/upd.json"
expect_rc 0 "import from stdin" sh -c "cat '$T/upd.json' | '$P' --config '$CFG' --store 'sqlite:$DB' orders import -"
has "$T/out" "1 updated" "status change is an update"
expect_rc 0 "orders show" pl orders show ZK/2026/10043
has "$T/out" "paid -> cancelled" "status history"
has "$T/out" '"number":.*"ZK/2026/10043"' "order JSON"
expect_rc 0 "orders show by source:id" pl orders show shop:10043
expect_rc 1 "unknown order" pl orders show ZK/NOPE
expect_rc 0 "orders list" pl orders list --status cancelled
has "$T/out" "ZK/2026/10043" "list filter"

# process: decide, number, issue; a second run issues nothing
expect_rc 0 "process" pl process
has "$T/out" "FV/2026/0001" "first invoice number"
has "$T/out" "WZ/2026/" "WZ numbered monthly"
has "$T/out" "ZK/2026/10050 .* invoice " "a CZK consumer order is invoiced, not sent to a PLN fiscal printer"
has "$T/out" "pending (posnet: no fiscal printer configured)" "receipts wait for a printer"
has "$T/out" "email: no \\[email\\] configured" "an email step without [email] is said, not dropped"
n1=$(sqlite3 "$DB" 'select count(*) from documents')
expect_rc 0 "process again" pl process
# the receipts stay intents until a printer claims them: no document, no number
has "$T/out" "0 issued, 3 pending" "second run issues nothing"
[ "$(sqlite3 "$DB" 'select count(*) from documents')" = "$n1" ] && ok || bad "documents duplicated"
expect_rc 0 "docs list invoices" pl docs list --kind invoice
has "$T/out" "FV/2026/0001" "docs list"
expect_rc 0 "docs show" pl docs show FV/2026/0001
has "$T/out" "VAT RATE" "docs show has the VAT summary"
expect_rc 2 "docs list bad kind" pl docs list --kind nonsense

# rules
expect_rc 0 "rules check good" "$P" rules check "$CFG"
has "$T/out" "ok, 9 rule(s)" "rules counted"
printf '[rule "a"]\nwhen = status == "x" and (total > 3\nissue = invoice\n' >"$T/bad.ini"
expect_rc 1 "rules check bad" "$P" rules check "$T/bad.ini"
has "$T/out" "bad.ini:2:" "rule error has FILE:LINE:COL"
expect_rc 0 "rules explain" pl rules explain ZK/2026/10045
has "$T/out" "MATCH, wins" "explain names the winner"

# a broken configuration stops every command before it touches anything
before=$(dump)
printf '[packline]\nstroe = x\n' >"$T/broken.ini"
expect_rc 3 "broken config" "$P" --config "$T/broken.ini" --store "sqlite:$DB" orders import "$SRC/examples/orders"
has "$T/err" "broken.ini:2:1" "config error has its place"
[ "$(dump)" = "$before" ] && ok || bad "store changed under a broken config"
expect_rc 3 "config check broken" "$P" config check "$T/broken.ini"

# usage
expect_rc 2 "no command" "$P"
expect_rc 2 "unknown command" "$P" frobnicate
expect_rc 0 "help" "$P" --help
expect_rc 0 "command help" "$P" orders import --help
has "$T/out" "whole or not" "command help text"
expect_rc 0 "version" "$P" version

# issue #18 defect 9: numbers inside a transport and the store's scheme are
# checked at load, with the place
cfg_err() { # description expected-message ini-text
	printf '%b' "$3" >"$T/c.ini"
	expect_rc 3 "$1" "$P" config check "$T/c.ini"
	has "$T/err" "$2" "$1 (message)"
}
cfg_err "tcp port out of range" 'c.ini:2:13: .*99999.*1-65535' '[printer "fiscal"]\ntransport = tcp:127.0.0.1:99999\n'
cfg_err "unknown baud rate" 'c.ini:2:13: .*9601.*9600' '[printer "fiscal"]\ntransport = serial:/dev/ttyUSB0:9601:8N1\n'
cfg_err "bad serial framing" "c.ini:2:13: .*framing '8X1'" '[printer "fiscal"]\ntransport = serial:/dev/ttyUSB0:9600:8X1\n'
cfg_err "unknown store scheme" "c.ini:2:9: .*unknown scheme 'mysql:'" '[packline]\nstore = mysql://db/packline\n'
cfg_err "postgres recognised" 'c.ini:2:9: .*postgres is not built in yet' '[packline]\nstore = postgres:host=db\n'
printf '[printer "fiscal"]\ntransport = serial:/dev/ttyUSB0:115200:7E2\n' >"$T/c.ini"
expect_rc 0 "good serial transport" "$P" config check "$T/c.ini"

# issue #18 defect 6: every rule's backend and steps checked at load
R='[rule "r"]\nwhen = total > 0\n'
cfg_err "then = print is unknown" "unknown step 'print'" "${R}issue = invoice\nthen = print\n"
cfg_err "step typo" "unknown step 'lable' (did you mean 'label'?)" "${R}issue = invoice\nthen = lable\n"
cfg_err "backend typo" "c.ini:4:11: rule 'r': unknown backend 'posent' (did you mean 'posnet'?)" "${R}issue = receipt\nbackend = posent\n"
cfg_err "receipt by local" "c.ini:4:11: .*only ever issued by a fiscal printer" "${R}issue = receipt\nbackend = local\n"
cfg_err "invoice by posnet" "c.ini:4:11: .*cannot issue a invoice" "${R}issue = invoice\nbackend = posnet\n"
cfg_err "posnet without a printer" "c.ini:4:11: .*needs a \\[printer\\] section" "${R}issue = receipt\nbackend = posnet\n"
printf '%b' "${R}issue = receipt\nbackend = posnet\n[printer \"fiscal\"]\ntransport = sim:\n" >"$T/c.ini"
expect_rc 0 "posnet with a printer" "$P" config check "$T/c.ini"
printf '%b' "${R}issue = invoice\nbackend = local\n" >"$T/c.ini"
expect_rc 0 "invoice by local" "$P" config check "$T/c.ini"

# a missing configuration: 3 with the path named, from every command
for cmd in "orders list" "docs list" "process" "printer status" "config check" "rules check" "config dump"; do
	# shellcheck disable=SC2086
	expect_rc 3 "missing config: $cmd" "$P" --config "$T/none.ini" $cmd
	has "$T/err" "none.ini: cannot open" "missing config named: $cmd"
done
# help for every group and command, exit 0
for g in orders rules docs config printer receipt label; do
	expect_rc 0 "$g --help" "$P" "$g" --help
	has "$T/out" "packline $g" "$g --help lists its commands"
done
expect_rc 0 "orders list --help" "$P" orders list --help
expect_rc 2 "bare group is a usage error" "$P" orders

# an order file over the 16 MiB cap: bad input (1), its name once, the cap said
head -c 17000000 /dev/zero | tr '\0' ' ' >"$T/big.json"
expect_rc 1 "16 MiB+ order file" pl orders import "$T/big.json"
has "$T/err" "16 MiB cap" "oversized file names the cap"
grep -q "big.json.*big.json" "$T/err" && bad "oversized file named twice on a line" || ok
rm -f "$T/big.json"

# a configured printer that cannot be opened: exit 5 with the reason;
# invoices are still issued, only the receipts wait
for tr in "tcp:127.0.0.1:1" "serial:/dev/ttyPLNOPE9:9600"; do
	{ cat "$CFG"; printf '[printer "fiscal"]\ntransport = %s\ntimeout_status_ms = 300\n' "$tr"; } >"$T/dead.ini"
	rm -f "$T/dead.db"
	"$P" --config "$T/dead.ini" --store "sqlite:$T/dead.db" orders import "$SRC/examples/orders" >/dev/null 2>&1
	expect_rc 5 "process, printer $tr" "$P" --config "$T/dead.ini" --store "sqlite:$T/dead.db" process
	has "$T/err" "cannot open fiscal printer 'fiscal'" "process names the printer ($tr)"
	has "$T/err" "receipts wait for the fiscal printer" "process says the receipts wait ($tr)"
	has "$T/out" "FV/2026/.*issued" "invoices issued without the printer ($tr)"
	[ "$(sqlite3 "$T/dead.db" "select count(*) from documents where kind='invoice' and state='issued'")" -gt 0 ] && ok || bad "invoices stored issued ($tr)"
	expect_rc 5 "printer status, printer $tr" "$P" --config "$T/dead.ini" --store "sqlite:$T/dead.db" printer status
done
has "$T/err" "the device is missing" "a missing serial device is said"

# strict ids and limits, known statuses: usage errors (2), nothing read
expect_rc 2 "docs show #12abc" pl docs show '#12abc'
has "$T/err" "not a document id" "docs show #12abc says why"
expect_rc 2 "docs show #-1" pl docs show '#-1'
expect_rc 2 "orders list --limit -1" pl orders list --limit -1
has "$T/err" "--limit takes a number" "--limit -1 says why"
expect_rc 2 "docs list --limit -1" pl docs list --limit -1
expect_rc 2 "orders list --limit 1x" pl orders list --limit 1x
expect_rc 0 "orders list --limit 2" pl orders list --limit 2
# the reason is named: trailing characters, negative, overflow
expect_rc 2 "orders list --limit -1 (reason)" pl orders list --limit -1
has "$T/err" "(it is negative)" "--limit -1 says it is negative"
expect_rc 2 "orders list --limit 1x" pl orders list --limit 1x
has "$T/err" "characters after the number" "--limit 1x names the trailing characters"
expect_rc 2 "orders list --limit 99999999999999999999" pl orders list --limit 99999999999999999999
has "$T/err" "too large" "--limit overflow says too large"
expect_rc 2 "docs show #99999999999999999999" pl docs show '#99999999999999999999'
has "$T/err" "too large" "docs show overflow says too large"
expect_rc 2 "docs show #12abc (reason)" pl docs show '#12abc'
has "$T/err" "characters after the number" "docs show #12abc names the trailing characters"
PL_JOURNAL_LEASE_MS=5s expect_rc 3 "process with PL_JOURNAL_LEASE_MS=5s" pl process
has "$T/err" "PL_JOURNAL_LEASE_MS takes milliseconds" "a bad PL_JOURNAL_LEASE_MS is refused, not read as 5"
PL_JOURNAL_WORKERS=2x expect_rc 3 "run with PL_JOURNAL_WORKERS=2x" pl run --once
has "$T/err" "PL_JOURNAL_WORKERS takes 0 to 8 worker threads, not .2x." "a bad PL_JOURNAL_WORKERS is refused, not read as 2"
expect_rc 2 "orders list --status bogus" pl orders list --status bogus
has "$T/err" "accepted" "--status bogus lists the known values"
expect_rc 0 "orders list --status accepted" pl orders list --status accepted

sqlite3 "$DB" 'pragma integrity_check' | grep -qx ok && ok || bad "integrity_check"
echo "test_cli: $pass passed, $fail failed"
[ "$fail" = 0 ]
