/* The fixture of the service unit tests: cardxd's stanza handlers over a
 * real store on a temporary file, no network, every sent stanza kept. */
#ifndef CARDX_TESTS_SVCFIX_H
#define CARDX_TESTS_SVCFIX_H

#include <stdint.h>
#include <strophe.h>

#include "component/config.h"
#include "component/service.h"
#include "component/store.h"

#define SVCFIX_DOMAIN "cards.example.test"
#define SVCFIX_OUT_MAX 512

struct svcfix {
    xmpp_ctx_t *ctx;
    struct cardxd_config *cfg;
    struct store *store;
    struct service *svc;
    char path[64];
    xmpp_stanza_t *out[SVCFIX_OUT_MAX]; /* copies of what the service sent */
    int nout;
    int64_t now;    /* the clock svcfix_feed() hands the service */
    size_t pending; /* what the service_io pending hook reports */
    int link_down;  /* while set, sends fail as on a dropped link */
    int beside;     /* the store is another fixture's: left to it */
};

/* Sets up the service for SVCFIX_DOMAIN with default region CN. The
 * service keeps fx's address: fx must not move until svcfix_free(). Fails
 * the test on error. */
void svcfix_init(struct svcfix *fx);

/* Sets up a second service, as the instance named instance, over the
 * store file of first (set up, and freed only after fx): two cardxd
 * instances sharing one database. */
void svcfix_init_beside(struct svcfix *fx, const struct svcfix *first,
                        const char *instance);

/* Releases what the service sent so far and empties out. */
void svcfix_clear_out(struct svcfix *fx);

/* Frees everything and removes the store's files. */
void svcfix_free(struct svcfix *fx);

/* Hands the stanza written as XML to the service at fx->now. */
void svcfix_feed(struct svcfix *fx, const char *xml);

/* Fails the test unless the service sent stanza i (from 0; a negative i
 * counts from the end, -1 being the last sent) and it matches the path
 * (tests/lib/stanza_match.h) that the format fmt makes; the failure shows
 * the stanza as XML. Returns the stanza, owned by fx. */
#define svcfix_expect(fx, i, ...)                                              \
    svcfix_expect_at((fx), __FILE__, __LINE__, (i), __VA_ARGS__)

/* svcfix_expect() naming the caller's file and line in the failure. */
xmpp_stanza_t *svcfix_expect_at(struct svcfix *fx, const char *file, int line,
                                int i, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

#endif
