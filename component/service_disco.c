/* Service discovery of the component JID (XEP-0030), answered by the core
 * from the feature table: what is advertised is what is routed. */
#include <stdlib.h>
#include <string.h>

#include "component/service_core.h"
#include "xep/disco.h"
#include "xep/ns.h"
#include "xep/stanza.h"

/* Addresses here are phone numbers, hence a PSTN gateway (XEP-0100). */
#define SERVICE_IDENTITY_CATEGORY "gateway"
#define SERVICE_IDENTITY_TYPE "pstn"
#define SERVICE_IDENTITY_NAME "cardx business cards"

/* The core's own namespaces, advertised first. */
static const char *const core_features[] = {NS_DISCO_INFO, NS_DISCO_ITEMS,
                                            NULL};

/* True when var was already added from an earlier list (two features may
 * share a namespace, as sending and acks share urn:cardx:0). */
static int feature_listed(const char *var, const struct feature *upto,
                          const char *const *upto_var)
{
    for (const char *const *v = core_features; *v; v++) {
        if (strcmp(*v, var) == 0)
            return 1;
    }
    for (const struct feature *const *f = service_features; *f; f++) {
        for (const char *const *v = (*f)->disco; v && *v; v++) {
            if (*f == upto && v == upto_var)
                return 0;
            if (strcmp(*v, var) == 0)
                return 1;
        }
    }
    return 0;
}

static int disco_features_add(xmpp_ctx_t *ctx, xmpp_stanza_t *q)
{
    for (const char *const *v = core_features; *v; v++) {
        if (disco_add_feature(ctx, q, *v) < 0)
            return -1;
    }
    for (const struct feature *const *f = service_features; *f; f++) {
        for (const char *const *v = (*f)->disco; v && *v; v++) {
            if (!feature_listed(*v, *f, v) && disco_add_feature(ctx, q, *v) < 0)
                return -1;
        }
    }
    return 0;
}

/* A node query goes to the feature that owns the node. */
static void node_info(struct service *svc, xmpp_stanza_t *iq, const char *node)
{
    for (const struct feature *const *f = service_features; *f; f++) {
        if ((*f)->node_info && (*f)->node_info(svc, iq, node))
            return;
    }
    service_error(svc, iq, ERR_CANCEL, "item-not-found",
                  "no such node on this service");
}

static void node_items(struct service *svc, xmpp_stanza_t *iq, const char *node)
{
    for (const struct feature *const *f = service_features; *f; f++) {
        if ((*f)->node_items && (*f)->node_items(svc, iq, node))
            return;
    }
    service_error(svc, iq, ERR_CANCEL, "item-not-found",
                  "no such node on this service");
}

static void disco_info(struct service *svc, xmpp_stanza_t *iq,
                       xmpp_stanza_t *query)
{
    xmpp_ctx_t *ctx = service_ctx(svc);
    const char *node = xmpp_stanza_get_attribute(query, "node");
    xmpp_stanza_t *reply, *q;

    if (node) {
        node_info(svc, iq, node);
        return;
    }
    reply = disco_reply_new(ctx, iq, NS_DISCO_INFO, NULL, &q);
    if (reply &&
        (disco_add_identity(ctx, q, SERVICE_IDENTITY_CATEGORY,
                            SERVICE_IDENTITY_TYPE, SERVICE_IDENTITY_NAME) < 0 ||
         disco_features_add(ctx, q) < 0)) {
        xmpp_stanza_release(reply);
        reply = NULL;
    }
    service_emit(svc, reply);
}

static void disco_items(struct service *svc, xmpp_stanza_t *iq,
                        xmpp_stanza_t *query)
{
    const char *node = xmpp_stanza_get_attribute(query, "node");
    xmpp_stanza_t *q;

    if (node)
        node_items(svc, iq, node);
    else
        service_emit(svc, disco_reply_new(service_ctx(svc), iq, NS_DISCO_ITEMS,
                                          NULL, &q));
}

feature_iq_fn service_core_route(const char *type, const char *name,
                                 const char *ns)
{
    if (strcmp(type, "get") != 0 || strcmp(name, "query") != 0)
        return NULL;
    if (strcmp(ns, NS_DISCO_INFO) == 0)
        return disco_info;
    if (strcmp(ns, NS_DISCO_ITEMS) == 0)
        return disco_items;
    return NULL;
}
