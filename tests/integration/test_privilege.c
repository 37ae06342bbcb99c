/* Integration tests of privileged presence (XEP-0356): with the server's
 * grant, cardxd learns who is online without any subscription. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/integration/itest.h"
#include "tests/lib/runner.h"
#include "xep/ns.h"

#define GRANT_PHRASE "presence=managed_entity (urn:xmpp:privilege:"

/* Runs the program's harness with privileges granted (the harness reads
 * this when itest_setup() creates it), or without. */
static void setup_privileged(void)
{
    ck_assert_int_eq(setenv("CARDX_PRIVILEGED", "1", 1), 0);
    itest_setup();
}

static void setup_plain(void)
{
    ck_assert_int_eq(unsetenv("CARDX_PRIVILEGED"), 0);
    itest_setup();
}

static int is_component_subscribe(xmpp_stanza_t *stanza, void *ud)
{
    const char *name = xmpp_stanza_get_name(stanza);
    const char *type = xmpp_stanza_get_type(stanza);
    const char *from = xmpp_stanza_get_from(stanza);

    (void)ud;
    return name && strcmp(name, "presence") == 0 && type &&
           strcmp(type, "subscribe") == 0 && from &&
           strcmp(from, harness_component_domain(itest_harness())) == 0;
}

/* Creates user and registers their phone, which makes cardxd ask for their
 * presence; the client is offline by then (no presence sent). */
static void create_unsubscribed(const char *user, const char *phone)
{
    struct xclient *c;

    ck_assert_int_eq(harness_register(itest_harness(), user, ITEST_PASSWORD),
                     0);
    c = itest_relogin_unsubscribing(user, 0);
    itest_register_phone(c, phone);
    xclient_disconnect_free(c);
}

/* The server hands a pending subscription request to a session once it is
 * available: check cardxd's is there, and leave it unanswered. */
static void expect_subscribe_request(struct xclient *c)
{
    xmpp_stanza_t *sub = NULL;

    ck_assert_msg(xclient_wait(c, is_component_subscribe, NULL,
                               ITEST_TIMEOUT_MS, &sub) == 0,
                  "cardxd's subscription request did not come");
    xmpp_stanza_release(sub);
}

/* A sender with a number and a card, online. */
static struct xclient *sender(const char *user, const char *phone)
{
    struct xclient *c = itest_login(user, 1, 1);

    itest_register_phone(c, phone);
    itest_upload_card(c, user, phone);
    return c;
}

/* Waits for the card with this id, then checks no second copy follows
 * before acknowledging it. */
static void expect_card_once(struct xclient *c, const char *id)
{
    xmpp_stanza_t *card = itest_wait_card(c, ITEST_TIMEOUT_MS);
    xmpp_stanza_t *again;

    ck_assert_msg(card != NULL, "the waiting card did not arrive");
    ck_assert_str_eq(xmpp_stanza_get_id(card), id);
    again = itest_wait_card(c, ITEST_QUIET_MS);
    ck_assert_msg(again == NULL, "the card arrived twice");
    itest_ack(c, card);
    xmpp_stanza_release(card);
    xclient_pump(c, 300);
}

/* The subscription of the user's roster item for the component ("none"
 * when there is no item), in buf. */
static const char *component_subscription(struct xclient *c, char *buf,
                                          size_t len)
{
    xmpp_stanza_t *roster = NULL, *q;
    const char *comp = harness_component_domain(itest_harness());

    snprintf(buf, len, "none");
    ck_assert_int_eq(xclient_request_roster(c, &roster), 0);
    q = xmpp_stanza_get_child_by_ns(roster, "jabber:iq:roster");
    ck_assert_ptr_nonnull(q);
    for (xmpp_stanza_t *i = xmpp_stanza_get_children(q); i;
         i = xmpp_stanza_get_next(i)) {
        const char *jid = xmpp_stanza_get_attribute(i, "jid");
        const char *sub = xmpp_stanza_get_attribute(i, "subscription");

        if (jid && strcmp(jid, comp) == 0 && sub)
            snprintf(buf, len, "%s", sub);
    }
    xmpp_stanza_release(roster);
    return buf;
}

/* True when the component receives the user's presence by subscription. */
static int component_subscribed(struct xclient *c)
{
    char sub[16];

    component_subscription(c, sub, sizeof(sub));
    return strcmp(sub, "from") == 0 || strcmp(sub, "both") == 0;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

    nanosleep(&ts, NULL);
}

/* The grant comes right after the handshake: wait for its log line. */
static int wait_grant_logged(int timeout_ms)
{
    for (int waited = 0; waited < timeout_ms; waited += 50) {
        int n = harness_cardxd_log_count(itest_harness(), GRANT_PHRASE);

        if (n != 0)
            return n;
        sleep_ms(50);
    }
    return 0;
}

