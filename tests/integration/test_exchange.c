/* Integration tests of the card exchange against a real Prosody and cardxd:
 * registration, own cards, sending, delivery, acks, receipts, durability. */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "tests/integration/itest.h"
#include "tests/lib/runner.h"
#include "xep/ns.h"

START_TEST(registration)
{
    struct xclient *a = itest_login("reg_a", 1, 1);
    struct xclient *b = itest_login("reg_b", 1, 1);
    xmpp_stanza_t *reply = NULL, *q;
    char *text;
    static const char get[] =
        "<iq type='get'><query xmlns='" NS_REGISTER "'/></iq>";

    /* Not registered yet: the form, no <registered/>. */
    ck_assert_int_eq(itest_iq(a, get, &reply), 0);
    q = xmpp_stanza_get_child_by_ns(reply, NS_REGISTER);
    ck_assert_ptr_nonnull(xmpp_stanza_get_child_by_name(q, "instructions"));
    ck_assert_ptr_nonnull(xmpp_stanza_get_child_by_ns(q, NS_DATA));
    ck_assert_ptr_null(xmpp_stanza_get_child_by_name(q, "registered"));
    xmpp_stanza_release(reply);

    /* National input is read in the default region (CN in the harness). */
    itest_register_phone(a, "138 0013 8101");
    ck_assert_int_eq(itest_iq(a, get, &reply), 0);
    q = xmpp_stanza_get_child_by_ns(reply, NS_REGISTER);
    ck_assert_ptr_nonnull(xmpp_stanza_get_child_by_name(q, "registered"));
    text = xmpp_stanza_get_text(xmpp_stanza_get_child_by_name(q, "phone"));
    ck_assert_str_eq(text, "+8613800138101");
    xmpp_free(xclient_ctx(a), text);
    xmpp_stanza_release(reply);

    /* Invalid number. */
    ck_assert_int_eq(itest_iq(b,
                              "<iq type='set'><query xmlns='" NS_REGISTER
                              "'><phone>12</phone></query></iq>",
                              &reply),
                     -EPROTO);
    ck_assert_str_eq(itest_condition(reply), "not-acceptable");
    xmpp_stanza_release(reply);

    /* Another JID's number. */
    ck_assert_int_eq(itest_iq(b,
                              "<iq type='set'><query xmlns='" NS_REGISTER
                              "'><phone>+8613800138101</phone></query></iq>",
                              &reply),
                     -EPROTO);
    ck_assert_str_eq(itest_condition(reply), "conflict");
    xmpp_stanza_release(reply);

    /* By data form; then the same user changes number, freeing the old. */
    itest_iq_ok(b, "<iq type='set'><query xmlns='" NS_REGISTER "'>"
                   "<x xmlns='" NS_DATA "' type='submit'>"
                   "<field var='FORM_TYPE'><value>" NS_REGISTER "</value>"
                   "</field><field var='phone'><value>+86 139 0013 9102</value>"
                   "</field></x></query></iq>");
    itest_register_phone(a, "+8613800138199");
    itest_register_phone(b, "+8613800138101");

    /* Remove, then remove again. */
    itest_iq_ok(a, "<iq type='set'><query xmlns='" NS_REGISTER
                   "'><remove/></query></iq>");
    ck_assert_int_eq(itest_iq(a,
                              "<iq type='set'><query xmlns='" NS_REGISTER
                              "'><remove/></query></iq>",
                              &reply),
                     -EPROTO);
    ck_assert_str_eq(itest_condition(reply), "registration-required");
    xmpp_stanza_release(reply);
    xclient_disconnect_free(a);
    xclient_disconnect_free(b);
}
END_TEST

