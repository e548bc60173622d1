#!/bin/sh
# bench/instantiate/seccomp.sh [N [KEY=VALUE...]]: what the container's seccomp filter costs
# (bench/instantiate/seccomp-cost.c), against the libraries of a built tree
# (make first). Root. Numbers go to docs/seccomp.md by hand.
set -eu
SRC=$(cd "$(dirname "$0")/../.." && pwd)
LIBS=${VZ_BUILD:-$SRC/build}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
${CC:-cc} -O2 -D_GNU_SOURCE -I"$SRC" -o "$W/seccomp-cost" "$SRC/bench/instantiate/seccomp-cost.c" \
    "$LIBS/libvpscore.a" "$LIBS/libcommon.a" $(pkg-config --libs libseccomp) -lcrypt
[ $# -gt 0 ] || set -- 200
"$W/seccomp-cost" "$@"
