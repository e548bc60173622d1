#!/bin/sh
# tests/real/check-container.sh: a real Debian container with systemd as init.
#
# In a temporary VZ_ROOT: build debian-12-x86_64-default from the host's
# mirror (never named here; VZ_CACHE_ROOT=DIR: copy the cache from the
# VZ_ROOT DIR instead, for a host without network), create a container, start it (systemd is its
# /sbin/init), then inside it:
#   - `apt-get --version` works;
#   - `systemctl is-system-running --wait` (bounded) says running or
#     degraded (a container has no console getty: docs/runtime.md says what
#     degrades and why); the failed units are printed;
#   - `hostname` is the one given at create;
#   - the cache holds no SSH host keys and each container made its own at
#     first boot (the two containers' keys differ);
# stop must finish within STOP_TIMEOUT (a clean systemd shutdown, not the
# SIGKILL after it), destroy, and nothing may be left: mounts under VZ_ROOT,
# cgroups of the container in any hierarchy, its veth, its processes.
# Variant (unless NO_NET=1): the same container with --ipadd, entirely inside
# a network namespace this script creates; its sshd must answer on the
# address from that namespace's side.
#
# The CTID is made unique per run (cgroup names are host-wide, VZ_ROOT is
# not): containers of other test runs on this host never collide with it.
#
# Exit 0 pass, 1 a check failed, 2 something needed is missing.
set -u
B=${VZ_BUILD:-build}
VZPKG=${VZPKG:-$B/bin/vzpkg}
VZCTL=${VZCTL:-$B/bin/vzctl}
T=${TEMPLATE:-debian-12-x86_64-default}
STOP_TIMEOUT=${STOP_TIMEOUT:-30}
BOOT_TIMEOUT=${BOOT_TIMEOUT:-120}
die() { echo "check-container: $*" >&2; exit 2; }
[ "$(id -u)" = 0 ] || die "must run as root (namespaces, cgroups, mounts)"
[ -x "$VZPKG" ] && [ -x "$VZCTL" ] || die "$VZPKG or $VZCTL not built (run make)"
for t in timeout ip nsenter bash; do
    command -v $t >/dev/null 2>&1 || die "$t is missing"
done

