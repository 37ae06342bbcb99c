/* What the session's files (client/session*.c) share: the struct and the
 * helpers that connecting, requests, registration and handlers all use.
 * Not for callers. */
#ifndef CARDX_CLIENT_SESSION_INT_H
#define CARDX_CLIENT_SESSION_INT_H

#include <stddef.h>
#include <stdint.h>
#include <strophe.h>

#include "client/session.h"

/* How long one turn of the event loop may block, so that waiting callers
 * re-check their condition often. */
#define SLICE_MS 50
/* How long a closing stream may take before the connection is dropped. */
#define CLOSE_WAIT_MS 2000
#define NS_TLS "urn:ietf:params:xml:ns:xmpp-tls"

enum session_state { ST_DOWN, ST_CONNECTING, ST_UP };

struct session {
    xmpp_ctx_t *ctx;
    xmpp_log_t log;
    xmpp_conn_t *conn;
    enum session_state state;
    char *jid, *password, *host, *component, *cafile;
    int port, tls, timeout_ms, debug;
    char server_name[300];
    char errmsg[512];
    char lost[512]; /* why the stream went down after login */
    char cond[64];
    /* What the current connection attempt learnt (session_connect.c). */
    int sock_errno, auth_failed, tls_failed, tls_missing;
    char lib_error[256];
    char stream_error[256];
    enum session_reason why; /* of the last failure */
    int cert_seen;           /* the certificate-failure handler ran */
    char cert_names[256];    /* the names the refused certificate holds */
    char cert_error[128];    /* why the TLS library refused it */
    char tls_detail[256];    /* OpenSSL's last error, for messages */
    /* The one request session_iq() waits for. */
    const char *wait_id;
    xmpp_stanza_t *wait_reply;
    unsigned long next_id;
    struct session_card *head, **tail;
    int64_t last_activity;
    int followed; /* approved the component and subscribed back */
    /* Puts the session's messages in the user's language (NULL: English);
     * libcardx sets it from its lang setting. */
    const char *(*tr)(void *ud, const char *msgid);
    void *tr_ud;
};

/* --- the object and its loop (session.c) --- */

/* snprintf into a message buffer: messages are cut at the buffer's size,
 * which is fine for one line. */
void session_format_into(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* msgid in the user's language (s->tr), or msgid itself. */
const char *session_tr(const struct session *s, const char *msgid)
    __attribute__((format_arg(2)));

/* Formats s->errmsg from fmt in the user's language. */
void session_set_err(struct session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* One turn of the event loop, blocking at most until deadline (monotonic
 * ms) and at most SLICE_MS. */
void session_run_slice(struct session *s, int64_t deadline);

/* Pumps the loop until the connection is down or CLOSE_WAIT_MS passed. */
void session_wait_down(struct session *s);

/* Sets the error for a call that needs the stream: why it went down, or
 * that there is none. Returns SESSION_ENET. */
int session_not_online(struct session *s);

/* Runs until libstrophe has written everything queued. */
int session_flush(struct session *s);

/* --- connecting (session_connect.c) --- */

/* libstrophe's log handler: notes what went wrong while connecting. */
void session_on_log(void *ud, xmpp_log_level_t level, const char *area,
                    const char *msg);
/* libstrophe's certificate-failure handler: notes why the certificate
 * was refused (it does not name the domain, or is not trusted) and refuses
 * it. */
int session_on_certfail(const xmpp_tlscert_t *cert, const char *errormsg);
/* The connection handler: follows the state, notes why it went down. */
void session_on_conn(xmpp_conn_t *conn, xmpp_conn_event_t event, int error,
                     xmpp_stream_error_t *stream_error, void *ud);
/* Forgets what the last attempt's log said, before a new one. */
void session_reset_diagnostics(struct session *s);
/* A fresh connection with our flags; NULL when memory ran out. */
xmpp_conn_t *session_new_conn(struct session *s);
/* Releases the connection (if any); the session is then down. */
void session_release_conn(struct session *s);
/* Why TLS failed (set as the error and reason), and the code for it. */
int session_explain_tls(struct session *s);
/* Takes what session_on_certfail reported through the context's log (area
 * one of its own); returns 1 when the line was such a report. */
int session_tls_note(struct session *s, const char *area, const char *msg);
/* Why an attempt that never got up failed (set as the error), and the
 * code for it. */
int session_explain_failure(struct session *s, int timed_out);

/* --- stanzas that arrive (session_incoming.c) --- */

/* True when jid is the component or one of its proxy JIDs. */
int session_from_component(struct session *s, const char *jid);
int session_on_message(xmpp_conn_t *conn, xmpp_stanza_t *stanza, void *ud);
int session_on_iq(xmpp_conn_t *conn, xmpp_stanza_t *stanza, void *ud);
int session_on_presence(xmpp_conn_t *conn, xmpp_stanza_t *stanza, void *ud);

/* --- requests (session_iq.c) --- */

/* Records an error reply as the session's error and condition. Returns
 * SESSION_EREFUSED. */
int session_refused(struct session *s, xmpp_stanza_t *reply);

#endif
