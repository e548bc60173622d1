#!/bin/sh
# bench/update/run.sh: `vzpkg update-cache` with nothing to do (warm indexes)
# next to what a user would otherwise run to learn whether anything changed:
# `apt-get update` in a scratch apt root (warm lists: a second run), for the
# same release, from the host's Debian mirror. Prints medians and the ratio.
#   BENCH_N        samples (default 11)
#   BENCH_TEMPLATE template (default debian-12-x86_64-minimal)
# Needs: make (build/), apt-get, jq. Mirror: as vzforge resolves it (tests/real/mirror.sh.inc).
# The first step builds the template's cache once (create-cache) in a scratch VZ_ROOT.
set -u
cd "$(dirname "$0")/../.."
BUILD=${VZ_BUILD:-build}
VZPKG=$BUILD/bin/vzpkg
N=${BENCH_N:-${1:-11}}
TEMPLATE=${BENCH_TEMPLATE:-debian-12-x86_64-minimal}
die() { echo "bench/update: $*" >&2; exit 1; }
[ -x "$VZPKG" ] || die "$VZPKG not built (run make)"
command -v apt-get >/dev/null || die "apt-get is not installed"

# The Debian mirror, resolved as vzforge resolves it (--mirror,
# VZ_MIRROR_DEBIAN, vz.conf, the host's apt sources): tests/real/mirror.sh.inc.
command -v jq >/dev/null || die "jq is not installed"
. tests/real/mirror.sh.inc
vz_host_mirror || die "no Debian mirror: set VZ_MIRROR_DEBIAN or a Debian entry in the host's apt sources"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
suite=$("$VZPKG" info "$TEMPLATE" codename 2>/dev/null) || die "no template $TEMPLATE"

work=$(mktemp -d /tmp/vzt-bench-update-XXXXXX) || die "mktemp"
trap 'rm -rf "$work"' EXIT INT TERM
export VZ_ROOT=$work/vzroot
mkdir -p "$VZ_ROOT"

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f\n", b - a }'; }
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

echo "building $TEMPLATE once (create-cache) ..."
t0=$(now)
"$VZPKG" -q create-cache "$TEMPLATE" --mirror "$mirror" >"$work/create.log" 2>&1 ||
    { tail -20 "$work/create.log"; die "create-cache failed"; }
echo "  create-cache: $(secs "$t0" "$(now)") s"

# warm-up: the first update-cache after the build already finds the .solv copies
"$VZPKG" update-cache "$TEMPLATE" --mirror "$mirror" >"$work/first.out" 2>&1 ||
    { cat "$work/first.out"; die "update-cache failed"; }
grep -q "nothing to do" "$work/first.out" || { cat "$work/first.out"; die "update-cache was not a no-op"; }
tar=$(ls "$VZ_ROOT"/vz/template/cache/"$TEMPLATE".tar.* | head -1)
ino0=$(stat -c %i "$tar")

: >"$work/vz.times"
i=0
while [ "$i" -lt "$N" ]; do
    t0=$(now)
    "$VZPKG" -q update-cache "$TEMPLATE" --mirror "$mirror" >"$work/out" 2>&1 ||
        { cat "$work/out"; die "update-cache failed"; }
    t1=$(now)
    grep -q "nothing to do" "$work/out" || { cat "$work/out"; die "update-cache was not a no-op"; }
    secs "$t0" "$t1" >>"$work/vz.times"
    i=$((i + 1))
done
[ "$(stat -c %i "$tar")" = "$ino0" ] || die "update-cache replaced the cache"

: >"$work/st.times"
: >"$work/full.times"
i=0
while [ "$i" -lt "$N" ]; do
    t0=$(now)
    "$VZPKG" -q status "$TEMPLATE" --mirror "$mirror" >/dev/null 2>&1
    rc=$?
    t1=$(now)
    [ "$rc" = 0 ] || die "status exited $rc"
    secs "$t0" "$t1" >>"$work/st.times"
    t0=$(now)
    "$VZPKG" -q status --full "$TEMPLATE" --mirror "$mirror" >/dev/null 2>&1
    rc=$?
    t1=$(now)
    [ "$rc" = 0 ] || die "status --full exited $rc"
    secs "$t0" "$t1" >>"$work/full.times"
    i=$((i + 1))
done

apt=$work/apt
mkdir -p "$apt/etc/apt/sources.list.d" "$apt/etc/apt/preferences.d" "$apt/etc/apt/apt.conf.d" \
         "$apt/var/lib/apt/lists/partial" "$apt/var/cache/apt/archives/partial" "$apt/var/lib/dpkg" \
         "$apt/var/log/apt"
: >"$apt/var/lib/dpkg/status"
echo "deb [signed-by=$keyring] $mirror $suite main" >"$apt/etc/apt/sources.list"
aptget() {
    apt-get -q -o Dir="$apt" -o Dir::State::status="$apt/var/lib/dpkg/status" \
        -o Dir::Etc::trusted= -o Dir::Etc::trustedparts= -o APT::Architecture=amd64 \
        -o APT::Architectures=amd64 -o Debug::NoLocking=1 \
        -o Acquire::Languages=none -o Dir::Etc::SourceParts="$apt/etc/apt/sources.list.d" "$@"
}
aptget update >"$work/apt.log" 2>&1 || { cat "$work/apt.log"; die "apt-get update failed"; }
: >"$work/apt.times"
i=0
while [ "$i" -lt "$N" ]; do
    t0=$(now)
    aptget update >/dev/null 2>&1 || die "apt-get update failed"
    t1=$(now)
    secs "$t0" "$t1" >>"$work/apt.times"
    i=$((i + 1))
done

vz=$(median <"$work/vz.times")
st=$(median <"$work/st.times")
fu=$(median <"$work/full.times")
ap=$(median <"$work/apt.times")
echo "$TEMPLATE, $N runs each, median wall time (warm indexes, nothing changed):"
printf '  vzpkg update-cache (no-op)   %6.3f s   (goal < 0.5 s)\n' "$vz"
printf '  vzpkg status                 %6.3f s\n' "$st"
printf '  vzpkg status --full          %6.3f s   (.solv load + solve, no fast path)\n' "$fu"
printf '  apt-get update (scratch)     %6.3f s\n' "$ap"
echo "  ratio update-cache / apt-get update: $(ratio "$vz" "$ap")"
echo "  ratio status --full / apt-get update: $(ratio "$fu" "$ap")"
echo "  load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
