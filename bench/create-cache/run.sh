#!/bin/sh
# bench/create-cache/run.sh: `vzpkg create-cache TEMPLATE`, cold and warm,
# against `mmdebstrap --variant=minbase SUITE OUT.tar MIRROR` with its work
# directory on disk (as users run it) AND on a tmpfs (our build root is a
# tmpfs: the fair race), side by side in one run, same mirror (as vzforge
# resolves it: tests/real/mirror.sh.inc; never written here). For each
# template: the median of RUNS of each (runs interleaved, so a load change
# hits all tools alike), the load average next to every figure, CPU
# (user + system) and peak RSS (/usr/bin/time -v), and vzforge's stages
# (wall and CPU, from --timings) with the critical path. Never pass/fail on
# timings: it prints, you judge.
#
#   cold: an empty VZ_ROOT (no package cache, no verified indexes)
#   warm: the same VZ_ROOT again with --force (packages and indexes cached)
# mmdebstrap has no package cache: its runs are compared with both.
# A "default"-style template is compared with mmdebstrap --variant=minbase
# --include= the template's package list (the same request).
#
# Usage: bench/create-cache/run.sh [--runs N] [--template NAME]...
#   --runs N         runs of each tool per template (default 3; median)
#   --template NAME  only this template (repeatable); default: the three of
#                    issue 17 (debian-12 minimal, debian-13 minimal,
#                    debian-12 default)
# Env: BENCH_DEBOOTSTRAP=1 also runs debootstrap --variant=minbase (minimal
#      templates, once); BENCH_ROOT_ON_DISK=1 adds a warm vzforge run with
#      its build root on disk (VZ_BUILD_IN_RAM=0).
set -u
VZPKG=${VZPKG:-${VZ_BUILD:-build}/bin/vzpkg}
RUNS=3
TEMPLATES=""
while [ $# -gt 0 ]; do
    case $1 in
    --runs) RUNS=$2; shift 2 ;;
    --template) TEMPLATES="$TEMPLATES $2"; shift 2 ;;
    [0-9]*) RUNS=$1; shift ;; # the old positional RUNS
    *) echo "usage: $0 [--runs N] [--template NAME]..." >&2; exit 2 ;;
    esac
done
[ -n "$TEMPLATES" ] ||
    TEMPLATES="debian-12-x86_64-minimal debian-13-x86_64-minimal debian-12-x86_64-default"
die() { echo "bench create-cache: $*" >&2; exit 2; }
[ -x "$VZPKG" ] || die "$VZPKG not built (run make)"
[ -x /usr/bin/time ] || die "/usr/bin/time missing (apt-get install time)"
command -v mmdebstrap >/dev/null 2>&1 || die "mmdebstrap is not installed"
command -v jq >/dev/null 2>&1 || die "jq is not installed"
[ "$(id -u)" = 0 ] || die "must run as root"

# The Debian mirror, resolved as vzforge resolves it (--mirror,
# VZ_MIRROR_DEBIAN, vz.conf, the host's apt sources): tests/real/mirror.sh.inc.
. "$(dirname "$0")/../../tests/real/mirror.sh.inc"
vz_host_mirror || die "no Debian mirror: set VZ_MIRROR_DEBIAN or a Debian entry in the host's apt sources"

