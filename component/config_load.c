/* cardxd configuration: strict loading of the INI file (libinih), which
 * rejects what inih would let through silently. */
#include "component/config_int.h"

#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

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

/* Records msg (taken over; NULL when memory ran out) as the error at the
 * current line, if it is the first: later ones are noise. */
static void load_fail_msg(struct load_ctx *ctx, char *msg)
{
    if (!ctx->err_line) {
        ctx->err_line = ctx->lineno;
        if (msg)
            ctx->err = str_printf("%s:%d: %s", ctx->path, ctx->lineno, msg);
    }
    free(msg);
}

static void load_fail(struct load_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void load_fail(struct load_ctx *ctx, const char *fmt, ...)
{
    va_list ap;

    if (ctx->err_line)
        return;
    va_start(ap, fmt);
    load_fail_msg(ctx, str_vprintf(fmt, ap));
    va_end(ap);
}

static bool section_known(const char *section)
{
    for (size_t k = 0; k < NKEYS; k++) {
        if (strcmp(config_keys[k].section, section) == 0)
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
        load_fail_msg(ctx, config_msg_bad(k, value, why));
        return -1;
    }
    copy = strdup(value);
    if (!copy) {
        load_fail(ctx, "out of memory");
        return -1;
    }
    free(*config_string_field(ctx->cfg, k));
    *config_string_field(ctx->cfg, k) = copy;
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
            load_fail_msg(
                ctx, config_msg_bad(k, value,
                                    "expected error, warn, info or debug"));
            return -1;
        }
        ctx->cfg->log_level = level;
        return 0;
    case KEY_DURATION:
        if (config_parse_duration(value, &v) < 0 || v < k->min || v > k->max) {
            load_fail_msg(ctx, config_msg_range(k, value));
            return -1;
        }
        config_set_number(ctx->cfg, k, v);
        return 0;
    case KEY_INT:
    case KEY_SIZE:
        if (parse_long(value, k->min, k->max, &v) < 0) {
            load_fail_msg(ctx, config_msg_range(k, value));
            return -1;
        }
        config_set_number(ctx->cfg, k, v);
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
        if (strcmp(config_keys[k].section, section) != 0 ||
            strcmp(config_keys[k].name, name) != 0)
            continue;
        if (set_value(ctx, &config_keys[k], value) < 0)
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
        if (strlen(config_keys[k].section) == n &&
            strncmp(config_keys[k].section, p + 1, n) == 0)
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
    for (size_t i = 0; i < config_npairs && !ctx->err_line; i++) {
        int line_lo = ctx->key_line[config_pairs[i].lo];
        int line_hi = ctx->key_line[config_pairs[i].hi];

        if (!config_pair_inverted(ctx->cfg, i))
            continue;
        if (!line_lo && !line_hi)
            continue; /* not this file's doing; config_validate() sees it */
        ctx->lineno = line_lo > line_hi ? line_lo : line_hi;
        load_fail_msg(ctx, config_msg_pair(ctx->cfg, i));
    }
}

/* Turns the parse outcome into one message; inih's own return value is the
 * first line it rejected, which may precede the first one we rejected. */
static char *load_error(struct load_ctx *ctx, int rc)
{
    char *msg;

    if (rc > 0 && (!ctx->err_line || rc < ctx->err_line))
        return str_printf("%s:%d: syntax error", ctx->path, rc);
    if (ctx->err_line) {
        msg = ctx->err;
        ctx->err = NULL;
        return msg;
    }
    if (ctx->read_errno)
        return str_printf("%s: %s", ctx->path, strerror(ctx->read_errno));
    if (rc == -2)
        return str_printf("%s: out of memory", ctx->path);
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
        *err = str_printf("%s: %s", path, strerror(errno));
        return -1;
    }
    ctx.cfg = config_copy(cfg);
    if (!ctx.cfg) {
        fclose(ctx.file);
        *err = str_printf("%s: out of memory", path);
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
