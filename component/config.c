/* cardxd configuration: the keys of the file, their defaults and a
 * config's life (new, copy, free). */
#include "component/config_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- Defaults: the only place in the project that states them. ---- */
#define CONFIG_DEFAULT_DOMAIN NULL /* required */
#define CONFIG_DEFAULT_SECRET NULL /* required */
#define CONFIG_DEFAULT_HOST "127.0.0.1"
#define CONFIG_DEFAULT_PORT 5347
#define CONFIG_DEFAULT_RECONNECT_MIN_MS 500
#define CONFIG_DEFAULT_RECONNECT_MAX_MS 30000
#define CONFIG_DEFAULT_KEEPALIVE_MS 30000L    /* 30 s */
#define CONFIG_DEFAULT_READ_TIMEOUT_MS 90000L /* 90 s */
#define CONFIG_DEFAULT_USER_DOMAINS ""        /* parent domain of `domain` */
#define CONFIG_DEFAULT_ADMINS ""              /* nobody */
#define CONFIG_DEFAULT_DRIVER "sqlite"        /* embedded: no server to run */
#define CONFIG_DEFAULT_DSN NULL /* required with driver postgresql */
#define CONFIG_DEFAULT_DATABASE CARDXD_STATEDIR "/cardxd.sqlite"
#define CONFIG_DEFAULT_SYNCHRONOUS "normal"
#define CONFIG_DEFAULT_BUSY_TIMEOUT_MS 250L /* then the request gets `wait` */
#define CONFIG_DEFAULT_CHECK_TIMEOUT_MS 30000L /* start-up integrity check */
#define CONFIG_DEFAULT_QUERY_TIMEOUT_MS 5000L  /* PostgreSQL hung: `wait` */
#define CONFIG_DEFAULT_REGION "" /* none: numbers must start with + */
#define CONFIG_DEFAULT_VCARD_MAX_BYTES 65536
#define CONFIG_DEFAULT_STANZA_MAX_BYTES 1048576
#define CONFIG_DEFAULT_FETCH_TIMEOUT_MS 5000
#define CONFIG_DEFAULT_MAX_ATTEMPTS 10 /* deliveries of a card never acked */
#define CONFIG_DEFAULT_HANDOFF_GRACE_MS 86400000L /* one day */
#define CONFIG_DEFAULT_VERIFY_METHOD NULL         /* the admin must choose */
#define CONFIG_DEFAULT_VERIFY_COMMAND NULL /* required with method command */
#define CONFIG_DEFAULT_VERIFY_COMMAND_TIMEOUT_MS 30000L /* 30s */
#define CONFIG_DEFAULT_VERIFY_CODE_TTL_MS 600000L       /* 10m */
#define CONFIG_DEFAULT_VERIFY_MAX_TRIES 5
#define CONFIG_DEFAULT_VERIFY_CODES_PER_DAY 5
#define CONFIG_DEFAULT_SENDS_PER_MINUTE 20
#define CONFIG_DEFAULT_SENDS_PER_DAY 500
#define CONFIG_DEFAULT_LOOKUPS_PER_DAY 100
#define CONFIG_DEFAULT_INBOX_MAX 200
#define CONFIG_DEFAULT_INBOX_TTL_MS 2592000000L    /* thirty days */
#define CONFIG_DEFAULT_UNKNOWN_NUMBERS "reject"    /* item-not-found */
#define CONFIG_DEFAULT_REVEAL_ONLINE "no"          /* always "queued" */
#define CONFIG_DEFAULT_LOCALE_DIR CARDXD_LOCALEDIR /* the build's localedir */
#define CONFIG_DEFAULT_LOG_LEVEL LOG_LEVEL_INFO
#define CONFIG_DEFAULT_LOG_FILE NULL      /* stderr */
#define CONFIG_DEFAULT_METRICS_LISTEN ""  /* off */
#define CONFIG_DEFAULT_INSTANCE ""        /* random at each start */
#define CONFIG_DEFAULT_LEASE_MS 30000L    /* 30 s */
#define CONFIG_DEFAULT_HEARTBEAT_MS 5000L /* 5 s */
/* ---- End of defaults. ---- */

