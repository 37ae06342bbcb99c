/* The card exchange: users' own cards, sending a card to a phone number,
 * delivery to online sessions, the durable inbox, acknowledgements and the
 * presence that drives flushing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "component/service_int.h"
#include "xep/ns.h"
#include "common/phone.h"
#include "xep/stanza.h"
#include "card/vcard.h"

/* The start-up probe waits while more than this is queued for the server. */
#define PROBE_LOW_WATER (256u * 1024u)

/* Bytes of randomness in a card id (hex-encoded, prefixed). */
#define CARD_ID_BYTES 16

/* A send waiting for the sender's vCard from their own server. */
struct send_job {
    xmpp_stanza_t *req; /* the sender's message or iq (a reference) */
    char *sender_jid;   /* bare */
    char *sender_phone;
    char *recipient_jid;
    char *recipient_phone;
    char *note;
    enum send_via via;
    send_done done; /* when set, the outcome goes here instead of replies */
    void *done_ud;
};

static void send_job_free(void *data)
{
    struct send_job *job = data;

    if (!job)
        return;
    if (job->req)
        xmpp_stanza_release(job->req);
    free(job->sender_jid);
    free(job->sender_phone);
    free(job->recipient_jid);
    free(job->recipient_phone);
    free(job->note);
    free(job);
}

/* Reports why a send failed: through the caller's callback, else as an
 * error reply to the request. */
static void send_fail(struct service *svc, struct send_job *job,
                      const char *type, const char *condition, const char *text)
{
    if (job->done)
        job->done(svc, job->req, NULL, NULL, condition, text, job->done_ud);
    else
        service_error(svc, job->req, type, condition, text);
}

/* "+NUMBER@component": the address a phone number has on this service. */
static char *proxy_jid(const struct service *svc, const char *phone)
{
    char *jid = NULL;

    if (asprintf(&jid, "%s@%s", phone, svc->cfg->domain) < 0)
        return NULL;
    return jid;
}

/* True when the stanza is addressed to the component itself, not a proxy. */
static int to_component(const struct service *svc, xmpp_stanza_t *stanza)
{
    const char *to = xmpp_stanza_get_to(stanza);

    return to && strcmp(to, svc->cfg->domain) == 0;
}

/* The registered phone of bare, or NULL after replying with the error. */
static char *require_registered(struct service *svc, xmpp_stanza_t *req,
                                const char *bare)
{
    char *phone = NULL;
    char text[256];
    int rc = store_user_phone(svc->store, bare, &phone);

    if (rc == STORE_ENOTFOUND) {
        snprintf(text, sizeof(text), "register your phone number with %s first",
                 svc->cfg->domain);
        service_error(svc, req, ERR_AUTH, "registration-required", text);
    } else if (rc < 0) {
        log_error(svc->log, "looking up %s: %s", bare,
                  store_errmsg(svc->store));
        service_error(svc, req, ERR_WAIT, "internal-server-error",
                      "the card store failed");
    }
    return phone;
}

/* The bare JID of a registered user whose vCard iq is addressed to the
 * component, the caller's to free; NULL after replying with the error.
 * elsewhere says why an iq to a proxy JID is refused. */
static char *vcard_requester(struct service *svc, xmpp_stanza_t *iq,
                             const char *elsewhere)
{
    char *bare, *phone;

    if (!to_component(svc, iq)) {
        service_error(svc, iq, ERR_CANCEL, "service-unavailable", elsewhere);
        return NULL;
    }
    bare = service_check_sender(svc, iq);
    if (!bare)
        return NULL;
    phone = require_registered(svc, iq, bare);
    if (!phone) {
        free(bare);
        return NULL;
    }
    free(phone);
    return bare;
}

