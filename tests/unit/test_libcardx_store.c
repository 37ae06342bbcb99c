/* libcardx's offline calls through the public header: settings, cards,
 * the store's own card, contacts, search, vCard import and export, and
 * the error names. */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buildconf.h"
#include "lib/cardx.h"
#include "tests/lib/runner.h"

static const char *const store_files[] = {"cards.sqlite", "cards.sqlite-wal",
                                          "cards.sqlite-shm",
                                          "cards.sqlite-journal"};

struct tmpdir {
    char path[64];
};

static void tmpdir_init(struct tmpdir *t)
{
    const char *base = getenv("TMPDIR");

    snprintf(t->path, sizeof(t->path), "%s/libcardx-XXXXXX",
             base && base[0] ? base : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(t->path));
}

static void tmpdir_remove(const struct tmpdir *t)
{
    char p[128];

    for (size_t i = 0; i < sizeof(store_files) / sizeof(*store_files); i++) {
        snprintf(p, sizeof(p), "%s/%s", t->path, store_files[i]);
        unlink(p);
    }
    ck_assert_int_eq(rmdir(t->path), 0);
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "r");
    char *text;
    long n;

    ck_assert_ptr_nonnull(f);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    text = malloc((size_t)n + 1);
    ck_assert_ptr_nonnull(text);
    ck_assert_uint_eq(fread(text, 1, (size_t)n, f), (size_t)n);
    text[n] = '\0';
    fclose(f);
    return text;
}

START_TEST(settings_keys_and_values)
{
    cardx_settings *s = cardx_settings_new();

    ck_assert_ptr_nonnull(s);
    ck_assert_str_eq(cardx_settings_get(s, "tls"), "yes");
    ck_assert_str_eq(cardx_settings_get(s, "timeout_ms"), "10000");
    ck_assert_int_eq(cardx_settings_set(s, "jid", "alice@example.org"),
                     CARDX_OK);
    ck_assert_str_eq(cardx_settings_get(s, "jid"), "alice@example.org");
    ck_assert_int_eq(cardx_settings_set(s, "jid", "no-domain"), CARDX_E_INVAL);
    ck_assert_int_eq(cardx_settings_set(s, "password", "pw"), CARDX_OK);
    ck_assert_ptr_null(cardx_settings_get(s, "password"));
    ck_assert_int_eq(cardx_settings_set(s, "server", "[::1]:5223"), CARDX_OK);
    ck_assert_str_eq(cardx_settings_get(s, "server"), "[::1]:5223");
    ck_assert_int_eq(cardx_settings_set(s, "server", "host:0"), CARDX_E_INVAL);
    ck_assert_int_eq(cardx_settings_set(s, "server", "::1"), CARDX_E_INVAL);
    ck_assert_int_eq(cardx_settings_set(s, "tls", "maybe"), CARDX_E_INVAL);
    ck_assert_int_eq(cardx_settings_set(s, "tls", "no"), CARDX_OK);
    ck_assert_str_eq(cardx_settings_get(s, "tls"), "no");
    ck_assert_int_eq(cardx_settings_set(s, "timeout_ms", "-5"), CARDX_E_INVAL);
    ck_assert_int_eq(cardx_settings_set(s, "colour", "blue"), CARDX_E_NOTFOUND);
    /* lang: what cardxd's texts come in; a tag, or nothing. */
    ck_assert_int_eq(cardx_settings_set(s, "lang", "zh-CN"), CARDX_OK);
    ck_assert_str_eq(cardx_settings_get(s, "lang"), "zh-CN");
    ck_assert_int_eq(cardx_settings_set(s, "lang", "zh CN"), CARDX_E_INVAL);
    ck_assert_int_eq(cardx_settings_set(s, "lang", "-en"), CARDX_E_INVAL);
    ck_assert_str_eq(cardx_settings_get(s, "lang"), "zh-CN");
    ck_assert_int_eq(cardx_settings_set(s, "lang", ""), CARDX_OK);
    ck_assert_ptr_null(cardx_settings_get(s, "lang"));
    ck_assert_int_eq(cardx_settings_set(s, "jid", ""), CARDX_OK);
    ck_assert_ptr_null(cardx_settings_get(s, "jid"));
    cardx_settings_free(s);
    cardx_settings_free(NULL);
}
END_TEST

