/* Unit tests for the field model and vcard-temp stanzas (xep/vcard.c). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strophe.h>

#include "card/vcard.h"
#include "tests/lib/runner.h"

static char *slurp(const char *name)
{
    char path[1024];
    FILE *fp;
    char *buf;
    long len;

    snprintf(path, sizeof(path), "%s/tests/unit/data/vcard/%s", SRCDIR, name);
    fp = fopen(path, "rb");
    ck_assert_msg(fp != NULL, "cannot open %s", path);
    fseek(fp, 0, SEEK_END);
    len = ftell(fp);
    rewind(fp);
    buf = malloc((size_t)len + 1);
    ck_assert_ptr_nonnull(buf);
    ck_assert_int_eq(fread(buf, 1, (size_t)len, fp), len);
    buf[len] = '\0';
    fclose(fp);
    return buf;
}

/* The fixture card: PHOTO, BDAY, X-FOO, three TELs, two EMAILs, two ADRs. */
static xmpp_stanza_t *load_photo_card(xmpp_ctx_t *ctx)
{
    char *xml = slurp("photo.xml");
    xmpp_stanza_t *v = vcard_from_text(ctx, xml);

    free(xml);
    ck_assert_ptr_nonnull(v);
    return v;
}

/* Finds the first descendant (depth first) named name, or NULL. */
static xmpp_stanza_t *find(xmpp_stanza_t *e, const char *name)
{
    xmpp_stanza_t *c, *hit;

    for (c = xmpp_stanza_get_children(e); c; c = xmpp_stanza_get_next(c)) {
        if (!xmpp_stanza_is_tag(c))
            continue;
        if (strcmp(xmpp_stanza_get_name(c), name) == 0)
            return c;
        hit = find(c, name);
        if (hit)
            return hit;
    }
    return NULL;
}

static int count_children(xmpp_stanza_t *e, const char *name)
{
    int n = 0;

    for (xmpp_stanza_t *c = xmpp_stanza_get_children(e); c;
         c = xmpp_stanza_get_next(c))
        if (xmpp_stanza_is_tag(c) && strcmp(xmpp_stanza_get_name(c), name) == 0)
            n++;
    return n;
}

static void fill_full(struct vcard_fields *f)
{
    ck_assert_int_eq(vcard_fields_set(f, "name", "Alice Wang"), 0);
    ck_assert_int_eq(vcard_fields_set(f, "given", "Alice"), 0);
    ck_assert_int_eq(vcard_fields_set(f, "family", "Wang"), 0);
    ck_assert_int_eq(vcard_fields_set(f, "phone", "+86 138 0013 8000"), 0);
    ck_assert_int_eq(vcard_fields_set(f, "email", "alice@example.com"), 0);
    ck_assert_int_eq(vcard_fields_set(f, "org", "Changhong"), 0);
    ck_assert_int_eq(vcard_fields_set(f, "title", "Engineer"), 0);
    ck_assert_int_eq(
        vcard_fields_set(f, "address", "35 Dongxing Rd, Mianyang, China"), 0);
    ck_assert_int_eq(vcard_fields_set(f, "url", "https://example.com/a?b&c"),
                     0);
    ck_assert_int_eq(vcard_fields_set(f, "note", "nice <card> & \"more\""), 0);
}

