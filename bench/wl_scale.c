/* Workload 5: the store at scale. A million registered users and a million
 * waiting cards, written through the store API before cardxd starts; then
 * cardxd's start-up (link up and its probe of every user), memory, the
 * insert rate beside an empty database, and one user's flush. */
#include <stdio.h>

#include "bench/benchutil.h"
#include "bench/sbench.h"
#include "bench/workloads.h"

#define SCALE_TIMEOUT_MS 300000
/* Cards waiting for the user whose flush is timed (r0). */
#define SCALE_FLUSH_CARDS 1000

static struct sbench_params scale_params(const struct bench_opts *o, long users,
                                         long cards)
{
    struct sbench_params p = {
        .users = {.domain = "cardx.test",
                  .senders = 100,
                  .recipients = users - 100,
                  .cards_first = cards > 0 ? SCALE_FLUSH_CARDS : 0,
                  .cards_spread = cards > SCALE_FLUSH_CARDS
                                      ? cards - SCALE_FLUSH_CARDS
                                      : 0},
        .dbdir = o->diskdir,
        .synchronous = "normal",
        .log_level = "info",
        .cpu_cardxd = o->cpu_cardxd,
        .cpu_stub = o->cpu_server,
        .probe_timeout_ms = SCALE_TIMEOUT_MS,
    };

    return p;
}

/* Offline sends to r1..r64, which are not online: each card is stored. */
static int scale_insert(struct sbench *b, const struct bench_opts *o,
                        const char *labels)
{
    struct sbench_flood f = {.how = SBENCH_IQ,
                             .cards = o->quick ? 2000 : 20000,
                             .window = 64,
                             .timeout_ms = SCALE_TIMEOUT_MS,
                             .first_recipient = 1};
    struct sbench_result r;
    double n;

    if (sbench_run(b, &f, &r) < 0)
        return -1;
    n = r.done > 0 ? (double)r.done : 1;
    bench_report("scale", labels, "insert_cards_per_s", r.cards_per_s);
    bench_report("scale", labels, "insert_p99_ms", r.p99_ms);
    bench_report("scale", labels, "insert_cardxd_cpu_us_per_card",
                 r.cardxd_cpu_us / n);
    return 0;
}

static void scale_report_start(const char *labels,
                               const struct sbench_start *st, long users,
                               long cards, struct sbench *b)
{
    pid_t pid = sbench_pid(b);

    if (st->prefill_s > 0)
        bench_report("scale", labels, "prefill_rows_per_s",
                     (double)(users + cards) / st->prefill_s);
    bench_report("scale", labels, "db_bytes",
                 (double)bench_db_bytes(sbench_db(b)));
    bench_report("scale", labels, "start_to_link_up_ms", st->link_up_ms);
    bench_report("scale", labels, "probe_stanzas", (double)st->probes);
    bench_report("scale", labels, "probe_all_ms", st->probes_ms);
    bench_report("scale", labels, "link_dropped_at_probe",
                 st->link_dropped ? 1 : 0);
    bench_report("scale", labels, "rss_after_probe_kib",
                 (double)bench_mem_kib(pid, "VmRSS"));
    bench_report("scale", labels, "rss_peak_kib",
                 (double)bench_mem_kib(pid, "VmHWM"));
}

/* One database size: start, probe, flush r0, insert, memory. */
static int scale_run(const struct bench_opts *o, long users, long cards)
{
    struct sbench_params p = scale_params(o, users, cards);
    struct sbench_start st;
    struct sbench *b = NULL;
    char labels[96];
    double delivered = 0, acked = 0;
    int rc = -1;

    snprintf(labels, sizeof(labels), "users=%ld waiting=%ld", users, cards);
    bench_note("scale: %ld users, %ld waiting cards (filling the database)",
               users, cards);
    if (sbench_new(&p, &st, &b) < 0)
        goto out;
    scale_report_start(labels, &st, users, cards, b);
    if (st.link_dropped) {
        bench_note("cardxd dropped the link while probing %ld users "
                   "(%ld of %ld presences arrived): see docs/BENCHMARKS.md",
                   users, st.probes, 2 * users);
        goto out;
    }
    if (cards > 0) {
        if (sbench_flush(b, SCALE_FLUSH_CARDS, SCALE_TIMEOUT_MS, &delivered,
                         &acked) < 0)
            goto out;
        bench_report("scale", labels, "flush_1000_delivered_ms", delivered);
        bench_report("scale", labels, "flush_1000_acked_ms", acked);
    }
    if (scale_insert(b, o, labels) < 0)
        goto out;
    bench_report("scale", labels, "rss_end_kib",
                 (double)bench_mem_kib(sbench_pid(b), "VmRSS"));
    rc = 0;
out:
    sbench_free(b);
    return rc;
}

int wl_scale(const struct bench_opts *o)
{
    long users =
        bench_env_long("BENCH_SCALE_USERS", o->quick ? 100000 : 1000000);
    long cards = bench_env_long("BENCH_SCALE_CARDS", users);
    long fallback = bench_env_long("BENCH_SCALE_FALLBACK_USERS", 250000);
    int rc = 0;

    if (scale_run(o, 1000, 0) < 0) /* the empty-database reference */
        rc = -1;
    if (scale_run(o, users, cards) < 0) {
        rc = -1;
        /* Still measure a million waiting cards with as many users as
         * cardxd can probe, so the other figures exist. */
        if (fallback > 0 && fallback < users &&
            scale_run(o, fallback, cards) == 0)
            bench_note("scale: figures for %ld users stand in for %ld",
                       fallback, users);
    }
    return rc;
}
