/* libcardx's updates of saved cards: which contact follows a sender, the
 * three-way merge of an update into it, and the choices about updates
 * kept for cardxd (xep/cardx.md, updates). */
#include <stdlib.h>
#include <string.h>

#include "client/cardstore_updates.h"
#include "client/merge.h"
#include "common/util.h"
#include "lib/lib_int.h"

int lib_saved_from(struct cardx_store *st, const struct cardstore_card *card,
                   int64_t contact_id)
{
    int rc;

    if (!card->sender_phone)
        return CARDX_OK;
    /* Saving a card takes its updates again, even after a deletion. */
    rc = cardstore_base_set(st->cs, contact_id, card->sender_phone, &card->f);
    if (rc == CARDSTORE_OK)
        rc = cardstore_pending_set(st->cs, card->sender_phone, 1);
    return lib_store_fail(st, rc);
}

int lib_card_dropped(struct cardx_store *st, int64_t id)
{
    struct cardstore_card *card = NULL;
    int64_t contact = 0;
    int rc = cardstore_inbox_get(st->cs, id, &card);

    if (rc == CARDSTORE_OK && card->sender_phone) {
        rc = cardstore_base_by_sender(st->cs, card->sender_phone, &contact);
        /* A contact still follows the sender: its updates stay on. */
        if (rc == CARDSTORE_ENOTFOUND)
            rc = cardstore_pending_set(st->cs, card->sender_phone, 0);
    }
    cardstore_card_free(card);
    /* A card that is not there is the deletion's to report. */
    return rc == CARDSTORE_ENOTFOUND ? CARDX_OK : lib_store_fail(st, rc);
}

int lib_contact_forget(struct cardx_store *st, int64_t id)
{
    struct vcard_fields base = {0};
    char *sender = NULL;
    int rc = cardstore_base_get(st->cs, id, &sender, &base);

    vcard_fields_clear(&base);
    if (rc == CARDSTORE_OK)
        rc = cardstore_pending_set(st->cs, sender, 0);
    free(sender);
    return rc == CARDSTORE_ENOTFOUND ? CARDX_OK : lib_store_fail(st, rc);
}

int cardx_store_contact_follows(cardx_store *st, int64_t id, char **number)
{
    struct vcard_fields base = {0};
    int rc = cardstore_base_get(st->cs, id, number, &base);

    vcard_fields_clear(&base);
    if (rc == CARDSTORE_ENOTFOUND)
        return CARDX_E_NOTFOUND;
    return lib_store_fail(st, rc);
}

/* What a merge of one update needs: the update, the contact it merges
 * into, the base, and the merge itself. */
struct merge_job {
    struct cardstore_card *update, *mine;
    struct vcard_fields base, merged;
    struct strv conflicts;
    int64_t contact;
};

static void job_clear(struct merge_job *j)
{
    cardstore_card_free(j->update);
    cardstore_card_free(j->mine);
    vcard_fields_clear(&j->base);
    vcard_fields_clear(&j->merged);
    strv_clear(&j->conflicts);
}

/* Reads update id and the contact that follows its sender and merges
 * them (conflicts by side); CARDX_E_NOTFOUND when there is no such pair. */
static int job_load(cardx_store *st, int64_t id, enum merge_side side,
                    struct merge_job *j)
{
    char *updates = NULL, *changed = NULL;
    int rc = cardstore_update_get(st->cs, id, &updates, &changed);

    free(updates);
    free(changed);
    if (rc == CARDSTORE_OK)
        rc = cardstore_inbox_get(st->cs, id, &j->update);
    if (rc == CARDSTORE_OK && !j->update->sender_phone)
        rc = CARDSTORE_ENOTFOUND;
    if (rc == CARDSTORE_OK)
        rc = cardstore_base_by_sender(st->cs, j->update->sender_phone,
                                      &j->contact);
    if (rc == CARDSTORE_OK)
        rc = cardstore_base_get(st->cs, j->contact, NULL, &j->base);
    if (rc == CARDSTORE_OK)
        rc = cardstore_contact_get(st->cs, j->contact, &j->mine);
    if (rc == CARDSTORE_ENOTFOUND)
        return CARDX_E_NOTFOUND;
    if (rc != CARDSTORE_OK)
        return lib_store_fail(st, rc);
    if (merge_fields(&j->base, &j->mine->f, &j->update->f, side, &j->merged,
                     &j->conflicts) < 0)
        return CARDX_E_NOMEM;
    return CARDX_OK;
}

