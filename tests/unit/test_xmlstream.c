/* Unit tests for the incremental XMPP stream parser (xep/xmlstream.c). */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strophe.h>

#include "tests/lib/runner.h"
#include "xep/ns.h"
#include "xep/xmlstream.h"

#define MAX_STANZAS 16

/* What the callbacks saw. */
struct collect {
    xmpp_ctx_t *ctx;
    char header[512]; /* stream header as "name=value;" in order */
    int started;
    char *stanzas[MAX_STANZAS]; /* serialised, ours to free */
    size_t n;
    int ended;
    xmpp_stanza_t *kept[MAX_STANZAS]; /* clones, when keep is set */
    int keep;
};

static void on_start(void *ud, const char *const *attrs)
{
    struct collect *c = ud;

    c->started++;
    for (size_t i = 0; attrs[i]; i += 2) {
        size_t used = strlen(c->header);

        snprintf(c->header + used, sizeof(c->header) - used, "%s=%s;", attrs[i],
                 attrs[i + 1]);
    }
}

static void on_stanza(void *ud, xmpp_stanza_t *stanza)
{
    struct collect *c = ud;
    char *buf;
    size_t len;

    ck_assert_uint_lt(c->n, MAX_STANZAS);
    ck_assert_int_eq(xmpp_stanza_to_text(stanza, &buf, &len), XMPP_EOK);
    ck_assert_uint_eq(strlen(buf), len);
    c->stanzas[c->n] = strdup(buf);
    ck_assert_ptr_nonnull(c->stanzas[c->n]);
    xmpp_free(c->ctx, buf);
    if (c->keep)
        c->kept[c->n] = xmpp_stanza_clone(stanza);
    c->n++;
}

static void on_end(void *ud)
{
    struct collect *c = ud;

    c->ended++;
}

static const struct xmlstream_callbacks callbacks = {
    on_start,
    on_stanza,
    on_end,
};

static void collect_init(struct collect *c, xmpp_ctx_t *ctx)
{
    memset(c, 0, sizeof(*c));
    c->ctx = ctx;
}

static void collect_clear(struct collect *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->stanzas[i]);
        if (c->kept[i])
            xmpp_stanza_release(c->kept[i]);
    }
    collect_init(c, c->ctx);
}

/* A component's side of a realistic XEP-0114 session. */
static const char component_stream[] =
    "<?xml version='1.0'?>"
    "<stream:stream xmlns='jabber:component:accept' "
    "xmlns:stream='http://etherx.jabber.org/streams' "
    "from='cards.example.test' id='3BF96D32' xml:lang='en'>\n"
    "<handshake/>\n"
    "<iq type='get' id='reg1' from='alice@example.test/phone' "
    "to='cards.example.test'><query xmlns='jabber:iq:register'>"
    "<phone>+33612345678</phone></query></iq>"
    "<message from='alice@example.test/phone' to='bob@cards.example.test' "
    "type=\"chat\" id='m1'><body>1 &lt; 2 &amp;&amp; "
    "<![CDATA[<b>bold</b> & raw]]> 名片 \xF0\x9F\x93\x87"
    "</body></message>\r\n"
    "<presence from='bob@example.test/laptop' to='cards.example.test'/>"
    "  \n"
    "<stream:error><host-unknown "
    "xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
    "<text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>"
    "bye &amp; thanks</text></stream:error>"
    "</stream:stream>";

static const char component_header[] =
    "from=cards.example.test;id=3BF96D32;xml:lang=en;";

/* Attribute order is libstrophe's (a hash), the same for every split. */
static const char *const component_expected[] = {
    "<handshake/>",
    "<iq id=\"reg1\" to=\"cards.example.test\" type=\"get\" "
    "from=\"alice@example.test/phone\">"
    "<query xmlns=\"jabber:iq:register\"><phone>+33612345678</phone></query>"
    "</iq>",
    "<message id=\"m1\" type=\"chat\" to=\"bob@cards.example.test\" "
    "from=\"alice@example.test/phone\"><body>1 &lt; 2 &amp;&amp; "
    "&lt;b&gt;bold&lt;/b&gt; &amp; raw 名片 \xF0\x9F\x93\x87</body></message>",
    "<presence to=\"cards.example.test\" from=\"bob@example.test/laptop\"/>",
    "<error xmlns=\"http://etherx.jabber.org/streams\">"
    "<host-unknown xmlns=\"urn:ietf:params:xml:ns:xmpp-streams\"/>"
    "<text xmlns=\"urn:ietf:params:xml:ns:xmpp-streams\">bye &amp; thanks"
    "</text></error>",
};

#define N_EXPECTED (sizeof(component_expected) / sizeof(*component_expected))

