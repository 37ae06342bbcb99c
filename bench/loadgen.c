/* Load generator: sender/recipient pairs of libstrophe clients on one
 * xmpp_ctx, windowed sends, latency from send to arrival. */
#include "bench/loadgen.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strophe.h>
#include <sys/socket.h>

#include "bench/benchutil.h"
#include "bench/prefill.h"
#include "xep/ns.h"

/* A send answered with an error of type wait ("try again in a moment") is
 * sent again after this back-off, as a client would. */
#define LG_RETRY_MS 200
/* Missing items listed by sequence number when a round times out. */
#define LG_MISSING_SHOWN 20
/* How long nothing must arrive before a round that only misses replaced
 * cards ends, and how often that is checked. */
#define LG_SETTLE_MS 2000
#define LG_SETTLE_CHECK_MS 100
/* Distinct error conditions counted per round. */
#define LG_CONDITIONS 8

/* What became of one item of the running round. */
enum lg_fate {
    LG_UNSENT = 0,
    LG_IN_FLIGHT, /* sent, no answer yet (a card's acceptance is silent) */
    LG_FAILED,    /* answered with an error, waiting for its retry */
    LG_ARRIVED,
};

struct lg_client {
    struct loadgen *lg;
    xmpp_conn_t *conn;
    long index;
    int recipient;
    int up;   /* logged in */
    int down; /* failed or disconnected */
};

struct loadgen {
    xmpp_ctx_t *ctx;
    const char *component;
    long pairs;
    struct lg_client *clients; /* senders 0..pairs-1, then recipients */
    long up, down, disco;
    enum loadgen_mode mode;
    long received;
    long *sent, *recvd; /* per pair, in the running round */
    int64_t *sent_at;   /* per sequence number of the running round */
    long seq_cap;
    unsigned char *fate; /* enum lg_fate, per sequence number */
    long *pair_of;       /* the pair that sends it, per sequence number */
    int *errors_of;      /* error answers, per sequence number */
    char (*card_of)[48]; /* the id a card arrived with, per sequence number */
    long *retry_seq;     /* FIFO of failed items (each once at most) */
    int64_t *retry_at;   /* when each may be sent again (ms) */
    long retry_head, retry_n;
    long errors, dupes;
    struct {
        char name[64];
        long n;
    } conditions[LG_CONDITIONS];
    struct bench_samples *lat;
    int64_t last_ns;
    size_t card_bytes;
};

static struct lg_client *lg_sender(struct loadgen *lg, long i)
{
    return &lg->clients[i];
}

static struct lg_client *lg_recipient(struct loadgen *lg, long i)
{
    return &lg->clients[lg->pairs + i];
}

/* The sequence number in "bench N ..." text, or -1. */
static long lg_seq(const char *t)
{
    if (!t || strncmp(t, "bench ", 6) != 0)
        return -1;
    return strtol(t + 6, NULL, 10);
}

static void lg_arrived(struct lg_client *c, long seq)
{
    struct loadgen *lg = c->lg;
    int64_t now = bench_now_ns();

    /* A card delivered twice (a redelivery) counts once. */
    if (seq >= 0 && seq < lg->seq_cap && lg->fate[seq] == LG_ARRIVED) {
        lg->dupes++;
        return;
    }
    lg->received++;
    lg->recvd[c->index]++;
    lg->last_ns = now;
    if (seq >= 0 && seq < lg->seq_cap) {
        lg->fate[seq] = LG_ARRIVED;
        if (lg->sent_at[seq] > 0)
            bench_samples_add(lg->lat, now - lg->sent_at[seq]);
        lg->sent_at[seq] = 0;
    }
}

