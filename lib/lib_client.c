/* libcardx's client: one account's connection driven by the application's
 * main loop (fd, events, timeout, process) and the state it reports. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "lib/lib_client_int.h"
#include "xep/ns.h"

/* libstrophe hands each new socket to the sockopt callback but has no
 * getter for it, and the callback gets no userdata; what it does get, the
 * connection, leads to the context, whose allocator is the client's. So
 * the callback hands the fd over through xmpp_free(): the marker first,
 * then the pointer to the socket, which lib_mem_free reads instead of
 * freeing. Only the public, non-deprecated API is used. */
static const char lib_sock_marker;

static int lib_on_sockopt(xmpp_conn_t *conn, void *sock)
{
    xmpp_ctx_t *ctx = xmpp_conn_get_context(conn);

    xmpp_free(ctx, (void *)&lib_sock_marker);
    xmpp_free(ctx, sock);
    return xmpp_sockopt_cb_keepalive(conn, sock);
}

static void *lib_mem_alloc(size_t size, void *ud)
{
    (void)ud;
    return malloc(size);
}

static void *lib_mem_realloc(void *p, size_t size, void *ud)
{
    (void)ud;
    return realloc(p, size);
}

static void lib_mem_free(void *p, void *ud)
{
    struct cardx_client *c = ud;

    if (p == &lib_sock_marker) {
        c->expect_sock = 1;
        return;
    }
    if (c->expect_sock) {
        c->expect_sock = 0;
        c->fd = *(int *)p;
        return;
    }
    free(p);
}

/* Notes that libstrophe did something this turn, then lets the session
 * read the line as it always does. */
static void lib_on_log(void *ud, xmpp_log_level_t level, const char *area,
                       const char *msg)
{
    struct cardx_client *c = ud;

    c->turn_logged = 1;
    if (c->cb.log)
        c->cb.log(c->ud, area, msg);
    session_on_log(c->s, level, area, msg);
}

/* The session's messages in the client's language (lib_tr). */
static const char *lib_session_tr(void *ud, const char *msgid)
{
    return lib_tr(ud, msgid);
}

static struct session *lib_session(struct cardx_client *c)
{
    const cardx_settings *st = c->settings;
    struct session_options o = {0};
    struct session *s = NULL;

    o.jid = st->jid;
    o.password = st->password;
    o.host = st->host;
    o.port = st->port ? st->port : LIB_DEFAULT_PORT;
    o.tls = st->tls;
    o.cafile = st->cafile;
    o.timeout_ms = st->timeout_ms;
    o.component = c->component;
    if (session_new(&o, &s) != SESSION_OK)
        return NULL;
    s->tr = lib_session_tr;
    s->tr_ud = c;
    /* Every libstrophe log line passes through the client first, and the
     * context allocates through the client (see lib_on_sockopt): the
     * session's context has no connection yet, so it is replaced. */
    s->log.handler = lib_on_log;
    s->log.userdata = c;
    c->mem.alloc = lib_mem_alloc;
    c->mem.free = lib_mem_free;
    c->mem.realloc = lib_mem_realloc;
    c->mem.userdata = c;
    xmpp_ctx_free(s->ctx);
    s->ctx = xmpp_ctx_new(&c->mem, &s->log);
    if (!s->ctx) {
        session_free(s);
        return NULL;
    }
    return s;
}

/* Loads the catalogs the library's own messages read from when the lang
 * setting names a language cardx has. A catalog that is missing or
 * unreadable leaves them English: a message in the wrong language is no
 * reason to refuse a client. */
static int lib_messages_init(struct cardx_client *c)
{
    const char *dir =
        c->settings->locale_dir ? c->settings->locale_dir : LIBCARDX_LOCALEDIR;

    c->msg_lang = i18n_pick(c->settings->lang);
    if (!c->msg_lang)
        return CARDX_OK;
    if (i18n_new(dir, &c->i18n, NULL) == CX_ENOMEM)
        return CARDX_E_NOMEM;
    return CARDX_OK;
}

const char *lib_tr(const struct cardx_client *c, const char *msgid)
{
    return i18n_text(c->i18n, c->msg_lang, msgid);
}

void lib_set_err(struct cardx_client *c, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(c->errmsg, sizeof(c->errmsg), lib_tr(c, fmt), ap);
    va_end(ap);
}

int cardx_client_new(const cardx_settings *settings,
                     const struct cardx_callbacks *callbacks, void *ud,
                     cardx_client **out, char **err)
{
    cardx_client *c;
    int rc = CARDX_E_NOMEM;

    *out = NULL;
    if (err)
        *err = NULL;
    if (!settings || !settings->jid) {
        if (err)
            *err = str_printf("no jid set");
        return CARDX_E_INVAL;
    }
    c = calloc(1, sizeof(*c));
    if (!c)
        return CARDX_E_NOMEM;
    c->fd = -1;
    c->ud = ud;
    if (callbacks)
        c->cb = *callbacks;
    c->settings = lib_settings_copy(settings);
    c->component = c->settings ? lib_settings_component(c->settings) : NULL;
    if (!c->component)
        goto fail;
    rc = lib_store_init(&c->store, c->settings->data_dir, err);
    if (rc != CARDX_OK)
        goto fail;
    rc = lib_messages_init(c);
    if (rc != CARDX_OK)
        goto fail;
    rc = CARDX_E_NOMEM;
    c->s = lib_session(c);
    if (!c->s)
        goto fail;
    *out = c;
    return CARDX_OK;
fail:
    cardx_client_free(c);
    return rc;
}

