#!/bin/bash
# bench/instantiate/start.sh: start + exec true + stop of a minimal container
# (busybox root, plain layout, no network), median of N runs, side by side
# with `unshare -pfmuin chroot ROOT /bin/true` and with the builder's sandbox
# path; the container both unprivileged (its own user namespace: the
# default) and PRIVILEGED="yes", to show what the user namespace costs;
# SECCOMP="unconfined", to show what the filter costs, and with a profile
# compiled at each start and exec, to show what the default's built-in
# program saves; with vz.conf's
# CGROUP_FAVORDYNMODS="yes" (set by vzctl start itself, and the host's own
# state put back at exit), to show what cgroup v1 migrations cost; then
# the same start/exec/stop with one address (veth) to show what the
# network costs. Prints ratios; never fails on a timing.
#   bench/instantiate/start.sh [N]     (default 21; needs root, busybox-static)
set -eu
N=${1:-21}
BIN=${VZ_BUILD:-$(cd "$(dirname "$0")/../.." && pwd)/build}/bin
VZCTL=$BIN/vzctl
[ -x "$VZCTL" ] || { echo "start.sh: $VZCTL missing: run make first" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "start.sh: needs root (namespaces, mounts, cgroups)" >&2; exit 1; }

W=$(mktemp -d /tmp/vzbench-XXXXXX)
export VZ_ROOT=$W
CT=bench$$
# favordynmods (vz.conf CGROUP_FAVORDYNMODS, docs/runtime.md) is host-wide:
# the last measurement turns it on through vzctl itself; the trap puts back
# what the host had, with every other option of its cgroup2 mount.
cg2=$(awk '$3 == "cgroup2" {print $2; exit}' /proc/mounts)
cg2_opts=$(awk '$3 == "cgroup2" {print $4; exit}' /proc/mounts)
restore_cg2() {
    [ -n "$cg2" ] && mount --options-mode ignore -o "remount,$cg2_opts" "$cg2" 2>/dev/null || true
}
trap '"$VZCTL" -q stop $CT --fast >/dev/null 2>&1 || true; rm -rf "$W"; restore_cg2' EXIT INT TERM

P=$W/vz/private/$CT
mkdir -p "$W/etc/vz/conf" "$P/bin" "$P/etc" "$P/proc" "$P/sys" "$P/dev" "$P/tmp"
cp /bin/busybox "$P/bin/busybox"
for a in sh true ip; do ln -s busybox "$P/bin/$a"; done
# The tree as `vzctl create` makes it for an unprivileged container: owned
# by the container's own ids (LOCAL_UID), which a privileged run maps as is.
LOCAL=3000000
chown -hR $LOCAL:$LOCAL "$P"
MODE="LOCAL_UID=\"$LOCAL\"
LOCAL_GID=\"$LOCAL\"
"
conf() {
    printf 'VE_PRIVATE="%s"\nVE_ROOT="%s"\nVE_LAYOUT="plain"\nHOSTNAME="bench"\n%s%s' \
        "$P" "$W/vz/root/$CT" "$MODE" "${1:-}" > "$W/etc/vz/conf/$CT.conf"
}

# timestamps in ns from bash's $EPOCHREALTIME (microseconds): no date(1)
# process inside the measured interval
# median of the numbers on stdin (nanoseconds) -> milliseconds with 2 decimals
median_ms() { sort -n | awk '{a[NR]=$1} END {m=a[int((NR+1)/2)]; printf "%.2f", m/1e6}'; }

run_ct() {
    i=0
    while [ $i -lt "$N" ]; do
        t0=${EPOCHREALTIME/./}000
        "$VZCTL" -q start $CT >/dev/null
        "$VZCTL" -q exec $CT true
        "$VZCTL" -q stop $CT --fast >/dev/null
        t1=${EPOCHREALTIME/./}000
        echo $((t1 - t0))
        i=$((i + 1))
    done
}

run_unshare() {
    i=0
    while [ $i -lt "$N" ]; do
        t0=${EPOCHREALTIME/./}000
        unshare -pfmuin chroot "$P" /bin/true
        t1=${EPOCHREALTIME/./}000
        echo $((t1 - t0))
        i=$((i + 1))
    done
}

