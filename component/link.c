/* The XEP-0114 link from cardxd to its XMPP server: socket, stream, handshake,
 * buffered writes and reconnection with backoff (keepalive: link_alive.c). */
#include "component/link.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/util.h"
#include "component/link_int.h"
#include "xep/handshake.h"
#include "xep/ns.h"
#include "xep/xmlstream.h"

/* A server that accepts TCP but never completes the handshake is dropped
 * after this long, so a wedged server cannot hold cardxd forever. */
#define LINK_HANDSHAKE_TIMEOUT_MS 10000
/* Bytes read per read() call. */
#define LINK_READ_CHUNK 65536
/* Reads per link_process() call before returning to the loop (fairness). */
#define LINK_READS_PER_CALL 64

/* Records why the link must go down; the first reason wins. */
void link_mark_failed(struct link *ln, const char *fmt, ...)
{
    va_list ap;
    char buf[512];

    if (ln->failed)
        return;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    ln->failed = strdup(buf);
    if (!ln->failed)
        ln->failed = strdup("out of memory");
}

int link_append(struct link *ln, const char *data, size_t len)
{
    if (ln->outpos == ln->outlen) {
        ln->outpos = ln->outlen = 0;
        /* A burst (the start-up probe) must not pin its peak for good. */
        if (ln->outcap > LINK_OUTBUF_KEEP) {
            free(ln->out);
            ln->out = NULL;
            ln->outcap = 0;
        }
    }
    if (ln->outlen - ln->outpos + len > LINK_OUTBUF_MAX)
        return -1;
    if (ln->outlen + len > ln->outcap && ln->outpos > 0) {
        memmove(ln->out, ln->out + ln->outpos, ln->outlen - ln->outpos);
        ln->outlen -= ln->outpos;
        ln->outpos = 0;
    }
    if (buf_reserve(&ln->out, &ln->outcap, ln->outlen + len,
                    LINK_OUTBUF_FIRST) < 0)
        return -1;
    memcpy(ln->out + ln->outlen, data, len);
    ln->outlen += len;
    ln->queued += len;
    return 0;
}

/* Backoff before the next attempt: doubling from the minimum up to the cap,
 * then jittered into [d/2, d] so many components don't retry in lockstep. */
static int link_backoff_ms(const struct link *ln)
{
    int64_t delay = ln->backoff_min_ms;
    unsigned int r = 0;

    for (int i = 1; i < ln->failures && delay < ln->backoff_max_ms; i++)
        delay *= 2;
    if (delay > ln->backoff_max_ms)
        delay = ln->backoff_max_ms;
    if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
        r = (unsigned int)clock_now_ms();
    return (int)(delay / 2 +
                 (delay > 1 ? r % (unsigned int)(delay / 2 + 1) : 0));
}

/* Drops the connection and schedules the next attempt. */
void link_down(struct link *ln, int64_t now, const char *why)
{
    int was_up = ln->state == LINK_UP;
    int delay;

    if (ln->fd >= 0)
        close(ln->fd);
    ln->fd = -1;
    ln->outpos = ln->outlen = 0;
    ln->connection++;
    ln->queued = 0;
    xmlstream_reset(ln->parser);
    ln->state = LINK_IDLE;
    ln->failures++;
    delay = link_backoff_ms(ln);
    ln->next_attempt = now + delay;
    if (was_up)
        log_error(ln->log, "component link down: %s; reconnecting in %d ms",
                  why, delay);
    else
        log_warn(ln->log, "cannot attach to %s:%d as %s: %s; retrying in %d ms",
                 ln->host, ln->port, ln->domain, why, delay);
    if (was_up && ln->cb.down)
        ln->cb.down(ln->userdata);
}

static void on_stream_start(void *userdata, const char *const *attrs)
{
    struct link *ln = userdata;
    const char *id = NULL;
    char digest[HANDSHAKE_DIGEST_SIZE];
    char msg[sizeof(digest) + 32];

    for (size_t i = 0; attrs[i]; i += 2) {
        if (strcmp(attrs[i], "id") == 0)
            id = attrs[i + 1];
    }
    if (ln->state != LINK_OPENING || !id) {
        link_mark_failed(ln, "the server's stream header has no id");
        return;
    }
    if (handshake_digest(id, ln->secret, digest) < 0) {
        link_mark_failed(ln, "out of memory");
        return;
    }
    snprintf(msg, sizeof(msg), "<handshake>%s</handshake>", digest);
    if (link_append(ln, msg, strlen(msg)) < 0) {
        link_mark_failed(ln, "out of memory");
        return;
    }
    ln->state = LINK_HANDSHAKE;
}

