/* The PostgreSQL driver of cardxd's store (libpq): its statements, written
 * with ?N, are rewritten to $N, prepared once per connection and run with
 * PQsendQueryPrepared in text format, each answer awaited at most the
 * query timeout (a hung server is taken for a lost one); a lost connection
 * is made again by reconnect(). */
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "component/db_pg_int.h"

static struct db_pg *db_pg_of(const struct db *db)
{
    return (struct db_pg *)db;
}

static struct db_pg_stmt *db_pg_stmt_of(struct db_stmt *s)
{
    return (struct db_pg_stmt *)s;
}

/* Keeps msg (a copy, made one line) as the last failure. */
static void db_pg_set_msg(struct db_pg *db, const char *msg)
{
    free(db->msg);
    db->msg = strdup(msg && *msg ? msg : "PostgreSQL failed");
    if (db->msg)
        db_pg_one_line(db->msg);
}

void db_pg_failed(struct db_pg *db, const PGresult *res)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

    db_pg_set_msg(db,
                  res ? PQresultErrorMessage(res) : PQerrorMessage(db->conn));
    snprintf(db->sqlstate, sizeof db->sqlstate, "%s", state ? state : "");
    /* 08: the connection failed; 57P01..57P03: the server shuts down or
     * is starting, and ends this session. */
    if (PQstatus(db->conn) != CONNECTION_OK ||
        strncmp(db->sqlstate, "08", 2) == 0 ||
        strncmp(db->sqlstate, "57P", 3) == 0)
        db->down = 1;
}

/* Waits until db->conn's socket is ready for events, at most until
 * deadline (0: none). Returns 1 when ready (or interrupted: the caller
 * looks again), 0 when the deadline passed, or a negative code. */
static int db_pg_poll(struct db_pg *db, short events, int64_t deadline)
{
    struct pollfd p = {PQsocket(db->conn), events, 0};
    int64_t left = deadline ? deadline - clock_now_ms() : -1;
    int rc;

    if (p.fd < 0)
        return CX_ENET;
    if (deadline && left <= 0)
        return 0;
    rc = poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left);
    if (rc < 0)
        return errno == EINTR ? 1 : CX_ENET;
    return rc;
}

/* The server took longer than the query timeout: a frozen process or a
 * host gone answers nothing, and TCP keepalives do not tell (a stopped
 * process's kernel still answers them). The connection is given up, so
 * that the loop is not held, and reconnect() starts over. */
static void db_pg_hung(struct db_pg *db)
{
    char msg[96];

    snprintf(msg, sizeof msg,
             "PostgreSQL left a statement unanswered for %" PRId64
             " ms: taken for hung",
             db->query_ms);
    db_pg_set_msg(db, msg);
    db->sqlstate[0] = '\0';
    db->down = 1;
}

/* Waits until the query just sent has left (a non-blocking connection
 * keeps what the socket does not take) and its answer is in, until
 * deadline. Returns 0, or a negative code with the failure recorded. */
static int db_pg_await(struct db_pg *db, int64_t deadline)
{
    int flushing = 1;

    while (flushing || PQisBusy(db->conn)) {
        int rc;

        if (flushing) {
            flushing = PQflush(db->conn);
            if (flushing < 0)
                goto lost;
            if (flushing == 0)
                continue;
        }
        /* While sending, the server's answers are read too: it may wait
         * for us to read before it reads more. */
        rc = db_pg_poll(db, flushing ? POLLIN | POLLOUT : POLLIN, deadline);
        if (rc == 0) {
            db_pg_hung(db);
            return CX_ENET;
        }
        if (rc < 0 || !PQconsumeInput(db->conn))
            goto lost;
    }
    return 0;
lost:
    db_pg_failed(db, NULL);
    db->down = 1;
    return CX_ENET;
}

/* The answer to what was just sent (sent: what a PQsend*() returned),
 * awaited at most db->query_ms (0: for ever): its result, the caller's to
 * PQclear(), or NULL with the failure recorded (not sent, the connection
 * lost or the server hung: down). Of several results (a script), the
 * first failure, else the last. */
static PGresult *db_pg_answer(struct db_pg *db, int sent)
{
    int64_t deadline = db->query_ms > 0 ? clock_now_ms() + db->query_ms : 0;
    PGresult *res = NULL;
    PGresult *next;

    if (!sent) {
        db_pg_failed(db, NULL);
        return NULL;
    }
    for (;;) {
        if (db_pg_await(db, deadline) < 0) {
            PQclear(res);
            return NULL;
        }
        next = PQgetResult(db->conn);
        if (!next)
            break;
        if (res && PQresultStatus(res) == PGRES_FATAL_ERROR) {
            PQclear(next);
            continue;
        }
        PQclear(res);
        res = next;
    }
    if (!res)
        db_pg_failed(db, NULL);
    return res;
}

