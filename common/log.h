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
    FILE *out; /* NULL means stderr; borrowed unless owned */
    int owned; /* out was opened by log_open_file(), closed by log_close() */
};

/* Parses "error", "warn", "info" or "debug". Returns 0 or -1. */
int log_level_parse(const char *name, enum log_level *out);

/* From now on appends to the file at path, created 0600 when missing, and
 * closes the file an earlier call opened (reopening the same path is how a
 * rotated log is let go). On failure the output is left as it was and errno
 * says why. Returns 0, CX_EIO or CX_ENOMEM. */
int log_open_file(struct log *lg, const char *path);

/* Closes a file log_open_file() opened; later lines go to stderr. */
void log_close(struct log *lg);

/* Writes one timestamped line when level is enabled. lg may be NULL (then
 * nothing is written). */
void log_write(const struct log *lg, enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define log_error(lg, ...) log_write((lg), LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(lg, ...) log_write((lg), LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(lg, ...) log_write((lg), LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(lg, ...) log_write((lg), LOG_LEVEL_DEBUG, __VA_ARGS__)

#endif
