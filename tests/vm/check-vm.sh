#!/bin/sh
# tests/vm/check-vm.sh: `make check-vm` on the host. Makes (or reuses) the
# guest image and a debian-12-x86_64-default cache, both from the host's
# mirror and both cached under $VZ_VM_CACHE, then boots the guest once and
# runs tests/vm/check.sh in it with this tree (and its build) shared
# read-only, then the reboot test of vz.service (tests/vm/boot-test.sh).
# Exits 0 when both passed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
B=${VZ_BUILD:-$src/build}
CACHE=${VZ_VM_CACHE:-/var/cache/vzforge-vm}
T=debian-12-x86_64-default
t0=$(date +%s)
"$here/mkimage.sh" >/dev/null || exit 2
# The guest has no network: the container's template is built here, in the
# cache's own VZ_ROOT (check-real builds its own in a temporary one), and
# built again whenever `vzpkg status` says the cache no longer matches the
# template's metadata or its repository (a cache kept across changes of the
# YAML would test the old template).
st=91
if [ -f "$CACHE/root/vz/template/cache/$T.manifest.sig" ]; then
    st=0
    VZ_ROOT=$CACHE/root "$B/bin/vzpkg" -q status "$T" >/dev/null 2>&1 || st=$?
fi
if [ "$st" != 0 ]; then
    echo "check-vm: building $T for the guest's container check (vzpkg status: $st)"
    VZ_ROOT=$CACHE/root "$B/bin/vzpkg" -q create-cache --force "$T" || exit 2
fi
echo "check-vm: image and caches ready ($(( $(date +%s) - t0 )) s)"
# The guest's limit grows with the suites it runs (TCG on a busy 2-core host
# took 3449 s for vpscore alone at load 15): 1800 s a suite, 3600 at least;
# VZ_VM_TIMEOUT=SECS sets it.
n=$(echo "${VM_SUITES:-vpscore robust}" | wc -w)
limit=$((n * 1800))
[ "$limit" -ge 3600 ] || limit=3600
# Each suite has its own limit inside (VM_SUITE_TIMEOUT, default 1500 s; 460
# and 150 s quiet): a hung test is named and the next part still runs.
res=$(mktemp -d /tmp/vzvm-res-XXXXXX) || exit 2
trap 'rm -rf "$res"' EXIT
trap 'exit 130' INT TERM
"$here/run.sh" --src "$src" --share "$CACHE/root" --results "$res" --timeout "${VZ_VM_TIMEOUT:-$limit}" -- \
    env VZ_BUILD="$B" VZ_CACHE_ROOT="$CACHE/root" VZT_BIN_TIMEOUT="${VM_SUITE_TIMEOUT:-1500}" \
    ${VM_SUITES:+VM_SUITES="$VM_SUITES"} tests/vm/check.sh
rc=$?
# vz.service across reboots (three boots of one disk): VM_BOOT_TEST=0 skips it
if [ "${VM_BOOT_TEST:-1}" != 0 ]; then
    VZ_BUILD="$B" "$here/boot-test.sh" || rc=1
fi
# What the guest said about its parts, again at the end: a CI log that keeps
# only its tail still says what failed in the guest, and where it stopped.
echo "check-vm: the guest's summary:"
# (not anchored: the guest's out file can lose a newline to 9p, see run.sh)
awk '/check: what failed:/ { on = 1 } on || /vm-check: |== .*: (killed after|[0-9]+ passed)/ { print "  " $0 }
     /failing test binaries:/ { on = 0 }' "$res/out"
[ "$rc" = 124 ] && { echo "check-vm: the guest was stopped at its limit; the last of its output:"; tail -n 15 "$res/out" | sed 's/^/  /'; }
echo "check-vm: exit $rc, $(( $(date +%s) - t0 )) s in all"
exit $rc
