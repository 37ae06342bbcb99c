/* Photos in cards: cardx card set photo=@FILE (and photo= to remove it),
 * on libcardx's cards (client/cli.h). */
#include "client/cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PHOTO_ARG "photo="

/* Reads the whole file at path into *data. Returns 0 or an exit status
 * after reporting; a file larger than the limit is refused before it is
 * read whole. */
static int read_photo(struct cardx_cmd *c, const char *path,
                      unsigned char **data, size_t *len)
{
    FILE *f = fopen(path, "rbe");
    size_t cap = CARDX_PHOTO_MAX_BYTES + 1;
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

/* Puts the photo in path on card, or removes it when path is empty. */
static int apply_photo(struct cardx_cmd *c, cardx_card *card, const char *path)
{
    unsigned char *data = NULL;
    size_t len = 0;
    const char *why = NULL;
    int status = CARDX_EXIT_OK, rc;

    if (*path && (status = read_photo(c, path, &data, &len)) != 0)
        return status;
    if (len > CARDX_PHOTO_MAX_BYTES) {
        free(data);
        return cmd_fail(c, CARDX_EXIT_USAGE,
                        "%s: the photo is larger than %d bytes; make it "
                        "smaller (a 256x256 JPEG is enough)",
                        path, CARDX_PHOTO_MAX_BYTES);
    }
    rc = cardx_card_photo_set(card, data, len, &why);
    free(data);
    if (rc == CARDX_E_INVAL)
        return cmd_fail(c, CARDX_EXIT_USAGE, "%s: %s", path, why ? why : "?");
    if (rc != CARDX_OK)
        return cmd_fail(c, CARDX_EXIT_ERROR, "out of memory");
    return CARDX_EXIT_OK;
}

int cmd_photo_assign(struct cardx_cmd *c, cardx_card *card, int *argc,
                     char **argv)
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
        status = apply_photo(c, card, *arg ? arg + 1 : "");
        if (status != CARDX_EXIT_OK)
            return status;
    }
    *argc = kept;
    return status;
}
