#!/bin/bash
# Creates, starts and stops a throwaway loopback PostgreSQL for the tests.
#
#   postgresql.sh start   RUNDIR PORT
#   postgresql.sh stop    RUNDIR
#   postgresql.sh restart RUNDIR
#   postgresql.sh freeze  RUNDIR SECONDS
#   postgresql.sh dsn     RUNDIR
#   postgresql.sh check
#
# "start" makes a cluster in RUNDIR/pg with initdb (first time only), starts
# it on 127.0.0.1:PORT with its socket in RUNDIR/pg, and creates the role and
# database "cardx" (no password: the cluster trusts loopback and is gone
# with RUNDIR). "stop" shuts it down (fast mode), "restart" stops and starts
# it on the same port (the database-fault tests), "freeze" stops the
# server's processes (SIGSTOP) for SECONDS and resumes them, also when
# interrupted (a hung server that still accepts TCP), "dsn" prints the
# connection string cardxd's [storage] dsn takes. "check" exits 3, saying
# why, when PostgreSQL's server programs are not installed.
#
# PostgreSQL refuses to run as root, so as root the cluster belongs to the
# "postgres" user that Debian's package creates (RUNDIR is made traversable
# for it); otherwise it runs as the caller. Everything is bounded: pg_ctl
# waits at most PG_WAIT seconds (default 60).
set -eu

here=$(cd "$(dirname "$0")" && pwd)

die() {
    echo "postgresql.sh: $*" >&2
    exit 1
}

# shellcheck source=tests/integration/servers/lib.sh
. "$here/lib.sh"

usage() {
    sed -n '3,9s/^#   /usage: /p' "$0" >&2
    exit 2
}

# Prints Debian's directory of server programs (initdb, pg_ctl).
pg_bindir() {
    local dir
    if [ -n "${PG_BINDIR:-}" ]; then
        echo "$PG_BINDIR"
        return
    fi
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] || continue
        echo "$dir"
        return
    done
    return 1
}

# Runs a command as the cluster's owner.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

