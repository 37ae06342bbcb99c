/* vCard text export: one card as vCard 4.0, escaped and folded. */
#include "card/vcardtext.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "card/vcard_int.h"
#include "card/vcardtext_int.h"

/* RFC 6350 3.2: lines longer than this many octets are folded. */
#define FOLD_OCTETS 75

/* The members of f that kind k sets, compared between a and b. */
static int kind_equal(enum vcardtext_kind k, const struct vcard_fields *a,
                      const struct vcard_fields *b)
{
    static const char *const members[NKINDS][2] = {
        {"name"},  {"family", "given"}, {"phone"}, {"email"}, {"org"},
        {"title"}, {"address"},         {"url"},   {"note"}};

    for (int i = 0; i < 2 && members[k][i]; i++) {
        if (!vcard_same_value(vcard_fields_get(a, members[k][i]),
                              vcard_fields_get(b, members[k][i])))
            return 0;
    }
    return 1;
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
 * Returns 1 when found, 0 when not, or CX_ENOMEM. */
static int find_src(const char *src, enum vcardtext_kind k,
                    struct vcardtext_prop *p)
{
    const char *why;

    while (src && *src) {
        size_t n = strcspn(src, "\n");
        memset(p, 0, sizeof(*p));
        p->line = strndup(src, n);
        if (!p->line)
            return CX_ENOMEM;
        if (vcardtext_prop_split(p, &why) == 0 &&
            vcardtext_kind_of(p) == (int)k)
            return 1;
        free(p->line);
        p->line = NULL;
        src += n + (src[n] ? 1 : 0);
    }
    return 0;
}

/* The whole logical line of kind k for fields f, as vcardtext_write makes
 * it; N and ORG keep the components of src (may be NULL) that f lacks. */
static void put_canonical(FILE *line, enum vcardtext_kind k,
                          const struct vcard_fields *f,
                          const struct vcardtext_prop *src)
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
        tail = src ? vcardtext_component_at(src->value, 2) : NULL;
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
        tail = src ? vcardtext_component_at(src->value, 1) : NULL;
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
        fprintf(line, "%s:", vcardtext_kind_props[k]);
        put_escaped(line,
                    k == K_EMAIL   ? f->email
                    : k == K_TITLE ? f->title
                                   : f->note,
                    0);
        break;
    }
}

/* Whether f has a value for kind k. */
static int kind_set(enum vcardtext_kind k, const struct vcard_fields *f)
{
    const char *v[NKINDS] = {f->name,  f->family,  f->phone, f->email, f->org,
                             f->title, f->address, f->url,   f->note};

    return v[k] || (k == K_N && f->given) || k == K_FN;
}

/* Writes the line of kind k: the source line while the field is unchanged,
 * else a fresh one when the field is set. 0 or CX_ENOMEM. */
static int write_kind(FILE *out, enum vcardtext_kind k,
                      const struct vcardtext_card *c)
{
    struct vcardtext_prop sp;
    struct vcard_fields was = {0};
    char *line = NULL;
    size_t len = 0;
    FILE *mem;
    int found = find_src(c->src, k, &sp), verbatim = 0, rc = 0;

    if (found < 0)
        return found;
    if (found) {
        rc = vcardtext_prop_fields(&sp, k, &was);
        verbatim = rc == 0 && kind_equal(k, &was, &c->f);
        vcard_fields_clear(&was);
    }
    if (rc == 0 && verbatim) {
        put_folded(out, sp.line, strlen(sp.line));
    } else if (rc == 0 && kind_set(k, &c->f)) {
        mem = open_memstream(&line, &len);
        if (!mem) {
            rc = CX_ENOMEM;
        } else {
            put_canonical(mem, k, &c->f, found ? &sp : NULL);
            rc = fclose(mem) == 0 ? 0 : CX_ENOMEM;
        }
        if (rc == 0)
            put_folded(out, line, len);
        free(line);
    }
    if (found)
        free(sp.line);
    return rc;
}

/* Removes from the "\n"-separated lines s every control character a
 * content line cannot hold (C0 but TAB, DEL, C1): import refuses them, but
 * a card stored before it did may still carry some. */
static void strip_controls(char *s)
{
    unsigned char *r = (unsigned char *)s, *w = r;

    for (; r && *r; r++) {
        if (*r == 0xC2 && r[1] >= 0x80 && r[1] <= 0x9F)
            r++;
        else if ((*r >= 0x20 || *r == '\t' || *r == '\n') && *r != 0x7F)
            *w++ = *r;
    }
    if (w)
        *w = '\0';
}

char *vcardtext_write(const struct vcardtext_card *dirty)
{
    struct vcardtext_card c = {0};
    char *text = NULL;
    size_t len = 0;
    FILE *out;
    int rc = vcardtext_card_copy(&c, dirty); /* copying cleans the fields */

    if (rc != 0)
        return NULL;
    strip_controls(c.extra);
    strip_controls(c.src);
    out = open_memstream(&text, &len);
    if (!out) {
        vcardtext_card_clear(&c);
        return NULL;
    }
    fputs("BEGIN:VCARD\r\nVERSION:4.0\r\n", out);
    for (int k = 0; k < NKINDS && rc == 0; k++)
        rc = write_kind(out, (enum vcardtext_kind)k, &c);
    put_lines(out, c.extra);
    fputs("END:VCARD\r\n", out);
    if (ferror(out))
        rc = CX_ENOMEM;
    if (fclose(out) != 0 || rc != 0) {
        free(text);
        text = NULL;
    }
    vcardtext_card_clear(&c);
    return text;
}
