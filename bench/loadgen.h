/* Load generator for workload 1: pairs of libstrophe clients on one event
 * loop, sending cards through cardxd or plain messages to each other. */
#ifndef CARDX_BENCH_LOADGEN_H
#define CARDX_BENCH_LOADGEN_H

#include <stddef.h>

/*
 * Pair i is sender s<i>@domain and recipient r<i>@domain (accounts that
 * exist, with the phone numbers of bench/prefill.h in cardxd's database).
 * Recipients send presence to the component and answer its disco#info with
 * the receipts feature, as cardx clients do. Every client keeps at most
 * `window` items in flight to its partner, so queues stay bounded.
 * Functions return 0 or a negative errno value.
 */

struct loadgen;

enum loadgen_mode {
    LOADGEN_CARDS,    /* message to +NUMBER@component; the card is acked */
    LOADGEN_MESSAGES, /* chat message to the recipient's full JID, which
                       * answers with a XEP-0184 receipt */
};

struct loadgen_result {
    long done;      /* items received by recipients */
    double seconds; /* first send -> last received */
    double per_s;
    double p50_ms, p99_ms; /* send -> received */
    long errors;           /* sends answered with an error, sent again */
    long dupes;            /* items that arrived again (counted once) */
    long replaced; /* never arrived, replaced by a later card that did */
};

/* Connects 2 * pairs clients to 127.0.0.1:port and waits (timeout_ms) until
 * all are logged in and cardxd asked every recipient for disco#info.
 * password is borrowed. On success *out is the generator. */
int loadgen_new(int port, const char *domain, const char *component,
                const char *password, long pairs, int timeout_ms,
                struct loadgen **out);

/* Disconnects everyone and frees. Accepts NULL. */
void loadgen_free(struct loadgen *lg);

/* Sends count items (spread evenly over the pairs) and waits until every
 * one arrived or timeout_ms passed. A send answered with an error is sent
 * again after a short back-off, as a client would after a `wait`, and
 * counted in r->errors. A card that never arrives while a later card of its
 * pair did was replaced while waiting (one card per sender): the round
 * ends without it once nothing arrived for a while, counted in
 * r->replaced. A timeout lists what never arrived. Plain messages
 * carry a body padded to pad_to bytes of stanza (0: no padding). */
int loadgen_run(struct loadgen *lg, enum loadgen_mode mode, long count,
                long window, size_t pad_to, int timeout_ms,
                struct loadgen_result *r);

/* Size in bytes of the first card a recipient received (0 if none yet), to
 * give plain messages the same size. */
size_t loadgen_card_bytes(const struct loadgen *lg);

#endif
