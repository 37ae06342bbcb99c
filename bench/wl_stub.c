/* Workloads 2 to 5: cardxd alone behind the stub server, so that the XMPP
 * server's own cost is out of the picture. */
#include <stdio.h>
#include <string.h>

#include "bench/benchutil.h"
#include "bench/sbench.h"
#include "bench/workloads.h"

#define WL_TIMEOUT_MS 300000
#define WL_ACTIVE_USERS 64

static struct sbench_params wl_params(const struct bench_opts *o,
                                      const char *dbdir, const char *sync,
                                      const char *log_level)
{
    struct sbench_params p = {
        .users = {.domain = "cardx.test",
                  .senders = WL_ACTIVE_USERS,
                  .recipients = WL_ACTIVE_USERS},
        .dbdir = dbdir,
        .synchronous = sync,
        .log_level = log_level,
        .cpu_cardxd = o->cpu_cardxd,
        .cpu_stub = o->cpu_server,
        .probe_timeout_ms = WL_TIMEOUT_MS,
    };

    return p;
}

/* The figures every flood gives, under one workload and labels. */
static void wl_report_flood(const char *wl, const char *labels,
                            const struct sbench_result *r)
{
    double n = r->done > 0 ? (double)r->done : 1;

    bench_report(wl, labels, "cards", (double)r->done);
    bench_report(wl, labels, "cards_per_s", r->cards_per_s);
    bench_report(wl, labels, "latency_p50_ms", r->p50_ms);
    bench_report(wl, labels, "latency_p99_ms", r->p99_ms);
    bench_report(wl, labels, "cardxd_cpu_us_per_card", r->cardxd_cpu_us / n);
    bench_report(wl, labels, "cardxd_cpu_util",
                 r->seconds > 0 ? r->cardxd_cpu_us / 1e6 / r->seconds : 0);
    bench_report(wl, labels, "stub_cpu_us_per_card", r->stub_cpu_us / n);
}

/* Starts a fresh cardxd, optionally brings recipients online, floods it. */
static int wl_flood_once(const struct sbench_params *p,
                         const struct sbench_flood *f, int online,
                         struct sbench_result *r, struct sbench **keep)
{
    struct sbench_start st;
    struct sbench *b = NULL;
    int rc = -1;

    if (sbench_new(p, &st, &b) < 0 || st.link_dropped)
        goto out;
    if (online && sbench_online(b, p->users.recipients, WL_TIMEOUT_MS) < 0)
        goto out;
    rc = sbench_run(b, f, r);
out:
    if (keep && rc == 0)
        *keep = b;
    else
        sbench_free(b);
    return rc;
}

static int wl_component_online(const struct bench_opts *o, const char *log)
{
    struct sbench_params p = wl_params(o, NULL, "normal", log);
    struct sbench_flood f = {.how = SBENCH_MESSAGE,
                             .cards = o->quick ? 5000 : 100000,
                             .window = 256,
                             .timeout_ms = WL_TIMEOUT_MS};
    struct sbench_result r, r2;
    struct sbench *b = NULL;
    char labels[128];
    int full = strcmp(log, "info") == 0;

    bench_note("component alone, online recipients, log level %s: %ld cards",
               log, f.cards);
    if (wl_flood_once(&p, &f, 1, &r, &b) < 0)
        return -1;
    snprintf(labels, sizeof(labels), "mode=online log=%s", log);
    wl_report_flood("component", labels, &r);
    if (full) {
        /* A second flood on the same process: memory must not grow. */
        if (sbench_run(b, &f, &r2) < 0) {
            sbench_free(b);
            return -1;
        }
        bench_report("component", labels, "rss_start_kib",
                     (double)r.rss_before_kib);
        bench_report("component", labels, "rss_after_1st_run_kib",
                     (double)r.rss_after_kib);
        bench_report("component", labels, "rss_after_2nd_run_kib",
                     (double)r2.rss_after_kib);
        bench_report("component", labels, "rss_peak_kib",
                     (double)bench_mem_kib(sbench_pid(b), "VmHWM"));
    }
    sbench_free(b);
    return 0;
}

