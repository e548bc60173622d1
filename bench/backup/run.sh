#!/bin/sh
# bench/backup: vzdump and vzrestore side by side with tar (make bench).
set -u
d=$(dirname "$0")
for b in "$d"/*.sh; do
    [ "$(basename "$b")" = run.sh ] && continue
    [ -x "$b" ] || continue
    echo "-- $(basename "$b")"
    "$b" || echo "failed: $b"
done
