/* The business-card field model and vcard-temp (XEP-0054) stanzas. */
#include "card/vcard.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xep/ns.h"
#include "xep/stanza.h"

#define NFIELDS 10

static const char *const field_names[NFIELDS + 1] = {
    "name",  "given",   "family", "phone", "email", "org",
    "title", "address", "url",    "note",  NULL};

static const size_t field_offsets[NFIELDS] = {
    offsetof(struct vcard_fields, name),
    offsetof(struct vcard_fields, given),
    offsetof(struct vcard_fields, family),
    offsetof(struct vcard_fields, phone),
    offsetof(struct vcard_fields, email),
    offsetof(struct vcard_fields, org),
    offsetof(struct vcard_fields, title),
    offsetof(struct vcard_fields, address),
    offsetof(struct vcard_fields, url),
    offsetof(struct vcard_fields, note),
};

_Static_assert(sizeof(struct vcard_fields) == NFIELDS * sizeof(char *),
               "field tables must list every member");

static char **slot_at(struct vcard_fields *f, size_t i)
{
    return (char **)((char *)f + field_offsets[i]);
}

static int field_index(const char *field)
{
    for (int i = 0; field && i < NFIELDS; i++)
        if (strcmp(field_names[i], field) == 0)
            return i;
    return -1;
}

static int same_value(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}

void vcard_fields_clear(struct vcard_fields *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < NFIELDS; i++)
        free(*slot_at(f, i));
    memset(f, 0, sizeof(*f));
}

int vcard_fields_set(struct vcard_fields *f, const char *field,
                     const char *value)
{
    int i = field_index(field);
    char *copy = NULL;

    if (i < 0)
        return -1;
    if (value && *value) {
        copy = strdup(value);
        if (!copy)
            return VCARD_ENOMEM;
    }
    free(*slot_at(f, i));
    *slot_at(f, i) = copy;
    return 0;
}

const char *vcard_fields_get(const struct vcard_fields *f, const char *field)
{
    int i = field_index(field);

    if (i < 0)
        return NULL;
    return *slot_at((struct vcard_fields *)f, i);
}

int vcard_fields_copy(struct vcard_fields *dst, const struct vcard_fields *src)
{
    vcard_fields_clear(dst);
    for (int i = 0; i < NFIELDS; i++) {
        if (vcard_fields_set(dst, field_names[i],
                             vcard_fields_get(src, field_names[i])) != 0) {
            vcard_fields_clear(dst);
            return VCARD_ENOMEM;
        }
    }
    return 0;
}

int vcard_fields_equal(const struct vcard_fields *a,
                       const struct vcard_fields *b)
{
    for (int i = 0; i < NFIELDS; i++)
        if (!same_value(vcard_fields_get(a, field_names[i]),
                        vcard_fields_get(b, field_names[i])))
            return 0;
    return 1;
}

const char *const *vcard_field_names(void)
{
    return field_names;
}

int vcard_is_vcard(xmpp_stanza_t *stanza)
{
    const char *name, *ns;

    if (!stanza || !xmpp_stanza_is_tag(stanza))
        return 0;
    name = xmpp_stanza_get_name(stanza);
    ns = xmpp_stanza_get_ns(stanza);
    return name && ns && strcmp(name, "vCard") == 0 &&
           strcmp(ns, NS_VCARD) == 0;
}

/* A child in vcard-temp: libstrophe leaves ns NULL on children built in
 * code, while parsed ones carry the inherited xmlns. */
static int is_vcard_elem(xmpp_stanza_t *e, const char *name)
{
    const char *n, *ns;

    if (!xmpp_stanza_is_tag(e))
        return 0;
    n = xmpp_stanza_get_name(e);
    ns = xmpp_stanza_get_ns(e);
    return n && strcmp(n, name) == 0 && (!ns || strcmp(ns, NS_VCARD) == 0);
}

static xmpp_stanza_t *child_named(xmpp_stanza_t *parent, const char *name)
{
    xmpp_stanza_t *c;

    for (c = xmpp_stanza_get_children(parent); c; c = xmpp_stanza_get_next(c))
        if (is_vcard_elem(c, name))
            return c;
    return NULL;
}

static int has_tag_child(xmpp_stanza_t *e)
{
    xmpp_stanza_t *c;

    for (c = xmpp_stanza_get_children(e); c; c = xmpp_stanza_get_next(c))
        if (xmpp_stanza_is_tag(c))
            return 1;
    return 0;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The trimmed concatenation of e's direct text children into *out (NULL
 * when e is NULL or the text is blank). Returns 0 or VCARD_ENOMEM. */