int cardx_store_update_target(cardx_store *st, int64_t id, int64_t *contact,
                              char ***conflicts)
{
    struct merge_job j = {0};
    int rc = job_load(st, id, MERGE_ASK, &j);

    if (conflicts)
        *conflicts = NULL;
    if (rc == CARDX_OK && contact)
        *contact = j.contact;
    if (rc == CARDX_OK && conflicts) {
        *conflicts = calloc(j.conflicts.n + 1, sizeof(**conflicts));
        for (size_t i = 0; *conflicts && i < j.conflicts.n; i++) {
            (*conflicts)[i] = strdup(j.conflicts.v[i]);
            if (!(*conflicts)[i]) {
                cardx_strv_free(*conflicts);
                *conflicts = NULL;
            }
        }
        if (!*conflicts)
            rc = CARDX_E_NOMEM;
    }
    job_clear(&j);
    return rc;
}

static int named(const char *const *names, const char *name)
{
    for (size_t i = 0; names && names[i]; i++) {
        if (strcmp(names[i], name) == 0)
            return 1;
    }
    return 0;
}

/* Writes the merge into the contact (only the fields that differ from the
 * user's), the update as the next base, and takes it out of the inbox, in
 * one transaction. */
static int job_apply(cardx_store *st, int64_t id, struct merge_job *j)
{
    const char *const *names = vcard_field_names();
    int rc = cardstore_begin(st->cs);

    for (size_t i = 0; rc == CARDSTORE_OK && names[i]; i++) {
        const char *m = vcard_fields_get(&j->mine->f, names[i]);
        const char *v = vcard_fields_get(&j->merged, names[i]);

        if ((m || v) && !(m && v && strcmp(m, v) == 0))
            rc = cardstore_contact_set(st->cs, j->contact, names[i], v);
    }
    if (rc == CARDSTORE_OK)
        rc = cardstore_base_set(st->cs, j->contact, j->update->sender_phone,
                                &j->update->f);
    if (rc == CARDSTORE_OK)
        rc = cardstore_inbox_delete(st->cs, id);
    if (rc == CARDSTORE_OK)
        rc = cardstore_commit(st->cs);
    if (rc != CARDSTORE_OK) {
        rc = lib_store_fail(st, rc);
        cardstore_rollback(st->cs);
    }
    return rc;
}

int cardx_store_update_merge(cardx_store *st, int64_t id,
                             enum cardx_conflict side,
                             const char *const *take_theirs, int64_t *contact)
{
    enum merge_side ms = side == CARDX_CONFLICT_THEIRS ? MERGE_THEIRS
                         : side == CARDX_CONFLICT_MINE ? MERGE_MINE
                                                       : MERGE_ASK;
    struct merge_job j = {0};
    int rc = job_load(st, id, ms, &j);

    if (rc == CARDX_OK && contact)
        *contact = j.contact;
    if (rc == CARDX_OK && j.conflicts.n && ms == MERGE_ASK && !take_theirs) {
        lib_format(st->errmsg, sizeof(st->errmsg),
                   "you and the sender both changed %s of contact %lld",
                   j.conflicts.v[0], (long long)j.contact);
        rc = CARDX_E_EXISTS;
    }
    for (size_t i = 0; rc == CARDX_OK && ms == MERGE_ASK && i < j.conflicts.n;
         i++) {
        const char *f = j.conflicts.v[i];

        if (named(take_theirs, f) &&
            vcard_fields_set(&j.merged, f, vcard_fields_get(&j.update->f, f)))
            rc = CARDX_E_NOMEM;
    }
    if (rc == CARDX_OK)
        rc = job_apply(st, id, &j);
    job_clear(&j);
    return rc;
}
