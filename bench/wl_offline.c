/* Workload "offline": the stored-card path, per storage driver, beside the
 * comparison a user would make. cardxd stores N cards for a recipient who
 * is offline and flushes them when it comes online; ejabberd's own
 * mod_offline stores N offline messages of the same size and flushes them
 * at the recipient's initial presence, on Mnesia and on PostgreSQL. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/benchutil.h"
#include "bench/prefill.h"
#include "bench/sbench.h"
#include "bench/workloads.h"
#include "common/util.h"
#include "tests/integration/harness.h"
#include "tests/integration/xclient.h"

#ifndef SRCDIR
#define SRCDIR "."
#endif

#define OFF_TIMEOUT_MS 300000
#define OFF_LOGIN_MS 20000
#define OFF_WINDOW 64
#define OFF_PASSWORD "bench-pw"
/* ejabberd's database on the benchmark's PostgreSQL. */
#define OFF_EJABBERD_DB "ejabberd_bench"
/* The exit status of a check that found something not installed. */
#define OFF_MISSING 3
/* Waiting cards of the sizing run (BENCH_SIZE_N), spread over as many
 * recipients as there are senders; the figure is scaled to a million. */
#define OFF_SIZE_CARDS 20000
#define OFF_SIZE_USERS 1000
#define OFF_SIZE_PER 1000000.0

/* Cards (and messages) per run: BENCH_OFFLINE_N, else by BENCH_QUICK. */
static long off_count(const struct bench_opts *o)
{
    return bench_env_long("BENCH_OFFLINE_N", o->quick ? 300 : 3000);
}

static const char *off_srcdir(void)
{
    const char *src = getenv("CARDX_SRCDIR");

    return src && *src ? src : SRCDIR;
}

/* CPU time of the benchmark's PostgreSQL (its postmaster and every
 * backend, found through BENCH_PG_RUNDIR), in microseconds; -1 when there
 * is none. Backends that ended meanwhile are missed: the pools keep
 * theirs. */
static int64_t off_pg_cpu_us(void)
{
    const char *run = getenv("BENCH_PG_RUNDIR");
    char path[4096], line[512];
    long pm = -1;
    int64_t sum = 0;
    DIR *d;
    FILE *f;
    struct dirent *e;

    if (!run || !*run)
        return -1;
    snprintf(path, sizeof(path), "%s/pg/data/postmaster.pid", run);
    if (!(f = fopen(path, "r")))
        return -1;
    if (fscanf(f, "%ld", &pm) != 1)
        pm = -1;
    fclose(f);
    if (pm <= 0 || !(d = opendir("/proc")))
        return -1;
    while ((e = readdir(d))) {
        long pid = strtol(e->d_name, NULL, 10), ppid = -1;
        char *close_paren;

        if (pid <= 0)
            continue;
        snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
        if (!(f = fopen(path, "r")))
            continue;
        /* "pid (comm) state ppid ...": comm may hold spaces. */
        if (fgets(line, sizeof(line), f) &&
            (close_paren = strrchr(line, ')')) &&
            sscanf(close_paren + 2, "%*c %ld", &ppid) == 1 &&
            (pid == pm || ppid == pm)) {
            int64_t us = bench_cpu_us((pid_t)pid);

            sum += us > 0 ? us : 0;
        }
        fclose(f);
    }
    closedir(d);
    return sum;
}

/* The figures of one run, under labels. */
struct off_figures {
    long n;
    double store_s, flush_s;
    double store_cpu_us, flush_cpu_us; /* the server's, or cardxd's */
    double store_db_us, flush_db_us;   /* PostgreSQL's; < 0: none */
};

static void off_report(const char *labels, const struct off_figures *f)
{
    double n = f->n > 0 ? (double)f->n : 1;

    bench_report("offline", labels, "items", (double)f->n);
    bench_report("offline", labels, "store_per_s",
                 f->store_s > 0 ? n / f->store_s : 0);
    bench_report("offline", labels, "store_cpu_us_per_item",
                 f->store_cpu_us / n);
    bench_report("offline", labels, "flush_delivered_ms", f->flush_s * 1e3);
    bench_report("offline", labels, "flush_per_s",
                 f->flush_s > 0 ? n / f->flush_s : 0);
    bench_report("offline", labels, "flush_cpu_us_per_item",
                 f->flush_cpu_us / n);
    if (f->store_db_us >= 0) {
        bench_report("offline", labels, "store_db_cpu_us_per_item",
                     f->store_db_us / n);
        bench_report("offline", labels, "flush_db_cpu_us_per_item",
                     f->flush_db_us / n);
    }
}

