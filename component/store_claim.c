/* cardxd's store: claims on waiting cards, so that of several instances
 * sharing the database one delivers a card; the cards a race between
 * their transactions may have left undelivered; and the answers the server
 * handed to another instance than the one that asked. */
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "component/store_int.h"

int store_inbox_claim(struct store *st, const char *card_id, int64_t now,
                      int64_t hold_ms)
{
    struct db_stmt *s = store_stmt(st, OP_INBOX_CLAIM);
    int rc = store_run(
        s, db_bind(s, 1, "ttll", card_id, st->instance, now, now + hold_ms));
    char *by = NULL;
    int64_t until = 0;
    int ret;

    if (rc < 0)
        return rc;
    if (db_changes(s) > 0)
        return 1;
    /* Held by another, or gone (acknowledged meanwhile). */
    ret = store_inbox_claimant(st, card_id, &by, &until);
    free(by);
    return ret < 0 ? ret : 0;
}

static int claim_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int store_inbox_claim_all(struct store *st, const char *recipient_jid,
                          int64_t now, int64_t hold_ms, struct strv *claimed)
{
    struct db_stmt *s = store_stmt(st, OP_INBOX_CLAIM_ALL);
    int ret = store_step(s, db_bind(s, 1, "ttll", recipient_jid, st->instance,
                                    now, now + hold_ms));

    while (ret == 1) {
        const char *id = db_column_text(s, 0);

        ret = id && strv_push(claimed, id) == 0
                  ? store_step(s, 0)
                  : store_fail(st, STORE_ENOMEM, "out of memory");
    }
    ret = store_end(s, ret);
    if (ret == 0 && claimed->n > 1)
        qsort(claimed->v, claimed->n, sizeof(*claimed->v), claim_cmp);
    return ret;
}

int store_inbox_mark_claimed(struct store *st, const char *recipient_jid,
                             int64_t claim_until, int64_t handed_at,
                             int64_t *marked)
{
    struct db_stmt *s = store_stmt(st, OP_INBOX_MARK_CLAIMED);
    int rc = db_bind(s, 1, "ttl", recipient_jid, st->instance, claim_until);

    if (rc == 0)
        rc = handed_at ? db_bind(s, 4, "l", handed_at)
                       : db_bind(s, 4, "t", (const char *)NULL);
    rc = store_run(s, rc);
    if (rc == 0 && marked)
        *marked = db_changes(s);
    return rc;
}

int store_inbox_unclaim(struct store *st, const char *card_id)
{
    struct db_stmt *s = store_stmt(st, OP_INBOX_UNCLAIM);

    return store_run(s, db_bind(s, 1, "tt", card_id, st->instance));
}

int store_inbox_claimant(struct store *st, const char *card_id, char **by,
                         int64_t *until)
{
    struct db_stmt *s = store_stmt(st, OP_INBOX_CLAIMANT);
    int ret = store_step(s, db_bind(s, 1, "t", card_id));

    *by = NULL;
    *until = 0;
    if (ret == 1) {
        ret = store_column_dup(st, s, 0, by);
        *until = db_column_int64(s, 1);
    } else if (ret == 0) {
        ret = store_fail(st, STORE_ENOTFOUND, "no such card");
    }
    return store_end(s, ret);
}

/* Collects first so that fn runs with no statement active. */
int store_inbox_missed(struct store *st, int64_t since, int64_t settled,
                       int64_t now, int limit,
                       int (*fn)(void *ud, const char *bare), void *ud)
{
    struct strv bares = {0};
    struct db_stmt *s = store_stmt(st, OP_INBOX_MISSED);
    /* Cards are stamped in unix seconds, sessions in ms. */
    int ret = store_step(s, db_bind(s, 1, "llilll", since, now, limit, settled,
                                    since / 1000, settled / 1000));

    while (ret == 1) {
        const char *bare = db_column_text(s, 0);

        ret = bare && strv_push(&bares, bare) == 0 ? store_step(s, 0)
                                                   : STORE_ENOMEM;
    }
    ret = store_end(s, ret);
    for (size_t i = 0; ret == 0 && i < bares.n; i++)
        ret = fn(ud, bares.v[i]);
    strv_clear(&bares);
    return ret;
}

int store_answer_put(struct store *st, const char *id, const char *from_jid,
                     const char *xml, int64_t now)
{
    struct db_stmt *s = store_stmt(st, OP_ANSWER_PUT);

    return store_run(s, db_bind(s, 1, "tttl", id, from_jid, xml, now));
}

int store_answer_take(struct store *st, const char *id, const char *from_jid,
                      char **xml)
{
    struct db_stmt *s = store_stmt(st, OP_ANSWER_TAKE);
    int ret = store_step(s, db_bind(s, 1, "tt", id, from_jid)), found = 0;

    *xml = NULL;
    if (ret == 1) {
        ret = store_column_dup(st, s, 0, xml);
        found = ret == 0 && *xml;
    }
    ret = store_end(s, ret);
    if (ret < 0) {
        free(*xml);
        *xml = NULL;
        return ret;
    }
    return found;
}

int store_answer_prune(struct store *st, int64_t before)
{
    struct db_stmt *s = store_stmt(st, OP_ANSWER_PRUNE);

    return store_run(s, db_bind(s, 1, "l", before));
}
