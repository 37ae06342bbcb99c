/* Delivery of stored cards to their recipient's online resources, and the
 * one way a card leaves the inbox. */
#include "component/features/deliver.h"

#include <limits.h>
#include <stdint.h>
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

/* Slots of the memo of numbers as shown: libphonenumber's parse and format
 * of a card's number cost more than the rest of a delivery together, and a
 * sender's number comes back with each card they send. */
#define DELIVER_PHONE_MEMO_SLOTS 256

/* One number as typed (key; a first byte says whether it is the card's own
 * or the sender's) and what delivery_phone() made of it: the text shown, or
 * NULL to keep it as its owner wrote it. */
struct phone_memo_slot {
    char *key;
    char *shown;
};

/* Sets of the memo of cards as delivered: parsing the stored vCard into a
 * tree and serialising it again was a quarter of a delivery, and a card
 * goes out as it is to each recipient its sender gives it to. Four cards a
 * set, replaced oldest first, so that busy senders who hash alike do not
 * evict each other at every card. */
#define DELIVER_CARD_MEMO_SETS 128
#define DELIVER_CARD_MEMO_WAYS 4
/* Larger stored cards (a photo: up to [limits] vcard_max) are not kept, so
 * that the memo stays near a megabyte (a card without a photo is ~600). */
#define DELIVER_CARD_MEMO_MAX_BYTES 2048

/* One stored card (key: its text and its sender's number) as a delivery
 * carries it: its serialisation and its fields, the phone as shown. */
struct card_memo_slot {
    char *vcard;
    char *sender_phone;
    char *xml;
    struct vcard_fields fields;
};

/* The feature's state: when the next sweep of handed cards is due, and the
 * memos of numbers as shown and of cards as delivered. Per instance, and
 * harmless so: each sweep reads every handed card from the shared inbox
 * and a card leaves it in one DELETE, so two instances sweeping retire it
 * once; a dead instance's cards are timed by the one taking it over
 * (instance.c); the memos hold pure functions of their keys (a stored
 * text, a number), which no other instance's writes can make stale. */
struct deliver {
    int64_t next_sweep; /* monotonic ms; -1 when no handed card waits */
    struct phone_memo_slot memo[DELIVER_PHONE_MEMO_SLOTS];
    struct card_memo_slot cards[DELIVER_CARD_MEMO_SETS][DELIVER_CARD_MEMO_WAYS];
    unsigned char cards_next[DELIVER_CARD_MEMO_SETS]; /* oldest way */
    struct card_memo_slot big; /* a larger card, for one delivery */
};

extern const struct feature feature_deliver;

static struct deliver *deliver_of(const struct service *svc)
{
    return service_state(svc, &feature_deliver);
}

/* FNV-1a of key, continuing from h (start with MEMO_HASH_START). */
#define MEMO_HASH_START 2166136261u
static uint32_t memo_hash_from(uint32_t h, const char *key)
{
    for (; *key; key++)
        h = (h ^ (unsigned char)*key) * 16777619u;
    return h;
}

/* Mixes h's bits into its low ones (MurmurHash3's finaliser): FNV's low
 * bits alone put keys that differ in a digit or two into few slots. */
static uint32_t memo_mix(uint32_t h)
{
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    return h ^ (h >> 16);
}

static size_t memo_hash(const char *key)
{
    return memo_mix(memo_hash_from(MEMO_HASH_START, key)) %
           DELIVER_PHONE_MEMO_SLOTS;
}

/* The number typed as people read it ("+86 138 0013 8000") into shown, or
 * NULL there when it is not a number we can read. Returns 0 or CX_ENOMEM. */
static int phone_shown(const char *typed, const char *sender_phone,
                       char **shown)
{
    char buf[SERVICE_PHONE_TEXT_MAX], *e164 = NULL;

    *shown = NULL;
    if (typed && phone_normalize(typed, NULL, &e164, NULL) != PHONE_OK)
        return 0;
    *shown = strdup(
        service_phone_text(e164 ? e164 : sender_phone, buf, sizeof(buf)));
    free(e164);
    return *shown ? 0 : CX_ENOMEM;
}

