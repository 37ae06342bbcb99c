/* Cards that stay current. Every card accepted for a recipient leaves a
 * share behind; when its owner uploads a new card, each recipient who
 * takes updates gets one, through the inbox like any card (offline
 * storage, flush on presence, ack before delete, delay stamp). A recipient
 * holds at most one pending update per sender, overwritten by each edit,
 * so that one offline through ten edits gets the latest, once. */
#include "component/features/update.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "card/vcard.h"
#include "common/i18n.h"
#include "common/phone.h"
#include "common/util.h"
#include "component/features/adhoc.h"
#include "component/features/block.h"
#include "component/features/deliver.h"
#include "component/features/expire.h"
#include "component/features/profile.h"
#include "component/store_share.h"
#include "xep/form.h"
#include "xep/ns.h"
#include "xep/stanza.h"

/* Bytes of randomness in an update's id, as in a card's (send.c). */
#define UPDATE_ID_BYTES 16

int update_shared(struct service *svc, const char *sender_jid,
                  const char *recipient_phone, const char *card_id,
                  const char *profile, const char *fields, const char *vcard)
{
    struct store_share s = {
        .card_id = card_id,
        .profile = profile,
        .fields = fields,
        .vcard = vcard,
    };

    return store_share_put(service_store(svc), sender_jid, recipient_phone, &s,
                           (int64_t)time(NULL));
}

int update_yield(struct service *svc, const char *recipient_phone,
                 const char *sender_jid, const char *card_id)
{
    struct store *st = service_store(svc);
    char *changed = NULL;
    int rc = store_update_pending(st, recipient_phone, sender_jid, &changed);

    free(changed);
    if (rc == STORE_ENOTFOUND)
        return 0;
    if (rc == 0)
        rc = store_inbox_take_number(st, recipient_phone, card_id, NULL);
    return rc < 0 ? rc : 1;
}

/* One edit of one sender's card, on its way to each share. */
struct update_run {
    struct service *svc;
    const char *sender_jid;
    char *sender_phone;
    char *card; /* the whole new card */
    int queued;
};

/* The fields the share's recipient sees now: its profile as it stands,
 * or as it was when they got the card if the profile is gone. The
 * caller frees *fields (NULL: the whole card). */
static int update_fields(struct update_run *u, const struct store_share *s,
                         char **fields)
{
    int rc;

    *fields = NULL;
    if (!s->profile)
        return 0;
    rc = store_profile_get(service_store(u->svc), u->sender_jid, s->profile,
                           fields);
    if (rc == STORE_ENOTFOUND && s->fields && !(*fields = strdup(s->fields)))
        return STORE_ENOMEM;
    return rc == STORE_ENOTFOUND ? 0 : rc;
}

/* The fields changed since the recipient's last card: those of this edit
 * and of the update it overwrites, if one still waits. */
static char *update_changes(struct update_run *u, const struct store_share *s,
                            const char *shown)
{
    char *now = profile_changed(u->svc, s->vcard, shown), *before = NULL;
    char *all = NULL;
    struct strv words = {0};
    int rc = store_update_pending(service_store(u->svc), s->recipient_phone,
                                  u->sender_jid, &before);

    if (!now || (rc < 0 && rc != STORE_ENOTFOUND) || !before) {
        free(before);
        return now;
    }
    /* The union, in the card's field order. */
    if (strv_split(&words, before, " ") == 0 &&
        strv_split(&words, now, " ") == 0) {
        all = strdup("");
        for (const char *const *n = vcard_field_names(); all && *n; n++) {
            int has = 0;
            char *more;

            for (size_t i = 0; i < words.n; i++)
                has |= strcmp(words.v[i], *n) == 0;
            if (!has)
                continue;
            more = str_printf("%s%s%s", all, *all ? " " : "", *n);
            free(all);
            all = more;
        }
    }
    strv_clear(&words);
    free(before);
    free(now);
    return all;
}

struct update_find {
    struct service *svc;
    const char *card_id;
};

static int update_deliver_one(void *ud, const struct store_inbox_item *item)
{
    struct update_find *f = ud;

    if (strcmp(item->card_id, f->card_id) != 0)
        return 0;
    deliver_card(f->svc, item, 0);
    return 1;
}

