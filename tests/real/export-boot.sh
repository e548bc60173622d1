#!/bin/sh
# tests/real/export-boot.sh: the real debian-12-x86_64-default, exported by
# `vzpkg export`, boots systemd in the tools that consume the formats.
#
# In a temporary VZ_ROOT: build debian-12-x86_64-default from the host's
# mirror (never named here; VZ_CACHE_ROOT=DIR: copy the cache and trust the
# signer from the VZ_ROOT DIR instead), export it as incus, lxc and oci, then
#   - LXD (Debian 12's lxd; a daemon of this script's own: LXD_DIR in the
#     temp dir, a dir storage pool, no network, its one outbound request sent
#     to a closed port on loopback): `lxc image import` of the unified image
#     gives the printed fingerprint; `lxc launch` boots systemd until
#     `systemctl is-system-running --wait` says running (within
#     BOOT_TIMEOUT; degraded fails and names the failed units); the hostname is the instance's (metadata templates);
#     the daemon is shut down and waited for;
#   - LXC: lxc-create -t local, lxc-start reaches RUNNING, lxc-attach runs
#     `cat /etc/debian_version`; stopped and destroyed;
#   - podman (runc, explicit ulimits): `cat /etc/debian_version` in the OCI
#     image.
# Nothing may be left: mounts under the temp dir, processes of the daemon.
# Exit 0 pass, 1 a check failed, 2 something needed is missing.
set -u
B=${VZ_BUILD:-build}
VZPKG=${VZPKG:-$B/bin/vzpkg}
T=${TEMPLATE:-debian-12-x86_64-default}
BOOT_TIMEOUT=${BOOT_TIMEOUT:-180}
die() { echo "export-boot: $*" >&2; exit 2; }
[ "$(id -u)" = 0 ] || die "must run as root"
[ -x "$VZPKG" ] || die "$VZPKG not built (run make)"
for t in lxd lxc lxc-create podman runc jq timeout; do
    command -v $t >/dev/null 2>&1 || die "$t is missing (make deps installs DEPS_EXPORT)"
done

work=$(mktemp -d /tmp/vzr-export-XXXXXX) || die "mktemp failed"
chmod 0755 "$work"
export VZ_ROOT="$work/vzroot"
lxd_pid=""
cleanup() {
    if [ -n "$lxd_pid" ]; then
        LXD_DIR="$work/lxd" timeout 60 lxc delete -f vzr-boot >/dev/null 2>&1
        LXD_DIR="$work/lxd" timeout 120 lxd shutdown >/dev/null 2>&1
        i=0
        while kill -0 "$lxd_pid" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.2; i=$((i + 1)); done
        kill -9 "$lxd_pid" 2>/dev/null
    fi
    lxc-stop -P "$work/lxc" -n vzr-boot -k >/dev/null 2>&1
    lxc-destroy -P "$work/lxc" -n vzr-boot >/dev/null 2>&1
    if grep -q " $work" /proc/mounts; then
        echo "  FAIL  mounts left under $work:"; grep " $work" /proc/mounts
        exit 1
    fi
    rm -rf "$work"
}
trap cleanup EXIT INT TERM
fail=0
ok() { echo "  ok    $1"; }
bad() { echo "  FAIL  $1"; fail=1; }

mkdir -p "$VZ_ROOT"
if [ -n "${VZ_CACHE_ROOT:-}" ]; then
    mkdir -p "$VZ_ROOT/vz/template/cache"
    cp "$VZ_CACHE_ROOT/vz/template/cache/$T".* "$VZ_ROOT/vz/template/cache/" &&
        "$VZPKG" -q trust add "$VZ_CACHE_ROOT/etc/vz/keys/signing.pub" >/dev/null ||
        { echo "  FAIL  cache $T from $VZ_CACHE_ROOT"; exit 1; }
    ok "cache $T copied from $VZ_CACHE_ROOT"
else
    "$VZPKG" create-cache "$T" -q || { echo "  FAIL  create-cache $T"; exit 1; }
    ok "create-cache $T"
fi

t0=$(date +%s)
"$VZPKG" export "$T" --format incus,lxc,oci -o "$work/out" --json >"$work/export.json" ||
    { echo "  FAIL  vzpkg export"; exit 1; }
ok "vzpkg export $T: $(( $(date +%s) - t0 )) s; $(jq -r '[.outputs[].files[] | "\(.kind) \(.size)"] | join(", ")' "$work/export.json")"
[ "$(jq -r .has_init "$work/export.json")" = true ] && ok "has_init" || bad "has_init is not true"
f() { jq -r --arg f "$1" --arg k "$2" '.outputs[] | select(.format == $f) | .files[] | select(.kind == $k) | .path' "$work/export.json"; }
fp=$(jq -r '.outputs[] | select(.format == "incus") | .fingerprint' "$work/export.json")

