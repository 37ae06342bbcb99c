/* Unit tests of the scenario tests' stanza path matcher (tests/lib). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "tests/lib/runner.h"
#include "tests/lib/stanza_match.h"

#define NS_ST "urn:ietf:params:xml:ns:xmpp-stanzas"

/* An error reply with a namespaced condition and text, and a message with
 * two bodies-worth of children, as a service would send them. */
static const char error_xml[] =
    "<iq type='error' id='7' to='a@example.test/x' from='c.example.test'>"
    "<query xmlns='jabber:iq:register'/>"
    "<error type='cancel'><not-allowed xmlns='" NS_ST "'/>"
    "<text xmlns='" NS_ST "'>no &amp; never</text></error></iq>";

static const char message_xml[] =
    "<message type='chat' to='b@example.test'>"
    "<body>first</body><thread>t1</thread><body>second</body>"
    "<card xmlns='urn:cardx:0' id='c1'><vCard xmlns='vcard-temp'><FN>A</FN>"
    "</vCard><note/></card></message>";

struct sm {
    xmpp_ctx_t *ctx;
    xmpp_stanza_t *st;
};

static void sm_init(struct sm *f, const char *xml)
{
    f->ctx = xmpp_ctx_new(NULL, NULL);
    ck_assert_ptr_nonnull(f->ctx);
    f->st = xmpp_stanza_new_from_string(f->ctx, xml);
    ck_assert_ptr_nonnull(f->st);
}

static void sm_free(struct sm *f)
{
    xmpp_stanza_release(f->st);
    xmpp_ctx_free(f->ctx);
}

START_TEST(names_and_children)
{
    struct sm f;

    sm_init(&f, error_xml);
    ck_assert_int_eq(stanza_match(f.st, "/iq"), 1);
    ck_assert_int_eq(stanza_match(f.st, "/*"), 1);
    ck_assert_int_eq(stanza_match(f.st, "/message"), 0);
    ck_assert_int_eq(stanza_match(f.st, "/iq/error/not-allowed"), 1);
    ck_assert_int_eq(stanza_match(f.st, "/iq/*/not-allowed"), 1);
    ck_assert_int_eq(stanza_match(f.st, "/iq/error/bad-request"), 0);
    /* Children only, not deeper descendants, and no partial names. */
    ck_assert_int_eq(stanza_match(f.st, "/iq/not-allowed"), 0);
    ck_assert_int_eq(stanza_match(f.st, "/iq/err"), 0);
    ck_assert_int_eq(stanza_match(f.st, "/i"), 0);
    ck_assert_int_eq(stanza_match(f.st, "/iq/error/not-allowed/x"), 0);
    sm_free(&f);
}
END_TEST

START_TEST(attributes)
{
    struct sm f;

    sm_init(&f, error_xml);
    ck_assert_int_eq(stanza_match(f.st, "/iq[@type='error']"), 1);
    ck_assert_int_eq(stanza_match(f.st, "/iq[@type=\"error\"][@id='7']"), 1);
    ck_assert_int_eq(stanza_match(f.st, "/iq[@type='result']"), 0);
    ck_assert_int_eq(stanza_match(f.st, "/iq[@type='err']"), 0);
    ck_assert_int_eq(stanza_match(f.st, "/iq[@type='error'][@id='8']"), 0);
    ck_assert_int_eq(stanza_match(f.st, "/iq[@id]/error[@type]"), 1);
    ck_assert_int_eq(stanza_match(f.st, "/iq[@lang]"), 0);
    ck_assert_int_eq(stanza_match(f.st, "/iq/error[@type='cancel']"), 1);
    ck_assert_int_eq(stanza_match(f.st, "/iq/error[@type='modify']"), 0);
    sm_free(&f);
}
END_TEST

/* {ns} and [@xmlns] see the namespace an element inherits too. */
START_TEST(namespaces)
{
    struct sm f;

    sm_init(&f, message_xml);
    ck_assert_int_eq(stanza_match(f.st, "/message/{urn:cardx:0}card"), 1);
    ck_assert_int_eq(stanza_match(f.st, "/message/{urn:cardx:1}card"), 0);
    ck_assert_int_eq(stanza_match(f.st, "/message/{urn:cardx:0}*[@id='c1']"),
                     1);
    ck_assert_int_eq(stanza_match(f.st, "/message/card[@xmlns='urn:cardx:0']"),
                     1);
    ck_assert_int_eq(stanza_match(f.st, "/message/card/{vcard-temp}vCard/FN"),
                     1);
    /* note states no namespace: it inherits card's. */
    ck_assert_int_eq(stanza_match(f.st, "/message/card/{urn:cardx:0}note"), 1);
    ck_assert_int_eq(stanza_match(f.st, "/message/card/{vcard-temp}note"), 0);
    ck_assert_int_eq(stanza_match(f.st, "/message/card/{vcard-temp}FN"), 0);
    sm_free(&f);

    sm_init(&f, error_xml);
    ck_assert_int_eq(stanza_match(f.st, "/iq/error/{" NS_ST "}not-allowed"), 1);
    ck_assert_int_eq(stanza_match(f.st, "/iq/{" NS_ST "}error"), 0);
    sm_free(&f);
}
END_TEST