/* Counts an error answer under its defined condition. */
static void lg_condition(struct loadgen *lg, xmpp_stanza_t *msg)
{
    xmpp_stanza_t *err = xmpp_stanza_get_child_by_name(msg, "error");
    xmpp_stanza_t *cond = err ? xmpp_stanza_get_children(err) : NULL;
    const char *type = err ? xmpp_stanza_get_type(err) : NULL;
    char name[64];

    while (cond && (!xmpp_stanza_is_tag(cond) ||
                    strcmp(xmpp_stanza_get_name(cond), "text") == 0))
        cond = xmpp_stanza_get_next(cond);
    snprintf(name, sizeof(name), "%s/%s", type ? type : "?",
             cond ? xmpp_stanza_get_name(cond) : "?");
    for (int i = 0; i < LG_CONDITIONS; i++) {
        if (!lg->conditions[i].n)
            snprintf(lg->conditions[i].name, sizeof(lg->conditions[i].name),
                     "%s", name);
        if (strcmp(lg->conditions[i].name, name) == 0) {
            lg->conditions[i].n++;
            return;
        }
    }
}

/* A send answered with an error: it is sent again after LG_RETRY_MS, as a
 * client would after a `wait` error; it stays in the pair's window. */
static void lg_failed(struct lg_client *c, xmpp_stanza_t *msg)
{
    struct loadgen *lg = c->lg;
    const char *id = xmpp_stanza_get_id(msg);
    long seq =
        id && (id[0] == 'c' || id[0] == 'b') ? strtol(id + 1, NULL, 10) : -1;
    long tail;

    lg->errors++;
    lg_condition(lg, msg);
    if (seq < 0 || seq >= lg->seq_cap || lg->fate[seq] != LG_IN_FLIGHT)
        return;
    lg->fate[seq] = LG_FAILED;
    lg->errors_of[seq]++;
    tail = (lg->retry_head + lg->retry_n++) % lg->seq_cap;
    lg->retry_seq[tail] = seq;
    lg->retry_at[tail] = bench_now_ms() + LG_RETRY_MS;
}

/* A card from cardxd: acknowledge it to the proxy JID it came from. */
static void lg_card(struct lg_client *c, xmpp_stanza_t *msg,
                    xmpp_stanza_t *card)
{
    xmpp_stanza_t *note = xmpp_stanza_get_child_by_name(card, "note");
    xmpp_stanza_t *text = note ? xmpp_stanza_get_children(note) : NULL;
    char *xml = NULL;
    size_t len = 0;
    long seq;

    if (!c->lg->card_bytes && xmpp_stanza_to_text(msg, &xml, &len) == 0) {
        c->lg->card_bytes = len;
        xmpp_free(c->lg->ctx, xml);
    }
    xmpp_send_raw_string(c->conn,
                         "<message to='%s'><received xmlns='%s' id='%s'/>"
                         "</message>",
                         xmpp_stanza_get_from(msg), NS_RECEIPTS,
                         xmpp_stanza_get_id(msg));
    seq = lg_seq(text ? xmpp_stanza_get_text_ptr(text) : NULL);
    if (seq >= 0 && seq < c->lg->seq_cap && xmpp_stanza_get_id(msg))
        snprintf(c->lg->card_of[seq], sizeof(c->lg->card_of[seq]), "%s",
                 xmpp_stanza_get_id(msg));
    lg_arrived(c, seq);
}

/* A plain message from the partner: answer with a receipt, as clients do. */
static void lg_plain(struct lg_client *c, xmpp_stanza_t *msg,
                     xmpp_stanza_t *body)
{
    xmpp_stanza_t *text = xmpp_stanza_get_children(body);
    const char *id = xmpp_stanza_get_id(msg);

    xmpp_send_raw_string(c->conn,
                         "<message to='%s'><received xmlns='%s' id='%s'/>"
                         "</message>",
                         xmpp_stanza_get_from(msg), NS_RECEIPTS, id ? id : "");
    lg_arrived(c, lg_seq(text ? xmpp_stanza_get_text_ptr(text) : NULL));
}

static int lg_on_message(xmpp_conn_t *conn, xmpp_stanza_t *msg, void *ud)
{
    struct lg_client *c = ud;
    xmpp_stanza_t *card, *body;
    const char *type = xmpp_stanza_get_type(msg);

    (void)conn;
    if (type && strcmp(type, "error") == 0) {
        if (!c->recipient)
            lg_failed(c, msg);
        return 1;
    }
    if (!c->recipient)
        return 1;
    card = xmpp_stanza_get_child_by_name_and_ns(msg, "card", NS_CARDX);
    if (card)
        lg_card(c, msg, card);
    else if ((body = xmpp_stanza_get_child_by_name(msg, "body")))
        lg_plain(c, msg, body);
    return 1;
}

