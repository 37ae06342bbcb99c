/* Unit tests for the one-time codes that prove phone numbers: made,
 * hashed, compared in constant time, limited by tries, time to live and
 * the daily caps. The clock is injected: no test sleeps. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "component/features/verify_code.h"
#include "tests/lib/runner.h"
#include "tests/lib/tmpdb.h"

#define T0 1700000000000LL /* unix ms of the tests' "now" */
#define MIN 60000LL
#define ALICE "alice@example.test"
#define BOB "bob@example.test"
#define PHONE "+8613800138000"

static const struct verify_limits lim = {10 * MIN, 3, 2};

struct fix {
    struct tmpdb d;
    struct store *st;
    unsigned char key[STORE_VERIFY_KEY_BYTES];
};

static void fix_open(struct fix *f)
{
    char *err = NULL;

    tmpdb_init(&f->d);
    ck_assert_int_eq(store_open(f->d.path, "normal", &f->st, &err), 0);
    ck_assert_int_eq(verify_code_key(f->st, f->key), 0);
}

static void fix_close(struct fix *f)
{
    store_free(f->st);
    tmpdb_remove(&f->d);
}

/* Issues code for jid's claim on PHONE at now; must not be capped. */
static void issue(struct fix *f, const char *jid, const char *code, int64_t now)
{
    unsigned char hash[STORE_VERIFY_HASH_BYTES];
    int64_t retry = -1;

    ck_assert_int_eq(verify_code_issue(f->st, f->key, jid, PHONE, code, &lim,
                                       now, &retry, hash),
                     0);
    ck_assert_int_eq(retry, 0);
}

static enum verify_check check(struct fix *f, const char *jid, const char *code,
                               int64_t now)
{
    enum verify_check res = VERIFY_NO_CLAIM;

    ck_assert_int_eq(
        verify_code_check(f->st, f->key, jid, PHONE, code, &lim, now, &res), 0);
    return res;
}

START_TEST(codes_are_six_digits)
{
    char code[VERIFY_CODE_LEN];
    int seen_lead_digit[10] = {0}, kinds = 0;

    for (int i = 0; i < 200; i++) {
        ck_assert_int_eq(verify_code_make(code), 0);
        ck_assert_uint_eq(strlen(code), VERIFY_CODE_DIGITS);
        ck_assert_uint_eq(strspn(code, "0123456789"), VERIFY_CODE_DIGITS);
        seen_lead_digit[code[0] - '0'] = 1;
    }
    for (int i = 0; i < 10; i++)
        kinds += seen_lead_digit[i];
    /* Leading zeros are kept, and 200 draws cover most first digits. */
    ck_assert_int_ge(kinds, 8);
}
END_TEST

/* Only a keyed hash is stored; it binds the code to account and number. */
START_TEST(hash_is_keyed_and_bound)
{
    struct fix f;
    unsigned char a[STORE_VERIFY_HASH_BYTES], b[STORE_VERIFY_HASH_BYTES];
    unsigned char key2[STORE_VERIFY_KEY_BYTES];

    fix_open(&f);
    ck_assert_int_eq(verify_code_hash(f.key, ALICE, PHONE, "123456", a), 0);
    ck_assert_int_eq(verify_code_hash(f.key, ALICE, PHONE, "123456", b), 0);
    ck_assert(verify_code_equal(a, b, sizeof(a)));
    ck_assert_int_eq(verify_code_hash(f.key, BOB, PHONE, "123456", b), 0);
    ck_assert(!verify_code_equal(a, b, sizeof(a)));
    ck_assert_int_eq(
        verify_code_hash(f.key, ALICE, "+8613800138001", "123456", b), 0);
    ck_assert(!verify_code_equal(a, b, sizeof(a)));
    memcpy(key2, f.key, sizeof(key2));
    key2[0] ^= 1;
    ck_assert_int_eq(verify_code_hash(key2, ALICE, PHONE, "123456", b), 0);
    ck_assert(!verify_code_equal(a, b, sizeof(a)));
    /* The key is made once per database and kept. */
    ck_assert_int_eq(verify_code_key(f.st, key2), 0);
    ck_assert_int_eq(memcmp(key2, f.key, sizeof(key2)), 0);
    /* The code itself is nowhere in the database. */
    issue(&f, ALICE, "654321", T0);
    ck_assert_int_eq(tmpdb_int(&f.d, "SELECT count(*) FROM verify_claims "
                                     "WHERE instr(hash, '654321') > 0"),
                     0);
    ck_assert_int_eq(tmpdb_int(&f.d, "SELECT length(hash) FROM verify_claims"),
                     STORE_VERIFY_HASH_BYTES);
    fix_close(&f);
}
END_TEST

