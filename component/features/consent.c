/* Consent for strangers: each user chooses who may send them cards:
 * anyone (the default), only numbers in the contacts their client
 * uploaded (others are dropped unseen, as for a block), or ask (others
 * wait as requests the user accepts or declines). A held card is one the
 * service accepted: it leaves only when accepted (then delivered, its
 * sender trusted from then on), declined, or expired. The sender is told
 * "queued" throughout, as for an offline recipient (send.c). Here: the
 * verdict, the cardx iqs, and the ad-hoc commands' work. */
#include "component/features/consent.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "card/vcard.h"
#include "common/i18n.h"
#include "common/phone.h"
#include "component/features/adhoc.h"
#include "component/features/deliver.h"
#include "component/store_consent.h"
#include "xep/form.h"
#include "xep/ns.h"
#include "xep/stanza.h"

static const char *const mode_names[] = {
    [STORE_CONSENT_ANYONE] = "anyone",
    [STORE_CONSENT_CONTACTS] = "contacts",
    [STORE_CONSENT_ASK] = "ask",
};
#define NMODES (sizeof(mode_names) / sizeof(mode_names[0]))

/* What the user hears once a mode is set. */
static const char *const mode_texts[] = {
    [STORE_CONSENT_ANYONE] = N_("Anyone may send you cards."),
    [STORE_CONSENT_CONTACTS] =
        N_("Only numbers in your contacts may send you cards; others are "
           "dropped and their senders are not told."),
    [STORE_CONSENT_ASK] = N_("Cards from numbers not in your contacts wait "
                             "as requests for you to accept or decline."),
};

static int mode_parse(const char *name)
{
    for (size_t i = 0; name && i < NMODES; i++)
        if (strcmp(mode_names[i], name) == 0)
            return (int)i;
    return -1;
}

int consent_verdict(struct service *svc, const char *recipient_phone,
                    const char *sender_phone)
{
    struct store *st = service_store(svc);
    int mode = STORE_CONSENT_ANYONE, known = 0;
    int rc = store_consent_mode(st, recipient_phone, &mode);

    if (rc == 0 && mode != STORE_CONSENT_ANYONE)
        rc = store_consent_known(st, recipient_phone, sender_phone, &known);
    if (rc < 0)
        return rc;
    if (mode == STORE_CONSENT_ANYONE || known)
        return CONSENT_DELIVER;
    return mode == STORE_CONSENT_ASK ? CONSENT_HOLD : CONSENT_DROP;
}

static void consent_unregistered(struct service *svc,
                                 struct service_outcome *out)
{
    service_outcome_fail(
        out, ERR_AUTH, "registration-required",
        service_tr(svc, "register your phone number with %s first"),
        service_config(svc)->domain);
}

/* Sets bare's mode by name into out. */
static void consent_set_mode(struct service *svc, const char *bare,
                             const char *name, struct service_outcome *out)
{
    int mode = mode_parse(name);
    int rc;

    memset(out, 0, sizeof(*out));
    if (mode < 0) {
        /* TRANSLATORS: anyone, contacts and ask are the modes' names as
         * typed; keep them as they are. */
        service_outcome_fail(
            out, ERR_MODIFY, "bad-request",
            service_tr(svc, "the mode is anyone, contacts or ask, not '%s'"),
            name ? name : "");
        return;
    }
    rc = store_consent_set_mode(service_store(svc), bare, mode);
    if (rc == STORE_ENOTFOUND) {
        consent_unregistered(svc, out);
        return;
    }
    if (rc < 0) {
        service_outcome_store(svc, out, "setting who may send cards");
        return;
    }
    log_info(service_log(svc), "%s takes cards from: %s", bare, name);
    snprintf(out->text, sizeof(out->text), "%s",
             service_tr(svc, mode_texts[mode]));
}

/* Accepts (its sender is trusted from now on; the caller then delivers
 * it with consent_deliver, after answering) or declines (it is deleted;
 * its sender is not told) bare's request. */
static void consent_answer(struct service *svc, const char *bare,
                           const char *card_id, int accept,
                           struct service_outcome *out)
{
    struct store *st = service_store(svc);
    char *sender = NULL;
    int rc;