/* Upper bounds that catch typos (an extra zero or two) rather than policy. */
#define CONFIG_MAX_DELAY_MS 3600000L        /* one hour */
#define CONFIG_MAX_VCARD_BYTES (16L << 20)  /* 16 MiB */
#define CONFIG_MAX_STANZA_BYTES (64L << 20) /* 64 MiB */
#define CONFIG_MAX_FETCH_TIMEOUT_MS 600000L /* ten minutes */
#define CONFIG_MAX_ATTEMPTS 1000
#define CONFIG_MAX_BUSY_MS 60000L            /* a minute: every user waits it */
#define CONFIG_MAX_CHECK_MS 86400000L        /* a day */
#define CONFIG_MIN_QUERY_MS 1000L            /* a second: tests use seconds */
#define CONFIG_MAX_QUERY_MS 300000L          /* five minutes */
#define CONFIG_MIN_GRACE_MS 1000L            /* a second: tests use seconds */
#define CONFIG_MIN_LINK_TIMER_MS 1000L       /* a second: tests use seconds */
#define CONFIG_MAX_GRACE_MS 31536000000L     /* a year */
#define CONFIG_MIN_VERIFY_MS 1000L           /* tests use seconds */
#define CONFIG_MAX_VERIFY_TIMEOUT_MS 600000L /* ten minutes */
#define CONFIG_MAX_CODE_TTL_MS 86400000L     /* a day */
#define CONFIG_MAX_TRIES 100
#define CONFIG_MAX_CODES_PER_DAY 1000
#define CONFIG_MAX_RATE 10000000L      /* sends or lookups per window */
#define CONFIG_MAX_INBOX 1000000L      /* cards waiting for one user */
#define CONFIG_MAX_TTL_MS 31536000000L /* a year */
#define CONFIG_MIN_HEARTBEAT_MS 100L   /* tests kill instances in seconds */

#define OFF(field) offsetof(struct cardxd_config, field)

