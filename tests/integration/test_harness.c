/* Integration test of the harness itself: Prosody, xclient, cardxd control. */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <strophe.h>

#include "tests/integration/harness.h"
#include "tests/integration/xclient.h"
#include "tests/lib/runner.h"

#define TIMEOUT_MS 5000

/* Check fixtures take no argument, so the harness the fixtures share lives
 * here; main() owns it. */
static struct harness *the_harness;

static void start_servers(void)
{
    struct harness *h = the_harness;

    ck_assert_int_eq(harness_prosody_start(h), 0);
    ck_assert_int_eq(harness_register(h, "alice", "alice-pw"), 0);
    ck_assert_int_eq(harness_register(h, "bob", "bob-pw"), 0);
}

static void stop_servers(void)
{
    harness_prosody_stop(the_harness);
}

static struct xclient *login(const char *user, const char *password)
{
    struct harness *h = the_harness;
    struct xclient *c = NULL;
    char *jid = harness_jid(h, user);

    ck_assert_ptr_nonnull(jid);
    ck_assert_int_eq(xclient_connect(jid, password, "127.0.0.1",
                                     harness_c2s_port(h), TIMEOUT_MS, &c),
                     0);
    free(jid);
    ck_assert_ptr_nonnull(c);
    return c;
}

static xmpp_stanza_t *chat(struct xclient *from, const char *to,
                           const char *body)
{
    xmpp_stanza_t *msg = xmpp_message_new(xclient_ctx(from), "chat", to, NULL);

    ck_assert_ptr_nonnull(msg);
    ck_assert_int_eq(xmpp_message_set_body(msg, body), XMPP_EOK);
    return msg;
}

static void send_chat(struct xclient *from, const char *to, const char *body)
{
    xmpp_stanza_t *msg = chat(from, to, body);

    ck_assert_int_eq(xclient_send(from, msg), 0);
    xmpp_stanza_release(msg);
}

/* Asserts msg has this body and comes from user's bare JID (any resource). */
static void assert_chat(xmpp_stanza_t *msg, const char *user, const char *body)
{
    char *text = xmpp_message_get_body(msg);
    char *bare =
        xmpp_jid_bare(xmpp_stanza_get_context(msg), xmpp_stanza_get_from(msg));
    char *want = harness_jid(the_harness, user);

    ck_assert_ptr_nonnull(text);
    ck_assert_str_eq(text, body);
    ck_assert_str_eq(bare, want);
    free(want);
    xmpp_free(xmpp_stanza_get_context(msg), bare);
    xmpp_free(xmpp_stanza_get_context(msg), text);
}

START_TEST(message_reaches_other_user)
{
    struct xclient *alice = login("alice", "alice-pw");
    struct xclient *bob = login("bob", "bob-pw");
    xmpp_stanza_t *msg = NULL;

    ck_assert_int_eq(strncmp(xclient_jid(alice), "alice@cardx.test/", 17), 0);
    ck_assert_int_eq(xclient_send_presence(bob), 0);
    send_chat(alice, "bob@cardx.test", "hello bob");
    ck_assert_int_eq(xclient_wait_message(bob, TIMEOUT_MS, &msg), 0);
    assert_chat(msg, "alice", "hello bob");
    xmpp_stanza_release(msg);
    xclient_disconnect_free(alice);
    xclient_disconnect_free(bob);
}
END_TEST

START_TEST(wrong_password_is_refused)
{
    struct xclient *c = (struct xclient *)1;
    char *jid = harness_jid(the_harness, "alice");

    ck_assert_int_eq(xclient_connect(jid, "not-her-password", "127.0.0.1",
                                     harness_c2s_port(the_harness), TIMEOUT_MS,
                                     &c),
                     -ECONNREFUSED);
    ck_assert_ptr_null(c);
    free(jid);
}
END_TEST

static int body_is(xmpp_stanza_t *stanza, void *ud)
{
    char *body = xmpp_message_get_body(stanza);
    int same = body && strcmp(body, ud) == 0;

    xmpp_free(xmpp_stanza_get_context(stanza), body);
    return same;
}

