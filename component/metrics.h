/* cardxd's optional OpenMetrics endpoint for Prometheus ([metrics] listen):
 * GET /metrics on a libmicrohttpd daemon that runs inside cardxd's own poll
 * loop (no thread), so that it reads the counters without locks. */
#ifndef CARDX_COMPONENT_METRICS_H
#define CARDX_COMPONENT_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "common/log.h"
#include "component/stats.h"
#include "component/store.h"

/* The media type of the exposition (OpenMetrics 1.0). */
#define METRICS_CONTENT_TYPE                                                   \
    "application/openmetrics-text; version=1.0.0; charset=utf-8"

/* What the exposition reads: borrowed, and must outlive the endpoint. */
struct metrics_source {
    const struct stats *stats;
    struct store *store;
};

/* The exposition at now_ms (monotonic): every family with its TYPE, HELP
 * and UNIT lines, ended by "# EOF". Returns the text (the caller's to
 * free(), its length in *len) or NULL when memory ran out. A store that
 * fails leaves its families without samples and cardxd_database_ok 0. */
char *metrics_render(const struct metrics_source *src, int64_t now_ms,
                     size_t *len);

struct metrics;

/* Starts listening on listen (HOST:PORT or [IPV6]:PORT, as checked by the
 * config). Returns 0 with *out set, or -1 with *err a one-line message the
 * caller frees. src and lg are borrowed. */
int metrics_start(const char *listen, const struct metrics_source *src,
                  const struct log *lg, struct metrics **out, char **err);

/* Stops listening and frees m. Accepts NULL. */
void metrics_free(struct metrics *m);

/* The descriptor to poll for input (an epoll set), or -1. */
int metrics_fd(const struct metrics *m);

/* Milliseconds until metrics_run() has work without input, or -1. */
int metrics_timeout(const struct metrics *m);

/* Serves what is ready: call when metrics_fd() is readable or the
 * timeout passed. */
void metrics_run(struct metrics *m);

#endif