START_TEST(fields_api)
{
    struct vcard_fields f = {0}, g = {0};
    const char *const *names = vcard_field_names();
    int n = 0;

    ck_assert_int_eq(vcard_fields_set(&f, "phone", "+1 555 0100"), 0);
    ck_assert_str_eq(f.phone, "+1 555 0100");
    ck_assert_str_eq(vcard_fields_get(&f, "phone"), "+1 555 0100");
    ck_assert_int_eq(vcard_fields_set(&f, "nickname", "x"), VCARD_EINVAL);
    ck_assert_ptr_null(vcard_fields_get(&f, "nickname"));
    ck_assert_ptr_null(vcard_fields_get(&f, "email"));
    ck_assert_int_eq(vcard_fields_set(&f, "phone", ""), 0);
    ck_assert_ptr_null(f.phone);
    ck_assert_int_eq(vcard_fields_set(&f, "note", "n"), 0);
    ck_assert_int_eq(vcard_fields_set(&f, "note", NULL), 0);
    ck_assert_ptr_null(f.note);
    while (names[n])
        n++;
    ck_assert_int_eq(n, 10);
    ck_assert_str_eq(names[0], "name");
    ck_assert_str_eq(names[9], "note");
    /* Every listed name round-trips through set/get. */
    for (int i = 0; names[i]; i++) {
        ck_assert_int_eq(vcard_fields_set(&f, names[i], names[i]), 0);
        ck_assert_str_eq(vcard_fields_get(&f, names[i]), names[i]);
    }
    ck_assert_str_eq(f.address, "address");
    ck_assert_int_eq(vcard_fields_copy(&g, &f), 0);
    ck_assert(vcard_fields_equal(&f, &g));
    ck_assert_ptr_ne(g.name, f.name);
    vcard_fields_set(&g, "url", NULL);
    ck_assert(!vcard_fields_equal(&f, &g));
    vcard_fields_clear(&f);
    vcard_fields_clear(&g);
    ck_assert_ptr_null(f.name);
    vcard_fields_clear(NULL);
}
END_TEST

START_TEST(parse_realistic)
{
    xmpp_ctx_t *ctx = xmpp_ctx_new(NULL, NULL);
    xmpp_stanza_t *v = load_photo_card(ctx);
    struct vcard_fields f = {0};

    ck_assert_int_eq(vcard_parse(v, &f), 0);
    ck_assert_str_eq(f.name, "Alice Wang");
    ck_assert_str_eq(f.given, "Alice");
    ck_assert_str_eq(f.family, "Wang");
    /* The CELL one, not the first; trimmed. */
    ck_assert_str_eq(f.phone, "+86 138 0013 8000");
    /* The PREF one, not the first. */
    ck_assert_str_eq(f.email, "alice@example.com");
    ck_assert_str_eq(f.org, "Changhong");
    ck_assert_str_eq(f.title, "Engineer");
    /* The WORK address, not the first. */
    ck_assert_str_eq(f.address,
                     "35 Dongxing Rd, Mianyang, Sichuan, 621000, China");
    ck_assert_str_eq(f.url, "https://example.com/alice");
    ck_assert_str_eq(f.note, "Smart TV firmware & XMPP");
    vcard_fields_clear(&f);
    xmpp_stanza_release(v);
    xmpp_ctx_free(ctx);
}
END_TEST

static void parse_text(xmpp_ctx_t *ctx, const char *xml, struct vcard_fields *f)
{
    xmpp_stanza_t *v = xmpp_stanza_new_from_string(ctx, xml);

    ck_assert_ptr_nonnull(v);
    ck_assert_int_eq(vcard_parse(v, f), 0);
    xmpp_stanza_release(v);
}

START_TEST(parse_fallbacks)
{
    xmpp_ctx_t *ctx = xmpp_ctx_new(NULL, NULL);
    struct vcard_fields f = {0};
    xmpp_stanza_t *v;

    parse_text(ctx,
               "<vCard xmlns='vcard-temp'><N><GIVEN>Bo</GIVEN>"
               "<FAMILY>Li</FAMILY></N>"
               "<TEL><NUMBER>  </NUMBER></TEL>"
               "<TEL><HOME/><NUMBER>+1 1</NUMBER></TEL>"
               "<TEL><WORK/><NUMBER>+1 2</NUMBER></TEL>"
               "<EMAIL><USERID>a@x</USERID></EMAIL>"
               "<EMAIL><INTERNET/><USERID>b@x</USERID></EMAIL>"
               "<ADR><STREET>S</STREET><CTRY>C</CTRY></ADR>"
               "<FN xmlns='urn:other'>Not this</FN></vCard>",
               &f);
    ck_assert_str_eq(f.name, "Bo Li");
    ck_assert_str_eq(f.phone, "+1 1");
    ck_assert_str_eq(f.email, "b@x");
    ck_assert_str_eq(f.address, "S, C");
    ck_assert_ptr_null(f.org);

    parse_text(ctx,
               "<vCard xmlns='vcard-temp'><N><FAMILY>Li</FAMILY></N>"
               "</vCard>",
               &f);
    ck_assert_str_eq(f.name, "Li");
    ck_assert_ptr_null(f.given);

    parse_text(ctx, "<vCard xmlns='vcard-temp'/>", &f);
    for (const char *const *n = vcard_field_names(); *n; n++)
        ck_assert_ptr_null(vcard_fields_get(&f, *n));

    v = xmpp_stanza_new_from_string(ctx, "<vCard><FN>x</FN></vCard>");
    ck_assert_int_eq(vcard_parse(v, &f), VCARD_EINVAL);
    xmpp_stanza_release(v);
    v = xmpp_stanza_new_from_string(ctx, "<query xmlns='vcard-temp'/>");
    ck_assert_int_eq(vcard_parse(v, &f), VCARD_EINVAL);
    xmpp_stanza_release(v);
    vcard_fields_clear(&f);
    xmpp_ctx_free(ctx);
}
END_TEST

