/* Sending a card to a phone number: checks, the sender's card, the commit
 * to the inbox and the answer, for the cardx iq and messages to proxy JIDs
 * (and, through send_card(), the ad-hoc command). */
#include "component/features/send.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "card/vcard.h"
#include "common/phone.h"
#include "common/util.h"
#include "component/features/block.h"
#include "component/features/consent.h"
#include "component/features/deliver.h"
#include "component/features/expire.h"
#include "component/features/profile.h"
#include "component/features/update.h"
#include "component/limits.h"
#include "component/store_consent.h"
#include "xep/ns.h"
#include "xep/stanza.h"

/* Bytes of randomness in a card id (hex-encoded, prefixed). */
#define CARD_ID_BYTES 16

/* A send waiting for the sender's vCard from their own server. Per
 * instance: an answer the server hands to another instance is kept in the
 * store for this one (service_requests_relayed()). */
struct send_job {
    xmpp_stanza_t *req; /* the sender's message or iq (a reference) */
    char *sender_jid;   /* bare */
    char *sender_phone;
    char *recipient_jid; /* NULL: a number nobody registered (held) */
    char *recipient_phone;
    char *note;
    char *profile; /* the profile shown (NULL: the whole card) */
    char *fields;  /* its field names */
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
    free(job->profile);
    free(job->fields);
    free(job);
}

/* Reports why a send failed: through the caller's callback, else as an
 * error reply to the request. */
static void send_fail(struct service *svc, struct send_job *job,
                      const char *type, const char *condition, const char *text)
{
    stats_count(service_stats(svc), STATS_REFUSED, condition,
                service_now_ms(svc));
    /* For the callback's note; service_error() translates its own. */
    if (job->done)
        text = service_tr_lang(svc, service_lang_of(svc, job->req), text);
    if (job->done)
        job->done(svc, job->req, NULL, NULL, condition, text, job->done_ud);
    else
        service_error(svc, job->req, type, condition, text);
}

/* A store call failed while doing what: the sender hears why (busy, full,
 * damaged) from the one mapping in the service core. */
static void send_store_fail(struct service *svc, struct send_job *job,
                            const char *what)
{
    struct service_fault f;

    service_store_failed(svc, what, &f);
    send_fail(svc, job, f.type, f.condition, f.text);
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
    reply = stanza_reply(service_ctx(svc), job->req, "result");
    sent = reply ? stanza_add_child(service_ctx(svc), reply, "sent", NS_CARDX)
                 : NULL;
    if (!sent || xmpp_stanza_set_id(sent, card_id) ||
        xmpp_stanza_set_attribute(sent, "status", status) ||
        xmpp_stanza_set_attribute(sent, "to", job->recipient_phone)) {
        xmpp_stanza_release(reply);
        reply = NULL;
    }
    service_emit(svc, reply);
}

/* Reports that the store failed while keeping the card; returns -1. */
static int send_store_failed(struct service *svc, struct send_job *job)
{
    send_store_fail(svc, job, "storing a card");
    return -1;
}

/* send_store_new() found that the sender's card for this number was
 * stored meanwhile (another instance's send committed first): store over
 * it instead. */
#define SEND_STORE_RACED 1

/* Stores the card as a new one, with a new id, if the recipient's number
 * has room: cards held for a number nobody has proved count the same as a
 * registered user's, so that the quota tells neither apart. Reports the
 * failure and returns -1 when not; SEND_STORE_RACED unreported. */
static int send_store_new(struct service *svc, struct send_job *job,
                          struct store_inbox_item *item)
{
    struct store *st = service_store(svc);
    int max = service_config(svc)->inbox_max;
    int64_t waiting = 0;
    char id[48], text[256];
    int rc;

    if (max > 0 &&
        store_inbox_count_number(st, job->recipient_phone, &waiting) < 0)
        return send_store_failed(svc, job);
    if (max > 0 && waiting >= max) {
        log_info(service_log(svc), "card from %s to %s refused: %d cards wait",
                 job->sender_phone, job->recipient_phone, max);
        snprintf(
            text, sizeof(text),
            service_tr(
                svc,
                "the inbox of %s is full (%d cards wait); try again later"),
            SERVICE_PHONE_SHOWN(job->recipient_phone), max);
        send_fail(svc, job, ERR_WAIT, "resource-constraint", text);
        return -1;
    }
    if (rand_hex_id(id, sizeof(id), "card-", CARD_ID_BYTES) < 0) {
        send_fail(svc, job, ERR_WAIT, "internal-server-error",
                  "no randomness for a card id");
        return -1;
    }
    item->card_id = strdup(id);
    if (!item->card_id) {
        send_fail(svc, job, ERR_WAIT, "internal-server-error", "out of memory");
        return -1;
    }
    rc = store_inbox_push(st, item);
    if (rc == STORE_ECONFLICT) {
        free(item->card_id);
        item->card_id = NULL;
        return SEND_STORE_RACED;
    }
    return rc < 0 ? send_store_failed(svc, job) : 0;
}

