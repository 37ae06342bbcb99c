/* cardxd's store: the inbox of cards waiting for (or in flight to) their
 * recipients. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "component/store_int.h"

int store_inbox_push(struct store *st, struct store_inbox_item *item)
{
    struct db_stmt *s = store_stmt(st, OP_INBOX_PUSH);
    int rc =
        db_bind(s, 1, "ttttttlittti", item->card_id, item->recipient_jid,
                item->sender_phone, item->sender_jid, item->vcard, item->note,
                item->created, item->attempts, item->receipt_to,
                item->receipt_id, item->recipient_phone, item->held != 0);
    int ret = store_step(s, rc);

    /* No row: neither ?11 nor the JID gave a number. */
    if (ret == 1)
        item->seq = db_column_int64(s, 0);
    else if (ret == 0)
        ret = store_fail(st, STORE_ENOTFOUND, "no such recipient");
    ret = store_end(s, ret);
    /* A number holds one card per sender (another connection stored it
     * since the caller looked), and ids are unique. */
    if (ret == STORE_EDB && db_conflict(st->db))
        return store_fail(st, STORE_ECONFLICT,
                          "the sender's card or its id is already stored");
    return ret < 0 ? ret : 0;
}

/* Frees the strings of item, not item itself. */
static void store_item_clear(struct store_inbox_item *item)
{
    free(item->card_id);
    free(item->recipient_jid);
    free(item->recipient_phone);
    free(item->sender_phone);
    free(item->sender_jid);
    free(item->vcard);
    free(item->note);
    free(item->receipt_to);
    free(item->receipt_id);
    free(item->updates);
    free(item->changed);
}

void store_inbox_item_free(struct store_inbox_item *item)
{
    if (!item)
        return;
    store_item_clear(item);
    free(item);
}

/* Fills the zeroed item from a row of INBOX_COLUMNS. The recipient's JID
 * is not a column: rows are selected by it, or by number (recipient_jid
 * NULL, and so is the item's). */
static int store_item_read(struct store *st, struct db_stmt *s,
                           const char *recipient_jid,
                           struct store_inbox_item *item)
{
    item->seq = db_column_int64(s, 0);
    item->created = db_column_int64(s, 6);
    item->attempts = (int)db_column_int64(s, 7);
    item->handed_at = db_column_int64(s, 10);
    if (recipient_jid && !(item->recipient_jid = strdup(recipient_jid)))
        return store_fail(st, STORE_ENOMEM, "out of memory");
    if (store_column_dup(st, s, 1, &item->card_id) ||
        store_column_dup(st, s, 2, &item->sender_phone) ||
        store_column_dup(st, s, 3, &item->sender_jid) ||
        store_column_dup(st, s, 4, &item->vcard) ||
        store_column_dup(st, s, 5, &item->note) ||
        store_column_dup(st, s, 8, &item->receipt_to) ||
        store_column_dup(st, s, 9, &item->receipt_id) ||
        store_column_dup(st, s, 11, &item->recipient_phone) ||
        store_column_dup(st, s, 12, &item->updates) ||
        store_column_dup(st, s, 13, &item->changed))
        return STORE_ENOMEM;
    return 0;
}

/* Reads the whole inbox of recipient_jid. *n counts the items to clear
 * (and *items is to free), also on failure. */
static int store_inbox_list(struct store *st, const char *recipient_jid,
                            struct store_inbox_item **items, size_t *n)
{
    struct db_stmt *s = store_stmt(st, OP_INBOX_LIST);
    int ret = store_step(s, db_bind(s, 1, "t", recipient_jid));
    size_t cap = 0;

    *items = NULL;
    *n = 0;
    while (ret == 1) {
        if (*n == cap) {
            size_t more = cap ? 2 * cap : 8;
            struct store_inbox_item *p =
                reallocarray(*items, more, sizeof **items);

            if (!p) {
                ret = store_fail(st, STORE_ENOMEM, "out of memory");
                break;
            }
            *items = p;
            cap = more;
        }
        memset(&(*items)[*n], 0, sizeof **items);
        ret = store_item_read(st, s, recipient_jid, &(*items)[(*n)++]);
        if (ret == 0)
            ret = store_step(s, 0);
    }
    return store_end(s, ret);
}

/* Collects first so that fn runs with no statement active and may call
 * the store (mark a card sent, take it, even list again). */
