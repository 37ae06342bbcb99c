/* Delivery of stored cards to their recipient's online resources, and the
 * one way a card leaves the inbox. */
#include "component/features/deliver.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "card/vcard.h"
#include "common/i18n.h"
#include "common/phone.h"
#include "common/util.h"
#include "component/limits.h"
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

/* Whom a text is for: their language, for vcard_summary_tr(). */
struct reader {
    const struct service *svc;
    const char *lang;
};

static const char *reader_tr(void *data, const char *msgid)
{
    const struct reader *r = data;

    return service_tr_lang(r->svc, r->lang, msgid);
}

/* The card's phone as people read it ("+86 138 0013 8000"), whatever form
 * its owner typed it in; else the number it was sent from. */
static int delivery_phone(struct vcard_fields *f, const char *sender_phone)
{
    char shown[SERVICE_PHONE_TEXT_MAX], *e164 = NULL;
    int rc;

    if (f->phone && phone_normalize(f->phone, NULL, &e164, NULL) != PHONE_OK)
        return 0; /* not a number we can read: as its owner wrote it */
    rc = vcard_fields_set(
        f, "phone",
        service_phone_text(e164 ? e164 : sender_phone, shown, sizeof(shown)));
    free(e164);
    return rc;
}

/* The labels the reader sees for the card's fields (vcard_field_names()),
 * as the card's summary names them where it can. */
static const struct {
    const char *name, *label;
} delivery_field_labels[] = {
    {"name", N_("Name")},
    {"given", N_("Given name")},
    {"family", N_("Family name")},
    {"phone", N_("Phone")},
    {"email", N_("Email")},
    {"org", N_("Organisation")},
    {"title", N_("Title")},
    {"address", N_("Address")},
    {"url", N_("Web")},
    {"note", N_("About")},
};

/* changed (field names, space-separated) as the reader reads it: their
 * labels in lang, in a list; a name without a label as it is. The
 * caller frees the result; NULL when out of memory. */
static char *delivery_changed_text(const struct service *svc, const char *lang,
                                   const char *changed)
{
    /* TRANSLATORS: between the names of the fields an update changed. */
    const char *sep = service_tr_lang(svc, lang, ", ");
    struct strv names = {0};
    char *text = NULL, *more;

    if (!changed || !*changed)
        return strdup(service_tr_lang(svc, lang, "nothing shown"));
    if (strv_split(&names, changed, " ") < 0 || !(text = strdup("")))
        goto out;
    for (size_t i = 0; i < names.n; i++) {
        const char *label = names.v[i];

        for (size_t j = 0; j < sizeof(delivery_field_labels) /
                                   sizeof(delivery_field_labels[0]);
             j++)
            if (strcmp(delivery_field_labels[j].name, names.v[i]) == 0)
                label =
                    service_tr_lang(svc, lang, delivery_field_labels[j].label);
        more = str_printf("%s%s%s", text, *text ? sep : "", label);
        free(text);
        if (!(text = more))
            goto out;
    }
out:
    strv_clear(&names);
    return text;
}

/* The body of an update (a card that replaces one the reader received):
 * says so and names what changed, in the reader's language lang. */
static char *delivery_update_body(const struct service *svc, const char *lang,
                                  const struct store_inbox_item *item,
                                  const char *summary)
{
    char *changed = delivery_changed_text(svc, lang, item->changed);
    char *head =
        changed ? str_printf(service_tr_lang(svc, lang,
                                             "This is an update of a card you "
                                             "received (changed: %s)."),
                             changed)
                : NULL;
    char *body = NULL;

    if (head)
        body = str_printf(
            "%s\n%s\n\n%s", head, summary,
            service_tr_lang(svc, lang,
                            "Reply to this chat to send your card back."));
    free(head);
    free(changed);
    return body;
}

/* The human-readable text of a card for a plain chat window, in the
 * recipient's language lang. */
