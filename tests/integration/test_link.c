/* Integration tests of cardxd's XEP-0114 link and basic queries against a
 * real Prosody: disco, ping, version, unknown requests, reconnection. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "common/util.h"
#include "tests/integration/itest.h"
#include "tests/lib/runner.h"
#include "xep/ns.h"

static int has_feature(xmpp_stanza_t *query, const char *var)
{
    for (xmpp_stanza_t *c = xmpp_stanza_get_children(query); c;
         c = xmpp_stanza_get_next(c)) {
        const char *name = xmpp_stanza_get_name(c);
        const char *v = xmpp_stanza_get_attribute(c, "var");

        if (name && strcmp(name, "feature") == 0 && v && strcmp(v, var) == 0)
            return 1;
    }
    return 0;
}

START_TEST(disco_info)
{
    struct xclient *c = itest_login("disco", 1, 1);
    xmpp_stanza_t *reply = NULL, *q, *id;

    ck_assert_int_eq(
        itest_iq(c, "<iq type='get'><query xmlns='" NS_DISCO_INFO "'/></iq>",
                 &reply),
        0);
    ck_assert_str_eq(xmpp_stanza_get_from(reply),
                     harness_component_domain(itest_harness()));
    q = xmpp_stanza_get_child_by_ns(reply, NS_DISCO_INFO);
    ck_assert_ptr_nonnull(q);
    id = xmpp_stanza_get_child_by_name(q, "identity");
    ck_assert_ptr_nonnull(id);
    ck_assert_str_eq(xmpp_stanza_get_attribute(id, "category"), "gateway");
    ck_assert(has_feature(q, NS_DISCO_INFO));
    ck_assert(has_feature(q, NS_PING));
    ck_assert(has_feature(q, NS_VERSION));
    ck_assert(has_feature(q, NS_REGISTER));
    ck_assert(!has_feature(q, "urn:example:nothing"));
    xmpp_stanza_release(reply);
    xclient_disconnect_free(c);
}
END_TEST

START_TEST(disco_items_ping_version)
{
    struct xclient *c = itest_login("queries", 1, 1);
    xmpp_stanza_t *reply = NULL, *q, *name;
    char *text;

    ck_assert_int_eq(
        itest_iq(c, "<iq type='get'><query xmlns='" NS_DISCO_ITEMS "'/></iq>",
                 &reply),
        0);
    ck_assert_ptr_nonnull(xmpp_stanza_get_child_by_ns(reply, NS_DISCO_ITEMS));
    xmpp_stanza_release(reply);

    ck_assert_int_eq(
        itest_iq(c, "<iq type='get'><ping xmlns='" NS_PING "'/></iq>", &reply),
        0);
    ck_assert_str_eq(xmpp_stanza_get_type(reply), "result");
    xmpp_stanza_release(reply);

    ck_assert_int_eq(
        itest_iq(c, "<iq type='get'><query xmlns='" NS_VERSION "'/></iq>",
                 &reply),
        0);
    q = xmpp_stanza_get_child_by_ns(reply, NS_VERSION);
    ck_assert_ptr_nonnull(q);
    name = xmpp_stanza_get_child_by_name(q, "name");
    ck_assert_ptr_nonnull(name);
    text = xmpp_stanza_get_text(name);
    ck_assert_str_eq(text, "cardxd");
    xmpp_free(xclient_ctx(c), text);
    ck_assert_ptr_nonnull(xmpp_stanza_get_child_by_name(q, "version"));
    xmpp_stanza_release(reply);
    xclient_disconnect_free(c);
}
END_TEST

START_TEST(unknown_request)
{
    struct xclient *c = itest_login("unknown", 1, 1);
    xmpp_stanza_t *reply = NULL;

    ck_assert_int_eq(itest_iq(c,
                              "<iq type='get'><query "
                              "xmlns='urn:example:unknown'/></iq>",
                              &reply),
                     -EPROTO);
    ck_assert_str_eq(itest_condition(reply), "service-unavailable");
    xmpp_stanza_release(reply);
    ck_assert_int_eq(itest_iq(c,
                              "<iq type='set'><query "
                              "xmlns='urn:example:unknown'/></iq>",
                              &reply),
                     -EPROTO);
    ck_assert_str_eq(itest_condition(reply), "service-unavailable");
    xmpp_stanza_release(reply);
    xclient_disconnect_free(c);
}
END_TEST

/* An error sent to the component must not be answered (no error loops). */
START_TEST(error_not_answered)
{
    struct xclient *c = itest_login("errors", 1, 1);
    xmpp_stanza_t *got = NULL;
    char xml[512];

    snprintf(xml, sizeof(xml),
             "<message type='error' to='%s' id='e1'><error type='cancel'>"
             "<item-not-found xmlns='" NS_STANZAS "'/></error></message>",
             harness_component_domain(itest_harness()));
    ck_assert_int_eq(xclient_send_text(c, xml), 0);
    ck_assert_int_eq(xclient_wait_message(c, ITEST_QUIET_MS, &got), -ETIMEDOUT);
    /* The component is still there and answering. */
    ck_assert_int_eq(
        itest_iq(c, "<iq type='get'><ping xmlns='" NS_PING "'/></iq>", &got),
        0);
    xmpp_stanza_release(got);
    xclient_disconnect_free(c);
}
END_TEST

/* Prosody goes away and comes back: cardxd reattaches by itself, in the
 * same process, and answers again. */
START_TEST(reconnect_after_restart)
{
    struct harness *h = itest_harness();
    int ups = harness_cardxd_link_ups(h);
    struct xclient *c;
    xmpp_stanza_t *reply = NULL;
    int64_t t0;

    ck_assert_int_ge(ups, 1);
    ck_assert_int_eq(harness_prosody_restart(h), 0);
    t0 = clock_now_ms();
    ck_assert_msg(harness_cardxd_wait_link_up(h, ups + 1, 5000) == 0,
                  "cardxd did not reattach within 5 s");
    ck_assert(harness_cardxd_running(h));
    fprintf(stderr, "cardxd reattached %ld ms after Prosody was back\n",
            (long)(clock_now_ms() - t0));
    c = itest_relogin("disco", 1, 1);
    ck_assert_int_eq(
        itest_iq(c, "<iq type='get'><ping xmlns='" NS_PING "'/></iq>", &reply),
        0);
    xmpp_stanza_release(reply);
    xclient_disconnect_free(c);
}
END_TEST

/* SIGTERM stops cardxd cleanly: exit status 0, stream closed, logged. */
START_TEST(clean_stop)
{
    struct harness *h = itest_harness();
    int status = harness_cardxd_stop(h);

    ck_assert_msg(status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "cardxd did not exit cleanly (status %d)", status);
    /* Leave the fixture as it found it. */
    ck_assert_int_eq(harness_cardxd_start(h), 0);
    ck_assert_int_eq(harness_cardxd_wait_connected(h, ITEST_TIMEOUT_MS), 0);
}
END_TEST

static Suite *link_suite(void)
{
    Suite *s = suite_create("link");
    TCase *tc = tcase_create("prosody");

    tcase_add_unchecked_fixture(tc, itest_setup, itest_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, disco_info);
    tcase_add_test(tc, disco_items_ping_version);
    tcase_add_test(tc, unknown_request);
    tcase_add_test(tc, error_not_answered);
    tcase_add_test(tc, reconnect_after_restart);
    tcase_add_test(tc, clean_stop);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN_NOFORK(link_suite)
