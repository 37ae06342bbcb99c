/* Fuzz target for vcard-temp XML: a card read from text must serialise to
 * XML that parses back to the same fields, build from its fields to a card
 * with the same fields, and merge with its own fields without a change; a
 * photo it holds must survive being set again byte for byte. */
#include <strophe.h>

#include "card/vcard.h"
#include "card/vcard_photo.h"
#include "fuzz/fuzzutil.h"

/* Every field of a and b equal, or abort naming the first that differs. */
static void check_same(const struct vcard_fields *a,
                       const struct vcard_fields *b, const char *what)
{
    const char *const *names = vcard_field_names();

    for (size_t i = 0; names[i]; i++)
        FUZZ_CHECK(fuzz_same(vcard_fields_get(a, names[i]),
                             vcard_fields_get(b, names[i])),
                   "%s: %s '%s' became '%s'", what, names[i],
                   fuzz_str(vcard_fields_get(a, names[i])),
                   fuzz_str(vcard_fields_get(b, names[i])));
}

/* Serialises v, parses the text again and checks its fields are f. */
static void check_reparse(xmpp_ctx_t *ctx, xmpp_stanza_t *v,
                          const struct vcard_fields *f, const char *what)
{
    char *text = vcard_to_text(v);
    xmpp_stanza_t *back;
    struct vcard_fields g = {0};

    FUZZ_CHECK(text != NULL, "%s: cannot serialise", what);
    back = vcard_from_text(ctx, text);
    FUZZ_CHECK(back != NULL, "%s: the serialised card does not parse: %s", what,
               text);
    FUZZ_CHECK(vcard_parse(back, &g) == 0, "%s: parse failed", what);
    check_same(f, &g, what);
    vcard_fields_clear(&g);
    xmpp_stanza_release(back);
    free(text);
}

/* Whether a and b are the same XML: names, namespaces, text, children in
 * order, and attributes as a set, since copying a libstrophe element
 * (vcard_merge copies what it keeps) may reorder its attribute hash. */
static int same_xml(xmpp_stanza_t *a, xmpp_stanza_t *b)
{
    const char *attrs[64];
    int n;
    xmpp_stanza_t *ca, *cb;

    if (xmpp_stanza_is_text(a) || xmpp_stanza_is_text(b))
        return xmpp_stanza_is_text(a) && xmpp_stanza_is_text(b) &&
               fuzz_same(xmpp_stanza_get_text_ptr(a),
                         xmpp_stanza_get_text_ptr(b));
    n = xmpp_stanza_get_attribute_count(a);
    if (!fuzz_same(xmpp_stanza_get_name(a), xmpp_stanza_get_name(b)) ||
        !fuzz_same(xmpp_stanza_get_ns(a), xmpp_stanza_get_ns(b)) ||
        n != xmpp_stanza_get_attribute_count(b) || n > 32)
        return 0;
    n = xmpp_stanza_get_attributes(a, attrs, 64);
    for (int i = 0; i + 1 < n; i += 2)
        if (!fuzz_same(attrs[i + 1], xmpp_stanza_get_attribute(b, attrs[i])))
            return 0;
    ca = xmpp_stanza_get_children(a);
    cb = xmpp_stanza_get_children(b);
    for (; ca && cb;
         ca = xmpp_stanza_get_next(ca), cb = xmpp_stanza_get_next(cb))
        if (!same_xml(ca, cb))
            return 0;
    return !ca && !cb;
}

/* When v has a readable photo: setting it again into v reads back the
 * same bytes and type, and leaves the fields f alone. */
static void check_photo(xmpp_ctx_t *ctx, xmpp_stanza_t *v,
                        const struct vcard_fields *f)
{
    struct vcard_photo_info info, back_info;
    unsigned char *data = NULL, *back = NULL;
    size_t len = 0, back_len = 0;
    struct vcard_fields g = {0};
    xmpp_stanza_t *p;
    char *line = NULL;

    if (vcard_photo_get(v, &data, &len, &info, NULL) != 0)
        return;
    FUZZ_CHECK(vcard_photo_vcf_line(v, 4, &line) == 0, "no PHOTO line");
    free(line);
    p = vcard_photo_set(ctx, v, data, len, &info);
    FUZZ_CHECK(p != NULL, "photo set failed");
    FUZZ_CHECK(vcard_photo_get(p, &back, &back_len, &back_info, NULL) == 0,
               "a set photo does not read back");
    FUZZ_CHECK(back_len == len && memcmp(back, data, len) == 0 &&
                   back_info.width == info.width &&
                   back_info.height == info.height,
               "a set photo reads back different");
    FUZZ_CHECK(vcard_parse(p, &g) == 0, "a card with a set photo does not "
                                        "parse");
    check_same(f, &g, "photo set");
    vcard_fields_clear(&g);
    xmpp_stanza_release(p);
    free(back);
    free(data);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static xmpp_ctx_t *ctx;
    struct vcard_fields f = {0}, g = {0};
    xmpp_stanza_t *v, *built, *merged;
    char *xml, *before, *after;

    if (!ctx)
        ctx = xmpp_ctx_new(NULL, NULL);
    xml = fuzz_string(data, size);
    v = xml ? vcard_from_text(ctx, xml) : NULL;
    free(xml);
    if (!v)
        return 0;
    FUZZ_CHECK(vcard_parse(v, &f) == 0, "a vCard does not parse");
    check_reparse(ctx, v, &f, "card -> text -> card");
    check_photo(ctx, v, &f);

    built = vcard_build(ctx, &f);
    FUZZ_CHECK(built != NULL, "build failed");
    FUZZ_CHECK(vcard_parse(built, &g) == 0, "a built card does not parse");
    check_same(&f, &g, "fields -> build -> fields");
    FUZZ_CHECK(vcard_check(built, (size_t)-1, NULL) == 0,
               "a built card fails vcard_check");
    check_reparse(ctx, built, &f, "built card -> text -> card");

    merged = vcard_merge(ctx, v, &f);
    FUZZ_CHECK(merged != NULL, "merge failed");
    before = vcard_to_text(v);
    after = vcard_to_text(merged);
    FUZZ_CHECK(before && after && same_xml(v, merged),
               "merging a card with its own fields changed it:\n%s\n%s",
               fuzz_str(before), fuzz_str(after));

    free(before);
    free(after);
    xmpp_stanza_release(merged);
    xmpp_stanza_release(built);
    xmpp_stanza_release(v);
    vcard_fields_clear(&f);
    vcard_fields_clear(&g);
    return 0;
}
