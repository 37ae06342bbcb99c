/* cardx's side of cards that stay current: storing an update as it
 * arrives, showing it in the inbox, merging it into the contact saved
 * from the earlier card (three-way, so the user's own edits survive), and
 * telling cardxd whether the user takes a card's updates (xep/cardx.md,
 * updates). */
#include "client/commands_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/cardstore_updates.h"
#include "client/merge.h"
#include "xep/ns.h"
#include "xep/stanza.h"

int cmd_store_update(struct cardstore *cs, const struct cardstore_card *card,
                     const char *updates, const char *changed, int64_t *id)
{
    int64_t got = 0;
    int rc = cardstore_begin(cs);

    if (rc < 0)
        return rc;
    rc = cardstore_inbox_add(cs, card, &got);
    if (rc == 1 && cardstore_update_mark(cs, got, updates, changed) < 0)
        rc = CARDSTORE_EDB;
    if (rc < 0) {
        cardstore_rollback(cs);
        return rc;
    }
    if (cardstore_commit(cs) < 0)
        return CARDSTORE_EDB;
    if (id)
        *id = got;
    return rc;
}

/* "email, title" from "email title": the caller frees it. */
static char *changed_text(const char *changed)
{
    struct strv words = {0};
    char *text = NULL, *more;

    if (!changed || !*changed)
        return strdup("nothing shown");
    if (strv_split(&words, changed, " ") == 0 && (text = strdup("")))
        for (size_t i = 0; text && i < words.n; i++) {
            more = str_printf("%s%s%s", text, i ? ", " : "", words.v[i]);
            free(text);
            text = more;
        }
    strv_clear(&words);
    return text;
}

void cmd_print_update(struct cardx_cmd *c, struct cardstore *cs,
                      int64_t inbox_id, int own_line)
{
    char *updates = NULL, *changed = NULL, *text;

    if (cardstore_update_get(cs, inbox_id, &updates, &changed) != 0)
        return;
    text = changed_text(changed);
    fprintf(c->out,
            own_line ? "update   changed: %s\n" : "  update (changed: %s)",
            text ? text : "?");
    free(text);
    free(updates);
    free(changed);
}

/* Asks, for each field in conflict, whether to take the sender's value;
 * out holds the user's until then. */
static void ask_conflicts(struct cardx_cmd *c, int64_t contact,
                          const struct strv *conflicts,
                          const struct vcard_fields *theirs,
                          struct vcard_fields *out)
{
    char question[512];

    for (size_t i = 0; i < conflicts->n; i++) {
        const char *f = conflicts->v[i];
        const char *m = vcard_fields_get(out, f);
        const char *t = vcard_fields_get(theirs, f);

        snprintf(question, sizeof(question),
                 "contact %lld: you changed %s to '%s', the sender to '%s'. "
                 "Take theirs?",
                 (long long)contact, f, m ? m : "", t ? t : "");
        if (cmd_ask(c, question) && vcard_fields_set(out, f, t) < 0)
            return; /* out of memory: theirs is lost, yours kept */
    }
}

/* Writes merged into contact (only the fields that differ from mine),
 * theirs as the next base, and takes the update out of the inbox, in one
 * transaction. */
static int apply_merge(struct cardstore *cs, int64_t contact, int64_t inbox_id,
                       const struct cardstore_card *update,
                       const struct vcard_fields *mine,
                       const struct vcard_fields *merged)
{
    const char *const *names = vcard_field_names();
    int rc = cardstore_begin(cs);

    for (size_t i = 0; rc == 0 && names[i]; i++) {
        const char *m = vcard_fields_get(mine, names[i]);
        const char *v = vcard_fields_get(merged, names[i]);

        if ((m || v) && !(m && v && strcmp(m, v) == 0))
            rc = cardstore_contact_set(cs, contact, names[i], v);
    }
    if (rc == 0)
        rc = cardstore_base_set(cs, contact, update->sender_phone, &update->f);
    if (rc == 0)
        rc = cardstore_inbox_delete(cs, inbox_id);
    if (rc < 0) {
        cardstore_rollback(cs);
        return rc;
    }
    return cardstore_commit(cs);
}

/* The three-way merge of inbox card id, an update, into the contact that
 * follows its sender. */
