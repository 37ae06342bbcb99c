/* Stanzas that reach the logged-in session: card deliveries, queued for
 * the caller, and the small protocol duties of a cardx client (disco#info,
 * ping, roster pushes, approving the component's subscription). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/session_int.h"
#include "common/util.h"
#include "xep/ns.h"
#include "xep/stanza.h"

void session_card_free(struct session_card *c)
{
    if (!c)
        return;
    free(c->card_id);
    free(c->updates);
    free(c->changed);
    free(c->sender_phone);
    free(c->note);
    free(c->vcard_xml);
    vcard_fields_clear(&c->f);
    free(c);
}

struct session_card *session_take_card(struct session *s)
{
    struct session_card *c = s->head;

    if (!c)
        return NULL;
    s->head = c->next;
    if (!s->head)
        s->tail = &s->head;
    c->next = NULL;
    return c;
}

/* True when jid is the component or one of its proxy JIDs. */
int session_from_component(struct session *s, const char *jid)
{
    const char *domain;
    size_t n;

    if (!jid || !s->component)
        return 0;
    domain = strchr(jid, '@');
    domain = domain ? domain + 1 : jid;
    n = strlen(s->component);
    return strncmp(domain, s->component, n) == 0 &&
           (domain[n] == '\0' || domain[n] == '/');
}

static char *child_text(xmpp_stanza_t *parent, const char *name)
{
    xmpp_stanza_t *child = xmpp_stanza_get_child_by_name(parent, name);
    xmpp_ctx_t *ctx = xmpp_stanza_get_context(parent);
    char *text, *copy;

    if (!child)
        return NULL;
    text = xmpp_stanza_get_text(child);
    if (!text)
        return NULL;
    copy = text[0] ? strdup(text) : NULL;
    xmpp_free(ctx, text);
    return copy;
}

/* Fills c from a card delivery (xep/cardx.md section 5). Returns 0,
 * CX_EINVAL when it is not a usable card, or CX_ENOMEM. */
static int parse_card(xmpp_stanza_t *msg, xmpp_stanza_t *card,
                      struct session_card *c)
{
    xmpp_ctx_t *ctx = xmpp_stanza_get_context(msg);
    const char *id = xmpp_stanza_get_attribute(card, "id");
    const char *phone = xmpp_stanza_get_attribute(card, "phone");
    xmpp_stanza_t *vcard;
    char *node = NULL;

    if (!id)
        id = xmpp_stanza_get_id(msg);
    if (!id || !id[0])
        return CX_EINVAL;
    if (!phone) {
        node = xmpp_jid_node(ctx, xmpp_stanza_get_from(msg));
        phone = node;
    }
    c->card_id = strdup(id);
    c->sender_phone = phone ? strdup(phone) : NULL;
    if (node)
        xmpp_free(ctx, node);
    c->note = child_text(card, "note");
    if (!c->card_id || (phone && !c->sender_phone))
        return CX_ENOMEM;
    if (xmpp_stanza_get_attribute(card, "updates")) {
        const char *changed = xmpp_stanza_get_attribute(card, "changed");

        c->updates = strdup(xmpp_stanza_get_attribute(card, "updates"));
        c->changed = strdup(changed ? changed : "");
        if (!c->updates || !c->changed)
            return CX_ENOMEM;
    }
    vcard = xmpp_stanza_get_child_by_name_and_ns(msg, "vCard", NS_VCARD);
    if (vcard) {
        int rc = vcard_parse(vcard, &c->f);

        if (rc == VCARD_ENOMEM)
            return CX_ENOMEM;
        c->vcard_xml = vcard_to_text(vcard);
        if (!c->vcard_xml)
            return CX_ENOMEM;
    }
    return 0;
}

int session_on_message(xmpp_conn_t *conn, xmpp_stanza_t *stanza, void *ud)
{
    struct session *s = ud;
    const char *from = xmpp_stanza_get_from(stanza);
    xmpp_stanza_t *card;
    struct session_card *c;

    (void)conn;
    /* Only cardxd delivers cards; anyone else's <card/> is not one. */
    if (!session_from_component(s, from) || stanza_is_error(stanza))
        return 1;
    s->last_activity = clock_now_ms();
    card = xmpp_stanza_get_child_by_name_and_ns(stanza, "card", NS_CARDX);
    if (!card)
        return 1;
    c = calloc(1, sizeof(*c));
    if (!c || parse_card(stanza, card, c) != 0) {
        /* Not acknowledged, so the service sends it again next time. */
        if (s->debug)
            fprintf(stderr, "cardx: dropped an unusable card from %s\n",
                    from ? from : "?");
        session_card_free(c);
        return 1;
    }
    *s->tail = c;
    s->tail = &c->next;
    return 1;
}

