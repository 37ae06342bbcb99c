/* Temporary database files for the store unit tests. */
#include "tests/lib/tmpdb.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sqlite3.h>

void tmpdb_init(struct tmpdb *d)
{
    const char *tmp = getenv("TMPDIR");

    /* A long TMPDIR would not fit in dir: fall back rather than cut. */
    snprintf(d->dir, sizeof d->dir, "%s/cardx-db-XXXXXX",
             tmp && strlen(tmp) < 32 ? tmp : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(d->dir));
    snprintf(d->path, sizeof d->path, "%s/test.db", d->dir);
}

void tmpdb_remove(const struct tmpdb *d)
{
    static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
    char path[128];
    size_t i;

    for (i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
        snprintf(path, sizeof path, "%s%s", d->path, suffix[i]);
        unlink(path);
    }
    ck_assert_int_eq(rmdir(d->dir), 0);
}

int64_t tmpdb_int(const struct tmpdb *d, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;
    int64_t v;

    ck_assert_int_eq(sqlite3_open_v2(d->path, &db, SQLITE_OPEN_READWRITE, NULL),
                     SQLITE_OK);
    ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
    v = sqlite3_column_int64(s, 0);
    ck_assert_int_eq(sqlite3_finalize(s), SQLITE_OK);
    ck_assert_int_eq(sqlite3_close(db), SQLITE_OK);
    return v;
}

void tmpdb_exec(const struct tmpdb *d, const char *sql)
{
    sqlite3 *db = NULL;

    ck_assert_int_eq(sqlite3_open_v2(d->path, &db, SQLITE_OPEN_READWRITE, NULL),
                     SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_close(db), SQLITE_OK);
}