START_TEST(build_parse_roundtrip)
{
    xmpp_ctx_t *ctx = xmpp_ctx_new(NULL, NULL);
    struct vcard_fields f = {0}, g = {0};
    xmpp_stanza_t *v;
    char *text;

    fill_full(&f);
    v = vcard_build(ctx, &f);
    ck_assert_ptr_nonnull(v);
    ck_assert(vcard_is_vcard(v));
    ck_assert_ptr_nonnull(find(find(v, "TEL"), "CELL"));
    ck_assert_ptr_nonnull(find(find(v, "EMAIL"), "PREF"));
    ck_assert_ptr_nonnull(find(find(v, "ADR"), "WORK"));
    ck_assert_ptr_nonnull(find(find(v, "ADR"), "STREET"));
    ck_assert_int_eq(vcard_parse(v, &g), 0);
    ck_assert(vcard_fields_equal(&f, &g));
    xmpp_stanza_release(v);

    /* A phone-only card, serialised exactly. */
    vcard_fields_clear(&f);
    vcard_fields_set(&f, "phone", "+86 138 0013 8000");
    v = vcard_build(ctx, &f);
    text = vcard_to_text(v);
    ck_assert_str_eq(text, "<vCard xmlns=\"vcard-temp\"><TEL><CELL/><VOICE/>"
                           "<NUMBER>+86 138 0013 8000</NUMBER></TEL></vCard>");
    free(text);
    xmpp_stanza_release(v);
    vcard_fields_clear(&f);
    vcard_fields_clear(&g);
    xmpp_ctx_free(ctx);
}
END_TEST

/* Merging the fields a card already shows changes nothing at all. */
START_TEST(merge_unchanged_is_identity)
{
    xmpp_ctx_t *ctx = xmpp_ctx_new(NULL, NULL);
    xmpp_stanza_t *v = load_photo_card(ctx), *m;
    struct vcard_fields f = {0};
    char *before, *after;

    ck_assert_int_eq(vcard_parse(v, &f), 0);
    m = vcard_merge(ctx, v, &f);
    ck_assert_ptr_nonnull(m);
    before = vcard_to_text(v);
    after = vcard_to_text(m);
    ck_assert_str_eq(after, before);
    free(before);
    free(after);
    xmpp_stanza_release(m);
    vcard_fields_clear(&f);
    xmpp_stanza_release(v);
    xmpp_ctx_free(ctx);
}
END_TEST

/* A card with only N: its parse names it "GIVEN FAMILY", and merging that
 * parse back must not add an FN (vcard.h promises no change). */
