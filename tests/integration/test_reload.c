/* SIGHUP against a real server: cardxd reads its configuration again and
 * applies it on the same link (a new limit, the log level, a log file
 * reopened for logrotate), names what needs a restart, and keeps running
 * on the old configuration when the new one is broken. Also: at info
 * level every card's life is logged with its id. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "tests/integration/itest.h"
#include "tests/lib/runner.h"

#define RELOADED "configuration reloaded from"
/* A line of cardxd's at debug level (the timestamp ends in Z). */
#define DEBUG_LINE "Z debug "

/* Logs in a sender with a number and a card. */
static struct xclient *sender(const char *user, const char *phone)
{
    struct xclient *c = itest_login(user, 1, 1);

    itest_register_phone(c, phone);
    itest_upload_card(c, user, phone);
    return c;
}

/* Registers a recipient's number and logs them out again. */
static void offline_recipient(const char *user, const char *phone)
{
    struct xclient *c = itest_login(user, 1, 1);

    itest_register_phone(c, phone);
    xclient_disconnect_free(c);
}

/* Appends ini to cardxd's config, sends SIGHUP and waits for the reload's
 * nth success line. */
static void reload_with(const char *ini, int nth)
{
    struct harness *h = itest_harness();

    ck_assert_int_eq(harness_cardxd_config_append(h, ini), 0);
    ck_assert_int_eq(harness_cardxd_reload(h), 0);
    ck_assert_int_eq(
        harness_cardxd_wait_log(h, RELOADED, nth, ITEST_TIMEOUT_MS), 0);
}

/* The number of lines of cardxd.log holding "card ID" and then what. */
static int card_lines(const char *id, const char *what)
{
    char phrase[160];

    snprintf(phrase, sizeof(phrase), "card %s %s", id, what);
    return harness_cardxd_log_count(itest_harness(), phrase);
}

/* A new daily limit applies to the next send on the same link, with no
 * reconnect; a changed link key is named as needing a restart. */
START_TEST(limit_reloaded_on_same_link)
{
    struct harness *h = itest_harness();
    int ups = harness_cardxd_link_ups(h);
    struct xclient *a = sender("rl_a", "+8613800150001");
    struct itest_sent sent;

    offline_recipient("rl_b", "+8613800150002");
    ck_assert_str_eq(itest_send(a, "+8613800150002", NULL, &sent), "queued");
    ck_assert_str_eq(itest_send(a, "+8613800150002", NULL, &sent),
                     "error:policy-violation");
    reload_with("[limits]\nsends_per_day = 3\n"
                "[component]\nreconnect_max = 2000\n",
                1);
    ck_assert_str_eq(itest_send(a, "+8613800150002", NULL, &sent), "queued");
    ck_assert_int_ge(harness_cardxd_log_count(h, "[component] reconnect_max "
                                                 "changed; restart cardxd to "
                                                 "apply"),
                     1);
    ck_assert_int_eq(harness_cardxd_link_ups(h), ups);
    ck_assert(harness_cardxd_running(h));
    xclient_disconnect_free(a);
}
END_TEST

/* At info level (reloaded from debug: no debug line follows), a card's id
 * is in the lines that say it was accepted, delivered and acknowledged. */
START_TEST(card_life_logged_at_info)
{
    struct harness *h = itest_harness();
    struct xclient *a = sender("life_a", "+8613800150011");
    struct xclient *b = itest_login("life_b", 1, 1);
    struct itest_sent sent;
    xmpp_stanza_t *card;
    char phrase[160];
    int debug_lines;

    itest_register_phone(b, "+8613800150012");
    reload_with("[log]\nlevel = info\n", 2);
    debug_lines = harness_cardxd_log_count(h, DEBUG_LINE);
    ck_assert_str_eq(itest_send(a, "+8613800150012", "hello", &sent), "queued");
    card = itest_wait_card(b, ITEST_TIMEOUT_MS);
    ck_assert_ptr_nonnull(card);
    ck_assert_str_eq(xmpp_stanza_get_id(card), sent.id);
    itest_ack(b, card);
    xmpp_stanza_release(card);
    snprintf(phrase, sizeof(phrase), "card %s acknowledged by", sent.id);
    ck_assert_int_eq(harness_cardxd_wait_log(h, phrase, 1, ITEST_TIMEOUT_MS),
                     0);
    ck_assert_int_eq(card_lines(sent.id, "from +8613800150011 to "
                                         "+8613800150012 accepted"),
                     1);
    ck_assert_int_ge(card_lines(sent.id, "delivered to 1 resource(s) of "
                                         "life_b@"),
                     1);
    ck_assert_int_eq(card_lines(sent.id, "acknowledged by life_b@"), 1);
    ck_assert_int_eq(harness_cardxd_log_count(h, DEBUG_LINE), debug_lines);
    xclient_disconnect_free(b);
    xclient_disconnect_free(a);
}
END_TEST