static int elem_text(xmpp_stanza_t *e, char **out)
{
    xmpp_stanza_t *c;
    size_t len = 0, start = 0;
    char *buf;

    *out = NULL;
    for (c = e ? xmpp_stanza_get_children(e) : NULL; c;
         c = xmpp_stanza_get_next(c))
        if (xmpp_stanza_is_text(c))
            len += strlen(xmpp_stanza_get_text_ptr(c));
    if (len == 0)
        return 0;
    buf = malloc(len + 1);
    if (!buf)
        return VCARD_ENOMEM;
    len = 0;
    for (c = xmpp_stanza_get_children(e); c; c = xmpp_stanza_get_next(c)) {
        if (xmpp_stanza_is_text(c)) {
            const char *t = xmpp_stanza_get_text_ptr(c);
            size_t tlen = strlen(t);
            memcpy(buf + len, t, tlen);
            len += tlen;
        }
    }
    while (len > 0 && is_space(buf[len - 1]))
        len--;
    while (start < len && is_space(buf[start]))
        start++;
    buf[len] = '\0';
    if (start == len) {
        free(buf);
        return 0;
    }
    memmove(buf, buf + start, len - start + 1);
    *out = buf;
    return 0;
}

/* The text of e's child sub, or of e itself when sub is NULL. */
static int sub_text(xmpp_stanza_t *e, const char *sub, char **out)
{
    return elem_text(sub && e ? child_named(e, sub) : e, out);
}

/* ADR parts in the order of a postal address; CTRY last. */
static const char *const adr_parts[] = {
    "POBOX", "EXTADD", "STREET", "LOCALITY", "REGION", "PCODE", "CTRY", NULL};

/* The non-empty ADR parts joined with ", ". */
static int adr_text(xmpp_stanza_t *adr, const char *unused, char **out)
{
    char *joined = NULL, *part;
    size_t len = 0;
    FILE *mem;
    int rc = 0;

    (void)unused;
    *out = NULL;
    mem = open_memstream(&joined, &len);
    if (!mem)
        return VCARD_ENOMEM;
    for (int i = 0; adr_parts[i] && rc == 0; i++) {
        rc = sub_text(adr, adr_parts[i], &part);
        if (rc == 0 && part)
            fprintf(mem, "%s%s", len ? ", " : "", part);
        fflush(mem);
        free(part);
    }
    if (fclose(mem) != 0)
        rc = VCARD_ENOMEM;
    if (rc == 0 && joined && *joined) {
        *out = joined;
        return 0;
    }
    free(joined);
    return rc;
}

/* How one field lives in a vCard: element elem, its value in child sub (or
 * the element's own text), and type flags that make an element preferred,
 * strongest first. */
struct rule {
    int field;
    const char *elem;
    const char *sub;
    int (*value)(xmpp_stanza_t *e, const char *sub, char **out);
    const char *flags[3];
};

enum {
    F_NAME,
    F_GIVEN,
    F_FAMILY,
    F_PHONE,
    F_EMAIL,
    F_ORG,
    F_TITLE,
    F_ADDRESS,
    F_URL,
    F_NOTE
};

/* Every field but given/family, which share N; in vcard_build's order. */
static const struct rule rules[] = {
    {F_NAME, "FN", NULL, sub_text, {NULL}},
    {F_PHONE, "TEL", "NUMBER", sub_text, {"CELL", NULL}},
    {F_EMAIL, "EMAIL", "USERID", sub_text, {"PREF", "INTERNET", NULL}},
    {F_ORG, "ORG", "ORGNAME", sub_text, {NULL}},
    {F_TITLE, "TITLE", NULL, sub_text, {NULL}},
    {F_ADDRESS, "ADR", NULL, adr_text, {"WORK", NULL}},
    {F_URL, "URL", NULL, sub_text, {NULL}},
    {F_NOTE, "DESC", NULL, sub_text, {NULL}},
};
#define NRULES (sizeof(rules) / sizeof(rules[0]))

static int flag_score(xmpp_stanza_t *e, const struct rule *r)
{
    int score = 0, n = 0;

    while (r->flags[n])
        n++;
    for (int i = 0; i < n; i++)
        if (child_named(e, r->flags[i]))
            score += 1 << (n - 1 - i);
    return score;
}

