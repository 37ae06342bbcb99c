/* cardx card profile: the named profiles of the user's card that cardxd
 * keeps, each a list of the fields a recipient sees (xep/cardx.md,
 * profiles). */
#include "client/commands_int.h"

#include <stdlib.h>
#include <string.h>

#include "card/vcard_photo.h"
#include "xep/ns.h"
#include "xep/stanza.h"

#define PROFILE_USAGE                                                          \
    "usage: cardx card profile [list | show NAME | set NAME FIELD... | "       \
    "delete NAME | default NAME]"

/* Sends an iq with one <name xmlns=urn:cardx:0/> child filled by fill,
 * and waits; *reply (may be NULL) for the caller to release. Returns the
 * exit status after reporting. */
static int profile_request(struct cardx_cmd *c, const char *type,
                           const char *name, const char *profile, int argc,
                           char **argv, const char *flag, xmpp_stanza_t **reply)
{
    xmpp_ctx_t *ctx = session_ctx(c->session);
    xmpp_stanza_t *iq = xmpp_iq_new(ctx, type, NULL), *f;
    xmpp_stanza_t *el = iq ? stanza_add_child(ctx, iq, name, NS_CARDX) : NULL;
    int ok = el && xmpp_stanza_set_to(iq, c->component) == XMPP_EOK &&
             (!profile || !xmpp_stanza_set_attribute(el, "name", profile)) &&
             (!flag || !xmpp_stanza_set_attribute(el, flag, "true"));
    int rc;

    for (int i = 0; ok && i < argc; i++) {
        f = stanza_add_child(ctx, el, "field", NULL);
        ok = f && !xmpp_stanza_set_attribute(f, "var", argv[i]);
    }
    if (!ok) {
        if (iq)
            xmpp_stanza_release(iq);
        return cmd_fail(c, CARDX_EXIT_ERROR, "out of memory");
    }
    rc = session_iq(c->session, iq, reply);
    xmpp_stanza_release(iq);
    if (rc != SESSION_OK)
        return cmd_fail(c, cmd_iq_status(c, rc), "%s",
                        session_errmsg(c->session));
    return CARDX_EXIT_OK;
}

/* Prints each profile of the reply (only only, when not NULL). Returns
 * how many were printed. */
static int print_profiles(struct cardx_cmd *c, xmpp_stanza_t *reply,
                          const char *only)
{
    xmpp_stanza_t *list =
        xmpp_stanza_get_child_by_name_and_ns(reply, "profiles", NS_CARDX);
    int n = 0;

    for (xmpp_stanza_t *p = list ? xmpp_stanza_get_children(list) : NULL; p;
         p = xmpp_stanza_get_next(p)) {
        const char *name = xmpp_stanza_get_attribute(p, "name");

        if (!xmpp_stanza_is_tag(p) || !name || (only && strcmp(name, only)))
            continue;
        fprintf(c->out, "%s%s:", name,
                xmpp_stanza_get_attribute(p, "default") ? " (default)" : "");
        for (xmpp_stanza_t *f = xmpp_stanza_get_children(p); f;
             f = xmpp_stanza_get_next(f)) {
            const char *var = xmpp_stanza_is_tag(f)
                                  ? xmpp_stanza_get_attribute(f, "var")
                                  : NULL;

            if (var)
                fprintf(c->out, " %s", var);
        }
        fputc('\n', c->out);
        n++;
    }
    return n;
}

static int profile_show(struct cardx_cmd *c, const char *only)
{
    xmpp_stanza_t *reply = NULL;
    int status =
        profile_request(c, "get", "profiles", NULL, 0, NULL, NULL, &reply);

    if (status != CARDX_EXIT_OK)
        return status;
    if (print_profiles(c, reply, only) == 0) {
        if (only)
            status = cmd_fail(c, CARDX_EXIT_ERROR, "no profile '%s'", only);
        else
            fprintf(c->out, "no profiles: recipients get your whole card\n");
    }
    xmpp_stanza_release(reply);
    return status;
}

/* Checks the field names here, so that a typo is told before going
 * online. */
static int fields_known(struct cardx_cmd *c, int argc, char **argv)
{
    const char *const *names = vcard_field_names();

    for (int i = 0; i < argc; i++) {
        size_t k = 0;

        while (names[k] && strcmp(names[k], argv[i]) != 0)
            k++;
        if (!names[k] && strcmp(argv[i], VCARD_PHOTO_FIELD) != 0)
            return cmd_fail(c, CARDX_EXIT_USAGE, "unknown card field '%s'",
                            argv[i]);
    }
    return CARDX_EXIT_OK;
}

int cmd_card_profile(struct cardx_cmd *c, int argc, char **argv)
{
    const char *sub = argc > 1 ? argv[1] : "list";
    const char *name = argc > 2 ? argv[2] : NULL;
    int status;

    if (!((strcmp(sub, "list") == 0 && argc <= 2) ||
          (strcmp(sub, "set") == 0 && argc >= 4) ||
          ((strcmp(sub, "show") == 0 || strcmp(sub, "delete") == 0 ||
            strcmp(sub, "default") == 0) &&
           argc == 3)))
        return cmd_fail(c, CARDX_EXIT_USAGE, PROFILE_USAGE);
    if (strcmp(sub, "set") == 0 &&
        (status = fields_known(c, argc - 3, argv + 3)) != CARDX_EXIT_OK)
        return status;
    if (!cmd_online(c, &status))
        return status;
    if (strcmp(sub, "list") == 0 || strcmp(sub, "show") == 0)
        return profile_show(c, name);
    if (strcmp(sub, "set") == 0)
        status = profile_request(c, "set", "profile", name, argc - 3, argv + 3,
                                 NULL, NULL);
    else
        status = profile_request(
            c, "set", "profile", name, 0, NULL,
            strcmp(sub, "delete") == 0 ? "remove" : "default", NULL);
    if (status == CARDX_EXIT_OK && strcmp(sub, "default") == 0)
        fprintf(c->out, "the default profile is now %s\n", name);
    else if (status == CARDX_EXIT_OK)
        fprintf(c->out, "%s profile %s\n",
                strcmp(sub, "set") == 0 ? "stored" : "deleted", name);
    return status;
}
