/* Workload 1: cards to online recipients through a real server (Prosody or
 * ejabberd, from the test harness), and in the same run the baseline: the
 * same clients sending plain messages of the same size to each other. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/benchutil.h"
#include "bench/loadgen.h"
#include "bench/prefill.h"
#include "bench/workloads.h"
#include "tests/integration/harness.h"
#include "tests/integration/xclient.h"

#ifndef SRCDIR
#define SRCDIR "."
#endif

#define ON_PASSWORD "bench-pw"
#define ON_TIMEOUT_MS 300000
#define ON_WINDOW 8

/* The processes whose CPU time is reported. */
struct on_procs {
    pid_t server, cardxd, self;
};

struct on_cpu {
    int64_t server, cardxd, self;
};

static void on_cpu_read(const struct on_procs *p, struct on_cpu *c)
{
    c->server = bench_cpu_us(p->server);
    c->cardxd = bench_cpu_us(p->cardxd);
    c->self = bench_cpu_us(p->self);
}

/* Prosody as the harness configures it logs every stanza at debug level,
 * which no production server does and which would be the bottleneck: run
 * it through bench/prosody-bench.sh, which logs at info. */
static int on_prosody_wrapper(void)
{
    const char *src = getenv("CARDX_SRCDIR");
    const char *prosody = getenv("PROSODY");
    char *wrapper = NULL;
    int rc;

    if (asprintf(&wrapper, "%s/bench/prosody-bench.sh",
                 src && *src ? src : SRCDIR) < 0)
        return -1;
    if (prosody && *prosody && !strstr(prosody, "prosody-bench.sh"))
        setenv("BENCH_REAL_PROSODY", prosody, 1);
    rc = setenv("PROSODY", wrapper, 1);
    free(wrapper);
    return rc;
}

static int on_accounts(struct harness *h, long pairs)
{
    char jid[128];

    for (long i = 0; i < 2 * pairs; i++) {
        int rc;

        snprintf(jid, sizeof(jid), "%c%ld@%s", i < pairs ? 's' : 'r', i % pairs,
                 HARNESS_DOMAIN);
        rc = xclient_register_account(jid, ON_PASSWORD, "127.0.0.1",
                                      harness_c2s_port(h), 10000);
        if (rc < 0) {
            bench_note("cannot create account %s (%d)", jid, rc);
            return -1;
        }
    }
    return 0;
}

/* Server, accounts, cardxd on a prefilled database, pinned processes. */
static int on_setup(const struct bench_opts *o, struct harness *h, long pairs,
                    struct on_procs *p)
{
    struct prefill_spec users = {
        .domain = HARNESS_DOMAIN, .senders = pairs, .recipients = pairs};
    char *db = NULL, *conf = NULL;
    double secs;
    int rc = -1;

    if (asprintf(&db, "%s/cardxd.sqlite", harness_rundir(h)) < 0 ||
        asprintf(&conf, "%s/cardxd.conf", harness_rundir(h)) < 0)
        goto out;
    if (prefill_db(db, &users, &secs) < 0 ||
        harness_cardxd_config_append(
            h, "[log]\nlevel = info\n"
               /* a few accounts send all the load: no abuse limits */
               "[limits]\nsends_per_minute = 0\nsends_per_day = 0\n"
               "lookups_per_day = 0\ninbox_max = 0\n") < 0)
        goto out;
    if (harness_server_start(h) < 0 || on_accounts(h, pairs) < 0 ||
        harness_cardxd_start(h) < 0 ||
        harness_cardxd_wait_connected(h, 30000) < 0) {
        bench_note("the server or cardxd did not start (run dir %s)",
                   harness_rundir(h));
        goto out;
    }
    p->self = getpid();
    p->cardxd = bench_find_pid(conf);
    p->server = bench_find_pid_containing(harness_rundir(h), p->cardxd);
    if (p->cardxd < 0 || p->server < 0)
        goto out;
    bench_pin(p->server, o->cpu_server);
    bench_pin(p->cardxd, o->cpu_cardxd);
    bench_pin(0, o->cpu_load);
    rc = 0;
out:
    free(db);
    free(conf);
    return rc;
}

