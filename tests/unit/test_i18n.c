/* Unit tests of languages: which catalog a language tag picks, the .mo
 * reader, and the service answering each request in its language and
 * delivering in the recipient's (over the catalogs the build made). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/i18n.h"
#include "component/feature.h"
#include "tests/lib/runner.h"
#include "tests/lib/stanza_match.h"
#include "tests/lib/svcfix.h"
#include "tests/lib/tmpdb.h"
#include "xep/ns.h"

#define LOCALEDIR BUILDDIR "/po/locale"
#define A_PHONE "+8613800138000"
#define B_PHONE "+8613900139000"
#define A_FULL "a@example.test/x"
#define B_BARE "b@example.test"
#define B_FULL "b@example.test/phone"

/* --- choosing the catalog --- */

static const struct {
    const char *tag;
    const char *lang; /* NULL: English */
} pick_cases[] = {
    {"zh-CN", "zh_CN"},
    {"zh-Hans", "zh_CN"},
    {"zh", "zh_CN"},
    {"zh-Hans-CN", "zh_CN"},
    {"ZH-cn", "zh_CN"},
    {"zh-SG", "zh_CN"},
    {"zh_CN.UTF-8", "zh_CN"},
    {"zh_CN", "zh_CN"},
    {"zh-TW", NULL},
    {"zh-Hant", NULL},
    {"zh-Hant-HK", NULL},
    {"zh-Hans-HK", "zh_CN"},
    {"zh-Hant-CN", NULL},
    {"zh_HK.UTF-8", NULL},
    {"en-US", NULL},
    {"en", NULL},
    {"fr-FR", NULL},
    {"zhx", NULL},
    {"", NULL},
    {"C.UTF-8", NULL},
};

START_TEST(pick)
{
    const char *got = i18n_pick(pick_cases[_i].tag);

    if (pick_cases[_i].lang)
        ck_assert_msg(got && strcmp(got, pick_cases[_i].lang) == 0,
                      "'%s' picked %s", pick_cases[_i].tag,
                      got ? got : "English");
    else
        ck_assert_msg(got == NULL, "'%s' picked %s, not English",
                      pick_cases[_i].tag, got);
}
END_TEST

START_TEST(pick_null_and_tags)
{
    ck_assert_ptr_null(i18n_pick(NULL));
    ck_assert_str_eq(i18n_tag(i18n_pick("zh")), "zh-CN");
    ck_assert_str_eq(i18n_tag(NULL), "en");
}
END_TEST

/* --- the catalogs --- */

START_TEST(catalog_lookup)
{
    struct i18n *i18n = NULL;
    const char *msgid = "no such text in any catalog";
    int loaded = -1;

    ck_assert_int_eq(i18n_new(LOCALEDIR, &i18n, &loaded), 0);
    ck_assert_int_eq(loaded, 1);
    ck_assert_str_eq(i18n_text(i18n, "zh_CN", "Phone"), "电话");
    ck_assert_str_eq(i18n_text(i18n, "zh_CN", "Business card: %s"), "名片：%s");
    ck_assert_str_eq(i18n_text(i18n, "zh_CN", "No cards wait for you."),
                     "没有等待您接收的名片。");
    /* What the catalog lacks, and English, are the source text itself. */
    ck_assert_ptr_eq(i18n_text(i18n, "zh_CN", msgid), msgid);
    ck_assert_ptr_eq(i18n_text(i18n, NULL, msgid), msgid);
    ck_assert_str_eq(i18n_text(i18n, NULL, "Phone"), "Phone");
    ck_assert_str_eq(i18n_text(NULL, "zh_CN", "Phone"), "Phone");
    ck_assert_str_eq(i18n_text(i18n, "zh_CN", ""), "");
    i18n_free(i18n);
    i18n_free(NULL);
}
END_TEST

START_TEST(catalog_missing_is_english)
{
    struct i18n *i18n = NULL;
    int loaded = -1;

    ck_assert_int_eq(i18n_new("/nonexistent/cardx-locale", &i18n, &loaded), 0);
    ck_assert_int_eq(loaded, 0);
    ck_assert_str_eq(i18n_text(i18n, "zh_CN", "Phone"), "Phone");
    i18n_free(i18n);
}
END_TEST

