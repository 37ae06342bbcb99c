/* What a running cardxd takes from its configuration read again (SIGHUP):
 * every key but those set up once at start, which keep their values. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/errors.h"
#include "component/config_int.h"

/* The link's and the database's keys: they are read once, when the link
 * and the store are made, and changing them would drop the link or
 * reopen the store under the requests in flight. The metrics listener
 * and the message catalogs are likewise set up once, at start. */
static const enum key_id fixed_keys[] = {
    K_DOMAIN,        K_SECRET,         K_HOST,       K_PORT,
    K_RECONNECT_MIN, K_RECONNECT_MAX,  K_KEEPALIVE,  K_READ_TIMEOUT,
    K_USER_DOMAINS,  K_STANZA_MAX,     K_DATABASE,   K_SYNCHRONOUS,
    K_CHECK_TIMEOUT, K_METRICS_LISTEN, K_LOCALE_DIR, K_DRIVER,
    K_DSN,           K_INSTANCE,
};

static bool key_differs(const struct cardxd_config *a,
                        const struct cardxd_config *b, const struct key_spec *k)
{
    const char *x, *y;

    if (k->type != KEY_STRING)
        return config_number_value(a, k) != config_number_value(b, k);
    x = config_string_value(a, k);
    y = config_string_value(b, k);
    return (x == NULL) != (y == NULL) || (x && strcmp(x, y) != 0);
}

int config_keep_fixed(struct cardxd_config *next,
                      const struct cardxd_config *running,
                      config_fixed_fn changed, void *ud)
{
    for (size_t i = 0; i < sizeof(fixed_keys) / sizeof(fixed_keys[0]); i++) {
        const struct key_spec *k = &config_keys[fixed_keys[i]];
        const char *value;
        char *copy = NULL;

        if (!key_differs(next, running, k))
            continue;
        changed(ud, k->section, k->name);
        if (k->type != KEY_STRING) {
            config_set_number(next, k, config_number_value(running, k));
            continue;
        }
        value = config_string_value(running, k);
        if (value && !(copy = strdup(value)))
            return CX_ENOMEM;
        free(*config_string_field(next, k));
        *config_string_field(next, k) = copy;
    }
    return 0;
}