START_TEST(equal_compares_every_byte)
{
    unsigned char a[32] = {0}, b[32] = {0};

    ck_assert(verify_code_equal(a, b, sizeof(a)));
    b[31] = 1;
    ck_assert(!verify_code_equal(a, b, sizeof(a)));
    b[31] = 0;
    b[0] = 0x80;
    ck_assert(!verify_code_equal(a, b, sizeof(a)));
}
END_TEST

START_TEST(right_code_proves_once)
{
    struct fix f;

    fix_open(&f);
    issue(&f, ALICE, "123456", T0);
    ck_assert_int_eq(check(&f, BOB, "123456", T0), VERIFY_NO_CLAIM);
    ck_assert_int_eq(check(&f, ALICE, "123456", T0 + MIN), VERIFY_PROVEN);
    ck_assert_int_eq(check(&f, ALICE, "123456", T0 + MIN), VERIFY_NO_CLAIM);
    fix_close(&f);
}
END_TEST

/* max_tries 3: two wrong codes leave it alive, the third kills it. */
START_TEST(tries_kill_the_code)
{
    struct fix f;

    fix_open(&f);
    issue(&f, ALICE, "123456", T0);
    ck_assert_int_eq(check(&f, ALICE, "000000", T0), VERIFY_WRONG);
    ck_assert_int_eq(check(&f, ALICE, "000001", T0), VERIFY_WRONG);
    ck_assert_int_eq(check(&f, ALICE, "000002", T0), VERIFY_EXHAUSTED);
    ck_assert_int_eq(check(&f, ALICE, "123456", T0), VERIFY_NO_CLAIM);
    /* A new code starts with fresh tries and replaces the old one. */
    issue(&f, ALICE, "222222", T0 + MIN);
    ck_assert_int_eq(check(&f, ALICE, "000000", T0 + MIN), VERIFY_WRONG);
    ck_assert_int_eq(check(&f, ALICE, "222222", T0 + MIN), VERIFY_PROVEN);
    fix_close(&f);
}
END_TEST

START_TEST(code_expires_at_ttl)
{
    struct fix f;

    fix_open(&f);
    issue(&f, ALICE, "123456", T0);
    ck_assert_int_eq(check(&f, ALICE, "000000", T0 + 10 * MIN - 1),
                     VERIFY_WRONG);
    ck_assert_int_eq(check(&f, ALICE, "123456", T0 + 10 * MIN), VERIFY_EXPIRED);
    ck_assert_int_eq(check(&f, ALICE, "123456", T0 + 10 * MIN),
                     VERIFY_NO_CLAIM);
    fix_close(&f);
}
END_TEST

/* Two codes a day per number and per account; the window slides. */
START_TEST(daily_caps)
{
    struct fix f;
    unsigned char hash[STORE_VERIFY_HASH_BYTES];
    int64_t retry = 0;

    fix_open(&f);
    issue(&f, ALICE, "111111", T0);
    issue(&f, BOB, "222222", T0 + MIN);
    /* The number's cap: nothing stored, retry a day after the first. */
    ck_assert_int_eq(verify_code_issue(f.st, f.key, ALICE, PHONE, "333333",
                                       &lim, T0 + 2 * MIN, &retry, hash),
                     0);
    ck_assert_int_eq(retry, T0 + VERIFY_DAY_MS);
    ck_assert_int_eq(check(&f, ALICE, "111111", T0 + 3 * MIN), VERIFY_PROVEN);
    /* The account's cap, for another number. */
    ck_assert_int_eq(verify_code_issue(f.st, f.key, BOB, "+8613800138001",
                                       "444444", &lim, T0 + 2 * MIN, &retry,
                                       hash),
                     0);
    ck_assert_int_eq(retry, 0);
    ck_assert_int_eq(verify_code_issue(f.st, f.key, BOB, "+8613800138002",
                                       "555555", &lim, T0 + 2 * MIN, &retry,
                                       hash),
                     0);
    ck_assert_int_eq(retry, T0 + MIN + VERIFY_DAY_MS);
    /* A day after the first code, the number may have one again. */
    issue(&f, ALICE, "666666", T0 + VERIFY_DAY_MS + 1);
    fix_close(&f);
}
END_TEST

static Suite *verify_suite(void)
{
    Suite *s = suite_create("verify");
    TCase *tc = tcase_create("codes");

    tcase_add_test(tc, codes_are_six_digits);
    tcase_add_test(tc, hash_is_keyed_and_bound);
    tcase_add_test(tc, equal_compares_every_byte);
    tcase_add_test(tc, right_code_proves_once);
    tcase_add_test(tc, tries_kill_the_code);
    tcase_add_test(tc, code_expires_at_ttl);
    tcase_add_test(tc, daily_caps);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(verify_suite)
