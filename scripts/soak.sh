#!/bin/bash
# Soak run: the chaos test's load (tests/integration/test_chaos.c) against
# a throwaway Prosody and cardxd for an hour, watching cardxd's memory.
#
#   scripts/soak.sh
#
# SOAK_SECONDS: length of the load (default 3600). SOAK_SAMPLE_SECONDS:
# how often cardxd's RSS (VmRSS of /proc/PID/status) is sampled and printed
# (default 60). SOAK_WARMUP_SECONDS: samples before this are warm-up
# (SQLite's page cache and the buffers filling; default 600). Fails when
# the last sample exceeds the first one after warm-up by more than
# SOAK_RSS_GROWTH_KB (default 8192 KiB), or when the run itself fails (a
# lost or misrouted card). cardxd is neither killed nor is the server
# restarted here (CHAOS_KILL=0), so one process is measured throughout.
# SOAK_BUILD_DIR is the build tree (default build/soak, without sanitizers,
# whose quarantine would hide a leak). Not part of the test suite.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${SOAK_BUILD_DIR:-$top/build/soak}
seconds=${SOAK_SECONDS:-3600}
every=${SOAK_SAMPLE_SECONDS:-60}
warmup=${SOAK_WARMUP_SECONDS:-600}
bound=${SOAK_RSS_GROWTH_KB:-8192}

if [ $((warmup + 2 * every)) -gt "$seconds" ]; then
    echo "soak: SOAK_SECONDS=$seconds leaves fewer than two samples after" \
        "the warm-up (SOAK_WARMUP_SECONDS=$warmup," \
        "SOAK_SAMPLE_SECONDS=$every)" >&2
    exit 2
fi

BUILD_DIR=$build "$top/scripts/build.sh" >/dev/null
make -C "$build" -j"$(nproc)" tests/integration/test_chaos >/dev/null

work=$(mktemp -d "${TMPDIR:-/tmp}/cardx-soak-XXXXXX")
chaos_pid=
finish() {
    # The harness ties Prosody and cardxd to the test process
    # (PR_SET_PDEATHSIG): ending it ends them.
    if [ -n "$chaos_pid" ] && kill -0 "$chaos_pid" 2>/dev/null; then
        kill "$chaos_pid" 2>/dev/null || true
        wait "$chaos_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap finish EXIT
trap 'exit 130' INT TERM

echo "soak: ${seconds} s of load, RSS every ${every} s, warm-up ${warmup} s," \
    "allowed growth ${bound} KiB; log in $work/chaos.log"
CARDX_SRCDIR=$top CARDX_BUILDDIR=$build CHAOS_SECONDS=$seconds CHAOS_KILL=0 \
    CHAOS_PID_FILE=$work/cardxd.pid \
    "$build/tests/integration/test_chaos" >"$work/chaos.log" 2>&1 &
chaos_pid=$!

start=$(date +%s)
next=$((start + every))
base=
last=
while kill -0 "$chaos_pid" 2>/dev/null; do
    sleep 1
    now=$(date +%s)
    [ "$now" -ge "$next" ] || continue
    next=$((next + every))
    pid=$(cat "$work/cardxd.pid" 2>/dev/null || true)
    rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || true)
    if [ -z "$pid" ] || [ -z "$rss" ]; then
        continue
    fi
    elapsed=$((now - start))
    echo "soak: ${elapsed} s cardxd (pid $pid) rss ${rss} KiB"
    # Only while the load runs: the final collection is not the steady state.
    if [ "$elapsed" -ge "$warmup" ] && [ "$elapsed" -le "$seconds" ]; then
        [ -n "$base" ] || base=$rss
        last=$rss
    fi
done
status=0
wait "$chaos_pid" || status=$?
chaos_pid=
# The run's summary; each lost card has its own line in the log.
grep -E '^chaos: (seed|accepted|[0-9]+ s,)' "$work/chaos.log" || true
fail=0
if [ "$status" -ne 0 ]; then
    echo "soak: FAIL: the chaos run failed (status $status):" >&2
    grep -E 'Assertion|died|harness:' "$work/chaos.log" >&2 || true
    fail=1
fi
if [ -z "$base" ]; then
    echo "soak: FAIL: no RSS sample after the warm-up" >&2
    exit 1
fi
growth=$((last - base))
echo "soak: rss after warm-up ${base} KiB, at the end ${last} KiB," \
    "growth ${growth} KiB (bound ${bound} KiB)"
if [ "$growth" -gt "$bound" ]; then
    echo "soak: FAIL: cardxd's memory grew by more than the bound" >&2
    fail=1
fi
[ "$fail" -eq 0 ] || exit 1
echo "soak: PASS"
