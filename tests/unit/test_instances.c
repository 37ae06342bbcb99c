/* Unit tests for several cardxd instances on one database: two store
 * handles on one SQLite file, as two processes would have, claiming the
 * same cards, sharing sessions, taking over a dead instance and counting
 * one account's sends. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "component/service.h"
#include "component/store.h"
#include "component/store_consent.h"
#include "tests/lib/runner.h"
#include "tests/lib/stanza_match.h"
#include "tests/lib/svcfix.h"
#include "tests/lib/tmpdb.h"
#include "xep/ns.h"

#define LEASE 1000         /* ms */
#define T0 1700000000000LL /* unix ms */
#define BOB "bob@example.test"
#define BOB_PHONE "+15550002"

struct two {
    struct tmpdb d;
    struct store *a, *b;
};

static struct store *open_as(const struct tmpdb *d, const char *id)
{
    struct store *st = NULL;
    char *err = NULL;

    ck_assert_int_eq(store_open(d->path, "normal", &st, &err), 0);
    ck_assert_ptr_null(err);
    ck_assert_int_eq(store_instance_set(st, id), 0);
    ck_assert_str_eq(store_instance(st), id);
    return st;
}

/* Instances "a" and "b" on one file, with alice, bob and a card for bob. */
static void two_open(struct two *t)
{
    struct store_inbox_item it = {0};

    tmpdb_init(&t->d);
    t->a = open_as(&t->d, "a");
    t->b = open_as(&t->d, "b");
    ck_assert_int_eq(
        store_user_register(t->a, "+15550001", "alice@example.test", 1), 0);
    ck_assert_int_eq(store_user_register(t->a, BOB_PHONE, BOB, 1), 0);
    it.card_id = "c1";
    it.recipient_jid = BOB;
    it.sender_phone = "+15550001";
    it.sender_jid = "alice@example.test";
    it.vcard = "<vCard xmlns='vcard-temp'><FN>Alice</FN></vCard>";
    it.created = T0 / 1000;
    ck_assert_int_eq(store_inbox_push(t->a, &it), 0);
}

static void two_close(struct two *t)
{
    store_free(t->a);
    store_free(t->b);
    tmpdb_remove(&t->d);
}

static void expect_claimant(struct store *st, const char *id)
{
    char *by = NULL;
    int64_t until = 0;

    ck_assert_int_eq(store_inbox_claimant(st, "c1", &by, &until), 0);
    if (id)
        ck_assert_str_eq(by, id);
    else
        ck_assert_ptr_null(by);
    free(by);
}

/* Of two instances claiming one card, one wins; the winner may claim it
 * again; the loser wins once the hold ran out or was let go. */
START_TEST(claim_one_wins)
{
    struct two t;

    two_open(&t);
    ck_assert_int_eq(store_inbox_claim(t.a, "c1", T0, LEASE), 1);
    ck_assert_int_eq(store_inbox_claim(t.b, "c1", T0, LEASE), 0);
    ck_assert_int_eq(store_inbox_claim(t.b, "c1", T0 + LEASE, LEASE), 0);
    expect_claimant(t.b, "a");
    ck_assert_int_eq(store_inbox_claim(t.a, "c1", T0 + 10, LEASE), 1);
    /* a's hold now ends at T0 + 10 + LEASE. */
    ck_assert_int_eq(store_inbox_claim(t.b, "c1", T0 + LEASE + 5, LEASE), 0);
    ck_assert_int_eq(store_inbox_claim(t.b, "c1", T0 + LEASE + 11, LEASE), 1);
    expect_claimant(t.a, "b");
    ck_assert_int_eq(store_inbox_claim(t.a, "c1", T0 + LEASE + 12, LEASE), 0);
    /* Only the holder lets go. */
    ck_assert_int_eq(store_inbox_unclaim(t.a, "c1"), 0);
    expect_claimant(t.a, "b");
    ck_assert_int_eq(store_inbox_unclaim(t.b, "c1"), 0);
    expect_claimant(t.a, NULL);
    ck_assert_int_eq(store_inbox_claim(t.a, "c1", T0 + LEASE + 13, LEASE), 1);
    /* An acknowledged card is gone for both. */
    ck_assert_int_eq(store_inbox_take(t.b, BOB, "c1", NULL), 0);
    ck_assert_int_eq(store_inbox_claim(t.a, "c1", T0, LEASE), STORE_ENOTFOUND);
    ck_assert_int_eq(store_inbox_claim(t.b, "c1", T0, LEASE), STORE_ENOTFOUND);
    two_close(&t);
}
END_TEST

