/* Stream parser, stanza side: expat events into libstrophe stanzas. */
#include "xep/xmlstream_int.h"

#include <stdlib.h>
#include <string.h>

#include "common/errors.h"
#include "common/util.h"

int xs_name_split(struct xs_name *n, const char *raw)
{
    char *sep;

    n->buf = strdup(raw);
    if (!n->buf)
        return CX_ENOMEM;
    n->uri = NULL;
    n->local = n->buf;
    n->prefix = NULL;
    sep = strchr(n->buf, XS_SEP);
    if (!sep)
        return 0;
    *sep = '\0';
    n->uri = n->buf;
    n->local = sep + 1;
    sep = strchr(sep + 1, XS_SEP);
    if (sep) {
        *sep = '\0';
        n->prefix = sep + 1;
    }
    return 0;
}

char *xs_qname(const struct xs_name *n)
{
    if (n->uri && n->prefix)
        return str_printf("%s:%s", n->prefix, n->local);
    return strdup(n->local);
}

void xs_discard(struct xmlstream *xs)
{
    if (xs->nframes > 0)
        xmpp_stanza_release(xs->frames[0].node);
    for (size_t i = 0; i < xs->nframes; i++)
        free(xs->frames[i].ns);
    xs->nframes = 0;
    xs->text_len = 0;
}

int xs_flush_text(struct xmlstream *xs)
{
    xmpp_stanza_t *t;

    if (xs->text_len == 0)
        return 0;
    t = xmpp_stanza_new(xs->ctx);
    if (!t)
        return CX_ENOMEM;
    if (xmpp_stanza_set_text_with_size(t, xs->text, xs->text_len) != XMPP_EOK ||
        xmpp_stanza_add_child_ex(xs->frames[xs->nframes - 1].node, t, 0) !=
            XMPP_EOK) {
        xmpp_stanza_release(t);
        return CX_ENOMEM;
    }
    xs->text_len = 0;
    return 0;
}

int xs_append_text(struct xmlstream *xs, const char *s, size_t len)
{
    if (buf_reserve(&xs->text, &xs->text_cap, xs->text_len + len,
                    XS_TEXT_FIRST) < 0)
        return CX_ENOMEM;
    memcpy(xs->text + xs->text_len, s, len);
    xs->text_len += len;
    return 0;
}

static int xs_push(struct xmlstream *xs, xmpp_stanza_t *node, char *ns)
{
    if (xs->nframes == xs->frames_cap) {
        size_t cap = xs->frames_cap ? 2 * xs->frames_cap : 8;
        struct xs_frame *f = realloc(xs->frames, cap * sizeof(*f));

        if (!f)
            return CX_ENOMEM;
        xs->frames = f;
        xs->frames_cap = cap;
    }
    xs->frames[xs->nframes].node = node;
    xs->frames[xs->nframes].ns = ns;
    xs->nframes++;
    return 0;
}

/* A prefixed attribute needs its prefix bound in the output too: declare it
 * on node unless an enclosing element of the stanza already binds it so. */
static int xs_declare_prefix(struct xmlstream *xs, xmpp_stanza_t *node,
                             const char *prefix, const char *uri)
{
    char *key = str_printf("xmlns:%s", prefix);
    int rc = 0;

    if (!key)
        return CX_ENOMEM;
    for (size_t i = xs->nframes; i > 0; i--) {
        const char *v = xmpp_stanza_get_attribute(xs->frames[i - 1].node, key);

        if (v) {
            if (strcmp(v, uri) == 0)
                goto out;
            break; /* rebound further in: the outer binding is shadowed */
        }
    }
    if (xmpp_stanza_set_attribute(node, key, uri) != XMPP_EOK)
        rc = CX_ENOMEM;
out:
    free(key);
    return rc;
}

static int xs_copy_attrs(struct xmlstream *xs, xmpp_stanza_t *node,
                         const XML_Char **atts)
{
    for (size_t i = 0; atts[i]; i += 2) {
        struct xs_name n;
        char *qname;
        int rc = CX_ENOMEM;

        if (xs_name_split(&n, atts[i]))
            return CX_ENOMEM;
        qname = xs_qname(&n);
        if (qname &&
            xmpp_stanza_set_attribute(node, qname, atts[i + 1]) == XMPP_EOK)
            rc = 0;
        /* xml: is bound by definition and must not be declared again. */
        if (rc == 0 && n.uri && n.prefix && strcmp(n.prefix, "xml") != 0)
            rc = xs_declare_prefix(xs, node, n.prefix, n.uri);
        free(qname);
        free(n.buf);
        if (rc)
            return CX_ENOMEM;
    }
    return 0;
}

int xs_open_element(struct xmlstream *xs, const XML_Char *name,
                    const XML_Char **atts)
{
    struct xs_name n;
    xmpp_stanza_t *node, *owned;
    const char *ns, *parent_ns;
    char *ns_copy;
    int rc = CX_ENOMEM;

    if (xs_name_split(&n, name))
        return CX_ENOMEM;
    ns = n.uri ? n.uri : "";
    if (xs->nframes > 0)
        parent_ns = xs->frames[xs->nframes - 1].ns;
    else
        parent_ns = xs->default_ns ? xs->default_ns : "";
    node = owned = xmpp_stanza_new(xs->ctx);
    ns_copy = strdup(ns);
    if (!node || !ns_copy || xmpp_stanza_set_name(node, n.local) != XMPP_EOK)
        goto out;
    if (strcmp(ns, parent_ns) != 0 && xmpp_stanza_set_ns(node, ns) != XMPP_EOK)
        goto out;
    if (xs_copy_attrs(xs, node, atts))
        goto out;
    if (xs->nframes > 0) {
        if (xmpp_stanza_add_child_ex(xs->frames[xs->nframes - 1].node, node,
                                     0) != XMPP_EOK)
            goto out;
        owned = NULL; /* the parent has it now */
    }
    if (xs_push(xs, node, ns_copy))
        goto out;
    owned = NULL;
    ns_copy = NULL;
    rc = 0;
out:
    if (owned)
        xmpp_stanza_release(owned);
    free(ns_copy);
    free(n.buf);
    return rc;
}

xmpp_stanza_t *xs_close_element(struct xmlstream *xs)
{
    xs->nframes--;
    free(xs->frames[xs->nframes].ns);
    return xs->nframes == 0 ? xs->frames[0].node : NULL;
}
