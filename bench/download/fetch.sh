#!/bin/sh
# Download of the minimal bookworm set into an empty package cache: vzforge
# (vz_fetch_plan through bench/download/fetchbench) against
# `curl --parallel --parallel-max 8` fetching the same URLs.
#
# The package list: vzforge's own plan (`vzpkg create-cache
# debian-12-x86_64-minimal --dry-run --json`, mirror from `vzpkg info`) when
# that works and jq is installed; else apt's choice for Essential + Priority
# required (no Recommends) in a scratch apt root (LIST=apt forces this).
# The mirror: as vzforge resolves it (tests/real/mirror.sh.inc); never written
# here. Network: only that mirror. ROUNDS (default 5) alternating runs of
# each; best and median of each are compared.
set -eu
SRC=${VZ_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${VZ_BUILD:-$SRC/build}
ROUNDS=${ROUNDS:-5}
SUITE=${SUITE:-bookworm}
TEMPLATE=${TEMPLATE:-debian-12-x86_64-minimal}
JOBS=${JOBS:-8}
LIST=${LIST:-auto}
command -v curl >/dev/null || { echo "bench/download: needs the curl program" >&2; exit 1; }

T=$(mktemp -d /tmp/vzbench-dl-XXXXXX)
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT INT TERM
[ -f "$BUILD/libtmplbuild.a" ] && [ -x "$BUILD/bin/vzpkg" ] || make -C "$SRC" --no-print-directory all >/dev/null

# vzforge's plan: "FILENAME SIZE SHA256 NAME" lines from the dry run.
list_from_vzpkg() {
    command -v jq >/dev/null || return 1
    VZ_ROOT=$T/vzroot "$BUILD/bin/vzpkg" create-cache "$TEMPLATE" --dry-run --json > "$T/plan.json" 2> "$T/plan.err" || return 1
    VZ_ROOT=$T/vzroot "$BUILD/bin/vzpkg" info "$TEMPLATE" --json > "$T/info.json" 2>> "$T/plan.err" || return 1
    [ "$(jq '.repositories | length' "$T/info.json")" -eq 1 ] || return 1
    mirror=$(jq -r '.repositories[0].uris[0]' "$T/info.json")
    jq -r '.packages[] | "\(.filename) \(.size) \(.sha256) \(.name)"' "$T/plan.json" > "$T/list"
    source="vzpkg $TEMPLATE --dry-run"
}

# apt's choice in a scratch root.
list_from_apt() {
command -v apt-get >/dev/null || { echo "bench/download: needs apt-get to list the minimal set" >&2; exit 1; }
# the mirror as vzforge resolves it (tests/real/mirror.sh.inc)
command -v jq >/dev/null || { echo "bench/download: needs jq" >&2; exit 1; }
VZPKG=$BUILD/bin/vzpkg
. "$SRC/tests/real/mirror.sh.inc"
vz_host_mirror || { echo "bench/download: no Debian mirror: set VZ_MIRROR_DEBIAN or a Debian entry in the host's apt sources" >&2; exit 1; }
mirror=${mirror%/}

# Scratch apt root: the package list as apt would install it.
A=$T/apt
mkdir -p "$A/etc/apt/sources.list.d" "$A/etc/apt/preferences.d" "$A/var/lib/apt/lists/partial" \
         "$A/var/cache/apt/archives/partial" "$A/var/lib/dpkg"
: > "$A/var/lib/dpkg/status"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $SUITE main" > "$A/etc/apt/sources.list"
APT="apt-get -o Dir=$A -o Dir::Etc=$A/etc/apt -o Dir::State::status=$A/var/lib/dpkg/status \
     -o Dir::Etc::TrustedParts=/etc/apt/trusted.gpg.d -o APT::Architecture=amd64 \
     -o APT::Architectures::=amd64 -o Debug::NoLocking=1 -o APT::Sandbox::User=root \
     -o APT::Install-Recommends=false"
$APT -qq update >/dev/null
# (hosts may keep indexes compressed: apt-helper reads either form)
for f in "$A"/var/lib/apt/lists/*_Packages*; do /usr/lib/apt/apt-helper cat-file "$f"; done > "$T/Packages"
pkgs=$(awk '/^Package:/ { p = $2 } /^Priority: required/ { r = 1 } /^Essential: yes/ { r = 1 }
    /^$/ { if (r) print p; r = 0 } END { if (r) print p }' "$T/Packages" | sort -u)
# apt prints 'URL' FILE SIZE HASH with its own choice of hash: take the
# Filename, Size and SHA256 from the index by the file's base name.
$APT -qq --print-uris install $pkgs 2>/dev/null | awk '{ print $1 }' | tr -d "'" | sed 's|.*/||;
    s/%2[bB]/+/g; s/%3[aA]/:/g; s/%7[eE]/~/g' > "$T/files"
awk '/^Package:/ { p = $2 } /^Filename:/ { fn = $2 } /^Size:/ { sz = $2 } /^SHA256:/ { h = $2 }
     /^$/ { if (fn != "") { b = fn; sub(/.*\//, "", b); print b, fn, sz, h, p } fn = "" }' "$T/Packages" |
    awk 'NR == FNR { want[$1] = 1; next } ($1 in want) && !seen[$1]++ { print $2, $3, $4, $5 }' "$T/files" - > "$T/list"
[ "$(wc -l < "$T/list")" -eq "$(wc -l < "$T/files")" ] || { echo "bench/download: could not match apt's files to the index" >&2; exit 1; }
source="apt-get --print-uris (Essential + required, no Recommends)"
}

if [ "$LIST" = apt ] || ! list_from_vzpkg; then
    [ "$LIST" = apt ] || echo "bench/download: vzpkg dry run unavailable ($(tail -n 1 "$T/plan.err" 2>/dev/null)); using apt's list" >&2
    list_from_apt
fi
mirror=${mirror%/}
n=$(wc -l < "$T/list")
[ "$n" -gt 0 ] || { echo "bench/download: apt listed no packages" >&2; exit 1; }
bytes=$(awk '{ s += $2 } END { print s }' "$T/list")

# The vzforge driver, linked against this build's libraries.
cc -O2 -std=gnu11 -D_GNU_SOURCE -DVZ_VERSION='"bench"' -I"$SRC" -o "$T/fetchbench" \
   "$SRC/bench/download/fetchbench.c" "$BUILD/libtmplbuild.a" "$BUILD/libcache.a" \
   "$BUILD/libmetadata.a" "$BUILD/libcommon.a" \
   $(pkg-config --libs libcurl libcrypto jansson yaml-0.1) -lpthread

awk -v m="$mirror" -v d="$T/curl" '{ printf "url = \"%s/%s\"\noutput = \"%s/%s\"\n", m, $1, d, $3 }' "$T/list" > "$T/curl.cfg"

run_vz() { # [--no-sync]
    rm -rf "$T/root"
    VZ_ROOT=$T/root "$T/fetchbench" "$@" "$mirror" "$T/list" "$JOBS" 2>/dev/null | tail -n 1
}
run_curl() {
    rm -rf "$T/curl"
    mkdir -p "$T/curl"
    s=$(date +%s.%N)
    curl -sS -f --no-progress-meter --parallel --parallel-max "$JOBS" -K "$T/curl.cfg"
    e=$(date +%s.%N)
    echo "$e - $s" | bc -l
}

echo "bench/download: $n packages, $bytes bytes from $source; mirror from host config; $JOBS jobs; $ROUNDS rounds"
echo "  (vzforge: fdatasync of every package before its rename, as shipped; nosync: the same without it;"
echo "   curl writes without syncing)"
i=0
: > "$T/times"
while [ "$i" -lt "$ROUNDS" ]; do
    v=$(run_vz); c=$(run_curl); u=$(run_vz --no-sync)
    printf '  round %d: vzforge %.3f s   curl --parallel %.3f s   vzforge nosync %.3f s\n' "$((i + 1))" "$v" "$c" "$u"
    echo "$v $c $u" >> "$T/times"
    i=$((i + 1))
done
col() { # best|median COLUMN
    if [ "$1" = best ]; then sort -n -k"$2","$2" "$T/times" | head -n 1 | cut -d' ' -f"$2"
    else sort -n -k"$2","$2" "$T/times" | sed -n "$(( (ROUNDS + 1) / 2 ))p" | cut -d' ' -f"$2"; fi
}
# sanity: every package landed under its sha256, and curl got them all too
got=$(ls "$T/root/vz/template/pkgs" | wc -l)
[ "$got" -eq "$(cut -d' ' -f3 "$T/list" | sort -u | wc -l)" ] || { echo "bench/download: vzforge cached $got files, expected $n" >&2; exit 1; }
[ "$(ls "$T/curl" | wc -l)" -eq "$got" ] || { echo "bench/download: curl fetched a different count" >&2; exit 1; }
for k in best median; do
    v=$(col $k 1); c=$(col $k 2); u=$(col $k 3)
    printf 'download %-6s: vzforge %.3f s, curl --parallel %.3f s, ratio %.2f (goal <= 1.20); nosync %.3f s, ratio %.2f\n' \
        "$k" "$v" "$c" "$(echo "$v / $c" | bc -l)" "$u" "$(echo "$u / $c" | bc -l)"
done
# For information: the whole `vzpkg fetch` (metadata, warm indexes, resolve,
# download) into an empty package cache, when the list came from vzpkg.
if [ -f "$T/info.json" ]; then
    rm -rf "$T/vzroot/vz/template/pkgs"
    s=$(date +%s.%N)
    if VZ_ROOT=$T/vzroot "$BUILD/bin/vzpkg" fetch -q --jobs "$JOBS" "$TEMPLATE" 2> "$T/fetch.err"; then
        e=$(date +%s.%N)
        printf 'vzpkg fetch %s (resolve + download, indexes warm): %.3f s\n' "$TEMPLATE" "$(echo "$e - $s" | bc -l)"
    else
        echo "vzpkg fetch failed: $(tail -n 1 "$T/fetch.err")"
    fi
fi
