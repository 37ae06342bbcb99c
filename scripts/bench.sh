#!/bin/bash
# Builds and runs the cardx benchmarks: cardxd beside the XMPP server's own
# message routing, on this machine, in one run (docs/BENCHMARKS.md).
#
#   scripts/bench.sh [WORKLOAD...]     all workloads when none is named
#
# Workloads: online component store flush scale client offline instances
# (cardx-bench --help). BENCH_QUICK=1 runs a short smoke run with small
# counts. BENCH_SERVERS lists the servers of the online workload (default:
# prosody, and ejabberd when installed). BENCH_DRIVERS lists the storage
# drivers of the offline workload (default: sqlite, and postgresql when
# this script could start its throwaway PostgreSQL,
# tests/integration/servers/postgresql.sh, which it stops on exit); that
# workload also measures each database's bytes per million waiting cards
# and runs ejabberd's mod_offline on Mnesia and on that PostgreSQL.
# "instances" runs the same online-card load through ejabberd with one
# cardxd on PostgreSQL, then with two on the same domain and database (the
# harness's own PostgreSQL), printed side by side; sends answered `wait`
# are sent again, as a client would. BENCH_BUILD_DIR is the build tree (default
# build/bench, an optimised build without sanitizers). Prints the machine,
# one BENCH line per figure (also kept in BUILD/bench-results.txt), a table
# and the targets. Run it by hand on an otherwise idle machine; CI does not.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BENCH_BUILD_DIR:-$top/build/bench}
results=$build/bench-results.txt

# An optimised build: a sanitizer build would measure the sanitizers.
BUILD_DIR=$build "$top/scripts/build.sh" >/dev/null
make -C "$build" -j"$(nproc)" bench >/dev/null
export CARDX_SRCDIR=$top CARDX_BUILDDIR=$build

version() {
    dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo "not installed"
}

machine() {
    echo "# date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "# commit: $(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo ?)"
    echo "# cpu: $(nproc) x $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
    echo "# memory: $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
    echo "# kernel: $(uname -r)"
    echo "# prosody $(version prosody), ejabberd $(version ejabberd)," \
        "sqlite $(pkg-config --modversion sqlite3)," \
        "libstrophe $(pkg-config --modversion libstrophe)"
    echo "# load average at start: $(cut -d" " -f1-3 /proc/loadavg) (other work on the machine skews the figures)"
    echo "# quick: ${BENCH_QUICK:-0}"
}

if [ -z "${BENCH_SERVERS:-}" ]; then
    BENCH_SERVERS=prosody
    if command -v ejabberdctl >/dev/null 2>&1 ||
        [ -x /usr/sbin/ejabberdctl ]; then
        BENCH_SERVERS="prosody ejabberd"
    fi
fi

if [ $# -eq 0 ]; then
    set -- online component store flush scale client offline instances
fi

# A throwaway PostgreSQL for the offline workload, stopped on exit.
pg=$top/tests/integration/servers/postgresql.sh
pg_run=
# shellcheck disable=SC2317 # run by the EXIT trap
pg_stop() {
    [ -z "$pg_run" ] || { "$pg" stop "$pg_run" >/dev/null 2>&1 || true; rm -rf "$pg_run"; }
}
trap pg_stop EXIT
case " $* " in
*" offline "*)
    if "$pg" check 2>/dev/null; then
        pg_run=$(mktemp -d /tmp/cardx-bench-pg-XXXXXX)
        for _ in 1 2 3 4 5; do
            port=$((20000 + RANDOM % 12000))
            if "$pg" start "$pg_run" "$port" >/dev/null 2>&1; then
                export BENCH_PG_PORT=$port BENCH_PG_RUNDIR=$pg_run
                [ -n "${BENCH_DSN:-}" ] || BENCH_DSN=$("$pg" dsn "$pg_run")
                export BENCH_DSN
                break
            fi
        done
    fi
    ;;
esac

