/* cardxd's store: registered users (phone number and JID) and the card
 * each keeps of their own. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "component/store_int.h"

/* Users read per statement run in store_user_each. */
#define STORE_USER_PAGE 64

int store_user_register(struct store *st, const char *phone, const char *jid,
                        int64_t now)
{
    struct db_stmt *s = store_stmt(st, OP_USER_SET_PHONE);
    int rc = store_run(s, db_bind(s, 1, "tt", phone, jid));

    if (rc == 0 && db_changes(s) == 0) {
        s = store_stmt(st, OP_USER_INSERT);
        rc = store_run(s, db_bind(s, 1, "ttl", phone, jid, now));
    }
    /* The JID's own row was just updated or absent: only the phone's
     * uniqueness can fail. */
    if (rc == STORE_EDB && db_conflict(st->db))
        return store_fail(st, STORE_ECONFLICT,
                          "the phone number belongs to another JID");
    return rc;
}

int store_user_phone(struct store *st, const char *jid, char **phone)
{
    return store_get_text(st, OP_USER_PHONE, jid, phone, "no such user");
}

int store_user_jid(struct store *st, const char *phone, char **jid)
{
    return store_get_text(st, OP_USER_JID, phone, jid, "no such number");
}

int store_user_lang_seen(struct store *st, const char *jid, const char *tag)
{
    struct db_stmt *s = store_stmt(st, OP_USER_LANG_SEEN);

    /* Not store_write(): an unregistered sender, or the same language
     * again, changes no row and is no failure. */
    return store_run(s, db_bind(s, 1, "tt", jid, tag));
}

int store_user_lang_choose(struct store *st, const char *jid, const char *tag)
{
    struct db_stmt *s = store_stmt(st, OP_USER_LANG_CHOOSE);

    return store_write(st, s, db_bind(s, 1, "tt", jid, tag), "no such user");
}

int store_user_lang(struct store *st, const char *jid, char **tag)
{
    return store_get_text(st, OP_USER_LANG, jid, tag, "no such user");
}

int store_user_lang_choice(struct store *st, const char *jid, char **tag)
{
    return store_get_text(st, OP_USER_LANG_CHOICE, jid, tag, "no such user");
}

int store_user_remove(struct store *st, const char *jid)
{
    struct db_stmt *s = store_stmt(st, OP_USER_REMOVE);

    return store_write(st, s, db_bind(s, 1, "t", jid), "no such user");
}

struct store_user_row {
    int64_t id;
    char *jid;
    char *phone;
};

/* Reads up to STORE_USER_PAGE users with an id above after. *n counts the
 * rows to free, also on failure. */
static int store_user_page(struct store *st, int64_t after,
                           struct store_user_row *rows, size_t *n)
{
    struct db_stmt *s = store_stmt(st, OP_USER_PAGE);
    int ret = store_step(s, db_bind(s, 1, "li", after, STORE_USER_PAGE));

    *n = 0;
    while (ret == 1 && *n < STORE_USER_PAGE) {
        struct store_user_row *row = &rows[(*n)++];

        row->id = db_column_int64(s, 0);
        ret = store_column_dup(st, s, 1, &row->jid);
        if (ret == 0)
            ret = store_column_dup(st, s, 2, &row->phone);
        if (ret == 0)
            ret = store_step(s, 0);
    }
    /* A full page stops on a row (ret 1): the next page starts after it. */
    return store_end(s, ret);
}

/* Reads a page at a time so that fn runs with no statement active and
 * may call the store itself. */
int store_user_each(struct store *st,
                    int (*fn)(void *ud, const char *jid, const char *phone),
                    void *ud)
{
    struct store_user_row rows[STORE_USER_PAGE];
    int64_t after = INT64_MIN;
    size_t n;
    size_t i;
    int ret;

    do {
        memset(rows, 0, sizeof rows);
        ret = store_user_page(st, after, rows, &n);
        for (i = 0; ret == 0 && i < n; i++)
            ret = fn(ud, rows[i].jid, rows[i].phone);
        for (i = 0; i < n; i++) {
            free(rows[i].jid);
            free(rows[i].phone);
        }
        if (n > 0)
            after = rows[n - 1].id;
    } while (ret == 0 && n == STORE_USER_PAGE);
    return ret;
}

int store_user_next_page(struct store *st, int64_t *cursor,
                         int (*fn)(void *ud, const char *jid,
                                   const char *phone),
                         void *ud)
{
    struct store_user_row rows[STORE_USER_PAGE];
    size_t n = 0, i;
    int ret;

    memset(rows, 0, sizeof rows);
    ret = store_user_page(st, *cursor, rows, &n);
    for (i = 0; ret == 0 && i < n; i++)
        fn(ud, rows[i].jid, rows[i].phone);
    for (i = 0; i < n; i++) {
        free(rows[i].jid);
        free(rows[i].phone);
    }
    if (ret < 0)
        return ret;
    if (n > 0)
        *cursor = rows[n - 1].id;
    return (int)n;
}

/* --- the user's own card --- */

int store_card_set(struct store *st, const char *jid, const char *vcard,
                   int64_t now)
{
    struct db_stmt *s = store_stmt(st, OP_CARD_SET);

    return store_write(st, s, db_bind(s, 1, "ttl", jid, vcard, now),
                       "no such user");
}

int store_card_get(struct store *st, const char *jid, char **vcard)
{
    return store_get_text(st, OP_CARD_GET, jid, vcard, "no card");
}
