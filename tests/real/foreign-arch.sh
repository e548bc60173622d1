#!/bin/sh
# tests/real/foreign-arch.sh: a template of a foreign architecture,
# debian-12-aarch64-minimal on an x86_64 host, built from the host's mirror
# (never named here) through qemu-user-static and binfmt_misc, and checked as
# the amd64 templates are:
#   - tests/real/check-build.sh on it (dpkg --audit empty, every package ii,
#     apt-get check, dpkg --verify, apt-get install -s);
#   - tests/real/compare-debootstrap.sh with ARCH=aarch64: the package set and
#     versions equal `debootstrap --arch=arm64 --variant=minbase --print-debs`;
#   - a container from the cache starts and `vzctl exec CT uname -m` says
#     aarch64; it is stopped and destroyed.
# Prints the build's time next to a native (x86_64) build of the same variant.
#
# GLOBAL HOST STATE: binfmt_misc registrations are system-wide. When the host
# has no qemu-aarch64 entry, this script registers the distro's own (Debian's
# qemu-user-static package, through binfmt-support's update-binfmts, with the
# F flag) and mounts binfmt_misc if it is not mounted; at exit it undoes only
# what it added (update-binfmts --disable qemu-aarch64, umount). An entry the
# host already had is left as it was.
#
# Exit 0 pass, 1 a check failed, 2 something needed is missing.
set -u
B=${VZ_BUILD:-build}
VZPKG=${VZPKG:-$B/bin/vzpkg}
VZCTL=${VZCTL:-$B/bin/vzctl}
here=$(cd "$(dirname "$0")" && pwd)
T=debian-12-aarch64-minimal
NATIVE=debian-12-x86_64-minimal
BINFMT=/proc/sys/fs/binfmt_misc
die() { echo "foreign-arch: $*" >&2; exit 2; }
[ "$(id -u)" = 0 ] || die "must run as root"
[ "$(uname -m)" = x86_64 ] || die "written for an x86_64 host (it is $(uname -m))"
[ -x "$VZPKG" ] && [ -x "$VZCTL" ] || die "$VZPKG or $VZCTL not built (run make)"
[ -e /usr/libexec/qemu-binfmt/aarch64-binfmt-P ] || [ -x /usr/bin/qemu-aarch64-static ] ||
    die "qemu-user-static is not installed (apt-get install qemu-user-static binfmt-support)"
command -v update-binfmts >/dev/null 2>&1 || die "binfmt-support is not installed (apt-get install binfmt-support)"

work=$(mktemp -d /tmp/vzr-foreign-XXXXXX) || die "mktemp failed"
mounted=0
enabled=0
CT=$((8000000 + $$ % 1000000))
cleanup() {
    VZ_ROOT="$work/vzroot" "$VZCTL" -q stop "$CT" --fast >/dev/null 2>&1
    VZ_ROOT="$work/vzroot" "$VZCTL" -q destroy "$CT" >/dev/null 2>&1
    if [ $enabled = 1 ]; then
        echo "foreign-arch: undoing the qemu-aarch64 binfmt_misc registration it added"
        update-binfmts --disable qemu-aarch64 >/dev/null 2>&1 || echo "foreign-arch: update-binfmts --disable qemu-aarch64 failed" >&2
    fi
    if [ $mounted = 1 ]; then
        umount "$BINFMT" 2>/dev/null || echo "foreign-arch: could not unmount $BINFMT" >&2
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

if [ ! -e "$BINFMT/status" ]; then
    echo "foreign-arch: mounting binfmt_misc on $BINFMT (global host state; unmounted at exit)"
    mount -t binfmt_misc binfmt_misc "$BINFMT" || die "cannot mount binfmt_misc"
    mounted=1
fi
if [ ! -e "$BINFMT/qemu-aarch64" ]; then
    echo "foreign-arch: registering qemu-aarch64 with update-binfmts (global host state; undone at exit)"
    update-binfmts --enable qemu-aarch64 || die "update-binfmts --enable qemu-aarch64 failed"
    enabled=1
fi
grep -q '^flags: .*F' "$BINFMT/qemu-aarch64" ||
    die "qemu-aarch64 is registered without the F flag: $(grep flags "$BINFMT/qemu-aarch64")"

fail=0
ok() { echo "  ok    $*"; }
bad() { echo "  FAIL  $*"; fail=1; }

export VZ_ROOT="$work/vzroot"
mkdir -p "$VZ_ROOT"
start=$(date +%s.%N)
VZ_REAL_ROOT="$VZ_ROOT" sh "$here/check-build.sh" "$T" || fail=1
echo "foreign-arch: $T built and checked in $(echo "$(date +%s.%N) $start" | awk '{ printf "%.1f", $1 - $2 }') s"
ARCH=aarch64 sh "$here/compare-debootstrap.sh" 12:bookworm || fail=1

echo "== container of $T"
if [ -n "$(ls "$VZ_ROOT"/vz/template/cache/"$T".tar.* 2>/dev/null)" ]; then
    if "$VZCTL" -q create "$CT" --ostemplate "$T" >"$work/ct.log" 2>&1 &&
        "$VZCTL" -q start "$CT" >>"$work/ct.log" 2>&1; then
        m=$("$VZCTL" exec "$CT" uname -m 2>&1)
        [ "$m" = aarch64 ] && ok "vzctl exec $CT uname -m: aarch64" || bad "vzctl exec $CT uname -m: $m"
        out=$("$VZCTL" exec "$CT" dpkg --print-architecture 2>&1)
        [ "$out" = arm64 ] && ok "dpkg --print-architecture: arm64" || bad "dpkg --print-architecture: $out"
        "$VZCTL" -q stop "$CT" >>"$work/ct.log" 2>&1 && ok "stop" || bad "stop: $(tail -3 "$work/ct.log")"
        "$VZCTL" -q destroy "$CT" >>"$work/ct.log" 2>&1 && ok "destroy" || bad "destroy: $(tail -3 "$work/ct.log")"
    else
        bad "create/start $CT: $(tail -5 "$work/ct.log")"
    fi
else
    bad "no cache of $T to start a container from"
fi
[ $fail = 0 ] && echo "foreign-arch: all checks passed" || echo "foreign-arch: FAILED"
exit $fail
