/* cardx card: show, set and edit (in $EDITOR) the user's own card, stored
 * locally and uploaded to cardxd when the server can be reached; on
 * libcardx's store (client/cli.h). */
#include "client/cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "client/settings.h"
#include "common/util.h"

#define _(s) cmd_tr(s)

/* The own card (*card NULL when none is set). Returns 0 or an exit
 * status after reporting. */
static int load_self(struct cardx_cmd *c, cardx_card **card, int *uploaded)
{
    int status, rc;
    cardx_store *st = cmd_lib_store(c, &status);

    *card = NULL;
    if (!st)
        return status;
    rc = cardx_store_self_get(st, card, uploaded);
    if (rc == CARDX_E_NOTFOUND)
        return CARDX_EXIT_OK;
    if (rc == CARDX_E_INVAL)
        return cmd_fail(c, CARDX_EXIT_ERROR, "your stored card is damaged");
    if (rc != CARDX_OK)
        return cmd_fail(c, CARDX_EXIT_ERROR, "cannot read your card: %s",
                        cardx_store_errmsg(st));
    return CARDX_EXIT_OK;
}

/* Tries to upload the changed card and says what happened. */
static int upload_after_change(struct cardx_cmd *c)
{
    int status, sent = 0;

    if (!c->settings->jid) {
        fputs(_("saved locally; not uploaded (no account yet: run "
                "cardx register)\n"),
              c->out);
        return CARDX_EXIT_OK;
    }
    status = cmd_go_online(c);
    if (status != CARDX_EXIT_OK) {
        fputs(_("saved locally; not uploaded yet: cardx sync will "
                "upload it\n"),
              c->out);
        return status == CARDX_EXIT_NETWORK ? CARDX_EXIT_OK : status;
    }
    status = cmd_upload_self(c, &sent);
    if (status == CARDX_EXIT_OK)
        fprintf(c->out, _("saved and uploaded to %s\n"), c->component);
    else
        fputs(_("saved locally; not uploaded yet\n"), c->out);
    return status == CARDX_EXIT_NETWORK ? CARDX_EXIT_OK : status;
}

/* Stores card's fields as the own card, keeping whatever else the stored
 * one (or card, when it holds a photo) has, then uploads it. */
static int save_self(struct cardx_cmd *c, const cardx_card *card)
{
    int status;
    cardx_store *st = cmd_lib_store(c, &status);

    if (!st)
        return status;
    if (cardx_store_self_set(st, card) != CARDX_OK)
        return cmd_fail(c, CARDX_EXIT_ERROR, "cannot save your card: %s",
                        cardx_store_errmsg(st));
    return upload_after_change(c);
}

static int card_show(struct cardx_cmd *c)
{
    cardx_card *card = NULL;
    int uploaded = 0;
    int status = load_self(c, &card, &uploaded);

    if (status != CARDX_EXIT_OK)
        return status;
    if (!card) {
        fputs(_("no card yet: cardx card set name=\"Your Name\" ...\n"),
              c->out);
        return CARDX_EXIT_OK;
    }
    cmd_print_card(c, card);
    fprintf(c->out, "(%s)\n",
            uploaded ? "uploaded" : "not uploaded yet: cardx sync uploads it");
    cardx_card_free(card);
    return CARDX_EXIT_OK;
}

/* Applies FIELD=VALUE arguments to card; 0 or an exit status after
 * reporting (card is then partly changed). */
static int apply_assignments(struct cardx_cmd *c, cardx_card *card, int argc,
                             char **argv)
{
    for (int i = 0; i < argc; i++) {
        const char *field, *value;
        int status = cmd_assignment(c, argv[i], &field, &value);

        if (status != CARDX_EXIT_OK)
            return status;
        if (cardx_card_set(card, field, value) != CARDX_OK)
            return cmd_fail(c, CARDX_EXIT_ERROR, "out of memory");
    }
    return CARDX_EXIT_OK;
}

static int card_set(struct cardx_cmd *c, int argc, char **argv)
{
    cardx_card *card = NULL;
    int uploaded, status;

    if (argc < 1)
        return cmd_fail(c, CARDX_EXIT_USAGE,
                        "usage: cardx card set FIELD=VALUE...");
    status = load_self(c, &card, &uploaded);
    if (status == CARDX_EXIT_OK && !card && !(card = cardx_card_new()))
        status = cmd_fail(c, CARDX_EXIT_ERROR, "out of memory");
    if (status == CARDX_EXIT_OK)
        status = cmd_photo_assign(c, card, &argc, argv);
    if (status == CARDX_EXIT_OK)
        status = apply_assignments(c, card, argc, argv);
    if (status == CARDX_EXIT_OK)
        status = save_self(c, card);
    cardx_card_free(card);
    return status;
}

