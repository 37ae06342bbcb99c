/* Integration-test harness: throwaway XMPP server and cardxd processes. */
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

#define LINK_UP_PHRASE "component link up"
#define PORTS_CLOSE_MS 5000
#define REGISTER_MS 10000
#define CARDXD_STOP_MS 10000
#define SCRIPT_MS 30000
/* The exit status of a server script's "check" when the server is missing. */
#define SERVER_MISSING 3
#define POLL_MS 20

/* A child process we started; pid 0 when there is none to collect. */
struct child {
    pid_t pid;
    int status; /* wait status once collected */
    int collected;
};

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
    char secret[33];
    int c2s_port;
    int component_port;
    int keep;
    int privileged; /* grant cardxd privileged presence (XEP-0356) */
    const struct server_kind *kind;
    struct child server;
    struct child cardxd;
    struct child cardxd2; /* a second instance (harness_cardxd2_start()) */
    int link_ups_at_start;
    char *cardxd_extra; /* INI text appended to cardxd.conf; may be NULL */
    int store_pg;       /* cardxd runs on PostgreSQL ($CARDX_STORE) */
    int pg_port;
    int pg_started; /* postgresql.sh start ran; stop it at the end */
};

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

    nanosleep(&ts, NULL);
}

/* Returns a malloc'd "rundir/name", or NULL. */
static char *run_path(const struct harness *h, const char *name)
{
    char *path;

    if (asprintf(&path, "%s/%s", h->rundir, name) < 0)
        return NULL;
    return path;
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

int harness_port_open(int port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons((unsigned short)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int open;

    if (fd < 0)
        return 0;
    open = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
    close(fd);
    return open;
}

/* Binds a listening-capable socket to 127.0.0.1:port; -1 if taken. */
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

/* Picks three distinct free ports (c2s, component, PostgreSQL) below
 * Linux's ephemeral range (32768+), so that outgoing connections cannot
 * grab them between server restarts. */
static int pick_ports(struct harness *h)
{
    int fds[3] = {-1, -1, -1};
    int ports[3];
    int found = 0;
    unsigned short r;

    for (int tries = 0; tries < 300 && found < 3; tries++) {
        int dup = 0;

        if (getrandom(&r, sizeof(r), 0) != sizeof(r))
            break;
        ports[found] = 20000 + r % 12000;
        for (int i = 0; i < found; i++)
            dup |= ports[i] == ports[found];
        if (dup)
            continue;
        fds[found] = bind_port(ports[found]);
        if (fds[found] >= 0)
            found++;
    }
    for (int i = 0; i < found; i++)
        close(fds[i]);
    if (found < 3) {
        fprintf(stderr, "harness: no free loopback ports found\n");
        return -EADDRINUSE;
    }
    h->c2s_port = ports[0];
    h->component_port = ports[1];
    h->pg_port = ports[2];
    return 0;
}

static int make_secret(struct harness *h)
{
    unsigned char raw[16];

    if (getrandom(raw, sizeof(raw), 0) != sizeof(raw))
        return -errno;
    for (size_t i = 0; i < sizeof(raw); i++)
        snprintf(h->secret + 2 * i, 3, "%02x", raw[i]);
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
    const char *tmp = getenv("TMPDIR");
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
    if (asprintf(&h->rundir, "%s/cardx-harness-XXXXXX",
                 tmp && *tmp ? tmp : "/tmp") < 0) {
        h->rundir = NULL;
        goto fail;
    }
    if (!mkdtemp(h->rundir)) {
        fprintf(stderr, "harness: mkdtemp %s: %s\n", h->rundir,
                strerror(errno));
        goto fail;
    }
    if (pick_ports(h) < 0 || make_secret(h) < 0)
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

/* Collects the child without blocking; 1 once it is gone. */
static int child_gone(struct child *c)
{
    pid_t r;

    if (c->collected || c->pid <= 0)
        return 1;
    r = waitpid(c->pid, &c->status, WNOHANG);
    if (r == c->pid || (r < 0 && errno == ECHILD)) {
        c->collected = 1;
        c->pid = 0;
        return 1;
    }
    return 0;
}

/* Sends sig, waits up to wait_ms for the exit, then SIGKILLs and reaps. */
static void child_stop(struct child *c, int sig, int wait_ms, const char *name)
{
    long long deadline = clock_now_ms() + wait_ms;

    if (child_gone(c))
        return;
    kill(c->pid, sig);
    while (!child_gone(c) && clock_now_ms() < deadline)
        sleep_ms(POLL_MS);
    if (child_gone(c))
        return;
    fprintf(stderr,
            "harness: %s (pid %d) still running after %d ms; "
            "killing it\n",
            name, (int)c->pid, wait_ms);
    kill(c->pid, SIGKILL);
    if (waitpid(c->pid, &c->status, 0) < 0)
        c->status = 0;
    c->collected = 1;
    c->pid = 0;
}

/* What a freshly forked server child does before exec: die with us, own
 * process group (a terminal's Ctrl-C goes to the test, which then takes the
 * servers down), output to a log file. Only async-signal-safe calls. */
static void child_setup(pid_t parent, int log_fd)
{
    int null_fd;

    setpgid(0, 0);
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
        _exit(127);
    null_fd = open("/dev/null", O_RDONLY);
    if (null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(log_fd, 1) < 0 ||
        dup2(log_fd, 2) < 0)
        _exit(127);
}

/* Forks and execs argv with output appended to log_path. */
static int spawn(struct child *c, char *const argv[], const char *log_path)
{
    pid_t parent = getpid();
    int log_fd =
        open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    pid_t pid;

    if (log_fd < 0) {
        fprintf(stderr, "harness: %s: %s\n", log_path, strerror(errno));
        return -errno;
    }
    pid = fork();
    if (pid < 0) {
        int err = -errno;

        close(log_fd);
        return err;
    }
    if (pid == 0) {
        child_setup(parent, log_fd);
        execvp(argv[0], argv);
        _exit(127);
    }
    close(log_fd);
    c->pid = pid;
    c->status = 0;
    c->collected = 0;
    return 0;
}

/* Runs argv (an interpreter, a script, its command...) to completion, at most
 * SCRIPT_MS, output inherited. Returns its exit status (0..255), or a
 * negative errno value when it could not run, was killed or ran over. */
static int run_command_status(char *const argv[])
{
    struct child c = {0};
    long long deadline = clock_now_ms() + SCRIPT_MS;
    pid_t pid = fork();

    if (pid < 0)
        return -errno;
    if (pid == 0) {
        execv(argv[0], argv);
        _exit(127);
    }
    c.pid = pid;
    while (!child_gone(&c) && clock_now_ms() < deadline)
        sleep_ms(POLL_MS);
    if (!c.collected) {
        fprintf(stderr, "harness: %s %s timed out\n", argv[1], argv[2]);
        child_stop(&c, SIGKILL, 0, argv[0]);
        return -ETIMEDOUT;
    }
    if (!WIFEXITED(c.status)) {
        fprintf(stderr, "harness: %s %s failed (wait status %d)\n", argv[1],
                argv[2], c.status);
        return -EIO;
    }
    return WEXITSTATUS(c.status);
}

/* As run_command_status(); returns 0 when it exited with status 0. */
static int run_command(char *const argv[])
{
    int rc = run_command_status(argv);

    if (rc > 0) {
        fprintf(stderr, "harness: %s %s failed (exit status %d)\n", argv[1],
                argv[2], rc);
        return -EIO;
    }
    return rc;
}

/* The script that configures and runs the server; caller frees. */
static char *server_script(const struct harness *h)
{
    char *path;

    if (asprintf(&path, "%s/tests/integration/servers/%s.sh", srcdir(),
                 h->kind->name) < 0)
        return NULL;
    return path;
}

/* Asks the server's script whether the server is installed. Without it the
 * test program exits HARNESS_EXIT_SKIP (automake counts it as skipped), so
 * that a machine without the servers can still run `make check`; with
 * $CARDX_REQUIRE_SERVERS=1 (scripts/test.sh) a missing server is a failure.
 * Returns 0 when the server is there, else a negative errno value. */
static int server_require(const struct harness *h)
{
    const char *require = getenv("CARDX_REQUIRE_SERVERS");
    char *script = server_script(h);
    int rc;

    if (!script)
        return -ENOMEM;
    char *argv[] = {"/bin/bash", script, "check", NULL};
    rc = run_command_status(argv);
    free(script);
    if (rc != SERVER_MISSING)
        return rc > 0 ? -EIO : rc;
    if (require && strcmp(require, "1") == 0) {
        fprintf(stderr,
                "harness: %s is not installed and CARDX_REQUIRE_SERVERS=1: "
                "failing\n",
                h->kind->label);
        return -ENOENT;
    }
    fprintf(stderr,
            "harness: SKIP: %s is not installed; integration tests need it "
            "(set CARDX_REQUIRE_SERVERS=1 to make this a failure)\n",
            h->kind->label);
    exit(HARNESS_EXIT_SKIP);
}

/* The PostgreSQL script's path; caller frees. */
static char *pg_script(void)
{
    char *path;

    if (asprintf(&path, "%s/tests/integration/servers/postgresql.sh",
                 srcdir()) < 0)
        return NULL;
    return path;
}

/* Runs postgresql.sh COMMAND RUNDIR [ARG]. */
static int pg_run(struct harness *h, const char *command, const char *arg)
{
    char *script = pg_script();
    int rc;

    if (!script)
        return -ENOMEM;
    char *argv[] = {"/bin/bash", script,      (char *)command,
                    h->rundir,   (char *)arg, NULL};
    rc = run_command(argv);
    free(script);
    return rc;
}

/* $CARDX_STORE: sqlite (the default) or postgresql, which must be
 * installed as a server is (see server_require()). */
static int pg_require(struct harness *h)
{
    const char *store = getenv("CARDX_STORE");
    const char *require = getenv("CARDX_REQUIRE_SERVERS");
    char *script;
    int rc;

    if (!store || !*store || strcmp(store, "sqlite") == 0)
        return 0;
    if (strcmp(store, "postgresql") != 0) {
        fprintf(stderr,
                "harness: unknown CARDX_STORE '%s' (sqlite or postgresql)\n",
                store);
        return -EINVAL;
    }
    h->store_pg = 1;
    script = pg_script();
    if (!script)
        return -ENOMEM;
    char *argv[] = {"/bin/bash", script, "check", NULL};
    rc = run_command_status(argv);
    free(script);
    if (rc != SERVER_MISSING)
        return rc > 0 ? -EIO : rc;
    if (require && strcmp(require, "1") == 0) {
        fprintf(stderr, "harness: PostgreSQL is not installed and "
                        "CARDX_REQUIRE_SERVERS=1: failing\n");
        return -ENOENT;
    }
    fprintf(stderr, "harness: SKIP: PostgreSQL is not installed\n");
    exit(HARNESS_EXIT_SKIP);
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
    rc = run_command(argv);
    free(script);
    return rc;
}

/* How many ready lines the server's log holds (it appends across restarts),
 * 0 without a log. */
static int server_ready_lines(const struct harness *h)
{
    char *path = run_path(h, h->kind->log), line[4096];
    FILE *f = path ? fopen(path, "r") : NULL;
    int n = 0;

    free(path);
    if (!f)
        return 0;
    while (fgets(line, sizeof(line), f))
        if (strstr(line, h->kind->ready_phrase))
            n++;
    fclose(f);
    return n;
}

/* Waits for both ports and, if the server has one, a ready line beyond
 * the ready_before the log held; fails early if the server exits. ejabberd
 * listens before it accepts, hence the log line. */
static int wait_server_ready(struct harness *h, int ready_before)
{
    const struct server_kind *k = h->kind;
    long long deadline = clock_now_ms() + k->start_ms;

    while (clock_now_ms() < deadline) {
        if (child_gone(&h->server)) {
            fprintf(stderr,
                    "harness: %s exited during startup (wait status %d)\n",
                    k->label, h->server.status);
            return -ECHILD;
        }
        if (harness_port_open(h->c2s_port) &&
            harness_port_open(h->component_port) &&
            (!k->ready_phrase || server_ready_lines(h) > ready_before))
            return 0;
        sleep_ms(POLL_MS);
    }
    fprintf(stderr, "harness: %s did not serve within %d ms\n", k->label,
            k->start_ms);
    return -ETIMEDOUT;
}

/* After the server exited: its sockets close with it, but wait for that so
 * that a restart never meets EADDRINUSE. */
static void wait_ports_closed(const struct harness *h)
{
    long long deadline = clock_now_ms() + PORTS_CLOSE_MS;

    while ((harness_port_open(h->c2s_port) ||
            harness_port_open(h->component_port)) &&
           clock_now_ms() < deadline)
        sleep_ms(POLL_MS);
}

int harness_server_start(struct harness *h)
{
    char *script = NULL, *out = NULL;
    int rc, ready_before;

    if (!child_gone(&h->server))
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
     * process group set up by spawn() apply to the server itself. */
    char *argv[] = {"/bin/bash", script, "run", h->rundir, NULL};
    rc = spawn(&h->server, argv, out);
    if (rc < 0)
        goto out;
    rc = wait_server_ready(h, ready_before);
    if (rc < 0) {
        child_stop(&h->server, SIGKILL, 0, h->kind->label);
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
    if (child_gone(&h->server))
        return 0;
    /* A server a test stopped (SIGSTOP) must be able to exit cleanly. */
    harness_server_signal(h, SIGCONT);
    child_stop(&h->server, SIGTERM, h->kind->stop_ms, h->kind->label);
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
    return !child_gone(&h->server);
}

int harness_server_signal(struct harness *h, int sig)
{
    if (child_gone(&h->server))
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
    rc = run_command(argv);
    free(script);
    return rc;
}

int harness_register(struct harness *h, const char *user, const char *password)
{
    char *jid;
    int rc;

    if (h->kind->id == HARNESS_PROSODY || h->kind->id == HARNESS_PROSODY_STOCK)
        return register_prosody(h, user, password);
    /* ejabberdctl would need Erlang distribution and takes over a second a
     * call; in-band registration is quick. */
    jid = harness_jid(h, user);
    if (!jid)
        return -ENOMEM;
    rc = xclient_register_account(jid, password, "127.0.0.1", h->c2s_port,
                                  REGISTER_MS);
    if (rc < 0)
        fprintf(stderr, "harness: in-band registration of %s failed: %d\n", jid,
                rc);
    free(jid);
    return rc;
}

int harness_cardxd_config_append(struct harness *h, const char *ini)
{
    char *joined;

    if (asprintf(&joined, "%s%s\n", h->cardxd_extra ? h->cardxd_extra : "",
                 ini) < 0)
        return -ENOMEM;
    free(h->cardxd_extra);
    h->cardxd_extra = joined;
    return 0;
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
    FILE *f = fopen(path, "w");
    int rc;

    /* Private, as an admin keeps it: cardxd warns about any other mode. */
    if (f && fchmod(fileno(f), 0600) < 0) {
        fclose(f);
        f = NULL;
    }
    if (!f) {
        fprintf(stderr, "harness: %s: %s\n", path, strerror(errno));
        return -errno;
    }
    fprintf(f,
            "; written by the test harness\n"
            "[component]\n"
            "domain = %s\nsecret = %s\nhost = 127.0.0.1\nport = %d\n"
            "reconnect_min = 100\nreconnect_max = 1000\n"
            "[storage]\ndatabase = %s/cardxd.sqlite\n"
            "[log]\nlevel = debug\n"
            "[phone]\ndefault_region = CN\n"
            /* The catalogs this build made. */
            "[language]\nlocale_dir = %s/po/locale\n"
            /* Tests not about proving numbers register them at once;
             * harness_verify_by_log() appends method = command. */
            "[verify]\nmethod = none\n",
            HARNESS_COMPONENT_DOMAIN, h->secret, h->component_port, h->rundir,
            builddir());
    /* Before the test's own settings, which may name another database. */
    if (h->store_pg)
        fprintf(f,
                "[storage]\ndriver = postgresql\n"
                "dsn = postgresql://cardx@127.0.0.1:%d/cardx\n",
                h->pg_port);
    if (h->cardxd_extra)
        fputs(h->cardxd_extra, f);
    if (more)
        fputs(more, f);
    rc = ferror(f) ? -EIO : 0;
    if (fclose(f) != 0)
        rc = -EIO;
    return rc;
}

int harness_cardxd_start(struct harness *h)
{
    char *conf = run_path(h, "cardxd.conf");
    char *log = run_path(h, "cardxd.log");
    char *prog = NULL;
    char *argv[4];
    int rc = -ENOMEM;

    if (!child_gone(&h->cardxd)) {
        rc = -EALREADY;
        goto out;
    }
    /* cardxd's database comes up with its first start. */
    if (h->store_pg && !h->pg_started) {
        rc = harness_pg_start(h);
        if (rc < 0)
            goto out;
    }
    rc = -ENOMEM;
    if (!conf || !log ||
        asprintf(&prog, "%s/component/cardxd", builddir()) < 0) {
        prog = NULL;
        goto out;
    }
    rc = write_cardxd_config(h, conf, NULL);
    if (rc < 0)
        goto out;
    rc = harness_cardxd_link_ups(h);
    if (rc < 0)
        goto out;
    h->link_ups_at_start = rc;
    argv[0] = prog;
    argv[1] = "-c";
    argv[2] = conf;
    argv[3] = NULL;
    rc = spawn(&h->cardxd, argv, log);
out:
    free(conf);
    free(log);
    free(prog);
    return rc;
}

/* The wait status of a collected cardxd, or -ECHILD. */
static int cardxd_result(struct harness *h)
{
    if (!h->cardxd.collected)
        return -ECHILD;
    h->cardxd.collected = 0; /* hand the status out once */
    return h->cardxd.status;
}

int harness_cardxd_stop(struct harness *h)
{
    child_stop(&h->cardxd, SIGTERM, CARDXD_STOP_MS, "cardxd");
    return cardxd_result(h);
}

int harness_cardxd_kill(struct harness *h, int sig)
{
    child_stop(&h->cardxd, sig, CARDXD_STOP_MS, "cardxd");
    return cardxd_result(h);
}

int harness_cardxd_reload(struct harness *h)
{
    char *conf = run_path(h, "cardxd.conf");
    int rc = conf ? write_cardxd_config(h, conf, NULL) : -ENOMEM;

    free(conf);
    if (rc < 0)
        return rc;
    if (child_gone(&h->cardxd))
        return -ECHILD;
    return kill(h->cardxd.pid, SIGHUP) < 0 ? -errno : 0;
}

int harness_cardxd_running(struct harness *h)
{
    return !child_gone(&h->cardxd);
}

pid_t harness_cardxd_pid(struct harness *h)
{
    return child_gone(&h->cardxd) ? 0 : h->cardxd.pid;
}

/* How many lines of the log RUNDIR/name contain phrase. */
static int log_count(struct harness *h, const char *name, const char *phrase)
{
    char *path = run_path(h, name);
    char line[4096];
    FILE *f;
    int n = 0;

    if (!path)
        return -ENOMEM;
    f = fopen(path, "r");
    free(path);
    if (!f)
        return errno == ENOENT ? 0 : -errno;
    /* A line longer than the buffer is read in pieces; the phrases sought
     * are short and cardxd's lines are not, in practice, long enough to
     * split one. */
    while (fgets(line, sizeof(line), f))
        if (strstr(line, phrase))
            n++;
    fclose(f);
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
                 srcdir()) < 0)
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
        sleep_ms(20);
    if (rc < 0)
        fprintf(stderr, "harness: no code #%d for %s in %s/cardxd.log\n", n,
                phone, h->rundir);
    return rc;
}

int harness_cardxd_link_ups(struct harness *h)
{
    return harness_cardxd_log_count(h, LINK_UP_PHRASE);
}

/* Waits until the log RUNDIR/name of the cardxd c holds n lines with
 * phrase. */
static int wait_log(struct harness *h, struct child *c, const char *name,
                    const char *phrase, int n, int timeout_ms)
{
    long long deadline = clock_now_ms() + timeout_ms;

    for (;;) {
        int ups = log_count(h, name, phrase);

        if (ups < 0)
            return ups;
        if (ups >= n)
            return 0;
        if (child_gone(c)) {
            fprintf(stderr, "harness: cardxd is not running (see %s/%s)\n",
                    h->rundir, name);
            return -ECHILD;
        }
        if (clock_now_ms() >= deadline) {
            fprintf(stderr, "harness: no '%s' #%d in %s/%s within %d ms\n",
                    phrase, n, h->rundir, name, timeout_ms);
            return -ETIMEDOUT;
        }
        sleep_ms(POLL_MS);
    }
}

int harness_cardxd_wait_log(struct harness *h, const char *phrase, int n,
                            int timeout_ms)
{
    return wait_log(h, &h->cardxd, "cardxd.log", phrase, n, timeout_ms);
}

int harness_cardxd2_start(struct harness *h, const char *ini)
{
    char *conf = run_path(h, "cardxd2.conf");
    char *log = run_path(h, "cardxd2.log");
    char *prog = NULL;
    char *argv[4];
    int rc = -ENOMEM;

    if (!child_gone(&h->cardxd2)) {
        rc = -EALREADY;
        goto out;
    }
    if (!conf || !log ||
        asprintf(&prog, "%s/component/cardxd", builddir()) < 0) {
        prog = NULL;
        goto out;
    }
    rc = write_cardxd_config(h, conf, ini);
    if (rc < 0)
        goto out;
    argv[0] = prog;
    argv[1] = "-c";
    argv[2] = conf;
    argv[3] = NULL;
    rc = spawn(&h->cardxd2, argv, log);
out:
    free(conf);
    free(log);
    free(prog);
    return rc;
}

int harness_cardxd2_kill(struct harness *h, int sig)
{
    child_stop(&h->cardxd2, sig, CARDXD_STOP_MS, "cardxd2");
    if (!h->cardxd2.collected)
        return -ECHILD;
    h->cardxd2.collected = 0;
    return h->cardxd2.status;
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
    return harness_cardxd_wait_log(h, LINK_UP_PHRASE, n, timeout_ms);
}

int harness_cardxd_wait_connected(struct harness *h, int timeout_ms)
{
    return harness_cardxd_wait_link_up(h, h->link_ups_at_start + 1, timeout_ms);
}

static int remove_entry(const char *path, const struct stat *st, int flag,
                        struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    if (remove(path) < 0)
        fprintf(stderr, "harness: remove %s: %s\n", path, strerror(errno));
    return 0;
}

void harness_keep_rundir(struct harness *h)
{
    h->keep = 1;
}

void harness_free(struct harness *h)
{
    const char *keep_env;

    if (!h)
        return;
    child_stop(&h->cardxd, SIGTERM, CARDXD_STOP_MS, "cardxd");
    child_stop(&h->cardxd2, SIGTERM, CARDXD_STOP_MS, "cardxd2");
    harness_server_stop(h);
    harness_pg_stop(h);
    keep_env = getenv("CARDX_KEEP_RUNDIR");
    if (h->keep || (keep_env && *keep_env))
        fprintf(stderr, "harness: kept run dir %s (%s, %s, cardxd.log)\n",
                h->rundir, h->kind->log, h->kind->out);
    else
        nftw(h->rundir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
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
