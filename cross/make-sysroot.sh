#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# cross/make-sysroot.sh ARCH [DIR] - a Debian 12 sysroot of -dev packages for
# cross-compiling packline (ARCH: arm64 or armhf).
#
# Why not multiarch (dpkg --add-architecture)? `Multi-Arch: same` packages must
# have the host's exact version: for arm64 that upgrades ~45 host packages, and
# for armhf it fails outright when the security suite has no armhf index
# (shared/research/hands-on.md §5, §5b). mmdebstrap --variant=extract only
# unpacks the .debs (no maintainer scripts, so no emulation) into DIR.
#
# The package list is cross/sysroot-packages.txt plus every lib*-dev line of
# scripts/bootstrap-packages.txt. DIR (default .sysroot/ARCH in the repo,
# git-ignored) holds a stamp of that list: an unchanged list is a no-op, a
# changed one rebuilds beside the old sysroot and swaps it in, so an
# interrupted run never leaves a half sysroot behind.
#
# Env: PL_DEBIAN_MIRROR (default: the host's own Debian mirror), PL_QUIET=1.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
arch=${1:?usage: make-sysroot.sh arm64|armhf [DIR]}
case "$arch" in
arm64 | armhf) ;;
*) echo "make-sysroot: unknown arch '$arch' (arm64, armhf)" >&2; exit 2 ;;
esac
dir=${2:-${PL_SYSROOT_BASE:-$root/.sysroot}/$arch}
suite=bookworm

say() { [ "${PL_QUIET:-0}" = 1 ] || echo "make-sysroot: $*" >&2; }

packages() {
	local f line
	for f in "$here/sysroot-packages.txt" "$root/scripts/bootstrap-packages.txt"; do
		[ -f "$f" ] || continue
		while IFS= read -r line; do
			line=${line%%#*}
			line=${line//[[:space:]]/}
			[ -n "$line" ] || continue
			# from the host list take only libraries' -dev packages
			if [ "$f" != "$here/sysroot-packages.txt" ]; then
				case "$line" in lib*-dev) ;; *) continue ;; esac
			fi
			echo "$line"
		done <"$f"
	done | sort -u
}

mirror() {
	if [ -n "${PL_DEBIAN_MIRROR:-}" ]; then
		echo "$PL_DEBIAN_MIRROR"
		return
	fi
	# The machine's own mirror (deb822 first, then one-line format), so CI
	# uses whatever proxy/snapshot the host is configured for.
	local u
	u=$(awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
	[ -n "$u" ] || u=$(awk '$1 == "deb" && $0 !~ /security/ {for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) {print $i; exit}}' \
		/etc/apt/sources.list 2>/dev/null || true)
	echo "${u:-http://deb.debian.org/debian}"
}

mapfile -t pkgs < <(packages)
# the stamp names this script too: a changed recipe rebuilds the sysroot
stamp="suite=$suite arch=$arch recipe=$(sha256sum "$0" | cut -c1-16) packages=${pkgs[*]}"
if [ -f "$dir/.packline-sysroot" ] && [ "$(cat "$dir/.packline-sysroot")" = "$stamp" ]; then
	say "$dir is up to date"
	exit 0
fi

command -v mmdebstrap >/dev/null || {
	echo "make-sysroot: mmdebstrap is missing (apt-get install mmdebstrap)" >&2
	exit 1
}
m=$(mirror)
tmp="$dir.new.$$"
trap 'rm -rf "$tmp"' EXIT
rm -rf "$tmp"
mkdir -p "$(dirname "$dir")"
say "building $arch sysroot (${#pkgs[@]} packages) from $m"
# Security suite left out on purpose: on this mirror it has no armhf index.
# Its fixes do not matter for a link-time sysroot (the target installs its
# own libraries from its own archive).
log="$(dirname "$dir")/mmdebstrap-$arch.log"
if ! mmdebstrap --quiet --arch="$arch" --variant=extract \
	--include="$(IFS=,; echo "${pkgs[*]}")" \
	"$suite" "$tmp" "deb $m $suite main" "deb $m $suite-updates main" >"$log" 2>&1; then
	tail -n 30 "$log" >&2
	echo "make-sysroot: mmdebstrap failed (log: $log)" >&2
	exit 1
fi

# Absolute symlinks (e.g. lib/…/libfoo.so -> /lib/…/libfoo.so.1) would point
# into the HOST's /lib when the linker follows them; make those whose target
# is in the sysroot relative to it.
while IFS= read -r -d '' l; do
	t=$(readlink "$l")
	case "$t" in
	/*) if [ -e "$tmp$t" ] || [ -L "$tmp$t" ]; then
		ln -sfn "$(realpath -s -m --relative-to="$(dirname "$l")" "$tmp$t")" "$l"
	fi ;;
	esac
done < <(find "$tmp" -type l -print0)

# qemu-user's -L prefix makes the guest open SYSROOT/x before /x: device
# nodes and host identity files here would shadow the host's (an unusable
# dev/ptmx breaks openpty under qemu with ENODEV). A link-time sysroot needs
# none of them.
rm -rf "$tmp/dev" "$tmp/proc" "$tmp/sys" "$tmp/run" "$tmp/tmp" \
	"$tmp/etc/resolv.conf" "$tmp/etc/hosts" "$tmp/etc/hostname" "$tmp/etc/localtime" \
	"$tmp/etc/timezone" "$tmp/etc/mtab"

# Nor any guest program: the -dev packages pull in e.g. python3 (libglib2.0-dev-bin
# for HarfBuzz), and a test's exec of /usr/bin/python3 (the host's fake servers)
# would be opened under the prefix and fail as a foreign ELF.
rm -rf "$tmp/usr/bin" "$tmp/bin" "$tmp/usr/sbin" "$tmp/sbin" 2>/dev/null || true

# Extract-only leaves apt's downloads and lists: not needed for linking.
rm -rf "$tmp/var/cache/apt/archives"/*.deb "$tmp/var/lib/apt/lists"/* 2>/dev/null || true
echo "$stamp" >"$tmp/.packline-sysroot"
rm -rf "$dir.old"
[ -d "$dir" ] && mv "$dir" "$dir.old"
mv "$tmp" "$dir"
rm -rf "$dir.old"
trap - EXIT
say "$arch sysroot ready: $dir ($(du -sh "$dir" | cut -f1))"
