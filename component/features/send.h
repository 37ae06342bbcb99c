/* Sending a card to a phone number, shared by its front ends: the cardx
 * iq and messages to proxy JIDs (send.c), and the ad-hoc command. */
#ifndef CARDX_COMPONENT_FEATURES_SEND_H
#define CARDX_COMPONENT_FEATURES_SEND_H

#include "component/feature.h"

/* How a send was asked for, which decides how its outcome is answered. */
enum send_via {
    SEND_VIA_MESSAGE, /* errors as message errors; receipts if requested */
    SEND_VIA_IQ,      /* urn:cardx:0 <sent/> result or an iq error */
    SEND_VIA_OTHER,   /* only through the send_done callback */
};

/* The outcome of a send: card_id and status ("delivered", "queued") on
 * success; condition and text (borrowed) on failure. req is the stanza that
 * asked (borrowed). Called once, possibly later (after a vCard fetch). */
typedef void (*send_done)(struct service *svc, xmpp_stanza_t *req,
                          const char *card_id, const char *status,
                          const char *condition, const char *text, void *ud);

/* Sends the card of req's sender to the owner of number, with an optional
 * note. With done set, the outcome is reported only through it (done_ud is
 * passed along, not freed); else as via says. */
void send_card(struct service *svc, xmpp_stanza_t *req, const char *number,
               const char *note, enum send_via via, send_done done,
               void *done_ud);

/* send_card() showing the recipient only the fields of the sender's
 * profile (NULL: their default profile, else the whole card); an unknown
 * profile fails the send with item-not-found. */
void send_card_profile(struct service *svc, xmpp_stanza_t *req,
                       const char *number, const char *note,
                       const char *profile, enum send_via via, send_done done,
                       void *done_ud);

#endif
