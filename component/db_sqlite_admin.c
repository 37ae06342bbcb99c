/* What an administrator does to cardxd's SQLite file besides running it:
 * checking it for damage before use, probing it, and copying it while it
 * is live. SQLite only, so it talks to SQLite directly, as a driver. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sqlite3.h>

#include "common/util.h"
#include "component/store.h"
#include "sql/migrations.h"
#include "sql/sqlutil.h"

/* VM steps between two looks at the clock during the check. */
#define STORE_CHECK_PROGRESS_STEPS 10000
/* How long the backup waits for a writer's lock on the source. */
#define STORE_BACKUP_BUSY_MS 5000

/* Ends the check once its deadline has passed (non-zero interrupts). */
static int store_check_progress(void *ud)
{
    const int64_t *deadline = ud;

    return clock_now_ms() > *deadline;
}

/* Runs quick_check on db; its first row is "ok" for a sound file. */
static int store_check_run(sqlite3 *db, const char *path, int64_t timeout_ms,
                           char **err)
{
    int64_t deadline = clock_now_ms() + timeout_ms;
    char result[256];
    int rc;

    sqlite3_progress_handler(db, STORE_CHECK_PROGRESS_STEPS,
                             store_check_progress, &deadline);
    rc = sqlutil_pragma(db, "PRAGMA quick_check", result, sizeof(result));
    sqlite3_progress_handler(db, 0, NULL, NULL);
    if (rc == SQLITE_INTERRUPT)
        return sqlutil_fail(err, 1,
                            "%s: the integrity check was cut short after "
                            "%lld ms ([storage] check_timeout); going on "
                            "unchecked",
                            path, (long long)timeout_ms);
    if (rc != SQLITE_OK)
        return sqlutil_fail(err, STORE_EDB,
                            "%s: the database is damaged or not a database "
                            "(%s); not starting, the file is left as it is "
                            "(see ADMIN.md, recovering a damaged database)",
                            path, sqlite3_errmsg(db));
    if (strcmp(result, "ok") != 0)
        return sqlutil_fail(err, STORE_EDB,
                            "%s: the database is damaged (%s); not starting, "
                            "the file is left as it is (see ADMIN.md, "
                            "recovering a damaged database)",
                            path, result);
    return 0;
}

int store_check(const char *path, int64_t timeout_ms, char **err)
{
    struct stat sb;
    sqlite3 *db = NULL;
    int rc;

    *err = NULL;
    if (timeout_ms <= 0 || (stat(path, &sb) < 0 && errno == ENOENT))
        return 0;
    /* Read-only: a damaged file must come out of the check as it went in. */
    rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
    if (rc != SQLITE_OK)
        rc = sqlutil_fail(err, STORE_EDB, "%s: cannot open: %s", path,
                          db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    else
        rc = store_check_run(db, path, timeout_ms, err);
    sqlite3_close(db);
    return rc;
}

/* A missing database: store_open() will create it, which needs its
 * directory to exist and be writable. */
static int store_probe_dir(const char *path, char **err)
{
    char *dir = strdup(path), *slash;
    int rc = 0;

    if (!dir)
        return sqlutil_fail(err, STORE_ENOMEM, "out of memory");
    slash = strrchr(dir, '/');
    if (!slash)
        strcpy(dir, ".");
    else
        slash[slash == dir] = '\0'; /* keep "/" for a file at the root */
    if (access(dir, W_OK | X_OK) < 0)
        rc = sqlutil_fail(err, STORE_EDB,
                          "%s: cannot create the database: directory %s: %s",
                          path, dir, strerror(errno));
    free(dir);
    return rc;
}

/* Refuses a schema newer than this release's, as store_open() will. */
static int store_probe_schema(sqlite3 *db, const char *path, int *migrations,
                              char **err)
{
    char buf[24];
    long version;

    if (sqlutil_pragma(db, "PRAGMA user_version", buf, sizeof(buf)) !=
        SQLITE_OK)
        return sqlutil_fail(err, STORE_EDB, "%s: cannot read the schema: %s",
                            path, sqlite3_errmsg(db));
    version = strtol(buf, NULL, 10);
    if (version < 0 || (size_t)version > component_migrations_count)
        return sqlutil_fail(err, STORE_EDB,
                            "%s: the database schema is version %ld but this "
                            "release only knows versions up to %zu: it was "
                            "written by a newer release, and cardxd would "
                            "refuse it (run that release, or restore the "
                            "backup taken before the upgrade)",
                            path, version, component_migrations_count);
    *migrations = (int)(component_migrations_count - (size_t)version);
    return 0;
}

/* Opens a write transaction, writes the schema version back as it is (a
 * change of page 1: the journal or the WAL must be writable) and rolls
 * it back. */
static int store_probe_write(sqlite3 *db, const char *path, char **err)
{
    char sql[64], buf[24];
    int rc;

    rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc == SQLITE_BUSY)
        return sqlutil_fail(err, 1,
                            "%s: another process holds the write lock (a "
                            "running cardxd?); writing was not tried",
                            path);
    if (rc == SQLITE_OK)
        rc = sqlutil_pragma(db, "PRAGMA user_version", buf, sizeof(buf));
    if (rc == SQLITE_OK) {
        /* PRAGMA takes no bound parameters; the value is SQLite's own. */
        snprintf(sql, sizeof(sql), "PRAGMA user_version = %ld",
                 strtol(buf, NULL, 10));
        rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    }
    if (rc != SQLITE_OK)
        rc = sqlutil_fail(err, STORE_EDB, "%s: cannot write: %s", path,
                          sqlite3_errmsg(db));
    if (!sqlite3_get_autocommit(db) &&
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL) != SQLITE_OK && rc == 0)
        rc = sqlutil_fail(err, STORE_EDB, "%s: cannot roll back: %s", path,
                          sqlite3_errmsg(db));
    return rc;
}