const struct key_spec config_keys[NKEYS] = {
    [K_DOMAIN] = {"component", "domain", KEY_STRING, OFF(domain), 0, 0, true,
                  false, config_check_domain},
    [K_SECRET] = {"component", "secret", KEY_STRING, OFF(secret), 0, 0, true,
                  true, config_check_nonempty},
    [K_HOST] = {"component", "host", KEY_STRING, OFF(host), 0, 0, true, false,
                config_check_host},
    [K_PORT] = {"component", "port", KEY_INT, OFF(port), 1, 65535, false, false,
                NULL},
    [K_RECONNECT_MIN] = {"component", "reconnect_min", KEY_INT,
                         OFF(reconnect_min_ms), 1, CONFIG_MAX_DELAY_MS, false,
                         false, NULL},
    [K_RECONNECT_MAX] = {"component", "reconnect_max", KEY_INT,
                         OFF(reconnect_max_ms), 1, CONFIG_MAX_DELAY_MS, false,
                         false, NULL},
    [K_KEEPALIVE] = {"component", "keepalive", KEY_DURATION, OFF(keepalive_ms),
                     CONFIG_MIN_LINK_TIMER_MS, CONFIG_MAX_DELAY_MS, false,
                     false, NULL},
    [K_READ_TIMEOUT] = {"component", "read_timeout", KEY_DURATION,
                        OFF(read_timeout_ms), CONFIG_MIN_LINK_TIMER_MS,
                        CONFIG_MAX_DELAY_MS, false, false, NULL},
    [K_USER_DOMAINS] = {"component", "user_domains", KEY_STRING,
                        OFF(user_domains), 0, 0, true, false,
                        config_check_domain_list},
    [K_ADMINS] = {"component", "admins", KEY_STRING, OFF(admins), 0, 0, true,
                  false, config_check_jid_list},
    [K_DRIVER] = {"storage", "driver", KEY_STRING, OFF(driver), 0, 0, true,
                  false, config_check_driver},
    /* Hidden: a DSN may hold a password. Not required in the table:
     * config_validate() asks for it with driver = postgresql. */
    [K_DSN] = {"storage", "dsn", KEY_STRING, OFF(dsn), 0, 0, false, true,
               config_check_nonempty},
    [K_DATABASE] = {"storage", "database", KEY_STRING, OFF(database), 0, 0,
                    true, false, config_check_nonempty},
    [K_SYNCHRONOUS] = {"storage", "synchronous", KEY_STRING, OFF(synchronous),
                       0, 0, true, false, config_check_synchronous},
    [K_BUSY_TIMEOUT] = {"storage", "busy_timeout", KEY_DURATION,
                        OFF(busy_timeout_ms), 0, CONFIG_MAX_BUSY_MS, false,
                        false, NULL},
    [K_CHECK_TIMEOUT] = {"storage", "check_timeout", KEY_DURATION,
                         OFF(check_timeout_ms), 0, CONFIG_MAX_CHECK_MS, false,
                         false, NULL},
    [K_QUERY_TIMEOUT] = {"storage", "query_timeout", KEY_DURATION,
                         OFF(query_timeout_ms), CONFIG_MIN_QUERY_MS,
                         CONFIG_MAX_QUERY_MS, false, false, NULL},
    [K_DEFAULT_REGION] = {"phone", "default_region", KEY_STRING,
                          OFF(default_region), 0, 0, true, false,
                          config_check_region},
    [K_VCARD_MAX] = {"limits", "vcard_max", KEY_SIZE, OFF(vcard_max_bytes), 1,
                     CONFIG_MAX_VCARD_BYTES, false, false, NULL},
    [K_STANZA_MAX] = {"limits", "stanza_max", KEY_SIZE, OFF(stanza_max_bytes),
                      1, CONFIG_MAX_STANZA_BYTES, false, false, NULL},
    [K_FETCH_TIMEOUT] = {"limits", "fetch_timeout", KEY_INT,
                         OFF(fetch_timeout_ms), 1, CONFIG_MAX_FETCH_TIMEOUT_MS,
                         false, false, NULL},
    [K_MAX_ATTEMPTS] = {"limits", "max_attempts", KEY_INT, OFF(max_attempts), 1,
                        CONFIG_MAX_ATTEMPTS, false, false, NULL},
    [K_SENDS_PER_MINUTE] = {"limits", "sends_per_minute", KEY_INT,
                            OFF(sends_per_minute), 0, CONFIG_MAX_RATE, false,
                            false, NULL},
    [K_SENDS_PER_DAY] = {"limits", "sends_per_day", KEY_INT, OFF(sends_per_day),
                         0, CONFIG_MAX_RATE, false, false, NULL},
    [K_LOOKUPS_PER_DAY] = {"limits", "lookups_per_day", KEY_INT,
                           OFF(lookups_per_day), 0, CONFIG_MAX_RATE, false,
                           false, NULL},
    [K_INBOX_MAX] = {"limits", "inbox_max", KEY_INT, OFF(inbox_max), 0,
                     CONFIG_MAX_INBOX, false, false, NULL},
    [K_INBOX_TTL] = {"limits", "inbox_ttl", KEY_DURATION, OFF(inbox_ttl_ms), 0,
                     CONFIG_MAX_TTL_MS, false, false, NULL},
    [K_HANDOFF_GRACE] = {"delivery", "handoff_grace", KEY_DURATION,
                         OFF(handoff_grace_ms), CONFIG_MIN_GRACE_MS,
                         CONFIG_MAX_GRACE_MS, false, false, NULL},
    /* Not required in the table: config_validate() explains the choice. */
    [K_VERIFY_METHOD] = {"verify", "method", KEY_STRING, OFF(verify_method), 0,
                         0, false, false, config_check_verify_method},
    [K_VERIFY_COMMAND] = {"verify", "command", KEY_STRING, OFF(verify_command),
                          0, 0, false, false, config_check_command},
    [K_VERIFY_COMMAND_TIMEOUT] = {"verify", "command_timeout", KEY_DURATION,
                                  OFF(verify_command_timeout_ms),
                                  CONFIG_MIN_VERIFY_MS,
                                  CONFIG_MAX_VERIFY_TIMEOUT_MS, false, false,
                                  NULL},
    [K_VERIFY_CODE_TTL] = {"verify", "code_ttl", KEY_DURATION,
                           OFF(verify_code_ttl_ms), CONFIG_MIN_VERIFY_MS,
                           CONFIG_MAX_CODE_TTL_MS, false, false, NULL},
    [K_VERIFY_MAX_TRIES] = {"verify", "max_tries", KEY_INT,
                            OFF(verify_max_tries), 1, CONFIG_MAX_TRIES, false,
                            false, NULL},
    [K_VERIFY_CODES_PER_DAY] = {"verify", "codes_per_day", KEY_INT,
                                OFF(verify_codes_per_day), 0,
                                CONFIG_MAX_CODES_PER_DAY, false, false, NULL},
    [K_UNKNOWN_NUMBERS] = {"privacy", "unknown_numbers", KEY_STRING,
                           OFF(unknown_numbers), 0, 0, true, false,
                           config_check_unknown_numbers},
    [K_REVEAL_ONLINE] = {"privacy", "reveal_online", KEY_STRING,
                         OFF(reveal_online), 0, 0, true, false,
                         config_check_yes_no},
    [K_LOCALE_DIR] = {"language", "locale_dir", KEY_STRING, OFF(locale_dir), 0,
                      0, true, false, config_check_nonempty},
    [K_LOG_LEVEL] = {"log", "level", KEY_LOG_LEVEL, OFF(log_level), 0, 0, false,
                     false, NULL},
    [K_LOG_FILE] = {"log", "file", KEY_STRING, OFF(log_file), 0, 0, false,
                    false, config_check_nonempty},
    [K_METRICS_LISTEN] = {"metrics", "listen", KEY_STRING, OFF(metrics_listen),
                          0, 0, true, false, config_check_listen},
    [K_INSTANCE] = {"cluster", "instance", KEY_STRING, OFF(instance), 0, 0,
                    true, false, config_check_instance},
    [K_LEASE] = {"cluster", "lease", KEY_DURATION, OFF(lease_ms),
                 CONFIG_MIN_LINK_TIMER_MS, CONFIG_MAX_DELAY_MS, false, false,
                 NULL},
    [K_HEARTBEAT] = {"cluster", "heartbeat", KEY_DURATION, OFF(heartbeat_ms),
                     CONFIG_MIN_HEARTBEAT_MS, CONFIG_MAX_DELAY_MS, false, false,
                     NULL},
};

