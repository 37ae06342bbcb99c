/* cardx inbox: received cards, read like mail and saved to the contacts. */
#include "client/commands_int.h"

#include <stdlib.h>
#include <string.h>

/* "Alice Wang, Changhong" or whatever part is known. */
static void print_who(FILE *out, const struct vcard_fields *f)
{
    const char *name = f->name ? f->name : "(no name)";

    fputs(name, out);
    if (f->org)
        fprintf(out, ", %s", f->org);
}

static int list_one(void *ud, const struct cardstore_card *card)
{
    struct cardx_cmd *c = ud;
    char when[32];

    cmd_format_time(card->received, when, sizeof(when));
    fprintf(c->out, "#%-4lld %s  %-17s ", (long long)card->id, when,
            CMD_PHONE_SHOWN(card->sender_phone));
    print_who(c->out, &card->f);
    if (card->note)
        fprintf(c->out, "  \"%s\"", card->note);
    cmd_print_update(c, cmd_cardstore(c), card->id, 0);
    fputc('\n', c->out);
    return 0;
}

static int inbox_list(struct cardx_cmd *c, struct cardstore *cs, int argc,
                      char **argv)
{
    int64_t n = 0;

    (void)argc;
    (void)argv;
    if (cardstore_inbox_count(cs, &n) != CARDSTORE_OK ||
        (n > 0 && cardstore_inbox_list(cs, list_one, c) < 0))
        return cmd_fail(c, CARDX_EXIT_ERROR, "%s", cardstore_errmsg(cs));
    if (n == 0)
        fputs(_("the inbox is empty\n"), c->out);
    return CARDX_EXIT_OK;
}

/* The inbox card N, or NULL after reporting (status set). */
static struct cardstore_card *get_card(struct cardx_cmd *c,
                                       struct cardstore *cs, const char *arg,
                                       int *status)
{
    struct cardstore_card *card = NULL;
    int64_t id = cmd_parse_id(arg);
    int rc;

    if (id < 0) {
        *status =
            cmd_fail(c, CARDX_EXIT_USAGE, "'%s' is not an inbox number", arg);
        return NULL;
    }
    rc = cardstore_inbox_get(cs, id, &card);
    if (rc == CARDSTORE_ENOTFOUND)
        *status = cmd_fail(c, CARDX_EXIT_ERROR, "no card #%lld in the inbox",
                           (long long)id);
    else if (rc != CARDSTORE_OK)
        *status = cmd_fail(c, CARDX_EXIT_ERROR, "%s", cardstore_errmsg(cs));
    return rc == CARDSTORE_OK ? card : NULL;
}

static int inbox_show(struct cardx_cmd *c, struct cardstore *cs, int argc,
                      char **argv)
{
    struct cardstore_card *card;
    char when[32];
    int status = CARDX_EXIT_OK;

    if (argc != 1)
        return cmd_fail(c, CARDX_EXIT_USAGE, "usage: cardx inbox show N");
    card = get_card(c, cs, argv[0], &status);
    if (!card)
        return status;
    cmd_format_time(card->received, when, sizeof(when));
    fprintf(c->out, _("inbox #%lld from %s, received %s\n"),
            (long long)card->id, CMD_PHONE_SHOWN(card->sender_phone), when);
    if (card->note)
        fprintf(c->out, "note     \"%s\"\n", card->note);
    cmd_print_update(c, cs, card->id, 1);
    cmd_print_fields(c, &card->f);
    cmd_print_photo_xml(c, card->vcard_xml);
    cardstore_card_free(card);
    return CARDX_EXIT_OK;
}

/* Saves inbox card id. Only when a contact has the same number does merge
 * matter: --merge or --new decide, else the user is asked. */
static int save_one(struct cardx_cmd *c, struct cardstore *cs, int64_t id,
                    enum cardstore_merge merge, enum merge_side side)
{
    struct cardstore_card *other = NULL, *card = NULL;
    int64_t contact = 0;
    char question[256];
    int handled = 0, status = cmd_save_update(c, cs, id, side, &handled);
    int rc;

    if (status != CARDX_EXIT_OK || handled)
        return status;
    /* Kept for the base of its updates (cmd_saved_from); a card that is
     * not there is reported by the save below. */
    rc = cardstore_inbox_get(cs, id, &card);
    if (rc < 0 && rc != CARDSTORE_ENOTFOUND)
        return cmd_fail(c, CARDX_EXIT_ERROR, "%s", cardstore_errmsg(cs));
    rc = cardstore_inbox_save(cs, id, CARDSTORE_MERGE_ASK, &contact);
    if (rc == CARDSTORE_OK)
        merge = CARDSTORE_MERGE_NEW;
    if (rc == CARDSTORE_EEXISTS && merge == CARDSTORE_MERGE_ASK) {
        if (!c->interactive) {
            cardstore_card_free(card);
            return cmd_fail(c, CARDX_EXIT_USAGE,
                            "inbox #%lld: contact %lld has the same number: "
                            "add --merge to merge into it or --new to keep "
                            "both",
                            (long long)id, (long long)contact);
        }
        cardstore_contact_get(cs, contact, &other);
        snprintf(question, sizeof(question),
                 "inbox #%lld: merge into contact %lld (%s)?", (long long)id,
                 (long long)contact,
                 other && other->f.name ? other->f.name : "no name");
        cardstore_card_free(other);
        merge =
            cmd_ask(c, question) ? CARDSTORE_MERGE_INTO : CARDSTORE_MERGE_NEW;
    }
    if (rc == CARDSTORE_EEXISTS)
        rc = cardstore_inbox_save(cs, id, merge, &contact);
    if (rc == CARDSTORE_OK && card)
        status = cmd_saved_from(c, cs, card, contact);
    cardstore_card_free(card);
    if (rc == CARDSTORE_ENOTFOUND)
        return cmd_fail(c, CARDX_EXIT_ERROR, "no card #%lld in the inbox",
                        (long long)id);
    if (rc != CARDSTORE_OK)
        return cmd_fail(c, CARDX_EXIT_ERROR, "%s", cardstore_errmsg(cs));
    if (status != CARDX_EXIT_OK)
        return status;
    if (merge == CARDSTORE_MERGE_INTO)
        fprintf(c->out, _("merged inbox #%lld into contact %lld\n"),
                (long long)id, (long long)contact);
    else
        fprintf(c->out, _("saved inbox #%lld as contact %lld\n"), (long long)id,
                (long long)contact);
    return CARDX_EXIT_OK;
}

