/* Integration tests of languages against a real server: cardxd answers a
 * request in its xml:lang, delivers a card in the recipient's language
 * (the one their client last used, or the one they chose), online or when
 * they come back; and the cardx program follows LANG. */
#include <check.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/integration/itest.h"
#include "tests/lib/runner.h"
#include "tests/lib/stanza_match.h"
#include "xep/ns.h"
#include "xep/stanza.h"

/* Numbers: the fixture's server lives through every test, so each test
 * has its own. */
#define A_PHONE "+8613800138701"
#define A2_PHONE "+8613800138711"
#define A3_PHONE "+8613800138721"
#define A4_PHONE "+8613800138731"
#define ZH_PHONE "+8613800138712"
#define EN_PHONE "+8613800138713"
#define ZH_AWAY_PHONE "+8613800138722"
#define CLI_PHONE "+8613800138741"
#define U_PHONE "+8613800138751"
#define UZH_PHONE "+8613800138752"
#define UEN_PHONE "+8613800138753"
#define C_SENDER "+8613800138761"
#define C_PHONE "+8613800138762"
#define NOBODY "+8613800138799"
#define STANZA_TEXT ("{" NS_STANZAS "}text")
#define COMMAND ("/iq/{" NS_COMMANDS "}command")

/* Sends the iq parsed from xml (to the component unless it says) with
 * xml:lang lang (NULL: none), and waits for its answer, returned for the
 * caller to release. The attribute is set after parsing: libstrophe's
 * parser would drop its prefix. */
static xmpp_stanza_t *iq_lang(struct xclient *c, const char *xml,
                              const char *lang)
{
    xmpp_stanza_t *iq = xmpp_stanza_new_from_string(xclient_ctx(c), xml);
    xmpp_stanza_t *reply = NULL;

    ck_assert_msg(iq != NULL, "bad test XML: %s", xml);
    if (!xmpp_stanza_get_to(iq))
        xmpp_stanza_set_to(iq, harness_component_domain(itest_harness()));
    if (lang)
        ck_assert_int_eq(xmpp_stanza_set_attribute(iq, "xml:lang", lang), 0);
    ck_assert_int_eq(xclient_iq(c, iq, ITEST_TIMEOUT_MS, &reply), 0);
    ck_assert_ptr_nonnull(reply);
    xmpp_stanza_release(iq);
    return reply;
}

/* Directed presence to the component in lang: the client is online for
 * cardxd, and says which language it uses. */
static void presence_lang(struct xclient *c, const char *lang)
{
    xmpp_stanza_t *p = xmpp_presence_new(xclient_ctx(c));

    ck_assert_ptr_nonnull(p);
    xmpp_stanza_set_to(p, harness_component_domain(itest_harness()));
    if (lang)
        xmpp_stanza_set_attribute(p, "xml:lang", lang);
    ck_assert_int_eq(xclient_send(c, p), 0);
    xmpp_stanza_release(p);
}

/* The text at path in stanza; fails unless it holds want. */
static void assert_text(xmpp_stanza_t *stanza, const char *path,
                        const char *want)
{
    char *text = stanza_match_text(stanza, path);

    ck_assert_msg(text && strstr(text, want), "%s: '%s' lacks '%s'", path,
                  text ? text : "(nothing)", want);
    free(text);
}

/* Waits for a card at c; checks its language and that body holds want,
 * and acknowledges it in ack_lang, the client's language. */
static void expect_card(struct xclient *c, const char *lang, const char *want,
                        const char *ack_lang)
{
    xmpp_stanza_t *card = itest_wait_card(c, ITEST_TIMEOUT_MS);
    xmpp_stanza_t *ack, *received;

    ck_assert_msg(card != NULL, "the card did not arrive");
    ck_assert_str_eq(stanza_lang(card), lang);
    assert_text(card, "/message/body", want);
    ack = xmpp_message_new(xclient_ctx(c), NULL, xmpp_stanza_get_from(card),
                           NULL);
    ck_assert_ptr_nonnull(ack);
    received = stanza_add_child(xclient_ctx(c), ack, "received", NS_RECEIPTS);
    ck_assert_ptr_nonnull(received);
    xmpp_stanza_set_id(received, xmpp_stanza_get_id(card));
    xmpp_stanza_set_attribute(ack, "xml:lang", ack_lang);
    ck_assert_int_eq(xclient_send(c, ack), 0);
    xmpp_stanza_release(ack);
    xmpp_stanza_release(card);
}

