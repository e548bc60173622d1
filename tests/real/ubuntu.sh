#!/bin/sh
# tests/real/ubuntu.sh: ubuntu-22.04 and ubuntu-24.04 against the real Ubuntu
# archive, when there is one to reach.
#
# Our build machines reach only the host's Debian mirror, so by default this
# SKIPS (exit 77) and says so: what differs from Debian is covered by make
# check against a synthetic archive instead (tests/e2e/test_ubuntu.c,
# tests/metadata/test_ubuntu.c; docs/family-deb.md lists exactly what is and
# is not tested). With an Ubuntu mirror (VZ_MIRROR_UBUNTU=URL, never written
# here) it runs what check-real runs for Debian:
#   - compare-debootstrap.sh: the minimal plans equal debootstrap's minbase
#     (Ubuntu's script, the shipped key), package for package;
#   - check-build.sh: both minimal templates and jammy's default build and
#     pass dpkg --audit, all ii, apt-get check, dpkg --verify.
# Those two paths have not run against a real Ubuntu archive yet.
#
# Exit 0 pass, 1 a failed check, 2 a missing tool, 77 skipped (no mirror).
set -u
VZPKG=${VZPKG:-${VZ_BUILD:-build}/bin/vzpkg}
here=$(cd "$(dirname "$0")" && pwd)
[ -x "$VZPKG" ] || { echo "ubuntu: $VZPKG not built (run make)" >&2; exit 2; }
command -v jq >/dev/null 2>&1 || { echo "ubuntu: jq is not installed" >&2; exit 2; }

mirror=$("$VZPKG" -q info ubuntu-22.04-x86_64-minimal mirrorlist --json 2>/dev/null |
         jq -r '.mirrorlist[] | select(.name == "ubuntu") | .uris[0]' 2>/dev/null | head -n 1)
if [ -z "$mirror" ] || [ "$mirror" = null ]; then
    echo "ubuntu: SKIP: no Ubuntu mirror configured (VZ_MIRROR_UBUNTU, MIRROR_UBUNTU in vz.conf"
    echo "  or an Ubuntu host's apt sources); this machine reaches only the host's Debian"
    echo "  mirror. Not tested against the real archive: the minimal sets against debootstrap,"
    echo "  the built roots with dpkg/apt. Tested by make check on a synthetic archive:"
    echo "  tests/e2e/test_ubuntu.c, tests/metadata/test_ubuntu.c (docs/family-deb.md)."
    exit 77
fi

status=0
DISTRO=ubuntu MIRROR=$mirror sh "$here/compare-debootstrap.sh" 22.04:jammy 24.04:noble || status=1
VZ_MIRROR_UBUNTU=$mirror sh "$here/check-build.sh" ubuntu-22.04-x86_64-minimal \
    ubuntu-24.04-x86_64-minimal ubuntu-22.04-x86_64-default || status=1
exit $status
