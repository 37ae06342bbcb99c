/* The own card as a QR code: vCard 3.0 text, shrunk until it fits, and
 * drawn as terminal half blocks or a PNG. */
#include "client/qrcard.h"

#include <errno.h>
#include <png.h>
#include <qrencode.h>
#include <stdlib.h>
#include <string.h>

#include "card/vcard.h"

/* Fields cardx may leave out, least needed first: what remains (name and
 * phone) is what a phone needs to make a contact. */
static const char *const drop_order[] = {"note",  "address", "url",
                                         "title", "org",     "email"};
#define NDROP (sizeof(drop_order) / sizeof(drop_order[0]))

struct qrcard {
    QRcode *code;
    char *text;
    const char *dropped[NDROP + 1];
};

static int is_dropped(const char *field, const char *const *dropped)
{
    for (; *dropped; dropped++)
        if (strcmp(*dropped, field) == 0)
            return 1;
    return 0;
}

/* Writes s escaped as a vCard 3.0 TEXT value (RFC 2426 5): backslash,
 * comma, semicolon and line breaks. */
static void put_text(FILE *out, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\' || *s == ',' || *s == ';')
            fputc('\\', out);
        if (*s == '\n')
            fputs("\\n", out);
        else
            fputc(*s, out);
    }
}

/* One "HEAD VALUE TAIL\r\n" line when value is set and field not left out;
 * head ends with the ':' and any leading structured components. */
static void put_line(FILE *out, const char *head, const char *tail,
                     const char *field, const char *value,
                     const char *const *dropped)
{
    if (!value || is_dropped(field, dropped))
        return;
    fputs(head, out);
    put_text(out, value);
    fprintf(out, "%s\r\n", tail);
}

/* The vCard 3.0 text of f without the dropped fields; NULL when out of
 * memory. FN is required by 3.0, so a nameless card is named by its
 * phone. */
static char *card_text(const struct vcard_fields *f, const char *const *dropped)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);

    if (!out)
        return NULL;
    fputs("BEGIN:VCARD\r\nVERSION:3.0\r\nN:", out);
    put_text(out, f->family ? f->family : "");
    fputc(';', out);
    put_text(out, f->given ? f->given : "");
    fputs(";;;\r\n", out);
    put_line(out, "FN:", "", "name", f->name ? f->name : f->phone, dropped);
    put_line(out, "TEL;TYPE=CELL:", "", "phone", f->phone, dropped);
    put_line(out, "EMAIL;TYPE=INTERNET:", "", "email", f->email, dropped);
    put_line(out, "ORG:", "", "org", f->org, dropped);
    put_line(out, "TITLE:", "", "title", f->title, dropped);
    put_line(out, "ADR;TYPE=WORK:;;", ";;;;", "address", f->address, dropped);
    put_line(out, "URL:", "", "url", f->url, dropped);
    put_line(out, "NOTE:", "", "note", f->note, dropped);
    fputs("END:VCARD\r\n", out);
    if (fclose(out) != 0) {
        free(text);
        return NULL;
    }
    return text;
}

/* Encodes q->text into q->code if it fits. Returns 0, CX_EINVAL when too
 * large, or CX_ENOMEM. */
static int encode(struct qrcard *q)
{
    errno = 0;
    q->code = QRcode_encodeString8bit(q->text, 0, QR_ECLEVEL_M);
    if (!q->code)
        return errno == ENOMEM ? CX_ENOMEM : CX_EINVAL;
    if (q->code->version > QRCARD_MAX_VERSION) {
        QRcode_free(q->code);
        q->code = NULL;
        return CX_EINVAL;
    }
    return 0;
}

int qrcard_new_card(const cardx_card *card, struct qrcard **out)
{
    struct vcard_fields f = {0};
    int rc = 0;

    *out = NULL;
    for (const char *const *n = cardx_field_names(); rc == 0 && *n; n++)
        rc = vcard_fields_set(&f, *n, cardx_card_get(card, *n));
    if (rc == 0)
        rc = qrcard_new(&f, out);
    vcard_fields_clear(&f);
    return rc;
}

