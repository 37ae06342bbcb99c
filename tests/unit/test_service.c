/* Unit tests of cardxd's stanza handlers without a network: stanzas go into
 * service_handle() and what the service sends is collected, over a real
 * SQLite store on a temporary file. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component/feature.h"
#include "tests/lib/runner.h"
#include "tests/lib/stanza_match.h"
#include "tests/lib/svcfix.h"
#include "xep/ns.h"

/* An iq error reply with this id and stanza error condition. */
#define ERROR_PATH(id, condition)                                              \
    "/iq[@type='error'][@id='" id "']/error/{" NS_STANZAS "}" condition
/* The query of a successful gateway reply with this id. */
#define GATEWAY_PATH(id)                                                       \
    "/iq[@type='result'][@id='" id "']/{" NS_GATEWAY "}query"

START_TEST(foreign_domain_refused)
{
    struct svcfix fx;

    svcfix_init(&fx);
    svcfix_feed(&fx, "<iq type='get' id='1' from='mallory@evil.test/x' "
                     "to='cards.example.test'><query xmlns='" NS_REGISTER
                     "'/></iq>");
    ck_assert_int_eq(fx.nout, 1);
    svcfix_expect(&fx, 0, ERROR_PATH("1", "not-allowed"));
    svcfix_free(&fx);
}
END_TEST

START_TEST(errors_never_answered)
{
    struct svcfix fx;

    svcfix_init(&fx);
    svcfix_feed(&fx,
                "<iq type='error' id='1' from='a@example.test/x' "
                "to='cards.example.test'><error type='cancel'><bad-request "
                "xmlns='" NS_STANZAS "'/></error></iq>");
    svcfix_feed(&fx, "<message type='error' id='2' from='a@example.test/x' "
                     "to='+8613800138000@cards.example.test'><body>x</body>"
                     "</message>");
    svcfix_feed(&fx, "<presence type='error' from='a@example.test/x' "
                     "to='cards.example.test'/>");
    svcfix_feed(&fx, "<iq type='result' id='unknown' from='a@example.test/x' "
                     "to='cards.example.test'/>");
    ck_assert_int_eq(fx.nout, 0);
    svcfix_free(&fx);
}
END_TEST

START_TEST(malformed_requests)
{
    struct svcfix fx;

    svcfix_init(&fx);
    svcfix_feed(&fx, "<iq type='get' id='1' from='a@example.test/x' "
                     "to='cards.example.test'/>");
    ck_assert_int_eq(fx.nout, 1);
    svcfix_expect(&fx, 0, ERROR_PATH("1", "bad-request"));
    svcfix_feed(&fx, "<iq type='get' id='2' from='a@example.test/x' "
                     "to='cards.example.test'><query xmlns='" NS_DISCO_INFO
                     "' node='nope'/></iq>");
    ck_assert_int_eq(fx.nout, 2);
    svcfix_expect(&fx, 1, ERROR_PATH("2", "item-not-found"));
    svcfix_feed(&fx,
                "<iq type='set' id='3' from='a@example.test/x' "
                "to='cards.example.test'><send xmlns='" NS_CARDX "'/></iq>");
    ck_assert_int_eq(fx.nout, 3);
    svcfix_expect(&fx, 2, ERROR_PATH("3", "bad-request"));
    svcfix_free(&fx);
}
END_TEST

/* Chat states and markers are not card sends; a body to the service itself
 * gets the help text. */
START_TEST(messages_that_do_not_send)
{
    struct svcfix fx;
    char *body;

    svcfix_init(&fx);
    ck_assert_int_eq(
        store_user_register(fx.store, "+8613800138000", "a@example.test", 1),
        0);
    svcfix_feed(&fx,
                "<message type='chat' from='a@example.test/x' "
                "to='+8613900139000@cards.example.test'><composing "
                "xmlns='http://jabber.org/protocol/chatstates'/></message>");
    svcfix_feed(&fx, "<message type='chat' from='a@example.test/x' "
                     "to='+8613900139000@cards.example.test'><body>  \n</body>"
                     "</message>");
    ck_assert_int_eq(fx.nout, 0);
    svcfix_feed(&fx, "<message type='chat' from='a@example.test/x' "
                     "to='cards.example.test'><body>help?</body></message>");
    ck_assert_int_eq(fx.nout, 1);
    body = stanza_match_text(fx.out[0], "/message/body");
    ck_assert_ptr_nonnull(body);
    ck_assert_ptr_nonnull(strstr(body, "+NUMBER@cards.example.test"));
    free(body);
    svcfix_free(&fx);
}
END_TEST

