/* The benchmark's workloads; each prints BENCH lines and returns 0 or -1. */
#ifndef CARDX_BENCH_WORKLOADS_H
#define CARDX_BENCH_WORKLOADS_H

struct bench_opts {
    int quick;            /* BENCH_QUICK: small counts, a smoke run */
    int cpu_server;       /* core of the XMPP server or the stub */
    int cpu_cardxd;       /* core of cardxd */
    int cpu_load;         /* core of the load generator (workload 1) */
    const char *diskdir;  /* a directory on disk for databases */
    const char *tmpfsdir; /* a directory on tmpfs for databases */
    const char *server;   /* "prosody" or "ejabberd" (workload 1) */
};

/* 1: cards through a real server, beside plain messages (wl_online.c). */
int wl_online(const struct bench_opts *o);
/* 2: cardxd alone behind the stub server, online and offline. */
int wl_component(const struct bench_opts *o);
/* 3: offline cards committed, disk and tmpfs, both synchronous modes. */
int wl_store(const struct bench_opts *o);
/* 4: a recipient with waiting cards comes online. */
int wl_flush(const struct bench_opts *o);
/* 5: a million users and waiting cards. */
int wl_scale(const struct bench_opts *o);
/* 7: offline cards stored and flushed per driver, beside ejabberd's
 * mod_offline (wl_offline.c). */
int wl_offline(const struct bench_opts *o);
/* 8: 1 vs 2 cardxd instances on PostgreSQL through ejabberd
 * (wl_instances.c). */
int wl_instances(const struct bench_opts *o);
/* 6: the client's contact search over 100,000 cards (wl_client.c). */
int wl_client(const struct bench_opts *o);

#endif
