/* Unit tests of component/stats.c: counts by event and reason, the hour
 * and day windows, histograms, held-back batch counts and the link. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component/metrics.h"
#include "component/stats.h"
#include "component/store.h"
#include "tests/lib/runner.h"
#include "tests/lib/tmpdb.h"

#define MIN_MS 60000LL
#define T0 1000000LL /* an arbitrary monotonic start */

static void count_reason(void *ud, const char *reason)
{
    char *buf = ud;

    strcat(buf, reason);
    strcat(buf, ";");
}

START_TEST(counts_and_windows)
{
    struct stats *st = stats_new(T0);

    ck_assert_ptr_nonnull(st);
    stats_count(st, STATS_ACCEPTED, NULL, T0);
    stats_count(st, STATS_ACCEPTED, NULL, T0 + 30 * MIN_MS);
    stats_count(st, STATS_ACCEPTED, NULL, T0 + 90 * MIN_MS);
    ck_assert_uint_eq(stats_total(st, STATS_ACCEPTED, NULL), 3);
    /* At 90 min: the last hour holds minutes 31..90, the day all three. */
    ck_assert_uint_eq(stats_window(st, STATS_ACCEPTED, NULL, T0 + 90 * MIN_MS,
                                   STATS_HOUR_MIN),
                      1);
    ck_assert_uint_eq(
        stats_window(st, STATS_ACCEPTED, NULL, T0 + 90 * MIN_MS, STATS_DAY_MIN),
        3);
    /* A day and a half later the day forgot them; the total did not. */
    ck_assert_uint_eq(stats_window(st, STATS_ACCEPTED, NULL,
                                   T0 + 36 * 60 * MIN_MS, STATS_DAY_MIN),
                      0);
    stats_count(st, STATS_ACCEPTED, NULL, T0 + 36 * 60 * MIN_MS);
    ck_assert_uint_eq(stats_window(st, STATS_ACCEPTED, NULL,
                                   T0 + 36 * 60 * MIN_MS, STATS_DAY_MIN),
                      1);
    ck_assert_uint_eq(stats_total(st, STATS_ACCEPTED, NULL), 4);
    ck_assert_uint_eq(stats_total(st, STATS_DELIVERED, NULL), 0);
    stats_free(st);
    stats_free(NULL);
}
END_TEST

START_TEST(reasons)
{
    struct stats *st = stats_new(T0);
    char seen[1024] = "", name[32];

    stats_count(st, STATS_REFUSED, "item-not-found", T0);
    stats_count(st, STATS_REFUSED, "policy-violation", T0);
    stats_count(st, STATS_REFUSED, "item-not-found", T0);
    ck_assert_uint_eq(stats_total(st, STATS_REFUSED, NULL), 3);
    ck_assert_uint_eq(stats_total(st, STATS_REFUSED, "item-not-found"), 2);
    ck_assert_uint_eq(
        stats_window(st, STATS_REFUSED, "policy-violation", T0, 60), 1);
    stats_each_reason(st, STATS_REFUSED, count_reason, seen);
    ck_assert_str_eq(seen, "item-not-found;policy-violation;");
    /* A bounded table: reasons past it are "other". */
    for (int i = 0; i < 2 * STATS_REASONS_MAX; i++) {
        snprintf(name, sizeof(name), "r%d", i);
        stats_count(st, STATS_REFUSED, name, T0);
    }
    ck_assert_uint_eq(stats_total(st, STATS_REFUSED, NULL),
                      3 + 2 * STATS_REASONS_MAX);
    ck_assert_uint_gt(stats_total(st, STATS_REFUSED, "other"), 0);
    stats_free(st);
}
END_TEST