START_TEST(presence_answers)
{
    struct svcfix fx;

    svcfix_init(&fx);
    svcfix_feed(&fx, "<presence type='subscribe' from='a@example.test' "
                     "to='cards.example.test'/>");
    svcfix_feed(&fx, "<presence type='probe' from='a@example.test' "
                     "to='cards.example.test'/>");
    svcfix_feed(&fx, "<presence type='unsubscribe' from='a@example.test' "
                     "to='cards.example.test'/>");
    ck_assert_int_eq(fx.nout, 3);
    svcfix_expect(&fx, 0,
                  "/presence[@type='subscribed'][@to='a@example.test']");
    /* The answer to a probe is available presence: no type at all. */
    ck_assert_ptr_null(
        xmpp_stanza_get_type(svcfix_expect(&fx, 1, "/presence")));
    svcfix_expect(&fx, 2, "/presence[@type='unsubscribed']");
    svcfix_free(&fx);
}
END_TEST

/* Only the recipient may acknowledge a card; cards are not published. */
START_TEST(ack_only_by_recipient)
{
    struct svcfix fx;
    struct store_inbox_item it = {0};
    int64_t n = -1;

    svcfix_init(&fx);
    ck_assert_int_eq(
        store_user_register(fx.store, "+8613800138000", "a@example.test", 1),
        0);
    ck_assert_int_eq(
        store_user_register(fx.store, "+8613900139000", "b@example.test", 1),
        0);
    it.card_id = "card-1";
    it.recipient_jid = "b@example.test";
    it.sender_phone = "+8613800138000";
    it.sender_jid = "a@example.test";
    it.vcard = "<vCard xmlns='vcard-temp'><FN>A</FN></vCard>";
    it.created = 1;
    ck_assert_int_eq(store_inbox_push(fx.store, &it), 0);
    svcfix_feed(&fx, "<iq type='set' id='1' from='a@example.test/x' "
                     "to='cards.example.test'><ack xmlns='" NS_CARDX
                     "' id='card-1'/></iq>");
    ck_assert_int_eq(fx.nout, 1);
    svcfix_expect(&fx, 0, ERROR_PATH("1", "item-not-found"));
    /* A receipt from the wrong user does nothing either. */
    svcfix_feed(
        &fx,
        "<message from='a@example.test/x' "
        "to='+8613800138000@cards.example.test'><received xmlns='" NS_RECEIPTS
        "' id='card-1'/></message>");
    ck_assert_int_eq(store_inbox_count(fx.store, "b@example.test", &n), 0);
    ck_assert_int_eq(n, 1);
    svcfix_feed(&fx, "<iq type='set' id='2' from='b@example.test/x' "
                     "to='cards.example.test'><ack xmlns='" NS_CARDX
                     "' id='card-1'/></iq>");
    svcfix_expect(&fx, -1, "/iq[@type='result'][@id='2']");
    ck_assert_int_eq(store_inbox_count(fx.store, "b@example.test", &n), 0);
    ck_assert_int_eq(n, 0);
    svcfix_feed(&fx, "<iq type='get' id='3' from='a@example.test/x' "
                     "to='+8613900139000@cards.example.test'><vCard "
                     "xmlns='vcard-temp'/></iq>");
    svcfix_expect(&fx, -1, ERROR_PATH("3", "service-unavailable"));
    svcfix_free(&fx);
}
END_TEST

/* No card uploaded: cardxd asks the user's server; when no answer comes in
 * time the send fails with a clear error, not silence. */
START_TEST(card_fetch_times_out)
{
    struct svcfix fx;
    int timeout;

    svcfix_init(&fx);
    ck_assert_int_eq(
        store_user_register(fx.store, "+8613800138000", "a@example.test", 1),
        0);
    ck_assert_int_eq(
        store_user_register(fx.store, "+8613900139000", "b@example.test", 1),
        0);
    ck_assert_int_eq(service_timeout(fx.svc, fx.now), -1);
    svcfix_feed(&fx, "<iq type='set' id='s1' from='a@example.test/x' "
                     "to='cards.example.test'><send xmlns='" NS_CARDX
                     "' to='+8613900139000'/></iq>");
    ck_assert_int_eq(fx.nout, 1); /* the fetch from a's server */
    svcfix_expect(&fx, 0,
                  "/iq[@type='get'][@to='a@example.test']/{" NS_VCARD "}vCard");
    timeout = service_timeout(fx.svc, fx.now);
    ck_assert_int_eq(timeout, fx.cfg->fetch_timeout_ms);
    service_tick(fx.svc, fx.now + timeout - 1);
    ck_assert_int_eq(fx.nout, 1);
    service_tick(fx.svc, fx.now + timeout);
    ck_assert_int_eq(fx.nout, 2);
    svcfix_expect(&fx, 1, ERROR_PATH("s1", "not-acceptable"));
    ck_assert_int_eq(service_timeout(fx.svc, fx.now), -1);
    svcfix_free(&fx);
}
END_TEST