/* Turns <stream:error/> into a sentence an admin can act on. */
static void link_stream_error(struct link *ln, xmpp_stanza_t *error)
{
    const char *condition = "undefined-condition";
    char *text = NULL;

    for (xmpp_stanza_t *c = xmpp_stanza_get_children(error); c;
         c = xmpp_stanza_get_next(c)) {
        const char *name = xmpp_stanza_get_name(c);

        if (!name || !xmpp_stanza_is_tag(c))
            continue;
        if (strcmp(name, "text") == 0)
            text = text ? text : xmpp_stanza_get_text(c);
        else
            condition = name;
    }
    if (strcmp(condition, "not-authorized") == 0)
        link_mark_failed(ln, "the server refused the handshake "
                             "(not-authorized): check [component] secret");
    else if (strcmp(condition, "host-unknown") == 0)
        link_mark_failed(ln,
                         "the server does not know the component domain "
                         "'%s' (host-unknown): check its configuration",
                         ln->domain);
    else if (strcmp(condition, "conflict") == 0)
        link_mark_failed(ln,
                         "another component is already attached as '%s' "
                         "(conflict)",
                         ln->domain);
    else
        link_mark_failed(ln, "stream error from the server: %s%s%s", condition,
                         text ? ": " : "", text ? text : "");
    if (text)
        xmpp_free(ln->ctx, text);
}

static void on_stanza(void *userdata, xmpp_stanza_t *stanza)
{
    struct link *ln = userdata;
    const char *name = xmpp_stanza_get_name(stanza);
    const char *ns = xmpp_stanza_get_ns(stanza);

    if (ln->failed)
        return;
    if (ns && strcmp(ns, NS_STREAMS) == 0) {
        if (name && strcmp(name, "error") == 0)
            link_stream_error(ln, stanza);
        return; /* stream features and the like are not for a component */
    }
    if (ln->state == LINK_HANDSHAKE) {
        if (!name || strcmp(name, "handshake") != 0) {
            link_mark_failed(ln, "expected <handshake/>, got <%s/>",
                             name ? name : "?");
            return;
        }
        ln->state = LINK_UP;
        ln->failures = 0;
        ln->last_ping = ln->last_rx;
        log_info(ln->log, "component link up: attached to %s:%d as %s",
                 ln->host, ln->port, ln->domain);
        if (ln->cb.up)
            ln->cb.up(ln->userdata);
        return;
    }
    if (ln->state == LINK_UP && link_is_pong(stanza)) {
        log_debug(ln->log, "keepalive ping %s answered",
                  xmpp_stanza_get_id(stanza));
        return;
    }
    if (ln->state == LINK_UP && ln->cb.stanza)
        ln->cb.stanza(ln->userdata, stanza);
}

static void on_stream_end(void *userdata)
{
    link_mark_failed(userdata, "the server closed the stream");
}

struct link *link_new(xmpp_ctx_t *ctx, const struct link_params *params,
                      const struct link_callbacks *cb, void *userdata,
                      const struct log *lg)
{
    static const struct xmlstream_callbacks pcb = {on_stream_start, on_stanza,
                                                   on_stream_end};
    struct link *ln;

    /* The domain and the ping's target go into XML verbatim. */
    if (strpbrk(params->domain, "<>&'\"") || params->port <= 0 ||
        (params->ping_to && strpbrk(params->ping_to, "<>&'\"")))
        return NULL;
    ln = calloc(1, sizeof(*ln));
    if (!ln)
        return NULL;
    ln->ctx = ctx;
    ln->log = lg;
    ln->cb = *cb;
    ln->userdata = userdata;
    ln->fd = -1;
    ln->port = params->port;
    ln->backoff_min_ms =
        params->reconnect_min_ms > 0 ? params->reconnect_min_ms : 1;
    ln->backoff_max_ms = params->reconnect_max_ms > ln->backoff_min_ms
                             ? params->reconnect_max_ms
                             : ln->backoff_min_ms;
    ln->host = strdup(params->host);
    ln->domain = strdup(params->domain);
    ln->secret = strdup(params->secret);
    ln->keepalive_ms = params->keepalive_ms > 0 ? params->keepalive_ms : 0;
    ln->read_timeout_ms =
        params->read_timeout_ms > 0 ? params->read_timeout_ms : 0;
    if (params->ping_to && !(ln->ping_to = strdup(params->ping_to))) {
        link_free(ln);
        return NULL;
    }
    ln->parser = xmlstream_new(ctx, NS_COMPONENT, &pcb, ln);
    if (!ln->host || !ln->domain || !ln->secret || !ln->parser) {
        link_free(ln);
        return NULL;
    }
    xmlstream_set_max_stanza(ln->parser, params->stanza_max);
    return ln;
}