const struct key_pair config_pairs[] = {
    {K_RECONNECT_MIN, K_RECONNECT_MAX, false},
    /* the ping must have time to be answered before the link is dropped */
    {K_KEEPALIVE, K_READ_TIMEOUT, true},
    /* a card travels inside a stanza */
    {K_VCARD_MAX, K_STANZA_MAX, false},
    /* a lease renewed only as it ends is lost to any delay */
    {K_HEARTBEAT, K_LEASE, true},
};

const size_t config_npairs = sizeof(config_pairs) / sizeof(config_pairs[0]);

char **config_string_field(struct cardxd_config *cfg, const struct key_spec *k)
{
    return (char **)((char *)cfg + k->offset);
}

const char *config_string_value(const struct cardxd_config *cfg,
                                const struct key_spec *k)
{
    return *(char *const *)((const char *)cfg + k->offset);
}

long config_number_value(const struct cardxd_config *cfg,
                         const struct key_spec *k)
{
    const char *p = (const char *)cfg + k->offset;

    if (k->type == KEY_SIZE)
        return (long)*(const size_t *)p;
    if (k->type == KEY_DURATION)
        return (long)*(const int64_t *)p;
    return *(const int *)p;
}

void config_set_number(struct cardxd_config *cfg, const struct key_spec *k,
                       long v)
{
    char *p = (char *)cfg + k->offset;

    if (k->type == KEY_SIZE)
        *(size_t *)p = (size_t)v;
    else if (k->type == KEY_DURATION)
        *(int64_t *)p = v;
    else
        *(int *)p = (int)v;
}

struct cardxd_config *config_new(void)
{
    struct cardxd_config *cfg = calloc(1, sizeof(*cfg));

