#!/bin/sh
# bench/resolve/run.sh: index loading and --dry-run against the usual tools,
# side by side in one run, from the host's Debian mirror; prints ratios.
#   1. bookworm main index: .solv load vs vzforge cold parse vs a bare
#      repo_add_debpackages of the same Packages.xz (bench/resolve/index_bench.c)
#   2. vzpkg create-cache debian-12-x86_64-minimal --dry-run, cold (empty
#      repodata) and warm, vs apt-get update + apt-get install -s of the same
#      packages in a scratch apt root (apt-get -o Dir=...), cold and warm.
# Needs: make (build/), apt-get, jq. Mirror: as vzforge resolves it (tests/real/mirror.sh.inc).
set -u
cd "$(dirname "$0")/../.."
BUILD=${VZ_BUILD:-build}
VZPKG=$BUILD/bin/vzpkg
die() { echo "bench/resolve: $*" >&2; exit 1; }
[ -x "$VZPKG" ] || die "$VZPKG not built (run make)"
command -v jq >/dev/null || die "jq is not installed"
command -v apt-get >/dev/null || die "apt-get is not installed"

# The Debian mirror, resolved as vzforge resolves it (--mirror,
# VZ_MIRROR_DEBIAN, vz.conf, the host's apt sources): tests/real/mirror.sh.inc.
command -v jq >/dev/null || die "jq is not installed"
. tests/real/mirror.sh.inc
vz_host_mirror || die "no Debian mirror: set VZ_MIRROR_DEBIAN or a Debian entry in the host's apt sources"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg

work=$(mktemp -d /tmp/vzt-bench-resolve-XXXXXX) || die "mktemp"
trap 'rm -rf "$work"' EXIT INT TERM

now() { date +%s.%N; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

# ---- 2 first: its cold run fetches the index that 1 measures ----
export VZ_ROOT=$work/vzroot
mkdir -p "$VZ_ROOT"
t0=$(now); "$VZPKG" -q create-cache debian-12-x86_64-minimal --dry-run --json --mirror "$mirror" >"$work/plan.json" || die "vzpkg failed"; t1=$(now)
vz_cold=$(secs "$t0" "$t1")
vz_warm=999
for i in 1 2 3; do
    t0=$(now); "$VZPKG" -q create-cache debian-12-x86_64-minimal --dry-run --json --mirror "$mirror" >/dev/null || die "vzpkg failed"; t1=$(now)
    t=$(secs "$t0" "$t1"); vz_warm=$(awk -v a="$t" -v b="$vz_warm" 'BEGIN { print (a < b) ? a : b }')
done
npk=$(jq '.count' "$work/plan.json")
names=$(jq -r '.packages[].name' "$work/plan.json" | tr '\n' ' ')

apt=$work/apt
mkdir -p "$apt/etc/apt/sources.list.d" "$apt/etc/apt/preferences.d" "$apt/etc/apt/apt.conf.d" \
         "$apt/var/lib/apt/lists/partial" "$apt/var/cache/apt/archives/partial" "$apt/var/lib/dpkg" \
         "$apt/var/log/apt"
: >"$apt/var/lib/dpkg/status"
echo "deb [signed-by=$keyring] $mirror bookworm main" >"$apt/etc/apt/sources.list"
aptget() {
    apt-get -q -o Dir="$apt" -o Dir::State::status="$apt/var/lib/dpkg/status" \
        -o Dir::Etc::trusted= -o Dir::Etc::trustedparts= -o APT::Architecture=amd64 \
        -o APT::Architectures=amd64 -o Debug::NoLocking=1 -o APT::Install-Recommends=false \
        -o Acquire::Languages=none -o Dir::Etc::SourceParts="$apt/etc/apt/sources.list.d" "$@"
}
t0=$(now); aptget update >"$work/apt-update.log" 2>&1 || { cat "$work/apt-update.log"; die "apt-get update failed"; }; t1=$(now)
# shellcheck disable=SC2086
aptget install -s $names >"$work/apt-install.log" 2>&1 || { tail "$work/apt-install.log"; die "apt-get install -s failed"; }; t2=$(now)
apt_cold=$(secs "$t0" "$t2"); apt_cold_update=$(secs "$t0" "$t1")
t0=$(now); aptget update >/dev/null 2>&1; t1=$(now)
# shellcheck disable=SC2086
aptget install -s $names >/dev/null 2>&1; t2=$(now)
apt_warm=$(secs "$t0" "$t2")
apt_n=$(grep -c '^Inst ' "$work/apt-install.log")

# ---- 1: index load ----
xz=$(ls "$VZ_ROOT"/vz/template/repodata/main-bookworm-*/*-main-binary-amd64-Packages.xz | head -1)
[ -f "$xz" ] || die "no verified index under $VZ_ROOT"
cc -O2 -g -std=gnu11 -D_GNU_SOURCE -I. $(pkg-config --cflags libsolv libsolvext libarchive) \
   -o "$work/index_bench" bench/resolve/index_bench.c \
   "$BUILD/libtmplbuild.a" "$BUILD/libcommon.a" \
   $(pkg-config --libs libsolv libsolvext libarchive libcrypto libcurl jansson) || die "cc failed"
"$work/index_bench" "$xz" "$work" 3 >"$work/index.txt" || die "index_bench failed"
bare=$(awk '$1 == "bare" { print $2 }' "$work/index.txt")
cold=$(awk '$1 == "cold" { print $2 }' "$work/index.txt")
solv=$(awk '$1 == "solv" { print $2 }' "$work/index.txt")
nsolv=$(awk '$1 == "solv" { print $3 }' "$work/index.txt")

echo "index load, bookworm main ($nsolv packages, $(du -k "$xz" | cut -f1) kB xz), best of 3:"
echo "  bare repo_add_debpackages (xz)      ${bare} s"
echo "  vzforge cold parse + .solv write    ${cold} s   ratio to bare $(ratio "$cold" "$bare") (target <= 1.5)"
echo "  vzforge .solv load                  ${solv} s   (target < 0.1 s; $(ratio "$bare" "$solv")x faster than bare)"
echo "dry-run debian-12-x86_64-minimal ($npk packages; apt-get -s installs $apt_n):"
echo "  vzpkg cold (empty repodata)         ${vz_cold} s"
echo "  apt-get update + install -s cold    ${apt_cold} s   (update alone ${apt_cold_update} s)   vzpkg/apt $(ratio "$vz_cold" "$apt_cold")"
echo "  vzpkg warm (best of 3)              ${vz_warm} s   (target < 0.3 s)"
echo "  apt-get update + install -s warm    ${apt_warm} s   vzpkg/apt $(ratio "$vz_warm" "$apt_warm")"
