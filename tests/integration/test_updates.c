/* Integration tests of cards that stay current and of profiles, against a
 * real server: an edit reaches an offline recipient once, as the latest
 * version; opting out and blocking stop updates; a profile limits the
 * fields a recipient gets, and their updates too; the body tells a plain
 * client it is an update and what changed. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/integration/itest.h"
#include "tests/lib/runner.h"
#include "tests/lib/stanza_match.h"
#include "xep/ns.h"

#define CARD "/message/{" NS_CARDX "}card"
#define VCARD "/message/{" NS_VCARD "}vCard"

/* Uploads c's card with the given title and email. */
static void upload(struct xclient *c, const char *name, const char *phone,
                   const char *title, const char *email)
{
    char xml[1024];

    snprintf(xml, sizeof(xml),
             "<iq type='set'><vCard xmlns='" NS_VCARD "'><FN>%s</FN><ORG>"
             "<ORGNAME>Changhong</ORGNAME></ORG><TITLE>%s</TITLE><TEL><CELL/>"
             "<NUMBER>%s</NUMBER></TEL><EMAIL><INTERNET/><PREF/><USERID>%s"
             "</USERID></EMAIL></vCard></iq>",
             name, title, phone, email);
    itest_iq_ok(c, xml);
}

/* a's card reaches b (online) and b acknowledges it; returns its id. */
static void share(struct xclient *a, struct xclient *b, const char *to,
                  char *id, size_t len)
{
    struct itest_sent sent;
    xmpp_stanza_t *card;

    ck_assert_str_eq(itest_send(a, to, "hello", &sent), "queued");
    card = itest_wait_card(b, ITEST_TIMEOUT_MS);
    ck_assert_msg(card != NULL, "the card did not arrive");
    ck_assert_str_eq(xmpp_stanza_get_id(card), sent.id);
    ck_assert_int_eq(stanza_match(card, CARD "[@updates]"), 0);
    itest_ack(b, card);
    xmpp_stanza_release(card);
    xclient_pump(b, 300);
    snprintf(id, len, "%s", sent.id);
}

/* b gets no card within the quiet period. */
static void expect_nothing(struct xclient *b, const char *why)
{
    xmpp_stanza_t *card = itest_wait_card(b, ITEST_QUIET_MS);

    ck_assert_msg(card == NULL, "%s", why);
}

/* Three edits while the recipient is offline: one update arrives when they
 * come back, the latest, delayed, with a new id naming the card it
 * updates; acknowledged, it does not come again. */
START_TEST(offline_edits_coalesce)
{
    struct xclient *a = itest_login("upd_a", 1, 1);
    struct xclient *b = itest_login("upd_b", 1, 1);
    xmpp_stanza_t *card;
    char first[64];

    itest_register_phone(a, "+8613800138501");
    itest_register_phone(b, "+8613800138502");
    upload(a, "Alice Update", "+8613800138501", "Engineer", "a@x.cn");
    xclient_send_presence(b);
    xclient_pump(b, 300);
    share(a, b, "+8613800138502", first, sizeof(first));
    xclient_disconnect_free(b);
    xclient_pump(a, 500);

    upload(a, "Alice Update", "+8613800138501", "Lead", "a@x.cn");
    upload(a, "Alice Update", "+8613800138501", "Manager", "a@x.cn");
    upload(a, "Alice Update", "+8613800138501", "Director", "a@x.cn");

    b = itest_relogin("upd_b", 1, 1);
    card = itest_wait_card(b, ITEST_TIMEOUT_MS);
    ck_assert_msg(card != NULL, "the update did not arrive");
    ck_assert_str_ne(xmpp_stanza_get_id(card), first);
    stanza_expect(card, CARD "[@updates='%s'][@changed='title']", first);
    stanza_expect(card, VCARD "/TITLE[text()='Director']");
    stanza_expect(card, "/message/{" NS_DELAY "}delay[@stamp]");
    itest_ack(b, card);
    xmpp_stanza_release(card);
    expect_nothing(b, "a second update arrived after the latest");
    xclient_disconnect_free(b);
    xclient_pump(a, 500);
    b = itest_relogin("upd_b", 1, 1);
    expect_nothing(b, "the acknowledged update came again");
    xclient_disconnect_free(a);
    xclient_disconnect_free(b);
}
END_TEST

/* A send while an update waits: the recipient gets the send, as a new
 * card with a new id, and nothing else. */
