/* Creating the account by XEP-0077 in-band registration, on a raw
 * connection of its own before any login. */
#include <string.h>

#include "client/session_int.h"
#include "common/util.h"
#include "xep/ns.h"
#include "xep/stanza.h"

#define NS_REGISTER_FEATURE "http://jabber.org/features/iq-register"

struct ibr {
    struct session *s;
    char *node, *domain;
    int done; /* the outcome is known */
    int rc;
};

static void ibr_finish(xmpp_conn_t *conn, struct ibr *r, int rc)
{
    r->rc = rc;
    r->done = 1;
    xmpp_disconnect(conn);
}

static int ibr_on_reply(xmpp_conn_t *conn, xmpp_stanza_t *stanza, void *ud)
{
    struct ibr *r = ud;
    const char *cond;

    if (!stanza_is_error(stanza)) {
        ibr_finish(conn, r, SESSION_OK);
        return 0;
    }
    session_refused(r->s, stanza);
    cond = session_error_cond(r->s);
    if (cond && strcmp(cond, "conflict") == 0)
        ibr_finish(conn, r, SESSION_EEXISTS);
    else if (cond && (strcmp(cond, "not-allowed") == 0 ||
                      strcmp(cond, "forbidden") == 0 ||
                      strcmp(cond, "service-unavailable") == 0))
        ibr_finish(conn, r, SESSION_ENOTSUPP);
    else
        ibr_finish(conn, r, SESSION_EREFUSED);
    return 0;
}

static xmpp_stanza_t *ibr_request(struct ibr *r)
{
    xmpp_ctx_t *ctx = r->s->ctx;
    xmpp_stanza_t *iq = xmpp_iq_new(ctx, "set", "cx-register");
    xmpp_stanza_t *query;

    if (!iq)
        return NULL;
    query = stanza_add_child(ctx, iq, "query", NS_REGISTER);
    if (xmpp_stanza_set_to(iq, r->domain) != XMPP_EOK || !query ||
        stanza_add_text_child(ctx, query, "username", r->node) < 0 ||
        stanza_add_text_child(ctx, query, "password", r->s->password) < 0) {
        xmpp_stanza_release(iq);
        return NULL;
    }
    return iq;
}

static int ibr_on_features(xmpp_conn_t *conn, xmpp_stanza_t *stanza, void *ud);

static int ibr_on_tls(xmpp_conn_t *conn, xmpp_stanza_t *stanza, void *ud)
{
    struct ibr *r = ud;
    const char *name = xmpp_stanza_get_name(stanza);

    if (!name || strcmp(name, "proceed") != 0) {
        session_set_err(r->s,
                        "cannot connect to %s: the server refused STARTTLS",
                        r->s->server_name);
        ibr_finish(conn, r, SESSION_ENET);
        return 0;
    }
    if (xmpp_conn_tls_start(conn) != XMPP_EOK) {
        ibr_finish(conn, r, session_explain_tls(r->s));
        return 0;
    }
    xmpp_handler_add(conn, ibr_on_features, XMPP_NS_STREAMS, "features", NULL,
                     r);
    xmpp_conn_open_stream_default(conn);
    return 0;
}

/* Upgrades to TLS when the session requires it; returns 1 while that is
 * under way (the features come again afterwards). */
static int ibr_starttls(xmpp_conn_t *conn, xmpp_stanza_t *features,
                        struct ibr *r)
{
    xmpp_stanza_t *st;

    if (!r->s->tls || xmpp_conn_is_secured(conn))
        return 0;
    if (!xmpp_stanza_get_child_by_name_and_ns(features, "starttls", NS_TLS)) {
        r->s->why = SESSION_WHY_TLS_MISSING;
        session_set_err(r->s,
                        "cannot connect to %s: the server does not offer TLS "
                        "(see --insecure-plaintext)",
                        r->s->server_name);
        ibr_finish(conn, r, SESSION_ENOTSUPP);
        return 1;
    }
    st = xmpp_stanza_new(r->s->ctx);
    if (!st || xmpp_stanza_set_name(st, "starttls") != XMPP_EOK ||
        xmpp_stanza_set_ns(st, NS_TLS) != XMPP_EOK) {
        if (st)
            xmpp_stanza_release(st);
        session_set_err(r->s, "out of memory");
        ibr_finish(conn, r, SESSION_ENOMEM);
        return 1;
    }
    xmpp_handler_add(conn, ibr_on_tls, NS_TLS, NULL, NULL, r);
    xmpp_send(conn, st);
    xmpp_stanza_release(st);
    return 1;
}

