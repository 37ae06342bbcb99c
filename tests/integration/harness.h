/* Integration-test harness: a throwaway loopback XMPP server and cardxd. */
#ifndef CARDX_TESTS_HARNESS_H
#define CARDX_TESTS_HARNESS_H

#include <sys/types.h>

/*
 * One harness owns a fresh run directory (mkdtemp under $TMPDIR or /tmp),
 * two free loopback ports, a random component secret, and the XMPP server
 * and cardxd processes started from it. The server is Prosody, or ejabberd
 * when $CARDX_SERVER is "ejabberd" (read by harness_new(); "prosody" is the
 * default), so that every integration test runs unchanged on either.
 *
 * tests/integration/servers/NAME.sh (found through $CARDX_SRCDIR, else SRCDIR)
 * writes the server's config ("config") and execs the server ("run"). The
 * harness forks the server and cardxd itself, each in its own process group and
 * with PR_SET_PDEATHSIG(SIGKILL), and the script execs the server in that
 * same process: a test that crashes, aborts or is killed never leaves a
 * server behind. The death signal is tied to the thread that started the
 * server, so start servers from the main thread (Check's CK_NOFORK mode
 * runs tests there).
 *
 * Files in the run directory: the server's config (prosody.cfg.lua or
 * ejabberd.yml), its log (prosody.log at debug level, or ejabberd.log and
 * error.log), its stdout/stderr (prosody.out or ejabberd.out), its data
 * (data/ or spool/), cardxd.conf, cardxd.log (cardxd's stdout and stderr,
 * appended across restarts), cardxd.sqlite. harness_free() removes the
 * directory unless $CARDX_KEEP_RUNDIR is set or harness_keep_rundir() was
 * called; a kept one is named on stderr.
 *
 * Every wait is bounded, since Check applies no timeout in CK_NOFORK mode.
 * Functions return 0 or a negative errno value and say why on stderr.
 */

/* The exit status of a test program whose server is not installed: automake
 * counts it as skipped (see harness_new()). */
#define HARNESS_EXIT_SKIP 77

/* The XMPP domain of test users and the component's domain. */
#define HARNESS_DOMAIN "cardx.test"
#define HARNESS_COMPONENT_DOMAIN "cards.cardx.test"

struct harness;

enum harness_server {
    HARNESS_PROSODY,
    HARNESS_EJABBERD,
    HARNESS_PROSODY_STOCK
};

/* $CARDX_SERVER=prosody-stock runs a Prosody close to Debian's stock
 * configuration (servers/prosody-stock.cfg.lua.in): TLS required, accounts
 * only by invitation or prosodyctl (harness_register), limits, smacks,
 * carbons, blocklist. Clients must use TLS and trust HARNESS_STOCK_CA (in
 * the run directory), the self-signed certificate naming the test domain;
 * with $CARDX_STOCK_CERT=host at start, Prosody serves one naming only the
 * host instead, as Debian's snakeoil certificate does, and with
 * $CARDX_STOCK_TLS=no-shared-cipher a TLS set-up no client agrees with.
 * Tests whose clients
 * speak plaintext or register in-band do not run on it. */
#define HARNESS_STOCK_CA "certs/domain.crt"

/* Makes the run directory, picks the ports and the secret; starts nothing.
 * The server is chosen by $CARDX_SERVER (prosody, ejabberd or
 * prosody-stock); $CARDX_PRIVILEGED=1 does what
 * harness_enable_privileges() does. NULL on failure (also for an unknown
 * $CARDX_SERVER). When the server is not installed it exits the program with
 * HARNESS_EXIT_SKIP, or with $CARDX_REQUIRE_SERVERS=1 returns NULL. */
struct harness *harness_new(void);

/* Stops cardxd and the server if running, then removes the run directory
 * (see above). Accepts NULL. */
void harness_free(struct harness *h);

/* Keeps the run directory at harness_free(), e.g. when a test failed. */
void harness_keep_rundir(struct harness *h);

