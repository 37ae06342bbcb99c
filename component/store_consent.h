/* cardxd's store: who may send each user cards (consent), the numbers
 * that pass, and the cards held as requests until their recipient says
 * yes. */
#ifndef CARDX_COMPONENT_STORE_CONSENT_H
#define CARDX_COMPONENT_STORE_CONSENT_H

#include <stdint.h>

#include "common/util.h"
#include "component/store.h"

/* A user's choice of who may send them cards. */
enum store_consent_mode {
    STORE_CONSENT_ANYONE = 0,   /* the default: no row */
    STORE_CONSENT_CONTACTS = 1, /* only known numbers */
    STORE_CONSENT_ASK = 2,      /* known numbers; others wait as requests */
};

/* Numbers that pass: the uploaded contacts, and accepted senders. */
enum store_consent_kind {
    STORE_CONSENT_CONTACT = 0,
    STORE_CONSENT_TRUSTED = 1,
};

/* The mode of the owner of recipient_phone into *mode (ANYONE when the
 * number has no owner or they never chose). */
int store_consent_mode(struct store *st, const char *recipient_phone,
                       int *mode);
/* STORE_ENOTFOUND when jid has no number registered. */
int store_consent_set_mode(struct store *st, const char *jid, int mode);
/* *known is 1 when sender_phone is among the numbers that pass for the
 * owner of recipient_phone, else 0. */
int store_consent_known(struct store *st, const char *recipient_phone,
                        const char *sender_phone, int *known);
/* Replaces jid's uploaded contacts by phones (E.164). STORE_ENOTFOUND when
 * jid has no number registered. */
int store_consent_set_contacts(struct store *st, const char *jid,
                               const struct strv *phones);
/* Adds phone to jid's accepted senders (a second time is not an error). */
int store_consent_trust(struct store *st, const char *jid, const char *phone);
/* Marks the stored card card_id as held (1) or not (0). */
int store_consent_set_held(struct store *st, const char *card_id, int held);

/* One held card, borrowed by the visitor for the call. */
struct store_consent_request {
    const char *card_id, *sender_phone, *vcard, *note; /* note may be NULL */
    int64_t created;                                   /* unix seconds */
};
/* Visits jid's held cards, oldest first; fn returns non-zero to stop (and
 * that is returned). */
int store_consent_each(struct store *st, const char *jid,
                       int (*fn)(void *ud,
                                 const struct store_consent_request *r),
                       void *ud);
/* The card card_id held for jid stops being held; *sender_phone (caller
 * frees) is its sender. STORE_ENOTFOUND when jid has no such request. */
int store_consent_release(struct store *st, const char *jid,
                          const char *card_id, char **sender_phone);
/* How many cards are held for jid into *count. */
int store_consent_held_count(struct store *st, const char *jid, int64_t *count);
/* Deletes the card card_id held for jid; STORE_ENOTFOUND when none. */
int store_consent_decline(struct store *st, const char *jid,
                          const char *card_id);

#endif