void link_free(struct link *ln)
{
    if (!ln)
        return;
    if (ln->fd >= 0)
        close(ln->fd);
    xmlstream_free(ln->parser);
    free(ln->addrs);
    free(ln->failed);
    free(ln->out);
    free(ln->host);
    free(ln->domain);
    free(ln->secret);
    free(ln->ping_to);
    free(ln);
}

int link_is_up(const struct link *ln)
{
    return ln->state == LINK_UP;
}

int link_send(struct link *ln, xmpp_stanza_t *stanza)
{
    return link_send_with(ln, stanza, NULL);
}

/* Queues text (the serialised stanza) with inner before its end tag: the
 * text ends "</name>" or, with no children, "/>". */
static int link_append_with(struct link *ln, const char *text, size_t len,
                            const char *name, const char *inner)
{
    size_t nlen = strlen(name);
    int empty = len >= 2 && strcmp(text + len - 2, "/>") == 0;
    size_t head = empty ? len - 2 : len - nlen - 3;

    if (!empty && (len < nlen + 3 || text[head] != '<'))
        return -1; /* not a serialisation we know: a programmer's error */
    if (link_append(ln, text, head) < 0 ||
        (empty && link_append(ln, ">", 1) < 0) ||
        link_append(ln, inner, strlen(inner)) < 0 ||
        link_append(ln, "</", 2) < 0 || link_append(ln, name, nlen) < 0)
        return -1;
    return link_append(ln, ">", 1);
}

int link_send_with(struct link *ln, xmpp_stanza_t *stanza, const char *inner)
{
    const char *name = xmpp_stanza_get_name(stanza);
    struct link_mark mark;
    char *text = NULL;
    size_t len = 0;
    int rc;

    if (ln->state != LINK_UP || !name)
        return -1;
    if (xmpp_stanza_to_text(stanza, &text, &len) != XMPP_EOK)
        return -1;
    link_mark(ln, &mark);
    rc = inner ? link_append_with(ln, text, len, name, inner)
               : link_append(ln, text, len);
    xmpp_free(ln->ctx, text);
    if (rc < 0 && inner)
        link_rewind(ln, &mark); /* no half stanza on the wire */
    if (rc < 0)
        link_mark_failed(ln, "output buffer full: the server stopped reading");
    return rc;
}

size_t link_pending(const struct link *ln)
{
    return ln->outlen - ln->outpos;
}

void link_mark(const struct link *ln, struct link_mark *mark)
{
    mark->connection = ln->connection;
    mark->queued = ln->queued;
}

void link_rewind(struct link *ln, const struct link_mark *mark)
{
    uint64_t drop;

    if (mark->connection != ln->connection || ln->queued < mark->queued)
        return;
    drop = ln->queued - mark->queued;
    /* What was written already cannot be taken back. */
    if (drop > ln->outlen - ln->outpos)
        drop = ln->outlen - ln->outpos;
    ln->outlen -= (size_t)drop;
    ln->queued -= drop;
}

int link_fd(const struct link *ln)
{
    return ln->fd;
}

short link_events(const struct link *ln)
{
    if (ln->fd < 0)
        return 0;
    if (ln->state == LINK_CONNECTING)
        return POLLOUT;
    return POLLIN | (ln->outpos < ln->outlen ? POLLOUT : 0);
}

