/* Leveled logging to a stream, passed explicitly to each module. */
#include "xep/log.h"

#include <stdarg.h>
#include <string.h>
#include <time.h>

static const char *const level_names[] = {"error", "warn", "info", "debug"};

int log_level_parse(const char *name, enum log_level *out)
{
    for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
        if (strcmp(name, level_names[i]) == 0) {
            *out = (enum log_level)i;
            return 0;
        }
    }
    return -1;
}

void log_write(const struct log *lg, enum log_level level, const char *fmt, ...)
{
    FILE *out;
    struct timespec ts;
    struct tm tm;
    char stamp[32];
    va_list ap;

    if (!lg || level > lg->level)
        return;
    out = lg->out ? lg->out : stderr;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
    fprintf(out, "%s.%03ldZ %-5s ", stamp, ts.tv_nsec / 1000000L,
            level_names[level]);
    va_start(ap, fmt);
    vfprintf(out, fmt, ap);
    va_end(ap);
    fputc('\n', out);
    fflush(out);
}