static void check_component(const struct collect *c)
{
    ck_assert_int_eq(c->started, 1);
    ck_assert_str_eq(c->header, component_header);
    ck_assert_uint_eq(c->n, N_EXPECTED);
    for (size_t i = 0; i < N_EXPECTED; i++)
        ck_assert_str_eq(c->stanzas[i], component_expected[i]);
    ck_assert_int_eq(c->ended, 1);
}

/* Feeds s cut at the given offsets (ascending, within len). */
static void feed_cuts(struct xmlstream *xs, const char *s, size_t len,
                      const size_t *cuts, size_t ncuts)
{
    size_t pos = 0;

    for (size_t i = 0; i <= ncuts; i++) {
        size_t end = i < ncuts ? cuts[i] : len;

        ck_assert_int_eq(xmlstream_feed(xs, s + pos, end - pos), 0);
        pos = end;
    }
}

static struct xmlstream *component_parser(xmpp_ctx_t *ctx, struct collect *c)
{
    struct xmlstream *xs;

    collect_init(c, ctx);
    xs = xmlstream_new(ctx, NS_COMPONENT, &callbacks, c);
    ck_assert_ptr_nonnull(xs);
    return xs;
}

START_TEST(component_whole)
{
    xmpp_ctx_t *ctx = xmpp_ctx_new(NULL, NULL);
    struct collect c;
    struct xmlstream *xs = component_parser(ctx, &c);

    feed_cuts(xs, component_stream, strlen(component_stream), NULL, 0);
    check_component(&c);
    ck_assert_ptr_null(xmlstream_error(xs));
    collect_clear(&c);
    xmlstream_free(xs);
    xmpp_ctx_free(ctx);
}
END_TEST

/* Offset of the last byte of marker's first occurrence in the stream. */
static size_t offset_after(const char *marker)
{
    const char *at = strstr(component_stream, marker);

    ck_assert_ptr_nonnull(at);
    return (size_t)(at - component_stream) + strlen(marker) - 1;
}

/* Each event fires on the very byte that completes it: a peer waiting for
 * our answer to the header or a stanza must not wait for more input. */
START_TEST(component_byte_by_byte)
{
    static const char *const stanza_ends[N_EXPECTED] = {
        "<handshake/>", "</iq>", "</message>", "to='cards.example.test'/>",
        "</stream:error>"};
    xmpp_ctx_t *ctx = xmpp_ctx_new(NULL, NULL);
    struct collect c;
    struct xmlstream *xs = component_parser(ctx, &c);
    size_t len = strlen(component_stream);
    size_t header_end = offset_after("xml:lang='en'>");
    size_t stream_end = offset_after("</stream:stream>");

    for (size_t i = 0; i < len; i++) {
        size_t done = 0;

        ck_assert_int_eq(xmlstream_feed(xs, component_stream + i, 1), 0);
        for (size_t k = 0; k < N_EXPECTED; k++)
            done += offset_after(stanza_ends[k]) <= i;
        ck_assert_uint_eq(c.n, done);
        ck_assert_int_eq(c.started, i >= header_end);
        ck_assert_int_eq(c.ended, i >= stream_end);
    }
    check_component(&c);
    collect_clear(&c);
    xmlstream_free(xs);
    xmpp_ctx_free(ctx);
}
END_TEST

START_TEST(component_every_split)
{
    xmpp_ctx_t *ctx = xmpp_ctx_new(NULL, NULL);
    size_t len = strlen(component_stream);

    for (size_t cut = 0; cut <= len; cut++) {
        struct collect c;
        struct xmlstream *xs = component_parser(ctx, &c);

        feed_cuts(xs, component_stream, len, &cut, 1);
        check_component(&c);
        collect_clear(&c);
        xmlstream_free(xs);
    }
    xmpp_ctx_free(ctx);
}
END_TEST

/* xorshift32: a reproducible sequence without global state. */
static uint32_t next_random(uint32_t *state)
{
    uint32_t x = *state;

    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return x;
}

START_TEST(component_random_chunks)
{
    xmpp_ctx_t *ctx = xmpp_ctx_new(NULL, NULL);
    size_t len = strlen(component_stream);
    uint32_t seed = 20240611;

    for (int round = 0; round < 200; round++) {
        struct collect c;
        struct xmlstream *xs = component_parser(ctx, &c);
        size_t cuts[sizeof(component_stream)], ncuts = 0, pos = 0;

        for (;;) {
            pos += 1 + next_random(&seed) % 48;
            if (pos >= len)
                break;
            cuts[ncuts++] = pos;
        }
        feed_cuts(xs, component_stream, len, cuts, ncuts);
        check_component(&c);
        collect_clear(&c);
        xmlstream_free(xs);
    }
    xmpp_ctx_free(ctx);
}
END_TEST

/* The trees themselves, not just their text: names, namespaces, one text
 * child with the decoded bytes. */