MODE='PRIVILEGED="yes"
'
conf ""
pr=$(run_ct | median_ms)
MODE="LOCAL_UID=\"$LOCAL\"
LOCAL_GID=\"$LOCAL\"
"
conf ""
ct=$(run_ct | median_ms)
conf 'SECCOMP="unconfined"
'
nosc=$(run_ct | median_ms)
# A profile other than the default (here: one entry the default already
# has, so the same calls are refused) is compiled by libseccomp at every
# start and exec; the default's program is built into vzctl
# (docs/seccomp.md, "Built in"): the difference is what that saves.
conf 'SECCOMP_DENY="kexec_load"
'
compiled=$(run_ct | median_ms)
conf ""
un=$(run_unshare | median_ms)
# The veth: the same cycle with one address, inside a network namespace of
# our own so nothing touches the host's network.
# The builder's sandbox (vz_sandbox_run) on the same root, in-process.
SRC=$(cd "$(dirname "$0")/../.." && pwd)
LIBS=$(dirname "$BIN")
${CC:-cc} -O2 -D_GNU_SOURCE -I"$SRC" -o "$W/sandbox-loop" "$SRC/bench/instantiate/sandbox-loop.c" \
    "$LIBS/libvpscore.a" "$LIBS/libcache.a" "$LIBS/libcommon.a" $(pkg-config --libs libcrypto) -lcrypt
sb=$("$W/sandbox-loop" "$P" "$N")

# The veth: the same cycle with one address, inside a network namespace of
# our own so nothing touches the host's network.
conf 'IP_ADDRESS="10.250.0.2"
'
export N VZCTL CT
net=$(unshare -n bash -c '
    i=0
    while [ $i -lt "$N" ]; do
        t0=${EPOCHREALTIME/./}000
        "$VZCTL" -q start $CT >/dev/null
        "$VZCTL" -q exec $CT true
        "$VZCTL" -q stop $CT --fast >/dev/null
        t1=${EPOCHREALTIME/./}000
        echo $((t1 - t0))
        i=$((i + 1))
    done' | median_ms)

# The host's default first (above); now the same with favordynmods, which
# vzctl start sets itself from vz.conf (where there is a cgroup2 mount).
fdm=
if [ -n "$cg2" ]; then
    case ",$cg2_opts," in *,favordynmods,*) was=on ;; *) was=off ;; esac
    printf 'CGROUP_FAVORDYNMODS="yes"\n' > "$W/etc/vz/vz.conf"
    conf ""
    fdm=$(run_ct | median_ms)
    rm -f "$W/etc/vz/vz.conf"
fi

echo "instantiate (median of $N runs, busybox root; a cycle is 3 vzctl processes: start, exec, stop --fast):"
printf '  vzctl start + exec true + stop (no network)  %8s ms  (unprivileged: own user namespace)\n' "$ct"
printf '  the same, PRIVILEGED="yes"                    %8s ms  (user namespace costs %s ms)\n' "$pr" \
    "$(awk "BEGIN {printf \"%.2f\", $ct - $pr}")"
printf '  the same, SECCOMP="unconfined"               %8s ms  (the seccomp filter costs %s ms)\n' "$nosc" \
    "$(awk "BEGIN {printf \"%.2f\", $ct - $nosc}")"
printf '  the same, filter compiled at start and exec  %8s ms  (the built-in default program saves %s ms)\n' \
    "$compiled" "$(awk "BEGIN {printf \"%.2f\", $compiled - $ct}")"
if [ -n "$fdm" ]; then
    printf '  the same, CGROUP_FAVORDYNMODS="yes"           %8s ms  (the host had favordynmods %s: v1 migrations\n' "$fdm" "$was"
    printf '                                                             wait an RCU grace period without it)\n'
    printf '  ratio favordynmods cycle / unshare            %8s\n' "$(awk "BEGIN {printf \"%.2f\", $fdm / $un}")"
fi
printf '  unshare -pfmuin chroot ROOT /bin/true         %8s ms\n' "$un"
printf '  vz_sandbox_run(ROOT, /bin/true), in-process  %8s ms\n' "$sb"
printf '  ratio vzctl cycle / unshare                   %8s\n' "$(awk "BEGIN {printf \"%.2f\", $ct / $un}")"
printf '  with one address (veth set-up + teardown)     %8s ms  (+%s ms)\n' "$net" \
    "$(awk "BEGIN {printf \"%.2f\", $net - $ct}")"
printf '  ratio sandbox / unshare                       %8s\n' "$(awk "BEGIN {printf \"%.2f\", $sb / $un}")"
echo "  load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs (other work inflates every figure alike)"
