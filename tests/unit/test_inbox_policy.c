/* Unit tests of the inbox policies through the service: one waiting card
 * per sender and recipient, the recipient's quota, the sender's limits on
 * every route, and expiry (by the timer and at delivery) with the sender's
 * notice; the same for cards held for a number nobody has ([privacy]
 * unknown_numbers = hold). Stanzas in, stanzas out, over a real store. */
#include <check.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/lib/runner.h"
#include "tests/lib/stanza_match.h"
#include "tests/lib/svcfix.h"
#include "xep/ns.h"

#define A_PHONE "+8613800138000"
#define B_PHONE "+8613900139000"
#define A_BARE "a@example.test"
#define A_FULL A_BARE "/x"
#define B_BARE "b@example.test"
#define B_PROXY B_PHONE "@" SVCFIX_DOMAIN
#define ERROR_PATH(id, type, condition)                                        \
    "/iq[@type='error'][@id='" id "']/error[@type='" type "']/{" NS_STANZAS    \
    "}" condition
#define SENT_PATH(id, status)                                                  \
    "/iq[@type='result'][@id='" id "']/{" NS_CARDX "}sent[@status='" status "']"

/* Registers sender user@example.test with phone and a card. */
static void add_sender(struct svcfix *fx, const char *user, const char *phone)
{
    char jid[64], vcard[128];

    snprintf(jid, sizeof(jid), "%s@example.test", user);
    snprintf(vcard, sizeof(vcard),
             "<vCard xmlns='vcard-temp'><FN>%s</FN></vCard>", user);
    ck_assert_int_eq(store_user_register(fx->store, phone, jid, 1), 0);
    ck_assert_int_eq(store_card_set(fx->store, jid, vcard, 1), 0);
}

/* a (with a card) and b; every limit off unless a test sets it. */
static void setup(struct svcfix *fx)
{
    svcfix_init(fx);
    fx->cfg->sends_per_minute = 0;
    fx->cfg->sends_per_day = 0;
    fx->cfg->lookups_per_day = 0;
    add_sender(fx, "a", A_PHONE);
    ck_assert_int_eq(store_user_register(fx->store, B_PHONE, B_BARE, 1), 0);
}

/* user sends their card to number by the cardx iq with this id and note. */
static void send_iq(struct svcfix *fx, const char *user, const char *id,
                    const char *number, const char *note)
{
    char xml[512];

    snprintf(xml, sizeof(xml),
             "<iq type='set' id='%s' from='%s@example.test/x' to='%s'><send "
             "xmlns='" NS_CARDX "' to='%s'><note>%s</note></send></iq>",
             id, user, SVCFIX_DOMAIN, number, note);
    svcfix_feed(fx, xml);
}

static void send_message(struct svcfix *fx, const char *id, const char *note)
{
    char xml[512];

    snprintf(xml, sizeof(xml),
             "<message type='chat' id='%s' from='" A_FULL "' to='" B_PROXY
             "'><body>%s</body></message>",
             id, note);
    svcfix_feed(fx, xml);
}

/* The id of the card the last reply says was sent. */
static char *sent_id(struct svcfix *fx)
{
    char *id =
        stanza_match_text(fx->out[fx->nout - 1], "/iq/{" NS_CARDX "}sent/@id");

    ck_assert_ptr_nonnull(id);
    return id;
}

/* Fails unless the text path reaches in the last stanza sent contains
 * needle. */
static void expect_text(struct svcfix *fx, const char *path, const char *needle)
{
    char *text = stanza_match_text(fx->out[fx->nout - 1], path);

    ck_assert_msg(text && strstr(text, needle), "%s: '%s' lacks '%s'", path,
                  text ? text : "(nothing)", needle);
    free(text);
}

static int64_t inbox_count(struct svcfix *fx)
{
    int64_t n = -1;

    ck_assert_int_eq(store_inbox_count(fx->store, B_BARE, &n), 0);
    return n;
}

struct first_item {
    char note[64];
    char id[64];
    int attempts;
    int64_t handed_at;
};

static int read_first(void *ud, const struct store_inbox_item *item)
{
    struct first_item *f = ud;

    snprintf(f->note, sizeof(f->note), "%s", item->note ? item->note : "");
    snprintf(f->id, sizeof(f->id), "%s", item->card_id);
    f->attempts = item->attempts;
    f->handed_at = item->handed_at;
    return 1;
}

