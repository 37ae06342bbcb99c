/* Leveled logging to a stream, passed explicitly to each module. */
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/errors.h"

/* A log file holds who sent cards to whom: for its owner only. */
#define LOG_FILE_MODE 0600

/* Longest line written; longer messages are cut. */
#define LOG_LINE_MAX 2048

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

int log_open_file(struct log *lg, const char *path)
{
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY,
                  LOG_FILE_MODE);
    FILE *f;
    int saved;

    if (fd < 0)
        return CX_EIO;
    f = fdopen(fd, "a");
    if (!f) {
        saved = errno;
        close(fd);
        errno = saved;
        return saved == ENOMEM ? CX_ENOMEM : CX_EIO;
    }
    log_close(lg);
    lg->out = f;
    lg->owned = 1;
    return 0;
}

void log_close(struct log *lg)
{
    if (lg->owned && lg->out)
        fclose(lg->out);
    if (lg->owned)
        lg->out = NULL;
    lg->owned = 0;
}

void log_write(const struct log *lg, enum log_level level, const char *fmt, ...)
{
    FILE *out;
    struct timespec ts;
    struct tm tm;
    char line[LOG_LINE_MAX];
    size_t n;
    int len;
    va_list ap;

    if (!lg || level > lg->level)
        return;
    out = lg->out ? lg->out : stderr;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
    len = snprintf(line + n, sizeof(line) - n, ".%03ldZ %-5s ",
                   ts.tv_nsec / 1000000L, level_names[level]);
    n += len > 0 ? (size_t)len : 0;
    va_start(ap, fmt);
    len = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
    va_end(ap);
    n += len > 0 ? (size_t)len : 0;
    if (n > sizeof(line) - 2)
        n = sizeof(line) - 2; /* cut, but still one line */
    line[n++] = '\n';
    /* One write per line: lines of several processes never interleave,
     * and a busy service does not pay three system calls a line. */
    fwrite(line, 1, n, out);
    fflush(out);
}
