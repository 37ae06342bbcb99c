/* Unit tests for photos in cards: the image check (card/vcard_photo.c)
 * and the client's photo commands (client/cli_photo.c) run offline; and
 * cardx card qr's messages (client/cli_qr.c). */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "card/vcard_photo.h"
#include "client/cliparse.h"
#include "client/cardstore.h"
#include "client/commands.h"
#include "client/settings.h"
#include "lib/lib_int.h"
#include "tests/lib/runner.h"

/* The store underneath the command context's, for cards put in as if
 * they had arrived. */
static struct cardstore *cmd_store(struct cardx_cmd *c, int *status)
{
    cardx_store *st = cmd_lib_store(c, status);

    return st ? lib_store_cardstore(st) : NULL;
}

/* The bytes of tests/unit/data/photo/NAME into *len (caller frees). */
static unsigned char *slurp(const char *name, size_t *len)
{
    char path[1024];
    unsigned char *buf = malloc(1 << 20);
    FILE *fp;

    snprintf(path, sizeof(path), "%s/tests/unit/data/photo/%s", SRCDIR, name);
    fp = fopen(path, "rb");
    ck_assert_msg(fp != NULL, "cannot open %s", path);
    ck_assert_ptr_nonnull(buf);
    *len = fread(buf, 1, 1 << 20, fp);
    fclose(fp);
    return buf;
}

START_TEST(jpeg_and_png_headers_give_type_and_size)
{
    struct vcard_photo_info info;
    size_t len;
    unsigned char *jpg = slurp("face.jpg", &len);

    ck_assert_int_eq(
        vcard_photo_check(jpg, len, VCARD_PHOTO_MAX_BYTES, &info, NULL), 0);
    ck_assert_str_eq(info.mime, "image/jpeg");
    ck_assert_str_eq(info.label, "JPEG");
    ck_assert_uint_eq(info.width, 96);
    ck_assert_uint_eq(info.height, 64);
    ck_assert_uint_eq(info.size, len);
    free(jpg);
    jpg = slurp("face.png", &len);
    ck_assert_int_eq(
        vcard_photo_check(jpg, len, VCARD_PHOTO_MAX_BYTES, &info, NULL), 0);
    ck_assert_str_eq(info.mime, "image/png");
    ck_assert_uint_eq(info.width, 40);
    ck_assert_uint_eq(info.height, 30);
    free(jpg);
}
END_TEST

START_TEST(bad_images_are_refused_with_a_reason)
{
    static const unsigned char gif[] = "GIF89a\x01\x00\x01\x00";
    static const unsigned char png_no_ihdr[] =
        "\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIDAT0123456789abcdefgh";
    static const unsigned char jpeg_no_sof[] =
        "\xFF\xD8\xFF\xE0\x00\x04JF\xFF\xDA\x00\x02";
    size_t len;
    unsigned char *png = slurp("face.png", &len);
    const char *why = NULL;

    ck_assert_int_eq(vcard_photo_check(gif, sizeof(gif), 1000, NULL, &why),
                     CX_EINVAL);
    ck_assert_str_eq(why, "not a JPEG or PNG image");
    ck_assert_int_eq(
        vcard_photo_check(png_no_ihdr, sizeof(png_no_ihdr), 1000, NULL, &why),
        CX_EINVAL);
    ck_assert_str_eq(why, "the PNG has no image header (IHDR)");
    ck_assert_int_eq(
        vcard_photo_check(jpeg_no_sof, sizeof(jpeg_no_sof), 1000, NULL, &why),
        CX_EINVAL);
    ck_assert_str_eq(why, "the JPEG has no frame header (SOF) with its size");
    /* A truncated JPEG: the frame header lies past the end. */
    free(png);
    png = slurp("face.jpg", &len);
    ck_assert_int_eq(vcard_photo_check(png, 30, 1000, NULL, &why), CX_EINVAL);
    ck_assert_int_eq(vcard_photo_check(png, len, len - 1, NULL, &why),
                     CX_EINVAL);
    ck_assert_str_eq(why, "the image is larger than the photo limit");
    free(png);
}
END_TEST

