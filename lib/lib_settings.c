/* libcardx's settings: what the application sets for one account (no
 * files, no environment: those are the application's). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/lib_int.h"

#define PORT_MAX 65535

cardx_settings *cardx_settings_new(void)
{
    cardx_settings *s = calloc(1, sizeof(*s));

    if (!s)
        return NULL;
    s->tls = 1;
    s->available = 1;
    s->timeout_ms = LIB_DEFAULT_TIMEOUT_MS;
    return s;
}

static void wipe_free(char *p)
{
    if (p) {
        explicit_bzero(p, strlen(p));
        free(p);
    }
}

void cardx_settings_free(cardx_settings *s)
{
    if (!s)
        return;
    free(s->jid);
    wipe_free(s->password);
    free(s->server);
    free(s->host);
    free(s->component);
    free(s->data_dir);
    free(s->cafile);
    free(s->lang);
    free(s->locale_dir);
    free(s);
}

/* Replaces *dst with a copy of value (NULL or "" unsets). */
static int set_string(char **dst, const char *value, int secret)
{
    char *copy = NULL;

    if (value && value[0] && !(copy = strdup(value)))
        return CARDX_E_NOMEM;
    if (secret)
        wipe_free(*dst);
    else
        free(*dst);
    *dst = copy;
    return CARDX_OK;
}

/* "HOST", "HOST:PORT" or "[V6ADDR]:PORT" into host and port (0: none). */
static int split_server(const char *v, char **host, int *port)
{
    const char *colon, *end;
    char *stop;
    long p = 0;

    if (v[0] == '[') {
        end = strchr(v, ']');
        if (!end || end == v + 1 || (end[1] && end[1] != ':'))
            return CARDX_E_INVAL;
        colon = end[1] ? end + 1 : NULL;
        v++;
    } else {
        colon = strrchr(v, ':');
        if (colon && strchr(v, ':') != colon)
            return CARDX_E_INVAL; /* a bare IPv6 address needs brackets */
        end = colon ? colon : v + strlen(v);
    }
    if (end == v)
        return CARDX_E_INVAL;
    if (colon) {
        errno = 0;
        p = strtol(colon + 1, &stop, 10);
        if (errno || *stop || colon[1] == '\0' || p < 1 || p > PORT_MAX)
            return CARDX_E_INVAL;
    }
    *host = strndup(v, (size_t)(end - v));
    *port = (int)p;
    return *host ? CARDX_OK : CARDX_E_NOMEM;
}

static int set_server(cardx_settings *s, const char *value)
{
    char *host = NULL;
    int port = 0, rc;

    if (value && value[0]) {
        rc = split_server(value, &host, &port);
        if (rc != CARDX_OK)
            return rc;
    }
    rc = set_string(&s->server, value, 0);
    if (rc != CARDX_OK) {
        free(host);
        return rc;
    }
    free(s->host);
    s->host = host;
    s->port = port;
    return CARDX_OK;
}

static int set_timeout(cardx_settings *s, const char *value)
{
    char *end;
    long v;

    if (!value || !value[0]) {
        s->timeout_ms = LIB_DEFAULT_TIMEOUT_MS;
        return CARDX_OK;
    }
    errno = 0;
    v = strtol(value, &end, 10);
    if (errno || *end || v <= 0 || v > INT_MAX)
        return CARDX_E_INVAL;
    s->timeout_ms = (int)v;
    return CARDX_OK;
}

/* "yes" (also unset) or "no" into *flag. */
static int set_yes_no(int *flag, const char *value)
{
    if (!value || !value[0] || strcmp(value, "yes") == 0)
        *flag = 1;
    else if (strcmp(value, "no") == 0)
        *flag = 0;
    else
        return CARDX_E_INVAL;
    return CARDX_OK;
}

static int set_tls(cardx_settings *s, const char *value)
{
    return set_yes_no(&s->tls, value);
}

/* A language tag as xml:lang takes it: letters, digits and hyphens,
 * starting with a letter. */
