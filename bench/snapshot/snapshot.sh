#!/bin/bash
# bench/snapshot/snapshot.sh: `vzctl snapshot` time against the size of the
# container's changes (its overlay upper layer), for a running container
# (frozen during the copy: the frozen time is the container's pause).
# Changes: C MB in 1 MB files, plus 2000 small files. Two file systems:
# the host's own under /tmp (cp copies the bytes) and a btrfs image made
# here (cp --reflink shares the extents), unless BENCH_BTRFS=0.
# Prints milliseconds; never fails on a timing. Needs root, busybox-static,
# btrfs-progs. Everything lives in a temporary VZ_ROOT, in a mount
# namespace of its own: nothing of the host is changed or left behind.
#   bench/snapshot/snapshot.sh [SIZES_MB]     (default "0 10 100 400")
set -eu
SIZES=${1:-0 10 100 400}
BUILD=${VZ_BUILD:-$(cd "$(dirname "$0")/../.." && pwd)/build}
VZCTL=$BUILD/bin/vzctl
VZPKG=$BUILD/bin/vzpkg
[ -x "$VZCTL" ] && [ -x "$VZPKG" ] || { echo "build first: make" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "snapshot.sh: needs root" >&2; exit 1; }
if [ -z "${VZB_INNER:-}" ]; then
    export VZB_INNER=1
    exec unshare -m --propagation private "$0" "$@"
fi
export VZ_ROOT=$(mktemp -d /tmp/vzb-snap-XXXXXX)
trap '"$VZCTL" -q stop 101 --fast >/dev/null 2>&1 || true; umount -l "$VZ_ROOT/vz/private" 2>/dev/null || true; rm -rf "$VZ_ROOT"' EXIT INT TERM
NAME=bench-1-x86_64-minimal
T=$VZ_ROOT/tree
mkdir -p "$T/bin" "$T/etc" "$T/tmp"
cp /bin/busybox "$T/bin/busybox"
ln -s busybox "$T/bin/sh"
tar -C "$T" -cf "$VZ_ROOT/src.tar" .
"$VZPKG" -q import "$VZ_ROOT/src.tar" --name "$NAME" >/dev/null

one_fs() {
    local fs=$1
    printf '%-10s %8s %12s %12s %10s\n' fs changes snapshot_ms frozen_ms cp_a_ms
    for mb in $SIZES; do
        "$VZCTL" -q create 101 --ostemplate "$NAME" --layout overlay
        U=$VZ_ROOT/vz/private/101/upper
        mkdir -p "$U/data/small"
        i=0; while [ $i -lt "$mb" ]; do head -c 1048576 /dev/urandom > "$U/data/f$i"; i=$((i + 1)); done
        i=0; while [ $i -lt 2000 ]; do echo "$i" > "$U/data/small/$i"; i=$((i + 1)); done
        sync
        "$VZCTL" -q start 101
        out=$("$VZCTL" -q snapshot 101 --json)
        s=$(echo "$out" | sed -n 's/.*"seconds": *\([0-9.e-]*\).*/\1/p')
        f=$(echo "$out" | sed -n 's/.*"frozen_seconds": *\([0-9.e-]*\).*/\1/p')
        # the same copy by hand, for scale
        t0=${EPOCHREALTIME/./}
        cp -a --reflink=auto "$U" "$VZ_ROOT/vz/private/cpa"
        t1=${EPOCHREALTIME/./}
        rm -rf "$VZ_ROOT/vz/private/cpa"
        awk -v fs="$fs" -v mb="$mb" -v s="$s" -v f="$f" -v c=$((t1 - t0)) \
            'BEGIN {printf "%-10s %6d MB %12.1f %12.1f %10.1f\n", fs, mb, s*1e3, f*1e3, c/1e3}'
        "$VZCTL" -q stop 101 --fast
        "$VZCTL" -q destroy 101
    done
}

one_fs "$(stat -f -c %T "$VZ_ROOT")"
if [ "${BENCH_BTRFS:-1}" = 1 ] && command -v mkfs.btrfs >/dev/null; then
    mkdir -p "$VZ_ROOT/vz/private"
    truncate -s 2G "$VZ_ROOT/b.img" && mkfs.btrfs -q "$VZ_ROOT/b.img" >/dev/null
    mount -o loop "$VZ_ROOT/b.img" "$VZ_ROOT/vz/private" && rm "$VZ_ROOT/b.img"
    one_fs btrfs
fi