/* Sends stanza from inside a handler; replies go out with the next turn. */
static void reply_and_release(struct session *s, xmpp_stanza_t *reply)
{
    if (reply) {
        xmpp_send(s->conn, reply);
        xmpp_stanza_release(reply);
    }
}

static void add_feature(xmpp_ctx_t *ctx, xmpp_stanza_t *query, const char *ns)
{
    xmpp_stanza_t *f = stanza_add_child(ctx, query, "feature", NULL);

    if (f)
        xmpp_stanza_set_attribute(f, "var", ns);
}

/* What cardxd asks each new session (xep/cardx.md section 6): receipts
 * support means we acknowledge cards. */
static xmpp_stanza_t *disco_info_reply(struct session *s, xmpp_stanza_t *iq,
                                       xmpp_stanza_t *query)
{
    xmpp_stanza_t *reply = stanza_reply(s->ctx, iq, "result");
    xmpp_stanza_t *q, *identity;
    const char *node = xmpp_stanza_get_attribute(query, "node");

    if (!reply)
        return NULL;
    q = stanza_add_child(s->ctx, reply, "query", NS_DISCO_INFO);
    if (!q)
        return reply;
    if (node)
        xmpp_stanza_set_attribute(q, "node", node);
    identity = stanza_add_child(s->ctx, q, "identity", NULL);
    if (identity) {
        xmpp_stanza_set_attribute(identity, "category", "client");
        xmpp_stanza_set_attribute(identity, "type", "phone");
        xmpp_stanza_set_attribute(identity, "name", "cardx");
    }
    add_feature(s->ctx, q, NS_DISCO_INFO);
    add_feature(s->ctx, q, NS_PING);
    add_feature(s->ctx, q, NS_RECEIPTS);
    add_feature(s->ctx, q, NS_CARDX);
    return reply;
}

/* Roster pushes are valid only from our own account (RFC 6121 2.1.6). */
static int from_own_account(struct session *s, const char *from)
{
    size_t n = strcspn(from ? from : "", "/");

    return !from || (strlen(s->jid) == n && strncmp(from, s->jid, n) == 0);
}

int session_on_iq(xmpp_conn_t *conn, xmpp_stanza_t *stanza, void *ud)
{
    struct session *s = ud;
    const char *type = xmpp_stanza_get_type(stanza);
    xmpp_stanza_t *query = xmpp_stanza_get_children(stanza);
    const char *ns;
    int get;

    (void)conn;
    if (session_from_component(s, xmpp_stanza_get_from(stanza)))
        s->last_activity = clock_now_ms();
    if (!type || (strcmp(type, "get") != 0 && strcmp(type, "set") != 0))
        return 1; /* answers are for session_iq() */
    while (query && !xmpp_stanza_is_tag(query))
        query = xmpp_stanza_get_next(query);
    ns = query ? xmpp_stanza_get_ns(query) : NULL;
    get = strcmp(type, "get") == 0;
    if (get && ns && strcmp(ns, NS_DISCO_INFO) == 0)
        reply_and_release(s, disco_info_reply(s, stanza, query));
    else if ((get && ns && strcmp(ns, NS_PING) == 0) ||
             (!get && ns && strcmp(ns, XMPP_NS_ROSTER) == 0 &&
              from_own_account(s, xmpp_stanza_get_from(stanza))))
        reply_and_release(s, stanza_reply(s->ctx, stanza, "result"));
    else
        reply_and_release(s, stanza_error_reply(s->ctx, stanza, ERR_CANCEL,
                                                "service-unavailable", NULL));
    return 1;
}

static void send_presence_type(struct session *s, const char *type,
                               const char *to)
{
    xmpp_stanza_t *p = xmpp_presence_new(s->ctx);

    if (!p)
        return;
    if (xmpp_stanza_set_type(p, type) == XMPP_EOK &&
        xmpp_stanza_set_to(p, to) == XMPP_EOK)
        xmpp_send(s->conn, p);
    xmpp_stanza_release(p);
}

/* The component asks for our presence once we registered (as XEP-0100
 * gateways do): approve it, and ask for its presence in return so the
 * roster holds both directions. */
int session_on_presence(xmpp_conn_t *conn, xmpp_stanza_t *stanza, void *ud)
{
    struct session *s = ud;
    const char *from = xmpp_stanza_get_from(stanza);
    const char *type = xmpp_stanza_get_type(stanza);

    (void)conn;
    if (!session_from_component(s, from))
        return 1;
    s->last_activity = clock_now_ms();
    if (!type || strcmp(type, "subscribe") != 0)
        return 1;
    send_presence_type(s, "subscribed", from);
    if (!s->followed && strcmp(from, s->component) == 0) {
        send_presence_type(s, "subscribe", s->component);
        s->followed = 1;
    }
    return 1;
}
