/* Benchmark plumbing: clocks, samples, /proc readings, pinning, output. */
#include "bench/benchutil.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int64_t bench_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t bench_now_ms(void)
{
    return bench_now_ns() / 1000000;
}

struct bench_samples {
    int64_t *v;
    size_t n, cap;
    int sorted;
};

struct bench_samples *bench_samples_new(void)
{
    return calloc(1, sizeof(struct bench_samples));
}

void bench_samples_free(struct bench_samples *s)
{
    if (!s)
        return;
    free(s->v);
    free(s);
}

int bench_samples_add(struct bench_samples *s, int64_t ns)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 4096;
        int64_t *grown = realloc(s->v, cap * sizeof(*grown));

        if (!grown)
            return -1;
        s->v = grown;
        s->cap = cap;
    }
    s->v[s->n++] = ns;
    s->sorted = 0;
    return 0;
}

size_t bench_samples_count(const struct bench_samples *s)
{
    return s->n;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

    return (x > y) - (x < y);
}

double bench_samples_quantile_ms(struct bench_samples *s, double q)
{
    size_t i;

    if (s->n == 0)
        return 0;
    if (!s->sorted) {
        qsort(s->v, s->n, sizeof(*s->v), cmp_i64);
        s->sorted = 1;
    }
    /* Nearest rank: the smallest sample with at least q of them at or
     * below it. */
    i = (size_t)(q * (double)s->n + 0.999999);
    i = i == 0 ? 0 : i - 1;
    if (i >= s->n)
        i = s->n - 1;
    return (double)s->v[i] / 1e6;
}

/* Reads a small /proc file into buf (NUL-terminated); bytes read or -1. */
static ssize_t read_small(const char *path, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n;

    if (fd < 0)
        return -1;
    n = read(fd, buf, size - 1);
    close(fd);
    if (n < 0)
        return -1;
    buf[n] = '\0';
    return n;
}

int64_t bench_cpu_us(pid_t pid)
{
    char path[64], buf[2048];
    const char *p;
    unsigned long long utime, stime;
    long hz = sysconf(_SC_CLK_TCK);

    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    if (read_small(path, buf, sizeof(buf)) < 0 || hz <= 0)
        return -1;
    /* The command name may hold spaces: fields count from the last ')'. */
    p = strrchr(buf, ')');
    /* After ") " come state (3) ... utime (14), stime (15). */
    if (!p ||
        sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
               &utime, &stime) != 2)
        return -1;
    return (int64_t)((utime + stime) * 1000000ULL / (unsigned long long)hz);
}

long bench_mem_kib(pid_t pid, const char *which)
{
    char path[64], buf[8192];
    size_t len = strlen(which);
    const char *p;

    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    if (read_small(path, buf, sizeof(buf)) < 0)
        return -1;
    for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        if (strncmp(p, which, len) == 0 && p[len] == ':')
            return strtol(p + len + 1, NULL, 10);
    }
    return -1;
}

/* True when the NUL-separated command line holds needle as one argument. */
static int cmdline_has(const char *buf, ssize_t n, const char *needle)
{
    for (ssize_t i = 0; i < n; i += (ssize_t)strlen(buf + i) + 1) {
        if (strcmp(buf + i, needle) == 0)
            return 1;
    }
    return 0;
}

/* True when some NUL-separated argument contains substr. */
static int cmdline_contains(const char *buf, ssize_t n, const char *substr)
{
    for (ssize_t i = 0; i < n; i += (ssize_t)strlen(buf + i) + 1) {
        if (strstr(buf + i, substr))
            return 1;
    }
    return 0;
}

