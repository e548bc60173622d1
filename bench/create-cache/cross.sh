#!/bin/sh
# bench/create-cache/cross.sh: a foreign-architecture build next to the
# native one, same variant, same mirror (as vzforge resolves it; never
# written here), same fresh VZ_ROOT: debian-12-aarch64-minimal through
# qemu-user-static (binfmt_misc) against debian-12-x86_64-minimal, each
# cold (empty VZ_ROOT) and warm (--force: packages and indexes cached), with
# the per-stage times. Prints, never judges.
#
# Needs qemu-aarch64 registered in binfmt_misc with the F flag (the build
# says what is missing otherwise); tests/real/foreign-arch.sh shows how it
# registers and unregisters the distro's entry.
set -u
VZPKG=${VZPKG:-${VZ_BUILD:-build}/bin/vzpkg}
NATIVE=${NATIVE:-debian-12-x86_64-minimal}
CROSS=${CROSS:-debian-12-aarch64-minimal}
die() { echo "bench cross: $*" >&2; exit 2; }
[ -x "$VZPKG" ] || die "$VZPKG not built (run make)"
[ "$(id -u)" = 0 ] || die "must run as root"
work=$(mktemp -d /tmp/vzb-cross-XXXXXX) || die "mktemp failed"
trap 'rm -rf "$work"' EXIT INT TERM

# build NAME ROOT TEMPLATE [--force]: wall seconds into $work/NAME.wall, timings into NAME.err
build() {
    name=$1; root=$2; shift 2
    s=$(date +%s.%N)
    VZ_ROOT="$work/$root" "$VZPKG" create-cache "$@" --timings >/dev/null 2>"$work/$name.err" ||
        { echo "bench cross: $name failed:" >&2; tail -5 "$work/$name.err" >&2; exit 1; }
    echo "$(date +%s.%N) $s" | awk '{ printf "%.2f\n", $1 - $2 }' >"$work/$name.wall"
}
stage() { sed -n '/^timings/,$p' "$work/$1.err" | awk -v k="$2" '$1 == k { print $2 }'; }

echo "native $NATIVE vs cross $CROSS on $(uname -m), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
mkdir -p "$work/native" "$work/cross"
build native native "$NATIVE"
build nativew native "$NATIVE" --force
build cross cross "$CROSS"
build crossw cross "$CROSS" --force
printf '%-28s %9s %9s %9s %9s\n' "" "native" "cross" "native" "cross"
printf '%-28s %9s %9s %9s %9s\n' "" "cold" "cold" "warm" "warm"
printf '%-28s %9s %9s %9s %9s\n' "wall s" "$(cat "$work/native.wall")" "$(cat "$work/cross.wall")" \
    "$(cat "$work/nativew.wall")" "$(cat "$work/crossw.wall")"
for k in index resolve download unpack preinst configure pack; do
    printf '%-28s %9s %9s %9s %9s\n' "  $k s" "$(stage native $k)" "$(stage cross $k)" \
        "$(stage nativew $k)" "$(stage crossw $k)"
done
awk -v a="$(cat "$work/crossw.wall")" -v b="$(cat "$work/nativew.wall")" \
    'BEGIN { printf "cross / native, warm: %.1fx\n", a / b }'