/* Borrowed strings, valid until harness_free(). */
const char *harness_rundir(const struct harness *h);
const char *harness_domain(const struct harness *h);
const char *harness_component_domain(const struct harness *h);
const char *harness_secret(const struct harness *h);
int harness_c2s_port(const struct harness *h);
int harness_component_port(const struct harness *h);

/* "user@domain" for a user of the test domain; the caller frees it with
 * free(). NULL on allocation failure. */
char *harness_jid(const struct harness *h, const char *user);

/* Which server this harness runs, and its name ("prosody", "ejabberd"). */
enum harness_server harness_server(const struct harness *h);
const char *harness_server_name(const struct harness *h);

/* Grants cardxd privileged presence (XEP-0356, presence "managed_entity")
 * in the config written by the next server start: the server then sends
 * cardxd every user's presence, subscribed or not. */
void harness_enable_privileges(struct harness *h);

/* 1 when the server is (to be) configured with privileges, else 0. */
int harness_privileged(const struct harness *h);

/* Writes the config and starts the server; returns once both ports accept
 * connections and the server serves (at most 10 s for Prosody, 30 s for
 * ejabberd). -EALREADY if it runs already. */
int harness_server_start(struct harness *h);

/* SIGTERM, up to 5 s (Prosody) or 15 s (ejabberd) for a clean exit, then
 * SIGKILL; reaps it and waits until its ports are closed. 0 also when it
 * was not running. */
int harness_server_stop(struct harness *h);

/* Stop then start, same ports, config and accounts. */
int harness_server_restart(struct harness *h);

/* 1 while the server process started by this harness lives, else 0. */
int harness_server_running(struct harness *h);

/* Sends sig to the server's process group, e.g. SIGSTOP to make it hang
 * without closing its sockets and SIGCONT to resume it. -ESRCH when it
 * does not run. harness_server_stop() resumes a stopped server first. */
int harness_server_signal(struct harness *h, int sig);

/* The names the first tests used, when Prosody was the only server: the
 * same as harness_server_start() and so on, whichever server runs. */
int harness_prosody_start(struct harness *h);
int harness_prosody_stop(struct harness *h);
int harness_prosody_restart(struct harness *h);
int harness_prosody_running(struct harness *h);

/* Creates an account user@domain. Prosody: with prosodyctl, whether or not
 * Prosody runs. ejabberd: by in-band registration, so the server must run;
 * -EEXIST if the account exists. */
int harness_register(struct harness *h, const char *user, const char *password);

/* Appends INI text (sections and keys) to the cardxd.conf written by the
 * next harness_cardxd_start(), e.g. "[limits]\nvcard_max_bytes = 100\n".
 * Calls accumulate. */
int harness_cardxd_config_append(struct harness *h, const char *ini);

/* Forgets what harness_cardxd_config_append() added: the next start or
 * reload writes the harness's own settings only. */
void harness_cardxd_config_reset(struct harness *h);

/* Makes the next cardxd prove numbers with codes ([verify] method =
 * command) sent by scripts/send-code-log.sh, which prints each code into
 * cardxd.log as "cardx code for NUMBER: CODE" for harness_verify_code().
 * Without it, the harness's cardxd.conf says method = none. */
int harness_verify_by_log(struct harness *h);

/* Six digits and a NUL. */
#define HARNESS_CODE_LEN 7

/* Waits up to timeout_ms until cardxd.log holds the n-th (from 1) code
 * sent to phone (E.164), and copies it into code. -ENOENT if it never
 * came. Count the codes so far with harness_cardxd_log_count(h,
 * "cardx code for NUMBER: ") to await the next. */
int harness_verify_code(struct harness *h, const char *phone, int n,
                        char code[HARNESS_CODE_LEN], int timeout_ms);

/* Writes RUNDIR/cardxd.conf and starts $CARDX_BUILDDIR/component/cardxd
 * (else BUILDDIR's) with it; does not wait for the link. -EALREADY if it
 * runs already. */
int harness_cardxd_start(struct harness *h);

/* SIGTERM, up to 10 s, then SIGKILL. Returns cardxd's wait status
 * (waitpid(2), so 0 means it exited with status 0), also when it had exited
 * by itself; -ECHILD when it was never started or already collected. */
