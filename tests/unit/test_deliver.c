/* Unit tests of when a card leaves the inbox: only on an acknowledgement or
 * an explicit policy, never on hand-off, an unanswered disco#info, a lost
 * link or a bounce. Stanzas in, stanzas out, over a real store. */
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
#define A_FULL "a@example.test/x"
#define B_BARE "b@example.test"
#define CARD_ID_MAX 64

/* Registers a (with a card) and b, and sends a's card to b by message with
 * a receipt request; *id receives the card id once it was delivered, or
 * stays empty while b is offline. */
static void setup(struct svcfix *fx)
{
    svcfix_init(fx);
    ck_assert_int_eq(
        store_user_register(fx->store, A_PHONE, "a@example.test", 1), 0);
    ck_assert_int_eq(store_user_register(fx->store, B_PHONE, B_BARE, 1), 0);
    ck_assert_int_eq(store_card_set(fx->store, "a@example.test",
                                    "<vCard xmlns='vcard-temp'><FN>Alice</FN>"
                                    "</vCard>",
                                    1),
                     0);
}

static void send_card_by_message(struct svcfix *fx)
{
    svcfix_feed(fx, "<message type='chat' id='m1' from='" A_FULL
                    "' to='" B_PHONE "@" SVCFIX_DOMAIN
                    "'><body>hi</body><request xmlns='" NS_RECEIPTS
                    "'/></message>");
}

static int64_t inbox_count(struct svcfix *fx)
{
    int64_t n = -1;

    ck_assert_int_eq(store_inbox_count(fx->store, B_BARE, &n), 0);
    return n;
}

/* The id of the disco#info the service just asked resource full. */
static char *disco_id(struct svcfix *fx, const char *full)
{
    char *id = stanza_match_text(fx->out[fx->nout - 1], "/iq/@id");

    svcfix_expect(fx, -1, "/iq[@type='get'][@to='%s']/{" NS_DISCO_INFO "}query",
                  full);
    ck_assert_ptr_nonnull(id);
    return id;
}

/* Brings resource full of b online, answering disco#info with or without
 * receipts (answer < 0: leaves the question pending). */
static void online(struct svcfix *fx, const char *full, int answer)
{
    char xml[512], *id;

    snprintf(xml, sizeof(xml), "<presence from='%s' to='%s'/>", full,
             SVCFIX_DOMAIN);
    svcfix_feed(fx, xml);
    id = disco_id(fx, full);
    if (answer >= 0) {
        snprintf(xml, sizeof(xml),
                 "<iq type='result' id='%s' from='%s' to='%s'><query "
                 "xmlns='" NS_DISCO_INFO "'>%s</query></iq>",
                 id, full, SVCFIX_DOMAIN,
                 answer ? "<feature var='" NS_RECEIPTS "'/>" : "");
        svcfix_feed(fx, xml);
    }
    free(id);
}

/* How many times the card went to full among what the service sent; the
 * card's id is copied into id. */
static int deliveries(struct svcfix *fx, const char *full, char *id)
{
    char path[256];
    int n = 0;

    snprintf(path, sizeof(path),
             "/message[@type='chat'][@to='%s']/{" NS_CARDX "}card", full);
    for (int i = 0; i < fx->nout; i++) {
        char *got;

        if (stanza_match(fx->out[i], path) != 1)
            continue;
        got = stanza_match_text(fx->out[i], "/message/@id");
        ck_assert_ptr_nonnull(got);
        snprintf(id, CARD_ID_MAX, "%s", got);
        free(got);
        n++;
    }
    return n;
}

/* Whether a was told the card arrived. */
static int sender_receipts(struct svcfix *fx)
{
    int n = 0;

    for (int i = 0; i < fx->nout; i++)
        n += stanza_match(fx->out[i], "/message[@to='" A_FULL "']/{" NS_RECEIPTS
                                      "}received[@id='m1']") == 1;
    return n;
}

/* A hand-off to a client that says it does not ack is not an ack: the card
 * stays, the sender hears nothing, and a new resource gets it again. */