/* Registers c's number; once the service's subscription was answered
 * (by the test client, in the stream's language), says c's language with
 * a directed presence. A real client writes every stanza in its user's
 * language; this one does so from here on. */
static void register_in(struct xclient *c, const char *phone, const char *lang)
{
    itest_register_phone(c, phone);
    xclient_pump(c, 500);
    presence_lang(c, lang);
    xclient_pump(c, 500);
}

/* A sender with a card and the number phone, who writes English. */
static struct xclient *sender(const char *user, const char *phone)
{
    struct xclient *a = itest_login(user, 1, 1);

    itest_register_phone(a, phone);
    itest_upload_card(a, "Lang Alice", phone);
    return a;
}

/* An error answers in the language of the request; none is English. */
START_TEST(error_text_in_request_language)
{
    struct xclient *a = sender("lang_err_a", A_PHONE);
    const char *send =
        "<iq type='set'><send xmlns='" NS_CARDX "' to='" NOBODY "'/></iq>";
    xmpp_stanza_t *reply;

    reply = iq_lang(a, send, "zh-CN");
    stanza_expect(reply, "/iq[@type='error']/error/item-not-found");
    ck_assert_str_eq(stanza_lang(reply), "zh-CN");
    assert_text(reply, "/iq/error/text",
                "没有 cardx 用户使用号码 +86 138 0013 8799");
    xmpp_stanza_release(reply);
    reply = iq_lang(a, send, "en-GB");
    stanza_expect(reply, "/iq[@type='error']/error/item-not-found");
    assert_text(reply, "/iq/error/text",
                "no cardx user has the number +86 138 0013 8799");
    xmpp_stanza_release(reply);
    xclient_disconnect_free(a);
}
END_TEST

/* The sender writes English; each recipient reads their own language. */
START_TEST(card_body_in_recipient_language)
{
    struct xclient *a = sender("lang_body_a", A2_PHONE);
    struct xclient *zh = itest_login("lang_body_zh", 0, 1);
    struct xclient *en = itest_login("lang_body_en", 0, 1);
    struct itest_sent sent;

    register_in(zh, ZH_PHONE, "zh");
    register_in(en, EN_PHONE, "en");
    itest_send(a, ZH_PHONE, "hello", &sent);
    expect_card(zh, "zh-CN", "名片：Lang Alice", "zh");
    itest_send(a, ZH_PHONE, "again", &sent);
    expect_card(zh, "zh-CN", "电话: +86 138 0013 8711", "zh");
    itest_send(a, EN_PHONE, "hello", &sent);
    expect_card(en, "en",
                "Business card: Lang Alice\nPhone: +86 138 0013 "
                "8711\nOrganisation: Changhong",
                "en");
    xclient_disconnect_free(a);
    xclient_disconnect_free(zh);
    xclient_disconnect_free(en);
}
END_TEST

/* A card for someone offline waits; it arrives in their language when
 * they come back, the language they chose winning over their client's. */
START_TEST(offline_delivery_in_recipient_language)
{
    struct xclient *a = sender("lang_off_a", A3_PHONE);
    struct xclient *zh = itest_login("lang_off_zh", 0, 1);
    struct itest_sent sent;
    xmpp_stanza_t *reply;
    char *sid;
    char xml[512];

    register_in(zh, ZH_AWAY_PHONE, "zh-CN");
    xclient_disconnect_free(zh);
    xclient_pump(a, 500);
    ck_assert_str_eq(itest_send(a, ZH_AWAY_PHONE, "while away", &sent),
                     "queued");
    zh = itest_relogin("lang_off_zh", 0, 1);
    presence_lang(zh, "zh-CN");
    expect_card(zh, "zh-CN", "留言: while away", "zh-CN");

    /* Chosen with the ad-hoc command: Chinese, whatever the client says. */
    reply = iq_lang(zh,
                    "<iq type='set'><command xmlns='" NS_COMMANDS
                    "' node='language' action='execute'/></iq>",
                    "zh-CN");
    stanza_expect(reply, "%s/{" NS_DATA "}x/title[text()='选择您的语言']",
                  COMMAND);
    sid = stanza_match_text(reply, "/iq/{" NS_COMMANDS "}command/@sessionid");
    ck_assert_ptr_nonnull(sid);
    xmpp_stanza_release(reply);
    snprintf(xml, sizeof(xml),
             "<iq type='set'><command xmlns='" NS_COMMANDS
             "' node='language' sessionid='%s'><x xmlns='" NS_DATA
             "' type='submit'><field var='lang'><value>zh-CN</value></field>"
             "</x></command></iq>",
             sid);
    free(sid);
    reply = iq_lang(zh, xml, "zh-CN");
    stanza_expect(reply, "%s[@status='completed']/note[@type='info']", COMMAND);
    xmpp_stanza_release(reply);
    xclient_disconnect_free(zh);
    xclient_pump(a, 500);
    ck_assert_str_eq(itest_send(a, ZH_AWAY_PHONE, "chosen", &sent), "queued");
    zh = itest_relogin("lang_off_zh", 0, 1);
    presence_lang(zh, "en-US");
    expect_card(zh, "zh-CN", "留言: chosen", "en-US");
    xclient_disconnect_free(a);
    xclient_disconnect_free(zh);
}
END_TEST

