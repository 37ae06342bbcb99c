/* cardxd's in-memory counters: minute buckets per event and reason, latency
 * histograms, link and database health (see stats.h). */
#include "component/stats.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Buckets of one minute, a day of them. */
#define STATS_MINUTE_MS 60000
#define STATS_BUCKETS STATS_DAY_MIN
/* Deliveries remembered to time their acks: a bound on memory whatever the
 * traffic; a card acked later than this many deliveries after its own is
 * simply not timed. */
#define STATS_NOTES_MAX 4096
#define STATS_CARD_ID_LEN 64
/* Counts a batch may hold back before it is applied at once (memory). */
#define STATS_PENDING_MAX 4096
/* The name a reason gets once the table of reasons is full. */
#define STATS_REASON_OTHER "other"

/* The counts of one event with one reason. */
struct series {
    char reason[STATS_REASON_LEN]; /* "" for events without reasons */
    uint64_t total;
    int64_t last_minute; /* the newest minute written in bucket */
    uint32_t bucket[STATS_BUCKETS];
};

struct note {
    char card_id[STATS_CARD_ID_LEN];
    int64_t at;
};

/* A count held back until its batch commits. */
struct pending_count {
    int observe; /* 1: a latency, else a count */
    enum stats_event ev;
    enum stats_latency which;
    char reason[STATS_REASON_LEN];
    int64_t value; /* now_ms of a count, ms of a latency */
};

/* Per instance: each counts what it did, for its own metrics endpoint;
 * sums across instances are the monitoring's. A card acknowledged through
 * another instance than the one that delivered it has no latency noted. */
struct stats {
    struct series *series[STATS_NEVENTS][STATS_REASONS_MAX];
    size_t nseries[STATS_NEVENTS];
    struct stats_hist hist[STATS_NLATENCIES];
    struct note *notes; /* a ring of STATS_NOTES_MAX */
    size_t next_note;
    int marking;
    struct pending_count *pending;
    size_t npending;
    int64_t started_ms;
    int link_up;
    int64_t link_since_ms;
    uint64_t link_ups;
    uint64_t store_errors;
    int64_t store_last_error_ms;
};

/* Seconds: from a tenth of a second to a day, the span from an online
 * recipient to one who picks the card up days later. */
static const double stats_bounds[STATS_HIST_BUCKETS - 1] = {
    0.1, 0.5, 1, 5, 30, 60, 300, 3600, 86400};

static const char *const stats_names[STATS_NEVENTS] = {
    [STATS_ACCEPTED] = "accepted",  [STATS_DELIVERED] = "delivered",
    [STATS_ACKED] = "acknowledged", [STATS_EXPIRED] = "expired",
    [STATS_RETIRED] = "retired",    [STATS_REFUSED] = "refused",
};

struct stats *stats_new(int64_t now_ms)
{
    struct stats *st = calloc(1, sizeof(*st));

    if (!st)
        return NULL;
    st->notes = calloc(STATS_NOTES_MAX, sizeof(*st->notes));
    st->pending = calloc(STATS_PENDING_MAX, sizeof(*st->pending));
    if (!st->notes || !st->pending) {
        stats_free(st);
        return NULL;
    }
    for (int h = 0; h < STATS_NLATENCIES; h++) {
        for (int b = 0; b < STATS_HIST_BUCKETS - 1; b++)
            st->hist[h].le[b] = stats_bounds[b];
        st->hist[h].le[STATS_HIST_BUCKETS - 1] = INFINITY;
    }
    st->started_ms = now_ms;
    return st;
}

void stats_free(struct stats *st)
{
    if (!st)
        return;
    for (int ev = 0; ev < STATS_NEVENTS; ev++) {
        for (size_t i = 0; i < st->nseries[ev]; i++)
            free(st->series[ev][i]);
    }
    free(st->notes);
    free(st->pending);
    free(st);
}

const char *stats_event_name(enum stats_event ev)
{
    return stats_names[ev];
}

