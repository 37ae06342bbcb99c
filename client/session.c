/* cardx's XMPP session on libstrophe (see session.h). */
#include "client/session.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xep/ns.h"
#include "xep/stanza.h"

#define SLICE_MS 50
#define CLOSE_WAIT_MS 2000
#define NS_REGISTER_FEATURE "http://jabber.org/features/iq-register"
#define NS_TLS "urn:ietf:params:xml:ns:xmpp-tls"
/* libstrophe 0.12 reports neither socket errors nor failed logins to the
 * connection handler (error is 0); it logs them. The session reads its own
 * log for these messages to say what went wrong. */
#define LOG_SOCK_FAILED "connection failed, error "

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
    /* What the log said during the current connection attempt. */
    int sock_errno, auth_failed, tls_failed;
    char lib_error[256];
    char stream_error[256];
    /* The one request session_iq() waits for. */
    const char *wait_id;
    xmpp_stanza_t *wait_reply;
    unsigned long next_id;
    struct session_card *head, **tail;
    long long last_activity;
    int followed; /* approved the component and subscribed back */
};

static void format_into(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Messages are cut at the buffer's size, which is fine for one line. */
static void format_into(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, size, fmt, ap);
    va_end(ap);
}

#define set_err(s, ...)                                                        \
    format_into((s)->errmsg, sizeof((s)->errmsg), __VA_ARGS__)

long long session_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One turn of the event loop, blocking at most until deadline and at most
 * SLICE_MS, so callers re-check their condition often. */
static void run_slice(struct session *s, long long deadline)
{
    long long left = deadline - session_now_ms();

    if (left > SLICE_MS)
        left = SLICE_MS;
    xmpp_run_once(s->ctx, left > 0 ? (unsigned long)left : 0);
}

static void on_log(void *ud, xmpp_log_level_t level, const char *area,
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
    format_into(s->lib_error, sizeof(s->lib_error), "%s", msg);
}

void session_card_free(struct session_card *c)
{
    if (!c)
        return;
    free(c->card_id);
    free(c->sender_phone);
    free(c->note);
    free(c->vcard_xml);
    vcard_fields_clear(&c->f);
    free(c);
}

static int copy_opt(char **dst, const char *src)
{
    *dst = NULL;
    if (!src)
        return 0;
    *dst = strdup(src);
    return *dst ? 0 : -1;
}

int session_new(const struct session_options *o, struct session **out)
{
    struct session *s = calloc(1, sizeof(*s));

    *out = NULL;
    if (!s)
        return SESSION_ENOMEM;
    s->tail = &s->head;
    s->port = o->port ? o->port : 5222;
    s->tls = o->tls;
    s->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 10000;
    s->debug = o->debug;
    s->log.handler = on_log;
    s->log.userdata = s;
    if (copy_opt(&s->jid, o->jid) < 0 ||
        copy_opt(&s->password, o->password) < 0 ||
        copy_opt(&s->host, o->host) < 0 ||
        copy_opt(&s->component, o->component) < 0 ||
        copy_opt(&s->cafile, o->cafile) < 0)
        goto fail;
    s->ctx = xmpp_ctx_new(NULL, &s->log);
    if (!s->ctx)
        goto fail;
    if (s->host)
        format_into(s->server_name, sizeof(s->server_name), "%s:%d", s->host,
                    s->port);
    else
        format_into(s->server_name, sizeof(s->server_name), "%s:%d",
                    s->jid && strchr(s->jid, '@') ? strchr(s->jid, '@') + 1
                                                  : "?",
                    s->port);
    /* A server going away must fail a write, not kill the program. */
    signal(SIGPIPE, SIG_IGN);
    *out = s;
    return SESSION_OK;
fail:
    session_free(s);
    return SESSION_ENOMEM;
}

static void release_conn(struct session *s)
{
    if (s->conn) {
        xmpp_conn_release(s->conn);
        s->conn = NULL;
    }
    s->state = ST_DOWN;
}

