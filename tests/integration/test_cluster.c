/* Integration test on a two-node ejabberd cluster: cards between users of
 * both nodes, with one cardxd and then one per node, and after one of them
 * is killed with SIGKILL while cards flow. */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "common/util.h"
#include "tests/integration/cluster.h"
#include "tests/integration/itest.h"
#include "tests/lib/runner.h"
#include "xep/ns.h"

/*
 * The tests run in order on one cluster (Check's unchecked fixture): the
 * cluster itself first, then the exchange scenarios with instance 0 alone
 * (on node 0, so node 1's users reach it through the cluster), then with
 * instance 1 attached to node 1 as well, then the failover: instance 0 is
 * killed while cards flow, and the scenarios run again on what is left.
 * Each scenario names the node of each user; a user may log in on one node
 * and later on the other.
 *
 * Without domain_balancing, ejabberd 23.01 hands a stanza for the component
 * domain to an instance attached to the node that routes it when there is
 * one, else to any (ejabberd_router:balancing_route/4). So with an instance
 * on each node, a card between users of different nodes is accepted by
 * one instance while the recipient's presence went to the other: only the
 * state the instances share through the database makes it arrive.
 */

/* Cards sent around the kill: one per sender (a second card from the same
 * sender would replace the first while it waits), to a recipient on each
 * node. */
#define FLOW_SENDERS 8
#define FLOW_RECIPIENTS CLUSTER_NODES
#define FLOW_CARDS (FLOW_SENDERS * FLOW_RECIPIENTS)
/* A send or ack to an instance that dies goes unanswered: this bounds the
 * wait for it. */
#define FLOW_IQ_MS 5000
/* Bounds the wait for every accepted card to arrive after the kill: a few
 * times the lease (cl_setup()) after which the instance left takes over. */
#define FLOW_COLLECT_MS 20000

/* The cluster is process state of the test program by nature: Check's
 * unchecked fixtures take no argument. */
static struct cluster *cl;
/* Numbers handed out so far, so that every scenario's users are new. */
static int phones_used;

static const char *const features_receipts[] = {NS_DISCO_INFO, NS_RECEIPTS,
                                                NULL};

static void cl_setup(void)
{
    cl = cluster_new();
    ck_assert_msg(cl, "cannot create the cluster");
    ck_assert_msg(cluster_start(cl) == 0,
                  "the cluster did not form (run "
                  "dir %s)",
                  cluster_rundir(cl));
    /* Short enough that a silent client does not stall a test for long,
     * and that the instance left takes over the killed one's users within
     * the test's waits. */
    ck_assert_int_eq(
        cluster_cardxd_config_append(cl, "[limits]\nfetch_timeout = 3000\n"
                                         "[cluster]\nlease = 2s\n"
                                         "heartbeat = 500ms\n"),
        0);
    ck_assert_int_eq(cluster_cardxd_start(cl, 0), 0);
    ck_assert_msg(cluster_cardxd_wait_connected(cl, 0, ITEST_TIMEOUT_MS) == 0,
                  "cardxd 0 did not attach (see %s/cardxd-0.log)",
                  cluster_rundir(cl));
}

static void cl_teardown(void)
{
    cluster_free(cl);
    cl = NULL;
}

/* Makes sure instance i runs and is attached. */
static void cl_instance_up(int i)
{
    if (cluster_cardxd_running(cl, i))
        return;
    ck_assert_int_eq(cluster_cardxd_start(cl, i), 0);
    ck_assert_msg(cluster_cardxd_wait_connected(cl, i, ITEST_TIMEOUT_MS) == 0,
                  "cardxd %d did not attach (see %s/cardxd-%d.log)", i,
                  cluster_rundir(cl), i);
}

/* Logs user in on node (creating the account first with create), with
 * receipts announced and subscriptions approved, and sends presence. */
static struct xclient *cl_login(int node, const char *user, int create)
{
    char jid[128];
    struct xclient *c = NULL;
    int rc;

