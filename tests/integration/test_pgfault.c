/* Integration test of cardxd on PostgreSQL when the database restarts
 * while cards flow, freezes (its processes stopped) while they flow, or is
 * replaced by a server that never answers: senders hear `wait` with a text
 * or `queued`, never nothing; cardxd reconnects by itself on the same
 * component link, answering promptly meanwhile; every card acknowledged as
 * queued arrives. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/util.h"
#include "tests/integration/itest.h"
#include "tests/lib/runner.h"
#include "xep/ns.h"
#include "xep/stanza.h"

#define SENDERS 4
#define RECIPIENT_PHONE "+8613900138100"
/* The recipient of the silent-server test. */
#define SILENT_PHONE "+8613900138101"
/* The recipient of the frozen-server test. */
#define FROZEN_PHONE "+8613900138102"
/* cardxd's [storage] query_timeout here: a statement unanswered this long
 * means a hung server. */
#define QUERY_TIMEOUT "1s"
/* How long PostgreSQL stays frozen, in seconds: longer than cardxd's
 * connect timeout (5 s), so that an attempt to connect hangs and is
 * abandoned too. */
#define FREEZE_S 8
/* Bounds the time to wait for the restart to end and for the service to
 * take cards again: a bound, not a speed. */
#define RECOVERY_MAX_MS 60000
/* Between rounds of sends, the recipient's cards are awaited this long. */
#define ROUND_MS 10
/* How long the silent server stands in for PostgreSQL: longer than two
 * of cardxd's connect timeouts (5 s), so that attempts are abandoned. */
#define SILENT_MS 12000
/* How soon cardxd must answer while an attempt hangs: well under its
 * connect timeout, which a blocking connect would stall it for. A bound,
 * not a speed. */
#define PROMPT_MS 3000
/* The silent server's backlog: connections the kernel completes and
 * nobody ever reads. */
#define SILENT_BACKLOG 4
/* Between tries at something that is not there yet (a port PostgreSQL
 * just left, a service taking cards again). */
#define RETRY_MS 100
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
    itest_setup_with(
        "[limits]\nsends_per_minute = 0\nsends_per_day = 0\n"
        "lookups_per_day = 0\n[storage]\nquery_timeout = " QUERY_TIMEOUT "\n");
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

/* Freezes PostgreSQL for FREEZE_S in a child process (which resumes it
 * whatever becomes of the test), so that sends go on meanwhile. Returns
 * its pid. */
static pid_t freeze_in_background(struct harness *h)
{
    pid_t pid = fork();

    ck_assert_int_ge(pid, 0);
    if (pid == 0)
        _exit(harness_pg_freeze(h, FREEZE_S) == 0 ? 0 : 1);
    return pid;
}

/* 1 while the restart (or freeze) runs; once it ended, asserts it went
 * well. */
static int restart_running(pid_t pid, int *done)
{
    int st;

    if (*done)
        return 0;
    if (waitpid(pid, &st, WNOHANG) == 0)
        return 1;
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
                  "postgresql.sh restart or freeze failed");
    *done = 1;
    return 0;
}

/* One card from c to the recipient: its id into queued when accepted, or
 * a `wait` error with a text. Returns 1 when accepted. */
static int send_to(struct xclient *c, const char *to, struct ids *queued,
                   int *waits)
{
    char xml[128];
    xmpp_stanza_t *reply = NULL, *err, *sent, *text;
    int rc;

    snprintf(xml, sizeof xml,
             "<iq type='set'><send xmlns='" NS_CARDX "' to='%s'/></iq>", to);
    rc = itest_iq(c, xml, &reply);

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

static int send_once(struct xclient *c, struct ids *queued, int *waits)
{
    return send_to(c, RECIPIENT_PHONE, queued, waits);
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

/* Takes cards until every queued one arrived, failing the test when they
 * do not within a bound. */
static void await_all(struct xclient *b, const struct ids *queued,
                      struct ids *got)
{
    int64_t deadline = clock_now_ms() + 3 * ITEST_TIMEOUT_MS;

    while (!all_arrived(queued, got) && clock_now_ms() < deadline)
        drain(b, got, 500);
    ck_assert_msg(all_arrived(queued, got),
                  "%d cards queued, not all arrived (%d did)", queued->n,
                  got->n);
}

/* A TCP server on 127.0.0.1:port that never accepts nor answers, as a
 * host behind a router or a server hung after the handshake. Returns its
 * socket. PostgreSQL just left the port, so the bind is retried a while. */
static int silent_listen(int port)
{
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port)};
    int64_t deadline = clock_now_ms() + ITEST_TIMEOUT_MS;
    int one = 1;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one),
                     0);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    while (bind(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        ck_assert_msg(errno == EADDRINUSE && clock_now_ms() < deadline,
                      "cannot bind the silent server: %s", strerror(errno));
        usleep(RETRY_MS * 1000);
    }
    ck_assert_int_eq(listen(fd, SILENT_BACKLOG), 0);
    return fd;
}

