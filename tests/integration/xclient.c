/* Synchronous libstrophe XMPP client for integration tests (see xclient.h). */
#include "common/util.h"
#include "tests/integration/xclient.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define NS_REGISTER_FEATURE "http://jabber.org/features/iq-register"
#define SEND_FLUSH_MS 5000
#define PRESENCE_ECHO_MS 5000 /* also for the roster */
#define DISCONNECT_MS 2000
#define SLICE_MS 50

enum xclient_state { XC_CONNECTING, XC_UP, XC_DOWN };

struct queued {
    xmpp_stanza_t *stanza;
    struct queued *next;
};

struct xclient {
    xmpp_ctx_t *ctx;
    xmpp_conn_t *conn;
    enum xclient_state state;
    int auto_accept;
    const char *const *features; /* disco#info answer; NULL: none */
    struct queued *head;
    struct queued **tail;
    int count;
    unsigned long next_id;
    int fd; /* the connection's socket, for xclient_drop_free(); -1: none */
};

/* The client whose connection libstrophe is opening. Its socket callback
 * gets no user data, and opening happens only inside xclient_connect_opts()
 * on this thread, so this names the client the new socket belongs to. */
static struct xclient *xclient_opening;

/* One turn of the event loop, blocking at most the time left (and at most
 * SLICE_MS, so callers re-check their condition often). */
static void run_slice(xmpp_ctx_t *ctx, long long deadline)
{
    long long left = deadline - clock_now_ms();

    if (left > SLICE_MS)
        left = SLICE_MS;
    xmpp_run_once(ctx, left > 0 ? (unsigned long)left : 0);
}

static xmpp_ctx_t *new_ctx(void)
{
    const char *debug = getenv("CARDX_XCLIENT_DEBUG");
    xmpp_log_t *log = NULL;

    if (debug && *debug && strcmp(debug, "0") != 0)
        log = xmpp_get_default_logger(XMPP_LEVEL_DEBUG);
    return xmpp_ctx_new(NULL, log);
}

static void on_conn(xmpp_conn_t *conn, xmpp_conn_event_t event, int error,
                    xmpp_stream_error_t *stream_error, void *userdata)
{
    struct xclient *c = userdata;

    (void)conn;
    (void)error;
    (void)stream_error;
    c->state = event == XMPP_CONN_CONNECT ? XC_UP : XC_DOWN;
}

static int on_socket(xmpp_conn_t *conn, void *sock)
{
    if (xclient_opening && xclient_opening->conn == conn)
        xclient_opening->fd = *(int *)sock;
    return 0;
}

static void accept_subscription(struct xclient *c, xmpp_stanza_t *stanza)
{
    const char *from = xmpp_stanza_get_from(stanza);
    xmpp_stanza_t *reply;

    if (!from)
        return;
    reply = xmpp_presence_new(c->ctx);
    if (!reply)
        return;
    xmpp_stanza_set_type(reply, "subscribed");
    xmpp_stanza_set_to(reply, from);
    xmpp_send(c->conn, reply);
    xmpp_stanza_release(reply);
}

/* Answers disco#info as a client with the configured features would. */
static int answer_disco(struct xclient *c, xmpp_stanza_t *stanza)
{
    xmpp_stanza_t *q = xmpp_stanza_get_child_by_name(stanza, "query");
    const char *ns = q ? xmpp_stanza_get_ns(q) : NULL;
    const char *type = xmpp_stanza_get_type(stanza);
    xmpp_stanza_t *reply, *rq;

    if (!c->features || !type || strcmp(type, "get") != 0 || !ns ||
        strcmp(ns, "http://jabber.org/protocol/disco#info") != 0)
        return 0;
    reply = xmpp_stanza_reply(stanza);
    rq = xmpp_stanza_new(c->ctx);
    if (!reply || !rq) {
        if (reply)
            xmpp_stanza_release(reply);
        if (rq)
            xmpp_stanza_release(rq);
        return 0;
    }
    xmpp_stanza_set_type(reply, "result");
    xmpp_stanza_set_name(rq, "query");
    xmpp_stanza_set_ns(rq, ns);
    for (const char *const *f = c->features; *f; f++) {
        xmpp_stanza_t *feat = xmpp_stanza_new(c->ctx);

        if (!feat)
            break;
        xmpp_stanza_set_name(feat, "feature");
        xmpp_stanza_set_attribute(feat, "var", *f);
        xmpp_stanza_add_child_ex(rq, feat, 0);
    }
    xmpp_stanza_add_child_ex(reply, rq, 0);
    xmpp_send(c->conn, reply);
    xmpp_stanza_release(reply);
    return 1;
}