/* The element holding rule r's value (best flags, then first) and its value
 * into *best / *value (both NULL when none has one). 0 or VCARD_ENOMEM. */
static int pick(xmpp_stanza_t *vcard, const struct rule *r,
                xmpp_stanza_t **best, char **value)
{
    xmpp_stanza_t *c;
    int best_score = -1;
    char *v;

    *best = NULL;
    *value = NULL;
    for (c = xmpp_stanza_get_children(vcard); c; c = xmpp_stanza_get_next(c)) {
        if (!is_vcard_elem(c, r->elem))
            continue;
        if (r->value(c, r->sub, &v) != 0) {
            free(*value);
            *value = NULL;
            return VCARD_ENOMEM;
        }
        if (v && flag_score(c, r) > best_score) {
            best_score = flag_score(c, r);
            *best = c;
            free(*value);
            *value = v;
        } else {
            free(v);
        }
    }
    return 0;
}

/* "GIVEN FAMILY" for a card without FN. */
static int name_fallback(struct vcard_fields *f)
{
    size_t len;

    if (!f->given && !f->family)
        return 0;
    len = (f->given ? strlen(f->given) : 0) +
          (f->family ? strlen(f->family) : 0) + 2;
    f->name = malloc(len);
    if (!f->name)
        return VCARD_ENOMEM;
    snprintf(f->name, len, "%s%s%s", f->given ? f->given : "",
             f->given && f->family ? " " : "", f->family ? f->family : "");
    return 0;
}

int vcard_parse(xmpp_stanza_t *vcard, struct vcard_fields *out)
{
    xmpp_stanza_t *n, *unused;
    int rc;

    vcard_fields_clear(out);
    if (!vcard_is_vcard(vcard))
        return -1;
    n = child_named(vcard, "N");
    rc = sub_text(n, "GIVEN", &out->given);
    if (rc == 0)
        rc = sub_text(n, "FAMILY", &out->family);
    for (size_t i = 0; rc == 0 && i < NRULES; i++)
        rc = pick(vcard, &rules[i], &unused, slot_at(out, rules[i].field));
    if (rc == 0 && !out->name)
        rc = name_fallback(out);
    if (rc != 0)
        vcard_fields_clear(out);
    return rc;
}

static xmpp_stanza_t *new_tag(xmpp_ctx_t *ctx, const char *name)
{
    xmpp_stanza_t *e = xmpp_stanza_new(ctx);

    if (e && xmpp_stanza_set_name(e, name) != XMPP_EOK) {
        xmpp_stanza_release(e);
        return NULL;
    }
    return e;
}

static int add_text(xmpp_ctx_t *ctx, xmpp_stanza_t *parent, const char *text)
{
    xmpp_stanza_t *t = xmpp_stanza_new(ctx);

    if (!t)
        return VCARD_ENOMEM;
    if (xmpp_stanza_set_text(t, text) != XMPP_EOK ||
        xmpp_stanza_add_child_ex(parent, t, 0) != XMPP_EOK) {
        xmpp_stanza_release(t);
        return VCARD_ENOMEM;
    }
    return 0;
}

/* Adds owned child under parent, releasing it when that fails. */
static int adopt(xmpp_stanza_t *parent, xmpp_stanza_t *child)
{
    if (!child)
        return VCARD_ENOMEM;
    if (xmpp_stanza_add_child_ex(parent, child, 0) != XMPP_EOK) {
        xmpp_stanza_release(child);
        return VCARD_ENOMEM;
    }
    return 0;
}

/* A new element with e's name and attributes but no children. */
static xmpp_stanza_t *shallow_copy(xmpp_ctx_t *ctx, xmpp_stanza_t *e)
{
    int n = xmpp_stanza_get_attribute_count(e);
    const char **attrs = calloc((size_t)n * 2 + 1, sizeof(*attrs));
    xmpp_stanza_t *copy = attrs ? new_tag(ctx, xmpp_stanza_get_name(e)) : NULL;

    if (copy) {
        n = xmpp_stanza_get_attributes(e, attrs, n * 2);
        for (int i = 0; i + 1 < n; i += 2) {
            if (xmpp_stanza_set_attribute(copy, attrs[i], attrs[i + 1]) !=
                XMPP_EOK) {
                xmpp_stanza_release(copy);
                copy = NULL;
                break;
            }
        }
    }
    free(attrs);
    return copy;
}

