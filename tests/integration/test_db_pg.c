/* Integration tests of the PostgreSQL driver (component/db_pg.c) against a
 * throwaway PostgreSQL: the schema, binding and reading every type, a
 * failed write inside a transaction, a restart of the server and a
 * statement left unanswered. */
#include <check.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component/db.h"
#include "component/db_pg.h"
#include "tests/integration/harness.h"
#include "tests/lib/runner.h"

/* How long one wait on a reconnection's socket lasts before reconnect()
 * looks at its deadline again. */
#define WAIT_SLICE_MS 200
/* The query timeout of the unanswered statement's test, and how long its
 * statement sleeps: well beyond, so that the bound is what ends it. */
#define UNANSWERED_MS 1000
#define UNANSWERED_SLEEP_S 30

/* The statements the tests run, in the store's dialect (?N). */
enum {
    T_BEGIN,
    T_COMMIT,
    T_INSERT,
    T_GET,
    T_KEY_PUT,
    T_KEY_GET,
    T_PROVE,
    T_COUNT_USERS,
    T_DIVIDE,
    T_SLEEP,
    T_SIZE,
    T_N
};

static const char *const test_sql[T_N] = {
    [T_BEGIN] = "BEGIN",
    [T_COMMIT] = "COMMIT",
    [T_INSERT] = "INSERT INTO users (phone, jid, registered_at) "
                 "VALUES (?1, ?2, ?3)",
    [T_GET] = "SELECT id, jid, registered_at, proven_at FROM users "
              "WHERE jid = ?1",
    [T_KEY_PUT] = "INSERT INTO verify_key (id, key) VALUES (1, ?1) "
                  "ON CONFLICT (id) DO NOTHING",
    [T_KEY_GET] = "SELECT key FROM verify_key WHERE id = 1",
    [T_PROVE] = "UPDATE users SET proven_at = ?2 WHERE jid = ?1",
    [T_COUNT_USERS] = "SELECT count(*) FROM users",
    [T_DIVIDE] = "SELECT 1 / ?1::integer",
    [T_SLEEP] = "SELECT pg_sleep(?1::float8)",
    [T_SIZE] = "SELECT pg_database_size(current_database())",
};

static struct harness *h;
static struct db *db;

static void pg_setup(void)
{
    char *dsn;
    char *err = NULL;
    struct db_spec spec = {.sql = test_sql, .n = T_N};

    setenv("CARDX_STORE", "postgresql", 1);
    h = harness_new();
    ck_assert_ptr_nonnull(h);
    ck_assert_int_eq(harness_pg_start(h), 0);
    dsn = harness_pg_dsn(h);
    ck_assert_ptr_nonnull(dsn);
    spec.target = dsn;
    ck_assert_msg(db_postgresql.open(&spec, &db, &err) == 0, "open: %s",
                  err ? err : "?");
    free(dsn);
}

static void pg_teardown(void)
{
    db_postgresql.close(db);
    db = NULL;
    harness_free(h);
    h = NULL;
}

static int bind(struct db_stmt *s, const char *types, ...)
{
    va_list ap;
    int rc;

    va_start(ap, types);
    rc = s->drv->vbind(s, 1, types, ap);
    va_end(ap);
    return rc;
}

/* Runs statement i, which yields no row, with its bindings made. */
static int run(size_t i)
{
    struct db_stmt *s = db_stmt(db, i);
    int rc = db_step(s);

    db_reset(s);
    return rc;
}

static int64_t count_users(void)
{
    struct db_stmt *s = db_stmt(db, T_COUNT_USERS);
    int64_t n;

    ck_assert_int_eq(db_step(s), 1);
    n = db_column_int64(s, 0);
    db_reset(s);
    return n;
}

static int insert(const char *phone, const char *jid, int64_t at)
{
    struct db_stmt *s = db_stmt(db, T_INSERT);

    ck_assert_int_eq(bind(s, "ttl", phone, jid, at), 0);
    return run(T_INSERT);
}

