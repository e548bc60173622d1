#!/bin/sh
# bench/create-cache/ab.sh: two vzpkg binaries (before and after a change)
# building the same template warm, interleaved (A, B, A, B, ...) so that a
# load change hits both alike, each in a VZ_ROOT of its own that a first
# untimed build fills (packages, indexes), with SOURCE_DATE_EPOCH fixed. Prints
# each run's total and configure stage, the medians, the ratio B/A, and
# whether the tarballs are byte-identical. Prints, never judges.
#
# Usage: bench/create-cache/ab.sh [--runs N] [--template NAME] VZPKG_A VZPKG_B
set -u
RUNS=3
T=debian-12-x86_64-default
while [ $# -gt 0 ]; do
    case $1 in
    --runs) RUNS=$2; shift 2 ;;
    --template) T=$2; shift 2 ;;
    -*) echo "usage: $0 [--runs N] [--template NAME] VZPKG_A VZPKG_B" >&2; exit 2 ;;
    *) break ;;
    esac
done
[ $# -eq 2 ] || { echo "usage: $0 [--runs N] [--template NAME] VZPKG_A VZPKG_B" >&2; exit 2; }
A=$1 B=$2
[ -x "$A" ] && [ -x "$B" ] || { echo "ab: $A or $B is not an executable" >&2; exit 2; }
export SOURCE_DATE_EPOCH=1700000000
work=$(mktemp -d /var/tmp/vzb-ab-XXXXXX) || exit 2
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
build() { # which binary root
    VZ_ROOT=$3 "$2" -q create-cache --force --timings "$T" 2>&1 |
        awk -v w="$1" '$1 == "configure" { c = $2 } $1 == "total" { t = $2 } END { printf "%s %s %s\n", w, t, c }'
    sha256sum <"$3/vz/template/cache/$T.tar.zst" | cut -c1-16 >>"$work/sums.$1"
}
first() { # which binary: fills the VZ_ROOT, untimed
    mkdir -p "$work/$1"
    VZ_ROOT=$work/$1 "$2" -q create-cache "$T" >/dev/null 2>&1 || { echo "ab: the first build with $2 failed" >&2; exit 1; }
}
first A "$A"
first B "$B"
echo "ab: $T, $RUNS warm runs each, interleaved; A=$A B=$B; load $(cut -d' ' -f1-3 /proc/loadavg)"
: >"$work/times"
i=0
while [ "$i" -lt "$RUNS" ]; do
    build A "$A" "$work/A" | tee -a "$work/times"
    build B "$B" "$work/B" | tee -a "$work/times"
    i=$((i + 1))
done
med() { grep "^$1 " "$work/times" | awk -v f="$2" '{ print $f }' | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ta=$(med A 2) tb=$(med B 2) ca=$(med A 3) cb=$(med B 3)
echo "ab: median total A $ta s, B $tb s (B/A $(echo "$tb $ta" | awk '{ printf "%.2f", $1 / $2 }')); configure A $ca s, B $cb s"
echo "ab: tarballs A: $(sort -u "$work/sums.A" | tr '\n' ' ')B: $(sort -u "$work/sums.B" | tr '\n' ' ')load $(cut -d' ' -f1-3 /proc/loadavg)"
