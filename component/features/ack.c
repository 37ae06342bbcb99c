/* Acknowledgements of delivered cards: the cardx <ack/> iq and XEP-0184
 * receipts. An acknowledgement is the evidence that lets a card leave the
 * inbox. */
#include <stdlib.h>
#include <string.h>

#include "component/features/deliver.h"
#include "xep/ns.h"
#include "xep/stanza.h"

/* Retires the card, and remembers that the resource full acknowledges
 * cards whatever its disco#info said (some clients send receipts without
 * advertising them). Returns what deliver_retire() does. */
static int ack_card(struct service *svc, const char *full, const char *bare,
                    const char *id)
{
    int rc = deliver_retire(svc, bare, id, DELIVER_ACKED);
    int known;

    /* Read first: on PostgreSQL a write is three round trips (it runs
     * under a savepoint), a read one, and it is known after the first. */
    if (full && store_online_receipts(service_store(svc), full, &known) == 0 &&
        known < 1 && store_online_set_receipts(service_store(svc), full, 1) < 0)
        log_error(service_log(svc), "recording resource %s: %s", full,
                  store_errmsg(service_store(svc)));
    return rc;
}

static void ack_iq(struct service *svc, xmpp_stanza_t *iq, xmpp_stanza_t *ack)
{
    const char *id = xmpp_stanza_get_id(ack);
    char *bare = service_check_sender(svc, iq);
    struct service_fault f;
    int rc = 0;

    if (!bare)
        return;
    if (id)
        rc = ack_card(svc, xmpp_stanza_get_from(iq), bare, id);
    if (!id) {
        service_error(svc, iq, ERR_MODIFY, "bad-request",
                      "<ack/> needs the card's id");
    } else if (rc == STORE_ENOTFOUND) {
        service_error(svc, iq, ERR_CANCEL, "item-not-found",
                      "no such card waits for you");
    } else if (rc < 0) {
        /* deliver_retire() logged it: only the answer is left to give. */
        service_fault_answer(store_fault(service_store(svc)), &f);
        service_error(svc, iq, f.type, f.condition, f.text);
    } else {
        service_emit(svc, stanza_reply(service_ctx(svc), iq, "result"));
    }
    free(bare);
}

/* A XEP-0184 receipt for a card retires it. The message is passed on: the
 * same message may also carry a note that sends a card back. */
static int ack_receipt(struct service *svc, xmpp_stanza_t *msg)
{
    xmpp_stanza_t *received =
        xmpp_stanza_get_child_by_name_and_ns(msg, "received", NS_RECEIPTS);
    const char *type = xmpp_stanza_get_type(msg);
    char *bare;

    if ((type && strcmp(type, "groupchat") == 0) || !xmpp_stanza_get_to(msg) ||
        !received || !xmpp_stanza_get_id(received))
        return 0;
    bare = stanza_bare_jid(xmpp_stanza_get_from(msg));
    if (bare)
        ack_card(svc, xmpp_stanza_get_from(msg), bare,
                 xmpp_stanza_get_id(received));
    free(bare);
    return 0;
}

static const char *const ack_disco[] = {NS_RECEIPTS, NS_CARDX, NULL};

static const struct feature_iq ack_iqs[] = {
    {"set", "ack", NS_CARDX, ack_iq},
    {NULL, NULL, NULL, NULL},
};

const struct feature feature_ack = {
    .name = "acknowledgements",
    .disco = ack_disco,
    .iqs = ack_iqs,
    .message = ack_receipt,
};
