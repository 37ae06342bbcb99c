/* One cardxd driven by the stub server: setup, floods, flushes. */
#include "bench/sbench.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/benchutil.h"
#include "bench/stub.h"
#include "tests/integration/harness.h"
#include "xep/ns.h"

/* Resource of every session the stub plays. */
#define SB_RESOURCE "b"
#define SB_START_MS 30000

struct sbench {
    struct harness *h;
    xmpp_ctx_t *ctx;
    struct stub *stub;
    pid_t pid;
    char *dbdir; /* our own directory under params.dbdir, or NULL */
    char *db;
    long users, senders, recipients;
    /* Counters and timings the stanza callback keeps. */
    long presences;
    long disco;
    long delivered;
    long results;
    long pongs;
    long errors;
    int64_t *sent_at; /* per card of the running flood, by sequence */
    long sent_cap;
    struct bench_samples *lat;
    int64_t last_done_ns;
};

static void sb_disco(struct sbench *b, xmpp_stanza_t *iq)
{
    const char *id = xmpp_stanza_get_id(iq);

    stub_printf(b->stub,
                "<iq type='result' id='%s' from='%s' to='%s'>"
                "<query xmlns='%s'><identity category='client' type='phone'/>"
                "<feature var='%s'/><feature var='%s'/></query></iq>",
                id ? id : "", xmpp_stanza_get_to(iq), xmpp_stanza_get_from(iq),
                NS_DISCO_INFO, NS_DISCO_INFO, NS_RECEIPTS);
    b->disco++;
}

/* The sequence number a benchmark card carries in its note ("bench N"). */
static long sb_note_seq(xmpp_stanza_t *card)
{
    xmpp_stanza_t *note = xmpp_stanza_get_child_by_name(card, "note");
    xmpp_stanza_t *text = note ? xmpp_stanza_get_children(note) : NULL;
    const char *t = text ? xmpp_stanza_get_text_ptr(text) : NULL;

    if (!t || strncmp(t, "bench ", 6) != 0)
        return -1;
    return strtol(t + 6, NULL, 10);
}

static void sb_done(struct sbench *b, long seq)
{
    int64_t now = bench_now_ns();

    b->last_done_ns = now;
    if (seq >= 0 && seq < b->sent_cap && b->sent_at[seq] > 0) {
        bench_samples_add(b->lat, now - b->sent_at[seq]);
        b->sent_at[seq] = 0;
    }
}

static void sb_message(struct sbench *b, xmpp_stanza_t *msg)
{
    xmpp_stanza_t *card =
        xmpp_stanza_get_child_by_name_and_ns(msg, "card", NS_CARDX);
    const char *type = xmpp_stanza_get_type(msg);

    if (type && strcmp(type, "error") == 0) {
        if (b->errors++ < 3)
            bench_note("cardxd sent an error message (id %s)",
                       xmpp_stanza_get_id(msg));
        return;
    }
    if (!card)
        return; /* sender receipts and the like */
    b->delivered++;
    /* The recipient's client acknowledges with a XEP-0184 receipt. */
    stub_printf(b->stub,
                "<message from='%s' to='%s'><received xmlns='%s' id='%s'/>"
                "</message>",
                xmpp_stanza_get_to(msg), xmpp_stanza_get_from(msg), NS_RECEIPTS,
                xmpp_stanza_get_id(msg));
    sb_done(b, sb_note_seq(card));
}

static void sb_iq(struct sbench *b, xmpp_stanza_t *iq)
{
    const char *type = xmpp_stanza_get_type(iq);
    const char *id = xmpp_stanza_get_id(iq);

    if (type && strcmp(type, "get") == 0 &&
        xmpp_stanza_get_child_by_ns(iq, NS_DISCO_INFO)) {
        sb_disco(b, iq);
    } else if (type && strcmp(type, "result") == 0 && id) {
        if (id[0] == 'q') {
            b->results++;
            sb_done(b, strtol(id + 1, NULL, 10));
        } else if (strncmp(id, "ping", 4) == 0) {
            b->pongs++;
        }
    } else if (type && strcmp(type, "error") == 0) {
        if (b->errors++ < 3)
            bench_note("cardxd answered iq %s with an error", id ? id : "?");
    }
}

