/* The card store's part in updates of saved cards: which inbox cards are
 * updates, the base each contact was saved from (for the three-way merge)
 * and choices about updates not yet told to cardxd. */
#ifndef CARDX_CLIENT_CARDSTORE_UPDATES_H
#define CARDX_CLIENT_CARDSTORE_UPDATES_H

#include "client/cardstore.h"

/* Inbox card inbox_id updates the card updates; changed names the fields
 * that changed (space-separated). */
int cardstore_update_mark(struct cardstore *cs, int64_t inbox_id,
                          const char *updates, const char *changed);
/* *updates and *changed (the caller's to free) of inbox card inbox_id;
 * CARDSTORE_ENOTFOUND when it is not an update. */
int cardstore_update_get(struct cardstore *cs, int64_t inbox_id, char **updates,
                         char **changed);

/* Contact contact_id now holds (or was merged with) f, the card of
 * sender_phone: the base of the next update's merge. */
int cardstore_base_set(struct cardstore *cs, int64_t contact_id,
                       const char *sender_phone, const struct vcard_fields *f);
/* The base of contact_id into *f (zeroed or holding fields) and its
 * sender into *sender_phone (the caller's to free; may be NULL);
 * CARDSTORE_ENOTFOUND when the contact was not saved from a card. */
int cardstore_base_get(struct cardstore *cs, int64_t contact_id,
                       char **sender_phone, struct vcard_fields *f);
/* The contact that follows sender_phone's card; CARDSTORE_ENOTFOUND when
 * none does. */
int cardstore_base_by_sender(struct cardstore *cs, const char *sender_phone,
                             int64_t *contact_id);

/* Remembers to tell cardxd that updates of sender_phone's card are on
 * (receive 1) or off. */
int cardstore_pending_set(struct cardstore *cs, const char *sender_phone,
                          int receive);
/* Calls fn for each choice not yet told, by number; stops when fn returns
 * non-zero and returns that value. fn may use the store. */
int cardstore_pending_each(struct cardstore *cs,
                           int (*fn)(void *ud, const char *sender_phone,
                                     int receive),
                           void *ud);
/* The choice about sender_phone was told. */
int cardstore_pending_clear(struct cardstore *cs, const char *sender_phone);

#endif
