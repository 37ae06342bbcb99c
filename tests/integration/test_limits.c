/* The [limits] of an open service against a real server: send rates and
 * lookups at their boundary on every route and across a restart, one card
 * per sender, the inbox quota, and expiry with the sender's notice. Each
 * test restarts cardxd with the limits it needs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/integration/itest.h"
#include "tests/lib/runner.h"
#include "tests/lib/stanza_match.h"
#include "xep/ns.h"

/* Every limit off; a test's own settings follow (the last value wins). */
#define LIMITS_OFF                                                             \
    "[limits]\nsends_per_minute = 0\nsends_per_day = 0\n"                      \
    "lookups_per_day = 0\ninbox_max = 0\ninbox_ttl = 0\n"

/* Restarts cardxd with ini appended to its config; waits for the link. */
static void restart_with(const char *ini)
{
    struct harness *h = itest_harness();
    int ups;

    ck_assert_int_ge(harness_cardxd_stop(h), 0);
    if (ini)
        ck_assert_int_eq(harness_cardxd_config_append(h, ini), 0);
    ups = harness_cardxd_link_ups(h);
    ck_assert_int_eq(harness_cardxd_start(h), 0);
    ck_assert_int_eq(harness_cardxd_wait_link_up(h, ups + 1, ITEST_TIMEOUT_MS),
                     0);
}

/* Logs in a sender with a number and a card. */
static struct xclient *sender(const char *user, const char *phone)
{
    struct xclient *c = itest_login(user, 1, 1);

    itest_register_phone(c, phone);
    itest_upload_card(c, user, phone);
    return c;
}

/* Registers a recipient's number and logs them out again. */
static void offline_recipient(const char *user, const char *phone)
{
    struct xclient *c = itest_login(user, 1, 1);

    itest_register_phone(c, phone);
    xclient_disconnect_free(c);
}

/* The text of the error of the last send by iq must contain needle. */
static void send_refused(struct xclient *c, const char *to,
                         const char *condition, const char *needle)
{
    char xml[512], path[128];
    xmpp_stanza_t *reply;
    char *text;

    snprintf(xml, sizeof(xml),
             "<iq type='set'><send xmlns='" NS_CARDX "' to='%s'/></iq>", to);
    snprintf(path, sizeof(path),
             "/iq[@type='error']/error[@type='wait']/{%s}%s", NS_STANZAS,
             condition);
    reply = itest_iq_expect(c, xml, "%s", path);
    text = stanza_match_text(reply, "/iq/error/{" NS_STANZAS "}text");
    ck_assert_msg(text && strstr(text, needle), "error text '%s' lacks '%s'",
                  text ? text : "", needle);
    free(text);
    xmpp_stanza_release(reply);
}

/* A card sent by a message to the proxy JID of number. */
static void send_by_message(struct xclient *c, const char *number,
                            const char *note)
{
    char xml[512], to[128];

    itest_proxy_jid(to, sizeof(to), number);
    snprintf(xml, sizeof(xml),
             "<message type='chat' to='%s'><body>%s</body></message>", to,
             note);
    ck_assert_int_eq(xclient_send_text(c, xml), 0);
}

/* The send command (XEP-0050) in two stages; returns its note's text. */
static char *send_by_command(struct xclient *c, const char *number)
{
    xmpp_stanza_t *reply = NULL;
    char xml[1024], *sid, *text;

    ck_assert_int_eq(itest_iq(c,
                              "<iq type='set'><command xmlns='" NS_COMMANDS
                              "' node='send' action='execute'/></iq>",
                              &reply),
                     0);
    sid = stanza_match_text(reply, "/iq/{" NS_COMMANDS "}command/@sessionid");
    ck_assert_ptr_nonnull(sid);
    xmpp_stanza_release(reply);
    snprintf(xml, sizeof(xml),
             "<iq type='set'><command xmlns='" NS_COMMANDS
             "' node='send' action='complete' sessionid='%s'><x xmlns='" NS_DATA
             "' type='submit'><field var='number'><value>%s</value></field>"
             "</x></command></iq>",
             sid, number);
    free(sid);
    ck_assert_int_eq(itest_iq(c, xml, &reply), 0);
    text = stanza_match_text(reply, "/iq/{" NS_COMMANDS "}command/note");
    ck_assert_ptr_nonnull(text);
    xmpp_stanza_release(reply);
    return text;
}