/* Hands the update just queued to the recipient's online resources; it
 * stays in the inbox until acknowledged, as every card does. */
static void update_deliver(struct update_run *u, const char *recipient_phone,
                           const char *card_id)
{
    struct store *st = service_store(u->svc);
    struct update_find f = {u->svc, card_id};
    char *jid = NULL;
    int online = 0;

    if (store_user_jid(st, recipient_phone, &jid) == 0 &&
        store_online_count(st, jid, &online, NULL) == 0 && online &&
        store_inbox_each(st, jid, update_deliver_one, &f) < 0)
        log_error(service_log(u->svc), "delivering update %s: %s", card_id,
                  store_errmsg(st));
    free(jid);
}

/* Queues the new card, as this share's recipient sees it, unless they
 * blocked the sender or it shows them nothing new. */
static int update_queue(struct update_run *u, const struct store_share *s,
                        const char *shown)
{
    struct store_inbox_item item = {0};
    char id[48];
    int rc;

    if (rand_hex_id(id, sizeof(id), "card-", UPDATE_ID_BYTES) < 0)
        return CX_EIO;
    item.card_id = id;
    item.recipient_phone = (char *)s->recipient_phone;
    item.sender_phone = u->sender_phone;
    item.sender_jid = (char *)u->sender_jid;
    item.vcard = (char *)shown;
    item.created = (int64_t)time(NULL);
    item.updates = (char *)s->card_id;
    item.changed = update_changes(u, s, shown);
    if (!item.changed)
        return STORE_ENOMEM;
    rc = store_update_put(service_store(u->svc), &item);
    if (rc == 0)
        rc = store_share_advance(service_store(u->svc), u->sender_jid,
                                 s->recipient_phone, id, shown);
    if (rc == 0) {
        log_info(service_log(u->svc), "update %s of %s's card for %s (%s)", id,
                 u->sender_phone, s->recipient_phone,
                 *item.changed ? item.changed : "no field changed");
        expire_card_stored(u->svc, item.created);
        update_deliver(u, s->recipient_phone, id);
        u->queued++;
    }
    free(item.changed);
    return rc;
}

static int update_share(void *ud, const struct store_share *s)
{
    struct update_run *u = ud;
    char *fields = NULL, *shown = NULL;
    int rc = block_refuses(u->svc, s->recipient_phone, u->sender_phone);

    if (rc != 0)
        return rc < 0 ? rc : 0; /* blocked: they get nothing */
    rc = update_fields(u, s, &fields);
    if (rc == 0 && !(shown = profile_apply(u->svc, u->card, fields)))
        rc = STORE_ENOMEM;
    if (rc == 0 && strcmp(shown, s->vcard) != 0)
        rc = update_queue(u, s, shown);
    free(fields);
    free(shown);
    return rc;
}

void update_card_changed(struct service *svc, const char *sender_jid)
{
    struct store *st = service_store(svc);
    struct update_run u = {.svc = svc, .sender_jid = sender_jid};
    int rc = store_user_phone(st, sender_jid, &u.sender_phone);

    if (rc == 0)
        rc = store_card_get(st, sender_jid, &u.card);
    if (rc == 0)
        rc = store_share_each(st, sender_jid, update_share, &u);
    if (rc < 0)
        log_error(service_log(svc), "updates of %s's card: %s", sender_jid,
                  store_errmsg(st));
    else if (u.queued)
        log_info(service_log(svc), "%d update%s of %s's card queued", u.queued,
                 u.queued == 1 ? "" : "s", sender_jid);
    free(u.sender_phone);
    free(u.card);
}