void exchange_vcard_get(struct service *svc, xmpp_stanza_t *iq,
                        xmpp_stanza_t *vcard)
{
    char *bare, *text = NULL;
    xmpp_stanza_t *reply = NULL, *card = NULL;
    int rc;

    (void)vcard;
    bare = vcard_requester(svc, iq, "cards of other users are not published");
    if (!bare)
        return;
    rc = store_card_get(svc->store, bare, &text);
    if (rc < 0 && rc != STORE_ENOTFOUND) {
        service_error(svc, iq, ERR_WAIT, "internal-server-error",
                      "the card store failed");
        goto out;
    }
    reply = stanza_reply(svc->ctx, iq, "result");
    card = text ? vcard_from_text(svc->ctx, text) : NULL;
    if (!card && reply)
        card = stanza_add_child(svc->ctx, reply, "vCard", NS_VCARD);
    else if (card && reply &&
             xmpp_stanza_add_child_ex(reply, card, 0) != XMPP_EOK) {
        xmpp_stanza_release(card);
        card = NULL;
    }
    if (!card) {
        xmpp_stanza_release(reply);
        reply = NULL;
    }
    service_emit(svc, reply);
out:
    free(text);
    free(bare);
}

void exchange_vcard_set(struct service *svc, xmpp_stanza_t *iq,
                        xmpp_stanza_t *vcard)
{
    char *bare, *text = NULL;
    const char *why = NULL;

    bare = vcard_requester(svc, iq,
                           "upload your card to the service's own address");
    if (!bare)
        return;
    if (vcard_check(vcard, svc->cfg->vcard_max_bytes, &why) < 0) {
        service_error(svc, iq, ERR_MODIFY, "not-acceptable", why);
        goto out;
    }
    text = vcard_to_text(vcard);
    if (!text) {
        service_emit(svc, NULL);
        goto out;
    }
    if (store_card_set(svc->store, bare, text, (int64_t)time(NULL)) < 0) {
        log_error(svc->log, "storing the card of %s: %s", bare,
                  store_errmsg(svc->store));
        service_error(svc, iq, ERR_WAIT, "internal-server-error",
                      "the card store failed");
        goto out;
    }
    log_info(svc->log, "stored the card of %s (%zu bytes)", bare, strlen(text));
    service_emit(svc, stanza_reply(svc->ctx, iq, "result"));
out:
    free(text);
    free(bare);
}