int harness_cardxd_stop(struct harness *h);

/* Sends sig (e.g. SIGKILL) and reaps cardxd; returns its wait status as
 * harness_cardxd_stop() does. */
int harness_cardxd_kill(struct harness *h, int sig);

/* Writes cardxd.conf again (with what harness_cardxd_config_append() added
 * since the start) and sends the running cardxd SIGHUP, which reloads it.
 * Returns at once; -ECHILD when no cardxd runs. */
int harness_cardxd_reload(struct harness *h);

/* 1 while the cardxd started by this harness lives, else 0. */
int harness_cardxd_running(struct harness *h);

/* The pid of the cardxd that runs, e.g. to read its /proc entry; 0 when
 * none runs. */
pid_t harness_cardxd_pid(struct harness *h);

/* How many lines of cardxd.log contain phrase so far, or a negative error
 * (0 before cardxd.log exists). */
int harness_cardxd_log_count(struct harness *h, const char *phrase);

/* How many "component link up" lines cardxd.log holds so far (cardxd logs
 * one per successful handshake), or a negative error. */
int harness_cardxd_link_ups(struct harness *h);

/* Waits until cardxd.log holds at least n "component link up" lines. Take
 * n = harness_cardxd_link_ups() + 1 before an event to await the next
 * handshake after it. -ETIMEDOUT, or -ECHILD as soon as cardxd has died. */
int harness_cardxd_wait_link_up(struct harness *h, int n, int timeout_ms);

/* Waits until cardxd.log holds at least n lines containing phrase.
 * -ETIMEDOUT, or -ECHILD as soon as cardxd has died. */
int harness_cardxd_wait_log(struct harness *h, const char *phrase, int n,
                            int timeout_ms);

/* A second cardxd on the same component domain and database, as several
 * instances run (#11): RUNDIR/cardxd2.conf is cardxd.conf with ini (INI
 * text, may be NULL) at its end, its log RUNDIR/cardxd2.log. Does not
 * wait for the link; -EALREADY if it runs already. harness_free() stops
 * it. */
int harness_cardxd2_start(struct harness *h, const char *ini);
/* Sends sig and reaps the second cardxd; its wait status, as
 * harness_cardxd_kill(). */
int harness_cardxd2_kill(struct harness *h, int sig);
/* harness_cardxd_log_count() and harness_cardxd_wait_log() of
 * cardxd2.log. */
int harness_cardxd2_log_count(struct harness *h, const char *phrase);
int harness_cardxd2_wait_log(struct harness *h, const char *phrase, int n,
                             int timeout_ms);

/* Waits for the first handshake since the last harness_cardxd_start(). */
int harness_cardxd_wait_connected(struct harness *h, int timeout_ms);

/* cardxd's database. With $CARDX_STORE=postgresql (read by harness_new();
 * "sqlite" is the default) cardxd runs on a throwaway PostgreSQL in
 * RUNDIR/pg (tests/integration/servers/postgresql.sh) on a third free
 * loopback port: harness_cardxd_start() starts it the first time and
 * writes its driver and dsn into cardxd.conf, harness_free() stops it. When
 * PostgreSQL is not installed, harness_new() skips as for a server. */
int harness_store_pg(const struct harness *h);

/* Starts, stops and restarts (stop then start on the same port, the
 * database-fault tests) that PostgreSQL. -EALREADY when started already,
 * -ESRCH when a restart finds none started. */
int harness_pg_start(struct harness *h);
int harness_pg_stop(struct harness *h);
int harness_pg_restart(struct harness *h);

/* Freezes that PostgreSQL for seconds (SIGSTOP to its postmaster and
 * backends: a hung server that still accepts TCP), then resumes it, also
 * when the script is interrupted. Returns once resumed; -ESRCH when none
 * was started. */
int harness_pg_freeze(struct harness *h, int seconds);

/* Its connection string, as cardxd.conf's dsn; the caller frees it. */
char *harness_pg_dsn(const struct harness *h);

/* 1 if something accepts TCP connections on 127.0.0.1:port, else 0. */
int harness_port_open(int port);

#endif