/* phone_shown() through the memo; *shown is borrowed from it. */
static int phone_shown_memo(struct deliver *dv, const char *typed,
                            const char *sender_phone, const char **shown)
{
    char *key =
        str_printf("%c%s", typed ? 'c' : 's', typed ? typed : sender_phone);
    struct phone_memo_slot *slot;
    char *text = NULL;

    if (!key)
        return CX_ENOMEM;
    slot = &dv->memo[memo_hash(key)];
    if (slot->key && strcmp(slot->key, key) == 0) {
        free(key);
        *shown = slot->shown;
        return 0;
    }
    if (phone_shown(typed, sender_phone, &text) < 0) {
        free(key);
        return CX_ENOMEM;
    }
    free(slot->key);
    free(slot->shown);
    slot->key = key;
    slot->shown = text;
    *shown = text;
    return 0;
}

/* The card's phone as people read it ("+86 138 0013 8000"), whatever form
 * its owner typed it in; else the number it was sent from. */
static int delivery_phone(const struct service *svc, struct vcard_fields *f,
                          const char *sender_phone)
{
    const char *shown = NULL;
    int rc = phone_shown_memo(deliver_of(svc), f->phone, sender_phone, &shown);

    if (rc < 0 || !shown)
        return rc; /* not a number we can read: as its owner wrote it */
    return vcard_fields_set(f, "phone", shown);
}

static void card_memo_clear(struct card_memo_slot *slot)
{
    free(slot->vcard);
    free(slot->sender_phone);
    free(slot->xml);
    vcard_fields_clear(&slot->fields);
    memset(slot, 0, sizeof(*slot));
}

/* Fills slot with item's card as a delivery carries it. The text is parsed
 * here, so a stored card that is not a vCard is never sent. Returns 0,
 * CX_EINVAL or CX_ENOMEM (slot cleared then). */
static int card_memo_fill(struct service *svc, struct card_memo_slot *slot,
                          const struct store_inbox_item *item)
{
    xmpp_stanza_t *vcard = vcard_from_text(service_ctx(svc), item->vcard);
    int rc = vcard ? CX_ENOMEM : CX_EINVAL;

    card_memo_clear(slot);
    if (vcard && vcard_parse(vcard, &slot->fields) == 0 &&
        delivery_phone(svc, &slot->fields, item->sender_phone) == 0 &&
        (slot->xml = vcard_to_text(vcard)) &&
        (slot->vcard = strdup(item->vcard)) &&
        (slot->sender_phone = strdup(item->sender_phone)))
        rc = 0;
    if (vcard)
        xmpp_stanza_release(vcard);
    if (rc < 0)
        card_memo_clear(slot);
    return rc;
}

/* item's card as a delivery carries it, borrowed from the memo until the
 * next call; NULL when the stored text is not a vCard or memory ran out. */
