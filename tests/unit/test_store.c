/* Unit tests for cardxd's SQLite store and the migration machinery, each on
 * a fresh database file under a temporary directory. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include <unistd.h>

#include "component/db.h"
#include "component/store.h"
#include "sql/migrations.h"
#include "tests/lib/runner.h"
#include "tests/lib/tmpdb.h"

static struct store *db_open(const struct tmpdb *d)
{
    struct store *st = NULL;
    char *err = NULL;
    int rc = store_open(d->path, "normal", &st, &err);

    ck_assert_msg(rc == 0, "store_open: %d %s", rc, err ? err : "");
    ck_assert_ptr_null(err);
    ck_assert_ptr_nonnull(st);
    return st;
}

/* A card to recipient, from a sender of its own (a recipient holds one
 * card per sender); strings are literals, not owned. */
static struct store_inbox_item card(const char *card_id, const char *to)
{
    struct store_inbox_item it = {0};

    it.card_id = (char *)card_id;
    it.recipient_jid = (char *)to;
    it.sender_phone = "+14155550100";
    it.sender_jid = (char *)card_id;
    it.vcard = "<vCard xmlns='vcard-temp'><FN>Carol</FN></vCard>";
    it.created = 1700000000;
    return it;
}

/* Registers alice and bob, the two users most tests need. */
static void two_users(struct store *st)
{
    ck_assert_int_eq(
        store_user_register(st, "+15550001", "alice@example.test", 100), 0);
    ck_assert_int_eq(
        store_user_register(st, "+15550002", "bob@example.test", 101), 0);
}

/* The store opens on a driver found by its "[storage] driver" name, and
 * that driver's dialect is the one its statements are in. */
START_TEST(driver_by_name)
{
    const struct db_driver *drv = db_driver_find("sqlite");
    struct tmpdb d;
    struct store *st = NULL;
    sqlite3 *other = NULL;
    char *err = NULL;

    ck_assert_ptr_eq(drv, &db_sqlite);
    ck_assert_ptr_null(db_driver_find("oracle"));
    ck_assert_ptr_null(db_driver_find(""));
    tmpdb_init(&d);
    ck_assert_int_eq(store_open_driver(drv, d.path, "normal", &st, &err), 0);
    ck_assert_ptr_null(err);
    /* SQLite's BEGIN takes the write lock at once (its override). */
    ck_assert_int_eq(store_begin(st), 0);
    ck_assert(store_in_transaction(st));
    ck_assert_int_eq(sqlite3_open(d.path, &other), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL),
                     SQLITE_BUSY);
    ck_assert_int_eq(sqlite3_close(other), SQLITE_OK);
    ck_assert_int_eq(store_rollback(st), 0);
    ck_assert(!store_in_transaction(st));
    store_free(st);
    tmpdb_remove(&d);
}
END_TEST

START_TEST(migrations_applied)
{
    struct tmpdb d;
    struct store *st;
    char *jid = NULL;

    tmpdb_init(&d);
    st = db_open(&d);
    ck_assert_int_eq(
        store_user_register(st, "+15550001", "alice@example.test", 1), 0);
    store_free(st);
    ck_assert_uint_gt(component_migrations_count, 0);
    ck_assert_int_eq(tmpdb_int(&d, "PRAGMA user_version"),
                     (int64_t)component_migrations_count);
    ck_assert_int_eq(tmpdb_int(&d, "SELECT count(*) FROM sqlite_master WHERE "
                                   "name IN ('users', 'cards', 'inbox', "
                                   "'inbox_recipient')"),
                     4);
    /* Who is online is shared by the instances on the file. */
    ck_assert_int_eq(tmpdb_int(&d, "SELECT count(*) FROM sqlite_master "
                                   "WHERE name IN ('sessions', 'instances')"),
                     2);
    ck_assert_int_eq(tmpdb_int(&d, "SELECT journal_mode = 'wal' "
                                   "FROM pragma_journal_mode"),
                     1);

    /* Reopening applies nothing twice and keeps the data. */
    st = db_open(&d);
    ck_assert_int_eq(store_user_jid(st, "+15550001", &jid), 0);
    ck_assert_str_eq(jid, "alice@example.test");
    free(jid);
    store_free(st);
    ck_assert_int_eq(tmpdb_int(&d, "PRAGMA user_version"),
                     (int64_t)component_migrations_count);
    tmpdb_remove(&d);
}
END_TEST

START_TEST(newer_schema_refused)
{
    struct tmpdb d;
    struct store *st = (struct store *)&d; /* must be reset to NULL */
    char *err = NULL;
    char sql[64];

    tmpdb_init(&d);
    store_free(db_open(&d));
    snprintf(sql, sizeof sql, "PRAGMA user_version = %zu",
             component_migrations_count + 1);
    tmpdb_exec(&d, sql);
    ck_assert_int_eq(store_open(d.path, "normal", &st, &err), STORE_EDB);
    ck_assert_ptr_null(st);
    ck_assert_ptr_nonnull(err);
    ck_assert_msg(strstr(err, "newer") != NULL, "unclear error: %s", err);
    free(err);
    ck_assert_int_eq(tmpdb_int(&d, "PRAGMA user_version"),
                     (int64_t)component_migrations_count + 1);
    tmpdb_remove(&d);
}
END_TEST

START_TEST(synchronous_setting)
{
    struct tmpdb d;
    struct store *st = NULL;
    char *err = NULL;

    tmpdb_init(&d);
    ck_assert_int_lt(store_open(d.path, "off", &st, &err), 0);
    ck_assert_ptr_null(st);
    ck_assert_ptr_nonnull(strstr(err, "synchronous"));
    free(err);
    err = NULL;
    ck_assert_int_eq(store_open(d.path, "FULL", &st, &err), 0);
    ck_assert_ptr_null(err);
    store_free(st);
    store_free(NULL);
    tmpdb_remove(&d);
}
END_TEST

