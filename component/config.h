/* cardxd configuration: defaults, INI file loading and validation. */
#ifndef CARDX_COMPONENT_CONFIG_H
#define CARDX_COMPONENT_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "common/log.h"

/* Every key of the file, with its default in config.c (the one home of the
 * defaults). Strings are owned by the struct. */
struct cardxd_config {
    /* [component] */
    char *domain;         /* component JID, e.g. cards.example.org */
    char *secret;         /* XEP-0114 shared secret */
    char *host;           /* server address to connect to */
    int port;             /* server's component port */
    int reconnect_min_ms; /* first reconnect delay */
    int reconnect_max_ms; /* cap of the exponential backoff */
    /* Nothing received for this long: ping the server (XEP-0199), whose
     * answer proves it still reads and routes. */
    int64_t keepalive_ms;
    /* Nothing received for this long: the server is hung or gone, the link
     * is dropped and re-established. Greater than keepalive_ms. */
    int64_t read_timeout_ms;
    /* Space- or comma-separated domains whose users may use the service;
     * empty means the parent domain of `domain`. */
    char *user_domains;
    /* Space- or comma-separated bare JIDs who may run the admin commands;
     * read at each request. Empty: nobody. */
    char *admins;
    /* [storage] */
    char *driver;      /* "sqlite" or "postgresql" */
    char *dsn;         /* PostgreSQL's libpq connection string, or NULL */
    char *database;    /* SQLite file path */
    char *synchronous; /* "normal" or "full" */
    /* How long a call waits for another process's lock on the database
     * before the request is answered `wait`: every user waits with it. */
    int64_t busy_timeout_ms;
    /* Bound of the integrity check at start (0: no check). */
    int64_t check_timeout_ms;
    /* PostgreSQL: how long one statement may go unanswered before the
     * server is taken for hung (the request is answered `wait`, cardxd
     * connects again); every user waits with it. Longer than
     * busy_timeout. */
    int64_t query_timeout_ms;
    /* [phone] */
    char *default_region; /* ISO 3166 region for numbers typed without + */
    /* [limits] */
    size_t vcard_max_bytes;  /* largest accepted card */
    size_t stanza_max_bytes; /* largest accepted stanza on the link */
    int fetch_timeout_ms;    /* wait for a user's vCard from their server */
    /* Deliveries of a card the recipient never acknowledges before it is
     * dropped (clients without receipts must not get it forever). */
    int max_attempts;
    /* Per sender account, 0 for unlimited: cards sent in a minute and in a
     * day, and distinct numbers sent to in a day (what stops an account
     * from walking the number space). */
    int sends_per_minute;
    int sends_per_day;
    int lookups_per_day;
    /* Cards waiting for one recipient (0: unlimited). */
    int inbox_max;
    /* How long a card waits for its acknowledgement before it expires
     * (0: never). */
    int64_t inbox_ttl_ms;
    /* [delivery] */
    /* How long a card handed only to resources that never acknowledge
     * (no receipts, or capabilities unknown) stays, redelivered with the
     * same id at each new resource, before it is retired. */
    int64_t handoff_grace_ms;
    /* [verify] */
    /* How a number is proven: "command" (a code sent by verify_command) or
     * "none" (anyone may claim any number). NULL until the admin chooses:
     * there is no default. */
    char *verify_method;
    char *verify_command; /* run as COMMAND NUMBER CODE; may be NULL */
    int64_t verify_command_timeout_ms; /* then it is killed: not sent */
    int64_t verify_code_ttl_ms;        /* how long a code is valid */
    int verify_max_tries;              /* wrong codes before one is dead */
    int verify_codes_per_day; /* per number and per account; 0: unlimited */
    /* [privacy] */
    /* "reject": a card to a number nobody registered is refused
     * (item-not-found); "hold": it is accepted and waits for whoever
     * registers the number, and no answer tells the two apart. */
    char *unknown_numbers;
    /* "yes": a send's answer says "delivered" when the recipient is online;
     * "no": always "queued", the XEP-0184 receipt tells of arrival. */
    char *reveal_online;
    /* [language] */
    /* Where the message catalogs are (<dir>/zh_CN/LC_MESSAGES/cardx.mo). */
    char *locale_dir;
    /* [log] */
    enum log_level log_level;
    /* Appended to instead of stderr (reopened on SIGHUP, for logrotate);
     * NULL: stderr, which journald keeps. */
    char *log_file;
    /* [metrics] */
    /* HOST:PORT of the OpenMetrics endpoint ([::1]:PORT for IPv6); empty:
     * off. */
    char *metrics_listen;

    /* [cluster]: several instances on one domain and database. This
     * instance's name (empty: one of the host and the config file), how long
     * its lease lasts and how often it renews it; a lease not renewed for
     * lease_ms lets another instance take over its sessions. */
    char *instance;
    int64_t lease_ms;
    int64_t heartbeat_ms;
};

/* A config holding the defaults; NULL on allocation failure. */
struct cardxd_config *config_new(void);

/* Frees the config. Accepts NULL. */
void config_free(struct cardxd_config *cfg);

/* [privacy]: 1 when cards to unregistered numbers are held, else 0. */
int config_hold_unknown(const struct cardxd_config *cfg);
/* [privacy]: 1 when a send may answer "delivered", else 0. */
int config_reveal_online(const struct cardxd_config *cfg);

/* 1 when bare (a bare JID) is one of cfg's admins, else 0. */
int config_is_admin(const struct cardxd_config *cfg, const char *bare);

/* Reads an INI file over the current values. Unknown sections or keys, bad
 * values and unreadable files are errors. Returns 0, or -1 with *err set to a
 * one-line message the caller frees with free(). */
int config_load(struct cardxd_config *cfg, const char *path, char **err);

/* Called with each key whose new value needs a restart of cardxd. */
typedef void (*config_fixed_fn)(void *ud, const char *section,
                                const char *name);

/* For a reload: gives next (the file read again) the running values of the
 * keys set up once at start (the link's, the database's), calling changed
 * for each one the file changed, so that it can be named. Every other key
 * keeps next's value. Returns 0 or CX_ENOMEM (next is then incomplete and
 * must not be used). */
int config_keep_fixed(struct cardxd_config *next,
                      const struct cardxd_config *running,
                      config_fixed_fn changed, void *ud);

/* Checks the values make a usable configuration (required keys present,
 * ranges). Returns 0, or -1 with *err set as for config_load(). */
int config_validate(const struct cardxd_config *cfg, char **err);

#endif
