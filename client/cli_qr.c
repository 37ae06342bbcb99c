/* cardx card qr: the own card as a QR code a phone camera imports, on the
 * terminal or as a PNG file; the card from libcardx's store
 * (client/cli.h). */
#include "client/cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "client/qrcard.h"
#include "common/errors.h"

#define QR_USAGE "usage: cardx card qr [--png FILE] [--invert]"

/* The own card into *card. Returns 0 or an exit status after reporting
 * (no card is a usage error: there is nothing to show). */
static int qr_load(struct cardx_cmd *c, cardx_card **card)
{
    int status, rc;
    cardx_store *st = cmd_lib_store(c, &status);

    if (!st)
        return status;
    rc = cardx_store_self_get(st, card, NULL);
    if (rc == CARDX_E_NOTFOUND)
        return cmd_fail(c, CARDX_EXIT_USAGE,
                        "no card yet: cardx card set name=\"Your Name\" ...");
    if (rc == CARDX_E_INVAL)
        return cmd_fail(c, CARDX_EXIT_ERROR, "your stored card is damaged");
    if (rc != CARDX_OK)
        return cmd_fail(c, CARDX_EXIT_ERROR, "cannot read your card: %s",
                        cardx_store_errmsg(st));
    return CARDX_EXIT_OK;
}

/* Says which fields did not fit, on err so that the code on out stays
 * clean for a pipe. */
static void qr_report_dropped(struct cardx_cmd *c, const struct qrcard *q)
{
    const char *const *d = qrcard_dropped(q);

    if (!*d)
        return;
    fputs("cardx: the card is too large for a QR code; left out:", c->err);
    for (; *d; d++)
        fprintf(c->err, " %s", *d);
    fputc('\n', c->err);
    fflush(c->err);
}

int cmd_card_qr(struct cardx_cmd *c, int argc, char **argv)
{
    cardx_card *card = NULL;
    struct qrcard *q = NULL;
    const char *png = NULL;
    int invert = 0, status, rc;

    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--png") == 0 && i + 1 < argc)
            png = argv[++i];
        else if (strcmp(argv[i], "--invert") == 0)
            invert = 1;
        else
            return cmd_fail(c, CARDX_EXIT_USAGE, QR_USAGE);
    }
    status = qr_load(c, &card);
    if (status != CARDX_EXIT_OK)
        goto out;
    rc = qrcard_new_card(card, &q);
    if (rc == CX_EINVAL) {
        status = cmd_fail(c, CARDX_EXIT_ERROR,
                          "your card does not fit in a QR code even with "
                          "only name and phone; shorten them");
        goto out;
    }
    if (rc != 0) {
        status = cmd_fail(c, CARDX_EXIT_ERROR, "out of memory");
        goto out;
    }
    qr_report_dropped(c, q);
    errno = 0;
    rc = png ? qrcard_write_png(q, png) : 0;
    if (rc != 0)
        status =
            cmd_fail(c, CARDX_EXIT_ERROR, "cannot write %s: %s", png,
                     rc == CX_EIO && errno ? strerror(errno) : "out of memory");
    else if (png)
        fprintf(c->out, "wrote %s\n", png);
    else if (qrcard_print(q, c->out, invert) != 0)
        status = CARDX_EXIT_ERROR;
out:
    qrcard_free(q);
    cardx_card_free(card);
    return status;
}
