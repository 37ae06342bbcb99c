/* The cardxd daemon: wires config, store, service and link into one poll()
 * loop, with SIGINT/SIGTERM (stop) and SIGHUP (reload) delivered through a
 * signalfd. */
#include "component/cardxd.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"
#include "component/db.h"
#include "component/db_pg.h"
#include "component/link.h"
#include "component/metrics.h"
#include "component/notify.h"
#include "component/service.h"
#include "component/store.h"
#include "buildconf.h"

/* How long a clean stop may spend flushing the closing stream. */
#define CARDXD_SHUTDOWN_FLUSH_MS 1000
/* While the database server is unreachable, cardxd tries again after
 * this long, doubling up to the maximum (requests meanwhile get `wait`). */
#define CARDXD_DB_RETRY_MIN_MS 100
#define CARDXD_DB_RETRY_MAX_MS 5000

/* Secrets that example configs and guides show: a server that accepts one
 * of them lets anyone on its component port act as the service. */
static const char *const placeholder_secrets[] = {"change-me", "changeme",
                                                  "secret", NULL};

/* The work of one read or tick in one transaction, kept until it commits
 * so that it can be done again without one when the commit fails. */
struct batch {
    int open;             /* a transaction is open for it */
    int tick;             /* it is service_tick()'s work, not stanzas */
    int link_down;        /* the link went down during it */
    struct link_mark out; /* where its replies start in the link's output */
    /* Its stanzas (references), in order; NULL where the link came up. */
    xmpp_stanza_t **in;
    size_t n;
    size_t cap;
};

struct cardxd {
    struct cardxd_config *cfg; /* replaced by each reload */
    struct cardxd_opts opts;
    struct log *log;
    xmpp_ctx_t *ctx;
    struct store *store;
    struct service *service;
    struct link *link;
    struct metrics *metrics; /* NULL unless [metrics] listen is set */
    struct batch batch;
    /* The database server is unreachable since down_since (unix ms, 0
     * while it is up); the next try is at retry_at, after retry_ms (0
     * before the first failed try), unless one is in flight (connecting:
     * the loop polls what store_wait() says). */
    int64_t db_down_since;
    int64_t db_retry_at;
    int64_t db_retry_ms;
    int db_connecting;
};

/* Keeps stanza (or NULL: the link came up) to handle it again should the
 * batch fail. Without memory for that, the batch is committed early. */
static void batch_keep(struct cardxd *cd, xmpp_stanza_t *stanza)
{
    struct batch *b = &cd->batch;

    if (!b->open)
        return;
    if (b->n == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 16;
        xmpp_stanza_t **in = realloc(b->in, cap * sizeof(*in));

        if (!in) {
            log_error(cd->log, "out of memory keeping a batch");
            return;
        }
        b->in = in;
        b->cap = cap;
    }
    b->in[b->n++] = stanza ? xmpp_stanza_clone(stanza) : NULL;
}

static void batch_clear(struct batch *b)
{
    for (size_t i = 0; i < b->n; i++) {
        if (b->in[i])
            xmpp_stanza_release(b->in[i]);
    }
    b->n = 0;
    b->open = b->tick = b->link_down = 0;
}

static int cardxd_send(void *userdata, xmpp_stanza_t *stanza)
{
    struct cardxd *cd = userdata;

    return link_send(cd->link, stanza);
}

static int cardxd_send_with(void *userdata, xmpp_stanza_t *stanza,
                            const char *inner)
{
    struct cardxd *cd = userdata;

    return link_send_with(cd->link, stanza, inner);
}

static size_t cardxd_pending(void *userdata)
{
    struct cardxd *cd = userdata;

    return link_pending(cd->link);
}

static void batch_fail(struct cardxd *cd);

/* SQLite rolled the batch's transaction back on its own (a disk full or an
 * I/O error in a statement): what was done so far is lost, so do it again
 * now, each request alone, and the rest of the batch without one. */
static void batch_check(struct cardxd *cd)
{
    if (cd->batch.open && !store_in_transaction(cd->store)) {
        log_warn(cd->log, "the database rolled a batch back: %s",
                 store_errmsg(cd->store));
        batch_fail(cd);
    }
}

