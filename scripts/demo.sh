#!/usr/bin/env bash
# The main job on embedded defaults (SQLite, local documents): import the
# sample orders of examples/, decide each one's document by the example rules,
# number and issue them, and print the result table. Then the later status
# changes of examples/orders-later/ (an order cancelled after its invoice) are
# imported and processed, which issues the correction.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$root/build/agent/packline}
demo=${PL_DEMO_DIR:-$root/out/demo}
rm -rf "$demo"
mkdir -p "$demo"
pl() { "$bin" --config "$root/examples/packline.ini" --store "sqlite:$demo/packline.db" "$@"; }

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