/* Rewrites ?N to $N outside quotes into a new string, and counts the
 * parameters (the highest N). Returns NULL when out of memory. */
static char *db_pg_rewrite(const char *sql, int *nparams)
{
    char *out = strdup(sql);
    char quote = 0;
    char *p;

    *nparams = 0;
    if (!out)
        return NULL;
    for (p = out; *p; p++) {
        if (quote) {
            if (*p == quote)
                quote = 0;
        } else if (*p == '\'' || *p == '"') {
            quote = *p;
        } else if (*p == '?' && isdigit((unsigned char)p[1])) {
            int n = (int)strtol(p + 1, NULL, 10);

            *p = '$';
            if (n > *nparams)
                *nparams = n;
        }
    }
    return out;
}

/* Whether sql's first word is word, in any case. */
static int db_pg_starts(const char *sql, const char *word)
{
    size_t len = strlen(word);

    while (isspace((unsigned char)*sql))
        sql++;
    return strncasecmp(sql, word, len) == 0 &&
           !isalnum((unsigned char)sql[len]);
}

/* Prepares every statement on db->conn (a new connection, or the first). */
static int db_pg_prepare_all(struct db_pg *db, char **err)
{
    size_t i;

    for (i = 0; i < db->n; i++) {
        struct db_pg_stmt *s = &db->stmts[i];
        PGresult *res = db_pg_answer(
            db, PQsendPrepare(db->conn, s->name, s->sql, s->nparams, NULL));
        int ok = PQresultStatus(res) == PGRES_COMMAND_OK;

        if (!ok) {
            if (res)
                db_pg_failed(db, res);
            *err = str_printf("statement %zu: %s", i,
                              db->msg ? db->msg : "out of memory");
        }
        PQclear(res);
        if (!ok)
            return CX_EDB;
    }
    return 0;
}

/* Runs sql (no parameters, no rows) on db->conn. */
static int db_pg_exec(struct db_pg *db, const char *sql)
{
    PGresult *res = db_pg_answer(db, PQsendQuery(db->conn, sql));
    int ok = PQresultStatus(res) == PGRES_COMMAND_OK;

    if (!ok && res)
        db_pg_failed(db, res);
    PQclear(res);
    return ok ? 0 : CX_EDB;
}

static int db_pg_apply_busy(struct db_pg *db)
{
    char sql[64];

    /* SET takes no parameters; the value is our own integer. */
    snprintf(sql, sizeof sql, "SET lock_timeout = %" PRId64, db->busy_ms);
    return db_pg_exec(db, sql);
}

/* What a new connection needs: non-blocking sends (a hung server must not
 * hold a write), the store's setup (its session tables), the lock timeout
 * and the prepared statements. */
static int db_pg_session(struct db_pg *db, char **err)
{
    if (PQsetnonblocking(db->conn, 1) < 0) {
        db_pg_failed(db, NULL);
        *err = str_printf("session setup: %s",
                          db->msg ? db->msg : "out of memory");
        return CX_EDB;
    }
    if ((db->setup && *db->setup && db_pg_exec(db, db->setup) < 0) ||
        (db->busy_ms > 0 && db_pg_apply_busy(db) < 0)) {
        *err = str_printf("session setup: %s",
                          db->msg ? db->msg : "out of memory");
        return CX_EDB;
    }
    return db_pg_prepare_all(db, err);
}

static int db_pg_stmts_new(struct db_pg *db, const struct db_spec *spec,
                           char **err)
{
    size_t i;

    db->stmts = calloc(spec->n ? spec->n : 1, sizeof *db->stmts);
    if (!db->stmts)
        return CX_ENOMEM;
    db->n = spec->n;
    for (i = 0; i < spec->n; i++) {
        struct db_pg_stmt *s = &db->stmts[i];

        s->base.drv = &db_postgresql;
        s->db = db;
        s->row = -1;
        snprintf(s->name, sizeof s->name, "cx%zu", i);
        s->sql = db_pg_rewrite(spec->sql[i], &s->nparams);
        if (!s->sql)
            return CX_ENOMEM;
        if (s->nparams > DB_PG_MAX_PARAMS) {
            *err = str_printf("statement %zu has %d parameters (at most %d)", i,
                              s->nparams, DB_PG_MAX_PARAMS);
            return CX_EINVAL;
        }
        s->is_guarded =
            db_pg_starts(s->sql, "INSERT") || db_pg_starts(s->sql, "UPDATE");
        s->is_commit = db_pg_starts(s->sql, "COMMIT");
    }
    return 0;
}

