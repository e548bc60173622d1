#!/bin/sh
# make bench: bench/*/run.sh, each of which runs the benchmarks of its folder.
# Every benchmark runs vzforge and the tool a user would otherwise pick side by
# side in one run and prints both figures and the ratio; none asserts a time.
set -u
here=$(cd "$(dirname "$0")" && pwd)
found=0
for b in "$here"/*/run.sh; do
    [ -f "$b" ] || continue
    found=1
    echo "== bench: ${b#$here/}"
    sh "$b" || echo "== bench failed: ${b#$here/}"
done
[ "$found" = 1 ] || { echo "make bench: no benchmarks" >&2; exit 1; }