/* Catch-all handler: libstrophe calls user handlers only after login. */
static int on_stanza(xmpp_conn_t *conn, xmpp_stanza_t *stanza, void *userdata)
{
    struct xclient *c = userdata;
    const char *name = xmpp_stanza_get_name(stanza);
    const char *type = xmpp_stanza_get_type(stanza);
    const char *id = xmpp_stanza_get_id(stanza);
    struct queued *q;

    (void)conn;
    /* libstrophe's own iqs (ids "_xmpp_...", e.g. the bind result) are not
     * for the test. */
    if (id && strncmp(id, "_xmpp_", 6) == 0)
        return 1;
    if (!name || (strcmp(name, "message") != 0 &&
                  strcmp(name, "presence") != 0 && strcmp(name, "iq") != 0))
        return 1;
    if (strcmp(name, "iq") == 0 && answer_disco(c, stanza))
        return 1;
    if (c->auto_accept && strcmp(name, "presence") == 0 && type &&
        strcmp(type, "subscribe") == 0)
        accept_subscription(c, stanza);
    q = malloc(sizeof(*q));
    if (!q) {
        fprintf(stderr, "xclient: out of memory; dropped a <%s/>\n", name);
        return 1;
    }
    q->stanza = xmpp_stanza_clone(stanza);
    q->next = NULL;
    *c->tail = q;
    c->tail = &q->next;
    c->count++;
    return 1;
}

/* Unlinks the first queued stanza match accepts; NULL if none. */
static xmpp_stanza_t *
take_match(struct xclient *c, int (*match)(xmpp_stanza_t *, void *), void *ud)
{
    for (struct queued **p = &c->head; *p; p = &(*p)->next) {
        struct queued *q = *p;
        xmpp_stanza_t *stanza = q->stanza;

        if (match && !match(stanza, ud))
            continue;
        *p = q->next;
        if (c->tail == &q->next)
            c->tail = p;
        c->count--;
        free(q);
        return stanza;
    }
    return NULL;
}

static void free_queue(struct xclient *c)
{
    while (c->head) {
        struct queued *q = c->head;

        c->head = q->next;
        xmpp_stanza_release(q->stanza);
        free(q);
    }
    c->tail = &c->head;
    c->count = 0;
}

void xclient_disconnect_free(struct xclient *c)
{
    long long deadline;

    if (!c)
        return;
    if (c->conn && c->state != XC_DOWN) {
        xmpp_disconnect(c->conn);
        deadline = clock_now_ms() + DISCONNECT_MS;
        while (c->state != XC_DOWN && clock_now_ms() < deadline)
            run_slice(c->ctx, deadline);
    }
    free_queue(c);
    if (c->conn)
        xmpp_conn_release(c->conn);
    if (c->ctx)
        xmpp_ctx_free(c->ctx);
    free(c);
}

int xclient_connect(const char *jid, const char *password, const char *host,
                    int port, int timeout_ms, struct xclient **out)
{
    return xclient_connect_opts(jid, password, host, port, timeout_ms, 0, out);
}

