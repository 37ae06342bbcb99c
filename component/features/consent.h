/* Consent for strangers: who may send a user cards (anyone, their
 * contacts, or ask), asked by send.c of every card, and the ad-hoc
 * commands adhoc_commands.c lists. */
#ifndef CARDX_COMPONENT_FEATURES_CONSENT_H
#define CARDX_COMPONENT_FEATURES_CONSENT_H

#include "component/feature.h"

/* The most numbers one contacts upload may hold: an address book, not a
 * directory; a larger one is refused with not-acceptable. */
#define CONSENT_CONTACTS_MAX 20000

/* What becomes of a card, by its recipient's choice. */
enum consent_verdict {
    CONSENT_DELIVER, /* as usual */
    CONSENT_HOLD,    /* stored, but waits as a request (ask) */
    CONSENT_DROP,    /* dropped unseen, as for a block (contacts) */
};

/* The verdict for a card from sender_phone to recipient_phone (whose owner
 * may be nobody: then anyone may send). Returns it, or a negative code
 * when the store failed. */
int consent_verdict(struct service *svc, const char *recipient_phone,
                    const char *sender_phone);

/* The ad-hoc commands "consent", "requests", "accept", "decline". */
int consent_mode_form(xmpp_ctx_t *ctx, xmpp_stanza_t *x, const char *phone);
void consent_mode_run(struct service *svc, xmpp_stanza_t *iq, const char *sid,
                      xmpp_stanza_t *form, const char *bare, const char *phone);
void consent_requests_run(struct service *svc, xmpp_stanza_t *iq,
                          const char *sid, xmpp_stanza_t *form,
                          const char *bare, const char *phone);
int consent_answer_form(xmpp_ctx_t *ctx, xmpp_stanza_t *x, const char *phone);
void consent_accept_run(struct service *svc, xmpp_stanza_t *iq, const char *sid,
                        xmpp_stanza_t *form, const char *bare,
                        const char *phone);
void consent_decline_run(struct service *svc, xmpp_stanza_t *iq,
                         const char *sid, xmpp_stanza_t *form, const char *bare,
                         const char *phone);

#endif
