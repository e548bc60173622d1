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
flaky=""
# The host's cgroup layout: tests that use real cgroups run the variant for
# it and print "vzt-host: cgroup-v1|v2" (tests/lib/cghost.h), counted here.
case $(stat -fc %T /sys/fs/cgroup 2>/dev/null) in
cgroup2fs) layout="cgroup v2" ;;
*) layout="cgroup v1"; [ -e /sys/fs/cgroup/unified/cgroup.procs ] && layout="$layout + hybrid cgroup2" ;;
esac
layout="$layout, PID 1 $(cat /proc/1/comm 2>/dev/null), kernel $(uname -r)"
echo "check: host: $layout"
log=$(mktemp /tmp/vzt-check-log-XXXXXX)
fails=$(mktemp /tmp/vzt-check-fails-XXXXXX)
skips=$(mktemp /tmp/vzt-check-skips-XXXXXX)
trap 'rm -f "$log" "$log.pid" "$log.rc" "$fails" "$skips"' EXIT
# `timeout` runs a binary in a process group of its own, which a Ctrl-C or a
# killed `make` does not reach: this run passes the signal on (timeout hands
# it to the whole group: the runner and its workers), then ends.
on_signal() {
    p=$(cat "$log.pid" 2>/dev/null)
    [ -n "$p" ] && kill -TERM "$p" 2>/dev/null
    exit 130
}
trap on_signal INT TERM
# A test killed by its timeout never runs its teardown: stop and destroy,
# with vzctl itself, every container it left in a VZ_ROOT of its own
# (/tmp/vzt-*, made by vzt_mkroot), so that no test run leaves a container
# running. The next binary's start does it too (tests/lib/reaper.h). Only
# after a binary one of whose tests was killed (a timeout, a crash, no
# summary): every other test ran its teardown. And only in a directory
# whose maker is gone: one without the record, or whose maker still runs,
# is another run's, live on the same machine, whose containers are not
# ours to stop.
reap() {
    [ -n "${VZ_BUILD:-}" ] || return 0
    if grep -q 'Synthesis: Tested:' "$1" && ! grep -qE '^\[FAIL\] .*(Timed out|CRASH)|Unexpected signal|Test was interrupted' "$1"; then
        return 0
    fi
    for d in /tmp/vzt-*/; do
        d=${d%/}
        [ -d "$d/etc/vz/conf" ] || continue
        case " $before " in *" $d "*) continue ;; esac
        # only a directory whose maker is gone (tests/lib/reaper.h): one
        # without the record, or whose maker still runs, is another run's,
        # going on beside this one (these machines are shared)
        [ -r "$d/.vzt-owner" ] || continue
        read -r opid ostart <"$d/.vzt-owner" || continue
        if [ -r "/proc/$opid/stat" ] &&
            [ "$(sed 's/.*) //' "/proc/$opid/stat" 2>/dev/null | cut -d' ' -f20)" = "$ostart" ]; then
            continue
        fi
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
# Each binary runs under a limit, VZT_BIN_TIMEOUT seconds (default 2400:
# the slowest binary takes about a tenth of it on a quiet host), so that a
# hung test costs one binary, not the whole run, and is named: the tests a
# killed binary had started and not ended.
limit=${VZT_BIN_TIMEOUT:-2400}
limited() {
    timeout -k 30 "$limit" "$@" &
    echo $! >"$log.pid"
    wait $!
}
# the lines of Criterion's --verbose that stay in the log only
verbose_only='^\[(RUN |PASS)\] |^\[====\] Running |^\[----\] Criterion v'
still_running() {
    sed -n 's/^\[RUN \] \([A-Za-z0-9_]*::[A-Za-z0-9_]*\).*/\1/p' "$1" | sort -u >"$1.started"
    sed -n 's/^\[\(PASS\|FAIL\|SKIP\)\] \([A-Za-z0-9_]*::[A-Za-z0-9_]*\).*/\2/p' "$1" | sort -u >"$1.ended"
    comm -23 "$1.started" "$1.ended" | sed 's/^/ /' | tr -d '\n'
    rm -f "$1.started" "$1.ended"
}
# A test writes only under its own /tmp/vzt-* root. A new name in / after a
# binary ran is named; one with "vzt" in it (every path the tests make up has,
# e.g. /nonexistent-vzt-dir: meant to be absent, written by a command that
# accepted it) fails the run. Others may be another tenant's of this shared
# machine: only named.
for t in "$@"; do
    echo "== $(basename "$t")"
    before=$(ls -d /tmp/vzt-*/ 2>/dev/null | sed 's:/$::' | tr '\n' ' ')
    top_before=$(find / -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null)
    # --verbose names each test as it starts ([RUN ]) and ends: the log says
    # which tests a binary killed at its limit was still running; the
    # terminal gets Criterion's usual output without those lines
    # (in the background, waited for: sh runs a trap only between commands,
    # and `wait` is one it can interrupt)
    { limited "$t" --jobs 2 --verbose ${CRITERION_OPTS:-}
      r=$?
      [ -e "$log" ] && echo "$r" >"$log.rc"; } 2>&1 | tee "$log" | grep -v -E "$verbose_only" &
    wait $!
    rc=$(cat "$log.rc" 2>/dev/null)
    rm -f "$log.rc"
    if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
        running=$(still_running "$log")
        msg="$(basename "$t"): killed after its limit of $limit s (VZT_BIN_TIMEOUT); $(grep -c '^\[RUN \] ' "$log") tests had started; still running:${running:- none}"
        echo "== $msg"
        echo "$msg" >>"$fails"
    fi
    reap "$log"
    for n in $(find / -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null | grep -vxF "$top_before"); do
        case $n in
        *vzt*)
            echo "== $(basename "$t"): wrote outside its root: /$n"
            failed=$((failed + 1))
            failed_bins="$failed_bins $(basename "$t")(wrote /$n)"
            echo "$(basename "$t"): wrote outside its root: /$n" >>"$fails" ;;
        *) echo "== $(basename "$t"): note: /$n appeared in / meanwhile" ;;
        esac
    done
    # Criterion's last line: "Synthesis: Tested: T | Passing: P | Failing: F | Crashing: C"
    line=$(grep 'Synthesis: Tested:' "$log" | tail -n 1)
    if [ -z "$line" ]; then
        failed=$((failed + 1))
        failed_bins="$failed_bins $(basename "$t")(no summary)"
        grep -v -E "$verbose_only" "$log" | tail -n 20 |
            sed "s|^|$(basename "$t") (no summary): |" >>"$fails"
        continue
    fi
    p=$(echo "$line" | sed -n 's/.*Passing: \([0-9]*\).*/\1/p')
    f=$(echo "$line" | sed -n 's/.*Failing: \([0-9]*\).*/\1/p')
    c=$(echo "$line" | sed -n 's/.*Crashing: \([0-9]*\).*/\1/p')
    passed=$((passed + p))
    # a skipped test says why (a tool or kernel feature this host lacks):
    # counted and listed at the end, so that a skip is never silent
    grep '^\[SKIP\] ' "$log" | grep -v ': Test is disabled$' | sed "s|^\[SKIP\] |$(basename "$t"): |" >>"$skips"
    h1=$(grep -c '^vzt-host: cgroup-v1$' "$log")
    h2=$(grep -c '^vzt-host: cgroup-v2$' "$log")
    ran_v1=$((ran_v1 + h1))
    ran_v2=$((ran_v2 + h2))
    echo "== $(basename "$t"): $p passed, $f failed ($c of them crashed); host-specific: $h1 ran the cgroup v1 variant, $h2 the v2 one"
    # A failed test runs once more, alone (no second job beside it): these
    # machines are shared and noisy, and a test that passes alone was hurt
    # by the load, not by the code. It counts as passed and is named as
    # flaky in the summary; one that fails again fails the run.
    if [ "$f" -ne 0 ] && [ "${VZT_NO_RERUN:-0}" != 1 ]; then
        names=$(sed -n 's/^\[FAIL\] \([A-Za-z0-9_]*\)::\([A-Za-z0-9_]*\):.*/\1\/\2/p' "$log" | sort -u)
        again=0
        for n in $names; do
            echo "== $(basename "$t"): $n failed; running it again, alone"
            limited "$t" --jobs 1 --filter "$n" ${CRITERION_OPTS:-} >"$log.again" 2>&1
            reap "$log.again"
            # a parameterized test is one name for several tests: each of
            # its failures counts, and all of its rows must pass alone
            nf=$(grep -c "^\[FAIL\] ${n%%/*}::${n#*/}:" "$log")
            if grep -Eq 'Synthesis: Tested: ([1-9][0-9]*) \| Passing: \1 \| Failing: 0' "$log.again"; then
                again=$((again + nf))
                flaky="$flaky $(basename "$t"):$n"
            else
                cat "$log.again"
            fi
        done
        rm -f "$log.again"
        passed=$((passed + again))
        f=$((f - again))
    fi
    failed=$((failed + f)) # Criterion's Failing already counts the crashed ones
    if [ "$f" -ne 0 ]; then
        failed_bins="$failed_bins $(basename "$t")"
        # the failed tests and their assertions, repeated at the end: a CI
        # log that keeps only its tail still says what failed
        grep -E '^\[(FAIL|----)\]' "$log" | grep -v '^\[----\] *$' >>"$fails"
    fi
done
if [ -s "$fails" ]; then
    echo "check: what failed:"
    head -n 60 "$fails"
fi
if [ -s "$skips" ]; then
    echo "check: skipped here ($(wc -l <"$skips") tests, each with its reason; Criterion counts them as passed):"
    cut -c1-200 "$skips" | sed 's/^/  /'
fi
[ -z "$flaky" ] || echo "check: flaky (failed beside another test, passed alone):$flaky"
[ -z "$failed_bins" ] || echo "failing test binaries:$failed_bins"
echo "check: host-specific tests: $ran_v1 ran the cgroup v1 variant, $ran_v2 the v2 one ($layout)"
echo "check: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
