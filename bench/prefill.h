/* Fills a cardxd database directly through component/store.h, before
 * cardxd starts: users, their cards and waiting cards, in big transactions
 * (much faster than registering over XMPP, and the same rows). */
#ifndef CARDX_BENCH_PREFILL_H
#define CARDX_BENCH_PREFILL_H

#include <stddef.h>

/*
 * Users are "s<i>@domain" (senders, numbers +86138xxxxxxxx, each with a
 * card) and "r<i>@domain" (recipients, numbers +86139xxxxxxxx, no card).
 * Waiting cards come from sender i % senders.
 */
struct prefill_spec {
    const char *domain; /* the users' domain */
    long senders;
    long recipients;
    long cards_first;  /* cards waiting for r0 */
    long cards_spread; /* then one card each for r1, r2, ..., round robin */
    /* The store's driver (component/db.h) and its target; NULL: SQLite on
     * the path prefill_db() is given. */
    const char *driver;
    const char *dsn;
};

/* The E.164 number of sender (recipient 0) or recipient (1) i. */
void prefill_phone(char *buf, size_t len, int recipient, long i);

/* The vcard-temp XML of sender i, as cardxd stores it (caller frees);
 * NULL on allocation failure. */
char *prefill_vcard(long i);

/* Creates (or adds to) the database at path (or spec->dsn through
 * spec->driver) and fills it as spec says.
 * Sets *seconds to the time taken. Returns 0, or -1 (said on stderr). */
int prefill_db(const char *path, const struct prefill_spec *spec,
               double *seconds);

#endif