static void cardxd_up(void *userdata)
{
    struct cardxd *cd = userdata;

    batch_keep(cd, NULL);
    /* Here, not in the service: a failed batch replays the link's coming
     * up, which is not a reconnection. */
    stats_link_up(service_stats(cd->service), clock_now_ms());
    service_link_up(cd->service, clock_now_ms());
    batch_check(cd);
    notify_ready("component link up: attached as %s", cd->cfg->domain);
}

static void cardxd_down(void *userdata)
{
    struct cardxd *cd = userdata;

    cd->batch.link_down = 1;
    stats_link_down(service_stats(cd->service), clock_now_ms());
    service_link_down(cd->service);
    notify_status("component link down: reconnecting");
}

static void cardxd_stanza(void *userdata, xmpp_stanza_t *stanza)
{
    struct cardxd *cd = userdata;

    batch_keep(cd, stanza);
    service_handle(cd->service, stanza, clock_now_ms());
    batch_check(cd);
}

/* A placeholder secret is refused: start and -t alike. */
static int cardxd_check_secret(const struct cardxd_config *cfg, char **err)
{
    for (size_t i = 0; placeholder_secrets[i]; i++) {
        if (strcasecmp(cfg->secret, placeholder_secrets[i]) == 0) {
            *err = str_printf("[component] secret is a placeholder (%s): set "
                              "the server's component secret to a random "
                              "value (e.g. openssl rand -hex 16) and the "
                              "same here",
                              placeholder_secrets[i]);
            return -1;
        }
    }
    return 0;
}

static int cardxd_on_pg(const struct cardxd_config *cfg)
{
    return strcmp(cfg->driver, "postgresql") == 0;
}

/* What -t says of a PostgreSQL database: that it answers, and the schema
 * version it has. */
static int cardxd_check_pg(const struct cardxd_config *cfg,
                           const struct log *lg, char **err)
{
    char *where = db_pg_describe(cfg->dsn);
    int version = 0, pending = 0;
    int rc = db_pg_probe(cfg->dsn, &version, &pending, err);

    if (rc == 0)
        log_info(lg,
                 "%s: schema version %d; the next start applies %d schema "
                 "migration(s)",
                 where ? where : "PostgreSQL", version, pending);
    free(where);
    return rc < 0 ? -1 : 0;
}

/* What a start checks before it touches the database. */
static int cardxd_preflight(const struct cardxd_config *cfg,
                            const struct log *lg, char **err)
{
    int rc;

    *err = NULL;
    if (cardxd_check_secret(cfg, err) < 0)
        return -1;
    if (cardxd_on_pg(cfg))
        return 0; /* the server keeps its own files sound */
    rc = store_check(cfg->database, cfg->check_timeout_ms, err);
    if (rc > 0) {
        log_warn(lg, "%s", *err);
        free(*err);
        *err = NULL;
        rc = 0;
    }
    return rc < 0 ? -1 : 0;
}

/* The config file holds the secret: others must not read it (a warning,
 * as packaging or a shared group may have reasons). */
static void cardxd_check_mode(const char *path, const struct log *lg)
{
    struct stat sb;

    if (stat(path, &sb) == 0 && (sb.st_mode & S_IROTH))
        log_warn(lg,
                 "%s is readable by every user and holds the component "
                 "secret: chmod o-r %s (e.g. 0640 root:cardxd)",
                 path, path);
}

/* [log] file must be writable where it will be opened. */
static int cardxd_check_log_file(const struct cardxd_config *cfg, char **err)
{
    char *dir;
    int rc = 0;

    if (!cfg->log_file || access(cfg->log_file, W_OK) == 0)
        return 0;
    if (errno != ENOENT) {
        *err = str_printf("[log] file %s: %s", cfg->log_file, strerror(errno));
        return -1;
    }
    dir = strdup(cfg->log_file);
    if (!dir) {
        *err = strdup("out of memory");
        return -1;
    }
    if (strrchr(dir, '/'))
        *strrchr(dir, '/') = '\0';
    else
        strcpy(dir, ".");
    if (access(*dir ? dir : "/", W_OK | X_OK) < 0) {
        *err = str_printf("[log] file %s cannot be created: %s: %s",
                          cfg->log_file, *dir ? dir : "/", strerror(errno));
        rc = -1;
    }
    free(dir);
    return rc;
}