/* Runs argv; returns its exit status, or -1. */
static int off_run(char *const argv[])
{
    int status;
    pid_t pid = fork();

    if (pid < 0)
        return -1;
    if (pid == 0) {
        execv(argv[0], argv);
        _exit(127);
    }
    if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
        return -1;
    return WEXITSTATUS(status);
}

/* Empties the PostgreSQL database of dsn, so that cardxd starts on a
 * fresh schema as it does on a new SQLite file. */
static int off_pg_reset(const char *dsn)
{
    char *argv[] = {"/usr/bin/psql",
                    "-Xq",
                    "-v",
                    "ON_ERROR_STOP=1",
                    (char *)dsn,
                    "-c",
                    "DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA "
                    "public",
                    NULL};

    return off_run(argv) == 0 ? 0 : -1;
}

/* cardxd on the driver BENCH_DRIVER names (sqlite by default; postgresql
 * with BENCH_DSN): n senders each send r0, who is offline, one card; then
 * r0 comes online and takes them all. */
static int off_cardxd(const struct bench_opts *o, long n)
{
    const char *driver = getenv("BENCH_DRIVER");
    const char *dsn = getenv("BENCH_DSN");
    int pg = driver && strcmp(driver, "postgresql") == 0;
    struct sbench_params p = {
        .users = {.domain = "cardx.test", .senders = n, .recipients = 1},
        .dbdir = o->diskdir,
        .synchronous = "normal",
        .log_level = "info",
        .cpu_cardxd = o->cpu_cardxd,
        .cpu_stub = o->cpu_server,
        .probe_timeout_ms = OFF_TIMEOUT_MS,
        .driver = pg ? driver : NULL,
        .dsn = pg ? dsn : NULL,
    };
    /* One card per sender: a recipient keeps one card from each. */
    struct sbench_flood f = {.how = SBENCH_IQ,
                             .cards = n,
                             .window = OFF_WINDOW,
                             .timeout_ms = OFF_TIMEOUT_MS,
                             .max_senders = n};
    struct off_figures fig = {.n = n};
    struct sbench_result r;
    struct sbench_start st;
    struct sbench *b = NULL;
    double delivered = 0, acked = 0;
    int64_t cpu0, db0, db1, db2;
    char labels[96];
    int rc = -1;

    if (pg && (!dsn || !*dsn || off_pg_reset(dsn) < 0)) {
        bench_note("offline: BENCH_DRIVER=postgresql needs BENCH_DSN, a "
                   "database it may empty");
        return -1;
    }
    bench_note("offline: cardxd on %s, %ld cards stored then flushed",
               pg ? "postgresql" : "sqlite", n);
    snprintf(labels, sizeof(labels), "server=cardxd db=%s",
             pg ? "postgresql" : "sqlite");
    if (sbench_new(&p, &st, &b) < 0 || st.link_dropped)
        goto out;
    db0 = pg ? off_pg_cpu_us() : -1;
    if (sbench_run(b, &f, &r) < 0)
        goto out;
    db1 = pg ? off_pg_cpu_us() : -1;
    fig.store_s = r.seconds;
    fig.store_cpu_us = r.cardxd_cpu_us;
    fig.store_db_us = db0 >= 0 && db1 >= 0 ? (double)(db1 - db0) : -1;
    cpu0 = bench_cpu_us(sbench_pid(b));
    if (sbench_flush(b, n, OFF_TIMEOUT_MS, &delivered, &acked) < 0)
        goto out;
    db2 = pg ? off_pg_cpu_us() : -1;
    /* As for ejabberd: presence -> last item received. The CPU counts
     * the acknowledgements too, which take the cards out of the store. */
    fig.flush_s = delivered / 1e3;
    fig.flush_cpu_us = (double)(bench_cpu_us(sbench_pid(b)) - cpu0);
    fig.flush_db_us = db1 >= 0 && db2 >= 0 ? (double)(db2 - db1) : -1;
    off_report(labels, &fig);
    bench_report("offline", labels, "flush_acked_ms", acked);
    rc = 0;
out:
    sbench_free(b);
    return rc;
}

/* Bytes the database of driver takes: the SQLite file and its WAL at
 * path, or PostgreSQL's database of dsn; -1 when unknown. */