START_TEST(not_a_database)
{
    struct tmpdb d;
    struct store *st = NULL;
    char *err = NULL;
    FILE *f;

    tmpdb_init(&d);
    f = fopen(d.path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("this is not an SQLite database, just some text long enough "
          "to fill a header\n",
          f);
    ck_assert_int_eq(fclose(f), 0);
    ck_assert_int_eq(store_open(d.path, "normal", &st, &err), STORE_EDB);
    ck_assert_ptr_null(st);
    ck_assert_msg(strstr(err, d.path) && strstr(err, "not a database"),
                  "unclear error: %s", err);
    free(err);
    tmpdb_remove(&d);
}
END_TEST

/* migrate_apply on its own: a failing script leaves the previous version
 * intact, and a later run continues from there. */
START_TEST(migrate_rolls_back)
{
    static const struct migration bad[] = {
        {1, "CREATE TABLE a (x INTEGER);"},
        {2, "CREATE TABLE b (y INTEGER); INSERT INTO nowhere VALUES (1);"},
    };
    static const struct migration good[] = {
        {1, "CREATE TABLE a (x INTEGER);"},
        {2, "CREATE TABLE b (y INTEGER);"},
    };
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;
    char *err = NULL;

    ck_assert_int_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
    ck_assert_int_eq(migrate_apply(db, bad, 2, &err), -1);
    ck_assert_ptr_nonnull(strstr(err, "migration 2"));
    free(err);
    ck_assert_int_eq(sqlite3_prepare_v2(db,
                                        "SELECT (SELECT user_version FROM "
                                        "pragma_user_version), (SELECT "
                                        "count(*) FROM sqlite_master)",
                                        -1, &s, NULL),
                     SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
    ck_assert_int_eq(sqlite3_column_int(s, 0), 1);
    ck_assert_int_eq(sqlite3_column_int(s, 1), 1); /* a, not b */
    ck_assert_int_eq(sqlite3_reset(s), SQLITE_OK);
    ck_assert_int_eq(sqlite3_get_autocommit(db), 1);

    ck_assert_int_eq(migrate_apply(db, good, 2, &err), 0);
    ck_assert_ptr_null(err);
    ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
    ck_assert_int_eq(sqlite3_column_int(s, 0), 2);
    ck_assert_int_eq(sqlite3_column_int(s, 1), 2);
    ck_assert_int_eq(sqlite3_finalize(s), SQLITE_OK);
    ck_assert_int_eq(migrate_apply(db, good, 1, &err), -1);
    ck_assert_ptr_nonnull(strstr(err, "newer"));
    free(err);
    ck_assert_int_eq(sqlite3_close(db), SQLITE_OK);
}
END_TEST

START_TEST(register_lookup)
{
    struct tmpdb d;
    struct store *st;
    char *s = (char *)"unset";

    tmpdb_init(&d);
    st = db_open(&d);
    two_users(st);
    ck_assert_int_eq(store_user_jid(st, "+15550002", &s), 0);
    ck_assert_str_eq(s, "bob@example.test");
    free(s);
    ck_assert_int_eq(store_user_phone(st, "alice@example.test", &s), 0);
    ck_assert_str_eq(s, "+15550001");
    free(s);
    ck_assert_int_eq(store_user_jid(st, "+15559999", &s), STORE_ENOTFOUND);
    ck_assert_ptr_null(s);
    ck_assert_int_eq(store_user_phone(st, "nobody@example.test", &s),
                     STORE_ENOTFOUND);
    ck_assert_ptr_null(s);
    /* The same pair again is a no-op, not a conflict. */
    ck_assert_int_eq(
        store_user_register(st, "+15550001", "alice@example.test", 200), 0);
    ck_assert_int_eq(tmpdb_int(&d, "SELECT count(*) FROM users"), 2);
    store_free(st);
    tmpdb_remove(&d);
}
END_TEST

START_TEST(register_conflict)
{
    struct tmpdb d;
    struct store *st;
    char *s = NULL;

    tmpdb_init(&d);
    st = db_open(&d);
    two_users(st);
    ck_assert_int_eq(
        store_user_register(st, "+15550001", "mallory@example.test", 300),
        STORE_ECONFLICT);
    ck_assert_ptr_nonnull(strstr(store_errmsg(st), "another JID"));
    /* bob taking alice's number as a number change conflicts too. */
    ck_assert_int_eq(
        store_user_register(st, "+15550001", "bob@example.test", 300),
        STORE_ECONFLICT);
    ck_assert_int_eq(store_user_jid(st, "+15550001", &s), 0);
    ck_assert_str_eq(s, "alice@example.test");
    free(s);
    ck_assert_int_eq(store_user_phone(st, "bob@example.test", &s), 0);
    ck_assert_str_eq(s, "+15550002");
    free(s);
    ck_assert_int_eq(store_user_phone(st, "mallory@example.test", &s),
                     STORE_ENOTFOUND);
    store_free(st);
    tmpdb_remove(&d);
}
END_TEST

START_TEST(number_change)
{
    struct tmpdb d;
    struct store *st;
    char *s = NULL;

    tmpdb_init(&d);
    st = db_open(&d);
    two_users(st);
    ck_assert_int_eq(
        store_user_register(st, "+15550009", "alice@example.test", 400), 0);
    ck_assert_int_eq(store_user_phone(st, "alice@example.test", &s), 0);
    ck_assert_str_eq(s, "+15550009");
    free(s);
    ck_assert_int_eq(store_user_jid(st, "+15550001", &s), STORE_ENOTFOUND);
    /* The old number is free for someone else. */
    ck_assert_int_eq(
        store_user_register(st, "+15550001", "dave@example.test", 401), 0);
    ck_assert_int_eq(store_user_jid(st, "+15550001", &s), 0);
    ck_assert_str_eq(s, "dave@example.test");
    free(s);
    ck_assert_int_eq(tmpdb_int(&d, "SELECT count(*) FROM users"), 3);
    store_free(st);
    tmpdb_remove(&d);
}
END_TEST

START_TEST(remove_cascades)
{
    struct tmpdb d;
    struct store *st;
    struct store_inbox_item a1 = card("a1", "alice@example.test");
    struct store_inbox_item a2 = card("a2", "alice@example.test");
    struct store_inbox_item b1 = card("b1", "bob@example.test");
    int64_t n = -1;
    char *s = NULL;

    tmpdb_init(&d);
    st = db_open(&d);
    two_users(st);
    ck_assert_int_eq(store_card_set(st, "alice@example.test", "<a/>", 5), 0);
    ck_assert_int_eq(store_card_set(st, "bob@example.test", "<b/>", 5), 0);
    ck_assert_int_eq(store_inbox_push(st, &a1), 0);
    ck_assert_int_eq(store_inbox_push(st, &a2), 0);
    ck_assert_int_eq(store_inbox_push(st, &b1), 0);

    ck_assert_int_eq(store_user_remove(st, "alice@example.test"), 0);
    ck_assert_int_eq(store_user_remove(st, "alice@example.test"),
                     STORE_ENOTFOUND);
    ck_assert_int_eq(store_user_phone(st, "alice@example.test", &s),
                     STORE_ENOTFOUND);
    ck_assert_int_eq(store_inbox_count(st, "alice@example.test", &n), 0);
    ck_assert_int_eq(n, 0);
    /* The rows themselves are gone, and only alice's. */
    ck_assert_int_eq(tmpdb_int(&d, "SELECT count(*) FROM cards"), 1);
    ck_assert_int_eq(tmpdb_int(&d, "SELECT count(*) FROM inbox"), 1);
    ck_assert_int_eq(
        tmpdb_int(&d, "SELECT count(*) FROM inbox WHERE card_id = 'b1'"), 1);
    ck_assert_int_eq(store_card_get(st, "bob@example.test", &s), 0);
    ck_assert_str_eq(s, "<b/>");
    free(s);
    store_free(st);
    tmpdb_remove(&d);
}
END_TEST

START_TEST(card_set_get)
{
    static const char piece[] = "<N>O'Brien \"Bob\" \\ Zoë 名刺 🙂</N>\n";
    struct tmpdb d;
    struct store *st;
    size_t size = 64 * 1024;
    char *big = malloc(size + 1);
    char *s = NULL;
    size_t i;

    ck_assert_ptr_nonnull(big);
    for (i = 0; i < size; i++)
        big[i] = piece[i % (sizeof piece - 1)];
    big[size] = '\0';
    tmpdb_init(&d);
    st = db_open(&d);
    two_users(st);
    ck_assert_int_eq(store_card_get(st, "alice@example.test", &s),
                     STORE_ENOTFOUND);
    ck_assert_ptr_null(s);
    ck_assert_int_eq(store_card_set(st, "nobody@example.test", "<x/>", 1),
                     STORE_ENOTFOUND);
    ck_assert_int_eq(store_card_set(st, "alice@example.test", "<v1/>", 1), 0);
    ck_assert_int_eq(store_card_get(st, "alice@example.test", &s), 0);
    ck_assert_str_eq(s, "<v1/>");
    free(s);
    ck_assert_int_eq(store_card_set(st, "alice@example.test", big, 2), 0);
    ck_assert_int_eq(store_card_get(st, "alice@example.test", &s), 0);
    ck_assert_uint_eq(strlen(s), size);
    ck_assert(memcmp(s, big, size + 1) == 0);
    free(s);
    ck_assert_int_eq(tmpdb_int(&d, "SELECT count(*) FROM cards"), 1);
    ck_assert_int_eq(tmpdb_int(&d, "SELECT updated_at FROM cards"), 2);
    ck_assert_int_eq(store_card_get(st, "bob@example.test", &s),
                     STORE_ENOTFOUND);
    store_free(st);
    tmpdb_remove(&d);
    free(big);
}
END_TEST

struct seen {
    int n;
    char ids[8][8];
    int64_t seq[8];
    int attempts[8];
    int stop_after; /* 0: never */
};

static int remember(void *ud, const struct store_inbox_item *item)
{
    struct seen *seen = ud;

    ck_assert_int_lt(seen->n, 8);
    snprintf(seen->ids[seen->n], sizeof seen->ids[0], "%s", item->card_id);
    seen->seq[seen->n] = item->seq;
    seen->attempts[seen->n] = item->attempts;
    seen->n++;
    return seen->n == seen->stop_after ? 42 : 0;
}

START_TEST(inbox_order_count)
{
    static const char *const order[] = {"a1", "b1", "a2", "b2", "a3"};
    struct tmpdb d;
    struct store *st;
    struct store_inbox_item it;
    struct seen seen = {0};
    int64_t seq[5];
    int64_t n = -1;
    int i;

    tmpdb_init(&d);
    st = db_open(&d);
    two_users(st);
    for (i = 0; i < 5; i++) {
        it = card(order[i], order[i][0] == 'a' ? "alice@example.test"
                                               : "bob@example.test");
        it.seq = -1;
        ck_assert_int_eq(store_inbox_push(st, &it), 0);
        seq[i] = it.seq;
        ck_assert(i == 0 || seq[i] > seq[i - 1]);
    }
    it = card("x1", "nobody@example.test");
    ck_assert_int_eq(store_inbox_push(st, &it), STORE_ENOTFOUND);

    ck_assert_int_eq(
        store_inbox_each(st, "alice@example.test", remember, &seen), 0);
    ck_assert_int_eq(seen.n, 3);
    ck_assert_str_eq(seen.ids[0], "a1");
    ck_assert_str_eq(seen.ids[1], "a2");
    ck_assert_str_eq(seen.ids[2], "a3");
    ck_assert_int_eq(seen.seq[0], seq[0]);
    ck_assert_int_eq(seen.seq[2], seq[4]);
    memset(&seen, 0, sizeof seen);
    ck_assert_int_eq(store_inbox_each(st, "bob@example.test", remember, &seen),
                     0);
    ck_assert_int_eq(seen.n, 2);
    ck_assert_str_eq(seen.ids[0], "b1");
    ck_assert_str_eq(seen.ids[1], "b2");
    /* A non-zero return stops the walk and is passed through. */
    memset(&seen, 0, sizeof seen);
    seen.stop_after = 2;
    ck_assert_int_eq(
        store_inbox_each(st, "alice@example.test", remember, &seen), 42);
    ck_assert_int_eq(seen.n, 2);
    memset(&seen, 0, sizeof seen);
    ck_assert_int_eq(
        store_inbox_each(st, "nobody@example.test", remember, &seen), 0);
    ck_assert_int_eq(seen.n, 0);

    ck_assert_int_eq(store_inbox_count(st, "alice@example.test", &n), 0);
    ck_assert_int_eq(n, 3);
    ck_assert_int_eq(store_inbox_count(st, "bob@example.test", &n), 0);
    ck_assert_int_eq(n, 2);
    ck_assert_int_eq(store_inbox_count(st, "nobody@example.test", &n), 0);
    ck_assert_int_eq(n, 0);
    store_free(st);
    tmpdb_remove(&d);
}
END_TEST

START_TEST(inbox_mark_sent)
{
    struct tmpdb d;
    struct store *st;
    struct store_inbox_item it;
    struct seen seen = {0};

    tmpdb_init(&d);
    st = db_open(&d);
    two_users(st);
    it = card("a1", "alice@example.test");
    ck_assert_int_eq(store_inbox_push(st, &it), 0);
    it = card("a2", "alice@example.test");
    ck_assert_int_eq(store_inbox_push(st, &it), 0);
    ck_assert_int_eq(store_inbox_mark_sent(st, "a1", 0), 0);
    ck_assert_int_eq(store_inbox_mark_sent(st, "a1", 0), 0);
    ck_assert_int_eq(store_inbox_mark_sent(st, "zz", 0), STORE_ENOTFOUND);
    ck_assert_int_eq(
        store_inbox_each(st, "alice@example.test", remember, &seen), 0);
    ck_assert_int_eq(seen.attempts[0], 2);
    ck_assert_int_eq(seen.attempts[1], 0);
    store_free(st);
    tmpdb_remove(&d);
}
END_TEST

struct retired {
    int n;
    char who[4][32];
    char ids[4][8];
};

static int retire_cb(void *ud, const char *jid, const char *id)
{
    struct retired *r = ud;

    ck_assert_int_lt(r->n, 4);
    snprintf(r->who[r->n], sizeof r->who[0], "%s", jid);
    snprintf(r->ids[r->n], sizeof r->ids[0], "%s", id);
    r->n++;
    return 0;
}

/* The hand-off clock: started by the first hand-off to resources that may
 * never ack, kept by later ones, cleared by a delivery to one that acks or
 * by a bounce; read back oldest first. */
START_TEST(inbox_handoff)
{
    struct tmpdb d;
    struct store *st;
    struct store_inbox_item it, *got = NULL;
    struct retired r = {0};
    int64_t first = -1;

    tmpdb_init(&d);
    st = db_open(&d);
    two_users(st);
    it = card("a1", "alice@example.test");
    ck_assert_int_eq(store_inbox_push(st, &it), 0);
    it = card("b1", "bob@example.test");
    ck_assert_int_eq(store_inbox_push(st, &it), 0);
    it = card("a2", "alice@example.test");
    ck_assert_int_eq(store_inbox_push(st, &it), 0);
    ck_assert_int_eq(store_inbox_handed_first(st, &first), 0);
    ck_assert_int_eq(first, 0);

    ck_assert_int_eq(store_inbox_mark_sent(st, "a1", 5000), 0);
    ck_assert_int_eq(store_inbox_mark_sent(st, "a1", 9000), 0); /* kept */
    ck_assert_int_eq(store_inbox_mark_sent(st, "b1", 7000), 0);
    ck_assert_int_eq(store_inbox_mark_sent(st, "a2", 6000), 0);
    ck_assert_int_eq(store_inbox_mark_sent(st, "a2", 0), 0); /* an acker */
    ck_assert_int_eq(store_inbox_handed_first(st, &first), 0);
    ck_assert_int_eq(first, 5000);
    ck_assert_int_eq(store_inbox_handed_before(st, 7000, 10, retire_cb, &r), 0);
    ck_assert_int_eq(r.n, 2);
    ck_assert_str_eq(r.ids[0], "a1");
    ck_assert_str_eq(r.who[0], "alice@example.test");
    ck_assert_str_eq(r.ids[1], "b1");
    ck_assert_str_eq(r.who[1], "bob@example.test");
    r.n = 0;
    ck_assert_int_eq(store_inbox_handed_before(st, 7000, 1, retire_cb, &r), 0);
    ck_assert_int_eq(r.n, 1);

    /* A bounce: waiting again, the attempt not counted; only the
     * recipient's own card. */
    ck_assert_int_eq(store_inbox_requeue(st, "bob@example.test", "a1"),
                     STORE_ENOTFOUND);
    ck_assert_int_eq(store_inbox_requeue(st, "alice@example.test", "a1"), 0);
    ck_assert_int_eq(store_inbox_take(st, "alice@example.test", "a1", &got), 0);
    ck_assert_int_eq(got->handed_at, 0);
    ck_assert_int_eq(got->attempts, 1);
    store_inbox_item_free(got);
    ck_assert_int_eq(store_inbox_handed_first(st, &first), 0);
    ck_assert_int_eq(first, 7000);
    ck_assert_int_eq(store_inbox_take(st, "bob@example.test", "b1", &got), 0);
    ck_assert_int_eq(got->handed_at, 7000);
    store_inbox_item_free(got);
    ck_assert_int_eq(store_inbox_handed_first(st, &first), 0);
    ck_assert_int_eq(first, 0);
    store_free(st);
    tmpdb_remove(&d);
}
END_TEST

START_TEST(inbox_take)
{
    struct tmpdb d;
    struct store *st;
    struct store_inbox_item it;
    struct store_inbox_item *got = (struct store_inbox_item *)&d;
    int64_t n = -1;

    tmpdb_init(&d);
    st = db_open(&d);
    two_users(st);
    it = card("a1", "alice@example.test");
    it.note = "met at the fair";
    it.attempts = 0;
    it.receipt_to = "carol@example.test/phone";
    it.receipt_id = "m-17";
    ck_assert_int_eq(store_inbox_push(st, &it), 0);
    ck_assert_int_eq(store_inbox_mark_sent(st, "a1", 0), 0);

    /* Not bob's card to take. */
    ck_assert_int_eq(store_inbox_take(st, "bob@example.test", "a1", &got),
                     STORE_ENOTFOUND);
    ck_assert_ptr_null(got);
    ck_assert_int_eq(store_inbox_take(st, "bob@example.test", "a1", NULL),
                     STORE_ENOTFOUND);
    ck_assert_int_eq(store_inbox_count(st, "alice@example.test", &n), 0);
    ck_assert_int_eq(n, 1);

    ck_assert_int_eq(store_inbox_take(st, "alice@example.test", "a1", &got), 0);
    ck_assert_ptr_nonnull(got);
    ck_assert_int_eq(got->seq, it.seq);
    ck_assert_str_eq(got->card_id, "a1");
    ck_assert_str_eq(got->recipient_jid, "alice@example.test");
    ck_assert_str_eq(got->sender_phone, it.sender_phone);
    ck_assert_str_eq(got->sender_jid, it.sender_jid);
    ck_assert_str_eq(got->vcard, it.vcard);
    ck_assert_str_eq(got->note, "met at the fair");
    ck_assert_int_eq(got->created, 1700000000);
    ck_assert_int_eq(got->attempts, 1);
    ck_assert_str_eq(got->receipt_to, "carol@example.test/phone");
    ck_assert_str_eq(got->receipt_id, "m-17");
    store_inbox_item_free(got);
    store_inbox_item_free(NULL);
    ck_assert_int_eq(store_inbox_take(st, "alice@example.test", "a1", &got),
                     STORE_ENOTFOUND);
    ck_assert_int_eq(tmpdb_int(&d, "SELECT count(*) FROM inbox"), 0);

    /* Optional fields stay NULL; item NULL just deletes. */
    it = card("a2", "alice@example.test");
    ck_assert_int_eq(store_inbox_push(st, &it), 0);
    ck_assert_int_eq(store_inbox_take(st, "alice@example.test", "a2", &got), 0);
    ck_assert_ptr_null(got->note);
    ck_assert_ptr_null(got->receipt_to);
    ck_assert_ptr_null(got->receipt_id);
    store_inbox_item_free(got);
    it = card("a3", "alice@example.test");
    ck_assert_int_eq(store_inbox_push(st, &it), 0);
    ck_assert_int_eq(store_inbox_take(st, "alice@example.test", "a3", NULL), 0);
    ck_assert_int_eq(store_inbox_count(st, "alice@example.test", &n), 0);
    ck_assert_int_eq(n, 0);

    /* A consent request is held from its insert, and a replace writes
     * whether the new content is one. */
    it = card("a4", "alice@example.test");
    it.held = 1;
    ck_assert_int_eq(store_inbox_push(st, &it), 0);
    ck_assert_int_eq(
        tmpdb_int(&d, "SELECT held FROM inbox WHERE card_id = 'a4'"), 1);
    it.held = 0;
    it.recipient_phone = "+15550001";
    it.card_id = strdup("a4"); /* the replace may give it a new id */
    ck_assert_ptr_nonnull(it.card_id);
    ck_assert_int_eq(store_inbox_replace(st, &it, "a5"), 0);
    ck_assert_str_eq(it.card_id, "a4"); /* never handed out: kept */
    free(it.card_id);
    ck_assert_int_eq(
        tmpdb_int(&d, "SELECT held FROM inbox WHERE card_id = 'a4'"), 0);
    store_free(st);
    tmpdb_remove(&d);
}
END_TEST

START_TEST(inbox_duplicate_id)
{
    struct tmpdb d;
    struct store *st;
    struct store_inbox_item it;
    struct store_inbox_item *got = NULL;
    int64_t n = -1;

    tmpdb_init(&d);
    st = db_open(&d);
    two_users(st);
    it = card("same", "alice@example.test");
    ck_assert_int_eq(store_inbox_push(st, &it), 0);
    it = card("same", "bob@example.test");
    it.vcard = "<other/>";
    ck_assert_int_eq(store_inbox_push(st, &it), STORE_ECONFLICT);
    /* One card per sender and number: a second is a clash too, which the
     * sender's path answers by storing over the first. */
    it = card("again", "alice@example.test");
    it.sender_jid = "same";
    ck_assert_int_eq(store_inbox_push(st, &it), STORE_ECONFLICT);
    ck_assert_int_eq(store_inbox_count(st, "bob@example.test", &n), 0);
    ck_assert_int_eq(n, 0);
    ck_assert_int_eq(store_inbox_count(st, "alice@example.test", &n), 0);
    ck_assert_int_eq(n, 1);
    ck_assert_int_eq(store_inbox_take(st, "alice@example.test", "same", &got),
                     0);
    ck_assert_str_eq(got->vcard, card("same", "x").vcard);
    store_inbox_item_free(got);
    /* The store still works after the failure. */
    it = card("next", "bob@example.test");
    ck_assert_int_eq(store_inbox_push(st, &it), 0);
    store_free(st);
    tmpdb_remove(&d);
}
END_TEST

/* Collects the full JIDs store_online_each reports, joined by spaces. */
static int collect_session(void *ud, const char *full)
{
    char *acc = ud;

    if (*acc)
        strcat(acc, " ");
    strcat(acc, full);
    return 0;
}

START_TEST(sessions)
{
    char seen[256] = "";

    struct tmpdb d;
    struct store *st;
    int online = -1;
    int receipts = -1;

    tmpdb_init(&d);
    st = db_open(&d);
    ck_assert_int_eq(store_online_add(st, "a@x.test/phone", "a@x.test"), 1);
    ck_assert_int_eq(store_online_add(st, "a@x.test/phone", "a@x.test"), 0);
    ck_assert_int_eq(store_online_add(st, "a@x.test/desk", "a@x.test"), 1);
    ck_assert_int_eq(store_online_add(st, "b@x.test/r", "b@x.test"), 1);
    ck_assert_int_eq(store_online_set_receipts(st, "a@x.test/desk", 7), 0);
    ck_assert_int_eq(store_online_set_receipts(st, "c@x.test/r", 1),
                     STORE_ENOTFOUND);
    ck_assert_int_eq(store_online_count(st, "a@x.test", &online, &receipts), 0);
    ck_assert_int_eq(online, 2);
    ck_assert_int_eq(receipts, 1);
    ck_assert_int_eq(store_online_count(st, "b@x.test", &online, NULL), 0);
    ck_assert_int_eq(online, 1);
    ck_assert_int_eq(store_online_count(st, "c@x.test", NULL, &receipts), 0);
    ck_assert_int_eq(receipts, 0);
    ck_assert_int_eq(store_online_each(st, "a@x.test", collect_session, seen),
                     0);
    ck_assert_str_eq(seen, "a@x.test/desk a@x.test/phone");
    seen[0] = '\0';
    ck_assert_int_eq(store_online_each(st, "c@x.test", collect_session, seen),
                     0);
    ck_assert_str_eq(seen, "");

    ck_assert_int_eq(store_online_remove(st, "a@x.test/desk"), 0);
    ck_assert_int_eq(store_online_remove(st, "a@x.test/desk"), 0);
    ck_assert_int_eq(store_online_count(st, "a@x.test", &online, &receipts), 0);
    ck_assert_int_eq(online, 1);
    ck_assert_int_eq(receipts, 0);
    /* Unknown until said; what a resource did is not undone by a later
     * disco#info that does not list receipts. */
    ck_assert_int_eq(store_online_receipts(st, "a@x.test/phone", &receipts), 0);
    ck_assert_int_eq(receipts, -1);
    ck_assert_int_eq(store_online_receipts(st, "c@x.test/r", &receipts),
                     STORE_ENOTFOUND);
    ck_assert_int_eq(store_online_set_receipts(st, "a@x.test/phone", 0), 0);
    ck_assert_int_eq(store_online_receipts(st, "a@x.test/phone", &receipts), 0);
    ck_assert_int_eq(receipts, 0);
    ck_assert_int_eq(store_online_set_receipts(st, "a@x.test/phone", 1), 0);
    ck_assert_int_eq(store_online_set_receipts(st, "a@x.test/phone", 0), 0);
    ck_assert_int_eq(store_online_count(st, "a@x.test", NULL, &receipts), 0);
    ck_assert_int_eq(receipts, 1);

    ck_assert_int_eq(store_online_clear(st), 0);
    ck_assert_int_eq(store_online_count(st, "a@x.test", &online, NULL), 0);
    ck_assert_int_eq(online, 0);
    ck_assert_int_eq(store_online_count(st, "b@x.test", &online, NULL), 0);
    ck_assert_int_eq(online, 0);

    /* Shared: another process (another instance) sees the sessions of the
     * first, and clears only its own. */
    ck_assert_int_eq(store_online_add(st, "a@x.test/phone", "a@x.test"), 1);
    store_free(st);
    st = db_open(&d);
    ck_assert_int_eq(store_online_count(st, "a@x.test", &online, NULL), 0);
    ck_assert_int_eq(online, 1);
    ck_assert_int_eq(store_online_clear(st), 0);
    ck_assert_int_eq(store_online_count(st, "a@x.test", &online, NULL), 0);
    ck_assert_int_eq(online, 1);
    store_free(st);
    tmpdb_remove(&d);
}
END_TEST

START_TEST(transactions)
{
    struct tmpdb d;
    struct store *st;
    struct store_inbox_item it;
    int64_t n = -1;

    tmpdb_init(&d);
    st = db_open(&d);
    two_users(st);
    ck_assert_int_eq(store_begin(st), 0);
    it = card("kept", "alice@example.test");
    ck_assert_int_eq(store_inbox_push(st, &it), 0);
    it = card("kept2", "alice@example.test");
    ck_assert_int_eq(store_inbox_push(st, &it), 0);
    ck_assert_int_eq(store_commit(st), 0);

    ck_assert_int_eq(store_begin(st), 0);
    it = card("dropped", "alice@example.test");
    ck_assert_int_eq(store_inbox_push(st, &it), 0);
    ck_assert_int_eq(store_inbox_count(st, "alice@example.test", &n), 0);
    ck_assert_int_eq(n, 3);
    ck_assert_int_eq(store_rollback(st), 0);
    ck_assert_int_eq(store_inbox_count(st, "alice@example.test", &n), 0);
    ck_assert_int_eq(n, 2);
    ck_assert_int_eq(
        store_inbox_take(st, "alice@example.test", "dropped", NULL),
        STORE_ENOTFOUND);
    ck_assert_int_eq(tmpdb_int(&d, "SELECT count(*) FROM inbox"), 2);

    /* No transaction open: these fail rather than pretend. */
    ck_assert_int_eq(store_commit(st), STORE_EDB);
    ck_assert_int_eq(store_rollback(st), STORE_EDB);
    ck_assert_int_eq(store_begin(st), 0);
    ck_assert_int_eq(store_begin(st), STORE_EDB);
    ck_assert_int_eq(store_rollback(st), 0);
    store_free(st);
    tmpdb_remove(&d);
}
END_TEST

START_TEST(survives_reopen)
{
    struct tmpdb d;
    struct store *st;
    struct store_inbox_item it;
    struct store_inbox_item *got = NULL;
    char *s = NULL;
    int64_t old;

    tmpdb_init(&d);
    st = db_open(&d);
    two_users(st);
    ck_assert_int_eq(store_card_set(st, "bob@example.test", "<bob/>", 9), 0);
    it = card("a1", "alice@example.test");
    ck_assert_int_eq(store_inbox_push(st, &it), 0);
    store_free(st);

    st = db_open(&d);
    ck_assert_int_eq(store_user_jid(st, "+15550001", &s), 0);
    ck_assert_str_eq(s, "alice@example.test");
    free(s);
    ck_assert_int_eq(store_card_get(st, "bob@example.test", &s), 0);
    ck_assert_str_eq(s, "<bob/>");
    free(s);
    ck_assert_int_eq(store_inbox_take(st, "alice@example.test", "a1", &got), 0);
    ck_assert_int_eq(got->seq, it.seq);
    old = got->seq;
    store_inbox_item_free(got);
    /* AUTOINCREMENT: a taken card's seq is never handed out again. */
    it = card("a2", "alice@example.test");
    ck_assert_int_eq(store_inbox_push(st, &it), 0);
    ck_assert_int_gt(it.seq, old);
    store_free(st);
    tmpdb_remove(&d);
}
END_TEST

struct marker {
    struct store *st;
    int calls;
};

/* Uses the store from inside the walk, as delivery does. */
static int mark_and_take(void *ud, const struct store_inbox_item *item)
{
    struct marker *m = ud;
    int64_t n = -1;

    m->calls++;
    ck_assert_int_eq(store_inbox_mark_sent(m->st, item->card_id, 0), 0);
    if (strcmp(item->card_id, "a2") == 0)
        ck_assert_int_eq(
            store_inbox_take(m->st, item->recipient_jid, item->card_id, NULL),
            0);
    ck_assert_int_eq(store_inbox_count(m->st, item->recipient_jid, &n), 0);
    return 0;
}

START_TEST(each_callback_uses_store)
{
    struct tmpdb d;
    struct store *st;
    struct store_inbox_item it;
    struct marker m = {0};
    struct seen seen = {0};

    tmpdb_init(&d);
    st = db_open(&d);
    m.st = st;
    two_users(st);
    it = card("a1", "alice@example.test");
    ck_assert_int_eq(store_inbox_push(st, &it), 0);
    it = card("a2", "alice@example.test");
    ck_assert_int_eq(store_inbox_push(st, &it), 0);
    it = card("a3", "alice@example.test");
    ck_assert_int_eq(store_inbox_push(st, &it), 0);
    ck_assert_int_eq(
        store_inbox_each(st, "alice@example.test", mark_and_take, &m), 0);
    ck_assert_int_eq(m.calls, 3);
    ck_assert_int_eq(
        store_inbox_each(st, "alice@example.test", remember, &seen), 0);
    ck_assert_int_eq(seen.n, 2);
    ck_assert_str_eq(seen.ids[0], "a1");
    ck_assert_str_eq(seen.ids[1], "a3");
    ck_assert_int_eq(seen.attempts[0], 1);
    ck_assert_int_eq(seen.attempts[1], 1);
    store_free(st);
    tmpdb_remove(&d);
}
END_TEST

struct users_seen {
    struct store *st;
    int n;
    int stop_at;
};

static int check_user(void *ud, const char *jid, const char *phone)
{
    struct users_seen *u = ud;
    char want[32];
    char *got = NULL;

    snprintf(want, sizeof want, "u%03d@example.test", u->n);
    ck_assert_str_eq(jid, want);
    ck_assert_int_eq(store_user_jid(u->st, phone, &got), 0);
    ck_assert_str_eq(got, jid);
    free(got);
    u->n++;
    return u->n == u->stop_at ? -7 : 0;
}

/* More users than one page, in registration order, callback using the
 * store. */
START_TEST(user_each)
{
    struct tmpdb d;
    struct store *st;
    struct users_seen u = {0};
    char jid[32];
    char phone[16];
    int i;

    tmpdb_init(&d);
    st = db_open(&d);
    u.st = st;
    ck_assert_int_eq(store_begin(st), 0);
    for (i = 0; i < 150; i++) {
        snprintf(jid, sizeof jid, "u%03d@example.test", i);
        snprintf(phone, sizeof phone, "+1555%07d", 150 - i);
        ck_assert_int_eq(store_user_register(st, phone, jid, i), 0);
    }
    ck_assert_int_eq(store_commit(st), 0);
    ck_assert_int_eq(store_user_each(st, check_user, &u), 0);
    ck_assert_int_eq(u.n, 150);
    u.n = 0;
    u.stop_at = 70;
    ck_assert_int_eq(store_user_each(st, check_user, &u), -7);
    ck_assert_int_eq(u.n, 70);
    store_free(st);
    tmpdb_remove(&d);
}
END_TEST

/* A lock another connection holds past the busy timeout is told apart,
 * so that the requester hears "wait" rather than a generic failure. */
START_TEST(busy_is_classified)
{
    struct tmpdb d;
    struct store *st;
    sqlite3 *other = NULL;

    tmpdb_init(&d);
    st = db_open(&d);
    ck_assert_int_eq(store_set_busy_timeout(st, 50), 0);
    ck_assert_int_eq(sqlite3_open(d.path, &other), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL),
                     SQLITE_OK);
    ck_assert_int_eq(
        store_user_register(st, "+14155550101", "alice@example.test", 1),
        STORE_EDB);
    ck_assert_int_eq(store_fault(st), STORE_FAULT_BUSY);
    ck_assert(!store_damaged(st));
    ck_assert_int_eq(sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL),
                     SQLITE_OK);
    ck_assert_int_eq(
        store_user_register(st, "+14155550101", "alice@example.test", 1), 0);
    sqlite3_close(other);
    store_free(st);
    tmpdb_remove(&d);
}
END_TEST

