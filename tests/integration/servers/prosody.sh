#!/bin/bash
# Configures, runs, starts, stops and adds users to a throwaway loopback
# Prosody.
#
#   prosody.sh config RUNDIR C2S_PORT COMPONENT_PORT DOMAIN COMP_DOMAIN SECRET [privileged]
#   prosody.sh run    RUNDIR
#   prosody.sh start  RUNDIR C2S_PORT COMPONENT_PORT DOMAIN COMP_DOMAIN SECRET [privileged]
#   prosody.sh stop   RUNDIR
#   prosody.sh register RUNDIR USER DOMAIN PASSWORD
#   prosody.sh check
#
# "config" writes RUNDIR/prosody.cfg.lua ("privileged": with mod_privilege
# granting the component presence, XEP-0356). "run" replaces itself with
# Prosody in the foreground (the test harness forks it); "start" runs it in
# the background and waits for its ports. "check" exits 3, saying why, when
# Prosody is not installed (the harness then skips the test).
#
# Everything lives in RUNDIR: prosody.cfg.lua, data/, prosody.log (Prosody's
# own log), prosody.out (its stdout/stderr), prosody.pid (written here, not
# by Prosody, which keeps its own lock in data/). Prosody 0.12 hangs instead
# of exiting on some startup errors (running as root without run_as_root, a
# locked pidfile), so every step here is bounded in time.
# PROSODY and PROSODYCTL override the programs used; PROSODY_TEMPLATE the
# config template (prosody-stock.sh's), whose @CERT@ is $PROSODY_CERT and
# --@SSL_EXTRA@ $PROSODY_SSL_EXTRA.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
prosody=${PROSODY:-prosody}
prosodyctl=${PROSODYCTL:-prosodyctl}

die() {
    echo "prosody.sh: $*" >&2
    exit 1
}

# shellcheck source=tests/integration/servers/lib.sh
. "$here/lib.sh"

usage() {
    sed -n '5,10s/^#   /usage: /p' "$0" >&2
    exit 2
}

# Waits up to $2 tenths of a second for all the following ports to open,
# giving up early when process $1 dies.
wait_ports_open() {
    local pid=$1 tenths=$2 port
    shift 2
    for port in "$@"; do
        while ! port_open "$port"; do
            [ "$tenths" -gt 0 ] && kill -0 "$pid" 2>/dev/null || return 1
            tenths=$((tenths - 1))
            sleep 0.1
        done
    done
}