cmd_check() {
    [ $# -eq 0 ] || usage
    pg_bindir >/dev/null || {
        echo "postgresql.sh: PostgreSQL is not installed (apt-get install postgresql)" >&2
        exit 3
    }
    if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
        echo "postgresql.sh: no 'postgres' user to run PostgreSQL as" >&2
        exit 3
    fi
}

# Absolute RUNDIR/pg, created and owned by the cluster's owner.
data_dir() {
    local rundir
    # A missing RUNDIR would leave rundir empty and the cluster in /pg.
    mkdir -p "$1" || die "cannot create RUNDIR '$1'"
    rundir=$(cd "$1" && pwd) || die "cannot enter RUNDIR '$1'"
    case $rundir in *[[:space:]\'\"]*) die "bad RUNDIR: '$rundir'" ;; esac
    mkdir -p "$rundir/pg"
    if [ "$(id -u)" -eq 0 ]; then
        chmod o+x "$rundir"
        chown postgres: "$rundir/pg"
    fi
    chmod 700 "$rundir/pg"
    echo "$rundir/pg"
}

# Waits until the server answers on its socket.
wait_ready() {
    local bin=$1 pg=$2 port=$3 tenths=$((${PG_WAIT:-60} * 10))
    until as_owner "$bin/pg_isready" -q -h "$pg" -p "$port"; do
        [ "$tenths" -gt 0 ] || die "PostgreSQL did not answer on $port"
        tenths=$((tenths - 1))
        sleep 0.1
    done
}

cmd_start() {
    [ $# -eq 2 ] || usage
    local bin pg port=$2
    check_port PORT "$port"
    bin=$(pg_bindir) || die "PostgreSQL is not installed"
    pg=$(data_dir "$1")
    if [ ! -f "$pg/data/PG_VERSION" ]; then
        as_owner "$bin/initdb" -D "$pg/data" -A trust -U postgres \
            -E UTF8 --locale=C.UTF-8 >"$pg/initdb.log" 2>&1 ||
            { tail -n 20 "$pg/initdb.log" >&2; die "initdb failed"; }
        cat >>"$pg/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$pg'
fsync = on
max_connections = 60
EOF
    fi
    echo "$port" >"$pg/port"
    ! port_open "$port" || die "port 127.0.0.1:$port is already in use"
    as_owner "$bin/pg_ctl" -D "$pg/data" -l "$pg/server.log" \
        -o "-p $port" -w -t "${PG_WAIT:-60}" start >/dev/null ||
        { tail -n 20 "$pg/server.log" >&2; die "pg_ctl start failed"; }
    wait_ready "$bin" "$pg" "$port"
    if ! as_owner "$bin/psql" -XqAt -h "$pg" -p "$port" -U postgres \
        -d postgres -c "SELECT 1 FROM pg_roles WHERE rolname = 'cardx'" |
        grep -q 1; then
        as_owner "$bin/psql" -Xq -h "$pg" -p "$port" -U postgres -d postgres \
            -c "CREATE ROLE cardx LOGIN" -c "CREATE DATABASE cardx OWNER cardx" \
            >/dev/null || die "cannot create the cardx database"
    fi
    echo "postgresql.sh: PostgreSQL listening on 127.0.0.1:$port"
}

cmd_stop() {
    [ $# -eq 1 ] || usage
    local bin pg
    bin=$(pg_bindir) || return 0
    pg=$(cd "$1" 2>/dev/null && pwd)/pg
    [ -f "$pg/data/postmaster.pid" ] || return 0
    as_owner "$bin/pg_ctl" -D "$pg/data" -m fast -w -t "${PG_WAIT:-60}" \
        stop >/dev/null 2>&1 ||
        as_owner "$bin/pg_ctl" -D "$pg/data" -m immediate -w stop \
            >/dev/null 2>&1 || true
    wait_ports_closed "$(cat "$pg/port")"
}

cmd_restart() {
    [ $# -eq 1 ] || usage
    local port
    port=$(cat "$1/pg/port") || die "no PostgreSQL was started in $1"
    cmd_stop "$1"
    cmd_start "$1" "$port"
}

# Prints the pids of the children of process $1, from /proc (procps may
# be missing on a minimal system).
children() {
    local parent=$1 f stat
    for f in /proc/[0-9]*/stat; do
        stat=$(cat "$f" 2>/dev/null) || continue
        # The command, in parentheses, may hold spaces: skip past it; then
        # come the state and the parent's pid.
        stat=${stat##*) }
        stat=${stat#* }
        [ "${stat%% *}" = "$parent" ] || continue
        f=${f#/proc/}
        echo "${f%/stat}"
    done
}

# What "freeze" stopped and its timer: global, as the EXIT trap runs
# after cmd_freeze has returned.
frozen=
sleeper=

cmd_freeze() {
    [ $# -eq 2 ] || usage
    local pg pid secs=$2
    case $secs in '' | *[!0-9]*) die "bad SECONDS: '$secs'" ;; esac
    pg=$(cd "$1" 2>/dev/null && pwd)/pg
    pid=$(head -n 1 "$pg/data/postmaster.pid" 2>/dev/null) ||
        die "no PostgreSQL runs in $1"
    # Resumed whatever happens: a server left stopped would hang every
    # later test and the teardown's stop.
    # shellcheck disable=SC2086 # a list of pids, split on purpose
    trap '[ -z "$frozen" ] || kill -CONT $frozen 2>/dev/null || true
          [ -z "$sleeper" ] || kill "$sleeper" 2>/dev/null || true' EXIT
    trap 'exit 1' INT TERM HUP
    # The postmaster first: stopped, it forks no new backend meanwhile.
    frozen=$pid
    kill -STOP "$pid" || die "cannot stop PostgreSQL's postmaster $pid"
    frozen="$pid $(children "$pid" | tr '\n' ' ')"
    # shellcheck disable=SC2086 # a list of pids, split on purpose
    kill -STOP $frozen 2>/dev/null || true
    echo "postgresql.sh: PostgreSQL frozen for $secs s"
    # In the background: bash runs a trap only once its foreground command
    # ends, and a signal must resume the server at once.
    sleep "$secs" &
    sleeper=$!
    wait "$sleeper"
}

cmd_dsn() {
    [ $# -eq 1 ] || usage
    local port
    port=$(cat "$1/pg/port") || die "no PostgreSQL was started in $1"
    echo "postgresql://cardx@127.0.0.1:$port/cardx"
}

[ $# -ge 1 ] || usage
command=$1
shift
case $command in
start) cmd_start "$@" ;;
stop) cmd_stop "$@" ;;
restart) cmd_restart "$@" ;;
freeze) cmd_freeze "$@" ;;
dsn) cmd_dsn "$@" ;;
check) cmd_check "$@" ;;
*) usage ;;
esac