static void sb_stanza(void *ud, xmpp_stanza_t *stanza)
{
    struct sbench *b = ud;
    const char *name = xmpp_stanza_get_name(stanza);

    if (!name)
        return;
    if (strcmp(name, "message") == 0)
        sb_message(b, stanza);
    else if (strcmp(name, "iq") == 0)
        sb_iq(b, stanza);
    else if (strcmp(name, "presence") == 0)
        b->presences++;
}

/* Pumps until *counter reaches target, the link drops or time runs out. */
static int sb_wait(struct sbench *b, const long *counter, long target,
                   int timeout_ms)
{
    int64_t deadline = bench_now_ms() + timeout_ms;

    while (*counter < target) {
        if (bench_now_ms() > deadline)
            return -ETIMEDOUT;
        if (stub_pump(b->stub, 20) < 0)
            return -ENOTCONN;
    }
    return 0;
}

static int sb_config(struct sbench *b, const struct sbench_params *p)
{
    char *ini = NULL;
    int rc;

    /* Another driver than SQLite: its lines only, so that a build whose
     * config has no [storage] driver still runs the SQLite figures. */
    if (p->driver && strcmp(p->driver, "sqlite") != 0) {
        if (asprintf(&ini, "[storage]\ndriver = %s\ndsn = %s\n", p->driver,
                     p->dsn ? p->dsn : "") < 0)
            return -1;
        rc = harness_cardxd_config_append(b->h, ini);
        free(ini);
        ini = NULL;
        if (rc < 0)
            return -1;
    }
    if (asprintf(&ini,
                 "[storage]\ndatabase = %s\nsynchronous = %s\n"
                 "[log]\nlevel = %s\n"
                 /* a few accounts send all the load: no abuse limits */
                 "[limits]\nsends_per_minute = 0\nsends_per_day = 0\n"
                 "lookups_per_day = 0\ninbox_max = 0\n",
                 b->db, p->synchronous, p->log_level) < 0)
        return -1;
    rc = harness_cardxd_config_append(b->h, ini);
    free(ini);
    return rc;
}

static int sb_paths(struct sbench *b, const struct sbench_params *p)
{
    if (p->dbdir) {
        if (asprintf(&b->dbdir, "%s/cardx-bench-XXXXXX", p->dbdir) < 0) {
            b->dbdir = NULL;
            return -1;
        }
        if (!mkdtemp(b->dbdir)) {
            bench_note("mkdtemp %s: %s", b->dbdir, strerror(errno));
            free(b->dbdir);
            b->dbdir = NULL;
            return -1;
        }
    }
    if (asprintf(&b->db, "%s/cardxd.sqlite",
                 b->dbdir ? b->dbdir : harness_rundir(b->h)) < 0) {
        b->db = NULL;
        return -1;
    }
    return 0;
}

/* Fills the database cardxd will open, on its driver. */
static int sb_prefill(struct sbench *b, const struct sbench_params *p,
                      struct sbench_start *st)
{
    struct prefill_spec users = p->users;

    users.driver = p->driver;
    users.dsn = p->dsn;
    return prefill_db(b->db, &users, &st->prefill_s);
}

/* Starts cardxd, finds and pins it, accepts its link. */
static int sb_start_cardxd(struct sbench *b, const struct sbench_params *p,
                           struct sbench_start *st)
{
    char *conf = NULL;
    int64_t t0 = bench_now_ns(), deadline = bench_now_ms() + 5000;
    int rc;

    if (asprintf(&conf, "%s/cardxd.conf", harness_rundir(b->h)) < 0)
        return -1;
    rc = harness_cardxd_start(b->h);
    while (rc == 0 && (b->pid = bench_find_pid(conf)) < 0 &&
           bench_now_ms() < deadline)
        usleep(1000);
    free(conf);
    if (rc < 0 || b->pid < 0) {
        bench_note("cardxd did not start (see %s/cardxd.log)",
                   harness_rundir(b->h));
        return -1;
    }
    bench_pin(b->pid, p->cpu_cardxd);
    rc = stub_accept(b->stub, SB_START_MS);
    if (rc < 0) {
        bench_note("cardxd did not attach to the stub (%s)", strerror(-rc));
        return -1;
    }
    st->link_up_ms = (double)(bench_now_ns() - t0) / 1e6;
    return 0;
}

