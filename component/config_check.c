/* cardxd configuration: the checks of values, the messages that explain a
 * rejected one, and config_validate(). */
#include "component/config_int.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/util.h"

#define CONFIG_MAX_DOMAIN_LEN 1023 /* RFC 7622 domainpart */
#define CONFIG_MAX_INSTANCE_LEN 64 /* stored beside every session */

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
           c == '\f';
}

/* A domainpart as a component or user server would present it: labels
 * separated by single dots, no JID or URL punctuation, no whitespace. */
const char *config_check_domain(const char *value)
{
    size_t len = strlen(value);

    if (len == 0)
        return "must not be empty";
    if (len > CONFIG_MAX_DOMAIN_LEN)
        return "is too long for a domain";
    if (value[0] == '.' || value[len - 1] == '.' || strstr(value, ".."))
        return "has an empty label (stray '.')";
    for (const char *p = value; *p; p++) {
        if (*p == '@' || *p == '/' || *p == ':' || is_space(*p) ||
            (unsigned char)*p < 0x20 || *p == 0x7f)
            return "is not a domain name (no '@', '/', ':' or spaces)";
    }
    return NULL;
}

const char *config_check_nonempty(const char *value)
{
    return value[0] ? NULL : "must not be empty";
}

const char *config_check_host(const char *value)
{
    if (!value[0])
        return "must not be empty";
    for (const char *p = value; *p; p++) {
        if (is_space(*p) || (unsigned char)*p < 0x20)
            return "must not contain spaces";
    }
    return NULL;
}

/* Space- or comma-separated domains; empty is allowed (parent domain). */
const char *config_check_domain_list(const char *value)
{
    const char *p = value;

    while (*p) {
        char one[CONFIG_MAX_DOMAIN_LEN + 1];
        size_t n = strcspn(p, " \t,");

        if (n > CONFIG_MAX_DOMAIN_LEN)
            return "lists a domain that is too long";
        memcpy(one, p, n);
        one[n] = '\0';
        if (n > 0 && config_check_domain(one))
            return "lists something that is not a domain name";
        p += n;
        p += strspn(p, " \t,");
    }
    return NULL;
}

/* Bare JIDs: local@domain, each part non-empty, no resource. */
const char *config_check_jid_list(const char *value)
{
    const char *p = value + strspn(value, " \t,");

    while (*p) {
        char one[CONFIG_MAX_DOMAIN_LEN + 1];
        size_t n = strcspn(p, " \t,");
        const char *at;

        if (n > CONFIG_MAX_DOMAIN_LEN)
            return "lists a JID that is too long";
        memcpy(one, p, n);
        one[n] = '\0';
        at = strchr(one, '@');
        if (!at || at == one || strchr(at + 1, '@') ||
            config_check_domain(at + 1))
            return "lists something that is not a bare JID (user@domain)";
        p += n;
        p += strspn(p, " \t,");
    }
    return NULL;
}

/* An instance name is stored beside every session and claim it owns and
 * shown in logs: short, and letters, digits, '.', '_' or '-'. Empty: a
 * random name at each start. */
const char *config_check_instance(const char *value)
{
    size_t n = strlen(value);

    if (n > CONFIG_MAX_INSTANCE_LEN)
        return "is too long";
    if (strspn(value, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                      "0123456789._-") != n)
        return "may only hold letters, digits, '.', '_' and '-'";
    return NULL;
}

/* HOST:PORT or [IPV6]:PORT, the port 1..65535; empty is off. */
const char *config_check_listen(const char *value)
{
    const char *colon = strrchr(value, ':');
    char *end;
    long port;

    if (!value[0])
        return NULL;
    if (!colon || colon == value || (value[0] == '[' && colon[-1] != ']') ||
        (value[0] != '[' && strchr(value, ':') != colon))
        return "must be HOST:PORT (e.g. 127.0.0.1:9101, [::1]:9101) or empty";
    errno = 0;
    port = strtol(colon + 1, &end, 10);
    if (errno || end == colon + 1 || *end || port < 1 || port > 65535)
        return "must end with a port from 1 to 65535";
    return NULL;
}

const char *config_check_synchronous(const char *value)
{
    if (strcmp(value, "normal") == 0 || strcmp(value, "full") == 0)
        return NULL;
    return "must be normal or full";
}

