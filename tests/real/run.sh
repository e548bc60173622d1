#!/bin/sh
# make check-real: real templates from the host's mirror (network to that
# mirror only). Runs every check under tests/real/ and fails if any fails.
#   compare-debootstrap.sh  the dry-run plan equals debootstrap's minbase (needs debootstrap, jq)
#   check-build.sh          build debian-12/13 minimal and debian-12 default; dpkg/apt checks inside
set -u
here=$(dirname "$0")
status=0
for t in compare-debootstrap.sh check-build.sh; do
    echo "== tests/real/$t"
    "$here/$t"
    rc=$?
    if [ $rc = 2 ]; then
        echo "tests/real/$t: skipped (a tool is missing, see above)"
    elif [ $rc != 0 ]; then
        status=1
    fi
done
[ $status = 0 ] && echo "make check-real: passed" || echo "make check-real: FAILED"
exit $status
