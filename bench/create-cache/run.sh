#!/bin/sh
# bench/create-cache/run.sh: `vzpkg create-cache debian-12-x86_64-minimal`
# against `mmdebstrap --variant=minbase bookworm OUT.tar MIRROR` (and
# debootstrap --variant=minbase when installed), side by side in one run,
# same mirror (as vzforge resolves it: tests/real/mirror.sh.inc; never written
# here). Prints wall times, package counts, ratios and peak RSS
# (/usr/bin/time -v). Never pass/fail on timings: it prints, you judge.
#
#   cold: an empty VZ_ROOT (no package cache, no verified indexes)
#   warm: the same VZ_ROOT again with --force (packages and indexes cached)
# mmdebstrap has no package cache: its one run is compared with both.
#
# Usage: bench/create-cache/run.sh [RUNS]   (RUNS of each, best taken; default 1)
# Env: BENCH_NO_DEBOOTSTRAP=1 skips debootstrap (it takes ~30 s).
set -u
VZPKG=${VZPKG:-${VZ_BUILD:-build}/bin/vzpkg}
TEMPLATE=${TEMPLATE:-debian-12-x86_64-minimal}
SUITE=${SUITE:-bookworm}
RUNS=${1:-1}
die() { echo "bench create-cache: $*" >&2; exit 2; }
[ -x "$VZPKG" ] || die "$VZPKG not built (run make)"
[ -x /usr/bin/time ] || die "/usr/bin/time missing (apt-get install time)"
command -v mmdebstrap >/dev/null 2>&1 || die "mmdebstrap is not installed"
[ "$(id -u)" = 0 ] || die "must run as root"

# The Debian mirror, resolved as vzforge resolves it (--mirror,
# VZ_MIRROR_DEBIAN, vz.conf, the host's apt sources): tests/real/mirror.sh.inc.
command -v jq >/dev/null 2>&1 || die "jq is not installed"
. "$(dirname "$0")/../../tests/real/mirror.sh.inc"
vz_host_mirror || die "no Debian mirror: set VZ_MIRROR_DEBIAN or a Debian entry in the host's apt sources"

work=$(mktemp -d /tmp/vzb-cc-XXXXXX) || die "mktemp failed"
trap 'rm -rf "$work"' EXIT INT TERM

# run NAME CMD...: wall seconds and peak RSS (kB) into $work/NAME.{wall,rss}
run() {
    name=$1; shift
    /usr/bin/time -v -o "$work/$name.time" "$@" >"$work/$name.out" 2>"$work/$name.err"
    rc=$?
    awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, a, ":"); s = 0;
                 for (i = 1; i <= n; i++) s = s * 60 + a[i]; printf "%.2f\n", s }' \
        "$work/$name.time" >"$work/$name.wall"
    awk -F': ' '/Maximum resident set size/ { print $2 }' "$work/$name.time" >"$work/$name.rss"
    if [ $rc != 0 ]; then
        echo "bench create-cache: $name failed (exit $rc):" >&2
        tail -20 "$work/$name.err" >&2
        exit 1
    fi
}
best() { sort -n "$@" | head -1; }

echo "mirror: $mirror; template $TEMPLATE vs mmdebstrap --variant=minbase $SUITE; $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
: >"$work/mm.all"; : >"$work/cold.all"; : >"$work/warm.all"; : >"$work/disk.all"
: >"$work/mm.rssall"; : >"$work/cold.rssall"; : >"$work/warm.rssall"
i=0
while [ $i -lt "$RUNS" ]; do
    i=$((i + 1))
    rm -f "$work/mm.tar"
    run mm mmdebstrap --quiet --variant=minbase "$SUITE" "$work/mm.tar" "$mirror"
    cat "$work/mm.wall" >>"$work/mm.all"; cat "$work/mm.rss" >>"$work/mm.rssall"
    rm -rf "$work/vzroot"; mkdir -p "$work/vzroot"
    VZ_ROOT="$work/vzroot" run cold "$VZPKG" create-cache "$TEMPLATE" --json --timings
    cat "$work/cold.wall" >>"$work/cold.all"; cat "$work/cold.rss" >>"$work/cold.rssall"
    cp "$work/cold.err" "$work/cold.timings"
    VZ_ROOT="$work/vzroot" run warm "$VZPKG" create-cache "$TEMPLATE" --json --timings --force
    cat "$work/warm.wall" >>"$work/warm.all"; cat "$work/warm.rss" >>"$work/warm.rssall"
    # the same with the build root on disk, as mmdebstrap's is (see docs/building.md)
    VZ_BUILD_IN_RAM=0 VZ_ROOT="$work/vzroot" run disk "$VZPKG" create-cache "$TEMPLATE" --json --force
    cat "$work/disk.wall" >>"$work/disk.all"
