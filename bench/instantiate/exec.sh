#!/bin/bash
# bench/instantiate/exec.sh: `vzctl exec CT true` alone on a started minimal
# container (busybox root, plain layout, no network), median of N runs, for
# three ways a caller's stdio can look: /dev/null, pipes, a terminal (a pty
# made by script(1)). With VZCTL_BEFORE=/path/to/other/vzctl the other
# binary runs interleaved with ours on the same container (run for run, so
# a busy host weighs on both alike) and its medians print alongside.
# Prints milliseconds; never fails on a timing.
#   bench/instantiate/exec.sh [N]     (default 51; needs root, busybox-static)
set -eu
N=${1:-51}
BIN=${VZ_BUILD:-$(cd "$(dirname "$0")/../.." && pwd)/build}/bin
VZCTL=$BIN/vzctl
BEFORE=${VZCTL_BEFORE:-}
[ -x "$VZCTL" ] || { echo "exec.sh: $VZCTL missing: run make first" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "exec.sh: needs root (namespaces, mounts, cgroups)" >&2; exit 1; }

W=$(mktemp -d /tmp/vzbench-XXXXXX)
export VZ_ROOT=$W
CT=bexec$$
trap '"$VZCTL" -q stop $CT --fast >/dev/null 2>&1 || true; rm -rf "$W"' EXIT INT TERM
P=$W/vz/private/$CT
mkdir -p "$W/etc/vz/conf" "$P/bin" "$P/etc" "$P/proc" "$P/sys" "$P/dev" "$P/tmp"
cp /bin/busybox "$P/bin/busybox"
for a in sh true; do ln -s busybox "$P/bin/$a"; done
printf 'VE_PRIVATE="%s"\nVE_ROOT="%s"\nVE_LAYOUT="plain"\nHOSTNAME="bench"\n' \
    "$P" "$W/vz/root/$CT" > "$W/etc/vz/conf/$CT.conf"
"$VZCTL" -q start $CT >/dev/null

median_ms() { sort -n | awk '{a[NR]=$1} END {m=a[int((NR+1)/2)]; printf "%.2f", m/1e6}'; }
# one timed exec of binary $1 with stdio as $2 says; ns on stdout
one() {
    t0=${EPOCHREALTIME/./}000
    case $2 in
    null) "$1" -q exec $CT true </dev/null >/dev/null 2>&1 ;;
    pipe) echo | "$1" -q exec $CT true 2>&1 | cat >/dev/null ;;
    tty) "$1" -q exec $CT true ;;
    esac
    t1=${EPOCHREALTIME/./}000
    echo $((t1 - t0))
}
export -f one
export CT
# $1: stdio kind; appends to $W/$1.now and $W/$1.before
loop() {
    i=0
    while [ $i -lt "$N" ]; do
        one "$VZCTL" "$1" >>"$W/$1.now"
        [ -z "$BEFORE" ] || one "$BEFORE" "$1" >>"$W/$1.before"
        i=$((i + 1))
    done
}
export -f loop
export N VZCTL BEFORE W
loop null
loop pipe
# a terminal: script(1) gives the loop a pty as stdin, stdout and stderr
script -qec "bash -c 'loop tty'" /dev/null </dev/null >/dev/null
for k in null pipe tty; do
    line="stdio $k: $(median_ms <"$W/$k.now") ms"
    [ -z "$BEFORE" ] || line="$line (before: $(median_ms <"$W/$k.before") ms)"
    echo "vzctl exec CT true, median of $N, $line"
done