/* Frees what a connection left: pending requests, the connection. */
static void lib_drop_conn(struct cardx_client *c, int error)
{
    lib_requests_fail(c, error, 1);
    lib_messages_drop(c);
    session_release_conn(c->s);
    c->fd = -1;
}

void cardx_client_free(cardx_client *c)
{
    struct lib_sigpipe g;

    if (!c)
        return;
    if (c->s) {
        lib_sigpipe_enter(&g);
        lib_requests_fail(c, CARDX_E_STATE, 1);
        lib_messages_drop(c);
        session_free(c->s);
        lib_sigpipe_leave(&g);
    }
    lib_store_fini(&c->store);
    free(c->wait.card_id);
    cardx_strv_free(c->wait.numbers);
    cardx_profiles_free(c->wait.profiles);
    cardx_requests_free(c->wait.requests);
    free(c->wait.reg_number);
    free(c->component);
    cardx_settings_free(c->settings);
    i18n_free(c->i18n);
    free(c);
}

cardx_store *cardx_client_store(cardx_client *c)
{
    return &c->store;
}

const char *cardx_client_errmsg(const cardx_client *c)
{
    return c->errmsg;
}

enum cardx_state cardx_client_state(const cardx_client *c)
{
    return c->state;
}

static void report_state(struct cardx_client *c, enum cardx_state state,
                         int error, const char *reason)
{
    c->state = state;
    if (c->cb.state)
        c->cb.state(c->ud, state, error, reason);
}

int cardx_client_connect(cardx_client *c)
{
    struct session *s = c->s;
    struct lib_sigpipe g;
    int rc = CARDX_OK;

    if (c->state != CARDX_STATE_OFFLINE)
        return CARDX_E_STATE;
    if (!c->settings->password) {
        lib_set_err(c, "no password to log in as %s with", c->settings->jid);
        return CARDX_E_AUTH;
    }
    session_release_conn(s);
    session_reset_diagnostics(s);
    s->conn = session_new_conn(s);
    if (!s->conn)
        return CARDX_E_NOMEM;
    xmpp_conn_set_sockopt_callback(s->conn, lib_on_sockopt);
    s->followed = 0;
    c->closing = 0;
    c->fd = -1;
    xmpp_conn_set_jid(s->conn, s->jid);
    xmpp_conn_set_pass(s->conn, s->password);
    xmpp_handler_add(s->conn, session_on_message, NULL, "message", NULL, s);
    xmpp_handler_add(s->conn, lib_on_proxy_message, NULL, "message", NULL, c);
    xmpp_handler_add(s->conn, session_on_iq, NULL, "iq", NULL, s);
    xmpp_handler_add(s->conn, session_on_presence, NULL, "presence", NULL, s);
    s->state = ST_CONNECTING;
    c->connect_deadline = clock_now_ms() + c->settings->timeout_ms;
    lib_sigpipe_enter(&g);
    if (xmpp_connect_client(s->conn, s->host, (unsigned short)s->port,
                            session_on_conn, s) != XMPP_EOK) {
        session_release_conn(s);
        c->fd = -1;
        lib_set_err(c, "cannot connect to %s: cannot resolve or reach the host",
                    session_server_name(s));
        rc = CARDX_E_NET;
    }
    lib_sigpipe_leave(&g);
    c->last_error = rc;
    if (rc == CARDX_OK)
        report_state(c, CARDX_STATE_CONNECTING, CARDX_OK, "");
    return rc;
}

void cardx_client_disconnect(cardx_client *c)
{
    struct lib_sigpipe g;

    if (c->state == CARDX_STATE_OFFLINE || !c->s->conn)
        return;
    c->closing = 1;
    lib_sigpipe_enter(&g);
    xmpp_disconnect(c->s->conn);
    lib_sigpipe_leave(&g);
}

int cardx_client_fd(const cardx_client *c)
{
    return c->s->conn ? c->fd : -1;
}

int cardx_client_events(const cardx_client *c)
{
    xmpp_conn_t *conn = c->s->conn;

    if (!conn || c->fd < 0)
        return 0;
    if (xmpp_conn_is_connecting(conn) || xmpp_conn_send_queue_len(conn) > 0)
        return CARDX_WANT_READ | CARDX_WANT_WRITE;
    return CARDX_WANT_READ;
}

static int64_t earliest(int64_t a, int64_t b)
{
    return a < 0 || (b >= 0 && b < a) ? b : a;
}

