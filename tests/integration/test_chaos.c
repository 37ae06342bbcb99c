/* Chaos test: cards sent without pause while cardxd is killed, the server
 * restarts and recipients come and go; no card the service accepted may be
 * lost, misrouted, or delivered again after its acknowledgement committed. */
#include <check.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/util.h"
#include "tests/integration/itest.h"
#include "tests/lib/runner.h"
#include "xep/ns.h"

/*
 * One loop drives everything, bounded by time: each turn a sender sends a
 * card (urn:cardx:0 iq, or a message to a proxy JID), or a recipient's
 * session comes or goes, and every online session handles what arrived.
 * cardxd is killed with SIGKILL at random moments and restarted, the server
 * restarts once. Then every recipient logs in with a well-behaved client
 * and collects what still waits.
 *
 * Each card carries its sequence number as its note ("chaos-N"), so a
 * delivery names the send it came from whatever its id.
 *
 * Accepted: an iq send answered <sent/> (delivered or queued); a message
 * send that got no error before the answer to a disco#info iq sent after
 * it on the same stream (cardxd answers only once the batch holding the
 * message is committed). Delivered: the recipient's client acknowledged a
 * copy, or the final collection got it from cardxd. Failures: an accepted
 * card not delivered (lost), a card reaching anyone but its recipient
 * (misrouted), a copy from cardxd reaching a session after that session
 * got the card's ack iq result, or a session begun after it (redelivered
 * after a committed ack). Other repeats are counted, not failures.
 *
 * Environment: CHAOS_SEED replays a run's random choices (timing still
 * varies); CHAOS_SECONDS sets the length of the chaos (scripts/soak.sh runs
 * an hour); CHAOS_KILL=0 keeps cardxd and the server up (soak: its memory
 * is measured); CHAOS_PID_FILE names a file that gets cardxd's pid each
 * time it starts.
 */

#define CHAOS_DEFAULT_SECONDS 120
#define CHAOS_SENDERS 3
#define CHAOS_RECIPIENTS 5
#define CHAOS_SLOTS 2 /* sessions a recipient may hold at once */
#define CHAOS_IQ_MS 4000
#define CHAOS_LOGIN_MS 5000
#define CHAOS_PUMP_MS 20
/* Kills come every KILL_MIN..KILL_MAX ms; cardxd stays down up to
 * DOWN_MAX ms. */
#define CHAOS_KILL_MIN_MS 8000
#define CHAOS_KILL_MAX_MS 25000
#define CHAOS_DOWN_MAX_MS 2000
/* cardxd's reconnect backoff reaches 16 s while the server restarts. */
#define CHAOS_LINK_MS 45000
/* Longer than smacks_hibernation_time in servers/prosody.cfg.lua.in, so
 * the sessions that died have expired and bounced before the collection. */
#define CHAOS_HIBERNATION_MS 6000
/* The collection ends once no card came for this long. */
#define CHAOS_QUIET_MS 4000
/* Odds of each turn, in percent: a send (of which by iq rather than by
 * message), else a session coming or going (else only the pumping). */
#define CHAOS_SEND_PCT 60
#define CHAOS_SEND_IQ_PCT 60
#define CHAOS_TOGGLE_PCT 50
/* Odds that a P_SMDROP client acks a card, a P_SILENT one drops its
 * connection rather than logging out. */
#define CHAOS_SMDROP_ACK_PCT 50
#define CHAOS_SILENT_DROP_PCT 50
/* Cards a run may send: the loop stops sending beyond it. */
#define CHAOS_MAX_CARDS 200000

/* How a recipient's client behaves. */
enum chaos_profile {
    P_NONE,     /* no session in this slot */
    P_GOOD,     /* receipts in disco; acks by iq; logs out */
    P_SMDROP,   /* receipts in disco; XEP-0198; acks half the cards by
                   receipt; its connection dies */
    P_SILENT,   /* never answers disco#info, never acks; XEP-0198; dies or
                   logs out */
    P_CONVERSE, /* no receipts in disco, yet acks by receipt (Converse.js) */
};

struct chaos_slot {
    enum chaos_profile profile;
    struct xclient *c;
    int serial;         /* which session this is, for the ack check */
    long long since_ms; /* when its login began */
};

struct chaos_user {
    char name[32];
    char phone[32];
    char proxy[128];
    struct chaos_slot slot[CHAOS_SLOTS];
};

enum chaos_fate { F_SENT, F_ACCEPTED, F_UNCONFIRMED, F_REFUSED };