START_TEST(merge_n_only_is_identity)
{
    static const char xml[] = "<vCard xmlns=\"vcard-temp\"><N><FAMILY>Lee"
                              "</FAMILY><GIVEN>Ann</GIVEN></N></vCard>";
    xmpp_ctx_t *ctx = xmpp_ctx_new(NULL, NULL);
    xmpp_stanza_t *v = vcard_from_text(ctx, xml), *m;
    struct vcard_fields f = {0};
    char *after;

    ck_assert_ptr_nonnull(v);
    ck_assert_int_eq(vcard_parse(v, &f), 0);
    ck_assert_str_eq(f.name, "Ann Lee");
    m = vcard_merge(ctx, v, &f);
    ck_assert_ptr_nonnull(m);
    after = vcard_to_text(m);
    ck_assert_str_eq(after, xml);
    free(after);
    xmpp_stanza_release(m);

    /* A changed given name rewrites N only: the name still follows it. */
    ck_assert_int_eq(vcard_fields_set(&f, "given", "Bo"), 0);
    ck_assert_int_eq(vcard_fields_set(&f, "name", "Bo Lee"), 0);
    m = vcard_merge(ctx, v, &f);
    ck_assert_ptr_nonnull(m);
    ck_assert_ptr_null(find(m, "FN"));
    ck_assert_str_eq(
        xmpp_stanza_get_text_ptr(xmpp_stanza_get_children(find(m, "GIVEN"))),
        "Bo");
    xmpp_stanza_release(m);

    /* A name of its own does get an FN. */
    ck_assert_int_eq(vcard_fields_set(&f, "name", "Dr Bo Lee"), 0);
    m = vcard_merge(ctx, v, &f);
    ck_assert_ptr_nonnull(find(m, "FN"));
    xmpp_stanza_release(m);
    vcard_fields_clear(&f);
    xmpp_stanza_release(v);
    xmpp_ctx_free(ctx);
}
END_TEST

/* Character references get control characters past expat; parse cleans
 * them: a line break is a space in FN, a LF in DESC, the rest goes. */
START_TEST(parse_cleans_control_characters)
{
    static const char xml[] =
        "<vCard xmlns='vcard-temp'><FN>First&#13;&#x7F;Last&#x85;</FN>"
        "<TITLE>&#13;</TITLE><DESC>a&#13;&#10;b&#13;c\td</DESC></vCard>";
    xmpp_ctx_t *ctx = xmpp_ctx_new(NULL, NULL);
    xmpp_stanza_t *v = vcard_from_text(ctx, xml);
    struct vcard_fields f = {0};
    const char *why = NULL;

    ck_assert_ptr_nonnull(v);
    ck_assert_int_eq(vcard_parse(v, &f), 0);
    ck_assert_str_eq(f.name, "First Last");
    ck_assert_ptr_null(f.title);
    ck_assert_str_eq(f.note, "a\nb\nc\td");
    /* Uploaded as it is, the card is refused rather than altered. */
    ck_assert_int_eq(vcard_check(v, 100000, &why), VCARD_EINVAL);
    ck_assert_str_eq(why, "the card contains control characters");
    vcard_fields_clear(&f);
    xmpp_stanza_release(v);
    xmpp_ctx_free(ctx);
}
END_TEST

/* Fields filled by hand with control characters, bare CRs and bytes that
 * are not UTF-8 still build XML an XML parser takes, with the same
 * fields as vcard_fields_set would have kept. */
START_TEST(build_never_writes_control_characters)
{
    xmpp_ctx_t *ctx = xmpp_ctx_new(NULL, NULL);
    struct vcard_fields f = {0}, back = {0};
    xmpp_stanza_t *v, *again;
    char *text;

    f.name = strdup("First\r\x02"
                    "END:VCARD");
    f.org = strdup("\x01\x1f");
    f.note = strdup("x\ry\xff\xc2\x80z\xef\xbf\xbf");
    ck_assert(f.name && f.org && f.note);
    v = vcard_build(ctx, &f);
    ck_assert_ptr_nonnull(v);
    ck_assert_int_eq(vcard_check(v, 100000, NULL), 0);
    text = vcard_to_text(v);
    ck_assert_ptr_null(strchr(text, '\r'));
    ck_assert_ptr_null(strchr(text, '\x02'));
    again = vcard_from_text(ctx, text);
    ck_assert_ptr_nonnull(again);
    ck_assert_int_eq(vcard_parse(again, &back), 0);
    ck_assert_str_eq(back.name, "First END:VCARD");
    ck_assert_ptr_null(back.org);
    ck_assert_str_eq(back.note, "x\nyz");
    vcard_fields_clean(&f);
    ck_assert(vcard_fields_equal(&f, &back));
    free(text);
    vcard_fields_clear(&back);
    vcard_fields_clear(&f);
    xmpp_stanza_release(again);
    xmpp_stanza_release(v);
    xmpp_ctx_free(ctx);
}
END_TEST

