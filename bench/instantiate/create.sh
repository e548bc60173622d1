#!/bin/bash
# bench/instantiate/create.sh: vzctl create, side by side with tar.
#   1. overlay create of a further container from an already-unpacked
#      template (median of N; goal < 10 ms), vzctl's own process included;
#   2. plain create vs `tar -I zstd -xf` of the same cache into an empty
#      directory (median of N each; goal: ratio <= 1.2).
# The template is a signed cache made by `vzpkg import` from a tarball of
# host directories of about the size of a bookworm minbase (~180 MB, ~9k
# entries), or BENCH_TARBALL=FILE (any root file-system tarball).
# Everything lives in a temporary VZ_ROOT; nothing of the host is changed.
# Usage: bench/instantiate/create.sh [N]   (default 11)
set -eu
N=${1:-11}
BUILD=${VZ_BUILD:-$(cd "$(dirname "$0")/../.." && pwd)/build}
VZCTL=$BUILD/bin/vzctl
VZPKG=$BUILD/bin/vzpkg
[ -x "$VZCTL" ] && [ -x "$VZPKG" ] || { echo "build first: make" >&2; exit 1; }
export VZ_ROOT=$(mktemp -d /tmp/vzb-create-XXXXXX)
trap 'rm -rf "$VZ_ROOT"' EXIT INT TERM
NAME=bench-1-x86_64-minimal

# timestamps in ns from bash's $EPOCHREALTIME (microseconds): no date(1)
# process inside the measured interval
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ms() { awk -v ns="$1" 'BEGIN {printf "%.2f", ns/1e6}'; }

if [ -n "${BENCH_TARBALL:-}" ]; then
    SRC=$BENCH_TARBALL
else
    SRC=$VZ_ROOT/src.tar
    tar -C / -cf "$SRC" usr/share/doc usr/share/perl usr/lib/x86_64-linux-gnu/perl usr/share/zoneinfo 2>/dev/null || true
fi
"$VZPKG" -q import "$SRC" --name "$NAME" >/dev/null
CACHE=$VZ_ROOT/vz/template/cache/$NAME.tar.zst
ENTRIES=$(zstd -dc "$CACHE" | tar -tf - | wc -l)
echo "template: $(du -m "$CACHE" | cut -f1) MB tar.zst, $ENTRIES entries, N=$N"

# 1. overlay: the first create unpacks the shared tree, the rest reuse it
sync
t0=${EPOCHREALTIME/./}000; "$VZCTL" -q create 100 --ostemplate "$NAME" --layout overlay; t1=${EPOCHREALTIME/./}000
first=$((t1 - t0))
: > "$VZ_ROOT/ov.txt"; : > "$VZ_ROOT/ov_in.txt"; : > "$VZ_ROOT/floor.txt"; : > "$VZ_ROOT/true.txt"
i=1
while [ $i -le "$N" ]; do
    t0=${EPOCHREALTIME/./}000
    "$VZCTL" -q create $((100 + i)) --ostemplate "$NAME" --layout overlay --json > "$VZ_ROOT/out.json"
    t1=${EPOCHREALTIME/./}000
    echo $((t1 - t0)) >> "$VZ_ROOT/ov.txt"
    sed -n 's/.*"seconds": *\([0-9.e-]*\).*/\1/p' "$VZ_ROOT/out.json" | awk '{printf "%d\n", $1*1e9}' >> "$VZ_ROOT/ov_in.txt"
    # the floor on this disk: what a shell prototype would do (mkdir(1) of
    # upper and work), and the cost of starting any process
    t0=${EPOCHREALTIME/./}000; mkdir -p "$VZ_ROOT/floor$i/upper" "$VZ_ROOT/floor$i/work"; t1=${EPOCHREALTIME/./}000
    echo $((t1 - t0)) >> "$VZ_ROOT/floor.txt"
    t0=${EPOCHREALTIME/./}000; /bin/true; t1=${EPOCHREALTIME/./}000
    echo $((t1 - t0)) >> "$VZ_ROOT/true.txt"
    i=$((i + 1))
done
ov=$(median < "$VZ_ROOT/ov.txt")
ov_in=$(median < "$VZ_ROOT/ov_in.txt")
floor=$(median < "$VZ_ROOT/floor.txt")
truet=$(median < "$VZ_ROOT/true.txt")
i=0
while [ $i -le "$N" ]; do "$VZCTL" -q destroy $((100 + i)); i=$((i + 1)); done
echo "overlay create, first (unpacks shared tree): $(ms $first) ms"
echo "overlay create, further container (median):  $(ms "$ov") ms whole vzctl process, $(ms "$ov_in") ms inside vz_ct_create   goal < 10 ms"
echo "  this host's floor: mkdir -p upper work $(ms "$floor") ms, /bin/true $(ms "$truet") ms"

# 2. plain create vs tar -I zstd -xf into an empty directory
: > "$VZ_ROOT/tar.txt"; : > "$VZ_ROOT/plain.txt"
i=1
while [ $i -le "$N" ]; do
    # sync before each timed run: the previous run's writeback and the
    # discards of its removal must not land inside the next measurement
    d=$VZ_ROOT/tar.$i; mkdir "$d"; sync
    t0=${EPOCHREALTIME/./}000; tar -I zstd -xf "$CACHE" -C "$d"; t1=${EPOCHREALTIME/./}000
    echo $((t1 - t0)) >> "$VZ_ROOT/tar.txt"
    rm -rf "$d"; sync
    t0=${EPOCHREALTIME/./}000; "$VZCTL" -q create $((200 + i)) --ostemplate "$NAME" --layout plain; t1=${EPOCHREALTIME/./}000
    echo $((t1 - t0)) >> "$VZ_ROOT/plain.txt"
    "$VZCTL" -q destroy $((200 + i)); sync
    i=$((i + 1))
done
tar_m=$(median < "$VZ_ROOT/tar.txt")
plain_m=$(median < "$VZ_ROOT/plain.txt")
echo "tar -I zstd -xf (median):                    $(ms "$tar_m") ms"
echo "vzctl create --layout plain (median):        $(ms "$plain_m") ms   (verifies signature + sha256 in the same pass)"
awk -v a="$plain_m" -v b="$tar_m" 'BEGIN {printf "ratio plain / tar:                            %.2fx   goal <= 1.2x\n", a/b}'
