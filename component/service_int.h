/* Internals shared by the files of cardxd's service (not a public API). */
#ifndef CARDX_COMPONENT_SERVICE_INT_H
#define CARDX_COMPONENT_SERVICE_INT_H

#include <stdint.h>
#include <strophe.h>

#include "component/service.h"

struct pending;
struct adhoc_session;

/* Called once with the answer to an iq we sent (borrowed), or with NULL
 * when it timed out or the link went down. */
typedef void (*pending_done)(struct service *svc, xmpp_stanza_t *reply,
                             void *data);

struct service {
    xmpp_ctx_t *ctx;
    const struct cardxd_config *cfg;
    struct store *store;
    struct service_io io;
    const struct log *log;
    char **user_domains;         /* NULL-terminated; who may use the service */
    struct pending *pending;     /* our iqs awaiting an answer, oldest first */
    uint64_t next_id;            /* for ids of our own iqs */
    int64_t now_ms;              /* monotonic time of the event being handled */
    struct adhoc_session *adhoc; /* open ad-hoc command sessions (adhoc.c) */
    int probing;                 /* the start-up presence probe is under way */
    int64_t probe_cursor;        /* last user probed (store_user_next_page) */
};

/* --- service.c --- */

/* Sends and releases stanza; NULL (a failed build) is logged. */
void service_emit(struct service *svc, xmpp_stanza_t *stanza);
/* Replies to req with an error (type ERR_*, a defined condition, a text). */
void service_error(struct service *svc, xmpp_stanza_t *req, const char *type,
                   const char *condition, const char *text);
/* Sends iq (borrowed; its id is set here) and calls done with the answer.
 * data is freed with data_free after done ran (data_free may be NULL). */
int service_request(struct service *svc, xmpp_stanza_t *iq, pending_done done,
                    void *data, void (*data_free)(void *));
/* True when the bare JID's domain may use this service. */
int service_user_allowed(const struct service *svc, const char *bare);
/* The first child element of a stanza, skipping text. */
xmpp_stanza_t *service_first_tag(xmpp_stanza_t *stanza);
/* Checks the sender of req may use the service; replies with an error and
 * returns NULL if not, else returns its bare JID (caller frees). */
char *service_check_sender(struct service *svc, xmpp_stanza_t *req);
/* Adds <field var type label><required/><value/></field> to a data form;
 * label and value may be NULL. Returns 0 or -1. */
int service_form_field(xmpp_ctx_t *ctx, xmpp_stanza_t *form, const char *var,
                       const char *type, const char *label, const char *value,
                       int required);
/* The first value of the field var of a data form, for the caller to free
 * with xmpp_free(), or NULL when absent. */
char *service_form_value(xmpp_stanza_t *form, const char *var);

/* --- register.c: XEP-0077 phone registration --- */
void register_get(struct service *svc, xmpp_stanza_t *iq, xmpp_stanza_t *query);
void register_set(struct service *svc, xmpp_stanza_t *iq, xmpp_stanza_t *query);

/* What a change of registration did, for each front end to answer its own
 * way: type is NULL on success and text says what was done; else type
 * (ERR_*), condition and text say why it failed. phone is the number
 * registered or unregistered ("" when unknown). */
struct register_outcome {
    const char *type;
    const char *condition;
    char text[256];
    char phone[32];
};

/* Registers the typed number input (normalised to E.164) for bare, or
 * changes bare's number to it. */
void register_change(struct service *svc, const char *bare, const char *input,
                     struct register_outcome *out);
/* Unregisters bare: its number, its card and the cards waiting for it. */
void register_drop(struct service *svc, const char *bare,
                   struct register_outcome *out);
/* After a successful change (registered 1) or drop (0) was answered: asks
 * for the user's presence, or cancels the subscription both ways. */
void register_announce(struct service *svc, const char *bare, int registered);

/* --- adhoc.c: XEP-0050 ad-hoc commands on the component JID --- */
void adhoc_execute(struct service *svc, xmpp_stanza_t *iq,
                   xmpp_stanza_t *command);
/* disco#info and disco#items of a node (the command list, a command);
 * answers item-not-found for any other node. */
void adhoc_disco_info(struct service *svc, xmpp_stanza_t *iq, const char *node);
void adhoc_disco_items(struct service *svc, xmpp_stanza_t *iq,
                       const char *node);
/* Forgets every open command session (at service_free()). */
void adhoc_sessions_free(struct service *svc);

/* --- gateway.c: XEP-0100 gateway lookup (jabber:iq:gateway) --- */
void gateway_get(struct service *svc, xmpp_stanza_t *iq, xmpp_stanza_t *query);
void gateway_set(struct service *svc, xmpp_stanza_t *iq, xmpp_stanza_t *query);

/* --- exchange.c: own cards, sending, delivery, acks, presence --- */
void exchange_vcard_get(struct service *svc, xmpp_stanza_t *iq,
                        xmpp_stanza_t *vcard);
void exchange_vcard_set(struct service *svc, xmpp_stanza_t *iq,
                        xmpp_stanza_t *vcard);
void exchange_send_iq(struct service *svc, xmpp_stanza_t *iq,
                      xmpp_stanza_t *send);

/* How a send was asked for, which decides how its outcome is answered. */
enum send_via {
    SEND_VIA_MESSAGE, /* errors as message errors; receipts if requested */
    SEND_VIA_IQ,      /* urn:cardx:0 <sent/> result or an iq error */
    SEND_VIA_OTHER,   /* only through the send_done callback */
};

/* The outcome of a send: card_id and status ("delivered", "queued") on
 * success; condition and text (borrowed) on failure. req is the stanza that
 * asked (borrowed). Called once, possibly later (after a vCard fetch). */
typedef void (*send_done)(struct service *svc, xmpp_stanza_t *req,
                          const char *card_id, const char *status,
                          const char *condition, const char *text, void *ud);

/* Sends the card of req's sender to the owner of number, with an optional
 * note. With done set, the outcome is reported only through it (done_ud is
 * passed along, not freed); else as via says. */
void exchange_send(struct service *svc, xmpp_stanza_t *req, const char *number,
                   const char *note, enum send_via via, send_done done,
                   void *done_ud);
void exchange_ack_iq(struct service *svc, xmpp_stanza_t *iq,
                     xmpp_stanza_t *ack);
void exchange_message(struct service *svc, xmpp_stanza_t *msg);
void exchange_presence(struct service *svc, xmpp_stanza_t *pres);
/* Starts asking every registered user's server for their presence; the
 * work goes a page of users at a time through exchange_probe_step(). */
void exchange_probe_start(struct service *svc);
/* Probes the next page of users if the link has room. Returns 1 while
 * users are left, 0 when the probe is done. */
int exchange_probe_step(struct service *svc);
/* True when a probe step would run now (work left, output drained). */
int exchange_probe_ready(const struct service *svc);
/* The user's sessions are known: send every waiting card, oldest first. */
void exchange_flush(struct service *svc, const char *bare);

/* --- privilege.c: XEP-0356 privileged entity --- */
/* Logs the privileges the server grants if msg is that grant; returns 1
 * then (msg is handled), else 0. */
int privilege_message(struct service *svc, xmpp_stanza_t *msg);

#endif
