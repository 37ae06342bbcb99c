/* Phone registration on the component JID (XEP-0077): a phone number is
 * the user's identity; one number maps to one bare JID and back. With
 * [verify] method = command it takes two submissions: the number (a code
 * goes to it), then the code. The change itself is shared with the ad-hoc
 * command (adhoc_commands.c). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "component/features/deliver.h"
#include "component/features/register.h"
#include "component/features/verify.h"
#include "xep/form.h"
#include "xep/ns.h"
#include "common/phone.h"
#include "xep/stanza.h"

#define REGISTER_INSTRUCTIONS                                                  \
    N_("Enter your phone number in international form (+8613800138000). "      \
       "Others send you business cards by this number.")

int register_form_fill(xmpp_ctx_t *ctx, xmpp_stanza_t *x, const char *phone,
                       const char *form_type)
{
    if (form_add_head(ctx, x, "Register your phone number",
                      N_("Enter your phone number in international form "
                         "(+8613800138000). Others send you business cards by "
                         "this number. Entering another one changes it.")) <
            0 ||
        (form_type && form_add_field(ctx, x, "FORM_TYPE", "hidden", NULL,
                                     form_type, 0) < 0) ||
        form_add_field(ctx, x, "phone", "text-single", "Phone number", phone,
                       1) < 0)
        return -1;
    return 0;
}

int register_code_form_fill(xmpp_ctx_t *ctx, xmpp_stanza_t *x,
                            const char *pending, const char *form_type)
{
    /* The number is the phone field's value: instructions without it are
     * translated whole (service_form_translate()). */
    if (form_add_head(ctx, x, "Prove your phone number",
                      N_("A code was sent to this phone number. Enter it to "
                         "prove the number is yours; entering another number "
                         "asks for a code for that one.")) < 0 ||
        (form_type && form_add_field(ctx, x, "FORM_TYPE", "hidden", NULL,
                                     form_type, 0) < 0) ||
        form_add_field(ctx, x, "phone", "text-single", "Phone number", pending,
                       1) < 0 ||
        form_add_field(ctx, x, "code", "text-single", "Code", NULL, 1) < 0)
        return -1;
    return 0;
}

/* The XEP-0077 form, typed by FORM_TYPE: the code's when a number waits
 * for one, else the number's. */
static int register_form(xmpp_ctx_t *ctx, xmpp_stanza_t *query,
                         const char *phone, const char *pending)
{
    xmpp_stanza_t *x = stanza_add_child(ctx, query, "x", NS_DATA);

    if (!x || xmpp_stanza_set_type(x, "form"))
        return -1;
    if (pending)
        return register_code_form_fill(ctx, x, pending, NS_REGISTER);
    return register_form_fill(ctx, x, phone, NS_REGISTER);
}

static void register_get(struct service *svc, xmpp_stanza_t *iq,
                         xmpp_stanza_t *query)
{
    char *bare = service_check_sender(svc, iq);
    char *phone = NULL, *pending = NULL;
    xmpp_stanza_t *reply = NULL, *q;
    int rc;

    (void)query;
    if (!bare)
        return;
    if (verify_required(svc))
        pending = verify_pending(svc, bare);
    rc = store_user_phone(service_store(svc), bare, &phone);
    if (rc < 0 && rc != STORE_ENOTFOUND) {
        service_store_error(svc, iq, "looking up a registration");
        goto out;
    }
    reply = stanza_reply(service_ctx(svc), iq, "result");
    if (!reply ||
        !(q = stanza_add_child(service_ctx(svc), reply, "query",
                               NS_REGISTER)) ||
        xmpp_stanza_set_attribute(reply, "xml:lang",
                                  i18n_tag(service_lang(svc))) ||
        stanza_add_text_child(service_ctx(svc), q, "instructions",
                              service_tr(svc, REGISTER_INSTRUCTIONS)) < 0 ||
        (phone && !stanza_add_child(service_ctx(svc), q, "registered", NULL)) ||
        stanza_add_text_child(service_ctx(svc), q, "phone", phone) < 0 ||
        register_form(service_ctx(svc), q, phone, pending) < 0 ||
        service_form_translate(svc, service_lang(svc),
                               xmpp_stanza_get_child_by_ns(q, NS_DATA)) < 0) {
        xmpp_stanza_release(reply);
        reply = NULL;
    }
    service_emit(svc, reply);
out:
    free(pending);
    free(phone);
    free(bare);
}

