/* cardxd's store: the resources online now, in a TEMP table that dies with
 * the process. */
#include <stdlib.h>

#include "common/util.h"
#include "component/store_int.h"

int store_online_add(struct store *st, const char *full_jid,
                     const char *bare_jid)
{
    struct db_stmt *s = store_stmt(st, OP_ONLINE_ADD);
    int rc = store_run(s, db_bind(s, 1, "tt", full_jid, bare_jid));

    if (rc < 0)
        return rc;
    return db_changes(s) > 0 ? 1 : 0;
}

int store_online_remove(struct store *st, const char *full_jid)
{
    struct db_stmt *s = store_stmt(st, OP_ONLINE_REMOVE);

    return store_run(s, db_bind(s, 1, "t", full_jid));
}

int store_online_set_receipts(struct store *st, const char *full_jid,
                              int receipts)
{
    struct db_stmt *s = store_stmt(st, OP_ONLINE_RECEIPTS);

    return store_write(st, s, db_bind(s, 1, "ti", full_jid, receipts != 0),
                       "no such resource");
}

int store_online_receipts(struct store *st, const char *full_jid, int *receipts)
{
    struct db_stmt *s = store_stmt(st, OP_ONLINE_GET);
    int ret = store_step(s, db_bind(s, 1, "t", full_jid));

    if (ret == 1) {
        *receipts = (int)db_column_int64(s, 0);
        ret = 0;
    } else if (ret == 0) {
        ret = store_fail(st, STORE_ENOTFOUND, "no such resource");
    }
    return store_end(s, ret);
}

int store_online_count(struct store *st, const char *bare_jid, int *online,
                       int *receipts)
{
    struct db_stmt *s = store_stmt(st, OP_ONLINE_COUNT);
    int ret = store_step(s, db_bind(s, 1, "t", bare_jid));

    if (ret == 1) {
        if (online)
            *online = (int)db_column_int64(s, 0);
        if (receipts)
            *receipts = (int)db_column_int64(s, 1);
        ret = 0;
    }
    return store_end(s, ret);
}

/* Reads the full JIDs of bare_jid into *out, left empty on failure. */
static int store_online_list(struct store *st, const char *bare_jid,
                             struct strv *out)
{
    struct db_stmt *s = store_stmt(st, OP_ONLINE_LIST);
    int ret = store_step(s, db_bind(s, 1, "t", bare_jid));

    while (ret == 1) {
        const char *full = db_column_text(s, 0);

        ret =
            full && strv_push(out, full) == 0 ? store_step(s, 0) : STORE_ENOMEM;
    }
    ret = store_end(s, ret);
    if (ret < 0)
        strv_clear(out);
    return ret;
}

/* Collects first so that fn runs with no statement active. */
int store_online_each(struct store *st, const char *bare_jid,
                      int (*fn)(void *ud, const char *full_jid), void *ud)
{
    struct strv full = {0};
    int ret = store_online_list(st, bare_jid, &full);

    for (size_t i = 0; ret == 0 && i < full.n; i++)
        ret = fn(ud, full.v[i]);
    strv_clear(&full);
    return ret;
}

int store_online_clear(struct store *st)
{
    return store_exec(st, OP_ONLINE_CLEAR);
}
