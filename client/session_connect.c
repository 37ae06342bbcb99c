/* The session's login: a fresh libstrophe connection, what libstrophe's
 * log says while it connects, and the one-line reason when it fails. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/session_int.h"
#include "common/util.h"

/* libstrophe 0.12 reports neither socket errors nor failed logins to the
 * connection handler (error is 0); it logs them. The session reads its own
 * log for these messages to say what went wrong. */
#define LOG_SOCK_FAILED "connection failed, error "

void session_on_log(void *ud, xmpp_log_level_t level, const char *area,
                    const char *msg)
{
    struct session *s = ud;
    size_t n = strlen(LOG_SOCK_FAILED);

    if (s->debug)
        fprintf(stderr, "cardx: strophe %s: %s\n", area, msg);
    if (strncmp(msg, LOG_SOCK_FAILED, n) == 0)
        s->sock_errno = atoi(msg + n);
    if (level < XMPP_LEVEL_ERROR)
        return;
    if (strcmp(area, "auth") == 0)
        s->auth_failed = 1;
    if (strstr(msg, "TLS") || strcmp(area, "tls") == 0)
        s->tls_failed = 1;
    session_format_into(s->lib_error, sizeof(s->lib_error), "%s", msg);
}

void session_release_conn(struct session *s)
{
    if (s->conn) {
        xmpp_conn_release(s->conn);
        s->conn = NULL;
    }
    s->state = ST_DOWN;
}

/* The first element child's name of a <stream:error/>, for messages. */
static void note_stream_error(struct session *s, xmpp_stream_error_t *se)
{
    xmpp_stanza_t *child;
    const char *name = "undefined-condition";

    if (!se)
        return;
    for (child = se->stanza ? xmpp_stanza_get_children(se->stanza) : NULL;
         child; child = xmpp_stanza_get_next(child)) {
        const char *n = xmpp_stanza_get_name(child);

        if (xmpp_stanza_is_tag(child) && n && strcmp(n, "text") != 0) {
            name = n;
            break;
        }
    }
    session_format_into(s->stream_error, sizeof(s->stream_error), "%s%s%s",
                        name, se->text ? ": " : "", se->text ? se->text : "");
}

void session_on_conn(xmpp_conn_t *conn, xmpp_conn_event_t event, int error,
                     xmpp_stream_error_t *stream_error, void *ud)
{
    struct session *s = ud;

    (void)conn;
    if (event == XMPP_CONN_CONNECT) {
        s->state = ST_UP;
        return;
    }
    if (event == XMPP_CONN_RAW_CONNECT)
        return;
    if (error)
        s->sock_errno = error;
    note_stream_error(s, stream_error);
    if (s->state == ST_UP)
        session_format_into(s->lost, sizeof(s->lost),
                            "lost the connection to %s%s%s", s->server_name,
                            s->stream_error[0] ? ": " : "", s->stream_error);
    s->state = ST_DOWN;
}

void session_reset_diagnostics(struct session *s)
{
    s->sock_errno = 0;
    s->auth_failed = 0;
    s->tls_failed = 0;
    s->lib_error[0] = '\0';
    s->stream_error[0] = '\0';
    s->errmsg[0] = '\0';
    s->lost[0] = '\0';
    s->cond[0] = '\0';
}

/* Why TLS failed, from libstrophe's last error; an untrusted certificate
 * is the common case and has a fix. */
int session_explain_tls(struct session *s)
{
    if (strstr(s->lib_error, "mandatory")) {
        set_err(s,
                "cannot connect to %s: the server does not offer TLS "
                "(see --insecure-plaintext)",
                s->server_name);
        return SESSION_ENOTSUPP;
    }
    if (strstr(s->lib_error, "certfail") || strstr(s->lib_error, "ertific")) {
        set_err(s,
                "cannot connect to %s: its TLS certificate cannot be "
                "verified for %s (give its CA with --cafile)",
                s->server_name, strchr(s->jid, '@') + 1);
        return SESSION_ENET;
    }
    set_err(s, "cannot connect to %s: TLS failed: %s", s->server_name,
            s->lib_error);
    return SESSION_ENET;
}

