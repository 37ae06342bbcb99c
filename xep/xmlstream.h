/* Incremental XMPP stream parser: bytes in, whole libstrophe stanzas out. */
#ifndef CARDX_XEP_XMLSTREAM_H
#define CARDX_XEP_XMLSTREAM_H

#include <stddef.h>
#include <strophe.h>

#include "common/errors.h"

struct xmlstream;

/* Events of one stream, each fired by the byte that completes it. All
 * pointers passed to callbacks are borrowed and valid only during the call.
 * Any callback may be NULL. A callback must not call xmlstream_feed(),
 * xmlstream_reset() or xmlstream_free() on its own parser: note what to do
 * and act once xmlstream_feed() has returned. */
struct xmlstream_callbacks {
    /* The root <stream:stream> opened; attrs is a NULL-terminated array of
     * name, value pairs in document order (prefixed names as written, e.g.
     * "xml:lang"; namespace declarations are not included). */
    void (*stream_start)(void *userdata, const char *const *attrs);
    /* A complete top-level element (a stanza, <handshake/>, <stream:error/>).
     * Element names are local, their namespace is the xmlns attribute:
     * <stream:error> arrives as "error" with xmpp_stanza_get_ns() ==
     * NS_STREAMS. An element carries xmlns only where its namespace differs
     * from its parent's (the default_ns for top-level elements). Prefixed
     * attributes keep their prefix (xml:lang stays xml:lang), declared with
     * xmlns:prefix where needed. Text is decoded, one text child per run.
     * The parser releases the stanza after the call: use xmpp_stanza_clone()
     * to keep it. */
    void (*stanza)(void *userdata, xmpp_stanza_t *stanza);
    /* The root element closed (</stream:stream>); from then on only
     * whitespace may be fed. */
    void (*stream_end)(void *userdata);
};

/* Default cap on the bytes of one top-level element. */
#define XMLSTREAM_DEFAULT_MAX_STANZA (1024 * 1024)

/* Creates a parser. default_ns is the stream's content namespace (e.g.
 * "jabber:component:accept"): top-level elements in it get no xmlns
 * attribute, any other namespace is set on the element that introduces it.
 * The parser copies default_ns and cb and keeps ctx and userdata, which must
 * outlive it. Returns a parser the caller frees with xmlstream_free(), or
 * NULL on allocation failure. */
struct xmlstream *xmlstream_new(xmpp_ctx_t *ctx, const char *default_ns,
                                const struct xmlstream_callbacks *cb,
                                void *userdata);

/* Frees the parser and any partial stanza. Accepts NULL. */
void xmlstream_free(struct xmlstream *xs);

/* Caps the bytes of one top-level element as received (and of the XML
 * declaration plus stream header); 0 means no cap. */
void xmlstream_set_max_stanza(struct xmlstream *xs, size_t max_bytes);

/* Feeds the next len bytes of the stream, in any split. Callbacks run from
 * inside this call. Returns 0, CX_EINVAL when the input is not well-formed,
 * breaks an XMPP rule (DTD, comment, text between stanzas, ...) or a stanza
 * exceeds the cap, or CX_ENOMEM when memory ran out; the parser is then
 * unusable until xmlstream_reset() and xmlstream_error() says why. */
int xmlstream_feed(struct xmlstream *xs, const char *buf, size_t len);

/* Why the last xmlstream_feed() failed (borrowed from xs, valid until the
 * next feed, reset or free), or NULL. */
const char *xmlstream_error(const struct xmlstream *xs);

/* Starts over for a new stream (after a reconnect). Returns 0 or CX_ENOMEM. */
int xmlstream_reset(struct xmlstream *xs);

#endif