/* Collects every inbox id, for save --all. */
struct id_list {
    int64_t *ids;
    size_t n;
    int failed;
};

static int collect_id(void *ud, const struct cardstore_card *card)
{
    struct id_list *l = ud;
    int64_t *grown = realloc(l->ids, (l->n + 1) * sizeof(*grown));

    if (!grown) {
        l->failed = 1;
        return 1;
    }
    l->ids = grown;
    l->ids[l->n++] = card->id;
    return 0;
}

/* Reads save's arguments: ids, --all, --merge, --new. */
static int save_args(struct cardx_cmd *c, struct cardstore *cs, int argc,
                     char **argv, struct id_list *l,
                     enum cardstore_merge *merge, enum merge_side *side)
{
    int all = 0;

    *merge = CARDSTORE_MERGE_ASK;
    *side = MERGE_ASK;
    for (int i = 0; i < argc; i++) {
        int64_t id = cmd_parse_id(argv[i]);

        if (strcmp(argv[i], "--all") == 0)
            all = 1;
        else if (strcmp(argv[i], "--merge") == 0)
            *merge = CARDSTORE_MERGE_INTO;
        else if (strcmp(argv[i], "--new") == 0)
            *merge = CARDSTORE_MERGE_NEW;
        else if (strcmp(argv[i], "--theirs") == 0)
            *side = MERGE_THEIRS;
        else if (strcmp(argv[i], "--mine") == 0)
            *side = MERGE_MINE;
        else if (id < 0)
            return cmd_fail(c, CARDX_EXIT_USAGE, "'%s' is not an inbox number",
                            argv[i]);
        else if (collect_id(l, &(struct cardstore_card){.id = id}) != 0)
            return cmd_fail(c, CARDX_EXIT_ERROR, "out of memory");
    }
    if (all && l->n)
        return cmd_fail(c, CARDX_EXIT_USAGE, "give numbers or --all, not both");
    if (!all && !l->n)
        return cmd_fail(c, CARDX_EXIT_USAGE,
                        "usage: cardx inbox save N... | --all [--merge | "
                        "--new] [--theirs | --mine]");
    if (all && (cardstore_inbox_list(cs, collect_id, l) < 0 || l->failed))
        return cmd_fail(c, CARDX_EXIT_ERROR, "%s",
                        l->failed ? "out of memory" : cardstore_errmsg(cs));
    if (all && !l->n)
        fputs(_("the inbox is empty\n"), c->out);
    return CARDX_EXIT_OK;
}

static int inbox_save(struct cardx_cmd *c, struct cardstore *cs, int argc,
                      char **argv)
{
    struct id_list l = {0};
    enum cardstore_merge merge;
    enum merge_side side;
    int status = save_args(c, cs, argc, argv, &l, &merge, &side);

    for (size_t i = 0; status == CARDX_EXIT_OK && i < l.n; i++)
        status = save_one(c, cs, l.ids[i], merge, side);
    free(l.ids);
    return status;
}

static int inbox_delete(struct cardx_cmd *c, struct cardstore *cs, int argc,
                        char **argv)
{
    if (argc < 1)
        return cmd_fail(c, CARDX_EXIT_USAGE, "usage: cardx inbox delete N...");
    for (int i = 0; i < argc; i++) {
        int64_t id = cmd_parse_id(argv[i]);
        int status, rc;

        if (id < 0)
            return cmd_fail(c, CARDX_EXIT_USAGE, "'%s' is not an inbox number",
                            argv[i]);
        status = cmd_card_dropped(c, cs, id);
        if (status != CARDX_EXIT_OK)
            return status;
        rc = cardstore_inbox_delete(cs, id);
        if (rc == CARDSTORE_ENOTFOUND)
            return cmd_fail(c, CARDX_EXIT_ERROR, "no card #%lld in the inbox",
                            (long long)id);
        if (rc != CARDSTORE_OK)
            return cmd_fail(c, CARDX_EXIT_ERROR, "%s", cardstore_errmsg(cs));
        fprintf(c->out, _("deleted inbox #%lld\n"), (long long)id);
    }
    return CARDX_EXIT_OK;
}

static const struct cmd_sub inbox_subs[] = {
    {"list", inbox_list, 0}, {"show", inbox_show, 1},
    {"save", inbox_save, 1}, {"delete", inbox_delete, 1},
    {NULL, NULL, 0},
};

int cmd_inbox(struct cardx_cmd *c, int argc, char **argv)
{
    return cmd_dispatch(c, inbox_subs, argc, argv,
                        "usage: cardx inbox [list | show N | save N... | "
                        "delete N...]");
}
