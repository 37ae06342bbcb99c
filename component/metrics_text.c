/* The OpenMetrics text of cardxd's counters, named as Prosody's
 * mod_http_openmetrics names its own: the program as prefix, counters
 * ending in _total, units as suffixes with a # UNIT line. */
#include "component/metrics.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

/* The card events as counter families. */
static const struct {
    enum stats_event ev;
    const char *family;
    const char *help;
    int reasons; /* samples carry a reason label */
} metrics_events[] = {
    {STATS_ACCEPTED, "cardxd_cards_accepted",
     "Cards accepted for a recipient (new or replacing a waiting one).", 0},
    {STATS_DELIVERED, "cardxd_cards_delivered",
     "Cards handed to a resource of their recipient for the first time.", 0},
    {STATS_ACKED, "cardxd_cards_acknowledged",
     "Cards acknowledged by their recipient and deleted.", 0},
    {STATS_EXPIRED, "cardxd_cards_expired",
     "Cards deleted unacknowledged when [limits] inbox_ttl passed.", 0},
    {STATS_RETIRED, "cardxd_cards_retired",
     "Cards deleted unacknowledged for another reason.", 1},
    {STATS_REFUSED, "cardxd_cards_refused",
     "Cards refused, by the error condition the sender got.", 1},
};

static const struct {
    enum stats_latency which;
    const char *family;
    const char *help;
} metrics_latencies[] = {
    {STATS_ACCEPT_TO_DELIVER, "cardxd_card_delivery_latency_seconds",
     "Time from a card's acceptance to its first delivery."},
    {STATS_DELIVER_TO_ACK, "cardxd_card_ack_latency_seconds",
     "Time from a card's first delivery to its acknowledgement."},
};

static void family(FILE *f, const char *name, const char *type,
                   const char *unit, const char *help)
{
    fprintf(f, "# TYPE %s %s\n", name, type);
    if (unit)
        fprintf(f, "# UNIT %s %s\n", name, unit);
    fprintf(f, "# HELP %s %s\n", name, help);
}

struct reason_out {
    FILE *f;
    const struct stats *st;
    enum stats_event ev;
    const char *family;
};

/* Reasons come from the code's own conditions (no quotes, backslashes or
 * newlines), so they need no escaping. */
static void reason_sample(void *ud, const char *reason)
{
    struct reason_out *r = ud;

    fprintf(r->f, "%s_total{reason=\"%s\"} %" PRIu64 "\n", r->family, reason,
            stats_total(r->st, r->ev, reason));
}

static void render_events(FILE *f, const struct stats *st)
{
    for (size_t i = 0; i < sizeof(metrics_events) / sizeof(metrics_events[0]);
         i++) {
        struct reason_out r = {f, st, metrics_events[i].ev,
                               metrics_events[i].family};

        family(f, r.family, "counter", NULL, metrics_events[i].help);
        if (metrics_events[i].reasons)
            stats_each_reason(st, r.ev, reason_sample, &r);
        else
            fprintf(f, "%s_total %" PRIu64 "\n", r.family,
                    stats_total(st, r.ev, NULL));
    }
}

static void render_histograms(FILE *f, const struct stats *st)
{
    for (size_t i = 0;
         i < sizeof(metrics_latencies) / sizeof(metrics_latencies[0]); i++) {
        const char *name = metrics_latencies[i].family;
        const struct stats_hist *h =
            stats_histogram(st, metrics_latencies[i].which);
        uint64_t cumulative = 0;

        family(f, name, "histogram", "seconds", metrics_latencies[i].help);
        for (int b = 0; b < STATS_HIST_BUCKETS; b++) {
            cumulative += h->n[b];
            if (b < STATS_HIST_BUCKETS - 1)
                fprintf(f, "%s_bucket{le=\"%g\"} %" PRIu64 "\n", name, h->le[b],
                        cumulative);
            else
                fprintf(f, "%s_bucket{le=\"+Inf\"} %" PRIu64 "\n", name,
                        cumulative);
        }
        fprintf(f, "%s_sum %.3f\n%s_count %" PRIu64 "\n", name, h->sum, name,
                h->count);
    }
}

