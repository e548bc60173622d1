#!/bin/bash
# bench/instantiate/many.sh: create and start N minimal containers one after
# another (`vzctl create --layout overlay` from one signed busybox cache made
# by `vzpkg import`, then `vzctl start`; no network), report the total time
# (goal: 100 in under 10 s), the memory an idle container costs (its cgroup's
# memory usage, and the resident set of its init), then stop and destroy
# them all.
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

R=$W/src
mkdir -p "$W/etc/vz/conf" "$R/bin" "$R/etc" "$R/proc" "$R/sys" "$R/dev" "$R/tmp"
cp /bin/busybox "$R/bin/busybox"
for a in sh true sleep; do ln -s busybox "$R/bin/$a"; done
echo many > "$R/etc/hostname"
tar -C "$R" -cf "$W/src.tar" .
NAME=many-1-x86_64-minimal
"$BIN/vzpkg" -q import "$W/src.tar" --name $NAME >/dev/null

# the first create unpacks the shared tree: outside the timing, as the
# goal is about containers of a template this host already has
"$VZCTL" -q create ${PFX}0 --ostemplate $NAME --layout overlay
tc=0
ts=0
i=1
while [ $i -le "$N" ]; do
    a=${EPOCHREALTIME/./}
    "$VZCTL" -q create $PFX$i --ostemplate $NAME --layout overlay
    b=${EPOCHREALTIME/./}
    "$VZCTL" -q start $PFX$i >/dev/null
    c=${EPOCHREALTIME/./}
    tc=$((tc + b - a))
    ts=$((ts + c - b))
    i=$((i + 1))
done

# Memory of idle containers: cgroup v1 memory.usage_in_bytes, or v2 memory.current.
mem=0
rss=0
i=1
while [ $i -le "$N" ]; do
    # the group's parent is vzforge-DEV-INODE for this scratch VZ_ROOT (vz_cgroup_base)
    for f in /sys/fs/cgroup/memory/vzforge*/$PFX$i/memory.usage_in_bytes /sys/fs/cgroup/vzforge*/$PFX$i/memory.current; do
        [ -r "$f" ] && mem=$((mem + $(cat "$f")))
    done
    pid=$(cut -d' ' -f1 "$W/vz/run/$PFX$i.pid")
    rss=$((rss + $(awk '/^VmRSS/ {print $2}' /proc/$pid/status)))
    i=$((i + 1))
done
t2=${EPOCHREALTIME/./}
i=1
while [ $i -le "$N" ]; do "$VZCTL" -q stop $PFX$i --fast >/dev/null; i=$((i + 1)); done
t3=${EPOCHREALTIME/./}
i=0
while [ $i -le "$N" ]; do "$VZCTL" -q destroy $PFX$i; i=$((i + 1)); done

echo "many containers ($N, overlay over one busybox cache, no network, tiny init):"
awk -v n="$N" -v tc="$tc" -v ts="$ts" -v c="$t2" -v d="$t3" -v m="$mem" -v r="$rss" 'BEGIN {
    printf "  create + start all, one after another %6.2f s  (%.1f ms each)   goal < 10 s for 100\n", (tc + ts) / 1e6, (tc + ts) / 1e3 / n
    printf "    of which vzctl create               %6.2f s  (%.1f ms each)\n", tc / 1e6, tc / 1e3 / n
    printf "    of which vzctl start                %6.2f s  (%.1f ms each)\n", ts / 1e6, ts / 1e3 / n
    printf "  stop all (--fast)                     %6.2f s  (%.1f ms each)\n", (d - c) / 1e6, (d - c) / 1e3 / n
    printf "  memory per idle container             %6.0f KiB cgroup usage, %.0f KiB init RSS (mostly shared pages)\n", m / 1024 / n, r / n
}'
echo "  load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
