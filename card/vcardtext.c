/* vCard text import: unfolding lines, collecting properties into cards. */
#include "card/vcardtext.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "card/vcard_int.h"
#include "card/vcardtext_int.h"
#include "common/util.h"

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

/* Why line (valid UTF-8) is refused for a control character, or NULL.
 * RFC 6350 allows none in a content line but TAB; a line break inside a
 * value is written \n. A bare CR is worded apart: other readers take it
 * for a line end, so the card would not mean the same to them. */
static const char *control_why(const unsigned char *s)
{
    for (; *s; s++) {
        if (*s == '\r')
            return "carriage return without line feed";
        if ((*s < 0x20 && *s != '\t') || *s == 0x7F ||
            (*s == 0xC2 && s[1] >= 0x80 && s[1] <= 0x9F))
            return "control character";
    }
    return NULL;
}

/* Reads physical lines of text, joining folded ones. */
struct reader {
    const char *pos;
    int lineno; /* of the last physical line read */
};

/* The next logical line (malloc'd, without its line end) into *line and the
 * number of its first physical line into *first. Returns 1, 0 at the end,
 * or CX_ENOMEM. */
static int next_line(struct reader *r, char **line, int *first)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *mem;

    if (!*r->pos)
        return 0;
    mem = open_memstream(&buf, &len);
    if (!mem)
        return CX_ENOMEM;
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
        return CX_ENOMEM;
    }
    *line = buf;
    return 1;
}

/* The card being read: its content lines in order. */
struct pending {
    struct vcardtext_prop *props;
    size_t n, cap;
};

static void pending_clear(struct pending *pc)
{
    for (size_t i = 0; i < pc->n; i++)
        free(pc->props[i].line);
    free(pc->props);
    memset(pc, 0, sizeof(*pc));
}

static int pending_add(struct pending *pc, const struct vcardtext_prop *p)
{
    if (pc->n == pc->cap) {
        size_t cap = pc->cap ? pc->cap * 2 : 16;
        struct vcardtext_prop *np = realloc(pc->props, cap * sizeof(*np));
        if (!np)
            return CX_ENOMEM;
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
        const struct vcardtext_prop *p = &pc->props[i];
        int k = vcardtext_kind_of(p), score;
        if (k < 0)
            continue;
        score = (p->value[0] ? 2 : 0) +
                vcardtext_preferred(p, (enum vcardtext_kind)k);
        if (score > best[k]) {
            best[k] = score;
            chosen[k] = (long)i;
        }
    }
}

/* Builds the card from the pending lines. */
static int card_build(const struct pending *pc, struct vcardtext_card *c)
{
    long chosen[NKINDS];
    char *bufs[2] = {NULL, NULL};
    size_t lens[2] = {0, 0};
    FILE *extra = open_memstream(&bufs[0], &lens[0]);
    FILE *src = open_memstream(&bufs[1], &lens[1]);
    int rc = extra && src ? 0 : CX_ENOMEM;

    choose(pc, chosen);
    for (size_t i = 0; i < pc->n && rc == 0; i++) {
        const struct vcardtext_prop *p = &pc->props[i];
        int k = vcardtext_kind_of(p);
        FILE *to = k >= 0 && chosen[k] == (long)i ? src : extra;
        if (vcardtext_prop_is(p, "VERSION"))
            continue;
        if (to == src)
            rc = vcardtext_prop_fields(p, (enum vcardtext_kind)k, &c->f);
        fprintf(to, "%s%s", ftell(to) > 0 ? "\n" : "", p->line);
    }
    if (extra && fclose(extra) != 0)
        rc = CX_ENOMEM;
    if (src && fclose(src) != 0)
        rc = CX_ENOMEM;
    if (rc == 0)
        rc = vcard_name_fallback(&c->f);
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

/* Records "line N: why" (just why when lineno is 0); returns code. */
static int fail(struct parse *ps, int code, int lineno, const char *why)
{
    if (ps->err && !*ps->err) {
        if (lineno > 0)
            *ps->err = str_printf("line %d: %s", lineno, why);
        else
            *ps->err = str_printf("%s", why);
    }
    return code;
}

static int frame_is(const struct vcardtext_prop *p, const char *name)
{
    const char *v = p->value;
    size_t len = strlen(v);

    while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t'))
        len--;
    return vcardtext_prop_is(p, name) && len == 5 &&
           strncasecmp(v, "VCARD", 5) == 0;
}

static int card_end(struct parse *ps, int lineno)
{
    struct vcardtext_card c = {0};
    int rc = card_build(&ps->pc, &c);

    pending_clear(&ps->pc);
    ps->in_card = 0;
    if (rc != 0)
        return fail(ps, CX_ENOMEM, lineno, "out of memory");
    rc = ps->fn ? ps->fn(ps->ud, &c) : 0;
    vcardtext_card_clear(&c);
    if (rc != 0)
        return fail(ps, CX_EINVAL, lineno, "card not accepted");
    ps->cards++;
    return 0;
}

/* Handles one logical line; takes ownership of line. */
static int parse_line(struct parse *ps, char *line, int lineno)
{
    struct vcardtext_prop p = {.line = line, .lineno = lineno};
    const char *why;

    if (!line[strspn(line, " \t\r")]) {
        free(line);
        return 0;
    }
    if (!utf8_valid((const unsigned char *)line)) {
        free(line);
        return fail(ps, CX_EINVAL, lineno, "invalid UTF-8");
    }
    if ((why = control_why((const unsigned char *)line)) != NULL) {
        free(line);
        return fail(ps, CX_EINVAL, lineno, why);
    }
    if (vcardtext_prop_split(&p, &why) != 0) {
        free(line);
        return fail(ps, CX_EINVAL, lineno,
                    ps->in_card ? why : "text outside BEGIN:VCARD..END:VCARD");
    }
    if (frame_is(&p, "BEGIN")) {
        free(line);
        if (ps->in_card)
            return fail(ps, CX_EINVAL, lineno, "END:VCARD missing");
        ps->in_card = 1;
        return 0;
    }
    if (frame_is(&p, "END")) {
        free(line);
        if (!ps->in_card)
            return fail(ps, CX_EINVAL, lineno, "END:VCARD without BEGIN:VCARD");
        return card_end(ps, lineno);
    }
    if (!ps->in_card) {
        free(line);
        return fail(ps, CX_EINVAL, lineno,
                    "text outside BEGIN:VCARD..END:VCARD");
    }
    if (pending_add(&ps->pc, &p) != 0) {
        free(line);
        return fail(ps, CX_ENOMEM, lineno, "out of memory");
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
            rc = fail(&ps, CX_ENOMEM, r.lineno + 1, "out of memory");
        else
            rc = parse_line(&ps, line, first);
    }
    if (rc == 0 && ps.in_card)
        rc = fail(&ps, CX_EINVAL, r.lineno, "END:VCARD missing");
    if (rc == 0 && ps.cards == 0)
        rc = fail(&ps, CX_EINVAL, 0, "no BEGIN:VCARD found");
    pending_clear(&ps.pc);
    return rc == 0 ? ps.cards : rc;
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
        return CX_ENOMEM;
    dst->extra = src->extra ? strdup(src->extra) : NULL;
    dst->src = src->src ? strdup(src->src) : NULL;
    if ((src->extra && !dst->extra) || (src->src && !dst->src)) {
        vcardtext_card_clear(dst);
        return CX_ENOMEM;
    }
    return 0;
}

xmpp_stanza_t *vcardtext_to_vcard_temp(xmpp_ctx_t *ctx,
                                       const struct vcardtext_card *c)
{
    return vcard_build(ctx, &c->f);
}