/* Pushes card id for bob from sender (a number) at jid. */
static void push_card(struct store *st, const char *id, const char *sender,
                      const char *jid)
{
    struct store_inbox_item it = {0};

    it.card_id = (char *)id;
    it.recipient_jid = BOB;
    it.sender_phone = (char *)sender;
    it.sender_jid = (char *)jid;
    it.vcard = "<vCard xmlns='vcard-temp'><FN>Carol</FN></vCard>";
    it.created = T0 / 1000;
    ck_assert_int_eq(store_inbox_push(st, &it), 0);
}

/* A flush's claim of a whole inbox takes only the cards nobody else holds
 * and that are not held for consent, and returns their ids sorted. */
START_TEST(claim_all_takes_free_cards)
{
    struct two t;
    struct strv ids = {0};

    two_open(&t);
    push_card(t.a, "c3", "+15550003", "c3@example.test");
    push_card(t.a, "c2", "+15550004", "c2@example.test");
    push_card(t.a, "c4", "+15550005", "c4@example.test");
    ck_assert_int_eq(store_consent_set_held(t.a, "c4", 1), 0);
    ck_assert_int_eq(store_inbox_claim(t.b, "c3", T0, LEASE), 1);
    ck_assert_int_eq(store_inbox_claim_all(t.a, BOB, T0, LEASE, &ids), 0);
    ck_assert_uint_eq(ids.n, 2);
    ck_assert_str_eq(ids.v[0], "c1");
    ck_assert_str_eq(ids.v[1], "c2");
    strv_clear(&ids);
    expect_claimant(t.b, "a");
    /* What a holds, b cannot take until a's hold runs out. */
    ck_assert_int_eq(store_inbox_claim_all(t.b, BOB, T0 + 1, LEASE, &ids), 0);
    ck_assert_uint_eq(ids.n, 1);
    ck_assert_str_eq(ids.v[0], "c3");
    strv_clear(&ids);
    ck_assert_int_eq(
        store_inbox_claim_all(t.b, BOB, T0 + LEASE + 1, LEASE, &ids), 0);
    ck_assert_uint_eq(ids.n, 3);
    strv_clear(&ids);
    expect_claimant(t.a, "b");
    two_close(&t);
}
END_TEST

/* A flush's marks in one statement count only the cards it claimed as of
 * its claims and still holds: not one it let go, nor another's. */
START_TEST(mark_claimed_counts_held_cards)
{
    struct two t;
    struct strv ids = {0};
    int64_t marked = -1;

    two_open(&t);
    push_card(t.a, "c2", "+15550004", "c2@example.test");
    push_card(t.a, "c3", "+15550003", "c3@example.test");
    ck_assert_int_eq(store_inbox_claim(t.b, "c3", T0, LEASE), 1);
    ck_assert_int_eq(store_inbox_claim_all(t.a, BOB, T0, LEASE, &ids), 0);
    ck_assert_uint_eq(ids.n, 2);
    strv_clear(&ids);
    ck_assert_int_eq(store_inbox_unclaim(t.a, "c2"), 0);
    ck_assert_int_eq(
        store_inbox_mark_claimed(t.a, BOB, T0 + LEASE, T0, &marked), 0);
    ck_assert_int_eq(marked, 1);
    /* Another hold (a later claim) is not this flush's. */
    ck_assert_int_eq(
        store_inbox_mark_claimed(t.a, BOB, T0 + LEASE + 1, T0, &marked), 0);
    ck_assert_int_eq(marked, 0);
    ck_assert_int_eq(store_inbox_handed_first(t.b, &marked), 0);
    ck_assert_int_eq(marked, T0);
    two_close(&t);
}
END_TEST

/* Both instances see every session; a presence seen by another instance
 * makes the session its own; each clears only its own. */