static void db_pg_close(struct db *base)
{
    struct db_pg *db = db_pg_of(base);
    size_t i;

    if (!db)
        return;
    for (i = 0; db->stmts && i < db->n; i++) {
        PQclear(db->stmts[i].res);
        PQfreemem(db->stmts[i].bytes);
        free(db->stmts[i].sql);
    }
    free(db->stmts);
    if (db->conn)
        PQfinish(db->conn);
    free(db->dsn);
    free(db->msg);
    free(db);
}

static int db_pg_open(const struct db_spec *spec, struct db **out, char **err)
{
    struct db_pg *db = calloc(1, sizeof *db);
    int rc;

    *out = NULL;
    *err = NULL;
    if (!db)
        return CX_ENOMEM;
    db->base.drv = &db_postgresql;
    db->dsn = strdup(spec->target);
    db->setup = spec->setup;
    rc = db->dsn ? db_pg_stmts_new(db, spec, err) : CX_ENOMEM;
    if (rc == 0) {
        db->conn = db_pg_connect(db->dsn, err);
        rc = db->conn ? 0 : CX_ENET;
    }
    if (rc == 0)
        rc = db_pg_migrate(db->conn, err);
    if (rc == 0)
        rc = db_pg_session(db, err);
    if (rc < 0) {
        if (!*err)
            *err =
                str_printf("PostgreSQL: %s",
                           rc == CX_ENOMEM ? "out of memory" : "cannot open");
        db_pg_close(&db->base);
        return rc;
    }
    *out = &db->base;
    return 0;
}

static struct db_stmt *db_pg_stmt_get(struct db *base, size_t i)
{
    struct db_pg *db = db_pg_of(base);

    assert(i < db->n);
    return &db->stmts[i].base;
}

static int db_pg_vbind(struct db_stmt *base, int first, const char *types,
                       va_list ap)
{
    struct db_pg_stmt *s = db_pg_stmt_of(base);
    int i;

    for (i = 0; types[i] != '\0'; i++) {
        int k = first + i - 1;

        if (k < 0 || k >= s->nparams) {
            db_pg_set_msg(s->db, "parameter index out of range");
            s->db->sqlstate[0] = '\0';
            return CX_EDB;
        }
        s->formats[k] = 0;
        s->lengths[k] = 0;
        switch (types[i]) {
        case 't':
            s->values[k] = va_arg(ap, const char *);
            break;
        case 'l':
            snprintf(s->ints[k], DB_PG_INT_CHARS, "%" PRId64,
                     va_arg(ap, int64_t));
            s->values[k] = s->ints[k];
            break;
        case 'i':
            snprintf(s->ints[k], DB_PG_INT_CHARS, "%d", va_arg(ap, int));
            s->values[k] = s->ints[k];
            break;
        case 'b':
            /* bytea goes binary: no escaping, its length given. */
            s->values[k] = va_arg(ap, const void *);
            s->lengths[k] = (int)va_arg(ap, size_t);
            s->formats[k] = 1;
            break;
        default:
            assert(!"unknown bind type");
            return CX_EINVAL;
        }
    }
    return 0;
}

#define DB_PG_SAVEPOINT "SAVEPOINT cardx_stmt"
/* One round trip: two statements in one simple query. */
#define DB_PG_SAVEPOINT_NEXT "RELEASE SAVEPOINT cardx_stmt; " DB_PG_SAVEPOINT

/* Runs s; an INSERT or UPDATE in a transaction under a savepoint, so
 * that a constraint it breaks (a number taken by another JID) fails that
 * statement only, as on SQLite, rather than the whole transaction: a
 * batch done again would find the in-memory state of its requests (an
 * ad-hoc session) already used. The savepoint is released together with
 * the next write's being set, in one round trip, or by COMMIT: a write
 * costs two round trips, not three. Every transaction begins with a
 * statement run here while none is open, which forgets the savepoint of
 * the last one. NULL when the statement got no answer or a savepoint
 * failed, the failure recorded. */