START_TEST(send_over_update)
{
    struct xclient *a = itest_login("sou_a", 1, 1);
    struct xclient *b = itest_login("sou_b", 1, 1);
    struct itest_sent sent;
    xmpp_stanza_t *card;
    char first[64];

    itest_register_phone(a, "+8613800138561");
    itest_register_phone(b, "+8613800138562");
    upload(a, "Alice Again", "+8613800138561", "Engineer", "a@x.cn");
    xclient_send_presence(b);
    xclient_pump(b, 300);
    share(a, b, "+8613800138562", first, sizeof(first));
    xclient_disconnect_free(b);
    xclient_pump(a, 500);
    upload(a, "Alice Again", "+8613800138561", "Lead", "a@x.cn");
    ck_assert_str_eq(itest_send(a, "+8613800138562", "again", &sent), "queued");
    ck_assert_str_ne(sent.id, first);
    b = itest_relogin("sou_b", 1, 1);
    card = itest_wait_card(b, ITEST_TIMEOUT_MS);
    ck_assert_msg(card != NULL, "the card did not arrive");
    ck_assert_str_eq(xmpp_stanza_get_id(card), sent.id);
    ck_assert_int_eq(stanza_match(card, CARD "[@updates]"), 0);
    stanza_expect(card, CARD "/note[text()='again']");
    stanza_expect(card, VCARD "/TITLE[text()='Lead']");
    itest_ack(b, card);
    xmpp_stanza_release(card);
    expect_nothing(b, "the overwritten update arrived too");
    xclient_disconnect_free(a);
    xclient_disconnect_free(b);
}
END_TEST

/* Updates off stop them (and drop the one waiting); on again lets the
 * next edit through. Only a card the user received can be switched. */
START_TEST(opt_out)
{
    struct xclient *a = itest_login("opt_a", 1, 1);
    struct xclient *b = itest_login("opt_b", 1, 1);
    xmpp_stanza_t *card;
    char first[64];

    itest_register_phone(a, "+8613800138511");
    itest_register_phone(b, "+8613800138512");
    upload(a, "Alice Opt", "+8613800138511", "Engineer", "a@x.cn");
    xclient_send_presence(b);
    xclient_pump(b, 300);
    share(a, b, "+8613800138512", first, sizeof(first));

    itest_iq_ok(b, "<iq type='set'><updates xmlns='" NS_CARDX
                   "' phone='+8613800138511' receive='off'/></iq>");
    upload(a, "Alice Opt", "+8613800138511", "Lead", "a@x.cn");
    expect_nothing(b, "an update arrived with updates off");

    xmpp_stanza_release(
        itest_iq_expect(b,
                        "<iq type='set'><updates xmlns='" NS_CARDX
                        "' phone='+8613800138599' receive='off'/></iq>",
                        "/iq[@type='error']/error[@type='cancel']/{" NS_STANZAS
                        "}item-not-found"));
    xmpp_stanza_release(
        itest_iq_expect(b,
                        "<iq type='set'><updates xmlns='" NS_CARDX
                        "' phone='+8613800138511'/></iq>",
                        "/iq[@type='error']/error[@type='modify']/{" NS_STANZAS
                        "}bad-request"));

    itest_iq_ok(b, "<iq type='set'><updates xmlns='" NS_CARDX
                   "' phone='+8613800138511' receive='on'/></iq>");
    upload(a, "Alice Opt", "+8613800138511", "Director", "a@x.cn");
    card = itest_wait_card(b, ITEST_TIMEOUT_MS);
    ck_assert_msg(card != NULL, "the update after turning them on is lost");
    stanza_expect(card, CARD "[@updates='%s'][@changed='title']", first);
    stanza_expect(card, VCARD "/TITLE[text()='Director']");
    itest_ack(b, card);
    xmpp_stanza_release(card);
    xclient_pump(b, 300);
    xclient_disconnect_free(a);
    xclient_disconnect_free(b);
}
END_TEST

