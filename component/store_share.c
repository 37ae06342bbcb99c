/* cardxd's store: shares of cards, pending updates, and profiles. */
#include "component/store_share.h"

#include <stdint.h>
#include <stdlib.h>

#include "common/util.h"
#include "component/store_int.h"

int store_share_put(struct store *st, const char *sender_jid,
                    const char *recipient_phone, const struct store_share *s,
                    int64_t now)
{
    struct db_stmt *q = store_stmt(st, OP_SHARE_PUT);
    int rc = db_bind(q, 1, "ttttttl", sender_jid, recipient_phone, s->card_id,
                     s->profile, s->fields, s->vcard, now);

    return store_run(q, rc);
}

/* The shares store_share_each() visits, collected as five parallel
 * vectors ("" for NULL, told apart by the nulls flags). */
struct share_rows {
    struct strv col[5];
    struct strv nulls; /* per row: "1" where profile is NULL */
};

static void share_rows_clear(struct share_rows *r)
{
    for (size_t i = 0; i < 5; i++)
        strv_clear(&r->col[i]);
    strv_clear(&r->nulls);
}

static int share_rows_read(struct store *st, struct db_stmt *q,
                           struct share_rows *r)
{
    for (int i = 0; i < 5; i++) {
        const char *v = db_column_text(q, i);

        if (strv_push(&r->col[i], v ? v : "") < 0)
            return store_fail(st, STORE_ENOMEM, "out of memory");
    }
    if (strv_push(&r->nulls, db_column_null(q, 2) ? "1" : "0") < 0)
        return store_fail(st, STORE_ENOMEM, "out of memory");
    return 0;
}

/* Collects first so that fn runs with no statement active. */
int store_share_each(struct store *st, const char *sender_jid,
                     int (*fn)(void *ud, const struct store_share *s), void *ud)
{
    struct db_stmt *q = store_stmt(st, OP_SHARE_LIST);
    struct share_rows r = {0};
    int ret = store_step(q, db_bind(q, 1, "t", sender_jid));

    while (ret == 1) {
        ret = share_rows_read(st, q, &r);
        if (ret == 0)
            ret = store_step(q, 0);
    }
    ret = store_end(q, ret);
    for (size_t i = 0; ret == 0 && i < r.nulls.n; i++) {
        int whole = r.nulls.v[i][0] == '1';
        struct store_share s = {
            .recipient_phone = r.col[0].v[i],
            .card_id = r.col[1].v[i],
            .profile = whole ? NULL : r.col[2].v[i],
            .fields = whole ? NULL : r.col[3].v[i],
            .vcard = r.col[4].v[i],
        };

        ret = fn(ud, &s);
    }
    share_rows_clear(&r);
    return ret;
}

int store_share_advance(struct store *st, const char *sender_jid,
                        const char *recipient_phone, const char *card_id,
                        const char *vcard)
{
    struct db_stmt *q = store_stmt(st, OP_SHARE_ADVANCE);

    return store_write(
        st, q,
        db_bind(q, 1, "tttt", sender_jid, recipient_phone, card_id, vcard),
        "no such share");
}

int store_share_set_updates(struct store *st, const char *recipient_jid,
                            const char *sender_phone, int on)
{
    struct db_stmt *q = store_stmt(st, OP_SHARE_UPDATES);

    return store_write(
        st, q, db_bind(q, 1, "tti", recipient_jid, sender_phone, on != 0),
        "no card from that number");
}

int store_update_put(struct store *st, const struct store_inbox_item *item)
{
    struct db_stmt *q = store_stmt(st, OP_UPDATE_UPSERT);
    int rc = db_bind(q, 1, "tttttltt", item->card_id, item->recipient_phone,
                     item->sender_phone, item->sender_jid, item->vcard,
                     item->created, item->updates, item->changed);

    return store_run(q, rc);
}

