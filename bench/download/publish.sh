#!/bin/sh
# bench/download/publish.sh: `vzpkg download` of a published cache from
# 127.0.0.1 vs `curl -o` of the same tarball followed by `sha256sum`.
# vzpkg also fetches and verifies the index, manifest and signatures and
# lands the cache atomically; it hashes while downloading (one pass), so it
# should be close to, or faster than, the two tools one after the other.
#
# Env: VZ_BUILD (build dir, default ./build), SIZE_MB (default 256), RUNS (3).
set -eu
BUILD=${VZ_BUILD:-$(pwd)/build}
VZPKG=$BUILD/bin/vzpkg
SIZE_MB=${SIZE_MB:-256}
RUNS=${RUNS:-3}
[ -x "$VZPKG" ] || { echo "bench: $VZPKG not built (make)" >&2; exit 1; }
command -v curl >/dev/null || { echo "bench: curl not installed" >&2; exit 1; }

work=$(mktemp -d /tmp/vzbench-dl-XXXXXX)
srv_pid=
cleanup() {
    [ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

now() { date +%s.%N; }

# A root with a realistic mix: half incompressible, half text-like.
mkdir -p "$work/tree/usr/lib" "$work/tree/usr/share/doc" "$work/tree/var/lib/dpkg"
head -c $((SIZE_MB / 2))M /dev/urandom > "$work/tree/usr/lib/blob"
i=0
while [ $i -lt 64 ]; do
    yes "line $i of some documentation text that compresses well" |
        head -c $((SIZE_MB * 1024 * 1024 / 128)) > "$work/tree/usr/share/doc/f$i"
    i=$((i + 1))
done
printf 'Package: base-files\nStatus: install ok installed\nVersion: 1\nArchitecture: amd64\n' \
    > "$work/tree/var/lib/dpkg/status"
tar -C "$work/tree" -cf "$work/rootfs.tar" .

export SOURCE_DATE_EPOCH=1700000000
VZ_ROOT=$work/A "$VZPKG" -q import "$work/rootfs.tar" --name bench-1 >/dev/null
VZ_ROOT=$work/A "$VZPKG" -q publish "$work/pub" bench-1 >/dev/null
mkdir -p "$work/B"
VZ_ROOT=$work/B "$VZPKG" -q trust add "$work/A/etc/vz/keys/signing.pub" >/dev/null

# static server on 127.0.0.1
port=$(( 20000 + $$ % 20000 ))
if command -v busybox >/dev/null; then
    busybox httpd -f -p 127.0.0.1:$port -h "$work/pub" &
    srv_pid=$!
else
    python3 -m http.server --bind 127.0.0.1 --directory "$work/pub" $port >/dev/null 2>&1 &
    srv_pid=$!
fi
i=0
until curl -sf -o /dev/null "http://127.0.0.1:$port/index.json"; do
    i=$((i + 1)); [ $i -lt 100 ] || { echo "bench: server did not start" >&2; exit 1; }
    sleep 0.05
done

tar_rel=$(sed -n 's/.*"tarball": "\(.*\)".*/\1/p' "$work/pub/index.json" | head -1)
size=$(stat -c %s "$work/pub/$tar_rel")

best_vz=
best_curl=
r=0
while [ $r -lt "$RUNS" ]; do
    VZ_ROOT=$work/B "$VZPKG" -q remove-cache bench-1 2>/dev/null || true
    sync
    t0=$(now)
    VZ_ROOT=$work/B "$VZPKG" -q download bench-1 --index "http://127.0.0.1:$port/" >/dev/null
    t1=$(now)
    rm -f "$work/curl.out"
    t2=$(now)
    curl -s -o "$work/curl.out" "http://127.0.0.1:$port/$tar_rel"
    sha256sum "$work/curl.out" >/dev/null
    t3=$(now)
    vz=$(echo "$t1 - $t0" | bc)
    cu=$(echo "$t3 - $t2" | bc)
    [ -z "$best_vz" ] || [ "$(echo "$vz < $best_vz" | bc)" = 1 ] && best_vz=$vz
    [ -z "$best_curl" ] || [ "$(echo "$cu < $best_curl" | bc)" = 1 ] && best_curl=$cu
    r=$((r + 1))
done
VZ_ROOT=$work/B "$VZPKG" -q verify bench-1 >/dev/null

printf 'download of a %s MB published cache from 127.0.0.1 (best of %s)\n' \
    "$(echo "scale=1; $size / 1048576" | bc)" "$RUNS"
printf '  vzpkg download (index+manifest+signatures, hash while downloading, atomic landing): %.3f s\n' "$best_vz"
printf '  curl -o + sha256sum, one after the other:                                         %.3f s\n' "$best_curl"
printf '  ratio vzpkg/curl+sha256sum: %.2fx (target <= 1.2x)\n' "$(echo "scale=4; $best_vz / $best_curl" | bc)"
