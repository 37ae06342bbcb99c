/* Photos in cards: cardx card set photo=@FILE, the photo line of card,
 * inbox and contact views, cardx contacts photo ID FILE, and the PHOTO
 * property of an export. */
#include "client/commands_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "card/vcard_photo.h"
#include "common/util.h"

#define PHOTO_ARG "photo="

/* Reads the whole file at path into *data. Returns 0 or an exit status
 * after reporting; a file larger than the limit is refused before it is
 * read whole. */
static int read_photo(struct cardx_cmd *c, const char *path,
                      unsigned char **data, size_t *len)
{
    FILE *f = fopen(path, "rbe");
    size_t cap = VCARD_PHOTO_MAX_BYTES + 1;
    int status = CARDX_EXIT_OK;

    *data = NULL;
    *len = 0;
    if (!f)
        return cmd_fail(c, CARDX_EXIT_ERROR, "cannot open %s: %s", path,
                        strerror(errno));
    *data = malloc(cap);
    if (!*data)
        status = cmd_fail(c, CARDX_EXIT_ERROR, "out of memory");
    else
        *len = fread(*data, 1, cap, f);
    if (status == CARDX_EXIT_OK && ferror(f))
        status = cmd_fail(c, CARDX_EXIT_ERROR, "cannot read %s: %s", path,
                          strerror(errno));
    fclose(f);
    if (status != CARDX_EXIT_OK) {
        free(*data);
        *data = NULL;
    }
    return status;
}

/* A new card from vcard (or from f when there is none yet) holding the
 * photo in path, or none when path is empty. */
static int apply_photo(struct cardx_cmd *c, xmpp_stanza_t **vcard,
                       const struct vcard_fields *f, const char *path)
{
    xmpp_ctx_t *ctx = cmd_xctx(c);
    struct vcard_photo_info info = {0};
    unsigned char *data = NULL;
    size_t len = 0;
    xmpp_stanza_t *base = *vcard, *out;
    const char *why;
    int status = CARDX_EXIT_OK;

    if (*path && (status = read_photo(c, path, &data, &len)) != 0)
        return status;
    if (len > VCARD_PHOTO_MAX_BYTES) {
        free(data);
        return cmd_fail(c, CARDX_EXIT_USAGE,
                        "%s: the photo is larger than %d bytes; make it "
                        "smaller (a 256x256 JPEG is enough)",
                        path, VCARD_PHOTO_MAX_BYTES);
    }
    if (data &&
        vcard_photo_check(data, len, VCARD_PHOTO_MAX_BYTES, &info, &why) != 0) {
        free(data);
        return cmd_fail(c, CARDX_EXIT_USAGE, "%s: %s", path, why);
    }
    if (!base && !(base = vcard_build(ctx, f)))
        status = cmd_fail(c, CARDX_EXIT_ERROR, "out of memory");
    out = base ? vcard_photo_set(ctx, base, data, len, &info) : NULL;
    if (base && !out)
        status = cmd_fail(c, CARDX_EXIT_ERROR, "out of memory");
    if (base && base != *vcard)
        xmpp_stanza_release(base);
    if (out) {
        if (*vcard)
            xmpp_stanza_release(*vcard);
        *vcard = out;
    }
    free(data);
    return status;
}

int cmd_photo_assign(struct cardx_cmd *c, xmpp_stanza_t **vcard,
                     const struct vcard_fields *f, int *argc, char **argv)
{
    int kept = 0, status = CARDX_EXIT_OK;

    for (int i = 0; i < *argc; i++) {
        const char *arg = argv[i];
        if (strncasecmp(arg, PHOTO_ARG, strlen(PHOTO_ARG)) != 0) {
            argv[kept++] = argv[i];
            continue;
        }
        arg += strlen(PHOTO_ARG);
        if (*arg && *arg != '@')
            return cmd_fail(c, CARDX_EXIT_USAGE,
                            "photo takes a file: photo=@face.jpg (or photo= "
                            "to remove it)");
        status = apply_photo(c, vcard, f, *arg ? arg + 1 : "");
        if (status != CARDX_EXIT_OK)
            return status;
    }
    *argc = kept;
    return status;
}