/* An ad-hoc form in the language of its request. */
START_TEST(adhoc_form_in_request_language)
{
    struct xclient *a = sender("lang_form_a", A4_PHONE);
    const char *start = "<iq type='set'><command xmlns='" NS_COMMANDS
                        "' node='send' action='execute'/></iq>";
    xmpp_stanza_t *reply;

    reply = iq_lang(a, start, "zh-Hans");
    stanza_expect(reply, "%s/{" NS_DATA "}x/title[text()='发送您的名片']",
                  COMMAND);
    stanza_expect(reply,
                  "%s/{" NS_DATA "}x/field[@var='number']"
                  "[@label='对方的电话号码']",
                  COMMAND);
    xmpp_stanza_release(reply);
    reply = iq_lang(a, start, "en");
    stanza_expect(reply,
                  "%s/{" NS_DATA "}x/title[text()='Send your business card']",
                  COMMAND);
    xmpp_stanza_release(reply);
    xclient_disconnect_free(a);
}
END_TEST

/* Runs the ad-hoc command node in lang: executes it and, when fields (the
 * <field/>s of its form) are given, submits them; returns the last answer
 * for the caller to release. */
static xmpp_stanza_t *command_in(struct xclient *c, const char *node,
                                 const char *fields, const char *lang)
{
    char xml[1024];
    char *sid;
    xmpp_stanza_t *reply;

    snprintf(xml, sizeof(xml),
             "<iq type='set'><command xmlns='" NS_COMMANDS
             "' node='%s' action='execute'/></iq>",
             node);
    reply = iq_lang(c, xml, lang);
    if (!fields)
        return reply;
    sid = stanza_match_text(reply, "/iq/{" NS_COMMANDS "}command/@sessionid");
    ck_assert_ptr_nonnull(sid);
    xmpp_stanza_release(reply);
    snprintf(xml, sizeof(xml),
             "<iq type='set'><command xmlns='" NS_COMMANDS
             "' node='%s' sessionid='%s'><x xmlns='" NS_DATA
             "' type='submit'>%s</x></command></iq>",
             node, sid, fields);
    free(sid);
    return iq_lang(c, xml, lang);
}

/* The consent commands answer in the language of the request, numbers
 * as people read them. */
START_TEST(consent_notes_in_request_language)
{
    struct xclient *a = sender("lang_cons_a", C_SENDER);
    struct xclient *r = itest_login("lang_cons_r", 0, 1);
    const char *ask = "<field var='mode'><value>ask</value></field>";
    struct itest_sent sent;
    xmpp_stanza_t *reply;

    itest_register_phone(r, C_PHONE);
    reply = command_in(r, "consent", ask, "zh-CN");
    stanza_expect(reply, "%s[@status='completed']/note[@type='info']", COMMAND);
    assert_text(reply, "/iq/{" NS_COMMANDS "}command/note",
                "来自您联系人以外号码的名片将作为请求等待您接受或拒绝。");
    xmpp_stanza_release(reply);
    reply = command_in(r, "consent", ask, "en");
    assert_text(reply, "/iq/{" NS_COMMANDS "}command/note",
                "Cards from numbers not in your contacts wait as requests");
    xmpp_stanza_release(reply);

    ck_assert_str_eq(itest_send(a, C_PHONE, "may I", &sent), "queued");
    reply = command_in(r, "requests", NULL, "zh-CN");
    assert_text(reply, "/iq/{" NS_COMMANDS "}command/note",
                "等待您同意的名片（1 张）：");
    assert_text(reply, "/iq/{" NS_COMMANDS "}command/note",
                "，来自 +86 138 0013 8761");
    xmpp_stanza_release(reply);
    reply = command_in(r, "requests", NULL, "en");
    assert_text(reply, "/iq/{" NS_COMMANDS "}command/note",
                "Cards waiting for your consent (1):");
    assert_text(reply, "/iq/{" NS_COMMANDS "}command/note",
                " from +86 138 0013 8761");
    xmpp_stanza_release(reply);
    xclient_disconnect_free(a);
    xclient_disconnect_free(r);
}
END_TEST