/* e with its own text replaced by text, keeping its attributes. */
static xmpp_stanza_t *retext(xmpp_ctx_t *ctx, xmpp_stanza_t *e,
                             const char *name, const char *text)
{
    xmpp_stanza_t *out = e ? shallow_copy(ctx, e) : new_tag(ctx, name);

    if (out && add_text(ctx, out, text) != 0) {
        xmpp_stanza_release(out);
        return NULL;
    }
    return out;
}

/* A copy of e (or a new element named name when e is NULL) whose children
 * named subs[i] are replaced by one <subs[i]>vals[i]</subs[i]>, or removed
 * where vals[i] is NULL; other children are copied as they are. */
static xmpp_stanza_t *rebuild(xmpp_ctx_t *ctx, xmpp_stanza_t *e,
                              const char *name, const char *const *subs,
                              const char *const *vals, size_t n)
{
    xmpp_stanza_t *out = e ? shallow_copy(ctx, e) : new_tag(ctx, name);
    int done[8] = {0};
    xmpp_stanza_t *c, *part;
    int rc = out ? 0 : VCARD_ENOMEM;

    assert(n <= sizeof(done) / sizeof(done[0]));

    for (c = e ? xmpp_stanza_get_children(e) : NULL; c && rc == 0;
         c = xmpp_stanza_get_next(c)) {
        size_t i = 0;
        while (i < n && !is_vcard_elem(c, subs[i]))
            i++;
        if (i == n) {
            rc = adopt(out, xmpp_stanza_copy(c));
        } else if (vals[i] && !done[i]) {
            done[i] = 1;
            part = retext(ctx, c, NULL, vals[i]);
            rc = adopt(out, part);
        }
    }
    for (size_t i = 0; i < n && rc == 0; i++)
        if (vals[i] && !done[i])
            rc = stanza_add_text_child(ctx, out, subs[i], vals[i]) == 0
                     ? 0
                     : VCARD_ENOMEM;
    if (rc != 0 && out) {
        xmpp_stanza_release(out);
        out = NULL;
    }
    return out;
}

/* A new element carrying value the way vcard_build writes rule r. */
static xmpp_stanza_t *new_elem(xmpp_ctx_t *ctx, const struct rule *r,
                               const char *value)
{
    static const char *const tel_flags[] = {"CELL", "VOICE", NULL};
    static const char *const email_flags[] = {"INTERNET", "PREF", NULL};
    static const char *const adr_flags[] = {"WORK", NULL};
    const char *const *flags = NULL;
    const char *sub = r->sub;
    xmpp_stanza_t *e;

    if (r->field == F_PHONE) {
        flags = tel_flags;
    } else if (r->field == F_EMAIL) {
        flags = email_flags;
    } else if (r->field == F_ADDRESS) {
        flags = adr_flags;
        sub = "STREET";
    }
    if (!sub)
        return retext(ctx, NULL, r->elem, value);
    e = new_tag(ctx, r->elem);
    for (int i = 0; e && flags && flags[i]; i++) {
        if (!stanza_add_child(ctx, e, flags[i], NULL)) {
            xmpp_stanza_release(e);
            return NULL;
        }
    }
    if (e && stanza_add_text_child(ctx, e, sub, value) != 0) {
        xmpp_stanza_release(e);
        return NULL;
    }
    return e;
}

static xmpp_stanza_t *new_n(xmpp_ctx_t *ctx, const struct vcard_fields *f)
{
    static const char *const subs[] = {"FAMILY", "GIVEN"};
    const char *vals[] = {f->family, f->given};

    return rebuild(ctx, NULL, "N", subs, vals, 2);
}

static xmpp_stanza_t *new_vcard(xmpp_ctx_t *ctx)
{
    xmpp_stanza_t *v = new_tag(ctx, "vCard");

    if (v && xmpp_stanza_set_ns(v, NS_VCARD) != XMPP_EOK) {
        xmpp_stanza_release(v);
        return NULL;
    }
    return v;
}

xmpp_stanza_t *vcard_build(xmpp_ctx_t *ctx, const struct vcard_fields *f)
{
    xmpp_stanza_t *v = new_vcard(ctx);
    int rc = v ? 0 : VCARD_ENOMEM;

    for (size_t i = 0; i < NRULES && rc == 0; i++) {
        const char *value = *slot_at((struct vcard_fields *)f, rules[i].field);
        if (value)
            rc = adopt(v, new_elem(ctx, &rules[i], value));
        if (rc == 0 && rules[i].field == F_NAME && (f->given || f->family))
            rc = adopt(v, new_n(ctx, f));
    }
    if (rc != 0 && v) {
        xmpp_stanza_release(v);
        v = NULL;
    }
    return v;
}

