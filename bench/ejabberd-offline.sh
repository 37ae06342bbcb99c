#!/bin/bash
# The benchmark's ejabberd for the peer comparison (bench/wl_offline.c):
# the test harness's ejabberd with mod_offline, storing on Mnesia or on
# PostgreSQL.
#
#   ejabberd-offline.sh config|run|check ...   as ejabberd.sh takes them
#   ejabberd-offline.sh check-pgsql
#   ejabberd-offline.sh pg-setup PORT DB
#
# The workload runs the harness with CARDX_SRCDIR pointing at a directory
# whose tests/integration/servers/ejabberd.sh is this script, so that the
# harness starts, watches and stops the server as in the tests;
# BENCH_REAL_SRCDIR is the source tree. "config" writes the tests' config
# and adds mod_offline (no cap on waiting messages) and, with
# BENCH_EJABBERD_DB=pgsql, SQL storage on 127.0.0.1:BENCH_EJABBERD_PG_PORT,
# database BENCH_EJABBERD_PG_DB, role cardx (as
# tests/integration/servers/postgresql.sh makes them). "check-pgsql" exits
# 3, saying why, when ejabberd's PostgreSQL driver is not installed.
# "pg-setup" (re)creates database DB owned by cardx with ejabberd's own
# PostgreSQL schema, as Debian ships it.
set -eu

die() {
    echo "ejabberd-offline.sh: $*" >&2
    exit 1
}

# ejabberd's schema for PostgreSQL (the schema without server_host, which
# the config's default new_sql_schema: false reads).
pg_schema() {
    local f
    for f in /usr/share/ejabberd/sql/pg.sql /usr/lib/*/ejabberd-*/priv/sql/pg.sql; do
        [ -f "$f" ] && { echo "$f"; return; }
    done
    return 1
}

cmd_check_pgsql() {
    local beam
    for beam in /usr/lib/erlang/lib/p1_pgsql-*/ebin/pgsql.beam \
        /usr/lib/*/ejabberd-*/lib/p1_pgsql-*/ebin/pgsql.beam; do
        [ -f "$beam" ] && pg_schema >/dev/null && return 0
    done
    echo "ejabberd-offline.sh: ejabberd's PostgreSQL driver is not installed" \
        "(apt-get install erlang-p1-pgsql), or its schema pg.sql is missing" >&2
    exit 3
}

cmd_pg_setup() {
    [ $# -eq 2 ] || die "usage: pg-setup PORT DB"
    local port=$1 db=$2 schema
    case $db in '' | *[!a-z_]*) die "bad database name '$db'" ;; esac
    schema=$(pg_schema) || die "no pg.sql of ejabberd found"
    export PGOPTIONS='-c client_min_messages=warning'
    psql -Xq -v ON_ERROR_STOP=1 \
        "postgresql://postgres@127.0.0.1:$port/postgres" \
        -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db OWNER cardx" \
        >/dev/null || die "cannot create database $db"
    psql -Xq -v ON_ERROR_STOP=1 "postgresql://cardx@127.0.0.1:$port/$db" \
        -f "$schema" >/dev/null || die "cannot load $schema"
}

# Adds mod_offline, and SQL storage when asked, to the tests' config.
patch_config() {
    local yml=$1/ejabberd.yml
    sed -i -e 's/^modules:$/modules:\n  mod_offline:\n    access_max_user_messages: max_user_offline_messages/' \
        -e 's/^shaper_rules:$/shaper_rules:\n  max_user_offline_messages: 10000000/' \
        "$yml"
    [ "${BENCH_EJABBERD_DB:-mnesia}" = pgsql ] || return 0
    sed -i 's/^default_db: mnesia$/default_db: sql/' "$yml"
    cat >>"$yml" <<YML
sql_type: pgsql
sql_server: "127.0.0.1"
sql_port: ${BENCH_EJABBERD_PG_PORT:?}
sql_database: "${BENCH_EJABBERD_PG_DB:?}"
sql_username: "cardx"
sql_password: ""
YML
}

# The tests' script, for everything else.
real() {
    echo "${BENCH_REAL_SRCDIR:?BENCH_REAL_SRCDIR names the source tree}/tests/integration/servers/ejabberd.sh"
}

case ${1:-} in
check-pgsql) cmd_check_pgsql ;;
pg-setup)
    shift
    cmd_pg_setup "$@"
    ;;
config)
    script=$(real) || exit 1
    /bin/bash "$script" "$@"
    patch_config "$2"
    ;;
*)
    script=$(real) || exit 1
    exec /bin/bash "$script" "$@"
    ;;
esac
