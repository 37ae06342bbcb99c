/* cardxd's store as the administrator sees it: counts for the statistics
 * and metrics, a user by number or JID, purging a number's waiting cards,
 * and the accounts others block or the limits hold back. */
#include <stdint.h>
#include <stdlib.h>
#include <sqlite3.h>

#include "component/store_int.h"
#include "sql/sqlutil.h"

int store_report_users(struct store *st, int64_t *users)
{
    sqlite3_stmt *s = store_stmt(st, OP_REPORT_USERS);
    int ret = store_step(s, SQLITE_OK);

    *users = 0;
    if (ret == 1) {
        *users = sqlite3_column_int64(s, 0);
        ret = 0;
    }
    return store_end(s, ret);
}

int store_report_inbox(struct store *st, int64_t *waiting, int64_t *oldest)
{
    sqlite3_stmt *s = store_stmt(st, OP_REPORT_INBOX);
    int ret = store_step(s, SQLITE_OK);

    *waiting = *oldest = 0;
    if (ret == 1) {
        *waiting = sqlite3_column_int64(s, 0);
        *oldest = sqlite3_column_int64(s, 1); /* NULL reads as 0 */
        ret = 0;
    }
    return store_end(s, ret);
}

void store_user_info_clear(struct store_user_info *info)
{
    free(info->jid);
    free(info->phone);
    info->jid = info->phone = NULL;
}

int store_report_user(struct store *st, const char *phone, const char *jid,
                      struct store_user_info *out)
{
    sqlite3_stmt *s =
        store_stmt(st, phone ? OP_REPORT_BY_PHONE : OP_REPORT_BY_JID);
    int ret = store_step(s, sqlutil_bind(s, 1, "t", phone ? phone : jid));

    out->jid = out->phone = NULL;
    if (ret == 0)
        ret = store_fail(st, STORE_ENOTFOUND, "no such user");
    if (ret == 1) {
        out->registered_at = sqlite3_column_int64(s, 2);
        out->proven_at = sqlite3_column_int64(s, 3);
        ret = store_column_dup(st, s, 0, &out->jid);
        if (ret == 0)
            ret = store_column_dup(st, s, 1, &out->phone);
    }
    ret = store_end(s, ret);
    if (ret < 0)
        store_user_info_clear(out);
    return ret;
}

int store_report_purge(struct store *st, const char *phone, int64_t *purged)
{
    sqlite3_stmt *s = store_stmt(st, OP_REPORT_PURGE);
    int rc = sqlutil_run(s, sqlutil_bind(s, 1, "t", phone));

    *purged = rc == SQLITE_OK ? sqlite3_changes(st->db) : 0;
    return sqlutil_code(rc);
}

int store_report_blocked(struct store *st, int limit,
                         int (*fn)(void *ud, const char *phone, int64_t users),
                         void *ud)
{
    sqlite3_stmt *s = store_stmt(st, OP_REPORT_BLOCKED);
    int ret = store_step(s, sqlutil_bind(s, 1, "i", limit));

    while (ret == 1) {
        const char *phone = (const char *)sqlite3_column_text(s, 0);

        ret = fn(ud, phone ? phone : "", sqlite3_column_int64(s, 1));
        if (ret == 0)
            ret = store_step(s, SQLITE_OK);
    }
    return store_end(s, ret);
}

int store_report_limited(
    struct store *st, const int limit_of[3], int64_t now, int limit,
    int (*fn)(void *ud, const char *jid, int kind, int64_t until), void *ud)
{
    sqlite3_stmt *s = store_stmt(st, OP_REPORT_LIMITED);
    int ret = store_step(s, sqlutil_bind(s, 1, "iiili", limit_of[0],
                                         limit_of[1], limit_of[2], now, limit));

    while (ret == 1) {
        const char *jid = (const char *)sqlite3_column_text(s, 0);

        ret = fn(ud, jid ? jid : "", sqlite3_column_int(s, 1),
                 sqlite3_column_int64(s, 2));
        if (ret == 0)
            ret = store_step(s, SQLITE_OK);
    }
    return store_end(s, ret);
}