/* How many stanzas the service sent from index first on match path. */
static int count_sent(const struct svcfix *fx, int first, const char *path)
{
    int n = 0;

    for (int i = first; i < fx->nout; i++)
        n += stanza_match(fx->out[i], path) == 1;
    return n;
}

/* The link drops while a send waits for the sender's vCard: the fetch is
 * asked again once the link is back, with a fresh deadline, and the send
 * is answered; a resource's disco#info is not retried (resources are
 * forgotten on a link drop). */
START_TEST(card_fetch_survives_link_drop)
{
    static const char fetch[] = "/iq[@type='get'][@to='a@example.test']"
                                "[@id='%s']/{" NS_VCARD "}vCard";
    static const char disco[] = "/iq[@type='get'][@to='b@example.test/phone']"
                                "/{" NS_DISCO_INFO "}query";
    struct svcfix fx;
    char path[256], id[64];
    int before;

    svcfix_init(&fx);
    ck_assert_int_eq(
        store_user_register(fx.store, "+8613800138000", "a@example.test", 1),
        0);
    ck_assert_int_eq(
        store_user_register(fx.store, "+8613900139000", "b@example.test", 1),
        0);
    svcfix_feed(&fx, "<presence from='b@example.test/phone' "
                     "to='cards.example.test'/>");
    svcfix_expect(&fx, 0, "%s", disco);
    svcfix_feed(&fx, "<iq type='set' id='s1' from='a@example.test/x' "
                     "to='cards.example.test'><send xmlns='" NS_CARDX
                     "' to='+8613900139000'/></iq>");
    ck_assert_int_eq(fx.nout, 2);
    snprintf(id, sizeof(id), "%s",
             xmpp_stanza_get_id(svcfix_expect(
                 &fx, 1, "/iq[@to='a@example.test']/{" NS_VCARD "}vCard")));

    fx.link_down = 1;
    service_link_down(fx.svc);
    /* Parked: no deadline runs and the sender hears nothing while the
     * link is down (an error could not reach them anyway). */
    ck_assert_int_eq(service_timeout(fx.svc, fx.now), -1);
    service_tick(fx.svc, fx.now + 10 * fx.cfg->fetch_timeout_ms);
    fx.link_down = 0;
    ck_assert_int_eq(fx.nout, 2);

    fx.now += 10 * fx.cfg->fetch_timeout_ms;
    before = fx.nout;
    service_link_up(fx.svc, fx.now);
    snprintf(path, sizeof(path), fetch, id);
    ck_assert_int_eq(count_sent(&fx, before, path), 1);
    ck_assert_int_eq(count_sent(&fx, before, disco), 0);
    /* The deadline starts again at the resend. */
    service_tick(fx.svc, fx.now + fx.cfg->fetch_timeout_ms - 1);
    ck_assert_int_eq(count_sent(&fx, before, "/iq[@id='s1']"), 0);

    before = fx.nout;
    snprintf(path, sizeof(path),
             "<iq type='result' id='%s' from='a@example.test' "
             "to='cards.example.test'><vCard xmlns='" NS_VCARD "'><FN>Alice"
             "</FN><TEL><NUMBER>+8613800138000</NUMBER></TEL></vCard></iq>",
             id);
    svcfix_feed(&fx, path);
    ck_assert_int_eq(
        count_sent(&fx, before,
                   "/iq[@type='result'][@id='s1']/{" NS_CARDX
                   "}sent[@status='queued'][@to='+8613900139000']"),
        1);
    svcfix_free(&fx);
}
END_TEST

