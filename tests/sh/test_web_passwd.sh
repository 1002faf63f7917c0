#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/sh/test_web_passwd.sh - #22: `packline web passwd` reads a password on
# stdin and prints a salted scrypt hash for [web] password_hash (never the
# password); too short or too long is bad input, an argument is usage.
set -u
P=${PACKLINE:?PACKLINE not set}
pass=0
fail=0
check() { if eval "$1"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $2"; fi; }
T=$(mktemp -d /tmp/test_web_passwd.XXXXXX)
trap 'rm -rf "$T"' EXIT

echo 'correct horse battery' | "$P" web passwd >"$T/h1" 2>"$T/e"
check '[ $? = 0 ]' "a hash is printed ($(cat "$T/e"))"
check 'grep -Eq "^\\\$scrypt\\\$ln=15,r=8,p=1\\\$[0-9a-f]{32}\\\$[0-9a-f]{64}\$" "$T/h1"' "in the scrypt format ($(cat "$T/h1"))"
check '! grep -q "horse" "$T/h1" "$T/e"' "the password is not printed"
echo 'correct horse battery' | "$P" web passwd >"$T/h2" 2>/dev/null
check '! cmp -s "$T/h1" "$T/h2"' "salted: the same password hashes differently"
echo 'short' | "$P" web passwd >"$T/o" 2>"$T/e"
check '[ $? = 1 ] && grep -q "at least 8" "$T/e" && [ ! -s "$T/o" ]' "a short password is refused"
head -c 2000 /dev/zero | tr '\0' x | "$P" web passwd >"$T/o" 2>"$T/e"
check '[ $? = 1 ] && grep -q "longer than" "$T/e"' "an oversized password is refused"
"$P" web passwd extra </dev/null >"$T/o" 2>"$T/e"
check '[ $? = 2 ]' "an argument is a usage error"

echo "test_web_passwd: $pass passed, $fail failed"
[ "$fail" = 0 ]