static int lg_on_iq(xmpp_conn_t *conn, xmpp_stanza_t *iq, void *ud)
{
    struct lg_client *c = ud;
    const char *type = xmpp_stanza_get_type(iq);
    const char *id = xmpp_stanza_get_id(iq);

    if (!type || strcmp(type, "get") != 0 ||
        !xmpp_stanza_get_child_by_ns(iq, NS_DISCO_INFO))
        return 1;
    xmpp_send_raw_string(conn,
                         "<iq type='result' id='%s' to='%s'><query xmlns='%s'>"
                         "<identity category='client' type='phone'/>"
                         "<feature var='%s'/><feature var='%s'/></query></iq>",
                         id ? id : "", xmpp_stanza_get_from(iq), NS_DISCO_INFO,
                         NS_DISCO_INFO, NS_RECEIPTS);
    c->lg->disco++;
    return 1;
}

static void lg_on_conn(xmpp_conn_t *conn, xmpp_conn_event_t event, int error,
                       xmpp_stream_error_t *stream_error, void *ud)
{
    struct lg_client *c = ud;

    (void)error;
    (void)stream_error;
    if (event != XMPP_CONN_CONNECT) {
        if (!c->down)
            c->lg->down++;
        c->down = 1;
        return;
    }
    c->up = 1;
    c->lg->up++;
    xmpp_handler_add(conn, lg_on_message, NULL, "message", NULL, c);
    xmpp_handler_add(conn, lg_on_iq, NULL, "iq", NULL, c);
    xmpp_send_raw_string(conn, "<presence/>");
    if (c->recipient) /* cardxd learns the session from this */
        xmpp_send_raw_string(conn, "<presence to='%s'/>", c->lg->component);
}

/* Small stanzas must leave at once, not wait for an ACK (Nagle). */
static int lg_sockopt(xmpp_conn_t *conn, void *sock)
{
    int one = 1;

    (void)conn;
    return setsockopt(*(int *)sock, IPPROTO_TCP, TCP_NODELAY, &one,
                      sizeof(one)) == 0
               ? 0
               : -1;
}

static int lg_client_start(struct loadgen *lg, struct lg_client *c, int port,
                           const char *domain, const char *password)
{
    char jid[128];

    c->lg = lg;
    c->conn = xmpp_conn_new(lg->ctx);
    if (!c->conn)
        return -ENOMEM;
    snprintf(jid, sizeof(jid), "%c%ld@%s", c->recipient ? 'r' : 's', c->index,
             domain);
    xmpp_conn_set_flags(c->conn,
                        XMPP_CONN_FLAG_DISABLE_TLS | XMPP_CONN_FLAG_DISABLE_SM);
    xmpp_conn_set_sockopt_callback(c->conn, lg_sockopt);
    xmpp_conn_set_jid(c->conn, jid);
    xmpp_conn_set_pass(c->conn, password);
    if (xmpp_connect_client(c->conn, "127.0.0.1", (unsigned short)port,
                            lg_on_conn, c) != XMPP_EOK)
        return -ECONNREFUSED;
    return 0;
}

int loadgen_new(int port, const char *domain, const char *component,
                const char *password, long pairs, int timeout_ms,
                struct loadgen **out)
{
    struct loadgen *lg = calloc(1, sizeof(*lg));
    int64_t deadline = bench_now_ms() + timeout_ms;
    int rc = -ENOMEM;

