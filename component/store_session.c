/* cardxd's store: the sessions (full JIDs) online through any instance on
 * the database, and the instances' leases that let one take over the
 * sessions of another that died. */
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "component/store_int.h"

/* A new session is owned by this instance; a known one becomes its too,
 * so that it outlives a takeover of the instance that saw it first. */
int store_online_add(struct store *st, const char *full_jid,
                     const char *bare_jid)
{
    struct db_stmt *s = store_stmt(st, OP_ONLINE_ADD);
    int64_t now = clock_wall_ms();
    int rc = store_run(
        s, db_bind(s, 1, "tttl", full_jid, bare_jid, st->instance, now));

    if (rc < 0)
        return rc;
    if (db_changes(s) > 0)
        return 1;
    s = store_stmt(st, OP_ONLINE_TOUCH);
    return store_run(s, db_bind(s, 1, "ttl", full_jid, st->instance, now));
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

/* Appends text column 0 of every row of s, whose binding gave rc, to
 * *out; on failure what was appended stays for the caller to clear. */
static int store_collect(struct db_stmt *s, int rc, struct strv *out)
{
    int ret = store_step(s, rc);

    while (ret == 1) {
        const char *text = db_column_text(s, 0);

        ret =
            text && strv_push(out, text) == 0 ? store_step(s, 0) : STORE_ENOMEM;
    }
    return store_end(s, ret);
}

/* Collects first so that fn runs with no statement active. */
int store_online_each(struct store *st, const char *bare_jid,
                      int (*fn)(void *ud, const char *full_jid), void *ud)
{
    struct strv full = {0};
    struct db_stmt *s = store_stmt(st, OP_ONLINE_LIST);
    int ret = store_collect(s, db_bind(s, 1, "t", bare_jid), &full);

    for (size_t i = 0; ret == 0 && i < full.n; i++)
        ret = fn(ud, full.v[i]);
    strv_clear(&full);
    return ret;
}

int store_online_clear(struct store *st)
{
    struct db_stmt *s = store_stmt(st, OP_ONLINE_CLEAR);

    return store_run(s, db_bind(s, 1, "t", st->instance));
}

int store_instance_set(struct store *st, const char *id)
{
    char *copy = strdup(id);

    if (!copy)
        return STORE_ENOMEM;
    free(st->instance);
    st->instance = copy;
    return 0;
}

const char *store_instance(const struct store *st)
{
    return st->instance;
}

int store_instance_beat(struct store *st, int64_t now, int64_t lease_ms)
{
    struct db_stmt *s = store_stmt(st, OP_INSTANCE_BEAT);

    return store_run(s,
                     db_bind(s, 1, "tll", st->instance, now, now + lease_ms));
}

int store_instance_leave(struct store *st)
{
    struct db_stmt *s = store_stmt(st, OP_INSTANCE_LEAVE);
    int ret = store_run(s, db_bind(s, 1, "t", st->instance));

    if (ret == 0)
        ret = store_online_clear(st);
    if (ret == 0) {
        s = store_stmt(st, OP_INBOX_UNCLAIM_ALL);
        ret = store_run(s, db_bind(s, 1, "t", st->instance));
    }
    return ret;
}

/* Takes one dead instance: its sessions, its claims, its row. */
static int store_instance_take(struct store *st, const char *dead,
                               struct strv *bares, struct strv *phones)
{
    struct db_stmt *s = store_stmt(st, OP_INSTANCE_TAKE);
    int ret = store_collect(s, db_bind(s, 1, "t", dead), bares);

    if (ret == 0) {
        s = store_stmt(st, OP_INSTANCE_RELEASE);
        ret = store_collect(s, db_bind(s, 1, "t", dead), phones);
    }
    if (ret == 0) {
        s = store_stmt(st, OP_INSTANCE_LEAVE);
        ret = store_run(s, db_bind(s, 1, "t", dead));
    }
    return ret;
}

int store_instance_take_over(struct store *st, int64_t now, int limit,
                             struct strv *bares, struct strv *phones)
{
    struct strv dead = {0};
    struct db_stmt *s = store_stmt(st, OP_INSTANCE_DEAD);
    int ret =
        store_collect(s, db_bind(s, 1, "lti", now, st->instance, limit), &dead);

    for (size_t i = 0; ret == 0 && i < dead.n; i++)
        ret = store_instance_take(st, dead.v[i], bares, phones);
    if (ret == 0)
        ret = (int)dead.n;
    strv_clear(&dead);
    return ret;
}

int store_instance_live(struct store *st, int64_t now, int64_t *live)
{
    struct db_stmt *s = store_stmt(st, OP_INSTANCE_LIVE);
    int ret = store_step(s, db_bind(s, 1, "l", now));

    if (ret == 1) {
        *live = db_column_int64(s, 0);
        ret = 0;
    }
    return store_end(s, ret);
}