void update_choose(struct service *svc, const char *bare, const char *input,
                   int on, struct service_outcome *out)
{
    struct store *st = service_store(svc);
    const char *why = NULL;
    char *e164 = NULL;
    int rc;

    memset(out, 0, sizeof(*out));
    if (!input || !*input) {
        service_outcome_fail(
            out, ERR_MODIFY, "bad-request", "%s",
            on ? service_tr(svc, "give the phone number whose card's updates "
                                 "you want on")
               : service_tr(svc, "give the phone number whose card's updates "
                                 "you want off"));
        return;
    }
    rc = phone_normalize(input, service_config(svc)->default_region, &e164,
                         &why);
    if (rc == PHONE_ENOMEM) {
        service_outcome_fail(out, ERR_WAIT, "internal-server-error", "%s",
                             service_tr(svc, "out of memory"));
        goto out;
    }
    if (rc != PHONE_OK) {
        service_outcome_fail(
            out, ERR_MODIFY, "not-acceptable",
            service_tr(svc, "invalid phone number '%s': %s"), input,
            why ? service_tr(svc, why) : service_tr(svc, "not a valid number"));
        goto out;
    }
    rc = store_share_set_updates(st, bare, e164, on);
    if (rc == 0 && !on)
        rc = store_update_drop(st, bare, e164);
    if (rc == STORE_ENOTFOUND)
        service_outcome_fail(out, ERR_CANCEL, "item-not-found",
                             service_tr(svc, "you have no card from %s"),
                             SERVICE_PHONE_SHOWN(e164));
    else if (rc < 0)
        service_outcome_store(svc, out, "changing updates");
    else
        snprintf(out->text, sizeof(out->text),
                 on ? service_tr(svc, "Updates of the card of %s are on.")
                    : service_tr(svc, "Updates of the card of %s are off."),
                 SERVICE_PHONE_SHOWN(e164));
    if (rc == 0)
        log_info(service_log(svc), "%s turned updates from %s %s", bare, e164,
                 on ? "on" : "off");
out:
    free(e164);
}

/* "on", "true", "1" (and the boolean form field's values) turn updates on. */
static int update_value_on(const char *v)
{
    return v && (strcmp(v, "on") == 0 || strcmp(v, "true") == 0 ||
                 strcmp(v, "1") == 0);
}

/* <updates xmlns='urn:cardx:0' phone='+86…' receive='on|off'/>. */
static void update_iq(struct service *svc, xmpp_stanza_t *iq, xmpp_stanza_t *el)
{
    struct service_outcome out;
    const char *receive = xmpp_stanza_get_attribute(el, "receive");
    char *bare = service_check_sender(svc, iq);

    if (!bare)
        return;
    if (!receive ||
        (!update_value_on(receive) && strcmp(receive, "off") != 0 &&
         strcmp(receive, "false") != 0 && strcmp(receive, "0") != 0)) {
        service_error(svc, iq, ERR_MODIFY, "bad-request",
                      "<updates/> needs receive='on' or receive='off'");
        goto out;
    }
    update_choose(svc, bare, xmpp_stanza_get_attribute(el, "phone"),
                  update_value_on(receive), &out);
    if (out.type)
        service_error(svc, iq, out.type, out.condition, out.text);
    else
        service_emit(svc, stanza_reply(service_ctx(svc), iq, "result"));
out:
    free(bare);
}

int update_adhoc_form(xmpp_ctx_t *ctx, xmpp_stanza_t *x, const char *phone)
{
    (void)phone;
    if (form_add_head(ctx, x, "Updates of a card you received",
                      N_("When its owner changes their card, you get the new "
                         "version (on by default).")) < 0 ||
        form_add_field(ctx, x, "phone", "text-single",
                       "Phone number of the card", NULL, 1) < 0 ||
        form_add_field(ctx, x, "receive", "boolean", "Receive its updates", "1",
                       1) < 0)
        return -1;
    return 0;
}

void update_adhoc_run(struct service *svc, xmpp_stanza_t *iq, const char *sid,
                      xmpp_stanza_t *form, const char *bare, const char *phone)
{
    char *input = form_get_value(form, "phone");
    char *receive = form_get_value(form, "receive");
    struct service_outcome out;

    (void)phone;
    update_choose(svc, bare, input, update_value_on(receive), &out);
    adhoc_done(svc, iq, sid, out.type ? "error" : "info", "%s", out.text);
    if (input)
        xmpp_free(service_ctx(svc), input);
    if (receive)
        xmpp_free(service_ctx(svc), receive);
}

static const struct feature_iq update_iqs[] = {
    {"set", "updates", NS_CARDX, update_iq},
    {NULL, NULL, NULL, NULL},
};

const struct feature feature_update = {
    .name = "card updates",
    .iqs = update_iqs,
};