static int merge_update(struct cardx_cmd *c, struct cardstore *cs, int64_t id,
                        const struct cardstore_card *update, int64_t contact,
                        const char *changed, enum merge_side side)
{
    struct vcard_fields base = {0}, merged = {0};
    struct cardstore_card *mine = NULL;
    struct strv conflicts = {0};
    char *text = NULL;
    int status = CARDX_EXIT_OK;

    if (cardstore_base_get(cs, contact, NULL, &base) < 0 ||
        cardstore_contact_get(cs, contact, &mine) < 0) {
        status = cmd_fail(c, CARDX_EXIT_ERROR, "%s", cardstore_errmsg(cs));
        goto out;
    }
    if (merge_fields(&base, &mine->f, &update->f, side, &merged, &conflicts) <
        0) {
        status = cmd_fail(c, CARDX_EXIT_ERROR, "out of memory");
        goto out;
    }
    if (conflicts.n && side == MERGE_ASK) {
        if (!c->interactive) {
            status =
                cmd_fail(c, CARDX_EXIT_USAGE,
                         "inbox #%lld: you and the sender both changed "
                         "%s of contact %lld: add --theirs or --mine",
                         (long long)id, conflicts.v[0], (long long)contact);
            goto out;
        }
        ask_conflicts(c, contact, &conflicts, &update->f, &merged);
    }
    if (apply_merge(cs, contact, id, update, &mine->f, &merged) < 0) {
        status = cmd_fail(c, CARDX_EXIT_ERROR, "%s", cardstore_errmsg(cs));
        goto out;
    }
    text = changed_text(changed);
    fprintf(c->out,
            "merged update inbox #%lld into contact %lld (changed: %s)\n",
            (long long)id, (long long)contact, text ? text : "?");
out:
    free(text);
    strv_clear(&conflicts);
    vcard_fields_clear(&base);
    vcard_fields_clear(&merged);
    cardstore_card_free(mine);
    return status;
}

int cmd_save_update(struct cardx_cmd *c, struct cardstore *cs, int64_t id,
                    enum merge_side side, int *handled)
{
    struct cardstore_card *update = NULL;
    char *updates = NULL, *changed = NULL;
    int64_t contact = 0;
    int status = CARDX_EXIT_OK;
    int rc = cardstore_update_get(cs, id, &updates, &changed);

    *handled = 0;
    if (rc == CARDSTORE_ENOTFOUND)
        return CARDX_EXIT_OK; /* a card, not an update */
    if (rc == 0)
        rc = cardstore_inbox_get(cs, id, &update);
    if (rc == 0 && update->sender_phone)
        rc = cardstore_base_by_sender(cs, update->sender_phone, &contact);
    if (rc == 0 && contact > 0) {
        *handled = 1;
        status = merge_update(c, cs, id, update, contact, changed, side);
    } else if (rc < 0 && rc != CARDSTORE_ENOTFOUND) {
        status = cmd_fail(c, CARDX_EXIT_ERROR, "%s", cardstore_errmsg(cs));
    }
    /* No contact follows the sender: saved as any card. */
    cardstore_card_free(update);
    free(updates);
    free(changed);
    return status;
}

int cmd_saved_from(struct cardx_cmd *c, struct cardstore *cs,
                   const struct cardstore_card *card, int64_t contact)
{
    if (!card->sender_phone)
        return CARDX_EXIT_OK;
    /* Saving a card takes its updates again, even after a deletion. */
    if (cardstore_base_set(cs, contact, card->sender_phone, &card->f) < 0 ||
        cardstore_pending_set(cs, card->sender_phone, 1) < 0)
        return cmd_fail(c, CARDX_EXIT_ERROR, "%s", cardstore_errmsg(cs));
    return CARDX_EXIT_OK;
}

int cmd_contact_forget(struct cardx_cmd *c, struct cardstore *cs, int64_t id)
{
    struct vcard_fields base = {0};
    char *sender = NULL;
    int rc = cardstore_base_get(cs, id, &sender, &base);

    vcard_fields_clear(&base);
    if (rc == CARDSTORE_ENOTFOUND)
        return CARDX_EXIT_OK;
    if (rc == 0)
        rc = cardstore_pending_set(cs, sender, 0);
    free(sender);
    if (rc < 0)
        return cmd_fail(c, CARDX_EXIT_ERROR, "%s", cardstore_errmsg(cs));
    return CARDX_EXIT_OK;
}

int cmd_card_dropped(struct cardx_cmd *c, struct cardstore *cs,
                     int64_t inbox_id)
{
    struct cardstore_card *card = NULL;
    int64_t contact = 0;
    int rc = cardstore_inbox_get(cs, inbox_id, &card);

    if (rc == 0 && card->sender_phone) {
        rc = cardstore_base_by_sender(cs, card->sender_phone, &contact);
        /* A contact still follows the sender: its updates stay on. */
        if (rc == CARDSTORE_ENOTFOUND)
            rc = cardstore_pending_set(cs, card->sender_phone, 0);
    }
    cardstore_card_free(card);
    if (rc < 0 && rc != CARDSTORE_ENOTFOUND)
        return cmd_fail(c, CARDX_EXIT_ERROR, "%s", cardstore_errmsg(cs));
    return CARDX_EXIT_OK;
}