static int set_lang(cardx_settings *s, const char *value)
{
    size_t n = value ? strlen(value) : 0;

    if (n > LIB_LANG_MAX ||
        (n > 0 &&
         (strspn(value, "abcdefghijklmnopqrstuvwxyz"
                        "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != n ||
          !strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
                  value[0]))))
        return CARDX_E_INVAL;
    return set_string(&s->lang, value, 0);
}

int cardx_settings_set(cardx_settings *s, const char *key, const char *value)
{
    if (!s || !key)
        return CARDX_E_INVAL;
    if (strcmp(key, "jid") == 0) {
        if (value && value[0] &&
            (!strchr(value, '@') || strchr(value, '/') || value[0] == '@'))
            return CARDX_E_INVAL;
        return set_string(&s->jid, value, 0);
    }
    if (strcmp(key, "password") == 0)
        return set_string(&s->password, value, 1);
    if (strcmp(key, "server") == 0)
        return set_server(s, value);
    if (strcmp(key, "component") == 0)
        return set_string(&s->component, value, 0);
    if (strcmp(key, "data_dir") == 0)
        return set_string(&s->data_dir, value, 0);
    if (strcmp(key, "cafile") == 0)
        return set_string(&s->cafile, value, 0);
    if (strcmp(key, "tls") == 0)
        return set_tls(s, value);
    if (strcmp(key, "timeout_ms") == 0)
        return set_timeout(s, value);
    if (strcmp(key, "available") == 0)
        return set_yes_no(&s->available, value);
    if (strcmp(key, "lang") == 0)
        return set_lang(s, value);
    if (strcmp(key, "locale_dir") == 0)
        return set_string(&s->locale_dir, value, 0);
    return CARDX_E_NOTFOUND;
}

const char *cardx_settings_get(const cardx_settings *s, const char *key)
{
    if (!s || !key)
        return NULL;
    if (strcmp(key, "jid") == 0)
        return s->jid;
    if (strcmp(key, "server") == 0)
        return s->server;
    if (strcmp(key, "component") == 0)
        return s->component;
    if (strcmp(key, "data_dir") == 0)
        return s->data_dir;
    if (strcmp(key, "cafile") == 0)
        return s->cafile;
    if (strcmp(key, "tls") == 0)
        return s->tls ? "yes" : "no";
    if (strcmp(key, "available") == 0)
        return s->available ? "yes" : "no";
    if (strcmp(key, "lang") == 0)
        return s->lang;
    if (strcmp(key, "locale_dir") == 0)
        return s->locale_dir;
    if (strcmp(key, "timeout_ms") == 0) {
        /* The buffer is the settings' own: a const object's scratch. */
        char *buf = ((cardx_settings *)s)->timeout_text;

        snprintf(buf, sizeof(s->timeout_text), "%d", s->timeout_ms);
        return buf;
    }
    return NULL;
}

static int copy_field(char **dst, const char *src)
{
    *dst = src ? strdup(src) : NULL;
    return src && !*dst ? -1 : 0;
}

cardx_settings *lib_settings_copy(const cardx_settings *s)
{
    cardx_settings *d = cardx_settings_new();

    if (!d)
        return NULL;
    d->port = s->port;
    d->tls = s->tls;
    d->available = s->available;
    d->timeout_ms = s->timeout_ms;
    if (copy_field(&d->jid, s->jid) < 0 ||
        copy_field(&d->password, s->password) < 0 ||
        copy_field(&d->server, s->server) < 0 ||
        copy_field(&d->host, s->host) < 0 ||
        copy_field(&d->component, s->component) < 0 ||
        copy_field(&d->data_dir, s->data_dir) < 0 ||
        copy_field(&d->cafile, s->cafile) < 0 ||
        copy_field(&d->lang, s->lang) < 0 ||
        copy_field(&d->locale_dir, s->locale_dir) < 0) {
        cardx_settings_free(d);
        return NULL;
    }
    return d;
}

char *lib_settings_component(const cardx_settings *s)
{
    const char *at;
    char *out;

    if (s->component)
        return strdup(s->component);
    at = s->jid ? strchr(s->jid, '@') : NULL;
    if (!at)
        return NULL;
    if (asprintf(&out, "%s%s", LIB_COMPONENT_PREFIX, at + 1) < 0)
        return NULL;
    return out;
}
