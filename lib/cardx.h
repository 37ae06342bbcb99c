/* libcardx's public API: an event-driven cardx client and its local card
 * store, for an application to embed in its own main loop. */
#ifndef CARDX_H
#define CARDX_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Conventions (the whole API keeps them):
 *
 * - Every name starts with cardx_ or CARDX_. Types are opaque; each has a
 *   _new (or _open) and a _free, and _free accepts NULL.
 * - Functions that can fail return CARDX_OK (0) or a negative enum
 *   cardx_error; cardx_strerror() names the code, and the object's
 *   _errmsg() (where there is one) says in one line what went wrong.
 * - Ownership: a returned "char *" is the caller's, freed with cardx_free().
 *   A returned "const char *" or "const T *" is borrowed: it stays valid
 *   until the next call on the same object, or (in a callback) until the
 *   callback returns. String arguments are borrowed for the call only; the
 *   library copies what it keeps.
 * - Threads: no global or process-wide state. Use one cardx_client (and
 *   the cardx_store it owns) from one thread at a time; different clients
 *   may live on different threads. Callbacks run on the thread that called
 *   cardx_client_process() (or a blocking convenience call) and may call
 *   back into the same client, except cardx_client_free().
 * - The library installs no signal handler, changes no signal disposition,
 *   reads and writes no environment variable, and never touches a terminal
 *   or stdio: passwords, paths and prompts are the application's. Writes to
 *   a socket the peer closed fail with an error instead of raising SIGPIPE
 *   (the signal is blocked in the calling thread for the write and a
 *   pending one discarded), so the application's own SIGPIPE handling is
 *   left as it set it.
 * - Blocking: connecting resolves the server's name (SRV, then A/AAAA)
 *   synchronously, as libstrophe does; the TLS handshake runs within
 *   cardx_client_process(). Everything else is driven by the main loop.
 */

/* Every error the library returns. */
enum cardx_error {
    CARDX_OK = 0,
    CARDX_E_NOMEM = -1,           /* an allocation failed */
    CARDX_E_INVAL = -2,           /* a bad argument or value */
    CARDX_E_NOTFOUND = -3,        /* no such card, contact or key */
    CARDX_E_EXISTS = -4,          /* a contact has that number already */
    CARDX_E_DB = -5,              /* the local store (SQLite) failed */
    CARDX_E_IO = -6,              /* a file or the system failed */
    CARDX_E_NET = -7,             /* cannot connect, or the stream was lost */
    CARDX_E_AUTH = -8,            /* login refused: password or account */
    CARDX_E_REFUSED = -9,         /* the server or cardxd answered an error */
    CARDX_E_NOTSUPP = -10,        /* the server lacks a feature needed */
    CARDX_E_TIMEOUT = -11,        /* no answer within the timeout */
    CARDX_E_STATE = -12,          /* not possible now (e.g. not online) */
    CARDX_E_TLS = -13,            /* the TLS handshake failed */
    CARDX_E_TLS_CERT = -14,       /* the server's certificate is not trusted */
    CARDX_E_TLS_CERT_NAME = -15,  /* its certificate names another host */
    CARDX_E_TLS_REQUIRED = -16,   /* the server offers no TLS, and TLS is on */
    CARDX_E_NO_ACCOUNT = -17,     /* the XMPP account does not exist */
    CARDX_E_NOT_REGISTERED = -18, /* no phone number registered with cardxd */
    CARDX_E_UNREACHABLE = -19,    /* the server cannot reach cardxd */
    CARDX_E_LIMIT = -20,          /* a cardxd limit refused it: try later */
};

/* A short English description of err ("out of memory"); static, never
 * NULL (unknown codes get "unknown error"). */
const char *cardx_strerror(int err);

/* Frees memory the library returned as "char *". Accepts NULL. */
void cardx_free(void *p);

/* The library's version, "MAJOR.MINOR.PATCH"; static. */
const char *cardx_version(void);

/* ------------------------------------------------------------------ */
/* Settings: what a client needs to reach its account and its store.   */

typedef struct cardx_lib_settings cardx_settings;

/* Empty settings: TLS required, 10 s timeout. NULL when out of memory. */
cardx_settings *cardx_settings_new(void);

/* Wipes the password and frees. Accepts NULL. */
void cardx_settings_free(cardx_settings *s);

