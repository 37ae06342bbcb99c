#!/bin/sh
# Runs Prosody for the benchmark with the test harness's config, changed in
# two ways that make it a fair, CPU-bound baseline (docs/BENCHMARKS.md):
# - log at info, not debug: a debug log writes every stanza, which no
#   production server does and which would be the bottleneck;
# - no Nagle (network_settings nagle = false): on loopback with a bounded
#   window, Nagle plus delayed ACKs stall each connection for up to 40 ms,
#   so the figures would measure timers, not work.
# cardx-bench sets PROSODY to this script; the harness calls it as
#   prosody-bench.sh --config FILE -F
# BENCH_REAL_PROSODY names the real program (default: prosody).
set -eu
[ "${1:-}" = "--config" ] && [ -f "${2:-}" ] || {
    echo "prosody-bench.sh: usage: prosody-bench.sh --config FILE -F" >&2
    exit 2
}
cfg=$2
sed -i -e 's/levels = { min = "debug" }/levels = { min = "info" }/' \
    -e 's/^run_as_root = true$/&\nnetwork_settings = { nagle = false, read_size = 65536 }/' "$cfg"
grep -q '^network_settings = ' "$cfg" || {
    echo "prosody-bench.sh: could not edit $cfg (template changed?)" >&2
    exit 1
}
exec "${BENCH_REAL_PROSODY:-prosody}" "$@"