/* A fetch sent again after a link drop still times out normally. */
START_TEST(retried_fetch_times_out)
{
    struct svcfix fx;

    svcfix_init(&fx);
    ck_assert_int_eq(
        store_user_register(fx.store, "+8613800138000", "a@example.test", 1),
        0);
    ck_assert_int_eq(
        store_user_register(fx.store, "+8613900139000", "b@example.test", 1),
        0);
    svcfix_feed(&fx, "<iq type='set' id='s1' from='a@example.test/x' "
                     "to='cards.example.test'><send xmlns='" NS_CARDX
                     "' to='+8613900139000'/></iq>");
    ck_assert_int_eq(fx.nout, 1);
    service_link_down(fx.svc);
    service_link_up(fx.svc, fx.now + 1000);
    svcfix_clear_out(&fx);
    service_tick(fx.svc, fx.now + 1000 + fx.cfg->fetch_timeout_ms);
    ck_assert_int_eq(count_sent(&fx, 0, ERROR_PATH("s1", "not-acceptable")), 1);
    svcfix_free(&fx);
}
END_TEST

/* What cardxd does when a batch's commit fails: the requests the batch
 * made are forgotten (handled again, they are made again), and those it
 * answered are outstanding again, so that the replayed answer finds them
 * and the sender hears once the card is really stored. */
START_TEST(batch_rewind_replays)
{
    struct svcfix fx;
    static const char send[] = "<iq type='set' id='s1' "
                               "from='a@example.test/x' "
                               "to='cards.example.test'><send xmlns='" NS_CARDX
                               "' to='+8613900139000'/></iq>";
    char answer[512];
    int64_t n = -1;

    svcfix_init(&fx);
    ck_assert_int_eq(
        store_user_register(fx.store, "+8613800138000", "a@example.test", 1),
        0);
    ck_assert_int_eq(
        store_user_register(fx.store, "+8613900139000", "b@example.test", 1),
        0);
    service_mark(fx.svc);
    ck_assert_int_eq(store_begin(fx.store), 0);
    svcfix_feed(&fx, send);
    ck_assert_int_eq(fx.nout, 1); /* the fetch of a's card */
    ck_assert_int_eq(store_rollback(fx.store), 0);
    service_rewind(fx.svc);
    ck_assert_int_eq(service_timeout(fx.svc, fx.now), -1);
    svcfix_feed(&fx, send);
    ck_assert_int_eq(fx.nout, 2);
    snprintf(answer, sizeof(answer),
             "<iq type='result' id='%s' from='a@example.test' "
             "to='cards.example.test'><vCard xmlns='vcard-temp'><FN>A</FN>"
             "</vCard></iq>",
             xmpp_stanza_get_id(fx.out[1]));
    /* The answer's batch fails: its reply is discarded by the caller, the
     * card is not stored, and the request waits for its answer again. */
    service_mark(fx.svc);
    ck_assert_int_eq(store_begin(fx.store), 0);
    svcfix_feed(&fx, answer);
    svcfix_expect(&fx, 2, "/iq[@type='result'][@id='s1']/{" NS_CARDX "}sent");
    ck_assert_int_eq(store_rollback(fx.store), 0);
    service_rewind(fx.svc);
    ck_assert_int_eq(store_inbox_count(fx.store, "b@example.test", &n), 0);
    ck_assert_int_eq(n, 0);
    ck_assert_int_ge(service_timeout(fx.svc, fx.now), 0);
    svcfix_feed(&fx, answer);
    ck_assert_int_eq(fx.nout, 4);
    svcfix_expect(&fx, 3, "/iq[@type='result'][@id='s1']/{" NS_CARDX "}sent");
    ck_assert_int_eq(store_inbox_count(fx.store, "b@example.test", &n), 0);
    ck_assert_int_eq(n, 1);
    ck_assert_int_eq(service_timeout(fx.svc, fx.now), -1);
    svcfix_free(&fx);
}
END_TEST

/* The one mapping of store failures to what a requester hears. */
START_TEST(store_faults_answered)
{
    struct service_fault f;

    service_fault_answer(STORE_FAULT_FULL, &f);
    ck_assert_str_eq(f.type, "wait");
    ck_assert_str_eq(f.condition, "resource-constraint");
    service_fault_answer(STORE_FAULT_BUSY, &f);
    ck_assert_str_eq(f.condition, "resource-constraint");
    service_fault_answer(STORE_FAULT_CORRUPT, &f);
    ck_assert_str_eq(f.type, "wait");
    ck_assert_str_eq(f.condition, "internal-server-error");
    ck_assert_str_eq(f.text, SERVICE_DAMAGED_TEXT);
    service_fault_answer(STORE_FAULT_IO, &f);
    ck_assert_str_eq(f.condition, "internal-server-error");
}
END_TEST