/* The store's counts; returns 0 when they were read. */
static int render_store(FILE *f, const struct metrics_source *src)
{
    int64_t users = 0, waiting = 0, oldest = 0;
    int ok = store_report_users(src->store, &users) == 0 &&
             store_report_inbox(src->store, &waiting, &oldest) == 0;

    family(f, "cardxd_users_registered", "gauge", NULL,
           "Accounts with a registered phone number.");
    if (ok)
        fprintf(f, "cardxd_users_registered %" PRId64 "\n", users);
    family(f, "cardxd_cards_waiting", "gauge", NULL,
           "Cards stored and not yet acknowledged.");
    if (ok)
        fprintf(f, "cardxd_cards_waiting %" PRId64 "\n", waiting);
    family(f, "cardxd_cards_oldest_waiting_timestamp_seconds", "gauge",
           "seconds",
           "When the oldest waiting card was accepted (unix time; 0: none).");
    if (ok)
        fprintf(f,
                "cardxd_cards_oldest_waiting_timestamp_seconds %" PRId64 "\n",
                oldest);
    return ok ? 0 : -1;
}

static void render_health(FILE *f, const struct metrics_source *src,
                          int64_t now_ms, int store_ok)
{
    struct stats_link link;
    uint64_t errors;
    int64_t last_error;
    int64_t size;

    stats_link_get(src->stats, now_ms, &link);
    stats_store_get(src->stats, &errors, &last_error);
    family(f, "cardxd_link_up", "gauge", NULL,
           "1 while the XEP-0114 link to the server is up.");
    fprintf(f, "cardxd_link_up %d\n", link.up);
    family(f, "cardxd_link_uptime_seconds", "gauge", "seconds",
           "How long the link has been up (0 while down).");
    fprintf(f, "cardxd_link_uptime_seconds %.3f\n",
            (double)link.uptime_ms / 1000.0);
    family(f, "cardxd_link_reconnects", "counter", NULL,
           "Times the link came back up after a drop.");
    fprintf(f, "cardxd_link_reconnects_total %" PRIu64 "\n", link.reconnects);
    family(f, "cardxd_uptime_seconds", "gauge", "seconds",
           "How long cardxd has been running.");
    fprintf(f, "cardxd_uptime_seconds %.3f\n",
            (double)link.process_uptime_ms / 1000.0);
    family(f, "cardxd_database_size_bytes", "gauge", "bytes",
           "Size of the database: the SQLite file and its write-ahead log, "
           "or PostgreSQL's pg_database_size().");
    /* No sample rather than a false 0 when it cannot be measured. */
    if (store_report_size(src->store, &size) == 0)
        fprintf(f, "cardxd_database_size_bytes %" PRId64 "\n", size);
    family(f, "cardxd_database_errors", "counter", NULL,
           "Database calls that failed.");
    fprintf(f, "cardxd_database_errors_total %" PRIu64 "\n", errors);
    family(f, "cardxd_database_last_error_timestamp_seconds", "gauge",
           "seconds",
           "When a database call last failed (unix time; 0: never).");
    fprintf(f, "cardxd_database_last_error_timestamp_seconds %.3f\n",
            (double)last_error / 1000.0);
    family(f, "cardxd_database_ok", "gauge", NULL,
           "1 when this scrape's queries succeeded and the file is not known "
           "to be damaged.");
    fprintf(f, "cardxd_database_ok %d\n",
            store_ok && !store_damaged(src->store));
}

char *metrics_render(const struct metrics_source *src, int64_t now_ms,
                     size_t *len)
{
    char *text = NULL;
    FILE *f = open_memstream(&text, len);
    int store_ok, bad;

    if (!f)
        return NULL;
    render_events(f, src->stats);
    render_histograms(f, src->stats);
    store_ok = render_store(f, src) == 0;
    render_health(f, src, now_ms, store_ok);
    fputs("# EOF\n", f);
    bad = ferror(f);
    bad |= fclose(f) != 0;
    if (bad) {
        free(text);
        return NULL;
    }
    return text;
}
