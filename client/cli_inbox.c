/* cardx inbox: received cards, read like mail and saved to the contacts,
 * updates of saved cards merged into them, on libcardx's store
 * (client/cli.h). */
#include "client/cli.h"

#include <stdlib.h>
#include <string.h>

#define _(s) cmd_tr(s)

/* "email, title" from "email title": the caller frees it. */
static char *changed_text(const char *changed)
{
    size_t len = changed ? strlen(changed) : 0;
    char *text, *t;

    if (!len)
        return strdup("nothing shown");
    text = malloc(2 * len + 1);
    if (!text)
        return NULL;
    t = text;
    for (const char *p = changed; *p; p++) {
        if (*p != ' ') {
            *t++ = *p;
        } else if (t > text && t[-1] != ' ' && p[1] && p[1] != ' ') {
            *t++ = ',';
            *t++ = ' ';
        }
    }
    *t = '\0';
    return text;
}

/* When card is an update, prints "  update (changed: …)" or, with
 * own_line, "update   changed: …" and a newline. */
static void print_update(struct cardx_cmd *c, const cardx_card *card,
                         int own_line)
{
    char *text;

    if (!cardx_card_updates(card))
        return;
    text = changed_text(cardx_card_changed(card));
    fprintf(c->out,
            own_line ? "update   changed: %s\n" : "  update (changed: %s)",
            text ? text : "?");
    free(text);
}

/* "Alice Wang, Changhong" or whatever part is known. */
static void print_who(FILE *out, const cardx_card *card)
{
    const char *name = cardx_card_get(card, "name");
    const char *org = cardx_card_get(card, "org");

    fputs(name ? name : "(no name)", out);
    if (org)
        fprintf(out, ", %s", org);
}

static int list_one(void *ud, const cardx_card *card)
{
    struct cardx_cmd *c = ud;
    const char *note = cardx_card_note(card);
    char when[32];

    cmd_format_time(cardx_card_received(card), when, sizeof(when));
    fprintf(c->out, "#%-4lld %s  %-17s ", (long long)cardx_card_id(card), when,
            CMD_PHONE_SHOWN(cardx_card_sender(card)));
    print_who(c->out, card);
    if (note)
        fprintf(c->out, "  \"%s\"", note);
    print_update(c, card, 0);
    fputc('\n', c->out);
    return 0;
}

static int inbox_list(struct cardx_cmd *c, cardx_store *st, int argc,
                      char **argv)
{
    int64_t n = 0;

    (void)argc;
    (void)argv;
    if (cardx_store_inbox_count(st, &n) != CARDX_OK ||
        (n > 0 && cardx_store_inbox_list(st, list_one, c) < 0))
        return cmd_fail(c, CARDX_EXIT_ERROR, "%s", cardx_store_errmsg(st));
    if (n == 0)
        fputs(_("the inbox is empty\n"), c->out);
    return CARDX_EXIT_OK;
}

/* The inbox card N, or NULL after reporting (status set). */
static cardx_card *get_card(struct cardx_cmd *c, cardx_store *st,
                            const char *arg, int *status)
{
    cardx_card *card = NULL;
    int64_t id = cmd_parse_id(arg);
    int rc;

    if (id < 0) {
        *status =
            cmd_fail(c, CARDX_EXIT_USAGE, "'%s' is not an inbox number", arg);
        return NULL;
    }
    rc = cardx_store_inbox_get(st, id, &card);
    if (rc == CARDX_E_NOTFOUND)
        *status = cmd_fail(c, CARDX_EXIT_ERROR, "no card #%lld in the inbox",
                           (long long)id);
    else if (rc != CARDX_OK)
        *status = cmd_fail(c, CARDX_EXIT_ERROR, "%s", cardx_store_errmsg(st));
    return rc == CARDX_OK ? card : NULL;
}

static int inbox_show(struct cardx_cmd *c, cardx_store *st, int argc,
                      char **argv)
{
    cardx_card *card;
    char when[32];
    int status = CARDX_EXIT_OK;

    if (argc != 1)
        return cmd_fail(c, CARDX_EXIT_USAGE, "usage: cardx inbox show N");
    card = get_card(c, st, argv[0], &status);
    if (!card)
        return status;
    cmd_format_time(cardx_card_received(card), when, sizeof(when));
    fprintf(c->out, _("inbox #%lld from %s, received %s\n"),
            (long long)cardx_card_id(card),
            CMD_PHONE_SHOWN(cardx_card_sender(card)), when);
    if (cardx_card_note(card))
        fprintf(c->out, "note     \"%s\"\n", cardx_card_note(card));
    print_update(c, card, 1);
    cmd_print_card(c, card);
    cardx_card_free(card);
    return CARDX_EXIT_OK;
}

/* Asks, for each field in conflict, whether to take the sender's value;
 * *theirs (NULL-terminated, the caller frees the array only) receives the
 * fields answered yes. */
