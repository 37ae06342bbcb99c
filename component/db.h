/* The database drivers behind cardxd's store: a table of operations each
 * driver (SQLite, PostgreSQL) fills in, so that store*.c binds, steps and
 * reads its prepared statements without knowing which database it talks
 * to. The SQL itself belongs to the drivers' statement tables. */
#ifndef CARDX_COMPONENT_DB_H
#define CARDX_COMPONENT_DB_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "component/store.h"

struct db_driver;

/* A connection, made by a driver's open(). Each driver's own struct starts
 * with this one, so the wrappers below can find the driver. */
struct db {
    const struct db_driver *drv;
};

/* One statement of a connection, prepared once and kept for its life. Each
 * driver's own struct starts with this one. */
struct db_stmt {
    const struct db_driver *drv;
};

/* What the store asks of a driver when it opens one. */
struct db_spec {
    /* SQLite: a file path; PostgreSQL: a libpq connection string. */
    const char *target;
    /* SQLite's synchronous mode ("normal" or "full"); others ignore it. */
    const char *synchronous;
    /* sql[0..n): one statement per store operation (enum store_op), in the
     * driver's dialect, its parameters written ?1, ?2, ... The array and
     * its strings outlive the connection (a driver may prepare them again
     * when it reconnects). */
    const char *const *sql;
    size_t n;
    /* SQL run once on each new connection after the migrations and before
     * preparing sql (the SQLite store's TEMP tables); NULL for none. */
    const char *setup;
};

/* A driver. Every function but open() takes what open() made; failures
 * are negative CX_* codes (common/errors.h), the reason in errmsg(). */
struct db_driver {
    const char *name; /* as "[storage] driver" names it */
    /* Opens spec->target, brings its schema up to date with the driver's
     * own migrations (sql/component/ for SQLite, sql/component-pg/ for
     * PostgreSQL) and prepares spec->sql. Returns 0 with *out the caller's
     * to close(), or a negative code with *err a one-line message the
     * caller frees with free(). */
    int (*open)(const struct db_spec *spec, struct db **out, char **err);
    /* Finalises the statements and closes the connection. Accepts NULL. */
    void (*close)(struct db *db);
    /* Statement i of spec->sql (borrowed). */
    struct db_stmt *(*stmt)(struct db *db, size_t i);
    /* Binds parameters first, first + 1, ... by type, as sqlutil_bind():
     * 't' text (NULL binds NULL), 'l' int64_t, 'i' int, 'b' bytes (two
     * arguments: const void *, size_t). Values must stay alive until the
     * statement's reset(). */
    int (*vbind)(struct db_stmt *s, int first, const char *types, va_list ap);
    /* Runs the statement (first call) or moves to its next row: 1 on a
     * row, 0 when there are no more, or a negative code. */
    int (*step)(struct db_stmt *s);
    /* Ends one use: drops its rows and bindings, holds no lock. Returns 0
     * or a negative code. */
    int (*reset)(struct db_stmt *s);
    /* The current row's columns. Text and bytes are borrowed until the
     * next step() or reset(); NULL for SQL NULL. */
    int (*column_null)(struct db_stmt *s, int col);
    const char *(*column_text)(struct db_stmt *s, int col);
    int64_t (*column_int64)(struct db_stmt *s, int col);
    const void *(*column_bytes)(struct db_stmt *s, int col, size_t *len);
    /* Rows the statement's last write changed, still known after its
     * reset(). */
    int64_t (*changes)(struct db_stmt *s);
    /* True while a transaction is open on the connection. */
    int (*in_transaction)(const struct db *db);
    /* The last failure's message (borrowed). */
    const char *(*errmsg)(const struct db *db);
    /* What kind of failure the last one was (see store_fault()). */
    enum store_fault (*fault)(struct db *db);
    /* True when the last failure was a unique constraint refusing a row
     * (the store tells a number taken by another JID from other faults). */
    int (*conflict)(const struct db *db);
    /* How long a call waits for another connection's lock. */
    int (*set_busy_timeout)(struct db *db, int64_t ms);
    /* How long one statement may go unanswered before the server is
     * taken for hung: the call fails as STORE_FAULT_DOWN and reconnect()
     * starts over. 0 (the default): no bound. SQLite's ignores it. */
    int (*set_query_timeout)(struct db *db, int64_t ms);
    /* The database's size in bytes into *bytes: SQLite's file and its
     * write-ahead log, PostgreSQL's pg_database_size(). Returns 0 or a
     * negative code. */
    int (*size)(struct db *db, int64_t *bytes);
    /* Whether the connection is up, as store_reconnect(): STORE_UP when
     * it is; when it is not, starts an attempt or advances the one in
     * flight without blocking on the network: STORE_CONNECTING while it
     * waits (on what wait() says), STORE_RECONNECTED once connected (after
     * running spec->setup and re-preparing the statements: what the
     * session held, TEMP tables, is gone), or a negative code when the
     * attempt failed or passed its deadline. SQLite's is always up. */
    int (*reconnect)(struct db *db);
    /* What the attempt in flight waits on; fd -1 when there is none. */
    void (*wait)(const struct db *db, struct store_wait *w);
};

extern const struct db_driver db_sqlite;
extern const struct db_driver db_postgresql;

/* The driver called name, or NULL when there is none by that name (or it
 * was not built in). */
const struct db_driver *db_driver_find(const char *name);

static inline void db_close(struct db *db)
{
    if (db)
        db->drv->close(db);
}

static inline struct db_stmt *db_stmt(struct db *db, size_t i)
{
    return db->drv->stmt(db, i);
}

int db_bind(struct db_stmt *s, int first, const char *types, ...);

static inline int db_step(struct db_stmt *s)
{
    return s->drv->step(s);
}

static inline int db_reset(struct db_stmt *s)
{
    return s->drv->reset(s);
}

static inline int db_column_null(struct db_stmt *s, int col)
{
    return s->drv->column_null(s, col);
}

static inline const char *db_column_text(struct db_stmt *s, int col)
{
    return s->drv->column_text(s, col);
}

static inline int64_t db_column_int64(struct db_stmt *s, int col)
{
    return s->drv->column_int64(s, col);
}

static inline const void *db_column_bytes(struct db_stmt *s, int col,
                                          size_t *len)
{
    return s->drv->column_bytes(s, col, len);
}

static inline int64_t db_changes(struct db_stmt *s)
{
    return s->drv->changes(s);
}

static inline int db_in_transaction(const struct db *db)
{
    return db->drv->in_transaction(db);
}

static inline const char *db_errmsg(const struct db *db)
{
    return db->drv->errmsg(db);
}

static inline enum store_fault db_fault(struct db *db)
{
    return db->drv->fault(db);
}

static inline int db_conflict(const struct db *db)
{
    return db->drv->conflict(db);
}

static inline int db_set_busy_timeout(struct db *db, int64_t ms)
{
    return db->drv->set_busy_timeout(db, ms);
}

static inline int db_set_query_timeout(struct db *db, int64_t ms)
{
    return db->drv->set_query_timeout(db, ms);
}

static inline int db_size(struct db *db, int64_t *bytes)
{
    return db->drv->size(db, bytes);
}

static inline int db_reconnect(struct db *db)
{
    return db->drv->reconnect(db);
}

static inline void db_wait(const struct db *db, struct store_wait *w)
{
    db->drv->wait(db, w);
}

#endif
