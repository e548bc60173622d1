#!/bin/sh
# make demo: the README's main job. Builds the minimal Debian cache from the
# host's mirror (as configured in its apt sources), verifies it and shows the
# manifest summary. Uses the real VZ_ROOT (default /), so the cache stays.
set -eu
VZPKG=${VZPKG:-${VZ_BUILD:-build}/bin/vzpkg}
T=${TEMPLATE:-debian-12-x86_64-minimal}
echo "+ vzpkg create-cache $T --force --timings"
"$VZPKG" create-cache "$T" --force --timings
echo "+ vzpkg verify $T"
"$VZPKG" verify "$T"
echo "+ vzpkg list --cached"
"$VZPKG" list --cached