/* Writes len bytes of data as dir/zh_CN/LC_MESSAGES/cardx.mo. */
static void write_mo(const char *dir, const void *data, size_t len)
{
    char path[256];
    FILE *f;

    snprintf(path, sizeof(path), "%s/zh_CN", dir);
    ck_assert_int_eq(mkdir(path, 0700), 0);
    snprintf(path, sizeof(path), "%s/zh_CN/LC_MESSAGES", dir);
    ck_assert_int_eq(mkdir(path, 0700), 0);
    snprintf(path, sizeof(path), "%s/zh_CN/LC_MESSAGES/cardx.mo", dir);
    f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    ck_assert_int_eq(fclose(f), 0);
}

static void remove_mo(const char *dir)
{
    char path[256];

    snprintf(path, sizeof(path), "%s/zh_CN/LC_MESSAGES/cardx.mo", dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/zh_CN/LC_MESSAGES", dir);
    rmdir(path);
    snprintf(path, sizeof(path), "%s/zh_CN", dir);
    rmdir(path);
    rmdir(dir);
}

/* The real catalog cut short, or a string's offset past the end: refused
 * whole, not read out of bounds later. */
START_TEST(catalog_damaged_is_refused)
{
    char dir[] = "/tmp/cardx-mo-XXXXXX";
    char path[256];
    unsigned char buf[4096];
    struct i18n *i18n = (struct i18n *)1;
    FILE *f;
    size_t n;
    int cut = _i == 0;

    snprintf(path, sizeof(path), "%s/zh_CN/LC_MESSAGES/cardx.mo", LOCALEDIR);
    f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    ck_assert_uint_eq(n, sizeof(buf));
    ck_assert_ptr_nonnull(mkdtemp(dir));
    if (!cut)
        memset(buf + 12, 0x7f, 4); /* the originals' table: far away */
    write_mo(dir, buf, cut ? 200 : sizeof(buf));
    ck_assert_int_eq(i18n_new(dir, &i18n, NULL), CX_EINVAL);
    ck_assert_ptr_null(i18n);
    remove_mo(dir);
}
END_TEST

START_TEST(catalog_not_mo)
{
    char dir[] = "/tmp/cardx-mo-XXXXXX";
    static const char text[] = "msgid \"Phone\"\nmsgstr \"电话\"\n";
    struct i18n *i18n = NULL;

    ck_assert_ptr_nonnull(mkdtemp(dir));
    write_mo(dir, text, sizeof(text) - 1);
    ck_assert_int_eq(i18n_new(dir, &i18n, NULL), CX_EINVAL);
    ck_assert_ptr_null(i18n);
    remove_mo(dir);
}
END_TEST

START_TEST(phone_text)
{
    char buf[SERVICE_PHONE_TEXT_MAX];

    ck_assert_str_eq(service_phone_text("+8613800138000", buf, sizeof(buf)),
                     "+86 138 0013 8000");
    ck_assert_str_eq(service_phone_text("+16502530000", buf, sizeof(buf)),
                     "+1 650-253-0000");
    /* Not a number libphonenumber formats: shown as it is. */
    ck_assert_str_eq(service_phone_text("12345", buf, sizeof(buf)), "12345");
}
END_TEST

/* --- the service --- */

static void expect_text(struct svcfix *fx, const char *path, const char *want)
{
    char *text = stanza_match_text(fx->out[fx->nout - 1], path);

    ck_assert_msg(text && strstr(text, want), "%s: '%s' lacks '%s'", path,
                  text ? text : "(nothing)", want);
    free(text);
}

/* An iq nobody handles: the error text follows the iq's xml:lang. */
START_TEST(error_follows_request)
{
    struct svcfix fx;
    const char *iq =
        "<iq type='get' id='q1' from='" A_FULL "' to='" SVCFIX_DOMAIN
        "'%s><nothing xmlns='urn:example:none'/></iq>";
    char xml[256];

    svcfix_init(&fx);
    snprintf(xml, sizeof(xml), iq, " xml:lang='zh-CN'");
    svcfix_feed(&fx, xml);
    svcfix_expect(&fx, -1,
                  "/iq[@type='error'][@xml:lang='zh-CN']/error/"
                  "{urn:ietf:params:xml:ns:xmpp-stanzas}text"
                  "[@xml:lang='zh-CN'][text()='本服务不处理该请求']");
    snprintf(xml, sizeof(xml), iq, " xml:lang='en-US'");
    svcfix_feed(&fx, xml);
    svcfix_expect(&fx, -1,
                  "/iq/error/{urn:ietf:params:xml:ns:xmpp-stanzas}text"
                  "[@xml:lang='en'][text()='this service does not handle "
                  "that request']");
    snprintf(xml, sizeof(xml), iq, "");
    svcfix_feed(&fx, xml);
    expect_text(&fx, "/iq/error/text", "this service does not handle");
    svcfix_free(&fx);
}
END_TEST

/* Registers a (with a card) and b. */
static void two_users(struct svcfix *fx)
{
    svcfix_init(fx);
    ck_assert_int_eq(
        store_user_register(fx->store, A_PHONE, "a@example.test", 1), 0);
    ck_assert_int_eq(store_user_register(fx->store, B_PHONE, B_BARE, 1), 0);
    ck_assert_int_eq(store_card_set(fx->store, "a@example.test",
                                    "<vCard xmlns='vcard-temp'><FN>Alice</FN>"
                                    "<TEL><NUMBER>+8613800138000</NUMBER>"
                                    "</TEL></vCard>",
                                    1),
                     0);
}

/* b comes online with presence in lang (NULL: none) and answers the
 * service's disco#info without receipts. */
static void b_online(struct svcfix *fx, const char *lang)
{
    char xml[512], *id;

    snprintf(xml, sizeof(xml),
             "<presence from='" B_FULL "' to='" SVCFIX_DOMAIN "'%s%s%s/>",
             lang ? " xml:lang='" : "", lang ? lang : "", lang ? "'" : "");
    svcfix_feed(fx, xml);
    id = stanza_match_text(fx->out[fx->nout - 1], "/iq/@id");
    ck_assert_ptr_nonnull(id);
    snprintf(xml, sizeof(xml),
             "<iq type='result' id='%s' from='" B_FULL "' to='" SVCFIX_DOMAIN
             "'><query xmlns='" NS_DISCO_INFO "'/></iq>",
             id);
    free(id);
    svcfix_feed(fx, xml);
}

static void a_sends(struct svcfix *fx)
{
    svcfix_feed(fx,
                "<message type='chat' id='m1' from='" A_FULL "' to='" B_PHONE
                "@" SVCFIX_DOMAIN "'><body>hi</body></message>");
}

/* The card b receives is in the language b's client last used, with the
 * phone as people read it; the sender wrote English. */
START_TEST(delivery_follows_recipient)
{
    struct svcfix fx;
    char *lang = NULL;

    two_users(&fx);
    b_online(&fx, "zh-CN");
    ck_assert_int_eq(store_user_lang(fx.store, B_BARE, &lang), 0);
    ck_assert_str_eq(lang, "zh-CN");
    free(lang);
    a_sends(&fx);
    svcfix_expect(&fx, -1,
                  "/message[@to='" B_FULL "'][@xml:lang='zh-CN']/body");
    expect_text(&fx, "/message/body", "名片：Alice\n电话: +86 138 0013 8000");
    expect_text(&fx, "/message/body", "留言: hi");
    expect_text(&fx, "/message/body", "回复此对话即可把您的名片发回给对方。");
    svcfix_free(&fx);
}
END_TEST

START_TEST(delivery_english_by_default)
{
    struct svcfix fx;

    two_users(&fx);
    b_online(&fx, NULL);
    a_sends(&fx);
    svcfix_expect(&fx, -1, "/message[@to='" B_FULL "'][@xml:lang='en']/body");
    expect_text(&fx, "/message/body",
                "Business card: Alice\nPhone: +86 138 0013 8000");
    svcfix_free(&fx);
}
END_TEST

/* A user's choice wins over the language last seen, for deliveries. */
START_TEST(delivery_follows_choice)
{
    struct svcfix fx;

    two_users(&fx);
    ck_assert_int_eq(store_user_lang_choose(fx.store, B_BARE, "en"), 0);
    b_online(&fx, "zh-Hans");
    a_sends(&fx);
    expect_text(&fx, "/message/body", "Business card: Alice");
    ck_assert_int_eq(store_user_lang_choose(fx.store, B_BARE, NULL), 0);
    svcfix_feed(&fx,
                "<message type='chat' id='m2' from='" A_FULL "' to='" B_PHONE
                "@" SVCFIX_DOMAIN "'><body>again</body></message>");
    expect_text(&fx, "/message/body", "名片：Alice");
    svcfix_free(&fx);
}
END_TEST

/* An ad-hoc form and its note in the language of the request. */
START_TEST(adhoc_form_follows_request)
{
    struct svcfix fx;

    two_users(&fx);
    svcfix_feed(&fx, "<iq type='set' id='c1' xml:lang='zh' from='" A_FULL
                     "' to='" SVCFIX_DOMAIN "'><command xmlns='" NS_COMMANDS
                     "' node='send'/></iq>");
    svcfix_expect(&fx, -1,
                  "/iq[@xml:lang='zh-CN']/{" NS_COMMANDS "}command/{" NS_DATA
                  "}x/title[text()='发送您的名片']");
    svcfix_expect(&fx, -1,
                  "/iq/{" NS_COMMANDS "}command/{" NS_DATA
                  "}x/field[@var='number'][@label='对方的电话号码']");
    svcfix_feed(&fx, "<iq type='set' id='c2' xml:lang='zh-CN' from='" A_FULL
                     "' to='" SVCFIX_DOMAIN "'><command xmlns='" NS_COMMANDS
                     "' node='inbox'/></iq>");
    svcfix_expect(&fx, -1,
                  "/iq/{" NS_COMMANDS "}command/note[@type='info']"
                  "[text()='没有等待您接收的名片。']");
    /* Without xml:lang: the language a's client last used. */
    svcfix_feed(&fx,
                "<iq type='set' id='c3' from='" A_FULL "' to='" SVCFIX_DOMAIN
                "'><command xmlns='" NS_COMMANDS "' node='send'/></iq>");
    svcfix_expect(&fx, -1,
                  "/iq[@xml:lang='zh-CN']/{" NS_COMMANDS "}command/{" NS_DATA
                  "}x/title[text()='发送您的名片']");
    svcfix_feed(&fx, "<iq type='set' id='c4' xml:lang='en' from='" A_FULL
                     "' to='" SVCFIX_DOMAIN "'><command xmlns='" NS_COMMANDS
                     "' node='send'/></iq>");
    svcfix_expect(&fx, -1,
                  "/iq[@xml:lang='en']/{" NS_COMMANDS "}command/{" NS_DATA
                  "}x/title[text()='Send your business card']");
    svcfix_free(&fx);
}
END_TEST

/* The language last seen is kept in the store: a restart keeps it. */
START_TEST(language_survives_reopen)
{
    struct tmpdb d;
    struct store *st = NULL;
    char *err = NULL, *lang = NULL;

    tmpdb_init(&d);
    ck_assert_int_eq(store_open(d.path, "normal", &st, &err), 0);
    ck_assert_int_eq(store_user_register(st, B_PHONE, B_BARE, 1), 0);
    ck_assert_int_eq(store_user_lang_seen(st, B_BARE, "zh-CN"), 0);
    /* Someone unregistered: nothing to keep, and no failure. */
    ck_assert_int_eq(store_user_lang_seen(st, "x@example.test", "zh"), 0);
    store_free(st);
    ck_assert_int_eq(store_open(d.path, "normal", &st, &err), 0);
    ck_assert_int_eq(store_user_lang(st, B_BARE, &lang), 0);
    ck_assert_str_eq(lang, "zh-CN");
    free(lang);
    ck_assert_int_eq(store_user_lang_choice(st, B_BARE, &lang), 0);
    ck_assert_ptr_null(lang);
    ck_assert_int_eq(store_user_lang(st, "x@example.test", &lang),
                     STORE_ENOTFOUND);
    store_free(st);
    tmpdb_remove(&d);
}
END_TEST

static Suite *i18n_suite(void)
{
    Suite *s = suite_create("i18n");
    TCase *tc = tcase_create("pick");
    TCase *cat = tcase_create("catalog");
    TCase *svc = tcase_create("service");

    tcase_add_loop_test(tc, pick, 0,
                        sizeof(pick_cases) / sizeof(pick_cases[0]));
    tcase_add_test(tc, pick_null_and_tags);
    suite_add_tcase(s, tc);
    tcase_add_test(cat, catalog_lookup);
    tcase_add_test(cat, catalog_missing_is_english);
    tcase_add_loop_test(cat, catalog_damaged_is_refused, 0, 2);
    tcase_add_test(cat, catalog_not_mo);
    tcase_add_test(cat, phone_text);
    suite_add_tcase(s, cat);
    tcase_add_test(svc, error_follows_request);
    tcase_add_test(svc, delivery_follows_recipient);
    tcase_add_test(svc, delivery_english_by_default);
    tcase_add_test(svc, delivery_follows_choice);
    tcase_add_test(svc, adhoc_form_follows_request);
    tcase_add_test(svc, language_survives_reopen);
    suite_add_tcase(s, svc);
    return s;
}

TEST_MAIN(i18n_suite)