int cardxd_check(const struct cardxd_config *cfg, const char *path,
                 const struct log *lg, char **err)
{
    int migrations = 0, rc;

    cardxd_check_mode(path, lg);
    if (cardxd_preflight(cfg, lg, err) < 0 ||
        cardxd_check_log_file(cfg, err) < 0)
        return -1;
    if (cardxd_on_pg(cfg))
        return cardxd_check_pg(cfg, lg, err);
    rc = store_probe(cfg->database, cfg->busy_timeout_ms, &migrations, err);
    if (rc < 0)
        return -1;
    if (rc > 0) {
        log_warn(lg, "%s", *err);
        free(*err);
        *err = NULL;
    }
    if (migrations > 0)
        log_info(lg, "%s: the next start applies %d schema migration(s)",
                 cfg->database, migrations);
    return 0;
}

int cardxd_log_setup(struct log *lg, const struct cardxd_config *cfg, int debug,
                     char **err)
{
    *err = NULL;
    lg->level = debug ? LOG_LEVEL_DEBUG : cfg->log_level;
    if (cfg->log_file && log_open_file(lg, cfg->log_file) < 0) {
        *err = str_printf("[log] file %s: %s", cfg->log_file, strerror(errno));
        return -1;
    }
    return 0;
}

/* FNV-1a, 64 bits: enough to tell apart the instances of one database. */
#define CARDXD_FNV_OFFSET 0xcbf29ce484222325ULL
#define CARDXD_FNV_PRIME 0x100000001b3ULL

static uint64_t cardxd_fnv(uint64_t h, const char *s)
{
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * CARDXD_FNV_PRIME;
    return (h ^ 0xffu) * CARDXD_FNV_PRIME; /* a separator between parts */
}

/* With no [cluster] instance, this instance is named after the host and
 * its configuration file: the same name at each start, so that after a
 * crash its own sessions and claims are its own again at once rather than
 * a dead stranger's to wait out; two instances on one host read two
 * files. */
static int cardxd_name_instance(const struct cardxd_config *cfg,
                                const char *config_path, struct store *st)
{
    char host[HOST_NAME_MAX + 1] = "", path[PATH_MAX], name[32];
    uint64_t h;

    if (cfg->instance && cfg->instance[0])
        return 0; /* the instance feature sets it */
    if (gethostname(host, sizeof(host)) < 0)
        host[0] = '\0';
    host[sizeof(host) - 1] = '\0';
    if (!config_path || !realpath(config_path, path))
        snprintf(path, sizeof(path), "%s", config_path ? config_path : "");
    h = cardxd_fnv(cardxd_fnv(CARDXD_FNV_OFFSET, host), path);
    snprintf(name, sizeof(name), STORE_INSTANCE_PREFIX "%016" PRIx64, h);
    return store_instance_set(st, name);
}

/* Checks the database before anything writes to it (the migrations, the
 * WAL), then opens it. */
static int cardxd_open_store(const struct cardxd_config *cfg,
                             const struct log *lg, const char *config_path,
                             struct store **out, char **err)
{
    const struct db_driver *drv = db_driver_find(cfg->driver);
    const char *target = cardxd_on_pg(cfg) ? cfg->dsn : cfg->database;
    char *where;

    if (!drv) {
        *err = str_printf("[storage] driver %s is not built in", cfg->driver);
        return -1;
    }
    if (cardxd_preflight(cfg, lg, err) < 0 ||
        store_open_driver(drv, target, cfg->synchronous, out, err) < 0)
        return -1;
    if (cardxd_name_instance(cfg, config_path, *out) < 0) {
        *err = strdup("out of memory");
        return -1;
    }
    if (store_set_busy_timeout(*out, cfg->busy_timeout_ms) < 0 ||
        store_set_query_timeout(*out, cfg->query_timeout_ms) < 0) {
        *err = str_printf("cannot set the database's timeouts: %s",
                          store_errmsg(*out));
        return -1;
    }
    /* Named without the DSN itself: it may hold a password. */
    where = cardxd_on_pg(cfg) ? db_pg_describe(cfg->dsn)
                              : str_printf("SQLite %s", cfg->database);
    log_info(lg, "database: %s", where ? where : cfg->driver);
    free(where);
    return 0;
}

