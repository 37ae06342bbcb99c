/* What an administrator does to cardxd's database besides running it:
 * checking it for damage before use, and copying it while it is live. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sqlite3.h>

#include "common/util.h"
#include "component/store.h"
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