status=0
machine | tee "$results"
for w in "$@"; do
    if [ "$w" = online ]; then
        for s in $BENCH_SERVERS; do
            CARDX_SERVER=$s "$build/bench/cardx-bench" online |
                tee -a "$results" || status=1
        done
    elif [ "$w" = offline ]; then
        peers=1
        drivers=sqlite
        [ -z "${BENCH_DSN:-}" ] || drivers="sqlite postgresql"
        for d in ${BENCH_DRIVERS:-$drivers}; do
            BENCH_DRIVER=$d BENCH_OFFLINE_PEERS=$peers \
                "$build/bench/cardx-bench" offline |
                tee -a "$results" || status=1
            peers=0
        done
    else
        "$build/bench/cardx-bench" "$w" | tee -a "$results" || status=1
    fi
done

echo
echo "== figures (value, then the labels that tell them apart) =="
awk '/^BENCH / {
    wl = ""; m = ""; v = ""; labels = ""
    for (i = 2; i <= NF; i++) {
        split($i, kv, "=")
        if (kv[1] == "workload") wl = kv[2]
        else if (kv[1] == "metric") m = kv[2]
        else if (kv[1] == "value") v = kv[2]
        else labels = labels (labels == "" ? "" : " ") $i
    }
    printf "%-15s %-44s %14s  %s\n", wl, m, v, labels
}' "$results"

echo
echo "== cardxd beside the server (same run) =="
awk '/^BENCH / {
    wl = ""; m = ""; x = ""; labels = ""
    for (i = 2; i <= NF; i++) {
        split($i, kv, "=")
        if (kv[1] == "workload") wl = kv[2]
        else if (kv[1] == "metric") m = kv[2]
        else if (kv[1] == "value") x = kv[2]
        else labels = labels (labels == "" ? "" : " ") $i
    }
    v[wl "|" labels "|" m] = x
    if (wl == "online_forward" && m == "ratio_cards_to_messages") {
        sub("server=", "", labels); servers[labels] = 1
    }
}
END {
    printf "  %-34s %10s %14s %18s %8s\n", "", "cards/s", "cardxd us/card", "server us/stanza", "ratio"
    for (s in servers) {
        # A plain message and its receipt are two routed stanzas.
        srv = v["online_forward|server=" s " traffic=messages|server_cpu_us_per_item"] / 2
        printf "  %-34s %10.0f %14.1f %18.1f %8.2f\n", "online through " s,
            v["online_forward|server=" s " traffic=cards|per_s"],
            v["online_forward|server=" s " traffic=cards|cardxd_cpu_us_per_item"], srv,
            v["online_forward|server=" s "|ratio_cardxd_cpu_per_card_to_server_cpu_per_stanza"]
    }
    split("online log=info|online log=warn|offline log=info", modes, "|")
    for (i = 1; i <= 3; i++) {
        k = "component|mode=" modes[i]
        if ((k "|cards_per_s") in v)
            printf "  %-34s %10.0f %14.1f %18s %8s\n", "alone (stub), " modes[i],
                v[k "|cards_per_s"], v[k "|cardxd_cpu_us_per_card"], "-", "-"
    }
}' "$results"

echo
echo "== 1 vs 2 cardxd instances on PostgreSQL through ejabberd (same run) =="
awk '/^BENCH workload=instances / {
    n = ""; m = ""; x = ""
    for (i = 2; i <= NF; i++) {
        split($i, kv, "=")
        if (kv[1] == "instances") n = kv[2]
        else if (kv[1] == "metric") m = kv[2]
        else if (kv[1] == "value") x = kv[2]
    }
    v[n "|" m] = x; seen[n] = 1
}
END {
    if (!(1 in seen)) { print "  not measured"; exit }
    printf "  %-10s %10s %14s %16s %14s %16s\n", "instances", "cards/s",
        "cardxd us/card", "server us/card", "sends retried", "replaced unseen"
    for (n = 1; n <= 2; n++) {
        if (!(n in seen)) { printf "  %-10d %s\n", n, "no figure (the round failed)"; continue }
        printf "  %-10d %10.0f %14.0f %16.0f %14d %16d\n", n, v[n "|cards_per_s"],
            v[n "|cardxd_cpu_us_per_card"], v[n "|server_cpu_us_per_card"],
            v[n "|sends_retried"], v[n "|cards_replaced_unseen"]
    }
    if ((2 in seen) && v["1|cards_per_s"] > 0 && v["1|cardxd_cpu_us_per_card"] > 0)
        printf "  2 vs 1: cards/s x%.2f, cardxd CPU per card x%.2f\n",
            v["2|cards_per_s"] / v["1|cards_per_s"],
            v["2|cardxd_cpu_us_per_card"] / v["1|cardxd_cpu_us_per_card"]
}' "$results"

