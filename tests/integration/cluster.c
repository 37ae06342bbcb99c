/* Integration-test cluster: two ejabberd nodes, epmd and cardxd instances. */
#include "tests/integration/cluster.h"

#include "common/util.h"
#include "tests/integration/harness.h"
#include "tests/integration/proc.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SCRIPT "ejabberd-cluster.sh"
#define READY_PHRASE " is started in the node "
#define EPMD_MS 10000
/* Each node starts in 2-5 s alone; two at once on a loaded machine take
 * several times that. */
#define NODE_START_MS 90000
#define NODE_STOP_MS 15000
/* The join copies Mnesia and restarts node 1's ejabberd (the script bounds
 * each of its Erlang calls at 90 s). */
#define JOIN_MS 200000
/* initdb and pg_ctl (postgresql.sh bounds each wait at 60 s). */
#define PG_MS 120000

/* Which picked port is which. */
enum cluster_port {
    PORT_EPMD,
    PORT_DIST0,
    PORT_C2S0 = PORT_DIST0 + CLUSTER_NODES,
    PORT_COMP0 = PORT_C2S0 + CLUSTER_NODES,
    PORT_PG = PORT_COMP0 + CLUSTER_NODES,
    PORT_COUNT
};

struct cluster {
    char *rundir;
    char secret[PROC_SECRET_SIZE];
    int ports[PORT_COUNT];
    int keep;
    int postgresql; /* $CARDX_STORE=postgresql */
    int pg_started;
    char *dsn; /* PostgreSQL's connection string once started */
    struct proc_child epmd;
    struct proc_child node[CLUSTER_NODES];
    struct proc_child cardxd[CLUSTER_NODES];
    int link_ups_at_start[CLUSTER_NODES];
    char *cardxd_extra; /* INI text appended to each cardxd.conf */
};

/* Returns a malloc'd "rundir/name", or NULL. */
static char *run_path(const struct cluster *c, const char *name)
{
    return proc_path(c->rundir, name);
}

struct cluster *cluster_new(void)
{
    struct cluster *c = calloc(1, sizeof(*c));
    int store;

    if (!c)
        return NULL;
    store = proc_store_pg();
    c->postgresql = store > 0;
    if (store < 0 || proc_require(SCRIPT, "ejabberd (with Erlang)") < 0 ||
        (c->postgresql && proc_require(PROC_PG_SCRIPT, "PostgreSQL") < 0)) {
        free(c);
        return NULL;
    }
    c->rundir = proc_rundir_make("cardx-cluster");
    if (!c->rundir)
        goto fail;
    if (proc_pick_ports(c->ports, PORT_COUNT) < 0 ||
        proc_make_secret(c->secret) < 0)
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
    char *script = proc_script_path(SCRIPT);
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
    rc = proc_run_ok(argv, NULL, PROC_SCRIPT_MS);
    free(script);
    return rc;
}

/* Forks "script WHAT RUNDIR [N]" (epmd or a node) with output to out. */
static int spawn_script(struct cluster *c, struct proc_child *ch,
                        const char *what, int node, const char *out)
{
    char *script = proc_script_path(SCRIPT), *log = run_path(c, out);
    char n[16];
    int rc = -ENOMEM;

    snprintf(n, sizeof(n), "%d", node + 1);
    if (script && log) {
        char *argv[] = {"/bin/bash",          script, (char *)what, c->rundir,
                        node >= 0 ? n : NULL, NULL};
        rc = proc_spawn(ch, argv, log);
    }
    free(script);
    free(log);
    return rc;
}

/* How many ready lines node's log holds; 0 without a log. */
static int node_ready_lines(const struct cluster *c, int node)
{
    char name[64], *path;
    int n;

    snprintf(name, sizeof(name), "node%d/ejabberd.log", node + 1);
    path = run_path(c, name);
    n = path ? proc_log_count(path, READY_PHRASE) : 0;
    free(path);
    return n > 0 ? n : 0;
}