int xclient_connect_opts(const char *jid, const char *password,
                         const char *host, int port, int timeout_ms, int opts,
                         struct xclient **out)
{
    struct xclient *c = calloc(1, sizeof(*c));
    long long deadline = clock_now_ms() + timeout_ms;
    int rc = -ENOMEM;

    *out = NULL;
    /* A server closing under us must fail a write, not kill the test. */
    signal(SIGPIPE, SIG_IGN);
    if (!c)
        return -ENOMEM;
    c->tail = &c->head;
    c->state = XC_DOWN;
    c->fd = -1;
    c->ctx = new_ctx();
    c->conn = c->ctx ? xmpp_conn_new(c->ctx) : NULL;
    if (!c->conn)
        goto fail;
    /* libstrophe negotiates XEP-0198 itself, with resumption, when the
     * server offers it and the flag does not forbid it. */
    xmpp_conn_set_flags(
        c->conn, XMPP_CONN_FLAG_DISABLE_TLS |
                     (opts & XCLIENT_SM ? 0 : XMPP_CONN_FLAG_DISABLE_SM));
    xmpp_conn_set_jid(c->conn, jid);
    xmpp_conn_set_pass(c->conn, password);
    xmpp_conn_set_sockopt_callback(c->conn, on_socket);
    xmpp_handler_add(c->conn, on_stanza, NULL, NULL, NULL, c);
    c->state = XC_CONNECTING;
    xclient_opening = c;
    if (xmpp_connect_client(c->conn, host, (unsigned short)port, on_conn, c) !=
        XMPP_EOK) {
        xclient_opening = NULL;
        c->state = XC_DOWN;
        rc = -ECONNREFUSED;
        goto fail;
    }
    while (c->state == XC_CONNECTING && clock_now_ms() < deadline)
        run_slice(c->ctx, deadline);
    xclient_opening = NULL;
    if (c->state != XC_UP) {
        rc = c->state == XC_CONNECTING ? -ETIMEDOUT : -ECONNREFUSED;
        fprintf(stderr, "xclient: %s could not log in at %s:%d (%s)\n", jid,
                host, port, strerror(-rc));
        goto fail;
    }
    *out = c;
    return 0;
fail:
    xclient_disconnect_free(c);
    return rc;
}

void xclient_drop_free(struct xclient *c)
{
    long long deadline = clock_now_ms() + DISCONNECT_MS;

    if (!c)
        return;
    /* Both directions shut under libstrophe's feet: the server sees the
     * connection end without a stream close, and libstrophe sees it
     * closed and sends nothing more. */
    if (c->fd >= 0 && c->state != XC_DOWN)
        shutdown(c->fd, SHUT_RDWR);
    else if (c->state != XC_DOWN)
        fprintf(stderr, "xclient: no socket to drop; closing the stream\n");
    while (c->state != XC_DOWN && clock_now_ms() < deadline)
        run_slice(c->ctx, deadline);
    xclient_disconnect_free(c);
}

const char *xclient_jid(const struct xclient *c)
{
    return xmpp_conn_get_bound_jid(c->conn);
}

xmpp_ctx_t *xclient_ctx(struct xclient *c)
{
    return c->ctx;
}

xmpp_conn_t *xclient_conn(struct xclient *c)
{
    return c->conn;
}

int xclient_is_connected(const struct xclient *c)
{
    return c->state == XC_UP;
}

int xclient_queued(const struct xclient *c)
{
    return c->count;
}

void xclient_auto_accept_subscriptions(struct xclient *c, int on)
{
    c->auto_accept = on;
}

void xclient_set_disco_features(struct xclient *c, const char *const *features)
{
    c->features = features;
}

/* Runs the loop until libstrophe has written everything queued. */
static int flush(struct xclient *c)
{
    long long deadline = clock_now_ms() + SEND_FLUSH_MS;

    while (c->state == XC_UP && xmpp_conn_send_queue_len(c->conn) > 0) {
        if (clock_now_ms() >= deadline)
            return -ETIMEDOUT;
        run_slice(c->ctx, deadline);
    }
    return c->state == XC_UP ? 0 : -ENOTCONN;
}