work=$(mktemp -d /tmp/vzr-ct-XXXXXX) || die "mktemp failed"
export VZ_ROOT="$work"
CT=$((7000000 + $$ % 1000000))
CT2=$((CT + 1))
NS=vzrc$$
ns_made=0
cleanup() {
    for c in $CT $CT2; do
        if [ -f "$VZ_ROOT/etc/vz/conf/$c.conf" ]; then
            nsenter_maybe "$c" "$VZCTL" stop "$c" --fast >/dev/null 2>&1
            "$VZCTL" destroy "$c" >/dev/null 2>&1
        fi
    done
    [ $ns_made = 1 ] && ip netns del "$NS" 2>/dev/null
    grep -q " $work" /proc/self/mountinfo && grep " $work" /proc/self/mountinfo | awk '{print $5}' |
        sort -r | while read -r m; do umount -l "$m"; done
    rm -rf "$work"
}
# The --ipadd container's vzctl commands run in the test's netns.
nsenter_maybe() {
    c=$1; shift
    if [ "$c" = "$CT2" ]; then nsenter --net="/run/netns/$NS" "$@"; else "$@"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail=0
ok() { echo "  ok    $*"; }
bad() { echo "  FAIL  $*"; fail=1; }
now() { date +%s.%N; }
secs() { echo "$1 $2" | awk '{printf "%.2f", $2 - $1}'; }

# What a container leaves on the host while it runs, and must not after.
leftovers() { # CTID
    c=$1
    n=$(grep -c " $work" /proc/self/mountinfo)
    [ "$n" = 0 ] || echo "mounts: $n under $work"
    for d in /sys/fs/cgroup/*/vzforge*/"$c" /sys/fs/cgroup/vzforge*/"$c"; do
        [ -d "$d" ] && echo "cgroup: $d"
    done
    for n in "" "$NS"; do
        if [ -z "$n" ]; then l=$(ip -o link show 2>/dev/null); else
            [ $ns_made = 1 ] || continue; l=$(ip -n "$n" -o link show 2>/dev/null); fi
        echo "$l" | grep -q "veth$c\.0" && echo "veth: veth$c.0${n:+ in netns $n}"
    done
    [ -n "$pidns" ] && for p in /proc/[0-9]*; do
        # a zombie is dead already: it only waits for the host's pid 1 to reap it
        [ "$(readlink "$p/ns/pid" 2>/dev/null)" = "$pidns" ] &&
            ! grep -q '^State:.*Z' "$p/status" 2>/dev/null &&
            echo "process: ${p#/proc/} ($(cat "$p/comm" 2>/dev/null)) in the container's $pidns"
    done
}

# One container's life. $1 CTID, $2 hostname, rest: extra create options.
run_ct() {
    c=$1; h=$2; shift 2
    t0=$(now)
    if ! nsenter_maybe "$c" "$VZCTL" create "$c" --ostemplate "$T" --hostname "$h" "$@"; then
        bad "vzctl create $c"; return
    fi
    t1=$(now)
    ok "create $c ($(secs "$t0" "$t1") s)"
    echo "STOP_TIMEOUT=\"$STOP_TIMEOUT\"" >>"$VZ_ROOT/etc/vz/conf/$c.conf"
    t0=$(now)
    if ! nsenter_maybe "$c" "$VZCTL" start "$c"; then bad "vzctl start $c"; return; fi
    t1=$(now)
    ok "start $c ($(secs "$t0" "$t1") s)"
    init=$(cut -d' ' -f1 "$VZ_ROOT/vz/run/$c.pid")
    exe=$(readlink "/proc/$init/exe")
    case "$exe" in */systemd) ok "pid 1 is systemd ($exe)" ;; *) bad "pid 1 is $exe, not systemd" ;; esac
    # unprivileged: its own user namespace, root inside is LOCAL_UID outside
    lu=$(sed -n 's/^LOCAL_UID="\([0-9]*\)"$/\1/p' "$VZ_ROOT/etc/vz/conf/$c.conf")
    map=$(awk '{print $1, $2}' "/proc/$init/uid_map")
    huid=$(awk '/^Uid:/ {print $2}' "/proc/$init/status")
    if [ -n "$lu" ] && [ "$map" = "0 $lu" ] && [ "$huid" = "$lu" ]; then
        ok "unprivileged: uid 0 inside is host uid $lu (uid_map '$map')"
    else bad "not in its own user namespace: LOCAL_UID '$lu', uid_map '$map', host uid '$huid'"; fi
    # The bus socket appears a moment after start; --wait needs the bus.
    state=$(timeout "$BOOT_TIMEOUT" "$VZCTL" exec2 "$c" \
        'i=0; while [ ! -S /run/systemd/private ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done;
         systemctl is-system-running --wait' 2>&1)
    t2=$(now)
    case "$state" in
    running) ok "systemctl is-system-running: running ($(secs "$t0" "$t2") s after start began)" ;;
    degraded)
        ok "systemctl is-system-running: degraded ($(secs "$t0" "$t2") s after start began); failed units:"
        "$VZCTL" exec "$c" 'systemctl --failed --no-legend --plain' | sed 's/^/          /' ;;
    *) bad "systemctl is-system-running: '$state'"
       "$VZCTL" exec "$c" 'systemctl --failed --no-legend --plain' 2>&1 | sed 's/^/          /' ;;
    esac
    v=$("$VZCTL" exec "$c" apt-get --version 2>&1 | head -1)
    case "$v" in "apt "*) ok "apt-get --version: $v" ;; *) bad "apt-get --version: '$v'" ;; esac
    v=$("$VZCTL" exec "$c" hostname 2>&1)
    [ "$v" = "$h" ] && ok "hostname: $v" || bad "hostname: '$v', want '$h'"
    v=$("$VZCTL" exec "$c" 'cat /etc/machine-id' 2>&1)
    case "$v" in [0-9a-f]*[0-9a-f]) [ ${#v} = 32 ] && ok "machine-id set at boot: $v" || bad "machine-id '$v'" ;;
    *) bad "machine-id '$v'" ;; esac
    # SSH host keys: none in the cache, made at first boot, one set per container
    k=$(timeout 60 "$VZCTL" exec2 "$c" \
        'i=0; while [ ! -s /etc/ssh/ssh_host_ed25519_key.pub ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done;
         cat /etc/ssh/ssh_host_ed25519_key.pub' 2>&1 | awk '{print $2}')
    case "$k" in
    AAAA*) if [ -n "$hostkeys" ] && [ "$hostkeys" = "$k" ]; then bad "SSH host key shared with the other container"
           else ok "SSH host key made at first boot (ed25519 ${k#AAAAC3NzaC1lZDI1NTE5AAAA})"; fi
           hostkeys=$k ;;
    *) bad "no SSH host key after boot: '$k'" ;;
    esac
    if [ "$c" = "$CT2" ]; then
        banner=$(nsenter --net="/run/netns/$NS" timeout 10 bash -c \
            'exec 3<>/dev/tcp/'"$ADDR"'/22 && head -c 8 <&3' 2>&1)
        [ "$banner" = "SSH-2.0-" ] && ok "sshd answers on $ADDR from the test netns" ||
            bad "sshd on $ADDR: '$banner'"
    fi
    # after stop, no process may be left in the container's pid namespace
    pidns=$(readlink "/proc/$init/ns/pid")
    t0=$(now)
    if nsenter_maybe "$c" "$VZCTL" stop "$c"; then
        t1=$(now)
        el=$(secs "$t0" "$t1")
        if awk "BEGIN{exit !($el < $STOP_TIMEOUT)}"; then ok "stop $c ($el s, clean shutdown)"
        else bad "stop $c took $el s: STOP_TIMEOUT ($STOP_TIMEOUT s) ran out, init was killed"; fi
    else bad "vzctl stop $c"; fi
    if nsenter_maybe "$c" "$VZCTL" destroy "$c"; then ok "destroy $c"; else bad "vzctl destroy $c"; fi
    left=$(leftovers "$c")
    [ -z "$left" ] && ok "nothing left behind (mounts, cgroups, veth, processes)" ||
        { bad "left behind:"; echo "$left" | sed 's/^/          /'; }
}