/* Sets one key; value NULL or "" unsets it (back to its default):
 *   jid        the account's bare JID, "alice@example.org" (required)
 *   password   the account's password (required to connect)
 *   server     "HOST", "HOST:PORT" or "[V6ADDR]:PORT"; default: the JID's
 *              domain through DNS SRV, then port 5222
 *   component  cardxd's JID; default "cards." + the JID's domain
 *   data_dir   the directory of the local store (required; created 0700)
 *   tls        "yes" (required, the default) or "no" (plaintext only, for
 *              test servers on loopback)
 *   cafile     a PEM file of CA certificates to trust besides the system's
 *   timeout_ms connecting and each request, in milliseconds (> 0)
 *   available  "yes" (the default): go available once logged in, so that
 *              cardxd sends the cards that wait and new ones as they come;
 *              "no": stay unavailable, for a short errand (uploading the
 *              own card, a profile) that should not take cards in
 *   lang       a language tag ("zh-CN") put as xml:lang on every request
 *              to cardxd, so that what it writes for a person (error
 *              texts, forms) comes in that language; default none, which
 *              cardxd answers in the user's chosen language or English.
 *              The library never reads the locale: that is the
 *              application's. The library's own messages (_errmsg(),
 *              reasons given to callbacks) are in that language too
 *              when it has a catalog; cardx_strerror() stays English
 *   locale_dir where the library finds its catalogs
 *              (LL_CC/LC_MESSAGES/cardx.mo); default the directory
 *              it was installed with
 * Returns CARDX_OK, CARDX_E_NOTFOUND for an unknown key, CARDX_E_INVAL for
 * a bad value, CARDX_E_NOMEM. */
int cardx_settings_set(cardx_settings *s, const char *key, const char *value);

/* The value of key as set ("tls" as "yes"/"no", "timeout_ms" in digits),
 * NULL when unset or unknown; the password is never returned. Borrowed
 * until the settings change. */
const char *cardx_settings_get(const cardx_settings *s, const char *key);

/* ------------------------------------------------------------------ */
/* Cards: one card of the inbox, of the contacts, or the user's own.   */

typedef struct cardx_card cardx_card;

/* The card's fields, as names: "name", "given", "family", "phone",
 * "email", "org", "title", "address", "url", "note". NULL-terminated,
 * static. */
const char *const *cardx_field_names(void);

/* A new empty card (for cardx_store_contact_add, cardx_store_self_set).
 * NULL when out of memory. */
cardx_card *cardx_card_new(void);

/* A copy of card, the caller's to free. NULL when out of memory. */
cardx_card *cardx_card_copy(const cardx_card *card);

void cardx_card_free(cardx_card *card);

/* A field's value (see cardx_field_names), NULL when empty or unknown. */
const char *cardx_card_get(const cardx_card *card, const char *field);

/* Sets a field; NULL or "" clears it. CARDX_E_INVAL for an unknown field. */
int cardx_card_set(cardx_card *card, const char *field, const char *value);

/* The row id in the inbox or contacts, 0 for a card not stored. */
int64_t cardx_card_id(const cardx_card *card);

/* For an inbox card: the service's card id, the sender's number (E.164)
 * and the sender's note; NULL otherwise or when absent. */
const char *cardx_card_service_id(const cardx_card *card);
const char *cardx_card_sender(const cardx_card *card);
const char *cardx_card_note(const cardx_card *card);

/* Unix time it arrived (inbox) or was created (contact), 0 if unknown. */
int64_t cardx_card_received(const cardx_card *card);

/* Unix time of its last change (a contact's edit), 0 if unknown. */
int64_t cardx_card_updated(const cardx_card *card);

/* The card as vCard 4.0 text (RFC 6350, CRLF line ends), the caller's to
 * cardx_free(); NULL when out of memory. */
char *cardx_card_to_vcard(const cardx_card *card);

/* Reads vCard 3.0 or 4.0 text: *out (the caller's) is its first card.
 * Returns how many cards the text holds (>= 1), or a negative code with
 * *err (the caller's to cardx_free; err may be NULL) naming the line at
 * fault; CARDX_E_NOTFOUND when it holds none. */
int cardx_card_from_vcard(const char *text, cardx_card **out, char **err);

/* 1 when a and b have the same fields (the other data aside), else 0. */
int cardx_card_same_fields(const cardx_card *a, const cardx_card *b);

/* For an inbox card that updates a card received before (xep/cardx.md,
 * updates): the service's id of the card it updates, and the names of the
 * fields that changed, space-separated ("email title"; "" when none is
 * shown). NULL for any other card. */
