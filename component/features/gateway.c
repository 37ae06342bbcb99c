/* XEP-0100 gateway lookup (jabber:iq:gateway): turns a typed phone number
 * into its proxy JID, so that a client can add a contact by number. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component/service_int.h"
#include "xep/ns.h"
#include "common/phone.h"
#include "xep/stanza.h"

#define GATEWAY_DESC                                                           \
    "Enter the phone number of the person you want to send your business "     \
    "card to, in international form (+8613800138000). Each message to the "    \
    "address you get sends them your card."

/* Lookups go to the service's own address, as with vCards: a proxy JID
 * stands for a person, not for the gateway. Replies and returns 0 when iq
 * is not for the component. */
static int gateway_addressed(struct service *svc, xmpp_stanza_t *iq)
{
    const char *to = xmpp_stanza_get_to(iq);

    if (to && strcmp(to, svc->cfg->domain) == 0)
        return 1;
    service_error(svc, iq, ERR_CANCEL, "service-unavailable",
                  "ask the service's own address for the gateway lookup");
    return 0;
}

void gateway_get(struct service *svc, xmpp_stanza_t *iq, xmpp_stanza_t *query)
{
    xmpp_stanza_t *reply = NULL, *q;
    char *bare;

    (void)query;
    if (!gateway_addressed(svc, iq) || !(bare = service_check_sender(svc, iq)))
        return;
    reply = stanza_reply(svc->ctx, iq, "result");
    if (!reply ||
        !(q = stanza_add_child(svc->ctx, reply, "query", NS_GATEWAY)) ||
        stanza_add_text_child(svc->ctx, q, "desc", GATEWAY_DESC) < 0 ||
        stanza_add_text_child(svc->ctx, q, "prompt", "Phone number") < 0) {
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
    xmpp_stanza_t *reply = stanza_reply(svc->ctx, iq, "result"), *q;
    char *jid = NULL;

    if (asprintf(&jid, "%s@%s", e164, svc->cfg->domain) < 0)
        jid = NULL;
    if (!reply || !jid ||
        !(q = stanza_add_child(svc->ctx, reply, "query", NS_GATEWAY)) ||
        stanza_add_text_child(svc->ctx, q, "jid", jid) < 0) {
        xmpp_stanza_release(reply);
        reply = NULL;
    }
    free(jid);
    return reply;
}

void gateway_set(struct service *svc, xmpp_stanza_t *iq, xmpp_stanza_t *query)
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
    rc = phone_normalize(input, svc->cfg->default_region, &e164, &why);
    if (rc == PHONE_ENOMEM) {
        service_emit(svc, NULL);
    } else if (rc != PHONE_OK) {
        snprintf(text, sizeof(text), "invalid phone number '%s': %s", input,
                 why ? why : "not a valid number");
        service_error(svc, iq, ERR_MODIFY, "not-acceptable", text);
    } else {
        service_emit(svc, gateway_jid_reply(svc, iq, e164));
    }
out:
    free(e164);
    if (input)
        xmpp_free(svc->ctx, input);
    free(bare);
}
