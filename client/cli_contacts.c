/* cardx contacts, export and import: the saved cards, all offline, on
 * libcardx's store (client/cli.h). */
#include "client/cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define _(s) cmd_tr(s)
#define P_(one, many, n) cmd_trn(one, many, n)

struct list_state {
    struct cardx_cmd *c;
    int count;
};

static int list_one(void *ud, const cardx_card *card)
{
    struct list_state *st = ud;
    const char *name = cardx_card_get(card, "name");
    const char *phone = cardx_card_get(card, "phone");
    const char *org = cardx_card_get(card, "org");

    fprintf(st->c->out, "%-5lld %-24s %-16s %s\n",
            (long long)cardx_card_id(card), name ? name : "(no name)",
            phone ? phone : "-", org ? org : "");
    st->count++;
    return 0;
}

static int contacts_list(struct cardx_cmd *c, cardx_store *cs, int argc,
                         char **argv)
{
    struct list_state st = {c, 0};

    (void)argc;
    (void)argv;
    if (cardx_store_contact_list(cs, list_one, &st) < 0)
        return cmd_fail(c, CARDX_EXIT_ERROR, "%s", cardx_store_errmsg(cs));
    if (!st.count)
        fputs(_("no contacts yet\n"), c->out);
    return CARDX_EXIT_OK;
}

/* What contacts search shows without --all or --limit: a screenful or
 * two, and the query stays fast however many contacts match. */
#define SEARCH_LIMIT 50

#define SEARCH_USAGE "usage: cardx contacts search [--limit N | --all] TEXT"

/* Joins the words of a search, so `search Alice Wang` needs no quotes. */
static char *join_words(int argc, char **argv)
{
    size_t len = 1;
    char *text;

    for (int i = 0; i < argc; i++)
        len += strlen(argv[i]) + 1;
    text = malloc(len);
    if (!text)
        return NULL;
    text[0] = '\0';
    for (int i = 0; i < argc; i++) {
        if (i)
            strcat(text, " ");
        strcat(text, argv[i]);
    }
    return text;
}

/* Reads --limit N, --limit=N and --all, anywhere among the words (until
 * "--"), and points words[0..*nwords) at the other arguments. *limit is 0
 * for all. Returns 0 or an exit status after reporting. */
static int search_args(struct cardx_cmd *c, int argc, char **argv, char **words,
                       int *nwords, size_t *limit)
{
    int options = 1;

    *nwords = 0;
    *limit = SEARCH_LIMIT;
    for (int i = 0; i < argc; i++) {
        const char *value = NULL;
        int64_t v;

        if (options && strcmp(argv[i], "--") == 0) {
            options = 0;
        } else if (options && strcmp(argv[i], "--all") == 0) {
            *limit = 0;
        } else if (options && strncmp(argv[i], "--limit=", 8) == 0) {
            value = argv[i] + 8;
        } else if (options && strcmp(argv[i], "--limit") == 0) {
            if (++i == argc)
                return cmd_fail(c, CARDX_EXIT_USAGE, "--limit needs a number");
            value = argv[i];
        } else {
            words[(*nwords)++] = argv[i];
        }
        if (!value)
            continue;
        v = cmd_parse_id(value);
        if (v < 0 || value[0] == '#')
            return cmd_fail(c, CARDX_EXIT_USAGE,
                            "--limit: '%s' is not a positive number", value);
        *limit = (size_t)v;
    }
    return *nwords ? CARDX_EXIT_OK
                   : cmd_fail(c, CARDX_EXIT_USAGE, SEARCH_USAGE);
}

/* Lists the best limit contacts matching text (0: all), then how many more
 * there are. */
static int search_print(struct cardx_cmd *c, cardx_store *cs, const char *text,
                        size_t limit)
{
    struct list_state st = {c, 0};
    int64_t total = 0;

    if (cardx_store_contact_search(cs, text, limit, list_one, &st, &total) < 0)
        return cmd_fail(c, CARDX_EXIT_ERROR, "%s", cardx_store_errmsg(cs));
    if (!st.count)
        fprintf(c->out, _("no contact matches '%s'\n"), text);
    else if (total > st.count)
        fprintf(c->out, _("… and %lld more (use --all or --limit N)\n"),
                (long long)(total - st.count));
    return CARDX_EXIT_OK;
}

static int contacts_search(struct cardx_cmd *c, cardx_store *cs, int argc,
                           char **argv)
{
    char **words = calloc(argc > 0 ? (size_t)argc : 1, sizeof *words);
    char *text = NULL;
    size_t limit;
    int status, nwords;

    if (!words)
        return cmd_fail(c, CARDX_EXIT_ERROR, "out of memory");
    status = search_args(c, argc, argv, words, &nwords, &limit);
    if (status == CARDX_EXIT_OK) {
        text = join_words(nwords, words);
        status = text ? search_print(c, cs, text, limit)
                      : cmd_fail(c, CARDX_EXIT_ERROR, "out of memory");
    }
    free(text);
    free(words);
    return status;
}