/* PostgreSQL's port, from the harness's DSN. */
static int pg_port(struct harness *h)
{
    char *dsn = harness_pg_dsn(h);
    const char *colon = dsn ? strrchr(dsn, ':') : NULL;
    int port = colon ? (int)strtol(colon + 1, NULL, 10) : 0;

    free(dsn);
    ck_assert_int_gt(port, 0);
    return port;
}

/* Sends the iq parsed from xml to the component and fails the test unless
 * an answer comes within PROMPT_MS. Returns 0 on a result, -EPROTO on an
 * error; *reply is the caller's to release. */
static int prompt_iq(struct xclient *c, const char *xml, xmpp_stanza_t **reply)
{
    xmpp_stanza_t *iq = xmpp_stanza_new_from_string(xclient_ctx(c), xml);
    int rc;

    ck_assert_ptr_nonnull(iq);
    xmpp_stanza_set_to(iq, harness_component_domain(itest_harness()));
    rc = xclient_iq(c, iq, PROMPT_MS, reply);
    xmpp_stanza_release(iq);
    ck_assert_msg(rc == 0 && *reply, "no answer within %d ms: %d", PROMPT_MS,
                  rc);
    return stanza_is_error(*reply) ? -EPROTO : 0;
}

/* While the silent server stands in: disco#info is answered and each
 * send gets `wait`, promptly. Returns the number of sends. */
static int stay_prompt(struct xclient *a, struct xclient *b, int64_t until)
{
    static const char disco[] =
        "<iq type='get'><query xmlns='" NS_DISCO_INFO "'/></iq>";
    static const char send[] = "<iq type='set'><send xmlns='" NS_CARDX
                               "' to='" SILENT_PHONE "'/></iq>";
    xmpp_stanza_t *reply = NULL, *err;
    int sends = 0;

    while (clock_now_ms() < until) {
        ck_assert_int_eq(prompt_iq(b, disco, &reply), 0);
        xmpp_stanza_release(reply);
        ck_assert_int_eq(prompt_iq(a, send, &reply), -EPROTO);
        err = xmpp_stanza_get_child_by_name(reply, "error");
        ck_assert_ptr_nonnull(err);
        ck_assert_str_eq(xmpp_stanza_get_type(err), "wait");
        ck_assert_ptr_nonnull(xmpp_stanza_get_child_by_name(err, "text"));
        xmpp_stanza_release(reply);
        sends++;
        usleep(ROUND_MS * 1000);
    }
    return sends;
}

/* PostgreSQL stops and a server that never answers takes its port: cardxd
 * keeps its link and answers at once (attempts to connect hang in the
 * background and are abandoned at their deadline); once PostgreSQL is
 * back, cards are queued and every queued one arrives. */
START_TEST(silent_server_while_down)
{
    struct harness *h = itest_harness();
    static struct ids queued, got;
    struct xclient *a = itest_login("ps-alice", 1, 1);
    struct xclient *b = itest_login("ps-bob", 1, 1);
    int waits = 0, sends, silent, ups;
    int lost = harness_cardxd_log_count(h, "database unreachable");
    int back = harness_cardxd_log_count(h, "database reachable again");
    int abandoned = harness_cardxd_log_count(h, "PostgreSQL did not answer");
    int64_t deadline;

    itest_register_phone(b, SILENT_PHONE);
    itest_register_phone(a, "+8613900138120");
    itest_upload_card(a, "ps-alice", "+8613900138120");
    /* Each card acknowledged before the next: new cards, not updates of
     * one still waiting. */
    for (int i = 0; i < 3; i++) {
        ck_assert(send_to(a, SILENT_PHONE, &queued, &waits));
        await_all(b, &queued, &got);
    }
    ups = harness_cardxd_link_ups(h);
    ck_assert_int_eq(harness_pg_stop(h), 0);
    silent = silent_listen(pg_port(h));
    /* The first use finds the connection gone. */
    ck_assert(!send_to(a, SILENT_PHONE, &queued, &waits));
    ck_assert_int_eq(harness_cardxd_wait_log(h, "database unreachable",
                                             lost + 1, ITEST_TIMEOUT_MS),
                     0);
    sends = stay_prompt(a, b, clock_now_ms() + SILENT_MS);
    /* The silent server was reached: an attempt hung and was given up. */
    ck_assert_int_eq(harness_cardxd_wait_log(h, "PostgreSQL did not answer",
                                             abandoned + 1, ITEST_TIMEOUT_MS),
                     0);
    close(silent);
    ck_assert_int_eq(harness_pg_start(h), 0);
    deadline = clock_now_ms() + RECOVERY_MAX_MS;
    while (!send_to(a, SILENT_PHONE, &queued, &waits)) {
        ck_assert_msg(clock_now_ms() < deadline,
                      "the service never took cards again");
        usleep(RETRY_MS * 1000);
    }
    ck_assert_int_eq(harness_cardxd_wait_log(h, "database reachable again",
                                             back + 1, ITEST_TIMEOUT_MS),
                     0);
    await_all(b, &queued, &got);
    ck_assert(send_to(a, SILENT_PHONE, &queued, &waits));
    await_all(b, &queued, &got);
    ck_assert_int_eq(harness_cardxd_link_ups(h), ups);
    fprintf(stderr,
            "pgfault: silent server: %d prompt sends answered wait, "
            "%d cards queued and arrived\n",
            sends, queued.n);
    xclient_disconnect_free(a);
    xclient_disconnect_free(b);
}
END_TEST

