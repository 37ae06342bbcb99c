/* cardx block, unblock and blocked: the numbers whose cards cardxd drops,
 * on libcardx's client (client/cli.h). */
#include "client/cli.h"

#include <stdlib.h>
#include <string.h>

#define _(s) cmd_tr(s)

/* block NUMBER and unblock NUMBER. */
static int block_change(struct cardx_cmd *c, int argc, char **argv,
                        const char *name)
{
    cardx_client *cl;
    int status, rc;

    if (argc != 2 || argv[1][0] == '-')
        return cmd_fail(c, CARDX_EXIT_USAGE, "usage: cardx %s NUMBER", name);
    cl = cmd_lib_online(c, &status);
    if (!cl)
        return status;
    rc = cardx_client_block_blocking(cl, argv[1], strcmp(name, "block") == 0);
    if (rc != CARDX_OK)
        return cmd_fail(c, cmd_lib_status(rc), "%s", cardx_client_errmsg(cl));
    fprintf(c->out,
            strcmp(name, "block") == 0 ? _("blocked %s\n")
                                       : _("unblocked %s\n"),
            argv[1]);
    return CARDX_EXIT_OK;
}

int cmd_block(struct cardx_cmd *c, int argc, char **argv)
{
    return block_change(c, argc, argv, "block");
}

int cmd_unblock(struct cardx_cmd *c, int argc, char **argv)
{
    return block_change(c, argc, argv, "unblock");
}

int cmd_blocked(struct cardx_cmd *c, int argc, char **argv)
{
    cardx_client *cl;
    char **numbers = NULL;
    size_t n = 0;
    int status, rc;

    (void)argv;
    if (argc != 1)
        return cmd_fail(c, CARDX_EXIT_USAGE, "usage: cardx blocked");
    cl = cmd_lib_online(c, &status);
    if (!cl)
        return status;
    rc = cardx_client_blocklist_blocking(cl, &numbers, &n);
    if (rc != CARDX_OK)
        return cmd_fail(c, cmd_lib_status(rc), "%s", cardx_client_errmsg(cl));
    for (size_t i = 0; i < n; i++) {
        char shown[64];

        fprintf(c->out, "%s\n",
                cmd_phone_shown(numbers[i], shown, sizeof(shown)));
    }
    if (n == 0)
        fputs(_("no blocked numbers\n"), c->out);
    cardx_strv_free(numbers);
    return CARDX_EXIT_OK;
}
