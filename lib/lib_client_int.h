/* The client's parts (lib/lib_client*.c) share its struct and the
 * request machinery. Not installed. */
#ifndef CARDX_LIB_CLIENT_INT_H
#define CARDX_LIB_CLIENT_INT_H

#include <stdint.h>
#include <strophe.h>

#include "client/session_int.h"
#include "common/i18n.h"
#include "lib/lib_int.h"

/* libstrophe reads at most one buffer per turn and gives no way to ask
 * whether TLS holds more: a process call turns the loop again while the
 * last turn did something (it logged), up to this many turns. */
#define LIB_TURNS_MAX 32

enum lib_request_kind {
    REQ_SEND,        /* <send/>: the sent callback */
    REQ_REGISTER,    /* the registration form: the registration callback */
    REQ_NUMBER,      /* the registered number, after a registration */
    REQ_ACK,         /* <ack/> of a stored card */
    REQ_UPLOAD,      /* the own card (vcard-temp) */
    REQ_BLOCK,       /* <block/> or <unblock/>: the blocking callback */
    REQ_BLOCKLIST,   /* <blocklist/>: the blocking callback */
    REQ_MESSAGE,     /* a card sent by message: an error or a receipt ends it */
    REQ_UPDATES,     /* <updates/>: the answer callback */
    REQ_PROFILE,     /* <profile/> set, remove, default: the answer callback */
    REQ_PROFILES,    /* <profiles/>: the profiles callback */
    REQ_IQ,          /* <accept/>, <decline/>: the answer callback */
    REQ_CONSENT_GET, /* <consent/> get: the consent callback */
    REQ_CONSENT_TELL,  /* <contacts/>: the first step of a consent set (the
                          mode follows) or a refresh: the answer callback */
    REQ_CONSENT_SET,   /* <consent/> set: the answer callback */
    REQ_REQUESTS,      /* <requests/>: the requests callback */
    REQ_UPDATES_FLUSH, /* <updates/> of a choice made offline: none */
};

/* A request awaiting its answer: an id handler holds it. */
struct lib_request {
    struct cardx_client *c;
    enum lib_request_kind kind;
    uint32_t serial;
    char id[24];
    char *number;  /* send, register, updates: the number; ack: the card
                      id; upload: the card's text as sent */
    int on;        /* updates: the choice sent */
    unsigned step; /* a later step of one request (consent set) */
    int mode;      /* consent tell: the mode to set next, -1 none (refresh);
                      consent set: the mode set */
    char *told;    /* consent tell: the numbers, remembered once taken */
    int64_t deadline;
    struct lib_request *next;
};

struct cardx_client {
    cardx_settings *settings; /* our copy */
    struct cardx_callbacks cb;
    void *ud;
    struct session *s;
    struct cardx_store store;
    char *component;
    enum cardx_state state; /* as last reported */
    int fd;
    int expect_sock; /* lib_mem_free: the socket comes next */
    xmpp_mem_t mem;  /* the context's allocator (lib_client.c) */
    int turns_busy;  /* the last process call hit LIB_TURNS_MAX */
    int turn_logged; /* libstrophe logged during this turn */
    int closing;     /* the application asked to disconnect */
    int last_error;  /* why the last connection ended or failed */
    int64_t connect_deadline;
    struct lib_request *requests;
    struct lib_request *messages; /* REQ_MESSAGE, awaiting their receipt */
    uint32_t next_serial;
    char errmsg[LIB_ERRMSG_SIZE];
    /* The library's own messages in the lang setting's language: the
     * catalogs (NULL: English) and the catalog language (NULL: English). */
    struct i18n *i18n;
    const char *msg_lang;
    /* What a blocking call waits for (lib_blocking.c). */
    struct {
        uint32_t request;
        int done, error;
        enum cardx_send_status status;
        char *card_id;
        char **numbers; /* a blocklist */
        size_t count;
        cardx_profile **profiles;   /* a profile list */
        enum cardx_consent consent; /* a consent mode */
        cardx_request **requests;   /* a request list */
        int reg_wait;               /* a registration step is awaited */
        enum cardx_register_step reg_step;
        char *reg_number; /* the number the step concerns */
        int uploads;      /* own-card uploads answered (lib_request.c) */
        int upload_error;
    } wait;
};