START_TEST(sessions_shared)
{
    struct two t;
    int online = 0;

    two_open(&t);
    ck_assert_int_eq(store_online_add(t.a, BOB "/phone", BOB), 1);
    ck_assert_int_eq(store_online_add(t.a, BOB "/desk", BOB), 1);
    ck_assert_int_eq(store_online_count(t.b, BOB, &online, NULL), 0);
    ck_assert_int_eq(online, 2);
    ck_assert_int_eq(store_online_add(t.b, BOB "/desk", BOB), 0);
    ck_assert_int_eq(store_online_set_receipts(t.b, BOB "/phone", 1), 0);
    ck_assert_int_eq(store_online_clear(t.a), 0);
    ck_assert_int_eq(store_online_count(t.a, BOB, &online, NULL), 0);
    ck_assert_int_eq(online, 1); /* the desk is b's now */
    ck_assert_int_eq(store_online_remove(t.a, BOB "/desk"), 0);
    ck_assert_int_eq(store_online_count(t.b, BOB, &online, NULL), 0);
    ck_assert_int_eq(online, 0);
    two_close(&t);
}
END_TEST

/* a stops beating: while its lease holds nothing is taken; once it ran
 * out, b takes its sessions (users to probe) and its claims (numbers to
 * flush), once; b's own sessions and one a handed to b stay. */
START_TEST(expired_lease_taken_over)
{
    struct two t;
    struct strv bares = {0}, phones = {0};
    int64_t live = 0;
    int online = 0;

    two_open(&t);
    ck_assert_int_eq(store_instance_beat(t.a, T0, LEASE), 0);
    ck_assert_int_eq(store_instance_beat(t.b, T0, LEASE), 0);
    ck_assert_int_eq(store_online_add(t.a, BOB "/phone", BOB), 1);
    ck_assert_int_eq(
        store_online_add(t.a, "alice@example.test/x", "alice@example.test"), 1);
    ck_assert_int_eq(
        store_online_add(t.a, "alice@example.test/y", "alice@example.test"), 1);
    ck_assert_int_eq(
        store_online_add(t.b, "carol@example.test/z", "carol@example.test"), 1);
    ck_assert_int_eq(store_inbox_claim(t.a, "c1", T0, LEASE), 1);
    ck_assert_int_eq(store_instance_live(t.b, T0, &live), 0);
    ck_assert_int_eq(live, 2);

    ck_assert_int_eq(store_instance_beat(t.b, T0 + LEASE, LEASE), 0);
    ck_assert_int_eq(
        store_instance_take_over(t.b, T0 + LEASE, 16, &bares, &phones), 0);
    ck_assert_uint_eq(bares.n + phones.n, 0);

    ck_assert_int_eq(store_instance_beat(t.b, T0 + 2 * LEASE, LEASE), 0);
    ck_assert_int_eq(
        store_instance_take_over(t.b, T0 + 2 * LEASE, 16, &bares, &phones), 1);
    ck_assert_uint_eq(bares.n, 3); /* alice twice: the caller merges them */
    ck_assert_uint_eq(phones.n, 1);
    ck_assert_str_eq(phones.v[0], BOB_PHONE);
    ck_assert_int_eq(store_online_count(t.b, BOB, &online, NULL), 0);
    ck_assert_int_eq(online, 0);
    ck_assert_int_eq(
        store_online_count(t.b, "carol@example.test", &online, NULL), 0);
    ck_assert_int_eq(online, 1);
    expect_claimant(t.b, NULL);
    ck_assert_int_eq(store_instance_live(t.b, T0 + 2 * LEASE, &live), 0);
    ck_assert_int_eq(live, 1);
    strv_clear(&bares);
    strv_clear(&phones);

    /* Nothing is taken twice, by b or by anyone else. */
    ck_assert_int_eq(
        store_instance_take_over(t.b, T0 + 3 * LEASE, 16, &bares, &phones), 0);
    ck_assert_uint_eq(bares.n + phones.n, 0);
    /* a comes back (a pause, not a death): it beats and serves again. */
    ck_assert_int_eq(store_instance_beat(t.a, T0 + 3 * LEASE + 1, LEASE), 0);
    ck_assert_int_eq(store_instance_live(t.a, T0 + 3 * LEASE + 1, &live), 0);
    ck_assert_int_eq(live, 1); /* b has not beaten since T0 + 2 LEASE */
    two_close(&t);
}
END_TEST

/* An instance that died before its first heartbeat left sessions with no
 * lease at all: they are taken at once. A clean stop leaves nothing. */
