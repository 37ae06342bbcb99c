/* Expiry of waiting cards: a card not acknowledged within inbox_ttl is
 * retired (deliver_retire(), which tells its sender), on a timer set for
 * the oldest card; and the send counters of windows long over are
 * forgotten at link up and, at most hourly, along with a sweep (an idle
 * service keeps no timer for them: each account's own counters are reset
 * by its next send anyway). Runs only while the link is up, so that the
 * sender's notice can go out. */
#include "component/features/expire.h"

#include <limits.h>
#include <stdlib.h>

#include "common/util.h"
#include "component/features/deliver.h"
#include "component/limits.h"

/* How many expired cards one sweep retires before it yields to other
 * work; the next sweep follows at once. */
#define EXPIRE_SWEEP_BATCH 100
/* How often, at most, counters of ended windows are pruned (ms). */
#define EXPIRE_PRUNE_EVERY_MS 3600000L

/* Per instance, as deliver.c's sweep and for the same reasons: the sweep
 * reads the shared inbox, a card expires once, a dead instance's cards are
 * timed by the one taking it over. The pruning of counters is idempotent. */
struct expire {
    int up;             /* the link is up */
    int64_t next_sweep; /* monotonic ms; -1 when no card waits */
    int64_t next_prune; /* monotonic ms */
};

extern const struct feature feature_expire;

static struct expire *expire_of(struct service *svc)
{
    return service_state(svc, &feature_expire);
}

/* Sweeps when wall_due (unix ms) comes, unless one comes sooner. */
static void expire_schedule(struct service *svc, int64_t wall_due)
{
    struct expire *ex = expire_of(svc);
    int64_t left = wall_due - clock_wall_ms();
    int64_t due = service_now_ms(svc) + (left > 0 ? left : 0);

    if (ex->next_sweep < 0 || due < ex->next_sweep)
        ex->next_sweep = due;
}

void expire_card_stored(struct service *svc, int64_t created)
{
    int64_t ttl = service_config(svc)->inbox_ttl_ms;

    if (ttl > 0)
        expire_schedule(svc, limits_expiry(created, ttl));
}

/* By number: a card held for a number nobody has proved expires too. */
static int retire_expired(void *ud, const char *recipient_phone,
                          const char *card_id)
{
    deliver_retire_number(ud, recipient_phone, card_id, DELIVER_EXPIRED);
    return 0;
}

/* Retires the expired cards, a batch at a time, and schedules the next
 * sweep for the oldest card left. */
static void expire_sweep(struct service *svc)
{
    struct expire *ex = expire_of(svc);
    struct store *st = service_store(svc);
    int64_t ttl = service_config(svc)->inbox_ttl_ms, first = 0;
    int64_t cutoff = limits_expired_before(ttl, clock_wall_ms());

    ex->next_sweep = -1;
    if (store_inbox_created_before(st, cutoff, EXPIRE_SWEEP_BATCH,
                                   retire_expired, svc) < 0 ||
        store_inbox_created_first(st, &first) < 0) {
        log_error(service_log(svc), "expiring cards: %s", store_errmsg(st));
        ex->next_sweep = service_now_ms(svc) + LIMITS_MINUTE_MS; /* retry */
        return;
    }
    if (first)
        expire_schedule(svc, limits_expiry(first, ttl));
}

static void expire_prune(struct service *svc)
{
    struct expire *ex = expire_of(svc);

    ex->next_prune = service_now_ms(svc) + EXPIRE_PRUNE_EVERY_MS;
    if (limits_prune(service_store(svc), clock_wall_ms()) < 0)
        log_error(service_log(svc), "pruning send counters: %s",
                  store_errmsg(service_store(svc)));
}

static void expire_tick(struct service *svc)
{
    struct expire *ex = expire_of(svc);
    int64_t now = service_now_ms(svc);

    if (!ex->up || ex->next_sweep < 0 || ex->next_sweep > now)
        return;
    expire_sweep(svc);
    if (ex->next_prune <= now)
        expire_prune(svc);
}

static int expire_timeout(struct service *svc)
{
    struct expire *ex = expire_of(svc);
    int64_t left = ex->next_sweep - service_now_ms(svc);

    if (!ex->up || ex->next_sweep < 0)
        return -1;
    return left <= 0 ? 0 : left > INT_MAX ? INT_MAX : (int)left;
}

/* Cards that expired while cardxd was stopped or cut off go at once. */
static void expire_link_up(struct service *svc)
{
    struct expire *ex = expire_of(svc);

    ex->up = 1;
    expire_prune(svc);
    ex->next_sweep = -1;
    if (service_config(svc)->inbox_ttl_ms > 0)
        expire_sweep(svc);
}

static void expire_link_down(struct service *svc)
{
    expire_of(svc)->up = 0;
}

static int expire_init(struct service *svc, void **state)
{
    struct expire *ex = calloc(1, sizeof(*ex));

    (void)svc;
    if (!ex)
        return CX_ENOMEM;
    ex->next_sweep = -1;
    *state = ex;
    return 0;
}

static void expire_free(struct service *svc, void *state)
{
    (void)svc;
    free(state);
}

const struct feature feature_expire = {
    .name = "card expiry",
    .init = expire_init,
    .free = expire_free,
    .link_up = expire_link_up,
    .link_down = expire_link_down,
    .timeout = expire_timeout,
    .tick = expire_tick,
};
