#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The main job on embedded defaults: SQLite, the built-in POSNET printer
# simulator, local documents, labels to a file. Imports the sample orders of
# examples/, decides each one's document by the example rules, numbers and
# issues them (receipts on the simulated fiscal printer, labels where the
# rule says so), and prints the result table. Then the later status changes
# of examples/orders-later/ (an order cancelled after its invoice) arrive and
# the correction is issued. Finally the receipts as the printer printed them.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$root/build/agent/packline}
demo=${PL_DEMO_DIR:-$root/out/demo}
rm -rf "$demo"
mkdir -p "$demo" "$demo/outbox"

# the fiscal printer: the built-in simulator, keeping its counters and paper
"$bin" sim posnet --tcp 127.0.0.1:0 --port-file "$demo/printer.port" \
	--state "$demo/printer.state" --paper "$demo/printer-paper.txt" >"$demo/printer.log" 2>&1 &
sim=$!
trap 'kill $sim 2>/dev/null; wait $sim 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$demo/printer.port" ] && break; sleep 0.05; done
[ -s "$demo/printer.port" ] || { echo "demo: the printer simulator did not start" >&2; exit 1; }

{
	cat "$root/examples/packline.ini"
	cat <<INI

[packline]
store = sqlite:$demo/packline.db
documents_dir = $demo/documents

[printer "fiscal"]
transport = tcp:127.0.0.1:$(cat "$demo/printer.port")

[label]
template = $root/examples/labels/packing.zpl.tmpl
printer = file
file = $demo/labels.zpl

[seller]
name = Sklep Przykładowy sp. z o.o.
nip = 526-104-08-28
address = ul. Piotrkowska 12
city = 90-001 Łódź

; no SMTP server here: each e-mail is written as an .eml file
[email]
from = faktury@sklep.example
from_name = Sklep Przykładowy
outbox = $demo/outbox
templates = $root/examples/email
INI
} >"$demo/packline.ini"
pl() { "$bin" --config "$demo/packline.ini" "$@"; }

echo "== orders in (examples/orders)"
pl orders import "$root/examples/orders"
echo
echo "== documents chosen by the rules, numbered and issued"
pl process
if [ -d "$root/examples/orders-later" ]; then
	echo
	echo "== later: status changes arrive (examples/orders-later)"
	pl orders import "$root/examples/orders-later"
	pl process
fi
echo
echo "== documents in the store ($demo/packline.db)"
pl docs list
echo
echo "== the fiscal printer"
pl printer status
echo
echo "== the last receipt as printed ($demo/printer-paper.txt)"
awk '/^--- BEGIN RECEIPT/{buf=""} {buf=buf $0 "\n"} END{printf "%s", buf}' "$demo/printer-paper.txt"
echo
echo "labels: $(grep -c '^\^XA' "$demo/labels.zpl" 2>/dev/null || echo 0) in $demo/labels.zpl"
echo "e-mails: $(find "$demo/outbox" -name '*.eml' | wc -l) written to $demo/outbox"
