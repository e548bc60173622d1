#!/bin/sh
# make bench: every bench/*/*.sh. Each runs vzforge and the tool a user would
# otherwise pick side by side and prints both figures and the ratio.
set -u
here=$(cd "$(dirname "$0")" && pwd)
found=0
for b in "$here"/*/*.sh; do
    [ -f "$b" ] || continue
    found=1
    echo "== bench: ${b#$here/}"
    sh "$b" || echo "== bench failed: ${b#$here/}"
done
[ "$found" = 1 ] || { echo "make bench: no benchmarks" >&2; exit 1; }