    *out = NULL;
    if (!lg)
        return rc;
    lg->component = component;
    lg->pairs = pairs;
    lg->ctx = xmpp_ctx_new(NULL, NULL);
    lg->clients = calloc((size_t)(2 * pairs), sizeof(*lg->clients));
    lg->sent = calloc((size_t)pairs, sizeof(*lg->sent));
    lg->recvd = calloc((size_t)pairs, sizeof(*lg->recvd));
    if (!lg->ctx || !lg->clients || !lg->sent || !lg->recvd)
        goto fail;
    for (long i = 0; i < 2 * pairs; i++) {
        struct lg_client *c = &lg->clients[i];

        c->recipient = i >= pairs;
        c->index = c->recipient ? i - pairs : i;
        if ((rc = lg_client_start(lg, c, port, domain, password)) < 0)
            goto fail;
    }
    while ((lg->up < 2 * pairs || lg->disco < pairs) && lg->down == 0 &&
           bench_now_ms() < deadline)
        xmpp_run_once(lg->ctx, 10);
    if (lg->up < 2 * pairs || lg->disco < pairs) {
        bench_note("loadgen: %ld of %ld clients logged in, %ld failed, %ld "
                   "of %ld asked for disco#info",
                   lg->up, 2 * pairs, lg->down, lg->disco, pairs);
        rc = -ETIMEDOUT;
        goto fail;
    }
    *out = lg;
    return 0;
fail:
    loadgen_free(lg);
    return rc;
}

void loadgen_free(struct loadgen *lg)
{
    int64_t deadline;

    if (!lg)
        return;
    for (long i = 0; lg->clients && i < 2 * lg->pairs; i++) {
        if (lg->clients[i].up && !lg->clients[i].down)
            xmpp_disconnect(lg->clients[i].conn);
    }
    deadline = bench_now_ms() + 2000;
    while (lg->ctx && lg->up > 0 && lg->down < lg->up &&
           bench_now_ms() < deadline)
        xmpp_run_once(lg->ctx, 10);
    for (long i = 0; lg->clients && i < 2 * lg->pairs; i++) {
        if (lg->clients[i].conn)
            xmpp_conn_release(lg->clients[i].conn);
    }
    if (lg->ctx)
        xmpp_ctx_free(lg->ctx);
    bench_samples_free(lg->lat);
    free(lg->clients);
    free(lg->sent);
    free(lg->recvd);
    free(lg->sent_at);
    free(lg->fate);
    free(lg->pair_of);
    free(lg->errors_of);
    free(lg->card_of);
    free(lg->retry_seq);
    free(lg->retry_at);
    free(lg);
}

size_t loadgen_card_bytes(const struct loadgen *lg)
{
    return lg->card_bytes;
}

static void lg_send(struct loadgen *lg, long pair, long seq, const char *pad)
{
    struct lg_client *s = lg_sender(lg, pair);
    char phone[32];

    if (lg->mode == LOADGEN_CARDS) {
        prefill_phone(phone, sizeof(phone), 1, pair);
        xmpp_send_raw_string(s->conn,
                             "<message to='%s@%s' type='chat' id='c%ld'>"
                             "<body>bench %ld</body></message>",
                             phone, lg->component, seq, seq);
    } else {
        xmpp_send_raw_string(
            s->conn,
            "<message to='%s' type='chat' id='b%ld'><body>bench %ld %s"
            "</body><request xmlns='%s'/></message>",
            xmpp_conn_get_bound_jid(lg_recipient(lg, pair)->conn), seq, seq,
            pad, NS_RECEIPTS);
    }
    /* A retry's latency counts from the first send, as its user sees it. */
    if (lg->fate[seq] == LG_UNSENT)
        lg->sent_at[seq] = bench_now_ns();
    lg->fate[seq] = LG_IN_FLIGHT;
    lg->pair_of[seq] = pair;
}

/* Sends again the failed items whose back-off is over. */
static void lg_retry_due(struct loadgen *lg, const char *pad)
{
    int64_t now = bench_now_ms();

    while (lg->retry_n > 0 && lg->retry_at[lg->retry_head] <= now) {
        long seq = lg->retry_seq[lg->retry_head];

        lg->retry_head = (lg->retry_head + 1) % lg->seq_cap;
        lg->retry_n--;
        if (lg->fate[seq] == LG_FAILED)
            lg_send(lg, lg->pair_of[seq], seq, pad);
    }
}

