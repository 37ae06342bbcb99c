/* cardx's XMPP session on libstrophe: login, in-band account registration,
 * synchronous requests, incoming cards and a cardx client's small protocol
 * duties (disco#info, ping, approving the component's subscription). */
#ifndef CARDX_CLIENT_SESSION_H
#define CARDX_CLIENT_SESSION_H

#include <stdint.h>
#include <strophe.h>

#include "common/errors.h"
#include "card/vcard.h"

/*
 * A session owns one xmpp_ctx and at most one connection at a time; every
 * session_connect() makes a fresh xmpp_conn_t, since libstrophe connections
 * cannot be reused after a disconnect. Network I/O happens only inside the
 * session's own calls (connect, send, iq, run), so handlers never run
 * re-entrantly. Cards that arrive are parsed and queued; the caller takes
 * them with session_take_card(), stores them and then acknowledges them, so
 * a card is acknowledged only once it is safe locally.
 *
 * Functions return SESSION_OK or a negative SESSION_E* code, and leave a
 * one-line reason in session_errmsg().
 */

#define SESSION_OK CX_OK
#define SESSION_ENOMEM CX_ENOMEM
#define SESSION_ENET CX_ENET   /* cannot connect, stream lost, or timed out */
#define SESSION_EAUTH CX_EAUTH /* the server refused the login */
#define SESSION_EREFUSED CX_EREFUSED /* an error reply: session_error_cond()   \
                                      */
#define SESSION_EEXISTS CX_EEXISTS   /* registration: the account exists */
#define SESSION_ENOTSUPP CX_ENOTSUPP /* server lacks a feature (IBR, TLS) */

/* Why the last call failed, for a program (or library) to act on; the
 * message (session_errmsg) says it to a person. */
enum session_reason {
    SESSION_WHY_NONE = 0,
    SESSION_WHY_UNREACHABLE,    /* no address, or none accepted TCP */
    SESSION_WHY_TIMEOUT,        /* no answer within the timeout */
    SESSION_WHY_TLS_MISSING,    /* TLS required, the server offers none */
    SESSION_WHY_CERT_NAME,      /* certificate does not name the domain */
    SESSION_WHY_CERT_UNTRUSTED, /* certificate not from a trusted CA */
    SESSION_WHY_TLS_FAILED,     /* TLS negotiation failed otherwise */
    SESSION_WHY_AUTH,           /* SASL refused the login */
    SESSION_WHY_STREAM_ERROR,   /* the server closed with a stream error */
    SESSION_WHY_CLOSED,         /* the connection closed during login */
};

struct session_options {
    const char *jid;       /* bare JID of the account */
    const char *password;  /* may be NULL for session_new, not for login */
    const char *host;      /* NULL: the JID's domain (SRV, then :5222) */
    int port;              /* 0: 5222 */
    int tls;               /* 1: TLS required; 0: plaintext only */
    const char *cafile;    /* CA certificates to trust besides the system's */
    int timeout_ms;        /* connecting, each request */
    const char *component; /* cardxd's JID */
    int debug;             /* libstrophe's debug log on stderr */
};

/* A card that arrived; every string is owned by the struct or NULL. */
struct session_card {
    char *card_id;      /* the service's id, used to acknowledge */
    char *sender_phone; /* E.164 of the sender */
    char *note;         /* the sender's note */
    char *vcard_xml;    /* the serialised vcard-temp, NULL when none came */
    struct vcard_fields f;
    char *updates; /* an update: the id of the card it updates, else NULL */
    char *changed; /* an update: the changed fields, space-separated */
    struct session_card *next; /* the session's queue; NULL once taken */
};

struct session;

/* Frees a card from session_take_card(). Accepts NULL. */
void session_card_free(struct session_card *c);

/* Copies the options (the strings too). Connects nothing. Returns
 * SESSION_OK with *out, or SESSION_ENOMEM. */
int session_new(const struct session_options *o, struct session **out);

/* Disconnects (briefly waiting for a clean close) and frees everything,
 * queued cards included. Accepts NULL. */
void session_free(struct session *s);

/* The last error's one-line reason, "" if none; borrowed until the next
 * call. */
const char *session_errmsg(const struct session *s);

/* Why the last connect (or registration) failed; SESSION_WHY_NONE after
 * a success or for failures of other kinds. */
enum session_reason session_error_reason(const struct session *s);

/* The defined condition of the last SESSION_EREFUSED ("conflict",
 * "item-not-found", ...), or NULL; borrowed. */
const char *session_error_cond(const struct session *s);

/* "host:port" the session connects to, for messages; borrowed. */
const char *session_server_name(const struct session *s);

/* The session's libstrophe context, to build stanzas with; borrowed. */
xmpp_ctx_t *session_ctx(struct session *s);

/* Creates the account by XEP-0077 in-band registration before login, on a
 * connection of its own. SESSION_EEXISTS when the server answers conflict,
 * SESSION_ENOTSUPP when it offers no registration (or no TLS while TLS is
 * required), SESSION_EREFUSED for another error reply. */
int session_register_account(struct session *s);

/* Logs in on a fresh connection within the timeout. Sends no presence. */
int session_connect(struct session *s);

/* 1 while logged in, else 0. */
int session_is_online(const struct session *s);

/* Closes the stream (waiting up to 2 s for the server's close). The session
 * may connect again. */
void session_disconnect(struct session *s);

/* Sends stanza (the caller keeps its reference) and returns once libstrophe
 * has written it out. */
int session_send(struct session *s, xmpp_stanza_t *stanza);

/* Sends iq (an id is set when it has none) and waits for its answer. On a
 * result returns SESSION_OK and, when reply is not NULL, *reply for the
 * caller to release; on an error reply SESSION_EREFUSED with the reply's
 * <text/> (else its condition) as session_errmsg(). */
int session_iq(struct session *s, xmpp_stanza_t *iq, xmpp_stanza_t **reply);

/* Sends available presence: to everyone subscribed when to is NULL
 * (the server then routes messages to us), else directed to that JID. */
int session_presence(struct session *s, const char *to);

/* Handles traffic for up to ms milliseconds (0: whatever is ready);
 * SESSION_ENET once the stream is down. */
int session_run(struct session *s, int ms);

/* The oldest card not yet taken, for the caller to free, or NULL. */
struct session_card *session_take_card(struct session *s);

/* Monotonic milliseconds (clock_now_ms) of the last stanza received from the
 * component, 0 if none yet: lets sync wait for a quiet period. */
int64_t session_last_activity(const struct session *s);

/* 1 once this connection approved the component's presence subscription
 * (and asked for its presence in return), else 0. */
int session_component_approved(const struct session *s);

#endif