/* Field var of a set: the data form's field, else the element of that
 * name (XEP-0077's <phone/>). Returns a string the caller frees with
 * xmpp_free(), or NULL. */
static char *register_input(xmpp_stanza_t *query, const char *var)
{
    xmpp_stanza_t *x = xmpp_stanza_get_child_by_ns(query, NS_DATA);
    xmpp_stanza_t *el;

    if (x)
        return form_get_value(x, var);
    el = xmpp_stanza_get_child_by_name(query, var);
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

/* The E.164 form of input in out->phone; 0, or -1 with out saying why. */
static int register_normalize(struct service *svc, const char *input,
                              struct register_outcome *out)
{
    const char *why = NULL;
    char *e164 = NULL;
    int rc = phone_normalize(input, service_config(svc)->default_region, &e164,
                             &why);

    if (rc == PHONE_ENOMEM) {
        service_outcome_fail(&out->o, ERR_WAIT, "internal-server-error",
                             service_tr(svc, "out of memory"));
        return -1;
    }
    if (rc != PHONE_OK) {
        service_outcome_fail(
            &out->o, ERR_MODIFY, "not-acceptable",
            service_tr(svc, "invalid phone number '%s': %s"), input,
            why ? service_tr(svc, why) : service_tr(svc, "not a valid number"));
        return -1;
    }
    snprintf(out->phone, sizeof(out->phone), "%s", e164);
    free(e164);
    return 0;
}

/* Without proof ([verify] method = none): the number is bare's at once. */
static void register_change(struct service *svc, const char *bare,
                            struct register_outcome *out)
{
    const char *e164 = out->phone;
    int rc = store_user_register(service_store(svc), e164, bare,
                                 (int64_t)time(NULL));

    if (rc == STORE_ECONFLICT) {
        service_outcome_fail(
            &out->o, ERR_CANCEL, "conflict",
            service_tr(
                svc, "the number %s is already registered to another account"),
            SERVICE_PHONE_SHOWN(e164));
    } else if (rc < 0) {
        service_outcome_store(svc, &out->o, "registering a number");
    } else {
        log_info(service_log(svc), "registered %s as %s", bare, e164);
        snprintf(
            out->o.text, sizeof(out->o.text),
            service_tr(
                svc,
                "Your phone number is now %s: others can send you business "
                "cards by it."),
            SERVICE_PHONE_SHOWN(e164));
        /* Cards held for the number are bare's now ([privacy]); a user
         * registering is online, so they need not wait for a presence. */
        deliver_flush(svc, bare);
    }
}

/* 1 when phone already is bare's number (asking again changes nothing and
 * sends no code); 0 when not or unknown. */
static int register_is_current(struct service *svc, const char *bare,
                               const char *phone)
{
    char *cur = NULL;
    int same = store_user_phone(service_store(svc), bare, &cur) == 0 &&
               strcmp(cur, phone) == 0;

    free(cur);
    return same;
}

void register_request(struct service *svc, xmpp_stanza_t *req, const char *bare,
                      const char *input, const char *code,
                      register_done_fn done)
{
    struct register_outcome out;
    char *pending = NULL;
    int proving = verify_required(svc) && code && *code;

    memset(&out, 0, sizeof(out));
    if ((!input || !*input) && proving)
        input = pending = verify_pending(svc, bare);
    if (!input || !*input) {
        service_outcome_fail(
            &out.o, ERR_MODIFY, "bad-request",
            proving ? "no number waits for a code: enter your phone "
                      "number first"
                    : "enter your phone number");
    } else if (register_normalize(svc, input, &out) == 0) {
        if (proving) {
            verify_prove(svc, bare, out.phone, code, &out);
        } else if (!verify_required(svc)) {
            register_change(svc, bare, &out);
        } else if (register_is_current(svc, bare, out.phone)) {
            snprintf(out.o.text, sizeof(out.o.text),
                     service_tr(svc, "Your phone number is %s."),
                     SERVICE_PHONE_SHOWN(out.phone));
        } else {
            free(pending);
            verify_send(svc, req, bare, out.phone, done);
            return;
        }
    }
    free(pending);
    done(svc, req, bare, &out);
}

void register_drop(struct service *svc, const char *bare,
                   struct register_outcome *out)
{
    char *phone = NULL;
    int rc = store_user_phone(service_store(svc), bare, &phone);

    memset(out, 0, sizeof(*out));
    if (rc == 0) {
        snprintf(out->phone, sizeof(out->phone), "%s", phone);
        rc = store_user_remove(service_store(svc), bare);
    }
    free(phone);
    if (rc == STORE_ENOTFOUND) {
        service_outcome_fail(
            &out->o, ERR_AUTH, "registration-required",
            service_tr(svc, "you have no phone number registered here"));
    } else if (rc < 0) {
        service_outcome_store(svc, &out->o, "unregistering a number");
    } else {
        log_info(service_log(svc), "unregistered %s", bare);
        snprintf(out->o.text, sizeof(out->o.text),
                 service_tr(
                     svc, "%s is no longer registered; your card and the cards "
                          "waiting for you are deleted."),
                 SERVICE_PHONE_SHOWN(out->phone));
    }
}

/* A code went to phone: the result carries the form of the next step, as
 * a get would fetch it, so a client knows a code is awaited. */
static void register_answer_pending(struct service *svc, xmpp_stanza_t *iq,
                                    const char *phone)
{
    xmpp_stanza_t *reply = stanza_reply(service_ctx(svc), iq, "result"), *q;

    if (reply && (!(q = stanza_add_child(service_ctx(svc), reply, "query",
                                         NS_REGISTER)) ||
                  register_form(service_ctx(svc), q, NULL, phone) < 0)) {
        xmpp_stanza_release(reply);
        reply = NULL;
    }
    service_emit(svc, reply);
}

/* The XEP-0077 answer to a change or a removal: a result, then the
 * subscription follow-up (not while a number waits for its code); or the
 * error. */
static void register_answer(struct service *svc, xmpp_stanza_t *iq,
                            const char *bare,
                            const struct register_outcome *out, int registered)
{
    if (out->o.type) {
        service_error(svc, iq, out->o.type, out->o.condition, out->o.text);
        return;
    }
    if (out->pending) {
        register_answer_pending(svc, iq, out->phone);
        return;
    }
    service_emit(svc, stanza_reply(service_ctx(svc), iq, "result"));
    register_announce(svc, bare, registered);
}

static void register_answer_change(struct service *svc, xmpp_stanza_t *iq,
                                   const char *bare,
                                   const struct register_outcome *out)
{
    register_answer(svc, iq, bare, out, 1);
}

static void register_set(struct service *svc, xmpp_stanza_t *iq,
                         xmpp_stanza_t *query)
{
    struct register_outcome out;
    char *bare = service_check_sender(svc, iq);
    char *input, *code;

    if (!bare)
        return;
    if (xmpp_stanza_get_child_by_name(query, "remove")) {
        register_drop(svc, bare, &out);
        register_answer(svc, iq, bare, &out, 0);
        free(bare);
        return;
    }
    input = register_input(query, "phone");
    code = register_input(query, "code");
    if ((!input || !*input) && (!code || !*code))
        service_error(svc, iq, ERR_MODIFY, "bad-request",
                      "give your phone number in <phone/> or the form's "
                      "'phone' field");
    else
        register_request(svc, iq, bare, input, code, register_answer_change);
    if (input)
        xmpp_free(service_ctx(svc), input);
    if (code)
        xmpp_free(service_ctx(svc), code);
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
