/* cardx's side of cards that stay current: storing an update as it
 * arrives on the program's own session, and telling cardxd whether the
 * user takes a card's updates (xep/cardx.md, updates). The merge into a
 * saved contact is libcardx's (cardx_store_update_merge). */
#include "client/commands_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/cardstore_updates.h"
#include "lib/lib_int.h"
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
int cmd_contacts_updates(struct cardx_cmd *c, cardx_store *st, int argc,
                         char **argv)
{
    struct cardstore *cs = lib_store_cardstore(st);
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