START_TEST(merge_keeps_unknown)
{
    xmpp_ctx_t *ctx = xmpp_ctx_new(NULL, NULL);
    xmpp_stanza_t *v = load_photo_card(ctx), *m, *foo;
    struct vcard_fields f = {0}, g = {0};
    char *orig_photo, *new_photo;

    ck_assert_int_eq(vcard_parse(v, &f), 0);
    vcard_fields_set(&f, "name", "Alice Q. Wang");
    vcard_fields_set(&f, "family", "Wang-Li");
    vcard_fields_set(&f, "phone", "+86 138 0000 0001");
    vcard_fields_set(&f, "email", "alice@changhong.example");
    vcard_fields_set(&f, "org", "Changhong Electric");
    vcard_fields_set(&f, "note", "new & <improved>");
    m = vcard_merge(ctx, v, &f);
    ck_assert_ptr_nonnull(m);
    ck_assert_int_eq(vcard_parse(m, &g), 0);
    ck_assert(vcard_fields_equal(&f, &g));

    /* Everything cardx does not model is still there, unchanged. */
    orig_photo = vcard_to_text(find(v, "PHOTO"));
    new_photo = vcard_to_text(find(m, "PHOTO"));
    ck_assert_str_eq(new_photo, orig_photo);
    free(orig_photo);
    free(new_photo);
    ck_assert_str_eq(
        xmpp_stanza_get_text_ptr(xmpp_stanza_get_children(find(m, "BDAY"))),
        "1990-04-01");
    foo = find(m, "X-FOO");
    ck_assert_ptr_nonnull(foo);
    ck_assert_str_eq(xmpp_stanza_get_ns(foo), "urn:example:foo");
    ck_assert_str_eq(xmpp_stanza_get_attribute(foo, "level"), "3");
    ck_assert_ptr_nonnull(find(m, "NICKNAME"));
    ck_assert_str_eq(
        xmpp_stanza_get_text_ptr(xmpp_stanza_get_children(find(m, "MIDDLE"))),
        "Q");
    ck_assert_ptr_nonnull(find(m, "ORGUNIT"));
    /* The edited TEL kept its type flags; the other two are untouched. */
    ck_assert_int_eq(count_children(m, "TEL"), 3);
    ck_assert_int_eq(count_children(m, "EMAIL"), 2);
    ck_assert_int_eq(count_children(m, "FN"), 1);
    xmpp_stanza_release(m);
    vcard_fields_clear(&f);
    vcard_fields_clear(&g);
    xmpp_stanza_release(v);
    xmpp_ctx_free(ctx);
}
END_TEST

START_TEST(merge_clear_and_add)
{
    xmpp_ctx_t *ctx = xmpp_ctx_new(NULL, NULL);
    xmpp_stanza_t *v = load_photo_card(ctx), *m, *adr;
    struct vcard_fields f = {0}, g = {0};

    ck_assert_int_eq(vcard_parse(v, &f), 0);
    vcard_fields_set(&f, "phone", NULL);
    vcard_fields_set(&f, "title", NULL);
    vcard_fields_set(&f, "url", NULL);
    vcard_fields_set(&f, "org", NULL);
    vcard_fields_set(&f, "address", "Room 5, Tower B");
    m = vcard_merge(ctx, v, &f);
    ck_assert_ptr_nonnull(m);
    ck_assert_int_eq(vcard_parse(m, &g), 0);
    /* Only the cell number went: the home number now shows. */
    ck_assert_int_eq(count_children(m, "TEL"), 2);
    ck_assert_str_eq(g.phone, "+86 28 1234 5678");
    ck_assert_int_eq(count_children(m, "TITLE"), 0);
    ck_assert_int_eq(count_children(m, "URL"), 0);
    ck_assert_ptr_null(g.title);
    ck_assert_ptr_null(g.org);
    ck_assert_ptr_nonnull(find(m, "ORGUNIT"));
    ck_assert_ptr_null(find(m, "ORGNAME"));
    ck_assert_str_eq(g.address, "Room 5, Tower B");
    ck_assert_int_eq(count_children(m, "ADR"), 2);
    ck_assert_str_eq(g.name, "Alice Wang");
    vcard_fields_clear(&g);
    xmpp_stanza_release(m);
    xmpp_stanza_release(v);

    /* Adding to an empty card. */
    v = vcard_from_text(ctx, "<vCard xmlns='vcard-temp'><BDAY>2000-01-01"
                             "</BDAY></vCard>");
    ck_assert_ptr_nonnull(v);
    vcard_fields_clear(&f);
    fill_full(&f);
    m = vcard_merge(ctx, v, &f);
    ck_assert_int_eq(vcard_parse(m, &g), 0);
    ck_assert(vcard_fields_equal(&f, &g));
    ck_assert_ptr_nonnull(find(m, "BDAY"));
    adr = find(m, "ADR");
    ck_assert_ptr_nonnull(find(adr, "WORK"));
    xmpp_stanza_release(m);
    xmpp_stanza_release(v);

    /* Not a vCard: nothing to merge into. */
    v = xmpp_stanza_new_from_string(ctx, "<x xmlns='vcard-temp'/>");
    ck_assert_ptr_null(vcard_merge(ctx, v, &f));
    xmpp_stanza_release(v);
    vcard_fields_clear(&f);
    vcard_fields_clear(&g);
    xmpp_ctx_free(ctx);
}
END_TEST