static int ask_conflicts(struct cardx_cmd *c, cardx_store *st, int64_t id,
                         int64_t contact, char **conflicts,
                         const char ***theirs)
{
    cardx_card *update = NULL, *mine = NULL;
    size_t n = 0, k = 0;
    char question[512];

    while (conflicts[n])
        n++;
    *theirs = calloc(n + 1, sizeof(**theirs));
    if (!*theirs)
        return cmd_fail(c, CARDX_EXIT_ERROR, "out of memory");
    if (cardx_store_inbox_get(st, id, &update) != CARDX_OK ||
        cardx_store_contact_get(st, contact, &mine) != CARDX_OK) {
        cardx_card_free(update);
        return cmd_fail(c, CARDX_EXIT_ERROR, "%s", cardx_store_errmsg(st));
    }
    for (size_t i = 0; i < n; i++) {
        const char *m = cardx_card_get(mine, conflicts[i]);
        const char *t = cardx_card_get(update, conflicts[i]);

        snprintf(question, sizeof(question),
                 "contact %lld: you changed %s to '%s', the sender to '%s'. "
                 "Take theirs?",
                 (long long)contact, conflicts[i], m ? m : "", t ? t : "");
        if (cmd_ask(c, question))
            (*theirs)[k++] = conflicts[i];
    }
    cardx_card_free(update);
    cardx_card_free(mine);
    return CARDX_EXIT_OK;
}

/* When inbox card id is an update of a card a contact was saved from,
 * merges it into that contact (conflicts resolved by side, or asked) and
 * sets *handled; else leaves the save to the caller. */
static int save_update(struct cardx_cmd *c, cardx_store *st, int64_t id,
                       enum cardx_conflict side, int *handled)
{
    cardx_card *update = NULL;
    char **conflicts = NULL, *text = NULL;
    const char **theirs = NULL;
    int64_t contact = 0;
    int status = CARDX_EXIT_OK;
    int rc = cardx_store_update_target(st, id, &contact, &conflicts);

    *handled = rc == CARDX_OK;
    if (rc == CARDX_E_NOTFOUND)
        return CARDX_EXIT_OK; /* no contact follows the sender */
    if (rc == CARDX_OK)
        rc = cardx_store_inbox_get(st, id, &update);
    if (rc != CARDX_OK) {
        status = cmd_fail(c, CARDX_EXIT_ERROR, "%s", cardx_store_errmsg(st));
        goto out;
    }
    if (conflicts[0] && side == CARDX_CONFLICT_FAIL) {
        if (!c->interactive) {
            status = cmd_fail(c, CARDX_EXIT_USAGE,
                              "inbox #%lld: you and the sender both changed "
                              "%s of contact %lld: add --theirs or --mine",
                              (long long)id, conflicts[0], (long long)contact);
            goto out;
        }
        status = ask_conflicts(c, st, id, contact, conflicts, &theirs);
        if (status != CARDX_EXIT_OK)
            goto out;
    }
    rc = cardx_store_update_merge(st, id, side, theirs, &contact);
    if (rc != CARDX_OK) {
        status = cmd_fail(c, CARDX_EXIT_ERROR, "%s", cardx_store_errmsg(st));
        goto out;
    }
    text = changed_text(cardx_card_changed(update));
    fprintf(c->out,
            "merged update inbox #%lld into contact %lld (changed: %s)\n",
            (long long)id, (long long)contact, text ? text : "?");
out:
    free(text);
    free(theirs);
    cardx_strv_free(conflicts);
    cardx_card_free(update);
    return status;
}

/* Asks whether inbox card id merges into contact, which has its number. */
static enum cardx_merge ask_merge(struct cardx_cmd *c, cardx_store *st,
                                  int64_t id, int64_t contact)
{
    cardx_card *other = NULL;
    const char *name;
    char question[256];

    cardx_store_contact_get(st, contact, &other);
    name = other ? cardx_card_get(other, "name") : NULL;
    snprintf(question, sizeof(question),
             "inbox #%lld: merge into contact %lld (%s)?", (long long)id,
             (long long)contact, name ? name : "no name");
    cardx_card_free(other);
    return cmd_ask(c, question) ? CARDX_MERGE_INTO : CARDX_MERGE_NEW;
}

/* Saves inbox card id. Only when a contact has the same number does merge
 * matter: --merge or --new decide, else the user is asked. */
static int save_one(struct cardx_cmd *c, cardx_store *st, int64_t id,
                    enum cardx_merge merge, enum cardx_conflict side)
{
    int64_t contact = 0;
    int handled = 0, status = save_update(c, st, id, side, &handled);
    int rc;