START_TEST(no_lease_and_leave)
{
    struct two t;
    struct strv bares = {0}, phones = {0};
    int online = 0;

    two_open(&t);
    ck_assert_int_eq(store_online_add(t.a, BOB "/phone", BOB), 1);
    ck_assert_int_eq(store_instance_beat(t.b, T0, LEASE), 0);
    ck_assert_int_eq(store_instance_take_over(t.b, T0, 16, &bares, &phones), 1);
    ck_assert_uint_eq(bares.n, 1);
    ck_assert_str_eq(bares.v[0], BOB);
    strv_clear(&bares);

    ck_assert_int_eq(store_instance_beat(t.a, T0, LEASE), 0);
    ck_assert_int_eq(store_online_add(t.a, BOB "/phone", BOB), 1);
    ck_assert_int_eq(store_inbox_claim(t.a, "c1", T0, LEASE), 1);
    ck_assert_int_eq(store_instance_leave(t.a), 0);
    ck_assert_int_eq(store_online_count(t.b, BOB, &online, NULL), 0);
    ck_assert_int_eq(online, 0);
    expect_claimant(t.b, NULL);
    ck_assert_int_eq(
        store_instance_take_over(t.b, T0 + 5 * LEASE, 16, &bares, &phones), 0);
    ck_assert_uint_eq(bares.n + phones.n, 0);
    two_close(&t);
}
END_TEST

static int collect(void *ud, const char *bare)
{
    return strv_push(ud, bare);
}

/* A card never delivered whose recipient is online is found once it had
 * the time to go the usual way, if recent; a held-by-another one is not. */
START_TEST(missed_cards_found)
{
    struct two t;
    struct strv seen = {0};
    int64_t now = T0 + 10 * LEASE;

    two_open(&t);
    ck_assert_int_eq(store_online_add(t.a, BOB "/phone", BOB), 1);
    /* The session is newer than settled: the usual path still runs. */
    ck_assert_int_eq(
        store_inbox_missed(t.b, T0 - LEASE, T0, now, 10, collect, &seen), 0);
    ck_assert_uint_eq(seen.n, 0);
    ck_assert_int_eq(store_inbox_missed(t.b, T0 - LEASE, clock_wall_ms() + 1,
                                        clock_wall_ms(), 10, collect, &seen),
                     0);
    ck_assert_uint_eq(seen.n, 1);
    ck_assert_str_eq(seen.v[0], BOB);
    strv_clear(&seen);
    ck_assert_int_eq(store_inbox_claim(t.a, "c1", clock_wall_ms(), 60000), 1);
    ck_assert_int_eq(store_inbox_missed(t.b, T0 - LEASE, clock_wall_ms() + 1,
                                        clock_wall_ms(), 10, collect, &seen),
                     0);
    ck_assert_uint_eq(seen.n, 0);
    ck_assert_int_eq(store_inbox_mark_sent(t.a, "c1", 0), 0);
    ck_assert_int_eq(store_inbox_unclaim(t.a, "c1"), 0);
    ck_assert_int_eq(store_inbox_missed(t.b, T0 - LEASE, clock_wall_ms() + 1,
                                        clock_wall_ms(), 10, collect, &seen),
                     0);
    ck_assert_uint_eq(seen.n, 0); /* delivered once: not missed */
    two_close(&t);
}
END_TEST

/* Two instances count one account's send from the same read: the second
 * write finds the window changed and must read again. */
START_TEST(window_swap_races)
{
    struct two t;
    int64_t started = 0, used = 0;

    two_open(&t);
    ck_assert_int_eq(store_window_swap(t.a, BOB, 0, -1, 0, T0, 1), 1);
    ck_assert_int_eq(store_window_swap(t.b, BOB, 0, -1, 0, T0, 1), 0);
    ck_assert_int_eq(store_window_get(t.b, BOB, 0, &started, &used), 0);
    ck_assert_int_eq(store_window_swap(t.b, BOB, 0, started, used, T0, 2), 1);
    ck_assert_int_eq(store_window_swap(t.a, BOB, 0, T0, 1, T0, 2), 0);
    ck_assert_int_eq(store_window_uncount(t.a, BOB, 0, T0), 0);
    ck_assert_int_eq(store_window_get(t.a, BOB, 0, &started, &used), 0);
    ck_assert_int_eq(used, 1);
    two_close(&t);
}
END_TEST

/* An answer kept by one instance is taken once, by the asker's id and
 * whom it asked, and forgotten when old. */