const char *cardx_card_updates(const cardx_card *card);
const char *cardx_card_changed(const cardx_card *card);

/* The largest photo the library puts in a card, in bytes of image data:
 * with base64 and the text fields the card stays under cardxd's default
 * card size limit. */
#define CARDX_PHOTO_MAX_BYTES 32768

/* The card's photo: CARDX_OK with *data (the caller's to cardx_free; data
 * may be NULL to only ask about it) of *len bytes, *type "JPEG" or "PNG"
 * (static) and its *width and *height in pixels (each may be NULL);
 * CARDX_E_NOTFOUND when it has none; CARDX_E_INVAL when it is not base64
 * or not a JPEG or PNG, with *why (may be NULL) a static reason;
 * CARDX_E_NOMEM. */
int cardx_card_photo_get(const cardx_card *card, unsigned char **data,
                         size_t *len, const char **type, unsigned *width,
                         unsigned *height, const char **why);

/* Replaces the card's photo with the image data (len bytes, copied), or
 * removes it when data is NULL. The image must be a JPEG or PNG with
 * sensible dimensions and at most CARDX_PHOTO_MAX_BYTES: else
 * CARDX_E_INVAL with *why (may be NULL) a static reason. The photo is kept
 * when the card is stored (own card, contact) and in its vCard text. */
int cardx_card_photo_set(cardx_card *card, const unsigned char *data,
                         size_t len, const char **why);

/* ------------------------------------------------------------------ */
/* The local store: inbox, contacts, the own card. Works offline.       */

typedef struct cardx_store cardx_store;

/* Visitor of the list and search calls: the card is borrowed for the
 * call; return non-zero to stop (that value is then returned). */
typedef int (*cardx_card_fn)(void *ud, const cardx_card *card);

/* Opens (creating and migrating) the store in data_dir, which is created
 * with mode 0700 when missing. Returns CARDX_OK with *out, or CARDX_E_IO /
 * CARDX_E_DB with *err (the caller's to cardx_free; err may be NULL). A
 * client opens its own store; this is for offline use. */
int cardx_store_open(const char *data_dir, cardx_store **out, char **err);
void cardx_store_free(cardx_store *st);

/* The last store error in one line, "" if none; borrowed. */
const char *cardx_store_errmsg(const cardx_store *st);

/* Own card: *out is the caller's, or NULL with CARDX_E_NOTFOUND when none
 * is set (CARDX_E_INVAL when the stored one cannot be read back).
 * *uploaded (may be NULL) tells whether cardxd has this version. */
int cardx_store_self_get(cardx_store *st, cardx_card **out, int *uploaded);
/* Replaces the own card with card's fields (NULL removes it); it is
 * uploaded on the client's next connection or cardx_client_sync(). */
int cardx_store_self_set(cardx_store *st, const cardx_card *card);

/* Inbox: cards received, newest last. */
int cardx_store_inbox_list(cardx_store *st, cardx_card_fn fn, void *ud);
int cardx_store_inbox_count(cardx_store *st, int64_t *count);
int cardx_store_inbox_get(cardx_store *st, int64_t id, cardx_card **out);
int cardx_store_inbox_delete(cardx_store *st, int64_t id);

/* What saving an inbox card does when a contact has the same number. */
enum cardx_merge {
    CARDX_MERGE_ASK = 0, /* fail with CARDX_E_EXISTS, *contact_id = it */
    CARDX_MERGE_INTO,    /* merge the card into that contact */
    CARDX_MERGE_NEW,     /* keep both */
};
/* Moves an inbox card to the contacts (one transaction); *contact_id (may
 * be NULL) receives the contact's id. The contact then follows the
 * sender's card: its updates are taken (cardxd is told at the next
 * connection) and merge into it. An update that a contact follows already
 * is merged into that contact as cardx_store_update_merge() with
 * CARDX_CONFLICT_FAIL does (merge is then not used). */
int cardx_store_inbox_save(cardx_store *st, int64_t id, enum cardx_merge merge,
                           int64_t *contact_id);

/* Deleting an inbox card unsaved turns its sender's updates off (cardxd is
 * told at the next connection), unless a contact follows them. Deleting a
 * contact turns off the updates it followed. */

/* --- updates of saved cards: a three-way merge (xep/cardx.md) --- */

/* What a field the user and the sender both changed, differently,
 * becomes. */
