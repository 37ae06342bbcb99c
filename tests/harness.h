/* Integration-test harness: a throwaway loopback Prosody and cardxd. */
#ifndef CARDX_TESTS_HARNESS_H
#define CARDX_TESTS_HARNESS_H

/*
 * One harness owns a fresh run directory (mkdtemp under $TMPDIR or /tmp),
 * two free loopback ports, a random component secret, and the Prosody and
 * cardxd processes started from it. The config is written by
 * tests/servers/prosody.sh (found through $CARDX_SRCDIR, else SRCDIR), but
 * the harness forks and execs Prosody and cardxd itself, each in its own
 * process group and with PR_SET_PDEATHSIG(SIGKILL): a test that crashes or
 * aborts never leaves a server behind. The death signal is tied to the
 * thread that started the server, so start servers from the main thread
 * (Check's CK_NOFORK mode runs tests there).
 *
 * Files in the run directory: prosody.cfg.lua, prosody.log (Prosody's log at
 * debug level), prosody.out (its stdout/stderr), data/, cardxd.conf,
 * cardxd.log (cardxd's stdout and stderr, appended across restarts),
 * cardxd.sqlite. harness_free() removes the directory unless
 * $CARDX_KEEP_RUNDIR is set or harness_keep_rundir() was called; a kept one
 * is named on stderr.
 *
 * Every wait is bounded, since Check applies no timeout in CK_NOFORK mode.
 * Functions return 0 or a negative errno value and say why on stderr.
 */

/* The XMPP domain of test users and the component's domain. */
#define HARNESS_DOMAIN "cardx.test"
#define HARNESS_COMPONENT_DOMAIN "cards.cardx.test"

struct harness;

/* Makes the run directory, picks the ports and the secret; starts nothing.
 * NULL on failure. */
struct harness *harness_new(void);

/* Stops cardxd and Prosody if running, then removes the run directory (see
 * above). Accepts NULL. */
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

/* Writes the config and starts Prosody; returns once both ports accept
 * connections (at most 10 s). -EALREADY if it runs already. */
int harness_prosody_start(struct harness *h);

/* SIGTERM, up to 5 s for a clean exit, then SIGKILL; reaps it, so its
 * ports are closed on return. 0 also when it was not running. */
int harness_prosody_stop(struct harness *h);

/* Stop then start, same ports, config and accounts. */
int harness_prosody_restart(struct harness *h);

/* 1 while the Prosody process started by this harness lives, else 0. */
int harness_prosody_running(struct harness *h);

/* Creates an account user@domain with prosodyctl (works whether or not
 * Prosody runs). */
int harness_register(struct harness *h, const char *user, const char *password);

/* Appends INI text (sections and keys) to the cardxd.conf written by the
 * next harness_cardxd_start(), e.g. "[limits]\nvcard_max_bytes = 100\n".
 * Calls accumulate. */
int harness_cardxd_config_append(struct harness *h, const char *ini);

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

/* 1 while the cardxd started by this harness lives, else 0. */
int harness_cardxd_running(struct harness *h);

/* How many "component link up" lines cardxd.log holds so far (cardxd logs
 * one per successful handshake), or a negative error. */
int harness_cardxd_link_ups(struct harness *h);

/* Waits until cardxd.log holds at least n "component link up" lines. Take
 * n = harness_cardxd_link_ups() + 1 before an event to await the next
 * handshake after it. -ETIMEDOUT, or -ECHILD as soon as cardxd has died. */
int harness_cardxd_wait_link_up(struct harness *h, int n, int timeout_ms);

/* Waits for the first handshake since the last harness_cardxd_start(). */
int harness_cardxd_wait_connected(struct harness *h, int timeout_ms);

/* 1 if something accepts TCP connections on 127.0.0.1:port, else 0. */
int harness_port_open(int port);

#endif