struct chaos_card {
    int from; /* sender index */
    int to;   /* recipient index */
    enum chaos_fate fate;
    char id[64];
    int copies;             /* deliveries seen */
    int acked;              /* the recipient's client acknowledged it */
    int collected;          /* seen in the final collection */
    long long committed_ms; /* when its ack iq's result came; 0: not yet */
    int commit_serial;      /* the session that got that result */
};

struct chaos_counts {
    int accepted, delivered, superseded, lost, misrouted, redelivered_committed,
        redelivered_other, replayed, unconfirmed, refused;
};

struct chaos {
    struct harness *h;
    uint64_t rng;
    struct chaos_user senders[CHAOS_SENDERS];
    struct xclient *sc[CHAOS_SENDERS];
    struct chaos_user recips[CHAOS_RECIPIENTS];
    struct chaos_card *cards;
    int ncards;
    int serial;
    int copies; /* deliveries seen, all cards */
    int misrouted;
    int redelivered_committed;
    int redelivered_other;
    int replayed;   /* copies from the server's offline store */
    int collecting; /* the final collection runs */
    int kill;       /* kills and the server restart are on */
    int down;       /* cardxd was killed and waits for its restart */
    int kills;
    int server_restarted;
    long long next_kill_ms, restart_ms, server_restart_ms;
    const char *pid_file;
};

static const char *const features_receipts[] = {NS_DISCO_INFO, NS_RECEIPTS,
                                                NULL};
static const char *const features_plain[] = {NS_DISCO_INFO, NULL};

/* r2's silent session never acks: the cards it alone got must wait for
 * r2's Converse-like one (which also keeps the inbox small in a soak).
 * r4's silent session sits beside a good one. */
static const enum chaos_profile recipient_slots[CHAOS_RECIPIENTS][CHAOS_SLOTS] =
    {
        {P_GOOD, P_NONE},     {P_SMDROP, P_NONE}, {P_SILENT, P_CONVERSE},
        {P_CONVERSE, P_NONE}, {P_GOOD, P_SILENT},
};

/* xorshift64*: small, seedable, the same on every machine. */
static uint64_t chaos_rand(struct chaos *ch)
{
    ch->rng ^= ch->rng >> 12;
    ch->rng ^= ch->rng << 25;
    ch->rng ^= ch->rng >> 27;
    return ch->rng * UINT64_C(2685821657736338717);
}

static int chaos_below(struct chaos *ch, int n)
{
    return (int)(chaos_rand(ch) % (uint64_t)n);
}

static int chaos_chance(struct chaos *ch, int percent)
{
    return chaos_below(ch, 100) < percent;
}

static long env_long(const char *name, long dflt)
{
    const char *v = getenv(name);

    return v && *v ? strtol(v, NULL, 10) : dflt;
}

static void chaos_write_pid(struct chaos *ch)
{
    FILE *f;

    if (!ch->pid_file || harness_cardxd_pid(ch->h) <= 0)
        return;
    f = fopen(ch->pid_file, "w");
    if (f) {
        fprintf(f, "%d\n", (int)harness_cardxd_pid(ch->h));
        fclose(f);
    }
}

static struct xclient *chaos_connect(struct chaos *ch, const char *user,
                                     int opts)
{
    char *jid = harness_jid(ch->h, user);
    struct xclient *c = NULL;

    ck_assert_ptr_nonnull(jid);
    xclient_connect_opts(jid, ITEST_PASSWORD, "127.0.0.1",
                         harness_c2s_port(ch->h), CHAOS_LOGIN_MS, opts, &c);
    free(jid);
    return c;
}

static int is_subscribe(xmpp_stanza_t *stanza, void *ud)
{
    const char *name = xmpp_stanza_get_name(stanza);
    const char *type = xmpp_stanza_get_type(stanza);

    (void)ud;
    return name && strcmp(name, "presence") == 0 && type &&
           strcmp(type, "subscribe") == 0;
}

/* Creates the account, registers its number, uploads its card and
 * approves the service's presence subscription. */
static void chaos_enrol(struct chaos_user *u, const char *name, int number)
{
    struct xclient *c;
    xmpp_stanza_t *sub = NULL;

    snprintf(u->name, sizeof(u->name), "%s", name);
    snprintf(u->phone, sizeof(u->phone), "+8613800139%03d", number);
    itest_proxy_jid(u->proxy, sizeof(u->proxy), u->phone);
    c = itest_login(u->name, 1, 1);
    itest_register_phone(c, u->phone);
    itest_upload_card(c, u->name, u->phone);
    /* Taking it from the queue sends the automatic approval. */
    ck_assert_int_eq(
        xclient_wait(c, is_subscribe, NULL, ITEST_TIMEOUT_MS, &sub), 0);
    xmpp_stanza_release(sub);
    xclient_disconnect_free(c);
}