int wl_component(const struct bench_opts *o)
{
    struct sbench_params p = wl_params(o, NULL, "normal", "info");
    struct sbench_flood f = {.how = SBENCH_IQ,
                             .cards = o->quick ? 2000 : 30000,
                             .window = 64,
                             .timeout_ms = WL_TIMEOUT_MS};
    struct sbench_result r;
    int rc = 0;

    if (wl_component_online(o, "info") < 0 ||
        wl_component_online(o, "warn") < 0)
        rc = -1;
    bench_note("component alone, offline recipients (stored): %ld cards",
               f.cards);
    if (wl_flood_once(&p, &f, 0, &r, NULL) < 0)
        return -1;
    wl_report_flood("component", "mode=offline log=info", &r);
    return rc;
}

static int wl_store_one(const struct bench_opts *o, const char *dir,
                        const char *where, const char *sync)
{
    struct sbench_params p = wl_params(o, dir, sync, "info");
    int slow = strcmp(sync, "full") == 0 && strcmp(where, "disk") == 0;
    struct sbench_flood f = {
        .how = SBENCH_IQ, .window = 64, .timeout_ms = WL_TIMEOUT_MS};
    struct sbench_result r;
    struct sbench *b = NULL;
    char labels[128];
    double p50 = 0, p99 = 0;
    int rc;

    f.cards = o->quick ? 1000 : slow ? 5000 : 30000;
    bench_note("offline store: %s, synchronous=%s, %ld cards", where, sync,
               f.cards);
    snprintf(labels, sizeof(labels), "db=%s sync=%s", where, sync);
    if (bench_fdatasync_ms(dir, o->quick ? 50 : 300, &p50, &p99) == 0) {
        bench_report("store", labels, "fdatasync_p50_ms", p50);
        bench_report("store", labels, "fdatasync_p99_ms", p99);
    }
    rc = wl_flood_once(&p, &f, 0, &r, &b);
    if (rc == 0) {
        wl_report_flood("store", labels, &r);
        bench_report("store", labels, "db_bytes",
                     (double)bench_db_bytes(sbench_db(b)));
    }
    sbench_free(b);
    return rc;
}

int wl_store(const struct bench_opts *o)
{
    static const char *const syncs[] = {"normal", "full"};
    int rc = 0;

    for (size_t i = 0; i < 2; i++) {
        if (wl_store_one(o, o->diskdir, "disk", syncs[i]) < 0)
            rc = -1;
        if (o->tmpfsdir && wl_store_one(o, o->tmpfsdir, "tmpfs", syncs[i]) < 0)
            rc = -1;
    }
    return rc;
}

int wl_flush(const struct bench_opts *o)
{
    static const long sizes[] = {10, 100, 1000, 10000};
    size_t n = o->quick ? 3 : 4;
    int rc = 0;

    for (size_t i = 0; i < n; i++) {
        struct sbench_params p = wl_params(o, NULL, "normal", "info");
        struct sbench_start st;
        struct sbench *b = NULL;
        double delivered = 0, acked = 0;
        char labels[64];
        int64_t cpu0;

        p.users.cards_first = sizes[i];
        bench_note("flush: %ld waiting cards", sizes[i]);
        if (sbench_new(&p, &st, &b) < 0 || st.link_dropped) {
            sbench_free(b);
            rc = -1;
            continue;
        }
        cpu0 = bench_cpu_us(sbench_pid(b));
        if (sbench_flush(b, sizes[i], WL_TIMEOUT_MS, &delivered, &acked) == 0) {
            snprintf(labels, sizeof(labels), "waiting=%ld", sizes[i]);
            bench_report("flush", labels, "delivered_ms", delivered);
            bench_report("flush", labels, "acked_ms", acked);
            bench_report("flush", labels, "cardxd_cpu_us_per_card",
                         (double)(bench_cpu_us(sbench_pid(b)) - cpu0) /
                             (double)sizes[i]);
        } else {
            rc = -1;
        }
        sbench_free(b);
    }
    return rc;
}