echo "== $T"
t0=$(now)
if [ -n "${VZ_CACHE_ROOT:-}" ]; then
    # A cache built elsewhere (make check-vm: on the host, for a guest with no
    # network): copied in and its signer trusted, as an admin would.
    mkdir -p "$VZ_ROOT/vz/template/cache"
    cp "$VZ_CACHE_ROOT/vz/template/cache/$T".* "$VZ_ROOT/vz/template/cache/" &&
        "$VZPKG" -q trust add "$VZ_CACHE_ROOT/etc/vz/keys/signing.pub" >/dev/null ||
        { echo "  FAIL  cache $T from $VZ_CACHE_ROOT"; exit 1; }
    ok "cache $T copied from $VZ_CACHE_ROOT"
else
    "$VZPKG" create-cache "$T" -q || { echo "  FAIL  create-cache $T"; exit 1; }
    ok "create-cache $T ($(secs "$t0" "$(now)") s)"
fi

keys=$(zstd -dc "$VZ_ROOT/vz/template/cache/$T.tar.zst" | tar -t 2>/dev/null | grep -c 'etc/ssh/ssh_host_.*key')
[ "$keys" = 0 ] && ok "the cache holds no SSH host keys" || bad "the cache holds $keys SSH host key files"
hostkeys=

echo "== container $CT (systemd, no network)"
pidns=
run_ct "$CT" "ct$CT.test"

if [ "${NO_NET:-0}" != 1 ]; then
    echo "== container $CT2 (systemd, --ipadd, inside netns $NS)"
    ip netns add "$NS" || die "ip netns add $NS"
    ns_made=1
    ip -n "$NS" link set lo up
    ADDR=10.199.$(( $$ % 250 )).2
    # the namespace's own address, as a host has one: the source of the test's
    # connection (127.0.0.1 cannot leave through the veth)
    ip -n "$NS" addr add "10.198.$(( $$ % 250 )).1/32" dev lo
    pidns=
    run_ct "$CT2" "ct$CT2.test" --ipadd "$ADDR"
fi

[ $fail = 0 ] && echo "check-container: PASS" || echo "check-container: FAIL"
exit $fail