static double off_db_bytes(int pg, const char *path, const char *dsn)
{
    static const char *const suffixes[] = {"", "-wal"};
    double sum = 0;
    char cmd[4096];
    FILE *f;

    if (!pg) {
        for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
            struct stat sb;

            snprintf(cmd, sizeof(cmd), "%s%s", path, suffixes[i]);
            if (stat(cmd, &sb) == 0)
                sum += (double)sb.st_size;
        }
        return sum;
    }
    /* The dsn is ours (BENCH_DSN), not input: quoted as it is. */
    snprintf(cmd, sizeof(cmd),
             "psql -XAtq '%s' -c 'CHECKPOINT' -c "
             "'SELECT pg_database_size(current_database())' 2>/dev/null",
             dsn);
    if (!(f = popen(cmd, "r")))
        return -1;
    if (fscanf(f, "%lf", &sum) != 1)
        sum = -1;
    return pclose(f) == 0 ? sum : -1;
}

/* Removes the SQLite file at path and its WAL. */
static void off_sqlite_remove(const char *path)
{
    char *wal = str_printf("%s-wal", path);

    unlink(path);
    if (wal)
        unlink(wal);
    free(wal);
}

/* Fills a fresh database (users, and cards waiting) and measures it. */
static double off_db_fill(int pg, const char *path, const char *dsn, long cards)
{
    struct prefill_spec spec = {.domain = "cardx.test",
                                .senders = OFF_SIZE_USERS,
                                .recipients = OFF_SIZE_USERS,
                                .cards_spread = cards,
                                .driver = pg ? "postgresql" : NULL,
                                .dsn = pg ? dsn : NULL};
    double seconds;

    if (pg && off_pg_reset(dsn) < 0)
        return -1;
    if (!pg)
        off_sqlite_remove(path);
    if (prefill_db(path, &spec, &seconds) < 0)
        return -1;
    return off_db_bytes(pg, path, dsn);
}

/* Sizing: the database's bytes per million waiting cards of the bench's
 * card, from BENCH_SIZE_N cards, beside the same users with none. */
static int off_size(const struct bench_opts *o, int pg, const char *dsn)
{
    long n = bench_env_long("BENCH_SIZE_N", o->quick ? 2000 : OFF_SIZE_CARDS);
    char path[4096], labels[96];
    double empty, full;

    if (pg && (!dsn || !*dsn))
        return -1; /* off_cardxd() said so */
    snprintf(path, sizeof(path), "%s/cardx-bench-size-%ld.sqlite", o->diskdir,
             (long)getpid());
    empty = off_db_fill(pg, path, dsn, 0);
    full = empty < 0 ? -1 : off_db_fill(pg, path, dsn, n);
    if (!pg)
        off_sqlite_remove(path);
    if (empty < 0 || full < 0 || n <= 0) {
        bench_note("offline: database size on %s not measured",
                   pg ? "postgresql" : "sqlite");
        return -1;
    }
    snprintf(labels, sizeof(labels), "server=cardxd db=%s",
             pg ? "postgresql" : "sqlite");
    bench_report("offline", labels, "size_waiting_cards", (double)n);
    bench_report("offline", labels, "db_bytes_per_million_waiting",
                 (full - empty) / (double)n * OFF_SIZE_PER);
    return 0;
}

/* A source tree of one file, tests/integration/servers/ejabberd.sh being
 * bench/ejabberd-offline.sh, for the harness to run in place of the tests'
 * ejabberd. Returns the directory (caller frees), or NULL. */
static char *off_wrapper_tree(void)
{
    char *dir = strdup("/tmp/cardx-bench-ejabberd-XXXXXX");
    char path[4096], target[4096];

    if (!dir || !mkdtemp(dir)) {
        free(dir);
        return NULL;
    }
    snprintf(path, sizeof(path), "%s/tests", dir);
    mkdir(path, 0700);
    snprintf(path, sizeof(path), "%s/tests/integration", dir);
    mkdir(path, 0700);
    snprintf(path, sizeof(path), "%s/tests/integration/servers", dir);
    mkdir(path, 0700);
    snprintf(path, sizeof(path), "%s/tests/integration/servers/ejabberd.sh",
             dir);
    snprintf(target, sizeof(target), "%s/bench/ejabberd-offline.sh",
             off_srcdir());
    if (symlink(target, path) < 0) {
        free(dir);
        return NULL;
    }
    return dir;
}

static void off_wrapper_remove(char *dir)
{
    char path[4096];
    static const char *const parts[] = {
        "/tests/integration/servers/ejabberd.sh", "/tests/integration/servers",
        "/tests/integration", "/tests", ""};

    if (!dir)
        return;
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
        snprintf(path, sizeof(path), "%s%s", dir, parts[i]);
        if (i == 0)
            unlink(path);
        else
            rmdir(path);
    }
    free(dir);
}

