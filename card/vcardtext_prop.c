/* vCard text content lines: splitting, parameters and field values. */
#include "card/vcardtext_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *const vcardtext_kind_props[NKINDS] = {
    "FN", "N", "TEL", "EMAIL", "ORG", "TITLE", "ADR", "URL", "NOTE"};

static int name_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '_';
}

int vcardtext_prop_split(struct vcardtext_prop *p, const char **why)
{
    const char *s = p->line, *start = s;
    int quoted = 0;

    while (name_char(*s) || *s == '.') {
        if (*s == '.')
            start = s + 1; /* everything before the last dot is a group */
        s++;
    }
    p->name = start;
    p->name_len = (size_t)(s - start);
    p->params = s;
    if (*s != ';' && *s != ':') {
        *why = strchr(s, ':') ? "bad character in property name"
                              : "property without ':'";
        return CX_EINVAL;
    }
    while (*s && (*s != ':' || quoted)) {
        if (*s == '"')
            quoted = !quoted;
        s++;
    }
    if (!*s) {
        *why =
            quoted ? "unterminated quoted parameter" : "property without ':'";
        return CX_EINVAL;
    }
    if (p->name_len == 0) {
        *why = "property without a name";
        return CX_EINVAL;
    }
    p->params_len = (size_t)(s - p->params);
    p->value = s + 1;
    return 0;
}

int vcardtext_prop_is(const struct vcardtext_prop *p, const char *name)
{
    return strlen(name) == p->name_len &&
           strncasecmp(p->name, name, p->name_len) == 0;
}

/* True when a token of len bytes at s, quotes ignored, equals want. */
static int token_is(const char *s, size_t len, const char *want)
{
    size_t w = 0;

    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"')
            continue;
        if (!want[w] ||
            tolower((unsigned char)s[i]) != tolower((unsigned char)want[w]))
            return 0;
        w++;
    }
    return want[w] == '\0';
}

/* True when a parameter key (any case) has want among its comma-separated
 * values, or exists at all when want is NULL. For TYPE the bare parameters
 * of vCard 2.1/3.0 ("TEL;CELL:") count too. */
static int has_param(const struct vcardtext_prop *p, const char *key,
                     const char *want)
{
    const char *s = p->params, *end = p->params + p->params_len;

    while (s < end) {
        const char *tok = ++s, *eq = NULL, *v;
        int quoted = 0;
        while (s < end && (*s != ';' || quoted)) {
            quoted ^= *s == '"';
            if (*s == '=' && !eq && !quoted)
                eq = s;
            s++;
        }
        if (!eq) {
            if (strcasecmp(key, "TYPE") == 0 && want &&
                token_is(tok, (size_t)(s - tok), want))
                return 1;
            continue;
        }
        if (!token_is(tok, (size_t)(eq - tok), key))
            continue;
        if (!want)
            return 1;
        for (v = eq + 1; v <= s; v++) {
            const char *vend = v;
            while (vend < s && *vend != ',')
                vend++;
            if (token_is(v, (size_t)(vend - v), want))
                return 1;
            v = vend;
        }
    }
    return 0;
}

int vcardtext_preferred(const struct vcardtext_prop *p, enum vcardtext_kind k)
{
    switch (k) {
    case K_TEL:
        return has_param(p, "TYPE", "cell");
    case K_EMAIL:
        return has_param(p, "TYPE", "pref") || has_param(p, "PREF", NULL);
    case K_ADR:
        return has_param(p, "TYPE", "work");
    default:
        return 0;
    }
}

const char *vcardtext_component_at(const char *v, int index)
{
    for (; index > 0 && *v; v++) {
        if (*v == '\\' && v[1])
            v++;
        else if (*v == ';')
            index--;
    }
    return index == 0 ? v : NULL;
}

/* The text from v up to an unescaped ';' (when structured) or the end with
 * the RFC 6350 escapes \\ \; \, \n \N decoded, or NULL when it is empty. *out
 * is malloc'd. 0 or CX_ENOMEM. */
static int unescape(const char *v, int structured, char **out)
{
    char *buf = malloc(strlen(v) + 1), *d = buf;

    *out = NULL;
    if (!buf)
        return CX_ENOMEM;
    for (; *v && !(structured && *v == ';'); v++) {
        if (*v == '\\' && v[1] && strchr("\\;,nN", v[1])) {
            v++;
            *d++ = (*v == 'n' || *v == 'N') ? '\n' : *v;
        } else {
            *d++ = *v; /* an unknown escape is kept as it was written */
        }
    }
    *d = '\0';
    if (d == buf)
        free(buf);
    else
        *out = buf;
    return 0;
}

/* Component index of structured value v, unescaped (NULL when missing). */
static int component(const char *v, int index, char **out)
{
    const char *c = vcardtext_component_at(v, index);

    if (!c) {
        *out = NULL;
        return 0;
    }
    return unescape(c, 1, out);
}

/* The ADR components that are not empty, joined with ", ". */
static int adr_join(const char *v, char **out)
{
    char *joined = NULL, *part;
    size_t len = 0;
    int rc = 0;
    FILE *mem = open_memstream(&joined, &len);

    *out = NULL;
    if (!mem)
        return CX_ENOMEM;
    for (int i = 0; i < 7 && rc == 0; i++) {
        rc = component(v, i, &part);
        if (part)
            fprintf(mem, "%s%s", len ? ", " : "", part);
        fflush(mem);
        free(part);
    }
    if (fclose(mem) != 0)
        rc = CX_ENOMEM;
    if (rc == 0 && len > 0)
        *out = joined;
    else
        free(joined);
    return rc;
}

/* The members of f that property p of kind k carries, unescaped. */
static int prop_fields_raw(const struct vcardtext_prop *p,
                           enum vcardtext_kind k, struct vcard_fields *f)
{
    int rc;

    switch (k) {
    case K_FN:
        return unescape(p->value, 0, &f->name);
    case K_N:
        rc = component(p->value, 0, &f->family);
        return rc ? rc : component(p->value, 1, &f->given);
    case K_TEL:
        rc = unescape(strncasecmp(p->value, "tel:", 4) == 0 ? p->value + 4
                                                            : p->value,
                      0, &f->phone);
        return rc;
    case K_EMAIL:
        return unescape(p->value, 0, &f->email);
    case K_ORG:
        return component(p->value, 0, &f->org);
    case K_TITLE:
        return unescape(p->value, 0, &f->title);
    case K_ADR:
        return adr_join(p->value, &f->address);
    case K_URL:
        return unescape(p->value, 0, &f->url);
    case K_NOTE:
        return unescape(p->value, 0, &f->note);
    default:
        return 0;
    }
}

int vcardtext_prop_fields(const struct vcardtext_prop *p, enum vcardtext_kind k,
                          struct vcard_fields *f)
{
    int rc = prop_fields_raw(p, k, f);

    vcard_fields_clean(f); /* a \n escape in a one-line field, spaces */
    return rc;
}

int vcardtext_kind_of(const struct vcardtext_prop *p)
{
    for (int k = 0; k < NKINDS; k++)
        if (vcardtext_prop_is(p, vcardtext_kind_props[k]))
            return k;
    return -1;
}