START_TEST(component_tree_shape)
{
    xmpp_ctx_t *ctx = xmpp_ctx_new(NULL, NULL);
    struct collect c;
    struct xmlstream *xs = component_parser(ctx, &c);
    xmpp_stanza_t *query, *body, *text, *cond;
    char *s;

    c.keep = 1;
    feed_cuts(xs, component_stream, strlen(component_stream), NULL, 0);
    ck_assert_uint_eq(c.n, N_EXPECTED);

    ck_assert_str_eq(xmpp_stanza_get_name(c.kept[0]), "handshake");
    ck_assert_ptr_null(xmpp_stanza_get_ns(c.kept[0]));

    query = xmpp_stanza_get_child_by_name(c.kept[1], "query");
    ck_assert_ptr_nonnull(query);
    ck_assert_str_eq(xmpp_stanza_get_ns(query), NS_REGISTER);
    ck_assert_ptr_null(
        xmpp_stanza_get_ns(xmpp_stanza_get_child_by_name(query, "phone")));

    body = xmpp_stanza_get_child_by_name(c.kept[2], "body");
    text = xmpp_stanza_get_children(body);
    ck_assert(xmpp_stanza_is_text(text));
    ck_assert_ptr_null(xmpp_stanza_get_next(text));
    s = xmpp_stanza_get_text(body);
    ck_assert_str_eq(s, "1 < 2 && <b>bold</b> & raw 名片 \xF0\x9F\x93\x87");
    xmpp_free(ctx, s);

    ck_assert_str_eq(xmpp_stanza_get_name(c.kept[4]), "error");
    ck_assert_str_eq(xmpp_stanza_get_ns(c.kept[4]), NS_STREAMS);
    cond = xmpp_stanza_get_children(c.kept[4]);
    ck_assert_str_eq(xmpp_stanza_get_name(cond), "host-unknown");
    ck_assert_str_eq(xmpp_stanza_get_ns(cond), NS_STREAM_ERRORS);

    collect_clear(&c);
    xmlstream_free(xs);
    xmpp_ctx_free(ctx);
}
END_TEST

static const char header[] =
    "<stream:stream xmlns='jabber:component:accept' "
    "xmlns:stream='http://etherx.jabber.org/streams' id='s1'>\n";

/* Feeds header then body whole; returns what xmlstream_feed gave for body. */
static int feed_after_header(struct xmlstream *xs, const char *body)
{
    ck_assert_int_eq(xmlstream_feed(xs, header, strlen(header)), 0);
    return xmlstream_feed(xs, body, strlen(body));
}

START_TEST(several_in_one_feed)
{
    xmpp_ctx_t *ctx = xmpp_ctx_new(NULL, NULL);
    struct collect c;
    struct xmlstream *xs = component_parser(ctx, &c);

    ck_assert_int_eq(feed_after_header(xs, "<a n='1'/><b>x</b><c><d/></c><e"),
                     0);
    ck_assert_str_eq(c.header, "id=s1;");
    ck_assert_uint_eq(c.n, 3);
    ck_assert_str_eq(c.stanzas[0], "<a n=\"1\"/>");
    ck_assert_str_eq(c.stanzas[1], "<b>x</b>");
    ck_assert_str_eq(c.stanzas[2], "<c><d/></c>");
    ck_assert_int_eq(xmlstream_feed(xs, "/>", 2), 0);
    ck_assert_uint_eq(c.n, 4);
    ck_assert_str_eq(c.stanzas[3], "<e/>");
    ck_assert_int_eq(c.ended, 0);
    collect_clear(&c);
    xmlstream_free(xs);
    xmpp_ctx_free(ctx);
}
END_TEST

START_TEST(whitespace_keepalives)
{
    xmpp_ctx_t *ctx = xmpp_ctx_new(NULL, NULL);
    struct collect c;
    struct xmlstream *xs = component_parser(ctx, &c);

    ck_assert_int_eq(feed_after_header(xs, " "), 0);
    ck_assert_int_eq(xmlstream_feed(xs, "\n", 1), 0);
    ck_assert_int_eq(xmlstream_feed(xs, "<a/>\t \r\n", 8), 0);
    ck_assert_int_eq(xmlstream_feed(xs, "  <b> <c/> </b> ", 16), 0);
    ck_assert_uint_eq(c.n, 2);
    ck_assert_str_eq(c.stanzas[0], "<a/>");
    /* Whitespace inside a stanza is content and is kept. */
    ck_assert_str_eq(c.stanzas[1], "<b> <c/> </b>");
    /* Anything else between stanzas is not a keepalive. */
    ck_assert_int_eq(xmlstream_feed(xs, "x", 1), CX_EINVAL);
    ck_assert_ptr_nonnull(strstr(xmlstream_error(xs), "text outside"));
    collect_clear(&c);
    xmlstream_free(xs);
    xmpp_ctx_free(ctx);
}
END_TEST

