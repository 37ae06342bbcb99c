/* cardxd's store, on SQLite or PostgreSQL behind component/db.h: users,
 * their own cards, the inbox of waiting cards and the sessions (full
 * JIDs) online through any instance sharing it. */
#ifndef CARDX_COMPONENT_STORE_H
#define CARDX_COMPONENT_STORE_H

#include <stdint.h>

#include "common/errors.h"

#define STORE_OK CX_OK
#define STORE_EDB CX_EDB /* the database failed; see store_errmsg() */
#define STORE_ENOTFOUND CX_ENOTFOUND /* no such row */
#define STORE_ECONFLICT CX_EEXISTS   /* the number belongs to another JID */
#define STORE_ENOMEM CX_ENOMEM

struct store;
struct db_driver;
struct strv;

/* A card waiting for (or in flight to) its recipient. All strings are owned
 * by the item; optional ones may be NULL. */
struct store_inbox_item {
    int64_t seq;   /* insertion order, assigned by push */
    char *card_id; /* stable id used as the message id */
    /* Bare JID of the number's owner; NULL for a card held for a number
     * nobody has proved ([privacy] unknown_numbers = hold). */
    char *recipient_jid;
    char *recipient_phone; /* E.164: what the card waits for */
    char *sender_phone;    /* E.164 */
    char *sender_jid;      /* bare JID */
    char *vcard;           /* serialised <vCard xmlns='vcard-temp'> */
    char *note;            /* optional */
    int64_t created;       /* unix seconds */
    int attempts;          /* times sent so far */
    char *receipt_to;      /* optional: full JID that asked for a receipt */
    char *receipt_id;      /* optional: id of the sender's message */
    /* Unix ms of its first hand-off to resources none of which was known
     * to acknowledge; 0 while it waits or after it reached one that does. */
    int64_t handed_at;
    /* An update (store_share.h): the id of the card it updates and the
     * space-separated names of the fields that changed; NULL for a card
     * its sender sent. */
    char *updates;
    char *changed;
    /* A consent request, waiting for its recipient's yes: written by push
     * and replace (so that no statement of its own sets it), not read. */
    int held;
};

/* Opens (creating if needed) the database at path, sets WAL, foreign keys
 * and synchronous ("normal" or "full"), and applies the migrations of
 * sql/component/ in order, tracked by PRAGMA user_version. Returns 0 with
 * *out set, or a negative code with *err set to a message the caller frees
 * with free(). */
int store_open(const char *path, const char *synchronous, struct store **out,
               char **err);

/* Opens the store through drv (component/db.h) on target (SQLite: a file
 * path; PostgreSQL: a libpq connection string), bringing its schema up to
 * date with that driver's migrations; synchronous as store_open() takes it
 * (SQLite only). Returns and sets *out and *err as store_open() does. */
int store_open_driver(const struct db_driver *drv, const char *target,
                      const char *synchronous, struct store **out, char **err);

/* Finalises the statements and closes the database. Accepts NULL. */
void store_free(struct store *st);

/* The last failure's message, the database's or the store's (borrowed). */
const char *store_errmsg(const struct store *st);

/* What kind of failure the last failed call was, for the answer its
 * requester gets: the disk is full, another process holds a lock for
 * longer than the busy timeout, an I/O error, a damaged file, or anything
 * else. */
enum store_fault {
    STORE_FAULT_OTHER,
    STORE_FAULT_FULL,
    STORE_FAULT_BUSY,
    STORE_FAULT_IO,
    STORE_FAULT_CORRUPT,
    /* The database server is unreachable (PostgreSQL restarted, refused
     * or lost the connection): cardxd reconnects on its own. */
    STORE_FAULT_DOWN,
};

/* Classifies the last failure (its driver's fault()). A damaged file
 * (SQLite: SQLITE_CORRUPT or SQLITE_NOTADB) is remembered for the store's
 * life: see store_damaged(). Call it right after the failed call, before
 * any other. */
enum store_fault store_fault(struct store *st);

/* True once a call found the file damaged: nothing more should be written
 * to it until an administrator has looked. */
int store_damaged(const struct store *st);

/* How long a call waits for another connection's lock before it fails
 * with STORE_FAULT_BUSY. */
int store_set_busy_timeout(struct store *st, int64_t ms);

/* How long a statement may go unanswered by a database server before the
 * server is taken for hung and the call fails with STORE_FAULT_DOWN
 * (store_reconnect() then starts over). 0: no bound. */