enum cardx_conflict {
    CARDX_CONFLICT_FAIL = 0, /* nothing merged: CARDX_E_EXISTS */
    CARDX_CONFLICT_THEIRS,   /* the sender's new value */
    CARDX_CONFLICT_MINE,     /* the user's own edit */
};

/* Where inbox card id, an update, merges: *contact (may be NULL) the
 * contact that follows its sender, and *conflicts (may be NULL; the
 * caller's, cardx_strv_free) the NULL-terminated names of the fields both
 * the user and the sender changed, differently. CARDX_E_NOTFOUND when the
 * card is no update or no contact follows its sender (it is then saved as
 * any card). */
int cardx_store_update_target(cardx_store *st, int64_t id, int64_t *contact,
                              char ***conflicts);

/* Merges inbox card id, an update, into the contact that follows its
 * sender, field by field against the card the contact was saved from: a
 * field the sender did not change keeps the user's value, one the user
 * did not change takes the sender's, and a conflict is resolved by side.
 * With CARDX_CONFLICT_FAIL and take_theirs NULL, a conflict fails with
 * CARDX_E_EXISTS (nothing changed); with take_theirs (NULL-terminated
 * field names: the caller asked about each conflict) those conflicts take
 * the sender's value and the others keep the user's. On success the update
 * leaves the inbox and becomes the next merge's base, all in one
 * transaction; *contact (may be NULL) receives the contact's id.
 * CARDX_E_NOTFOUND as for cardx_store_update_target(). */
int cardx_store_update_merge(cardx_store *st, int64_t id,
                             enum cardx_conflict side,
                             const char *const *take_theirs, int64_t *contact);

/* The number (E.164) whose card contact id follows, in *number (the
 * caller's to cardx_free); CARDX_E_NOTFOUND when it was not saved from a
 * received card. */
int cardx_store_contact_follows(cardx_store *st, int64_t id, char **number);

/* Contacts: all of them by name; one; add; change one field; delete. */
int cardx_store_contact_list(cardx_store *st, cardx_card_fn fn, void *ud);
int cardx_store_contact_get(cardx_store *st, int64_t id, cardx_card **out);
int cardx_store_contact_add(cardx_store *st, const cardx_card *card,
                            int64_t *id);
int cardx_store_contact_set(cardx_store *st, int64_t id, const char *field,
                            const char *value);
int cardx_store_contact_delete(cardx_store *st, int64_t id);

/* Contacts matching text in any field (a number by any run of its
 * digits), best first; at most limit of them (0: all). *total (may be
 * NULL) receives how many match in all; fn may be NULL to only count. */
int cardx_store_contact_search(cardx_store *st, const char *text, size_t limit,
                               cardx_card_fn fn, void *ud, int64_t *total);

/* A transaction around several changes (e.g. contact edits): all or none
 * of them are kept. The other store calls nest inside one. */
int cardx_store_begin(cardx_store *st);
int cardx_store_commit(cardx_store *st);
int cardx_store_rollback(cardx_store *st);

/* Imports every card of vCard 3.0 or 4.0 text as new contacts, all or
 * none (one transaction). Returns the number imported (>= 0), or a
 * negative code with *err (the caller's to cardx_free; err may be NULL)
 * naming the line at fault. */
int cardx_store_import_vcard(cardx_store *st, const char *text, char **err);

/* All contacts as vCard 4.0 text, the caller's to cardx_free, in *out;
 * *count (may be NULL) receives how many. */
int cardx_store_export_vcard(cardx_store *st, char **out, int *count);

/* ------------------------------------------------------------------ */
/* The client: one account's connection to its server and cardxd.      */

typedef struct cardx_client cardx_client;

/* A named profile of the own card, kept by cardxd (xep/cardx.md,
 * profiles): the fields a recipient of a card sent with it sees. */
typedef struct cardx_profile cardx_profile;

/* The name a profile gives the photo beside cardx_field_names(). */
#define CARDX_PHOTO_FIELD "photo"

/* The profile's name; borrowed from it. */
const char *cardx_profile_name(const cardx_profile *p);
/* 1 when cards are sent with this profile unless another is named. */
int cardx_profile_is_default(const cardx_profile *p);
/* The fields it shows, NULL-terminated; borrowed from it. */
const char *const *cardx_profile_fields(const cardx_profile *p);
/* Frees a NULL-terminated list of profiles. Accepts NULL. */
void cardx_profiles_free(cardx_profile **list);