# Work on disk: /var/tmp (not /tmp, which is a tmpfs on many hosts), and a
# tmpfs of our own mounted inside it for the tmpfs variant.
work=$(mktemp -d /var/tmp/vzb-cc-XXXXXX) || die "mktemp failed"
mkdir -p "$work/disk" "$work/ram"
cleanup() {
    umount "$work/ram" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
[ "$(stat -f -c %T "$work/disk")" != tmpfs ] ||
    echo "bench create-cache: warning: $work is on a tmpfs: the on-disk figure is not on disk" >&2
mount -t tmpfs -o mode=0700 vzb-cc "$work/ram" || die "cannot mount a tmpfs on $work/ram"

load() { cut -d' ' -f1 /proc/loadavg; }
# vzforge's builds clamp mtimes to it, so that cold and warm must give the
# same bytes (docs/cache-format.md); mmdebstrap runs without it, as users run it
sde=${SOURCE_DATE_EPOCH:-$(date +%s)}

# run NAME CMD...: appends "wall cpu rss_kB load" of one run to $work/NAME.all;
# stdout and stderr of the last run in $work/NAME.{out,err}
run() {
    name=$1; shift
    l=$(load)
    /usr/bin/time -v -o "$work/$name.time" "$@" >"$work/$name.out" 2>"$work/$name.err"
    rc=$?
    if [ $rc != 0 ]; then
        echo "bench create-cache: $name failed (exit $rc):" >&2
        tail -20 "$work/$name.err" >&2
        exit 1
    fi
    awk -F': ' -v l="$l" '
        /Elapsed \(wall clock\)/ { n = split($2, a, ":"); w = 0
                                   for (i = 1; i <= n; i++) w = w * 60 + a[i] }
        /User time \(seconds\)/ { c += $2 }
        /System time \(seconds\)/ { c += $2 }
        /Maximum resident set size/ { r = $2 }
        END { printf "%.2f %.2f %d %s\n", w, c, r, l }' "$work/$name.time" >>"$work/$name.all"
}
# median of column COL of FILE
median() {
    awk -v c="$2" '{ print $c }' "$1" | sort -n |
        awk '{ a[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print a[(NR + 1) / 2];
                                  else printf "%.2f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
maxcol() { awk -v c="$2" '$c > m { m = $c } END { print m + 0 }' "$1"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }'; }
# stages NAME: append "stage wall cpu" of the last run's --timings to NAME.stages
stages() {
    sed -n '/^timings/,$p' "$work/$1.err" |
        awk '$2 ~ /^[0-9.]+$/ && $4 == "cpu" { print $1, $2, $5 }' >>"$work/$1.stages"
}
stage_median() { # NAME STAGE COL(2 wall, 3 cpu)
    awk -v s="$2" '$1 == s' "$work/$1.stages" >"$work/st.tmp"
    median "$work/st.tmp" "$3"
}

echo "mirror: $mirror; $(nproc) CPUs; $RUNS run(s) of each, median; load average (1 min) printed next to each figure"
echo "mmdebstrap work dir: on disk $(stat -f -c %T "$work/disk"), on tmpfs $(stat -f -c %T "$work/ram")"

for T in $TEMPLATES; do
    info=$("$VZPKG" -q info "$T" --json 2>/dev/null) || die "vzpkg info $T failed"
    suite=$(printf '%s' "$info" | jq -r .codename)
    variant=$(printf '%s' "$info" | jq -r .variant)
    incl=""
    if [ "$variant" != minimal ]; then
        incl=$(printf '%s' "$info" | jq -r '.packages | join(",")')
    fi
    for n in mmdisk mmram cold warm ondisk; do
        : >"$work/$n.all"; : >"$work/$n.stages"
    done
    : >"$work/sha.all"
    i=0
    while [ $i -lt "$RUNS" ]; do
        i=$((i + 1))
        rm -rf "${work:?}/disk/"* "${work:?}/ram/"*
        TMPDIR="$work/disk" run mmdisk mmdebstrap --quiet --variant=minbase \
            ${incl:+--include="$incl"} "$suite" "$work/disk/mm.tar" "$mirror"
        mm_n=$(tar -xOf "$work/disk/mm.tar" ./var/lib/dpkg/status | grep -c '^Package:')
        mm_size=$(stat -c %s "$work/disk/mm.tar")
        rm -f "$work/disk/mm.tar"
        TMPDIR="$work/ram" run mmram mmdebstrap --quiet --variant=minbase \
            ${incl:+--include="$incl"} "$suite" "$work/ram/mm.tar" "$mirror"
        rm -f "$work/ram/mm.tar"
        rm -rf "$work/vzroot"; mkdir -p "$work/vzroot"
        SOURCE_DATE_EPOCH=$sde VZ_ROOT="$work/vzroot" run cold "$VZPKG" create-cache "$T" --json --timings
        stages cold
        jq -r .tar_sha256 "$work/cold.out" >>"$work/sha.all"
        SOURCE_DATE_EPOCH=$sde VZ_ROOT="$work/vzroot" run warm "$VZPKG" create-cache "$T" --json --timings --force
        stages warm
        jq -r .tar_sha256 "$work/warm.out" >>"$work/sha.all"
        if [ "${BENCH_ROOT_ON_DISK:-0}" = 1 ]; then
            VZ_BUILD_IN_RAM=0 VZ_ROOT="$work/vzroot" run ondisk "$VZPKG" create-cache "$T" \
                --json --force
        fi
    done
    ours_n=$(jq -r .packages "$work/warm.out")
    ours_size=$(jq -r .tar_size "$work/warm.out")
    mmd=$(median "$work/mmdisk.all" 1); mmr=$(median "$work/mmram.all" 1)

    echo
    echo "== $T ($suite): vzforge $ours_n packages; mmdebstrap --variant=minbase${incl:+ --include=<the template's $(printf '%s' "$incl" | tr ',' '\n' | wc -l) packages>} $mm_n packages"
    echo "runs (wall s / cpu s @ load):"
    for n in mmdisk mmram cold warm ondisk; do
        [ -s "$work/$n.all" ] || continue
        printf '  %-7s' "$n"
        awk '{ printf "  %6.2f / %5.2f @ %-5s", $1, $2, $4 }' "$work/$n.all"
        echo
    done
    printf '%-38s %8s %8s %9s %9s %9s\n' "tool (median of $RUNS)" "wall s" "cpu s" "peak RSS" "vs disk" "vs tmpfs"
    row() { # LABEL NAME
        w=$(median "$work/$2.all" 1); c=$(median "$work/$2.all" 2); r=$(maxcol "$work/$2.all" 3)
        printf '%-38s %8s %8s %8dM %9s %9s\n' "$1" "$w" "$c" $((r / 1024)) \
            "$(ratio "$w" "$mmd")" "$(ratio "$w" "$mmr")"
    }
    row "mmdebstrap, work dir on disk" mmdisk
    row "mmdebstrap, work dir on tmpfs" mmram
    row "vzforge create-cache, cold" cold
    row "vzforge create-cache, warm --force" warm
    [ -s "$work/ondisk.all" ] && row "  warm, build root on disk" ondisk
    if [ "${BENCH_DEBOOTSTRAP:-0}" = 1 ] && [ "$variant" = minimal ] &&
        command -v debootstrap >/dev/null 2>&1; then
        : >"$work/ds.all"
        run ds debootstrap --variant=minbase "$suite" "$work/disk/ds" "$mirror"
        row "debootstrap minbase -> dir (once)" ds
        rm -rf "$work/disk/ds"
    fi
    echo "output: vzforge $T.tar.zst $((ours_size / 1048576)) MB (signed, with manifest); mmdebstrap tar $((mm_size / 1048576)) MB (uncompressed)"
    # every build of the run (cold and warm) must give the same bytes
    if [ "$(sort -u "$work/sha.all" | wc -l)" = 1 ]; then
        echo "reproducible: all $(wc -l <"$work/sha.all") vzforge builds byte-identical (tar sha256 $(head -c 16 "$work/sha.all")...)"
    else
        echo "reproducible: NO, the vzforge builds differ: $(sort -u "$work/sha.all" | cut -c1-16 | tr '\n' ' ')"
    fi
    echo "goals (issue 17): cold <= 0.35x mmdebstrap on tmpfs (aim 0.25x), warm <= 0.25x, peak RSS <= 150 MB"
    echo "vzforge stages, median of $RUNS (wall s, cpu s, cpu/wall):"
    printf '  %-10s %8s %8s %5s   %8s %8s %5s\n' stage "cold" "cpu" "" "warm" "cpu" ""
    for s in index resolve download unpack preinst configure hooks cleanup pack total; do
        cw=$(stage_median cold $s 2); cc=$(stage_median cold $s 3)
        ww=$(stage_median warm $s 2); wc=$(stage_median warm $s 3)
        printf '  %-10s %8s %8s %5s   %8s %8s %5s\n' "$s" "$cw" "$cc" \
            "$(awk -v a="$cc" -v b="$cw" 'BEGIN { if (b > 0) printf "%d%%", 100 * a / b }')" \
            "$ww" "$wc" \
            "$(awk -v a="$wc" -v b="$ww" 'BEGIN { if (b > 0) printf "%d%%", 100 * a / b }')"
    done
    # The stages run one after another (each needs the one before: the
    # plan, the files, the unpacked root), so the critical path is all of
    # them; the longest ones are where an overlap would pay.
    for n in cold warm; do
        printf 'critical path, %s: index > resolve > download > unpack > preinst > configure > hooks > cleanup > pack; longest: ' "$n"
        for s in index resolve download unpack preinst configure pack; do
            echo "$s $(stage_median "$n" $s 2)"
        done | sort -k2 -rn | head -3 | awk '{ printf "%s%s %s s", (NR > 1 ? ", " : ""), $1, $2 } END { print "" }'
    done
done