static int64_t contact_id(struct cardx_cmd *c, const char *arg, int *status)
{
    int64_t id = cmd_parse_id(arg);

    if (id < 0)
        *status =
            cmd_fail(c, CARDX_EXIT_USAGE, "'%s' is not a contact ID", arg);
    return id;
}

static int not_found(struct cardx_cmd *c, cardx_store *cs, int rc, int64_t id)
{
    if (rc == CARDX_E_NOTFOUND)
        return cmd_fail(c, CARDX_EXIT_ERROR, "no contact %lld", (long long)id);
    return cmd_fail(c, CARDX_EXIT_ERROR, "%s", cardx_store_errmsg(cs));
}

static int contacts_show(struct cardx_cmd *c, cardx_store *cs, int argc,
                         char **argv)
{
    cardx_card *card = NULL;
    int status = CARDX_EXIT_OK;
    char when[32];
    int64_t id;
    int rc;

    if (argc != 1)
        return cmd_fail(c, CARDX_EXIT_USAGE, "usage: cardx contacts show ID");
    id = contact_id(c, argv[0], &status);
    if (id < 0)
        return status;
    rc = cardx_store_contact_get(cs, id, &card);
    if (rc != CARDX_OK)
        return not_found(c, cs, rc, id);
    cmd_format_time(cardx_card_updated(card), when, sizeof(when));
    fprintf(c->out, _("contact %lld, updated %s\n"), (long long)id, when);
    cmd_print_card(c, card);
    if (cardx_card_sender(card))
        fprintf(c->out, "%-8s %s\n", "from",
                CMD_PHONE_SHOWN(cardx_card_sender(card)));
    cardx_card_free(card);
    return CARDX_EXIT_OK;
}

static int contacts_edit(struct cardx_cmd *c, cardx_store *cs, int argc,
                         char **argv)
{
    int status = CARDX_EXIT_OK;
    int64_t id;
    int rc = CARDX_OK;

    if (argc < 2)
        return cmd_fail(c, CARDX_EXIT_USAGE,
                        "usage: cardx contacts edit ID FIELD=VALUE...");
    id = contact_id(c, argv[0], &status);
    if (id < 0)
        return status;
    /* Check every assignment before changing anything. */
    for (int i = 1; i < argc && status == CARDX_EXIT_OK; i++) {
        const char *field, *value;

        status = cmd_assignment(c, argv[i], &field, &value);
    }
    if (status != CARDX_EXIT_OK)
        return status;
    if (cardx_store_begin(cs) != CARDX_OK)
        return cmd_fail(c, CARDX_EXIT_ERROR, "%s", cardx_store_errmsg(cs));
    for (int i = 1; i < argc && rc == CARDX_OK; i++) {
        const char *field, *value;

        cmd_assignment(c, argv[i], &field, &value);
        rc = cardx_store_contact_set(cs, id, field, value);
    }
    if (rc == CARDX_OK)
        rc = cardx_store_commit(cs);
    if (rc != CARDX_OK) {
        status = not_found(c, cs, rc, id);
        cardx_store_rollback(cs);
        return status;
    }
    fprintf(c->out, _("updated contact %lld\n"), (long long)id);
    return CARDX_EXIT_OK;
}

static int contacts_delete(struct cardx_cmd *c, cardx_store *cs, int argc,
                           char **argv)
{
    int status = CARDX_EXIT_OK;

    if (argc < 1)
        return cmd_fail(c, CARDX_EXIT_USAGE,
                        "usage: cardx contacts delete ID...");
    for (int i = 0; i < argc; i++) {
        int64_t id = contact_id(c, argv[i], &status);
        int rc;

        if (id < 0)
            return status;
        /* The store turns off the updates the contact followed. */
        rc = cardx_store_contact_delete(cs, id);
        if (rc != CARDX_OK)
            return not_found(c, cs, rc, id);
        fprintf(c->out, _("deleted contact %lld\n"), (long long)id);
    }
    return CARDX_EXIT_OK;
}

/* Writes len bytes of data to a new file at path; -1 with errno set. */
static int write_photo(const char *path, const unsigned char *data, size_t len)
{
    FILE *f = fopen(path, "wbe");
    int rc;

    if (!f)
        return -1;
    rc = fwrite(data, 1, len, f) == len ? 0 : -1;
    if (fclose(f) != 0)
        rc = -1;
    return rc;
}

