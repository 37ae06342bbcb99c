/* Delivery of stored cards to their recipient's online resources, and the
 * one way a card leaves the inbox. */
#ifndef CARDX_COMPONENT_FEATURES_DELIVER_H
#define CARDX_COMPONENT_FEATURES_DELIVER_H

#include "component/feature.h"

/* Why a card leaves the inbox. Each is evidence of a different strength,
 * and is logged as such. */
enum deliver_end {
    DELIVER_ACKED,   /* the recipient's client acknowledged it */
    DELIVER_HANDED,  /* handed to resources that never acknowledge */
    DELIVER_GAVE_UP, /* max_attempts deliveries, none acknowledged */
    DELIVER_EXPIRED, /* inbox_ttl passed, never acknowledged */
    /* The recipient's server refused it for good: the recipient blocked
     * the sender's proxy JID there (XEP-0191). */
    DELIVER_REFUSED,
};

/* Sends a stored card (borrowed) to every online resource of its
 * recipient and counts the attempt; delayed marks it as coming from the
 * inbox (XEP-0203). The card stays in the inbox; one past inbox_ttl is
 * retired as expired instead of sent. Returns how many resources it went
 * to. */
int deliver_card(struct service *svc, const struct store_inbox_item *item,
                 int delayed);
/* deliver_card() of a new card whose recipient has online resources, of
 * which ackers acknowledge, as the caller counted them (store_online_count())
 * in this event: one statement less per card. */
int deliver_card_counted(struct service *svc,
                         const struct store_inbox_item *item, int online,
                         int ackers);

/* Takes card_id out of recipient's inbox for the reason why; only an
 * acknowledgement sends its sender the receipt they asked for, and only
 * expiry tells the sender the card was deleted undelivered. Returns 0,
 * STORE_ENOTFOUND when no such card waits for that recipient, or another
 * negative code when the store failed (logged). */
int deliver_retire(struct service *svc, const char *recipient,
                   const char *card_id, enum deliver_end why);
/* deliver_retire() of a card waiting for the number recipient_phone,
 * registered or not (a held card expires too). */
int deliver_retire_number(struct service *svc, const char *recipient_phone,
                          const char *card_id, enum deliver_end why);

/* A card was handed at handed_at (unix ms), perhaps by another instance:
 * make sure a sweep comes by when its grace period ends. */
void deliver_handed(struct service *svc, int64_t handed_at);

/* The user's resources are known: send every card in their inbox, oldest
 * first, those delivered before but not acknowledged included. */
void deliver_flush(struct service *svc, const char *bare);
/* deliver_flush() of the cards never delivered yet: those a race between
 * two instances' transactions may have left behind. */
void deliver_flush_fresh(struct service *svc, const char *bare);

#endif