START_TEST(handoff_keeps_card)
{
    struct svcfix fx;
    char id[CARD_ID_MAX] = "", again[CARD_ID_MAX] = "";

    setup(&fx);
    online(&fx, B_BARE "/phone", 0);
    send_card_by_message(&fx);
    ck_assert_int_eq(deliveries(&fx, B_BARE "/phone", id), 1);
    ck_assert_int_eq(inbox_count(&fx), 1);
    ck_assert_int_eq(sender_receipts(&fx), 0);
    online(&fx, B_BARE "/desk", 0);
    ck_assert_int_eq(deliveries(&fx, B_BARE "/desk", again), 1);
    ck_assert_str_eq(again, id);
    ck_assert_int_eq(inbox_count(&fx), 1);
    svcfix_free(&fx);
}
END_TEST

/* The vCard's FN (*fn) and the body (*body) of the last delivery to full;
 * the caller frees both. */
static void last_delivery(struct svcfix *fx, const char *full, char **fn,
                          char **body)
{
    char path[256];

    snprintf(path, sizeof(path),
             "/message[@type='chat'][@to='%s']/{" NS_CARDX "}card", full);
    *fn = *body = NULL;
    for (int i = fx->nout - 1; i >= 0 && !*fn; i--) {
        if (stanza_match(fx->out[i], path) != 1)
            continue;
        *fn = stanza_match_text(fx->out[i], "/message/{vcard-temp}vCard/FN");
        *body = stanza_match_text(fx->out[i], "/message/body");
    }
    ck_assert_ptr_nonnull(*fn);
    ck_assert_ptr_nonnull(*body);
}

/* A delivery carries the card as stored now: after its sender changed
 * their card, the next one carries the new card, and the old one again
 * once they change it back (deliveries remember the cards they sent); a
 * card too large to remember (the last, with a long note) as well. */
START_TEST(delivery_carries_the_stored_card)
{
    static const char *const names[] = {"Alice", "Alicia", "Alice", "Bob"};
    struct svcfix fx;
    char note[3000];

    memset(note, 'x', sizeof(note) - 1);
    note[sizeof(note) - 1] = '\0';
    setup(&fx);
    online(&fx, B_BARE "/phone", 1);
    for (int i = 0; i < 4; i++) {
        char card[3200], *fn, *body;

        snprintf(card, sizeof(card),
                 "<vCard xmlns='vcard-temp'><FN>%s</FN><NOTE>%s</NOTE>"
                 "</vCard>",
                 names[i], i == 3 ? note : "hello");
        ck_assert_int_eq(
            store_card_set(fx.store, "a@example.test", card, 2 + i), 0);
        svcfix_clear_out(&fx);
        send_card_by_message(&fx);
        last_delivery(&fx, B_BARE "/phone", &fn, &body);
        ck_assert_str_eq(fn, names[i]);
        ck_assert_msg(strstr(body, names[i]) &&
                          (i == 1 || !strstr(body, "Alicia")),
                      "body: %s", body);
        free(fn);
        free(body);
    }
    svcfix_free(&fx);
}
END_TEST

/* A receipt retires the card whatever disco#info said (Converse.js sends
 * receipts without listing them), tells the sender, and marks the
 * resource as one that acknowledges. */
START_TEST(receipt_without_advertising)
{
    struct svcfix fx;
    char id[CARD_ID_MAX] = "", xml[512];
    int receipts = -2;

    setup(&fx);
    online(&fx, B_BARE "/web", 0);
    send_card_by_message(&fx);
    ck_assert_int_eq(deliveries(&fx, B_BARE "/web", id), 1);
    snprintf(xml, sizeof(xml),
             "<message from='" B_BARE "/web' to='" A_PHONE "@" SVCFIX_DOMAIN
             "'><received xmlns='" NS_RECEIPTS "' id='%s'/></message>",
             id);
    svcfix_feed(&fx, xml);
    ck_assert_int_eq(inbox_count(&fx), 0);
    ck_assert_int_eq(sender_receipts(&fx), 1);
    svcfix_expect(&fx, -1, "/message[@from='" B_PHONE "@" SVCFIX_DOMAIN "']");
    ck_assert_int_eq(store_online_receipts(fx.store, B_BARE "/web", &receipts),
                     0);
    ck_assert_int_eq(receipts, 1);
    svcfix_free(&fx);
}
END_TEST

