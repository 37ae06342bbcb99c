/* Unit tests of consent for strangers through the service: the cardx iqs
 * (mode, contacts, requests, accept, decline) and what send makes of a
 * card in each mode, over a real store. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component/store_consent.h"
#include "tests/lib/runner.h"
#include "tests/lib/stanza_match.h"
#include "tests/lib/svcfix.h"
#include "xep/ns.h"

#define A_PHONE "+8613800138000"
#define B_PHONE "+8613900139000"
#define C_PHONE "+8613700137000"
#define B_BARE "b@example.test"
#define ERROR_PATH(id, type, condition)                                        \
    "/iq[@type='error'][@id='" id "']/error[@type='" type "']/{" NS_STANZAS    \
    "}" condition
#define RESULT_PATH(id) "/iq[@type='result'][@id='" id "']"
#define SENT_PATH(id) RESULT_PATH(id) "/{" NS_CARDX "}sent[@status='queued']"

static void add_user(struct svcfix *fx, const char *user, const char *phone)
{
    char jid[64], vcard[128];

    snprintf(jid, sizeof(jid), "%s@example.test", user);
    snprintf(vcard, sizeof(vcard),
             "<vCard xmlns='vcard-temp'><FN>%s card</FN></vCard>", user);
    ck_assert_int_eq(store_user_register(fx->store, phone, jid, 1), 0);
    ck_assert_int_eq(store_card_set(fx->store, jid, vcard, 1), 0);
}

/* a, b and c registered with cards; b is online (a resource that does not
 * acknowledge), so a card b may get is sent at once. */
static void setup(struct svcfix *fx)
{
    char *id, xml[256];

    svcfix_init(fx);
    fx->cfg->sends_per_minute = 0;
    fx->cfg->sends_per_day = 0;
    fx->cfg->lookups_per_day = 0;
    add_user(fx, "a", A_PHONE);
    add_user(fx, "b", B_PHONE);
    add_user(fx, "c", C_PHONE);
    svcfix_feed(fx,
                "<presence from='b@example.test/x' to='" SVCFIX_DOMAIN "'/>");
    id = stanza_match_text(fx->out[fx->nout - 1], "/iq/@id");
    ck_assert_ptr_nonnull(id);
    snprintf(xml, sizeof(xml),
             "<iq type='result' id='%s' from='b@example.test/x' to='%s'>"
             "<query xmlns='" NS_DISCO_INFO "'/></iq>",
             id, SVCFIX_DOMAIN);
    free(id);
    svcfix_feed(fx, xml);
    svcfix_clear_out(fx);
}

/* An iq of user to the component whose payload is body. */
static void iq(struct svcfix *fx, const char *user, const char *type,
               const char *id, const char *body)
{
    char xml[1024];

    snprintf(xml, sizeof(xml),
             "<iq type='%s' id='%s' from='%s@example.test/x' to='%s'>%s</iq>",
             type, id, user, SVCFIX_DOMAIN, body);
    svcfix_feed(fx, xml);
}

/* user sends their card to b; returns how many stanzas went out (the
 * reply, and a delivery when b gets it at once). */
static int send_to_b(struct svcfix *fx, const char *user, const char *id)
{
    svcfix_clear_out(fx);
    iq(fx, user, "set", id,
       "<send xmlns='" NS_CARDX "' to='" B_PHONE "'><note>hi</note></send>");
    svcfix_expect(fx, 0, SENT_PATH("%s"), id);
    return fx->nout;
}

START_TEST(mode_set_and_read)
{
    struct svcfix fx;

    setup(&fx);
    iq(&fx, "b", "get", "1", "<consent xmlns='" NS_CARDX "'/>");
    svcfix_expect(&fx, -1,
                  RESULT_PATH("1") "/{" NS_CARDX "}consent[@mode="
                                   "'anyone']");
    iq(&fx, "b", "set", "2", "<consent xmlns='" NS_CARDX "' mode='ask'/>");
    svcfix_expect(&fx, -1, RESULT_PATH("2"));
    iq(&fx, "b", "get", "3", "<consent xmlns='" NS_CARDX "'/>");
    svcfix_expect(&fx, -1,
                  RESULT_PATH("3") "/{" NS_CARDX "}consent[@mode="
                                   "'ask']");
    iq(&fx, "b", "set", "4", "<consent xmlns='" NS_CARDX "' mode='maybe'/>");
    svcfix_expect(&fx, -1, ERROR_PATH("4", "modify", "bad-request"));
    iq(&fx, "d", "set", "5", "<consent xmlns='" NS_CARDX "' mode='ask'/>");
    svcfix_expect(&fx, -1, ERROR_PATH("5", "auth", "registration-required"));
    iq(&fx, "d", "get", "6", "<requests xmlns='" NS_CARDX "'/>");
    svcfix_expect(&fx, -1, ERROR_PATH("6", "auth", "registration-required"));
    svcfix_free(&fx);
}
END_TEST

/* ask: a stranger's card is held (the sender hears queued, nothing goes
 * to b although b is online) until accepted; then it goes, and the
 * sender's next card comes at once. */
