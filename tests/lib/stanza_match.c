/* A small path matcher over libstrophe stanzas for scenario tests: a stanza
 * in, an XPath-like question out, and the stanza as XML when it fails. */
#include "tests/lib/stanza_match.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Limits of one path: far beyond what a test writes. */
#define MATCH_STEPS 16
#define MATCH_PREDS 8

/* A piece of the path string (not terminated). */
struct span {
    const char *p;
    size_t n;
};

enum pred_kind { PRED_HAS_ATTR, PRED_ATTR_EQ, PRED_NS_EQ, PRED_TEXT_EQ };

struct pred {
    enum pred_kind kind;
    struct span name;  /* the attribute */
    struct span value; /* what it, the namespace or the text must equal */
};

struct step {
    struct span ns;   /* p NULL: any namespace */
    struct span name; /* "*": any name */
    struct pred preds[MATCH_PREDS];
    int npreds;
};

struct path {
    struct step steps[MATCH_STEPS];
    int nsteps;
};

static int span_is(struct span s, const char *str)
{
    return str && strlen(str) == s.n && memcmp(str, s.p, s.n) == 0;
}

/* Reads a run of characters up to one of stops (or the end) into out. */
static const char *match_scan(const char *p, const char *stops,
                              struct span *out)
{
    out->p = p;
    while (*p && !strchr(stops, *p))
        p++;
    out->n = (size_t)(p - out->p);
    return p;
}

/* Reads a quoted value ('…' or "…"); NULL when malformed. */
static const char *match_quoted(const char *p, struct span *out)
{
    char q = *p;
    const char *end;

    if (q != '\'' && q != '"')
        return NULL;
    end = strchr(p + 1, q);
    if (!end)
        return NULL;
    out->p = p + 1;
    out->n = (size_t)(end - out->p);
    return end + 1;
}

/* Parses one "[…]" after its '['; NULL when malformed. */
static const char *match_pred(const char *p, struct pred *pr)
{
    if (strncmp(p, "text()=", 7) == 0) {
        pr->kind = PRED_TEXT_EQ;
        p = match_quoted(p + 7, &pr->value);
    } else if (*p == '@') {
        p = match_scan(p + 1, "=]", &pr->name);
        if (pr->name.n == 0)
            return NULL;
        pr->kind = PRED_HAS_ATTR;
        if (*p == '=') {
            pr->kind = span_is(pr->name, "xmlns") ? PRED_NS_EQ : PRED_ATTR_EQ;
            p = match_quoted(p + 1, &pr->value);
        }
    } else {
        return NULL;
    }
    return p && *p == ']' ? p + 1 : NULL;
}

/* Parses one step after its '/'; NULL when malformed. */
static const char *match_step(const char *p, struct step *st)
{
    memset(st, 0, sizeof(*st));
    if (*p == '{') {
        p = match_scan(p + 1, "}", &st->ns);
        if (*p != '}')
            return NULL;
        p++;
    }
    p = match_scan(p, "/[]{}@='\"", &st->name);
    if (st->name.n == 0)
        return NULL;
    while (*p == '[') {
        if (st->npreds == MATCH_PREDS)
            return NULL;
        p = match_pred(p + 1, &st->preds[st->npreds++]);
        if (!p)
            return NULL;
    }
    return p;
}

static int match_parse(const char *s, struct path *path)
{
    path->nsteps = 0;
    if (!s || *s != '/')
        return -1;
    while (*s == '/') {
        if (path->nsteps == MATCH_STEPS)
            return -1;
        s = match_step(s + 1, &path->steps[path->nsteps++]);
        if (!s)
            return -1;
    }
    return *s ? -1 : 0;
}

/* The element's own namespace, else the one it inherits. */
static const char *match_ns(xmpp_stanza_t *el, const char *inherited)
{
    const char *ns = xmpp_stanza_get_ns(el);

    return ns ? ns : inherited;
}

static int match_text_is(xmpp_stanza_t *el, struct span want)
{
    char *text = xmpp_stanza_get_text(el);
    int same = span_is(want, text ? text : "");

    if (text)
        xmpp_free(xmpp_stanza_get_context(el), text);
    return same;
}

static int match_pred_holds(xmpp_stanza_t *el, const char *ns,
                            const struct pred *pr)
{
    char attr[128];
    const char *value;

    switch (pr->kind) {
    case PRED_NS_EQ:
        return span_is(pr->value, ns);
    case PRED_TEXT_EQ:
        return match_text_is(el, pr->value);
    case PRED_HAS_ATTR:
    case PRED_ATTR_EQ:
        break;
    }
    if (pr->name.n >= sizeof(attr))
        return 0;
    memcpy(attr, pr->name.p, pr->name.n);
    attr[pr->name.n] = '\0';
    value = xmpp_stanza_get_attribute(el, attr);
    return pr->kind == PRED_HAS_ATTR ? value != NULL
                                     : span_is(pr->value, value);
}

