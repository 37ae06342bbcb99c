/* What cardxd's store and cardx's card store share about SQLite: opening a
 * database the same careful way, and the plumbing of their statements. */
#ifndef CARDX_SQL_SQLUTIL_H
#define CARDX_SQL_SQLUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <sqlite3.h>

#include "sql/migrations.h"

/* What a store asks of its database. Every store gets a busy timeout, a
 * write-ahead log and foreign keys switched on. */
struct sqlutil_spec {
    /* "normal" or "full", in any case; anything else is refused. */
    const char *synchronous;
    /* The schema, as migrate_apply() takes it. */
    const struct migration *migrations;
    size_t migrations_count;
    /* Accept an in-memory database, whose journal cannot be a WAL. */
    int memory_ok;
    /* Refuse an SQLite that does not enforce foreign keys. */
    int need_foreign_keys;
};

/* Opens path read-write, creating it, sets it up as spec says and brings
 * its schema up to date. Returns 0 with *out the caller's to
 * sqlite3_close(), or -1 with *out NULL and *err a message naming path, the
 * caller's to free() (NULL if even that allocation failed). */
int sqlutil_open(const char *path, const struct sqlutil_spec *spec,
                 sqlite3 **out, char **err);

/* Prepares sql[0..n) into stmt[0..n), to be kept for the connection's
 * life. Returns 0, or -1 with *err as sqlutil_open() sets it; what was
 * prepared stays in stmt for the caller to finalize. */
int sqlutil_prepare_all(sqlite3 *db, const char *path, const char *const *sql,
                        size_t n, sqlite3_stmt **stmt, char **err);

/* Finalizes stmt[0..n), as sqlutil_prepare_all() filled it (NULLs are
 * skipped), and sets each to NULL. Their last errors were reported when
 * they happened, so none is returned. */
void sqlutil_finalize_all(sqlite3_stmt **stmt, size_t n);

/* Closes db, whose statements must all be finalized already (asserted: a
 * statement left over is a bug). Accepts NULL. */
void sqlutil_close(sqlite3 *db);

/* Ends one use of a prepared statement: resets it and clears its bindings,
 * so that it holds no lock and no pointer to the caller's strings. rc is
 * the result so far; returns it, or the reset's failure when rc was
 * SQLITE_OK. */
int sqlutil_reset(sqlite3_stmt *s, int rc);

/* Steps s, a statement that yields no rows (a write, BEGIN, COMMIT,
 * ROLLBACK), once, then sqlutil_reset()s it. rc is the result of binding
 * it: when it is not SQLITE_OK, s is only reset. Returns SQLITE_OK or the
 * first failure. */
int sqlutil_run(sqlite3_stmt *s, int rc);

/* Maps an SQLite result to common/errors.h: SQLITE_OK is CX_OK,
 * SQLITE_NOMEM CX_ENOMEM and every other failure CX_EDB. */
int sqlutil_code(int rc);

/* Runs sql, one statement (a PRAGMA), and copies the first column of its
 * first row into buf ("" when there is none). Returns an SQLite result. */
int sqlutil_pragma(sqlite3 *db, const char *sql, char *buf, size_t size);

/* Sets *err to a message from a printf format, the caller's to free()
 * (NULL if even that allocation failed), and returns code. */
int sqlutil_fail(char **err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Binds parameters first, first + 1, ... of s by type: 't' text (NULL
 * binds NULL), 'l' int64_t, 'i' int. Text is not copied: the caller clears
 * the bindings while its strings are still alive. Returns an SQLite
 * result. */
int sqlutil_bind(sqlite3_stmt *s, int first, const char *types, ...);
int sqlutil_vbind(sqlite3_stmt *s, int first, const char *types, va_list ap);

/* Copies text column col of s's current row into *out (NULL for NULL),
 * the caller's to free(). Returns SQLITE_OK or SQLITE_NOMEM. */
int sqlutil_column_dup(sqlite3_stmt *s, int col, char **out);

#endif
