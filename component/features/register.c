/* Phone registration on the component JID (XEP-0077): a phone number is
 * the user's identity; one number maps to one bare JID and back. The change
 * itself is shared with the ad-hoc command (adhoc_commands.c). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "component/features/register.h"
#include "xep/form.h"
#include "xep/ns.h"
#include "common/phone.h"
#include "xep/stanza.h"

#define REGISTER_INSTRUCTIONS                                                  \
    "Enter your phone number in international form (+8613800138000). "         \
    "Others send you business cards by this number."

int register_form_fill(xmpp_ctx_t *ctx, xmpp_stanza_t *x, const char *phone,
                       const char *form_type)
{
    if (form_add_head(ctx, x, "Register your phone number",
                      REGISTER_INSTRUCTIONS " Entering another one changes "
                                            "it.") < 0 ||
        (form_type && form_add_field(ctx, x, "FORM_TYPE", "hidden", NULL,
                                     form_type, 0) < 0) ||
        form_add_field(ctx, x, "phone", "text-single", "Phone number", phone,
                       1) < 0)
        return -1;
    return 0;
}

/* The XEP-0077 form: the shared one, typed by FORM_TYPE. */
static int register_form(xmpp_ctx_t *ctx, xmpp_stanza_t *query,
                         const char *phone)
{
    xmpp_stanza_t *x = stanza_add_child(ctx, query, "x", NS_DATA);

    if (!x || xmpp_stanza_set_type(x, "form") ||
        register_form_fill(ctx, x, phone, NS_REGISTER) < 0)
        return -1;
    return 0;
}

static void register_get(struct service *svc, xmpp_stanza_t *iq,
                         xmpp_stanza_t *query)
{
    char *bare = service_check_sender(svc, iq);
    char *phone = NULL;
    xmpp_stanza_t *reply = NULL, *q;
    int rc;

    (void)query;
    if (!bare)
        return;
    rc = store_user_phone(service_store(svc), bare, &phone);
    if (rc < 0 && rc != STORE_ENOTFOUND) {
        service_store_error(svc, iq, "looking up a registration");
        goto out;
    }
    reply = stanza_reply(service_ctx(svc), iq, "result");
    if (!reply ||
        !(q = stanza_add_child(service_ctx(svc), reply, "query",
                               NS_REGISTER)) ||
        stanza_add_text_child(service_ctx(svc), q, "instructions",
                              REGISTER_INSTRUCTIONS) < 0 ||
        (phone && !stanza_add_child(service_ctx(svc), q, "registered", NULL)) ||
        stanza_add_text_child(service_ctx(svc), q, "phone", phone) < 0 ||
        register_form(service_ctx(svc), q, phone) < 0) {
        xmpp_stanza_release(reply);
        reply = NULL;
    }
    service_emit(svc, reply);
out:
    free(phone);
    free(bare);
}

/* The phone number of a set: the data form's field, else <phone/>. Returns a
 * string the caller frees with xmpp_free(), or NULL. */
static char *register_phone_input(xmpp_stanza_t *query)
{
    xmpp_stanza_t *x = xmpp_stanza_get_child_by_ns(query, NS_DATA);
    xmpp_stanza_t *el;

    if (x)
        return form_get_value(x, "phone");
    el = xmpp_stanza_get_child_by_name(query, "phone");
    return el ? xmpp_stanza_get_text(el) : NULL;
}

/* A presence from the component to a user, e.g. a subscription request. */
static void register_presence(struct service *svc, const char *bare,
                              const char *type)
{
    xmpp_stanza_t *p = xmpp_presence_new(service_ctx(svc));

    if (p && (xmpp_stanza_set_type(p, type) ||
              xmpp_stanza_set_from(p, service_config(svc)->domain) ||
              xmpp_stanza_set_to(p, bare))) {
        xmpp_stanza_release(p);
        p = NULL;
    }
    service_emit(svc, p);
}

void register_announce(struct service *svc, const char *bare, int registered)
{
    if (registered) {
        /* As XEP-0100 gateways do: ask to see the user's presence, so that
         * waiting cards can go out as soon as they come online. */
        register_presence(svc, bare, "subscribe");
    } else {
        register_presence(svc, bare, "unsubscribe");
        register_presence(svc, bare, "unsubscribed");
    }
}

