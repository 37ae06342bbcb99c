/* Workload 6: the client's card store. 100,000 saved cards, then contact
 * searches timed through the library (cardstore_contact_search) and through
 * the `cardx contacts search` command as a user runs it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/benchutil.h"
#include "bench/workloads.h"
#include "client/cardstore.h"

#ifndef BUILDDIR
#define BUILDDIR "."
#endif

#define CL_ROUNDS 20
/* What `cardx contacts search` shows by default. */
#define CL_LIMIT 50

static const char *const given[] = {"Wei",  "Fang", "Min",   "Jing",
                                    "Lei",  "Yan",  "Alice", "Bob",
                                    "Chen", "Hui",  "Marie", "Pierre"};
static const char *const family[] = {
    "Wang", "Li",   "Zhang",  "Liu",    "Chen",  "Yang",   "Huang", "Zhao",
    "Wu",   "Zhou", "Martin", "Dubois", "Smith", "Garcia", "Xu",    "Sun"};
static const char *const orgs[] = {"Changhong", "Haier",   "Lenovo",
                                   "Xiaomi",    "Huawei",  "Acme Corp",
                                   "Globex",    "Initech", "Umbrella"};
static const char *const titles[] = {"engineer", "sales manager", "director",
                                     "designer", "accountant"};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* The searches a user types: a surname, a full name, digits of a number,
 * a company, a title word, and something that matches nothing; then
 * Chinese text, which takes the substring search (cardstore_substr.c): one
 * character (a scan of every contact) and three (the trigram index). The
 * cards are Latin, so these two measure the search's cost, not its hits. */
static const char *const queries[] = {
    "Wang",     "Alice Zhang", "+86 138 0000 1234", "Changhong",
    "engineer", "Nomatch",     "\u4f1f",            "\u5f20\u4f1f\u660e"};

static int cl_fill_one(struct cardstore *cs, long i)
{
    struct cardstore_card c = {0};
    char name[96], phone[32], email[96], note[64];
    const char *g = given[i % N_OF(given)];
    const char *f = family[(i / N_OF(given)) % N_OF(family)];
    int rc;

    snprintf(name, sizeof(name), "%s %s %ld", g, f, i);
    snprintf(phone, sizeof(phone), "+86138%08ld", i);
    snprintf(email, sizeof(email), "%s.%s%ld@example.com", g, f, i);
    snprintf(note, sizeof(note), "met at fair %ld", i % 97);
    if (vcard_fields_set(&c.f, "name", name) < 0 ||
        vcard_fields_set(&c.f, "phone", phone) < 0 ||
        vcard_fields_set(&c.f, "email", email) < 0 ||
        vcard_fields_set(&c.f, "org", orgs[i % N_OF(orgs)]) < 0 ||
        vcard_fields_set(&c.f, "title", titles[i % N_OF(titles)]) < 0 ||
        vcard_fields_set(&c.f, "note", note) < 0)
        rc = -1;
    else
        rc = cardstore_contact_add(cs, &c, NULL);
    vcard_fields_clear(&c.f);
    return rc;
}

static int cl_fill(struct cardstore *cs, long n)
{
    int rc = cardstore_begin(cs);

    for (long i = 0; rc == 0 && i < n; i++) {
        rc = cl_fill_one(cs, i);
        if (rc == 0 && (i + 1) % 10000 == 0)
            rc = cardstore_commit(cs) < 0 ? -1 : cardstore_begin(cs);
    }
    if (rc == 0)
        rc = cardstore_commit(cs);
    if (rc < 0)
        bench_note("client: filling the store failed: %s",
                   cardstore_errmsg(cs));
    return rc < 0 ? -1 : 0;
}

static int cl_count(void *ud, const struct cardstore_card *c)
{
    (void)c;
    ++*(long *)ud;
    return 0;
}

/* One query CL_ROUNDS times: its median and hits, reported. */
static int cl_query(struct cardstore *cs, const char *labels, size_t q,
                    struct bench_samples *all)
{
    struct bench_samples *s = bench_samples_new();
    char ql[128];
    int64_t hits = 0;
    long shown;
    int rc = s ? 0 : -1;

    for (int r = 0; r < CL_ROUNDS && rc == 0; r++) {
        int64_t t0 = bench_now_ns(), ns;

        shown = 0;
        rc = cardstore_contact_search(cs, queries[q], CL_LIMIT, cl_count,
                                      &shown, &hits);
        ns = bench_now_ns() - t0;
        bench_samples_add(s, ns);
        bench_samples_add(all, ns);
    }
    if (rc == 0) {
        snprintf(ql, sizeof(ql), "%s query=%zu", labels, q + 1);
        bench_note("client: query %zu '%s' finds %lld contacts", q + 1,
                   queries[q], (long long)hits);
        bench_report("client", ql, "hits", (double)hits);
        bench_report("client", ql, "search_p50_ms",
                     bench_samples_quantile_ms(s, 0.5));
    }
    bench_samples_free(s);
    return rc < 0 ? -1 : 0;
}