    if (!cfg)
        return NULL;
    cfg->domain = CONFIG_DEFAULT_DOMAIN;
    cfg->secret = CONFIG_DEFAULT_SECRET;
    cfg->host = strdup(CONFIG_DEFAULT_HOST);
    cfg->port = CONFIG_DEFAULT_PORT;
    cfg->reconnect_min_ms = CONFIG_DEFAULT_RECONNECT_MIN_MS;
    cfg->reconnect_max_ms = CONFIG_DEFAULT_RECONNECT_MAX_MS;
    cfg->keepalive_ms = CONFIG_DEFAULT_KEEPALIVE_MS;
    cfg->read_timeout_ms = CONFIG_DEFAULT_READ_TIMEOUT_MS;
    cfg->user_domains = strdup(CONFIG_DEFAULT_USER_DOMAINS);
    cfg->admins = strdup(CONFIG_DEFAULT_ADMINS);
    cfg->metrics_listen = strdup(CONFIG_DEFAULT_METRICS_LISTEN);
    cfg->driver = strdup(CONFIG_DEFAULT_DRIVER);
    cfg->dsn = CONFIG_DEFAULT_DSN;
    cfg->instance = strdup(CONFIG_DEFAULT_INSTANCE);
    cfg->lease_ms = CONFIG_DEFAULT_LEASE_MS;
    cfg->heartbeat_ms = CONFIG_DEFAULT_HEARTBEAT_MS;
    cfg->database = strdup(CONFIG_DEFAULT_DATABASE);
    cfg->synchronous = strdup(CONFIG_DEFAULT_SYNCHRONOUS);
    cfg->default_region = strdup(CONFIG_DEFAULT_REGION);
    cfg->vcard_max_bytes = CONFIG_DEFAULT_VCARD_MAX_BYTES;
    cfg->stanza_max_bytes = CONFIG_DEFAULT_STANZA_MAX_BYTES;
    cfg->fetch_timeout_ms = CONFIG_DEFAULT_FETCH_TIMEOUT_MS;
    cfg->max_attempts = CONFIG_DEFAULT_MAX_ATTEMPTS;
    cfg->sends_per_minute = CONFIG_DEFAULT_SENDS_PER_MINUTE;
    cfg->sends_per_day = CONFIG_DEFAULT_SENDS_PER_DAY;
    cfg->lookups_per_day = CONFIG_DEFAULT_LOOKUPS_PER_DAY;
    cfg->inbox_max = CONFIG_DEFAULT_INBOX_MAX;
    cfg->inbox_ttl_ms = CONFIG_DEFAULT_INBOX_TTL_MS;
    cfg->handoff_grace_ms = CONFIG_DEFAULT_HANDOFF_GRACE_MS;
    cfg->busy_timeout_ms = CONFIG_DEFAULT_BUSY_TIMEOUT_MS;
    cfg->query_timeout_ms = CONFIG_DEFAULT_QUERY_TIMEOUT_MS;
    cfg->check_timeout_ms = CONFIG_DEFAULT_CHECK_TIMEOUT_MS;
    cfg->verify_method = CONFIG_DEFAULT_VERIFY_METHOD;
    cfg->verify_command = CONFIG_DEFAULT_VERIFY_COMMAND;
    cfg->verify_command_timeout_ms = CONFIG_DEFAULT_VERIFY_COMMAND_TIMEOUT_MS;
    cfg->verify_code_ttl_ms = CONFIG_DEFAULT_VERIFY_CODE_TTL_MS;
    cfg->verify_max_tries = CONFIG_DEFAULT_VERIFY_MAX_TRIES;
    cfg->verify_codes_per_day = CONFIG_DEFAULT_VERIFY_CODES_PER_DAY;
    cfg->unknown_numbers = strdup(CONFIG_DEFAULT_UNKNOWN_NUMBERS);
    cfg->reveal_online = strdup(CONFIG_DEFAULT_REVEAL_ONLINE);
    cfg->locale_dir = strdup(CONFIG_DEFAULT_LOCALE_DIR);
    cfg->log_level = CONFIG_DEFAULT_LOG_LEVEL;
    cfg->log_file = CONFIG_DEFAULT_LOG_FILE;
    if (!cfg->host || !cfg->user_domains || !cfg->database || !cfg->driver ||
        !cfg->synchronous || !cfg->default_region || !cfg->unknown_numbers ||
        !cfg->reveal_online || !cfg->admins || !cfg->metrics_listen ||
        !cfg->locale_dir || !cfg->instance) {
        config_free(cfg);
        return NULL;
    }
    return cfg;
}

void config_free(struct cardxd_config *cfg)
{
    if (!cfg)
        return;
    for (size_t k = 0; k < NKEYS; k++) {
        if (config_keys[k].type == KEY_STRING)
            free(*config_string_field(cfg, &config_keys[k]));
    }
    free(cfg);
}

/* Deep, so that config_load() can fill a copy and, when it fails, leave
 * the caller's config untouched. */
struct cardxd_config *config_copy(const struct cardxd_config *src)
{
    struct cardxd_config *cfg = malloc(sizeof(*cfg));

    if (!cfg)
        return NULL;
    *cfg = *src;
    for (size_t k = 0; k < NKEYS; k++) {
        if (config_keys[k].type == KEY_STRING)
            *config_string_field(cfg, &config_keys[k]) = NULL;
    }
    for (size_t k = 0; k < NKEYS; k++) {
        const char *s;

        if (config_keys[k].type != KEY_STRING)
            continue;
        s = config_string_value(src, &config_keys[k]);
        if (!s)
            continue;
        *config_string_field(cfg, &config_keys[k]) = strdup(s);
        if (!*config_string_field(cfg, &config_keys[k])) {
            config_free(cfg);
            return NULL;
        }
    }
    return cfg;
}

int config_hold_unknown(const struct cardxd_config *cfg)
{
    return strcmp(cfg->unknown_numbers, "hold") == 0;
}

int config_reveal_online(const struct cardxd_config *cfg)
{
    return strcmp(cfg->reveal_online, "yes") == 0;
}

int config_is_admin(const struct cardxd_config *cfg, const char *bare)
{
    static const char seps[] = " \t,";
    size_t len = strlen(bare);

    for (const char *p = cfg->admins + strspn(cfg->admins, seps); *p;
         p += strspn(p, seps)) {
        size_t n = strcspn(p, seps);

        /* JIDs compare case-insensitively in their local and domain parts
         * as the server prepped them; admins are written in lower case. */
        if (n == len && strncasecmp(p, bare, n) == 0)
            return 1;
        p += n;
    }
    return 0;
}