/* Waits until each node has logged that it serves and opened its ports. */
static int wait_nodes_ready(struct cluster *c)
{
    long long deadline = clock_now_ms() + NODE_START_MS;
    int ready;

    while (clock_now_ms() < deadline) {
        ready = 0;
        for (int i = 0; i < CLUSTER_NODES; i++) {
            if (proc_child_gone(&c->node[i])) {
                fprintf(stderr,
                        "cluster: node %d exited during startup (wait "
                        "status %d); see %s/node%d/\n",
                        i, c->node[i].status, c->rundir, i + 1);
                return -ECHILD;
            }
            ready += node_ready_lines(c, i) > 0 &&
                     proc_port_open(c->ports[PORT_C2S0 + i]) &&
                     proc_port_open(c->ports[PORT_COMP0 + i]);
        }
        if (ready == CLUSTER_NODES)
            return 0;
        proc_sleep_ms(PROC_POLL_MS);
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
    while (!proc_port_open(c->ports[PORT_EPMD])) {
        if (proc_child_gone(&c->epmd) || clock_now_ms() >= deadline) {
            fprintf(stderr, "cluster: epmd did not listen (see %s/epmd.out)\n",
                    c->rundir);
            return -ETIMEDOUT;
        }
        proc_sleep_ms(PROC_POLL_MS);
    }
    return 0;
}

/* Node 1 joins node 0's cluster; the script waits until node 1 serves again
 * and both nodes list each other. */
static int cluster_join(struct cluster *c)
{
    char *script = proc_script_path(SCRIPT), *log = run_path(c, "join.out");
    int rc = -ENOMEM;

    if (script && log) {
        char *argv[] = {"/bin/bash", script, "join", c->rundir, NULL};
        rc = proc_run_ok(argv, log, JOIN_MS);
    }
    free(script);
    free(log);
    return rc;
}

/* Reads the first line of what argv prints (within PROC_SCRIPT_MS) into a
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
    rc = proc_run_ok(argv, path, PROC_SCRIPT_MS);
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
    char *script = proc_script_path(PROC_PG_SCRIPT);
    char port[16];
    int rc = -ENOMEM;

    snprintf(port, sizeof(port), "%d", c->ports[PORT_PG]);
    if (!script)
        goto out;
    char *start[] = {"/bin/bash", script, "start", c->rundir, port, NULL};
    rc = proc_run_ok(start, NULL, PG_MS);
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
    char *script = proc_script_path(PROC_PG_SCRIPT);

    if (!c->pg_started || !script) {
        free(script);
        return;
    }
    char *argv[] = {"/bin/bash", script, "stop", c->rundir, NULL};
    proc_run_ok(argv, NULL, PG_MS);
    c->pg_started = 0;
    free(script);
}

int cluster_start(struct cluster *c)
{
    int rc;

    if (!proc_child_gone(&c->epmd))
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
    return proc_register(user, password, cluster_c2s_port(c, node));
}

int cluster_cardxd_config_append(struct cluster *c, const char *ini)
{
    return proc_ini_append(&c->cardxd_extra, ini);
}

/* Writes instance i's config: node i's component port, the shared store. */
static int write_cardxd_config(struct cluster *c, int i, const char *path)
{
    char title[64], instance[32];
    struct proc_cardxd_conf conf = {.title = title,
                                    .secret = c->secret,
                                    .port = cluster_component_port(c, i),
                                    .rundir = c->rundir,
                                    .dsn = c->postgresql ? c->dsn : NULL,
                                    .instance = instance,
                                    .extra = c->cardxd_extra};

    snprintf(title, sizeof(title), "the test cluster for instance %d", i);
    snprintf(instance, sizeof(instance), "cardxd-%d", i);
    return proc_cardxd_conf_write(path, &conf);
}

/* The path of instance i's file cardxd-I.suffix; the caller frees it. */
static char *instance_path(const struct cluster *c, int i, const char *suffix)
{
    char name[32];

    snprintf(name, sizeof(name), "cardxd-%d.%s", i, suffix);
    return run_path(c, name);
}

int cluster_cardxd_log_count(struct cluster *c, int i, const char *phrase)
{
    char *path = instance_path(c, i, "log");
    int n = path ? proc_log_count(path, phrase) : -ENOMEM;

    free(path);
    return n;
}

int cluster_cardxd_start(struct cluster *c, int i)
{
    char *conf = instance_path(c, i, "conf"), *log = instance_path(c, i, "log");
    int rc = -ENOMEM;

    if (!proc_child_gone(&c->cardxd[i])) {
        rc = -EALREADY;
        goto out;
    }
    if (!conf || !log)
        goto out;
    rc = write_cardxd_config(c, i, conf);
    if (rc < 0)
        goto out;
    rc = proc_log_count(log, PROC_LINK_UP_PHRASE);
    if (rc < 0)
        goto out;
    c->link_ups_at_start[i] = rc;
    rc = proc_cardxd_spawn(&c->cardxd[i], conf, log);
out:
    free(conf);
    free(log);
    return rc;
}

int cluster_cardxd_kill(struct cluster *c, int i, int sig)
{
    char name[32];

    snprintf(name, sizeof(name), "cardxd %d", i);
    return proc_child_reap(&c->cardxd[i], sig, PROC_CARDXD_STOP_MS, name);
}

int cluster_cardxd_running(struct cluster *c, int i)
{
    return !proc_child_gone(&c->cardxd[i]);
}

int cluster_cardxd_wait_connected(struct cluster *c, int i, int timeout_ms)
{
    char *log = instance_path(c, i, "log");
    int rc = log ? proc_wait_log(log, &c->cardxd[i], PROC_LINK_UP_PHRASE,
                                 c->link_ups_at_start[i] + 1, timeout_ms)
                 : -ENOMEM;

    free(log);
    return rc;
}

void cluster_keep_rundir(struct cluster *c)
{
    c->keep = 1;
}

void cluster_free(struct cluster *c)
{
    if (!c)
        return;
    for (int i = 0; i < CLUSTER_NODES; i++)
        proc_child_stop(&c->cardxd[i], SIGTERM, PROC_CARDXD_STOP_MS, "cardxd");
    /* Node 1 first: it joined node 0. SIGTERM shuts a node down cleanly. */
    for (int i = CLUSTER_NODES - 1; i >= 0; i--)
        proc_child_stop(&c->node[i], SIGTERM, NODE_STOP_MS, "ejabberd node");
    proc_child_stop(&c->epmd, SIGTERM, NODE_STOP_MS, "epmd");
    /* All but PostgreSQL's, which pg_stop() waits for. */
    proc_wait_ports_closed(c->ports, PORT_PG);
    pg_stop(c);
    if (proc_rundir_remove(c->rundir, c->keep))
        fprintf(stderr, "cluster: kept run dir %s\n", c->rundir);
    free(c->cardxd_extra);
    free(c->dsn);
    free(c->rundir);
    free(c);
}

const char *cluster_rundir(const struct cluster *c)
{
    return c->rundir;
}
