#!/bin/bash
# bench/backup/backup.sh: a busybox container with ~100 MB of changes made
# from inside (MB_RANDOM of incompressible data, plus a copy of the
# template's /usr/include, text), then
#   - vzdump --mode stop of the stopped container vs `tar --zstd --xattrs
#     --numeric-owner` of the same private area (upper layer): size, time;
#   - vzrestore into a new CTID vs `tar --zstd -xpf` into an empty directory;
#   - vzdump --mode suspend and --mode snapshot of the running container:
#     how long it was frozen, and the whole dump.
#   bench/backup/backup.sh     (root, busybox-static, zstd)
# OLD_BIN=DIR (a directory with another build's vzrestore, e.g. main's
# build/bin) restores the same archive with it too, into a third CTID,
# right after: before/after figures from one run.
set -eu
MB_RANDOM=${MB_RANDOM:-40}
BIN=${VZ_BUILD:-$(cd "$(dirname "$0")/../.." && pwd)/build}/bin
[ -x "$BIN/vzdump" ] || { echo "backup.sh: $BIN/vzdump missing: run make first" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "backup.sh: needs root" >&2; exit 1; }
W=$(mktemp -d /tmp/vzbench-XXXXXX)
export VZ_ROOT=$W
CT=bk$$a
CT2=bk$$b
CT3=bk$$c
OLD_BIN=${OLD_BIN:-}
cleanup() {
    for c in $CT $CT2 $CT3; do "$BIN/vzctl" -q stop $c --fast >/dev/null 2>&1 || true; done
    rm -rf "$W"
}
trap cleanup EXIT INT TERM
now() { echo ${EPOCHREALTIME/./}; }

R=$W/src
mkdir -p "$W/etc/vz/conf" "$R/bin" "$R/etc" "$R/proc" "$R/sys" "$R/dev" "$R/tmp" "$R/usr"
cp /bin/busybox "$R/bin/busybox"
for a in sh true sleep cp dd du; do ln -s busybox "$R/bin/$a"; done
cp -a /usr/include "$R/usr/include"
echo bk > "$R/etc/hostname"
tar -C "$R" -cf "$W/src.tar" .
rm -rf "$R"
NAME=bk-1-x86_64-minimal
"$BIN/vzpkg" -q import "$W/src.tar" --name $NAME >/dev/null
rm -f "$W/src.tar"
"$BIN/vzctl" -q create $CT --ostemplate $NAME --layout overlay
"$BIN/vzctl" -q start $CT >/dev/null
"$BIN/vzctl" exec $CT "dd if=/dev/urandom of=/random bs=1M count=$MB_RANDOM 2>/dev/null; cp -a /usr/include /copy; du -sm /random /copy" | tr '\n' ' '
echo
UP=$W/vz/private/$CT/upper
changed=$(du -sb "$UP" | cut -f1)

# running: frozen only while it is copied
j=$("$BIN/vzdump" -q $CT --dumpdir "$W/dumps" --mode suspend --json)
frozen=$(echo "$j" | jq -r .downtime_seconds)
rm -f "$W"/dumps/*
j=$("$BIN/vzdump" -q $CT --dumpdir "$W/dumps" --mode snapshot --json)
sfrozen=$(echo "$j" | jq -r .downtime_seconds)
swhole=$(echo "$j" | jq -r .seconds)
rm -f "$W"/dumps/*
"$BIN/vzctl" -q stop $CT
sync

a=$(now)
j=$("$BIN/vzdump" -q $CT --dumpdir "$W/dumps" --mode stop --json)
b=$(now)
arch=$(echo "$j" | jq -r .archive)
vsize=$(stat -c %s "$arch")
sync
c=$(now)
tar -C "$UP" --zstd --xattrs --xattrs-include='*' --numeric-owner -cf "$W/tar.tar.zst" .
e=$(now)
tsize=$(stat -c %s "$W/tar.tar.zst")
sync

f=$(now)
"$BIN/vzrestore" -q "$arch" $CT2 --no-ip
g=$(now)
ot=0
if [ -n "$OLD_BIN" ]; then
    sync
    o1=$(now)
    "$OLD_BIN/vzrestore" -q "$arch" $CT3 --no-ip
    o2=$(now)
    ot=$((o2 - o1))
    "$BIN/vzctl" -q destroy $CT3
fi
mkdir "$W/untar"
h=$(now)
tar -C "$W/untar" --zstd --xattrs --xattrs-include='*' --numeric-owner -xpf "$W/tar.tar.zst"
i=$(now)

echo "backup and restore of a container with $((changed / 1048576)) MB of changes (${MB_RANDOM} MB random + text):"
awk -v vs="$vsize" -v ts="$tsize" -v vt="$((b - a))" -v tt="$((e - c))" -v rt="$((g - f))" -v xt="$((i - h))" -v fr="$frozen" -v sf="$sfrozen" -v sw="$swhole" -v ot="$ot" 'BEGIN {
    printf "  vzdump --mode stop      %7.2f s  %7.1f MB\n", vt / 1e6, vs / 1048576
    printf "  tar --zstd (same area)  %7.2f s  %7.1f MB   vzdump/tar: time %.2fx, size %.3fx\n", tt / 1e6, ts / 1048576, vt / tt, vs / ts
    printf "  vzrestore (new CTID)    %7.2f s             (one read, into a staging directory)\n", rt / 1e6
    if (ot > 0)
        printf "  vzrestore of OLD_BIN    %7.2f s             (that build; this one is %.2fx its time)\n", ot / 1e6, rt / ot
    printf "  tar --zstd -x           %7.2f s             vzrestore/tar: %.2fx\n", xt / 1e6, rt / xt
    printf "  vzdump --mode suspend of the running container: frozen %.2f s\n", fr
    printf "  vzdump --mode snapshot of the running container: frozen %.2f s, whole dump %.2f s\n", sf, sw
}'
echo "  load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