/* Text that brings a plain message to about pad_to bytes. */
static char *lg_padding(size_t pad_to)
{
    static const char words[] = "Business card of a benchmark sender ";
    /* What a plain message holds besides the padding: tags, JID, ids. */
    size_t base = 200, n = pad_to > base ? pad_to - base : 0;
    char *pad = malloc(n + 1);

    if (!pad)
        return NULL;
    for (size_t i = 0; i < n; i++)
        pad[i] = words[i % (sizeof(words) - 1)];
    pad[n] = '\0';
    return pad;
}

static int lg_prepare(struct loadgen *lg, enum loadgen_mode mode, long count)
{
    lg->mode = mode;
    lg->received = 0;
    memset(lg->sent, 0, (size_t)lg->pairs * sizeof(*lg->sent));
    memset(lg->recvd, 0, (size_t)lg->pairs * sizeof(*lg->recvd));
    lg->errors = lg->dupes = 0;
    lg->retry_head = lg->retry_n = 0;
    memset(lg->conditions, 0, sizeof(lg->conditions));
    free(lg->sent_at);
    free(lg->fate);
    free(lg->pair_of);
    free(lg->errors_of);
    free(lg->card_of);
    free(lg->retry_seq);
    free(lg->retry_at);
    lg->sent_at = calloc((size_t)count, sizeof(*lg->sent_at));
    lg->fate = calloc((size_t)count, sizeof(*lg->fate));
    lg->pair_of = calloc((size_t)count, sizeof(*lg->pair_of));
    lg->errors_of = calloc((size_t)count, sizeof(*lg->errors_of));
    lg->card_of = calloc((size_t)count, sizeof(*lg->card_of));
    lg->retry_seq = calloc((size_t)count, sizeof(*lg->retry_seq));
    lg->retry_at = calloc((size_t)count, sizeof(*lg->retry_at));
    lg->seq_cap = 0;
    bench_samples_free(lg->lat);
    lg->lat = bench_samples_new();
    if (!lg->sent_at || !lg->fate || !lg->pair_of || !lg->errors_of ||
        !lg->card_of || !lg->retry_seq || !lg->retry_at || !lg->lat)
        return -ENOMEM;
    lg->seq_cap = count;
    return 0;
}

/* The items sent without an error answer that never arrived while a card
 * of the same pair sent after them did: a sender has one card waiting per
 * recipient, and a send while it waits replaces it (xep/cardx.md, "One
 * waiting card per sender"), so the latest card arriving is what the
 * protocol promises. With two instances a card can be replaced before the
 * instance that stored it hands it out (docs/SCALING.md). Counts them. */
static long lg_replaced(const struct loadgen *lg, long total)
{
    long n = 0;
    long *latest = malloc((size_t)lg->pairs * sizeof(*latest));

    if (!latest)
        return 0;
    for (long i = 0; i < lg->pairs; i++)
        latest[i] = -1;
    for (long seq = 0; seq < total; seq++) {
        if (lg->fate[seq] == LG_ARRIVED)
            latest[lg->pair_of[seq]] = seq;
    }
    for (long seq = 0; seq < total; seq++)
        n += lg->fate[seq] == LG_IN_FLIGHT && seq < latest[lg->pair_of[seq]];
    free(latest);
    return n;
}

/* Whether the round is over though not every item arrived: every one was
 * sent, no retry waits, nothing arrived for LG_SETTLE_MS, and each item
 * missing was replaced by a later card of its pair that arrived. */
static int lg_settled(struct loadgen *lg, long total, long per_pair,
                      int64_t *checked, long *replaced)
{
    int64_t now = bench_now_ms();

    if (now - *checked < LG_SETTLE_CHECK_MS || lg->retry_n > 0 ||
        (bench_now_ns() - lg->last_ns) / 1000000 < LG_SETTLE_MS)
        return 0;
    *checked = now;
    for (long i = 0; i < lg->pairs; i++) {
        if (lg->sent[i] < per_pair)
            return 0;
    }
    *replaced = lg_replaced(lg, total);
    return lg->received + *replaced == total;
}

/* Which error answers the round had, by type/condition. */
static void lg_errors_note(const struct loadgen *lg)
{
    for (int i = 0; i < LG_CONDITIONS && lg->conditions[i].n; i++)
        bench_note("loadgen: %ld sends answered %s, each sent again after "
                   "%d ms",
                   lg->conditions[i].n, lg->conditions[i].name, LG_RETRY_MS);
    if (lg->dupes)
        bench_note("loadgen: %ld items arrived twice (counted once)",
                   lg->dupes);
}

