/* The card store's part in updates of saved cards (cardstore_updates.h). */
#include "client/cardstore_updates.h"

#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

#include "client/cardstore_int.h"
#include "common/util.h"

int cardstore_update_mark(struct cardstore *cs, int64_t inbox_id,
                          const char *updates, const char *changed)
{
    sqlite3_stmt *s = cs->stmt[OP_UPDATE_MARK];

    return cs_run(cs, s, cs_bind(cs, s, 1, "ltt", inbox_id, updates, changed));
}

/* Steps s (bound, ret the binding's result) to its row, or
 * CARDSTORE_ENOTFOUND with notfound. */
static int cs_row(struct cardstore *cs, sqlite3_stmt *s, int ret,
                  const char *notfound)
{
    int rc;

    if (ret < 0)
        return ret;
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        return 0;
    return rc == SQLITE_DONE ? cs_fail(cs, CARDSTORE_ENOTFOUND, notfound)
                             : cs_db_fail(cs, rc);
}

int cardstore_update_get(struct cardstore *cs, int64_t inbox_id, char **updates,
                         char **changed)
{
    sqlite3_stmt *s = cs->stmt[OP_UPDATE_GET];
    int ret = cs_row(cs, s, cs_bind(cs, s, 1, "l", inbox_id), "not an update");

    *updates = *changed = NULL;
    if (ret == 0)
        ret = cs_column_dup(cs, s, 0, updates);
    if (ret == 0)
        ret = cs_column_dup(cs, s, 1, changed);
    ret = cs_end(cs, s, ret);
    if (ret < 0) {
        free(*updates);
        free(*changed);
        *updates = *changed = NULL;
    }
    return ret;
}

int cardstore_base_set(struct cardstore *cs, int64_t contact_id,
                       const char *sender_phone, const struct vcard_fields *f)
{
    sqlite3_stmt *s = cs->stmt[OP_BASE_SET];
    int ret = cs_bind_fields(cs, s, f);

    if (ret == 0)
        ret = cs_bind(cs, s, CS_NFIELDS + 1, "tl", sender_phone, contact_id);
    return cs_run(cs, s, ret);
}

int cardstore_base_get(struct cardstore *cs, int64_t contact_id,
                       char **sender_phone, struct vcard_fields *f)
{
    sqlite3_stmt *s = cs->stmt[OP_BASE_GET];
    int ret = cs_row(cs, s, cs_bind(cs, s, 1, "l", contact_id),
                     "the contact was not saved from a card");
    struct vcard_fields got = {0};

    if (sender_phone)
        *sender_phone = NULL;
    for (int i = 0; ret == 0 && i < CS_NFIELDS; i++) {
        const char *v = (const char *)sqlite3_column_text(s, i);

        if (vcard_fields_set(&got, cs_fields[i], v) < 0)
            ret = cs_nomem(cs);
    }
    if (ret == 0 && sender_phone)
        ret = cs_column_dup(cs, s, CS_NFIELDS, sender_phone);
    ret = cs_end(cs, s, ret);
    if (ret < 0) {
        vcard_fields_clear(&got);
        if (sender_phone) {
            free(*sender_phone);
            *sender_phone = NULL;
        }
        return ret;
    }
    vcard_fields_clear(f);
    *f = got;
    return 0;
}

int cardstore_base_by_sender(struct cardstore *cs, const char *sender_phone,
                             int64_t *contact_id)
{
    sqlite3_stmt *s = cs->stmt[OP_BASE_BY_SENDER];

    return cs_get_int(cs, s, cs_bind(cs, s, 1, "t", sender_phone), contact_id,
                      "no contact follows that card");
}

int cardstore_pending_set(struct cardstore *cs, const char *sender_phone,
                          int receive)
{
    sqlite3_stmt *s = cs->stmt[OP_PENDING_SET];

    return cs_run(cs, s,
                  cs_bind(cs, s, 1, "ti", sender_phone, receive ? 1 : 0));
}

/* Collects first so that fn runs with no statement active. */
int cardstore_pending_each(struct cardstore *cs,
                           int (*fn)(void *ud, const char *sender_phone,
                                     int receive),
                           void *ud)
{
    sqlite3_stmt *s = cs->stmt[OP_PENDING_LIST];
    struct strv phones = {0}, on = {0};
    int ret = 0, rc;

    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *p = (const char *)sqlite3_column_text(s, 0);

        if (!p || strv_push(&phones, p) < 0 ||
            strv_push(&on, sqlite3_column_int(s, 1) ? "1" : "0") < 0) {
            ret = cs_nomem(cs);
            break;
        }
    }
    if (ret == 0 && rc != SQLITE_DONE)
        ret = cs_db_fail(cs, rc);
    ret = cs_end(cs, s, ret);
    for (size_t i = 0; ret == 0 && i < phones.n; i++)
        ret = fn(ud, phones.v[i], on.v[i][0] == '1');
    strv_clear(&phones);
    strv_clear(&on);
    return ret;
}

int cardstore_pending_clear(struct cardstore *cs, const char *sender_phone)
{
    sqlite3_stmt *s = cs->stmt[OP_PENDING_CLEAR];

    return cs_run(cs, s, cs_bind(cs, s, 1, "t", sender_phone));
}