/* cardxd logs the grant, in the namespace version of each server. */
START_TEST(grant_logged)
{
    struct harness *h = itest_harness();
    const char *line = harness_server(h) == HARNESS_PROSODY
                           ? "privileges granted by " HARNESS_DOMAIN
                             ": presence=managed_entity (" NS_PRIVILEGE2 ")"
                           : "privileges granted by " HARNESS_DOMAIN
                             ": message=none, roster=none, "
                             "presence=managed_entity (" NS_PRIVILEGE1 ")";

    ck_assert_int_ge(wait_grant_logged(ITEST_TIMEOUT_MS), 1);
    ck_assert_int_ge(harness_cardxd_log_count(h, line), 1);
}
END_TEST

/* The user never approved cardxd's subscription nor sent it presence, yet
 * the card waiting for them arrives when they come online, once. */
START_TEST(unsubscribed_user_gets_waiting_card)
{
    struct xclient *a = sender("priv_a", "+8613800139001");
    struct xclient *b;
    struct itest_sent sent;

    create_unsubscribed("priv_b", "+8613800139002");
    ck_assert_str_eq(itest_send(a, "+8613800139002", NULL, &sent), "queued");
    b = itest_relogin_unsubscribing("priv_b", 1);
    expect_subscribe_request(b);
    expect_card_once(b, sent.id);
    ck_assert_msg(!component_subscribed(b), "cardxd was subscribed");
    xclient_disconnect_free(b);
    xclient_disconnect_free(a);
}
END_TEST

/* A subscribed user's presence reaches cardxd twice, through the
 * subscription and through the privilege: still one card. */
START_TEST(subscribed_user_gets_card_once)
{
    struct harness *h = itest_harness();
    struct xclient *a = sender("dup_a", "+8613800139101");
    struct xclient *b = itest_login("dup_b", 1, 1);
    struct itest_sent sent;
    char online[128];
    char *jid;

    itest_register_phone(b, "+8613800139102");
    xclient_pump(b, 500); /* the subscription is approved */
    xclient_disconnect_free(b);
    xclient_pump(a, 300);
    ck_assert_str_eq(itest_send(a, "+8613800139102", NULL, &sent), "queued");
    b = itest_relogin("dup_b", 1, 1);
    ck_assert_msg(component_subscribed(b), "the subscription is missing");
    expect_card_once(b, sent.id);
    /* One new resource, however many copies of its presence came in. */
    jid = strdup(xclient_jid(b));
    ck_assert_ptr_nonnull(jid);
    snprintf(online, sizeof(online), "resource %s online", jid);
    ck_assert_int_eq(harness_cardxd_log_count(h, online), 1);
    free(jid);
    xclient_disconnect_free(b);
    xclient_disconnect_free(a);
}
END_TEST

/* Without the grant the same user is not seen at login (the card waits);
 * directed presence to the component, as the cardx client sends, is the
 * way in. */
START_TEST(unprivileged_needs_subscription_or_directed_presence)
{
    struct xclient *a = sender("plain_a", "+8613800139201");
    struct xclient *b;
    struct itest_sent sent;
    char xml[256];

    ck_assert_int_eq(wait_grant_logged(ITEST_QUIET_MS), 0);
    create_unsubscribed("plain_b", "+8613800139202");
    ck_assert_str_eq(itest_send(a, "+8613800139202", NULL, &sent), "queued");
    b = itest_relogin_unsubscribing("plain_b", 1);
    expect_subscribe_request(b);
    ck_assert_ptr_null(itest_wait_card(b, ITEST_QUIET_MS));
    snprintf(xml, sizeof(xml), "<presence to='%s'/>",
             harness_component_domain(itest_harness()));
    ck_assert_int_eq(xclient_send_text(b, xml), 0);
    expect_card_once(b, sent.id);
    xclient_disconnect_free(b);
    xclient_disconnect_free(a);
}
END_TEST

static Suite *privilege_suite(void)
{
    Suite *s = suite_create("privilege");
    TCase *priv = tcase_create("privileged");
    TCase *plain = tcase_create("plain");

    tcase_add_unchecked_fixture(priv, setup_privileged, itest_teardown);
    tcase_set_timeout(priv, 120);
    tcase_add_test(priv, grant_logged);
    tcase_add_test(priv, unsubscribed_user_gets_waiting_card);
    tcase_add_test(priv, subscribed_user_gets_card_once);
    suite_add_tcase(s, priv);

    tcase_add_unchecked_fixture(plain, setup_plain, itest_teardown);
    tcase_set_timeout(plain, 120);
    tcase_add_test(plain, unprivileged_needs_subscription_or_directed_presence);
    suite_add_tcase(s, plain);
    return s;
}

TEST_MAIN_NOFORK(privilege_suite)
