/* cardxd configuration: defaults, strict INI loading (libinih), validation. */
#include "component/config.h"

#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Defaults: the only place in the project that states them. ---- */
#define CONFIG_DEFAULT_DOMAIN NULL /* required */
#define CONFIG_DEFAULT_SECRET NULL /* required */
#define CONFIG_DEFAULT_HOST "127.0.0.1"
#define CONFIG_DEFAULT_PORT 5347
#define CONFIG_DEFAULT_RECONNECT_MIN_MS 500
#define CONFIG_DEFAULT_RECONNECT_MAX_MS 30000
#define CONFIG_DEFAULT_USER_DOMAINS "" /* parent domain of `domain` */
#define CONFIG_DEFAULT_DATABASE CARDXD_STATEDIR "/cardxd.sqlite"
#define CONFIG_DEFAULT_SYNCHRONOUS "normal"
#define CONFIG_DEFAULT_REGION "" /* none: numbers must start with + */
#define CONFIG_DEFAULT_VCARD_MAX_BYTES 65536
#define CONFIG_DEFAULT_STANZA_MAX_BYTES 1048576
#define CONFIG_DEFAULT_FETCH_TIMEOUT_MS 5000
#define CONFIG_DEFAULT_MAX_ATTEMPTS 10 /* deliveries of a card never acked */
#define CONFIG_DEFAULT_LOG_LEVEL LOG_LEVEL_INFO
/* ---- End of defaults. ---- */

/* Upper bounds that catch typos (an extra zero or two) rather than policy. */
#define CONFIG_MAX_DELAY_MS 3600000L        /* one hour */
#define CONFIG_MAX_VCARD_BYTES (16L << 20)  /* 16 MiB */
#define CONFIG_MAX_STANZA_BYTES (64L << 20) /* 64 MiB */
#define CONFIG_MAX_FETCH_TIMEOUT_MS 600000L /* ten minutes */
#define CONFIG_MAX_ATTEMPTS 1000
#define CONFIG_MAX_DOMAIN_LEN 1023          /* RFC 7622 domainpart */

enum key_type { KEY_STRING, KEY_INT, KEY_SIZE, KEY_LOG_LEVEL };

/* One key of the file: where it lives in the struct and what it accepts.
 * Loading and validation both read this table so they cannot disagree. */
struct key_spec {
    const char *section;
    const char *name;
    enum key_type type;
    size_t offset;
    long min, max;   /* KEY_INT, KEY_SIZE */
    bool required;   /* KEY_STRING: NULL is an error */
    bool hide_value; /* never echo it in messages */
    /* KEY_STRING: NULL if the value is acceptable, else why not. */
    const char *(*check)(const char *value);
};

static const char *check_domain(const char *value);
static const char *check_nonempty(const char *value);
static const char *check_host(const char *value);
static const char *check_domain_list(const char *value);
static const char *check_synchronous(const char *value);
static const char *check_region(const char *value);

#define OFF(field) offsetof(struct cardxd_config, field)

enum key_id {
    K_DOMAIN,
    K_SECRET,
    K_HOST,
    K_PORT,
    K_RECONNECT_MIN,
    K_RECONNECT_MAX,
    K_USER_DOMAINS,
    K_DATABASE,
    K_SYNCHRONOUS,
    K_DEFAULT_REGION,
    K_VCARD_MAX,
    K_STANZA_MAX,
    K_FETCH_TIMEOUT,
    K_MAX_ATTEMPTS,
    K_LOG_LEVEL,
    NKEYS
};

