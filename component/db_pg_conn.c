/* The PostgreSQL driver's connection and schema: connecting without ever
 * showing the DSN, the migrations of sql/component-pg/ applied once under
 * an advisory lock, and what cardxd -t reports. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "component/db_pg.h"
#include "component/db_pg_int.h"
#include "sql/migrations.h"

/* How long a connection attempt may take unless the DSN says otherwise:
 * cardxd waits for the first one at start; a reconnection runs beside its
 * loop and is abandoned after it. */
#define DB_PG_CONNECT_TIMEOUT "5"
/* libpq's own floor for connect_timeout, in seconds. */
#define DB_PG_CONNECT_TIMEOUT_MIN 2
/* The advisory lock the migrations take: any constant unique to cardxd
 * ("cardx" in ASCII). */
#define DB_PG_MIGRATE_LOCK "435241524458"

/* Where the connection went, for messages: never the DSN (a password). */
static char *db_pg_where(PGconn *conn)
{
    const char *host = PQhost(conn);

    return str_printf("PostgreSQL %s on %s port %s",
                      PQdb(conn) ? PQdb(conn) : "?", host ? host : "?",
                      PQport(conn) ? PQport(conn) : "?");
}

void db_pg_one_line(char *msg)
{
    size_t len = strlen(msg);
    size_t i, j = 0;

    while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
        msg[--len] = '\0';
    for (i = 0; i < len; i++) {
        char c = msg[i] == '\n' || msg[i] == '\t' ? ' ' : msg[i];

        if (c == ' ' && j > 0 && msg[j - 1] == ' ')
            continue;
        msg[j++] = c;
    }
    msg[j] = '\0';
}

/* libpq's message of conn, one line, as a new string. */
static char *db_pg_conn_msg(PGconn *conn)
{
    char *msg = strdup(PQerrorMessage(conn));

    if (msg)
        db_pg_one_line(msg);
    return msg;
}

/* The server's notices ("already exists, skipping") are not failures and
 * must not reach cardxd's stderr unasked. */
static void db_pg_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

PGconn *db_pg_connect(const char *dsn, char **err)
{
    /* Later keywords win: the DSN may set its own connect_timeout. */
    const char *const keys[] = {"connect_timeout", "application_name", "dbname",
                                NULL};
    const char *const values[] = {DB_PG_CONNECT_TIMEOUT, "cardxd", dsn, NULL};
    PGconn *conn = PQconnectdbParams(keys, values, 1);
    char *where;
    char *msg;

    *err = NULL;
    if (!conn) {
        *err = str_printf("PostgreSQL: out of memory");
        return NULL;
    }
    if (PQstatus(conn) == CONNECTION_OK) {
        PQsetNoticeProcessor(conn, db_pg_notice, NULL);
        return conn;
    }
    where = db_pg_where(conn);
    msg = db_pg_conn_msg(conn);
    *err = str_printf("cannot connect to %s: %s", where ? where : "PostgreSQL",
                      msg ? msg : "out of memory");
    free(where);
    free(msg);
    PQfinish(conn);
    return NULL;
}

int64_t db_pg_connect_timeout_ms(PGconn *conn)
{
    PQconninfoOption *opts = PQconninfo(conn);
    PQconninfoOption *o;
    long secs = strtol(DB_PG_CONNECT_TIMEOUT, NULL, 10);

    for (o = opts; o && o->keyword; o++)
        if (strcmp(o->keyword, "connect_timeout") == 0 && o->val) {
            long v = strtol(o->val, NULL, 10);

            /* libpq's rules: at least 2 s; none (0) would let a server
             * that never answers hold the attempt for ever, so the
             * default applies. */
            if (v > 0)
                secs = v < DB_PG_CONNECT_TIMEOUT_MIN ? DB_PG_CONNECT_TIMEOUT_MIN
                                                     : v;
        }
    PQconninfoFree(opts);
    return (int64_t)secs * 1000;
}

/* Runs sql with at most one text parameter; the result is the caller's
 * to PQclear(). On failure returns NULL with *err set. */
static PGresult *db_pg_query(PGconn *conn, const char *sql, const char *param,
                             const char *what, char **err)
{
    /* Without a parameter: the simple protocol, which runs a whole
     * script (a migration) at once. */
    PGresult *res =
        param ? PQexecParams(conn, sql, 1, NULL, &param, NULL, NULL, 0)
              : PQexec(conn, sql);
    ExecStatusType st = PQresultStatus(res);
    char *msg;

    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
        return res;
    msg = db_pg_conn_msg(conn);
    *err = str_printf("%s: %s", what,
                      res ? PQresultErrorMessage(res) : (msg ? msg : "?"));
    free(msg);
    if (*err)
        db_pg_one_line(*err);
    PQclear(res);
    return NULL;
}