int store_probe(const char *path, int64_t busy_ms, int *migrations, char **err)
{
    struct stat sb;
    sqlite3 *db = NULL;
    int rc;

    *err = NULL;
    *migrations = (int)component_migrations_count;
    if (stat(path, &sb) < 0 && errno == ENOENT)
        return store_probe_dir(path, err);
    rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL);
    if (rc != SQLITE_OK) {
        rc = sqlutil_fail(err, STORE_EDB, "%s: cannot open: %s", path,
                          db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        goto out;
    }
    if (sqlite3_db_readonly(db, "main") == 1) {
        rc = sqlutil_fail(err, STORE_EDB, "%s: cannot write: %s", path,
                          access(path, W_OK) < 0 ? strerror(errno)
                                                 : "opened read-only");
        goto out;
    }
    sqlite3_busy_timeout(db, busy_ms > INT_MAX ? INT_MAX : (int)busy_ms);
    rc = store_probe_schema(db, path, migrations, err);
    if (rc == 0)
        rc = store_probe_write(db, path, err);
out:
    sqlite3_close(db);
    return rc;
}

/* Copies every page of src into the database dst, in one step so that the
 * copy is one consistent snapshot. */
static int store_backup_copy(sqlite3 *from, sqlite3 *to)
{
    sqlite3_backup *b = sqlite3_backup_init(to, "main", from, "main");
    int rc;

    if (!b)
        return sqlite3_errcode(to);
    rc = sqlite3_backup_step(b, -1);
    if (rc == SQLITE_DONE)
        rc = SQLITE_OK;
    if (sqlite3_backup_finish(b) != SQLITE_OK && rc == SQLITE_OK)
        rc = sqlite3_errcode(to);
    return rc;
}

int store_backup(const char *src, const char *dst, char **err)
{
    sqlite3 *from = NULL, *to = NULL;
    char *tmp = str_printf("%s.partial", dst);
    int rc;

    *err = NULL;
    if (!tmp)
        return sqlutil_fail(err, STORE_ENOMEM, "out of memory");
    unlink(tmp); /* a copy an earlier run left unfinished */
    rc = sqlite3_open_v2(src, &from, SQLITE_OPEN_READONLY, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_busy_timeout(from, STORE_BACKUP_BUSY_MS);
    if (rc != SQLITE_OK) {
        rc = sqlutil_fail(err, STORE_EDB, "%s: cannot open: %s", src,
                          from ? sqlite3_errmsg(from) : sqlite3_errstr(rc));
        goto out;
    }
    rc = sqlite3_open_v2(tmp, &to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                         NULL);
    if (rc == SQLITE_OK)
        rc = store_backup_copy(from, to);
    if (rc != SQLITE_OK) {
        rc = sqlutil_fail(err, STORE_EDB, "backing up %s to %s: %s", src, dst,
                          to ? sqlite3_errmsg(to) : sqlite3_errstr(rc));
        goto out;
    }
    rc = sqlite3_close(to);
    to = NULL;
    if (rc != SQLITE_OK || rename(tmp, dst) < 0)
        rc = sqlutil_fail(err, STORE_EDB, "backing up %s: cannot write %s", src,
                          dst);
out:
    sqlite3_close(from);
    sqlite3_close(to);
    if (rc < 0)
        unlink(tmp);
    free(tmp);
    return rc;
}