START_TEST(histograms)
{
    struct stats *st = stats_new(T0);
    const struct stats_hist *h;

    stats_observe(st, STATS_ACCEPT_TO_DELIVER, 50);
    stats_observe(st, STATS_ACCEPT_TO_DELIVER, 2000);
    stats_observe(st, STATS_ACCEPT_TO_DELIVER, 10LL * 86400000);
    h = stats_histogram(st, STATS_ACCEPT_TO_DELIVER);
    ck_assert_uint_eq(h->count, 3);
    ck_assert_uint_eq(h->n[0], 1); /* <= 0.1 s */
    ck_assert_uint_eq(h->n[3], 1); /* <= 5 s */
    ck_assert_uint_eq(h->n[STATS_HIST_BUCKETS - 1], 1);
    ck_assert(isinf(h->le[STATS_HIST_BUCKETS - 1]));
    ck_assert_double_eq_tol(h->sum, 0.05 + 2 + 864000, 1e-6);
    /* Ack latency from the noted delivery; unknown cards are not timed. */
    stats_delivery_note(st, "card-1", 5000);
    stats_delivery_acked(st, "card-1", 8000);
    stats_delivery_acked(st, "card-1", 9000);
    stats_delivery_acked(st, "card-2", 9000);
    h = stats_histogram(st, STATS_DELIVER_TO_ACK);
    ck_assert_uint_eq(h->count, 1);
    ck_assert_double_eq_tol(h->sum, 3.0, 1e-9);
    stats_free(st);
}
END_TEST

/* A rolled-back batch's counts are dropped: its work is done again. */
START_TEST(batches)
{
    struct stats *st = stats_new(T0);

    stats_mark(st);
    stats_count(st, STATS_ACCEPTED, NULL, T0);
    stats_observe(st, STATS_ACCEPT_TO_DELIVER, 10);
    ck_assert_uint_eq(stats_total(st, STATS_ACCEPTED, NULL), 0);
    stats_rewind(st);
    ck_assert_uint_eq(stats_total(st, STATS_ACCEPTED, NULL), 0);
    stats_count(st, STATS_ACCEPTED, NULL, T0); /* outside a batch: now */
    ck_assert_uint_eq(stats_total(st, STATS_ACCEPTED, NULL), 1);
    stats_mark(st);
    stats_count(st, STATS_ACCEPTED, NULL, T0);
    stats_observe(st, STATS_ACCEPT_TO_DELIVER, 10);
    stats_settle(st);
    ck_assert_uint_eq(stats_total(st, STATS_ACCEPTED, NULL), 2);
    ck_assert_uint_eq(stats_histogram(st, STATS_ACCEPT_TO_DELIVER)->count, 1);
    stats_free(st);
}
END_TEST

START_TEST(link_and_store)
{
    struct stats *st = stats_new(T0);
    struct stats_link l;
    uint64_t errors;
    int64_t last;

    stats_link_get(st, T0 + 10, &l);
    ck_assert_int_eq(l.up, 0);
    ck_assert_int_eq(l.uptime_ms, 0);
    stats_link_up(st, T0 + 100);
    stats_link_down(st, T0 + 200);
    stats_link_up(st, T0 + 300);
    stats_link_get(st, T0 + 1300, &l);
    ck_assert_int_eq(l.up, 1);
    ck_assert_int_eq(l.uptime_ms, 1000);
    ck_assert_uint_eq(l.reconnects, 1);
    ck_assert_int_eq(l.process_uptime_ms, 1300);
    stats_store_get(st, &errors, &last);
    ck_assert_uint_eq(errors, 0);
    stats_store_error(st, 777);
    stats_store_get(st, &errors, &last);
    ck_assert_uint_eq(errors, 1);
    ck_assert_int_eq(last, 777);
    ck_assert_str_eq(stats_event_name(STATS_ACKED), "acknowledged");
    stats_free(st);
}
END_TEST

