/* cardxd's store: consent modes, the numbers that pass, held requests. */
#include "component/store_consent.h"

#include <stdlib.h>

#include "component/store_int.h"

/* Runs one SELECT of a single integer into *out (0 when no row). */
static int read_int(struct db_stmt *s, int rc, int *out)
{
    int ret = store_step(s, rc);

    *out = 0;
    if (ret == 1) {
        *out = (int)db_column_int64(s, 0);
        ret = 0;
    }
    return store_end(s, ret);
}

int store_consent_mode(struct store *st, const char *recipient_phone, int *mode)
{
    struct db_stmt *s = store_stmt(st, OP_CONSENT_MODE_GET);

    return read_int(s, db_bind(s, 1, "t", recipient_phone), mode);
}

int store_consent_set_mode(struct store *st, const char *jid, int mode)
{
    struct db_stmt *s = store_stmt(st, OP_CONSENT_MODE_SET);

    return store_write(st, s, db_bind(s, 1, "ti", jid, mode),
                       "no number is registered");
}

int store_consent_known(struct store *st, const char *recipient_phone,
                        const char *sender_phone, int *known)
{
    struct db_stmt *s = store_stmt(st, OP_CONSENT_KNOWN);
    int rc =
        read_int(s, db_bind(s, 1, "tt", recipient_phone, sender_phone), known);

    *known = *known > 0;
    return rc;
}

/* Adds one number of kind for jid; existing ones are kept as they are. */
static int number_add(struct store *st, const char *jid, const char *phone,
                      int kind)
{
    struct db_stmt *s = store_stmt(st, OP_CONSENT_NUMBER_ADD);
    return store_run(s, db_bind(s, 1, "tti", jid, phone, kind));
}

int store_consent_set_contacts(struct store *st, const char *jid,
                               const struct strv *phones)
{
    struct db_stmt *s = store_stmt(st, OP_CONSENT_CONTACTS_CLEAR);
    char *own = NULL;
    int rc = store_user_phone(st, jid, &own);

    free(own);
    if (rc < 0)
        return rc;
    rc = store_run(s, db_bind(s, 1, "t", jid));
    for (size_t i = 0; rc == 0 && i < phones->n; i++)
        rc = number_add(st, jid, phones->v[i], STORE_CONSENT_CONTACT);
    return rc;
}

int store_consent_trust(struct store *st, const char *jid, const char *phone)
{
    return number_add(st, jid, phone, STORE_CONSENT_TRUSTED);
}

int store_consent_set_held(struct store *st, const char *card_id, int held)
{
    struct db_stmt *s = store_stmt(st, OP_CONSENT_SET_HELD);

    return store_write(st, s, db_bind(s, 1, "ti", card_id, held),
                       "no such card");
}

/* The held cards of jid, read whole so that the visitor runs with no
 * statement active. */
struct held {
    struct strv cols; /* 4 strings a card: id, sender, vcard, note ("") */
    int64_t *created;
    size_t n;
};

static void held_clear(struct held *h)
{
    strv_clear(&h->cols);
    free(h->created);
}

static int held_read(struct store *st, const char *jid, struct held *h)
{
    struct db_stmt *s = store_stmt(st, OP_CONSENT_HELD_LIST);
    int ret = store_step(s, db_bind(s, 1, "t", jid));

    while (ret == 1) {
        int64_t *more = reallocarray(h->created, h->n + 1, sizeof(int64_t));
        if (!more) {
            ret = store_fail(st, STORE_ENOMEM, "out of memory");
            break;
        }
        h->created = more;
        h->created[h->n++] = db_column_int64(s, 4);
        for (int col = 0; col < 4 && ret == 1; col++) {
            const char *v = db_column_text(s, col);
            if (strv_push(&h->cols, v ? v : "") < 0)
                ret = store_fail(st, STORE_ENOMEM, "out of memory");
        }
        if (ret == 1)
            ret = store_step(s, 0);
    }
    return store_end(s, ret);
}

int store_consent_each(struct store *st, const char *jid,
                       int (*fn)(void *ud,
                                 const struct store_consent_request *r),
                       void *ud)
{
    struct held h = {0};
    int ret = held_read(st, jid, &h);

    for (size_t i = 0; ret == 0 && i < h.n; i++) {
        struct store_consent_request r = {
            .card_id = h.cols.v[4 * i],
            .sender_phone = h.cols.v[4 * i + 1],
            .vcard = h.cols.v[4 * i + 2],
            .note = *h.cols.v[4 * i + 3] ? h.cols.v[4 * i + 3] : NULL,
            .created = h.created[i],
        };
        ret = fn(ud, &r);
    }
    held_clear(&h);
    return ret;
}

int store_consent_release(struct store *st, const char *jid,
                          const char *card_id, char **sender_phone)
{
    struct db_stmt *s = store_stmt(st, OP_CONSENT_HELD_SENDER);
    int ret = store_step(s, db_bind(s, 1, "tt", jid, card_id));

    *sender_phone = NULL;
    if (ret == 1)
        ret = store_column_dup(st, s, 0, sender_phone);
    else if (ret == 0)
        ret = store_fail(st, STORE_ENOTFOUND, "no such request");
    ret = store_end(s, ret);
    if (ret == 0) {
        s = store_stmt(st, OP_CONSENT_RELEASE);
        ret = store_write(st, s, db_bind(s, 1, "tt", jid, card_id),
                          "no such request");
    }
    if (ret < 0) {
        free(*sender_phone);
        *sender_phone = NULL;
    }
    return ret;
}

int store_consent_decline(struct store *st, const char *jid,
                          const char *card_id)
{
    struct db_stmt *s = store_stmt(st, OP_CONSENT_DECLINE);

    return store_write(st, s, db_bind(s, 1, "tt", jid, card_id),
                       "no such request");
}

int store_consent_held_count(struct store *st, const char *jid, int64_t *count)
{
    struct db_stmt *s = store_stmt(st, OP_CONSENT_HELD_COUNT);
    int ret = store_step(s, db_bind(s, 1, "t", jid));

    *count = 0;
    if (ret == 1) {
        *count = db_column_int64(s, 0);
        ret = 0;
    }
    return store_end(s, ret);
}