int xclient_send(struct xclient *c, xmpp_stanza_t *stanza)
{
    if (c->state != XC_UP)
        return -ENOTCONN;
    xmpp_send(c->conn, stanza);
    return flush(c);
}

int xclient_send_text(struct xclient *c, const char *xml)
{
    xmpp_stanza_t *stanza = xmpp_stanza_new_from_string(c->ctx, xml);
    int rc;

    if (!stanza)
        return -EINVAL;
    rc = xclient_send(c, stanza);
    xmpp_stanza_release(stanza);
    return rc;
}

int xclient_pump(struct xclient *c, int ms)
{
    long long deadline = clock_now_ms() + ms;

    while (c->state == XC_UP && clock_now_ms() < deadline)
        run_slice(c->ctx, deadline);
    return c->state == XC_UP ? 0 : -ENOTCONN;
}

int xclient_wait(struct xclient *c, int (*match)(xmpp_stanza_t *, void *),
                 void *ud, int timeout_ms, xmpp_stanza_t **out)
{
    long long deadline = clock_now_ms() + timeout_ms;

    *out = NULL;
    for (;;) {
        *out = take_match(c, match, ud);
        if (*out) {
            /* Replies sent from handlers (auto-accept) go out now. */
            flush(c);
            return 0;
        }
        if (c->state != XC_UP)
            return -ENOTCONN;
        if (clock_now_ms() >= deadline)
            return -ETIMEDOUT;
        run_slice(c->ctx, deadline);
    }
}

static int is_named(xmpp_stanza_t *stanza, const char *name)
{
    const char *have = xmpp_stanza_get_name(stanza);

    return have && strcmp(have, name) == 0;
}

static int match_message(xmpp_stanza_t *stanza, void *ud)
{
    (void)ud;
    return is_named(stanza, "message");
}

int xclient_wait_message(struct xclient *c, int timeout_ms, xmpp_stanza_t **out)
{
    return xclient_wait(c, match_message, NULL, timeout_ms, out);
}

/* Our own available presence, as the server reflects it to us. */
static int match_own_presence(xmpp_stanza_t *stanza, void *ud)
{
    const char *jid = ud;
    const char *from = xmpp_stanza_get_from(stanza);

    return is_named(stanza, "presence") && !xmpp_stanza_get_type(stanza) &&
           from && strcmp(from, jid) == 0;
}

int xclient_send_presence(struct xclient *c)
{
    xmpp_stanza_t *presence = xmpp_presence_new(c->ctx);
    xmpp_stanza_t *echo;
    const char *jid = xclient_jid(c);
    int rc;

    if (!presence)
        return -ENOMEM;
    rc = xclient_send(c, presence);
    xmpp_stanza_release(presence);
    if (rc < 0 || !jid)
        return rc < 0 ? rc : -ENOTCONN;
    rc = xclient_wait(c, match_own_presence, (void *)jid, PRESENCE_ECHO_MS,
                      &echo);
    if (rc == 0)
        xmpp_stanza_release(echo);
    return rc;
}

static int match_reply(xmpp_stanza_t *stanza, void *ud)
{
    const char *id = xmpp_stanza_get_id(stanza);
    const char *type = xmpp_stanza_get_type(stanza);

    return is_named(stanza, "iq") && id && strcmp(id, ud) == 0 && type &&
           (strcmp(type, "result") == 0 || strcmp(type, "error") == 0);
}

