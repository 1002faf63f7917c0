#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/sh/test_docs_correct.sh - #19: `docs correct DOC (--full | --line
# SKU:QTY ... [--shipping]) --reason R`: a correction of the invoice by line
# and quantity (4 x 42.99 + 2 x 36.50 + 19.90 shipping invoiced): 3 of
# GL-5KG back is -128.97; --full then takes all that is left, the shipping
# included; a third one finds nothing left; a wrong SKU, a document that is
# not the sale, and a missing reason are refused and change nothing.
set -u
P=${PACKLINE:?PACKLINE not set}
SRC=${PL_SRC:?}
pass=0
fail=0
check() { if eval "$1"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $2"; fi; }
T=$(mktemp -d /tmp/test_docs_correct.XXXXXX)
trap 'rm -rf "$T"' EXIT
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
q() { sqlite3 "$T/p.db" "$1"; }
{
	cat "$SRC/examples/packline.ini"
	printf '\n[packline]\nstore = sqlite:%s/p.db\n' "$T"
} >"$T/p.ini"
"$P" --config "$T/p.ini" orders import "$SRC/examples/orders/01-company-nip-invoice.json" >/dev/null
"$P" --config "$T/p.ini" process >"$T/out1" 2>&1
check '[ "$(q "select number || '"' '"' || total_gross from documents")" = "FV/2026/0001 26486" ]' \
	"the invoice: 264.86 ($(q "select number, total_gross from documents"))"
ndocs() { q "select count(*) from documents"; }

"$P" --config "$T/p.ini" docs correct FV/2026/0001 --line GL-5KG:3 >"$T/o" 2>"$T/e"
rc=$?
check '[ $rc = 2 ]' "a reason is required (usage, got $rc)"
"$P" --config "$T/p.ini" docs correct FV/2026/0001 --full --line GL-5KG:1 --reason x >"$T/o" 2>"$T/e"
rc=$?
check '[ $rc = 2 ]' "--full with --line is a usage error (got $rc)"
"$P" --config "$T/p.ini" docs correct FV/2026/0001 --line KUBEK:1 --reason x >"$T/o" 2>"$T/e"
rc=$?
check '[ $rc = 1 ] && grep -q "SKU one of the lines of FV/2026/0001" "$T/e"' "an unknown SKU is named (rc $rc)"
"$P" --config "$T/p.ini" docs correct FV/2026/0001 --line GL-5KG:5 --reason x >"$T/o" 2>"$T/e"
rc=$?
check '[ $rc = 1 ]' "more than was invoiced is refused (rc $rc: $(cat "$T/e"))"
check '[ "$(ndocs)" = 1 ]' "refusals issue nothing"

"$P" --config "$T/p.ini" docs correct FV/2026/0001 --line GL-5KG:3 --reason "3 bags torn" --as ola >"$T/o" 2>"$T/e"
rc=$?
check '[ $rc = 0 ]' "a partial correction by SKU (rc $rc: $(cat "$T/e"))"
check '[ "$(q "select total_gross from documents where kind = '"'correction'"'")" = -12897 ]' \
	"takes back 3 x 42.99 = -128.97 ($(q "select total_gross from documents where kind = 'correction'"))"
kor=$(q "select number from documents where kind = 'correction'")
check 'grep -q "$kor" "$T/o"' "the output names the correction ($kor)"
"$P" --config "$T/p.ini" audit >"$T/audit"
check 'grep -q "ola .*order.return" "$T/audit" && grep -q "3 bags torn" "$T/audit"' "audited with who and why"

"$P" --config "$T/p.ini" docs correct "$kor" --full --reason "x" >"$T/o" 2>"$T/e"
rc=$?
check '[ $rc = 1 ] && grep -q "not the document that sold the goods" "$T/e"' "a correction is not corrected itself (rc $rc)"

"$P" --config "$T/p.ini" docs correct FV/2026/0001 --full --reason "order cancelled" >"$T/o" 2>"$T/e"
rc=$?
check '[ $rc = 0 ]' "--full takes all that is left (rc $rc: $(cat "$T/e"))"
check '[ "$(q "select sum(total_gross) from documents where kind = '"'correction'"'")" = -26486 ]' \
	"the corrections add up to the invoice, shipping included ($(q "select sum(total_gross) from documents where kind = 'correction'"))"
"$P" --config "$T/p.ini" docs correct FV/2026/0001 --full --reason "again" >"$T/o" 2>"$T/e"
rc=$?
check '[ $rc = 1 ] && grep -q "taken back already" "$T/e"' "nothing left: refused (rc $rc: $(cat "$T/e"))"
check '[ "$(ndocs)" = 3 ]' "three documents in all"
check '[ "$(q "select count(*) from jobs where state <> '"'done'"'")" = 0 ]' "every journal job done"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
