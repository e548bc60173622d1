#!/bin/sh
# tests/real/import-mmdebstrap.sh: a root made elsewhere becomes a container.
#   mmdebstrap --variant=minbase bookworm OUT.tar MIRROR
#   vzpkg import OUT.tar --name debian-12-x86_64-mmdebstrap; vzpkg verify
#   vzctl create 150 --ostemplate debian-12-x86_64-mmdebstrap; vzctl start 150
#   vzctl exec 150 dpkg --audit   (must print nothing and exit 0)
#   vzctl stop 150; vzctl destroy 150
# and afterwards nothing of container 150 is left: no config, private area,
# root, run state, mount, cgroup, process, or network link. (The shared
# read-only unpacked template, the cache and the container's lock file stay,
# as docs/containers.md says.)
# The mirror comes from $VZ_MIRROR_DEBIAN or the host's apt sources: never
# written here. A temporary VZ_ROOT keeps the host's caches untouched.
# Exit 0 pass, 1 a failed check, 2 a missing tool.
set -u
B=${VZ_BUILD:-build}/bin
VZPKG=${VZPKG:-$B/vzpkg}
VZCTL=${VZCTL:-$B/vzctl}
T=debian-12-x86_64-mmdebstrap
CT=150
die() { echo "import-mmdebstrap: $*" >&2; exit 2; }
[ -x "$VZPKG" ] || die "$VZPKG not built (run make)"
[ -x "$VZCTL" ] || die "$VZCTL not built (run make)"
command -v mmdebstrap >/dev/null 2>&1 || die "mmdebstrap is missing (apt-get install mmdebstrap)"
[ "$(id -u)" = 0 ] || die "must run as root"
command -v jq >/dev/null 2>&1 || die "jq is missing (apt-get install jq)"

# The Debian mirror, resolved as vzforge resolves it (tests/real/mirror.sh.inc).
. "$(dirname "$0")/mirror.sh.inc"
vz_host_mirror || die "no Debian mirror: set VZ_MIRROR_DEBIAN or a Debian entry in the host's apt sources"

work=$(mktemp -d /tmp/vzr-mmdeb-XXXXXX) || die "mktemp failed"
export VZ_ROOT="$work/vzroot"
mkdir -p "$VZ_ROOT"
cleanup() {
    "$VZCTL" stop "$CT" >/dev/null 2>&1
    "$VZCTL" destroy "$CT" >/dev/null 2>&1
    grep -q " $work/" /proc/mounts && awk -v w="$work/" 'index($2, w) == 1 { print $2 }' /proc/mounts |
        sort -r | while read -r m; do umount -l "$m"; done
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

fail=0
ok() { echo "  ok    $1"; }
bad() { echo "  FAIL  $1"; fail=1; }
step() { # step DESCRIPTION CMD...: run, report, stop the test when it fails
    d=$1
    shift
    if out=$("$@" 2>&1); then
        ok "$d"
    else
        echo "$out" | tail -20 | sed 's/^/        /'
        bad "$d"
        exit 1
    fi
}

step "mmdebstrap --variant=minbase bookworm" \
    mmdebstrap --quiet --variant=minbase bookworm "$work/out.tar" "$mirror"
step "vzpkg import OUT.tar --name $T" "$VZPKG" -q import "$work/out.tar" --name "$T"
out=$("$VZPKG" verify "$T" 2>&1)
case "$out" in
*"$T: OK (signed by "*) ok "vzpkg verify: $out" ;;
*) bad "vzpkg verify: $out"; exit 1 ;;
esac
step "vzctl create $CT --ostemplate $T" "$VZCTL" create "$CT" --ostemplate "$T"
step "vzctl start $CT" "$VZCTL" start "$CT"
audit=$("$VZCTL" exec "$CT" dpkg --audit 2>&1)
rc=$?
[ "$rc" = 0 ] && [ -z "$audit" ] && ok "dpkg --audit inside: silent, exit 0" ||
    bad "dpkg --audit inside (exit $rc): $audit"
# exec joins its arguments and runs them with /bin/sh -c inside, as vzctl does
n=$("$VZCTL" exec "$CT" dpkg -l 2>/dev/null | grep -c '^ii ')
[ "$n" -gt 80 ] && ok "dpkg-query inside: $n packages ii" || bad "dpkg-query inside: $n packages ii"
step "vzctl stop $CT" "$VZCTL" stop "$CT"
step "vzctl destroy $CT" "$VZCTL" destroy "$CT"

# nothing of the container is left
left=""
for p in etc/vz/conf/$CT.conf vz/private/$CT vz/root/$CT; do
    [ -e "$VZ_ROOT/$p" ] && left="$left $p"
done
for p in "$VZ_ROOT"/vz/run/*; do
    [ -e "$p" ] && left="$left ${p#$VZ_ROOT/}"
done
[ -z "$left" ] && ok "no config, private area, root or run state left" || bad "left behind:$left"
m=$(awk -v r="$VZ_ROOT/" 'index($2, r) == 1 { print $2 }' /proc/mounts)
[ -z "$m" ] && ok "no mounts left under VZ_ROOT" || bad "mounts left: $m"
cg=$(find /sys/fs/cgroup -maxdepth 3 -type d -path "*/vzforge*/$CT" 2>/dev/null)
[ -z "$cg" ] && ok "no cgroup vzforge/$CT left" || bad "cgroups left: $cg"
procs=""
for d in /proc/[0-9]*; do
    r=$(readlink "$d/root" 2>/dev/null) || continue
    case "$r" in "$VZ_ROOT"/*) procs="$procs ${d#/proc/}" ;; esac
done
[ -z "$procs" ] && ok "no process left inside the container's root" || bad "processes left:$procs"
# the host end of a container's veth is veth<CTID>.0 (vpscore/net.h); other
# links on the host are not ours to count (other tests may run in parallel)
if ip -o link show "veth$CT.0" >/dev/null 2>&1; then
    bad "network link veth$CT.0 left"
else
    ok "no network link veth$CT.0 left"
fi
out=$("$VZPKG" verify "$T" 2>&1)
case "$out" in
*"$T: OK"*) ok "the cache still verifies after destroy" ;;
*) bad "vzpkg verify after destroy: $out" ;;
esac
exit $fail