void session_free(struct session *s)
{
    if (!s)
        return;
    session_disconnect(s);
    while (s->head) {
        struct session_card *c = s->head;

        s->head = c->next;
        session_card_free(c);
    }
    if (s->wait_reply)
        xmpp_stanza_release(s->wait_reply);
    if (s->ctx)
        xmpp_ctx_free(s->ctx);
    free(s->jid);
    if (s->password) {
        explicit_bzero(s->password, strlen(s->password));
        free(s->password);
    }
    free(s->host);
    free(s->component);
    free(s->cafile);
    free(s);
}

const char *session_errmsg(const struct session *s)
{
    return s->errmsg;
}

const char *session_error_cond(const struct session *s)
{
    return s->cond[0] ? s->cond : NULL;
}

const char *session_server_name(const struct session *s)
{
    return s->server_name;
}

xmpp_ctx_t *session_ctx(struct session *s)
{
    return s->ctx;
}

int session_is_online(const struct session *s)
{
    return s->state == ST_UP;
}

int session_component_approved(const struct session *s)
{
    return s->followed;
}

long long session_last_activity(const struct session *s)
{
    return s->last_activity;
}

struct session_card *session_take_card(struct session *s)
{
    struct session_card *c = s->head;

    if (!c)
        return NULL;
    s->head = c->next;
    if (!s->head)
        s->tail = &s->head;
    c->next = NULL;
    return c;
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
    format_into(s->stream_error, sizeof(s->stream_error), "%s%s%s", name,
                se->text ? ": " : "", se->text ? se->text : "");
}

static void on_conn(xmpp_conn_t *conn, xmpp_conn_event_t event, int error,
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
        format_into(s->lost, sizeof(s->lost), "lost the connection to %s%s%s",
                    s->server_name, s->stream_error[0] ? ": " : "",
                    s->stream_error);
    s->state = ST_DOWN;
}

/* True when jid is the component or one of its proxy JIDs. */
static int from_component(struct session *s, const char *jid)
{
    const char *domain;
    size_t n;

    if (!jid || !s->component)
        return 0;
    domain = strchr(jid, '@');
    domain = domain ? domain + 1 : jid;
    n = strlen(s->component);
    return strncmp(domain, s->component, n) == 0 &&
           (domain[n] == '\0' || domain[n] == '/');
}

static char *child_text(xmpp_stanza_t *parent, const char *name)
{
    xmpp_stanza_t *child = xmpp_stanza_get_child_by_name(parent, name);
    xmpp_ctx_t *ctx = xmpp_stanza_get_context(parent);
    char *text, *copy;

    if (!child)
        return NULL;
    text = xmpp_stanza_get_text(child);
    if (!text)
        return NULL;
    copy = text[0] ? strdup(text) : NULL;
    xmpp_free(ctx, text);
    return copy;
}

/* Fills c from a card delivery (xep/cardx.md section 5). Returns 0, -1 when
 * it is not a usable card, VCARD_ENOMEM. */
static int parse_card(xmpp_stanza_t *msg, xmpp_stanza_t *card,
                      struct session_card *c)
{
    xmpp_ctx_t *ctx = xmpp_stanza_get_context(msg);
    const char *id = xmpp_stanza_get_attribute(card, "id");
    const char *phone = xmpp_stanza_get_attribute(card, "phone");
    xmpp_stanza_t *vcard;
    char *node = NULL;

    if (!id)
        id = xmpp_stanza_get_id(msg);
    if (!id || !id[0])
        return -1;
    if (!phone) {
        node = xmpp_jid_node(ctx, xmpp_stanza_get_from(msg));
        phone = node;
    }
    c->card_id = strdup(id);
    c->sender_phone = phone ? strdup(phone) : NULL;
    if (node)
        xmpp_free(ctx, node);
    c->note = child_text(card, "note");
    if (!c->card_id || (phone && !c->sender_phone))
        return VCARD_ENOMEM;
    vcard = xmpp_stanza_get_child_by_name_and_ns(msg, "vCard", NS_VCARD);
    if (vcard) {
        int rc = vcard_parse(vcard, &c->f);

        if (rc == VCARD_ENOMEM)
            return rc;
        c->vcard_xml = vcard_to_text(vcard);
        if (!c->vcard_xml)
            return VCARD_ENOMEM;
    }
    return 0;
}