static void chaos_setup(struct chaos *ch)
{
    char name[32];
    const char *seed;

    memset(ch, 0, sizeof(*ch));
    ch->h = itest_harness();
    seed = getenv("CHAOS_SEED");
    ch->rng = seed && *seed ? strtoull(seed, NULL, 10) : 0;
    if (!ch->rng)
        ch->rng = (uint64_t)clock_now_ms() ^ ((uint64_t)getpid() << 32);
    printf("chaos: seed %" PRIu64 " (replay with CHAOS_SEED=%" PRIu64 ")\n",
           ch->rng, ch->rng);
    fflush(stdout);
    ch->kill = env_long("CHAOS_KILL", 1) != 0;
    ch->pid_file = getenv("CHAOS_PID_FILE");
    ch->cards = calloc(CHAOS_MAX_CARDS, sizeof(*ch->cards));
    ck_assert_ptr_nonnull(ch->cards);
    chaos_write_pid(ch);
    for (int i = 0; i < CHAOS_SENDERS; i++) {
        snprintf(name, sizeof(name), "chaos_s%d", i);
        chaos_enrol(&ch->senders[i], name, 100 + i);
    }
    for (int i = 0; i < CHAOS_RECIPIENTS; i++) {
        snprintf(name, sizeof(name), "chaos_r%d", i);
        chaos_enrol(&ch->recips[i], name, 200 + i);
        for (int s = 0; s < CHAOS_SLOTS; s++)
            ch->recips[i].slot[s].profile = recipient_slots[i][s];
    }
}

/* The sequence number in a card's note, or -1. */
static int card_seq(xmpp_stanza_t *msg)
{
    xmpp_stanza_t *card =
        xmpp_stanza_get_child_by_name_and_ns(msg, "card", NS_CARDX);
    xmpp_stanza_t *note =
        card ? xmpp_stanza_get_child_by_name(card, "note") : NULL;
    char *text = note ? xmpp_stanza_get_text(note) : NULL;
    int seq = -1;

    if (text && strncmp(text, "chaos-", 6) == 0)
        seq = atoi(text + 6);
    if (text)
        xmpp_free(xmpp_stanza_get_context(msg), text);
    return seq;
}

static int is_named(xmpp_stanza_t *stanza, const char *name)
{
    const char *have = xmpp_stanza_get_name(stanza);

    return have && strcmp(have, name) == 0;
}

static int is_card(xmpp_stanza_t *stanza, void *ud)
{
    (void)ud;
    return is_named(stanza, "message") &&
           xmpp_stanza_get_child_by_name_and_ns(stanza, "card", NS_CARDX);
}

static int is_card_copy(xmpp_stanza_t *stanza, void *ud)
{
    const char *id = xmpp_stanza_get_id(stanza);

    return is_card(stanza, NULL) && id && strcmp(id, ud) == 0;
}

/* A late answer to a send or an ack iq still counts. */
static void chaos_late_reply(struct chaos *ch, xmpp_stanza_t *st, int serial)
{
    const char *id = xmpp_stanza_get_id(st);
    const char *type = xmpp_stanza_get_type(st);
    xmpp_stanza_t *sent;
    int seq;

    if (!is_named(st, "iq") || !id || !type || strcmp(type, "result") != 0)
        return;
    if (sscanf(id, "send-%d", &seq) == 1 && seq >= 0 && seq < ch->ncards) {
        sent = xmpp_stanza_get_child_by_ns(st, NS_CARDX);
        ch->cards[seq].fate = F_ACCEPTED;
        if (sent && xmpp_stanza_get_id(sent))
            snprintf(ch->cards[seq].id, sizeof(ch->cards[seq].id), "%s",
                     xmpp_stanza_get_id(sent));
    } else if (sscanf(id, "ack-%d", &seq) == 1 && seq >= 0 &&
               seq < ch->ncards && !ch->cards[seq].committed_ms) {
        ch->cards[seq].committed_ms = clock_now_ms();
        ch->cards[seq].commit_serial = serial;
    }
}

/* Releases everything queued that is not a card (presence, errors, stale
 * replies), so a long run does not pile them up. */
static void chaos_drain(struct chaos *ch, struct xclient *c, int serial)
{
    xmpp_stanza_t *st;

    while (xclient_wait(c, NULL, NULL, 0, &st) == 0) {
        if (is_card(st, NULL))
            ch->misrouted++; /* only senders drain cards: not theirs */
        chaos_late_reply(ch, st, serial);
        xmpp_stanza_release(st);
    }
}

/* A copy Prosody kept for an offline user (XEP-0160) and replayed, with
 * its own XEP-0203 delay: the server's doing, not cardxd's, so it does not
 * count against cardxd's acks, nor as a card cardxd kept for the final
 * collection (cardxd's own delay says the component's domain). */