/* Formats the client's error message from fmt in the lang setting's
 * language (the translation of fmt, when there is one). */
void lib_set_err(struct cardx_client *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* msgid in the lang setting's language; borrowed, valid while c lives. */
const char *lib_tr(const struct cardx_client *c, const char *msgid)
    __attribute__((format_arg(2)));

/* --- connecting (lib_client.c) --- */

/* The public code for a failed login or registration, from the session's
 * code and diagnosis. */
int lib_login_error(struct cardx_client *c, int session_rc);

/* --- requests (lib_request.c) --- */

/* An iq of type to the component with one child <name xmlns=ns/> (*child,
 * borrowed); NULL when out of memory. */
xmpp_stanza_t *lib_component_iq(struct cardx_client *c, const char *type,
                                const char *name, const char *ns,
                                xmpp_stanza_t **child);

/* Sends iq and tracks its answer as a request of kind; arg is copied
 * (number or card id, may be NULL). *serial (may be NULL) receives its
 * serial. Returns CARDX_OK or CARDX_E_NOMEM. */
int lib_request_send(struct cardx_client *c, xmpp_stanza_t *iq,
                     enum lib_request_kind kind, const char *arg,
                     uint32_t *serial);

/* Asks cardxd for a list: an iq get of an empty <name xmlns=urn:cardx:0/>
 * sent as a request of kind, as lib_request_send(). CARDX_E_STATE when
 * not online. */
int lib_request_get(struct cardx_client *c, const char *name,
                    enum lib_request_kind kind, uint32_t *serial);

/* Fails every pending request with error (the connection went down or a
 * deadline passed: only those with deadline <= now unless all). */
void lib_requests_fail(struct cardx_client *c, int error, int all);

/* Stores each card the session queued, reports it and acknowledges it.
 * Returns CARDX_OK or the store's error (that card not acknowledged). */
int lib_take_cards(struct cardx_client *c);

/* Reports the outcome of send request r (a REQ_SEND or REQ_MESSAGE). */
void lib_report_sent(struct cardx_client *c, struct lib_request *r,
                     enum cardx_send_status status, const char *card_id,
                     int error, const char *reason);

/* CARDX_OK while online, else CARDX_E_STATE with the error set. */
int lib_need_online(struct cardx_client *c);

/* The outcome of a request the answer callback reports (REQ_UPDATES,
 * REQ_PROFILE); a failure's message names what r asked. */
void lib_report_answer(struct cardx_client *c, struct lib_request *r, int error,
                       const char *reason);

/* The error code and reason of an error reply. */
int lib_refusal(xmpp_stanza_t *reply, char *why, size_t size);

/* lib_request_send() of a request's next step after prev (borrowed;
 * NULL: a new request), which keeps prev's serial, so that the
 * application sees one request and one outcome. *out (may be NULL)
 * receives the request (borrowed: its id handler owns it), for what its
 * kind keeps. */
int lib_request_send_step(struct cardx_client *c, xmpp_stanza_t *iq,
                          enum lib_request_kind kind, const char *arg,
                          const struct lib_request *prev,
                          struct lib_request **out);

/* --- consent and requests (lib_consent.c) --- */

/* The answer to a REQ_CONSENT_* or REQ_REQUESTS, or (reply NULL) its
 * failure with error and reason. */
void lib_consent_reply(struct cardx_client *c, struct lib_request *r,
                       xmpp_stanza_t *reply, int error, const char *reason);

/* --- profiles (lib_profile.c) --- */

/* The answer to a REQ_PROFILE or REQ_PROFILES, or (reply NULL) its
 * failure with error and reason. */
void lib_profile_reply(struct cardx_client *c, struct lib_request *r,
                       xmpp_stanza_t *reply, int error, const char *reason);

/* Tells cardxd the choices about updates made offline (they wait in the
 * store); each is forgotten once cardxd took it. */
void lib_flush_updates(struct cardx_client *c);

/* --- cards sent by message (lib_message.c) --- */

/* Messages from the component's proxy JIDs: XEP-0184 receipts, and the
 * errors of cards sent by message. */
int lib_on_proxy_message(xmpp_conn_t *conn, xmpp_stanza_t *stanza, void *ud);

/* Forgets the messages awaiting receipts (the connection went). */
void lib_messages_drop(struct cardx_client *c);

#endif