/* An update of a card reaches each recipient in their language. */
START_TEST(update_body_in_recipient_language)
{
    struct xclient *a = sender("lang_upd_a", U_PHONE);
    struct xclient *zh = itest_login("lang_upd_zh", 0, 1);
    struct xclient *en = itest_login("lang_upd_en", 0, 1);
    struct itest_sent sent;

    register_in(zh, UZH_PHONE, "zh");
    register_in(en, UEN_PHONE, "en");
    itest_send(a, UZH_PHONE, "first", &sent);
    expect_card(zh, "zh-CN", "名片：Lang Alice", "zh");
    itest_send(a, UEN_PHONE, "first", &sent);
    expect_card(en, "en", "Business card: Lang Alice", "en");
    itest_upload_card(a, "Lang Alice Wang", U_PHONE);
    expect_card(zh, "zh-CN", "这是您收到的一张名片的更新（已更改：姓名）。",
                "zh");
    expect_card(en, "en",
                "This is an update of a card you received (changed: Name).",
                "en");
    xclient_disconnect_free(a);
    xclient_disconnect_free(zh);
    xclient_disconnect_free(en);
}
END_TEST

/* --- the cardx program --- */

/* The password of the account the cardx runs use. */
#define CLI_PASSWORD "lang-cli-pw"

/* Runs cardx in dir (its data and config there) with args in locale lang
 * (LANG; LC_ALL, LC_MESSAGES and LANGUAGE unset, as a user's shell usually
 * has them); returns what it printed on stdout and stderr, for the caller
 * to free. */
static char *run_cardx_in(const char *dir, const char *lang,
                          const char *const *args)
{
    char out[PATH_MAX], conf[PATH_MAX], data[PATH_MAX];
    char cmd[PATH_MAX], locale[PATH_MAX];
    const char *build = getenv("CARDX_BUILDDIR");
    char *argv[16], *text = NULL;
    size_t len = 0, n = 0;
    FILE *f;
    pid_t pid;
    int ws;

    snprintf(out, sizeof(out), "%s/out", dir);
    snprintf(conf, sizeof(conf), "--config=%s/cardx.conf", dir);
    snprintf(data, sizeof(data), "--data-dir=%s/data", dir);
    snprintf(cmd, sizeof(cmd), "%s/client/cardx", build ? build : BUILDDIR);
    snprintf(locale, sizeof(locale), "%s/po/locale", build ? build : BUILDDIR);
    argv[n++] = cmd;
    argv[n++] = data;
    argv[n++] = conf;
    for (size_t i = 0; args[i] && n < 15; i++)
        argv[n++] = (char *)args[i];
    argv[n] = NULL;
    fflush(NULL);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);

        if (o < 0 || dup2(o, 1) < 0 || dup2(o, 2) < 0)
            _exit(126);
        unsetenv("LC_ALL");
        unsetenv("LC_MESSAGES");
        unsetenv("LANGUAGE");
        setenv("LANG", lang, 1);
        setenv("CARDX_LOCALEDIR", locale, 1);
        setenv("CARDX_PASSWORD", CLI_PASSWORD, 1);
        execv(cmd, argv);
        _exit(127);
    }
    ck_assert_int_eq(waitpid(pid, &ws, 0), pid);
    f = fopen(out, "r");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_ge(getdelim(&text, &len, '\0', f), 0);
    fclose(f);
    unlink(out);
    return text;
}

