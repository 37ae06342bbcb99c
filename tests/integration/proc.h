/* Process, port and file plumbing shared by the test harness and cluster. */
#ifndef CARDX_TESTS_PROC_H
#define CARDX_TESTS_PROC_H

#include <sys/types.h>

/*
 * What harness.c and cluster.c both do with the processes they start: fork
 * them in their own process group with PR_SET_PDEATHSIG(SIGKILL) (so start
 * them from the main thread), run server scripts with a bound, pick free
 * loopback ports, write cardxd.conf and count phrases in logs. Functions
 * return 0 or a negative errno value and say why on stderr.
 */

/* How often bounded waits look again. */
#define PROC_POLL_MS 20
/* Bounds a server script's short commands (check, config, register). */
#define PROC_SCRIPT_MS 30000
/* Bounds cardxd's clean exit before SIGKILL. */
#define PROC_CARDXD_STOP_MS 10000
/* Bounds the wait for a stopped server's ports to close. */
#define PROC_PORTS_CLOSE_MS 5000
/* The phrase cardxd logs at each successful handshake. */
#define PROC_LINK_UP_PHRASE "component link up"
/* Hex digits of a component secret, and its NUL. */
#define PROC_SECRET_SIZE 33

/* A child process we started; pid 0 when there is none to collect. */
struct proc_child {
    pid_t pid;
    int status; /* wait status once collected */
    int collected;
};

void proc_sleep_ms(int ms);

/* $CARDX_SRCDIR, else SRCDIR; $CARDX_BUILDDIR, else BUILDDIR. Borrowed. */
const char *proc_srcdir(void);
const char *proc_builddir(void);

/* "dir/name", or NULL; the caller frees it. */
char *proc_path(const char *dir, const char *name);

/* The path of tests/integration/servers/name, or NULL; the caller frees. */
char *proc_script_path(const char *name);

/* Makes a fresh directory "$TMPDIR/PREFIX-XXXXXX" (/tmp without $TMPDIR);
 * returns its path for the caller to free, or NULL. */
char *proc_rundir_make(const char *prefix);

/* Removes dir and all below it, unless keep or $CARDX_KEEP_RUNDIR is set;
 * returns 1 when it kept dir (the caller names it), else 0. */
int proc_rundir_remove(const char *dir, int keep);

/* Picks n distinct free loopback ports below Linux's ephemeral range
 * (32768+), so that outgoing connections cannot grab them between server
 * restarts. -EADDRINUSE when it finds too few. */
int proc_pick_ports(int ports[], int n);

/* Fills secret with 32 random hex digits and a NUL. */
int proc_make_secret(char secret[PROC_SECRET_SIZE]);

/* 1 if something accepts TCP connections on 127.0.0.1:port, else 0. */
int proc_port_open(int port);

/* After a server exited: its sockets close with it, but waits (up to
 * PROC_PORTS_CLOSE_MS) until none of the n ports accepts connections so
 * that a restart never meets EADDRINUSE. */
void proc_wait_ports_closed(const int ports[], int n);

/* Collects the child without blocking; 1 once it is gone. */
int proc_child_gone(struct proc_child *ch);

/* Sends sig, waits up to wait_ms for the exit, then SIGKILLs and reaps;
 * name is for messages. */
void proc_child_stop(struct proc_child *ch, int sig, int wait_ms,
                     const char *name);

/* proc_child_stop(), then the wait status of the collected child, handed
 * out once; -ECHILD when there is none. */
int proc_child_reap(struct proc_child *ch, int sig, int wait_ms,
                    const char *name);

/* Forks and execs argv with output appended to log_path (NULL: inherited),
 * stdin from /dev/null, in its own process group and killed when this
 * process dies. */
int proc_spawn(struct proc_child *ch, char *const argv[], const char *log_path);

/* Runs argv (an interpreter, a script, its command...) as proc_spawn()
 * does, to completion within limit_ms. Returns its exit status (0..255), or
 * a negative errno value when it could not run, was killed or ran over. */
int proc_run_status(char *const argv[], const char *log_path, int limit_ms);

/* As proc_run_status(); 0 only when it exited with status 0. */
int proc_run_ok(char *const argv[], const char *log_path, int limit_ms);

/* Runs "check" of the script name in tests/integration/servers/; 0 when
 * label's server is installed. Without it the test program exits
 * HARNESS_EXIT_SKIP (automake counts it as skipped), so that a machine
 * without the servers can still run `make check`; with
 * $CARDX_REQUIRE_SERVERS=1 (scripts/test.sh) it fails with -ENOENT. */
int proc_require(const char *name, const char *label);

/* The script of the throwaway PostgreSQL, in tests/integration/servers/. */
#define PROC_PG_SCRIPT "postgresql.sh"

/* 1 when $CARDX_STORE says postgresql, 0 for sqlite (the default), else
 * -EINVAL. */
int proc_store_pg(void);

/* Appends ini and a newline to the INI text at *text (NULL: none yet). */
int proc_ini_append(char **text, const char *ini);

/* Creates the account user@HARNESS_DOMAIN by in-band registration on the
 * c2s port; -EEXIST if it exists. */
int proc_register(const char *user, const char *password, int c2s_port);

/* How many lines of the file at path contain phrase; 0 while it does not
 * exist. */
int proc_log_count(const char *path, const char *phrase);

/* Waits until the log at path holds n lines with phrase, written by the
 * cardxd ch. -ETIMEDOUT, or -ECHILD as soon as it has died. */
int proc_wait_log(const char *path, struct proc_child *ch, const char *phrase,
                  int n, int timeout_ms);

/* What a test's cardxd.conf says beyond the fixed test settings. */
struct proc_cardxd_conf {
    const char *title;    /* the opening comment, after "; written by " */
    const char *secret;   /* the component secret */
    int port;             /* the server's component port */
    const char *rundir;   /* holds the SQLite database, cardxd.sqlite */
    const char *dsn;      /* PostgreSQL's connection string, or NULL */
    const char *instance; /* [cluster] instance, or NULL */
    const char *extra;    /* INI text at the end, or NULL */
    const char *more;     /* INI text after extra, or NULL */
};

/* Writes cardxd.conf at path, private (mode 0600) as an admin keeps it. */
int proc_cardxd_conf_write(const char *path,
                           const struct proc_cardxd_conf *conf);

/* Starts $CARDX_BUILDDIR/component/cardxd (else BUILDDIR's) with the
 * config at conf_path, output appended to log_path. */
int proc_cardxd_spawn(struct proc_child *ch, const char *conf_path,
                      const char *log_path);

#endif