    if (create)
        ck_assert_msg(cluster_register(cl, node, user, ITEST_PASSWORD) == 0,
                      "cannot create account %s on node %d", user, node);
    snprintf(jid, sizeof(jid), "%s@%s", user, HARNESS_DOMAIN);
    rc = xclient_connect(jid, ITEST_PASSWORD, "127.0.0.1",
                         cluster_c2s_port(cl, node), ITEST_TIMEOUT_MS, &c);
    ck_assert_msg(rc == 0, "login of %s on node %d failed: %d", user, node, rc);
    xclient_set_disco_features(c, features_receipts);
    xclient_auto_accept_subscriptions(c, 1);
    ck_assert_int_eq(xclient_send_presence(c), 0);
    return c;
}

/* A new user on node with a new number, registered with the service and
 * with a card; phone receives the number. */
static struct xclient *cl_person(int node, const char *user, char phone[32])
{
    struct xclient *c = cl_login(node, user, 1);

    snprintf(phone, 32, "+86138%08d", 100000 + phones_used++);
    itest_register_phone(c, phone);
    itest_upload_card(c, user, phone);
    return c;
}

/* Acknowledges a card by the cardx ack iq; 0 once it is committed. */
static int cl_ack(struct xclient *c, const char *id, int timeout_ms)
{
    return itest_ack_iq(c, HARNESS_COMPONENT_DOMAIN, id, timeout_ms);
}

/* Waits for the card with this id, acks it and checks that it does not
 * come again to a new session on the other node. */
static struct xclient *cl_receive_once(struct xclient *b, int node,
                                       const char *user, const char *id,
                                       int delayed)
{
    xmpp_stanza_t *card = itest_wait_card(b, ITEST_TIMEOUT_MS);

    ck_assert_msg(card != NULL, "card %s did not reach %s on node %d", id, user,
                  node);
    ck_assert_str_eq(xmpp_stanza_get_id(card), id);
    if (delayed)
        ck_assert_ptr_nonnull(xmpp_stanza_get_child_by_ns(card, NS_DELAY));
    xmpp_stanza_release(card);
    ck_assert_int_eq(cl_ack(b, id, ITEST_TIMEOUT_MS), 0);
    xclient_disconnect_free(b);
    b = cl_login(1 - node, user, 0);
    ck_assert_ptr_null(itest_wait_card(b, ITEST_QUIET_MS));
    return b;
}

/* Recipient online on rnode, sender on snode: the card arrives at once,
 * once. */
static void scenario_online(int snode, int rnode, const char *tag)
{
    char ua[64], ub[64], pa[32], pb[32];
    struct xclient *a, *b;
    struct itest_sent sent;

    snprintf(ua, sizeof(ua), "%s_on_a%d%d", tag, snode, rnode);
    snprintf(ub, sizeof(ub), "%s_on_b%d%d", tag, snode, rnode);
    a = cl_person(snode, ua, pa);
    b = cl_person(rnode, ub, pb);
    /* cardxd learns b's session from the presence after registration. */
    ck_assert_int_eq(xclient_send_presence(b), 0);
    xclient_pump(b, 300);
    ck_assert_str_eq(itest_send(a, pb, "online", &sent), "queued");
    b = cl_receive_once(b, rnode, ub, sent.id, 0);
    xclient_disconnect_free(a);
    xclient_disconnect_free(b);
}

/* Recipient created on rnode and offline: the card waits, and arrives
 * when the recipient logs in on the other node. */
static void scenario_offline(int snode, int rnode, const char *tag)
{
    char ua[64], ub[64], pa[32], pb[32];
    struct xclient *a, *b;
    struct itest_sent sent;

    snprintf(ua, sizeof(ua), "%s_off_a%d%d", tag, snode, rnode);
    snprintf(ub, sizeof(ub), "%s_off_b%d%d", tag, snode, rnode);
    a = cl_person(snode, ua, pa);
    b = cl_person(rnode, ub, pb);
    xclient_disconnect_free(b);
    xclient_pump(a, 300);
    ck_assert_str_eq(itest_send(a, pb, "offline", &sent), "queued");
    b = cl_login(1 - rnode, ub, 0);
    b = cl_receive_once(b, 1 - rnode, ub, sent.id, 1);
    xclient_disconnect_free(a);
    xclient_disconnect_free(b);
}

