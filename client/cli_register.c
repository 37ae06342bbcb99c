/* cardx register: logging in (creating the account when asked or needed)
 * and registering the number with cardxd (xep/cardx.md), still on the
 * program's own session. */
#include "client/commands_int.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "xep/form.h"
#include "xep/ns.h"
#include "xep/stanza.h"

#define APPROVAL_WAIT_MS 3000
#define SLICE_MS 100

/* Reads "--name VALUE" or "--name=VALUE" at argv[*i]; returns the value
 * (borrowed) and advances *i, or NULL when argv[*i] is not that option. */
static const char *option_value(int argc, char **argv, int *i, const char *name)
{
    size_t n = strlen(name);

    if (strncmp(argv[*i], name, n) != 0)
        return NULL;
    if (argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (argv[*i][n] != '\0' || *i + 1 >= argc)
        return NULL;
    return argv[++*i];
}

/* An iq to the component with one child <name xmlns=ns/>; *child is that
 * child (borrowed). NULL when memory ran out. */
static xmpp_stanza_t *component_iq(struct cardx_cmd *c, const char *type,
                                   const char *name, const char *ns,
                                   xmpp_stanza_t **child)
{
    xmpp_ctx_t *ctx = session_ctx(c->session);
    xmpp_stanza_t *iq = xmpp_iq_new(ctx, type, NULL);

    *child = iq ? stanza_add_child(ctx, iq, name, ns) : NULL;
    if (!*child || xmpp_stanza_set_to(iq, c->component) != XMPP_EOK) {
        if (iq)
            xmpp_stanza_release(iq);
        return NULL;
    }
    return iq;
}

/* --- register --- */

/* The XEP-0077 submission of the registration form: the number, and the
 * code unless NULL. NULL when memory ran out. */
static xmpp_stanza_t *register_iq(struct cardx_cmd *c, const char *number,
                                  const char *code)
{
    xmpp_ctx_t *ctx = session_ctx(c->session);
    xmpp_stanza_t *query, *x;
    xmpp_stanza_t *iq = component_iq(c, "set", "query", NS_REGISTER, &query);

    x = iq ? stanza_add_child(ctx, query, "x", NS_DATA) : NULL;
    if (!x || xmpp_stanza_set_type(x, "submit") != XMPP_EOK ||
        form_add_field(ctx, x, "FORM_TYPE", "hidden", NULL, NS_REGISTER, 0) <
            0 ||
        form_add_field(ctx, x, "phone", "text-single", NULL, number, 0) < 0 ||
        (code &&
         form_add_field(ctx, x, "code", "text-single", NULL, code, 0) < 0)) {
        if (iq)
            xmpp_stanza_release(iq);
        return NULL;
    }
    return iq;
}

/* Submits number (and code); on a result that asks for a code, *pending
 * receives the number it went to (caller frees). */
static int register_submit(struct cardx_cmd *c, const char *number,
                           const char *code, char **pending)
{
    xmpp_stanza_t *iq = register_iq(c, number, code), *reply = NULL, *q, *x;
    int rc;

    *pending = NULL;
    if (!iq)
        return cmd_fail(c, CARDX_EXIT_ERROR, "out of memory");
    rc = session_iq(c->session, iq, &reply);
    xmpp_stanza_release(iq);
    if (rc != SESSION_OK)
        return cmd_fail(c, cmd_iq_status(c, rc),
                        "cannot register %s with %s: %s", number, c->component,
                        session_errmsg(c->session));
    q = xmpp_stanza_get_child_by_name_and_ns(reply, "query", NS_REGISTER);
    x = q ? xmpp_stanza_get_child_by_ns(q, NS_DATA) : NULL;
    if (x && form_has_field(x, "code")) {
        char *to = form_get_value(x, "phone");

        *pending = strdup(to && *to ? to : number);
        if (to)
            xmpp_free(session_ctx(c->session), to);
    }
    xmpp_stanza_release(reply);
    if (x && !*pending)
        return cmd_fail(c, CARDX_EXIT_ERROR, "out of memory");
    return CARDX_EXIT_OK;
}

/* The code the user got on their phone, asked on the terminal; NULL when
 * there is none (the caller frees it). */
static char *register_ask_code(struct cardx_cmd *c, const char *pending)
{
    char buf[64];

    if (!c->interactive)
        return NULL;
    fprintf(c->out, _("code sent to %s: "), pending);
    fflush(c->out);
    if (!fgets(buf, sizeof(buf), c->in))
        return NULL;
    buf[strcspn(buf, "\r\n")] = '\0';
    return buf[0] ? strdup(buf) : NULL;
}

/* The number cardxd holds for us, to learn its E.164 form (caller frees;
 * NULL if it did not say). */
static char *registered_number(struct cardx_cmd *c)
{
    xmpp_stanza_t *query, *reply = NULL, *phone;
    xmpp_stanza_t *iq = component_iq(c, "get", "query", NS_REGISTER, &query);
    char *text = NULL, *e164 = NULL;

    if (iq && session_iq(c->session, iq, &reply) == SESSION_OK) {
        query =
            xmpp_stanza_get_child_by_name_and_ns(reply, "query", NS_REGISTER);
        phone = query ? xmpp_stanza_get_child_by_name(query, "phone") : NULL;
        text = phone ? xmpp_stanza_get_text(phone) : NULL;
        if (text && text[0])
            e164 = strdup(text);
        if (text)
            xmpp_free(session_ctx(c->session), text);
    }
    if (reply)
        xmpp_stanza_release(reply);
    if (iq)
        xmpp_stanza_release(iq);
    return e164;
}

/* Registers number with cardxd, proving it with code (given, or asked for
 * once cardxd sent one); *e164 receives the number as cardxd normalised it
 * (caller frees; NULL if it did not say). */
static int register_phone(struct cardx_cmd *c, const char *number,
                          const char *code, char **e164)
{
    char *pending = NULL, *asked = NULL;
    int status = register_submit(c, number, code, &pending);

    *e164 = NULL;
    if (status == CARDX_EXIT_OK && pending) {
        asked = register_ask_code(c, pending);
        if (!asked)
            status = cmd_fail(c, CARDX_EXIT_USAGE,
                              "a code was sent to %s: give it with cardx "
                              "register --phone %s --code CODE",
                              pending, number);
        else
            status = register_submit(c, number, asked, &pending);
    }
    free(asked);
    free(pending);
    if (status == CARDX_EXIT_OK)
        *e164 = registered_number(c);
    return status;
}

/* Creates the account by in-band registration, then logs in. login_why is
 * why a first login failed ("" when none was tried). */
static int create_then_login(struct cardx_cmd *c, struct session *s,
                             const char *login_why)
{
    const char *jid = c->settings->jid;
    int rc = session_register_account(s);
    int exists = rc == SESSION_EEXISTS;

    if (rc == SESSION_OK)
        fprintf(c->out, _("created account %s\n"), jid);
    else if (exists && login_why[0])
        return cmd_fail(c, CARDX_EXIT_AUTH,
                        "login as %s failed: the account exists with "
                        "another password",
                        jid);
    else if (!exists && login_why[0])
        return cmd_fail(c, CARDX_EXIT_AUTH,
                        "%s; and %s cannot be created here: %s (if the "
                        "account exists, check the password)",
                        login_why, jid, session_errmsg(s));
    else if (!exists)
        return cmd_fail(c, cmd_session_status(rc), "cannot create %s: %s", jid,
                        session_errmsg(s));
    rc = session_connect(s);
    if (rc == SESSION_EAUTH && exists)
        return cmd_fail(c, CARDX_EXIT_AUTH,
                        "account %s exists with another password", jid);
    if (rc != SESSION_OK)
        return cmd_fail(c, cmd_session_status(rc), "%s", session_errmsg(s));
    return CARDX_EXIT_OK;
}

/* How register gets a logged-in account (cardx(1) states the rule). It
 * logs in first: most servers allow no open registration (Debian's
 * Prosody registers by invitation only), and an account that exists needs
 * none. A refused login may mean a wrong password or no such account:
 * SASL's not-authorized says the same for both (servers do not tell, and
 * libstrophe 0.12 does not pass the condition on), so only then is the
 * account created, and the server's answer tells which it was (conflict:
 * it exists). --create creates first. */
static int login_or_create(struct cardx_cmd *c, struct session *s, int create)
{
    char why[512] = "";
    int rc;

    if (create)
        return create_then_login(c, s, why);
    rc = session_connect(s);
    if (rc == SESSION_OK)
        return CARDX_EXIT_OK;
    if (rc != SESSION_EAUTH)
        return cmd_fail(c, cmd_session_status(rc), "%s", session_errmsg(s));
    snprintf(why, sizeof(why), "%s", session_errmsg(s));
    return create_then_login(c, s, why);
}

/* Puts the registered number on the own card when it has none. */
static int card_phone(struct cardx_cmd *c, const char *e164)
{
    struct cardstore *cs;
    struct vcard_fields f = {0};
    xmpp_ctx_t *ctx = cmd_xctx(c);
    xmpp_stanza_t *old = NULL, *vcard = NULL;
    char *xml = NULL, *out = NULL;
    int uploaded, status = CARDX_EXIT_ERROR;

    cs = cmd_store(c, &status);
    if (!cs)
        return status;
    if (!ctx || cardstore_self_get(cs, &xml, &uploaded) != CARDSTORE_OK)
        return cmd_fail(c, CARDX_EXIT_ERROR, "cannot read your card");
    old = xml ? vcard_from_text(ctx, xml) : NULL;
    if (old)
        vcard_parse(old, &f);
    if (f.phone) {
        status = CARDX_EXIT_OK;
        goto out;
    }
    if (vcard_fields_set(&f, "phone", e164) == 0)
        vcard = old ? vcard_merge(ctx, old, &f) : vcard_build(ctx, &f);
    out = vcard ? vcard_to_text(vcard) : NULL;
    if (!out || cardstore_self_set(cs, out, 0) != CARDSTORE_OK)
        status = cmd_fail(c, CARDX_EXIT_ERROR, "cannot update your card");
    else
        status = CARDX_EXIT_OK;
out:
    vcard_fields_clear(&f);
    if (old)
        xmpp_stanza_release(old);
    if (vcard)
        xmpp_stanza_release(vcard);
    free(xml);
    free(out);
    return status;
}

/* Remembers the account in the config file, so later commands need no
 * options. Failing to is worth a warning, not a failed registration. */
static void save_settings(struct cardx_cmd *c, const char *e164)
{
    struct cardx_settings *s = c->settings;
    char *err = NULL;

    if (settings_set(s, "phone", e164, &err) < 0 ||
        (!s->component && settings_set(s, "component", c->component, &err)) ||
        settings_save(s, &err) < 0) {
        fprintf(c->err, _("cardx: warning: settings not saved: %s\n"),
                err ? err : "out of memory");
        free(err);
        return;
    }
    fprintf(c->out, _("saved settings to %s\n"),
            s->account_path ? s->account_path : s->config_path);
}

#define REGISTER_USAGE                                                         \
    "usage: cardx register --phone NUMBER [--code CODE] [--create]"

static int register_args(struct cardx_cmd *c, int argc, char **argv,
                         const char **phone, const char **code, int *create)
{
    *phone = c->settings->phone;
    *code = NULL;
    *create = 0;
    for (int i = 1; i < argc; i++) {
        const char *v;

        if (strcmp(argv[i], "--create") == 0) {
            *create = 1;
            continue;
        }
        v = option_value(argc, argv, &i, "--phone");
        if (v) {
            *phone = v;
            continue;
        }
        v = option_value(argc, argv, &i, "--code");
        if (!v)
            return cmd_fail(c, CARDX_EXIT_USAGE, REGISTER_USAGE);
        *code = v;
    }
    if (!*phone)
        return cmd_fail(c, CARDX_EXIT_USAGE, REGISTER_USAGE);
    return CARDX_EXIT_OK;
}

int cmd_register(struct cardx_cmd *c, int argc, char **argv)
{
    struct session *s;
    const char *number, *code;
    char *e164 = NULL;
    int64_t deadline;
    int status, create;

    if (c->in_shell)
        return cmd_fail(c, CARDX_EXIT_USAGE,
                        "register is not available in the shell");
    status = register_args(c, argc, argv, &number, &code, &create);
    if (status != CARDX_EXIT_OK)
        return status;
    s = cmd_session(c, &status);
    if (!s)
        return status;
    status = login_or_create(c, s, create);
    /* Available, so the component's subscription request reaches us. */
    if (status == CARDX_EXIT_OK && session_presence(s, NULL) != SESSION_OK)
        status = cmd_fail(c, CARDX_EXIT_NETWORK, "%s", session_errmsg(s));
    if (status == CARDX_EXIT_OK)
        status = register_phone(c, number, code, &e164);
    if (status != CARDX_EXIT_OK)
        return status;
    fprintf(c->out, _("registered %s for %s\n"),
            e164 ? CMD_PHONE_SHOWN(e164) : number, c->settings->jid);
    deadline = clock_now_ms() + APPROVAL_WAIT_MS;
    while (!session_component_approved(s) && clock_now_ms() < deadline &&
           session_run(s, SLICE_MS) == SESSION_OK)
        ;
    save_settings(c, e164 ? e164 : number);
    status = card_phone(c, e164 ? e164 : number);
    free(e164);
    if (status == CARDX_EXIT_OK)
        status = cmd_upload_self(c, NULL);
    if (status == CARDX_EXIT_OK)
        status = cmd_store_cards(c, NULL);
    return status;
}