/* Stores the card over the one its sender still has waiting for this
 * number, which keeps its id so that clients dedupe unless a client may
 * already hold it (a number never holds two cards of one sender,
 * registered or not), else as a new card.
 * item->card_id becomes the caller's to free. Reports the failure and
 * returns -1; SEND_STORE_RACED unreported. */
static int send_store_once(struct service *svc, struct send_job *job,
                           struct store_inbox_item *item, int *replaced)
{
    struct store *st = service_store(svc);
    char fresh[48];
    int rc = store_inbox_from(st, job->recipient_phone, job->sender_jid,
                              &item->card_id);

    *replaced = rc == 0;
    if (rc == 0 && (rc = update_yield(svc, job->recipient_phone,
                                      job->sender_jid, item->card_id)) == 1) {
        free(item->card_id);
        item->card_id = NULL;
        rc = STORE_ENOTFOUND; /* an update waited: this card is a new one */
    }
    if (rc == 0 &&
        rand_hex_id(fresh, sizeof(fresh), "card-", CARD_ID_BYTES) < 0) {
        send_fail(svc, job, ERR_WAIT, "internal-server-error",
                  "no randomness for a card id");
        return -1;
    }
    if (rc == 0 &&
        (rc = store_inbox_replace(st, item, fresh)) == STORE_ENOTFOUND) {
        /* Taken meanwhile: another instance's acknowledgement committed
         * between the lookup and the replace. */
        free(item->card_id);
        item->card_id = NULL;
        *replaced = 0;
    }
    if (rc == STORE_ENOTFOUND)
        return send_store_new(svc, job, item);
    return rc < 0 ? send_store_failed(svc, job) : 0;
}

/* send_store_once(), again once when another instance stored this
 * sender's first card for the number at the same moment (their inserts
 * met on the one-card-per-sender index). */
static int send_store(struct service *svc, struct send_job *job,
                      struct store_inbox_item *item, int *replaced)
{
    int rc = send_store_once(svc, job, item, replaced);

    if (rc == SEND_STORE_RACED)
        rc = send_store_once(svc, job, item, replaced);
    return rc == SEND_STORE_RACED ? send_store_failed(svc, job) : rc;
}

/* A card the recipient blocked (or, in contacts mode, from a number not
 * in their contacts: why says which): answered exactly as one accepted for
 * an offline recipient, then dropped, so that the sender cannot tell. */
static void send_drop_blocked(struct service *svc, struct send_job *job,
                              const char *why)
{
    char card_id[48];

    if (rand_hex_id(card_id, sizeof(card_id), "card-", CARD_ID_BYTES) < 0) {
        send_fail(svc, job, ERR_WAIT, "internal-server-error",
                  "no randomness for a card id");
        return;
    }
    log_info(service_log(svc), "card %s from %s to %s dropped: %s", card_id,
             job->sender_phone, job->recipient_phone, why);
    stats_count(service_stats(svc), STATS_REFUSED,
                strcmp(why, "blocked") == 0 ? "blocked" : "not_a_contact",
                service_now_ms(svc));
    send_reply(svc, job, card_id, "queued");
}

/* Whether the recipient is online, as far as the answer may say: with
 * [privacy] reveal_online = no it never does, and a held card has nobody
 * to be online. */
static int send_recipient_online(struct service *svc, struct send_job *job,
                                 int *ackers)
{
    int online = 0;

    *ackers = 0;
    if (!job->recipient_jid ||
        store_online_count(service_store(svc), job->recipient_jid, &online,
                           ackers) < 0)
        return 0;
    return online;
}

/* Commits the card to the inbox, then hands it to an online recipient. The
 * commit comes first: whatever happens next, the card is not lost. */
