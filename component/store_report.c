/* cardxd's store as the administrator sees it: counts for the statistics
 * and metrics, a user by number or JID, purging a number's waiting cards,
 * and the accounts others block or the limits hold back. */
#include <stdint.h>
#include <stdlib.h>

#include "component/store_int.h"

int store_report_users(struct store *st, int64_t *users)
{
    struct db_stmt *s = store_stmt(st, OP_REPORT_USERS);
    int ret = store_step(s, 0);

    *users = 0;
    if (ret == 1) {
        *users = db_column_int64(s, 0);
        ret = 0;
    }
    return store_end(s, ret);
}

int store_report_inbox(struct store *st, int64_t *waiting, int64_t *oldest)
{
    struct db_stmt *s = store_stmt(st, OP_REPORT_INBOX);
    int ret = store_step(s, 0);

    *waiting = *oldest = 0;
    if (ret == 1) {
        *waiting = db_column_int64(s, 0);
        *oldest = db_column_int64(s, 1); /* NULL reads as 0 */
        ret = 0;
    }
    return store_end(s, ret);
}

int store_report_size(struct store *st, int64_t *bytes)
{
    st->msg = NULL;
    return db_size(st->db, bytes);
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
    struct db_stmt *s =
        store_stmt(st, phone ? OP_REPORT_BY_PHONE : OP_REPORT_BY_JID);
    int ret = store_step(s, db_bind(s, 1, "t", phone ? phone : jid));

    out->jid = out->phone = NULL;
    if (ret == 0)
        ret = store_fail(st, STORE_ENOTFOUND, "no such user");
    if (ret == 1) {
        out->registered_at = db_column_int64(s, 2);
        out->proven_at = db_column_int64(s, 3);
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
    struct db_stmt *s = store_stmt(st, OP_REPORT_PURGE);
    int rc = store_run(s, db_bind(s, 1, "t", phone));

    *purged = rc == 0 ? db_changes(s) : 0;
    return rc;
}

int store_report_blocked(struct store *st, int limit,
                         int (*fn)(void *ud, const char *phone, int64_t users),
                         void *ud)
{
    struct db_stmt *s = store_stmt(st, OP_REPORT_BLOCKED);
    int ret = store_step(s, db_bind(s, 1, "i", limit));

    while (ret == 1) {
        const char *phone = db_column_text(s, 0);

        ret = fn(ud, phone ? phone : "", db_column_int64(s, 1));
        if (ret == 0)
            ret = store_step(s, 0);
    }
    return store_end(s, ret);
}

int store_report_limited(
    struct store *st, const int limit_of[3], int64_t now, int limit,
    int (*fn)(void *ud, const char *jid, int kind, int64_t until), void *ud)
{
    struct db_stmt *s = store_stmt(st, OP_REPORT_LIMITED);
    int ret = store_step(s, db_bind(s, 1, "iiili", limit_of[0], limit_of[1],
                                    limit_of[2], now, limit));

    while (ret == 1) {
        const char *jid = db_column_text(s, 0);

        ret = fn(ud, jid ? jid : "", (int)db_column_int64(s, 1),
                 db_column_int64(s, 2));
        if (ret == 0)
            ret = store_step(s, 0);
    }
    return store_end(s, ret);
}