const char *config_check_driver(const char *value)
{
    if (strcmp(value, "sqlite") == 0 || strcmp(value, "postgresql") == 0)
        return NULL;
    return "must be sqlite or postgresql";
}

const char *config_check_region(const char *value)
{
    if (value[0] == '\0')
        return NULL;
    if (strlen(value) == 2 && value[0] >= 'A' && value[0] <= 'Z' &&
        value[1] >= 'A' && value[1] <= 'Z')
        return NULL;
    return "must be empty or two uppercase letters (ISO 3166, e.g. FR)";
}

const char *config_check_verify_method(const char *value)
{
    if (strcmp(value, "command") == 0 || strcmp(value, "none") == 0)
        return NULL;
    return "must be command or none";
}

/* Run without a shell, so it must name the program itself. */
const char *config_check_command(const char *value)
{
    if (value[0] != '/')
        return "must be an absolute path to a program (no shell is used)";
    return NULL;
}

const char *config_check_unknown_numbers(const char *value)
{
    if (strcmp(value, "reject") == 0 || strcmp(value, "hold") == 0)
        return NULL;
    return "must be reject or hold";
}

const char *config_check_yes_no(const char *value)
{
    if (strcmp(value, "yes") == 0 || strcmp(value, "no") == 0)
        return NULL;
    return "must be yes or no";
}

char *config_msg_bad(const struct key_spec *k, const char *value,
                     const char *why)
{
    const char *sep = why ? ": " : "";

    if (!why)
        why = "";
    if (!value || k->hide_value)
        return str_printf("bad %s in [%s]%s%s", k->name, k->section, sep, why);
    return str_printf("bad %s '%s' in [%s]%s%s", k->name, value, k->section,
                      sep, why);
}

/* The units a duration may be written in, largest first. */
static const struct {
    const char *unit;
    long ms;
} duration_units[] = {
    {"d", 86400000L}, {"h", 3600000L}, {"m", 60000L}, {"s", 1000L}, {"ms", 1L},
};

#define NUNITS (sizeof(duration_units) / sizeof(duration_units[0]))

int config_parse_duration(const char *value, long *ms)
{
    char *end;
    long v;

    if (!(value[0] >= '0' && value[0] <= '9'))
        return -1;
    errno = 0;
    v = strtol(value, &end, 10);
    if (errno || end == value)
        return -1;
    if (v == 0 && !*end) { /* nothing needs no unit: "0" switches a limit off */
        *ms = 0;
        return 0;
    }
    for (size_t i = 0; i < NUNITS; i++) {
        if (strcmp(end, duration_units[i].unit) != 0)
            continue;
        if (v > LONG_MAX / duration_units[i].ms)
            return -1;
        *ms = v * duration_units[i].ms;
        return 0;
    }
    return -1;
}

void config_format_duration(long ms, char *buf, size_t len)
{
    if (ms == 0) {
        snprintf(buf, len, "0");
        return;
    }
    for (size_t i = 0; i < NUNITS; i++) {
        if (ms % duration_units[i].ms == 0 || i == NUNITS - 1) {
            snprintf(buf, len, "%ld%s", ms / duration_units[i].ms,
                     duration_units[i].unit);
            return;
        }
    }
}

char *config_msg_range(const struct key_spec *k, const char *value)
{
    char why[128], lo[32], hi[32];

    if (k->type == KEY_DURATION) {
        config_format_duration(k->min, lo, sizeof(lo));
        config_format_duration(k->max, hi, sizeof(hi));
        snprintf(why, sizeof(why),
                 "expected a duration with a unit (ms, s, m, h, d) from %s "
                 "to %s",
                 lo, hi);
    } else {
        snprintf(why, sizeof(why), "expected an integer from %ld to %ld",
                 k->min, k->max);
    }
    return config_msg_bad(k, value, why);
}

bool config_pair_inverted(const struct cardxd_config *cfg, size_t i)
{
    long lo = config_number_value(cfg, &config_keys[config_pairs[i].lo]);
    long hi = config_number_value(cfg, &config_keys[config_pairs[i].hi]);

    return config_pairs[i].strict ? lo >= hi : lo > hi;
}

/* A number as the file would state it: durations with their unit. */
static void config_format_number(const struct cardxd_config *cfg,
                                 const struct key_spec *k, char *buf,
                                 size_t len)
{
    long v = config_number_value(cfg, k);

    if (k->type == KEY_DURATION)
        config_format_duration(v, buf, len);
    else
        snprintf(buf, len, "%ld", v);
}