static int is_server_replay(struct chaos *ch, xmpp_stanza_t *msg)
{
    const char *domain = harness_domain(ch->h);

    /* The stored copy may hold cardxd's delay too: look at each. */
    for (xmpp_stanza_t *c = xmpp_stanza_get_children(msg); c;
         c = xmpp_stanza_get_next(c)) {
        const char *name = xmpp_stanza_get_name(c);
        const char *ns = xmpp_stanza_get_ns(c);
        const char *from = xmpp_stanza_get_from(c);

        if (name && strcmp(name, "delay") == 0 && ns &&
            strcmp(ns, NS_DELAY) == 0 && from && strcmp(from, domain) == 0)
            return 1;
    }
    return 0;
}

/* Books one copy of card seq that reached session sl. */
static void chaos_book(struct chaos *ch, int r, struct chaos_slot *sl, int seq,
                       xmpp_stanza_t *msg)
{
    struct chaos_card *cd = &ch->cards[seq];
    int replay = is_server_replay(ch, msg);

    ch->copies++;
    if (replay)
        ch->replayed++;
    if (cd->copies++ > 0) {
        /* After the result the ack is durable: a session that got it, or
         * one that began later, must not get the card from cardxd again. */
        if (!replay && cd->committed_ms &&
            (sl->serial == cd->commit_serial ||
             sl->since_ms > cd->committed_ms)) {
            ch->redelivered_committed++;
            fprintf(stderr,
                    "chaos: card %s redelivered to %s after its ack "
                    "committed\n",
                    cd->id, ch->recips[r].name);
        } else {
            ch->redelivered_other++;
        }
    }
    if (ch->collecting && !replay)
        cd->collected = 1;
}

/* Sends the cardx ack for seq and records when its result came. */
static void chaos_ack_iq(struct chaos *ch, int r, struct chaos_slot *sl,
                         int seq)
{
    char xml[256];
    const char *id = ch->cards[seq].id;
    xmpp_stanza_t *iq, *reply = NULL, *copy;
    int rc;

    snprintf(xml, sizeof(xml),
             "<iq type='set' id='ack-%d' to='%s'><ack xmlns='" NS_CARDX
             "' id='%s'/></iq>",
             seq, harness_component_domain(ch->h), id);
    iq = xmpp_stanza_new_from_string(xclient_ctx(sl->c), xml);
    ck_assert_ptr_nonnull(iq);
    rc = xclient_iq(sl->c, iq, CHAOS_IQ_MS, &reply);
    xmpp_stanza_release(iq);
    /* Copies queued while the iq waited came before its result: booked
     * before the result is. */
    while (xclient_wait(sl->c, is_card_copy, (void *)id, 0, &copy) == 0) {
        chaos_book(ch, r, sl, seq, copy);
        xmpp_stanza_release(copy);
    }
    if (rc == 0)
        chaos_late_reply(ch, reply, sl->serial);
    if (reply)
        xmpp_stanza_release(reply);
}

static void chaos_ack_receipt(struct chaos_slot *sl, xmpp_stanza_t *msg)
{
    char xml[512];

    snprintf(xml, sizeof(xml),
             "<message to='%s'><received xmlns='" NS_RECEIPTS
             "' id='%s'/></message>",
             xmpp_stanza_get_from(msg), xmpp_stanza_get_id(msg));
    xclient_send_text(sl->c, xml);
}

/* Books one delivery of msg to recipient r's session sl and acks it as the
 * session's client would. */
static void chaos_delivery(struct chaos *ch, int r, struct chaos_slot *sl,
                           xmpp_stanza_t *msg)
{
    int seq = card_seq(msg);
    const char *id = xmpp_stanza_get_id(msg);
    struct chaos_card *cd;

    if (seq < 0 || seq >= ch->ncards || ch->cards[seq].to != r || !id) {
        ch->misrouted++;
        fprintf(stderr, "chaos: card %s (seq %d) misrouted to %s\n",
                id ? id : "?", seq, ch->recips[r].name);
        return;
    }
    cd = &ch->cards[seq];
    if (!cd->id[0])
        snprintf(cd->id, sizeof(cd->id), "%s", id);
    chaos_book(ch, r, sl, seq, msg);
    switch (sl->profile) {
    case P_GOOD:
        cd->acked = 1;
        chaos_ack_iq(ch, r, sl, seq);
        break;
    case P_SMDROP:
        if (!chaos_chance(ch, CHAOS_SMDROP_ACK_PCT))
            break;
        /* fall through */
    case P_CONVERSE:
        cd->acked = 1;
        chaos_ack_receipt(sl, msg);
        break;
    default:
        break;
    }
}