/* A question the link took down with it is not an answer: nothing is
 * delivered or deleted; an unanswered one (timeout) delivers and keeps. */
START_TEST(unanswered_disco_keeps_card)
{
    struct svcfix fx;
    char id[CARD_ID_MAX] = "";

    setup(&fx);
    send_card_by_message(&fx);
    ck_assert_int_eq(inbox_count(&fx), 1);
    online(&fx, B_BARE "/phone", -1);
    service_link_down(fx.svc);
    ck_assert_int_eq(deliveries(&fx, B_BARE "/phone", id), 0);
    ck_assert_int_eq(inbox_count(&fx), 1);

    service_link_up(fx.svc, fx.now);
    online(&fx, B_BARE "/phone", -1);
    fx.now += fx.cfg->fetch_timeout_ms;
    service_tick(fx.svc, fx.now);
    ck_assert_int_eq(deliveries(&fx, B_BARE "/phone", id), 1);
    ck_assert_int_eq(inbox_count(&fx), 1);
    ck_assert_int_eq(sender_receipts(&fx), 0);
    svcfix_free(&fx);
}
END_TEST

/* Another instance asked b's new resource what it supports and the server
 * handed the answer to this one: it is recorded, and the waiting card goes
 * out at once, not after the asker's fetch_timeout. An answer from a
 * resource nobody knows changes nothing. */
START_TEST(stray_disco_answer_recorded)
{
    struct svcfix fx;
    char id[CARD_ID_MAX] = "";
    int receipts = 0;

    setup(&fx);
    send_card_by_message(&fx);
    /* As the other instance would have: the session, no answer here. */
    ck_assert_int_eq(store_online_add(fx.store, B_BARE "/web", B_BARE), 1);
    svcfix_feed(&fx, "<iq type='result' id='cardxd-99' from='" B_BARE
                     "/web' to='" SVCFIX_DOMAIN "'><query xmlns='" NS_DISCO_INFO
                     "'><feature var='" NS_RECEIPTS "'/></query></iq>");
    ck_assert_int_eq(store_online_receipts(fx.store, B_BARE "/web", &receipts),
                     0);
    ck_assert_int_eq(receipts, 1);
    ck_assert_int_eq(deliveries(&fx, B_BARE "/web", id), 1);
    svcfix_feed(&fx,
                "<iq type='result' id='cardxd-98' from='" B_BARE
                "/gone' to='" SVCFIX_DOMAIN "'><query xmlns='" NS_DISCO_INFO
                "'><feature var='" NS_RECEIPTS "'/></query></iq>");
    ck_assert_int_eq(store_online_receipts(fx.store, B_BARE "/gone", &receipts),
                     STORE_ENOTFOUND);
    ck_assert_int_eq(deliveries(&fx, B_BARE "/web", id), 1);
    svcfix_free(&fx);
}
END_TEST

/* Who is online is in the shared database: a presence that came while
 * another process held it is not lost; the user is asked for it again. */
