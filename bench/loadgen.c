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

    lg->received++;
    lg->recvd[c->index]++;
    lg->last_ns = now;
    if (seq >= 0 && seq < lg->seq_cap && lg->sent_at[seq] > 0) {
        bench_samples_add(lg->lat, now - lg->sent_at[seq]);
        lg->sent_at[seq] = 0;
    }
}

/* A card from cardxd: acknowledge it to the proxy JID it came from. */
static void lg_card(struct lg_client *c, xmpp_stanza_t *msg,
                    xmpp_stanza_t *card)
{
    xmpp_stanza_t *note = xmpp_stanza_get_child_by_name(card, "note");
    xmpp_stanza_t *text = note ? xmpp_stanza_get_children(note) : NULL;
    char *xml = NULL;
    size_t len = 0;

    if (!c->lg->card_bytes && xmpp_stanza_to_text(msg, &xml, &len) == 0) {
        c->lg->card_bytes = len;
        xmpp_free(c->lg->ctx, xml);
    }
    xmpp_send_raw_string(c->conn,
                         "<message to='%s'><received xmlns='%s' id='%s'/>"
                         "</message>",
                         xmpp_stanza_get_from(msg), NS_RECEIPTS,
                         xmpp_stanza_get_id(msg));
    lg_arrived(c, lg_seq(text ? xmpp_stanza_get_text_ptr(text) : NULL));
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
    if (!c->recipient || (type && strcmp(type, "error") == 0))
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
    lg->sent_at[seq] = bench_now_ns();
    lg->sent[pair]++;
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
    free(lg->sent_at);
    lg->sent_at = calloc((size_t)count, sizeof(*lg->sent_at));
    lg->seq_cap = lg->sent_at ? count : 0;
    bench_samples_free(lg->lat);
    lg->lat = bench_samples_new();
    return lg->sent_at && lg->lat ? 0 : -ENOMEM;
}

int loadgen_run(struct loadgen *lg, enum loadgen_mode mode, long count,
                long window, size_t pad_to, int timeout_ms,
                struct loadgen_result *r)
{
    long per_pair = count / lg->pairs, total = per_pair * lg->pairs, seq = 0;
    int64_t t0, deadline = bench_now_ms() + timeout_ms;
    char *pad = lg_padding(pad_to);
    int rc = lg_prepare(lg, mode, total);

    memset(r, 0, sizeof(*r));
    if (!pad || rc < 0) {
        free(pad);
        return -ENOMEM;
    }
    t0 = bench_now_ns();
    lg->last_ns = t0;
    while (lg->received < total && lg->down == 0 && bench_now_ms() < deadline) {
        for (long i = 0; i < lg->pairs; i++) {
            while (lg->sent[i] < per_pair &&
                   lg->sent[i] - lg->recvd[i] < window)
                lg_send(lg, i, seq++, pad);
        }
        xmpp_run_once(lg->ctx, 1);
    }
    free(pad);
    r->done = lg->received;
    r->seconds = (double)(lg->last_ns - t0) / 1e9;
    r->per_s = r->seconds > 0 ? (double)r->done / r->seconds : 0;
    r->p50_ms = bench_samples_quantile_ms(lg->lat, 0.5);
    r->p99_ms = bench_samples_quantile_ms(lg->lat, 0.99);
    if (r->done < total) {
        bench_note("loadgen: %ld of %ld arrived (%s)", r->done, total,
                   lg->down ? "a client was disconnected" : "timeout");
        return -ETIMEDOUT;
    }
    return 0;
}