START_TEST(summary_text)
{
    xmpp_ctx_t *ctx = xmpp_ctx_new(NULL, NULL);
    xmpp_stanza_t *v = load_photo_card(ctx);
    struct vcard_fields f = {0};
    char *s;

    ck_assert_int_eq(vcard_parse(v, &f), 0);
    s = vcard_summary(&f, "nice to meet you");
    ck_assert_str_eq(s, "Business card: Alice Wang\n"
                        "Phone: +86 138 0013 8000\n"
                        "Email: alice@example.com\n"
                        "Organisation: Changhong\n"
                        "Title: Engineer\n"
                        "Address: 35 Dongxing Rd, Mianyang, Sichuan, 621000, "
                        "China\n"
                        "Web: https://example.com/alice\n"
                        "About: Smart TV firmware & XMPP\n"
                        "Note: nice to meet you");
    free(s);
    vcard_fields_clear(&f);

    vcard_fields_set(&f, "phone", "+86 138 0013 8000");
    s = vcard_summary(&f, NULL);
    ck_assert_str_eq(s, "Business card: +86 138 0013 8000");
    free(s);
    vcard_fields_set(&f, "email", "a@b.example");
    s = vcard_summary(&f, "");
    ck_assert_str_eq(s, "Business card: +86 138 0013 8000\n"
                        "Email: a@b.example");
    free(s);
    vcard_fields_clear(&f);
    s = vcard_summary(&f, "hi");
    ck_assert_str_eq(s, "Business card\nNote: hi");
    free(s);
    xmpp_stanza_release(v);
    xmpp_ctx_free(ctx);
}
END_TEST

START_TEST(check_size_limit)
{
    xmpp_ctx_t *ctx = xmpp_ctx_new(NULL, NULL);
    struct vcard_fields f = {0};
    xmpp_stanza_t *v, *other;
    const char *why = NULL;
    char *text;
    size_t len;

    fill_full(&f);
    v = vcard_build(ctx, &f);
    text = vcard_to_text(v);
    len = strlen(text);
    free(text);
    ck_assert_int_eq(vcard_check(v, len, &why), 0);
    ck_assert_ptr_null(why);
    ck_assert_int_eq(vcard_check(v, len - 1, &why), VCARD_EINVAL);
    ck_assert_str_eq(why, "the card is larger than the limit");
    ck_assert_int_eq(vcard_check(v, len - 1, NULL), VCARD_EINVAL);
    other = xmpp_stanza_new_from_string(ctx, "<vCard xmlns='urn:other'/>");
    ck_assert_int_eq(vcard_check(other, 100000, &why), VCARD_EINVAL);
    ck_assert_str_eq(why, "not a vcard-temp vCard");
    xmpp_stanza_release(other);
    xmpp_stanza_release(v);
    vcard_fields_clear(&f);
    xmpp_ctx_free(ctx);
}
END_TEST