/* The series of ev and reason, made on first use; NULL without memory. A
 * full table sends new reasons to "other", itself the last slot. */
static struct series *series_get(struct stats *st, enum stats_event ev,
                                 const char *reason)
{
    struct series *s;

    if (!reason)
        reason = "";
    for (size_t i = 0; i < st->nseries[ev]; i++) {
        if (strcmp(st->series[ev][i]->reason, reason) == 0)
            return st->series[ev][i];
    }
    if (st->nseries[ev] == STATS_REASONS_MAX - 1 &&
        strcmp(reason, STATS_REASON_OTHER) != 0)
        return series_get(st, ev, STATS_REASON_OTHER);
    if (st->nseries[ev] == STATS_REASONS_MAX)
        return st->series[ev][STATS_REASONS_MAX - 1];
    s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    snprintf(s->reason, sizeof(s->reason), "%s", reason);
    s->last_minute = -1;
    st->series[ev][st->nseries[ev]++] = s;
    return s;
}

/* Clears the buckets of the minutes after s->last_minute up to minute. */
static void series_advance(struct series *s, int64_t minute)
{
    int64_t from = s->last_minute + 1;

    if (minute <= s->last_minute)
        return;
    if (minute - from >= STATS_BUCKETS)
        from = minute - STATS_BUCKETS + 1;
    for (int64_t m = from; m <= minute; m++)
        s->bucket[m % STATS_BUCKETS] = 0;
    s->last_minute = minute;
}

static int64_t stats_minute(const struct stats *st, int64_t now_ms)
{
    int64_t d = now_ms - st->started_ms;

    return d > 0 ? d / STATS_MINUTE_MS : 0;
}

static void count_apply(struct stats *st, enum stats_event ev,
                        const char *reason, int64_t now_ms)
{
    struct series *s = series_get(st, ev, reason);
    int64_t minute = stats_minute(st, now_ms);

    if (!s)
        return; /* out of memory: a count is lost, nothing else */
    series_advance(s, minute);
    s->total++;
    if (minute >= s->last_minute - STATS_BUCKETS + 1)
        s->bucket[minute % STATS_BUCKETS]++;
}

static void observe_apply(struct stats *st, enum stats_latency which,
                          int64_t ms)
{
    struct stats_hist *h = &st->hist[which];
    double sec = ms > 0 ? (double)ms / 1000.0 : 0.0;
    int b = 0;

    while (b < STATS_HIST_BUCKETS - 1 && sec > h->le[b])
        b++;
    h->n[b]++;
    h->count++;
    h->sum += sec;
}

/* Holds the count back while a batch is open; 0 when it was, else the
 * caller applies it now. */
static int pending_hold(struct stats *st, const struct pending_count *p)
{
    if (!st->marking || st->npending == STATS_PENDING_MAX)
        return -1;
    st->pending[st->npending++] = *p;
    return 0;
}

void stats_count(struct stats *st, enum stats_event ev, const char *reason,
                 int64_t now_ms)
{
    struct pending_count p = {.ev = ev, .value = now_ms};

    if (!st)
        return;
    snprintf(p.reason, sizeof(p.reason), "%s", reason ? reason : "");
    if (pending_hold(st, &p) < 0)
        count_apply(st, ev, reason, now_ms);
}

void stats_observe(struct stats *st, enum stats_latency which, int64_t ms)
{
    struct pending_count p = {.observe = 1, .which = which, .value = ms};

    if (!st)
        return;
    if (pending_hold(st, &p) < 0)
        observe_apply(st, which, ms);
}

void stats_mark(struct stats *st)
{
    if (!st)
        return;
    st->marking = 1;
    st->npending = 0;
}

void stats_settle(struct stats *st)
{
    if (!st)
        return;
    for (size_t i = 0; i < st->npending; i++) {
        const struct pending_count *p = &st->pending[i];

        if (p->observe)
            observe_apply(st, p->which, p->value);
        else
            count_apply(st, p->ev, p->reason[0] ? p->reason : NULL, p->value);
    }
    st->npending = 0;
    st->marking = 0;
}

