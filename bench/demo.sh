#!/bin/sh
# make demo: the whole story on this host, from its own Debian mirror:
#   build and sign debian-12-x86_64-minimal, create container 101 from it,
#   start it, run a command inside, show the timings, stop and destroy it.
# Everything lives under VZ_ROOT (default /var/tmp/vzforge-demo) so the demo
# never touches a real /vz or /etc/vz; a second run reuses the package cache.
set -eu
BUILD=${VZ_BUILD:-$(cd "$(dirname "$0")/.." && pwd)/build}
export VZ_ROOT=${VZ_ROOT:-/var/tmp/vzforge-demo}
TEMPLATE=${TEMPLATE:-debian-12-x86_64-minimal}
CTID=${CTID:-101}
VZPKG=$BUILD/bin/vzpkg
VZCTL=$BUILD/bin/vzctl
VZLIST=$BUILD/bin/vzlist
mkdir -p "$VZ_ROOT"

ms() { date +%s%N | cut -c1-13; }
step() { printf '\n$ %s\n' "$*"; }

# A container left by an earlier, interrupted demo.
if "$VZCTL" status "$CTID" 2>/dev/null | grep -q ' exist '; then
    "$VZCTL" -q stop "$CTID" --fast >/dev/null 2>&1 || true
    "$VZCTL" -q destroy "$CTID" >/dev/null
fi

step vzpkg create-cache "$TEMPLATE" --timings
t0=$(ms)
"$VZPKG" create-cache "$TEMPLATE" --force --timings
tc=$(ms)

step vzpkg verify "$TEMPLATE"
"$VZPKG" verify "$TEMPLATE"

step vzpkg list --cached
"$VZPKG" list --cached

step vzctl create "$CTID" --ostemplate "$TEMPLATE" --hostname demo$CTID
t1=$(ms)   # after verify and list: 'vzctl create' times the create alone
"$VZCTL" create "$CTID" --ostemplate "$TEMPLATE" --hostname "demo$CTID"
t2=$(ms)

step vzctl start "$CTID"
"$VZCTL" start "$CTID"
t3=$(ms)

step vzctl exec "$CTID" 'cat /etc/os-release | head -n 2; hostname; dpkg -l | grep -c ^ii'
"$VZCTL" exec "$CTID" 'cat /etc/os-release | head -n 2; hostname; dpkg -l | grep -c ^ii'
t4=$(ms)

step vzlist -a
"$VZLIST" -a

step vzctl stop "$CTID" '&&' vzctl destroy "$CTID"
"$VZCTL" stop "$CTID"
"$VZCTL" destroy "$CTID"
t5=$(ms)

# each run builds a new cache (a new hash): drop the shared trees and
# packages of the older ones, keep the current cache's (vzpkg clean)
step vzpkg clean
"$VZPKG" clean

cat <<EOT

demo timings (ms):
  create-cache   $((tc - t0))
  vzctl create   $((t2 - t1))
  vzctl start    $((t3 - t2))
  vzctl exec     $((t4 - t3))
  stop+destroy   $((t5 - t4))
the cache stays in $VZ_ROOT/vz/template/cache; run 'make demo' again for a warm build.
EOT