/* A wait for a later stanza leaves the earlier, unmatched ones queued. */
START_TEST(unmatched_stanzas_stay_queued)
{
    struct xclient *alice = login("alice", "alice-pw");
    struct xclient *bob = login("bob", "bob-pw");
    xmpp_stanza_t *msg = NULL;

    ck_assert_int_eq(xclient_send_presence(bob), 0);
    send_chat(alice, "bob@cardx.test", "one");
    send_chat(alice, "bob@cardx.test", "two");
    ck_assert_int_eq(xclient_wait(bob, body_is, "two", TIMEOUT_MS, &msg), 0);
    assert_chat(msg, "alice", "two");
    xmpp_stanza_release(msg);
    ck_assert_int_eq(xclient_queued(bob), 1);
    ck_assert_int_eq(xclient_wait_message(bob, 0, &msg), 0);
    assert_chat(msg, "alice", "one");
    xmpp_stanza_release(msg);
    ck_assert_int_eq(xclient_wait_message(bob, 200, &msg), -ETIMEDOUT);
    ck_assert_ptr_null(msg);
    xclient_disconnect_free(alice);
    xclient_disconnect_free(bob);
}
END_TEST

static xmpp_stanza_t *iq_with_query(struct xclient *c, const char *type,
                                    const char *to, const char *name,
                                    const char *ns)
{
    xmpp_stanza_t *iq = xmpp_iq_new(xclient_ctx(c), type, NULL);
    xmpp_stanza_t *child = xmpp_stanza_new(xclient_ctx(c));

    ck_assert_ptr_nonnull(iq);
    ck_assert_ptr_nonnull(child);
    xmpp_stanza_set_to(iq, to);
    xmpp_stanza_set_name(child, name);
    xmpp_stanza_set_ns(child, ns);
    xmpp_stanza_add_child(iq, child);
    xmpp_stanza_release(child);
    return iq;
}

START_TEST(iq_gets_result_or_error)
{
    struct xclient *alice = login("alice", "alice-pw");
    xmpp_stanza_t *iq, *reply = NULL;

    iq = iq_with_query(alice, "get", "cardx.test", "ping", "urn:xmpp:ping");
    ck_assert_int_eq(xclient_iq(alice, iq, TIMEOUT_MS, &reply), 0);
    ck_assert_str_eq(xmpp_stanza_get_type(reply), "result");
    ck_assert_str_eq(xmpp_stanza_get_id(reply), xmpp_stanza_get_id(iq));
    xmpp_stanza_release(reply);
    xmpp_stanza_release(iq);

    iq = iq_with_query(alice, "get", "cardx.test", "query", "urn:cardx:none");
    ck_assert_int_eq(xclient_iq(alice, iq, TIMEOUT_MS, NULL), -EPROTO);
    xmpp_stanza_release(iq);
    xclient_disconnect_free(alice);
}
END_TEST

START_TEST(in_band_registration)
{
    struct xclient *carol;

    ck_assert_int_eq(
        xclient_register_account("carol@cardx.test", "carol-pw", "127.0.0.1",
                                 harness_c2s_port(the_harness), TIMEOUT_MS),
        0);
    ck_assert_int_eq(
        xclient_register_account("carol@cardx.test", "other", "127.0.0.1",
                                 harness_c2s_port(the_harness), TIMEOUT_MS),
        -EEXIST);
    carol = login("carol", "carol-pw");
    ck_assert(xclient_is_connected(carol));
    xclient_disconnect_free(carol);
}
END_TEST

static int presence_of_type(xmpp_stanza_t *stanza, void *ud)
{
    const char *type = xmpp_stanza_get_type(stanza);

    return strcmp(xmpp_stanza_get_name(stanza), "presence") == 0 && type &&
           strcmp(type, ud) == 0;
}

/* The first <item/> of a roster result, or NULL. */
static xmpp_stanza_t *roster_item(xmpp_stanza_t *iq)
{
    xmpp_stanza_t *query = xmpp_stanza_get_child_by_name(iq, "query");

    ck_assert_ptr_nonnull(query);
    return xmpp_stanza_get_child_by_name(query, "item");
}