/* Runs the wrapper with one command and its arguments. */
static int off_wrapper(const char *cmd, const char *a1, const char *a2)
{
    char script[4096];

    snprintf(script, sizeof(script), "%s/bench/ejabberd-offline.sh",
             off_srcdir());
    char *argv[] = {"/bin/bash", script,     (char *)cmd,
                    (char *)a1,  (char *)a2, NULL};
    return off_run(argv);
}

/* A chat message of about a card's size (the vCard of a sender). */
static char *off_message(long k, size_t pad)
{
    char *xml = NULL, *fill = malloc(pad + 1);

    if (!fill)
        return NULL;
    memset(fill, 'x', pad);
    fill[pad] = '\0';
    if (asprintf(&xml,
                 "<message to='r0@%s' type='chat' id='o%ld'>"
                 "<body>bench %ld %s</body></message>",
                 HARNESS_DOMAIN, k, k, fill) < 0)
        xml = NULL;
    free(fill);
    return xml;
}

/* Queues message k to r0 on s's connection. */
static int off_queue(struct xclient *s, long k, size_t pad)
{
    char *xml = off_message(k, pad);
    xmpp_stanza_t *st =
        xml ? xmpp_stanza_new_from_string(xclient_ctx(s), xml) : NULL;

    free(xml);
    if (!st)
        return -1;
    xmpp_send(xclient_conn(s), st);
    xmpp_stanza_release(st);
    return 0;
}

/* Sends n messages to r0 (offline), at most OFF_WINDOW queued at a time
 * (xclient_send() would wait for each), then a ping to the server: its
 * answer comes after ejabberd has handled (stored) every message before
 * it. */
static int off_peer_store(struct xclient *s, long n)
{
    char *card = prefill_vcard(0);
    size_t pad = card ? strlen(card) : 600;
    int64_t deadline = bench_now_ms() + OFF_TIMEOUT_MS;
    xmpp_stanza_t *ping;
    long k = 0;
    int rc;

    free(card);
    while (k < n || xmpp_conn_send_queue_len(xclient_conn(s)) > 0) {
        while (k < n && xmpp_conn_send_queue_len(xclient_conn(s)) < OFF_WINDOW)
            if (off_queue(s, k++, pad) < 0)
                return -1;
        if (xclient_pump(s, 1) < 0 || bench_now_ms() > deadline)
            return -1;
    }
    ping = xmpp_stanza_new_from_string(
        xclient_ctx(s), "<iq type='get' to='" HARNESS_DOMAIN "' id='sync'>"
                        "<ping xmlns='urn:xmpp:ping'/></iq>");
    if (!ping)
        return -1;
    rc = xclient_iq(s, ping, OFF_TIMEOUT_MS, NULL);
    xmpp_stanza_release(ping);
    return rc < 0 ? -1 : 0;
}

/* r0 sends its initial presence and reads messages until n arrived. */
static int off_peer_flush(struct xclient *r, long n)
{
    long got = 0;

    if (xclient_send_text(r, "<presence/>") < 0)
        return -1;
    while (got < n) {
        xmpp_stanza_t *m = NULL;
        xmpp_stanza_t *body;

        if (xclient_wait_message(r, OFF_TIMEOUT_MS, &m) < 0) {
            bench_note("offline: ejabberd flushed %ld of %ld messages", got, n);
            return -1;
        }
        body = xmpp_stanza_get_child_by_name(m, "body");
        if (body)
            got++;
        xmpp_stanza_release(m);
    }
    return 0;
}

/* Connects s0 and r0 (created first), times the store then the flush. */
static int off_peer_measure(struct harness *h, long n, int pg, int cpu,
                            struct off_figures *fig)
{
    struct xclient *s = NULL, *r = NULL;
    char *sj = harness_jid(h, "s0"), *rj = harness_jid(h, "r0");
    pid_t server = bench_find_pid_containing(harness_rundir(h), getpid());
    int64_t t0, c0, d0, d1;
    int rc = -1;