int link_timeout(const struct link *ln, int64_t now_ms)
{
    int64_t when;

    if (ln->failed)
        return 0;
    if (ln->state == LINK_IDLE)
        when = ln->next_attempt;
    else if (ln->state != LINK_UP)
        when = ln->deadline;
    else
        when = link_up_due(ln);
    if (when < 0)
        return -1;
    return when <= now_ms ? 0 : (int)(when - now_ms);
}

/* Acts on a failure recorded during parsing or writing. */
void link_check_failed(struct link *ln, int64_t now)
{
    char *why = ln->failed;

    if (!why)
        return;
    ln->failed = NULL;
    link_down(ln, now, why);
    free(why);
}

void link_drop(struct link *ln, const char *why)
{
    link_mark_failed(ln, "%s", why);
    link_check_failed(ln, clock_now_ms());
}

/* Starts a non-blocking connect to the next address left; with none left
 * the attempt failed, for why (the last address's error). */
static void link_try_next(struct link *ln, int64_t now, const char *why)
{
    while (ln->next_addr < ln->naddrs) {
        const struct link_addr *a = &ln->addrs[ln->next_addr++];
        char host[NI_MAXHOST];

        if (getnameinfo((const struct sockaddr *)&a->sa, a->len, host,
                        sizeof(host), NULL, 0, NI_NUMERICHOST) != 0)
            strcpy(host, "?");
        log_debug(ln->log, "connecting to %s port %d", host, ln->port);
        ln->fd =
            socket(a->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (ln->fd >= 0 &&
            (connect(ln->fd, (const struct sockaddr *)&a->sa, a->len) == 0 ||
             errno == EINPROGRESS)) {
            ln->state = LINK_CONNECTING;
            ln->deadline = now + LINK_HANDSHAKE_TIMEOUT_MS;
            return;
        }
        why = strerror(errno);
        log_debug(ln->log, "%s port %d: %s", host, ln->port, why);
        if (ln->fd >= 0)
            close(ln->fd);
        ln->fd = -1;
    }
    link_down(ln, now, why);
}

void link_connect_list(struct link *ln, const struct addrinfo *list,
                       int64_t now)
{
    size_t n = 0;

    for (const struct addrinfo *ai = list; ai; ai = ai->ai_next) {
        if (ai->ai_addrlen <= sizeof(struct sockaddr_storage))
            n++;
    }
    free(ln->addrs);
    ln->addrs = calloc(n ? n : 1, sizeof(*ln->addrs));
    ln->naddrs = ln->next_addr = 0;
    if (!ln->addrs) {
        link_down(ln, now, "out of memory");
        return;
    }
    for (const struct addrinfo *ai = list; ai; ai = ai->ai_next) {
        struct link_addr *a = &ln->addrs[ln->naddrs];

        if (ai->ai_addrlen > sizeof(a->sa))
            continue;
        a->family = ai->ai_family;
        a->len = ai->ai_addrlen;
        memcpy(&a->sa, ai->ai_addr, ai->ai_addrlen);
        ln->naddrs++;
    }
    link_try_next(ln, now, "no address to connect to");
}

static void link_connect(struct link *ln, int64_t now)
{
    struct addrinfo hints = {0}, *res = NULL;
    char port[16];
    int rc;

    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    snprintf(port, sizeof(port), "%d", ln->port);
    rc = getaddrinfo(ln->host, port, &hints, &res);
    if (rc != 0) {
        link_down(ln, now, gai_strerror(rc));
        return;
    }
    link_connect_list(ln, res, now);
    freeaddrinfo(res);
}

void link_tick(struct link *ln, int64_t now_ms)
{
    link_check_failed(ln, now_ms);
    if (ln->state == LINK_UP) {
        link_check_alive(ln, now_ms);
    } else if (ln->state == LINK_IDLE && now_ms >= ln->next_attempt) {
        log_debug(ln->log, "connecting to %s:%d", ln->host, ln->port);
        link_connect(ln, now_ms);
    } else if (ln->state == LINK_CONNECTING && now_ms >= ln->deadline) {
        /* An address that swallows the connect: on to the next one. */
        close(ln->fd);
        ln->fd = -1;
        link_try_next(ln, now_ms, "timed out connecting to the server");
    } else if (ln->state != LINK_IDLE && ln->state != LINK_UP &&
               now_ms >= ln->deadline) {
        link_down(ln, now_ms, "timed out waiting for the server");
    }
}

/* The TCP connection is established: open the stream. */
static void link_opened(struct link *ln, int64_t now)
{
    static const char fmt[] =
        "<?xml version='1.0'?><stream:stream xmlns='" NS_COMPONENT
        "' xmlns:stream='" NS_STREAMS "' to='%s'>";
    int one = 1, err = 0;
    socklen_t len = sizeof(err);
    char *header;

    if (getsockopt(ln->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
        err = errno;
    if (err) {
        /* This address refused: the server may listen on another one
         * (localhost as ::1 first, an IPv4-only server). */
        close(ln->fd);
        ln->fd = -1;
        link_try_next(ln, now, strerror(err));
        return;
    }
    /* Stanzas are small and latency-bound; we coalesce writes ourselves. */
    setsockopt(ln->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (asprintf(&header, fmt, ln->domain) < 0) {
        link_down(ln, now, "out of memory");
        return;
    }
    ln->state = LINK_OPENING;
    if (link_append(ln, header, strlen(header)) < 0)
        link_mark_failed(ln, "out of memory");
    free(header);
    link_flush(ln);
    link_check_failed(ln, now);
}

void link_flush(struct link *ln)
{
    while (ln->fd >= 0 && ln->state != LINK_CONNECTING && !ln->failed &&
           ln->outpos < ln->outlen) {
        ssize_t n = send(ln->fd, ln->out + ln->outpos, ln->outlen - ln->outpos,
                         MSG_NOSIGNAL);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                link_mark_failed(ln, "write failed: %s", strerror(errno));
            return;
        }
        ln->outpos += (size_t)n;
    }
}

static void link_read(struct link *ln, int64_t now)
{
    char buf[LINK_READ_CHUNK];

    for (int i = 0; i < LINK_READS_PER_CALL && !ln->failed; i++) {
        ssize_t n = recv(ln->fd, buf, sizeof(buf), 0);

        if (n == 0) {
            link_mark_failed(ln, "the server closed the connection");
            return;
        }
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                link_mark_failed(ln, "read failed: %s", strerror(errno));
            return;
        }
        ln->last_rx = now; /* whatever the server sends counts as life */
        if (xmlstream_feed(ln->parser, buf, (size_t)n) < 0) {
            static const char err[] =
                "<stream:error><not-well-formed xmlns='" NS_STREAM_ERRORS
                "'/></stream:error></stream:stream>";

            link_mark_failed(ln, "bad XML from the server: %s",
                             xmlstream_error(ln->parser));
            /* Best effort: tell the server why before closing. */
            if (send(ln->fd, err, sizeof(err) - 1, MSG_NOSIGNAL) < 0)
                log_debug(ln->log, "could not send stream error");
            return;
        }
    }
}

void link_process(struct link *ln, short revents, int64_t now_ms)
{
    if (ln->fd < 0 || !revents)
        return;
    if (ln->state == LINK_CONNECTING) {
        link_opened(ln, now_ms);
        return;
    }
    /* Output is written by link_flush() from the loop, after the store
     * committed what the handlers did: nothing acknowledges a card that
     * is not on disk yet. */
    if (revents & (POLLIN | POLLHUP | POLLERR))
        link_read(ln, now_ms);
    link_check_failed(ln, now_ms);
}

void link_shutdown(struct link *ln, int timeout_ms)
{
    static const char close_tag[] = "</stream:stream>";
    int64_t end = clock_now_ms() + timeout_ms;

    if (ln->fd < 0)
        return;
    if (ln->state != LINK_CONNECTING && !ln->failed)
        link_append(ln, close_tag, sizeof(close_tag) - 1);
    while (ln->outpos < ln->outlen && !ln->failed) {
        struct pollfd p = {ln->fd, POLLOUT, 0};
        int64_t left = end - clock_now_ms();

        if (left <= 0 || poll(&p, 1, (int)left) <= 0)
            break;
        link_flush(ln);
    }
    if (ln->state == LINK_UP && ln->cb.down)
        ln->cb.down(ln->userdata);
    close(ln->fd);
    ln->fd = -1;
    ln->state = LINK_IDLE;
}