int store_set_query_timeout(struct store *st, int64_t ms);

/* Checks the database at path for damage (PRAGMA quick_check: every page,
 * not just the header) without writing to it, before store_open() migrates
 * it. A missing file is fine (store_open() creates it). The check gives up
 * after timeout_ms (0: no check). Returns 0 when the file is sound, 1 when
 * the check was cut short (*err says so), or a negative code with *err a
 * one-line message naming path. *err is the caller's to free(). */
int store_check(const char *path, int64_t timeout_ms, char **err);

/* What store_open() will find at path, found without changing anything:
 * that the file can be opened and written (a write transaction, rolled
 * back, waiting at most busy_ms for another writer) and that its schema is
 * one this release knows; a missing file needs a writable directory.
 * Returns 0 with *migrations the number of schema migrations the next
 * start will run, 1 when a running writer kept the lock (*err says so), or
 * a negative code with *err a one-line message naming path. *err is the
 * caller's to free(). */
int store_probe(const char *path, int64_t busy_ms, int *migrations, char **err);

/* Copies the database at src, which may be in use by a running cardxd,
 * consistently into dst (written beside it, then renamed over it).
 * Returns 0, or a negative code with *err a one-line message the caller
 * frees. */
int store_backup(const char *src, const char *dst, char **err);

/* Group several writes into one transaction. */
int store_begin(struct store *st);
int store_commit(struct store *st);
int store_rollback(struct store *st);
/* True while a transaction opened by store_begin() is still open: false
 * after SQLite rolled it back on its own. */
int store_in_transaction(const struct store *st);

/* What store_reconnect() returns when it did not fail. */
enum store_link {
    STORE_UP = 0,          /* the connection is up */
    STORE_RECONNECTED = 1, /* it was lost and is made again now */
    STORE_CONNECTING = 2,  /* an attempt is in flight: see store_wait() */
};

/* What an attempt in flight waits on, for the caller's poll(): its socket
 * (-1 when there is none) with the events it waits for, and the time
 * (clock_now_ms()) at which it is abandoned. */
struct store_wait {
    int fd;
    short events;
    int64_t deadline_ms;
};

/* Whether the database can be reached, without ever blocking on an
 * unreachable server: STORE_UP; when the connection was lost, starts an
 * attempt to make it again or advances the one in flight, returning
 * STORE_CONNECTING while it waits (call again when store_wait()'s socket
 * is ready or its deadline passed), STORE_RECONNECTED once connected (its
 * statements prepared again, the online resources forgotten), or a
 * negative code, the reason in store_errmsg(), when the attempt failed or
 * timed out. An SQLite file is always up. */
int store_reconnect(struct store *st);

/* Fills *w with what the attempt in flight waits on (fd -1 when none). */
void store_wait(const struct store *st, struct store_wait *w);

/* --- users --- */

/* Maps phone to jid. The same JID registering a new number changes its
 * number; a number held by another JID gives STORE_ECONFLICT. */
int store_user_register(struct store *st, const char *phone, const char *jid,
                        int64_t now);
/* *phone is set to a string the caller frees with free(). */
int store_user_phone(struct store *st, const char *jid, char **phone);
/* *jid is set to a string the caller frees with free(). */
int store_user_jid(struct store *st, const char *phone, char **jid);
/* Records tag (an xml:lang, "zh-CN") as the language the user jid last
 * used; nothing happens (and 0 is returned) when jid is not registered. */
int store_user_lang_seen(struct store *st, const char *jid, const char *tag);
/* Records the language jid chose (NULL: follow the one last used). */
int store_user_lang_choose(struct store *st, const char *jid, const char *tag);
/* *tag: the language jid reads, chosen or else last used, or NULL when
 * neither is known; the caller frees it with free(). */
int store_user_lang(struct store *st, const char *jid, char **tag);
/* *tag: the language jid chose, or NULL (follows the one last used). */
int store_user_lang_choice(struct store *st, const char *jid, char **tag);
/* Records that jid proved its number at now (unix seconds). A change of
 * number (store_user_register) makes it unproven again. */
int store_user_prove(struct store *st, const char *jid, int64_t now);
/* Deletes the user, their card, their blocks and the cards waiting for
 * their number. (A change of number by store_user_register() takes the
 * waiting cards along to the new number, where they join those held for
 * it; of two cards of one sender, only the newer stays.) */
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
 * JID has none). STORE_ECONFLICT when a unique key clashed: the number
 * already holds a card of item->sender_jid (another connection stored it
 * since the caller looked: see store_inbox_from()), or card_id is taken. */
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
/* Number of cards waiting for the number recipient_phone (E.164), held
 * for nobody or for its owner. */
