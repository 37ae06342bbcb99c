/* The ad-hoc commands themselves (XEP-0050): registering (the number,
 * then its code when numbers are proven), sending a card, the inbox,
 * blocking numbers and unregistering, each a form and what its submission
 * does. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/i18n.h"
#include "common/phone.h"
#include "component/features/adhoc.h"
#include "component/features/block.h"
#include "component/features/consent.h"
#include "component/features/deliver.h"
#include "component/features/register.h"
#include "component/features/send.h"
#include "component/store_consent.h"
#include "component/features/update.h"
#include "xep/form.h"
#include "xep/ns.h"
#include "xep/stanza.h"

static int register_form(xmpp_ctx_t *ctx, xmpp_stanza_t *x, const char *phone)
{
    return register_form_fill(ctx, x, phone, NULL);
}

/* The second stage: the code for the number that waits for it. */
static int register_code_form(xmpp_ctx_t *ctx, xmpp_stanza_t *x,
                              const char *pending)
{
    return register_code_form_fill(ctx, x, pending, NULL);
}

/* The outcome of either stage: the code's form (again after a wrong
 * code), or the end of the command. */
static void register_answered(struct service *svc, xmpp_stanza_t *req,
                              const char *bare,
                              const struct register_outcome *out)
{
    if (out->pending)
        adhoc_next_stage(svc, req, register_code_form, out->phone, "info",
                         out->o.text);
    else if (out->retry)
        adhoc_next_stage(svc, req, register_code_form, out->phone, "error",
                         out->o.text);
    else
        adhoc_done(svc, req, NULL, out->o.type ? "error" : "info", "%s",
                   out->o.text);
    if (!out->o.type && !out->pending)
        register_announce(svc, bare, 1);
}

static void register_run(struct service *svc, xmpp_stanza_t *iq,
                         const char *sid, xmpp_stanza_t *form, const char *bare,
                         const char *phone)
{
    char *input = form_get_value(form, "phone");
    char *code = form_get_value(form, "code");

    (void)sid;
    (void)phone;
    register_request(svc, iq, bare, input, code, register_answered);
    if (input)
        xmpp_free(service_ctx(svc), input);
    if (code)
        xmpp_free(service_ctx(svc), code);
}

static int send_form(xmpp_ctx_t *ctx, xmpp_stanza_t *x, const char *phone)
{
    (void)phone;
    if (form_add_head(ctx, x, "Send your business card",
                      N_("Enter the phone number of the person who should get "
                         "your card; the note is shown with it.")) < 0 ||
        form_add_field(ctx, x, "number", "text-single", "Their phone number",
                       NULL, 1) < 0 ||
        form_add_field(ctx, x, "note", "text-single", "Note (optional)", NULL,
                       0) < 0 ||
        form_add_field(ctx, x, "profile", "text-single",
                       "Profile to show (optional)", NULL, 0) < 0)
        return -1;
    return 0;
}

/* The outcome of a send started by send_run(); req is the submission. */
static void send_done_note(struct service *svc, xmpp_stanza_t *req,
                           const char *card_id, const char *status,
                           const char *condition, const char *text, void *ud)
{
    xmpp_stanza_t *c = xmpp_stanza_get_child_by_ns(req, NS_COMMANDS);
    xmpp_stanza_t *x = c ? xmpp_stanza_get_child_by_ns(c, NS_DATA) : NULL;
    char *number = x ? form_get_value(x, "number") : NULL;
    char *e164 = NULL;
    char shown[SERVICE_PHONE_TEXT_MAX];
    const char *to;

    (void)card_id;
    (void)ud;
    /* The form is all the state there is: it names the recipient again. */
    if (number)
        phone_normalize(number, service_config(svc)->default_region, &e164,
                        NULL);
    to = e164     ? service_phone_text(e164, shown, sizeof(shown))
         : number ? number
                  : service_tr(svc, "them");
    if (condition)
        adhoc_done(svc, req, NULL, "error", "%s", text ? text : condition);
    else if (strcmp(status, "delivered") == 0)
        adhoc_done(svc, req, NULL, "info", "Card delivered to %s.", to);
    else /* says nothing of whether they are online ([privacy]) */
        adhoc_done(svc, req, NULL, "info",
                   "Card queued for %s: it reaches them when they are "
                   "online.",
                   to);
    free(e164);
    if (number)
        xmpp_free(service_ctx(svc), number);
}