# Rejects values that would break the Lua string they are pasted into.
check_value() {
    case $2 in
    '' | *[\"\\\'@\|]* | *[[:space:]]*) die "bad $1: '$2'" ;;
    esac
}

cmd_config() {
    [ $# -eq 6 ] || [ $# -eq 7 ] || usage
    local rundir=$1 c2s=$2 comp=$3 domain=$4 compdomain=$5 secret=$6
    local priv='--@PRIV@'
    check_port C2S_PORT "$c2s"
    check_port COMPONENT_PORT "$comp"
    [ "$c2s" != "$comp" ] || die "C2S_PORT and COMPONENT_PORT must differ"
    check_value DOMAIN "$domain"
    check_value COMPONENT_DOMAIN "$compdomain"
    check_value SECRET "$secret"
    if [ $# -eq 7 ]; then
        [ "$7" = privileged ] || usage
        priv=
    fi
    mkdir -p "$rundir/data" "$rundir/certs"
    rundir=$(cd "$rundir" && pwd)
    check_value RUNDIR "$rundir"
    sed -e "s|@RUNDIR@|$rundir|g" \
        -e "s|@C2S_PORT@|$c2s|g" \
        -e "s|@COMPONENT_PORT@|$comp|g" \
        -e "s|@DOMAIN@|$domain|g" \
        -e "s|@COMPONENT_DOMAIN@|$compdomain|g" \
        -e "s|@SECRET@|$secret|g" \
        -e "s|--@PRIV@|$priv|g" \
        -e "s|@CERT@|${PROSODY_CERT:-domain}|g" \
        -e "s|--@SSL_EXTRA@|${PROSODY_SSL_EXTRA:---}|g" \
        "${PROSODY_TEMPLATE:-$here/prosody.cfg.lua.in}" \
        >"$rundir/prosody.cfg.lua.tmp"
    mv "$rundir/prosody.cfg.lua.tmp" "$rundir/prosody.cfg.lua"
}

# Prints the pid recorded in RUNDIR/prosody.pid if that process still lives.
running_pid() {
    pidfile_running "$1/prosody.pid"
}

cmd_run() {
    [ $# -eq 1 ] || usage
    local rundir
    rundir=$(cd "$1" && pwd)
    [ -f "$rundir/prosody.cfg.lua" ] || die "no config in $rundir"
    # The pidfile Prosody locks itself lives in data/: a leftover one would
    # only be stale, and removing it avoids the hang.
    rm -f "$rundir/data/prosody.pid"
    exec "$prosody" --config "$rundir/prosody.cfg.lua" -F
}

cmd_check() {
    [ $# -eq 0 ] || usage
    local prog
    for prog in "$prosody" "$prosodyctl"; do
        command -v "$prog" >/dev/null 2>&1 || {
            echo "prosody.sh: $prog not found (apt-get install prosody)" >&2
            exit 3
        }
    done
}

cmd_start() {
    [ $# -eq 6 ] || [ $# -eq 7 ] || usage
    local rundir=$1 c2s=$2 comp=$3 pid
    if pid=$(running_pid "$rundir"); then
        die "a Prosody (pid $pid) already runs from $rundir; stop it first"
    fi
    for port in "$c2s" "$comp"; do
        ! port_open "$port" || die "port 127.0.0.1:$port is already in use"
    done
    cmd_config "$@"
    rundir=$(cd "$rundir" && pwd)
    # Its own session: a Ctrl-C meant for the caller does not reach it, so
    # the caller can stop things in order (see scripts/run-service.sh).
    setsid /bin/bash "$0" run "$rundir" \
        </dev/null >>"$rundir/prosody.out" 2>&1 &
    pid=$!
    echo "$pid" >"$rundir/prosody.pid"
    if ! wait_ports_open "$pid" 100 "$c2s" "$comp"; then
        echo "prosody.sh: Prosody did not open 127.0.0.1:$c2s and :$comp" \
            "(exited, or not within 10 s); last log lines:" >&2
        tail -n 20 "$rundir/prosody.out" "$rundir/prosody.log" >&2 || true
        cmd_stop "$rundir"
        exit 1
    fi
    echo "prosody.sh: Prosody (pid $pid) listening on 127.0.0.1:$c2s" \
        "(c2s) and 127.0.0.1:$comp (component)"
}

# Ports Prosody listens on according to the config, for the wait on stop.
config_ports() {
    sed -n 's/^\(c2s\|component\)_ports = { \([0-9]*\) }$/\2/p' \
        "$1/prosody.cfg.lua" 2>/dev/null || true
}

cmd_stop() {
    [ $# -eq 1 ] || usage
    local rundir=$1
    pidfile_stop "prosody.sh: Prosody" "$rundir/prosody.pid" 50 || return 0
    wait_ports_closed $(config_ports "$rundir")
}

cmd_register() {
    [ $# -eq 4 ] || usage
    local rundir=$1 user=$2 domain=$3 password=$4
    [ -f "$rundir/prosody.cfg.lua" ] || die "no config in $rundir"
    timeout 30 "$prosodyctl" --config "$rundir/prosody.cfg.lua" \
        register "$user" "$domain" "$password" </dev/null ||
        die "could not register $user@$domain (status $?)"
}

[ $# -ge 1 ] || usage
command=$1
shift
case $command in
config) cmd_config "$@" ;;
run) cmd_run "$@" ;;
start) cmd_start "$@" ;;
stop) cmd_stop "$@" ;;
register) cmd_register "$@" ;;
check) cmd_check "$@" ;;
*) usage ;;
esac