/* The exposition over a real store: exact samples and the metadata. */
START_TEST(exposition)
{
    struct stats *st = stats_new(T0);
    struct store_inbox_item item = {.card_id = "card-x",
                                    .recipient_phone = "+8613800138000",
                                    .sender_phone = "+8613800138001",
                                    .sender_jid = "a@example.test",
                                    .vcard = "<vCard xmlns='vcard-temp'/>",
                                    .created = 1700000000};
    struct metrics_source src;
    struct store *store = NULL;
    struct tmpdb d;
    char *err = NULL, *text;
    const char *size;
    size_t len = 0;

    tmpdb_init(&d);
    ck_assert_int_eq(store_open(d.path, "normal", &store, &err), 0);
    ck_assert_int_eq(store_user_register(store, "+8613800138001",
                                         "a@example.test", 1700000000),
                     0);
    ck_assert_int_eq(store_inbox_push(store, &item), 0);
    stats_count(st, STATS_ACCEPTED, NULL, T0);
    stats_count(st, STATS_REFUSED, "item-not-found", T0);
    stats_observe(st, STATS_ACCEPT_TO_DELIVER, 200);
    stats_link_up(st, T0);
    src.stats = st;
    src.store = store;
    text = metrics_render(&src, T0 + 2500, &len);
    ck_assert_ptr_nonnull(text);
    ck_assert_uint_eq(len, strlen(text));
    ck_assert_ptr_nonnull(strstr(text, "# TYPE cardxd_cards_accepted counter\n"
                                       "# HELP cardxd_cards_accepted "));
    ck_assert_ptr_nonnull(strstr(text, "\ncardxd_cards_accepted_total 1\n"));
    ck_assert_ptr_nonnull(strstr(
        text, "\ncardxd_cards_refused_total{reason=\"item-not-found\"} 1\n"));
    ck_assert_ptr_nonnull(
        strstr(text, "# TYPE cardxd_card_delivery_latency_seconds histogram\n"
                     "# UNIT cardxd_card_delivery_latency_seconds seconds\n"));
    ck_assert_ptr_nonnull(strstr(
        text, "\ncardxd_card_delivery_latency_seconds_bucket{le=\"0.1\"} 0\n"
              "cardxd_card_delivery_latency_seconds_bucket{le=\"0.5\"} 1\n"));
    ck_assert_ptr_nonnull(strstr(
        text, "\ncardxd_card_delivery_latency_seconds_bucket{le=\"+Inf\"} 1\n"
              "cardxd_card_delivery_latency_seconds_sum 0.200\n"
              "cardxd_card_delivery_latency_seconds_count 1\n"));
    ck_assert_ptr_nonnull(strstr(text, "\ncardxd_users_registered 1\n"));
    ck_assert_ptr_nonnull(strstr(text, "\ncardxd_cards_waiting 1\n"));
    ck_assert_ptr_nonnull(strstr(
        text, "\ncardxd_cards_oldest_waiting_timestamp_seconds 1700000000\n"));
    ck_assert_ptr_nonnull(strstr(text, "\ncardxd_link_up 1\n"));
    ck_assert_ptr_nonnull(strstr(text, "\ncardxd_link_uptime_seconds 2.500\n"));
    ck_assert_ptr_nonnull(strstr(text, "\ncardxd_database_ok 1\n"));
    /* The file, measured by the store's driver. */
    size = strstr(text, "\ncardxd_database_size_bytes ");
    ck_assert_ptr_nonnull(size);
    ck_assert_int_gt(
        strtoll(size + strlen("\ncardxd_database_size_bytes "), NULL, 10), 0);
    ck_assert_str_eq(text + len - 6, "# EOF\n");
    free(text);
    store_free(store);
    stats_free(st);
    tmpdb_remove(&d);
}
END_TEST

static Suite *stats_suite(void)
{
    Suite *s = suite_create("stats");
    TCase *tc = tcase_create("counters");

    tcase_add_test(tc, counts_and_windows);
    tcase_add_test(tc, reasons);
    tcase_add_test(tc, histograms);
    tcase_add_test(tc, batches);
    tcase_add_test(tc, link_and_store);
    tcase_add_test(tc, exposition);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(stats_suite)