/* A recipient who blocked the sender gets none of their updates. */
START_TEST(blocked_sender)
{
    struct xclient *a = itest_login("ublk_a", 1, 1);
    struct xclient *b = itest_login("ublk_b", 1, 1);
    char first[64];

    itest_register_phone(a, "+8613800138521");
    itest_register_phone(b, "+8613800138522");
    upload(a, "Alice Blocked", "+8613800138521", "Engineer", "a@x.cn");
    xclient_send_presence(b);
    xclient_pump(b, 300);
    share(a, b, "+8613800138522", first, sizeof(first));
    itest_iq_ok(b, "<iq type='set'><block xmlns='" NS_CARDX
                   "' phone='+8613800138521'/></iq>");
    upload(a, "Alice Blocked", "+8613800138521", "Lead", "a@x.cn");
    expect_nothing(b, "a blocked sender's update arrived");
    xclient_disconnect_free(b);
    xclient_pump(a, 500);
    b = itest_relogin("ublk_b", 1, 1);
    expect_nothing(b, "a blocked sender's update waited in the inbox");
    xclient_disconnect_free(a);
    xclient_disconnect_free(b);
}
END_TEST

#define PROFILES "/iq[@type='result']/{" NS_CARDX "}profiles"

/* A card sent with a profile holds only its fields; an edit of a field
 * outside it sends nothing, one inside it an update with only its
 * fields. Bad profiles are refused. */
START_TEST(profile_limits_fields)
{
    struct xclient *a = itest_login("prof_a", 1, 1);
    struct xclient *b = itest_login("prof_b", 1, 1);
    struct itest_sent sent;
    xmpp_stanza_t *card, *reply;

    itest_register_phone(a, "+8613800138531");
    itest_register_phone(b, "+8613800138532");
    upload(a, "Alice Profile", "+8613800138531", "Engineer", "a@x.cn");
    itest_iq_ok(a, "<iq type='set'><profile xmlns='" NS_CARDX
                   "' name='work'><field var='name'/><field var='org'/>"
                   "<field var='title'/></profile></iq>");
    reply = itest_iq_expect(
        a, "<iq type='get'><profiles xmlns='" NS_CARDX "'/></iq>",
        PROFILES "/profile[@name='work']/field[@var='title']");
    ck_assert_int_eq(stanza_match(reply, PROFILES "/profile[@default]"), 0);
    xmpp_stanza_release(reply);
    xmpp_stanza_release(
        itest_iq_expect(a,
                        "<iq type='set'><profile xmlns='" NS_CARDX
                        "' name='bad'><field var='shoe-size'/></profile></iq>",
                        "/iq[@type='error']/error[@type='modify']/{" NS_STANZAS
                        "}bad-request"));
    xmpp_stanza_release(
        itest_iq_expect(a,
                        "<iq type='set'><send xmlns='" NS_CARDX
                        "' to='+8613800138532' profile='home'/></iq>",
                        "/iq[@type='error']/error[@type='cancel']/{" NS_STANZAS
                        "}item-not-found"));

    xclient_send_presence(b);
    xclient_pump(b, 300);
    reply = itest_iq_expect(a,
                            "<iq type='set'><send xmlns='" NS_CARDX
                            "' to='+8613800138532' profile='work'/></iq>",
                            "/iq[@type='result']/{" NS_CARDX "}sent[@id]");
    snprintf(sent.id, sizeof(sent.id), "%s",
             xmpp_stanza_get_id(xmpp_stanza_get_child_by_ns(reply, NS_CARDX)));
    xmpp_stanza_release(reply);
    card = itest_wait_card(b, ITEST_TIMEOUT_MS);
    ck_assert_msg(card != NULL, "the profile's card did not arrive");
    stanza_expect(card, VCARD "/ORG/ORGNAME[text()='Changhong']");
    stanza_expect(card, VCARD "/TITLE[text()='Engineer']");
    ck_assert_int_eq(stanza_match(card, VCARD "/EMAIL"), 0);
    ck_assert_int_eq(stanza_match(card, VCARD "/TEL"), 0);
    itest_ack(b, card);
    xmpp_stanza_release(card);
    xclient_pump(b, 300);

    upload(a, "Alice Profile", "+8613800138531", "Engineer", "new@x.cn");
    expect_nothing(b, "an edit outside the profile sent an update");
    upload(a, "Alice Profile", "+8613800138531", "Lead", "newer@x.cn");
    card = itest_wait_card(b, ITEST_TIMEOUT_MS);
    ck_assert_msg(card != NULL, "the profile's update did not arrive");
    stanza_expect(card, CARD "[@updates='%s'][@changed='title']", sent.id);
    stanza_expect(card, VCARD "/TITLE[text()='Lead']");
    ck_assert_int_eq(stanza_match(card, VCARD "/EMAIL"), 0);
    itest_ack(b, card);
    xmpp_stanza_release(card);
    xclient_pump(b, 300);
    xclient_disconnect_free(a);
    xclient_disconnect_free(b);
}
END_TEST

