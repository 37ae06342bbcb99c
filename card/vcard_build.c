/* Writing vcard-temp cards: built from the fields, or merged into one. */
#include "card/vcard.h"

#include <assert.h>
#include <stdlib.h>

#include "card/vcard_int.h"
#include "xep/ns.h"
#include "xep/stanza.h"

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
        return CX_ENOMEM;
    if (xmpp_stanza_set_text(t, text) != XMPP_EOK ||
        xmpp_stanza_add_child_ex(parent, t, 0) != XMPP_EOK) {
        xmpp_stanza_release(t);
        return CX_ENOMEM;
    }
    return 0;
}

/* Adds owned child under parent, releasing it when that fails. */
static int adopt(xmpp_stanza_t *parent, xmpp_stanza_t *child)
{
    if (!child)
        return CX_ENOMEM;
    if (xmpp_stanza_add_child_ex(parent, child, 0) != XMPP_EOK) {
        xmpp_stanza_release(child);
        return CX_ENOMEM;
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
    int rc = out ? 0 : CX_ENOMEM;

    assert(n <= sizeof(done) / sizeof(done[0]));

    for (c = e ? xmpp_stanza_get_children(e) : NULL; c && rc == 0;
         c = xmpp_stanza_get_next(c)) {
        size_t i = 0;
        while (i < n && !vcard_is_elem(c, subs[i]))
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
            rc = stanza_add_text_child(ctx, out, subs[i], vals[i]);
    if (rc != 0 && out) {
        xmpp_stanza_release(out);
        out = NULL;
    }
    return out;
}

/* A new element carrying value the way vcard_build writes rule r. */
static xmpp_stanza_t *new_elem(xmpp_ctx_t *ctx, const struct vcard_rule *r,
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

xmpp_stanza_t *vcard_build(xmpp_ctx_t *ctx, const struct vcard_fields *dirty)
{
    struct vcard_fields clean = {0}, *f = &clean;
    xmpp_stanza_t *v = NULL;
    int rc = vcard_fields_copy(&clean, dirty); /* copying cleans */

    if (rc == 0)
        v = new_vcard(ctx);
    if (!v)
        rc = CX_ENOMEM;

    for (size_t i = 0; i < VCARD_NRULES && rc == 0; i++) {
        const char *value = vcard_value(f, vcard_rules[i].field);
        if (value)
            rc = adopt(v, new_elem(ctx, &vcard_rules[i], value));
        if (rc == 0 && vcard_rules[i].field == F_NAME &&
            (f->given || f->family))
            rc = adopt(v, new_n(ctx, f));
    }
    if (rc != 0 && v) {
        xmpp_stanza_release(v);
        v = NULL;
    }
    vcard_fields_clear(&clean);
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
                     const struct vcard_rule *r, const char *val,
                     struct change *ch)
{
    static const char *const org_subs[] = {"ORGNAME"};
    const char *adr_vals[VCARD_NADR_PARTS] = {NULL};
    char *cur;
    int rc = vcard_pick(vcard, r, &ch->target, &cur);

    ch->elem = r->elem;
    if (rc != 0)
        return rc;
    if (vcard_same_value(cur, val)) {
        ch->target = NULL;
    } else if (r->field == F_ORG) {
        /* Keep ORGUNITs: edit the ORGNAME of the chosen or first ORG. */
        if (!ch->target)
            ch->target = vcard_child(vcard, "ORG");
        ch->repl = rebuild(ctx, ch->target, "ORG", org_subs, &val, 1);
        rc = ch->repl ? 0 : CX_ENOMEM;
        if (rc == 0 && !vcard_has_tag_child(ch->repl)) {
            xmpp_stanza_release(ch->repl);
            ch->repl = NULL;
        }
    } else if (!val) {
        ch->drop_all = !r->sub && r->field != F_ADDRESS;
    } else if (!ch->target) {
        ch->repl = new_elem(ctx, r, val);
    } else if (r->field == F_ADDRESS) {
        adr_vals[2] = val; /* STREET: the address is one free-form line */
        ch->repl = rebuild(ctx, ch->target, "ADR", vcard_adr_parts, adr_vals,
                           VCARD_NADR_PARTS);
    } else if (r->sub) {
        ch->repl = rebuild(ctx, ch->target, r->elem, &r->sub, &val, 1);
    } else {
        ch->repl = retext(ctx, ch->target, r->elem, val);
    }
    if (val && !vcard_same_value(cur, val) && !ch->repl && r->field != F_ORG)
        rc = CX_ENOMEM;
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
    if (!vcard_same_value(cur->family, f->family)) {
        subs[n] = "FAMILY";
        vals[n++] = f->family;
    }
    if (!vcard_same_value(cur->given, f->given)) {
        subs[n] = "GIVEN";
        vals[n++] = f->given;
    }
    if (n == 0)
        return 0;
    ch->target = vcard_child(vcard, "N");
    ch->repl = rebuild(ctx, ch->target, "N", subs, vals, n);
    if (!ch->repl)
        return CX_ENOMEM;
    if (!vcard_has_tag_child(ch->repl)) {
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
            } else if (ch[i].drop_all && vcard_is_elem(c, ch[i].elem)) {
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

/* The name to write as FN: f->name, or NULL when vcard has no FN of its
 * own and f->name is just the "GIVEN FAMILY" vcard_parse falls back to, so
 * a card with only N does not grow an FN. Returns 0 or CX_ENOMEM. */
static int wanted_name(xmpp_stanza_t *vcard, const struct vcard_fields *f,
                       const char **name)
{
    struct vcard_fields fb = {.given = f->given, .family = f->family};
    xmpp_stanza_t *fn;
    char *own;
    int rc = vcard_pick(vcard, &vcard_rules[0], &fn, &own);

    assert(vcard_rules[0].field == F_NAME);
    *name = f->name;
    if (rc != 0 || own || !f->name) {
        free(own);
        return rc;
    }
    if (vcard_name_fallback(&fb) != 0)
        return CX_ENOMEM;
    if (vcard_same_value(fb.name, f->name))
        *name = NULL;
    free(fb.name);
    return 0;
}

xmpp_stanza_t *vcard_merge(xmpp_ctx_t *ctx, xmpp_stanza_t *vcard,
                           const struct vcard_fields *dirty)
{
    struct vcard_fields cur = {0}, f = {0};
    struct change ch[VCARD_NRULES + 1] = {{0}};
    xmpp_stanza_t *out = NULL;
    const char *name = NULL;
    int rc = vcard_parse(vcard, &cur);

    if (rc == 0)
        rc = vcard_fields_copy(&f, dirty); /* copying cleans */
    if (rc == 0)
        rc = wanted_name(vcard, &f, &name);
    if (rc == 0)
        rc = plan_n(ctx, vcard, &cur, &f, &ch[VCARD_NRULES]);
    for (size_t i = 0; i < VCARD_NRULES && rc == 0; i++)
        rc = plan_rule(ctx, vcard, &vcard_rules[i],
                       vcard_rules[i].field == F_NAME
                           ? name
                           : vcard_value(&f, vcard_rules[i].field),
                       &ch[i]);
    if (rc == 0)
        out = shallow_copy(ctx, vcard);
    if (out && apply_changes(vcard, out, ch, VCARD_NRULES + 1) != 0) {
        xmpp_stanza_release(out);
        out = NULL;
    }
    for (size_t i = 0; i <= VCARD_NRULES; i++)
        if (ch[i].repl)
            xmpp_stanza_release(ch[i].repl);
    vcard_fields_clear(&cur);
    vcard_fields_clear(&f);
    return out;
}

xmpp_stanza_t *vcard_shallow_copy(xmpp_ctx_t *ctx, xmpp_stanza_t *e)
{
    return shallow_copy(ctx, e);
}
