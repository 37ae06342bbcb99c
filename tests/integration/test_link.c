/* Integration tests of cardxd's XEP-0114 link and basic queries against a
 * real Prosody: disco, ping, version, unknown requests, reconnection. */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "common/util.h"
#include "tests/integration/itest.h"
#include "tests/lib/runner.h"
#include "xep/ns.h"

/* What cardxd logs when read_timeout drops the link, and (at debug level,
 * which the harness sets) when its keepalive ping is answered. */
#define DROP_PHRASE "(read_timeout)"
#define PONG_PHRASE "keepalive ping"

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

/* Waits until cardxd.log holds more than n lines with phrase; 0, or -1
 * after timeout_ms. */
static int wait_log_count(struct harness *h, const char *phrase, int n,
                          int timeout_ms)
{
    int64_t end = clock_now_ms() + timeout_ms;

    while (harness_cardxd_log_count(h, phrase) <= n) {
        if (clock_now_ms() >= end)
            return -1;
        nanosleep(&(struct timespec){0, 50 * 1000000L}, NULL);
    }
    return 0;
}

/* The server hangs without closing the link (SIGSTOP): with [component]
 * keepalive = 1s and read_timeout = 3s cardxd notices, drops the link,
 * reattaches once the server runs again, and cards flow. An idle link
 * stays up meanwhile, kept alive by answered pings. Restarts cardxd. */
START_TEST(hung_server_detected)
{
    struct harness *h = itest_harness();
    struct xclient *a, *b;
    struct itest_sent sent;
    xmpp_stanza_t *card;
    int ups, drops, pongs, noticed;

    ck_assert_int_ge(harness_cardxd_stop(h), 0);
    ck_assert_int_eq(harness_cardxd_config_append(
                         h, "[component]\nkeepalive = 1s\nread_timeout = 3s\n"),
                     0);
    ups = harness_cardxd_link_ups(h);
    ck_assert_int_eq(harness_cardxd_start(h), 0);
    ck_assert_int_eq(harness_cardxd_wait_link_up(h, ups + 1, ITEST_TIMEOUT_MS),
                     0);
    /* Idle, the link lives on answered pings: three answers and no drop. */
    drops = harness_cardxd_log_count(h, DROP_PHRASE);
    pongs = harness_cardxd_log_count(h, PONG_PHRASE);
    ck_assert_int_eq(
        wait_log_count(h, PONG_PHRASE, pongs + 2, ITEST_TIMEOUT_MS), 0);
    ck_assert_int_eq(harness_cardxd_log_count(h, DROP_PHRASE), drops);
    ck_assert_int_eq(harness_cardxd_link_ups(h), ups + 1);

    ups = harness_cardxd_link_ups(h);
    ck_assert_int_eq(harness_server_signal(h, SIGSTOP), 0);
    /* No assertion until the server runs again: a failure here must not
     * leave it stopped for the tests that follow. */
    noticed = wait_log_count(h, DROP_PHRASE, drops, ITEST_TIMEOUT_MS);
    ck_assert_int_eq(harness_server_signal(h, SIGCONT), 0);
    ck_assert_msg(noticed == 0,
                  "cardxd did not notice the hung server (see %s/cardxd.log)",
                  harness_rundir(h));
    ck_assert(harness_cardxd_running(h));
    /* Attempts made while the server was stopped wait out the handshake
     * timeout (10 s) before the next one. */
    ck_assert_int_eq(harness_cardxd_wait_link_up(h, ups + 1, 30000), 0);

    a = itest_login("hung_a", 1, 1);
    b = itest_login("hung_b", 1, 1);
    itest_register_phone(a, "+8613800138501");
    itest_register_phone(b, "+8613800138502");
    itest_upload_card(a, "Alice Patient", "+8613800138501");
    xclient_send_presence(b);
    xclient_pump(b, 300);
    /* queued: [privacy] reveal_online = no; the card's arrival is the
     * proof that the link works again. */
    ck_assert_str_eq(itest_send(a, "+8613800138502", NULL, &sent), "queued");
    card = itest_wait_card(b, ITEST_TIMEOUT_MS);
    ck_assert_msg(card != NULL, "the card did not arrive");
    ck_assert_str_eq(xmpp_stanza_get_id(card), sent.id);
    itest_ack(b, card);
    xmpp_stanza_release(card);
    xclient_disconnect_free(a);
    xclient_disconnect_free(b);
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
    tcase_add_test(tc, hung_server_detected);
    tcase_add_test(tc, clean_stop);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN_NOFORK(link_suite)
