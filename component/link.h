/* The XEP-0114 link from cardxd to its XMPP server: socket, stream, handshake,
 * buffered writes and reconnection with backoff. It knows nothing of cards:
 * whole stanzas go up through callbacks, replies come down via link_send(). */
#ifndef CARDX_COMPONENT_LINK_H
#define CARDX_COMPONENT_LINK_H

#include <stddef.h>
#include <stdint.h>
#include <strophe.h>

#include "common/log.h"

/* Pending output beyond which the server is considered stuck and the link is
 * dropped (a server that stops reading must not make cardxd grow forever). */
#define LINK_OUTBUF_MAX (64u * 1024u * 1024u)
/* An empty output buffer larger than this is given back to the system. */
#define LINK_OUTBUF_KEEP (1024u * 1024u)
/* The first size of the output buffer; it doubles as needed. */
#define LINK_OUTBUF_FIRST 4096u

struct link;

struct link_params {
    const char *host;   /* server address (name or IP) */
    int port;           /* its component port */
    const char *domain; /* the component's JID */
    const char *secret; /* shared secret */
    int reconnect_min_ms;
    int reconnect_max_ms;
    size_t stanza_max; /* largest incoming stanza, bytes */
    /* Liveness of an established link: after keepalive_ms without a byte
     * from the server a XEP-0199 ping goes to ping_to (a domain the server
     * itself serves, so that it answers); after read_timeout_ms without a
     * byte the link is dropped. 0 disables either. */
    int64_t keepalive_ms;
    int64_t read_timeout_ms;
    const char *ping_to;
};

struct link_callbacks {
    /* The handshake succeeded: stanzas can flow. */
    void (*up)(void *userdata);
    /* The link went down (it will reconnect by itself). */
    void (*down)(void *userdata);
    /* A stanza from the server (borrowed for the call). */
    void (*stanza)(void *userdata, xmpp_stanza_t *stanza);
};

/* Creates an idle link; the first link_tick() connects. Strings in params are
 * copied. Returns NULL on allocation failure. */
struct link *link_new(xmpp_ctx_t *ctx, const struct link_params *params,
                      const struct link_callbacks *cb, void *userdata,
                      const struct log *lg);

/* Closes the socket and frees the link. Accepts NULL. */
void link_free(struct link *ln);

/* True once the handshake succeeded and until the link drops. */
int link_is_up(const struct link *ln);

/* Queues a stanza for the server. Returns 0, or -1 when the link is not up
 * or memory ran out (the stanza is then not sent). */
int link_send(struct link *ln, xmpp_stanza_t *stanza);

/* As link_send(), with inner (borrowed: serialised XML, one or more whole
 * elements, no declaration) as stanza's last child: text already written
 * goes out as it is instead of through a tree built for it again. */
int link_send_with(struct link *ln, xmpp_stanza_t *stanza, const char *inner);

/* Writes as much queued output as the socket takes now. Call once per loop
 * iteration so that replies produced together leave in few writes. */
void link_flush(struct link *ln);

/* Bytes queued for the server and not yet written. */
size_t link_pending(const struct link *ln);

/* A point in the output queue: what was queued before it. */
struct link_mark {
    uint64_t connection; /* which connection the output was for */
    uint64_t queued;     /* bytes queued on it so far */
};

/* Notes where the queued output ends now. */
void link_mark(const struct link *ln, struct link_mark *mark);

/* Takes back what was queued after mark and not yet written (a batch of
 * replies whose commit failed must never leave). Nothing happens when the
 * connection changed since: its output is gone already. */
void link_rewind(struct link *ln, const struct link_mark *mark);

/* Drops the connection now, discarding unwritten output (it reconnects by
 * itself); why is logged. */
void link_drop(struct link *ln, const char *why);

/* The socket to poll, or -1 when there is none, and the events wanted. */
int link_fd(const struct link *ln);
short link_events(const struct link *ln);

/* Handles poll() results for link_fd(): reads and dispatches stanzas.
 * What handlers queue is written by the next link_flush(). */
void link_process(struct link *ln, short revents, int64_t now_ms);

/* Milliseconds until link_tick() has work (a reconnect, a keepalive ping or
 * a deadline due), or -1. */
int link_timeout(const struct link *ln, int64_t now_ms);

/* Starts a connection attempt when one is due; on an established link,
 * sends the keepalive ping or drops a silent server when due. */
void link_tick(struct link *ln, int64_t now_ms);

/* Closes the stream politely and flushes what it can within timeout_ms. */
void link_shutdown(struct link *ln, int timeout_ms);

#endif
