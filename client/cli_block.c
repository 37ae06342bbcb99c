/* cardx block, unblock and blocked: the numbers whose cards cardxd drops
 * for you (xep/cardx.md, blocking). */
#include "client/commands_int.h"

#include <stdlib.h>
#include <string.h>

#include "xep/ns.h"
#include "xep/stanza.h"

/* An iq to the component with one child <name xmlns=urn:cardx:0/>, with
 * phone as its attribute unless NULL. NULL when memory ran out. */
static xmpp_stanza_t *block_iq(struct cardx_cmd *c, const char *type,
                               const char *name, const char *phone)
{
    xmpp_ctx_t *ctx = session_ctx(c->session);
    xmpp_stanza_t *iq = xmpp_iq_new(ctx, type, NULL);
    xmpp_stanza_t *el = iq ? stanza_add_child(ctx, iq, name, NS_CARDX) : NULL;

    if (!el || xmpp_stanza_set_to(iq, c->component) != XMPP_EOK ||
        (phone && xmpp_stanza_set_attribute(el, "phone", phone))) {
        if (iq)
            xmpp_stanza_release(iq);
        return NULL;
    }
    return iq;
}

/* Sends the iq (consumed) and waits; *reply (may be NULL) for the caller
 * to release. Returns the exit status, after reporting a failure as
 * "cannot WHAT: why". */
static int block_request(struct cardx_cmd *c, xmpp_stanza_t *iq,
                         xmpp_stanza_t **reply, const char *what)
{
    int rc;

    if (!iq)
        return cmd_fail(c, CARDX_EXIT_ERROR, "out of memory");
    rc = session_iq(c->session, iq, reply);
    xmpp_stanza_release(iq);
    if (rc != SESSION_OK)
        return cmd_fail(c, cmd_iq_status(c, rc), "cannot %s: %s", what,
                        session_errmsg(c->session));
    return CARDX_EXIT_OK;
}

/* block NUMBER and unblock NUMBER. */
static int block_change(struct cardx_cmd *c, int argc, char **argv,
                        const char *name)
{
    char what[128];
    int status;

    if (argc != 2 || argv[1][0] == '-')
        return cmd_fail(c, CARDX_EXIT_USAGE, "usage: cardx %s NUMBER", name);
    if (!cmd_online(c, &status))
        return status;
    snprintf(what, sizeof(what), "%s %s", name, argv[1]);
    status = block_request(c, block_iq(c, "set", name, argv[1]), NULL, what);
    if (status == CARDX_EXIT_OK)
        fprintf(c->out,
                strcmp(name, "block") == 0 ? _("blocked %s\n")
                                           : _("unblocked %s\n"),
                argv[1]);
    return status;
}

int cmd_block(struct cardx_cmd *c, int argc, char **argv)
{
    return block_change(c, argc, argv, "block");
}

int cmd_unblock(struct cardx_cmd *c, int argc, char **argv)
{
    return block_change(c, argc, argv, "unblock");
}

/* Prints the phone of each <item/> of the reply's <blocklist/>. */
static void print_blocklist(struct cardx_cmd *c, xmpp_stanza_t *reply)
{
    xmpp_stanza_t *list =
        xmpp_stanza_get_child_by_name_and_ns(reply, "blocklist", NS_CARDX);
    int n = 0;

    for (xmpp_stanza_t *it = list ? xmpp_stanza_get_children(list) : NULL; it;
         it = xmpp_stanza_get_next(it)) {
        const char *name = xmpp_stanza_get_name(it);
        const char *phone = xmpp_stanza_get_attribute(it, "phone");

        if (xmpp_stanza_is_tag(it) && name && strcmp(name, "item") == 0 &&
            phone) {
            fprintf(c->out, "%s\n", CMD_PHONE_SHOWN(phone));
            n++;
        }
    }
    if (n == 0)
        fputs(_("no blocked numbers\n"), c->out);
}

int cmd_blocked(struct cardx_cmd *c, int argc, char **argv)
{
    xmpp_stanza_t *reply = NULL;
    int status;

    (void)argv;
    if (argc != 1)
        return cmd_fail(c, CARDX_EXIT_USAGE, "usage: cardx blocked");
    if (!cmd_online(c, &status))
        return status;
    status = block_request(c, block_iq(c, "get", "blocklist", NULL), &reply,
                           "list blocked numbers");
    if (status == CARDX_EXIT_OK)
        print_blocklist(c, reply);
    if (reply)
        xmpp_stanza_release(reply);
    return status;
}