/* Each query CL_ROUNDS times through the library. */
static int cl_library(struct cardstore *cs, const char *labels)
{
    struct bench_samples *s = bench_samples_new();
    int rc = 0;

    if (!s)
        return -1;
    for (size_t q = 0; q < N_OF(queries) && rc == 0; q++)
        rc = cl_query(cs, labels, q, s);
    if (rc == 0) {
        bench_report("client", labels, "search_p50_ms",
                     bench_samples_quantile_ms(s, 0.5));
        bench_report("client", labels, "search_p99_ms",
                     bench_samples_quantile_ms(s, 0.99));
        bench_report("client", labels, "search_max_ms",
                     bench_samples_quantile_ms(s, 1.0));
    }
    bench_samples_free(s);
    return rc < 0 ? -1 : 0;
}

/* Runs `cardx --data-dir DIR contacts search QUERY`, output discarded;
 * returns its wall time in ns, or -1. */
static int64_t cl_command_once(const char *prog, const char *dir,
                               const char *query)
{
    int64_t t0 = bench_now_ns();
    int status;
    pid_t pid = fork();

    if (pid < 0)
        return -1;
    if (pid == 0) {
        int null_fd = open("/dev/null", O_RDWR);

        /* No config file of the person running the benchmark. */
        setenv("HOME", dir, 1);
        setenv("XDG_CONFIG_HOME", dir, 1);
        if (null_fd >= 0)
            dup2(null_fd, 1);
        execl(prog, prog, "--data-dir", dir, "contacts", "search", query,
              (char *)NULL);
        _exit(127);
    }
    if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0)
        return -1;
    return bench_now_ns() - t0;
}

static int cl_command(const char *dir, const char *labels)
{
    const char *bd = getenv("CARDX_BUILDDIR");
    struct bench_samples *s = bench_samples_new();
    char *prog = NULL;
    int rc = -1;

    if (!s ||
        asprintf(&prog, "%s/client/cardx", bd && *bd ? bd : BUILDDIR) < 0) {
        prog = NULL;
        goto out;
    }
    if (access(prog, X_OK) != 0) {
        bench_note("client: %s not built; library figures only", prog);
        rc = 0;
        goto out;
    }
    for (size_t q = 0; q < N_OF(queries); q++) {
        for (int r = 0; r < CL_ROUNDS / 4; r++) {
            int64_t ns = cl_command_once(prog, dir, queries[q]);

            if (ns < 0) {
                bench_note("client: cardx contacts search '%s' failed",
                           queries[q]);
                goto out;
            }
            bench_samples_add(s, ns);
        }
    }
    bench_report("client", labels, "command_p50_ms",
                 bench_samples_quantile_ms(s, 0.5));
    bench_report("client", labels, "command_max_ms",
                 bench_samples_quantile_ms(s, 1.0));
    rc = 0;
out:
    free(prog);
    bench_samples_free(s);
    return rc;
}

int wl_client(const struct bench_opts *o)
{
    long n = o->quick ? 10000 : 100000;
    struct cardstore *cs = NULL;
    char *dir = NULL, *path = NULL, *err = NULL, labels[64];
    int64_t t0;
    int rc = -1;

    if (asprintf(&dir, "%s/cardx-bench-client-XXXXXX", o->diskdir) < 0) {
        dir = NULL;
        goto out;
    }
    if (!mkdtemp(dir) || asprintf(&path, "%s/cards.sqlite", dir) < 0) {
        path = NULL;
        goto out;
    }
    if (cardstore_open(path, &cs, &err) < 0) {
        bench_note("client: %s: %s", path, err ? err : "?");
        goto out;
    }
    snprintf(labels, sizeof(labels), "contacts=%ld", n);
    bench_note("client: saving %ld contacts", n);
    t0 = bench_now_ns();
    if (cl_fill(cs, n) < 0)
        goto out;
    bench_report("client", labels, "save_contacts_per_s",
                 (double)n / ((double)(bench_now_ns() - t0) / 1e9));
    bench_report("client", labels, "store_bytes", (double)bench_db_bytes(path));
    if (cl_library(cs, labels) < 0)
        goto out;
    cardstore_free(cs);
    cs = NULL;
    rc = cl_command(dir, labels);
out:
    cardstore_free(cs);
    free(err);
    if (path) {
        char *cmd = NULL;

        /* The store and whatever cardx created beside it. */
        if (asprintf(&cmd, "rm -rf '%s'", dir) >= 0 && system(cmd) != 0)
            bench_note("client: could not remove %s", dir);
        free(cmd);
    }
    free(path);
    free(dir);
    return rc;
}