static int on_message(xmpp_conn_t *conn, xmpp_stanza_t *stanza, void *ud)
{
    struct session *s = ud;
    const char *from = xmpp_stanza_get_from(stanza);
    xmpp_stanza_t *card;
    struct session_card *c;

    (void)conn;
    /* Only cardxd delivers cards; anyone else's <card/> is not one. */
    if (!from_component(s, from) || stanza_is_error(stanza))
        return 1;
    s->last_activity = session_now_ms();
    card = xmpp_stanza_get_child_by_name_and_ns(stanza, "card", NS_CARDX);
    if (!card)
        return 1;
    c = calloc(1, sizeof(*c));
    if (!c || parse_card(stanza, card, c) != 0) {
        /* Not acknowledged, so the service sends it again next time. */
        if (s->debug)
            fprintf(stderr, "cardx: dropped an unusable card from %s\n",
                    from ? from : "?");
        session_card_free(c);
        return 1;
    }
    *s->tail = c;
    s->tail = &c->next;
    return 1;
}

/* Sends stanza from inside a handler; replies go out with the next turn. */
static void reply_and_release(struct session *s, xmpp_stanza_t *reply)
{
    if (reply) {
        xmpp_send(s->conn, reply);
        xmpp_stanza_release(reply);
    }
}

static void add_feature(xmpp_ctx_t *ctx, xmpp_stanza_t *query, const char *ns)
{
    xmpp_stanza_t *f = stanza_add_child(ctx, query, "feature", NULL);

    if (f)
        xmpp_stanza_set_attribute(f, "var", ns);
}

/* What cardxd asks each new session (xep/cardx.md section 6): receipts
 * support means we acknowledge cards. */
static xmpp_stanza_t *disco_info_reply(struct session *s, xmpp_stanza_t *iq,
                                       xmpp_stanza_t *query)
{
    xmpp_stanza_t *reply = stanza_reply(s->ctx, iq, "result");
    xmpp_stanza_t *q, *identity;
    const char *node = xmpp_stanza_get_attribute(query, "node");

    if (!reply)
        return NULL;
    q = stanza_add_child(s->ctx, reply, "query", NS_DISCO_INFO);
    if (!q)
        return reply;
    if (node)
        xmpp_stanza_set_attribute(q, "node", node);
    identity = stanza_add_child(s->ctx, q, "identity", NULL);
    if (identity) {
        xmpp_stanza_set_attribute(identity, "category", "client");
        xmpp_stanza_set_attribute(identity, "type", "phone");
        xmpp_stanza_set_attribute(identity, "name", "cardx");
    }
    add_feature(s->ctx, q, NS_DISCO_INFO);
    add_feature(s->ctx, q, NS_PING);
    add_feature(s->ctx, q, NS_RECEIPTS);
    add_feature(s->ctx, q, NS_CARDX);
    return reply;
}

/* Roster pushes are valid only from our own account (RFC 6121 2.1.6). */
static int from_own_account(struct session *s, const char *from)
{
    size_t n = strcspn(from ? from : "", "/");

    return !from || (strlen(s->jid) == n && strncmp(from, s->jid, n) == 0);
}

static int on_iq(xmpp_conn_t *conn, xmpp_stanza_t *stanza, void *ud)
{
    struct session *s = ud;
    const char *type = xmpp_stanza_get_type(stanza);
    xmpp_stanza_t *query = xmpp_stanza_get_children(stanza);
    const char *ns;
    int get;

    (void)conn;
    if (from_component(s, xmpp_stanza_get_from(stanza)))
        s->last_activity = session_now_ms();
    if (!type || (strcmp(type, "get") != 0 && strcmp(type, "set") != 0))
        return 1; /* answers are for session_iq() */
    while (query && !xmpp_stanza_is_tag(query))
        query = xmpp_stanza_get_next(query);
    ns = query ? xmpp_stanza_get_ns(query) : NULL;
    get = strcmp(type, "get") == 0;
    if (get && ns && strcmp(ns, NS_DISCO_INFO) == 0)
        reply_and_release(s, disco_info_reply(s, stanza, query));
    else if ((get && ns && strcmp(ns, NS_PING) == 0) ||
             (!get && ns && strcmp(ns, XMPP_NS_ROSTER) == 0 &&
              from_own_account(s, xmpp_stanza_get_from(stanza))))
        reply_and_release(s, stanza_reply(s->ctx, stanza, "result"));
    else
        reply_and_release(s, stanza_error_reply(s->ctx, stanza, ERR_CANCEL,
                                                "service-unavailable", NULL));
    return 1;
}