static PGresult *db_pg_run(struct db_pg_stmt *s, int *recorded)
{
    struct db_pg *db = s->db;
    PGconn *conn = db->conn;
    int in_txn = PQtransactionStatus(conn) == PQTRANS_INTRANS;
    int guarded = s->is_guarded && in_txn;
    PGresult *res;
    ExecStatusType st;

    if (!in_txn)
        db->savepoint = 0;
    *recorded = 1;
    if (guarded && db_pg_exec(db, db->savepoint ? DB_PG_SAVEPOINT_NEXT
                                                : DB_PG_SAVEPOINT) < 0)
        return NULL;
    if (guarded)
        db->savepoint = 1;
    res = db_pg_answer(db,
                       PQsendQueryPrepared(conn, s->name, s->nparams, s->values,
                                           s->lengths, s->formats, 0));
    if (!res)
        return NULL;
    *recorded = 0;
    if (!guarded)
        return res;
    st = PQresultStatus(res);
    /* The savepoint stays after a rollback to it. */
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        PQclear(db_pg_answer(
            db, PQsendQuery(conn, "ROLLBACK TO SAVEPOINT cardx_stmt")));
        /* Lost meanwhile: that is the failure, not the statement's own
         * (a conflict it met must not pass for a number taken). */
        if (db->down) {
            PQclear(res);
            *recorded = 1;
            return NULL;
        }
    }
    return res;
}

/* Any other failed statement aborts PostgreSQL's transaction, every later
 * one failing until it ends: it is rolled back at once, as SQLite does
 * after some failures, so that the caller (cardxd's batch) sees no
 * transaction and does its work again without one. The failure's message
 * is kept. */
static void db_pg_end_aborted(struct db_pg *db)
{
    if (PQtransactionStatus(db->conn) == PQTRANS_INERROR)
        PQclear(db_pg_answer(db, PQsendQuery(db->conn, "ROLLBACK")));
}

/* Executes s: its rows, or the rows its write changed. */
static int db_pg_execute(struct db_pg_stmt *s)
{
    struct db_pg *db = s->db;
    /* PostgreSQL answers COMMIT of an aborted transaction with a rollback,
     * and COMMIT without one (rolled back after a failure) with a
     * warning, neither an error: neither must pass for a commit. */
    PGTransactionStatusType before = PQtransactionStatus(db->conn);
    int aborted = s->is_commit && before != PQTRANS_INTRANS;
    ExecStatusType st;
    int recorded;

    s->res = db_pg_run(s, &recorded);
    st = PQresultStatus(s->res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        if (!recorded)
            db_pg_failed(db, s->res);
        PQclear(s->res);
        s->res = NULL;
        db_pg_end_aborted(db);
        return CX_EDB;
    }
    s->changes = strtoll(PQcmdTuples(s->res), NULL, 10);
    s->row = -1;
    if (aborted ||
        (s->is_commit && strcmp(PQcmdStatus(s->res), "ROLLBACK") == 0)) {
        db_pg_set_msg(db, "the transaction failed and was rolled back");
        db->sqlstate[0] = '\0';
        PQclear(s->res);
        s->res = NULL;
        return CX_EDB;
    }
    return 0;
}

static int db_pg_step(struct db_stmt *base)
{
    struct db_pg_stmt *s = db_pg_stmt_of(base);

    if (!s->res) {
        int rc;

        if (s->db->down) {
            /* Why it went down (hung, lost) stays the message. */
            if (!s->db->msg)
                db_pg_set_msg(s->db, "the connection to PostgreSQL is down");
            return CX_EDB;
        }
        rc = db_pg_execute(s);
        if (rc < 0)
            return rc;
    }
    PQfreemem(s->bytes);
    s->bytes = NULL;
    if (s->row + 1 < PQntuples(s->res)) {
        s->row++;
        return 1;
    }
    s->row = PQntuples(s->res);
    return 0;
}

static int db_pg_reset(struct db_stmt *base)
{
    struct db_pg_stmt *s = db_pg_stmt_of(base);

    PQclear(s->res);
    s->res = NULL;
    s->row = -1;
    PQfreemem(s->bytes);
    s->bytes = NULL;
    memset(s->values, 0, sizeof s->values);
    return 0;
}

static int db_pg_on_row(const struct db_pg_stmt *s, int col)
{
    return s->res && s->row >= 0 && s->row < PQntuples(s->res) && col >= 0 &&
           col < PQnfields(s->res);
}