START_TEST(own_card)
{
    struct xclient *a = itest_login("card_a", 1, 1);
    xmpp_stanza_t *reply = NULL, *vcard, *keep;
    char *text, big[80000];
    size_t n;

    /* Not registered: no card. */
    ck_assert_int_eq(itest_iq(a,
                              "<iq type='set'><vCard xmlns='vcard-temp'>"
                              "<FN>X</FN></vCard></iq>",
                              &reply),
                     -EPROTO);
    ck_assert_str_eq(itest_condition(reply), "registration-required");
    xmpp_stanza_release(reply);

    itest_register_phone(a, "+8613800138201");
    itest_upload_card(a, "Alice Wang", "+8613800138201");
    ck_assert_int_eq(
        itest_iq(a, "<iq type='get'><vCard xmlns='vcard-temp'/></iq>", &reply),
        0);
    vcard = xmpp_stanza_get_child_by_ns(reply, NS_VCARD);
    ck_assert_ptr_nonnull(vcard);
    keep = xmpp_stanza_get_child_by_name(vcard, "X-KEEP");
    ck_assert_ptr_nonnull(keep); /* unknown elements survive */
    text = xmpp_stanza_get_text(keep);
    ck_assert_str_eq(text, "kept & safe");
    xmpp_free(xclient_ctx(a), text);
    xmpp_stanza_release(reply);

    /* Over the 64 KiB default limit. */
    n = (size_t)snprintf(big, sizeof(big),
                         "<iq type='set'><vCard xmlns='vcard-temp'><DESC>");
    memset(big + n, 'x', 70000);
    strcpy(big + n + 70000, "</DESC></vCard></iq>");
    ck_assert_int_eq(itest_iq(a, big, &reply), -EPROTO);
    ck_assert_str_eq(itest_condition(reply), "not-acceptable");
    xmpp_stanza_release(reply);
    xclient_disconnect_free(a);
}
END_TEST

START_TEST(send_online)
{
    struct xclient *a = itest_login("on_a", 1, 1);
    struct xclient *b = itest_login("on_b", 1, 1);
    xmpp_stanza_t *card, *vcard;
    struct itest_sent sent;
    char *body;

    itest_register_phone(a, "+8613800138301");
    itest_register_phone(b, "+8613800138302");
    itest_upload_card(a, "Alice Online", "+8613800138301");
    /* Let cardxd see b's session (presence after registration). */
    xclient_send_presence(b);
    xclient_pump(b, 300);
    /* Online or not, the answer says queued ([privacy] reveal_online). */
    ck_assert_str_eq(itest_send(a, "+8613800138302", "hello", &sent), "queued");
    card = itest_wait_card(b, ITEST_TIMEOUT_MS);
    ck_assert_msg(card != NULL, "the card did not arrive");
    ck_assert_str_eq(xmpp_stanza_get_id(card), sent.id);
    ck_assert_ptr_null(xmpp_stanza_get_child_by_ns(card, NS_DELAY));
    ck_assert_ptr_nonnull(xmpp_stanza_get_child_by_ns(card, NS_RECEIPTS));
    vcard = xmpp_stanza_get_child_by_ns(card, NS_VCARD);
    ck_assert_ptr_nonnull(vcard);
    body = xmpp_message_get_body(card);
    ck_assert_ptr_nonnull(strstr(body, "Alice Online"));
    ck_assert_ptr_nonnull(strstr(body, "hello"));
    xmpp_free(xclient_ctx(b), body);
    ck_assert_ptr_nonnull(
        strstr(xmpp_stanza_get_from(card), "+8613800138301@"));
    itest_ack(b, card);
    xmpp_stanza_release(card);
    xclient_disconnect_free(a);
    xclient_disconnect_free(b);
}
END_TEST

/* Offline recipient: queued; at login it arrives with a delay stamp; after
 * the ack it is gone; a recipient who does not ack gets it again. */
START_TEST(send_offline_then_login)
{
    struct xclient *a = itest_login("off_a", 1, 1);
    struct xclient *b = itest_login("off_b", 1, 1);
    xmpp_stanza_t *card;
    struct itest_sent sent;

    itest_register_phone(a, "+8613800138401");
    itest_register_phone(b, "+8613800138402");
    itest_upload_card(a, "Alice Offline", "+8613800138401");
    xclient_disconnect_free(b);
    xclient_pump(a, 300);
    ck_assert_str_eq(itest_send(a, "+8613800138402", NULL, &sent), "queued");

    /* First login: no ack. */
    b = itest_relogin("off_b", 1, 1);
    card = itest_wait_card(b, ITEST_TIMEOUT_MS);
    ck_assert_msg(card != NULL, "the waiting card did not arrive");
    ck_assert_str_eq(xmpp_stanza_get_id(card), sent.id);
    ck_assert_ptr_nonnull(xmpp_stanza_get_child_by_ns(card, NS_DELAY));
    xmpp_stanza_release(card);
    xclient_disconnect_free(b);

    /* Second login: the same card again (same id); now ack it. */
    b = itest_relogin("off_b", 1, 1);
    card = itest_wait_card(b, ITEST_TIMEOUT_MS);
    ck_assert_msg(card != NULL, "the unacknowledged card was not resent");
    ck_assert_str_eq(xmpp_stanza_get_id(card), sent.id);
    itest_ack(b, card);
    xmpp_stanza_release(card);
    xclient_pump(b, 300);
    xclient_disconnect_free(b);

    /* Third login: nothing. */
    b = itest_relogin("off_b", 1, 1);
    ck_assert_ptr_null(itest_wait_card(b, ITEST_QUIET_MS));
    xclient_disconnect_free(b);
    xclient_disconnect_free(a);
}
END_TEST