/* Handles what reached one session; closes it if its stream died. */
static void chaos_serve(struct chaos *ch, int r, struct chaos_slot *sl,
                        int pump_ms)
{
    xmpp_stanza_t *msg;

    if (!sl->c)
        return;
    xclient_pump(sl->c, pump_ms);
    while (xclient_wait(sl->c, is_card, NULL, 0, &msg) == 0) {
        chaos_delivery(ch, r, sl, msg);
        xmpp_stanza_release(msg);
    }
    while (xclient_wait(sl->c, NULL, NULL, 0, &msg) == 0) {
        chaos_late_reply(ch, msg, sl->serial);
        xmpp_stanza_release(msg);
    }
    if (!xclient_is_connected(sl->c)) {
        xclient_disconnect_free(sl->c);
        sl->c = NULL;
    }
}

static int chaos_login(struct chaos *ch, int r, struct chaos_slot *sl)
{
    int sm = sl->profile == P_SMDROP || sl->profile == P_SILENT;
    const char *const *features = NULL;

    sl->since_ms = clock_now_ms();
    sl->serial = ++ch->serial;
    sl->c = chaos_connect(ch, ch->recips[r].name, sm ? XCLIENT_SM : 0);
    if (!sl->c)
        return -ECONNREFUSED;
    if (sl->profile == P_GOOD || sl->profile == P_SMDROP)
        features = features_receipts;
    else if (sl->profile == P_CONVERSE)
        features = features_plain;
    xclient_set_disco_features(sl->c, features);
    xclient_auto_accept_subscriptions(sl->c, 1);
    if (xclient_send_presence(sl->c) < 0) {
        xclient_disconnect_free(sl->c);
        sl->c = NULL;
        return -ENOTCONN;
    }
    return 0;
}

static void chaos_logout(struct chaos *ch, struct chaos_slot *sl)
{
    int drop =
        sl->profile == P_SMDROP ||
        (sl->profile == P_SILENT && chaos_chance(ch, CHAOS_SILENT_DROP_PCT));

    if (drop)
        xclient_drop_free(sl->c);
    else
        xclient_disconnect_free(sl->c);
    sl->c = NULL;
}

/* A recipient's session comes or goes. */
static void chaos_toggle(struct chaos *ch)
{
    int r = chaos_below(ch, CHAOS_RECIPIENTS);
    struct chaos_slot *sl = &ch->recips[r].slot[chaos_below(ch, CHAOS_SLOTS)];

    if (sl->profile == P_NONE)
        return;
    if (sl->c)
        chaos_logout(ch, sl);
    else
        chaos_login(ch, r, sl);
}

static struct xclient *chaos_sender(struct chaos *ch, int s)
{
    if (ch->sc[s] && !xclient_is_connected(ch->sc[s])) {
        xclient_disconnect_free(ch->sc[s]);
        ch->sc[s] = NULL;
    }
    if (!ch->sc[s])
        ch->sc[s] = chaos_connect(ch, ch->senders[s].name, 0);
    return ch->sc[s];
}

static int is_send_error(xmpp_stanza_t *stanza, void *ud)
{
    const char *id = xmpp_stanza_get_id(stanza);
    const char *type = xmpp_stanza_get_type(stanza);

    return is_named(stanza, "message") && type && strcmp(type, "error") == 0 &&
           id && strcmp(id, ud) == 0;
}

/* A message send has no answer of its own. An iq sent after it on the
 * same stream is answered only once the batch holding the message was
 * committed (cardxd writes replies after the commit), and any error for
 * the message comes before that answer. */
static enum chaos_fate chaos_send_message(struct chaos *ch, struct xclient *c,
                                          int seq)
{
    char xml[512], id[32];
    xmpp_stanza_t *iq, *reply = NULL, *err = NULL;
    enum chaos_fate fate = F_UNCONFIRMED;

    snprintf(id, sizeof(id), "m-%d", seq);
    snprintf(xml, sizeof(xml),
             "<message type='chat' id='%s' to='%s'><body>chaos-%d</body>"
             "<request xmlns='" NS_RECEIPTS "'/></message>",
             id, ch->recips[ch->cards[seq].to].proxy, seq);
    if (xclient_send_text(c, xml) < 0)
        return F_UNCONFIRMED;
    snprintf(xml, sizeof(xml),
             "<iq type='get' to='%s'><query xmlns='" NS_DISCO_INFO "'/></iq>",
             harness_component_domain(ch->h));
    iq = xmpp_stanza_new_from_string(xclient_ctx(c), xml);
    ck_assert_ptr_nonnull(iq);
    if (xclient_iq(c, iq, CHAOS_IQ_MS, &reply) == 0 &&
        strcmp(xmpp_stanza_get_type(reply), "result") == 0)
        fate = F_ACCEPTED;
    if (xclient_wait(c, is_send_error, id, 0, &err) == 0) {
        fate = F_REFUSED;
        xmpp_stanza_release(err);
    }
    if (reply)
        xmpp_stanza_release(reply);
    xmpp_stanza_release(iq);
    return fate;
}

