#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# tests/sh/test_label_visual.sh - the sample labels as a printer would draw them.
#
# Renders the golden ZPL of the sample templates (tests/golden/labels/, produced by test_label
# from examples/labels/*.zpl.tmpl) to PNG with an offline ZPL renderer (npm zpl-renderer-js,
# pinned in tests/visual/package-lock.json) and reads the barcodes back with zbarimg (Code 128,
# QR) and dmtxread (Data Matrix): they must decode to the tracking and order numbers. It also
# checks that no ink lands near the label's edge and that shortened text stays in its box.
#
# Needs node + npm, zbar-tools, dmtx-utils (scripts/bootstrap-packages.txt). When node or zbarimg
# is absent the test prints SKIP with the reason and "0 passed, 0 failed".
set -u
PL_SRC=${PL_SRC:?}
V="$PL_SRC/tests/visual"
G="$PL_SRC/tests/golden/labels"
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
check() { if eval "$1"; then ok; else bad "$2"; fi; }

for tool in node zbarimg; do
	if ! command -v "$tool" >/dev/null; then
		echo "SKIP: $tool is not installed (apt-get install nodejs zbar-tools); visual check not run"
		echo "0 passed, 0 failed"
		exit 0
	fi
done

# The renderer lives in tests/visual/node_modules (git-ignored), installed from the lock file.
if [ ! -f "$V/node_modules/zpl-renderer-js/package.json" ]; then
	if ! command -v npm >/dev/null; then
		echo "SKIP: npm is not installed; cannot install zpl-renderer-js"
		echo "0 passed, 0 failed"
		exit 0
	fi
	(cd "$V" && npm ci --no-audit --no-fund --loglevel=error) >&2 ||
		{ echo "FAIL: npm ci in tests/visual failed (network?)" >&2; echo "0 passed, 1 failed"; exit 1; }
fi
check '[ "$(node -p "require(\"$V/node_modules/zpl-renderer-js/package.json\").version")" = 3.4.0 ]' \
	"zpl-renderer-js is not the pinned 3.4.0"

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# decode NAME: the symbols zbarimg finds, sorted, one per line
decode() { zbarimg -q --raw "$T/$1.png" 2>/dev/null | sort; }
# ink NAME [X0 Y0 X1 Y1]: "W H" then the ink bounding box (or "none")
ink() { node "$V/pnginfo.cjs" "$T/$1.png" "${@:2}"; }

TRACK=602677154265080116782131
ORDER=ZK/2026/0042
URL=https://sklep.example/z/8812
NAMES="shipping-203 shipping-300 shipping-long-203 packing-203 packing-long-203"

# one node process renders them all (the WASM renderer loads once)
args=()
for n in $NAMES; do
	dpmm=8
	[[ $n == *-300 ]] && dpmm=12
	args+=("$G/$n.zpl" "$T/$n.png" "$dpmm")
done
if node "$V/render.cjs" "${args[@]}" 2>"$T/render.err"; then ok; else bad "render: $(cat "$T/render.err")"; fi
declare -A SIZE BBOX
for n in $NAMES; do
	out=$(ink "$n")
	SIZE[$n]=$(head -1 <<<"$out")
	BBOX[$n]=$(tail -1 <<<"$out")
done

# 1. the canvas is the label: 100x150 mm at 8 and 12 dots/mm, 100x50 mm
check '[ "${SIZE[shipping-203]}" = "799 1199" ]' "shipping-203 size: ${SIZE[shipping-203]}"
check '[ "${SIZE[shipping-300]}" = "1181 1772" ]' "shipping-300 size: ${SIZE[shipping-300]}"
check '[ "${SIZE[packing-203]}" = "799 400" ]' "packing-203 size: ${SIZE[packing-203]}"

# 2. every barcode reads back: tracking, order number, the order's URL
want=$(printf '%s\n' "$TRACK" "$ORDER" "$URL" | sort)
for n in shipping-203 shipping-300; do
	got=$(decode $n)
	check '[ "$got" = "$want" ]' "$n decodes to [$got], want [$want]"
done
got=$(decode shipping-long-203)
want=$(printf '%s\n' "$TRACK" ZK/2026/0043 https://sklep.example/z/8813 | sort)
check '[ "$got" = "$want" ]' "shipping-long-203 decodes to [$got], want [$want]"
got=$(decode packing-203)
check '[ "$got" = "$ORDER" ]' "packing-203 decodes to [$got]"
got=$(decode packing-long-203)
check '[ "$got" = ZK/2026/0043 ]' "packing-long-203 decodes to [$got]"

# 3. the Data Matrix (zbar cannot read it): dmtxread from dmtx-utils
if command -v dmtxread >/dev/null; then
	for n in shipping-203 shipping-300; do
		got=$(dmtxread -n -N1 "$T/$n.png" 2>/dev/null)
		check '[ "$got" = "$ORDER" ]' "$n Data Matrix decodes to [$got]"
	done
else
	echo "note: dmtxread missing (apt-get install dmtx-utils): Data Matrix not decoded" >&2
fi

# 4. nothing near the edge: all ink at least 1.5 mm inside (12 dots at 8/mm, 18 at 12/mm)
edge() { # NAME MARGIN
	local w h x0 y0 x1 y1
	read -r w h <<<"${SIZE[$1]}"
	read -r x0 y0 x1 y1 <<<"${BBOX[$1]}"
	[ "${BBOX[$1]}" != none ] && [ "$x0" -ge "$2" ] && [ "$y0" -ge "$2" ] &&
		[ "$x1" -le $((w - 1 - $2)) ] && [ "$y1" -le $((h - 1 - $2)) ]
}
for n in shipping-203 shipping-long-203 packing-203 packing-long-203; do
	check 'edge $n 12' "$n: ink within 1.5 mm of the edge: ${BBOX[$n]}"
done
check 'edge shipping-300 18' "shipping-300: ink near the edge: ${BBOX[shipping-300]}"

# 5. shortened text stays in its box: the recipient and street boxes end at x = 95 mm (760
#    dots); between there and the frame (778) no ink, on the long label too
for n in shipping-203 shipping-long-203; do
	got=$(ink $n 760 300 776 700 | tail -1)
	check '[ "$got" = none ]' "$n: ink right of the text boxes: $got"
done
# ... and the region is not vacuous: the long recipient runs well into the box where the short
#     one ("Jan Kowalski") leaves it empty
got=$(ink shipping-long-203 400 300 759 340 | tail -1)
check '[ "$got" != none ]' "shipping-long-203: the long recipient does not run into its box"
got=$(ink shipping-203 400 300 759 340 | tail -1)
check '[ "$got" = none ]' "shipping-203: ink where the short recipient leaves space: $got"

# 6. a label with no barcode decodes to nothing (zbarimg exit 4): the decode is not vacuous
printf '^XA^PW400^LL200^FO20,20^A0N,40,40^FDno code^FS^XZ' >"$T/none.zpl"
node "$V/render.cjs" "$T/none.zpl" "$T/none.png" 8 2>/dev/null || bad "render none.zpl"
zbarimg -q --raw "$T/none.png" >/dev/null 2>&1
rc=$?
check '[ $rc -eq 4 ]' "zbarimg on a label without codes: rc $rc, want 4"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
