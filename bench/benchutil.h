/* Benchmark plumbing: clocks, latency samples, per-process CPU and memory
 * from /proc, core pinning, fdatasync probes and the BENCH output lines. */
#ifndef CARDX_BENCH_BENCHUTIL_H
#define CARDX_BENCH_BENCHUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Monotonic clock. */
int64_t bench_now_ns(void);
int64_t bench_now_ms(void);

/* --- latency samples --- */

struct bench_samples;

/* An empty set of samples; NULL on allocation failure. */
struct bench_samples *bench_samples_new(void);
void bench_samples_free(struct bench_samples *s);
/* Adds one sample in nanoseconds. Returns 0 or -1 (out of memory). */
int bench_samples_add(struct bench_samples *s, int64_t ns);
size_t bench_samples_count(const struct bench_samples *s);
/* The q-quantile (0..1) in milliseconds, sorting the samples if needed;
 * 0 when there are none. */
double bench_samples_quantile_ms(struct bench_samples *s, double q);

/* --- processes --- */

/* CPU time (utime + stime from /proc/PID/stat) in microseconds, or -1. */
int64_t bench_cpu_us(pid_t pid);
/* VmRSS (which = "VmRSS") or VmHWM from /proc/PID/status in KiB, or -1. */
long bench_mem_kib(pid_t pid, const char *which);
/* The pid of a process whose command line contains needle as one whole
 * argument (e.g. "/tmp/run/cardxd.conf"), or -1. */
pid_t bench_find_pid(const char *needle);
/* The pid of a process other than except (and not a child of ours that
 * already exited) with an argument containing substr, or -1. */
pid_t bench_find_pid_containing(const char *substr, pid_t except);
/* Pins every thread of pid (0: the calling thread) to one CPU; -1 means
 * leave it free. A best effort: returns 0, or -1 when the kernel
 * refused. */
int bench_pin(pid_t pid, int cpu);

/* --- storage --- */

/* Times `iterations` rounds of a 4 KiB write plus fdatasync() on a scratch
 * file in dir (removed afterwards). Sets the median and 99th percentile in
 * milliseconds. Returns 0 or -1. */
int bench_fdatasync_ms(const char *dir, int iterations, double *p50,
                       double *p99);
/* Bytes of a file plus its -wal and -shm companions, or -1. */
long long bench_db_bytes(const char *path);

/* --- output --- */

/* Prints one machine-readable line to stdout and flushes it:
 * "BENCH workload=W <labels> metric=M value=V". labels is a space-separated
 * list of key=value pairs (may be NULL or empty). */
void bench_report(const char *workload, const char *labels, const char *metric,
                  double value);

/* Progress for the person running the benchmark, on stderr. */
void bench_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* An integer from the environment, or def when unset or not a number. */
long bench_env_long(const char *name, long def);
/* True when BENCH_QUICK is set to something other than "" or "0". */
int bench_quick(void);

#endif
