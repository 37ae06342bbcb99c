/* cardx send and sync: a card to a number, and the cards that wait, on
 * libcardx's client (client/cli.h). */
#include "client/cli.h"

#include <stdlib.h>
#include <string.h>

#include "client/settings.h"

#define _(s) cmd_tr(s)
#define N_(s) s
#define P_(one, many, n) cmd_trn(one, many, n)

/* Marked for extraction; cmd_fail() translates it when printed. */
#define SEND_USAGE N_("usage: cardx send NUMBER [--note TEXT] [--profile NAME]")

static int send_args(struct cardx_cmd *c, int argc, char **argv,
                     const char **number, const char **note,
                     const char **profile)
{
    *number = NULL;
    *note = NULL;
    *profile = NULL;
    for (int i = 1; i < argc; i++) {
        const char *v = cmd_option_value(argc, argv, &i, "--note");
        const char *p =
            v ? NULL : cmd_option_value(argc, argv, &i, "--profile");

        if (v)
            *note = v;
        else if (p)
            *profile = p;
        else if (argv[i][0] == '-' && argv[i][1] == '-')
            return cmd_fail(c, CARDX_EXIT_USAGE, "unknown option '%s'",
                            argv[i]);
        else if (!*number)
            *number = argv[i];
        else
            return cmd_fail(c, CARDX_EXIT_USAGE, SEND_USAGE);
    }
    if (!*number)
        return cmd_fail(c, CARDX_EXIT_USAGE, SEND_USAGE);
    return CARDX_EXIT_OK;
}

int cmd_send(struct cardx_cmd *c, int argc, char **argv)
{
    enum cardx_send_status sent = CARDX_SEND_QUEUED;
    const char *number, *note, *profile;
    cardx_client *cl;
    char *card_id = NULL;
    int status, rc;

    status = send_args(c, argc, argv, &number, &note, &profile);
    if (status != CARDX_EXIT_OK)
        return status;
    cl = cmd_lib_online(c, &status);
    if (!cl)
        return status;
    /* The card sent is the one cardxd holds: a changed one goes first. */
    rc = cardx_client_upload_self_blocking(cl);
    if (rc == CARDX_OK) {
        c->sent_to[0] = '\0';
        c->send_reason[0] = '\0';
        rc = cardx_client_send_profile_blocking(cl, number, note, profile,
                                                &sent, &card_id);
    }
    /* cardxd's reason, with cardx's words around it in the same language. */
    if (rc != CARDX_OK && c->send_reason[0])
        return cmd_fail(c, cmd_lib_status(rc), "cannot send to %s: %s", number,
                        c->send_reason);
    if (rc != CARDX_OK)
        return cmd_fail(c, cmd_lib_status(rc), "%s", cardx_client_errmsg(cl));
    fprintf(c->out, "%s: card %s to %s\n",
            sent == CARDX_SEND_DELIVERED ? "delivered" : "queued",
            card_id ? card_id : "?", c->sent_to[0] ? c->sent_to : number);
    cardx_free(card_id);
    return CARDX_EXIT_OK;
}

void cmd_print_count(struct cardx_cmd *c, int added)
{
    if (added)
        fprintf(c->out, P_("%d new card\n", "%d new cards\n", (unsigned)added),
                added);
    else
        fputs(_("no new cards\n"), c->out);
}

/* 1 when the own card is set and cardxd does not have this version. */
static int card_pending(cardx_store *st)
{
    cardx_card *card = NULL;
    int uploaded = 1;

    if (cardx_store_self_get(st, &card, &uploaded) != CARDX_OK)
        return 0;
    cardx_card_free(card);
    return !uploaded;
}

int cmd_sync(struct cardx_cmd *c, int argc, char **argv)
{
    cardx_client *cl;
    size_t count = 0;
    int status, pending, told = 0, rc;

    (void)argv;
    if (argc != 1)
        return cmd_fail(c, CARDX_EXIT_USAGE, "usage: cardx sync");
    cl = cmd_lib_client(c, &status);
    if (!cl)
        return status;
    pending = card_pending(cardx_client_store(cl));
    c->lib_added = 0;
    /* Going online uploads a changed card, tells the choices about
     * updates made offline and asks for what waits. */
    if (!cmd_lib_online(c, &status))
        return status;
    rc = cardx_client_upload_self_blocking(cl);
    if (rc != CARDX_OK)
        return cmd_fail(c, cmd_lib_status(rc), "%s", cardx_client_errmsg(cl));
    if (pending)
        fputs(_("uploaded your card\n"), c->out);
    /* Not fatal: the cards still come; the next sync tells it again. */
    if (cardx_client_consent_refresh_blocking(cl, &told, &count) != CARDX_OK)
        fputs(_("cardx: your contacts' numbers are not up to date at "
                "cardxd\n"),
              c->err);
    else if (told)
        fprintf(c->out,
                P_("told cardxd the number of your %zu contact\n",
                   "told cardxd the numbers of your %zu contacts\n", count),
                count);
    rc = cardx_client_flush_updates(cl);
    if (rc == CARDX_OK)
        rc = cardx_client_run_until_idle(cl, c->settings->quiet_ms);
    if (rc != CARDX_OK)
        return cmd_fail(c, cmd_lib_status(rc), "%s", cardx_client_errmsg(cl));
    cmd_print_count(c, c->lib_added);
    return CARDX_EXIT_OK;
}
