#!/bin/sh
# tests/vm/mkimage.sh: make (or reuse) the check-vm guest image and print its
# directory (disk.img, vmlinuz, initrd.img, cmdline).
#
# The guest is built by vzforge itself: the debian-12-x86_64-vmhost template
# (distros/debian-12.yaml plus the variant in tests/vm/vmhost.yaml, as a local
# override in the cache's own VZ_ROOT) from the host's mirror, unpacked into an ext4 image
# with `mkfs.ext4 -d`, plus the plumbing in tests/vm/guest/. The image is
# cached under $VZ_VM_CACHE (default /var/cache/vzforge-vm, outside the repo),
# keyed by what went into it: the template file, the variant, this script and
# the plumbing. A run never writes to it (tests/vm/run.sh boots a throw-away
# qcow2 overlay), so it is built once and reused until one of those changes.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
B=${VZ_BUILD:-$src/build}
CACHE=${VZ_VM_CACHE:-/var/cache/vzforge-vm}
T=debian-12-x86_64-vmhost
YAML=$src/distros/debian-12.yaml
SIZE=${VZ_VM_SIZE:-8G}
say() { echo "mkimage: $*" >&2; }

key=$( { echo "$T"; cat "$YAML" "$here/vmhost.yaml" "$0" "$here"/guest/*; } | sha256sum | cut -c1-16)
dir=$CACHE/vmhost-$key
if [ -f "$dir/disk.img" ]; then echo "$dir"; exit 0; fi

mkdir -p "$CACHE"
# one builder at a time; another caller waits and then reuses its image
exec 8>"$CACHE/mkimage.lock"
flock 8
if [ -f "$dir/disk.img" ]; then echo "$dir"; exit 0; fi
[ "$(id -u)" = 0 ] || { say "must run as root (the template build and the image's owners)"; exit 2; }
[ -x "$B/bin/vzpkg" ] || { say "$B/bin/vzpkg not built (run make)"; exit 2; }

# The template cache lives in a VZ_ROOT of its own under the cache directory,
# so it never mixes with the host's templates.
t0=$(date +%s)
say "building $T (vzpkg create-cache, from the host's mirror)"
mkdir -p "$CACHE/root/etc/vz/distros"
cat "$YAML" "$here/vmhost.yaml" >"$CACHE/root/etc/vz/distros/debian-12.yaml"
VZ_ROOT=$CACHE/root VZ_DISTROS_DIR=$src/distros "$B/bin/vzpkg" -q create-cache "$T" --force >&2
tarball=$CACHE/root/vz/template/cache/$T.tar.zst

tmp=$CACHE/.build-$$
rm -rf "$tmp"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/root"
tar --zstd --numeric-owner --xattrs --xattrs-include='*' -xpf "$tarball" -C "$tmp/root"
r=$tmp/root

# --- the VM plumbing ---------------------------------------------------------
echo '/dev/vda / ext4 rw,errors=remount-ro 0 1' >"$r/etc/fstab"
echo vzvm >"$r/etc/hostname"
install -m 0755 "$here/guest/vm-run" "$r/usr/local/sbin/vm-run"
install -m 0644 "$here/guest/vm-run.service" "$r/etc/systemd/system/vm-run.service"
ln -sf /etc/systemd/system/vm-run.service "$r/etc/systemd/system/multi-user.target.wants/vm-run.service"
# A fast, quiet boot: nobody logs in (no gettys) and no periodic job may
# start in the middle of a test run (timers).
for u in getty@.service serial-getty@.service getty.target \
         apt-daily.timer apt-daily-upgrade.timer man-db.timer e2scrub_all.timer \
         fstrim.timer logrotate.timer dpkg-db-backup.timer systemd-tmpfiles-clean.timer; do
    ln -sf /dev/null "$r/etc/systemd/system/$u"
done
# the journal in memory: the disk is a throw-away overlay anyway
mkdir -p "$r/etc/systemd/journald.conf.d"
printf '[Journal]\nStorage=volatile\n' >"$r/etc/systemd/journald.conf.d/vm.conf"

# kernel and initrd are booted directly by qemu (no boot loader in the image)
mkdir -p "$tmp/out"
cp "$(ls "$r"/boot/vmlinuz-* | tail -n 1)" "$tmp/out/vmlinuz"
cp "$(ls "$r"/boot/initrd.img-* | tail -n 1)" "$tmp/out/initrd.img"
# overlay stays a module that nothing preloads; cgroup v2 only, as on a
# fresh Debian 12/13 host
echo "root=/dev/vda rw console=ttyS0 systemd.unified_cgroup_hierarchy=1 panic=-1 quiet loglevel=4 systemd.show_status=auto" \
    >"$tmp/out/cmdline"
mkfs.ext4 -q -F -L vzvm -d "$r" "$tmp/out/disk.img" "$SIZE" >&2
rm -rf "$r"
mv "$tmp/out" "$dir"
# keep only the two newest images (another worktree's key may be in use)
ls -dt "$CACHE"/vmhost-* 2>/dev/null | tail -n +3 | while read -r old; do rm -rf "$old"; done
say "image $dir ($(du -sh "$dir/disk.img" | cut -f1) used, $(( $(date +%s) - t0 )) s)"
echo "$dir"
