/* Photos in cards: cardx card set photo=@FILE and the photo line of the
 * own card's view. */
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
