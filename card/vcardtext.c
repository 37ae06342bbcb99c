/* vCard text (RFC 6350 4.0 and RFC 2426 3.0) import and export. */
#include "card/vcardtext.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* RFC 6350 3.2: lines longer than this many octets are folded. */
#define FOLD_OCTETS 75

/* The properties mapped onto fields, in the order vcardtext_write emits. */
enum kind {
    K_FN,
    K_N,
    K_TEL,
    K_EMAIL,
    K_ORG,
    K_TITLE,
    K_ADR,
    K_URL,
    K_NOTE,
    NKINDS
};

static const char *const kind_props[NKINDS] = {
    "FN", "N", "TEL", "EMAIL", "ORG", "TITLE", "ADR", "URL", "NOTE"};

/* One content line of a card, split in place: [group.]name[;params]:value */
struct prop {
    char *line;
    int lineno;
    const char *name;
    size_t name_len;
    const char *params; /* from the first ';' up to ':', or "" */
    size_t params_len;
    const char *value;
};

static int name_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/* Splits p->line; on error returns -1 with *why a static reason. */
static int prop_split(struct prop *p, const char **why)
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
        return -1;
    }
    while (*s && (*s != ':' || quoted)) {
        if (*s == '"')
            quoted = !quoted;
        s++;
    }
    if (!*s) {
        *why =
            quoted ? "unterminated quoted parameter" : "property without ':'";
        return -1;
    }
    if (p->name_len == 0) {
        *why = "property without a name";
        return -1;
    }
    p->params_len = (size_t)(s - p->params);
    p->value = s + 1;
    return 0;
}

static int prop_is(const struct prop *p, const char *name)
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
static int has_param(const struct prop *p, const char *key, const char *want)
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

/* Whether p is the preferred one among properties of its kind. */
static int preferred(const struct prop *p, enum kind k)
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

/* Start of component index of a ';'-structured value, or NULL. */
static const char *component_at(const char *v, int index)
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
 * is malloc'd. 0 or VCARD_ENOMEM. */
static int unescape(const char *v, int structured, char **out)
{
    char *buf = malloc(strlen(v) + 1), *d = buf;

    *out = NULL;
    if (!buf)
        return VCARD_ENOMEM;
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
    const char *c = component_at(v, index);

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
        return VCARD_ENOMEM;
    for (int i = 0; i < 7 && rc == 0; i++) {
        rc = component(v, i, &part);
        if (part)
            fprintf(mem, "%s%s", len ? ", " : "", part);
        fflush(mem);
        free(part);
    }
    if (fclose(mem) != 0)
        rc = VCARD_ENOMEM;
    if (rc == 0 && len > 0)
        *out = joined;
    else
        free(joined);
    return rc;
}

/* Sets the fields that property p of kind k carries into f. */
static int prop_fields(const struct prop *p, enum kind k,
                       struct vcard_fields *f)
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

/* The members of f that kind k sets, compared between a and b. */
static int kind_equal(enum kind k, const struct vcard_fields *a,
                      const struct vcard_fields *b)
{
    static const char *const members[NKINDS][2] = {
        {"name"},  {"family", "given"}, {"phone"}, {"email"}, {"org"},
        {"title"}, {"address"},         {"url"},   {"note"}};

    for (int i = 0; i < 2 && members[k][i]; i++) {
        const char *x = vcard_fields_get(a, members[k][i]);
        const char *y = vcard_fields_get(b, members[k][i]);
        if (x ? !y || strcmp(x, y) != 0 : y != NULL)
            return 0;
    }
    return 1;
}

static int kind_of(const struct prop *p)
{
    for (int k = 0; k < NKINDS; k++)
        if (prop_is(p, kind_props[k]))
            return k;
    return -1;
}

