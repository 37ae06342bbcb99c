/* cardx register: logging in (creating the account when asked or needed)
 * and registering the number with cardxd (xep/cardx.md), on libcardx's
 * client (client/cli.h). */
#include "client/cli.h"

#include <stdlib.h>
#include <string.h>

#include "client/settings.h"

#define _(s) cmd_tr(s)

#define REGISTER_USAGE                                                         \
    "usage: cardx register --phone NUMBER [--code CODE] [--create]"

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

/* Registers number with cardxd, proving it with code (given, or asked for
 * once cardxd sent one); *e164 receives the number as cardxd normalised it
 * (the caller's, cardx_free). */
static int register_phone(struct cardx_cmd *c, cardx_client *cl,
                          const char *number, const char *code, char **e164)
{
    char *asked = NULL;
    int need = 0;
    int rc = cardx_client_register_blocking(cl, number, code, &need, e164);

    if (rc == CARDX_OK && need) {
        asked = register_ask_code(c, *e164);
        if (!asked) {
            rc = cmd_fail(c, CARDX_EXIT_USAGE,
                          "a code was sent to %s: give it with cardx "
                          "register --phone %s --code CODE",
                          *e164, number);
            cardx_free(*e164);
            *e164 = NULL;
            return rc;
        }
        cardx_free(*e164);
        rc = cardx_client_register_blocking(cl, number, asked, &need, e164);
        free(asked);
    }
    /* A wrong code (not-authorized) is cardxd's refusal, not a login's. */
    if (rc != CARDX_OK)
        return cmd_fail(
            c, rc == CARDX_E_AUTH ? CARDX_EXIT_REFUSED : cmd_lib_status(rc),
            "%s", cardx_client_errmsg(cl));
    return CARDX_EXIT_OK;
}

/* Creates the account by in-band registration, then logs in. login_why is
 * why a first login failed ("" when none was tried). */
static int create_then_login(struct cardx_cmd *c, cardx_client *cl,
                             const char *login_why)
{
    const char *jid = c->settings->jid;
    int rc = cardx_client_create_account(cl);
    int exists = rc == CARDX_E_EXISTS;

    if (rc == CARDX_OK)
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
                        login_why, jid, cardx_client_errmsg(cl));
    else if (!exists)
        return cmd_fail(c, cmd_lib_status(rc), "cannot create %s: %s", jid,
                        cardx_client_errmsg(cl));
    rc = cardx_client_connect_blocking(cl);
    if (rc == CARDX_E_AUTH && exists)
        return cmd_fail(c, CARDX_EXIT_AUTH,
                        "account %s exists with another password", jid);
    if (rc != CARDX_OK)
        return cmd_fail(c, cmd_lib_status(rc), "%s", cardx_client_errmsg(cl));
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
static int login_or_create(struct cardx_cmd *c, cardx_client *cl, int create)
{
    char why[512] = "";
    int rc;

    if (create)
        return create_then_login(c, cl, why);
    rc = cardx_client_connect_blocking(cl);
    if (rc == CARDX_OK)
        return CARDX_EXIT_OK;
    if (rc != CARDX_E_AUTH && rc != CARDX_E_NO_ACCOUNT)
        return cmd_fail(c, cmd_lib_status(rc), "%s", cardx_client_errmsg(cl));
    snprintf(why, sizeof(why), "%s", cardx_client_errmsg(cl));
    return create_then_login(c, cl, why);
}

/* Puts the registered number on the own card when it has none. */
static int card_phone(struct cardx_cmd *c, cardx_store *st, const char *e164)
{
    cardx_card *card = NULL;
    int rc = cardx_store_self_get(st, &card, NULL);

    if (rc == CARDX_E_NOTFOUND)
        card = cardx_card_new();
    else if (rc != CARDX_OK)
        return cmd_fail(c, CARDX_EXIT_ERROR, "cannot read your card");
    rc = CARDX_OK;
    if (!card || !cardx_card_get(card, "phone")) {
        rc = card ? cardx_card_set(card, "phone", e164) : CARDX_E_NOMEM;
        if (rc == CARDX_OK)
            rc = cardx_store_self_set(st, card);
    }
    cardx_card_free(card);
    if (rc != CARDX_OK)
        return cmd_fail(c, CARDX_EXIT_ERROR, "cannot update your card");
    return CARDX_EXIT_OK;
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
        v = cmd_option_value(argc, argv, &i, "--phone");
        if (v) {
            *phone = v;
            continue;
        }
        v = cmd_option_value(argc, argv, &i, "--code");
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
    cardx_client *cl;
    const char *number, *code;
    char *e164 = NULL;
    int status, create, rc;

    if (c->in_shell)
        return cmd_fail(c, CARDX_EXIT_USAGE,
                        "register is not available in the shell");
    status = register_args(c, argc, argv, &number, &code, &create);
    if (status != CARDX_EXIT_OK)
        return status;
    cl = cmd_lib_client(c, &status);
    if (!cl)
        return status;
    /* Online is also available, so the component's subscription request
     * reaches us (the library approves it). */
    status = login_or_create(c, cl, create);
    if (status == CARDX_EXIT_OK)
        status = register_phone(c, cl, number, code, &e164);
    if (status != CARDX_EXIT_OK)
        return status;
    fprintf(c->out, _("registered %s for %s\n"),
            e164 ? CMD_PHONE_SHOWN(e164) : number, c->settings->jid);
    /* cardxd's subscription request and the cards that wait come now. */
    rc = cardx_client_run_until_idle(cl, c->settings->quiet_ms);
    save_settings(c, e164 ? e164 : number);
    status = card_phone(c, cardx_client_store(cl), e164 ? e164 : number);
    cardx_free(e164);
    if (status == CARDX_EXIT_OK && rc == CARDX_OK)
        rc = cardx_client_upload_self_blocking(cl);
    if (status == CARDX_EXIT_OK && rc != CARDX_OK)
        status = cmd_fail(c, cmd_lib_status(rc), "%s", cardx_client_errmsg(cl));
    return status;
}
