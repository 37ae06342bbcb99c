/* cardxd's store: the counters of each account's sends, whose rules live
 * in component/limits.c. */
#include <stdint.h>

#include "component/store_int.h"

int store_window_get(struct store *st, const char *jid, int kind,
                     int64_t *started_at, int64_t *used)
{
    struct db_stmt *s = store_stmt(st, OP_WINDOW_GET);
    int ret = store_step(s, db_bind(s, 1, "ti", jid, kind));

    if (ret == 1) {
        *started_at = db_column_int64(s, 0);
        *used = db_column_int64(s, 1);
        ret = 0;
    } else if (ret == 0) {
        ret = store_fail(st, STORE_ENOTFOUND, "no such window");
    }
    return store_end(s, ret);
}

int store_window_set(struct store *st, const char *jid, int kind,
                     int64_t started_at, int64_t used)
{
    struct db_stmt *s = store_stmt(st, OP_WINDOW_SET);

    return store_write(st, s,
                       db_bind(s, 1, "till", jid, kind, started_at, used),
                       "window not written");
}

int store_lookup_get(struct store *st, const char *jid, const char *phone,
                     int64_t *window_start)
{
    struct db_stmt *s = store_stmt(st, OP_LOOKUP_GET);
    int ret = store_step(s, db_bind(s, 1, "tt", jid, phone));

    if (ret == 1) {
        *window_start = db_column_int64(s, 0);
        ret = 0;
    } else if (ret == 0) {
        ret = store_fail(st, STORE_ENOTFOUND, "number not counted");
    }
    return store_end(s, ret);
}

int store_lookup_set(struct store *st, const char *jid, const char *phone,
                     int64_t window_start)
{
    struct db_stmt *s = store_stmt(st, OP_LOOKUP_SET);

    return store_write(st, s, db_bind(s, 1, "ttl", jid, phone, window_start),
                       "lookup not written");
}

/* Runs op, a DELETE of the rows (of jid, when given) started before
 * before; that none matched is no failure. */
static int store_delete(struct store *st, enum store_op op, const char *jid,
                        int64_t before)
{
    struct db_stmt *s = store_stmt(st, op);
    int rc =
        jid ? db_bind(s, 1, "tl", jid, before) : db_bind(s, 1, "l", before);

    return store_run(s, rc);
}

int store_lookup_forget(struct store *st, const char *jid, int64_t before)
{
    return store_delete(st, OP_LOOKUP_FORGET, jid, before);
}

int store_limits_prune(struct store *st, int64_t before)
{
    int ret = store_delete(st, OP_WINDOW_PRUNE, NULL, before);

    return ret < 0 ? ret : store_delete(st, OP_LOOKUP_PRUNE, NULL, before);
}