/* PostgreSQL freezes while cards flow: its processes are stopped, TCP is
 * still accepted and nothing is answered. cardxd gives a statement up
 * after its query timeout and keeps answering: disco#info promptly, sends
 * with `wait` and a text; once PostgreSQL is resumed it takes cards again
 * on the same component link, and every card answered queued arrives. */
START_TEST(freeze_while_cards_flow)
{
    static const char disco[] =
        "<iq type='get'><query xmlns='" NS_DISCO_INFO "'/></iq>";
    struct harness *h = itest_harness();
    static struct ids queued, got;
    struct xclient *s[SENDERS];
    struct xclient *b = itest_login("pz-bob", 1, 1);
    xmpp_stanza_t *reply = NULL;
    int ups, done = 0, waits = 0, frozen_waits = 0, accepted_after = 0;
    int hung = harness_cardxd_log_count(h, "taken for hung");
    int back = harness_cardxd_log_count(h, "database reachable again");
    int64_t deadline;
    pid_t pid;

    itest_register_phone(b, FROZEN_PHONE);
    for (int i = 0; i < SENDERS; i++) {
        char user[32], phone[32];

        snprintf(user, sizeof user, "pz-s%d", i);
        snprintf(phone, sizeof phone, "+861390013813%d", i);
        s[i] = itest_login(user, 1, 1);
        itest_register_phone(s[i], phone);
        itest_upload_card(s[i], user, phone);
    }
    for (int i = 0; i < SENDERS; i++)
        ck_assert(send_to(s[i], FROZEN_PHONE, &queued, &waits));
    await_all(b, &queued, &got);
    ups = harness_cardxd_link_ups(h);
    pid = freeze_in_background(h);
    /* While frozen: every round is answered, disco#info promptly. */
    while (restart_running(pid, &done)) {
        ck_assert_int_eq(prompt_iq(b, disco, &reply), 0);
        xmpp_stanza_release(reply);
        for (int i = 0; i < SENDERS; i++)
            send_to(s[i], FROZEN_PHONE, &queued, &waits);
        frozen_waits = waits;
        drain(b, &got, ROUND_MS);
    }
    /* The frozen server was taken for hung, not waited on. */
    ck_assert_int_gt(frozen_waits, 0);
    ck_assert_int_eq(harness_cardxd_wait_log(h, "taken for hung", hung + 1,
                                             ITEST_TIMEOUT_MS),
                     0);
    deadline = clock_now_ms() + RECOVERY_MAX_MS;
    while (accepted_after == 0) {
        ck_assert_msg(clock_now_ms() < deadline,
                      "the service never took cards again after the freeze");
        for (int i = 0; i < SENDERS; i++)
            accepted_after += send_to(s[i], FROZEN_PHONE, &queued, &waits);
        drain(b, &got, ROUND_MS);
    }
    ck_assert_int_eq(harness_cardxd_wait_log(h, "database reachable again",
                                             back + 1, ITEST_TIMEOUT_MS),
                     0);
    await_all(b, &queued, &got);
    ck_assert_int_eq(harness_cardxd_link_ups(h), ups);
    fprintf(stderr,
            "pgfault: frozen server: %d sends answered wait while frozen, "
            "%d cards queued and arrived\n",
            frozen_waits, queued.n);
    for (int i = 0; i < SENDERS; i++)
        xclient_disconnect_free(s[i]);
    xclient_disconnect_free(b);
}
END_TEST

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
    tcase_add_test(tc, silent_server_while_down);
    tcase_add_test(tc, freeze_while_cards_flow);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN_NOFORK(pgfault_suite)
