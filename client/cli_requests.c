/* cardx consent and cardx requests: who may send you cards (anyone, your
 * contacts, or ask) and the cards waiting for your consent (xep/cardx.md,
 * consent), on libcardx's client (client/cli.h). */
#include "client/cli.h"

#include <stdlib.h>
#include <string.h>

#include "client/settings.h"

#define _(s) cmd_tr(s)
#define P_(one, many, n) cmd_trn(one, many, n)

#define CONSENT_USAGE "usage: cardx consent [anyone | contacts | ask]"
#define REQUESTS_USAGE "usage: cardx requests [list | accept ID | decline ID]"

static const char *const mode_names[] = {"anyone", "contacts", "ask"};

/* The mode named by name; -1 when it names none. */
static int mode_of(const char *name)
{
    for (int i = 0; i < 3; i++) {
        if (strcmp(name, mode_names[i]) == 0)
            return i;
    }
    return -1;
}

/* Prints what the mode now set means. */
static void print_mode_set(struct cardx_cmd *c, enum cardx_consent mode,
                           size_t count)
{
    if (mode == CARDX_CONSENT_ANYONE) {
        fputs(_("anyone may send you cards\n"), c->out);
        return;
    }
    fprintf(c->out,
            mode == CARDX_CONSENT_ASK
                ? P_("ask: cards from the %zu number of your contacts "
                     "arrive; others wait as requests (cardx requests)\n",
                     "ask: cards from the %zu numbers of your contacts "
                     "arrive; others wait as requests (cardx requests)\n",
                     count)
                : P_("contacts: cards from the %zu number of your "
                     "contacts arrive; others are dropped (their senders "
                     "are not told)\n",
                     "contacts: cards from the %zu numbers of your "
                     "contacts arrive; others are dropped (their senders "
                     "are not told)\n",
                     count),
            count);
}

int cmd_consent(struct cardx_cmd *c, int argc, char **argv)
{
    const char *name = argc == 2 ? argv[1] : NULL;
    int mode = name ? mode_of(name) : 0;
    enum cardx_consent got;
    cardx_client *cl;
    size_t count = 0;
    int status, rc;

    if (argc > 2 || mode < 0)
        return cmd_fail(c, CARDX_EXIT_USAGE, CONSENT_USAGE);
    cl = cmd_lib_online(c, &status);
    if (!cl)
        return status;
    if (!name) {
        rc = cardx_client_consent_get_blocking(cl, &got);
        if (rc == CARDX_OK)
            fprintf(c->out, "%s\n", mode_names[got]);
    } else {
        rc = cardx_client_consent_set_blocking(cl, (enum cardx_consent)mode,
                                               &count);
        if (rc == CARDX_OK)
            print_mode_set(c, (enum cardx_consent)mode, count);
    }
    if (rc != CARDX_OK)
        return cmd_fail(c, cmd_lib_status(rc), "%s", cardx_client_errmsg(cl));
    return CARDX_EXIT_OK;
}

static int requests_list(struct cardx_cmd *c, cardx_client *cl)
{
    cardx_request **list = NULL;
    size_t n = 0;
    int rc = cardx_client_requests_blocking(cl, &list, &n);

    if (rc != CARDX_OK)
        return cmd_fail(c, cmd_lib_status(rc), "%s", cardx_client_errmsg(cl));
    for (size_t i = 0; i < n; i++) {
        const char *id = cardx_request_id(list[i]);
        const char *from = cardx_request_from(list[i]);
        const char *name = cardx_request_name(list[i]);
        const char *when = cardx_request_received(list[i]);
        const char *note = cardx_request_note(list[i]);

        fprintf(c->out, "%s  %s  %s  %s\n", id ? id : "?",
                from ? CMD_PHONE_SHOWN(from) : "?", name ? name : "-",
                when ? when : "");
        if (note)
            fprintf(c->out, _("    note \"%s\"\n"), note);
    }
    if (n == 0)
        fputs(_("no cards wait for your consent\n"), c->out);
    cardx_requests_free(list);
    return CARDX_EXIT_OK;
}

/* accept ID (then the card arrives: it is stored like any other) or
 * decline ID. */
static int requests_answer(struct cardx_cmd *c, cardx_client *cl,
                           const char *verb, const char *id)
{
    int accept = strcmp(verb, "accept") == 0;
    uint32_t request = 0;
    int rc;

    /* The accepted card may come before the answer. */
    c->lib_added = 0;
    rc = cardx_client_request_answer(cl, id, accept, &request);

    if (rc == CARDX_OK)
        rc = cardx_client_wait(cl, request);
    if (rc != CARDX_OK)
        return cmd_fail(c, cmd_lib_status(rc), "%s", cardx_client_errmsg(cl));
    if (!accept) {
        fprintf(c->out, _("declined %s: deleted, its sender is not told\n"),
                id);
        return CARDX_EXIT_OK;
    }
    fprintf(c->out,
            _("accepted %s: its sender may send you cards from now on\n"), id);
    rc = cardx_client_run_until_idle(cl, c->settings->quiet_ms);
    if (rc != CARDX_OK)
        return cmd_fail(c, cmd_lib_status(rc), "%s", cardx_client_errmsg(cl));
    cmd_print_count(c, c->lib_added);
    return CARDX_EXIT_OK;
}

int cmd_requests(struct cardx_cmd *c, int argc, char **argv)
{
    const char *sub = argc > 1 ? argv[1] : "list";
    cardx_client *cl;
    int status;

    if (!((strcmp(sub, "list") == 0 && argc <= 2) ||
          ((strcmp(sub, "accept") == 0 || strcmp(sub, "decline") == 0) &&
           argc == 3)))
        return cmd_fail(c, CARDX_EXIT_USAGE, REQUESTS_USAGE);
    cl = cmd_lib_online(c, &status);
    if (!cl)
        return status;
    if (strcmp(sub, "list") == 0)
        return requests_list(c, cl);
    return requests_answer(c, cl, sub, argv[2]);
}
