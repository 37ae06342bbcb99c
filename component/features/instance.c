/* This instance among others on one database: its lease, renewed by a
 * heartbeat; the takeover of the sessions of an instance whose lease ran
 * out, whose users are probed again; the cards a race between two
 * instances' transactions may have left undelivered; and the answers to
 * its requests that the server handed to another instance. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "component/features/deliver.h"
#include "component/features/expire.h"
#include "component/features/probe.h"

/* How many dead instances one heartbeat takes over, and how many users
 * with missed cards it serves; the rest wait for the next beat. */
#define INSTANCE_TAKEOVER_BATCH 16
#define INSTANCE_MISSED_BATCH 100

/* A card or session this many leases old can no longer be in a race:
 * each instance's transactions are far shorter than a lease. */
#define INSTANCE_RACE_LEASES 2

/* While another instance lives and a request of this one waits, how often
 * it looks for an answer the server handed to another instance. */
#define INSTANCE_RELAY_POLL_MS 100

struct instance {
    /* Monotonic ms; -1 while the link is down: an instance that cannot
     * reach its users lets its lease run out, for another to take them. */
    int64_t next_beat;
    int others;         /* another instance held a lease at the last beat */
    int64_t next_relay; /* monotonic ms of the next look for answers */
};

extern const struct feature feature_instance;

static struct instance *instance_of(struct service *svc)
{
    return service_state(svc, &feature_instance);
}

static int instance_missed(void *ud, const char *bare)
{
    deliver_flush_fresh(ud, bare);
    return 0;
}

static int instance_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorts sv and drops repeats: a user with two sessions, or two cards, is
 * probed or flushed once. */
static void instance_unique(struct strv *sv)
{
    size_t kept = 0;

    if (sv->n < 2)
        return;
    qsort(sv->v, sv->n, sizeof(sv->v[0]), instance_cmp);
    for (size_t i = 0; i < sv->n; i++) {
        if (kept && strcmp(sv->v[kept - 1], sv->v[i]) == 0)
            free(sv->v[i]);
        else
            sv->v[kept++] = sv->v[i];
    }
    sv->n = kept;
    sv->v[kept] = NULL; /* a strv stays NULL-terminated */
}

/* A card the dead instance held may never have left it: its recipient,
 * if online through another instance, gets it again now. */
static void instance_flush_number(struct service *svc, const char *phone)
{
    char *jid = NULL;
    int rc = store_user_jid(service_store(svc), phone, &jid);

    if (rc == 0)
        deliver_flush(svc, jid);
    else if (rc != STORE_ENOTFOUND)
        log_error(service_log(svc), "looking up the owner of a number: %s",
                  store_errmsg(service_store(svc)));
    free(jid);
}

/* Each instance times the sweeps of the cards it stored or handed; those
 * of a dead one are this one's to time now. */
static void instance_adopt_timers(struct service *svc)
{
    struct store *st = service_store(svc);
    int64_t first = 0;

    if (store_inbox_created_first(st, &first) == 0 && first)
        expire_card_stored(svc, first);
    if (store_inbox_handed_first(st, &first) == 0 && first)
        deliver_handed(svc, first);
}

/* The sessions of dead instances are forgotten and their users asked for
 * their presence again, which comes back to whichever instance ejabberd
 * picks; that instance records them afresh and flushes their inbox. */
static void instance_take_over(struct service *svc, int64_t now)
{
    struct store *st = service_store(svc);
    struct strv bares = {0}, phones = {0};
    int n = store_instance_take_over(st, now, INSTANCE_TAKEOVER_BATCH, &bares,
                                     &phones);

    if (n < 0) {
        log_error(service_log(svc), "taking over dead instances: %s",
                  store_errmsg(st));
    } else if (n > 0) {
        instance_unique(&bares);
        instance_unique(&phones);
        log_warn(service_log(svc),
                 "took over %d dead instance(s): probing %zu session(s) "
                 "again, %zu card(s) it held wait again",
                 n, bares.n, phones.n);
        for (size_t i = 0; i < bares.n; i++)
            probe_send(svc, bares.v[i]);
        for (size_t i = 0; i < phones.n; i++)
            instance_flush_number(svc, phones.v[i]);
        instance_adopt_timers(svc);
    }
    strv_clear(&bares);
    strv_clear(&phones);
}