/* Why an attempt that never got up failed, from what libstrophe said. */
int session_explain_failure(struct session *s, int timed_out)
{
    if (timed_out) {
        set_err(s, "cannot connect to %s: timed out after %d s", s->server_name,
                s->timeout_ms / 1000);
        return SESSION_ENET;
    }
    /* A failed handshake aborts the socket too: TLS says more. */
    if (s->tls_failed)
        return session_explain_tls(s);
    if (s->sock_errno) {
        set_err(s, "cannot connect to %s: %s", s->server_name,
                strerror(s->sock_errno));
        return SESSION_ENET;
    }
    if (s->auth_failed) {
        set_err(s, "login as %s failed: wrong password or no such account%s",
                s->jid,
                s->tls ? "" : " (or the server allows no login without TLS)");
        return SESSION_EAUTH;
    }
    if (s->stream_error[0]) {
        set_err(s, "%s closed the connection: %s", s->server_name,
                s->stream_error);
        return SESSION_ENET;
    }
    set_err(s, "cannot connect to %s: the connection closed during login%s%s",
            s->server_name, s->lib_error[0] ? ": " : "", s->lib_error);
    return SESSION_ENET;
}

/* A fresh connection with our flags; NULL when memory ran out. */
xmpp_conn_t *session_new_conn(struct session *s)
{
    xmpp_conn_t *conn = xmpp_conn_new(s->ctx);
    long flags = XMPP_CONN_FLAG_DISABLE_SM;

    if (!conn)
        return NULL;
    flags |= s->tls ? XMPP_CONN_FLAG_MANDATORY_TLS : XMPP_CONN_FLAG_DISABLE_TLS;
    xmpp_conn_set_flags(conn, flags);
    xmpp_conn_set_sockopt_callback(conn, xmpp_sockopt_cb_keepalive);
    if (s->cafile)
        xmpp_conn_set_cafile(conn, s->cafile);
    return conn;
}

/* Pumps until the attempt leaves ST_CONNECTING or the deadline passes;
 * returns 1 when it timed out (the attempt is then aborted). */
static int wait_connecting(struct session *s, int64_t deadline)
{
    while (s->state == ST_CONNECTING && clock_now_ms() < deadline)
        session_run_slice(s, deadline);
    if (s->state != ST_CONNECTING)
        return 0;
    xmpp_disconnect(s->conn);
    session_wait_down(s);
    return 1;
}

int session_connect(struct session *s)
{
    int64_t deadline = clock_now_ms() + s->timeout_ms;
    int timed_out;

    session_disconnect(s);
    session_reset_diagnostics(s);
    if (!s->jid || !s->password) {
        set_err(s, "no %s to log in with", s->jid ? "password" : "JID");
        return SESSION_EAUTH;
    }
    s->conn = session_new_conn(s);
    if (!s->conn) {
        set_err(s, "out of memory");
        return SESSION_ENOMEM;
    }
    s->followed = 0;
    xmpp_conn_set_jid(s->conn, s->jid);
    xmpp_conn_set_pass(s->conn, s->password);
    xmpp_handler_add(s->conn, session_on_message, NULL, "message", NULL, s);
    xmpp_handler_add(s->conn, session_on_iq, NULL, "iq", NULL, s);
    xmpp_handler_add(s->conn, session_on_presence, NULL, "presence", NULL, s);
    s->state = ST_CONNECTING;
    if (xmpp_connect_client(s->conn, s->host, (unsigned short)s->port,
                            session_on_conn, s) != XMPP_EOK) {
        session_release_conn(s);
        set_err(s, "cannot connect to %s: cannot resolve or reach the host",
                s->server_name);
        return SESSION_ENET;
    }
    timed_out = wait_connecting(s, deadline);
    if (s->state == ST_UP)
        return SESSION_OK;
    session_release_conn(s);
    return session_explain_failure(s, timed_out);
}

void session_disconnect(struct session *s)
{
    if (!s->conn)
        return;
    if (s->state == ST_UP) {
        session_flush(s);
        xmpp_disconnect(s->conn);
        session_wait_down(s);
    }
    session_release_conn(s);
}
