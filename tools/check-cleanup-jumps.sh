#!/bin/sh
# tools/check-cleanup-jumps.sh: fail when a goto (or switch) jumps forward
# over the declaration of a variable with a cleanup attribute
# (cleanup_free, cleanup_close, ...: common/cleanup.h). At the label the
# cleanup then runs on an uninitialised value: free() of a stack address.
# clang refuses such code; gcc compiles it silently. gcc's
# -Wjump-misses-init finds every skipped initialisation, most of them
# harmless (an int set later): only those whose declaration names a
# cleanup_ attribute are reported here.
#
# Usage: tools/check-cleanup-jumps.sh [CC_FLAGS...]  (run from the top
# directory; make check runs it with the build's include flags)
set -u
CC=${CC:-cc}
export CC
one() {
    # gcc: "FILE:L:C: note: 'NAME' declared here", then the source line
    f=$1
    shift
    "$CC" -std=gnu11 -D_GNU_SOURCE -I. "$@" -Wjump-misses-init -fsyntax-only "$f" 2>&1 |
        awk '/jump skips variable initialization/ { jump = $1 }
             /note: .* declared here/ { decl = $1; getline src
                 if (src ~ /cleanup_/) { print jump " jumps over " decl src; bad = 1 } }
             END { exit bad }'
}
if [ "${1:-}" = --one ]; then
    shift
    one "$@"
    exit
fi
files=$(git ls-files '*.c' 2>/dev/null) || files=$(find . -name '*.c' ! -path './build*')
# two at a time: one gcc per file, ~0.1 s each
if printf '%s\n' $files | xargs -P 2 -I{} "$0" --one {} "$@"; then
    exit 0
fi
echo "check-cleanup-jumps: declare the variable before the first goto that jumps past it (NULL or -1), or return instead of jumping" >&2
exit 1
