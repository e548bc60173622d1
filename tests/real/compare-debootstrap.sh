#!/bin/sh
# tests/real/compare-debootstrap.sh: the dry-run plan of debian-N-x86_64-minimal
# must equal, package for package and version for version, what
# `debootstrap --variant=minbase` installs from the same mirror at the same
# moment. Needs debootstrap and jq; the mirror comes from the host's apt
# sources (never written here), or $VZ_MIRROR_DEBIAN.
#
# Usage: tests/real/compare-debootstrap.sh [RELEASE:CODENAME...]
#        (default: 12:bookworm 13:trixie)
# Exit 0 when every release matches, 1 on a difference, 2 when a tool or the
# mirror is missing.
set -u
VZPKG=${VZPKG:-${VZ_BUILD:-build}/bin/vzpkg}
# ARCH=aarch64 compares debian-N-aarch64-minimal with debootstrap --arch=arm64
# (--print-debs resolves only: no foreign program runs).
ARCH=${ARCH:-x86_64}
case $ARCH in
    x86_64) DEBARCH=amd64 ;;
    aarch64) DEBARCH=arm64 ;;
    i686) DEBARCH=i386 ;;
    *) echo "compare-debootstrap: unknown ARCH $ARCH" >&2; exit 2 ;;
esac

die() { echo "compare-debootstrap: $*" >&2; exit 2; }
command -v debootstrap >/dev/null 2>&1 || die "debootstrap is not installed (apt-get install debootstrap)"
command -v jq >/dev/null 2>&1 || die "jq is not installed (apt-get install jq)"
[ -x "$VZPKG" ] || die "$VZPKG not built (run make)"

# DISTRO=ubuntu (tests/real/ubuntu.sh) compares ubuntu-N-... with debootstrap's
# Ubuntu script (gutsy: Debian 12's debootstrap knows no noble) against
# $MIRROR and the key shipped in distros/keys/.
DISTRO=${DISTRO:-debian}
DBS_SCRIPT=
DBS_KEYRING=
if [ "$DISTRO" = ubuntu ]; then
    DBS_SCRIPT=/usr/share/debootstrap/scripts/gutsy
    DBS_KEYRING=--keyring=$(cd "$(dirname "$0")/../.." && pwd)/distros/keys/ubuntu-archive-keyring.gpg
fi

# The Debian mirror, resolved as vzforge resolves it (tests/real/mirror.sh.inc).
. "$(dirname "$0")/mirror.sh.inc"
if [ -n "${MIRROR:-}" ]; then
    mirror=$MIRROR
else
    vz_host_mirror || die "no Debian mirror: set VZ_MIRROR_DEBIAN or a Debian entry in the host's apt sources"
fi

work=$(mktemp -d /tmp/vzt-compare-XXXXXX) || die "mktemp failed"
trap 'rm -rf "$work"' EXIT INT TERM

status=0
for rc in ${*:-12:bookworm 13:trixie}; do
    rel=${rc%%:*}
    codename=${rc#*:}
    tmpl=$DISTRO-$rel-$ARCH-minimal
    target=$work/$codename
    echo "== $tmpl vs debootstrap --arch=$DEBARCH --variant=minbase $codename ($mirror)"
    # shellcheck disable=SC2086 # DBS_KEYRING and DBS_SCRIPT are one word or none
    if ! debootstrap --arch="$DEBARCH" --variant=minbase --print-debs --keep-debootstrap-dir \
            $DBS_KEYRING "$codename" "$target" "$mirror" $DBS_SCRIPT \
            >"$work/$codename.names" 2>"$work/$codename.log"; then
        echo "debootstrap failed:"; tail -5 "$work/$codename.log"
        status=1; continue
    fi
    # Versions: what the Packages index debootstrap resolved from lists (its
    # first stanza per name, which is the one it downloads).
    pkgs=$(ls "$target"/var/lib/apt/lists/*_main_binary-${DEBARCH}_Packages 2>/dev/null | head -1)
    [ -n "$pkgs" ] || { echo "debootstrap left no Packages index"; status=1; continue; }
    tr ' ' '\n' <"$work/$codename.names" | grep . | sort -u >"$work/$codename.want-names"
    awk 'NR == FNR { want[$1] = 1; next }
         /^Package:/ { p = $2 }
         /^Version:/ { if ((p in want) && !(p in seen)) { seen[p] = 1; print p, $2 } }' \
        "$work/$codename.want-names" "$pkgs" | sort >"$work/$codename.debootstrap"

    if ! "$VZPKG" -q create-cache "$tmpl" --dry-run --json --mirror "$mirror" >"$work/$codename.json" 2>"$work/$codename.err"; then
        echo "vzpkg failed:"; cat "$work/$codename.err"
        status=1; continue
    fi
    jq -r '.packages[] | "\(.name) \(.version)"' "$work/$codename.json" | sort >"$work/$codename.vzpkg"

    n_d=$(wc -l <"$work/$codename.debootstrap")
    n_v=$(wc -l <"$work/$codename.vzpkg")
    if diff -u "$work/$codename.debootstrap" "$work/$codename.vzpkg" >"$work/$codename.diff"; then
        echo "same: $n_v packages, every version equal"
    else
        echo "DIFFERENT: debootstrap $n_d packages, vzpkg $n_v (- debootstrap only, + vzpkg only):"
        grep '^[-+][^-+]' "$work/$codename.diff"
        status=1
    fi
done
exit $status