static enum chaos_fate chaos_send_iq(struct chaos *ch, struct xclient *c,
                                     int seq)
{
    char xml[512];
    xmpp_stanza_t *iq, *reply = NULL, *sent;
    enum chaos_fate fate = F_UNCONFIRMED;
    const char *status;

    snprintf(xml, sizeof(xml),
             "<iq type='set' id='send-%d' to='%s'><send xmlns='" NS_CARDX
             "' to='%s'><note>chaos-%d</note></send></iq>",
             seq, harness_component_domain(ch->h),
             ch->recips[ch->cards[seq].to].phone, seq);
    iq = xmpp_stanza_new_from_string(xclient_ctx(c), xml);
    ck_assert_ptr_nonnull(iq);
    if (xclient_iq(c, iq, CHAOS_IQ_MS, &reply) == 0) {
        sent = xmpp_stanza_get_child_by_ns(reply, NS_CARDX);
        status = sent ? xmpp_stanza_get_attribute(sent, "status") : NULL;
        if (strcmp(xmpp_stanza_get_type(reply), "error") == 0) {
            fate = F_REFUSED;
        } else if (status && (strcmp(status, "delivered") == 0 ||
                              strcmp(status, "queued") == 0)) {
            fate = F_ACCEPTED;
            snprintf(ch->cards[seq].id, sizeof(ch->cards[seq].id), "%s",
                     xmpp_stanza_get_id(sent));
        }
    }
    if (reply)
        xmpp_stanza_release(reply);
    xmpp_stanza_release(iq);
    return fate;
}

static void chaos_send(struct chaos *ch)
{
    int s = chaos_below(ch, CHAOS_SENDERS);
    struct xclient *c = chaos_sender(ch, s);
    int seq = ch->ncards;
    struct chaos_card *cd = &ch->cards[seq];

    if (!c || seq >= CHAOS_MAX_CARDS)
        return;
    ch->ncards++;
    cd->from = s;
    cd->to = chaos_below(ch, CHAOS_RECIPIENTS);
    cd->fate = F_SENT;
    if (chaos_chance(ch, CHAOS_SEND_IQ_PCT))
        cd->fate = chaos_send_iq(ch, c, seq);
    else
        cd->fate = chaos_send_message(ch, c, seq);
    /* A late answer may already have settled it. */
    chaos_drain(ch, c, 0);
}

/* Every session of the test ends: the server restarted under them. */
static void chaos_forget_sessions(struct chaos *ch)
{
    for (int s = 0; s < CHAOS_SENDERS; s++) {
        xclient_disconnect_free(ch->sc[s]);
        ch->sc[s] = NULL;
    }
    for (int r = 0; r < CHAOS_RECIPIENTS; r++)
        for (int s = 0; s < CHAOS_SLOTS; s++) {
            xclient_disconnect_free(ch->recips[r].slot[s].c);
            ch->recips[r].slot[s].c = NULL;
        }
}

/* Kills and restarts cardxd when their time has come; restarts the server
 * once, half way. */
static void chaos_havoc(struct chaos *ch, long long now)
{
    int ups, status;

    if (ch->down) {
        if (now >= ch->restart_ms) {
            ck_assert_int_eq(harness_cardxd_start(ch->h), 0);
            chaos_write_pid(ch);
            ch->down = 0;
        }
    } else {
        ck_assert_msg(harness_cardxd_running(ch->h),
                      "cardxd died by itself (see %s/cardxd.log)",
                      harness_rundir(ch->h));
    }
    if (!ch->kill)
        return;
    if (!ch->down && now >= ch->next_kill_ms) {
        status = harness_cardxd_kill(ch->h, SIGKILL);
        ck_assert_msg(status >= 0 && WIFSIGNALED(status) &&
                          WTERMSIG(status) == SIGKILL,
                      "cardxd ended otherwise than by the kill (%d)", status);
        ch->down = 1;
        ch->kills++;
        ch->restart_ms = now + chaos_below(ch, CHAOS_DOWN_MAX_MS);
        ch->next_kill_ms =
            now + CHAOS_KILL_MIN_MS +
            chaos_below(ch, CHAOS_KILL_MAX_MS - CHAOS_KILL_MIN_MS);
    }
    if (!ch->server_restarted && now >= ch->server_restart_ms) {
        ch->server_restarted = 1;
        ups = harness_cardxd_link_ups(ch->h);
        ck_assert_int_eq(harness_server_restart(ch->h), 0);
        chaos_forget_sessions(ch);
        if (!ch->down)
            ck_assert_int_eq(
                harness_cardxd_wait_link_up(ch->h, ups + 1, CHAOS_LINK_MS), 0);
    }
}

