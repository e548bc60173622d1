#!/bin/bash
# bench/backup/migrate.sh: vzmigrate downtime (stop .. start on the
# destination) of a running busybox container with ~100 MB of changes
# (MB_RANDOM MB random + MB_SMALL MB in 4 KiB files), to a second VZ_ROOT
# on this host over an sshd on 127.0.0.1 started (own port and keys) and
# killed by pid here; against the same copy done offline (rsync of the whole
# upper layer while stopped), which is what the live pass saves.
#   bench/backup/migrate.sh     (root, busybox-static, rsync, openssh-server)
set -eu
MB_RANDOM=${MB_RANDOM:-80}
MB_SMALL=${MB_SMALL:-20}
BIN=${VZ_BUILD:-$(cd "$(dirname "$0")/../.." && pwd)/build}/bin
[ -x "$BIN/vzmigrate" ] || { echo "migrate.sh: $BIN/vzmigrate missing: run make first" >&2; exit 1; }
[ -x /usr/sbin/sshd ] || { echo "migrate.sh: needs openssh-server" >&2; exit 1; }
W=$(mktemp -d /tmp/vzbench-XXXXXX)
W2=$W/dest
mkdir -p "$W2"
export VZ_ROOT=$W
CT=mg$$
SSHD=
cleanup() {
    "$BIN/vzctl" -q stop $CT --fast >/dev/null 2>&1 || true
    VZ_ROOT=$W2 "$BIN/vzctl" -q stop $CT --fast >/dev/null 2>&1 || true
    [ -n "$SSHD" ] && kill "$SSHD" 2>/dev/null
    rm -rf "$W"
}
trap cleanup EXIT INT TERM

R=$W/src
mkdir -p "$W/etc/vz/conf" "$R/bin" "$R/etc" "$R/proc" "$R/sys" "$R/dev" "$R/tmp"
cp /bin/busybox "$R/bin/busybox"
for a in sh true sleep cp dd du mkdir seq; do ln -s busybox "$R/bin/$a"; done
echo mg > "$R/etc/hostname"
tar -C "$R" -cf "$W/src.tar" .
"$BIN/vzpkg" -q import "$W/src.tar" --name mg-1-x86_64-minimal >/dev/null
VZ_ROOT=$W2 "$BIN/vzpkg" -q trust add "$W/etc/vz/keys/signing.pub" >/dev/null
"$BIN/vzctl" -q create $CT --ostemplate mg-1-x86_64-minimal --layout overlay
"$BIN/vzctl" -q start $CT >/dev/null
"$BIN/vzctl" exec $CT "dd if=/dev/urandom of=/random bs=1M count=$MB_RANDOM 2>/dev/null; mkdir /small; \
    for i in \$(seq 1 $((MB_SMALL * 256))); do echo \$i > /small/\$i; dd if=/dev/urandom of=/small/\$i bs=4k count=1 2>/dev/null; done"
changed=$(du -sm "$W/vz/private/$CT/upper" | cut -f1)

S=$W/ssh
mkdir -p "$S" /run/sshd
port=$((20000 + $$ % 20000))
ssh-keygen -q -t ed25519 -N '' -f "$S/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$S/client_key"
cp "$S/client_key.pub" "$S/authorized_keys"
echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "$S/host_key.pub")" > "$S/known_hosts"
printf 'Port %d\nListenAddress 127.0.0.1\nHostKey %s/host_key\nAuthorizedKeysFile %s/authorized_keys\nStrictModes no\nUsePAM no\nPermitRootLogin prohibit-password\nPasswordAuthentication no\n' \
    $port "$S" "$S" > "$S/sshd_config"
/usr/sbin/sshd -D -e -f "$S/sshd_config" 2>"$S/log" &
SSHD=$!
OPTS="-p $port -i $S/client_key -o UserKnownHostsFile=$S/known_hosts -o StrictHostKeyChecking=yes"
for i in $(seq 1 600); do ssh $OPTS 127.0.0.1 true 2>/dev/null && break; sleep 0.1; done

j=$("$BIN/vzmigrate" -q --json --ssh "$OPTS" --remote-root "$W2" --remote-bin "$BIN" 127.0.0.1 $CT)
down=$(echo "$j" | jq -r .downtime_seconds)
total=$(echo "$j" | jq -r .seconds)
# the offline way: the whole upper layer copied while the container is down
a=${EPOCHREALTIME/./}
rsync -aHAX --numeric-ids --sparse -e "ssh $OPTS" "$W2/vz/private/$CT/upper/" 127.0.0.1:"$W/offline/"
b=${EPOCHREALTIME/./}

echo "vzmigrate of a running container with $changed MB of changes (to a second VZ_ROOT over ssh on 127.0.0.1):"
awk -v d="$down" -v t="$total" -v o="$((b - a))" 'BEGIN {
    printf "  downtime (stop .. started there)   %6.2f s\n", d
    printf "  whole migration                    %6.2f s\n", t
    printf "  offline copy of the same area      %6.2f s   (what the copy while it runs saves)\n", o / 1e6
}'
echo "  load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