/* A fresh directory for cardx runs, and its removal with what cardx made. */
static void cli_dir_new(char *dir, size_t len)
{
    snprintf(dir, len, "/tmp/cardx-lang-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void cli_dir_remove(const char *dir)
{
    char cmd[PATH_MAX];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

/* run_cardx_in() a fresh directory, for commands that need no account. */
static char *run_cardx(const char *lang, const char *const *args)
{
    char dir[64];
    char *text;
    const char *full[16] = {"--jid=nobody@example.test"};
    size_t n = 1;

    for (size_t i = 0; args[i] && n < 15; i++)
        full[n++] = args[i];
    full[n] = NULL;
    cli_dir_new(dir, sizeof(dir));
    text = run_cardx_in(dir, lang, full);
    cli_dir_remove(dir);
    return text;
}

#define RUN_CARDX(lang, ...)                                                   \
    run_cardx((lang), (const char *const[]){__VA_ARGS__, NULL})

/* LANG names a locale this host may not have generated: the messages
 * still come in its language. */
START_TEST(client_follows_lang)
{
    char *text = RUN_CARDX("zh_CN.UTF-8", "inbox");

    ck_assert_msg(strstr(text, "收件箱是空的"), "not Chinese: %s", text);
    free(text);
    text = RUN_CARDX("zh_CN.UTF-8", "frobnicate");
    ck_assert_msg(strstr(text, "未知命令“frobnicate”"), "not Chinese: %s",
                  text);
    free(text);
    text = RUN_CARDX("zh_CN.UTF-8", "help", "send");
    ck_assert_msg(strstr(text, "把您的名片发送给某个电话号码的主人。"),
                  "help not Chinese: %s", text);
    ck_assert_msg(strstr(text, "cardx send NUMBER [--note TEXT]"),
                  "the synopsis is syntax, not words: %s", text);
    free(text);
    text = RUN_CARDX("C.UTF-8", "frobnicate");
    ck_assert_msg(strstr(text, "unknown command 'frobnicate'"),
                  "not English: %s", text);
    free(text);
    text = RUN_CARDX("en_US.UTF-8", "inbox");
    ck_assert_msg(strstr(text, "the inbox is empty"), "not English: %s", text);
    free(text);
}
END_TEST

/* cardx asks in the user's language, so cardxd's texts it prints are in
 * it too, and so are libcardx's. */
START_TEST(client_shows_service_text_in_lang)
{
    char dir[64], jid[128], server[64];
    char *text;

    cli_dir_new(dir, sizeof(dir));
    snprintf(jid, sizeof(jid), "--jid=lang_cli@%s",
             harness_domain(itest_harness()));
    snprintf(server, sizeof(server), "--server=127.0.0.1:%d",
             harness_c2s_port(itest_harness()));
    text = run_cardx_in(
        dir, "zh_CN.UTF-8",
        (const char *const[]){jid, server, "--insecure-plaintext", "register",
                              "--phone", CLI_PHONE, NULL});
    ck_assert_msg(strstr(text, "注册 +86 138 0013 8741"), "register: %s", text);
    free(text);
    text = run_cardx_in(
        dir, "zh_CN.UTF-8",
        (const char *const[]){"--insecure-plaintext", "send", NOBODY, NULL});
    ck_assert_msg(strstr(text, "无法发送到 " NOBODY "：没有 cardx 用户使用号码 "
                               "+86 138 0013 8799"),
                  "send: %s", text);
    free(text);
    /* libcardx's own messages too, as a connection refused shows. */
    text = run_cardx_in(dir, "zh_CN.UTF-8",
                        (const char *const[]){"--server=127.0.0.1:1",
                                              "--insecure-plaintext", "sync",
                                              NULL});
    ck_assert_msg(strstr(text, "无法连接到 127.0.0.1:1："), "sync: %s", text);
    free(text);
    cli_dir_remove(dir);
}
END_TEST

static Suite *lang_suite(void)
{
    Suite *s = suite_create("lang");
    TCase *svc = tcase_create("cardxd");
    TCase *cli = tcase_create("cardx");

    tcase_add_unchecked_fixture(svc, itest_setup, itest_teardown);
    tcase_set_timeout(svc, 120);
    tcase_add_test(svc, error_text_in_request_language);
    tcase_add_test(svc, card_body_in_recipient_language);
    tcase_add_test(svc, offline_delivery_in_recipient_language);
    tcase_add_test(svc, adhoc_form_in_request_language);
    tcase_add_test(svc, consent_notes_in_request_language);
    tcase_add_test(svc, update_body_in_recipient_language);
    tcase_add_test(svc, client_shows_service_text_in_lang);
    suite_add_tcase(s, svc);
    tcase_add_test(cli, client_follows_lang);
    suite_add_tcase(s, cli);
    return s;
}

TEST_MAIN_NOFORK(lang_suite)
