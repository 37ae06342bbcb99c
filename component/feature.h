/* What the service core offers the features, and what a feature is: one
 * entry in the service's table (features/table.c). Not a public API. */
#ifndef CARDX_COMPONENT_FEATURE_H
#define CARDX_COMPONENT_FEATURE_H

#include <stdint.h>
#include <strophe.h>

#include "common/i18n.h"
#include "common/log.h"
#include "component/config.h"
#include "component/service.h"
#include "component/store.h"

/*
 * The core (service.c, service_disco.c) dispatches every stanza by walking
 * the table: an iq get or set to the first route that matches its type and
 * payload, a message or presence to each feature's hook in table order
 * until one takes it. disco#info on the component JID lists every
 * feature's namespaces, so what is advertised is what is routed. A feature
 * that keeps state between stanzas gets a slot from the core
 * (service_state()); it is created by init and released by free.
 *
 * Handlers answer through the core (service_emit(), service_error()) and
 * never return errors to it: a request that cannot be served is answered
 * with an XMPP error, which is the only report the sender can act on.
 */

/* Handles an iq get or set whose first child is payload (both borrowed). */
typedef void (*feature_iq_fn)(struct service *svc, xmpp_stanza_t *iq,
                              xmpp_stanza_t *payload);

struct feature_iq {
    const char *type; /* "get" or "set" */
    const char *name; /* the payload element */
    const char *ns;   /* its namespace */
    feature_iq_fn fn;
};

/* Every member may be NULL (or empty) when the feature has no such part. */
struct feature {
    const char *name;
    /* Namespaces advertised in disco#info of the component, NULL-ended. */
    const char *const *disco;
    /* iq routes, ended by an entry whose type is NULL. */
    const struct feature_iq *iqs;
    /* A message (not an error); returns 1 when it took it (no later
     * feature sees it), 0 to pass it on. */
    int (*message)(struct service *svc, xmpp_stanza_t *msg);
    /* A presence (not an error); 1 when it took it, else 0. */
    int (*presence)(struct service *svc, xmpp_stanza_t *pres);
    /* A message or presence of type error: something we sent bounced. */
    void (*bounce)(struct service *svc, xmpp_stanza_t *stanza);
    /* disco#info and disco#items of a node on the component JID; return 1
     * when they answered (the node is theirs), 0 to pass it on. */
    int (*node_info)(struct service *svc, xmpp_stanza_t *iq, const char *node);
    int (*node_items)(struct service *svc, xmpp_stanza_t *iq, const char *node);
    /* An iq result or error that answers no request of this process: with
     * several instances on one domain, the server may hand the answer to
     * a request to another instance than the one that sent it. */
    void (*stray_answer)(struct service *svc, xmpp_stanza_t *iq);
    /* Creates the feature's state (*state, NULL if it keeps none) at
     * service_new(); returns 0 or a negative CX_* code. */
    int (*init)(struct service *svc, void **state);
    /* Releases what init made. Called at service_free() even when state
     * is NULL. */
    void (*free)(struct service *svc, void *state);
    /* The link to the server came up, or went down. */
    void (*link_up)(struct service *svc);
    void (*link_down)(struct service *svc);
    /* Milliseconds until tick has work (0: now), or -1 for none. */
    int (*timeout)(struct service *svc);
    void (*tick)(struct service *svc);
};

/* What a feature's request did, for each of its front ends (XEP-0077, an
 * ad-hoc note, a cardx iq) to answer its own way: type is NULL on success
 * and text says what was done; else type (ERR_*), condition and text say
 * why not. */
struct service_outcome {
    const char *type;
    const char *condition;
    char text[256];
};

/* The table, in dispatch order, ended by NULL (features/table.c). */
extern const struct feature *const service_features[];

/* --- what the core offers (service.c) --- */

/* Called once with the answer to an iq we sent (borrowed), or with NULL
 * when it timed out or the link went down. */
typedef void (*pending_done)(struct service *svc, xmpp_stanza_t *reply,
                             void *data);

/* The borrowed parts of the service every handler needs. */
xmpp_ctx_t *service_ctx(const struct service *svc);
const struct cardxd_config *service_config(const struct service *svc);
struct store *service_store(const struct service *svc);
const struct log *service_log(const struct service *svc);
/* Monotonic milliseconds of the event being handled. */
int64_t service_now_ms(const struct service *svc);
/* The same moment as unix milliseconds, for deadlines other instances
 * read: the wall clock's offset from the monotonic one is taken when the
 * service starts, so that the two clocks move together (and a test that
 * moves one moves both). */
int64_t service_wall_ms(const struct service *svc);
/* The state slot of feature f (what its init stored). */
void *service_state(const struct service *svc, const struct feature *f);
/* Bytes handed to the link but not yet written out (0 when unknown). */
size_t service_output_pending(const struct service *svc);

/* Sends and releases stanza; NULL (a failed build) is logged. */
void service_emit(struct service *svc, xmpp_stanza_t *stanza);
/* Sends stanza (borrowed, kept by the caller). Returns 0, or -1 when the
 * link is not up. */
int service_send(struct service *svc, xmpp_stanza_t *stanza);
/* As service_send(), with inner (borrowed: the serialisation of one element,
 * as xmpp_stanza_to_text writes it) as stanza's last child, copied as text
 * rather than built into a tree and serialised again. */
int service_send_with(struct service *svc, xmpp_stanza_t *stanza,
                      const char *inner);
/* Replies to req with an error (type ERR_*, a defined condition, a text).
 * text is English, or already in the requester's language: it is looked
 * up in the catalog of req's language (service_lang_of()), so a literal
 * text is translated here (xgettext extracts service_error's fifth
 * argument); a formatted one is built from service_tr(). */
