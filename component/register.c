/* XEP-0077 phone registration on the component JID: a phone number is the
 * user's identity; one number maps to one bare JID and back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "component/service_int.h"
#include "xep/ns.h"
#include "xep/phone.h"
#include "xep/stanza.h"

#define REGISTER_INSTRUCTIONS                                                  \
    "Enter your phone number in international form (+8613800138000). "         \
    "Others send you business cards by this number."

/* A <field var=... type=...><value/></field> of a data form. */
static int form_add_field(xmpp_ctx_t *ctx, xmpp_stanza_t *form, const char *var,
                          const char *type, const char *label,
                          const char *value, int required)
{
    xmpp_stanza_t *f = stanza_add_child(ctx, form, "field", NULL);

    if (!f || xmpp_stanza_set_attribute(f, "var", var) ||
        xmpp_stanza_set_attribute(f, "type", type))
        return -1;
    if (label && xmpp_stanza_set_attribute(f, "label", label))
        return -1;
    if (required && !stanza_add_child(ctx, f, "required", NULL))
        return -1;
    if (value && stanza_add_text_child(ctx, f, "value", value) < 0)
        return -1;
    return 0;
}

static int register_form(xmpp_ctx_t *ctx, xmpp_stanza_t *query,
                         const char *phone)
{
    xmpp_stanza_t *x = stanza_add_child(ctx, query, "x", NS_DATA);

    if (!x || xmpp_stanza_set_type(x, "form") ||
        stanza_add_text_child(ctx, x, "title", "Register your phone number") <
            0 ||
        stanza_add_text_child(ctx, x, "instructions", REGISTER_INSTRUCTIONS) <
            0 ||
        form_add_field(ctx, x, "FORM_TYPE", "hidden", NULL, NS_REGISTER, 0) <
            0 ||
        form_add_field(ctx, x, "phone", "text-single", "Phone number", phone,
                       1) < 0)
        return -1;
    return 0;
}

void register_get(struct service *svc, xmpp_stanza_t *iq, xmpp_stanza_t *query)
{
    char *bare = service_check_sender(svc, iq);
    char *phone = NULL;
    xmpp_stanza_t *reply = NULL, *q;
    int rc;

    (void)query;
    if (!bare)
        return;
    rc = store_user_phone(svc->store, bare, &phone);
    if (rc < 0 && rc != STORE_ENOTFOUND) {
        service_error(svc, iq, ERR_WAIT, "internal-server-error",
                      "the registration store failed");
        goto out;
    }
    reply = stanza_reply(svc->ctx, iq, "result");
    if (!reply ||
        !(q = stanza_add_child(svc->ctx, reply, "query", NS_REGISTER)) ||
        stanza_add_text_child(svc->ctx, q, "instructions",
                              REGISTER_INSTRUCTIONS) < 0 ||
        (phone && !stanza_add_child(svc->ctx, q, "registered", NULL)) ||
        stanza_add_text_child(svc->ctx, q, "phone", phone) < 0 ||
        register_form(svc->ctx, q, phone) < 0) {
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
static char *register_phone_input(xmpp_ctx_t *ctx, xmpp_stanza_t *query)
{
    xmpp_stanza_t *x = xmpp_stanza_get_child_by_ns(query, NS_DATA);
    xmpp_stanza_t *el;

    (void)ctx;
    if (x) {
        for (el = xmpp_stanza_get_children(x); el;
             el = xmpp_stanza_get_next(el)) {
            const char *var = xmpp_stanza_get_attribute(el, "var");

            if (var && strcmp(var, "phone") == 0) {
                el = xmpp_stanza_get_child_by_name(el, "value");
                return el ? xmpp_stanza_get_text(el) : NULL;
            }
        }
        return NULL;
    }
    el = xmpp_stanza_get_child_by_name(query, "phone");
    return el ? xmpp_stanza_get_text(el) : NULL;
}

/* A presence from the component to a user, e.g. a subscription request. */
static void register_presence(struct service *svc, const char *bare,
                              const char *type)
{
    xmpp_stanza_t *p = xmpp_presence_new(svc->ctx);

    if (p && (xmpp_stanza_set_type(p, type) ||
              xmpp_stanza_set_from(p, svc->cfg->domain) ||
              xmpp_stanza_set_to(p, bare))) {
        xmpp_stanza_release(p);
        p = NULL;
    }
    service_emit(svc, p);
}

static void register_remove(struct service *svc, xmpp_stanza_t *iq,
                            const char *bare)
{
    int rc = store_user_remove(svc->store, bare);

    if (rc == STORE_ENOTFOUND) {
        service_error(svc, iq, ERR_AUTH, "registration-required",
                      "you have no phone number registered here");
        return;
    }
    if (rc < 0) {
        log_error(svc->log, "unregistering %s: %s", bare,
                  store_errmsg(svc->store));
        service_error(svc, iq, ERR_WAIT, "internal-server-error",
                      "the registration store failed");
        return;
    }
    log_info(svc->log, "unregistered %s", bare);
    service_emit(svc, stanza_reply(svc->ctx, iq, "result"));
    register_presence(svc, bare, "unsubscribe");
    register_presence(svc, bare, "unsubscribed");
}

static void register_number(struct service *svc, xmpp_stanza_t *iq,
                            const char *bare, const char *input)
{
    const char *why = NULL;
    char *e164 = NULL;
    char text[256];
    int rc;

    rc = phone_normalize(input, svc->cfg->default_region, &e164, &why);
    if (rc == PHONE_ENOMEM) {
        service_emit(svc, NULL);
        return;
    }
    if (rc != PHONE_OK) {
        snprintf(text, sizeof(text), "invalid phone number '%s': %s", input,
                 why ? why : "not a valid number");
        service_error(svc, iq, ERR_MODIFY, "not-acceptable", text);
        return;
    }
    rc = store_user_register(svc->store, e164, bare, (int64_t)time(NULL));
    if (rc == STORE_ECONFLICT) {
        snprintf(text, sizeof(text),
                 "the number %s is already registered to another account",
                 e164);
        service_error(svc, iq, ERR_CANCEL, "conflict", text);
    } else if (rc < 0) {
        log_error(svc->log, "registering %s: %s", bare,
                  store_errmsg(svc->store));
        service_error(svc, iq, ERR_WAIT, "internal-server-error",
                      "the registration store failed");
    } else {
        log_info(svc->log, "registered %s as %s", bare, e164);
        service_emit(svc, stanza_reply(svc->ctx, iq, "result"));
        /* As XEP-0100 gateways do: ask to see the user's presence, so that
         * waiting cards can go out as soon as they come online. */
        register_presence(svc, bare, "subscribe");
    }
    free(e164);
}

void register_set(struct service *svc, xmpp_stanza_t *iq, xmpp_stanza_t *query)
{
    char *bare = service_check_sender(svc, iq);
    char *input;

    if (!bare)
        return;
    if (xmpp_stanza_get_child_by_name(query, "remove")) {
        register_remove(svc, iq, bare);
        free(bare);
        return;
    }
    input = register_phone_input(svc->ctx, query);
    if (!input || !*input)
        service_error(svc, iq, ERR_MODIFY, "bad-request",
                      "give your phone number in <phone/> or the form's "
                      "'phone' field");
    else
        register_number(svc, iq, bare, input);
    if (input)
        xmpp_free(svc->ctx, input);
    free(bare);
}