/* Tells cardxd whether the user takes updates of phone's card. */
static int tell_updates(struct cardx_cmd *c, const char *phone, int on,
                        xmpp_stanza_t **reply)
{
    xmpp_ctx_t *ctx = session_ctx(c->session);
    xmpp_stanza_t *iq = xmpp_iq_new(ctx, "set", NULL);
    xmpp_stanza_t *el =
        iq ? stanza_add_child(ctx, iq, "updates", NS_CARDX) : NULL;
    int rc;

    *reply = NULL;
    if (!el || xmpp_stanza_set_to(iq, c->component) != XMPP_EOK ||
        xmpp_stanza_set_attribute(el, "phone", phone) ||
        xmpp_stanza_set_attribute(el, "receive", on ? "on" : "off")) {
        if (iq)
            xmpp_stanza_release(iq);
        return SESSION_ENOMEM;
    }
    rc = session_iq(c->session, iq, reply);
    xmpp_stanza_release(iq);
    return rc;
}

static int flush_one(void *ud, const char *phone, int on)
{
    struct cardx_cmd *c = ud;
    xmpp_stanza_t *reply = NULL;
    int rc = tell_updates(c, phone, on, &reply);
    const char *cond = session_error_cond(c->session);
    /* item-not-found: cardxd has no such share; nothing to tell. */
    int done = rc == SESSION_OK || (rc == SESSION_EREFUSED && cond &&
                                    strcmp(cond, "item-not-found") == 0);

    if (reply)
        xmpp_stanza_release(reply);
    if (!done)
        return 0; /* kept for the next sync */
    return cardstore_pending_clear(cmd_cardstore(c), phone) < 0 ? -1 : 0;
}

int cmd_flush_updates(struct cardx_cmd *c)
{
    int status;
    struct cardstore *cs = cmd_store(c, &status);

    if (!cs)
        return status;
    if (cardstore_pending_each(cs, flush_one, c) < 0)
        return cmd_fail(c, CARDX_EXIT_ERROR, "%s", cardstore_errmsg(cs));
    return CARDX_EXIT_OK;
}

/* contacts updates ID on|off: the sender the contact follows (else the
 * contact's own number). */
int cmd_contacts_updates(struct cardx_cmd *c, struct cardstore *cs, int argc,
                         char **argv)
{
    struct cardstore_card *contact = NULL;
    struct vcard_fields base = {0};
    xmpp_stanza_t *reply = NULL;
    char *sender = NULL;
    const char *phone;
    int64_t id = argc == 2 ? cmd_parse_id(argv[0]) : -1;
    int on = argc == 2 && strcmp(argv[1], "on") == 0;
    int status = CARDX_EXIT_OK, rc;

    if (id < 0 || (!on && strcmp(argv[1], "off") != 0))
        return cmd_fail(c, CARDX_EXIT_USAGE,
                        "usage: cardx contacts updates ID on|off");
    rc = cardstore_contact_get(cs, id, &contact);
    if (rc == 0)
        rc = cardstore_base_get(cs, id, &sender, &base);
    vcard_fields_clear(&base);
    if (rc < 0 && rc != CARDSTORE_ENOTFOUND) {
        status = cmd_fail(c, CARDX_EXIT_ERROR, "%s", cardstore_errmsg(cs));
        goto out;
    }
    phone = sender ? sender : contact ? contact->f.phone : NULL;
    if (!phone) {
        status = cmd_fail(c, CARDX_EXIT_ERROR,
                          contact ? "contact %lld has no phone number"
                                  : "no contact %lld",
                          (long long)id);
        goto out;
    }
    if (!cmd_online(c, &status))
        goto out;
    rc = tell_updates(c, phone, on, &reply);
    if (rc != SESSION_OK) {
        status = cmd_fail(c, cmd_iq_status(c, rc),
                          "cannot turn updates %s for %s: %s", argv[1], phone,
                          session_errmsg(c->session));
        goto out;
    }
    /* What the user just said outranks what waited to be told. */
    if (cardstore_pending_clear(cs, phone) < 0) {
        status = cmd_fail(c, CARDX_EXIT_ERROR, "%s", cardstore_errmsg(cs));
        goto out;
    }
    fprintf(c->out, "updates of %s's card are %s\n", phone, argv[1]);
out:
    if (reply)
        xmpp_stanza_release(reply);
    free(sender);
    cardstore_card_free(contact);
    return status;
}