    memset(out, 0, sizeof(*out));
    if (!card_id || !*card_id) {
        service_outcome_fail(out, ERR_MODIFY, "bad-request", "%s",
                             service_tr(svc, "give the id of the request"));
        return;
    }
    rc = accept ? store_consent_release(st, bare, card_id, &sender)
                : store_consent_decline(st, bare, card_id);
    if (rc == 0 && accept)
        rc = store_consent_trust(st, bare, sender);
    if (rc == STORE_ENOTFOUND) {
        service_outcome_fail(out, ERR_CANCEL, "item-not-found",
                             service_tr(svc, "no request %s waits for you"),
                             card_id);
    } else if (rc < 0) {
        service_outcome_store(svc, out, "answering a request");
    } else {
        log_info(service_log(svc), "%s %s request %s%s%s", bare,
                 accept ? "accepted" : "declined", card_id,
                 accept ? " from " : "", accept ? sender : "");
        snprintf(out->text, sizeof(out->text), "%s",
                 accept ? service_tr(svc,
                                     "Accepted: the card is delivered, and its "
                                     "sender may send you cards from now on.")
                        : service_tr(svc, "Declined: the card is deleted; its "
                                          "sender is not told."));
    }
    free(sender);
}

/* An accepted request goes to bare's online resources now, like any card
 * that is no longer held (else at their next presence). */
static void consent_deliver(struct service *svc, const char *bare)
{
    int online = 0;

    if (store_online_count(service_store(svc), bare, &online, NULL) == 0 &&
        online)
        deliver_flush(svc, bare);
}

/* --- the cardx iqs --- */

static void reply_outcome(struct service *svc, xmpp_stanza_t *iq,
                          const struct service_outcome *out)
{
    if (out->type)
        service_error(svc, iq, out->type, out->condition, out->text);
    else
        service_emit(svc, stanza_reply(service_ctx(svc), iq, "result"));
}

/* <consent mode='anyone|contacts|ask'/>: sets the mode. */
static void consent_iq_set(struct service *svc, xmpp_stanza_t *iq,
                           xmpp_stanza_t *el)
{
    struct service_outcome out;
    char *bare = service_check_sender(svc, iq);

    if (!bare)
        return;
    consent_set_mode(svc, bare, xmpp_stanza_get_attribute(el, "mode"), &out);
    reply_outcome(svc, iq, &out);
    free(bare);
}

/* <consent/>: answers <consent mode=.../> with the user's mode. */
static void consent_iq_get(struct service *svc, xmpp_stanza_t *iq,
                           xmpp_stanza_t *el)
{
    xmpp_ctx_t *ctx = service_ctx(svc);
    char *bare = service_check_sender(svc, iq), *phone = NULL;
    xmpp_stanza_t *reply = NULL, *c;
    int mode = 0, rc;

    (void)el;
    if (!bare)
        return;
    rc = store_user_phone(service_store(svc), bare, &phone);
    if (rc == 0)
        rc = store_consent_mode(service_store(svc), phone, &mode);
    if (rc == STORE_ENOTFOUND) {
        struct service_outcome out;
        consent_unregistered(svc, &out);
        reply_outcome(svc, iq, &out);
    } else if (rc < 0) {
        service_store_error(svc, iq, "reading who may send cards");
    } else {
        if (mode < 0 || (size_t)mode >= NMODES)
            mode = STORE_CONSENT_ANYONE;
        reply = stanza_reply(ctx, iq, "result");
        c = reply ? stanza_add_child(ctx, reply, "consent", NS_CARDX) : NULL;
        if (!c || xmpp_stanza_set_attribute(c, "mode", mode_names[mode]) !=
                      XMPP_EOK) {
            if (reply)
                xmpp_stanza_release(reply);
            reply = NULL;
        }
        service_emit(svc, reply);
    }
    free(phone);
    free(bare);
}

/* The E.164 numbers of el's <item phone/> children into phones, invalid
 * ones skipped (an address book holds some). Returns 0, or -1 with out
 * set. */
static int contacts_read(struct service *svc, xmpp_stanza_t *el,
                         struct strv *phones, struct service_outcome *out)
{
    const char *region = service_config(svc)->default_region;

    for (xmpp_stanza_t *it = xmpp_stanza_get_children(el); it;
         it = xmpp_stanza_get_next(it)) {
        const char *phone = xmpp_stanza_get_attribute(it, "phone");
        char *e164 = NULL;
        int rc;
        if (!xmpp_stanza_is_tag(it) || !phone)
            continue;
        if (phones->n >= CONSENT_CONTACTS_MAX) {
            service_outcome_fail(out, ERR_MODIFY, "not-acceptable",
                                 service_tr(svc, "more than %d numbers"),
                                 CONSENT_CONTACTS_MAX);
            return -1;
        }
        rc = phone_normalize(phone, region, &e164, NULL);
        if (rc == PHONE_OK && strv_push(phones, e164) < 0)
            rc = PHONE_ENOMEM;
        free(e164);
        if (rc == PHONE_ENOMEM) {
            service_outcome_fail(out, ERR_WAIT, "internal-server-error", "%s",
                                 service_tr(svc, "out of memory"));
            return -1;
        }
    }
    return 0;
}

