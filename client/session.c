/* cardx's XMPP session on libstrophe (see session.h): the session object,
 * its event loop, and sending on the logged-in stream. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/session_int.h"
#include "common/util.h"

void session_format_into(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, size, fmt, ap);
    va_end(ap);
}

const char *session_tr(const struct session *s, const char *msgid)
{
    return s->tr ? s->tr(s->tr_ud, msgid) : msgid;
}

void session_set_err(struct session *s, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(s->errmsg, sizeof(s->errmsg), session_tr(s, fmt), ap);
    va_end(ap);
}

void session_run_slice(struct session *s, int64_t deadline)
{
    int64_t left = deadline - clock_now_ms();

    if (left > SLICE_MS)
        left = SLICE_MS;
    xmpp_run_once(s->ctx, left > 0 ? (unsigned long)left : 0);
}

void session_wait_down(struct session *s)
{
    int64_t deadline = clock_now_ms() + CLOSE_WAIT_MS;

    while (s->state != ST_DOWN && clock_now_ms() < deadline)
        session_run_slice(s, deadline);
}

static int copy_opt(char **dst, const char *src)
{
    *dst = NULL;
    if (!src)
        return 0;
    *dst = strdup(src);
    return *dst ? 0 : SESSION_ENOMEM;
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
    s->log.handler = session_on_log;
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
        session_format_into(s->server_name, sizeof(s->server_name), "%s:%d",
                            s->host, s->port);
    else
        session_format_into(
            s->server_name, sizeof(s->server_name), "%s:%d",
            s->jid && strchr(s->jid, '@') ? strchr(s->jid, '@') + 1 : "?",
            s->port);
    *out = s;
    return SESSION_OK;
fail:
    session_free(s);
    return SESSION_ENOMEM;
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

enum session_reason session_error_reason(const struct session *s)
{
    return s->why;
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

int64_t session_last_activity(const struct session *s)
{
    return s->last_activity;
}

int session_not_online(struct session *s)
{
    if (s->lost[0])
        session_set_err(s, "%s", s->lost);
    else
        session_set_err(s, "not connected to %s", s->server_name);
    return SESSION_ENET;
}

/* Runs until libstrophe has written everything queued. */
int session_flush(struct session *s)
{
    int64_t deadline = clock_now_ms() + s->timeout_ms;

    while (s->state == ST_UP && xmpp_conn_send_queue_len(s->conn) > 0) {
        if (clock_now_ms() >= deadline) {
            session_set_err(s, "%s does not take our data (timed out)",
                            s->server_name);
            return SESSION_ENET;
        }
        session_run_slice(s, deadline);
    }
    return s->state == ST_UP ? SESSION_OK : session_not_online(s);
}

int session_send(struct session *s, xmpp_stanza_t *stanza)
{
    if (s->state != ST_UP)
        return session_not_online(s);
    xmpp_send(s->conn, stanza);
    return session_flush(s);
}

int session_presence(struct session *s, const char *to)
{
    xmpp_stanza_t *p = xmpp_presence_new(s->ctx);
    int rc;

    if (!p) {
        session_set_err(s, "out of memory");
        return SESSION_ENOMEM;
    }
    if (to && xmpp_stanza_set_to(p, to) != XMPP_EOK) {
        xmpp_stanza_release(p);
        session_set_err(s, "out of memory");
        return SESSION_ENOMEM;
    }
    rc = session_send(s, p);
    xmpp_stanza_release(p);
    return rc;
}

int session_run(struct session *s, int ms)
{
    int64_t deadline = clock_now_ms() + ms;

    if (s->state != ST_UP)
        return session_not_online(s);
    do {
        session_run_slice(s, deadline);
    } while (s->state == ST_UP && clock_now_ms() < deadline);
    if (s->state != ST_UP)
        return session_not_online(s);
    /* Replies from handlers (disco, subscriptions) go out now. */
    return session_flush(s);
}
