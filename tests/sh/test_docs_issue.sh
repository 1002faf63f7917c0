#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/sh/test_docs_issue.sh - #19: `docs issue ORDER [--kind K]` issues the
# order's document now, by the rules or of kind K, on the same journal key as
# `process`: a command and a rule never issue one document twice, and the
# same command twice issues one.
set -u
P=${PACKLINE:?PACKLINE not set}
SRC=${PL_SRC:?}
pass=0
fail=0
check() { if eval "$1"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $2"; fi; }
T=$(mktemp -d /tmp/test_docs_issue.XXXXXX)
trap 'rm -rf "$T"' EXIT
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
q() { sqlite3 "$T/p.db" "$1"; }
{
	cat "$SRC/examples/packline.ini"
	printf '\n[packline]\nstore = sqlite:%s/p.db\n' "$T"
} >"$T/p.ini"
"$P" --config "$T/p.ini" orders import "$SRC/examples/orders/01-company-nip-invoice.json" \
	"$SRC/examples/orders/02-consumer-receipt.json" >/dev/null
ZK=ZK/2026/10042

"$P" --config "$T/p.ini" docs issue "$ZK" --kind correction >"$T/o" 2>"$T/e"
rc=$?
check '[ $rc = 2 ] && grep -q "docs correct" "$T/e"' "a correction is not issued this way (rc $rc)"
"$P" --config "$T/p.ini" docs issue "$ZK" --kind proforma >"$T/o" 2>"$T/e"
rc=$?
check '[ $rc = 0 ]' "a proforma on request (rc $rc: $(cat "$T/e"))"
check '[ "$(q "select count(*) from documents where kind = '"'proforma'"' and state = '"'issued'"'")" = 1 ]' "one proforma issued"
check '! grep -q "label" "$T/o"' "no follow-up step of a rule with --kind"
"$P" --config "$T/p.ini" docs issue "$ZK" --kind proforma >"$T/o" 2>"$T/e"
rc=$?
check '[ $rc = 0 ] && grep -q "already issued" "$T/o"' "asked again: already issued (rc $rc: $(cat "$T/o"))"
check '[ "$(q "select count(*) from documents where kind = '"'proforma'"'")" = 1 ]' "still one proforma"

"$P" --config "$T/p.ini" docs issue "$ZK" >"$T/o" 2>"$T/e"
rc=$?
check '[ $rc = 0 ] && grep -q "FV/2026/0001" "$T/o"' "by the rules: the invoice (rc $rc)"
"$P" --config "$T/p.ini" process >"$T/o2" 2>&1
check '[ "$(q "select count(*) from documents where kind = '"'invoice'"'")" = 1 ]' \
	"process after the command: no second invoice"
"$P" --config "$T/p.ini" docs issue "$ZK" --kind invoice >"$T/o" 2>"$T/e"
check '[ "$(q "select count(*) from documents where kind = '"'invoice'"'")" = 1 ]' \
	"the command after process: no second invoice"
check '[ "$(q "select count(*) from jobs where kind = '"'document'"' and idem_key like '"'invoice:%'"'")" = 1 ]' \
	"one journal job for the invoice"

# a consumer who asks for an invoice after all
"$P" --config "$T/p.ini" docs issue shop:10043 --kind invoice >"$T/o" 2>"$T/e"
check '[ "$(q "select count(*) from documents d join orders o on o.id = d.order_id where o.number <> '"'$ZK'"' and d.kind = '"'invoice'"' and d.state = '"'issued'"'")" = 1 ]' \
	"a consumer's order gets the invoice asked for ($(cat "$T/e"))"
"$P" --config "$T/p.ini" docs issue NO/SUCH >"$T/o" 2>"$T/e"
rc=$?
check '[ $rc = 1 ]' "an unknown order is an input error (rc $rc)"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