static const struct card_memo_slot *
delivery_card(struct service *svc, const struct store_inbox_item *item)
{
    struct deliver *dv = deliver_of(svc);
    uint32_t h = memo_hash_from(MEMO_HASH_START, item->sender_phone);
    size_t set =
        memo_mix(memo_hash_from(h, item->vcard)) % DELIVER_CARD_MEMO_SETS;
    struct card_memo_slot *slot;

    if (strlen(item->vcard) > DELIVER_CARD_MEMO_MAX_BYTES)
        return card_memo_fill(svc, &dv->big, item) == 0 ? &dv->big : NULL;
    for (size_t way = 0; way < DELIVER_CARD_MEMO_WAYS; way++) {
        slot = &dv->cards[set][way];
        if (slot->vcard && strcmp(slot->vcard, item->vcard) == 0 &&
            strcmp(slot->sender_phone, item->sender_phone) == 0)
            return slot;
    }
    slot = &dv->cards[set][dv->cards_next[set]];
    dv->cards_next[set] = (dv->cards_next[set] + 1) % DELIVER_CARD_MEMO_WAYS;
    return card_memo_fill(svc, slot, item) == 0 ? slot : NULL;
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
                           const struct vcard_fields *f)
{
    struct reader r = {svc, lang};
    char *summary = vcard_summary_tr(f, item->note, reader_tr, &r);
    char *body = NULL;

    if (summary && item->updates)
        body = delivery_update_body(svc, lang, item, summary);
    else if (summary)
        body = str_printf(
            "%s\n\n%s", summary,
            service_tr_lang(svc, lang,
                            "Reply to this chat to send your card back."));
    free(summary);
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

/* Builds the message that carries a card to its recipient, all but the
 * vCard, whose serialisation (borrowed, see delivery_card()) goes in
 * *vcard_xml: it is sent as the message's last child. */
static xmpp_stanza_t *delivery_build(struct service *svc,
                                     const struct store_inbox_item *item,
                                     const char *lang, int delayed,
                                     const char **vcard_xml)
{
    const struct card_memo_slot *card = delivery_card(svc, item);
    xmpp_stanza_t *msg, *delay;
    char *from = service_proxy_jid(svc, item->sender_phone);
    char *body = card ? delivery_body(svc, lang, item, &card->fields) : NULL;
    char stamp[32];

    stamp_format(item->created, stamp, sizeof(stamp));
    msg = xmpp_message_new(service_ctx(svc), "chat", item->recipient_jid,
                           item->card_id);
    if (!msg || !from || !body || xmpp_stanza_set_from(msg, from) ||
        xmpp_stanza_set_attribute(msg, "xml:lang", i18n_tag(lang)) ||
        xmpp_message_set_body(msg, body) ||
        delivery_card_element(service_ctx(svc), msg, item, stamp) < 0)
        goto fail;
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
    *vcard_xml = card->xml;
    return msg;
fail:
    if (msg)
        xmpp_stanza_release(msg);
    free(from);
    free(body);
    return NULL;
}

/* How many handed cards one sweep retires before it yields to other
 * work; the next sweep follows at once. */
#define DELIVER_SWEEP_BATCH 100

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

/* What a delivery needs to know of its recipient, the same for each of
 * their cards: read once per flush rather than once per card, since a
 * flush sends without reading any presence in between. */
struct recipient {
    struct strv full; /* online resources, full JIDs */
    int online;       /* how many resources are online */
    int ackers;       /* how many of them acknowledge (XEP-0184) */
    /* Nobody asked for these messages now: they speak the language the
     * recipient chose or last used, kept in the store across restarts. */
    const char *lang;
};

static void recipient_clear(struct recipient *r)
{
    strv_clear(&r->full);
    memset(r, 0, sizeof(*r));
}

static int collect_resource(void *ud, const char *full)
{
    return strv_push(ud, full) == 0 ? 0 : CX_ENOMEM;
}

/* Reads what r holds of bare's sessions and language; with counted, the
 * caller has set r->online and r->ackers from this event's count. Returns
 * 0 or a negative code (logged; r cleared then). */
static int recipient_load(struct service *svc, const char *bare,
                          struct recipient *r, int counted)
{
    struct store *st = service_store(svc);
    int rc = 0;

    if (!counted) {
        memset(r, 0, sizeof(*r));
        rc = store_online_count(st, bare, &r->online, &r->ackers);
    }
    if (rc == 0 && r->online > 0)
        rc = store_online_each(st, bare, collect_resource, &r->full);
    if (rc < 0) {
        log_error(service_log(svc), "listing resources of %s: %s", bare,
                  store_errmsg(st));
        recipient_clear(r);
        return rc;
    }
    if (r->online > 0)
        r->lang = service_user_lang(svc, bare);
    return 0;
}

/* Sends msg, with the vCard's serialisation vcard_xml, to each of r's
 * resources; returns how many it went to. */
static int deliver_resources(struct service *svc, xmpp_stanza_t *msg,
                             const char *vcard_xml, const struct recipient *r)
{
    int sent = 0;

    for (size_t i = 0; i < r->full.n; i++) {
        if (xmpp_stanza_set_to(msg, r->full.v[i]) != XMPP_EOK)
            break;
        if (service_send_with(svc, msg, vcard_xml) == 0)
            sent++;
    }
    return sent;
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
                          const struct store_inbox_item *item, int ackers,
                          int batched)
{
    struct store *st = service_store(svc);
    int64_t handed = 0;

    /* A flush marks what it claimed at once, at its end (flush_mark()),
     * and schedules the sweep then for the cards handed first now. */
    if (batched) {
        if (!ackers && item->handed_at)
            deliver_schedule(svc, item->handed_at +
                                      service_config(svc)->handoff_grace_ms);
        deliver_stats(svc, item);
        return;
    }
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
                         const struct store_inbox_item *item, int64_t now)
{
    struct store *st = service_store(svc);
    int rc = store_inbox_claim(st, item->card_id, now,
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
static void deliver_unclaim_id(struct service *svc, const char *card_id)
{
    if (store_inbox_unclaim(service_store(svc), card_id) < 0)
        log_error(service_log(svc), "releasing card %s: %s", card_id,
                  store_errmsg(service_store(svc)));
}

static void deliver_unclaim(struct service *svc,
                            const struct store_inbox_item *item)
{
    deliver_unclaim_id(svc, item->card_id);
}

/* deliver_card() to the recipient r read beforehand. Full JIDs rather
 * than the bare one: a client that only sent directed presence to the
 * service gets no messages to its bare JID. batch_at is 0, or the unix ms
 * of a flush's claims: then a card is claimed as of then unless claimed
 * already, and marked by the flush at its end. */
static int deliver_card_to(struct service *svc,
                           const struct store_inbox_item *item, int delayed,
                           const struct recipient *r, int claimed,
                           int64_t batch_at)
{
    xmpp_stanza_t *msg;
    const char *vcard_xml = NULL;
    int sent;

    /* The expiry timer may not have come round to it yet: an expired card
     * is never delivered. */
    if (limits_expired(item->created, service_config(svc)->inbox_ttl_ms,
                       clock_wall_ms())) {
        deliver_retire(svc, item->recipient_jid, item->card_id,
                       DELIVER_EXPIRED);
        return 0;
    }
    /* Nobody to send it to: the card waits, unclaimed. */
    if (r->full.n == 0 && claimed)
        deliver_unclaim(svc, item);
    if (r->full.n == 0 ||
        (!claimed &&
         !deliver_claim(svc, item, batch_at ? batch_at : clock_wall_ms())))
        return 0;
    msg = delivery_build(svc, item, r->lang, delayed, &vcard_xml);
    if (!msg) {
        log_error(service_log(svc), "cannot build the delivery of card %s",
                  item->card_id);
        deliver_unclaim(svc, item);
        return 0;
    }
    sent = deliver_resources(svc, msg, vcard_xml, r);
    xmpp_stanza_release(msg);
    card_memo_clear(&deliver_of(svc)->big);
    if (!sent) {
        deliver_unclaim(svc, item);
        return 0;
    }
    deliver_count(svc, item, r->ackers, batch_at != 0);
    /* At info: with accepted and acknowledged, an admin can follow each
     * card's life by its id. */
    log_info(service_log(svc), "card %s delivered to %d resource(s) of %s%s",
             item->card_id, sent, item->recipient_jid,
             delayed ? " (from the inbox)" : "");
    return sent;
}

/* deliver_card(), the recipient's resources counted (counted) or not. */
static int deliver_card_with(struct service *svc,
                             const struct store_inbox_item *item, int delayed,
                             struct recipient *r, int counted)
{
    int sent;

    /* Unknown resources: nothing to send to; the card waits. */
    if (recipient_load(svc, item->recipient_jid, r, counted) < 0)
        return 0;
    sent = deliver_card_to(svc, item, delayed, r, 0, 0);
    recipient_clear(r);
    return sent;
}

int deliver_card(struct service *svc, const struct store_inbox_item *item,
                 int delayed)
{
    struct recipient r;

    return deliver_card_with(svc, item, delayed, &r, 0);
}

int deliver_card_counted(struct service *svc,
                         const struct store_inbox_item *item, int online,
                         int ackers)
{
    struct recipient r = {.online = online, .ackers = ackers};

    return deliver_card_with(svc, item, 0, &r, 1);
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

/* A flush in progress: its recipient, read once, which cards go, and the
 * claims taken for them all in one statement before the list. */
struct flush {
    struct service *svc;
    struct recipient r;
    int fresh_only;         /* only cards never delivered yet */
    int64_t claim_at;       /* unix ms of its claims; 0: one by one */
    struct strv claimed;    /* ids, sorted */
    unsigned char *settled; /* per claimed id: listed, so dealt with */
};

/* Whether this flush claimed card_id; marks its claim dealt with. */
static int flush_claimed(struct flush *fl, const char *card_id)
{
    size_t lo = 0, hi = fl->claimed.n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(card_id, fl->claimed.v[mid]);

        if (c == 0) {
            fl->settled[mid] = 1;
            return 1;
        }
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return 0;
}

/* Claims every card of bare's the flush may send at once: one statement
 * instead of one per card. Failing that, each card is claimed alone. */
static void flush_claim(struct flush *fl, const char *bare)
{
    struct store *st = service_store(fl->svc);
    int64_t now = clock_wall_ms();

    if (store_inbox_claim_all(st, bare, now, service_config(fl->svc)->lease_ms,
                              &fl->claimed) == 0 &&
        (fl->claimed.n == 0 ||
         (fl->settled = calloc(fl->claimed.n, 1)) != NULL)) {
        fl->claim_at = now;
        return;
    }
    log_warn(service_log(fl->svc), "claiming the inbox of %s: %s", bare,
             store_errmsg(st));
    for (size_t i = 0; i < fl->claimed.n; i++)
        deliver_unclaim_id(fl->svc, fl->claimed.v[i]);
    strv_clear(&fl->claimed);
}

/* Lets go of what was claimed but not listed (it changed in between):
 * another instance may deliver it at once. */
static void flush_release(struct flush *fl)
{
    for (size_t i = 0; i < fl->claimed.n; i++)
        if (!fl->settled[i])
            deliver_unclaim_id(fl->svc, fl->claimed.v[i]);
    strv_clear(&fl->claimed);
    free(fl->settled);
    fl->settled = NULL;
}

/* Counts the deliveries of the flush in one statement: each card it
 * claimed as of claim_at and still holds was sent (one it could not send
 * it let go), as deliver_count() would have counted it. */
static void flush_mark(struct flush *fl, const char *bare)
{
    struct store *st = service_store(fl->svc);
    int64_t handed = fl->r.ackers ? 0 : clock_wall_ms(), marked = 0;

    if (!fl->claim_at)
        return;
    if (store_inbox_mark_claimed(
            st, bare, fl->claim_at + service_config(fl->svc)->lease_ms, handed,
            &marked) < 0) {
        log_error(service_log(fl->svc), "counting deliveries to %s: %s", bare,
                  store_errmsg(st));
        return;
    }
    if (handed && marked)
        deliver_schedule(fl->svc,
                         handed + service_config(fl->svc)->handoff_grace_ms);
}

static int flush_one(void *ud, const struct store_inbox_item *item)
{
    struct flush *fl = ud;
    int claimed = flush_claimed(fl, item->card_id);

    if (fl->fresh_only && item->attempts > 0)
        return 0;
    if (item->attempts >= service_config(fl->svc)->max_attempts) {
        /* Someone who never acknowledges must not get the card forever. */
        deliver_retire(fl->svc, item->recipient_jid, item->card_id,
                       DELIVER_GAVE_UP);
        return 0;
    }
    deliver_card_to(fl->svc, item, 1, &fl->r, claimed, fl->claim_at);
    return 0;
}

static void deliver_flush_with(struct service *svc, const char *bare,
                               int fresh_only)
{
    struct flush fl = {.svc = svc, .fresh_only = fresh_only};

    if (recipient_load(svc, bare, &fl.r, 0) < 0)
        return;
    if (fl.r.online == 0)
        goto out;
    /* Only a whole flush: a fresh one would hold cards it does not send. */
    if (!fresh_only)
        flush_claim(&fl, bare);
    if (store_inbox_each(service_store(svc), bare, flush_one, &fl) < 0)
        log_error(service_log(svc), "flushing the inbox of %s: %s", bare,
                  store_errmsg(service_store(svc)));
    flush_release(&fl);
    flush_mark(&fl, bare);
out:
    recipient_clear(&fl.r);
}

void deliver_flush(struct service *svc, const char *bare)
{
    deliver_flush_with(svc, bare, 0);
}

void deliver_flush_fresh(struct service *svc, const char *bare)
{
    deliver_flush_with(svc, bare, 1);
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
    struct deliver *dv = state;

    (void)svc;
    if (!dv)
        return;
    for (size_t i = 0; i < DELIVER_PHONE_MEMO_SLOTS; i++) {
        free(dv->memo[i].key);
        free(dv->memo[i].shown);
    }
    for (size_t i = 0; i < DELIVER_CARD_MEMO_SETS; i++) {
        for (size_t way = 0; way < DELIVER_CARD_MEMO_WAYS; way++)
            card_memo_clear(&dv->cards[i][way]);
    }
    card_memo_clear(&dv->big);
    free(dv);
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
