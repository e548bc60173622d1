#!/bin/sh
# tests/vm/check.sh: what `make check-vm` runs INSIDE the guest (Debian 12,
# systemd, pure cgroup v2), from the read-only shared tree: the runtime's
# suites through tests/run-tests.sh, then the real systemd container
# (tests/real/check-container.sh) from the debian-12-x86_64-default cache the
# host built, shared in read-only at $VZ_CACHE_ROOT. Prints each part's time;
# exits 1 when any part failed.
set -u
src=$(cd "$(dirname "$0")/../.." && pwd)
export VZ_BUILD=${VZ_BUILD:-$src/build} VZ_SRC=${VZ_SRC:-$src}
SUITES=${VM_SUITES:-vpscore robust}
fail=
echo "vm-check: $(uname -r), /sys/fs/cgroup is $(stat -fc %T /sys/fs/cgroup), PID 1 is $(cat /proc/1/comm)," \
     "overlay $(grep -qw overlay /proc/filesystems && echo loaded || echo 'not loaded')"
for s in $SUITES; do
    t0=$(cut -d' ' -f1 /proc/uptime)
    "$src/tests/run-tests.sh" "$VZ_BUILD/tests/test_$s" || fail="$fail test_$s"
    echo "vm-check: test_$s took $(awk -v a="$t0" '{printf "%.0f", $1 - a}' /proc/uptime) s"
done
if [ -n "${VZ_CACHE_ROOT:-}" ]; then
    t0=$(cut -d' ' -f1 /proc/uptime)
    sh "$src/tests/real/check-container.sh" || fail="$fail check-container"
    echo "vm-check: check-container took $(awk -v a="$t0" '{printf "%.0f", $1 - a}' /proc/uptime) s"
fi
[ -z "$fail" ] && { echo "vm-check: PASS"; exit 0; }
echo "vm-check: FAIL:$fail"
exit 1
