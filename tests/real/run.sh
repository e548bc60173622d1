#!/bin/sh
# make check-real: every tests/real/*.sh other than this one, against the host's
# configured Debian mirror (never named in the project). Each script exits 0 on
# pass, 1 on a failed check, 2 when something it needs is missing (counted as a
# failure: check-real is only run where it can run), 77 when what it checks is
# out of reach by design (another distribution's mirror: it prints why; counted
# and listed as skipped, never as passed).
set -u
here=$(cd "$(dirname "$0")" && pwd)
pass=0
fail=0
skip=0
failed=""
skipped=""
for t in "$here"/*.sh; do
    [ "$(basename "$t")" = run.sh ] && continue
    name=$(basename "$t" .sh)
    echo "== check-real: $name"
    start=$(date +%s)
    sh "$t"
    rc=$?
    if [ $rc -eq 0 ]; then
        pass=$((pass + 1))
        echo "== $name: PASS ($(( $(date +%s) - start )) s)"
    elif [ $rc -eq 77 ]; then
        skip=$((skip + 1))
        skipped="$skipped $name"
        echo "== $name: SKIP"
    else
        fail=$((fail + 1))
        failed="$failed $name"
        echo "== $name: FAIL ($(( $(date +%s) - start )) s)"
    fi
done
echo "check-real: $pass passed, $fail failed, $skip skipped"
[ "$skip" -eq 0 ] || echo "check-real: skipped:$skipped"
[ "$fail" -eq 0 ] || { echo "check-real: failed:$failed"; exit 1; }