/* The items that never arrived: whether each had an error answer (then it
 * was refused, not lost) or was accepted silently. */
static void lg_missing_note(const struct loadgen *lg, long total)
{
    static const char *const fate[] = {
        [LG_UNSENT] = "never sent",
        [LG_IN_FLIGHT] = "sent, no error answer",
        [LG_FAILED] = "answered with an error, retry pending",
        [LG_ARRIVED] = "arrived",
    };
    long shown = 0, silent = 0;

    for (long seq = 0; seq < total; seq++) {
        long before = seq - 1, after = seq + 1;

        if (lg->fate[seq] == LG_ARRIVED)
            continue;
        silent += lg->fate[seq] == LG_IN_FLIGHT;
        if (shown++ >= LG_MISSING_SHOWN)
            continue;
        /* Its pair's neighbours, to find it in cardxd's log by their ids. */
        while (before >= 0 && lg->pair_of[before] != lg->pair_of[seq])
            before--;
        while (after < total && lg->pair_of[after] != lg->pair_of[seq])
            after++;
        bench_note(
            "loadgen: missing item %ld (pair %ld): %s, %d error "
            "answer(s) before; the pair's previous item %ld came as "
            "%s, its next %ld as %s",
            seq, lg->pair_of[seq], fate[lg->fate[seq]], lg->errors_of[seq],
            before,
            before >= 0 && lg->card_of[before][0] ? lg->card_of[before] : "-",
            after,
            after < total && lg->card_of[after][0] ? lg->card_of[after] : "-");
    }
    bench_note("loadgen: %ld missing, %ld of them sent without an error "
               "answer",
               shown, silent);
}

int loadgen_run(struct loadgen *lg, enum loadgen_mode mode, long count,
                long window, size_t pad_to, int timeout_ms,
                struct loadgen_result *r)
{
    long per_pair = count / lg->pairs, total = per_pair * lg->pairs, seq = 0;
    int64_t t0, checked = 0, deadline = bench_now_ms() + timeout_ms;
    char *pad = lg_padding(pad_to);
    int rc = lg_prepare(lg, mode, total);

    memset(r, 0, sizeof(*r));
    if (!pad || rc < 0) {
        free(pad);
        return -ENOMEM;
    }
    t0 = bench_now_ns();
    lg->last_ns = t0;
    while (lg->received < total && lg->down == 0 && bench_now_ms() < deadline &&
           !lg_settled(lg, total, per_pair, &checked, &r->replaced)) {
        for (long i = 0; i < lg->pairs; i++) {
            while (lg->sent[i] < per_pair &&
                   lg->sent[i] - lg->recvd[i] < window) {
                lg_send(lg, i, seq++, pad);
                lg->sent[i]++;
            }
        }
        lg_retry_due(lg, pad);
        xmpp_run_once(lg->ctx, 1);
    }
    free(pad);
    lg_errors_note(lg);
    r->errors = lg->errors;
    r->dupes = lg->dupes;
    /* Again at the end: a timeout may come after the last check. */
    r->replaced = lg_replaced(lg, total);
    r->done = lg->received;
    r->seconds = (double)(lg->last_ns - t0) / 1e9;
    r->per_s = r->seconds > 0 ? (double)r->done / r->seconds : 0;
    r->p50_ms = bench_samples_quantile_ms(lg->lat, 0.5);
    r->p99_ms = bench_samples_quantile_ms(lg->lat, 0.99);
    if (r->replaced)
        bench_note("loadgen: %ld of %ld arrived; the other %ld were replaced "
                   "before delivery by a later card of their pair, which "
                   "arrived",
                   r->done, total, r->replaced);
    if (r->done + r->replaced < total) {
        bench_note("loadgen: %ld of %ld arrived (%s)", r->done, total,
                   lg->down ? "a client was disconnected" : "timeout");
        lg_missing_note(lg, total);
        return -ETIMEDOUT;
    }
    return 0;
}
