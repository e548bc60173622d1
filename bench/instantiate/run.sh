#!/bin/sh
# bench/instantiate: container instantiation side by side (make bench).
# Runs every script next to this one (create.sh: vzctl create vs tar; others
# as the runtime adds them). BENCH_N sets the number of samples.
set -u
d=$(dirname "$0")
for b in "$d"/*.sh; do
    [ "$(basename "$b")" = run.sh ] && continue
    [ -x "$b" ] || continue
    echo "-- $(basename "$b")"
    case "$(basename "$b")" in
    many.sh) n=${BENCH_MANY:-100} ;;   # the goal is about 100 containers
    *) n=${BENCH_N:-11} ;;
    esac
    "$b" "$n" || echo "failed: $b"
done
