/* Opening cardx's SQLite databases and running their prepared statements,
 * shared by cardxd's store and cardx's card store. */
#include "sql/sqlutil.h"

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/errors.h"
#include "common/util.h"

/* How long a call waits for another connection's lock before SQLITE_BUSY. */
#define SQLUTIL_BUSY_MS 5000

int sqlutil_fail(char **err, int code, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    *err = str_vprintf(fmt, ap);
    va_end(ap);
    return code;
}

int sqlutil_pragma(sqlite3 *db, const char *sql, char *buf, size_t size)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
    int fin;

    buf[0] = '\0';
    if (rc == SQLITE_OK)
        rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        const unsigned char *text = sqlite3_column_text(s, 0);

        snprintf(buf, size, "%s", text ? (const char *)text : "");
        rc = SQLITE_OK;
    } else if (rc == SQLITE_DONE) {
        rc = SQLITE_OK;
    }
    fin = sqlite3_finalize(s);
    return rc != SQLITE_OK ? rc : fin;
}

/* The journal first: it decides whether the other settings stick. */
static int sqlutil_journal(sqlite3 *db, const char *path,
                           const struct sqlutil_spec *spec, char **err)
{
    char mode[16];

    if (sqlite3_busy_timeout(db, SQLUTIL_BUSY_MS) != SQLITE_OK ||
        sqlutil_pragma(db, "PRAGMA journal_mode = WAL", mode, sizeof mode))
        return sqlutil_fail(err, -1, "%s: %s", path, sqlite3_errmsg(db));
    if (strcasecmp(mode, "wal") == 0 ||
        (spec->memory_ok && strcasecmp(mode, "memory") == 0))
        return 0;
    return sqlutil_fail(err, -1,
                        "%s: cannot switch to WAL (journal mode is \"%s\")",
                        path, mode);
}

/* Connection settings and schema, in the order they depend on each other. */
static int sqlutil_setup(sqlite3 *db, const char *path, const char *sync_sql,
                         const struct sqlutil_spec *spec, char **err)
{
    char fk[16];
    char *merr = NULL;

    if (sqlutil_journal(db, path, spec, err) < 0)
        return -1;
    if (sqlite3_exec(db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL) ||
        sqlutil_pragma(db, "PRAGMA foreign_keys", fk, sizeof fk) ||
        sqlite3_exec(db, sync_sql, NULL, NULL, NULL))
        return sqlutil_fail(err, -1, "%s: %s", path, sqlite3_errmsg(db));
    if (spec->need_foreign_keys && strcmp(fk, "1") != 0)
        return sqlutil_fail(err, -1, "%s: SQLite does not enforce foreign keys",
                            path);
    if (migrate_apply(db, spec->migrations, spec->migrations_count, &merr) <
        0) {
        sqlutil_fail(err, -1, "%s: %s", path, merr ? merr : "out of memory");
        free(merr);
        return -1;
    }
    return 0;
}

int sqlutil_open(const char *path, const struct sqlutil_spec *spec,
                 sqlite3 **out, char **err)
{
    sqlite3 *db = NULL;
    const char *sync_sql;
    int rc;

    *out = NULL;
    *err = NULL;
    if (strcasecmp(spec->synchronous, "normal") == 0)
        sync_sql = "PRAGMA synchronous = NORMAL";
    else if (strcasecmp(spec->synchronous, "full") == 0)
        sync_sql = "PRAGMA synchronous = FULL";
    else
        return sqlutil_fail(err, -1,
                            "synchronous must be \"normal\" or \"full\", "
                            "not \"%s\"",
                            spec->synchronous);
    rc = sqlite3_open_v2(
        path, &db,
        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK)
        rc = sqlutil_fail(err, -1, "%s: cannot open: %s", path,
                          db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    else
        rc = sqlutil_setup(db, path, sync_sql, spec, err);
    if (rc < 0) {
        sqlutil_close(db);
        return -1;
    }
    *out = db;
    return 0;
}

int sqlutil_prepare_all(sqlite3 *db, const char *path, const char *const *sql,
                        size_t n, sqlite3_stmt **stmt, char **err)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (sqlite3_prepare_v3(db, sql[i], -1, SQLITE_PREPARE_PERSISTENT,
                               &stmt[i], NULL) != SQLITE_OK)
            return sqlutil_fail(err, -1, "%s: cannot prepare \"%s\": %s", path,
                                sql[i], sqlite3_errmsg(db));
    }
    return 0;
}

void sqlutil_finalize_all(sqlite3_stmt **stmt, size_t n)
{
    size_t i;

    /* finalize repeats the last step's error, already reported when it
     * happened, and always releases the statement. */
    for (i = 0; i < n; i++) {
        (void)sqlite3_finalize(stmt[i]);
        stmt[i] = NULL;
    }
}

void sqlutil_close(sqlite3 *db)
{
    /* Fails only with a statement left unfinalised: a bug of the caller. */
    int rc = sqlite3_close(db);

    assert(rc == SQLITE_OK);
    (void)rc;
}

int sqlutil_reset(sqlite3_stmt *s, int rc)
{
    int reset = sqlite3_reset(s);
    int clear = sqlite3_clear_bindings(s);

    if (rc != SQLITE_OK)
        return rc;
    return reset != SQLITE_OK ? reset : clear;
}

int sqlutil_run(sqlite3_stmt *s, int rc)
{
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(s);
        if (rc == SQLITE_DONE)
            rc = SQLITE_OK;
    }
    return sqlutil_reset(s, rc);
}

int sqlutil_code(int rc)
{
    if (rc == SQLITE_OK)
        return CX_OK;
    return rc == SQLITE_NOMEM ? CX_ENOMEM : CX_EDB;
}

int sqlutil_vbind(sqlite3_stmt *s, int first, const char *types, va_list ap)
{
    const char *text;
    int rc = SQLITE_OK;
    int i;

    for (i = 0; types[i] != '\0' && rc == SQLITE_OK; i++) {
        switch (types[i]) {
        case 't':
            text = va_arg(ap, const char *);
            rc = text ? sqlite3_bind_text(s, first + i, text, -1, SQLITE_STATIC)
                      : sqlite3_bind_null(s, first + i);
            break;
        case 'l':
            rc = sqlite3_bind_int64(s, first + i, va_arg(ap, int64_t));
            break;
        case 'i':
            rc = sqlite3_bind_int(s, first + i, va_arg(ap, int));
            break;
        default:
            assert(!"unknown bind type");
            rc = SQLITE_MISUSE;
        }
    }
    return rc;
}

int sqlutil_bind(sqlite3_stmt *s, int first, const char *types, ...)
{
    va_list ap;
    int rc;

    va_start(ap, types);
    rc = sqlutil_vbind(s, first, types, ap);
    va_end(ap);
    return rc;
}

int sqlutil_column_dup(sqlite3_stmt *s, int col, char **out)
{
    const unsigned char *text;
    int len;

    *out = NULL;
    if (sqlite3_column_type(s, col) == SQLITE_NULL)
        return SQLITE_OK;
    text = sqlite3_column_text(s, col);
    len = sqlite3_column_bytes(s, col);
    if (!text)
        return SQLITE_NOMEM;
    *out = malloc((size_t)len + 1);
    if (!*out)
        return SQLITE_NOMEM;
    memcpy(*out, text, (size_t)len);
    (*out)[len] = '\0';
    return SQLITE_OK;
}
