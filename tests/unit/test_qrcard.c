/* Unit tests for the own card as a QR code (client/qrcard.c): the PNG is
 * read back by zbarimg (Debian's zbar-tools), as a phone camera would. */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "card/vcard.h"
#include "client/qrcard.h"
#include "tests/lib/runner.h"

/* Writes q as a PNG and returns what zbarimg decodes from it (caller
 * frees), without the newline zbarimg ends it with. */
static char *decode_png(const struct qrcard *q)
{
    char path[PATH_MAX], cmd[PATH_MAX + 64];
    const char *tmp = getenv("TMPDIR");
    char *text = NULL;
    size_t len = 0;
    FILE *mem, *p;
    int fd, ch;

    snprintf(path, sizeof(path), "%s/cardx-qr-XXXXXX.png", tmp ? tmp : "/tmp");
    fd = mkstemps(path, 4);
    ck_assert_int_ge(fd, 0);
    close(fd);
    ck_assert_int_eq(qrcard_write_png(q, path), 0);
    snprintf(cmd, sizeof(cmd), "zbarimg --raw -q '%s'", path);
    p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    mem = open_memstream(&text, &len);
    ck_assert_ptr_nonnull(mem);
    while ((ch = fgetc(p)) != EOF)
        fputc(ch, mem);
    ck_assert_int_eq(pclose(p), 0);
    ck_assert_int_eq(fclose(mem), 0);
    unlink(path);
    ck_assert_uint_gt(len, 0);
    ck_assert_int_eq(text[len - 1], '\n');
    text[len - 1] = '\0';
    return text;
}

static void assert_has(const char *text, const char *part)
{
    if (!strstr(text, part))
        ck_abort_msg("'%s' not in:\n%s", part, text);
}

START_TEST(small_card_decodes_to_its_vcard)
{
    struct vcard_fields f = {0};
    struct qrcard *q = NULL;
    char *text;

    vcard_fields_set(&f, "name", "Alice Wang");
    vcard_fields_set(&f, "given", "Alice");
    vcard_fields_set(&f, "family", "Wang");
    vcard_fields_set(&f, "phone", "+8613800138000");
    vcard_fields_set(&f, "email", "alice@example.cn");
    vcard_fields_set(&f, "org", "Example; Co, Ltd");
    vcard_fields_set(&f, "address", "1 Road\nChengdu");
    ck_assert_int_eq(qrcard_new(&f, &q), 0);
    ck_assert_ptr_null(qrcard_dropped(q)[0]);
    text = decode_png(q);
    ck_assert_str_eq(text, qrcard_text(q));
    assert_has(text, "BEGIN:VCARD\r\nVERSION:3.0\r\n");
    assert_has(text, "\r\nN:Wang;Alice;;;\r\n");
    assert_has(text, "\r\nFN:Alice Wang\r\n");
    assert_has(text, "\r\nTEL;TYPE=CELL:+8613800138000\r\n");
    assert_has(text, "\r\nEMAIL;TYPE=INTERNET:alice@example.cn\r\n");
    assert_has(text, "\r\nORG:Example\\; Co\\, Ltd\r\n");
    assert_has(text, "\r\nADR;TYPE=WORK:;;1 Road\\nChengdu;;;;\r\n");
    assert_has(text, "END:VCARD\r\n");
    free(text);
    qrcard_free(q);
    vcard_fields_clear(&f);
}
END_TEST

START_TEST(chinese_name_decodes)
{
    struct vcard_fields f = {0};
    struct qrcard *q = NULL;
    char *text;

    vcard_fields_set(&f, "name", "王小明");
    vcard_fields_set(&f, "phone", "+8613800138000");
    ck_assert_int_eq(qrcard_new(&f, &q), 0);
    text = decode_png(q);
    ck_assert_str_eq(text, qrcard_text(q));
    assert_has(text, "\r\nFN:王小明\r\n");
    free(text);
    qrcard_free(q);
    vcard_fields_clear(&f);
}
END_TEST

/* A long note and address leave the card, in the documented order, and
 * what is left still decodes with name and phone. */
