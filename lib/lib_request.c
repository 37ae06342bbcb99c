/* libcardx's requests to cardxd (send, register, the own card, acks) with
 * their answers turned into callbacks, and the cards and receipts that
 * arrive. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/cardstore_updates.h"
#include "common/util.h"
#include "lib/lib_client_int.h"
#include "xep/form.h"
#include "xep/ns.h"
#include "xep/stanza.h"

xmpp_stanza_t *lib_component_iq(struct cardx_client *c, const char *type,
                                const char *name, const char *ns,
                                xmpp_stanza_t **child)
{
    xmpp_ctx_t *ctx = c->s->ctx;
    xmpp_stanza_t *iq = xmpp_iq_new(ctx, type, NULL);

    *child = iq ? stanza_add_child(ctx, iq, name, ns) : NULL;
    if (!*child || xmpp_stanza_set_to(iq, c->component) != XMPP_EOK) {
        if (iq)
            xmpp_stanza_release(iq);
        return NULL;
    }
    return iq;
}

static void request_unlink(struct cardx_client *c, struct lib_request *r)
{
    for (struct lib_request **p = &c->requests; *p; p = &(*p)->next) {
        if (*p == r) {
            *p = r->next;
            return;
        }
    }
}

static void request_free(struct lib_request *r)
{
    free(r->number);
    free(r->told);
    free(r);
}

/* --- outcomes --- */

void lib_report_sent(struct cardx_client *c, struct lib_request *r,
                     enum cardx_send_status status, const char *card_id,
                     int error, const char *reason)
{
    if (c->wait.request == r->serial) {
        c->wait.done = 1;
        c->wait.error = error;
        c->wait.status = status;
        free(c->wait.card_id);
        c->wait.card_id = card_id ? strdup(card_id) : NULL;
    }
    if (error != CARDX_OK)
        lib_set_err(c, "cannot send to %s: %s", r->number, reason);
    if (c->cb.sent)
        c->cb.sent(c->ud, r->serial, status, r->number, card_id, error, reason);
}

static void report_registration(struct cardx_client *c,
                                enum cardx_register_step step,
                                const char *number, int error,
                                const char *reason)
{
    if (error != CARDX_OK)
        lib_set_err(c, "cannot register %s with %s: %s", number, c->component,
                    reason);
    if (c->wait.reg_wait) {
        c->wait.reg_wait = 0;
        c->wait.done = 1;
        c->wait.error = error;
        c->wait.reg_step = step;
        free(c->wait.reg_number);
        c->wait.reg_number = number ? strdup(number) : NULL;
        if (number && !c->wait.reg_number)
            c->wait.error = CARDX_E_NOMEM;
    }
    if (c->cb.registration)
        c->cb.registration(c->ud, step, number, error, reason);
}

/* What a block request is about, for messages: "block +86...". */
static void blocking_what(const struct lib_request *r, char *buf, size_t size)
{
    if (r->kind == REQ_BLOCKLIST)
        lib_format(buf, size, "list blocked numbers");
    else
        lib_format(buf, size, "%s", r->number ? r->number : "?");
}

static void report_blocking(struct cardx_client *c, struct lib_request *r,
                            int error, const char *reason,
                            const char *const *numbers, size_t count)
{
    char what[LIB_ERRMSG_SIZE / 2];

    blocking_what(r, what, sizeof(what));
    if (error != CARDX_OK)
        lib_set_err(c, "cannot %s: %s", what, reason);
    if (c->wait.request == r->serial) {
        c->wait.done = 1;
        c->wait.error = error;
        c->wait.count = 0;
        c->wait.numbers = calloc(count + 1, sizeof(char *));
        for (size_t i = 0; c->wait.numbers && i < count; i++) {
            c->wait.numbers[i] = strdup(numbers[i]);
            if (!c->wait.numbers[i]) {
                c->wait.error = CARDX_E_NOMEM;
                break;
            }
            c->wait.count++;
        }
        if (!c->wait.numbers)
            c->wait.error = CARDX_E_NOMEM;
    }
    if (c->cb.blocking)
        c->cb.blocking(c->ud, r->serial, error, reason, numbers, count);
}

