/* cardx-bench: runs the benchmark workloads named on the command line (all
 * by default) and prints one BENCH line per figure; see docs/BENCHMARKS.md
 * and scripts/bench.sh, which builds, runs it and prints the table. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench/benchutil.h"
#include "bench/workloads.h"

struct workload {
    const char *name;
    int (*run)(const struct bench_opts *o);
    const char *what;
};

static const struct workload workloads[] = {
    {"online", wl_online, "cards through the server beside plain messages"},
    {"component", wl_component, "cardxd alone behind a stub server"},
    {"store", wl_store, "offline cards committed, disk and tmpfs"},
    {"flush", wl_flush, "10 to 10,000 waiting cards delivered"},
    {"scale", wl_scale, "a million users and waiting cards"},
    {"client", wl_client, "contact search over 100,000 saved cards"},
    {"offline", wl_offline,
     "offline cards stored and flushed, beside ejabberd's mod_offline"},
    {"instances", wl_instances,
     "1 vs 2 cardxd instances on PostgreSQL through ejabberd"},
};

#define NWORKLOADS (sizeof(workloads) / sizeof(workloads[0]))

static void usage(FILE *out)
{
    fprintf(out, "Usage: cardx-bench [WORKLOAD...]\n"
                 "Runs the cardx benchmarks (all when none is named):\n");
    for (size_t i = 0; i < NWORKLOADS; i++)
        fprintf(out, "  %-10s %s\n", workloads[i].name, workloads[i].what);
    fprintf(out, "Environment: BENCH_QUICK=1 (small counts), CARDX_SERVER "
                 "(prosody|ejabberd), BENCH_CPU_SERVER, BENCH_CPU_CARDXD,\n"
                 "BENCH_CPU_LOAD (cores; -1: no pinning), BENCH_DISKDIR, "
                 "BENCH_TMPFSDIR, CARDX_BUILDDIR, CARDX_SRCDIR,\n"
                 "BENCH_OFFLINE_N, BENCH_OFFLINE_PEERS, BENCH_DRIVER "
                 "(sqlite|postgresql), BENCH_DSN, BENCH_PG_PORT,\n"
                 "BENCH_PG_RUNDIR, BENCH_SIZE_N.\n");
}

static const struct workload *find_workload(const char *name)
{
    for (size_t i = 0; i < NWORKLOADS; i++) {
        if (strcmp(workloads[i].name, name) == 0)
            return &workloads[i];
    }
    return NULL;
}

/* Defaults that keep the figures steady on a 2-core machine: the server
 * (or stub) on one core, cardxd and the load generator on the other. */
static void bench_opts_init(struct bench_opts *o)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int pin = cpus >= 2;
    const char *tmp = getenv("TMPDIR");
    const char *server = getenv("CARDX_SERVER");
    struct stat st;

    o->quick = bench_quick();
    o->cpu_server = (int)bench_env_long("BENCH_CPU_SERVER", pin ? 0 : -1);
    o->cpu_cardxd = (int)bench_env_long("BENCH_CPU_CARDXD", pin ? 1 : -1);
    o->cpu_load = (int)bench_env_long("BENCH_CPU_LOAD", pin ? 1 : -1);
    o->diskdir = getenv("BENCH_DISKDIR");
    if (!o->diskdir || !*o->diskdir)
        o->diskdir = tmp && *tmp ? tmp : "/tmp";
    o->tmpfsdir = getenv("BENCH_TMPFSDIR");
    if (!o->tmpfsdir || !*o->tmpfsdir)
        o->tmpfsdir = stat("/dev/shm", &st) == 0 ? "/dev/shm" : NULL;
    o->server = server && *server ? server : "prosody";
}

int main(int argc, char **argv)
{
    struct bench_opts o;
    int failed = 0;

    if (argc > 1 &&
        (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        usage(stdout);
        return 0;
    }
    for (int i = 1; i < argc; i++) {
        if (!find_workload(argv[i]) && strcmp(argv[i], "all") != 0) {
            fprintf(stderr, "cardx-bench: unknown workload '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    /* A server or cardxd that goes away must fail a write, not kill us. */
    signal(SIGPIPE, SIG_IGN);
    bench_opts_init(&o);
    for (size_t i = 0; i < NWORKLOADS; i++) {
        int wanted = argc == 1;

        for (int a = 1; a < argc && !wanted; a++)
            wanted = strcmp(argv[a], workloads[i].name) == 0 ||
                     strcmp(argv[a], "all") == 0;
        if (!wanted)
            continue;
        bench_note("=== workload %s: %s", workloads[i].name, workloads[i].what);
        if (workloads[i].run(&o) < 0) {
            bench_note("workload %s failed", workloads[i].name);
            failed = 1;
        }
    }
    return failed ? 1 : 0;
}