/* A photo set into a card reads back byte-identical, other children stay,
 * and it becomes a vCard 4.0 data URI and a 3.0 ENCODING=b line. */
START_TEST(photo_set_get_and_vcf_line)
{
    xmpp_ctx_t *ctx = xmpp_ctx_new(NULL, NULL);
    struct vcard_fields f = {0};
    struct vcard_photo_info info, back;
    xmpp_stanza_t *v, *p, *none;
    unsigned char *jpg, *data = NULL;
    size_t len, dlen;
    char *line;

    jpg = slurp("face.jpg", &len);
    vcard_fields_set(&f, "name", "Alice");
    v = vcard_build(ctx, &f);
    ck_assert_int_eq(vcard_photo_get(v, &data, &dlen, &back, NULL),
                     CX_ENOTFOUND);
    ck_assert_int_eq(
        vcard_photo_check(jpg, len, VCARD_PHOTO_MAX_BYTES, &info, NULL), 0);
    p = vcard_photo_set(ctx, v, jpg, len, &info);
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(vcard_photo_get(p, &data, &dlen, &back, NULL), 0);
    ck_assert_uint_eq(dlen, len);
    ck_assert_mem_eq(data, jpg, len);
    ck_assert_uint_eq(back.width, 96);
    free(data);
    vcard_fields_clear(&f);
    ck_assert_int_eq(vcard_parse(p, &f), 0);
    ck_assert_str_eq(f.name, "Alice");
    ck_assert_int_eq(vcard_photo_vcf_line(p, 4, &line), 0);
    ck_assert_int_eq(strncmp(line, "PHOTO:data:image/jpeg;base64,/9j/", 33), 0);
    free(line);
    ck_assert_int_eq(vcard_photo_vcf_line(p, 3, &line), 0);
    ck_assert_int_eq(strncmp(line, "PHOTO;ENCODING=b;TYPE=JPEG:/9j/", 31), 0);
    free(line);
    none = vcard_photo_set(ctx, p, NULL, 0, NULL);
    ck_assert_int_eq(vcard_photo_get(none, &data, &dlen, &back, NULL),
                     CX_ENOTFOUND);
    ck_assert_int_eq(vcard_photo_vcf_line(none, 4, &line), CX_ENOTFOUND);
    xmpp_stanza_release(none);
    xmpp_stanza_release(p);
    xmpp_stanza_release(v);
    vcard_fields_clear(&f);
    free(jpg);
    xmpp_ctx_free(ctx);
}
END_TEST

/* A BINVAL wrapped over lines, as other clients write it, decodes; one
 * that is not base64 or not an image is reported, not crashed on. */
START_TEST(wrapped_and_broken_binval)
{
    xmpp_ctx_t *ctx = xmpp_ctx_new(NULL, NULL);
    xmpp_stanza_t *v;
    unsigned char *data = NULL;
    struct vcard_photo_info info;
    const char *why;
    size_t len;

    v = vcard_from_text(ctx, "<vCard xmlns='vcard-temp'><PHOTO><TYPE>image/"
                             "png</TYPE><BINVAL>iVBORw0KGgoAAAANSUhEUgAAAAEA\n"
                             "  AAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAW"
                             "jR9awAAAABJRU5ErkJggg==</BINVAL></PHOTO>"
                             "</vCard>");
    ck_assert_int_eq(vcard_photo_get(v, &data, &len, &info, NULL), 0);
    ck_assert_uint_eq(info.width, 1);
    ck_assert_uint_eq(len, 70);
    free(data);
    xmpp_stanza_release(v);
    v = vcard_from_text(ctx, "<vCard xmlns='vcard-temp'><PHOTO><BINVAL>R0lGOD"
                             "lhAQABAAAAACw=</BINVAL></PHOTO></vCard>");
    ck_assert_int_eq(vcard_photo_get(v, &data, &len, &info, &why), CX_EINVAL);
    ck_assert_str_eq(why, "not a JPEG or PNG image");
    ck_assert_ptr_null(data);
    xmpp_stanza_release(v);
    v = vcard_from_text(ctx, "<vCard xmlns='vcard-temp'><PHOTO><BINVAL>***"
                             "</BINVAL></PHOTO></vCard>");
    ck_assert_int_eq(vcard_photo_get(v, &data, &len, &info, &why), CX_EINVAL);
    ck_assert_str_eq(why, "the photo is not valid base64");
    xmpp_stanza_release(v);
    xmpp_ctx_free(ctx);
}
END_TEST

