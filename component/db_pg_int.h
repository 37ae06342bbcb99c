/* What the PostgreSQL driver's files share: its connection and statement
 * structs. Private to component/db_pg*.c. */
#ifndef CARDX_COMPONENT_DB_PG_INT_H
#define CARDX_COMPONENT_DB_PG_INT_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include "component/db.h"

/* The most parameters one statement takes (the inbox push has 11). */
#define DB_PG_MAX_PARAMS 24
/* Room for an int64_t written in decimal, sign and NUL included. */
#define DB_PG_INT_CHARS 24

struct db_pg;

struct db_pg_stmt {
    struct db_stmt base;
    struct db_pg *db;
    char *sql;     /* the statement with $N parameters (owned) */
    char name[24]; /* its prepared name on the connection */
    int nparams;
    int is_guarded; /* INSERT or UPDATE: under a savepoint (db_pg_run) */
    int is_commit;
    const char *values[DB_PG_MAX_PARAMS];
    int lengths[DB_PG_MAX_PARAMS];
    int formats[DB_PG_MAX_PARAMS];
    char ints[DB_PG_MAX_PARAMS][DB_PG_INT_CHARS];
    PGresult *res; /* NULL until the first step() */
    int row;       /* the current row of res */
    int64_t changes;
    unsigned char *bytes; /* the last column_bytes(), PQfreemem()'d */
};

struct db_pg {
    struct db base;
    PGconn *conn;
    char *dsn;         /* owned; never logged: it may hold a password */
    const char *setup; /* the store's SQL for each new connection, or NULL */
    struct db_pg_stmt *stmts;
    size_t n;
    char *msg;        /* the last failure's message (owned) */
    char sqlstate[6]; /* the last failure's SQLSTATE, "" if none */
    int64_t busy_ms;  /* lock_timeout, set again after a reconnect */
    int64_t query_ms; /* an answer awaited longer: hung (0: no bound) */
    int down;         /* the connection was lost */
    /* The transaction holds the savepoint of its last guarded write, kept
     * until the next one (or COMMIT) releases it: see db_pg_run(). */
    int savepoint;
    /* An attempt to connect again is in flight (PQresetStart): what
     * PQresetPoll last asked to wait for, and when it is abandoned. */
    int connecting;
    PostgresPollingStatusType polling;
    int64_t deadline_ms;
};

/* Connects to dsn (a libpq connection string or URI). Returns the
 * connection, or NULL with *err the caller's to free(); the message never
 * contains the DSN. */
PGconn *db_pg_connect(const char *dsn, char **err);

/* How long one attempt to connect conn may take, in ms: its
 * connect_timeout, which libpq leaves to the caller of PQconnectPoll. */
int64_t db_pg_connect_timeout_ms(PGconn *conn);

/* Brings the schema of conn up to date with sql/component-pg/, once even
 * when several cardxd start together (an advisory lock). Returns 0, or a
 * negative code with *err the caller's to free(). */
int db_pg_migrate(PGconn *conn, char **err);

/* The schema version of conn (0: none yet) into *version. Returns 0 or a
 * negative code with *err the caller's to free(). */
int db_pg_schema_version(PGconn *conn, int *version, char **err);

/* Makes msg one line in place: libpq's messages end with a newline and
 * some have more (a position marker, a hint, several hosts tried). */
void db_pg_one_line(char *msg);

/* Sets the message of the last failure from res (may be NULL: the
 * connection's own message), and its SQLSTATE. */
void db_pg_failed(struct db_pg *db, const PGresult *res);

#endif
