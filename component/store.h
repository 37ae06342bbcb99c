/* cardxd's SQLite store: users, their own cards, the inbox of waiting cards
 * and (in a TEMP table) the resources (full JIDs) currently online. */
#ifndef CARDX_COMPONENT_STORE_H
#define CARDX_COMPONENT_STORE_H

#include <stdint.h>

#include "common/errors.h"

#define STORE_OK CX_OK
#define STORE_EDB CX_EDB             /* SQLite failed; see store_errmsg() */
#define STORE_ENOTFOUND CX_ENOTFOUND /* no such row */
#define STORE_ECONFLICT CX_EEXISTS   /* the number belongs to another JID */
#define STORE_ENOMEM CX_ENOMEM

struct store;

/* A card waiting for (or in flight to) its recipient. All strings are owned
 * by the item; optional ones may be NULL. */
struct store_inbox_item {
    int64_t seq;         /* insertion order, assigned by push */
    char *card_id;       /* stable id used as the message id */
    /* Bare JID of the number's owner; NULL for a card held for a number
     * nobody has proved ([privacy] unknown_numbers = hold). */
    char *recipient_jid;
    char *recipient_phone; /* E.164: what the card waits for */
    char *sender_phone;  /* E.164 */
    char *sender_jid;    /* bare JID */
    char *vcard;         /* serialised <vCard xmlns='vcard-temp'> */
    char *note;          /* optional */
    int64_t created;     /* unix seconds */
    int attempts;        /* times sent so far */
    char *receipt_to;    /* optional: full JID that asked for a receipt */
    char *receipt_id;    /* optional: id of the sender's message */
    /* Unix ms of its first hand-off to resources none of which was known
     * to acknowledge; 0 while it waits or after it reached one that does. */
    int64_t handed_at;
};

/* Opens (creating if needed) the database at path, sets WAL, foreign keys
 * and synchronous ("normal" or "full"), and applies the migrations of
 * sql/component/ in order, tracked by PRAGMA user_version. Returns 0 with
 * *out set, or a negative code with *err set to a message the caller frees
 * with free(). */
int store_open(const char *path, const char *synchronous, struct store **out,
               char **err);

/* Finalises the statements and closes the database. Accepts NULL. */
void store_free(struct store *st);

/* The last SQLite error message (borrowed). */
const char *store_errmsg(const struct store *st);

/* Group several writes into one transaction. */
int store_begin(struct store *st);
int store_commit(struct store *st);
int store_rollback(struct store *st);

/* --- users --- */

/* Maps phone to jid. The same JID registering a new number changes its
 * number; a number held by another JID gives STORE_ECONFLICT. */
int store_user_register(struct store *st, const char *phone, const char *jid,
                        int64_t now);
/* *phone is set to a string the caller frees with free(). */
int store_user_phone(struct store *st, const char *jid, char **phone);
/* *jid is set to a string the caller frees with free(). */
int store_user_jid(struct store *st, const char *phone, char **jid);
/* Deletes the user, their card, their blocks and the cards waiting for
 * their number. (A change of number by store_user_register() takes the
 * waiting cards along to the new number.) */
int store_user_remove(struct store *st, const char *jid);
/* Calls fn for every registered user, in registration order; stops early
 * when fn returns non-zero and returns that value. */
int store_user_each(struct store *st,
                    int (*fn)(void *ud, const char *jid, const char *phone),
                    void *ud);

/* Visits the next page of users registered after *cursor (start at 0;
 * ids are positive), in registration order, and moves *cursor past them.
 * Returns how many were visited (0 when none are left) or a negative code;
 * fn's return value is ignored. Lets a caller walk a million users a page
 * at a time, between other work. */
int store_user_next_page(struct store *st, int64_t *cursor,
                         int (*fn)(void *ud, const char *jid,
                                   const char *phone),
                         void *ud);

/* --- the user's own card --- */

int store_card_set(struct store *st, const char *jid, const char *vcard,
                   int64_t now);
/* *vcard is set to a string the caller frees with free(). */
int store_card_get(struct store *st, const char *jid, char **vcard);

/* --- inbox --- */

/* Inserts the item (seq is assigned and written back). card_id must be
 * unique. It waits for item->recipient_phone, registered or not; when that
 * is NULL, for the number of item->recipient_jid (STORE_ENOTFOUND when that
 * JID has none). */
int store_inbox_push(struct store *st, struct store_inbox_item *item);
/* The calls below that take a recipient_jid find the cards waiting for
 * that user's number now; an unregistered JID has none. */

/* Calls fn for each card waiting for recipient_jid, oldest first; stops
 * early when fn returns non-zero and returns that value. The item is
 * borrowed for the call. */