void lib_report_answer(struct cardx_client *c, struct lib_request *r, int error,
                       const char *reason)
{
    if (r->kind == REQ_UPDATES_FLUSH)
        return; /* kept in the store for the next connection */
    if (error != CARDX_OK && r->kind == REQ_UPDATES)
        lib_set_err(c, "cannot turn updates %s for %s: %s",
                    r->on ? "on" : "off", r->number, reason);
    else if (error != CARDX_OK &&
             (r->kind == REQ_IQ || r->kind == REQ_CONSENT_TELL ||
              r->kind == REQ_CONSENT_SET))
        lib_set_err(c, "cannot %s: %s", r->number, reason);
    else if (error != CARDX_OK)
        lib_set_err(c, "%s", reason);
    if (c->wait.request == r->serial) {
        c->wait.done = 1;
        c->wait.error = error;
    }
    if (c->cb.answer)
        c->cb.answer(c->ud, r->serial, error, reason);
}

/* A request that got no answer: the connection went or time ran out. */
static void request_failed(struct cardx_client *c, struct lib_request *r,
                           int error)
{
    char why[LIB_ERRMSG_SIZE];

    if (error == CARDX_E_TIMEOUT)
        lib_format(why, sizeof(why), lib_tr(c, "no answer from %s within %d s"),
                   c->component, c->settings->timeout_ms / 1000);
    else
        lib_format(why, sizeof(why), "%s", cardx_strerror(error));
    if (r->kind == REQ_SEND)
        lib_report_sent(c, r, CARDX_SEND_REFUSED, NULL, error, why);
    else if (r->kind == REQ_REGISTER || r->kind == REQ_NUMBER)
        report_registration(c, CARDX_REGISTER_FAILED, r->number, error, why);
    else if (r->kind == REQ_BLOCK || r->kind == REQ_BLOCKLIST)
        report_blocking(c, r, error, why, NULL, 0);
    else if (r->kind == REQ_UPDATES || r->kind == REQ_UPDATES_FLUSH)
        lib_report_answer(c, r, error, why);
    else if (r->kind == REQ_PROFILE || r->kind == REQ_PROFILES)
        lib_profile_reply(c, r, NULL, error, why);
    else if (r->kind == REQ_IQ)
        lib_report_answer(c, r, error, why);
    else if (r->kind == REQ_CONSENT_GET || r->kind == REQ_CONSENT_TELL ||
             r->kind == REQ_CONSENT_SET || r->kind == REQ_REQUESTS)
        lib_consent_reply(c, r, NULL, error, why);
    else if (r->kind == REQ_UPLOAD) {
        c->wait.uploads++;
        c->wait.upload_error = error;
        lib_set_err(c, "cannot upload your card to %s: %s", c->component, why);
    }
}

static int on_reply(xmpp_conn_t *conn, xmpp_stanza_t *stanza, void *ud);

void lib_requests_fail(struct cardx_client *c, int error, int all)
{
    int64_t now = clock_now_ms();
    struct lib_request **p = &c->requests;

    while (*p) {
        struct lib_request *r = *p;

        if (!all && r->deadline > now) {
            p = &r->next;
            continue;
        }
        *p = r->next;
        if (c->s->conn)
            xmpp_id_handler_delete(c->s->conn, on_reply, r->id);
        request_failed(c, r, error);
        request_free(r);
    }
}

/* The error code and reason of an error reply. */
int lib_refusal(xmpp_stanza_t *reply, char *why, size_t size)
{
    char *text = NULL;
    const char *cond = stanza_error_condition(reply, &text);

    lib_format(why, size, "%s",
               text && text[0] ? text
               : cond          ? cond
                               : "refused");
    if (text)
        xmpp_free(xmpp_stanza_get_context(reply), text);
    return lib_error_from_condition(cond);
}

static void on_send_reply(struct cardx_client *c, struct lib_request *r,
                          xmpp_stanza_t *reply)
{
    xmpp_stanza_t *sent =
        xmpp_stanza_get_child_by_name_and_ns(reply, "sent", NS_CARDX);
    const char *status =
        sent ? xmpp_stanza_get_attribute(sent, "status") : NULL;
    char why[LIB_ERRMSG_SIZE];
    int error;

    if (stanza_is_error(reply)) {
        error = lib_refusal(reply, why, sizeof(why));
        lib_report_sent(c, r, CARDX_SEND_REFUSED, NULL, error, why);
    } else if (!status) {
        lib_report_sent(c, r, CARDX_SEND_REFUSED, NULL, CARDX_E_REFUSED,
                        "the card service answered without a status");
    } else {
        const char *to = xmpp_stanza_get_attribute(sent, "to");
        char *copy = to && to[0] ? strdup(to) : NULL;

        /* The outcome names the number as cardxd normalised it. */
        if (copy) {
            free(r->number);
            r->number = copy;
        }
        lib_report_sent(c, r,
                        strcmp(status, "delivered") == 0 ? CARDX_SEND_DELIVERED
                                                         : CARDX_SEND_QUEUED,
                        xmpp_stanza_get_attribute(sent, "id"), CARDX_OK,
                        status);
    }
}