static int ibr_on_features(xmpp_conn_t *conn, xmpp_stanza_t *stanza, void *ud)
{
    struct ibr *r = ud;
    xmpp_stanza_t *iq;

    if (ibr_starttls(conn, stanza, r))
        return 0;
    if (!xmpp_stanza_get_child_by_ns(stanza, NS_REGISTER_FEATURE)) {
        session_set_err(r->s,
                        "%s does not allow creating accounts (in-band "
                        "registration); create %s another way",
                        r->domain, r->s->jid);
        ibr_finish(conn, r, SESSION_ENOTSUPP);
        return 0;
    }
    iq = ibr_request(r);
    if (!iq) {
        session_set_err(r->s, "out of memory");
        ibr_finish(conn, r, SESSION_ENOMEM);
        return 0;
    }
    xmpp_id_handler_add(conn, ibr_on_reply, "cx-register", r);
    xmpp_send(conn, iq);
    xmpp_stanza_release(iq);
    return 0;
}

static void ibr_on_conn(xmpp_conn_t *conn, xmpp_conn_event_t event, int error,
                        xmpp_stream_error_t *stream_error, void *ud)
{
    struct ibr *r = ud;

    if (event == XMPP_CONN_RAW_CONNECT) {
        r->s->state = ST_UP;
        xmpp_handler_add(conn, ibr_on_features, XMPP_NS_STREAMS, "features",
                         NULL, r);
        xmpp_conn_open_stream_default(conn);
        return;
    }
    session_on_conn(conn, event, error, stream_error, r->s);
}

/* Pumps the registration until it is decided or the deadline passes, then
 * lets the connection close. */
static void ibr_wait(struct ibr *r, int64_t deadline)
{
    struct session *s = r->s;

    while (!r->done && s->state != ST_DOWN && clock_now_ms() < deadline)
        session_run_slice(s, deadline);
    if (!r->done && s->state != ST_DOWN)
        xmpp_disconnect(s->conn);
    session_wait_down(s);
}

int session_register_account(struct session *s)
{
    struct ibr r = {.s = s, .rc = SESSION_ENET};
    int64_t deadline = clock_now_ms() + s->timeout_ms;

    session_disconnect(s);
    session_reset_diagnostics(s);
    if (!s->jid || !s->password) {
        if (s->jid)
            session_set_err(s, "no password to register with");
        else
            session_set_err(s, "no JID to register with");
        return SESSION_EAUTH;
    }
    r.node = xmpp_jid_node(s->ctx, s->jid);
    r.domain = xmpp_jid_domain(s->ctx, s->jid);
    s->conn = session_new_conn(s);
    if (!r.node || !r.domain || !s->conn) {
        session_set_err(s, "out of memory");
        r.rc = SESSION_ENOMEM;
        goto out;
    }
    xmpp_conn_set_jid(s->conn, r.domain);
    s->state = ST_CONNECTING;
    if (xmpp_connect_raw(s->conn, s->host, (unsigned short)s->port, ibr_on_conn,
                         &r) != XMPP_EOK) {
        session_set_err(
            s, "cannot connect to %s: cannot resolve or reach the host",
            s->server_name);
        goto out;
    }
    ibr_wait(&r, deadline);
    if (!r.done)
        r.rc = session_explain_failure(s, clock_now_ms() >= deadline);
out:
    session_release_conn(s);
    if (r.node)
        xmpp_free(s->ctx, r.node);
    if (r.domain)
        xmpp_free(s->ctx, r.domain);
    return r.rc;
}
