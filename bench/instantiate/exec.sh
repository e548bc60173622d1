#!/bin/bash
# bench/instantiate/exec.sh: `vzctl exec CT true` alone on a started minimal
# container (busybox root, plain layout, no network), median of N runs, for
# the three ways a caller's stdio can look: /dev/null, pipes, a terminal
# (a pty made by `script`). Prints milliseconds; never fails on a timing.
#   bench/instantiate/exec.sh [N]     (default 51; needs root, busybox-static)
set -eu
N=${1:-51}
BIN=${VZ_BUILD:-$(cd "$(dirname "$0")/../.." && pwd)/build}/bin
VZCTL=$BIN/vzctl
[ -x "$VZCTL" ] || { echo "exec.sh: $VZCTL missing: run make first" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "exec.sh: needs root (namespaces, mounts, cgroups)" >&2; exit 1; }

W=$(mktemp -d /tmp/vzbench-XXXXXX)
export VZ_ROOT=$W
CT=bexec$$
trap '"$VZCTL" -q stop $CT --fast >/dev/null 2>&1 || true; rm -rf "$W"' EXIT INT TERM
P=$W/vz/private/$CT
mkdir -p "$W/etc/vz/conf" "$P/bin" "$P/etc" "$P/proc" "$P/sys" "$P/dev" "$P/tmp"
cp /bin/busybox "$P/bin/busybox"
for a in sh true cat; do ln -s busybox "$P/bin/$a"; done
printf 'VE_PRIVATE="%s"\nVE_ROOT="%s"\nVE_LAYOUT="plain"\nHOSTNAME="bench"\n' \
    "$P" "$W/vz/root/$CT" > "$W/etc/vz/conf/$CT.conf"
"$VZCTL" -q start $CT >/dev/null

median_ms() { sort -n | awk '{a[NR]=$1} END {m=a[int((NR+1)/2)]; printf "%.2f", m/1e6}'; }
loop() { # $1: how stdio is given
    i=0
    while [ $i -lt "$N" ]; do
        t0=${EPOCHREALTIME/./}000
        case $1 in
        null) "$VZCTL" -q exec $CT true </dev/null >/dev/null 2>&1 ;;
        pipe) echo | "$VZCTL" -q exec $CT true 2>&1 | cat >/dev/null ;;
        esac
        t1=${EPOCHREALTIME/./}000
        echo $((t1 - t0))
        i=$((i + 1))
    done
}
null=$(loop null | median_ms)
pipe=$(loop pipe | median_ms)
export N VZCTL CT
# a terminal: script(1) gives the loop a pty as stdin/stdout
script -qec "bash -c '
    i=0; while [ \$i -lt $N ]; do
        t0=\${EPOCHREALTIME/./}000; $VZCTL -q exec $CT true; t1=\${EPOCHREALTIME/./}000
        echo \$((t1 - t0)) >>$W/tty.times; i=\$((i + 1)); done'" /dev/null </dev/null >/dev/null
tty=$(median_ms <"$W/tty.times")
echo "vzctl exec CT true, median of $N: stdio /dev/null ${null} ms, pipes ${pipe} ms" \
     "(incl. echo and cat), terminal ${tty} ms"