/* Once registered, cardxd serves our resource only after it sees our
 * presence again, and keeps our card only now: what was sent at login
 * came before we were a user. */
static void present_to_component(struct cardx_client *c)
{
    xmpp_stanza_t *p = xmpp_presence_new(c->s->ctx);

    if (p && xmpp_stanza_set_to(p, c->component) == XMPP_EOK)
        xmpp_send(c->s->conn, p);
    if (p)
        xmpp_stanza_release(p);
    /* cardxd refused the card while we were no user: offer it again. */
    cardx_client_upload_self(c);
}

static void on_register_reply(struct cardx_client *c, struct lib_request *r,
                              xmpp_stanza_t *reply)
{
    xmpp_stanza_t *q, *x, *iq;
    char why[LIB_ERRMSG_SIZE];
    char *to;
    int error;

    if (stanza_is_error(reply)) {
        error = lib_refusal(reply, why, sizeof(why));
        report_registration(c, CARDX_REGISTER_FAILED, r->number, error, why);
        return;
    }
    q = xmpp_stanza_get_child_by_name_and_ns(reply, "query", NS_REGISTER);
    x = q ? xmpp_stanza_get_child_by_ns(q, NS_DATA) : NULL;
    if (x && form_has_field(x, "code")) {
        to = form_get_value(x, "phone");
        report_registration(c, CARDX_REGISTER_CODE_NEEDED,
                            to && *to ? to : r->number, CARDX_OK,
                            "a code was sent to the number");
        if (to)
            xmpp_free(c->s->ctx, to);
        return;
    }
    /* Done: ask for the number as cardxd normalised it. */
    iq = lib_component_iq(c, "get", "query", NS_REGISTER, &q);
    if (!iq ||
        lib_request_send(c, iq, REQ_NUMBER, r->number, NULL) != CARDX_OK) {
        present_to_component(c);
        report_registration(c, CARDX_REGISTER_DONE, r->number, CARDX_OK,
                            "registered");
    }
    if (iq)
        xmpp_stanza_release(iq);
}

static void on_number_reply(struct cardx_client *c, struct lib_request *r,
                            xmpp_stanza_t *reply)
{
    xmpp_stanza_t *q =
        xmpp_stanza_get_child_by_name_and_ns(reply, "query", NS_REGISTER);
    xmpp_stanza_t *phone = q ? xmpp_stanza_get_child_by_name(q, "phone") : NULL;
    char *text = phone ? xmpp_stanza_get_text(phone) : NULL;

    present_to_component(c);
    report_registration(c, CARDX_REGISTER_DONE,
                        text && text[0] ? text : r->number, CARDX_OK,
                        "registered");
    if (text)
        xmpp_free(c->s->ctx, text);
}

/* r->number holds the card's text as sent: that version is marked
 * uploaded, so one edited while the upload was in flight (ENOTFOUND)
 * stays to upload next time. */
static void on_upload_reply(struct cardx_client *c, struct lib_request *r,
                            xmpp_stanza_t *reply)
{
    char why[LIB_ERRMSG_SIZE];
    int rc;

    c->wait.uploads++;
    c->wait.upload_error = CARDX_OK;
    if (stanza_is_error(reply)) {
        c->wait.upload_error = lib_refusal(reply, why, sizeof(why));
        lib_set_err(c, "cannot upload your card to %s: %s", c->component, why);
        return;
    }
    rc = cardstore_self_mark_uploaded(c->store.cs, r->number);
    if (rc != CARDSTORE_OK && rc != CARDSTORE_ENOTFOUND) {
        c->wait.upload_error = CARDX_E_DB;
        lib_set_err(c, "%s", cardstore_errmsg(c->store.cs));
    }
}

