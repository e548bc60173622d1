#!/bin/sh
# tests/vm/boot-test.sh: vz.service across reboots, in the check-vm guest.
# Boots the same disk three times (run.sh --overlay) and runs
# tests/vm/boot-guest.sh install, after-boot, after-shutdown in them:
# the unit enabled, two ONBOOT containers and one not; after the reboot
# exactly the two run (BOOTORDER order); systemctl stop leaves no container
# process; the poweroff's stop-all stopped both cleanly (read in the third
# boot from the second's journal). Needs this tree built with the default
# PREFIX (make -j2 DEVELOPER=1). Exit: 0, or the failing phase's status.
#   VZ_VM_RUN  the runner (default: tests/vm/run.sh next to this script)
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
B=${VZ_BUILD:-$src/build}
RUN=${VZ_VM_RUN:-$here/run.sh}
[ -x "$RUN" ] || { echo "boot-test: no runner $RUN (set VZ_VM_RUN)" >&2; exit 2; }
[ -f "$B/vz.service" ] && [ -x "$B/bin/vzctl" ] || { echo "boot-test: build first (make)" >&2; exit 2; }
ov=$(mktemp -u /tmp/vzvm-boot-XXXXXX.qcow2)
trap 'rm -f "$ov"' EXIT INT TERM
t0=$(date +%s)
for phase in install after-boot after-shutdown; do
    echo "boot-test: boot for phase $phase"
    "$RUN" --src "$src" --overlay "$ov" --timeout "${VZ_VM_TIMEOUT:-1800}" -- \
        env VZ_BUILD="$B" tests/vm/boot-guest.sh "$phase"
    rc=$?
    [ $rc = 0 ] || { echo "boot-test: phase $phase failed (exit $rc)"; exit $rc; }
done
echo "boot-test: ok, three boots in $(( $(date +%s) - t0 )) s"