/* --- the commands, offline --- */

struct fixture {
    char dir[PATH_MAX];
    struct cardx_settings *s;
    struct cardx_cmd *c;
    FILE *in, *out, *err;
    char *out_text, *err_text;
    size_t out_len, err_len;
};

static void fx_open(struct fixture *fx)
{
    char path[PATH_MAX + 16];
    const char *tmp = getenv("TMPDIR");

    memset(fx, 0, sizeof(*fx));
    snprintf(fx->dir, PATH_MAX, "%s/cardx-photo-XXXXXX", tmp ? tmp : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(fx->dir));
    fx->s = settings_new();
    fx->s->data_dir = strdup(fx->dir);
    snprintf(path, sizeof(path), "%s/cardx.conf", fx->dir);
    fx->s->config_path = strdup(path);
    fx->in = fopen("/dev/null", "r");
    fx->out = open_memstream(&fx->out_text, &fx->out_len);
    fx->err = open_memstream(&fx->err_text, &fx->err_len);
    fx->c = cmd_new(fx->s, fx->in, fx->out, fx->err);
    ck_assert_ptr_nonnull(fx->c);
}

static void fx_close(struct fixture *fx)
{
    char cmd[PATH_MAX + 16];

    cmd_free(fx->c);
    settings_free(fx->s);
    fclose(fx->in);
    fclose(fx->out);
    fclose(fx->err);
    free(fx->out_text);
    free(fx->err_text);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
    ck_assert_int_eq(system(cmd), 0);
}

static int fx_run(struct fixture *fx, const char *line)
{
    char **argv = NULL, *err = NULL;
    int argc = cliparse_split(line, &argv, &err);
    int status;

    ck_assert_int_gt(argc, 0);
    fflush(fx->out);
    fflush(fx->err);
    rewind(fx->out);
    rewind(fx->err);
    status = cmd_run(fx->c, argc, argv);
    fputc('\0', fx->out);
    fputc('\0', fx->err);
    fflush(fx->out);
    fflush(fx->err);
    cliparse_free(argv);
    return status;
}

static void assert_has(const char *text, const char *part)
{
    if (!strstr(text, part))
        ck_abort_msg("'%s' not in:\n%s", part, text);
}