static int db_pg_column_null(struct db_stmt *base, int col)
{
    struct db_pg_stmt *s = db_pg_stmt_of(base);

    return !db_pg_on_row(s, col) || PQgetisnull(s->res, s->row, col);
}

static const char *db_pg_column_text(struct db_stmt *base, int col)
{
    struct db_pg_stmt *s = db_pg_stmt_of(base);

    if (db_pg_column_null(base, col))
        return NULL;
    return PQgetvalue(s->res, s->row, col);
}

static int64_t db_pg_column_int64(struct db_stmt *base, int col)
{
    const char *text = db_pg_column_text(base, col);

    if (!text)
        return 0;
    /* A boolean reads as SQLite's 0 or 1. */
    if (strcmp(text, "t") == 0)
        return 1;
    if (strcmp(text, "f") == 0)
        return 0;
    return strtoll(text, NULL, 10);
}

static const void *db_pg_column_bytes(struct db_stmt *base, int col,
                                      size_t *len)
{
    struct db_pg_stmt *s = db_pg_stmt_of(base);
    const char *text = db_pg_column_text(base, col);

    *len = 0;
    if (!text)
        return NULL;
    PQfreemem(s->bytes);
    s->bytes = PQunescapeBytea((const unsigned char *)text, len);
    return s->bytes;
}

static int64_t db_pg_changes(struct db_stmt *base)
{
    return db_pg_stmt_of(base)->changes;
}

static int db_pg_in_transaction(const struct db *base)
{
    const struct db_pg *db = db_pg_of(base);
    PGTransactionStatusType st = PQtransactionStatus(db->conn);

    /* A connection given up (a hung server) still shows the statement it
     * waited for: its transaction is lost with it all the same. */
    if (db->down)
        return 0;
    return st == PQTRANS_INTRANS || st == PQTRANS_INERROR ||
           st == PQTRANS_ACTIVE;
}

static const char *db_pg_errmsg(const struct db *base)
{
    const struct db_pg *db = db_pg_of(base);

    return db->msg ? db->msg : "no error";
}

/* SQLSTATE classes: 08 connection, 57P0x shut down or starting, 53 out of
 * resources, 40 and 55P03 a lock or a conflict, 58 the system, XX00x
 * damaged data. */
static enum store_fault db_pg_fault(struct db *base)
{
    struct db_pg *db = db_pg_of(base);
    const char *st = db->sqlstate;

    if (db->down || strncmp(st, "08", 2) == 0 || strncmp(st, "57P", 3) == 0)
        return STORE_FAULT_DOWN;
    if (strcmp(st, "53100") == 0)
        return STORE_FAULT_FULL;
    if (strncmp(st, "40", 2) == 0 || strcmp(st, "55P03") == 0 ||
        strncmp(st, "53", 2) == 0)
        return STORE_FAULT_BUSY;
    if (strncmp(st, "58", 2) == 0)
        return STORE_FAULT_IO;
    if (strcmp(st, "XX001") == 0 || strcmp(st, "XX002") == 0)
        return STORE_FAULT_CORRUPT;
    return STORE_FAULT_OTHER;
}

/* 23505: unique_violation, as SQLite's UNIQUE constraint. */
static int db_pg_conflict(const struct db *base)
{
    return strcmp(db_pg_of(base)->sqlstate, "23505") == 0;
}

static int db_pg_size(struct db *base, int64_t *bytes)
{
    struct db_pg *db = db_pg_of(base);
    PGresult *res;
    int ok;

    *bytes = 0;
    if (db->down) {
        if (!db->msg)
            db_pg_set_msg(db, "the connection to PostgreSQL is down");
        return CX_EDB;
    }
    /* The server's own count of the database's files (tables, indexes,
     * TOAST; not the WAL, which the whole cluster shares). */
    res = db_pg_answer(
        db, PQsendQueryParams(db->conn,
                              "SELECT pg_database_size(current_database())", 0,
                              NULL, NULL, NULL, NULL, 0));
    ok = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
    if (ok)
        *bytes = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    else if (res)
        db_pg_failed(db, res);
    PQclear(res);
    if (!ok)
        db_pg_end_aborted(db);
    return ok ? 0 : CX_EDB;
}

static int db_pg_set_query_timeout(struct db *base, int64_t ms)
{
    db_pg_of(base)->query_ms = ms < 0 ? 0 : ms;
    return 0;
}