START_TEST(client_needs_jid_and_data_dir)
{
    cardx_settings *s = cardx_settings_new();
    cardx_client *c = (cardx_client *)1;
    char *err = NULL;

    ck_assert_int_eq(cardx_client_new(s, NULL, NULL, &c, &err), CARDX_E_INVAL);
    ck_assert_ptr_null(c);
    ck_assert_ptr_nonnull(err);
    cardx_free(err);
    ck_assert_int_eq(cardx_settings_set(s, "jid", "alice@example.org"),
                     CARDX_OK);
    ck_assert_int_eq(cardx_client_new(s, NULL, NULL, &c, &err), CARDX_E_INVAL);
    ck_assert_ptr_nonnull(err);
    cardx_free(err);
    cardx_settings_free(s);
}
END_TEST

/* The library's own messages follow the lang setting, from the catalogs
 * in locale_dir; English without a lang or without a catalog. */
static void login_without_password(const char *lang, const char *dir,
                                   const char *want)
{
    cardx_settings *s = cardx_settings_new();
    cardx_client *c = NULL;
    struct tmpdir t;

    tmpdir_init(&t);
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(cardx_settings_set(s, "jid", "alice@example.org"),
                     CARDX_OK);
    ck_assert_int_eq(cardx_settings_set(s, "data_dir", t.path), CARDX_OK);
    ck_assert_int_eq(cardx_settings_set(s, "lang", lang), CARDX_OK);
    ck_assert_int_eq(cardx_settings_set(s, "locale_dir", dir), CARDX_OK);
    ck_assert_int_eq(cardx_client_new(s, NULL, NULL, &c, NULL), CARDX_OK);
    ck_assert_int_eq(cardx_client_connect(c), CARDX_E_AUTH);
    ck_assert_str_eq(cardx_client_errmsg(c), want);
    cardx_client_free(c);
    cardx_settings_free(s);
    tmpdir_remove(&t);
}

START_TEST(messages_in_the_lang_setting)
{
    login_without_password("zh-CN", BUILDDIR "/po/locale",
                           "没有登录 alice@example.org 所需的密码");
    login_without_password(NULL, BUILDDIR "/po/locale",
                           "no password to log in as alice@example.org with");
    login_without_password("zh-CN", "/nonexistent/cardx-locale",
                           "no password to log in as alice@example.org with");
}
END_TEST

START_TEST(error_names)
{
    ck_assert_str_eq(cardx_strerror(CARDX_OK), "success");
    ck_assert_str_eq(cardx_strerror(CARDX_E_NOMEM), "out of memory");
    ck_assert_str_eq(cardx_strerror(CARDX_E_TLS_CERT_NAME),
                     "the server's TLS certificate does not name its XMPP "
                     "domain");
    ck_assert_str_eq(cardx_strerror(-9999), "unknown error");
    for (int e = CARDX_E_NOMEM; e >= CARDX_E_LIMIT; e--)
        ck_assert_str_ne(cardx_strerror(e), "unknown error");
    ck_assert_str_eq(cardx_version(), PACKAGE_VERSION);
}
END_TEST

