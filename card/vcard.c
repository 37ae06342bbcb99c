/* Reading vcard-temp (XEP-0054) cards: which element gives each field. */
#include "card/vcard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "card/vcard_int.h"
#include "xep/ns.h"

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

int vcard_is_elem(xmpp_stanza_t *e, const char *name)
{
    const char *n, *ns;

    if (!xmpp_stanza_is_tag(e))
        return 0;
    n = xmpp_stanza_get_name(e);
    ns = xmpp_stanza_get_ns(e);
    return n && strcmp(n, name) == 0 && (!ns || strcmp(ns, NS_VCARD) == 0);
}

xmpp_stanza_t *vcard_child(xmpp_stanza_t *parent, const char *name)
{
    xmpp_stanza_t *c;

    for (c = xmpp_stanza_get_children(parent); c; c = xmpp_stanza_get_next(c))
        if (vcard_is_elem(c, name))
            return c;
    return NULL;
}

int vcard_has_tag_child(xmpp_stanza_t *e)
{
    xmpp_stanza_t *c;

    for (c = xmpp_stanza_get_children(e); c; c = xmpp_stanza_get_next(c))
        if (xmpp_stanza_is_tag(c))
            return 1;
    return 0;
}

int vcard_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The trimmed concatenation of e's direct text children into *out (NULL
 * when e is NULL or the text is blank). Returns 0 or CX_ENOMEM. */
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
        return CX_ENOMEM;
    len = 0;
    for (c = xmpp_stanza_get_children(e); c; c = xmpp_stanza_get_next(c)) {
        if (xmpp_stanza_is_text(c)) {
            const char *t = xmpp_stanza_get_text_ptr(c);
            size_t tlen = strlen(t);
            memcpy(buf + len, t, tlen);
            len += tlen;
        }
    }
    while (len > 0 && vcard_is_space(buf[len - 1]))
        len--;
    while (start < len && vcard_is_space(buf[start]))
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
    return elem_text(sub && e ? vcard_child(e, sub) : e, out);
}

const char *const vcard_adr_parts[VCARD_NADR_PARTS + 1] = {
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
        return CX_ENOMEM;
    for (int i = 0; vcard_adr_parts[i] && rc == 0; i++) {
        rc = sub_text(adr, vcard_adr_parts[i], &part);
        if (rc == 0 && part)
            fprintf(mem, "%s%s", len ? ", " : "", part);
        fflush(mem);
        free(part);
    }
    if (fclose(mem) != 0)
        rc = CX_ENOMEM;
    if (rc == 0 && joined && *joined) {
        *out = joined;
        return 0;
    }
    free(joined);
    return rc;
}

const struct vcard_rule vcard_rules[VCARD_NRULES] = {
    {F_NAME, "FN", NULL, sub_text, {NULL}},
    {F_PHONE, "TEL", "NUMBER", sub_text, {"CELL", NULL}},
    {F_EMAIL, "EMAIL", "USERID", sub_text, {"PREF", "INTERNET", NULL}},
    {F_ORG, "ORG", "ORGNAME", sub_text, {NULL}},
    {F_TITLE, "TITLE", NULL, sub_text, {NULL}},
    {F_ADDRESS, "ADR", NULL, adr_text, {"WORK", NULL}},
    {F_URL, "URL", NULL, sub_text, {NULL}},
    {F_NOTE, "DESC", NULL, sub_text, {NULL}},
};

static int flag_score(xmpp_stanza_t *e, const struct vcard_rule *r)
{
    int score = 0, n = 0;

    while (r->flags[n])
        n++;
    for (int i = 0; i < n; i++)
        if (vcard_child(e, r->flags[i]))
            score += 1 << (n - 1 - i);
    return score;
}

int vcard_pick(xmpp_stanza_t *vcard, const struct vcard_rule *r,
               xmpp_stanza_t **best, char **value)
{
    xmpp_stanza_t *c;
    int best_score = -1;
    char *v;

    *best = NULL;
    *value = NULL;
    for (c = xmpp_stanza_get_children(vcard); c; c = xmpp_stanza_get_next(c)) {
        if (!vcard_is_elem(c, r->elem))
            continue;
        if (r->value(c, r->sub, &v) != 0) {
            free(*value);
            *value = NULL;
            return CX_ENOMEM;
        }
        vcard_clean_value(&v, vcard_multiline(r->field));
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

int vcard_parse(xmpp_stanza_t *vcard, struct vcard_fields *out)
{
    xmpp_stanza_t *n, *unused;
    int rc;

    vcard_fields_clear(out);
    if (!vcard_is_vcard(vcard))
        return VCARD_EINVAL;
    n = vcard_child(vcard, "N");
    rc = sub_text(n, "GIVEN", &out->given);
    if (rc == 0)
        rc = sub_text(n, "FAMILY", &out->family);
    vcard_clean_value(&out->given, 0);
    vcard_clean_value(&out->family, 0);
    for (size_t i = 0; rc == 0 && i < VCARD_NRULES; i++)
        rc = vcard_pick(vcard, &vcard_rules[i], &unused,
                        vcard_slot(out, vcard_rules[i].field));
    if (rc == 0)
        rc = vcard_name_fallback(out);
    if (rc != 0)
        vcard_fields_clear(out);
    return rc;
}
