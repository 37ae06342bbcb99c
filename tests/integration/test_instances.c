/* Integration tests of several cardxd instances on one component domain:
 * one ejabberd and two cardxd attached to the same domain, sharing one
 * SQLite file (WAL lets two processes share it on one machine). ejabberd
 * hands each stanza to a random instance, so a send, its delivery, the
 * recipient's presence and its ack may each meet either one. */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "tests/integration/itest.h"
#include "tests/lib/runner.h"
#include "tests/lib/stanza_match.h"
#include "tests/lib/tmpdb.h"
#include "xep/ns.h"

/* Short leases, so that the failover is seen within a test's waits. */
#define INSTANCES_INI "[cluster]\nlease = 3s\nheartbeat = 500ms\n"
#define SECOND "second"
#define SECOND_INI "[cluster]\ninstance = " SECOND "\n"
#define SENDERS 6
#define MAX_CARDS 64
/* The lease, a takeover, a probe answered and a flush: well within. */
#define FAILOVER_WAIT_MS 40000

static void instances_setup(void)
{
    itest_setup_with(INSTANCES_INI);
    ck_assert_int_eq(harness_cardxd2_start(itest_harness(), SECOND_INI), 0);
    ck_assert_msg(harness_cardxd2_wait_log(itest_harness(), "component link up",
                                           1, ITEST_TIMEOUT_MS) == 0,
                  "the second cardxd did not attach (see %s/cardxd2.log)",
                  harness_rundir(itest_harness()));
}

/* The cards one recipient is owed, and what arrived of them. */
struct owed {
    char id[MAX_CARDS][64];
    int times[MAX_CARDS]; /* deliveries seen */
    int acked[MAX_CARDS]; /* b sent an ack */
    /* The ack was taken: the card left the shared inbox. An ack sent to an
     * instance as it was killed is lost, and the card rightly comes again. */
    int committed[MAX_CARDS];
    int n;
    int after_ack; /* deliveries of a card whose ack was taken */
    int reacked;   /* acks sent again: the first was lost */
    int stray;     /* cards that were never owed */
};

/* Whether card id still waits in the database both instances share. */
static int card_waits(const char *id)
{
    struct tmpdb d;
    char sql[256];

    memset(&d, 0, sizeof(d));
    ck_assert_int_lt(snprintf(d.path, sizeof(d.path), "%s/cardxd.sqlite",
                              harness_rundir(itest_harness())),
                     (int)sizeof(d.path));
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM inbox WHERE card_id = '%s'", id);
    return tmpdb_int(&d, sql) > 0;
}

/* Notes which of the cards acknowledged have left the inbox. */
static void commit_check(struct owed *o)
{
    for (int i = 0; i < o->n; i++)
        if (o->acked[i] && !o->committed[i] && !card_waits(o->id[i]))
            o->committed[i] = 1;
}

static void owe(struct owed *o, const char *id)
{
    for (int i = 0; i < o->n; i++)
        if (strcmp(o->id[i], id) == 0)
            return; /* a newer card of one sender keeps the waiting id */
    ck_assert_int_lt(o->n, MAX_CARDS);
    snprintf(o->id[o->n++], sizeof(o->id[0]), "%s", id);
}

static int owed_left(const struct owed *o)
{
    int left = 0;

    for (int i = 0; i < o->n; i++)
        left += !o->committed[i];
    return left;
}

/* Takes the cards that arrive within ms, acknowledging each (again, when
 * its first ack was lost). */
static void receive(struct xclient *b, struct owed *o, int ms)
{
    xmpp_stanza_t *card;

    while ((card = itest_wait_card(b, ms)) != NULL) {
        const char *id = xmpp_stanza_get_id(card);
        int i = 0;

        while (i < o->n && strcmp(o->id[i], id) != 0)
            i++;
        if (i == o->n) {
            o->stray++;
        } else {
            o->times[i]++;
            o->after_ack += o->committed[i];
            o->reacked += o->acked[i] && !o->committed[i];
            if (!o->committed[i])
                itest_ack(b, card);
            o->acked[i] = 1;
        }
        xmpp_stanza_release(card);
        ms = 200; /* what else came with it */
    }
    xclient_pump(b, 100); /* the acks leave */
    commit_check(o);
}

/* Waits until every owed card arrived and its ack was taken, then watches
 * for repeats. */
static void receive_all(struct xclient *b, struct owed *o, int timeout_ms)
{
    for (int waited = 0; owed_left(o) > 0 && waited < timeout_ms; waited += 500)
        receive(b, o, 500);
    receive(b, o, ITEST_QUIET_MS);
    ck_assert_msg(owed_left(o) == 0, "%d of %d accepted cards never arrived",
                  owed_left(o), o->n);
    ck_assert_int_eq(o->after_ack, 0);
    ck_assert_int_eq(o->stray, 0);
}

struct party {
    struct xclient *b;
    struct xclient *s[SENDERS];
    char b_phone[32];
};