void stats_rewind(struct stats *st)
{
    if (!st)
        return;
    st->npending = 0;
    st->marking = 0;
}

void stats_delivery_note(struct stats *st, const char *card_id, int64_t wall_ms)
{
    struct note *n;

    if (!st || !card_id)
        return;
    n = &st->notes[st->next_note];
    st->next_note = (st->next_note + 1) % STATS_NOTES_MAX;
    snprintf(n->card_id, sizeof(n->card_id), "%s", card_id);
    n->at = wall_ms;
}

void stats_delivery_acked(struct stats *st, const char *card_id,
                          int64_t wall_ms)
{
    if (!st || !card_id)
        return;
    for (size_t i = 0; i < STATS_NOTES_MAX; i++) {
        struct note *n = &st->notes[i];

        if (n->card_id[0] && strcmp(n->card_id, card_id) == 0) {
            stats_observe(st, STATS_DELIVER_TO_ACK, wall_ms - n->at);
            n->card_id[0] = '\0';
            return;
        }
    }
}

void stats_link_up(struct stats *st, int64_t now_ms)
{
    if (!st)
        return;
    st->link_up = 1;
    st->link_since_ms = now_ms;
    st->link_ups++;
}

void stats_link_down(struct stats *st, int64_t now_ms)
{
    (void)now_ms;
    if (st)
        st->link_up = 0;
}

void stats_store_error(struct stats *st, int64_t wall_ms)
{
    if (!st)
        return;
    st->store_errors++;
    st->store_last_error_ms = wall_ms;
}

uint64_t stats_total(const struct stats *st, enum stats_event ev,
                     const char *reason)
{
    uint64_t n = 0;

    for (size_t i = 0; i < st->nseries[ev]; i++) {
        const struct series *s = st->series[ev][i];

        if (!reason || strcmp(s->reason, reason) == 0)
            n += s->total;
    }
    return n;
}

/* The count of s in the minutes (from, to]. */
static uint64_t series_sum(const struct series *s, int64_t from, int64_t to)
{
    uint64_t n = 0;

    for (int64_t m = to; m > from && m >= 0; m--) {
        if (m <= s->last_minute && m > s->last_minute - STATS_BUCKETS)
            n += s->bucket[m % STATS_BUCKETS];
    }
    return n;
}

uint64_t stats_window(const struct stats *st, enum stats_event ev,
                      const char *reason, int64_t now_ms, int minutes)
{
    int64_t to = stats_minute(st, now_ms);
    uint64_t n = 0;

    if (minutes > STATS_DAY_MIN)
        minutes = STATS_DAY_MIN;
    for (size_t i = 0; i < st->nseries[ev]; i++) {
        const struct series *s = st->series[ev][i];

        if (!reason || strcmp(s->reason, reason) == 0)
            n += series_sum(s, to - minutes, to);
    }
    return n;
}

void stats_each_reason(const struct stats *st, enum stats_event ev,
                       void (*fn)(void *ud, const char *reason), void *ud)
{
    for (size_t i = 0; i < st->nseries[ev]; i++)
        fn(ud, st->series[ev][i]->reason);
}

const struct stats_hist *stats_histogram(const struct stats *st,
                                         enum stats_latency which)
{
    return &st->hist[which];
}

void stats_link_get(const struct stats *st, int64_t now_ms,
                    struct stats_link *out)
{
    out->up = st->link_up;
    out->uptime_ms = st->link_up ? now_ms - st->link_since_ms : 0;
    out->reconnects = st->link_ups > 1 ? st->link_ups - 1 : 0;
    out->process_uptime_ms = now_ms - st->started_ms;
}

void stats_store_get(const struct stats *st, uint64_t *errors,
                     int64_t *last_error_ms)
{
    *errors = st->store_errors;
    *last_error_ms = st->store_last_error_ms;
}