/* sends_per_minute counts every route of one account, and a restart of
 * cardxd forgets nothing: the fourth send of three a minute is refused
 * with wait/policy-violation and when it works again. */
START_TEST(minute_limit_all_routes_and_restart)
{
    struct xclient *a, *a2;
    struct itest_sent sent;
    char *note;

    restart_with(LIMITS_OFF "sends_per_minute = 3\n");
    a = sender("rate_a", "+8613800140001");
    offline_recipient("rate_b", "+8613800140002");
    ck_assert_str_eq(itest_send(a, "+8613800140002", "one", &sent), "queued");
    /* a second session of the same account */
    a2 = itest_relogin("rate_a", 1, 1);
    send_by_message(a2, "+8613800140002", "two");
    xclient_pump(a2, 500);
    restart_with(NULL);
    note = send_by_command(a, "+8613800140002");
    ck_assert_msg(strstr(note, "queued"), "third send: %s", note);
    free(note);
    send_refused(a2, "+8613800140002", "policy-violation",
                 "at most 3 cards a minute: sending works again at ");
    note = send_by_command(a, "+8613800140002");
    ck_assert_msg(strstr(note, "sending works again at"), "refusal: %s", note);
    free(note);
    xclient_disconnect_free(a2);
    xclient_disconnect_free(a);
}
END_TEST

START_TEST(day_limit)
{
    struct xclient *a;
    struct itest_sent sent;

    restart_with(LIMITS_OFF "sends_per_day = 2\n");
    a = sender("day_a", "+8613800140011");
    offline_recipient("day_b", "+8613800140012");
    ck_assert_str_eq(itest_send(a, "+8613800140012", NULL, &sent), "queued");
    ck_assert_str_eq(itest_send(a, "+8613800140012", NULL, &sent), "queued");
    send_refused(a, "+8613800140012", "policy-violation",
                 "at most 2 cards a day");
    xclient_disconnect_free(a);
}
END_TEST

/* lookups_per_day counts numbers registered or not; past it a new number
 * is refused alike, while a number already counted still works. */
START_TEST(lookups_limit)
{
    struct xclient *a;
    struct itest_sent sent;

    restart_with(LIMITS_OFF "lookups_per_day = 2\n");
    a = sender("look_a", "+8613800140021");
    offline_recipient("look_b", "+8613800140022");
    ck_assert_str_eq(itest_send(a, "+8613800140029", NULL, &sent),
                     "error:item-not-found");
    ck_assert_str_eq(itest_send(a, "+8613800140022", NULL, &sent), "queued");
    send_refused(a, "+8613800140028", "policy-violation",
                 "at most 2 different numbers a day");
    send_refused(a, "+8613800140023", "policy-violation", "new numbers work");
    ck_assert_str_eq(itest_send(a, "+8613800140022", NULL, &sent), "queued");
    xclient_disconnect_free(a);
}
END_TEST

/* One card per sender: sending again replaces it (same id, latest note);
 * inbox_max refuses a new sender, not a replacement; the recipient gets
 * each sender once. */