/* The numbers of a <blocklist/> answer (borrowed from it). */
static void on_blocklist_reply(struct cardx_client *c, struct lib_request *r,
                               xmpp_stanza_t *reply)
{
    xmpp_stanza_t *list =
        xmpp_stanza_get_child_by_name_and_ns(reply, "blocklist", NS_CARDX);
    const char **numbers = NULL;
    size_t n = 0, max = 0;

    for (xmpp_stanza_t *it = list ? xmpp_stanza_get_children(list) : NULL; it;
         it = xmpp_stanza_get_next(it)) {
        const char *name = xmpp_stanza_get_name(it);
        const char *phone = xmpp_stanza_get_attribute(it, "phone");

        if (xmpp_stanza_is_tag(it) && name && strcmp(name, "item") == 0 &&
            phone)
            max++;
    }
    numbers = calloc(max + 1, sizeof(*numbers));
    if (!numbers) {
        report_blocking(c, r, CARDX_E_NOMEM, "out of memory", NULL, 0);
        return;
    }
    for (xmpp_stanza_t *it = list ? xmpp_stanza_get_children(list) : NULL;
         it && n < max; it = xmpp_stanza_get_next(it)) {
        const char *name = xmpp_stanza_get_name(it);
        const char *phone = xmpp_stanza_get_attribute(it, "phone");

        if (xmpp_stanza_is_tag(it) && name && strcmp(name, "item") == 0 &&
            phone)
            numbers[n++] = phone;
    }
    report_blocking(c, r, CARDX_OK, "", numbers, n);
    free(numbers);
}

static void on_blocking_reply(struct cardx_client *c, struct lib_request *r,
                              xmpp_stanza_t *reply)
{
    char why[LIB_ERRMSG_SIZE];
    int error;

    if (stanza_is_error(reply)) {
        error = lib_refusal(reply, why, sizeof(why));
        report_blocking(c, r, error, why, NULL, 0);
    } else if (r->kind == REQ_BLOCKLIST) {
        on_blocklist_reply(c, r, reply);
    } else {
        report_blocking(c, r, CARDX_OK, "", NULL, 0);
    }
}

/* cardxd took a choice about updates: it no longer waits in the store.
 * For one made offline, item-not-found (cardxd has no such share) also
 * ends it: there is nothing to tell. */
static void on_updates_reply(struct cardx_client *c, struct lib_request *r,
                             xmpp_stanza_t *reply)
{
    char why[LIB_ERRMSG_SIZE] = "";
    const char *cond = stanza_error_condition(reply, NULL);
    int error = stanza_is_error(reply) ? lib_refusal(reply, why, sizeof(why))
                                       : CARDX_OK;
    int done = error == CARDX_OK || (r->kind == REQ_UPDATES_FLUSH && cond &&
                                     strcmp(cond, "item-not-found") == 0);

    if (done && cardstore_pending_clear(c->store.cs, r->number) < 0 &&
        error == CARDX_OK) {
        lib_format(why, sizeof(why), "%s", cardstore_errmsg(c->store.cs));
        error = CARDX_E_DB;
    }
    lib_report_answer(c, r, error, why);
}

/* An answer to a request's accept or decline. */
static void on_iq_reply(struct cardx_client *c, struct lib_request *r,
                        xmpp_stanza_t *reply)
{
    char why[LIB_ERRMSG_SIZE] = "";
    int error = stanza_is_error(reply) ? lib_refusal(reply, why, sizeof(why))
                                       : CARDX_OK;

    lib_report_answer(c, r, error, why);
}

/* The id handler of every request: the answer to r. */
static int on_reply(xmpp_conn_t *conn, xmpp_stanza_t *stanza, void *ud)
{
    struct lib_request *r = ud;
    struct cardx_client *c = r->c;
    const char *type = xmpp_stanza_get_type(stanza);

    (void)conn;
    if (!type || (strcmp(type, "result") != 0 && strcmp(type, "error") != 0))
        return 1;
    request_unlink(c, r);
    if (r->kind == REQ_SEND)
        on_send_reply(c, r, stanza);
    else if (r->kind == REQ_REGISTER)
        on_register_reply(c, r, stanza);
    else if (r->kind == REQ_NUMBER)
        on_number_reply(c, r, stanza);
    else if (r->kind == REQ_UPLOAD)
        on_upload_reply(c, r, stanza);
    else if (r->kind == REQ_BLOCK || r->kind == REQ_BLOCKLIST)
        on_blocking_reply(c, r, stanza);
    else if (r->kind == REQ_UPDATES || r->kind == REQ_UPDATES_FLUSH)
        on_updates_reply(c, r, stanza);
    else if (r->kind == REQ_PROFILE || r->kind == REQ_PROFILES)
        lib_profile_reply(c, r, stanza, CARDX_OK, "");
    else if (r->kind == REQ_IQ)
        on_iq_reply(c, r, stanza);
    else if (r->kind == REQ_CONSENT_GET || r->kind == REQ_CONSENT_TELL ||
             r->kind == REQ_CONSENT_SET || r->kind == REQ_REQUESTS)
        lib_consent_reply(c, r, stanza, CARDX_OK, "");
    /* An ack refused (item-not-found: nothing waits) needs nothing. */
    request_free(r);
    return 0;
}

