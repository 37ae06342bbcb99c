/* cardx's connection settings: defaults, XDG paths, the 0600 INI file. */
#include "client/settings.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/errors.h"
#include "common/util.h"

#define SETTINGS_SECTION "account"
/* Bounds that catch typos, not policy. */
#define MAX_TIMEOUT_S 600
#define MAX_QUIET_MS 60000

static void wipe_free(char *s)
{
    if (s) {
        explicit_bzero(s, strlen(s));
        free(s);
    }
}

struct cardx_settings *settings_new(void)
{
    struct cardx_settings *s = calloc(1, sizeof(*s));

    if (!s)
        return NULL;
    s->tls = 1;
    s->timeout_ms = SETTINGS_DEFAULT_TIMEOUT_MS;
    s->quiet_ms = SETTINGS_DEFAULT_QUIET_MS;
    return s;
}

void settings_free(struct cardx_settings *s)
{
    if (!s)
        return;
    free(s->jid);
    wipe_free(s->password);
    free(s->server_host);
    free(s->component);
    free(s->phone);
    free(s->cafile);
    free(s->data_dir);
    free(s->config_path);
    free(s->account_path);
    wipe_free(s->file_password);
    free(s);
}

/* True when v holds a C0 control character or DEL. */
static int has_control(const char *v)
{
    for (; *v; v++) {
        if ((unsigned char)*v < ' ' || *v == 0x7f)
            return 1;
    }
    return 0;
}

static int has_space(const char *v)
{
    for (; *v; v++) {
        if ((unsigned char)*v <= ' ' || *v == 0x7f)
            return 1;
    }
    return 0;
}

/* 1 when the n bytes at h can be a host: a DNS name, an IPv4 address or,
 * bracketed (v6 set), an IPv6 address with an optional zone. Anything
 * else (';', '#', '[', ...) names no host, and would not save as one. */
static int host_ok(const char *h, size_t n, int v6)
{
    if (v6 && !memchr(h, ':', n))
        return 0; /* brackets hold an IPv6 address, which has a ':' */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)h[i];
        if (!isalnum(c) && c != '.' && c != '-' && c != '_' && c < 0x80 &&
            !(v6 && (c == ':' || c == '%')))
            return 0;
    }
    return 1;
}

int settings_parse_server(const char *value, char **host, int *port)
{
    const char *colon, *end;
    int v6 = value[0] == '[';
    size_t hlen;
    char *p;
    long n;

    *host = NULL;
    *port = 0;
    if (!value[0] || has_space(value))
        return CX_EINVAL;
    if (v6) {
        end = strchr(value, ']');
        if (!end || end == value + 1)
            return CX_EINVAL;
        colon = end[1] == ':' ? end + 1 : NULL;
        if (!colon && end[1])
            return CX_EINVAL;
        value++;
        hlen = (size_t)(end - value);
    } else {
        colon = strrchr(value, ':');
        if (colon && strchr(value, ':') != colon)
            return CX_EINVAL; /* a bare IPv6 address needs brackets */
        hlen = colon ? (size_t)(colon - value) : strlen(value);
    }
    if (hlen == 0 || !host_ok(value, hlen, v6))
        return CX_EINVAL;
    if (colon) {
        errno = 0;
        n = strtol(colon + 1, &p, 10);
        if (errno || *p || colon[1] < '0' || colon[1] > '9' || n < 1 ||
            n > 65535)
            return CX_EINVAL;
        *port = (int)n;
    }
    *host = strndup(value, hlen);
    return *host ? 0 : CX_ENOMEM;
}

/* Strict decimal integer in [min, max]. */
static int parse_int(const char *v, long min, long max, int *out)
{
    char *end;
    long n;

    if (v[0] < '0' || v[0] > '9')
        return CX_EINVAL;
    errno = 0;
    n = strtol(v, &end, 10);
    if (errno || *end || n < min || n > max)
        return CX_EINVAL;
    *out = (int)n;
    return 0;
}

static int parse_bool(const char *v, int *out)
{
    static const char *const yes[] = {"yes", "true", "on", "1"};
    static const char *const no[] = {"no", "false", "off", "0"};

    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(v, yes[i]) == 0) {
            *out = 1;
            return 0;
        }
        if (strcasecmp(v, no[i]) == 0) {
            *out = 0;
            return 0;
        }
    }
    return CX_EINVAL;
}

/* A bare JID: one '@' with text on both sides, no resource, no spaces. */
static int jid_ok(const char *v)
{
    const char *at = strchr(v, '@');

    return at && at != v && at[1] && !strchr(at + 1, '@') && !strchr(v, '/') &&
           !has_space(v);
}