/* A file that fails to load changes nothing: cardxd logs why, keeps its
 * link and the limit it had (3 a day, not the default). */
START_TEST(broken_config_keeps_running)
{
    struct harness *h = itest_harness();
    int ups = harness_cardxd_link_ups(h);
    struct xclient *a = sender("bk_a", "+8613800150021");
    struct itest_sent sent;

    offline_recipient("bk_b", "+8613800150022");
    ck_assert_int_eq(
        harness_cardxd_config_append(h, "[limits]\nsends_per_day = many\n"), 0);
    ck_assert_int_eq(harness_cardxd_reload(h), 0);
    ck_assert_int_eq(harness_cardxd_wait_log(h,
                                             "reload failed, the running "
                                             "configuration stays: ",
                                             1, ITEST_TIMEOUT_MS),
                     0);
    ck_assert_int_ge(harness_cardxd_log_count(h, "bad sends_per_day 'many'"),
                     1);
    for (int i = 0; i < 3; i++)
        ck_assert_str_eq(itest_send(a, "+8613800150022", NULL, &sent),
                         "queued");
    ck_assert_str_eq(itest_send(a, "+8613800150022", NULL, &sent),
                     "error:policy-violation");
    ck_assert(harness_cardxd_running(h));
    ck_assert_int_eq(harness_cardxd_link_ups(h), ups);
    xclient_disconnect_free(a);
}
END_TEST

/* Whether the file at path holds needle; 0 when it does not exist. */
static int file_holds(const char *path, const char *needle)
{
    FILE *f = fopen(path, "r");
    char line[4096];
    int found = 0;

    if (!f)
        return 0;
    while (!found && fgets(line, sizeof(line), f))
        found = strstr(line, needle) != NULL;
    fclose(f);
    return found;
}

/* Waits, bounded, until the file at path holds needle. */
static int wait_file_holds(const char *path, const char *needle)
{
    struct timespec step = {0, 20 * 1000000L};

    for (int i = 0; i < ITEST_TIMEOUT_MS / 20; i++) {
        if (file_holds(path, needle))
            return 1;
        nanosleep(&step, NULL);
    }
    return 0;
}

/* [log] file: created 0600, and opened again on SIGHUP, so that a rotated
 * file is let go and a new one started. */
START_TEST(log_file_reopened)
{
    struct harness *h = itest_harness();
    char ini[512], path[300], rotated[310];
    struct stat sb;

    snprintf(path, sizeof(path), "%s/file.log", harness_rundir(h));
    snprintf(rotated, sizeof(rotated), "%s.1", path);
    snprintf(ini, sizeof(ini), "[log]\nfile = %s\n", path);
    harness_cardxd_config_reset(h); /* the broken value of the test above */
    ck_assert_int_eq(harness_cardxd_config_append(h, ini), 0);
    ck_assert_int_eq(harness_cardxd_reload(h), 0);
    ck_assert_msg(wait_file_holds(path, RELOADED), "%s never written", path);
    ck_assert_int_eq(stat(path, &sb), 0);
    ck_assert_int_eq(sb.st_mode & 0777, 0600);
    ck_assert_int_eq(rename(path, rotated), 0);
    ck_assert_int_eq(harness_cardxd_reload(h), 0);
    ck_assert_msg(wait_file_holds(path, RELOADED), "%s not reopened", path);
    /* The reload's first line went to the old file before it was let go. */
    ck_assert(file_holds(rotated, "SIGHUP: reading"));
    ck_assert(harness_cardxd_running(h));
}
END_TEST

static void setup(void)
{
    itest_setup_with("[limits]\nsends_per_minute = 0\nsends_per_day = 1\n"
                     "lookups_per_day = 0\n");
}

static Suite *reload_suite(void)
{
    Suite *s = suite_create("reload");
    TCase *tc = tcase_create("sighup");

    tcase_add_unchecked_fixture(tc, setup, itest_teardown);
    tcase_set_timeout(tc, 120);
    /* In this order: each builds on the configuration the last left. */
    tcase_add_test(tc, limit_reloaded_on_same_link);
    tcase_add_test(tc, card_life_logged_at_info);
    tcase_add_test(tc, broken_config_keeps_running);
    tcase_add_test(tc, log_file_reopened);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN_NOFORK(reload_suite)