static void chaos_run(struct chaos *ch, long long seconds)
{
    long long start = clock_now_ms(), end = start + seconds * 1000;
    long long now;
    int sends = 0, toggles = 0;

    ch->next_kill_ms = start + CHAOS_KILL_MIN_MS / 2 +
                       chaos_below(ch, CHAOS_KILL_MAX_MS - CHAOS_KILL_MIN_MS);
    ch->server_restart_ms =
        start + seconds * 400 + chaos_below(ch, (int)(seconds * 200) + 1);
    while ((now = clock_now_ms()) < end) {
        chaos_havoc(ch, now);
        if (chaos_chance(ch, CHAOS_SEND_PCT)) {
            chaos_send(ch);
            sends++;
        } else if (chaos_chance(ch, CHAOS_TOGGLE_PCT)) {
            chaos_toggle(ch);
            toggles++;
        }
        for (int r = 0; r < CHAOS_RECIPIENTS; r++)
            for (int s = 0; s < CHAOS_SLOTS; s++)
                chaos_serve(ch, r, &ch->recips[r].slot[s], CHAOS_PUMP_MS);
    }
    printf("chaos: %lld s, %d sends, %d comings and goings, %d kills of "
           "cardxd, %d server restart\n",
           seconds, sends, toggles, ch->kills, ch->server_restarted);
    fflush(stdout);
}

/* cardxd runs and answers: a send iq's neighbour, disco#info, succeeds. */
static void chaos_settle(struct chaos *ch)
{
    char xml[256];
    xmpp_stanza_t *iq;
    struct xclient *c = NULL;
    int rc = -ETIMEDOUT;

    if (ch->down) {
        ck_assert_int_eq(harness_cardxd_start(ch->h), 0);
        chaos_write_pid(ch);
        ch->down = 0;
    }
    ck_assert_msg(harness_cardxd_running(ch->h),
                  "cardxd died by itself (see %s/cardxd.log)",
                  harness_rundir(ch->h));
    ck_assert_int_eq(harness_cardxd_wait_connected(ch->h, CHAOS_LINK_MS), 0);
    snprintf(xml, sizeof(xml),
             "<iq type='get' to='%s'><query xmlns='" NS_DISCO_INFO "'/></iq>",
             harness_component_domain(ch->h));
    for (int i = 0; i < 5 && rc != 0; i++) {
        c = chaos_sender(ch, 0);
        ck_assert_ptr_nonnull(c);
        iq = xmpp_stanza_new_from_string(xclient_ctx(c), xml);
        ck_assert_ptr_nonnull(iq);
        rc = xclient_iq(c, iq, ITEST_TIMEOUT_MS, NULL);
        xmpp_stanza_release(iq);
    }
    ck_assert_msg(rc == 0, "cardxd does not answer after the chaos (%d)", rc);
    for (int s = 0; s < CHAOS_SENDERS; s++)
        if (ch->sc[s])
            chaos_drain(ch, ch->sc[s], 0);
}

/* Every recipient logs in with a well-behaved client and takes what
 * waits, acking each card by iq. */
static void chaos_collect(struct chaos *ch)
{
    for (int r = 0; r < CHAOS_RECIPIENTS; r++)
        for (int s = 0; s < CHAOS_SLOTS; s++)
            if (ch->recips[r].slot[s].c)
                chaos_logout(ch, &ch->recips[r].slot[s]);
    /* Hibernating sessions expire meanwhile: what they held bounces, or
     * goes to the server's offline store when it was the user's last. */
    usleep(CHAOS_HIBERNATION_MS * 1000);
    chaos_settle(ch);
    ch->collecting = 1;
    for (int r = 0; r < CHAOS_RECIPIENTS; r++) {
        struct chaos_slot sl = {.profile = P_GOOD};
        long long quiet;
        int seen;

        ck_assert_int_eq(chaos_login(ch, r, &sl), 0);
        quiet = clock_now_ms() + CHAOS_QUIET_MS;
        /* Bounded: each turn either sees a card or moves towards quiet. */
        for (int turns = 0; turns <= ch->ncards && clock_now_ms() < quiet;) {
            seen = ch->copies + ch->misrouted;
            chaos_serve(ch, r, &sl, CHAOS_PUMP_MS);
            ck_assert_msg(sl.c, "%s's session died", ch->recips[r].name);
            if (ch->copies + ch->misrouted != seen) {
                quiet = clock_now_ms() + CHAOS_QUIET_MS;
                turns++;
            }
        }
        xclient_disconnect_free(sl.c);
    }
}