echo "== LXD"
mkdir -m 0711 "$work/lxd"
export LXD_DIR="$work/lxd"
(
    export https_proxy=http://127.0.0.1:9 http_proxy=http://127.0.0.1:9
    unset no_proxy
    exec setsid lxd --logfile "$work/lxd.log" </dev/null >"$work/lxd.out" 2>&1
) &
lxd_pid=$!
timeout 120 lxd waitready --timeout 110 || { bad "lxd did not start: $(tail -5 "$work/lxd.log")"; exit 1; }
lxc storage create vzr dir >/dev/null </dev/null && lxc profile device add default root disk path=/ pool=vzr >/dev/null </dev/null ||
    { bad "storage pool"; exit 1; }
out=$(lxc image import "$(f incus unified)" --alias vzr-default </dev/null 2>&1 | tr '\r' '\n' | grep fingerprint)
[ "$out" = "Image imported with fingerprint: $fp" ] && ok "unified image imported, fingerprint $fp" || bad "import: $out"
t0=$(date +%s)
lxc launch vzr-default vzr-boot </dev/null >/dev/null 2>&1 || bad "lxc launch"
# systemctl needs the container's bus, which comes up during the boot
state=""
while [ $(( $(date +%s) - t0 )) -lt "$BOOT_TIMEOUT" ]; do
    state=$(timeout 30 lxc exec vzr-boot -- systemctl is-system-running --wait </dev/null 2>&1)
    case "$state" in running|degraded) break ;; esac
    sleep 2
done
# running, nothing less: a degraded boot (a unit failed) fails, naming the units
case "$state" in
running) ok "systemd: $state after $(( $(date +%s) - t0 )) s" ;;
degraded) bad "systemd: degraded after $(( $(date +%s) - t0 )) s; failed units: $(lxc exec vzr-boot -- systemctl --failed --no-legend </dev/null | tr '\n' ' ')" ;;
*) bad "systemd: '$state'" ;;
esac
hn=$(lxc exec vzr-boot -- cat /etc/hostname </dev/null)
[ "$hn" = vzr-boot ] && ok "hostname from the metadata template: $hn" || bad "hostname '$hn'"
pid1=$(lxc exec vzr-boot -- readlink /proc/1/exe </dev/null)
ok "PID 1 in the container: $pid1"
lxc delete -f vzr-boot </dev/null >/dev/null || bad "lxc delete"
timeout 120 lxd shutdown || bad "lxd shutdown"
i=0
while kill -0 "$lxd_pid" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.2; i=$((i + 1)); done
kill -0 "$lxd_pid" 2>/dev/null && bad "lxd still running after shutdown" || ok "lxd shut down"
lxd_pid=""
unset LXD_DIR

echo "== LXC"
mkdir -p "$work/lxc"
printf 'lxc.net.0.type = empty\nlxc.apparmor.profile = unconfined\n' >"$work/lxc.conf"
if lxc-create -P "$work/lxc" -n vzr-boot -f "$work/lxc.conf" -t local -- --metadata "$(f lxc meta)" \
    --fstree "$(f lxc rootfs)" >/dev/null 2>&1; then
    ok "lxc-create -t local"
    lxc-start -P "$work/lxc" -n vzr-boot && lxc-wait -P "$work/lxc" -n vzr-boot -s RUNNING -t 60 &&
        ok "lxc-start: RUNNING" || bad "lxc-start"
    v=$(lxc-attach -P "$work/lxc" -n vzr-boot -- cat /etc/debian_version 2>&1)
    case "$v" in 12.*) ok "lxc-attach: debian_version $v" ;; *) bad "lxc-attach: $v" ;; esac
    lxc-stop -P "$work/lxc" -n vzr-boot -k; lxc-destroy -P "$work/lxc" -n vzr-boot >/dev/null
else
    bad "lxc-create"
fi

echo "== podman"
P="podman --root $work/podman/storage --runroot $work/podman/run --cgroup-manager cgroupfs --events-backend file --storage-driver vfs"
v=$(cd "$work/out" && $P run --rm --runtime runc --network none --ulimit nofile=1024:1024 \
    --ulimit nproc=4096:4096 "oci:$T.oci:latest" cat /etc/debian_version </dev/null 2>/dev/null)
case "$v" in 12.*) ok "podman run: debian_version $v" ;; *) bad "podman run: '$v'" ;; esac
$P rmi -a -f >/dev/null 2>&1
exit $fail
