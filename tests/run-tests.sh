#!/bin/sh
# Run each Criterion test binary and end with one summary line,
# "check: N passed, N failed". Tests need root for namespaces and mounts;
# they create everything they use under /tmp/vzt-* and talk only to
# 127.0.0.1 or network namespaces they made.
set -u
failed_bins=""
passed=0
failed=0
log=$(mktemp /tmp/vzt-check-log-XXXXXX)
trap 'rm -f "$log"' EXIT INT TERM
for t in "$@"; do
    echo "== $(basename "$t")"
    "$t" --jobs 2 ${CRITERION_OPTS:-} 2>&1 | tee "$log"
    # Criterion's last line: "Synthesis: Tested: T | Passing: P | Failing: F | Crashing: C"
    line=$(grep 'Synthesis: Tested:' "$log" | tail -n 1)
    if [ -z "$line" ]; then
        failed=$((failed + 1))
        failed_bins="$failed_bins $(basename "$t")(no summary)"
        continue
    fi
    p=$(echo "$line" | sed -n 's/.*Passing: \([0-9]*\).*/\1/p')
    f=$(echo "$line" | sed -n 's/.*Failing: \([0-9]*\).*/\1/p')
    c=$(echo "$line" | sed -n 's/.*Crashing: \([0-9]*\).*/\1/p')
    passed=$((passed + p))
    failed=$((failed + f + c))
    [ $((f + c)) -eq 0 ] || failed_bins="$failed_bins $(basename "$t")"
done
[ -z "$failed_bins" ] || echo "failing test binaries:$failed_bins"
echo "check: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
