/* Between the files of the XEP-0114 link (link.c, link_alive.c): its
 * state and what they call of each other. Private to the link. */
#ifndef CARDX_COMPONENT_LINK_INT_H
#define CARDX_COMPONENT_LINK_INT_H

#include <stddef.h>
#include <stdint.h>
#include <netdb.h>
#include <sys/socket.h>

#include "component/link.h"

enum link_state {
    LINK_IDLE,       /* no socket; next_attempt says when to try */
    LINK_CONNECTING, /* non-blocking connect() in progress */
    LINK_OPENING,    /* our stream header sent, waiting for the server's */
    LINK_HANDSHAKE,  /* handshake sent, waiting for <handshake/> */
    LINK_UP,
};

/* One address of the server, as getaddrinfo() gave it. */
struct link_addr {
    int family;
    socklen_t len;
    struct sockaddr_storage sa;
};

struct link {
    xmpp_ctx_t *ctx;
    const struct log *log;
    struct link_callbacks cb;
    void *userdata;
    char *host;
    char *domain;
    char *secret;
    int port;
    int backoff_min_ms;
    int backoff_max_ms;
    enum link_state state;
    int fd;
    /* The server's addresses, tried in getaddrinfo()'s order until one
     * answers; next_addr is the one to try when the current one fails. */
    struct link_addr *addrs;
    size_t naddrs;
    size_t next_addr;
    int failures;            /* consecutive failed attempts */
    int64_t next_attempt;    /* IDLE: when to connect */
    int64_t deadline;        /* CONNECTING..HANDSHAKE: give up after this */
    int64_t keepalive_ms;    /* 0: no pings */
    int64_t read_timeout_ms; /* 0: silence is never fatal */
    char *ping_to;           /* NULL: no pings */
    int64_t last_rx;         /* UP: when the server last sent anything */
    int64_t last_ping;       /* UP: when our last ping was queued */
    uint64_t pings;          /* for the ids of our pings */
    struct xmlstream *parser;
    char *failed; /* set from parser callbacks; acted on after feeding */
    char *out;    /* pending output is out[outpos, outlen) */
    size_t outpos;
    size_t outlen;
    size_t outcap;
    uint64_t connection; /* counts connections, for link_mark() */
    uint64_t queued;     /* bytes queued on this connection */
};

/* Records why the link must go down; the first reason wins (link.c). */
void link_mark_failed(struct link *ln, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Queues len bytes of output. Returns 0 or -1 (buffer full, memory). */
int link_append(struct link *ln, const char *data, size_t len);
/* Takes the link down for why and schedules the next attempt. */
void link_down(struct link *ln, int64_t now, const char *why);
/* Acts on a failure recorded during parsing or writing. */
void link_check_failed(struct link *ln, int64_t now);
/* Connects to each address of list in turn (borrowed; copied) until one
 * accepts: the first answering address wins, whatever its family. An
 * IDLE link only (link.c; the tests call it with addresses of their own). */
void link_connect_list(struct link *ln, const struct addrinfo *list,
                       int64_t now);

/* --- link_alive.c: keepalive pings and the read deadline --- */

/* True for the answer to one of our keepalive pings. */
int link_is_pong(xmpp_stanza_t *stanza);
/* When an established link has work (a ping, the deadline), or -1. */
int64_t link_up_due(const struct link *ln);
/* Drops a server silent for read_timeout, pings one silent for keepalive. */
void link_check_alive(struct link *ln, int64_t now);

#endif
