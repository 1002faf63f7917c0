#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/sh/test_packaging.sh - build the .deb of this build (amd64 in the host
# build) with CPack and check what a station gets: files and modes, the
# conffile, control fields (Depends against dpkg-shlibdeps), the systemd
# unit (systemd-analyze verify), the udev rules, the man page (man -l and
# groff warnings), the default configuration (packline config check), and
# the maintainer scripts run against logging stand-ins for adduser,
# systemctl, udevadm ... (so the test creates no user on this machine).
# Env: PL_SRC, PL_BIN, PACKLINE.
set -uo pipefail
src=${PL_SRC:?} bin=${PL_BIN:?}
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
check() { # check DESCRIPTION CMD...
	local what=$1
	shift
	if "$@"; then ok; else bad "$what"; fi
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# --- build the package (cpack builds what is missing first)
if ! cpack -G DEB --config "$bin/CPackConfig.cmake" -D CPACK_OUTPUT_FILE_PREFIX="$tmp/out" \
	>"$tmp/cpack.log" 2>&1 || ! ls "$tmp"/out/packline_*.deb >/dev/null 2>&1; then
	tail -20 "$tmp/cpack.log"
	bad "cpack failed"
	echo "$pass passed, $fail failed"
	exit 1
fi
deb=$(ls "$tmp"/out/packline_*.deb 2>/dev/null | head -1)
check "one .deb produced" test "$(ls "$tmp"/out/*.deb | wc -l)" -eq 1
dpkg-deb -x "$deb" "$tmp/root"
dpkg-deb -e "$deb" "$tmp/ctl"
field() { dpkg-deb -f "$deb" "$1"; }

# --- control fields
check "Package" test "$(field Package)" = packline
arch=$(dpkg --print-architecture)
check "Architecture $arch" test "$(field Architecture)" = "$arch"
check "Version from CMake" grep -qx "$(field Version)" <(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$bin/CMakeCache.txt")
depends=$(field Depends)
check "Depends has adduser (postinst)" grep -q 'adduser' <<<"$depends"
# every package dpkg-shlibdeps finds for the packaged binary is in Depends
mkdir -p "$tmp/shl/debian" && touch "$tmp/shl/debian/control"
shl=$(cd "$tmp/shl" && dpkg-shlibdeps -O "$tmp/root/usr/bin/packline" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
check "dpkg-shlibdeps ran" test -n "$shl"
for p in $(tr ',|' '\n\n' <<<"$shl" | sed 's/(.*//; s/ //g' | grep -v '^$' | sort -u); do
	check "Depends lists $p (dpkg-shlibdeps)" grep -qE "(^|, )$p( |,|$)" <<<"$depends"
done
# libcurl and libcups are opened on first use, in a sidecar process
# (base/lazylib.h): never NEEDED, so the idle agent does not map them; but the
# package still depends on them
needed=$(readelf -dW "$tmp/root/usr/bin/packline" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
for so in libcurl libcups; do
	check "$so is not NEEDED (loaded on first use)" bash -c "! grep -q '^$so' <<<'$needed'"
done
check "Depends lists libcurl4 (dlopen)" grep -qE '(^|, )libcurl4 ' <<<"$depends"
check "Depends lists libcups2 (dlopen)" grep -qE '(^|, )libcups2 ' <<<"$depends"

# --- files, owners, modes
for f in usr/bin/packline etc/packline/packline.ini lib/systemd/system/packline.service \
	lib/udev/rules.d/60-packline.rules usr/share/man/man1/packline.1.gz \
	usr/share/doc/packline/copyright; do
	check "file /$f" test -f "$tmp/root/$f"
done
listing=$(dpkg-deb -c "$deb")
check "packline is 0755 root" grep -qE '^-rwxr-xr-x root/root .* \./usr/bin/packline$' <<<"$listing"
check "config is not world-readable (API tokens)" grep -qE '^-rw-r----- root/root .* \./etc/packline/packline.ini$' <<<"$listing"
check "binary is stripped" bash -c "! readelf -S '$tmp/root/usr/bin/packline' | grep -q '\.debug_info'"
check "no file under /usr/local" bash -c "! grep -q '\./usr/local' <<<\"\$0\"" "$listing"

# --- conffile: the default config survives upgrades
check "conffiles names the config" grep -qx '/etc/packline/packline.ini' "$tmp/ctl/conffiles"
check "conffiles has nothing else" test "$(wc -l <"$tmp/ctl/conffiles")" -eq 1
for s in postinst prerm postrm; do
	check "$s is executable" test -x "$tmp/ctl/$s"
	check "$s is valid sh" sh -n "$tmp/ctl/$s"
done

# --- default configuration loads in this very binary
if out=$("${PACKLINE:?}" config check "$tmp/root/etc/packline/packline.ini" 2>&1); then
	ok
else
	bad "packline config check on the packaged default: $out"
fi
check "config uses the service state dir" grep -q '^store *= *sqlite:/var/lib/packline/' "$tmp/root/etc/packline/packline.ini"

# --- systemd unit: verified with the built binary standing in for /usr/bin/packline
unit=$tmp/root/lib/systemd/system/packline.service
check "unit runs as packline" grep -qx 'User=packline' "$unit"
check "unit gets the device groups" grep -qx 'SupplementaryGroups=dialout lp input' "$unit"
check "unit starts /usr/bin/packline with the config" grep -q '^ExecStart=/usr/bin/packline --config /etc/packline/packline.ini' "$unit"
check "unit has a state dir" grep -qx 'StateDirectory=packline' "$unit"
if command -v systemd-analyze >/dev/null; then
	sed "s|/usr/bin/packline|$PACKLINE|g" "$unit" >"$tmp/packline.service"
	v=$(systemd-analyze verify --man=no "$tmp/packline.service" 2>&1)
	if [ -z "$v" ]; then ok; else bad "systemd-analyze verify: $v"; fi
else
	echo "skip: systemd-analyze not installed (unit checked by grep only)"
fi

# --- udev rules: every rule line is KEY[{ATTR}]OP"VALUE" pairs; the groups/modes we promise
rules=$tmp/root/lib/udev/rules.d/60-packline.rules
pair='[A-Z_]+(\{[^}]+\})?(==|!=|=|\+=|:=)"[^"]*"'
badlines=$(grep -vE '^[[:space:]]*(#|$)' "$rules" | grep -vE "^$pair(, $pair)*$")
check "udev rules syntax${badlines:+: $badlines}" test -z "$badlines"
check "udev: USB printer class -> group packline" grep -qE 'ID_USB_INTERFACES\}=="\*:07\?\?\?\?:\*".*GROUP="packline"' "$rules"
check "udev: hidraw scanners -> group packline" grep -qE 'SUBSYSTEM=="hidraw".*GROUP="packline"' "$rules"
check "udev: serial ports named" grep -qE 'ttyS\[0-9\]\*\|ttyUSB\[0-9\]\*\|ttyACM\[0-9\]\*' "$rules"

# --- man page
man=$tmp/root/usr/share/man/man1/packline.1.gz
txt=$(MANWIDTH=80 man -l "$man" 2>/dev/null | col -b)
check "man -l renders NAME" grep -q '^NAME' <<<"$txt"
check "man page names the config file" grep -q '/etc/packline/packline.ini' <<<"$txt"
check "man page has the exit codes" grep -qE '^ +70' <<<"$txt"
gw=$(zcat "$man" | groff -man -Tutf8 -ww -z 2>&1)
check "groff -ww: no warnings${gw:+: $gw}" test -z "$gw"
# every command the binary knows is in the man page
cmds=$("$PACKLINE" --help 2>/dev/null | sed -n '/^commands:/,/^$/p' |
	sed -n 's/^  \([a-z]\+\)\( [a-z]\+\)\?\( .*\)\?$/\1\2/p' | sort -u)
check "packline --help lists commands" test -n "$cmds"
while IFS= read -r c; do
	[ -n "$c" ] || continue
	check "man page documents '$c'" grep -q "^ *$c\b" <<<"$txt"
done <<<"$cmds"

# --- maintainer scripts against stand-ins that log their arguments
fake=$tmp/fake
mkdir -p "$fake"
for c in adduser addgroup useradd groupadd usermod deluser delgroup userdel groupdel install chown \
	chmod dpkg-statoverride udevadm systemctl deb-systemd-helper; do
	printf '#!/bin/sh\necho "%s $*" >>"%s/calls"\nexit 0\n' "$c" "$tmp" >"$fake/$c"
done
# getent: the user and group exist only when FAKE_USER_EXISTS=1; system groups always
cat >"$fake/getent" <<'G'
#!/bin/sh
case "$2" in
packline) [ "${FAKE_USER_EXISTS:-0}" = 1 ] ;;
dialout | lp | input) exit 0 ;;
*) exit 2 ;;
esac
G
# no statoverride registered: postinst sets the config's owner itself
printf '#!/bin/sh\necho "dpkg-statoverride $*" >>"%s/calls"\nexit 1\n' "$tmp" >"$fake/dpkg-statoverride"
chmod +x "$fake"/*
run_script() { # run_script NAME ARGS... (PATH: stand-ins first)
	: >"$tmp/calls"
	PATH="$fake:/usr/bin:/bin" sh "$tmp/ctl/$1" "${@:2}" >"$tmp/script.out" 2>&1
}
check "postinst configure (first install) exits 0" run_script postinst configure
calls=$(cat "$tmp/calls")
check "first install creates the system group" grep -q '^addgroup --system --quiet packline' <<<"$calls"
check "first install creates the system user" grep -qE '^adduser --system .*--ingroup packline --home /var/lib/packline .*packline$' <<<"$calls"
for g in dialout lp input; do
	check "user joins $g" grep -qx "adduser --quiet packline $g" <<<"$calls"
done
check "state dir owned by packline" grep -q '^install -d -o packline -g packline -m 0750 /var/lib/packline' <<<"$calls"
check "config readable by group packline" grep -qx 'chown root:packline /etc/packline/packline.ini' <<<"$calls"
check "service enabled" grep -qx 'deb-systemd-helper enable packline.service' <<<"$calls"
check "not started on first install" bash -c "! grep -q 'restart' <<<\"\$0\"" "$calls"
check "first install tells the operator what to do" grep -q 'systemctl start packline' "$tmp/script.out"
FAKE_USER_EXISTS=1 run_script postinst configure 0.0.9 && ok || bad "postinst upgrade exits 0"
calls=$(cat "$tmp/calls")
check "upgrade creates no user" bash -c "! grep -q -- '--system' <<<\"\$0\"" "$calls"
check "upgrade keeps group memberships" grep -qx 'adduser --quiet packline dialout' <<<"$calls"
FAKE_USER_EXISTS=1 run_script postrm remove && ok || bad "postrm remove exits 0"
check "remove keeps the user" bash -c "! grep -q '^deluser' \"\$0\"" "$tmp/calls"
if [ ! -e /var/lib/packline ]; then
	FAKE_USER_EXISTS=1 run_script postrm purge && ok || bad "postrm purge exits 0"
	check "purge without data removes the user" grep -q '^deluser --system --quiet packline' "$tmp/calls"
	check "purge forgets the unit" grep -qx 'deb-systemd-helper purge packline.service' "$tmp/calls"
fi
run_script prerm remove && ok || bad "prerm remove exits 0"

echo "package: $(basename "$deb"), $(stat -c %s "$deb") bytes; Depends: $depends"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