/* Any child may continue the path, not only the first of its name. */
START_TEST(any_child_continues)
{
    struct sm f;

    sm_init(&f, message_xml);
    ck_assert_int_eq(stanza_match(f.st, "/message/body[text()='first']"), 1);
    ck_assert_int_eq(stanza_match(f.st, "/message/body[text()='second']"), 1);
    ck_assert_int_eq(stanza_match(f.st, "/message/body[text()='third']"), 0);
    ck_assert_int_eq(stanza_match(f.st, "/message/body[text()='firs']"), 0);
    ck_assert_int_eq(stanza_match(f.st, "/message/card/note[text()='']"), 1);
    sm_free(&f);

    sm_init(&f, error_xml);
    ck_assert_int_eq(stanza_match(f.st, "/iq/error/text[text()='no & never']"),
                     1);
    sm_free(&f);
}
END_TEST

START_TEST(text_at_path)
{
    struct sm f;
    char *text;

    sm_init(&f, message_xml);
    text = stanza_match_text(f.st, "/message/body");
    ck_assert_str_eq(text, "first");
    free(text);
    text = stanza_match_text(f.st, "/message/thread");
    ck_assert_str_eq(text, "t1");
    free(text);
    text = stanza_match_text(f.st, "/message/card/note");
    ck_assert_str_eq(text, "");
    free(text);
    ck_assert_ptr_null(stanza_match_text(f.st, "/message/subject"));
    /* "/@attr": the attribute, of the first element that has it. */
    text = stanza_match_text(f.st, "/message/*/@id");
    ck_assert_str_eq(text, "c1");
    free(text);
    text = stanza_match_text(f.st, "/message/@type");
    ck_assert_str_eq(text, "chat");
    free(text);
    ck_assert_ptr_null(stanza_match_text(f.st, "/message/@id"));
    ck_assert_ptr_null(stanza_match_text(f.st, "/message/body/@id"));
    ck_assert_ptr_null(stanza_match_text(f.st, "message/body"));
    sm_free(&f);
}
END_TEST

/* A malformed path is -1, never a match. */
START_TEST(malformed_paths)
{
    static const char *const bad[] = {
        "",
        "iq",
        "/",
        "/iq/",
        "//iq",
        "/iq[",
        "/iq[@]",
        "/iq[@type=error]",
        "/iq[@type='error'",
        "/iq[type='error']",
        "/{ns",
        "/{ns}",
        "/iq[text()=x]",
        "/iq]",
        "/iq[@type='e']x",
    };
    struct sm f;

    sm_init(&f, error_xml);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(stanza_match(f.st, bad[i]) == -1, "'%s' was accepted",
                      bad[i]);
    ck_assert_int_eq(stanza_match(NULL, "/iq"), 0);
    ck_assert_int_eq(stanza_match(NULL, "iq"), -1);
    sm_free(&f);
}
END_TEST

/* The failure message names the path and shows the stanza as XML. */
START_TEST(mismatch_explains)
{
    struct sm f;
    char why[STANZA_WHY_MAX];

    sm_init(&f, error_xml);
    ck_assert_int_eq(
        stanza_mismatch(f.st, why, sizeof(why), "/iq[@id='%d']", 7), 0);
    ck_assert_int_eq(
        stanza_mismatch(f.st, why, sizeof(why), "/iq/%s", "bad-request"), -1);
    ck_assert_ptr_nonnull(strstr(why, "/iq/bad-request does not match"));
    ck_assert_ptr_nonnull(strstr(why, "<not-allowed xmlns=\"" NS_ST "\"/>"));
    ck_assert_int_eq(stanza_mismatch(f.st, why, sizeof(why), "iq"), -1);
    ck_assert_ptr_nonnull(strstr(why, "iq is not a valid path"));
    ck_assert_int_eq(stanza_mismatch(NULL, why, sizeof(why), "/iq"), -1);
    ck_assert_ptr_nonnull(strstr(why, "(no stanza)"));
    /* Truncated, still terminated. */
    ck_assert_int_eq(stanza_mismatch(f.st, why, 8, "/x"), -1);
    ck_assert_uint_eq(strlen(why), 7);
    stanza_expect(f.st, "/iq[@type='%s']/error/not-allowed", "error");
    sm_free(&f);
}
END_TEST

static Suite *stanza_match_suite(void)
{
    Suite *s = suite_create("stanza_match");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, names_and_children);
    tcase_add_test(tc, attributes);
    tcase_add_test(tc, namespaces);
    tcase_add_test(tc, any_child_continues);
    tcase_add_test(tc, text_at_path);
    tcase_add_test(tc, malformed_paths);
    tcase_add_test(tc, mismatch_explains);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(stanza_match_suite)