/* Records a failure in out; text is a printf format. */
static void outcome_fail(struct register_outcome *out, const char *type,
                         const char *condition, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void outcome_fail(struct register_outcome *out, const char *type,
                         const char *condition, const char *fmt, ...)
{
    va_list ap;

    out->type = type;
    out->condition = condition;
    va_start(ap, fmt);
    vsnprintf(out->text, sizeof(out->text), fmt, ap);
    va_end(ap);
}

void register_change(struct service *svc, const char *bare, const char *input,
                     struct register_outcome *out)
{
    const char *why = NULL;
    char *e164 = NULL;
    struct service_fault f;
    int rc;

    memset(out, 0, sizeof(*out));
    rc = phone_normalize(input, service_config(svc)->default_region, &e164,
                         &why);
    if (rc == PHONE_ENOMEM) {
        outcome_fail(out, ERR_WAIT, "internal-server-error", "out of memory");
        return;
    }
    if (rc != PHONE_OK) {
        outcome_fail(out, ERR_MODIFY, "not-acceptable",
                     "invalid phone number '%s': %s", input,
                     why ? why : "not a valid number");
        return;
    }
    snprintf(out->phone, sizeof(out->phone), "%s", e164);
    rc = store_user_register(service_store(svc), e164, bare,
                             (int64_t)time(NULL));
    if (rc == STORE_ECONFLICT) {
        outcome_fail(out, ERR_CANCEL, "conflict",
                     "the number %s is already registered to another account",
                     e164);
    } else if (rc < 0) {
        service_store_failed(svc, "registering a number", &f);
        outcome_fail(out, f.type, f.condition, "%s", f.text);
    } else {
        log_info(service_log(svc), "registered %s as %s", bare, e164);
        snprintf(out->text, sizeof(out->text),
                 "Your phone number is now %s: others can send you business "
                 "cards by it.",
                 e164);
    }
    free(e164);
}

void register_drop(struct service *svc, const char *bare,
                   struct register_outcome *out)
{
    char *phone = NULL;
    struct service_fault f;
    int rc = store_user_phone(service_store(svc), bare, &phone);

    memset(out, 0, sizeof(*out));
    if (rc == 0) {
        snprintf(out->phone, sizeof(out->phone), "%s", phone);
        rc = store_user_remove(service_store(svc), bare);
    }
    free(phone);
    if (rc == STORE_ENOTFOUND) {
        outcome_fail(out, ERR_AUTH, "registration-required",
                     "you have no phone number registered here");
    } else if (rc < 0) {
        service_store_failed(svc, "unregistering a number", &f);
        outcome_fail(out, f.type, f.condition, "%s", f.text);
    } else {
        log_info(service_log(svc), "unregistered %s", bare);
        snprintf(out->text, sizeof(out->text),
                 "%s is no longer registered; your card and the cards "
                 "waiting for you are deleted.",
                 out->phone);
    }
}

/* The XEP-0077 answer to a change or a removal: an empty result, then the
 * subscription follow-up; or the error. */
static void register_answer(struct service *svc, xmpp_stanza_t *iq,
                            const char *bare,
                            const struct register_outcome *out, int registered)
{
    if (out->type) {
        service_error(svc, iq, out->type, out->condition, out->text);
        return;
    }
    service_emit(svc, stanza_reply(service_ctx(svc), iq, "result"));
    register_announce(svc, bare, registered);
}

static void register_set(struct service *svc, xmpp_stanza_t *iq,
                         xmpp_stanza_t *query)
{
    struct register_outcome out;
    char *bare = service_check_sender(svc, iq);
    char *input;

    if (!bare)
        return;
    if (xmpp_stanza_get_child_by_name(query, "remove")) {
        register_drop(svc, bare, &out);
        register_answer(svc, iq, bare, &out, 0);
        free(bare);
        return;
    }
    input = register_phone_input(query);
    if (!input || !*input) {
        service_error(svc, iq, ERR_MODIFY, "bad-request",
                      "give your phone number in <phone/> or the form's "
                      "'phone' field");
    } else {
        register_change(svc, bare, input, &out);
        register_answer(svc, iq, bare, &out, 1);
    }
    if (input)
        xmpp_free(service_ctx(svc), input);
    free(bare);
}

static const char *const register_disco[] = {NS_REGISTER, NULL};

static const struct feature_iq register_iqs[] = {
    {"get", "query", NS_REGISTER, register_get},
    {"set", "query", NS_REGISTER, register_set},
    {NULL, NULL, NULL, NULL},
};

const struct feature feature_register = {
    .name = "registration (XEP-0077)",
    .disco = register_disco,
    .iqs = register_iqs,
};