static void send_commit(struct service *svc, struct send_job *job,
                        const char *card)
{
    struct store_inbox_item item = {0};
    char *vcard = NULL;
    int online, ackers = 0, replaced = 0;
    int blocked = block_refuses(svc, job->recipient_phone, job->sender_phone);
    int verdict =
        blocked ? CONSENT_DROP
                : consent_verdict(svc, job->recipient_phone, job->sender_phone);

    if (blocked < 0 || verdict < 0) {
        send_store_fail(svc, job, "checking the recipient's blocks");
        return;
    }
    if (verdict == CONSENT_DROP) {
        send_drop_blocked(svc, job,
                          blocked ? "blocked"
                                  : "not in the recipient's "
                                    "contacts");
        return;
    }
    vcard = profile_apply(svc, card, job->fields);
    if (!vcard) {
        send_fail(svc, job, ERR_WAIT, "internal-server-error", "out of memory");
        return;
    }
    item.recipient_jid = job->recipient_jid;
    item.recipient_phone = job->recipient_phone;
    item.sender_phone = job->sender_phone;
    item.sender_jid = job->sender_jid;
    item.vcard = vcard;
    item.note = job->note;
    item.created = (int64_t)time(NULL);
    /* Written either way: a replaced card may have been held, or not. */
    item.held = verdict == CONSENT_HOLD;
    receipt_wanted(job, &item);
    if (send_store(svc, job, &item, &replaced) < 0)
        goto out;
    if (update_shared(svc, job->sender_jid, job->recipient_phone, item.card_id,
                      job->profile, job->fields, vcard) < 0) {
        send_store_failed(svc, job);
        goto out;
    }
    log_info(service_log(svc), "card %s from %s to %s %s%s%s", item.card_id,
             job->sender_phone, job->recipient_phone,
             replaced ? "replaces the one waiting" : "accepted",
             job->recipient_jid ? "" : " (held: nobody has the number yet)",
             verdict == CONSENT_HOLD ? " (a request: waits for consent)" : "");
    expire_card_stored(svc, item.created);
    stats_count(service_stats(svc), STATS_ACCEPTED, NULL, service_now_ms(svc));
    /* A request is answered as for an offline recipient. */
    online =
        verdict == CONSENT_HOLD ? 0 : send_recipient_online(svc, job, &ackers);
    send_reply(svc, job, item.card_id,
               online && config_reveal_online(service_config(svc)) ? "delivered"
                                                                   : "queued");
    /* It stays in the inbox until the recipient acknowledges it. */
    if (online)
        deliver_card_counted(svc, &item, online, ackers);
out:
    free(item.card_id);
    free(vcard);
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
        vcard_check(vcard, service_config(svc)->vcard_max_bytes, &why) == 0)
        text = vcard_to_text(vcard);
    vcard_fields_clear(&f);
    if (text)
        send_commit(svc, job, text);
    else
        send_fail(svc, job, ERR_MODIFY, "not-acceptable",
                  why ? why
                      : N_("you have no business card yet: upload a "
                           "vcard-temp vCard to this service or to your "
                           "account first"));
    free(text);
}

