/* Applies embedded schema migrations, one transaction per script. */
#include <stdio.h>
#include <stdlib.h>

#include "common/util.h"
#include "sql/sqlutil.h"

static int migrate_user_version(sqlite3 *db, int *version, char **err)
{
    char buf[24];

    if (sqlutil_pragma(db, "PRAGMA user_version", buf, sizeof buf) != SQLITE_OK)
        return sqlutil_fail(err, -1, "cannot read the schema version: %s",
                            sqlite3_errmsg(db));
    /* SQLite prints the 32-bit integer it keeps: always a valid number. */
    *version = (int)strtol(buf, NULL, 10);
    return 0;
}

static int migrate_one(sqlite3 *db, const struct migration *m, char **err)
{
    /* PRAGMA takes no bound parameters; the value is our own integer. */
    char set_version[48];
    int rc;

    snprintf(set_version, sizeof set_version, "PRAGMA user_version = %d",
             m->version);
    rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return sqlutil_fail(err, -1, "migration %d: cannot begin: %s",
                            m->version, sqlite3_errmsg(db));
    rc = sqlite3_exec(db, m->sql, NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, set_version, NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        return 0;
    sqlutil_fail(err, -1, "migration %d failed: %s", m->version,
                 sqlite3_errmsg(db));
    /* Some errors end the transaction on their own. A failed rollback
     * leaves SQLite to roll back when the connection closes, which the
     * caller does on this error; say so rather than hide it. */
    if (!sqlite3_get_autocommit(db) &&
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL) != SQLITE_OK && *err) {
        char *more = str_printf("%s (and the rollback failed)", *err);

        if (more) {
            free(*err);
            *err = more;
        }
    }
    return -1;
}

int migrate_apply(sqlite3 *db, const struct migration *m, size_t n, char **err)
{
    int current = 0;
    size_t i;

    *err = NULL;
    if (migrate_user_version(db, &current, err) < 0)
        return -1;
    if (current < 0 || (size_t)current > n)
        return sqlutil_fail(err, -1,
                            "the database schema is version %d but this "
                            "program only knows versions up to %zu: it was "
                            "written by a newer release; refusing to use it",
                            current, n);
    for (i = (size_t)current; i < n; i++) {
        if (m[i].version != (int)i + 1)
            return sqlutil_fail(err, -1,
                                "migration table is out of order at "
                                "entry %zu",
                                i);
        if (migrate_one(db, &m[i], err) < 0)
            return -1;
    }
    return 0;
}
