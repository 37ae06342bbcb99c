/* What cardxd did with cards, for the admin's statistics command and the
 * metrics endpoint: counters by event (and reason), in-memory minute
 * buckets for "the last hour" and "the last day", latency histograms and
 * the link's and the database's health. Everything here lives in memory
 * and starts at zero when cardxd starts: the waiting cards and users are
 * the store's to count. */
#ifndef CARDX_COMPONENT_STATS_H
#define CARDX_COMPONENT_STATS_H

#include <stddef.h>
#include <stdint.h>

/* What happened to a card. */
enum stats_event {
    STATS_ACCEPTED,  /* stored for its recipient (new or replacing) */
    STATS_DELIVERED, /* first handed to a resource of its recipient */
    STATS_ACKED,     /* acknowledged: gone from the store */
    STATS_EXPIRED,   /* inbox_ttl over: gone from the store */
    STATS_RETIRED,   /* gone unacknowledged for another reason */
    STATS_REFUSED,   /* never accepted (reason: the error condition) */
    STATS_NEVENTS
};

/* The latencies measured, in wall-clock time. */
enum stats_latency {
    STATS_ACCEPT_TO_DELIVER, /* accepted to first delivery */
    STATS_DELIVER_TO_ACK,    /* first delivery (in this run) to the ack */
    STATS_NLATENCIES
};

/* Distinct reasons kept per event; later ones count as "other". */
#define STATS_REASONS_MAX 16
#define STATS_REASON_LEN 32
/* The windows the admin asks about, in minutes. */
#define STATS_HOUR_MIN 60
#define STATS_DAY_MIN 1440
/* Histogram bucket upper bounds in seconds, the last being +Inf. */
#define STATS_HIST_BUCKETS 10

struct stats_hist {
    double le[STATS_HIST_BUCKETS];  /* upper bounds; the last is INFINITY */
    uint64_t n[STATS_HIST_BUCKETS]; /* observations in each (not summed) */
    uint64_t count;
    double sum; /* seconds */
};

struct stats;

/* A fresh set of counters at now_ms (monotonic), when cardxd starts.
 * NULL on allocation failure. */
struct stats *stats_new(int64_t now_ms);

/* Frees st. Accepts NULL. */
void stats_free(struct stats *st);

/* Counts ev at now_ms (monotonic). reason (borrowed, copied) labels
 * STATS_REFUSED and STATS_RETIRED; NULL for the others. */
void stats_count(struct stats *st, enum stats_event ev, const char *reason,
                 int64_t now_ms);

/* Records one latency of ms milliseconds. */
void stats_observe(struct stats *st, enum stats_latency which, int64_t ms);

/* Remembers that card_id was first delivered at wall_ms, so that its ack
 * can be timed; the oldest are forgotten beyond a bound. */
void stats_delivery_note(struct stats *st, const char *card_id,
                         int64_t wall_ms);

/* The card was acknowledged at wall_ms: records STATS_DELIVER_TO_ACK when
 * its delivery was noted in this run, and forgets it. */
void stats_delivery_acked(struct stats *st, const char *card_id,
                          int64_t wall_ms);

/* A batch of work opens a transaction: counts wait until stats_settle()
 * (it committed) or are dropped by stats_rewind() (it is done again). */
void stats_mark(struct stats *st);
void stats_settle(struct stats *st);
void stats_rewind(struct stats *st);

/* The link to the server came up or went down at now_ms (monotonic). */
void stats_link_up(struct stats *st, int64_t now_ms);
void stats_link_down(struct stats *st, int64_t now_ms);

/* A database call failed at wall_ms. */
void stats_store_error(struct stats *st, int64_t wall_ms);

/* --- reading --- */

/* Count of ev (reason NULL: all reasons) since start. */
uint64_t stats_total(const struct stats *st, enum stats_event ev,
                     const char *reason);

/* Count of ev (reason NULL: all reasons) in the last minutes minutes
 * (at most STATS_DAY_MIN) up to now_ms, to the minute. */
uint64_t stats_window(const struct stats *st, enum stats_event ev,
                      const char *reason, int64_t now_ms, int minutes);

/* Calls fn for each reason ev was counted with, in first-seen order. */
void stats_each_reason(const struct stats *st, enum stats_event ev,
                       void (*fn)(void *ud, const char *reason), void *ud);

/* The histogram of which (borrowed). */
const struct stats_hist *stats_histogram(const struct stats *st,
                                         enum stats_latency which);

/* The link: up (1 or 0), how long up (ms, 0 when down) and how often it
 * came back after a drop. */
struct stats_link {
    int up;
    int64_t uptime_ms;
    uint64_t reconnects;
    int64_t process_uptime_ms;
};
void stats_link_get(const struct stats *st, int64_t now_ms,
                    struct stats_link *out);

/* Database failures since start and the wall ms of the last (0: none). */
void stats_store_get(const struct stats *st, uint64_t *errors,
                     int64_t *last_error_ms);

/* The name of ev as the metrics and the admin show it ("accepted"). */
const char *stats_event_name(enum stats_event ev);

#endif
