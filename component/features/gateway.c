/* XEP-0100 gateway lookup (jabber:iq:gateway): turns a typed phone number
 * into its proxy JID, so that a client can add a contact by number. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component/feature.h"
#include "xep/ns.h"
#include "common/phone.h"
#include "xep/stanza.h"

#define GATEWAY_DESC                                                           \
    N_("Enter the phone number of the person you want to send your business "  \
       "card to, in international form (+8613800138000). Each message to the " \
       "address you get sends them your card.")

/* Lookups go to the service's own address, as with vCards: a proxy JID
 * stands for a person, not for the gateway. Replies and returns 0 when iq
 * is not for the component. */
static int gateway_addressed(struct service *svc, xmpp_stanza_t *iq)
{
    if (service_to_component(svc, iq))
        return 1;
    service_error(svc, iq, ERR_CANCEL, "service-unavailable",
                  "ask the service's own address for the gateway lookup");
    return 0;
}

static void gateway_get(struct service *svc, xmpp_stanza_t *iq,
                        xmpp_stanza_t *query)
{
    xmpp_stanza_t *reply = NULL, *q;
    char *bare;

    (void)query;
    if (!gateway_addressed(svc, iq) || !(bare = service_check_sender(svc, iq)))
        return;
    reply = stanza_reply(service_ctx(svc), iq, "result");
    if (!reply ||
        !(q = stanza_add_child(service_ctx(svc), reply, "query", NS_GATEWAY)) ||
        xmpp_stanza_set_attribute(reply, "xml:lang",
                                  i18n_tag(service_lang(svc))) ||
        stanza_add_text_child(service_ctx(svc), q, "desc",
                              service_tr(svc, GATEWAY_DESC)) < 0 ||
        stanza_add_text_child(service_ctx(svc), q, "prompt",
                              service_tr(svc, "Phone number")) < 0) {
        xmpp_stanza_release(reply);
        reply = NULL;
    }
    service_emit(svc, reply);
    free(bare);
}

/* The reply that names the proxy JID of a valid number. */
static xmpp_stanza_t *gateway_jid_reply(struct service *svc, xmpp_stanza_t *iq,
                                        const char *e164)
{
    xmpp_stanza_t *reply = stanza_reply(service_ctx(svc), iq, "result"), *q;
    char *jid = service_proxy_jid(svc, e164);

    if (!reply || !jid ||
        !(q = stanza_add_child(service_ctx(svc), reply, "query", NS_GATEWAY)) ||
        stanza_add_text_child(service_ctx(svc), q, "jid", jid) < 0) {
        xmpp_stanza_release(reply);
        reply = NULL;
    }
    free(jid);
    return reply;
}

static void gateway_set(struct service *svc, xmpp_stanza_t *iq,
                        xmpp_stanza_t *query)
{
    xmpp_stanza_t *prompt = xmpp_stanza_get_child_by_name(query, "prompt");
    char *input = NULL, *e164 = NULL, *bare;
    const char *why = NULL;
    char text[256];
    int rc;

    if (!gateway_addressed(svc, iq) || !(bare = service_check_sender(svc, iq)))
        return;
    input = prompt ? xmpp_stanza_get_text(prompt) : NULL;
    if (!input || !*input) {
        service_error(svc, iq, ERR_MODIFY, "bad-request",
                      "give the phone number in <prompt/>");
        goto out;
    }
    /* Any valid number has a proxy JID, registered or not, so that clients
     * can add contacts ahead; a card sent to a number nobody registered
     * fails with item-not-found then. */
    rc = phone_normalize(input, service_config(svc)->default_region, &e164,
                         &why);
    if (rc == PHONE_ENOMEM) {
        service_emit(svc, NULL);
    } else if (rc != PHONE_OK) {
        snprintf(text, sizeof(text),
                 service_tr(svc, "invalid phone number '%s': %s"), input,
                 why ? service_tr(svc, why)
                     : service_tr(svc, "not a valid number"));
        service_error(svc, iq, ERR_MODIFY, "not-acceptable", text);
    } else {
        service_emit(svc, gateway_jid_reply(svc, iq, e164));
    }
out:
    free(e164);
    if (input)
        xmpp_free(service_ctx(svc), input);
    free(bare);
}

static const char *const gateway_disco[] = {NS_GATEWAY, NULL};

static const struct feature_iq gateway_iqs[] = {
    {"get", "query", NS_GATEWAY, gateway_get},
    {"set", "query", NS_GATEWAY, gateway_set},
    {NULL, NULL, NULL, NULL},
};

const struct feature feature_gateway = {
    .name = "gateway lookup (XEP-0100)",
    .disco = gateway_disco,
    .iqs = gateway_iqs,
};
