/* Integration-test cluster: two ejabberd nodes, epmd and cardxd instances. */
#include "tests/integration/cluster.h"

#include "common/util.h"
#include "tests/integration/harness.h"
#include "tests/integration/xclient.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef SRCDIR
#define SRCDIR "."
#endif
#ifndef BUILDDIR
#define BUILDDIR "."
#endif

#define SCRIPT "ejabberd-cluster.sh"
#define PG_SCRIPT "postgresql.sh"
#define LINK_UP_PHRASE "component link up"
#define READY_PHRASE " is started in the node "
/* The exit status of a server script's "check" when the server is missing. */
#define SERVER_MISSING 3
#define POLL_MS 20
#define EPMD_MS 10000
/* Each node starts in 2-5 s alone; two at once on a loaded machine take
 * several times that. */
#define NODE_START_MS 90000
#define NODE_STOP_MS 15000
#define PORTS_CLOSE_MS 5000
/* The join copies Mnesia and restarts node 1's ejabberd (the script bounds
 * each of its Erlang calls at 90 s). */
#define JOIN_MS 200000
/* initdb and pg_ctl (postgresql.sh bounds each wait at 60 s). */
#define PG_MS 120000
#define SCRIPT_MS 30000
#define REGISTER_MS 10000
#define CARDXD_STOP_MS 10000

/* Which picked port is which. */
enum cluster_port {
    PORT_EPMD,
    PORT_DIST0,
    PORT_C2S0 = PORT_DIST0 + CLUSTER_NODES,
    PORT_COMP0 = PORT_C2S0 + CLUSTER_NODES,
    PORT_PG = PORT_COMP0 + CLUSTER_NODES,
    PORT_COUNT
};

/* A child process we started; pid 0 when there is none to collect. */
struct child {
    pid_t pid;
    int status; /* wait status once collected */
    int collected;
};

struct cluster {
    char *rundir;
    char secret[33];
    int ports[PORT_COUNT];
    int keep;
    int postgresql; /* $CARDX_STORE=postgresql */
    int pg_started;
    char *dsn; /* PostgreSQL's connection string once started */
    struct child epmd;
    struct child node[CLUSTER_NODES];
    struct child cardxd[CLUSTER_NODES];
    int link_ups_at_start[CLUSTER_NODES];
    char *cardxd_extra; /* INI text appended to each cardxd.conf */
};

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

    nanosleep(&ts, NULL);
}

static const char *srcdir(void)
{
    const char *dir = getenv("CARDX_SRCDIR");

    return dir && *dir ? dir : SRCDIR;
}

static const char *builddir(void)
{
    const char *dir = getenv("CARDX_BUILDDIR");

    return dir && *dir ? dir : BUILDDIR;
}

/* Returns a malloc'd "rundir/name", or NULL. */
static char *run_path(const struct cluster *c, const char *name)
{
    char *path;

    if (asprintf(&path, "%s/%s", c->rundir, name) < 0)
        return NULL;
    return path;
}

/* Returns a malloc'd path of a script in tests/integration/servers/. */
static char *script_path(const char *name)
{
    char *path;

    if (asprintf(&path, "%s/tests/integration/servers/%s", srcdir(), name) < 0)
        return NULL;
    return path;
}

