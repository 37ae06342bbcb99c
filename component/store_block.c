/* cardxd's store: the numbers each user refuses cards from. */
#include <stdint.h>
#include <stdlib.h>

#include "common/util.h"
#include "component/store_int.h"

int store_block_add(struct store *st, const char *jid, const char *phone,
                    int64_t now)
{
    struct db_stmt *s = store_stmt(st, OP_BLOCK_ADD);
    int rc = store_run(s, db_bind(s, 1, "ttl", jid, phone, now));
    char *own = NULL;
    int ret;

    if (rc < 0)
        return rc;
    if (db_changes(s) > 0)
        return 1;
    /* Nothing inserted: blocked already, or no such user. */
    ret = store_user_phone(st, jid, &own);
    free(own);
    return ret < 0 ? ret : 0;
}

int store_block_remove(struct store *st, const char *jid, const char *phone)
{
    struct db_stmt *s = store_stmt(st, OP_BLOCK_REMOVE);

    return store_write(st, s, db_bind(s, 1, "tt", jid, phone),
                       "that number is not blocked");
}

/* Reads the blocked numbers of jid into *out, left empty on failure. */
static int store_block_list(struct store *st, const char *jid, struct strv *out)
{
    struct db_stmt *s = store_stmt(st, OP_BLOCK_LIST);
    int ret = store_step(s, db_bind(s, 1, "t", jid));

    while (ret == 1) {
        const char *phone = db_column_text(s, 0);

        ret = phone && strv_push(out, phone) == 0
                  ? store_step(s, 0)
                  : store_fail(st, STORE_ENOMEM, "out of memory");
    }
    ret = store_end(s, ret);
    if (ret < 0)
        strv_clear(out);
    return ret;
}

/* Collects first so that fn runs with no statement active. */
int store_block_each(struct store *st, const char *jid,
                     int (*fn)(void *ud, const char *phone), void *ud)
{
    struct strv phones = {0};
    int ret = store_block_list(st, jid, &phones);

    for (size_t i = 0; ret == 0 && i < phones.n; i++)
        ret = fn(ud, phones.v[i]);
    strv_clear(&phones);
    return ret;
}

int store_block_check(struct store *st, const char *recipient_phone,
                      const char *sender_phone, int *blocked)
{
    struct db_stmt *s = store_stmt(st, OP_BLOCK_CHECK);
    int ret = store_step(s, db_bind(s, 1, "tt", recipient_phone, sender_phone));

    *blocked = 0;
    if (ret == 1) {
        *blocked = (int)db_column_int64(s, 0) > 0;
        ret = 0;
    }
    return store_end(s, ret);
}