/* The start-up check passes a sound file and a missing one, and refuses a
 * damaged header without changing the file; the backup holds the rows. */
START_TEST(check_and_backup)
{
    struct tmpdb d;
    struct store *st;
    char copy[160], missing[160], *err = NULL;
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;
    FILE *f;

    tmpdb_init(&d);
    st = db_open(&d);
    ck_assert_int_eq(
        store_user_register(st, "+14155550101", "alice@example.test", 1), 0);
    ck_assert_int_eq(
        store_user_register(st, "+14155550102", "bob@example.test", 1), 0);
    snprintf(copy, sizeof(copy), "%s/copy.sqlite", d.dir);
    ck_assert_int_eq(store_backup(d.path, copy, &err), 0);
    ck_assert_ptr_null(err);
    store_free(st);
    ck_assert_int_eq(sqlite3_open_v2(copy, &db, SQLITE_OPEN_READONLY, NULL),
                     SQLITE_OK);
    ck_assert_int_eq(
        sqlite3_prepare_v2(db, "SELECT count(*) FROM users", -1, &s, NULL),
        SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
    ck_assert_int_eq(sqlite3_column_int(s, 0), 2);
    sqlite3_finalize(s);
    sqlite3_close(db);

    ck_assert_int_eq(store_check(d.path, 10000, &err), 0);
    snprintf(missing, sizeof(missing), "%s/none.sqlite", d.dir);
    ck_assert_int_eq(store_check(missing, 10000, &err), 0);
    f = fopen(d.path, "r+");
    ck_assert_ptr_nonnull(f);
    fputs("not an SQLite header at all", f);
    fclose(f);
    ck_assert_int_lt(store_check(d.path, 10000, &err), 0);
    ck_assert_ptr_nonnull(strstr(err, d.path));
    ck_assert_ptr_nonnull(strstr(err, "damaged"));
    free(err);
    /* 0 skips the check. */
    ck_assert_int_eq(store_check(d.path, 0, &err), 0);
    ck_assert_ptr_null(err);
    unlink(copy);
    for (size_t i = 0; i < 2; i++) {
        char extra[180];

        snprintf(extra, sizeof(extra), "%s%s", copy, i ? "-wal" : "-shm");
        unlink(extra);
    }
    tmpdb_remove(&d);
}
END_TEST

/* The index of the migration that keys the inbox by number. */
static size_t privacy_migration(void)
{
    for (size_t i = 0; i < component_migrations_count; i++) {
        if (strstr(component_migrations[i].sql, "inbox_by_phone"))
            return i;
    }
    ck_abort_msg("no migration makes inbox_by_phone");
    return 0;
}

/* A database as 004_limits left it, before the privacy migration: two
 * users, three waiting cards from two senders (alice holds one of each),
 * and a taken one whose seq was the highest. */
static void pre_privacy_db(const struct tmpdb *d)
{
    size_t n = privacy_migration();
    sqlite3 *db = NULL;
    char *err = NULL;

    ck_assert_int_eq(sqlite3_open(d->path, &db), SQLITE_OK);
    ck_assert_int_eq(migrate_apply(db, component_migrations, n, &err), 0);
    ck_assert_int_eq(
        sqlite3_exec(
            db,
            "PRAGMA foreign_keys = ON;"
            "INSERT INTO users (id, phone, jid, registered_at, proven_at) "
            "VALUES (1, '+15550001', 'alice@example.test', 1, 1),"
            " (2, '+15550002', 'bob@example.test', 2, 2);"
            "INSERT INTO inbox (card_id, recipient_id, sender_phone, "
            "sender_jid, vcard, note, created_at, attempts, receipt_to, "
            "receipt_id, handed_at) VALUES "
            "('a1', 1, '+15550009', 'c@example.test', '<v/>', 'n1', 10, 2, "
            "'c@example.test/x', 'm1', 1234),"
            "('b1', 2, '+15550009', 'c@example.test', '<v/>', NULL, 11, 0, "
            "NULL, NULL, NULL),"
            "('a2', 1, '+15550008', 'd@example.test', '<v/>', NULL, 12, 0, "
            "NULL, NULL, NULL),"
            "('gone', 2, '+15550008', 'd@example.test', '<v/>', NULL, 13, 0, "
            "NULL, NULL, NULL);"
            "DELETE FROM inbox WHERE card_id = 'gone';",
            NULL, NULL, &err),
        SQLITE_OK);
    ck_assert_int_eq(sqlite3_close(db), SQLITE_OK);
}

static int take_first(void *ud, const struct store_inbox_item *item)
{
    *(struct store_inbox_item *)ud = *item;
    ((struct store_inbox_item *)ud)->card_id = strdup(item->card_id);
    ((struct store_inbox_item *)ud)->recipient_phone =
        strdup(item->recipient_phone);
    return 1;
}

/* The migration keeps every waiting card, with its recipient's number, its
 * fields and its order, and never reuses a seq; 004's rules hold by
 * number: one card per sender, and the expiry timer's index. */
START_TEST(privacy_migration_keeps_cards)
{
    struct tmpdb d;
    struct store *st;
    struct store_inbox_item first = {0}, it;
    struct seen seen = {0};
    int64_t n = -1;
    char *id = NULL;

    tmpdb_init(&d);
    pre_privacy_db(&d);
    st = db_open(&d);
    ck_assert_int_eq(tmpdb_int(&d, "SELECT count(*) FROM inbox"), 3);
    ck_assert_int_eq(tmpdb_int(&d, "SELECT count(*) FROM inbox WHERE "
                                   "recipient_phone = '+15550001'"),
                     2);
    ck_assert_int_eq(
        store_inbox_each(st, "alice@example.test", remember, &seen), 0);
    ck_assert_int_eq(seen.n, 2);
    ck_assert_str_eq(seen.ids[0], "a1");
    ck_assert_str_eq(seen.ids[1], "a2");
    ck_assert_int_eq(
        store_inbox_each(st, "alice@example.test", take_first, &first), 1);
    ck_assert_str_eq(first.recipient_phone, "+15550001");
    ck_assert_int_eq(first.attempts, 2);
    ck_assert_int_eq(first.handed_at, 1234);
    free(first.card_id);
    free(first.recipient_phone);
    ck_assert_int_eq(store_inbox_count(st, "bob@example.test", &n), 0);
    ck_assert_int_eq(n, 1);
    /* The taken card had seq 4: the next one comes after it. */
    it = card("b2", "bob@example.test");
    ck_assert_int_eq(store_inbox_push(st, &it), 0);
    ck_assert_int_eq(it.seq, 5);
    ck_assert_int_eq(tmpdb_int(&d, "SELECT count(*) FROM sqlite_master "
                                   "WHERE name IN ('inbox_recipient', "
                                   "'inbox_handed', 'inbox_sender', "
                                   "'inbox_created', 'blocks')"),
                     5);
    /* Each sender's card is found by the number, and a second card of one
     * sender to that number is refused by the index. */
    ck_assert_int_eq(store_inbox_from(st, "+15550001", "c@example.test", &id),
                     0);
    ck_assert_str_eq(id, "a1");
    free(id);
    ck_assert_int_eq(store_inbox_from(st, "+15550001", "d@example.test", &id),
                     0);
    ck_assert_str_eq(id, "a2");
    free(id);
    ck_assert_int_eq(store_inbox_from(st, "+15550002", "d@example.test", &id),
                     STORE_ENOTFOUND);
    ck_assert_ptr_null(id);
    it = card("a3", NULL);
    it.recipient_phone = "+15550001";
    it.sender_jid = "c@example.test";
    ck_assert_int_lt(store_inbox_push(st, &it), 0);
    ck_assert_int_eq(store_inbox_count_number(st, "+15550001", &n), 0);
    ck_assert_int_eq(n, 2);
    store_free(st);
    tmpdb_remove(&d);
}
END_TEST

/* A card to a number nobody has waits for it; whoever registers the
 * number gets it; a change of number takes it along (where a sender has a
 * card under both numbers, the newer stays); unregistering deletes it. */
START_TEST(inbox_by_number)
{
    struct tmpdb d;
    struct store *st;
    struct store_inbox_item it = card("h1", NULL);
    struct store_inbox_item old = card("h0", NULL), mine = card("m1", NULL);
    struct store_inbox_item *got = NULL;
    int64_t n = -1;

    tmpdb_init(&d);
    st = db_open(&d);
    /* h1's sender first left a card for +15550079, where dave moves later,
     * and another sender one there. */
    old.recipient_phone = "+15550079";
    old.sender_jid = "h1";
    mine.recipient_phone = "+15550079";
    ck_assert_int_eq(store_inbox_push(st, &old), 0);
    ck_assert_int_eq(store_inbox_push(st, &mine), 0);
    it.recipient_phone = "+15550077";
    ck_assert_int_eq(store_inbox_push(st, &it), 0);
    ck_assert_int_eq(store_inbox_count(st, "dave@example.test", &n), 0);
    ck_assert_int_eq(n, 0);
    ck_assert_int_eq(
        store_user_register(st, "+15550077", "dave@example.test", 5), 0);
    ck_assert_int_eq(store_inbox_count(st, "dave@example.test", &n), 0);
    ck_assert_int_eq(n, 1);
    ck_assert_int_eq(
        store_user_register(st, "+15550078", "dave@example.test", 6), 0);
    ck_assert_int_eq(store_inbox_count(st, "dave@example.test", &n), 0);
    ck_assert_int_eq(n, 1);
    ck_assert_int_eq(tmpdb_int(&d, "SELECT count(*) FROM inbox WHERE "
                                   "recipient_phone = '+15550078'"),
                     1);
    it = card("h2", NULL);
    it.recipient_phone = "+15550078";
    it.sender_jid = "h1";
    ck_assert_int_lt(store_inbox_push(st, &it), 0); /* one per sender */
    /* The move: the newer h1 replaces h0; m1 is dave's now too. */
    ck_assert_int_eq(
        store_user_register(st, "+15550079", "dave@example.test", 7), 0);
    ck_assert_int_eq(store_inbox_count(st, "dave@example.test", &n), 0);
    ck_assert_int_eq(n, 2);
    ck_assert_int_eq(store_inbox_take(st, "dave@example.test", "h0", NULL),
                     STORE_ENOTFOUND);
    ck_assert_int_eq(tmpdb_int(&d, "SELECT count(*) FROM inbox WHERE "
                                   "card_id = 'h1' AND "
                                   "recipient_phone = '+15550079'"),
                     1);
    ck_assert_int_eq(store_inbox_take_number(st, "+15550079", "m1", &got), 0);
    ck_assert_ptr_null(got->recipient_jid);
    ck_assert_str_eq(got->recipient_phone, "+15550079");
    store_inbox_item_free(got);
    ck_assert_int_eq(store_user_remove(st, "dave@example.test"), 0);
    ck_assert_int_eq(tmpdb_int(&d, "SELECT count(*) FROM inbox"), 0);
    store_free(st);
    tmpdb_remove(&d);
}
END_TEST

static int count_block(void *ud, const char *phone)
{
    (void)phone;
    ++*(int *)ud;
    return 0;
}

START_TEST(blocks)
{
    struct tmpdb d;
    struct store *st;
    struct store_inbox_item c1 = card("c1", "alice@example.test");
    struct store_inbox_item c2 = card("c2", "alice@example.test");
    int blocked = -1, n = 0;
    int64_t dropped = -1;

    tmpdb_init(&d);
    st = db_open(&d);
    two_users(st);
    c2.sender_phone = "+15550002";
    ck_assert_int_eq(store_inbox_push(st, &c1), 0);
    ck_assert_int_eq(store_inbox_push(st, &c2), 0);
    ck_assert_int_eq(
        store_block_add(st, "alice@example.test", "+14155550100", 7), 1);
    ck_assert_int_eq(
        store_block_add(st, "alice@example.test", "+14155550100", 8), 0);
    ck_assert_int_eq(
        store_block_add(st, "nobody@example.test", "+14155550100", 8),
        STORE_ENOTFOUND);
    ck_assert_int_eq(
        store_block_check(st, "+15550001", "+14155550100", &blocked), 0);
    ck_assert_int_eq(blocked, 1);
    ck_assert_int_eq(
        store_block_check(st, "+15550002", "+14155550100", &blocked), 0);
    ck_assert_int_eq(blocked, 0);
    ck_assert_int_eq(store_inbox_drop_sender(st, "alice@example.test",
                                             "+14155550100", &dropped),
                     0);
    ck_assert_int_eq(dropped, 1);
    ck_assert_int_eq(
        tmpdb_int(&d, "SELECT count(*) FROM inbox WHERE card_id = 'c2'"), 1);
    ck_assert_int_eq(
        store_block_each(st, "alice@example.test", count_block, &n), 0);
    ck_assert_int_eq(n, 1);
    ck_assert_int_eq(
        store_block_remove(st, "alice@example.test", "+14155550100"), 0);
    ck_assert_int_eq(
        store_block_remove(st, "alice@example.test", "+14155550100"),
        STORE_ENOTFOUND);
    ck_assert_int_eq(
        store_block_add(st, "alice@example.test", "+14155550100", 9), 1);
    /* Gone with the user. */
    ck_assert_int_eq(store_user_remove(st, "alice@example.test"), 0);
    ck_assert_int_eq(tmpdb_int(&d, "SELECT count(*) FROM blocks"), 0);
    store_free(st);
    tmpdb_remove(&d);
}
END_TEST

static Suite *store_suite(void)
{
    Suite *s = suite_create("store");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, migrations_applied);
    tcase_add_test(tc, newer_schema_refused);
    tcase_add_test(tc, synchronous_setting);
    tcase_add_test(tc, not_a_database);
    tcase_add_test(tc, migrate_rolls_back);
    tcase_add_test(tc, register_lookup);
    tcase_add_test(tc, register_conflict);
    tcase_add_test(tc, number_change);
    tcase_add_test(tc, remove_cascades);
    tcase_add_test(tc, driver_by_name);
    tcase_add_test(tc, card_set_get);
    tcase_add_test(tc, inbox_order_count);
    tcase_add_test(tc, inbox_mark_sent);
    tcase_add_test(tc, inbox_handoff);
    tcase_add_test(tc, inbox_take);
    tcase_add_test(tc, inbox_duplicate_id);
    tcase_add_test(tc, sessions);
    tcase_add_test(tc, transactions);
    tcase_add_test(tc, busy_is_classified);
    tcase_add_test(tc, check_and_backup);
    tcase_add_test(tc, survives_reopen);
    tcase_add_test(tc, each_callback_uses_store);
    tcase_add_test(tc, user_each);
    tcase_add_test(tc, privacy_migration_keeps_cards);
    tcase_add_test(tc, inbox_by_number);
    tcase_add_test(tc, blocks);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(store_suite)
