/* Integration tests of proving phone numbers ([verify] method = command)
 * against a real server and cardxd: the code goes to the configured
 * program (scripts/send-code-log.sh, which prints it into cardxd.log),
 * wrong, exhausted and expired codes, the daily caps, a change of number,
 * claims that block no one, the two-stage ad-hoc command and a program
 * that fails. The code store alone is tested in tests/unit/test_verify. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "tests/integration/itest.h"
#include "tests/lib/runner.h"
#include "tests/lib/stanza_match.h"
#include "xep/ns.h"
#include "xep/stanza.h"

#define ERROR_PATH "/iq[@type='error']/error[@type='%s']/{" NS_STANZAS "}%s"
#define COMMAND "/iq/{" NS_COMMANDS "}command"
#define FORM COMMAND "/{" NS_DATA "}x"

/* The [verify] settings every restart starts from; tests add theirs. */
#define VERIFY_RESET                                                           \
    "[verify]\ncode_ttl = 10m\nmax_tries = 5\ncodes_per_day = 5\n"             \
    "command_timeout = 30s\n"

/* Restarts cardxd with the defaults of VERIFY_RESET, the shipped
 * send-code-log.sh, and then ini. */
static void cardxd_with(const char *ini)
{
    struct harness *h = itest_harness();

    harness_cardxd_stop(h);
    ck_assert_int_eq(harness_verify_by_log(h), 0);
    ck_assert_int_eq(harness_cardxd_config_append(h, VERIFY_RESET), 0);
    ck_assert_int_eq(harness_cardxd_config_append(h, ini), 0);
    ck_assert_int_eq(harness_cardxd_start(h), 0);
    ck_assert_int_eq(harness_cardxd_wait_connected(h, ITEST_TIMEOUT_MS), 0);
}

/* A XEP-0077 submission of the form: the number, and the code unless
 * NULL. */
static int submit(struct xclient *c, const char *phone, const char *code,
                  xmpp_stanza_t **reply)
{
    char xml[1024];

    snprintf(xml, sizeof(xml),
             "<iq type='set'><query xmlns='" NS_REGISTER "'>"
             "<x xmlns='" NS_DATA "' type='submit'>"
             "<field var='FORM_TYPE'><value>" NS_REGISTER "</value></field>"
             "<field var='phone'><value>%s</value></field>%s%s%s</x>"
             "</query></iq>",
             phone, code ? "<field var='code'><value>" : "", code ? code : "",
             code ? "</value></field>" : "");
    return itest_iq(c, xml, reply);
}

/* Submits and expects a result. */
static void submit_ok(struct xclient *c, const char *phone, const char *code)
{
    xmpp_stanza_t *reply = NULL;
    int rc = submit(c, phone, code, &reply);

    ck_assert_msg(rc == 0, "submit %s %s: %d %s", phone, code ? code : "-", rc,
                  reply ? itest_condition(reply) : "no reply");
    xmpp_stanza_release(reply);
}

/* Submits and expects the error type/condition with want in its text. */
static void submit_refused(struct xclient *c, const char *phone,
                           const char *code, const char *type, const char *cond,
                           const char *want)
{
    xmpp_stanza_t *reply = NULL;
    char *text = NULL;
    int rc = submit(c, phone, code, &reply), found;

    ck_assert_msg(rc == -EPROTO, "submit %s %s: %d, not an error", phone,
                  code ? code : "-", rc);
    stanza_expect(reply, ERROR_PATH, type, cond);
    stanza_error_condition(reply, &text);
    found = text && strstr(text, want);
    ck_assert_msg(found, "'%s' not in '%s'", want, text ? text : "(no text)");
    xmpp_free(xclient_ctx(c), text);
    xmpp_stanza_release(reply);
}

/* How many codes were sent to phone so far. */
static int codes_sent(const char *phone)
{
    char phrase[128];
    int n;

    snprintf(phrase, sizeof(phrase), "cardx code for %s: ", phone);
    n = harness_cardxd_log_count(itest_harness(), phrase);
    ck_assert_int_ge(n, 0);
    return n;
}

/* The latest code sent to phone. */
static void last_code(const char *phone, char code[HARNESS_CODE_LEN])
{
    int n = codes_sent(phone);

    ck_assert_int_gt(n, 0);
    ck_assert_int_eq(
        harness_verify_code(itest_harness(), phone, n, code, ITEST_TIMEOUT_MS),
        0);
}

/* A code that is not code (same length). */
static void other_code(const char *code, char out[HARNESS_CODE_LEN])
{
    snprintf(out, HARNESS_CODE_LEN, "%s", code);
    out[0] = out[0] == '9' ? '0' : (char)(out[0] + 1);
}

