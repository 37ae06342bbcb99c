/* Blocking numbers: a user refuses cards from a phone number. A blocked
 * sender is never told: the send is answered as if accepted (send.c), and
 * nothing is stored or delivered. The cardx iqs are here; the ad-hoc
 * commands share block_change() and block_list(). */
#include "component/features/block.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/phone.h"
#include "xep/ns.h"
#include "xep/stanza.h"

static void block_unregistered(struct service *svc, struct service_outcome *out)
{
    service_outcome_fail(
        out, ERR_AUTH, "registration-required",
        service_tr(svc, "register your phone number with %s first"),
        service_config(svc)->domain);
}

/* Adds the block and deletes what that number already sent bare. */
static void block_add(struct service *svc, const char *bare, const char *e164,
                      struct service_outcome *out)
{
    struct store *st = service_store(svc);
    int64_t dropped = 0;
    int rc = store_block_add(st, bare, e164, (int64_t)time(NULL));

    if (rc == STORE_ENOTFOUND) {
        block_unregistered(svc, out);
        return;
    }
    if (rc < 0 || store_inbox_drop_sender(st, bare, e164, &dropped) < 0) {
        service_outcome_store(svc, out, "blocking a number");
        return;
    }
    log_info(service_log(svc),
             "%s blocked %s (%" PRId64 " waiting card%s "
             "deleted)",
             bare, e164, dropped, dropped == 1 ? "" : "s");
    snprintf(
        out->text, sizeof(out->text),
        service_tr(svc,
                   "%s is blocked: cards from it are dropped and its sender is "
                   "not told."),
        SERVICE_PHONE_SHOWN(e164));
}

static void block_remove(struct service *svc, const char *bare,
                         const char *e164, struct service_outcome *out)
{
    char *own = NULL;
    int rc = store_block_remove(service_store(svc), bare, e164);

    if (rc == STORE_ENOTFOUND) {
        /* Say the more useful of the two reasons. */
        rc = store_user_phone(service_store(svc), bare, &own);
        free(own);
        if (rc == STORE_ENOTFOUND)
            block_unregistered(svc, out);
        else if (rc < 0)
            service_outcome_store(svc, out, "unblocking a number");
        else
            service_outcome_fail(out, ERR_CANCEL, "item-not-found",
                                 service_tr(svc, "%s is not blocked"),
                                 SERVICE_PHONE_SHOWN(e164));
        return;
    }
    if (rc < 0) {
        service_outcome_store(svc, out, "unblocking a number");
        return;
    }
    log_info(service_log(svc), "%s unblocked %s", bare, e164);
    snprintf(out->text, sizeof(out->text),
             service_tr(
                 svc, "%s is no longer blocked: new cards from it reach you."),
             SERVICE_PHONE_SHOWN(e164));
}

void block_change(struct service *svc, const char *bare, const char *input,
                  int block, struct service_outcome *out)
{
    const char *why = NULL;
    char *e164 = NULL;
    int rc;

    memset(out, 0, sizeof(*out));
    if (!input || !*input) {
        service_outcome_fail(out, ERR_MODIFY, "bad-request",
                             service_tr(svc, "give the phone number to %s"),
                             block ? "block" : "unblock");
        return;
    }
    rc = phone_normalize(input, service_config(svc)->default_region, &e164,
                         &why);
    if (rc == PHONE_ENOMEM) {
        service_outcome_fail(out, ERR_WAIT, "internal-server-error",
                             service_tr(svc, "out of memory"));
        return;
    }
    if (rc != PHONE_OK) {
        service_outcome_fail(
            out, ERR_MODIFY, "not-acceptable",
            service_tr(svc, "invalid phone number '%s': %s"), input,
            why ? service_tr(svc, why) : service_tr(svc, "not a valid number"));
        return;
    }
    if (block)
        block_add(svc, bare, e164, out);
    else
        block_remove(svc, bare, e164, out);
    free(e164);
}

static int block_collect(void *ud, const char *phone)
{
    return strv_push(ud, phone);
}

int block_list(struct service *svc, const char *bare, struct strv *phones,
               struct service_outcome *out)
{
    char *own = NULL;
    int rc = store_user_phone(service_store(svc), bare, &own);

    memset(out, 0, sizeof(*out));
    free(own);
    if (rc == 0)
        rc = store_block_each(service_store(svc), bare, block_collect, phones);
    if (rc == STORE_ENOTFOUND)
        block_unregistered(svc, out);
    else if (rc < 0)
        service_outcome_store(svc, out, "listing blocked numbers");
    return rc;
}

int block_refuses(struct service *svc, const char *recipient_phone,
                  const char *sender_phone)
{
    int blocked = 0;
    int rc = store_block_check(service_store(svc), recipient_phone,
                               sender_phone, &blocked);

    return rc < 0 ? rc : blocked;
}

/* --- the cardx iqs --- */

/* <block phone/> and <unblock phone/>: an empty result, or the error. */
static void block_iq_change(struct service *svc, xmpp_stanza_t *iq,
                            xmpp_stanza_t *el, int block)
{
    struct service_outcome out;
    char *bare = service_check_sender(svc, iq);

    if (!bare)
        return;
    block_change(svc, bare, xmpp_stanza_get_attribute(el, "phone"), block,
                 &out);
    if (out.type)
        service_error(svc, iq, out.type, out.condition, out.text);
    else
        service_emit(svc, stanza_reply(service_ctx(svc), iq, "result"));
    free(bare);
}

static void block_iq_block(struct service *svc, xmpp_stanza_t *iq,
                           xmpp_stanza_t *el)
{
    block_iq_change(svc, iq, el, 1);
}

static void block_iq_unblock(struct service *svc, xmpp_stanza_t *iq,
                             xmpp_stanza_t *el)
{
    block_iq_change(svc, iq, el, 0);
}

/* The result <blocklist><item phone/>...</blocklist>. */
static xmpp_stanza_t *blocklist_reply(struct service *svc, xmpp_stanza_t *iq,
                                      const struct strv *phones)
{
    xmpp_ctx_t *ctx = service_ctx(svc);
    xmpp_stanza_t *reply = stanza_reply(ctx, iq, "result"), *list, *item;

    list = reply ? stanza_add_child(ctx, reply, "blocklist", NS_CARDX) : NULL;
    for (size_t i = 0; list && i < phones->n; i++) {
        item = stanza_add_child(ctx, list, "item", NULL);
        if (!item || xmpp_stanza_set_attribute(item, "phone", phones->v[i]))
            list = NULL;
    }
    if (!list && reply) {
        xmpp_stanza_release(reply);
        reply = NULL;
    }
    return reply;
}

static void block_iq_list(struct service *svc, xmpp_stanza_t *iq,
                          xmpp_stanza_t *el)
{
    struct service_outcome out;
    struct strv phones = {0};
    char *bare = service_check_sender(svc, iq);

    (void)el;
    if (!bare)
        return;
    if (block_list(svc, bare, &phones, &out) < 0)
        service_error(svc, iq, out.type, out.condition, out.text);
    else
        service_emit(svc, blocklist_reply(svc, iq, &phones));
    strv_clear(&phones);
    free(bare);
}

static const char *const block_disco[] = {NS_CARDX, NULL};

static const struct feature_iq block_iqs[] = {
    {"set", "block", NS_CARDX, block_iq_block},
    {"set", "unblock", NS_CARDX, block_iq_unblock},
    {"get", "blocklist", NS_CARDX, block_iq_list},
    {NULL, NULL, NULL, NULL},
};

const struct feature feature_block = {
    .name = "blocking numbers",
    .disco = block_disco,
    .iqs = block_iqs,
};