static int set_string(char **slot, const char *value, char **err)
{
    char *copy = NULL;

    if (value[0]) {
        copy = strdup(value);
        if (!copy) {
            *err = str_printf("out of memory");
            return CX_ENOMEM;
        }
    }
    if (slot[0] && strlen(slot[0]))
        explicit_bzero(slot[0], strlen(slot[0]));
    free(*slot);
    *slot = copy;
    return 0;
}

/* The longest line inih reads whole: Debian's libinih is built with its
 * default INI_MAX_LINE, 200 bytes including the newline and the NUL; a
 * longer line is cut and its rest read as a line of its own. */
#define SETTINGS_LINE_MAX 198

/* Why settings_save could not write key = value so the file reads it back
 * the same, or NULL: inih trims white space around values, ends a value at
 * a ';' after white space (an inline comment; the space of " = " counts)
 * and a line at its end, and cuts lines past SETTINGS_LINE_MAX. */
static const char *unsaveable(const char *key, const char *value)
{
    size_t len = strlen(value);

    if (strlen(key) + strlen(" = ") + len > SETTINGS_LINE_MAX)
        return "too long for the settings file (a line holds 198 bytes)";
    if (has_control(value))
        return "control characters";
    if (len > 0 && (value[0] == ' ' || value[0] == '\t' ||
                    value[len - 1] == ' ' || value[len - 1] == '\t'))
        return "leading or trailing white space";
    /* settings_save writes "key = value": a leading ';' follows a space. */
    for (size_t i = 0; i < len; i++)
        if (value[i] == ';' &&
            (i == 0 || value[i - 1] == ' ' || value[i - 1] == '\t'))
            return "';' first or after white space, which starts a comment";
    return NULL;
}

static int set_server(struct cardx_settings *s, const char *value, char **err)
{
    char *host = NULL;
    int port = 0;

    if (value[0] && settings_parse_server(value, &host, &port) < 0) {
        *err = str_printf("bad server '%s': expected HOST or HOST:PORT", value);
        return CX_EINVAL;
    }
    free(s->server_host);
    s->server_host = host;
    s->server_port = port;
    return 0;
}

int settings_set(struct cardx_settings *s, const char *key, const char *value,
                 char **err)
{
    static const char *const saved[] = {"jid",       "password", "server",
                                        "component", "phone",    "cafile",
                                        "data_dir"};
    const char *why;
    int n;

    *err = NULL;
    for (size_t i = 0; i < sizeof(saved) / sizeof(saved[0]); i++) {
        if (strcmp(key, saved[i]) == 0 && (why = unsaveable(key, value))) {
            *err = str_printf("bad %s: %s", key, why);
            return CX_EINVAL;
        }
    }
    if (strcmp(key, "jid") == 0) {
        if (value[0] && !jid_ok(value)) {
            *err = str_printf("bad jid '%s': expected user@domain", value);
            return CX_EINVAL;
        }
        return set_string(&s->jid, value, err);
    }
    if (strcmp(key, "password") == 0)
        return set_string(&s->password, value, err);
    if (strcmp(key, "server") == 0)
        return set_server(s, value, err);
    if (strcmp(key, "component") == 0) {
        if (value[0] &&
            (has_space(value) || strchr(value, '@') || strchr(value, '/'))) {
            *err = str_printf("bad component '%s': expected a domain", value);
            return CX_EINVAL;
        }
        return set_string(&s->component, value, err);
    }
    if (strcmp(key, "phone") == 0)
        return set_string(&s->phone, value, err);
    if (strcmp(key, "data_dir") == 0)
        return set_string(&s->data_dir, value, err);
    if (strcmp(key, "cafile") == 0)
        return set_string(&s->cafile, value, err);
    if (strcmp(key, "tls") == 0) {
        if (parse_bool(value, &s->tls) == 0)
            return 0;
        *err = str_printf("bad tls '%s': expected yes or no", value);
        return CX_EINVAL;
    }
    if (strcmp(key, "timeout") == 0) {
        if (parse_int(value, 1, MAX_TIMEOUT_S, &n) == 0) {
            s->timeout_ms = n * 1000;
            return 0;
        }
        *err = str_printf("bad timeout '%s': expected seconds from 1 to %d",
                          value, MAX_TIMEOUT_S);
        return CX_EINVAL;
    }
    if (strcmp(key, "sync_quiet") == 0) {
        if (parse_int(value, 0, MAX_QUIET_MS, &s->quiet_ms) == 0)
            return 0;
        *err =
            str_printf("bad sync_quiet '%s': expected milliseconds from 0 to "
                       "%d",
                       value, MAX_QUIET_MS);
        return CX_EINVAL;
    }
    *err = str_printf("unknown key '%s'", key);
    return CX_ENOTFOUND;
}

