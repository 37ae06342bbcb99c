/* One cardxd driven by the stub server (workloads 2 to 5): start it on a
 * prefilled database, play its users, flood it with sends, time it. */
#ifndef CARDX_BENCH_SBENCH_H
#define CARDX_BENCH_SBENCH_H

#include <stdint.h>
#include <sys/types.h>

#include "bench/prefill.h"

struct sbench;

struct sbench_params {
    struct prefill_spec users; /* what the database holds at start */
    const char *dbdir;         /* NULL: the harness's run directory */
    const char *synchronous;   /* "normal" or "full" */
    const char *log_level;     /* cardxd's [log] level */
    int cpu_cardxd;            /* core for cardxd, -1: not pinned */
    int cpu_stub;              /* core for this process, -1: not pinned */
    int probe_timeout_ms;      /* wait for the probes after link up */
    /* [storage] driver and dsn; NULL: SQLite in a file of dbdir. */
    const char *driver;
    const char *dsn;
};

/* What happened while starting. */
struct sbench_start {
    double prefill_s;  /* filling the database */
    double link_up_ms; /* cardxd started -> handshake done */
    double probes_ms;  /* handshake done -> every probe received */
    long probes;       /* presence stanzas received from cardxd */
    int link_dropped;  /* cardxd closed the link during the probes */
};

/* Fills the database, starts cardxd against the stub and waits for its
 * probes. On success *out is the bench (also when the link dropped during
 * the probes: see st->link_dropped); returns 0 or -1. */
int sbench_new(const struct sbench_params *p, struct sbench_start *st,
               struct sbench **out);

/* Stops cardxd, removes its files. Accepts NULL. */
void sbench_free(struct sbench *b);

pid_t sbench_pid(const struct sbench *b);
const char *sbench_db(const struct sbench *b);

/* Recipients r0..r<n-1> come online (one session each, announcing
 * receipts); waits until cardxd asked each for disco#info and has handled
 * the answers. Returns 0 or -1. */
int sbench_online(struct sbench *b, long n, int timeout_ms);

/* Waits until cardxd answered a ping, so that it has handled everything
 * sent before. Returns 0 or -1. */
int sbench_sync(struct sbench *b, int timeout_ms);

enum sbench_send {
    SBENCH_MESSAGE, /* chat message to the proxy JID; counted on delivery */
    SBENCH_IQ,      /* urn:cardx:0 <send/>; counted on the <sent/> result */
};

/* A flood of sends from s<k % senders> to r<first + k % recipients> (at
 * most 64 recipients, and max_senders senders), with at most window in flight;
 * delivered cards are acknowledged at once. */
struct sbench_flood {
    enum sbench_send how;
    long cards;
    long window;
    int timeout_ms;
    long first_recipient;
    long max_senders; /* 0: 64 */
};

struct sbench_result {
    long done;      /* cards counted as done */
    double seconds; /* first send -> last done */
    double cards_per_s;
    double p50_ms, p99_ms; /* send -> done */
    double cardxd_cpu_us;  /* cardxd's utime + stime during the flood */
    double stub_cpu_us;    /* this process's */
    long rss_before_kib, rss_after_kib;
};

int sbench_run(struct sbench *b, const struct sbench_flood *f,
               struct sbench_result *r);

/* Recipient r0 comes online with cards waiting: *delivered_ms is presence
 * -> last card received, *acked_ms presence -> cardxd answered a ping sent
 * after the last acknowledgement. Returns 0 or -1. */
int sbench_flush(struct sbench *b, long cards, int timeout_ms,
                 double *delivered_ms, double *acked_ms);

#endif
