#!/bin/bash
# fuzz/run.sh BUILD SECONDS [TARGET...]: run each libFuzzer harness
# BUILD/fuzz/fuzz_TARGET for SECONDS (0: the committed corpus once, no
# fuzzing), starting from fuzz/corpus/TARGET (and fuzz/dict/TARGET.dict when
# there is one). New inputs the fuzzer finds go to BUILD/fuzz-work/TARGET/corpus,
# never into the committed corpus; a crashing input goes to
# BUILD/fuzz-work/TARGET/crash-* (docs/fuzzing.md says how to keep one).
# Exit 1 when any harness found a crash, a leak, an UBSan report, a timeout
# or ran out of memory.
set -u
cd "$(dirname "$0")/.." || exit 2
build=$1 secs=$2
shift 2
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    for b in "$build"/fuzz/fuzz_*; do targets+=("${b##*/fuzz_}"); done
fi

# Scratch files of the harnesses (their VZ_ROOT) on tmpfs when there is one:
# the harnesses write a file per input.
scratch_base=$build/fuzz-work
if [ -d /dev/shm ] && [ -w /dev/shm ]; then scratch_base=/dev/shm; fi

# One harness: its summary line on stdout, its findings on stderr, and a
# file $work/failed when it failed (the harnesses run side by side).
run_one() {
    local t=$1 bin=$build/fuzz/fuzz_$1 work=$build/fuzz-work/$1
    rm -rf "$work"
    mkdir -p "$work/corpus"
    if [ ! -x "$bin" ]; then
        echo "fuzz: no harness $bin" >&2
        : >"$work/failed"
        return
    fi
    local scratch
    scratch=$(mktemp -d "$scratch_base/vzfuzz-$t.XXXXXX")
    local args=(-max_len=65536 -timeout=20 -rss_limit_mb=2048 -print_final_stats=1
                -artifact_prefix="$work/")
    [ -f "fuzz/dict/$t.dict" ] && args+=(-dict="fuzz/dict/$t.dict")
    if [ "$secs" -gt 0 ]; then
        args+=(-max_total_time="$secs" "$work/corpus")
    else
        args+=(-runs=0)
    fi
    local start rc runs cov
    start=$(date +%s)
    TMPDIR=$scratch \
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:symbolize=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        "$bin" "${args[@]}" "fuzz/corpus/$t" >"$work/log" 2>&1
    rc=$?
    rm -rf "$scratch"
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$work/log" | tail -1)
    printf '  FUZZ    %-10s %4ss  %8s runs  %-10s %s\n' "$t" $(($(date +%s) - start)) \
        "${runs:-?}" "${cov:-}" "$([ $rc -eq 0 ] && echo ok || echo "FAILED (exit $rc)")"
    if [ $rc -ne 0 ]; then
        : >"$work/failed"
        grep -E -A40 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|^fuzz: |ALARM|out-of-memory' \
            "$work/log" | head -60 >&2
        ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-* 2>/dev/null >&2
        echo "fuzz: full log: $work/log" >&2
    fi
}

# As many harnesses at once as there are CPUs (FUZZ_JOBS): each is one
# process on one core, so N cores run N for the same wall time as one.
jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}
total_start=$(date +%s)
for t in "${targets[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
    run_one "$t" &
done
wait
failed=()
for t in "${targets[@]}"; do
    [ -e "$build/fuzz-work/$t/failed" ] && failed+=("$t")
done
echo "fuzz: ${#targets[@]} harnesses ($jobs at a time) in $(($(date +%s) - total_start)) s"
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: FAILED: ${failed[*]}" >&2
    exit 1
fi
