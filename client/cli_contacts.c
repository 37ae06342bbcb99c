/* cardx contacts, export and import: the saved cards, all offline. */
#include "client/commands_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "client/cliparse.h"
#include "card/vcardtext.h"

struct list_state {
    struct cardx_cmd *c;
    int count;
};

static int list_one(void *ud, const struct cardstore_card *card)
{
    struct list_state *st = ud;
    const struct vcard_fields *f = &card->f;

    fprintf(st->c->out, "%-5lld %-24s %-16s %s\n", (long long)card->id,
            f->name ? f->name : "(no name)", f->phone ? f->phone : "-",
            f->org ? f->org : "");
    st->count++;
    return 0;
}

static int contacts_list(struct cardx_cmd *c, struct cardstore *cs, int argc,
                         char **argv)
{
    struct list_state st = {c, 0};

    (void)argc;
    (void)argv;
    if (cardstore_contact_list(cs, list_one, &st) < 0)
        return cmd_fail(c, CARDX_EXIT_ERROR, "%s", cardstore_errmsg(cs));
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
static int search_print(struct cardx_cmd *c, struct cardstore *cs,
                        const char *text, size_t limit)
{
    struct list_state st = {c, 0};
    int64_t total = 0;

    if (cardstore_contact_search(cs, text, limit, list_one, &st, &total) < 0)
        return cmd_fail(c, CARDX_EXIT_ERROR, "%s", cardstore_errmsg(cs));
    if (!st.count)
        fprintf(c->out, _("no contact matches '%s'\n"), text);
    else if (total > st.count)
        fprintf(c->out, _("… and %lld more (use --all or --limit N)\n"),
                (long long)(total - st.count));
    return CARDX_EXIT_OK;
}

static int contacts_search(struct cardx_cmd *c, struct cardstore *cs, int argc,
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

static int not_found(struct cardx_cmd *c, struct cardstore *cs, int rc,
                     int64_t id)
{
    if (rc == CARDSTORE_ENOTFOUND)
        return cmd_fail(c, CARDX_EXIT_ERROR, "no contact %lld", (long long)id);
    return cmd_fail(c, CARDX_EXIT_ERROR, "%s", cardstore_errmsg(cs));
}

static int contacts_show(struct cardx_cmd *c, struct cardstore *cs, int argc,
                         char **argv)
{
    struct cardstore_card *card = NULL;
    int status = CARDX_EXIT_OK;
    char when[32];
    int64_t id;
    int rc;

    if (argc != 1)
        return cmd_fail(c, CARDX_EXIT_USAGE, "usage: cardx contacts show ID");
    id = contact_id(c, argv[0], &status);
    if (id < 0)
        return status;
    rc = cardstore_contact_get(cs, id, &card);
    if (rc != CARDSTORE_OK)
        return not_found(c, cs, rc, id);
    cmd_format_time(card->updated, when, sizeof(when));
    fprintf(c->out, _("contact %lld, updated %s\n"), (long long)id, when);
    cmd_print_fields(c, &card->f);
    cmd_print_photo_xml(c, card->vcard_xml);
    if (card->sender_phone)
        fprintf(c->out, "%-8s %s\n", "from",
                CMD_PHONE_SHOWN(card->sender_phone));
    cardstore_card_free(card);
    return CARDX_EXIT_OK;
}

static int contacts_edit(struct cardx_cmd *c, struct cardstore *cs, int argc,
                         char **argv)
{
    struct vcard_fields f = {0};
    int status = CARDX_EXIT_OK;
    int64_t id;
    int rc = CARDSTORE_OK;

    if (argc < 2)
        return cmd_fail(c, CARDX_EXIT_USAGE,
                        "usage: cardx contacts edit ID FIELD=VALUE...");
    id = contact_id(c, argv[0], &status);
    if (id < 0)
        return status;
    /* Check every assignment before changing anything. */
    status = cmd_apply_assignments(c, &f, argc - 1, argv + 1);
    vcard_fields_clear(&f);
    if (status != CARDX_EXIT_OK)
        return status;
    if (cardstore_begin(cs) != CARDSTORE_OK)
        return cmd_fail(c, CARDX_EXIT_ERROR, "%s", cardstore_errmsg(cs));
    for (int i = 1; i < argc && rc == CARDSTORE_OK; i++) {
        const char *field, *value;

        cliparse_assignment(argv[i], &field, &value);
        rc = cardstore_contact_set(cs, id, field, value);
    }
    if (rc == CARDSTORE_OK)
        rc = cardstore_commit(cs);
    if (rc != CARDSTORE_OK) {
        status = not_found(c, cs, rc, id);
        cardstore_rollback(cs);
        return status;
    }
    fprintf(c->out, _("updated contact %lld\n"), (long long)id);
    return CARDX_EXIT_OK;
}

static int contacts_delete(struct cardx_cmd *c, struct cardstore *cs, int argc,
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
        status = cmd_contact_forget(c, cs, id);
        if (status != CARDX_EXIT_OK)
            return status;
        rc = cardstore_contact_delete(cs, id);
        if (rc != CARDSTORE_OK)
            return not_found(c, cs, rc, id);
        fprintf(c->out, _("deleted contact %lld\n"), (long long)id);
    }
    return CARDX_EXIT_OK;
}

static const struct cmd_sub contacts_subs[] = {
    {"list", contacts_list, 0},
    {"search", contacts_search, 1},
    {"show", contacts_show, 1},
    {"edit", contacts_edit, 1},
    {"delete", contacts_delete, 1},
    {"photo", cmd_contacts_photo, 1},
    {"updates", cmd_contacts_updates, 1},
    {NULL, NULL, 0},
};

int cmd_contacts(struct cardx_cmd *c, int argc, char **argv)
{
    return cmd_dispatch(c, contacts_subs, argc, argv,
                        "usage: cardx contacts [list | search [--limit N | "
                        "--all] TEXT | show ID | edit ID FIELD=VALUE... | "
                        "delete ID... | photo ID FILE | "
                        "updates ID on|off]");
}

/* --- export --- */

struct export_state {
    struct cardx_cmd *c;
    FILE *f;
    int count;
    int failed;
};

static int export_one(void *ud, const struct cardstore_card *card)
{
    struct export_state *st = ud;
    struct vcardtext_card vc = {0};
    char *text, *extra;

    extra = cmd_photo_extra(st->c, card);
    vc.f = card->f;
    vc.extra = extra ? extra : card->extra;
    text = vcardtext_write(&vc);
    free(extra);
    if (!text || fputs(text, st->f) == EOF) {
        free(text);
        st->failed = 1;
        return 1;
    }
    free(text);
    st->count++;
    return 0;
}

int cmd_export(struct cardx_cmd *c, int argc, char **argv)
{
    struct export_state st = {.c = c};
    struct cardstore *cs;
    int status, to_stdout;

    if (argc != 2)
        return cmd_fail(c, CARDX_EXIT_USAGE, "usage: cardx export FILE.vcf");
    cs = cmd_store(c, &status);
    if (!cs)
        return status;
    to_stdout = strcmp(argv[1], "-") == 0;
    st.f = to_stdout ? c->out : fopen(argv[1], "we");
    if (!st.f)
        return cmd_fail(c, CARDX_EXIT_ERROR, "cannot write %s: %s", argv[1],
                        strerror(errno));
    if (cardstore_contact_list(cs, export_one, &st) < 0 && !st.failed)
        status = cmd_fail(c, CARDX_EXIT_ERROR, "%s", cardstore_errmsg(cs));
    if ((!to_stdout && fclose(st.f) != 0) || (to_stdout && fflush(st.f)))
        st.failed = 1;
    if (st.failed)
        return cmd_fail(c, CARDX_EXIT_ERROR, "cannot write %s", argv[1]);
    if (status == CARDX_EXIT_OK && !to_stdout)
        fprintf(c->out,
                P_("exported %d contact to %s\n",
                   "exported %d contacts to %s\n", st.count),
                st.count, argv[1]);
    return status;
}

/* --- import --- */

struct import_state {
    struct cardstore *cs;
    xmpp_ctx_t *ctx;
    int count;
    int failed; /* the store or memory failed (not the file) */
};

static int import_one(void *ud, const struct vcardtext_card *vc)
{
    struct import_state *st = ud;
    struct cardstore_card card = {0};
    xmpp_stanza_t *vcard = vcardtext_to_vcard_temp(st->ctx, vc);
    int rc;

    card.f = vc->f;
    card.extra = vc->extra;
    card.vcard_xml = vcard ? vcard_to_text(vcard) : NULL;
    if (vcard)
        xmpp_stanza_release(vcard);
    rc = card.vcard_xml ? cardstore_contact_add(st->cs, &card, NULL)
                        : CARDSTORE_ENOMEM;
    free(card.vcard_xml);
    if (rc != CARDSTORE_OK) {
        st->failed = 1;
        return 1;
    }
    st->count++;
    return 0;
}

int cmd_import(struct cardx_cmd *c, int argc, char **argv)
{
    struct import_state st = {0};
    char *text, *err = NULL;
    FILE *f;
    int status, rc;

    if (argc != 2)
        return cmd_fail(c, CARDX_EXIT_USAGE, "usage: cardx import FILE.vcf");
    st.cs = cmd_store(c, &status);
    st.ctx = cmd_xctx(c);
    if (!st.cs || !st.ctx)
        return st.cs ? cmd_fail(c, CARDX_EXIT_ERROR, "out of memory") : status;
    f = strcmp(argv[1], "-") == 0 ? c->in : fopen(argv[1], "re");
    if (!f)
        return cmd_fail(c, CARDX_EXIT_ERROR, "cannot read %s: %s", argv[1],
                        strerror(errno));
    text = cmd_slurp(f);
    if (f != c->in)
        fclose(f);
    if (!text)
        return cmd_fail(c, CARDX_EXIT_ERROR, "cannot read %s", argv[1]);
    if (cardstore_begin(st.cs) != CARDSTORE_OK) {
        free(text);
        return cmd_fail(c, CARDX_EXIT_ERROR, "%s", cardstore_errmsg(st.cs));
    }
    rc = vcardtext_parse(text, import_one, &st, &err);
    free(text);
    if (rc < 0 || st.failed || cardstore_commit(st.cs) != CARDSTORE_OK) {
        if (st.failed || rc >= 0)
            status = cmd_fail(c, CARDX_EXIT_ERROR, "%s; nothing imported",
                              cardstore_errmsg(st.cs));
        else
            status = cmd_fail(c, CARDX_EXIT_ERROR, "%s: %s; nothing imported",
                              argv[1], err ? err : "out of memory");
        cardstore_rollback(st.cs);
        free(err);
        return status;
    }
    fprintf(c->out,
            P_("imported %d contact\n", "imported %d contacts\n", st.count),
            st.count);
    return CARDX_EXIT_OK;
}