START_TEST(own_card_round_trip)
{
    struct tmpdir t;
    cardx_store *st = NULL;
    cardx_card *card = cardx_card_new(), *back = NULL;
    int uploaded = -1;

    tmpdir_init(&t);
    ck_assert_int_eq(cardx_store_open(t.path, &st, NULL), CARDX_OK);
    ck_assert_int_eq(cardx_store_self_get(st, &back, NULL), CARDX_E_NOTFOUND);
    ck_assert_ptr_null(back);
    ck_assert_int_eq(cardx_card_set(card, "name", "Alice Wang"), CARDX_OK);
    ck_assert_int_eq(cardx_card_set(card, "phone", "+8613800138000"), CARDX_OK);
    ck_assert_int_eq(cardx_card_set(card, "shoe", "42"), CARDX_E_INVAL);
    ck_assert_int_eq(cardx_store_self_set(st, card), CARDX_OK);
    ck_assert_int_eq(cardx_store_self_get(st, &back, &uploaded), CARDX_OK);
    ck_assert_int_eq(uploaded, 0);
    ck_assert_str_eq(cardx_card_get(back, "name"), "Alice Wang");
    ck_assert_str_eq(cardx_card_get(back, "phone"), "+8613800138000");
    ck_assert_ptr_null(cardx_card_get(back, "email"));
    cardx_card_free(back);
    ck_assert_int_eq(cardx_store_self_set(st, NULL), CARDX_OK);
    ck_assert_int_eq(cardx_store_self_get(st, &back, NULL), CARDX_E_NOTFOUND);
    cardx_card_free(card);
    cardx_store_free(st);
    tmpdir_remove(&t);
}
END_TEST

struct names {
    char text[512];
    int n;
};

static int collect(void *ud, const cardx_card *card)
{
    struct names *names = ud;
    const char *name = cardx_card_get(card, "name");
    size_t len = strlen(names->text);

    snprintf(names->text + len, sizeof(names->text) - len, "%s;",
             name ? name : "?");
    names->n++;
    return 0;
}

START_TEST(contacts_search_and_change)
{
    struct tmpdir t;
    cardx_store *st = NULL;
    cardx_card *card = cardx_card_new(), *back = NULL;
    struct names found = {{0}, 0};
    int64_t id = 0, total = 0;

    tmpdir_init(&t);
    ck_assert_int_eq(cardx_store_open(t.path, &st, NULL), CARDX_OK);
    ck_assert_int_eq(cardx_card_set(card, "name", "Bob Li"), CARDX_OK);
    ck_assert_int_eq(cardx_card_set(card, "phone", "+86 139 0013 9000"),
                     CARDX_OK);
    ck_assert_int_eq(cardx_store_contact_add(st, card, &id), CARDX_OK);
    ck_assert_int_gt(id, 0);
    ck_assert_int_eq(cardx_store_contact_search(st, "13900139000", 0, collect,
                                                &found, &total),
                     CARDX_OK);
    ck_assert_int_eq(total, 1);
    ck_assert_str_eq(found.text, "Bob Li;");
    ck_assert_int_eq(cardx_store_contact_set(st, id, "org", "Example Ltd"),
                     CARDX_OK);
    ck_assert_int_eq(cardx_store_contact_get(st, id, &back), CARDX_OK);
    ck_assert_int_eq(cardx_card_id(back), id);
    ck_assert_str_eq(cardx_card_get(back, "org"), "Example Ltd");
    cardx_card_free(back);
    ck_assert_int_eq(cardx_store_contact_delete(st, id), CARDX_OK);
    ck_assert_int_eq(cardx_store_contact_get(st, id, &back), CARDX_E_NOTFOUND);
    ck_assert_ptr_null(back);
    cardx_card_free(card);
    cardx_store_free(st);
    tmpdir_remove(&t);
}
END_TEST