int cardx_client_timeout_ms(const cardx_client *c)
{
    int64_t when = -1, now = clock_now_ms(), left;

    if (!c->s->conn)
        return -1;
    if (c->turns_busy || (c->s->state == ST_DOWN))
        return 0;
    if (c->state == CARDX_STATE_CONNECTING)
        when = c->connect_deadline;
    for (const struct lib_request *r = c->requests; r; r = r->next)
        when = earliest(when, r->deadline);
    if (when < 0)
        return -1;
    left = when - now;
    return left <= 0 ? 0 : left > INT32_MAX ? INT32_MAX : (int)left;
}

/* Went ONLINE: available presence to all and to cardxd (which then sends
 * the cards that wait), and the own card if it changed. */
static void lib_went_online(struct cardx_client *c)
{
    xmpp_ctx_t *ctx = c->s->ctx;
    int available = c->settings->available;
    xmpp_stanza_t *all = available ? xmpp_presence_new(ctx) : NULL;
    xmpp_stanza_t *direct = available ? xmpp_presence_new(ctx) : NULL;

    if (all)
        xmpp_send(c->s->conn, all);
    if (direct && xmpp_stanza_set_to(direct, c->component) == XMPP_EOK)
        xmpp_send(c->s->conn, direct);
    if (all)
        xmpp_stanza_release(all);
    if (direct)
        xmpp_stanza_release(direct);
    report_state(c, CARDX_STATE_ONLINE, CARDX_OK, "");
    if (c->state == CARDX_STATE_ONLINE)
        cardx_client_upload_self(c);
    if (c->state == CARDX_STATE_ONLINE)
        lib_flush_updates(c);
}

/* The public code for a failed login or registration: the session's
 * reason, which it learns from libstrophe's signals where there are any
 * (see client/session_connect.c and docs/LIBSTROPHE.md). */
int lib_login_error(struct cardx_client *c, int session_rc)
{
    switch (session_error_reason(c->s)) {
    case SESSION_WHY_UNREACHABLE:
    case SESSION_WHY_STREAM_ERROR:
    case SESSION_WHY_CLOSED:
        return CARDX_E_NET;
    case SESSION_WHY_TIMEOUT:
        return CARDX_E_TIMEOUT;
    case SESSION_WHY_TLS_MISSING:
        return CARDX_E_TLS_REQUIRED;
    case SESSION_WHY_CERT_NAME:
        return CARDX_E_TLS_CERT_NAME;
    case SESSION_WHY_CERT_UNTRUSTED:
        return CARDX_E_TLS_CERT;
    case SESSION_WHY_TLS_FAILED:
        return CARDX_E_TLS;
    case SESSION_WHY_AUTH:
        return CARDX_E_AUTH;
    case SESSION_WHY_NONE:
    default:
        return lib_error_from_cx(session_rc);
    }
}

static void lib_went_down(struct cardx_client *c, int timed_out)
{
    enum cardx_state was = c->state;
    int error = CARDX_OK;

    if (was == CARDX_STATE_CONNECTING) {
        error = lib_login_error(c, session_explain_failure(c->s, timed_out));
        lib_set_err(c, "%s", session_errmsg(c->s));
    } else if (!c->closing) {
        error = CARDX_E_NET;
        session_not_online(c->s);
        lib_set_err(c, "%s", session_errmsg(c->s));
    } else {
        c->errmsg[0] = '\0';
    }
    c->last_error = error;
    lib_drop_conn(c, error != CARDX_OK ? error : CARDX_E_NET);
    report_state(c, CARDX_STATE_OFFLINE, error, c->errmsg);
}

/* Reports what changed in the session during the last turns. */
static void lib_follow_state(struct cardx_client *c)
{
    int timed_out = 0;

    if (c->state == CARDX_STATE_CONNECTING && c->s->state == ST_CONNECTING &&
        clock_now_ms() >= c->connect_deadline) {
        xmpp_disconnect(c->s->conn);
        c->s->state = ST_DOWN;
        timed_out = 1;
    }
    if (c->state == CARDX_STATE_CONNECTING && c->s->state == ST_UP)
        lib_went_online(c);
    else if (c->state != CARDX_STATE_OFFLINE && c->s->state == ST_DOWN)
        lib_went_down(c, timed_out);
}

int cardx_client_process(cardx_client *c)
{
    struct lib_sigpipe g;
    int turns = 0, rc = CARDX_OK;

    if (!c->s->conn)
        return CARDX_OK;
    lib_sigpipe_enter(&g);
    do {
        c->turn_logged = 0;
        xmpp_run_once(c->s->ctx, 0);
    } while (c->turn_logged && ++turns < LIB_TURNS_MAX && c->s->conn);
    c->turns_busy = turns >= LIB_TURNS_MAX;
    lib_follow_state(c);
    if (c->state == CARDX_STATE_ONLINE) {
        rc = lib_take_cards(c);
        lib_requests_fail(c, CARDX_E_TIMEOUT, 0);
    }
    lib_sigpipe_leave(&g);
    return rc;
}
