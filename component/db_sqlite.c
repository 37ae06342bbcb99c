/* cardxd's SQLite driver (component/db.h): one file, opened the careful
 * way sql/sqlutil.c opens every cardx database (WAL, foreign keys, the
 * configured synchronous mode, a busy timeout), its schema the migrations
 * of sql/component/. */
#include <assert.h>
#include <limits.h>
#include <stdlib.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include "common/util.h"
#include "component/db.h"
#include "sql/migrations.h"
#include "sql/sqlutil.h"

/* The suffix SQLite gives its write-ahead log beside the database. */
#define SQLITE_WAL_SUFFIX "-wal"

struct sqlite_stmt {
    struct db_stmt base;
    sqlite3_stmt *s;
    sqlite3 *db;
    int64_t changes; /* of the last run that finished */
};

struct sqlite_db {
    struct db base;
    sqlite3 *db;
    sqlite3_stmt **raw; /* as sqlutil_prepare_all() fills it */
    struct sqlite_stmt *stmt;
    size_t n;
};

static struct sqlite_stmt *sqlite_stmt_of(struct db_stmt *s)
{
    return (struct sqlite_stmt *)s;
}

static void sqlite_close(struct db *d)
{
    struct sqlite_db *sd = (struct sqlite_db *)d;

    if (!sd)
        return;
    if (sd->raw)
        sqlutil_finalize_all(sd->raw, sd->n);
    sqlutil_close(sd->db);
    free(sd->raw);
    free(sd->stmt);
    free(sd);
}

/* What only the store has: its setup SQL and its statements. */
static int sqlite_prepare(struct sqlite_db *sd, const struct db_spec *spec,
                          char **err)
{
    if (spec->setup &&
        sqlite3_exec(sd->db, spec->setup, NULL, NULL, NULL) != SQLITE_OK)
        return sqlutil_fail(err, CX_EDB, "%s: setting up: %s", spec->target,
                            sqlite3_errmsg(sd->db));
    sd->raw = calloc(spec->n, sizeof *sd->raw);
    sd->stmt = calloc(spec->n, sizeof *sd->stmt);
    if (!sd->raw || !sd->stmt)
        return sqlutil_fail(err, CX_ENOMEM, "out of memory");
    sd->n = spec->n;
    if (sqlutil_prepare_all(sd->db, spec->target, spec->sql, spec->n, sd->raw,
                            err) < 0)
        return CX_EDB;
    for (size_t i = 0; i < spec->n; i++) {
        sd->stmt[i].base.drv = &db_sqlite;
        sd->stmt[i].s = sd->raw[i];
        sd->stmt[i].db = sd->db;
    }
    return 0;
}

static int sqlite_open(const struct db_spec *spec, struct db **out, char **err)
{
    /* Removing a user relies on the cascade: no foreign keys, no store. */
    const struct sqlutil_spec sspec = {
        .synchronous = spec->synchronous ? spec->synchronous : "normal",
        .migrations = component_migrations,
        .migrations_count = component_migrations_count,
        .need_foreign_keys = 1,
    };
    struct sqlite_db *sd;
    int rc;

    *out = NULL;
    *err = NULL;
    sd = calloc(1, sizeof *sd);
    if (!sd)
        return sqlutil_fail(err, CX_ENOMEM, "out of memory");
    sd->base.drv = &db_sqlite;
    rc = sqlutil_open(spec->target, &sspec, &sd->db, err) < 0
             ? CX_EDB
             : sqlite_prepare(sd, spec, err);
    if (rc < 0) {
        sqlite_close(&sd->base);
        return rc;
    }
    *out = &sd->base;
    return 0;
}

static struct db_stmt *sqlite_stmt(struct db *d, size_t i)
{
    struct sqlite_db *sd = (struct sqlite_db *)d;

    return &sd->stmt[i].base;
}

/* Binds one parameter of type t from ap; text and bytes are not copied
 * (db.h: they live until the reset). */
static int sqlite_bind_one(sqlite3_stmt *s, int i, char t, va_list *ap)
{
    const char *text;
    const void *p;
    size_t len;

    switch (t) {
    case 't':
        text = va_arg(*ap, const char *);
        return text ? sqlite3_bind_text(s, i, text, -1, SQLITE_STATIC)
                    : sqlite3_bind_null(s, i);
    case 'l':
        return sqlite3_bind_int64(s, i, va_arg(*ap, int64_t));
    case 'i':
        return sqlite3_bind_int(s, i, va_arg(*ap, int));
    case 'b':
        p = va_arg(*ap, const void *);
        len = va_arg(*ap, size_t);
        if (!p)
            return sqlite3_bind_null(s, i);
        return len > INT_MAX
                   ? SQLITE_TOOBIG
                   : sqlite3_bind_blob(s, i, p, (int)len, SQLITE_STATIC);
    default:
        assert(!"unknown bind type");
        return SQLITE_MISUSE;
    }
}