START_TEST(send_errors)
{
    struct xclient *a = itest_login("err_a", 1, 1);
    struct xclient *u = itest_login("err_unreg", 1, 1);
    struct itest_sent sent;
    xmpp_stanza_t *err = NULL;
    char to[128], xml[512];

    itest_register_phone(a, "+8613800138501");
    itest_upload_card(a, "Alice Errors", "+8613800138501");
    ck_assert_str_eq(itest_send(a, "+8613800138599", NULL, &sent),
                     "error:item-not-found");
    ck_assert_str_eq(itest_send(a, "not a number", NULL, &sent),
                     "error:not-acceptable");
    ck_assert_str_eq(itest_send(u, "+8613800138501", NULL, &sent),
                     "error:registration-required");

    /* The same by message: the error comes from the proxy JID. */
    itest_proxy_jid(to, sizeof(to), "+8613800138599");
    snprintf(xml, sizeof(xml),
             "<message to='%s' type='chat' id='m1'><body>hi</body></message>",
             to);
    ck_assert_int_eq(xclient_send_text(a, xml), 0);
    ck_assert_int_eq(xclient_wait_message(a, ITEST_TIMEOUT_MS, &err), 0);
    ck_assert_str_eq(xmpp_stanza_get_type(err), "error");
    ck_assert_str_eq(xmpp_stanza_get_from(err), to);
    ck_assert_str_eq(itest_condition(err), "item-not-found");
    xmpp_stanza_release(err);
    xclient_disconnect_free(a);
    xclient_disconnect_free(u);
}
END_TEST

/* A standard client's flow: message to a proxy JID with a receipt request;
 * the receipt comes back once the recipient acknowledged the card; the
 * recipient replies to the proxy JID and that sends their card back. */
START_TEST(message_send_receipt_and_reply)
{
    struct xclient *a = itest_login("msg_a", 1, 1);
    struct xclient *b = itest_login("msg_b", 1, 1);
    xmpp_stanza_t *card, *got = NULL, *rcv;
    char to[128], xml[512];

    itest_register_phone(a, "+8613800138601");
    itest_register_phone(b, "+8613800138602");
    itest_upload_card(a, "Alice Message", "+8613800138601");
    itest_upload_card(b, "Bob Message", "+8613800138602");
    xclient_send_presence(a);
    xclient_send_presence(b);
    xclient_pump(b, 300);

    /* Chat states alone do not send a card. */
    itest_proxy_jid(to, sizeof(to), "+8613800138602");
    snprintf(xml, sizeof(xml),
             "<message to='%s' type='chat'><composing "
             "xmlns='http://jabber.org/protocol/chatstates'/></message>",
             to);
    ck_assert_int_eq(xclient_send_text(a, xml), 0);
    ck_assert_ptr_null(itest_wait_card(b, ITEST_QUIET_MS));

    snprintf(xml, sizeof(xml),
             "<message to='%s' type='chat' id='note-1'><body>met at the "
             "fair</body><request xmlns='" NS_RECEIPTS "'/></message>",
             to);
    ck_assert_int_eq(xclient_send_text(a, xml), 0);
    card = itest_wait_card(b, ITEST_TIMEOUT_MS);
    ck_assert_msg(card != NULL, "the card did not arrive");
    itest_ack(b, card);

    /* Alice's client sees her message as delivered. */
    ck_assert_int_eq(xclient_wait_message(a, ITEST_TIMEOUT_MS, &got), 0);
    rcv = xmpp_stanza_get_child_by_ns(got, NS_RECEIPTS);
    ck_assert_ptr_nonnull(rcv);
    ck_assert_str_eq(xmpp_stanza_get_name(rcv), "received");
    ck_assert_str_eq(xmpp_stanza_get_id(rcv), "note-1");
    ck_assert_str_eq(xmpp_stanza_get_from(got), to);
    xmpp_stanza_release(got);

    /* Bob replies to the proxy JID the card came from. */
    snprintf(xml, sizeof(xml),
             "<message to='%s' type='chat'><body>likewise</body></message>",
             xmpp_stanza_get_from(card));
    xmpp_stanza_release(card);
    ck_assert_int_eq(xclient_send_text(b, xml), 0);
    card = itest_wait_card(a, ITEST_TIMEOUT_MS);
    ck_assert_msg(card != NULL, "the card sent back did not arrive");
    ck_assert_ptr_nonnull(
        strstr(xmpp_stanza_get_from(card), "+8613800138602@"));
    itest_ack(a, card);
    xmpp_stanza_release(card);
    xclient_disconnect_free(a);
    xclient_disconnect_free(b);
}
END_TEST