/* Runs $EDITOR (default vi) on path. Like git, the variable is shell code
 * ("code -w", "sed -i 's/a/b/'"), with the file as its last argument. */
static int run_editor(const char *path)
{
    const char *editor = getenv("EDITOR");
    char *script;
    pid_t pid;
    int ws;

    script = str_printf("%s \"$@\"", editor && editor[0] ? editor : "vi");
    if (!script)
        return -1;
    pid = fork();
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", script, "sh", path, (char *)NULL);
        _exit(127);
    }
    free(script);
    if (pid < 0)
        return -1;
    while (waitpid(pid, &ws, 0) < 0) {
        if (errno != EINTR)
            return -1;
    }
    return WIFEXITED(ws) && WEXITSTATUS(ws) == 0 ? 0 : -1;
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "re");
    char *text;

    if (!f)
        return NULL;
    text = cmd_slurp(f);
    fclose(f);
    return text;
}

/* A card holding only the text fields of card (none: an empty one), for
 * the editor: the photo and other data stay out of its file. */
static cardx_card *fields_only(const cardx_card *card)
{
    cardx_card *out = cardx_card_new();

    for (const char *const *f = cardx_field_names(); out && card && *f; f++) {
        if (cardx_card_set(out, *f, cardx_card_get(card, *f)) != CARDX_OK) {
            cardx_card_free(out);
            out = NULL;
        }
    }
    return out;
}

/* Writes the card's fields to a fresh .vcf file; path receives its
 * name. */
static int write_temp_card(const cardx_card *card, char *path, size_t size)
{
    const char *tmp = getenv("TMPDIR");
    cardx_card *fields = fields_only(card);
    char *text = fields ? cardx_card_to_vcard(fields) : NULL;
    int fd, rc = -1;

    cardx_card_free(fields);
    snprintf(path, size, "%s/cardx-card-XXXXXX.vcf",
             tmp && tmp[0] ? tmp : "/tmp");
    if (!text)
        return -1;
    fd = mkstemps(path, 4);
    if (fd >= 0) {
        size_t len = strlen(text);

        rc = write(fd, text, len) == (ssize_t)len ? 0 : -1;
        if (close(fd) != 0)
            rc = -1;
        if (rc < 0)
            unlink(path);
    }
    cardx_free(text);
    return rc;
}

static int card_edit(struct cardx_cmd *c)
{
    cardx_card *card = NULL, *edited = NULL;
    char path[4096], *text = NULL, *err = NULL;
    int uploaded, status, n;

    status = load_self(c, &card, &uploaded);
    if (status != CARDX_EXIT_OK)
        return status;
    if (write_temp_card(card, path, sizeof(path)) < 0) {
        status = cmd_fail(c, CARDX_EXIT_ERROR,
                          "cannot write a temporary "
                          "file: %s",
                          strerror(errno));
        goto out;
    }
    if (run_editor(path) < 0) {
        status = cmd_fail(c, CARDX_EXIT_ERROR,
                          "the editor failed; your card is unchanged");
    } else if (!(text = read_file(path))) {
        status = cmd_fail(c, CARDX_EXIT_ERROR, "cannot read %s back", path);
    } else if ((n = cardx_card_from_vcard(text, &edited, &err)) < 0 &&
               n != CARDX_E_NOTFOUND) {
        status = cmd_fail(c, CARDX_EXIT_ERROR,
                          "edited card: %s; your card is unchanged",
                          err ? err : "out of memory");
    } else if (n != 1) {
        status = cmd_fail(c, CARDX_EXIT_ERROR,
                          "the file must hold exactly one card (it holds "
                          "%d); your card is unchanged",
                          n < 0 ? 0 : n);
    } else if (card && cardx_card_same_fields(card, edited)) {
        fputs(_("card unchanged\n"), c->out);
    } else {
        status = save_self(c, edited);
    }
    unlink(path);
out:
    cardx_free(err);
    free(text);
    cardx_card_free(edited);
    cardx_card_free(card);
    return status;
}

int cmd_card(struct cardx_cmd *c, int argc, char **argv)
{
    const char *sub = argc > 1 ? argv[1] : "show";

    if (strcmp(sub, "show") == 0 && argc <= 2)
        return card_show(c);
    if (strcmp(sub, "set") == 0)
        return card_set(c, argc - 2, argv + 2);
    if (strcmp(sub, "edit") == 0 && argc == 2)
        return card_edit(c);
    if (strcmp(sub, "qr") == 0)
        return cmd_card_qr(c, argc - 2, argv + 2);
    if (strcmp(sub, "profile") == 0)
        return cmd_card_profile(c, argc - 1, argv + 1);
    return cmd_fail(c, CARDX_EXIT_USAGE,
                    "usage: cardx card [show | set FIELD=VALUE... | edit | "
                    "qr [--png FILE] | profile ...]");
}
