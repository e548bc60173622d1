#!/bin/sh
# bench/instantiate/many.sh: start N minimal containers one after another
# (overlay layout over one shared busybox tree, no network), report the total
# time, the memory an idle container costs (its cgroup's memory usage, and
# the resident set of its init), then stop them all.
#   bench/instantiate/many.sh [N]     (default 100; root, busybox-static)
set -eu
N=${1:-100}
BIN=${VZ_BUILD:-$(cd "$(dirname "$0")/../.." && pwd)/build}/bin
VZCTL=$BIN/vzctl
[ -x "$VZCTL" ] || { echo "many.sh: $VZCTL missing: run make first" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "many.sh: needs root" >&2; exit 1; }

W=$(mktemp -d /tmp/vzbench-XXXXXX)
export VZ_ROOT=$W
PFX=many$$x
cleanup() {
    i=1
    while [ $i -le "$N" ]; do "$VZCTL" -q stop $PFX$i --fast >/dev/null 2>&1 || true; i=$((i + 1)); done
    rm -rf "$W"
}
trap cleanup EXIT INT TERM

L=$W/vz/template/unpacked/busybox
mkdir -p "$W/etc/vz/conf" "$L/bin" "$L/etc" "$L/proc" "$L/sys" "$L/dev" "$L/tmp"
cp /bin/busybox "$L/bin/busybox"
for a in sh true sleep; do ln -s busybox "$L/bin/$a"; done
i=1
while [ $i -le "$N" ]; do
    mkdir -p "$W/vz/private/$PFX$i/upper" "$W/vz/private/$PFX$i/work"
    printf 'VE_PRIVATE="%s"\nVE_ROOT="%s"\nVE_LAYOUT="overlay"\nVE_LOWERDIR="%s"\n' \
        "$W/vz/private/$PFX$i" "$W/vz/root/$PFX$i" "$L" > "$W/etc/vz/conf/$PFX$i.conf"
    i=$((i + 1))
done

t0=$(date +%s%N)
i=1
while [ $i -le "$N" ]; do "$VZCTL" -q start $PFX$i >/dev/null; i=$((i + 1)); done
t1=$(date +%s%N)

# Memory of idle containers: cgroup v1 memory.usage_in_bytes, or v2 memory.current.
mem=0
rss=0
i=1
while [ $i -le "$N" ]; do
    for f in /sys/fs/cgroup/memory/vzforge/$PFX$i/memory.usage_in_bytes /sys/fs/cgroup/vzforge/$PFX$i/memory.current; do
        [ -r "$f" ] && mem=$((mem + $(cat "$f")))
    done
    pid=$(cut -d' ' -f1 "$W/vz/run/$PFX$i.pid")
    rss=$((rss + $(awk '/^VmRSS/ {print $2}' /proc/$pid/status)))
    i=$((i + 1))
done
t2=$(date +%s%N)
i=1
while [ $i -le "$N" ]; do "$VZCTL" -q stop $PFX$i --fast >/dev/null; i=$((i + 1)); done
t3=$(date +%s%N)

echo "many containers ($N, overlay over one busybox tree, no network, tiny init):"
awk -v n="$N" -v a="$t0" -v b="$t1" -v c="$t2" -v d="$t3" -v m="$mem" -v r="$rss" 'BEGIN {
    printf "  start all, one after another   %8.2f s  (%.1f ms each)\n", (b - a) / 1e9, (b - a) / 1e6 / n
    printf "  stop all (--fast)              %8.2f s  (%.1f ms each)\n", (d - c) / 1e9, (d - c) / 1e6 / n
    printf "  memory per idle container      %8.0f KiB cgroup usage, %.0f KiB init RSS (mostly shared pages)\n", m / 1024 / n, r / n
}'
echo "  load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
