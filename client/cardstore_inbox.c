/* The card store's inbox: received cards, kept once per card id, read
 * like mail and saved to the contacts. */
#include <sqlite3.h>

#include "client/cardstore_int.h"

int cardstore_inbox_add(struct cardstore *cs, const struct cardstore_card *c,
                        int64_t *id)
{
    sqlite3_stmt *s;
    int64_t now = cs_now();
    int own;
    int ret = cs_tx_begin(cs, &own);

    if (ret == 0 && c->card_id) {
        s = cs->stmt[OP_SEEN_ADD];
        ret = cs_run(cs, s, cs_bind(cs, s, 1, "tl", c->card_id, now));
        /* Seen before: the earlier copy is in the inbox or was handled. */
        if (ret == 0 && sqlite3_changes(cs->db) == 0)
            return cs_tx_end(cs, own, 0);
    }
    if (ret == 0) {
        s = cs->stmt[OP_INBOX_INSERT];
        ret = cs_bind_fields(cs, s, &c->f);
        if (ret == 0)
            ret = cs_bind(cs, s, CS_NFIELDS + 1, "tttltt", c->card_id,
                          c->sender_phone, c->note,
                          c->received > 0 ? c->received : now, c->vcard_xml,
                          c->extra);
        ret = cs_run(cs, s, ret);
    }
    if (ret == 0 && id)
        *id = sqlite3_last_insert_rowid(cs->db);
    return cs_tx_end(cs, own, ret < 0 ? ret : 1);
}

int cardstore_inbox_list(struct cardstore *cs, cardstore_visit fn, void *ud)
{
    return cs_visit_query(cs, OP_INBOX_IDS, 0, OP_INBOX_GET, fn, ud);
}

int cardstore_inbox_count(struct cardstore *cs, int64_t *count)
{
    return cs_get_int(cs, cs->stmt[OP_INBOX_COUNT], 0, count, "no count");
}

int cardstore_inbox_get(struct cardstore *cs, int64_t id,
                        struct cardstore_card **out)
{
    return cs_card_get(cs, OP_INBOX_GET, id, out, "no such card in the inbox");
}

int cardstore_inbox_delete(struct cardstore *cs, int64_t id)
{
    sqlite3_stmt *s = cs->stmt[OP_INBOX_DELETE];

    return cs_write(cs, s, cs_bind(cs, s, 1, "l", id),
                    "no such card in the inbox");
}

/* Saves card as a contact per merge; *contact_id receives the contact. */
static int cs_save(struct cardstore *cs, const struct cardstore_card *card,
                   enum cardstore_merge merge, int64_t *contact_id)
{
    int64_t now = cs_now();
    int ret = CARDSTORE_ENOTFOUND;

    if (card->f.phone && merge != CARDSTORE_MERGE_NEW)
        ret = cs_find_phone(cs, card->f.phone, contact_id);
    if (ret == 0 && merge == CARDSTORE_MERGE_ASK)
        return cs_fail(cs, CARDSTORE_EEXISTS,
                       "a contact already has this number");
    if (ret == 0)
        return cs_merge_into(cs, *contact_id, card);
    if (ret != CARDSTORE_ENOTFOUND)
        return ret;
    return cs_contact_insert(cs, &card->f, card->vcard_xml, card->extra, now,
                             now, contact_id);
}

int cardstore_inbox_save(struct cardstore *cs, int64_t id,
                         enum cardstore_merge merge, int64_t *contact_id)
{
    struct cardstore_card *card = NULL;
    sqlite3_stmt *s = cs->stmt[OP_INBOX_DELETE];
    int64_t target = 0;
    int own;
    int ret = cs_tx_begin(cs, &own);

    if (ret < 0)
        return ret;
    ret = cs_card_get(cs, OP_INBOX_GET, id, &card, "no such card in the inbox");
    if (ret == 0)
        ret = cs_save(cs, card, merge, &target);
    if (ret == 0)
        ret = cs_write(cs, s, cs_bind(cs, s, 1, "l", id),
                       "no such card in the inbox");
    cardstore_card_free(card);
    ret = cs_tx_end(cs, own, ret);
    if ((ret == 0 || ret == CARDSTORE_EEXISTS) && contact_id)
        *contact_id = target;
    return ret;
}