/* contacts photo ID FILE: writes the contact's photo out. */
static int contacts_photo(struct cardx_cmd *c, cardx_store *cs, int argc,
                          char **argv)
{
    cardx_card *card = NULL;
    unsigned char *data = NULL;
    const char *type = NULL, *why = NULL;
    unsigned width = 0, height = 0;
    size_t len = 0;
    int64_t id;
    int rc, status = CARDX_EXIT_OK;

    if (argc != 2)
        return cmd_fail(c, CARDX_EXIT_USAGE,
                        "usage: cardx contacts photo ID FILE");
    id = cmd_parse_id(argv[0]);
    if (id < 0)
        return cmd_fail(c, CARDX_EXIT_USAGE, "'%s' is not a contact id",
                        argv[0]);
    rc = cardx_store_contact_get(cs, id, &card);
    if (rc != CARDX_OK)
        return cmd_fail(c, CARDX_EXIT_ERROR, "no contact %lld", (long long)id);
    rc = cardx_card_photo_get(card, &data, &len, &type, &width, &height, &why);
    if (rc == CARDX_E_NOTFOUND)
        status = cmd_fail(c, CARDX_EXIT_ERROR, "contact %lld has no photo",
                          (long long)id);
    else if (rc != CARDX_OK)
        status = cmd_fail(c, CARDX_EXIT_ERROR, "contact %lld: %s",
                          (long long)id, why ? why : "out of memory");
    else if (write_photo(argv[1], data, len) != 0)
        status = cmd_fail(c, CARDX_EXIT_ERROR, "cannot write %s: %s", argv[1],
                          strerror(errno));
    else
        fprintf(c->out, "wrote %s (%s %ux%u, %zu bytes)\n", argv[1], type,
                width, height, len);
    cardx_free(data);
    cardx_card_free(card);
    return status;
}

static const struct cmd_lib_sub contacts_subs[] = {
    {"list", contacts_list, 0},           {"search", contacts_search, 1},
    {"show", contacts_show, 1},           {"edit", contacts_edit, 1},
    {"delete", contacts_delete, 1},       {"photo", contacts_photo, 1},
    {"updates", cmd_contacts_updates, 1}, {NULL, NULL, 0},
};

int cmd_contacts(struct cardx_cmd *c, int argc, char **argv)
{
    return cmd_lib_dispatch(c, contacts_subs, argc, argv,
                            "usage: cardx contacts [list | search [--limit N "
                            "| --all] TEXT | show ID | edit ID FIELD=VALUE... "
                            "| delete ID... | photo ID FILE | "
                            "updates ID on|off]");
}

/* --- export --- */

int cmd_export(struct cardx_cmd *c, int argc, char **argv)
{
    cardx_store *cs;
    char *text = NULL;
    FILE *f;
    int status, to_stdout, count = 0, failed;

    if (argc != 2)
        return cmd_fail(c, CARDX_EXIT_USAGE, "usage: cardx export FILE.vcf");
    cs = cmd_lib_store(c, &status);
    if (!cs)
        return status;
    to_stdout = strcmp(argv[1], "-") == 0;
    f = to_stdout ? c->out : fopen(argv[1], "we");
    if (!f)
        return cmd_fail(c, CARDX_EXIT_ERROR, "cannot write %s: %s", argv[1],
                        strerror(errno));
    if (cardx_store_export_vcard(cs, &text, &count) != CARDX_OK) {
        if (!to_stdout)
            fclose(f);
        return cmd_fail(c, CARDX_EXIT_ERROR, "%s", cardx_store_errmsg(cs));
    }
    failed = text[0] && fputs(text, f) == EOF;
    cardx_free(text);
    if ((!to_stdout && fclose(f) != 0) || (to_stdout && fflush(f)))
        failed = 1;
    if (failed)
        return cmd_fail(c, CARDX_EXIT_ERROR, "cannot write %s", argv[1]);
    if (!to_stdout)
        fprintf(c->out,
                P_("exported %d contact to %s\n",
                   "exported %d contacts to %s\n", (unsigned long)count),
                count, argv[1]);
    return CARDX_EXIT_OK;
}

/* --- import --- */

int cmd_import(struct cardx_cmd *c, int argc, char **argv)
{
    cardx_store *cs;
    char *text, *err = NULL;
    FILE *f;
    int status, n;

    if (argc != 2)
        return cmd_fail(c, CARDX_EXIT_USAGE, "usage: cardx import FILE.vcf");
    cs = cmd_lib_store(c, &status);
    if (!cs)
        return status;
    f = strcmp(argv[1], "-") == 0 ? c->in : fopen(argv[1], "re");
    if (!f)
        return cmd_fail(c, CARDX_EXIT_ERROR, "cannot read %s: %s", argv[1],
                        strerror(errno));
    text = cmd_slurp(f);
    if (f != c->in)
        fclose(f);
    if (!text)
        return cmd_fail(c, CARDX_EXIT_ERROR, "cannot read %s", argv[1]);
    n = cardx_store_import_vcard(cs, text, &err);
    free(text);
    /* The text's fault names the file; the store's is its own. */
    if (n == CARDX_E_INVAL)
        status = cmd_fail(c, CARDX_EXIT_ERROR, "%s: %s; nothing imported",
                          argv[1], err ? err : "out of memory");
    else if (n < 0)
        status = cmd_fail(c, CARDX_EXIT_ERROR, "%s; nothing imported",
                          err ? err : cardx_strerror(n));
    cardx_free(err);
    if (n < 0)
        return status;
    fprintf(
        c->out,
        P_("imported %d contact\n", "imported %d contacts\n", (unsigned long)n),
        n);
    return CARDX_EXIT_OK;
}