int lib_request_send(struct cardx_client *c, xmpp_stanza_t *iq,
                     enum lib_request_kind kind, const char *arg,
                     uint32_t *serial)
{
    struct lib_request *r = NULL;
    int rc = lib_request_send_step(c, iq, kind, arg, NULL, &r);

    if (rc == CARDX_OK && serial)
        *serial = r->serial;
    return rc;
}

int lib_request_send_step(struct cardx_client *c, xmpp_stanza_t *iq,
                          enum lib_request_kind kind, const char *arg,
                          const struct lib_request *prev,
                          struct lib_request **out)
{
    struct lib_request *r = calloc(1, sizeof(*r));

    if (!r || (arg && !(r->number = strdup(arg)))) {
        free(r);
        return CARDX_E_NOMEM;
    }
    r->c = c;
    r->kind = kind;
    r->mode = -1;
    if (prev) {
        r->serial = prev->serial;
        r->step = prev->step + 1;
    } else {
        /* 0 is no request (cardx_client_consent_refresh: nothing told). */
        if (++c->next_serial == 0)
            ++c->next_serial;
        r->serial = c->next_serial;
    }
    r->deadline = clock_now_ms() + c->settings->timeout_ms;
    /* Each step its own stanza id: the next is sent from the handler of
     * the one before, which libstrophe must not take for it. */
    if (r->step)
        snprintf(r->id, sizeof(r->id), "cxl%u.%u", r->serial, r->step);
    else
        snprintf(r->id, sizeof(r->id), "cxl%u", r->serial);
    /* What cardxd writes for a person comes in the user's language. */
    if (xmpp_stanza_set_id(iq, r->id) != XMPP_EOK ||
        (c->settings->lang && !xmpp_stanza_get_attribute(iq, "xml:lang") &&
         xmpp_stanza_set_attribute(iq, "xml:lang", c->settings->lang) !=
             XMPP_EOK)) {
        request_free(r);
        return CARDX_E_NOMEM;
    }
    r->next = c->requests;
    c->requests = r;
    xmpp_id_handler_add(c->s->conn, on_reply, r->id, r);
    xmpp_send(c->s->conn, iq);
    if (out)
        *out = r;
    return CARDX_OK;
}

/* Sends <updates phone= receive=on|off/> as a request of kind. */
static int send_updates(struct cardx_client *c, const char *number, int on,
                        enum lib_request_kind kind, uint32_t *request)
{
    xmpp_stanza_t *el,
        *iq = lib_component_iq(c, "set", "updates", NS_CARDX, &el);
    uint32_t serial = 0;
    int rc = CARDX_E_NOMEM;

    if (iq && !xmpp_stanza_set_attribute(el, "phone", number) &&
        !xmpp_stanza_set_attribute(el, "receive", on ? "on" : "off"))
        rc = lib_request_send(c, iq, kind, number, &serial);
    if (iq)
        xmpp_stanza_release(iq);
    for (struct lib_request *r = c->requests; rc == CARDX_OK && r; r = r->next)
        if (r->serial == serial)
            r->on = on;
    if (rc == CARDX_OK && request)
        *request = serial;
    return rc;
}

static int flush_one(void *ud, const char *number, int on)
{
    /* Out of memory: the choice stays for the next connection. */
    send_updates(ud, number, on, REQ_UPDATES_FLUSH, NULL);
    return 0;
}

void lib_flush_updates(struct cardx_client *c)
{
    cardstore_pending_each(c->store.cs, flush_one, c);
}

int cardx_client_updates(cardx_client *c, const char *number, int on,
                         uint32_t *request)
{
    int rc = lib_need_online(c);

    if (rc != CARDX_OK)
        return rc;
    if (!number || !number[0]) {
        lib_set_err(c, "no number given");
        return CARDX_E_INVAL;
    }
    return send_updates(c, number, on, REQ_UPDATES, request);
}