/* Where keepalive pings go: a domain the server serves itself, so that it
 * answers at once. The first user domain, else the parent of the
 * component's own (as the service reads user_domains). The caller frees;
 * NULL when memory ran out. */
static char *cardxd_ping_target(const struct cardxd_config *cfg)
{
    static const char seps[] = " ,\t";
    const char *list = cfg->user_domains ? cfg->user_domains : "";
    const char *dot = strchr(cfg->domain, '.');

    list += strspn(list, seps);
    if (*list)
        return strndup(list, strcspn(list, seps));
    return strdup(dot ? dot + 1 : cfg->domain);
}

/* The metrics endpoint, when [metrics] listen asks for one. Its address
 * is read once: changing it needs a restart. */
static int cardxd_metrics_start(struct cardxd *cd, char **err)
{
    struct metrics_source src = {service_stats(cd->service), cd->store};

    if (!cd->cfg->metrics_listen || !cd->cfg->metrics_listen[0])
        return 0;
    return metrics_start(cd->cfg->metrics_listen, &src, cd->log, &cd->metrics,
                         err);
}

int cardxd_new(struct cardxd_config *cfg, const struct cardxd_opts *opts,
               struct log *lg, struct cardxd **out, char **err)
{
    static const struct link_callbacks cb = {cardxd_up, cardxd_down,
                                             cardxd_stanza};
    struct link_params params = {
        .host = cfg->host,
        .port = cfg->port,
        .domain = cfg->domain,
        .secret = cfg->secret,
        .reconnect_min_ms = cfg->reconnect_min_ms,
        .reconnect_max_ms = cfg->reconnect_max_ms,
        .stanza_max = cfg->stanza_max_bytes,
        .keepalive_ms = cfg->keepalive_ms,
        .read_timeout_ms = cfg->read_timeout_ms,
    };
    struct service_io io;
    struct cardxd *cd = calloc(1, sizeof(*cd));
    char *ping_to = cardxd_ping_target(cfg);

    *err = NULL;
    params.ping_to = ping_to;
    if (!cd || !ping_to) {
        config_free(cfg);
        goto oom;
    }
    cd->cfg = cfg;
    cd->opts = *opts;
    cd->log = lg;
    cardxd_check_mode(opts->config_path, lg);
    cd->ctx = xmpp_ctx_new(NULL, NULL);
    if (!cd->ctx)
        goto oom;
    if (cardxd_open_store(cfg, lg, opts->config_path, &cd->store, err) < 0)
        goto fail;
    io.send = cardxd_send;
    io.userdata = cd;
    io.pending = cardxd_pending;
    io.send_with = cardxd_send_with;
    cd->service = service_new(cd->ctx, cfg, cd->store, &io, lg);
    cd->link = link_new(cd->ctx, &params, &cb, cd, lg);
    if (!cd->service || !cd->link)
        goto oom;
    if (cardxd_metrics_start(cd, err) < 0)
        goto fail;
    free(ping_to);
    *out = cd;
    return 0;
oom:
    if (!*err)
        *err = strdup("out of memory");
fail:
    free(ping_to);
    cardxd_free(cd);
    return -1;
}

void cardxd_free(struct cardxd *cd)
{
    if (!cd)
        return;
    batch_clear(&cd->batch);
    free(cd->batch.in);
    metrics_free(cd->metrics);
    link_free(cd->link);
    service_free(cd->service);
    store_free(cd->store);
    if (cd->ctx)
        xmpp_ctx_free(cd->ctx);
    config_free(cd->cfg);
    free(cd);
}

/* The smaller of two poll timeouts, where -1 means none. */
static int timeout_min(int a, int b)
{
    if (a < 0)
        return b;
    if (b < 0)
        return a;
    return a < b ? a : b;
}