/* Brings resource full of b online; its disco#info says it does not ack. */
static void online(struct svcfix *fx, const char *full)
{
    char xml[512], *id;

    snprintf(xml, sizeof(xml), "<presence from='%s' to='%s'/>", full,
             SVCFIX_DOMAIN);
    svcfix_feed(fx, xml);
    id = stanza_match_text(fx->out[fx->nout - 1], "/iq/@id");
    ck_assert_ptr_nonnull(id);
    snprintf(xml, sizeof(xml),
             "<iq type='result' id='%s' from='%s' to='%s'><query "
             "xmlns='" NS_DISCO_INFO "'/></iq>",
             id, full, SVCFIX_DOMAIN);
    free(id);
    svcfix_feed(fx, xml);
}

/* How many stanzas sent so far carry a card to b. */
static int cards_to_b(struct svcfix *fx)
{
    int n = 0;

    for (int i = 0; i < fx->nout; i++)
        n += stanza_match(fx->out[i],
                          "/message[@type='chat']/{" NS_CARDX "}card") == 1;
    return n;
}

/* Sending again while the card waits replaces it: one card, the latest
 * note, the first id, whatever the route. */
START_TEST(same_sender_replaces)
{
    struct svcfix fx;
    struct first_item f = {0};
    char *first, *second;

    setup(&fx);
    send_iq(&fx, "a", "s1", B_PHONE, "first");
    svcfix_expect(&fx, -1, SENT_PATH("s1", "queued"));
    first = sent_id(&fx);
    send_message(&fx, "m1", "by message");
    send_iq(&fx, "a", "s2", B_PHONE, "latest");
    svcfix_expect(&fx, -1, SENT_PATH("s2", "queued"));
    second = sent_id(&fx);
    ck_assert_str_eq(second, first);
    ck_assert_int_eq(inbox_count(&fx), 1);
    store_inbox_each(fx.store, B_BARE, read_first, &f);
    ck_assert_str_eq(f.note, "latest");
    ck_assert_str_eq(f.id, first);
    /* another sender's card is a card of its own */
    add_sender(&fx, "c", "+8613700137000");
    send_iq(&fx, "c", "s3", B_PHONE, "from c");
    svcfix_expect(&fx, -1, SENT_PATH("s3", "queued"));
    ck_assert_int_eq(inbox_count(&fx), 2);
    online(&fx, B_BARE "/phone");
    ck_assert_int_eq(cards_to_b(&fx), 2);
    svcfix_expect(&fx, -2, "/message[@id='%s']/{" NS_CARDX "}card/note", first);
    free(first);
    free(second);
    svcfix_free(&fx);
}
END_TEST

/* The replacement is a new delivery: its attempts and hand-off start over. */
START_TEST(replacement_restarts_handoff)
{
    struct svcfix fx;
    struct first_item f = {0};

    setup(&fx);
    online(&fx, B_BARE "/phone");
    send_iq(&fx, "a", "s1", B_PHONE, "first");
    store_inbox_each(fx.store, B_BARE, read_first, &f);
    ck_assert_int_eq(f.attempts, 1);
    ck_assert_int_gt(f.handed_at, 0);
    svcfix_feed(&fx, "<presence type='unavailable' from='" B_BARE
                     "/phone' to='" SVCFIX_DOMAIN "'/>");
    send_iq(&fx, "a", "s2", B_PHONE, "second");
    svcfix_expect(&fx, -1, SENT_PATH("s2", "queued"));
    store_inbox_each(fx.store, B_BARE, read_first, &f);
    ck_assert_int_eq(f.attempts, 0);
    ck_assert_int_eq(f.handed_at, 0);
    ck_assert_str_eq(f.note, "second");
    svcfix_free(&fx);
}
END_TEST

/* The card id in the answer to send iq_id, wherever it is among the
 * stanzas sent (a delivery may follow it); the caller frees it. */
static char *answer_id(struct svcfix *fx, const char *iq_id)
{
    char path[128];

    snprintf(path, sizeof(path), "/iq[@id='%s']/{" NS_CARDX "}sent/@id", iq_id);
    for (int i = fx->nout - 1; i >= 0; i--) {
        char *id = stanza_match_text(fx->out[i], path);

        if (id)
            return id;
    }
    ck_abort_msg("no answer to %s", iq_id);
    return NULL;
}

/* A card some client may already hold is replaced under a new id: the
 * late ack of the old content (here a receipt) must not retire the new. */
