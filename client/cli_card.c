/* cardx card: show, set and edit (in $EDITOR) the user's own card, stored
 * locally and uploaded to cardxd when the server can be reached. */
#include "client/commands_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "card/vcardtext.h"
#include "common/util.h"

/* The own card as a stanza (NULL when none is set) and its fields. Returns
 * 0 or an exit status after reporting. */
static int load_self(struct cardx_cmd *c, xmpp_stanza_t **vcard,
                     struct vcard_fields *f, int *uploaded)
{
    struct cardstore *cs;
    xmpp_ctx_t *ctx = cmd_xctx(c);
    char *xml = NULL;
    int status;

    *vcard = NULL;
    cs = cmd_store(c, &status);
    if (!cs)
        return status;
    if (!ctx)
        return cmd_fail(c, CARDX_EXIT_ERROR, "out of memory");
    if (cardstore_self_get(cs, &xml, uploaded) != CARDSTORE_OK)
        return cmd_fail(c, CARDX_EXIT_ERROR, "cannot read your card: %s",
                        cardstore_errmsg(cs));
    if (!xml)
        return CARDX_EXIT_OK;
    *vcard = vcard_from_text(ctx, xml);
    free(xml);
    if (!*vcard || vcard_parse(*vcard, f) != 0) {
        if (*vcard)
            xmpp_stanza_release(*vcard);
        *vcard = NULL;
        return cmd_fail(c, CARDX_EXIT_ERROR, "your stored card is damaged");
    }
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
    if (!cmd_online(c, &status)) {
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

/* Stores f as the own card, keeping whatever else old holds, then uploads
 * it. */
static int save_self(struct cardx_cmd *c, xmpp_stanza_t *old,
                     const struct vcard_fields *f)
{
    xmpp_ctx_t *ctx = cmd_xctx(c);
    xmpp_stanza_t *vcard;
    struct cardstore *cs;
    char *xml;
    int status, rc;

    cs = cmd_store(c, &status);
    if (!cs)
        return status;
    vcard = old ? vcard_merge(ctx, old, f) : vcard_build(ctx, f);
    xml = vcard ? vcard_to_text(vcard) : NULL;
    if (vcard)
        xmpp_stanza_release(vcard);
    if (!xml)
        return cmd_fail(c, CARDX_EXIT_ERROR, "out of memory");
    rc = cardstore_self_set(cs, xml, 0);
    free(xml);
    if (rc != CARDSTORE_OK)
        return cmd_fail(c, CARDX_EXIT_ERROR, "cannot save your card: %s",
                        cardstore_errmsg(cs));
    return upload_after_change(c);
}

static int card_show(struct cardx_cmd *c)
{
    struct vcard_fields f = {0};
    xmpp_stanza_t *vcard;
    int uploaded = 0;
    int status = load_self(c, &vcard, &f, &uploaded);

    if (status != CARDX_EXIT_OK)
        return status;
    if (!vcard) {
        fputs(_("no card yet: cardx card set name=\"Your Name\" ...\n"),
              c->out);
        return CARDX_EXIT_OK;
    }
    cmd_print_fields(c, &f);
    cmd_print_photo(c, vcard);
    fprintf(c->out, "(%s)\n",
            uploaded ? "uploaded" : "not uploaded yet: cardx sync uploads it");
    vcard_fields_clear(&f);
    xmpp_stanza_release(vcard);
    return CARDX_EXIT_OK;
}

static int card_set(struct cardx_cmd *c, int argc, char **argv)
{
    struct vcard_fields f = {0};
    xmpp_stanza_t *vcard;
    int uploaded, status;

    if (argc < 1)
        return cmd_fail(c, CARDX_EXIT_USAGE,
                        "usage: cardx card set FIELD=VALUE...");
    status = load_self(c, &vcard, &f, &uploaded);
    if (status == CARDX_EXIT_OK)
        status = cmd_photo_assign(c, &vcard, &f, &argc, argv);
    if (status == CARDX_EXIT_OK)
        status = cmd_apply_assignments(c, &f, argc, argv);
    if (status == CARDX_EXIT_OK)
        status = save_self(c, vcard, &f);
    vcard_fields_clear(&f);
    if (vcard)
        xmpp_stanza_release(vcard);
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

/* Collects the one card an edited file must hold. */
struct one_card {
    struct vcardtext_card card;
    int count;
};

static int take_card(void *ud, const struct vcardtext_card *card)
{
    struct one_card *one = ud;

    if (one->count++ == 0)
        return vcardtext_card_copy(&one->card, card) == 0 ? 0 : 1;
    return 0;
}

/* Writes the card to a fresh .vcf file; path receives its name. */
static int write_temp_card(const struct vcard_fields *f, char *path,
                           size_t size)
{
    struct vcardtext_card card = {0};
    const char *tmp = getenv("TMPDIR");
    char *text;
    int fd, rc = -1;

    snprintf(path, size, "%s/cardx-card-XXXXXX.vcf",
             tmp && tmp[0] ? tmp : "/tmp");
    card.f = *f;
    text = vcardtext_write(&card);
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
    free(text);
    return rc;
}

static int card_edit(struct cardx_cmd *c)
{
    struct vcard_fields f = {0};
    struct one_card one = {0};
    xmpp_stanza_t *vcard = NULL;
    char path[4096], *text = NULL, *err = NULL;
    int uploaded, status;

    status = load_self(c, &vcard, &f, &uploaded);
    if (status != CARDX_EXIT_OK)
        return status;
    if (write_temp_card(&f, path, sizeof(path)) < 0) {
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
    } else if (vcardtext_parse(text, take_card, &one, &err) < 0) {
        status = cmd_fail(c, CARDX_EXIT_ERROR,
                          "edited card: %s; your card is unchanged",
                          err ? err : "out of memory");
    } else if (one.count != 1) {
        status = cmd_fail(c, CARDX_EXIT_ERROR,
                          "the file must hold exactly one card (it holds "
                          "%d); your card is unchanged",
                          one.count);
    } else if (vcard && vcard_fields_equal(&f, &one.card.f)) {
        fputs(_("card unchanged\n"), c->out);
    } else {
        status = save_self(c, vcard, &one.card.f);
    }
    unlink(path);
out:
    free(err);
    free(text);
    vcardtext_card_clear(&one.card);
    vcard_fields_clear(&f);
    if (vcard)
        xmpp_stanza_release(vcard);
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