/* Sender and recipient on every pair of nodes; with cross_only, only on
 * different nodes (one instance on one node serves its own node's users
 * as on a single server, which the other tests cover). */
static void scenarios_online(const char *tag, int cross_only)
{
    for (int s = 0; s < CLUSTER_NODES; s++)
        for (int r = 0; r < CLUSTER_NODES; r++)
            if (!cross_only || s != r)
                scenario_online(s, r, tag);
}

static void scenarios_offline(const char *tag, int cross_only)
{
    for (int s = 0; s < CLUSTER_NODES; s++)
        for (int r = 0; r < CLUSTER_NODES; r++)
            if (!cross_only || s != r)
                scenario_offline(s, r, tag);
}

static int is_chat_body(xmpp_stanza_t *stanza, void *ud)
{
    const char *name = xmpp_stanza_get_name(stanza);
    xmpp_stanza_t *body = xmpp_stanza_get_child_by_name(stanza, "body");
    char *text;
    int match;

    if (!name || strcmp(name, "message") != 0 || !body)
        return 0;
    text = xmpp_stanza_get_text(body);
    match = text && strcmp(text, (const char *)ud) == 0;
    xmpp_free(xmpp_stanza_get_context(stanza), text);
    return match;
}

/* One message from a to b's bare JID arrives. */
static void chat_arrives(struct xclient *a, struct xclient *b, const char *to,
                         const char *text)
{
    char xml[256];
    xmpp_stanza_t *msg = NULL;

    snprintf(xml, sizeof(xml),
             "<message type='chat' to='%s@%s'><body>%s</body></message>", to,
             HARNESS_DOMAIN, text);
    ck_assert_int_eq(xclient_send_text(a, xml), 0);
    ck_assert_msg(xclient_wait(b, is_chat_body, (void *)text, ITEST_TIMEOUT_MS,
                               &msg) == 0,
                  "message '%s' to %s did not arrive", text, to);
    xmpp_stanza_release(msg);
}

/* The cluster serves as one: an account made on node 0 logs in on node 1,
 * and messages cross between the nodes both ways. */
START_TEST(cluster_is_one_server)
{
    struct xclient *a = cl_login(0, "cl_a", 1);
    struct xclient *b = cl_login(1, "cl_b", 1);
    struct xclient *a1 = cl_login(1, "cl_a", 0);

    chat_arrives(a1, b, "cl_b", "from a on node 1");
    chat_arrives(b, a, "cl_a", "from b to a on node 0");
    xclient_disconnect_free(a1);
    chat_arrives(a, b, "cl_b", "from a on node 0 to b on node 1");
    xclient_disconnect_free(a);
    xclient_disconnect_free(b);
}
END_TEST

/* One cardxd, on node 0: node 1's users reach it through the cluster. */
START_TEST(one_instance_online)
{
    scenarios_online("one", 1);
}
END_TEST

START_TEST(one_instance_offline)
{
    scenarios_offline("one", 1);
}
END_TEST

/* One cardxd on each node, on the same component domain and database. */
START_TEST(two_instances_online)
{
    cl_instance_up(1);
    scenarios_online("two", 0);
}
END_TEST

START_TEST(two_instances_offline)
{
    cl_instance_up(1);
    scenarios_offline("two", 0);
}
END_TEST

/* What happened to one card of the flow. */
struct flow_card {
    char id[64];
    int accepted;  /* the send was answered queued */
    int received;  /* copies that reached its recipient */
    int committed; /* its ack iq's result came */
    int again;     /* copies after the ack committed */
};

