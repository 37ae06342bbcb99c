/* Integration-test cluster: a two-node loopback ejabberd cluster and cardxd
 * instances attached to its nodes, sharing one database. */
#ifndef CARDX_TESTS_CLUSTER_H
#define CARDX_TESTS_CLUSTER_H

#include <sys/types.h>

/*
 * One cluster owns a fresh run directory (mkdtemp under $TMPDIR or /tmp),
 * the loopback ports of an epmd and of two ejabberd nodes (distribution,
 * c2s, component), a random component secret, and the processes started
 * from it: epmd, the nodes and one cardxd per node. Both nodes serve
 * HARNESS_DOMAIN and accept cardxd on HARNESS_COMPONENT_DOMAIN;
 * tests/integration/servers/ejabberd-cluster.sh (found through
 * $CARDX_SRCDIR, else SRCDIR) configures them, execs epmd and the nodes
 * (which the cluster forks itself, each in its own process group with
 * PR_SET_PDEATHSIG(SIGKILL): a test that dies leaves nothing running; start
 * them from the main thread) and joins node 1 to node 0.
 *
 * Nodes and instances are numbered 0 and 1; instance i attaches to node i.
 * Both instances use one database: RUNDIR/cardxd.sqlite, or with
 * $CARDX_STORE=postgresql a throwaway PostgreSQL
 * (tests/integration/servers/postgresql.sh, in RUNDIR/pg) that
 * cluster_start() starts and cluster_free() stops.
 *
 * Files in the run directory: the script's (see ejabberd-cluster.sh:
 * nodeN/ with each node's config, spool and logs, epmd.out), cardxd-I.conf
 * and cardxd-I.log (instance I's config and output, appended across
 * restarts), cardxd.sqlite. cluster_free() removes it unless
 * $CARDX_KEEP_RUNDIR is set or cluster_keep_rundir() was called.
 *
 * Every wait is bounded. Functions return 0 or a negative errno value and
 * say why on stderr.
 */

#define CLUSTER_NODES 2

struct cluster;

/* Makes the run directory, picks the ports and the secret; starts nothing.
 * When ejabberd, Erlang (or, with $CARDX_STORE=postgresql, PostgreSQL) is
 * not installed it exits the program with HARNESS_EXIT_SKIP, or with
 * $CARDX_REQUIRE_SERVERS=1 returns NULL. NULL on failure. */
struct cluster *cluster_new(void);

/* Stops the instances, the nodes, epmd and PostgreSQL, then removes the run
 * directory (see above). Accepts NULL. */
void cluster_free(struct cluster *c);

/* Keeps the run directory at cluster_free(), e.g. when a test failed. */
void cluster_keep_rundir(struct cluster *c);

/* Borrowed, valid until cluster_free(). */
const char *cluster_rundir(const struct cluster *c);

/* Starts the database (PostgreSQL only), epmd and both nodes, and joins
 * node 1 to node 0's cluster; returns once both nodes serve as one cluster
 * (bounded by a few minutes in all). -EALREADY if started. */
int cluster_start(struct cluster *c);

/* The ports of node (0 or 1). */
int cluster_c2s_port(const struct cluster *c, int node);
int cluster_component_port(const struct cluster *c, int node);

/* Creates the account user@HARNESS_DOMAIN by in-band registration on node;
 * -EEXIST if it exists (on any node: accounts are shared). */
int cluster_register(struct cluster *c, int node, const char *user,
                     const char *password);

/* Appends INI text to the cardxd.conf of every instance started next
 * (see harness_cardxd_config_append()). */
int cluster_cardxd_config_append(struct cluster *c, const char *ini);

/* Writes RUNDIR/cardxd-I.conf and starts instance i attached to node i;
 * does not wait for the link. -EALREADY if it runs already. */
int cluster_cardxd_start(struct cluster *c, int i);

/* Sends sig (SIGTERM: a clean stop, SIGKILL: a crash) to instance i, waits
 * up to 10 s, then SIGKILLs it; returns its wait status (waitpid(2)), or
 * -ECHILD when it was not started. */
int cluster_cardxd_kill(struct cluster *c, int i, int sig);

/* 1 while instance i lives, else 0. */
int cluster_cardxd_running(struct cluster *c, int i);

/* How many lines of instance i's log contain phrase, or a negative error. */
int cluster_cardxd_log_count(struct cluster *c, int i, const char *phrase);

/* Waits for instance i's first handshake since its last start. -ETIMEDOUT,
 * or -ECHILD as soon as it has died. */
int cluster_cardxd_wait_connected(struct cluster *c, int i, int timeout_ms);

#endif