echo
echo "== targets =="
awk -f - "$results" <<'EOF'
function val(wl, want_labels, metric,    key) {
    key = wl "|" want_labels "|" metric
    return (key in v) ? v[key] : ""
}
function check(what, x, op, limit) {
    if (x == "") { printf "  %-62s %s\n", what, "not measured"; return }
    ok = (op == ">=") ? (x + 0 >= limit) : (x + 0 <= limit)
    printf "  %-62s %10.4g %s %-8g %s\n", what, x, op, limit, ok ? "met" : "MISSED"
}
/^BENCH / {
    wl = ""; m = ""; x = ""; labels = ""
    for (i = 2; i <= NF; i++) {
        split($i, kv, "=")
        if (kv[1] == "workload") wl = kv[2]
        else if (kv[1] == "metric") m = kv[2]
        else if (kv[1] == "value") x = kv[2]
        else labels = labels (labels == "" ? "" : " ") $i
    }
    v[wl "|" labels "|" m] = x
    if (wl == "online_forward" && m == "ratio_cards_to_messages") {
        sub("server=", "", labels); servers[labels] = 1
    }
    if (wl == "scale" && m == "rss_end_kib") scale_rss[labels] = x
    if (wl == "client" && m == "search_max_ms") client[labels] = x
}
END {
    for (s in servers) {
        check("online forward via " s ": cards/messages rate", val("online_forward", "server=" s, "ratio_cards_to_messages"), ">=", 0.45)
        check("online via " s ": cardxd CPU/card / server CPU/stanza", val("online_forward", "server=" s, "ratio_cardxd_cpu_per_card_to_server_cpu_per_stanza"), "<=", 0.2)
    }
    check("component alone, online: cards/s", val("component", "mode=online log=info", "cards_per_s"), ">=", 40000)
    check("component alone, stored (disk, normal): cards/s", val("store", "db=disk sync=normal", "cards_per_s"), ">=", 20000)
    check("component alone, stored (disk, full): cards/s", val("store", "db=disk sync=full", "cards_per_s"), ">=", 20000)
    check("flush 1,000 waiting cards: ms", val("flush", "waiting=1000", "delivered_ms"), "<=", 500)
    check("flush 10,000 waiting cards: ms", val("flush", "waiting=10000", "delivered_ms"), "<=", 3000)
    for (l in scale_rss) check("cardxd RSS, " l ": KiB", scale_rss[l], "<=", 30720)
    check("no growth: RSS after 2nd run - after 1st, KiB", (val("component", "mode=online log=info", "rss_after_2nd_run_kib") == "") ? "" : val("component", "mode=online log=info", "rss_after_2nd_run_kib") - val("component", "mode=online log=info", "rss_after_1st_run_kib"), "<=", 0)
    for (l in client) check("client search, slowest query, " l ": ms", client[l], "<=", 20)
    # cardxd's offline path must not be slower than the server's own.
    split("sqlite:mnesia sqlite:postgresql postgresql:postgresql", pairs, " ")
    for (i = 1; i in pairs; i++) {
        split(pairs[i], dbs, ":")
        for (j = 1; j <= 2; j++) {
            m = j == 1 ? "store_per_s" : "flush_per_s"
            c = val("offline", "server=cardxd db=" dbs[1], m)
            e = val("offline", "server=ejabberd db=" dbs[2], m)
            check("offline " m ": cardxd (" dbs[1] ") / ejabberd (" dbs[2] ")", (c == "" || e == "" || e + 0 == 0) ? "" : c / e, ">=", 1)
        }
    }
}
EOF
echo "(BENCH lines kept in $results)"
exit $status