    if (status != CARDX_EXIT_OK || handled)
        return status;
    rc = cardx_store_inbox_save(st, id, CARDX_MERGE_ASK, &contact);
    if (rc == CARDX_OK)
        merge = CARDX_MERGE_NEW;
    if (rc == CARDX_E_EXISTS && merge == CARDX_MERGE_ASK) {
        if (!c->interactive)
            return cmd_fail(c, CARDX_EXIT_USAGE,
                            "inbox #%lld: contact %lld has the same number: "
                            "add --merge to merge into it or --new to keep "
                            "both",
                            (long long)id, (long long)contact);
        merge = ask_merge(c, st, id, contact);
    }
    if (rc == CARDX_E_EXISTS)
        rc = cardx_store_inbox_save(st, id, merge, &contact);
    if (rc == CARDX_E_NOTFOUND)
        return cmd_fail(c, CARDX_EXIT_ERROR, "no card #%lld in the inbox",
                        (long long)id);
    if (rc != CARDX_OK)
        return cmd_fail(c, CARDX_EXIT_ERROR, "%s", cardx_store_errmsg(st));
    if (merge == CARDX_MERGE_INTO)
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

static int add_id(struct id_list *l, int64_t id)
{
    int64_t *grown = realloc(l->ids, (l->n + 1) * sizeof(*grown));

    if (!grown) {
        l->failed = 1;
        return 1;
    }
    l->ids = grown;
    l->ids[l->n++] = id;
    return 0;
}

static int collect_id(void *ud, const cardx_card *card)
{
    return add_id(ud, cardx_card_id(card));
}

/* Reads save's arguments: ids, --all, --merge, --new, --theirs, --mine. */
static int save_args(struct cardx_cmd *c, cardx_store *st, int argc,
                     char **argv, struct id_list *l, enum cardx_merge *merge,
                     enum cardx_conflict *side)
{
    int all = 0;

    *merge = CARDX_MERGE_ASK;
    *side = CARDX_CONFLICT_FAIL;
    for (int i = 0; i < argc; i++) {
        int64_t id = cmd_parse_id(argv[i]);

        if (strcmp(argv[i], "--all") == 0)
            all = 1;
        else if (strcmp(argv[i], "--merge") == 0)
            *merge = CARDX_MERGE_INTO;
        else if (strcmp(argv[i], "--new") == 0)
            *merge = CARDX_MERGE_NEW;
        else if (strcmp(argv[i], "--theirs") == 0)
            *side = CARDX_CONFLICT_THEIRS;
        else if (strcmp(argv[i], "--mine") == 0)
            *side = CARDX_CONFLICT_MINE;
        else if (id < 0)
            return cmd_fail(c, CARDX_EXIT_USAGE, "'%s' is not an inbox number",
                            argv[i]);
        else if (add_id(l, id) != 0)
            return cmd_fail(c, CARDX_EXIT_ERROR, "out of memory");
    }
    if (all && l->n)
        return cmd_fail(c, CARDX_EXIT_USAGE, "give numbers or --all, not both");
    if (!all && !l->n)
        return cmd_fail(c, CARDX_EXIT_USAGE,
                        "usage: cardx inbox save N... | --all [--merge | "
                        "--new] [--theirs | --mine]");
    if (all && (cardx_store_inbox_list(st, collect_id, l) < 0 || l->failed))
        return cmd_fail(c, CARDX_EXIT_ERROR, "%s",
                        l->failed ? "out of memory" : cardx_store_errmsg(st));
    if (all && !l->n)
        fputs(_("the inbox is empty\n"), c->out);
    return CARDX_EXIT_OK;
}

static int inbox_save(struct cardx_cmd *c, cardx_store *st, int argc,
                      char **argv)
{
    struct id_list l = {0};
    enum cardx_merge merge;
    enum cardx_conflict side;
    int status = save_args(c, st, argc, argv, &l, &merge, &side);

    for (size_t i = 0; status == CARDX_EXIT_OK && i < l.n; i++)
        status = save_one(c, st, l.ids[i], merge, side);
    free(l.ids);
    return status;
}

static int inbox_delete(struct cardx_cmd *c, cardx_store *st, int argc,
                        char **argv)
{
    if (argc < 1)
        return cmd_fail(c, CARDX_EXIT_USAGE, "usage: cardx inbox delete N...");
    for (int i = 0; i < argc; i++) {
        int64_t id = cmd_parse_id(argv[i]);
        int rc;

        if (id < 0)
            return cmd_fail(c, CARDX_EXIT_USAGE, "'%s' is not an inbox number",
                            argv[i]);
        /* The store turns the sender's updates off unless a contact
         * follows them. */
        rc = cardx_store_inbox_delete(st, id);
        if (rc == CARDX_E_NOTFOUND)
            return cmd_fail(c, CARDX_EXIT_ERROR, "no card #%lld in the inbox",
                            (long long)id);
        if (rc != CARDX_OK)
            return cmd_fail(c, CARDX_EXIT_ERROR, "%s", cardx_store_errmsg(st));
        fprintf(c->out, _("deleted inbox #%lld\n"), (long long)id);
    }
    return CARDX_EXIT_OK;
}

static const struct cmd_lib_sub inbox_subs[] = {
    {"list", inbox_list, 0}, {"show", inbox_show, 1},
    {"save", inbox_save, 1}, {"delete", inbox_delete, 1},
    {NULL, NULL, 0},
};

int cmd_inbox(struct cardx_cmd *c, int argc, char **argv)
{
    return cmd_lib_dispatch(c, inbox_subs, argc, argv,
                            "usage: cardx inbox [list | show N | save N... | "
                            "delete N...]");
}
