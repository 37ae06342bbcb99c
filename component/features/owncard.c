/* Each user's own card (vcard-temp, XEP-0054), kept by the service on its
 * own JID: what a send hands out. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "card/vcard.h"
#include "component/feature.h"
#include "component/features/update.h"
#include "xep/ns.h"
#include "xep/stanza.h"

/* The registered phone of bare, or NULL after replying with the error. */
static char *require_registered(struct service *svc, xmpp_stanza_t *req,
                                const char *bare)
{
    char *phone = NULL;
    char text[256];
    int rc = store_user_phone(service_store(svc), bare, &phone);

    if (rc == STORE_ENOTFOUND) {
        snprintf(text, sizeof(text),
                 service_tr(svc, "register your phone number with %s first"),
                 service_config(svc)->domain);
        service_error(svc, req, ERR_AUTH, "registration-required", text);
    } else if (rc < 0) {
        service_store_error(svc, req, "looking up a user");
    }
    return phone;
}

/* The bare JID of a registered user whose vCard iq is addressed to the
 * component, the caller's to free; NULL after replying with the error.
 * elsewhere says why an iq to a proxy JID is refused. */
static char *vcard_requester(struct service *svc, xmpp_stanza_t *iq,
                             const char *elsewhere)
{
    char *bare, *phone;

    if (!service_to_component(svc, iq)) {
        service_error(svc, iq, ERR_CANCEL, "service-unavailable", elsewhere);
        return NULL;
    }
    bare = service_check_sender(svc, iq);
    if (!bare)
        return NULL;
    phone = require_registered(svc, iq, bare);
    if (!phone) {
        free(bare);
        return NULL;
    }
    free(phone);
    return bare;
}

static void owncard_get(struct service *svc, xmpp_stanza_t *iq,
                        xmpp_stanza_t *vcard)
{
    char *bare, *text = NULL;
    xmpp_stanza_t *reply = NULL, *card = NULL;
    int rc;

    (void)vcard;
    bare = vcard_requester(svc, iq, "cards of other users are not published");
    if (!bare)
        return;
    rc = store_card_get(service_store(svc), bare, &text);
    if (rc < 0 && rc != STORE_ENOTFOUND) {
        service_store_error(svc, iq, "reading a user's card");
        goto out;
    }
    reply = stanza_reply(service_ctx(svc), iq, "result");
    card = text ? vcard_from_text(service_ctx(svc), text) : NULL;
    if (!card && reply)
        card = stanza_add_child(service_ctx(svc), reply, "vCard", NS_VCARD);
    else if (card && reply &&
             xmpp_stanza_add_child_ex(reply, card, 0) != XMPP_EOK) {
        xmpp_stanza_release(card);
        card = NULL;
    }
    if (!card) {
        xmpp_stanza_release(reply);
        reply = NULL;
    }
    service_emit(svc, reply);
out:
    free(text);
    free(bare);
}

static void owncard_set(struct service *svc, xmpp_stanza_t *iq,
                        xmpp_stanza_t *vcard)
{
    char *bare, *text = NULL;
    const char *why = NULL;
    struct service_fault f;

    bare = vcard_requester(svc, iq,
                           "upload your card to the service's own address");
    if (!bare)
        return;
    if (vcard_check(vcard, service_config(svc)->vcard_max_bytes, &why) < 0) {
        service_error(svc, iq, ERR_MODIFY, "not-acceptable", why);
        goto out;
    }
    text = vcard_to_text(vcard);
    if (!text) {
        service_emit(svc, NULL);
        goto out;
    }
    if (service_store_refuses(svc, &f)) {
        service_error(svc, iq, f.type, f.condition, f.text);
        goto out;
    }
    if (store_card_set(service_store(svc), bare, text, (int64_t)time(NULL)) <
        0) {
        service_store_error(svc, iq, "storing a user's card");
        goto out;
    }
    log_info(service_log(svc), "stored the card of %s (%zu bytes)", bare,
             strlen(text));
    service_emit(svc, stanza_reply(service_ctx(svc), iq, "result"));
    update_card_changed(svc, bare);
out:
    free(text);
    free(bare);
}

static const char *const owncard_disco[] = {NS_VCARD, NULL};

static const struct feature_iq owncard_iqs[] = {
    {"get", "vCard", NS_VCARD, owncard_get},
    {"set", "vCard", NS_VCARD, owncard_set},
    {NULL, NULL, NULL, NULL},
};

const struct feature feature_owncard = {
    .name = "own card (XEP-0054)",
    .disco = owncard_disco,
    .iqs = owncard_iqs,
};