static int cardxd_signalfd(sigset_t *old)
{
    sigset_t mask;

    sigemptyset(&mask);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGHUP);
    if (sigprocmask(SIG_BLOCK, &mask, old) < 0)
        return -1;
    /* A dead server socket must not kill us; send() uses MSG_NOSIGNAL but
     * be safe for any other write. */
    signal(SIGPIPE, SIG_IGN);
    return signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
}

/* Opens the transaction of one batch of work. Failing to open it is not
 * fatal: every store call then commits on its own. */
static void batch_begin(struct cardxd *cd, int tick)
{
    struct batch *b = &cd->batch;

    batch_clear(b);
    b->tick = tick;
    if (store_begin(cd->store) < 0) {
        log_warn(cd->log,
                 "cannot open a transaction (%s): committing card by card",
                 store_errmsg(cd->store));
        return;
    }
    b->open = 1;
    link_mark(cd->link, &b->out);
    service_mark(cd->service);
}

/* Hands one request of a failed batch (in; NULL: the link came up) to the
 * service. */
static void batch_handle(struct cardxd *cd, xmpp_stanza_t *in)
{
    if (in)
        service_handle(cd->service, in, clock_now_ms());
    else
        service_link_up(cd->service, clock_now_ms());
}

/* Does one request of a failed batch again in a transaction of its own,
 * so that its writes (a card, its share, its claim) commit together and
 * no other instance sees half of them. When that transaction fails too,
 * its reply is taken back and the request is done once more without one:
 * each store call then commits alone, and the request gets its own
 * answer, an error where the store fails. */
static void batch_redo(struct cardxd *cd, xmpp_stanza_t *in)
{
    struct link_mark out;

    if (store_begin(cd->store) < 0) {
        batch_handle(cd, in);
        return;
    }
    link_mark(cd->link, &out);
    service_mark(cd->service);
    batch_handle(cd, in);
    if (store_in_transaction(cd->store) && store_commit(cd->store) == 0) {
        service_settle(cd->service);
        return;
    }
    link_rewind(cd->link, &out);
    if (store_in_transaction(cd->store) && store_rollback(cd->store) < 0)
        log_error(cd->log, "rollback failed: %s", store_errmsg(cd->store));
    service_rewind(cd->service);
    batch_handle(cd, in);
}

/* The batch's transaction is lost: its replies are taken back before they
 * leave (nobody may hear of a card that is not on disk), and its work is
 * done again request by request (batch_redo). The link stays up: other
 * users' replies are not thrown away with it. */
static void batch_fail(struct cardxd *cd)
{
    struct batch *b = &cd->batch;

    b->open = 0;
    link_rewind(cd->link, &b->out);
    /* After some failures (a full disk, I/O) SQLite rolled back itself. */
    if (store_in_transaction(cd->store) && store_rollback(cd->store) < 0)
        log_error(cd->log, "rollback failed: %s", store_errmsg(cd->store));
    if (b->link_down) {
        service_settle(cd->service); /* nobody is left to answer */
        batch_clear(b);
        return;
    }
    service_rewind(cd->service);
    if (b->tick)
        service_tick(cd->service, clock_now_ms());
    for (size_t i = 0; i < b->n; i++)
        batch_redo(cd, b->in[i]);
    batch_clear(b);
}

/* Commits the batch. Replies queued during it are written only after this,
 * so nobody hears 'queued' or 'delivered' of a card that is not on disk. */
static void batch_end(struct cardxd *cd)
{
    struct batch *b = &cd->batch;

    if (!b->open) {
        batch_clear(b);
        return;
    }
    if (store_commit(cd->store) == 0) {
        service_settle(cd->service);
        batch_clear(b);
        return;
    }
    log_warn(cd->log,
             "cannot commit a batch of %zu stanzas (%s): handling them one "
             "by one",
             b->n, store_errmsg(cd->store));
    batch_fail(cd);
}

static void cardxd_note_fixed(void *ud, const char *section, const char *name)
{
    struct cardxd *cd = ud;

    log_warn(cd->log, "[%s] %s changed; restart cardxd to apply", section,
             name);
}

/* Takes the [log] settings of cfg: the level, and the file opened again
 * (the old one may have been rotated away). A file that cannot be opened
 * leaves the log where it was. */
