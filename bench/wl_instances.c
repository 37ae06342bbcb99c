/* Workload 8: 1 vs 2 cardxd instances on PostgreSQL, in one run: the same
 * online-card load through ejabberd with one cardxd attached, then with a
 * second instance on the same component domain and database (#11). */
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

#define INS_PASSWORD "bench-pw"
/* Two instances ran at about 70 cards/s here: 10,000 cards need minutes. */
#define INS_TIMEOUT_MS 300000
#define INS_ATTACH_MS 60000
#define INS_WINDOW 8
/* A few accounts send all the load: no abuse limits. */
#define INS_INI                                                                \
    "[log]\nlevel = info\n"                                                    \
    "[limits]\nsends_per_minute = 0\nsends_per_day = 0\n"                      \
    "lookups_per_day = 0\ninbox_max = 0\n"
#define INS_SECOND_INI "[cluster]\ninstance = bench-second\n"

/* The processes whose CPU time is reported; cardxd2 is -1 until it runs. */
struct ins_procs {
    pid_t server, cardxd, cardxd2;
};

static int64_t ins_cardxd_cpu(const struct ins_procs *p)
{
    int64_t us = bench_cpu_us(p->cardxd);

    if (p->cardxd2 > 0)
        us += bench_cpu_us(p->cardxd2);
    return us;
}

static int ins_accounts(struct harness *h, long pairs)
{
    char jid[128];

    for (long i = 0; i < 2 * pairs; i++) {
        snprintf(jid, sizeof(jid), "%c%ld@%s", i < pairs ? 's' : 'r', i % pairs,
                 HARNESS_DOMAIN);
        if (xclient_register_account(jid, INS_PASSWORD, "127.0.0.1",
                                     harness_c2s_port(h), 10000) < 0) {
            bench_note("instances: cannot create account %s", jid);
            return -1;
        }
    }
    return 0;
}

/* ejabberd, PostgreSQL prefilled with the users, accounts, one cardxd. */
static int ins_setup(const struct bench_opts *o, struct harness *h, long pairs,
                     struct ins_procs *p)
{
    struct prefill_spec users = {.domain = HARNESS_DOMAIN,
                                 .senders = pairs,
                                 .recipients = pairs,
                                 .driver = "postgresql"};
    char *dsn = NULL, *conf = NULL, *server = NULL;
    double secs;
    int rc = -1;

    if (harness_pg_start(h) < 0 || !(dsn = harness_pg_dsn(h)) ||
        asprintf(&conf, "%s/cardxd.conf", harness_rundir(h)) < 0 ||
        asprintf(&server, "%s/spool", harness_rundir(h)) < 0)
        goto out;
    users.dsn = dsn;
    if (prefill_db(dsn, &users, &secs) < 0 ||
        harness_cardxd_config_append(h, INS_INI) < 0 ||
        harness_server_start(h) < 0 || ins_accounts(h, pairs) < 0 ||
        harness_cardxd_start(h) < 0 ||
        harness_cardxd_wait_connected(h, INS_ATTACH_MS) < 0) {
        bench_note("instances: ejabberd, PostgreSQL or cardxd did not start "
                   "(run dir %s)",
                   harness_rundir(h));
        goto out;
    }
    p->cardxd = bench_find_pid(conf);
    p->cardxd2 = -1;
    /* ejabberd by its Mnesia dir: PostgreSQL's data also lie in the run
     * dir. */
    p->server = bench_find_pid_containing(server, p->cardxd);
    if (p->cardxd < 0 || p->server < 0)
        goto out;
    bench_pin(p->server, o->cpu_server);
    bench_pin(p->cardxd, o->cpu_cardxd);
    bench_pin(0, o->cpu_load);
    rc = 0;
out:
    free(dsn);
    free(conf);
    free(server);
    return rc;
}

/* One measured round of count cards with the instances running now. */
static int ins_round(struct loadgen *lg, const struct ins_procs *p,
                     int instances, long count)
{
    struct loadgen_result r;
    int64_t c0 = ins_cardxd_cpu(p), s0 = bench_cpu_us(p->server);
    char labels[64];
    double n;

    if (loadgen_run(lg, LOADGEN_CARDS, count, INS_WINDOW, 0, INS_TIMEOUT_MS,
                    &r) < 0)
        return -1;
    n = r.done > 0 ? (double)r.done : 1;
    snprintf(labels, sizeof(labels),
             "server=ejabberd db=postgresql "
             "instances=%d",
             instances);
    bench_report("instances", labels, "cards_per_s", r.per_s);
    bench_report("instances", labels, "latency_p50_ms", r.p50_ms);
    bench_report("instances", labels, "latency_p99_ms", r.p99_ms);
    bench_report("instances", labels, "cardxd_cpu_us_per_card",
                 (double)(ins_cardxd_cpu(p) - c0) / n);
    bench_report("instances", labels, "server_cpu_us_per_card",
                 (double)(bench_cpu_us(p->server) - s0) / n);
    /* Sends refused with a `wait` (lock timeouts between the instances),
     * each sent again and part of the rate above; and cards replaced by a
     * later one of their sender before delivery (not in cards/s). */
    bench_report("instances", labels, "sends_retried", (double)r.errors);
    bench_report("instances", labels, "cards_replaced_unseen",
                 (double)r.replaced);
    return 0;
}

/* Starts the second instance on the same database and waits for its link;
 * pinned beside the first, so that the two share what one had. */
static int ins_second(const struct bench_opts *o, struct harness *h,
                      struct ins_procs *p)
{
    char *conf = NULL;

    if (harness_cardxd2_start(h, INS_SECOND_INI) < 0 ||
        harness_cardxd2_wait_log(h, "component link up", 1, INS_ATTACH_MS) <
            0 ||
        asprintf(&conf, "%s/cardxd2.conf", harness_rundir(h)) < 0) {
        bench_note("instances: the second cardxd did not attach (run dir %s)",
                   harness_rundir(h));
        return -1;
    }
    p->cardxd2 = bench_find_pid(conf);
    free(conf);
    if (p->cardxd2 < 0)
        return -1;
    bench_pin(p->cardxd2, o->cpu_cardxd);
    return 0;
}

int wl_instances(const struct bench_opts *o)
{
    long pairs = o->quick ? 8 : 32;
    long count = o->quick ? 1000 : 10000;
    struct ins_procs procs;
    struct loadgen *lg = NULL;
    struct harness *h;
    int rc = -1;

    if (setenv("CARDX_SERVER", "ejabberd", 1) < 0 ||
        setenv("CARDX_STORE", "postgresql", 1) < 0 || !(h = harness_new()))
        return -1;
    bench_note("instances: %ld cards through ejabberd, one then two cardxd "
               "on PostgreSQL, %ld pairs of clients",
               count, pairs);
    if (ins_setup(o, h, pairs, &procs) < 0 ||
        loadgen_new(harness_c2s_port(h), HARNESS_DOMAIN,
                    HARNESS_COMPONENT_DOMAIN, INS_PASSWORD, pairs, 60000,
                    &lg) < 0)
        goto out;
    /* A warm-up round, then one with each number of instances. */
    if (loadgen_run(lg, LOADGEN_CARDS, count / 10, INS_WINDOW, 0,
                    INS_TIMEOUT_MS, &(struct loadgen_result){0}) < 0 ||
        ins_round(lg, &procs, 1, count) < 0 || ins_second(o, h, &procs) < 0 ||
        ins_round(lg, &procs, 2, count) < 0)
        goto out;
    rc = 0;
out:
    loadgen_free(lg);
    if (rc < 0)
        harness_keep_rundir(h);
    harness_free(h);
    return rc;
}