/* --- what the application asks --- */

int lib_need_online(struct cardx_client *c)
{
    if (c->state == CARDX_STATE_ONLINE && c->s->state == ST_UP)
        return CARDX_OK;
    lib_set_err(c, "not connected");
    return CARDX_E_STATE;
}

int cardx_client_send(cardx_client *c, const char *number, const char *note,
                      uint32_t *request)
{
    return cardx_client_send_profile(c, number, note, NULL, request);
}

int cardx_client_flush_updates(cardx_client *c)
{
    int rc = lib_need_online(c);

    if (rc == CARDX_OK)
        lib_flush_updates(c);
    return rc;
}

int cardx_client_send_profile(cardx_client *c, const char *number,
                              const char *note, const char *profile,
                              uint32_t *request)
{
    xmpp_stanza_t *iq, *send;
    int rc = lib_need_online(c);

    if (rc != CARDX_OK)
        return rc;
    if (!number || !number[0])
        return CARDX_E_INVAL;
    /* The card sent is the one cardxd holds: a changed one goes first. */
    rc = cardx_client_upload_self(c);
    if (rc != CARDX_OK)
        return rc;
    iq = lib_component_iq(c, "set", "send", NS_CARDX, &send);
    if (!iq || xmpp_stanza_set_attribute(send, "to", number) != XMPP_EOK ||
        (profile && profile[0] &&
         xmpp_stanza_set_attribute(send, "profile", profile) != XMPP_EOK) ||
        (note && note[0] &&
         stanza_add_text_child(c->s->ctx, send, "note", note) < 0))
        rc = CARDX_E_NOMEM;
    else
        rc = lib_request_send(c, iq, REQ_SEND, number, request);
    if (iq)
        xmpp_stanza_release(iq);
    return rc;
}

int cardx_client_register(cardx_client *c, const char *number, const char *code)
{
    xmpp_ctx_t *ctx = c->s->ctx;
    xmpp_stanza_t *iq, *query, *x;
    int rc = lib_need_online(c);

    if (rc != CARDX_OK)
        return rc;
    if (!number || !number[0])
        return CARDX_E_INVAL;
    iq = lib_component_iq(c, "set", "query", NS_REGISTER, &query);
    x = iq ? stanza_add_child(ctx, query, "x", NS_DATA) : NULL;
    if (!x || xmpp_stanza_set_type(x, "submit") != XMPP_EOK ||
        form_add_field(ctx, x, "FORM_TYPE", "hidden", NULL, NS_REGISTER, 0) <
            0 ||
        form_add_field(ctx, x, "phone", "text-single", NULL, number, 0) < 0 ||
        (code &&
         form_add_field(ctx, x, "code", "text-single", NULL, code, 0) < 0))
        rc = CARDX_E_NOMEM;
    else
        rc = lib_request_send(c, iq, REQ_REGISTER, number, NULL);
    if (iq)
        xmpp_stanza_release(iq);
    return rc;
}

int cardx_client_block(cardx_client *c, const char *number, int block,
                       uint32_t *request)
{
    const char *name = block ? "block" : "unblock";
    char what[LIB_ERRMSG_SIZE / 2];
    xmpp_stanza_t *iq, *el;
    int rc = lib_need_online(c);

    if (rc != CARDX_OK)
        return rc;
    if (!number || !number[0])
        return CARDX_E_INVAL;
    iq = lib_component_iq(c, "set", name, NS_CARDX, &el);
    lib_format(what, sizeof(what), "%s %s", name, number);
    if (!iq || xmpp_stanza_set_attribute(el, "phone", number) != XMPP_EOK)
        rc = CARDX_E_NOMEM;
    else
        rc = lib_request_send(c, iq, REQ_BLOCK, what, request);
    if (iq)
        xmpp_stanza_release(iq);
    return rc;
}

int lib_request_get(struct cardx_client *c, const char *name,
                    enum lib_request_kind kind, uint32_t *serial)
{
    xmpp_stanza_t *iq, *el;
    int rc = lib_need_online(c);

    if (rc != CARDX_OK)
        return rc;
    iq = lib_component_iq(c, "get", name, NS_CARDX, &el);
    rc = iq ? lib_request_send(c, iq, kind, NULL, serial) : CARDX_E_NOMEM;
    if (iq)
        xmpp_stanza_release(iq);
    return rc;
}

