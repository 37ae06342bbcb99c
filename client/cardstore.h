/* cardx's local card store (SQLite): the inbox of received cards, saved
 * contacts with full-text search, and the user's own card. Works offline. */
#ifndef CARDX_CLIENT_CARDSTORE_H
#define CARDX_CLIENT_CARDSTORE_H

#include <stddef.h>
#include <stdint.h>

#include "common/errors.h"
#include "card/vcard.h"

#define CARDSTORE_OK CX_OK
#define CARDSTORE_EDB CX_EDB /* SQLite failed; see cardstore_errmsg() */
#define CARDSTORE_ENOTFOUND CX_ENOTFOUND /* no such row */
#define CARDSTORE_EEXISTS CX_EEXISTS /* save: a contact has the same number */
#define CARDSTORE_ENOMEM CX_ENOMEM
#define CARDSTORE_EINVAL CX_EINVAL /* bad argument (e.g. unknown field) */

/* What inbox_save does when a contact with the same phone number exists. */
enum cardstore_merge {
    CARDSTORE_MERGE_ASK,  /* return CARDSTORE_EEXISTS with that contact */
    CARDSTORE_MERGE_INTO, /* merge the card into the existing contact */
    CARDSTORE_MERGE_NEW,  /* keep both: a new contact */
};

struct cardstore;

/* A card in the inbox or the contacts. Strings are owned by the struct and
 * may be NULL. */
struct cardstore_card {
    int64_t id;           /* row id, what the CLI shows as N or ID */
    char *card_id;        /* the service's card id (inbox), else NULL */
    char *sender_phone;   /* E.164 of whoever sent it (inbox) */
    char *note;           /* the sender's note (inbox) */
    int64_t received;     /* unix time it arrived or was created */
    int64_t updated;      /* unix time of the last change */
    struct vcard_fields f;
    char *vcard_xml;      /* the full vcard-temp, for lossless keeping */
    char *extra;          /* vCard text properties cardx does not model */
};

/* Frees a card returned by the store (members and the struct). Accepts
 * NULL. */
void cardstore_card_free(struct cardstore_card *c);

/* Opens or creates the store at path and applies sql/client migrations.
 * Returns 0 with *out, or a negative code with *err (caller frees). */
int cardstore_open(const char *path, struct cardstore **out, char **err);
void cardstore_free(struct cardstore *cs);
const char *cardstore_errmsg(const struct cardstore *cs);

/* Visitor: return non-zero to stop; the card is borrowed for the call. It
 * may call the store, even delete cards not yet visited (they are skipped).
 * The list and search functions return 0, the visitor's non-zero value when
 * it stopped them, or a negative code. */
typedef int (*cardstore_visit)(void *ud, const struct cardstore_card *c);

/* --- inbox: new cards, read like mail --- */

/* Adds a received card. Returns 1 when added, 0 when a card with the same
 * card_id was seen before (also if since saved or deleted: received twice
 * means stored once), or a negative code. *id receives the new row id when
 * id is not NULL and the card was added. A card without card_id is always
 * added; c->received 0 means now. */
int cardstore_inbox_add(struct cardstore *cs, const struct cardstore_card *c,
                        int64_t *id);
int cardstore_inbox_list(struct cardstore *cs, cardstore_visit fn, void *ud);
int cardstore_inbox_count(struct cardstore *cs, int64_t *count);
int cardstore_inbox_get(struct cardstore *cs, int64_t id,
                        struct cardstore_card **out);
int cardstore_inbox_delete(struct cardstore *cs, int64_t id);
/* Moves an inbox card into the contacts in one transaction (a savepoint
 * inside cardstore_begin's): on failure nothing changed. "Same phone" means
 * the same digits, so "+86 138 0013 8000" is +8613800138000; the oldest such
 * contact is taken. With CARDSTORE_MERGE_ASK and an existing contact of the
 * same phone returns CARDSTORE_EEXISTS and sets *contact_id to it (nothing
 * changed). Merging fills and overwrites that contact's fields with the
 * card's non-empty ones; the contact's vcard_xml (else the card's) is kept,
 * brought in line with the merged fields by vcard_merge, and so is its
 * extra (else the card's). A new contact is created now; the sender's note
 * is not kept. On success *contact_id is the contact's id. */
int cardstore_inbox_save(struct cardstore *cs, int64_t id,
                         enum cardstore_merge merge, int64_t *contact_id);

/* --- contacts: saved cards --- */

/* c->received is the creation time and with c->updated 0 means now;
 * card_id, sender_phone and note are not kept (they read back NULL). */
int cardstore_contact_add(struct cardstore *cs, const struct cardstore_card *c,
                          int64_t *id);
int cardstore_contact_get(struct cardstore *cs, int64_t id,
                          struct cardstore_card **out);
/* Sets one field ("name", "phone", … see vcard_field_names()); value NULL
 * or "" clears it. CARDSTORE_EINVAL for an unknown field. Sets updated to
 * now; a contact with vcard_xml gets it rewritten by vcard_merge, so that it
 * says what the fields say and keeps every other element (a vcard_xml that
 * does not parse is dropped). */
int cardstore_contact_set(struct cardstore *cs, int64_t id, const char *field,
                          const char *value);
int cardstore_contact_delete(struct cardstore *cs, int64_t id);
/* All contacts, ordered by name (case-insensitive; nameless last), then
 * id. */
int cardstore_contact_list(struct cardstore *cs, cardstore_visit fn, void *ud);
/* Contacts matching text in name, phone (any format: digits compared),
 * email, organisation, title, address or note (FTS5, prefix match on each
 * word), best first. A number matches by any run of its digits (the
 * national part, the last four...); leading zeros of a long one are also
 * tried without ("0013800138000"). Text with nothing to search for
 * (only punctuation) visits nothing. Visits the best limit of them (0: all
 * of them), reading only those cards. *total (total may be NULL) receives
 * how many match in all, counted without reading them, before the first
 * visit; it is 0 when the search failed before that. */
int cardstore_contact_search(struct cardstore *cs, const char *text,
                             size_t limit, cardstore_visit fn, void *ud,
                             int64_t *total);
/* The (oldest) contact whose phone has the digits of e164,
 * CARDSTORE_ENOTFOUND if none. */
int cardstore_contact_by_phone(struct cardstore *cs, const char *e164,
                               int64_t *id);

/* --- the user's own card --- */

/* *xml receives the serialised vcard-temp (caller frees) or NULL when none
 * is set; *uploaded whether the service has this version. */
int cardstore_self_get(struct cardstore *cs, char **xml, int *uploaded);
/* Replaces the card (xml borrowed); NULL removes it. */
int cardstore_self_set(struct cardstore *cs, const char *xml, int uploaded);
/* Marks the card uploaded if it is still xml (borrowed), the version that
 * was sent: a card edited while its upload was in flight stays to upload.
 * CARDSTORE_ENOTFOUND when no card is set or it changed since. */
int cardstore_self_mark_uploaded(struct cardstore *cs, const char *xml);

/* Transactions, for bulk import. The other calls nest inside one. */
int cardstore_begin(struct cardstore *cs);
int cardstore_commit(struct cardstore *cs);
int cardstore_rollback(struct cardstore *cs);

#endif