START_TEST(answers_kept_and_taken)
{
    struct two t;
    char *xml = NULL;

    two_open(&t);
    ck_assert_int_eq(store_answer_put(t.b, "a-1", BOB, "<iq/>", T0), 0);
    ck_assert_int_eq(store_answer_put(t.b, "a-1", BOB, "<iq id='x'/>", T0), 0);
    ck_assert_int_eq(store_answer_take(t.a, "a-1", "x@example.test", &xml), 0);
    ck_assert_ptr_null(xml);
    ck_assert_int_eq(store_answer_take(t.a, "a-1", BOB, &xml), 1);
    ck_assert_str_eq(xml, "<iq/>");
    free(xml);
    ck_assert_int_eq(store_answer_take(t.a, "a-1", BOB, &xml), 0);
    ck_assert_int_eq(store_answer_put(t.b, "a-2", BOB, "<iq/>", T0), 0);
    ck_assert_int_eq(store_answer_prune(t.a, T0 + 1), 0);
    ck_assert_int_eq(store_answer_take(t.a, "a-2", BOB, &xml), 0);
    two_close(&t);
}
END_TEST

/* A send waits for the sender's vCard; the server handed the answer to
 * another instance, which kept it: this one picks it up within a poll and
 * answers the send, not after fetch_timeout. */
START_TEST(relayed_vcard_completes_send)
{
    struct svcfix fx;
    struct store *other = NULL;
    char *err = NULL, *id, xml[512];
    int timeout;

    svcfix_init(&fx);
    ck_assert_int_eq(
        store_user_register(fx.store, "+8613800138000", "a@example.test", 1),
        0);
    ck_assert_int_eq(
        store_user_register(fx.store, "+8613900139000", "b@example.test", 1),
        0);
    ck_assert_int_eq(store_open(fx.path, "normal", &other, &err), 0);
    ck_assert_int_eq(store_instance_set(other, "other"), 0);
    ck_assert_int_eq(store_instance_beat(other, clock_wall_ms(), 60000), 0);
    service_link_up(fx.svc, fx.now);
    /* The start-up probe, a page per tick. */
    for (int i = 0; i < 10 && service_timeout(fx.svc, fx.now) == 0; i++)
        service_tick(fx.svc, fx.now);
    svcfix_clear_out(&fx);
    svcfix_feed(&fx, "<iq type='set' id='s1' from='a@example.test/x' "
                     "to='" SVCFIX_DOMAIN "'><send xmlns='" NS_CARDX
                     "' to='+8613900139000'/></iq>");
    svcfix_expect(&fx, 0,
                  "/iq[@type='get'][@to='a@example.test']/{" NS_VCARD "}vCard");
    id = stanza_match_text(fx.out[0], "/iq/@id");
    ck_assert_ptr_nonnull(id);
    /* A poll away, not fetch_timeout. */
    timeout = service_timeout(fx.svc, fx.now);
    ck_assert_int_ge(timeout, 0);
    ck_assert_int_le(timeout, 100);
    snprintf(
        xml, sizeof(xml),
        "<iq type='result' id='%s' from='a@example.test' to='" SVCFIX_DOMAIN
        "'><vCard xmlns='vcard-temp'><FN>Alice</FN></vCard></iq>",
        id);
    ck_assert_int_eq(
        store_answer_put(other, id, "a@example.test", xml, clock_wall_ms()), 0);
    fx.now += timeout;
    service_tick(fx.svc, fx.now);
    svcfix_expect(&fx, -1,
                  "/iq[@type='result'][@id='s1']/{" NS_CARDX
                  "}sent[@status='queued']");
    ck_assert_int_eq(store_answer_take(other, id, "a@example.test", &err), 0);
    free(id);
    store_free(other);
    svcfix_free(&fx);
}
END_TEST

static Suite *instances_suite(void)
{
    Suite *s = suite_create("instances");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, claim_one_wins);
    tcase_add_test(tc, claim_all_takes_free_cards);
    tcase_add_test(tc, mark_claimed_counts_held_cards);
    tcase_add_test(tc, sessions_shared);
    tcase_add_test(tc, expired_lease_taken_over);
    tcase_add_test(tc, no_lease_and_leave);
    tcase_add_test(tc, missed_cards_found);
    tcase_add_test(tc, window_swap_races);
    tcase_add_test(tc, answers_kept_and_taken);
    tcase_add_test(tc, relayed_vcard_completes_send);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(instances_suite)