/* One planned edit of the vCard's children: target is replaced by repl
 * (dropped when repl is NULL), or repl is appended when target is NULL;
 * drop_all also drops every other element named elem. */
struct change {
    const char *elem;
    xmpp_stanza_t *target;
    xmpp_stanza_t *repl;
    int drop_all;
};

/* Plans the edit that makes rule r's field read val. */
static int plan_rule(xmpp_ctx_t *ctx, xmpp_stanza_t *vcard,
                     const struct rule *r, const char *val, struct change *ch)
{
    static const char *const org_subs[] = {"ORGNAME"};
    const char *adr_vals[7] = {NULL};
    char *cur;
    int rc = pick(vcard, r, &ch->target, &cur);

    ch->elem = r->elem;
    if (rc != 0)
        return rc;
    if (same_value(cur, val)) {
        ch->target = NULL;
    } else if (r->field == F_ORG) {
        /* Keep ORGUNITs: edit the ORGNAME of the chosen or first ORG. */
        if (!ch->target)
            ch->target = child_named(vcard, "ORG");
        ch->repl = rebuild(ctx, ch->target, "ORG", org_subs, &val, 1);
        rc = ch->repl ? 0 : VCARD_ENOMEM;
        if (rc == 0 && !has_tag_child(ch->repl)) {
            xmpp_stanza_release(ch->repl);
            ch->repl = NULL;
        }
    } else if (!val) {
        ch->drop_all = !r->sub && r->field != F_ADDRESS;
    } else if (!ch->target) {
        ch->repl = new_elem(ctx, r, val);
    } else if (r->field == F_ADDRESS) {
        adr_vals[2] = val; /* STREET: the address is one free-form line */
        ch->repl = rebuild(ctx, ch->target, "ADR", adr_parts, adr_vals, 7);
    } else if (r->sub) {
        ch->repl = rebuild(ctx, ch->target, r->elem, &r->sub, &val, 1);
    } else {
        ch->repl = retext(ctx, ch->target, r->elem, val);
    }
    if (val && !same_value(cur, val) && !ch->repl && r->field != F_ORG)
        rc = VCARD_ENOMEM;
    free(cur);
    return rc;
}

/* Plans the N edit: only the changed FAMILY/GIVEN are rewritten. */
static int plan_n(xmpp_ctx_t *ctx, xmpp_stanza_t *vcard,
                  const struct vcard_fields *cur, const struct vcard_fields *f,
                  struct change *ch)
{
    const char *subs[2], *vals[2];
    size_t n = 0;

    ch->elem = "N";
    if (!same_value(cur->family, f->family)) {
        subs[n] = "FAMILY";
        vals[n++] = f->family;
    }
    if (!same_value(cur->given, f->given)) {
        subs[n] = "GIVEN";
        vals[n++] = f->given;
    }
    if (n == 0)
        return 0;
    ch->target = child_named(vcard, "N");
    ch->repl = rebuild(ctx, ch->target, "N", subs, vals, n);
    if (!ch->repl)
        return VCARD_ENOMEM;
    if (!has_tag_child(ch->repl)) {
        xmpp_stanza_release(ch->repl);
        ch->repl = NULL;
    }
    return 0;
}

/* Copies vcard's children into out, applying the planned changes. */
static int apply_changes(xmpp_stanza_t *vcard, xmpp_stanza_t *out,
                         struct change *ch, size_t nch)
{
    xmpp_stanza_t *c;
    int rc = 0;

    for (c = xmpp_stanza_get_children(vcard); c && rc == 0;
         c = xmpp_stanza_get_next(c)) {
        int keep = 1;
        for (size_t i = 0; i < nch && keep && rc == 0; i++) {
            if (ch[i].target == c) {
                keep = 0;
                rc = ch[i].repl ? adopt(out, ch[i].repl) : 0;
                ch[i].repl = NULL;
            } else if (ch[i].drop_all && is_vcard_elem(c, ch[i].elem)) {
                keep = 0;
            }
        }
        if (keep && rc == 0)
            rc = adopt(out, xmpp_stanza_copy(c));
    }
    for (size_t i = 0; i < nch && rc == 0; i++) {
        if (!ch[i].target && ch[i].repl) {
            rc = adopt(out, ch[i].repl);
            ch[i].repl = NULL;
        }
    }
    return rc;
}

