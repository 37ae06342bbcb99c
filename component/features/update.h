/* Cards that stay current: who received a card is remembered, and an edit
 * of it reaches them as an update (update.c). Shared by the send path, the
 * own-card upload and the ad-hoc commands. */
#ifndef CARDX_COMPONENT_FEATURES_UPDATE_H
#define CARDX_COMPONENT_FEATURES_UPDATE_H

#include "component/feature.h"

/* The card vcard (what the recipient got, borrowed) of sender_jid was
 * accepted for recipient_phone as card_id, through profile (NULL: the
 * whole card) showing fields. Returns 0 or the store's negative code (not
 * logged: the caller answers it with service_store_failed()). */
int update_shared(struct service *svc, const char *sender_jid,
                  const char *recipient_phone, const char *card_id,
                  const char *profile, const char *fields, const char *vcard);

/* A new send of sender_jid to recipient_phone finds card_id waiting: when
 * that is an update, it is deleted (returns 1) so that the send is stored
 * as a new card with a new id (a client that had the update would drop the
 * card as a duplicate otherwise); 0 when it is a card, to be replaced as
 * usual; or the store's negative code. */
int update_yield(struct service *svc, const char *recipient_phone,
                 const char *sender_jid, const char *card_id);

/* sender_jid stored a new card: queue an update for everyone who received
 * the card, takes updates and did not block them, and hand it to those
 * online. Failures are logged; the upload itself stands. */
void update_card_changed(struct service *svc, const char *sender_jid);

/* bare takes updates of the card of the typed number input (on 1) or not
 * (0); turning them off also drops the update waiting, if any. */
void update_choose(struct service *svc, const char *bare, const char *input,
                   int on, struct service_outcome *out);

/* The ad-hoc command "updates" (adhoc_commands.c lists it). */
int update_adhoc_form(xmpp_ctx_t *ctx, xmpp_stanza_t *x, const char *phone);
void update_adhoc_run(struct service *svc, xmpp_stanza_t *iq, const char *sid,
                      xmpp_stanza_t *form, const char *bare, const char *phone);

#endif
