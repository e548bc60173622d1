#!/bin/sh
# Run each Criterion test binary; print one summary line at the end.
# Tests need root for namespaces and mounts; they create everything they use
# under a temporary directory and talk only to 127.0.0.1.
set -u
failed=0
for t in "$@"; do
    echo "== $(basename "$t")"
    if ! "$t" --jobs 2 ${CRITERION_OPTS:-}; then
        failed=$((failed + 1))
        echo "FAILED: $t"
    fi
done
if [ "$failed" -ne 0 ]; then
    echo "make check: $failed test binaries failed"
    exit 1
fi
echo "make check: all test binaries passed"
