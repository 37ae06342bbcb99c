/* The session's requests: an iq sent, its answer awaited, an error reply
 * turned into the session's error. */
#include <stdio.h>
#include <string.h>

#include "client/session_int.h"
#include "common/i18n.h"
#include "common/util.h"
#include "xep/stanza.h"

/* Room for a language tag ("zh-CN"). */
#define SESSION_LANG_MAX 16

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
int session_refused(struct session *s, xmpp_stanza_t *reply)
{
    char *text = NULL;
    const char *cond = stanza_error_condition(reply, &text);

    session_format_into(s->cond, sizeof(s->cond), "%s", cond ? cond : "");
    if (text && text[0])
        session_set_err(s, "%s", text);
    else
        session_set_err(s, "%s",
                        cond ? cond : "the request was session_refused");
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
    int64_t deadline = clock_now_ms() + s->timeout_ms;
    xmpp_stanza_t *answer;
    char lang[SESSION_LANG_MAX];
    const char *id;
    int rc;

    if (reply)
        *reply = NULL;
    s->cond[0] = '\0';
    if (s->state != ST_UP)
        return session_not_online(s);
    id = ensure_id(s, iq);
    if (!id) {
        session_set_err(s, "out of memory");
        return SESSION_ENOMEM;
    }
    /* Answers written for a person (cardxd's error texts) come in the
     * language cardx prints; xml:lang=en is what the server would say. */
    if (!xmpp_stanza_get_attribute(iq, "xml:lang") &&
        i18n_gettext_lang(lang, sizeof(lang)) &&
        xmpp_stanza_set_attribute(iq, "xml:lang", lang) != XMPP_EOK) {
        session_set_err(s, "out of memory");
        return SESSION_ENOMEM;
    }
    s->wait_id = id;
    xmpp_id_handler_add(s->conn, on_reply, id, s);
    xmpp_send(s->conn, iq);
    while (!s->wait_reply && s->state == ST_UP && clock_now_ms() < deadline)
        session_run_slice(s, deadline);
    answer = s->wait_reply;
    s->wait_reply = NULL;
    s->wait_id = NULL;
    if (!answer) {
        xmpp_id_handler_delete(s->conn, on_reply, id);
        if (s->state != ST_UP)
            return session_not_online(s);
        session_set_err(s, "no answer from %s within %d s",
                        xmpp_stanza_get_to(iq) ? xmpp_stanza_get_to(iq)
                                               : "the server",
                        s->timeout_ms / 1000);
        return SESSION_ENET;
    }
    rc = stanza_is_error(answer) ? session_refused(s, answer) : SESSION_OK;
    if (rc == SESSION_OK && reply)
        *reply = answer;
    else
        xmpp_stanza_release(answer);
    return rc;
}