static void party_login(struct party *p, const char *tag, int base)
{
    char user[32], phone[32], name[32];

    snprintf(user, sizeof(user), "%s_b", tag);
    snprintf(p->b_phone, sizeof(p->b_phone), "+86138001%05d", base);
    p->b = itest_login(user, 1, 1);
    itest_register_phone(p->b, p->b_phone);
    for (int i = 0; i < SENDERS; i++) {
        snprintf(user, sizeof(user), "%s_s%d", tag, i);
        snprintf(phone, sizeof(phone), "+86138001%05d", base + 1 + i);
        snprintf(name, sizeof(name), "Sender %d", i);
        p->s[i] = itest_login(user, 1, 1);
        itest_register_phone(p->s[i], phone);
        itest_upload_card(p->s[i], name, phone);
    }
    /* Presence after registration, so that both instances share b's
     * session; then past fetch_timeout, so that every disco#info the
     * sessions asked for was answered or given up. */
    xclient_send_presence(p->b);
    xclient_pump(p->b, 3500);
}

static void party_free(struct party *p)
{
    for (int i = 0; i < SENDERS; i++)
        xclient_disconnect_free(p->s[i]);
    if (p->b)
        xclient_disconnect_free(p->b);
}

/* Each sender sends b a card; the accepted ones are owed. */
static void send_round(struct party *p, struct owed *o)
{
    struct itest_sent sent;

    for (int i = 0; i < SENDERS; i++) {
        ck_assert_str_eq(itest_send(p->s[i], p->b_phone, NULL, &sent),
                         "queued");
        owe(o, sent.id);
    }
}

/* Online and offline across instances: every card arrives once. */
START_TEST(exchange_across_instances)
{
    struct harness *h = itest_harness();
    struct party p;
    struct owed online = {0}, offline = {0};
    char user[32];

    party_login(&p, "ex", 500);
    send_round(&p, &online);
    receive_all(p.b, &online, ITEST_TIMEOUT_MS);
    for (int i = 0; i < online.n; i++)
        ck_assert_int_eq(online.times[i], 1);

    xclient_disconnect_free(p.b);
    p.b = NULL;
    xclient_pump(p.s[0], 500);
    send_round(&p, &offline);
    snprintf(user, sizeof(user), "ex_b");
    p.b = itest_relogin(user, 1, 1);
    receive_all(p.b, &offline, 2 * ITEST_TIMEOUT_MS);
    for (int i = 0; i < offline.n; i++)
        ck_assert_int_eq(offline.times[i], 1);
    xclient_disconnect_free(p.b);
    p.b = itest_relogin(user, 1, 1);
    ck_assert_ptr_null(itest_wait_card(p.b, ITEST_QUIET_MS + 3000));

    /* Both instances took sends: the exchange did cross them. */
    ck_assert_int_gt(harness_cardxd_log_count(h, " accepted"), 0);
    ck_assert_int_gt(harness_cardxd2_log_count(h, " accepted"), 0);
    party_free(&p);
}
END_TEST

/* A sender with no card uploaded: each send asks their server for the
 * vCard on their account, and ejabberd hands the answer to either
 * instance; the one that did not ask keeps it for the asker. Every send is
 * accepted, none refused for want of a card. */
#define ACCOUNT_SENDS 12
START_TEST(card_from_account_across_instances)
{
    struct harness *h = itest_harness();
    struct xclient *a = itest_login("acc_a", 1, 1);
    struct xclient *b = itest_login("acc_b", 1, 1);
    xmpp_stanza_t *iq, *reply = NULL;
    struct itest_sent sent;
    struct owed o = {0};
    int relayed;

    itest_register_phone(a, "+8613800100701");
    itest_register_phone(b, "+8613800100702");
    iq = xmpp_stanza_new_from_string(xclient_ctx(a),
                                     "<iq type='set'><vCard xmlns='vcard-temp'>"
                                     "<FN>Alice On Account</FN></vCard></iq>");
    ck_assert_int_eq(xclient_iq(a, iq, ITEST_TIMEOUT_MS, &reply), 0);
    xmpp_stanza_release(reply);
    xmpp_stanza_release(iq);
    xclient_send_presence(b);
    xclient_pump(b, 3500);
    for (int i = 0; i < ACCOUNT_SENDS; i++) {
        ck_assert_str_eq(itest_send(a, "+8613800100702", NULL, &sent),
                         "queued");
        owe(&o, sent.id);
        receive_all(b, &o, ITEST_TIMEOUT_MS);
    }
    relayed = harness_cardxd_log_count(h, "came through another instance") +
              harness_cardxd2_log_count(h, "came through another instance");
    printf("account vCard: %d sends accepted, %d answers came through the "
           "other instance\n",
           ACCOUNT_SENDS, relayed);
    xclient_disconnect_free(a);
    xclient_disconnect_free(b);
}
END_TEST

/* A command's form and its submission are two stanzas, so ejabberd may
 * hand them to different instances: every run must complete all the
 * same. Without shared runs about half would end in bad-sessionid; with
 * COMMAND_RUNS runs, the chance that all meet one instance is 1/2^7. */
#define COMMAND_RUNS 8
#define CMD "/iq/{" NS_COMMANDS "}command"

