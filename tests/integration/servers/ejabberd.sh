#!/bin/bash
# Configures, runs, starts and stops a throwaway loopback ejabberd.
#
#   ejabberd.sh config RUNDIR C2S_PORT COMPONENT_PORT DOMAIN COMP_DOMAIN SECRET [privileged]
#   ejabberd.sh run    RUNDIR
#   ejabberd.sh start  RUNDIR C2S_PORT COMPONENT_PORT DOMAIN COMP_DOMAIN SECRET [privileged]
#   ejabberd.sh stop   RUNDIR
#   ejabberd.sh check
#   ejabberd.sh libs
#
# "config" writes RUNDIR/ejabberd.yml ("privileged": with mod_privilege
# granting cardxd presence). "run" replaces itself with the server in the
# foreground (the test harness forks it); "start" runs it in the background
# and waits for its ports, "stop" ends it. Accounts are created in-band
# (XEP-0077); there is no "register": ejabberdctl needs Erlang distribution,
# which this setup keeps off. "check" exits 3, saying why, when ejabberd or
# Erlang is not installed (the harness then skips the test). "libs" prints
# the directory holding ejabberd-VERSION/ (for ejabberd-cluster.sh).
#
# The server is not started through ejabberdctl: as root that runs Erlang as
# the "ejabberd" user through su, so every file would have to belong to that
# user and the Erlang VM would be a grandchild that no parent-death signal or
# process group of the caller reaches. "run" execs the same erl command line
# as "ejabberdctl foreground", as the calling user and in the same process,
# without distribution (no epmd, no node name, no cookie in $HOME).
#
# Everything lives in RUNDIR: ejabberd.yml, spool/ (Mnesia), ejabberd.log
# and error.log (its log), ejabberd.out (stdout/stderr of "start"),
# ejabberd.pid (written by "start"). EJABBERD_LOGLEVEL (default info) sets
# the log level; ERL overrides the erl program; EJABBERD_LIBS the directory
# holding ejabberd-VERSION/ (Debian: /usr/lib/<multiarch triplet>).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
erl=${ERL:-erl}

die() {
    echo "ejabberd.sh: $*" >&2
    exit 1
}

# shellcheck source=tests/integration/servers/lib.sh
. "$here/lib.sh"

usage() {
    sed -n '3,9s/^#   /usage: /p' "$0" >&2
    exit 2
}

