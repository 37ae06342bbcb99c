/* Integration-test harness: throwaway Prosody and cardxd processes. */
#include "tests/harness.h"

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
#define PROSODY_START_MS 10000
#define PROSODY_STOP_MS 5000
#define CARDXD_STOP_MS 10000
#define SCRIPT_MS 30000
#define POLL_MS 20

/* A child process we started; pid 0 when there is none to collect. */
struct child {
    pid_t pid;
    int status; /* wait status once collected */
    int collected;
};

struct harness {
    char *rundir;
    char secret[33];
    int c2s_port;
    int component_port;
    int keep;
    struct child prosody;
    struct child cardxd;
    int link_ups_at_start;
    char *cardxd_extra; /* INI text appended to cardxd.conf; may be NULL */
};

static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

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

/* Picks two distinct free ports below Linux's ephemeral range (32768+), so
 * that outgoing connections cannot grab them between Prosody restarts. */
static int pick_ports(struct harness *h)
{
    int fds[2] = {-1, -1};
    int ports[2];
    int found = 0;
    unsigned short r;

    for (int tries = 0; tries < 200 && found < 2; tries++) {
        if (getrandom(&r, sizeof(r), 0) != sizeof(r))
            break;
        ports[found] = 20000 + r % 12000;
        if (found == 1 && ports[1] == ports[0])
            continue;
        fds[found] = bind_port(ports[found]);
        if (fds[found] >= 0)
            found++;
    }
    for (int i = 0; i < found; i++)
        close(fds[i]);
    if (found < 2) {
        fprintf(stderr, "harness: no free loopback ports found\n");
        return -EADDRINUSE;
    }
    h->c2s_port = ports[0];
    h->component_port = ports[1];
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

struct harness *harness_new(void)
{
    struct harness *h = calloc(1, sizeof(*h));
    const char *tmp = getenv("TMPDIR");

    if (!h)
        return NULL;
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
    fprintf(stderr, "harness: run dir %s, c2s port %d, component port %d\n",
            h->rundir, h->c2s_port, h->component_port);
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
    long long deadline = now_ms() + wait_ms;

    if (child_gone(c))
        return;
    kill(c->pid, sig);
    while (!child_gone(c) && now_ms() < deadline)
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
 * SCRIPT_MS, output inherited. Returns 0 when it exited with status 0. */
static int run_command(char *const argv[])
{
    struct child c = {0};
    long long deadline = now_ms() + SCRIPT_MS;
    pid_t pid = fork();

    if (pid < 0)
        return -errno;
    if (pid == 0) {
        execv(argv[0], argv);
        _exit(127);
    }
    c.pid = pid;
    while (!child_gone(&c) && now_ms() < deadline)
        sleep_ms(POLL_MS);
    if (!c.collected) {
        fprintf(stderr, "harness: %s %s timed out\n", argv[1], argv[2]);
        child_stop(&c, SIGKILL, 0, argv[0]);
        return -ETIMEDOUT;
    }
    if (!WIFEXITED(c.status) || WEXITSTATUS(c.status) != 0) {
        fprintf(stderr, "harness: %s %s failed (wait status %d)\n", argv[1],
                argv[2], c.status);
        return -EIO;
    }
    return 0;
}

static int prosody_script(char **path)
{
    if (asprintf(path, "%s/tests/servers/prosody.sh", srcdir()) < 0) {
        *path = NULL;
        return -ENOMEM;
    }
    return 0;
}

static int write_prosody_config(struct harness *h)
{
    char c2s[16], comp[16];
    char *script;
    int rc = prosody_script(&script);

    if (rc < 0)
        return rc;
    snprintf(c2s, sizeof(c2s), "%d", h->c2s_port);
    snprintf(comp, sizeof(comp), "%d", h->component_port);
    char *argv[] = {
        "/bin/bash", script, "config",       h->rundir,
        c2s,         comp,   HARNESS_DOMAIN, HARNESS_COMPONENT_DOMAIN,
        h->secret,   NULL};
    rc = run_command(argv);
    free(script);
    return rc;
}

/* Waits for both ports; fails early if Prosody exits. */
static int wait_prosody_ports(struct harness *h)
{
    long long deadline = now_ms() + PROSODY_START_MS;

    while (now_ms() < deadline) {
        if (child_gone(&h->prosody)) {
            fprintf(stderr,
                    "harness: Prosody exited during startup "
                    "(wait status %d)\n",
                    h->prosody.status);
            return -ECHILD;
        }
        if (harness_port_open(h->c2s_port) &&
            harness_port_open(h->component_port))
            return 0;
        sleep_ms(POLL_MS);
    }
    fprintf(stderr, "harness: Prosody did not listen within %d ms\n",
            PROSODY_START_MS);
    return -ETIMEDOUT;
}

int harness_prosody_start(struct harness *h)
{
    char *cfg = NULL, *out = NULL, *lock = NULL;
    const char *prosody = getenv("PROSODY");
    char *argv[5];
    int rc;

    if (!child_gone(&h->prosody))
        return -EALREADY;
    rc = write_prosody_config(h);
    if (rc < 0)
        return rc;
    cfg = run_path(h, "prosody.cfg.lua");
    out = run_path(h, "prosody.out");
    lock = run_path(h, "data/prosody.pid");
    rc = -ENOMEM;
    if (!cfg || !out || !lock)
        goto out;
    /* Prosody hangs on a pidfile locked by a dead run's leftover. */
    unlink(lock);
    argv[0] = (char *)(prosody && *prosody ? prosody : "prosody");
    argv[1] = "--config";
    argv[2] = cfg;
    argv[3] = "-F";
    argv[4] = NULL;
    rc = spawn(&h->prosody, argv, out);
    if (rc < 0)
        goto out;
    rc = wait_prosody_ports(h);
    if (rc < 0) {
        child_stop(&h->prosody, SIGKILL, 0, "Prosody");
        fprintf(stderr, "harness: see %s/prosody.log and prosody.out\n",
                h->rundir);
    }
out:
    free(cfg);
    free(out);
    free(lock);
    return rc;
}

int harness_prosody_stop(struct harness *h)
{
    child_stop(&h->prosody, SIGTERM, PROSODY_STOP_MS, "Prosody");
    return 0;
}

int harness_prosody_restart(struct harness *h)
{
    int rc = harness_prosody_stop(h);

    return rc < 0 ? rc : harness_prosody_start(h);
}

int harness_prosody_running(struct harness *h)
{
    return !child_gone(&h->prosody);
}

int harness_register(struct harness *h, const char *user, const char *password)
{
    char *script;
    int rc = prosody_script(&script);

    if (rc < 0)
        return rc;
    char *argv[] = {"/bin/bash",  script,         "register",       h->rundir,
                    (char *)user, HARNESS_DOMAIN, (char *)password, NULL};
    rc = run_command(argv);
    free(script);
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

static int write_cardxd_config(struct harness *h, const char *path)
{
    FILE *f = fopen(path, "w");
    int rc;

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
            "[phone]\ndefault_region = CN\n",
            HARNESS_COMPONENT_DOMAIN, h->secret, h->component_port, h->rundir);
    if (h->cardxd_extra)
        fputs(h->cardxd_extra, f);
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
    if (!conf || !log ||
        asprintf(&prog, "%s/component/cardxd", builddir()) < 0) {
        prog = NULL;
        goto out;
    }
    rc = write_cardxd_config(h, conf);
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

int harness_cardxd_running(struct harness *h)
{
    return !child_gone(&h->cardxd);
}

int harness_cardxd_link_ups(struct harness *h)
{
    char *path = run_path(h, "cardxd.log");
    char line[4096];
    FILE *f;
    int n = 0;

    if (!path)
        return -ENOMEM;
    f = fopen(path, "r");
    free(path);
    if (!f)
        return errno == ENOENT ? 0 : -errno;
    /* A line longer than the buffer is read in pieces; the phrase is short
     * and cardxd's lines are not, in practice, long enough to split it. */
    while (fgets(line, sizeof(line), f))
        if (strstr(line, LINK_UP_PHRASE))
            n++;
    fclose(f);
    return n;
}

int harness_cardxd_wait_link_up(struct harness *h, int n, int timeout_ms)
{
    long long deadline = now_ms() + timeout_ms;

    for (;;) {
        int ups = harness_cardxd_link_ups(h);

        if (ups < 0)
            return ups;
        if (ups >= n)
            return 0;
        if (child_gone(&h->cardxd)) {
            fprintf(stderr,
                    "harness: cardxd is not running (see %s/"
                    "cardxd.log)\n",
                    h->rundir);
            return -ECHILD;
        }
        if (now_ms() >= deadline) {
            fprintf(stderr,
                    "harness: no '%s' #%d in %s/cardxd.log within "
                    "%d ms\n",
                    LINK_UP_PHRASE, n, h->rundir, timeout_ms);
            return -ETIMEDOUT;
        }
        sleep_ms(POLL_MS);
    }
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
    child_stop(&h->prosody, SIGTERM, PROSODY_STOP_MS, "Prosody");
    keep_env = getenv("CARDX_KEEP_RUNDIR");
    if (h->keep || (keep_env && *keep_env))
        fprintf(stderr,
                "harness: kept run dir %s (prosody.log, cardxd.log)"
                "\n",
                h->rundir);
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
