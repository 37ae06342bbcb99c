/* Helpers to build replies and errors on libstrophe stanzas. */
#include "xep/stanza.h"

#include <stdlib.h>
#include <string.h>

#include "common/errors.h"
#include "xep/ns.h"

int stanza_is_error(xmpp_stanza_t *stanza)
{
    const char *type = xmpp_stanza_get_type(stanza);

    return type && strcmp(type, "error") == 0;
}

xmpp_stanza_t *stanza_reply(xmpp_ctx_t *ctx, xmpp_stanza_t *req,
                            const char *type)
{
    xmpp_stanza_t *reply = xmpp_stanza_new(ctx);
    const char *from = xmpp_stanza_get_from(req);
    const char *to = xmpp_stanza_get_to(req);
    const char *id = xmpp_stanza_get_id(req);

    if (!reply)
        return NULL;
    if (xmpp_stanza_set_name(reply, xmpp_stanza_get_name(req)) != XMPP_EOK)
        goto fail;
    if (type && xmpp_stanza_set_type(reply, type) != XMPP_EOK)
        goto fail;
    if (id && xmpp_stanza_set_id(reply, id) != XMPP_EOK)
        goto fail;
    if (from && xmpp_stanza_set_to(reply, from) != XMPP_EOK)
        goto fail;
    if (to && xmpp_stanza_set_from(reply, to) != XMPP_EOK)
        goto fail;
    return reply;
fail:
    xmpp_stanza_release(reply);
    return NULL;
}

xmpp_stanza_t *stanza_add_child(xmpp_ctx_t *ctx, xmpp_stanza_t *parent,
                                const char *name, const char *ns)
{
    xmpp_stanza_t *child = xmpp_stanza_new(ctx);

    if (!child)
        return NULL;
    if (xmpp_stanza_set_name(child, name) != XMPP_EOK ||
        (ns && xmpp_stanza_set_ns(child, ns) != XMPP_EOK) ||
        xmpp_stanza_add_child_ex(parent, child, 0) != XMPP_EOK) {
        xmpp_stanza_release(child);
        return NULL;
    }
    return child;
}

int stanza_add_text_child(xmpp_ctx_t *ctx, xmpp_stanza_t *parent,
                          const char *name, const char *text)
{
    xmpp_stanza_t *child = stanza_add_child(ctx, parent, name, NULL);
    xmpp_stanza_t *body;

    if (!child)
        return CX_ENOMEM;
    body = xmpp_stanza_new(ctx);
    if (!body)
        return CX_ENOMEM;
    if (xmpp_stanza_set_text(body, text ? text : "") != XMPP_EOK ||
        xmpp_stanza_add_child_ex(child, body, 0) != XMPP_EOK) {
        xmpp_stanza_release(body);
        return CX_ENOMEM;
    }
    return 0;
}

xmpp_stanza_t *stanza_error_reply(xmpp_ctx_t *ctx, xmpp_stanza_t *req,
                                  const char *type, const char *condition,
                                  const char *text)
{
    return stanza_error_reply_lang(ctx, req, type, condition, text, "en");
}

const char *stanza_lang(xmpp_stanza_t *stanza)
{
    const char *lang = xmpp_stanza_get_attribute(stanza, "xml:lang");

    return lang ? lang : xmpp_stanza_get_attribute(stanza, "lang");
}

xmpp_stanza_t *stanza_error_reply_lang(xmpp_ctx_t *ctx, xmpp_stanza_t *req,
                                       const char *type, const char *condition,
                                       const char *text, const char *lang)
{
    xmpp_stanza_t *reply = stanza_reply(ctx, req, "error");
    xmpp_stanza_t *error, *textel;

    if (!reply)
        return NULL;
    error = stanza_add_child(ctx, reply, "error", NULL);
    if (!error || xmpp_stanza_set_type(error, type) != XMPP_EOK)
        goto fail;
    if (!stanza_add_child(ctx, error, condition, NS_STANZAS))
        goto fail;
    if (text) {
        if (stanza_add_text_child(ctx, error, "text", text) < 0)
            goto fail;
        textel = xmpp_stanza_get_child_by_name(error, "text");
        if (xmpp_stanza_set_ns(textel, NS_STANZAS) != XMPP_EOK ||
            xmpp_stanza_set_attribute(textel, "xml:lang", lang) != XMPP_EOK ||
            xmpp_stanza_set_attribute(reply, "xml:lang", lang) != XMPP_EOK)
            goto fail;
    }
    return reply;
fail:
    xmpp_stanza_release(reply);
    return NULL;
}

const char *stanza_error_condition(xmpp_stanza_t *stanza, char **text)
{
    xmpp_stanza_t *error = xmpp_stanza_get_child_by_name(stanza, "error");
    xmpp_stanza_t *child;
    const char *condition = NULL;

    if (text)
        *text = NULL;
    if (!error)
        return NULL;
    for (child = xmpp_stanza_get_children(error); child;
         child = xmpp_stanza_get_next(child)) {
        const char *name = xmpp_stanza_get_name(child);
        const char *ns = xmpp_stanza_get_ns(child);

        if (!name || !ns || strcmp(ns, NS_STANZAS) != 0)
            continue;
        if (strcmp(name, "text") == 0) {
            if (text && !*text)
                *text = xmpp_stanza_get_text(child);
        } else if (!condition) {
            condition = name;
        }
    }
    return condition;
}

char *stanza_bare_jid(const char *jid)
{
    const char *slash;

    if (!jid)
        return NULL;
    slash = strchr(jid, '/');
    return slash ? strndup(jid, (size_t)(slash - jid)) : strdup(jid);
}