/* Written the way libstrophe serialises, so text -> stanza -> text must
 * reproduce it byte for byte. */
static const char exact_xml[] =
    "<vCard xmlns=\"vcard-temp\"><FN>A &amp; B &lt;c&gt; &quot;q&quot; 'a' "
    "\xe5\x90\x8d\xe7\x89\x87 \xf0\x9f\x98\x80</FN>"
    "<X-FOO a=\"x&amp;&quot;'&lt;&gt;\" xmlns=\"urn:example:foo\">"
    "<inner>t</inner></X-FOO>"
    "<PHOTO><TYPE>image/png</TYPE><BINVAL>AAAA</BINVAL></PHOTO>"
    "<DESC>line one\nline two</DESC><EMPTY/></vCard>";

START_TEST(text_roundtrip_exact)
{
    xmpp_ctx_t *ctx = xmpp_ctx_new(NULL, NULL);
    xmpp_stanza_t *v = vcard_from_text(ctx, exact_xml), *foo;
    struct vcard_fields f = {0};
    char *text;

    ck_assert_ptr_nonnull(v);
    text = vcard_to_text(v);
    ck_assert_str_eq(text, exact_xml);
    free(text);
    ck_assert_int_eq(vcard_parse(v, &f), 0);
    ck_assert_str_eq(f.name, "A & B <c> \"q\" 'a' \xe5\x90\x8d\xe7\x89\x87 "
                             "\xf0\x9f\x98\x80");
    foo = find(v, "X-FOO");
    ck_assert_str_eq(xmpp_stanza_get_ns(foo), "urn:example:foo");
    ck_assert_str_eq(xmpp_stanza_get_attribute(foo, "a"), "x&\"'<>");
    vcard_fields_clear(&f);
    xmpp_stanza_release(v);
    xmpp_ctx_free(ctx);
}
END_TEST

START_TEST(text_prolog_and_errors)
{
    xmpp_ctx_t *ctx = xmpp_ctx_new(NULL, NULL);
    xmpp_stanza_t *v;
    char *a, *b;

    /* The fixture has an XML declaration, single quotes and white space. */
    v = load_photo_card(ctx);
    a = vcard_to_text(v);
    xmpp_stanza_release(v);
    v = vcard_from_text(ctx, a);
    b = vcard_to_text(v);
    ck_assert_str_eq(a, b);
    ck_assert_ptr_nonnull(strstr(a, "<X-FOO "));
    ck_assert_ptr_nonnull(strstr(a, "level=\"3\""));
    free(a);
    free(b);
    xmpp_stanza_release(v);

    ck_assert_ptr_null(vcard_from_text(ctx, "<vCard xmlns='vcard-temp'>"));
    ck_assert_ptr_null(vcard_from_text(ctx, "not xml"));
    ck_assert_ptr_null(vcard_from_text(ctx, ""));
    ck_assert_ptr_null(vcard_from_text(ctx, NULL));
    ck_assert_ptr_null(vcard_from_text(ctx, "<vCard xmlns='urn:x'/>"));
    ck_assert_ptr_null(vcard_from_text(ctx, "<?xml version='1.0'"));
    xmpp_ctx_free(ctx);
}
END_TEST

static Suite *vcard_suite(void)
{
    Suite *s = suite_create("vcard");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, fields_api);
    tcase_add_test(tc, parse_realistic);
    tcase_add_test(tc, parse_fallbacks);
    tcase_add_test(tc, build_parse_roundtrip);
    tcase_add_test(tc, merge_unchanged_is_identity);
    tcase_add_test(tc, merge_n_only_is_identity);
    tcase_add_test(tc, parse_cleans_control_characters);
    tcase_add_test(tc, build_never_writes_control_characters);
    tcase_add_test(tc, merge_keeps_unknown);
    tcase_add_test(tc, merge_clear_and_add);
    tcase_add_test(tc, summary_text);
    tcase_add_test(tc, check_size_limit);
    tcase_add_test(tc, text_roundtrip_exact);
    tcase_add_test(tc, text_prolog_and_errors);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(vcard_suite)