/* A client that does not announce receipts gets the card at each login,
 * with the same id, and it stays until acknowledged: hand-off is not
 * evidence of arrival. */
START_TEST(client_without_receipts)
{
    struct xclient *a = itest_login("norc_a", 1, 1);
    struct xclient *b = itest_login("norc_b", 1, 0);
    struct itest_sent sent;
    xmpp_stanza_t *card;

    itest_register_phone(a, "+8613800138701");
    itest_register_phone(b, "+8613800138702");
    itest_upload_card(a, "Alice NoReceipt", "+8613800138701");
    xclient_disconnect_free(b);
    xclient_pump(a, 300);
    ck_assert_str_eq(itest_send(a, "+8613800138702", NULL, &sent), "queued");
    for (int login = 0; login < 2; login++) {
        b = itest_relogin("norc_b", 1, 0);
        card = itest_wait_card(b, ITEST_TIMEOUT_MS);
        ck_assert_msg(card != NULL, "the card did not arrive at login %d",
                      login + 1);
        ck_assert_str_eq(xmpp_stanza_get_id(card), sent.id);
        if (login == 1) {
            itest_ack(b, card);
            xclient_pump(b, 300);
        }
        xmpp_stanza_release(card);
        xclient_disconnect_free(b);
    }
    b = itest_relogin("norc_b", 1, 0);
    ck_assert_ptr_null(itest_wait_card(b, ITEST_QUIET_MS));
    xclient_disconnect_free(b);
    xclient_disconnect_free(a);
}
END_TEST

/* A receipt for the message id on c, or NULL within timeout_ms. */
static int is_receipt(xmpp_stanza_t *st, void *id)
{
    xmpp_stanza_t *r =
        xmpp_stanza_get_child_by_name_and_ns(st, "received", NS_RECEIPTS);

    return r && xmpp_stanza_get_id(r) && strcmp(xmpp_stanza_get_id(r), id) == 0;
}

/* A web client (Converse.js) acks with XEP-0184 receipts but does not list
 * them in disco#info, and its user closes the tab without logging out:
 * with XEP-0198 the server keeps the session hibernating and takes the
 * card handed to it. The card must not be lost nor shown delivered: it
 * comes at the next login, and the sender's receipt only with its ack. */
START_TEST(web_client_closed_tab)
{
    struct xclient *a = itest_login("web_a", 1, 1);
    struct xclient *b = itest_login("web_b", 1, 0);
    xmpp_stanza_t *card, *got = NULL;
    char to[128], xml[512];

    itest_register_phone(a, "+8613800138951");
    itest_register_phone(b, "+8613800138952");
    itest_upload_card(a, "Alice Web", "+8613800138951");
    xclient_disconnect_free(b);
    b = itest_relogin_sm("web_b", 1, 0);
    xclient_pump(b, 500); /* cardxd knows the resource and its features */
    xclient_drop_free(b); /* the tab is closed; the session hibernates */

    itest_proxy_jid(to, sizeof(to), "+8613800138952");
    snprintf(xml, sizeof(xml),
             "<message to='%s' type='chat' id='web-1'><body>hello from the "
             "fair</body><request xmlns='" NS_RECEIPTS "'/></message>",
             to);
    ck_assert_int_eq(xclient_send_text(a, xml), 0);
    /* Handed to a session that is gone: not delivered, so no receipt,
     * through the hibernation and its end. */
    ck_assert_int_ne(
        xclient_wait(a, is_receipt, "web-1", ITEST_HIBERNATION_MS, &got), 0);

    b = itest_relogin("web_b", 1, 0);
    card = itest_wait_card(b, ITEST_TIMEOUT_MS);
    ck_assert_msg(card != NULL, "the card was lost with the closed tab");
    ck_assert_ptr_nonnull(
        strstr(xmpp_stanza_get_from(card), "+8613800138951@"));
    ck_assert_int_ne(xclient_wait(a, is_receipt, "web-1", ITEST_QUIET_MS, &got),
                     0);
    itest_ack(b, card);
    xmpp_stanza_release(card);
    ck_assert_int_eq(
        xclient_wait(a, is_receipt, "web-1", ITEST_TIMEOUT_MS, &got), 0);
    xmpp_stanza_release(got);
    xclient_disconnect_free(b);
    xclient_disconnect_free(a);
}
END_TEST