done
mm=$(best "$work/mm.all"); cold=$(best "$work/cold.all"); warm=$(best "$work/warm.all")
disk=$(best "$work/disk.all")
mm_rss=$(sort -n "$work/mm.rssall" | tail -1)
cold_rss=$(sort -n "$work/cold.rssall" | tail -1)
warm_rss=$(sort -n "$work/warm.rssall" | tail -1)
ours_n=$(sed -n 's/^ *"packages": \([0-9]*\),*$/\1/p' "$work/warm.out" | head -1)
mm_n=$(tar -xOf "$work/mm.tar" ./var/lib/dpkg/status | grep -c '^Package:')
ours_size=$(sed -n 's/^ *"tar_size": \([0-9]*\),*$/\1/p' "$work/warm.out" | head -1)
mm_size=$(stat -c %s "$work/mm.tar")

ds=""
if [ "${BENCH_NO_DEBOOTSTRAP:-0}" != 1 ] && command -v debootstrap >/dev/null 2>&1; then
    run ds debootstrap --variant=minbase "$SUITE" "$work/ds" "$mirror"
    ds=$(cat "$work/ds.wall"); ds_rss=$(cat "$work/ds.rss")
    ds_n=$(grep -c '^Package:' "$work/ds/var/lib/dpkg/status")
    rm -rf "$work/ds"
fi

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }
printf '%-34s %8s %9s %9s %12s\n' "tool" "wall s" "packages" "peak RSS" "vs mmdebstrap"
printf '%-34s %8s %9s %8dM %12s\n' "mmdebstrap minbase -> tar (no cache)" "$mm" "$mm_n" $((mm_rss / 1024)) "1.00x"
printf '%-34s %8s %9s %8dM %12s\n' "vzforge create-cache, cold" "$cold" "$ours_n" $((cold_rss / 1024)) "$(ratio "$cold" "$mm")"
printf '%-34s %8s %9s %8dM %12s\n' "vzforge create-cache, warm --force" "$warm" "$ours_n" $((warm_rss / 1024)) "$(ratio "$warm" "$mm")"
printf '%-34s %8s %9s %9s %12s\n' "  warm, build root on disk" "$disk" "$ours_n" "" "$(ratio "$disk" "$mm")"
[ -n "$ds" ] && printf '%-34s %8s %9s %8dM %12s\n' "debootstrap minbase -> dir" "$ds" "$ds_n" $((ds_rss / 1024)) "$(ratio "$ds" "$mm")"
echo "output: vzforge $TEMPLATE.tar.zst $((ours_size / 1048576)) MB (signed, with manifest); mmdebstrap tar $((mm_size / 1048576)) MB (uncompressed)"
echo "goals: cold <= 0.35x, warm <= 0.30x mmdebstrap, peak RSS <= 150 MB"
echo "vzforge cold, per stage:"
sed -n '/^timings/,$p' "$work/cold.timings" | grep -E '^ +[a-z]+ +[0-9.]+ s'
echo "vzforge warm, per stage:"
sed -n '/^timings/,$p' "$work/warm.err" | grep -E '^ +[a-z]+ +[0-9.]+ s'