START_TEST(commands_across_instances)
{
    struct xclient *a = itest_login("cmd_a", 1, 1);
    xmpp_stanza_t *reply;
    char xml[1024], *sid;

    itest_register_phone(a, "+8613800100711");
    for (int i = 0; i < COMMAND_RUNS; i++) {
        reply = itest_iq_expect(a,
                                "<iq type='set'><command xmlns='" NS_COMMANDS
                                "' node='block' action='execute'/></iq>",
                                CMD "[@status='executing']");
        sid = stanza_match_text(reply, CMD "/@sessionid");
        ck_assert_ptr_nonnull(sid);
        xmpp_stanza_release(reply);
        snprintf(xml, sizeof(xml),
                 "<iq type='set'><command xmlns='" NS_COMMANDS
                 "' node='block' action='complete' sessionid='%s'>"
                 "<x xmlns='" NS_DATA "' type='submit'><field var='phone'>"
                 "<value>+86138001008%02d</value></field></x></command></iq>",
                 sid, i);
        free(sid);
        reply = itest_iq_expect(a, xml,
                                CMD "[@status='completed']/note[@type='info']");
        xmpp_stanza_release(reply);
    }
    xclient_disconnect_free(a);
}
END_TEST

/* The database file both instances share, for a look at what they wrote. */
static void shared_db(struct tmpdb *d)
{
    memset(d, 0, sizeof(*d));
    ck_assert_int_lt(snprintf(d->path, sizeof(d->path), "%s/cardxd.sqlite",
                              harness_rundir(itest_harness())),
                     (int)sizeof(d->path));
}

static int64_t sessions_of(const struct tmpdb *d, const char *bare,
                           const char *cond)
{
    char sql[256];

    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM sessions WHERE bare_jid = '%s' AND %s", bare,
             cond);
    return tmpdb_int(d, sql);
}

/* kill -9 of one instance while cards flow: every accepted card arrives,
 * none again after its ack, and the users it saw are probed again. */
START_TEST(failover_kill)
{
    struct harness *h = itest_harness();
    struct party p;
    struct owed o = {0};
    struct tmpdb d;
    char *bare;
    int status, tries, repeats = 0;

    party_login(&p, "fo", 600);
    shared_db(&d);
    bare = harness_jid(h, "fo_b");
    ck_assert_ptr_nonnull(bare);
    /* b's session must be the second's: presence again until it saw one. */
    for (tries = 0;
         tries < 40 && sessions_of(&d, bare, "instance = '" SECOND "'") == 0;
         tries++) {
        xclient_send_presence(p.b);
        xclient_pump(p.b, 150);
    }
    ck_assert_int_eq(sessions_of(&d, bare, "instance = '" SECOND "'"), 1);

    send_round(&p, &o);
    receive(p.b, &o, 200);
    status = harness_cardxd2_kill(h, SIGKILL);
    ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
                  "the second cardxd ended otherwise (%d)", status);
    /* ejabberd drops the dead connection's route; the survivor takes every
     * stanza now, before it noticed the death. */
    xclient_pump(p.s[0], 1000);
    send_round(&p, &o);
    receive_all(p.b, &o, FAILOVER_WAIT_MS);

    ck_assert_int_eq(harness_cardxd_wait_log(h, "took over 1 dead instance", 1,
                                             FAILOVER_WAIT_MS),
                     0);
    /* Probed again: b answered, and the survivor owns its session now. */
    for (tries = 0;
         tries < 100 && sessions_of(&d, bare, "instance <> '" SECOND "'") == 0;
         tries++)
        xclient_pump(p.b, 100);
    ck_assert_int_eq(sessions_of(&d, bare, "instance = '" SECOND "'"), 0);
    ck_assert_int_eq(sessions_of(&d, bare, "instance <> '" SECOND "'"), 1);
    ck_assert_int_eq(tmpdb_int(&d, "SELECT count(*) FROM inbox WHERE "
                                   "claimed_by = '" SECOND "'"),
                     0);
    /* And a new card goes straight to b through the survivor. */
    send_round(&p, &o);
    receive_all(p.b, &o, ITEST_TIMEOUT_MS);
    for (int i = 0; i < o.n; i++)
        repeats += o.times[i] - 1;
    printf("failover: %d cards accepted, all arrived, none after its ack was "
           "taken; %d repeated before it, %d acks lost with the instance and "
           "sent again\n",
           o.n, repeats, o.reacked);
    free(bare);
    party_free(&p);
}
END_TEST

static Suite *instances_suite(void)
{
    Suite *s = suite_create("instances");
    TCase *tc = tcase_create("two");

    tcase_add_unchecked_fixture(tc, instances_setup, itest_teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, exchange_across_instances);
    tcase_add_test(tc, card_from_account_across_instances);
    tcase_add_test(tc, commands_across_instances);
    /* Last: it kills the second instance. */
    tcase_add_test(tc, failover_kill);
    suite_add_tcase(s, tc);
    return s;
}

/* No fork: the test kills the second cardxd, a child of this process. */
TEST_MAIN_NOFORK(instances_suite)
