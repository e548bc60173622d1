#!/bin/bash
# tests/vm/run.sh: run one command as root in the check-vm guest (Debian 12,
# systemd as PID 1, pure cgroup v2, overlay an unloaded module) and return its
# exit status. Usage:
#   tests/vm/run.sh [--src DIR] [--share DIR]... [--share-rw DIR]...
#                   [--overlay FILE] [--results DIR] [--timeout SECS] -- COMMAND...
# --src DIR      the tree shared read-only at the same path, the command's cwd
#                (default: this worktree); build/ inside it is run from there
# --share DIR    another directory shared read-only at the same path
# --share-rw DIR the same, writable
# --overlay FILE keep the guest's disk in this qcow2 overlay (made when
#                missing): a second run with the same FILE boots the same disk
#                again (a reboot test); without it the overlay is thrown away
# --results DIR  keep the results (out, status, console.log) in DIR
# --timeout SECS kill the guest after SECS (default 3600): exit 124
#                (and after $VZ_VM_BOOT_TIMEOUT s, default 900, when it has not
#                booted far enough to start the command: exit 125)
# COMMAND runs under sh in the guest; its output streams here as it runs.
# Exit: the command's status; 124 timeout; 125 the guest gave no status
# (its console log is printed; the end of it on a failed command); 2 usage or setup.
set -u
here=$(cd "$(dirname "$0")" && pwd)
CACHE=${VZ_VM_CACHE:-/var/cache/vzforge-vm}
src=$(cd "$here/../.." && pwd)
shares=()
overlay=
results=
timeout=3600
usage() { sed -n '3,20p' "$0" >&2; exit 2; }
while [ $# -gt 0 ]; do
    case $1 in
    --src) src=$(cd "$2" && pwd) || exit 2; shift 2 ;;
    --share) shares+=("$(cd "$2" && pwd) ro") || exit 2; shift 2 ;;
    --share-rw) shares+=("$(cd "$2" && pwd) rw") || exit 2; shift 2 ;;
    --overlay) overlay=$2; shift 2 ;;
    --results) results=$2; shift 2 ;;
    --timeout) timeout=$2; shift 2 ;;
    --) shift; break ;;
    *) usage ;;
    esac
