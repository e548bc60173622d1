#!/bin/sh
# make check-real: every tests/real/*.sh other than this one, against the host's
# configured Debian mirror (never named in the project). Each script exits 0 on
# pass, 1 on a failed check, 2 when something it needs is missing (counted as a
# failure: check-real is only run where it can run).
set -u
here=$(cd "$(dirname "$0")" && pwd)
pass=0
fail=0
failed=""
for t in "$here"/*.sh; do
    [ "$(basename "$t")" = run.sh ] && continue
    name=$(basename "$t" .sh)
    echo "== check-real: $name"
    start=$(date +%s)
    if sh "$t"; then
        pass=$((pass + 1))
        echo "== $name: PASS ($(( $(date +%s) - start )) s)"
    else
        fail=$((fail + 1))
        failed="$failed $name"
        echo "== $name: FAIL ($(( $(date +%s) - start )) s)"
    fi
done
echo "check-real: $pass passed, $fail failed"
[ "$fail" -eq 0 ] || { echo "check-real: failed:$failed"; exit 1; }