START_TEST(types_round_trip)
{
    static const unsigned char key[] = {0, 1, 0xff, '\\', 'x', 0};
    const int64_t big = (int64_t)1 << 42;
    struct db_stmt *s;
    const void *bytes;
    size_t len;

    ck_assert_int_eq(insert("+8613800000001", "a@x", big), 0);
    s = db_stmt(db, T_GET);
    ck_assert_int_eq(bind(s, "t", "a@x"), 0);
    ck_assert_int_eq(db_step(s), 1);
    ck_assert_int_gt(db_column_int64(s, 0), 0);
    ck_assert_str_eq(db_column_text(s, 1), "a@x");
    ck_assert(db_column_int64(s, 2) == big);
    ck_assert(db_column_null(s, 3));
    ck_assert_ptr_null(db_column_text(s, 3));
    ck_assert_int_eq(db_step(s), 0);
    ck_assert_int_eq(db_reset(s), 0);

    s = db_stmt(db, T_PROVE);
    ck_assert_int_eq(bind(s, "tl", "a@x", (int64_t)7), 0);
    ck_assert_int_eq(db_step(s), 0);
    ck_assert(db_changes(s) == 1);
    db_reset(s);
    ck_assert_int_eq(bind(s, "tl", "nobody@x", (int64_t)7), 0);
    ck_assert_int_eq(db_step(s), 0);
    ck_assert(db_changes(s) == 0);
    db_reset(s);

    s = db_stmt(db, T_KEY_PUT);
    ck_assert_int_eq(bind(s, "b", (const void *)key, sizeof key), 0);
    ck_assert_int_eq(run(T_KEY_PUT), 0);
    s = db_stmt(db, T_KEY_GET);
    ck_assert_int_eq(db_step(s), 1);
    bytes = db_column_bytes(s, 0, &len);
    ck_assert_uint_eq(len, sizeof key);
    ck_assert(memcmp(bytes, key, len) == 0);
    db_reset(s);
}
END_TEST

/* A taken number fails its insert as SQLite's unique constraint does,
 * and leaves the transaction usable: the other writes commit. */
START_TEST(failed_write_keeps_transaction)
{
    int64_t before = count_users();

    ck_assert_int_eq(run(T_BEGIN), 0);
    ck_assert(db->drv->in_transaction(db));
    ck_assert_int_eq(insert("+8613800000002", "b@x", 1), 0);
    ck_assert_int_eq(insert("+8613800000002", "c@x", 1), CX_EDB);
    ck_assert(db->drv->conflict(db));
    ck_assert(db->drv->in_transaction(db));
    ck_assert_int_eq(insert("+8613800000003", "d@x", 1), 0);
    ck_assert_int_eq(run(T_COMMIT), 0);
    ck_assert(!db->drv->in_transaction(db));
    ck_assert(count_users() == before + 2);
}
END_TEST

/* Any other failure aborts the transaction: it is rolled back at once
 * (the caller sees none open), and a COMMIT then is a failure, not
 * PostgreSQL's warning. */
START_TEST(failed_read_ends_transaction)
{
    struct db_stmt *s = db_stmt(db, T_DIVIDE);
    int64_t before = count_users();

    ck_assert_int_eq(run(T_BEGIN), 0);
    ck_assert_int_eq(insert("+8613800000005", "f@x", 1), 0);
    ck_assert_int_eq(bind(s, "i", 0), 0);
    ck_assert_int_eq(run(T_DIVIDE), CX_EDB);
    ck_assert(!db->drv->conflict(db));
    ck_assert(!db->drv->in_transaction(db));
    ck_assert_int_eq(run(T_COMMIT), CX_EDB);
    ck_assert(count_users() == before);
    ck_assert_int_eq(insert("+8613800000005", "f@x", 1), 0);
    ck_assert(count_users() == before + 1);
}
END_TEST

/* Drives reconnect() to the end of one attempt, waiting on what wait()
 * says as cardxd's loop does: the attempt's outcome. */
static int reconnect_until_done(void)
{
    int rc;

    while ((rc = db->drv->reconnect(db)) == STORE_CONNECTING) {
        struct store_wait w;
        struct pollfd p;

        db->drv->wait(db, &w);
        ck_assert_int_ge(w.fd, 0);
        ck_assert_int_gt(w.deadline_ms, 0);
        p.fd = w.fd;
        p.events = w.events;
        p.revents = 0;
        ck_assert_int_ge(poll(&p, 1, WAIT_SLICE_MS), 0);
    }
    return rc;
}

/* The server restarted: the next call fails as DOWN, and reconnect()
 * brings the statements back; while it is stopped, reconnect() fails. */
