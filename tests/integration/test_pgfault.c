/* Integration test of cardxd on PostgreSQL when the database restarts
 * while cards flow: senders hear `wait` with a text or `queued`, never
 * nothing; cardxd reconnects by itself on the same component link; every
 * card acknowledged as queued arrives. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/util.h"
#include "tests/integration/itest.h"
#include "tests/lib/runner.h"
#include "xep/ns.h"

#define SENDERS 4
#define RECIPIENT_PHONE "+8613900138100"
/* Bounds the time to wait for the restart to end and for the service to
 * take cards again: a bound, not a speed. */
#define RECOVERY_MAX_MS 60000
/* Between rounds of sends, the recipient's cards are awaited this long. */
#define ROUND_MS 10
/* The cards the test remembers. */
#define MAX_IDS 4096

struct ids {
    char id[MAX_IDS][64];
    int n;
};

static void ids_add(struct ids *ids, const char *id)
{
    for (int i = 0; i < ids->n; i++)
        if (strcmp(ids->id[i], id) == 0)
            return;
    ck_assert_int_lt(ids->n, MAX_IDS);
    snprintf(ids->id[ids->n++], sizeof ids->id[0], "%s", id);
}

static int ids_has(const struct ids *ids, const char *id)
{
    for (int i = 0; i < ids->n; i++)
        if (strcmp(ids->id[i], id) == 0)
            return 1;
    return 0;
}

static void pgfault_setup(void)
{
    setenv("CARDX_STORE", "postgresql", 1);
    itest_setup_with("[limits]\nsends_per_minute = 0\nsends_per_day = 0\n"
                     "lookups_per_day = 0\n");
}

/* Restarts PostgreSQL in a child process, so that sends go on meanwhile.
 * Returns its pid. */
static pid_t restart_in_background(struct harness *h)
{
    pid_t pid = fork();

    ck_assert_int_ge(pid, 0);
    if (pid == 0)
        _exit(harness_pg_restart(h) == 0 ? 0 : 1);
    return pid;
}

/* 1 while the restart runs; once it ended, asserts it went well. */
static int restart_running(pid_t pid, int *done)
{
    int st;

    if (*done)
        return 0;
    if (waitpid(pid, &st, WNOHANG) == 0)
        return 1;
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
                  "postgresql.sh restart failed");
    *done = 1;
    return 0;
}

/* One card from c to the recipient: its id into queued when accepted, or
 * a `wait` error with a text. Returns 1 when accepted. */
static int send_once(struct xclient *c, struct ids *queued, int *waits)
{
    static const char xml[] = "<iq type='set'><send xmlns='" NS_CARDX
                              "' to='" RECIPIENT_PHONE "'/></iq>";
    xmpp_stanza_t *reply = NULL, *err, *sent, *text;
    int rc = itest_iq(c, xml, &reply);

    ck_assert_msg(rc == 0 || rc == -EPROTO, "no answer to a send: %d", rc);
    if (rc == 0) {
        sent = xmpp_stanza_get_child_by_ns(reply, NS_CARDX);
        ck_assert_ptr_nonnull(sent);
        ck_assert_str_eq(xmpp_stanza_get_attribute(sent, "status"), "queued");
        ids_add(queued, xmpp_stanza_get_id(sent));
    } else {
        err = xmpp_stanza_get_child_by_name(reply, "error");
        ck_assert_ptr_nonnull(err);
        ck_assert_str_eq(xmpp_stanza_get_type(err), "wait");
        text = xmpp_stanza_get_child_by_name(err, "text");
        ck_assert_msg(text != NULL, "a wait error without a text");
        (*waits)++;
    }
    xmpp_stanza_release(reply);
    return rc == 0;
}

/* Takes the cards that arrived within wait_ms (0: those already there),
 * acknowledging each. */
static void drain(struct xclient *b, struct ids *got, int wait_ms)
{
    xmpp_stanza_t *card;

    while ((card = itest_wait_card(b, wait_ms)) != NULL) {
        ids_add(got, xmpp_stanza_get_id(card));
        itest_ack(b, card);
        xmpp_stanza_release(card);
        wait_ms = 0;
    }
}

static int all_arrived(const struct ids *queued, const struct ids *got)
{
    for (int i = 0; i < queued->n; i++)
        if (!ids_has(got, queued->id[i]))
            return 0;
    return 1;
}

START_TEST(restart_while_cards_flow)
{
    struct harness *h = itest_harness();
    static struct ids queued, got;
    struct xclient *s[SENDERS];
    struct xclient *b = itest_login("pf-bob", 1, 1);
    int ups, done = 0, waits = 0, accepted_after = 0;
    int64_t deadline = clock_now_ms() + RECOVERY_MAX_MS;
    pid_t pid;

    itest_register_phone(b, RECIPIENT_PHONE);
    for (int i = 0; i < SENDERS; i++) {
        char user[32], phone[32];

        snprintf(user, sizeof user, "pf-s%d", i);
        snprintf(phone, sizeof phone, "+861390013811%d", i);
        s[i] = itest_login(user, 1, 1);
        itest_register_phone(s[i], phone);
        itest_upload_card(s[i], user, phone);
    }
    /* Cards flow before the restart too. */
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < SENDERS; i++)
            ck_assert(send_once(s[i], &queued, &waits));
        drain(b, &got, ROUND_MS);
    }
    ups = harness_cardxd_link_ups(h);
    pid = restart_in_background(h);
    /* Cards flow through the restart and until the service takes them
     * again after it. */
    while (accepted_after == 0) {
        int running = restart_running(pid, &done);

        ck_assert_msg(clock_now_ms() < deadline,
                      "the service never took cards again after the "
                      "restart");
        for (int i = 0; i < SENDERS; i++)
            if (send_once(s[i], &queued, &waits) && !running)
                accepted_after++;
        drain(b, &got, ROUND_MS);
    }
    ck_assert_int_eq(harness_cardxd_wait_log(h, "database reachable again", 1,
                                             ITEST_TIMEOUT_MS),
                     0);
    deadline = clock_now_ms() + 3 * ITEST_TIMEOUT_MS;
    while (!all_arrived(&queued, &got) && clock_now_ms() < deadline)
        drain(b, &got, 500);
    ck_assert_msg(all_arrived(&queued, &got),
                  "%d cards queued, not all arrived (%d did)", queued.n, got.n);
    /* The component link stayed up throughout. */
    ck_assert_int_eq(harness_cardxd_link_ups(h), ups);
    fprintf(stderr, "pgfault: %d cards queued and arrived, %d wait errors\n",
            queued.n, waits);
    for (int i = 0; i < SENDERS; i++)
        xclient_disconnect_free(s[i]);
    xclient_disconnect_free(b);
}
END_TEST

static Suite *pgfault_suite(void)
{
    Suite *s = suite_create("pgfault");
    TCase *tc = tcase_create("postgresql");

    tcase_add_unchecked_fixture(tc, pgfault_setup, itest_teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, restart_while_cards_flow);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN_NOFORK(pgfault_suite)
