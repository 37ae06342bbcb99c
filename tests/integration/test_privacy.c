/* Integration tests of [privacy] and blocking against a real server: cards
 * held for numbers nobody has registered, answers that do not tell a
 * registered number from an unregistered one, reveal_online, and blocking
 * numbers by the cardx iqs. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/integration/itest.h"
#include "tests/lib/runner.h"
#include "tests/lib/stanza_match.h"
#include "xep/ns.h"

#define ANSWER_MAX 4096

static void setup_hold(void)
{
    itest_setup_with("[privacy]\nunknown_numbers = hold\n");
}

static void setup_reveal(void)
{
    itest_setup_with("[privacy]\nreveal_online = yes\n");
}

/* Replaces every from in text (of size len) by to, in place. */
static void replace_all(char *text, size_t len, const char *from,
                        const char *to)
{
    char out[ANSWER_MAX];
    size_t n = 0, fl = strlen(from);
    const char *p = text, *hit;

    while ((hit = strstr(p, from)) && n < sizeof(out)) {
        n += (size_t)snprintf(out + n, sizeof(out) - n, "%.*s%s",
                              (int)(hit - p), p, to);
        p = hit + fl;
    }
    if (n < sizeof(out))
        snprintf(out + n, sizeof(out) - n, "%s", p);
    snprintf(text, len, "%s", out);
}

/* Empties every id="..." value: ids differ from stanza to stanza. */
static void blank_ids(char *text)
{
    char *p = text;

    while ((p = strstr(p, " id=\""))) {
        char *start = p + 5, *end = strchr(start, '"');

        if (!end)
            return;
        memmove(start, end, strlen(end) + 1);
        p = start;
    }
}

/* The stanza as text with number and ids made neutral. */
static void normalise(xmpp_stanza_t *stanza, const char *number, char *out,
                      size_t len)
{
    char *text = NULL;
    size_t n = 0;

    if (!stanza) {
        snprintf(out, len, "(nothing)");
        return;
    }
    ck_assert_int_eq(xmpp_stanza_to_text(stanza, &text, &n), XMPP_EOK);
    snprintf(out, len, "%s", text);
    xmpp_free(xmpp_stanza_get_context(stanza), text);
    replace_all(out, len, number, "NUMBER");
    blank_ids(out);
}

/* The template with NUM as number and COMP as the component's domain. */
static void fill(char *xml, size_t len, const char *tmpl, const char *number)
{
    snprintf(xml, len, "%s", tmpl);
    replace_all(xml, len, "NUM", number);
    replace_all(xml, len, "COMP", harness_component_domain(itest_harness()));
}

/* The answer to an iq, normalised. */
static void iq_answer(struct xclient *c, const char *tmpl, const char *number,
                      char *out, size_t len)
{
    xmpp_stanza_t *reply = NULL;
    char xml[1024];
    int rc;

    fill(xml, sizeof(xml), tmpl, number);
    rc = itest_iq(c, xml, &reply);
    ck_assert_msg(reply != NULL, "no answer to %s (%d)", xml, rc);
    normalise(reply, number, out, len);
    xmpp_stanza_release(reply);
}

static int from_number(xmpp_stanza_t *stanza, void *ud)
{
    const char *from = xmpp_stanza_get_from(stanza);

    return from && strncmp(from, ud, strlen(ud)) == 0;
}

/* What comes back from the number's proxy JID within the quiet period
 * after the message or presence, normalised ("(nothing)" if nothing). */
static void stanza_answer(struct xclient *c, const char *tmpl,
                          const char *number, char *out, size_t len)
{
    xmpp_stanza_t *got = NULL;
    char xml[1024], proxy[128];

    fill(xml, sizeof(xml), tmpl, number);
    itest_proxy_jid(proxy, sizeof(proxy), number);
    ck_assert_int_eq(xclient_send_text(c, xml), 0);
    xclient_wait(c, from_number, proxy, ITEST_QUIET_MS, &got);
    normalise(got, number, out, len);
    if (got)
        xmpp_stanza_release(got);
}

/* Every request a user can address to a number, as (iq?, template). */
static const struct probe {
    int iq;
    const char *what;
    const char *tmpl;
} probes[] = {
    {1, "send iq", "<iq type='set'><send xmlns='" NS_CARDX "' to='NUM'/></iq>"},
    {1, "send iq with a note",
     "<iq type='set'><send xmlns='" NS_CARDX "' to='NUM'><note>hi</note>"
     "</send></iq>"},
    {0, "message send",
     "<message type='chat' id='m1' to='NUM@COMP'><body>hello</body>"
     "<request xmlns='" NS_RECEIPTS "'/></message>"},
    {1, "gateway lookup",
     "<iq type='set'><query xmlns='" NS_GATEWAY "'><prompt>NUM</prompt>"
     "</query></iq>"},
    {1, "disco#info of the proxy JID",
     "<iq type='get' to='NUM@COMP'><query xmlns='" NS_DISCO_INFO "'/></iq>"},
    {1, "vCard of the proxy JID",
     "<iq type='get' to='NUM@COMP'><vCard xmlns='" NS_VCARD "'/></iq>"},
    {0, "presence probe of the proxy JID",
     "<presence type='probe' to='NUM@COMP'/>"},
};

