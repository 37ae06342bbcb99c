/* Unit tests of the sender limits (component/limits.c) over a real store,
 * with the clock passed in: windows, their boundaries, distinct numbers,
 * 0 for unlimited, persistence across a reopen, and when a card expires. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "component/limits.h"
#include "tests/lib/runner.h"
#include "tests/lib/tmpdb.h"

#define T0 1700000000000LL /* unix ms: any wall time will do */
#define A "a@example.test"
#define B "b@example.test"
#define N1 "+8613800000001"
#define N2 "+8613800000002"
#define N3 "+8613800000003"

struct fix {
    struct tmpdb d;
    struct store *st;
    struct cardxd_config *cfg;
};

static void fix_open(struct fix *f)
{
    char *err = NULL;

    ck_assert_int_eq(store_open(f->d.path, "normal", &f->st, &err), 0);
    ck_assert_ptr_null(err);
}

/* A store and a config with every limit off but those the test sets. */
static void fix_init(struct fix *f, int per_minute, int per_day, int lookups)
{
    tmpdb_init(&f->d);
    fix_open(f);
    f->cfg = config_new();
    ck_assert_ptr_nonnull(f->cfg);
    f->cfg->sends_per_minute = per_minute;
    f->cfg->sends_per_day = per_day;
    f->cfg->lookups_per_day = lookups;
}

static void fix_free(struct fix *f)
{
    store_free(f->st);
    config_free(f->cfg);
    tmpdb_remove(&f->d);
}

/* limits_take() that must not fail; returns the verdict. */
static struct limits_verdict take(struct fix *f, const char *jid,
                                  const char *phone, int64_t now)
{
    struct limits_verdict v;

    ck_assert_int_eq(limits_take(f->st, f->cfg, jid, phone, now, &v), 0);
    return v;
}

/* The minute window: its limit is reached exactly at the limit, the
 * refusal says when it ends, and it lets through at that instant. */
START_TEST(minute_boundary)
{
    struct fix f;
    struct limits_verdict v;

    fix_init(&f, 3, 0, 0);
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(take(&f, A, N1, T0 + i * 1000).refused, 0);
    v = take(&f, A, N1, T0 + 5000);
    ck_assert_int_eq(v.refused, 1);
    ck_assert_int_eq(v.kind, LIMITS_MINUTE);
    ck_assert_int_eq(v.limit, 3);
    ck_assert_int_eq(v.retry_at, T0 + LIMITS_MINUTE_MS);
    ck_assert_int_eq(take(&f, A, N1, T0 + LIMITS_MINUTE_MS - 1).refused, 1);
    ck_assert_int_eq(take(&f, A, N1, T0 + LIMITS_MINUTE_MS).refused, 0);
    fix_free(&f);
}
END_TEST

/* The day window counts across minutes, and a refusal by one window
 * counts nothing in the others. */
START_TEST(day_boundary)
{
    struct fix f;
    struct limits_verdict v;
    int64_t started = 0, used = -1;

    fix_init(&f, 2, 5, 0);
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(take(&f, A, N1, T0 + i * LIMITS_MINUTE_MS).refused, 0);
    /* the minute is free, the day is not */
    v = take(&f, A, N1, T0 + 10 * LIMITS_MINUTE_MS);
    ck_assert_int_eq(v.refused, 1);
    ck_assert_int_eq(v.kind, LIMITS_DAY);
    ck_assert_int_eq(v.retry_at, T0 + LIMITS_DAY_MS);
    ck_assert_int_eq(store_window_get(f.st, A, LIMITS_MINUTE, &started, &used),
                     0);
    ck_assert_int_eq(started, T0 + 4 * LIMITS_MINUTE_MS);
    ck_assert_int_eq(used, 1);
    ck_assert_int_eq(take(&f, A, N1, T0 + LIMITS_DAY_MS - 1).refused, 1);
    ck_assert_int_eq(take(&f, A, N1, T0 + LIMITS_DAY_MS).refused, 0);
    ck_assert_int_eq(store_window_get(f.st, A, LIMITS_DAY, &started, &used), 0);
    ck_assert_int_eq(started, T0 + LIMITS_DAY_MS);
    ck_assert_int_eq(used, 1);
    fix_free(&f);
}
END_TEST

/* Lookups count distinct numbers: sending again to a number already
 * counted is free, a new one past the limit is refused, and a new window
 * forgets the old numbers. */
START_TEST(lookups_distinct)
{
    struct fix f;
    struct limits_verdict v;

    fix_init(&f, 0, 0, 2);
    ck_assert_int_eq(take(&f, A, N1, T0).refused, 0);
    ck_assert_int_eq(take(&f, A, N2, T0 + 1).refused, 0);
    for (int i = 0; i < 10; i++) {
        ck_assert_int_eq(take(&f, A, N1, T0 + 2 + i).refused, 0);
        ck_assert_int_eq(take(&f, A, N2, T0 + 2 + i).refused, 0);
    }
    v = take(&f, A, N3, T0 + 100);
    ck_assert_int_eq(v.refused, 1);
    ck_assert_int_eq(v.kind, LIMITS_LOOKUPS);
    ck_assert_int_eq(v.limit, 2);
    ck_assert_int_eq(v.retry_at, T0 + LIMITS_DAY_MS);
    /* another account has lookups of its own */
    ck_assert_int_eq(take(&f, B, N3, T0 + 100).refused, 0);
    /* next window: N3 first, then N1 is new again and takes the last one */
    ck_assert_int_eq(take(&f, A, N3, T0 + LIMITS_DAY_MS).refused, 0);
    ck_assert_int_eq(take(&f, A, N1, T0 + LIMITS_DAY_MS + 1).refused, 0);
    ck_assert_int_eq(take(&f, A, N2, T0 + LIMITS_DAY_MS + 2).refused, 1);
    ck_assert_int_eq(
        tmpdb_int(&f.d,
                  "SELECT count(*) FROM send_lookups WHERE jid = '" A "'"),
        2);
    fix_free(&f);
}
END_TEST

