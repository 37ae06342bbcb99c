/* Incremental XMPP stream parser: expat events assembled into stanzas. */
#include "xep/xmlstream.h"

#include <assert.h>
#include <expat.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xep/ns.h"

/* Expat joins namespace URI, local name and prefix with this byte. 0xFF never
 * occurs in UTF-8, so no name or URI can contain it and splitting is
 * unambiguous; '|' or '\n' would make expat reject URIs that carry them. */
#define XS_SEP '\xFF'

/* Most bytes handed to expat per XML_Parse() call: the size cap is checked
 * between slices, which bounds what expat buffers for one unfinished token. */
#define XS_SLICE 16384

/* Expat 2.6 (and distributions' backports of its CVE-2023-52425 fix) defer
 * reparsing an unfinished token until much more data has come, so a stanza's
 * last byte may not produce it: the peer then waits for our reply to a stanza
 * we never saw. Turning that off restores prompt events; the cap bounds the
 * rescanning it costs. Weak, so older expat without it still links. */
XML_Bool XML_SetReparseDeferralEnabled(XML_Parser parser, XML_Bool enabled)
    __attribute__((weak));

enum xs_state { XS_PROLOG, XS_OPEN, XS_ENDED };

/* One open element of the stanza being built. */
struct xs_frame {
    xmpp_stanza_t *node; /* frame 0 holds the stanza's reference */
    char *ns;            /* the element's namespace URI, "" for none */
};

struct xmlstream {
    xmpp_ctx_t *ctx;
    char *default_ns; /* NULL: every top-level element carries its xmlns */
    struct xmlstream_callbacks cb;
    void *userdata;
    XML_Parser parser;
    size_t max_stanza;
    enum xs_state state;
    int failed;
    int in_callback;
    unsigned long long fed; /* bytes given to expat since reset */
    /* Where the bytes counted against the cap begin: the open top-level
     * element's '<', or else the end of the last top-level event (header,
     * stanza, keepalive), so an unfinished start tag counts too. */
    unsigned long long mark;
    struct xs_frame *frames;
    size_t nframes, frames_cap;
    char *text; /* character data not yet attached to the open element */
    size_t text_len, text_cap;
    char error[256];
};

/* An expat name split in place: "uri SEP local [SEP prefix]" or "local". */
struct xs_name {
    char *buf;
    const char *uri; /* NULL when the name is in no namespace */
    const char *local;
    const char *prefix; /* NULL when written without one */
};