/* Feeds body after the header and expects failure mentioning what. */
static void expect_error(const char *body, const char *what)
{
    xmpp_ctx_t *ctx = xmpp_ctx_new(NULL, NULL);
    struct collect c;
    struct xmlstream *xs = component_parser(ctx, &c);
    const char *err;

    ck_assert_ptr_null(xmlstream_error(xs));
    ck_assert_int_eq(feed_after_header(xs, body), CX_EINVAL);
    err = xmlstream_error(xs);
    ck_assert_ptr_nonnull(err);
    ck_assert_msg(strstr(err, what), "error '%s' lacks '%s'", err, what);
    ck_assert_uint_eq(c.n, 0);
    collect_clear(&c);
    xmlstream_free(xs);
    xmpp_ctx_free(ctx);
}

START_TEST(malformed_mismatched_tag)
{
    expect_error("<message><body>hi</message>", "mismatched tag");
    expect_error("<message><body>hi</message>", "line 2, column");
}
END_TEST

START_TEST(malformed_bad_entity)
{
    expect_error("<message><body>&bogus;</body></message>", "undefined entity");
    expect_error("<message><body>&amp</body></message>", "not well-formed");
}
END_TEST

START_TEST(malformed_lt_in_attribute)
{
    expect_error("<message to='a<b'/>", "not well-formed (invalid token)");
}
END_TEST

START_TEST(malformed_utf8)
{
    expect_error("<message><body>\xC3\x28</body></message>", "invalid token");
    expect_error("<message><body>\xFF</body></message>", "invalid token");
}
END_TEST

START_TEST(unbound_prefix)
{
    expect_error("<x:message/>", "unbound prefix");
}
END_TEST

START_TEST(pi_and_comment_rejected)
{
    expect_error("<?php echo 1; ?>", "processing instruction not allowed");
    expect_error("<message><?foo bar?></message>",
                 "processing instruction not allowed");
    expect_error("<!-- hello -->", "comment not allowed");
    expect_error("<message><body>a<!-- b --></body></message>",
                 "comment not allowed");
}
END_TEST

START_TEST(doctype_rejected)
{
    static const char laughs[] =
        "<?xml version='1.0'?>"
        "<!DOCTYPE stream:stream [<!ENTITY a 'aaaaaaaaaa'>"
        "<!ENTITY b '&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;'>]>"
        "<stream:stream xmlns='jabber:component:accept' "
        "xmlns:stream='http://etherx.jabber.org/streams'>"
        "<message><body>&b;</body></message>";
    static const char external[] =
        "<!DOCTYPE stream:stream SYSTEM 'file:///etc/passwd'>"
        "<stream:stream xmlns='jabber:component:accept' "
        "xmlns:stream='http://etherx.jabber.org/streams'>";
    xmpp_ctx_t *ctx = xmpp_ctx_new(NULL, NULL);
    struct collect c;
    struct xmlstream *xs = component_parser(ctx, &c);

    ck_assert_int_eq(xmlstream_feed(xs, laughs, strlen(laughs)), CX_EINVAL);
    ck_assert_ptr_nonnull(strstr(xmlstream_error(xs), "DOCTYPE not allowed"));
    ck_assert_int_eq(c.started, 0);
    ck_assert_uint_eq(c.n, 0);

    ck_assert_int_eq(xmlstream_reset(xs), 0);
    for (size_t i = 0; i < strlen(external); i++)
        if (xmlstream_feed(xs, external + i, 1) < 0)
            break;
    ck_assert_ptr_nonnull(xmlstream_error(xs));
    ck_assert_ptr_nonnull(strstr(xmlstream_error(xs), "DOCTYPE not allowed"));
    ck_assert_int_eq(c.started, 0);

    collect_clear(&c);
    xmlstream_free(xs);
    xmpp_ctx_free(ctx);
}
END_TEST

START_TEST(wrong_root_rejected)
{
    xmpp_ctx_t *ctx = xmpp_ctx_new(NULL, NULL);
    struct collect c;
    struct xmlstream *xs = component_parser(ctx, &c);
    static const char html[] = "<html><body/></html>";
    static const char plain[] = "<stream><message/></stream>";

    ck_assert_int_eq(xmlstream_feed(xs, html, strlen(html)), CX_EINVAL);
    ck_assert_ptr_nonnull(strstr(xmlstream_error(xs), "root element"));
    ck_assert_int_eq(xmlstream_reset(xs), 0);
    /* Right name, wrong (no) namespace. */
    ck_assert_int_eq(xmlstream_feed(xs, plain, strlen(plain)), CX_EINVAL);
    ck_assert_int_eq(c.started, 0);
    collect_clear(&c);
    xmlstream_free(xs);
    xmpp_ctx_free(ctx);
}
END_TEST

