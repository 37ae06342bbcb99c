/* The metrics endpoint's HTTP side: a libmicrohttpd daemon without threads
 * of its own (its epoll set joins cardxd's poll loop), answering GET
 * /metrics with metrics_render() and 404 for anything else. */
#include "component/metrics.h"

#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <microhttpd.h>

#include "common/util.h"

/* A scraper or two, and a curious admin: more are refused. */
#define METRICS_CONNECTIONS_MAX 16
/* Seconds an idle connection is kept. */
#define METRICS_IDLE_TIMEOUT_S 10
#define METRICS_PATH "/metrics"
#define METRICS_NOT_FOUND "not found: the metrics are at " METRICS_PATH "\n"
#define METRICS_BAD_METHOD "only GET and HEAD\n"
#define METRICS_OOM "out of memory\n"

struct metrics {
    struct MHD_Daemon *d;
    struct metrics_source src;
    const struct log *log;
};

/* libmicrohttpd's own complaints (a client that misbehaves, a failed
 * accept) go to cardxd's log. */
static void metrics_log(void *cls, const char *fmt, va_list ap)
{
    const struct metrics *m = cls;
    char msg[256];
    size_t n;

    vsnprintf(msg, sizeof(msg), fmt, ap);
    n = strlen(msg);
    while (n > 0 && msg[n - 1] == '\n')
        msg[--n] = '\0';
    log_warn(m->log, "metrics: %s", msg);
}

/* Queues a static text answer with status. */
static enum MHD_Result answer_text(struct MHD_Connection *c,
                                   unsigned int status, const char *text)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(
        strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
    enum MHD_Result ret;

    if (!r)
        return MHD_NO;
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
                            "text/plain; charset=utf-8");
    ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result metrics_answer(void *cls, struct MHD_Connection *c,
                                      const char *url, const char *method,
                                      const char *version,
                                      const char *upload_data,
                                      size_t *upload_data_size, void **req_cls)
{
    struct metrics *m = cls;
    struct MHD_Response *r;
    enum MHD_Result ret;
    size_t len = 0;
    char *text;

    (void)version;
    (void)upload_data;
    (void)upload_data_size;
    (void)req_cls;
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
        strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
        return answer_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, METRICS_BAD_METHOD);
    if (strcmp(url, METRICS_PATH) != 0)
        return answer_text(c, MHD_HTTP_NOT_FOUND, METRICS_NOT_FOUND);
    text = metrics_render(&m->src, clock_now_ms(), &len);
    if (!text)
        return answer_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, METRICS_OOM);
    r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(text);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
                            METRICS_CONTENT_TYPE);
    ret = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}

/* Resolves listen (HOST:PORT, [IPV6]:PORT) to its first address. */
static int metrics_resolve(const char *listen, struct addrinfo **ai, char **err)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_NUMERICSERV | AI_PASSIVE};
    const char *colon = strrchr(listen, ':');
    char *host = colon ? strndup(listen, (size_t)(colon - listen)) : NULL;
    size_t n = host ? strlen(host) : 0;
    int rc;

    if (!host) {
        *err = str_printf("bad [metrics] listen '%s'", listen);
        return -1;
    }
    if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
        memmove(host, host + 1, n - 2);
        host[n - 2] = '\0';
    }
    rc = getaddrinfo(host, colon + 1, &hints, ai);
    if (rc != 0)
        *err = str_printf("[metrics] listen %s: %s", listen, gai_strerror(rc));
    free(host);
    return rc == 0 ? 0 : -1;
}

int metrics_start(const char *listen, const struct metrics_source *src,
                  const struct log *lg, struct metrics **out, char **err)
{
    struct metrics *m = calloc(1, sizeof(*m));
    struct addrinfo *ai = NULL;
    unsigned int flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG;

    *err = NULL;
    if (!m) {
        *err = strdup("out of memory");
        return -1;
    }
    m->src = *src;
    m->log = lg;
    if (metrics_resolve(listen, &ai, err) < 0) {
        metrics_free(m);
        return -1;
    }
    if (ai->ai_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    errno = 0;
    /* The logger first, so that libmicrohttpd says nothing before it. */
    m->d = MHD_start_daemon(
        flags, 0, NULL, NULL, metrics_answer, m, MHD_OPTION_EXTERNAL_LOGGER,
        metrics_log, m, MHD_OPTION_SOCK_ADDR, ai->ai_addr,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned int)METRICS_CONNECTIONS_MAX,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)METRICS_IDLE_TIMEOUT_S,
        MHD_OPTION_END);
    freeaddrinfo(ai);
    if (!m->d) {
        *err = str_printf("cannot serve metrics on %s: %s", listen,
                          errno ? strerror(errno) : "libmicrohttpd failed");
        metrics_free(m);
        return -1;
    }
    log_info(lg, "metrics at http://%s" METRICS_PATH, listen);
    *out = m;
    return 0;
}

void metrics_free(struct metrics *m)
{
    if (!m)
        return;
    if (m->d)
        MHD_stop_daemon(m->d);
    free(m);
}

int metrics_fd(const struct metrics *m)
{
    const union MHD_DaemonInfo *info;

    if (!m)
        return -1;
    info = MHD_get_daemon_info(m->d, MHD_DAEMON_INFO_EPOLL_FD);
    return info ? info->epoll_fd : -1;
}

int metrics_timeout(const struct metrics *m)
{
    MHD_UNSIGNED_LONG_LONG ms;

    if (!m || MHD_get_timeout(m->d, &ms) != MHD_YES)
        return -1;
    return ms > INT_MAX ? INT_MAX : (int)ms;
}

void metrics_run(struct metrics *m)
{
    if (m && MHD_run(m->d) != MHD_YES)
        log_warn(m->log, "metrics: serving failed");
}