int sbench_new(const struct sbench_params *p, struct sbench_start *st,
               struct sbench **out)
{
    struct sbench *b = calloc(1, sizeof(*b));
    int64_t t0;
    int rc;

    memset(st, 0, sizeof(*st));
    *out = NULL;
    if (!b)
        return -1;
    b->pid = -1;
    b->senders = p->users.senders;
    b->recipients = p->users.recipients;
    b->users = b->senders + b->recipients;
    b->h = harness_new();
    b->ctx = xmpp_ctx_new(NULL, NULL);
    b->lat = bench_samples_new();
    if (!b->h || !b->ctx || !b->lat || sb_paths(b, p) < 0 ||
        sb_prefill(b, p, st) < 0 || sb_config(b, p) < 0)
        goto fail;
    b->stub =
        stub_new(b->ctx, harness_component_port(b->h), HARNESS_COMPONENT_DOMAIN,
                 harness_secret(b->h), sb_stanza, b);
    if (!b->stub)
        goto fail;
    bench_pin(0, p->cpu_stub);
    if (sb_start_cardxd(b, p, st) < 0)
        goto fail;
    /* At link up cardxd probes every registered user and sends its own
     * presence to each: two stanzas per user. */
    t0 = bench_now_ns();
    rc = sb_wait(b, &b->presences, 2 * b->users, p->probe_timeout_ms);
    st->probes_ms = (double)(bench_now_ns() - t0) / 1e6;
    st->probes = b->presences;
    st->link_dropped = rc == -ENOTCONN;
    if (rc == -ETIMEDOUT)
        bench_note("only %ld of %ld probe presences within %d ms", b->presences,
                   2 * b->users, p->probe_timeout_ms);
    *out = b;
    return 0;
fail:
    sbench_free(b);
    return -1;
}

void sbench_free(struct sbench *b)
{
    if (!b)
        return;
    stub_free(b->stub); /* cardxd sees the link drop */
    harness_free(b->h); /* stops cardxd */
    if (b->dbdir && b->db) {
        static const char *const suffixes[] = {"", "-wal", "-shm"};
        char path[4096];

        for (size_t i = 0; i < 3; i++) {
            snprintf(path, sizeof(path), "%s%s", b->db, suffixes[i]);
            unlink(path);
        }
        rmdir(b->dbdir);
    }
    if (b->ctx)
        xmpp_ctx_free(b->ctx);
    bench_samples_free(b->lat);
    free(b->sent_at);
    free(b->dbdir);
    free(b->db);
    free(b);
}

pid_t sbench_pid(const struct sbench *b)
{
    return b->pid;
}

const char *sbench_db(const struct sbench *b)
{
    return b->db;
}

int sbench_sync(struct sbench *b, int timeout_ms)
{
    long want = b->pongs + 1;

    stub_printf(b->stub,
                "<iq type='get' id='ping%ld' from='s0@%s/%s' to='%s'>"
                "<ping xmlns='%s'/></iq>",
                want, HARNESS_DOMAIN, SB_RESOURCE, HARNESS_COMPONENT_DOMAIN,
                NS_PING);
    return sb_wait(b, &b->pongs, want, timeout_ms) < 0 ? -1 : 0;
}

int sbench_online(struct sbench *b, long n, int timeout_ms)
{
    long want = b->disco + n;

    for (long i = 0; i < n; i++)
        stub_printf(b->stub, "<presence from='r%ld@%s/%s' to='%s'/>", i,
                    HARNESS_DOMAIN, SB_RESOURCE, HARNESS_COMPONENT_DOMAIN);
    if (sb_wait(b, &b->disco, want, timeout_ms) < 0) {
        bench_note("only %ld of %ld sessions were asked for disco#info",
                   b->disco - (want - n), n);
        return -1;
    }
    return sbench_sync(b, timeout_ms);
}