struct flow {
    struct xclient *sender[FLOW_SENDERS];
    struct xclient *recip[FLOW_RECIPIENTS];
    char rphone[FLOW_RECIPIENTS][32];
    struct flow_card card[FLOW_CARDS];
};

/* The card of the flow with this id sent to recipient r, or -1. */
static int flow_find(const struct flow *f, int r, const char *id)
{
    for (int k = r; k < FLOW_CARDS; k += FLOW_RECIPIENTS)
        if (id && f->card[k].id[0] && strcmp(f->card[k].id, id) == 0)
            return k;
    return -1;
}

/* Takes every card queued at recipient r within ms, books and acks it. */
static void flow_take(struct flow *f, int r, int ms)
{
    xmpp_stanza_t *card;
    struct flow_card *fc;
    int k;

    while ((card = itest_wait_card(f->recip[r], ms)) != NULL) {
        k = flow_find(f, r, xmpp_stanza_get_id(card));
        ck_assert_msg(k >= 0, "recipient %d got a card not sent to it: %s", r,
                      xmpp_stanza_get_id(card));
        xmpp_stanza_release(card);
        fc = &f->card[k];
        fc->received++;
        if (fc->committed)
            fc->again++;
        else if (cl_ack(f->recip[r], fc->id, FLOW_IQ_MS) == 0)
            fc->committed = 1;
        ms = 0;
    }
}

/* Sends the card of sender s to recipient r; a send that is not answered
 * (its instance died) or answered with an error is not accepted. The
 * answer says queued either way unless [privacy] reveal_online is on. */
static void flow_send(struct flow *f, int s, int r)
{
    char xml[512];
    xmpp_stanza_t *iq, *reply = NULL, *sent;
    struct flow_card *fc = &f->card[s * FLOW_RECIPIENTS + r];
    const char *status;

    snprintf(xml, sizeof(xml),
             "<iq type='set' to='%s'><send xmlns='" NS_CARDX
             "' to='%s'><note>flow %d</note></send></iq>",
             HARNESS_COMPONENT_DOMAIN, f->rphone[r], s);
    iq = xmpp_stanza_new_from_string(xclient_ctx(f->sender[s]), xml);
    ck_assert_ptr_nonnull(iq);
    if (xclient_iq(f->sender[s], iq, FLOW_IQ_MS, &reply) == 0 &&
        (sent = xmpp_stanza_get_child_by_ns(reply, NS_CARDX)) != NULL &&
        (status = xmpp_stanza_get_attribute(sent, "status")) != NULL &&
        (strcmp(status, "queued") == 0 || strcmp(status, "delivered") == 0)) {
        snprintf(fc->id, sizeof(fc->id), "%s", xmpp_stanza_get_id(sent));
        fc->accepted = 1;
    }
    if (reply)
        xmpp_stanza_release(reply);
    xmpp_stanza_release(iq);
}

/* Whether every accepted card has arrived. */
static int flow_all_in(const struct flow *f)
{
    for (int k = 0; k < FLOW_CARDS; k++)
        if (f->card[k].accepted && !f->card[k].received)
            return 0;
    return 1;
}

/* Cards flow from senders on both nodes to a recipient on each node while
 * instance 0 is killed (SIGKILL) halfway: every card answered queued
 * arrives in the sessions open at the kill, none after its ack committed,
 * also after each recipient logs in again on the other node. */
