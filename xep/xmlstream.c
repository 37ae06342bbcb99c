/* Incremental XMPP stream parser: stream framing, limits and the API. */
#include "xep/xmlstream.h"

#include <assert.h>
#include <expat.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/errors.h"
#include "xep/ns.h"
#include "xep/xmlstream_int.h"

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

/* Records the first failure: code for xmlstream_feed() to return and the
 * message for xmlstream_error(). */
static void xs_fail(struct xmlstream *xs, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void xs_fail(struct xmlstream *xs, int code, const char *fmt, ...)
{
    va_list ap;

    if (xs->failed)
        return;
    va_start(ap, fmt);
    vsnprintf(xs->error, sizeof(xs->error), fmt, ap);
    va_end(ap);
    xs->failed = code;
    /* Outside a handler this just marks expat finished, which is harmless:
     * nothing is parsed again before a reset. */
    XML_StopParser(xs->parser, XML_FALSE);
}

/* Fails with what, followed by the current position in the input. */
static void xs_fail_at(struct xmlstream *xs, const char *what)
{
    xs_fail(xs, CX_EINVAL, "%s at line %llu, column %llu", what,
            (unsigned long long)XML_GetCurrentLineNumber(xs->parser),
            (unsigned long long)XML_GetCurrentColumnNumber(xs->parser) + 1);
}

static void xs_fail_oom(struct xmlstream *xs)
{
    xs_fail(xs, CX_ENOMEM, "out of memory");
}

static int xs_is_space(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
            return 0;
    return 1;
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
        xs_fail(xs, CX_EINVAL, "stream header too large (over %zu bytes)",
                xs->max_stanza);
    else
        xs_fail(xs, CX_EINVAL, "stanza too large (over %zu bytes)",
                xs->max_stanza);
    return CX_EINVAL;
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
        return CX_ENOMEM;
    for (i = 0; i < count && rc == 0; i += 2) {
        struct xs_name n;

        if (xs_name_split(&n, atts[i])) {
            rc = CX_ENOMEM;
            break;
        }
        pairs[i] = xs_qname(&n);
        pairs[i + 1] = strdup(atts[i + 1]);
        if (!pairs[i] || !pairs[i + 1])
            rc = CX_ENOMEM;
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
    node = xs_close_element(xs);
    if (node) {
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
        /* A NUL is never in UTF-8 XML, and expat takes a NUL second byte
         * at the start for UTF-16 despite the UTF-8 it was told, so that
         * how the input was split would decide the outcome: parse up to
         * the NUL, then fail. */
        const char *nul = memchr(buf, '\0', n);

        if (nul)
            n = (size_t)(nul - buf);
        xs->fed += n;
        if (n > 0 &&
            XML_Parse(xs->parser, buf, (int)n, XML_FALSE) != XML_STATUS_OK)
            xs_fail_expat(xs); /* no-op when a handler already failed */
        else if (xs->state != XS_ENDED)
            /* Bytes expat holds in an unfinished token count too, so one
             * endless token cannot make it buffer without limit. */
            xs_check_size(xs, xs->fed);
        if (nul)
            xs_fail(xs, CX_EINVAL, "NUL byte in the stream");
        buf += n;
        len -= n;
    }
    if (xs->failed) {
        xs_discard(xs);
        return xs->failed;
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
    /* Expat refuses only when it cannot allocate the parser's context. */
    if (!XML_ParserReset(xs->parser, "UTF-8")) {
        xs_fail(xs, CX_ENOMEM, "cannot reset the XML parser");
        return CX_ENOMEM;
    }
    xs_setup(xs);
    return 0;
}