static void xs_fail(struct xmlstream *xs, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void xs_fail(struct xmlstream *xs, const char *fmt, ...)
{
    va_list ap;

    if (xs->failed)
        return;
    va_start(ap, fmt);
    vsnprintf(xs->error, sizeof(xs->error), fmt, ap);
    va_end(ap);
    xs->failed = 1;
    /* Outside a handler this just marks expat finished, which is harmless:
     * nothing is parsed again before a reset. */
    XML_StopParser(xs->parser, XML_FALSE);
}

/* Fails with what, followed by the current position in the input. */
static void xs_fail_at(struct xmlstream *xs, const char *what)
{
    xs_fail(xs, "%s at line %llu, column %llu", what,
            (unsigned long long)XML_GetCurrentLineNumber(xs->parser),
            (unsigned long long)XML_GetCurrentColumnNumber(xs->parser) + 1);
}

static void xs_fail_oom(struct xmlstream *xs)
{
    xs_fail(xs, "out of memory");
}

static int xs_name_split(struct xs_name *n, const char *raw)
{
    char *sep;

    n->buf = strdup(raw);
    if (!n->buf)
        return -1;
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

/* Joins a and b with sep (a NUL sep joins nothing). Caller frees. */
static char *xs_join(const char *a, char sep, const char *b)
{
    size_t alen = strlen(a), blen = strlen(b);
    char *s = malloc(alen + blen + 2);

    if (!s)
        return NULL;
    memcpy(s, a, alen);
    if (sep)
        s[alen++] = sep;
    memcpy(s + alen, b, blen + 1);
    return s;
}

/* The name as written: "prefix:local" or "local". Caller frees. */
static char *xs_qname(const struct xs_name *n)
{
    if (n->uri && n->prefix)
        return xs_join(n->prefix, ':', n->local);
    return strdup(n->local);
}

static int xs_is_space(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
            return 0;
    return 1;
}

/* Releases the stanza under construction and any pending text. */
static void xs_discard(struct xmlstream *xs)
{
    if (xs->nframes > 0)
        xmpp_stanza_release(xs->frames[0].node);
    for (size_t i = 0; i < xs->nframes; i++)
        free(xs->frames[i].ns);
    xs->nframes = 0;
    xs->text_len = 0;
}

/* Offset just past the event being handled. */
static unsigned long long xs_event_end(const struct xmlstream *xs)
{
    return (unsigned long long)XML_GetCurrentByteIndex(xs->parser) +
           (unsigned long long)XML_GetCurrentByteCount(xs->parser);
}

/* Fails when the bytes from the mark up to end exceed the cap. */
static int xs_check_size(struct xmlstream *xs, unsigned long long end)
{
    if (!xs->max_stanza || end - xs->mark <= xs->max_stanza)
        return 0;
    if (xs->state == XS_PROLOG)
        xs_fail(xs, "stream header too large (over %zu bytes)", xs->max_stanza);
    else
        xs_fail(xs, "stanza too large (over %zu bytes)", xs->max_stanza);
    return -1;
}

static int xs_flush_text(struct xmlstream *xs)
{
    xmpp_stanza_t *t;

    if (xs->text_len == 0)
        return 0;
    t = xmpp_stanza_new(xs->ctx);
    if (!t)
        return -1;
    if (xmpp_stanza_set_text_with_size(t, xs->text, xs->text_len) != XMPP_EOK ||
        xmpp_stanza_add_child_ex(xs->frames[xs->nframes - 1].node, t, 0) !=
            XMPP_EOK) {
        xmpp_stanza_release(t);
        return -1;
    }
    xs->text_len = 0;
    return 0;
}

static int xs_append_text(struct xmlstream *xs, const char *s, size_t len)
{
    if (xs->text_len + len > xs->text_cap) {
        size_t cap = xs->text_cap ? xs->text_cap : 256;
        char *p;

        while (cap < xs->text_len + len)
            cap *= 2;
        p = realloc(xs->text, cap);
        if (!p)
            return -1;
        xs->text = p;
        xs->text_cap = cap;
    }
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
            return -1;
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
    char *key = xs_join("xmlns:", '\0', prefix);
    int rc = 0;

    if (!key)
        return -1;
    for (size_t i = xs->nframes; i > 0; i--) {
        const char *v = xmpp_stanza_get_attribute(xs->frames[i - 1].node, key);

        if (v) {
            if (strcmp(v, uri) == 0)
                goto out;
            break; /* rebound further in: the outer binding is shadowed */
        }
    }
    if (xmpp_stanza_set_attribute(node, key, uri) != XMPP_EOK)
        rc = -1;
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
        int rc = -1;

        if (xs_name_split(&n, atts[i]))
            return -1;
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
            return -1;
    }
    return 0;
}

/* Builds the element, hangs it under the open one (if any) and pushes it. */
static int xs_open_element(struct xmlstream *xs, const XML_Char *name,
                           const XML_Char **atts)
{
    struct xs_name n;
    xmpp_stanza_t *node, *owned;
    const char *ns, *parent_ns;
    char *ns_copy;
    int rc = -1;

    if (xs_name_split(&n, name))
        return -1;
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

/* Hands the stream header's attributes, with names as written, upwards. */
static int xs_report_stream_start(struct xmlstream *xs, const XML_Char **atts)
{
    size_t count = 0, i;
    char **pairs;
    int rc = 0;

    while (atts[count])
        count++;
    pairs = calloc(count + 1, sizeof(*pairs));
    if (!pairs)
        return -1;
    for (i = 0; i < count && rc == 0; i += 2) {
        struct xs_name n;

        if (xs_name_split(&n, atts[i])) {
            rc = -1;
            break;
        }
        pairs[i] = xs_qname(&n);
        pairs[i + 1] = strdup(atts[i + 1]);
        if (!pairs[i] || !pairs[i + 1])
            rc = -1;
        free(n.buf);
    }
    if (rc == 0) {
        xs->in_callback = 1;
        xs->cb.stream_start(xs->userdata, (const char *const *)pairs);
        xs->in_callback = 0;
    }
    for (i = 0; i < count; i++)
        free(pairs[i]);
    free(pairs);
    return rc;
}

static void xs_start_stream(struct xmlstream *xs, const XML_Char *name,
                            const XML_Char **atts)
{
    unsigned long long end;
    struct xs_name n;
    int is_stream;

    if (xs_name_split(&n, name)) {
        xs_fail_oom(xs);
        return;
    }
    is_stream = n.uri && strcmp(n.uri, NS_STREAMS) == 0 &&
                strcmp(n.local, "stream") == 0;
    free(n.buf);
    if (!is_stream) {
        xs_fail_at(xs, "root element is not <stream:stream>");
        return;
    }
    end = xs_event_end(xs);
    if (xs_check_size(xs, end))
        return;
    xs->state = XS_OPEN;
    xs->mark = end;
    if (xs->cb.stream_start && xs_report_stream_start(xs, atts))
        xs_fail_oom(xs);
}

static void xs_start_element(void *ud, const XML_Char *name,
                             const XML_Char **atts)
{
    struct xmlstream *xs = ud;

    if (xs->failed)
        return;
    if (xs->state == XS_PROLOG) {
        xs_start_stream(xs, name, atts);
        return;
    }
    if (xs->nframes == 0)
        xs->mark = (unsigned long long)XML_GetCurrentByteIndex(xs->parser);
    if (xs_flush_text(xs) || xs_open_element(xs, name, atts)) {
        xs_fail_oom(xs);
        return;
    }
    xs_check_size(xs, xs_event_end(xs));
}

static void xs_deliver(struct xmlstream *xs, xmpp_stanza_t *stanza)
{
    if (xs->cb.stanza) {
        xs->in_callback = 1;
        xs->cb.stanza(xs->userdata, stanza);
        xs->in_callback = 0;
    }
    xmpp_stanza_release(stanza);
}

static void xs_end_element(void *ud, const XML_Char *name)
{
    struct xmlstream *xs = ud;
    xmpp_stanza_t *node;

    (void)name; /* expat has already matched it against the start tag */
    if (xs->failed)
        return;
    if (xs->nframes == 0) {
        xs->state = XS_ENDED;
        if (xs->cb.stream_end) {
            xs->in_callback = 1;
            xs->cb.stream_end(xs->userdata);
            xs->in_callback = 0;
        }
        return;
    }
    if (xs_flush_text(xs)) {
        xs_fail_oom(xs);
        return;
    }
    if (xs_check_size(xs, xs_event_end(xs)))
        return;
    xs->nframes--;
    node = xs->frames[xs->nframes].node;
    free(xs->frames[xs->nframes].ns);
    if (xs->nframes == 0) {
        xs->mark = xs_event_end(xs);
        xs_deliver(xs, node);
    }
}

static void xs_char_data(void *ud, const XML_Char *s, int len)
{
    struct xmlstream *xs = ud;

    if (xs->failed)
        return;
    if (xs->nframes == 0) {
        /* Between stanzas only whitespace keepalives are allowed. */
        if (!xs_is_space(s, (size_t)len))
            xs_fail_at(xs, "text outside a stanza");
        xs->mark = xs_event_end(xs);
        return;
    }
    if (xs_append_text(xs, s, (size_t)len)) {
        xs_fail_oom(xs);
        return;
    }
    xs_check_size(xs, xs_event_end(xs));
}

/* RFC 6120 section 11.1 forbids DTDs, comments and processing instructions;
 * refusing the DOCTYPE up front also rules out entity expansion attacks. */
static void xs_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
                       const XML_Char *pubid, int has_internal_subset)
{
    (void)name;
    (void)sysid;
    (void)pubid;
    (void)has_internal_subset;
    xs_fail_at(ud, "DOCTYPE not allowed in an XMPP stream");
}

static void xs_entity_decl(void *ud, const XML_Char *name, int is_param,
                           const XML_Char *value, int value_len,
                           const XML_Char *base, const XML_Char *sysid,
                           const XML_Char *pubid, const XML_Char *notation)
{
    (void)name;
    (void)is_param;
    (void)value;
    (void)value_len;
    (void)base;
    (void)sysid;
    (void)pubid;
    (void)notation;
    xs_fail_at(ud, "entity declaration not allowed in an XMPP stream");
}

static int xs_external_entity(XML_Parser parser, const XML_Char *context,
                              const XML_Char *base, const XML_Char *sysid,
                              const XML_Char *pubid)
{
    (void)context;
    (void)base;
    (void)sysid;
    (void)pubid;
    xs_fail_at(XML_GetUserData(parser), "external entity not allowed");
    return XML_STATUS_ERROR;
}

static void xs_pi(void *ud, const XML_Char *target, const XML_Char *data)
{
    (void)target;
    (void)data;
    xs_fail_at(ud, "processing instruction not allowed in an XMPP stream");
}

static void xs_comment(void *ud, const XML_Char *data)
{
    (void)data;
    xs_fail_at(ud, "comment not allowed in an XMPP stream");
}

/* Installs handlers; needed after creation and after every XML_ParserReset. */
static void xs_setup(struct xmlstream *xs)
{
    XML_Parser p = xs->parser;

    XML_SetUserData(p, xs);
    XML_SetReturnNSTriplet(p, 1);
    XML_SetParamEntityParsing(p, XML_PARAM_ENTITY_PARSING_NEVER);
    XML_SetElementHandler(p, xs_start_element, xs_end_element);
    XML_SetCharacterDataHandler(p, xs_char_data);
    XML_SetStartDoctypeDeclHandler(p, xs_doctype);
    XML_SetEntityDeclHandler(p, xs_entity_decl);
    XML_SetExternalEntityRefHandler(p, xs_external_entity);
    XML_SetProcessingInstructionHandler(p, xs_pi);
    XML_SetCommentHandler(p, xs_comment);
    if (XML_SetReparseDeferralEnabled)
        XML_SetReparseDeferralEnabled(p, XML_FALSE);
}

struct xmlstream *xmlstream_new(xmpp_ctx_t *ctx, const char *default_ns,
                                const struct xmlstream_callbacks *cb,
                                void *userdata)
{
    struct xmlstream *xs;

    if (!ctx)
        return NULL;
    xs = calloc(1, sizeof(*xs));
    if (!xs)
        return NULL;
    xs->ctx = ctx;
    if (cb)
        xs->cb = *cb;
    xs->userdata = userdata;
    xs->max_stanza = XMLSTREAM_DEFAULT_MAX_STANZA;
    xs->state = XS_PROLOG;
    if (default_ns) {
        xs->default_ns = strdup(default_ns);
        if (!xs->default_ns)
            goto fail;
    }
    /* Naming the encoding makes expat ignore any other one declared: XMPP
     * streams are UTF-8 only. */
    xs->parser = XML_ParserCreateNS("UTF-8", XS_SEP);
    if (!xs->parser)
        goto fail;
    xs_setup(xs);
    return xs;
fail:
    xmlstream_free(xs);
    return NULL;
}

void xmlstream_free(struct xmlstream *xs)
{
    if (!xs)
        return;
    assert(!xs->in_callback);
    xs_discard(xs);
    if (xs->parser)
        XML_ParserFree(xs->parser);
    free(xs->frames);
    free(xs->text);
    free(xs->default_ns);
    free(xs);
}

void xmlstream_set_max_stanza(struct xmlstream *xs, size_t max_bytes)
{
    xs->max_stanza = max_bytes;
}

/* Explains an XML_Parse() failure that no handler has explained already. */
static void xs_fail_expat(struct xmlstream *xs)
{
    enum XML_Error code = XML_GetErrorCode(xs->parser);
    char what[160];

    if (code == XML_ERROR_NO_MEMORY) {
        xs_fail_oom(xs);
        return;
    }
    snprintf(what, sizeof(what), "%s%s",
             xs->state == XS_ENDED ? "data after </stream:stream>: "
                                   : "XML not well-formed: ",
             XML_ErrorString(code));
    xs_fail_at(xs, what);
}

int xmlstream_feed(struct xmlstream *xs, const char *buf, size_t len)
{
    assert(!xs->in_callback);
    while (!xs->failed && len > 0) {
        size_t n = len < XS_SLICE ? len : XS_SLICE;

        xs->fed += n;
        if (XML_Parse(xs->parser, buf, (int)n, XML_FALSE) != XML_STATUS_OK)
            xs_fail_expat(xs); /* no-op when a handler already failed */
        else if (xs->state != XS_ENDED)
            /* Bytes expat holds in an unfinished token count too, so one
             * endless token cannot make it buffer without limit. */
            xs_check_size(xs, xs->fed);
        buf += n;
        len -= n;
    }
    if (xs->failed) {
        xs_discard(xs);
        return -1;
    }
    return 0;
}

const char *xmlstream_error(const struct xmlstream *xs)
{
    return xs->failed ? xs->error : NULL;
}

int xmlstream_reset(struct xmlstream *xs)
{
    assert(!xs->in_callback);
    xs_discard(xs);
    xs->state = XS_PROLOG;
    xs->failed = 0;
    xs->error[0] = '\0';
    xs->fed = 0;
    xs->mark = 0;
    if (!XML_ParserReset(xs->parser, "UTF-8")) {
        xs_fail(xs, "cannot reset the XML parser");
        return -1;
    }
    xs_setup(xs);
    return 0;
}