/* XEP-0082 date-time of a unix time. */
static void stamp_format(int64_t when, char *buf, size_t len)
{
    time_t t = (time_t)when;
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The human-readable text of a card for a plain chat window. */
static char *delivery_body(const struct store_inbox_item *item,
                           xmpp_stanza_t *vcard)
{
    struct vcard_fields f = {0};
    char *summary = NULL, *body = NULL;

    if (vcard_parse(vcard, &f) < 0)
        goto out;
    if (!f.phone && vcard_fields_set(&f, "phone", item->sender_phone) < 0)
        goto out;
    summary = vcard_summary(&f, item->note);
    if (summary &&
        asprintf(&body, "%s\n\nReply to this chat to send your card back.",
                 summary) < 0)
        body = NULL;
out:
    free(summary);
    vcard_fields_clear(&f);
    return body;
}

/* Adds <card xmlns=cardx id phone created><note/></card>: what cardx
 * clients read (the note apart from the body, the sender's number). */
static int delivery_card_element(xmpp_ctx_t *ctx, xmpp_stanza_t *msg,
                                 const struct store_inbox_item *item,
                                 const char *stamp)
{
    xmpp_stanza_t *card = stanza_add_child(ctx, msg, "card", NS_CARDX);

    if (!card || xmpp_stanza_set_id(card, item->card_id) ||
        xmpp_stanza_set_attribute(card, "phone", item->sender_phone) ||
        xmpp_stanza_set_attribute(card, "created", stamp))
        return -1;
    if (item->note && stanza_add_text_child(ctx, card, "note", item->note) < 0)
        return -1;
    return 0;
}

/* Builds the message that carries a card to its recipient. */
static xmpp_stanza_t *delivery_build(struct service *svc,
                                     const struct store_inbox_item *item,
                                     int delayed)
{
    xmpp_stanza_t *msg, *vcard = vcard_from_text(svc->ctx, item->vcard);
    xmpp_stanza_t *delay;
    char *from = proxy_jid(svc, item->sender_phone);
    char *body = vcard ? delivery_body(item, vcard) : NULL;
    char stamp[32];

    stamp_format(item->created, stamp, sizeof(stamp));
    msg =
        xmpp_message_new(svc->ctx, "chat", item->recipient_jid, item->card_id);
    if (!msg || !from || !body || xmpp_stanza_set_from(msg, from) ||
        xmpp_message_set_body(msg, body) ||
        delivery_card_element(svc->ctx, msg, item, stamp) < 0 ||
        xmpp_stanza_add_child_ex(msg, vcard, 0) != XMPP_EOK)
        goto fail;
    vcard = NULL; /* now owned by msg */
    if (!stanza_add_child(svc->ctx, msg, "request", NS_RECEIPTS))
        goto fail;
    if (delayed) {
        delay = stanza_add_child(svc->ctx, msg, "delay", NS_DELAY);
        if (!delay ||
            xmpp_stanza_set_attribute(delay, "from", svc->cfg->domain) ||
            xmpp_stanza_set_attribute(delay, "stamp", stamp))
            goto fail;
    }
    free(from);
    free(body);
    return msg;
fail:
    if (vcard)
        xmpp_stanza_release(vcard);
    if (msg)
        xmpp_stanza_release(msg);
    free(from);
    free(body);
    return NULL;
}

struct deliver_ctx {
    struct service *svc;
    xmpp_stanza_t *msg;
    int sent;
};

static int deliver_session(void *ud, const char *full)
{
    struct deliver_ctx *dc = ud;

    if (xmpp_stanza_set_to(dc->msg, full) != XMPP_EOK)
        return -1;
    if (dc->svc->io.send(dc->svc->io.userdata, dc->msg) == 0)
        dc->sent++;
    return 0;
}

/* Sends a stored card to every online session of its recipient and counts
 * the attempt. Full JIDs rather than the bare one: a client that only sent
 * directed presence to the service gets no messages to its bare JID. */
static void deliver(struct service *svc, const struct store_inbox_item *item,
                    int delayed)
{
    struct deliver_ctx dc = {svc, delivery_build(svc, item, delayed), 0};

    if (!dc.msg) {
        log_error(svc->log, "cannot build the delivery of card %s",
                  item->card_id);
        return;
    }
    if (store_session_each(svc->store, item->recipient_jid, deliver_session,
                           &dc) < 0)
        log_error(svc->log, "listing sessions of %s: %s", item->recipient_jid,
                  store_errmsg(svc->store));
    xmpp_stanza_release(dc.msg);
    if (!dc.sent)
        return;
    if (store_inbox_mark_sent(svc->store, item->card_id) < 0)
        log_error(svc->log, "counting delivery of %s: %s", item->card_id,
                  store_errmsg(svc->store));
    log_debug(svc->log, "card %s sent to %d session(s) of %s%s", item->card_id,
              dc.sent, item->recipient_jid, delayed ? " (from the inbox)" : "");
}

/* Tells the sender, if they asked (XEP-0184), that the card arrived. */
static void sender_receipt(struct service *svc,
                           const struct store_inbox_item *item)
{
    xmpp_stanza_t *msg, *received;
    char *phone = NULL, *from = NULL;

    if (!item->receipt_to || !item->receipt_id)
        return;
    if (store_user_phone(svc->store, item->recipient_jid, &phone) < 0)
        return;
    from = proxy_jid(svc, phone);
    msg = xmpp_message_new(svc->ctx, NULL, item->receipt_to, NULL);
    if (!from || !msg || xmpp_stanza_set_from(msg, from) ||
        !(received =
              stanza_add_child(svc->ctx, msg, "received", NS_RECEIPTS)) ||
        xmpp_stanza_set_id(received, item->receipt_id)) {
        if (msg)
            xmpp_stanza_release(msg);
        msg = NULL;
    }
    service_emit(svc, msg);
    free(from);
    free(phone);
}

/* The card reached its recipient: forget it, tell its sender. Returns 0, or
 * STORE_ENOTFOUND when no such card waits for that recipient. */
static int card_done(struct service *svc, const char *recipient,
                     const char *card_id, const char *how)
{
    struct store_inbox_item *item = NULL;
    int rc = store_inbox_take(svc->store, recipient, card_id, &item);

    if (rc == STORE_ENOTFOUND) {
        log_debug(svc->log, "ack for unknown card %s from %s", card_id,
                  recipient);
        return rc;
    }
    if (rc < 0) {
        log_error(svc->log, "deleting card %s: %s", card_id,
                  store_errmsg(svc->store));
        return rc;
    }
    log_debug(svc->log, "card %s %s by %s", card_id, how, recipient);
    sender_receipt(svc, item);
    store_inbox_item_free(item);
    return 0;
}

struct flush_ctx {
    struct service *svc;
    int receipts; /* some online session of the recipient acks cards */
};

static int flush_one(void *ud, const struct store_inbox_item *item)
{
    struct flush_ctx *fc = ud;

    if (item->attempts >= fc->svc->cfg->max_attempts) {
        /* Someone who never acknowledges must not get the card forever. */
        log_warn(fc->svc->log, "card %s to %s dropped after %d attempts",
                 item->card_id, item->recipient_jid, item->attempts);
        card_done(fc->svc, item->recipient_jid, item->card_id,
                  "given up (no acknowledgement)");
        return 0;
    }
    deliver(fc->svc, item, 1);
    if (!fc->receipts)
        card_done(fc->svc, item->recipient_jid, item->card_id,
                  "delivered to a client without receipts and deleted");
    return 0;
}

void exchange_flush(struct service *svc, const char *bare)
{
    struct flush_ctx fc = {svc, 0};
    int online = 0;

    if (store_session_count(svc->store, bare, &online, &fc.receipts) < 0 ||
        online == 0)
        return;
    if (store_inbox_each(svc->store, bare, flush_one, &fc) < 0)
        log_error(svc->log, "flushing the inbox of %s: %s", bare,
                  store_errmsg(svc->store));
}

static int card_id_new(char *buf, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char raw[CARD_ID_BYTES];
    size_t n = 0;

    if (len < sizeof("card-") + 2 * CARD_ID_BYTES ||
        getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
        return -1;
    memcpy(buf, "card-", 5);
    n = 5;
    for (size_t i = 0; i < sizeof(raw); i++) {
        buf[n++] = hex[raw[i] >> 4];
        buf[n++] = hex[raw[i] & 0xf];
    }
    buf[n] = '\0';
    return 0;
}

/* The sender asked for a XEP-0184 receipt on their message. */
static void receipt_wanted(const struct send_job *job,
                           struct store_inbox_item *item)
{
    if (job->via != SEND_VIA_MESSAGE || !xmpp_stanza_get_id(job->req) ||
        !xmpp_stanza_get_child_by_ns(job->req, NS_RECEIPTS))
        return;
    item->receipt_to = (char *)xmpp_stanza_get_from(job->req);
    item->receipt_id = (char *)xmpp_stanza_get_id(job->req);
}

static void send_reply(struct service *svc, const struct send_job *job,
                       const char *card_id, const char *status)
{
    xmpp_stanza_t *reply, *sent;

    if (job->done) {
        job->done(svc, job->req, card_id, status, NULL, NULL, job->done_ud);
        return;
    }
    if (job->via != SEND_VIA_IQ)
        return; /* a message send is answered by a receipt, if asked */
    reply = stanza_reply(svc->ctx, job->req, "result");
    sent = reply ? stanza_add_child(svc->ctx, reply, "sent", NS_CARDX) : NULL;
    if (!sent || xmpp_stanza_set_id(sent, card_id) ||
        xmpp_stanza_set_attribute(sent, "status", status) ||
        xmpp_stanza_set_attribute(sent, "to", job->recipient_phone)) {
        xmpp_stanza_release(reply);
        reply = NULL;
    }
    service_emit(svc, reply);
}

/* Commits the card to the inbox, then hands it to an online recipient. The
 * commit comes first: whatever happens next, the card is not lost. */
static void send_commit(struct service *svc, struct send_job *job,
                        const char *vcard)
{
    struct store_inbox_item item = {0};
    char card_id[48];
    int online = 0, receipts = 0;

    if (card_id_new(card_id, sizeof(card_id)) < 0) {
        send_fail(svc, job, ERR_WAIT, "internal-server-error",
                  "no randomness for a card id");
        return;
    }
    item.card_id = card_id;
    item.recipient_jid = job->recipient_jid;
    item.sender_phone = job->sender_phone;
    item.sender_jid = job->sender_jid;
    item.vcard = (char *)vcard;
    item.note = job->note;
    item.created = (int64_t)time(NULL);
    receipt_wanted(job, &item);
    if (store_inbox_push(svc->store, &item) < 0) {
        log_error(svc->log, "storing card for %s: %s", job->recipient_jid,
                  store_errmsg(svc->store));
        send_fail(svc, job, ERR_WAIT, "internal-server-error",
                  "the card could not be stored; try again");
        return;
    }
    log_info(svc->log, "card %s from %s to %s accepted", card_id,
             job->sender_phone, job->recipient_phone);
    if (store_session_count(svc->store, job->recipient_jid, &online,
                            &receipts) < 0)
        online = 0;
    send_reply(svc, job, card_id, online ? "delivered" : "queued");
    if (!online)
        return;
    deliver(svc, &item, 0);
    if (!receipts)
        card_done(svc, job->recipient_jid, card_id,
                  "delivered to a client without receipts and deleted");
}

/* The sender's vCard from their own server arrived (or did not). */
static void send_fetched(struct service *svc, xmpp_stanza_t *reply, void *data)
{
    struct send_job *job = data;
    xmpp_stanza_t *vcard = NULL;
    struct vcard_fields f = {0};
    const char *why = NULL;
    char *text = NULL;

    if (reply && !stanza_is_error(reply))
        vcard = xmpp_stanza_get_child_by_ns(reply, NS_VCARD);
    if (vcard && vcard_parse(vcard, &f) == 0 &&
        (f.name || f.phone || f.email || f.org) &&
        vcard_check(vcard, svc->cfg->vcard_max_bytes, &why) == 0)
        text = vcard_to_text(vcard);
    vcard_fields_clear(&f);
    if (text)
        send_commit(svc, job, text);
    else
        send_fail(svc, job, ERR_MODIFY, "not-acceptable",
                  why ? why
                      : "you have no business card yet: upload a "
                        "vcard-temp vCard to this service or to your "
                        "account first");
    free(text);
}

/* Starts a send; the job is consumed. */
static void send_start(struct service *svc, struct send_job *job)
{
    char *card = NULL;
    xmpp_stanza_t *iq;
    int rc = store_card_get(svc->store, job->sender_jid, &card);

    if (rc == 0) {
        send_commit(svc, job, card);
        free(card);
        send_job_free(job);
        return;
    }
    if (rc != STORE_ENOTFOUND) {
        send_fail(svc, job, ERR_WAIT, "internal-server-error",
                  "the card store failed");
        send_job_free(job);
        return;
    }
    /* No card uploaded here: use the one on the user's own account. */
    iq = xmpp_iq_new(svc->ctx, "get", "fetch");
    if (!iq || xmpp_stanza_set_from(iq, svc->cfg->domain) ||
        xmpp_stanza_set_to(iq, job->sender_jid) ||
        !stanza_add_child(svc->ctx, iq, "vCard", NS_VCARD) ||
        service_request(svc, iq, send_fetched, job, send_job_free) < 0) {
        send_fail(svc, job, ERR_WAIT, "internal-server-error",
                  "could not fetch your card from your server");
        send_job_free(job);
    }
    if (iq)
        xmpp_stanza_release(iq);
}

/* Checks the sender may send: a served domain and a registered number.
 * Reports the failure and returns -1 when not. */
static int send_check_sender(struct service *svc, struct send_job *job)
{
    char text[256];
    int rc;

    job->sender_jid = stanza_bare_jid(xmpp_stanza_get_from(job->req));
    if (!job->sender_jid || !service_user_allowed(svc, job->sender_jid)) {
        snprintf(text, sizeof(text), "only users of %s may use this service",
                 svc->user_domains[0] ? svc->user_domains[0] : "this server");
        send_fail(svc, job, ERR_CANCEL, "not-allowed", text);
        return -1;
    }
    rc = store_user_phone(svc->store, job->sender_jid, &job->sender_phone);
    if (rc == STORE_ENOTFOUND) {
        snprintf(text, sizeof(text), "register your phone number with %s first",
                 svc->cfg->domain);
        send_fail(svc, job, ERR_AUTH, "registration-required", text);
        return -1;
    }
    if (rc < 0) {
        send_fail(svc, job, ERR_WAIT, "internal-server-error",
                  "the card store failed");
        return -1;
    }
    return 0;
}

/* True when s has the shape of E.164: '+' and 1 to 15 digits. */
static int looks_e164(const char *s)
{
    size_t n = 0;

    if (!s || *s++ != '+')
        return 0;
    for (; s[n]; n++) {
        if (s[n] < '0' || s[n] > '9')
            return 0;
    }
    return n >= 1 && n <= 15;
}

/* Validates the recipient's number and finds who has it. Reports the
 * failure and returns -1 when there is no such user. */
static int send_find_recipient(struct service *svc, struct send_job *job,
                               const char *number)
{
    const char *why = NULL;
    char text[256];
    int rc;

    /* Registered numbers are stored canonical: a number already written
     * that way is looked up directly, and libphonenumber (a tenth of a
     * send's cost) runs only for other input or a miss. */
    if (looks_e164(number) &&
        store_user_jid(svc->store, number, &job->recipient_jid) == 0) {
        job->recipient_phone = strdup(number);
        if (job->recipient_phone)
            return 0;
        send_fail(svc, job, ERR_WAIT, "internal-server-error", "out of memory");
        return -1;
    }
    rc = phone_normalize(number, svc->cfg->default_region,
                         &job->recipient_phone, &why);
    if (rc != PHONE_OK) {
        snprintf(text, sizeof(text), "invalid phone number '%s': %s",
                 number ? number : "", why ? why : "not a valid number");
        send_fail(svc, job, ERR_MODIFY, "not-acceptable", text);
        return -1;
    }
    rc = store_user_jid(svc->store, job->recipient_phone, &job->recipient_jid);
    if (rc == STORE_ENOTFOUND) {
        snprintf(text, sizeof(text), "no cardx user has the number %s",
                 job->recipient_phone);
        send_fail(svc, job, ERR_CANCEL, "item-not-found", text);
        return -1;
    }
    if (rc < 0) {
        send_fail(svc, job, ERR_WAIT, "internal-server-error",
                  "the card store failed");
        return -1;
    }
    return 0;
}

void exchange_send(struct service *svc, xmpp_stanza_t *req, const char *number,
                   const char *note, enum send_via via, send_done done,
                   void *done_ud)
{
    struct send_job *job = calloc(1, sizeof(*job));

    if (!job) {
        service_emit(svc, NULL);
        return;
    }
    job->req = xmpp_stanza_clone(req);
    job->via = via;
    job->done = done;
    job->done_ud = done_ud;
    if (send_check_sender(svc, job) < 0 ||
        send_find_recipient(svc, job, number) < 0)
        goto fail;
    if (note && *note && !(job->note = strdup(note))) {
        send_fail(svc, job, ERR_WAIT, "internal-server-error", "out of memory");
        goto fail;
    }
    send_start(svc, job);
    return;
fail:
    send_job_free(job);
}

void exchange_send_iq(struct service *svc, xmpp_stanza_t *iq,
                      xmpp_stanza_t *send)
{
    xmpp_stanza_t *noteel = xmpp_stanza_get_child_by_name(send, "note");
    char *note = noteel ? xmpp_stanza_get_text(noteel) : NULL;
    const char *to = xmpp_stanza_get_attribute(send, "to");

    if (!to || !*to)
        service_error(svc, iq, ERR_MODIFY, "bad-request",
                      "<send/> needs a 'to' phone number");
    else
        exchange_send(svc, iq, to, note, SEND_VIA_IQ, NULL, NULL);
    if (note)
        xmpp_free(svc->ctx, note);
}

void exchange_ack_iq(struct service *svc, xmpp_stanza_t *iq, xmpp_stanza_t *ack)
{
    const char *id = xmpp_stanza_get_id(ack);
    char *bare = service_check_sender(svc, iq);

    if (!bare)
        return;
    if (!id)
        service_error(svc, iq, ERR_MODIFY, "bad-request",
                      "<ack/> needs the card's id");
    else if (card_done(svc, bare, id, "acknowledged (cardx)") ==
             STORE_ENOTFOUND)
        service_error(svc, iq, ERR_CANCEL, "item-not-found",
                      "no such card waits for you");
    else
        service_emit(svc, stanza_reply(svc->ctx, iq, "result"));
    free(bare);
}

/* The trimmed text of a message body, or NULL (caller frees with free()). */
static char *message_note(xmpp_ctx_t *ctx, xmpp_stanza_t *msg)
{
    char *body = xmpp_message_get_body(msg);
    char *start, *end, *note;

    if (!body)
        return NULL;
    for (start = body;
         *start == ' ' || *start == '\n' || *start == '\t' || *start == '\r';
         start++)
        ;
    end = start + strlen(start);
    while (end > start && (end[-1] == ' ' || end[-1] == '\n' ||
                           end[-1] == '\t' || end[-1] == '\r'))
        end--;
    note = strndup(start, (size_t)(end - start));
    xmpp_free(ctx, body);
    return note;
}

/* A chat message to the service itself: say how to use it. */
static void message_help(struct service *svc, xmpp_stanza_t *msg)
{
    xmpp_stanza_t *reply = stanza_reply(svc->ctx, msg, "chat");
    char *text = NULL;

    if (asprintf(&text,
                 "This is the cardx business card service. Register your "
                 "phone number here (in-band registration), then send a "
                 "message to +NUMBER@%s to send your card to that number; "
                 "your message becomes a note on the card.",
                 svc->cfg->domain) < 0)
        text = NULL;
    if (reply && xmpp_stanza_get_id(reply))
        xmpp_stanza_del_attribute(reply, "id");
    if (!reply || !text || xmpp_message_set_body(reply, text)) {
        if (reply)
            xmpp_stanza_release(reply);
        reply = NULL;
    }
    free(text);
    service_emit(svc, reply);
}

/* A message that is neither a card nor an ack (chat states, markers) is
 * not a request to send a card: typing must not send cards. */
static int message_is_send(xmpp_stanza_t *msg, const char *note)
{
    return (note && *note) ||
           xmpp_stanza_get_child_by_name_and_ns(msg, "send", NS_CARDX) != NULL;
}

void exchange_message(struct service *svc, xmpp_stanza_t *msg)
{
    const char *type = xmpp_stanza_get_type(msg);
    const char *to = xmpp_stanza_get_to(msg);
    xmpp_stanza_t *received;
    char *note = NULL, *number = NULL, *bare = NULL;

    if (type && strcmp(type, "error") == 0) {
        log_debug(svc->log, "message %s to %s bounced",
                  xmpp_stanza_get_id(msg) ? xmpp_stanza_get_id(msg) : "?",
                  xmpp_stanza_get_from(msg) ? xmpp_stanza_get_from(msg) : "?");
        return; /* the card stays stored; next presence retries */
    }
    if ((type && strcmp(type, "groupchat") == 0) || !to)
        return;
    received =
        xmpp_stanza_get_child_by_name_and_ns(msg, "received", NS_RECEIPTS);
    if (received && xmpp_stanza_get_id(received)) {
        bare = stanza_bare_jid(xmpp_stanza_get_from(msg));
        if (bare)
            card_done(svc, bare, xmpp_stanza_get_id(received),
                      "acknowledged (XEP-0184)");
        free(bare);
    }
    note = message_note(svc->ctx, msg);
    if (!message_is_send(msg, note))
        goto out;
    if (to_component(svc, msg)) {
        message_help(svc, msg);
        goto out;
    }
    number = strndup(to, strcspn(to, "@"));
    if (number)
        exchange_send(svc, msg, number, note, SEND_VIA_MESSAGE, NULL, NULL);
out:
    free(number);
    free(note);
}

struct disco_job {
    char *full;
    char *bare;
};

static void disco_job_free(void *data)
{
    struct disco_job *dj = data;

    if (!dj)
        return;
    free(dj->full);
    free(dj->bare);
    free(dj);
}

/* The new session's disco#info tells whether its client acks cards; then
 * every waiting card goes out. */
static void session_discovered(struct service *svc, xmpp_stanza_t *reply,
                               void *data)
{
    struct disco_job *dj = data;
    xmpp_stanza_t *q = reply && !stanza_is_error(reply)
                           ? xmpp_stanza_get_child_by_ns(reply, NS_DISCO_INFO)
                           : NULL;
    int receipts = 0;

    for (xmpp_stanza_t *f = q ? xmpp_stanza_get_children(q) : NULL; f;
         f = xmpp_stanza_get_next(f)) {
        const char *var = xmpp_stanza_get_attribute(f, "var");

        if (var && strcmp(var, NS_RECEIPTS) == 0)
            receipts = 1;
    }
    log_debug(svc->log, "session %s %s receipts", dj->full,
              receipts ? "supports" : "does not support");
    if (store_session_set_receipts(svc->store, dj->full, receipts) < 0)
        log_error(svc->log, "recording session %s: %s", dj->full,
                  store_errmsg(svc->store));
    exchange_flush(svc, dj->bare);
}

static void session_available(struct service *svc, const char *full,
                              const char *bare)
{
    struct disco_job *dj;
    xmpp_stanza_t *iq;
    int rc = store_session_add(svc->store, full, bare);

    if (rc < 0) {
        log_error(svc->log, "recording session %s: %s", full,
                  store_errmsg(svc->store));
        return;
    }
    if (rc == 0)
        return; /* a presence update of a known session */
    log_debug(svc->log, "session %s online", full);
    dj = calloc(1, sizeof(*dj));
    iq = xmpp_iq_new(svc->ctx, "get", "disco");
    if (!dj || !iq || !(dj->full = strdup(full)) ||
        !(dj->bare = strdup(bare)) ||
        xmpp_stanza_set_from(iq, svc->cfg->domain) ||
        xmpp_stanza_set_to(iq, full) ||
        !stanza_add_child(svc->ctx, iq, "query", NS_DISCO_INFO) ||
        service_request(svc, iq, session_discovered, dj, disco_job_free) < 0) {
        disco_job_free(dj);
        exchange_flush(svc, bare); /* unknown support: deliver anyway */
    }
    if (iq)
        xmpp_stanza_release(iq);
}

/* Answers a presence with one of ours of the given type (NULL: available). */
static void presence_answer(struct service *svc, xmpp_stanza_t *pres,
                            const char *type)
{
    xmpp_stanza_t *p = stanza_reply(svc->ctx, pres, type);

    if (p)
        xmpp_stanza_del_attribute(p, "id");
    service_emit(svc, p);
}

void exchange_presence(struct service *svc, xmpp_stanza_t *pres)
{
    const char *type = xmpp_stanza_get_type(pres);
    const char *from = xmpp_stanza_get_from(pres);
    char *bare = stanza_bare_jid(from), *phone = NULL;

    if (!bare || !service_user_allowed(svc, bare))
        goto out;
    if (!type || strcmp(type, "available") == 0) {
        if (strchr(from, '/') &&
            store_user_phone(svc->store, bare, &phone) == 0)
            session_available(svc, from, bare);
    } else if (strcmp(type, "unavailable") == 0) {
        if (store_session_remove(svc->store, from) < 0)
            log_error(svc->log, "forgetting session %s: %s", from,
                      store_errmsg(svc->store));
    } else if (strcmp(type, "subscribe") == 0) {
        presence_answer(svc, pres, "subscribed");
    } else if (strcmp(type, "unsubscribe") == 0) {
        presence_answer(svc, pres, "unsubscribed");
    } else if (strcmp(type, "probe") == 0) {
        presence_answer(svc, pres, NULL);
    }
out:
    free(phone);
    free(bare);
}

static int probe_user(void *ud, const char *jid, const char *phone)
{
    struct service *svc = ud;
    static const char *const types[] = {"probe", NULL};

    (void)phone;
    /* Our own availability too, so that clients show the service online. */
    for (size_t i = 0; i < 2; i++) {
        xmpp_stanza_t *p = xmpp_presence_new(svc->ctx);

        if (p && ((types[i] && xmpp_stanza_set_type(p, types[i])) ||
                  xmpp_stanza_set_from(p, svc->cfg->domain) ||
                  xmpp_stanza_set_to(p, jid))) {
            xmpp_stanza_release(p);
            p = NULL;
        }
        service_emit(svc, p);
    }
    return 0;
}

void exchange_probe_start(struct service *svc)
{
    svc->probing = 1;
    svc->probe_cursor = 0;
}

int exchange_probe_ready(const struct service *svc)
{
    size_t pending = svc->io.pending ? svc->io.pending(svc->io.userdata) : 0;

    return svc->probing && pending < PROBE_LOW_WATER;
}

/* A page at a time, and only while the output has drained: probing a
 * million users in one go would queue hundreds of megabytes for the server
 * and overflow the link's output cap, which drops the link, which probes
 * again, forever. */
int exchange_probe_step(struct service *svc)
{
    int n;

    if (!exchange_probe_ready(svc))
        return svc->probing;
    n = store_user_next_page(svc->store, &svc->probe_cursor, probe_user, svc);
    if (n < 0)
        log_error(svc->log, "probing users: %s", store_errmsg(svc->store));
    if (n <= 0) {
        svc->probing = 0;
        log_info(svc->log, "presence probe of registered users done");
    }
    return svc->probing;
}
