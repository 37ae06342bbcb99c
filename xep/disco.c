/* XEP-0030 service discovery: building disco#info and disco#items replies. */
#include "xep/disco.h"

#include "xep/stanza.h"

xmpp_stanza_t *disco_reply_new(xmpp_ctx_t *ctx, xmpp_stanza_t *iq,
                               const char *ns, const char *node,
                               xmpp_stanza_t **query)
{
    xmpp_stanza_t *reply = stanza_reply(ctx, iq, "result");

    *query = reply ? stanza_add_child(ctx, reply, "query", ns) : NULL;
    if (!*query || (node && xmpp_stanza_set_attribute(*query, "node", node))) {
        if (reply)
            xmpp_stanza_release(reply);
        *query = NULL;
        return NULL;
    }
    return reply;
}

int disco_add_identity(xmpp_ctx_t *ctx, xmpp_stanza_t *query,
                       const char *category, const char *type, const char *name)
{
    xmpp_stanza_t *id = stanza_add_child(ctx, query, "identity", NULL);

    if (!id || xmpp_stanza_set_attribute(id, "category", category) ||
        xmpp_stanza_set_attribute(id, "type", type) ||
        xmpp_stanza_set_attribute(id, "name", name))
        return -1;
    return 0;
}

int disco_add_feature(xmpp_ctx_t *ctx, xmpp_stanza_t *query, const char *var)
{
    xmpp_stanza_t *f = stanza_add_child(ctx, query, "feature", NULL);

    return f && !xmpp_stanza_set_attribute(f, "var", var) ? 0 : -1;
}

int disco_add_item(xmpp_ctx_t *ctx, xmpp_stanza_t *query, const char *jid,
                   const char *node, const char *name)
{
    xmpp_stanza_t *item = stanza_add_child(ctx, query, "item", NULL);

    if (!item || xmpp_stanza_set_attribute(item, "jid", jid) ||
        (node && xmpp_stanza_set_attribute(item, "node", node)) ||
        (name && xmpp_stanza_set_attribute(item, "name", name)))
        return -1;
    return 0;
}