/* Scans /proc for the first process whose command line match() accepts. */
static pid_t find_pid(int (*match)(const char *, ssize_t, const char *),
                      const char *needle, pid_t except)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    pid_t found = -1;
    char path[300], buf[4096];

    if (!d)
        return -1;
    while (found < 0 && (e = readdir(d))) {
        ssize_t n;

        if (!isdigit((unsigned char)e->d_name[0]) ||
            atoi(e->d_name) == (int)except)
            continue;
        snprintf(path, sizeof(path), "/proc/%s/cmdline", e->d_name);
        n = read_small(path, buf, sizeof(buf));
        if (n > 0 && match(buf, n, needle))
            found = (pid_t)atoi(e->d_name);
    }
    closedir(d);
    return found;
}

pid_t bench_find_pid_containing(const char *substr, pid_t except)
{
    return find_pid(cmdline_contains, substr, except);
}

pid_t bench_find_pid(const char *needle)
{
    return find_pid(cmdline_has, needle, -1);
}

int bench_pin(pid_t pid, int cpu)
{
    cpu_set_t set;
    char path[64];
    struct dirent *e;
    DIR *d;
    int rc = 0;

    if (cpu < 0)
        return 0;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (pid == 0)
        return sched_setaffinity(0, sizeof(set), &set) == 0 ? 0 : -1;
    /* Affinity is per thread: a threaded server (ejabberd's BEAM) needs
     * each of its threads pinned. */
    snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
    d = opendir(path);
    if (!d)
        return -1;
    while ((e = readdir(d))) {
        if (isdigit((unsigned char)e->d_name[0]) &&
            sched_setaffinity((pid_t)atoi(e->d_name), sizeof(set), &set) < 0)
            rc = -1;
    }
    closedir(d);
    return rc;
}

int bench_fdatasync_ms(const char *dir, int iterations, double *p50,
                       double *p99)
{
    struct bench_samples *s = bench_samples_new();
    char *path = NULL, block[4096];
    int fd = -1, rc = -1;

    if (!s || asprintf(&path, "%s/fdatasync-probe.XXXXXX", dir) < 0) {
        path = NULL;
        goto out;
    }
    fd = mkstemp(path);
    if (fd < 0)
        goto out;
    memset(block, 'x', sizeof(block));
    for (int i = 0; i < iterations; i++) {
        int64_t t0 = bench_now_ns();

        /* Overwrite in place, as a WAL commit appends a frame and syncs. */
        if (pwrite(fd, block, sizeof(block), (off_t)(i % 16) * 4096) !=
                (ssize_t)sizeof(block) ||
            fdatasync(fd) < 0 || bench_samples_add(s, bench_now_ns() - t0) < 0)
            goto out;
    }
    *p50 = bench_samples_quantile_ms(s, 0.5);
    *p99 = bench_samples_quantile_ms(s, 0.99);
    rc = 0;
out:
    if (fd >= 0) {
        close(fd);
        unlink(path);
    }
    free(path);
    bench_samples_free(s);
    return rc;
}

long long bench_db_bytes(const char *path)
{
    static const char *const suffixes[] = {"", "-wal", "-shm"};
    long long total = 0;
    struct stat st;
    char buf[4096];

    for (size_t i = 0; i < 3; i++) {
        snprintf(buf, sizeof(buf), "%s%s", path, suffixes[i]);
        if (stat(buf, &st) == 0)
            total += (long long)st.st_size;
        else if (i == 0)
            return -1;
    }
    return total;
}

void bench_report(const char *workload, const char *labels, const char *metric,
                  double value)
{
    printf("BENCH workload=%s%s%s metric=%s value=%.6g\n", workload,
           labels && *labels ? " " : "", labels ? labels : "", metric, value);
    fflush(stdout);
}

void bench_note(const char *fmt, ...)
{
    va_list ap;

    fputs("bench: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

long bench_env_long(const char *name, long def)
{
    const char *v = getenv(name);
    char *end;
    long n;

    if (!v || !*v)
        return def;
    errno = 0;
    n = strtol(v, &end, 10);
    return errno || *end ? def : n;
}

int bench_quick(void)
{
    const char *v = getenv("BENCH_QUICK");

    return v && *v && strcmp(v, "0") != 0;
}