# Rejects values that would break the YAML string they are pasted into.
check_value() {
    case $2 in
    '' | *[\"\\\'@\|:#]* | *[[:space:]]*) die "bad $1: '$2'" ;;
    esac
}

cmd_config() {
    [ $# -eq 6 ] || [ $# -eq 7 ] || usage
    local rundir=$1 c2s=$2 comp=$3 domain=$4 compdomain=$5 secret=$6
    local priv='#@PRIV@' level=${EJABBERD_LOGLEVEL:-info}
    check_port C2S_PORT "$c2s"
    check_port COMPONENT_PORT "$comp"
    [ "$c2s" != "$comp" ] || die "C2S_PORT and COMPONENT_PORT must differ"
    check_value DOMAIN "$domain"
    check_value COMPONENT_DOMAIN "$compdomain"
    check_value SECRET "$secret"
    case $level in
    none | emergency | alert | critical | error | warning | notice | info | debug) ;;
    *) die "bad EJABBERD_LOGLEVEL: '$level'" ;;
    esac
    if [ $# -eq 7 ]; then
        [ "$7" = privileged ] || usage
        priv=
    fi
    mkdir -p "$rundir/spool"
    sed -e "s|@LOGLEVEL@|$level|g" \
        -e "s|@C2S_PORT@|$c2s|g" \
        -e "s|@COMPONENT_PORT@|$comp|g" \
        -e "s|@DOMAIN@|$domain|g" \
        -e "s|@COMPONENT_DOMAIN@|$compdomain|g" \
        -e "s|@SECRET@|$secret|g" \
        -e "s|#@PRIV@|$priv|g" \
        "$here/ejabberd.yml.in" >"$rundir/ejabberd.yml.tmp"
    mv "$rundir/ejabberd.yml.tmp" "$rundir/ejabberd.yml"
}

# Prints the directory that holds Debian's ejabberd-VERSION/ application.
ejabberd_libs() {
    local app
    if [ -n "${EJABBERD_LIBS:-}" ]; then
        echo "$EJABBERD_LIBS"
        return
    fi
    for app in /usr/lib/*/ejabberd-[0-9]*/ebin/ejabberd.app; do
        [ -f "$app" ] || die "ejabberd is not installed (apt-get install ejabberd)"
        dirname "$(dirname "$(dirname "$app")")"
        return
    done
}

cmd_check() {
    [ $# -eq 0 ] || usage
    command -v "$erl" >/dev/null 2>&1 || {
        echo "ejabberd.sh: $erl not found (apt-get install ejabberd)" >&2
        exit 3
    }
    (ejabberd_libs >/dev/null 2>&1) || {
        echo "ejabberd.sh: ejabberd is not installed (apt-get install ejabberd)" >&2
        exit 3
    }
}

cmd_run() {
    [ $# -eq 1 ] || usage
    local rundir libs
    libs=$(ejabberd_libs)
    rundir=$(cd "$1" && pwd)
    check_value RUNDIR "$rundir"
    [ -f "$rundir/ejabberd.yml" ] || die "no config in $rundir"
    cd "$rundir/spool"
    export HOME=$rundir
    export EJABBERD_CONFIG_PATH=$rundir/ejabberd.yml
    export EJABBERD_LOG_PATH=$rundir/ejabberd.log
    export ERL_CRASH_DUMP=$rundir/erl_crash.dump
    export ERL_LIBS=$libs
    export ERL_MAX_PORTS=32000 ERL_MAX_ETS_TABLES=1400
    exec "$erl" +K true +P 250000 -noinput \
        -env ERL_CRASH_DUMP_BYTES 0 \
        -mnesia dir "\"$rundir/spool\"" -s ejabberd
}

# Prints the pid recorded in RUNDIR/ejabberd.pid if that process still lives.
running_pid() {
    pidfile_running "$1/ejabberd.pid"
}

# Ports the config listens on, for the waits on start and stop.
config_ports() {
    sed -n 's/^    port: \([0-9]*\)$/\1/p' "$1/ejabberd.yml" 2>/dev/null || true
}

cmd_start() {
    [ $# -eq 6 ] || [ $# -eq 7 ] || usage
    local rundir=$1 pid port tenths
    if pid=$(running_pid "$rundir"); then
        die "an ejabberd (pid $pid) already runs from $rundir; stop it first"
    fi
    for port in "$2" "$3"; do
        ! port_open "$port" || die "port 127.0.0.1:$port is already in use"
    done
    cmd_config "$@"
    rundir=$(cd "$rundir" && pwd)
    setsid /bin/bash "$0" run "$rundir" </dev/null >>"$rundir/ejabberd.out" 2>&1 &
    pid=$!
    echo "$pid" >"$rundir/ejabberd.pid"
    tenths=300
    for port in $(config_ports "$rundir"); do
        while ! port_open "$port"; do
            if [ "$tenths" -le 0 ] || ! kill -0 "$pid" 2>/dev/null; then
                echo "ejabberd.sh: ejabberd did not open 127.0.0.1:$port" \
                    "(exited, or not within 30 s); last log lines:" >&2
                tail -n 20 "$rundir/ejabberd.out" >&2 || true
                cmd_stop "$rundir"
                exit 1
            fi
            tenths=$((tenths - 1))
            sleep 0.1
        done
    done
    echo "ejabberd.sh: ejabberd (pid $pid) listening on 127.0.0.1:$2" \
        "(c2s) and 127.0.0.1:$3 (component)"
}

cmd_stop() {
    [ $# -eq 1 ] || usage
    local rundir=$1
    # SIGTERM makes ejabberd shut down cleanly (Mnesia is flushed).
    pidfile_stop "ejabberd.sh: ejabberd" "$rundir/ejabberd.pid" 100 || return 0
    wait_ports_closed $(config_ports "$rundir")
}

[ $# -ge 1 ] || usage
command=$1
shift
case $command in
config) cmd_config "$@" ;;
run) cmd_run "$@" ;;
start) cmd_start "$@" ;;
stop) cmd_stop "$@" ;;
check) cmd_check "$@" ;;
libs) [ $# -eq 0 ] || usage && ejabberd_libs ;;
*) usage ;;
esac
