/* The stub XEP-0114 server: accept, stream id, digest check, then raw I/O. */
#include "bench/stub.h"

#include <arpa/inet.h>
#include <errno.h>
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

#include "bench/benchutil.h"
#include "xep/handshake.h"
#include "xep/ns.h"
#include "xep/xmlstream.h"

#define STUB_READ_CHUNK 65536
/* Reads per stub_pump() call, so writing gets its turn under a flood. */
#define STUB_READS_PER_PUMP 16

enum stub_state { STUB_LISTENING, STUB_OPENING, STUB_HANDSHAKE, STUB_UP };

struct stub {
    xmpp_ctx_t *ctx;
    const char *domain;
    const char *secret;
    stub_stanza_fn fn;
    void *ud;
    int lfd; /* listening socket */
    int fd;  /* the component's connection */
    enum stub_state state;
    int failed;
    char stream_id[33];
    struct xmlstream *parser;
    char *out;
    size_t outpos, outlen, outcap;
    uint64_t bytes_in;
};

static void stub_stream_start(void *ud, const char *const *attrs)
{
    struct stub *sb = ud;
    const char *to = NULL;

    for (size_t i = 0; attrs[i]; i += 2) {
        if (strcmp(attrs[i], "to") == 0)
            to = attrs[i + 1];
    }
    if (sb->state != STUB_OPENING || !to || strcmp(to, sb->domain) != 0) {
        fprintf(stderr, "stub: unexpected stream header (to=%s)\n",
                to ? to : "none");
        sb->failed = 1;
        return;
    }
    stub_printf(sb,
                "<?xml version='1.0'?><stream:stream xmlns:stream='%s' "
                "xmlns='%s' from='%s' id='%s'>",
                NS_STREAMS, NS_COMPONENT, sb->domain, sb->stream_id);
    sb->state = STUB_HANDSHAKE;
}

static void stub_check_handshake(struct stub *sb, xmpp_stanza_t *stanza)
{
    const char *name = xmpp_stanza_get_name(stanza);
    char want[HANDSHAKE_DIGEST_SIZE];
    char *got = NULL;

    if (name && strcmp(name, "handshake") == 0)
        got = xmpp_stanza_get_text(stanza);
    if (!got || handshake_digest(sb->stream_id, sb->secret, want) < 0 ||
        strcmp(got, want) != 0) {
        fprintf(stderr, "stub: bad handshake from the component\n");
        stub_printf(sb,
                    "<stream:error><not-authorized xmlns='%s'/>"
                    "</stream:error></stream:stream>",
                    NS_STREAM_ERRORS);
        sb->failed = 1;
    } else {
        stub_printf(sb, "<handshake/>");
        sb->state = STUB_UP;
    }
    if (got)
        xmpp_free(sb->ctx, got);
}

static void stub_stanza(void *ud, xmpp_stanza_t *stanza)
{
    struct stub *sb = ud;

    if (sb->failed)
        return;
    if (sb->state == STUB_HANDSHAKE)
        stub_check_handshake(sb, stanza);
    else if (sb->state == STUB_UP && sb->fn)
        sb->fn(sb->ud, stanza);
}

static void stub_stream_end(void *ud)
{
    struct stub *sb = ud;

    sb->failed = 1;
}