/* Rejects overlong forms, surrogates and code points past U+10FFFF. */
static int utf8_valid(const unsigned char *s)
{
    while (*s) {
        unsigned c = *s, n, cp;
        if (c < 0x80) {
            s++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            cp = c & 0x07;
        } else {
            return 0;
        }
        for (unsigned i = 1; i <= n; i++) {
            if ((s[i] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i] & 0x3F);
        }
        if ((n == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
            (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
            return 0;
        s += n + 1;
    }
    return 1;
}

/* Reads physical lines of text, joining folded ones. */
struct reader {
    const char *pos;
    int lineno; /* of the last physical line read */
};

/* The next logical line (malloc'd, without its line end) into *line and the
 * number of its first physical line into *first. Returns 1, 0 at the end,
 * or VCARD_ENOMEM. */
static int next_line(struct reader *r, char **line, int *first)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *mem;

    if (!*r->pos)
        return 0;
    mem = open_memstream(&buf, &len);
    if (!mem)
        return VCARD_ENOMEM;
    *first = r->lineno + 1;
    do {
        /* A continuation line's first white-space octet is the fold. */
        const char *p = r->pos + (r->lineno >= *first ? 1 : 0);
        const char *end = strchr(p, '\n');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        fwrite(p, 1, n > 0 && p[n - 1] == '\r' ? n - 1 : n, mem);
        r->pos = p + n + (end ? 1 : 0);
        r->lineno++;
    } while (*r->pos == ' ' || *r->pos == '\t');
    if (fclose(mem) != 0) {
        free(buf);
        return VCARD_ENOMEM;
    }
    *line = buf;
    return 1;
}

/* The card being read: its content lines in order. */
struct pending {
    struct prop *props;
    size_t n, cap;
};

static void pending_clear(struct pending *pc)
{
    for (size_t i = 0; i < pc->n; i++)
        free(pc->props[i].line);
    free(pc->props);
    memset(pc, 0, sizeof(*pc));
}

static int pending_add(struct pending *pc, const struct prop *p)
{
    if (pc->n == pc->cap) {
        size_t cap = pc->cap ? pc->cap * 2 : 16;
        struct prop *np = realloc(pc->props, cap * sizeof(*np));
        if (!np)
            return VCARD_ENOMEM;
        pc->props = np;
        pc->cap = cap;
    }
    pc->props[pc->n++] = *p;
    return 0;
}

/* For each kind, the index of the property that gives its field: one with
 * a value before an empty one, then the preferred type, then the first. */
static void choose(const struct pending *pc, long chosen[NKINDS])
{
    int best[NKINDS];

    for (int k = 0; k < NKINDS; k++) {
        chosen[k] = -1;
        best[k] = -1;
    }
    for (size_t i = 0; i < pc->n; i++) {
        const struct prop *p = &pc->props[i];
        int k = kind_of(p), score;
        if (k < 0)
            continue;
        score = (p->value[0] ? 2 : 0) + preferred(p, (enum kind)k);
        if (score > best[k]) {
            best[k] = score;
            chosen[k] = (long)i;
        }
    }
}

/* "GIVEN FAMILY" for a card without FN, as vcard_parse does. */
static int name_fallback(struct vcard_fields *f)
{
    if (f->name || (!f->given && !f->family))
        return 0;
    if (asprintf(&f->name, "%s%s%s", f->given ? f->given : "",
                 f->given && f->family ? " " : "",
                 f->family ? f->family : "") < 0) {
        f->name = NULL;
        return VCARD_ENOMEM;
    }
    return 0;
}

/* Builds the card from the pending lines. */
static int card_build(const struct pending *pc, struct vcardtext_card *c)
{
    long chosen[NKINDS];
    char *bufs[2] = {NULL, NULL};
    size_t lens[2] = {0, 0};
    FILE *extra = open_memstream(&bufs[0], &lens[0]);
    FILE *src = open_memstream(&bufs[1], &lens[1]);
    int rc = extra && src ? 0 : VCARD_ENOMEM;

    choose(pc, chosen);
    for (size_t i = 0; i < pc->n && rc == 0; i++) {
        const struct prop *p = &pc->props[i];
        int k = kind_of(p);
        FILE *to = k >= 0 && chosen[k] == (long)i ? src : extra;
        if (prop_is(p, "VERSION"))
            continue;
        if (to == src)
            rc = prop_fields(p, (enum kind)k, &c->f);
        fprintf(to, "%s%s", ftell(to) > 0 ? "\n" : "", p->line);
    }
    if (extra && fclose(extra) != 0)
        rc = VCARD_ENOMEM;
    if (src && fclose(src) != 0)
        rc = VCARD_ENOMEM;
    if (rc == 0)
        rc = name_fallback(&c->f);
    for (int i = 0; i < 2; i++) {
        if (rc == 0 && lens[i] > 0)
            *(i ? &c->src : &c->extra) = bufs[i];
        else
            free(bufs[i]);
    }
    if (rc != 0)
        vcardtext_card_clear(c);
    return rc;
}

/* Parser state across lines. */
struct parse {
    int (*fn)(void *ud, const struct vcardtext_card *c);
    void *ud;
    char **err;
    int in_card;
    int cards;
    struct pending pc;
};

/* Records "line N: why" (just why when lineno is 0); returns -1. */
static int fail(struct parse *ps, int lineno, const char *why)
{
    int n;

    if (ps->err && !*ps->err) {
        if (lineno > 0)
            n = asprintf(ps->err, "line %d: %s", lineno, why);
        else
            n = asprintf(ps->err, "%s", why);
        if (n < 0)
            *ps->err = NULL;
    }
    return -1;
}

static int frame_is(const struct prop *p, const char *name)
{
    const char *v = p->value;
    size_t len = strlen(v);

    while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t'))
        len--;
    return prop_is(p, name) && len == 5 && strncasecmp(v, "VCARD", 5) == 0;
}

static int card_end(struct parse *ps, int lineno)
{
    struct vcardtext_card c = {0};
    int rc = card_build(&ps->pc, &c);

    pending_clear(&ps->pc);
    ps->in_card = 0;
    if (rc != 0)
        return fail(ps, lineno, "out of memory");
    rc = ps->fn ? ps->fn(ps->ud, &c) : 0;
    vcardtext_card_clear(&c);
    if (rc != 0)
        return fail(ps, lineno, "card not accepted");
    ps->cards++;
    return 0;
}

/* Handles one logical line; takes ownership of line. */
static int parse_line(struct parse *ps, char *line, int lineno)
{
    struct prop p = {.line = line, .lineno = lineno};
    const char *why;

    if (!line[strspn(line, " \t\r")]) {
        free(line);
        return 0;
    }
    if (!utf8_valid((const unsigned char *)line)) {
        free(line);
        return fail(ps, lineno, "invalid UTF-8");
    }
    if (prop_split(&p, &why) != 0) {
        free(line);
        return fail(ps, lineno,
                    ps->in_card ? why : "text outside BEGIN:VCARD..END:VCARD");
    }
    if (frame_is(&p, "BEGIN")) {
        free(line);
        if (ps->in_card)
            return fail(ps, lineno, "END:VCARD missing");
        ps->in_card = 1;
        return 0;
    }
    if (frame_is(&p, "END")) {
        free(line);
        if (!ps->in_card)
            return fail(ps, lineno, "END:VCARD without BEGIN:VCARD");
        return card_end(ps, lineno);
    }
    if (!ps->in_card) {
        free(line);
        return fail(ps, lineno, "text outside BEGIN:VCARD..END:VCARD");
    }
    if (pending_add(&ps->pc, &p) != 0) {
        free(line);
        return fail(ps, lineno, "out of memory");
    }
    return 0;
}

int vcardtext_parse(const char *text,
                    int (*fn)(void *ud, const struct vcardtext_card *c),
                    void *ud, char **err)
{
    struct parse ps = {.fn = fn, .ud = ud, .err = err};
    struct reader r = {.pos = text ? text : ""};
    char *line;
    int first, got, rc = 0;

    if (err)
        *err = NULL;
    while (rc == 0 && (got = next_line(&r, &line, &first)) != 0) {
        if (got < 0)
            rc = fail(&ps, r.lineno + 1, "out of memory");
        else
            rc = parse_line(&ps, line, first);
    }
    if (rc == 0 && ps.in_card)
        rc = fail(&ps, r.lineno, "END:VCARD missing");
    if (rc == 0 && ps.cards == 0)
        rc = fail(&ps, 0, "no BEGIN:VCARD found");
    pending_clear(&ps.pc);
    return rc == 0 ? ps.cards : -1;
}

/* Writes s as an escaped TEXT value (RFC 6350 3.4); a URI keeps its commas
 * and semicolons. Line breaks of any kind become \n. */
static void put_escaped(FILE *out, const char *s, int uri)
{
    for (; s && *s; s++) {
        if (*s == '\r' || *s == '\n') {
            if (*s == '\r' && s[1] == '\n')
                s++;
            fputs("\\n", out);
        } else if (*s == '\\' || (!uri && (*s == ',' || *s == ';'))) {
            fputc('\\', out);
            fputc(*s, out);
        } else {
            fputc(*s, out);
        }
    }
}

/* Writes line (len octets) folded so no physical line exceeds FOLD_OCTETS,
 * never inside a UTF-8 sequence, each ended by CRLF. */
static void put_folded(FILE *out, const char *line, size_t len)
{
    size_t room = FOLD_OCTETS;

    while (len > room) {
        size_t cut = room;
        while (cut > 0 && ((unsigned char)line[cut] & 0xC0) == 0x80)
            cut--;
        if (cut == 0)
            cut = room; /* not UTF-8 after all: any cut will do */
        fwrite(line, 1, cut, out);
        fputs("\r\n ", out);
        line += cut;
        len -= cut;
        room = FOLD_OCTETS - 1; /* the leading space counts */
    }
    fwrite(line, 1, len, out);
    fputs("\r\n", out);
}

/* Writes every "\n"-separated line of lines folded. */
static void put_lines(FILE *out, const char *lines)
{
    while (lines && *lines) {
        size_t n = strcspn(lines, "\n");
        size_t len = n > 0 && lines[n - 1] == '\r' ? n - 1 : n;
        if (len > 0)
            put_folded(out, lines, len);
        lines += n + (lines[n] ? 1 : 0);
    }
}

/* The first line of src of kind k, split, into *p (p->line malloc'd).
 * Returns 1 when found, 0 when not, or VCARD_ENOMEM. */
static int find_src(const char *src, enum kind k, struct prop *p)
{
    const char *why;

    while (src && *src) {
        size_t n = strcspn(src, "\n");
        memset(p, 0, sizeof(*p));
        p->line = strndup(src, n);
        if (!p->line)
            return VCARD_ENOMEM;
        if (prop_split(p, &why) == 0 && kind_of(p) == (int)k)
            return 1;
        free(p->line);
        p->line = NULL;
        src += n + (src[n] ? 1 : 0);
    }
    return 0;
}

/* The whole logical line of kind k for fields f, as vcardtext_write makes
 * it; N and ORG keep the components of src (may be NULL) that f lacks. */
static void put_canonical(FILE *line, enum kind k, const struct vcard_fields *f,
                          const struct prop *src)
{
    const char *tail;

    switch (k) {
    case K_FN:
        fputs("FN:", line);
        if (f->name) {
            put_escaped(line, f->name, 0);
        } else {
            put_escaped(line, f->given, 0);
            fputs(f->given && f->family ? " " : "", line);
            put_escaped(line, f->family, 0);
        }
        break;
    case K_N:
        tail = src ? component_at(src->value, 2) : NULL;
        fputs("N:", line);
        put_escaped(line, f->family, 0);
        fputc(';', line);
        put_escaped(line, f->given, 0);
        fprintf(line, ";%s", tail ? tail : ";;");
        break;
    case K_TEL:
        fputs("TEL;TYPE=cell:", line);
        put_escaped(line, f->phone, 0);
        break;
    case K_ORG:
        tail = src ? component_at(src->value, 1) : NULL;
        fputs("ORG:", line);
        put_escaped(line, f->org, 0);
        fprintf(line, "%s%s", tail ? ";" : "", tail ? tail : "");
        break;
    case K_ADR:
        fputs("ADR;TYPE=work:;;", line);
        put_escaped(line, f->address, 0);
        fputs(";;;;", line);
        break;
    case K_URL:
        fputs("URL:", line);
        put_escaped(line, f->url, 1);
        break;
    default: /* EMAIL, TITLE, NOTE: plain text */
        fprintf(line, "%s:", kind_props[k]);
        put_escaped(line,
                    k == K_EMAIL   ? f->email
                    : k == K_TITLE ? f->title
                                   : f->note,
                    0);
        break;
    }
}

/* Whether f has a value for kind k. */
static int kind_set(enum kind k, const struct vcard_fields *f)
{
    const char *v[NKINDS] = {f->name,  f->family,  f->phone, f->email, f->org,
                             f->title, f->address, f->url,   f->note};

    return v[k] || (k == K_N && f->given) || k == K_FN;
}

/* Writes the line of kind k: the source line while the field is unchanged,
 * else a fresh one when the field is set. 0 or VCARD_ENOMEM. */
static int write_kind(FILE *out, enum kind k, const struct vcardtext_card *c)
{
    struct prop sp;
    struct vcard_fields was = {0};
    char *line = NULL;
    size_t len = 0;
    FILE *mem;
    int found = find_src(c->src, k, &sp), verbatim = 0, rc = 0;

    if (found < 0)
        return found;
    if (found) {
        rc = prop_fields(&sp, k, &was);
        verbatim = rc == 0 && kind_equal(k, &was, &c->f);
        vcard_fields_clear(&was);
    }
    if (rc == 0 && verbatim) {
        put_folded(out, sp.line, strlen(sp.line));
    } else if (rc == 0 && kind_set(k, &c->f)) {
        mem = open_memstream(&line, &len);
        if (!mem) {
            rc = VCARD_ENOMEM;
        } else {
            put_canonical(mem, k, &c->f, found ? &sp : NULL);
            rc = fclose(mem) == 0 ? 0 : VCARD_ENOMEM;
        }
        if (rc == 0)
            put_folded(out, line, len);
        free(line);
    }
    if (found)
        free(sp.line);
    return rc;
}

char *vcardtext_write(const struct vcardtext_card *c)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    int rc = out ? 0 : VCARD_ENOMEM;

    if (rc != 0)
        return NULL;
    fputs("BEGIN:VCARD\r\nVERSION:4.0\r\n", out);
    for (int k = 0; k < NKINDS && rc == 0; k++)
        rc = write_kind(out, (enum kind)k, c);
    put_lines(out, c->extra);
    fputs("END:VCARD\r\n", out);
    if (ferror(out))
        rc = VCARD_ENOMEM;
    if (fclose(out) != 0 || rc != 0) {
        free(text);
        return NULL;
    }
    return text;
}

void vcardtext_card_clear(struct vcardtext_card *c)
{
    if (!c)
        return;
    vcard_fields_clear(&c->f);
    free(c->extra);
    free(c->src);
    memset(c, 0, sizeof(*c));
}

int vcardtext_card_copy(struct vcardtext_card *dst,
                        const struct vcardtext_card *src)
{
    vcardtext_card_clear(dst);
    if (vcard_fields_copy(&dst->f, &src->f) != 0)
        return VCARD_ENOMEM;
    dst->extra = src->extra ? strdup(src->extra) : NULL;
    dst->src = src->src ? strdup(src->src) : NULL;
    if ((src->extra && !dst->extra) || (src->src && !dst->src)) {
        vcardtext_card_clear(dst);
        return VCARD_ENOMEM;
    }
    return 0;
}

xmpp_stanza_t *vcardtext_to_vcard_temp(xmpp_ctx_t *ctx,
                                       const struct vcardtext_card *c)
{
    return vcard_build(ctx, &c->f);
}