/* Who may send the user cards (xep/cardx.md, consent). */
enum cardx_consent {
    CARDX_CONSENT_ANYONE = 0, /* every card arrives */
    CARDX_CONSENT_CONTACTS,   /* only from the numbers of the contacts */
    CARDX_CONSENT_ASK,        /* others wait as requests */
};

/* A card from an unknown sender that waits for the user's consent. */
typedef struct cardx_request cardx_request;

enum cardx_state {
    CARDX_STATE_OFFLINE = 0, /* not connected (the reason in the callback) */
    CARDX_STATE_CONNECTING,  /* connecting, TLS, login */
    CARDX_STATE_ONLINE,      /* logged in: cards flow, sends work */
};

/* How cardxd took a card sent with cardx_client_send(). */
enum cardx_send_status {
    CARDX_SEND_QUEUED = 0, /* accepted: waits until the recipient takes it */
    CARDX_SEND_DELIVERED,  /* handed to an online device of the recipient */
    CARDX_SEND_REFUSED,    /* not sent: error and reason say why */
};

/* The steps of registering a phone number with cardxd. */
enum cardx_register_step {
    CARDX_REGISTER_CODE_NEEDED = 0, /* a code was sent to number: call
                                       cardx_client_register() again with it */
    CARDX_REGISTER_DONE,            /* number (E.164) is now registered */
    CARDX_REGISTER_FAILED,          /* error and reason say why */
};

/* What the client tells the application. Every member may be NULL; ud is
 * the userdata given to cardx_client_new. Strings and cards are borrowed
 * for the call. */
struct cardx_callbacks {
    /* The connection changed. error is CARDX_OK, or why it went offline
     * (or failed to connect) with reason, one line for a person. */
    void (*state)(void *ud, enum cardx_state state, int error,
                  const char *reason);
    /* A card arrived and is committed to the inbox (card has its inbox id);
     * the library acknowledges it to cardxd after this returns. A card the
     * inbox had already (sent again) is acknowledged without a call. */
    void (*card)(void *ud, const cardx_card *card);
    /* The outcome of cardx_client_send() number request: on QUEUED and
     * DELIVERED card_id is the service's id of the card; on REFUSED error
     * (CARDX_E_NOT_REGISTERED, CARDX_E_NOTFOUND for a number nobody has,
     * CARDX_E_LIMIT, CARDX_E_REFUSED, CARDX_E_NET, CARDX_E_TIMEOUT...) and
     * reason say why. number is as cardxd normalised it once accepted. */
    void (*sent)(void *ud, uint32_t request, enum cardx_send_status status,
                 const char *number, const char *card_id, int error,
                 const char *reason);
    /* A step of cardx_client_register(): number is the number it concerns
     * (E.164 once cardxd normalised it). */
    void (*registration)(void *ud, enum cardx_register_step step,
                         const char *number, int error, const char *reason);
    /* A XEP-0184 receipt that reached this connection from cardxd: the
     * recipient of number took the card sent by the message with id
     * message_id: for cardx_client_send_message(), "cxm" followed by its
     * request number. A card sent with cardx_client_send() has its outcome
     * in the sent callback instead. */
    void (*receipt)(void *ud, const char *number, const char *message_id);
    /* The answer to cardx_client_block() or cardx_client_blocklist():
     * error CARDX_OK or why not (reason); for a blocklist, numbers holds
     * the count blocked numbers (E.164), else it is NULL. */
    void (*blocking)(void *ud, uint32_t request, int error, const char *reason,
                     const char *const *numbers, size_t count);
    /* Every line of libstrophe's log (debug level included), for an
     * application that wants it; area is libstrophe's ("xmpp", "tls"...).
     * The library itself writes nothing anywhere. */
    void (*log)(void *ud, const char *area, const char *message);
    /* The answer to a request that reports nothing else
     * (cardx_client_updates(), the profile changes,
     * cardx_client_request_answer()): error CARDX_OK or why not
     * (reason). */
    void (*answer)(void *ud, uint32_t request, int error, const char *reason);
    /* The answer to cardx_client_profiles(): on CARDX_OK the count
     * profiles (borrowed for the call), else why not. */
    void (*profiles)(void *ud, uint32_t request, int error, const char *reason,
                     const cardx_profile *const *list, size_t count);
    /* The answer to cardx_client_consent_get(): on CARDX_OK mode is the
     * one cardxd has for the user, else why not (reason). Setting the
     * mode and telling the contacts' numbers report through answer. */
    void (*consent)(void *ud, uint32_t request, int error, const char *reason,
                    enum cardx_consent mode);
    /* The answer to cardx_client_requests(): on CARDX_OK the count cards
     * waiting for consent, else why not (list NULL). The list and its
     * requests are borrowed for the call: copy what is kept. */
    void (*requests)(void *ud, uint32_t request, int error, const char *reason,
                     const cardx_request *const *list, size_t count);
    /* New members are added here, at the end: an application that
     * zero-initialises the struct has them NULL (not interested). */
};