static void on_report(const char *server, const char *what,
                      const struct loadgen_result *r, const struct on_cpu *c0,
                      const struct on_cpu *c1)
{
    char labels[96];
    double n = r->done > 0 ? (double)r->done : 1;

    snprintf(labels, sizeof(labels), "server=%s traffic=%s", server, what);
    bench_report("online_forward", labels, "per_s", r->per_s);
    bench_report("online_forward", labels, "latency_p50_ms", r->p50_ms);
    bench_report("online_forward", labels, "latency_p99_ms", r->p99_ms);
    bench_report("online_forward", labels, "server_cpu_us_per_item",
                 (double)(c1->server - c0->server) / n);
    bench_report("online_forward", labels, "server_cpu_util",
                 r->seconds > 0
                     ? (double)(c1->server - c0->server) / 1e6 / r->seconds
                     : 0);
    bench_report("online_forward", labels, "cardxd_cpu_us_per_item",
                 (double)(c1->cardxd - c0->cardxd) / n);
    bench_report("online_forward", labels, "loadgen_cpu_us_per_item",
                 (double)(c1->self - c0->self) / n);
}

/* One measured round: CPU before and after, figures reported. */
static int on_round(struct loadgen *lg, const struct on_procs *p,
                    const char *server, enum loadgen_mode mode, long count,
                    size_t pad, struct loadgen_result *r, double *cpu_srv,
                    double *cpu_cardxd)
{
    struct on_cpu c0, c1;

    on_cpu_read(p, &c0);
    if (loadgen_run(lg, mode, count, ON_WINDOW, pad, ON_TIMEOUT_MS, r) < 0)
        return -1;
    on_cpu_read(p, &c1);
    on_report(server, mode == LOADGEN_CARDS ? "cards" : "messages", r, &c0,
              &c1);
    *cpu_srv = (double)(c1.server - c0.server) / (double)r->done;
    *cpu_cardxd = (double)(c1.cardxd - c0.cardxd) / (double)r->done;
    return 0;
}

static int on_measure(const struct bench_opts *o, struct loadgen *lg,
                      const struct on_procs *p, long count)
{
    struct loadgen_result warm, msgs, cards;
    double srv_msg, unused, srv_card, cardxd_card;
    char labels[64];
    size_t pad;

    /* Warm-up rounds, which also tell how big a delivered card is. */
    if (loadgen_run(lg, LOADGEN_CARDS, count / 10, ON_WINDOW, 0, ON_TIMEOUT_MS,
                    &warm) < 0)
        return -1;
    pad = loadgen_card_bytes(lg);
    if (loadgen_run(lg, LOADGEN_MESSAGES, count / 10, ON_WINDOW, pad,
                    ON_TIMEOUT_MS, &warm) < 0)
        return -1;
    bench_note("%s: %ld plain messages of ~%zu bytes, then %ld cards",
               o->server, count, pad, count);
    if (on_round(lg, p, o->server, LOADGEN_MESSAGES, count, pad, &msgs,
                 &srv_msg, &unused) < 0 ||
        on_round(lg, p, o->server, LOADGEN_CARDS, count, 0, &cards, &srv_card,
                 &cardxd_card) < 0)
        return -1;
    snprintf(labels, sizeof(labels), "server=%s", o->server);
    bench_report("online_forward", labels, "card_bytes", (double)pad);
    bench_report("online_forward", labels, "ratio_cards_to_messages",
                 msgs.per_s > 0 ? cards.per_s / msgs.per_s : 0);
    /* A plain message crosses the server twice with its receipt: per
     * routed stanza, the server spends half of srv_msg. */
    bench_report("online_forward", labels,
                 "ratio_cardxd_cpu_per_card_to_server_cpu_per_stanza",
                 srv_msg > 0 ? cardxd_card / (srv_msg / 2) : 0);
    return 0;
}

int wl_online(const struct bench_opts *o)
{
    long pairs = o->quick ? 8 : 32;
    long count = o->quick ? 4000 : 40000;
    struct on_procs procs;
    struct loadgen *lg = NULL;
    struct harness *h;
    int rc = -1;

    if (strcmp(o->server, "prosody") == 0 && on_prosody_wrapper() < 0)
        return -1;
    if (setenv("CARDX_SERVER", o->server, 1) < 0 || !(h = harness_new()))
        return -1;
    bench_note("online forward through %s: %ld pairs of clients", o->server,
               pairs);
    if (on_setup(o, h, pairs, &procs) < 0 ||
        loadgen_new(harness_c2s_port(h), HARNESS_DOMAIN,
                    HARNESS_COMPONENT_DOMAIN, ON_PASSWORD, pairs, 60000,
                    &lg) < 0)
        goto out;
    rc = on_measure(o, lg, &procs, count);
out:
    loadgen_free(lg);
    if (rc < 0)
        harness_keep_rundir(h);
    harness_free(h);
    return rc;
}