START_TEST(card_set_photo_show_and_remove)
{
    struct fixture fx;
    char line[PATH_MAX + 64];

    fx_open(&fx);
    snprintf(line, sizeof(line),
             "card set name=Alice photo=@%s/tests/unit/data/photo/face.jpg",
             SRCDIR);
    ck_assert_int_eq(fx_run(&fx, line), CARDX_EXIT_OK);
    ck_assert_int_eq(fx_run(&fx, "card show"), CARDX_EXIT_OK);
    assert_has(fx.out_text, "name     Alice\n");
    assert_has(fx.out_text, "photo    JPEG 96x64, 3778 bytes\n");
    /* Changing a field keeps the photo. */
    ck_assert_int_eq(fx_run(&fx, "card set title=Boss"), CARDX_EXIT_OK);
    ck_assert_int_eq(fx_run(&fx, "card show"), CARDX_EXIT_OK);
    assert_has(fx.out_text, "photo    JPEG 96x64, 3778 bytes\n");
    snprintf(line, sizeof(line),
             "card set photo=@%s/tests/unit/data/photo/"
             "face.png",
             SRCDIR);
    ck_assert_int_eq(fx_run(&fx, line), CARDX_EXIT_OK);
    ck_assert_int_eq(fx_run(&fx, "card show"), CARDX_EXIT_OK);
    assert_has(fx.out_text, "photo    PNG 40x30, ");
    ck_assert_int_eq(fx_run(&fx, "card set photo="), CARDX_EXIT_OK);
    ck_assert_int_eq(fx_run(&fx, "card show"), CARDX_EXIT_OK);
    ck_assert_ptr_null(strstr(fx.out_text, "photo"));
    assert_has(fx.out_text, "title    Boss\n");
    fx_close(&fx);
}
END_TEST

START_TEST(card_set_refuses_bad_and_large_photos)
{
    struct fixture fx;
    char line[PATH_MAX + 64], path[PATH_MAX + 16];
    unsigned char *big;
    size_t len;
    FILE *f;

    fx_open(&fx);
    /* A real PNG header padded past the limit. */
    big = slurp("face.png", &len);
    snprintf(path, sizeof(path), "%s/big.png", fx.dir);
    f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    fwrite(big, 1, len, f);
    for (size_t i = len; i <= VCARD_PHOTO_MAX_BYTES; i++)
        fputc(0, f);
    ck_assert_int_eq(fclose(f), 0);
    free(big);
    snprintf(line, sizeof(line), "card set name=Al photo=@%s", path);
    ck_assert_int_eq(fx_run(&fx, line), CARDX_EXIT_USAGE);
    assert_has(fx.err_text, "the photo is larger than 32768 bytes");
    ck_assert_int_eq(fx_run(&fx, "card set name=Al"), CARDX_EXIT_OK);
    f = fopen(path, "w");
    fputs("not an image", f);
    fclose(f);
    snprintf(line, sizeof(line), "card set photo=@%s", path);
    ck_assert_int_eq(fx_run(&fx, line), CARDX_EXIT_USAGE);
    assert_has(fx.err_text, "not a JPEG or PNG image");
    ck_assert_int_eq(fx_run(&fx, "card set photo=face.jpg"), CARDX_EXIT_USAGE);
    assert_has(fx.err_text, "photo=@face.jpg");
    ck_assert_int_eq(fx_run(&fx, "card set photo=@/nonexistent/x.jpg"),
                     CARDX_EXIT_ERROR);
    assert_has(fx.err_text, "cannot open /nonexistent/x.jpg");
    fx_close(&fx);
}
END_TEST

/* A contact whose card holds a photo: shown, saved to a file byte for
 * byte, and exported as a data URI. */
