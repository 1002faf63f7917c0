#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/sh/test_usb_umockdev.sh - the real libusb path of labels/print_usb.c
# against a fake Zebra (0a5f:00d3) under umockdev: tests/umockdev/zebra.umockdev
# describes the device, an ioctl script (usbdevfs URBs) expects the exact label
# bytes. umockdev's usbdevfs does not support kernel-driver auto-detach, so
# this also proves the fallback to a plain claim (without it: "cannot claim
# interface 0: LIBUSB_ERROR_OTHER"). The fake-transfer tests are in
# tests/unit/test_labels_print.c.
#
# umockdev works through LD_PRELOAD, so only for native binaries: under the
# cross (qemu-user) runs this test skips (exit 77, ctest SKIP_RETURN_CODE).
# Natively a missing umockdev-run is a failure, never a skip.
set -u
if [ "${PL_CROSSCOMPILING:-}" = TRUE ] || [ "${PL_CROSSCOMPILING:-}" = ON ] ||
	[ "${PL_CROSSCOMPILING:-}" = 1 ]; then
	echo "SKIP: umockdev intercepts via LD_PRELOAD, which does not reach binaries run under qemu-user"
	exit 77
fi
SRC=${PL_SRC:?}
BIN=${PL_BIN:?}/tests
if ! command -v umockdev-run >/dev/null; then
	echo "FAIL: umockdev-run missing (scripts/bootstrap-packages.txt lists umockdev)" >&2
	exit 1
fi
# umockdev-run preloads its own library (LD_PRELOAD) ahead of the sanitizer
# runtime; ASan then refuses to start unless told the order is fine.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
DEV=/dev/bus/usb/001/002

# The label (253 bytes of ZPL, as in the defect report) and the hand-written
# script that expects exactly its bytes in one bulk OUT URB (type 3,
# endpoint 0x01); the check below keeps the two in step.
LABEL=$SRC/tests/umockdev/label.zpl
n=$(stat -c %s "$LABEL")
hex=$(od -An -tx1 -v "$LABEL" | tr -d ' \n' | tr a-f A-F)
grep -q "^USBDEVFS_REAPURBNDELAY 0 3 1 0 0 $n $n 0 $hex\$" "$SRC/tests/umockdev/zebra.ioctl" && ok ||
	bad "tests/umockdev/zebra.ioctl does not carry the bytes of label.zpl"
# the same script with the last label byte changed: the device sees other bytes
last=${hex: -2}
[ "$last" = 0B ] && other=0C || other=0B
sed "s/$last\$/$other/" "$SRC/tests/umockdev/zebra.ioctl" >"$T/bad.ioctl"
cmp -s "$SRC/tests/umockdev/zebra.ioctl" "$T/bad.ioctl" && bad "mismatched script equals the good one" || ok
run() { # run IOCTL [DEVNODE] -> $RC, $T/out, $T/err
	# timeout: a wrong reap ioctl name makes libusb loop forever (hands-on §6)
	timeout 60 umockdev-run -d "$SRC/tests/umockdev/zebra.umockdev" -i "$DEV=$1" -- \
		"$BIN/label_print" --timeout 3000 usb 0a5f 00d3 "${2:--}" "$LABEL" \
		>"$T/out" 2>"$T/err"
	RC=$?
}

# 1. exact bytes: the job completes
run "$SRC/tests/umockdev/zebra.ioctl"
[ "$RC" = 0 ] && ok || bad "exact label bytes: exit $RC: $(cat "$T/out" "$T/err")"
grep -q '^rc=OK .*state=completed' "$T/out" && ok || bad "exact bytes: job not completed: $(cat "$T/out")"
[ "$n" = 253 ] && ok || bad "label is $n bytes, want 253"
grep -q 'cannot claim' "$T/out" "$T/err" && bad "claim failed under umockdev (no auto-detach there): $(cat "$T/out")" || ok

# 2. mismatched bytes: reported failed as an I/O error, naming the libusb error
run "$T/bad.ioctl"
[ "$RC" = 1 ] && ok || bad "mismatched bytes: exit $RC, want 1 (failed)"
grep -q '^rc=PL_EIO .*transfer failed (I/O error) after 0 of 253 bytes' "$T/out" && ok ||
	bad "mismatched bytes: not reported as a failed I/O transfer: $(cat "$T/out")"
grep -q 'LIBUSB_ERROR_IO' "$T/err" && ok || bad "mismatched bytes: LIBUSB_ERROR_IO not named: $(cat "$T/err")"
grep -q 'state=completed' "$T/out" && bad "mismatched bytes reported completed" || ok

# 3. the configured device node: whatever umockdev makes of it, an I/O failure
#    is never worded "not found"
run "$SRC/tests/umockdev/zebra.ioctl" "$DEV"
if [ "$RC" = 0 ]; then
	ok
else
	grep -q 'not found' "$T/out" && bad "device node: an I/O error worded as not found: $(cat "$T/out")" || ok
	grep -q 'LIBUSB_ERROR_' "$T/out" && ok || bad "device node: libusb error not named: $(cat "$T/out")"
fi

# 4. another device id than the fake one: not found, exit 1
timeout 60 umockdev-run -d "$SRC/tests/umockdev/zebra.umockdev" -i "$DEV=$SRC/tests/umockdev/zebra.ioctl" -- \
	"$BIN/label_print" --timeout 3000 usb 0a5f 0001 - "$LABEL" >"$T/out" 2>"$T/err"
RC=$?
[ "$RC" = 1 ] && grep -q '^rc=PL_ENOTFOUND .*0a5f:0001 not found' "$T/out" && ok ||
	bad "absent device: exit $RC: $(cat "$T/out")"

echo "usb_umockdev: $pass passed, $fail failed"
[ "$fail" = 0 ]