/* Uploads c's card with a photo whose BINVAL is b64. */
static void upload_photo(struct xclient *c, const char *name, const char *phone,
                         const char *b64)
{
    char xml[1024];

    snprintf(xml, sizeof(xml),
             "<iq type='set'><vCard xmlns='" NS_VCARD "'><FN>%s</FN><TEL>"
             "<CELL/><NUMBER>%s</NUMBER></TEL><PHOTO><TYPE>image/png</TYPE>"
             "<BINVAL>%s</BINVAL></PHOTO></vCard></iq>",
             name, phone, b64);
    itest_iq_ok(c, xml);
}

/* A profile that names the photo shows it, one that does not leaves it
 * out; a new photo is a change its recipients are sent, and only them. */
START_TEST(profile_photo)
{
    struct xclient *a = itest_login("pho_a", 1, 1);
    struct xclient *b = itest_login("pho_b", 1, 1);
    struct xclient *c = itest_login("pho_c", 1, 1);
    xmpp_stanza_t *card, *reply;
    char id[64];

    itest_register_phone(a, "+8613800138661");
    itest_register_phone(b, "+8613800138662");
    itest_register_phone(c, "+8613800138663");
    upload_photo(a, "Alice Photo", "+8613800138661", "iVBORw0KGgo=");
    itest_iq_ok(a, "<iq type='set'><profile xmlns='" NS_CARDX
                   "' name='face'><field var='name'/><field var='photo'/>"
                   "</profile></iq>");
    itest_iq_ok(a, "<iq type='set'><profile xmlns='" NS_CARDX
                   "' name='plain'><field var='name'/></profile></iq>");
    xclient_send_presence(b);
    xclient_send_presence(c);
    xclient_pump(b, 300);
    xclient_pump(c, 300);

    reply = itest_iq_expect(a,
                            "<iq type='set'><send xmlns='" NS_CARDX
                            "' to='+8613800138662' profile='face'/></iq>",
                            "/iq[@type='result']/{" NS_CARDX "}sent[@id]");
    snprintf(id, sizeof(id), "%s",
             xmpp_stanza_get_id(xmpp_stanza_get_child_by_ns(reply, NS_CARDX)));
    xmpp_stanza_release(reply);
    card = itest_wait_card(b, ITEST_TIMEOUT_MS);
    ck_assert_msg(card != NULL, "the card with its photo did not arrive");
    stanza_expect(card, VCARD "/PHOTO/BINVAL[text()='iVBORw0KGgo=']");
    ck_assert_int_eq(stanza_match(card, VCARD "/TEL"), 0);
    itest_ack(b, card);
    xmpp_stanza_release(card);

    xmpp_stanza_release(
        itest_iq_expect(a,
                        "<iq type='set'><send xmlns='" NS_CARDX
                        "' to='+8613800138663' profile='plain'/></iq>",
                        "/iq[@type='result']/{" NS_CARDX "}sent[@id]"));
    card = itest_wait_card(c, ITEST_TIMEOUT_MS);
    ck_assert_msg(card != NULL, "the card without a photo did not arrive");
    stanza_expect(card, VCARD "/FN[text()='Alice Photo']");
    ck_assert_int_eq(stanza_match(card, VCARD "/PHOTO"), 0);
    itest_ack(c, card);
    xmpp_stanza_release(card);
    xclient_pump(b, 300);
    xclient_pump(c, 300);

    upload_photo(a, "Alice Photo", "+8613800138661", "R0lGODlhAQABAA==");
    card = itest_wait_card(b, ITEST_TIMEOUT_MS);
    ck_assert_msg(card != NULL, "the new photo was not sent as an update");
    stanza_expect(card, CARD "[@updates='%s'][@changed='photo']", id);
    stanza_expect(card, VCARD "/PHOTO/BINVAL[text()='R0lGODlhAQABAA==']");
    itest_ack(b, card);
    xmpp_stanza_release(card);
    expect_nothing(c, "a photo outside the profile sent an update");
    xclient_disconnect_free(a);
    xclient_disconnect_free(b);
    xclient_disconnect_free(c);
}
END_TEST

/* The default profile is what a send without one shows; a message send
 * (any client) uses it too. */