/* A client for the account in settings (copied: change them afterwards
 * without effect). Opens the store in data_dir. Connects nothing.
 * callbacks is copied; it may be NULL. Returns CARDX_OK with *out, or
 * CARDX_E_INVAL (no jid or data_dir), CARDX_E_NOMEM, or the store's error,
 * with *err (the caller's to cardx_free; err may be NULL) saying why. */
int cardx_client_new(const cardx_settings *settings,
                     const struct cardx_callbacks *callbacks, void *ud,
                     cardx_client **out, char **err);

/* Closes the stream (waiting at most 2 s for the server's close) and
 * frees the client and its store. Accepts NULL. */
void cardx_client_free(cardx_client *c);

/* The client's store, for the calls above; borrowed, lives as long as
 * the client. */
cardx_store *cardx_client_store(cardx_client *c);

/* The last error in one line, "" if none; borrowed. */
const char *cardx_client_errmsg(const cardx_client *c);

enum cardx_state cardx_client_state(const cardx_client *c);

/* Starts connecting (state CONNECTING). Once logged in, the client goes
 * available, asks cardxd for waiting cards, uploads the own card when it
 * changed, and reports ONLINE. CARDX_E_STATE when not offline. */
int cardx_client_connect(cardx_client *c);

/* Starts closing the stream; the state callback reports OFFLINE. */
void cardx_client_disconnect(cardx_client *c);

/* --- main-loop integration --- */

#define CARDX_WANT_READ 1
#define CARDX_WANT_WRITE 2

/* The socket to watch, -1 while there is none (offline). It changes from
 * one connection to the next: ask again after every process call. */
int cardx_client_fd(const cardx_client *c);

/* What to watch the fd for: CARDX_WANT_READ, plus CARDX_WANT_WRITE while
 * connecting or while data waits to be written. 0 when offline. */
int cardx_client_events(const cardx_client *c);

/* Milliseconds until cardx_client_process() must run even if the fd is
 * quiet (a deadline), 0 for now, -1 for no deadline. */
int cardx_client_timeout_ms(const cardx_client *c);

/* Does everything ready without blocking: reads and writes the socket,
 * runs the callbacks, expires deadlines. Call it when the fd is ready or
 * the timeout passed. Returns CARDX_OK, or an error of the store that
 * kept an arrived card from being committed (it is then not acknowledged
 * and comes again). */
int cardx_client_process(cardx_client *c);

/* --- requests (ONLINE only; else CARDX_E_STATE) --- */

/* Sends the own card to number ("+8613800138000", or as the user typed
 * it; cardxd normalises it) with an optional note. *request (may be NULL)
 * identifies the outcome in the sent callback. */
int cardx_client_send(cardx_client *c, const char *number, const char *note,
                      uint32_t *request);

/* cardx_client_send() showing only the fields of the own card's profile
 * (cardx_client_profile_set); NULL for cardxd's default. A profile cardxd
 * does not have refuses the send (CARDX_E_NOTFOUND). */
int cardx_client_send_profile(cardx_client *c, const char *number,
                              const char *note, const char *profile,
                              uint32_t *request);

/* Sends the own card to number (E.164, "+8613800138000") by message, as
 * standard clients do (xep/cardx.md 4.1), asking for a receipt: the
 * receipt callback reports message id "cxm" + request once the recipient
 * took the card, and a refusal comes through the sent callback (REFUSED);
 * an accepted card gets no other answer. The receipt comes only to this
 * connection: one that ended before it is not told later. */
int cardx_client_send_message(cardx_client *c, const char *number,
                              const char *note, uint32_t *request);

/* Registers number with cardxd, with code NULL first; when cardxd proves
 * numbers, the registration callback asks for the code (CODE_NEEDED), to
 * pass here with the same number. */
int cardx_client_register(cardx_client *c, const char *number,
                          const char *code);

/* Blocks number (block 1: cardxd drops its cards to us, and tells its
 * sender nothing) or unblocks it (0). The blocking callback answers. */
int cardx_client_block(cardx_client *c, const char *number, int block,
                       uint32_t *request);