START_TEST(subscriptions_accepted_automatically)
{
    struct xclient *alice = login("alice", "alice-pw");
    struct xclient *bob = login("bob", "bob-pw");
    xmpp_stanza_t *presence = NULL, *roster = NULL, *item;

    xclient_auto_accept_subscriptions(alice, 1);
    ck_assert_int_eq(xclient_send_presence(alice), 0);
    /* The server forwards 'subscribed' to sessions that fetched the roster
     * only, and the roster then shows alice. */
    ck_assert_int_eq(xclient_request_roster(bob, &roster), 0);
    ck_assert_ptr_null(roster_item(roster));
    xmpp_stanza_release(roster);
    ck_assert_int_eq(xclient_send_text(bob, "<presence to='alice@cardx.test'"
                                            " type='subscribe'/>"),
                     0);
    /* Alice's client answers as it reads the request, within this wait. */
    ck_assert_int_eq(xclient_wait(alice, presence_of_type, "subscribe",
                                  TIMEOUT_MS, &presence),
                     0);
    xmpp_stanza_release(presence);
    ck_assert_int_eq(xclient_wait(bob, presence_of_type, "subscribed",
                                  TIMEOUT_MS, &presence),
                     0);
    ck_assert_str_eq(xmpp_stanza_get_from(presence), "alice@cardx.test");
    xmpp_stanza_release(presence);
    ck_assert_int_eq(xclient_request_roster(bob, &roster), 0);
    item = roster_item(roster);
    ck_assert_ptr_nonnull(item);
    ck_assert_str_eq(xmpp_stanza_get_attribute(item, "jid"),
                     "alice@cardx.test");
    ck_assert_str_eq(xmpp_stanza_get_attribute(item, "subscription"), "to");
    xmpp_stanza_release(roster);
    ck_assert_int_eq(xclient_send_text(bob, "<not xml"), -EINVAL);
    xclient_disconnect_free(alice);
    xclient_disconnect_free(bob);
}
END_TEST

/* Runs last in its case: the server goes away under a client. */
START_TEST(prosody_stop_and_restart)
{
    struct harness *h = the_harness;
    struct xclient *alice = login("alice", "alice-pw");

    ck_assert(harness_prosody_running(h));
    ck_assert_int_eq(harness_prosody_stop(h), 0);
    ck_assert(!harness_prosody_running(h));
    ck_assert(!harness_port_open(harness_c2s_port(h)));
    ck_assert(!harness_port_open(harness_component_port(h)));
    ck_assert_int_eq(xclient_pump(alice, TIMEOUT_MS), -ENOTCONN);
    xclient_disconnect_free(alice);

    ck_assert_int_eq(harness_prosody_restart(h), 0);
    ck_assert(harness_port_open(harness_c2s_port(h)));
    ck_assert(harness_port_open(harness_component_port(h)));
    ck_assert_int_eq(harness_prosody_start(h), -EALREADY);
    /* Accounts survive: they are in the run directory. */
    alice = login("alice", "alice-pw");
    xclient_disconnect_free(alice);
}
END_TEST

/* Makes RUNDIR/fake/component/cardxd, a stand-in that logs the handshake
 * phrase and exits 3 on SIGTERM, and points CARDX_BUILDDIR at it. */
static void use_fake_cardxd(struct harness *h)
{
    char *dir, *path;
    FILE *f;

    ck_assert_int_ge(asprintf(&dir, "%s/fake", harness_rundir(h)), 0);
    ck_assert_int_ge(asprintf(&path, "%s/component", dir), 0);
    ck_assert_int_eq(mkdir(dir, 0755), 0);
    ck_assert_int_eq(mkdir(path, 0755), 0);
    free(path);
    ck_assert_int_ge(asprintf(&path, "%s/component/cardxd", dir), 0);
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("#!/bin/sh\n"
          "[ \"$1\" = -c ] && [ -r \"$2\" ] || exit 2\n"
          "trap 'exit 3' TERM\n"
          "echo \"fake: component link up\" >&2\n"
          "while :; do sleep 0.05; done\n",
          f);
    ck_assert_int_eq(fclose(f), 0);
    ck_assert_int_eq(chmod(path, 0755), 0);
    ck_assert_int_eq(setenv("CARDX_BUILDDIR", dir, 1), 0);
    free(path);
    free(dir);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    char *text = calloc(1, 65536);

    ck_assert_ptr_nonnull(f);
    ck_assert_ptr_nonnull(text);
    text[fread(text, 1, 65535, f)] = '\0';
    fclose(f);
    return text;
}

