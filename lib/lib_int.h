/* What libcardx's files (lib/lib_*.c) share: the structs behind the public
 * opaque types and the helpers between them. Not installed. */
#ifndef CARDX_LIB_INT_H
#define CARDX_LIB_INT_H

#include <signal.h>
#include <stdint.h>

#include "client/cardstore.h"
#include "client/session.h"
#include "lib/cardx.h"

/* The store's file in data_dir: the same name the cardx program uses, so
 * the program and an application share one account's store. */
#define LIB_STORE_NAME "cards.sqlite"
#define LIB_DEFAULT_TIMEOUT_MS 10000
#define LIB_DEFAULT_PORT 5222
#define LIB_COMPONENT_PREFIX "cards."
#define LIB_ERRMSG_SIZE 512
/* Longest language tag the lang setting takes (RFC 5646's practical
 * limit). */
#define LIB_LANG_MAX 35

struct cardx_lib_settings {
    char *jid, *password, *server, *host, *component, *data_dir, *cafile;
    char *lang; /* xml:lang of requests to cardxd, or NULL */
    /* Where the library's own message catalogs are, or NULL: the
     * installation's (LIBCARDX_LOCALEDIR). */
    char *locale_dir;
    int port, tls, timeout_ms;
    int available; /* go available on login (cardxd sends what waits) */
    char timeout_text[24];
};

/* A card: the store's struct, owned (strings included) by this one. */
struct cardx_card {
    struct cardstore_card c;
    char *updates; /* an inbox update: the card id it updates */
    char *changed; /* and the fields that changed, space-separated */
};

struct cardx_store {
    struct cardstore *cs;
    char errmsg[LIB_ERRMSG_SIZE];
};

/* --- settings (lib_settings.c) --- */

/* A deep copy; NULL when out of memory. */
cardx_settings *lib_settings_copy(const cardx_settings *s);

/* The component JID (set, else "cards." + the JID's domain), the
 * caller's to free; NULL when out of memory or there is no JID. */
char *lib_settings_component(const cardx_settings *s);

/* --- errors (lib_error.c) --- */

/* The public code for a CX_* code of the internal modules. */
int lib_error_from_cx(int cx);

/* The public code for an XMPP error condition of a refused request. */
int lib_error_from_condition(const char *cond);

/* snprintf into buf (cut at size, which is fine for one line). */
void lib_format(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* --- the store (lib_store.c) --- */

/* Opens the store of data_dir into st (zeroed); CARDX_OK or a code with
 * *err (caller frees) saying why. */
int lib_store_init(struct cardx_store *st, const char *data_dir, char **err);
void lib_store_fini(struct cardx_store *st);

/* Records the store's error for cardx_store_errmsg and returns the public
 * code of rc. */
int lib_store_fail(struct cardx_store *st, int rc);

/* An inbox card's update marks into card (replacing them); CARDX_OK
 * also when it is no update. */
int lib_card_update_info(struct cardx_store *st, struct cardx_card *card);

/* --- updates of saved cards (lib_updates.c) --- */

/* Contact contact_id was saved from card: the base of its updates, which
 * are taken again (told to cardxd at the next connection). */
int lib_saved_from(struct cardx_store *st, const struct cardstore_card *card,
                   int64_t contact_id);

/* Inbox card id is about to go unsaved: its sender's updates go off,
 * unless a contact follows them. */
int lib_card_dropped(struct cardx_store *st, int64_t id);

/* Contact id is about to go: its sender's updates go off. */
int lib_contact_forget(struct cardx_store *st, int64_t id);

/* The store underneath, for the cardx program's commands not yet on the
 * public API (client/commands.c); borrowed. Not exported. */
struct cardstore *lib_store_cardstore(cardx_store *st);

/* --- SIGPIPE (lib_sigpipe.c) --- */

/* Blocks SIGPIPE in the calling thread around the library's socket I/O
 * and throws away one it raised, leaving the application's disposition,
 * mask and pending signals as they were (the libpq approach). */
struct lib_sigpipe {
    sigset_t old_mask;
    int was_pending;
};
void lib_sigpipe_enter(struct lib_sigpipe *g);
void lib_sigpipe_leave(struct lib_sigpipe *g);

#endif