static void send_presence_type(struct session *s, const char *type,
                               const char *to)
{
    xmpp_stanza_t *p = xmpp_presence_new(s->ctx);

    if (!p)
        return;
    if (xmpp_stanza_set_type(p, type) == XMPP_EOK &&
        xmpp_stanza_set_to(p, to) == XMPP_EOK)
        xmpp_send(s->conn, p);
    xmpp_stanza_release(p);
}

/* The component asks for our presence once we registered (as XEP-0100
 * gateways do): approve it, and ask for its presence in return so the
 * roster holds both directions. */
static int on_presence(xmpp_conn_t *conn, xmpp_stanza_t *stanza, void *ud)
{
    struct session *s = ud;
    const char *from = xmpp_stanza_get_from(stanza);
    const char *type = xmpp_stanza_get_type(stanza);

    (void)conn;
    if (!from_component(s, from))
        return 1;
    s->last_activity = session_now_ms();
    if (!type || strcmp(type, "subscribe") != 0)
        return 1;
    send_presence_type(s, "subscribed", from);
    if (!s->followed && strcmp(from, s->component) == 0) {
        send_presence_type(s, "subscribe", s->component);
        s->followed = 1;
    }
    return 1;
}

static void reset_diagnostics(struct session *s)
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
static int explain_tls(struct session *s)
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
static int explain_failure(struct session *s, int timed_out)
{
    if (timed_out) {
        set_err(s, "cannot connect to %s: timed out after %d s", s->server_name,
                s->timeout_ms / 1000);
        return SESSION_ENET;
    }
    /* A failed handshake aborts the socket too: TLS says more. */
    if (s->tls_failed)
        return explain_tls(s);
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
static xmpp_conn_t *new_conn(struct session *s)
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
static int wait_connecting(struct session *s, long long deadline)
{
    while (s->state == ST_CONNECTING && session_now_ms() < deadline)
        run_slice(s, deadline);
    if (s->state != ST_CONNECTING)
        return 0;
    xmpp_disconnect(s->conn);
    deadline = session_now_ms() + CLOSE_WAIT_MS;
    while (s->state != ST_DOWN && session_now_ms() < deadline)
        run_slice(s, deadline);
    return 1;
}

int session_connect(struct session *s)
{
    long long deadline = session_now_ms() + s->timeout_ms;
    int timed_out;

    session_disconnect(s);
    reset_diagnostics(s);
    if (!s->jid || !s->password) {
        set_err(s, "no %s to log in with", s->jid ? "password" : "JID");
        return SESSION_EAUTH;
    }
    s->conn = new_conn(s);
    if (!s->conn) {
        set_err(s, "out of memory");
        return SESSION_ENOMEM;
    }
    s->followed = 0;
    xmpp_conn_set_jid(s->conn, s->jid);
    xmpp_conn_set_pass(s->conn, s->password);
    xmpp_handler_add(s->conn, on_message, NULL, "message", NULL, s);
    xmpp_handler_add(s->conn, on_iq, NULL, "iq", NULL, s);
    xmpp_handler_add(s->conn, on_presence, NULL, "presence", NULL, s);
    s->state = ST_CONNECTING;
    if (xmpp_connect_client(s->conn, s->host, (unsigned short)s->port, on_conn,
                            s) != XMPP_EOK) {
        release_conn(s);
        set_err(s, "cannot connect to %s: cannot resolve or reach the host",
                s->server_name);
        return SESSION_ENET;
    }
    timed_out = wait_connecting(s, deadline);
    if (s->state == ST_UP)
        return SESSION_OK;
    release_conn(s);
    return explain_failure(s, timed_out);
}

static int not_online(struct session *s)
{
    if (s->lost[0])
        set_err(s, "%s", s->lost);
    else
        set_err(s, "not connected to %s", s->server_name);
    return SESSION_ENET;
}

/* Runs until libstrophe has written everything queued. */
static int flush(struct session *s)
{
    long long deadline = session_now_ms() + s->timeout_ms;

    while (s->state == ST_UP && xmpp_conn_send_queue_len(s->conn) > 0) {
        if (session_now_ms() >= deadline) {
            set_err(s, "%s does not take our data (timed out)", s->server_name);
            return SESSION_ENET;
        }
        run_slice(s, deadline);
    }
    return s->state == ST_UP ? SESSION_OK : not_online(s);
}

void session_disconnect(struct session *s)
{
    long long deadline;

    if (!s->conn)
        return;
    if (s->state == ST_UP) {
        flush(s);
        xmpp_disconnect(s->conn);
        deadline = session_now_ms() + CLOSE_WAIT_MS;
        while (s->state != ST_DOWN && session_now_ms() < deadline)
            run_slice(s, deadline);
    }
    release_conn(s);
}

int session_send(struct session *s, xmpp_stanza_t *stanza)
{
    if (s->state != ST_UP)
        return not_online(s);
    xmpp_send(s->conn, stanza);
    return flush(s);
}

static int on_reply(xmpp_conn_t *conn, xmpp_stanza_t *stanza, void *ud)
{
    struct session *s = ud;
    const char *type = xmpp_stanza_get_type(stanza);

    (void)conn;
    if (!type || (strcmp(type, "result") != 0 && strcmp(type, "error") != 0))
        return 1;
    if (s->wait_id && !s->wait_reply)
        s->wait_reply = xmpp_stanza_clone(stanza);
    return 0;
}

/* Records an error reply as the session's error. */
static int refused(struct session *s, xmpp_stanza_t *reply)
{
    char *text = NULL;
    const char *cond = stanza_error_condition(reply, &text);

    format_into(s->cond, sizeof(s->cond), "%s", cond ? cond : "");
    if (text && text[0])
        set_err(s, "%s", text);
    else
        set_err(s, "%s", cond ? cond : "the request was refused");
    if (text)
        xmpp_free(s->ctx, text);
    return SESSION_EREFUSED;
}

/* Gives iq an id if it has none; returns it (borrowed from iq) or NULL. */
static const char *ensure_id(struct session *s, xmpp_stanza_t *iq)
{
    char id[32];

    if (xmpp_stanza_get_id(iq))
        return xmpp_stanza_get_id(iq);
    snprintf(id, sizeof(id), "cx%lu", ++s->next_id);
    if (xmpp_stanza_set_id(iq, id) != XMPP_EOK)
        return NULL;
    return xmpp_stanza_get_id(iq);
}

int session_iq(struct session *s, xmpp_stanza_t *iq, xmpp_stanza_t **reply)
{
    long long deadline = session_now_ms() + s->timeout_ms;
    xmpp_stanza_t *answer;
    const char *id;
    int rc;

    if (reply)
        *reply = NULL;
    s->cond[0] = '\0';
    if (s->state != ST_UP)
        return not_online(s);
    id = ensure_id(s, iq);
    if (!id) {
        set_err(s, "out of memory");
        return SESSION_ENOMEM;
    }
    s->wait_id = id;
    xmpp_id_handler_add(s->conn, on_reply, id, s);
    xmpp_send(s->conn, iq);
    while (!s->wait_reply && s->state == ST_UP && session_now_ms() < deadline)
        run_slice(s, deadline);
    answer = s->wait_reply;
    s->wait_reply = NULL;
    s->wait_id = NULL;
    if (!answer) {
        xmpp_id_handler_delete(s->conn, on_reply, id);
        if (s->state != ST_UP)
            return not_online(s);
        set_err(s, "no answer from %s within %d s",
                xmpp_stanza_get_to(iq) ? xmpp_stanza_get_to(iq) : "the server",
                s->timeout_ms / 1000);
        return SESSION_ENET;
    }
    rc = stanza_is_error(answer) ? refused(s, answer) : SESSION_OK;
    if (rc == SESSION_OK && reply)
        *reply = answer;
    else
        xmpp_stanza_release(answer);
    return rc;
}

int session_presence(struct session *s, const char *to)
{
    xmpp_stanza_t *p = xmpp_presence_new(s->ctx);
    int rc;

    if (!p) {
        set_err(s, "out of memory");
        return SESSION_ENOMEM;
    }
    if (to && xmpp_stanza_set_to(p, to) != XMPP_EOK) {
        xmpp_stanza_release(p);
        set_err(s, "out of memory");
        return SESSION_ENOMEM;
    }
    rc = session_send(s, p);
    xmpp_stanza_release(p);
    return rc;
}

int session_run(struct session *s, int ms)
{
    long long deadline = session_now_ms() + ms;

    if (s->state != ST_UP)
        return not_online(s);
    do {
        run_slice(s, deadline);
    } while (s->state == ST_UP && session_now_ms() < deadline);
    if (s->state != ST_UP)
        return not_online(s);
    /* Replies from handlers (disco, subscriptions) go out now. */
    return flush(s);
}

/* State of one in-band registration on a raw connection. */
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
    refused(r->s, stanza);
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
        set_err(r->s, "cannot connect to %s: the server refused STARTTLS",
                r->s->server_name);
        ibr_finish(conn, r, SESSION_ENET);
        return 0;
    }
    if (xmpp_conn_tls_start(conn) != XMPP_EOK) {
        ibr_finish(conn, r, explain_tls(r->s));
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
        set_err(r->s,
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
        set_err(r->s, "out of memory");
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
        set_err(r->s,
                "%s does not allow creating accounts (in-band "
                "registration); create %s another way",
                r->domain, r->s->jid);
        ibr_finish(conn, r, SESSION_ENOTSUPP);
        return 0;
    }
    iq = ibr_request(r);
    if (!iq) {
        set_err(r->s, "out of memory");
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
    on_conn(conn, event, error, stream_error, r->s);
}

/* Pumps the registration until it is decided or the deadline passes, then
 * lets the connection close. */
static void ibr_wait(struct ibr *r, long long deadline)
{
    struct session *s = r->s;

    while (!r->done && s->state != ST_DOWN && session_now_ms() < deadline)
        run_slice(s, deadline);
    if (!r->done && s->state != ST_DOWN)
        xmpp_disconnect(s->conn);
    deadline = session_now_ms() + CLOSE_WAIT_MS;
    while (s->state != ST_DOWN && session_now_ms() < deadline)
        run_slice(s, deadline);
}

int session_register_account(struct session *s)
{
    struct ibr r = {.s = s, .rc = SESSION_ENET};
    long long deadline = session_now_ms() + s->timeout_ms;

    session_disconnect(s);
    reset_diagnostics(s);
    if (!s->jid || !s->password) {
        set_err(s, "no %s to register with", s->jid ? "password" : "JID");
        return SESSION_EAUTH;
    }
    r.node = xmpp_jid_node(s->ctx, s->jid);
    r.domain = xmpp_jid_domain(s->ctx, s->jid);
    s->conn = new_conn(s);
    if (!r.node || !r.domain || !s->conn) {
        set_err(s, "out of memory");
        r.rc = SESSION_ENOMEM;
        goto out;
    }
    xmpp_conn_set_jid(s->conn, r.domain);
    s->state = ST_CONNECTING;
    if (xmpp_connect_raw(s->conn, s->host, (unsigned short)s->port, ibr_on_conn,
                         &r) != XMPP_EOK) {
        set_err(s, "cannot connect to %s: cannot resolve or reach the host",
                s->server_name);
        goto out;
    }
    ibr_wait(&r, deadline);
    if (!r.done)
        r.rc = explain_failure(s, session_now_ms() >= deadline);
out:
    release_conn(s);
    if (r.node)
        xmpp_free(s->ctx, r.node);
    if (r.domain)
        xmpp_free(s->ctx, r.domain);
    return r.rc;
}
