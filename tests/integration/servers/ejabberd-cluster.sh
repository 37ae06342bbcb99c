#!/bin/bash
# Configures, runs, joins, starts and stops a throwaway two-node loopback
# ejabberd cluster.
#
#   ejabberd-cluster.sh config RUNDIR N EPMD_PORT DIST_PORT C2S_PORT COMPONENT_PORT DOMAIN COMP_DOMAIN SECRET [privileged]
#   ejabberd-cluster.sh epmd   RUNDIR
#   ejabberd-cluster.sh run    RUNDIR N
#   ejabberd-cluster.sh join   RUNDIR
#   ejabberd-cluster.sh start  RUNDIR EPMD_PORT DIST1 C2S1 COMP1 DIST2 C2S2 COMP2 DOMAIN COMP_DOMAIN SECRET [privileged]
#   ejabberd-cluster.sh stop   RUNDIR
#   ejabberd-cluster.sh check
#
# ejabberd.sh runs one ejabberd without Erlang distribution. A cluster
# needs it: the nodes share Mnesia and route to each other's sessions and
# components over distribution. To keep that off the network and out of
# the caller's $HOME, everything here is on 127.0.0.1 and in RUNDIR:
#   - an epmd of our own on EPMD_PORT, bound to loopback (ERL_EPMD_PORT,
#     ERL_EPMD_ADDRESS); the nodes are started with -start_epmd false so
#     that a missing epmd fails them instead of making them daemonize one
#     that nobody stops;
#   - node N is cxN@127.0.0.1, listening for distribution on DIST_PORT only
#     (inet_dist_listen_min = max), on loopback (inet_dist_use_interface);
#   - the cookie is RUNDIR/.erlang.cookie (HOME=RUNDIR for every erl run);
#   - node N's config (the same template as ejabberd.sh's, written by
#     ejabberd.sh config), Mnesia spool and logs live in RUNDIR/nodeN.
# Both nodes serve the same domain and component domain on their own c2s
# and component ports. "join" makes node 2 join node 1's cluster with the
# same call as `ejabberdctl join_cluster` (ejabberd_ctl through a hidden
# erl node): ejabberdctl itself, as root, su's to the ejabberd user, whose
# files these are not. Node 2's ejabberd restarts inside the join; "join"
# returns once node 2 serves again and both nodes list each other.
#
# "config", "epmd" and "run" are for a parent that forks the processes
# itself (the test harness: "epmd" and "run" exec in the same process, so
# its death signal reaches them); "start" does it all in the background
# (pids in RUNDIR/epmd.pid and RUNDIR/nodeN/ejabberd.pid) and "stop" ends
# the nodes and epmd, also after a failed start. Every wait is bounded.
# "check" exits 3, saying why, when ejabberd or Erlang is missing.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
erl=${ERL:-erl}
epmd=${EPMD:-epmd}
# A join copies Mnesia and restarts node 2's ejabberd: seconds, not minutes.
JOIN_SECONDS=90
# ejabberd starts in 2-5 s, slower on a loaded machine.
START_TENTHS=600
READY_PHRASE=' is started in the node '

die() {
    echo "ejabberd-cluster.sh: $*" >&2
    exit 1
}

# shellcheck source=tests/integration/servers/lib.sh
. "$here/lib.sh"

usage() {
    sed -n '5,11s/^#   /usage: /p' "$0" >&2
    exit 2
}

node_name() {
    echo "cx$1@127.0.0.1"
}

check_node() {
    case $1 in
    1 | 2) ;;
    *) die "bad node number: '$1' (1 or 2)" ;;
    esac
}

# Prints a value written by "config" into RUNDIR/cluster.env or nodeN/node.env.
env_value() {
    sed -n "s/^$2=\\([0-9]*\\)\$/\\1/p" "$1" 2>/dev/null
}