START_TEST(error_is_sticky)
{
    xmpp_ctx_t *ctx = xmpp_ctx_new(NULL, NULL);
    struct collect c;
    struct xmlstream *xs = component_parser(ctx, &c);
    char *first;

    ck_assert_int_eq(feed_after_header(xs, "<a><b></a>"), CX_EINVAL);
    first = strdup(xmlstream_error(xs));
    ck_assert_int_eq(xmlstream_feed(xs, "<c/>", 4), CX_EINVAL);
    ck_assert_int_eq(xmlstream_feed(xs, "", 0), CX_EINVAL);
    ck_assert_int_eq(xmlstream_feed(xs, header, strlen(header)), CX_EINVAL);
    ck_assert_str_eq(xmlstream_error(xs), first);
    ck_assert_uint_eq(c.n, 0);
    free(first);
    collect_clear(&c);
    xmlstream_free(xs);
    xmpp_ctx_free(ctx);
}
END_TEST

/* A stanza of exactly limit bytes passes, one more byte fails. */
START_TEST(size_cap_exact)
{
    static const char ok[] = "<message><body>0123456789</body></message>";
    static const char big[] = "<message><body>0123456789X</body></message>";
    xmpp_ctx_t *ctx = xmpp_ctx_new(NULL, NULL);
    struct collect c;
    struct xmlstream *xs = component_parser(ctx, &c);
    size_t limit = strlen(ok);

    /* The header is larger than this limit: set it once past the header. */
    ck_assert_int_eq(feed_after_header(xs, ""), 0);
    xmlstream_set_max_stanza(xs, limit);
    ck_assert_int_eq(xmlstream_feed(xs, ok, strlen(ok)), 0);
    ck_assert_int_eq(xmlstream_feed(xs, "\n", 1), 0);
    for (size_t i = 0; i < strlen(ok); i++)
        ck_assert_int_eq(xmlstream_feed(xs, ok + i, 1), 0);
    ck_assert_uint_eq(c.n, 2);
    ck_assert_int_eq(xmlstream_feed(xs, big, strlen(big)), CX_EINVAL);
    ck_assert_ptr_nonnull(strstr(xmlstream_error(xs), "stanza too large"));
    ck_assert_uint_eq(c.n, 2);

    /* Byte by byte it fails at the first byte over the limit, even though
     * that byte is in the middle of a token expat is still buffering. */
    ck_assert_int_eq(xmlstream_reset(xs), 0);
    xmlstream_set_max_stanza(xs, 0);
    ck_assert_int_eq(feed_after_header(xs, ""), 0);
    xmlstream_set_max_stanza(xs, limit);
    for (size_t i = 0; i < limit; i++)
        ck_assert_int_eq(xmlstream_feed(xs, big + i, 1), 0);
    ck_assert_int_eq(xmlstream_feed(xs, big + limit, 1), CX_EINVAL);
    ck_assert_uint_eq(c.n, 2);

    collect_clear(&c);
    xmlstream_free(xs);
    xmpp_ctx_free(ctx);
}
END_TEST

/* One endless attribute value: refused once past the cap, not buffered. */
START_TEST(size_cap_endless_token)
{
    xmpp_ctx_t *ctx = xmpp_ctx_new(NULL, NULL);
    struct collect c;
    struct xmlstream *xs = component_parser(ctx, &c);
    char chunk[1000];
    size_t fed = 0;
    int rc = 0;

    memset(chunk, 'A', sizeof(chunk));
    xmlstream_set_max_stanza(xs, 4096);
    ck_assert_int_eq(feed_after_header(xs, "<message to='"), 0);
    fed = strlen("<message to='");
    while (rc == 0 && fed < 100000) {
        rc = xmlstream_feed(xs, chunk, sizeof(chunk));
        fed += sizeof(chunk);
    }
    ck_assert_int_eq(rc, CX_EINVAL);
    ck_assert_uint_gt(fed, 4096);
    ck_assert_uint_le(fed, 4096 + sizeof(chunk));
    collect_clear(&c);
    xmlstream_free(xs);
    xmpp_ctx_free(ctx);
}
END_TEST

/* The default cap is in force from the start; 0 lifts it. */
START_TEST(size_cap_default_and_off)
{
    xmpp_ctx_t *ctx = xmpp_ctx_new(NULL, NULL);
    struct collect c;
    struct xmlstream *xs = component_parser(ctx, &c);
    size_t n = XMLSTREAM_DEFAULT_MAX_STANZA;
    char *big = malloc(n + 64);

    ck_assert_ptr_nonnull(big);
    strcpy(big, "<message><body>");
    memset(big + strlen(big), 'x', n);
    strcpy(big + strlen("<message><body>") + n, "</body></message>");
    ck_assert_int_eq(feed_after_header(xs, big), CX_EINVAL);
    ck_assert_ptr_nonnull(strstr(xmlstream_error(xs), "too large"));

    ck_assert_int_eq(xmlstream_reset(xs), 0);
    xmlstream_set_max_stanza(xs, 0);
    ck_assert_int_eq(feed_after_header(xs, big), 0);
    ck_assert_uint_eq(c.n, 1);
    ck_assert_uint_eq(strlen(c.stanzas[0]), strlen(big));
    free(big);
    collect_clear(&c);
    xmlstream_free(xs);
    xmpp_ctx_free(ctx);
}
END_TEST

