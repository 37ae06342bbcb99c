/* The cardxd daemon: wires config, store, service and link into one poll()
 * loop, with SIGINT/SIGTERM delivered through a signalfd. */
#include "component/cardxd.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "common/util.h"
#include "component/link.h"
#include "component/service.h"
#include "component/store.h"
#include "buildconf.h"

/* How long a clean stop may spend flushing the closing stream. */
#define CARDXD_SHUTDOWN_FLUSH_MS 1000

struct cardxd {
    const struct cardxd_config *cfg;
    const struct log *log;
    xmpp_ctx_t *ctx;
    struct store *store;
    struct service *service;
    struct link *link;
};

static int cardxd_send(void *userdata, xmpp_stanza_t *stanza)
{
    struct cardxd *cd = userdata;

    return link_send(cd->link, stanza);
}

static size_t cardxd_pending(void *userdata)
{
    struct cardxd *cd = userdata;

    return link_pending(cd->link);
}

static void cardxd_up(void *userdata)
{
    struct cardxd *cd = userdata;

    service_link_up(cd->service, clock_now_ms());
}

static void cardxd_down(void *userdata)
{
    struct cardxd *cd = userdata;

    service_link_down(cd->service);
}

static void cardxd_stanza(void *userdata, xmpp_stanza_t *stanza)
{
    struct cardxd *cd = userdata;

    service_handle(cd->service, stanza, clock_now_ms());
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

int cardxd_new(const struct cardxd_config *cfg, const struct log *lg,
               struct cardxd **out, char **err)
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
    if (!cd || !ping_to)
        goto oom;
    cd->cfg = cfg;
    cd->log = lg;
    cd->ctx = xmpp_ctx_new(NULL, NULL);
    if (!cd->ctx)
        goto oom;
    if (store_open(cfg->database, cfg->synchronous, &cd->store, err) < 0)
        goto fail;
    io.send = cardxd_send;
    io.userdata = cd;
    io.pending = cardxd_pending;
    cd->service = service_new(cd->ctx, cfg, cd->store, &io, lg);
    cd->link = link_new(cd->ctx, &params, &cb, cd, lg);
    if (!cd->service || !cd->link)
        goto oom;
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
    link_free(cd->link);
    service_free(cd->service);
    store_free(cd->store);
    if (cd->ctx)
        xmpp_ctx_free(cd->ctx);
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
    if (sigprocmask(SIG_BLOCK, &mask, old) < 0)
        return -1;
    /* A dead server socket must not kill us; send() uses MSG_NOSIGNAL but
     * be safe for any other write. */
    signal(SIGPIPE, SIG_IGN);
    return signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
}

/* Opens the transaction of one batch of work. Failing to open it is not
 * fatal: every store call then commits on its own. Returns whether a batch
 * is open. */
static int batch_begin(struct cardxd *cd)
{
    if (store_begin(cd->store) == 0)
        return 1;
    log_warn(cd->log,
             "cannot open a transaction (%s): committing card by "
             "card",
             store_errmsg(cd->store));
    return 0;
}

/* Commits the batch. Replies queued during it are written only after this,
 * so nobody hears 'queued' or 'delivered' of a card that is not on disk;
 * when the commit fails they must never leave, so the link is dropped,
 * which discards them (senders retry; nothing was acknowledged). */
static void batch_end(struct cardxd *cd, int open)
{
    char why[512];

    if (!open || store_commit(cd->store) == 0)
        return;
    snprintf(why, sizeof(why), "cannot commit to the database: %s",
             store_errmsg(cd->store));
    log_error(cd->log, "%s", why);
    if (store_rollback(cd->store) < 0)
        log_error(cd->log, "rollback failed: %s", store_errmsg(cd->store));
    link_drop(cd->link, why);
}

int cardxd_run(struct cardxd *cd)
{
    sigset_t old;
    int sfd = cardxd_signalfd(&old);
    int rc = 0, open;

    if (sfd < 0) {
        log_error(cd->log, "cannot set up signal handling: %s",
                  strerror(errno));
        return -1;
    }
    log_info(cd->log, "cardxd %s starting: component %s, server %s:%d",
             PACKAGE_VERSION, cd->cfg->domain, cd->cfg->host, cd->cfg->port);
    for (;;) {
        struct pollfd fds[2] = {{sfd, POLLIN, 0}, {-1, 0, 0}};
        int64_t now = clock_now_ms();
        int timeout;

        link_tick(cd->link, now);
        if (service_timeout(cd->service, now) == 0) {
            open = batch_begin(cd);
            service_tick(cd->service, now);
            batch_end(cd, open);
        }
        link_flush(cd->link);
        fds[1].fd = link_fd(cd->link);
        fds[1].events = link_events(cd->link);
        timeout = timeout_min(link_timeout(cd->link, now),
                              service_timeout(cd->service, now));
        if (poll(fds, 2, timeout) < 0 && errno != EINTR) {
            log_error(cd->log, "poll failed: %s", strerror(errno));
            rc = -1;
            break;
        }
        if (fds[0].revents & POLLIN) {
            struct signalfd_siginfo si;

            if (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
                log_info(cd->log, "received %s, stopping",
                         strsignal((int)si.ssi_signo));
                break;
            }
        }
        if (fds[1].fd >= 0 && fds[1].revents) {
            /* Everything one read brings is one transaction: a commit per
             * batch rather than per card (group commit). */
            open = batch_begin(cd);
            link_process(cd->link, fds[1].revents, clock_now_ms());
            batch_end(cd, open);
        }
        link_flush(cd->link);
    }
    link_shutdown(cd->link, CARDXD_SHUTDOWN_FLUSH_MS);
    close(sfd);
    sigprocmask(SIG_SETMASK, &old, NULL);
    log_info(cd->log, "cardxd stopped");
    return rc;
}