/* Starts a send; the job is consumed. */
static void send_start(struct service *svc, struct send_job *job)
{
    char *card = NULL;
    xmpp_stanza_t *iq;
    int rc = store_card_get(service_store(svc), job->sender_jid, &card);

    if (rc == 0) {
        send_commit(svc, job, card);
        free(card);
        send_job_free(job);
        return;
    }
    if (rc != STORE_ENOTFOUND) {
        send_store_fail(svc, job, "reading the sender's card");
        send_job_free(job);
        return;
    }
    /* No card uploaded here: use the one on the user's own account. */
    iq = xmpp_iq_new(service_ctx(svc), "get", "fetch");
    if (!iq || xmpp_stanza_set_from(iq, service_config(svc)->domain) ||
        xmpp_stanza_set_to(iq, job->sender_jid) ||
        !stanza_add_child(service_ctx(svc), iq, "vCard", NS_VCARD) ||
        service_request_retry(svc, iq, send_fetched, job, send_job_free) < 0) {
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
        snprintf(text, sizeof(text),
                 service_tr(svc, "only users of %s may use this service"),
                 service_main_domain(svc));
        send_fail(svc, job, ERR_CANCEL, "not-allowed", text);
        return -1;
    }
    rc = store_user_phone(service_store(svc), job->sender_jid,
                          &job->sender_phone);
    if (rc == STORE_ENOTFOUND) {
        snprintf(text, sizeof(text),
                 service_tr(svc, "register your phone number with %s first"),
                 service_config(svc)->domain);
        send_fail(svc, job, ERR_AUTH, "registration-required", text);
        return -1;
    }
    if (rc < 0) {
        send_store_fail(svc, job, "looking up the sender");
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

/* "in 42 s", "in 17 min", "in 23 h": how long until a limit lets go. */
static void send_wait_text(struct service *svc, int64_t ms, char *buf,
                           size_t len)
{
    long long s = (long long)((ms + 999) / 1000);

    if (s < 120)
        snprintf(buf, len, service_tr(svc, "in %lld s"), s < 1 ? 1 : s);
    else if (s < 2 * 3600)
        snprintf(buf, len, service_tr(svc, "in %lld min"), (s + 59) / 60);
    else
        snprintf(buf, len, service_tr(svc, "in %lld h"), (s + 3599) / 3600);
}

/* Counts the send against the sender's limits. Past one, reports when
 * sending works again and returns -1. */
static int send_check_limits(struct service *svc, struct send_job *job)
{
    static const char *const what[] = {
        [LIMITS_MINUTE] = "cards a minute",
        [LIMITS_DAY] = "cards a day",
        [LIMITS_LOOKUPS] = "different numbers a day",
    };
    /* Whole sentences, which translate; what[] is for the log. */
    static const char *const refusal[] = {
        [LIMITS_MINUTE] = N_("you may send at most %d cards a minute: sending "
                             "works again at %s (%s)"),
        [LIMITS_DAY] = N_("you may send at most %d cards a day: sending works "
                          "again at %s (%s)"),
        [LIMITS_LOOKUPS] = N_("you may send at most %d different numbers a "
                              "day: new numbers work again at %s (%s); "
                              "numbers you already sent to in this period "
                              "still work"),
    };
    struct limits_verdict v;
    int64_t now = clock_wall_ms();
    time_t when;
    struct tm tm;
    char text[320], stamp[32], wait[32];

    if (limits_take(service_store(svc), service_config(svc), job->sender_jid,
                    job->recipient_phone, now, &v) < 0) {
        send_store_fail(svc, job, "counting a send");
        return -1;
    }
    if (!v.refused)
        return 0;
    when = (time_t)((v.retry_at + 999) / 1000);
    gmtime_r(&when, &tm);
    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
    send_wait_text(svc, v.retry_at - now, wait, sizeof(wait));
    snprintf(text, sizeof(text), service_tr(svc, refusal[v.kind]), v.limit,
             stamp, wait);
    log_info(service_log(svc), "send by %s refused: %d %s reached",
             job->sender_jid, v.limit, what[v.kind]);
    send_fail(svc, job, ERR_WAIT, "policy-violation", text);
    return -1;
}

/* Validates the recipient's number, counts the send against the sender's
 * limits (registered number or not: lookups are what is limited) and finds
 * who has the number. Reports the failure and returns -1 when the send
 * cannot go on: when nobody has the number, unless cards to such numbers
 * are held ([privacy]), and then recipient_jid stays NULL. */
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
        store_user_jid(service_store(svc), number, &job->recipient_jid) == 0) {
        job->recipient_phone = strdup(number);
        if (!job->recipient_phone) {
            send_fail(svc, job, ERR_WAIT, "internal-server-error",
                      "out of memory");
            return -1;
        }
        return send_check_limits(svc, job);
    }
    rc = phone_normalize(number, service_config(svc)->default_region,
                         &job->recipient_phone, &why);
    if (rc != PHONE_OK) {
        snprintf(text, sizeof(text),
                 service_tr(svc, "invalid phone number '%s': %s"),
                 number ? number : "",
                 why ? service_tr(svc, why)
                     : service_tr(svc, "not a valid number"));
        send_fail(svc, job, ERR_MODIFY, "not-acceptable", text);
        return -1;
    }
    if (send_check_limits(svc, job) < 0)
        return -1;
    rc = store_user_jid(service_store(svc), job->recipient_phone,
                        &job->recipient_jid);
    if (rc == STORE_ENOTFOUND && config_hold_unknown(service_config(svc)))
        return 0;
    if (rc == STORE_ENOTFOUND) {
        snprintf(text, sizeof(text),
                 service_tr(svc, "no cardx user has the number %s"),
                 SERVICE_PHONE_SHOWN(job->recipient_phone));
        send_fail(svc, job, ERR_CANCEL, "item-not-found", text);
        return -1;
    }
    if (rc < 0) {
        send_store_fail(svc, job, "looking up the recipient");
        return -1;
    }
    return 0;
}