/* Asks for a code for phone and proves it. */
static void register_proven(struct xclient *c, const char *phone)
{
    char code[HARNESS_CODE_LEN];

    submit_ok(c, phone, NULL);
    last_code(phone, code);
    submit_ok(c, phone, code);
}

/* The number the registration get reports for c, "" for none. */
static void registered_phone(struct xclient *c, char *buf, size_t len)
{
    xmpp_stanza_t *reply = itest_iq_expect(
        c, "<iq type='get'><query xmlns='" NS_REGISTER "'/></iq>",
        "/iq[@type='result']/{" NS_REGISTER "}query");
    char *text = stanza_match_text(reply, "/iq/{" NS_REGISTER "}query/phone");

    snprintf(buf, len, "%s", text ? text : "");
    free(text);
    xmpp_stanza_release(reply);
}

START_TEST(code_sent_then_proven)
{
    struct xclient *a = itest_login("v_alice", 1, 1);
    struct xclient *b = itest_login("v_bob", 1, 1);
    char code[HARNESS_CODE_LEN], wrong[HARNESS_CODE_LEN], phone[32];
    struct itest_sent sent;
    xmpp_stanza_t *reply;

    register_proven(b, "+8613800138601");
    itest_upload_card(b, "Bob", "+8613800138601");
    ck_assert_int_eq(codes_sent("+8613800138600"), 0);
    /* The number as typed, normalised; the program got it in E.164. */
    submit_ok(a, "138 0013 8600", NULL);
    ck_assert_int_eq(codes_sent("+8613800138600"), 1);
    last_code("+8613800138600", code);
    /* Until proven, the number is nobody's. */
    ck_assert_str_eq(itest_send(b, "+8613800138600", NULL, &sent),
                     "error:item-not-found");
    registered_phone(a, phone, sizeof(phone));
    ck_assert_str_eq(phone, "");
    /* The form fetched now carries the pending number and asks the code. */
    reply = itest_iq_expect(
        a, "<iq type='get'><query xmlns='" NS_REGISTER "'/></iq>",
        "/iq/{" NS_REGISTER "}query/{" NS_DATA "}x/field[@var='phone']"
        "/value[text()='+8613800138600']");
    stanza_expect(reply, "/iq/{" NS_REGISTER "}query/{" NS_DATA "}x"
                         "/field[@var='code'][@type='text-single']/required");
    xmpp_stanza_release(reply);
    other_code(code, wrong);
    submit_refused(a, "+8613800138600", wrong, "auth", "not-authorized",
                   "wrong code");
    submit_ok(a, "+8613800138600", code);
    registered_phone(a, phone, sizeof(phone));
    ck_assert_str_eq(phone, "+8613800138600");
    ck_assert_str_eq(itest_send(b, "+8613800138600", NULL, &sent), "delivered");
    /* A used code is gone; asking for the own number sends no code. */
    submit_refused(a, "+8613800138600", code, "auth", "not-authorized",
                   "no code waits");
    submit_ok(a, "+8613800138600", NULL);
    ck_assert_int_eq(codes_sent("+8613800138600"), 1);
    xclient_disconnect_free(a);
    xclient_disconnect_free(b);
}
END_TEST

/* XEP-0077's own <phone/> starts the proof too, and the code alone
 * completes the newest claim. */
START_TEST(plain_phone_element)
{
    struct xclient *a = itest_login("v_plain", 1, 1);
    char code[HARNESS_CODE_LEN], xml[256], phone[32];

    itest_register_phone(a, "+8613800138610");
    last_code("+8613800138610", code);
    snprintf(xml, sizeof(xml),
             "<iq type='set'><query xmlns='" NS_REGISTER "'><x xmlns='" NS_DATA
             "' type='submit'><field var='code'><value>%s</value></field></x>"
             "</query></iq>",
             code);
    itest_iq_ok(a, xml);
    registered_phone(a, phone, sizeof(phone));
    ck_assert_str_eq(phone, "+8613800138610");
    xclient_disconnect_free(a);
}
END_TEST

START_TEST(tries_exhaust_the_code)
{
    struct xclient *a = itest_login("v_tries", 1, 1);
    char code[HARNESS_CODE_LEN], wrong[HARNESS_CODE_LEN];

    submit_ok(a, "+8613800138620", NULL);
    last_code("+8613800138620", code);
    other_code(code, wrong);
    for (int i = 1; i < 5; i++)
        submit_refused(a, "+8613800138620", wrong, "auth", "not-authorized",
                       "wrong code for +86 138 0013 8620; try again");
    submit_refused(a, "+8613800138620", wrong, "auth", "not-authorized",
                   "too many times");
    /* Dead: even the right code no longer proves it. */
    submit_refused(a, "+8613800138620", code, "auth", "not-authorized",
                   "no code waits");
    /* A new code works. */
    register_proven(a, "+8613800138620");
    xclient_disconnect_free(a);
}
END_TEST