START_TEST(replacement_after_handoff_gets_new_id)
{
    struct svcfix fx;
    struct first_item f = {0};
    char *first, *second, xml[512];

    setup(&fx);
    online(&fx, B_BARE "/phone");
    send_iq(&fx, "a", "s1", B_PHONE, "first");
    first = answer_id(&fx, "s1");
    send_iq(&fx, "a", "s2", B_PHONE, "second");
    second = answer_id(&fx, "s2");
    ck_assert_str_ne(second, first);
    ck_assert_int_eq(inbox_count(&fx), 1);
    snprintf(xml, sizeof(xml),
             "<message from='" B_BARE "/phone' to='" A_PHONE "@" SVCFIX_DOMAIN
             "'><received xmlns='" NS_RECEIPTS "' id='%s'/></message>",
             first);
    svcfix_feed(&fx, xml);
    ck_assert_int_eq(inbox_count(&fx), 1);
    store_inbox_each(fx.store, B_BARE, read_first, &f);
    ck_assert_str_eq(f.id, second);
    ck_assert_str_eq(f.note, "second");
    free(first);
    free(second);
    svcfix_free(&fx);
}
END_TEST

/* inbox_max: a new sender past it is refused and nothing is stored; the
 * senders already waiting may still replace their cards. */
START_TEST(inbox_quota)
{
    struct svcfix fx;

    setup(&fx);
    fx.cfg->inbox_max = 2;
    add_sender(&fx, "c", "+8613700137000");
    add_sender(&fx, "d", "+8613600136000");
    send_iq(&fx, "a", "s1", B_PHONE, "one");
    send_iq(&fx, "c", "s2", B_PHONE, "two");
    svcfix_expect(&fx, -1, SENT_PATH("s2", "queued"));
    send_iq(&fx, "d", "s3", B_PHONE, "three");
    svcfix_expect(&fx, -1, ERROR_PATH("s3", "wait", "resource-constraint"));
    expect_text(&fx, "/iq/error/{" NS_STANZAS "}text",
                "the inbox of +86 139 0013 9000 is full");
    ck_assert_int_eq(inbox_count(&fx), 2);
    send_iq(&fx, "a", "s4", B_PHONE, "one again");
    svcfix_expect(&fx, -1, SENT_PATH("s4", "queued"));
    ck_assert_int_eq(inbox_count(&fx), 2);
    fx.cfg->inbox_max = 0; /* unlimited */
    send_iq(&fx, "d", "s5", B_PHONE, "three");
    svcfix_expect(&fx, -1, SENT_PATH("s5", "queued"));
    ck_assert_int_eq(inbox_count(&fx), 3);
    svcfix_free(&fx);
}
END_TEST

/* sends_per_minute holds across routes (iq and message count alike); the
 * refusal is wait/policy-violation and says when; nothing is stored. */
START_TEST(rate_across_routes)
{
    struct svcfix fx;

    setup(&fx);
    fx.cfg->sends_per_minute = 2;
    send_iq(&fx, "a", "s1", B_PHONE, "one");
    send_message(&fx, "m1", "two");
    ck_assert_int_eq(inbox_count(&fx), 1);
    send_message(&fx, "m2", "three");
    svcfix_expect(&fx, -1,
                  "/message[@type='error'][@id='m2']/error[@type='wait']/"
                  "{" NS_STANZAS "}policy-violation");
    send_iq(&fx, "a", "s2", B_PHONE, "four");
    svcfix_expect(&fx, -1, ERROR_PATH("s2", "wait", "policy-violation"));
    expect_text(&fx, "/iq/error/{" NS_STANZAS "}text",
                "at most 2 cards a minute: sending works again at ");
    svcfix_free(&fx);
}
END_TEST

/* lookups_per_day counts numbers registered or not: past it, a new number
 * gets policy-violation, not item-not-found; known ones still work. */
START_TEST(lookups_registered_or_not)
{
    struct svcfix fx;

    setup(&fx);
    fx.cfg->lookups_per_day = 2;
    send_iq(&fx, "a", "s1", "+8613500135000", "nobody");
    svcfix_expect(&fx, -1, ERROR_PATH("s1", "cancel", "item-not-found"));
    send_iq(&fx, "a", "s2", B_PHONE, "b");
    svcfix_expect(&fx, -1, SENT_PATH("s2", "queued"));
    send_iq(&fx, "a", "s3", "+8613500135001", "nobody either");
    svcfix_expect(&fx, -1, ERROR_PATH("s3", "wait", "policy-violation"));
    send_iq(&fx, "a", "s4", B_PHONE, "b again");
    svcfix_expect(&fx, -1, SENT_PATH("s4", "queued"));
    svcfix_free(&fx);
}
END_TEST

/* Brings the link up and lets the start-up presence probe finish, so that
 * only the expiry timer is left. */