START_TEST(large_card_drops_fields_and_decodes)
{
    struct vcard_fields f = {0};
    struct qrcard *q = NULL;
    char big[1200];
    const char *const *d;
    char *text;

    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    vcard_fields_set(&f, "name", "Alice Wang");
    vcard_fields_set(&f, "phone", "+8613800138000");
    vcard_fields_set(&f, "email", "alice@example.cn");
    vcard_fields_set(&f, "note", big);
    vcard_fields_set(&f, "address", big);
    ck_assert_int_eq(qrcard_new(&f, &q), 0);
    d = qrcard_dropped(q);
    ck_assert_ptr_nonnull(d[0]);
    ck_assert_str_eq(d[0], "note");
    ck_assert_ptr_nonnull(d[1]);
    ck_assert_str_eq(d[1], "address");
    ck_assert_ptr_null(d[2]);
    text = decode_png(q);
    ck_assert_str_eq(text, qrcard_text(q));
    assert_has(text, "\r\nFN:Alice Wang\r\n");
    assert_has(text, "\r\nTEL;TYPE=CELL:+8613800138000\r\n");
    assert_has(text, "\r\nEMAIL;TYPE=INTERNET:alice@example.cn\r\n");
    ck_assert_ptr_null(strstr(text, "NOTE"));
    ck_assert_ptr_null(strstr(text, "ADR"));
    free(text);
    qrcard_free(q);
    vcard_fields_clear(&f);
}
END_TEST

START_TEST(name_and_phone_too_large_is_refused)
{
    struct vcard_fields f = {0};
    struct qrcard *q = (struct qrcard *)&f;
    char big[2000];

    memset(big, 'n', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    vcard_fields_set(&f, "name", big);
    vcard_fields_set(&f, "phone", "+8613800138000");
    ck_assert_int_eq(qrcard_new(&f, &q), CX_EINVAL);
    ck_assert_ptr_null(q);
    vcard_fields_clear(&f);
    ck_assert_int_eq(qrcard_new(&f, &q), CX_EINVAL); /* empty card */
}
END_TEST

/* Counts UTF-8 characters (not bytes) of one line. */
static size_t line_chars(const char *s, size_t len)
{
    size_t n = 0;

    for (size_t i = 0; i < len; i++)
        n += ((unsigned char)s[i] & 0xC0) != 0x80;
    return n;
}

/* The terminal form: a square of half blocks with the quiet zone around,
 * light as blocks by default and as spaces inverted. */
START_TEST(terminal_shows_code_in_half_blocks)
{
    struct vcard_fields f = {0};
    struct qrcard *q = NULL;
    char *text = NULL, *line, *nl;
    size_t len = 0, lines = 0, side;
    FILE *mem;

    vcard_fields_set(&f, "name", "Alice");
    vcard_fields_set(&f, "phone", "+8613800138000");
    ck_assert_int_eq(qrcard_new(&f, &q), 0);
    for (int invert = 0; invert <= 1; invert++) {
        mem = open_memstream(&text, &len);
        ck_assert_ptr_nonnull(mem);
        ck_assert_int_eq(qrcard_print(q, mem, invert), 0);
        ck_assert_int_eq(fclose(mem), 0);
        side = 0;
        lines = 0;
        for (line = text; (nl = strchr(line, '\n')); line = nl + 1) {
            size_t n = line_chars(line, (size_t)(nl - line));
            if (lines == 0) {
                side = n;
                /* The quiet zone's top rows are all light. */
                for (size_t i = 0; i < n; i++)
                    ck_assert_mem_eq(line + i * (invert ? 1 : 3),
                                     invert ? " " : "\xe2\x96\x88",
                                     invert ? 1 : 3);
            }
            ck_assert_uint_eq(n, side);
            lines++;
        }
        ck_assert_uint_gt(side, 21 + 2 * QRCARD_QUIET_ZONE - 1);
        ck_assert_uint_eq(lines, (side + 1) / 2);
        free(text);
        text = NULL;
    }
    qrcard_free(q);
    vcard_fields_clear(&f);
}
END_TEST

static Suite *qrcard_suite(void)
{
    Suite *s = suite_create("qrcard");
    TCase *tc = tcase_create("qrcard");

    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, small_card_decodes_to_its_vcard);
    tcase_add_test(tc, chinese_name_decodes);
    tcase_add_test(tc, large_card_drops_fields_and_decodes);
    tcase_add_test(tc, name_and_phone_too_large_is_refused);
    tcase_add_test(tc, terminal_shows_code_in_half_blocks);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(qrcard_suite)
