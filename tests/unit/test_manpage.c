/* Unit tests of cardxd.conf(5): every key of the config table is documented
 * in its section, with the default config.c really gives it. */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The private key table: the page must follow it, whatever config.h shows. */
#include "component/config_int.h"
#include "tests/lib/runner.h"

/* Made by make from component/cardxd.conf.5.in with the configured paths. */
#define MANPAGE BUILDDIR "/component/cardxd.conf.5"
#define LINE_MAX_LEN 1024

/* The whole page, NUL-terminated; the caller frees. */
static char *read_page(void)
{
    FILE *in = fopen(MANPAGE, "r");
    char *text;
    long size;

    ck_assert_msg(in != NULL, "cannot open %s", MANPAGE);
    ck_assert_int_eq(fseek(in, 0, SEEK_END), 0);
    size = ftell(in);
    ck_assert_int_gt(size, 0);
    rewind(in);
    text = malloc((size_t)size + 1);
    ck_assert_ptr_nonnull(text);
    ck_assert_uint_eq(fread(text, 1, (size_t)size, in), (size_t)size);
    text[size] = '\0';
    fclose(in);
    return text;
}

/* Copies into out the entry line of key k: the `\fBname\fR = ...` line
 * under the `.SH "[section]"` heading, before the next heading. */
static int find_entry(const char *page, const struct key_spec *k,
                      char out[LINE_MAX_LEN])
{
    char heading[64], entry[64];
    const char *p, *end;

    snprintf(heading, sizeof(heading), "\n.SH \"[%s]\"\n", k->section);
    snprintf(entry, sizeof(entry), "\n\\fB%s\\fR = ", k->name);
    p = strstr(page, heading);
    if (!p)
        return -1;
    p += strlen(heading) - 1;
    end = strstr(p, "\n.SH ");
    p = strstr(p, entry);
    if (!p || (end && p > end))
        return -1;
    p++;
    snprintf(out, LINE_MAX_LEN, "%.*s", (int)strcspn(p, "\n"), p);
    return 0;
}

/* The default the entry states, as a value for the file: "" for
 * "(default: empty)"; NULL for "(no default". */
static char *stated_default(const char *line)
{
    static const char bold[] = "(default: \\fB";
    const char *p = strstr(line, bold), *end;

    if (strstr(line, "(default: empty)"))
        return strdup("");
    if (!p)
        return NULL;
    p += strlen(bold);
    end = strstr(p, "\\fR)");
    ck_assert_msg(end != NULL, "unterminated default in: %s", line);
    return strndup(p, (size_t)(end - p));
}

/* Loads "[section]\nname = value" over the defaults: what the stated
 * default gives, to compare with what config_new() gives. */
static struct cardxd_config *load_one(const struct key_spec *k,
                                      const char *value)
{
    struct cardxd_config *cfg = config_new();
    char path[PATH_MAX], *err = NULL;
    const char *dir = getenv("TMPDIR");
    FILE *out;
    int fd;

    ck_assert_ptr_nonnull(cfg);
    snprintf(path, sizeof(path), "%s/cardx-manpage-XXXXXX", dir ? dir : "/tmp");
    fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    out = fdopen(fd, "w");
    ck_assert_ptr_nonnull(out);
    fprintf(out, "[%s]\n%s = %s\n", k->section, k->name, value);
    ck_assert_int_eq(fclose(out), 0);
    ck_assert_msg(config_load(cfg, path, &err) == 0, "[%s] %s = %s: %s",
                  k->section, k->name, value, err ? err : "?");
    unlink(path);
    return cfg;
}

START_TEST(every_key_documented_with_its_default)
{
    const struct key_spec *k = &config_keys[_i];
    struct cardxd_config *ref = config_new(), *cfg;
    char *page = read_page(), line[LINE_MAX_LEN], *value;

    ck_assert_ptr_nonnull(ref);
    ck_assert_msg(find_entry(page, k, line) == 0,
                  "[%s] %s is missing from cardxd.conf.5 (component/"
                  "cardxd.conf.5.in)",
                  k->section, k->name);
    value = stated_default(line);
    if (!value) {
        /* Only a key that really has none may say "no default". */
        ck_assert_msg(strstr(line, "(no default") != NULL,
                      "[%s] %s states no default: %s", k->section, k->name,
                      line);
        ck_assert_int_eq(k->type, KEY_STRING);
        ck_assert_ptr_null(config_string_value(ref, k));
    } else {
        cfg = load_one(k, value);
        if (k->type == KEY_STRING) {
            ck_assert_ptr_nonnull(config_string_value(ref, k));
            ck_assert_str_eq(config_string_value(cfg, k),
                             config_string_value(ref, k));
        } else {
            ck_assert_msg(
                config_number_value(cfg, k) == config_number_value(ref, k),
                "[%s] %s: the page says %s, config.c says %ld", k->section,
                k->name, value, config_number_value(ref, k));
        }
        config_free(cfg);
        free(value);
    }
    free(page);
    config_free(ref);
}
END_TEST

/* No entry for a key that no longer exists: as many entries as keys. */
START_TEST(no_stale_entries)
{
    char *page = read_page();
    size_t entries = 0;

    for (const char *p = page; (p = strstr(p, "\n\\fB")) != NULL; p++) {
        size_t n = strcspn(p + 4, "\\\n");

        entries += strncmp(p + 4 + n, "\\fR = ", 6) == 0;
    }
    ck_assert_uint_eq(entries, NKEYS);
    free(page);
}
END_TEST

static Suite *manpage_suite(void)
{
    Suite *s = suite_create("manpage");
    TCase *tc = tcase_create("core");

    tcase_add_loop_test(tc, every_key_documented_with_its_default, 0, NKEYS);
    tcase_add_test(tc, no_stale_entries);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(manpage_suite)