static int db_pg_set_busy_timeout(struct db *base, int64_t ms)
{
    struct db_pg *db = db_pg_of(base);

    db->busy_ms = ms < 0 ? 0 : ms;
    if (db->down)
        return 0; /* set on the next connection, with the session */
    return db_pg_apply_busy(db);
}

/* The connection is made: the session is set up again. Quick round trips
 * to a server that has just answered, each bounded as any statement. */
static int db_pg_connected(struct db_pg *db)
{
    char *err = NULL;

    db->down = 0;
    if (db_pg_session(db, &err) < 0) {
        db_pg_set_msg(db, err ? err : "out of memory");
        free(err);
        /* Half set up is not up: the next try starts from scratch. */
        db->down = 1;
        return CX_ENET;
    }
    free(db->msg);
    db->msg = NULL;
    db->sqlstate[0] = '\0';
    return STORE_RECONNECTED;
}

/* Whether the socket of the attempt in flight is ready for what it waits
 * for: libpq must not be polled before (a connect() still in progress
 * would look done). */
static int db_pg_ready(const struct db_pg *db)
{
    struct pollfd p = {PQsocket(db->conn), 0, 0};

    if (p.fd < 0)
        return 1;
    p.events = db->polling == PGRES_POLLING_READING ? POLLIN : POLLOUT;
    return poll(&p, 1, 0) > 0;
}

/* Advances the attempt in flight as far as it goes without waiting. */
static int db_pg_advance(struct db_pg *db)
{
    /* Bounded by the deadline too, should libpq keep the socket ready
     * without getting anywhere. */
    while (clock_now_ms() < db->deadline_ms && db_pg_ready(db)) {
        db->polling = PQresetPoll(db->conn);
        if (db->polling == PGRES_POLLING_OK) {
            db->connecting = 0;
            return db_pg_connected(db);
        }
        if (db->polling == PGRES_POLLING_FAILED) {
            db->connecting = 0;
            db_pg_failed(db, NULL);
            db->down = 1;
            return CX_ENET;
        }
    }
    if (clock_now_ms() < db->deadline_ms)
        return STORE_CONNECTING;
    /* A server that does not answer at all: the next attempt starts over
     * (PQresetStart closes this socket). */
    db->connecting = 0;
    db_pg_set_msg(db, "timeout expired: PostgreSQL did not answer");
    db->sqlstate[0] = '\0';
    return CX_ENET;
}

static int db_pg_reconnect(struct db *base)
{
    struct db_pg *db = db_pg_of(base);
    size_t i;

    if (db->connecting)
        return db_pg_advance(db);
    if (!db->down && PQstatus(db->conn) == CONNECTION_OK)
        return STORE_UP;
    for (i = 0; i < db->n; i++)
        db_pg_reset(&db->stmts[i].base);
    db->down = 1;
    if (!PQresetStart(db->conn)) {
        db_pg_failed(db, NULL);
        return CX_ENET;
    }
    db->connecting = 1;
    /* libpq's rule: an attempt starts as if PQconnectPoll asked to write. */
    db->polling = PGRES_POLLING_WRITING;
    db->deadline_ms = clock_now_ms() + db_pg_connect_timeout_ms(db->conn);
    return db_pg_advance(db);
}

static void db_pg_wait(const struct db *base, struct store_wait *w)
{
    const struct db_pg *db = db_pg_of(base);

    w->fd = db->connecting ? PQsocket(db->conn) : -1;
    w->events = !db->connecting                        ? 0
                : db->polling == PGRES_POLLING_READING ? POLLIN
                                                       : POLLOUT;
    w->deadline_ms = db->connecting ? db->deadline_ms : 0;
}

const struct db_driver db_postgresql = {
    .name = "postgresql",
    .open = db_pg_open,
    .close = db_pg_close,
    .stmt = db_pg_stmt_get,
    .vbind = db_pg_vbind,
    .step = db_pg_step,
    .reset = db_pg_reset,
    .column_null = db_pg_column_null,
    .column_text = db_pg_column_text,
    .column_int64 = db_pg_column_int64,
    .column_bytes = db_pg_column_bytes,
    .changes = db_pg_changes,
    .in_transaction = db_pg_in_transaction,
    .errmsg = db_pg_errmsg,
    .fault = db_pg_fault,
    .conflict = db_pg_conflict,
    .set_busy_timeout = db_pg_set_busy_timeout,
    .set_query_timeout = db_pg_set_query_timeout,
    .size = db_pg_size,
    .reconnect = db_pg_reconnect,
    .wait = db_pg_wait,
};