/* A sender has at most one card waiting for a recipient: a send while one
 * waits replaces it (ISSUE 9). The replacement keeps the id while no client
 * can hold the old content, and takes a new one once it was handed out, so
 * that a late ack of the old content cannot retire the new. Card i counts
 * as replaced when another accepted card of the same sender to the same
 * recipient was delivered and was either sent after it (the latest card
 * wins) or delivered with its id (or, for a message send whose id the test
 * never learnt, is any other card of the pair). From outside, a card lost
 * before the next send of its pair looks replaced too: the pair's latest
 * card is what this test proves arrives. */
static int chaos_superseded(const struct chaos *ch, int i)
{
    const struct chaos_card *cd = &ch->cards[i];

    for (int j = 0; j < ch->ncards; j++) {
        const struct chaos_card *other = &ch->cards[j];

        if (j == i || other->fate != F_ACCEPTED || other->from != cd->from ||
            other->to != cd->to || !(other->acked || other->collected))
            continue;
        if (j > i || !cd->id[0] || !other->id[0] ||
            strcmp(cd->id, other->id) == 0)
            return 1;
    }
    return 0;
}

static struct chaos_counts chaos_count(struct chaos *ch)
{
    struct chaos_counts n = {0};

    n.misrouted = ch->misrouted;
    n.redelivered_committed = ch->redelivered_committed;
    n.redelivered_other = ch->redelivered_other;
    n.replayed = ch->replayed;
    for (int i = 0; i < ch->ncards; i++) {
        struct chaos_card *cd = &ch->cards[i];

        if (cd->fate == F_UNCONFIRMED || cd->fate == F_SENT)
            n.unconfirmed++;
        if (cd->fate == F_REFUSED)
            n.refused++;
        if (cd->fate != F_ACCEPTED)
            continue;
        n.accepted++;
        /* Delivered: the recipient's client acknowledged it, or it still
         * waited for them at the end. A copy seen only by clients that
         * never ack proves nothing. */
        if (cd->acked || cd->collected) {
            n.delivered++;
        } else if (chaos_superseded(ch, i)) {
            n.superseded++;
        } else {
            n.lost++;
            fprintf(stderr,
                    "chaos: card %d (%s) to %s lost (seen %d times, never "
                    "acknowledged)\n",
                    i, cd->id[0] ? cd->id : "id unknown",
                    ch->recips[cd->to].name, cd->copies);
        }
    }
    return n;
}

/* The limits of an open service and the attempts cap are policies this
 * test does not exercise: off, so that every refusal or deletion it sees
 * is one of the faults it injects. */
static void chaos_fixture(void)
{
    itest_setup_with("[limits]\nsends_per_minute = 0\nsends_per_day = 0\n"
                     "lookups_per_day = 0\nmax_attempts = 1000\n");
}

START_TEST(chaos)
{
    struct chaos ch;
    struct chaos_counts n;

    chaos_setup(&ch);
    chaos_run(&ch, env_long("CHAOS_SECONDS", CHAOS_DEFAULT_SECONDS));
    chaos_collect(&ch);
    n = chaos_count(&ch);
    printf("chaos: accepted %d, delivered %d, replaced by a later card %d, "
           "lost %d, misrouted %d, "
           "redelivered after committed ack %d, redelivered otherwise %d "
           "(%d copies from the server's offline store; not accepted: %d "
           "refused, %d unconfirmed)\n",
           n.accepted, n.delivered, n.superseded, n.lost, n.misrouted,
           n.redelivered_committed, n.redelivered_other, n.replayed, n.refused,
           n.unconfirmed);
    fflush(stdout);
    chaos_forget_sessions(&ch);
    free(ch.cards);
    if (n.lost || n.misrouted || n.redelivered_committed)
        harness_keep_rundir(ch.h);
    ck_assert_int_gt(n.accepted, 0);
    ck_assert_int_eq(n.lost, 0);
    ck_assert_int_eq(n.misrouted, 0);
    ck_assert_int_eq(n.redelivered_committed, 0);
}
END_TEST

static Suite *chaos_suite(void)
{
    Suite *s = suite_create("chaos");
    TCase *tc = tcase_create("prosody");

    tcase_add_unchecked_fixture(tc, chaos_fixture, itest_teardown);
    tcase_add_test(tc, chaos);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN_NOFORK(chaos_suite)
