/* Integration-test harness: throwaway XMPP server and cardxd processes. */
#include "common/util.h"
#include "tests/integration/harness.h"
#include "tests/integration/proc.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What differs between the servers the harness runs. Both are driven by
 * tests/integration/servers/NAME.sh: "config" writes the config, "run" execs
 * the server in the foreground. */
struct server_kind {
    enum harness_server id;
    const char *name;         /* as in $CARDX_SERVER and the script's name */
    const char *label;        /* for messages */
    const char *log;          /* the server's own log, in the run dir */
    const char *out;          /* its stdout and stderr, in the run dir */
    const char *ready_phrase; /* in log once it serves; NULL: ports suffice */
    int start_ms;             /* bounds the start */
    int stop_ms;              /* bounds a clean stop before SIGKILL */
};

static const struct server_kind server_kinds[] = {
    {HARNESS_PROSODY, "prosody", "Prosody", "prosody.log", "prosody.out", NULL,
     10000, 5000},
    /* Starts in 2-5 s (Mnesia tables are created on the first start) and
     * takes about 3 s to stop cleanly. */
    {HARNESS_EJABBERD, "ejabberd", "ejabberd", "ejabberd.log", "ejabberd.out",
     " is started in the node ", 30000, 15000},
    /* Generates two RSA certificates at its first start. */
    {HARNESS_PROSODY_STOCK, "prosody-stock", "Prosody (Debian stock config)",
     "prosody.log", "prosody.out", NULL, 20000, 5000},
};

struct harness {
    char *rundir;
    char secret[PROC_SECRET_SIZE];
    int c2s_port;
    int component_port;
    int keep;
    int privileged; /* grant cardxd privileged presence (XEP-0356) */
    const struct server_kind *kind;
    struct proc_child server;
    struct proc_child cardxd;
    struct proc_child cardxd2; /* a second instance (harness_cardxd2_start()) */
    int link_ups_at_start;
    char *cardxd_extra; /* INI text appended to cardxd.conf; may be NULL */
    int store_pg;       /* cardxd runs on PostgreSQL ($CARDX_STORE) */
    int pg_port;
    int pg_started; /* postgresql.sh start ran; stop it at the end */
};

/* Returns a malloc'd "rundir/name", or NULL. */
static char *run_path(const struct harness *h, const char *name)
{
    return proc_path(h->rundir, name);
}

int harness_port_open(int port)
{
    return proc_port_open(port);
}

/* Picks three distinct free ports: c2s, component, PostgreSQL. */
static int pick_ports(struct harness *h)
{
    int ports[3];
    int rc = proc_pick_ports(ports, 3);

    if (rc < 0)
        return rc;
    h->c2s_port = ports[0];
    h->component_port = ports[1];
    h->pg_port = ports[2];
    return 0;
}

/* The server named by $CARDX_SERVER (default: Prosody), or NULL. */
static const struct server_kind *server_from_env(void)
{
    const char *name = getenv("CARDX_SERVER");

    if (!name || !*name)
        return &server_kinds[0];
    for (size_t i = 0; i < sizeof(server_kinds) / sizeof(server_kinds[0]);
         i++) {
        if (strcmp(server_kinds[i].name, name) == 0)
            return &server_kinds[i];
    }
    fprintf(stderr,
            "harness: unknown CARDX_SERVER '%s' (prosody, ejabberd or "
            "prosody-stock)\n",
            name);
    return NULL;
}

static int server_require(const struct harness *h);
static int pg_require(struct harness *h);

struct harness *harness_new(void)
{
    struct harness *h = calloc(1, sizeof(*h));
    const char *priv = getenv("CARDX_PRIVILEGED");

    if (!h)
        return NULL;
    h->kind = server_from_env();
    if (!h->kind) {
        free(h);
        return NULL;
    }
    if (server_require(h) < 0 || pg_require(h) < 0) {
        free(h);
        return NULL;
    }
    h->privileged = priv && strcmp(priv, "1") == 0;
    h->rundir = proc_rundir_make("cardx-harness");
    if (!h->rundir)
        goto fail;
    if (pick_ports(h) < 0 || proc_make_secret(h->secret) < 0)
        goto fail;
    fprintf(stderr,
            "harness: %s%s, run dir %s, c2s port %d, component port %d%s\n",
            h->kind->name, h->privileged ? " (cardxd privileged)" : "",
            h->rundir, h->c2s_port, h->component_port,
            h->store_pg ? ", cardxd on PostgreSQL" : "");
    return h;
fail:
    if (h->rundir)
        rmdir(h->rundir);
    free(h->rundir);
    free(h);
    return NULL;
}