static void send_run(struct service *svc, xmpp_stanza_t *iq, const char *sid,
                     xmpp_stanza_t *form, const char *bare, const char *phone)
{
    char *number = form_get_value(form, "number");
    char *note = form_get_value(form, "note");
    char *profile = form_get_value(form, "profile");

    (void)bare;
    (void)phone;
    if (!number || !*number)
        adhoc_done(svc, iq, sid, "error",
                   "enter the phone number to send your card to");
    else
        send_card_profile(svc, iq, number, note, profile, SEND_VIA_OTHER,
                          send_done_note, NULL);
    if (profile)
        xmpp_free(service_ctx(svc), profile);
    if (number)
        xmpp_free(service_ctx(svc), number);
    if (note)
        xmpp_free(service_ctx(svc), note);
}

/* One stage: counts the waiting cards and sends them to the sessions the
 * service knows; without one it says how to become known. */
static void inbox_run(struct service *svc, xmpp_stanza_t *iq, const char *sid,
                      xmpp_stanza_t *form, const char *bare, const char *phone)
{
    int64_t n = 0, held = 0;
    int online = 0;
    char count[64];

    (void)form;
    /* Cards held for consent are not sent: the requests command has them. */
    if (store_inbox_count_number(service_store(svc), phone, &n) < 0 ||
        store_consent_held_count(service_store(svc), bare, &held) < 0 ||
        store_online_count(service_store(svc), bare, &online, NULL) < 0) {
        struct service_fault f;

        service_store_failed(svc, "counting an inbox", &f);
        adhoc_done(svc, iq, sid, "error", "%s", service_tr(svc, f.text));
        return;
    }
    n -= held;
    if (n == 0) {
        adhoc_done(svc, iq, sid, "info", "No cards wait for you.");
        return;
    }
    /* Two texts, not a plural form: the catalogs hold none; and %lld,
     * not PRId64, which would make the catalog system-dependent. */
    snprintf(count, sizeof(count),
             n == 1 ? service_tr(svc, "1 card waits for you")
                    : service_tr(svc, "%lld cards wait for you"),
             (long long)n);
    if (!online) {
        adhoc_done(svc, iq, sid, "info",
                   "%s: come online (send your presence to %s, or accept "
                   "its presence subscription) to receive them.",
                   count, service_config(svc)->domain);
        return;
    }
    adhoc_done(svc, iq, sid, "info", "%s: they are being sent to you now.",
               count);
    deliver_flush(svc, bare);
}

static int block_form(xmpp_ctx_t *ctx, xmpp_stanza_t *x, const char *phone)
{
    (void)phone;
    if (form_add_head(
            ctx, x, "Block a phone number",
            N_("Cards from this number are dropped; its sender is not "
               "told. Cards from it that wait for you are deleted.")) < 0 ||
        form_add_field(ctx, x, "phone", "text-single", "Phone number", NULL,
                       1) < 0)
        return -1;
    return 0;
}

static int unblock_form(xmpp_ctx_t *ctx, xmpp_stanza_t *x, const char *phone)
{
    (void)phone;
    if (form_add_head(ctx, x, "Unblock a phone number",
                      N_("New cards from this number reach you again.")) < 0 ||
        form_add_field(ctx, x, "phone", "text-single", "Phone number", NULL,
                       1) < 0)
        return -1;
    return 0;
}

/* block and unblock: the submitted number, and the outcome as a note. */
static void block_submit(struct service *svc, xmpp_stanza_t *iq,
                         const char *sid, xmpp_stanza_t *form, const char *bare,
                         int block)
{
    char *input = form_get_value(form, "phone");
    struct service_outcome out;

    block_change(svc, bare, input, block, &out);
    adhoc_done(svc, iq, sid, out.type ? "error" : "info", "%s", out.text);
    if (input)
        xmpp_free(service_ctx(svc), input);
}

static void block_run(struct service *svc, xmpp_stanza_t *iq, const char *sid,
                      xmpp_stanza_t *form, const char *bare, const char *phone)
{
    (void)phone;
    block_submit(svc, iq, sid, form, bare, 1);
}

static void unblock_run(struct service *svc, xmpp_stanza_t *iq, const char *sid,
                        xmpp_stanza_t *form, const char *bare,
                        const char *phone)
{
    (void)phone;
    block_submit(svc, iq, sid, form, bare, 0);
}

/* Room in a note for the heading and the "and N more" line. */
#define BLOCKED_LIST_MAX (ADHOC_NOTE_MAX - 64)