int store_inbox_count_number(struct store *st, const char *recipient_phone,
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
/* store_inbox_take() of a card waiting for the number recipient_phone,
 * registered or not; the item's recipient_jid is NULL. */
int store_inbox_take_number(struct store *st, const char *recipient_phone,
                            const char *card_id,
                            struct store_inbox_item **item);
/* Frees an item returned by the store. Accepts NULL. */
void store_inbox_item_free(struct store_inbox_item *item);
/* *card_id receives the id of the card sender_jid has waiting for the
 * number recipient_phone (a number holds at most one per sender, whether
 * anyone has it or not), the caller's to free(). STORE_ENOTFOUND when
 * there is none. */
int store_inbox_from(struct store *st, const char *recipient_phone,
                     const char *sender_jid, char **card_id);
/* Replaces the waiting card item->card_id of item->recipient_phone with
 * item's sender phone, card, note, creation time and receipt request; its
 * attempts and hand-off start over. It keeps its id while no client can
 * hold it yet; once it was handed out it takes fresh_id (item->card_id is
 * then replaced, the old string freed), so that a late ack of the old
 * content cannot retire the new. STORE_ENOTFOUND when no such card. */
int store_inbox_replace(struct store *st, struct store_inbox_item *item,
                        const char *fresh_id);
/* *at receives the oldest created time (unix s) of all cards, 0 when none. */
int store_inbox_created_first(struct store *st, int64_t *at);
/* Like store_inbox_handed_before() for up to limit cards created before
 * cutoff (unix s), oldest first, but fn gets the number each waits for:
 * cards held for a number nobody has expire too. */
int store_inbox_created_before(struct store *st, int64_t cutoff, int limit,
                               int (*fn)(void *ud, const char *recipient_phone,
                                         const char *card_id),
                               void *ud);

/* --- send counters (component/limits.c keeps the rules) --- */

/* The window of kind (limits.h) of jid: *started_at (unix ms) and how much
 * of it is *used. STORE_ENOTFOUND when jid has none. */
int store_window_get(struct store *st, const char *jid, int kind,
                     int64_t *started_at, int64_t *used);
/* Writes that window, creating it if needed. */
int store_window_set(struct store *st, const char *jid, int kind,
                     int64_t started_at, int64_t used);
/* Writes the window as store_window_set() does, but only over the one
 * read: (old_started_at, old_used), or with old_started_at -1, none.
 * Returns 1 when written, 0 when another writer changed it since (read
 * it again), or a negative code: counts stay exact with several
 * instances on one database. */
int store_window_swap(struct store *st, const char *jid, int kind,
                      int64_t old_started_at, int64_t old_used,
                      int64_t started_at, int64_t used);
/* Gives back one send counted in jid's window of kind started at
 * started_at (a count undone after another instance's race). */
int store_window_uncount(struct store *st, const char *jid, int kind,
                         int64_t started_at);
/* *window_start receives the start of the lookup window in which jid last
 * counted a send to phone. STORE_ENOTFOUND when it never did (or forgot). */
int store_lookup_get(struct store *st, const char *jid, const char *phone,
                     int64_t *window_start);
/* Records that jid's send to phone counted in the window of window_start. */
int store_lookup_set(struct store *st, const char *jid, const char *phone,
                     int64_t window_start);
/* Forgets the numbers jid counted in windows started before before. */
int store_lookup_forget(struct store *st, const char *jid, int64_t before);
/* Forgets every window and number counted in windows started before
 * before (unix ms), of every account. */
int store_limits_prune(struct store *st, int64_t before);

/* --- proving numbers: pending claims and their codes (verify) --- */

#define STORE_VERIFY_KEY_BYTES 32
#define STORE_VERIFY_HASH_BYTES 32

/* A pending claim of a number by an account. Times are unix ms. */
struct store_claim {
    unsigned char hash[STORE_VERIFY_HASH_BYTES]; /* of the code */
    int64_t issued_at;
    int64_t expires_at;
    int tries; /* wrong codes so far */
};

/* The database's key of code hashes: fresh becomes it unless one exists;
 * key receives the one in force. */
int store_verify_key(struct store *st,
                     const unsigned char fresh[STORE_VERIFY_KEY_BYTES],
                     unsigned char key[STORE_VERIFY_KEY_BYTES]);
/* Puts the claim of phone by jid with a new code (replacing an older one
 * and its tries) and counts the code as issued at c->issued_at. */
int store_verify_claim_put(struct store *st, const char *jid, const char *phone,
                           const struct store_claim *c);
/* STORE_ENOTFOUND when jid has no claim on phone. */
int store_verify_claim_get(struct store *st, const char *jid, const char *phone,
                           struct store_claim *c);
/* Counts a wrong code against the claim. */
int store_verify_claim_fail(struct store *st, const char *jid,
                            const char *phone);
/* Drops the claim; with hash not NULL only while it holds that code. */
int store_verify_claim_drop(struct store *st, const char *jid,
                            const char *phone, const unsigned char *hash);
/* *phone receives the number of jid's newest claim still valid at now (the
 * caller frees it); STORE_ENOTFOUND when none. */
int store_verify_claim_latest(struct store *st, const char *jid, int64_t now,
                              char **phone);
/* How many codes were issued after since to phone (*n_phone, the first at
 * *first_phone) and to jid (*n_jid, *first_jid); a first is 0 when none. */
int store_verify_issued(struct store *st, const char *phone, const char *jid,
                        int64_t since, int64_t *n_phone, int64_t *first_phone,
                        int64_t *n_jid, int64_t *first_jid);
/* Forgets codes issued at or before issued_before and claims expired at
 * or before expired_before. */
int store_verify_prune(struct store *st, int64_t issued_before,
                       int64_t expired_before);

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

/* --- what the administrator sees and does (store_report.c) --- */

/* Registered users, and the cards waiting (*oldest: the created time, unix
 * s, of the oldest; 0 when none). */
int store_report_users(struct store *st, int64_t *users);
int store_report_inbox(struct store *st, int64_t *waiting, int64_t *oldest);

/* The database's size in bytes, as its driver measures it (SQLite: the
 * file and its write-ahead log; PostgreSQL: pg_database_size()). */
int store_report_size(struct store *st, int64_t *bytes);

/* A registered user: strings owned by the struct. */
struct store_user_info {
    char *jid;
    char *phone;
    int64_t registered_at; /* unix s */
    int64_t proven_at;     /* unix s, 0 while unproven */
};
/* Finds the owner of phone (E.164), or with jid set instead, that user.
 * STORE_ENOTFOUND when nobody. The caller frees out with
 * store_user_info_clear(). */
int store_report_user(struct store *st, const char *phone, const char *jid,
                      struct store_user_info *out);
void store_user_info_clear(struct store_user_info *info);

/* Deletes every card waiting for phone (E.164), held or not; *purged
 * receives how many. */
int store_report_purge(struct store *st, const char *phone, int64_t *purged);

/* Calls fn for up to limit numbers users blocked, the most blocked first,
 * with how many users block each. fn must not use the store. */
int store_report_blocked(struct store *st, int limit,
                         int (*fn)(void *ud, const char *phone, int64_t users),
                         void *ud);

/* Calls fn for up to limit accounts whose send window of kind (limits.h)
 * is still open at now (unix ms) and used up under the limits given per
 * kind (0: unlimited), with the unix ms it ends. fn must not use the
 * store. */
int store_report_limited(
    struct store *st, const int limit_of[3], int64_t now, int limit,
    int (*fn)(void *ud, const char *jid, int kind, int64_t until), void *ud);

/* --- online resources (store_session.c) ---
 * Shared by every instance on the database: each session is owned by the
 * instance that saw its last presence, and outlives it only until another
 * instance takes it over (store_instance_take_over()). */

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
/* Forgets every resource this instance owns (its link to the server went
 * down); the other instances' stay. */
int store_online_clear(struct store *st);

/* --- instances sharing the database (store_session.c, store_claim.c) --- */

/* A store names itself STORE_INSTANCE_PREFIX and random hex digits at
 * open, unless store_instance_set() gives it a name. */
#define STORE_INSTANCE_PREFIX "cardxd-"
#define STORE_INSTANCE_RANDOM_BYTES 8
#define STORE_INSTANCE_RANDOM_MAX 32

/* Names this store's instance (copied): the owner of the sessions it
 * records and of the claims it makes. Returns 0 or STORE_ENOMEM. */
int store_instance_set(struct store *st, const char *id);
/* This store's instance (borrowed). */
const char *store_instance(const struct store *st);
/* Renews this instance's lease until now + lease_ms (unix ms), creating
 * its row on the first beat. */
int store_instance_beat(struct store *st, int64_t now, int64_t lease_ms);
/* Drops this instance's lease, its sessions and its claims: a clean stop
 * leaves nothing for the others to take over. */
int store_instance_leave(struct store *st);
/* Takes over up to limit instances whose lease ran out before now (or
 * that own sessions without ever having had one): forgets their sessions,
 * appending the bare JID of each to *bares for the caller to probe again;
 * lets go of their claims, appending the number each card waits for to
 * *phones for the caller to flush; and forgets their lease. Of two
 * instances taking over one dead one, each gets what the other did not.
 * Returns the number of instances taken over, or a negative code. */
int store_instance_take_over(struct store *st, int64_t now, int limit,
                             struct strv *bares, struct strv *phones);
/* *live: how many instances hold a lease at now. */
int store_instance_live(struct store *st, int64_t now, int64_t *live);

/* Claims card_id for this instance until now + hold_ms: returns 1 when
 * this instance now holds it (nobody did, it did already, or the last
 * hold ran out), 0 when another instance holds it, STORE_ENOTFOUND when
 * no such card waits, or another negative code. Of two instances that
 * claim one card at once, one wins. */
int store_inbox_claim(struct store *st, const char *card_id, int64_t now,
                      int64_t hold_ms);
/* store_inbox_claim() of every card waiting for recipient_jid that is
 * not held and no other instance holds, in one statement: their ids go to
 * *claimed, sorted (strcmp) for a binary search; on failure what was
 * added stays for the caller to clear. */
int store_inbox_claim_all(struct store *st, const char *recipient_jid,
                          int64_t now, int64_t hold_ms, struct strv *claimed);
/* store_inbox_mark_sent() of every card waiting for recipient_jid that
 * this instance claimed until claim_until (unix ms): a flush's, all sent,
 * in one statement; *marked counts them. */
int store_inbox_mark_claimed(struct store *st, const char *recipient_jid,
                             int64_t claim_until, int64_t handed_at,
                             int64_t *marked);
/* Lets go of this instance's claim on card_id (a bounce: anyone may
 * deliver it again). Not holding it is no failure. */
int store_inbox_unclaim(struct store *st, const char *card_id);
/* *by: the instance holding card_id (the caller frees it; NULL when
 * nobody does) and *until the unix ms its hold ends. */
int store_inbox_claimant(struct store *st, const char *card_id, char **by,
                         int64_t *until);
/* Keeps the answer xml (an iq, as text) with id from from_jid, which the
 * server handed to this instance though another asked. A repeat is
 * ignored. */
int store_answer_put(struct store *st, const char *id, const char *from_jid,
                     const char *xml, int64_t now);
/* Takes the answer kept for the iq id asked of from_jid: 1 with *xml the
 * caller's to free(), 0 when none came, or a negative code. */
int store_answer_take(struct store *st, const char *id, const char *from_jid,
                      char **xml);
/* Forgets the answers kept before before (unix ms): nobody waits for them
 * any more. */
int store_answer_prune(struct store *st, int64_t before);

/* Opens the ad-hoc command run run_id of node for owner (a full JID),
 * gone at expires_at (unix ms). Runs expired at now go first, and owner
 * keeps only its keep newest runs: a client cannot fill the table. */
int store_adhoc_open(struct store *st, const char *run_id, const char *node,
                     const char *owner, int64_t now, int64_t expires_at,
                     int keep);
/* *expires_at of the run, or STORE_ENOTFOUND (none, or another node's or
 * owner's). */
int store_adhoc_find(struct store *st, const char *run_id, const char *node,
                     const char *owner, int64_t *expires_at);
/* As store_adhoc_find(), deleting the run: of two instances taking one
 * run, one gets it. */
int store_adhoc_take(struct store *st, const char *run_id, const char *node,
                     const char *owner, int64_t *expires_at);

/* Calls fn with the bare JID of each of up to limit online users with a
 * never delivered card nobody holds at now, where the card or the user's
 * session is as recent as since but both older than settled (unix ms):
 * what a race between two instances' transactions may have left
 * undelivered, once the usual path (a send delivers at once, a new
 * session is flushed once its client said what it supports) had its
 * time. fn may use the store. */
int store_inbox_missed(struct store *st, int64_t since, int64_t settled,
                       int64_t now, int limit,
                       int (*fn)(void *ud, const char *bare), void *ud);

#endif
