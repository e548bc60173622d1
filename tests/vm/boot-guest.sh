#!/bin/sh
# tests/vm/boot-guest.sh PHASE: the guest side of tests/vm/boot-test.sh,
# run as root in the check-vm guest (systemd PID 1, cgroup v2) with the tree
# and its build shared read-only (cwd). Each phase runs in its own boot of
# the same disk:
#   install         install vzctl and vz.service as `make install` does,
#                   enable the unit, make containers 9101 (ONBOOT, BOOTORDER
#                   20), 9102 (ONBOOT, BOOTORDER 10), 9103 (ONBOOT="no")
#   after-boot      exactly 9101 and 9102 run, 9101 started first, neither in
#                   vz.service's cgroup; `systemctl stop vz` leaves no
#                   container process; `systemctl start vz` brings them back
#                   for this boot's poweroff
#   after-shutdown  the previous boot's journal: the poweroff's stop-all
#                   stopped both, nothing failed; this boot runs the two again
# Prints "boot-test: PHASE ok" or "boot-test: FAIL: why" (exit 1).
set -u
B=${VZ_BUILD:-$PWD/build}
ON1=9101 ON2=9102 OFF=9103
fail() { echo "boot-test: FAIL: $*"; exit 1; }
running() { /usr/local/sbin/vzlist -H -o ctid | tr -d ' ' | sort | tr '\n' ' '; }
init_pid() { /usr/local/sbin/vzctl status "$1" --json | sed -n 's/.*"init_pid": \([0-9]*\).*/\1/p'; }

# pids whose comm is "vzinit": vzforge's tiny init, these containers' pid 1
vzinits() {
    for c in /proc/[0-9]*/comm; do
        [ "$(cat "$c" 2>/dev/null)" = vzinit ] && { p=${c%/comm}; printf ' %s' "${p#/proc/}"; }
    done
}

mkct() { # CTID CONF-LINES: a busybox container, unprivileged as create makes one
    d=/vz/private/$1
    mkdir -p "$d/bin" "$d/sbin" "$d/etc" "$d/proc" "$d/sys" "$d/dev" "$d/tmp" "$d/root"
    cp /bin/busybox "$d/bin/busybox" || fail "no /bin/busybox (busybox-static) in the guest"
    for a in sh sleep cat; do ln -s busybox "$d/bin/$a"; done
    chown -R 3000000:3000000 "$d"
    printf 'VE_PRIVATE="%s"\nVE_ROOT="/vz/root/%s"\nVE_LAYOUT="plain"\nLOCAL_UID="3000000"\nLOCAL_GID="3000000"\n%b' \
        "$d" "$1" "$2" > "/etc/vz/conf/$1.conf"
}

case ${1:-} in
install)
    grep -qx 'ExecStart=/usr/local/sbin/vzctl start-all --onboot' "$B/vz.service" ||
        fail "$B/vz.service is not the default-PREFIX build's unit"
    install -d /usr/local/sbin /usr/local/libexec/vzforge /etc/vz/conf
    install -d -m 0700 /vz /vz/private /vz/root
    install -m 0755 "$B/bin/vzctl" "$B/bin/vzlist" /usr/local/sbin/
    install -m 0755 "$B/bin/vzctl-create" /usr/local/libexec/vzforge/
    install -m 0644 "$B/vz.service" /lib/systemd/system/vz.service
    systemctl daemon-reload
    systemctl enable vz.service || fail "systemctl enable vz.service"
    # the journal must survive the reboots (phase 3 reads the previous boot's)
    # (the guest's journald is volatile: /var/log/journal alone was not enough)
    mkdir -p /etc/systemd/journald.conf.d /var/log/journal
    printf '[Journal]\nStorage=persistent\n' > /etc/systemd/journald.conf.d/vzt-persistent.conf
    systemd-tmpfiles --create --prefix /var/log/journal
    systemctl restart systemd-journald && journalctl --flush
    mkct $ON1 'ONBOOT="yes"\nBOOTORDER="20"\n'
    mkct $ON2 'ONBOOT="yes"\nBOOTORDER="10"\n'
    mkct $OFF 'ONBOOT="no"\nBOOTORDER="30"\n'
    [ -z "$(running)" ] || fail "containers run before the reboot: $(running)"
    ;;
after-boot)
    systemctl is-active -q vz.service || fail "vz.service is $(systemctl is-active vz.service)"
    [ "$(running)" = "$ON1 $ON2 " ] || fail "running after boot: '$(running)', want '$ON1 $ON2 '"
    log=$(journalctl -b -u vz.service -o cat)
    echo "$log"
    l1=$(echo "$log" | grep -n "Container $ON1 started" | cut -d: -f1)
    l2=$(echo "$log" | grep -n "Container $ON2 started" | cut -d: -f1)
    [ -n "$l1" ] && [ -n "$l2" ] && [ "$l1" -lt "$l2" ] || fail "BOOTORDER 20 ($ON1) did not start before 10 ($ON2)"
    pids=
    for ct in $ON1 $ON2; do
        p=$(init_pid $ct)
        [ -n "$p" ] || fail "no init pid for $ct"
        echo "$ct init $p: $(cat /proc/$p/cgroup)"
        grep -q 'vz\.service' /proc/$p/cgroup && fail "container $ct is in vz.service's cgroup"
        pids="$pids $p"
    done
    [ "$(vzinits | wc -w)" = 2 ] || fail "the /proc scan finds '$(vzinits)', not the 2 container inits"
    systemctl stop vz.service || fail "systemctl stop vz.service"
    [ -z "$(running)" ] || fail "still running after systemctl stop vz: $(running)"
    for p in $pids; do
        [ -d /proc/$p ] && fail "init $p outlived systemctl stop vz.service"
    done
    left=$(vzinits)
    [ -z "$left" ] || fail "container inits left after systemctl stop vz.service:$left"
    journalctl -u vz.service -o cat -n 5
    systemctl start vz.service || fail "systemctl start vz.service"
    [ "$(running)" = "$ON1 $ON2 " ] || fail "running after systemctl start: '$(running)'"
    ;;
after-shutdown)
    prev=$(journalctl -b -1 -u vz.service -o cat) || fail "no journal of the previous boot"
    echo "$prev"
    # two stop-alls in that boot: systemctl stop, then the poweroff's
    n=$(echo "$prev" | grep -c 'stop-all: 2 stopped, 0 skipped, 0 failed')
    [ "$n" = 2 ] || fail "the previous boot's journal has $n clean 'stop-all: 2 stopped' lines, want 2"
    echo "$prev" | grep -q 'error' && fail "errors in the previous boot's vz.service log"
    [ "$(running)" = "$ON1 $ON2 " ] || fail "running after the third boot: '$(running)'"
    ;;
*)
    echo "usage: $0 install|after-boot|after-shutdown" >&2
    exit 2
    ;;
esac
echo "boot-test: $1 ok"
