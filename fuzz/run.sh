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
cd "$(dirname "$0")/.."
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

failed=()
total_start=$(date +%s)
for t in "${targets[@]}"; do
    bin=$build/fuzz/fuzz_$t
    if [ ! -x "$bin" ]; then
        echo "fuzz: no harness $bin" >&2
        failed+=("$t")
        continue
    fi
    work=$build/fuzz-work/$t
    rm -rf "$work"
    mkdir -p "$work/corpus"
    scratch=$(mktemp -d "$scratch_base/vzfuzz-$t.XXXXXX")
    args=(-max_len=65536 -timeout=20 -rss_limit_mb=2048 -print_final_stats=1
          -artifact_prefix="$work/")
    [ -f "fuzz/dict/$t.dict" ] && args+=(-dict="fuzz/dict/$t.dict")
    if [ "$secs" -gt 0 ]; then
        args+=(-max_total_time="$secs" "$work/corpus")
    else
        args+=(-runs=0)
    fi
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
        failed+=("$t")
        grep -E -A40 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|^fuzz: |ALARM|out-of-memory' \
            "$work/log" | head -60 >&2
        ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-* 2>/dev/null >&2
        echo "fuzz: full log: $work/log" >&2
    fi
done
echo "fuzz: ${#targets[@]} harnesses in $(($(date +%s) - total_start)) s"
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: FAILED: ${failed[*]}" >&2
    exit 1
fi