START_TEST(cardxd_process_control)
{
    struct harness *h = the_harness;
    const char *saved = getenv("CARDX_BUILDDIR");
    char *saved_copy = saved ? strdup(saved) : NULL;
    char *conf_path, *conf, *want;
    int status;

    use_fake_cardxd(h);
    ck_assert_int_eq(harness_cardxd_stop(h), -ECHILD);
    ck_assert_int_eq(harness_cardxd_link_ups(h), 0);
    ck_assert_int_eq(harness_cardxd_config_append(h, "[limits]\nx = 1"), 0);
    ck_assert_int_eq(harness_cardxd_start(h), 0);
    ck_assert_int_eq(harness_cardxd_start(h), -EALREADY);
    ck_assert_int_eq(harness_cardxd_wait_connected(h, TIMEOUT_MS), 0);
    ck_assert_int_eq(harness_cardxd_link_ups(h), 1);
    ck_assert_int_eq(harness_cardxd_wait_link_up(h, 2, 200), -ETIMEDOUT);

    ck_assert_int_ge(asprintf(&conf_path, "%s/cardxd.conf", harness_rundir(h)),
                     0);
    conf = slurp(conf_path);
    ck_assert_int_ge(asprintf(&want, "port = %d\n", harness_component_port(h)),
                     0);
    ck_assert_ptr_nonnull(strstr(conf, want));
    ck_assert_ptr_nonnull(strstr(conf, harness_secret(h)));
    ck_assert_ptr_nonnull(strstr(conf, "domain = cards.cardx.test\n"));
    ck_assert_ptr_nonnull(strstr(conf, "[limits]\nx = 1\n"));
    free(want);
    free(conf);
    free(conf_path);

    status = harness_cardxd_stop(h);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 3);
    ck_assert(!harness_cardxd_running(h));

    /* Second run: wait_connected wants the next handshake, not the old. */
    ck_assert_int_eq(harness_cardxd_start(h), 0);
    ck_assert_int_eq(harness_cardxd_wait_connected(h, TIMEOUT_MS), 0);
    ck_assert_int_eq(harness_cardxd_link_ups(h), 2);
    status = harness_cardxd_kill(h, SIGKILL);
    ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    ck_assert_int_eq(harness_cardxd_wait_link_up(h, 3, TIMEOUT_MS), -ECHILD);

    if (saved_copy)
        setenv("CARDX_BUILDDIR", saved_copy, 1);
    else
        unsetenv("CARDX_BUILDDIR");
    free(saved_copy);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("harness");
    TCase *tc = tcase_create("prosody");
    TCase *tc_cardxd = tcase_create("cardxd");
    int failed;

    xmpp_initialize();
    the_harness = harness_new();
    if (!the_harness)
        return EXIT_FAILURE;
    tcase_add_unchecked_fixture(tc, start_servers, stop_servers);
    tcase_add_test(tc, message_reaches_other_user);
    tcase_add_test(tc, wrong_password_is_refused);
    tcase_add_test(tc, unmatched_stanzas_stay_queued);
    tcase_add_test(tc, iq_gets_result_or_error);
    tcase_add_test(tc, in_band_registration);
    tcase_add_test(tc, subscriptions_accepted_automatically);
    tcase_add_test(tc, prosody_stop_and_restart);
    suite_add_tcase(s, tc);
    tcase_add_test(tc_cardxd, cardxd_process_control);
    suite_add_tcase(s, tc_cardxd);

    /* The servers and clients live in this process: no fork per test. */
    failed = test_run(s, TEST_NOFORK);
    if (failed)
        harness_keep_rundir(the_harness);
    harness_free(the_harness);
    xmpp_shutdown();
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