int xclient_iq(struct xclient *c, xmpp_stanza_t *iq, int timeout_ms,
               xmpp_stanza_t **reply)
{
    char *id;
    xmpp_stanza_t *answer;
    int rc;

    if (reply)
        *reply = NULL;
    if (xmpp_stanza_get_id(iq)) {
        id = strdup(xmpp_stanza_get_id(iq));
    } else if (asprintf(&id, "xc%lu", ++c->next_id) < 0) {
        id = NULL;
    } else if (xmpp_stanza_set_id(iq, id) != XMPP_EOK) {
        free(id);
        id = NULL;
    }
    if (!id)
        return -ENOMEM;
    rc = xclient_send(c, iq);
    if (rc == 0)
        rc = xclient_wait(c, match_reply, id, timeout_ms, &answer);
    free(id);
    if (rc < 0)
        return rc;
    if (reply) {
        *reply = answer;
        return 0;
    }
    rc = strcmp(xmpp_stanza_get_type(answer), "error") == 0 ? -EPROTO : 0;
    xmpp_stanza_release(answer);
    return rc;
}

int xclient_request_roster(struct xclient *c, xmpp_stanza_t **roster)
{
    xmpp_stanza_t *iq = xmpp_iq_new(c->ctx, "get", NULL);
    xmpp_stanza_t *query = xmpp_stanza_new(c->ctx);
    xmpp_stanza_t *reply = NULL;
    int rc = -ENOMEM;

    if (roster)
        *roster = NULL;
    if (!iq || !query || xmpp_stanza_set_name(query, "query") != XMPP_EOK ||
        xmpp_stanza_set_ns(query, XMPP_NS_ROSTER) != XMPP_EOK ||
        xmpp_stanza_add_child(iq, query) != XMPP_EOK)
        goto out;
    rc = xclient_iq(c, iq, PRESENCE_ECHO_MS, &reply);
    if (rc == 0 && strcmp(xmpp_stanza_get_type(reply), "result") != 0)
        rc = -EPROTO;
    if (rc == 0 && roster) {
        *roster = reply;
        reply = NULL;
    }
out:
    if (reply)
        xmpp_stanza_release(reply);
    if (query)
        xmpp_stanza_release(query);
    if (iq)
        xmpp_stanza_release(iq);
    return rc;
}

/* State of one in-band registration. */
struct registration {
    xmpp_ctx_t *ctx;
    char *node;
    char *domain;
    const char *password;
    int done;
    int result;
    int down;
};

static void finish_registration(xmpp_conn_t *conn, struct registration *r,
                                int result)
{
    r->result = result;
    r->done = 1;
    xmpp_disconnect(conn);
}

static int on_register_reply(xmpp_conn_t *conn, xmpp_stanza_t *stanza,
                             void *userdata)
{
    struct registration *r = userdata;
    const char *type = xmpp_stanza_get_type(stanza);
    xmpp_stanza_t *error = xmpp_stanza_get_child_by_name(stanza, "error");
    int result = -EPROTO;

    if (type && strcmp(type, "result") == 0)
        result = 0;
    else if (error && xmpp_stanza_get_child_by_name(error, "conflict"))
        result = -EEXIST;
    finish_registration(conn, r, result);
    return 0;
}

/* Adds <name>text</name> to parent. */
static int add_text_child(xmpp_ctx_t *ctx, xmpp_stanza_t *parent,
                          const char *name, const char *text)
{
    xmpp_stanza_t *child = xmpp_stanza_new(ctx);
    xmpp_stanza_t *body = xmpp_stanza_new(ctx);
    int rc = -ENOMEM;

    if (child && body && xmpp_stanza_set_name(child, name) == XMPP_EOK &&
        xmpp_stanza_set_text(body, text) == XMPP_EOK &&
        xmpp_stanza_add_child(child, body) == XMPP_EOK &&
        xmpp_stanza_add_child(parent, child) == XMPP_EOK)
        rc = 0;
    if (child)
        xmpp_stanza_release(child);
    if (body)
        xmpp_stanza_release(body);
    return rc;
}