/* One stage: the blocked numbers, one a line, as many as a note holds. */
static void blocked_run(struct service *svc, xmpp_stanza_t *iq, const char *sid,
                        xmpp_stanza_t *form, const char *bare,
                        const char *phone)
{
    struct service_outcome out;
    struct strv phones = {0};
    char text[ADHOC_NOTE_MAX] = "";
    size_t len = 0, i;

    (void)form;
    (void)phone;
    if (block_list(svc, bare, &phones, &out) < 0) {
        adhoc_done(svc, iq, sid, "error", "%s", out.text);
        return;
    }
    for (i = 0; i < phones.n; i++) {
        if (len + strlen(phones.v[i]) + 1 >= BLOCKED_LIST_MAX)
            break;
        char shown[SERVICE_PHONE_TEXT_MAX];

        len += (size_t)snprintf(
            text + len, sizeof(text) - len, "\n%s",
            service_phone_text(phones.v[i], shown, sizeof(shown)));
    }
    if (i < phones.n)
        snprintf(text + len, sizeof(text) - len,
                 service_tr(svc, "\nand %zu more"), phones.n - i);
    if (phones.n == 0)
        adhoc_done(svc, iq, sid, "info", "You have blocked no numbers.");
    else
        adhoc_done(svc, iq, sid, "info", "Blocked numbers (%zu):%s", phones.n,
                   text);
    strv_clear(&phones);
}

static int unregister_form(xmpp_ctx_t *ctx, xmpp_stanza_t *x, const char *phone)
{
    char shown[SERVICE_PHONE_TEXT_MAX];

    /* The number is a fixed field, not part of a label: the labels are
     * translated whole once the form is filled (adhoc.c). */
    if (form_add_head(
            ctx, x, "Unregister your phone number",
            N_("Your number stops reaching you; your card and the cards "
               "waiting for you are deleted.")) < 0 ||
        form_add_field(ctx, x, "number", "fixed", NULL,
                       service_phone_text(phone, shown, sizeof(shown)),
                       0) < 0 ||
        form_add_field(ctx, x, "confirm", "boolean",
                       "Yes, unregister this number", "0", 1) < 0)
        return -1;
    return 0;
}

static void unregister_run(struct service *svc, xmpp_stanza_t *iq,
                           const char *sid, xmpp_stanza_t *form,
                           const char *bare, const char *phone)
{
    char *confirm = form_get_value(form, "confirm");
    int yes =
        confirm && (strcmp(confirm, "1") == 0 || strcmp(confirm, "true") == 0);
    struct register_outcome out;

    (void)phone;
    if (confirm)
        xmpp_free(service_ctx(svc), confirm);
    if (!yes) {
        adhoc_done(svc, iq, sid, "info", "Nothing changed: not confirmed.");
        return;
    }
    register_drop(svc, bare, &out);
    adhoc_done(svc, iq, sid, out.o.type ? "error" : "info", "%s", out.o.text);
    if (!out.o.type)
        register_announce(svc, bare, 0);
}

const struct adhoc_command adhoc_commands[] = {
    {"register", N_("Register or change your phone number"), 0, register_form,
     register_run},
    {"send", N_("Send your card to a phone number"), 1, send_form, send_run},
    {"inbox", N_("Cards waiting for you"), 1, NULL, inbox_run},
    {"block", N_("Block a phone number"), 1, block_form, block_run},
    {"unblock", N_("Unblock a phone number"), 1, unblock_form, unblock_run},
    {"blocked", N_("Numbers you blocked"), 1, NULL, blocked_run},
    {"consent", N_("Who may send you cards"), 1, consent_mode_form,
     consent_mode_run},
    {"requests", N_("Cards waiting for your consent"), 1, NULL,
     consent_requests_run},
    {"accept", N_("Accept a card waiting for your consent"), 1,
     consent_answer_form, consent_accept_run},
    {"decline", N_("Decline a card waiting for your consent"), 1,
     consent_answer_form, consent_decline_run},
    {"unregister", N_("Unregister your phone number"), 1, unregister_form,
     unregister_run},
    {"updates", N_("Updates of a card you received"), 1, update_adhoc_form,
     update_adhoc_run},
    {"language", N_("Choose your language"), 1, adhoc_language_form,
     adhoc_language_run},
};

const size_t adhoc_ncommands =
    sizeof(adhoc_commands) / sizeof(adhoc_commands[0]);
