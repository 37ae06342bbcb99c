/* cardxd's store: who received whose card (shares), the pending updates
 * that follow a card's edits, and each user's profiles of their card. */
#ifndef CARDX_COMPONENT_STORE_SHARE_H
#define CARDX_COMPONENT_STORE_SHARE_H

#include <stdint.h>

#include "component/store.h"

/* A card handed to a recipient: what the store keeps to send them its
 * edits. Strings borrowed for the call that passes it. */
struct store_share {
    const char *recipient_phone; /* E.164 */
    const char *card_id;         /* the last card or update queued */
    const char *profile;         /* NULL: the whole card */
    const char *fields;          /* that profile's field names, or NULL */
    const char *vcard;           /* what they were last sent */
};

/* Records that sender_jid's card went to recipient_phone with s's card
 * id, profile, fields and vcard (s->recipient_phone is ignored). A share
 * that exists keeps the recipient's choice about updates. */
int store_share_put(struct store *st, const char *sender_jid,
                    const char *recipient_phone, const struct store_share *s,
                    int64_t now);
/* Calls fn for each share of sender_jid whose recipient takes updates, in
 * order of number; stops early when fn returns non-zero and returns that
 * value. fn may use the store. */
int store_share_each(struct store *st, const char *sender_jid,
                     int (*fn)(void *ud, const struct store_share *s),
                     void *ud);
/* The recipient was queued card_id, which holds vcard. */
int store_share_advance(struct store *st, const char *sender_jid,
                        const char *recipient_phone, const char *card_id,
                        const char *vcard);
/* recipient_jid takes updates of sender_phone's card (on 1) or not (0).
 * STORE_ENOTFOUND when that sender's card never went to them. */
int store_share_set_updates(struct store *st, const char *recipient_jid,
                            const char *sender_phone, int on);

/* Queues item (card_id, recipient_phone, sender_phone, sender_jid, vcard,
 * created, updates, changed) as the one pending update from its sender to
 * its number: it overwrites the card of that sender still waiting there,
 * keeping the id that card updates (if it is an update) and its note. */
int store_update_put(struct store *st, const struct store_inbox_item *item);
/* *changed (the caller's to free, may be NULL) receives the changed
 * fields of the update sender_jid has waiting for recipient_phone;
 * STORE_ENOTFOUND when none waits. */
int store_update_pending(struct store *st, const char *recipient_phone,
                         const char *sender_jid, char **changed);
/* Deletes the update of sender_phone's card waiting for recipient_jid, if
 * any. */
int store_update_drop(struct store *st, const char *recipient_jid,
                      const char *sender_phone);

/* Creates or replaces jid's profile name with its field names. */
int store_profile_put(struct store *st, const char *jid, const char *name,
                      const char *fields);
/* *fields (the caller's to free) receives the field names of jid's profile
 * name; STORE_ENOTFOUND when there is none. */
int store_profile_get(struct store *st, const char *jid, const char *name,
                      char **fields);
/* *name and *fields (the caller's to free) receive jid's default profile;
 * STORE_ENOTFOUND when jid has none. */
int store_profile_default(struct store *st, const char *jid, char **name,
                          char **fields);
/* Makes name jid's default profile (which must exist), or with name NULL
 * none. */
int store_profile_set_default(struct store *st, const char *jid,
                              const char *name);
/* Deletes jid's profile name; STORE_ENOTFOUND when there is none. */
int store_profile_delete(struct store *st, const char *jid, const char *name);
/* Calls fn for each profile of jid, by name; stops early when fn returns
 * non-zero and returns that value. fn may use the store. */
int store_profile_each(struct store *st, const char *jid,
                       int (*fn)(void *ud, const char *name, const char *fields,
                                 int is_default),
                       void *ud);

#endif
