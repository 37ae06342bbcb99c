#!/bin/sh
# make fuzz-smoke: replays every regression input of each libFuzzer target,
# then fuzzes it for SECONDS from its seed corpus; fails on any crash or
# violated property. Usage: smoke.sh FUZZDIR SECONDS TARGET...
# Run from the build directory; work files go to fuzz/work/TARGET/.
set -u
fuzzdir=$1
seconds=$2
shift 2

# Leaks are bugs here too; UBSan findings must stop the run.
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export ASAN_OPTIONS UBSAN_OPTIONS

status=0
targets=0
replayed=0
total_runs=0
for prog in "$@"; do
    name=$(basename "$prog")
    name=${name#fuzz_}
    work=fuzz/work/$name
    rm -rf "$work"
    mkdir -p "$work/corpus" "$work/artifacts"
    targets=$((targets + 1))

    regs=$(find "$fuzzdir/regressions/$name" -type f 2>/dev/null | sort)
    if [ -n "$regs" ]; then
        n=$(printf '%s\n' "$regs" | wc -l)
        # shellcheck disable=SC2086
        if ! "./$prog" $regs >"$work/replay.log" 2>&1; then
            echo "fuzz-smoke: $name: a regression input fails again:"
            tail -n 30 "$work/replay.log"
            status=1
            continue
        fi
        replayed=$((replayed + n))
    fi

    if "./$prog" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -max_len=4096 -artifact_prefix="$work/artifacts/" \
        "$work/corpus" "$fuzzdir/corpus/$name" >"$work/fuzz.log" 2>&1; then
        runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$work/fuzz.log")
        total_runs=$((total_runs + ${runs:-0}))
        echo "fuzz-smoke: $name: ${runs:-0} runs, no failure"
    else
        echo "fuzz-smoke: $name: FAILED; the input is kept in $work/artifacts/"
        echo "  (add it to fuzz/regressions/$name/ once fixed):"
        grep -E 'property violated|ERROR: |SUMMARY: ' "$work/fuzz.log" |
            head -n 5
        ls "$work/artifacts/"
        status=1
    fi
done

if [ "$status" -eq 0 ]; then
    echo "fuzz-smoke: $targets targets passed, $replayed regression inputs" \
        "replayed, $total_runs runs"
else
    echo "fuzz-smoke: FAILED (logs in fuzz/work/)"
fi
exit "$status"