int cardx_client_blocklist(cardx_client *c, uint32_t *request)
{
    return lib_request_get(c, "blocklist", REQ_BLOCKLIST, request);
}

int cardx_client_upload_self(cardx_client *c)
{
    xmpp_stanza_t *iq = NULL, *vcard = NULL;
    char *xml = NULL;
    int uploaded = 1, rc = lib_need_online(c);

    if (rc != CARDX_OK)
        return rc;
    rc = cardstore_self_get(c->store.cs, &xml, &uploaded);
    if (rc != CARDSTORE_OK)
        return lib_store_fail(&c->store, rc);
    if (!xml || uploaded) {
        free(xml);
        return CARDX_OK;
    }
    vcard = vcard_from_text(c->s->ctx, xml);
    iq = xmpp_iq_new(c->s->ctx, "set", NULL);
    if (!vcard || !iq || xmpp_stanza_set_to(iq, c->component) != XMPP_EOK ||
        xmpp_stanza_add_child(iq, vcard) != XMPP_EOK)
        rc = CARDX_E_NOMEM;
    else
        rc = lib_request_send(c, iq, REQ_UPLOAD, xml, NULL);
    free(xml);
    if (vcard)
        xmpp_stanza_release(vcard);
    if (iq)
        xmpp_stanza_release(iq);
    return rc;
}

/* --- what arrives --- */

/* An update of a card sent before (xep/cardx.md): added to the inbox and
 * marked as one, in one transaction, as the cardx program does. */
static int store_update(struct cardstore *cs, const struct cardstore_card *card,
                        const struct session_card *sc, int64_t *id)
{
    int rc = cardstore_begin(cs);

    if (rc < 0)
        return rc;
    rc = cardstore_inbox_add(cs, card, id);
    if (rc == 1 && cardstore_update_mark(cs, *id, sc->updates, sc->changed) < 0)
        rc = CARDSTORE_EDB;
    if (rc < 0) {
        cardstore_rollback(cs);
        return rc;
    }
    return cardstore_commit(cs) < 0 ? CARDSTORE_EDB : rc;
}

/* Commits sc to the inbox; 1 when new (*id its row), 0 when seen before. */
static int store_card(struct cardx_client *c, const struct session_card *sc,
                      int64_t *id)
{
    struct cardstore_card card = {0};

    card.card_id = sc->card_id;
    card.sender_phone = sc->sender_phone;
    card.note = sc->note;
    card.received = (int64_t)time(NULL);
    card.updated = card.received;
    card.f = sc->f;
    card.vcard_xml = sc->vcard_xml;
    if (sc->updates)
        return store_update(c->store.cs, &card, sc, id);
    return cardstore_inbox_add(c->store.cs, &card, id);
}

static int ack_card(struct cardx_client *c, const char *card_id)
{
    xmpp_stanza_t *ack, *iq = lib_component_iq(c, "set", "ack", NS_CARDX, &ack);
    int rc;

    if (!iq || xmpp_stanza_set_attribute(ack, "id", card_id) != XMPP_EOK)
        rc = CARDX_E_NOMEM;
    else
        rc = lib_request_send(c, iq, REQ_ACK, card_id, NULL);
    if (iq)
        xmpp_stanza_release(iq);
    return rc;
}

static void report_card(struct cardx_client *c, int64_t id)
{
    cardx_card *card = NULL;

    if (!c->cb.card || cardx_store_inbox_get(&c->store, id, &card) != CARDX_OK)
        return;
    c->cb.card(c->ud, card);
    cardx_card_free(card);
}

int lib_take_cards(struct cardx_client *c)
{
    struct session_card *sc;

    while (c->state == CARDX_STATE_ONLINE && (sc = session_take_card(c->s))) {
        int64_t id = 0;
        int rc = store_card(c, sc, &id);

        if (rc < 0) {
            /* Not acknowledged: the service keeps it and sends it again. */
            rc = lib_store_fail(&c->store, rc);
            lib_set_err(c, "cannot store card %s: %s", sc->card_id,
                        c->store.errmsg);
            session_card_free(sc);
            return rc;
        }
        if (rc == 1)
            report_card(c, id);
        rc = ack_card(c, sc->card_id);
        session_card_free(sc);
        if (rc != CARDX_OK)
            return rc;
    }
    return CARDX_OK;
}