cmd_config() {
    [ $# -eq 9 ] || [ $# -eq 10 ] || usage
    local rundir=$1 n=$2 epmd_port=$3 dist=$4 c2s=$5 comp=$6
    check_node "$n"
    check_port EPMD_PORT "$epmd_port"
    check_port DIST_PORT "$dist"
    mkdir -p "$rundir/node$n"
    shift 4
    "$here/ejabberd.sh" config "$rundir/node$n" "$@"
    echo "EPMD_PORT=$epmd_port" >"$rundir/cluster.env"
    printf 'DIST_PORT=%s\nC2S_PORT=%s\nCOMPONENT_PORT=%s\n' \
        "$dist" "$c2s" "$comp" >"$rundir/node$n/node.env"
    if [ ! -s "$rundir/.erlang.cookie" ]; then
        (
            umask 077
            od -An -N16 -tx1 /dev/urandom | tr -d ' \n' \
                >"$rundir/.erlang.cookie.tmp"
        )
        mv "$rundir/.erlang.cookie.tmp" "$rundir/.erlang.cookie"
        chmod 400 "$rundir/.erlang.cookie"
    fi
}

# The distribution environment every erl run of this cluster shares.
dist_env() {
    local rundir=$1 port
    port=$(env_value "$rundir/cluster.env" EPMD_PORT)
    [ -n "$port" ] || die "no cluster config in $rundir"
    [ -s "$rundir/.erlang.cookie" ] || die "no cookie in $rundir"
    export HOME=$rundir
    export ERL_EPMD_PORT=$port ERL_EPMD_ADDRESS=127.0.0.1
}

cmd_epmd() {
    [ $# -eq 1 ] || usage
    dist_env "$(cd "$1" && pwd)"
    exec "$epmd" -port "$ERL_EPMD_PORT" -address 127.0.0.1
}

cmd_run() {
    [ $# -eq 2 ] || usage
    local rundir n=$2 dir libs dist
    check_node "$n"
    rundir=$(cd "$1" && pwd)
    dir=$rundir/node$n
    [ -f "$dir/ejabberd.yml" ] || die "no config in $dir"
    dist=$(env_value "$dir/node.env" DIST_PORT)
    libs=$("$here/ejabberd.sh" libs)
    dist_env "$rundir"
    cd "$dir/spool"
    export EJABBERD_CONFIG_PATH=$dir/ejabberd.yml
    export EJABBERD_LOG_PATH=$dir/ejabberd.log
    export ERL_CRASH_DUMP=$dir/erl_crash.dump
    export ERL_LIBS=$libs
    export ERL_MAX_PORTS=32000 ERL_MAX_ETS_TABLES=1400
    exec "$erl" +K true +P 250000 -noinput \
        -name "$(node_name "$n")" -start_epmd false \
        -kernel inet_dist_listen_min "$dist" inet_dist_listen_max "$dist" \
        -kernel inet_dist_use_interface '{127,0,0,1}' \
        -env ERL_CRASH_DUMP_BYTES 0 \
        -mnesia dir "\"$dir/spool\"" -s ejabberd
}

# Runs one ejabberdctl command on node $2 (of cluster $1) as ejabberdctl
# does, from a hidden node of our own, within $JOIN_SECONDS.
ctl() {
    local rundir=$1 n=$2 libs
    shift 2
    libs=$("$here/ejabberd.sh" libs)
    (
        dist_env "$rundir"
        export ERL_LIBS=$libs
        cd "$rundir"
        timeout -k 5 "$JOIN_SECONDS" "$erl" -noinput -hidden \
            -name "ctl$$-$RANDOM@127.0.0.1" -start_epmd false \
            -kernel inet_dist_use_interface '{127,0,0,1}' \
            -s ejabberd_ctl -extra "$(node_name "$n")" "$@"
    )
}

# How many times node $2's log says it serves.
ready_count() {
    local n
    n=$(grep -c -- "$READY_PHRASE" "$1/node$2/ejabberd.log" 2>/dev/null) || true
    echo "${n:-0}"
}

# Waits until node $2 has logged more than $3 ready lines and its c2s and
# component ports accept connections.
wait_ready() {
    local rundir=$1 n=$2 before=$3 tenths=$START_TENTHS port pid
    pid=$(pidfile_running "$rundir/node$n/ejabberd.pid" || true)
    while [ "$(ready_count "$rundir" "$n")" -le "$before" ] ||
        ! port_open "$(env_value "$rundir/node$n/node.env" C2S_PORT)" ||
        ! port_open "$(env_value "$rundir/node$n/node.env" COMPONENT_PORT)"; do
        if [ "$tenths" -le 0 ] ||
            { [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; }; then
            echo "ejabberd-cluster.sh: node $n did not serve (exited, or" \
                "not within $((START_TENTHS / 10)) s); last log lines:" >&2
            tail -n 20 "$rundir/node$n/ejabberd.log" >&2 || true
            return 1
        fi
        tenths=$((tenths - 1))
        sleep 0.1
    done
}

cmd_join() {
    [ $# -eq 1 ] || usage
    local rundir before out
    rundir=$(cd "$1" && pwd)
    before=$(ready_count "$rundir" 2)
    ctl "$rundir" 2 join_cluster "$(node_name 1)" ||
        die "node 2 could not join node 1's cluster"
    wait_ready "$rundir" 2 "$before" || die "node 2 did not serve after the join"
    for n in 1 2; do
        out=$(ctl "$rundir" "$n" list_cluster) ||
            die "list_cluster on node $n failed"
        case $out in
        *"$(node_name 1)"*"$(node_name 2)"* | *"$(node_name 2)"*"$(node_name 1)"*) ;;
        *) die "node $n does not list both nodes: $out" ;;
        esac
    done
    echo "ejabberd-cluster.sh: $(node_name 2) joined $(node_name 1)"
}

cmd_check() {
    [ $# -eq 0 ] || usage
    "$here/ejabberd.sh" check || exit $?
    command -v "$epmd" >/dev/null 2>&1 || {
        echo "ejabberd-cluster.sh: $epmd not found (apt-get install erlang-base)" >&2
        exit 3
    }
}

# Starts "$@" in the background in a session of its own, output appended
# to $1's log, pid into $2.
background() {
    local log=$1 pidfile=$2
    shift 2
    setsid /bin/bash "$0" "$@" </dev/null >>"$log" 2>&1 &
    echo "$!" >"$pidfile"
}

cmd_start() {
    [ $# -eq 11 ] || [ $# -eq 12 ] || usage
    local rundir=$1 epmd_port=$2 priv=${12:-} port tenths n
    mkdir -p "$rundir"
    rundir=$(cd "$rundir" && pwd)
    for port in "${@:2:7}"; do
        ! port_open "$port" || die "port 127.0.0.1:$port is already in use"
    done
    cmd_config "$rundir" 1 "$epmd_port" "$3" "$4" "$5" "${@:9:3}" ${priv:+"$priv"}
    cmd_config "$rundir" 2 "$epmd_port" "$6" "$7" "$8" "${@:9:3}" ${priv:+"$priv"}
    # From here on, a failure stops whatever was started.
    trap 'cmd_stop "$rundir"' EXIT
    background "$rundir/epmd.out" "$rundir/epmd.pid" epmd "$rundir"
    tenths=100
    until port_open "$epmd_port"; do
        [ "$tenths" -gt 0 ] || die "epmd did not open 127.0.0.1:$epmd_port"
        tenths=$((tenths - 1))
        sleep 0.1
    done
    for n in 1 2; do
        background "$rundir/node$n/ejabberd.out" \
            "$rundir/node$n/ejabberd.pid" run "$rundir" "$n"
    done
    for n in 1 2; do
        wait_ready "$rundir" "$n" 0 || die "node $n did not start"
    done
    cmd_join "$rundir"
    trap - EXIT
}

cmd_stop() {
    [ $# -eq 1 ] || usage
    local rundir=$1 n ports
    # SIGTERM makes each node shut down cleanly (Mnesia is flushed).
    for n in 2 1; do
        if pidfile_stop "ejabberd-cluster.sh: node $n" \
            "$rundir/node$n/ejabberd.pid" 150; then
            ports=$(sed -n 's/^[A-Z0-9_]*_PORT=//p' \
                "$rundir/node$n/node.env" 2>/dev/null || true)
            # shellcheck disable=SC2086 # one port a word
            (wait_ports_closed $ports) || true
        fi
    done
    pidfile_stop "ejabberd-cluster.sh: epmd" "$rundir/epmd.pid" 50 || true
}

[ $# -ge 1 ] || usage
command=$1
shift
case $command in
config) cmd_config "$@" ;;
epmd) cmd_epmd "$@" ;;
run) cmd_run "$@" ;;
join) cmd_join "$@" ;;
start) cmd_start "$@" ;;
stop) cmd_stop "$@" ;;
check) cmd_check "$@" ;;
*) usage ;;
esac