static const struct key_spec keys[NKEYS] = {
    [K_DOMAIN] = {"component", "domain", KEY_STRING, OFF(domain), 0, 0, true,
                  false, check_domain},
    [K_SECRET] = {"component", "secret", KEY_STRING, OFF(secret), 0, 0, true,
                  true, check_nonempty},
    [K_HOST] = {"component", "host", KEY_STRING, OFF(host), 0, 0, true, false,
                check_host},
    [K_PORT] = {"component", "port", KEY_INT, OFF(port), 1, 65535, false, false,
                NULL},
    [K_RECONNECT_MIN] = {"component", "reconnect_min", KEY_INT,
                         OFF(reconnect_min_ms), 1, CONFIG_MAX_DELAY_MS, false,
                         false, NULL},
    [K_RECONNECT_MAX] = {"component", "reconnect_max", KEY_INT,
                         OFF(reconnect_max_ms), 1, CONFIG_MAX_DELAY_MS, false,
                         false, NULL},
    [K_USER_DOMAINS] = {"component", "user_domains", KEY_STRING,
                        OFF(user_domains), 0, 0, true, false,
                        check_domain_list},
    [K_DATABASE] = {"storage", "database", KEY_STRING, OFF(database), 0, 0,
                    true, false, check_nonempty},
    [K_SYNCHRONOUS] = {"storage", "synchronous", KEY_STRING, OFF(synchronous),
                       0, 0, true, false, check_synchronous},
    [K_DEFAULT_REGION] = {"phone", "default_region", KEY_STRING,
                          OFF(default_region), 0, 0, true, false, check_region},
    [K_VCARD_MAX] = {"limits", "vcard_max", KEY_SIZE, OFF(vcard_max_bytes), 1,
                     CONFIG_MAX_VCARD_BYTES, false, false, NULL},
    [K_STANZA_MAX] = {"limits", "stanza_max", KEY_SIZE, OFF(stanza_max_bytes),
                      1, CONFIG_MAX_STANZA_BYTES, false, false, NULL},
    [K_FETCH_TIMEOUT] = {"limits", "fetch_timeout", KEY_INT,
                         OFF(fetch_timeout_ms), 1, CONFIG_MAX_FETCH_TIMEOUT_MS,
                         false, false, NULL},
    [K_MAX_ATTEMPTS] = {"limits", "max_attempts", KEY_INT, OFF(max_attempts),
                        1, CONFIG_MAX_ATTEMPTS, false, false, NULL},
    [K_LOG_LEVEL] = {"log", "level", KEY_LOG_LEVEL, OFF(log_level), 0, 0, false,
                     false, NULL},
};

/* Pairs of keys where the first must not exceed the second. */
static const struct {
    enum key_id lo, hi;
} ordered_pairs[] = {
    {K_RECONNECT_MIN, K_RECONNECT_MAX},
    /* a card travels inside a stanza */
    {K_VCARD_MAX, K_STANZA_MAX},
};

#define NPAIRS (sizeof(ordered_pairs) / sizeof(ordered_pairs[0]))

/* State of one config_load() call, shared by the reader and the handler. */
struct load_ctx {
    const char *path;
    FILE *file;
    struct cardxd_config *cfg; /* the copy being filled */
    int lineno;                /* line last handed to inih */
    int read_errno;            /* nonzero after a read failure */
    char *err;                 /* first error, already "path:line: ..." */
    int err_line;
    int key_line[NKEYS]; /* where each key was last set, 0 if not here */
};