/* The start-up probe goes a page at a time and waits while the output has
 * not drained, so a million users cannot overflow the link. */
START_TEST(probe_is_paced)
{
    struct svcfix fx;
    char jid[64], phone[32];
    int probes = 0;

    svcfix_init(&fx);
    for (int i = 0; i < 150; i++) {
        snprintf(jid, sizeof(jid), "u%d@example.test", i);
        snprintf(phone, sizeof(phone), "+86138%08d", i);
        ck_assert_int_eq(store_user_register(fx.store, phone, jid, 1), 0);
    }
    fx.pending = 10u << 20; /* the server is not reading */
    service_link_up(fx.svc, fx.now);
    ck_assert_int_eq(fx.nout, 0);
    /* Only the instance's heartbeat waits. */
    ck_assert_int_eq(service_timeout(fx.svc, fx.now), fx.cfg->heartbeat_ms);
    fx.pending = 0; /* drained: one page per tick until all are probed */
    for (int round = 0; round < 10 && service_timeout(fx.svc, fx.now) == 0;
         round++) {
        int before = fx.nout;

        service_tick(fx.svc, fx.now);
        ck_assert_int_le(fx.nout - before, 2 * 64);
    }
    for (int i = 0; i < fx.nout; i++)
        probes += stanza_match(fx.out[i], "/presence[@type='probe']") == 1;
    ck_assert_int_eq(probes, 150);
    ck_assert_int_eq(fx.nout, 300); /* a probe and our presence each */
    ck_assert_int_eq(service_timeout(fx.svc, fx.now), fx.cfg->heartbeat_ms);
    svcfix_free(&fx);
}
END_TEST

/* XEP-0100 gateway lookup: a typed number becomes the JID to write to,
 * any valid number (registered or not, national form included). */
START_TEST(gateway_lookup)
{
    struct svcfix fx;

    svcfix_init(&fx);
    svcfix_feed(&fx,
                "<iq type='get' id='g1' from='a@example.test/x' "
                "to='cards.example.test'><query xmlns='" NS_GATEWAY "'/></iq>");
    ck_assert_int_eq(fx.nout, 1);
    svcfix_expect(&fx, 0, GATEWAY_PATH("g1") "/desc");
    svcfix_expect(&fx, 0, GATEWAY_PATH("g1") "/prompt[text()='Phone number']");
    svcfix_feed(&fx, "<iq type='set' id='g2' from='a@example.test/x' "
                     "to='cards.example.test'><query xmlns='" NS_GATEWAY
                     "'><prompt>138 0013 8000</prompt></query></iq>");
    ck_assert_int_eq(fx.nout, 2);
    svcfix_expect(
        &fx, 1,
        GATEWAY_PATH("g2") "/jid[text()='+8613800138000@" SVCFIX_DOMAIN "']");
    svcfix_feed(&fx, "<iq type='set' id='g3' from='a@example.test/x' "
                     "to='cards.example.test'><query xmlns='" NS_GATEWAY
                     "'><prompt>12</prompt></query></iq>");
    ck_assert_int_eq(fx.nout, 3);
    svcfix_expect(&fx, 2, ERROR_PATH("g3", "not-acceptable"));
    svcfix_feed(&fx,
                "<iq type='set' id='g4' from='a@example.test/x' "
                "to='cards.example.test'><query xmlns='" NS_GATEWAY "'/></iq>");
    ck_assert_int_eq(fx.nout, 4);
    svcfix_expect(&fx, 3, ERROR_PATH("g4", "bad-request"));
    svcfix_free(&fx);
}
END_TEST

static Suite *service_suite(void)
{
    Suite *s = suite_create("service");
    TCase *tc = tcase_create("handlers");

    tcase_add_test(tc, foreign_domain_refused);
    tcase_add_test(tc, errors_never_answered);
    tcase_add_test(tc, malformed_requests);
    tcase_add_test(tc, messages_that_do_not_send);
    tcase_add_test(tc, presence_answers);
    tcase_add_test(tc, ack_only_by_recipient);
    tcase_add_test(tc, card_fetch_times_out);
    tcase_add_test(tc, card_fetch_survives_link_drop);
    tcase_add_test(tc, retried_fetch_times_out);
    tcase_add_test(tc, batch_rewind_replays);
    tcase_add_test(tc, store_faults_answered);
    tcase_add_test(tc, probe_is_paced);
    tcase_add_test(tc, gateway_lookup);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(service_suite)