/* Asks for the blocked numbers; the blocking callback lists them. */
int cardx_client_blocklist(cardx_client *c, uint32_t *request);

/* Tells cardxd whether the user takes the updates of number's card (on 1)
 * or not (0); the answer callback reports the outcome (CARDX_E_NOTFOUND:
 * cardxd has no card of number for us). Choices made offline (saving or
 * deleting cards and contacts) wait in the store and are told on every
 * connection, without a callback; this one outranks a waiting one. */
int cardx_client_updates(cardx_client *c, const char *number, int on,
                         uint32_t *request);

/* Asks cardxd for the own card's profiles; the profiles callback lists
 * them. */
int cardx_client_profiles(cardx_client *c, uint32_t *request);

/* Stores profile name showing fields (NULL-terminated names of
 * cardx_field_names() and CARDX_PHOTO_FIELD; CARDX_E_INVAL for another),
 * replacing one of that name; removes it; or makes it the default. The
 * answer callback reports the outcome. */
int cardx_client_profile_set(cardx_client *c, const char *name,
                             const char *const *fields, uint32_t *request);
int cardx_client_profile_delete(cardx_client *c, const char *name,
                                uint32_t *request);
int cardx_client_profile_default(cardx_client *c, const char *name,
                                 uint32_t *request);

/* --- consent: who may send the user cards (xep/cardx.md, consent) --- */

/* Its id (for cardx_client_request_answer), the sender's number (E.164),
 * the sender's name, when it came (as cardxd wrote it), the sender's note
 * (NULL if none); borrowed from it. */
const char *cardx_request_id(const cardx_request *r);
const char *cardx_request_from(const cardx_request *r);
const char *cardx_request_name(const cardx_request *r);
const char *cardx_request_received(const cardx_request *r);
const char *cardx_request_note(const cardx_request *r);
/* Frees a NULL-terminated list of requests. Accepts NULL. */
void cardx_requests_free(cardx_request **list);

/* Asks cardxd for the user's consent mode; the consent callback
 * answers. */
int cardx_client_consent_get(cardx_client *c, uint32_t *request);

/* Sets the consent mode (CARDX_E_INVAL for no such mode). For CONTACTS
 * and ASK the numbers of the saved contacts are told to cardxd first
 * (replacing what it had; *count, which may be NULL, receives how many),
 * as the contacts hold them: a phone number has too few digits for a hash
 * to hide it. Then the mode is set, so that no known sender is refused
 * between. One outcome comes through the answer callback, for the whole:
 * a refusal of either step is the outcome (the numbers told stay told).
 * The numbers told are remembered in data_dir, so that
 * cardx_client_consent_refresh() can tell cardxd again when the contacts
 * change. */
int cardx_client_consent_set(cardx_client *c, enum cardx_consent mode,
                             size_t *count, uint32_t *request);

/* When the mode is CONTACTS or ASK (as last set through the library) and
 * the contacts' numbers changed since they were last told, tells cardxd
 * again: *count (may be NULL) numbers, the answer callback reports the
 * outcome. Otherwise *request (may be NULL) receives 0 and no callback
 * follows: nothing needed telling. With the mode ANYONE that holds
 * offline too; else CARDX_E_STATE offline. */
int cardx_client_consent_refresh(cardx_client *c, size_t *count,
                                 uint32_t *request);

/* Asks for the cards waiting for consent; the requests callback lists
 * them. */
int cardx_client_requests(cardx_client *c, uint32_t *request);

/* Accepts (accept 1: the card arrives, and its sender's cards from then
 * on) or declines (0: deleted, its sender is not told) request id; the
 * answer callback reports the outcome (CARDX_E_NOTFOUND: no such
 * request). */
int cardx_client_request_answer(cardx_client *c, const char *id, int accept,
                                uint32_t *request);

/* Tells cardxd now the choices about updates waiting in the store (the
 * client also does on every connection); no callback. CARDX_E_STATE
 * offline. */
int cardx_client_flush_updates(cardx_client *c);

/* Uploads the own card now if it changed since the last upload. */
int cardx_client_upload_self(cardx_client *c);

/* Uploads the own card if it changed and waits for cardxd's answer:
 * CARDX_OK (uploaded, or nothing to upload) or why not, the reason in
 * cardx_client_errmsg(). */
int cardx_client_upload_self_blocking(cardx_client *c);

/* --- blocking conveniences, for simple programs --- */

