/* The card store's cards: reading them from rows, and visiting lists of
 * them with no statement active. */
#include <stdlib.h>
#include <time.h>

#include "client/cardstore_int.h"

void cardstore_card_free(struct cardstore_card *c)
{
    if (!c)
        return;
    free(c->card_id);
    free(c->sender_phone);
    free(c->note);
    vcard_fields_clear(&c->f);
    free(c->vcard_xml);
    free(c->extra);
    free(c);
}

/* Reads a row of INBOX_COLUMNS or CONTACT_COLUMNS into a new *out. */
static int cs_card_read(struct cardstore *cs, sqlite3_stmt *s,
                        struct cardstore_card **out)
{
    struct cardstore_card *c = calloc(1, sizeof *c);
    char *value = NULL;
    int ret;
    int i;

    if (!c)
        return cs_nomem(cs);
    c->id = sqlite3_column_int64(s, 0);
    c->received = sqlite3_column_int64(s, 4);
    c->updated = sqlite3_column_int64(s, 5);
    ret = cs_column_dup(cs, s, 1, &c->card_id);
    if (ret == 0)
        ret = cs_column_dup(cs, s, 2, &c->sender_phone);
    if (ret == 0)
        ret = cs_column_dup(cs, s, 3, &c->note);
    if (ret == 0)
        ret = cs_column_dup(cs, s, COL_XML, &c->vcard_xml);
    if (ret == 0)
        ret = cs_column_dup(cs, s, COL_EXTRA, &c->extra);
    for (i = 0; i < CS_NFIELDS && ret == 0; i++) {
        ret = cs_column_dup(cs, s, COL_FIELDS + i, &value);
        /* vcard_fields_set leaves "" unset, as the struct requires. */
        if (ret == 0 && vcard_fields_set(&c->f, cs_fields[i], value) != 0)
            ret = cs_nomem(cs);
        free(value);
        value = NULL;
    }
    if (ret < 0) {
        cardstore_card_free(c);
        return ret;
    }
    *out = c;
    return 0;
}

/* Runs op, a SELECT of one row by id, into a new *out. */
int cs_card_get(struct cardstore *cs, enum cs_op op, int64_t id,
                struct cardstore_card **out, const char *notfound)
{
    sqlite3_stmt *s = cs->stmt[op];
    int ret = cs_bind(cs, s, 1, "l", id);
    int rc;

    *out = NULL;
    if (ret == 0) {
        rc = sqlite3_step(s);
        if (rc == SQLITE_ROW)
            ret = cs_card_read(cs, s, out);
        else if (rc == SQLITE_DONE)
            ret = cs_fail(cs, CARDSTORE_ENOTFOUND, notfound);
        else
            ret = cs_db_fail(cs, rc);
    }
    ret = cs_end(cs, s, ret);
    if (ret < 0) {
        cardstore_card_free(*out);
        *out = NULL;
    }
    return ret;
}

/* Steps s (bound by the caller, ret the binding's result) and collects
 * column 0 of every row. ids->v is to free, also on failure. */
int cs_ids_collect(struct cardstore *cs, sqlite3_stmt *s, int ret,
                   struct cs_ids *ids)
{
    int rc = SQLITE_DONE;

    while (ret == 0 && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (ids->n == ids->cap) {
            size_t more = ids->cap ? 2 * ids->cap : 64;
            int64_t *v = reallocarray(ids->v, more, sizeof *v);

            if (!v) {
                ret = cs_nomem(cs);
                break;
            }
            ids->v = v;
            ids->cap = more;
        }
        ids->v[ids->n++] = sqlite3_column_int64(s, 0);
    }
    if (ret == 0 && rc != SQLITE_DONE)
        ret = cs_db_fail(cs, rc);
    return cs_end(cs, s, ret);
}

/* Visits the cards of ids in order, read one at a time with op, so that fn
 * runs with no statement active and may call the store, even delete cards
 * still to come (those are skipped). Returns 0, fn's non-zero value, or a
 * negative code. */
int cs_visit_ids(struct cardstore *cs, const struct cs_ids *ids, enum cs_op op,
                 cardstore_visit fn, void *ud)
{
    struct cardstore_card *c;
    size_t i;
    int ret = 0;

    for (i = 0; i < ids->n && ret == 0; i++) {
        ret = cs_card_get(cs, op, ids->v[i], &c, "gone");
        if (ret == CARDSTORE_ENOTFOUND) {
            ret = 0;
            continue;
        }
        if (ret == 0)
            ret = fn(ud, c);
        cardstore_card_free(c);
    }
    return ret;
}

/* Runs op (bound by the caller, ret the binding's result) for ids, then
 * visits those cards with get. */
int cs_visit_query(struct cardstore *cs, enum cs_op op, int ret, enum cs_op get,
                   cardstore_visit fn, void *ud)
{
    struct cs_ids ids = {0};

    ret = cs_ids_collect(cs, cs->stmt[op], ret, &ids);
    if (ret == 0)
        ret = cs_visit_ids(cs, &ids, get, fn, ud);
    free(ids.v);
    return ret;
}

int64_t cs_now(void)
{
    return (int64_t)time(NULL);
}