/* The server script's name in tests/integration/servers/. */
static void server_script_name(const struct harness *h, char *name, size_t size)
{
    snprintf(name, size, "%s.sh", h->kind->name);
}

/* The script that configures and runs the server; caller frees. */
static char *server_script(const struct harness *h)
{
    char name[64];

    server_script_name(h, name, sizeof(name));
    return proc_script_path(name);
}

/* 0 when the server is installed (see proc_require()). */
static int server_require(const struct harness *h)
{
    char name[64];

    server_script_name(h, name, sizeof(name));
    return proc_require(name, h->kind->label);
}

/* Runs postgresql.sh COMMAND RUNDIR [ARG]. */
static int pg_run(struct harness *h, const char *command, const char *arg)
{
    char *script = proc_script_path(PROC_PG_SCRIPT);
    int rc;

    if (!script)
        return -ENOMEM;
    char *argv[] = {"/bin/bash", script,      (char *)command,
                    h->rundir,   (char *)arg, NULL};
    rc = proc_run_ok(argv, NULL, PROC_SCRIPT_MS);
    free(script);
    return rc;
}

/* $CARDX_STORE: sqlite (the default) or postgresql, which must be
 * installed as a server is. */
static int pg_require(struct harness *h)
{
    int rc = proc_store_pg();

    if (rc <= 0)
        return rc;
    h->store_pg = 1;
    return proc_require(PROC_PG_SCRIPT, "PostgreSQL");
}

int harness_store_pg(const struct harness *h)
{
    return h->store_pg;
}

int harness_pg_start(struct harness *h)
{
    char port[16];
    int rc;

    if (h->pg_started)
        return -EALREADY;
    /* Marked before it runs: a start that fails half way is stopped too. */
    h->pg_started = 1;
    snprintf(port, sizeof(port), "%d", h->pg_port);
    rc = pg_run(h, "start", port);
    if (rc < 0)
        fprintf(stderr, "harness: PostgreSQL did not start (see %s/pg)\n",
                h->rundir);
    return rc;
}

int harness_pg_stop(struct harness *h)
{
    if (!h->pg_started)
        return 0;
    h->pg_started = 0;
    return pg_run(h, "stop", NULL);
}

int harness_pg_restart(struct harness *h)
{
    if (!h->pg_started)
        return -ESRCH;
    return pg_run(h, "restart", NULL);
}

int harness_pg_freeze(struct harness *h, int seconds)
{
    char secs[16];

    if (!h->pg_started)
        return -ESRCH;
    snprintf(secs, sizeof(secs), "%d", seconds);
    return pg_run(h, "freeze", secs);
}

char *harness_pg_dsn(const struct harness *h)
{
    char *dsn;

    if (asprintf(&dsn, "postgresql://cardx@127.0.0.1:%d/cardx", h->pg_port) < 0)
        return NULL;
    return dsn;
}

static int write_server_config(struct harness *h)
{
    char c2s[16], comp[16];
    char *script = server_script(h);
    int rc;

    if (!script)
        return -ENOMEM;
    snprintf(c2s, sizeof(c2s), "%d", h->c2s_port);
    snprintf(comp, sizeof(comp), "%d", h->component_port);
    char *argv[] = {"/bin/bash",
                    script,
                    "config",
                    h->rundir,
                    c2s,
                    comp,
                    HARNESS_DOMAIN,
                    HARNESS_COMPONENT_DOMAIN,
                    h->secret,
                    h->privileged ? "privileged" : NULL,
                    NULL};
    rc = proc_run_ok(argv, NULL, PROC_SCRIPT_MS);
    free(script);
    return rc;
}

/* How many ready lines the server's log holds (it appends across restarts),
 * 0 without a log. */
static int server_ready_lines(const struct harness *h)
{
    char *path = run_path(h, h->kind->log);
    int n = path ? proc_log_count(path, h->kind->ready_phrase) : 0;

    free(path);
    return n > 0 ? n : 0;
}

/* Waits for both ports and, if the server has one, a ready line beyond
 * the ready_before the log held; fails early if the server exits. ejabberd
 * listens before it accepts, hence the log line. */