int db_pg_schema_version(PGconn *conn, int *version, char **err)
{
    /* Two queries: a subquery on a table not made yet fails at planning,
     * even in a branch that would not run. */
    PGresult *res =
        db_pg_query(conn, "SELECT to_regclass('schema_version') IS NOT NULL",
                    NULL, "cannot read the schema version", err);
    int made;

    *version = 0;
    if (!res)
        return CX_EDB;
    made = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    PQclear(res);
    if (!made)
        return 0;
    res = db_pg_query(conn,
                      "SELECT coalesce(max(version), 0) FROM schema_version",
                      NULL, "cannot read the schema version", err);
    if (!res)
        return CX_EDB;
    *version = (int)strtol(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return 0;
}

/* Inside the migration transaction, with the lock held. */
static int db_pg_migrate_locked(PGconn *conn, char **err)
{
    const struct migration *m = component_pg_migrations;
    size_t n = component_pg_migrations_count;
    PGresult *res;
    int current;
    size_t i;

    res = db_pg_query(conn,
                      "CREATE TABLE IF NOT EXISTS schema_version ("
                      " version INTEGER PRIMARY KEY,"
                      " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
                      NULL, "cannot make the schema_version table", err);
    if (!res)
        return CX_EDB;
    PQclear(res);
    if (db_pg_schema_version(conn, &current, err) < 0)
        return CX_EDB;
    if (current < 0 || (size_t)current > n) {
        *err = str_printf("the database schema is version %d but this "
                          "program only knows versions up to %zu: it was "
                          "written by a newer release; refusing to use it",
                          current, n);
        return CX_EDB;
    }
    for (i = (size_t)current; i < n; i++) {
        char version[16];
        char what[48];

        snprintf(version, sizeof version, "%d", m[i].version);
        snprintf(what, sizeof what, "migration %d failed", m[i].version);
        res = db_pg_query(conn, m[i].sql, NULL, what, err);
        if (!res)
            return CX_EDB;
        PQclear(res);
        res = db_pg_query(conn,
                          "INSERT INTO schema_version (version) VALUES ($1)",
                          version, what, err);
        if (!res)
            return CX_EDB;
        PQclear(res);
    }
    return 0;
}

int db_pg_migrate(PGconn *conn, char **err)
{
    PGresult *res;
    int rc;

    *err = NULL;
    /* One transaction: two cardxd starting together migrate once, the
     * second waiting on the lock and finding the work done. */
    res = db_pg_query(
        conn, "BEGIN; SELECT pg_advisory_xact_lock(" DB_PG_MIGRATE_LOCK ")",
        NULL, "cannot lock the schema", err);
    if (!res)
        return CX_EDB;
    PQclear(res);
    rc = db_pg_migrate_locked(conn, err);
    if (rc == 0) {
        res = db_pg_query(conn, "COMMIT", NULL, "cannot commit the migration",
                          err);
        rc = res ? 0 : CX_EDB;
    } else {
        /* *err already says what failed; the rollback's own failure ends
         * the connection, which the caller closes on this error anyway. */
        res = PQexec(conn, "ROLLBACK");
    }
    PQclear(res);
    return rc;
}

int db_pg_probe(const char *dsn, int *version, int *pending, char **err)
{
    PGconn *conn = db_pg_connect(dsn, err);
    int rc;

    *version = 0;
    *pending = 0;
    if (!conn)
        return CX_ENET;
    rc = db_pg_schema_version(conn, version, err);
    if (rc == 0 &&
        (*version < 0 || (size_t)*version > component_pg_migrations_count)) {
        *err = str_printf("the database schema is version %d but this "
                          "program only knows versions up to %zu",
                          *version, component_pg_migrations_count);
        rc = CX_EDB;
    }
    if (rc == 0)
        *pending = (int)component_pg_migrations_count - *version;
    PQfinish(conn);
    return rc;
}

char *db_pg_describe(const char *dsn)
{
    PQconninfoOption *opts = PQconninfoParse(dsn, NULL);
    const char *host = NULL, *port = NULL, *dbname = NULL, *user = NULL;
    PQconninfoOption *o;
    char *out;

    if (!opts)
        return str_printf("PostgreSQL (unparsable dsn)");
    for (o = opts; o->keyword; o++) {
        if (!o->val)
            continue;
        if (strcmp(o->keyword, "host") == 0)
            host = o->val;
        else if (strcmp(o->keyword, "port") == 0)
            port = o->val;
        else if (strcmp(o->keyword, "dbname") == 0)
            dbname = o->val;
        else if (strcmp(o->keyword, "user") == 0)
            user = o->val;
    }
    out = str_printf("PostgreSQL database %s%s%s on %s port %s",
                     dbname ? dbname : "(default)", user ? " as " : "",
                     user ? user : "", host ? host : "(default host)",
                     port ? port : "(default)");
    PQconninfoFree(opts);
    return out;
}
