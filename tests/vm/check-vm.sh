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
"$here/run.sh" --src "$src" --share "$CACHE/root" --timeout "${VZ_VM_TIMEOUT:-$limit}" -- \
    env VZ_BUILD="$B" VZ_CACHE_ROOT="$CACHE/root" ${VM_SUITES:+VM_SUITES="$VM_SUITES"} tests/vm/check.sh
rc=$?
# vz.service across reboots (three boots of one disk): VM_BOOT_TEST=0 skips it
if [ "${VM_BOOT_TEST:-1}" != 0 ]; then
    VZ_BUILD="$B" "$here/boot-test.sh" || rc=1
fi
echo "check-vm: exit $rc, $(( $(date +%s) - t0 )) s in all"
exit $rc