static void cardxd_reload_log(struct cardxd *cd,
                              const struct cardxd_config *cfg)
{
    cd->log->level = cd->opts.debug ? LOG_LEVEL_DEBUG : cfg->log_level;
    if (cfg->log_file) {
        if (log_open_file(cd->log, cfg->log_file) < 0)
            log_error(cd->log, "[log] file %s: %s; logging on where it was",
                      cfg->log_file, strerror(errno));
    } else if (cd->log->owned) {
        log_close(cd->log);
    }
}

/* SIGHUP: reads the configuration again and applies what can change
 * without dropping the link; the link's and the database's keys keep their
 * running values and are named. A file that fails to load changes
 * nothing. */
static void cardxd_reload(struct cardxd *cd)
{
    const char *path = cd->opts.config_path;
    struct cardxd_config *next = config_new();
    char *err = NULL;

    log_info(cd->log, "SIGHUP: reading %s again", path);
    if (!next || config_load(next, path, &err) < 0 ||
        config_validate(next, &err) < 0 ||
        config_keep_fixed(next, cd->cfg, cardxd_note_fixed, cd) < 0) {
        log_error(cd->log, "reload failed, the running configuration stays: %s",
                  err ? err : "out of memory");
        goto out;
    }
    cardxd_reload_log(cd, next);
    if (store_set_busy_timeout(cd->store, next->busy_timeout_ms) < 0 ||
        store_set_query_timeout(cd->store, next->query_timeout_ms) < 0)
        log_warn(cd->log, "cannot set the database's timeouts: %s",
                 store_errmsg(cd->store));
    service_set_config(cd->service, next);
    config_free(cd->cfg);
    cd->cfg = next;
    next = NULL;
    log_info(cd->log, "configuration reloaded from %s", path);
out:
    free(err);
    config_free(next);
}

/* Acts on one signal from the signalfd. Returns 1 to stop, else 0. */
static int cardxd_signal(struct cardxd *cd, int sfd)
{
    struct signalfd_siginfo si;

    if (read(sfd, &si, sizeof(si)) != (ssize_t)sizeof(si))
        return 0;
    if (si.ssi_signo == SIGHUP) {
        cardxd_reload(cd);
        return 0;
    }
    log_info(cd->log, "received %s, stopping", strsignal((int)si.ssi_signo));
    return 1;
}

/* The database came back: presences that came while it was unreachable
 * could not be recorded, so who is online is asked again as at a link up
 * (the probe, then the waiting cards of whoever answers). */
static void cardxd_db_recovered(struct cardxd *cd, int64_t now)
{
    log_info(cd->log,
             "database reachable again after %lld ms: probing presences again",
             (long long)(now - cd->db_down_since));
    notify_status("database reachable again");
    cd->db_down_since = 0;
    cd->db_retry_at = 0;
    if (!link_is_up(cd->link))
        return; /* the next link up probes anyway */
    batch_begin(cd, 0);
    batch_keep(cd, NULL);
    service_link_up(cd->service, now);
    batch_check(cd);
    batch_end(cd);
}

/* The connection was found lost: logged once per outage. */
static void cardxd_db_lost(struct cardxd *cd, int64_t now)
{
    cd->db_down_since = now;
    cd->db_retry_ms = 0;
    log_error(cd->log,
              "database unreachable (%s): answering `wait` and reconnecting",
              store_errmsg(cd->store));
    notify_status("database unreachable: reconnecting");
}

/* After each batch and each wake-up: a lost database connection is tried
 * again at once, then with a delay doubling up to CARDXD_DB_RETRY_MAX_MS,
 * the component link staying up; each try runs in the background of the
 * loop (never blocking it), and requests meanwhile are answered `wait`. */
