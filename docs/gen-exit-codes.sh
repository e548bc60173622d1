#!/bin/sh
# Print the table of docs/exit-codes.md from common/error.h's VZ_STATUS_LIST,
# so the page cannot drift from the code (tests/cmd checks that it has not):
#   docs/gen-exit-codes.sh > /tmp/t && edit docs/exit-codes.md with it
set -eu
cd "$(dirname "$0")/.."
echo "| code | name | meaning |"
echo "|---:|---|---|"
printf '#include "common/error.h"\n#define VZ_X(name, code, desc) @ROW code name desc\nVZ_STATUS_LIST(VZ_X)\n' |
    ${CPP:-cpp} -P -I. -x c - |
    tr '@' '\n' |
    sed -n 's/^ROW \([0-9]*\) \([A-Z_]*\) "\(.*\)" *$/| \1 | `\2` | \3 |/p'