START_TEST(ask_holds_until_accepted)
{
    struct svcfix fx;
    char *card, body[256];

    setup(&fx);
    iq(&fx, "b", "set", "1", "<consent xmlns='" NS_CARDX "' mode='ask'/>");
    ck_assert_int_eq(send_to_b(&fx, "a", "s1"), 1);
    card = stanza_match_text(fx.out[0], "/iq/{" NS_CARDX "}sent/@id");
    ck_assert_ptr_nonnull(card);
    iq(&fx, "b", "get", "2", "<requests xmlns='" NS_CARDX "'/>");
    svcfix_expect(&fx, -1,
                  RESULT_PATH("2") "/{" NS_CARDX
                                   "}requests/request[@id='%s'][@from='" A_PHONE
                                   "'][@name='a card']/note",
                  card);
    /* A presence (a flush) does not send it either. */
    svcfix_clear_out(&fx);
    svcfix_feed(&fx,
                "<presence from='b@example.test/y' to='" SVCFIX_DOMAIN "'/>");
    for (int i = 0; i < fx.nout; i++)
        ck_assert_ptr_null(
            stanza_match_text(fx.out[i], "/message/{vcard-temp}vCard/FN"));
    snprintf(body, sizeof(body), "<accept xmlns='" NS_CARDX "' id='%s'/>",
             card);
    svcfix_clear_out(&fx);
    iq(&fx, "b", "set", "3", body);
    svcfix_expect(&fx, 0, RESULT_PATH("3"));
    svcfix_expect(&fx, 1, "/message[@id='%s'][@to='b@example.test/x']", card);
    iq(&fx, "b", "set", "4", body);
    svcfix_expect(&fx, -1, ERROR_PATH("4", "cancel", "item-not-found"));
    /* Trusted now. */
    ck_assert_int_ge(send_to_b(&fx, "a", "s2"), 2);
    svcfix_expect(&fx, 1, "/message[@to='b@example.test/x']");
    free(card);
    svcfix_free(&fx);
}
END_TEST

START_TEST(declined_is_deleted)
{
    struct svcfix fx;
    char *card, body[256];
    int64_t n = -1;

    setup(&fx);
    iq(&fx, "b", "set", "1", "<consent xmlns='" NS_CARDX "' mode='ask'/>");
    ck_assert_int_eq(send_to_b(&fx, "c", "s1"), 1);
    card = stanza_match_text(fx.out[0], "/iq/{" NS_CARDX "}sent/@id");
    ck_assert_ptr_nonnull(card);
    ck_assert_int_eq(store_inbox_count_number(fx.store, B_PHONE, &n), 0);
    ck_assert_int_eq(n, 1);
    snprintf(body, sizeof(body), "<decline xmlns='" NS_CARDX "' id='%s'/>",
             card);
    iq(&fx, "b", "set", "2", body);
    svcfix_expect(&fx, -1, RESULT_PATH("2"));
    ck_assert_int_eq(store_inbox_count_number(fx.store, B_PHONE, &n), 0);
    ck_assert_int_eq(n, 0);
    iq(&fx, "b", "set", "3", "<decline xmlns='" NS_CARDX "'/>");
    svcfix_expect(&fx, -1, ERROR_PATH("3", "modify", "bad-request"));
    /* Not trusted: the next card is a request again. */
    ck_assert_int_eq(send_to_b(&fx, "c", "s2"), 1);
    iq(&fx, "b", "get", "4", "<requests xmlns='" NS_CARDX "'/>");
    svcfix_expect(&fx, -1,
                  RESULT_PATH("4") "/{" NS_CARDX
                                   "}requests/request[@from='" C_PHONE "']");
    free(card);
    svcfix_free(&fx);
}
END_TEST

/* contacts: a number b uploaded (in any form) passes; another is dropped,
 * its sender told queued all the same; an upload replaces the last. */
START_TEST(contacts_pass_others_dropped)
{
    struct svcfix fx;
    int64_t n = -1;

    setup(&fx);
    iq(&fx, "b", "set", "1",
       "<contacts xmlns='" NS_CARDX "'><item phone='138 0013 8000'/>"
       "<item phone='not a number'/></contacts>");
    svcfix_expect(&fx, -1, RESULT_PATH("1"));
    iq(&fx, "b", "set", "2", "<consent xmlns='" NS_CARDX "' mode='contacts'/>");
    ck_assert_int_ge(send_to_b(&fx, "a", "s1"), 2);
    svcfix_expect(&fx, 1, "/message[@to='b@example.test/x']");
    ck_assert_int_eq(send_to_b(&fx, "c", "s2"), 1);
    ck_assert_int_eq(store_inbox_count_number(fx.store, B_PHONE, &n), 0);
    ck_assert_int_eq(n, 1); /* a's, not yet acknowledged; c's is gone */
    iq(&fx, "b", "get", "3", "<requests xmlns='" NS_CARDX "'/>");
    ck_assert_ptr_null(stanza_match_text(
        fx.out[fx.nout - 1], "/iq/{" NS_CARDX "}requests/request/@id"));
    /* Replaced by an upload without a's number. */
    iq(&fx, "b", "set", "4",
       "<contacts xmlns='" NS_CARDX "'><item phone='" C_PHONE "'/></contacts>");
    ck_assert_int_ge(send_to_b(&fx, "c", "s3"), 2);
    ck_assert_int_eq(send_to_b(&fx, "a", "s4"), 1);
    iq(&fx, "d", "set", "5", "<contacts xmlns='" NS_CARDX "'/>");
    svcfix_expect(&fx, -1, ERROR_PATH("5", "auth", "registration-required"));
    svcfix_free(&fx);
}
END_TEST

static Suite *consent_suite(void)
{
    Suite *s = suite_create("consent");
    TCase *tc = tcase_create("consent");

    tcase_add_test(tc, mode_set_and_read);
    tcase_add_test(tc, ask_holds_until_accepted);
    tcase_add_test(tc, declined_is_deleted);
    tcase_add_test(tc, contacts_pass_others_dropped);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(consent_suite)