/* Whoever proves first gets the number; the old number stays until then. */
START_TEST(claims_block_no_one_and_change_keeps_old)
{
    struct xclient *a = itest_login("v_first", 1, 1);
    struct xclient *b = itest_login("v_second", 1, 1);
    struct xclient *s = itest_login("v_sender", 1, 1);
    char code_a[HARNESS_CODE_LEN], code_b[HARNESS_CODE_LEN], phone[32];
    struct itest_sent sent;

    register_proven(a, "+8613800138630");
    register_proven(s, "+8613800138639");
    itest_upload_card(s, "Sender", "+8613800138639");
    /* a asks to change to ...631; b claims ...631 too. */
    submit_ok(a, "+8613800138631", NULL);
    last_code("+8613800138631", code_a);
    submit_ok(b, "+8613800138631", NULL);
    last_code("+8613800138631", code_b);
    /* The old number stays a's while the new one waits. */
    registered_phone(a, phone, sizeof(phone));
    ck_assert_str_eq(phone, "+8613800138630");
    ck_assert_str_eq(itest_send(s, "+8613800138630", NULL, &sent), "delivered");
    ck_assert_str_eq(itest_send(s, "+8613800138631", NULL, &sent),
                     "error:item-not-found");
    /* Each code is its own claim's. */
    submit_refused(b, "+8613800138631", code_a, "auth", "not-authorized",
                   "wrong code");
    submit_ok(b, "+8613800138631", code_b);
    submit_refused(a, "+8613800138631", code_a, "cancel", "conflict",
                   "already registered to another account");
    registered_phone(a, phone, sizeof(phone));
    ck_assert_str_eq(phone, "+8613800138630");
    /* A proven change frees the old number. */
    register_proven(a, "+8613800138632");
    ck_assert_str_eq(itest_send(s, "+8613800138630", NULL, &sent),
                     "error:item-not-found");
    ck_assert_str_eq(itest_send(s, "+8613800138632", NULL, &sent), "delivered");
    xclient_disconnect_free(a);
    xclient_disconnect_free(b);
    xclient_disconnect_free(s);
}
END_TEST

/* The register command in two stages: the number, then its code. */
static int command(struct xclient *c, const char *sid, const char *fields,
                   xmpp_stanza_t **reply)
{
    char xml[1024];

    if (!sid)
        snprintf(xml, sizeof(xml),
                 "<iq type='set'><command xmlns='" NS_COMMANDS
                 "' node='register' action='execute'/></iq>");
    else
        snprintf(xml, sizeof(xml),
                 "<iq type='set'><command xmlns='" NS_COMMANDS
                 "' node='register' sessionid='%s'><x xmlns='" NS_DATA
                 "' type='submit'>%s</x></command></iq>",
                 sid, fields);
    return itest_iq(c, xml, reply);
}

START_TEST(adhoc_two_stages)
{
    struct xclient *a = itest_login("v_adhoc", 1, 1);
    char code[HARNESS_CODE_LEN], wrong[HARNESS_CODE_LEN], fields[256];
    char *sid, phone[32];
    xmpp_stanza_t *reply = NULL;

    ck_assert_int_eq(command(a, NULL, NULL, &reply), 0);
    stanza_expect(reply, FORM "/field[@var='phone']");
    sid = stanza_match_text(reply, COMMAND "/@sessionid");
    ck_assert_ptr_nonnull(sid);
    xmpp_stanza_release(reply);
    ck_assert_int_eq(
        command(a, sid,
                "<field var='phone'><value>+8613800138640</value></field>",
                &reply),
        0);
    stanza_expect(reply,
                  COMMAND "[@status='executing'][@sessionid='%s']"
                          "/note[@type='info']",
                  sid);
    stanza_expect(reply, FORM "/field[@var='phone']/value[text()="
                              "'+8613800138640']");
    stanza_expect(reply, FORM "/field[@var='code']/required");
    xmpp_stanza_release(reply);
    last_code("+8613800138640", code);
    other_code(code, wrong);
    snprintf(fields, sizeof(fields),
             "<field var='phone'><value>+8613800138640</value></field>"
             "<field var='code'><value>%s</value></field>",
             wrong);
    /* A wrong code gives the code's stage again, with the reason. */
    ck_assert_int_eq(command(a, sid, fields, &reply), 0);
    stanza_expect(reply, COMMAND "[@status='executing']/note[@type='error']"
                                 "[text()='wrong code for +86 138 0013 8640; "
                                 "try again']");
    xmpp_stanza_release(reply);
    snprintf(fields, sizeof(fields),
             "<field var='phone'><value>+8613800138640</value></field>"
             "<field var='code'><value>%s</value></field>",
             code);
    ck_assert_int_eq(command(a, sid, fields, &reply), 0);
    stanza_expect(reply, COMMAND "[@status='completed']/note[@type='info']");
    xmpp_stanza_release(reply);
    free(sid);
    registered_phone(a, phone, sizeof(phone));
    ck_assert_str_eq(phone, "+8613800138640");
    xclient_disconnect_free(a);
}
END_TEST