START_TEST(contact_photo_saved_and_exported)
{
    xmpp_ctx_t *ctx = xmpp_ctx_new(NULL, NULL);
    struct cardstore_card card = {0};
    struct vcard_photo_info info;
    struct cardstore *cs;
    struct fixture fx;
    xmpp_stanza_t *v, *p;
    unsigned char *jpg, *back;
    char line[PATH_MAX + 64], path[PATH_MAX + 16];
    size_t len, blen;
    int64_t id;
    int status;
    FILE *f;

    fx_open(&fx);
    jpg = slurp("face.jpg", &len);
    vcard_fields_set(&card.f, "name", "Bob");
    vcard_fields_set(&card.f, "phone", "+8613800138001");
    v = vcard_build(ctx, &card.f);
    ck_assert_int_eq(vcard_photo_check(jpg, len, len, &info, NULL), 0);
    p = vcard_photo_set(ctx, v, jpg, len, &info);
    card.vcard_xml = vcard_to_text(p);
    cs = cmd_store(fx.c, &status);
    ck_assert_ptr_nonnull(cs);
    ck_assert_int_eq(cardstore_contact_add(cs, &card, &id), 0);
    snprintf(line, sizeof(line), "contacts show %lld", (long long)id);
    ck_assert_int_eq(fx_run(&fx, line), CARDX_EXIT_OK);
    assert_has(fx.out_text, "photo    JPEG 96x64, 3778 bytes\n");
    snprintf(path, sizeof(path), "%s/out.jpg", fx.dir);
    snprintf(line, sizeof(line), "contacts photo %lld %s", (long long)id, path);
    ck_assert_int_eq(fx_run(&fx, line), CARDX_EXIT_OK);
    f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    back = malloc(len + 16);
    blen = fread(back, 1, len + 16, f);
    fclose(f);
    ck_assert_uint_eq(blen, len);
    ck_assert_mem_eq(back, jpg, len);
    free(back);
    ck_assert_int_eq(fx_run(&fx, "export -"), CARDX_EXIT_OK);
    assert_has(fx.out_text, "\r\nPHOTO:data:image/jpeg;base64,/9j/");
    ck_assert_int_eq(fx_run(&fx, "contacts photo 999 x.jpg"), CARDX_EXIT_ERROR);
    assert_has(fx.err_text, "no contact 999");
    xmpp_stanza_release(p);
    xmpp_stanza_release(v);
    vcard_fields_clear(&card.f);
    free(card.vcard_xml);
    free(jpg);
    fx_close(&fx);
    xmpp_ctx_free(ctx);
}
END_TEST

/* card qr: a PNG is written; a card too large says on err what it left
 * out; no card is a usage error. */
START_TEST(card_qr_cli)
{
    struct fixture fx;
    char line[PATH_MAX + 64], note[1500];
    FILE *f;

    fx_open(&fx);
    ck_assert_int_eq(fx_run(&fx, "card qr"), CARDX_EXIT_USAGE);
    assert_has(fx.err_text, "no card yet");
    ck_assert_int_eq(fx_run(&fx, "card set name=Alice phone=+8613800138000"),
                     CARDX_EXIT_OK);
    snprintf(line, sizeof(line), "card qr --png %s/card.png", fx.dir);
    ck_assert_int_eq(fx_run(&fx, line), CARDX_EXIT_OK);
    assert_has(fx.out_text, "wrote ");
    ck_assert_str_eq(fx.err_text, "");
    snprintf(line, sizeof(line), "%s/card.png", fx.dir);
    f = fopen(line, "rb");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fgetc(f), 0x89);
    fclose(f);
    memset(note, 'x', sizeof(note) - 1);
    note[sizeof(note) - 1] = '\0';
    snprintf(line, sizeof(line), "card set note=%s", note);
    ck_assert_int_eq(fx_run(&fx, line), CARDX_EXIT_OK);
    ck_assert_int_eq(fx_run(&fx, "card qr"), CARDX_EXIT_OK);
    assert_has(fx.err_text, "too large for a QR code; left out: note\n");
    assert_has(fx.out_text, "\xe2\x96\x88");
    ck_assert_int_eq(fx_run(&fx, "card qr --bogus"), CARDX_EXIT_USAGE);
    fx_close(&fx);
}
END_TEST

static Suite *photo_suite(void)
{
    Suite *s = suite_create("photo");
    TCase *tc = tcase_create("photo");

    tcase_add_test(tc, jpeg_and_png_headers_give_type_and_size);
    tcase_add_test(tc, bad_images_are_refused_with_a_reason);
    tcase_add_test(tc, photo_set_get_and_vcf_line);
    tcase_add_test(tc, wrapped_and_broken_binval);
    tcase_add_test(tc, card_set_photo_show_and_remove);
    tcase_add_test(tc, card_set_refuses_bad_and_large_photos);
    tcase_add_test(tc, contact_photo_saved_and_exported);
    tcase_add_test(tc, card_qr_cli);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(photo_suite)