char *config_msg_pair(const struct cardxd_config *cfg, size_t i)
{
    const struct key_spec *lo = &config_keys[config_pairs[i].lo];
    const struct key_spec *hi = &config_keys[config_pairs[i].hi];
    char lo_text[32], hi_text[32];

    config_format_number(cfg, lo, lo_text, sizeof(lo_text));
    config_format_number(cfg, hi, hi_text, sizeof(hi_text));
    return str_printf("%s (%s) is %s %s (%s) in [%s]", lo->name, lo_text,
                      config_pairs[i].strict ? "not less than" : "greater than",
                      hi->name, hi_text, lo->section);
}

/* The domain users are served from when user_domains is empty: everything
 * after the first label of the component's own domain. */
static bool has_parent_domain(const char *domain)
{
    const char *dot = strchr(domain, '.');

    return dot && dot[1] != '\0';
}

static char *validate_key(const struct cardxd_config *cfg,
                          const struct key_spec *k)
{
    const char *s, *why;
    long v;

    switch (k->type) {
    case KEY_STRING:
        s = config_string_value(cfg, k);
        if (!s)
            return k->required ? str_printf("missing required key '%s' in [%s]",
                                            k->name, k->section)
                               : NULL;
        why = k->check ? k->check(s) : NULL;
        return why ? config_msg_bad(k, s, why) : NULL;
    case KEY_INT:
    case KEY_SIZE:
    case KEY_DURATION:
        v = config_number_value(cfg, k);
        if (v >= k->min && v <= k->max)
            return NULL;
        return config_msg_range(k, NULL);
    case KEY_LOG_LEVEL:
        if ((int)cfg->log_level >= (int)LOG_LEVEL_ERROR &&
            (int)cfg->log_level <= (int)LOG_LEVEL_DEBUG)
            return NULL;
        return config_msg_bad(k, NULL, NULL);
    }
    return NULL;
}

/* [verify] has no default: the admin must choose, and a program chosen
 * must be one cardxd can run. */
static int validate_verify(const struct cardxd_config *cfg, char **err)
{
    if (!cfg->verify_method) {
        *err = str_printf("[verify] method is not set: choose command (a "
                          "code sent to the number proves it) or none "
                          "(anyone may claim any number); see "
                          "docs/ADMIN.md");
        return -1;
    }
    if (strcmp(cfg->verify_method, "command") != 0)
        return 0;
    if (!cfg->verify_command) {
        *err = str_printf("[verify] method = command needs command = "
                          "/path/to/program (run as PROGRAM NUMBER CODE)");
        return -1;
    }
    if (access(cfg->verify_command, X_OK) < 0) {
        *err = str_printf("cannot run [verify] command '%s': %s",
                          cfg->verify_command, strerror(errno));
        return -1;
    }
    return 0;
}

int config_validate(const struct cardxd_config *cfg, char **err)
{
    *err = NULL;
    for (size_t k = 0; k < NKEYS; k++) {
        *err = validate_key(cfg, &config_keys[k]);
        if (*err)
            return -1;
    }
    for (size_t i = 0; i < config_npairs; i++) {
        if (!config_pair_inverted(cfg, i))
            continue;
        *err = config_msg_pair(cfg, i);
        return -1;
    }
    if (cfg->user_domains[strspn(cfg->user_domains, " \t,")] == '\0' &&
        !has_parent_domain(cfg->domain)) {
        *err = str_printf("user_domains in [component] is empty and "
                          "domain '%s' has no parent domain to use",
                          cfg->domain);
        return -1;
    }
    if (strcmp(cfg->driver, "postgresql") == 0 && !cfg->dsn) {
        *err = str_printf("[storage] driver = postgresql needs dsn = "
                          "postgresql://USER@HOST:PORT/DATABASE");
        return -1;
    }
    /* A statement waiting out its lock_timeout is not a hung server. */
    if (strcmp(cfg->driver, "postgresql") == 0 &&
        cfg->busy_timeout_ms >= cfg->query_timeout_ms) {
        *err = str_printf("[storage] busy_timeout (%lld ms) must be shorter "
                          "than query_timeout (%lld ms) with driver = "
                          "postgresql",
                          (long long)cfg->busy_timeout_ms,
                          (long long)cfg->query_timeout_ms);
        return -1;
    }
    return validate_verify(cfg, err);
}