xmpp_stanza_t *vcard_merge(xmpp_ctx_t *ctx, xmpp_stanza_t *vcard,
                           const struct vcard_fields *f)
{
    struct vcard_fields cur = {0};
    struct change ch[NRULES + 1] = {{0}};
    xmpp_stanza_t *out = NULL;
    int rc = vcard_parse(vcard, &cur);

    if (rc != 0)
        return NULL;
    rc = plan_n(ctx, vcard, &cur, f, &ch[NRULES]);
    for (size_t i = 0; i < NRULES && rc == 0; i++)
        rc = plan_rule(ctx, vcard, &rules[i],
                       *slot_at((struct vcard_fields *)f, rules[i].field),
                       &ch[i]);
    if (rc == 0)
        out = shallow_copy(ctx, vcard);
    if (out && apply_changes(vcard, out, ch, NRULES + 1) != 0) {
        xmpp_stanza_release(out);
        out = NULL;
    }
    for (size_t i = 0; i <= NRULES; i++)
        if (ch[i].repl)
            xmpp_stanza_release(ch[i].repl);
    vcard_fields_clear(&cur);
    return out;
}

char *vcard_summary(const struct vcard_fields *f, const char *note)
{
    static const struct {
        int field;
        const char *label;
    } lines[] = {
        {F_PHONE, "Phone"}, {F_EMAIL, "Email"},     {F_ORG, "Organisation"},
        {F_TITLE, "Title"}, {F_ADDRESS, "Address"}, {F_URL, "Web"},
        {F_NOTE, "About"},
    };
    const char *head = f->name ? f->name : f->phone;
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);

    if (!mem)
        return NULL;
    fprintf(mem, "Business card%s%s", head ? ": " : "", head ? head : "");
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
        const char *v = *slot_at((struct vcard_fields *)f, lines[i].field);
        /* Without a name the phone already heads the card. */
        if (v && !(lines[i].field == F_PHONE && !f->name))
            fprintf(mem, "\n%s: %s", lines[i].label, v);
    }
    if (note && *note)
        fprintf(mem, "\nNote: %s", note);
    if (fclose(mem) != 0) {
        free(text);
        return NULL;
    }
    return text;
}

int vcard_check(xmpp_stanza_t *vcard, size_t max_bytes, const char **why)
{
    char *buf = NULL;
    size_t len = 0;
    const char *reason = NULL;

    if (!vcard_is_vcard(vcard))
        reason = "not a vcard-temp vCard";
    else if (xmpp_stanza_to_text(vcard, &buf, &len) != XMPP_EOK)
        reason = "the card could not be serialised";
    else if (len > max_bytes)
        reason = "the card is larger than the limit";
    if (buf)
        xmpp_free(xmpp_stanza_get_context(vcard), buf);
    if (why)
        *why = reason;
    return reason ? -1 : 0;
}

char *vcard_to_text(xmpp_stanza_t *vcard)
{
    char *buf = NULL, *copy;
    size_t len = 0;

    if (xmpp_stanza_to_text(vcard, &buf, &len) != XMPP_EOK)
        return NULL;
    copy = malloc(len + 1);
    if (copy) {
        memcpy(copy, buf, len);
        copy[len] = '\0';
    }
    xmpp_free(xmpp_stanza_get_context(vcard), buf);
    return copy;
}

/* Skips whitespace, a UTF-8 byte order mark and an XML declaration, which
 * xmpp_stanza_new_from_string rejects. */
static const char *skip_prolog(const char *xml)
{
    if (strncmp(xml, "\xEF\xBB\xBF", 3) == 0)
        xml += 3;
    while (is_space(*xml))
        xml++;
    if (strncmp(xml, "<?xml", 5) == 0) {
        const char *end = strstr(xml, "?>");
        if (!end)
            return NULL;
        xml = end + 2;
        while (is_space(*xml))
            xml++;
    }
    return xml;
}

xmpp_stanza_t *vcard_from_text(xmpp_ctx_t *ctx, const char *xml)
{
    xmpp_stanza_t *v;

    xml = xml ? skip_prolog(xml) : NULL;
    if (!xml || !*xml)
        return NULL;
    v = xmpp_stanza_new_from_string(ctx, xml);
    if (v && !vcard_is_vcard(v)) {
        xmpp_stanza_release(v);
        return NULL;
    }
    return v;
}
