/* What the config's files share: the table of keys, the struct accessors
 * and the messages. Private to component/config*.c. */
#ifndef CARDX_COMPONENT_CONFIG_INT_H
#define CARDX_COMPONENT_CONFIG_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "component/config.h"

/* KEY_DURATION: written with a unit (500ms, 30s, 10m, 12h, 30d), kept as
 * int64_t milliseconds; min and max are in milliseconds. */
enum key_type { KEY_STRING, KEY_INT, KEY_SIZE, KEY_DURATION, KEY_LOG_LEVEL };

/* One key of the file: where it lives in the struct and what it accepts.
 * Loading and validation both read this table so they cannot disagree. */
struct key_spec {
    const char *section;
    const char *name;
    enum key_type type;
    size_t offset;
    long min, max;   /* KEY_INT, KEY_SIZE, KEY_DURATION */
    bool required;   /* KEY_STRING: NULL is an error */
    bool hide_value; /* never echo it in messages */
    /* KEY_STRING: NULL if the value is acceptable, else why not. */
    const char *(*check)(const char *value);
};

enum key_id {
    K_DOMAIN,
    K_SECRET,
    K_HOST,
    K_PORT,
    K_RECONNECT_MIN,
    K_RECONNECT_MAX,
    K_KEEPALIVE,
    K_READ_TIMEOUT,
    K_USER_DOMAINS,
    K_ADMINS,
    K_DRIVER,
    K_DSN,
    K_DATABASE,
    K_SYNCHRONOUS,
    K_BUSY_TIMEOUT,
    K_CHECK_TIMEOUT,
    K_QUERY_TIMEOUT,
    K_DEFAULT_REGION,
    K_VCARD_MAX,
    K_STANZA_MAX,
    K_FETCH_TIMEOUT,
    K_MAX_ATTEMPTS,
    K_SENDS_PER_MINUTE,
    K_SENDS_PER_DAY,
    K_LOOKUPS_PER_DAY,
    K_INBOX_MAX,
    K_INBOX_TTL,
    K_HANDOFF_GRACE,
    K_VERIFY_METHOD,
    K_VERIFY_COMMAND,
    K_VERIFY_COMMAND_TIMEOUT,
    K_VERIFY_CODE_TTL,
    K_VERIFY_MAX_TRIES,
    K_VERIFY_CODES_PER_DAY,
    K_UNKNOWN_NUMBERS,
    K_REVEAL_ONLINE,
    K_LOCALE_DIR,
    K_LOG_LEVEL,
    K_LOG_FILE,
    K_METRICS_LISTEN,
    K_INSTANCE,
    K_LEASE,
    K_HEARTBEAT,
    NKEYS
};

/* Every key, indexed by enum key_id (config.c). */
extern const struct key_spec config_keys[NKEYS];

/* Pairs of keys where the first must not exceed the second, or with
 * strict, must be less than it (config.c). */
struct key_pair {
    enum key_id lo, hi;
    bool strict;
};
extern const struct key_pair config_pairs[];
extern const size_t config_npairs;

/* The field of k in cfg. */
char **config_string_field(struct cardxd_config *cfg, const struct key_spec *k);
const char *config_string_value(const struct cardxd_config *cfg,
                                const struct key_spec *k);
long config_number_value(const struct cardxd_config *cfg,
                         const struct key_spec *k);
void config_set_number(struct cardxd_config *cfg, const struct key_spec *k,
                       long v);

/* A deep copy, or NULL when memory ran out. */
struct cardxd_config *config_copy(const struct cardxd_config *src);

/* The checks of string keys (config_check.c): NULL if value is
 * acceptable, else why not. */
const char *config_check_domain(const char *value);
const char *config_check_nonempty(const char *value);
const char *config_check_host(const char *value);
const char *config_check_domain_list(const char *value);
const char *config_check_jid_list(const char *value);
const char *config_check_instance(const char *value);
const char *config_check_listen(const char *value);
const char *config_check_synchronous(const char *value);
const char *config_check_driver(const char *value);
const char *config_check_region(const char *value);
const char *config_check_verify_method(const char *value);
const char *config_check_command(const char *value);
const char *config_check_unknown_numbers(const char *value);
const char *config_check_yes_no(const char *value);

/* The messages loading and validation share, so the file and the final
 * check word a mistake alike. Each returns a string the caller frees, or
 * NULL when memory ran out. */

/* "bad NAME 'VALUE' in [SECTION]: WHY", without 'VALUE' when value is NULL
 * or k hides it, and without ": WHY" when why is NULL. */
char *config_msg_bad(const struct key_spec *k, const char *value,
                     const char *why);
/* Parses a duration with its unit (a bare 0 needs none) into
 * milliseconds. Returns 0 or -1. */
int config_parse_duration(const char *value, long *ms);
/* Writes a duration in the largest unit that divides it ("30d", "500ms"). */
void config_format_duration(long ms, char *buf, size_t len);
/* config_msg_bad() for a number outside [k->min, k->max]. */
char *config_msg_range(const struct key_spec *k, const char *value);
/* Whether pair i of config_pairs is inverted in cfg. */
bool config_pair_inverted(const struct cardxd_config *cfg, size_t i);
/* "LO (n) is greater than HI (m) in [SECTION]" for pair i ("is not less
 * than" for a strict pair; durations are written with their unit). */
char *config_msg_pair(const struct cardxd_config *cfg, size_t i);

#endif
