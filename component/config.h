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
    /* Space- or comma-separated domains whose users may use the service;
     * empty means the parent domain of `domain`. */
    char *user_domains;
    /* [storage] */
    char *database;    /* SQLite file path */
    char *synchronous; /* "normal" or "full" */
    /* [phone] */
    char *default_region; /* ISO 3166 region for numbers typed without + */
    /* [limits] */
    size_t vcard_max_bytes;  /* largest accepted card */
    size_t stanza_max_bytes; /* largest accepted stanza on the link */
    int fetch_timeout_ms;    /* wait for a user's vCard from their server */
    /* Deliveries of a card the recipient never acknowledges before it is
     * dropped (clients without receipts must not get it forever). */
    int max_attempts;
    /* [delivery] */
    /* How long a card handed only to resources that never acknowledge
     * (no receipts, or capabilities unknown) stays, redelivered with the
     * same id at each new resource, before it is retired. */
    int64_t handoff_grace_ms;
    /* [privacy] */
    /* "reject": a card to a number nobody registered is refused
     * (item-not-found); "hold": it is accepted and waits for whoever
     * registers the number, and no answer tells the two apart. */
    char *unknown_numbers;
    /* "yes": a send's answer says "delivered" when the recipient is online;
     * "no": always "queued", the XEP-0184 receipt tells of arrival. */
    char *reveal_online;
    /* [log] */
    enum log_level log_level;
};

/* A config holding the defaults; NULL on allocation failure. */
struct cardxd_config *config_new(void);

/* Frees the config. Accepts NULL. */
void config_free(struct cardxd_config *cfg);

/* [privacy]: 1 when cards to unregistered numbers are held, else 0. */
int config_hold_unknown(const struct cardxd_config *cfg);
/* [privacy]: 1 when a send may answer "delivered", else 0. */
int config_reveal_online(const struct cardxd_config *cfg);

/* Reads an INI file over the current values. Unknown sections or keys, bad
 * values and unreadable files are errors. Returns 0, or -1 with *err set to a
 * one-line message the caller frees with free(). */
int config_load(struct cardxd_config *cfg, const char *path, char **err);

/* Checks the values make a usable configuration (required keys present,
 * ranges). Returns 0, or -1 with *err set as for config_load(). */
int config_validate(const struct cardxd_config *cfg, char **err);

#endif