START_TEST(restart_then_reconnect)
{
    struct db_stmt *s = db_stmt(db, T_COUNT_USERS);
    int64_t n;

    ck_assert_int_eq(insert("+8613800000004", "e@x", 1), 0);
    n = count_users();
    ck_assert_int_eq(harness_pg_restart(h), 0);
    ck_assert_int_lt(db_step(s), 0);
    db_reset(s);
    ck_assert_int_eq(db->drv->fault(db), STORE_FAULT_DOWN);
    ck_assert_int_eq(reconnect_until_done(), STORE_RECONNECTED);
    ck_assert_int_eq(db->drv->reconnect(db), STORE_UP); /* nothing to do */
    ck_assert(count_users() == n);

    ck_assert_int_eq(harness_pg_stop(h), 0);
    ck_assert_int_lt(db_step(s), 0);
    db_reset(s);
    ck_assert_int_eq(db->drv->fault(db), STORE_FAULT_DOWN);
    ck_assert_int_lt(reconnect_until_done(), 0);
    ck_assert_int_eq(db->drv->fault(db), STORE_FAULT_DOWN);
    ck_assert_int_eq(harness_pg_start(h), 0);
    ck_assert_int_eq(reconnect_until_done(), STORE_RECONNECTED);
    ck_assert(count_users() == n);
}
END_TEST

/* Runs pg_sleep(secs): its step()'s result. */
static int sleep_for(int secs)
{
    struct db_stmt *s = db_stmt(db, T_SLEEP);
    int rc;

    ck_assert_int_eq(bind(s, "i", secs), 0);
    rc = db_step(s);
    db_reset(s);
    return rc;
}

/* A statement the server does not answer within the query timeout (a
 * server that sleeps stands in for a hung one) fails as DOWN, its
 * transaction lost with the connection given up; reconnect() brings it
 * back. */
START_TEST(unanswered_statement_is_down)
{
    int64_t n = count_users();

    ck_assert_int_eq(db_set_query_timeout(db, UNANSWERED_MS), 0);
    ck_assert_int_eq(sleep_for(0), 1); /* answered in time */
    ck_assert_int_eq(run(T_BEGIN), 0);
    ck_assert_int_eq(insert("+8613800000009", "hung@x", 1), 0);
    ck_assert_int_lt(sleep_for(UNANSWERED_SLEEP_S), 0);
    ck_assert_int_eq(db->drv->fault(db), STORE_FAULT_DOWN);
    ck_assert_msg(strstr(db_errmsg(db), "unanswered"), "got: %s",
                  db_errmsg(db));
    ck_assert(!db_in_transaction(db));
    /* Down until reconnected: nothing waits on the hung connection. */
    ck_assert_int_lt(sleep_for(0), 0);
    ck_assert_int_eq(reconnect_until_done(), STORE_RECONNECTED);
    ck_assert_int_eq(sleep_for(0), 1);
    ck_assert(count_users() == n);
    ck_assert_int_eq(db_set_query_timeout(db, 0), 0);
}
END_TEST

/* The driver's size is the server's count of the database; none while
 * the connection is down. */
START_TEST(size_is_database_size)
{
    struct db_stmt *s = db_stmt(db, T_SIZE);
    int64_t bytes = 0, want;

    ck_assert_int_eq(db_size(db, &bytes), 0);
    ck_assert_int_eq(db_step(s), 1);
    want = db_column_int64(s, 0);
    db_reset(s);
    ck_assert(want > 0);
    ck_assert(bytes == want);

    ck_assert_int_eq(harness_pg_restart(h), 0);
    ck_assert_int_lt(db_step(s), 0); /* finds it down */
    db_reset(s);
    ck_assert_int_lt(db_size(db, &bytes), 0);
    ck_assert(bytes == 0);
    ck_assert_int_eq(reconnect_until_done(), STORE_RECONNECTED);
    ck_assert_int_eq(db_size(db, &bytes), 0);
    ck_assert(bytes > 0);
}
END_TEST

/* A second open finds the schema made: nothing is left to migrate. */
START_TEST(schema_once)
{
    char *dsn = harness_pg_dsn(h);
    char *err = NULL;
    struct db *again = NULL;
    struct db_spec spec = {.target = dsn, .sql = test_sql, .n = T_N};
    int version = -1, pending = -1;

    ck_assert_ptr_nonnull(dsn);
    ck_assert_int_eq(db_pg_probe(dsn, &version, &pending, &err), 0);
    ck_assert_int_ge(version, 1);
    ck_assert_int_eq(pending, 0);
    ck_assert_int_eq(db_postgresql.open(&spec, &again, &err), 0);
    db_postgresql.close(again);
    free(dsn);
}
END_TEST

/* What ADMIN.md advises where the name service may hang: with hostaddr
 * beside host, libpq connects without looking host up, at open and at a
 * reconnection alike (RFC 6761: a .invalid name never resolves). */
