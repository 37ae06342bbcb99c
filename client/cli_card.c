/* cardx card: show, set and edit (in $EDITOR) the user's own card, stored
 * locally and uploaded to cardxd when the server can be reached. On
 * libcardx's public API (client/cli.h). */
#include "client/cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* The own card (*card NULL when none is set). Returns 0 or an exit status
 * after reporting. */
static int load_self(struct cardx_cmd *c, cardx_card **card, int *uploaded)
{
    cardx_store *st;
    int status, rc;

    *card = NULL;
    st = cmd_lib_store(c, &status);
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
    cardx_client *cl;
    int status, rc;

    if (!cmd_jid(c)) {
        fprintf(c->out, "saved locally; not uploaded (no account yet: run "
                        "cardx register)\n");
        return CARDX_EXIT_OK;
    }
    cl = cmd_lib_online(c, &status);
    if (!cl) {
        fprintf(c->out, "saved locally; not uploaded yet: cardx sync will "
                        "upload it\n");
        return status == CARDX_EXIT_NETWORK ? CARDX_EXIT_OK : status;
    }
    rc = cardx_client_upload_self_blocking(cl);
    if (rc == CARDX_OK) {
        fprintf(c->out, "saved and uploaded to %s\n", cmd_component(c));
        return CARDX_EXIT_OK;
    }
    status = cmd_fail(c, cmd_lib_status(rc), "%s", cardx_client_errmsg(cl));
    fprintf(c->out, "saved locally; not uploaded yet\n");
    return status == CARDX_EXIT_NETWORK ? CARDX_EXIT_OK : status;
}

/* Stores card as the own card (keeping whatever else the stored one
 * holds), then uploads it. */
static int save_self(struct cardx_cmd *c, const cardx_card *card)
{
    cardx_store *st;
    int status;

    st = cmd_lib_store(c, &status);
    if (!st)
        return status;
    if (cardx_store_self_set(st, card) != CARDX_OK)
        return cmd_fail(c, CARDX_EXIT_ERROR, "cannot save your card: %s",
                        cardx_store_errmsg(st));
    return upload_after_change(c);
}

static int card_show(struct cardx_cmd *c)
{
    cardx_card *card;
    int uploaded = 0;
    int status = load_self(c, &card, &uploaded);

    if (status != CARDX_EXIT_OK)
        return status;
    if (!card) {
        fprintf(c->out, "no card yet: cardx card set name=\"Your Name\" ...\n");
        return CARDX_EXIT_OK;
    }
    cmd_print_card(c, card);
    fprintf(c->out, "(%s)\n",
            uploaded ? "uploaded" : "not uploaded yet: cardx sync uploads it");
    cardx_card_free(card);
    return CARDX_EXIT_OK;
}

static int card_set(struct cardx_cmd *c, int argc, char **argv)
{
    cardx_card *card;
    int uploaded, status;

    if (argc < 1)
        return cmd_fail(c, CARDX_EXIT_USAGE,
                        "usage: cardx card set FIELD=VALUE...");
    status = load_self(c, &card, &uploaded);
    if (status == CARDX_EXIT_OK && !card && !(card = cardx_card_new()))
        status = cmd_fail(c, CARDX_EXIT_ERROR, "out of memory");
    if (status == CARDX_EXIT_OK)
        status = cmd_apply_to_card(c, card, argc, argv);
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

    if (asprintf(&script, "%s \"$@\"", editor && editor[0] ? editor : "vi") < 0)
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

/* Writes the card (its fields) to a fresh .vcf file; path receives its
 * name. */
static int write_temp_card(const cardx_card *card, char *path, size_t size)
{
    const char *tmp = getenv("TMPDIR");
    cardx_card *fields = cardx_card_new();
    char *text = NULL;
    int fd, rc = -1;

    snprintf(path, size, "%s/cardx-card-XXXXXX.vcf",
             tmp && tmp[0] ? tmp : "/tmp");
    for (const char *const *f = cardx_field_names(); fields && card && *f; f++)
        cardx_card_set(fields, *f, cardx_card_get(card, *f));
    text = fields ? cardx_card_to_vcard(fields) : NULL;
    cardx_card_free(fields);
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

/* Stores the edited card unless it is the same; the file at path held it. */
static int take_edit(struct cardx_cmd *c, const cardx_card *old,
                     const char *path)
{
    cardx_card *edited = NULL;
    char *text, *err = NULL;
    int n, status;

    text = read_file(path);
    if (!text)
        return cmd_fail(c, CARDX_EXIT_ERROR, "cannot read %s back", path);
    n = cardx_card_from_vcard(text, &edited, &err);
    free(text);
    if (n == CARDX_E_NOTFOUND)
        n = 0;
    if (n < 0)
        status = cmd_fail(c, CARDX_EXIT_ERROR,
                          "edited card: %s; your card is unchanged",
                          err ? err : "out of memory");
    else if (n != 1)
        status = cmd_fail(c, CARDX_EXIT_ERROR,
                          "the file must hold exactly one card (it holds "
                          "%d); your card is unchanged",
                          n);
    else if (old && cardx_card_same_fields(old, edited)) {
        fprintf(c->out, "card unchanged\n");
        status = CARDX_EXIT_OK;
    } else
        status = save_self(c, edited);
    cardx_free(err);
    cardx_card_free(edited);
    return status;
}

static int card_edit(struct cardx_cmd *c)
{
    cardx_card *card = NULL;
    char path[4096];
    int uploaded, status;

    status = load_self(c, &card, &uploaded);
    if (status != CARDX_EXIT_OK)
        return status;
    if (write_temp_card(card, path, sizeof(path)) < 0) {
        status = cmd_fail(c, CARDX_EXIT_ERROR,
                          "cannot write a temporary "
                          "file: %s",
                          strerror(errno));
        cardx_card_free(card);
        return status;
    }
    if (run_editor(path) < 0)
        status = cmd_fail(c, CARDX_EXIT_ERROR,
                          "the editor failed; your card is unchanged");
    else
        status = take_edit(c, card, path);
    unlink(path);
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
    return cmd_fail(c, CARDX_EXIT_USAGE,
                    "usage: cardx card [show | set FIELD=VALUE... | edit]");
}