START_TEST(failover_kill)
{
    struct flow *f = calloc(1, sizeof(*f));
    char user[64], phone[32];
    long long deadline;
    int accepted = 0, live = 0, status;

    ck_assert_ptr_nonnull(f);
    cl_instance_up(1);
    for (int r = 0; r < FLOW_RECIPIENTS; r++) {
        snprintf(user, sizeof(user), "flow_r%d", r);
        f->recip[r] = cl_person(r % CLUSTER_NODES, user, f->rphone[r]);
        ck_assert_int_eq(xclient_send_presence(f->recip[r]), 0);
    }
    for (int s = 0; s < FLOW_SENDERS; s++) {
        snprintf(user, sizeof(user), "flow_s%d", s);
        f->sender[s] = cl_person(s % CLUSTER_NODES, user, phone);
    }
    for (int r = 0; r < FLOW_RECIPIENTS; r++)
        xclient_pump(f->recip[r], 200);
    for (int s = 0; s < FLOW_SENDERS; s++) {
        if (s == FLOW_SENDERS / 2) {
            status = cluster_cardxd_kill(cl, 0, SIGKILL);
            ck_assert_msg(status >= 0 && WIFSIGNALED(status) &&
                              WTERMSIG(status) == SIGKILL,
                          "cardxd 0 was not killed (status %d)", status);
        }
        for (int r = 0; r < FLOW_RECIPIENTS; r++) {
            flow_send(f, s, r);
            flow_take(f, r, 0);
        }
    }
    deadline = clock_now_ms() + FLOW_COLLECT_MS;
    while (!flow_all_in(f) && clock_now_ms() < deadline)
        for (int r = 0; r < FLOW_RECIPIENTS; r++)
            flow_take(f, r, 100);
    for (int k = 0; k < FLOW_CARDS; k++)
        live += f->card[k].received > 0;
    /* The instance left took over the killed one's sessions (its lease ran
     * out) and delivered to them without a new login. */
    for (int k = 0; k < FLOW_CARDS; k++)
        ck_assert_msg(!f->card[k].accepted || f->card[k].received,
                      "accepted card %d (%s) did not reach the session open "
                      "at the kill",
                      k, f->card[k].id);
    /* A new session on the other node gets what still waits, and must not
     * get what was acknowledged. */
    for (int r = 0; r < FLOW_RECIPIENTS; r++) {
        xclient_disconnect_free(f->recip[r]);
        snprintf(user, sizeof(user), "flow_r%d", r);
        f->recip[r] = cl_login(1 - r % CLUSTER_NODES, user, 0);
        flow_take(f, r, ITEST_QUIET_MS);
    }
    for (int k = 0; k < FLOW_CARDS; k++) {
        accepted += f->card[k].accepted;
        ck_assert_msg(!f->card[k].accepted || f->card[k].received,
                      "accepted card %d (%s) never arrived", k, f->card[k].id);
        ck_assert_msg(f->card[k].again == 0,
                      "card %d (%s) came %d times after its ack committed", k,
                      f->card[k].id, f->card[k].again);
    }
    fprintf(stderr,
            "failover_kill: %d of %d cards accepted, %d arrived in the "
            "sessions open at the kill\n",
            accepted, FLOW_CARDS, live);
    /* The instance left (and the cluster) took the sends after the kill. */
    ck_assert_int_ge(accepted, FLOW_CARDS / 2);
    for (int s = 0; s < FLOW_SENDERS; s++)
        xclient_disconnect_free(f->sender[s]);
    for (int r = 0; r < FLOW_RECIPIENTS; r++)
        xclient_disconnect_free(f->recip[r]);
    free(f);
}
END_TEST

/* After the kill, instance 1 alone serves the users of both nodes. */
START_TEST(after_kill_online)
{
    ck_assert(!cluster_cardxd_running(cl, 0));
    scenarios_online("kill", 0);
}
END_TEST

START_TEST(after_kill_offline)
{
    ck_assert(!cluster_cardxd_running(cl, 0));
    scenarios_offline("kill", 0);
}
END_TEST

static Suite *cluster_suite(void)
{
    Suite *s = suite_create("cluster");
    TCase *tc = tcase_create("ejabberd-cluster");

    tcase_add_unchecked_fixture(tc, cl_setup, cl_teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, cluster_is_one_server);
    tcase_add_test(tc, one_instance_online);
    tcase_add_test(tc, one_instance_offline);
    tcase_add_test(tc, two_instances_online);
    tcase_add_test(tc, two_instances_offline);
    tcase_add_test(tc, failover_kill);
    tcase_add_test(tc, after_kill_online);
    tcase_add_test(tc, after_kill_offline);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN_NOFORK(cluster_suite)
