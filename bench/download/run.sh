#!/bin/sh
# bench/download: downloads side by side (make bench). Runs every script next
# to this one: fetch.sh (package downloads vs curl --parallel), publish.sh
# (vzpkg download of a published cache vs curl -o + sha256sum).
set -u
d=$(dirname "$0")
for b in "$d"/*.sh; do
    [ "$(basename "$b")" = run.sh ] && continue
    echo "-- $(basename "$b")"
    sh "$b" || echo "failed: $b"
done