    if (!sj || !rj || server < 0 ||
        harness_register(h, "s0", OFF_PASSWORD) < 0 ||
        harness_register(h, "r0", OFF_PASSWORD) < 0 ||
        xclient_connect(sj, OFF_PASSWORD, "127.0.0.1", harness_c2s_port(h),
                        OFF_LOGIN_MS, &s) < 0)
        goto out;
    bench_pin(server, cpu);
    t0 = bench_now_ns();
    c0 = bench_cpu_us(server);
    d0 = pg ? off_pg_cpu_us() : -1;
    if (off_peer_store(s, n) < 0)
        goto out;
    fig->store_s = (double)(bench_now_ns() - t0) / 1e9;
    fig->store_cpu_us = (double)(bench_cpu_us(server) - c0);
    d1 = pg ? off_pg_cpu_us() : -1;
    fig->store_db_us = d0 >= 0 && d1 >= 0 ? (double)(d1 - d0) : -1;
    if (xclient_connect(rj, OFF_PASSWORD, "127.0.0.1", harness_c2s_port(h),
                        OFF_LOGIN_MS, &r) < 0)
        goto out;
    t0 = bench_now_ns();
    c0 = bench_cpu_us(server);
    d0 = pg ? off_pg_cpu_us() : -1;
    if (off_peer_flush(r, n) < 0)
        goto out;
    fig->flush_s = (double)(bench_now_ns() - t0) / 1e9;
    fig->flush_cpu_us = (double)(bench_cpu_us(server) - c0);
    d1 = pg ? off_pg_cpu_us() : -1;
    fig->flush_db_us = d0 >= 0 && d1 >= 0 ? (double)(d1 - d0) : -1;
    rc = 0;
out:
    xclient_disconnect_free(s);
    xclient_disconnect_free(r);
    free(sj);
    free(rj);
    return rc;
}

/* Sets name to value, keeping the old value in *old (caller frees). */
static void off_setenv(const char *name, const char *value, char **old)
{
    const char *was = getenv(name);

    *old = was ? strdup(was) : NULL;
    setenv(name, value, 1);
}

static void off_restore(const char *name, char *old)
{
    if (old)
        setenv(name, old, 1);
    else
        unsetenv(name);
    free(old);
}

/* ejabberd's mod_offline on db ("mnesia" or "pgsql"): n messages from s0
 * to r0, offline, then r0's initial presence. */
static int off_peer(const struct bench_opts *o, long n, const char *db)
{
    int pg = strcmp(db, "pgsql") == 0;
    const char *port = getenv("BENCH_PG_PORT");
    char *tree = NULL, *old_src, *old_server;
    struct off_figures fig = {.n = n};
    struct harness *h = NULL;
    char labels[96];
    int rc = -1;

    if (pg && (!port || !*port)) {
        bench_note("offline: ejabberd on PostgreSQL not measured: no "
                   "BENCH_PG_PORT (scripts/bench.sh starts one)");
        return 0;
    }
    if (pg && off_wrapper("check-pgsql", NULL, NULL) == OFF_MISSING) {
        bench_note("offline: ejabberd on PostgreSQL not measured");
        return 0;
    }
    if (pg && off_wrapper("pg-setup", port, OFF_EJABBERD_DB) != 0)
        return -1;
    if (!(tree = off_wrapper_tree()))
        return -1;
    bench_note("offline: ejabberd mod_offline on %s, %ld messages stored "
               "then flushed",
               db, n);
    setenv("BENCH_REAL_SRCDIR", off_srcdir(), 1);
    setenv("BENCH_EJABBERD_DB", db, 1);
    setenv("BENCH_EJABBERD_PG_DB", OFF_EJABBERD_DB, 1);
    if (pg)
        setenv("BENCH_EJABBERD_PG_PORT", port, 1);
    off_setenv("CARDX_SRCDIR", tree, &old_src);
    off_setenv("CARDX_SERVER", "ejabberd", &old_server);
    bench_pin(0, o->cpu_server);
    h = harness_new();
    if (h && harness_server_start(h) == 0 &&
        off_peer_measure(h, n, pg, o->cpu_cardxd, &fig) == 0) {
        snprintf(labels, sizeof(labels), "server=ejabberd db=%s",
                 pg ? "postgresql" : "mnesia");
        off_report(labels, &fig);
        rc = 0;
    }
    harness_free(h);
    off_restore("CARDX_SRCDIR", old_src);
    off_restore("CARDX_SERVER", old_server);
    off_wrapper_remove(tree);
    return rc;
}

int wl_offline(const struct bench_opts *o)
{
    long n = off_count(o);
    const char *driver = getenv("BENCH_DRIVER");
    int pg = driver && strcmp(driver, "postgresql") == 0;
    int rc = 0;

    if (off_cardxd(o, n) < 0)
        rc = -1;
    if (off_size(o, pg, getenv("BENCH_DSN")) < 0)
        rc = -1;
    /* BENCH_OFFLINE_PEERS=0: cardxd only (a second driver's run). */
    if (bench_env_long("BENCH_OFFLINE_PEERS", 1) == 0)
        return rc;
    if (off_peer(o, n, "mnesia") < 0)
        rc = -1;
    if (off_peer(o, n, "pgsql") < 0)
        rc = -1;
    return rc;
}