START_TEST(hostaddr_skips_lookup)
{
    char *dsn = harness_pg_dsn(h);
    const char *colon = dsn ? strrchr(dsn, ':') : NULL;
    int port = colon ? (int)strtol(colon + 1, NULL, 10) : 0;
    char *err = NULL;
    struct db *other = NULL;
    struct db_spec spec = {.sql = test_sql, .n = T_N};
    struct db *kept = db;
    char target[160];

    ck_assert_int_gt(port, 0);
    snprintf(target, sizeof target,
             "host=cardx-db.invalid hostaddr=127.0.0.1 port=%d "
             "dbname=cardx user=cardx",
             port);
    spec.target = target;
    ck_assert_msg(db_postgresql.open(&spec, &other, &err) == 0, "open: %s",
                  err ? err : "?");
    db = other; /* reconnect_until_done() drives db */
    ck_assert_int_eq(harness_pg_restart(h), 0);
    ck_assert_int_lt(run(T_BEGIN), 0);
    ck_assert_int_eq(db->drv->fault(db), STORE_FAULT_DOWN);
    ck_assert_int_eq(reconnect_until_done(), STORE_RECONNECTED);
    ck_assert_int_eq(sleep_for(0), 1);
    db = kept;
    db_postgresql.close(other);
    /* The fixture's connection lost its server too. */
    ck_assert_int_lt(run(T_BEGIN), 0);
    ck_assert_int_eq(reconnect_until_done(), STORE_RECONNECTED);
    free(dsn);
}
END_TEST

/* The store's every statement, in PostgreSQL's dialect, prepares; a
 * second number for a JID's number is refused as on SQLite. */
START_TEST(store_opens)
{
    char *dsn = harness_pg_dsn(h);
    char *err = NULL;
    struct store *st = NULL;
    char *phone = NULL;

    ck_assert_ptr_nonnull(dsn);
    ck_assert_msg(store_open_driver(&db_postgresql, dsn, NULL, &st, &err) == 0,
                  "store: %s", err ? err : "?");
    ck_assert_int_eq(store_user_register(st, "+8613800000010", "s@x", 1), 0);
    ck_assert_int_eq(store_user_register(st, "+8613800000010", "t@x", 1),
                     STORE_ECONFLICT);
    ck_assert_int_eq(store_user_phone(st, "s@x", &phone), 0);
    ck_assert_str_eq(phone, "+8613800000010");
    free(phone);
    store_free(st);
    free(dsn);
}
END_TEST

/* A password in the DSN never shows in a message. */
START_TEST(password_not_shown)
{
    const char *dsn = "postgresql://cardx:s3kr1t@127.0.0.1:1/cardx";
    struct db_spec spec = {.target = dsn, .sql = test_sql, .n = T_N};
    struct db *none = NULL;
    char *err = NULL;
    char *where = db_pg_describe(dsn);
    int version, pending;

    ck_assert_int_lt(db_postgresql.open(&spec, &none, &err), 0);
    ck_assert_ptr_null(none);
    ck_assert_ptr_nonnull(err);
    ck_assert_ptr_null(strstr(err, "s3kr1t"));
    free(err);
    err = NULL;
    ck_assert_int_lt(db_pg_probe(dsn, &version, &pending, &err), 0);
    ck_assert_ptr_nonnull(err);
    ck_assert_ptr_null(strstr(err, "s3kr1t"));
    free(err);
    ck_assert_ptr_nonnull(where);
    ck_assert_ptr_null(strstr(where, "s3kr1t"));
    ck_assert_ptr_nonnull(strstr(where, "127.0.0.1"));
    free(where);
}
END_TEST

static Suite *db_pg_suite(void)
{
    Suite *s = suite_create("db_pg");
    TCase *tc = tcase_create("postgresql");

    tcase_add_unchecked_fixture(tc, pg_setup, pg_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, types_round_trip);
    tcase_add_test(tc, failed_write_keeps_transaction);
    tcase_add_test(tc, failed_read_ends_transaction);
    tcase_add_test(tc, schema_once);
    tcase_add_test(tc, store_opens);
    tcase_add_test(tc, password_not_shown);
    tcase_add_test(tc, restart_then_reconnect);
    tcase_add_test(tc, unanswered_statement_is_down);
    tcase_add_test(tc, size_is_database_size);
    tcase_add_test(tc, hostaddr_skips_lookup);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN_NOFORK(db_pg_suite)