static char *delivery_body(const struct service *svc, const char *lang,
                           const struct store_inbox_item *item,
                           xmpp_stanza_t *vcard)
{
    struct vcard_fields f = {0};
    struct reader r = {svc, lang};
    char *summary = NULL, *body = NULL;

    if (vcard_parse(vcard, &f) < 0)
        goto out;
    if (delivery_phone(&f, item->sender_phone) < 0)
        goto out;
    summary = vcard_summary_tr(&f, item->note, reader_tr, &r);
    if (summary && item->updates)
        body = delivery_update_body(svc, lang, item, summary);
    else if (summary)
        body = str_printf(
            "%s\n\n%s", summary,
            service_tr_lang(svc, lang,
                            "Reply to this chat to send your card back."));
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
    /* An update names the card it updates and what changed. */
    if (item->updates &&
        (xmpp_stanza_set_attribute(card, "updates", item->updates) ||
         xmpp_stanza_set_attribute(card, "changed",
                                   item->changed ? item->changed : "")))
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
    /* Nobody asked for this message now: it speaks the language the
     * recipient chose or last used, kept in the store across restarts. */
    const char *lang = service_user_lang(svc, item->recipient_jid);
    char *body = vcard ? delivery_body(svc, lang, item, vcard) : NULL;
    char stamp[32];

    stamp_format(item->created, stamp, sizeof(stamp));
    msg = xmpp_message_new(service_ctx(svc), "chat", item->recipient_jid,
                           item->card_id);
    if (!msg || !from || !body || xmpp_stanza_set_from(msg, from) ||
        xmpp_stanza_set_attribute(msg, "xml:lang", i18n_tag(lang)) ||
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

/* How many handed cards one sweep retires before it yields to other
 * work; the next sweep follows at once. */
#define DELIVER_SWEEP_BATCH 100

/* The feature's state: when the next sweep of handed cards is due. Per
 * instance, and harmless so: each sweep reads every handed card from the
 * shared inbox and a card leaves it in one DELETE, so two instances
 * sweeping retire it once; a dead instance's cards are timed by the one
 * taking it over (instance.c). */
struct deliver {
    int64_t next_sweep; /* monotonic ms; -1 when no handed card waits */
};

extern const struct feature feature_deliver;

static struct deliver *deliver_of(struct service *svc)
{
    return service_state(svc, &feature_deliver);
}

/* A handed card's grace ends grace ms after at (unix ms): sweep then. */
static void deliver_schedule(struct service *svc, int64_t wall_due)
{
    struct deliver *dv = deliver_of(svc);
    int64_t left = wall_due - clock_wall_ms();
    int64_t due = service_now_ms(svc) + (left > 0 ? left : 0);

    if (dv->next_sweep < 0 || due < dv->next_sweep)
        dv->next_sweep = due;
}

void deliver_handed(struct service *svc, int64_t handed_at)
{
    deliver_schedule(svc, handed_at + service_config(svc)->handoff_grace_ms);
}

struct deliver_ctx {
    struct service *svc;
    xmpp_stanza_t *msg;
    int sent;
};

static int deliver_resource(void *ud, const char *full)
{
    struct deliver_ctx *dc = ud;

    if (xmpp_stanza_set_to(dc->msg, full) != XMPP_EOK)
        return -1;
    if (service_send(dc->svc, dc->msg) == 0)
        dc->sent++;
    return 0;
}

/* Counts a card's first delivery for the admin: its latency from
 * acceptance, and the time its ack will be measured from. */
static void deliver_stats(struct service *svc,
                          const struct store_inbox_item *item)
{
    int64_t now = clock_wall_ms();

    if (item->attempts > 0)
        return;
    stats_count(service_stats(svc), STATS_DELIVERED, NULL, service_now_ms(svc));
    stats_observe(service_stats(svc), STATS_ACCEPT_TO_DELIVER,
                  now - item->created * 1000);
    stats_delivery_note(service_stats(svc), item->card_id, now);
}

/* Counts the delivery. Reaching a resource known to acknowledge means only
 * its ack retires the card; reaching only others starts the grace period
 * after which a card that was never acknowledged is retired. */
static void deliver_count(struct service *svc,
                          const struct store_inbox_item *item)
{
    struct store *st = service_store(svc);
    int ackers = 0;
    int64_t handed = 0;

    if (store_online_count(st, item->recipient_jid, NULL, &ackers) < 0)
        ackers = 0; /* unknown: the grace period is the safe side */
    if (!ackers)
        handed = item->handed_at ? item->handed_at : clock_wall_ms();
    if (store_inbox_mark_sent(st, item->card_id, handed) < 0) {
        log_error(service_log(svc), "counting delivery of %s: %s",
                  item->card_id, store_errmsg(st));
        return;
    }
    if (handed)
        deliver_schedule(svc, handed + service_config(svc)->handoff_grace_ms);
    deliver_stats(svc, item);
}

/* Several instances may see one card at once (one stored it as its
 * recipient came online through another): the one whose claim wins sends
 * it, for a lease; another sends it again only once that ran out (its
 * claimant died, or it was never acknowledged and a resource came back).
 * True when this instance may send it. */
static int deliver_claim(struct service *svc,
                         const struct store_inbox_item *item)
{
    struct store *st = service_store(svc);
    int rc = store_inbox_claim(st, item->card_id, clock_wall_ms(),
                               service_config(svc)->lease_ms);

    if (rc == 0)
        log_debug(service_log(svc),
                  "card %s is being delivered by another "
                  "instance",
                  item->card_id);
    else if (rc < 0 && rc != STORE_ENOTFOUND)
        log_error(service_log(svc), "claiming card %s: %s", item->card_id,
                  store_errmsg(st));
    return rc == 1;
}

/* Nothing was sent: another instance may deliver it at once. */
static void deliver_unclaim(struct service *svc,
                            const struct store_inbox_item *item)
{
    if (store_inbox_unclaim(service_store(svc), item->card_id) < 0)
        log_error(service_log(svc), "releasing card %s: %s", item->card_id,
                  store_errmsg(service_store(svc)));
}

/* Full JIDs rather than the bare one: a client that only sent directed
 * presence to the service gets no messages to its bare JID. */
int deliver_card(struct service *svc, const struct store_inbox_item *item,
                 int delayed)
{
    struct deliver_ctx dc = {svc, NULL, 0};

    /* The expiry timer may not have come round to it yet: an expired card
     * is never delivered. */
    if (limits_expired(item->created, service_config(svc)->inbox_ttl_ms,
                       clock_wall_ms())) {
        deliver_retire(svc, item->recipient_jid, item->card_id,
                       DELIVER_EXPIRED);
        return 0;
    }
    if (!deliver_claim(svc, item))
        return 0;
    dc.msg = delivery_build(svc, item, delayed);
    if (!dc.msg) {
        log_error(service_log(svc), "cannot build the delivery of card %s",
                  item->card_id);
        deliver_unclaim(svc, item);
        return 0;
    }
    if (store_online_each(service_store(svc), item->recipient_jid,
                          deliver_resource, &dc) < 0)
        log_error(service_log(svc), "listing resources of %s: %s",
                  item->recipient_jid, store_errmsg(service_store(svc)));
    xmpp_stanza_release(dc.msg);
    if (!dc.sent) {
        deliver_unclaim(svc, item);
        return 0;
    }
    deliver_count(svc, item);
    /* At info: with accepted and acknowledged, an admin can follow each
     * card's life by its id. */
    log_info(service_log(svc), "card %s delivered to %d resource(s) of %s%s",
             item->card_id, dc.sent, item->recipient_jid,
             delayed ? " (from the inbox)" : "");
    return dc.sent;
}

/* Tells the sender, if they asked (XEP-0184), that the card arrived. */
static void sender_receipt(struct service *svc,
                           const struct store_inbox_item *item)
{
    xmpp_stanza_t *msg, *received;
    char *from = NULL;

    if (!item->receipt_to || !item->receipt_id)
        return;
    /* The number the card was sent to, which the sender knows. */
    from = service_proxy_jid(svc, item->recipient_phone);
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
}

/* Tells the sender their card expired undelivered: a chat message from
 * the recipient's proxy JID, so that it lands in the chat they sent from. */
static void sender_expired(struct service *svc,
                           const struct store_inbox_item *item)
{
    xmpp_stanza_t *msg;
    char *from = NULL, *text = NULL;
    char stamp[32], shown[SERVICE_PHONE_TEXT_MAX];
    const char *lang = service_user_lang(svc, item->sender_jid);

    /* The number the card was sent to: the same words whether anyone has
     * it or not ([privacy]). */
    stamp_format(item->created, stamp, sizeof(stamp));
    from = service_proxy_jid(svc, item->recipient_phone);
    text = str_printf(
        service_tr_lang(svc, lang,
                        "Your card to %s (sent %s) expired undelivered: it "
                        "was not picked up in time and has been deleted."),
        service_phone_text(item->recipient_phone, shown, sizeof(shown)), stamp);
    msg = xmpp_message_new(service_ctx(svc), "chat", item->sender_jid, NULL);
    if (!from || !text || !msg || xmpp_stanza_set_from(msg, from) ||
        xmpp_stanza_set_attribute(msg, "xml:lang", i18n_tag(lang)) ||
        xmpp_message_set_body(msg, text)) {
        if (msg)
            xmpp_stanza_release(msg);
        msg = NULL;
    }
    service_emit(svc, msg);
    free(text);
    free(from);
}

/* Counts a card that left the store, by why. */
static void deliver_retired_stats(struct service *svc,
                                  const struct store_inbox_item *item,
                                  enum deliver_end why)
{
    static const char *const reason[] = {
        [DELIVER_HANDED] = "grace_over",
        [DELIVER_GAVE_UP] = "max_attempts",
        [DELIVER_REFUSED] = "refused_by_server",
    };
    struct stats *st = service_stats(svc);

    if (why == DELIVER_ACKED) {
        stats_count(st, STATS_ACKED, NULL, service_now_ms(svc));
        stats_delivery_acked(st, item->card_id, clock_wall_ms());
    } else if (why == DELIVER_EXPIRED) {
        stats_count(st, STATS_EXPIRED, NULL, service_now_ms(svc));
    } else {
        stats_count(st, STATS_RETIRED, reason[why], service_now_ms(svc));
    }
}

/* Takes the card out of the inbox of recipient (a bare JID, or with
 * by_number a number) and tells whom it concerns. */
static int deliver_retire_for(struct service *svc, const char *recipient,
                              int by_number, const char *card_id,
                              enum deliver_end why)
{
    static const char *const how[] = {
        [DELIVER_ACKED] = "acknowledged by",
        /* In parentheses: clang's -Wstring-concatenation otherwise takes
         * a split literal for a missing comma. */
        [DELIVER_HANDED] = ("retired (grace period over, never "
                            "acknowledged) for"),
        [DELIVER_GAVE_UP] = ("given up (max_attempts deliveries, never "
                             "acknowledged) for"),
        [DELIVER_EXPIRED] = ("expired (inbox_ttl over, never acknowledged) "
                             "for"),
        [DELIVER_REFUSED] = ("deleted (refused for good: blocked on their "
                             "server) for"),
    };
    struct store_inbox_item *item = NULL;
    int rc = by_number ? store_inbox_take_number(service_store(svc), recipient,
                                                 card_id, &item)
                       : store_inbox_take(service_store(svc), recipient,
                                          card_id, &item);

    if (rc == STORE_ENOTFOUND) {
        log_debug(service_log(svc), "no card %s waits for %s", card_id,
                  recipient);
        return rc;
    }
    if (rc < 0) {
        log_error(service_log(svc), "deleting card %s: %s", card_id,
                  store_errmsg(service_store(svc)));
        return rc;
    }
    if (why == DELIVER_ACKED)
        log_info(service_log(svc), "card %s %s %s", card_id, how[why],
                 recipient);
    else
        log_warn(service_log(svc), "card %s %s %s after %d deliveries", card_id,
                 how[why], recipient, item->attempts);
    deliver_retired_stats(svc, item, why);
    /* Only the recipient's acknowledgement is news of arrival. */
    if (why == DELIVER_ACKED)
        sender_receipt(svc, item);
    else if (why == DELIVER_EXPIRED)
        sender_expired(svc, item);
    store_inbox_item_free(item);
    return 0;
}

int deliver_retire(struct service *svc, const char *recipient,
                   const char *card_id, enum deliver_end why)
{
    return deliver_retire_for(svc, recipient, 0, card_id, why);
}

int deliver_retire_number(struct service *svc, const char *recipient_phone,
                          const char *card_id, enum deliver_end why)
{
    return deliver_retire_for(svc, recipient_phone, 1, card_id, why);
}

static int flush_one(void *ud, const struct store_inbox_item *item)
{
    struct service *svc = ud;

    if (item->attempts >= service_config(svc)->max_attempts) {
        /* Someone who never acknowledges must not get the card forever. */
        deliver_retire(svc, item->recipient_jid, item->card_id,
                       DELIVER_GAVE_UP);
        return 0;
    }
    deliver_card(svc, item, 1);
    return 0;
}

static int flush_fresh(void *ud, const struct store_inbox_item *item)
{
    return item->attempts == 0 ? flush_one(ud, item) : 0;
}

static void deliver_flush_with(struct service *svc, const char *bare,
                               int (*fn)(void *ud,
                                         const struct store_inbox_item *item))
{
    int online = 0;

    if (store_online_count(service_store(svc), bare, &online, NULL) < 0 ||
        online == 0)
        return;
    if (store_inbox_each(service_store(svc), bare, fn, svc) < 0)
        log_error(service_log(svc), "flushing the inbox of %s: %s", bare,
                  store_errmsg(service_store(svc)));
}

void deliver_flush(struct service *svc, const char *bare)
{
    deliver_flush_with(svc, bare, flush_one);
}

void deliver_flush_fresh(struct service *svc, const char *bare)
{
    deliver_flush_with(svc, bare, flush_fresh);
}

/* True when the bounce says the recipient blocked us on their server
 * (XEP-0191 <blocked xmlns='urn:xmpp:blocking:errors'/> in the error). */
static int bounce_blocked(xmpp_stanza_t *stanza)
{
    xmpp_stanza_t *err = xmpp_stanza_get_child_by_name(stanza, "error");

    return err && xmpp_stanza_get_child_by_name_and_ns(
                      err, "blocked", NS_BLOCKING_ERRORS) != NULL;
}

/* The recipient blocked the sender's proxy JID on their own server: every
 * later delivery would bounce too, so the card goes, without a receipt. */
static void deliver_refused(struct service *svc, const char *bare,
                            const char *id, const char *from)
{
    int rc = deliver_retire(svc, bare, id, DELIVER_REFUSED);

    if (rc == STORE_ENOTFOUND)
        log_debug(service_log(svc), "message %s to %s refused (blocked)", id,
                  from ? from : "?");
}

/* A delivery bounced (a hibernating XEP-0198 session that expired, say):
 * it reached nobody, so the card waits again for the next resource; unless
 * the recipient's server refused it for good. Anything else we sent that
 * bounced is only logged. */
static void deliver_bounce(struct service *svc, xmpp_stanza_t *stanza)
{
    const char *id = xmpp_stanza_get_id(stanza);
    const char *from = xmpp_stanza_get_from(stanza);
    const char *name = xmpp_stanza_get_name(stanza);
    char *bare = stanza_bare_jid(from);
    int rc = STORE_ENOTFOUND;

    if (id && bare && strcmp(name, "message") == 0 && bounce_blocked(stanza)) {
        deliver_refused(svc, bare, id, from);
        free(bare);
        return;
    }
    if (id && bare && strcmp(name, "message") == 0)
        rc = store_inbox_requeue(service_store(svc), bare, id);
    /* It reached nobody: whichever instance sees the next resource sends
     * it. */
    if (rc == 0 && store_inbox_unclaim(service_store(svc), id) < 0)
        log_error(service_log(svc), "releasing card %s: %s", id,
                  store_errmsg(service_store(svc)));
    if (rc == 0)
        log_info(service_log(svc), "card %s bounced from %s: waiting again", id,
                 from);
    else if (rc == STORE_ENOTFOUND)
        log_debug(service_log(svc), "%s %s to %s bounced", name, id ? id : "?",
                  from ? from : "?");
    else
        log_error(service_log(svc), "putting back card %s: %s", id,
                  store_errmsg(service_store(svc)));
    free(bare);
}

static int retire_handed(void *ud, const char *recipient, const char *card_id)
{
    deliver_retire(ud, recipient, card_id, DELIVER_HANDED);
    return 0;
}

/* Retires the cards whose grace period is over, a batch at a time, and
 * schedules the next sweep for the oldest handed card left. */
static void deliver_sweep(struct service *svc)
{
    struct deliver *dv = deliver_of(svc);
    struct store *st = service_store(svc);
    int64_t grace = service_config(svc)->handoff_grace_ms, first = 0;

    if (dv->next_sweep < 0 || dv->next_sweep > service_now_ms(svc))
        return;
    dv->next_sweep = -1;
    if (store_inbox_handed_before(st, clock_wall_ms() - grace,
                                  DELIVER_SWEEP_BATCH, retire_handed,
                                  svc) < 0 ||
        store_inbox_handed_first(st, &first) < 0) {
        log_error(service_log(svc), "retiring handed cards: %s",
                  store_errmsg(st));
        first = clock_wall_ms(); /* try again after a grace period */
    }
    if (first)
        deliver_schedule(svc, first + grace);
}

static int deliver_timeout(struct service *svc)
{
    int64_t next = deliver_of(svc)->next_sweep;
    int64_t left = next - service_now_ms(svc);

    if (next < 0)
        return -1;
    return left <= 0 ? 0 : left > INT_MAX ? INT_MAX : (int)left;
}

/* Cards whose grace ended while cardxd was stopped go at once. */
static void deliver_link_up(struct service *svc)
{
    deliver_of(svc)->next_sweep = service_now_ms(svc);
    deliver_sweep(svc);
}

static int deliver_init(struct service *svc, void **state)
{
    struct deliver *dv = calloc(1, sizeof(*dv));

    (void)svc;
    if (!dv)
        return CX_ENOMEM;
    dv->next_sweep = -1;
    *state = dv;
    return 0;
}

static void deliver_free(struct service *svc, void *state)
{
    (void)svc;
    free(state);
}

const struct feature feature_deliver = {
    .name = "delivery",
    .bounce = deliver_bounce,
    .init = deliver_init,
    .free = deliver_free,
    .link_up = deliver_link_up,
    .timeout = deliver_timeout,
    .tick = deliver_sweep,
};