void send_card(struct service *svc, xmpp_stanza_t *req, const char *number,
               const char *note, enum send_via via, send_done done,
               void *done_ud)
{
    send_card_profile(svc, req, number, note, NULL, via, done, done_ud);
}

void send_card_profile(struct service *svc, xmpp_stanza_t *req,
                       const char *number, const char *note,
                       const char *profile, enum send_via via, send_done done,
                       void *done_ud)
{
    struct send_job *job = calloc(1, sizeof(*job));
    struct service_outcome o;
    struct service_fault f;

    if (!job) {
        service_emit(svc, NULL);
        return;
    }
    job->req = xmpp_stanza_clone(req);
    job->via = via;
    job->done = done;
    job->done_ud = done_ud;
    if (service_store_refuses(svc, &f)) {
        send_fail(svc, job, f.type, f.condition, f.text);
        goto fail;
    }
    if (send_check_sender(svc, job) < 0 ||
        send_find_recipient(svc, job, number) < 0)
        goto fail;
    if (profile_resolve(svc, job->sender_jid, profile, &job->profile,
                        &job->fields, &o) < 0) {
        send_fail(svc, job, o.type, o.condition, o.text);
        goto fail;
    }
    if (note && *note && !(job->note = strdup(note))) {
        send_fail(svc, job, ERR_WAIT, "internal-server-error", "out of memory");
        goto fail;
    }
    send_start(svc, job);
    return;
fail:
    send_job_free(job);
}

static void send_iq(struct service *svc, xmpp_stanza_t *iq, xmpp_stanza_t *send)
{
    xmpp_stanza_t *noteel = xmpp_stanza_get_child_by_name(send, "note");
    char *note = noteel ? xmpp_stanza_get_text(noteel) : NULL;
    const char *to = xmpp_stanza_get_attribute(send, "to");

    if (!to || !*to)
        service_error(svc, iq, ERR_MODIFY, "bad-request",
                      "<send/> needs a 'to' phone number");
    else
        send_card_profile(svc, iq, to, note,
                          xmpp_stanza_get_attribute(send, "profile"),
                          SEND_VIA_IQ, NULL, NULL);
    if (note)
        xmpp_free(service_ctx(svc), note);
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
    xmpp_stanza_t *reply = stanza_reply(service_ctx(svc), msg, "chat");
    char *text = str_printf(
        service_tr(
            svc,
            "This is the cardx business card service. Register your phone "
            "number here (in-band registration), then send a message to "
            "+NUMBER@%s to send your card to that number; your message becomes "
            "a note on the card."),
        service_config(svc)->domain);

    if (reply && xmpp_stanza_get_id(reply))
        xmpp_stanza_del_attribute(reply, "id");
    if (!reply || !text ||
        xmpp_stanza_set_attribute(reply, "xml:lang",
                                  i18n_tag(service_lang(svc))) ||
        xmpp_message_set_body(reply, text)) {
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

/* A message to a proxy JID sends a card to its number, its body a note; a
 * message to the service itself gets the help text. Receipts went to the
 * acknowledgement feature first. */
static int send_message(struct service *svc, xmpp_stanza_t *msg)
{
    const char *type = xmpp_stanza_get_type(msg);
    const char *to = xmpp_stanza_get_to(msg);
    char *note = NULL, *number = NULL;

    if ((type && strcmp(type, "groupchat") == 0) || !to)
        return 1;
    note = message_note(service_ctx(svc), msg);
    if (!message_is_send(msg, note))
        goto out;
    if (service_to_component(svc, msg)) {
        message_help(svc, msg);
        goto out;
    }
    number = strndup(to, strcspn(to, "@"));
    if (number)
        send_card(svc, msg, number, note, SEND_VIA_MESSAGE, NULL, NULL);
out:
    free(number);
    free(note);
    return 1;
}

static const char *const send_disco[] = {NS_CARDX, NULL};

static const struct feature_iq send_iqs[] = {
    {"set", "send", NS_CARDX, send_iq},
    {NULL, NULL, NULL, NULL},
};

const struct feature feature_send = {
    .name = "sending cards",
    .disco = send_disco,
    .iqs = send_iqs,
    .message = send_message,
};