/* With hold, a registered number (its owner online, even) and a number
 * nobody has get the same answers, numbers and ids aside. */
START_TEST(identical_answers)
{
    static const char registered[] = "+8613800138402";
    static const char unknown[] = "+8613800138403";
    struct xclient *a = itest_login("same_a", 1, 1);
    struct xclient *b = itest_login("same_b", 1, 1);
    char one[ANSWER_MAX], two[ANSWER_MAX];

    itest_register_phone(a, "+8613800138401");
    itest_register_phone(b, registered);
    itest_upload_card(a, "Alice Same", "+8613800138401");
    xclient_send_presence(b);
    xclient_pump(b, 300);
    for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
        void (*ask)(struct xclient *, const char *, const char *, char *,
                    size_t) = probes[i].iq ? iq_answer : stanza_answer;

        ask(a, probes[i].tmpl, registered, one, sizeof(one));
        ask(a, probes[i].tmpl, unknown, two, sizeof(two));
        ck_assert_msg(strcmp(one, two) == 0,
                      "%s: registered and unregistered differ:\n%s\n%s",
                      probes[i].what, one, two);
        if (i == 0) /* the owner is online; the answer does not say */
            ck_assert_msg(strstr(one, "status=\"queued\""), "%s", one);
    }
    /* b did get the cards sent to its number. */
    for (int i = 0; i < 3; i++) {
        xmpp_stanza_t *card = itest_wait_card(b, ITEST_TIMEOUT_MS);

        ck_assert_msg(card != NULL, "card %d did not reach the owner", i);
        itest_ack(b, card);
        xmpp_stanza_release(card);
    }
    xclient_disconnect_free(a);
    xclient_disconnect_free(b);
}
END_TEST

static int is_receipt(xmpp_stanza_t *stanza, void *ud)
{
    xmpp_stanza_t *r =
        xmpp_stanza_get_child_by_name_and_ns(stanza, "received", NS_RECEIPTS);

    return r && xmpp_stanza_get_id(r) && strcmp(xmpp_stanza_get_id(r), ud) == 0;
}

/* With hold, cards to a number nobody has wait, and reach whoever
 * registers it later; the receipt comes from the number's proxy JID. A
 * sender's second card replaces the held one ([limits]: one card per
 * sender and number), keeping its id. */
START_TEST(hold_then_owner)
{
    static const char number[] = "+8613800138412";
    struct xclient *a = itest_login("hold_a", 1, 1);
    struct xclient *b;
    xmpp_stanza_t *card, *receipt = NULL;
    struct itest_sent sent;
    char xml[512], proxy[128];

    itest_register_phone(a, "+8613800138411");
    itest_upload_card(a, "Alice Hold", "+8613800138411");
    ck_assert_str_eq(itest_send(a, number, "first", &sent), "queued");
    itest_proxy_jid(proxy, sizeof(proxy), number);
    snprintf(xml, sizeof(xml),
             "<message type='chat' id='hold-m' to='%s'><body>second</body>"
             "<request xmlns='" NS_RECEIPTS "'/></message>",
             proxy);
    ck_assert_int_eq(xclient_send_text(a, xml), 0);

    b = itest_login("hold_b", 0, 1);
    itest_register_phone(b, number);
    ck_assert_int_eq(xclient_send_presence(b), 0);
    card = itest_wait_card(b, ITEST_TIMEOUT_MS);
    ck_assert_msg(card != NULL, "the held card did not arrive");
    ck_assert_str_eq(xmpp_stanza_get_id(card), sent.id);
    ck_assert_ptr_nonnull(xmpp_stanza_get_child_by_ns(card, NS_DELAY));
    ck_assert_ptr_nonnull(
        strstr(xmpp_stanza_get_from(card), "+8613800138411@"));
    stanza_expect(card, "/message/{" NS_CARDX "}card/note[text()='second']");
    itest_ack(b, card);
    xmpp_stanza_release(card);
    ck_assert_int_eq(
        xclient_wait(a, is_receipt, "hold-m", ITEST_TIMEOUT_MS, &receipt), 0);
    ck_assert_str_eq(xmpp_stanza_get_from(receipt), proxy);
    xmpp_stanza_release(receipt);
    xclient_disconnect_free(a);
    xclient_disconnect_free(b);
}
END_TEST

#define BLOCKLIST "/iq[@type='result']/{" NS_CARDX "}blocklist"

/* Blocking by the cardx iqs: the blocked sender's send is answered as
 * accepted and the card dropped; unblocking lets the next one through. */