START_TEST(header_cap)
{
    xmpp_ctx_t *ctx = xmpp_ctx_new(NULL, NULL);
    struct collect c;
    struct xmlstream *xs = component_parser(ctx, &c);

    xmlstream_set_max_stanza(xs, 64);
    ck_assert_int_eq(xmlstream_feed(xs, header, strlen(header)), CX_EINVAL);
    ck_assert_ptr_nonnull(strstr(xmlstream_error(xs), "header too large"));
    ck_assert_int_eq(c.started, 0);
    collect_clear(&c);
    xmlstream_free(xs);
    xmpp_ctx_free(ctx);
}
END_TEST

START_TEST(reset_starts_new_stream)
{
    xmpp_ctx_t *ctx = xmpp_ctx_new(NULL, NULL);
    struct collect c;
    struct xmlstream *xs = component_parser(ctx, &c);

    /* Dropped mid-stanza: the partial tree must not leak or resurface. */
    ck_assert_int_eq(feed_after_header(xs, "<message><body>half"), 0);
    ck_assert_int_eq(xmlstream_reset(xs), 0);
    ck_assert_ptr_null(xmlstream_error(xs));
    c.header[0] = '\0';
    feed_cuts(xs, component_stream, strlen(component_stream), NULL, 0);
    ck_assert_int_eq(c.started, 2);
    ck_assert_str_eq(c.header, component_header);
    ck_assert_uint_eq(c.n, N_EXPECTED);
    ck_assert_str_eq(c.stanzas[1], component_expected[1]);

    /* And after an error too. */
    ck_assert_int_eq(xmlstream_reset(xs), 0);
    ck_assert_int_eq(feed_after_header(xs, "<a><b>&x;"), CX_EINVAL);
    ck_assert_int_eq(xmlstream_reset(xs), 0);
    ck_assert_int_eq(feed_after_header(xs, "<a><b>y</b></a>"), 0);
    ck_assert_str_eq(c.stanzas[c.n - 1], "<a><b>y</b></a>");
    collect_clear(&c);
    xmlstream_free(xs);
    xmpp_ctx_free(ctx);
}
END_TEST

START_TEST(stream_end_then_nothing)
{
    xmpp_ctx_t *ctx = xmpp_ctx_new(NULL, NULL);
    struct collect c;
    struct xmlstream *xs = component_parser(ctx, &c);

    ck_assert_int_eq(feed_after_header(xs, "<a/></stream:stream>"), 0);
    ck_assert_int_eq(c.ended, 1);
    ck_assert_int_eq(xmlstream_feed(xs, "\n", 1), 0);
    ck_assert_int_eq(xmlstream_feed(xs, "<b/>", 4), CX_EINVAL);
    ck_assert_ptr_nonnull(
        strstr(xmlstream_error(xs), "data after </stream:stream>"));
    ck_assert_uint_eq(c.n, 1);
    collect_clear(&c);
    xmlstream_free(xs);
    xmpp_ctx_free(ctx);
}
END_TEST

/* The output of the parser, fed back in, comes out identical: it is valid,
 * namespace-correct XML. */
static void check_reparse(xmpp_ctx_t *ctx, const char *default_ns,
                          const char *stanza)
{
    struct collect c;
    struct xmlstream *xs;
    char *doc = malloc(strlen(header) + strlen(stanza) + 1);

    ck_assert_ptr_nonnull(doc);
    collect_init(&c, ctx);
    xs = xmlstream_new(ctx, default_ns, &callbacks, &c);
    ck_assert_ptr_nonnull(xs);
    strcpy(doc, header);
    strcat(doc, stanza);
    ck_assert_int_eq(xmlstream_feed(xs, doc, strlen(doc)), 0);
    ck_assert_uint_eq(c.n, 1);
    ck_assert_str_eq(c.stanzas[0], stanza);
    free(doc);
    collect_clear(&c);
    xmlstream_free(xs);
}

START_TEST(xml_lang_round_trip)
{
    xmpp_ctx_t *ctx = xmpp_ctx_new(NULL, NULL);
    struct collect c;
    struct xmlstream *xs = component_parser(ctx, &c);

    c.keep = 1;
    ck_assert_int_eq(
        feed_after_header(
            xs, "<message xml:lang='de'><body xml:lang='fr'>salut</body>"
                "</message>"),
        0);
    ck_assert_uint_eq(c.n, 1);
    ck_assert_str_eq(xmpp_stanza_get_attribute(c.kept[0], "xml:lang"), "de");
    ck_assert_str_eq(c.stanzas[0], "<message xml:lang=\"de\">"
                                   "<body xml:lang=\"fr\">salut</body>"
                                   "</message>");
    check_reparse(ctx, NS_COMPONENT, c.stanzas[0]);
    collect_clear(&c);
    xmlstream_free(xs);
    xmpp_ctx_free(ctx);
}
END_TEST