int store_inbox_each(struct store *st, const char *recipient_jid,
                     int (*fn)(void *ud, const struct store_inbox_item *item),
                     void *ud)
{
    struct store_inbox_item *items;
    size_t n;
    size_t i;
    int ret = store_inbox_list(st, recipient_jid, &items, &n);

    for (i = 0; ret == 0 && i < n; i++)
        ret = fn(ud, &items[i]);
    for (i = 0; i < n; i++)
        store_item_clear(&items[i]);
    free(items);
    return ret;
}

int store_inbox_count(struct store *st, const char *recipient_jid,
                      int64_t *count)
{
    struct db_stmt *s = store_stmt(st, OP_INBOX_COUNT);
    int ret = store_step(s, db_bind(s, 1, "t", recipient_jid));

    if (ret == 1) {
        *count = db_column_int64(s, 0);
        ret = 0;
    }
    return store_end(s, ret);
}

int store_inbox_count_number(struct store *st, const char *recipient_phone,
                             int64_t *count)
{
    struct db_stmt *s = store_stmt(st, OP_INBOX_COUNT_NUMBER);
    int ret = store_step(s, db_bind(s, 1, "t", recipient_phone));

    if (ret == 1) {
        *count = db_column_int64(s, 0);
        ret = 0;
    }
    return store_end(s, ret);
}

int store_inbox_mark_sent(struct store *st, const char *card_id,
                          int64_t handed_at)
{
    struct db_stmt *s = store_stmt(st, OP_INBOX_MARK);
    int rc = db_bind(s, 1, "t", card_id);

    if (rc == 0)
        rc = handed_at ? db_bind(s, 2, "l", handed_at)
                       : db_bind(s, 2, "t", (const char *)NULL);
    return store_write(st, s, rc, "no such card");
}

int store_inbox_requeue(struct store *st, const char *recipient_jid,
                        const char *card_id)
{
    struct db_stmt *s = store_stmt(st, OP_INBOX_REQUEUE);

    return store_write(st, s, db_bind(s, 1, "tt", card_id, recipient_jid),
                       "no such card");
}

/* Runs op, a min() over the inbox, into *at (0 when the inbox is empty). */
static int store_inbox_first(struct store *st, enum store_op op, int64_t *at)
{
    struct db_stmt *s = store_stmt(st, op);
    int ret = store_step(s, 0);

    *at = 0;
    if (ret == 1) {
        *at = db_column_int64(s, 0); /* NULL reads as 0 */
        ret = 0;
    }
    return store_end(s, ret);
}

int store_inbox_handed_first(struct store *st, int64_t *at)
{
    return store_inbox_first(st, OP_INBOX_HANDED_FIRST, at);
}

int store_inbox_created_first(struct store *st, int64_t *at)
{
    return store_inbox_first(st, OP_INBOX_CREATED_FIRST, at);
}

int store_inbox_from(struct store *st, const char *recipient_phone,
                     const char *sender_jid, char **card_id)
{
    struct db_stmt *s = store_stmt(st, OP_INBOX_SENDER);
    int ret = store_step(s, db_bind(s, 1, "tt", recipient_phone, sender_jid));

    *card_id = NULL;
    if (ret == 1)
        ret = store_column_dup(st, s, 0, card_id);
    else if (ret == 0)
        ret = store_fail(st, STORE_ENOTFOUND, "no card from that sender");
    ret = store_end(s, ret);
    if (ret < 0) {
        free(*card_id);
        *card_id = NULL;
    }
    return ret;
}

int store_inbox_replace(struct store *st, struct store_inbox_item *item,
                        const char *fresh_id)
{
    struct db_stmt *s = store_stmt(st, OP_INBOX_REPLACE);
    int rc = db_bind(s, 1, "tttttlt", item->card_id, item->recipient_phone,
                     item->sender_phone, item->vcard, item->note, item->created,
                     item->receipt_to);
    char *id = NULL;
    int ret;

    if (rc == 0)
        rc = db_bind(s, 8, "tti", item->receipt_id, fresh_id, item->held != 0);
    ret = store_step(s, rc);
    if (ret == 1)
        ret = store_column_dup(st, s, 0, &id);
    else if (ret == 0)
        ret = store_fail(st, STORE_ENOTFOUND, "no such card");
    ret = store_end(s, ret);
    if (ret == 0 && id) {
        free(item->card_id);
        item->card_id = id;
        id = NULL;
    }
    free(id);
    return ret;
}