START_TEST(codes_per_day)
{
    struct xclient *c, *d;

    cardxd_with("codes_per_day = 2\n");
    c = itest_login("v_capped", 1, 1);
    d = itest_login("v_other", 1, 1);
    submit_ok(c, "+8613800138650", NULL);
    submit_ok(c, "+8613800138650", NULL);
    /* Past the cap: when to try again, and no text sent. */
    submit_refused(c, "+8613800138650", NULL, "wait", "policy-violation",
                   "ask again after ");
    ck_assert_int_eq(codes_sent("+8613800138650"), 2);
    /* The account's cap holds for another number... */
    submit_refused(c, "+8613800138651", NULL, "wait", "policy-violation",
                   "too many codes");
    ck_assert_int_eq(codes_sent("+8613800138651"), 0);
    /* ...and the number's for another account. */
    submit_refused(d, "+8613800138650", NULL, "wait", "policy-violation",
                   "too many codes");
    submit_ok(d, "+8613800138652", NULL);
    ck_assert_int_eq(codes_sent("+8613800138652"), 1);
    xclient_disconnect_free(c);
    xclient_disconnect_free(d);
}
END_TEST

START_TEST(code_expires)
{
    struct timespec pause = {2, 500000000};
    struct xclient *a;
    char code[HARNESS_CODE_LEN];

    cardxd_with("code_ttl = 2s\n");
    a = itest_login("v_late", 1, 1);
    submit_ok(a, "+8613800138660", NULL);
    last_code("+8613800138660", code);
    nanosleep(&pause, NULL); /* past the code's two seconds */
    submit_refused(a, "+8613800138660", code, "auth", "not-authorized",
                   "expired");
    xclient_disconnect_free(a);
}
END_TEST

/* Writes an executable script into the run directory; returns its path. */
static char *write_script(const char *name, const char *body)
{
    char *path = NULL;
    FILE *f;

    ck_assert_int_ge(
        asprintf(&path, "%s/%s", harness_rundir(itest_harness()), name), 0);
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "#!/bin/sh\n%s", body);
    ck_assert_int_eq(fclose(f), 0);
    ck_assert_int_eq(chmod(path, 0755), 0);
    return path;
}

START_TEST(failing_program)
{
    char *fail = write_script("send-fail.sh",
                              "echo \"gateway down for $1\" >&2\nexit 3\n");
    char *slow = write_script("send-slow.sh", "exec sleep 60\n");
    char ini[512];
    struct xclient *a;

    snprintf(ini, sizeof(ini), "command = %s\n", fail);
    cardxd_with(ini);
    a = itest_login("v_unsent", 1, 1);
    submit_refused(a, "+8613800138670", NULL, "wait", "service-unavailable",
                   "the code could not be sent to +86 138 0013 8670");
    /* Its output is logged; the claim it would have proven is gone. */
    ck_assert_int_eq(harness_cardxd_log_count(itest_harness(),
                                              "gateway down for "
                                              "+8613800138670"),
                     1);
    submit_refused(a, "+8613800138670", "123456", "auth", "not-authorized",
                   "no code waits");
    xclient_disconnect_free(a);
    snprintf(ini, sizeof(ini), "command = %s\ncommand_timeout = 1s\n", slow);
    cardxd_with(ini);
    a = itest_relogin("v_unsent", 1, 1);
    submit_refused(a, "+8613800138671", NULL, "wait", "service-unavailable",
                   "could not be sent");
    ck_assert_int_eq(
        harness_cardxd_log_count(itest_harness(), "ran past command_timeout"),
        1);
    xclient_disconnect_free(a);
    free(fail);
    free(slow);
}
END_TEST

/* A send's "delivered" shows which account has a number now: these tests
 * need the answer [privacy] reveal_online = no (the default) withholds. */
static void verify_setup(void)
{
    itest_setup_verify_with("[privacy]\nreveal_online = yes\n");
}

static Suite *verify_suite(void)
{
    Suite *s = suite_create("verify");
    TCase *tc = tcase_create("proof of number ownership");

    tcase_add_unchecked_fixture(tc, verify_setup, itest_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, code_sent_then_proven);
    tcase_add_test(tc, plain_phone_element);
    tcase_add_test(tc, tries_exhaust_the_code);
    tcase_add_test(tc, claims_block_no_one_and_change_keeps_old);
    tcase_add_test(tc, adhoc_two_stages);
    tcase_add_test(tc, codes_per_day);
    tcase_add_test(tc, code_expires);
    tcase_add_test(tc, failing_program);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN_NOFORK(verify_suite)