START_TEST(presence_missed_is_asked_again)
{
    struct svcfix fx;
    sqlite3 *db = NULL;
    int online = -1;

    setup(&fx);
    ck_assert_int_eq(store_set_busy_timeout(fx.store, 10), 0);
    ck_assert_int_eq(sqlite3_open(fx.path, &db), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL),
                     SQLITE_OK);
    svcfix_feed(&fx,
                "<presence from='" B_BARE "/phone' to='" SVCFIX_DOMAIN "'/>");
    ck_assert_int_eq(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_close(db), SQLITE_OK);
    ck_assert_int_eq(store_online_count(fx.store, B_BARE, &online, NULL), 0);
    ck_assert_int_eq(online, 0);
    ck_assert_int_eq(service_timeout(fx.svc, fx.now), 1000);
    svcfix_clear_out(&fx);
    fx.now += 1000;
    service_tick(fx.svc, fx.now);
    svcfix_expect(&fx, 0,
                  "/presence[@type='probe'][@to='" B_BARE
                  "'][@from='" SVCFIX_DOMAIN "']");
    ck_assert_int_eq(service_timeout(fx.svc, fx.now), -1);
    svcfix_free(&fx);
}
END_TEST

struct first_item {
    int attempts;
    int64_t handed_at;
};

static int read_first(void *ud, const struct store_inbox_item *item)
{
    struct first_item *f = ud;

    f->attempts = item->attempts;
    f->handed_at = item->handed_at;
    return 1;
}

/* A bounce says the delivery reached nobody: the card waits again, its
 * grace clock and the attempt undone. */
START_TEST(bounce_puts_card_back)
{
    struct svcfix fx;
    struct first_item f = {-1, -1};
    char id[CARD_ID_MAX] = "", xml[512];

    setup(&fx);
    online(&fx, B_BARE "/phone", 0);
    send_card_by_message(&fx);
    ck_assert_int_eq(deliveries(&fx, B_BARE "/phone", id), 1);
    store_inbox_each(fx.store, B_BARE, read_first, &f);
    ck_assert_int_eq(f.attempts, 1);
    ck_assert_int_gt(f.handed_at, 0);
    snprintf(xml, sizeof(xml),
             "<message type='error' id='%s' from='" B_BARE
             "/phone' to='" A_PHONE "@" SVCFIX_DOMAIN
             "'><error type='cancel'><recipient-unavailable "
             "xmlns='" NS_STANZAS "'/></error></message>",
             id);
    svcfix_feed(&fx, xml);
    store_inbox_each(fx.store, B_BARE, read_first, &f);
    ck_assert_int_eq(f.attempts, 0);
    ck_assert_int_eq(f.handed_at, 0);
    ck_assert_int_eq(inbox_count(&fx), 1);
    svcfix_free(&fx);
}
END_TEST

/* The recipient's server refused the card because the recipient blocked
 * the proxy JID there (XEP-0191): the card goes for good, without a
 * receipt; another bounce of the same shape without <blocked/> would have
 * put it back (bounce_puts_card_back). */
START_TEST(bounce_blocked_deletes_card)
{
    struct svcfix fx;
    char id[CARD_ID_MAX] = "", xml[512];

    setup(&fx);
    online(&fx, B_BARE "/phone", 1);
    send_card_by_message(&fx);
    ck_assert_int_eq(deliveries(&fx, B_BARE "/phone", id), 1);
    snprintf(xml, sizeof(xml),
             "<message type='error' id='%s' from='" B_BARE
             "/phone' to='" A_PHONE "@" SVCFIX_DOMAIN
             "'><error type='cancel'><not-acceptable xmlns='" NS_STANZAS
             "'/><blocked xmlns='" NS_BLOCKING_ERRORS "'/></error></message>",
             id);
    svcfix_feed(&fx, xml);
    ck_assert_int_eq(inbox_count(&fx), 0);
    ck_assert_int_eq(sender_receipts(&fx), 0);
    /* Not redelivered at the next resource either. */
    svcfix_clear_out(&fx);
    online(&fx, B_BARE "/laptop", 1);
    ck_assert_int_eq(deliveries(&fx, B_BARE "/laptop", id), 0);
    svcfix_free(&fx);
}
END_TEST

/* A <blocked/> that is not in the error (some payload of the message) is
 * no refusal: the card waits again. */