START_TEST(default_profile)
{
    struct xclient *a = itest_login("dprof_a", 1, 1);
    struct xclient *b = itest_login("dprof_b", 1, 1);
    xmpp_stanza_t *card;
    char proxy[128], xml[256];

    itest_register_phone(a, "+8613800138541");
    itest_register_phone(b, "+8613800138542");
    upload(a, "Alice Default", "+8613800138541", "Engineer", "a@x.cn");
    itest_iq_ok(a, "<iq type='set'><profile xmlns='" NS_CARDX
                   "' name='personal' default='true'><field var='name'/>"
                   "<field var='email'/></profile></iq>");
    xmpp_stanza_release(itest_iq_expect(
        a, "<iq type='get'><profiles xmlns='" NS_CARDX "'/></iq>",
        PROFILES "/profile[@name='personal'][@default='true']"));
    xclient_send_presence(b);
    xclient_pump(b, 300);
    itest_proxy_jid(proxy, sizeof(proxy), "+8613800138542");
    snprintf(xml, sizeof(xml),
             "<message type='chat' to='%s'><body>hi</body></message>", proxy);
    ck_assert_int_eq(xclient_send_text(a, xml), 0);
    card = itest_wait_card(b, ITEST_TIMEOUT_MS);
    ck_assert_msg(card != NULL, "the card did not arrive");
    stanza_expect(card, VCARD "/EMAIL/USERID[text()='a@x.cn']");
    ck_assert_int_eq(stanza_match(card, VCARD "/TITLE"), 0);
    itest_ack(b, card);
    xmpp_stanza_release(card);
    xclient_pump(b, 300);
    itest_iq_ok(a, "<iq type='set'><profile xmlns='" NS_CARDX
                   "' name='personal' remove='true'/></iq>");
    xmpp_stanza_release(
        itest_iq_expect(a,
                        "<iq type='set'><profile xmlns='" NS_CARDX
                        "' name='personal' default='true'/></iq>",
                        "/iq[@type='error']/error[@type='cancel']/{" NS_STANZAS
                        "}item-not-found"));
    xclient_disconnect_free(a);
    xclient_disconnect_free(b);
}
END_TEST

/* A client that knows nothing of cardx (no receipts, no urn:cardx:0)
 * reads in the body that this is an update, and what changed. */
START_TEST(plain_client_body)
{
    struct xclient *a = itest_login("plain_a", 1, 1);
    struct xclient *b = itest_login("plain_b", 1, 0);
    xmpp_stanza_t *card;
    struct itest_sent sent;
    char *body;

    itest_register_phone(a, "+8613800138551");
    itest_register_phone(b, "+8613800138552");
    upload(a, "Alice Plain", "+8613800138551", "Engineer", "a@x.cn");
    xclient_send_presence(b);
    xclient_pump(b, 300);
    ck_assert_str_eq(itest_send(a, "+8613800138552", NULL, &sent), "queued");
    card = itest_wait_card(b, ITEST_TIMEOUT_MS);
    ck_assert_msg(card != NULL, "the card did not arrive");
    xmpp_stanza_release(card);
    upload(a, "Alice Plain", "+8613800138551", "Director", "boss@x.cn");
    card = itest_wait_card(b, ITEST_TIMEOUT_MS);
    ck_assert_msg(card != NULL, "the update did not arrive");
    body = xmpp_message_get_body(card);
    ck_assert_ptr_nonnull(body);
    ck_assert_msg(strstr(body, "This is an update of a card you received "
                               "(changed: Email, Title).") != NULL,
                  "body: %s", body);
    ck_assert_msg(strstr(body, "Title: Director") != NULL, "body: %s", body);
    xmpp_free(xclient_ctx(b), body);
    xmpp_stanza_release(card);
    xclient_disconnect_free(a);
    xclient_disconnect_free(b);
}
END_TEST

static Suite *updates_suite(void)
{
    Suite *s = suite_create("updates");
    TCase *tc = tcase_create("updates");

    tcase_add_unchecked_fixture(tc, itest_setup, itest_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, offline_edits_coalesce);
    tcase_add_test(tc, send_over_update);
    tcase_add_test(tc, opt_out);
    tcase_add_test(tc, blocked_sender);
    tcase_add_test(tc, profile_limits_fields);
    tcase_add_test(tc, default_profile);
    tcase_add_test(tc, profile_photo);
    tcase_add_test(tc, plain_client_body);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN_NOFORK(updates_suite)