static void link_up(struct svcfix *fx)
{
    service_link_up(fx->svc, fx->now);
    for (int i = 0; i < 10 && service_timeout(fx->svc, fx->now) == 0; i++)
        service_tick(fx->svc, fx->now);
    ck_assert_int_ne(service_timeout(fx->svc, fx->now), 0);
    svcfix_clear_out(fx);
}

/* Moves every card's creation back by s seconds. */
static void age_cards(struct svcfix *fx, int s)
{
    sqlite3 *db = NULL;
    char sql[128];

    ck_assert_int_eq(sqlite3_open(fx->path, &db), SQLITE_OK);
    snprintf(sql, sizeof(sql), "UPDATE inbox SET created_at = created_at - %d",
             s);
    ck_assert_int_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_close(db), SQLITE_OK);
}

#define NOTICE_PATH                                                            \
    "/message[@type='chat'][@from='" B_PROXY "'][@to='" A_BARE "']/body"

/* The timer retires a card past inbox_ttl and tells its sender, from the
 * recipient's proxy JID; it is never delivered later. */
START_TEST(ttl_expires_on_timer)
{
    struct svcfix fx;
    int timeout;

    setup(&fx);
    fx.cfg->inbox_ttl_ms = 2000;
    link_up(&fx);
    send_iq(&fx, "a", "s1", B_PHONE, "soon gone");
    svcfix_expect(&fx, -1, SENT_PATH("s1", "queued"));
    timeout = service_timeout(fx.svc, fx.now);
    ck_assert_int_gt(timeout, 0);
    ck_assert_int_le(timeout, 3000);
    service_tick(fx.svc, fx.now);
    ck_assert_int_eq(inbox_count(&fx), 1);
    age_cards(&fx, 10);
    fx.now += timeout;
    service_tick(fx.svc, fx.now);
    ck_assert_int_eq(inbox_count(&fx), 0);
    svcfix_expect(&fx, -1, NOTICE_PATH);
    /* The number as people read it; the wire (from) keeps E.164. */
    expect_text(&fx, "/message/body", "Your card to +86 139 0013 9000");
    expect_text(&fx, "/message/body", "expired undelivered");
    /* Nothing is left to expire: only the instance's heartbeat waits. */
    ck_assert_int_eq(service_timeout(fx.svc, fx.now),
                     fx.cfg->heartbeat_ms - timeout);
    online(&fx, B_BARE "/phone");
    ck_assert_int_eq(cards_to_b(&fx), 0);
    svcfix_free(&fx);
}
END_TEST

/* A flush checks the age itself: an expired card the timer has not come
 * round to is retired, not delivered. */
START_TEST(ttl_checked_at_delivery)
{
    struct svcfix fx;

    setup(&fx);
    fx.cfg->inbox_ttl_ms = 2000;
    send_iq(&fx, "a", "s1", B_PHONE, "late");
    age_cards(&fx, 10);
    online(&fx, B_BARE "/phone");
    ck_assert_int_eq(cards_to_b(&fx), 0);
    ck_assert_int_eq(inbox_count(&fx), 0);
    svcfix_expect(&fx, -1, NOTICE_PATH);
    expect_text(&fx, "/message/body", "expired undelivered");
    svcfix_free(&fx);
}
END_TEST

/* inbox_ttl = 0: cards never expire and no timer is kept for them. */
START_TEST(ttl_zero_keeps_cards)
{
    struct svcfix fx;

    setup(&fx);
    fx.cfg->inbox_ttl_ms = 0;
    link_up(&fx);
    send_iq(&fx, "a", "s1", B_PHONE, "forever");
    age_cards(&fx, 400 * 86400);
    /* Only the instance's heartbeat waits. */
    ck_assert_int_eq(service_timeout(fx.svc, fx.now), fx.cfg->heartbeat_ms);
    link_up(&fx);
    online(&fx, B_BARE "/phone");
    ck_assert_int_eq(cards_to_b(&fx), 1);
    ck_assert_int_eq(inbox_count(&fx), 1);
    svcfix_free(&fx);
}
END_TEST

#define H_PHONE "+8613500135000" /* nobody has it */
#define H_PROXY H_PHONE "@" SVCFIX_DOMAIN

/* [privacy] unknown_numbers = hold. */
static void hold_unknown(struct svcfix *fx)
{
    free(fx->cfg->unknown_numbers);
    fx->cfg->unknown_numbers = strdup("hold");
    ck_assert_ptr_nonnull(fx->cfg->unknown_numbers);
}

static int64_t held_count(struct svcfix *fx)
{
    int64_t n = -1;

    ck_assert_int_eq(store_inbox_count_number(fx->store, H_PHONE, &n), 0);
    return n;
}