done
[ $# -gt 0 ] || usage
command -v qemu-system-x86_64 >/dev/null && command -v qemu-img >/dev/null ||
    { echo "vm: qemu-system-x86 and qemu-utils are needed (make check-vm installs them)" >&2; exit 2; }

img=$("$here/mkimage.sh") || exit 2

# One guest at a time: a TCG guest keeps both cores of this machine busy.
mkdir -p "$CACHE"
exec 9>"$CACHE/run.lock"
if ! flock -n 9; then
    echo "vm: another guest is running; waiting for $CACHE/run.lock" >&2
    flock 9
fi

tmp=$(mktemp -d /tmp/vzvm-XXXXXX)
qpid=
tpid=
cleanup() {
    [ -n "$qpid" ] && kill "$qpid" 2>/dev/null
    [ -n "$tpid" ] && kill "$tpid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'echo "vm: interrupted: stopping the guest" >&2; exit 130' INT TERM
if [ -n "$results" ]; then mkdir -p "$results" && res=$(cd "$results" && pwd) || exit 2
else res=$tmp/results; mkdir "$res"; fi
rm -f "$res/status" "$res/out" "$res/boot-uptime" "$res/end-uptime" "$res/boot-failed"
: >"$res/out"

# The command, quoted word by word, for the guest's sh. Its output goes to
# a file on the guest's own tmpfs and reaches the shared out file through
# one tail, the only writer of the 9p file. 9p has no atomic append (a
# write carries an offset: the guest client's idea of the file's size), so
# many processes appending at once (a Criterion runner and its workers) can
# overwrite each other's bytes: the likely source of the garbled messages
# in the guest's failure log of 2026-12-03 (docs/testing.md). tail --pid
# ends with the command (a process it left behind holding the file does
# not hold the run) after copying what is left.
{
    echo '{ '
    printf '%q ' "$@"
    echo '; } >/run/vm-cmd.out 2>&1 &'
    echo 'pid=$!'
    echo 'tail -n +1 -f --pid=$pid /run/vm-cmd.out'
    echo 'wait $pid'
} >"$res/cmd"
echo "$src" >"$res/cwd"
args=(-virtfs "local,path=$src,mount_tag=src,security_model=none,readonly=on")
echo "src $src ro" >"$res/mounts"
i=0
for s in ${shares[@]+"${shares[@]}"}; do
    d=${s% *} m=${s##* }
    ro=; [ "$m" = ro ] && ro=,readonly=on
    args+=(-virtfs "local,path=$d,mount_tag=share$i,security_model=none$ro")
    echo "share$i $d $m" >>"$res/mounts"
    i=$((i + 1))
done

# The disk: a qcow2 overlay over the cached raw image, which stays clean.
if [ -z "$overlay" ]; then overlay=$tmp/disk.qcow2; fi
if [ ! -f "$overlay" ]; then
    qemu-img create -q -f qcow2 -b "$img/disk.img" -F raw "$overlay" || exit 2
fi

# TCG: KVM does not boot a stock kernel on these machines (VM-TESTING.md).
t0=$(date +%s)
timeout -k 10 "$timeout" qemu-system-x86_64 -nodefaults -accel tcg,thread=multi -cpu max \
    -smp "${VZ_VM_SMP:-2}" -m "${VZ_VM_MEM:-4096}" -nic none -no-reboot -display none \
    -serial "file:$res/console.log" -kernel "$img/vmlinuz" -initrd "$img/initrd.img" \
    -append "$(cat "$img/cmdline")" \
    -drive "file=$overlay,if=virtio,format=qcow2,cache=unsafe" \
    -virtfs "local,path=$res,mount_tag=results,security_model=none" "${args[@]}" &
qpid=$!
tail -n +1 -F --pid=$qpid "$res/out" 2>/dev/null &
tpid=$!
# A guest that does not come up (a kernel panic before the console, a hung
# boot) must not hold CI for the whole --timeout: the command has started
# once the guest wrote boot-uptime; without it after VZ_VM_BOOT_TIMEOUT s
# (boots take 30-100 s under TCG), qemu is stopped and the run fails.
boot_limit=${VZ_VM_BOOT_TIMEOUT:-900}
( for _ in $(seq "$boot_limit"); do
      [ -f "$res/boot-uptime" ] && exit 0
      kill -0 "$qpid" 2>/dev/null || exit 0
      sleep 1
  done
  echo "vm: the guest did not start the command within $boot_limit s of boot: stopping it" >&2
  : >"$res/boot-failed"
  kill "$qpid" 2>/dev/null ) &
wpid=$!
wait $qpid
qrc=$?
qpid=
kill "$wpid" 2>/dev/null
wait "$wpid" 2>/dev/null
wait $tpid 2>/dev/null
tpid=
wall=$(( $(date +%s) - t0 ))

if [ -f "$res/status" ]; then
    rc=$(cat "$res/status")
    boot=$(cat "$res/boot-uptime")
    cmd=$(awk -v a="$boot" '{printf "%.0f", $1 - a}' "$res/end-uptime")
    echo "vm: boot ${boot%.*} s (guest uptime at the command's start), command $cmd s, wall $wall s, exit $rc" >&2
else
    if [ -f "$res/boot-failed" ]; then echo "vm: the guest did not boot; guest console:" >&2
    elif [ "$qrc" = 124 ]; then echo "vm: timed out after $timeout s; guest console:" >&2
    else echo "vm: the guest gave no exit status (qemu exit $qrc); guest console:" >&2; fi
    cat "$res/console.log" >&2
    [ "$qrc" = 124 ] && exit 124
    exit 125
fi
# the command's own output is above; the console's end says what the guest saw
[ "$rc" = 0 ] || { echo "vm: command failed ($rc); end of the guest console:" >&2; tail -n 40 "$res/console.log" >&2; }
exit "$rc"