static void sb_send_one(struct sbench *b, const struct sbench_flood *f, long k,
                        long senders, long recipients)
{
    enum sbench_send how = f->how;
    char phone[32];

    prefill_phone(phone, sizeof(phone), 1, f->first_recipient + k % recipients);
    if (how == SBENCH_MESSAGE)
        stub_printf(b->stub,
                    "<message from='s%ld@%s/%s' to='%s@%s' type='chat' "
                    "id='m%ld'><body>bench %ld</body></message>",
                    k % senders, HARNESS_DOMAIN, SB_RESOURCE, phone,
                    HARNESS_COMPONENT_DOMAIN, k, k);
    else
        stub_printf(b->stub,
                    "<iq type='set' id='q%ld' from='s%ld@%s/%s' to='%s'>"
                    "<send xmlns='%s' to='%s'><note>bench %ld</note></send>"
                    "</iq>",
                    k, k % senders, HARNESS_DOMAIN, SB_RESOURCE,
                    HARNESS_COMPONENT_DOMAIN, NS_CARDX, phone, k);
    b->sent_at[k] = bench_now_ns();
}

static int sb_prepare_flood(struct sbench *b, const struct sbench_flood *f)
{
    free(b->sent_at);
    b->sent_at = calloc((size_t)f->cards, sizeof(*b->sent_at));
    b->sent_cap = b->sent_at ? f->cards : 0;
    bench_samples_free(b->lat);
    b->lat = bench_samples_new();
    return b->sent_at && b->lat ? 0 : -1;
}

int sbench_run(struct sbench *b, const struct sbench_flood *f,
               struct sbench_result *r)
{
    /* At most the first 64 senders and recipients take part, like the
     * active users of a busy server. */
    long cap = f->max_senders > 0 ? f->max_senders : 64;
    long senders = b->senders < cap ? b->senders : cap;
    long recipients = b->recipients - f->first_recipient;
    const long *done = f->how == SBENCH_MESSAGE ? &b->delivered : &b->results;
    long base = *done, sent = 0;
    int64_t t0, deadline = bench_now_ms() + f->timeout_ms;
    int64_t cpu0, self0;

    memset(r, 0, sizeof(*r));
    if (sb_prepare_flood(b, f) < 0)
        return -1;
    if (recipients > 64)
        recipients = 64;
    if (senders < 1 || recipients < 1)
        return -1;
    r->rss_before_kib = bench_mem_kib(b->pid, "VmRSS");
    cpu0 = bench_cpu_us(b->pid);
    self0 = bench_cpu_us(getpid());
    t0 = bench_now_ns();
    while (*done - base < f->cards) {
        while (sent < f->cards && sent - (*done - base) < f->window)
            sb_send_one(b, f, sent++, senders, recipients);
        if (stub_pump(b->stub, 10) < 0 || bench_now_ms() > deadline)
            break;
    }
    r->done = *done - base;
    r->seconds = (double)(b->last_done_ns - t0) / 1e9;
    r->cardxd_cpu_us = (double)(bench_cpu_us(b->pid) - cpu0);
    r->stub_cpu_us = (double)(bench_cpu_us(getpid()) - self0);
    r->rss_after_kib = bench_mem_kib(b->pid, "VmRSS");
    r->cards_per_s = r->seconds > 0 ? (double)r->done / r->seconds : 0;
    r->p50_ms = bench_samples_quantile_ms(b->lat, 0.5);
    r->p99_ms = bench_samples_quantile_ms(b->lat, 0.99);
    if (r->done < f->cards) {
        bench_note("flood stopped after %ld of %ld cards (%s)", r->done,
                   f->cards, stub_closed(b->stub) ? "link closed" : "timeout");
        return -1;
    }
    return 0;
}

int sbench_flush(struct sbench *b, long cards, int timeout_ms,
                 double *delivered_ms, double *acked_ms)
{
    long base = b->delivered;
    int64_t t0 = bench_now_ns();

    stub_printf(b->stub, "<presence from='r0@%s/%s' to='%s'/>", HARNESS_DOMAIN,
                SB_RESOURCE, HARNESS_COMPONENT_DOMAIN);
    if (sb_wait(b, &b->delivered, base + cards, timeout_ms) < 0) {
        bench_note("flush: %ld of %ld cards arrived", b->delivered - base,
                   cards);
        return -1;
    }
    *delivered_ms = (double)(b->last_done_ns - t0) / 1e6;
    if (sbench_sync(b, timeout_ms) < 0)
        return -1;
    *acked_ms = (double)(bench_now_ns() - t0) / 1e6;
    return 0;
}