/* base (an XDG variable, else $HOME/fallback) + "/cardx" into a new
 * *dir. */
static int xdg_dir(const char *var, const char *fallback, char **dir,
                   char **err)
{
    const char *base = getenv(var);
    const char *home = getenv("HOME");

    /* The XDG spec says relative values are to be ignored. */
    if (base && base[0] == '/')
        *dir = str_printf("%s/cardx", base);
    else if (home && home[0])
        *dir = str_printf("%s/%s/cardx", home, fallback);
    else {
        *dir = NULL;
        *err = str_printf("neither $%s nor $HOME is set: use --data-dir and "
                          "--config",
                          var);
        return CX_EINVAL;
    }
    if (*dir)
        return 0;
    *err = str_printf("out of memory");
    return CX_ENOMEM;
}

int settings_default_paths(struct cardx_settings *s, char **err)
{
    char *dir;
    int rc;

    *err = NULL;
    if (!s->data_dir) {
        rc = xdg_dir("XDG_DATA_HOME", ".local/share", &s->data_dir, err);
        if (rc < 0)
            return rc;
    }
    if (!s->config_path) {
        rc = xdg_dir("XDG_CONFIG_HOME", ".config", &dir, err);
        if (rc < 0)
            return rc;
        s->config_path = str_printf("%s/%s", dir, SETTINGS_CONFIG_NAME);
        free(dir);
        if (!s->config_path) {
            *err = str_printf("out of memory");
            return CX_ENOMEM;
        }
    }
    return 0;
}

static int check_stat(const char *path, const struct stat *st, char **err)
{
    if (!S_ISREG(st->st_mode)) {
        *err = str_printf("%s: not a regular file", path);
        return CX_EINVAL;
    }
    if (st->st_mode & 077) {
        *err =
            str_printf("refusing to read %s: its mode is %04o, but it may "
                       "hold your password, so it must be 0600 (chmod 600 %s)",
                       path, (unsigned)(st->st_mode & 07777), path);
        return CX_EINVAL;
    }
    return 0;
}

int settings_check_mode(const char *path, char **err)
{
    struct stat st;

    *err = NULL;
    if (stat(path, &st) < 0) {
        *err = str_printf("%s: %s", path, strerror(errno));
        return CX_EIO;
    }
    return check_stat(path, &st, err);
}

/* State of one settings_load(). */
struct load {
    struct cardx_settings *s;
    const char *path;
    FILE *file;
    int lineno;
    char *err;
    int code; /* with err, the failure's CX_* code */
};

/* inih reader counting lines, so errors can name them. */
static char *read_line(char *buf, int size, void *stream)
{
    struct load *ld = stream;

    if (ld->err || !fgets(buf, size, ld->file))
        return NULL;
    ld->lineno++;
    return buf;
}

static int on_pair(void *user, const char *section, const char *name,
                   const char *value)
{
    struct load *ld = user;
    char *why = NULL;

    if (ld->err)
        return 0;
    ld->code = CX_EINVAL;
    if (section[0] && strcmp(section, SETTINGS_SECTION) != 0)
        ld->err = str_printf("%s:%d: unknown section [%s] (keys go in [%s])",
                             ld->path, ld->lineno, section, SETTINGS_SECTION);
    else if ((ld->code = settings_set(ld->s, name, value, &why)) < 0)
        ld->err = str_printf("%s:%d: %s", ld->path, ld->lineno,
                             why ? why : "out of memory");
    else if (strcmp(name, "password") == 0) {
        ld->s->password_from = SETTINGS_FROM_FILE;
        wipe_free(ld->s->file_password);
        ld->s->file_password = value[0] ? strdup(value) : NULL;
        ld->code = CX_ENOMEM;
        if (value[0] && !ld->s->file_password)
            ld->err = str_printf("out of memory");
    }
    free(why);
    return ld->err ? 0 : 1;
}

int settings_load(struct cardx_settings *s, const char *path, int must_exist,
                  char **err)
{
    struct load ld = {.s = s, .path = path};
    struct stat st;
    int rc;

    *err = NULL;
    ld.file = fopen(path, "re");
    if (!ld.file) {
        if (errno == ENOENT && !must_exist)
            return 0;
        *err = str_printf("cannot read %s: %s", path, strerror(errno));
        return CX_EIO;
    }
    rc = fstat(fileno(ld.file), &st) < 0 ? CX_EIO : check_stat(path, &st, err);
    if (rc < 0) {
        if (!*err)
            *err = str_printf("%s: %s", path, strerror(errno));
        fclose(ld.file);
        return rc;
    }
    rc = ini_parse_stream(read_line, &ld, on_pair, &ld);
    fclose(ld.file);
    if (ld.err) {
        *err = ld.err;
        return ld.code;
    }
    if (rc != 0) {
        *err = rc > 0 ? str_printf("%s:%d: syntax error", path, rc)
                      : str_printf("%s: cannot parse", path);
        return CX_EINVAL;
    }
    return 0;
}

