/* Private to xep/xmlstream*.c: the parser state framing and building share. */
#ifndef CARDX_XEP_XMLSTREAM_INT_H
#define CARDX_XEP_XMLSTREAM_INT_H

#include <expat.h>
#include <stddef.h>
#include <strophe.h>

#include "xep/xmlstream.h"

/* Expat joins namespace URI, local name and prefix with this byte. 0xFF never
 * occurs in UTF-8, so no name or URI can contain it and splitting is
 * unambiguous; '|' or '\n' would make expat reject URIs that carry them. */
#define XS_SEP '\xFF'
/* The first size of the text buffer; it doubles as needed. */
#define XS_TEXT_FIRST 256u

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
    int failed; /* 0, or the CX_* code xmlstream_feed() returns */
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
    char *buf;       /* the caller frees it with free() */
    const char *uri; /* NULL when the name is in no namespace */
    const char *local;
    const char *prefix; /* NULL when written without one */
};

/* Splits raw into n. Returns 0 or CX_ENOMEM. */
int xs_name_split(struct xs_name *n, const char *raw);

/* The name as written, "prefix:local" or "local"; the caller frees it with
 * free(). NULL when memory ran out. */
char *xs_qname(const struct xs_name *n);

/* Builds the element with its attributes, hangs it under the open one (if
 * any) and makes it the open one. Returns 0 or CX_ENOMEM. */
int xs_open_element(struct xmlstream *xs, const XML_Char *name,
                    const XML_Char **atts);

/* Closes the open element. Returns the stanza when that completed a
 * top-level one (the caller now holds its reference), else NULL. */
xmpp_stanza_t *xs_close_element(struct xmlstream *xs);

/* Buffers character data for the open element. Returns 0 or CX_ENOMEM. */
int xs_append_text(struct xmlstream *xs, const char *s, size_t len);

/* Attaches buffered character data to the open element as one text child.
 * Returns 0 or CX_ENOMEM. */
int xs_flush_text(struct xmlstream *xs);

/* Releases the stanza under construction and any pending text. */
void xs_discard(struct xmlstream *xs);

#endif