/* kill -9 right after 'queued', and a Prosody restart: the card survives
 * and is delivered exactly once to a client that acks. */
START_TEST(survives_kill_and_restart)
{
    struct harness *h = itest_harness();
    struct xclient *a = itest_login("kill_a", 1, 1);
    struct xclient *b = itest_login("kill_b", 1, 1);
    xmpp_stanza_t *card;
    struct itest_sent sent;
    int ups, status;

    itest_register_phone(a, "+8613800138801");
    itest_register_phone(b, "+8613800138802");
    itest_upload_card(a, "Alice Durable", "+8613800138801");
    xclient_disconnect_free(b);
    xclient_pump(a, 300);
    ck_assert_str_eq(itest_send(a, "+8613800138802", NULL, &sent), "queued");
    xclient_disconnect_free(a);
    status = harness_cardxd_kill(h, SIGKILL);
    ck_assert(status >= 0 && WIFSIGNALED(status) &&
              WTERMSIG(status) == SIGKILL);
    ck_assert_int_eq(harness_prosody_restart(h), 0);
    ups = harness_cardxd_link_ups(h);
    ck_assert_int_eq(harness_cardxd_start(h), 0);
    ck_assert_int_eq(harness_cardxd_wait_link_up(h, ups + 1, ITEST_TIMEOUT_MS),
                     0);

    b = itest_relogin("kill_b", 1, 1);
    card = itest_wait_card(b, ITEST_TIMEOUT_MS);
    ck_assert_msg(card != NULL, "the card was lost");
    ck_assert_str_eq(xmpp_stanza_get_id(card), sent.id);
    itest_ack(b, card);
    xmpp_stanza_release(card);
    /* Exactly once: nothing more now, nor at the next login. */
    ck_assert_ptr_null(itest_wait_card(b, ITEST_QUIET_MS));
    xclient_disconnect_free(b);
    b = itest_relogin("kill_b", 1, 1);
    ck_assert_ptr_null(itest_wait_card(b, ITEST_QUIET_MS));
    xclient_disconnect_free(b);
}
END_TEST

/* A user with no card uploaded here: cardxd uses the vCard on their own
 * account, fetched from their server. */
START_TEST(card_from_users_server)
{
    struct xclient *a = itest_login("srv_a", 1, 1);
    struct xclient *b = itest_login("srv_b", 1, 1);
    struct itest_sent sent;
    xmpp_stanza_t *card;
    char *body;

    itest_register_phone(a, "+8613800138901");
    itest_register_phone(b, "+8613800138902");
    /* No card anywhere yet. */
    ck_assert_str_eq(itest_send(a, "+8613800138902", NULL, &sent),
                     "error:not-acceptable");
    /* A vCard on Alice's own account (XEP-0054: no 'to', her server). */
    {
        xmpp_stanza_t *iq = xmpp_stanza_new_from_string(
            xclient_ctx(a), "<iq type='set'><vCard xmlns='vcard-temp'>"
                            "<FN>Alice On Server</FN></vCard></iq>");
        xmpp_stanza_t *reply = NULL;

        ck_assert_int_eq(xclient_iq(a, iq, ITEST_TIMEOUT_MS, &reply), 0);
        xmpp_stanza_release(reply);
        xmpp_stanza_release(iq);
    }
    xclient_send_presence(b);
    xclient_pump(b, 300);
    ck_assert_str_eq(itest_send(a, "+8613800138902", NULL, &sent), "queued");
    card = itest_wait_card(b, ITEST_TIMEOUT_MS);
    ck_assert_msg(card != NULL, "the card did not arrive");
    body = xmpp_message_get_body(card);
    ck_assert_ptr_nonnull(strstr(body, "Alice On Server"));
    xmpp_free(xclient_ctx(b), body);
    itest_ack(b, card);
    xmpp_stanza_release(card);
    xclient_disconnect_free(a);
    xclient_disconnect_free(b);
}
END_TEST