/* Reads the (recipient, card id) pairs op selects into two parallel
 * vectors; the recipient is a JID or a number, as op says. */
static int store_inbox_pair_list(struct store *st, enum store_op op,
                                 int64_t cutoff, int limit, struct strv *whos,
                                 struct strv *ids)
{
    struct db_stmt *s = store_stmt(st, op);
    int ret = store_step(s, db_bind(s, 1, "li", cutoff, limit));

    while (ret == 1) {
        const char *who = db_column_text(s, 0);
        const char *id = db_column_text(s, 1);

        ret = who && id && strv_push(whos, who) == 0 && strv_push(ids, id) == 0
                  ? store_step(s, 0)
                  : store_fail(st, STORE_ENOMEM, "out of memory");
    }
    return store_end(s, ret);
}

/* Collects first so that fn runs with no statement active. */
static int store_inbox_pairs(
    struct store *st, enum store_op op, int64_t cutoff, int limit,
    int (*fn)(void *ud, const char *recipient, const char *card_id), void *ud)
{
    struct strv whos = {0}, ids = {0};
    int ret = store_inbox_pair_list(st, op, cutoff, limit, &whos, &ids);

    for (size_t i = 0; ret == 0 && i < ids.n && i < whos.n; i++)
        ret = fn(ud, whos.v[i], ids.v[i]);
    strv_clear(&whos);
    strv_clear(&ids);
    return ret;
}

int store_inbox_handed_before(struct store *st, int64_t cutoff, int limit,
                              int (*fn)(void *ud, const char *recipient_jid,
                                        const char *card_id),
                              void *ud)
{
    return store_inbox_pairs(st, OP_INBOX_HANDED_BEFORE, cutoff, limit, fn, ud);
}

int store_inbox_created_before(struct store *st, int64_t cutoff, int limit,
                               int (*fn)(void *ud, const char *recipient_phone,
                                         const char *card_id),
                               void *ud)
{
    return store_inbox_pairs(st, OP_INBOX_CREATED_BEFORE, cutoff, limit, fn,
                             ud);
}

/* Deletes the card and reads it into a new *item in one statement (one
 * round trip per acknowledgement on PostgreSQL). The recipient is
 * recipient_phone when not NULL, else the number of recipient_jid. Out of
 * memory reading the row leaves the card deleted: every caller retires a
 * card on evidence (an ack, a policy), so only what it tells the sender
 * and the statistics are lost then, and the error says so. */
static int store_inbox_take_for(struct store *st, const char *recipient_jid,
                                const char *recipient_phone,
                                const char *card_id,
                                struct store_inbox_item **item)
{
    struct db_stmt *s;
    int ret;

    if (!item) {
        s = store_stmt(st, OP_INBOX_DELETE);
        return store_write(
            st, s,
            db_bind(s, 1, "ttt", card_id, recipient_jid, recipient_phone),
            "no such card");
    }
    *item = NULL;
    s = store_stmt(st, OP_INBOX_TAKE);
    ret = store_step(
        s, db_bind(s, 1, "ttt", card_id, recipient_jid, recipient_phone));
    if (ret == 1) {
        *item = calloc(1, sizeof **item);
        ret = *item ? store_item_read(st, s, recipient_jid, *item)
                    : store_fail(st, STORE_ENOMEM, "out of memory");
    } else if (ret == 0) {
        ret = store_fail(st, STORE_ENOTFOUND, "no such card");
    }
    ret = store_end(s, ret);
    if (ret < 0) {
        store_inbox_item_free(*item);
        *item = NULL;
    }
    return ret;
}

int store_inbox_take(struct store *st, const char *recipient_jid,
                     const char *card_id, struct store_inbox_item **item)
{
    return store_inbox_take_for(st, recipient_jid, NULL, card_id, item);
}

int store_inbox_take_number(struct store *st, const char *recipient_phone,
                            const char *card_id, struct store_inbox_item **item)
{
    return store_inbox_take_for(st, NULL, recipient_phone, card_id, item);
}

int store_inbox_drop_sender(struct store *st, const char *recipient_jid,
                            const char *sender_phone, int64_t *dropped)
{
    struct db_stmt *s = store_stmt(st, OP_INBOX_DROP_SENDER);
    int rc = store_run(s, db_bind(s, 1, "tt", sender_phone, recipient_jid));

    if (rc < 0)
        return rc;
    if (dropped)
        *dropped = db_changes(s);
    return 0;
}