int store_inbox_each(struct store *st, const char *recipient_jid,
                     int (*fn)(void *ud, const struct store_inbox_item *item),
                     void *ud);
/* Number of cards waiting for recipient_jid. */
int store_inbox_count(struct store *st, const char *recipient_jid,
                      int64_t *count);
/* Counts a delivery of the card. handed_at 0 says it reached a resource
 * that acknowledges (the card now waits for the ack alone); else it is the
 * unix ms of this hand-off to resources that may never acknowledge, kept
 * if an earlier one is recorded. */
int store_inbox_mark_sent(struct store *st, const char *card_id,
                          int64_t handed_at);
/* A delivery of card_id to recipient_jid bounced: it waits again as if it
 * had not been sent. STORE_ENOTFOUND when no such card waits for them. */
int store_inbox_requeue(struct store *st, const char *recipient_jid,
                        const char *card_id);
/* *at receives the oldest handed_at of all cards, 0 when none. */
int store_inbox_handed_first(struct store *st, int64_t *at);
/* Calls fn with the recipient's bare JID and the id of up to limit cards
 * handed at or before cutoff (unix ms), oldest first; fn may use the store.
 * Stops early when fn returns non-zero and returns that value. */
int store_inbox_handed_before(struct store *st, int64_t cutoff, int limit,
                              int (*fn)(void *ud, const char *recipient_jid,
                                        const char *card_id),
                              void *ud);
/* Deletes the card card_id if it waits for recipient_jid and returns it in
 * *item (the caller frees it with store_inbox_item_free()); item may be NULL
 * to just delete. STORE_ENOTFOUND when there is no such card for that
 * recipient. */
int store_inbox_take(struct store *st, const char *recipient_jid,
                     const char *card_id, struct store_inbox_item **item);
/* Frees an item returned by the store. Accepts NULL. */
void store_inbox_item_free(struct store_inbox_item *item);

/* Deletes the cards waiting for recipient_jid that sender_phone sent, and
 * sets *dropped (may be NULL) to how many. */
int store_inbox_drop_sender(struct store *st, const char *recipient_jid,
                            const char *sender_phone, int64_t *dropped);

/* --- numbers a user blocked --- */

/* jid refuses cards from phone (E.164) from now on. Returns 1 when the
 * block is new, 0 when it was there, STORE_ENOTFOUND when jid has no
 * number registered, or another negative code. */
int store_block_add(struct store *st, const char *jid, const char *phone,
                    int64_t now);
/* Lifts the block; STORE_ENOTFOUND when jid had not blocked phone. */
int store_block_remove(struct store *st, const char *jid, const char *phone);
/* Calls fn for each number jid blocked, in order; stops early when fn
 * returns non-zero and returns that value. fn may use the store. */
int store_block_each(struct store *st, const char *jid,
                     int (*fn)(void *ud, const char *phone), void *ud);
/* *blocked receives 1 when the owner of recipient_phone blocked
 * sender_phone, else 0 (also when nobody owns recipient_phone). */
int store_block_check(struct store *st, const char *recipient_phone,
                      const char *sender_phone, int *blocked);

/* --- online resources (TEMP table: gone when the process ends) --- */

/* Records a full JID as online. Returns 1 when it is new, 0 when it was
 * already known (a presence update), or a negative code. */
int store_online_add(struct store *st, const char *full_jid,
                     const char *bare_jid);
/* Forgets a full JID. Returns 0 (also when it was not known) or an error. */
int store_online_remove(struct store *st, const char *full_jid);
/* Records whether that resource's client acknowledges cards (1) or said it
 * does not (0). A resource's value only goes up: one that acknowledged is
 * not demoted by a later disco#info. STORE_ENOTFOUND for an unknown one. */
int store_online_set_receipts(struct store *st, const char *full_jid,
                              int receipts);
/* *receipts receives -1 (not known yet), 0 or 1 for a resource online;
 * STORE_ENOTFOUND when it is not. */
int store_online_receipts(struct store *st, const char *full_jid,
                          int *receipts);
/* *online receives the number of resources of bare_jid, *receipts how many of
 * them are known to acknowledge cards; either pointer may be NULL. */
int store_online_count(struct store *st, const char *bare_jid, int *online,
                       int *receipts);
/* Calls fn for each online resource (full JID) of bare_jid; stops early when
 * fn returns non-zero and returns that value. fn may use the store. */
int store_online_each(struct store *st, const char *bare_jid,
                      int (*fn)(void *ud, const char *full_jid), void *ud);
/* Forgets every resource (the link to the server went down). */
int store_online_clear(struct store *st);

#endif