struct stub *stub_new(xmpp_ctx_t *ctx, int port, const char *domain,
                      const char *secret, stub_stanza_fn fn, void *ud)
{
    static const struct xmlstream_callbacks cb = {stub_stream_start,
                                                  stub_stanza, stub_stream_end};
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons((unsigned short)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    struct stub *sb = calloc(1, sizeof(*sb));
    unsigned char raw[16];
    int one = 1;

    if (!sb)
        return NULL;
    sb->ctx = ctx;
    sb->domain = domain;
    sb->secret = secret;
    sb->fn = fn;
    sb->ud = ud;
    sb->fd = -1;
    sb->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    sb->parser = xmlstream_new(ctx, NS_COMPONENT, &cb, sb);
    sb->outcap = 65536;
    sb->out = malloc(sb->outcap);
    if (sb->lfd < 0 || !sb->parser || !sb->out ||
        getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
        goto fail;
    for (size_t i = 0; i < sizeof(raw); i++)
        snprintf(sb->stream_id + 2 * i, 3, "%02x", raw[i]);
    setsockopt(sb->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(sb->lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
        listen(sb->lfd, 4) < 0) {
        fprintf(stderr, "stub: cannot listen on 127.0.0.1:%d: %s\n", port,
                strerror(errno));
        goto fail;
    }
    xmlstream_set_max_stanza(sb->parser, 0);
    return sb;
fail:
    stub_free(sb);
    return NULL;
}

void stub_free(struct stub *sb)
{
    if (!sb)
        return;
    if (sb->fd >= 0)
        close(sb->fd);
    if (sb->lfd >= 0)
        close(sb->lfd);
    xmlstream_free(sb->parser);
    free(sb->out);
    free(sb);
}

int stub_printf(struct stub *sb, const char *fmt, ...)
{
    va_list ap;
    int n;

    for (;;) {
        size_t room = sb->outcap - sb->outlen;

        va_start(ap, fmt);
        n = vsnprintf(sb->out + sb->outlen, room, fmt, ap);
        va_end(ap);
        if (n < 0)
            return -EINVAL;
        if ((size_t)n < room) {
            sb->outlen += (size_t)n;
            return 0;
        }
        if (sb->outpos > 0) { /* reclaim what was written already */
            memmove(sb->out, sb->out + sb->outpos, sb->outlen - sb->outpos);
            sb->outlen -= sb->outpos;
            sb->outpos = 0;
            if ((size_t)n < sb->outcap - sb->outlen)
                continue;
        }
        size_t cap = sb->outcap * 2;
        while (cap - sb->outlen <= (size_t)n)
            cap *= 2;
        char *grown = realloc(sb->out, cap);
        if (!grown)
            return -ENOMEM;
        sb->out = grown;
        sb->outcap = cap;
    }
}

size_t stub_pending(const struct stub *sb)
{
    return sb->outlen - sb->outpos;
}

uint64_t stub_bytes_in(const struct stub *sb)
{
    return sb->bytes_in;
}

int stub_closed(const struct stub *sb)
{
    return sb->failed;
}

static void stub_write(struct stub *sb)
{
    while (sb->outpos < sb->outlen) {
        ssize_t n = send(sb->fd, sb->out + sb->outpos, sb->outlen - sb->outpos,
                         MSG_NOSIGNAL);

        if (n < 0) {
            if (errno != EAGAIN && errno != EINTR)
                sb->failed = 1;
            return;
        }
        sb->outpos += (size_t)n;
    }
    sb->outpos = sb->outlen = 0;
}

static void stub_read(struct stub *sb)
{
    char buf[STUB_READ_CHUNK];

    for (int i = 0; i < STUB_READS_PER_PUMP && !sb->failed; i++) {
        ssize_t n = recv(sb->fd, buf, sizeof(buf), 0);

        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
            sb->failed = 1;
            return;
        }
        if (n < 0)
            return;
        if (sb->state == STUB_UP)
            sb->bytes_in += (uint64_t)n;
        if (xmlstream_feed(sb->parser, buf, (size_t)n) < 0) {
            fprintf(stderr, "stub: bad XML from the component: %s\n",
                    xmlstream_error(sb->parser));
            sb->failed = 1;
        }
        if ((size_t)n < sizeof(buf))
            return;
    }
}

int stub_pump(struct stub *sb, int timeout_ms)
{
    struct pollfd p = {sb->fd, POLLIN, 0};

    if (sb->fd < 0 || sb->failed)
        return -ENOTCONN;
    if (sb->outpos < sb->outlen)
        p.events |= POLLOUT;
    if (poll(&p, 1, timeout_ms) < 0 && errno != EINTR)
        return -errno;
    if (p.revents & (POLLIN | POLLHUP | POLLERR))
        stub_read(sb);
    stub_write(sb);
    return sb->failed ? -ENOTCONN : 0;
}

int stub_accept(struct stub *sb, int timeout_ms)
{
    int64_t deadline = bench_now_ms() + timeout_ms;

    while (sb->fd < 0) {
        struct pollfd p = {sb->lfd, POLLIN, 0};
        int left = (int)(deadline - bench_now_ms());

        if (left <= 0)
            return -ETIMEDOUT;
        if (poll(&p, 1, left) > 0)
            sb->fd = accept4(sb->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    }
    /* A lone ping or presence must leave at once (no Nagle). */
    setsockopt(sb->fd, IPPROTO_TCP, TCP_NODELAY, &(int){1}, sizeof(int));
    sb->state = STUB_OPENING;
    while (sb->state != STUB_UP) {
        int left = (int)(deadline - bench_now_ms());
        int rc;

        if (left <= 0)
            return -ETIMEDOUT;
        rc = stub_pump(sb, left < 50 ? left : 50);
        if (rc < 0)
            return sb->state == STUB_OPENING ? -ENOTCONN : -EPROTO;
    }
    stub_write(sb); /* the <handshake/> answer */
    return 0;
}
