/* Process, port and file plumbing shared by the test harness and cluster. */
#include "tests/integration/proc.h"

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

/* The exit status of a server script's "check" when the server is missing. */
#define SERVER_MISSING 3
/* Free ports are drawn from [PORT_BASE, PORT_BASE + PORT_SPAN). */
#define PORT_BASE 20000
#define PORT_SPAN 12000
#define PORT_TRIES 1000
#define REGISTER_MS 10000

void proc_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

    nanosleep(&ts, NULL);
}

const char *proc_srcdir(void)
{
    const char *dir = getenv("CARDX_SRCDIR");

    return dir && *dir ? dir : SRCDIR;
}

const char *proc_builddir(void)
{
    const char *dir = getenv("CARDX_BUILDDIR");

    return dir && *dir ? dir : BUILDDIR;
}

char *proc_path(const char *dir, const char *name)
{
    char *path;

    if (asprintf(&path, "%s/%s", dir, name) < 0)
        return NULL;
    return path;
}

char *proc_script_path(const char *name)
{
    char *path;

    if (asprintf(&path, "%s/tests/integration/servers/%s", proc_srcdir(),
                 name) < 0)
        return NULL;
    return path;
}

char *proc_rundir_make(const char *prefix)
{
    const char *tmp = getenv("TMPDIR");
    char *dir;

    if (asprintf(&dir, "%s/%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", prefix) < 0)
        return NULL;
    if (!mkdtemp(dir)) {
        fprintf(stderr, "harness: mkdtemp %s: %s\n", dir, strerror(errno));
        free(dir);
        return NULL;
    }
    return dir;
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

int proc_rundir_remove(const char *dir, int keep)
{
    const char *keep_env = getenv("CARDX_KEEP_RUNDIR");

    if (keep || (keep_env && *keep_env))
        return 1;
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}

static struct sockaddr_in loopback(int port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons((unsigned short)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};

    return sa;
}

int proc_port_open(int port)
{
    struct sockaddr_in sa = loopback(port);
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
    struct sockaddr_in sa = loopback(port);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (fd < 0)
        return -1;
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

int proc_pick_ports(int ports[], int n)
{
    int *fds = calloc((size_t)n, sizeof(*fds));
    int found = 0, dup;
    unsigned short r;

    if (!fds)
        return -ENOMEM;
    /* Each port is held bound until all are found, so none repeats. */
    for (int tries = 0; tries < PORT_TRIES && found < n; tries++) {
        if (getrandom(&r, sizeof(r), 0) != sizeof(r))
            break;
        ports[found] = PORT_BASE + r % PORT_SPAN;
        dup = 0;
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
    free(fds);
    if (found < n) {
        fprintf(stderr, "harness: no free loopback ports found\n");
        return -EADDRINUSE;
    }
    return 0;
}

int proc_make_secret(char secret[PROC_SECRET_SIZE])
{
    unsigned char raw[(PROC_SECRET_SIZE - 1) / 2];

    if (getrandom(raw, sizeof(raw), 0) != sizeof(raw))
        return -errno;
    for (size_t i = 0; i < sizeof(raw); i++)
        snprintf(secret + 2 * i, 3, "%02x", raw[i]);
    return 0;
}

void proc_wait_ports_closed(const int ports[], int n)
{
    long long deadline = clock_now_ms() + PROC_PORTS_CLOSE_MS;
    int open;

    do {
        open = 0;
        for (int i = 0; i < n; i++)
            open |= proc_port_open(ports[i]);
        if (open)
            proc_sleep_ms(PROC_POLL_MS);
    } while (open && clock_now_ms() < deadline);
}

int proc_child_gone(struct proc_child *ch)
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

void proc_child_stop(struct proc_child *ch, int sig, int wait_ms,
                     const char *name)
{
    long long deadline = clock_now_ms() + wait_ms;

    if (proc_child_gone(ch))
        return;
    kill(ch->pid, sig);
    while (!proc_child_gone(ch) && clock_now_ms() < deadline)
        proc_sleep_ms(PROC_POLL_MS);
    if (proc_child_gone(ch))
        return;
    fprintf(stderr,
            "harness: %s (pid %d) still running after %d ms; "
            "killing it\n",
            name, (int)ch->pid, wait_ms);
    kill(ch->pid, SIGKILL);
    if (waitpid(ch->pid, &ch->status, 0) < 0)
        ch->status = 0;
    ch->collected = 1;
    ch->pid = 0;
}

int proc_child_reap(struct proc_child *ch, int sig, int wait_ms,
                    const char *name)
{
    proc_child_stop(ch, sig, wait_ms, name);
    if (!ch->collected)
        return -ECHILD;
    ch->collected = 0; /* hand the status out once */
    return ch->status;
}

/* What a freshly forked child does before exec: die with us, own process
 * group (a terminal's Ctrl-C goes to the test, which then takes the servers
 * down), output to log_fd (-1: inherited). Only async-signal-safe calls. */
static void child_setup(pid_t parent, int log_fd)
{
    int null_fd;

    setpgid(0, 0);
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
        _exit(127);
    null_fd = open("/dev/null", O_RDONLY);
    if (null_fd < 0 || dup2(null_fd, 0) < 0)
        _exit(127);
    if (log_fd >= 0 && (dup2(log_fd, 1) < 0 || dup2(log_fd, 2) < 0))
        _exit(127);
}

int proc_spawn(struct proc_child *ch, char *const argv[], const char *log_path)
{
    pid_t parent = getpid(), pid;
    int log_fd = -1;

    if (log_path) {
        log_fd =
            open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (log_fd < 0) {
            int err = -errno;

            fprintf(stderr, "harness: %s: %s\n", log_path, strerror(-err));
            return err;
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
        child_setup(parent, log_fd);
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

int proc_run_status(char *const argv[], const char *log_path, int limit_ms)
{
    struct proc_child ch = {0};
    long long deadline = clock_now_ms() + limit_ms;
    int rc = proc_spawn(&ch, argv, log_path);

    if (rc < 0)
        return rc;
    while (!proc_child_gone(&ch) && clock_now_ms() < deadline)
        proc_sleep_ms(PROC_POLL_MS);
    if (!ch.collected) {
        fprintf(stderr, "harness: %s %s timed out\n", argv[1], argv[2]);
        /* Its own process group: the Erlang or pg_ctl it runs goes too. */
        kill(-ch.pid, SIGKILL);
        proc_child_stop(&ch, SIGKILL, 0, argv[1]);
        return -ETIMEDOUT;
    }
    if (!WIFEXITED(ch.status)) {
        fprintf(stderr, "harness: %s %s failed (wait status %d)\n", argv[1],
                argv[2], ch.status);
        return -EIO;
    }
    return WEXITSTATUS(ch.status);
}

int proc_run_ok(char *const argv[], const char *log_path, int limit_ms)
{
    int rc = proc_run_status(argv, log_path, limit_ms);

    if (rc > 0) {
        fprintf(stderr, "harness: %s %s failed (exit status %d)%s%s\n", argv[1],
                argv[2], rc, log_path ? "; see " : "",
                log_path ? log_path : "");
        return -EIO;
    }
    return rc;
}

int proc_require(const char *name, const char *label)
{
    const char *require = getenv("CARDX_REQUIRE_SERVERS");
    char *script = proc_script_path(name);
    int rc;

    if (!script)
        return -ENOMEM;
    char *argv[] = {"/bin/bash", script, "check", NULL};
    rc = proc_run_status(argv, NULL, PROC_SCRIPT_MS);
    free(script);
    if (rc != SERVER_MISSING)
        return rc > 0 ? -EIO : rc;
    if (require && strcmp(require, "1") == 0) {
        fprintf(stderr,
                "harness: %s is not installed and CARDX_REQUIRE_SERVERS=1: "
                "failing\n",
                label);
        return -ENOENT;
    }
    fprintf(stderr,
            "harness: SKIP: %s is not installed; integration tests need it "
            "(set CARDX_REQUIRE_SERVERS=1 to make this a failure)\n",
            label);
    exit(HARNESS_EXIT_SKIP);
}

int proc_store_pg(void)
{
    const char *store = getenv("CARDX_STORE");

    if (!store || !*store || strcmp(store, "sqlite") == 0)
        return 0;
    if (strcmp(store, "postgresql") == 0)
        return 1;
    fprintf(stderr,
            "harness: unknown CARDX_STORE '%s' (sqlite or postgresql)\n",
            store);
    return -EINVAL;
}

int proc_ini_append(char **text, const char *ini)
{
    char *joined;

    if (asprintf(&joined, "%s%s\n", *text ? *text : "", ini) < 0)
        return -ENOMEM;
    free(*text);
    *text = joined;
    return 0;
}

int proc_register(const char *user, const char *password, int c2s_port)
{
    char *jid;
    int rc;

    if (asprintf(&jid, "%s@%s", user, HARNESS_DOMAIN) < 0)
        return -ENOMEM;
    rc = xclient_register_account(jid, password, "127.0.0.1", c2s_port,
                                  REGISTER_MS);
    if (rc < 0)
        fprintf(stderr,
                "harness: in-band registration of %s on port %d failed: %d\n",
                jid, c2s_port, rc);
    free(jid);
    return rc;
}

int proc_log_count(const char *path, const char *phrase)
{
    char line[4096];
    FILE *f = fopen(path, "r");
    int n = 0;

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

int proc_wait_log(const char *path, struct proc_child *ch, const char *phrase,
                  int n, int timeout_ms)
{
    long long deadline = clock_now_ms() + timeout_ms;

    for (;;) {
        int count = proc_log_count(path, phrase);

        if (count < 0)
            return count;
        if (count >= n)
            return 0;
        if (proc_child_gone(ch)) {
            fprintf(stderr, "harness: cardxd is not running (see %s)\n", path);
            return -ECHILD;
        }
        if (clock_now_ms() >= deadline) {
            fprintf(stderr, "harness: no '%s' #%d in %s within %d ms\n", phrase,
                    n, path, timeout_ms);
            return -ETIMEDOUT;
        }
        proc_sleep_ms(PROC_POLL_MS);
    }
}

/* The settings every test's cardxd shares, then what conf adds. */
static void cardxd_conf_print(FILE *f, const struct proc_cardxd_conf *conf)
{
    fprintf(f,
            "; written by %s\n"
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
            conf->title, HARNESS_COMPONENT_DOMAIN, conf->secret, conf->port,
            conf->rundir, proc_builddir());
    /* Named, so that the database and the logs tell instances apart. */
    if (conf->instance)
        fprintf(f, "[cluster]\ninstance = %s\n", conf->instance);
    /* Before the test's own settings, which may name another database. */
    if (conf->dsn)
        fprintf(f, "[storage]\ndriver = postgresql\ndsn = %s\n", conf->dsn);
    if (conf->extra)
        fputs(conf->extra, f);
    if (conf->more)
        fputs(conf->more, f);
}

int proc_cardxd_conf_write(const char *path,
                           const struct proc_cardxd_conf *conf)
{
    FILE *f = fopen(path, "w");
    int rc;

    /* Private, as an admin keeps it: cardxd warns about any other mode. */
    if (f && fchmod(fileno(f), 0600) < 0) {
        fclose(f);
        f = NULL;
    }
    if (!f) {
        int err = -errno;

        fprintf(stderr, "harness: %s: %s\n", path, strerror(-err));
        return err;
    }
    cardxd_conf_print(f, conf);
    rc = ferror(f) ? -EIO : 0;
    if (fclose(f) != 0)
        rc = -EIO;
    return rc;
}

int proc_cardxd_spawn(struct proc_child *ch, const char *conf_path,
                      const char *log_path)
{
    char *prog;
    int rc;

    if (asprintf(&prog, "%s/component/cardxd", proc_builddir()) < 0)
        return -ENOMEM;
    char *argv[] = {prog, "-c", (char *)conf_path, NULL};
    rc = proc_spawn(ch, argv, log_path);
    free(prog);
    return rc;
}
