#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Install the Debian packages packline needs to build and test.
# Idempotent and quiet when everything is present. Packages: the base list
# below plus scripts/bootstrap-packages.txt (one per line, '#' comments).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

base=(build-essential cmake pkg-config git ca-certificates python3 sqlite3 clang clang-format
      libsqlite3-dev libcjson-dev libcurl4-openssl-dev libinih-dev)
extra=()
if [ -f "$here/bootstrap-packages.txt" ]; then
	while IFS= read -r line; do
		line=${line%%#*}
		line=$(echo "$line" | xargs)
		[ -n "$line" ] && extra+=("$line")
	done < "$here/bootstrap-packages.txt"
fi

missing=()
for p in "${base[@]}" "${extra[@]}"; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing+=("$p")
done
# npm: Debian's nodejs has no npm, NodeSource's has it built in (and
# conflicts with Debian's npm package): ask for it only when it is missing.
if ! command -v npm >/dev/null 2>&1; then
	missing+=(npm)
fi
if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)

SUDO=
if [ "$(id -u)" != 0 ]; then
	command -v sudo >/dev/null || { echo "bootstrap: run as root or install sudo" >&2; exit 1; }
	SUDO=sudo
fi
echo "bootstrap: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
