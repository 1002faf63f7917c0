#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/sh/test_time64.sh - the agent uses no library call whose ABI breaks
# with a 64-bit time_t on Debian 12 armhf (list and reasons:
# cross/time64-abi.txt; the decision: cross/arm-linux-gnueabihf.cmake).
#
# Checks (1) every ELF program of the build (PL_BIN: packline, tests,
# helpers) for an undefined symbol on the list - readelf works for any
# architecture, so scripts/cross-build.sh runs this on the armhf build too -
# and (2) the agent's C sources for the listed patterns (curl options passed
# through varargs, SQL 'now'). A self-check first proves the symbol scan sees
# a banned call in a freshly compiled object.
# Env: PL_SRC, PL_BIN (from CTest), PACKLINE.
set -uo pipefail
src=${PL_SRC:?PL_SRC not set}
bin=${PL_BIN:?PL_BIN not set}
list=$src/cross/time64-abi.txt
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

syms=() sym_why=() pats=() pat_why=()
while IFS= read -r line; do
	case "$line" in '#'* | '') continue ;; esac
	kind=${line%% *}
	rest=${line#* }
	name=${rest%% | *}
	why=${rest#* | }
	why="${why%% | *}; use instead: ${why#* | }"
	case "$kind" in
	sym) syms+=("$name"); sym_why+=("$why") ;;
	src) pats+=("$name"); pat_why+=("$why") ;;
	*) bad "time64-abi.txt: unknown kind '$kind'" ;;
	esac
done <"$list"
[ ${#syms[@]} -ge 10 ] && ok || bad "time64-abi.txt: only ${#syms[@]} symbols"
[ ${#pats[@]} -ge 2 ] && ok || bad "time64-abi.txt: only ${#pats[@]} patterns"

# Library functions an ELF file calls, one per line, without @version: its
# undefined symbols, and its global functions - libcurl and libcups are not
# linked but reached through stubs under the library's own names
# (base/lazylib.h), so a banned call shows up as a defined stub.
undefined() {
	readelf -sW "$1" 2>/dev/null | awk '$8 != "" && ($7 == "UND" || ($4 == "FUNC" && $5 == "GLOBAL")) {sub(/@.*/, "", $8); print $8}' | sort -u
}

# banned symbols among the undefined symbols of $1 (prints "sym: why")
scan() {
	local und i
	und=$(undefined "$1")
	for i in "${!syms[@]}"; do
		if grep -qx -- "${syms[$i]}" <<<"$und"; then
			echo "${syms[$i]}: ${sym_why[$i]}"
		fi
	done
}

# (0) self-check: the scanner must see a banned call in an object file
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'long curl_getdate(const char *, const long *);\nlong f(void);\nlong f(void) { return curl_getdate("x", 0); }\n' >"$tmp/bad.c"
if cc -c "$tmp/bad.c" -o "$tmp/bad.o" 2>/dev/null; then
	[ -n "$(scan "$tmp/bad.o")" ] && ok || bad "self-check: scanner missed curl_getdate in bad.o"
else
	bad "self-check: cannot compile with cc"
fi
# ... and a banned call reached through a lazy stub (a defined function under the library's name)
printf 'long cupsGetJobs(void);\nlong cupsGetJobs(void) { return 0; }\n' >"$tmp/stub.c"
if cc -c "$tmp/stub.c" -o "$tmp/stub.o" 2>/dev/null; then
	[ -n "$(scan "$tmp/stub.o")" ] && ok || bad "self-check: scanner missed a cupsGetJobs stub in stub.o"
else
	bad "self-check: cannot compile with cc"
fi

# (1) every ELF program in the build
n=0
while IFS= read -r -d '' f; do
	head -c4 "$f" 2>/dev/null | grep -q $'\x7fELF' || continue
	n=$((n + 1))
	hits=$(scan "$f")
	if [ -n "$hits" ]; then
		bad "${f#"$bin"/} imports a time64-unsafe call:"
		echo "$hits" | sed 's/^/    /'
	else
		ok
	fi
done < <(find "$bin" -path "$bin/CMakeFiles" -prune -o -type f -perm -u+x -print0)
[ "$n" -ge 1 ] && ok || bad "no ELF program found under $bin"
if [ -n "${PACKLINE:-}" ] && [ -f "$PACKLINE" ]; then
	readelf -h "$PACKLINE" >/dev/null 2>&1 && ok || bad "PACKLINE $PACKLINE is not ELF"
fi

# (2) sources of the agent (tests may mention the patterns to test them)
for i in "${!pats[@]}"; do
	hits=$(grep -rnE --include='*.c' --include='*.h' -- "${pats[$i]}" \
		"$src"/base "$src"/fiscal "$src"/labels "$src"/drivers "$src"/connectors "$src"/agent 2>/dev/null |
		grep -vE '^[^:]+:[0-9]+:[[:space:]]*(\*|/\*|//)')
	if [ -n "$hits" ]; then
		bad "source uses '${pats[$i]}' (${pat_why[$i]}):"
		echo "$hits" | sed "s|^$src/|    |"
	else
		ok
	fi
done

echo "checked $n ELF programs in ${bin##*/} against ${#syms[@]} symbols and ${#pats[@]} source patterns"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