/* mkdir -p with mode 0700 for the directories it creates. */
static int make_dirs(const char *dir, char **err)
{
    char *copy = strdup(dir);

    if (!copy) {
        *err = str_printf("out of memory");
        return CX_ENOMEM;
    }
    for (char *p = copy + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char save = *p;

        *p = '\0';
        if (mkdir(copy, 0700) < 0 && errno != EEXIST) {
            *err = str_printf("cannot create %s: %s", copy, strerror(errno));
            free(copy);
            return CX_EIO;
        }
        *p = save;
        if (!save)
            break;
    }
    free(copy);
    return 0;
}

static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');

    if (!slash)
        return strdup(".");
    if (slash == path)
        return strdup("/");
    return strndup(path, (size_t)(slash - path));
}

static void write_key(FILE *f, const char *key, const char *value)
{
    if (value)
        fprintf(f, "%s = %s\n", key, value);
}

static int write_settings(FILE *f, const struct cardx_settings *s)
{
    fprintf(f, "; cardx settings (see cardx(1)); keep this file mode 0600.\n"
               "[" SETTINGS_SECTION "]\n");
    write_key(f, "jid", s->jid);
    /* An IPv6 address needs its brackets with or without a port. */
    if (s->server_host && s->server_port && strchr(s->server_host, ':'))
        fprintf(f, "server = [%s]:%d\n", s->server_host, s->server_port);
    else if (s->server_host && strchr(s->server_host, ':'))
        fprintf(f, "server = [%s]\n", s->server_host);
    else if (s->server_host && s->server_port)
        fprintf(f, "server = %s:%d\n", s->server_host, s->server_port);
    else
        write_key(f, "server", s->server_host);
    write_key(f, "component", s->component);
    write_key(f, "phone", s->phone);
    write_key(f, "cafile", s->cafile);
    if (!s->tls)
        fprintf(f, "tls = no\n");
    write_key(f, "password", s->file_password);
    return fflush(f) == 0 && fsync(fileno(f)) == 0 ? 0 : CX_EIO;
}

int settings_save(const struct cardx_settings *s, char **err)
{
    const char *path = s->account_path ? s->account_path : s->config_path;
    char *dir = NULL, *tmp = NULL;
    FILE *f = NULL;
    int fd, rc = CX_ENOMEM;

    *err = NULL;
    dir = dir_of(path);
    tmp = str_printf("%s.tmp", path);
    if (!dir || !tmp) {
        *err = str_printf("out of memory");
        goto out;
    }
    rc = make_dirs(dir, err);
    if (rc < 0)
        goto out;
    rc = CX_EIO;
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    f = fd < 0 ? NULL : fdopen(fd, "w");
    if (!f) {
        *err = str_printf("cannot write %s: %s", tmp, strerror(errno));
        if (fd >= 0)
            close(fd);
        goto out;
    }
    /* O_CREAT's mode does not apply to a leftover file. */
    if (fchmod(fd, 0600) < 0 || write_settings(f, s) < 0) {
        *err = str_printf("cannot write %s: %s", tmp, strerror(errno));
        goto out;
    }
    if (fclose(f) != 0) {
        f = NULL;
        *err = str_printf("cannot write %s: %s", tmp, strerror(errno));
        goto out;
    }
    f = NULL;
    if (rename(tmp, path) < 0) {
        *err = str_printf("cannot replace %s: %s", path, strerror(errno));
        goto out;
    }
    rc = 0;
out:
    if (f)
        fclose(f);
    if (rc < 0 && tmp)
        unlink(tmp);
    free(tmp);
    free(dir);
    return rc;
}

char *settings_component(const struct cardx_settings *s)
{
    const char *at;

    if (s->component)
        return strdup(s->component);
    if (!s->jid)
        return NULL;
    at = strchr(s->jid, '@');
    return at ? str_printf(SETTINGS_COMPONENT_PREFIX "%s", at + 1) : NULL;
}

char *settings_store_path(const struct cardx_settings *s, char **err)
{
    char *path;

    *err = NULL;
    if (!s->data_dir) {
        *err = str_printf("no data directory");
        return NULL;
    }
    if (make_dirs(s->data_dir, err) < 0)
        return NULL;
    path = str_printf("%s/%s", s->data_dir, SETTINGS_STORE_NAME);
    if (!path)
        *err = str_printf("out of memory");
    return path;
}