static int match_step_holds(xmpp_stanza_t *el, const char *ns,
                            const struct step *st)
{
    if (!span_is(st->name, "*") && !span_is(st->name, xmpp_stanza_get_name(el)))
        return 0;
    if (st->ns.p && !span_is(st->ns, ns))
        return 0;
    for (int i = 0; i < st->npreds; i++)
        if (!match_pred_holds(el, ns, &st->preds[i]))
            return 0;
    return 1;
}

/* The first element, depth first, at which steps i.. end when they start
 * at el (whose parent's namespace is inherited); NULL when none. */
static xmpp_stanza_t *match_from(xmpp_stanza_t *el, const char *inherited,
                                 const struct path *path, int i)
{
    const char *ns;

    if (!xmpp_stanza_is_tag(el))
        return NULL;
    ns = match_ns(el, inherited);
    if (!match_step_holds(el, ns, &path->steps[i]))
        return NULL;
    if (i == path->nsteps - 1)
        return el;
    for (xmpp_stanza_t *c = xmpp_stanza_get_children(el); c;
         c = xmpp_stanza_get_next(c)) {
        xmpp_stanza_t *end = match_from(c, ns, path, i + 1);

        if (end)
            return end;
    }
    return NULL;
}

/* The element path ends at in st; NULL when none. *bad tells a malformed
 * path from no match. */
static xmpp_stanza_t *match_find(xmpp_stanza_t *st, const char *s, int *bad)
{
    struct path path;

    *bad = match_parse(s, &path) != 0;
    if (*bad || !st)
        return NULL;
    return match_from(st, NULL, &path, 0);
}

int stanza_match(xmpp_stanza_t *st, const char *path)
{
    int bad;
    xmpp_stanza_t *end = match_find(st, path, &bad);

    if (bad)
        return -1;
    return end != NULL;
}

/* The value of attribute attr of the first element path[0..n) reaches
 * that has it; NULL when none. */
static char *match_attr(xmpp_stanza_t *st, const char *path, size_t n,
                        const char *attr)
{
    char with[1024];
    xmpp_stanza_t *end;
    int bad;

    /* "[@attr]" on the last step: the first element that has it. */
    if (snprintf(with, sizeof(with), "%.*s[@%s]", (int)n, path, attr) >=
        (int)sizeof(with))
        return NULL;
    end = match_find(st, with, &bad);
    return end ? strdup(xmpp_stanza_get_attribute(end, attr)) : NULL;
}

char *stanza_match_text(xmpp_stanza_t *st, const char *path)
{
    const char *last = path ? strrchr(path, '/') : NULL;
    xmpp_stanza_t *end;
    char *text, *copy;
    int bad;

    if (last && last[1] == '@')
        return match_attr(st, path, (size_t)(last - path), last + 2);
    end = match_find(st, path, &bad);
    if (!end)
        return NULL;
    text = xmpp_stanza_get_text(end);
    copy = strdup(text ? text : "");
    if (text)
        xmpp_free(xmpp_stanza_get_context(end), text);
    return copy;
}

/* Writes st as XML to buf (truncated to len). */
static void match_print(xmpp_stanza_t *st, char *buf, size_t len)
{
    char *xml = NULL;
    size_t n = 0;

    if (!st) {
        snprintf(buf, len, "(no stanza)");
    } else if (xmpp_stanza_to_text(st, &xml, &n) != XMPP_EOK || !xml) {
        snprintf(buf, len, "(stanza not printable)");
    } else {
        snprintf(buf, len, "%s", xml);
        xmpp_free(xmpp_stanza_get_context(st), xml);
    }
}

int stanza_vmismatch(xmpp_stanza_t *st, char *why, size_t len, const char *fmt,
                     va_list ap)
{
    char path[1024], xml[STANZA_WHY_MAX];
    int rc;

    vsnprintf(path, sizeof(path), fmt, ap);
    rc = stanza_match(st, path);
    if (rc == 1)
        return 0;
    match_print(st, xml, sizeof(xml));
    snprintf(why, len, "%s %s\n  in %s", path,
             rc < 0 ? "is not a valid path" : "does not match", xml);
    return -1;
}

int stanza_mismatch(xmpp_stanza_t *st, char *why, size_t len, const char *fmt,
                    ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = stanza_vmismatch(st, why, len, fmt, ap);
    va_end(ap);
    return rc;
}