START_TEST(block_by_iq)
{
    struct xclient *a = itest_login("blk_a", 1, 1);
    struct xclient *b = itest_login("blk_b", 1, 1);
    struct xclient *n = itest_login("blk_n", 1, 1);
    xmpp_stanza_t *reply, *card;
    struct itest_sent sent;

    itest_register_phone(a, "+8613800138421");
    itest_register_phone(b, "+8613800138422");
    itest_upload_card(a, "Alice Blocked", "+8613800138421");
    xclient_send_presence(b);
    xclient_pump(b, 300);

    reply = itest_iq_expect(
        b, "<iq type='get'><blocklist xmlns='" NS_CARDX "'/></iq>", BLOCKLIST);
    ck_assert_int_eq(stanza_match(reply, BLOCKLIST "/item"), 0);
    xmpp_stanza_release(reply);
    itest_iq_ok(b, "<iq type='set'><block xmlns='" NS_CARDX
                   "' phone='+86 138 0013 8421'/></iq>");
    reply = itest_iq_expect(
        b, "<iq type='get'><blocklist xmlns='" NS_CARDX "'/></iq>",
        BLOCKLIST "/item[@phone='+8613800138421']");
    xmpp_stanza_release(reply);
    xmpp_stanza_release(
        itest_iq_expect(b, "<iq type='set'><block xmlns='" NS_CARDX "'/></iq>",
                        "/iq[@type='error']/error[@type='modify']/{" NS_STANZAS
                        "}bad-request"));
    xmpp_stanza_release(itest_iq_expect(
        n,
        "<iq type='set'><block xmlns='" NS_CARDX "' phone='+8613800138421'/>"
        "</iq>",
        "/iq[@type='error']/error[@type='auth']/{" NS_STANZAS
        "}registration-required"));

    ck_assert_str_eq(itest_send(a, "+8613800138422", "blocked", &sent),
                     "queued");
    ck_assert_str_ne(sent.id, "");
    card = itest_wait_card(b, ITEST_QUIET_MS);
    ck_assert_msg(card == NULL, "a blocked sender's card arrived");

    itest_iq_ok(b, "<iq type='set'><unblock xmlns='" NS_CARDX
                   "' phone='+8613800138421'/></iq>");
    xmpp_stanza_release(
        itest_iq_expect(b,
                        "<iq type='set'><unblock xmlns='" NS_CARDX
                        "' phone='+8613800138421'/></iq>",
                        "/iq[@type='error']/error[@type='cancel']/{" NS_STANZAS
                        "}item-not-found"));
    ck_assert_str_eq(itest_send(a, "+8613800138422", "unblocked", &sent),
                     "queued");
    card = itest_wait_card(b, ITEST_TIMEOUT_MS);
    ck_assert_msg(card != NULL, "the card after unblocking did not arrive");
    ck_assert_str_eq(xmpp_stanza_get_id(card), sent.id);
    itest_ack(b, card);
    xmpp_stanza_release(card);
    xclient_disconnect_free(a);
    xclient_disconnect_free(b);
    xclient_disconnect_free(n);
}
END_TEST

/* reveal_online = yes: "delivered" to an online recipient, "queued" to an
 * offline one; and with reject (the default) an unregistered number is
 * item-not-found. */
START_TEST(reveal_online_yes)
{
    struct xclient *a = itest_login("rev_a", 1, 1);
    struct xclient *b = itest_login("rev_b", 1, 1);
    xmpp_stanza_t *card;
    struct itest_sent sent;

    itest_register_phone(a, "+8613800138431");
    itest_register_phone(b, "+8613800138432");
    itest_upload_card(a, "Alice Reveal", "+8613800138431");
    xclient_send_presence(b);
    xclient_pump(b, 300);
    ck_assert_str_eq(itest_send(a, "+8613800138432", NULL, &sent), "delivered");
    card = itest_wait_card(b, ITEST_TIMEOUT_MS);
    ck_assert_msg(card != NULL, "the card did not arrive");
    itest_ack(b, card);
    xmpp_stanza_release(card);
    xclient_pump(b, 300);
    xclient_disconnect_free(b);
    xclient_pump(a, 500);
    ck_assert_str_eq(itest_send(a, "+8613800138432", NULL, &sent), "queued");
    ck_assert_str_eq(itest_send(a, "+8613800138433", NULL, &sent),
                     "error:item-not-found");
    xclient_disconnect_free(a);
}
END_TEST

static Suite *privacy_suite(void)
{
    Suite *s = suite_create("privacy");
    TCase *hold = tcase_create("hold");
    TCase *reveal = tcase_create("reveal");

    tcase_add_unchecked_fixture(hold, setup_hold, itest_teardown);
    tcase_set_timeout(hold, 120);
    tcase_add_test(hold, identical_answers);
    tcase_add_test(hold, hold_then_owner);
    tcase_add_test(hold, block_by_iq);
    suite_add_tcase(s, hold);
    tcase_add_unchecked_fixture(reveal, setup_reveal, itest_teardown);
    tcase_set_timeout(reveal, 120);
    tcase_add_test(reveal, reveal_online_yes);
    suite_add_tcase(s, reveal);
    return s;
}

TEST_MAIN_NOFORK(privacy_suite)