START_TEST(bounce_blocked_elsewhere_requeues)
{
    struct svcfix fx;
    char id[CARD_ID_MAX] = "", xml[512];

    setup(&fx);
    online(&fx, B_BARE "/phone", 1);
    send_card_by_message(&fx);
    ck_assert_int_eq(deliveries(&fx, B_BARE "/phone", id), 1);
    snprintf(xml, sizeof(xml),
             "<message type='error' id='%s' from='" B_BARE
             "/phone' to='" A_PHONE "@" SVCFIX_DOMAIN
             "'><blocked xmlns='" NS_BLOCKING_ERRORS "'/><error "
             "type='cancel'><service-unavailable xmlns='" NS_STANZAS
             "'/></error></message>",
             id);
    svcfix_feed(&fx, xml);
    ck_assert_int_eq(inbox_count(&fx), 1);
    svcfix_free(&fx);
}
END_TEST

/* Moves every hand-off back by ms, as if that much time had passed. */
static void age_handoffs(struct svcfix *fx, int64_t ms)
{
    sqlite3 *db = NULL;
    char sql[128];

    ck_assert_int_eq(sqlite3_open(fx->path, &db), SQLITE_OK);
    snprintf(sql, sizeof(sql), "UPDATE inbox SET handed_at = handed_at - %lld",
             (long long)ms);
    ck_assert_int_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_close(db), SQLITE_OK);
}

/* The grace period is the admin's explicit policy for clients that never
 * ack: the card is retired when it passes, and the sender is not told it
 * arrived. A card that reached a client that acks is never retired so. */
START_TEST(grace_retires_handed_card)
{
    struct svcfix fx;
    char id[CARD_ID_MAX] = "";
    int timeout;

    setup(&fx);
    fx.cfg->handoff_grace_ms = 2000;
    online(&fx, B_BARE "/phone", 0);
    send_card_by_message(&fx);
    ck_assert_int_eq(deliveries(&fx, B_BARE "/phone", id), 1);
    timeout = service_timeout(fx.svc, fx.now);
    ck_assert_int_gt(timeout, 0);
    ck_assert_int_le(timeout, 2000);
    service_tick(fx.svc, fx.now);
    ck_assert_int_eq(inbox_count(&fx), 1);
    age_handoffs(&fx, 10000);
    service_tick(fx.svc, fx.now + timeout);
    ck_assert_int_eq(inbox_count(&fx), 0);
    ck_assert_int_eq(sender_receipts(&fx), 0);
    ck_assert_int_eq(service_timeout(fx.svc, fx.now + timeout), -1);
    svcfix_free(&fx);
}
END_TEST

START_TEST(acking_client_not_retired)
{
    struct svcfix fx;
    char id[CARD_ID_MAX] = "";

    setup(&fx);
    fx.cfg->handoff_grace_ms = 2000;
    online(&fx, B_BARE "/phone", 1);
    send_card_by_message(&fx);
    ck_assert_int_eq(deliveries(&fx, B_BARE "/phone", id), 1);
    ck_assert_int_eq(service_timeout(fx.svc, fx.now), -1);
    age_handoffs(&fx, 10000);
    service_link_up(fx.svc, fx.now); /* a sweep runs at every link up */
    ck_assert_int_eq(inbox_count(&fx), 1);
    svcfix_free(&fx);
}
END_TEST

static Suite *deliver_suite(void)
{
    Suite *s = suite_create("deliver");
    TCase *tc = tcase_create("evidence");

    tcase_add_test(tc, handoff_keeps_card);
    tcase_add_test(tc, delivery_carries_the_stored_card);
    tcase_add_test(tc, receipt_without_advertising);
    tcase_add_test(tc, unanswered_disco_keeps_card);
    tcase_add_test(tc, stray_disco_answer_recorded);
    tcase_add_test(tc, presence_missed_is_asked_again);
    tcase_add_test(tc, bounce_puts_card_back);
    tcase_add_test(tc, bounce_blocked_deletes_card);
    tcase_add_test(tc, bounce_blocked_elsewhere_requeues);
    tcase_add_test(tc, grace_retires_handed_card);
    tcase_add_test(tc, acking_client_not_retired);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(deliver_suite)