static void cardxd_db_watch(struct cardxd *cd, int64_t now)
{
    int rc;

    if (cd->db_down_since && !cd->db_connecting && now < cd->db_retry_at)
        return;
    rc = store_reconnect(cd->store);
    cd->db_connecting = rc == STORE_CONNECTING;
    if (rc == STORE_UP)
        return;
    if (rc == STORE_RECONNECTED) {
        if (!cd->db_down_since) {
            log_warn(cd->log, "database connection lost: connected again");
            cd->db_down_since = now;
        }
        cardxd_db_recovered(cd, now);
        return;
    }
    if (!cd->db_down_since)
        cardxd_db_lost(cd, now);
    if (rc == STORE_CONNECTING)
        return;
    log_debug(cd->log, "database still unreachable: %s",
              store_errmsg(cd->store));
    cd->db_retry_ms = cd->db_retry_ms == 0 ? CARDXD_DB_RETRY_MIN_MS
                      : cd->db_retry_ms * 2 > CARDXD_DB_RETRY_MAX_MS
                          ? CARDXD_DB_RETRY_MAX_MS
                          : cd->db_retry_ms * 2;
    cd->db_retry_at = now + cd->db_retry_ms;
}

/* Until the next try at the database, or the deadline of the one in
 * flight, while it is unreachable. */
static int cardxd_db_timeout(const struct cardxd *cd, int64_t now)
{
    struct store_wait w;
    int64_t at = cd->db_retry_at;

    if (!cd->db_down_since)
        return -1;
    if (cd->db_connecting) {
        store_wait(cd->store, &w);
        at = w.deadline_ms;
    }
    return at <= now ? 0 : at - now > INT_MAX ? INT_MAX : (int)(at - now);
}

int cardxd_run(struct cardxd *cd)
{
    sigset_t old;
    int sfd = cardxd_signalfd(&old);
    int rc = 0;

    if (sfd < 0) {
        log_error(cd->log, "cannot set up signal handling: %s",
                  strerror(errno));
        return -1;
    }
    log_info(cd->log, "cardxd %s starting: component %s, server %s:%d",
             PACKAGE_VERSION, cd->cfg->domain, cd->cfg->host, cd->cfg->port);
    notify_status("attaching to %s:%d as %s", cd->cfg->host, cd->cfg->port,
                  cd->cfg->domain);
    for (;;) {
        struct pollfd fds[4] = {{sfd, POLLIN, 0},
                                {-1, 0, 0},
                                {metrics_fd(cd->metrics), POLLIN, 0},
                                {-1, 0, 0}};
        int64_t now = clock_now_ms();
        struct store_wait db_wait = {-1, 0, 0};
        int timeout;

        link_tick(cd->link, now);
        if (service_timeout(cd->service, now) == 0) {
            batch_begin(cd, 1);
            service_tick(cd->service, now);
            batch_end(cd);
        }
        link_flush(cd->link);
        fds[1].fd = link_fd(cd->link);
        fds[1].events = link_events(cd->link);
        timeout = timeout_min(link_timeout(cd->link, now),
                              service_timeout(cd->service, now));
        timeout = timeout_min(timeout, metrics_timeout(cd->metrics));
        timeout = timeout_min(timeout, cardxd_db_timeout(cd, now));
        /* A reconnection in flight wakes the loop when its socket is
         * ready; cardxd_db_watch() below advances it. */
        if (cd->db_connecting)
            store_wait(cd->store, &db_wait);
        fds[3].fd = db_wait.fd;
        fds[3].events = db_wait.events;
        if (poll(fds, 4, timeout) < 0 && errno != EINTR) {
            log_error(cd->log, "poll failed: %s", strerror(errno));
            rc = -1;
            break;
        }
        if ((fds[0].revents & POLLIN) && cardxd_signal(cd, sfd))
            break;
        if (fds[1].fd >= 0 && fds[1].revents) {
            /* Everything one read brings is one transaction: a commit per
             * batch rather than per card (group commit). */
            batch_begin(cd, 0);
            link_process(cd->link, fds[1].revents, clock_now_ms());
            batch_end(cd);
        }
        cardxd_db_watch(cd, clock_now_ms());
        link_flush(cd->link);
        /* Cheap when idle (an epoll_wait that does not wait); it also
         * closes connections whose timeout passed. */
        metrics_run(cd->metrics);
    }
    notify_stopping();
    link_shutdown(cd->link, CARDXD_SHUTDOWN_FLUSH_MS);
    close(sfd);
    sigprocmask(SIG_SETMASK, &old, NULL);
    log_info(cd->log, "cardxd stopped");
    return rc;
}