static int wait_server_ready(struct harness *h, int ready_before)
{
    const struct server_kind *k = h->kind;
    long long deadline = clock_now_ms() + k->start_ms;

    while (clock_now_ms() < deadline) {
        if (proc_child_gone(&h->server)) {
            fprintf(stderr,
                    "harness: %s exited during startup (wait status %d)\n",
                    k->label, h->server.status);
            return -ECHILD;
        }
        if (harness_port_open(h->c2s_port) &&
            harness_port_open(h->component_port) &&
            (!k->ready_phrase || server_ready_lines(h) > ready_before))
            return 0;
        proc_sleep_ms(PROC_POLL_MS);
    }
    fprintf(stderr, "harness: %s did not serve within %d ms\n", k->label,
            k->start_ms);
    return -ETIMEDOUT;
}

/* After the server exited (see proc_wait_ports_closed()). */
static void wait_ports_closed(const struct harness *h)
{
    const int ports[] = {h->c2s_port, h->component_port};

    proc_wait_ports_closed(ports, 2);
}

int harness_server_start(struct harness *h)
{
    char *script = NULL, *out = NULL;
    int rc, ready_before;

    if (!proc_child_gone(&h->server))
        return -EALREADY;
    ready_before = h->kind->ready_phrase ? server_ready_lines(h) : 0;
    rc = write_server_config(h);
    if (rc < 0)
        return rc;
    script = server_script(h);
    out = run_path(h, h->kind->out);
    rc = -ENOMEM;
    if (!script || !out)
        goto out;
    /* "run" execs the server in this process: the death signal and the
     * process group set up by proc_spawn() apply to the server itself. */
    char *argv[] = {"/bin/bash", script, "run", h->rundir, NULL};
    rc = proc_spawn(&h->server, argv, out);
    if (rc < 0)
        goto out;
    rc = wait_server_ready(h, ready_before);
    if (rc < 0) {
        proc_child_stop(&h->server, SIGKILL, 0, h->kind->label);
        fprintf(stderr, "harness: see %s/%s and %s\n", h->rundir, h->kind->log,
                h->kind->out);
    }
out:
    free(script);
    free(out);
    return rc;
}

int harness_server_stop(struct harness *h)
{
    if (proc_child_gone(&h->server))
        return 0;
    /* A server a test stopped (SIGSTOP) must be able to exit cleanly. */
    harness_server_signal(h, SIGCONT);
    proc_child_stop(&h->server, SIGTERM, h->kind->stop_ms, h->kind->label);
    wait_ports_closed(h);
    return 0;
}

int harness_server_restart(struct harness *h)
{
    int rc = harness_server_stop(h);

    return rc < 0 ? rc : harness_server_start(h);
}

int harness_server_running(struct harness *h)
{
    return !proc_child_gone(&h->server);
}

int harness_server_signal(struct harness *h, int sig)
{
    if (proc_child_gone(&h->server))
        return -ESRCH;
    /* The server leads its own process group (child_setup()): this reaches
     * helpers it started too. */
    if (kill(-h->server.pid, sig) < 0)
        return -errno;
    return 0;
}

int harness_prosody_start(struct harness *h)
{
    return harness_server_start(h);
}

int harness_prosody_stop(struct harness *h)
{
    return harness_server_stop(h);
}

int harness_prosody_restart(struct harness *h)
{
    return harness_server_restart(h);
}

int harness_prosody_running(struct harness *h)
{
    return harness_server_running(h);
}

/* prosodyctl writes the account straight into Prosody's data directory. */
static int register_prosody(struct harness *h, const char *user,
                            const char *password)
{
    char *script = server_script(h);
    int rc;

    if (!script)
        return -ENOMEM;
    char *argv[] = {"/bin/bash",  script,         "register",       h->rundir,
                    (char *)user, HARNESS_DOMAIN, (char *)password, NULL};
    rc = proc_run_ok(argv, NULL, PROC_SCRIPT_MS);
    free(script);
    return rc;
}

int harness_register(struct harness *h, const char *user, const char *password)
{
    if (h->kind->id == HARNESS_PROSODY || h->kind->id == HARNESS_PROSODY_STOCK)
        return register_prosody(h, user, password);
    /* ejabberdctl would need Erlang distribution and takes over a second a
     * call; in-band registration is quick. */
    return proc_register(user, password, h->c2s_port);
}

int harness_cardxd_config_append(struct harness *h, const char *ini)
{
    return proc_ini_append(&h->cardxd_extra, ini);
}

void harness_cardxd_config_reset(struct harness *h)
{
    free(h->cardxd_extra);
    h->cardxd_extra = NULL;
}

