/* The session's login: a fresh libstrophe connection, what went wrong
 * while it connected, and the one-line reason when it fails. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/session_int.h"
#include "common/util.h"

/*
 * Where a failure's cause comes from. libstrophe 0.12.2 signals some
 * causes and not others; where it gives no signal, its log is the only
 * source, and this is the one place that reads it:
 *
 *   stream errors      signal: the connection handler's xmpp_stream_error_t
 *   certificates       signal: the certificate-failure handler
 *                      (session_on_certfail, session_tls.c), which sees
 *                      the certificate's names and the CA's verdict
 *   other TLS failures signal: a failed handshake (no shared cipher or
 *                      version) reaches the connection handler as error
 *                      ECONNABORTED on a connection never secured; OpenSSL's
 *                      reason is only logged, at debug level in the "tls"
 *                      area ("error:..."), and is quoted from there
 *   TLS not offered    no signal: with XMPP_CONN_FLAG_MANDATORY_TLS it logs
 *                      "TLS is not supported, but set as mandatory" and
 *                      disconnects with error 0; matched by its text
 *   SASL refused       no signal: the SASL <failure/> and its condition
 *                      stay inside libstrophe, which logs "Cannot
 *                      authenticate with known methods" in its "auth" area
 *                      and disconnects with error 0; the area marks it
 *   socket errors      no signal: the handler's error is 0 when connect()
 *                      fails; the errno is read from the debug line
 *                      "connection failed, error N"
 *
 * docs/LIBSTROPHE.md says the same for users of the library.
 */
#define LOG_SOCK_FAILED "connection failed, error "
#define LOG_TLS_MANDATORY "set as mandatory"
#define LOG_TLS_ERROR "error:"

void session_on_log(void *ud, xmpp_log_level_t level, const char *area,
                    const char *msg)
{
    struct session *s = ud;
    size_t n = strlen(LOG_SOCK_FAILED);

    if (session_tls_note(s, area, msg))
        return;
    if (s->debug)
        fprintf(stderr, "cardx: strophe %s: %s\n", area, msg);
    if (strncmp(msg, LOG_SOCK_FAILED, n) == 0)
        s->sock_errno = atoi(msg + n);
    if (strcmp(area, "tls") == 0 &&
        strncmp(msg, LOG_TLS_ERROR, strlen(LOG_TLS_ERROR)) == 0)
        session_format_into(s->tls_detail, sizeof(s->tls_detail), "%s",
                            msg + strlen(LOG_TLS_ERROR));
    if (level < XMPP_LEVEL_ERROR)
        return;
    if (strcmp(area, "auth") == 0)
        s->auth_failed = 1;
    if (strcmp(area, "tls") == 0)
        s->tls_failed = 1;
    if (strstr(msg, LOG_TLS_MANDATORY))
        s->tls_missing = 1;
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

    if (event == XMPP_CONN_CONNECT) {
        s->state = ST_UP;
        return;
    }
    if (event == XMPP_CONN_RAW_CONNECT)
        return;
    /* libstrophe aborts a connection whose TLS handshake failed. */
    if (error == ECONNABORTED && s->state == ST_CONNECTING && s->tls &&
        !xmpp_conn_is_secured(conn))
        s->tls_failed = 1;
    else if (error)
        s->sock_errno = error;
    note_stream_error(s, stream_error);
    if (s->state == ST_UP)
        session_format_into(s->lost, sizeof(s->lost),
                            session_tr(s, "lost the connection to %s%s%s"),
                            s->server_name, s->stream_error[0] ? ": " : "",
                            s->stream_error);
    s->state = ST_DOWN;
}

void session_reset_diagnostics(struct session *s)
{
    s->sock_errno = 0;
    s->auth_failed = 0;
    s->tls_failed = 0;
    s->tls_missing = 0;
    s->tls_detail[0] = '\0';
    s->why = SESSION_WHY_NONE;
    s->cert_seen = 0;
    s->cert_names[0] = '\0';
    s->cert_error[0] = '\0';
    s->lib_error[0] = '\0';
    s->stream_error[0] = '\0';
    s->errmsg[0] = '\0';
    s->lost[0] = '\0';
    s->cond[0] = '\0';
}

/* Why an attempt that never got up failed (see the table above). */
int session_explain_failure(struct session *s, int timed_out)
{
    if (timed_out) {
        s->why = SESSION_WHY_TIMEOUT;
        session_set_err(s, "cannot connect to %s: timed out after %d s",
                        s->server_name, s->timeout_ms / 1000);
        return SESSION_ENET;
    }
    /* A failed handshake aborts the socket too: TLS says more. */
    if (s->cert_seen || s->tls_failed || s->tls_missing)
        return session_explain_tls(s);
    if (s->sock_errno) {
        s->why = SESSION_WHY_UNREACHABLE;
        session_set_err(s, "cannot connect to %s: %s", s->server_name,
                        strerror(s->sock_errno));
        return SESSION_ENET;
    }
    if (s->auth_failed) {
        s->why = SESSION_WHY_AUTH;
        session_set_err(
            s, "login as %s failed: wrong password or no such account%s",
            s->jid,
            s->tls ? "" : " (or the server allows no login without TLS)");
        return SESSION_EAUTH;
    }
    if (s->stream_error[0]) {
        s->why = SESSION_WHY_STREAM_ERROR;
        session_set_err(s, "%s closed the connection: %s", s->server_name,
                        s->stream_error);
        return SESSION_ENET;
    }
    s->why = SESSION_WHY_CLOSED;
    session_set_err(
        s, "cannot connect to %s: the connection closed during login%s%s",
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
    xmpp_conn_set_certfail_handler(conn, session_on_certfail);
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
        if (s->jid)
            session_set_err(s, "no password to log in with");
        else
            session_set_err(s, "no JID to log in with");
        return SESSION_EAUTH;
    }
    s->conn = session_new_conn(s);
    if (!s->conn) {
        session_set_err(s, "out of memory");
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
        s->why = SESSION_WHY_UNREACHABLE;
        session_set_err(
            s, "cannot connect to %s: cannot resolve or reach the host",
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
