/* Unit tests of cardxd's store for updates and profiles: shares, the one
 * pending update per sender and number that each edit overwrites, the
 * recipient's choice, and profiles, each on a fresh database file. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "component/store_share.h"
#include "tests/lib/runner.h"
#include "tests/lib/tmpdb.h"

#define ALICE "alice@example.test"
#define BOB "bob@example.test"
#define CARD_A "<vCard xmlns='vcard-temp'><FN>Alice</FN></vCard>"

static struct store *db_open(const struct tmpdb *d)
{
    struct store *st = NULL;
    char *err = NULL;
    int rc = store_open(d->path, "normal", &st, &err);

    ck_assert_msg(rc == 0, "store_open: %d %s", rc, err ? err : "");
    return st;
}

/* Alice (+15550001) and Bob (+15550002), Alice's card shared with Bob. */
static struct store *fixture(struct tmpdb *d)
{
    struct store *st;
    struct store_share s = {.card_id = "card-1", .vcard = CARD_A};

    tmpdb_init(d);
    st = db_open(d);
    ck_assert_int_eq(store_user_register(st, "+15550001", ALICE, 100), 0);
    ck_assert_int_eq(store_user_register(st, "+15550002", BOB, 101), 0);
    ck_assert_int_eq(store_share_put(st, ALICE, "+15550002", &s, 102), 0);
    return st;
}

static int count_share(void *ud, const struct store_share *s)
{
    ck_assert_str_eq(s->recipient_phone, "+15550002");
    ck_assert_ptr_null(s->profile);
    (*(int *)ud)++;
    return 0;
}

/* An update for Bob from Alice, created at when. */
static struct store_inbox_item update(const char *id, const char *updates,
                                      const char *changed, int64_t when)
{
    struct store_inbox_item it = {0};

    it.card_id = (char *)id;
    it.recipient_phone = "+15550002";
    it.sender_phone = "+15550001";
    it.sender_jid = ALICE;
    it.vcard = CARD_A;
    it.created = when;
    it.updates = (char *)updates;
    it.changed = (char *)changed;
    return it;
}

/* Two edits while Bob is away: one row, the second's id and card, the
 * first's reference; a choice of off hides the share and drops it. */
START_TEST(update_coalesces)
{
    struct tmpdb d;
    struct store *st = fixture(&d);
    struct store_inbox_item u1 = update("card-u1", "card-1", "title", 200);
    struct store_inbox_item u2 = update("card-u2", "card-u1", "email", 300);
    char *changed = NULL;
    int n = 0;

    ck_assert_int_eq(store_update_put(st, &u1), 0);
    ck_assert_int_eq(store_update_put(st, &u2), 0);
    ck_assert_int_eq(tmpdb_int(&d, "SELECT count(*) FROM inbox"), 1);
    ck_assert_int_eq(tmpdb_int(&d, "SELECT count(*) FROM inbox WHERE "
                                   "card_id = 'card-u2' AND updates = "
                                   "'card-1' AND created_at = 300"),
                     1);
    ck_assert_int_eq(store_update_pending(st, "+15550002", ALICE, &changed), 0);
    ck_assert_str_eq(changed, "email");
    free(changed);
    ck_assert_int_eq(
        store_share_advance(st, ALICE, "+15550002", "card-u2", CARD_A), 0);
    ck_assert_int_eq(store_share_each(st, ALICE, count_share, &n), 0);
    ck_assert_int_eq(n, 1);

    ck_assert_int_eq(store_share_set_updates(st, BOB, "+15550001", 0), 0);
    ck_assert_int_eq(store_update_drop(st, BOB, "+15550001"), 0);
    ck_assert_int_eq(tmpdb_int(&d, "SELECT count(*) FROM inbox"), 0);
    n = 0;
    ck_assert_int_eq(store_share_each(st, ALICE, count_share, &n), 0);
    ck_assert_int_eq(n, 0);
    ck_assert_int_eq(store_share_set_updates(st, BOB, "+15559999", 1),
                     STORE_ENOTFOUND);
    ck_assert_int_eq(store_update_pending(st, "+15550002", ALICE, &changed),
                     STORE_ENOTFOUND);
    store_free(st);
    tmpdb_remove(&d);
}
END_TEST

/* A card still waiting becomes the update: its note stays. */
START_TEST(update_over_waiting_card)
{
    struct tmpdb d;
    struct store *st = fixture(&d);
    struct store_inbox_item card = update("card-1", NULL, NULL, 100);
    struct store_inbox_item u = update("card-u1", "card-1", "name", 200);

    card.note = "hello";
    ck_assert_int_eq(store_inbox_push(st, &card), 0);
    ck_assert_int_eq(store_update_put(st, &u), 0);
    ck_assert_int_eq(tmpdb_int(&d, "SELECT count(*) FROM inbox WHERE "
                                   "card_id = 'card-u1' AND note = 'hello' "
                                   "AND updates = 'card-1'"),
                     1);
    /* Unregistering either side forgets the share. */
    ck_assert_int_eq(store_user_remove(st, BOB), 0);
    ck_assert_int_eq(tmpdb_int(&d, "SELECT count(*) FROM shares"), 0);
    store_free(st);
    tmpdb_remove(&d);
}
END_TEST

static int count_profile(void *ud, const char *name, const char *fields,
                         int is_default)
{
    ck_assert_str_eq(name, "work");
    ck_assert_str_eq(fields, "name org");
    ck_assert_int_eq(is_default, 1);
    (*(int *)ud)++;
    return 0;
}

START_TEST(profiles)
{
    struct tmpdb d;
    struct store *st = fixture(&d);
    char *fields = NULL, *name = NULL;
    int n = 0;

    ck_assert_int_eq(store_profile_default(st, ALICE, &name, &fields),
                     STORE_ENOTFOUND);
    ck_assert_int_eq(store_profile_put(st, ALICE, "work", "name"), 0);
    ck_assert_int_eq(store_profile_put(st, ALICE, "work", "name org"), 0);
    ck_assert_int_eq(store_profile_put(st, "nobody@x", "work", "name"),
                     STORE_ENOTFOUND);
    ck_assert_int_eq(store_profile_get(st, ALICE, "work", &fields), 0);
    ck_assert_str_eq(fields, "name org");
    free(fields);
    ck_assert_int_eq(store_profile_set_default(st, ALICE, "work"), 0);
    ck_assert_int_eq(store_profile_default(st, ALICE, &name, &fields), 0);
    ck_assert_str_eq(name, "work");
    free(name);
    free(fields);
    ck_assert_int_eq(store_profile_each(st, ALICE, count_profile, &n), 0);
    ck_assert_int_eq(n, 1);
    ck_assert_int_eq(store_profile_delete(st, ALICE, "work"), 0);
    ck_assert_int_eq(store_profile_delete(st, ALICE, "work"), STORE_ENOTFOUND);
    ck_assert_int_eq(store_profile_get(st, ALICE, "work", &fields),
                     STORE_ENOTFOUND);
    store_free(st);
    tmpdb_remove(&d);
}
END_TEST

static Suite *store_share_suite(void)
{
    Suite *s = suite_create("store_share");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, update_coalesces);
    tcase_add_test(tc, update_over_waiting_card);
    tcase_add_test(tc, profiles);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(store_share_suite)
