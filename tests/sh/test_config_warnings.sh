#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# issue #18 defect 9: a rule value outside a known set (status, payment type,
# payment status, currency) is a warning with a hint, exit 0; the shipped
# example configuration checks clean.
set -u
P=${PACKLINE:?}
SRC=${PL_SRC:?}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
has() { if grep -q -- "$2" "$1"; then ok; else bad "$3: '$2' not in output"; cat "$1" >&2; fi; }

printf '[rule "r"]\nwhen = status == "payed" and payment.type == "blick" and currency != "PLZ"\nissue = receipt\n' >"$T/w.ini"
"$P" config check "$T/w.ini" >"$T/out" 2>"$T/err"; rc=$?
[ "$rc" = 0 ] && ok || bad "config check with warnings: exit $rc, want 0"
has "$T/out" "w.ini:2: warning: rule \"r\": status \"payed\" is not a known order status (did you mean 'paid'?)" "status hint"
has "$T/out" "did you mean 'blik'?" "payment type hint"
has "$T/out" 'currency "PLZ" is not a known ISO 4217' "currency warning"
has "$T/out" "ok (1 rules)" "still ok"
"$P" rules check "$T/w.ini" >"$T/out" 2>"$T/err"; rc=$?
[ "$rc" = 0 ] && ok || bad "rules check with warnings: exit $rc, want 0"
has "$T/out" "did you mean 'paid'" "rules check shows the warning"

"$P" config check "$SRC/examples/packline.ini" >"$T/out" 2>"$T/err"; rc=$?
[ "$rc" = 0 ] && ok || bad "example config: exit $rc, want 0"
if grep -q "warning" "$T/out" "$T/err"; then bad "example config has warnings"; cat "$T/out" >&2; else ok; fi

echo "test_config_warnings: $pass passed, $fail failed"
[ "$fail" = 0 ]