static char *format_message(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* Returns the formatted string or NULL when memory ran out. */
static char *format_message(const char *fmt, ...)
{
    va_list ap;
    char *s;
    int n;

    va_start(ap, fmt);
    n = vasprintf(&s, fmt, ap);
    va_end(ap);
    return n < 0 ? NULL : s;
}

static char **string_field(struct cardxd_config *cfg, const struct key_spec *k)
{
    return (char **)((char *)cfg + k->offset);
}

static const char *string_value(const struct cardxd_config *cfg,
                                const struct key_spec *k)
{
    return *(char *const *)((const char *)cfg + k->offset);
}

static long number_value(const struct cardxd_config *cfg,
                         const struct key_spec *k)
{
    const char *p = (const char *)cfg + k->offset;

    if (k->type == KEY_SIZE)
        return (long)*(const size_t *)p;
    return *(const int *)p;
}

static void set_number(struct cardxd_config *cfg, const struct key_spec *k,
                       long v)
{
    char *p = (char *)cfg + k->offset;

    if (k->type == KEY_SIZE)
        *(size_t *)p = (size_t)v;
    else
        *(int *)p = (int)v;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
           c == '\f';
}

/* A domainpart as a component or user server would present it: labels
 * separated by single dots, no JID or URL punctuation, no whitespace. */
static const char *check_domain(const char *value)
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

static const char *check_nonempty(const char *value)
{
    return value[0] ? NULL : "must not be empty";
}

static const char *check_host(const char *value)
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
static const char *check_domain_list(const char *value)
{
    const char *p = value;

    while (*p) {
        char one[CONFIG_MAX_DOMAIN_LEN + 1];
        size_t n = strcspn(p, " \t,");

        if (n > CONFIG_MAX_DOMAIN_LEN)
            return "lists a domain that is too long";
        memcpy(one, p, n);
        one[n] = '\0';
        if (n > 0 && check_domain(one))
            return "lists something that is not a domain name";
        p += n;
        p += strspn(p, " \t,");
    }
    return NULL;
}

static const char *check_synchronous(const char *value)
{
    if (strcmp(value, "normal") == 0 || strcmp(value, "full") == 0)
        return NULL;
    return "must be normal or full";
}

static const char *check_region(const char *value)
{
    if (value[0] == '\0')
        return NULL;
    if (strlen(value) == 2 && value[0] >= 'A' && value[0] <= 'Z' &&
        value[1] >= 'A' && value[1] <= 'Z')
        return NULL;
    return "must be empty or two uppercase letters (ISO 3166, e.g. FR)";
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
    cfg->user_domains = strdup(CONFIG_DEFAULT_USER_DOMAINS);
    cfg->database = strdup(CONFIG_DEFAULT_DATABASE);
    cfg->synchronous = strdup(CONFIG_DEFAULT_SYNCHRONOUS);
    cfg->default_region = strdup(CONFIG_DEFAULT_REGION);
    cfg->vcard_max_bytes = CONFIG_DEFAULT_VCARD_MAX_BYTES;
    cfg->stanza_max_bytes = CONFIG_DEFAULT_STANZA_MAX_BYTES;
    cfg->fetch_timeout_ms = CONFIG_DEFAULT_FETCH_TIMEOUT_MS;
    cfg->max_attempts = CONFIG_DEFAULT_MAX_ATTEMPTS;
    cfg->log_level = CONFIG_DEFAULT_LOG_LEVEL;
    if (!cfg->host || !cfg->user_domains || !cfg->database ||
        !cfg->synchronous || !cfg->default_region) {
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
        if (keys[k].type == KEY_STRING)
            free(*string_field(cfg, &keys[k]));
    }
    free(cfg);
}

/* A deep copy, so a failed load can leave the caller's config untouched. */
static struct cardxd_config *config_copy(const struct cardxd_config *src)
{
    struct cardxd_config *cfg = malloc(sizeof(*cfg));

    if (!cfg)
        return NULL;
    *cfg = *src;
    for (size_t k = 0; k < NKEYS; k++) {
        if (keys[k].type == KEY_STRING)
            *string_field(cfg, &keys[k]) = NULL;
    }
    for (size_t k = 0; k < NKEYS; k++) {
        const char *s;

        if (keys[k].type != KEY_STRING)
            continue;
        s = string_value(src, &keys[k]);
        if (!s)
            continue;
        *string_field(cfg, &keys[k]) = strdup(s);
        if (!*string_field(cfg, &keys[k])) {
            config_free(cfg);
            return NULL;
        }
    }
    return cfg;
}

static void load_fail(struct load_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Records the first error at the current line; later ones are noise. */
static void load_fail(struct load_ctx *ctx, const char *fmt, ...)
{
    va_list ap;
    char *msg;

    if (ctx->err_line)
        return;
    ctx->err_line = ctx->lineno;
    va_start(ap, fmt);
    if (vasprintf(&msg, fmt, ap) < 0)
        msg = NULL;
    va_end(ap);
    if (msg)
        ctx->err = format_message("%s:%d: %s", ctx->path, ctx->lineno, msg);
    free(msg);
}

static bool section_known(const char *section)
{
    for (size_t k = 0; k < NKEYS; k++) {
        if (strcmp(keys[k].section, section) == 0)
            return true;
    }
    return false;
}

/* Strict integer: decimal digits only, whole value, within [min, max]. */
static int parse_long(const char *value, long min, long max, long *out)
{
    char *end;
    long v;

    /* strtol alone would take leading spaces and a '+' */
    if (!(value[0] >= '0' && value[0] <= '9') && value[0] != '-')
        return -1;
    errno = 0;
    v = strtol(value, &end, 10);
    if (errno || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

static int set_string(struct load_ctx *ctx, const struct key_spec *k,
                      const char *value)
{
    const char *why = k->check ? k->check(value) : NULL;
    char *copy;

    if (why) {
        if (k->hide_value)
            load_fail(ctx, "bad %s in [%s]: %s", k->name, k->section, why);
        else
            load_fail(ctx, "bad %s '%s' in [%s]: %s", k->name, value,
                      k->section, why);
        return -1;
    }
    copy = strdup(value);
    if (!copy) {
        load_fail(ctx, "out of memory");
        return -1;
    }
    free(*string_field(ctx->cfg, k));
    *string_field(ctx->cfg, k) = copy;
    return 0;
}

static int set_value(struct load_ctx *ctx, const struct key_spec *k,
                     const char *value)
{
    enum log_level level;
    long v;

    switch (k->type) {
    case KEY_STRING:
        return set_string(ctx, k, value);
    case KEY_LOG_LEVEL:
        if (log_level_parse(value, &level) < 0) {
            load_fail(ctx,
                      "bad %s '%s' in [%s]: expected error, warn, info or "
                      "debug",
                      k->name, value, k->section);
            return -1;
        }
        ctx->cfg->log_level = level;
        return 0;
    case KEY_INT:
    case KEY_SIZE:
        if (parse_long(value, k->min, k->max, &v) < 0) {
            load_fail(ctx,
                      "bad %s '%s' in [%s]: expected an integer from %ld to "
                      "%ld",
                      k->name, value, k->section, k->min, k->max);
            return -1;
        }
        set_number(ctx->cfg, k, v);
        return 0;
    }
    return -1;
}

/* inih handler: nonzero means the pair was accepted. */
static int handle_pair(void *user, const char *section, const char *name,
                       const char *value)
{
    struct load_ctx *ctx = user;

    if (ctx->err_line)
        return 0;
    for (size_t k = 0; k < NKEYS; k++) {
        if (strcmp(keys[k].section, section) != 0 ||
            strcmp(keys[k].name, name) != 0)
            continue;
        if (set_value(ctx, &keys[k], value) < 0)
            return 0;
        ctx->key_line[k] = ctx->lineno;
        return 1;
    }
    if (section[0] == '\0')
        load_fail(ctx, "key '%s' outside any section", name);
    else if (!section_known(section))
        load_fail(ctx, "unknown section [%s]", section);
    else
        load_fail(ctx, "unknown key '%s' in [%s]", name, section);
    return 0;
}

/* Things inih would accept silently but that are almost surely mistakes:
 * indented lines (inih joins them to the previous value as a continuation)
 * and sections with no keys of ours. */
static void check_raw_line(struct load_ctx *ctx, const char *line)
{
    const char *p = line;
    size_t n;

    if (ctx->lineno == 1 && strncmp(p, "\xEF\xBB\xBF", 3) == 0)
        line = p = p + 3; /* UTF-8 BOM, which inih skips too */
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p == '\0' || *p == '\n' || *p == '\r' || *p == ';' || *p == '#')
        return;
    if (p != line) {
        load_fail(ctx, "indented line (keys and sections must start the "
                       "line; continuation lines are not supported)");
        return;
    }
    if (*p != '[')
        return;
    n = strcspn(p + 1, "]");
    if (p[1 + n] != ']')
        return; /* inih reports it as a syntax error */
    for (size_t k = 0; k < NKEYS; k++) {
        if (strlen(keys[k].section) == n &&
            strncmp(keys[k].section, p + 1, n) == 0)
            return;
    }
    load_fail(ctx, "unknown section [%.*s]", (int)n, p + 1);
}

/* inih reader: fgets that counts lines, so the handler knows where it is,
 * and stops at the first error or at a line too long for inih's buffer
 * (inih would split it and parse the tail as a line of its own). */
static char *read_line(char *buf, int size, void *stream)
{
    struct load_ctx *ctx = stream;
    size_t len;
    int c;

    if (ctx->err_line)
        return NULL;
    if (!fgets(buf, size, ctx->file)) {
        if (ferror(ctx->file))
            ctx->read_errno = errno ? errno : EIO;
        return NULL;
    }
    ctx->lineno++;
    len = strlen(buf);
    if (len > 0 && buf[len - 1] != '\n') {
        c = getc(ctx->file);
        if (c != EOF) {
            ungetc(c, ctx->file);
            load_fail(ctx, "line too long (limit %d characters)", size - 3);
            return NULL;
        }
    }
    check_raw_line(ctx, buf);
    return ctx->err_line ? NULL : buf;
}

/* Reports a min/max pair this file left inverted, at the later of the two
 * lines that set them. */
static void load_check_pairs(struct load_ctx *ctx)
{
    for (size_t i = 0; i < NPAIRS && !ctx->err_line; i++) {
        const struct key_spec *lo = &keys[ordered_pairs[i].lo];
        const struct key_spec *hi = &keys[ordered_pairs[i].hi];
        int line_lo = ctx->key_line[ordered_pairs[i].lo];
        int line_hi = ctx->key_line[ordered_pairs[i].hi];

        if (number_value(ctx->cfg, lo) <= number_value(ctx->cfg, hi))
            continue;
        if (!line_lo && !line_hi)
            continue; /* not this file's doing; config_validate() sees it */
        ctx->lineno = line_lo > line_hi ? line_lo : line_hi;
        load_fail(ctx, "%s (%ld) is greater than %s (%ld) in [%s]", lo->name,
                  number_value(ctx->cfg, lo), hi->name,
                  number_value(ctx->cfg, hi), lo->section);
    }
}

/* Turns the parse outcome into one message; inih's own return value is the
 * first line it rejected, which may precede the first one we rejected. */
static char *load_error(struct load_ctx *ctx, int rc)
{
    char *msg;

    if (rc > 0 && (!ctx->err_line || rc < ctx->err_line))
        return format_message("%s:%d: syntax error", ctx->path, rc);
    if (ctx->err_line) {
        msg = ctx->err;
        ctx->err = NULL;
        return msg;
    }
    if (ctx->read_errno)
        return format_message("%s: %s", ctx->path, strerror(ctx->read_errno));
    if (rc == -2)
        return format_message("%s: out of memory", ctx->path);
    return NULL;
}

int config_load(struct cardxd_config *cfg, const char *path, char **err)
{
    struct load_ctx ctx = {.path = path};
    struct cardxd_config tmp;
    int rc;

    *err = NULL;
    ctx.file = fopen(path, "re");
    if (!ctx.file) {
        *err = format_message("%s: %s", path, strerror(errno));
        return -1;
    }
    ctx.cfg = config_copy(cfg);
    if (!ctx.cfg) {
        fclose(ctx.file);
        *err = format_message("%s: out of memory", path);
        return -1;
    }
    rc = ini_parse_stream(read_line, &ctx, handle_pair, &ctx);
    fclose(ctx.file);
    if (rc == 0 && !ctx.err_line && !ctx.read_errno)
        load_check_pairs(&ctx);
    if (rc != 0 || ctx.err_line || ctx.read_errno) {
        *err = load_error(&ctx, rc);
        free(ctx.err);
        config_free(ctx.cfg);
        return -1;
    }
    tmp = *cfg;
    *cfg = *ctx.cfg;
    *ctx.cfg = tmp;
    config_free(ctx.cfg);
    return 0;
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
        s = string_value(cfg, k);
        if (!s)
            return k->required
                       ? format_message("missing required key '%s' in [%s]",
                                        k->name, k->section)
                       : NULL;
        why = k->check ? k->check(s) : NULL;
        if (!why)
            return NULL;
        if (k->hide_value)
            return format_message("bad %s in [%s]: %s", k->name, k->section,
                                  why);
        return format_message("bad %s '%s' in [%s]: %s", k->name, s, k->section,
                              why);
    case KEY_INT:
    case KEY_SIZE:
        v = number_value(cfg, k);
        if (v >= k->min && v <= k->max)
            return NULL;
        return format_message("bad %s in [%s]: expected an integer from %ld "
                              "to %ld",
                              k->name, k->section, k->min, k->max);
    case KEY_LOG_LEVEL:
        if ((int)cfg->log_level >= (int)LOG_LEVEL_ERROR &&
            (int)cfg->log_level <= (int)LOG_LEVEL_DEBUG)
            return NULL;
        return format_message("bad %s in [%s]", k->name, k->section);
    }
    return NULL;
}

int config_validate(const struct cardxd_config *cfg, char **err)
{
    *err = NULL;
    for (size_t k = 0; k < NKEYS; k++) {
        *err = validate_key(cfg, &keys[k]);
        if (*err)
            return -1;
    }
    for (size_t i = 0; i < NPAIRS; i++) {
        const struct key_spec *lo = &keys[ordered_pairs[i].lo];
        const struct key_spec *hi = &keys[ordered_pairs[i].hi];

        if (number_value(cfg, lo) <= number_value(cfg, hi))
            continue;
        *err = format_message("%s (%ld) is greater than %s (%ld) in [%s]",
                              lo->name, number_value(cfg, lo), hi->name,
                              number_value(cfg, hi), lo->section);
        return -1;
    }
    if (cfg->user_domains[strspn(cfg->user_domains, " \t,")] == '\0' &&
        !has_parent_domain(cfg->domain)) {
        *err = format_message("user_domains in [component] is empty and "
                              "domain '%s' has no parent domain to use",
                              cfg->domain);
        return -1;
    }
    return 0;
}
