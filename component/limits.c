/* The limits of one sender account, counted in the store, and when a
 * waiting card expires. */
#include "component/limits.h"

#include <stdbool.h>

/* limits_count() found a window counted by another instance since it was
 * read: the send reads them again, at most LIMITS_TRIES times. */
#define LIMITS_RACED 1
#define LIMITS_TRIES 8

/* One window as read, and what the send would make of it. */
struct limits_window {
    int limit;          /* 0: not counted */
    int64_t length;     /* ms */
    int64_t started_at; /* unix ms; the current window's start */
    int64_t used;       /* within it, before this send */
    /* What the store held (-1: no row), which the count is written over:
     * another instance that counted meanwhile makes the send read again. */
    int64_t read_started_at, read_used;
    bool fresh;  /* the stored window had ended (or none was) */
    bool counts; /* this send uses one more of it */
};

static int limits_rule(const struct cardxd_config *cfg, enum limits_kind kind)
{
    switch (kind) {
    case LIMITS_MINUTE:
        return cfg->sends_per_minute;
    case LIMITS_DAY:
        return cfg->sends_per_day;
    case LIMITS_LOOKUPS:
        return cfg->lookups_per_day;
    case LIMITS_NKINDS:
        break;
    }
    return 0;
}

/* Reads window kind of jid as it stands at now. */
static int limits_read(struct store *st, const char *jid, enum limits_kind kind,
                       int64_t now, struct limits_window *w)
{
    int rc = store_window_get(st, jid, (int)kind, &w->started_at, &w->used);

    if (rc < 0 && rc != STORE_ENOTFOUND)
        return rc;
    w->read_started_at = rc == STORE_ENOTFOUND ? -1 : w->started_at;
    w->read_used = rc == STORE_ENOTFOUND ? 0 : w->used;
    /* A clock set back must not make a window last longer than its length. */
    w->fresh = rc == STORE_ENOTFOUND || now >= w->started_at + w->length ||
               now < w->started_at;
    if (w->fresh) {
        w->started_at = now;
        w->used = 0;
    }
    w->counts = true;
    return 0;
}

/* Whether the send to phone takes a lookup: a number already counted in
 * the current lookup window does not. */
static int limits_new_number(struct store *st, const char *jid,
                             const char *phone, const struct limits_window *w,
                             bool *is_new)
{
    int64_t counted_in = 0;
    int rc;

    *is_new = true;
    if (w->fresh)
        return 0;
    rc = store_lookup_get(st, jid, phone, &counted_in);
    if (rc == STORE_ENOTFOUND)
        return 0;
    if (rc < 0)
        return rc;
    *is_new = counted_in != w->started_at;
    return 0;
}

/* Writes what the send used: every window it counts in, and the number.
 * Returns LIMITS_RACED when another instance counted a window meanwhile:
 * nothing the caller's transaction wrote may then stand. */
static int limits_count(struct store *st, const char *jid, const char *phone,
                        const struct limits_window *w)
{
    int rc = 0, k;

    for (k = 0; rc == 0 && k < LIMITS_NKINDS; k++) {
        if (w[k].limit && w[k].counts) {
            rc = store_window_swap(st, jid, k, w[k].read_started_at,
                                   w[k].read_used, w[k].started_at,
                                   w[k].used + 1);
            rc = rc == 0 ? LIMITS_RACED : rc < 0 ? rc : 0;
        }
    }
    /* The windows counted before the race give their count back: the
     * send is counted again, once, when it reads them anew. */
    for (k -= 2; rc == LIMITS_RACED && k >= 0; k--) {
        if (w[k].limit && w[k].counts &&
            store_window_uncount(st, jid, k, w[k].started_at) < 0)
            return STORE_EDB;
    }
    if (rc != 0 || !w[LIMITS_LOOKUPS].limit || !w[LIMITS_LOOKUPS].counts)
        return rc;
    /* A new lookup window forgets the numbers of the one before. */
    if (w[LIMITS_LOOKUPS].fresh)
        rc = store_lookup_forget(st, jid, w[LIMITS_LOOKUPS].started_at);
    if (rc == 0)
        rc = store_lookup_set(st, jid, phone, w[LIMITS_LOOKUPS].started_at);
    return rc;
}

static int limits_try(struct store *st, const struct cardxd_config *cfg,
                      const char *jid, const char *phone, int64_t now,
                      struct limits_verdict *v)
{
    static const int64_t lengths[LIMITS_NKINDS] = {
        [LIMITS_MINUTE] = LIMITS_MINUTE_MS,
        [LIMITS_DAY] = LIMITS_DAY_MS,
        [LIMITS_LOOKUPS] = LIMITS_DAY_MS,
    };
    struct limits_window w[LIMITS_NKINDS] = {{0}};
    bool is_new = true;
    int rc = 0;

    *v = (struct limits_verdict){0};
    for (int k = 0; rc == 0 && k < LIMITS_NKINDS; k++) {
        w[k].limit = limits_rule(cfg, (enum limits_kind)k);
        w[k].length = lengths[k];
        if (w[k].limit)
            rc = limits_read(st, jid, (enum limits_kind)k, now, &w[k]);
    }
    if (rc == 0 && w[LIMITS_LOOKUPS].limit)
        rc = limits_new_number(st, jid, phone, &w[LIMITS_LOOKUPS], &is_new);
    if (rc < 0)
        return rc;
    w[LIMITS_LOOKUPS].counts = is_new;
    for (int k = 0; k < LIMITS_NKINDS; k++) {
        if (w[k].limit && w[k].counts && w[k].used >= w[k].limit) {
            v->refused = 1;
            v->kind = (enum limits_kind)k;
            v->limit = w[k].limit;
            v->retry_at = w[k].started_at + w[k].length;
            return 0;
        }
    }
    return limits_count(st, jid, phone, w);
}

int limits_take(struct store *st, const struct cardxd_config *cfg,
                const char *jid, const char *phone, int64_t now,
                struct limits_verdict *v)
{
    int rc = LIMITS_RACED;

    for (int i = 0; rc == LIMITS_RACED && i < LIMITS_TRIES; i++)
        rc = limits_try(st, cfg, jid, phone, now, v);
    return rc == LIMITS_RACED ? STORE_EDB : rc;
}

int limits_prune(struct store *st, int64_t now)
{
    /* The longest window is a day: one started before that has ended. */
    return store_limits_prune(st, now - LIMITS_DAY_MS);
}

int64_t limits_expiry(int64_t created, int64_t ttl_ms)
{
    return (created + 1) * 1000 + ttl_ms;
}

int limits_expired(int64_t created, int64_t ttl_ms, int64_t now)
{
    return ttl_ms > 0 && now >= limits_expiry(created, ttl_ms);
}

int64_t limits_expired_before(int64_t ttl_ms, int64_t now)
{
    int64_t x = now - ttl_ms;

    /* floor division: created < floor(x / 1000) is exactly expiry <= now */
    return x >= 0 ? x / 1000 : -((-x + 999) / 1000);
}