/* <contacts><item phone/>...</contacts>: replaces the numbers that pass
 * as the user's contacts. */
static void contacts_iq_set(struct service *svc, xmpp_stanza_t *iq,
                            xmpp_stanza_t *el)
{
    struct service_outcome out = {0};
    struct strv phones = {0};
    char *bare = service_check_sender(svc, iq);
    int rc;

    if (!bare)
        return;
    if (contacts_read(svc, el, &phones, &out) == 0) {
        rc = store_consent_set_contacts(service_store(svc), bare, &phones);
        if (rc == STORE_ENOTFOUND)
            consent_unregistered(svc, &out);
        else if (rc < 0)
            service_outcome_store(svc, &out, "storing the contacts' numbers");
        else
            log_info(service_log(svc), "%s uploaded %zu contacts' numbers",
                     bare, phones.n);
    }
    reply_outcome(svc, iq, &out);
    strv_clear(&phones);
    free(bare);
}

/* Adds one <request/> to the list. */
static int request_add(void *ud, const struct store_consent_request *r)
{
    xmpp_stanza_t *list = ud, *req;
    xmpp_ctx_t *ctx = xmpp_stanza_get_context(list);
    xmpp_stanza_t *vcard = vcard_from_text(ctx, r->vcard);
    struct vcard_fields f = {0};
    time_t t = (time_t)r->created;
    struct tm tm;
    char stamp[32];
    int rc = -1;

    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
    req = stanza_add_child(ctx, list, "request", NULL);
    if (req && vcard && vcard_parse(vcard, &f) < 0)
        vcard_fields_clear(&f);
    if (req && !xmpp_stanza_set_attribute(req, "id", r->card_id) &&
        !xmpp_stanza_set_attribute(req, "from", r->sender_phone) &&
        !xmpp_stanza_set_attribute(req, "received", stamp) &&
        (!f.name || !xmpp_stanza_set_attribute(req, "name", f.name)) &&
        (!r->note || stanza_add_text_child(ctx, req, "note", r->note) == 0))
        rc = 0;
    vcard_fields_clear(&f);
    if (vcard)
        xmpp_stanza_release(vcard);
    return rc;
}

/* <requests/>: the held cards, oldest first. */
static void requests_iq_get(struct service *svc, xmpp_stanza_t *iq,
                            xmpp_stanza_t *el)
{
    xmpp_ctx_t *ctx = service_ctx(svc);
    char *bare = service_check_sender(svc, iq), *phone = NULL;
    xmpp_stanza_t *reply, *list;
    int rc;

    (void)el;
    if (!bare)
        return;
    rc = store_user_phone(service_store(svc), bare, &phone);
    free(phone);
    reply = rc == 0 ? stanza_reply(ctx, iq, "result") : NULL;
    list = reply ? stanza_add_child(ctx, reply, "requests", NS_CARDX) : NULL;
    if (list)
        rc = store_consent_each(service_store(svc), bare, request_add, list);
    if (rc == STORE_ENOTFOUND) {
        struct service_outcome out;
        consent_unregistered(svc, &out);
        reply_outcome(svc, iq, &out);
    } else if (rc < 0) {
        service_store_error(svc, iq, "listing requests");
    } else {
        service_emit(svc, list ? reply : NULL);
        reply = NULL;
    }
    if (reply)
        xmpp_stanza_release(reply);
    free(bare);
}

static void answer_iq(struct service *svc, xmpp_stanza_t *iq, xmpp_stanza_t *el,
                      int accept)
{
    struct service_outcome out;
    char *bare = service_check_sender(svc, iq);

    if (!bare)
        return;
    consent_answer(svc, bare, xmpp_stanza_get_attribute(el, "id"), accept,
                   &out);
    reply_outcome(svc, iq, &out);
    if (accept && !out.type)
        consent_deliver(svc, bare);
    free(bare);
}

static void accept_iq(struct service *svc, xmpp_stanza_t *iq, xmpp_stanza_t *el)
{
    answer_iq(svc, iq, el, 1);
}

static void decline_iq(struct service *svc, xmpp_stanza_t *iq,
                       xmpp_stanza_t *el)
{
    answer_iq(svc, iq, el, 0);
}

/* --- the ad-hoc commands (listed in adhoc_commands.c) --- */