/* vCard 3.0 and 4.0 in, 4.0 out, and the export imports again. */
START_TEST(vcard_import_export)
{
    struct tmpdir t;
    cardx_store *st = NULL;
    char *v30 = read_file(SRCDIR "/tests/unit/data/vcard/card30.vcf");
    char *v40 = read_file(SRCDIR "/tests/unit/data/vcard/card40.vcf");
    struct names names = {{0}, 0};
    char *out = NULL, *err = NULL;
    int64_t total = 0;
    int count = -1;

    tmpdir_init(&t);
    ck_assert_int_eq(cardx_store_open(t.path, &st, NULL), CARDX_OK);
    ck_assert_int_eq(cardx_store_import_vcard(st, v30, &err), 1);
    ck_assert_int_eq(cardx_store_import_vcard(st, v40, &err), 1);
    ck_assert_int_eq(cardx_store_import_vcard(st, "BEGIN:VCARD\nFN:x\n", &err),
                     CARDX_E_INVAL);
    ck_assert_ptr_nonnull(strstr(err, "END:VCARD"));
    cardx_free(err);
    ck_assert_int_eq(cardx_store_contact_list(st, collect, &names), CARDX_OK);
    ck_assert_int_eq(names.n, 2);
    ck_assert_int_eq(
        cardx_store_contact_search(st, "张伟", 0, NULL, NULL, &total),
        CARDX_OK);
    ck_assert_int_eq(total, 1);
    ck_assert_int_eq(cardx_store_export_vcard(st, &out, &count), CARDX_OK);
    ck_assert_int_eq(count, 2);
    ck_assert_ptr_nonnull(strstr(out, "VERSION:4.0"));
    ck_assert_ptr_nonnull(strstr(out, "FN:Alice Wang"));
    ck_assert_ptr_nonnull(strstr(out, "FN:张伟"));
    ck_assert_int_eq(cardx_store_import_vcard(st, out, NULL), 2);
    cardx_free(out);
    free(v30);
    free(v40);
    cardx_store_free(st);
    tmpdir_remove(&t);
}
END_TEST

START_TEST(card_from_vcard_text)
{
    char *v40 = read_file(SRCDIR "/tests/unit/data/vcard/card40.vcf");
    char *several = read_file(SRCDIR "/tests/unit/data/vcard/several.vcf");
    cardx_card *card = NULL, *copy;
    char *err = NULL;

    ck_assert_int_eq(cardx_card_from_vcard(v40, &card, NULL), 1);
    ck_assert_str_eq(cardx_card_get(card, "name"), "Alice Wang");
    copy = cardx_card_copy(card);
    ck_assert_ptr_nonnull(copy);
    ck_assert_int_eq(cardx_card_same_fields(card, copy), 1);
    ck_assert_int_eq(cardx_card_set(copy, "title", "CTO"), CARDX_OK);
    ck_assert_int_eq(cardx_card_same_fields(card, copy), 0);
    cardx_card_free(copy);
    cardx_card_free(card);
    ck_assert_int_eq(cardx_card_from_vcard(several, &card, NULL), 3);
    ck_assert_ptr_nonnull(card);
    cardx_card_free(card);
    ck_assert_int_eq(cardx_card_from_vcard("", &card, &err), CARDX_E_INVAL);
    ck_assert_ptr_null(card);
    ck_assert_ptr_nonnull(err);
    cardx_free(err);
    free(v40);
    free(several);
}
END_TEST

START_TEST(store_in_unwritable_place)
{
    cardx_store *st = (cardx_store *)1;
    char *err = NULL;

    ck_assert_int_eq(cardx_store_open("/proc/cardx-no/such", &st, &err),
                     CARDX_E_IO);
    ck_assert_ptr_null(st);
    ck_assert_ptr_nonnull(strstr(err, "cannot create"));
    cardx_free(err);
}
END_TEST

static Suite *libcardx_store_suite(void)
{
    Suite *s = suite_create("libcardx_store");
    TCase *tc = tcase_create("offline");

    tcase_add_test(tc, settings_keys_and_values);
    tcase_add_test(tc, client_needs_jid_and_data_dir);
    tcase_add_test(tc, error_names);
    tcase_add_test(tc, messages_in_the_lang_setting);
    tcase_add_test(tc, own_card_round_trip);
    tcase_add_test(tc, contacts_search_and_change);
    tcase_add_test(tc, vcard_import_export);
    tcase_add_test(tc, card_from_vcard_text);
    tcase_add_test(tc, store_in_unwritable_place);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(libcardx_store_suite)