/* cardxd.conf at path, with more (INI text, may be NULL) at its end. */
static int write_cardxd_config(struct harness *h, const char *path,
                               const char *more)
{
    struct proc_cardxd_conf conf = {.title = "the test harness",
                                    .secret = h->secret,
                                    .port = h->component_port,
                                    .rundir = h->rundir,
                                    .extra = h->cardxd_extra,
                                    .more = more};
    char *dsn = NULL;
    int rc;

    if (h->store_pg && !(dsn = harness_pg_dsn(h)))
        return -ENOMEM;
    conf.dsn = dsn;
    rc = proc_cardxd_conf_write(path, &conf);
    free(dsn);
    return rc;
}

/* Writes RUNDIR/conf_name (with more at its end) and starts a cardxd as ch
 * on it, its output appended to RUNDIR/log_name. */
static int cardxd_spawn(struct harness *h, struct proc_child *ch,
                        const char *conf_name, const char *log_name,
                        const char *more)
{
    char *conf = run_path(h, conf_name), *log = run_path(h, log_name);
    int rc = -ENOMEM;

    if (conf && log)
        rc = write_cardxd_config(h, conf, more);
    if (rc == 0)
        rc = proc_cardxd_spawn(ch, conf, log);
    free(conf);
    free(log);
    return rc;
}

int harness_cardxd_start(struct harness *h)
{
    int rc;

    if (!proc_child_gone(&h->cardxd))
        return -EALREADY;
    /* cardxd's database comes up with its first start. */
    if (h->store_pg && !h->pg_started) {
        rc = harness_pg_start(h);
        if (rc < 0)
            return rc;
    }
    rc = harness_cardxd_link_ups(h);
    if (rc < 0)
        return rc;
    h->link_ups_at_start = rc;
    return cardxd_spawn(h, &h->cardxd, "cardxd.conf", "cardxd.log", NULL);
}

int harness_cardxd_stop(struct harness *h)
{
    return proc_child_reap(&h->cardxd, SIGTERM, PROC_CARDXD_STOP_MS, "cardxd");
}

int harness_cardxd_kill(struct harness *h, int sig)
{
    return proc_child_reap(&h->cardxd, sig, PROC_CARDXD_STOP_MS, "cardxd");
}

int harness_cardxd_reload(struct harness *h)
{
    char *conf = run_path(h, "cardxd.conf");
    int rc = conf ? write_cardxd_config(h, conf, NULL) : -ENOMEM;

    free(conf);
    if (rc < 0)
        return rc;
    if (proc_child_gone(&h->cardxd))
        return -ECHILD;
    return kill(h->cardxd.pid, SIGHUP) < 0 ? -errno : 0;
}

int harness_cardxd_running(struct harness *h)
{
    return !proc_child_gone(&h->cardxd);
}

pid_t harness_cardxd_pid(struct harness *h)
{
    return proc_child_gone(&h->cardxd) ? 0 : h->cardxd.pid;
}

/* How many lines of the log RUNDIR/name contain phrase. */
static int log_count(struct harness *h, const char *name, const char *phrase)
{
    char *path = run_path(h, name);
    int n = path ? proc_log_count(path, phrase) : -ENOMEM;

    free(path);
    return n;
}

int harness_cardxd_log_count(struct harness *h, const char *phrase)
{
    return log_count(h, "cardxd.log", phrase);
}

int harness_verify_by_log(struct harness *h)
{
    char *ini;
    int rc;

    if (asprintf(&ini,
                 "[verify]\nmethod = command\n"
                 "command = %s/scripts/send-code-log.sh\n",
                 proc_srcdir()) < 0)
        return -ENOMEM;
    rc = harness_cardxd_config_append(h, ini);
    free(ini);
    return rc;
}

/* The code of the n-th line of cardxd.log that starts with prefix after
 * cardxd's own head, copied into code; 0 when found, else -ENOENT. */
static int verify_code_nth(struct harness *h, const char *prefix, int n,
                           char code[HARNESS_CODE_LEN])
{
    char *path = run_path(h, "cardxd.log");
    char line[4096];
    const char *p;
    FILE *f;
    int rc = -ENOENT;

    if (!path)
        return -ENOMEM;
    f = fopen(path, "r");
    free(path);
    if (!f)
        return errno == ENOENT ? -ENOENT : -errno;
    while (rc != 0 && fgets(line, sizeof(line), f)) {
        p = strstr(line, prefix);
        if (p && --n == 0 && sscanf(p + strlen(prefix), "%6[0-9]", code) == 1)
            rc = 0;
    }
    fclose(f);
    return rc;
}

