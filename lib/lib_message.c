/* libcardx's cards sent by message (xep/cardx.md 4.1), the route standard
 * clients use: a XEP-0184 receipt says the recipient took the card, an
 * error message from the proxy JID that it was refused. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "lib/lib_client_int.h"
#include "xep/ns.h"
#include "xep/stanza.h"

/* <message to='NUMBER@component' type='chat' id=...> with the note as
 * body, <send/> (a send even without a note) and a receipt request. */
static xmpp_stanza_t *card_message(struct cardx_client *c, const char *number,
                                   const char *note, const char *id)
{
    xmpp_ctx_t *ctx = c->s->ctx;
    char *to = str_printf("%s@%s", number, c->component);
    xmpp_stanza_t *msg = to ? xmpp_message_new(ctx, "chat", to, id) : NULL;

    free(to);
    if (!msg)
        return NULL;
    if ((note && note[0] && xmpp_message_set_body(msg, note) != XMPP_EOK) ||
        !stanza_add_child(ctx, msg, "send", NS_CARDX) ||
        !stanza_add_child(ctx, msg, "request", NS_RECEIPTS)) {
        xmpp_stanza_release(msg);
        return NULL;
    }
    return msg;
}

int cardx_client_send_message(cardx_client *c, const char *number,
                              const char *note, uint32_t *request)
{
    struct lib_request *r;
    xmpp_stanza_t *msg;
    int rc = lib_need_online(c);

    if (rc != CARDX_OK)
        return rc;
    if (!number || !number[0] || strchr(number, '@') || strchr(number, '/'))
        return CARDX_E_INVAL;
    /* The card sent is the one cardxd holds: a changed one goes first. */
    rc = cardx_client_upload_self(c);
    if (rc != CARDX_OK)
        return rc;
    r = calloc(1, sizeof(*r));
    if (!r || !(r->number = strdup(number))) {
        free(r);
        return CARDX_E_NOMEM;
    }
    r->c = c;
    r->kind = REQ_MESSAGE;
    r->serial = ++c->next_serial;
    snprintf(r->id, sizeof(r->id), "cxm%u", r->serial);
    msg = card_message(c, number, note, r->id);
    if (!msg) {
        free(r->number);
        free(r);
        return CARDX_E_NOMEM;
    }
    xmpp_send(c->s->conn, msg);
    xmpp_stanza_release(msg);
    r->next = c->messages;
    c->messages = r;
    if (request)
        *request = r->serial;
    return CARDX_OK;
}

/* Takes the message with id out of the list; NULL when not ours. */
static struct lib_request *take_message(struct cardx_client *c, const char *id)
{
    for (struct lib_request **p = &c->messages; id && *p; p = &(*p)->next) {
        struct lib_request *r = *p;

        if (strcmp(r->id, id) == 0) {
            *p = r->next;
            return r;
        }
    }
    return NULL;
}

static void message_free(struct lib_request *r)
{
    free(r->number);
    free(r);
}

void lib_messages_drop(struct cardx_client *c)
{
    while (c->messages) {
        struct lib_request *r = c->messages;

        c->messages = r->next;
        message_free(r);
    }
}

/* A card message of ours bounced: the send was refused. */
static void on_bounce(struct cardx_client *c, xmpp_stanza_t *stanza)
{
    struct lib_request *r = take_message(c, xmpp_stanza_get_id(stanza));
    char *text = NULL;
    const char *cond;

    if (!r)
        return;
    cond = stanza_error_condition(stanza, &text);
    lib_report_sent(c, r, CARDX_SEND_REFUSED, NULL,
                    lib_error_from_condition(cond),
                    text && text[0] ? text
                    : cond          ? cond
                                    : "refused");
    if (text)
        xmpp_free(c->s->ctx, text);
    message_free(r);
}

static void on_receipt(struct cardx_client *c, xmpp_stanza_t *stanza,
                       const char *id)
{
    struct lib_request *r = take_message(c, id);
    char *number = xmpp_jid_node(c->s->ctx, xmpp_stanza_get_from(stanza));

    if (c->cb.receipt)
        c->cb.receipt(c->ud, number ? number : "", id);
    if (number)
        xmpp_free(c->s->ctx, number);
    if (r)
        message_free(r);
}

int lib_on_proxy_message(xmpp_conn_t *conn, xmpp_stanza_t *stanza, void *ud)
{
    struct cardx_client *c = ud;
    xmpp_stanza_t *received =
        xmpp_stanza_get_child_by_name_and_ns(stanza, "received", NS_RECEIPTS);
    const char *id =
        received ? xmpp_stanza_get_attribute(received, "id") : NULL;

    (void)conn;
    if (!session_from_component(c->s, xmpp_stanza_get_from(stanza)))
        return 1;
    if (stanza_is_error(stanza))
        on_bounce(c, stanza);
    else if (id)
        on_receipt(c, stanza, id);
    return 1;
}