int store_update_pending(struct store *st, const char *recipient_phone,
                         const char *sender_jid, char **changed)
{
    struct db_stmt *q = store_stmt(st, OP_UPDATE_PENDING);
    int ret = store_step(q, db_bind(q, 1, "tt", recipient_phone, sender_jid));

    *changed = NULL;
    if (ret == 1)
        ret = store_column_dup(st, q, 0, changed);
    else if (ret == 0)
        ret = store_fail(st, STORE_ENOTFOUND, "no update waits");
    ret = store_end(q, ret);
    if (ret < 0) {
        free(*changed);
        *changed = NULL;
    }
    return ret;
}

int store_update_drop(struct store *st, const char *recipient_jid,
                      const char *sender_phone)
{
    struct db_stmt *q = store_stmt(st, OP_UPDATE_DROP);

    return store_run(q, db_bind(q, 1, "tt", recipient_jid, sender_phone));
}

int store_profile_put(struct store *st, const char *jid, const char *name,
                      const char *fields)
{
    struct db_stmt *q = store_stmt(st, OP_PROFILE_PUT);

    return store_write(st, q, db_bind(q, 1, "ttt", jid, name, fields),
                       "not registered");
}

int store_profile_get(struct store *st, const char *jid, const char *name,
                      char **fields)
{
    struct db_stmt *q = store_stmt(st, OP_PROFILE_GET);
    int ret = store_step(q, db_bind(q, 1, "tt", jid, name));

    *fields = NULL;
    if (ret == 1)
        ret = store_column_dup(st, q, 0, fields);
    else if (ret == 0)
        ret = store_fail(st, STORE_ENOTFOUND, "no such profile");
    ret = store_end(q, ret);
    if (ret < 0) {
        free(*fields);
        *fields = NULL;
    }
    return ret;
}

int store_profile_default(struct store *st, const char *jid, char **name,
                          char **fields)
{
    struct db_stmt *q = store_stmt(st, OP_PROFILE_DEFAULT);
    int ret = store_step(q, db_bind(q, 1, "t", jid));

    *name = *fields = NULL;
    if (ret == 1) {
        ret = store_column_dup(st, q, 0, name);
        if (ret == 0)
            ret = store_column_dup(st, q, 1, fields);
    } else if (ret == 0) {
        ret = store_fail(st, STORE_ENOTFOUND, "no default profile");
    }
    ret = store_end(q, ret);
    if (ret < 0) {
        free(*name);
        free(*fields);
        *name = *fields = NULL;
    }
    return ret;
}

int store_profile_set_default(struct store *st, const char *jid,
                              const char *name)
{
    struct db_stmt *q = store_stmt(st, OP_PROFILE_SET_DEFAULT);

    return store_run(q, db_bind(q, 1, "tt", jid, name));
}

int store_profile_delete(struct store *st, const char *jid, const char *name)
{
    struct db_stmt *q = store_stmt(st, OP_PROFILE_DELETE);

    return store_write(st, q, db_bind(q, 1, "tt", jid, name),
                       "no such profile");
}

/* Collects first so that fn runs with no statement active. */
int store_profile_each(struct store *st, const char *jid,
                       int (*fn)(void *ud, const char *name, const char *fields,
                                 int is_default),
                       void *ud)
{
    struct db_stmt *q = store_stmt(st, OP_PROFILE_LIST);
    struct strv names = {0}, fields = {0}, defs = {0};
    int ret = store_step(q, db_bind(q, 1, "t", jid));

    while (ret == 1) {
        const char *n = db_column_text(q, 0);
        const char *f = db_column_text(q, 1);

        ret =
            n && f && strv_push(&names, n) == 0 && strv_push(&fields, f) == 0 &&
                    strv_push(&defs, (int)db_column_int64(q, 2) ? "1" : "0") ==
                        0
                ? store_step(q, 0)
                : store_fail(st, STORE_ENOMEM, "out of memory");
    }
    ret = store_end(q, ret);
    for (size_t i = 0; ret == 0 && i < names.n; i++)
        ret = fn(ud, names.v[i], fields.v[i], defs.v[i][0] == '1');
    strv_clear(&names);
    strv_clear(&fields);
    strv_clear(&defs);
    return ret;
}
