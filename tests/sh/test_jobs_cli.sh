#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/sh/test_jobs_cli.sh - `packline jobs` and `packline audit` on a real
# store: bad filters exit 2, an unknown held job is listed as held, resolve
# needs a reason, settles it and is audited with the --as name.
# A failed job is re-armed by `jobs retry` (audited); a done one is not.
# The end-to-end undecidable receipt over the simulator: test_jobs_undecidable.sh.
set -euo pipefail
P=${PACKLINE:?}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
DB="sqlite:$T/s.db"
fail() { echo "FAIL: $*"; exit 1; }

rc=0; "$P" --store "$DB" jobs list --state bogus 2>"$T/err" || rc=$?
[ "$rc" = 2 ] || fail "bad --state exit $rc"
grep -q 'valid: pending' "$T/err" || fail "no valid states listed"
"$P" --store "$DB" jobs list --kind fiscal_return >/dev/null || fail "--kind fiscal_return refused"
rc=0; "$P" --store "$DB" jobs list --kind bogus 2>"$T/err" || rc=$?
[ "$rc" = 2 ] && grep -q 'valid: receipt, fiscal_return, document, label' "$T/err" || fail "bad --kind: exit $rc"
rc=0; "$P" --store "$DB" jobs list --limit 0 2>/dev/null || rc=$?
[ "$rc" = 2 ] || fail "--limit 0 exit $rc"

sqlite3 "$T/s.db" "INSERT INTO jobs(order_id, kind, state, attempt, idem_key, request, created, updated, resource, owner, lease_until, not_before, doc_id) VALUES (0, 'receipt', 'unknown', 1, 'receipt:t:9', '{}', 1, 1, 'printer:fiscal', '', 0, 9223372036854775807, 0);"
"$P" --store "$DB" jobs list --state unknown >"$T/out"
grep -q 'receipt:t:9 .*unknown *yes' "$T/out" || { cat "$T/out"; fail "held job not listed as held"; }
"$P" --store "$DB" jobs show 1 | grep -q 'held:' || fail "show does not say held"
rc=0; "$P" --store "$DB" jobs resolve 1 --done 2>/dev/null || rc=$?
[ "$rc" = 2 ] || fail "resolve without --reason exit $rc"
"$P" --store "$DB" jobs resolve 1 --done --reason "paper copy seen" --as tester >/dev/null
[ "$(sqlite3 "$T/s.db" "SELECT state FROM jobs WHERE id = 1")" = done ] || fail "not done"
"$P" --store "$DB" audit | grep -q 'tester .*job.resolve' || fail "no audit row"
rc=0; "$P" --store "$DB" jobs resolve 1 --failed --reason again 2>/dev/null || rc=$?
[ "$rc" = 1 ] || fail "second resolve exit $rc"

# jobs retry: a failed job goes back to pending with a new attempt, audited
sqlite3 "$T/s.db" "INSERT INTO jobs(order_id, kind, state, attempt, idem_key, request, created, updated, resource, owner, lease_until, not_before, doc_id) VALUES (0, 'document', 'failed', 1, 'document:t:10', '{}', 1, 1, '', '', 0, 0, 0);"
id=$(sqlite3 "$T/s.db" "SELECT id FROM jobs WHERE idem_key = 'document:t:10'")
"$P" --store "$DB" jobs retry "$id" --reason "printer fixed" --as ola >"$T/out" 2>&1 || { cat "$T/out"; fail "retry of a failed job"; }
[ "$(sqlite3 "$T/s.db" "SELECT state || ' ' || attempt FROM jobs WHERE id = $id")" = "pending 2" ] ||
	fail "retry: $(sqlite3 "$T/s.db" "SELECT state || ' ' || attempt FROM jobs WHERE id = $id")"
"$P" --store "$DB" audit | grep -q 'ola .*job.retry' || fail "no audit row for the retry"
rc=0; "$P" --store "$DB" jobs retry 1 2>/dev/null || rc=$?
[ "$rc" = 1 ] || fail "retry of a done job exit $rc"
rc=0; "$P" --store "$DB" jobs show 999 2>/dev/null || rc=$?
[ "$rc" != 0 ] || fail "show of a missing job exits 0"
echo "test_jobs_cli: ok"