int harness_verify_code(struct harness *h, const char *phone, int n,
                        char code[HARNESS_CODE_LEN], int timeout_ms)
{
    long long deadline = clock_now_ms() + timeout_ms;
    char prefix[128];
    int rc;

    snprintf(prefix, sizeof(prefix), "cardx code for %s: ", phone);
    while ((rc = verify_code_nth(h, prefix, n, code)) == -ENOENT &&
           clock_now_ms() < deadline)
        proc_sleep_ms(PROC_POLL_MS);
    if (rc < 0)
        fprintf(stderr, "harness: no code #%d for %s in %s/cardxd.log\n", n,
                phone, h->rundir);
    return rc;
}

int harness_cardxd_link_ups(struct harness *h)
{
    return harness_cardxd_log_count(h, PROC_LINK_UP_PHRASE);
}

/* Waits until the log RUNDIR/name of the cardxd c holds n lines with
 * phrase. */
static int wait_log(struct harness *h, struct proc_child *c, const char *name,
                    const char *phrase, int n, int timeout_ms)
{
    char *path = run_path(h, name);
    int rc = path ? proc_wait_log(path, c, phrase, n, timeout_ms) : -ENOMEM;

    free(path);
    return rc;
}

int harness_cardxd_wait_log(struct harness *h, const char *phrase, int n,
                            int timeout_ms)
{
    return wait_log(h, &h->cardxd, "cardxd.log", phrase, n, timeout_ms);
}

int harness_cardxd2_start(struct harness *h, const char *ini)
{
    if (!proc_child_gone(&h->cardxd2))
        return -EALREADY;
    return cardxd_spawn(h, &h->cardxd2, "cardxd2.conf", "cardxd2.log", ini);
}

int harness_cardxd2_kill(struct harness *h, int sig)
{
    return proc_child_reap(&h->cardxd2, sig, PROC_CARDXD_STOP_MS, "cardxd2");
}

int harness_cardxd2_log_count(struct harness *h, const char *phrase)
{
    return log_count(h, "cardxd2.log", phrase);
}

int harness_cardxd2_wait_log(struct harness *h, const char *phrase, int n,
                             int timeout_ms)
{
    return wait_log(h, &h->cardxd2, "cardxd2.log", phrase, n, timeout_ms);
}

int harness_cardxd_wait_link_up(struct harness *h, int n, int timeout_ms)
{
    return harness_cardxd_wait_log(h, PROC_LINK_UP_PHRASE, n, timeout_ms);
}

int harness_cardxd_wait_connected(struct harness *h, int timeout_ms)
{
    return harness_cardxd_wait_link_up(h, h->link_ups_at_start + 1, timeout_ms);
}

void harness_keep_rundir(struct harness *h)
{
    h->keep = 1;
}

void harness_free(struct harness *h)
{
    if (!h)
        return;
    proc_child_stop(&h->cardxd, SIGTERM, PROC_CARDXD_STOP_MS, "cardxd");
    proc_child_stop(&h->cardxd2, SIGTERM, PROC_CARDXD_STOP_MS, "cardxd2");
    harness_server_stop(h);
    harness_pg_stop(h);
    if (proc_rundir_remove(h->rundir, h->keep))
        fprintf(stderr, "harness: kept run dir %s (%s, %s, cardxd.log)\n",
                h->rundir, h->kind->log, h->kind->out);
    free(h->cardxd_extra);
    free(h->rundir);
    free(h);
}

const char *harness_rundir(const struct harness *h)
{
    return h->rundir;
}

const char *harness_domain(const struct harness *h)
{
    (void)h;
    return HARNESS_DOMAIN;
}

const char *harness_component_domain(const struct harness *h)
{
    (void)h;
    return HARNESS_COMPONENT_DOMAIN;
}

const char *harness_secret(const struct harness *h)
{
    return h->secret;
}

int harness_c2s_port(const struct harness *h)
{
    return h->c2s_port;
}

int harness_component_port(const struct harness *h)
{
    return h->component_port;
}

char *harness_jid(const struct harness *h, const char *user)
{
    char *jid;

    (void)h;
    if (asprintf(&jid, "%s@%s", user, HARNESS_DOMAIN) < 0)
        return NULL;
    return jid;
}

enum harness_server harness_server(const struct harness *h)
{
    return h->kind->id;
}

const char *harness_server_name(const struct harness *h)
{
    return h->kind->name;
}

void harness_enable_privileges(struct harness *h)
{
    h->privileged = 1;
}

int harness_privileged(const struct harness *h)
{
    return h->privileged;
}
