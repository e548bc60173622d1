#!/bin/sh
# Runs every bench/*/run.sh (each prints vzforge vs. the usual tool and the ratio).
set -u
found=0
for b in "$(dirname "$0")"/*/run.sh; do
    [ -x "$b" ] || continue
    found=1
    echo "== $b"
    "$b" || echo "bench failed: $b"
done
[ "$found" = 1 ] || { echo "make bench: no benchmarks yet" >&2; exit 1; }
