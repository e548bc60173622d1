#!/bin/sh
# Run each Criterion test binary and end with one summary line,
# "check: N passed, N failed". Tests need root for namespaces and mounts;
# they create everything they use under /tmp/vzt-* and talk only to
# 127.0.0.1 or network namespaces they made.
set -u
failed_bins=""
passed=0
failed=0
ran_v1=0
ran_v2=0
# The host's cgroup layout: tests that use real cgroups run the variant for
# it and print "vzt-host: cgroup-v1|v2" (tests/lib/cghost.h), counted here.
case $(stat -fc %T /sys/fs/cgroup 2>/dev/null) in
cgroup2fs) layout="cgroup v2" ;;
*) layout="cgroup v1"; [ -e /sys/fs/cgroup/unified/cgroup.procs ] && layout="$layout + hybrid cgroup2" ;;
esac
layout="$layout, PID 1 $(cat /proc/1/comm 2>/dev/null), kernel $(uname -r)"
echo "check: host: $layout"
log=$(mktemp /tmp/vzt-check-log-XXXXXX)
trap 'rm -f "$log"' EXIT INT TERM
# A test killed by its timeout never runs its teardown: stop and destroy,
# with vzctl itself, every container it left in a VZ_ROOT of its own
# (/tmp/vzt-*), so that no test run leaves a container running.
reap() {
    for d in /tmp/vzt-*/; do
        d=${d%/}
        [ -d "$d/etc/vz/conf" ] || continue
        case " $before " in *" $d "*) continue ;; esac
        for c in "$d"/etc/vz/conf/*.conf; do
            [ -f "$c" ] || continue
            ct=$(basename "$c" .conf)
            if VZ_ROOT=$d "$VZ_BUILD/bin/vzctl" -q status "$ct" 2>/dev/null | grep -q ' running'; then
                echo "check: stopping container $ct left running by a killed test in $d"
                VZ_ROOT=$d "$VZ_BUILD/bin/vzctl" -q stop "$ct" --fast >/dev/null 2>&1
            fi
            VZ_ROOT=$d "$VZ_BUILD/bin/vzctl" -q umount "$ct" >/dev/null 2>&1
        done
    done
}
for t in "$@"; do
    echo "== $(basename "$t")"
    before=$(ls -d /tmp/vzt-*/ 2>/dev/null | sed 's:/$::' | tr '\n' ' ')
    "$t" --jobs 2 ${CRITERION_OPTS:-} 2>&1 | tee "$log"
    [ -n "${VZ_BUILD:-}" ] && reap
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
    failed=$((failed + f)) # Criterion's Failing already counts the crashed ones
    h1=$(grep -c '^vzt-host: cgroup-v1$' "$log")
    h2=$(grep -c '^vzt-host: cgroup-v2$' "$log")
    ran_v1=$((ran_v1 + h1))
    ran_v2=$((ran_v2 + h2))
    echo "== $(basename "$t"): $p passed, $f failed ($c of them crashed); host-specific: $h1 ran the cgroup v1 variant, $h2 the v2 one"
    [ "$f" -eq 0 ] || failed_bins="$failed_bins $(basename "$t")"
done
[ -z "$failed_bins" ] || echo "failing test binaries:$failed_bins"
echo "check: host-specific tests: $ran_v1 ran the cgroup v1 variant, $ran_v2 the v2 one ($layout)"
echo "check: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
