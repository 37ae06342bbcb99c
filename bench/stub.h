/* A stub XMPP server for benchmarks: the server side of XEP-0114 on
 * loopback, so that cardxd can be driven without a real server's cost. */
#ifndef CARDX_BENCH_STUB_H
#define CARDX_BENCH_STUB_H

#include <stddef.h>
#include <stdint.h>
#include <strophe.h>

/*
 * The stub accepts one component connection, answers its stream header
 * with a stream id, checks the handshake digest (xep/handshake.h) and
 * answers <handshake/>. From then on every stanza cardxd sends is handed
 * to the callback (borrowed, parsed by xep/xmlstream), and whatever the
 * benchmark writes with stub_printf() goes to cardxd in order. The stub
 * routes nothing itself: the benchmark plays every user.
 *
 * Functions return 0 or a negative errno value.
 */

struct stub;

typedef void (*stub_stanza_fn)(void *ud, xmpp_stanza_t *stanza);

/* Listens on 127.0.0.1:port for the component domain with secret (both
 * borrowed; they must outlive the stub). NULL on failure (said on
 * stderr). */
struct stub *stub_new(xmpp_ctx_t *ctx, int port, const char *domain,
                      const char *secret, stub_stanza_fn fn, void *ud);

/* Closes the sockets and frees the stub. Accepts NULL. */
void stub_free(struct stub *sb);

/* Accepts the component and completes the handshake within timeout_ms.
 * -ETIMEDOUT, -EPROTO (bad header or digest), -ENOTCONN (it hung up). */
int stub_accept(struct stub *sb, int timeout_ms);

/* Queues raw XML for cardxd. */
int stub_printf(struct stub *sb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Waits at most timeout_ms for I/O, then reads and writes what it can
 * (callbacks run from here). -ENOTCONN once cardxd closed the link. */
int stub_pump(struct stub *sb, int timeout_ms);

/* Bytes queued for cardxd and not yet written. */
size_t stub_pending(const struct stub *sb);

/* Bytes received from cardxd since the handshake. */
uint64_t stub_bytes_in(const struct stub *sb);

/* 1 after cardxd closed the link or sent garbage. */
int stub_closed(const struct stub *sb);

#endif
