/* Leveled logging to a stream, passed explicitly to each module. */
#ifndef CARDX_COMMON_LOG_H
#define CARDX_COMMON_LOG_H

#include <stdio.h>

enum log_level {
    LOG_LEVEL_ERROR = 0,
    LOG_LEVEL_WARN,
    LOG_LEVEL_INFO,
    LOG_LEVEL_DEBUG
};

struct log {
    enum log_level level;
    FILE *out; /* borrowed; NULL means stderr */
};

/* Parses "error", "warn", "info" or "debug". Returns 0 or -1. */
int log_level_parse(const char *name, enum log_level *out);

/* Writes one timestamped line when level is enabled. lg may be NULL (then
 * nothing is written). */
void log_write(const struct log *lg, enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define log_error(lg, ...) log_write((lg), LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(lg, ...) log_write((lg), LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(lg, ...) log_write((lg), LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(lg, ...) log_write((lg), LOG_LEVEL_DEBUG, __VA_ARGS__)

#endif
