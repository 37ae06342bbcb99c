/* The limits of one sender account: cards a minute and a day, and
 * distinct numbers a day, counted in the store so that they hold across
 * the account's clients, every way of sending and a restart of cardxd.
 * The clock is the caller's (unix ms), so tests need no sleeping. */
#ifndef CARDX_COMPONENT_LIMITS_H
#define CARDX_COMPONENT_LIMITS_H

#include <stdint.h>

#include "component/config.h"
#include "component/store.h"

#define LIMITS_MINUTE_MS 60000L
#define LIMITS_DAY_MS 86400000L

/* The windows an account's sends are counted in (kept as store kinds). */
enum limits_kind {
    LIMITS_MINUTE,  /* sends_per_minute */
    LIMITS_DAY,     /* sends_per_day */
    LIMITS_LOOKUPS, /* lookups_per_day: distinct numbers */
    LIMITS_NKINDS
};

/* What limits_take() decided. */
struct limits_verdict {
    int refused;           /* 0: the send was counted and may go ahead */
    enum limits_kind kind; /* when refused: the limit reached */
    int limit;             /* its configured value */
    int64_t retry_at;      /* unix ms from which that limit lets it through */
};

/* Counts a send by jid (bare) to phone (E.164) at now (unix ms), unless
 * one of cfg's limits is reached: then nothing is counted and v says which
 * and until when. A window starts at the first send after the previous
 * one ended; a number already counted in the current lookup window costs
 * no lookup. A limit of 0 is not counted at all. Returns 0, or a negative
 * store code (then v is not to be read). */
int limits_take(struct store *st, const struct cardxd_config *cfg,
                const char *jid, const char *phone, int64_t now,
                struct limits_verdict *v);

/* Forgets the counters of windows that ended by now (unix ms). */
int limits_prune(struct store *st, int64_t now);

/* The unix ms from which a card created at created (unix s, the store's
 * precision) has waited at least ttl_ms: never early, at most a second
 * late. */
int64_t limits_expiry(int64_t created, int64_t ttl_ms);

/* Whether that card has expired at now (unix ms); never when ttl_ms is 0
 * (no expiry). */
int limits_expired(int64_t created, int64_t ttl_ms, int64_t now);

/* The created times (unix s) before which cards have expired at now. */
int64_t limits_expired_before(int64_t ttl_ms, int64_t now);

#endif