void service_error(struct service *svc, xmpp_stanza_t *req, const char *type,
                   const char *condition, const char *text);

/* --- languages (service_lang.c) ---
 * Everything a person reads from cardxd is in their language: the xml:lang
 * of the stanza it answers or, for what no request asked for (a card
 * delivered later, a notice), the language its reader chose or last used.
 * Languages are what i18n_pick() returns (NULL: English). Source strings
 * are English, marked for xgettext. */

/* The language of the event being handled: the xml:lang of the stanza,
 * else what its sender chose or last used; for the answer to an iq the
 * service sent, that of the event that sent it; NULL (English) in timers. */
const char *service_lang(struct service *svc);
/* The language to answer req in: its xml:lang, else service_lang(). */
const char *service_lang_of(struct service *svc, xmpp_stanza_t *req);
/* The language the registered user jid (bare) chose or last used; NULL
 * (English) when unknown or the store failed (logged). */
const char *service_user_lang(struct service *svc, const char *jid);
/* msgid (English, static) in the event's language; the result is borrowed
 * from the catalog (or is msgid) and lives as long as the service. */
const char *service_tr(struct service *svc, const char *msgid)
    __attribute__((format_arg(2)));
/* msgid in lang. */
const char *service_tr_lang(const struct service *svc, const char *lang,
                            const char *msgid) __attribute__((format_arg(3)));
/* A phone number as people read it ("+86 138 0013 8000"), into buf (len
 * bytes); e164 itself when it cannot be formatted. Returns buf. */
const char *service_phone_text(const char *e164, char *buf, size_t len);
/* Puts the English texts of el (a data form, or one of its fields) in
 * lang: <title/>, <instructions/>, <desc/>, the labels of fields and
 * options. Returns 0 or -1 (out of memory). */
int service_form_translate(const struct service *svc, const char *lang,
                           xmpp_stanza_t *el);
/* Room for service_phone_text(). */
#define SERVICE_PHONE_TEXT_MAX 64
/* service_phone_text() into a buffer of the enclosing block: for an
 * argument of a printf that shows a number to a person. */
#define SERVICE_PHONE_SHOWN(e164)                                              \
    service_phone_text((e164), (char[SERVICE_PHONE_TEXT_MAX]){0},              \
                       SERVICE_PHONE_TEXT_MAX)
/* The answer to a request the store could not serve. */
struct service_fault {
    const char *type;      /* ERR_* */
    const char *condition; /* a defined condition */
    const char *text;      /* for the requester */
};

/* What a requester hears once the store is damaged. */
#define SERVICE_DAMAGED_TEXT                                                   \
    N_("the card store is damaged; the administrator has been told")

/* The answer for a failure of that kind: the one place that maps them. */
void service_fault_answer(enum store_fault fault, struct service_fault *out);
/* A store call just failed while doing what: logs it (a damaged store
 * once) and sets *out to the answer the requester gets. */
void service_store_failed(struct service *svc, const char *what,
                          struct service_fault *out);
/* service_store_failed(), then that answer as an error reply to req. */
void service_store_error(struct service *svc, xmpp_stanza_t *req,
                         const char *what);
/* True, with *out the answer, when the store was found damaged: nothing
 * more is accepted into it. */
int service_store_refuses(struct service *svc, struct service_fault *out);

/* Sends iq (borrowed; its id is set here) and calls done with the answer.
 * data is freed with data_free after done ran (data_free may be NULL).
 * Returns 0, or -1 with data still the caller's. */
int service_request(struct service *svc, xmpp_stanza_t *iq, pending_done done,
                    void *data, void (*data_free)(void *));
/* True while a request of this process waits for its answer. */
int service_requests_waiting(const struct service *svc);
/* Completes the requests of this process whose answers the server handed
 * to another instance, which kept them in the store. Returns how many, or
 * a negative code. */
int service_requests_relayed(struct service *svc);

/* service_request() for a question whose answer is still wanted after the
 * link dropped (the vCard of a send): instead of failing then, it is sent
 * again once the link is back, with a fresh fetch_timeout. */
int service_request_retry(struct service *svc, xmpp_stanza_t *iq,
                          pending_done done, void *data,
                          void (*data_free)(void *));

/* Records a failure in out; text is a printf format (service_fault.c). */
void service_outcome_fail(struct service_outcome *out, const char *type,
                          const char *condition, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Records in out the answer to the store's last failure, logged as what
 * failed (service_fault.c). */
void service_outcome_store(struct service *svc, struct service_outcome *out,
                           const char *what);

/* True when the bare JID's domain may use this service. */
int service_user_allowed(const struct service *svc, const char *bare);
/* True when domain is one of the served user domains. */
int service_serves_domain(const struct service *svc, const char *domain);
/* The first served user domain, for messages ("this server" if none). */
const char *service_main_domain(const struct service *svc);
/* Checks the sender of req may use the service; replies with an error and
 * returns NULL if not, else returns its bare JID (caller frees). */
char *service_check_sender(struct service *svc, xmpp_stanza_t *req);
/* True when the stanza is addressed to the component itself, not to the
 * proxy JID of a number. */
int service_to_component(const struct service *svc, xmpp_stanza_t *stanza);
/* "+NUMBER@component": the address a phone number has on this service,
 * the caller's to free, or NULL when memory ran out. */
char *service_proxy_jid(const struct service *svc, const char *phone);
/* The first child element of a stanza, skipping text (borrowed). */
xmpp_stanza_t *service_first_tag(xmpp_stanza_t *stanza);

#endif