/* Creates the XMPP account of the settings by in-band registration
 * (XEP-0077) on a connection of its own, blocking up to the timeout; only
 * while offline (else CARDX_E_STATE). Most servers allow no open
 * registration: log in first, and create the account only when the user
 * asks to. CARDX_E_EXISTS when it exists, CARDX_E_NOTSUPP when the server
 * offers no registration, CARDX_E_REFUSED with the server's reason in
 * cardx_client_errmsg() (e.g. registration by invitation only). */
int cardx_client_create_account(cardx_client *c);

/* Processes (waiting on the fd with poll) until the client is ONLINE or
 * has given up: CARDX_OK, or the error that ended the attempt. Connects
 * first when offline. */
int cardx_client_connect_blocking(cardx_client *c);

/* Processes until no request is pending and nothing arrived for quiet_ms
 * (the waiting cards have come), or the connection went down: CARDX_OK or
 * CARDX_E_NET. */
int cardx_client_run_until_idle(cardx_client *c, int quiet_ms);

/* Sends and waits for the outcome: CARDX_OK with *status (QUEUED or
 * DELIVERED) and *card_id (the caller's to cardx_free; both may be NULL),
 * or the refusal's error (the reason in cardx_client_errmsg()). */
int cardx_client_send_blocking(cardx_client *c, const char *number,
                               const char *note, enum cardx_send_status *status,
                               char **card_id);

/* cardx_client_register() and waits for its next step: CARDX_OK with
 * *code_needed 1 and *e164 the number the code went to (call again with
 * the code), or *code_needed 0 and *e164 the number registered (E.164);
 * else why not, the reason in cardx_client_errmsg(). *e164 is the
 * caller's (cardx_free). */
int cardx_client_register_blocking(cardx_client *c, const char *number,
                                   const char *code, int *code_needed,
                                   char **e164);

/* Processes until request, one the answer callback reports, is answered:
 * its error (the reason in cardx_client_errmsg()), or CARDX_E_NET when the
 * connection went first. Call it before processing again after making
 * the request. */
int cardx_client_wait(cardx_client *c, uint32_t request);

/* The profiles: *list a NULL-terminated array (the caller's, to free with
 * cardx_profiles_free) of *count (may be NULL) profiles. */
int cardx_client_profiles_blocking(cardx_client *c, cardx_profile ***list,
                                   size_t *count);

/* The blocking forms of the consent calls above: each waits for the
 * answer; an error's reason is in cardx_client_errmsg(). */

/* The consent mode cardxd has for the user. */
int cardx_client_consent_get_blocking(cardx_client *c,
                                      enum cardx_consent *mode);

/* cardx_client_consent_set(): *count (may be NULL) numbers told, 0 on
 * failure. */
int cardx_client_consent_set_blocking(cardx_client *c, enum cardx_consent mode,
                                      size_t *count);

/* cardx_client_consent_refresh(): *told (may be NULL) is 1 when cardxd
 * was told, with *count (may be NULL) numbers; else 0. */
int cardx_client_consent_refresh_blocking(cardx_client *c, int *told,
                                          size_t *count);

/* The cards waiting for consent: *list a NULL-terminated array (the
 * caller's, cardx_requests_free) of *count (may be NULL) requests. */
int cardx_client_requests_blocking(cardx_client *c, cardx_request ***list,
                                   size_t *count);

/* cardx_client_updates() and waits for the answer: CARDX_OK or why not,
 * the reason in cardx_client_errmsg(). */
int cardx_client_updates_blocking(cardx_client *c, const char *number, int on);

/* cardx_client_send_blocking() with a profile (cardx_client_send_profile). */
int cardx_client_send_profile_blocking(cardx_client *c, const char *number,
                                       const char *note, const char *profile,
                                       enum cardx_send_status *status,
                                       char **card_id);

/* Blocks or unblocks number and waits for the answer: CARDX_OK or the
 * refusal (CARDX_E_NOTFOUND: it was not blocked), reason in
 * cardx_client_errmsg(). */
int cardx_client_block_blocking(cardx_client *c, const char *number, int block);

/* The blocked numbers: *numbers a NULL-terminated array (the caller's, to
 * free with cardx_strv_free) of *count numbers. */
int cardx_client_blocklist_blocking(cardx_client *c, char ***numbers,
                                    size_t *count);

/* Frees a NULL-terminated array of strings from the library. Accepts
 * NULL. */
void cardx_strv_free(char **v);

#ifdef __cplusplus
}
#endif

#endif