int consent_mode_form(xmpp_ctx_t *ctx, xmpp_stanza_t *x, const char *phone)
{
    (void)phone;
    if (form_add_head(ctx, x, "Who may send you cards",
                      N_("anyone; contacts (only numbers in the contacts your "
                         "cardx client uploaded); or ask (others wait as "
                         "requests).")) < 0 ||
        form_add_field(ctx, x, "mode", "text-single", "anyone, contacts or ask",
                       "anyone", 1) < 0)
        return -1;
    return 0;
}

void consent_mode_run(struct service *svc, xmpp_stanza_t *iq, const char *sid,
                      xmpp_stanza_t *form, const char *bare, const char *phone)
{
    struct service_outcome out;
    char *mode = form_get_value(form, "mode");

    (void)phone;
    consent_set_mode(svc, bare, mode, &out);
    adhoc_done(svc, iq, sid, out.type ? "error" : "info", "%s", out.text);
    if (mode)
        xmpp_free(service_ctx(svc), mode);
}

/* Appends one request as a line of the note. */
struct note_list {
    const struct service *svc;
    const char *lang; /* the requester's */
    char text[ADHOC_NOTE_MAX];
    size_t len, n, shown;
};

static int note_add(void *ud, const struct store_consent_request *r)
{
    struct note_list *nl = ud;
    char line[160];
    int len = snprintf(line, sizeof(line),
                       service_tr_lang(nl->svc, nl->lang, "\n%s from %s"),
                       r->card_id, SERVICE_PHONE_SHOWN(r->sender_phone));

    nl->n++;
    if (len > 0 && nl->len + (size_t)len + 32 < sizeof(nl->text)) {
        memcpy(nl->text + nl->len, line, (size_t)len + 1);
        nl->len += (size_t)len;
        nl->shown++;
    }
    return 0;
}

void consent_requests_run(struct service *svc, xmpp_stanza_t *iq,
                          const char *sid, xmpp_stanza_t *form,
                          const char *bare, const char *phone)
{
    struct note_list nl = {.svc = svc, .lang = service_lang_of(svc, iq)};

    (void)form;
    (void)phone;
    if (store_consent_each(service_store(svc), bare, note_add, &nl) < 0) {
        struct service_outcome out;
        service_outcome_store(svc, &out, "listing requests");
        adhoc_done(svc, iq, sid, "error", "%s", out.text);
    } else if (nl.n == 0) {
        adhoc_done(svc, iq, sid, "info", "No cards wait for your consent.");
    } else {
        adhoc_done(svc, iq, sid, "info",
                   "Cards waiting for your consent (%zu):%s%s", nl.n, nl.text,
                   nl.shown < nl.n ? "\n..." : "");
    }
}

int consent_answer_form(xmpp_ctx_t *ctx, xmpp_stanza_t *x, const char *phone)
{
    (void)phone;
    if (form_add_head(
            ctx, x, "Answer a request",
            N_("The request's id, as the requests command lists it.")) < 0 ||
        form_add_field(ctx, x, "id", "text-single", "Request id", NULL, 1) < 0)
        return -1;
    return 0;
}

static void answer_run(struct service *svc, xmpp_stanza_t *iq, const char *sid,
                       xmpp_stanza_t *form, const char *bare, int accept)
{
    struct service_outcome out;
    char *id = form_get_value(form, "id");

    consent_answer(svc, bare, id, accept, &out);
    adhoc_done(svc, iq, sid, out.type ? "error" : "info", "%s", out.text);
    if (accept && !out.type)
        consent_deliver(svc, bare);
    if (id)
        xmpp_free(service_ctx(svc), id);
}

void consent_accept_run(struct service *svc, xmpp_stanza_t *iq, const char *sid,
                        xmpp_stanza_t *form, const char *bare,
                        const char *phone)
{
    (void)phone;
    answer_run(svc, iq, sid, form, bare, 1);
}

void consent_decline_run(struct service *svc, xmpp_stanza_t *iq,
                         const char *sid, xmpp_stanza_t *form, const char *bare,
                         const char *phone)
{
    (void)phone;
    answer_run(svc, iq, sid, form, bare, 0);
}

static const char *const consent_disco[] = {NS_CARDX, NULL};

static const struct feature_iq consent_iqs[] = {
    {"set", "consent", NS_CARDX, consent_iq_set},
    {"get", "consent", NS_CARDX, consent_iq_get},
    {"set", "contacts", NS_CARDX, contacts_iq_set},
    {"get", "requests", NS_CARDX, requests_iq_get},
    {"set", "accept", NS_CARDX, accept_iq},
    {"set", "decline", NS_CARDX, decline_iq},
    {NULL, NULL, NULL, NULL},
};

const struct feature feature_consent = {
    .name = "consent for strangers",
    .disco = consent_disco,
    .iqs = consent_iqs,
};
