#!/bin/bash
# bench/instantiate/phases.sh: the medians of `vzctl start`, `vzctl exec
# CT true`, `vzctl stop --fast` and of the whole cycle, each measured on its
# own, for a minimal unprivileged container (busybox root, plain layout, no
# network), with the host's cgroup layout printed next to them (v1, hybrid,
# v2; systemd as PID 1 or not), so that figures from two hosts (this one,
# the v2 guest) or two builds (VZ_BUILD=... before and after a change) can
# be put side by side. Never fails on a timing.
#   bench/instantiate/phases.sh [N]     (default 21; needs root, busybox-static)
set -eu
N=${1:-21}
BIN=${VZ_BUILD:-$(cd "$(dirname "$0")/../.." && pwd)/build}/bin
VZCTL=$BIN/vzctl
[ -x "$VZCTL" ] || { echo "phases.sh: $VZCTL missing: run make first" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "phases.sh: needs root (namespaces, mounts, cgroups)" >&2; exit 1; }

W=$(mktemp -d /tmp/vzbench-XXXXXX)
export VZ_ROOT=$W
CT=phase$$
trap '"$VZCTL" -q stop $CT --fast >/dev/null 2>&1 || true; rm -rf "$W"' EXIT INT TERM

P=$W/vz/private/$CT
mkdir -p "$W/etc/vz/conf" "$P/bin" "$P/etc" "$P/proc" "$P/sys" "$P/dev" "$P/tmp"
cp /bin/busybox "$P/bin/busybox"
for a in sh true; do ln -s busybox "$P/bin/$a"; done
chown -hR 3000000:3000000 "$P"
printf 'VE_PRIVATE="%s"\nVE_ROOT="%s"\nVE_LAYOUT="plain"\nLOCAL_UID="3000000"\nLOCAL_GID="3000000"\n' \
    "$P" "$W/vz/root/$CT" > "$W/etc/vz/conf/$CT.conf"

now() { echo "${EPOCHREALTIME/./}"; } # microseconds, no process
med() { sort -n | awk '{a[NR]=$1} END {printf "%.2f", a[int((NR+1)/2)]/1e3}'; }
: > "$W/start"; : > "$W/exec"; : > "$W/stop"; : > "$W/cycle"
i=0
while [ $i -lt "$N" ]; do
    t0=$(now); "$VZCTL" -q start $CT >/dev/null
    t1=$(now); "$VZCTL" -q exec $CT true
    t2=$(now); "$VZCTL" -q stop $CT --fast >/dev/null
    t3=$(now)
    echo $((t1 - t0)) >> "$W/start"; echo $((t2 - t1)) >> "$W/exec"
    echo $((t3 - t2)) >> "$W/stop"; echo $((t3 - t0)) >> "$W/cycle"
    i=$((i + 1))
done

fs=$(stat -fc %T /sys/fs/cgroup)
case $fs in
cgroup2fs) kind=v2 ;;
*) kind=v1; [ -e /sys/fs/cgroup/unified/cgroup.procs ] && kind="v1 + hybrid cgroup2" ;;
esac
init=$(cat /proc/1/comm)
# docs/runtime.md "cgroup migrations and favordynmods": ~10 ms a v1 migration without it
fdm=$(awk '$3 == "cgroup2" {print ($4 ~ /(^|,)favordynmods(,|$)/) ? "on" : "off"; exit}' /proc/mounts)
echo "phases (median of $N, busybox root, unprivileged; host: cgroup $kind, favordynmods ${fdm:-n/a}, PID 1 $init, kernel $(uname -r)):"
printf '  vzctl start        %8s ms\n' "$(med < "$W/start")"
printf '  vzctl exec true    %8s ms\n' "$(med < "$W/exec")"
printf '  vzctl stop --fast  %8s ms\n' "$(med < "$W/stop")"
printf '  cycle              %8s ms\n' "$(med < "$W/cycle")"
echo "  load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