START_TEST(child_namespaces)
{
    xmpp_ctx_t *ctx = xmpp_ctx_new(NULL, NULL);
    struct collect c;
    struct xmlstream *xs = component_parser(ctx, &c);

    c.keep = 1;
    ck_assert_int_eq(
        feed_after_header(
            xs, "<iq type='result'><query xmlns='jabber:iq:register'><phone/>"
                "<x xmlns='jabber:x:data'><field var='a'/></x><bare xmlns=''/>"
                "</query></iq>"
                "<c:message xmlns:c='jabber:client'><c:body>hi</c:body>"
                "</c:message>"
                "<message xmlns:e='urn:example' e:flag='1'><body e:flag='2'>"
                "<e:sub e:flag='3' xmlns:e='urn:other'/></body></message>"
                "<x xmlns=''/>"),
        0);
    ck_assert_uint_eq(c.n, 4);
    ck_assert_str_eq(c.stanzas[0],
                     "<iq type=\"result\"><query xmlns=\"jabber:iq:register\">"
                     "<phone/><x xmlns=\"jabber:x:data\"><field var=\"a\"/>"
                     "</x><bare xmlns=\"\"/></query></iq>");
    /* A top-level element outside the default namespace keeps its own
     * (libstrophe leaves a jabber:client xmlns out when printing). */
    ck_assert_str_eq(xmpp_stanza_get_name(c.kept[1]), "message");
    ck_assert_str_eq(xmpp_stanza_get_ns(c.kept[1]), NS_CLIENT);
    ck_assert_ptr_null(xmpp_stanza_get_ns(xmpp_stanza_get_children(c.kept[1])));
    /* Prefixed attributes keep their prefix, declared where needed. */
    ck_assert_str_eq(c.stanzas[2],
                     "<message xmlns:e=\"urn:example\" e:flag=\"1\">"
                     "<body e:flag=\"2\">"
                     "<sub xmlns:e=\"urn:other\" xmlns=\"urn:other\" "
                     "e:flag=\"3\"/></body></message>");
    ck_assert_str_eq(c.stanzas[3], "<x xmlns=\"\"/>");
    check_reparse(ctx, NS_COMPONENT, c.stanzas[0]);
    check_reparse(ctx, NS_COMPONENT, c.stanzas[2]);
    collect_clear(&c);
    xmlstream_free(xs);
    xmpp_ctx_free(ctx);
}
END_TEST

/* A client stream: its stanzas in jabber:client get no xmlns of their own. */
START_TEST(client_default_namespace)
{
    static const char doc[] =
        "<stream:stream xmlns='jabber:client' "
        "xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>"
        "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>"
        "</stream:features><iq type='result' id='b'/>";
    xmpp_ctx_t *ctx = xmpp_ctx_new(NULL, NULL);
    struct collect c;
    struct xmlstream *xs;

    collect_init(&c, ctx);
    c.keep = 1;
    xs = xmlstream_new(ctx, NS_CLIENT, &callbacks, &c);
    ck_assert_int_eq(xmlstream_feed(xs, doc, strlen(doc)), 0);
    ck_assert_str_eq(c.header, "version=1.0;");
    ck_assert_uint_eq(c.n, 2);
    ck_assert_str_eq(c.stanzas[0],
                     "<features xmlns=\"http://etherx.jabber.org/streams\">"
                     "<bind xmlns=\"urn:ietf:params:xml:ns:xmpp-bind\"/>"
                     "</features>");
    ck_assert_ptr_null(xmpp_stanza_get_ns(c.kept[1]));
    collect_clear(&c);
    xmlstream_free(xs);
    xmpp_ctx_free(ctx);
}
END_TEST

/* libstrophe allocator that fails once its budget is spent. */
struct budget {
    long left;
    int failed;
};

static void *budget_alloc(size_t size, void *ud)
{
    struct budget *b = ud;

    if (b->left >= 0 && b->left-- == 0) {
        b->failed = 1;
        return NULL;
    }
    return malloc(size);
}

static void budget_free(void *p, void *ud)
{
    (void)ud;
    free(p);
}

static void *budget_realloc(void *p, size_t size, void *ud)
{
    struct budget *b = ud;

    if (b->left >= 0 && b->left-- == 0) {
        b->failed = 1;
        return NULL;
    }
    return realloc(p, size);
}

static void count_stanza(void *ud, xmpp_stanza_t *stanza)
{
    (void)stanza;
    (*(size_t *)ud)++;
}