int qrcard_new(const struct vcard_fields *f, struct qrcard **out)
{
    struct qrcard *q;
    size_t next = 0, count = 0;
    int rc;

    *out = NULL;
    if (!f->name && !f->phone)
        return CX_EINVAL;
    q = calloc(1, sizeof(*q));
    if (!q)
        return CX_ENOMEM;
    for (;;) {
        q->text = card_text(f, q->dropped);
        rc = q->text ? encode(q) : CX_ENOMEM;
        if (rc != CX_EINVAL)
            break;
        free(q->text);
        q->text = NULL;
        /* Skip fields the card does not have: leaving them out gains
         * nothing and would be reported falsely. */
        while (next < NDROP && !vcard_fields_get(f, drop_order[next]))
            next++;
        if (next == NDROP)
            break;
        q->dropped[count++] = drop_order[next++];
    }
    if (rc != 0) {
        qrcard_free(q);
        return rc;
    }
    *out = q;
    return 0;
}

void qrcard_free(struct qrcard *q)
{
    if (!q)
        return;
    if (q->code)
        QRcode_free(q->code);
    free(q->text);
    free(q);
}

const char *qrcard_text(const struct qrcard *q)
{
    return q->text;
}

const char *const *qrcard_dropped(const struct qrcard *q)
{
    return q->dropped;
}

/* Whether the module at x, y is dark; the quiet zone (outside the code)
 * is light. */
static int dark(const struct qrcard *q, int x, int y)
{
    int w = q->code->width;

    if (x < 0 || y < 0 || x >= w || y >= w)
        return 0;
    return q->code->data[y * w + x] & 1;
}

int qrcard_print(const struct qrcard *q, FILE *out, int invert)
{
    /* Indexed by (top light) << 1 | (bottom light). */
    static const char *const cells[4] = {" ", "\xe2\x96\x84", "\xe2\x96\x80",
                                         "\xe2\x96\x88"};
    int lo = -QRCARD_QUIET_ZONE, hi = q->code->width + QRCARD_QUIET_ZONE;

    for (int y = lo; y < hi; y += 2) {
        for (int x = lo; x < hi; x++) {
            int top = dark(q, x, y) == invert;
            int bottom = dark(q, x, y + 1) == invert;
            fputs(cells[top << 1 | bottom], out);
        }
        fputc('\n', out);
    }
    return fflush(out) == 0 && !ferror(out) ? 0 : CX_EIO;
}

/* Fills one PNG row (bytes, one a pixel) for module row y. */
static void png_row(const struct qrcard *q, int y, png_bytep row)
{
    int lo = -QRCARD_QUIET_ZONE, hi = q->code->width + QRCARD_QUIET_ZONE;
    size_t i = 0;

    for (int x = lo; x < hi; x++)
        for (int s = 0; s < QRCARD_PNG_SCALE; s++)
            row[i++] = dark(q, x, y) ? 0 : 255;
}

/* Writes the image through png (set up by the caller); libpng reports
 * errors by longjmp, so nothing here owns memory. */
static int png_body(const struct qrcard *q, png_structp png, png_infop info,
                    FILE *fp, png_bytep row)
{
    int side = (q->code->width + 2 * QRCARD_QUIET_ZONE);

    if (setjmp(png_jmpbuf(png)))
        return CX_EIO;
    png_init_io(png, fp);
    png_set_IHDR(png, info, (png_uint_32)(side * QRCARD_PNG_SCALE),
                 (png_uint_32)(side * QRCARD_PNG_SCALE), 8, PNG_COLOR_TYPE_GRAY,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (int y = -QRCARD_QUIET_ZONE; y < side - QRCARD_QUIET_ZONE; y++) {
        png_row(q, y, row);
        for (int s = 0; s < QRCARD_PNG_SCALE; s++)
            png_write_row(png, row);
    }
    png_write_end(png, NULL);
    return 0;
}

int qrcard_write_png(const struct qrcard *q, const char *path)
{
    size_t side =
        (size_t)(q->code->width + 2 * QRCARD_QUIET_ZONE) * QRCARD_PNG_SCALE;
    png_bytep row = malloc(side);
    png_structp png = NULL;
    png_infop info = NULL;
    FILE *fp = NULL;
    int rc = CX_ENOMEM;

    if (!row)
        goto out;
    png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    info = png ? png_create_info_struct(png) : NULL;
    if (!info)
        goto out;
    rc = CX_EIO;
    fp = fopen(path, "wbe");
    if (!fp)
        goto out;
    rc = png_body(q, png, info, fp, row);
out:
    if (fp && fclose(fp) != 0 && rc == 0)
        rc = CX_EIO;
    if (png)
        png_destroy_write_struct(&png, info ? &info : NULL);
    free(row);
    return rc;
}