START_TEST(dedupe_and_quota)
{
    struct xclient *a = sender("dq_a", "+8613800140031");
    struct xclient *c = sender("dq_c", "+8613800140033");
    struct xclient *d = sender("dq_d", "+8613800140034");
    struct xclient *b;
    struct itest_sent first, again, other;
    xmpp_stanza_t *card;
    char *note;

    restart_with(LIMITS_OFF "inbox_max = 2\n");
    offline_recipient("dq_b", "+8613800140032");
    ck_assert_str_eq(itest_send(a, "+8613800140032", "old", &first), "queued");
    ck_assert_str_eq(itest_send(c, "+8613800140032", "from c", &other),
                     "queued");
    send_refused(d, "+8613800140032", "resource-constraint", "is full");
    ck_assert_str_eq(itest_send(a, "+8613800140032", "new", &again), "queued");
    ck_assert_str_eq(again.id, first.id);
    b = itest_relogin("dq_b", 1, 1);
    for (int i = 0; i < 2; i++) {
        card = itest_wait_card(b, ITEST_TIMEOUT_MS);
        ck_assert_msg(card != NULL, "card %d did not arrive", i);
        if (strcmp(xmpp_stanza_get_id(card), first.id) == 0) {
            note = stanza_match_text(card, "/message/{" NS_CARDX "}card/note");
            ck_assert_ptr_nonnull(note);
            ck_assert_str_eq(note, "new");
            free(note);
        } else {
            ck_assert_str_eq(xmpp_stanza_get_id(card), other.id);
        }
        itest_ack(b, card);
        xmpp_stanza_release(card);
    }
    ck_assert_ptr_null(itest_wait_card(b, ITEST_QUIET_MS));
    xclient_disconnect_free(b);
    xclient_disconnect_free(d);
    xclient_disconnect_free(c);
    xclient_disconnect_free(a);
}
END_TEST

struct notice {
    const char *from;
};

static int is_notice(xmpp_stanza_t *stanza, void *ud)
{
    const struct notice *n = ud;
    const char *name = xmpp_stanza_get_name(stanza);
    const char *from = xmpp_stanza_get_from(stanza);
    xmpp_stanza_t *body;
    char *text;
    int ok;

    if (!name || strcmp(name, "message") != 0 || !from ||
        strncmp(from, n->from, strlen(n->from)) != 0)
        return 0;
    body = xmpp_stanza_get_child_by_name(stanza, "body");
    text = body ? xmpp_stanza_get_text(body) : NULL;
    ok = text && strstr(text, "expired undelivered") != NULL;
    if (text)
        xmpp_free(xmpp_stanza_get_context(stanza), text);
    return ok;
}

/* A card not acknowledged within inbox_ttl is deleted, its sender told by
 * a chat message from the recipient's proxy JID, and it never arrives. */
START_TEST(expiry_with_notice)
{
    struct harness *h = itest_harness();
    struct xclient *a, *b;
    struct itest_sent sent;
    xmpp_stanza_t *msg = NULL;
    char proxy[128];
    struct notice n = {proxy};

    restart_with(LIMITS_OFF "inbox_ttl = 3s\n");
    a = sender("ttl_a", "+8613800140041");
    offline_recipient("ttl_b", "+8613800140042");
    itest_proxy_jid(proxy, sizeof(proxy), "+8613800140042");
    ck_assert_str_eq(itest_send(a, "+8613800140042", NULL, &sent), "queued");
    ck_assert_int_eq(xclient_wait(a, is_notice, &n, ITEST_TIMEOUT_MS, &msg), 0);
    stanza_expect(msg, "/message[@type='chat']/body");
    xmpp_stanza_release(msg);
    ck_assert_int_ge(harness_cardxd_log_count(h, "expired (inbox_ttl over"), 1);
    b = itest_relogin("ttl_b", 1, 1);
    ck_assert_ptr_null(itest_wait_card(b, ITEST_QUIET_MS));
    xclient_disconnect_free(b);
    xclient_disconnect_free(a);
}
END_TEST

static Suite *limits_suite(void)
{
    Suite *s = suite_create("limits");
    TCase *tc = tcase_create("open service");

    tcase_add_unchecked_fixture(tc, itest_setup, itest_teardown);
    tcase_set_timeout(tc, 180);
    tcase_add_test(tc, minute_limit_all_routes_and_restart);
    tcase_add_test(tc, day_limit);
    tcase_add_test(tc, lookups_limit);
    tcase_add_test(tc, dedupe_and_quota);
    tcase_add_test(tc, expiry_with_notice);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN_NOFORK(limits_suite)