static xmpp_stanza_t *register_iq(struct registration *r)
{
    xmpp_stanza_t *iq = xmpp_iq_new(r->ctx, "set", "xc-register");
    xmpp_stanza_t *query = xmpp_stanza_new(r->ctx);
    int ok = iq && query;

    ok = ok && xmpp_stanza_set_to(iq, r->domain) == XMPP_EOK &&
         xmpp_stanza_set_name(query, "query") == XMPP_EOK &&
         xmpp_stanza_set_ns(query, XMPP_NS_REGISTER) == XMPP_EOK &&
         add_text_child(r->ctx, query, "username", r->node) == 0 &&
         add_text_child(r->ctx, query, "password", r->password) == 0 &&
         xmpp_stanza_add_child(iq, query) == XMPP_EOK;
    if (query)
        xmpp_stanza_release(query);
    if (!ok && iq) {
        xmpp_stanza_release(iq);
        iq = NULL;
    }
    return iq;
}

static int on_register_features(xmpp_conn_t *conn, xmpp_stanza_t *stanza,
                                void *userdata)
{
    struct registration *r = userdata;
    xmpp_stanza_t *iq;

    if (!xmpp_stanza_get_child_by_ns(stanza, NS_REGISTER_FEATURE)) {
        fprintf(stderr, "xclient: %s offers no in-band registration\n",
                r->domain);
        finish_registration(conn, r, -EPROTO);
        return 0;
    }
    iq = register_iq(r);
    if (!iq) {
        finish_registration(conn, r, -ENOMEM);
        return 0;
    }
    xmpp_id_handler_add(conn, on_register_reply, "xc-register", r);
    xmpp_send(conn, iq);
    xmpp_stanza_release(iq);
    return 0;
}

static void on_register_conn(xmpp_conn_t *conn, xmpp_conn_event_t event,
                             int error, xmpp_stream_error_t *stream_error,
                             void *userdata)
{
    struct registration *r = userdata;

    (void)error;
    (void)stream_error;
    if (event == XMPP_CONN_RAW_CONNECT) {
        xmpp_handler_add(conn, on_register_features, XMPP_NS_STREAMS,
                         "features", NULL, r);
        xmpp_conn_open_stream_default(conn);
    } else if (event != XMPP_CONN_CONNECT) {
        r->down = 1;
    }
}

int xclient_register_account(const char *jid, const char *password,
                             const char *host, int port, int timeout_ms)
{
    struct registration r = {.password = password, .result = -ETIMEDOUT};
    long long deadline = clock_now_ms() + timeout_ms;
    xmpp_conn_t *conn = NULL;

    signal(SIGPIPE, SIG_IGN);
    r.ctx = new_ctx();
    if (!r.ctx)
        return -ENOMEM;
    r.node = xmpp_jid_node(r.ctx, jid);
    r.domain = xmpp_jid_domain(r.ctx, jid);
    conn = xmpp_conn_new(r.ctx);
    if (!r.node || !r.domain || !conn) {
        r.result = r.node && r.domain ? -ENOMEM : -EINVAL;
        goto out;
    }
    xmpp_conn_set_flags(conn, XMPP_CONN_FLAG_DISABLE_TLS);
    xmpp_conn_set_jid(conn, r.domain);
    if (xmpp_connect_raw(conn, host, (unsigned short)port, on_register_conn,
                         &r) != XMPP_EOK) {
        r.result = -ECONNREFUSED;
        goto out;
    }
    while (!r.done && !r.down && clock_now_ms() < deadline)
        run_slice(r.ctx, deadline);
    if (!r.done && r.down)
        r.result = -ECONNREFUSED;
    /* Let the disconnect finish so the socket closes cleanly. */
    if (!r.down) {
        if (!r.done)
            xmpp_disconnect(conn);
        deadline = clock_now_ms() + DISCONNECT_MS;
        while (!r.down && clock_now_ms() < deadline)
            run_slice(r.ctx, deadline);
    }
out:
    if (conn)
        xmpp_conn_release(conn);
    xmpp_free(r.ctx, r.node);
    xmpp_free(r.ctx, r.domain);
    xmpp_ctx_free(r.ctx);
    return r.result;
}