static int sqlite_vbind(struct db_stmt *st, int first, const char *types,
                        va_list ap)
{
    sqlite3_stmt *s = sqlite_stmt_of(st)->s;
    int rc = SQLITE_OK;
    va_list cp;

    va_copy(cp, ap);
    for (int i = 0; types[i] != '\0' && rc == SQLITE_OK; i++)
        rc = sqlite_bind_one(s, first + i, types[i], &cp);
    va_end(cp);
    return sqlutil_code(rc);
}

static int sqlite_step(struct db_stmt *st)
{
    struct sqlite_stmt *ss = sqlite_stmt_of(st);
    int rc = sqlite3_step(ss->s);

    if (rc == SQLITE_ROW)
        return 1;
    if (rc != SQLITE_DONE)
        return sqlutil_code(rc);
    ss->changes = sqlite3_changes64(ss->db);
    return 0;
}

static int sqlite_reset(struct db_stmt *st)
{
    return sqlutil_code(sqlutil_reset(sqlite_stmt_of(st)->s, SQLITE_OK));
}

static int sqlite_column_null(struct db_stmt *st, int col)
{
    return sqlite3_column_type(sqlite_stmt_of(st)->s, col) == SQLITE_NULL;
}

static const char *sqlite_column_text(struct db_stmt *st, int col)
{
    return (const char *)sqlite3_column_text(sqlite_stmt_of(st)->s, col);
}

static int64_t sqlite_column_int64(struct db_stmt *st, int col)
{
    return sqlite3_column_int64(sqlite_stmt_of(st)->s, col);
}

static const void *sqlite_column_bytes(struct db_stmt *st, int col, size_t *len)
{
    sqlite3_stmt *s = sqlite_stmt_of(st)->s;
    const void *p = sqlite3_column_blob(s, col);

    *len = (size_t)sqlite3_column_bytes(s, col);
    return p;
}

static int64_t sqlite_changes(struct db_stmt *st)
{
    return sqlite_stmt_of(st)->changes;
}

static int sqlite_in_transaction(const struct db *d)
{
    return !sqlite3_get_autocommit(((const struct sqlite_db *)d)->db);
}

static const char *sqlite_errmsg(const struct db *d)
{
    return sqlite3_errmsg(((const struct sqlite_db *)d)->db);
}

static enum store_fault sqlite_fault(struct db *d)
{
    switch (sqlite3_errcode(((struct sqlite_db *)d)->db)) {
    case SQLITE_FULL:
        return STORE_FAULT_FULL;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return STORE_FAULT_BUSY;
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
        return STORE_FAULT_IO;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return STORE_FAULT_CORRUPT;
    default:
        return STORE_FAULT_OTHER;
    }
}

static int sqlite_conflict(const struct db *d)
{
    return sqlite3_extended_errcode(((const struct sqlite_db *)d)->db) ==
           SQLITE_CONSTRAINT_UNIQUE;
}

static int sqlite_set_busy_timeout(struct db *d, int64_t ms)
{
    int bounded = ms > INT_MAX ? INT_MAX : (int)ms;

    return sqlutil_code(
        sqlite3_busy_timeout(((struct sqlite_db *)d)->db, bounded));
}

/* A file never leaves a statement unanswered: nothing to bound. */
static int sqlite_set_query_timeout(struct db *d, int64_t ms)
{
    (void)d;
    (void)ms;
    return 0;
}

/* The file and its write-ahead log as they are on disk, what the disk
 * holds for the store (a missing log, checkpointed away, counts 0). */
static int sqlite_size(struct db *d, int64_t *bytes)
{
    const char *path = sqlite3_db_filename(((struct sqlite_db *)d)->db, "main");
    char *wal;
    struct stat sb;

    *bytes = 0;
    if (!path || !*path)
        return 0; /* in memory */
    if (stat(path, &sb) == 0)
        *bytes += sb.st_size;
    wal = str_printf("%s" SQLITE_WAL_SUFFIX, path);
    if (!wal)
        return CX_ENOMEM;
    if (stat(wal, &sb) == 0)
        *bytes += sb.st_size;
    free(wal);
    return 0;
}

/* A file is never disconnected. */
static int sqlite_reconnect(struct db *d)
{
    (void)d;
    return STORE_UP;
}

static void sqlite_wait(const struct db *d, struct store_wait *w)
{
    (void)d;
    w->fd = -1;
    w->events = 0;
    w->deadline_ms = 0;
}

const struct db_driver db_sqlite = {
    .name = "sqlite",
    .open = sqlite_open,
    .close = sqlite_close,
    .stmt = sqlite_stmt,
    .vbind = sqlite_vbind,
    .step = sqlite_step,
    .reset = sqlite_reset,
    .column_null = sqlite_column_null,
    .column_text = sqlite_column_text,
    .column_int64 = sqlite_column_int64,
    .column_bytes = sqlite_column_bytes,
    .changes = sqlite_changes,
    .in_transaction = sqlite_in_transaction,
    .errmsg = sqlite_errmsg,
    .fault = sqlite_fault,
    .conflict = sqlite_conflict,
    .set_busy_timeout = sqlite_set_busy_timeout,
    .set_query_timeout = sqlite_set_query_timeout,
    .size = sqlite_size,
    .reconnect = sqlite_reconnect,
    .wait = sqlite_wait,
};