void cmd_print_photo(struct cardx_cmd *c, xmpp_stanza_t *vcard)
{
    struct vcard_photo_info info;
    unsigned char *data = NULL;
    size_t len;
    const char *why = NULL;
    int rc =
        vcard ? vcard_photo_get(vcard, &data, &len, &info, &why) : CX_ENOTFOUND;

    if (rc == 0)
        fprintf(c->out, "%-8s %s %ux%u, %zu bytes\n", "photo", info.label,
                info.width, info.height, info.size);
    else if (rc == CX_EINVAL)
        fprintf(c->out, "%-8s unreadable (%s)\n", "photo", why);
    free(data);
}

void cmd_print_photo_xml(struct cardx_cmd *c, const char *vcard_xml)
{
    xmpp_ctx_t *ctx = cmd_xctx(c);
    xmpp_stanza_t *v =
        vcard_xml && ctx ? vcard_from_text(ctx, vcard_xml) : NULL;

    cmd_print_photo(c, v);
    if (v)
        xmpp_stanza_release(v);
}

/* Whether the vCard text lines in extra already hold a PHOTO (the contact
 * was imported from a .vcf that had one). */
static int extra_has_photo(const char *extra)
{
    for (const char *l = extra; l && *l; l = strchr(l, '\n')) {
        const char *dot;
        if (*l == '\n')
            l++;
        dot = strpbrk(l, ".:;\n");
        if (dot && *dot == '.') /* group prefix */
            l = dot + 1;
        if (strncasecmp(l, "PHOTO", 5) == 0 && (l[5] == ':' || l[5] == ';'))
            return 1;
        if (!strchr(l, '\n'))
            break;
    }
    return 0;
}

char *cmd_photo_extra(struct cardx_cmd *c, const struct cardstore_card *card)
{
    xmpp_ctx_t *ctx = cmd_xctx(c);
    xmpp_stanza_t *v;
    char *line = NULL, *extra = NULL;

    if (!card->vcard_xml || !ctx || extra_has_photo(card->extra))
        return NULL;
    v = vcard_from_text(ctx, card->vcard_xml);
    if (v && vcard_photo_vcf_line(v, 4, &line) == 0)
        extra = card->extra ? str_printf("%s\n%s", card->extra, line)
                            : strdup(line);
    free(line);
    if (v)
        xmpp_stanza_release(v);
    return extra;
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

int cmd_contacts_photo(struct cardx_cmd *c, struct cardstore *cs, int argc,
                       char **argv)
{
    struct cardstore_card *card = NULL;
    struct vcard_photo_info info;
    xmpp_ctx_t *ctx = cmd_xctx(c);
    xmpp_stanza_t *v = NULL;
    unsigned char *data = NULL;
    size_t len = 0;
    const char *why = NULL;
    int64_t id;
    int rc, status = CARDX_EXIT_OK;

    if (argc != 2)
        return cmd_fail(c, CARDX_EXIT_USAGE,
                        "usage: cardx contacts photo ID FILE");
    id = cmd_parse_id(argv[0]);
    if (id < 0)
        return cmd_fail(c, CARDX_EXIT_USAGE, "'%s' is not a contact id",
                        argv[0]);
    rc = cardstore_contact_get(cs, id, &card);
    if (rc != CARDSTORE_OK)
        return cmd_fail(
            c, rc == CARDSTORE_ENOTFOUND ? CARDX_EXIT_ERROR : CARDX_EXIT_ERROR,
            "no contact %lld", (long long)id);
    if (card->vcard_xml && ctx)
        v = vcard_from_text(ctx, card->vcard_xml);
    rc = v ? vcard_photo_get(v, &data, &len, &info, &why) : CX_ENOTFOUND;
    if (rc == CX_ENOTFOUND)
        status = cmd_fail(c, CARDX_EXIT_ERROR, "contact %lld has no photo",
                          (long long)id);
    else if (rc != 0)
        status = cmd_fail(c, CARDX_EXIT_ERROR, "contact %lld: %s",
                          (long long)id, why ? why : "out of memory");
    else if (write_photo(argv[1], data, len) != 0)
        status = cmd_fail(c, CARDX_EXIT_ERROR, "cannot write %s: %s", argv[1],
                          strerror(errno));
    else
        fprintf(c->out, "wrote %s (%s %ux%u, %zu bytes)\n", argv[1], info.label,
                info.width, info.height, len);
    free(data);
    if (v)
        xmpp_stanza_release(v);
    cardstore_card_free(card);
    return status;
}
