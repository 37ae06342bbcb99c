/* The card store's search on 100,000 contacts: right rows and totals, and
 * (printed, not asserted: timing is for benchmarks) how long it took. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client/cardstore.h"
#include "tests/lib/runner.h"

#define CONTACTS 100000
#define ORGS 300

/* What a search visited (at most MAX_IDS ids kept, best first) and how
 * many matched in all. */
#define MAX_IDS 64

struct hits {
    size_t n;
    int64_t first;
    int64_t id[MAX_IDS];
    int64_t total;
};

static int count(void *ud, const struct cardstore_card *c)
{
    struct hits *h = ud;

    if (h->n == 0)
        h->first = c->id;
    if (h->n < MAX_IDS)
        h->id[h->n] = c->id;
    h->n++;
    return 0;
}

static double ms_since(const struct timespec *t0)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) * 1e3 +
           (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

/* Searches text for the best limit (0: all), timed for information. */
static struct hits search_n(struct cardstore *cs, const char *text,
                            size_t limit)
{
    struct hits h = {0};
    struct timespec t0;
    int rc;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    rc = cardstore_contact_search(cs, text, limit, count, &h, &h.total);
    fprintf(stderr, "search \"%s\" limit %zu: %zu of %lld rows in %.2f ms\n",
            text, limit, h.n, (long long)h.total, ms_since(&t0));
    ck_assert_msg(rc == 0, "search \"%s\": %s", text, cardstore_errmsg(cs));
    ck_assert_int_ge(h.total, (int64_t)h.n);
    return h;
}

static struct hits search(struct cardstore *cs, const char *text)
{
    return search_n(cs, text, 0);
}

/* Contact i: "Person NNNNNN", +86138000NNNNN... and one of ORGS orgs. */
static void fill(int i, char *name, char *phone, char *email, char *org)
{
    sprintf(name, "Person%06d Tester", i);
    sprintf(phone, "+86138%08d", i);
    sprintf(email, "p%d@example%d.com", i, i % 50);
    sprintf(org, "Acme%03d Ltd", i % ORGS);
}

static void remove_db(const char *dir, const char *path)
{
    static const char *const suffix[] = {"", "-wal", "-shm"};
    char file[128];
    size_t i;

    for (i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
        snprintf(file, sizeof file, "%s%s", path, suffix[i]);
        unlink(file);
    }
    ck_assert_int_eq(rmdir(dir), 0);
}

START_TEST(search_100k)
{
    char dir[64], path[96], name[32], phone[32], email[48], org[32];
    struct cardstore_card c = {0};
    struct cardstore *cs = NULL;
    struct timespec t0;
    struct hits h, all;
    char *err = NULL;
    int64_t id, target = 0;
    int i;

    snprintf(dir, sizeof dir, "/tmp/cardx-scale-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/cardx.db", dir);
    ck_assert_int_eq(cardstore_open(path, &cs, &err), 0);

    clock_gettime(CLOCK_MONOTONIC, &t0);
    ck_assert_int_eq(cardstore_begin(cs), 0);
    c.f.name = name;
    c.f.phone = phone;
    c.f.email = email;
    c.f.org = org;
    c.f.title = "Engineer";
    for (i = 0; i < CONTACTS; i++) {
        fill(i, name, phone, email, org);
        ck_assert_int_eq(cardstore_contact_add(cs, &c, &id), 0);
        if (i == 42424)
            target = id;
    }
    ck_assert_int_eq(cardstore_commit(cs), 0);
    fprintf(stderr, "inserted %d contacts in %.0f ms\n", CONTACTS,
            ms_since(&t0));

    h = search(cs, "Person042424");
    ck_assert_uint_eq(h.n, 1);
    ck_assert_int_eq(h.first, target);
    h = search(cs, "+86 138 0004 2424");
    ck_assert_uint_eq(h.n, 1);
    ck_assert_int_eq(h.first, target);
    h = search(cs, "13800042424");
    ck_assert_uint_eq(h.n, 1);
    ck_assert_int_eq(h.first, target);
    h = search(cs, "p42424@example24.com");
    ck_assert_uint_eq(h.n, 1);
    ck_assert_int_eq(h.first, target);
    /* Ten people share a prefix of ten. */
    h = search(cs, "person04242");
    ck_assert_uint_eq(h.n, 10);
    /* i % 300 == 123 for 333 of them, 34 of them in 40000..49999. */
    h = search(cs, "acme123");
    ck_assert_uint_eq(h.n, 333);
    h = search(cs, "acme123 person04");
    ck_assert_uint_eq(h.n, 34);
    h = search(cs, "nobody");
    ck_assert_uint_eq(h.n, 0);

    /* Broad queries, as the command runs them: the best 50 and a count.
     * i % 300 in 120..129 for 3,330 of them; every one is a Tester. */
    all = search(cs, "acme12");
    ck_assert_uint_eq(all.n, 3330);
    ck_assert_int_eq(all.total, 3330);
    h = search_n(cs, "acme12", 50);
    ck_assert_uint_eq(h.n, 50);
    ck_assert_int_eq(h.total, 3330);
    ck_assert_mem_eq(h.id, all.id, 50 * sizeof h.id[0]);
    h = search_n(cs, "tester", 50);
    ck_assert_uint_eq(h.n, 50);
    ck_assert_int_eq(h.total, CONTACTS);
    h = search_n(cs, "acme123 person04", 50);
    ck_assert_uint_eq(h.n, 34);
    ck_assert_int_eq(h.total, 34);
    h = search_n(cs, "Person042424", 50);
    ck_assert_uint_eq(h.n, 1);
    ck_assert_int_eq(h.first, target);
    ck_assert_int_eq(h.total, 1);

    cardstore_free(cs);
    remove_db(dir, path);
}
END_TEST

static Suite *cardstore_scale_suite(void)
{
    Suite *s = suite_create("cardstore_scale");
    TCase *tc = tcase_create("scale");

    tcase_add_test(tc, search_100k);
    tcase_set_timeout(tc, 120);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(cardstore_scale_suite)
