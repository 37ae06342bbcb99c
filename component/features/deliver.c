/* Delivery of stored cards to their recipient's online resources, and the
 * one way a card leaves the inbox. */
#include "component/features/deliver.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "card/vcard.h"
#include "common/util.h"
#include "xep/ns.h"
#include "xep/stanza.h"

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
    if (summary)
        body = str_printf("%s\n\nReply to this chat to send your card back.",
                          summary);
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
    xmpp_stanza_t *msg, *vcard = vcard_from_text(service_ctx(svc), item->vcard);
    xmpp_stanza_t *delay;
    char *from = service_proxy_jid(svc, item->sender_phone);
    char *body = vcard ? delivery_body(item, vcard) : NULL;
    char stamp[32];

    stamp_format(item->created, stamp, sizeof(stamp));
    msg = xmpp_message_new(service_ctx(svc), "chat", item->recipient_jid,
                           item->card_id);
    if (!msg || !from || !body || xmpp_stanza_set_from(msg, from) ||
        xmpp_message_set_body(msg, body) ||
        delivery_card_element(service_ctx(svc), msg, item, stamp) < 0 ||
        xmpp_stanza_add_child_ex(msg, vcard, 0) != XMPP_EOK)
        goto fail;
    vcard = NULL; /* now owned by msg */
    if (!stanza_add_child(service_ctx(svc), msg, "request", NS_RECEIPTS))
        goto fail;
    if (delayed) {
        delay = stanza_add_child(service_ctx(svc), msg, "delay", NS_DELAY);
        if (!delay ||
            xmpp_stanza_set_attribute(delay, "from",
                                      service_config(svc)->domain) ||
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
    if (service_send(dc->svc, dc->msg) == 0)
        dc->sent++;
    return 0;
}

/* Full JIDs rather than the bare one: a client that only sent directed
 * presence to the service gets no messages to its bare JID. */
int deliver_card(struct service *svc, const struct store_inbox_item *item,
                 int delayed)
{
    struct deliver_ctx dc = {svc, delivery_build(svc, item, delayed), 0};

    if (!dc.msg) {
        log_error(service_log(svc), "cannot build the delivery of card %s",
                  item->card_id);
        return 0;
    }
    if (store_online_each(service_store(svc), item->recipient_jid,
                           deliver_session, &dc) < 0)
        log_error(service_log(svc), "listing sessions of %s: %s",
                  item->recipient_jid, store_errmsg(service_store(svc)));
    xmpp_stanza_release(dc.msg);
    if (!dc.sent)
        return 0;
    if (store_inbox_mark_sent(service_store(svc), item->card_id) < 0)
        log_error(service_log(svc), "counting delivery of %s: %s",
                  item->card_id, store_errmsg(service_store(svc)));
    log_debug(service_log(svc), "card %s sent to %d session(s) of %s%s",
              item->card_id, dc.sent, item->recipient_jid,
              delayed ? " (from the inbox)" : "");
    return dc.sent;
}

/* Tells the sender, if they asked (XEP-0184), that the card arrived. */
static void sender_receipt(struct service *svc,
                           const struct store_inbox_item *item)
{
    xmpp_stanza_t *msg, *received;
    char *phone = NULL, *from = NULL;

    if (!item->receipt_to || !item->receipt_id)
        return;
    if (store_user_phone(service_store(svc), item->recipient_jid, &phone) < 0)
        return;
    from = service_proxy_jid(svc, phone);
    msg = xmpp_message_new(service_ctx(svc), NULL, item->receipt_to, NULL);
    if (!from || !msg || xmpp_stanza_set_from(msg, from) ||
        !(received = stanza_add_child(service_ctx(svc), msg, "received",
                                      NS_RECEIPTS)) ||
        xmpp_stanza_set_id(received, item->receipt_id)) {
        if (msg)
            xmpp_stanza_release(msg);
        msg = NULL;
    }
    service_emit(svc, msg);
    free(from);
    free(phone);
}

int deliver_retire(struct service *svc, const char *recipient,
                   const char *card_id, enum deliver_end why)
{
    static const char *const how[] = {
        [DELIVER_ACKED] = "acknowledged",
        /* In parentheses: clang's -Wstring-concatenation otherwise takes
         * the split literal for a missing comma. */
        [DELIVER_HANDED] = ("delivered to a client without receipts and "
                            "deleted"),
        [DELIVER_GAVE_UP] = "given up (no acknowledgement)",
    };
    struct store_inbox_item *item = NULL;
    int rc = store_inbox_take(service_store(svc), recipient, card_id, &item);

    if (rc == STORE_ENOTFOUND) {
        log_debug(service_log(svc), "ack for unknown card %s from %s", card_id,
                  recipient);
        return rc;
    }
    if (rc < 0) {
        log_error(service_log(svc), "deleting card %s: %s", card_id,
                  store_errmsg(service_store(svc)));
        return rc;
    }
    log_debug(service_log(svc), "card %s %s by %s", card_id, how[why],
              recipient);
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

    if (item->attempts >= service_config(fc->svc)->max_attempts) {
        /* Someone who never acknowledges must not get the card forever. */
        log_warn(service_log(fc->svc),
                 "card %s to %s dropped after %d attempts", item->card_id,
                 item->recipient_jid, item->attempts);
        deliver_retire(fc->svc, item->recipient_jid, item->card_id,
                       DELIVER_GAVE_UP);
        return 0;
    }
    deliver_card(fc->svc, item, 1);
    if (!fc->receipts)
        deliver_retire(fc->svc, item->recipient_jid, item->card_id,
                       DELIVER_HANDED);
    return 0;
}

void deliver_flush(struct service *svc, const char *bare)
{
    struct flush_ctx fc = {svc, 0};
    int online = 0;

    if (store_online_count(service_store(svc), bare, &online, &fc.receipts) <
            0 ||
        online == 0)
        return;
    if (store_inbox_each(service_store(svc), bare, flush_one, &fc) < 0)
        log_error(service_log(svc), "flushing the inbox of %s: %s", bare,
                  store_errmsg(service_store(svc)));
}

/* Something we sent bounced. The card stays stored; the next presence of
 * its recipient retries. */
static void deliver_bounce(struct service *svc, xmpp_stanza_t *stanza)
{
    const char *id = xmpp_stanza_get_id(stanza);
    const char *from = xmpp_stanza_get_from(stanza);

    log_debug(service_log(svc), "%s %s to %s bounced",
              xmpp_stanza_get_name(stanza), id ? id : "?", from ? from : "?");
}

const struct feature feature_deliver = {
    .name = "delivery",
    .bounce = deliver_bounce,
};