/* Cards held for a number nobody has obey the inbox rules of the number:
 * one per sender (the id kept), and inbox_max with the same refusal as for
 * a registered user. Whoever then takes the number while online receives
 * them at once. */
START_TEST(held_cards_dedupe_quota_then_flush)
{
    struct svcfix fx;
    char *first, *again;

    setup(&fx);
    hold_unknown(&fx);
    fx.cfg->inbox_max = 2;
    add_sender(&fx, "c", "+8613700137000");
    add_sender(&fx, "d", "+8613600136000");
    send_iq(&fx, "a", "s1", H_PHONE, "first");
    svcfix_expect(&fx, -1, SENT_PATH("s1", "queued"));
    first = sent_id(&fx);
    send_iq(&fx, "a", "s2", H_PHONE, "latest");
    svcfix_expect(&fx, -1, SENT_PATH("s2", "queued"));
    again = sent_id(&fx);
    ck_assert_str_eq(again, first);
    ck_assert_int_eq(held_count(&fx), 1);
    send_iq(&fx, "c", "s3", H_PHONE, "from c");
    svcfix_expect(&fx, -1, SENT_PATH("s3", "queued"));
    ck_assert_int_eq(held_count(&fx), 2);
    send_iq(&fx, "d", "s4", H_PHONE, "from d");
    svcfix_expect(&fx, -1, ERROR_PATH("s4", "wait", "resource-constraint"));
    expect_text(&fx, "/iq/error/{" NS_STANZAS "}text",
                "the inbox of +86 135 0013 5000 is full (2 cards wait)");
    ck_assert_int_eq(held_count(&fx), 2);
    /* b, online, moves to the number: the held cards are b's, sent now. */
    online(&fx, B_BARE "/phone");
    ck_assert_int_eq(cards_to_b(&fx), 0);
    svcfix_feed(&fx, "<iq type='set' id='r1' from='" B_BARE
                     "/phone' to='" SVCFIX_DOMAIN "'><query xmlns='" NS_REGISTER
                     "'><phone>" H_PHONE "</phone></query></iq>");
    ck_assert_int_eq(cards_to_b(&fx), 2);
    ck_assert_int_eq(inbox_count(&fx), 2);
    svcfix_expect(&fx, -2, "/iq[@type='result'][@id='r1']");
    free(first);
    free(again);
    svcfix_free(&fx);
}
END_TEST

/* A held card expires like any other: the timer finds it by number, and
 * its sender's notice comes from the number's proxy JID. */
START_TEST(held_card_expires)
{
    struct svcfix fx;
    int timeout;

    setup(&fx);
    hold_unknown(&fx);
    fx.cfg->inbox_ttl_ms = 2000;
    link_up(&fx);
    send_iq(&fx, "a", "s1", H_PHONE, "soon gone");
    svcfix_expect(&fx, -1, SENT_PATH("s1", "queued"));
    timeout = service_timeout(fx.svc, fx.now);
    ck_assert_int_gt(timeout, 0);
    age_cards(&fx, 10);
    fx.now += timeout;
    service_tick(fx.svc, fx.now);
    ck_assert_int_eq(held_count(&fx), 0);
    svcfix_expect(&fx, -1,
                  "/message[@type='chat'][@from='" H_PROXY "'][@to='" A_BARE
                  "']/body");
    expect_text(&fx, "/message/body", "Your card to +86 135 0013 5000");
    expect_text(&fx, "/message/body", "expired undelivered");
    ck_assert_int_eq(service_timeout(fx.svc, fx.now),
                     fx.cfg->heartbeat_ms - timeout);
    svcfix_free(&fx);
}
END_TEST

static Suite *inbox_policy_suite(void)
{
    Suite *s = suite_create("inbox_policy");
    TCase *tc = tcase_create("policy");

    tcase_add_test(tc, same_sender_replaces);
    tcase_add_test(tc, replacement_restarts_handoff);
    tcase_add_test(tc, replacement_after_handoff_gets_new_id);
    tcase_add_test(tc, inbox_quota);
    tcase_add_test(tc, rate_across_routes);
    tcase_add_test(tc, lookups_registered_or_not);
    tcase_add_test(tc, ttl_expires_on_timer);
    tcase_add_test(tc, ttl_checked_at_delivery);
    tcase_add_test(tc, ttl_zero_keeps_cards);
    tcase_add_test(tc, held_cards_dedupe_quota_then_flush);
    tcase_add_test(tc, held_card_expires);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(inbox_policy_suite)
