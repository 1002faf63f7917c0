#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The licence is published: LICENSE is the Apache License 2.0, the Debian
# copyright file names it, and every source file carries its SPDX tag in its
# first lines (so a new file without one fails here, not at release time).
set -euo pipefail
src=${PL_SRC:?PL_SRC}
cd "$src"
fail=0
grep -q 'Apache License' LICENSE && grep -q 'Version 2.0, January 2004' LICENSE ||
	{ echo "LICENSE is not the Apache License 2.0"; fail=1; }
grep -q '^License: Apache-2.0$' packaging/copyright ||
	{ echo "packaging/copyright does not name Apache-2.0"; fail=1; }
if grep -qi 'unspecified' packaging/copyright; then
	echo "packaging/copyright still says unspecified"; fail=1
fi
n=0
if git rev-parse --git-dir >/dev/null 2>&1; then
	list=$(git ls-files '*.c' '*.h' '*.sh' '*.py' '*.cjs' 'CMakeLists.txt' '*/CMakeLists.txt' '*.cmake')
else
	list=$(find . -path ./build\* -prune -o \( -name '*.[ch]' -o -name '*.sh' -o -name '*.py' \
		-o -name CMakeLists.txt \) -print)
fi
for f in $list; do
	[ -f "$f" ] || continue
	n=$((n + 1))
	if ! head -n 3 "$f" | grep -q 'SPDX-License-Identifier: Apache-2.0'; then
		echo "no SPDX tag in the first lines of $f"
		fail=1
	fi
done
echo "license: $n source files checked"
[ "$n" -gt 100 ] || { echo "too few files found ($n)"; fail=1; }
exit $fail