/* Binds 127.0.0.1:port; -1 if taken. */
static int bind_port(int port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons((unsigned short)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (fd < 0)
        return -1;
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Picks PORT_COUNT distinct free ports below Linux's ephemeral range, as the
 * harness does, so that outgoing connections cannot take them. */
static int pick_ports(struct cluster *c)
{
    int fds[PORT_COUNT];
    int found = 0, dup;
    unsigned short r;

    for (int tries = 0; tries < 1000 && found < PORT_COUNT; tries++) {
        if (getrandom(&r, sizeof(r), 0) != sizeof(r))
            break;
        c->ports[found] = 20000 + r % 12000;
        dup = 0;
        for (int i = 0; i < found; i++)
            dup |= c->ports[i] == c->ports[found];
        if (dup)
            continue;
        fds[found] = bind_port(c->ports[found]);
        if (fds[found] >= 0)
            found++;
    }
    for (int i = 0; i < found; i++)
        close(fds[i]);
    if (found < PORT_COUNT) {
        fprintf(stderr, "cluster: no free loopback ports found\n");
        return -EADDRINUSE;
    }
    return 0;
}

static int make_secret(struct cluster *c)
{
    unsigned char raw[16];

    if (getrandom(raw, sizeof(raw), 0) != sizeof(raw))
        return -errno;
    for (size_t i = 0; i < sizeof(raw); i++)
        snprintf(c->secret + 2 * i, 3, "%02x", raw[i]);
    return 0;
}

/* Collects the child without blocking; 1 once it is gone. */
static int child_gone(struct child *ch)
{
    pid_t r;

    if (ch->collected || ch->pid <= 0)
        return 1;
    r = waitpid(ch->pid, &ch->status, WNOHANG);
    if (r == ch->pid || (r < 0 && errno == ECHILD)) {
        ch->collected = 1;
        ch->pid = 0;
        return 1;
    }
    return 0;
}

/* Sends sig, waits up to wait_ms for the exit, then SIGKILLs and reaps. */
static void child_stop(struct child *ch, int sig, int wait_ms, const char *name)
{
    long long deadline = clock_now_ms() + wait_ms;

    if (child_gone(ch))
        return;
    kill(ch->pid, sig);
    while (!child_gone(ch) && clock_now_ms() < deadline)
        sleep_ms(POLL_MS);
    if (child_gone(ch))
        return;
    fprintf(stderr,
            "cluster: %s (pid %d) still running after %d ms; "
            "killing it\n",
            name, (int)ch->pid, wait_ms);
    kill(ch->pid, SIGKILL);
    if (waitpid(ch->pid, &ch->status, 0) < 0)
        ch->status = 0;
    ch->collected = 1;
    ch->pid = 0;
}

/* Forks and execs argv with output appended to log_path (NULL: inherited),
 * in its own process group and killed when this process dies. */
static int spawn(struct child *ch, char *const argv[], const char *log_path)
{
    pid_t parent = getpid(), pid;
    int log_fd = -1, null_fd;

    if (log_path) {
        log_fd =
            open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (log_fd < 0) {
            fprintf(stderr, "cluster: %s: %s\n", log_path, strerror(errno));
            return -errno;
        }
    }
    pid = fork();
    if (pid < 0) {
        int err = -errno;

        if (log_fd >= 0)
            close(log_fd);
        return err;
    }
    if (pid == 0) {
        /* Only async-signal-safe calls until exec. */
        setpgid(0, 0);
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
            _exit(127);
        null_fd = open("/dev/null", O_RDONLY);
        if (null_fd < 0 || dup2(null_fd, 0) < 0)
            _exit(127);
        if (log_fd >= 0 && (dup2(log_fd, 1) < 0 || dup2(log_fd, 2) < 0))
            _exit(127);
        execvp(argv[0], argv);
        _exit(127);
    }
    if (log_fd >= 0)
        close(log_fd);
    ch->pid = pid;
    ch->status = 0;
    ch->collected = 0;
    return 0;
}

/* Runs argv to completion within limit_ms, output appended to log_path
 * (NULL: inherited). Returns its exit status (0..255), or a negative errno
 * value when it could not run, was killed or ran over. */
static int run_status(char *const argv[], const char *log_path, int limit_ms)
{
    struct child ch = {0};
    long long deadline = clock_now_ms() + limit_ms;
    int rc = spawn(&ch, argv, log_path);

    if (rc < 0)
        return rc;
    while (!child_gone(&ch) && clock_now_ms() < deadline)
        sleep_ms(POLL_MS);
    if (!ch.collected) {
        fprintf(stderr, "cluster: %s %s timed out\n", argv[1], argv[2]);
        /* Its own process group: the Erlang or pg_ctl it runs goes too. */
        kill(-ch.pid, SIGKILL);
        child_stop(&ch, SIGKILL, 0, argv[1]);
        return -ETIMEDOUT;
    }
    if (!WIFEXITED(ch.status)) {
        fprintf(stderr, "cluster: %s %s failed (wait status %d)\n", argv[1],
                argv[2], ch.status);
        return -EIO;
    }
    return WEXITSTATUS(ch.status);
}

/* As run_status(); 0 only when it exited with status 0. */
static int run_ok(char *const argv[], const char *log_path, int limit_ms)
{
    int rc = run_status(argv, log_path, limit_ms);

    if (rc > 0) {
        fprintf(stderr, "cluster: %s %s failed (exit status %d)%s%s\n", argv[1],
                argv[2], rc, log_path ? "; see " : "",
                log_path ? log_path : "");
        return -EIO;
    }
    return rc;
}

/* Runs a server script's "check"; 0 when its server is installed. Missing:
 * exits HARNESS_EXIT_SKIP, or fails with $CARDX_REQUIRE_SERVERS=1. */
static int require_server(const char *script_name)
{
    const char *require = getenv("CARDX_REQUIRE_SERVERS");
    char *script = script_path(script_name);
    int rc;

    if (!script)
        return -ENOMEM;
    char *argv[] = {"/bin/bash", script, "check", NULL};
    rc = run_status(argv, NULL, SCRIPT_MS);
    free(script);
    if (rc != SERVER_MISSING)
        return rc > 0 ? -EIO : rc;
    if (require && strcmp(require, "1") == 0) {
        fprintf(stderr,
                "cluster: %s says its server is missing and "
                "CARDX_REQUIRE_SERVERS=1: failing\n",
                script_name);
        return -ENOENT;
    }
    fprintf(stderr, "cluster: SKIP: %s says its server is missing\n",
            script_name);
    exit(HARNESS_EXIT_SKIP);
}

/* Reads $CARDX_STORE: "sqlite" (the default) or "postgresql". */
static int store_from_env(struct cluster *c)
{
    const char *store = getenv("CARDX_STORE");

    if (!store || !*store || strcmp(store, "sqlite") == 0)
        return 0;
    if (strcmp(store, "postgresql") == 0) {
        c->postgresql = 1;
        return 0;
    }
    fprintf(stderr,
            "cluster: unknown CARDX_STORE '%s' (sqlite or "
            "postgresql)\n",
            store);
    return -EINVAL;
}

struct cluster *cluster_new(void)
{
    struct cluster *c = calloc(1, sizeof(*c));
    const char *tmp = getenv("TMPDIR");

    if (!c)
        return NULL;
    if (store_from_env(c) < 0 || require_server(SCRIPT) < 0 ||
        (c->postgresql && require_server(PG_SCRIPT) < 0)) {
        free(c);
        return NULL;
    }
    if (asprintf(&c->rundir, "%s/cardx-cluster-XXXXXX",
                 tmp && *tmp ? tmp : "/tmp") < 0) {
        c->rundir = NULL;
        goto fail;
    }
    if (!mkdtemp(c->rundir)) {
        fprintf(stderr, "cluster: mkdtemp %s: %s\n", c->rundir,
                strerror(errno));
        goto fail;
    }
    if (pick_ports(c) < 0 || make_secret(c) < 0)
        goto fail;
    fprintf(stderr,
            "cluster: run dir %s, %s, epmd port %d, c2s ports %d %d, "
            "component ports %d %d\n",
            c->rundir, c->postgresql ? "postgresql" : "sqlite",
            c->ports[PORT_EPMD], c->ports[PORT_C2S0], c->ports[PORT_C2S0 + 1],
            c->ports[PORT_COMP0], c->ports[PORT_COMP0 + 1]);
    return c;
fail:
    if (c->rundir)
        rmdir(c->rundir);
    free(c->rundir);
    free(c);
    return NULL;
}

/* Writes node's config through the script. */
static int node_config(struct cluster *c, int node)
{
    char n[16], epmd[16], dist[16], c2s[16], comp[16];
    char *script = script_path(SCRIPT);
    int rc;

    if (!script)
        return -ENOMEM;
    /* The script numbers nodes from 1. */
    snprintf(n, sizeof(n), "%d", node + 1);
    snprintf(epmd, sizeof(epmd), "%d", c->ports[PORT_EPMD]);
    snprintf(dist, sizeof(dist), "%d", c->ports[PORT_DIST0 + node]);
    snprintf(c2s, sizeof(c2s), "%d", c->ports[PORT_C2S0 + node]);
    snprintf(comp, sizeof(comp), "%d", c->ports[PORT_COMP0 + node]);
    char *argv[] = {"/bin/bash",
                    script,
                    "config",
                    c->rundir,
                    n,
                    epmd,
                    dist,
                    c2s,
                    comp,
                    HARNESS_DOMAIN,
                    HARNESS_COMPONENT_DOMAIN,
                    c->secret,
                    NULL};
    rc = run_ok(argv, NULL, SCRIPT_MS);
    free(script);
    return rc;
}

/* Forks "script WHAT RUNDIR [N]" (epmd or a node) with output to out. */
static int spawn_script(struct cluster *c, struct child *ch, const char *what,
                        int node, const char *out)
{
    char *script = script_path(SCRIPT), *log = run_path(c, out);
    char n[16];
    int rc = -ENOMEM;

    snprintf(n, sizeof(n), "%d", node + 1);
    if (script && log) {
        char *argv[] = {"/bin/bash",          script, (char *)what, c->rundir,
                        node >= 0 ? n : NULL, NULL};
        rc = spawn(ch, argv, log);
    }
    free(script);
    free(log);
    return rc;
}

/* How many ready lines node's log holds; 0 without a log. */
static int node_ready_lines(const struct cluster *c, int node)
{
    char name[64], line[4096], *path;
    FILE *f;
    int n = 0;

    snprintf(name, sizeof(name), "node%d/ejabberd.log", node + 1);
    path = run_path(c, name);
    f = path ? fopen(path, "r") : NULL;
    free(path);
    if (!f)
        return 0;
    while (fgets(line, sizeof(line), f))
        if (strstr(line, READY_PHRASE))
            n++;
    fclose(f);
    return n;
}

/* Waits until each node has logged that it serves and opened its ports. */
static int wait_nodes_ready(struct cluster *c)
{
    long long deadline = clock_now_ms() + NODE_START_MS;
    int ready;

    while (clock_now_ms() < deadline) {
        ready = 0;
        for (int i = 0; i < CLUSTER_NODES; i++) {
            if (child_gone(&c->node[i])) {
                fprintf(stderr,
                        "cluster: node %d exited during startup (wait "
                        "status %d); see %s/node%d/\n",
                        i, c->node[i].status, c->rundir, i + 1);
                return -ECHILD;
            }
            ready += node_ready_lines(c, i) > 0 &&
                     harness_port_open(c->ports[PORT_C2S0 + i]) &&
                     harness_port_open(c->ports[PORT_COMP0 + i]);
        }
        if (ready == CLUSTER_NODES)
            return 0;
        sleep_ms(POLL_MS);
    }
    fprintf(stderr, "cluster: the nodes did not serve within %d ms\n",
            NODE_START_MS);
    return -ETIMEDOUT;
}

static int epmd_start(struct cluster *c)
{
    long long deadline = clock_now_ms() + EPMD_MS;
    int rc = spawn_script(c, &c->epmd, "epmd", -1, "epmd.out");

    if (rc < 0)
        return rc;
    while (!harness_port_open(c->ports[PORT_EPMD])) {
        if (child_gone(&c->epmd) || clock_now_ms() >= deadline) {
            fprintf(stderr, "cluster: epmd did not listen (see %s/epmd.out)\n",
                    c->rundir);
            return -ETIMEDOUT;
        }
        sleep_ms(POLL_MS);
    }
    return 0;
}

/* Node 1 joins node 0's cluster; the script waits until node 1 serves again
 * and both nodes list each other. */
static int cluster_join(struct cluster *c)
{
    char *script = script_path(SCRIPT), *log = run_path(c, "join.out");
    int rc = -ENOMEM;

    if (script && log) {
        char *argv[] = {"/bin/bash", script, "join", c->rundir, NULL};
        rc = run_ok(argv, log, JOIN_MS);
    }
    free(script);
    free(log);
    return rc;
}

/* Reads the first line of what argv prints (within SCRIPT_MS) into a
 * malloc'd string at *out. */
static int run_capture(const struct cluster *c, char *const argv[], char **out)
{
    char *path = run_path(c, "capture.out");
    char line[1024] = "";
    FILE *f;
    int rc;

    *out = NULL;
    if (!path)
        return -ENOMEM;
    unlink(path);
    rc = run_ok(argv, path, SCRIPT_MS);
    f = rc == 0 ? fopen(path, "r") : NULL;
    if (rc == 0 && (!f || !fgets(line, sizeof(line), f)))
        rc = -EIO;
    if (f)
        fclose(f);
    unlink(path);
    free(path);
    line[strcspn(line, "\n")] = '\0';
    if (rc == 0 && !(*out = strdup(line)))
        rc = -ENOMEM;
    return rc;
}

/* Starts the throwaway PostgreSQL in RUNDIR/pg and learns its dsn. */
static int pg_start(struct cluster *c)
{
    char *script = script_path(PG_SCRIPT);
    char port[16];
    int rc = -ENOMEM;

    snprintf(port, sizeof(port), "%d", c->ports[PORT_PG]);
    if (!script)
        goto out;
    char *start[] = {"/bin/bash", script, "start", c->rundir, port, NULL};
    rc = run_ok(start, NULL, PG_MS);
    if (rc < 0)
        goto out;
    c->pg_started = 1;
    char *dsn[] = {"/bin/bash", script, "dsn", c->rundir, NULL};
    rc = run_capture(c, dsn, &c->dsn);
out:
    free(script);
    return rc;
}

static void pg_stop(struct cluster *c)
{
    char *script = script_path(PG_SCRIPT);

    if (!c->pg_started || !script) {
        free(script);
        return;
    }
    char *argv[] = {"/bin/bash", script, "stop", c->rundir, NULL};
    run_ok(argv, NULL, PG_MS);
    c->pg_started = 0;
    free(script);
}

int cluster_start(struct cluster *c)
{
    int rc;

    if (!child_gone(&c->epmd))
        return -EALREADY;
    if (c->postgresql && (rc = pg_start(c)) < 0)
        return rc;
    for (int i = 0; i < CLUSTER_NODES; i++)
        if ((rc = node_config(c, i)) < 0)
            return rc;
    rc = epmd_start(c);
    if (rc < 0)
        return rc;
    for (int i = 0; i < CLUSTER_NODES; i++) {
        char out[64];

        snprintf(out, sizeof(out), "node%d/ejabberd.out", i + 1);
        if ((rc = spawn_script(c, &c->node[i], "run", i, out)) < 0)
            return rc;
    }
    rc = wait_nodes_ready(c);
    if (rc == 0)
        rc = cluster_join(c);
    if (rc < 0)
        fprintf(stderr, "cluster: see %s/node1/, node2/, join.out\n",
                c->rundir);
    return rc;
}

int cluster_c2s_port(const struct cluster *c, int node)
{
    return c->ports[PORT_C2S0 + node];
}

int cluster_component_port(const struct cluster *c, int node)
{
    return c->ports[PORT_COMP0 + node];
}

int cluster_register(struct cluster *c, int node, const char *user,
                     const char *password)
{
    char *jid;
    int rc;

    if (asprintf(&jid, "%s@%s", user, HARNESS_DOMAIN) < 0)
        return -ENOMEM;
    rc = xclient_register_account(jid, password, "127.0.0.1",
                                  cluster_c2s_port(c, node), REGISTER_MS);
    if (rc < 0)
        fprintf(stderr, "cluster: registration of %s on node %d failed: %d\n",
                jid, node, rc);
    free(jid);
    return rc;
}

int cluster_cardxd_config_append(struct cluster *c, const char *ini)
{
    char *joined;

    if (asprintf(&joined, "%s%s\n", c->cardxd_extra ? c->cardxd_extra : "",
                 ini) < 0)
        return -ENOMEM;
    free(c->cardxd_extra);
    c->cardxd_extra = joined;
    return 0;
}

/* Writes instance i's config: node i's component port, the shared store. */
static int write_cardxd_config(struct cluster *c, int i, const char *path)
{
    FILE *f = fopen(path, "w");
    int rc;

    /* Private, as an admin keeps it: cardxd warns about any other mode. */
    if (f && fchmod(fileno(f), 0600) < 0) {
        fclose(f);
        f = NULL;
    }
    if (!f) {
        fprintf(stderr, "cluster: %s: %s\n", path, strerror(errno));
        return -errno;
    }
    fprintf(f,
            "; written by the test cluster for instance %d\n"
            "[component]\n"
            "domain = %s\nsecret = %s\nhost = 127.0.0.1\nport = %d\n"
            "reconnect_min = 100\nreconnect_max = 1000\n",
            i, HARNESS_COMPONENT_DOMAIN, c->secret,
            cluster_component_port(c, i));
    if (c->postgresql)
        fprintf(f, "[storage]\ndriver = postgresql\ndsn = %s\n", c->dsn);
    else
        fprintf(f, "[storage]\ndatabase = %s/cardxd.sqlite\n", c->rundir);
    fprintf(f,
            "[log]\nlevel = debug\n"
            "[phone]\ndefault_region = CN\n"
            "[language]\nlocale_dir = %s/po/locale\n"
            "[verify]\nmethod = none\n"
            /* Named, so that the database and the logs tell them apart. */
            "[cluster]\ninstance = cardxd-%d\n",
            builddir(), i);
    if (c->cardxd_extra)
        fputs(c->cardxd_extra, f);
    rc = ferror(f) ? -EIO : 0;
    if (fclose(f) != 0)
        rc = -EIO;
    return rc;
}

int cluster_cardxd_log_count(struct cluster *c, int i, const char *phrase)
{
    char name[32], line[4096], *path;
    FILE *f;
    int n = 0;

    snprintf(name, sizeof(name), "cardxd-%d.log", i);
    path = run_path(c, name);
    if (!path)
        return -ENOMEM;
    f = fopen(path, "r");
    free(path);
    if (!f)
        return errno == ENOENT ? 0 : -errno;
    while (fgets(line, sizeof(line), f))
        if (strstr(line, phrase))
            n++;
    fclose(f);
    return n;
}

int cluster_cardxd_start(struct cluster *c, int i)
{
    char name[32], *conf, *log, *prog = NULL;
    int rc = -ENOMEM;

    if (!child_gone(&c->cardxd[i]))
        return -EALREADY;
    snprintf(name, sizeof(name), "cardxd-%d.conf", i);
    conf = run_path(c, name);
    snprintf(name, sizeof(name), "cardxd-%d.log", i);
    log = run_path(c, name);
    if (!conf || !log ||
        asprintf(&prog, "%s/component/cardxd", builddir()) < 0) {
        prog = NULL;
        goto out;
    }
    rc = write_cardxd_config(c, i, conf);
    if (rc < 0)
        goto out;
    rc = cluster_cardxd_log_count(c, i, LINK_UP_PHRASE);
    if (rc < 0)
        goto out;
    c->link_ups_at_start[i] = rc;
    char *argv[] = {prog, "-c", conf, NULL};
    rc = spawn(&c->cardxd[i], argv, log);
out:
    free(conf);
    free(log);
    free(prog);
    return rc;
}

int cluster_cardxd_kill(struct cluster *c, int i, int sig)
{
    char name[32];

    snprintf(name, sizeof(name), "cardxd %d", i);
    child_stop(&c->cardxd[i], sig, CARDXD_STOP_MS, name);
    if (!c->cardxd[i].collected)
        return -ECHILD;
    c->cardxd[i].collected = 0; /* hand the status out once */
    return c->cardxd[i].status;
}

int cluster_cardxd_running(struct cluster *c, int i)
{
    return !child_gone(&c->cardxd[i]);
}

int cluster_cardxd_wait_connected(struct cluster *c, int i, int timeout_ms)
{
    long long deadline = clock_now_ms() + timeout_ms;
    int ups;

    for (;;) {
        ups = cluster_cardxd_log_count(c, i, LINK_UP_PHRASE);
        if (ups < 0)
            return ups;
        if (ups > c->link_ups_at_start[i])
            return 0;
        if (child_gone(&c->cardxd[i])) {
            fprintf(stderr,
                    "cluster: cardxd %d is not running (see "
                    "%s/cardxd-%d.log)\n",
                    i, c->rundir, i);
            return -ECHILD;
        }
        if (clock_now_ms() >= deadline) {
            fprintf(stderr, "cluster: cardxd %d did not attach within %d ms\n",
                    i, timeout_ms);
            return -ETIMEDOUT;
        }
        sleep_ms(POLL_MS);
    }
}

static int remove_entry(const char *path, const struct stat *st, int flag,
                        struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    if (remove(path) < 0)
        fprintf(stderr, "cluster: remove %s: %s\n", path, strerror(errno));
    return 0;
}

/* Waits until none of the ports accepts connections any more. */
static void wait_ports_closed(const struct cluster *c)
{
    long long deadline = clock_now_ms() + PORTS_CLOSE_MS;
    int open;

    do {
        open = 0;
        for (int p = 0; p < PORT_PG; p++)
            open |= harness_port_open(c->ports[p]);
        if (open)
            sleep_ms(POLL_MS);
    } while (open && clock_now_ms() < deadline);
}

void cluster_keep_rundir(struct cluster *c)
{
    c->keep = 1;
}

void cluster_free(struct cluster *c)
{
    const char *keep_env;

    if (!c)
        return;
    for (int i = 0; i < CLUSTER_NODES; i++)
        child_stop(&c->cardxd[i], SIGTERM, CARDXD_STOP_MS, "cardxd");
    /* Node 1 first: it joined node 0. SIGTERM shuts a node down cleanly. */
    for (int i = CLUSTER_NODES - 1; i >= 0; i--)
        child_stop(&c->node[i], SIGTERM, NODE_STOP_MS, "ejabberd node");
    child_stop(&c->epmd, SIGTERM, NODE_STOP_MS, "epmd");
    wait_ports_closed(c);
    pg_stop(c);
    keep_env = getenv("CARDX_KEEP_RUNDIR");
    if (c->keep || (keep_env && *keep_env))
        fprintf(stderr, "cluster: kept run dir %s\n", c->rundir);
    else
        nftw(c->rundir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(c->cardxd_extra);
    free(c->dsn);
    free(c->rundir);
    free(c);
}

const char *cluster_rundir(const struct cluster *c)
{
    return c->rundir;
}