/* 0 is unlimited, and an unlimited window is not even counted. */
START_TEST(zero_is_unlimited)
{
    struct fix f;

    fix_init(&f, 0, 0, 0);
    for (int i = 0; i < 1000; i++)
        ck_assert_int_eq(take(&f, A, i % 2 ? N1 : N2, T0).refused, 0);
    ck_assert_int_eq(tmpdb_int(&f.d, "SELECT count(*) FROM send_windows"), 0);
    ck_assert_int_eq(tmpdb_int(&f.d, "SELECT count(*) FROM send_lookups"), 0);
    fix_free(&f);
}
END_TEST

/* The counters are on disk: closing and reopening the store (a restart of
 * cardxd) keeps the sender at their limit. */
START_TEST(survives_reopen)
{
    struct fix f;

    fix_init(&f, 2, 0, 0);
    ck_assert_int_eq(take(&f, A, N1, T0).refused, 0);
    ck_assert_int_eq(take(&f, A, N1, T0 + 1).refused, 0);
    store_free(f.st);
    fix_open(&f);
    ck_assert_int_eq(take(&f, A, N1, T0 + 2).refused, 1);
    fix_free(&f);
}
END_TEST

/* A clock set back does not stretch a window beyond its length. */
START_TEST(clock_set_back)
{
    struct fix f;

    fix_init(&f, 1, 0, 0);
    ck_assert_int_eq(take(&f, A, N1, T0).refused, 0);
    ck_assert_int_eq(take(&f, A, N1, T0 + 1).refused, 1);
    ck_assert_int_eq(take(&f, A, N1, T0 - 3600000).refused, 0);
    fix_free(&f);
}
END_TEST

/* Pruning forgets only windows that have ended. */
START_TEST(prune_ended_windows)
{
    struct fix f;

    fix_init(&f, 5, 5, 5);
    ck_assert_int_eq(take(&f, A, N1, T0).refused, 0);
    ck_assert_int_eq(take(&f, B, N1, T0 + LIMITS_DAY_MS).refused, 0);
    ck_assert_int_eq(limits_prune(f.st, T0 + LIMITS_DAY_MS), 0);
    ck_assert_int_eq(tmpdb_int(&f.d, "SELECT count(*) FROM send_windows"), 6);
    ck_assert_int_eq(limits_prune(f.st, T0 + LIMITS_DAY_MS + 1), 0);
    ck_assert_int_eq(tmpdb_int(&f.d, "SELECT count(*) FROM send_windows "
                                     "WHERE jid = '" A "'"),
                     0);
    ck_assert_int_eq(tmpdb_int(&f.d, "SELECT count(*) FROM send_windows"), 3);
    ck_assert_int_eq(tmpdb_int(&f.d, "SELECT count(*) FROM send_lookups"), 1);
    fix_free(&f);
}
END_TEST

/* A card expires never early and at most a second late (the store keeps
 * seconds), and the sweep's cutoff agrees with the per-card test. */
START_TEST(expiry_instant)
{
    const int64_t created = 1700000000, ttl = 3000;

    ck_assert_int_eq(limits_expiry(created, ttl), created * 1000 + 1000 + ttl);
    ck_assert_int_eq(limits_expired(created, ttl, created * 1000 + ttl), 0);
    ck_assert_int_eq(limits_expired(created, ttl, created * 1000 + ttl + 999),
                     0);
    ck_assert_int_eq(limits_expired(created, ttl, created * 1000 + ttl + 1000),
                     1);
    ck_assert_int_eq(limits_expired(created, 0, INT64_MAX / 2), 0);
    for (int64_t now = created * 1000; now < created * 1000 + 6000;
         now += 250) {
        int swept = created < limits_expired_before(ttl, now);

        ck_assert_int_eq(swept, limits_expired(created, ttl, now));
    }
    ck_assert_int_eq(limits_expired_before(5000, 1000), -4);
}
END_TEST

static Suite *limits_suite(void)
{
    Suite *s = suite_create("limits");
    TCase *tc = tcase_create("limiter");

    tcase_add_test(tc, minute_boundary);
    tcase_add_test(tc, day_boundary);
    tcase_add_test(tc, lookups_distinct);
    tcase_add_test(tc, zero_is_unlimited);
    tcase_add_test(tc, survives_reopen);
    tcase_add_test(tc, clock_set_back);
    tcase_add_test(tc, prune_ended_windows);
    tcase_add_test(tc, expiry_instant);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(limits_suite)