/* Every libstrophe allocation failing in turn: CX_ENOMEM and "out of memory",
 * never a crash or a leak (ASan and valgrind watch). */
START_TEST(out_of_memory)
{
    static const struct xmlstream_callbacks counting = {NULL, count_stanza,
                                                        NULL};
    struct budget b = {-1, 0};
    xmpp_mem_t mem = {budget_alloc, budget_free, budget_realloc, &b};
    int failures = 0;

    for (long n = 0;; n++) {
        xmpp_ctx_t *ctx;
        struct xmlstream *xs;
        size_t count = 0;
        int rc;

        b.left = -1;
        b.failed = 0;
        ctx = xmpp_ctx_new(&mem, NULL);
        ck_assert_ptr_nonnull(ctx);
        xs = xmlstream_new(ctx, NS_COMPONENT, &counting, &count);
        ck_assert_ptr_nonnull(xs);
        b.left = n;
        rc = xmlstream_feed(xs, component_stream, strlen(component_stream));
        b.left = -1;
        xmlstream_free(xs);
        xmpp_ctx_free(ctx);
        if (!b.failed) {
            ck_assert_int_eq(rc, 0);
            ck_assert_uint_eq(count, N_EXPECTED);
            break;
        }
        ck_assert_int_eq(rc, CX_ENOMEM);
        ck_assert_uint_lt(count, N_EXPECTED);
        failures++;
    }
    ck_assert_int_gt(failures, 10);
}
END_TEST

/* A NUL byte fails the stream however the input is split: expat, told
 * UTF-8, still took "\xc5\x00" fed at once for the start of UTF-16 and
 * waited, while fed byte by byte it failed (found by fuzz/fuzz_xmlstream).
 * What came before the NUL is delivered either way. */
START_TEST(nul_byte_fails_in_any_split)
{
    static const char starts[] = "\xc5\x00<a/>";
    static const char after[] =
        "<stream:stream xmlns='jabber:component:accept' "
        "xmlns:stream='http://etherx.jabber.org/streams'><a/><b/>\x00<c/>";
    xmpp_ctx_t *ctx = xmpp_ctx_new(NULL, NULL);
    struct collect c;
    struct xmlstream *xs;

    collect_init(&c, ctx);
    xs = xmlstream_new(ctx, NS_COMPONENT, &callbacks, &c);
    ck_assert_int_eq(xmlstream_feed(xs, starts, sizeof(starts) - 1), CX_EINVAL);
    ck_assert_str_eq(xmlstream_error(xs), "NUL byte in the stream");
    /* Every split before the NUL, which strlen finds. */
    for (size_t cut = 0; cut <= strlen(after); cut++) {
        ck_assert_int_eq(xmlstream_reset(xs), 0);
        collect_clear(&c);
        ck_assert_int_eq(xmlstream_feed(xs, after, cut), 0);
        ck_assert_int_eq(
            xmlstream_feed(xs, after + cut, sizeof(after) - 1 - cut),
            CX_EINVAL);
        ck_assert_str_eq(xmlstream_error(xs), "NUL byte in the stream");
        ck_assert_uint_eq(c.n, 2);
        ck_assert_str_eq(c.stanzas[1], "<b/>");
    }
    xmlstream_free(xs);
    collect_clear(&c);
    xmpp_ctx_free(ctx);
}
END_TEST

static Suite *xmlstream_suite(void)
{
    Suite *s = suite_create("xmlstream");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, component_whole);
    tcase_add_test(tc, component_byte_by_byte);
    tcase_add_test(tc, component_every_split);
    tcase_add_test(tc, component_random_chunks);
    tcase_add_test(tc, component_tree_shape);
    tcase_add_test(tc, several_in_one_feed);
    tcase_add_test(tc, whitespace_keepalives);
    tcase_add_test(tc, malformed_mismatched_tag);
    tcase_add_test(tc, malformed_bad_entity);
    tcase_add_test(tc, malformed_lt_in_attribute);
    tcase_add_test(tc, malformed_utf8);
    tcase_add_test(tc, unbound_prefix);
    tcase_add_test(tc, pi_and_comment_rejected);
    tcase_add_test(tc, doctype_rejected);
    tcase_add_test(tc, wrong_root_rejected);
    tcase_add_test(tc, error_is_sticky);
    tcase_add_test(tc, size_cap_exact);
    tcase_add_test(tc, size_cap_endless_token);
    tcase_add_test(tc, size_cap_default_and_off);
    tcase_add_test(tc, header_cap);
    tcase_add_test(tc, reset_starts_new_stream);
    tcase_add_test(tc, stream_end_then_nothing);
    tcase_add_test(tc, xml_lang_round_trip);
    tcase_add_test(tc, child_namespaces);
    tcase_add_test(tc, client_default_namespace);
    tcase_add_test(tc, out_of_memory);
    tcase_add_test(tc, nul_byte_fails_in_any_split);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(xmlstream_suite)