/* Several waiting cards, from several senders (a recipient holds one card
 * per sender), arrive oldest first. */
START_TEST(flush_oldest_first)
{
    static const char *const users[3] = {"ord_a", "ord_c", "ord_d"};
    static const char *const phones[3] = {"+8613800139001", "+8613800139003",
                                          "+8613800139004"};
    struct xclient *b = itest_login("ord_b", 1, 1), *s[3];
    struct itest_sent sent[3];
    xmpp_stanza_t *card;

    itest_register_phone(b, "+8613800139002");
    xclient_disconnect_free(b);
    for (int i = 0; i < 3; i++) {
        s[i] = itest_login(users[i], 1, 1);
        itest_register_phone(s[i], phones[i]);
        itest_upload_card(s[i], users[i], phones[i]);
        xclient_pump(s[i], 300);
        ck_assert_str_eq(itest_send(s[i], "+8613800139002", NULL, &sent[i]),
                         "queued");
    }
    b = itest_relogin("ord_b", 1, 1);
    for (int i = 0; i < 3; i++) {
        card = itest_wait_card(b, ITEST_TIMEOUT_MS);
        ck_assert_msg(card != NULL, "card %d did not arrive", i);
        ck_assert_str_eq(xmpp_stanza_get_id(card), sent[i].id);
        itest_ack(b, card);
        xmpp_stanza_release(card);
    }
    xclient_pump(b, 300);
    xclient_disconnect_free(b);
    for (int i = 0; i < 3; i++)
        xclient_disconnect_free(s[i]);
}
END_TEST

/* cardxd restarts while a user stays online: its start-up presence probe
 * learns the session, so a new card reaches it at once, without a new
 * presence. */
START_TEST(probe_after_restart)
{
    struct harness *h = itest_harness();
    struct xclient *a = itest_login("probe_a", 1, 1);
    struct xclient *b = itest_login("probe_b", 0, 1);
    struct itest_sent sent;
    xmpp_stanza_t *card;
    int ups;

    /* b approves cardxd's subscription (so probes are answered). */
    ck_assert_int_eq(xclient_request_roster(b, NULL), 0);
    ck_assert_int_eq(xclient_send_presence(b), 0);
    itest_register_phone(a, "+8613800139101");
    itest_register_phone(b, "+8613800139102");
    itest_upload_card(a, "Alice Probe", "+8613800139101");
    xclient_pump(b, 500);
    ups = harness_cardxd_link_ups(h);
    ck_assert_int_ge(harness_cardxd_stop(h), 0);
    ck_assert_int_eq(harness_cardxd_start(h), 0);
    ck_assert_int_eq(harness_cardxd_wait_link_up(h, ups + 1, ITEST_TIMEOUT_MS),
                     0);
    xclient_pump(b, 1000); /* the probe's answer reaches cardxd */
    ck_assert_str_eq(itest_send(a, "+8613800139102", NULL, &sent), "queued");
    card = itest_wait_card(b, ITEST_TIMEOUT_MS);
    ck_assert_msg(card != NULL, "the card did not arrive");
    itest_ack(b, card);
    xmpp_stanza_release(card);
    xclient_disconnect_free(a);
    xclient_disconnect_free(b);
}
END_TEST

static Suite *exchange_suite(void)
{
    Suite *s = suite_create("exchange");
    TCase *tc = tcase_create("prosody");

    tcase_add_unchecked_fixture(tc, itest_setup, itest_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, registration);
    tcase_add_test(tc, own_card);
    tcase_add_test(tc, send_online);
    tcase_add_test(tc, send_offline_then_login);
    tcase_add_test(tc, send_errors);
    tcase_add_test(tc, message_send_receipt_and_reply);
    tcase_add_test(tc, client_without_receipts);
    tcase_add_test(tc, web_client_closed_tab);
    tcase_add_test(tc, survives_kill_and_restart);
    tcase_add_test(tc, card_from_users_server);
    tcase_add_test(tc, flush_oldest_first);
    tcase_add_test(tc, probe_after_restart);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN_NOFORK(exchange_suite)