static void instance_beat(struct service *svc)
{
    const struct cardxd_config *cfg = service_config(svc);
    struct store *st = service_store(svc);
    struct instance *in = instance_of(svc);
    int64_t now = clock_wall_ms(), live = 0;

    in->next_beat = service_now_ms(svc) + cfg->heartbeat_ms;
    if (store_instance_beat(st, now, cfg->lease_ms) < 0) {
        log_error(service_log(svc), "renewing the lease of instance %s: %s",
                  store_instance(st), store_errmsg(st));
        return;
    }
    if (store_instance_live(st, now, &live) == 0)
        in->others = live > 1;
    /* Nobody waits for answers this old: the askers gave up. */
    if (store_answer_prune(st, now - 2 * cfg->fetch_timeout_ms) < 0)
        log_error(service_log(svc), "forgetting kept answers: %s",
                  store_errmsg(st));
    instance_take_over(svc, now);
    if (store_inbox_missed(st, now - INSTANCE_RACE_LEASES * cfg->lease_ms,
                           now - cfg->fetch_timeout_ms, now,
                           INSTANCE_MISSED_BATCH, instance_missed, svc) < 0)
        log_error(service_log(svc), "looking for missed cards: %s",
                  store_errmsg(st));
}

/* True when this instance should look for relayed answers now or later:
 * another instance lives and a request of this one waits. */
static int instance_relaying(struct service *svc)
{
    struct instance *in = instance_of(svc);

    return in->next_beat >= 0 && in->others && service_requests_waiting(svc);
}

static void instance_tick(struct service *svc)
{
    struct instance *in = instance_of(svc);
    int64_t now = service_now_ms(svc);

    if (in->next_beat >= 0 && in->next_beat <= now)
        instance_beat(svc);
    if (instance_relaying(svc) && in->next_relay <= now) {
        in->next_relay = now + INSTANCE_RELAY_POLL_MS;
        if (service_requests_relayed(svc) < 0)
            log_error(service_log(svc), "picking up kept answers: %s",
                      store_errmsg(service_store(svc)));
    }
}

static int instance_timeout(struct service *svc)
{
    struct instance *in = instance_of(svc);
    int64_t next = in->next_beat, left;

    if (next < 0)
        return -1;
    if (instance_relaying(svc) && in->next_relay < next)
        next = in->next_relay;
    left = next - service_now_ms(svc);
    return left <= 0 ? 0 : left > INT_MAX ? INT_MAX : (int)left;
}

/* Beats at once: the lease is held before the start-up probe brings the
 * users' presence. */
static void instance_link_up(struct service *svc)
{
    instance_beat(svc);
}

static void instance_link_down(struct service *svc)
{
    instance_of(svc)->next_beat = -1;
}

static int instance_init(struct service *svc, void **state)
{
    const struct cardxd_config *cfg = service_config(svc);
    struct instance *in = calloc(1, sizeof(*in));

    if (!in)
        return CX_ENOMEM;
    if (cfg->instance && cfg->instance[0] &&
        store_instance_set(service_store(svc), cfg->instance) < 0) {
        free(in);
        return CX_ENOMEM;
    }
    in->next_beat = -1;
    *state = in;
    return 0;
}

/* A clean stop leaves nothing for another instance to take over. */
static void instance_free(struct service *svc, void *state)
{
    struct store *st = service_store(svc);

    if (state && store_instance_leave(st) < 0)
        log_error(service_log(svc), "leaving as instance %s: %s",
                  store_instance(st), store_errmsg(st));
    free(state);
}

const struct feature feature_instance = {
    .name = "instances",
    .init = instance_init,
    .free = instance_free,
    .link_up = instance_link_up,
    .link_down = instance_link_down,
    .timeout = instance_timeout,
    .tick = instance_tick,
};
