/* The small courtesies of an XMPP entity: XEP-0199 ping and XEP-0092
 * software version. */
#include "buildconf.h"
#include "component/feature.h"
#include "xep/ns.h"
#include "xep/stanza.h"

static void ping(struct service *svc, xmpp_stanza_t *iq, xmpp_stanza_t *query)
{
    (void)query;
    service_emit(svc, stanza_reply(service_ctx(svc), iq, "result"));
}

static void version(struct service *svc, xmpp_stanza_t *iq,
                    xmpp_stanza_t *query)
{
    xmpp_ctx_t *ctx = service_ctx(svc);
    xmpp_stanza_t *reply = stanza_reply(ctx, iq, "result");
    xmpp_stanza_t *q;

    (void)query;
    if (!reply || !(q = stanza_add_child(ctx, reply, "query", NS_VERSION)) ||
        stanza_add_text_child(ctx, q, "name", "cardxd") < 0 ||
        stanza_add_text_child(ctx, q, "version", PACKAGE_VERSION) < 0) {
        xmpp_stanza_release(reply);
        reply = NULL;
    }
    service_emit(svc, reply);
}

static const char *const basic_disco[] = {NS_PING, NS_VERSION, NULL};

static const struct feature_iq basic_iqs[] = {
    {"get", "ping", NS_PING, ping},
    {"get", "query", NS_VERSION, version},
    {NULL, NULL, NULL, NULL},
};

const struct feature feature_basic = {
    .name = "ping and version",
    .disco = basic_disco,
    .iqs = basic_iqs,
};
